/* topo_int.h - shared inside the topology module (topo.c, topo_gen.c). */
#ifndef MN_TOPO_INT_H
#define MN_TOPO_INT_H

#include <igraph.h>

#include "topo.h"

/*
 * A topology shaped like g: node i with id and label "i", link e joining
 * igraph's ends of edge e, everything else zero. NULL when out of memory.
 * Callers fill in what they know (attributes, capacities, latencies).
 */
mn_topo *mn__topo_shape(const igraph_t *g);

#endif
