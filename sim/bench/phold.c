/* phold.c - PHOLD on the engine and on a bare binary heap; see phold.h. */
#include "phold.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/engine.h"
#include "../core/rng.h"
#include "../core/sysinfo.h"

#define LOOKAHEAD_NS ((mn_time)100000000) /* 0.1 s */

static mn_time phold_delay(mn_rng *r)
{
    /* the draw is >= 0, so adding 0.5 and truncating rounds to nearest */
    return LOOKAHEAD_NS + (mn_time)(mn_rng_exponential(r, 1.0) * 1e9 + 0.5);
}

static int check_params(const mn_phold_params *p, mn_err *err)
{
    if (p->lps < 1 || p->lps > UINT32_MAX)
        return MN_ERR(err, MN_ERANGE, "phold: --lps must be in [1, %u]", UINT32_MAX);
    if (p->events_per_lp < 1 || p->lps * p->events_per_lp > UINT32_MAX / 2)
        return MN_ERR(err, MN_ERANGE,
                      "phold: --events must be >= 1 and lps*events at most %u", UINT32_MAX / 2);
    if (p->end < 0)
        return MN_ERR(err, MN_ERANGE, "phold: --end must not be negative");
    return MN_OK;
}

static void finish_result(mn_phold_result *out, double wall, int isolated)
{
    out->wall_s = wall;
    out->mevents_per_s = wall > 0 ? (double)out->events / wall / 1e6 : 0;
    out->peak_rss_mb = (double)mn_sys_peak_rss_bytes() / (1024.0 * 1024.0);
    out->peak_rss_is_isolated = isolated;
}

/* ---- on the engine ---- */

struct phold_sim;
struct phold_lp {
    struct phold_sim *sim; /* borrowed */
    uint64_t handled;
};
struct phold_sim {
    mn_rng *rng;            /* owned */
    struct phold_lp *lp;    /* owned */
    uint64_t nlp;
    int failed;             /* a schedule call failed (out of memory) */
};

static void phold_handle(mn_engine *eng, void *ctx)
{
    struct phold_lp *lp = ctx;
    struct phold_sim *sim = lp->sim;
    lp->handled++;
    uint64_t dest = mn_rng_uniform_int(sim->rng, sim->nlp);
    if (mn_ev_schedule_in(eng, phold_delay(sim->rng), phold_handle, &sim->lp[dest], NULL) != MN_OK) {
        sim->failed = 1;
        mn_engine_stop(eng);
    }
}

int mn_phold_run_engine(const mn_phold_params *p, mn_phold_result *out, mn_err *err)
{
    int rc = check_params(p, err);
    if (rc != MN_OK)
        return rc;
    memset(out, 0, sizeof *out);
    int isolated = mn_sys_reset_peak_rss() == MN_OK;
    struct phold_sim sim = {.nlp = p->lps};
    mn_engine *eng = NULL;
    mn_engine_config cfg = {.queue = p->queue, .capacity = p->lps * p->events_per_lp};
    rc = mn_rng_create(p->seed, "phold", NULL, &sim.rng, err);
    if (rc != MN_OK)
        return rc;
    sim.lp = mn_calloc(p->lps, sizeof *sim.lp);
    if (!sim.lp) {
        rc = MN_ERR(err, MN_ENOMEM, "phold: out of memory for %" PRIu64 " LPs", p->lps);
        goto done;
    }
    rc = mn_engine_create(&cfg, &eng, err);
    if (rc != MN_OK)
        goto done;
    for (uint64_t i = 0; i < p->lps; i++) {
        sim.lp[i].sim = &sim;
        for (uint64_t k = 0; k < p->events_per_lp; k++) {
            rc = mn_ev_schedule_at(eng, phold_delay(sim.rng), phold_handle, &sim.lp[i], NULL);
            if (rc != MN_OK) {
                MN_ERR(err, rc, "phold: cannot schedule the initial events: %s", mn_strerror(rc));
                goto done;
            }
        }
    }
    uint64_t calls_before = mn_alloc_get_stats().calls;
    double t0 = mn_sys_monotonic_s();
    rc = mn_engine_run(eng, p->end, NULL);
    double wall = mn_sys_monotonic_s() - t0;
    out->alloc_calls_in_loop = mn_alloc_get_stats().calls - calls_before;
    if (rc != MN_OK || sim.failed) {
        rc = MN_ERR(err, sim.failed ? MN_ENOMEM : rc, "phold: engine run failed: %s",
                    mn_strerror(sim.failed ? MN_ENOMEM : rc));
        goto done;
    }
    out->events = mn_engine_events_run(eng);
    uint64_t per_lp = 0;
    for (uint64_t i = 0; i < p->lps; i++)
        per_lp += sim.lp[i].handled;
    if (per_lp != out->events) {
        rc = MN_ERR(err, MN_EBUG, "phold: LPs handled %" PRIu64 " events, engine ran %" PRIu64,
                    per_lp, out->events);
        goto done;
    }
    finish_result(out, wall, isolated);
done:
    mn_engine_destroy(eng);
    mn_free(sim.lp);
    mn_rng_destroy(sim.rng);
    return rc;
}

/* ---- the reference: a plain binary heap, no engine ---- */

struct ref_entry {
    mn_time t;
    uint64_t seq;
    uint32_t lp;
};

static int ref_less(const struct ref_entry *a, const struct ref_entry *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void ref_push(struct ref_entry *h, size_t *n, struct ref_entry x)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!ref_less(&x, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = x;
}

static struct ref_entry ref_pop(struct ref_entry *h, size_t *n)
{
    struct ref_entry top = h[0];
    struct ref_entry x = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && ref_less(&h[c + 1], &h[c]))
            c++;
        if (!ref_less(&h[c], &x))
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n)
        h[i] = x;
    return top;
}

int mn_phold_run_reference(const mn_phold_params *p, mn_phold_result *out, mn_err *err)
{
    int rc = check_params(p, err);
    if (rc != MN_OK)
        return rc;
    memset(out, 0, sizeof *out);
    int isolated = mn_sys_reset_peak_rss() == MN_OK;
    mn_rng *rng;
    rc = mn_rng_create(p->seed, "phold", NULL, &rng, err);
    if (rc != MN_OK)
        return rc;
    size_t cap = (size_t)(p->lps * p->events_per_lp), n = 0;
    struct ref_entry *heap = mn_alloc(cap * sizeof *heap);
    uint64_t *handled = mn_calloc(p->lps, sizeof *handled);
    if (!heap || !handled) {
        rc = MN_ERR(err, MN_ENOMEM, "phold: out of memory for the reference heap");
        goto done;
    }
    uint64_t seq = 1;
    for (uint64_t i = 0; i < p->lps; i++)
        for (uint64_t k = 0; k < p->events_per_lp; k++)
            ref_push(heap, &n, (struct ref_entry){phold_delay(rng), seq++, (uint32_t)i});
    double t0 = mn_sys_monotonic_s();
    uint64_t events = 0;
    while (n && heap[0].t <= p->end) {
        struct ref_entry e = ref_pop(heap, &n);
        handled[e.lp]++;
        events++;
        uint32_t dest = (uint32_t)mn_rng_uniform_int(rng, p->lps);
        ref_push(heap, &n, (struct ref_entry){e.t + phold_delay(rng), seq++, dest});
    }
    out->events = events;
    finish_result(out, mn_sys_monotonic_s() - t0, isolated);
done:
    mn_free(handled);
    mn_free(heap);
    mn_rng_destroy(rng);
    return rc;
}
