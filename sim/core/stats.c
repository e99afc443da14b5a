/* stats.c - statistics accumulators; see stats.h for the formulas. */
#include "stats.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "alloc.h"

void mn_stat_welford_init(mn_stat_welford *w)
{
    memset(w, 0, sizeof *w);
    w->min = INFINITY;
    w->max = -INFINITY;
}

void mn_stat_welford_add(mn_stat_welford *w, double x)
{
    w->n++;
    double d = x - w->mean;
    w->mean += d / (double)w->n;
    w->m2 += d * (x - w->mean);
    if (x < w->min)
        w->min = x;
    if (x > w->max)
        w->max = x;
}

void mn_stat_welford_merge(mn_stat_welford *into, const mn_stat_welford *from)
{
    if (from->n == 0)
        return;
    if (into->n == 0) {
        *into = *from;
        return;
    }
    double na = (double)into->n, nb = (double)from->n, n = na + nb;
    double d = from->mean - into->mean;
    into->mean += d * nb / n;
    into->m2 += from->m2 + d * d * na * nb / n;
    into->n += from->n;
    if (from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
}

double mn_stat_welford_var(const mn_stat_welford *w)
{
    return w->n < 2 ? NAN : w->m2 / (double)(w->n - 1);
}

double mn_stat_welford_sd(const mn_stat_welford *w)
{
    return sqrt(mn_stat_welford_var(w));
}

void mn_stat_timeavg_init(mn_stat_timeavg *a, mn_time start, double value)
{
    a->start = a->last = start;
    a->value = a->max = value;
    a->area = 0;
}

void mn_stat_timeavg_set(mn_stat_timeavg *a, mn_time t, double value)
{
    if (t > a->last) {
        a->area += a->value * mn_time_to_sec(t - a->last);
        a->last = t;
    }
    a->value = value;
    if (value > a->max)
        a->max = value;
}

double mn_stat_timeavg_mean(const mn_stat_timeavg *a, mn_time t)
{
    if (t <= a->start)
        return a->value;
    double area = a->area + (t > a->last ? a->value * mn_time_to_sec(t - a->last) : 0);
    return area / mn_time_to_sec(t - a->start);
}

int mn_stat_hist_init(mn_stat_hist *h, double lo, double hi, size_t nbins, mn_err *err)
{
    memset(h, 0, sizeof *h);
    if (!(lo < hi) || nbins == 0)
        return MN_ERR(err, MN_EINVAL, "histogram: need lo < hi and at least one bin (got [%g, %g), %zu)",
                      lo, hi, nbins);
    h->bins = mn_calloc(nbins, sizeof *h->bins);
    if (!h->bins)
        return MN_ERR(err, MN_ENOMEM, "histogram: out of memory for %zu bins", nbins);
    h->lo = lo;
    h->hi = hi;
    h->nbins = nbins;
    return MN_OK;
}

void mn_stat_hist_fini(mn_stat_hist *h)
{
    mn_free(h->bins);
    h->bins = NULL;
}

void mn_stat_hist_add(mn_stat_hist *h, double x)
{
    h->total++;
    if (x < h->lo) {
        h->under++;
        return;
    }
    if (!(x < h->hi)) { /* NaN counts as overflow */
        h->over++;
        return;
    }
    size_t i = (size_t)((x - h->lo) / (h->hi - h->lo) * (double)h->nbins);
    if (i >= h->nbins) /* rounding at the top edge */
        i = h->nbins - 1;
    h->bins[i]++;
}

double mn_stat_hist_quantile(const mn_stat_hist *h, double q)
{
    if (h->total == 0 || !(q >= 0 && q <= 1))
        return NAN;
    double target = q * (double)h->total;
    double seen = (double)h->under;
    if (target <= seen && h->under > 0)
        return h->lo;
    double width = (h->hi - h->lo) / (double)h->nbins;
    for (size_t i = 0; i < h->nbins; i++) {
        double c = (double)h->bins[i];
        if (c > 0 && seen + c >= target)
            return h->lo + width * ((double)i + (target - seen) / c);
        seen += c;
    }
    return h->hi;
}

void mn_stat_sample_init(mn_stat_sample *s)
{
    memset(s, 0, sizeof *s);
}

void mn_stat_sample_fini(mn_stat_sample *s)
{
    mn_free(s->v);
    memset(s, 0, sizeof *s);
}

int mn_stat_sample_add(mn_stat_sample *s, double x)
{
    if (mn_array_reserve((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v) != 0)
        return MN_ENOMEM;
    s->v[s->n++] = x;
    s->sorted = 0;
    return MN_OK;
}

/* A NaN or a negative zero among v[0..n): values whose place among their equals a sort decides its own way. */
static int has_nan_or_neg_zero(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &v[i], sizeof b);
        if ((b & ~((uint64_t)1 << 63)) > 0x7ff0000000000000u || b == (uint64_t)1 << 63)
            return 1;
    }
    return 0;
}

