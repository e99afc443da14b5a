/*
 * test_queueing.c - closed-form queueing results (sim/models/queueing.c)
 * against independent computations and against packet-level simulations on
 * the engine; header overheads (sim/models/encap.c) against the RFC sizes.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/engine.h"
#include "core/rng.h"
#include "core/stats.h"
#include "models/encap.h"
#include "models/queueing.h"
#include "unit.h"

/* ---------- Erlang-B ---------- */

/* The definition, (a^c / c!) / sum_{k=0..c} a^k / k!, term by term (small c). */
static double erlang_b_direct(unsigned c, double a)
{
    long double term = 1, sum = 1; /* k = 0 */
    for (unsigned k = 1; k <= c; k++) {
        term *= (long double)a / k;
        sum += term;
    }
    return (double)(term / sum);
}

/* The definition in logs (log-sum-exp), for c where a^c overflows. */
static double erlang_b_log(unsigned c, double a)
{
    double lt_c = c * log(a) - lgamma(c + 1.0), max = 0;
    for (unsigned k = 0; k <= c; k++) {
        double lt = k * log(a) - lgamma(k + 1.0);
        if (lt > max)
            max = lt;
    }
    double sum = 0;
    for (unsigned k = 0; k <= c; k++)
        sum += exp(k * log(a) - lgamma(k + 1.0) - max);
    return exp(lt_c - max) / sum;
}

static void test_queueing_erlang_b_matches_published_tables(void)
{
    /*
     * Published table values (rounded to 6 decimals). Hand check of two:
     * B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2;
     * B(5, 2) = (32/120) / (1 + 2 + 2 + 8/6 + 16/24 + 32/120) = 0.266667 / 7.266667 = 0.036697.
     */
    static const struct {
        unsigned c;
        double a, table;
    } t[] = {
        {1, 1, 0.5},       {2, 1, 0.2},        {5, 2, 0.036697},
        {10, 5, 0.018385}, {20, 15, 0.045593}, {100, 80, 0.003992},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        double direct = erlang_b_direct(t[i].c, t[i].a);
        CU_ASSERT_DOUBLE_EQUAL(direct, t[i].table, 5e-7); /* the table is right */
        MN_ASSERT_CLOSE(mn_erlang_b(t[i].c, t[i].a), direct, 1e-12);
    }
}

static void test_queueing_erlang_b_is_finite_for_many_servers(void)
{
    /* 180^200 overflows a double; the recursion must not care. */
    double b = mn_erlang_b(200, 180);
    CU_ASSERT(isfinite(b) && b > 0 && b < 1);
    MN_ASSERT_CLOSE(b, erlang_b_log(200, 180), 1e-10); /* 0.0103249952 */
    MN_ASSERT_CLOSE(b, 0.0103249952049823, 1e-10);
    b = mn_erlang_b(100000, 99000);
    CU_ASSERT(isfinite(b) && b > 0 && b < 1);
    MN_ASSERT_CLOSE(b, erlang_b_log(100000, 99000), 1e-8);
}

static void test_queueing_erlang_b_edges(void)
{
    CU_ASSERT_DOUBLE_EQUAL(mn_erlang_b(0, 3), 1, 0); /* no server: all blocked */
    CU_ASSERT_DOUBLE_EQUAL(mn_erlang_b(4, 0), 0, 0); /* no load */
    CU_ASSERT_DOUBLE_EQUAL(mn_erlang_b(4, INFINITY), 1, 0);
    CU_ASSERT(isnan(mn_erlang_b(4, -1)));
    CU_ASSERT(isnan(mn_erlang_b(4, NAN)));
    /* more servers never block more */
    for (unsigned c = 1; c < 50; c++)
        CU_ASSERT(mn_erlang_b(c, 10) < mn_erlang_b(c - 1, 10));
}

/* ---------- M/M/1 and M/M/1/K closed forms ---------- */

