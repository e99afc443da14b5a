/* test_engine.c - the event engine (sim/core/engine.c), on every queue backend. */
#include <string.h>

#include "core/alloc.h"
#include "core/engine.h"
#include "unit.h"

/* A log of which events ran, and when. */
struct trace {
    int ids[256];
    mn_time times[256];
    int n;
};
struct tagged {
    struct trace *log;
    int id;
};

static void record(mn_engine *eng, void *ctx)
{
    struct tagged *t = ctx;
    t->log->ids[t->log->n] = t->id;
    t->log->times[t->log->n++] = mn_engine_now(eng);
}

static mn_engine *make_engine(const struct mn_evq_ops *q)
{
    mn_engine_config cfg = {.queue = q};
    mn_engine *eng = NULL;
    CU_ASSERT_EQUAL_FATAL(mn_engine_create(&cfg, &eng, NULL), MN_OK);
    return eng;
}

#define FOR_EACH_QUEUE(q)                                                      \
    for (size_t qi_ = 0; qi_ < mn_evq_count(); qi_++)                          \
        for (const struct mn_evq_ops *q = mn_evq_at(qi_); q; q = NULL)

static void test_engine_runs_events_in_time_order(void)
{
    FOR_EACH_QUEUE(q)
    {
        mn_engine *eng = make_engine(q);
        struct trace log = {0};
        struct tagged ev[5];
        mn_time at[5] = {50, 10, 40, 20, 30};
        for (int i = 0; i < 5; i++) {
            ev[i] = (struct tagged){&log, i};
            CU_ASSERT_EQUAL(mn_ev_schedule_at(eng, at[i], record, &ev[i], NULL), MN_OK);
        }
        mn_run_end why;
        CU_ASSERT_EQUAL(mn_engine_run(eng, MN_TIME_MAX, &why), MN_OK);
        CU_ASSERT_EQUAL(why, MN_RUN_EMPTY);
        int expect[5] = {1, 3, 4, 2, 0};
        CU_ASSERT_EQUAL(log.n, 5);
        for (int i = 0; i < 5; i++) {
            CU_ASSERT_EQUAL(log.ids[i], expect[i]);
            CU_ASSERT_EQUAL(log.times[i], (i + 1) * 10);
        }
        CU_ASSERT_EQUAL(mn_engine_events_run(eng), 5);
        CU_ASSERT_EQUAL(mn_engine_now(eng), 50);
        mn_engine_destroy(eng);
    }
}

static void test_engine_runs_ties_in_schedule_order(void)
{
    FOR_EACH_QUEUE(q)
    {
        mn_engine *eng = make_engine(q);
        struct trace log = {0};
        struct tagged ev[100];
        /* 100 events at 4 distinct times, scheduled in an interleaved order */
        for (int i = 0; i < 100; i++) {
            ev[i] = (struct tagged){&log, i};
            mn_ev_schedule_at(eng, (mn_time)(i % 4) * 7, record, &ev[i], NULL);
        }
        mn_engine_run(eng, MN_TIME_MAX, NULL);
        CU_ASSERT_EQUAL_FATAL(log.n, 100);
        int k = 0;
        for (int slot = 0; slot < 4; slot++)
            for (int i = slot; i < 100; i += 4)
                CU_ASSERT_EQUAL(log.ids[k++], i);
        mn_engine_destroy(eng);
    }
}

/*
 * PHOLD-like tokens that reschedule themselves with delays of every scale
 * (the engine's inline schedule path and its radix run loop): each run must
 * come at or after the previous one, and equal times in schedule order.
 */
