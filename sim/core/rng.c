/* rng.c - named random streams and distributions; see rng.h. */
#include "rng.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_histogram.h>
#include <gsl/gsl_randist.h>

#include "alloc.h"

uint64_t mn_rng_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/*
 * Exponential variates by the ziggurat method of Marsaglia and Tsang (2000),
 * "The ziggurat method for generating random variables", J. Stat. Softw. 5(8),
 * with 256 layers: r = 7.69711747013104972 is where the base strip ends,
 * v = 3.949659822581572e-3 the area of each layer. A draw takes a layer i
 * and a 32-bit j; if j < ke[i] (98.9% of draws) it returns j * we[i] with no
 * transcendental call. Otherwise it tests the wedge against exp(-x), or for
 * layer 0 samples the tail r - ln(U). The 8-bit layer index comes from other
 * bits than j (Doornik 2005 showed that reusing j's bits biases the
 * original): from a reservoir of spare bits in the stream, refilled with one
 * 32-bit draw every four layer indexes, so a draw costs 1.25 generator
 * calls instead of 2. GSL offers a ziggurat for the normal law only. In a
 * tight loop this one is no faster than -ln(U) with glibc's log
 * (tests/bench/bench_rng), but inside PHOLD, where draws mix with other
 * work, it gives 13.4 against 12.3 Mevents/s (docs/engine.md). The
 * j < ke[i] case is inline in rng.h (mn_rng_exponential); exp_from below
 * is the rest, from the same j and i.
 */
#define ZIG_LAYERS 256
uint32_t mn__zig_ke[ZIG_LAYERS]; /* rng.h's inline fast path reads ke and we */
double mn__zig_we[ZIG_LAYERS];
static double zig_fe[ZIG_LAYERS];
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void zig_setup(void)
{
    const double m2 = 4294967296.0;
    double de = 7.69711747013104972, te = de, ve = 3.949659822581572e-3;
    double q = ve / exp(-de);
    mn__zig_ke[0] = (uint32_t)((de / q) * m2);
    mn__zig_ke[1] = 0;
    mn__zig_we[0] = q / m2;
    mn__zig_we[255] = de / m2;
    zig_fe[0] = 1.0;
    zig_fe[255] = exp(-de);
    for (int i = 254; i >= 1; i--) {
        de = -log(ve / de + exp(-de));
        mn__zig_ke[i + 1] = (uint32_t)((de / te) * m2);
        te = de;
        zig_fe[i] = exp(-de);
        mn__zig_we[i] = de / m2;
    }
}

/*
 * 32 uniform bits: the generator's own word when it has exactly 32 bits,
 * else two unbiased 16-bit draws (scaling a 24-bit word, as ranlux gives,
 * would leave the low byte always zero).
 */
static inline uint32_t bits32(mn_rng *r)
{
    if (r->taus)
        return mn__taus_next(r->taus);
    if (r->full32)
        return (uint32_t)gsl_rng_get(r->g);
    uint32_t hi = (uint32_t)gsl_rng_uniform_int(r->g, 1UL << 16);
    return hi << 16 | (uint32_t)gsl_rng_uniform_int(r->g, 1UL << 16);
}

/* 8 random bits, from the stream's reservoir of spare bits (as rng.h's
 * mn_rng_exponential: a sentinel bit above the unused ones). */
static inline unsigned bits8(mn_rng *r)
{
    if (r->spare < 256)
        r->spare = (uint64_t)bits32(r) | 1ULL << 32;
    unsigned b = (unsigned)(r->spare & 0xff);
    r->spare >>= 8;
    return b;
}

/* (0, 1), as gsl_rng_uniform_pos */
static double uniform_pos(mn_rng *r)
{
    double x;
    do
        x = mn_rng_uniform(r);
    while (x == 0);
    return x;
}

/*
 * The ziggurat after the fast test: j and i are the draw's word and layer,
 * and j >= ke[i] (or the caller has not tested yet: exp_any). The first
 * draw of mn_rng_exponential is taken inline (rng.h); this goes on exactly
 * as the one loop did before the split, so a stream yields the same numbers.
 */
static double exp_from(mn_rng *r, uint32_t j, unsigned i)
{
    for (;;) {
        double x = j * mn__zig_we[i];
        if (j < mn__zig_ke[i])
            return x;
        if (i == 0) /* the tail beyond r: memoryless, so r plus a fresh Exp(1) */
            return 7.69711747013104972 - log(uniform_pos(r));
        if (zig_fe[i] + mn_rng_uniform(r) * (zig_fe[i - 1] - zig_fe[i]) < exp(-x))
            return x;
        j = bits32(r);
        i = bits8(r);
    }
}

