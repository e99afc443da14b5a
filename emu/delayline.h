/*
 * delayline.h - link latency in user space: frames read from one end of a
 * link (a tap device in one namespace) are written to the other end (a tap
 * in the other namespace) after the link's one-way delay. This kernel has
 * no netem; this is what emulates the scenario's link and uplink latencies.
 *
 * Owns:      the two fds of every link added (tap devices; any fd that
 *            reads and writes one whole frame per call works, the unit test
 *            gives it socketpairs), one bounded FIFO per direction, the
 *            forwarding thread and its epoll, timerfd and eventfd.
 * Borrows:   nothing.
 * Invariant: a frame read from end a at time t (CLOCK_MONOTONIC) is written
 *            to end b at the first wakeup at or after t + delay, never
 *            before; a direction's frames leave in the order they came (the
 *            delay is constant, so a FIFO per direction keeps order). A
 *            frame that would take its direction's queue over the byte
 *            limit is dropped (drop-tail) and counted. The thread is the
 *            only writer of the queues and counters; other threads only
 *            read the counters (relaxed atomic loads).
 *
 * One thread for all links, independent of the libev loop (which pauses
 * while the backend re-plumbs): epoll over every fd, an eventfd to stop and
 * one timerfd (TFD_TIMER_ABSTIME, timer slack 1 ns) armed at the earliest
 * head-of-queue release time, found by scanning the queues' heads (O(links)
 * per wakeup; the heads are each FIFO's earliest frame). Per wakeup it reads
 * up to 64 frames from each readable fd, stamping each as it is read, then
 * writes every frame that is due. Shaping stays in the kernel: a tbf on a
 * tap egresses into our reader, so a link is shaped, then delayed.
 *
 * Worked example: a 20 ms link, a frame read at t = 100.000 ms is queued
 * with release 120.000 ms; the timer fires at 120.000 ms (+ the wakeup's
 * lateness, typically 10-60 us, counted in late_*), the frame is written.
 */
#ifndef MN_EMU_DELAYLINE_H
#define MN_EMU_DELAYLINE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/err.h"

/* Largest frame a queue stores (tap MTU 1500 + Ethernet header, with room to spare). */
#define MN_EMU_DL_FRAME_MAX 1600
/* Smallest frame the slot ring is sized for: limit_bytes / this + 2 slots. */
#define MN_EMU_DL_FRAME_MIN 60

/* ---- one direction's queue (exposed for the unit test) ---- */

typedef struct mn_emu_dl_slot {
    int64_t release; /* CLOCK_MONOTONIC ns */
    uint32_t off, len;
} mn_emu_dl_slot;

/*
 * A FIFO of (release time, frame): frames stored contiguously in a byte ring
 * of limit + 2 x MN_EMU_DL_FRAME_MAX bytes (a frame never wraps; the slack
 * guarantees room for a frame whenever the queued bytes are within the
 * limit), their places and times in a slot ring.
 */
typedef struct mn_emu_dl_fifo {
    uint8_t *buf; /* owned */
    size_t size;
    mn_emu_dl_slot *slot; /* owned */
    size_t nslots, head, count;
    size_t tail, res_off; /* where the next frame goes; the reserved place */
    int wrapped, res_wrap;
    size_t bytes, limit; /* queued and the most allowed */
} mn_emu_dl_fifo;

int mn_emu_dl_fifo_init(mn_emu_dl_fifo *q, size_t limit_bytes, mn_err *err);
void mn_emu_dl_fifo_fini(mn_emu_dl_fifo *q); /* safe on a zeroed fifo */
/* Room for the next frame (MN_EMU_DL_FRAME_MAX bytes); NULL when the queue is full. */
uint8_t *mn_emu_dl_fifo_reserve(mn_emu_dl_fifo *q);
/*
 * Queues the len bytes written at the reserved place, due at release.
 * MN_ERANGE (nothing queued: drop it) when they would exceed the limit.
 */
