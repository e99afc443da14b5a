/* test_net.c - the scenario loader (sim/core/scenario.c) with the network
 * entities (sim/models/net.c): good files, and every kind of error with its line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "models/net.h"
#include "unit.h"

#ifndef MN_TEST_DATA
#error "MN_TEST_DATA must name tests/data"
#endif

static char scn_path[256];

/* Writes text to a temporary .xml file (outside the source tree). */
static const char *write_scn(const char *text)
{
    snprintf(scn_path, sizeof scn_path, "/tmp/mn_test_net_XXXXXX.xml");
    int fd = mkstemps(scn_path, 4);
    CU_ASSERT_FATAL(fd >= 0);
    size_t n = strlen(text);
    CU_ASSERT_FATAL(write(fd, text, n) == (ssize_t)n);
    close(fd);
    return scn_path;
}

#define HEAD "<?xml version=\"1.0\"?>\n<scenario name=\"t\" seed=\"7\" duration=\"10min\">\n"

static const char *good = HEAD
    "<topology>\n"
    "  <node id=\"a\"/>\n"
    "  <node id=\"b\"/>\n"
    "  <node id=\"c\"/>\n"
    "  <link id=\"ab\" from=\"a\" to=\"b\" capacity=\"1Gbps\" latency=\"1ms\"/>\n"
    "  <link id=\"bc\" from=\"b\" to=\"c\" capacity=\"10 Gbps\" latency=\"5ms\"/>\n"
    "</topology>\n"
    "<flows>\n"
    "  <flow id=\"f1\" from=\"a\" to=\"c\" start=\"1.5s\" size=\"100MB\"/>\n"
    "  <flow id=\"f2\" from=\"c\" to=\"a\" start=\"0s\" size=\"1GiB\" rate=\"200Mbps\"/>\n"
    "  <flow id=\"s\" from=\"a\" to=\"b\" start=\"1s\" rate=\"2Mbps\" duration=\"30s\"/>\n"
    "</flows>\n"
    "<output interval=\"1s\"/>\n"
    "</scenario>\n";

static void test_net_loads_a_good_scenario(void)
{
    mn_net *n = NULL;
    mn_err err = {0};
    const char *p = write_scn(good);
    int rc = mn_net_load(p, NULL, 0, NULL, &n, &err);
    if (rc != MN_OK)
        fprintf(stderr, "\n%s: %s\n", err.where, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, MN_OK);
    CU_ASSERT_STRING_EQUAL(n->name, "t");
    CU_ASSERT(n->has_seed && n->seed == 7);
    CU_ASSERT_EQUAL(n->duration, 10 * MN_MIN);
    CU_ASSERT_EQUAL(n->interval, MN_SEC);
    CU_ASSERT_EQUAL(n->nnodes, 3);
    CU_ASSERT_EQUAL(n->nlinks, 2);
    CU_ASSERT_EQUAL(n->links[1].capacity_bps, 10000000000ULL);
    CU_ASSERT_EQUAL(n->links[1].latency, 5 * MN_MS);
    CU_ASSERT_EQUAL(n->nflows, 3);
    CU_ASSERT_EQUAL(n->flows[2].bytes, 7500000); /* 2 Mbit/s for 30 s = 60 Mbit */
    CU_ASSERT_EQUAL(n->flows[2].rate_cap_bps, 2000000);
    CU_ASSERT_EQUAL(n->flows[0].start, 1500 * MN_MS);
    CU_ASSERT_EQUAL(n->flows[0].bytes, 100000000ULL);
    CU_ASSERT_EQUAL(n->flows[1].bytes, 1ULL << 30);
    CU_ASSERT_EQUAL(n->flows[1].rate_cap_bps, 200000000ULL);
    CU_ASSERT_EQUAL(n->flows[1].from, 2);
    mn_net_destroy(n);
    unlink(p);
}