static inline void swap_d(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

/*
 * The k-th smallest of v[0..n) (from 0), v permuted so that v[0..k) <= v[k]
 * <= v(k..n): Hoare's FIND (quickselect) with median-of-three pivots,
 * deterministic; after 2 log2(n) + 16 rounds without an answer (an input
 * made to defeat the pivots) the range left is sorted instead. For values
 * without NaN or -0 the k-th smallest is one bit pattern, so the answer is
 * the sort's. Why not a sort: at full city scale the session delays (2.9
 * million doubles, 23 MB) were sorted through a scratch array of the same
 * size (an LSD radix sort, session 5): a third copy's pages to fault in
 * and zero, and eight passes, where two selections read the array a few
 * times, in place.
 */
static double select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    unsigned rounds = 16;
    for (size_t m = n; m > 1; m /= 2)
        rounds += 2;
    while (hi > lo) {
        if (rounds-- == 0) {
            gsl_sort(v + lo, 1, hi - lo + 1);
            return v[k];
        }
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo])
            swap_d(&v[mid], &v[lo]);
        if (v[hi] < v[lo])
            swap_d(&v[hi], &v[lo]);
        if (v[hi] < v[mid])
            swap_d(&v[hi], &v[mid]);
        double pivot = v[mid]; /* v[lo] <= pivot <= v[hi]: both scans stop in range */
        size_t i = lo, j = hi;
        for (;;) {
            while (v[i] < pivot)
                i++;
            while (pivot < v[j])
                j--;
            if (i >= j)
                break;
            swap_d(&v[i], &v[j]);
            i++;
            j--;
        }
        /* v[lo..j] <= pivot <= v[j+1..hi] (Hoare), with j < hi */
        if (i == j) { /* both scans stopped on one element equal to the pivot: it is in place */
            if (k == j)
                return v[k];
            if (k < j)
                hi = j - 1;
            else
                lo = j + 1;
        } else if (k <= j) {
            hi = j;
        } else {
            lo = j + 1;
        }
    }
    return v[k];
}

/*
 * Quantile q of v[0..n) as GSL's gsl_stats_quantile_from_sorted_data
 * defines it on the sorted values (the same expression, so the same bits):
 * index = q (n - 1), lhs = (int) index, and the lhs-th and (lhs + 1)-th
 * smallest interpolated by index - lhs. v is permuted.
 */
static double quantile_by_selection(double *v, size_t n, double q)
{
    const double index = q * (double)(n - 1);
    const size_t lhs = (size_t)(int)index;
    const double delta = index - (double)lhs;
    double a = select_kth(v, n, lhs);
    if (lhs == n - 1)
        return a;
    double b = v[lhs + 1]; /* the next smallest: the least of what select_kth left above */
    for (size_t i = lhs + 2; i < n; i++)
        if (v[i] < b)
            b = v[i];
    return (1 - delta) * a + delta * b;
}

double mn_stat_sample_quantile(mn_stat_sample *s, double q)
{
    if (s->n == 0 || !(q >= 0 && q <= 1))
        return NAN;
    /* large samples by selection, in place; small ones (in cache) and any with a
     * NaN or a -0 sorted once by gsl_sort, whose order among equals they keep */
    if (!s->sorted && s->n >= 4096 && !has_nan_or_neg_zero(s->v, s->n))
        return quantile_by_selection(s->v, s->n, q);
    if (!s->sorted) {
        gsl_sort(s->v, 1, s->n);
        s->sorted = 1;
    }
    return gsl_stats_quantile_from_sorted_data(s->v, 1, s->n, q);
}

void mn_stat_batch_init(mn_stat_batch *b, uint64_t batch)
{
    memset(b, 0, sizeof *b);
    b->batch = batch ? batch : 1;
    mn_stat_welford_init(&b->means);
}

void mn_stat_batch_add(mn_stat_batch *b, double x)
{
    b->batch_sum += x;
    if (++b->in_batch == b->batch) {
        mn_stat_welford_add(&b->means, b->batch_sum / (double)b->batch);
        b->batch_sum = 0;
        b->in_batch = 0;
    }
}

int mn_stat_ci_t(uint64_t n, double mean, double sd, double level, double *half_out)
{
    (void)mean; /* the half-width does not depend on it; kept for call-site clarity */
    if (n < 2 || !(level > 0 && level < 1) || !(sd >= 0))
        return MN_EINVAL;
    gsl_set_error_handler_off();
    double t = gsl_cdf_tdist_Pinv(1 - (1 - level) / 2, (double)(n - 1));
    *half_out = t * sd / sqrt((double)n);
    return MN_OK;
}

int mn_stat_welford_ci(const mn_stat_welford *w, double level, double *half_out)
{
    return mn_stat_ci_t(w->n, w->mean, mn_stat_welford_sd(w), level, half_out);
}

int mn_stat_batch_ci(const mn_stat_batch *b, double level, double *mean_out, double *half_out)
{
    *mean_out = b->means.mean;
    return mn_stat_welford_ci(&b->means, level, half_out);
}
