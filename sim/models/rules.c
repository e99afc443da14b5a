/*
 * rules.c - the rule language's tables, evaluation over a policy view,
 * execution through a policy backend, and the interval analysis; see rules.h.
 */
#include "rules.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "policies/policy.h"

/* ---- tables ---- */

const mn_rule_metric_info mn_rule_metrics[MN_RM_METRICS] = {
    [MN_RM_BOX_LOAD] = {"box.load", MN_RULE_UNIT_FRACTION, 0},
    [MN_RM_BOX_AIR_LOAD] = {"box.air-load", MN_RULE_UNIT_FRACTION, 0},
    [MN_RM_BOX_CPU_FREE] = {"box.cpu-free", MN_RULE_UNIT_FREQUENCY, 0},
    [MN_RM_BOX_MEM_FREE] = {"box.mem-free", MN_RULE_UNIT_SIZE, 0},
    [MN_RM_BOX_USERS] = {"box.users", MN_RULE_UNIT_COUNT, 0},
    [MN_RM_USERS] = {"users", MN_RULE_UNIT_COUNT, 0},
    [MN_RM_LOAD] = {"load", MN_RULE_UNIT_FRACTION, 0},
    [MN_RM_VIOLATING] = {"violating", MN_RULE_UNIT_FRACTION, 0},
    [MN_RM_FOLLOWS_DISTANCE] = {"follows.distance", MN_RULE_UNIT_DISTANCE, 0},
    [MN_RM_FOLLOWS_ONLINE] = {"follows.online", MN_RULE_UNIT_BOOL, 0},
    [MN_RM_TIME_OF_DAY] = {"time-of-day", MN_RULE_UNIT_TIME_OF_DAY, 0},
    [MN_RM_B_LOAD] = {"load", MN_RULE_UNIT_FRACTION, 1},
    [MN_RM_B_AIR_LOAD] = {"air-load", MN_RULE_UNIT_FRACTION, 1},
    [MN_RM_B_HOSTED] = {"hosted", MN_RULE_UNIT_COUNT, 1},
    [MN_RM_B_USERS] = {"users", MN_RULE_UNIT_COUNT, 1},
    [MN_RM_B_POWERED] = {"powered", MN_RULE_UNIT_BOOL, 1},
    [MN_RM_B_TIME_OF_DAY] = {"time-of-day", MN_RULE_UNIT_TIME_OF_DAY, 1},
};

static const char *const trigger_names[MN_RULE_TRIGGERS] = {
    "period", "user-online", "user-away", "sla-violation", "box-overload", "box-failure",
};
static const char *const subject_names[MN_RULE_SUBJECTS] = {"vap", "vm", "box"};
static const char *const action_names[MN_RULE_ACTIONS] = {
    "migrate", "remove", "set-qos", "tunnel", "place", "power",
};
static const char *const op_names[MN_RULE_OPS] = {"lt", "le", "gt", "ge", "eq", "ne", "in"};
static const char *const op_symbols[MN_RULE_OPS] = {"<", "<=", ">", ">=", "=", "!=", "in"};

const char *mn_rule_trigger_name(mn_rule_trigger t)
{
    return (unsigned)t < MN_RULE_TRIGGERS ? trigger_names[t] : "?";
}

const char *mn_rule_subject_name(mn_rule_subject s)
{
    return (unsigned)s < MN_RULE_SUBJECTS ? subject_names[s] : "?";
}

const char *mn_rule_action_name(mn_rule_action_kind a)
{
    return (unsigned)a < MN_RULE_ACTIONS ? action_names[a] : "?";
}

const char *mn_rule_op_name(mn_rule_op op)
{
    return (unsigned)op < MN_RULE_OPS ? op_names[op] : "?";
}

int mn_rule_trigger_parse(const char *s)
{
    for (int i = 0; i < MN_RULE_TRIGGERS; i++)
        if (strcmp(s, trigger_names[i]) == 0)
            return i;
    return -1;
}

int mn_rule_metric_parse(const char *s, mn_rule_subject subj)
{
    int box = subj == MN_RULE_BOX;
    for (int i = 0; i < MN_RM_METRICS; i++)
        if (mn_rule_metrics[i].box == box && strcmp(s, mn_rule_metrics[i].name) == 0)
            return i;
    return -1;
}

/* ---- the ruleset ---- */

static int collect_isolation_default; /* mn_rules_collect_isolation */

void mn_rules_collect_isolation(int on)
{
    collect_isolation_default = on != 0;
}

void mn_ruleset_init(mn_ruleset *rs)
{
    memset(rs, 0, sizeof *rs);
    rs->cur_op = MN_NONE;
    rs->collect_isolation = collect_isolation_default;
    mn_strmap_init(&rs->ids);
}

