/*
 * evq.h - future event list backends of the engine, registered by name.
 *
 * Owns:      each backend owns its entry storage (grown with mn_realloc).
 * Borrows:   nothing; entries are plain values (time, seq, pool slot).
 * Invariant: mn_evq_ops.pop returns entries in (t, seq) order; seq is unique
 *            per engine and increases with scheduling, so equal times pop in
 *            the order they were scheduled.
 *
 * Entries carry the handler and its context, so running an event reads
 * nothing but the entry. The engine cancels lazily: a cancelled event's entry
 * stays queued and is recognised as stale when popped (its seq no longer
 * matches its pool slot), and the engine compacts the queue with `retain`
 * when stale entries outnumber live ones. Backends therefore need no handles
 * into their storage, which keeps the hot path free of back-pointer writes.
 */
#ifndef MN_EVQ_H
#define MN_EVQ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "time.h"

/* A handler as the queue stores it; the engine casts back before calling. */
typedef void (*mn_evq_fn)(void);

typedef struct mn_evq_entry {
    mn_time t;    /* when the event fires; never negative */
    uint64_t seq; /* scheduling order, unique per engine, >= 1 */
    mn_evq_fn fn; /* the handler, or NULL for a cancellable event (see engine.c) */
    void *ctx;    /* the handler's context, or the pool slot of a cancellable event */
} mn_evq_entry;

/*
 * (t, seq) order as one unsigned 128-bit comparison: t >= 0 always (the
 * engine starts at 0 and refuses the past), so the pair compares like
 * t * 2^64 + seq. This compiles to a compare and a subtract-with-borrow, with
 * no data-dependent branch for the heap's min-of-children loop to mispredict.
 */
typedef unsigned __int128 mn_evq_key;

static inline mn_evq_key mn_evq_key_of(const mn_evq_entry *e)
{
    return ((mn_evq_key)(uint64_t)e->t << 64) | e->seq;
}

/*
 * Field-by-field copy. A struct assignment compiles to 16-byte loads, which
 * cannot be forwarded from the four 8-byte stores that just built the entry
 * on the caller's stack: each such copy stalled about 12 cycles on the push
 * path (perf annotate, docs/engine.md).
 */
static inline void mn_evq_copy(mn_evq_entry *dst, const mn_evq_entry *src)
{
    dst->t = src->t;
    dst->seq = src->seq;
    dst->fn = src->fn;
    dst->ctx = src->ctx;
}

static inline int mn_evq_less(const mn_evq_entry *a, const mn_evq_entry *b)
{
    return mn_evq_key_of(a) < mn_evq_key_of(b);
}

/* Predicate for retain: nonzero keeps the entry. */
typedef int (*mn_evq_keep_fn)(const mn_evq_entry *e, void *ctx);

struct mn_evq_ops {
    const char *name;    /* the word used on the command line and in scenarios */
    const char *summary; /* one line for `mnetsim help queues` */
    /* Allocates the backend's state in *state; capacity is a hint (0 = default). */
    int (*create)(void **state, size_t capacity, mn_err *err);
    void (*destroy)(void *state); /* NULL is accepted */
    /* Adds e; MN_ENOMEM leaves the queue unchanged. */
    int (*push)(void *state, const mn_evq_entry *e);
    /* Smallest entry, or NULL when empty; valid until the next push/pop. */
    const mn_evq_entry *(*peek)(void *state);
    /* Removes the smallest entry into *out; returns 0, or 1 when empty. */
    int (*pop)(void *state, mn_evq_entry *out);
    size_t (*size)(const void *state);
    /* Drops every entry for which keep() is 0, in O(n). */
    void (*retain)(void *state, mn_evq_keep_fn keep, void *ctx);
    /* Bytes of storage held (for memory reports). */
    size_t (*bytes)(const void *state);
};

/* The backend used when none is named. */
const struct mn_evq_ops *mn_evq_default(void);

/*
 * Backend by name; NULL with an MN_ENOTFOUND error listing valid names.
 */
const struct mn_evq_ops *mn_evq_lookup(const char *name, mn_err *err);

/* Registered backends, for listing and contract tests. */
size_t mn_evq_count(void);
const struct mn_evq_ops *mn_evq_at(size_t index);

#endif /* MN_EVQ_H */
