/* test_sweep_spec.c - sweep files (sim/cli/sweep_spec.c): expansion (factorial and zipped,
 * counts and values), ranges with units, seeds, errors with file:line; and the points table
 * (sim/cli/sweep_agg.c) against hand-computed confidence intervals. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/sweep_run.h"
#include "cli/sweep_spec.h"
#include "core/alloc.h"
#include "core/outfile.h"
#include "models/netrun.h"
#include "unit.h"

static mn_sweep *load(const char *xml, mn_err *err)
{
    mn_sweep *sw = NULL;
    mn_err e = {0};
    int rc = mn_sweep_load_memory(xml, strlen(xml), "t/sweep.xml", &sw, err ? err : &e);
    if (rc != MN_OK)
        return NULL;
    return sw;
}

static void test_sweep_spec_factorial_and_zip_expand_in_order(void)
{
    /* a (2) x zip(b, c) (3) = 6 points, a outermost: (1,x,7) (1,y,8) (1,z,9) (2,x,7) ... */
    mn_sweep *sw = load("<sweep base=\"b.xml\" replications=\"4\">\n"
                        "  <param name=\"a\" xpath=\"//p/@a\" values=\"1 2\"/>\n"
                        "  <zip>\n"
                        "    <param name=\"b\" xpath=\"//p/@b\" values=\"x y z\"/>\n"
                        "    <param name=\"c\" xpath=\"//p/@c\"><value>7</value><value>8</value>"
                        "<value>9</value></param>\n"
                        "  </zip>\n"
                        "</sweep>\n",
                        NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
    CU_ASSERT_EQUAL(sw->npoints, 6);
    CU_ASSERT_EQUAL(mn_sweep_nruns(sw), 24);
    CU_ASSERT_EQUAL(sw->nfactors, 2);
    const char *want[6][3] = {{"1", "x", "7"}, {"1", "y", "8"}, {"1", "z", "9"},
                              {"2", "x", "7"}, {"2", "y", "8"}, {"2", "z", "9"}};
    for (size_t p = 0; p < 6; p++)
        for (size_t i = 0; i < 3; i++)
            CU_ASSERT_STRING_EQUAL(mn_sweep_value(sw, p, i), want[p][i]);
    CU_ASSERT_STRING_EQUAL(sw->base, "t/b.xml"); /* relative to the sweep file */
    CU_ASSERT_STRING_EQUAL(sw->name, "sweep");
    char **sets;
    size_t n;
    const char *pol[3];
    CU_ASSERT_EQUAL_FATAL(mn_sweep_point_sets(sw, 4, &sets, &n, pol, NULL), MN_OK);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_STRING_EQUAL(sets[0], "//p/@a=2");
    CU_ASSERT_STRING_EQUAL(sets[1], "//p/@b=y");
    CU_ASSERT_STRING_EQUAL(sets[2], "//p/@c=8");
    CU_ASSERT_PTR_NULL(pol[0]);
    mn_sweep_sets_free(sets, n);
    mn_sweep_destroy(sw);
}

