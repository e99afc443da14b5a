/*
 * phold.h - the classic PHOLD benchmark, on the engine and on a reference.
 *
 * Owns:      everything a run allocates; freed before the run returns.
 * Invariant: both runs draw the same numbers in the same order from one
 *            stream "phold" of the seed, so they handle exactly the same
 *            events: a mismatch in counts is a bug and is reported as one.
 *
 * Model: N logical processes (LPs), E initial events each at 0.1 + Exp(1.0);
 * handling an event at LP i at time t draws a destination LP uniformly in
 * [0, N) and schedules one event there at t + 0.1 + Exp(mean 1.0). Time unit:
 * one second, kept as integer nanoseconds. Events with time <= end are handled.
 * The reference is a plain array binary min-heap of (time, seq, lp) with
 * pop-then-push and no engine around it.
 */
#ifndef MN_PHOLD_H
#define MN_PHOLD_H

#include <stdint.h>

#include "../core/err.h"
#include "../core/evq.h"
#include "../core/time.h"

typedef struct mn_phold_params {
    uint64_t lps;                   /* N >= 1, at most 2^32 */
    uint64_t events_per_lp;         /* E >= 1 */
    mn_time end;                    /* handle events with time <= end */
    uint64_t seed;
    const struct mn_evq_ops *queue; /* engine backend; NULL: default */
} mn_phold_params;

typedef struct mn_phold_result {
    uint64_t events;             /* handled */
    double wall_s;               /* of the event loop only */
    double mevents_per_s;
    double peak_rss_mb;          /* VmHWM of the process during this run */
    int peak_rss_is_isolated;    /* 1 if the high-water mark was reset before the run */
    uint64_t alloc_calls_in_loop; /* mn_alloc calls during the event loop (0: steady state) */
} mn_phold_result;

int mn_phold_run_engine(const mn_phold_params *p, mn_phold_result *out, mn_err *err);
int mn_phold_run_reference(const mn_phold_params *p, mn_phold_result *out, mn_err *err);

#endif /* MN_PHOLD_H */