struct hop_world {
    uint64_t rng, schedules, runs, bad_order;
    mn_time last_t;
    uint64_t last_id;
};
struct hop_token {
    struct hop_world *w;
    uint64_t id; /* when this token's pending event was scheduled (its order) */
};
static uint64_t hop_rand(struct hop_world *w)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return w->rng;
}
static mn_time hop_delay(struct hop_world *w)
{
    uint64_t r = hop_rand(w);
    unsigned bits = (unsigned)(r % 38);
    mn_time d = (mn_time)((r >> 8) & ((1ULL << bits) - 1));
    return (r >> 6) % 4 == 0 ? 0 : (r >> 6) % 4 == 1 ? d >> 12 << 12 : d;
}
/* Books a token's run: order against the previous run; 1 if it should go on (then its new id is set). */
static int hop_ran(mn_engine *eng, struct hop_token *tok, uint64_t runs)
{
    struct hop_world *w = tok->w;
    mn_time now = mn_engine_now(eng);
    w->bad_order += now < w->last_t || (now == w->last_t && tok->id < w->last_id);
    w->last_t = now;
    w->last_id = tok->id;
    if (++w->runs >= runs)
        return 0;
    tok->id = ++w->schedules;
    return 1;
}
static void hop(mn_engine *eng, void *ctx)
{
    struct hop_token *tok = ctx;
    if (hop_ran(eng, tok, 300000))
        CU_ASSERT_EQUAL(mn_ev_schedule_in(eng, hop_delay(tok->w), hop, tok, NULL), MN_OK);
}

static void test_engine_many_self_scheduling_events_run_in_order(void)
{
    FOR_EACH_QUEUE(q)
    {
        mn_engine *eng = make_engine(q);
        struct hop_world w = {.rng = 2463534242ULL};
        enum { TOKENS = 700 };
        static struct hop_token tok[TOKENS];
        for (int i = 0; i < TOKENS; i++) {
            tok[i] = (struct hop_token){&w, ++w.schedules};
            CU_ASSERT_EQUAL(mn_ev_schedule_at(eng, hop_delay(&w), hop, &tok[i], NULL), MN_OK);
        }
        mn_run_end why;
        CU_ASSERT_EQUAL(mn_engine_run(eng, MN_TIME_MAX, &why), MN_OK);
        CU_ASSERT_EQUAL(why, MN_RUN_EMPTY);
        CU_ASSERT_EQUAL(w.bad_order, 0);
        CU_ASSERT_EQUAL(w.runs, 300000 + TOKENS - 1);
        CU_ASSERT_EQUAL(mn_engine_events_run(eng), w.runs);
        CU_ASSERT_EQUAL(mn_engine_pending(eng), 0);
        mn_engine_destroy(eng);
    }
}

/*
 * The look-ahead (mn_engine_set_prefetch) on the radix queue with sparse
 * events (delays of 1 ns to 67 ms: a front of one bucket holds one or two):
 * the queue tops its front up so the hook is shown three events ahead for
 * nearly every event, and the order of events is what it is without a
 * hook. Every fourth token reschedules itself with a handle, which the
 * hook must be shown through its slot.
 */
struct ahead_count {
    uint64_t calls[4];
};
static struct ahead_count ahead_seen;
static mn_time sparse_hop_delay(struct hop_world *w)
{
    return 1 + (mn_time)(hop_rand(w) % 67000000);
}
static void sparse_hop(mn_engine *eng, void *ctx)
{
    struct hop_token *tok = ctx;
    mn_ev_handle h;
    if (hop_ran(eng, tok, 200000))
        CU_ASSERT_EQUAL(mn_ev_schedule_in(eng, sparse_hop_delay(tok->w), sparse_hop, tok,
                                          tok->id % 4 ? NULL : &h),
                        MN_OK);
}
static void count_ahead(mn_engine *eng, mn_ev_fn fn, void *ctx, int ahead)
{
    (void)eng;
    (void)ctx;
    if (fn == sparse_hop && ahead >= 1 && ahead <= 3)
        ahead_seen.calls[ahead]++;
}
static uint64_t run_sparse_hops(int with_hook, uint64_t *order_hash)
{
    mn_engine *eng = make_engine(mn_evq_default());
    if (with_hook)
        mn_engine_set_prefetch(eng, count_ahead);
    struct hop_world w = {.rng = 88172645463325252ULL};
    enum { TOKENS = 1000 };
    static struct hop_token tok[TOKENS];
    for (int i = 0; i < TOKENS; i++) {
        tok[i] = (struct hop_token){&w, ++w.schedules};
        CU_ASSERT_EQUAL(mn_ev_schedule_at(eng, sparse_hop_delay(&w), sparse_hop, &tok[i], NULL), MN_OK);
    }
    mn_run_end why;
    CU_ASSERT_EQUAL(mn_engine_run(eng, MN_TIME_MAX, &why), MN_OK);
    CU_ASSERT_EQUAL(w.bad_order, 0);
    *order_hash = w.last_id ^ (uint64_t)w.last_t; /* the last event run: any reordering moves it */
    uint64_t runs = w.runs;
    mn_engine_destroy(eng);
    return runs;
}
static void test_engine_look_ahead_sees_three_events_and_keeps_order(void)
{
    uint64_t plain_hash, hooked_hash;
    memset(&ahead_seen, 0, sizeof ahead_seen);
    uint64_t plain = run_sparse_hops(0, &plain_hash);
    uint64_t hooked = run_sparse_hops(1, &hooked_hash);
    CU_ASSERT_EQUAL(plain, hooked);
    CU_ASSERT_EQUAL(plain_hash, hooked_hash);
    /* one call per stage per event, all but the last few events */
    CU_ASSERT(ahead_seen.calls[1] > hooked * 95 / 100);
    CU_ASSERT(ahead_seen.calls[2] > hooked * 90 / 100);
    CU_ASSERT(ahead_seen.calls[3] > hooked * 70 / 100); /* handle events: only their slot, at 3 */
}