static void test_queueing_mm1_sojourn_is_one_over_mu_minus_lambda(void)
{
    /* lambda 8/s, mu 10/s: 1 / 2 = 0.5 s */
    MN_ASSERT_CLOSE(mn_mm1_sojourn(8, 10), 0.5, 1e-15);
    MN_ASSERT_CLOSE(mn_mm1_sojourn(0, 4), 0.25, 1e-15);
    CU_ASSERT(isinf(mn_mm1_sojourn(10, 10)));
    CU_ASSERT(isinf(mn_mm1_sojourn(11, 10)));
    CU_ASSERT(isnan(mn_mm1_sojourn(-1, 10)));
    CU_ASSERT(isnan(mn_mm1_sojourn(1, 0)));
}

/* The M/M/1/K stationary distribution p_n = rho^n / sum_j rho^j, summed directly. */
struct mm1k_direct {
    double L, pk, w;
};
static struct mm1k_direct mm1k_direct(double rho, unsigned K, double s)
{
    long double z = 0, num = 0, pn = 1;
    for (unsigned n = 0; n <= K; n++) {
        z += pn;
        num += n * pn;
        if (n < K)
            pn *= rho;
    }
    struct mm1k_direct d;
    d.L = (double)(num / z);
    d.pk = (double)(pn / z);
    /* Little's law on admitted traffic: W = L / (lambda (1 - P_K)), lambda = rho / s */
    d.w = (double)((num / z) / ((long double)rho / s * (1 - pn / z)));
    return d;
}

static void test_queueing_mm1k_hand_example(void)
{
    /* rho 0.5, K 2: p = (4, 2, 1)/7, L = 4/7, P_K = 1/7, W = (4/7) / (0.5 * 6/7) = 4/3 */
    MN_ASSERT_CLOSE(mn_mm1k_mean_number(0.5, 2), 4.0 / 7, 1e-14);
    MN_ASSERT_CLOSE(mn_mm1k_block(0.5, 2), 1.0 / 7, 1e-14);
    MN_ASSERT_CLOSE(mn_mm1k_sojourn(0.5, 2, 1.0), 4.0 / 3, 1e-14);
    /* rho 2, K 1: p = (1, 2)/3: L = 2/3, P_K = 2/3, W = s (one place: never a wait) */
    MN_ASSERT_CLOSE(mn_mm1k_mean_number(2, 1), 2.0 / 3, 1e-14);
    MN_ASSERT_CLOSE(mn_mm1k_block(2, 1), 2.0 / 3, 1e-14);
    MN_ASSERT_CLOSE(mn_mm1k_sojourn(2, 1, 0.25), 0.25, 1e-14);
}

static void test_queueing_mm1k_at_rho_one_is_half_full(void)
{
    unsigned ks[] = {1, 2, 5, 10, 1000, 1000000};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        unsigned K = ks[i];
        MN_ASSERT_CLOSE(mn_mm1k_mean_number(1.0, K), K / 2.0, 1e-15);
        MN_ASSERT_CLOSE(mn_mm1k_block(1.0, K), 1.0 / (K + 1.0), 1e-15);
        /* W = s (1 + (K - 1)/2) = s (K + 1)/2 */
        MN_ASSERT_CLOSE(mn_mm1k_sojourn(1.0, K, 2.0), K + 1.0, 1e-15);
    }
}

static void test_queueing_mm1k_with_a_large_buffer_is_mm1(void)
{
    /* K = 1000, rho = 0.5, s = 1 (mu = 1, lambda = 0.5): 1 / (1 - 0.5) = 2 */
    MN_ASSERT_CLOSE(mn_mm1k_sojourn(0.5, 1000, 1.0), mn_mm1_sojourn(0.5, 1.0), 1e-9);
    MN_ASSERT_CLOSE(mn_mm1k_sojourn(0.5, 1000, 1.0), 2.0, 1e-9);
    MN_ASSERT_CLOSE(mn_mm1k_mean_number(0.5, 1000), 1.0, 1e-9); /* rho / (1 - rho) */
    CU_ASSERT(mn_mm1k_block(0.5, 1000) < 1e-300);
}

