/*
 * test_rules.c - the operator rule language (sim/models/rules*.c): parsing
 * of the documented example, every load error with its file:line, metric
 * evaluation on a hand-built view, mn_rules_run against a fake backend that
 * records its calls, and the analysis primitives on hand-written pairs.
 *
 * Rules XML is loaded with mn_scn_load_memory into an mn_net built here,
 * with a table of this file's <node> handler, mn_world_entities and
 * mn_rules_entities (net.c's own table does not list the rules yet).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/scenario.h"
#include "models/net.h"
#include "models/rules.h"
#include "models/world_load.h"
#include "policies/policy.h"
#include "unit.h"

/* ---- loading ---- */

static int on_node(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_net *n = world;
    const char *id = mn_scn_attr(e, "id");
    if (mn_array_reserve((void **)&n->nodes, &n->nodes_cap, n->nnodes + 1, sizeof *n->nodes) ||
        mn_strmap_add(&n->node_ids, id, (uint32_t)n->nnodes) != 0 ||
        !(n->nodes[n->nnodes] = mn_strdup(id)))
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    n->nnodes++;
    return MN_OK;
}

/* Boxes b1 (site s1), b2, b3; vAPs upmc-a and isp-x on b1, upmc-b and alice-vap on b2. */
static const char *base = "<scenario name='t'>\n"
                          "<topology><node id='n1'/><node id='n2'/></topology>\n"
                          "<world>\n"
                          "<operator id='upmc'/><operator id='isp'/>\n"
                          "<site id='s1' node='n1'/><site id='s2' node='n2'/>\n"
                          "<box id='b1' x='0m' y='0m' site='s1'><radio id='r1'/>"
                          "<vap id='upmc-a' radio='r1' operator='upmc'/><vap id='isp-x' radio='r1' "
                          "operator='isp'/></box>\n"
                          "<box id='b2' x='100m' y='0m'><radio id='r2'/>"
                          "<vap id='upmc-b' radio='r2' operator='upmc'/><vap id='alice-vap' "
                          "radio='r2' operator='upmc'/></box>\n"
                          "<box id='b3' x='200m' y='0m'><radio id='r3'/></box>\n";
static const char *tail = "</world>\n</scenario>\n";

/* The line the first line of a fragment appended to base is on. */
static long first_line(void)
{
    long n = 1;
    for (const char *p = base; *p; p++)
        n += *p == '\n';
    return n;
}

