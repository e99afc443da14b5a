/*
 * rules_load.c - the <rules>, <rule>, <when> and <do> elements; see rules.h
 * and docs/rules.md.
 *
 * The loader calls a parent before its children, in document order: a
 * <rule> belongs to the last <rules> (its scope is in rs->cur_op), and a
 * <when> or <do> to the last rule read (rs->rules[rs->nrules - 1]).
 * Everything a rule names (operator, instances, boxes, sites) must be
 * declared before it; a rule selecting an instance of another operator is
 * an error (the isolation check), or, when the ruleset collects isolation
 * violations (mnetsim validate), a recorded violation.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/quantity.h"
#include "core/scenario.h"
#include "rules.h"
#include "world.h"

/* ---- helpers ---- */

static mn_ruleset *ruleset(void *world)
{
    return &mn_net_world(world)->rules;
}

/* The world id `name` of kind `kind`, or 0. */
static int world_id(const mn_world *w, const char *name, int kind, uint32_t *idx)
{
    uint32_t v;
    if (!mn_strmap_get(&w->ids, name, &v) || (int)(v >> 28) != kind)
        return 0;
    *idx = v & ((1u << 28) - 1);
    return 1;
}

/* A <when>/<do> error: "file:line: when: rule "x": message". */
static int rfail(const mn_scn_elem *e, const mn_rule *r, mn_err *err, int code, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));

