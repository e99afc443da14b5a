/*
 * stats.h - statistics for models and the sweep aggregator: counters,
 * time-weighted averages, Welford mean/variance, histograms with quantiles,
 * exact sample quantiles, batch means, Student-t confidence intervals.
 *
 * Owns:      mn_stat_hist and mn_stat_sample own their arrays (free with
 *            their _fini); the other accumulators are plain values (_init only).
 * Invariant: accumulators are deterministic: the same inputs in the same
 *            order give bit-identical results.
 */
#ifndef MN_STATS_H
#define MN_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "time.h"

/* Counter: events and a running sum (e.g. bytes). */
typedef struct mn_stat_counter {
    uint64_t count;
    double sum;
} mn_stat_counter;
static inline void mn_stat_counter_add(mn_stat_counter *c, double amount)
{
    c->count++;
    c->sum += amount;
}

/*
 * Welford's online mean and variance:
 *   n += 1; d = x - mean; mean += d / n; m2 += d * (x - mean)
 *   var = m2 / (n - 1)   (sample variance)
 * Example: 2, 4, 4, 4, 5, 5, 7, 9 -> mean 5, var 32/7.
 */
typedef struct mn_stat_welford {
    uint64_t n;
    double mean, m2, min, max;
} mn_stat_welford;
void mn_stat_welford_init(mn_stat_welford *w);
void mn_stat_welford_add(mn_stat_welford *w, double x);
/* Chan et al.'s parallel combination: into = into U from. */
void mn_stat_welford_merge(mn_stat_welford *into, const mn_stat_welford *from);
double mn_stat_welford_var(const mn_stat_welford *w); /* NaN when n < 2 */
double mn_stat_welford_sd(const mn_stat_welford *w);

/*
 * Time-weighted average of a piecewise-constant signal (queue length, load):
 *   mean over [t0, t] = (sum of value_i * duration_i) / (t - t0)
 * Example: 0 on [0s, 1s), 4 on [1s, 3s) -> mean at 3s = 8/3.
 */
typedef struct mn_stat_timeavg {
    mn_time start, last;
    double value, area, max;
} mn_stat_timeavg;
void mn_stat_timeavg_init(mn_stat_timeavg *a, mn_time start, double value);
/* The signal takes `value` from time t (t >= the previous change). */
void mn_stat_timeavg_set(mn_stat_timeavg *a, mn_time t, double value);
/* Mean over [start, t]; the current value when t == start. */
double mn_stat_timeavg_mean(const mn_stat_timeavg *a, mn_time t);

/*
 * Histogram with n equal bins on [lo, hi), plus underflow/overflow counts.
 * Quantiles interpolate linearly inside the bin that holds them.
 */
typedef struct mn_stat_hist {
    double lo, hi;
    size_t nbins;
    uint64_t *bins; /* owned */
    uint64_t under, over, total;
} mn_stat_hist;
int mn_stat_hist_init(mn_stat_hist *h, double lo, double hi, size_t nbins, mn_err *err);
void mn_stat_hist_fini(mn_stat_hist *h);
void mn_stat_hist_add(mn_stat_hist *h, double x);
/* q in [0, 1]; NaN when empty; lo/hi when the quantile falls in under/overflow. */
double mn_stat_hist_quantile(const mn_stat_hist *h, double q);

/* All values kept, for exact quantiles (GSL's interpolated definition). */
typedef struct mn_stat_sample {
    double *v; /* owned */
    size_t n, cap;
    int sorted;
} mn_stat_sample;
void mn_stat_sample_init(mn_stat_sample *s);
void mn_stat_sample_fini(mn_stat_sample *s);
int mn_stat_sample_add(mn_stat_sample *s, double x); /* MN_ENOMEM on failure */
/* Sorts in place on first use after adds; NaN when empty. */
double mn_stat_sample_quantile(mn_stat_sample *s, double q);

/*
 * Batch means for a steady-state mean from one long correlated run: values
 * are grouped into batches of `batch` observations; the batch averages are
 * treated as independent samples for the confidence interval.
 */
typedef struct mn_stat_batch {
    uint64_t batch, in_batch;
    double batch_sum;
    mn_stat_welford means; /* one observation per closed batch */
} mn_stat_batch;
void mn_stat_batch_init(mn_stat_batch *b, uint64_t batch);
void mn_stat_batch_add(mn_stat_batch *b, double x);

/*
 * Student-t confidence interval for a mean:
 *   half = t_{1 - (1 - level)/2, n - 1} * sd / sqrt(n)
 * Example: 1, 2, 3, 4, 5 at 95%: mean 3, sd sqrt(2.5), t(0.975, 4) = 2.776445,
 * half = 2.776445 * 1.581139 / 2.236068 = 1.963243.
 * MN_EINVAL when n < 2 or level is not in (0, 1).
 */
int mn_stat_ci_t(uint64_t n, double mean, double sd, double level, double *half_out);
/* Same, from a Welford accumulator (replications) or from batch means. */
int mn_stat_welford_ci(const mn_stat_welford *w, double level, double *half_out);
int mn_stat_batch_ci(const mn_stat_batch *b, double level, double *mean_out, double *half_out);

#endif /* MN_STATS_H */