void mn_ruleset_fini(mn_ruleset *rs)
{
    for (size_t i = 0; i < rs->nrules; i++) {
        mn_rule *r = &rs->rules[i];
        mn_free(r->id);
        mn_free(r->file);
        mn_free(r->sel);
        for (size_t k = 0; k < r->nactions; k++)
            mn_free(r->actions[k].boxes);
    }
    mn_free(rs->rules);
    mn_free(rs->order);
    for (size_t i = 0; i < rs->nisolation; i++) {
        mn_free(rs->isolation[i].rule);
        mn_free(rs->isolation[i].file);
    }
    mn_free(rs->isolation);
    mn_strmap_fini(&rs->ids);
    int collect = rs->collect_isolation;
    memset(rs, 0, sizeof *rs);
    rs->cur_op = MN_NONE;
    rs->collect_isolation = collect;
}

const mn_rule *mn_rules_sorted(const mn_ruleset *rs, size_t i)
{
    return i < rs->nrules ? &rs->rules[rs->order[i]] : NULL;
}

const mn_rule *mn_rules_find(const mn_ruleset *rs, const char *id)
{
    uint32_t i;
    return mn_strmap_get(&rs->ids, id, &i) && i < rs->nrules ? &rs->rules[i] : NULL;
}

static mn_time gcd_time(mn_time a, mn_time b)
{
    while (b) {
        mn_time t = a % b;
        a = b;
        b = t;
    }
    return a;
}

mn_time mn_rules_tick(const mn_ruleset *rs)
{
    mn_time g = 0;
    for (size_t i = 0; i < rs->nrules; i++)
        if (rs->rules[i].trigger == MN_RULE_ON_PERIOD && rs->rules[i].period > 0)
            g = gcd_time(rs->rules[i].period, g);
    return g;
}

/* ---- evaluation ---- */

static double time_of_day(const mn_view *v)
{
    mn_time t = v->now % MN_DAY;
    if (t < 0)
        t += MN_DAY;
    return (double)t / (double)MN_SEC;
}

static double box_metric(const mn_view *v, mn_rule_metric m, uint32_t b)
{
    if (b >= v->nboxes)
        return NAN;
    const mn_view_box *x = &v->boxes[b];
    switch (m) {
    case MN_RM_BOX_LOAD:
    case MN_RM_B_LOAD:
        return x->load;
    case MN_RM_BOX_AIR_LOAD:
    case MN_RM_B_AIR_LOAD:
        return x->air_load;
    case MN_RM_BOX_CPU_FREE:
        return x->cpu_free_hz;
    case MN_RM_BOX_MEM_FREE:
        return x->mem_free_bytes;
    case MN_RM_BOX_USERS:
    case MN_RM_B_USERS:
        return x->users;
    case MN_RM_B_HOSTED:
        return x->hosted;
    case MN_RM_B_POWERED:
        return x->powered ? 1 : 0;
    default:
        return NAN;
    }
}

double mn_rule_metric_value(const mn_view *v, mn_rule_metric m, uint32_t s)
{
    if (m == MN_RM_TIME_OF_DAY || m == MN_RM_B_TIME_OF_DAY)
        return time_of_day(v);
    if ((unsigned)m >= MN_RM_METRICS)
        return NAN;
    if (mn_rule_metrics[m].box)
        return box_metric(v, m, s);
    if (s >= v->ninsts)
        return NAN;
    const mn_view_inst *in = &v->insts[s];
    switch (m) {
    case MN_RM_BOX_LOAD:
    case MN_RM_BOX_AIR_LOAD:
    case MN_RM_BOX_CPU_FREE:
    case MN_RM_BOX_MEM_FREE:
    case MN_RM_BOX_USERS:
        return in->box == MN_NONE ? NAN : box_metric(v, m, in->box);
    case MN_RM_USERS:
        return in->users;
    case MN_RM_LOAD:
        return in->load;
    case MN_RM_VIOLATING: {
        size_t n = 0, bad = 0;
        for (size_t u = 0; u < v->nusers; u++)
            if (v->users[u].vap == s) {
                n++;
                bad += v->users[u].violating != 0;
            }
        return n ? (double)bad / (double)n : 0;
    }
    case MN_RM_FOLLOWS_DISTANCE:
        if (in->follows == MN_NONE || in->follows >= v->nusers || in->box == MN_NONE ||
            in->box >= v->nboxes || !v->user_pos)
            return NAN;
        return mn_pos_dist(v->user_pos(v->ctx, in->follows), v->boxes[in->box].pos);
    case MN_RM_FOLLOWS_ONLINE:
        if (in->follows == MN_NONE || in->follows >= v->nusers)
            return NAN;
        return v->users[in->follows].online ? 1 : 0;
    default:
        return NAN;
    }
}

int mn_rule_cond_holds(const mn_rule_cond *c, double x)
{
    if (isnan(x))
        return 0;
    int in = (c->lo_open ? x > c->lo : x >= c->lo) && (c->hi_open ? x < c->hi : x <= c->hi);
    return c->negate ? !in : in;
}

/* ---- messages ---- */

