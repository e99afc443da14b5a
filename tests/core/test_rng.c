/* test_rng.c - named streams and distributions (sim/core/rng.c). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "core/stats.h"
#include <gsl/gsl_rng.h>

#include "unit.h"

static mn_rng *stream(uint64_t seed, const char *name)
{
    mn_rng *r = NULL;
    CU_ASSERT_EQUAL_FATAL(mn_rng_create(seed, name, NULL, &r, NULL), MN_OK);
    return r;
}

static void test_rng_same_seed_and_name_give_the_same_numbers(void)
{
    mn_rng *a = stream(7, "arrivals"), *b = stream(7, "arrivals");
    int same = 1;
    for (int i = 0; i < 1000; i++)
        same &= mn_rng_uniform(a) == mn_rng_uniform(b);
    CU_ASSERT(same);
    mn_rng_destroy(a);
    mn_rng_destroy(b);
}

static void test_rng_names_and_seeds_give_different_streams(void)
{
    mn_rng *a = stream(7, "arrivals"), *b = stream(7, "mobility"), *c = stream(8, "arrivals");
    int ab = 0, ac = 0;
    for (int i = 0; i < 100; i++) {
        double x = mn_rng_uniform(a);
        ab += x == mn_rng_uniform(b);
        ac += x == mn_rng_uniform(c);
    }
    CU_ASSERT_EQUAL(ab, 0);
    CU_ASSERT_EQUAL(ac, 0);
    CU_ASSERT_NOT_EQUAL(mn_rng_stream_seed(7, "arrivals"), mn_rng_stream_seed(7, "mobility"));
    CU_ASSERT_NOT_EQUAL(mn_rng_stream_seed(7, "arrivals"), mn_rng_stream_seed(8, "arrivals"));
    mn_rng_destroy(a);
    mn_rng_destroy(b);
    mn_rng_destroy(c);
}

static void test_rng_a_stream_ignores_draws_on_other_streams(void)
{
    mn_rngset *alone, *busy;
    CU_ASSERT_EQUAL_FATAL(mn_rngset_create(11, NULL, &alone, NULL), MN_OK);
    CU_ASSERT_EQUAL_FATAL(mn_rngset_create(11, NULL, &busy, NULL), MN_OK);
    mn_rng *x = mn_rngset_get(alone, "arrivals", NULL);
    int same = 1;
    for (int i = 0; i < 500; i++) {
        /* the busy run creates and draws from other streams in between */
        mn_rng *other = mn_rngset_get(busy, i % 2 ? "mobility" : "radio", NULL);
        for (int k = 0; k < i % 7; k++)
            mn_rng_exponential(other, 1.0);
        mn_rng *y = mn_rngset_get(busy, "arrivals", NULL);
        same &= mn_rng_uniform(x) == mn_rng_uniform(y);
    }
    CU_ASSERT(same);
    CU_ASSERT_PTR_EQUAL(mn_rngset_get(busy, "arrivals", NULL), mn_rngset_get(busy, "arrivals", NULL));
    mn_rngset_destroy(alone);
    mn_rngset_destroy(busy);
}

static void test_rng_known_first_values_for_seed_42(void)
{
    /* Pins the derivation (FNV-1a + SplitMix64 + taus2): if these change,
     * every published result changes with them. Values recorded from this
     * build when the derivation was chosen. */
    CU_ASSERT_EQUAL(mn_rng_stream_seed(42, "phold"), 16974975910142563383ULL);
    mn_rng *r = stream(42, "phold");
    CU_ASSERT_STRING_EQUAL(gsl_rng_name(r->g), "taus2");
    CU_ASSERT_EQUAL(gsl_rng_get(r->g), 3005030031UL);
    CU_ASSERT_EQUAL(gsl_rng_get(r->g), 485944929UL);
    CU_ASSERT_EQUAL(gsl_rng_get(r->g), 3951014735UL);
    mn_rng_destroy(r);
}

