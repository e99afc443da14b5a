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

/*
 * Sorts v[0..n) ascending by an LSD radix sort on the doubles' bit
 * patterns (8 passes of one byte, a pass skipped when every key has the
 * same byte there), through a scratch array of n. Returns 0 if it could
 * not (no memory, or a NaN or a negative zero among the values, whose
 * place relative to their equals a comparison sort decides its own way:
 * then the caller's comparison sort keeps the result it always had). For
 * every other input the sorted array is unique, so the result is the one
 * gsl_sort gives. Why: gsl_sort is a heapsort, whose sift-downs jump
 * across the whole array; at full city scale the session delays (2.9
 * million, 23 MB) do not fit any cache and the sort took 7 % of the run
 * (0.4 s), where at 1/10 scale (2.3 MB) it mostly hit the L2: it was a
 * piece of the excess growth from 1/10 to 1x. Each radix pass streams.
 */
/* 64-bit words of either buffer, by memcpy: v is an array of doubles, read and written as bits */
static inline uint64_t ld64(const void *p, size_t i)
{
    uint64_t x;
    memcpy(&x, (const unsigned char *)p + 8 * i, 8);
    return x;
}

static inline void st64(void *p, size_t i, uint64_t x)
{
    memcpy((unsigned char *)p + 8 * i, &x, 8);
}

#define TOP ((uint64_t)1 << 63)

static int radix_sort_doubles(double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) { /* NaN or -0: not ours */
        uint64_t b = ld64(v, i);
        if ((b & ~TOP) > 0x7ff0000000000000u || b == TOP)
            return 0;
    }
    void *tmp = mn_alloc(n * 8);
    size_t (*count)[256] = mn_calloc(8, sizeof *count);
    if (!tmp || !count) {
        mn_free(tmp);
        mn_free(count);
        return 0;
    }
    /* keys ordered as unsigned integers as the doubles are as numbers */
    for (size_t i = 0; i < n; i++) {
        uint64_t b = ld64(v, i);
        b = b & TOP ? ~b : b | TOP;
        st64(v, i, b);
        for (int d = 0; d < 8; d++)
            count[d][b >> (8 * d) & 255]++;
    }
    void *src = v, *dst = tmp;
    for (int d = 0; d < 8; d++) {
        size_t *c = count[d];
        if (c[ld64(src, 0) >> (8 * d) & 255] == n)
            continue; /* one value of this byte: the pass would not move anything */
        size_t sum = 0;
        for (int k = 0; k < 256; k++) {
            size_t t = c[k];
            c[k] = sum;
            sum += t;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t b = ld64(src, i);
            st64(dst, c[b >> (8 * d) & 255]++, b);
        }
        void *t = src;
        src = dst;
        dst = t;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t b = ld64(src, i);
        st64(v, i, b & TOP ? b & ~TOP : ~b);
    }
    mn_free(count);
    mn_free(tmp);
    return 1;
}

double mn_stat_sample_quantile(mn_stat_sample *s, double q)
{
    if (s->n == 0 || !(q >= 0 && q <= 1))
        return NAN;
    if (!s->sorted) {
        /* small samples: the heapsort is in cache and needs no scratch */
        if (s->n < 4096 || !radix_sort_doubles(s->v, s->n))
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