/* Loads text (with overrides) and checks the error code, line and message parts. */
static void expect_error(const char *text, const char *const *sets, size_t nsets, int code,
                         int line, const char *part1, const char *part2)
{
    mn_net *n = NULL;
    mn_err err = {0};
    const char *p = write_scn(text);
    uint64_t live = mn_alloc_get_stats().live_bytes;
    int rc = mn_net_load(p, sets, nsets, NULL, &n, &err);
    CU_ASSERT_EQUAL(rc, code);
    CU_ASSERT_PTR_NULL(n);
    CU_ASSERT_EQUAL(mn_alloc_get_stats().live_bytes, live); /* nothing leaked */
    char where[300];
    if (line > 0)
        snprintf(where, sizeof where, "%s:%d", p, line);
    else
        snprintf(where, sizeof where, "%s", line == 0 ? p : "--set");
    int ok = strcmp(err.where, where) == 0 && strstr(err.msg, part1) &&
             (!part2 || strstr(err.msg, part2));
    if (!ok)
        fprintf(stderr, "\nwant %s: ...%s...%s...\ngot  %s: %s\n", where, part1,
                part2 ? part2 : "", err.where, err.msg);
    CU_ASSERT(ok);
    unlink(p);
}

/* file loaded (its parts are beside it), or NULL with the error printed. */
static mn_net *load_file(const char *file)
{
    mn_net *n = NULL;
    mn_err err = {0};
    if (mn_net_load(file, NULL, 0, NULL, &n, &err) != MN_OK)
        fprintf(stderr, "\n%s: %s\n", err.where, err.msg);
    return n;
}

/* Loading file (no temporary copy: its parts are beside it) fails with code, at where, saying part. */
static void expect_file_error(const char *file, int code, const char *where, const char *part)
{
    mn_net *n = NULL;
    mn_err err = {0};
    CU_ASSERT_EQUAL(mn_net_load(file, NULL, 0, NULL, &n, &err), code);
    CU_ASSERT_PTR_NULL(n);
    CU_ASSERT_STRING_EQUAL(err.where, where);
    if (part)
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, part));
}

static void test_net_reports_each_error_with_its_line(void)
{
    /* not well-formed: the parser's message and line */
    expect_error(HEAD "<topology>\n<node id=\"a\">\n</topology>\n</scenario>\n", NULL, 0,
                 MN_EPARSE, 5, "node", NULL);
    /* the schema: an unknown element, a missing attribute */
    expect_error(HEAD "<topology>\n<box id=\"a\"/>\n</topology>\n</scenario>\n", NULL, 0,
                 MN_EPARSE, 4, "box", NULL);
    expect_error(HEAD "<topology>\n<node id=\"a\"/><node id=\"b\"/>\n"
                      "<link id=\"l\" from=\"a\" to=\"b\" latency=\"1ms\"/>\n</topology>\n</scenario>\n",
                 NULL, 0, MN_EPARSE, 5, "capacity", NULL);
    /* semantics: unknown reference, duplicate id, unit, range */
    expect_error(HEAD "<topology>\n<node id=\"a\"/>\n"
                      "<link id=\"l\" from=\"a\" to=\"z\" capacity=\"1Gbps\" latency=\"1ms\"/>\n"
                      "</topology>\n</scenario>\n",
                 NULL, 0, MN_ENOTFOUND, 5, "unknown node \"z\"", "<node id=\"z\"/>");
    expect_error(HEAD "<topology>\n<node id=\"a\"/>\n<node id=\"a\"/>\n</topology>\n</scenario>\n",
                 NULL, 0, MN_EINVAL, 5, "duplicate node id", NULL);
    expect_error(HEAD "<topology>\n<node id=\"a\"/><node id=\"b\"/>\n"
                      "<link id=\"l\" from=\"a\" to=\"b\" capacity=\"10\" latency=\"1ms\"/>\n"
                      "</topology>\n</scenario>\n",
                 NULL, 0, MN_EPARSE, 5, "no unit", "10Mbps");
    expect_error(HEAD "<topology>\n<node id=\"a\"/><node id=\"b\"/>\n"
                      "<link id=\"l\" from=\"a\" to=\"b\" capacity=\"-1Gbps\" latency=\"1ms\"/>\n"
                      "</topology>\n</scenario>\n",
                 NULL, 0, MN_ERANGE, 5, "link \"l\"", "negative");
    expect_error(HEAD "<topology>\n<node id=\"a\"/>\n</topology>\n<flows>\n"
                      "<flow id=\"f\" from=\"a\" to=\"a\" start=\"0s\" size=\"1MB\"/>\n"
                      "</flows>\n</scenario>\n",
                 NULL, 0, MN_EINVAL, 7, "flow \"f\"", "two nodes");
    expect_error(HEAD "<topology>\n<node id=\"a\"/><node id=\"b\"/>\n</topology>\n<flows>\n"
                      "<flow id=\"f\" from=\"a\" to=\"b\" start=\"0s\" rate=\"1Mbps\"/>\n"
                      "</flows>\n</scenario>\n",
                 NULL, 0, MN_EINVAL, 7, "flow \"f\"", "either size");
    expect_error(HEAD "<topology>\n<node id=\"a\"/><node id=\"b\"/>\n</topology>\n<flows>\n"
                      "<flow id=\"f\" from=\"a\" to=\"b\" start=\"0s\" duration=\"3s\"/>\n"
                      "</flows>\n</scenario>\n",
                 NULL, 0, MN_EINVAL, 7, "needs a rate", NULL);
    expect_error(HEAD "<topology>\n<import file=\"no-such.graphml\"/>\n</topology>\n</scenario>\n",
                 NULL, 0, MN_EIO, 4, "no-such.graphml", "cannot open");
}

