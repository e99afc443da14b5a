/*
 * wrun_policy.c - where the world run meets the policies: the simulator's
 * backend (policy.h: place, remove, associate, migrate, tunnel, set QoS,
 * power), the read-only view policies see, live migration as copy flows
 * through the sharing solver (livemig.h), the policy clock, and the boxes'
 * autonomic agents.
 *
 * Owns:      the policy state of wr (w_inst, the view's arrays, migrations
 *            and their rows, the agent trace file), freed by w_policy_fini.
 * Invariant: a box's cpu_used, mem_used and uplink_used never exceed what
 *            it has (every action is checked here again, whatever the policy
 *            computed); a radio never carries more vAPs than its standard
 *            allows; an instance is on one box, or on its way to one (its
 *            destination's resources reserved from the start of the copy).
 *
 * This is the only file of sim/models that calls into sim/policies (their
 * registry); the policies see nothing of wr but the view.
 *
 * Live migration (docs/models-migration.md): each pre-copy round is a flow
 * from the source box to the destination (up its uplink, the topology's
 * lowest-latency path, down the other uplink), sharing those links max-min
 * with user traffic; the round's duration decides the next dirty set. The
 * stop-and-copy pauses the instance: a paused vAP serves nobody (its users
 * re-associate or wait in outage, which their SLA books), a paused VM drops
 * the sessions through it. Resume takes resume_s more.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/outfile.h"
#include "agent.h"
#include "wrun_int.h"

#define COPY_CTX_FLAG ((uintptr_t)1 << (sizeof(uintptr_t) * 8 - 1))

/* ---- instances ---- */

static int is_vap(const wr *r, uint32_t i)
{
    return i < r->w->nvaps;
}

static double inst_cpu(const wr *r, uint32_t i)
{
    return is_vap(r, i) ? r->w->vaps[i].cpu_hz : r->w->vms[i - r->w->nvaps].cpu_hz;
}

static double inst_mem(const wr *r, uint32_t i)
{
    return is_vap(r, i) ? r->w->vaps[i].mem_bytes : r->w->vms[i - r->w->nvaps].mem_bytes;
}

static double inst_uplink(const wr *r, uint32_t i)
{
    return is_vap(r, i) ? r->w->vaps[i].uplink_bps : r->w->vms[i - r->w->nvaps].uplink_bps;
}

static int inst_movable(const wr *r, uint32_t i)
{
    return is_vap(r, i) ? r->w->vaps[i].movable : r->w->vms[i - r->w->nvaps].movable;
}

static const char *inst_id(const wr *r, uint32_t i)
{
    return is_vap(r, i) ? r->w->vaps[i].id : r->w->vms[i - r->w->nvaps].id;
}

static uint32_t inst_box(const wr *r, uint32_t i)
{
    return is_vap(r, i) ? r->vaps[i].box : r->vms[i - r->w->nvaps].box;
}

static int is_candidate(const wr *r, uint32_t i, uint32_t box)
{
    const uint32_t *c = is_vap(r, i) ? r->w->vaps[i].cand : r->w->vms[i - r->w->nvaps].cand;
    size_t n = is_vap(r, i) ? r->w->vaps[i].ncand : r->w->vms[i - r->w->nvaps].ncand;
    for (size_t k = 0; k < n; k++)
        if (c[k] == box)
            return 1;
    return 0;
}

/* ---- the view ---- */

static void sync_box(wr *r, uint32_t b)
{
    const mn_box *B = &r->w->boxes[b];
    const w_box *S = &r->boxes[b];
    mn_view_box *V = &r->vboxes[b];
    V->cpu_free_hz = B->cpu_hz - B->dom0_cpu_hz - S->cpu_used;
    V->mem_free_bytes = B->mem_bytes - B->dom0_mem_bytes - S->mem_used;
    V->uplink_free_bps = B->uplink_bps - S->uplink_used;
    V->hosted = S->hosted;
    V->pinned = S->pinned;
    V->up = S->up;
    V->powered = S->powered;
}

static void sync_radio(wr *r, uint32_t i)
{
    r->vradios[i].nvaps = r->radio_nvaps[i];
    r->vradios[i].up = r->radios[i].up;
    r->vradios[i].air_cap = r->radios[i].air_cap;
    r->vradios[i].n_tx = r->radios[i].n_tx;
}

static void sync_inst(wr *r, uint32_t i)
{
    mn_view_inst *V = &r->vinsts[i];
    const w_inst *I = &r->inst[i];
    V->state = I->state;
    V->box = I->state == MN_INST_UNPLACED ? MN_NONE : inst_box(r, i);
    V->radio = is_vap(r, i) && V->box != MN_NONE ? r->vaps[i].radio : MN_NONE;
    V->dest = I->state == MN_INST_MIGRATING || I->state == MN_INST_PAUSED ? I->dest : MN_NONE;
    V->users = is_vap(r, i) ? r->vaps[i].nusers : 0;
    V->airtime = is_vap(r, i) && r->vaps[i].res_air != MN_NONE ? r->vap_share[i] : 0;
}

/* What the policies see of user u: online as its mobility has it (at time 0, before the users start, too). */
static mn_view_user view_user(const wr *r, uint32_t u)
{
    const w_user *U = &r->users[u];
    const w_user_cold *C = &r->ucold[u];
    return (mn_view_user){C->op, U->sla, U->vap, (uint8_t)(U->live && C->leg.online), U->outage,
                          U->violating, U->stacks};
}

static mn_pos view_user_pos(const void *ctx, uint32_t u)
{
    const wr *r = ctx;
    return mn_leg_pos(&r->ucold[u].leg, mn_engine_now(r->eng));
}

static double view_user_phy(const void *ctx, uint32_t u, uint32_t radio)
{
    const wr *r = ctx;
    mn_pos p = view_user_pos(ctx, u);
    double d = mn_pos_dist(p, r->w->boxes[r->w->radios[radio].box].pos);
    if (d > r->w->radios[radio].range_m)
        return 0;
    return mn_radio_phy_rate(w_radio_cfg(r, &r->radios[radio]), d, NULL);
}

static double view_box_latency(const void *ctx, uint32_t a, uint32_t b)
{
    const wr *r = ctx;
    if (a == b)
        return 0;
    const mn_box *A = &r->w->boxes[a], *B = &r->w->boxes[b];
    double lat = mn_time_to_sec(A->uplink_latency + B->uplink_latency);
    if (A->node == MN_NONE || B->node == MN_NONE)
        return A->node == B->node ? lat : -1;
    uint32_t res[W_MAXP];
    size_t len;
    mn_time l;
    if (mn_routes_path(r->routes, A->node, B->node, res, W_MAXP, &len, &l) != MN_OK)
        return -1;
    return lat + mn_time_to_sec(l);
}

