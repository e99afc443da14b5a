/*
 * clock.h - how simulated time relates to the wall clock.
 *
 * Owns:      a clock's state belongs to whoever created the clock.
 * Invariant: the engine asks the clock to wait before each event; the virtual
 *            clock never waits (ops->wait_until is NULL), a real-time clock
 *            (emu/clock_ev.c, on libev) blocks until the wall clock reaches the
 *            event's time. Event handlers are the same code under both.
 */
#ifndef MN_CLOCK_H
#define MN_CLOCK_H

#include "err.h"
#include "time.h"

struct mn_clock_ops {
    const char *name;
    /*
     * Blocks until simulated time t is due on this clock. Returns 0 when due,
     * 1 when woken early because outside work (I/O, a signal) may have
     * scheduled events, so the engine looks at its queue again; a negative
     * MN_E* code on failure. NULL means virtual time: never wait.
     */
    int (*wait_until)(void *state, mn_time t);
    /* Time elapsed on this clock since it started; NULL for virtual time. */
    mn_time (*elapsed)(void *state);
};

typedef struct mn_clock {
    const struct mn_clock_ops *ops;
    void *state; /* borrowed by the engine; owned by the clock's creator */
} mn_clock;

/* The virtual clock: a static object, never freed. */
const mn_clock *mn_clock_virtual(void);

static inline int mn_clock_is_virtual(const mn_clock *c)
{
    return c->ops->wait_until == NULL;
}

#endif /* MN_CLOCK_H */
