/* flows.c - the flows benchmark; see flows.h and ../shared/bench/flows-workload.md. */
#include "flows.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/engine.h"
#include "../core/rng.h"
#include "../core/sysinfo.h"
#include "../models/share.h"

#define SITES 100
#define BOXES 100
#define ACCESS_BPS 1e9
#define UPLINK_BPS 10e9
#define PATH_LATENCY (12 * MN_MS) /* 1 + 5 + 5 + 1 ms */

/* The spec's uniform on [0, 1): the top 53 bits of a SplitMix64 draw. */
static double u01(uint64_t *state)
{
    return (double)(mn_rng_splitmix64(state) >> 11) * 0x1.0p-53;
}

void mn_flows_generate(uint64_t seed, uint64_t n, mn_flows_spec *out)
{
    uint64_t st = seed;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t src_site = (uint32_t)floor(u01(&st) * SITES);
        uint32_t src_box = (uint32_t)floor(u01(&st) * BOXES);
        uint32_t d = (uint32_t)floor(u01(&st) * (SITES - 1));
        uint32_t dst_site = d >= src_site ? d + 1 : d;
        uint32_t dst_box = (uint32_t)floor(u01(&st) * BOXES);
        double start = (double)llround(u01(&st) * 600 * 1e6) / 1e6;
        long long b = llround(-1e8 * log(1 - u01(&st)));
        out[i].src = src_site * BOXES + src_box;
        out[i].dst = dst_site * BOXES + dst_box;
        out[i].start_s = start;
        out[i].bytes = (uint64_t)(b < 1 ? 1 : b);
    }
}

/* Link ids: access links first (host h: 2h up, 2h + 1 down), then uplinks. */
static uint32_t access_up(uint32_t host) { return 2 * host; }
static uint32_t access_down(uint32_t host) { return 2 * host + 1; }
static uint32_t uplink_up(uint32_t site) { return 2 * SITES * BOXES + 2 * site; }
static uint32_t uplink_down(uint32_t site) { return 2 * SITES * BOXES + 2 * site + 1; }

struct run {
    mn_share *share;
    const mn_flows_spec *spec;
    double *end_s;
    double last_end;
    int failed;
    mn_err err;
};

struct arrival {
    struct run *run;
    uint32_t id;
};

static void on_done(mn_share *s, uint32_t flow, void *ctx)
{
    (void)flow;
    struct arrival *a = ctx;
    double t = mn_time_to_sec(mn_engine_now(mn_share_engine(s)));
    a->run->end_s[a->id] = t;
    if (t > a->run->last_end)
        a->run->last_end = t;
}

static void on_arrival(mn_engine *eng, void *ctx)
{
    struct arrival *a = ctx;
    const mn_flows_spec *f = &a->run->spec[a->id];
    uint32_t src_site = f->src / BOXES, dst_site = f->dst / BOXES;
    uint32_t path[4] = {access_up(f->src), uplink_up(src_site), uplink_down(dst_site),
                        access_down(f->dst)};
    if (mn_share_flow_start(a->run->share, path, 4, (double)f->bytes, 0, on_done, a, NULL,
                            &a->run->err) != MN_OK) {
        a->run->failed = 1;
        mn_engine_stop(eng);
    }
}

struct mark {
    double t;
    int delta; /* +1 start, -1 end */
};

static int cmp_mark(const void *a, const void *b)
{
    const struct mark *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->delta - y->delta; /* an end before a start at the same time */
}

/* Most flows between their start and their end at once (sweep over 2F marks). */
static int max_in_flight(const mn_flows_spec *spec, const double *end_s, uint64_t n, size_t *out)
{
    struct mark *m = mn_alloc(2 * n * sizeof *m);
    if (!m)
        return MN_ENOMEM;
    for (uint64_t i = 0; i < n; i++) {
        m[2 * i] = (struct mark){spec[i].start_s, +1};
        m[2 * i + 1] = (struct mark){end_s[i], -1};
    }
    qsort(m, 2 * n, sizeof *m, cmp_mark);
    long now = 0, best = 0;
    for (uint64_t i = 0; i < 2 * n; i++) {
        now += m[i].delta;
        if (now > best)
            best = now;
    }
    mn_free(m);
    *out = (size_t)best;
    return MN_OK;
}

