/*
 * clock_ev.h - the real-time clock for emulation, on a libev loop.
 *
 * Owns:      the clock's state and, when created without one, its ev loop.
 * Borrows:   a caller's ev loop (mn_emu_clock_create with a non-NULL loop).
 * Invariant: simulated time 0 is the wall-clock instant of creation; the
 *            engine's wait_until(t) runs the loop (so I/O watchers fire)
 *            until the wall clock reaches t, and returns early when a watcher
 *            calls mn_emu_clock_wake after scheduling events.
 */
#ifndef MN_EMU_CLOCK_EV_H
#define MN_EMU_CLOCK_EV_H

#include "sim/core/clock.h"

struct ev_loop;

/* loop NULL: the clock makes and owns a loop of its own. */
int mn_emu_clock_create(struct ev_loop *loop, mn_clock **out, mn_err *err);
void mn_emu_clock_destroy(mn_clock *clock); /* NULL is a no-op */

/* The loop, to attach I/O and signal watchers to. */
struct ev_loop *mn_emu_clock_loop(mn_clock *clock);

/* From a watcher callback: makes the pending wait_until return 1 (look again). */
void mn_emu_clock_wake(mn_clock *clock);

#endif /* MN_EMU_CLOCK_EV_H */
