/*
 * validate_dynamic.c - the simulated checks of `mnetsim validate`: each
 * scenario, and each stress variant of it, runs twice on the same seed,
 * with its rules and with them removed; an observer (netrun.h) records the
 * rules' actions, the migrations and the backend's refusals of the run with
 * rules. From them: ping-pongs, refused over-commits, and SLA violation the
 * rules cause or fail to prevent (docs/validate.md).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../models/netrun.h"
#include "../models/wrun.h"
#include "validate.h"

#define MAX_EVENTS 1000000 /* per kind and run; more are dropped (the report says so) */

struct act {
    double t;
    char rule[64], subject[64], action[12];
    int rc;
    char reason[200];
};

struct mig {
    double start, end;
    char inst[64], from[64], to[64];
};

struct refusal {
    double t;
    char what[12], inst[64], box[64], why[200];
};

/* What the observer saw during one run with rules. */
struct obs {
    struct act *acts;
    size_t nacts, acts_cap;
    struct mig *migs;
    size_t nmigs, migs_cap;
    struct refusal *refs;
    size_t nrefs, refs_cap;
    size_t dropped;
    int oom;
};

static void *grow(void **arr, size_t *cap, size_t n, size_t elem, struct obs *o)
{
    if (n >= MAX_EVENTS) {
        o->dropped++;
        return NULL;
    }
    if (mn_array_reserve(arr, cap, n + 1, elem) != MN_OK) {
        o->oom = 1;
        return NULL;
    }
    return (char *)*arr + n * elem;
}

static void on_rule_action(void *ctx, double t_s, const char *rule_id, const char *rule_file,
                           long rule_line, const char *subject, const char *action, int rc,
                           const char *reason)
{
    (void)rule_file;
    (void)rule_line;
    struct obs *o = ctx;
    struct act *a = grow((void **)&o->acts, &o->acts_cap, o->nacts, sizeof *o->acts, o);
    if (!a)
        return;
    a->t = t_s;
    snprintf(a->rule, sizeof a->rule, "%s", rule_id);
    snprintf(a->subject, sizeof a->subject, "%s", subject);
    snprintf(a->action, sizeof a->action, "%s", action);
    a->rc = rc;
    snprintf(a->reason, sizeof a->reason, "%s", reason);
    o->nacts++;
}

static void on_migration(void *ctx, double start_s, double end_s, const char *instance,
                         const char *from_box, const char *to_box, double downtime_s)
{
    (void)downtime_s;
    struct obs *o = ctx;
    struct mig *m = grow((void **)&o->migs, &o->migs_cap, o->nmigs, sizeof *o->migs, o);
    if (!m)
        return;
    m->start = start_s;
    m->end = end_s;
    snprintf(m->inst, sizeof m->inst, "%s", instance);
    snprintf(m->from, sizeof m->from, "%s", from_box);
    snprintf(m->to, sizeof m->to, "%s", to_box);
    o->nmigs++;
}

static void on_refused(void *ctx, double t_s, const char *what, const char *instance,
                       const char *box, const char *why)
{
    struct obs *o = ctx;
    struct refusal *r = grow((void **)&o->refs, &o->refs_cap, o->nrefs, sizeof *o->refs, o);
    if (!r)
        return;
    r->t = t_s;
    snprintf(r->what, sizeof r->what, "%s", what);
    snprintf(r->inst, sizeof r->inst, "%s", instance);
    snprintf(r->box, sizeof r->box, "%s", box);
    snprintf(r->why, sizeof r->why, "%s", why);
    o->nrefs++;
}

static void obs_fini(struct obs *o)
{
    mn_free(o->acts);
    mn_free(o->migs);
    mn_free(o->refs);
    memset(o, 0, sizeof *o);
}

int mn_val_load(const mn_val_target *t, mn_net **out, mn_err *err)
{
    if (t->buf)
        return mn_net_load_memory(t->buf, t->len, t->path, out, err);
    return mn_net_load(t->path, NULL, 0, NULL, out, err);
}

