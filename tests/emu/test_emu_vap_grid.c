/*
 * test_emu_vap_grid.c - the grid answer to the emulation's association rule
 * (emu/vap_grid.c) against the scan it replaces (mn_emu_best_vap), on the
 * export's placement of bundled scenarios: every user's home, points on a
 * lattice over the area and beyond it, and odd positions. No root.
 */
#include <math.h>
#include <stdio.h>

#include "emu/export.h"
#include "emu/vap_grid.h"
#include "sim/core/alloc.h"
#include "unit.h"

static void place_at(const void *ctx, uint32_t v, uint32_t *box, uint32_t *radio)
{
    const mn_export_place *pl = ctx;
    *box = pl[v].box;
    *radio = pl[v].radio;
}

/* Compares grid and scan for every user's home and a lattice; returns how many found a vAP. */
static size_t compare_on(const char *path)
{
    mn_net *n = NULL;
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(mn_net_load(path, NULL, 0, NULL, &n, &err), MN_OK);
    const mn_world *w = &n->world;
    size_t ninst = w->nvaps + w->nvms;
    mn_export_place *pl = mn_calloc(ninst ? ninst : 1, sizeof *pl);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pl);
    for (uint32_t i = 0; i < ninst; i++)
        pl[i] = mn_emu_export_place(w, i);
    mn_emu_vap_grid *g = NULL;
    CU_ASSERT_EQUAL_FATAL(mn_emu_vap_grid_build(w, place_at, pl, &g, &err), MN_OK);
    size_t found = 0, differ = 0;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (uint32_t b = 0; b < w->nboxes; b++) {
        x0 = fmin(x0, w->boxes[b].pos.x);
        x1 = fmax(x1, w->boxes[b].pos.x);
        y0 = fmin(y0, w->boxes[b].pos.y);
        y1 = fmax(y1, w->boxes[b].pos.y);
    }
    for (uint32_t u = 0; u < w->nusers; u++) {
        const mn_user *U = &w->users[u];
        uint32_t a = mn_emu_best_vap(w, place_at, pl, U->op, U->stacks, U->st.home);
        uint32_t b = mn_emu_vap_grid_best(g, U->op, U->stacks, U->st.home);
        differ += a != b;
        found += a != MN_NONE;
    }
    /* a 41 x 41 lattice from 10% beyond one corner to 10% beyond the other, every operator */
    for (int i = 0; i <= 40; i++)
        for (int j = 0; j <= 40; j++) {
            mn_pos p = {x0 - 0.1 * (x1 - x0 + 1) + (x1 - x0 + 1) * 1.2 * i / 40,
                        y0 - 0.1 * (y1 - y0 + 1) + (y1 - y0 + 1) * 1.2 * j / 40};
            for (uint32_t op = 0; op < w->noperators; op++) {
                uint32_t a = mn_emu_best_vap(w, place_at, pl, op, ~0u, p);
                uint32_t b = mn_emu_vap_grid_best(g, op, ~0u, p);
                differ += a != b;
                found += a != MN_NONE;
            }
        }
    /* far away, and not a number: nothing reaches, nothing breaks */
    const mn_pos odd[] = {{1e30, -1e30}, {-1e300, 1e300}, {NAN, 0}, {0, INFINITY}};
    for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++)
        CU_ASSERT_EQUAL(mn_emu_vap_grid_best(g, 0, ~0u, odd[k]), MN_NONE);
    CU_ASSERT_EQUAL(differ, 0);
    mn_emu_vap_grid_destroy(g);
    mn_free(pl);
    mn_net_destroy(n);
    return found;
}

static void test_grid_answers_as_the_scan_on_city_edge(void)
{
    CU_ASSERT(compare_on(MN_SCENARIOS "/city-edge.xml") > 1000);
}

static void test_grid_answers_as_the_scan_on_shared_ap_and_office_home(void)
{
    CU_ASSERT(compare_on(MN_SCENARIOS "/shared-ap.xml") > 0);
    CU_ASSERT(compare_on(MN_SCENARIOS "/office-home.xml") > 0);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_grid_answers_as_the_scan_on_city_edge),
        MN_TEST(test_grid_answers_as_the_scan_on_shared_ap_and_office_home),
    };
    MN_SUITE("emu_vap_grid", cases);
}