/* Loads, users and the clock: what changes without an action. */
static int view_refresh(wr *r, mn_err *err)
{
    const mn_world *w = r->w;
    r->view.now = mn_engine_now(r->eng);
    for (uint32_t b = 0; b < w->nboxes; b++) {
        mn_view_box *V = &r->vboxes[b];
        /* its busiest resource now: dom0 CPU, uplink either way, or (below) a radio's air */
        const w_box *S = &r->boxes[b];
        uint32_t res3[3] = {S->res_cpu, S->res_up, S->res_down};
        V->load = 0;
        for (int k = 0; k < 3; k++) {
            double cap = mn_share_link_capacity(r->share, res3[k]);
            V->load = fmax(V->load, cap > 0 ? mn_share_link_load(r->share, res3[k]) / cap : 0);
        }
        V->air_load = 0;
        V->users = 0;
        for (uint32_t k = 0; k < V->nradios; k++) {
            uint32_t rr = V->radio_first + k, ares = r->radios[rr].res;
            double c = mn_share_link_capacity(r->share, ares);
            V->air_load = fmax(V->air_load, c > 0 ? mn_share_link_load(r->share, ares) / c : 0);
        }
        V->load = fmin(1, fmax(V->load, V->air_load));
        sync_box(r, b);
    }
    for (uint32_t i = 0; i < w->nradios; i++)
        sync_radio(r, i);
    for (uint32_t i = 0; i < w->nvaps + w->nvms; i++) {
        sync_inst(r, i);
        mn_view_inst *V = &r->vinsts[i];
        if (V->box != MN_NONE && is_vap(r, i))
            r->vboxes[V->box].users += V->users;
    }
    for (uint32_t i = 0; i < w->nvaps + w->nvms; i++) {
        mn_view_inst *V = &r->vinsts[i];
        V->load = 0;
        if (V->box == MN_NONE)
            continue;
        uint32_t res = is_vap(r, i) ? r->vaps[i].res_cpu : r->vms[i - w->nvaps].res;
        if (res != MN_NONE) {
            double cap = mn_share_link_capacity(r->share, res);
            V->load = cap > 0 ? mn_share_link_load(r->share, res) / cap : 0;
        } else if (r->vboxes[V->box].users) { /* forwards in dom0: its users' part of the box's load */
            V->load = r->vboxes[V->box].load * V->users / r->vboxes[V->box].users;
        }
    }
    if (r->nusers > r->vusers_cap) {
        size_t cap = r->nusers + r->nusers / 2 + 16;
        mn_view_user *grown = mn_realloc(r->vusers, cap * sizeof *grown);
        if (!grown)
            return MN_ERR(err, MN_ENOMEM, "out of memory for the policies' view");
        r->vusers = grown;
        r->vusers_cap = cap;
    }
    for (size_t u = 0; u < r->nusers; u++)
        r->vusers[u] = view_user(r, (uint32_t)u);
    r->view.users = r->vusers;
    r->view.nusers = r->nusers;
    return MN_OK;
}

/* ---- resources of a box ---- */

/* Radio i's beacon overhead with its vAPs now: its airtime capacity and its capped vAPs'. */
static int radio_refresh(wr *r, uint32_t i, mn_err *err)
{
    const mn_radio *R = &r->w->radios[i];
    w_radio *S = &r->radios[i];
    S->air_cap = 1 - mn_wifi_beacon_overhead(&R->cfg, r->radio_nvaps[i], R->beacon_bytes,
                                             mn_time_to_sec(R->beacon_interval));
    if (S->air_cap < 1 - MN_WORLD_MAX_BEACON_SHARE)
        S->air_cap = 1 - MN_WORLD_MAX_BEACON_SHARE;
    int rc = mn_share_link_set_capacity(r->share, S->res, S->air_cap, err);
    /* the capped vAPs on it: among its box's vAPs (not every vAP of the world) */
    const w_box *B = &r->boxes[R->box];
    for (uint32_t k = B->vap_first; k < B->vap_first + B->nvaps && rc == MN_OK; k++) {
        uint32_t j = r->box_vaps[k];
        if (r->vaps[j].radio == i && r->vaps[j].res_air != MN_NONE)
            rc = mn_share_link_set_capacity(r->share, r->vaps[j].res_air, r->vap_share[j] * S->air_cap, err);
    }
    return rc;
}

/* dom0 forwards with what the instances leave of the box's CPU. */
static int box_cpu_refresh(wr *r, uint32_t b, mn_err *err)
{
    double left = r->w->boxes[b].cpu_hz - r->boxes[b].cpu_used;
    return mn_share_link_set_capacity(r->share, r->boxes[b].res_cpu, left > 1 ? left : 1, err);
}

static void book(wr *r, uint32_t i, uint32_t box, uint32_t radio, int sign)
{
    w_box *B = &r->boxes[box];
    B->cpu_used += sign * inst_cpu(r, i);
    B->mem_used += sign * inst_mem(r, i);
    B->uplink_used += sign * inst_uplink(r, i);
    B->hosted += (uint32_t)sign;
    if (radio != MN_NONE)
        r->radio_nvaps[radio] += (uint32_t)sign;
}

/* The rule of mn_place_fits, on the run's own books (policies may be wrong). */
static int fits(const wr *r, uint32_t i, uint32_t box, uint32_t radio, mn_err *err)
{
    const mn_box *B = &r->w->boxes[box];
    const w_box *S = &r->boxes[box];
    double cpu = inst_cpu(r, i), mem = inst_mem(r, i), up = inst_uplink(r, i);
    if (!S->up)
        return MN_ERR(err, MN_EINVAL, "box %s is down", B->id);
    if (cpu > (B->cpu_hz - B->dom0_cpu_hz - S->cpu_used) * (1 + 1e-9) + 1e-9 ||
        mem > (B->mem_bytes - B->dom0_mem_bytes - S->mem_used) * (1 + 1e-9) + 1e-9 ||
        up > (B->uplink_bps - S->uplink_used) * (1 + 1e-9) + 1e-9)
        return MN_ERR(err, MN_ERANGE, "%s does not fit on box %s (CPU, memory or uplink)",
                      inst_id(r, i), B->id);
    if (!is_vap(r, i))
        return MN_OK;
    if (radio == MN_NONE || radio >= r->w->nradios || r->w->radios[radio].box != box)
        return MN_ERR(err, MN_EINVAL, "vAP %s needs a radio of box %s", inst_id(r, i), B->id);
    if (r->radio_nvaps[radio] >= mn_wifi_max_vaps(r->w->radios[radio].cfg.std))
        return MN_ERR(err, MN_ERANGE, "radio %s carries its most vAPs", r->w->radios[radio].id);
    if (!r->radios[radio].up)
        return MN_ERR(err, MN_EINVAL, "radio %s is down", r->w->radios[radio].id);
    return MN_OK;
}

