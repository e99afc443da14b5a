/* alloc.c - counted allocation with failure injection; see alloc.h. */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* 16 bytes keep the user pointer aligned for any scalar type (max_align_t). */
#define HDR 16

static _Thread_local mn_alloc_stats stats;
static _Thread_local long fail_countdown = -1;

static int should_fail(void)
{
    if (fail_countdown < 0)
        return 0;
    if (fail_countdown == 0)
        return 1;
    fail_countdown--;
    return 0;
}

static void account(size_t added, size_t removed)
{
    stats.live_bytes = stats.live_bytes + added - removed;
    if (stats.live_bytes > stats.peak_bytes)
        stats.peak_bytes = stats.live_bytes;
}

/*
 * Big blocks read at random (city-size arrays of users, links, flows,
 * queued events) ask for transparent huge pages: with 4 KiB pages most of
 * their reads would also miss the TLB. Only those: a block written and
 * read in order (samples, logs, a scenario's lists) gains nothing from
 * them, and a huge page costs more to fault in. On this kind of virtual
 * machine, whose host takes back the guest's free 2 MiB blocks, a first
 * touch measured 0.4 GB/s in huge pages against 2 GB/s in small ones.
 * Where THP is off this is a harmless no-op; the kernel decides.
 */
#define HUGE_FROM (4u << 20)

void mn_alloc_read_at_random(void *block, size_t len)
{
#ifdef MADV_HUGEPAGE
    if (!block || len < HUGE_FROM)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), raw = (uintptr_t)block;
    uintptr_t lo = (raw + page - 1) & ~(page - 1), hi = (raw + len) & ~(page - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)block;
    (void)len;
#endif
}

void *mn_alloc(size_t size)
{
    if (size > SIZE_MAX - HDR || should_fail())
        return NULL;
    unsigned char *raw = malloc(size + HDR);
    if (!raw)
        return NULL;
    memcpy(raw, &size, sizeof size);
    stats.calls++;
    account(size, 0);
    return raw + HDR;
}

/*
 * Through calloc, not mn_alloc and a memset: a big block comes straight
 * from the kernel, already zero, and calloc knows it, so its pages are
 * touched (and zeroed, once) only when first used. A memset wrote every
 * page at once: at city scale, arrays of tens of MB zeroed twice, and the
 * unused tail of a grown array made resident for nothing.
 */
void *mn_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t bytes = count * size;
    if (bytes > SIZE_MAX - HDR || should_fail())
        return NULL;
    unsigned char *raw = calloc(1, bytes + HDR);
    if (!raw)
        return NULL;
    memcpy(raw, &bytes, sizeof bytes);
    stats.calls++;
    account(bytes, 0);
    return raw + HDR;
}

void *mn_realloc(void *ptr, size_t size)
{
    if (!ptr)
        return mn_alloc(size);
    if (size > SIZE_MAX - HDR || should_fail())
        return NULL;
    unsigned char *raw = (unsigned char *)ptr - HDR;
    size_t old;
    memcpy(&old, raw, sizeof old);
    unsigned char *grown = realloc(raw, size + HDR);
    if (!grown)
        return NULL;
    memcpy(grown, &size, sizeof size);
    stats.calls++;
    account(size, old);
    return grown + HDR;
}

void mn_free(void *ptr)
{
    if (!ptr)
        return;
    unsigned char *raw = (unsigned char *)ptr - HDR;
    size_t size;
    memcpy(&size, raw, sizeof size);
    account(0, size);
    free(raw);
}

char *mn_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = mn_alloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

int mn_array_reserve(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need) {
        if (n > SIZE_MAX / 2 / (elem ? elem : 1))
            return -1;
        n *= 2;
    }
    void *p = mn_realloc(*arr, n * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = n;
    return 0;
}

int mn_array_reserve_aligned(void **raw, void **arr, size_t *cap, size_t need, size_t elem,
                             size_t align)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : need; /* a first reservation is exact (a world's users) */
    while (n < need) {
        if (n > SIZE_MAX / 2 / (elem ? elem : 1))
            return -1;
        n *= 2;
    }
    if (elem && n > (SIZE_MAX - align) / elem)
        return -1;
    unsigned char *block = mn_calloc(1, n * elem + align);
    if (!block)
        return -1;
    mn_alloc_read_at_random(block, n * elem + align); /* arrays laid out for cache lines are */
    uintptr_t base = ((uintptr_t)block + align - 1) & ~(uintptr_t)(align - 1);
    if (*cap)
        memcpy((void *)base, *arr, *cap * elem);
    mn_free(*raw);
    *raw = block;
    *arr = (void *)base;
    *cap = n;
    return 0;
}

mn_alloc_stats mn_alloc_get_stats(void)
{
    return stats;
}

void mn_alloc_fail_after(long n)
{
    fail_countdown = n;
}
