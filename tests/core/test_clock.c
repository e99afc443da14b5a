/* test_clock.c - the clock interface: virtual (sim/core/clock.c) and real-time on
 * libev (emu/clock_ev.c), driving the same engine and handlers. */
#include <ev.h>
#include <time.h>

#include "core/engine.h"
#include "emu/clock_ev.h"
#include "unit.h"

struct seen {
    mn_time at[8];
    double wall[8];
    int n;
};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void note(mn_engine *eng, void *ctx)
{
    struct seen *s = ctx;
    s->at[s->n] = mn_engine_now(eng);
    s->wall[s->n++] = wall_now();
}

static void test_clock_virtual_never_waits(void)
{
    const mn_clock *v = mn_clock_virtual();
    CU_ASSERT(mn_clock_is_virtual(v));
    mn_engine *eng;
    CU_ASSERT_EQUAL_FATAL(mn_engine_create(NULL, &eng, NULL), MN_OK);
    struct seen s = {0};
    mn_ev_schedule_at(eng, 10 * MN_HOUR, note, &s, NULL); /* ten simulated hours */
    double t0 = wall_now();
    mn_engine_run(eng, MN_TIME_MAX, NULL);
    CU_ASSERT_EQUAL(s.n, 1);
    CU_ASSERT(s.wall[0] - t0 < 5.0); /* not ten hours: virtual time does not wait */
    mn_engine_destroy(eng);
}

static void test_clock_realtime_runs_events_no_earlier_than_due(void)
{
    double t0 = wall_now(); /* before the clock starts: events are due >= t0 + their time */
    mn_clock *rt;
    CU_ASSERT_EQUAL_FATAL(mn_emu_clock_create(NULL, &rt, NULL), MN_OK);
    CU_ASSERT(!mn_clock_is_virtual(rt));
    mn_engine_config cfg = {.clock = rt};
    mn_engine *eng;
    CU_ASSERT_EQUAL_FATAL(mn_engine_create(&cfg, &eng, NULL), MN_OK);
    struct seen s = {0};
    mn_ev_schedule_at(eng, 30 * MN_MS, note, &s, NULL);
    mn_ev_schedule_at(eng, 60 * MN_MS, note, &s, NULL);
    mn_engine_run(eng, MN_TIME_MAX, NULL);
    CU_ASSERT_EQUAL_FATAL(s.n, 2);
    /* each no earlier than due (1 ms of slack for libev's timer granularity);
     * a late first event may leave less than 30 ms before the second */
    CU_ASSERT(s.wall[0] - t0 >= 0.030 - 0.001);
    CU_ASSERT(s.wall[1] - t0 >= 0.060 - 0.001);
    CU_ASSERT(rt->ops->elapsed(rt->state) >= 60 * MN_MS);
    mn_engine_destroy(eng);
    mn_emu_clock_destroy(rt);
}

/* Outside work: a libev timer (standing in for a packet arriving on a socket)
 * schedules an event at the current wall time and wakes the engine. */
struct outside {
    mn_clock *rt;
    mn_engine *eng;
    struct seen *s;
};
static void on_outside(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct outside *o = w->data;
    mn_time now = o->rt->ops->elapsed(o->rt->state);
    if (now < mn_engine_now(o->eng))
        now = mn_engine_now(o->eng);
    CU_ASSERT_EQUAL(mn_ev_schedule_at(o->eng, now, note, o->s, NULL), MN_OK);
    mn_emu_clock_wake(o->rt);
}

static void test_clock_realtime_wakes_for_outside_events(void)
{
    mn_clock *rt;
    CU_ASSERT_EQUAL_FATAL(mn_emu_clock_create(NULL, &rt, NULL), MN_OK);
    mn_engine_config cfg = {.clock = rt};
    mn_engine *eng;
    CU_ASSERT_EQUAL_FATAL(mn_engine_create(&cfg, &eng, NULL), MN_OK);
    struct seen s = {0};
    struct outside o = {rt, eng, &s};
    ev_timer w;
    ev_timer_init(&w, on_outside, 0.020, 0.);
    w.data = &o;
    ev_timer_start(mn_emu_clock_loop(rt), &w);
    mn_ev_schedule_at(eng, 200 * MN_MS, note, &s, NULL);
    mn_engine_run(eng, MN_TIME_MAX, NULL);
    CU_ASSERT_EQUAL_FATAL(s.n, 2);
    CU_ASSERT(s.at[0] >= 20 * MN_MS && s.at[0] < 200 * MN_MS); /* the outside event, first */
    CU_ASSERT_EQUAL(s.at[1], 200 * MN_MS);
    mn_engine_destroy(eng);
    mn_emu_clock_destroy(rt);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_clock_virtual_never_waits),
        MN_TEST(test_clock_realtime_runs_events_no_earlier_than_due),
        MN_TEST(test_clock_realtime_wakes_for_outside_events),
    };
    MN_SUITE("clock", cases);
}