/* libxml2 gives the schema's errors the line where a start tag ends; ours are where it begins, or
 * on the attribute named */
static void test_net_schema_errors_name_the_line_of_the_tag_or_attribute(void)
{
    /* an unknown attribute, on the second line of its tag (libxml2: the third) */
    expect_error(HEAD "<topology>\n<node id=\"a\"/><node id=\"b\"/>\n"
                      "<link id=\"l\" from=\"a\" to=\"b\"\n  colour=\"red\" capacity=\"1Gbps\"\n"
                      "  latency=\"1ms\"/>\n</topology>\n</scenario>\n",
                 NULL, 0, MN_EPARSE, 6, "colour", NULL);
    /* a missing attribute, and an unknown element: where their tags begin */
    expect_error(HEAD "<topology>\n<node id=\"a\"/><node id=\"b\"/>\n"
                      "<link id=\"l\"\n  from=\"a\" to=\"b\"\n  latency=\"1ms\"/>\n</topology>\n</scenario>\n",
                 NULL, 0, MN_EPARSE, 5, "link \"l\": attribute capacity is missing", NULL);
    expect_error(HEAD "<topology>\n<node id=\"a\"/>\n<nod\n  id=\"b\"/>\n</topology>\n</scenario>\n", NULL, 0,
                 MN_EPARSE, 5, "nod", NULL);
    /* the same in an included part: the part's own line */
    expect_file_error(MN_TEST_DATA "/include/main-schema-lines.xml", MN_EPARSE,
                      MN_TEST_DATA "/include/schema-lines.xml:7", "colour");
}

