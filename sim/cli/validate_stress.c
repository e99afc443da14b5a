/*
 * validate_stress.c - the stress variants of `mnetsim validate`: small
 * transformations of a loaded scenario (its mn_net and world), one function
 * each, applied after loading and before the run. docs/validate.md says
 * exactly what each one does; every choice below is deterministic (ties go
 * to the lowest index), so a variant is the same on every run.
 */
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "validate.h"

static const char *const stress_names[MN_STRESS_KINDS] = {
    "peak", "flash-crowd", "box-failure", "uplink-failure", "move-all",
};

const char *mn_stress_name(mn_stress_kind k)
{
    return (unsigned)k < MN_STRESS_KINDS ? stress_names[k] : "?";
}

int mn_stress_parse(const char *s)
{
    for (int i = 0; i < MN_STRESS_KINDS; i++)
        if (strcmp(s, stress_names[i]) == 0)
            return i;
    return -1;
}

/* Halves a distribution's mean: every parameter with the quantity's unit is halved. */
static void halve(mn_distspec *d)
{
    switch (d->kind) {
    case MN_DIST_CONST:
    case MN_DIST_EXPONENTIAL:
        d->a /= 2;
        break;
    case MN_DIST_UNIFORM:
        d->a /= 2;
        d->b /= 2;
        break;
    case MN_DIST_PARETO: /* shape a stays, scale b halves: the mean halves */
        d->b /= 2;
        break;
    }
}

/* Peak hour x2: every service's and every visitor stream's interarrival mean halved. */
static int peak(mn_net *n, char *desc, size_t nd)
{
    mn_world *w = &n->world;
    for (size_t i = 0; i < w->nservices; i++)
        halve(&w->services[i].interarrival);
    for (size_t i = 0; i < w->narrivals; i++)
        halve(&w->arrivals[i].interarrival);
    snprintf(desc, nd, "interarrival means of %zu services and %zu visitor streams halved",
             w->nservices, w->narrivals);
    return MN_OK;
}

/* Instances pinned on box b (vAPs and VMs declared inside it). */
static size_t pinned(const mn_world *w, uint32_t b)
{
    size_t k = 0;
    for (size_t i = 0; i < w->nvaps; i++)
        k += !w->vaps[i].movable && w->vaps[i].box == b;
    for (size_t i = 0; i < w->nvms; i++)
        k += !w->vms[i].movable && w->vms[i].box == b;
    return k;
}

/* The most loaded box: the most pinned instances, then the most reserved CPU, then the lowest
 * index. */
static uint32_t busiest_box(const mn_world *w)
{
    uint32_t best = MN_NONE;
    size_t best_n = 0;
    for (uint32_t b = 0; b < w->nboxes; b++) {
        size_t k = pinned(w, b);
        if (best == MN_NONE || k > best_n ||
            (k == best_n && w->boxes[b].cpu_used_hz > w->boxes[best].cpu_used_hz)) {
            best = b;
            best_n = k;
        }
    }
    return best;
}

/* The busiest site: the most pinned instances on its boxes (lowest index on ties); MN_NONE: no
 * site. */
static uint32_t busiest_site(const mn_world *w)
{
    uint32_t best = MN_NONE;
    size_t best_n = 0;
    for (uint32_t s = 0; s < w->nsites; s++) {
        size_t k = 0;
        for (uint32_t b = 0; b < w->nboxes; b++)
            if (w->boxes[b].site == s)
                k += pinned(w, b) + 1;
        if (k > best_n) {
            best = s;
            best_n = k;
        }
    }
    return best;
}

/* Whether operator op has a vAP that can serve on box b (pinned there, or movable with b a
 * candidate). */
static int op_serves(const mn_world *w, uint32_t op, uint32_t b)
{
    for (size_t i = 0; i < w->nvaps; i++) {
        const mn_vap *v = &w->vaps[i];
        if (v->op != op)
            continue;
        if (!v->movable && v->box == b)
            return 1;
        if (v->movable)
            for (size_t k = 0; k < v->ncand; k++)
                if (v->cand[k] == b)
                    return 1;
    }
    return 0;
}

