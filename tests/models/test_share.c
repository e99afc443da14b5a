/* test_share.c - max-min sharing (sim/models/share.c): hand-computed cases first,
 * then the incremental solver against a from-scratch water-filling. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine.h"
#include "models/share.h"
#include "unit.h"

struct net {
    mn_engine *eng;
    mn_share *s;
};

static struct net make(const double *caps, size_t n)
{
    struct net t;
    CU_ASSERT_EQUAL_FATAL(mn_engine_create(NULL, &t.eng, NULL), MN_OK);
    CU_ASSERT_EQUAL_FATAL(mn_share_create(t.eng, &t.s, NULL), MN_OK);
    for (size_t i = 0; i < n; i++) {
        uint32_t id;
        CU_ASSERT_EQUAL_FATAL(mn_share_add_link(t.s, caps[i], &id, NULL), MN_OK);
        CU_ASSERT_EQUAL(id, i);
    }
    return t;
}

static void drop(struct net *t)
{
    mn_share_destroy(t->s);
    mn_engine_destroy(t->eng);
}

static uint32_t start(struct net *t, const uint32_t *path, size_t plen, double bytes, double cap)
{
    uint32_t id;
    CU_ASSERT_EQUAL_FATAL(mn_share_flow_start(t->s, path, plen, bytes, cap, NULL, NULL, &id, NULL),
                          MN_OK);
    return id;
}

static void test_share_two_flows_split_one_link(void)
{
    /* two flows on one 10 Gbps (1.25e9 B/s) link get half each */
    double caps[] = {1.25e9};
    struct net t = make(caps, 1);
    uint32_t p[] = {0};
    uint32_t a = start(&t, p, 1, 1e9, 0), b = start(&t, p, 1, 1e9, 0);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, a), 0.625e9, 1e-12);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, b), 0.625e9, 1e-12);
    MN_ASSERT_CLOSE(mn_share_link_load(t.s, 0), 1.25e9, 1e-12);
    drop(&t);
}

static void test_share_textbook_two_bottlenecks(void)
{
    /* A = 10, B = 4; f1 on A, f2 on A and B, f3 on B: B fills first at 2
     * (f2, f3), then f1 takes A's residual 8. */
    double caps[] = {10, 4};
    struct net t = make(caps, 2);
    uint32_t pa[] = {0}, pab[] = {0, 1}, pb[] = {1};
    uint32_t f1 = start(&t, pa, 1, 1000, 0);
    uint32_t f2 = start(&t, pab, 2, 1000, 0);
    uint32_t f3 = start(&t, pb, 1, 1000, 0);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, f1), 8, 1e-12);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, f2), 2, 1e-12);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, f3), 2, 1e-12);
    drop(&t);
}

static void test_share_chain_of_three_bottlenecks(void)
{
    /* L1 = 1, L2 = 2, L3 = 3; a: L1; b: L1 L2; c: L2 L3; d: L3.
     * L1 fills at 0.5 (a, b); L2 residual 1.5 for c; L3 then gives c and d 1.5. */
    double caps[] = {1, 2, 3};
    struct net t = make(caps, 3);
    uint32_t pa[] = {0}, pb[] = {0, 1}, pc[] = {1, 2}, pd[] = {2};
    uint32_t d = start(&t, pd, 1, 100, 0), c = start(&t, pc, 2, 100, 0);
    uint32_t b = start(&t, pb, 2, 100, 0), a = start(&t, pa, 1, 100, 0);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, a), 0.5, 1e-12);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, b), 0.5, 1e-12);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, c), 1.5, 1e-12);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, d), 1.5, 1e-12);
    drop(&t);
}

static void test_share_rate_caps_leave_room_to_others(void)
{
    /* one link of 10: a capped at 2, b capped at 5, c free: a 2, b 4, c 4 */
    double caps[] = {10};
    struct net t = make(caps, 1);
    uint32_t p[] = {0};
    uint32_t a = start(&t, p, 1, 100, 2), b = start(&t, p, 1, 100, 5), c = start(&t, p, 1, 100, 0);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, a), 2, 1e-12);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, b), 4, 1e-12);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, c), 4, 1e-12);
    drop(&t);
}

static mn_time done_at[8];
static void note_done(mn_share *s, uint32_t flow, void *ctx)
{
    (void)flow;
    struct net *t = ctx;
    (void)s;
    done_at[flow] = mn_engine_now(t->eng);
}