static int put_value(char *buf, size_t n, mn_rule_metric m, double x)
{
    switch (mn_rule_metrics[m].unit) {
    case MN_RULE_UNIT_FRACTION:
        return snprintf(buf, n, "%.2f", x);
    case MN_RULE_UNIT_COUNT:
        return snprintf(buf, n, "%.0f", x);
    case MN_RULE_UNIT_BOOL:
        return snprintf(buf, n, "%s", x != 0 ? "true" : "false");
    case MN_RULE_UNIT_FREQUENCY:
        return snprintf(buf, n, "%.4gMHz", x / 1e6);
    case MN_RULE_UNIT_SIZE:
        return snprintf(buf, n, "%.4gMiB", x / 1048576);
    case MN_RULE_UNIT_DISTANCE:
        return snprintf(buf, n, "%.4gm", x);
    case MN_RULE_UNIT_TIME_OF_DAY: {
        long s = (long)x;
        return snprintf(buf, n, "%02ld:%02ld", s / 3600, s / 60 % 60);
    }
    default:
        return snprintf(buf, n, "%g", x);
    }
}

/* Appends to buf (of n bytes) at *len, never past the end. */
static void append(char *buf, size_t n, size_t *len, const char *s)
{
    if (*len + 1 >= n)
        return;
    int w = snprintf(buf + *len, n - *len, "%s", s);
    if (w > 0)
        *len += (size_t)w < n - *len ? (size_t)w : n - *len - 1;
}

/* "box.load 0.91 > 0.80" (x: the current value) or, with x NaN, "box.load > 0.80". */
static void put_cond(char *buf, size_t n, const mn_rule_cond *c, double x)
{
    char a[32] = "", b[32] = "", now[40] = "";
    put_value(a, sizeof a, c->metric, c->v1);
    if (!isnan(x)) {
        now[0] = ' ';
        put_value(now + 1, sizeof now - 1, c->metric, x);
    }
    if (c->op == MN_RULE_IN) {
        put_value(b, sizeof b, c->metric, c->v2);
        snprintf(buf, n, "%s%s in %s..%s", mn_rule_metrics[c->metric].name, now, a, b);
    } else {
        snprintf(buf, n, "%s%s %s %s", mn_rule_metrics[c->metric].name, now, op_symbols[c->op], a);
    }
}

/* ---- execution ---- */

struct run {
    const mn_view *v;
    const mn_backend *be;
    mn_rule_log_fn log;
    void *log_ctx;
    mn_err *err;
};

static int is_refusal(int rc)
{
    return rc == MN_ERANGE || rc == MN_EINVAL || rc == MN_EUNSUPPORTED;
}

static int has_box(const uint32_t *list, size_t n, uint32_t b)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == b)
            return 1;
    return 0;
}

/* An instance's candidate boxes: its list, or every box when the list is empty (as policies read
 * it). */
static size_t ncand(const mn_view *v, const mn_view_inst *in)
{
    return in->ncand ? in->ncand : v->nboxes;
}

static uint32_t cand(const mn_view_inst *in, size_t k)
{
    return in->ncand ? in->cand[k] : (uint32_t)k;
}

/* The position the instance should be near, or 0 when it has none. */
static int user_anchor(const mn_view *v, uint32_t i, mn_pos *out)
{
    const mn_view_inst *in = &v->insts[i];
    if (!v->user_pos)
        return 0;
    if (in->follows != MN_NONE && in->follows < v->nusers) {
        *out = v->user_pos(v->ctx, in->follows);
        return 1;
    }
    /* no followed user: the mean position of its operator's online users on it */
    double x = 0, y = 0;
    size_t n = 0;
    for (size_t u = 0; u < v->nusers; u++) {
        const mn_view_user *us = &v->users[u];
        if (us->vap == i && us->op == in->op && us->online) {
            mn_pos p = v->user_pos(v->ctx, (uint32_t)u);
            x += p.x;
            y += p.y;
            n++;
        }
    }
    if (!n)
        return 0;
    out->x = x / (double)n;
    out->y = y / (double)n;
    return 1;
}

/*
 * Where a migrate or place goes: *box and *radio, and a note for the log.
 * Returns MN_OK, MN_RULE_NOOP (already where it should be) or MN_ERANGE
 * (nowhere fits).
 *   least-loaded: argmin load over candidates c != its box that fit; migrate
 *                 only to a box less loaded than its own (else no-op).
 *   nearest-user: argmin distance to the anchor over its box and the
 *                 candidates that fit; its own box is a no-op.
 *   a list:       its box in the list: no-op; else the first listed box
 *                 that fits (among its candidates, when it has any).
 */
