/* route.c - lowest-latency paths with links that fail; see route.h. */
#include "route.h"

#include <igraph.h>

#include "core/alloc.h"

/* A down link weighs this much: a path through it is found only when no other exists, and refused. */
#define DOWN_WEIGHT 1e30

struct mn_routes {
    const mn_net *net;
    igraph_t g;
    igraph_vector_t weights;
    uint8_t *up;                 /* per link */
    igraph_vector_int_t **trees; /* per source node: inbound edge of every node, or NULL */
    int graph_made;
};

int mn_routes_create(const mn_net *n, mn_routes **out, mn_err *err)
{
    mn_routes *r = mn_calloc(1, sizeof *r);
    if (!r)
        return MN_ERR(err, MN_ENOMEM, "out of memory for routes");
    r->net = n;
    r->up = mn_alloc(n->nlinks + 1);
    r->trees = mn_calloc(n->nnodes + 1, sizeof *r->trees);
    igraph_vector_int_t edges;
    if (!r->up || !r->trees || igraph_vector_int_init(&edges, (igraph_integer_t)(2 * n->nlinks)) != IGRAPH_SUCCESS) {
        mn_routes_destroy(r);
        return MN_ERR(err, MN_ENOMEM, "out of memory for routes");
    }
    if (igraph_vector_init(&r->weights, (igraph_integer_t)n->nlinks) != IGRAPH_SUCCESS) {
        igraph_vector_int_destroy(&edges);
        mn_free(r->up);
        mn_free(r->trees);
        mn_free(r);
        return MN_ERR(err, MN_ENOMEM, "out of memory for routes");
    }
    for (size_t i = 0; i < n->nlinks; i++) {
        VECTOR(edges)[2 * i] = n->links[i].a;
        VECTOR(edges)[2 * i + 1] = n->links[i].b;
        /* latency in ns, with a hop's worth of tie-break: equal latency prefers fewer links */
        VECTOR(r->weights)[i] = (double)n->links[i].latency + 1e-3;
        r->up[i] = 1;
    }
    int rc = igraph_create(&r->g, &edges, (igraph_integer_t)n->nnodes, IGRAPH_UNDIRECTED);
    igraph_vector_int_destroy(&edges);
    if (rc != IGRAPH_SUCCESS) {
        igraph_vector_destroy(&r->weights);
        mn_free(r->up);
        mn_free(r->trees);
        mn_free(r);
        return MN_ERR(err, MN_ENOMEM, "out of memory for routes");
    }
    r->graph_made = 1;
    *out = r;
    return MN_OK;
}

static void drop_trees(mn_routes *r)
{
    for (size_t i = 0; i < r->net->nnodes; i++)
        if (r->trees[i]) {
            igraph_vector_int_destroy(r->trees[i]);
            mn_free(r->trees[i]);
            r->trees[i] = NULL;
        }
}

void mn_routes_destroy(mn_routes *r)
{
    if (!r)
        return;
    if (r->trees)
        drop_trees(r);
    if (r->graph_made) {
        igraph_destroy(&r->g);
        igraph_vector_destroy(&r->weights);
    }
    mn_free(r->trees);
    mn_free(r->up);
    mn_free(r);
}

int mn_routes_path(mn_routes *r, uint32_t a, uint32_t b, uint32_t *res, size_t max, size_t *len,
                   mn_time *latency)
{
    const mn_net *n = r->net;
    *len = 0;
    *latency = 0;
    if (a == b)
        return MN_OK;
    igraph_vector_int_t *tree = r->trees[a];
    if (!tree) {
        tree = mn_alloc(sizeof *tree);
        if (!tree || igraph_vector_int_init(tree, 0) != IGRAPH_SUCCESS) {
            mn_free(tree);
            return MN_ENOMEM;
        }
        if (igraph_get_shortest_paths_dijkstra(&r->g, NULL, NULL, a, igraph_vss_all(), &r->weights,
                                               IGRAPH_ALL, NULL, tree) != IGRAPH_SUCCESS) {
            igraph_vector_int_destroy(tree);
            mn_free(tree);
            return MN_ENOMEM;
        }
        r->trees[a] = tree;
    }
    /* walk back from b, then reverse */
    size_t k = 0;
    igraph_integer_t v = b;
    while (v != (igraph_integer_t)a) {
        igraph_integer_t e = VECTOR(*tree)[v];
        if (e < 0 || !r->up[e])
            return MN_ENOTFOUND;
        if (k == max)
            return MN_ERANGE;
        const mn_net_link *l = &n->links[e];
        igraph_integer_t prev = l->b == (uint32_t)v ? l->a : l->b;
        res[k++] = 2 * (uint32_t)e + (l->a == (uint32_t)prev ? 0u : 1u);
        *latency += l->latency;
        v = prev;
    }
    for (size_t i = 0; i < k / 2; i++) {
        uint32_t t = res[i];
        res[i] = res[k - 1 - i];
        res[k - 1 - i] = t;
    }
    *len = k;
    return MN_OK;
}

void mn_routes_set_up(mn_routes *r, uint32_t link, int up)
{
    if (r->up[link] == !!up)
        return;
    r->up[link] = (uint8_t) !!up;
    VECTOR(r->weights)[link] = up ? (double)r->net->links[link].latency + 1e-3 : DOWN_WEIGHT;
    drop_trees(r);
}

int mn_routes_link_up(const mn_routes *r, uint32_t link)
{
    return r->up[link];
}