/* A handler that schedules a follow-up at the same time: it runs after
 * everything already scheduled for that time. */
struct chain {
    struct trace *log;
    struct tagged follow;
};
static void schedule_follow_up_now(mn_engine *eng, void *ctx)
{
    struct chain *c = ctx;
    c->log->ids[c->log->n] = -1;
    c->log->times[c->log->n++] = mn_engine_now(eng);
    CU_ASSERT_EQUAL(mn_ev_schedule_in(eng, 0, record, &c->follow, NULL), MN_OK);
}

static void test_engine_same_time_follow_up_runs_after_earlier_ties(void)
{
    mn_engine *eng = make_engine(NULL);
    struct trace log = {0};
    struct chain c = {&log, {&log, 99}};
    struct tagged other = {&log, 7};
    mn_ev_schedule_at(eng, 5, schedule_follow_up_now, &c, NULL);
    mn_ev_schedule_at(eng, 5, record, &other, NULL);
    mn_engine_run(eng, MN_TIME_MAX, NULL);
    CU_ASSERT_EQUAL(log.n, 3);
    CU_ASSERT_EQUAL(log.ids[0], -1);
    CU_ASSERT_EQUAL(log.ids[1], 7);
    CU_ASSERT_EQUAL(log.ids[2], 99);
    CU_ASSERT_EQUAL(log.times[2], 5);
    mn_engine_destroy(eng);
}

static void test_engine_cancel_removes_only_that_event(void)
{
    FOR_EACH_QUEUE(q)
    {
        mn_engine *eng = make_engine(q);
        struct trace log = {0};
        struct tagged a = {&log, 1}, b = {&log, 2}, c = {&log, 3};
        mn_ev_handle hb;
        mn_ev_schedule_at(eng, 10, record, &a, NULL);
        mn_ev_schedule_at(eng, 20, record, &b, &hb);
        mn_ev_schedule_at(eng, 30, record, &c, NULL);
        CU_ASSERT(mn_ev_is_pending(eng, hb));
        CU_ASSERT_EQUAL(mn_engine_pending(eng), 3);
        CU_ASSERT_EQUAL(mn_ev_cancel(eng, &hb), MN_OK);
        CU_ASSERT_EQUAL(hb.seq, 0);
        CU_ASSERT_EQUAL(mn_engine_pending(eng), 2);
        mn_engine_run(eng, MN_TIME_MAX, NULL);
        CU_ASSERT_EQUAL(log.n, 2);
        CU_ASSERT_EQUAL(log.ids[0], 1);
        CU_ASSERT_EQUAL(log.ids[1], 3);
        CU_ASSERT_EQUAL(mn_engine_events_run(eng), 2);
        mn_engine_destroy(eng);
    }
}