static void test_net_overrides_apply_before_checks(void)
{
    const char *sets[] = {"//link[@id='ab']/@capacity=5Gbps", "//flow/@start=2s"};
    mn_net *n = NULL;
    mn_err err = {0};
    const char *p = write_scn(good);
    CU_ASSERT_EQUAL_FATAL(mn_net_load(p, sets, 2, NULL, &n, &err), MN_OK);
    CU_ASSERT_EQUAL(n->links[0].capacity_bps, 5000000000ULL);
    CU_ASSERT_EQUAL(n->flows[0].start, 2 * MN_SEC);
    CU_ASSERT_EQUAL(n->flows[1].start, 2 * MN_SEC);
    mn_net_destroy(n);
    unlink(p);
    const char *nothing[] = {"//link[@id='zz']/@capacity=5Gbps"};
    expect_error(good, nothing, 1, MN_EINVAL, -1, "selects nothing", NULL);
    const char *element[] = {"//link=5Gbps"};
    expect_error(good, element, 1, MN_EINVAL, -1, "not an attribute", NULL);
    const char *bad_value[] = {"//link[@id='ab']/@capacity=fast"};
    expect_error(good, bad_value, 1, MN_EPARSE, 7, "capacity", "not a rate");
}

static void test_net_imports_a_topology_with_a_prefix(void)
{
    mn_net *n = NULL;
    mn_err err = {0};
    const char *p = write_scn(HEAD "<topology>\n<import file=\"" MN_TEST_DATA "/triangle.gml\" prefix=\"g\"/>\n"
                                   "<node id=\"extra\"/>\n"
                                   "<link id=\"x\" from=\"extra\" to=\"g0\" capacity=\"1Gbps\" "
                                   "latency=\"1ms\"/>\n</topology>\n</scenario>\n");
    int rc = mn_net_load(p, NULL, 0, NULL, &n, &err);
    if (rc != MN_OK)
        fprintf(stderr, "\n%s: %s\n", err.where, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, MN_OK);
    CU_ASSERT_EQUAL(n->nnodes, 4);
    CU_ASSERT_STRING_EQUAL(n->nodes[0], "g0");
    CU_ASSERT_EQUAL(n->nlinks, 3);
    CU_ASSERT_EQUAL(n->links[0].latency, 555975); /* from the GML coordinates */
    mn_net_destroy(n);
    unlink(p);
}

static void test_net_includes_parts_and_locates_their_errors(void)
{
    mn_net *n = load_file(MN_TEST_DATA "/include/main.xml");
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(n->nnodes, 3); /* a, b from the part, c from the main file */
    CU_ASSERT_EQUAL(n->nlinks, 2);
    CU_ASSERT_EQUAL(n->links[0].latency, 2 * MN_MS);
    CU_ASSERT_EQUAL(n->nflows, 1);
    mn_net_destroy(n);
    /* an error inside the part names the part and its own line */
    expect_file_error(MN_TEST_DATA "/include/main-bad.xml", MN_EPARSE, MN_TEST_DATA "/include/bad-link.xml:6",
                      "not a rate");
    /* a missing part: the include's line in the main file */
    expect_file_error(MN_TEST_DATA "/include/main-missing.xml", MN_EPARSE,
                      MN_TEST_DATA "/include/main-missing.xml:4", "cannot read");
}

/*
 * A scenario deep in directories (a path of 300 characters): its error still
 * names the file and the line (the record used to keep 127 characters of
 * the path, so the line was cut off).
 */
