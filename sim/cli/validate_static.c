/*
 * validate_static.c - the checks of `mnetsim validate` that read the rules
 * and the world without simulating: isolation (collected by the loader),
 * contradictions, shadowing and candidate oscillations (the interval
 * analysis of rules.h), and the worst-case resource bound of every box.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "validate.h"

/* Instance j of kind k (vap, vm) of the world. */
static const char *inst_id(const mn_world *w, mn_rule_subject k, size_t j)
{
    return k == MN_RULE_VAP ? w->vaps[j].id : w->vms[j].id;
}

/*
 * why texts name a subject by kind-local index ("vap #3"); the report
 * names it by id.
 */
static void name_subjects(const mn_world *w, const char *in, char *out, size_t n)
{
    static const char *const kinds[] = {"vap #", "vm #", "box #"};
    size_t len = 0;
    out[0] = '\0';
    while (*in && len + 1 < n) {
        int done = 0;
        for (int k = 0; k < 3 && !done; k++) {
            size_t kl = strlen(kinds[k]);
            if (strncmp(in, kinds[k], kl) != 0 || in[kl] < '0' || in[kl] > '9')
                continue;
            char *end;
            unsigned long j = strtoul(in + kl, &end, 10);
            size_t count = k == 0 ? w->nvaps : k == 1 ? w->nvms : w->nboxes;
            if (j >= count)
                continue;
            const char *id = k == 2 ? w->boxes[j].id : inst_id(w, (mn_rule_subject)k, j);
            len += (size_t)snprintf(out + len, n - len, "%.*s\"%s\"", (int)(kl - 1), kinds[k], id);
            if (len >= n)
                len = n - 1;
            in = end;
            done = 1;
        }
        if (!done)
            out[len++] = *in++;
        out[len] = '\0';
    }
}

static void logic_checks(const mn_world *w, mn_val_report *rep)
{
    const mn_ruleset *rs = &w->rules;
    char msg[600];
    for (size_t i = 0; i < rs->nrules; i++) {
        const mn_rule *b = &rs->rules[i];
        mn_rule_why why = {{0}};
        if (!mn_rule_satisfiable(b, &why)) {
            mn_val_add(rep, "contradiction", b, NULL, 0, "%s", why.msg);
            continue;
        }
        /* shadowed: by the first rule (priority order) that hides it */
        for (size_t k = 0; k < rs->nrules; k++) {
            const mn_rule *a = mn_rules_sorted(rs, k);
            if (a == b)
                break;
            if (mn_rule_shadows(a, b, &why)) {
                mn_val_add(rep, "shadowed", b, NULL, 0, "%s (\"%s\" at line %ld)", why.msg, a->id,
                           a->line);
                break;
            }
        }
    }
    /* candidate oscillations: every pair once, reported at the earlier rule */
    for (size_t i = 0; i < rs->nrules; i++)
        for (size_t j = i + 1; j < rs->nrules; j++) {
            const mn_rule *a = &rs->rules[i], *b = &rs->rules[j];
            mn_rule_why why = {{0}};
            if (!mn_rule_satisfiable(a, NULL) || !mn_rule_satisfiable(b, NULL) ||
                !mn_rules_may_oscillate(a, b, &why))
                continue;
            name_subjects(w, why.msg, msg, sizeof msg);
            mn_val_add(rep, "oscillation", a, NULL, 0, "%s (\"%s\" at line %ld)", msg, b->id,
                       b->line);
        }
}

static void isolation_checks(const mn_world *w, mn_val_report *rep)
{
    const mn_ruleset *rs = &w->rules;
    for (size_t i = 0; i < rs->nisolation; i++) {
        const mn_rule_isolation *v = &rs->isolation[i];
        mn_val_finding *f = mn_val_add(rep, "isolation", NULL, v->file, v->line, "%s", v->msg);
        if (f)
            snprintf(f->rule, sizeof f->rule, "%s", v->rule);
    }
}

/* ---- the worst-case resource bound ---- */

/* Whether rule r selects instance j of its kind (the loader kept only r's operator's). */
static int selects(const mn_world *w, const mn_rule *r, size_t j)
{
    if (r->select_all)
        return (r->subject == MN_RULE_VAP ? w->vaps[j].op : w->vms[j].op) == r->op;
    return mn_rule_sel_has(r, (uint32_t)j);
}