static void test_sweep_spec_three_factors_count_is_the_product(void)
{
    mn_sweep *sw = load("<sweep base=\"b.xml\">\n"
                        "  <set xpath=\"//s/@d\" value=\"2h\"/>\n"
                        "  <param name=\"placement\" policy=\"placement\" values=\"first-fit "
                        "worst-fit energy\"/>\n"
                        "  <param name=\"migration\" policy=\"migration\" values=\"none "
                        "consolidation\"/>\n"
                        "  <param name=\"users\" xpath=\"//u/@count\" values=\"500 1000 2000\"/>\n"
                        "</sweep>\n",
                        NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
    CU_ASSERT_EQUAL(sw->npoints, 18);
    CU_ASSERT_EQUAL(sw->reps, 1);
    /* the last parameter changes fastest */
    CU_ASSERT_STRING_EQUAL(mn_sweep_value(sw, 1, 2), "1000");
    CU_ASSERT_STRING_EQUAL(mn_sweep_value(sw, 3, 1), "consolidation");
    CU_ASSERT_STRING_EQUAL(mn_sweep_value(sw, 6, 0), "worst-fit");
    char **sets;
    size_t n;
    const char *pol[3];
    CU_ASSERT_EQUAL_FATAL(mn_sweep_point_sets(sw, 17, &sets, &n, pol, NULL), MN_OK);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_STRING_EQUAL(sets[0], "//s/@d=2h");
    CU_ASSERT_STRING_EQUAL(sets[1], "//u/@count=2000");
    CU_ASSERT_STRING_EQUAL(pol[0], "energy");
    CU_ASSERT_PTR_NULL(pol[1]);
    CU_ASSERT_STRING_EQUAL(pol[2], "consolidation");
    mn_sweep_sets_free(sets, n);
    CU_ASSERT_FALSE(sw->params[0].numeric);
    CU_ASSERT_TRUE(sw->params[2].numeric);
    CU_ASSERT_STRING_EQUAL(sw->params[2].column, "users");
    mn_sweep_destroy(sw);
}

static void test_sweep_spec_ranges_keep_units_and_decimals(void)
{
    mn_sweep *sw = load("<sweep base=\"b.xml\">\n"
                        "  <param name=\"uplink\" xpath=\"//b/@u\"><range from=\"50Mbps\" "
                        "to=\"200Mbps\" step=\"50Mbps\"/></param>\n"
                        "  <param name=\"t\" xpath=\"//b/@t\"><range from=\"0.5s\" to=\"2s\" "
                        "step=\"0.25s\"/></param>\n"
                        "  <param name=\"k\" xpath=\"//b/@k\" values=\"3\"><range from=\"5\" "
                        "to=\"9\" step=\"3\"/></param>\n"
                        "</sweep>\n",
                        NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
    const mn_sweep_param *u = &sw->params[0], *t = &sw->params[1], *k = &sw->params[2];
    CU_ASSERT_EQUAL_FATAL(u->nvalues, 4);
    CU_ASSERT_STRING_EQUAL(u->values[0], "50Mbps");
    CU_ASSERT_STRING_EQUAL(u->values[3], "200Mbps");
    CU_ASSERT_STRING_EQUAL(u->column, "uplink_Mbps");
    CU_ASSERT_TRUE(u->numeric);
    /* 0.5 0.75 1 1.25 1.5 1.75 2: exact decimals, trailing zeros dropped */
    CU_ASSERT_EQUAL_FATAL(t->nvalues, 7);
    CU_ASSERT_STRING_EQUAL(t->values[1], "0.75s");
    CU_ASSERT_STRING_EQUAL(t->values[2], "1s");
    CU_ASSERT_STRING_EQUAL(t->values[6], "2s");
    CU_ASSERT_STRING_EQUAL(t->column, "t_s");
    /* values then a range (5, 8: 11 is past 9) */
    CU_ASSERT_EQUAL_FATAL(k->nvalues, 3);
    CU_ASSERT_STRING_EQUAL(k->values[0], "3");
    CU_ASSERT_STRING_EQUAL(k->values[1], "5");
    CU_ASSERT_STRING_EQUAL(k->values[2], "8");
    CU_ASSERT_EQUAL(sw->npoints, 4 * 7 * 3);
    mn_sweep_destroy(sw);
}

static void test_sweep_spec_replication_k_always_gets_the_same_seed(void)
{
    const char *common = "<sweep base=\"b.xml\" seed=\"41\" replications=\"3\">\n"
                         "  <param name=\"a\" xpath=\"//p/@a\" values=\"1 2 3\"/>\n"
                         "</sweep>\n";
    mn_sweep *sw = load(common, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
    /* common random numbers: seed S + k at every point */
    for (size_t p = 0; p < 3; p++)
        for (uint32_t k = 0; k < 3; k++)
            CU_ASSERT_EQUAL(mn_sweep_seed(sw, p, k), 41 + k);
    mn_sweep_destroy(sw);

    /* independent: a pure function of (S, the point's values, k), whatever else the sweep
       holds or in which order it lists the values */
    mn_sweep *x = load("<sweep base=\"b.xml\" seed=\"41\" replications=\"3\" "
                       "seed-policy=\"independent\">\n"
                       "  <param name=\"a\" xpath=\"//p/@a\" values=\"1 2 3\"/>\n"
                       "</sweep>\n",
                       NULL);
    mn_sweep *y = load("<sweep base=\"b.xml\" seed=\"41\" replications=\"5\" "
                       "seed-policy=\"independent\">\n"
                       "  <param name=\"a\" xpath=\"//p/@a\" values=\"9 3 1\"/>\n"
                       "</sweep>\n",
                       NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    for (uint32_t k = 0; k < 3; k++) {
        CU_ASSERT_EQUAL(mn_sweep_seed(x, 0, k), mn_sweep_seed(y, 2, k)); /* a=1 */
        CU_ASSERT_EQUAL(mn_sweep_seed(x, 2, k), mn_sweep_seed(y, 1, k)); /* a=3 */
        CU_ASSERT_NOT_EQUAL(mn_sweep_seed(x, 0, k), mn_sweep_seed(x, 1, k));
        CU_ASSERT(mn_sweep_seed(x, 0, k) < (1ull << 53));
    }
    CU_ASSERT_NOT_EQUAL(mn_sweep_seed(x, 0, 0), mn_sweep_seed(x, 0, 1));
    char a[128], b[128];
    mn_sweep_point_id(x, 0, a, sizeof a);
    mn_sweep_point_id(y, 2, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(a, b); /* the same point, the same directory */
    CU_ASSERT_EQUAL(strncmp(a, "1-", 2), 0);
    mn_sweep_destroy(x);
    mn_sweep_destroy(y);
}

static void test_sweep_spec_errors_name_file_and_line(void)
{
    static const struct {
        const char *xml, *where, *msg;
    } cases[] = {
        {"<sweep base=\"b.xml\">\n<zip>\n<param name=\"a\" xpath=\"//a/@a\" values=\"1 2\"/>\n"
         "<param name=\"b\" xpath=\"//a/@b\" values=\"1\"/>\n</zip>\n</sweep>\n",
         "t/sweep.xml:4", "equally many"},
        {"<sweep base=\"b.xml\">\n\n<param name=\"p\" policy=\"placement\" values=\"nope\"/>\n"
         "</sweep>\n",
         "t/sweep.xml:3", "nope"},
        {"<sweep base=\"b.xml\">\n<param name=\"a\" xpath=\"//a/@a\"><range from=\"1\" to=\"5\" "
         "step=\"0\"/></param>\n</sweep>\n",
         "t/sweep.xml:2", "step must be positive"},
        {"<sweep base=\"b.xml\">\n<param name=\"a\" xpath=\"//a/@a\" values=\"1 1\"/>\n</sweep>\n",
         "t/sweep.xml:2", "listed twice"},
        {"<sweep base=\"b.xml\" seed=\"-1\"/>\n", "t/sweep.xml:1", "seed"},
        {"<sweep base=\"b.xml\" seed-policy=\"lucky\"/>\n", "t/sweep.xml:1", "seed-policy"},
        {"<sweep base=\"b.xml\">\n<param name=\"1x\" xpath=\"//a/@a\" values=\"1\"/>\n</sweep>\n",
         "t/sweep.xml:2", "CSV column"},
        {"<sweep base=\"b.xml\">\n<zip/>\n</sweep>\n", "t/sweep.xml:2", "empty"},
        {"<scenario name=\"x\"/>\n", "t/sweep.xml:1", "not <sweep>"},
        {"<sweep base=\"b.xml\">\n<param name=\"a\" xpath=\"//a/@a\"/>\n</sweep>\n",
         "t/sweep.xml:2", "no values"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mn_err err = {0};
        mn_sweep *sw = NULL;
        int rc = mn_sweep_load_memory(cases[i].xml, strlen(cases[i].xml), "t/sweep.xml", &sw,
                                      &err);
        CU_ASSERT(rc == MN_EINVAL || rc == MN_EPARSE);
        CU_ASSERT_PTR_NULL(sw);
        CU_ASSERT_STRING_EQUAL(err.where, cases[i].where);
        if (!strstr(err.msg, cases[i].msg))
            fprintf(stderr, "case %zu: \"%s\" lacks \"%s\"\n", i, err.msg, cases[i].msg);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, cases[i].msg));
    }
}

static void test_sweep_spec_allocation_failures_are_clean(void)
{
    const char *xml = "<sweep base=\"b.xml\">\n"
                      "  <param name=\"a\" xpath=\"//p/@a\" values=\"1 2\"/>\n"
                      "  <zip><param name=\"b\" policy=\"placement\" values=\"first-fit\"/></zip>\n"
                      "  <set xpath=\"//x/@y\" value=\"3\"/>\n"
                      "</sweep>\n";
    for (long n = 1; n < 200; n++) {
        mn_alloc_fail_after(n);
        mn_sweep *sw = NULL;
        mn_err err = {0};
        int rc = mn_sweep_load_memory(xml, strlen(xml), "t/sweep.xml", &sw, &err);
        mn_alloc_fail_after(-1);
        if (rc == MN_OK) {
            CU_ASSERT_EQUAL(sw->npoints, 2);
            mn_sweep_destroy(sw);
            break;
        }
        CU_ASSERT_EQUAL(rc, MN_ENOMEM);
        CU_ASSERT_PTR_NULL(sw);
    }
}

/* ---- the points table ---- */

static void write_metrics(const char *dir, double first)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    for (size_t m = 0; m < MN_RUN_NMETRICS; m++)
        fprintf(f, "%s%s", m ? "," : "", mn_run_metric_names[m]);
    fputc('\n', f);
    for (size_t m = 0; m < MN_RUN_NMETRICS; m++)
        fprintf(f, m ? ",%g" : "%g", m == 0 ? first : 10.0);
    fputc('\n', f);
    fclose(f);
}

static void test_sweep_agg_points_match_hand_computed_intervals(void)
{
    /* point a=1: sla_violation_s of its 5 replications 1..5: mean 3, sd sqrt(2.5) =
       1.581138830, half = t(0.975, 4) * sd / sqrt(5) = 2.776445105 * 1.581138830 / 2.236067977
       = 1.963243161. Point a=2: replication 2 failed, the others 10, 20, 30, 40: mean 25,
       sd 12.90994449, half = t(0.975, 3) 3.182446305 * 12.90994449 / 2 = 20.54260257 */
    mn_sweep *sw = load("<sweep base=\"b.xml\" replications=\"5\">\n"
                        "  <param name=\"a\" xpath=\"//p/@a\" values=\"1 2\"/>\n"
                        "</sweep>\n",
                        NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
    char out[] = "/tmp/mnetsim-test-agg-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(out));
    const double v2[5] = {10, 20, NAN, 30, 40};
    for (size_t r = 0; r < 10; r++) {
        char dir[4096];
        CU_ASSERT_EQUAL_FATAL(mn_sweep_run_dir(sw, out, r, dir, sizeof dir, NULL), MN_OK);
        CU_ASSERT_EQUAL_FATAL(mn_mkdir_p(dir, NULL), MN_OK);
        if (r == 7) {
            CU_ASSERT_EQUAL(mn_sweep_write_error(dir, "x.xml:3: it broke", NULL), MN_OK);
        } else {
            write_metrics(dir, r < 5 ? (double)(r + 1) : v2[r - 5]);
        }
    }
    mn_sweep_totals tot;
    CU_ASSERT_EQUAL_FATAL(mn_sweep_write_tables(sw, out, &tot, NULL), MN_OK);
    CU_ASSERT_EQUAL(tot.runs, 10);
    CU_ASSERT_EQUAL(tot.done, 9);
    CU_ASSERT_EQUAL(tot.failed, 1);
    char path[4200], line[8192];
    snprintf(path, sizeof path, "%s/points.csv", out);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f));
    CU_ASSERT_EQUAL(strncmp(line, "point,a,n,failed,sla_violation_s_mean,sla_violation_s_sd,"
                                  "sla_violation_s_ci95,",
                            strlen("point,a,n,failed,sla_violation_s_mean,sla_violation_s_sd,"
                                   "sla_violation_s_ci95,")),
                    0);
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f));
    CU_ASSERT_PTR_NOT_NULL(strstr(line, ",1,5,0,3,1.58113883,1.963243161,10,0,0,"));
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f));
    CU_ASSERT_PTR_NOT_NULL(strstr(line, ",2,4,1,25,12.90994449,20.54260257,"));
    fclose(f);
    snprintf(path, sizeof path, "%s/runs.csv", out);
    f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    int failed_rows = 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, ",2,2,2,failed,n/a,") && strstr(line, "x.xml:3: it broke"))
            failed_rows++;
    fclose(f);
    CU_ASSERT_EQUAL(failed_rows, 1);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
    CU_ASSERT_EQUAL(system(cmd), 0);
    mn_sweep_destroy(sw);
}

void mn_test_register(void)
{
    static const struct mn_test_case spec[] = {
        MN_TEST(test_sweep_spec_factorial_and_zip_expand_in_order),
        MN_TEST(test_sweep_spec_three_factors_count_is_the_product),
        MN_TEST(test_sweep_spec_ranges_keep_units_and_decimals),
        MN_TEST(test_sweep_spec_replication_k_always_gets_the_same_seed),
        MN_TEST(test_sweep_spec_errors_name_file_and_line),
        MN_TEST(test_sweep_spec_allocation_failures_are_clean),
    };
    static const struct mn_test_case agg[] = {
        MN_TEST(test_sweep_agg_points_match_hand_computed_intervals),
    };
    MN_SUITE("sweep_spec", spec);
    MN_SUITE("sweep_agg", agg);
}