/*
 * Flash crowd: visitors arrive at every box of the busiest site (or at the
 * busiest box, without sites), one stream per operator that has a vAP for
 * that box: exponential interarrival of mean 20 s and stay of mean 15 min
 * (about 45 visitors per stream at once), every service, no SLA of their own.
 */
static int flash_crowd(mn_net *n, char *desc, size_t nd, mn_err *err)
{
    mn_world *w = &n->world;
    uint32_t site = busiest_site(w), one = site == MN_NONE ? busiest_box(w) : MN_NONE;
    size_t added = 0;
    char where[160] = "";
    for (uint32_t b = 0; b < w->nboxes; b++) {
        if (site != MN_NONE ? w->boxes[b].site != site : b != one)
            continue;
        for (uint32_t op = 0; op < w->noperators; op++) {
            if (!op_serves(w, op, b))
                continue;
            if (mn_array_reserve((void **)&w->arrivals, &w->arrivals_cap, w->narrivals + 1,
                                 sizeof *w->arrivals) != MN_OK)
                return MN_ERR(err, MN_ENOMEM, "out of memory");
            mn_arrivals *a = &w->arrivals[w->narrivals];
            memset(a, 0, sizeof *a);
            char id[160];
            snprintf(id, sizeof id, "validate-flash-%s-%s", w->boxes[b].id, w->operators[op]);
            if (!(a->id = mn_strdup(id)))
                return MN_ERR(err, MN_ENOMEM, "out of memory");
            a->op = op;
            a->sla = MN_NONE;
            a->stacks = 1u << MN_STACK_IPV4;
            a->services = w->nservices >= 32 ? UINT32_MAX : (1u << w->nservices) - 1;
            a->interarrival = (mn_distspec){MN_DIST_EXPONENTIAL, 20e9, 0};
            a->stay = (mn_distspec){MN_DIST_EXPONENTIAL, 900e9, 0};
            a->pos = w->boxes[b].pos;
            w->narrivals++;
            added++;
        }
        if (strlen(where) + strlen(w->boxes[b].id) + 4 < sizeof where)
            snprintf(where + strlen(where), sizeof where - strlen(where), "%s%s",
                     where[0] ? " " : "", w->boxes[b].id);
    }
    if (!added) {
        snprintf(desc, nd, "no operator has a vAP at the busiest %s",
                 site != MN_NONE ? "site" : "box");
        return 1;
    }
    snprintf(desc, nd, "%zu visitor streams (mean 20 s apart, 15 min stay) at %s%s", added,
             site != MN_NONE ? "site " : "box ", site != MN_NONE ? w->sites[site].id : where);
    return MN_OK;
}

/* Appends a scheduled fault of kind k on targets at mid-run, repaired after a quarter of the run.
 */
