/*
 * wrun_fault.c - failures and repairs of boxes, radios, links and VMs in a
 * world run. A target is down while at least one fault holds it; what
 * depends on it goes down with it (a box: its radios, vAPs and VMs; a
 * radio: its vAPs), sessions crossing a dead resource are dropped, users
 * of a dead vAP look for another (or are in outage), and each outage of
 * each target is a row of faults.csv with what it took down.
 */
#include <string.h>

#include "core/alloc.h"
#include "fault.h"
#include "wrun_int.h"

static uint8_t *counter(wr *r, mn_fault_kind k)
{
    return k == MN_FAULT_BOX ? r->box_down_count : k == MN_FAULT_RADIO ? r->radio_down_count
         : k == MN_FAULT_LINK ? r->link_down_count : r->vm_down_count;
}

/* Recomputes the up state of every entity and resource from the fault counters. */
static void refresh(wr *r)
{
    const mn_world *w = r->w;
    const mn_net *n = r->net;
    memset(r->res_dead, 0, r->nres);
    r->any_link_down = 0;
    for (size_t l = 0; l < n->nlinks; l++) {
        int down = r->link_down_count[l] > 0;
        r->any_link_down |= down;
        r->res_dead[2 * l] = r->res_dead[2 * l + 1] = (uint8_t)down;
        mn_routes_set_up(r->routes, (uint32_t)l, !down);
    }
    for (size_t b = 0; b < w->nboxes; b++) {
        w_box *B = &r->boxes[b];
        int up = r->box_down_count[b] == 0;
        if (B->up && !up)
            B->down_since = mn_engine_now(r->eng);
        else if (!B->up && up)
            B->down_s += mn_time_to_sec(mn_engine_now(r->eng) - B->down_since);
        B->up = (uint8_t)up;
        r->res_dead[B->res_up] = r->res_dead[B->res_down] = r->res_dead[B->res_cpu] = (uint8_t)!up;
    }
    for (size_t i = 0; i < w->nradios; i++) {
        w_radio *R = &r->radios[i];
        R->up = (uint8_t)(r->radio_down_count[i] == 0 && r->boxes[w->radios[i].box].up);
        r->res_dead[R->res] = (uint8_t)!R->up;
    }
    for (size_t v = 0; v < w->nvaps; v++) {
        w_vap *V = &r->vaps[v];
        /* unplaced or paused (stop-and-copy): down whatever the faults say */
        V->up = (uint8_t)(V->radio != MN_NONE && r->radios[V->radio].up &&
                          (r->inst[v].state == MN_INST_RUNNING || r->inst[v].state == MN_INST_MIGRATING));
        if (V->res_air != MN_NONE)
            r->res_dead[V->res_air] = (uint8_t)!V->up;
        if (V->res_cpu != MN_NONE)
            r->res_dead[V->res_cpu] = (uint8_t)!V->up;
    }
    for (size_t i = 0; i < w->nvms; i++) {
        w_vm *M = &r->vms[i];
        uint32_t st = r->inst[w->nvaps + i].state;
        M->up = (uint8_t)(M->box != MN_NONE && r->vm_down_count[i] == 0 && r->boxes[M->box].up &&
                          (st == MN_INST_RUNNING || st == MN_INST_MIGRATING));
        r->res_dead[M->res] = (uint8_t)!M->up;
    }
}

/* Every online user re-checks its association (after a failure or a repair). */
static int reassociate_all(wr *r, int only_unserved, uint32_t *cut)
{
    for (size_t u = 0; u < r->nusers; u++) {
        w_user *U = &r->users[u];
        if (!U->live || !U->online)
            continue;
        if (only_unserved && U->vap != MN_NONE)
            continue;
        if (!only_unserved && (U->vap == MN_NONE || r->vaps[U->vap].up))
            continue;
        if (!only_unserved)
            (*cut)++;
        int rc = w_associate(r, (uint32_t)u);
        if (rc != MN_OK)
            return rc;
    }
    return MN_OK;
}

static void on_down(mn_engine *eng, void *ctx);
static void on_up(mn_engine *eng, void *ctx);

static size_t count_down(const wr *r, int vaps)
{
    size_t c = 0;
    if (vaps) {
        for (size_t v = 0; v < r->w->nvaps; v++)
            c += !r->vaps[v].up;
    } else {
        for (size_t i = 0; i < r->w->nvms; i++)
            c += !r->vms[i].up;
    }
    return c;
}