/* Loads base + rules + tail into a fresh net (*out; NULL on error). */
static int load(const char *rules, mn_net **out, mn_err *err)
{
    size_t len = strlen(base) + strlen(rules) + strlen(tail) + 1;
    char *xml = malloc(len);
    snprintf(xml, len, "%s%s%s", base, rules, tail);
    mn_net *n = mn_calloc(1, sizeof *n);
    mn_strmap_init(&n->node_ids);
    mn_strmap_init(&n->link_ids);
    mn_strmap_init(&n->flow_ids);
    mn_world_init(&n->world);
    struct mn_scn_entity_ops ops[64];
    size_t nops = 0;
    ops[nops++] = (struct mn_scn_entity_ops){"node", "a node", "id", on_node};
    memcpy(ops + nops, mn_world_entities, mn_world_nentities * sizeof *ops);
    nops += mn_world_nentities;
    memcpy(ops + nops, mn_rules_entities, mn_rules_nentities * sizeof *ops);
    nops += mn_rules_nentities;
    int rc = mn_scn_load_memory(xml, strlen(xml), "rules.xml", NULL, 0, ops, nops, n, err);
    free(xml);
    if (rc != MN_OK) {
        mn_net_destroy(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

static const mn_ruleset *rules_of(mn_net *n)
{
    return &mn_net_world(n)->rules;
}

/* ---- the documented example ---- */

static const char *example =
    "<rules operator='upmc'>\n"
    "  <rule id='offload' priority='10' on='period' period='1min' for='vap' select='upmc-*'>\n"
    "    <when metric='box.load' op='gt' value='80%'/>\n"
    "    <when metric='time-of-day' op='in' value='8h 18h'/>\n"
    "    <do action='migrate' to='least-loaded'/>\n"
    "  </rule>\n"
    "  <rule id='follow' priority='5' on='user-away' for='vap' select='alice-vap'>\n"
    "    <do action='migrate' to='nearest-user'/>\n"
    "  </rule>\n"
    "</rules>\n";

static void test_rules_parse_the_documented_example(void)
{
    mn_net *n;
    mn_err err = {0};
    int rc = load(example, &n, &err);
    if (rc != MN_OK)
        fprintf(stderr, "\n  %s: %s ", err.where, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, MN_OK);
    const mn_ruleset *rs = rules_of(n);
    CU_ASSERT_EQUAL_FATAL(rs->nrules, 2);
    const mn_rule *r = mn_rules_sorted(rs, 0);
    CU_ASSERT_STRING_EQUAL(r->id, "offload");
    CU_ASSERT_EQUAL(r->op, 0); /* upmc */
    CU_ASSERT_EQUAL(r->priority, 10);
    CU_ASSERT_EQUAL(r->trigger, MN_RULE_ON_PERIOD);
    CU_ASSERT_EQUAL(r->period, MN_MIN);
    CU_ASSERT_EQUAL(r->subject, MN_RULE_VAP);
    CU_ASSERT_STRING_EQUAL(r->file, "rules.xml");
    CU_ASSERT_EQUAL(r->line, first_line() + 1);
    /* upmc-* matches upmc-a (vAP 0) and upmc-b (vAP 2), not isp-x */
    CU_ASSERT_FALSE(r->select_all);
    CU_ASSERT_EQUAL_FATAL(r->nsel, 2);
    CU_ASSERT_EQUAL(r->sel[0], 0);
    CU_ASSERT_EQUAL(r->sel[1], 2);
    CU_ASSERT_EQUAL_FATAL(r->nconds, 2);
    CU_ASSERT_EQUAL(r->conds[0].metric, MN_RM_BOX_LOAD);
    MN_ASSERT_CLOSE(r->conds[0].lo, 0.8, 1e-12);
    CU_ASSERT_TRUE(r->conds[0].lo_open);
    CU_ASSERT_TRUE(isinf(r->conds[0].hi));
    CU_ASSERT_EQUAL(r->conds[1].metric, MN_RM_TIME_OF_DAY);
    MN_ASSERT_CLOSE(r->conds[1].lo, 8 * 3600.0, 1e-12);
    MN_ASSERT_CLOSE(r->conds[1].hi, 18 * 3600.0, 1e-12);
    CU_ASSERT_FALSE(r->conds[1].lo_open || r->conds[1].hi_open || r->conds[1].negate);
    CU_ASSERT_EQUAL_FATAL(r->nactions, 1);
    CU_ASSERT_EQUAL(r->actions[0].kind, MN_RULE_MIGRATE);
    CU_ASSERT_EQUAL(r->actions[0].target, MN_RULE_TO_LEAST_LOADED);
    r = mn_rules_sorted(rs, 1);
    CU_ASSERT_STRING_EQUAL(r->id, "follow");
    CU_ASSERT_EQUAL(r->trigger, MN_RULE_ON_USER_AWAY);
    CU_ASSERT_EQUAL(r->period, 0);
    CU_ASSERT_EQUAL_FATAL(r->nsel, 1);
    CU_ASSERT_EQUAL(r->sel[0], 3);
    CU_ASSERT_EQUAL(r->nconds, 0);
    CU_ASSERT_EQUAL(r->actions[0].target, MN_RULE_TO_NEAREST_USER);
    CU_ASSERT_PTR_NULL(mn_rules_sorted(rs, 2));
    CU_ASSERT_PTR_EQUAL(mn_rules_find(rs, "follow"), r);
    CU_ASSERT_EQUAL(mn_rules_tick(rs), MN_MIN);
    mn_net_destroy(n);
}

static void test_rules_sort_by_priority_then_document_order(void)
{
    mn_net *n;
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(
        load("<rules operator='upmc'>"
             "<rule id='a' priority='1' on='period' period='2min' for='vap'><do "
             "action='remove'/></rule>"
             "<rule id='b' priority='7' on='period' period='3min' for='vap'><do "
             "action='remove'/></rule>"
             "<rule id='c' priority='1' on='period' for='vap'><do action='remove'/></rule>"
             "<rule id='d' on='box-failure' for='vap'><do action='remove'/></rule>"
             "</rules>\n",
             &n, &err),
        MN_OK);
    const char *want[] = {"b", "a", "c", "d"};
    for (size_t i = 0; i < 4; i++)
        CU_ASSERT_STRING_EQUAL(mn_rules_sorted(rules_of(n), i)->id, want[i]);
    CU_ASSERT_EQUAL(mn_rules_tick(rules_of(n)), MN_MIN); /* gcd(2, 3, 1) min */
    mn_net_destroy(n);
}

/* ---- load errors ---- */

/* fragment goes on the lines after base; the error must be on line first_line() + dline. */
static void expect_error(const char *fragment, long dline, const char *msg)
{
    mn_net *n;
    mn_err err = {0};
    int rc = load(fragment, &n, &err);
    CU_ASSERT_NOT_EQUAL(rc, MN_OK);
    char where[64];
    snprintf(where, sizeof where, "rules.xml:%ld", first_line() + dline);
    if (rc == MN_OK || !strstr(err.msg, msg) || strcmp(err.where, where) != 0)
        fprintf(stderr, "\n  expected \"%s: ...%s...\", got \"%s: %s\" ", where, msg, err.where,
                err.msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, msg));
    CU_ASSERT_STRING_EQUAL(err.where, where);
    if (getenv("MN_TEST_VERBOSE"))
        fprintf(stderr, "\n  %s: %s", err.where, err.msg);
    if (rc == MN_OK)
        mn_net_destroy(n);
}

#define RULE(attrs, body)                                                                          \
    "<rules operator='upmc'>\n<rule id='x' " attrs ">\n" body "\n</rule></rules>\n"

static void test_rules_isolation_names_file_line_rule_instance_and_owner(void)
{
    mn_net *n;
    mn_err err = {0};
    CU_ASSERT_NOT_EQUAL(
        load(RULE("on='period' for='vap' select='upmc-a isp-x'", "<do action='remove'/>"), &n,
             &err),
        MN_OK);
    char where[64];
    snprintf(where, sizeof where, "rules.xml:%ld", first_line() + 1);
    CU_ASSERT_STRING_EQUAL(err.where, where);
    CU_ASSERT_STRING_EQUAL(err.msg,
                           "rule \"x\" selects vap \"isp-x\" of operator \"isp\"; rules of "
                           "upmc act only on upmc's instances");
    /* a prefix matching only another operator's instances is the same breach */
    expect_error(RULE("on='period' for='vap' select='isp-*'", "<do action='remove'/>"), 1,
                 "selects vap \"isp-x\" of operator \"isp\"");
    /* a prefix matching ours and theirs selects only ours */
    CU_ASSERT_EQUAL_FATAL(
        load("<box id='b4' x='300m' y='0m'><radio id='r4'/>"
             "<vap id='upmc-z' radio='r4' operator='isp'/></box>\n" RULE(
                 "on='period' for='vap' select='upmc-*'", "<do action='remove'/>"),
             &n, &err),
        MN_OK);
    const mn_rule *r = mn_rules_find(rules_of(n), "x");
    CU_ASSERT_EQUAL_FATAL(r->nsel, 2);
    CU_ASSERT_EQUAL(r->sel[0], 0); /* upmc-a */
    CU_ASSERT_EQUAL(r->sel[1], 2); /* upmc-b; not upmc-z (vAP 4, isp's) */
    mn_net_destroy(n);
}

static void test_rules_load_errors_name_the_fix(void)
{
    /* metric, unit and op */
    expect_error(RULE("on='period' for='vap'",
                      "<when metric='box.lod' op='gt' value='80%'/><do action='remove'/>"),
                 2, "metric \"box.lod\" is not one of box.load, box.air-load, box.cpu-free");
    expect_error(RULE("on='period' for='vap'",
                      "<when metric='box.load' op='gt' value='80MHz'/><do action='remove'/>"),
                 2, "metric box.load is a fraction; write e.g. 80% or 0.8");
    expect_error(RULE("on='period' for='vap'",
                      "<when metric='box.cpu-free' op='lt' value='80%'/><do action='remove'/>"),
                 2, "metric box.cpu-free is a frequency; write e.g. 500MHz");
    expect_error(RULE("on='period' for='vap'",
                      "<when metric='follows.distance' op='gt' value='150'/><do action='remove'/>"),
                 2, "metric follows.distance is a distance; write e.g. 150m");
    expect_error(RULE("on='period' for='vap'",
                      "<when metric='box.load' op='gte' value='80%'/><do action='remove'/>"),
                 2, "op \"gte\" is not one of lt, le, gt, ge, eq, ne, in");
    expect_error(RULE("on='period' for='vap'",
                      "<when metric='box.load' op='in' value='80%'/><do action='remove'/>"),
                 2, "op in takes two values");
    expect_error(RULE("on='period' for='vap'",
                      "<when metric='hosted' op='gt' value='1'/><do action='remove'/>"),
                 2, "metric \"hosted\" is not one of");
    expect_error(RULE("on='period' for='vap'",
                      "<when metric='follows.online' op='gt' value='true'/><do action='remove'/>"),
                 2, "use op eq or ne");
    /* triggers, subjects and scope */
    expect_error(RULE("on='sometimes' for='vap'", "<do action='remove'/>"), 1,
                 "on \"sometimes\" is not one of period, user-online, user-away");
    expect_error(RULE("on='box-failure' period='1min' for='vap'", "<do action='remove'/>"), 1,
                 "period= goes with on=\"period\"");
    expect_error(RULE("on='period' for='box'", "<do action='power' state='off'/>"), 1,
                 "boxes belong to the infrastructure");
    expect_error("<rules scope='infrastructure'>\n<rule id='x' on='period' for='vap'><do "
                 "action='remove'/></rule></rules>\n",
                 1, "infrastructure rules act on boxes");
    expect_error("<rules operator='nobody'>\n<rule id='x' on='period' for='vap'><do "
                 "action='remove'/></rule></rules>\n",
                 0, "unknown operator \"nobody\"");
    expect_error("<rules operator='upmc' scope='infrastructure'/>\n", 0, "not both");
    expect_error(RULE("on='period' for='vap' select='nothing*'", "<do action='remove'/>"), 1,
                 "\"nothing*\" matches no vap");
    expect_error(RULE("on='period' for='vap' priority='1.5'", "<do action='remove'/>"), 1,
                 "priority must be an integer");
    /* actions */
    expect_error(RULE("on='period' for='vap'", "<do action='migrate' to='b9'/>"), 2,
                 "to: \"b9\" matches no box");
    expect_error(RULE("on='period' for='vap'", "<do action='migrate'/>"), 2,
                 "migrate needs to=\"least-loaded\", \"nearest-user\" or box ids");
    expect_error(RULE("on='period' for='vap'", "<do action='set-qos' airtime='150%'/>"), 2,
                 "airtime \"150%\" must be above 0% and at most 100%");
    expect_error(RULE("on='period' for='vap'", "<do action='set-qos' airtime='0'/>"), 2,
                 "must be above 0%");
    expect_error(RULE("on='period' for='vm'", "<do action='set-qos' airtime='50%'/>"), 2,
                 "vAP rules only");
    expect_error(RULE("on='period' for='vap'", "<do action='tunnel' to-site='s9'/>"), 2,
                 "unknown site \"s9\"");
    expect_error(RULE("on='period' for='vap'", "<do action='power' state='off'/>"), 2,
                 "only box rules power boxes");
    expect_error(RULE("on='period' for='vap'", "<do action='jump'/>"), 2,
                 "action \"jump\" is not one of migrate, remove, set-qos, tunnel, place");
    expect_error(RULE("on='period' for='vap'", "<do action='remove' to='b1'/>"), 2,
                 "to= goes with action=\"migrate\"");
    /* two rules with one id */
    expect_error(
        "<rules operator='upmc'><rule id='x' on='period' for='vap'><do action='remove'/></rule>\n"
        "<rule id='x' on='period' for='vap'><do action='remove'/></rule></rules>\n",
        1, "is taken by the rule at line");
}

/* ---- a hand-built view ---- */

struct fixture {
    mn_view_box boxes[3];
    mn_view_radio radios[3];
    mn_view_inst insts[5];
    mn_view_user users[4];
    mn_pos upos[4];
    mn_view v;
};

static mn_pos fx_user_pos(const void *ctx, uint32_t u)
{
    return ((const struct fixture *)ctx)->upos[u];
}

/*
 * Boxes b1 (0,0), b2 (100,0), b3 (200,0), loads 0.9, 0.6, 0.1, one radio
 * each; the vAPs of `base`: upmc-a and isp-x on b1, upmc-b and alice-vap on
 * b2; alice-vap follows user 0 (at (190, 0), online); users 1-3 on upmc-b.
 */
static void fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    for (uint32_t b = 0; b < 3; b++) {
        f->boxes[b] = (mn_view_box){.id = b == 0   ? "b1"
                                          : b == 1 ? "b2"
                                                   : "b3",
                                    .pos = {100.0 * b, 0},
                                    .node = MN_NONE,
                                    .site = b == 0 ? 0 : MN_NONE,
                                    .cpu_hz = 2e9,
                                    .mem_bytes = 2e9,
                                    .cpu_free_hz = 1e9,
                                    .mem_free_bytes = 1e9,
                                    .uplink_bps = 1e9,
                                    .uplink_free_bps = 1e9,
                                    .radio_first = b,
                                    .nradios = 1,
                                    .up = 1,
                                    .powered = 1};
        f->radios[b] =
            (mn_view_radio){.box = b, .nvaps = 0, .max_vaps = 8, .range_m = 100, .up = 1};
    }
    f->boxes[0].load = 0.9;
    f->boxes[1].load = 0.6;
    f->boxes[2].load = 0.1;
    f->boxes[0].hosted = f->boxes[1].hosted = 2;
    f->boxes[1].users = 3;
    static const char *ids[] = {"upmc-a", "isp-x", "upmc-b", "alice-vap"};
    static const uint32_t box[] = {0, 0, 1, 1}, op[] = {0, 1, 0, 0};
    for (uint32_t i = 0; i < 4; i++)
        f->insts[i] = (mn_view_inst){.id = ids[i],
                                     .kind = MN_INST_VAP,
                                     .state = MN_INST_RUNNING,
                                     .movable = 1,
                                     .op = op[i],
                                     .box = box[i],
                                     .radio = box[i],
                                     .dest = MN_NONE,
                                     .follows = MN_NONE,
                                     .cpu_hz = 1e8,
                                     .mem_bytes = 6.4e7};
    f->insts[3].follows = 0;
    f->insts[2].users = 3;
    f->insts[2].load = 0.25;
    f->users[0] = (mn_view_user){.op = 0, .vap = MN_NONE, .online = 1};
    for (uint32_t u = 1; u < 4; u++)
        f->users[u] = (mn_view_user){.op = 0, .vap = 2, .online = 1, .violating = u == 1};
    f->upos[0] = (mn_pos){190, 0};
    f->upos[1] = (mn_pos){100, 10};
    f->v = (mn_view){.now = 10 * MN_HOUR + 30 * MN_MIN,
                     .boxes = f->boxes,
                     .nboxes = 3,
                     .radios = f->radios,
                     .nradios = 3,
                     .insts = f->insts,
                     .ninsts = 4,
                     .nvaps = 4,
                     .users = f->users,
                     .nusers = 4,
                     .high = 0.8,
                     .low = 0.3,
                     .ctx = f,
                     .user_pos = fx_user_pos};
}

static void test_rules_metrics_read_the_view(void)
{
    struct fixture f;
    fixture_init(&f);
    f.boxes[1].air_load = 0.45;
    f.boxes[1].cpu_free_hz = 1.5e9;
    f.boxes[1].mem_free_bytes = 268435456;
    f.v.now = 3 * MN_DAY + 10 * MN_HOUR + 30 * MN_MIN; /* day 3, 10:30 */
    const mn_view *v = &f.v;
    /* upmc-b (instance 2) on b2 */
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_BOX_LOAD, 2), 0.6, 1e-12);
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_BOX_AIR_LOAD, 2), 0.45, 1e-12);
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_BOX_CPU_FREE, 2), 1.5e9, 1e-12);
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_BOX_MEM_FREE, 2), 268435456, 1e-12);
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_BOX_USERS, 2), 3, 1e-12);
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_USERS, 2), 3, 1e-12);
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_LOAD, 2), 0.25, 1e-12);
    /* one of its three users violates */
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_VIOLATING, 2), 1.0 / 3, 1e-12);
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_VIOLATING, 0), 0, 1e-12);
    /* alice-vap on b2 (100, 0) follows user 0 at (190, 0): 90 m, online */
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_FOLLOWS_DISTANCE, 3), 90, 1e-12);
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_FOLLOWS_ONLINE, 3), 1, 1e-12);
    f.users[0].online = 0;
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_FOLLOWS_ONLINE, 3), 0, 1e-12);
    /* upmc-a follows nobody: no value, so no condition on it holds */
    CU_ASSERT_TRUE(isnan(mn_rule_metric_value(v, MN_RM_FOLLOWS_DISTANCE, 0)));
    CU_ASSERT_TRUE(isnan(mn_rule_metric_value(v, MN_RM_FOLLOWS_ONLINE, 0)));
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_TIME_OF_DAY, 0), 10.5 * 3600, 1e-12);
    /* an unplaced instance has no box metrics */
    f.insts[0].box = MN_NONE;
    CU_ASSERT_TRUE(isnan(mn_rule_metric_value(v, MN_RM_BOX_LOAD, 0)));
    /* box metrics of b2 */
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_B_LOAD, 1), 0.6, 1e-12);
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_B_AIR_LOAD, 1), 0.45, 1e-12);
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_B_HOSTED, 1), 2, 1e-12);
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_B_USERS, 1), 3, 1e-12);
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_B_POWERED, 1), 1, 1e-12);
    f.boxes[1].powered = 0;
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_B_POWERED, 1), 0, 1e-12);
    MN_ASSERT_CLOSE(mn_rule_metric_value(v, MN_RM_B_TIME_OF_DAY, 1), 10.5 * 3600, 1e-12);
}

