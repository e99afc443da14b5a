/*
 * evq_radix.c - radix heap backend of the event queue: 256-way digit buckets
 * for the future, a small sorted array (the front) for the present.
 *
 * Owns:      its chunk pool (every bucketed entry lives in one fixed-size
 *            chunk of its bucket's chunk list) and the front's array.
 * Invariant: front[head .. nfront) is sorted and holds exactly the entries
 *            with key < `bound`;
 *            every other entry, with key k >= bound > `last`, sits in bucket
 *            (j, v): j is the highest byte in which k and `last` differ
 *            (0..15), v is k's byte j. Keys are k = t * 2^64 + seq.
 *
 * Why: in a discrete-event engine nearly every new event lies well after the
 * current one (a monotone priority queue; radix heaps are Ahuja, Mehlhorn,
 * Orlin and Tarjan 1990; 256-way digits as in the multi-level buckets of
 * Cherkassky, Goldberg and Silverstein 1999). Push appends to the tail chunk
 * of its bucket: no comparison, no random walk. When the front runs dry,
 * pop takes the lowest non-empty bucket of the lowest non-empty level (bit
 * scans), whose key range is [L, L + 256^j) with L = last's bytes above j,
 * v at byte j and zeros below; `last` becomes L. A bucket of at most
 * FRONT_MAX entries (or one at level 0) is sorted into the front (by the
 * next byte down; dump_to_front), with bound = L + 256^j, and pop takes
 * front[head++]; a larger one is
 * spread over lower levels, where each entry lands after one sequential
 * copy. So an event is copied about twice between push and pop whatever the
 * queue size, and the only comparison-based structure is the small sorted
 * front, which stays in L1. Pushes below bound (events due very soon) are
 * inserted in order; if that makes the front longer than SPILL entries, it is
 * spread over lower-level buckets like a large bucket. docs/engine.md has the
 * measurements that made this the default.
 *
 * Example (two 8-bit digits for brevity): last = 0x12_00, front empty.
 * Pushing 0x12_40 -> bucket (0, 0x40); pushing 0x15_07 -> bucket (1, 0x15).
 * Pop: level 0 is the lowest non-empty; its bucket 0x40 covers
 * [0x12_40, 0x12_41): it becomes the front (bound 0x12_41), and 0x12_40
 * is popped. A push of 0x12_39 now (a real-time clock scheduling "now" after
 * a peek) is below bound and is simply inserted at the head of the front.
 */
#include <string.h>

#include "alloc.h"
#include "evq.h"
#include "evq_int.h"
#include "evq_radix_int.h"

/*
 * Grows the pool to at least `want` chunks (doubling, so pushes stay O(1)
 * amortised). New chunks are not linked into the free list: append takes
 * never-used chunks by bumping `fresh`, so pages nobody wrote to stay out
 * of the resident set (the kernel maps them on first touch).
 */
static int grow_chunks(struct radix *r, size_t want)
{
    size_t n = r->nchunks ? (size_t)r->nchunks * 2 : 64;
    if (n < want)
        n = want;
    if (n > NIL / 2)
        return MN_ENOMEM;
    chunk *grown = mn_realloc(r->chunks, n * sizeof *grown);
    if (!grown)
        return MN_ENOMEM;
    mn_alloc_read_at_random(grown, n * sizeof *grown); /* buckets' chunks, taken in any order */
    r->chunks = grown;
    r->nchunks = (uint32_t)n;
    return MN_OK;
}

static size_t chunks_needed(size_t n)
{
    size_t partial = n < NB ? n : NB;
    return n / CHUNK_ENTRIES + partial + 2;
}

int mn__radix_reserve(struct radix *r, size_t n)
{
    if (r->nchunks < chunks_needed(n) && grow_chunks(r, chunks_needed(n)) != MN_OK)
        return MN_ENOMEM;
    /* the largest n the pool now covers, so push tests one number */
    size_t have = r->nchunks, room;
    if (have >= chunks_needed(NB)) {
        room = (have - NB - 2) * CHUNK_ENTRIES + CHUNK_ENTRIES - 1;
    } else {
        room = (have - 2) * CHUNK_ENTRIES / (CHUNK_ENTRIES + 1);
        while (room > 0 && chunks_needed(room) > have)
            room--;
        while (room + 1 < NB && chunks_needed(room + 1) <= have)
            room++;
    }
    r->room = room;
    return MN_OK;
}