static void test_engine_stale_handles_never_touch_other_events(void)
{
    mn_engine *eng = make_engine(NULL);
    struct trace log = {0};
    struct tagged a = {&log, 1}, b = {&log, 2};
    mn_ev_handle ha, copy;
    mn_ev_schedule_at(eng, 10, record, &a, &ha);
    copy = ha;
    CU_ASSERT_EQUAL(mn_ev_cancel(eng, &ha), MN_OK);
    CU_ASSERT_EQUAL(mn_ev_cancel(eng, &ha), MN_ESTALE); /* cleared handle */
    /* b reuses a's pool slot; the old copy must not cancel it */
    mn_ev_handle hb;
    mn_ev_schedule_at(eng, 10, record, &b, &hb);
    CU_ASSERT_EQUAL(hb.slot, copy.slot);
    CU_ASSERT_EQUAL(mn_ev_cancel(eng, &copy), MN_ESTALE);
    CU_ASSERT_EQUAL(mn_ev_reschedule(eng, &copy, 50), MN_ESTALE);
    mn_engine_run(eng, MN_TIME_MAX, NULL);
    CU_ASSERT_EQUAL(log.n, 1);
    CU_ASSERT_EQUAL(log.ids[0], 2);
    CU_ASSERT(!mn_ev_is_pending(eng, hb)); /* it ran */
    CU_ASSERT_EQUAL(mn_ev_cancel(eng, &hb), MN_ESTALE);
    mn_engine_destroy(eng);
}

static void test_engine_reschedule_moves_an_event(void)
{
    FOR_EACH_QUEUE(q)
    {
        mn_engine *eng = make_engine(q);
        struct trace log = {0};
        struct tagged a = {&log, 1}, b = {&log, 2}, c = {&log, 3};
        mn_ev_handle ha, hc;
        mn_ev_schedule_at(eng, 10, record, &a, &ha);
        mn_ev_schedule_at(eng, 20, record, &b, NULL);
        mn_ev_schedule_at(eng, 30, record, &c, &hc);
        CU_ASSERT_EQUAL(mn_ev_reschedule(eng, &ha, 25), MN_OK); /* later */
        CU_ASSERT_EQUAL(mn_ev_reschedule(eng, &hc, 5), MN_OK);  /* earlier */
        CU_ASSERT_EQUAL(mn_ev_reschedule(eng, &hc, 20), MN_OK); /* tie with b: after b */
        CU_ASSERT_EQUAL(mn_engine_pending(eng), 3);
        mn_engine_run(eng, MN_TIME_MAX, NULL);
        CU_ASSERT_EQUAL_FATAL(log.n, 3);
        CU_ASSERT_EQUAL(log.ids[0], 2);
        CU_ASSERT_EQUAL(log.ids[1], 3);
        CU_ASSERT_EQUAL(log.ids[2], 1);
        CU_ASSERT_EQUAL(log.times[2], 25);
        mn_engine_destroy(eng);
    }
}

static void test_engine_rejects_the_past(void)
{
    mn_engine *eng = make_engine(NULL);
    struct trace log = {0};
    struct tagged a = {&log, 1};
    mn_ev_handle h;
    mn_ev_schedule_at(eng, 100, record, &a, &h);
    mn_engine_run(eng, 60, NULL);
    CU_ASSERT_EQUAL(mn_engine_now(eng), 60);
    CU_ASSERT_EQUAL(mn_ev_schedule_at(eng, 59, record, &a, NULL), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_ev_schedule_in(eng, -1, record, &a, NULL), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_ev_schedule_in(eng, MN_TIME_MAX, record, &a, NULL), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_ev_reschedule(eng, &h, 10), MN_EINVAL);
    CU_ASSERT(mn_ev_is_pending(eng, h));
    CU_ASSERT_EQUAL(mn_engine_pending(eng), 1);
    mn_engine_destroy(eng);
}