double mn__rng_exp_slow(mn_rng *r, uint32_t j, unsigned i)
{
    return exp_from(r, j, i);
}

double mn__rng_exp_any(mn_rng *r)
{
    uint32_t j = bits32(r);
    return exp_from(r, j, bits8(r));
}

uint64_t mn__rng_uniform_int_slow(mn_rng *r, uint64_t n)
{
    if (r->taus && n - 1 < 0xffffffffUL) { /* gsl_rng_uniform_int's own steps, min 0, max 2^32-1 */
        /* in 32 bits: the same quotients, and a division a few times cheaper than 64-bit's */
        uint32_t scale = 0xffffffffu / (uint32_t)n, k;
        r->div_n = (uint32_t)n; /* the next call with this n multiplies (rng.h) */
        r->div_magic = mn__rng_div_magic(scale);
        do
            k = mn__taus_next(r->taus) / scale;
        while (k >= n);
        return k;
    }
    return gsl_rng_uniform_int(r->g, n);
}

uint64_t mn_rng_stream_seed(uint64_t run_seed, const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    uint64_t state = run_seed ^ h;
    return mn_rng_splitmix64(&state);
}

static const gsl_rng_type *find_algo(const char *algo)
{
    if (!algo)
        return gsl_rng_taus2;
    for (const gsl_rng_type **t = gsl_rng_types_setup(); *t; t++)
        if (strcmp((*t)->name, algo) == 0)
            return *t;
    return NULL;
}

int mn_rng_create(uint64_t run_seed, const char *name, const char *algo, mn_rng **out, mn_err *err)
{
    gsl_set_error_handler_off();
    pthread_once(&zig_once, zig_setup);
    const gsl_rng_type *type = find_algo(algo);
    if (!type)
        return MN_ERR(err, MN_ENOTFOUND,
                      "unknown random generator \"%s\"; use a GSL name such as mt19937, "
                      "taus2 or ranlxd2",
                      algo);
    if (strlen(name) >= sizeof((mn_rng *)0)->name)
        return MN_ERR(err, MN_EINVAL, "random stream name \"%s\" is longer than %zu characters",
                      name, sizeof((mn_rng *)0)->name - 1);
    mn_rng *r = mn_calloc(1, sizeof *r);
    if (!r)
        return MN_ERR(err, MN_ENOMEM, "random stream \"%s\": out of memory", name);
    r->g = gsl_rng_alloc(type);
    if (!r->g) {
        mn_free(r);
        return MN_ERR(err, MN_ENOMEM, "random stream \"%s\": out of memory", name);
    }
    r->full32 = gsl_rng_min(r->g) == 0 && gsl_rng_max(r->g) == 0xffffffffUL;
    r->seed = mn_rng_stream_seed(run_seed, name);
    gsl_rng_set(r->g, (unsigned long)r->seed);
    if (type == gsl_rng_taus2 && gsl_rng_size(r->g) == 3 * sizeof(unsigned long)) {
        /* step a copy of the state both ways: inline only if they agree */
        unsigned long copy[3];
        memcpy(copy, gsl_rng_state(r->g), sizeof copy);
        gsl_rng *twin = gsl_rng_clone(r->g);
        int same = twin != NULL;
        for (int k = 0; k < 8 && same; k++)
            same = mn__taus_next(copy) == gsl_rng_get(twin);
        gsl_rng_free(twin);
        if (same)
            r->taus = gsl_rng_state(r->g);
    }
    r->div_n = 1; /* a valid cache entry, so no n (not even an invalid 0) finds an empty one */
    r->div_magic = mn__rng_div_magic(0xffffffffu);
    strcpy(r->name, name);
    *out = r;
    return MN_OK;
}

void mn_rng_destroy(mn_rng *r)
{
    if (!r)
        return;
    gsl_rng_free(r->g);
    mn_free(r);
}

double mn_rng_uniform_range(mn_rng *r, double lo, double hi)
{
    return gsl_ran_flat(r->g, lo, hi);
}

double mn_rng_normal(mn_rng *r, double mean, double sd)
{
    return mean + gsl_ran_gaussian_ziggurat(r->g, sd);
}

double mn_rng_lognormal(mn_rng *r, double mu, double sigma)
{
    return gsl_ran_lognormal(r->g, mu, sigma);
}

double mn_rng_pareto(mn_rng *r, double shape, double scale)
{
    return gsl_ran_pareto(r->g, shape, scale);
}

unsigned mn_rng_poisson(mn_rng *r, double mean)
{
    return gsl_ran_poisson(r->g, mean);
}

double mn_rng_weibull(mn_rng *r, double scale, double shape)
{
    return gsl_ran_weibull(r->g, scale, shape);
}