/*
 * One run of t (stress variant k, or the scenario itself for k < 0), with
 * its rules or without; *keep gets the loaded scenario (the caller destroys
 * it). Returns MN_OK, 1 when the variant does not apply (desc says why), or
 * an error.
 */
static int run_one(const mn_val_target *t, int k, int with_rules, const mn_val_dyn_opts *o,
                   unsigned *runs, struct obs *obs, mn_run_summary *s, mn_net **keep, char *desc,
                   size_t nd, char *dir, size_t ndir, mn_err *err)
{
    mn_net *n = NULL;
    int rc = mn_val_load(t, &n, err);
    if (rc != MN_OK)
        return rc;
    desc[0] = '\0';
    if (k >= 0 && (rc = mn_stress_apply(n, (mn_stress_kind)k, desc, nd, err)) != MN_OK) {
        mn_net_destroy(n);
        return rc;
    }
    if (!with_rules) {
        mn_ruleset_fini(&n->world.rules);
        mn_ruleset_init(&n->world.rules);
    }
    snprintf(dir, ndir, "%s/run-%u", o->tmp_dir, (*runs)++);
    mn_run_observer ob = {obs, on_rule_action, on_migration, on_refused, NULL};
    mn_run_opts ro = {0};
    ro.seed = o->seed_set ? o->seed : n->has_seed ? n->seed : 1;
    ro.seed_set = 1;
    ro.out_dir = dir;
    ro.observer = with_rules ? &ob : NULL;
    memset(s, 0, sizeof *s);
    rc = mn_world_run(n, &ro, s, err);
    if (o->progress && rc == MN_OK)
        fprintf(stderr, "validate: %s%s%s %s rules: %.2f s\n", n->name, k >= 0 ? "/" : "",
                k >= 0 ? mn_stress_name((mn_stress_kind)k) : "", with_rules ? "with" : "without",
                s->wall_s);
    if (rc != MN_OK || !keep) {
        mn_net_destroy(n);
        return rc;
    }
    *keep = n;
    return MN_OK;
}

static int is_vap_or_vm_rule(const mn_rule *r)
{
    return r && r->subject != MN_RULE_BOX;
}

/* The rule that started the migration of inst at start: its latest successful migrate. */
static const struct act *migrating_rule(const struct obs *o, const char *inst, double start)
{
    const struct act *best = NULL;
    for (size_t i = 0; i < o->nacts; i++) {
        const struct act *a = &o->acts[i];
        if (a->t > start + 1e-6)
            break;
        if (a->rc == MN_OK && strcmp(a->action, "migrate") == 0 && strcmp(a->subject, inst) == 0)
            best = a;
    }
    return best;
}

