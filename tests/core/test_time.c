/* test_time.c - duration parsing and printing (sim/core/time.c). */
#include <string.h>

#include "core/time.h"
#include "unit.h"

static mn_time parse_ok(const char *text)
{
    mn_time t = -1;
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(mn_time_parse(text, "x", &t, &err), MN_OK);
    return t;
}

static int parse_code(const char *text, char *msg, size_t n)
{
    mn_time t = 0;
    mn_err err = {0};
    int rc = mn_time_parse(text, "--end", &t, &err);
    if (msg)
        snprintf(msg, n, "%s", err.msg);
    CU_ASSERT_STRING_EQUAL(err.where, rc ? "--end" : "");
    return rc;
}

static void test_time_parses_each_unit(void)
{
    CU_ASSERT_EQUAL(parse_ok("250us"), 250 * MN_US);
    CU_ASSERT_EQUAL(parse_ok("10ms"), 10 * MN_MS);
    CU_ASSERT_EQUAL(parse_ok("24h"), 24 * MN_HOUR);
    CU_ASSERT_EQUAL(parse_ok("7ns"), 7);
    CU_ASSERT_EQUAL(parse_ok("3s"), 3 * MN_SEC);
    CU_ASSERT_EQUAL(parse_ok("2min"), 120 * MN_SEC);
    CU_ASSERT_EQUAL(parse_ok("1d"), 86400 * MN_SEC);
    CU_ASSERT_EQUAL(parse_ok("0s"), 0);
}

static void test_time_parses_decimals_exactly(void)
{
    CU_ASSERT_EQUAL(parse_ok("1.5ms"), 1500000);
    CU_ASSERT_EQUAL(parse_ok("0.1s"), 100000000);
    CU_ASSERT_EQUAL(parse_ok("1.1s"), 1100000000); /* 1.1 is not exact in binary */
    CU_ASSERT_EQUAL(parse_ok(".5us"), 500);
    CU_ASSERT_EQUAL(parse_ok("1.5min"), 90 * MN_SEC);
    CU_ASSERT_EQUAL(parse_ok("2.000ns"), 2);
}

static void test_time_rejects_bad_durations_with_a_fix(void)
{
    char msg[256];
    CU_ASSERT_EQUAL(parse_code("10", msg, sizeof msg), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no unit"));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "10ms"));
    CU_ASSERT_EQUAL(parse_code("10 parsecs", msg, sizeof msg), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unknown unit"));
    CU_ASSERT_EQUAL(parse_code("-5s", msg, sizeof msg), MN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "negative"));
    CU_ASSERT_EQUAL(parse_code("1.5ns", msg, sizeof msg), MN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "1 ns"));
    CU_ASSERT_EQUAL(parse_code("", NULL, 0), MN_EPARSE);
    CU_ASSERT_EQUAL(parse_code("ms", NULL, 0), MN_EPARSE);
    CU_ASSERT_EQUAL(parse_code("300y", NULL, 0), MN_EPARSE);
    CU_ASSERT_EQUAL(parse_code("1e3s", NULL, 0), MN_EPARSE);
}

static void test_time_rejects_overflow(void)
{
    CU_ASSERT_EQUAL(parse_code("107000d", NULL, 0), MN_ERANGE); /* > 292 years */
    CU_ASSERT_EQUAL(parse_code("99999999999999999999999s", NULL, 0), MN_ERANGE);
    CU_ASSERT_EQUAL(parse_ok("9223372036854775807ns"), INT64_MAX);
    CU_ASSERT_EQUAL(parse_code("9223372036854775808ns", NULL, 0), MN_ERANGE);
}

static void test_time_formats_in_the_largest_exact_unit(void)
{
    char buf[64];
    struct {
        mn_time t;
        const char *text;
    } cases[] = {
        {0, "0s"},           {24 * MN_HOUR, "1d"},   {25 * MN_HOUR, "25h"},
        {90 * MN_SEC, "90s"}, {120 * MN_SEC, "2min"}, {1500000, "1.5ms"},
        {250 * MN_US, "250us"}, {7, "7ns"},          {-3 * MN_US, "-3us"},
        {1100000000, "1.1s"}, {1000000001, "1.000000001s"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mn_time_format(cases[i].t, buf, sizeof buf);
        CU_ASSERT_STRING_EQUAL(buf, cases[i].text);
    }
}

static void test_time_format_round_trips(void)
{
    mn_time samples[] = {1, 999, 1000, 123456789, 86399999999999, 3 * MN_DAY + 1, INT64_MAX};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char buf[64];
        mn_time_format(samples[i], buf, sizeof buf);
        CU_ASSERT_EQUAL(parse_ok(buf), samples[i]);
    }
}

static void test_time_converts_seconds(void)
{
    CU_ASSERT_EQUAL(mn_time_from_sec(0.1), 100000000);
    CU_ASSERT_EQUAL(mn_time_from_sec(1e300), MN_TIME_MAX);
    CU_ASSERT_DOUBLE_EQUAL(mn_time_to_sec(1500 * MN_MS), 1.5, 1e-15);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_time_parses_each_unit),
        MN_TEST(test_time_parses_decimals_exactly),
        MN_TEST(test_time_rejects_bad_durations_with_a_fix),
        MN_TEST(test_time_rejects_overflow),
        MN_TEST(test_time_formats_in_the_largest_exact_unit),
        MN_TEST(test_time_format_round_trips),
        MN_TEST(test_time_converts_seconds),
    };
    MN_SUITE("time", cases);
}
