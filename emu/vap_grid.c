/*
 * vap_grid.c - mn_emu_best_vap from a grid (vap_grid.h): the placed vAPs
 * sorted by the key of their box's cell, looked up by binary search in the
 * 3 x 3 cells around a point. A sorted array, not a dense one, so that
 * boxes continents apart (mnet-world) cost nothing.
 */
#include "vap_grid.h"

#include <math.h>
#include <stdlib.h>

#include "sim/core/alloc.h"
#include "sim/models/radio.h"

typedef struct cell_vap {
    int64_t cx, cy;
    uint32_t v, box, radio;
} cell_vap;

struct mn_emu_vap_grid {
    const mn_world *w;
    double side; /* cell side, m */
    cell_vap *e; /* sorted by (cx, cy, v) */
    size_t n;
};

/* Cell coordinate of x; clamped so that far or odd positions stay keys. */
static int64_t cell_of(double x, double side)
{
    double c = floor(x / side);
    if (!(c > -4e18))
        return INT64_MIN / 2;
    if (c > 4e18)
        return INT64_MAX / 2;
    return (int64_t)c;
}

static int key_cmp(int64_t ax, int64_t ay, int64_t bx, int64_t by)
{
    if (ax != bx)
        return ax < bx ? -1 : 1;
    return ay < by ? -1 : ay > by;
}

static int cell_cmp(const void *pa, const void *pb)
{
    const cell_vap *a = pa, *b = pb;
    int c = key_cmp(a->cx, a->cy, b->cx, b->cy);
    return c ? c : (a->v > b->v) - (a->v < b->v);
}

int mn_emu_vap_grid_build(const mn_world *w, mn_emu_vap_at where, const void *ctx,
                          mn_emu_vap_grid **out, mn_err *err)
{
    *out = NULL;
    mn_emu_vap_grid *g = mn_calloc(1, sizeof *g);
    cell_vap *e = mn_calloc(w->nvaps ? w->nvaps : 1, sizeof *e);
    if (!g || !e) {
        mn_free(g);
        mn_free(e);
        return MN_ERR(err, MN_ENOMEM, "out of memory for the grid of %zu vAPs", w->nvaps);
    }
    double side = 1;
    for (uint32_t v = 0; v < w->nvaps; v++) {
        uint32_t box, r;
        where(ctx, v, &box, &r);
        if (box == MN_NONE || r == MN_NONE)
            continue;
        e[g->n++] = (cell_vap){0, 0, v, box, r};
        if (w->radios[r].range_m > side)
            side = w->radios[r].range_m;
    }
    for (size_t k = 0; k < g->n; k++) {
        mn_pos p = w->boxes[e[k].box].pos;
        e[k].cx = cell_of(p.x, side);
        e[k].cy = cell_of(p.y, side);
    }
    qsort(e, g->n, sizeof *e, cell_cmp);
    g->w = w;
    g->side = side;
    g->e = e;
    *out = g;
    return MN_OK;
}

/* The first entry of cell (cx, cy) or after where it would be. */
static size_t lower_bound(const mn_emu_vap_grid *g, int64_t cx, int64_t cy)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(g->e[mid].cx, g->e[mid].cy, cx, cy) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint32_t mn_emu_vap_grid_best(const mn_emu_vap_grid *g, uint32_t op, unsigned stacks, mn_pos at)
{
    const mn_world *w = g->w;
    int64_t cx = cell_of(at.x, g->side), cy = cell_of(at.y, g->side);
    uint32_t best = MN_NONE;
    double best_phy = 0;
    for (int dx = -1; dx <= 1; dx++)
        for (int dy = -1; dy <= 1; dy++) {
            int64_t x = cx + dx, y = cy + dy;
            for (size_t k = lower_bound(g, x, y); k < g->n && g->e[k].cx == x && g->e[k].cy == y;
                 k++) {
                const cell_vap *c = &g->e[k];
                const mn_vap *V = &w->vaps[c->v];
                if (V->op != op || !(V->stacks & stacks))
                    continue;
                double d = mn_pos_dist(at, w->boxes[c->box].pos);
                if (d > w->radios[c->radio].range_m)
                    continue;
                double phy = mn_radio_phy_rate(&w->radios[c->radio].cfg, d, NULL);
                /* the scan's order: the higher rate, ties to the lower vAP */
                if (phy > best_phy || (phy == best_phy && phy > 0 && c->v < best)) {
                    best_phy = phy;
                    best = c->v;
                }
            }
        }
    return best;
}

void mn_emu_vap_grid_destroy(mn_emu_vap_grid *g)
{
    if (!g)
        return;
    mn_free(g->e);
    mn_free(g);
}