static void test_rng_inline_taus2_is_gsl_taus2(void)
{
    /* The inline step must give GSL's numbers: same seed, same draws, for
     * uniform, bounded integers (several bounds, including the rejection
     * path's worst case) and raw words, interleaved. */
    for (uint64_t seed = 1; seed <= 5; seed++) {
        mn_rng *r;
        CU_ASSERT_EQUAL_FATAL(mn_rng_create(seed, "arrivals", NULL, &r, NULL), MN_OK);
        CU_ASSERT_PTR_NOT_NULL(r->taus); /* this GSL's layout is the one we step */
        gsl_rng *g = gsl_rng_alloc(gsl_rng_taus2);
        gsl_rng_set(g, (unsigned long)mn_rng_stream_seed(seed, "arrivals"));
        const uint64_t bounds[] = {1, 2, 3, 1000, 0x80000001ULL, 0xffffffffULL};
        int mismatches = 0;
        for (int i = 0; i < 100000; i++) {
            switch (i % 3) {
            case 0:
                mismatches += mn_rng_uniform(r) != gsl_rng_uniform(g);
                break;
            case 1: {
                uint64_t n = bounds[(size_t)i % (sizeof bounds / sizeof *bounds)];
                mismatches += mn_rng_uniform_int(r, n) != gsl_rng_uniform_int(g, n);
                break;
            }
            default:
                mismatches += mn_rng_get(r) != gsl_rng_get(g);
            }
        }
        CU_ASSERT_EQUAL(mismatches, 0);
        gsl_rng_free(g);
        mn_rng_destroy(r);
    }
}

static void test_rng_division_by_multiplication_is_exact(void)
{
    /* mn_rng_uniform_int divides a word by GSL's scale with a multiplication
     * (rng.h): it must equal the division for every 32-bit word; checked on
     * the words where a quotient changes (multiples of scale and their
     * neighbours), the extremes and random words, for edge and random
     * scales. */
    uint32_t scales[64] = {1, 2, 3, 5, 7, 10, 641, 4294967, 65535, 65536, 65537,
                           0x7fffffffu, 0x80000000u, 0x80000001u, 0xfffffffeu, 0xffffffffu};
    uint64_t s = 12345;
    for (int i = 16; i < 64; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t v = (uint32_t)(s >> 32);
        scales[i] = v >> (s % 31) ? v >> (s % 31) : 1;
    }
    long wrong = 0;
    for (int i = 0; i < 64; i++) {
        uint32_t d = scales[i];
        uint64_t magic = mn__rng_div_magic(d);
        for (uint64_t q = 0; q * d <= 0xffffffffu; q += 1 + q / 64) {
            for (int64_t delta = -1; delta <= 1; delta++) {
                int64_t w = (int64_t)(q * d) + delta;
                if (w < 0 || w > 0xffffffffLL)
                    continue;
                wrong += mn__rng_div((uint32_t)w, magic) != (uint32_t)w / d;
            }
        }
        for (uint32_t k = 0; k < 20000; k++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            uint32_t w = k == 0 ? 0xffffffffu : (uint32_t)(s >> 32);
            wrong += mn__rng_div(w, magic) != w / d;
        }
    }
    CU_ASSERT_EQUAL(wrong, 0);
}