static int resolve(const mn_view *v, uint32_t i, const mn_rule_action *a, uint32_t *box,
                   uint32_t *radio, char *note, size_t nn)
{
    const mn_view_inst *in = &v->insts[i];
    uint32_t cur = a->kind == MN_RULE_MIGRATE ? in->box : MN_NONE;
    uint32_t best = MN_NONE, best_radio = MN_NONE;
    *box = *radio = MN_NONE;
    if (a->target == MN_RULE_TO_BOXES) {
        if (cur != MN_NONE && has_box(a->boxes, a->nboxes, cur)) {
            snprintf(note, nn, "already on %s", v->boxes[cur].id);
            return MN_RULE_NOOP;
        }
        for (size_t k = 0; k < a->nboxes && best == MN_NONE; k++) {
            uint32_t b = a->boxes[k], r = MN_NONE;
            if (b >= v->nboxes || (in->ncand && !has_box(in->cand, in->ncand, b)))
                continue;
            if (mn_place_fits(v, i, b, &r)) {
                best = b;
                best_radio = r;
            }
        }
        if (best == MN_NONE) {
            snprintf(note, nn, "none of the listed boxes fits");
            return MN_ERANGE;
        }
        snprintf(note, nn, "to %s", v->boxes[best].id);
    } else if (a->target == MN_RULE_TO_LEAST_LOADED) {
        for (size_t k = 0; k < ncand(v, in); k++) {
            uint32_t b = cand(in, k), r = MN_NONE;
            if (b == cur || b >= v->nboxes ||
                (best != MN_NONE && v->boxes[b].load >= v->boxes[best].load))
                continue;
            if (mn_place_fits(v, i, b, &r)) {
                best = b;
                best_radio = r;
            }
        }
        if (best == MN_NONE) {
            snprintf(note, nn, "no candidate box fits");
            return MN_ERANGE;
        }
        if (cur != MN_NONE && cur < v->nboxes && v->boxes[best].load >= v->boxes[cur].load) {
            snprintf(note, nn, "no candidate less loaded than %s (%.2f)", v->boxes[cur].id,
                     v->boxes[cur].load);
            return MN_RULE_NOOP;
        }
        snprintf(note, nn, "to %s (least-loaded, load %.2f)", v->boxes[best].id,
                 v->boxes[best].load);
    } else {
        mn_pos p;
        if (!user_anchor(v, i, &p)) {
            snprintf(note, nn, "no user to be near");
            return MN_ERANGE;
        }
        double dbest = INFINITY;
        if (cur != MN_NONE && cur < v->nboxes) {
            best = cur;
            dbest = mn_pos_dist(p, v->boxes[cur].pos);
        }
        for (size_t k = 0; k < ncand(v, in); k++) {
            uint32_t b = cand(in, k), r = MN_NONE;
            if (b == cur || b >= v->nboxes)
                continue;
            double d = mn_pos_dist(p, v->boxes[b].pos);
            if (d < dbest && mn_place_fits(v, i, b, &r)) {
                best = b;
                best_radio = r;
                dbest = d;
            }
        }
        if (best == MN_NONE) {
            snprintf(note, nn, "no candidate box fits");
            return MN_ERANGE;
        }
        if (best == cur) {
            snprintf(note, nn, "already on the nearest box %s (%.4gm)", v->boxes[cur].id, dbest);
            return MN_RULE_NOOP;
        }
        snprintf(note, nn, "to %s (nearest-user, %.4gm)", v->boxes[best].id, dbest);
    }
    *box = best;
    *radio = in->kind == MN_INST_VAP ? best_radio : MN_NONE;
    return MN_OK;
}

/* A backend without that action (a fake in tests, emulation without power control). */
static int unsupported(const mn_backend_ops *ops, const char *what, mn_err *berr)
{
    return mn_err_set_at(berr, MN_EUNSUPPORTED, "rules", "backend %s cannot %s",
                         ops->name ? ops->name : "?", what);
}

/* Runs one action on subject s; returns its result (logged by the caller) with note filled. */
static int act(const struct run *x, const mn_rule *r, uint32_t s, const mn_rule_action *a,
               char *note, size_t nn, mn_err *berr)
{
    const mn_view *v = x->v;
    const mn_backend_ops *ops = x->be->ops;
    void *ctx = x->be->ctx;
    uint32_t box, radio;
    int rc;
    note[0] = '\0';
    if (r->subject == MN_RULE_BOX) {
        /* the loader lets only power through for boxes */
        int on = a->on;
        if (v->boxes[s].powered == on) {
            snprintf(note, nn, "already %s", on ? "on" : "off");
            return MN_RULE_NOOP;
        }
        snprintf(note, nn, "power %s", on ? "on" : "off");
        return ops->power ? ops->power(ctx, s, on, berr) : unsupported(ops, "power boxes", berr);
    }
    const mn_view_inst *in = &v->insts[s];
    switch (a->kind) {
    case MN_RULE_MIGRATE:
        if (in->state != MN_INST_RUNNING || in->box == MN_NONE) {
            snprintf(note, nn, "not running");
            return MN_EINVAL;
        }
        if ((rc = resolve(v, s, a, &box, &radio, note, nn)) != MN_OK)
            return rc;
        return ops->migrate ? ops->migrate(ctx, s, box, radio, berr)
                            : unsupported(ops, "migrate", berr);
    case MN_RULE_PLACE:
        if (in->state != MN_INST_UNPLACED) {
            snprintf(note, nn, "already placed");
            return MN_RULE_NOOP;
        }
        if ((rc = resolve(v, s, a, &box, &radio, note, nn)) != MN_OK)
            return rc;
        return ops->place ? ops->place(ctx, s, box, radio, berr) : unsupported(ops, "place", berr);
    case MN_RULE_REMOVE:
        if (in->box == MN_NONE) {
            snprintf(note, nn, "not placed");
            return MN_RULE_NOOP;
        }
        snprintf(note, nn, "remove from %s", in->box < v->nboxes ? v->boxes[in->box].id : "?");
        return ops->remove ? ops->remove(ctx, s, berr) : unsupported(ops, "remove", berr);
    case MN_RULE_SET_QOS:
        snprintf(note, nn, "airtime %.0f%%", a->airtime * 100);
        return ops->set_qos ? ops->set_qos(ctx, s, a->airtime, berr)
                            : unsupported(ops, "set QoS", berr);
    case MN_RULE_TUNNEL: {
        if (in->box == MN_NONE || in->box >= v->nboxes || v->boxes[in->box].site == MN_NONE) {
            snprintf(note, nn, "its box is in no site");
            return MN_EINVAL;
        }
        uint32_t site = v->boxes[in->box].site;
        if (site == a->site) {
            snprintf(note, nn, "already in that site");
            return MN_RULE_NOOP;
        }
        snprintf(note, nn, "tunnel to site %u", a->site);
        return ops->tunnel ? ops->tunnel(ctx, site, a->site, berr)
                           : unsupported(ops, "make tunnels", berr);
    }
    default:
        snprintf(note, nn, "%s does not apply to an instance", mn_rule_action_name(a->kind));
        return MN_EINVAL;
    }
}

