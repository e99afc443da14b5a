/*
 * world_load.h - what the <world> element handlers share with the rest of
 * loading (net.c calls mn_world_finish once the whole file is read).
 */
#ifndef MN_WORLD_LOAD_H
#define MN_WORLD_LOAD_H

#include "core/scenario.h"
#include "world.h"

/* The world's scenario elements, for net.c's loader table. */
extern const struct mn_scn_entity_ops mn_world_entities[];
extern const size_t mn_world_nentities;

/* The run seed while loading (generated boxes and users draw from it). */
uint64_t mn_world_seed(void *net);

/* Notes a reference to resolve at the end: `name` must be an entity of `kind`. */
int mn_world_defer(mn_world *w, const mn_scn_elem *e, int kind, const char *name, int owner_kind,
                   uint32_t owner, const char *attr, mn_err *err);

/*
 * After the last element: resolves forward references, checks each vAP's
 * virtual network (operator, stacks, via VM in it), and maps every virtual
 * link on the lowest-latency physical path between its VMs' boxes,
 * reserving its capacity there; a reservation beyond a link's capacity is an
 * error naming the virtual link, the physical link and the shortfall.
 */
int mn_world_finish(struct mn_net *n, mn_err *err);

#endif /* MN_WORLD_LOAD_H */
