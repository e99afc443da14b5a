/*
 * test_livemig.c - the iterative pre-copy live-migration model
 * (sim/models/livemig.c) against hand-computed plans, the geometric series,
 * and its own stepping interface.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/livemig.h"
#include "unit.h"

#define MIB (1024.0 * 1024.0)

static mn_livemig_params params(double mem, double dirty)
{
    mn_livemig_params p;
    mn_livemig_defaults(&p);
    p.mem_bytes = mem;
    p.dirty_bps = dirty;
    return p;
}

static mn_livemig_plan plan_of(const mn_livemig_params *p, double bw)
{
    mn_livemig_plan pl;
    mn_err err;
    memset(&pl, 0, sizeof pl);
    int rc = mn_livemig_plan_at(p, bw, &pl, &err);
    CU_ASSERT_EQUAL(rc, MN_OK);
    if (rc)
        fprintf(stderr, "plan_at: %s: %s\n", err.where, err.msg);
    return pl;
}

/* The geometric sums of livemig.h for r != 1: pre-copy time of k rounds, bytes of V_0..V_k. */
static double series_precopy_s(double m, double b, double r, unsigned k)
{
    return (m / b) * (1 - pow(r, k)) / (1 - r);
}
static double series_bytes(double m, double r, unsigned k)
{
    return m * (1 - pow(r, k + 1.0)) / (1 - r);
}

