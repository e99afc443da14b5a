/*
 * fuzz_scenario.c - libFuzzer target for the scenario loader: any bytes must
 * load or fail with a located message, never crash, leak or hang.
 *
 * Inputs naming <import> or an xi:include are skipped: they would read
 * arbitrary files of the fuzzing machine (FIFOs, devices); both paths have
 * their own unit tests.
 *
 * A world it accepts is also run, for at most 60 simulated seconds, when it
 * is small enough to run in a blink (few users and boxes, no arrivals or
 * failures faster than one a second): the run must end well or with a
 * located error, never crash or leak.
 * Built with clang by scripts/fuzz.sh; tests/fuzz/replay_main.c replays the
 * corpus and kept crashes (tests/fuzz/regress/) under plain CTest.
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "models/net.h"
#include "models/wrun.h"

/* The smallest mean a distribution can have here (its scale for Pareto), ns. */
static double smallest_mean(const mn_distspec *d)
{
    switch (d->kind) {
    case MN_DIST_UNIFORM:
        return (d->a + d->b) / 2;
    case MN_DIST_PARETO:
        return d->b;
    default:
        return d->a;
    }
}

/* A world that runs 60 s in milliseconds: small, and nothing faster than 1/s. */
static int quick_world(const mn_world *w)
{
    if (w->nusers > 200 || w->nboxes > 200 || w->nvaps > 400)
        return 0;
    for (size_t i = 0; i < w->nservices; i++)
        if (smallest_mean(&w->services[i].interarrival) < 1e9)
            return 0;
    for (size_t i = 0; i < w->narrivals; i++)
        if (smallest_mean(&w->arrivals[i].interarrival) < 1e9)
            return 0;
    for (size_t i = 0; i < w->nfaults; i++)
        if (w->faults[i].random && smallest_mean(&w->faults[i].mtbf) < 1e9)
            return 0;
    for (size_t i = 0; i < w->nmobilities; i++)
        if (w->mobilities[i].m.kind == MN_MOB_TRACE && w->mobilities[i].m.step < MN_SEC)
            return 0;
    return 1;
}

static char dir[64]; /* where runs write, removed at exit */

static void remove_dir(void)
{
    static const char *const files[] = {"summary.json", "users.csv", "vaps.csv", "boxes.csv",
                                        "faults.csv", "timeseries.csv", "manifest.json"};
    char path[128];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void run_world(mn_net *n)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/mn-fuzz-run-XXXXXX");
        if (!mkdtemp(dir)) {
            dir[0] = '\0';
            return;
        }
        atexit(remove_dir);
    }
    if (n->duration <= 0 || n->duration > 60 * MN_SEC)
        n->duration = 60 * MN_SEC;
    n->interval = n->interval > 0 && n->interval < MN_SEC ? MN_SEC : n->interval;
    mn_run_opts o = {.out_dir = dir};
    mn_run_summary sum;
    mn_err err = {0};
    if (mn_world_run(n, &o, &sum, &err) != MN_OK && (!err.msg[0] || !err.where[0]))
        abort(); /* a failed run says where and why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memmem(data, size, "import", 6) || memmem(data, size, "include", 7))
        return 0;
    mn_net *n = NULL;
    mn_err err = {0};
    if (mn_net_load_memory((const char *)data, size, "fuzz.xml", &n, &err) == MN_OK) {
        /* what the loader promises of a scenario it accepts */
        for (size_t i = 0; i < n->nlinks; i++)
            if (n->links[i].a >= n->nnodes || n->links[i].b >= n->nnodes ||
                n->links[i].capacity_bps == 0)
                abort();
        for (size_t i = 0; i < n->nflows; i++)
            if (n->flows[i].from >= n->nnodes || n->flows[i].to >= n->nnodes ||
                n->flows[i].from == n->flows[i].to || n->flows[i].bytes == 0)
                abort();
        if (n->world.present && quick_world(&n->world))
            run_world(n);
        mn_net_destroy(n);
    } else if (!err.msg[0] || !err.where[0]) {
        abort(); /* every refusal says where and why */
    }
    return 0;
}
