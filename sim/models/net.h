/*
 * net.h - a network scenario as loaded: nodes, links, flows, run settings.
 *
 * Owns:      every array and string in it (mn_net_destroy frees all).
 * Invariant: ids are unique per kind; every reference (link ends, flow ends)
 *            names an existing node; capacities and sizes are positive; a
 *            flow's ends differ. The loader checks all of it and reports
 *            "file:line: element id: problem; fix".
 *
 * Entities (one handler each, registered in net.c's table): scenario,
 * node, link, import (a GraphML/GML topology, nodes named <prefix><id>),
 * generate (tree, grid, geometric, waxman; nodes named <id>-<i>), flow,
 * output; and the <world> elements of world_load.c.
 */
#ifndef MN_NET_H
#define MN_NET_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/strmap.h"
#include "core/time.h"
#include "world.h"

typedef struct mn_net_link {
    char *id; /* owned */
    uint32_t a, b;
    uint64_t capacity_bps; /* each direction: links are full duplex */
    mn_time latency;
} mn_net_link;

typedef struct mn_net_flow {
    char *id; /* owned */
    uint32_t from, to;
    mn_time start;
    uint64_t bytes;
    uint64_t rate_cap_bps; /* 0: none */
    long line;             /* in the scenario file, for errors found later */
} mn_net_flow;

typedef struct mn_net {
    char *name;       /* owned */
    char *path;       /* owned: the scenario file */
    uint64_t seed;   /* the scenario's, or the override given to mn_net_load */
    int has_seed;
    int seed_forced; /* an override was given: the scenario's seed is ignored */
    mn_time duration; /* 0: until every flow ends */
    long line;        /* of <scenario>, for errors about it found later */
    mn_time interval; /* time-series sampling; 0: none */
    char **nodes;     /* owned: node names */
    size_t nnodes, nodes_cap;
    mn_net_link *links;
    size_t nlinks, links_cap;
    mn_net_flow *flows;
    size_t nflows, flows_cap;
    mn_strmap node_ids, link_ids, flow_ids;
    mn_world world; /* the metamorphic network, when the scenario has a <world> */
} mn_net;

/*
 * Loads a scenario file, with "XPATH=VALUE" overrides applied first. seed,
 * when not NULL, replaces the scenario's seed (it drives generated
 * topologies, so it must be known while loading).
 */
int mn_net_load(const char *path, const char *const *sets, size_t nsets, const uint64_t *seed,
                mn_net **out, mn_err *err);
/* Same from memory (tests, fuzzing); name stands for the file in messages. */
int mn_net_load_memory(const char *buf, size_t len, const char *name, mn_net **out, mn_err *err);
void mn_net_destroy(mn_net *n);

#endif /* MN_NET_H */
