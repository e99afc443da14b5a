/*
 * evq_radix_int.h - the radix-heap backend's state and hot path, inline so
 * the engine can call its default queue without an indirect call per
 * operation (engine.c). Private to sim/core; the algorithm and its invariant
 * are described at the top of evq_radix.c.
 */
#ifndef MN_EVQ_RADIX_INT_H
#define MN_EVQ_RADIX_INT_H

#include "evq.h"

#define LEVELS 16          /* bytes of a 128-bit key */
#define WAYS 256           /* values of a byte */
#define NB (LEVELS * WAYS) /* buckets */
#define CHUNK_ENTRIES 15   /* 15 entries * 32 B + 32 B header = 512 B */
/*
 * A bucket this small becomes the front. 512, not 128: at the full city's 74
 * events a simulated second a level-12 bucket (4.3 s) holds about 318, and
 * at 128 each was spread over level 11 first (about one event per 16.8 ms
 * bucket, a chunk each), a level the 1/10 city (about 32 per bucket) never
 * paid for. The pushes that land inside such a front stay cheap:
 * mn__radix_front_insert moves the entries on the near side of the new one
 * (a transfer's end a few ms ahead: a few). Instructions (cachegrind): the
 * full city 29.16 G -> 28.52 G, its 1/10 2.877 G -> 2.858 G, PHOLD at
 * N = 10^6, E = 8 4.61 G -> 3.54 G, at N = 1000 307.0 M -> 307.8 M
 * (docs/engine.md).
 */
#define FRONT_MAX 512
#define NO_LEVEL 0xff      /* front_level: the front is not one level's buckets */
#define SPILL 1024         /* a front longer than this goes back to buckets (>= FRONT_MAX) */
#define NIL UINT32_MAX
_Static_assert(SPILL >= FRONT_MAX, "the front's first reservation (SPILL + 1) holds a whole bucket");

typedef struct chunk {
    uint32_t next; /* next chunk of the same bucket, or of the free list */
    uint32_t n;    /* entries used */
    uint64_t pad[3];
    mn_evq_entry e[CHUNK_ENTRIES];
} chunk;

/*
 * tail_n is the tail chunk's count, kept here instead: a push reads only
 * the bucket (the 64 KB array stays in cache) and writes its entry into
 * the chunk, where reading (and writing) the chunk's own count was a miss
 * at every push when pending events spread over more chunks than the
 * caches hold (a city's 400,000). A chunk's own n is exact once it is no
 * longer a tail (CHUNK_ENTRIES: only full chunks get a successor) and is
 * set for the tail when its bucket is detached (detach).
 */
typedef struct bucket {
    uint32_t head, tail; /* chunk indexes; NIL when empty */
    uint32_t n;          /* entries */
    uint32_t tail_n;     /* entries in the tail chunk (its n) */
} bucket;

struct radix {
    mn_evq_key last, bound;
    mn_evq_entry *front;      /* owned: sorted entries with keys < bound */
    size_t head, nfront, front_cap; /* live part: front[head .. nfront) */
    size_t n;                 /* entries, front included */
    size_t room;              /* entries the chunk pool can take without growing */
    uint8_t front_level;      /* the front holds buckets (front_level, .. front_v] dumped whole, or NO_LEVEL */
    uint16_t front_v;
    uint16_t level_mask;      /* bit j: level j has a non-empty bucket */
    uint64_t used[LEVELS][4]; /* bit v of level j: bucket (j, v) is non-empty */
    bucket b[LEVELS][WAYS];
    chunk *chunks;            /* owned: the chunk pool */
    uint32_t nchunks;         /* allocated */
    uint32_t fresh;           /* chunks [fresh, nchunks) were never used (never touched) */
    uint32_t free_chunk;      /* released chunks, most recent first */
    uint32_t chain_tail, chain_tail_n; /* the detached chain being read: its last chunk, whose own
                                          count was never written, and that count (detach) */
};

int mn__radix_reserve(struct radix *r, size_t n);
int mn__radix_push_front(struct radix *r, const mn_evq_entry *e);
void mn__radix_front_insert(struct radix *r, const mn_evq_entry *e);
void mn__radix_refill_front(struct radix *r);
void mn__radix_top_up(struct radix *r, size_t want);

static inline unsigned level_of(mn_evq_key x) /* x = k ^ last, nonzero */
{
    uint64_t hi = (uint64_t)(x >> 64);
    unsigned bit = hi ? 64 + 63 - (unsigned)__builtin_clzll(hi)
                      : 63 - (unsigned)__builtin_clzll((uint64_t)x);
    return bit / 8;
}