/* Whether every condition of r holds for s; why gets "box.load 0.91 > 0.80 and ...". */
static int conds_hold(const mn_view *v, const mn_rule *r, uint32_t s, char *why, size_t n)
{
    size_t len = 0;
    why[0] = '\0';
    for (size_t k = 0; k < r->nconds; k++) {
        const mn_rule_cond *c = &r->conds[k];
        double x = mn_rule_metric_value(v, c->metric, s);
        if (!mn_rule_cond_holds(c, x))
            return 0;
        char one[96];
        put_cond(one, sizeof one, c, x);
        if (k)
            append(why, n, &len, " and ");
        append(why, n, &len, one);
    }
    if (!r->nconds)
        append(why, n, &len, mn_rule_trigger_name(r->trigger));
    return 1;
}

/* Runs r's actions on s; *acted set when one succeeded. */
static int fire(const struct run *x, const mn_rule *r, uint32_t s, const char *why, int *acted)
{
    for (size_t k = 0; k < r->nactions; k++) {
        const mn_rule_action *a = &r->actions[k];
        char note[160], reason[700]; /* why (240) + note + the backend's message (256) */
        mn_err berr = {0};
        int rc = act(x, r, s, a, note, sizeof note, &berr);
        if (rc < 0 && !is_refusal(rc)) {
            if (x->err && berr.code)
                *x->err = berr;
            else
                MN_ERR(x->err, rc, "rule \"%s\": %s on %u failed: %s", r->id,
                       mn_rule_action_name(a->kind), s, mn_strerror(rc));
            return rc;
        }
        if (rc < 0 && berr.msg[0])
            snprintf(reason, sizeof reason, "%s; %s: refused: %s", why, note, berr.msg);
        else
            snprintf(reason, sizeof reason, "%s; %s", why, note);
        if (x->log)
            x->log(x->log_ctx, r, s, a, rc, reason);
        if (rc == MN_OK)
            *acted = 1;
    }
    return MN_OK;
}

/* The subject kind of trigger t's events: 1 box, 0 instance. */
static int box_event(mn_rule_trigger t)
{
    return t == MN_RULE_ON_BOX_OVERLOAD || t == MN_RULE_ON_BOX_FAILURE;
}

/* Whether candidate subject s (kind-local index j) of rule r is in the event's scope. */
static int in_event(const mn_view *v, const mn_rule *r, uint32_t s, uint32_t subject)
{
    if (subject == MN_NONE)
        return 1;
    int boxev = box_event(r->trigger);
    if (r->subject == MN_RULE_BOX) {
        if (boxev)
            return s == subject;
        return subject < v->ninsts && v->insts[subject].box == s;
    }
    if (!boxev)
        return s == subject;
    return v->insts[s].box == subject || v->insts[s].dest == subject;
}

/* Maps kind-local index j of rule r to its view subject, or MN_NONE when the view has no such one.
 */
static uint32_t view_subject(const mn_view *v, const mn_rule *r, uint32_t j)
{
    if (r->subject == MN_RULE_BOX)
        return j < v->nboxes ? j : MN_NONE;
    size_t i = r->subject == MN_RULE_VAP ? j : v->nvaps + j;
    if ((r->subject == MN_RULE_VAP && j >= v->nvaps) || i >= v->ninsts)
        return MN_NONE;
    const mn_view_inst *in = &v->insts[i];
    /* isolation again at run time: never act on another operator's instance */
    if (in->op != r->op || in->kind != (r->subject == MN_RULE_VAP ? MN_INST_VAP : MN_INST_VM))
        return MN_NONE;
    return (uint32_t)i;
}

