/* topo_gen.c - generated topologies (igraph and Waxman's model); see topo.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <igraph.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "topo_int.h"

/* igraph's graph as a topology, with the parameters' capacity and latency, or
 * latencies from the planar positions (metres) when given. */
static int from_igraph(const igraph_t *g, const double *x, const double *y,
                       const mn_gen_params *p, mn_topo **out)
{
    mn_topo *t = mn__topo_shape(g);
    if (!t)
        return MN_ENOMEM;
    for (size_t e = 0; e < t->nlinks; e++) {
        mn_topo_link *l = &t->links[e];
        l->capacity_bps = p->capacity_bps;
        if (p->latency > 0 || !x) {
            l->latency = p->latency;
        } else {
            double d = hypot(x[l->a] - x[l->b], y[l->a] - y[l->b]);
            l->latency = mn_time_from_sec(d / MN_TOPO_FIBRE_SPEED_MPS);
        }
    }
    *out = t;
    return MN_OK;
}

static int check(const mn_gen_params *p, mn_err *err)
{
    switch (p->kind) {
    case MN_GEN_TREE:
        if (p->nodes < 1 || p->children < 1)
            return MN_ERR(err, MN_ERANGE, "a tree needs nodes >= 1 and children >= 1");
        break;
    case MN_GEN_GRID:
        if (p->rows < 1 || p->cols < 1)
            return MN_ERR(err, MN_ERANGE, "a grid needs rows >= 1 and cols >= 1");
        break;
    case MN_GEN_GEOMETRIC:
        if (p->nodes < 1 || !(p->radius > 0 && p->radius <= 1.5))
            return MN_ERR(err, MN_ERANGE,
                          "a geometric graph needs nodes >= 1 and a radius in (0, 1.5] (a "
                          "fraction of the side)");
        break;
    case MN_GEN_WAXMAN:
        if (p->nodes < 1 || !(p->alpha > 0 && p->alpha <= 1) || !(p->beta > 0 && p->beta <= 1))
            return MN_ERR(err, MN_ERANGE,
                          "a Waxman graph needs nodes >= 1, alpha and beta in (0, 1]");
        break;
    }
    if (p->capacity_bps == 0)
        return MN_ERR(err, MN_ERANGE, "generated links need a capacity above zero");
    if ((p->kind == MN_GEN_TREE || p->kind == MN_GEN_GRID) && p->latency <= 0)
        return MN_ERR(err, MN_ERANGE, "tree and grid links need a latency (they have no positions)");
    if ((p->kind == MN_GEN_GEOMETRIC || p->kind == MN_GEN_WAXMAN) && !(p->side_m > 0))
        return MN_ERR(err, MN_ERANGE, "the side of the square must be above zero");
    return MN_OK;
}

/* Waxman (1988): positions uniform in the square, pair (i, j) linked with
 * probability beta exp(-d / (alpha L)). O(nodes^2) draws. */
static int waxman(const mn_gen_params *p, igraph_t *g, double *x, double *y, mn_err *err)
{
    mn_rng *r;
    int rc = mn_rng_create(p->seed, "waxman", NULL, &r, err);
    if (rc != MN_OK)
        return rc;
    for (uint32_t i = 0; i < p->nodes; i++) {
        x[i] = mn_rng_uniform(r) * p->side_m;
        y[i] = mn_rng_uniform(r) * p->side_m;
    }
    igraph_vector_int_t edges;
    if (igraph_vector_int_init(&edges, 0) != IGRAPH_SUCCESS) {
        mn_rng_destroy(r);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    double L = p->side_m * sqrt(2.0);
    for (uint32_t i = 0; i < p->nodes; i++)
        for (uint32_t j = i + 1; j < p->nodes; j++) {
            double d = hypot(x[i] - x[j], y[i] - y[j]);
            if (mn_rng_uniform(r) < p->beta * exp(-d / (p->alpha * L)) &&
                (igraph_vector_int_push_back(&edges, i) != IGRAPH_SUCCESS ||
                 igraph_vector_int_push_back(&edges, j) != IGRAPH_SUCCESS)) {
                igraph_vector_int_destroy(&edges);
                mn_rng_destroy(r);
                return MN_ERR(err, MN_ENOMEM, "out of memory");
            }
        }
    mn_rng_destroy(r);
    rc = igraph_create(g, &edges, p->nodes, IGRAPH_UNDIRECTED) == IGRAPH_SUCCESS ? MN_OK : MN_ENOMEM;
    igraph_vector_int_destroy(&edges);
    return rc == MN_OK ? MN_OK : MN_ERR(err, rc, "out of memory");
}

int mn_topo_generate(const mn_gen_params *p, mn_topo **out, mn_err *err)
{
    int rc = check(p, err);
    if (rc != MN_OK)
        return rc;
    igraph_t g;
    double *x = NULL, *y = NULL;
    igraph_error_t ig = IGRAPH_SUCCESS;
    if (p->kind == MN_GEN_GEOMETRIC || p->kind == MN_GEN_WAXMAN) {
        x = mn_alloc(p->nodes * sizeof *x);
        y = mn_alloc(p->nodes * sizeof *y);
        if (!x || !y) {
            mn_free(x);
            mn_free(y);
            return MN_ERR(err, MN_ENOMEM, "out of memory");
        }
    }
    switch (p->kind) {
    case MN_GEN_TREE:
        ig = igraph_kary_tree(&g, p->nodes, p->children, IGRAPH_TREE_UNDIRECTED);
        break;
    case MN_GEN_GRID: {
        igraph_vector_int_t dims;
        igraph_vector_int_init(&dims, 2);
        VECTOR(dims)[0] = p->cols;
        VECTOR(dims)[1] = p->rows;
        ig = igraph_square_lattice(&g, &dims, 1, IGRAPH_UNDIRECTED, 0, NULL);
        igraph_vector_int_destroy(&dims);
        break;
    }
    case MN_GEN_GEOMETRIC: {
        igraph_vector_t vx, vy;
        igraph_vector_init(&vx, 0);
        igraph_vector_init(&vy, 0);
        /* igraph draws from its own generator: seed it from our stream */
        igraph_rng_seed(igraph_rng_default(), (igraph_uint_t)mn_rng_stream_seed(p->seed, "geometric"));
        ig = igraph_grg_game(&g, p->nodes, p->radius, 0, &vx, &vy);
        if (ig == IGRAPH_SUCCESS)
            for (uint32_t i = 0; i < p->nodes; i++) {
                x[i] = VECTOR(vx)[i] * p->side_m;
                y[i] = VECTOR(vy)[i] * p->side_m;
            }
        igraph_vector_destroy(&vx);
        igraph_vector_destroy(&vy);
        break;
    }
    case MN_GEN_WAXMAN:
        rc = waxman(p, &g, x, y, err);
        break;
    }
    if (ig != IGRAPH_SUCCESS)
        rc = MN_ERR(err, MN_ENOMEM, "igraph could not build the graph: %s", igraph_strerror(ig));
    if (rc == MN_OK) {
        rc = from_igraph(&g, x, y, p, out);
        igraph_destroy(&g);
        if (rc != MN_OK)
            MN_ERR(err, rc, "out of memory");
    }
    mn_free(x);
    mn_free(y);
    return rc;
}