static void box_vaps_insert(wr *r, uint32_t box, uint32_t v)
{
    w_box *B = &r->boxes[box];
    r->box_vaps[B->vap_first + B->nvaps++] = v;
}

static void box_vaps_remove(wr *r, uint32_t box, uint32_t v)
{
    w_box *B = &r->boxes[box];
    for (uint32_t k = B->vap_first; k < B->vap_first + B->nvaps; k++)
        if (r->box_vaps[k] == v) {
            r->box_vaps[k] = r->box_vaps[B->vap_first + --B->nvaps];
            return;
        }
}

void w_boxes_on_update(wr *r)
{
    mn_time now = mn_engine_now(r->eng);
    r->boxes_on_area += (double)r->boxes_on * mn_time_to_sec(now - r->boxes_on_since);
    r->boxes_on_since = now;
}

static void power_set(wr *r, uint32_t b, int on)
{
    w_box *B = &r->boxes[b];
    if (B->powered == on)
        return;
    mn_time now = mn_engine_now(r->eng);
    w_boxes_on_update(r);
    if (on) {
        B->off_s += mn_time_to_sec(now - B->off_since);
        r->boxes_on++;
        r->power_ons++;
    } else {
        B->off_since = now;
        r->boxes_on--;
        r->power_offs++;
    }
    B->powered = (uint8_t)on;
    sync_box(r, b);
}

/* A vAP (or VM) serves again, or stops serving: its resources and its users follow. */
static void vap_set_live(wr *r, uint32_t v, int live)
{
    w_vap *S = &r->vaps[v];
    S->up = (uint8_t)(live && r->radios[S->radio].up);
    if (S->res_air != MN_NONE)
        r->res_dead[S->res_air] = (uint8_t)!S->up;
    if (S->res_cpu != MN_NONE)
        r->res_dead[S->res_cpu] = (uint8_t)!S->up;
}

/* Users that lost vAP v look again (they may find another one, or wait in outage). */
static int users_leave(wr *r, uint32_t v)
{
    for (size_t u = 0; u < r->nusers; u++) {
        w_user *U = &r->users[u];
        if (U->live && U->vap == v) {
            int rc = w_associate(r, (uint32_t)u);
            if (rc != MN_OK)
                return rc;
        }
    }
    return MN_OK;
}

/* Online users served by nothing look again (a vAP came). */
static int users_waiting_recheck(wr *r)
{
    for (size_t i = 0; i < r->nwaiting; i++) {
        uint32_t u = r->waiting[i];
        w_user *U = &r->users[u];
        if (U->live && U->online && U->vap == MN_NONE) {
            size_t before = r->nwaiting;
            int rc = w_associate(r, u);
            if (rc != MN_OK)
                return rc;
            if (r->nwaiting < before)
                i--; /* it left the list: its place holds another user now */
        }
    }
    return MN_OK;
}

/* Puts instance i on box (radio), its resources booked already. */
static int settle(wr *r, uint32_t i, uint32_t box, uint32_t radio, mn_err *err)
{
    int rc = MN_OK;
    if (is_vap(r, i)) {
        w_vap *S = &r->vaps[i];
        S->box = box;
        S->radio = radio;
        box_vaps_insert(r, box, i);
        vap_set_live(r, i, 1);
        if ((rc = radio_refresh(r, radio, err)) != MN_OK)
            return rc;
    } else {
        w_vm *M = &r->vms[i - r->w->nvaps];
        M->box = box;
        M->up = r->boxes[box].up;
        r->res_dead[M->res] = (uint8_t)!M->up;
    }
    r->inst[i].state = MN_INST_RUNNING;
    rc = box_cpu_refresh(r, box, err);
    sync_box(r, box);
    if (radio != MN_NONE)
        sync_radio(r, radio);
    sync_inst(r, i);
    if (rc == MN_OK && is_vap(r, i))
        rc = users_waiting_recheck(r);
    return rc;
}

/* Takes instance i off its box (it stops serving first); its resources are released. */
static int unsettle(wr *r, uint32_t i, mn_err *err)
{
    uint32_t box = inst_box(r, i), radio = is_vap(r, i) ? r->vaps[i].radio : MN_NONE;
    int rc = MN_OK;
    if (is_vap(r, i)) {
        vap_set_live(r, i, 0);
        if ((rc = users_leave(r, i)) != MN_OK)
            return rc;
        box_vaps_remove(r, box, i);
    } else {
        w_vm *M = &r->vms[i - r->w->nvaps];
        M->up = 0;
        r->res_dead[M->res] = 1;
        w_drop_dead_sessions(r);
    }
    book(r, i, box, radio, -1);
    if (radio != MN_NONE && (rc = radio_refresh(r, radio, err)) != MN_OK)
        return rc;
    if (is_vap(r, i)) {
        r->vaps[i].box = MN_NONE;
        r->vaps[i].radio = MN_NONE;
    } else {
        r->vms[i - r->w->nvaps].box = MN_NONE;
    }
    rc = box_cpu_refresh(r, box, err);
    sync_box(r, box);
    if (radio != MN_NONE)
        sync_radio(r, radio);
    return rc;
}

/* ---- the backend ---- */

static void observe_refusal(wr *r, const char *what, uint32_t i, uint32_t box, const mn_err *err)
{
    if (r->obs && r->obs->refused)
        r->obs->refused(r->obs->ctx, mn_time_to_sec(mn_engine_now(r->eng)), what, inst_id(r, i),
                        r->w->boxes[box].id, err && err->code ? err->msg : "");
}

/* Whether box (and *radio, MN_NONE for a VM) may take instance i now: a candidate, and room. */
static int destination_ok(wr *r, const char *what, uint32_t i, uint32_t box, uint32_t *radio,
                          mn_err *err)
{
    if (!is_candidate(r, i, box))
        return MN_ERR(err, MN_EINVAL, "box %s is not among %s's boxes", r->w->boxes[box].id,
                      inst_id(r, i));
    if (!is_vap(r, i))
        *radio = MN_NONE;
    int rc = fits(r, i, box, *radio, err);
    if (rc != MN_OK)
        observe_refusal(r, what, i, box, err);
    return rc;
}

static int be_place(void *ctx, uint32_t i, uint32_t box, uint32_t radio, mn_err *err)
{
    wr *r = ctx;
    if (i >= r->w->nvaps + r->w->nvms || box >= r->w->nboxes)
        return MN_ERR(err, MN_EINVAL, "no such instance or box");
    if (!inst_movable(r, i) || r->inst[i].state != MN_INST_UNPLACED)
        return MN_ERR(err, MN_EINVAL, "%s is not an unplaced movable instance", inst_id(r, i));
    int rc = destination_ok(r, "place", i, box, &radio, err);
    if (rc != MN_OK)
        return rc;
    power_set(r, box, 1);
    book(r, i, box, radio, 1);
    r->inst[i].refused = 0;
    r->placements++;
    return settle(r, i, box, radio, err);
}