static void test_engine_run_until_stops_at_the_bound_inclusive(void)
{
    mn_engine *eng = make_engine(NULL);
    struct trace log = {0};
    struct tagged ev[4] = {{&log, 0}, {&log, 1}, {&log, 2}, {&log, 3}};
    for (int i = 0; i < 4; i++)
        mn_ev_schedule_at(eng, (i + 1) * 10, record, &ev[i], NULL);
    mn_run_end why;
    mn_engine_run(eng, 20, &why); /* 10 and 20 run; 20 is inclusive */
    CU_ASSERT_EQUAL(why, MN_RUN_UNTIL);
    CU_ASSERT_EQUAL(log.n, 2);
    CU_ASSERT_EQUAL(mn_engine_now(eng), 20);
    mn_engine_run(eng, 25, &why);
    CU_ASSERT_EQUAL(why, MN_RUN_UNTIL);
    CU_ASSERT_EQUAL(log.n, 2);
    CU_ASSERT_EQUAL(mn_engine_now(eng), 25); /* time advances to the bound */
    mn_engine_run(eng, 1000, &why);
    CU_ASSERT_EQUAL(why, MN_RUN_EMPTY);
    CU_ASSERT_EQUAL(log.n, 4);
    CU_ASSERT_EQUAL(mn_engine_now(eng), 1000);
    mn_engine_run(eng, MN_TIME_MAX, &why);
    CU_ASSERT_EQUAL(why, MN_RUN_EMPTY);
    CU_ASSERT_EQUAL(mn_engine_now(eng), 1000); /* an infinite bound does not move time */
    mn_engine_destroy(eng);
}

struct stopper {
    struct trace *log;
    int stop_at;
};
static void count_and_maybe_stop(mn_engine *eng, void *ctx)
{
    struct stopper *s = ctx;
    s->log->ids[s->log->n++] = 0;
    if (s->log->n == s->stop_at)
        mn_engine_stop(eng);
}

static void test_engine_stop_from_a_handler_returns_after_it(void)
{
    mn_engine *eng = make_engine(NULL);
    struct trace log = {0};
    struct stopper s = {&log, 3};
    for (int i = 0; i < 10; i++)
        mn_ev_schedule_at(eng, i, count_and_maybe_stop, &s, NULL);
    mn_run_end why;
    mn_engine_run(eng, MN_TIME_MAX, &why);
    CU_ASSERT_EQUAL(why, MN_RUN_STOPPED);
    CU_ASSERT_EQUAL(log.n, 3);
    CU_ASSERT_EQUAL(mn_engine_now(eng), 2);
    CU_ASSERT_EQUAL(mn_engine_pending(eng), 7);
    mn_engine_run(eng, MN_TIME_MAX, &why); /* resumes */
    CU_ASSERT_EQUAL(why, MN_RUN_EMPTY);
    CU_ASSERT_EQUAL(log.n, 10);
    mn_engine_destroy(eng);
}

/* Hold model: each event schedules one successor, so the pool reaches its
 * peak at once and must then be reused without any allocation. */
struct hold {
    uint64_t left;
    uint64_t x;
};
static void hold_handler(mn_engine *eng, void *ctx)
{
    struct hold *h = ctx;
    if (h->left == 0)
        return;
    h->left--;
    h->x = h->x * 6364136223846793005ULL + 1442695040888963407ULL;
    mn_ev_schedule_in(eng, (mn_time)(h->x >> 44), hold_handler, ctx, NULL);
}

static void test_engine_pool_is_reused_without_allocation(void)
{
    FOR_EACH_QUEUE(q)
    {
        mn_engine_config cfg = {.queue = q, .capacity = 0};
        mn_engine *eng;
        CU_ASSERT_EQUAL_FATAL(mn_engine_create(&cfg, &eng, NULL), MN_OK);
        struct hold h = {.left = 300000, .x = 1};
        for (int i = 0; i < 5000; i++) /* more than the initial pool: forces growth */
            mn_ev_schedule_at(eng, i, hold_handler, &h, NULL);
        mn_engine_run(eng, 100000, NULL); /* warm up */
        size_t bytes = mn_engine_bytes(eng);
        uint64_t calls = mn_alloc_get_stats().calls;
        mn_engine_run(eng, MN_TIME_MAX, NULL);
        CU_ASSERT_EQUAL(mn_alloc_get_stats().calls, calls);
        CU_ASSERT_EQUAL(mn_engine_bytes(eng), bytes);
        CU_ASSERT_EQUAL(mn_engine_events_run(eng), 300000 + 5000);
        mn_engine_destroy(eng);
    }
}