static void test_rules_conditions_are_intervals(void)
{
    mn_net *n;
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(
        load(RULE("on='period' for='vap'", "<when metric='users' op='gt' value='3'/>"
                                           "<when metric='users' op='ne' value='5'/>"
                                           "<when metric='time-of-day' op='in' value='22h 6h'/>"
                                           "<when metric='follows.distance' op='le' value='1.5km'/>"
                                           "<when metric='follows.online' op='eq' value='true'/>"
                                           "<do action='remove'/>"),
             &n, &err),
        MN_OK);
    const mn_rule *r = mn_rules_find(rules_of(n), "x");
    CU_ASSERT_EQUAL_FATAL(r->nconds, 5);
    /* gt 3 on a count: [4, inf) */
    CU_ASSERT_EQUAL(r->conds[0].lo, 4);
    CU_ASSERT_FALSE(r->conds[0].lo_open);
    CU_ASSERT_FALSE(mn_rule_cond_holds(&r->conds[0], 3));
    CU_ASSERT_TRUE(mn_rule_cond_holds(&r->conds[0], 4));
    CU_ASSERT_TRUE(r->conds[1].negate);
    CU_ASSERT_FALSE(mn_rule_cond_holds(&r->conds[1], 5));
    CU_ASSERT_TRUE(mn_rule_cond_holds(&r->conds[1], 6));
    /* across midnight: not in (6h, 22h) */
    CU_ASSERT_TRUE(r->conds[2].negate);
    CU_ASSERT_TRUE(mn_rule_cond_holds(&r->conds[2], 23 * 3600.0));
    CU_ASSERT_TRUE(mn_rule_cond_holds(&r->conds[2], 3 * 3600.0));
    CU_ASSERT_TRUE(mn_rule_cond_holds(&r->conds[2], 22 * 3600.0));
    CU_ASSERT_FALSE(mn_rule_cond_holds(&r->conds[2], 12 * 3600.0));
    MN_ASSERT_CLOSE(r->conds[3].hi, 1500, 1e-12);
    CU_ASSERT_TRUE(mn_rule_cond_holds(&r->conds[4], 1));
    CU_ASSERT_FALSE(mn_rule_cond_holds(&r->conds[4], 0));
    CU_ASSERT_FALSE(mn_rule_cond_holds(&r->conds[4], NAN));
    mn_net_destroy(n);
}