static int in_list(const uint32_t *v, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* What the rules may bring onto one box. */
struct box_load {
    double cpu, mem; /* of the instances rules may bring */
    size_t ninst;
    char insts[200], rules[160]; /* the first few, for the message */
};

static void note_name(char *buf, size_t n, const char *name)
{
    size_t len = strlen(buf);
    char quoted[96];
    snprintf(quoted, sizeof quoted, "\"%s\"", name);
    if (strstr(buf, quoted))
        return;
    if (len + strlen(quoted) + 6 >= n) {
        if (!strstr(buf, "..."))
            snprintf(buf + len, n - len, ", ...");
        return;
    }
    snprintf(buf + len, n - len, "%s%s", len ? ", " : "", quoted);
}

/*
 * For each box b:
 *     worst(b) = pinned(b) + sum of the instances some rule may place or migrate onto b
 * (each instance once), where the boxes rule r may send movable instance i to are
 * r's listed boxes (among i's candidates, when it has a list), or every candidate of i
 * for least-loaded and nearest-user (every box when i has no list). A box whose worst
 * CPU or memory exceeds what its vAPs and VMs may use (capacity minus dom0's share)
 * is a finding. E.g. a 1 GHz box (dom0 100 MHz) with a pinned 300 MHz vAP, and two
 * movable 400 MHz vAPs a rule may migrate there: 300 + 800 = 1100 MHz > 900 MHz.
 */
static int overcommit_checks(const mn_world *w, mn_val_report *rep, mn_err *err)
{
    const mn_ruleset *rs = &w->rules;
    if (!rs->nrules || !w->nboxes)
        return MN_OK;
    struct box_load *L = mn_calloc(w->nboxes, sizeof *L);
    uint8_t *mark = mn_calloc(w->nboxes, 1);
    uint32_t *touched = mn_calloc(w->nboxes, sizeof *touched);
    const mn_rule **first_rule = mn_calloc(w->nboxes, sizeof *first_rule);
    /* per box and rule, the instances it may bring (to name the main culprit); small worlds only */
    size_t nper = w->nboxes * rs->nrules <= 10000000 ? w->nboxes * rs->nrules : 0;
    uint32_t *per = nper ? mn_calloc(nper, sizeof *per) : NULL;
    if (!L || !mark || !touched || !first_rule || (nper && !per)) {
        mn_free(per);
        mn_free(L);
        mn_free(mark);
        mn_free(touched);
        mn_free(first_rule);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    for (int kind = MN_RULE_VAP; kind <= MN_RULE_VM; kind++) {
        size_t count = kind == MN_RULE_VAP ? w->nvaps : w->nvms;
        for (size_t j = 0; j < count; j++) {
            const uint32_t *cand = kind == MN_RULE_VAP ? w->vaps[j].cand : w->vms[j].cand;
            size_t ncand = kind == MN_RULE_VAP ? w->vaps[j].ncand : w->vms[j].ncand;
            int movable = kind == MN_RULE_VAP ? w->vaps[j].movable : w->vms[j].movable;
            double cpu = kind == MN_RULE_VAP ? w->vaps[j].cpu_hz : w->vms[j].cpu_hz;
            double mem = kind == MN_RULE_VAP ? w->vaps[j].mem_bytes : w->vms[j].mem_bytes;
            if (!movable)
                continue; /* the backend moves movable instances only */
            size_t nt = 0;
            for (size_t k = 0; k < rs->nrules; k++) {
                const mn_rule *r = mn_rules_sorted(rs, k);
                if ((int)r->subject != kind || !selects(w, r, j) || !mn_rule_satisfiable(r, NULL))
                    continue;
                for (size_t a = 0; a < r->nactions; a++) {
                    const mn_rule_action *act = &r->actions[a];
                    if (act->kind != MN_RULE_MIGRATE && act->kind != MN_RULE_PLACE)
                        continue;
                    for (size_t b = 0; b < w->nboxes; b++) {
                        int ok = act->target == MN_RULE_TO_BOXES
                                     ? in_list(act->boxes, act->nboxes, (uint32_t)b) &&
                                           (!ncand || in_list(cand, ncand, (uint32_t)b))
                                     : !ncand || in_list(cand, ncand, (uint32_t)b);
                        if (!ok || mark[b])
                            continue;
                        mark[b] = 1;
                        touched[nt++] = (uint32_t)b;
                        L[b].cpu += cpu;
                        L[b].mem += mem;
                        L[b].ninst++;
                        note_name(L[b].insts, sizeof L[b].insts,
                                  inst_id(w, (mn_rule_subject)kind, j));
                        note_name(L[b].rules, sizeof L[b].rules, r->id);
                        if (per)
                            per[b * rs->nrules + r->index]++;
                        if (!first_rule[b] || r->index < first_rule[b]->index)
                            first_rule[b] = r;
                    }
                }
            }
            for (size_t t = 0; t < nt; t++)
                mark[touched[t]] = 0;
        }
    }
    for (size_t b = 0; b < w->nboxes; b++) {
        const mn_box *B = &w->boxes[b];
        if (!L[b].ninst)
            continue;
        double cpu_cap = B->cpu_hz - B->dom0_cpu_hz, mem_cap = B->mem_bytes - B->dom0_mem_bytes;
        double cpu = B->cpu_used_hz + L[b].cpu, mem = B->mem_used_bytes + L[b].mem;
        int over_cpu = cpu > cpu_cap * (1 + 1e-9), over_mem = mem > mem_cap * (1 + 1e-9);
        if (!over_cpu && !over_mem)
            continue;
        const mn_rule *culprit = first_rule[b];
        for (size_t k = 0; per && k < rs->nrules; k++)
            if (per[b * rs->nrules + k] > per[b * rs->nrules + culprit->index])
                culprit = &rs->rules[k];
        char what[200] = "";
        if (over_cpu)
            snprintf(what, sizeof what, "CPU %.0f MHz > %.0f MHz", cpu / 1e6, cpu_cap / 1e6);
        if (over_mem)
            snprintf(what + strlen(what), sizeof what - strlen(what),
                     "%smemory %.0f MiB > %.0f MiB", over_cpu ? ", " : "", mem / 1048576,
                     mem_cap / 1048576);
        mn_val_add(rep, "overcommit", culprit, NULL, 0,
                   "box \"%s\": rules %s may bring %zu instance%s (%s) on top of what is pinned "
                   "there (%.0f MHz, %.0f MiB): worst case %s",
                   B->id, L[b].rules, L[b].ninst, L[b].ninst == 1 ? "" : "s", L[b].insts,
                   B->cpu_used_hz / 1e6, B->mem_used_bytes / 1048576, what);
    }
    mn_free(L);
    mn_free(mark);
    mn_free(touched);
    mn_free(first_rule);
    mn_free(per);
    return MN_OK;
}

int mn_val_static(const mn_net *n, mn_val_report *rep, mn_err *err)
{
    const mn_world *w = &n->world;
    isolation_checks(w, rep);
    logic_checks(w, rep);
    return overcommit_checks(w, rep, err);
}
