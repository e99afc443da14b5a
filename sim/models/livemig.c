/* livemig.c - iterative pre-copy live migration; see livemig.h and docs/models-migration.md. */
#include "livemig.h"

#include <math.h>
#include <string.h>

void mn_livemig_defaults(mn_livemig_params *p)
{
    memset(p, 0, sizeof *p);
    p->max_rounds = MN_LIVEMIG_DEFAULT_ROUNDS;
    p->stop_bytes = MN_LIVEMIG_DEFAULT_STOP_BYTES;
    p->resume_s = MN_LIVEMIG_DEFAULT_RESUME_S;
    p->page_bytes = 0;
}

/* x >= 0 and finite (false for NaN). */
static int nonneg(double x)
{
    return x >= 0 && isfinite(x);
}

int mn_livemig_check(const mn_livemig_params *p, mn_err *err)
{
    if (!(p->mem_bytes > 0 && isfinite(p->mem_bytes)))
        return MN_ERR(err, MN_EINVAL,
                      "migration memory is %g B; it must be > 0 and finite, e.g. \"512MiB\"",
                      p->mem_bytes);
    if (!nonneg(p->dirty_bps))
        return MN_ERR(err, MN_EINVAL,
                      "migration dirty rate is %g B/s; it must be >= 0 and finite "
                      "(0 for an idle instance), e.g. \"25MB/s\"",
                      p->dirty_bps);
    if (p->max_rounds < 1 || p->max_rounds > MN_LIVEMIG_MAX_ROUNDS)
        return MN_ERR(err, MN_EINVAL,
                      "migration rounds is %u; it must be 1 to %d (Xen's default is %u)",
                      p->max_rounds, MN_LIVEMIG_MAX_ROUNDS, MN_LIVEMIG_DEFAULT_ROUNDS);
    if (!nonneg(p->stop_bytes))
        return MN_ERR(err, MN_EINVAL,
                      "migration stop threshold is %g B; it must be >= 0 and finite "
                      "(Xen's default is 50 pages, \"200KiB\")",
                      p->stop_bytes);
    if (!nonneg(p->resume_s))
        return MN_ERR(err, MN_EINVAL,
                      "migration resume time is %g s; it must be >= 0 and finite, e.g. \"20ms\"",
                      p->resume_s);
    if (!nonneg(p->page_bytes))
        return MN_ERR(err, MN_EINVAL,
                      "migration page size is %g B; it must be 0 (no rounding) or > 0 and "
                      "finite, e.g. \"4KiB\"",
                      p->page_bytes);
    return MN_OK;
}

/*
 * The dirty set a round of `seconds` leaves: V = min(M, D seconds), rounded
 * up to whole pages when page_bytes > 0 (then capped at M again: the last
 * page of an M that is not a multiple of the page is short).
 * Example: D = 25e6 B/s, 0.034359738368 s: 858993.4592 B; with 4096-B pages,
 * ceil(209.71) = 210 pages = 860160 B.
 */
static double dirty_after(const mn_livemig_params *p, double seconds)
{
    double v = p->dirty_bps * seconds;
    if (p->page_bytes > 0)
        v = ceil(v / p->page_bytes) * p->page_bytes;
    return v < p->mem_bytes ? v : p->mem_bytes; /* also caps D seconds = INFINITY */
}

int mn_livemig_start(mn_livemig_state *st, const mn_livemig_params *p, double *round0_bytes,
                     mn_err *err)
{
    int rc = mn_livemig_check(p, err);
    if (rc)
        return rc;
    memset(st, 0, sizeof *st);
    st->p = *p;
    st->phase = MN_LIVEMIG_PRECOPY;
    st->inflight_bytes = p->mem_bytes; /* round 0 always sends everything, whatever S */
    *round0_bytes = p->mem_bytes;
    return MN_OK;
}

