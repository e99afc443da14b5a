/*
 * evq_radix.c - radix heap backend of the event queue, with 256-way digits.
 *
 * Owns:      its chunk pool: every entry lives in one fixed-size chunk of a
 *            bucket's chunk list; free chunks sit on one free list.
 * Invariant: every queued key k = t * 2^64 + seq is > `last`, the key of the
 *            last minimum taken out; k sits in bucket (j, v) where j is the
 *            index of the highest byte in which k and last differ (0..15) and
 *            v is k's byte j. The minimum, once found, waits in `front`.
 *
 * Why: the engine never schedules before `now`, so keys only grow (a monotone
 * priority queue; Ahuja, Mehlhorn, Orlin and Tarjan 1990, with the multi-level
 * buckets of Cherkassky, Goldberg and Silverstein 1999). Push appends to the
 * tail chunk of its bucket. Pop, when `front` is empty, takes the lowest
 * non-empty bucket of the lowest non-empty level (found with bit scans), scans
 * it for its minimum (which becomes `last` and goes to `front`) and re-appends
 * its other entries, which all land on lower levels. An entry therefore moves
 * at most once per level it descends through: in PHOLD, where an event is
 * about 2^30 ns ahead of `now` and events are 2^10..2^20 ns apart, that is
 * 2 or 3 moves, each a sequential copy the hardware prefetches, where a heap
 * makes log2(n) dependent random accesses per pop. docs/engine.md has the
 * measurements that made this the default.
 *
 * Example (two 8-bit digits for brevity): last = 0x12_34. Pushing 0x12_40
 * differs first in byte 0 -> bucket (0, 0x40); pushing 0x15_00 differs in
 * byte 1 -> bucket (1, 0x15). Pop: level 0 is the lowest non-empty; its
 * bucket 0x40 holds the minimum 0x12_40, which becomes last and is returned.
 *
 * Keys below `last` are still accepted (a real-time clock may schedule at
 * "now" after a peek found a later minimum): every entry is then re-bucketed
 * relative to the new key, in O(n); the engine does this only in emulation.
 */
#include <string.h>

#include "alloc.h"
#include "evq.h"
#include "evq_int.h"

#define LEVELS 16                   /* bytes of a 128-bit key */
#define WAYS 256                    /* values of a byte */
#define NB (LEVELS * WAYS)          /* buckets */
#define CHUNK_ENTRIES 15
#define NIL UINT32_MAX

typedef struct chunk {
    uint32_t next; /* next chunk of the same bucket, or of the free list */
    uint32_t n;    /* entries used */
    uint64_t pad[3];
    mn_evq_entry e[CHUNK_ENTRIES];
} chunk;

typedef struct bucket {
    uint32_t head, tail; /* chunk indexes; NIL when empty */
} bucket;

struct radix {
    mn_evq_key last;
    int has_front;
    mn_evq_entry front;        /* the minimum, found and waiting to be popped */
    size_t n;                  /* entries, front included */
    uint16_t level_mask;       /* bit j: level j has a non-empty bucket */
    uint64_t used[LEVELS][4];  /* bit v of level j: bucket (j, v) is non-empty */
    bucket b[LEVELS][WAYS];
    chunk *chunks;             /* owned: the chunk pool */
    uint32_t nchunks, free_chunk;
    int min_valid;             /* peek cache, when front is empty */
    mn_evq_entry min;
};

static inline unsigned level_of(mn_evq_key x) /* x = k ^ last, nonzero */
{
    uint64_t hi = (uint64_t)(x >> 64);
    unsigned bit = hi ? 64 + 63 - (unsigned)__builtin_clzll(hi)
                      : 63 - (unsigned)__builtin_clzll((uint64_t)x);
    return bit / 8;
}

static inline unsigned digit(mn_evq_key k, unsigned level)
{
    return (unsigned)(k >> (8 * level)) & 0xff;
}

static int grow_chunks(struct radix *r)
{
    uint32_t n = r->nchunks ? r->nchunks * 2 : 64;
    if (n > NIL / 2)
        return MN_ENOMEM;
    chunk *grown = mn_realloc(r->chunks, (size_t)n * sizeof *grown);
    if (!grown)
        return MN_ENOMEM;
    r->chunks = grown;
    for (uint32_t i = n; i-- > r->nchunks;) {
        grown[i].next = r->free_chunk;
        r->free_chunk = i;
    }
    r->nchunks = n;
    return MN_OK;
}