static void test_rng_uniform_int_repeated_bounds_are_gsl_s(void)
{
    /* Runs of one bound (the multiplication path) and changes of bound (the
     * division path, which caches the next one's constant), against GSL. */
    mn_rng *r = stream(3, "sizes");
    gsl_rng *g = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(g, (unsigned long)mn_rng_stream_seed(3, "sizes"));
    const uint64_t bounds[] = {1, 2, 3, 7, 1000, 65536, 65537, 0x7fffffffULL, 0x80000000ULL,
                               0x80000001ULL, 0xfffffffeULL, 0xffffffffULL, 0x100000000ULL};
    const size_t nb = sizeof bounds / sizeof *bounds;
    int mismatches = 0;
    for (int run = 0; run < 2000; run++) {
        uint64_t n = bounds[(size_t)run * 7 % nb];
        for (int k = 0; k < run % 5 + 1; k++)
            mismatches += mn_rng_uniform_int(r, n) != gsl_rng_uniform_int(g, n);
        if (run % 3 == 0) /* another stream use in between: numbers stay GSL's */
            mismatches += mn_rng_uniform(r) != gsl_rng_uniform(g);
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    gsl_rng_free(g);
    mn_rng_destroy(r);
}

/* FNV-1a over the bytes of a long mixed run of exponential and bounded draws. */
static uint64_t mixed_draws_hash(const char *algo)
{
    mn_rng *r = NULL;
    CU_ASSERT_EQUAL_FATAL(mn_rng_create(42, "golden", algo, &r, NULL), MN_OK);
    const uint64_t sizes[] = {1, 2, 3, 7, 10, 1000, 65536, 65537, 1u << 31, (1ull << 31) + 1,
                              4294967295ull, 4294967296ull, 123456789};
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < 200000; i++) {
        double x = mn_rng_exponential(r, i % 3 ? 1.0 : 2.5);
        uint64_t k = mn_rng_uniform_int(r, sizes[(i / 7) % 13]);
        if (i % 5 == 0)
            k += mn_rng_uniform_int(r, sizes[i % 13]);
        unsigned char b[16];
        memcpy(b, &x, 8);
        memcpy(b + 8, &k, 8);
        for (int q = 0; q < 16; q++) {
            h ^= b[q];
            h *= 0x100000001b3ULL;
        }
    }
    mn_rng_destroy(r);
    return h;
}

static void test_rng_exponential_and_uniform_int_numbers_are_pinned(void)
{
    /* The numbers models see: recorded before the exponential's fast path
     * moved inline and bounded integers began to divide by multiplication
     * (docs/engine.md), which must have changed none of them. */
    CU_ASSERT_EQUAL(mixed_draws_hash(NULL), 0x9eb5b0611a6e27a5ULL);
    CU_ASSERT_EQUAL(mixed_draws_hash("mt19937"), 0xe9cdc1691d55bc2fULL);
    CU_ASSERT_EQUAL(mixed_draws_hash("ranlxd2"), 0x6165a47d8b40c0a0ULL);
}

static void test_rng_rejects_unknown_generators_and_long_names(void)
{
    mn_rng *r = NULL;
    mn_err err = {0};
    CU_ASSERT_EQUAL(mn_rng_create(1, "x", "nosuchgen", &r, &err), MN_ENOTFOUND);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "nosuchgen"));
    char longname[100];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    CU_ASSERT_EQUAL(mn_rng_create(1, longname, NULL, &r, &err), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_rng_create(1, "x", "taus2", &r, &err), MN_OK);
    mn_rng_destroy(r);
}

/* Sample mean within 5 standard errors, sample variance within rel_var. */
#define DRAWS 400000
static void check_moments(const char *what, double (*draw)(mn_rng *), double mean, double var,
                          double rel_var)
{
    mn_rng *r = stream(2024, what);
    mn_stat_welford w;
    mn_stat_welford_init(&w);
    for (int i = 0; i < DRAWS; i++)
        mn_stat_welford_add(&w, draw(r));
    double se = sqrt(var / DRAWS);
    int mean_ok = fabs(w.mean - mean) < 5 * se;
    int var_ok = fabs(mn_stat_welford_var(&w) - var) < rel_var * var;
    if (!mean_ok || !var_ok)
        fprintf(stderr, "\n%s: mean %g (want %g), var %g (want %g)\n", what, w.mean, mean,
                mn_stat_welford_var(&w), var);
    CU_ASSERT(mean_ok);
    CU_ASSERT(var_ok);
    mn_rng_destroy(r);
}

static double d_uniform(mn_rng *r) { return mn_rng_uniform_range(r, 2, 5); }
static double d_uniform_int(mn_rng *r) { return (double)mn_rng_uniform_int(r, 10); }
static double d_exponential(mn_rng *r) { return mn_rng_exponential(r, 2.0); }
static double d_normal(mn_rng *r) { return mn_rng_normal(r, 1.0, 3.0); }
static double d_lognormal(mn_rng *r) { return mn_rng_lognormal(r, 0.5, 0.4); }
static double d_pareto(mn_rng *r) { return mn_rng_pareto(r, 5.0, 2.0); }
static double d_poisson(mn_rng *r) { return mn_rng_poisson(r, 3.5); }
static double d_weibull(mn_rng *r) { return mn_rng_weibull(r, 2.0, 1.5); }

