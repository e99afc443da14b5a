/*
 * engine.c - event pool, scheduling and the run loop; see engine.h.
 *
 * Two kinds of events. One scheduled without a handle (the common case:
 * arrivals, packet hops, PHOLD) is a queue entry holding its handler and
 * context, and running it reads nothing else. One scheduled with a handle
 * gets a pool slot holding handler, context and seq; its queue entry has
 * fn == NULL and the slot index in ctx.
 *
 * Cancellation is lazy: cancel frees the pool slot at once (seq = 0) and
 * leaves the queue entry behind; an entry whose seq differs from its slot's
 * is stale and skipped when popped. When stale entries outnumber live ones
 * (and there are more than STALE_MIN of them) the queue is compacted in O(n),
 * so the queue never holds more than about twice the live events and each
 * cancel costs O(1) amortised.
 */
#include "engine.h"

#include "alloc.h"
#include "evq_int.h"
#include "evq_radix_int.h"

#define STALE_MIN 4096
#define POOL_MIN 1024

typedef struct ev_slot {
    mn_ev_fn fn;
    union {
        void *ctx;          /* while pending */
        uint32_t next_free; /* while free: index of the next free slot */
    } u;
    uint64_t seq; /* 0 while free */
} ev_slot;

#define NO_SLOT UINT32_MAX

struct mn_engine {
    mn_time now;
    uint64_t next_seq;
    uint64_t events_run;
    int stop_requested;
    ev_slot *slots; /* owned */
    uint32_t nslots, free_head;
    size_t live, stale;
    const struct mn_evq_ops *q; /* borrowed: static registry entry */
    void *qs;                   /* owned: queue state */
    struct radix *radix;        /* qs when q is the radix backend, else NULL */
    const mn_clock *clock;      /* borrowed */
    void *user;                 /* borrowed: the model's, see mn_engine_set_user */
    mn_ev_prefetch_fn prefetch; /* NULL: prefetch the next ctx as a pointer */
};

static void link_free_slots(mn_engine *eng, uint32_t from, uint32_t to)
{
    /* Lowest index first, so a fresh engine fills the pool front to back. */
    for (uint32_t i = to; i-- > from;) {
        eng->slots[i].seq = 0;
        eng->slots[i].u.next_free = eng->free_head;
        eng->free_head = i;
    }
}

int mn_engine_create(const mn_engine_config *cfg, mn_engine **out, mn_err *err)
{
    mn_engine_config defaults = {0};
    if (!cfg)
        cfg = &defaults;
    mn_engine *eng = mn_calloc(1, sizeof *eng);
    if (!eng)
        return MN_ERR(err, MN_ENOMEM, "engine: out of memory");
    eng->next_seq = 1;
    eng->free_head = NO_SLOT;
    eng->q = cfg->queue ? cfg->queue : mn_evq_default();
    eng->clock = cfg->clock ? cfg->clock : mn_clock_virtual();
    /* The capacity hint sizes the queue; the slot pool serves only events
     * scheduled with a handle and grows on demand from POOL_MIN. */
    size_t cap = cfg->capacity > POOL_MIN ? cfg->capacity : POOL_MIN;
    eng->slots = mn_alloc(POOL_MIN * sizeof *eng->slots);
    int rc = eng->slots ? eng->q->create(&eng->qs, cap, err)
                        : MN_ERR(err, MN_ENOMEM, "engine: out of memory");
    if (rc != MN_OK) {
        mn_free(eng->slots);
        mn_free(eng);
        return rc;
    }
    eng->radix = eng->q == &mn__evq_radix ? eng->qs : NULL;
    eng->nslots = POOL_MIN;
    link_free_slots(eng, 0, eng->nslots);
    *out = eng;
    return MN_OK;
}

void mn_engine_destroy(mn_engine *eng)
{
    if (!eng)
        return;
    eng->q->destroy(eng->qs);
    mn_free(eng->slots);
    mn_free(eng);
}

mn_time mn_engine_now(const mn_engine *eng)
{
    return eng->now;
}

void mn_engine_set_user(mn_engine *eng, void *user)
{
    eng->user = user;
}

void mn_engine_set_prefetch(mn_engine *eng, mn_ev_prefetch_fn fn)
{
    eng->prefetch = fn;
}

#define LOOKAHEAD 3 /* events the model's look-ahead is shown */

