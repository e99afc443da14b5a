/* test_stats.c - statistics accumulators (sim/core/stats.c), against hand-computed answers. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "core/stats.h"
#include "unit.h"

static void test_stats_welford_matches_the_textbook_example(void)
{
    double x[] = {2, 4, 4, 4, 5, 5, 7, 9};
    mn_stat_welford w;
    mn_stat_welford_init(&w);
    for (int i = 0; i < 8; i++)
        mn_stat_welford_add(&w, x[i]);
    CU_ASSERT_EQUAL(w.n, 8);
    CU_ASSERT_DOUBLE_EQUAL(w.mean, 5.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(mn_stat_welford_var(&w), 32.0 / 7, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(w.min, 2, 0);
    CU_ASSERT_DOUBLE_EQUAL(w.max, 9, 0);
    mn_stat_welford one;
    mn_stat_welford_init(&one);
    mn_stat_welford_add(&one, 1);
    CU_ASSERT(isnan(mn_stat_welford_var(&one)));
}

static void test_stats_welford_merge_equals_one_pass(void)
{
    mn_stat_welford all, a, b;
    mn_stat_welford_init(&all);
    mn_stat_welford_init(&a);
    mn_stat_welford_init(&b);
    for (int i = 0; i < 1000; i++) {
        double x = sin(i) * 100 + i * 0.01;
        mn_stat_welford_add(&all, x);
        mn_stat_welford_add(i < 300 ? &a : &b, x);
    }
    mn_stat_welford empty;
    mn_stat_welford_init(&empty);
    mn_stat_welford_merge(&a, &b);
    mn_stat_welford_merge(&a, &empty);
    CU_ASSERT_EQUAL(a.n, all.n);
    MN_ASSERT_CLOSE(a.mean, all.mean, 1e-12);
    MN_ASSERT_CLOSE(mn_stat_welford_var(&a), mn_stat_welford_var(&all), 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(a.min, all.min, 0);
    mn_stat_welford_merge(&empty, &all);
    CU_ASSERT_EQUAL(empty.n, all.n);
}

static void test_stats_time_average_weights_by_duration(void)
{
    mn_stat_timeavg a;
    mn_stat_timeavg_init(&a, 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(mn_stat_timeavg_mean(&a, 0), 0, 0);
    mn_stat_timeavg_set(&a, 1 * MN_SEC, 4);
    CU_ASSERT_DOUBLE_EQUAL(mn_stat_timeavg_mean(&a, 3 * MN_SEC), 8.0 / 3, 1e-12);
    mn_stat_timeavg_set(&a, 3 * MN_SEC, 1);
    mn_stat_timeavg_set(&a, 3 * MN_SEC, 2); /* two changes at one instant: the last wins */
    CU_ASSERT_DOUBLE_EQUAL(mn_stat_timeavg_mean(&a, 4 * MN_SEC), 10.0 / 4, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(a.max, 4, 0);
}