struct mn_empirical {
    mn_emp_kind kind;
    double *values;              /* owned: discrete values (DISCRETE only) */
    gsl_ran_discrete_t *table;   /* owned (DISCRETE) */
    gsl_histogram_pdf *pdf;      /* owned (HISTOGRAM) */
};

int mn_empirical_create(mn_emp_kind kind, const double *values, const double *weights, size_t n,
                        mn_empirical **out, mn_err *err)
{
    gsl_set_error_handler_off();
    if (n == 0)
        return MN_ERR(err, MN_EINVAL, "empirical table is empty");
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(weights[i] >= 0) || !isfinite(weights[i]))
            return MN_ERR(err, MN_ERANGE, "empirical table: weight %zu is %g; weights must be >= 0",
                          i + 1, weights[i]);
        total += weights[i];
    }
    if (!(total > 0))
        return MN_ERR(err, MN_ERANGE, "empirical table: weights sum to 0; give one a positive weight");
    if (kind == MN_EMP_HISTOGRAM)
        for (size_t i = 0; i < n; i++)
            if (!(values[i] < values[i + 1]))
                return MN_ERR(err, MN_ERANGE,
                              "empirical histogram: bin edges must increase (edge %zu is %g, "
                              "edge %zu is %g)",
                              i + 1, values[i], i + 2, values[i + 1]);
    mn_empirical *e = mn_calloc(1, sizeof *e);
    if (!e)
        return MN_ERR(err, MN_ENOMEM, "empirical table: out of memory");
    e->kind = kind;
    if (kind == MN_EMP_DISCRETE) {
        e->values = mn_alloc(n * sizeof *e->values);
        e->table = e->values ? gsl_ran_discrete_preproc(n, weights) : NULL;
        if (!e->table)
            goto oom;
        memcpy(e->values, values, n * sizeof *values);
    } else {
        gsl_histogram *h = gsl_histogram_alloc(n);
        if (!h)
            goto oom;
        gsl_histogram_set_ranges(h, values, n + 1);
        for (size_t i = 0; i < n; i++)
            h->bin[i] = weights[i];
        e->pdf = gsl_histogram_pdf_alloc(n);
        int rc = e->pdf ? gsl_histogram_pdf_init(e->pdf, h) : GSL_ENOMEM;
        gsl_histogram_free(h);
        if (rc != GSL_SUCCESS)
            goto oom;
    }
    *out = e;
    return MN_OK;
oom:
    mn_empirical_destroy(e);
    return MN_ERR(err, MN_ENOMEM, "empirical table: out of memory for %zu entries", n);
}

void mn_empirical_destroy(mn_empirical *e)
{
    if (!e)
        return;
    if (e->table)
        gsl_ran_discrete_free(e->table);
    if (e->pdf)
        gsl_histogram_pdf_free(e->pdf);
    mn_free(e->values);
    mn_free(e);
}

double mn_rng_empirical(mn_rng *r, const mn_empirical *e)
{
    if (e->kind == MN_EMP_DISCRETE)
        return e->values[gsl_ran_discrete(r->g, e->table)];
    return gsl_histogram_pdf_sample(e->pdf, gsl_rng_uniform(r->g));
}

struct mn_rngset {
    uint64_t run_seed;
    char *algo;     /* owned; NULL for the default */
    mn_rng **items; /* owned, each owned */
    size_t n, cap;
};

int mn_rngset_create(uint64_t run_seed, const char *algo, mn_rngset **out, mn_err *err)
{
    if (algo && !find_algo(algo))
        return MN_ERR(err, MN_ENOTFOUND,
                      "unknown random generator \"%s\"; use a GSL name such as mt19937, "
                      "taus2 or ranlxd2",
                      algo);
    mn_rngset *set = mn_calloc(1, sizeof *set);
    if (!set || (algo && !(set->algo = mn_strdup(algo)))) {
        mn_free(set);
        return MN_ERR(err, MN_ENOMEM, "random streams: out of memory");
    }
    set->run_seed = run_seed;
    *out = set;
    return MN_OK;
}

void mn_rngset_destroy(mn_rngset *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++)
        mn_rng_destroy(set->items[i]);
    mn_free(set->items);
    mn_free(set->algo);
    mn_free(set);
}

mn_rng *mn_rngset_get(mn_rngset *set, const char *name, mn_err *err)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i]->name, name) == 0)
            return set->items[i];
    if (mn_array_reserve((void **)&set->items, &set->cap, set->n + 1, sizeof *set->items) != 0) {
        MN_ERR(err, MN_ENOMEM, "random streams: out of memory");
        return NULL;
    }
    mn_rng *r;
    if (mn_rng_create(set->run_seed, name, set->algo, &r, err) != MN_OK)
        return NULL;
    set->items[set->n++] = r;
    return r;
}
