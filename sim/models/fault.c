/* fault.c - the fault draws and timeline shared by the simulator and the emulation; see fault.h. */
#include "fault.h"

#include "core/alloc.h"
#include "core/distspec.h"

mn_time mn_fault_first_down(const mn_fault *f, mn_rng *rng)
{
    return f->random ? (mn_time)mn_distspec_draw(&f->mtbf, rng) : f->at;
}

mn_time mn_fault_down_for(const mn_fault *f, mn_rng *rng)
{
    return f->random ? (mn_time)mn_distspec_draw(&f->mttr, rng) : f->repair;
}

mn_time mn_fault_up_for(const mn_fault *f, mn_rng *rng)
{
    return f->random ? (mn_time)mn_distspec_draw(&f->mtbf, rng) : MN_TIME_MAX;
}

/* A target's one pending event (each target's outages form one chain), as the engine keys it. */
typedef struct pend {
    mn_time t;
    uint64_t seq; /* scheduling order; 0: nothing pending */
    uint8_t down;
} pend;

static int push(mn_fault_ev **out, size_t *n, size_t *cap, mn_fault_ev ev)
{
    if (mn_array_reserve((void **)out, cap, *n + 1, sizeof **out) != MN_OK)
        return MN_ENOMEM;
    (*out)[(*n)++] = ev;
    return MN_OK;
}

/*
 * The simulator's scheduling (wrun_fault.c w_faults_arm, on_down, on_up)
 * replayed without its engine: the engine runs events in (time, seq)
 * order, and the faults' events keep their relative order in it, so the
 * pending event with the least (t, seq) is the next the simulator runs.
 */
int mn_fault_timeline(const mn_world *w, uint64_t seed, mn_time horizon, mn_fault_ev **out,
                      size_t *n, mn_err *err)
{
    *out = NULL;
    *n = 0;
    size_t nt = 0, cap = 0;
    for (size_t f = 0; f < w->nfaults; f++)
        nt += w->faults[f].ntargets;
    if (nt == 0)
        return MN_OK;
    mn_rng *rng = NULL;
    int rc = mn_rng_create(seed, "faults", NULL, &rng, err);
    if (rc != MN_OK)
        return rc;
    pend *p = mn_calloc(nt, sizeof *p);
    uint32_t *fault = mn_calloc(nt, sizeof *fault), *target = mn_calloc(nt, sizeof *target);
    if (!p || !fault || !target) {
        rc = MN_ERR(err, MN_ENOMEM, "out of memory for the fault timeline");
        goto out;
    }
    uint64_t seq = 0;
    size_t k = 0;
    for (size_t f = 0; f < w->nfaults; f++)
        for (size_t t = 0; t < w->faults[f].ntargets; t++, k++) {
            fault[k] = (uint32_t)f;
            target[k] = w->faults[f].targets[t];
            mn_time at = mn_fault_first_down(&w->faults[f], rng);
            if (at <= horizon)
                p[k] = (pend){at, ++seq, 1};
        }
    for (;;) {
        size_t best = nt;
        for (k = 0; k < nt; k++)
            if (p[k].seq && (best == nt || p[k].t < p[best].t ||
                             (p[k].t == p[best].t && p[k].seq < p[best].seq)))
                best = k;
        if (best == nt)
            break;
        pend ev = p[best];
        const mn_fault *F = &w->faults[fault[best]];
        p[best].seq = 0;
        if (push(out, n, &cap, (mn_fault_ev){ev.t, fault[best], target[best], ev.down}) != MN_OK) {
            rc = MN_ERR(err, MN_ENOMEM, "out of memory for the fault timeline");
            goto out;
        }
        if (ev.down) {
            mn_time repair = mn_fault_down_for(F, rng);
            if (repair != MN_TIME_MAX && ev.t + repair <= horizon)
                p[best] = (pend){ev.t + (repair > 0 ? repair : 1), ++seq, 0};
        } else if (F->random) {
            mn_time next = ev.t + mn_fault_up_for(F, rng);
            if (next <= horizon)
                p[best] = (pend){next, ++seq, 1};
        }
    }
out:
    mn_free(p);
    mn_free(fault);
    mn_free(target);
    mn_rng_destroy(rng);
    if (rc != MN_OK) {
        mn_free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