static void test_share_completions_follow_the_rates(void)
{
    /* link of 10 B/s; A 100 B and B 50 B from t = 0 at 5 B/s each: B ends at
     * 10 s, then A alone at 10 B/s has 50 B left: ends at 15 s. */
    double caps[] = {10};
    struct net t = make(caps, 1);
    uint32_t p[] = {0}, a, b;
    CU_ASSERT_EQUAL(mn_share_flow_start(t.s, p, 1, 100, 0, note_done, &t, &a, NULL), MN_OK);
    CU_ASSERT_EQUAL(mn_share_flow_start(t.s, p, 1, 50, 0, note_done, &t, &b, NULL), MN_OK);
    mn_engine_run(t.eng, MN_TIME_MAX, NULL);
    CU_ASSERT_EQUAL(done_at[b], 10 * MN_SEC);
    CU_ASSERT_EQUAL(done_at[a], 15 * MN_SEC);
    CU_ASSERT_EQUAL(mn_share_active_flows(t.s), 0);
    CU_ASSERT_EQUAL(mn_share_link_load(t.s, 0), 0);
    CU_ASSERT(mn_share_get_stats(t.s).max_leftover < 1e-9);
    CU_ASSERT_EQUAL(mn_share_status(t.s), MN_OK);
    drop(&t);
}

static void test_share_rejects_bad_input(void)
{
    double caps[] = {10};
    struct net t = make(caps, 1);
    mn_err err = {0};
    uint32_t id, bad[] = {7}, twice[] = {0, 0}, ok[] = {0};
    CU_ASSERT_EQUAL(mn_share_add_link(t.s, -1, &id, &err), MN_ERANGE);
    CU_ASSERT_EQUAL(mn_share_flow_start(t.s, bad, 1, 10, 0, NULL, NULL, &id, &err), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_share_flow_start(t.s, twice, 2, 10, 0, NULL, NULL, &id, &err), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_share_flow_start(t.s, ok, 1, 0, 0, NULL, NULL, &id, &err), MN_ERANGE);
    CU_ASSERT_EQUAL(mn_share_flow_start(t.s, ok, 0, 10, 0, NULL, NULL, &id, &err), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_share_active_flows(t.s), 0);
    drop(&t);
}

static void test_share_coefficients_weight_usage(void)
{
    /* One link of 12 units. a uses it 1:1, b at 2 per unit of rate (a slow
     * radio station: twice the airtime per byte). Both rise together until
     * a + 2b = 12: a = b = 4; the link is full with usage 12. */
    double caps[] = {12};
    struct net t = make(caps, 1);
    uint32_t p[] = {0}, a, b;
    double one = 1, two = 2;
    mn_share_flow_spec sa = {p, &one, 1, 1e6, 0, NULL, NULL}, sb = {p, &two, 1, 1e6, 0, NULL, NULL};
    CU_ASSERT_EQUAL_FATAL(mn_share_flow_begin(t.s, &sa, &a, NULL), MN_OK);
    CU_ASSERT_EQUAL_FATAL(mn_share_flow_begin(t.s, &sb, &b, NULL), MN_OK);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, a), 4, 1e-12);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, b), 4, 1e-12);
    MN_ASSERT_CLOSE(mn_share_link_load(t.s, 0), 12, 1e-12);
    /* b now costs 5 per unit: a + 5b = 12, a = b = 2 */
    double five = 5;
    CU_ASSERT_EQUAL(mn_share_flow_update(t.s, b, &five, 0, NULL), MN_OK);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, a), 2, 1e-12);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, b), 2, 1e-12);
    /* capped at 1, b leaves a 12 - 5 = 7 */
    CU_ASSERT_EQUAL(mn_share_flow_update(t.s, b, NULL, 1, NULL), MN_OK);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, a), 7, 1e-12);
    /* the link shrinks to 6: a and b meet at 1 (1 + 5 = 6) */
    CU_ASSERT_EQUAL(mn_share_link_set_capacity(t.s, 0, 6, NULL), MN_OK);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, a), 1, 1e-12);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, b), 1, 1e-12);
    double zero = 0;
    CU_ASSERT_EQUAL(mn_share_flow_update(t.s, b, &zero, 0, NULL), MN_ERANGE);
    drop(&t);
}

static double hook_old[8];
static int hook_calls;
static void count_hook(mn_share *s, uint32_t flow, double old_rate, void *flow_ctx, void *hook_ctx)
{
    (void)s;
    (void)flow_ctx;
    *(int *)hook_ctx += 1;
    if (flow < 8)
        hook_old[flow] = old_rate;
    hook_calls++;
}

