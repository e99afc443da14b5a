/*
 * bench_pagewalk.c - what a TLB miss costs here, apart from a cache miss: a
 * chase of dependent loads through a random cycle that touches one 64-byte
 * line in each of PAGES 4 KiB pages (the line's place in its page varies,
 * so the lines spread over the cache sets), ns per load, with the mapping
 * in small pages and then in transparent huge pages. The lines themselves
 * take PAGES x 64 bytes (2 MB for 32,768 pages: they fit the caches), so
 * what grows with PAGES is the page walks. On this virtual machine (nested
 * paging, a host shared with other tenants) 1,024 pages gave 6 ns a load
 * in both; 32,768 pages 59 to 202 ns in small pages and 42 to 88 ns in
 * huge ones over five runs in one minute; and one run of 65,536 pages had
 * huge pages slower (136 against 74 ns). Run it a few times
 * (docs/models.md, Performance, session 8). Which arrays ask for huge
 * pages, and why not all: core/alloc.h.
 *
 * usage: build/release/tests/bench_pagewalk [PAGES ...]   (default 1024 4096 16384 32768)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "core/rng.h"
#include "core/sysinfo.h"

#define PAGE 4096ul
#define HUGE_PAGE (2ul << 20)
#define LOADS 20000000ul

/* The line chased in page i: one of the page's 64 lines, varied with i. */
static char *line_of(char *a, size_t i)
{
    return a + i * PAGE + (i % 64) * 64;
}

/* ns per dependent load over `pages` pages, in huge pages or small ones; < 0 on failure. */
static double chase(size_t pages, int huge)
{
    size_t len = pages * PAGE;
    char *map = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    size_t *order = malloc(pages * sizeof *order);
    if (map == MAP_FAILED || !order) {
        if (map != MAP_FAILED)
            munmap(map, len + HUGE_PAGE);
        free(order);
        return -1;
    }
    char *a = (char *)(((uintptr_t)map + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
#if defined(MADV_HUGEPAGE) && defined(MADV_NOHUGEPAGE)
    (void)madvise(a, len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#else
    (void)huge;
#endif
    uint64_t seed = 1;
    for (size_t i = 0; i < pages; i++)
        order[i] = i;
    for (size_t i = pages - 1; i > 0; i--) { /* Fisher-Yates: one random cycle through every page */
        size_t j = (size_t)(mn_rng_splitmix64(&seed) % (i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < pages; i++)
        *(char **)line_of(a, order[i]) = line_of(a, order[(i + 1) % pages]);
    char *p = line_of(a, order[0]);
    for (size_t i = 0; i < pages; i++) /* one lap to warm the caches: the lines fit them */
        p = *(char **)p;
    double t0 = mn_sys_monotonic_s();
    for (size_t i = 0; i < LOADS; i++)
        p = *(char **)p;
    __asm__ __volatile__("" : : "r"(p) : "memory"); /* the chase is done before the clock is read */
    double dt = mn_sys_monotonic_s() - t0;
    munmap(map, len + HUGE_PAGE);
    free(order);
    return dt * 1e9 / (double)LOADS;
}

int main(int argc, char **argv)
{
    static const long defaults[] = {1024, 4096, 16384, 32768};
    size_t n = argc > 1 ? (size_t)argc - 1 : sizeof defaults / sizeof *defaults;
    printf("%8s %10s %10s %14s %14s\n", "pages", "span MB", "lines MB", "small ns/load", "huge ns/load");
    for (size_t k = 0; k < n; k++) {
        long pages = argc > 1 ? strtol(argv[k + 1], NULL, 10) : defaults[k];
        if (pages < 2 || pages > (1l << 22)) {
            fprintf(stderr, "usage: bench_pagewalk [PAGES (2..4194304) ...]\n");
            return 2;
        }
        double small = chase((size_t)pages, 0), huge = chase((size_t)pages, 1);
        if (small < 0 || huge < 0) {
            fprintf(stderr, "bench_pagewalk: cannot map %ld pages\n", pages);
            return 1;
        }
        printf("%8ld %10.1f %10.2f %14.1f %14.1f\n", pages, (double)pages * PAGE / 1e6,
               (double)pages * 64 / 1e6, small, huge);
    }
    return 0;
}
