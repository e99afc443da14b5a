/*
 * alloc.h - the one allocation entry point of mnetsim.
 *
 * Owns:      per-thread allocation statistics and the failure-injection knob.
 * Invariant: every block from mn_alloc/mn_calloc/mn_realloc is released with
 *            mn_free; the statistics count live bytes exactly.
 *
 * Going through one function lets tests fail the Nth allocation
 * (mn_alloc_fail_after) to prove each error path cleans up, and lets runs
 * report their peak heap use. Blocks carry a 16-byte header holding the size.
 */
#ifndef MN_ALLOC_H
#define MN_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/* Returns NULL on failure (or when failure injection fires); never aborts. */
void *mn_alloc(size_t size);
void *mn_calloc(size_t count, size_t size); /* NULL also on count*size overflow */
void *mn_realloc(void *ptr, size_t size);   /* on failure ptr is left untouched */
void mn_free(void *ptr);                     /* NULL is a no-op */
char *mn_strdup(const char *s);              /* owned by the caller: mn_free */

/*
 * Grows *arr (elements of elem bytes, *cap of them) to hold at least need,
 * doubling from 64 so appends are amortised O(1). On failure *arr and *cap are
 * unchanged and MN_ENOMEM (-1) is returned; 0 on success.
 */
int mn_array_reserve(void **arr, size_t *cap, size_t need, size_t elem);

/*
 * The same for an array whose base is aligned to `align` bytes (a power of
 * two, at most 4096), so that elements sized and ordered for cache lines
 * (64 bytes) really start on one: *raw is the block to mn_free, *arr the
 * aligned base inside it. The first reservation (*cap == 0) takes exactly
 * need; later ones double like mn_array_reserve, moving the contents. New
 * elements are zeroed. On failure nothing changes and -1 is returned.
 */
int mn_array_reserve_aligned(void **raw, void **arr, size_t *cap, size_t need, size_t elem,
                             size_t align);

/*
 * Tells the kernel that a big block (from mn_alloc and friends) will be
 * read at random: it asks for transparent huge pages, so its reads miss
 * the TLB less. mn_array_reserve_aligned does it for its arrays. Nothing
 * below 4 MiB, and nothing where THP is off.
 */
void mn_alloc_read_at_random(void *block, size_t len);

typedef struct mn_alloc_stats {
    uint64_t calls;      /* successful mn_alloc/mn_calloc/mn_realloc calls */
    uint64_t live_bytes; /* currently allocated */
    uint64_t peak_bytes; /* high-water mark of live_bytes */
} mn_alloc_stats;

/* Statistics of the calling thread. */
mn_alloc_stats mn_alloc_get_stats(void);

/*
 * Failure injection for tests: the next n allocations succeed, the one after
 * fails, and so do all later ones until mn_alloc_fail_after(-1) disarms it.
 */
void mn_alloc_fail_after(long n);

#endif /* MN_ALLOC_H */