/* Room for n live front entries; compacts the array to start at 0. */
static int reserve_front(struct radix *r, size_t n)
{
    if (r->head) {
        memmove(r->front, r->front + r->head, (r->nfront - r->head) * sizeof *r->front);
        r->nfront -= r->head;
        r->head = 0;
    }
    if (n <= r->front_cap)
        return MN_OK;
    size_t cap = r->front_cap * 2 > n ? r->front_cap * 2 : n;
    mn_evq_entry *grown = mn_realloc(r->front, cap * sizeof *grown);
    if (!grown)
        return MN_ENOMEM;
    r->front = grown;
    r->front_cap = cap;
    return MN_OK;
}

void mn__radix_append_new_chunk(struct radix *r, unsigned j, unsigned v, const mn_evq_entry *e)
{
    bucket *b = &r->b[j][v];
    uint32_t c = r->free_chunk != NIL ? r->free_chunk : r->fresh++;
    chunk *fresh = &r->chunks[c];
    if (c == r->free_chunk)
        r->free_chunk = fresh->next;
    fresh->next = NIL;
    fresh->n = 0;
    if (b->tail != NIL) {
        r->chunks[b->tail].next = c;
        r->chunks[b->tail].n = b->tail_n; /* full: its count is exact from now on */
    } else {
        b->head = c;
        r->used[j][v / 64] |= 1ULL << (v % 64);
        r->level_mask |= (uint16_t)(1u << j);
    }
    b->tail = c;
    mn_evq_copy(&fresh->e[fresh->n++], e);
    b->tail_n = 1;
    b->n++;
}

/*
 * Inserts e into the sorted front (room for one more at the end is assured
 * by the caller) from whichever end moves fewer entries:
 * one due in the front's first half (the usual push below bound, a
 * transfer's end a few ms away in a front of a whole level-12 bucket, 4.3 s)
 * moves the entries due before it one place towards the head, when there is
 * room there; others move the entries due after it one place on.
 */
void mn__radix_front_insert(struct radix *r, const mn_evq_entry *e)
{
    mn_evq_key k = mn_evq_key_of(e);
    if (r->head > 0 && r->nfront > r->head &&
        k < mn_evq_key_of(&r->front[r->head + (r->nfront - r->head) / 2])) {
        size_t i = r->head;
        while (i < r->nfront && mn_evq_key_of(&r->front[i]) < k) {
            mn_evq_copy(&r->front[i - 1], &r->front[i]);
            i++;
        }
        mn_evq_copy(&r->front[i - 1], e);
        r->head--;
        return;
    }
    size_t i = r->nfront;
    while (i > r->head && mn_evq_key_of(&r->front[i - 1]) > k) {
        mn_evq_copy(&r->front[i], &r->front[i - 1]);
        i--;
    }
    mn_evq_copy(&r->front[i], e);
    r->nfront++;
}

static inline void release_chunk(struct radix *r, uint32_t c)
{
    r->chunks[c].next = r->free_chunk;
    r->free_chunk = c;
}

/*
 * Unlinks bucket (j, v); returns its first chunk. Its last chunk's count is
 * the bucket's (tail_n), kept in chain_tail_n for the chain's readers
 * (chunk_n): writing it into the chunk was a miss at every bucket taken at
 * city scale, on a line the readers then fetch anyway.
 */
static uint32_t detach(struct radix *r, unsigned j, unsigned v)
{
    bucket *b = &r->b[j][v];
    uint32_t c = b->head;
    r->chain_tail = b->tail;
    r->chain_tail_n = b->tail_n;
    b->head = b->tail = NIL;
    b->n = b->tail_n = 0;
    r->used[j][v / 64] &= ~(1ULL << (v % 64));
    if (!(r->used[j][0] | r->used[j][1] | r->used[j][2] | r->used[j][3]))
        r->level_mask &= (uint16_t)~(1u << j);
    return c;
}

/* Entries in chunk c of the chain detach gave: the last one's count is the bucket's. */
static inline uint32_t chunk_n(const struct radix *r, uint32_t c)
{
    return c == r->chain_tail ? r->chain_tail_n : r->chunks[c].n;
}