static void test_rng_distributions_match_their_formulas(void)
{
    check_moments("uniform", d_uniform, 3.5, 9.0 / 12, 0.02);
    check_moments("uniform_int", d_uniform_int, 4.5, (100.0 - 1) / 12, 0.02);
    check_moments("exponential", d_exponential, 2.0, 4.0, 0.03);
    check_moments("normal", d_normal, 1.0, 9.0, 0.02);
    double mu = 0.5, s2 = 0.16;
    check_moments("lognormal", d_lognormal, exp(mu + s2 / 2), (exp(s2) - 1) * exp(2 * mu + s2),
                  0.03);
    /* Pareto(a, xm): mean a xm/(a-1), var xm^2 a / ((a-1)^2 (a-2)) */
    check_moments("pareto", d_pareto, 5.0 * 2 / 4, 4.0 * 5 / (16 * 3), 0.08);
    check_moments("poisson", d_poisson, 3.5, 3.5, 0.02);
    /* Weibull(l, k): mean l G(1+1/k), var l^2 (G(1+2/k) - G(1+1/k)^2) */
    double g1 = tgamma(1 + 1 / 1.5), g2 = tgamma(1 + 2 / 1.5);
    check_moments("weibull", d_weibull, 2 * g1, 4 * (g2 - g1 * g1), 0.03);
}

/*
 * The ziggurat returns most draws from its rectangles; the wedges and the tail
 * beyond r = 7.697 are rare paths where a slip would not show in the mean.
 * Tail probabilities P(X > x) = e^-x, each within 5 standard errors.
 */
static void test_rng_exponential_tail_follows_exp_minus_x(void)
{
    mn_rng *r = stream(99, "tail");
    enum { N = 2000000 };
    double xs_[] = {0.5, 1, 3, 6, 7.7, 9};
    long above[6] = {0};
    for (int i = 0; i < N; i++) {
        double x = mn_rng_exponential(r, 1.0);
        for (int k = 0; k < 6; k++)
            above[k] += x > xs_[k];
    }
    for (int k = 0; k < 6; k++) {
        double p = exp(-xs_[k]), se = sqrt(p * (1 - p) / N);
        double got = (double)above[k] / N;
        if (fabs(got - p) >= 5 * se)
            fprintf(stderr, "\nP(X > %g) = %g, want %g\n", xs_[k], got, p);
        CU_ASSERT(fabs(got - p) < 5 * se);
    }
    mn_rng_destroy(r);
}

/* ranlux yields 24-bit words: the draws must not assume 32 (the fallback path). */
static void test_rng_generators_with_short_words_still_draw_right(void)
{
    mn_rng *r = NULL;
    CU_ASSERT_EQUAL_FATAL(mn_rng_create(5, "short", "ranlux", &r, NULL), MN_OK);
    CU_ASSERT_EQUAL(r->full32, 0);
    mn_stat_welford e, u;
    mn_stat_welford_init(&e);
    mn_stat_welford_init(&u);
    for (int i = 0; i < 200000; i++) {
        mn_stat_welford_add(&e, mn_rng_exponential(r, 3.0));
        mn_stat_welford_add(&u, (double)mn_rng_uniform_int(r, 7));
    }
    CU_ASSERT(fabs(e.mean - 3.0) < 5 * 3.0 / sqrt(200000));
    CU_ASSERT(fabs(mn_stat_welford_var(&e) - 9.0) < 0.05 * 9.0);
    CU_ASSERT(fabs(u.mean - 3.0) < 5 * 2.0 / sqrt(200000));
    CU_ASSERT_EQUAL(u.max, 6);
    CU_ASSERT_EQUAL(u.min, 0);
    mn_rng_destroy(r);
}