/*
 * Chunks needed to hold n entries at any moment: full chunks, one partial
 * chunk per non-empty bucket, and as many again while rebucket_all re-appends
 * everything before releasing the old chunks.
 */
static int reserve(struct radix *r, size_t n)
{
    size_t partial = n < NB ? n : NB;
    size_t need = n / CHUNK_ENTRIES + 2 * partial + 2;
    while (r->nchunks < need)
        if (grow_chunks(r) != MN_OK)
            return MN_ENOMEM;
    return MN_OK;
}

/* Never allocates: reserve() keeps the free list long enough (see above). */
static inline void append(struct radix *r, unsigned j, unsigned v, const mn_evq_entry *e)
{
    bucket *b = &r->b[j][v];
    chunk *t;
    if (b->tail == NIL) {
        uint32_t c = r->free_chunk;
        t = &r->chunks[c];
        r->free_chunk = t->next;
        t->next = NIL;
        t->n = 0;
        b->head = b->tail = c;
        r->used[j][v / 64] |= 1ULL << (v % 64);
        r->level_mask |= (uint16_t)(1u << j);
    } else {
        t = &r->chunks[b->tail];
        if (t->n == CHUNK_ENTRIES) {
            uint32_t c = r->free_chunk;
            chunk *fresh = &r->chunks[c];
            r->free_chunk = fresh->next;
            fresh->next = NIL;
            fresh->n = 0;
            t->next = c;
            b->tail = c;
            t = fresh;
        }
    }
    t->e[t->n++] = *e;
}

/* Places e relative to r->last: in front if it is the minimum, else in its bucket. */
static inline void place(struct radix *r, const mn_evq_entry *e)
{
    mn_evq_key x = mn_evq_key_of(e) ^ r->last;
    if (x == 0) {
        r->front = *e;
        r->has_front = 1;
        return;
    }
    unsigned j = level_of(x);
    append(r, j, digit(mn_evq_key_of(e), j), e);
}

/* Unlinks bucket (j, v) and returns its first chunk. */
static uint32_t detach(struct radix *r, unsigned j, unsigned v)
{
    bucket *b = &r->b[j][v];
    uint32_t c = b->head;
    b->head = b->tail = NIL;
    r->used[j][v / 64] &= ~(1ULL << (v % 64));
    if (!(r->used[j][0] | r->used[j][1] | r->used[j][2] | r->used[j][3]))
        r->level_mask &= (uint16_t)~(1u << j);
    return c;
}

/* Re-places every entry of a detached chunk chain for which keep() holds, releasing chunks. */
static void replace_chain(struct radix *r, uint32_t c, mn_evq_keep_fn keep, void *ctx)
{
    while (c != NIL) {
        chunk *ch = &r->chunks[c];
        for (uint32_t k = 0; k < ch->n; k++) {
            if (keep && !keep(&ch->e[k], ctx)) {
                r->n--;
                continue;
            }
            place(r, &ch->e[k]);
        }
        uint32_t next = ch->next;
        ch->next = r->free_chunk;
        r->free_chunk = c;
        c = next;
    }
}

/* The lowest non-empty bucket; call only when one exists (n > 0, no front). */
static void lowest_bucket(const struct radix *r, unsigned *j_out, unsigned *v_out)
{
    unsigned j = r->level_mask ? (unsigned)__builtin_ctz(r->level_mask) : 0;
    unsigned w = 0;
    while (w < 3 && !r->used[j][w])
        w++;
    *j_out = j;
    *v_out = w * 64 + (r->used[j][w] ? (unsigned)__builtin_ctzll(r->used[j][w]) : 0);
}

static const mn_evq_entry *bucket_min(const struct radix *r, unsigned j, unsigned v)
{
    const mn_evq_entry *best = NULL;
    mn_evq_key kb = 0;
    for (uint32_t c = r->b[j][v].head; c != NIL; c = r->chunks[c].next) {
        const chunk *ch = &r->chunks[c];
        for (uint32_t k = 0; k < ch->n; k++) {
            mn_evq_key kc = mn_evq_key_of(&ch->e[k]);
            if (!best || kc < kb) {
                best = &ch->e[k];
                kb = kc;
            }
        }
    }
    return best;
}