int mn_rules_run(const mn_ruleset *rs, const mn_view *v, const mn_backend *be, mn_rule_trigger trig,
                 uint32_t subject, mn_rule_log_fn log, void *log_ctx, mn_err *err)
{
    if (!rs->nrules)
        return MN_OK;
    struct run x = {v, be, log, log_ctx, err};
    /* acted[i]: view instance i; acted[ninsts + b]: box b */
    uint8_t *acted = mn_calloc(v->ninsts + v->nboxes + 1, 1);
    if (!acted)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    int rc = MN_OK;
    for (size_t k = 0; k < rs->nrules && rc == MN_OK; k++) {
        const mn_rule *r = mn_rules_sorted(rs, k);
        if (r->trigger != trig || !r->nactions)
            continue;
        if (trig == MN_RULE_ON_PERIOD && (r->period <= 0 || v->now % r->period != 0))
            continue;
        size_t count = r->select_all ? (r->subject == MN_RULE_BOX   ? v->nboxes
                                        : r->subject == MN_RULE_VAP ? v->nvaps
                                                                    : v->ninsts - v->nvaps)
                                     : r->nsel;
        for (size_t j = 0; j < count && rc == MN_OK; j++) {
            uint32_t s = view_subject(v, r, r->select_all ? (uint32_t)j : r->sel[j]);
            if (s == MN_NONE || !in_event(v, r, s, subject))
                continue;
            uint8_t *mark = &acted[r->subject == MN_RULE_BOX ? v->ninsts + s : s];
            if (*mark)
                continue;
            char why[240];
            if (!conds_hold(v, r, s, why, sizeof why))
                continue;
            int did = 0;
            rc = fire(&x, r, s, why, &did);
            if (did)
                *mark = 1;
        }
    }
    mn_free(acted);
    return rc;
}

/* ---- analysis: interval sets ----
 *
 * A region is a union of at most MAXIV intervals. A condition either
 * intersects the region with its interval or (negate) subtracts it; each
 * subtraction splits at most one piece in two, so a rule's region has at
 * most nconds + 1 pieces. Counts and bools are integers: a piece is empty
 * when no integer lies in it ((3, 4) is empty; [3, 3] is not).
 */

#define MAXIV (4 * MN_RULE_MAX_CONDS + 4)

typedef struct ivl {
    double lo, hi;
    uint8_t lo_open, hi_open;
} ivl;

typedef struct ivset {
    ivl v[MAXIV];
    size_t n;
} ivset;

static int integral(mn_rule_metric m)
{
    mn_rule_unit u = mn_rule_metrics[m].unit;
    return u == MN_RULE_UNIT_COUNT || u == MN_RULE_UNIT_BOOL;
}

static int ivl_empty(ivl a, int integer)
{
    if (integer) {
        double lo = a.lo_open ? floor(a.lo) + 1 : ceil(a.lo);
        double hi = a.hi_open ? ceil(a.hi) - 1 : floor(a.hi);
        return !(lo <= hi);
    }
    if (a.lo < a.hi)
        return 0;
    return !(a.lo == a.hi && !a.lo_open && !a.hi_open);
}

static ivl domain(mn_rule_metric m)
{
    switch (mn_rule_metrics[m].unit) {
    case MN_RULE_UNIT_FRACTION:
    case MN_RULE_UNIT_BOOL:
        return (ivl){0, 1, 0, 0};
    case MN_RULE_UNIT_TIME_OF_DAY:
        return (ivl){0, 86400, 0, 1};
    default:
        return (ivl){0, INFINITY, 0, 0};
    }
}

static ivl ivl_and(ivl a, ivl b)
{
    ivl r = a;
    if (b.lo > r.lo || (b.lo == r.lo && b.lo_open)) {
        r.lo = b.lo;
        r.lo_open = b.lo_open;
    }
    if (b.hi < r.hi || (b.hi == r.hi && b.hi_open)) {
        r.hi = b.hi;
        r.hi_open = b.hi_open;
    }
    return r;
}

static void push(ivset *s, ivl a, int integer)
{
    if (!ivl_empty(a, integer) && s->n < MAXIV)
        s->v[s->n++] = a;
}

static void set_and(ivset *s, ivl b, int integer)
{
    ivset out = {.n = 0};
    for (size_t i = 0; i < s->n; i++)
        push(&out, ivl_and(s->v[i], b), integer);
    *s = out;
}

/* s minus b: each piece keeps what lies below b and what lies above it. */
static void set_minus(ivset *s, ivl b, int integer)
{
    ivset out = {.n = 0};
    for (size_t i = 0; i < s->n; i++) {
        ivl below = {-INFINITY, b.lo, 0, !b.lo_open};
        ivl above = {b.hi, INFINITY, !b.hi_open, 0};
        if (ivl_empty(b, integer)) {
            push(&out, s->v[i], integer);
            continue;
        }
        push(&out, ivl_and(s->v[i], below), integer);
        push(&out, ivl_and(s->v[i], above), integer);
    }
    *s = out;
}

static ivl cond_ivl(const mn_rule_cond *c)
{
    return (ivl){c->lo, c->hi, c->lo_open, c->hi_open};
}

/* r's region on metric m. */
static void region(const mn_rule *r, mn_rule_metric m, ivset *s)
{
    int integer = integral(m);
    s->n = 0;
    push(s, domain(m), integer);
    for (size_t k = 0; k < r->nconds; k++) {
        const mn_rule_cond *c = &r->conds[k];
        if (c->metric != m)
            continue;
        if (c->negate)
            set_minus(s, cond_ivl(c), integer);
        else
            set_and(s, cond_ivl(c), integer);
    }
}