static void on_down(mn_engine *eng, void *ctx)
{
    wr *r = mn_engine_user(eng);
    w_fault_state *fs = &r->fstate[(uintptr_t)ctx];
    const mn_fault *f = &r->w->faults[fs->fault];
    if (fs->down)
        return;
    fs->down = 1;
    fs->since = mn_engine_now(eng);
    uint8_t *c = counter(r, f->kind);
    if (c[fs->target] == UINT8_MAX) {
        w_fail(r, MN_ERANGE, NULL);
        return;
    }
    size_t vaps_before = count_down(r, 1), vms_before = count_down(r, 0);
    uint64_t dropped_before = r->sess_dropped;
    c[fs->target]++;
    refresh(r);
    w_migrations_check(r); /* a copy whose box or path failed stops */
    if (f->kind == MN_FAULT_BOX && w_rules_event(r, MN_RULE_ON_BOX_FAILURE, fs->target) != MN_OK)
        return;
    w_drop_dead_sessions(r);
    uint32_t cut = 0;
    if (reassociate_all(r, 0, &cut) != MN_OK) {
        w_fail(r, MN_ENOMEM, NULL);
        return;
    }
    w_flush_dirty(r);
    if (mn_array_reserve((void **)&r->frows, &r->frows_cap, r->nfrows + 1, sizeof *r->frows) != MN_OK) {
        w_fail(r, MN_ENOMEM, NULL);
        return;
    }
    fs->sessions_dropped = (uint32_t)(r->sess_dropped - dropped_before);
    fs->users_cut = cut;
    r->frows[r->nfrows++] = (w_fault_row){fs->fault, fs->target, fs->since, MN_TIME_MAX,
                                          fs->sessions_dropped, cut,
                                          (uint32_t)(count_down(r, 1) - vaps_before),
                                          (uint32_t)(count_down(r, 0) - vms_before)};
    mn_time repair = mn_fault_down_for(f, r->rng_faults); /* fault.h: shared with the emulation */
    if (repair != MN_TIME_MAX && fs->since + repair <= r->horizon &&
        mn_ev_schedule_at(eng, fs->since + (repair > 0 ? repair : 1), on_up, ctx, NULL) != MN_OK)
        w_fail(r, MN_ENOMEM, NULL);
}

static void on_up(mn_engine *eng, void *ctx)
{
    wr *r = mn_engine_user(eng);
    uint32_t i = (uint32_t)(uintptr_t)ctx;
    w_fault_state *fs = &r->fstate[i];
    const mn_fault *f = &r->w->faults[fs->fault];
    if (!fs->down)
        return;
    fs->down = 0;
    counter(r, f->kind)[fs->target]--;
    for (size_t k = r->nfrows; k-- > 0;) /* close this target's open row */
        if (r->frows[k].fault == fs->fault && r->frows[k].target == fs->target &&
            r->frows[k].up == MN_TIME_MAX) {
            r->frows[k].up = mn_engine_now(eng);
            break;
        }
    refresh(r);
    w_migrations_check(r); /* a copy whose box or path failed stops */
    if (reassociate_all(r, 1, NULL) != MN_OK) {
        w_fail(r, MN_ENOMEM, NULL);
        return;
    }
    w_flush_dirty(r);
    if (f->random) {
        mn_time next = mn_engine_now(eng) + mn_fault_up_for(f, r->rng_faults);
        if (next <= r->horizon && mn_ev_schedule_at(eng, next, on_down, ctx, NULL) != MN_OK)
            w_fail(r, MN_ENOMEM, NULL);
    }
}

int w_faults_arm(wr *r)
{
    const mn_world *w = r->w;
    size_t n = 0;
    for (size_t f = 0; f < w->nfaults; f++)
        n += w->faults[f].ntargets;
    r->link_down_count = mn_calloc(r->net->nlinks + 1, 1);
    r->box_down_count = mn_calloc(w->nboxes + 1, 1);
    r->radio_down_count = mn_calloc(w->nradios + 1, 1);
    r->vm_down_count = mn_calloc(w->nvms + 1, 1);
    r->fstate = mn_calloc(n + 1, sizeof *r->fstate);
    if (!r->link_down_count || !r->box_down_count || !r->radio_down_count || !r->vm_down_count ||
        !r->fstate)
        return MN_ENOMEM;
    for (size_t f = 0; f < w->nfaults; f++) {
        const mn_fault *F = &w->faults[f];
        for (size_t t = 0; t < F->ntargets; t++) {
            w_fault_state *fs = &r->fstate[r->nfstate];
            fs->fault = (uint32_t)f;
            fs->target = F->targets[t];
            mn_time at = mn_fault_first_down(F, r->rng_faults);
            if (at <= r->horizon) {
                int rc = mn_ev_schedule_at(r->eng, at, on_down, (void *)(uintptr_t)r->nfstate, NULL);
                if (rc != MN_OK)
                    return rc;
            }
            r->nfstate++;
        }
    }
    return MN_OK;
}