/*
 * The model's look-ahead (mn_engine_set_prefetch) for the next event e1 and
 * the two after it (e2, e3: NULL if not at hand in the sorted front). An
 * event scheduled with a handle is shown through its pool slot: the slot
 * is prefetched three events ahead and read (fn and ctx, if it still
 * stands) at two and one. Out of line: without a hook (PHOLD) the loop
 * keeps its one prefetch of the next ctx.
 */
static void prefetch_shown(mn_engine *eng, const mn_evq_entry *e, int ahead)
{
    if (e->fn) {
        eng->prefetch(eng, (mn_ev_fn)e->fn, e->ctx, ahead);
        return;
    }
    const ev_slot *s = &eng->slots[(uint32_t)(uintptr_t)e->ctx];
    if (ahead == 3) { /* 24 bytes: a quarter of the slots lie across two lines */
        __builtin_prefetch(s);
        __builtin_prefetch((const char *)s + sizeof *s - 1);
    } else if (s->seq == e->seq) {
        eng->prefetch(eng, s->fn, s->u.ctx, ahead);
    }
}

static __attribute__((noinline)) void prefetch_model(mn_engine *eng, const mn_evq_entry *e1,
                                                     const mn_evq_entry *e2, const mn_evq_entry *e3)
{
    prefetch_shown(eng, e1, 1);
    if (e2)
        prefetch_shown(eng, e2, 2);
    if (e3)
        prefetch_shown(eng, e3, 3);
}

void *mn_engine_user(const mn_engine *eng)
{
    return eng->user;
}

static int grow_pool(mn_engine *eng)
{
    if (eng->nslots >= NO_SLOT / 2)
        return MN_ENOMEM;
    uint32_t n = eng->nslots * 2;
    ev_slot *grown = mn_realloc(eng->slots, (size_t)n * sizeof *grown);
    if (!grown)
        return MN_ENOMEM;
    eng->slots = grown;
    link_free_slots(eng, eng->nslots, n);
    eng->nslots = n;
    return MN_OK;
}

/*
 * Queue operations. The default backend is called through its inline hot
 * path (evq_radix_int.h); any other through its ops table. The branch always
 * goes the same way in a run, and saves three indirect calls and their frames
 * per event: 559 to 527 instructions per PHOLD event at N = 1000 (callgrind,
 * docs/engine.md).
 */
static inline __attribute__((always_inline)) int queue_push(mn_engine *eng, const mn_evq_entry *e)
{
    return eng->radix ? mn__radix_push(eng->radix, e) : eng->q->push(eng->qs, e);
}

static inline __attribute__((always_inline)) const mn_evq_entry *queue_peek(mn_engine *eng)
{
    return eng->radix ? mn__radix_peek(eng->radix) : eng->q->peek(eng->qs);
}

static inline __attribute__((always_inline)) void queue_pop(mn_engine *eng, mn_evq_entry *out)
{
    if (eng->radix)
        mn__radix_pop(eng->radix, out);
    else
        eng->q->pop(eng->qs, out);
}

static inline uint32_t slot_of(const mn_evq_entry *e)
{
    return (uint32_t)(uintptr_t)e->ctx;
}

static int keep_live(const mn_evq_entry *e, void *ctx)
{
    const mn_engine *eng = ctx;
    return e->fn != NULL || eng->slots[slot_of(e)].seq == e->seq;
}

static void compact_if_stale(mn_engine *eng)
{
    if (eng->stale > STALE_MIN && eng->stale > eng->live) {
        eng->q->retain(eng->qs, keep_live, eng);
        eng->stale = 0;
    }
}

static inline __attribute__((always_inline)) int schedule(mn_engine *eng, mn_time t, mn_ev_fn fn,
                                                           void *ctx, mn_ev_handle *handle_out)
{
    if (t < eng->now || !fn)
        return MN_EINVAL;
    mn_evq_entry e = {.t = t, .seq = eng->next_seq, .fn = (mn_evq_fn)fn, .ctx = ctx};
    if (!handle_out) {
        if (queue_push(eng, &e) != MN_OK)
            return MN_ENOMEM;
        eng->next_seq++;
        eng->live++;
        return MN_OK;
    }
    if (eng->free_head == NO_SLOT && grow_pool(eng) != MN_OK)
        return MN_ENOMEM;
    uint32_t slot = eng->free_head;
    e.fn = NULL;
    e.ctx = (void *)(uintptr_t)slot;
    if (queue_push(eng, &e) != MN_OK)
        return MN_ENOMEM;
    ev_slot *s = &eng->slots[slot];
    eng->free_head = s->u.next_free;
    s->fn = fn;
    s->u.ctx = ctx;
    s->seq = eng->next_seq++;
    eng->live++;
    handle_out->seq = e.seq;
    handle_out->slot = slot;
    return MN_OK;
}