/* inner within outer. */
static int set_within(const ivset *inner, const ivset *outer, int integer)
{
    ivset d = *inner;
    for (size_t i = 0; i < outer->n && d.n; i++)
        set_minus(&d, outer->v[i], integer);
    return d.n == 0;
}

static int set_overlap(const ivset *a, const ivset *b, int integer)
{
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < b->n; j++)
            if (!ivl_empty(ivl_and(a->v[i], b->v[j]), integer))
                return 1;
    return 0;
}

static int tests_metric(const mn_rule *r, mn_rule_metric m)
{
    for (size_t k = 0; k < r->nconds; k++)
        if (r->conds[k].metric == m)
            return 1;
    return 0;
}

static void why_set(mn_rule_why *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void why_set(mn_rule_why *why, const char *fmt, ...)
{
    if (!why)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why->msg, sizeof why->msg, fmt, ap);
    va_end(ap);
}

/* "box.load > 0.90 and box.load < 0.50": r's conditions on m. */
static void conds_text(const mn_rule *r, mn_rule_metric m, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < r->nconds; k++) {
        if (r->conds[k].metric != m)
            continue;
        char one[96];
        put_cond(one, sizeof one, &r->conds[k], NAN);
        if (len)
            append(buf, n, &len, " and ");
        append(buf, n, &len, one);
    }
}

int mn_rule_satisfiable(const mn_rule *r, mn_rule_why *why)
{
    for (size_t k = 0; k < r->nconds; k++) {
        mn_rule_metric m = r->conds[k].metric;
        ivset s;
        region(r, m, &s);
        if (s.n == 0) {
            char text[200];
            conds_text(r, m, text, sizeof text);
            why_set(why, "rule \"%s\" never fires: %s never %s", r->id, text,
                    strstr(text, " and ") ? "all hold" : "holds");
            return 0;
        }
    }
    return 1;
}

int mn_rule_sel_has(const mn_rule *r, uint32_t j)
{
    /* sel is ascending */
    size_t lo = 0, hi = r->nsel;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->sel[mid] == j)
            return 1;
        if (r->sel[mid] < j)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Same kind of subject and same owner. */
static int same_domain(const mn_rule *a, const mn_rule *b)
{
    return a->subject == b->subject && a->op == b->op;
}

static int covers(const mn_rule *a, const mn_rule *b)
{
    if (a->select_all)
        return 1;
    if (b->select_all)
        return 0;
    for (size_t i = 0; i < b->nsel; i++)
        if (!mn_rule_sel_has(a, b->sel[i]))
            return 0;
    return 1;
}

/* A subject both select (*first: one of them, MN_NONE when every subject). */
static int sel_overlap(const mn_rule *a, const mn_rule *b, uint32_t *first)
{
    *first = MN_NONE;
    if (a->select_all && b->select_all)
        return 1;
    if (a->select_all || b->select_all) {
        const mn_rule *x = a->select_all ? b : a;
        if (x->nsel)
            *first = x->sel[0];
        return x->nsel > 0;
    }
    for (size_t i = 0; i < b->nsel; i++)
        if (mn_rule_sel_has(a, b->sel[i])) {
            *first = b->sel[i];
            return 1;
        }
    return 0;
}

static int runs_before(const mn_rule *a, const mn_rule *b)
{
    return a->priority > b->priority || (a->priority == b->priority && a->index < b->index);
}

int mn_rule_shadows(const mn_rule *a, const mn_rule *b, mn_rule_why *why)
{
    if (a == b || !runs_before(a, b) || a->trigger != b->trigger || !same_domain(a, b) ||
        !a->nactions || !covers(a, b))
        return 0;
    if (a->trigger == MN_RULE_ON_PERIOD && (a->period <= 0 || b->period % a->period != 0))
        return 0;
    if (!mn_rule_satisfiable(b, NULL)) {
        why_set(why, "rule \"%s\" never fires (its conditions contradict), whatever \"%s\" does",
                b->id, a->id);
        return 1;
    }
    for (size_t k = 0; k < a->nconds; k++) {
        mn_rule_metric m = a->conds[k].metric;
        ivset ra, rb;
        region(a, m, &ra);
        region(b, m, &rb);
        if (!set_within(&rb, &ra, integral(m)))
            return 0;
    }
    why_set(why,
            "rule \"%s\" never acts: \"%s\" (priority %d) runs first on every subject it "
            "selects, and whenever \"%s\"'s conditions hold so do \"%s\"'s",
            b->id, a->id, a->priority, b->id, a->id);
    return 1;
}

static int same_targets(const mn_rule_action *x, const mn_rule_action *y)
{
    if (x->target != y->target)
        return 0;
    if (x->target != MN_RULE_TO_BOXES)
        return 1;
    for (size_t i = 0; i < x->nboxes; i++)
        if (!has_box(y->boxes, y->nboxes, x->boxes[i]))
            return 0;
    for (size_t i = 0; i < y->nboxes; i++)
        if (!has_box(x->boxes, x->nboxes, y->boxes[i]))
            return 0;
    return 1;
}