static void test_share_stop_batch_and_hook(void)
{
    /* Endless flows (sessions): stopped by hand, with what they sent. */
    double caps[] = {10};
    struct net t = make(caps, 1);
    int calls = 0;
    hook_calls = 0;
    mn_share_set_rate_hook(t.s, count_hook, &calls);
    uint32_t p[] = {0}, a, b;
    mn_share_flow_spec spec = {p, NULL, 1, INFINITY, 0, NULL, NULL};
    CU_ASSERT_EQUAL_FATAL(mn_share_flow_begin(t.s, &spec, &a, NULL), MN_OK);
    CU_ASSERT_EQUAL(calls, 1); /* a: 0 -> 10 */
    CU_ASSERT_EQUAL_FATAL(mn_engine_run(t.eng, 2 * MN_SEC, NULL), MN_OK);
    CU_ASSERT(isinf(mn_share_flow_remaining(t.s, a)));
    MN_ASSERT_CLOSE(mn_share_flow_sent(t.s, a), 20, 1e-12);
    /* a batch: b arrives and a's cap is set; one solve, a and b at 5 */
    uint64_t solves = mn_share_get_stats(t.s).solves;
    mn_share_batch_begin(t.s);
    CU_ASSERT_EQUAL_FATAL(mn_share_flow_begin(t.s, &spec, &b, NULL), MN_OK);
    CU_ASSERT_EQUAL(mn_share_flow_update(t.s, a, NULL, 6, NULL), MN_OK);
    CU_ASSERT_EQUAL(mn_share_batch_end(t.s, NULL), MN_OK);
    CU_ASSERT_EQUAL(mn_share_get_stats(t.s).solves, solves + 1);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, a), 5, 1e-12);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, b), 5, 1e-12);
    CU_ASSERT_EQUAL(calls, 3);
    MN_ASSERT_CLOSE(hook_old[a], 10, 1e-12);
    CU_ASSERT_EQUAL_FATAL(mn_engine_run(t.eng, 4 * MN_SEC, NULL), MN_OK);
    double sent;
    CU_ASSERT_EQUAL(mn_share_flow_stop(t.s, a, &sent, NULL), MN_OK);
    MN_ASSERT_CLOSE(sent, 30, 1e-12); /* 2 s at 10, 2 s at 5 */
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, b), 10, 1e-12);
    CU_ASSERT_EQUAL(mn_share_flow_stop(t.s, a, NULL, NULL), MN_EINVAL); /* not twice */
    CU_ASSERT_EQUAL(mn_share_flow_stop(t.s, b, NULL, NULL), MN_OK);
    CU_ASSERT_EQUAL(mn_share_active_flows(t.s), 0);
    CU_ASSERT_EQUAL(mn_share_link_load(t.s, 0), 0);
    CU_ASSERT_EQUAL(mn_engine_pending(t.eng), 0); /* no completion event for endless flows */
    drop(&t);
}

static void test_share_a_flow_ending_past_the_end_of_time_has_no_event(void)
{
    /* 1e300 bytes at 1 byte/s end after the last representable time: the
     * flow runs, with no completion event (and no overflow computing it). */
    double caps[] = {1};
    struct net t = make(caps, 1);
    uint32_t p[] = {0};
    uint32_t f = start(&t, p, 1, 1e300, 0);
    MN_ASSERT_CLOSE(mn_share_flow_rate(t.s, f), 1, 1e-12);
    CU_ASSERT_EQUAL(mn_engine_pending(t.eng), 0);
    CU_ASSERT_EQUAL(mn_share_flow_stop(t.s, f, NULL, NULL), MN_OK);
    drop(&t);
}

/* ---- incremental against from scratch ---- */

#define NL 12
#define MAXF 400
struct ref_flow {
    uint32_t path[4];
    double coef[4];
    int plen, active;
    double cap;
};
static struct ref_flow rf[MAXF];
static struct net rnet;
static double rcaps[NL];
static size_t mismatches, checks;

/* Capacity used by frozen flows on link l, and the coefficients of its unfrozen active flows. */
static void link_usage(int l, const double *rate, const int *frozen, double *used, double *unfrozen)
{
    *used = 0;
    *unfrozen = 0;
    for (int f = 0; f < MAXF; f++) {
        if (!rf[f].active)
            continue;
        for (int k = 0; k < rf[f].plen; k++)
            if ((int)rf[f].path[k] == l) {
                if (frozen[f])
                    *used += rf[f].coef[k] * rate[f];
                else
                    *unfrozen += rf[f].coef[k];
            }
    }
}