static int be_remove(void *ctx, uint32_t i, mn_err *err)
{
    wr *r = ctx;
    if (i >= r->w->nvaps + r->w->nvms || !inst_movable(r, i) || r->inst[i].state != MN_INST_RUNNING)
        return MN_ERR(err, MN_EINVAL, "only a running movable instance can be removed");
    int rc = unsettle(r, i, err);
    r->inst[i].state = MN_INST_UNPLACED;
    sync_inst(r, i);
    return rc;
}

static int be_associate(void *ctx, uint32_t u, uint32_t v, mn_err *err)
{
    wr *r = ctx;
    if (u >= r->nusers || !r->users[u].live)
        return MN_ERR(err, MN_EINVAL, "no such user");
    if (v == MN_NONE || v >= r->w->nvaps)
        return MN_ERR(err, MN_EINVAL, "no such vAP");
    w_user *U = &r->users[u];
    const w_vap *S = &r->vaps[v];
    if (!S->up || S->op != r->ucold[u].op || !(S->stacks & U->stacks))
        return MN_ERR(err, MN_EINVAL, "vAP %s cannot serve that user", r->w->vaps[v].id);
    /* the balancing policy decides among what is in range; a forced choice must be in range */
    if (view_user_phy(r, u, S->radio) <= 0)
        return MN_ERR(err, MN_ERANGE, "vAP %s is out of the user's range", r->w->vaps[v].id);
    return w_associate(r, u); /* the policy's choice stands; rules steer it through QoS and placement */
}

static int be_tunnel(void *ctx, uint32_t a, uint32_t b, mn_err *err)
{
    wr *r = ctx;
    if (a >= r->w->nsites || b >= r->w->nsites)
        return MN_ERR(err, MN_EINVAL, "no such site");
    /* the simulator's overlay paths go to the site's gateway whatever is declared: bookkeeping only */
    return MN_OK;
}

static int be_set_qos(void *ctx, uint32_t v, double airtime, mn_err *err)
{
    wr *r = ctx;
    if (v >= r->w->nvaps || !(airtime > 0 && airtime <= 1))
        return MN_ERR(err, MN_EINVAL, "set-qos needs a vAP and an airtime share in (0, 1]");
    w_vap *S = &r->vaps[v];
    if (S->res_air == MN_NONE)
        return MN_ERR(err, MN_EINVAL, "vAP %s has no airtime share to change; give it airtime= "
                      "in the scenario", r->w->vaps[v].id);
    if (S->radio == MN_NONE)
        return MN_ERR(err, MN_EINVAL, "vAP %s is not placed", r->w->vaps[v].id);
    r->vap_share[v] = airtime;
    sync_inst(r, v);
    return mn_share_link_set_capacity(r->share, S->res_air, airtime * r->radios[S->radio].air_cap, err);
}

static int be_power(void *ctx, uint32_t b, int on, mn_err *err)
{
    wr *r = ctx;
    if (b >= r->w->nboxes)
        return MN_ERR(err, MN_EINVAL, "no such box");
    if (!on && r->boxes[b].hosted)
        return MN_ERR(err, MN_EINVAL, "box %s hosts %u instances: it stays on", r->w->boxes[b].id,
                      r->boxes[b].hosted);
    power_set(r, b, on);
    return MN_OK;
}

/* ---- live migration ---- */

static void on_copy_done(mn_share *s, uint32_t flow, void *ctx);
static void on_resume(mn_engine *eng, void *ctx);

/* Up box a's uplink, over the topology, down box b's; MN_ENOTFOUND when there is no way. */
static int copy_path(wr *r, uint32_t a, uint32_t b, w_mig *m)
{
    const mn_box *A = &r->w->boxes[a], *B = &r->w->boxes[b];
    m->plen = 0;
    m->path[m->plen++] = r->boxes[a].res_up;
    if (A->node != MN_NONE && B->node != MN_NONE && A->node != B->node) {
        uint32_t res[W_MAXP];
        size_t len;
        mn_time lat;
        int rc = mn_routes_path(r->routes, A->node, B->node, res, W_MAXP - 2, &len, &lat);
        if (rc != MN_OK)
            return rc;
        for (size_t k = 0; k < len; k++)
            m->path[m->plen++] = res[k];
    } else if (A->node != B->node) {
        return MN_ENOTFOUND;
    }
    m->path[m->plen++] = r->boxes[b].res_down;
    return MN_OK;
}

static int copy_start(wr *r, uint32_t mi, double bytes, mn_err *err)
{
    w_mig *m = &r->migs[mi];
    m->round_start = mn_engine_now(r->eng);
    m->round_bytes = bytes;
    if (bytes <= 0) { /* nothing to send: the round ends now */
        m->flow = MN_NONE;
        return mn_ev_schedule_in(r->eng, 0, on_resume, (void *)(uintptr_t)(mi << 1 | 1u), NULL);
    }
    mn_share_flow_spec spec = {m->path, NULL, m->plen, bytes, 0, on_copy_done,
                               (void *)(COPY_CTX_FLAG | mi)};
    return mn_share_flow_begin(r->share, &spec, &m->flow, err);
}

int w_copy_flow(const void *flow_ctx)
{
    return ((uintptr_t)flow_ctx & COPY_CTX_FLAG) != 0;
}