/* Whether x and y undo each other; what: a few words on how. */
static int inverse(const mn_rule_action *x, const mn_rule_action *y, const char **what)
{
    if (x->kind == MN_RULE_MIGRATE && y->kind == MN_RULE_MIGRATE && !same_targets(x, y)) {
        *what = "migrate to different targets";
        return 1;
    }
    if (x->kind == MN_RULE_POWER && y->kind == MN_RULE_POWER && x->on != y->on) {
        *what = "power on and off";
        return 1;
    }
    if (x->kind == MN_RULE_SET_QOS && y->kind == MN_RULE_SET_QOS && x->airtime != y->airtime) {
        *what = "set-qos to different airtimes";
        return 1;
    }
    if ((x->kind == MN_RULE_PLACE && y->kind == MN_RULE_REMOVE) ||
        (x->kind == MN_RULE_REMOVE && y->kind == MN_RULE_PLACE)) {
        *what = "place and remove";
        return 1;
    }
    return 0;
}

int mn_rules_may_oscillate(const mn_rule *a, const mn_rule *b, mn_rule_why *why)
{
    uint32_t first;
    if (a == b || !same_domain(a, b) || !sel_overlap(a, b, &first))
        return 0;
    /* overlapping regions: every metric either tests overlaps */
    for (int m = 0; m < MN_RM_METRICS; m++) {
        if (!tests_metric(a, (mn_rule_metric)m) && !tests_metric(b, (mn_rule_metric)m))
            continue;
        ivset ra, rb;
        region(a, (mn_rule_metric)m, &ra);
        region(b, (mn_rule_metric)m, &rb);
        if (!set_overlap(&ra, &rb, integral((mn_rule_metric)m)))
            return 0;
    }
    for (size_t i = 0; i < a->nactions; i++)
        for (size_t j = 0; j < b->nactions; j++) {
            const char *what;
            if (inverse(&a->actions[i], &b->actions[j], &what)) {
                char on[64] = "every subject";
                if (first != MN_NONE)
                    snprintf(on, sizeof on, "%s #%u", mn_rule_subject_name(a->subject), first);
                why_set(why,
                        "rules \"%s\" and \"%s\" may undo each other: they %s, both select %s, "
                        "and their conditions can hold together",
                        a->id, b->id, what, on);
                return 1;
            }
        }
    return 0;
}

size_t mn_rule_worst_case(const mn_rule *r, size_t all_subjects)
{
    return (r->select_all ? all_subjects : r->nsel) * r->nactions;
}

int mn_rules_run_view_events(const mn_ruleset *rs, const mn_view *v, const mn_backend *be,
                             mn_rule_log_fn log, void *log_ctx, mn_err *err)
{
    int rc = MN_OK;
    for (uint32_t b = 0; b < v->nboxes && rc == MN_OK; b++)
        if (v->boxes[b].load > v->high)
            rc = mn_rules_run(rs, v, be, MN_RULE_ON_BOX_OVERLOAD, b, log, log_ctx, err);
    for (uint32_t i = 0; i < v->nvaps && rc == MN_OK; i++) {
        const mn_view_inst *I = &v->insts[i];
        if (I->state != MN_INST_RUNNING || I->follows == MN_NONE || I->follows >= v->nusers ||
            !v->users[I->follows].online || I->radio == MN_NONE || !v->user_phy)
            continue;
        if (v->user_phy(v->ctx, I->follows, I->radio) <= 0)
            rc = mn_rules_run(rs, v, be, MN_RULE_ON_USER_AWAY, i, log, log_ctx, err);
    }
    return rc;
}

int mn_rules_run_user_events(const mn_ruleset *rs, const mn_view *v, const mn_backend *be,
                             size_t nusers, mn_rule_user_fn who, const void *who_ctx,
                             mn_rule_log_fn log, void *log_ctx, mn_err *err)
{
    uint8_t *seen = mn_calloc(v->nvaps + 1, 2);
    if (!seen)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    for (size_t u = 0; u < nusers; u++) {
        uint32_t vap = MN_NONE;
        unsigned ev = who(who_ctx, (uint32_t)u, &vap);
        if (vap == MN_NONE || vap >= v->nvaps)
            continue;
        if (ev & MN_RULE_USER_VIOLATING)
            seen[2 * vap] = 1;
        if (ev & MN_RULE_USER_CAME_ONLINE)
            seen[2 * vap + 1] = 1;
    }
    int rc = MN_OK;
    for (uint32_t i = 0; i < v->nvaps && rc == MN_OK; i++) {
        if (seen[2 * i])
            rc = mn_rules_run(rs, v, be, MN_RULE_ON_SLA_VIOLATION, i, log, log_ctx, err);
        if (rc == MN_OK && seen[2 * i + 1])
            rc = mn_rules_run(rs, v, be, MN_RULE_ON_USER_ONLINE, i, log, log_ctx, err);
    }
    mn_free(seen);
    return rc;
}
