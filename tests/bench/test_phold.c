/* test_phold.c - PHOLD (sim/bench/phold.c): correctness, not speed.
 * Speed targets are checked by tests/bench/phold.sh, never here. */
#include "bench/phold.h"
#include "unit.h"

static void test_phold_engine_and_reference_handle_the_same_events(void)
{
    for (size_t i = 0; i < mn_evq_count(); i++) {
        mn_phold_params p = {.lps = 500, .events_per_lp = 2, .end = 50 * MN_SEC, .seed = 9,
                             .queue = mn_evq_at(i)};
        mn_phold_result eng, ref;
        CU_ASSERT_EQUAL_FATAL(mn_phold_run_engine(&p, &eng, NULL), MN_OK);
        CU_ASSERT_EQUAL_FATAL(mn_phold_run_reference(&p, &ref, NULL), MN_OK);
        CU_ASSERT_EQUAL(eng.events, ref.events);
        /* hold model: about N*E/1.1 events per time unit */
        CU_ASSERT(eng.events > 500 * 2 * 50 / 1.1 * 0.9);
        CU_ASSERT(eng.events < 500 * 2 * 50 / 1.1 * 1.1);
        CU_ASSERT_EQUAL(eng.alloc_calls_in_loop, 0);
    }
}

static void test_phold_is_reproducible_and_seed_dependent(void)
{
    mn_phold_params p = {.lps = 300, .events_per_lp = 1, .end = 40 * MN_SEC, .seed = 5};
    mn_phold_result a, b, c;
    CU_ASSERT_EQUAL_FATAL(mn_phold_run_engine(&p, &a, NULL), MN_OK);
    CU_ASSERT_EQUAL_FATAL(mn_phold_run_engine(&p, &b, NULL), MN_OK);
    p.seed = 6;
    CU_ASSERT_EQUAL_FATAL(mn_phold_run_engine(&p, &c, NULL), MN_OK);
    CU_ASSERT_EQUAL(a.events, b.events);
    CU_ASSERT_NOT_EQUAL(a.events, c.events);
}

static void test_phold_rejects_impossible_parameters(void)
{
    mn_phold_params p = {.lps = 0, .events_per_lp = 1, .end = MN_SEC};
    mn_phold_result r;
    mn_err err = {0};
    CU_ASSERT_EQUAL(mn_phold_run_engine(&p, &r, &err), MN_ERANGE);
    p.lps = 10;
    p.events_per_lp = 0;
    CU_ASSERT_EQUAL(mn_phold_run_reference(&p, &r, &err), MN_ERANGE);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_phold_engine_and_reference_handle_the_same_events),
        MN_TEST(test_phold_is_reproducible_and_seed_dependent),
        MN_TEST(test_phold_rejects_impossible_parameters),
    };
    MN_SUITE("phold", cases);
}
