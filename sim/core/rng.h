/*
 * rng.h - named, independent random streams derived from the run seed, and
 * the distributions the models draw from (GSL underneath).
 *
 * Owns:      an mn_rng owns its gsl_rng; an mn_rngset owns its streams;
 *            an mn_empirical owns its GSL lookup tables.
 * Invariant: a stream's numbers depend only on (run seed, stream name,
 *            algorithm): "arrivals" sees the same numbers whatever other
 *            streams draw, so policies compared on one seed see the same
 *            users and demands (common random numbers).
 *
 * Stream seed = SplitMix64 finaliser of (run seed XOR FNV-1a-64(name)).
 * The default algorithm is L'Ecuyer's maximally equidistributed combined
 * Tausworthe generator (GSL "taus2", period 2^88), chosen over MT19937 for
 * speed: 8 ns against 13 ns for a bounded integer on this machine
 * (tests/bench/bench_rng, docs/engine.md). It keeps the low 32 bits of the stream seed. Other GSL
 * algorithms can be named ("mt19937", "ranlxd2", ...).
 */
#ifndef MN_RNG_H
#define MN_RNG_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "err.h"

typedef struct mn_rng {
    unsigned long *taus; /* g's taus2 state, stepped inline (see below); NULL: call GSL */
    gsl_rng *g; /* owned */
    uint64_t seed;
    int full32; /* the generator yields exactly 32 uniform bits per call */
    /* unused random bits for the exponential's layer indexes, low bits first,
     * under a sentinel 1 bit: fewer than 8 left when spare < 256 */
    uint64_t spare;
    /* mn_rng_uniform_int's last bound n (taus2 streams), and ceil(2^64 /
     * scale) for GSL's scale = (2^32-1) / n (0 when scale is 1), so a
     * repeated bound divides by a multiplication */
    uint32_t div_n;
    uint64_t div_magic;
    char name[48];
} mn_rng;

/*
 * One step of SplitMix64 (Steele, Lea and Flood 2014): *state += golden
 * gamma, then the finaliser. Used for stream seeds, and by workloads whose
 * specification names this generator (bench/flows.c).
 */
uint64_t mn_rng_splitmix64(uint64_t *state);

/* The per-stream seed (exposed so results can record it). */
uint64_t mn_rng_stream_seed(uint64_t run_seed, const char *name);

/*
 * Creates the stream `name` of run `run_seed`. algo is a GSL generator name
 * ("taus2", "mt19937", "ranlxd2", ...) or NULL for taus2. Free with
 * mn_rng_destroy.
 */
int mn_rng_create(uint64_t run_seed, const char *name, const char *algo, mn_rng **out, mn_err *err);
void mn_rng_destroy(mn_rng *r);

/*
 * The taus2 step, exactly as GSL's taus.c (L'Ecuyer, "Tables of maximally
 * equidistributed combined LFSR generators", Math. Comp. 68, 1999), on
 * GSL's own state: the same numbers as gsl_rng_get without an indirect call
 * per draw. mn_rng_create checks, for every taus2 stream, that this step and
 * GSL agree on the state it was given, and leaves taus NULL (every draw
 * through GSL) if they do not, so a GSL with another state layout is only
 * slower, never different.
 */
#define MN__TAUS(s, a, b, c, d) \
    ((((s) & (c)) << (d)) & 0xffffffffUL) ^ (((((s) << (a)) & 0xffffffffUL) ^ (s)) >> (b))
static inline uint32_t mn__taus_next(unsigned long *s)
{
    s[0] = MN__TAUS(s[0], 13, 19, 4294967294UL, 12);
    s[1] = MN__TAUS(s[1], 2, 25, 4294967288UL, 4);
    s[2] = MN__TAUS(s[2], 3, 11, 4294967280UL, 17);
    return (uint32_t)(s[0] ^ s[1] ^ s[2]);
}

/* The generator's next word (taus2: 32 uniform bits). */
static inline unsigned long mn_rng_get(mn_rng *r)
{
    return r->taus ? mn__taus_next(r->taus) : gsl_rng_get(r->g);
}

/* Distributions. Parameters are as in the formulas beside each. */
static inline double mn_rng_uniform(mn_rng *r) /* [0, 1) */
{
    return r->taus ? mn__taus_next(r->taus) / 4294967296.0 : gsl_rng_uniform(r->g);
}
double mn_rng_uniform_range(mn_rng *r, double lo, double hi); /* [lo, hi) */
/*
 * Uniform integer in [0, n), n in [1, 2^32], unbiased: exactly GSL's
 * gsl_rng_uniform_int (scale = (2^32-1) / n, k = word / scale, rejected while
 * k >= n), so the same numbers. For a taus2 stream the quotient is taken
 * without a division when n is the previous call's bound: with
 * c = ceil(2^64 / scale), floor(word * c / 2^64) = floor(word / scale) for
 * every 32-bit word and scale in [2, 2^32) (Lemire, Kaser and Kurz 2019,
 * "Faster remainder by direct computation"; the error word * (c - 2^64 /
 * scale) / 2^64 is below 2^-32 <= 1 / scale), one multiplication in place of
 * two dependent divisions. Lemire's multiply-and-reject (2019) would draw
 * other numbers, and measured no faster inside PHOLD (docs/engine.md).
 */
