/* test_compare_table.c - the comparison table (sim/cli/compare_table.c) against hand-computed
 * answers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/compare_table.h"
#include "core/alloc.h"
#include "unit.h"

static const char *const keys3[] = {"placement", "balancing", "migration"};
static const char *const metrics2[] = {"a", "b"};

/* What f wrote, as a NUL-terminated string in buf. */
static void slurp(FILE *f, char *buf, size_t len)
{
    rewind(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
}

/* A table with one row (first-fit, strongest-signal, none) fed rows of values[k][0..1]. */
static void table_with(mn_cmp_table *t, const double (*values)[2], size_t k)
{
    const char *row_keys[] = {"first-fit", "strongest-signal", "none"};
    size_t row = 99;
    CU_ASSERT_EQUAL_FATAL(mn_cmp_init(t, keys3, 3, metrics2, 2, NULL), MN_OK);
    CU_ASSERT_EQUAL_FATAL(mn_cmp_add_row(t, row_keys, &row, NULL), MN_OK);
    CU_ASSERT_EQUAL(row, 0);
    for (size_t i = 0; i < k; i++)
        mn_cmp_add(t, row, values[i]);
}

static void test_compare_table_mean_and_ci_of_one_to_five(void)
{
    /* 1..5: mean 3, s = sqrt(2.5) = 1.581139, t(0.975, 4) = 2.776445,
       half = 2.776445 * 1.581139 / sqrt(5) = 1.963243 */
    const double v[5][2] = {{1, 10}, {2, 10}, {3, 10}, {4, 10}, {5, 10}};
    mn_cmp_table t;
    table_with(&t, v, 5);
    double mean = 0, half = 0;
    CU_ASSERT_EQUAL(mn_cmp_cell(&t, 0, 0, &mean, &half), 1);
    CU_ASSERT_DOUBLE_EQUAL(mean, 3.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(half, 1.963243, 1e-6);
    /* equal samples: an interval of width 0 */
    CU_ASSERT_EQUAL(mn_cmp_cell(&t, 0, 1, &mean, &half), 1);
    CU_ASSERT_DOUBLE_EQUAL(mean, 10.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(half, 0.0, 1e-12);
    CU_ASSERT_EQUAL(t.rows[0].n, 5);
    char cell[64];
    mn_cmp_format_cell(&t, 0, 0, cell, sizeof cell);
    CU_ASSERT_STRING_EQUAL(cell, "3 ± 1.96");
    mn_cmp_fini(&t);
}

static void test_compare_table_one_seed_has_no_interval(void)
{
    const double v[1][2] = {{2.5, 7}};
    mn_cmp_table t;
    table_with(&t, v, 1);
    double mean = 0, half = -1;
    CU_ASSERT_EQUAL(mn_cmp_cell(&t, 0, 0, &mean, &half), 0);
    CU_ASSERT_DOUBLE_EQUAL(mean, 2.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(half, -1, 0); /* untouched */
    char cell[64];
    mn_cmp_format_cell(&t, 0, 0, cell, sizeof cell);
    CU_ASSERT_STRING_EQUAL(cell, "2.5 ± -");
    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    mn_cmp_csv_row(&t, 0, f);
    char buf[512];
    slurp(f, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "first-fit,strongest-signal,none,1,2.5,n/a,7,n/a\n");
    fclose(f);
    mn_cmp_fini(&t);
}

static void test_compare_table_writes_the_documented_csv(void)
{
    const double v[5][2] = {{1, 0.25}, {2, 0.25}, {3, 0.25}, {4, 0.25}, {5, 0.25}};
    mn_cmp_table t;
    table_with(&t, v, 5);
    const char *other[] = {"best-fit", "strongest-signal", "none"};
    size_t row;
    CU_ASSERT_EQUAL_FATAL(mn_cmp_add_row(&t, other, &row, NULL), MN_OK);
    CU_ASSERT_EQUAL(row, 1);
    const double nan_row[2] = {NAN, 1e9};
    mn_cmp_add(&t, row, nan_row);
    mn_cmp_add(&t, row, nan_row);

    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    mn_cmp_csv_header(&t, f);
    mn_cmp_csv_row(&t, 0, f);
    mn_cmp_csv_row(&t, 1, f);
    char buf[1024];
    slurp(f, buf, sizeof buf);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "placement,balancing,migration,seeds,a_mean,a_ci95,b_mean,b_ci95\n"
                                "first-fit,strongest-signal,none,5,3,1.963243161,0.25,0\n"
                                "best-fit,strongest-signal,none,2,n/a,n/a,1000000000,0\n");

    /* the same through the atomic writer, into a directory it creates */
    char dir[] = "/tmp/mn-cmp-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/sub/compare.csv", dir);
    CU_ASSERT_EQUAL(mn_cmp_write_csv(&t, path, NULL), MN_OK);
    f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char again[1024];
    slurp(f, again, sizeof again);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(again, buf);
    remove(path);
    snprintf(path, sizeof path, "%s/sub", dir);
    CU_ASSERT_EQUAL(rmdir(path), 0);
    CU_ASSERT_EQUAL(rmdir(dir), 0);

    /* a name needing quotes is quoted */
    const char *odd[] = {"a,b", "say \"hi\"", "none"};
    CU_ASSERT_EQUAL(mn_cmp_add_row(&t, odd, &row, NULL), MN_OK);
    f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    mn_cmp_csv_row(&t, row, f);
    slurp(f, buf, sizeof buf);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "\"a,b\",\"say \"\"hi\"\"\",none,0,n/a,n/a,n/a,n/a\n");
    mn_cmp_fini(&t);
}

static void test_compare_table_prints_one_line_per_row(void)
{
    const double v[2][2] = {{1, 2}, {3, 4}};
    mn_cmp_table t;
    table_with(&t, v, 2);
    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    mn_cmp_print(&t, f);
    char buf[1024];
    slurp(f, buf, sizeof buf);
    fclose(f);
    /* header, one row; t(0.975, 1) = 12.7062, s = sqrt(2): half = 12.7062 */
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "placement"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "first-fit"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "2 ± 12.7"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "3 ± 12.7"));
    int lines = 0;
    for (const char *p = buf; *p; p++)
        lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, 2);
    mn_cmp_fini(&t);
}

