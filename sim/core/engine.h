/*
 * engine.h - the discrete-event engine: pooled events, a pluggable future
 * event list, run control.
 *
 * Owns:      the pool of cancellable events (one array of slots, grown by
 *            doubling, recycled through a free list) and the queue's state.
 * Borrows:   each event's ctx pointer (never freed here) and the clock.
 * Invariant: events run in (time, seq) order; seq counts schedule calls, so
 *            equal times run in the order they were scheduled (a rescheduled
 *            event counts as scheduled when it was rescheduled). Once the pool
 *            and queue have grown to a run's peak, scheduling and running
 *            allocate nothing.
 *
 * Handles: mn_ev_schedule_* can return a handle (slot, seq); only such events
 * can be cancelled or rescheduled, and only they take a pool slot (events
 * without a handle live in the queue alone, the fast path). A handle stays
 * valid until its event runs or is cancelled; using it afterwards is reported
 * as MN_ESTALE, never acts on another event (seq numbers are never reused).
 */
#ifndef MN_ENGINE_H
#define MN_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "err.h"
#include "evq.h"
#include "time.h"

typedef struct mn_engine mn_engine;

/* An event handler: runs at its event's time; may schedule, cancel, stop. */
typedef void (*mn_ev_fn)(mn_engine *eng, void *ctx);

typedef struct mn_ev_handle {
    uint64_t seq; /* 0: no event */
    uint32_t slot;
} mn_ev_handle;

#define MN_EV_NONE ((mn_ev_handle){0, 0})

typedef struct mn_engine_config {
    const struct mn_evq_ops *queue; /* NULL: mn_evq_default() */
    size_t capacity;                /* expected pending events; 0: grow from 1024 */
    const mn_clock *clock;          /* NULL: mn_clock_virtual() */
} mn_engine_config;

/* Why mn_engine_run returned. */
typedef enum mn_run_end {
    MN_RUN_EMPTY = 0,   /* no event left */
    MN_RUN_UNTIL = 1,   /* the next event is later than `until` */
    MN_RUN_STOPPED = 2, /* a handler called mn_engine_stop */
} mn_run_end;

/* Creates an engine at time 0; cfg may be NULL. Free with mn_engine_destroy. */
int mn_engine_create(const mn_engine_config *cfg, mn_engine **out, mn_err *err);
void mn_engine_destroy(mn_engine *eng); /* NULL is a no-op; pending events are dropped */

/* Current simulated time: the time of the running event, or where run stopped. */
mn_time mn_engine_now(const mn_engine *eng);

/*
 * One pointer the model may hang on the engine (its run state), so that
 * events whose ctx is a packed number (an entity index, a generation) can
 * still reach it. Borrowed; NULL until set.
 */
void mn_engine_set_user(mn_engine *eng, void *user);
void *mn_engine_user(const mn_engine *eng);

/*
 * Before running each event the engine starts loading what the next one
 * will read: by default the memory its ctx points to (PHOLD's LPs). A model
 * whose contexts are packed indexes sets this to prefetch from them
 * instead (its users' records, say). It is called for the next event
 * (ahead 1) and, when the queue's sorted front holds them, the two after
 * (ahead 2 and 3), so that a model can load a record three events ahead,
 * what that record points to two events ahead, and what that points to one
 * event ahead. fn is the event's handler. An event scheduled with a handle
 * is shown at ahead 2 and 1 only, as its pool slot says (the engine
 * prefetches the slot at 3), and not at all once cancelled. It must only
 * read and prefetch, never change state or schedule: a record it reads may
 * be stale, and a prefetch is only a hint. NULL restores the default.
 */
typedef void (*mn_ev_prefetch_fn)(mn_engine *eng, mn_ev_fn fn, void *ctx, int ahead);
void mn_engine_set_prefetch(mn_engine *eng, mn_ev_prefetch_fn fn);

/*
 * Schedules fn(eng, ctx) at absolute time t (>= now) or after delay (>= 0).
 * handle_out may be NULL. Errors: MN_EINVAL for a time in the past,
 * MN_ENOMEM when the pool or queue cannot grow (nothing is scheduled then).
 */
int mn_ev_schedule_at(mn_engine *eng, mn_time t, mn_ev_fn fn, void *ctx, mn_ev_handle *handle_out);
int mn_ev_schedule_in(mn_engine *eng, mn_time delay, mn_ev_fn fn, void *ctx,
                      mn_ev_handle *handle_out);

/*
 * Cancels a pending event and sets *h to MN_EV_NONE. MN_ESTALE if the event
 * already ran or was cancelled (then nothing changes). O(1): the queue entry
 * is dropped lazily.
 */
int mn_ev_cancel(mn_engine *eng, mn_ev_handle *h);

/*
 * Moves a pending event to absolute time t (>= now); *h is updated to the new
 * handle. MN_ESTALE if the event is no longer pending. O(log n).
 */
int mn_ev_reschedule(mn_engine *eng, mn_ev_handle *h, mn_time t);

/* Nonzero if h names an event that has not run and was not cancelled. */
int mn_ev_is_pending(const mn_engine *eng, mn_ev_handle h);

/*
 * Runs events with time <= until (MN_TIME_MAX: until none is left or a
 * handler stops). Afterwards now = until when the run was not stopped and
 * until is finite; otherwise the time of the last event run.
 * *why (may be NULL) says why it returned. Returns MN_OK or a clock error.
 */
int mn_engine_run(mn_engine *eng, mn_time until, mn_run_end *why);

/* From a handler: finish the current event, then return from mn_engine_run. */
void mn_engine_stop(mn_engine *eng);

/* Events run so far. */
uint64_t mn_engine_events_run(const mn_engine *eng);
/* Events scheduled and neither run nor cancelled. */
size_t mn_engine_pending(const mn_engine *eng);
/* Bytes held by the pool and the queue. */
size_t mn_engine_bytes(const mn_engine *eng);
/* The queue backend in use. */
const struct mn_evq_ops *mn_engine_queue(const mn_engine *eng);

#endif /* MN_ENGINE_H */