/* ---- running, with a fake backend ---- */

struct call {
    char what[12];
    uint32_t a, b;
    double x;
};

struct fake {
    struct call calls[32];
    size_t ncalls;
    uint32_t refuse_migrate; /* an instance whose migration is refused */
    struct {
        char rule[16];
        uint32_t subject;
        mn_rule_action_kind kind;
        int rc;
        char reason[700];
    } log[32];
    size_t nlog;
};

static int record(void *be, const char *what, uint32_t a, uint32_t b, double x)
{
    struct fake *f = be;
    if (f->ncalls < 32) {
        struct call *c = &f->calls[f->ncalls++];
        snprintf(c->what, sizeof c->what, "%s", what);
        c->a = a;
        c->b = b;
        c->x = x;
    }
    return MN_OK;
}

static int fk_place(void *be, uint32_t inst, uint32_t box, uint32_t radio, mn_err *err)
{
    (void)radio;
    (void)err;
    return record(be, "place", inst, box, 0);
}

static int fk_remove(void *be, uint32_t inst, mn_err *err)
{
    (void)err;
    return record(be, "remove", inst, 0, 0);
}

static int fk_migrate(void *be, uint32_t inst, uint32_t box, uint32_t radio, mn_err *err)
{
    struct fake *f = be;
    CU_ASSERT_EQUAL(radio, box); /* one radio per box, numbered as the boxes */
    if (inst == f->refuse_migrate)
        return mn_err_set_at(err, MN_ERANGE, "fake", "box %u is full", box);
    return record(be, "migrate", inst, box, 0);
}

