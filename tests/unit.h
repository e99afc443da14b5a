/*
 * unit.h - the little glue between our test files and CUnit.
 *
 * Each tests/<dir>/test_<module>.c defines mn_test_register(), which adds
 * its suites with mn_test_suite(); tests/unit_main.c runs them and exits
 * non-zero if any assertion failed.
 */
#ifndef MN_TEST_UNIT_H
#define MN_TEST_UNIT_H

#include <CUnit/CUnit.h>
#include <stddef.h>

struct mn_test_case {
    const char *name;
    CU_TestFunc fn;
};

#define MN_TEST(fn) {#fn, fn}
#define MN_SUITE(name, cases) mn_test_suite((name), (cases), sizeof(cases) / sizeof((cases)[0]))

void mn_test_suite(const char *name, const struct mn_test_case *cases, size_t n);
void mn_test_register(void);

/* Doubles equal within a relative tolerance (absolute near zero). */
#define MN_ASSERT_CLOSE(actual, expected, rel)                                 \
    CU_ASSERT_DOUBLE_EQUAL((actual), (expected),                               \
                           (rel) * ((expected) < 0 ? -(expected) : (expected)) + 1e-12)

#endif