/*
 * Against the directly summed distribution on a grid that crowds rho = 1,
 * where the textbook closed form cancels catastrophically (at rho = 1 + 1e-8,
 * K = 5 it is 3.6% off): the implementation must stay within 1e-10.
 */
static void test_queueing_mm1k_matches_the_stationary_distribution(void)
{
    static const double rhos[] = {0,        1e-6,      0.1,      0.5,      0.9,      0.99,
                                  1 - 1e-3, 1 - 1e-5,  1 - 1e-7, 1 - 1e-8, 1 - 1e-9, 1 - 1e-12,
                                  1,        1 + 1e-12, 1 + 1e-9, 1 + 1e-8, 1 + 1e-7, 1 + 1e-5,
                                  1 + 1e-3, 1.1,       2,        10,       1e3};
    static const unsigned ks[] = {1, 2, 3, 5, 20, 100, 700};
    for (size_t i = 0; i < sizeof rhos / sizeof rhos[0]; i++)
        for (size_t j = 0; j < sizeof ks / sizeof ks[0]; j++) {
            double rho = rhos[i];
            unsigned K = ks[j];
            if (rho >= 10 && K > 100)
                continue; /* rho^K overflows the direct sum, not the implementation */
            struct mm1k_direct d = mm1k_direct(rho, K, 0.01);
            MN_ASSERT_CLOSE(mn_mm1k_mean_number(rho, K), d.L, 1e-10);
            MN_ASSERT_CLOSE(mn_mm1k_block(rho, K), d.pk, 1e-10);
            if (rho > 0) /* Little's law is 0/0 at rho = 0 */
                MN_ASSERT_CLOSE(mn_mm1k_sojourn(rho, K, 0.01), d.w, 1e-10);
        }
}