/*
 * The out-of-line rest of mn_ev_schedule_*: events with a handle, other
 * backends, and radix pushes that need more than an append.
 */
static int schedule_slow(mn_engine *eng, mn_time t, mn_ev_fn fn, void *ctx,
                         mn_ev_handle *handle_out)
{
    return schedule(eng, t, fn, ctx, handle_out);
}

/*
 * The common case, inline: no handle, the radix queue. What is left for
 * the call is small enough that link-time optimisation inlines a model's
 * schedule call into its handler (docs/engine.md).
 */
static inline __attribute__((always_inline)) int schedule_fast(mn_engine *eng, mn_time t,
                                                                mn_ev_fn fn, void *ctx,
                                                                mn_ev_handle *handle_out)
{
    if (__builtin_expect(!handle_out && eng->radix && fn, 1)) {
        if (t < eng->now)
            return MN_EINVAL;
        int rc = mn__radix_push4(eng->radix, t, eng->next_seq, (mn_evq_fn)fn, ctx);
        if (rc != MN_OK)
            return MN_ENOMEM;
        eng->next_seq++;
        eng->live++;
        return MN_OK;
    }
    return schedule_slow(eng, t, fn, ctx, handle_out);
}

int mn_ev_schedule_at(mn_engine *eng, mn_time t, mn_ev_fn fn, void *ctx, mn_ev_handle *handle_out)
{
    return schedule_fast(eng, t, fn, ctx, handle_out);
}

/* `inline` (an external definition all the same: engine.h declares it
 * without) lets link-time optimisation inline it into a model's handler
 * under the larger limit for functions declared inline; mn_ev_schedule_at
 * is mostly called at set-up and stays a call. */
inline int mn_ev_schedule_in(mn_engine *eng, mn_time delay, mn_ev_fn fn, void *ctx,
                             mn_ev_handle *handle_out)
{
    if ((uint64_t)delay > (uint64_t)(MN_TIME_MAX - eng->now)) /* also delay < 0 */
        return MN_EINVAL;
    return schedule_fast(eng, eng->now + delay, fn, ctx, handle_out);
}

int mn_ev_is_pending(const mn_engine *eng, mn_ev_handle h)
{
    return h.seq != 0 && h.slot < eng->nslots && eng->slots[h.slot].seq == h.seq;
}

static void release_slot(mn_engine *eng, uint32_t slot)
{
    eng->slots[slot].seq = 0;
    eng->slots[slot].u.next_free = eng->free_head;
    eng->free_head = slot;
}

int mn_ev_cancel(mn_engine *eng, mn_ev_handle *h)
{
    if (!mn_ev_is_pending(eng, *h))
        return MN_ESTALE;
    release_slot(eng, h->slot);
    eng->live--;
    eng->stale++;
    *h = MN_EV_NONE;
    compact_if_stale(eng);
    return MN_OK;
}

int mn_ev_reschedule(mn_engine *eng, mn_ev_handle *h, mn_time t)
{
    if (!mn_ev_is_pending(eng, *h))
        return MN_ESTALE;
    if (t < eng->now)
        return MN_EINVAL;
    /* A new entry with a new seq; the old one becomes stale. The slot is kept. */
    mn_evq_entry e = {.t = t, .seq = eng->next_seq, .fn = NULL,
                      .ctx = (void *)(uintptr_t)h->slot};
    if (queue_push(eng, &e) != MN_OK)
        return MN_ENOMEM;
    eng->slots[h->slot].seq = eng->next_seq++;
    h->seq = e.seq;
    eng->stale++;
    compact_if_stale(eng);
    return MN_OK;
}

void mn_engine_stop(mn_engine *eng)
{
    eng->stop_requested = 1;
}

/*
 * mn_engine_run's loop for the radix queue on virtual time (the usual case):
 * the same steps as the general loop below, with the queue in a register
 * and the next entry's fields read where it lies in the front, not copied
 * out through the stack (docs/engine.md).
 */
