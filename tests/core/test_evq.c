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

/* Interleaved pushes and pops against a sorted model, with many equal times. */
static void check_backend_orders_like_a_sort(const struct mn_evq_ops *ops)
{
    void *q;
    CU_ASSERT_EQUAL_FATAL(ops->create(&q, 4, NULL), MN_OK); /* tiny: forces growth */
    enum { N = 20000 };
    mn_evq_entry *model = malloc(N * sizeof *model);
    size_t nmodel = 0;
    uint64_t seed = 88172645463325252ULL, seq = 1;
    mn_time floor_t = 0;
    size_t mismatches = 0;
    for (int round = 0; round < N; round++) {
        int pushes = (int)(xs(&seed) % 3);
        for (int k = 0; k < pushes && nmodel < N; k++) {
            /* times on a coarse grid, so ties are frequent */
            mn_evq_entry e = {.t = floor_t + (mn_time)(xs(&seed) % 50), .seq = seq++,
                              .ctx = &model[nmodel]};
            CU_ASSERT_EQUAL(ops->push(q, &e), MN_OK);
            model[nmodel++] = e;
        }
        if (nmodel && (xs(&seed) & 1)) {
            qsort(model, nmodel, sizeof *model, cmp_entry);
            const mn_evq_entry *top = ops->peek(q);
            mn_evq_entry got;
            CU_ASSERT_PTR_NOT_NULL_FATAL(top);
            CU_ASSERT_EQUAL(ops->pop(q, &got), 0);
            if (got.t != model[0].t || got.seq != model[0].seq)
                mismatches++;
            floor_t = got.t;
            memmove(model, model + 1, --nmodel * sizeof *model);
        }
        CU_ASSERT_EQUAL(ops->size(q), nmodel);
    }
    qsort(model, nmodel, sizeof *model, cmp_entry);
    for (size_t i = 0; i < nmodel; i++) {
        mn_evq_entry got;
        CU_ASSERT_EQUAL_FATAL(ops->pop(q, &got), 0);
        if (got.seq != model[i].seq)
            mismatches++;
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    mn_evq_entry got;
    CU_ASSERT_EQUAL(ops->pop(q, &got), 1);
    CU_ASSERT_PTR_NULL(ops->peek(q));
    ops->destroy(q);
    free(model);
}

static void test_evq_every_backend_orders_by_time_then_seq(void)
{
    for (size_t i = 0; i < mn_evq_count(); i++)
        check_backend_orders_like_a_sort(mn_evq_at(i));
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
        MN_TEST(test_evq_every_backend_retains_and_stays_ordered),
        MN_TEST(test_evq_push_reports_out_of_memory_and_keeps_queue),
        MN_TEST(test_evq_lookup_names_valid_backends),
    };
    MN_SUITE("evq", cases);
}
