/* test_evq.c - contract tests every event-queue backend must pass (sim/core/evq*.c). */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/evq.h"
#include "unit.h"

/* A fixed xorshift so the test does not depend on the module under test. */
static uint64_t xs(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int cmp_entry(const void *a, const void *b)
{
    return mn_evq_less(a, b) ? -1 : mn_evq_less(b, a) ? 1 : 0;
}

/*
 * Interleaved pushes and pops on a coarse time grid (many equal times), as
 * the engine makes them: no push below the last pop. Then pops must be
 * non-decreasing in (t, seq) and every entry must come out exactly once;
 * together that proves each pop returned the minimum (a smaller entry left
 * behind would later come out below an earlier pop, or never).
 */
/* What the pops of one workload looked like. */
struct pop_audit {
    mn_evq_entry prev; /* the last entry popped */
    unsigned char *seen; /* by seq: times popped */
    size_t bad_order, duplicates;
    uint64_t popped;
};

/* Pops one entry into the audit; 0 if the queue was empty. */
static int pop_and_audit(const struct mn_evq_ops *ops, void *q, struct pop_audit *a)
{
    mn_evq_entry got;
    if (ops->pop(q, &got) != 0)
        return 0;
    a->bad_order += !mn_evq_less(&a->prev, &got);
    a->duplicates += a->seen[got.seq]++;
    a->popped++;
    a->prev = got;
    return 1;
}

/* delays from 0 to 2^20 ns, with a heavy share of exact ties */
static mn_time fine_delay(uint64_t r)
{
    return (r & 3) == 0 ? 0 : (mn_time)((r >> 8) % (1u << 20)) / 64 * 64;
}

/*
 * Delays at every scale from 1 ns to about 10^3 s, some rounded to coarse
 * grids: buckets of every level and size, equal times, and many times that
 * share the byte below a bucket's digit (the radix queue's sort of a
 * dumped bucket has a path for each of those).
 */
static mn_time multiscale_delay(uint64_t r)
{
    unsigned bits = (unsigned)(r % 41);           /* 0 .. 40 bits of delay */
    uint64_t d = (r >> 8) & ((1ULL << bits) - 1); /* uniform below 2^bits */
    switch ((r >> 6) & 3) {
    case 0:
        return 0;
    case 1:
        return (mn_time)(d >> 10 << 10); /* shares low bytes with others */
    default:
        return (mn_time)d;
    }
}

/*
 * Sparse events, as in a city run: delays of 0 to 67 ms, so that the
 * pending entries sit about one per bucket of one level, each bucket
 * becoming the front on its own (the engine's look-ahead tops it up with
 * the next buckets: test_engine).
 */
static mn_time sparse_delay(uint64_t r)
{
    return (mn_time)((r >> 8) % (1u << 26));
}

static void check_backend_orders_monotone_workload(const struct mn_evq_ops *ops,
                                                   mn_time (*delay_of)(uint64_t))
{
    void *q;
    CU_ASSERT_EQUAL_FATAL(ops->create(&q, 4, NULL), MN_OK); /* tiny: forces growth */
    enum { ROUNDS = 200000 };
    struct pop_audit a = {.seen = calloc(2 * ROUNDS + 1, 1)};
    uint64_t seed = 88172645463325252ULL, seq = 1;
    for (int round = 0; round < ROUNDS; round++) {
        int pushes = (int)(xs(&seed) % 3);
        for (int k = 0; k < pushes; k++) {
            mn_time delay = delay_of(xs(&seed));
            mn_evq_entry e = {.t = a.prev.t + delay, .seq = seq, .ctx = (void *)(uintptr_t)seq};
            seq++;
            CU_ASSERT_EQUAL(ops->push(q, &e), MN_OK);
        }
        if (xs(&seed) & 1)
            pop_and_audit(ops, q, &a);
        CU_ASSERT_EQUAL(ops->size(q), seq - 1 - a.popped);
    }
    while (pop_and_audit(ops, q, &a))
        ;
    CU_ASSERT_EQUAL(a.bad_order, 0);
    CU_ASSERT_EQUAL(a.duplicates, 0);
    CU_ASSERT_EQUAL(a.popped, seq - 1);
    CU_ASSERT_PTR_NULL(ops->peek(q));
    ops->destroy(q);
    free(a.seen);
}

/*
 * Arbitrary pushes, some below the last pop (a real-time clock schedules at
 * "now", which can precede an entry a peek already found): each pop must
 * still return the minimum, checked against a small sorted model.
 */
static void check_backend_orders_arbitrary_pushes(const struct mn_evq_ops *ops)
{
    void *q;
    CU_ASSERT_EQUAL_FATAL(ops->create(&q, 0, NULL), MN_OK);
    enum { MAXN = 300 };
    mn_evq_entry model[MAXN];
    size_t nmodel = 0, mismatches = 0;
    uint64_t seed = 7, seq = 1;
    for (int round = 0; round < 20000; round++) {
        if (nmodel < MAXN && (xs(&seed) % 3 != 0 || nmodel == 0)) {
            mn_evq_entry e = {.t = (mn_time)(xs(&seed) % 100000) * 1000, .seq = seq++};
            CU_ASSERT_EQUAL(ops->push(q, &e), MN_OK);
            model[nmodel++] = e;
            continue;
        }
        qsort(model, nmodel, sizeof *model, cmp_entry);
        const mn_evq_entry *top = ops->peek(q);
        mn_evq_entry got;
        CU_ASSERT_PTR_NOT_NULL_FATAL(top);
        mismatches += top->seq != model[0].seq;
        CU_ASSERT_EQUAL(ops->pop(q, &got), 0);
        mismatches += got.seq != model[0].seq;
        memmove(model, model + 1, --nmodel * sizeof *model);
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT_EQUAL(ops->size(q), nmodel);
    ops->destroy(q);
}

static void test_evq_every_backend_orders_by_time_then_seq(void)
{
    for (size_t i = 0; i < mn_evq_count(); i++)
        check_backend_orders_monotone_workload(mn_evq_at(i), fine_delay);
}

static void test_evq_every_backend_orders_times_of_every_scale(void)
{
    for (size_t i = 0; i < mn_evq_count(); i++)
        check_backend_orders_monotone_workload(mn_evq_at(i), multiscale_delay);
}

static void test_evq_every_backend_orders_sparse_times(void)
{
    for (size_t i = 0; i < mn_evq_count(); i++)
        check_backend_orders_monotone_workload(mn_evq_at(i), sparse_delay);
}

static void test_evq_every_backend_returns_the_minimum_of_any_pushes(void)
{
    for (size_t i = 0; i < mn_evq_count(); i++)
        check_backend_orders_arbitrary_pushes(mn_evq_at(i));
}

static int keep_even_seq(const mn_evq_entry *e, void *ctx)
{
    (void)ctx;
    return e->seq % 2 == 0;
}

static void test_evq_every_backend_retains_and_stays_ordered(void)
{
    for (size_t b = 0; b < mn_evq_count(); b++) {
        const struct mn_evq_ops *ops = mn_evq_at(b);
        void *q;
        CU_ASSERT_EQUAL_FATAL(ops->create(&q, 0, NULL), MN_OK);
        uint64_t seed = 42;
        for (uint64_t s = 1; s <= 5000; s++) {
            mn_evq_entry e = {.t = (mn_time)(xs(&seed) % 1000), .seq = s};
            ops->push(q, &e);
        }
        ops->retain(q, keep_even_seq, NULL);
        CU_ASSERT_EQUAL(ops->size(q), 2500);
        mn_evq_entry prev = {.t = 0, .seq = 0}, got; /* below every entry: seq >= 1 */
        int ordered = 1, all_even = 1;
        while (ops->pop(q, &got) == 0) {
            ordered &= mn_evq_less(&prev, &got);
            all_even &= got.seq % 2 == 0;
            prev = got;
        }
        CU_ASSERT(ordered);
        CU_ASSERT(all_even);
        ops->destroy(q);
    }
}

static void test_evq_push_reports_out_of_memory_and_keeps_queue(void)
{
    for (size_t b = 0; b < mn_evq_count(); b++) {
        const struct mn_evq_ops *ops = mn_evq_at(b);
        void *q;
        CU_ASSERT_EQUAL_FATAL(ops->create(&q, 2, NULL), MN_OK);
        mn_evq_entry e = {.t = 5, .seq = 1};
        int rc = MN_OK;
        uint64_t s = 1;
        mn_alloc_fail_after(0);
        for (; s <= 1000000 && rc == MN_OK; s++) {
            e.seq = s;
            rc = ops->push(q, &e);
        }
        mn_alloc_fail_after(-1);
        CU_ASSERT_EQUAL(rc, MN_ENOMEM);
        size_t n = ops->size(q);
        CU_ASSERT(n >= 1 && n == s - 2); /* every push but the failed one is queued */
        mn_evq_entry got;
        CU_ASSERT_EQUAL(ops->pop(q, &got), 0);
        CU_ASSERT_EQUAL(got.seq, 1);
        ops->destroy(q);
    }
}

static void test_evq_lookup_names_valid_backends(void)
{
    mn_err err = {0};
    CU_ASSERT_PTR_EQUAL(mn_evq_lookup("heap4", &err), mn_evq_lookup("heap4", NULL));
    CU_ASSERT_PTR_NULL(mn_evq_lookup("splay", &err));
    CU_ASSERT_EQUAL(err.code, MN_ENOTFOUND);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "heap4"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "splay"));
    CU_ASSERT_PTR_EQUAL(mn_evq_default(), mn_evq_at(0));
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_evq_every_backend_orders_by_time_then_seq),
        MN_TEST(test_evq_every_backend_orders_times_of_every_scale),
        MN_TEST(test_evq_every_backend_orders_sparse_times),
        MN_TEST(test_evq_every_backend_returns_the_minimum_of_any_pushes),
        MN_TEST(test_evq_every_backend_retains_and_stays_ordered),
        MN_TEST(test_evq_push_reports_out_of_memory_and_keeps_queue),
        MN_TEST(test_evq_lookup_names_valid_backends),
    };
    MN_SUITE("evq", cases);
}