/* Plain water-filling over all active flows, O(n^2), written apart from share.c. */
static void reference_rates(double *rate)
{
    int frozen[MAXF] = {0};
    double level = 0;
    for (;;) {
        /* the next level at which a link fills or a cap binds */
        double next = INFINITY;
        for (int l = 0; l < NL; l++) {
            double used, unfrozen;
            link_usage(l, rate, frozen, &used, &unfrozen);
            if (unfrozen > 0)
                next = fmin(next, (rcaps[l] - used) / unfrozen);
        }
        for (int f = 0; f < MAXF; f++)
            if (rf[f].active && !frozen[f] && rf[f].cap > 0)
                next = fmin(next, rf[f].cap);
        if (next == INFINITY)
            return;
        level = next;
        /* freeze flows on links that are now full, and capped flows at their cap */
        int any = 0;
        for (int f = 0; f < MAXF; f++) {
            if (!rf[f].active || frozen[f])
                continue;
            if (rf[f].cap > 0 && rf[f].cap <= level * (1 + 1e-12)) {
                rate[f] = rf[f].cap;
                frozen[f] = any = 1;
                continue;
            }
            for (int k = 0; k < rf[f].plen && !frozen[f]; k++) {
                int l = (int)rf[f].path[k];
                double used, unfrozen;
                link_usage(l, rate, frozen, &used, &unfrozen);
                if ((rcaps[l] - used) / unfrozen <= level * (1 + 1e-12)) {
                    rate[f] = level;
                    frozen[f] = any = 1;
                }
            }
        }
        if (!any)
            return;
    }
}

static void compare_all(void)
{
    double rate[MAXF] = {0};
    reference_rates(rate);
    for (int f = 0; f < MAXF; f++)
        if (rf[f].active) {
            checks++;
            double got = mn_share_flow_rate(rnet.s, (uint32_t)f);
            if (fabs(got - rate[f]) > 1e-7 * fmax(1, rate[f])) {
                if (mismatches < 5)
                    fprintf(stderr, "\nflow %d: incremental %.9g, from scratch %.9g\n", f, got,
                            rate[f]);
                mismatches++;
            }
        }
}

static void ref_done(mn_share *s, uint32_t flow, void *ctx)
{
    (void)s;
    (void)ctx;
    rf[flow].active = 0;
    compare_all();
}

struct arrival {
    struct ref_flow spec;
    double bytes;
};
static struct arrival arrivals[MAXF];

static void ref_arrive(mn_engine *eng, void *ctx)
{
    (void)eng;
    struct arrival *a = ctx;
    uint32_t id;
    mn_share_flow_spec spec = {a->spec.path, a->spec.coef, (size_t)a->spec.plen, a->bytes,
                               a->spec.cap, ref_done, NULL};
    CU_ASSERT_EQUAL_FATAL(mn_share_flow_begin(rnet.s, &spec, &id, NULL), MN_OK);
    rf[id] = a->spec;
    rf[id].active = 1;
    compare_all();
}

static uint64_t rnd(void);

/* A random active flow from a random start, or -1 if none is. */
static int pick_active(void)
{
    int f = (int)(rnd() % MAXF), tries = 0;
    while (!rf[f].active && tries++ < MAXF)
        f = (f + 1) % MAXF;
    return rf[f].active ? f : -1;
}

/*
 * One batch: flow f gets a cap (which brings it into the region) and
 * stops, a new one starts on f's links and takes f's id (the first free
 * one: the region then lists that id twice), and another active flow gets
 * a cap; one solve for them all.
 */
static void ref_batch(int f)
{
    struct ref_flow fresh = rf[f];
    fresh.cap = rnd() % 2 ? 0.5 + (double)(rnd() % 30) / 10 : 0;
    mn_share_batch_begin(rnet.s);
    CU_ASSERT_EQUAL_FATAL(mn_share_flow_update(rnet.s, (uint32_t)f, NULL, 1, NULL), MN_OK);
    CU_ASSERT_EQUAL_FATAL(mn_share_flow_stop(rnet.s, (uint32_t)f, NULL, NULL), MN_OK);
    rf[f].active = 0;
    int g = pick_active();
    uint32_t id;
    mn_share_flow_spec spec = {fresh.path, fresh.coef, (size_t)fresh.plen, 1 + (double)(rnd() % 50),
                               fresh.cap, ref_done, NULL};
    CU_ASSERT_EQUAL_FATAL(mn_share_flow_begin(rnet.s, &spec, &id, NULL), MN_OK);
    CU_ASSERT_EQUAL(id, (uint32_t)f);
    rf[id] = fresh;
    rf[id].active = 1;
    if (g >= 0) {
        rf[g].cap = 0.5 + (double)(rnd() % 30) / 10;
        CU_ASSERT_EQUAL_FATAL(mn_share_flow_update(rnet.s, (uint32_t)g, NULL, rf[g].cap, NULL), MN_OK);
    }
    CU_ASSERT_EQUAL_FATAL(mn_share_batch_end(rnet.s, NULL), MN_OK);
}

