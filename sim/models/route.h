/*
 * route.h - lowest-latency paths over the scenario's topology, for the
 * world model: between topology nodes, with links that can go down.
 *
 * Owns:      the igraph graph, its weights and one shortest-path tree per
 *            source node asked for (cached until a link changes state).
 * Borrows:   the mn_net (nodes, links) for its whole life.
 * Invariant: a returned path uses only links that are up; resources are
 *            numbered as in netrun: 2 * link + direction (0: a->b, 1: b->a).
 */
#ifndef MN_ROUTE_H
#define MN_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/time.h"
#include "net.h"

typedef struct mn_routes mn_routes;

int mn_routes_create(const mn_net *n, mn_routes **out, mn_err *err);
void mn_routes_destroy(mn_routes *r);

/*
 * The path from node a to node b: at most max resources into res, their
 * count in *len and summed latency in *latency. a == b: an empty path.
 * MN_ENOTFOUND when no path of links that are up joins them; MN_ERANGE when
 * it is longer than max.
 */
int mn_routes_path(mn_routes *r, uint32_t a, uint32_t b, uint32_t *res, size_t max, size_t *len,
                   mn_time *latency);

/* A link goes down (up = 0) or comes back; drops the cached trees. */
void mn_routes_set_up(mn_routes *r, uint32_t link, int up);
int mn_routes_link_up(const mn_routes *r, uint32_t link);

#endif /* MN_ROUTE_H */