static void test_stats_histogram_quantiles_interpolate_within_bins(void)
{
    mn_stat_hist h;
    CU_ASSERT_EQUAL_FATAL(mn_stat_hist_init(&h, 0, 10, 10, NULL), MN_OK);
    for (int i = 0; i < 100; i++)
        mn_stat_hist_add(&h, i / 10.0); /* 10 values in each bin */
    CU_ASSERT_EQUAL(h.bins[0], 10);
    CU_ASSERT_EQUAL(h.bins[9], 10);
    CU_ASSERT_DOUBLE_EQUAL(mn_stat_hist_quantile(&h, 0.5), 5.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(mn_stat_hist_quantile(&h, 0.25), 2.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(mn_stat_hist_quantile(&h, 1.0), 10.0, 1e-12);
    mn_stat_hist_add(&h, -1);
    mn_stat_hist_add(&h, 10); /* hi is exclusive */
    mn_stat_hist_add(&h, NAN);
    CU_ASSERT_EQUAL(h.under, 1);
    CU_ASSERT_EQUAL(h.over, 2);
    CU_ASSERT_EQUAL(h.total, 103);
    CU_ASSERT(isnan(mn_stat_hist_quantile(&h, 1.5)));
    mn_stat_hist_fini(&h);
    CU_ASSERT_EQUAL(mn_stat_hist_init(&h, 1, 1, 10, NULL), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_stat_hist_init(&h, 0, 1, 0, NULL), MN_EINVAL);
}

static void test_stats_sample_quantiles_are_exact(void)
{
    mn_stat_sample s;
    mn_stat_sample_init(&s);
    CU_ASSERT(isnan(mn_stat_sample_quantile(&s, 0.5)));
    double x[] = {9, 1, 5, 3, 7};
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(mn_stat_sample_add(&s, x[i]), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(mn_stat_sample_quantile(&s, 0.5), 5, 0);
    CU_ASSERT_DOUBLE_EQUAL(mn_stat_sample_quantile(&s, 0.0), 1, 0);
    CU_ASSERT_DOUBLE_EQUAL(mn_stat_sample_quantile(&s, 1.0), 9, 0);
    CU_ASSERT_DOUBLE_EQUAL(mn_stat_sample_quantile(&s, 0.125), 2, 1e-12); /* between 1 and 3 */
    mn_stat_sample_add(&s, 0);
    CU_ASSERT_DOUBLE_EQUAL(mn_stat_sample_quantile(&s, 0.0), 0, 0); /* re-sorts after add */
    mn_stat_sample_fini(&s);
}

/* The reference order for the quantiles of large samples. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * Large samples (>= 4096) are answered by selection, in place (stats.c):
 * negatives, zeros, denormals, infinities and many duplicates, 20,000
 * values in a scrambled order, must give every quantile, bit for bit, what
 * GSL gives on the sorted values; so must sorted, reversed and constant
 * inputs (the pivots' worst shapes); with a NaN or a -0 the comparison
 * sort is used.
 */
static void test_stats_large_sample_quantiles_match_a_reference_sort(void)
{
    enum { N = 20000 };
    static double ref[N];
    mn_stat_sample s;
    mn_stat_sample_init(&s);
    uint64_t x = 88172645463325252u;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        double v;
        switch (x % 8) {
        case 0: v = -(double)((x >> 40) + 1) / 7; break; /* never -0 */
        case 1: v = (double)(x % 5); break;                      /* duplicates */
        case 2: v = 4.9e-324 * (double)(x % 3); break;          /* denormals and +0 */
        case 3: v = (x >> 20) % 2 ? INFINITY : -INFINITY; break;
        case 4: v = 1e300 * (double)((x >> 8) % 9); break;
        default: v = (double)(x >> 11) * 1e-12 - 4000; break;
        }
        ref[i] = v;
        CU_ASSERT_EQUAL_FATAL(mn_stat_sample_add(&s, v), MN_OK);
    }
    qsort(ref, N, sizeof ref[0], cmp_double);
    for (int k = 0; k <= 100; k++) {
        double q = k / 100.0, got = mn_stat_sample_quantile(&s, q);
        double want = gsl_stats_quantile_from_sorted_data(ref, 1, N, q);
        CU_ASSERT(memcmp(&got, &want, sizeof got) == 0 || (isnan(got) && isnan(want)));
    }
    mn_stat_sample_fini(&s);
    for (int shape = 0; shape < 3; shape++) { /* ascending, descending, constant */
        mn_stat_sample_init(&s);
        for (size_t i = 0; i < N; i++) {
            ref[i] = shape == 0 ? (double)i / 3 : shape == 1 ? (double)(N - i) * 1.5 : 42.0;
            CU_ASSERT_EQUAL_FATAL(mn_stat_sample_add(&s, ref[i]), MN_OK);
        }
        qsort(ref, N, sizeof ref[0], cmp_double);
        for (int k = 0; k <= 100; k += 5) {
            double q = k / 100.0, got = mn_stat_sample_quantile(&s, q);
            double want = gsl_stats_quantile_from_sorted_data(ref, 1, N, q);
            CU_ASSERT(memcmp(&got, &want, sizeof got) == 0);
        }
        mn_stat_sample_fini(&s);
    }
    /* a NaN among them: the comparison sort's answer, no crash */
    mn_stat_sample_init(&s);
    for (size_t i = 0; i < N; i++)
        CU_ASSERT_EQUAL_FATAL(mn_stat_sample_add(&s, i == 77 ? NAN : (double)(N - i)), MN_OK);
    CU_ASSERT(isfinite(mn_stat_sample_quantile(&s, 0)) || isnan(mn_stat_sample_quantile(&s, 0)));
    mn_stat_sample_fini(&s);
}

static void test_stats_confidence_interval_matches_hand_computation(void)
{
    /* 1..5 at 95%: t(0.975, 4) = 2.776445, sd = sqrt(2.5): half = 1.963243 */
    mn_stat_welford w;
    mn_stat_welford_init(&w);
    for (int i = 1; i <= 5; i++)
        mn_stat_welford_add(&w, i);
    double half = 0;
    CU_ASSERT_EQUAL(mn_stat_welford_ci(&w, 0.95, &half), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(half, 1.963243, 1e-6);
    /* 99% with n = 10, sd = 2: t(0.995, 9) = 3.249836, half = 3.249836 * 2 / sqrt(10) = 2.055376 */
    CU_ASSERT_EQUAL(mn_stat_ci_t(10, 0, 2, 0.99, &half), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(half, 2.055376, 1e-6);
    CU_ASSERT_EQUAL(mn_stat_ci_t(1, 0, 2, 0.95, &half), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_stat_ci_t(5, 0, 2, 1.0, &half), MN_EINVAL);
}

static void test_stats_batch_means_group_observations(void)
{
    mn_stat_batch b;
    mn_stat_batch_init(&b, 3);
    /* batches {1,2,3}=2, {4,5,6}=5, {7,8,9}=8; the 10th is an open batch */
    for (int i = 1; i <= 10; i++)
        mn_stat_batch_add(&b, i);
    CU_ASSERT_EQUAL(b.means.n, 3);
    double mean, half;
    CU_ASSERT_EQUAL(mn_stat_batch_ci(&b, 0.95, &mean, &half), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(mean, 5.0, 1e-12);
    /* batch means 2,5,8: sd 3, t(0.975, 2) = 4.302653, half = 4.302653 * 3 / sqrt(3) = 7.452413 */
    CU_ASSERT_DOUBLE_EQUAL(half, 7.452413, 1e-6);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_stats_welford_matches_the_textbook_example),
        MN_TEST(test_stats_welford_merge_equals_one_pass),
        MN_TEST(test_stats_time_average_weights_by_duration),
        MN_TEST(test_stats_histogram_quantiles_interpolate_within_bins),
        MN_TEST(test_stats_sample_quantiles_are_exact),
        MN_TEST(test_stats_large_sample_quantiles_match_a_reference_sort),
        MN_TEST(test_stats_confidence_interval_matches_hand_computation),
        MN_TEST(test_stats_batch_means_group_observations),
    };
    MN_SUITE("stats", cases);
}
