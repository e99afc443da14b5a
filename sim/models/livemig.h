/*
 * livemig.h - live migration of a vAP or VM by iterative pre-copy (Clark et
 * al., "Live Migration of Virtual Machines", NSDI 2005): the memory is sent
 * in rounds while the instance runs, each round re-sending what the previous
 * one let the instance dirty, then the instance is paused for a last copy
 * (stop-and-copy) and resumed at the destination.
 *
 * Owns:      nothing; params, plans and states are caller-owned storage, and
 *            the functions are pure (no allocation, no globals, no engine).
 * Invariant: a state goes PRECOPY (round 0 = all memory) -> PRECOPY ... ->
 *            STOP_AND_COPY -> DONE; at most max_rounds pre-copy rounds; every
 *            dirty set is in [0, M]; with a constant bandwidth the stepping
 *            interface gives exactly (bit for bit) mn_livemig_plan_at's numbers,
 *            which is computed through it.
 *
 * Model (fluid: dirty sets are not rounded to pages unless page_bytes > 0).
 * M memory (B), D dirty rate (B/s), B bandwidth (B/s), r = D / B, S stop
 * threshold (B), n max pre-copy rounds:
 *   V_0 = M                       round 0 sends all memory
 *   T_i = V_i / B                 round i's duration
 *   V_{i+1} = min(M, D T_i)       what round i let the instance dirty = M r^(i+1), capped at M
 *   stop before round k >= 1 when V_k <= S (converged) or k == n (forced)
 *   downtime = V_k / B + resume_s  (V_k sent with the instance paused)
 *   total    = sum_{i<k} T_i + downtime,  bytes = sum_{i<=k} V_i
 * With r < 1 the sums are geometric:
 *   sum_{i<k} T_i = (M / B) (1 - r^k) / (1 - r),  sum_{i<=k} V_i = M (1 - r^(k+1)) / (1 - r)
 * With r >= 1 every V_i = M: pre-copy k M / B, downtime M / B + resume_s, not converged.
 *
 * Worked example: M = 512 MiB = 536870912 B, B = 125 MB/s (1 Gbps), S = 50
 * pages = 204800 B, resume 0.02 s.
 *   D = 0:       one round of 4.294967 s, V_1 = 0: total 4.314967 s, downtime 0.02 s.
 *   D = 25 MB/s: r = 0.2, V = 536870912, 107374182.4, 21474836.48, 4294967.296,
 *                858993.459, 171798.692 (<= S): k = 5 rounds, pre-copy
 *                4.294967 (1 - 0.2^5) / 0.8 = 5.366991 s, downtime
 *                0.001374 + 0.02 = 0.021374 s, total 5.388366 s,
 *                bytes 536870912 (1 - 0.2^6) / 0.8 = 671045690.3 B.
 *
 * Equations, defaults and their sources, and how the simulator uses the
 * stepping interface: docs/models-migration.md.
 */
#ifndef MN_LIVEMIG_H
#define MN_LIVEMIG_H

#include "core/err.h"

/* Upper bound on max_rounds (sizes the per-round arrays of a plan). */
#define MN_LIVEMIG_MAX_ROUNDS 64

/*
 * Xen's round limit: the pre-v2 save code (tools/libxc/xc_domain_save.c,
 * DEF_MAX_ITERS 29, "limit us to 30 times round loop") makes at most 30
 * passes over memory, the stop-and-copy included (so 29 in the counting
 * here); Xen 4.6+ (xc_sr_save.c) uses 5. See the docs.
 */
#define MN_LIVEMIG_DEFAULT_ROUNDS 30u

/* x86 page size (B). */
#define MN_LIVEMIG_PAGE_BYTES 4096.0

/* Xen's stop threshold: 50 dirty pages of 4 KiB = 204800 B (old and v2 save code alike). */
#define MN_LIVEMIG_DEFAULT_STOP_BYTES (50.0 * MN_LIVEMIG_PAGE_BYTES)

/* Suspend, resume and re-announce at the destination (s): an assumption, see the docs. */
#define MN_LIVEMIG_DEFAULT_RESUME_S 0.02

typedef struct mn_livemig_params {
    double mem_bytes;    /* M: memory to copy (B), > 0 */
    double dirty_bps;    /* D: page dirtying rate (B/s, dirty pages x page size), >= 0 */
    unsigned max_rounds; /* n: most pre-copy rounds, round 0 included; 1..MN_LIVEMIG_MAX_ROUNDS */
    double stop_bytes;   /* S: stop and copy once the dirty set is <= S (B), >= 0 */
    double resume_s;     /* fixed part of the downtime (s), >= 0 */
    double page_bytes;   /* 0: fluid dirty sets (default); > 0: round each up to whole pages */
} mn_livemig_params;

/*
 * Sets every field to its default: max_rounds 30, stop_bytes 204800,
 * resume_s 0.02, page_bytes 0; mem_bytes and dirty_bps to 0, which the
 * caller must set (mem_bytes 0 fails mn_livemig_check).
 */
void mn_livemig_defaults(mn_livemig_params *p);