/* Re-places the entries of a detached chain that keep() accepts; frees its chunks. */
static void replace_chain(struct radix *r, uint32_t c, mn_evq_keep_fn keep, void *ctx)
{
    while (c != NIL) {
        chunk *ch = &r->chunks[c];
        if (ch->next != NIL) { /* chunks of a bucket are scattered: fetch the next one whole */
            const char *nx = (const char *)&r->chunks[ch->next];
            for (size_t off = 0; off < sizeof(chunk); off += 64)
                __builtin_prefetch(nx + off);
        }
        uint32_t n = chunk_n(r, c);
        for (uint32_t k = 0; k < n; k++) {
            if (keep && !keep(&ch->e[k], ctx)) {
                r->n--;
                continue;
            }
            place(r, &ch->e[k]);
        }
        uint32_t next = ch->next;
        release_chunk(r, c);
        c = next;
    }
}

/*
 * Moves a detached chain of bucket (j, v) (at most FRONT_MAX entries, all
 * below bound) into the empty front, in (t, seq) order.
 *
 * Within a bucket, entries of equal time are always in seq order (a push
 * carries the largest seq yet; spreads, spills and retain copy entries in
 * order into buckets that were empty), so a stable sort on time is enough.
 * At level 8 and below all times are equal: copy in order. At level j >= 9
 * the times span 2^(8(j-8)); the next byte down, byte j - 9 of t, splits
 * that span into 256 sub-ranges, and a bucket's few entries (about 15 in
 * PHOLD at N = 1000, at most FRONT_MAX) mostly land in distinct ones. So
 * the sort is one pass of that 256-way digit: a 256-bit mask of the
 * sub-ranges in use, each with a list of its entries (kept sorted by time,
 * stably, when two share one: rare), then the mask read out lowest bit
 * first. This replaced an insertion sort of packed (time, position) keys,
 * whose shifts cost about 35 instructions per event and a mispredicted
 * loop exit per entry (callgrind, docs/engine.md). Small buckets are
 * insertion-sorted directly (DUMP_INSERT_MAX).
 */
/* Up to this many entries a plain insertion sort of the entries themselves
 * is cheaper than the digit's fixed cost (at 10^6 LPs and 8 events each,
 * dumped buckets hold about 2 entries: 541 against 497 instructions per
 * event; 8 and 16 tie there, 16 costs 8 more per event at N = 1000). */
#define DUMP_INSERT_MAX 8
#define LIST_END 0xffff
_Static_assert(FRONT_MAX < LIST_END, "dump_to_front's lists index entries in 16 bits");

static void dump_to_front(struct radix *r, unsigned j, uint32_t c, uint32_t count)
{
    mn_evq_entry *f = r->front + r->nfront; /* after the buckets dumped before it (all lower keys) */
    size_t n = 0;
    uint32_t first_chunk = c;
    if (j <= 8) {
        for (; c != NIL; c = r->chunks[c].next) {
            chunk *ch = &r->chunks[c];
            for (uint32_t k = 0, cn = chunk_n(r, c); k < cn; k++, n++)
                mn_evq_copy(&f[n], &ch->e[k]);
        }
    } else if (count <= DUMP_INSERT_MAX) {
        for (; c != NIL; c = r->chunks[c].next) {
            chunk *ch = &r->chunks[c];
            for (uint32_t k = 0, cn = chunk_n(r, c); k < cn; k++, n++) {
                const mn_evq_entry *e = &ch->e[k];
                size_t i = n;
                while (i > 0 && f[i - 1].t > e->t) { /* stable: equal times keep their order */
                    mn_evq_copy(&f[i], &f[i - 1]);
                    i--;
                }
                mn_evq_copy(&f[i], e);
            }
        }
    } else {
        const mn_evq_entry *src[FRONT_MAX];
        uint16_t head[WAYS], link[FRONT_MAX];
        uint64_t used[4] = {0, 0, 0, 0};
        unsigned shift = 8 * (j - 9);
        for (; c != NIL; c = r->chunks[c].next) {
            chunk *ch = &r->chunks[c];
            for (uint32_t k = 0, cn = chunk_n(r, c); k < cn; k++, n++) {
                const mn_evq_entry *e = &ch->e[k];
                unsigned sub = (unsigned)((uint64_t)e->t >> shift) & 0xff;
                uint64_t bit = 1ULL << (sub % 64);
                src[n] = e;
                if (__builtin_expect(!(used[sub / 64] & bit), 1)) {
                    used[sub / 64] |= bit;
                    head[sub] = (uint16_t)n;
                    link[n] = LIST_END;
                    continue;
                }
                /* after every entry of this sub-range with time <= e's: stable */
                uint16_t *at = &head[sub];
                while (*at != LIST_END && src[*at]->t <= e->t)
                    at = &link[*at];
                link[n] = *at;
                *at = (uint16_t)n;
            }
        }
        size_t out = 0;
        for (unsigned w = 0; w < 4; w++)
            for (uint64_t m = used[w]; m; m &= m - 1) {
                unsigned i = head[w * 64 + (unsigned)__builtin_ctzll(m)]; /* a list is never empty */
                do
                    mn_evq_copy(&f[out++], src[i]);
                while ((i = link[i]) != LIST_END);
            }
    }
    /* release the chunks only now: src points into them */
    while (first_chunk != NIL) {
        uint32_t next = r->chunks[first_chunk].next;
        release_chunk(r, first_chunk);
        first_chunk = next;
    }
    r->nfront += n;
}

