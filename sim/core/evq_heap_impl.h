/*
 * evq_heap_impl.h - template of an implicit d-ary min-heap backend.
 *
 * Included by evq_heap.c once per arity with HEAP_D (children per node) and
 * HEAP_ID (identifier suffix) defined. Not a public header.
 *
 * Layout: entries in one array, root at index 0, children of i at
 * D*i+1 .. D*i+D. A wider node means a shallower tree (log_D n levels) whose
 * children sit next to each other in memory, so one pop touches fewer cache
 * lines than a binary heap: that is what matters once the queue outgrows L2.
 * Pop moves the last entry into a hole that walks down from the root
 * ("hole" sift-down: one store per level instead of a swap).
 */
#define HCAT2(a, b) a##b
#define HCAT(a, b) HCAT2(a, b)
#define HFN(name) HCAT(name, HEAP_ID)

struct HFN(heap_) {
    mn_evq_entry *e; /* owned */
    size_t n, cap;
};

static int HFN(create_)(void **state, size_t capacity, mn_err *err)
{
    struct HFN(heap_) *h = mn_calloc(1, sizeof *h);
    if (!h)
        return MN_ERR(err, MN_ENOMEM, "event queue: out of memory");
    h->cap = capacity ? capacity : 1024;
    h->e = mn_alloc(h->cap * sizeof *h->e);
    if (!h->e) {
        mn_free(h);
        return MN_ERR(err, MN_ENOMEM, "event queue: out of memory for %zu entries", capacity);
    }
    *state = h;
    return MN_OK;
}

static void HFN(destroy_)(void *state)
{
    struct HFN(heap_) *h = state;
    if (!h)
        return;
    mn_free(h->e);
    mn_free(h);
}

#include "evq_dheap_sift.h"

static int HFN(push_)(void *state, const mn_evq_entry *x)
{
    struct HFN(heap_) *h = state;
    if (h->n == h->cap) {
        size_t cap = h->cap * 2;
        mn_evq_entry *grown = mn_realloc(h->e, cap * sizeof *grown);
        if (!grown)
            return MN_ENOMEM;
        h->e = grown;
        h->cap = cap;
    }
    HFN(sift_up_)(h->e, h->n++, x);
    return MN_OK;
}

static const mn_evq_entry *HFN(peek_)(void *state)
{
    struct HFN(heap_) *h = state;
    return h->n ? &h->e[0] : NULL;
}

static int HFN(pop_)(void *state, mn_evq_entry *out)
{
    struct HFN(heap_) *h = state;
    if (!h->n)
        return 1;
    *out = h->e[0];
    if (--h->n)
        HFN(sift_down_)(h->e, h->n, 0, h->e[h->n]);
    return 0;
}

static size_t HFN(size_)(const void *state)
{
    return ((const struct HFN(heap_) *)state)->n;
}

static void HFN(retain_)(void *state, mn_evq_keep_fn keep, void *ctx)
{
    struct HFN(heap_) *h = state;
    size_t kept = 0;
    for (size_t i = 0; i < h->n; i++)
        if (keep(&h->e[i], ctx))
            h->e[kept++] = h->e[i];
    h->n = kept;
    /* Floyd's bottom-up heap construction: O(n). */
    if (h->n > 1)
        for (size_t i = (h->n - 2) / HEAP_D + 1; i-- > 0;)
            HFN(sift_down_)(h->e, h->n, i, h->e[i]);
}

static size_t HFN(bytes_)(const void *state)
{
    const struct HFN(heap_) *h = state;
    return sizeof *h + h->cap * sizeof *h->e;
}

#undef HFN
#undef HCAT
#undef HCAT2
