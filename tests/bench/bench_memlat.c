/*
 * bench_memlat.c - the machine's load latency: a chase of dependent loads
 * through a random cycle of 64-byte lines, nanoseconds per load, median of
 * 3 passes.
 *
 * By working-set size (MB of lines side by side): where it jumps is the
 * cache size a random-access model sees (docs/models.md, Performance: on
 * this machine about 16 ns up to 6 MB, 30 ns at 8 MB, 110 to 180 ns from
 * 10 MB: the 1/10 city's hot state fits, the full city's does not).
 *
 * With --pages, by page count: one line in each of PAGES 4 KiB pages (its
 * place in its page varies, so the lines spread over the cache sets), in
 * small pages and then in transparent huge pages. The lines take PAGES x 64
 * bytes (2 MB for 32,768 pages: they fit the caches), so what grows is the
 * page walks, dear under this machine's nested paging and unsteady with
 * its other tenants: 1,024 pages gave 6 ns in both kinds; 32,768 pages 59
 * to 202 ns in small pages and 42 to 88 ns in huge ones over five runs in
 * one minute (session 8, with a single pass each). Which arrays ask for
 * huge pages, and why not all: core/alloc.h.
 *
 * usage: build/release/tests/bench_memlat [MB ...]   (default 1 2 4 6 8 10 16 32 64 256)
 *        build/release/tests/bench_memlat --pages [PAGES ...]   (default 1024 4096 16384 32768)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/sysinfo.h"

#define PAGE 4096ul
#define HUGE_PAGE (2ul << 20)

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

enum pages { PAGES_ANY, PAGES_SMALL, PAGES_HUGE };

/* Line i of the chase: at i x stride, moved within its stride so that the lines spread over the sets. */
static void **line_of(char *base, size_t i, size_t stride)
{
    return (void **)(base + i * stride + (i % (stride / 64)) * 64);
}

/*
 * ns per dependent load through `lines` lines `stride` bytes apart, in a
 * fresh mapping of the given kind of pages (PAGES_ANY: side by side, as
 * the allocator gives); < 0 when out of memory.
 */
static double chase(size_t lines, size_t stride, enum pages kind)
{
    if (lines < 2)
        return -1;
    size_t len = lines * stride;
    char *map = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint32_t *order = malloc(lines * sizeof *order);
    if (map == MAP_FAILED || !order) {
        if (map != MAP_FAILED)
            munmap(map, len + HUGE_PAGE);
        free(order);
        return -1;
    }
    char *base = (char *)(((uintptr_t)map + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
#if defined(MADV_HUGEPAGE) && defined(MADV_NOHUGEPAGE)
    if (kind != PAGES_ANY)
        (void)madvise(base, len, kind == PAGES_HUGE ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#endif
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
        *line_of(base, order[i], stride) = line_of(base, order[(i + 1) % lines], stride);
    enum { STEPS = 10000000 };
    double pass[3];
    void **p = line_of(base, order[0], stride);
    for (int k = 0; k < 3; k++) {
        double t0 = mn_sys_monotonic_s();
        for (long i = 0; i < STEPS; i++)
            p = (void **)*p;
        __asm__ __volatile__("" : : "r"(p) : "memory"); /* the chase is done before the clock is read */
        pass[k] = (mn_sys_monotonic_s() - t0) / STEPS * 1e9;
    }
    qsort(pass, 3, sizeof pass[0], cmp_double);
    munmap(map, len + HUGE_PAGE);
    free(order);
    return pass[1];
}

/* s as a whole number in [lo, hi]; 0 if it is not one. */
static unsigned long count_arg(const char *s, unsigned long lo, unsigned long hi)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    return *end || v < lo || v > hi ? 0 : v;
}

int main(int argc, char **argv)
{
    int pages = argc > 1 && strcmp(argv[1], "--pages") == 0;
    int first = 1 + pages;
    static const unsigned long sizes[] = {1, 2, 4, 6, 8, 10, 16, 32, 64, 256},
                               page_counts[] = {1024, 4096, 16384, 32768};
    size_t n = argc > first ? (size_t)(argc - first)
               : pages      ? sizeof page_counts / sizeof *page_counts
                            : sizeof sizes / sizeof *sizes;
    if (pages)
        printf("%8s %10s %10s %14s %14s\n", "pages", "span MB", "lines MB", "small ns/load", "huge ns/load");
    else
        printf("%8s %10s\n", "MB", "ns/load");
    for (size_t i = 0; i < n; i++) {
        unsigned long v = argc <= first ? (pages ? page_counts : sizes)[i]
                          : pages       ? count_arg(argv[first + i], 2, 1ul << 22)
                                        : count_arg(argv[first + i], 1, 65536);
        if (!v) {
            fprintf(stderr, "bench_memlat: '%s' is not a %s\n", argv[first + i],
                    pages ? "page count (2 to 4194304)" : "size in MB (1 to 65536)");
            return 2;
        }
        if (pages) {
            double small = chase(v, PAGE, PAGES_SMALL), huge = chase(v, PAGE, PAGES_HUGE);
            if (small < 0 || huge < 0) {
                fprintf(stderr, "bench_memlat: cannot map %lu pages\n", v);
                return 1;
            }
            printf("%8lu %10.1f %10.2f %14.1f %14.1f\n", v, (double)v * PAGE / 1e6, (double)v * 64 / 1e6,
                   small, huge);
        } else {
            double ns = chase(v * 1024 * 1024 / 64, 64, PAGES_ANY);
            if (ns < 0) {
                fprintf(stderr, "bench_memlat: out of memory for %lu MB\n", v);
                return 1;
            }
            printf("%8lu %10.1f\n", v, ns);
        }
    }
    return 0;
}
