/*
 * bench_firsttouch.c - what the first touch of fresh memory costs, in
 * small (4 KiB) pages and in transparent huge pages: a fresh anonymous
 * mapping of MB megabytes, one byte written per 4 KiB page, GB/s, for
 * PASSES mappings one after the other (each unmapped before the next).
 * On a virtual machine whose host takes back the guest's free 2 MiB
 * blocks (virtio balloon or free page reporting) a huge page is fresh host
 * memory at every first touch; small pages mostly come from the guest's
 * own recent frees. On this machine: about 2.5 GB/s in small pages, 0.45
 * in huge ones at the first pass (docs/models.md, Performance, which is
 * why only arrays read at random ask for huge pages: core/alloc.h). Later
 * passes may get back the huge pages the pass before freed, seconds ago
 * (12 GB/s here): the first is what a run's first touch of its memory
 * costs.
 *
 * usage: build/release/tests/bench_firsttouch [MB [PASSES]]   (default 128 3)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "core/sysinfo.h"

#define HUGE_PAGE (2ul << 20)

/* GB/s of a first touch of mb fresh megabytes, in huge pages or small ones; < 0 on failure. */
static double first_touch(size_t mb, int huge)
{
    size_t len = mb << 20;
    char *map = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return -1;
    char *a = (char *)(((unsigned long)map + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
#if defined(MADV_HUGEPAGE) && defined(MADV_NOHUGEPAGE)
    (void)madvise(a, len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#else
    (void)huge;
#endif
    double t0 = mn_sys_monotonic_s();
    for (size_t i = 0; i < len; i += 4096)
        a[i] = 1;
    double dt = mn_sys_monotonic_s() - t0;
    munmap(map, len + HUGE_PAGE);
    return dt > 0 ? (double)len / dt / 1e9 : 0;
}

int main(int argc, char **argv)
{
    long mb = argc > 1 ? strtol(argv[1], NULL, 10) : 128, passes = argc > 2 ? strtol(argv[2], NULL, 10) : 3;
    if (argc > 3 || mb < 1 || mb > 65536 || passes < 1 || passes > 100) {
        fprintf(stderr, "usage: bench_firsttouch [MB (1..65536) [PASSES (1..100)]]\n");
        return 2;
    }
    printf("%-6s %8s %10s\n", "pages", "MB", "GB/s");
    for (int huge = 0; huge < 2; huge++)
        for (long p = 0; p < passes; p++) {
            double rate = first_touch((size_t)mb, huge);
            if (rate < 0) {
                fprintf(stderr, "bench_firsttouch: cannot map %ld MB\n", mb);
                return 1;
            }
            printf("%-6s %8ld %10.2f\n", huge ? "huge" : "small", mb, rate);
        }
    return 0;
}