static mn_empirical *emp_discrete, *emp_hist;
static double d_emp_discrete(mn_rng *r) { return mn_rng_empirical(r, emp_discrete); }
static double d_emp_hist(mn_rng *r) { return mn_rng_empirical(r, emp_hist); }

static void test_rng_empirical_tables_match_their_moments(void)
{
    double values[] = {1, 2, 3}, weights[] = {1, 2, 1};
    CU_ASSERT_EQUAL_FATAL(
        mn_empirical_create(MN_EMP_DISCRETE, values, weights, 3, &emp_discrete, NULL), MN_OK);
    check_moments("empirical-discrete", d_emp_discrete, 2.0, 0.5, 0.02);
    /* bins [0,1) and [1,3) with equal weight: mean 0.5*0.5 + 0.5*2 = 1.25,
     * E[X^2] = 0.5*(1/3) + 0.5*(13/3) = 7/3, var = 7/3 - 1.5625 */
    double edges[] = {0, 1, 3}, bw[] = {1, 1};
    CU_ASSERT_EQUAL_FATAL(mn_empirical_create(MN_EMP_HISTOGRAM, edges, bw, 2, &emp_hist, NULL),
                          MN_OK);
    check_moments("empirical-histogram", d_emp_hist, 1.25, 7.0 / 3 - 1.5625, 0.02);
    mn_empirical_destroy(emp_discrete);
    mn_empirical_destroy(emp_hist);
}

static void test_rng_empirical_rejects_bad_tables(void)
{
    mn_empirical *e = NULL;
    mn_err err = {0};
    double v[] = {3, 2, 1}, zero[] = {0, 0, 0}, neg[] = {1, -1, 1}, ok[] = {1, 1};
    CU_ASSERT_EQUAL(mn_empirical_create(MN_EMP_DISCRETE, v, zero, 3, &e, &err), MN_ERANGE);
    CU_ASSERT_EQUAL(mn_empirical_create(MN_EMP_DISCRETE, v, neg, 3, &e, &err), MN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "weight 2"));
    CU_ASSERT_EQUAL(mn_empirical_create(MN_EMP_HISTOGRAM, v, ok, 2, &e, &err), MN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "increase"));
    CU_ASSERT_EQUAL(mn_empirical_create(MN_EMP_DISCRETE, v, ok, 0, &e, &err), MN_EINVAL);
}

static void test_rng_set_cleans_up_when_memory_runs_out(void)
{
    uint64_t live = mn_alloc_get_stats().live_bytes;
    for (long n = 0; n < 6; n++) {
        mn_rngset *set = NULL;
        mn_alloc_fail_after(n);
        if (mn_rngset_create(3, "taus2", &set, NULL) == MN_OK) {
            mn_rngset_get(set, "a", NULL);
            mn_rngset_get(set, "b", NULL);
        }
        mn_alloc_fail_after(-1);
        mn_rngset_destroy(set);
        CU_ASSERT_EQUAL(mn_alloc_get_stats().live_bytes, live);
    }
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_rng_same_seed_and_name_give_the_same_numbers),
        MN_TEST(test_rng_names_and_seeds_give_different_streams),
        MN_TEST(test_rng_a_stream_ignores_draws_on_other_streams),
        MN_TEST(test_rng_known_first_values_for_seed_42),
        MN_TEST(test_rng_inline_taus2_is_gsl_taus2),
        MN_TEST(test_rng_rejects_unknown_generators_and_long_names),
        MN_TEST(test_rng_distributions_match_their_formulas),
        MN_TEST(test_rng_exponential_tail_follows_exp_minus_x),
        MN_TEST(test_rng_division_by_multiplication_is_exact),
        MN_TEST(test_rng_uniform_int_repeated_bounds_are_gsl_s),
        MN_TEST(test_rng_exponential_and_uniform_int_numbers_are_pinned),
        MN_TEST(test_rng_generators_with_short_words_still_draw_right),
        MN_TEST(test_rng_empirical_tables_match_their_moments),
        MN_TEST(test_rng_empirical_rejects_bad_tables),
        MN_TEST(test_rng_set_cleans_up_when_memory_runs_out),
    };
    MN_SUITE("rng", cases);
}