void mn__radix_append_new_chunk(struct radix *r, unsigned j, unsigned v, const mn_evq_entry *e);

/*
 * Appends e to bucket (j, v). Never allocates: reserve() keeps enough chunks.
 * Taking a new chunk is out of line, so the common case inlined into the
 * engine's push stays small.
 */
static inline __attribute__((always_inline)) void append(struct radix *r, unsigned j, unsigned v,
                                                         const mn_evq_entry *e)
{
    bucket *b = &r->b[j][v];
    if (__builtin_expect(b->tail == NIL, 0) || __builtin_expect(b->tail_n == CHUNK_ENTRIES, 0)) {
        mn__radix_append_new_chunk(r, j, v, e);
        return;
    }
    chunk *t = &r->chunks[b->tail];
    mn_evq_copy(&t->e[b->tail_n++], e);
    b->n++;
}

/* Appends e (key k >= bound) to the bucket of k relative to last. */
static inline __attribute__((always_inline)) void bucket_append(struct radix *r, mn_evq_key k,
                                                                const mn_evq_entry *e)
{
    unsigned j = level_of(k ^ r->last);
    append(r, j, (unsigned)(k >> (8 * j)) & 0xff, e);
}

/* Puts e where the invariant says: the front below bound, else its bucket. */
static inline __attribute__((always_inline)) void place(struct radix *r, const mn_evq_entry *e)
{
    mn_evq_key k = mn_evq_key_of(e);
    if (k < r->bound)
        mn__radix_front_insert(r, e);
    else
        bucket_append(r, k, e);
}

static inline __attribute__((always_inline)) int mn__radix_push(struct radix *r,
                                                               const mn_evq_entry *e)
{
    if (r->n >= r->room && mn__radix_reserve(r, r->n + 1) != MN_OK)
        return MN_ENOMEM;
    mn_evq_key k = mn_evq_key_of(e);
    if (k < r->bound)
        return mn__radix_push_front(r, e);
    bucket_append(r, k, e);
    r->n++;
    return MN_OK;
}

int mn__radix_push_slow(struct radix *r, mn_time t, uint64_t seq, mn_evq_fn fn, void *ctx);

/*
 * mn__radix_push from the entry's fields, for the engine's schedule: the
 * common case (room in the pool, a key at or past bound whose bucket's tail
 * chunk has room) writes the fields straight into the chunk; everything
 * else is mn__radix_push_slow, out of line. The entry never goes through
 * the stack, and the inlined part is small enough for link-time
 * optimisation to inline the engine's schedule call into a model's handler.
 * When the time differs from `last`'s (nearly always), the byte is taken
 * from the time word alone, with no 128-bit shift.
 */
static inline __attribute__((always_inline)) int mn__radix_push4(struct radix *r, mn_time t,
                                                                uint64_t seq, mn_evq_fn fn,
                                                                void *ctx)
{
    /* t above bound's time: the key is past bound, and t differs from
     * last's time (bound > last), so the level is 8 plus t's byte */
    if (__builtin_expect((uint64_t)t > (uint64_t)(r->bound >> 64) && r->n < r->room, 1)) {
        uint64_t dt = (uint64_t)t ^ (uint64_t)(r->last >> 64);
        unsigned jt = (63 - (unsigned)__builtin_clzll(dt)) / 8; /* byte of t: level 8 + jt */
        bucket *b = &r->b[8 + jt][((uint64_t)t >> (8 * jt)) & 0xff];
        if (__builtin_expect(b->tail != NIL, 1)) {
            if (__builtin_expect(b->tail_n < CHUNK_ENTRIES, 1)) {
                mn_evq_entry *d = &r->chunks[b->tail].e[b->tail_n++];
                d->t = t;
                d->seq = seq;
                d->fn = fn;
                d->ctx = ctx;
                b->n++;
                r->n++;
                return MN_OK;
            }
        }
    }
    return mn__radix_push_slow(r, t, seq, fn, ctx);
}

static inline __attribute__((always_inline)) const mn_evq_entry *mn__radix_peek(struct radix *r)
{
    if (r->head == r->nfront) {
        if (!r->n)
            return NULL;
        mn__radix_refill_front(r);
    }
    return &r->front[r->head];
}

static inline __attribute__((always_inline)) int mn__radix_pop(struct radix *r,
                                                              mn_evq_entry *out)
{
    if (r->head == r->nfront) {
        if (!r->n)
            return 1;
        mn__radix_refill_front(r);
    }
    mn_evq_copy(out, &r->front[r->head++]);
    r->n--;
    return 0;
}

#endif /* MN_EVQ_RADIX_INT_H */
