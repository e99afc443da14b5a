/*
 * test_emu_faults.c - the fault timeline the emulation runs (sim/models/fault.h,
 * used by emu/faults.c) is the simulator's: no root, no namespace.
 *
 * For each scenario, mn_fault_timeline(world, seed, duration) beside the
 * simulator's sim/faults.csv (mn_world_run, same seed): the k-th failure in the
 * timeline is the k-th row (same fault, target, down time to the nanosecond) and
 * its repair (the next repair of that fault and target) the row's up time, or
 * none when the row has none. tests/emu/data/emu-fault.xml over 600 s: box1's
 * scheduled outage (2 s to 4 s) and r2's random ones (MTBF 2 s, MTTR 500 ms:
 * about 240); tests/fuzz/corpus/world-faults.xml over 20 h: a scheduled box
 * outage and two links' random ones (MTBF 1 h, MTTR 5 min).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/core/alloc.h"
#include "sim/models/fault.h"
#include "sim/models/wrun.h"
#include "unit.h"

static const char *target_id(const mn_net *n, const mn_fault *f, uint32_t t)
{
    const mn_world *w = &n->world;
    switch (f->kind) {
    case MN_FAULT_BOX:
        return w->boxes[t].id;
    case MN_FAULT_RADIO:
        return w->radios[t].id;
    case MN_FAULT_LINK:
        return n->links[t].id;
    default:
        return w->vms[t].id;
    }
}

/* Runs the simulator on scn for duration and checks its faults.csv row by row; returns rows. */
static size_t check_same(const char *scn, const char *duration, size_t min_rows)
{
    mn_net *n = NULL;
    mn_err err = {0};
    const char *sets[] = {duration};
    CU_ASSERT_EQUAL_FATAL(mn_net_load(scn, sets, 1, NULL, &n, &err), MN_OK);
    uint64_t seed = n->has_seed ? n->seed : 1;
    char dir[] = "/tmp/mn-test-faults-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    mn_run_opts o;
    memset(&o, 0, sizeof o);
    o.out_dir = dir;
    o.seed = seed;
    o.seed_set = 1;
    mn_run_summary sum;
    int rc = mn_world_run(n, &o, &sum, &err);
    if (rc != MN_OK)
        fprintf(stderr, "\n%s: %s\n", err.where, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, MN_OK);
    mn_fault_ev *tl = NULL;
    size_t ntl = 0;
    CU_ASSERT_EQUAL_FATAL(mn_fault_timeline(&n->world, seed, n->duration, &tl, &ntl, &err), MN_OK);
    char path[128], line[512];
    snprintf(path, sizeof path, "%s/faults.csv", dir);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f)); /* the header */
    size_t rows = 0, k = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        while (k < ntl && !tl[k].down)
            k++;
        if (k >= ntl) {
            bad++;
            break;
        }
        const mn_fault *F = &n->world.faults[tl[k].fault];
        char want[512], up[64] = "";
        for (size_t j = k + 1; j < ntl; j++)
            if (!tl[j].down && tl[j].fault == tl[k].fault && tl[j].target == tl[k].target) {
                snprintf(up, sizeof up, "%.9f", mn_time_to_sec(tl[j].t));
                break;
            }
        static const char *const kinds[] = {"box", "radio", "link", "vm"};
        int m = snprintf(want, sizeof want, "%s,%s,%s,%.9f,%s,", F->id, kinds[F->kind],
                         target_id(n, F, tl[k].target), mn_time_to_sec(tl[k].t), up);
        if (strncmp(line, want, (size_t)m) != 0) {
            if (!bad)
                fprintf(stderr, "\nrow %zu: simulator %s  timeline %s\n", rows + 1, line, want);
            bad++;
        }
        rows++;
        k++;
    }
    fclose(f);
    while (k < ntl && !tl[k].down)
        k++;
    CU_ASSERT_EQUAL(k, ntl); /* no failure in the timeline the simulator did not have */
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(rows >= min_rows);
    mn_free(tl);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    mn_net_destroy(n);
    return rows;
}

static void test_fault_timeline_is_the_simulators_for_scheduled_and_random_faults(void)
{
    CU_ASSERT(check_same(MN_EMU_DATA "/emu-fault.xml", "//scenario/@duration=600s", 100) > 100);
}

static void test_fault_timeline_is_the_simulators_for_links(void)
{
    check_same(MN_TEST_SRC "/fuzz/corpus/world-faults.xml", "//scenario/@duration=20h", 10);
}

static void test_fault_timeline_survives_running_out_of_memory(void)
{
    mn_net *n = NULL;
    mn_err err = {0};
    const char *sets[] = {"//scenario/@duration=60s"};
    CU_ASSERT_EQUAL_FATAL(mn_net_load(MN_EMU_DATA "/emu-fault.xml", sets, 1, NULL, &n, &err),
                          MN_OK);
    uint64_t live = mn_alloc_get_stats().live_bytes;
    int made = 0;
    for (long k = 0; k < 100 && !made; k++) {
        mn_fault_ev *tl = NULL;
        size_t ntl = 0;
        mn_alloc_fail_after(k);
        int rc = mn_fault_timeline(&n->world, 7, n->duration, &tl, &ntl, &err);
        mn_alloc_fail_after(-1);
        if (rc == MN_OK) {
            made = 1;
            CU_ASSERT(ntl > 10);
            mn_free(tl);
        } else {
            CU_ASSERT_EQUAL(rc, MN_ENOMEM);
            CU_ASSERT_PTR_NULL(tl);
        }
        CU_ASSERT_EQUAL(mn_alloc_get_stats().live_bytes, live);
    }
    CU_ASSERT(made);
    mn_net_destroy(n);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_fault_timeline_is_the_simulators_for_scheduled_and_random_faults),
        MN_TEST(test_fault_timeline_is_the_simulators_for_links),
        MN_TEST(test_fault_timeline_survives_running_out_of_memory),
    };
    MN_SUITE("emu_faults", cases);
}