int mn_flows_run(uint64_t flows, uint64_t seed, mn_flows_result *out, mn_err *err)
{
    memset(out, 0, sizeof *out);
    if (flows < 1 || flows > UINT32_MAX)
        return MN_ERR(err, MN_ERANGE, "flows: --flows must be in [1, %u]", UINT32_MAX);
    mn_sys_reset_peak_rss();
    double t0 = mn_sys_monotonic_s();
    struct run run = {0};
    mn_flows_spec *spec = mn_alloc(flows * sizeof *spec);
    struct arrival *arr = mn_alloc(flows * sizeof *arr);
    run.end_s = mn_calloc(flows, sizeof *run.end_s);
    mn_engine *eng = NULL;
    int rc = MN_OK;
    mn_engine_config cfg = {.capacity = flows};
    if (!spec || !arr || !run.end_s) {
        rc = MN_ERR(err, MN_ENOMEM, "flows: out of memory for %" PRIu64 " flows", flows);
        goto done;
    }
    mn_flows_generate(seed, flows, spec);
    run.spec = spec;
    if ((rc = mn_engine_create(&cfg, &eng, err)) != MN_OK ||
        (rc = mn_share_create(eng, &run.share, err)) != MN_OK)
        goto done;
    for (uint32_t h = 0; h < SITES * BOXES; h++) {
        uint32_t id;
        if ((rc = mn_share_add_link(run.share, ACCESS_BPS / 8, &id, err)) != MN_OK ||
            (rc = mn_share_add_link(run.share, ACCESS_BPS / 8, &id, err)) != MN_OK)
            goto done;
    }
    for (uint32_t k = 0; k < SITES; k++) {
        uint32_t id;
        if ((rc = mn_share_add_link(run.share, UPLINK_BPS / 8, &id, err)) != MN_OK ||
            (rc = mn_share_add_link(run.share, UPLINK_BPS / 8, &id, err)) != MN_OK)
            goto done;
    }
    for (uint64_t i = 0; i < flows; i++) {
        arr[i] = (struct arrival){&run, (uint32_t)i};
        /* start_s is on a microsecond grid: exact in ns */
        mn_time at = (mn_time)llround(spec[i].start_s * 1e6) * MN_US + PATH_LATENCY;
        if ((rc = mn_ev_schedule_at(eng, at, on_arrival, &arr[i], NULL)) != MN_OK) {
            MN_ERR(err, rc, "flows: cannot schedule flow %" PRIu64, i);
            goto done;
        }
    }
    double t1 = mn_sys_monotonic_s();
    rc = mn_engine_run(eng, MN_TIME_MAX, NULL);
    out->loop_s = mn_sys_monotonic_s() - t1;
    if (rc == MN_OK && run.failed) {
        rc = run.err.code;
        *err = run.err;
    } else if (rc == MN_OK) {
        rc = mn_share_check(run.share, err);
    }
    if (rc != MN_OK)
        goto done;
    mn_share_stats st = mn_share_get_stats(run.share);
    out->flows = flows;
    out->events = mn_engine_events_run(eng);
    out->sim_end_s = run.last_end;
    out->max_concurrent = st.max_active;
    out->solves = st.solves;
    out->flows_rerated = st.flows_rerated;
    out->wall_s = mn_sys_monotonic_s() - t0; /* the count below is reporting, not simulation */
    out->peak_rss_mb = (double)mn_sys_peak_rss_bytes() / (1024.0 * 1024.0);
    if (max_in_flight(spec, run.end_s, flows, &out->max_in_flight) != MN_OK) {
        rc = MN_ERR(err, MN_ENOMEM, "flows: out of memory counting flows in flight");
        goto done;
    }
    out->end_s = run.end_s;
    run.end_s = NULL;
done:
    mn_share_destroy(run.share);
    mn_engine_destroy(eng);
    mn_free(run.end_s);
    mn_free(arr);
    mn_free(spec);
    return rc;
}