static int rfail(const mn_scn_elem *e, const mn_rule *r, mn_err *err, int code, const char *fmt,
                 ...)
{
    char msg[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mn_scn_fail(e, err, code, "rule \"%s\": %s", r->id, msg);
}


static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts and removes duplicates. */
static void sort_unique(uint32_t *v, size_t *n)
{
    if (*n < 2)
        return;
    qsort(v, *n, sizeof *v, cmp_u32);
    size_t k = 1;
    for (size_t i = 1; i < *n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    *n = k;
}

/* ---- the instances a rule may name ---- */

/* A rule's instances of one kind, and their operators. */
struct insts {
    const mn_world *w;
    mn_rule_subject kind;
    uint32_t *own; /* owned: kind-local indexes of the rule's operator's instances */
    size_t nown;
};

static size_t inst_count(const mn_world *w, mn_rule_subject k)
{
    return k == MN_RULE_VAP ? w->nvaps : w->nvms;
}

static const char *inst_id(const mn_world *w, mn_rule_subject k, size_t j)
{
    return k == MN_RULE_VAP ? w->vaps[j].id : w->vms[j].id;
}

static uint32_t inst_op(const mn_world *w, mn_rule_subject k, size_t j)
{
    return k == MN_RULE_VAP ? w->vaps[j].op : w->vms[j].op;
}

static const char *own_name(size_t i, const void *ctx)
{
    const struct insts *x = ctx;
    return inst_id(x->w, x->kind, x->own[i]);
}

static const char *box_name(size_t i, const void *w)
{
    return ((const mn_world *)w)->boxes[i].id;
}

/*
 * The isolation check: a token of select= that names (or, as a prefix,
 * matches only) instances of another operator is an error naming the
 * first such instance and its owner.
 */
static int record_isolation(mn_ruleset *rs, const mn_scn_elem *e, const char *rule, mn_err *err,
                            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* collect_isolation: files the violation (validate reports it) instead of failing. */
static int record_isolation(mn_ruleset *rs, const mn_scn_elem *e, const char *rule, mn_err *err,
                            const char *fmt, ...)
{
    if (mn_array_reserve((void **)&rs->isolation, &rs->isolation_cap, rs->nisolation + 1,
                         sizeof *rs->isolation) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    mn_rule_isolation *v = &rs->isolation[rs->nisolation];
    memset(v, 0, sizeof *v);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->msg, sizeof v->msg, fmt, ap);
    va_end(ap);
    v->line = mn_scn_elem_line(e);
    if (!(v->rule = mn_strdup(rule)) || !(v->file = mn_strdup(mn_scn_elem_file(e)))) {
        mn_free(v->rule);
        mn_free(v->file);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    rs->nisolation++;
    return MN_OK;
}

/*
 * With rs->collect_isolation, every offending token is recorded and left
 * out of *kept (the tokens that remain, space-separated; kept may be NULL
 * otherwise); without it, the first one fails the load.
 */
static int isolation(const mn_scn_elem *e, mn_world *w, const char *rule, uint32_t op,
                     mn_rule_subject k, char *kept, size_t nkept, mn_err *err)
{
    char buf[1024], *save = NULL;
    snprintf(buf, sizeof buf, "%s", mn_scn_attr(e, "select"));
    const char *me = w->operators[op];
    mn_ruleset *rs = &w->rules;
    if (kept)
        kept[0] = '\0';
    for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        size_t len = strlen(t);
        int prefix = t[len - 1] == '*';
        size_t mine = 0, other = MN_NONE;
        for (size_t j = 0; j < inst_count(w, k); j++) {
            const char *id = inst_id(w, k, j);
            if (prefix ? strncmp(id, t, len - 1) != 0 : strcmp(id, t) != 0)
                continue;
            if (inst_op(w, k, j) == op)
                mine++;
            else if (other == MN_NONE)
                other = j;
        }
        /* a prefix may match other operators' instances too: it then selects only ours */
        if (other == MN_NONE || (prefix && mine)) {
            if (kept)
                snprintf(kept + strlen(kept), nkept - strlen(kept), "%s%s", kept[0] ? " " : "", t);
            continue;
        }
        if (rs->collect_isolation) {
            uint32_t owner = inst_op(w, k, other);
            int rc = record_isolation(
                rs, e, rule, err,
                "rule \"%s\" selects %s \"%s\" %s%s%s; rules of %s act only on %s's instances",
                rule, mn_rule_subject_name(k), inst_id(w, k, other),
                owner == MN_NONE ? "which belongs to no operator" : "of operator \"",
                owner == MN_NONE ? "" : w->operators[owner], owner == MN_NONE ? "" : "\"", me, me);
            if (rc != MN_OK)
                return rc;
            continue;
        }
        const char *file = mn_scn_elem_file(e);
        long line = mn_scn_elem_line(e);
        uint32_t owner = inst_op(w, k, other);
        if (owner == MN_NONE)
            return mn_err_set_line(err, MN_EINVAL, file, line,
                                 "rule \"%s\" selects %s \"%s\", which belongs to no operator; "
                                 "rules of %s act only on %s's instances",
                                 rule, mn_rule_subject_name(k), inst_id(w, k, other), me, me);
        return mn_err_set_line(err, MN_EINVAL, file, line,
                             "rule \"%s\" selects %s \"%s\" of operator \"%s\"; rules of %s act "
                             "only on %s's instances",
                             rule, mn_rule_subject_name(k), inst_id(w, k, other),
                             w->operators[owner], me, me);
    }
    return MN_OK;
}

/*
 * The selection of an instance rule from the tokens `kept` that survived
 * the collected isolation check (validate): as mn_scn_attr_match over the
 * rule's operator's instances, except that no token left (all were
 * isolation violations) is an empty selection, not an error.
 */
static int collected_selection(const mn_scn_elem *e, const mn_world *w, mn_rule *r, char *kept,
                               mn_err *err)
{
    size_t cap = 0;
    char *save = NULL;
    for (char *t = strtok_r(kept, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        size_t len = strlen(t), before = r->nsel;
        int prefix = t[len - 1] == '*';
        for (size_t j = 0; j < inst_count(w, r->subject); j++) {
            const char *id = inst_id(w, r->subject, j);
            if (inst_op(w, r->subject, j) != r->op ||
                (prefix ? strncmp(id, t, len - 1) != 0 : strcmp(id, t) != 0))
                continue;
            if (mn_array_reserve((void **)&r->sel, &cap, r->nsel + 1, sizeof *r->sel) != MN_OK)
                return MN_ERR(err, MN_ENOMEM, "out of memory");
            r->sel[r->nsel++] = (uint32_t)j;
        }
        if (r->nsel == before)
            return mn_scn_fail(e, err, MN_ENOTFOUND,
                               "select: \"%s\" matches no %s declared before this line; write %s "
                               "ids or a prefix ending in *",
                               t, mn_rule_subject_name(r->subject),
                               mn_rule_subject_name(r->subject));
    }
    sort_unique(r->sel, &r->nsel);
    return MN_OK;
}

/* The selection of rule r (subject, op and id set): r->sel or r->select_all. */
static int selection(const mn_scn_elem *e, mn_world *w, mn_rule *r, mn_err *err)
{
    if (!mn_scn_attr(e, "select")) {
        r->select_all = 1;
        return MN_OK;
    }
    int rc;
    if (r->subject == MN_RULE_BOX) {
        rc = mn_scn_attr_match(e, "select", w->nboxes, box_name, w, "box", &r->sel, &r->nsel, err);
    } else {
        char kept[1024];
        if ((rc = isolation(e, w, r->id, r->op, r->subject, kept, sizeof kept, err)) != MN_OK)
            return rc;
        if (w->rules.collect_isolation)
            return collected_selection(e, w, r, kept, err);
        struct insts x = {w, r->subject, NULL, 0};
        size_t n = inst_count(w, r->subject);
        if (n && !(x.own = mn_alloc(n * sizeof *x.own)))
            return MN_ERR(err, MN_ENOMEM, "out of memory");
        for (size_t j = 0; j < n; j++)
            if (inst_op(w, r->subject, j) == r->op)
                x.own[x.nown++] = (uint32_t)j;
        rc = mn_scn_attr_match(e, "select", x.nown, own_name, &x, mn_rule_subject_name(r->subject),
                               &r->sel, &r->nsel, err);
        for (size_t i = 0; rc == MN_OK && i < r->nsel; i++)
            r->sel[i] = x.own[r->sel[i]];
        mn_free(x.own);
    }
    if (rc == MN_OK)
        sort_unique(r->sel, &r->nsel);
    return rc;
}

/* ---- <rules> ---- */

static int on_rules(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    mn_ruleset *rs = &w->rules;
    const char *op = mn_scn_attr(e, "operator"), *scope = mn_scn_attr(e, "scope");
    rs->cur_open = 0;
    if (op && scope)
        return mn_scn_fail(e, err, MN_EINVAL,
                           "give operator=\"%s\" (rules on its instances) or "
                           "scope=\"infrastructure\" (rules on boxes), not both",
                           op);
    if (scope && strcmp(scope, "infrastructure") != 0)
        return mn_scn_fail(e, err, MN_EINVAL,
                           "scope \"%s\" is not \"infrastructure\"; an operator's rules take "
                           "operator=\"id\"",
                           scope);
    if (!op && !scope)
        return mn_scn_fail(e, err, MN_EINVAL,
                           "give operator=\"id\" (rules on its instances) or "
                           "scope=\"infrastructure\" (rules on boxes)");
    rs->cur_op = MN_NONE;
    if (op && !world_id(w, op, MN_ID_OPERATOR, &rs->cur_op))
        return mn_scn_fail(e, err, MN_ENOTFOUND,
                           "operator names unknown operator \"%s\"; declare <operator id=\"%s\"/> "
                           "before this line",
                           op, op);
    rs->cur_open = 1;
    return MN_OK;
}

/* ---- <rule> ---- */

/* Appends r (taking what it owns) and files it in priority order. */
static int add_rule(mn_ruleset *rs, mn_rule *r)
{
    if (mn_array_reserve((void **)&rs->rules, &rs->rules_cap, rs->nrules + 1, sizeof *rs->rules) ||
        mn_array_reserve((void **)&rs->order, &rs->order_cap, rs->nrules + 1, sizeof *rs->order))
        return MN_ENOMEM;
    uint32_t idx = (uint32_t)rs->nrules;
    int rc = mn_strmap_add(&rs->ids, r->id, idx);
    if (rc < 0)
        return MN_ENOMEM;
    r->index = idx;
    rs->rules[idx] = *r;
    /* after every rule of higher or equal priority: ties stay in document order */
    size_t at = rs->nrules;
    while (at > 0 && rs->rules[rs->order[at - 1]].priority < r->priority)
        at--;
    memmove(rs->order + at + 1, rs->order + at, (rs->nrules - at) * sizeof *rs->order);
    rs->order[at] = idx;
    rs->nrules++;
    return MN_OK;
}

static void rule_free(mn_rule *r)
{
    mn_free(r->id);
    mn_free(r->file);
    mn_free(r->sel);
}

static int on_rule(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    mn_ruleset *rs = &w->rules;
    const char *id = mn_scn_attr(e, "id");
    if (!rs->cur_open || strcmp(mn_scn_elem_parent_name(e), "rules") != 0)
        return mn_scn_fail(e, err, MN_EINVAL, "a <rule> belongs inside <rules operator=\"...\">");
    const mn_rule *dup = mn_rules_find(rs, id);
    if (dup)
        return mn_scn_fail(e, err, MN_EINVAL,
                           "id \"%s\" is taken by the rule at line %ld; rule ids are unique", id,
                           dup->line);
    mn_rule r;
    memset(&r, 0, sizeof r);
    r.op = rs->cur_op;
    r.line = mn_scn_elem_line(e);
    int trig, subj = 0, rc;
    const char *on = mn_scn_attr(e, "on");
    if ((trig = mn_rule_trigger_parse(on)) < 0) {
        char list[200] = "";
        for (int i = 0; i < MN_RULE_TRIGGERS; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     mn_rule_trigger_name((mn_rule_trigger)i));
        return mn_scn_fail(e, err, MN_EINVAL, "on \"%s\" is not one of %s", on, list);
    }
    r.trigger = (mn_rule_trigger)trig;
    static const char *const subjects[] = {"vap", "vm", "box"};
    if ((rc = mn_scn_attr_choice(e, "for", subjects, 3, 0, &subj, err)) != MN_OK)
        return rc;
    r.subject = (mn_rule_subject)subj;
    if (r.op == MN_NONE && r.subject != MN_RULE_BOX)
        return mn_scn_fail(e, err, MN_EINVAL,
                           "infrastructure rules act on boxes: write for=\"box\" (rules on %ss "
                           "go in <rules operator=\"...\">)",
                           subjects[subj]);
    if (r.op != MN_NONE && r.subject == MN_RULE_BOX)
        return mn_scn_fail(
            e, err, MN_EINVAL,
            "boxes belong to the infrastructure, not to operator %s; box rules go in "
            "<rules scope=\"infrastructure\">",
            w->operators[r.op]);
    uint64_t period = 0;
    if (r.trigger == MN_RULE_ON_PERIOD) {
        if ((rc = mn_scn_attr_quantity(e, "period", &mn_qk_duration, 0, (uint64_t)MN_MIN, &period,
                                       err)) != MN_OK)
            return rc;
        if (period == 0 || period > (uint64_t)INT64_MAX)
            return mn_scn_fail(e, err, MN_ERANGE, "period must be above zero, e.g. \"1min\"");
    } else if (mn_scn_attr(e, "period")) {
        return mn_scn_fail(e, err, MN_EINVAL,
                           "period= goes with on=\"period\"; on=\"%s\" is an event", on);
    }
    r.period = (mn_time)period;
    double prio;
    if ((rc = mn_scn_attr_number(e, "priority", -1e6, 1e6, 0, &prio, err)) != MN_OK)
        return rc;
    if (prio != floor(prio))
        return mn_scn_fail(e, err, MN_EINVAL, "priority must be an integer, e.g. \"10\"");
    r.priority = (int)prio;
    if (!(r.id = mn_strdup(id)) || !(r.file = mn_strdup(mn_scn_elem_file(e)))) {
        rule_free(&r);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    if ((rc = selection(e, w, &r, err)) != MN_OK) {
        rule_free(&r);
        return rc;
    }
    if (add_rule(rs, &r) != MN_OK) {
        rule_free(&r);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    return MN_OK;
}

/* The rule a <when> or <do> belongs to. */
static mn_rule *cur_rule(mn_ruleset *rs, const mn_scn_elem *e, mn_err *err)
{
    if (!rs->nrules || strcmp(mn_scn_elem_parent_name(e), "rule") != 0) {
        mn_scn_fail(e, err, MN_EINVAL, "<%s> belongs inside <rule>", mn_scn_elem_name(e));
        return NULL;
    }
    return &rs->rules[rs->nrules - 1];
}

/* ---- <when> ---- */

static const char *const unit_words[MN_RULE_UNITS] = {
    "a fraction; write e.g. 80% or 0.8",
    "a count; write e.g. 3",
    "true or false",
    "a frequency; write e.g. 500MHz",
    "a size; write e.g. 256MiB",
    "a distance; write e.g. 150m",
    "a time of day; write e.g. 8h or 17.5h (at most 24h)",
};

/* One value of metric m, in its base unit; 0 or an error. */
static int metric_value(const mn_scn_elem *e, const mn_rule *r, mn_rule_metric m, const char *text,
                        double *out, mn_err *err)
{
    const mn_rule_metric_info *mi = &mn_rule_metrics[m];
    const mn_quantity_kind *qk = NULL;
    double scale = 1, max = INFINITY;
    char *end;
    switch (mi->unit) {
    case MN_RULE_UNIT_FRACTION: {
        double v = strtod(text, &end);
        if (end != text && *end == '%' && end[1] == '\0')
            v /= 100;
        else if (end == text || *end)
            break;
        if (!(v >= 0 && v <= 1))
            return rfail(e, r, err, MN_ERANGE,
                         "metric %s is a fraction from 0%% to 100%%; write e.g. 80%% or 0.8",
                         mi->name);
        *out = v;
        return MN_OK;
    }
    case MN_RULE_UNIT_COUNT: {
        if (*text < '0' || *text > '9')
            break;
        unsigned long long v = strtoull(text, &end, 10);
        if (*end || v > 1000000000ull)
            break;
        *out = (double)v;
        return MN_OK;
    }
    case MN_RULE_UNIT_BOOL:
        if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
            *out = text[0] == 't';
            return MN_OK;
        }
        break;
    case MN_RULE_UNIT_FREQUENCY:
        qk = &mn_qk_frequency;
        break;
    case MN_RULE_UNIT_SIZE:
        qk = &mn_qk_size;
        break;
    case MN_RULE_UNIT_DISTANCE:
        qk = &mn_qk_distance;
        scale = 1e-3; /* mm */
        break;
    case MN_RULE_UNIT_TIME_OF_DAY:
        qk = &mn_qk_duration;
        scale = 1e-9; /* ns */
        max = 86400;
        break;
    default:
        break;
    }
    if (qk) {
        uint64_t q;
        mn_err qerr = {0};
        if (mn_quantity_parse(qk, text, NULL, &q, &qerr) == MN_OK && (double)q * scale <= max) {
            *out = (double)q * scale;
            return MN_OK;
        }
    }
    return rfail(e, r, err, MN_EPARSE, "value \"%s\": metric %s is %s", text, mi->name,
                 unit_words[mi->unit]);
}

static int on_when(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_rule *r = cur_rule(ruleset(world), e, err);
    if (!r)
        return err ? err->code : MN_EINVAL;
    if (r->nconds == MN_RULE_MAX_CONDS)
        return rfail(e, r, err, MN_ERANGE, "more than %d <when>", MN_RULE_MAX_CONDS);
    const char *name = mn_scn_attr(e, "metric"), *opname = mn_scn_attr(e, "op"),
               *text = mn_scn_attr(e, "value");
    int m = mn_rule_metric_parse(name, r->subject);
    if (m < 0) {
        char list[400] = "";
        int box = r->subject == MN_RULE_BOX;
        for (int i = 0; i < MN_RM_METRICS; i++)
            if (mn_rule_metrics[i].box == box)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                         list[0] ? ", " : "", mn_rule_metrics[i].name);
        return rfail(e, r, err, MN_EINVAL, "metric \"%s\" is not one of %s (for %s rules)", name,
                     list, mn_rule_subject_name(r->subject));
    }
    static const char *const ops[] = {"lt", "le", "gt", "ge", "eq", "ne", "in"};
    int op = -1;
    for (int i = 0; i < MN_RULE_OPS; i++)
        if (strcmp(opname, ops[i]) == 0)
            op = i;
    if (op < 0)
        return rfail(e, r, err, MN_EINVAL, "op \"%s\" is not one of lt, le, gt, ge, eq, ne, in",
                     opname);
    const mn_rule_metric_info *mi = &mn_rule_metrics[m];
    if (mi->unit == MN_RULE_UNIT_BOOL && op != MN_RULE_EQ && op != MN_RULE_NE)
        return rfail(e, r, err, MN_EINVAL, "metric %s is true or false; use op eq or ne", mi->name);
    /* the value: one token, or two for "in" */
    char buf[128], *save = NULL;
    snprintf(buf, sizeof buf, "%s", text);
    char *t1 = strtok_r(buf, " ", &save), *t2 = t1 ? strtok_r(NULL, " ", &save) : NULL;
    char *t3 = t2 ? strtok_r(NULL, " ", &save) : NULL;
    if (op == MN_RULE_IN && (!t2 || t3))
        return rfail(e, r, err, MN_EINVAL,
                     "op in takes two values \"lo hi\", e.g. value=\"8h 18h\"");
    if (op != MN_RULE_IN && (!t1 || t2))
        return rfail(e, r, err, MN_EINVAL, "op %s takes one value; write e.g. value=\"%s\"", opname,
                     mi->unit == MN_RULE_UNIT_FRACTION ? "80%" : "3");
    mn_rule_cond c = {.metric = (mn_rule_metric)m, .op = (uint8_t)op, .line = mn_scn_elem_line(e)};
    int rc;
    if ((rc = metric_value(e, r, c.metric, t1, &c.v1, err)) != MN_OK)
        return rc;
    c.v2 = c.v1;
    if (t2 && (rc = metric_value(e, r, c.metric, t2, &c.v2, err)) != MN_OK)
        return rc;
    double x = c.v1;
    switch (op) {
    case MN_RULE_LT:
        c = (mn_rule_cond){c.metric, -INFINITY, x, 0, 1, 0, c.op, c.v1, c.v2, c.line};
        break;
    case MN_RULE_LE:
        c = (mn_rule_cond){c.metric, -INFINITY, x, 0, 0, 0, c.op, c.v1, c.v2, c.line};
        break;
    case MN_RULE_GT:
        c = (mn_rule_cond){c.metric, x, INFINITY, 1, 0, 0, c.op, c.v1, c.v2, c.line};
        break;
    case MN_RULE_GE:
        c = (mn_rule_cond){c.metric, x, INFINITY, 0, 0, 0, c.op, c.v1, c.v2, c.line};
        break;
    case MN_RULE_EQ:
        c = (mn_rule_cond){c.metric, x, x, 0, 0, 0, c.op, c.v1, c.v2, c.line};
        break;
    case MN_RULE_NE:
        c = (mn_rule_cond){c.metric, x, x, 0, 0, 1, c.op, c.v1, c.v2, c.line};
        break;
    default: /* in */
        if (c.v1 <= c.v2)
            c = (mn_rule_cond){c.metric, c.v1, c.v2, 0, 0, 0, c.op, c.v1, c.v2, c.line};
        else if (mi->unit == MN_RULE_UNIT_TIME_OF_DAY) /* across midnight: not in (hi, lo) */
            c = (mn_rule_cond){c.metric, c.v2, c.v1, 1, 1, 1, c.op, c.v1, c.v2, c.line};
        else
            return rfail(e, r, err, MN_EINVAL, "in \"%s\": the low end is above the high end",
                         text);
    }
    /* counts are integers: closed integer bounds (gt 3 is [4, inf)) */
    if (mi->unit == MN_RULE_UNIT_COUNT || mi->unit == MN_RULE_UNIT_BOOL) {
        if (c.lo_open) {
            c.lo += 1;
            c.lo_open = 0;
        }
        if (c.hi_open) {
            c.hi -= 1;
            c.hi_open = 0;
        }
    }
    r->conds[r->nconds++] = c;
    return MN_OK;
}

/* ---- <do> ---- */

/* to= (migrate) or on= (place): least-loaded, nearest-user, or box ids and prefixes. */
static int target(const mn_scn_elem *e, const mn_world *w, const mn_rule *r, const char *attr,
                  mn_rule_action *a, mn_err *err)
{
    const char *text = mn_scn_attr(e, attr);
    if (!text)
        return rfail(e, r, err, MN_EINVAL,
                     "%s needs %s=\"least-loaded\", \"nearest-user\" or box ids",
                     mn_rule_action_name(a->kind), attr);
    if (strcmp(text, "least-loaded") == 0) {
        a->target = MN_RULE_TO_LEAST_LOADED;
        return MN_OK;
    }
    if (strcmp(text, "nearest-user") == 0) {
        a->target = MN_RULE_TO_NEAREST_USER;
        return MN_OK;
    }
    a->target = MN_RULE_TO_BOXES;
    mn_err merr = {0};
    int rc =
        mn_scn_attr_match(e, attr, w->nboxes, box_name, w, "box", &a->boxes, &a->nboxes, &merr);
    if (rc == MN_ENOMEM)
        return MN_ERR(err, rc, "out of memory");
    if (rc != MN_OK) { /* its message, "do: to: ...", with the rule named */
        const char *m = strchr(merr.msg, ':');
        return rfail(e, r, err, rc, "%s", m ? m + 2 : merr.msg);
    }
    return MN_OK;
}

static int on_do(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    mn_rule *r = cur_rule(&w->rules, e, err);
    if (!r)
        return err ? err->code : MN_EINVAL;
    if (r->nactions == MN_RULE_MAX_ACTIONS)
        return rfail(e, r, err, MN_ERANGE, "more than %d <do>", MN_RULE_MAX_ACTIONS);
    const char *name = mn_scn_attr(e, "action");
    int kind = -1;
    for (int i = 0; i < MN_RULE_ACTIONS; i++)
        if (strcmp(name, mn_rule_action_name((mn_rule_action_kind)i)) == 0)
            kind = i;
    if (kind < 0)
        return rfail(
            e, r, err, MN_EINVAL,
            "action \"%s\" is not one of migrate, remove, set-qos, tunnel, place (for vAPs "
            "and VMs), power (for boxes)",
            name);
    mn_rule_action a = {
        .kind = (mn_rule_action_kind)kind, .site = MN_NONE, .line = mn_scn_elem_line(e)};
    int box = r->subject == MN_RULE_BOX;
    if (box != (a.kind == MN_RULE_POWER))
        return rfail(e, r, err, MN_EINVAL, "%s does not apply to %s rules; %s", name,
                     mn_rule_subject_name(r->subject),
                     box ? "box rules power boxes on or off" : "only box rules power boxes");
    /* each attribute belongs to one action */
    static const struct {
        const char *attr;
        mn_rule_action_kind kind;
    } own[] = {{"to", MN_RULE_MIGRATE},
               {"on", MN_RULE_PLACE},
               {"airtime", MN_RULE_SET_QOS},
               {"to-site", MN_RULE_TUNNEL},
               {"state", MN_RULE_POWER}};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (mn_scn_attr(e, own[i].attr) && own[i].kind != a.kind)
            return rfail(e, r, err, MN_EINVAL, "%s= goes with action=\"%s\", not %s", own[i].attr,
                         mn_rule_action_name(own[i].kind), name);
    int rc = MN_OK;
    switch (a.kind) {
    case MN_RULE_MIGRATE:
        rc = target(e, w, r, "to", &a, err);
        break;
    case MN_RULE_PLACE:
        rc = target(e, w, r, "on", &a, err);
        break;
    case MN_RULE_SET_QOS: {
        if (r->subject != MN_RULE_VAP)
            return rfail(e, r, err, MN_EINVAL, "set-qos shares a radio's airtime: vAP rules only");
        const char *t = mn_scn_attr(e, "airtime");
        if (!t)
            return rfail(e, r, err, MN_EINVAL, "set-qos needs airtime=, e.g. airtime=\"30%%\"");
        char *end;
        double v = strtod(t, &end);
        if (end != t && *end == '%' && end[1] == '\0')
            v /= 100;
        else if (end == t || *end)
            return rfail(e, r, err, MN_EPARSE,
                         "airtime \"%s\" is not a fraction; write e.g. \"30%%\"", t);
        if (!(v > 0 && v <= 1))
            return rfail(e, r, err, MN_ERANGE,
                         "airtime \"%s\" must be above 0%% and at most 100%%, e.g. \"30%%\"", t);
        a.airtime = v;
        break;
    }
    case MN_RULE_TUNNEL: {
        const char *s = mn_scn_attr(e, "to-site");
        if (!s)
            return rfail(e, r, err, MN_EINVAL, "tunnel needs to-site=\"<site id>\"");
        if (!world_id(w, s, MN_ID_SITE, &a.site))
            return rfail(
                e, r, err, MN_ENOTFOUND,
                "to-site names unknown site \"%s\"; declare <site id=\"%s\"/> before this line", s,
                s);
        break;
    }
    case MN_RULE_POWER: {
        static const char *const states[] = {"off", "on"};
        const char *s = mn_scn_attr(e, "state");
        if (!s)
            return rfail(e, r, err, MN_EINVAL, "power needs state=\"on\" or state=\"off\"");
        if ((rc = mn_scn_attr_choice(e, "state", states, 2, 0, &a.on, err)) != MN_OK)
            return rc;
        break;
    }
    default: /* remove */
        break;
    }
    if (rc != MN_OK)
        return rc;
    r->actions[r->nactions++] = a;
    return MN_OK;
}

const struct mn_scn_entity_ops mn_rules_entities[] = {
    {"rules", "an operator's rules (operator=) or the infrastructure's (scope=)", "", on_rules},
    {"rule", "when its conditions hold on a trigger, its actions run", "id on for", on_rule},
    {"when", "a condition of a rule: metric op value", "metric op value", on_when},
    {"do", "an action of a rule: migrate, remove, set-qos, tunnel, place, power", "action", on_do},
};
const size_t mn_rules_nentities = sizeof mn_rules_entities / sizeof mn_rules_entities[0];