/*
 * After round i (0-based) the dirty set is V_{i+1}; rounds = i + 1 are
 * done. Stop when V_{i+1} <= S (converged) or rounds == n (forced). This
 * tests the set left to send; Xen tests the round just sent, which costs it
 * one more small round (docs/models-migration.md, "defaults").
 * Example (header): r = 0.2, S = 204800: after round 4, V_5 = 171798.7 <= S:
 * stop-and-copy with 5 rounds done.
 */
int mn_livemig_round_done(mn_livemig_state *st, double round_seconds, double *next_bytes)
{
    if (st->phase != MN_LIVEMIG_PRECOPY || !nonneg(round_seconds))
        return MN_EINVAL;
    st->rounds++;
    st->bytes_moved += st->inflight_bytes;
    st->precopy_s += round_seconds;
    double v = dirty_after(&st->p, round_seconds);
    st->inflight_bytes = v;
    *next_bytes = v;
    st->converged = v <= st->p.stop_bytes;
    if (st->converged || st->rounds >= st->p.max_rounds) {
        st->phase = MN_LIVEMIG_STOP_AND_COPY;
        return MN_LIVEMIG_STOP_AND_COPY;
    }
    return MN_LIVEMIG_PRECOPY;
}

int mn_livemig_finish(mn_livemig_state *st, double copy_seconds, double *downtime_s)
{
    if (st->phase != MN_LIVEMIG_STOP_AND_COPY || !nonneg(copy_seconds))
        return MN_EINVAL;
    st->bytes_moved += st->inflight_bytes;
    st->inflight_bytes = 0;
    st->downtime_s = copy_seconds + st->p.resume_s;
    st->phase = MN_LIVEMIG_DONE;
    if (downtime_s)
        *downtime_s = st->downtime_s;
    return MN_OK;
}

double mn_livemig_total_s(const mn_livemig_state *st)
{
    return st->precopy_s + st->downtime_s;
}

/*
 * The constant-bandwidth plan is the stepping interface driven with
 * T_i = V_i / B, so the two agree bit for bit by construction (the test
 * checks the sums against the geometric closed form in livemig.h).
 * Example: M = 512 MiB, B = 125e6, D = 0: T_0 = 4.294967296 s, V_1 = 0 <= S:
 * 1 round, downtime = 0 / B + 0.02 s, total 4.314967296 s, bytes M.
 */
int mn_livemig_plan_at(const mn_livemig_params *p, double bw_bytes_per_s, mn_livemig_plan *out,
                       mn_err *err)
{
    if (!(bw_bytes_per_s > 0 && isfinite(bw_bytes_per_s)))
        return MN_ERR(err, MN_EINVAL,
                      "migration bandwidth is %g B/s; it must be > 0 and finite, e.g. \"1Gbps\"",
                      bw_bytes_per_s);
    mn_livemig_state st;
    double v;
    int rc = mn_livemig_start(&st, p, &v, err);
    if (rc)
        return rc;

    mn_livemig_plan plan;
    memset(&plan, 0, sizeof plan);
    plan.ratio = p->dirty_bps / bw_bytes_per_s;
    int phase = MN_LIVEMIG_PRECOPY;
    while (phase == MN_LIVEMIG_PRECOPY) {
        double t = v / bw_bytes_per_s;
        plan.v_bytes[st.rounds] = v;
        plan.t_s[st.rounds] = t;
        phase = mn_livemig_round_done(&st, t, &v);
        MN_NEVER(phase < 0);
    }
    double t = v / bw_bytes_per_s;
    plan.v_bytes[st.rounds] = v;
    plan.t_s[st.rounds] = t;
    rc = mn_livemig_finish(&st, t, NULL);
    MN_NEVER(rc != MN_OK);

    plan.rounds = st.rounds;
    plan.converged = st.converged;
    plan.bytes_moved = st.bytes_moved;
    plan.precopy_s = st.precopy_s;
    plan.downtime_s = st.downtime_s;
    plan.total_s = mn_livemig_total_s(&st);
    *out = plan;
    return MN_OK;
}