static mn_run_end run_radix(mn_engine *eng, struct radix *r, mn_time until)
{
    for (;;) {
        if (r->head == r->nfront) {
            if (!r->n)
                return MN_RUN_EMPTY;
            mn__radix_refill_front(r);
        }
        const mn_evq_entry *top = &r->front[r->head];
        mn_time t = top->t;
        if (t > until)
            return MN_RUN_UNTIL;
        mn_ev_fn fn = (mn_ev_fn)top->fn;
        void *ctx = top->ctx;
        uint64_t seq = top->seq;
        r->head++;
        r->n--;
        if (!fn) { /* a cancellable event: its slot says whether it still stands */
            uint32_t slot = (uint32_t)(uintptr_t)ctx;
            ev_slot *s = &eng->slots[slot];
            if (s->seq != seq) {
                eng->stale--;
                continue;
            }
            fn = s->fn;
            ctx = s->u.ctx;
            release_slot(eng, slot);
        }
        eng->live--;
        eng->now = t;
        eng->events_run++;
        /* as below: start loading the next event's context, refilling the
         * front first if need be (fronts of 2 entries are common at 10^6
         * LPs and 8 events each, where that load is a cache miss) */
        if (r->head != r->nfront || (r->n && (mn__radix_refill_front(r), 1))) {
            if (__builtin_expect(eng->prefetch != NULL, 0) && r->nfront - r->head < LOOKAHEAD)
                mn__radix_top_up(r, LOOKAHEAD); /* the look-ahead needs its events sorted */
            if (__builtin_expect(eng->prefetch != NULL, 0))
                prefetch_model(eng, &r->front[r->head],
                               r->head + 1 < r->nfront ? &r->front[r->head + 1] : NULL,
                               r->head + 2 < r->nfront ? &r->front[r->head + 2] : NULL);
            else
                __builtin_prefetch(r->front[r->head].ctx);
        }
        fn(eng, ctx);
        if (eng->stop_requested)
            return MN_RUN_STOPPED;
    }
}

int mn_engine_run(mn_engine *eng, mn_time until, mn_run_end *why)
{
    const int wall = !mn_clock_is_virtual(eng->clock);
    mn_run_end end = MN_RUN_EMPTY;
    eng->stop_requested = 0;
    if (eng->radix && !wall) {
        end = run_radix(eng, eng->radix, until);
        goto out;
    }
    for (;;) {
        const mn_evq_entry *top = queue_peek(eng);
        if (!top) {
            end = MN_RUN_EMPTY;
            break;
        }
        if (top->t > until) {
            end = MN_RUN_UNTIL;
            break;
        }
        if (wall) {
            int rc = eng->clock->ops->wait_until(eng->clock->state, top->t);
            if (rc < 0)
                return rc;
            if (rc > 0) /* woken early: outside work may have queued events */
                continue;
        }
        mn_evq_entry e;
        queue_pop(eng, &e);
        mn_ev_fn fn = (mn_ev_fn)e.fn;
        void *ctx = e.ctx;
        if (!fn) { /* a cancellable event: its slot says whether it still stands */
            ev_slot *s = &eng->slots[slot_of(&e)];
            if (s->seq != e.seq) {
                eng->stale--;
                continue;
            }
            fn = s->fn;
            ctx = s->u.ctx;
            /* Free the slot before the call so the handler's next schedule reuses it hot. */
            release_slot(eng, slot_of(&e));
        }
        eng->live--;
        eng->now = e.t;
        eng->events_run++;
        /* Start loading the next event's context while this one runs: with
         * 10^6 objects, that load is a cache miss the handler would wait for. */
        const mn_evq_entry *next = queue_peek(eng);
        if (next && eng->prefetch)
            prefetch_model(eng, next, NULL, NULL);
        else if (next)
            __builtin_prefetch(next->ctx);
        fn(eng, ctx);
        if (eng->stop_requested) {
            end = MN_RUN_STOPPED;
            break;
        }
    }
out:
    if (end != MN_RUN_STOPPED && until != MN_TIME_MAX && until > eng->now)
        eng->now = until;
    if (why)
        *why = end;
    return MN_OK;
}

uint64_t mn_engine_events_run(const mn_engine *eng)
{
    return eng->events_run;
}

size_t mn_engine_pending(const mn_engine *eng)
{
    return eng->live;
}

size_t mn_engine_bytes(const mn_engine *eng)
{
    return sizeof *eng + (size_t)eng->nslots * sizeof *eng->slots + eng->q->bytes(eng->qs);
}

const struct mn_evq_ops *mn_engine_queue(const mn_engine *eng)
{
    return eng->q;
}