static int fk_tunnel(void *be, uint32_t a, uint32_t b, mn_err *err)
{
    (void)err;
    return record(be, "tunnel", a, b, 0);
}

static int fk_set_qos(void *be, uint32_t vap, double airtime, mn_err *err)
{
    (void)err;
    return record(be, "set-qos", vap, 0, airtime);
}

static int fk_power(void *be, uint32_t box, int on, mn_err *err)
{
    (void)err;
    return record(be, "power", box, (uint32_t)on, 0);
}

static const mn_backend_ops fake_ops = {"fake",     fk_place,  fk_remove,  NULL,
                                        fk_migrate, fk_tunnel, fk_set_qos, fk_power};

static void fk_log(void *ctx, const mn_rule *rule, uint32_t subject, const mn_rule_action *a,
                   int rc, const char *reason)
{
    struct fake *f = ctx;
    if (f->nlog == 32)
        return;
    snprintf(f->log[f->nlog].rule, sizeof f->log[0].rule, "%s", rule->id);
    f->log[f->nlog].subject = subject;
    f->log[f->nlog].kind = a->kind;
    f->log[f->nlog].rc = rc;
    snprintf(f->log[f->nlog].reason, sizeof f->log[0].reason, "%s", reason);
    f->nlog++;
}

static void expect_call(const struct fake *f, size_t i, const char *what, uint32_t a, uint32_t b)
{
    CU_ASSERT_FATAL(i < f->ncalls);
    if (strcmp(f->calls[i].what, what) != 0 || f->calls[i].a != a || f->calls[i].b != b)
        fprintf(stderr, "\n  call %zu: expected %s(%u, %u), got %s(%u, %u) ", i, what, a, b,
                f->calls[i].what, f->calls[i].a, f->calls[i].b);
    CU_ASSERT_STRING_EQUAL(f->calls[i].what, what);
    CU_ASSERT_EQUAL(f->calls[i].a, a);
    CU_ASSERT_EQUAL(f->calls[i].b, b);
}