static void test_queueing_mm1k_edges(void)
{
    CU_ASSERT_DOUBLE_EQUAL(mn_mm1k_sojourn(0, 5, 0.003), 0.003, 0); /* rho 0: just the service */
    CU_ASSERT_DOUBLE_EQUAL(mn_mm1k_mean_number(0, 5), 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(mn_mm1k_block(0, 5), 0, 0);
    /* overload: always full, an admitted customer finds K - 1 ahead */
    CU_ASSERT_DOUBLE_EQUAL(mn_mm1k_mean_number(INFINITY, 5), 5, 0);
    CU_ASSERT_DOUBLE_EQUAL(mn_mm1k_block(INFINITY, 5), 1, 0);
    CU_ASSERT_DOUBLE_EQUAL(mn_mm1k_sojourn(INFINITY, 5, 0.5), 2.5, 0);
    MN_ASSERT_CLOSE(mn_mm1k_sojourn(1e20, 5, 0.5), 2.5, 1e-12); /* where 1 - P_K rounds to 0 */
    MN_ASSERT_CLOSE(mn_mm1k_mean_number(1e300, 5), 5, 1e-12);
    CU_ASSERT(isnan(mn_mm1k_mean_number(0.5, 0)));
    CU_ASSERT(isnan(mn_mm1k_block(0.5, 0)));
    CU_ASSERT(isnan(mn_mm1k_sojourn(0.5, 0, 1)));
    CU_ASSERT(isnan(mn_mm1k_sojourn(-0.5, 3, 1)));
    CU_ASSERT(isnan(mn_mm1k_sojourn(NAN, 3, 1)));
    CU_ASSERT(isnan(mn_mm1k_sojourn(0.5, 3, -1)));
    CU_ASSERT(isnan(mn_mm1k_block(NAN, 3)));
}

/* ---------- packet-level simulation on the engine ---------- */

#define RING 65536 /* P(an M/M/1 at rho 0.8 holds 65536) = 0.8^65536 */

struct customer {
    mn_time arrived;
    int measured; /* arrived after the warm-up */
};

struct qsim {
    mn_engine *eng;
    mn_rng *arr, *svc;
    double ia_s, svc_s; /* means, seconds */
    unsigned cap;       /* places including service; 0: unbounded */
    struct customer ring[RING];
    size_t head, n;
    uint64_t arrivals, target, warmup;
    mn_stat_batch sojourn, blocked;
    int failed; /* a scheduling error or ring overflow */
};

static void departure(mn_engine *eng, void *ctx);

static void start_service(struct qsim *q)
{
    mn_time d = mn_time_from_sec(mn_rng_exponential(q->svc, q->svc_s));
    if (mn_ev_schedule_in(q->eng, d, departure, q, NULL) != MN_OK)
        q->failed = 1;
}

static void arrival(mn_engine *eng, void *ctx)
{
    struct qsim *q = ctx;
    int measured = ++q->arrivals > q->warmup;
    if (q->cap && q->n == q->cap) {
        if (measured)
            mn_stat_batch_add(&q->blocked, 1);
    } else if (q->n == RING) {
        q->failed = 1;
    } else {
        if (measured)
            mn_stat_batch_add(&q->blocked, 0);
        q->ring[(q->head + q->n) % RING] = (struct customer){mn_engine_now(eng), measured};
        if (++q->n == 1)
            start_service(q);
    }
    if (q->arrivals < q->target) {
        mn_time d = mn_time_from_sec(mn_rng_exponential(q->arr, q->ia_s));
        if (mn_ev_schedule_in(eng, d, arrival, q, NULL) != MN_OK)
            q->failed = 1;
    }
}

static void departure(mn_engine *eng, void *ctx)
{
    struct qsim *q = ctx;
    struct customer c = q->ring[q->head];
    q->head = (q->head + 1) % RING;
    q->n--;
    if (c.measured)
        mn_stat_batch_add(&q->sojourn, mn_time_to_sec(mn_engine_now(eng) - c.arrived));
    if (q->n > 0)
        start_service(q);
}

/*
 * Runs a single-server FIFO queue with Poisson arrivals (rate rho / s) and
 * exponential services (mean s = 1 s, so nanosecond rounding is 1e-9 of a
 * service), `customers` arrivals after `warmup`, in 40 batches.
 */
static void qsim_run(struct qsim *q, double rho, unsigned cap, uint64_t customers, uint64_t seed)
{
    memset(q, 0, sizeof *q);
    q->svc_s = 1.0;
    q->ia_s = q->svc_s / rho;
    q->cap = cap;
    q->warmup = 10000;
    q->target = q->warmup + customers;
    mn_stat_batch_init(&q->sojourn, customers / 40);
    mn_stat_batch_init(&q->blocked, customers / 40);
    CU_ASSERT_EQUAL_FATAL(mn_engine_create(NULL, &q->eng, NULL), MN_OK);
    CU_ASSERT_EQUAL_FATAL(mn_rng_create(seed, "arrivals", NULL, &q->arr, NULL), MN_OK);
    CU_ASSERT_EQUAL_FATAL(mn_rng_create(seed, "services", NULL, &q->svc, NULL), MN_OK);
    CU_ASSERT_EQUAL_FATAL(mn_ev_schedule_at(q->eng, 0, arrival, q, NULL), MN_OK);
    mn_run_end why;
    CU_ASSERT_EQUAL(mn_engine_run(q->eng, MN_TIME_MAX, &why), MN_OK);
    CU_ASSERT_EQUAL(why, MN_RUN_EMPTY);
    CU_ASSERT_FALSE(q->failed);
    CU_ASSERT_EQUAL(q->arrivals, q->target);
    CU_ASSERT_EQUAL(q->n, 0);
    mn_rng_destroy(q->arr);
    mn_rng_destroy(q->svc);
    mn_engine_destroy(q->eng);
}

/* The formula inside the 95% batch-means CI, and the CI narrower than 5% of the mean. */
static void assert_in_ci(const mn_stat_batch *b, double formula, const char *what)
{
    double mean = 0, half = 0;
    CU_ASSERT_EQUAL_FATAL(mn_stat_batch_ci(b, 0.95, &mean, &half), MN_OK);
    CU_ASSERT(b->means.n >= 30);
    CU_ASSERT(fabs(mean - formula) <= half);
    CU_ASSERT(half < 0.05 * mean);
    if (!(fabs(mean - formula) <= half) || !(half < 0.05 * mean))
        fprintf(stderr, "\n  %s: simulated %.6f +- %.6f (%.2f%%), formula %.6f\n", what, mean, half,
                100 * half / mean, formula);
}

static struct qsim sim; /* 1 MB of ring: static, not on the stack */

static void test_queueing_simulated_mm1_matches_the_formula(void)
{
    const double rhos[] = {0.5, 0.8};
    for (int i = 0; i < 2; i++) {
        qsim_run(&sim, rhos[i], 0, 400000, 20240616);
        /* s = 1 s: W = 1 / (1 - rho) = 2 s and 5 s */
        double w = mn_mm1_sojourn(rhos[i], 1.0);
        MN_ASSERT_CLOSE(w, 1 / (1 - rhos[i]), 1e-15);
        assert_in_ci(&sim.sojourn, w,
                     rhos[i] < 0.6 ? "M/M/1 rho 0.5 sojourn" : "M/M/1 rho 0.8 sojourn");
    }
}

static void test_queueing_simulated_mm1k_matches_the_formula(void)
{
    /*
     * K = 5, rho = 0.9: weights 1, .9, .81, .729, .6561, .59049 (sum 4.68559):
     * P_K = 0.59049 / 4.68559 = 0.126022; admitted W = s (1 + L(0.9, 4)),
     * L(0.9, 4) = 7.3314 / 4.0951 = 1.790286, so W = 2.790286 s.
     */
    qsim_run(&sim, 0.9, 5, 400000, 20240616);
    MN_ASSERT_CLOSE(mn_mm1k_block(0.9, 5), 0.59049 / 4.68559, 1e-12);
    MN_ASSERT_CLOSE(mn_mm1k_sojourn(0.9, 5, 1.0), 1 + 7.3314 / 4.0951, 1e-12);
    assert_in_ci(&sim.blocked, mn_mm1k_block(0.9, 5), "M/M/1/5 rho 0.9 blocking");
    assert_in_ci(&sim.sojourn, mn_mm1k_sojourn(0.9, 5, 1.0), "M/M/1/5 rho 0.9 sojourn");
}

/* ---------- Jain's index ---------- */

static void test_queueing_jain_index(void)
{
    double eq[4] = {3, 3, 3, 3};
    MN_ASSERT_CLOSE(mn_jain_index(eq, 4), 1, 1e-15);
    double one[5] = {0, 0, 7, 0, 0};
    MN_ASSERT_CLOSE(mn_jain_index(one, 5), 1.0 / 5, 1e-15);
    /* (1 + 2 + 3)^2 / (3 (1 + 4 + 9)) = 36 / 42 = 6/7 */
    double x[3] = {1, 2, 3};
    MN_ASSERT_CLOSE(mn_jain_index(x, 3), 6.0 / 7, 1e-15);
    /* conventions: nobody, or everybody at zero, is fair */
    CU_ASSERT_DOUBLE_EQUAL(mn_jain_index(NULL, 0), 1, 0);
    double zero[3] = {0, 0, 0};
    CU_ASSERT_DOUBLE_EQUAL(mn_jain_index(zero, 3), 1, 0);
    double big[2] = {1e300, 1e300}; /* x^2 would overflow unscaled */
    MN_ASSERT_CLOSE(mn_jain_index(big, 2), 1, 1e-15);
    double bad[2] = {1, -1};
    CU_ASSERT(isnan(mn_jain_index(bad, 2)));
    double inf[2] = {1, INFINITY};
    CU_ASSERT(isnan(mn_jain_index(inf, 2)));
}

/* ---------- encapsulation ---------- */

static void test_encap_vxlan_overhead_is_50_or_70_bytes(void)
{
    /* 14 + 20 + 8 + 8 = 50; 14 + 40 + 8 + 8 = 70 */
    CU_ASSERT_EQUAL(mn_vxlan_overhead(MN_UNDERLAY_IPV4), 50);
    CU_ASSERT_EQUAL(mn_vxlan_overhead(MN_UNDERLAY_IPV6), 70);
    mn_underlay u = MN_UNDERLAY_IPV4;
    CU_ASSERT_EQUAL(mn_underlay_parse("ipv6", &u), MN_OK);
    CU_ASSERT_EQUAL(u, MN_UNDERLAY_IPV6);
    CU_ASSERT_EQUAL(mn_underlay_parse("ipv4", &u), MN_OK);
    CU_ASSERT_EQUAL(u, MN_UNDERLAY_IPV4);
    CU_ASSERT_EQUAL(mn_underlay_parse("IPv6", &u), MN_EPARSE);
    CU_ASSERT_EQUAL(mn_underlay_parse("", &u), MN_EPARSE);
    CU_ASSERT_EQUAL(u, MN_UNDERLAY_IPV4);
    /* 1400-byte payload over IPv4 VXLAN: 1450 / 1400 */
    MN_ASSERT_CLOSE(mn_encap_factor(1400, mn_vxlan_overhead(MN_UNDERLAY_IPV4)), 1450.0 / 1400,
                    1e-15);
    MN_ASSERT_CLOSE(mn_encap_factor(100, 0), 1, 0);
    CU_ASSERT(isnan(mn_encap_factor(0, 50)));
    CU_ASSERT(isnan(mn_encap_factor(-1, 50)));
}

static void test_encap_stack_headers_follow_the_rfcs(void)
{
    CU_ASSERT_EQUAL(mn_stack_header(MN_STACK_IPV4, 0), 20);
    CU_ASSERT_EQUAL(mn_stack_header(MN_STACK_IPV6, 3), 40); /* labels ignored */
    CU_ASSERT_EQUAL(mn_stack_header(MN_STACK_MPLS, 1), 24);
    CU_ASSERT_EQUAL(mn_stack_header(MN_STACK_MPLS, 0), 24); /* at least one label */
    CU_ASSERT_EQUAL(mn_stack_header(MN_STACK_MPLS, 3), 32);
    CU_ASSERT_STRING_EQUAL(mn_stack_name(MN_STACK_MPLS), "mpls");
    CU_ASSERT_STRING_EQUAL(mn_stack_name(MN_STACK_COUNT), "?");
    mn_stack s;
    CU_ASSERT_EQUAL(mn_stack_parse("mpls", &s), MN_OK);
    CU_ASSERT_EQUAL(s, MN_STACK_MPLS);
    CU_ASSERT_EQUAL(mn_stack_parse("ipv4 ", &s), MN_EPARSE);
}

static void test_encap_stacks_parse_and_report_errors(void)
{
    unsigned m = 0;
    mn_err err;
    CU_ASSERT_EQUAL(mn_stacks_parse("ipv4 ipv6", &m, &err), MN_OK);
    CU_ASSERT_EQUAL(m, (1u << MN_STACK_IPV4) | (1u << MN_STACK_IPV6));
    CU_ASSERT_EQUAL(mn_stacks_parse("\tmpls   ipv4 \n", &m, &err), MN_OK);
    CU_ASSERT_EQUAL(m, (1u << MN_STACK_MPLS) | (1u << MN_STACK_IPV4));

    m = 99; /* errors leave the mask alone */
    CU_ASSERT_EQUAL(mn_stacks_parse("ipv4 ipx", &m, &err), MN_EPARSE);
    CU_ASSERT_EQUAL(err.code, MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "\"ipx\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "ipv4, ipv6, mpls"));
    CU_ASSERT_EQUAL(mn_stacks_parse("ipv6 mpls ipv6", &m, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "\"ipv6\" is listed twice"));
    CU_ASSERT_EQUAL(mn_stacks_parse("", &m, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "empty"));
    CU_ASSERT_EQUAL(mn_stacks_parse("  \t ", &m, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "e.g. \"ipv4 ipv6\""));
    CU_ASSERT_EQUAL(mn_stacks_parse("ipv4,ipv6", &m, &err), MN_EPARSE); /* spaces, not commas */
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "\"ipv4,ipv6\""));
    CU_ASSERT_EQUAL(m, 99);
    CU_ASSERT_EQUAL(mn_stacks_parse(NULL, &m, NULL), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_stacks_parse("ipv4", &m, NULL), MN_OK); /* err may be NULL */
    CU_ASSERT_EQUAL(mn_stacks_parse("ipv5", &m, NULL), MN_EPARSE);
}

