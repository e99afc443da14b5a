/*
 * bench_rng.c - nanoseconds per random draw, for the choices documented in
 * docs/engine.md: GSL generator (taus2, mt19937), bounded integers (GSL's,
 * which mn_rng_uniform_int uses) and exponentials (gsl_ran_exponential,
 * -ln U, the ziggurat in mn_rng_exponential). Median of 5 passes of 10^7
 * draws each. Tight loops of independent draws: a draw's cost inside a model
 * can differ (the ziggurat loses here and wins inside PHOLD), so choices are
 * made on `mnetsim bench phold`.
 *
 * usage: build/release/tests/bench_rng
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_randist.h>

#include "core/rng.h"

#define DRAWS 10000000
#define PASSES 5

static volatile double sink;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum method { GSL_UNIFORM_INT, GSL_EXPONENTIAL, NEG_LOG_U, ZIGGURAT };
static const char *const names[] = {"gsl_rng_uniform_int(1000)",
                                    "gsl_ran_exponential", "-log(gsl_rng_uniform_pos)",
                                    "mn_rng_exponential (ziggurat)"};

static double ns_per_draw(mn_rng *r, enum method m)
{
    double passes[PASSES];
    for (int p = 0; p < PASSES; p++) {
        double acc = 0, t0 = now();
        for (int i = 0; i < DRAWS; i++) {
            switch (m) {
            case GSL_UNIFORM_INT: acc += (double)gsl_rng_uniform_int(r->g, 1000); break;
            case GSL_EXPONENTIAL: acc += gsl_ran_exponential(r->g, 1.0); break;
            case NEG_LOG_U: acc += -log(gsl_rng_uniform_pos(r->g)); break;
            case ZIGGURAT: acc += mn_rng_exponential(r, 1.0); break;
            }
        }
        passes[p] = (now() - t0) / DRAWS * 1e9;
        sink = acc;
    }
    qsort(passes, PASSES, sizeof passes[0], cmp);
    return passes[PASSES / 2];
}

int main(void)
{
    const char *algos[] = {"taus2", "mt19937"};
    printf("%-32s %10s %10s\n", "ns per draw (median of 5)", algos[0], algos[1]);
    for (int m = GSL_UNIFORM_INT; m <= ZIGGURAT; m++) {
        printf("%-32s", names[m]);
        for (int a = 0; a < 2; a++) {
            mn_rng *r;
            if (mn_rng_create(1, "bench", algos[a], &r, NULL) != MN_OK)
                return 1;
            printf(" %10.2f", ns_per_draw(r, (enum method)m));
            mn_rng_destroy(r);
        }
        printf("\n");
    }
    return 0;
}