static mn_val_finding *dyn_add(mn_val_report *rep, const char *label, double t, const char *cls,
                               const mn_rule *r, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/*
 * Adds a dynamic finding of the run `label` ("scenario" or "scenario/stress")
 * at time t. The same finding (class, rule, message) already seen in another
 * variant of the same scenario is not repeated: that one's last trace line
 * lists the variants ("also under: peak, move-all"), and NULL is returned
 * (mn_val_trace ignores it).
 */
static mn_val_finding *dyn_add(mn_val_report *rep, const char *label, double t, const char *cls,
                               const mn_rule *r, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *slash = strchr(label, '/');
    size_t base = slash ? (size_t)(slash - label) : strlen(label);
    for (size_t i = 0; i < rep->n; i++) {
        mn_val_finding *f = &rep->f[i];
        if (strcmp(f->cls, cls) != 0 || strcmp(f->rule, r ? r->id : "") != 0 ||
            strcmp(f->msg, msg) != 0 || strncmp(f->scenario, label, base) != 0 ||
            (f->scenario[base] != '\0' && f->scenario[base] != '/'))
            continue;
        static const char also[] = "also under: ";
        const char *variant = slash ? slash + 1 : "(the scenario itself)";
        if (f->ntrace && strncmp(f->trace[f->ntrace - 1], also, strlen(also)) == 0) {
            char *line = f->trace[f->ntrace - 1];
            size_t len = strlen(line);
            snprintf(line + len, sizeof f->trace[0] - len, ", %s", variant);
        } else {
            if (f->ntrace == MN_VAL_TRACE_MAX)
                f->ntrace--;
            snprintf(f->trace[f->ntrace++], sizeof f->trace[0], "%s%s", also, variant);
        }
        return NULL;
    }
    mn_val_finding *f = mn_val_add(rep, cls, r, r ? NULL : "", 0, "%s", msg);
    if (f) {
        snprintf(f->scenario, sizeof f->scenario, "%s", label);
        f->t_s = t;
    }
    return f;
}

/*
 * Ping-pong: a migration that reverses the previous one of the same
 * instance (A -> B, then B -> A) is a flip; more than K flips within any
 * window W (by the flips' end times) is a finding, once per instance. E.g.
 * K = 2, W = 1h: moves at 1, 2, 3 and 4 min are 3 flips within 3 min.
 */
static void pingpong(const mn_ruleset *rs, const struct obs *o, const mn_val_dyn_opts *opt,
                     const char *label, mn_val_report *rep)
{
    double W = mn_time_to_sec(opt->window);
    uint8_t *seen = mn_calloc(o->nmigs + 1, 1);
    double *flips = mn_calloc(o->nmigs + 1, sizeof *flips);
    size_t *idx = mn_calloc(o->nmigs + 1, sizeof *idx);
    if (!seen || !flips || !idx)
        goto out;
    for (size_t i = 0; i < o->nmigs; i++) {
        if (seen[i])
            continue;
        /* this instance's migrations, in the order they ended */
        size_t n = 0, nf = 0;
        for (size_t j = i; j < o->nmigs; j++)
            if (strcmp(o->migs[j].inst, o->migs[i].inst) == 0) {
                seen[j] = 1;
                idx[n++] = j;
            }
        for (size_t q = 1; q < n; q++) {
            const struct mig *p = &o->migs[idx[q - 1]], *m = &o->migs[idx[q]];
            if (strcmp(m->to, p->from) != 0 || strcmp(m->from, p->to) != 0)
                continue;
            flips[nf++] = m->end;
            size_t in_window = 0, first = nf;
            for (size_t z = 0; z < nf; z++)
                if (flips[z] > m->end - W - 1e-9) {
                    in_window++;
                    if (first == nf)
                        first = z;
                }
            if (in_window <= opt->pingpong_k)
                continue;
            const struct act *a = migrating_rule(o, m->inst, m->start);
            const mn_rule *r = a ? mn_rules_find(rs, a->rule) : NULL;
            char rules[200] = "";
            for (size_t z = 0; z <= q; z++) {
                const struct act *b = migrating_rule(o, m->inst, o->migs[idx[z]].start);
                char quoted[80];
                if (!b)
                    continue;
                snprintf(quoted, sizeof quoted, "\"%s\"", b->rule);
                if (!strstr(rules, quoted) && strlen(rules) + strlen(quoted) + 3 < sizeof rules)
                    snprintf(rules + strlen(rules), sizeof rules - strlen(rules), "%s%s",
                             rules[0] ? ", " : "", quoted);
            }
            char win[32];
            mn_time_format(opt->window, win, sizeof win);
            mn_val_finding *f = dyn_add(
                rep, label, m->end, "pingpong", is_vap_or_vm_rule(r) ? r : NULL,
                "\"%s\" migrated back and forth between \"%s\" and \"%s\" %zu times within %s "
                "(more than %u); moved by rule%s %s",
                m->inst, m->from, m->to, in_window, win, opt->pingpong_k,
                strchr(rules, ',') ? "s" : "", rules[0] ? rules : "(none: a policy)");
            /* the trace: the moves of the window, up to the finding */
            size_t from_q = q + 1 > MN_VAL_TRACE_MAX ? q + 1 - MN_VAL_TRACE_MAX : 0;
            for (size_t z = from_q; z <= q; z++) {
                const struct mig *x = &o->migs[idx[z]];
                const struct act *b = migrating_rule(o, x->inst, x->start);
                mn_val_trace(f, "t=%.3f s: %s %s -> %s (rule %s)", x->start, x->inst, x->from,
                             x->to, b ? b->rule : "-");
            }
            break;
        }
    }
out:
    mn_free(seen);
    mn_free(flips);
    mn_free(idx);
}

/* A box down during [from, to) in a run (faults.csv). */
struct down {
    char box[64];
    double from, to;
};

/* The box outages of the run in dir (faults.csv: fault,kind,target,down_s,up_s,...). */
static size_t read_downs(const char *dir, struct down *out, size_t max)
{
    char path[4300], line[512];
    snprintf(path, sizeof path, "%s/faults.csv", dir);
    FILE *f = fopen(path, "r");
    size_t n = 0;
    if (!f)
        return 0;
    while (n < max && fgets(line, sizeof line, f)) {
        char *field[5] = {NULL}, *save = NULL, *p = line;
        int k = 0;
        /* strsep keeps empty fields (an outage never repaired has no up_s) */
        while (k < 5 && (field[k] = strsep(&p, ",\n")) != NULL)
            k++;
        (void)save;
        if (k < 5 || strcmp(field[1], "box") != 0)
            continue;
        snprintf(out[n].box, sizeof out[n].box, "%s", field[2]);
        out[n].from = atof(field[3]);
        out[n].to = field[4][0] ? atof(field[4]) : INFINITY;
        n++;
    }
    fclose(f);
    return n;
}

static int box_down(const struct down *d, size_t nd, const char *box, double t)
{
    for (size_t i = 0; i < nd; i++)
        if (strcmp(d[i].box, box) == 0 && d[i].from <= t + 1e-9 && t < d[i].to)
            return 1;
    return 0;
}

/*
 * Whether some box rule r could send instance `inst` to (its listed boxes,
 * else the instance's candidates, else every box) was down at t: then "no
 * box fits" says nothing about capacity.
 */
static int target_down(const mn_world *w, const mn_rule *r, const char *action, const char *inst,
                       const struct down *d, size_t nd, double t)
{
    if (!nd)
        return 0;
    for (size_t k = 0; r && k < r->nactions; k++) {
        const mn_rule_action *a = &r->actions[k];
        if (strcmp(mn_rule_action_name(a->kind), action) != 0)
            continue;
        if (a->target == MN_RULE_TO_BOXES) {
            for (size_t b = 0; b < a->nboxes; b++)
                if (box_down(d, nd, w->boxes[a->boxes[b]].id, t))
                    return 1;
            continue;
        }
        const uint32_t *cand = NULL;
        size_t ncand = 0;
        for (size_t i = 0; i < w->nvaps; i++)
            if (strcmp(w->vaps[i].id, inst) == 0) {
                cand = w->vaps[i].cand;
                ncand = w->vaps[i].ncand;
            }
        for (size_t i = 0; i < w->nvms; i++)
            if (strcmp(w->vms[i].id, inst) == 0) {
                cand = w->vms[i].cand;
                ncand = w->vms[i].ncand;
            }
        for (size_t b = 0; b < (ncand ? ncand : w->nboxes); b++)
            if (box_down(d, nd, w->boxes[ncand ? cand[b] : b].id, t))
                return 1;
    }
    return 0;
}

/*
 * Refused over-commits: a backend refusal (the box could not take the
 * instance) of an action a rule attempted at that time on that instance,
 * or a rule action whose target boxes none fit. One finding per rule and
 * instance, at the first one, with the count.
 */
static void overcommits(const mn_world *w, const struct obs *o, const char *dir, const char *label,
                        mn_val_report *rep)
{
    const mn_ruleset *rs = &w->rules;
    static struct down downs[256];
    size_t ndowns = read_downs(dir, downs, sizeof downs / sizeof downs[0]);
    uint8_t *done = mn_calloc(o->nacts + 1, 1);
    if (!done)
        return;
    for (size_t i = 0; i < o->nacts; i++) {
        const struct act *a = &o->acts[i];
        if (done[i] || a->rc >= 0)
            continue;
        const struct refusal *ref = NULL;
        for (size_t k = 0; k < o->nrefs && !ref; k++)
            if (fabs(o->refs[k].t - a->t) < 1e-6 && strcmp(o->refs[k].inst, a->subject) == 0 &&
                strcmp(o->refs[k].what, a->action) == 0)
                ref = &o->refs[k];
        int nofit = strstr(a->reason, "fits") != NULL;
        if (!ref && (!nofit || target_down(w, mn_rules_find(rs, a->rule), a->action, a->subject,
                                           downs, ndowns, a->t)))
            continue;
        size_t count = 0;
        for (size_t j = i; j < o->nacts; j++)
            if (o->acts[j].rc < 0 && strcmp(o->acts[j].rule, a->rule) == 0 &&
                strcmp(o->acts[j].subject, a->subject) == 0 &&
                !target_down(w, mn_rules_find(rs, a->rule), o->acts[j].action, a->subject, downs,
                             ndowns, o->acts[j].t)) {
                done[j] = 1;
                count++;
            }
        const mn_rule *r = mn_rules_find(rs, a->rule);
        mn_val_finding *f;
        if (ref)
            f = dyn_add(rep, label, a->t, "overcommit-refused", r,
                        "%s of \"%s\" to box \"%s\" refused by the backend: %s (%zu refused "
                        "action%s of this rule on it)",
                        a->action, a->subject, ref->box, ref->why[0] ? ref->why : "does not fit",
                        count, count == 1 ? "" : "s");
        else
            f = dyn_add(rep, label, a->t, "overcommit-refused", r,
                        "%s of \"%s\": no target box can take it (%zu refused action%s of this "
                        "rule on it)",
                        a->action, a->subject, count, count == 1 ? "" : "s");
        mn_val_trace(f, "t=%.3f s: rule %s %s %s: %s", a->t, a->rule, a->action, a->subject,
                     a->reason);
    }
    mn_free(done);
}

/* Whether r reacts to SLA violations (its trigger, or a condition on `violating`). */
static int sla_aware(const mn_rule *r)
{
    if (r->trigger == MN_RULE_ON_SLA_VIOLATION)
        return 1;
    for (size_t k = 0; k < r->nconds; k++)
        if (r->conds[k].metric == MN_RM_VIOLATING)
            return 1;
    return 0;
}

/*
 * SLA: with rules, v_with seconds of violation; without, v_without (same
 * seed). Caused: v_with > v_without + tol, tol = max(1 s, 5% of v_without),
 * reported at the rule with the most successful actions. Not prevented:
 * some rule reacts to violations, v_with > tol and v_with >= v_without -
 * tol, reported at the first such rule.
 */
static void sla(const mn_ruleset *rs, const struct obs *o, double v_with, double v_without,
                const char *label, mn_val_report *rep)
{
    double tol = fmax(1.0, 0.05 * v_without);
    if (v_with > v_without + tol) {
        const mn_rule *best = NULL;
        size_t best_n = 0;
        double first_t = -1;
        for (size_t i = 0; i < rs->nrules; i++) {
            size_t k = 0;
            for (size_t j = 0; j < o->nacts; j++)
                if (o->acts[j].rc == MN_OK && strcmp(o->acts[j].rule, rs->rules[i].id) == 0)
                    k++;
            if (k > best_n) {
                best = &rs->rules[i];
                best_n = k;
            }
        }
        if (!best)
            return; /* no rule acted: not the rules' doing */
        for (size_t j = 0; j < o->nacts && first_t < 0; j++)
            if (o->acts[j].rc == MN_OK)
                first_t = o->acts[j].t;
        mn_val_finding *f = dyn_add(
            rep, label, first_t, "sla-caused", best,
            "SLA violation %.1f s with the rules, %.1f s without them (same seed); rule \"%s\" "
            "acted most (%zu actions)",
            v_with, v_without, best->id, best_n);
        for (size_t j = 0; j < o->nacts && f && f->ntrace < 4; j++)
            if (o->acts[j].rc == MN_OK)
                mn_val_trace(f, "t=%.3f s: rule %s %s %s: %s", o->acts[j].t, o->acts[j].rule,
                             o->acts[j].action, o->acts[j].subject, o->acts[j].reason);
        return;
    }
    if (v_with <= tol || v_with < v_without - tol)
        return;
    for (size_t i = 0; i < rs->nrules; i++) {
        const mn_rule *r = &rs->rules[i];
        if (!sla_aware(r))
            continue;
        double first_t = 0;
        size_t acted = 0;
        for (size_t j = 0; j < o->nacts; j++)
            if (strcmp(o->acts[j].rule, r->id) == 0 && o->acts[j].rc == MN_OK)
                if (!acted++)
                    first_t = o->acts[j].t;
        dyn_add(rep, label, first_t, "sla-unprevented", r,
                "SLA violation %.1f s with the rules, %.1f s without them (same seed): rule \"%s\" "
                "reacts to violations but %s",
                v_with, v_without, r->id,
                acted ? "its actions did not reduce them" : "never acted");
        return;
    }
}

int mn_val_dynamic(const mn_val_target *t, const mn_val_dyn_opts *o, mn_val_report *rep,
                   mn_err *err)
{
    unsigned runs = 0;
    int rc = MN_OK;
    for (int k = -1; k < MN_STRESS_KINDS && rc == MN_OK; k++) {
        if (k >= 0 && !(o->stress_mask & (1u << k)))
            continue;
        struct obs obs;
        memset(&obs, 0, sizeof obs);
        mn_run_summary with, without;
        mn_net *n = NULL;
        char desc[300];
        char dir[4200], dir2[4200];
        rc = run_one(t, k, 1, o, &runs, &obs, &with, &n, desc, sizeof desc, dir, sizeof dir, err);
        if (rc == 1) { /* the variant does not apply */
            mn_net *base = NULL;
            if (mn_val_load(t, &base, err) == MN_OK) {
                char label[160];
                snprintf(label, sizeof label, "%s/%s", base->name,
                         mn_stress_name((mn_stress_kind)k));
                mn_val_finding *f = mn_val_add(rep, "stress-skipped", NULL, t->path, base->line,
                                               "stress %s does not apply: %s",
                                               mn_stress_name((mn_stress_kind)k), desc);
                if (f) {
                    snprintf(f->scenario, sizeof f->scenario, "%s", label);
                    f->t_s = 0;
                }
                mn_net_destroy(base);
            }
            obs_fini(&obs);
            rc = MN_OK;
            continue;
        }
        if (rc == MN_OK && obs.oom)
            rc = MN_ERR(err, MN_ENOMEM, "out of memory recording the run");
        char desc2[300];
        if (rc == MN_OK)
            rc = run_one(t, k, 0, o, &runs, NULL, &without, NULL, desc2, sizeof desc2, dir2,
                         sizeof dir2, err);
        if (rc == MN_OK) {
            char label[160];
            snprintf(label, sizeof label, "%s%s%s", n->name, k >= 0 ? "/" : "",
                     k >= 0 ? mn_stress_name((mn_stress_kind)k) : "");
            const mn_ruleset *rs = &n->world.rules;
            pingpong(rs, &obs, o, label, rep);
            overcommits(&n->world, &obs, dir, label, rep);
            sla(rs, &obs, with.metrics[MN_M_SLA_VIOLATION_S], without.metrics[MN_M_SLA_VIOLATION_S],
                label, rep);
        }
        mn_net_destroy(n);
        obs_fini(&obs);
    }
    return rc;
}
