/* test_log.c - levelled logging (sim/core/log.c). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "unit.h"

static int evaluated;
static int side_effect(void)
{
    return ++evaluated;
}

/* Runs MN_LOG at a level with stderr redirected to a file; returns what was written. */
static size_t capture(int level, char *buf, size_t size)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(tmp), STDERR_FILENO);
    MN_LOG(level, "box %s has %d vAPs (%d)", "b1", 3, side_effect());
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(buf, 1, size - 1, tmp);
    buf[n] = '\0';
    fclose(tmp);
    return n;
}

static void test_log_disabled_levels_cost_no_argument_evaluation(void)
{
    char buf[256];
    mn_log_set_level(MN_LOG_WARN);
    evaluated = 0;
    CU_ASSERT_EQUAL(capture(MN_LOG_DEBUG, buf, sizeof buf), 0);
    CU_ASSERT_EQUAL(evaluated, 0);
    CU_ASSERT(capture(MN_LOG_ERROR, buf, sizeof buf) > 0);
    CU_ASSERT_EQUAL(evaluated, 1);
    CU_ASSERT_STRING_EQUAL(buf, "mnetsim: error: box b1 has 3 vAPs (1)\n");
    mn_log_set_level(MN_LOG_OFF);
    CU_ASSERT_EQUAL(capture(MN_LOG_ERROR, buf, sizeof buf), 0);
    mn_log_set_level(MN_LOG_WARN);
}

static void test_log_levels_parse_and_clamp(void)
{
    CU_ASSERT_EQUAL(mn_log_level_parse("debug"), MN_LOG_DEBUG);
    CU_ASSERT_EQUAL(mn_log_level_parse("off"), MN_LOG_OFF);
    CU_ASSERT_EQUAL(mn_log_level_parse("loud"), -1);
    CU_ASSERT_STRING_EQUAL(mn_log_level_name(MN_LOG_INFO), "info");
    mn_log_set_level(99);
    CU_ASSERT_EQUAL(mn_log_level, MN_LOG_TRACE);
    mn_log_set_level(-4);
    CU_ASSERT_EQUAL(mn_log_level, MN_LOG_OFF);
    mn_log_set_level(MN_LOG_WARN);
}

static void test_log_long_messages_are_cut_to_one_line(void)
{
    char buf[4096], msg[3000];
    memset(msg, 'x', sizeof msg - 1);
    msg[sizeof msg - 1] = '\0';
    fflush(stderr);
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO);
    dup2(fileno(tmp), STDERR_FILENO);
    mn_log_write(MN_LOG_WARN, "%s", msg);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(buf, 1, sizeof buf - 1, tmp);
    fclose(tmp);
    CU_ASSERT(n > 100 && n < 1100);
    CU_ASSERT_EQUAL(buf[n - 1], '\n');
    CU_ASSERT_PTR_NULL(memchr(buf, '\n', n - 1));
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_log_disabled_levels_cost_no_argument_evaluation),
        MN_TEST(test_log_levels_parse_and_clamp),
        MN_TEST(test_log_long_messages_are_cut_to_one_line),
    };
    MN_SUITE("log", cases);
}