static void noop(mn_engine *eng, void *ctx)
{
    (void)eng;
    (void)ctx;
}

static void test_engine_cancel_churn_keeps_memory_bounded(void)
{
    FOR_EACH_QUEUE(q)
    {
        mn_engine *eng = make_engine(q);
        mn_ev_handle h[100];
        for (int i = 0; i < 100; i++)
            mn_ev_schedule_at(eng, 1000 + i, noop, NULL, &h[i]);
        size_t bytes_after_warmup = 0;
        /* a timer re-armed a million times (a flow whose rate keeps changing) */
        for (int round = 0; round < 1000000; round++) {
            int k = round % 100;
            CU_ASSERT_EQUAL_FATAL(mn_ev_reschedule(eng, &h[k], 2000 + round), MN_OK);
            if (round == 100000)
                bytes_after_warmup = mn_engine_bytes(eng);
        }
        CU_ASSERT_EQUAL(mn_engine_bytes(eng), bytes_after_warmup);
        CU_ASSERT_EQUAL(mn_engine_pending(eng), 100);
        mn_engine_run(eng, MN_TIME_MAX, NULL);
        CU_ASSERT_EQUAL(mn_engine_events_run(eng), 100);
        mn_engine_destroy(eng);
    }
}

static void test_engine_create_and_schedule_survive_out_of_memory(void)
{
    /* Fail the Nth allocation for N = 0, 1, ... until creation succeeds. */
    mn_alloc_stats before = mn_alloc_get_stats();
    int created = 0;
    for (long n = 0; n < 20 && !created; n++) {
        mn_engine *eng = NULL;
        mn_err err = {0};
        mn_alloc_fail_after(n);
        int rc = mn_engine_create(NULL, &eng, &err);
        mn_alloc_fail_after(-1);
        if (rc == MN_OK) {
            created = 1;
            mn_engine_destroy(eng);
        } else {
            CU_ASSERT_EQUAL(rc, MN_ENOMEM);
            CU_ASSERT_EQUAL(err.code, MN_ENOMEM);
        }
    }
    CU_ASSERT(created);
    CU_ASSERT_EQUAL(mn_alloc_get_stats().live_bytes, before.live_bytes);

    /* Growth failure: the event is not scheduled and the engine stays usable. */
    mn_engine *eng = make_engine(NULL);
    int rc = MN_OK, scheduled = 0;
    mn_alloc_fail_after(0);
    while (rc == MN_OK && scheduled < 100000) {
        rc = mn_ev_schedule_at(eng, scheduled, noop, NULL, NULL);
        scheduled += rc == MN_OK;
    }
    mn_alloc_fail_after(-1);
    CU_ASSERT_EQUAL(rc, MN_ENOMEM);
    CU_ASSERT_EQUAL(mn_engine_pending(eng), (size_t)scheduled);
    mn_engine_run(eng, MN_TIME_MAX, NULL);
    CU_ASSERT_EQUAL(mn_engine_events_run(eng), (uint64_t)scheduled);
    mn_engine_destroy(eng);
    CU_ASSERT_EQUAL(mn_alloc_get_stats().live_bytes, before.live_bytes);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_engine_runs_events_in_time_order),
        MN_TEST(test_engine_runs_ties_in_schedule_order),
        MN_TEST(test_engine_many_self_scheduling_events_run_in_order),
        MN_TEST(test_engine_look_ahead_sees_three_events_and_keeps_order),
        MN_TEST(test_engine_same_time_follow_up_runs_after_earlier_ties),
        MN_TEST(test_engine_cancel_removes_only_that_event),
        MN_TEST(test_engine_stale_handles_never_touch_other_events),
        MN_TEST(test_engine_reschedule_moves_an_event),
        MN_TEST(test_engine_rejects_the_past),
        MN_TEST(test_engine_run_until_stops_at_the_bound_inclusive),
        MN_TEST(test_engine_stop_from_a_handler_returns_after_it),
        MN_TEST(test_engine_pool_is_reused_without_allocation),
        MN_TEST(test_engine_cancel_churn_keeps_memory_bounded),
        MN_TEST(test_engine_create_and_schedule_survive_out_of_memory),
    };
    MN_SUITE("engine", cases);
}
