/* test_flows.c - the flows benchmark (sim/bench/flows.c) against the figures the
 * spec (../shared/bench/flows-workload.md) publishes for SimGrid 3.32. */
#include <math.h>

#include "bench/flows.h"
#include "core/alloc.h"
#include "unit.h"

static void test_flows_generator_is_the_spec_prefix_property(void)
{
    /* the first 10,000 flows of F = 100,000 are the F = 10,000 flows */
    static mn_flows_spec small[10000], big[100000];
    mn_flows_generate(42, 10000, small);
    mn_flows_generate(42, 100000, big);
    int same = 1, cross_site = 1;
    for (int i = 0; i < 10000; i++) {
        same &= small[i].src == big[i].src && small[i].dst == big[i].dst &&
                small[i].start_s == big[i].start_s && small[i].bytes == big[i].bytes;
        cross_site &= small[i].src / 100 != small[i].dst / 100;
    }
    CU_ASSERT(same);
    CU_ASSERT(cross_site); /* the spec's sources and destinations are at different sites */
    /* start on a microsecond grid in [0, 600] s, mean size about 1e8 bytes */
    double mean = 0;
    for (int i = 0; i < 100000; i++) {
        CU_ASSERT_DOUBLE_EQUAL(big[i].start_s * 1e6, round(big[i].start_s * 1e6), 1e-6);
        mean += (double)big[i].bytes / 100000;
    }
    CU_ASSERT(fabs(mean - 1e8) < 5 * 1e8 / sqrt(100000));
}

static void test_flows_ten_thousand_match_the_published_reference(void)
{
    mn_flows_result r;
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(mn_flows_run(10000, 42, &r, &err), MN_OK);
    /* SimGrid 3.32, CM02: simulated end 601.356652 s, 28 flows at most */
    CU_ASSERT_DOUBLE_EQUAL(r.sim_end_s, 601.356652, 1e-6 * 601.356652);
    CU_ASSERT_EQUAL(r.max_in_flight, 28);
    CU_ASSERT_EQUAL(r.events, 20000); /* one arrival and one completion a flow */
    /* a flow alone ends at start + 0.012 + bytes / 125e6 */
    mn_flows_spec f0;
    mn_flows_generate(42, 1, &f0);
    CU_ASSERT_DOUBLE_EQUAL(r.end_s[0], f0.start_s + 0.012 + (double)f0.bytes / 125e6, 1e-9);
    mn_free(r.end_s);
}

static void test_flows_rejects_zero_flows(void)
{
    mn_flows_result r;
    mn_err err = {0};
    CU_ASSERT_EQUAL(mn_flows_run(0, 42, &r, &err), MN_ERANGE);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_flows_generator_is_the_spec_prefix_property),
        MN_TEST(test_flows_ten_thousand_match_the_published_reference),
        MN_TEST(test_flows_rejects_zero_flows),
    };
    MN_SUITE("flows", cases);
}