static void test_livemig_idle_vm_takes_memory_over_bandwidth_plus_resume(void)
{
    /*
     * M = 512 MiB = 536870912 B, B = 125e6 B/s (1 Gbps), D = 0, resume 0.02 s:
     * one round of M / B = 4.294967296 s, then V_1 = 0 <= S: stop-and-copy of
     * nothing. total = 4.294967296 + 0.02 = 4.314967296 s, downtime = 0.02 s,
     * bytes = 536870912.
     */
    mn_livemig_params p = params(512 * MIB, 0);
    mn_livemig_plan pl = plan_of(&p, 125e6);
    CU_ASSERT_EQUAL(pl.rounds, 1);
    CU_ASSERT_EQUAL(pl.converged, 1);
    CU_ASSERT_DOUBLE_EQUAL(pl.ratio, 0, 0);
    MN_ASSERT_CLOSE(pl.precopy_s, 4.294967296, 1e-15);
    MN_ASSERT_CLOSE(pl.total_s, 4.314967296, 1e-15);
    MN_ASSERT_CLOSE(pl.downtime_s, 0.02, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(pl.bytes_moved, 536870912.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(pl.v_bytes[0], 536870912.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(pl.v_bytes[1], 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(pl.t_s[1], 0, 0);

    /* With no resume time the downtime is exactly 0: nothing was dirtied. */
    p.resume_s = 0;
    pl = plan_of(&p, 125e6);
    CU_ASSERT_DOUBLE_EQUAL(pl.downtime_s, 0, 0);
    MN_ASSERT_CLOSE(pl.total_s, 4.294967296, 1e-15);
}

static void test_livemig_dirtying_vm_follows_the_geometric_series(void)
{
    /*
     * M = 536870912 B, B = 125e6 B/s, D = 25e6 B/s: r = 0.2, S = 204800 B.
     *   V_0 = 536870912      T_0 = 4.294967296
     *   V_1 = 107374182.4    T_1 = 0.8589934592
     *   V_2 = 21474836.48    T_2 = 0.17179869184
     *   V_3 = 4294967.296    T_3 = 0.034359738368
     *   V_4 = 858993.4592    T_4 = 0.0068719476736
     *   V_5 = 171798.69184   <= 204800: stop-and-copy, 5 pre-copy rounds
     * pre-copy = (M/B)(1 - r^5)/(1 - r) = 4.294967296 x 0.99968 / 0.8 = 5.3669911330816 s
     * downtime = 171798.69184 / 125e6 + 0.02 = 0.00137438953472 + 0.02 = 0.02137438953472 s
     * total    = 5.38836552261632 s
     * bytes    = M (1 - r^6)/(1 - r) = 536870912 x 0.999936 / 0.8 = 671045690.32704 B
     */
    mn_livemig_params p = params(512 * MIB, 25e6);
    mn_livemig_plan pl = plan_of(&p, 125e6);
    CU_ASSERT_EQUAL(pl.rounds, 5);
    CU_ASSERT_EQUAL(pl.converged, 1);
    MN_ASSERT_CLOSE(pl.ratio, 0.2, 1e-15);
    static const double v[] = {536870912,   107374182.4, 21474836.48,
                               4294967.296, 858993.4592, 171798.69184};
    static const double t[] = {4.294967296,    0.8589934592,    0.17179869184,
                               0.034359738368, 0.0068719476736, 0.00137438953472};
    for (unsigned i = 0; i <= 5; i++) {
        MN_ASSERT_CLOSE(pl.v_bytes[i], v[i], 1e-14);
        MN_ASSERT_CLOSE(pl.t_s[i], t[i], 1e-14);
    }
    MN_ASSERT_CLOSE(pl.precopy_s, 5.3669911330816, 1e-14);
    MN_ASSERT_CLOSE(pl.downtime_s, 0.02137438953472, 1e-14);
    MN_ASSERT_CLOSE(pl.total_s, 5.38836552261632, 1e-14);
    MN_ASSERT_CLOSE(pl.bytes_moved, 671045690.32704, 1e-14);
    MN_ASSERT_CLOSE(pl.precopy_s, series_precopy_s(p.mem_bytes, 125e6, 0.2, 5), 1e-14);
    MN_ASSERT_CLOSE(pl.bytes_moved, series_bytes(p.mem_bytes, 0.2, 5), 1e-14);

    /*
     * Over a grid of r < 1 (M from 64 MiB to 16 GiB, 1 Gbps and 10 Gbps),
     * whichever way it stops, the iteration is the series for its k, and
     * when it converged after k >= 2 rounds, V_k <= S < V_{k-1}.
     */
    static const double mems[] = {64 * MIB, 512 * MIB, 4096 * MIB, 16384 * MIB};
    static const double bws[] = {125e6, 1250e6};
    static const double ratios[] = {0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99};
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 2; b++)
            for (size_t c = 0; c < 8; c++) {
                mn_livemig_params q = params(mems[a], ratios[c] * bws[b]);
                pl = plan_of(&q, bws[b]);
                double r = pl.ratio;
                unsigned k = pl.rounds;
                MN_ASSERT_CLOSE(pl.precopy_s, series_precopy_s(q.mem_bytes, bws[b], r, k), 1e-12);
                MN_ASSERT_CLOSE(pl.bytes_moved, series_bytes(q.mem_bytes, r, k), 1e-12);
                MN_ASSERT_CLOSE(pl.downtime_s, q.mem_bytes * pow(r, k) / bws[b] + q.resume_s,
                                1e-12);
                CU_ASSERT(k >= 1 && k <= q.max_rounds);
                CU_ASSERT_EQUAL(pl.converged, pl.v_bytes[k] <= q.stop_bytes);
                if (pl.converged && k >= 2)
                    CU_ASSERT(pl.v_bytes[k - 1] > q.stop_bytes);
                if (!pl.converged)
                    CU_ASSERT_EQUAL(k, q.max_rounds);
            }
}

static void test_livemig_stops_when_the_dirty_set_reaches_the_threshold(void)
{
    /*
     * M = 1e9 B, B = 1e9 B/s, D = 5e8 B/s: r = 0.5, V_i = 1e9 / 2^i (exact in
     * binary). S = 1e6: V_9 = 1953125 > S, V_10 = 976562.5 <= S: 10 rounds.
     * pre-copy = 1 x (1 - 2^-10) / 0.5 = 1.998046875 s
     * downtime = 0.0009765625 + 0.02 = 0.0209765625 s
     * bytes    = 1e9 (1 - 2^-11) / 0.5 = 1999023437.5 B
     */
    mn_livemig_params p = params(1e9, 5e8);
    p.stop_bytes = 1e6;
    mn_livemig_plan pl = plan_of(&p, 1e9);
    CU_ASSERT_EQUAL(pl.rounds, 10);
    CU_ASSERT_EQUAL(pl.converged, 1);
    CU_ASSERT_DOUBLE_EQUAL(pl.v_bytes[10], 976562.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(pl.precopy_s, 1.998046875, 0);
    MN_ASSERT_CLOSE(pl.downtime_s, 0.0209765625, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(pl.bytes_moved, 1999023437.5, 0);

    /* The threshold is inclusive: S = V_10 exactly still stops after 10. */
    p.stop_bytes = 976562.5;
    CU_ASSERT_EQUAL(plan_of(&p, 1e9).rounds, 10);
    /* Just below it: one more round, V_11 = 488281.25. */
    p.stop_bytes = 976562.4;
    pl = plan_of(&p, 1e9);
    CU_ASSERT_EQUAL(pl.rounds, 11);
    CU_ASSERT_DOUBLE_EQUAL(pl.v_bytes[11], 488281.25, 0);

    /* Limit 10 and threshold met together at 10: converged. */
    p.stop_bytes = 1e6;
    p.max_rounds = 10;
    pl = plan_of(&p, 1e9);
    CU_ASSERT_EQUAL(pl.rounds, 10);
    CU_ASSERT_EQUAL(pl.converged, 1);
    /* Limit 9: forced at V_9 = 1953125 > S; downtime 0.001953125 + 0.02. */
    p.max_rounds = 9;
    pl = plan_of(&p, 1e9);
    CU_ASSERT_EQUAL(pl.rounds, 9);
    CU_ASSERT_EQUAL(pl.converged, 0);
    MN_ASSERT_CLOSE(pl.downtime_s, 0.021953125, 1e-15);
    /* Limit 1: round 0 only, then all the memory round 0 let be dirtied, 0.5e9. */
    p.max_rounds = 1;
    pl = plan_of(&p, 1e9);
    CU_ASSERT_EQUAL(pl.rounds, 1);
    CU_ASSERT_EQUAL(pl.converged, 0);
    CU_ASSERT_DOUBLE_EQUAL(pl.bytes_moved, 1.5e9, 0);
    MN_ASSERT_CLOSE(pl.downtime_s, 0.52, 1e-15);
    /* A memory below the threshold still gets its full round 0 first. */
    p = params(1e5, 5e8);
    pl = plan_of(&p, 1e9);
    CU_ASSERT_EQUAL(pl.rounds, 1);
    CU_ASSERT_DOUBLE_EQUAL(pl.v_bytes[0], 1e5, 0);
}

static void test_livemig_round_limit_forces_stop_and_copy_when_d_exceeds_b(void)
{
    /*
     * M = 1e8 B, B = 1e8 B/s, D = 2e8 B/s (r = 2), 30 rounds: every dirty set
     * is capped at M, so each round takes 1 s and the limit ends it.
     * pre-copy = 30 s, downtime = M / B + 0.02 = 1.02 s, total = 31.02 s,
     * bytes = 31 M = 3.1e9 B, not converged.
     */
    mn_livemig_params p = params(1e8, 2e8);
    mn_livemig_plan pl = plan_of(&p, 1e8);
    CU_ASSERT_EQUAL(pl.rounds, 30);
    CU_ASSERT_EQUAL(pl.converged, 0);
    CU_ASSERT_DOUBLE_EQUAL(pl.ratio, 2, 0);
    CU_ASSERT_DOUBLE_EQUAL(pl.precopy_s, 30, 0);
    MN_ASSERT_CLOSE(pl.downtime_s, 1.02, 1e-15);
    MN_ASSERT_CLOSE(pl.total_s, 31.02, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(pl.bytes_moved, 3.1e9, 0);
    for (unsigned i = 0; i <= 30; i++)
        CU_ASSERT_DOUBLE_EQUAL(pl.v_bytes[i], 1e8, 0);

    /* r = 1 exactly: V_{i+1} = D V_i / B = M, the same plan. */
    p.dirty_bps = 1e8;
    pl = plan_of(&p, 1e8);
    CU_ASSERT_EQUAL(pl.rounds, 30);
    CU_ASSERT_EQUAL(pl.converged, 0);
    CU_ASSERT_DOUBLE_EQUAL(pl.bytes_moved, 3.1e9, 0);

    /* Xen 4.6+'s 5 rounds: pre-copy 5 s, bytes 6e8, downtime still M / B + resume. */
    p.max_rounds = 5;
    pl = plan_of(&p, 1e8);
    CU_ASSERT_EQUAL(pl.rounds, 5);
    CU_ASSERT_DOUBLE_EQUAL(pl.precopy_s, 5, 0);
    CU_ASSERT_DOUBLE_EQUAL(pl.bytes_moved, 6e8, 0);
    MN_ASSERT_CLOSE(pl.downtime_s, 1.02, 1e-15);
}

/* Drives the stepping interface at a constant bandwidth, as a simulator would. */
static void step_at(const mn_livemig_params *p, double bw, mn_livemig_state *st, double *v_out)
{
    double v;
    CU_ASSERT_EQUAL_FATAL(mn_livemig_start(st, p, &v, NULL), MN_OK);
    unsigned i = 0;
    int ph;
    do {
        v_out[i++] = v;
        ph = mn_livemig_round_done(st, v / bw, &v);
        CU_ASSERT(ph == MN_LIVEMIG_PRECOPY || ph == MN_LIVEMIG_STOP_AND_COPY);
        CU_ASSERT_EQUAL(st->rounds, i);
    } while (ph == MN_LIVEMIG_PRECOPY && i <= MN_LIVEMIG_MAX_ROUNDS);
    v_out[i] = v;
    CU_ASSERT_EQUAL(st->phase, MN_LIVEMIG_STOP_AND_COPY);
    CU_ASSERT_EQUAL(mn_livemig_finish(st, v / bw, NULL), MN_OK);
    CU_ASSERT_EQUAL(st->phase, MN_LIVEMIG_DONE);
}

static void test_livemig_stepping_equals_the_plan_at_constant_bandwidth(void)
{
    /*
     * Same rounds, dirty sets, times and bytes, exactly (==), for the cases
     * above: idle, r = 0.2, r = 0.5 with S = 1e6, r = 2, pages.
     */
    struct {
        double m, d, bw, s, page;
        unsigned n;
    } c[] = {
        {512 * MIB, 0, 125e6, 204800, 0, 30},
        {512 * MIB, 25e6, 125e6, 204800, 0, 30},
        {1e9, 5e8, 1e9, 1e6, 0, 30},
        {1e9, 5e8, 1e9, 1e6, 0, 9},
        {1e8, 2e8, 1e8, 204800, 0, 30},
        {512 * MIB, 25e6, 125e6, 204800, 4096, 30},
        {16384 * MIB, 1.1e9, 1.25e9, 0, 0, 64},
    };
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
        mn_livemig_params p = params(c[k].m, c[k].d);
        p.stop_bytes = c[k].s;
        p.page_bytes = c[k].page;
        p.max_rounds = c[k].n;
        mn_livemig_plan pl = plan_of(&p, c[k].bw);
        mn_livemig_state st;
        double v[MN_LIVEMIG_MAX_ROUNDS + 2];
        step_at(&p, c[k].bw, &st, v);
        CU_ASSERT_EQUAL(st.rounds, pl.rounds);
        CU_ASSERT_EQUAL(st.converged, pl.converged);
        CU_ASSERT_DOUBLE_EQUAL(st.bytes_moved, pl.bytes_moved, 0);
        CU_ASSERT_DOUBLE_EQUAL(st.precopy_s, pl.precopy_s, 0);
        CU_ASSERT_DOUBLE_EQUAL(st.downtime_s, pl.downtime_s, 0);
        CU_ASSERT_DOUBLE_EQUAL(mn_livemig_total_s(&st), pl.total_s, 0);
        for (unsigned i = 0; i <= pl.rounds; i++)
            CU_ASSERT_DOUBLE_EQUAL(v[i], pl.v_bytes[i], 0);
    }
}

static void test_livemig_stepping_follows_a_varying_bandwidth(void)
{
    /*
     * M = 1e9 B, D = 1e8 B/s, S = 1e6 B, resume 0.02 s; the flow's rate
     * changes from round to round (other traffic comes and goes):
     *   round 0: 1e9 B at 5e8 B/s   -> 2 s,     V_1 = 1e8 x 2     = 2e8
     *   round 1: 2e8 B at 1e9 B/s   -> 0.2 s,   V_2 = 1e8 x 0.2   = 2e7
     *   round 2: 2e7 B at 2.5e8 B/s -> 0.08 s,  V_3 = 1e8 x 0.08  = 8e6
     *   round 3: 8e6 B at 1e9 B/s   -> 0.008 s, V_4 = 1e8 x 0.008 = 8e5 <= S: stop
     *   stop-and-copy: 8e5 B at 1e9 B/s -> 0.0008 s; downtime 0.0208 s
     * 4 rounds, pre-copy 2.288 s, total 2.3088 s, bytes 1.2288e9.
     */
    mn_livemig_params p = params(1e9, 1e8);
    p.stop_bytes = 1e6;
    mn_livemig_state st;
    double v, down;
    static const double rate[] = {5e8, 1e9, 2.5e8, 1e9};
    static const double want[] = {2e8, 2e7, 8e6, 8e5};
    CU_ASSERT_EQUAL_FATAL(mn_livemig_start(&st, &p, &v, NULL), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(v, 1e9, 0);
    CU_ASSERT_EQUAL(st.phase, MN_LIVEMIG_PRECOPY);
    for (unsigned i = 0; i < 4; i++) {
        int ph = mn_livemig_round_done(&st, v / rate[i], &v);
        CU_ASSERT_EQUAL(ph, i < 3 ? MN_LIVEMIG_PRECOPY : MN_LIVEMIG_STOP_AND_COPY);
        MN_ASSERT_CLOSE(v, want[i], 1e-14);
        CU_ASSERT_EQUAL(st.rounds, i + 1);
    }
    CU_ASSERT_EQUAL(st.converged, 1);
    MN_ASSERT_CLOSE(st.bytes_moved, 1.228e9, 1e-15); /* the stop-and-copy is not done yet */
    CU_ASSERT_EQUAL(mn_livemig_finish(&st, v / 1e9, &down), MN_OK);
    MN_ASSERT_CLOSE(down, 0.0208, 1e-13);
    MN_ASSERT_CLOSE(st.downtime_s, 0.0208, 1e-13);
    MN_ASSERT_CLOSE(st.precopy_s, 2.288, 1e-14);
    MN_ASSERT_CLOSE(mn_livemig_total_s(&st), 2.3088, 1e-14);
    MN_ASSERT_CLOSE(st.bytes_moved, 1.2288e9, 1e-14);

    /*
     * A starved round dirties more than the memory: capped at M.
     *   round 0: 1e9 B at 5e7 B/s -> 20 s, D x 20 = 2e9 -> V_1 = M = 1e9
     *   round 1: 1e9 B at 1e9 B/s -> 1 s,  V_2 = 1e8
     */
    CU_ASSERT_EQUAL_FATAL(mn_livemig_start(&st, &p, &v, NULL), MN_OK);
    CU_ASSERT_EQUAL(mn_livemig_round_done(&st, 20, &v), MN_LIVEMIG_PRECOPY);
    CU_ASSERT_DOUBLE_EQUAL(v, 1e9, 0);
    CU_ASSERT_EQUAL(mn_livemig_round_done(&st, 1, &v), MN_LIVEMIG_PRECOPY);
    CU_ASSERT_DOUBLE_EQUAL(v, 1e8, 0);
    CU_ASSERT_DOUBLE_EQUAL(st.bytes_moved, 2e9, 0);
    CU_ASSERT_DOUBLE_EQUAL(st.precopy_s, 21, 0);
}

static void test_livemig_rounds_dirty_sets_up_to_pages(void)
{
    /*
     * page_bytes = 4096, M = 1000 pages = 4096000 B, B = 4096000 B/s, D = 100.5
     * pages/s = 411648 B/s, S = 50 pages:
     *   round 0: 1000 pages, 1 s;  D x 1 = 100.5 pages -> 101 pages = 413696 B
     *   round 1: 101 pages, 0.101 s; D x 0.101 = 10.15 pages -> 11 pages = 45056 B <= S: stop
     * 2 rounds, downtime 11/1000 + 0.02 = 0.031 s, bytes 1112 pages = 4554752 B.
     * (Fluid: V_1 = 411648, V_2 = 41370.624, bytes 4549018.624.)
     */
    mn_livemig_params p = params(4096000, 411648);
    p.page_bytes = 4096;
    mn_livemig_plan pl = plan_of(&p, 4096000);
    CU_ASSERT_EQUAL(pl.rounds, 2);
    CU_ASSERT_DOUBLE_EQUAL(pl.v_bytes[1], 413696, 0);
    CU_ASSERT_DOUBLE_EQUAL(pl.v_bytes[2], 45056, 0);
    CU_ASSERT_DOUBLE_EQUAL(pl.bytes_moved, 4554752, 0);
    MN_ASSERT_CLOSE(pl.downtime_s, 0.031, 1e-14);
    p.page_bytes = 0;
    pl = plan_of(&p, 4096000);
    CU_ASSERT_EQUAL(pl.rounds, 2);
    MN_ASSERT_CLOSE(pl.bytes_moved, 4549018.624, 1e-14);

    /*
     * M not a whole number of pages (10 pages + 100 B = 41060 B), D huge: the
     * rounded-up dirty set is capped at M, not at 11 pages.
     */
    p = params(41060, 1e9);
    p.page_bytes = 4096;
    p.stop_bytes = 4096; /* below M, so the round limit ends it */
    p.max_rounds = 2;
    pl = plan_of(&p, 41060);
    CU_ASSERT_DOUBLE_EQUAL(pl.v_bytes[1], 41060, 0);
    CU_ASSERT_DOUBLE_EQUAL(pl.v_bytes[2], 41060, 0);
    CU_ASSERT_DOUBLE_EQUAL(pl.bytes_moved, 3 * 41060.0, 0);
}

/* Runs check on p; expects MN_EINVAL and a message holding both words. */
static void expect_rejected(const mn_livemig_params *p, const char *name, const char *fix)
{
    mn_err err;
    mn_err_clear(&err);
    CU_ASSERT_EQUAL(mn_livemig_check(p, &err), MN_EINVAL);
    CU_ASSERT_EQUAL(err.code, MN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, name));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, fix));
    if (!strstr(err.msg, name) || !strstr(err.msg, fix))
        fprintf(stderr, "message \"%s\" lacks \"%s\" or \"%s\"\n", err.msg, name, fix);
    /* the other entry points refuse it the same way */
    mn_livemig_plan pl;
    mn_livemig_state st;
    double v;
    CU_ASSERT_EQUAL(mn_livemig_plan_at(p, 1e9, &pl, NULL), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_livemig_start(&st, p, &v, NULL), MN_EINVAL);
}

static void test_livemig_check_rejects_each_bad_parameter_by_name(void)
{
    mn_livemig_params good = params(512 * MIB, 25e6), p;
    mn_err err;
    CU_ASSERT_EQUAL(mn_livemig_check(&good, &err), MN_OK);
    p = good;
    p.max_rounds = 1;
    CU_ASSERT_EQUAL(mn_livemig_check(&p, NULL), MN_OK);
    p.max_rounds = MN_LIVEMIG_MAX_ROUNDS;
    CU_ASSERT_EQUAL(mn_livemig_check(&p, NULL), MN_OK);
    p = good;
    p.dirty_bps = p.stop_bytes = p.resume_s = 0;
    p.page_bytes = 4096;
    CU_ASSERT_EQUAL(mn_livemig_check(&p, NULL), MN_OK);

    /* defaults: Xen's 30 rounds and 50 pages, 20 ms resume, fluid */
    CU_ASSERT_EQUAL(good.max_rounds, 30);
    CU_ASSERT_DOUBLE_EQUAL(good.stop_bytes, 204800, 0);
    CU_ASSERT_DOUBLE_EQUAL(good.resume_s, 0.02, 0);
    CU_ASSERT_DOUBLE_EQUAL(good.page_bytes, 0, 0);
    mn_livemig_defaults(&p);
    CU_ASSERT_EQUAL(mn_livemig_check(&p, NULL), MN_EINVAL); /* memory left to the caller */

    static const double bad_mem[] = {0, -1, NAN, INFINITY};
    for (size_t i = 0; i < 4; i++) {
        p = good;
        p.mem_bytes = bad_mem[i];
        expect_rejected(&p, "memory", "e.g. \"512MiB\"");
    }
    static const double bad_dirty[] = {-1, NAN, INFINITY};
    for (size_t i = 0; i < 3; i++) {
        p = good;
        p.dirty_bps = bad_dirty[i];
        expect_rejected(&p, "dirty rate", ">= 0");
    }
    p = good;
    p.max_rounds = 0;
    expect_rejected(&p, "rounds is 0", "1 to 64");
    p.max_rounds = MN_LIVEMIG_MAX_ROUNDS + 1;
    expect_rejected(&p, "rounds is 65", "Xen's default is 30");
    static const double bad_nonneg[] = {-1, -1e-300, NAN, INFINITY};
    for (size_t i = 0; i < 4; i++) {
        p = good;
        p.stop_bytes = bad_nonneg[i];
        expect_rejected(&p, "stop threshold", "50 pages");
        p = good;
        p.resume_s = bad_nonneg[i];
        expect_rejected(&p, "resume time", "e.g. \"20ms\"");
        p = good;
        p.page_bytes = bad_nonneg[i];
        expect_rejected(&p, "page size", "0 (no rounding)");
    }

    /* The plan's bandwidth. */
    static const double bad_bw[] = {0, -1, NAN, INFINITY};
    for (size_t i = 0; i < 4; i++) {
        mn_livemig_plan pl;
        mn_err_clear(&err);
        CU_ASSERT_EQUAL(mn_livemig_plan_at(&good, bad_bw[i], &pl, &err), MN_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "bandwidth"));
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "> 0"));
    }
    /* where points at the check, for the caller to replace with file:line */
    mn_err_clear(&err);
    p = good;
    p.mem_bytes = 0;
    mn_livemig_check(&p, &err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.where, "livemig.c:"));
}