static const char *run_rules =
    "<rules operator='upmc'>\n"
    "<rule id='low' priority='1' on='period' for='vap'>"
    "<when metric='box.load' op='gt' value='50%'/><do action='migrate' to='b3'/></rule>\n"
    "<rule id='high' priority='10' on='period' for='vap' select='upmc-a alice-vap'>"
    "<when metric='box.load' op='gt' value='80%'/><do action='migrate' to='least-loaded'/></rule>\n"
    "<rule id='qos' priority='5' on='period' for='vap' select='upmc-b'>"
    "<when metric='users' op='ge' value='2'/><do action='set-qos' airtime='30%'/></rule>\n"
    "<rule id='last' priority='0' on='period' for='vap' select='alice-vap'>"
    "<do action='remove'/></rule>\n"
    "<rule id='follow' priority='5' on='user-away' for='vap' select='alice-vap'>"
    "<do action='migrate' to='nearest-user'/></rule>\n"
    "<rule id='hourly' on='period' period='1h' for='vap'><do action='remove'/></rule>\n"
    "</rules>\n"
    "<rules scope='infrastructure'>\n"
    "<rule id='night' on='period' for='box'>"
    "<when metric='hosted' op='eq' value='0'/><when metric='time-of-day' op='in' value='22h 6h'/>"
    "<do action='power' state='off'/></rule>\n"
    "<rule id='failed' on='box-failure' for='box'><do action='power' state='on'/></rule>\n"
    "</rules>\n";

static void test_rules_run_in_priority_order_once_per_subject(void)
{
    mn_net *n;
    mn_err err = {0};
    int rc = load(run_rules, &n, &err);
    if (rc != MN_OK)
        fprintf(stderr, "\n  %s: %s ", err.where, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, MN_OK);
    struct fixture fx;
    fixture_init(&fx); /* 10:30, not a multiple of 1h: "hourly" stays quiet */
    struct fake f = {.refuse_migrate = 3};
    mn_backend be = {&fake_ops, &f};
    CU_ASSERT_EQUAL(
        mn_rules_run(rules_of(n), &fx.v, &be, MN_RULE_ON_PERIOD, MN_NONE, fk_log, &f, &err), MN_OK);
    /*
     * high (10): upmc-a on b1 (0.9 > 0.8) to the least loaded of b2 (0.6), b3 (0.1): b3;
     *            alice-vap on b2 (0.6) does not qualify.
     * qos (5):   upmc-b has 3 users >= 2: airtime 30%.
     * low (1):   upmc-a and upmc-b were acted on; alice-vap (0.6 > 0.5) to b3: refused.
     * last (0):  alice-vap was not acted on (its migration was refused): removed.
     * isp-x is never touched; "night" finds no empty box at 10:30.
     */
    CU_ASSERT_EQUAL_FATAL(f.ncalls, 3);
    expect_call(&f, 0, "migrate", 0, 2);
    expect_call(&f, 1, "set-qos", 2, 0);
    MN_ASSERT_CLOSE(f.calls[1].x, 0.3, 1e-12);
    expect_call(&f, 2, "remove", 3, 0);
    CU_ASSERT_EQUAL_FATAL(f.nlog, 4);
    CU_ASSERT_STRING_EQUAL(f.log[0].rule, "high");
    CU_ASSERT_EQUAL(f.log[0].rc, MN_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(f.log[0].reason, "box.load 0.90 > 0.80"));
    CU_ASSERT_PTR_NOT_NULL(strstr(f.log[0].reason, "to b3 (least-loaded, load 0.10)"));
    CU_ASSERT_STRING_EQUAL(f.log[1].rule, "qos");
    CU_ASSERT_STRING_EQUAL(f.log[2].rule, "low");
    CU_ASSERT_EQUAL(f.log[2].subject, 3);
    CU_ASSERT_EQUAL(f.log[2].rc, MN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(f.log[2].reason, "refused: box 2 is full"));
    CU_ASSERT_STRING_EQUAL(f.log[3].rule, "last");
    mn_net_destroy(n);
}