/*
 * The next non-empty bucket of level j after v, or WAYS if none.
 */
static unsigned next_used(const struct radix *r, unsigned j, unsigned v)
{
    for (unsigned w = (v + 1) / 64, from = (v + 1) % 64; w < 4 && v + 1 < WAYS; w++, from = 0) {
        uint64_t m = from ? r->used[j][w] & (~0ULL << from) : r->used[j][w];
        if (m)
            return w * 64 + (unsigned)__builtin_ctzll(m);
    }
    return WAYS;
}

/* Dumps bucket (j, v), whole, after the front's live entries; bound moves to its end. */
static void take_bucket(struct radix *r, unsigned j, unsigned v)
{
    mn_evq_key low_mask = ((mn_evq_key)1 << (8 * j)) - 1;
    mn_evq_key span_mask = j == 15 ? ~(mn_evq_key)0 : ((mn_evq_key)1 << (8 * (j + 1))) - 1;
    mn_evq_key start = (r->last & ~span_mask) | ((mn_evq_key)v << (8 * j));
    r->bound = start + low_mask + 1;
    r->front_level = (uint8_t)j;
    r->front_v = (uint16_t)v;
    if (r->bound == 0) { /* the top bucket of level 15 ends at 2^128 */
        r->bound = ~(mn_evq_key)0;
        r->front_level = NO_LEVEL;
    }
    uint32_t count = r->b[j][v].n; /* before detach empties it */
    dump_to_front(r, j, detach(r, j, v), count);
}

/*
 * Refills the empty front from the lowest bucket, spreading large buckets
 * first. Call only when the front is empty and n > 0.
 */
void mn__radix_refill_front(struct radix *r)
{
    r->head = r->nfront = 0;
    for (;;) {
        unsigned j = (unsigned)__builtin_ctz(r->level_mask);
        unsigned w = 0;
        while (!r->used[j][w])
            w++;
        unsigned v = w * 64 + (unsigned)__builtin_ctzll(r->used[j][w]);
        mn_evq_key span_mask = j == 15 ? ~(mn_evq_key)0 : ((mn_evq_key)1 << (8 * (j + 1))) - 1;
        r->last = (r->last & ~span_mask) | ((mn_evq_key)v << (8 * j));
        if (r->b[j][v].n <= FRONT_MAX || j == 0) {
            /* the whole bucket becomes the front: keys in [last, last + 256^j) */
            take_bucket(r, j, v);
            return;
        }
        /* spread over lower levels: every key is in [last, last + 256^j); a key
         * equal to last itself differs from it in no byte, so it goes to the
         * front (bound = last + 1) */
        r->bound = r->last + 1;
        r->front_level = NO_LEVEL;
        replace_chain(r, detach(r, j, v), NULL, NULL);
        if (r->nfront)
            return;
    }
}