static inline uint64_t mn__rng_div_magic(uint32_t scale) /* scale >= 1; 0 for 1 */
{
    return scale > 1 ? UINT64_MAX / scale + 1 : 0;
}
static inline uint32_t mn__rng_div(uint32_t w, uint64_t magic) /* w / scale, exactly */
{
    return magic ? (uint32_t)(((unsigned __int128)w * magic) >> 64) : w;
}
uint64_t mn__rng_uniform_int_slow(mn_rng *r, uint64_t n);
static inline uint64_t mn_rng_uniform_int(mn_rng *r, uint64_t n)
{
    if (__builtin_expect(r->taus != NULL && n == r->div_n, 1)) {
        uint32_t k;
        do
            k = mn__rng_div(mn__taus_next(r->taus), r->div_magic);
        while (k >= n);
        return k;
    }
    return mn__rng_uniform_int_slow(r, n);
}

/*
 * Exponential, mean mu, variance mu^2: a 256-layer ziggurat (rng.c). The
 * common case (98.9% of draws: a layer, a 32-bit word below the layer's
 * edge, one multiplication) is inline; the rest, and streams whose
 * generator is not stepped inline, continue in mn__rng_exp_slow with the
 * same word and layer, so the numbers are those of the whole method in one
 * place (the same as before the split).
 */
extern uint32_t mn__zig_ke[256];
extern double mn__zig_we[256];
double mn__rng_exp_slow(mn_rng *r, uint32_t j, unsigned i); /* Exp(1), given j and i */
double mn__rng_exp_any(mn_rng *r);                          /* Exp(1), any generator */
static inline double mn_rng_exponential(mn_rng *r, double mean)
{
    if (__builtin_expect(r->taus == NULL, 0))
        return mean * mn__rng_exp_any(r);
    uint32_t j = mn__taus_next(r->taus);
    uint64_t spare = r->spare;
    if (spare < 256) /* fewer than 8 spare bits: a fresh word under the sentinel */
        spare = (uint64_t)mn__taus_next(r->taus) | 1ULL << 32;
    unsigned i = (unsigned)(spare & 0xff);
    r->spare = spare >> 8;
    if (__builtin_expect(j < mn__zig_ke[i], 1))
        return mean * (j * mn__zig_we[i]);
    return mean * mn__rng_exp_slow(r, j, i);
}
double mn_rng_normal(mn_rng *r, double mean, double sd);     /* N(mean, sd^2) */
double mn_rng_lognormal(mn_rng *r, double mu, double sigma); /* exp(N(mu, sigma^2)) */
/* Pareto type I: x >= scale, P(X > x) = (scale/x)^shape. */
double mn_rng_pareto(mn_rng *r, double shape, double scale);
unsigned mn_rng_poisson(mn_rng *r, double mean); /* mean = var = mean */
/* Weibull: P(X > x) = exp(-(x/scale)^shape). */
double mn_rng_weibull(mn_rng *r, double scale, double shape);

/*
 * Empirical distributions from a table.
 *   MN_EMP_DISCRETE:  n values with n weights; draws values[i] with
 *                     probability weights[i] / sum(weights).
 *   MN_EMP_HISTOGRAM: n+1 increasing bin edges in values[0..n] and n bin
 *                     weights; draws uniformly inside a bin chosen by weight.
 * Weights must be >= 0 with a positive sum.
 */
typedef enum mn_emp_kind { MN_EMP_DISCRETE, MN_EMP_HISTOGRAM } mn_emp_kind;
typedef struct mn_empirical mn_empirical;
int mn_empirical_create(mn_emp_kind kind, const double *values, const double *weights, size_t n,
                        mn_empirical **out, mn_err *err);
void mn_empirical_destroy(mn_empirical *e);
double mn_rng_empirical(mn_rng *r, const mn_empirical *e);

/*
 * A run's set of streams, created on first use by name. Owns its streams;
 * pointers returned by mn_rngset_get live until mn_rngset_destroy.
 */
typedef struct mn_rngset mn_rngset;
int mn_rngset_create(uint64_t run_seed, const char *algo, mn_rngset **out, mn_err *err);
void mn_rngset_destroy(mn_rngset *set);
/* The stream `name`, created if new; NULL with err set on failure. */
mn_rng *mn_rngset_get(mn_rngset *set, const char *name, mn_err *err);

#endif /* MN_RNG_H */