static int be_migrate(void *ctx, uint32_t i, uint32_t box, uint32_t radio, mn_err *err)
{
    wr *r = ctx;
    if (i >= r->w->nvaps + r->w->nvms || box >= r->w->nboxes)
        return MN_ERR(err, MN_EINVAL, "no such instance or box");
    w_inst *I = &r->inst[i];
    if (!inst_movable(r, i) || I->state != MN_INST_RUNNING)
        return MN_ERR(err, MN_EINVAL, "%s is not a running movable instance", inst_id(r, i));
    uint32_t from = inst_box(r, i);
    if (box == from)
        return MN_ERR(err, MN_EINVAL, "%s is on box %s already", inst_id(r, i), r->w->boxes[box].id);
    int rc = destination_ok(r, "migrate", i, box, &radio, err);
    if (rc != MN_OK)
        return rc;
    w_mig m = {.inst = i, .from = from, .to = box, .to_radio = radio, .flow = MN_NONE, .live = 1};
    if (copy_path(r, from, box, &m) != MN_OK)
        return MN_ERR(err, MN_EINVAL, "no path from box %s to box %s for the copy",
                      r->w->boxes[from].id, r->w->boxes[box].id);
    mn_livemig_params p;
    mn_livemig_defaults(&p);
    p.mem_bytes = inst_mem(r, i) > 0 ? inst_mem(r, i) : 1;
    p.dirty_bps = is_vap(r, i) ? r->w->vaps[i].dirty_bps : r->w->vms[i - r->w->nvaps].dirty_bps;
    p.max_rounds = r->w->policies.rounds;
    p.stop_bytes = r->w->policies.stop_bytes;
    p.resume_s = r->w->policies.resume_s;
    double bytes;
    if ((rc = mn_livemig_start(&m.st, &p, &bytes, err)) != MN_OK)
        return rc;
    if (mn_array_reserve((void **)&r->migs, &r->migs_cap, r->nmigs + 1, sizeof *r->migs) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    uint32_t mi = (uint32_t)r->nmigs++;
    m.start = mn_engine_now(r->eng);
    r->migs[mi] = m;
    /* the destination is reserved from now: nothing else takes the room */
    power_set(r, box, 1);
    book(r, i, box, radio, 1);
    I->state = MN_INST_MIGRATING;
    I->dest = box;
    I->dest_radio = radio;
    I->mig = mi;
    sync_box(r, box);
    if (radio != MN_NONE)
        sync_radio(r, radio);
    sync_inst(r, i);
    return copy_start(r, mi, bytes, err);
}

/* The stop-and-copy begins: the instance stops serving. */
static int pause_inst(wr *r, uint32_t i)
{
    r->inst[i].state = MN_INST_PAUSED;
    if (is_vap(r, i)) {
        vap_set_live(r, i, 0);
        return users_leave(r, i);
    }
    w_vm *M = &r->vms[i - r->w->nvaps];
    M->up = 0;
    r->res_dead[M->res] = 1;
    w_drop_dead_sessions(r);
    return MN_OK;
}

static void mig_account(wr *r, const w_mig *m, double bytes)
{
    for (uint8_t k = 0; k < m->plen; k++)
        w_usage_add(r, m->path[k], bytes);
}

static void on_copy_done(mn_share *s, uint32_t flow, void *ctx)
{
    (void)flow;
    wr *r = mn_engine_user(mn_share_engine(s));
    uint32_t mi = (uint32_t)((uintptr_t)ctx & ~COPY_CTX_FLAG);
    w_mig *m = &r->migs[mi];
    m->flow = MN_NONE;
    mig_account(r, m, m->round_bytes);
    double secs = mn_time_to_sec(mn_engine_now(r->eng) - m->round_start), next;
    mn_err err = {0};
    int rc = MN_OK;
    if (m->st.phase == MN_LIVEMIG_PRECOPY) {
        int ph = mn_livemig_round_done(&m->st, secs, &next);
        if (ph == MN_LIVEMIG_STOP_AND_COPY) {
            m->paused = 1;
            m->pause_start = mn_engine_now(r->eng);
            rc = pause_inst(r, m->inst);
        }
        if (rc == MN_OK)
            rc = copy_start(r, mi, next, &err);
    } else {
        /* the last dirty set is there: resume after resume_s */
        rc = mn_livemig_finish(&m->st, secs, NULL);
        if (rc == MN_OK)
            rc = mn_ev_schedule_in(r->eng, mn_time_from_sec(m->st.p.resume_s), on_resume,
                                   (void *)(uintptr_t)(mi << 1), NULL);
    }
    if (rc != MN_OK)
        w_fail(r, rc, err.code ? &err : NULL);
    w_flush_dirty(r);
}

/* ctx: migration << 1 | (1: a round of nothing ended, 0: resume). */
static void on_resume(mn_engine *eng, void *ctx)
{
    wr *r = mn_engine_user(eng);
    uint32_t mi = (uint32_t)((uintptr_t)ctx >> 1);
    w_mig *m = &r->migs[mi];
    mn_err err = {0};
    int rc = MN_OK;
    if (!m->live)
        return; /* aborted meanwhile */
    if ((uintptr_t)ctx & 1) { /* a zero-byte copy "finished" */
        m->round_start = mn_engine_now(eng);
        r->migs[mi].round_bytes = 0;
        mn_share *s = r->share;
        on_copy_done(s, MN_NONE, (void *)(COPY_CTX_FLAG | mi));
        return;
    }
    uint32_t i = m->inst;
    w_inst *I = &r->inst[i];
    /* off the source, onto the destination (booked since the start) */
    uint32_t from = m->from, from_radio = is_vap(r, i) ? r->vaps[i].radio : MN_NONE;
    if (is_vap(r, i))
        box_vaps_remove(r, from, i);
    book(r, i, from, from_radio, -1);
    if (from_radio != MN_NONE)
        rc = radio_refresh(r, from_radio, &err);
    if (rc == MN_OK)
        rc = box_cpu_refresh(r, from, &err);
    sync_box(r, from);
    if (from_radio != MN_NONE)
        sync_radio(r, from_radio);
    if (rc == MN_OK)
        rc = settle(r, i, m->to, m->to_radio, &err);
    double down = mn_time_to_sec(mn_engine_now(eng) - m->pause_start);
    r->mig_downtime_s += down;
    I->migrations++;
    I->mig = MN_NONE;
    I->dest = MN_NONE;
    m->live = 0;
    if (mn_array_reserve((void **)&r->mig_rows, &r->mig_rows_cap, r->nmig_rows + 1,
                         sizeof *r->mig_rows) != MN_OK) {
        w_fail(r, MN_ENOMEM, NULL);
        return;
    }
    r->mig_rows[r->nmig_rows++] = (w_mig_row){i, m->from, m->to, m->start, mn_engine_now(eng),
                                              m->st.bytes_moved, down, m->st.rounds,
                                              (uint8_t)m->st.converged, 0};
    if (r->obs && r->obs->migration)
        r->obs->migration(r->obs->ctx, mn_time_to_sec(m->start), mn_time_to_sec(mn_engine_now(eng)),
                          inst_id(r, i), r->w->boxes[m->from].id, r->w->boxes[m->to].id, down);
    if (rc != MN_OK)
        w_fail(r, rc, err.code ? &err : NULL);
    w_flush_dirty(r);
}

/*
 * Stops migration mi (its source or destination box, or a link of its
 * path, failed): the copy flow ends, the destination's booking is
 * released, and a paused instance resumes where it was. Recorded as
 * aborted in migrations.csv.
 */
static int mig_abort(wr *r, uint32_t mi, mn_err *err)
{
    w_mig *m = &r->migs[mi];
    uint32_t i = m->inst;
    w_inst *I = &r->inst[i];
    int rc = MN_OK;
    if (m->flow != MN_NONE) {
        double sent = 0;
        rc = mn_share_flow_stop(r->share, m->flow, &sent, err);
        mig_account(r, m, sent);
        m->st.bytes_moved += sent;
        m->flow = MN_NONE;
    }
    book(r, i, m->to, m->to_radio, -1);
    if (rc == MN_OK && m->to_radio != MN_NONE)
        rc = radio_refresh(r, m->to_radio, err);
    if (rc == MN_OK)
        rc = box_cpu_refresh(r, m->to, err);
    sync_box(r, m->to);
    if (m->to_radio != MN_NONE)
        sync_radio(r, m->to_radio);
    int was_paused = I->state == MN_INST_PAUSED;
    I->state = MN_INST_RUNNING;
    I->mig = I->dest = I->dest_radio = MN_NONE;
    m->live = 0;
    if (was_paused) {
        if (is_vap(r, i)) {
            vap_set_live(r, i, 1);
        } else {
            w_vm *M = &r->vms[i - r->w->nvaps];
            M->up = (uint8_t)(r->boxes[M->box].up && r->vm_down_count[i - r->w->nvaps] == 0);
            r->res_dead[M->res] = (uint8_t)!M->up;
        }
    }
    sync_inst(r, i);
    r->migrations_aborted++;
    if (mn_array_reserve((void **)&r->mig_rows, &r->mig_rows_cap, r->nmig_rows + 1,
                         sizeof *r->mig_rows) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    double down = was_paused ? mn_time_to_sec(mn_engine_now(r->eng) - m->pause_start) : 0;
    r->mig_downtime_s += down; /* its users saw it all the same */
    r->mig_rows[r->nmig_rows++] = (w_mig_row){i, m->from, m->to, m->start, mn_engine_now(r->eng),
                                              m->st.bytes_moved, down, m->st.rounds, 0, 1};
    if (rc == MN_OK && was_paused && is_vap(r, i))
        rc = users_waiting_recheck(r);
    return rc;
}

void w_migrations_check(wr *r)
{
    for (uint32_t mi = 0; mi < r->nmigs; mi++) {
        w_mig *m = &r->migs[mi];
        if (!m->live)
            continue;
        int broken = !r->boxes[m->from].up || !r->boxes[m->to].up;
        for (uint8_t k = 0; k < m->plen && !broken; k++)
            broken = r->res_dead[m->path[k]];
        mn_err err = {0};
        if (broken && mig_abort(r, mi, &err) != MN_OK) {
            w_fail(r, err.code ? err.code : MN_EBUG, &err);
            return;
        }
    }
}

static const mn_backend_ops sim_backend = {
    .name = "sim",
    .place = be_place,
    .remove = be_remove,
    .associate = be_associate,
    .migrate = be_migrate,
    .tunnel = be_tunnel,
    .set_qos = be_set_qos,
    .power = be_power,
};

/* ---- balancing ---- */

const mn_view *w_lb_view(wr *r, uint32_t u)
{
    /* the view of this user, now (the others are refreshed at the policy clock) */
    if (r->nusers > r->vusers_cap) {
        size_t cap = r->nusers + r->nusers / 2 + 16;
        mn_view_user *grown = mn_realloc(r->vusers, cap * sizeof *grown);
        if (!grown) {
            w_fail(r, MN_ENOMEM, NULL);
            return NULL;
        }
        memset(grown + r->vusers_cap, 0, (cap - r->vusers_cap) * sizeof *grown);
        r->vusers = grown;
        r->vusers_cap = cap;
    }
    r->vusers[u] = view_user(r, u);
    r->view.users = r->vusers;
    r->view.nusers = r->nusers;
    r->view.now = mn_engine_now(r->eng);
    return &r->view;
}

/* ---- the policy clock and the agents ---- */

static void trace_line(wr *r, uint32_t box, const char *step, uint32_t u, uint32_t inst,
                       const char *detail)
{
    if (!r->trace)
        return;
    fprintf(r->trace, "%.6f,%s,%s,", mn_time_to_sec(mn_engine_now(r->eng)),
            box != MN_NONE ? r->w->boxes[box].id : "", step);
    if (u != MN_NONE && u < r->w->nusers)
        fprintf(r->trace, "%s", r->w->users[u].id);
    else if (u != MN_NONE)
        fprintf(r->trace, "visitor-%u", u);
    fprintf(r->trace, ",%s,%s,%s\n", u != MN_NONE ? r->w->operators[r->ucold[u].op] : "",
            inst != MN_NONE ? inst_id(r, inst) : "", detail);
}

/* agent.c's trace, into agent.csv */
static void agent_trace(void *ctx, uint32_t box, const char *step, uint32_t u, uint32_t inst,
                        const char *detail)
{
    trace_line(ctx, box, step, u, inst, detail);
}

/* The operators' rules' log: one agent.csv line per action, with its reason. */
static void rule_log(void *ctx, const mn_rule *rule, uint32_t subject, const mn_rule_action *a, int rc,
                     const char *reason)
{
    wr *r = ctx;
    r->rule_actions += rc == MN_OK;
    uint32_t box = MN_NONE, inst = MN_NONE;
    if (rule->subject == MN_RULE_BOX)
        box = subject;
    else if (subject != MN_NONE) {
        inst = subject; /* a view instance index: VMs come after the vAPs already */
        box = inst_box(r, inst);
    }
    if (r->obs && r->obs->rule_action)
        r->obs->rule_action(r->obs->ctx, mn_time_to_sec(mn_engine_now(r->eng)), rule->id, rule->file,
                            rule->line,
                            inst != MN_NONE ? inst_id(r, inst) : box != MN_NONE ? r->w->boxes[box].id : "",
                            mn_rule_action_name(a->kind), rc, reason ? reason : "");
    if (!r->trace)
        return;
    char detail[400];
    snprintf(detail, sizeof detail, "rule %s (%s:%ld): %s %s%s", rule->id, rule->file, rule->line,
             mn_rule_action_name(a->kind), rc == MN_OK ? "done" : rc == MN_RULE_NOOP ? "nothing to do" : "refused",
             reason && *reason ? "; " : "");
    size_t len = strlen(detail);
    snprintf(detail + len, sizeof detail - len, "%s", reason ? reason : "");
    for (char *c = detail; *c; c++)
        if (*c == ',')
            *c = ';'; /* one CSV field */
    trace_line(r, box, "rule", MN_NONE, inst, detail);
}

/* The operators' rules for an event (rules run before the default policies). */
int w_rules_event(wr *r, int trigger, uint32_t subject)
{
    if (r->w->rules.nrules == 0 || !r->w->policies.agent)
        return MN_OK;
    mn_err err = {0};
    int rc = view_refresh(r, &err);
    if (rc == MN_OK)
        rc = mn_rules_run(&r->w->rules, &r->view, &r->backend, (mn_rule_trigger)trigger, subject, rule_log,
                          r, &err);
    if (rc != MN_OK)
        w_fail(r, rc, &err);
    return rc;
}

/* A user's events for the rules: violating now, or come online since the last tick. */
static unsigned user_events(const void *ctx, uint32_t u, uint32_t *vap)
{
    const wr *r = ctx;
    const w_user *U = &r->users[u];
    *vap = MN_NONE;
    if (!U->live || U->vap == MN_NONE)
        return 0;
    *vap = U->vap;
    return (U->violating ? MN_RULE_USER_VIOLATING : 0u) |
           (U->online && r->ucold[u].online_since > r->rules_last ? MN_RULE_USER_CAME_ONLINE : 0u);
}

/*
 * The rules at the policy clock: the events seen since the last tick (a
 * box over `high`, a followed user out of its vAP's range, a vAP with a
 * user violating its SLA, a vAP with a user come online), each for its
 * subject, then the periodic rules.
 */
static int rules_tick(wr *r, mn_err *err)
{
    const mn_world *w = r->w;
    const mn_ruleset *rs = &w->rules;
    mn_time now = mn_engine_now(r->eng), last = now - w->policies.period;
    int rc = mn_rules_run_view_events(rs, &r->view, &r->backend, rule_log, r, err);
    if (rc != MN_OK)
        return rc;
    /* users' events, once per vAP */
    r->rules_last = last;
    rc = mn_rules_run_user_events(rs, &r->view, &r->backend, r->nusers, user_events, r, rule_log, r, err);
    if (rc == MN_OK)
        rc = mn_rules_run(rs, &r->view, &r->backend, MN_RULE_ON_PERIOD, MN_NONE, rule_log, r, err);
    return rc;
}

static int has_on_demand(const wr *r)
{
    for (size_t j = 0; j < r->w->nvaps; j++)
        if (r->w->vaps[j].on_demand)
            return 1;
    return 0;
}

/* Every box's agent, for every online user that nothing serves (in the waiting list's order). */
static int agent_round(wr *r, mn_err *err)
{
    int rc = MN_OK;
    for (size_t i = 0; i < r->nwaiting && rc == MN_OK; i++) {
        uint32_t u = r->waiting[i];
        if (r->users[u].live && r->users[u].online && r->users[u].vap == MN_NONE) {
            size_t before = r->nwaiting;
            rc = mn_agent_serve(&r->view, &r->backend, u, r->trace ? agent_trace : NULL, r, err);
            r->agent_decisions += rc == 1;
            rc = rc < 0 ? rc : MN_OK;
            if (r->nwaiting < before)
                i--; /* it left the list: its place holds another user now */
        }
    }
    return rc;
}

/* The event trigger: a user fell into outage; the agents look at once (after this event). */
static void on_agent_event(mn_engine *eng, void *ctx)
{
    (void)ctx;
    wr *r = mn_engine_user(eng);
    r->agent_armed = 0;
    mn_err err = {0};
    int rc = view_refresh(r, &err);
    if (rc == MN_OK)
        rc = agent_round(r, &err);
    if (rc != MN_OK) {
        w_fail(r, rc, &err);
        return;
    }
    w_flush_dirty(r);
}

void w_agent_wake(wr *r)
{
    if (!r->agent_on || r->agent_armed || mn_engine_now(r->eng) >= r->horizon)
        return;
    if (mn_ev_schedule_in(r->eng, 0, on_agent_event, NULL, NULL) != MN_OK) {
        w_fail(r, MN_ENOMEM, NULL);
        return;
    }
    r->agent_armed = 1;
}

static void on_policy_tick(mn_engine *eng, void *ctx)
{
    (void)ctx;
    wr *r = mn_engine_user(eng);
    mn_err err = {0};
    int rc = view_refresh(r, &err);
    /* agents first: serve the users that nothing serves */
    if (rc == MN_OK && r->agent_on)
        rc = agent_round(r, &err);
    /* the operators' rules, then the default policy */
    if (rc == MN_OK && r->w->rules.nrules && r->w->policies.agent)
        rc = rules_tick(r, &err);
    if (rc == MN_OK)
        rc = view_refresh(r, &err);
    if (rc == MN_OK && r->lb->shares)
        rc = r->lb->shares(&r->view, &r->backend, &err);
    if (rc == MN_OK)
        rc = r->mig->tick(&r->view, &r->backend, &err);
    if (rc != MN_OK) {
        w_fail(r, rc, &err);
        return;
    }
    w_flush_dirty(r);
    mn_time next = mn_engine_now(eng) + r->w->policies.period;
    if (next < r->horizon)
        mn_ev_schedule_at(eng, next, on_policy_tick, NULL, NULL);
}

/* ---- set-up ---- */

static int lookup_fail(const wr *r, const mn_run_opts *o, int kind, mn_err *err)
{
    const mn_world_policies *p = &r->w->policies;
    if (o->policy[kind] || !p->line)
        return err->code;
    char msg[sizeof err->msg + 16];
    snprintf(msg, sizeof msg, "policies: %s", err->msg);
    return mn_err_set_line(err, MN_EINVAL, p->file, p->line, "%s", msg);
}

int w_policy_setup(wr *r, const mn_run_opts *o, mn_err *err)
{
    const mn_world *w = r->w;
    const mn_world_policies *p = &w->policies;
    const char *names[3];
    for (int k = 0; k < 3; k++)
        names[k] = o->policy[k] ? o->policy[k] : p->name[k];
    if (!(r->place = mn_place_lookup(names[0], err)))
        return lookup_fail(r, o, 0, err);
    if (!(r->lb = mn_lb_lookup(names[1], err)))
        return lookup_fail(r, o, 1, err);
    if (!(r->mig = mn_mig_lookup(names[2], err)))
        return lookup_fail(r, o, 2, err);
    size_t ni = w->nvaps + w->nvms;
    r->inst = mn_calloc(ni + 1, sizeof *r->inst);
    r->vap_share = mn_calloc(w->nvaps + 1, sizeof *r->vap_share);
    if (!r->vap_share)
        return MN_ERR(err, MN_ENOMEM, "out of memory for the policies");
    for (size_t v = 0; v < w->nvaps; v++)
        r->vap_share[v] = w->vaps[v].airtime;
    r->vboxes = mn_calloc(w->nboxes + 1, sizeof *r->vboxes);
    r->vradios = mn_calloc(w->nradios + 1, sizeof *r->vradios);
    r->vinsts = mn_calloc(ni + 1, sizeof *r->vinsts);
    r->vsla_min = mn_calloc(w->nslas + 1, sizeof *r->vsla_min);
    if (!r->inst || !r->vboxes || !r->vradios || !r->vinsts || !r->vsla_min)
        return MN_ERR(err, MN_ENOMEM, "out of memory for the policies");
    int rc = mn_rng_create(o->seed_set ? o->seed : r->net->has_seed ? r->net->seed : 1, "policy", NULL,
                           &r->rng_policy, err);
    if (rc != MN_OK)
        return rc;
    for (size_t s = 0; s < w->nslas; s++)
        r->vsla_min[s] = w->slas[s].min_bps;
    if (!(r->vsite_ids = mn_calloc(w->nsites + 1, sizeof *r->vsite_ids)))
        return MN_ERR(err, MN_ENOMEM, "out of memory for the policies");
    for (size_t s = 0; s < w->nsites; s++)
        r->vsite_ids[s] = w->sites[s].id;
    for (uint32_t b = 0; b < w->nboxes; b++) {
        const mn_box *B = &w->boxes[b];
        w_box *S = &r->boxes[b];
        S->powered = 1;
        S->cpu_used = B->cpu_used_hz;
        S->mem_used = B->mem_used_bytes;
        r->vboxes[b] = (mn_view_box){.id = B->id, .pos = B->pos, .node = B->node, .site = B->site,
                                     .cpu_hz = B->cpu_hz, .mem_bytes = B->mem_bytes,
                                     .uplink_bps = B->uplink_bps, .power_idle_w = B->power_idle_w,
                                     .power_max_w = B->power_max_w, .radio_first = MN_NONE};
    }
    for (uint32_t i = 0; i < w->nradios; i++) {
        const mn_radio *R = &w->radios[i];
        mn_view_box *VB = &r->vboxes[R->box];
        if (VB->radio_first == MN_NONE)
            VB->radio_first = i;
        VB->nradios++;
        r->vradios[i] = (mn_view_radio){R->box, R->nvaps, mn_wifi_max_vaps(R->cfg.std), R->range_m, 1, R->id, 0, 0};
    }
    for (uint32_t b = 0; b < w->nboxes; b++)
        if (r->vboxes[b].radio_first == MN_NONE)
            r->vboxes[b].radio_first = 0;
    for (uint32_t i = 0; i < ni; i++) {
        int vap = i < w->nvaps;
        const mn_vap *V = vap ? &w->vaps[i] : NULL;
        const mn_vm *M = vap ? NULL : &w->vms[i - w->nvaps];
        w_inst *I = &r->inst[i];
        I->mig = I->dest = I->dest_radio = MN_NONE;
        int movable = vap ? V->movable : M->movable;
        I->state = movable ? MN_INST_UNPLACED : MN_INST_RUNNING;
        uint32_t box = vap ? V->box : M->box;
        if (!movable) {
            r->boxes[box].hosted++;
            r->boxes[box].pinned++;
        }
        r->vinsts[i] = (mn_view_inst){
            .id = vap ? V->id : M->id, .line = vap ? V->line : M->line,
            .kind = vap ? MN_INST_VAP : MN_INST_VM, .movable = (uint8_t)movable,
            .op = vap ? V->op : M->op, .follows = vap ? V->follows : MN_NONE,
            .cpu_hz = vap ? V->cpu_hz : M->cpu_hz, .mem_bytes = vap ? V->mem_bytes : M->mem_bytes,
            .uplink_bps = vap ? V->uplink_bps : M->uplink_bps,
            .dirty_bps = vap ? V->dirty_bps : M->dirty_bps, .cand = vap ? V->cand : M->cand,
            .ncand = vap ? V->ncand : M->ncand, .on_demand = vap ? V->on_demand : 0,
            .stacks = vap ? V->stacks : M->stacks, .tunnel_site = vap ? V->tunnel_site : MN_NONE,
            .max_users = vap ? V->max_users : 0};
    }
    r->boxes_on = w->nboxes;
    r->view = (mn_view){.boxes = r->vboxes, .nboxes = w->nboxes, .radios = r->vradios,
                        .nradios = w->nradios, .insts = r->vinsts, .ninsts = ni, .nvaps = w->nvaps,
                        .high = p->high, .low = p->low, .sla_min_bps = r->vsla_min, .ctx = r,
                        .user_pos = view_user_pos, .user_phy = view_user_phy,
                        .box_latency = view_box_latency, .site_ids = r->vsite_ids,
                        .nsites = w->nsites};
    r->backend = (mn_backend){&sim_backend, r};
    r->obs = o->observer;
    if (o->agent_trace) {
        mn_outfile *tf = mn_calloc(1, sizeof *tf);
        if (!tf)
            return MN_ERR(err, MN_ENOMEM, "out of memory");
        if ((rc = mn_outfile_open(tf, o->out_dir, "agent.csv", err)) != MN_OK) {
            mn_free(tf);
            return rc;
        }
        r->trace_file = tf;
        r->trace = tf->f;
        fprintf(r->trace, "t_s,box,step,user,operator,instance,detail\n");
    }
    return MN_OK;
}

int w_policy_start(wr *r, mn_err *err)
{
    const mn_world *w = r->w;
    int rc = view_refresh(r, err);
    size_t ni = w->nvaps + w->nvms;
    int any_movable = 0;
    for (uint32_t i = 0; i < ni && rc == MN_OK; i++) {
        if (!r->vinsts[i].movable)
            continue;
        any_movable = 1;
        if (i < w->nvaps && w->vaps[i].on_demand)
            continue; /* the agents place these when a user needs one */
        uint32_t radio = MN_NONE, box = r->place->choose(&r->view, i, r->rng_policy, &radio);
        if (box == MN_NONE) {
            r->inst[i].refused = 1;
            r->placement_refused++;
            continue;
        }
        mn_err perr = {0};
        rc = be_place(r, i, box, radio, &perr);
        if (rc == MN_ERANGE || rc == MN_EINVAL) { /* the policy was wrong: refused, counted */
            r->inst[i].refused = 1;
            r->placement_refused++;
            rc = MN_OK;
        } else if (rc != MN_OK) {
            *err = perr;
        }
    }
    if (rc == MN_OK && any_movable && r->place->after)
        rc = r->place->after(&r->view, &r->backend, err);
    r->boxes_on_since = 0;
    r->agent_on = w->policies.agent && has_on_demand(r);
    int capped = 0; /* vAPs with an airtime share a balancing policy may set */
    for (size_t v = 0; v < w->nvaps && !capped; v++)
        capped = r->vaps[v].res_air != MN_NONE;
    int tick = (any_movable && (strcmp(r->mig->name, "none") != 0 || has_on_demand(r))) ||
               (w->rules.nrules && w->policies.agent) || (r->lb->shares && capped);
    if (rc == MN_OK && tick && w->policies.period < r->horizon)
        rc = mn_ev_schedule_at(r->eng, w->policies.period, on_policy_tick, NULL, NULL);
    return rc;
}

void w_policy_fini(wr *r)
{
    if (r->trace_file) {
        mn_outfile_abort(r->trace_file);
        mn_free(r->trace_file);
    }
    mn_rng_destroy(r->rng_policy);
    mn_free(r->inst);
    mn_free(r->vap_share);
    mn_free(r->vboxes);
    mn_free(r->vradios);
    mn_free(r->vinsts);
    mn_free(r->vusers);
    mn_free(r->vsla_min);
    mn_free(r->vsite_ids);
    mn_free(r->radio_nvaps);
    mn_free(r->migs);
    mn_free(r->mig_rows);
}
