/* clock_ev.c - real-time mn_clock on libev; see clock_ev.h. */
#include "clock_ev.h"

#include <ev.h>
#include <stddef.h>

#include "sim/core/alloc.h"

struct ev_clock {
    mn_clock clock; /* first: the public handle points here */
    struct ev_loop *loop;
    int own_loop;
    ev_tstamp start;
    ev_timer timer;
    int fired, woken;
};

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct ev_clock *c = w->data;
    c->fired = 1;
}

static int ev_wait_until(void *state, mn_time t)
{
    struct ev_clock *c = state;
    ev_now_update(c->loop);
    ev_tstamp due = c->start + (ev_tstamp)t / 1e9;
    ev_tstamp wait = due - ev_now(c->loop);
    if (wait <= 0)
        return 0;
    c->fired = 0;
    c->woken = 0;
    ev_timer_set(&c->timer, wait, 0.);
    ev_timer_start(c->loop, &c->timer);
    while (!c->fired && !c->woken)
        ev_run(c->loop, EVRUN_ONCE);
    ev_timer_stop(c->loop, &c->timer);
    return c->fired ? 0 : 1;
}

static mn_time ev_elapsed(void *state)
{
    struct ev_clock *c = state;
    return mn_time_from_sec(ev_time() - c->start);
}

static const struct mn_clock_ops ev_clock_ops = {
    .name = "realtime",
    .wait_until = ev_wait_until,
    .elapsed = ev_elapsed,
};

int mn_emu_clock_create(struct ev_loop *loop, mn_clock **out, mn_err *err)
{
    struct ev_clock *c = mn_calloc(1, sizeof *c);
    if (!c)
        return MN_ERR(err, MN_ENOMEM, "real-time clock: out of memory");
    c->own_loop = loop == NULL;
    c->loop = loop ? loop : ev_loop_new(EVFLAG_AUTO);
    if (!c->loop) {
        mn_free(c);
        return MN_ERR(err, MN_EIO, "real-time clock: libev could not create a loop");
    }
    ev_init(&c->timer, on_timer);
    c->timer.data = c;
    ev_now_update(c->loop);
    c->start = ev_now(c->loop);
    c->clock.ops = &ev_clock_ops;
    c->clock.state = c;
    *out = &c->clock;
    return MN_OK;
}

void mn_emu_clock_destroy(mn_clock *clock)
{
    if (!clock)
        return;
    struct ev_clock *c = clock->state;
    if (c->own_loop)
        ev_loop_destroy(c->loop);
    mn_free(c);
}

struct ev_loop *mn_emu_clock_loop(mn_clock *clock)
{
    return ((struct ev_clock *)clock->state)->loop;
}

void mn_emu_clock_wake(mn_clock *clock)
{
    ((struct ev_clock *)clock->state)->woken = 1;
}