static int create(void **state, size_t capacity, mn_err *err)
{
    struct radix *r = mn_calloc(1, sizeof *r);
    if (!r)
        return MN_ERR(err, MN_ENOMEM, "event queue: out of memory");
    for (unsigned j = 0; j < LEVELS; j++)
        for (unsigned v = 0; v < WAYS; v++)
            r->b[j][v].head = r->b[j][v].tail = NIL;
    r->free_chunk = NIL;
    if (reserve(r, capacity) != MN_OK) {
        mn_free(r->chunks);
        mn_free(r);
        return MN_ERR(err, MN_ENOMEM, "event queue: out of memory for %zu entries", capacity);
    }
    *state = r;
    return MN_OK;
}

static void destroy(void *state)
{
    struct radix *r = state;
    if (!r)
        return;
    mn_free(r->chunks);
    mn_free(r);
}

/* Re-buckets everything relative to a new `last` below the current one. */
static void rebucket_all(struct radix *r, mn_evq_key new_last)
{
    uint32_t chain = NIL, chain_tail = NIL;
    for (unsigned j = 0; j < LEVELS; j++)
        for (unsigned v = 0; v < WAYS; v++)
            if (r->b[j][v].head != NIL) {
                uint32_t tail = r->b[j][v].tail;
                uint32_t c = detach(r, j, v);
                if (chain == NIL)
                    chain = c;
                else
                    r->chunks[chain_tail].next = c;
                chain_tail = tail;
            }
    r->last = new_last;
    if (r->has_front) {
        r->has_front = 0;
        mn_evq_entry f = r->front;
        place(r, &f);
    }
    replace_chain(r, chain, NULL, NULL);
}

static int push(void *state, const mn_evq_entry *e)
{
    struct radix *r = state;
    if (reserve(r, r->n + 1) != MN_OK)
        return MN_ENOMEM;
    mn_evq_key k = mn_evq_key_of(e);
    if (k <= r->last && r->n)
        rebucket_all(r, k);
    else if (!r->n)
        r->last = k; /* empty: any key may start a new epoch */
    place(r, e);
    r->n++;
    if (r->min_valid && k < mn_evq_key_of(&r->min))
        r->min = *e;
    return MN_OK;
}

static const mn_evq_entry *peek(void *state)
{
    struct radix *r = state;
    if (!r->n)
        return NULL;
    if (r->has_front)
        return &r->front;
    if (!r->min_valid) {
        unsigned j = 0, v = 0;
        lowest_bucket(r, &j, &v);
        r->min = *bucket_min(r, j, v);
        r->min_valid = 1;
    }
    return &r->min;
}

static int pop(void *state, mn_evq_entry *out)
{
    struct radix *r = state;
    if (!r->n)
        return 1;
    if (!r->has_front) {
        unsigned j = 0, v = 0;
        lowest_bucket(r, &j, &v);
        r->last = mn_evq_key_of(bucket_min(r, j, v));
        replace_chain(r, detach(r, j, v), NULL, NULL);
    }
    *out = r->front;
    r->has_front = 0;
    r->n--;
    r->min_valid = 0;
    return 0;
}

static size_t size(const void *state)
{
    return ((const struct radix *)state)->n;
}

static void retain(void *state, mn_evq_keep_fn keep, void *ctx)
{
    struct radix *r = state;
    if (r->has_front && !keep(&r->front, ctx)) {
        r->has_front = 0;
        r->n--;
    }
    /* relative to an unchanged `last`, a kept entry returns to its own bucket */
    for (unsigned j = 0; j < LEVELS; j++)
        for (unsigned v = 0; v < WAYS; v++)
            if (r->b[j][v].head != NIL)
                replace_chain(r, detach(r, j, v), keep, ctx);
    r->min_valid = 0;
}

static size_t bytes(const void *state)
{
    const struct radix *r = state;
    return sizeof *r + (size_t)r->nchunks * sizeof(chunk);
}

const struct mn_evq_ops mn__evq_radix = {
    .name = "radix",
    .summary = "radix heap with 256-way digits: appends and sequential scans, 2-3 moves per event",
    .create = create,
    .destroy = destroy,
    .push = push,
    .peek = peek,
    .pop = pop,
    .size = size,
    .retain = retain,
    .bytes = bytes,
};