static void test_rules_events_period_and_wrapping_time(void)
{
    mn_net *n;
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(load(run_rules, &n, &err), MN_OK);
    struct fixture fx;
    fixture_init(&fx);
    struct fake f = {.refuse_migrate = MN_NONE};
    mn_backend be = {&fake_ops, &f};
    /* user-away for alice-vap: user 0 at (190, 0) is nearest b3 (200, 0) */
    CU_ASSERT_EQUAL(
        mn_rules_run(rules_of(n), &fx.v, &be, MN_RULE_ON_USER_AWAY, 3, fk_log, &f, &err), MN_OK);
    CU_ASSERT_EQUAL_FATAL(f.ncalls, 1);
    expect_call(&f, 0, "migrate", 3, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(f.log[0].reason, "nearest-user"));
    /* the same event for another vAP: the rule selects only alice-vap */
    f.ncalls = f.nlog = 0;
    CU_ASSERT_EQUAL(
        mn_rules_run(rules_of(n), &fx.v, &be, MN_RULE_ON_USER_AWAY, 0, fk_log, &f, &err), MN_OK);
    CU_ASSERT_EQUAL(f.ncalls, 0);
    /* already on the nearest box: a logged no-op */
    fx.upos[0] = (mn_pos){110, 0};
    CU_ASSERT_EQUAL(
        mn_rules_run(rules_of(n), &fx.v, &be, MN_RULE_ON_USER_AWAY, 3, fk_log, &f, &err), MN_OK);
    CU_ASSERT_EQUAL(f.ncalls, 0);
    CU_ASSERT_EQUAL_FATAL(f.nlog, 1);
    CU_ASSERT_EQUAL(f.log[0].rc, MN_RULE_NOOP);
    /* 23:00: the empty box b3 is switched off; at 01:00 too (across midnight); not at 12:00 */
    fx.v.now = 23 * MN_HOUR;
    f.ncalls = f.nlog = 0;
    f.refuse_migrate = 0; /* keep the vAP rules from acting: high's migration is refused */
    fx.boxes[0].load = fx.boxes[1].load = 0.4;
    fx.insts[2].users = 0;
    CU_ASSERT_EQUAL(
        mn_rules_run(rules_of(n), &fx.v, &be, MN_RULE_ON_PERIOD, MN_NONE, fk_log, &f, &err), MN_OK);
    /* hourly fires at 23:00 (a multiple of 1h) on every upmc vAP, last on alice-vap first */
    size_t powers = 0;
    for (size_t i = 0; i < f.ncalls; i++)
        if (strcmp(f.calls[i].what, "power") == 0) {
            powers++;
            CU_ASSERT_EQUAL(f.calls[i].a, 2);
            CU_ASSERT_EQUAL(f.calls[i].b, 0);
        } else {
            CU_ASSERT_STRING_EQUAL(f.calls[i].what, "remove");
            CU_ASSERT_NOT_EQUAL(f.calls[i].a, 1); /* never isp-x */
        }
    CU_ASSERT_EQUAL(powers, 1);
    CU_ASSERT_EQUAL(f.ncalls, 4); /* remove alice-vap (last), upmc-a, upmc-b (hourly), power */
    fx.v.now = MN_DAY + 1 * MN_HOUR + 30 * MN_MIN;
    f.ncalls = 0;
    CU_ASSERT_EQUAL(
        mn_rules_run(rules_of(n), &fx.v, &be, MN_RULE_ON_PERIOD, MN_NONE, NULL, NULL, &err), MN_OK);
    CU_ASSERT_EQUAL(f.ncalls, 2); /* remove alice-vap (last), power off b3 */
    fx.v.now = 12 * MN_HOUR + 30 * MN_MIN;
    f.ncalls = 0;
    CU_ASSERT_EQUAL(
        mn_rules_run(rules_of(n), &fx.v, &be, MN_RULE_ON_PERIOD, MN_NONE, NULL, NULL, &err), MN_OK);
    CU_ASSERT_EQUAL(f.ncalls, 1); /* remove alice-vap only */
    /* box-failure of b2: the box rule powers it on (it is off) */
    fx.boxes[1].powered = 0;
    f.ncalls = 0;
    CU_ASSERT_EQUAL(
        mn_rules_run(rules_of(n), &fx.v, &be, MN_RULE_ON_BOX_FAILURE, 1, NULL, NULL, &err), MN_OK);
    CU_ASSERT_EQUAL_FATAL(f.ncalls, 1);
    expect_call(&f, 0, "power", 1, 1);
    mn_net_destroy(n);
}

static int fk_fail(void *be, uint32_t inst, mn_err *err)
{
    (void)be;
    (void)inst;
    return MN_ERR(err, MN_ENOMEM, "out of memory in the backend");
}

static void test_rules_backend_errors_other_than_refusals_stop_the_run(void)
{
    mn_net *n;
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(load(RULE("on='period' for='vap'", "<do action='remove'/>"), &n, &err),
                          MN_OK);
    struct fixture fx;
    fixture_init(&fx);
    mn_backend_ops ops = fake_ops;
    ops.remove = fk_fail;
    struct fake f = {.refuse_migrate = MN_NONE};
    mn_backend be = {&ops, &f};
    CU_ASSERT_EQUAL(
        mn_rules_run(rules_of(n), &fx.v, &be, MN_RULE_ON_PERIOD, MN_NONE, fk_log, &f, &err),
        MN_ENOMEM);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "out of memory in the backend"));
    CU_ASSERT_EQUAL(f.nlog, 0);
    /* a backend without the action: logged as unsupported, not fatal */
    ops.remove = NULL;
    CU_ASSERT_EQUAL(
        mn_rules_run(rules_of(n), &fx.v, &be, MN_RULE_ON_PERIOD, MN_NONE, fk_log, &f, &err), MN_OK);
    CU_ASSERT_EQUAL_FATAL(f.nlog, 3); /* upmc-a, upmc-b, alice-vap */
    CU_ASSERT_EQUAL(f.log[0].rc, MN_EUNSUPPORTED);
    mn_net_destroy(n);
}

/* ---- analysis ---- */