static void test_livemig_stepping_rejects_calls_out_of_order(void)
{
    mn_livemig_params p = params(1e9, 0);
    mn_livemig_state st;
    double v = -1, down = -1;
    CU_ASSERT_EQUAL_FATAL(mn_livemig_start(&st, &p, &v, NULL), MN_OK);
    /* finish before the stop-and-copy; bad round times: refused, state unchanged */
    CU_ASSERT_EQUAL(mn_livemig_finish(&st, 0, &down), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_livemig_round_done(&st, -1, &v), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_livemig_round_done(&st, NAN, &v), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_livemig_round_done(&st, INFINITY, &v), MN_EINVAL);
    CU_ASSERT_EQUAL(st.rounds, 0);
    CU_ASSERT_EQUAL(st.phase, MN_LIVEMIG_PRECOPY);
    CU_ASSERT_DOUBLE_EQUAL(down, -1, 0);
    /* idle: straight to a stop-and-copy of 0 bytes */
    CU_ASSERT_EQUAL(mn_livemig_round_done(&st, 8, &v), MN_LIVEMIG_STOP_AND_COPY);
    CU_ASSERT_DOUBLE_EQUAL(v, 0, 0);
    CU_ASSERT_EQUAL(mn_livemig_round_done(&st, 1, &v), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_livemig_finish(&st, -1, &down), MN_EINVAL);
    CU_ASSERT_EQUAL(st.phase, MN_LIVEMIG_STOP_AND_COPY);
    CU_ASSERT_EQUAL(mn_livemig_finish(&st, 0, &down), MN_OK);
    MN_ASSERT_CLOSE(down, 0.02, 1e-15);
    MN_ASSERT_CLOSE(mn_livemig_total_s(&st), 8.02, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(st.bytes_moved, 1e9, 0);
    /* and nothing after DONE */
    CU_ASSERT_EQUAL(mn_livemig_finish(&st, 0, &down), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_livemig_round_done(&st, 1, &v), MN_EINVAL);
    CU_ASSERT_EQUAL(st.phase, MN_LIVEMIG_DONE);
}

void mn_test_register(void)
{
    static const struct mn_test_case livemig[] = {
        MN_TEST(test_livemig_idle_vm_takes_memory_over_bandwidth_plus_resume),
        MN_TEST(test_livemig_dirtying_vm_follows_the_geometric_series),
        MN_TEST(test_livemig_stops_when_the_dirty_set_reaches_the_threshold),
        MN_TEST(test_livemig_round_limit_forces_stop_and_copy_when_d_exceeds_b),
        MN_TEST(test_livemig_stepping_equals_the_plan_at_constant_bandwidth),
        MN_TEST(test_livemig_stepping_follows_a_varying_bandwidth),
        MN_TEST(test_livemig_rounds_dirty_sets_up_to_pages),
        MN_TEST(test_livemig_check_rejects_each_bad_parameter_by_name),
        MN_TEST(test_livemig_stepping_rejects_calls_out_of_order),
    };
    MN_SUITE("livemig", livemig);
}