static void test_encap_stacks_format_round_trips(void)
{
    char buf[MN_STACKS_FMT_MAX];
    mn_stacks_format((1u << MN_STACK_IPV6) | (1u << MN_STACK_IPV4), buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "ipv4 ipv6");
    mn_stacks_format(0, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "");
    for (unsigned mask = 1; mask < (1u << MN_STACK_COUNT); mask++) {
        unsigned back = 0;
        mn_stacks_format(mask | (1u << 20), buf, sizeof buf); /* stray bits ignored */
        CU_ASSERT_EQUAL(mn_stacks_parse(buf, &back, NULL), MN_OK);
        CU_ASSERT_EQUAL(back, mask);
    }
    mn_stacks_format(7, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "ipv4 ipv6 mpls");
    CU_ASSERT_EQUAL(strlen(buf) + 1, 15); /* fits MN_STACKS_FMT_MAX */
    char small[7];
    mn_stacks_format(3, small, sizeof small); /* truncated like snprintf */
    CU_ASSERT_STRING_EQUAL(small, "ipv4 i");
    small[0] = 'x';
    mn_stacks_format(3, small, 0); /* n == 0: nothing written */
    CU_ASSERT_EQUAL(small[0], 'x');
}

void mn_test_register(void)
{
    static const struct mn_test_case queueing[] = {
        MN_TEST(test_queueing_erlang_b_matches_published_tables),
        MN_TEST(test_queueing_erlang_b_is_finite_for_many_servers),
        MN_TEST(test_queueing_erlang_b_edges),
        MN_TEST(test_queueing_mm1_sojourn_is_one_over_mu_minus_lambda),
        MN_TEST(test_queueing_mm1k_hand_example),
        MN_TEST(test_queueing_mm1k_at_rho_one_is_half_full),
        MN_TEST(test_queueing_mm1k_with_a_large_buffer_is_mm1),
        MN_TEST(test_queueing_mm1k_matches_the_stationary_distribution),
        MN_TEST(test_queueing_mm1k_edges),
        MN_TEST(test_queueing_simulated_mm1_matches_the_formula),
        MN_TEST(test_queueing_simulated_mm1k_matches_the_formula),
        MN_TEST(test_queueing_jain_index),
    };
    static const struct mn_test_case encap[] = {
        MN_TEST(test_encap_vxlan_overhead_is_50_or_70_bytes),
        MN_TEST(test_encap_stack_headers_follow_the_rfcs),
        MN_TEST(test_encap_stacks_parse_and_report_errors),
        MN_TEST(test_encap_stacks_format_round_trips),
    };
    MN_SUITE("queueing", queueing);
    MN_SUITE("encap", encap);
}