static const char *pairs =
    "<rules operator='upmc'>\n"
    "<rule id='never' on='period' for='vap'>"
    "<when metric='box.load' op='gt' value='90%'/><when metric='box.load' op='lt' value='50%'/>"
    "<do action='remove'/></rule>\n"
    "<rule id='between' on='period' for='vap'>"
    "<when metric='users' op='gt' value='3'/><when metric='users' op='lt' value='4'/>"
    "<do action='remove'/></rule>\n"
    "<rule id='night' on='period' for='vap'>"
    "<when metric='time-of-day' op='in' value='22h 6h'/><when metric='time-of-day' op='ge' "
    "value='23h'/>"
    "<do action='remove'/></rule>\n"
    "<rule id='a' priority='10' on='period' for='vap'>"
    "<when metric='box.load' op='gt' value='80%'/><do action='migrate' to='b1'/></rule>\n"
    "<rule id='b' priority='5' on='period' for='vap' select='upmc-a'>"
    "<when metric='box.load' op='gt' value='90%'/><when metric='users' op='ge' value='1'/>"
    "<do action='migrate' to='b2'/></rule>\n"
    "<rule id='c' priority='5' on='period' for='vap' select='upmc-a'>"
    "<when metric='box.load' op='gt' value='70%'/><do action='migrate' to='b2'/></rule>\n"
    "<rule id='d' priority='5' on='period' for='vap'>"
    "<when metric='box.load' op='lt' value='50%'/><do action='migrate' to='b2'/></rule>\n"
    "<rule id='e' priority='20' on='period' period='2min' for='vap'>"
    "<do action='migrate' to='b1'/></rule>\n"
    "</rules>\n"
    "<rules scope='infrastructure'>\n"
    "<rule id='off' on='period' for='box'><when metric='hosted' op='eq' value='0'/>"
    "<do action='power' state='off'/></rule>\n"
    "<rule id='on' on='period' for='box'><when metric='hosted' op='ge' value='1'/>"
    "<do action='power' state='on'/></rule>\n"
    "<rule id='on-empty' on='period' for='box' select='b3'><when metric='load' op='lt' "
    "value='10%'/>"
    "<do action='power' state='on'/></rule>\n"
    "</rules>\n";

static void test_rules_analysis_finds_contradictions_shadows_and_oscillations(void)
{
    mn_net *n;
    mn_err err = {0};
    int rc = load(pairs, &n, &err);
    if (rc != MN_OK)
        fprintf(stderr, "\n  %s: %s ", err.where, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, MN_OK);
    const mn_ruleset *rs = rules_of(n);
#define R(id) mn_rules_find(rs, id)
    mn_rule_why why = {{0}};
    /* contradictions */
    CU_ASSERT_FALSE(mn_rule_satisfiable(R("never"), &why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why.msg, "box.load > 0.90 and box.load < 0.50"));
    CU_ASSERT_FALSE(mn_rule_satisfiable(R("between"), NULL)); /* no count between 3 and 4 */
    CU_ASSERT_TRUE(mn_rule_satisfiable(R("night"), NULL));    /* 23:00 to midnight */
    CU_ASSERT_TRUE(mn_rule_satisfiable(R("a"), NULL));
    CU_ASSERT_TRUE(mn_rule_satisfiable(R("d"), NULL));
    /* a (all vAPs, load > 0.8, priority 10) shadows b (upmc-a, load > 0.9 and users >= 1) */
    CU_ASSERT_TRUE(mn_rule_shadows(R("a"), R("b"), &why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why.msg, "rule \"b\" never acts"));
    CU_ASSERT_FALSE(mn_rule_shadows(R("b"), R("a"), NULL)); /* lower priority */
    CU_ASSERT_FALSE(mn_rule_shadows(R("a"), R("c"), NULL)); /* c also fires in (0.7, 0.8] */
    CU_ASSERT_FALSE(mn_rule_shadows(R("c"), R("b"), NULL)); /* same priority, c comes later */
    CU_ASSERT_TRUE(mn_rule_shadows(R("b"), R("c"), NULL) == 0);
    /* e runs every 2min only: it does not shadow a 1min rule */
    CU_ASSERT_FALSE(mn_rule_shadows(R("e"), R("d"), NULL));
    /* oscillation: a sends to b1, c to b2, both fire above 0.8 on upmc-a */
    CU_ASSERT_TRUE(mn_rules_may_oscillate(R("a"), R("c"), &why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why.msg, "migrate to different targets"));
    CU_ASSERT_FALSE(mn_rules_may_oscillate(R("a"), R("d"), NULL));    /* load > 0.8 vs < 0.5 */
    CU_ASSERT_FALSE(mn_rules_may_oscillate(R("off"), R("on"), NULL)); /* hosted 0 vs >= 1 */
    CU_ASSERT_TRUE(mn_rules_may_oscillate(R("off"), R("on-empty"), &why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why.msg, "power on and off"));
    CU_ASSERT_FALSE(mn_rules_may_oscillate(R("a"), R("off"), NULL)); /* vAPs vs boxes */
    CU_ASSERT_EQUAL(mn_rule_worst_case(R("b"), 3), 1);
    CU_ASSERT_EQUAL(mn_rule_worst_case(R("a"), 3), 3);
#undef R
    mn_net_destroy(n);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_rules_parse_the_documented_example),
        MN_TEST(test_rules_sort_by_priority_then_document_order),
        MN_TEST(test_rules_isolation_names_file_line_rule_instance_and_owner),
        MN_TEST(test_rules_load_errors_name_the_fix),
        MN_TEST(test_rules_metrics_read_the_view),
        MN_TEST(test_rules_conditions_are_intervals),
        MN_TEST(test_rules_run_in_priority_order_once_per_subject),
        MN_TEST(test_rules_events_period_and_wrapping_time),
        MN_TEST(test_rules_backend_errors_other_than_refusals_stop_the_run),
        MN_TEST(test_rules_analysis_finds_contradictions_shadows_and_oscillations),
    };
    MN_SUITE("rules", cases);
}