static void test_net_error_in_a_deep_path_keeps_its_line(void)
{
    char dir[512] = "/tmp/mn_test_net_deep_XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    size_t base = strlen(dir);
    for (int i = 0; strlen(dir) < base + 280; i++) {
        strcat(dir, "/a-directory-with-a-long-name");
        CU_ASSERT_FATAL(mkdir(dir, 0700) == 0);
    }
    char path[600];
    snprintf(path, sizeof path, "%s/bad.xml", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(HEAD "<topology>\n  <node id=\"a\"/>\n  <node id=\"b\"/>\n"
          "  <link id=\"ab\" from=\"a\" to=\"b\" capacity=\"fast\" latency=\"1ms\"/>\n"
          "</topology>\n</scenario>\n", f);
    fclose(f);
    mn_net *n = NULL;
    mn_err err = {0};
    CU_ASSERT_EQUAL(mn_net_load(path, NULL, 0, NULL, &n, &err), MN_EPARSE);
    char want[700];
    snprintf(want, sizeof want, "%s:6", path);
    CU_ASSERT_STRING_EQUAL(err.where, want);
    unlink(path);
    while (strlen(dir) > base) { /* the directories, innermost first */
        rmdir(dir);
        *strrchr(dir, '/') = '\0';
    }
    rmdir(dir);
}

/*
 * A part that includes another part: its nodes load, and an error in the
 * inner part names the inner file and its own line (libxml2's XInclude
 * named the outer part: sim/core/xinclude.h).
 */
static void test_net_nested_includes_name_the_inner_part(void)
{
    mn_net *n = load_file(MN_TEST_DATA "/include/main-nested-ok.xml");
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(n->nnodes, 3); /* a, b from nodes.xml through parts/outer-ok.xml, c */
    CU_ASSERT_EQUAL(n->nlinks, 2);
    mn_net_destroy(n);
    expect_file_error(MN_TEST_DATA "/include/main-nested.xml", MN_EPARSE,
                      MN_TEST_DATA "/include/parts/inner-bad.xml:5", "not a rate");
    /* in a part as in the main file, the offending attribute's line, not the tag's last (8) */
    expect_file_error(MN_TEST_DATA "/include/main-bad-lines.xml", MN_EPARSE,
                      MN_TEST_DATA "/include/bad-link-lines.xml:7", NULL);
    /* a cycle, however spelt (./cycle-a.xml), stops at the include that closes it */
    expect_file_error(MN_TEST_DATA "/include/main-cycle.xml", MN_EPARSE,
                      MN_TEST_DATA "/include/parts/cycle-b.xml:5", "a cycle");
    /* an xpointer that selects nothing: the include's line */
    expect_file_error(MN_TEST_DATA "/include/main-nothing.xml", MN_EPARSE,
                      MN_TEST_DATA "/include/main-nothing.xml:6", "selects no nodes");
}

static mn_net *load_seeded(const char *text, uint64_t seed)
{
    mn_net *n = NULL;
    mn_err err = {0};
    const char *p = write_scn(text);
    int rc = mn_net_load(p, NULL, 0, &seed, &n, &err);
    if (rc != MN_OK)
        fprintf(stderr, "\n%s: %s\n", err.where, err.msg);
    unlink(p);
    return n;
}

/* Links as "a-b" pairs joined, to compare two generated graphs. */
static void link_signature(const mn_net *n, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n->nlinks && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%u-%u;", n->links[i].a, n->links[i].b);
}

static void test_net_generates_topologies(void)
{
    mn_net *n = load_seeded(HEAD "<topology>\n<generate id=\"t\" kind=\"tree\" nodes=\"7\" "
                                 "children=\"2\" capacity=\"1Gbps\" latency=\"2ms\"/>\n"
                                 "<generate id=\"g\" kind=\"grid\" rows=\"3\" cols=\"4\" "
                                 "capacity=\"10Gbps\" latency=\"1ms\"/>\n</topology>\n</scenario>\n",
                            1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(n->nnodes, 7 + 12);
    CU_ASSERT_EQUAL(n->nlinks, 6 + 9 + 8); /* tree: n - 1; grid: 3x3 across + 2x4 down */
    CU_ASSERT_STRING_EQUAL(n->nodes[0], "t-0");
    CU_ASSERT_STRING_EQUAL(n->nodes[7], "g-0");
    CU_ASSERT_EQUAL(n->links[0].latency, 2 * MN_MS);
    mn_net_destroy(n);

    const char *geo = HEAD "<topology>\n<generate id=\"r\" kind=\"geometric\" nodes=\"60\" "
                           "radius=\"0.25\" side=\"2km\" capacity=\"1Gbps\"/>\n"
                           "<generate id=\"w\" kind=\"waxman\" nodes=\"40\" alpha=\"0.4\" "
                           "beta=\"0.6\" side=\"100km\" capacity=\"1Gbps\"/>\n"
                           "</topology>\n</scenario>\n";
    static char s1[65536], s2[65536], s3[65536];
    mn_net *a = load_seeded(geo, 11), *b = load_seeded(geo, 11), *c = load_seeded(geo, 12);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    link_signature(a, s1, sizeof s1);
    link_signature(b, s2, sizeof s2);
    link_signature(c, s3, sizeof s3);
    CU_ASSERT_STRING_EQUAL(s1, s2);     /* same seed, same graphs */
    CU_ASSERT(strcmp(s1, s3) != 0);     /* another seed, others */
    CU_ASSERT(a->nlinks > 40);          /* both kinds produced links */
    int in_range = 1;                   /* latency <= diagonal / 2e8 m/s */
    for (size_t i = 0; i < a->nlinks; i++)
        in_range &= a->links[i].latency > 0 && a->links[i].latency <= mn_time_from_sec(100e3 * 1.4143 / 2e8);
    CU_ASSERT(in_range);
    mn_net_destroy(a);
    mn_net_destroy(b);
    mn_net_destroy(c);

    expect_error(HEAD "<topology>\n<generate id=\"t\" kind=\"tree\" nodes=\"7\" "
                      "capacity=\"1Gbps\"/>\n</topology>\n</scenario>\n",
                 NULL, 0, MN_ERANGE, 4, "generate \"t\"", "latency");
    expect_error(HEAD "<topology>\n<generate id=\"r\" kind=\"geometric\" nodes=\"7\" "
                      "capacity=\"1Gbps\"/>\n</topology>\n</scenario>\n",
                 NULL, 0, MN_ERANGE, 4, "radius", NULL);
    expect_error(HEAD "<topology>\n<generate id=\"x\" kind=\"ring\" nodes=\"7\" "
                      "capacity=\"1Gbps\"/>\n</topology>\n</scenario>\n",
                 NULL, 0, MN_EPARSE, 4, "kind", NULL);
}

static void test_net_traffic_populations(void)
{
    const char *text = HEAD "<topology>\n<generate id=\"g\" kind=\"grid\" rows=\"4\" cols=\"5\" "
                            "capacity=\"1Gbps\" latency=\"1ms\"/>\n<node id=\"x\"/>\n</topology>\n"
                            "<flows>\n<traffic id=\"t\" count=\"2000\" from=\"g-*\" to=\"g-1 g-2 g-3\" "
                            "start=\"uniform(10s, 20s)\" size=\"exponential(1MB)\"/>\n</flows>\n"
                            "</scenario>\n";
    mn_net *a = load_seeded(text, 5), *b = load_seeded(text, 5), *c = load_seeded(text, 6);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(a->nflows, 2000);
    CU_ASSERT_STRING_EQUAL(a->flows[1999].id, "t-1999");
    int ok = 1, same = 1, differ = 0;
    double mean = 0;
    for (size_t i = 0; i < a->nflows; i++) {
        const mn_net_flow *f = &a->flows[i];
        ok &= f->from < 20 && f->to >= 1 && f->to <= 3 && f->from != f->to; /* x (20) never */
        ok &= f->start >= 10 * MN_SEC && f->start <= 20 * MN_SEC;
        mean += (double)f->bytes / 2000;
        same &= f->from == b->flows[i].from && f->bytes == b->flows[i].bytes;
        differ |= f->bytes != c->flows[i].bytes;
    }
    CU_ASSERT(ok);
    CU_ASSERT(same);   /* same seed, same population */
    CU_ASSERT(differ); /* another seed, another */
    CU_ASSERT(fabs(mean - 1e6) < 5 * 1e6 / sqrt(2000));
    mn_net_destroy(a);
    mn_net_destroy(b);
    mn_net_destroy(c);
    expect_error(HEAD "<topology>\n<node id=\"a\"/><node id=\"b\"/>\n</topology>\n<flows>\n"
                      "<traffic id=\"t\" count=\"5\" from=\"z*\" to=\"a\" start=\"0s\" "
                      "size=\"1MB\"/>\n</flows>\n</scenario>\n",
                 NULL, 0, MN_ENOTFOUND, 7, "traffic \"t\"", "\"z*\" matches no node");
    expect_error(HEAD "<topology>\n<node id=\"a\"/><node id=\"b\"/>\n</topology>\n<flows>\n"
                      "<traffic id=\"t\" count=\"5\" from=\"a\" to=\"b\" start=\"0s\" "
                      "size=\"normal(1MB)\"/>\n</flows>\n</scenario>\n",
                 NULL, 0, MN_EPARSE, 7, "size", "unknown distribution");
    expect_error(HEAD "<topology>\n<node id=\"a\"/>\n</topology>\n<flows>\n"
                      "<traffic id=\"t\" count=\"5\" from=\"a\" to=\"a\" start=\"0s\" "
                      "size=\"1MB\"/>\n</flows>\n</scenario>\n",
                 NULL, 0, MN_EINVAL, 7, "same single node", NULL);
    /* one node listed twice is still one node */
    expect_error(HEAD "<topology>\n<node id=\"a\"/>\n</topology>\n<flows>\n"
                      "<traffic id=\"t\" count=\"5\" from=\"a\" to=\"a a\" start=\"0s\" "
                      "size=\"1MB\"/>\n</flows>\n</scenario>\n",
                 NULL, 0, MN_EINVAL, 7, "same single node", NULL);
    /* a source that is also the only destination is never drawn (this hung once) */
    mn_net *n = load_seeded(HEAD "<topology>\n<node id=\"a\"/><node id=\"b\"/>\n</topology>\n"
                                 "<flows>\n<traffic id=\"t\" count=\"50\" from=\"a b\" to=\"a\" "
                                 "start=\"0s\" size=\"1MB\"/>\n</flows>\n</scenario>\n",
                            3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    int all_b_to_a = 1;
    for (size_t i = 0; i < n->nflows; i++)
        all_b_to_a &= n->flows[i].from == 1 && n->flows[i].to == 0;
    CU_ASSERT_EQUAL(n->nflows, 50);
    CU_ASSERT(all_b_to_a);
    mn_net_destroy(n);
}

static void test_net_survives_running_out_of_memory(void)
{
    const char *p = write_scn(good);
    uint64_t live = mn_alloc_get_stats().live_bytes;
    int loaded = 0;
    for (long k = 0; k < 200 && !loaded; k++) {
        mn_net *n = NULL;
        mn_err err = {0};
        mn_alloc_fail_after(k);
        int rc = mn_net_load(p, NULL, 0, NULL, &n, &err);
        mn_alloc_fail_after(-1);
        if (rc == MN_OK) {
            loaded = 1;
            mn_net_destroy(n);
        } else {
            CU_ASSERT_EQUAL(rc, MN_ENOMEM);
        }
        CU_ASSERT_EQUAL(mn_alloc_get_stats().live_bytes, live);
    }
    CU_ASSERT(loaded);
    unlink(p);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_net_loads_a_good_scenario),
        MN_TEST(test_net_reports_each_error_with_its_line),
        MN_TEST(test_net_schema_errors_name_the_line_of_the_tag_or_attribute),
        MN_TEST(test_net_overrides_apply_before_checks),
        MN_TEST(test_net_imports_a_topology_with_a_prefix),
        MN_TEST(test_net_includes_parts_and_locates_their_errors),
        MN_TEST(test_net_nested_includes_name_the_inner_part),
        MN_TEST(test_net_error_in_a_deep_path_keeps_its_line),
        MN_TEST(test_net_generates_topologies),
        MN_TEST(test_net_traffic_populations),
        MN_TEST(test_net_survives_running_out_of_memory),
    };
    MN_SUITE("net", cases);
}
