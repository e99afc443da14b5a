/*
 * evq.h - future event list backends of the engine, registered by name.
 *
 * Owns:      each backend owns its entry storage (grown with mn_realloc).
 * Borrows:   nothing; entries are plain values (time, seq, pool slot).
 * Invariant: mn_evq_ops.pop returns entries in (t, seq) order; seq is unique
 *            per engine and increases with scheduling, so equal times pop in
 *            the order they were scheduled.
 *
 * The engine cancels lazily: a cancelled event's entry stays queued and is
 * recognised as stale when popped (its seq no longer matches its pool slot),
 * and the engine compacts the queue with `retain` when stale entries outnumber
 * live ones. Backends therefore need no handles into their storage, which
 * keeps entries small and the hot path free of back-pointer writes.
 */
#ifndef MN_EVQ_H
#define MN_EVQ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "time.h"

typedef struct mn_evq_entry {
    mn_time t;     /* when the event fires */
    uint64_t seq;  /* scheduling order, unique per engine, >= 1 */
    uint32_t slot; /* index of the event in the engine's pool */
} mn_evq_entry;

static inline int mn_evq_less(const mn_evq_entry *a, const mn_evq_entry *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
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