/*
 * Checks p: M > 0, D >= 0, S >= 0, resume_s >= 0, page_bytes >= 0, all
 * finite, max_rounds in [1, MN_LIVEMIG_MAX_ROUNDS]. Returns MN_OK, or
 * MN_EINVAL with a message naming the first bad parameter, what is allowed
 * and the fix (the caller adds "file:line: " in front).
 */
int mn_livemig_check(const mn_livemig_params *p, mn_err *err);

/* The closed form at a constant bandwidth. */
typedef struct mn_livemig_plan {
    unsigned rounds;    /* k: pre-copy rounds done, 1..max_rounds */
    int converged;      /* 1: stopped because V_k <= S; 0: the round limit forced the stop */
    double ratio;       /* r = D / B */
    double bytes_moved; /* sum V_i, i = 0..k (B) */
    double precopy_s;   /* sum T_i, i = 0..k-1 (s): the instance runs */
    double downtime_s;  /* V_k / B + resume_s (s): the instance is down */
    double total_s;     /* precopy_s + downtime_s (s) */
    /* V_i and T_i for i = 0..rounds; index rounds is the stop-and-copy (its T excludes resume_s) */
    double v_bytes[MN_LIVEMIG_MAX_ROUNDS + 1];
    double t_s[MN_LIVEMIG_MAX_ROUNDS + 1];
} mn_livemig_plan;

/*
 * Fills out (OUT: the plan) for bandwidth bw_bytes_per_s (> 0, finite).
 * Returns MN_OK, or MN_EINVAL (out untouched) if p fails mn_livemig_check
 * or bw is not > 0 and finite.
 */
int mn_livemig_plan_at(const mn_livemig_params *p, double bw_bytes_per_s, mn_livemig_plan *out,
                       mn_err *err);

/*
 * Stepping interface, for a simulator in which each round is a flow whose
 * rate varies (docs/models-migration.md):
 *
 *   mn_livemig_start(&st, &p, &bytes, &err);          start a flow of bytes (= M)
 *   at each flow's end, after `secs` seconds:
 *     ph = mn_livemig_round_done(&st, secs, &bytes);
 *     MN_LIVEMIG_PRECOPY:       start the next round's flow of bytes
 *     MN_LIVEMIG_STOP_AND_COPY: pause the instance, send bytes (may be 0:
 *                               nothing to send), then
 *                               mn_livemig_finish(&st, copy_secs, &down);
 *                               the instance resumes resume_s later.
 */
enum mn_livemig_phase {
    MN_LIVEMIG_PRECOPY = 1,       /* a pre-copy round is in flight */
    MN_LIVEMIG_STOP_AND_COPY = 2, /* the instance is paused, the last dirty set in flight */
    MN_LIVEMIG_DONE = 3,          /* finished */
};

typedef struct mn_livemig_state {
    mn_livemig_params p;   /* a copy */
    int phase;             /* enum mn_livemig_phase */
    unsigned rounds;       /* pre-copy rounds done (finished) */
    int converged;         /* set when the stop-and-copy begins; as in mn_livemig_plan */
    double inflight_bytes; /* bytes of the transfer in flight */
    double bytes_moved;    /* bytes of the finished transfers */
    double precopy_s;      /* sum of the finished pre-copy rounds' seconds */
    double downtime_s;     /* 0 until finished; then copy seconds + resume_s */
} mn_livemig_state;

/*
 * Starts a migration: st becomes a copy of p in phase PRECOPY with round 0
 * in flight; OUT *round0_bytes = M. Returns MN_OK, or MN_EINVAL (st
 * untouched) if p fails mn_livemig_check.
 */
int mn_livemig_start(mn_livemig_state *st, const mn_livemig_params *p, double *round0_bytes,
                     mn_err *err);

/*
 * The pre-copy round in flight finished after round_seconds (>= 0, finite).
 * Adds its bytes and seconds, and decides: OUT *next_bytes = V = min(M, D
 * round_seconds) (pages rounded up if page_bytes > 0). Returns
 * MN_LIVEMIG_STOP_AND_COPY (V is the last dirty set, to send paused) if
 * V <= S or max_rounds rounds are done, else MN_LIVEMIG_PRECOPY (V is the
 * next round). MN_EINVAL (st untouched) if st is not in PRECOPY or
 * round_seconds is negative or not finite.
 */
int mn_livemig_round_done(mn_livemig_state *st, double round_seconds, double *next_bytes);

/*
 * The stop-and-copy finished after copy_seconds (>= 0, finite). OUT
 * *downtime_s = copy_seconds + resume_s (may be NULL); st becomes DONE.
 * MN_OK, or MN_EINVAL (st untouched) if st is not in STOP_AND_COPY or
 * copy_seconds is bad.
 */
int mn_livemig_finish(mn_livemig_state *st, double copy_seconds, double *downtime_s);

/* Pre-copy seconds + downtime so far (the whole migration once DONE). */
double mn_livemig_total_s(const mn_livemig_state *st);

#endif /* MN_LIVEMIG_H */