/*
 * While the front holds fewer than `want` live entries, appends to it the
 * next non-empty bucket of the level it was filled from, whole (within
 * FRONT_MAX). The invariant holds: the buckets skipped were empty, bound
 * moves to the end of the one taken, and every key past it still differs
 * from `last` at that level or above. The order of events is the same;
 * what changes is how far ahead the front reaches. For a look-ahead
 * (mn_engine_set_prefetch), which needs the next few events sorted: when
 * events are sparse for the bucket widths (a city's 74 events per
 * simulated second fall about one per 16.8 ms bucket of level 11), a front
 * of one bucket holds one or two.
 */
void mn__radix_top_up(struct radix *r, size_t want)
{
    while (r->front_level != NO_LEVEL && r->nfront - r->head < want) {
        unsigned j = r->front_level, v = next_used(r, j, r->front_v);
        if (v == WAYS || r->nfront - r->head + r->b[j][v].n > FRONT_MAX)
            return;
        if (r->nfront + r->b[j][v].n > r->front_cap) { /* the live part to the start: it fits */
            memmove(r->front, r->front + r->head, (r->nfront - r->head) * sizeof *r->front);
            r->nfront -= r->head;
            r->head = 0;
        }
        take_bucket(r, j, v);
    }
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
    r->front_level = NO_LEVEL;
    if (mn__radix_reserve(r, capacity) != MN_OK || reserve_front(r, SPILL + 1) != MN_OK) {
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
    mn_free(r->front);
    mn_free(r->chunks);
    mn_free(r);
}

/*
 * Sends a long front back to buckets (only when all of it is >= last, the
 * normal case; keys below last come from a real-time clock and stay).
 */
static void spill_front(struct radix *r)
{
    if (mn_evq_key_of(&r->front[r->head]) < r->last)
        return;
    size_t from = r->head, to = r->nfront;
    r->head = r->nfront = 0;
    r->bound = r->last + 1;
    r->front_level = NO_LEVEL;
    for (size_t i = from; i < to; i++) {
        mn_evq_entry e;
        mn_evq_copy(&e, &r->front[i]); /* place may write to front[0] */
        place(r, &e);
    }
}

int mn__radix_push_front(struct radix *r, const mn_evq_entry *e)
{
    if (r->nfront == r->front_cap && reserve_front(r, r->nfront - r->head + 1) != MN_OK)
        return MN_ENOMEM;
    mn__radix_front_insert(r, e);
    r->n++;
    if (r->nfront - r->head > SPILL)
        spill_front(r);
    return MN_OK;
}

int mn__radix_push_slow(struct radix *r, mn_time t, uint64_t seq, mn_evq_fn fn, void *ctx)
{
    mn_evq_entry e = {.t = t, .seq = seq, .fn = fn, .ctx = ctx};
    return mn__radix_push(r, &e);
}

static int push(void *state, const mn_evq_entry *e)
{
    return mn__radix_push(state, e);
}

static const mn_evq_entry *peek(void *state)
{
    return mn__radix_peek(state);
}

static int pop(void *state, mn_evq_entry *out)
{
    return mn__radix_pop(state, out);
}

static size_t size(const void *state)
{
    return ((const struct radix *)state)->n;
}

static void retain(void *state, mn_evq_keep_fn keep, void *ctx)
{
    struct radix *r = state;
    size_t kept = 0;
    for (size_t i = r->head; i < r->nfront; i++)
        if (keep(&r->front[i], ctx))
            r->front[kept++] = r->front[i]; /* order is kept */
    r->n -= r->nfront - r->head - kept;
    r->head = 0;
    r->nfront = kept;
    /* relative to an unchanged `last`, a kept entry returns to its own bucket */
    for (unsigned j = 0; j < LEVELS; j++)
        for (unsigned v = 0; v < WAYS; v++)
            if (r->b[j][v].head != NIL)
                replace_chain(r, detach(r, j, v), keep, ctx);
}

static size_t bytes(const void *state)
{
    const struct radix *r = state;
    return sizeof *r + (size_t)r->nchunks * sizeof(chunk) + r->front_cap * sizeof *r->front;
}

const struct mn_evq_ops mn__evq_radix = {
    .name = "radix",
    .summary = "radix heap (256-way digits) with a small sorted front: ~2 copies per event",
    .create = create,
    .destroy = destroy,
    .push = push,
    .peek = peek,
    .pop = pop,
    .size = size,
    .retain = retain,
    .bytes = bytes,
};