/* Now and then: stop a random active flow, give one new coefficients and cap, or a batch of changes. */
static void ref_disturb(mn_engine *eng, void *ctx)
{
    (void)eng;
    (void)ctx;
    int f = pick_active();
    if (f < 0)
        return;
    uint64_t kind = rnd() % 3;
    if (kind == 2) {
        ref_batch(f);
    } else if (kind == 1) {
        CU_ASSERT_EQUAL_FATAL(mn_share_flow_stop(rnet.s, (uint32_t)f, NULL, NULL), MN_OK);
        rf[f].active = 0;
    } else {
        for (int k = 0; k < rf[f].plen; k++)
            rf[f].coef[k] = 0.25 + (double)(rnd() % 8) / 4;
        rf[f].cap = rnd() % 3 == 0 ? 0.5 + (double)(rnd() % 30) / 10 : 0;
        CU_ASSERT_EQUAL_FATAL(mn_share_flow_update(rnet.s, (uint32_t)f, rf[f].coef, rf[f].cap, NULL),
                              MN_OK);
    }
    compare_all();
}

static uint64_t rnd_state;
static uint64_t rnd(void) /* xorshift64: the test's own numbers */
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

static void test_share_incremental_equals_from_scratch(void)
{
    rnd_state = 12345;
    for (int l = 0; l < NL; l++)
        rcaps[l] = 1 + (double)(rnd() % 10); /* capacities 1..10 */
    rnet = make(rcaps, NL);
    memset(rf, 0, sizeof rf);
    mismatches = checks = 0;
    int n = 300;
    for (int i = 0; i < n; i++) {
        struct arrival *a = &arrivals[i];
        a->spec.plen = 1 + (int)(rnd() % 4);
        for (int k = 0; k < a->spec.plen; k++) {
            uint32_t l;
            int dup;
            do { /* distinct links */
                l = (uint32_t)(rnd() % NL);
                dup = 0;
                for (int m = 0; m < k; m++)
                    dup |= a->spec.path[m] == l;
            } while (dup);
            a->spec.path[k] = l;
            /* half the flows use links 1:1, the others with coefficients 0.25..2 */
            a->spec.coef[k] = i % 2 ? 1 : 0.25 + (double)(rnd() % 8) / 4;
        }
        a->spec.cap = rnd() % 4 == 0 ? 0.5 + (double)(rnd() % 30) / 10 : 0;
        a->bytes = 1 + (double)(rnd() % 50);
        mn_time when = (mn_time)(rnd() % 60) * MN_SEC;
        when += (mn_time)(rnd() % 1000);
        mn_ev_schedule_at(rnet.eng, when, ref_arrive, a, NULL);
        if (i % 4 == 0)
            mn_ev_schedule_at(rnet.eng, when + 500, ref_disturb, NULL, NULL);
    }
    mn_engine_run(rnet.eng, MN_TIME_MAX, NULL);
    CU_ASSERT(checks > 10000);
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT_EQUAL(mn_share_active_flows(rnet.s), 0);
    CU_ASSERT_EQUAL(mn_share_status(rnet.s), MN_OK);
    CU_ASSERT(mn_share_get_stats(rnet.s).max_leftover < 1e-6);
    for (int l = 0; l < NL; l++)
        CU_ASSERT_EQUAL(mn_share_link_load(rnet.s, (uint32_t)l), 0);
    drop(&rnet);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_share_two_flows_split_one_link),
        MN_TEST(test_share_textbook_two_bottlenecks),
        MN_TEST(test_share_chain_of_three_bottlenecks),
        MN_TEST(test_share_rate_caps_leave_room_to_others),
        MN_TEST(test_share_completions_follow_the_rates),
        MN_TEST(test_share_rejects_bad_input),
        MN_TEST(test_share_coefficients_weight_usage),
        MN_TEST(test_share_stop_batch_and_hook),
        MN_TEST(test_share_a_flow_ending_past_the_end_of_time_has_no_event),
        MN_TEST(test_share_incremental_equals_from_scratch),
    };
    MN_SUITE("share", cases);
}