int mn_emu_dl_fifo_commit(mn_emu_dl_fifo *q, size_t len, int64_t release);
/* The oldest frame (borrowed until the next pop) with its length and release; NULL: empty. */
const uint8_t *mn_emu_dl_fifo_head(const mn_emu_dl_fifo *q, size_t *len, int64_t *release);
void mn_emu_dl_fifo_pop(mn_emu_dl_fifo *q);

/* ---- the delay line ---- */

typedef struct mn_emu_dl mn_emu_dl;

/* One direction's counters. */
typedef struct mn_emu_dl_stats {
    uint64_t frames_in;        /* read and queued */
    uint64_t forwarded, bytes; /* written to the far end */
    uint64_t dropped_full;     /* drop-tail: the queue was at its limit */
    uint64_t dropped_write;    /* the far end refused the write (e.g. it is down) */
    uint64_t max_queue_frames, max_queue_bytes;
    uint64_t late_sum_ns, late_max_ns; /* write time - release time, over forwarded frames */
} mn_emu_dl_stats;

int mn_emu_dl_create(mn_emu_dl **out, mn_err *err);
/*
 * Adds a link between fds a and b (taken: closed by mn_emu_dl_destroy, also
 * on failure), delay_ns one way, each direction's queue limited to
 * limit_bytes. label names it in reports (copied). Only before
 * mn_emu_dl_start (MN_EINVAL after). *index: its number, from 0.
 */
int mn_emu_dl_add(mn_emu_dl *d, int a, int b, int64_t delay_ns, size_t limit_bytes,
                  const char *label, size_t *index, mn_err *err);
/* Starts the forwarding thread (with every signal blocked in it). */
int mn_emu_dl_start(mn_emu_dl *d, mn_err *err);
/* Stops and joins it; frames still queued are discarded. Safe when not started. */
void mn_emu_dl_stop(mn_emu_dl *d);
/* Stops, closes every fd, frees d. NULL is a no-op. */
void mn_emu_dl_destroy(mn_emu_dl *d);

size_t mn_emu_dl_count(const mn_emu_dl *d);
const char *mn_emu_dl_label(const mn_emu_dl *d, size_t link);
int64_t mn_emu_dl_delay(const mn_emu_dl *d, size_t link);
size_t mn_emu_dl_limit(const mn_emu_dl *d, size_t link);
/* A direction's counters now: dir 0 from a to b, 1 from b to a. */
mn_emu_dl_stats mn_emu_dl_get_stats(const mn_emu_dl *d, size_t link, int dir);
/* Every direction's counters summed (the max_ and late_max fields: the largest). */
mn_emu_dl_stats mn_emu_dl_total(const mn_emu_dl *d);
/* CPU seconds the forwarding thread has used (so far, or until it stopped). */
double mn_emu_dl_cpu_s(const mn_emu_dl *d);
/* An error that stopped the thread early (its errno), else 0. */
int mn_emu_dl_thread_errno(const mn_emu_dl *d);

/*
 * Opens a tap device named name (IFF_TAP | IFF_NO_PI, non-blocking) inside
 * namespace ns: the calling thread enters it for the open and the ioctls and
 * leaves it; the fd keeps working from anywhere. The device is persistent
 * (TUNSETPERSIST): closing the fd leaves it there without a carrier, and it
 * goes with its namespace (whose deletion unregisters its devices in one
 * batch; closing a non-persistent tap costs an RCU grace period, ~20 ms, each).
 */
int mn_emu_dl_tap_open(const char *ns, const char *name, int *fd, mn_err *err);
/* Sets the carrier of end side (0: a, 1: b) of link (TUNSETCARRIER), as a veth's peer's follows. */
int mn_emu_dl_carrier(mn_emu_dl *d, size_t link, int side, int on, mn_err *err);

#endif /* MN_EMU_DELAYLINE_H */
