/* test_distspec.c - random quantities in scenarios (sim/core/distspec.c). */
#include <math.h>
#include <string.h>

#include "core/distspec.h"
#include "unit.h"

static void test_distspec_parses_each_form_in_base_units(void)
{
    mn_distspec d;
    mn_err err = {0};
    CU_ASSERT_EQUAL(mn_distspec_parse("100MB", &mn_qk_size, &d, &err), MN_OK);
    CU_ASSERT(d.kind == MN_DIST_CONST && d.a == 1e8);
    CU_ASSERT_EQUAL(mn_distspec_parse("uniform(0s, 10min)", &mn_qk_duration, &d, &err), MN_OK);
    CU_ASSERT(d.kind == MN_DIST_UNIFORM && d.a == 0 && d.b == 600e9);
    CU_ASSERT_EQUAL(mn_distspec_parse("exponential(1.5GiB)", &mn_qk_size, &d, &err), MN_OK);
    CU_ASSERT(d.kind == MN_DIST_EXPONENTIAL && d.a == 1610612736.0);
    CU_ASSERT_EQUAL(mn_distspec_parse("pareto(1.5, 10MB)", &mn_qk_size, &d, &err), MN_OK);
    CU_ASSERT(d.kind == MN_DIST_PARETO && d.a == 1.5 && d.b == 1e7);
}

static void test_distspec_errors_say_what_to_write(void)
{
    mn_distspec d;
    mn_err err = {0};
    CU_ASSERT_EQUAL(mn_distspec_parse("gaussian(1s)", &mn_qk_duration, &d, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "uniform(lo, hi)"));
    CU_ASSERT_EQUAL(mn_distspec_parse("uniform(5s)", &mn_qk_duration, &d, &err), MN_EPARSE);
    CU_ASSERT_EQUAL(mn_distspec_parse("uniform(5s, 1s)", &mn_qk_duration, &d, &err), MN_ERANGE);
    CU_ASSERT_EQUAL(mn_distspec_parse("exponential(100)", &mn_qk_size, &d, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no unit"));
    CU_ASSERT_EQUAL(mn_distspec_parse("pareto(-1, 1MB)", &mn_qk_size, &d, &err), MN_ERANGE);
    CU_ASSERT_EQUAL(mn_distspec_parse("uniform(1s, 2s", &mn_qk_duration, &d, &err), MN_EPARSE);
}

static void test_distspec_draws_follow_their_law(void)
{
    mn_rng *r;
    CU_ASSERT_EQUAL_FATAL(mn_rng_create(3, "distspec", NULL, &r, NULL), MN_OK);
    mn_distspec u = {MN_DIST_UNIFORM, 100, 200}, e = {MN_DIST_EXPONENTIAL, 1000, 0},
                c = {MN_DIST_CONST, 42, 0};
    double su = 0, se = 0;
    int inside = 1;
    for (int i = 0; i < 100000; i++) {
        uint64_t x = mn_distspec_draw(&u, r);
        inside &= x >= 100 && x <= 200;
        su += (double)x;
        se += (double)mn_distspec_draw(&e, r);
    }
    CU_ASSERT(inside);
    CU_ASSERT(fabs(su / 100000 - 150) < 1);
    CU_ASSERT(fabs(se / 100000 - 1000) < 5 * 1000 / sqrt(100000));
    CU_ASSERT_EQUAL(mn_distspec_draw(&c, r), 42);
    mn_rng_destroy(r);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_distspec_parses_each_form_in_base_units),
        MN_TEST(test_distspec_errors_say_what_to_write),
        MN_TEST(test_distspec_draws_follow_their_law),
    };
    MN_SUITE("distspec", cases);
}
