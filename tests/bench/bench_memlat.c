/*
 * bench_memlat.c - the machine's load latency by working-set size: a chase
 * of dependent loads through a random cyclic permutation of 64-byte lines,
 * nanoseconds per load, median of 3 passes. Where it jumps is the cache
 * size a random-access model sees (docs/models.md, Performance: on this
 * machine about 16 ns up to 6 MB, 30 ns at 8 MB, 110 to 180 ns from 10 MB:
 * the 1/10 city's hot state fits, the full city's does not).
 *
 * usage: build/release/tests/bench_memlat [MB ...]   (default 1 2 4 6 8 10 16 32 64 256)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/alloc.h"
#include "core/sysinfo.h"

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ns per dependent load over `mb` MB of lines; < 0 when out of memory */
static double chase(size_t mb)
{
    size_t lines = mb * 1024 * 1024 / 64;
    if (lines < 2)
        return -1;
    void **mem = mn_alloc(lines * 64);
    uint32_t *order = mn_alloc(lines * sizeof *order);
    if (!mem || !order) {
        mn_free(mem);
        mn_free(order);
        return -1;
    }
    uint64_t seed = 88172645463325252ULL;
    for (size_t i = 0; i < lines; i++)
        order[i] = (uint32_t)i;
    for (size_t i = lines - 1; i > 0; i--) { /* Fisher-Yates: one cycle through every line */
        size_t j = (size_t)(xorshift(&seed) % (i + 1));
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < lines; i++)
        mem[(size_t)order[i] * 8] = &mem[(size_t)order[(i + 1) % lines] * 8];
    enum { STEPS = 10000000 };
    double pass[3];
    void **p = &mem[(size_t)order[0] * 8];
    for (int k = 0; k < 3; k++) {
        double t0 = mn_sys_monotonic_s();
        for (long i = 0; i < STEPS; i++)
            p = (void **)*p;
        pass[k] = (mn_sys_monotonic_s() - t0) / STEPS * 1e9;
    }
    if (!p) /* keeps the chase from being optimised away */
        puts("");
    qsort(pass, 3, sizeof pass[0], cmp_double);
    mn_free(mem);
    mn_free(order);
    return pass[1];
}

int main(int argc, char **argv)
{
    static const size_t sizes[] = {1, 2, 4, 6, 8, 10, 16, 32, 64, 256};
    size_t n = argc > 1 ? (size_t)argc - 1 : sizeof sizes / sizeof sizes[0];
    printf("%8s %10s\n", "MB", "ns/load");
    for (size_t i = 0; i < n; i++) {
        size_t mb = sizes[i];
        if (argc > 1) {
            char *end;
            unsigned long v = strtoul(argv[i + 1], &end, 10);
            if (*end || v == 0 || v > 65536) {
                fprintf(stderr, "bench_memlat: '%s' is not a size in MB (1 to 65536)\n", argv[i + 1]);
                return 2;
            }
            mb = v;
        }
        double ns = chase(mb);
        if (ns < 0) {
            fprintf(stderr, "bench_memlat: out of memory for %zu MB\n", mb);
            return 1;
        }
        printf("%8zu %10.1f\n", mb, ns);
    }
    return 0;
}