static void test_compare_table_fails_cleanly_without_memory(void)
{
    const char *row_keys[] = {"first-fit", "strongest-signal", "none"};
    for (long n = 0;; n++) {
        mn_cmp_table t;
        mn_alloc_stats before = mn_alloc_get_stats();
        CU_ASSERT_EQUAL_FATAL(mn_cmp_init(&t, keys3, 3, metrics2, 2, NULL), MN_OK);
        size_t row;
        mn_err err = {0};
        mn_alloc_fail_after(n);
        int rc = mn_cmp_add_row(&t, row_keys, &row, &err);
        mn_alloc_fail_after(-1);
        if (rc == MN_OK) {
            CU_ASSERT_EQUAL(t.nrows, 1);
            mn_cmp_fini(&t);
            CU_ASSERT_EQUAL(mn_alloc_get_stats().live_bytes, before.live_bytes);
            break;
        }
        CU_ASSERT_EQUAL(rc, MN_ENOMEM);
        CU_ASSERT_EQUAL(t.nrows, 0);
        mn_cmp_fini(&t);
        CU_ASSERT_EQUAL(mn_alloc_get_stats().live_bytes, before.live_bytes);
        CU_ASSERT_FATAL(n < 100);
    }
}

static void test_compare_table_refuses_too_many_keys(void)
{
    const char *const many[MN_CMP_MAX_KEYS + 1] = {"k"};
    mn_cmp_table t;
    mn_err err = {0};
    CU_ASSERT_EQUAL(mn_cmp_init(&t, many, MN_CMP_MAX_KEYS + 1, metrics2, 2, &err), MN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "key columns"));
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_compare_table_mean_and_ci_of_one_to_five),
        MN_TEST(test_compare_table_one_seed_has_no_interval),
        MN_TEST(test_compare_table_writes_the_documented_csv),
        MN_TEST(test_compare_table_prints_one_line_per_row),
        MN_TEST(test_compare_table_fails_cleanly_without_memory),
        MN_TEST(test_compare_table_refuses_too_many_keys),
    };
    MN_SUITE("compare_table", cases);
}