static int add_fault(mn_net *n, const char *id, mn_fault_kind k, const uint32_t *targets, size_t nt,
                     mn_err *err)
{
    mn_world *w = &n->world;
    if (mn_array_reserve((void **)&w->faults, &w->faults_cap, w->nfaults + 1, sizeof *w->faults) !=
        MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    mn_fault *f = &w->faults[w->nfaults];
    memset(f, 0, sizeof *f);
    if (!(f->id = mn_strdup(id)) || !(f->targets = mn_alloc(nt * sizeof *targets))) {
        mn_free(f->id);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    memcpy(f->targets, targets, nt * sizeof *targets);
    f->ntargets = nt;
    f->kind = k;
    f->at = n->duration / 2;
    f->repair = n->duration / 4 > 0 ? n->duration / 4 : 1;
    w->nfaults++;
    return MN_OK;
}

/* Box failure: the most loaded box (busiest_box) fails at mid-run for a quarter of the run. */
static int box_failure(mn_net *n, char *desc, size_t nd, mn_err *err)
{
    uint32_t b = busiest_box(&n->world);
    if (b == MN_NONE) {
        snprintf(desc, nd, "no box");
        return 1;
    }
    int rc = add_fault(n, "validate-box-failure", MN_FAULT_BOX, &b, 1, err);
    char at[32], rep[32];
    mn_time_format(n->duration / 2, at, sizeof at);
    mn_time_format(n->duration / 4, rep, sizeof rep);
    snprintf(desc, nd, "box %s fails at %s for %s", n->world.boxes[b].id, at, rep);
    return rc;
}

/*
 * Uplink failure: every topology link at the busiest site's gateway node (or
 * at the busiest box's node, without sites) fails at mid-run for a quarter
 * of the run.
 */
static int uplink_failure(mn_net *n, char *desc, size_t nd, mn_err *err)
{
    mn_world *w = &n->world;
    uint32_t site = busiest_site(w), node = MN_NONE;
    if (site != MN_NONE)
        node = w->sites[site].node;
    else if (busiest_box(w) != MN_NONE)
        node = w->boxes[busiest_box(w)].node;
    uint32_t links[64];
    size_t nl = 0;
    for (size_t i = 0; i < n->nlinks && node != MN_NONE && nl < 64; i++)
        if (n->links[i].a == node || n->links[i].b == node)
            links[nl++] = (uint32_t)i;
    if (!nl) {
        snprintf(desc, nd, "no topology link at the busiest %s's gateway",
                 site != MN_NONE ? "site" : "box");
        return 1;
    }
    int rc = add_fault(n, "validate-uplink-failure", MN_FAULT_LINK, links, nl, err);
    char at[32];
    mn_time_format(n->duration / 2, at, sizeof at);
    snprintf(desc, nd, "%zu link%s at node %s fail at %s", nl, nl == 1 ? "" : "s", n->nodes[node],
             at);
    return rc;
}

/* The box nearest p (lowest index on ties). */
static uint32_t nearest_box(const mn_world *w, mn_pos p)
{
    uint32_t best = MN_NONE;
    double bd = 0;
    for (uint32_t b = 0; b < w->nboxes; b++) {
        double d = mn_pos_dist(p, w->boxes[b].pos);
        if (best == MN_NONE || d < bd) {
            best = b;
            bd = d;
        }
    }
    return best;
}

/*
 * All users moving at once: every user's home (and office) is moved from
 * the box nearest it to the next box in document order (the last to the
 * first), keeping its offset, so that at time 0 every user is somewhere new.
 */
static int move_all(mn_net *n, char *desc, size_t nd)
{
    mn_world *w = &n->world;
    if (w->nboxes < 2 || !w->nusers) {
        snprintf(desc, nd, "needs two boxes and a user");
        return 1;
    }
    for (size_t i = 0; i < w->nusers; i++) {
        mn_pos *pp[2] = {&w->users[i].st.home, &w->users[i].st.office};
        for (int k = 0; k < 2; k++) {
            uint32_t b = nearest_box(w, *pp[k]), to = (b + 1) % (uint32_t)w->nboxes;
            pp[k]->x += w->boxes[to].pos.x - w->boxes[b].pos.x;
            pp[k]->y += w->boxes[to].pos.y - w->boxes[b].pos.y;
        }
    }
    snprintf(desc, nd, "%zu users moved to the next box", w->nusers);
    return MN_OK;
}

int mn_stress_apply(mn_net *n, mn_stress_kind k, char *desc, size_t ndesc, mn_err *err)
{
    desc[0] = '\0';
    switch (k) {
    case MN_STRESS_PEAK:
        return peak(n, desc, ndesc);
    case MN_STRESS_FLASH_CROWD:
        return flash_crowd(n, desc, ndesc, err);
    case MN_STRESS_BOX_FAILURE:
        return box_failure(n, desc, ndesc, err);
    case MN_STRESS_UPLINK_FAILURE:
        return uplink_failure(n, desc, ndesc, err);
    case MN_STRESS_MOVE_ALL:
        return move_all(n, desc, ndesc);
    default:
        return MN_ERR(err, MN_EINVAL, "unknown stress kind %d", (int)k);
    }
}
