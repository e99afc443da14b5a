/* policy.c - the policies and rules on the real-time clock over the emulation; see policy.h. */
#include "policy.h"



#include <ev.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "link.h"
#include "sim/core/alloc.h"
#include "sim/models/agent.h"
#include "sim/models/radio.h"
#include "sim/models/route.h"
#include "sim/models/rules.h"

typedef struct p_box {
    double cpu_used, mem_used, up_used; /* reservations booked on it */
    uint32_t hosted, pinned;
    uint64_t rx, tx; /* uplink counters at the last sample */
    uint8_t powered;
} p_box;

/* A user's SLA state between ticks (the accounting itself: mn_emu_user_sla). */
typedef struct p_user {
    mn_emu_user_sla acc;
    mn_time outage_since; /* scenario time its outage began */
    uint8_t was_online, came_online, violating, in_outage;
    double viol_active; /* this window: wall seconds its violating flows were sending */
} p_user;

typedef struct p_log {
    double t_s, wall_s;
    char source[12], action[24], subject[48], from[48], to[48], result[12];
    char detail[200];
} p_log;

struct mn_emu_pol {
    mn_emu *e;
    const mn_net *n;
    const mn_world *w;
    const mn_backend *inner;
    mn_backend be; /* the checking backend: ops below, ctx p */
    const mn_place_ops *place;
    const mn_lb_ops *lb;
    const mn_mig_ops *mig;
    double scale;
    mn_time period;
    uint64_t k; /* ticks run */
    mn_rng *rng_policy, *rng_mob;
    mn_routes *routes;
    mn_emu_nl *nl; /* per box: a socket in its dom0 */
    p_box *box;
    uint64_t *radio_rx, *radio_tx;
    double *share; /* vAPs' airtime share now */
    mn_leg *leg;
    mn_mob_state *st; /* the users' mobility states (copies: the world stays as loaded) */
    mn_pos *pos_set;
    uint8_t *pos_fixed;
    mn_view view;
    mn_view_box *vboxes;
    mn_view_radio *vradios;
    mn_view_inst *vinsts;
    mn_view_user *vusers;
    double *vsla_min;
    const char **vsite_ids; /* owned array; the ids are the world's */
    double sample_wall; /* wall time of the last counter sample */
    mn_emu_mig *migs;
    size_t nmigs, migs_cap;
    p_log *log;
    size_t nlog, log_cap;
    const char *source; /* who acts now: "place", "policy", "rule", "agent", "balancing" */
    p_user *usr;
    mn_emu_handover *hos;
    size_t nhos, hos_cap;
    double handover_outage_s;
    uint8_t assoc_fresh; /* the association in progress is a user's come online, not a handover */
    const mn_emu_traffic *traffic;  /* borrowed; NULL: no SLA accounting */
    uint32_t *flow_user, *flow_svc; /* owned copies */
    mn_emu_flow_mark *marks;
    size_t nflows;
    double traffic_dur, sla_last; /* s of traffic time: its duration, the last window's end */
    unsigned placed, refused, agent_placed; /* agent_placed: vAPs the agents instantiated */
    struct ev_loop *loop;
    ev_timer timer;
    int status;
    mn_err status_err;
    uint8_t *box_failed, *radio_failed; /* faults (emu/faults.c): held down now */
};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- instances ---- */

static int is_vap(const mn_emu_pol *p, uint32_t i)
{
    return i < p->w->nvaps;
}

static const char *inst_id(const mn_emu_pol *p, uint32_t i)
{
    return is_vap(p, i) ? p->w->vaps[i].id : p->w->vms[i - p->w->nvaps].id;
}

static double inst_cpu(const mn_emu_pol *p, uint32_t i)
{
    return is_vap(p, i) ? p->w->vaps[i].cpu_hz : p->w->vms[i - p->w->nvaps].cpu_hz;
}

static double inst_mem(const mn_emu_pol *p, uint32_t i)
{
    return is_vap(p, i) ? p->w->vaps[i].mem_bytes : p->w->vms[i - p->w->nvaps].mem_bytes;
}

static double inst_up(const mn_emu_pol *p, uint32_t i)
{
    return is_vap(p, i) ? p->w->vaps[i].uplink_bps : p->w->vms[i - p->w->nvaps].uplink_bps;
}

static int inst_movable(const mn_emu_pol *p, uint32_t i)
{
    return is_vap(p, i) ? p->w->vaps[i].movable : p->w->vms[i - p->w->nvaps].movable;
}

static int is_candidate(const mn_emu_pol *p, uint32_t i, uint32_t box)
{
    const mn_view_inst *I = &p->vinsts[i];
    for (size_t k = 0; k < I->ncand; k++)
        if (I->cand[k] == box)
            return 1;
    return 0;
}

/* ---- the log ---- */

static void logf_(mn_emu_pol *p, const char *action, const char *subject, const char *from,
                  const char *to, int rc, const char *detail)
{
    if (mn_array_reserve((void **)&p->log, &p->log_cap, p->nlog + 1, sizeof *p->log) != MN_OK)
        return; /* the log is best effort; the action stands */
    p_log *L = &p->log[p->nlog++];
    memset(L, 0, sizeof *L);
    L->t_s = mn_time_to_sec(p->view.now);
    L->wall_s = wall_now();
    snprintf(L->source, sizeof L->source, "%s", p->source);
    snprintf(L->action, sizeof L->action, "%s", action);
    snprintf(L->subject, sizeof L->subject, "%s", subject ? subject : "");
    snprintf(L->from, sizeof L->from, "%s", from ? from : "");
    snprintf(L->to, sizeof L->to, "%s", to ? to : "");
    snprintf(L->result, sizeof L->result, "%s",
             rc == MN_OK          ? "done"
             : rc == MN_RULE_NOOP ? "nothing"
                                  : "refused");
    snprintf(L->detail, sizeof L->detail, "%s", detail ? detail : "");
    for (char *c = L->detail; *c; c++)
        if (*c == ',' || *c == '\n')
            *c = ';'; /* one CSV field */
}

static const char *box_id(const mn_emu_pol *p, uint32_t b)
{
    return b < p->w->nboxes ? p->w->boxes[b].id : "";
}

/* ---- the books ---- */

static void book(mn_emu_pol *p, uint32_t i, uint32_t box, int sign)
{
    p_box *B = &p->box[box];
    B->cpu_used += sign * inst_cpu(p, i);
    B->mem_used += sign * inst_mem(p, i);
    B->up_used += sign * inst_up(p, i);
    B->hosted += (uint32_t)sign;
}

static uint32_t radio_nvaps(const mn_emu_pol *p, uint32_t r)
{
    uint32_t n = 0;
    for (uint32_t v = 0; v < p->w->nvaps; v++)
        n += mn_emu_inst_radio(p->e, v) == r;
    return n;
}

/* The simulator's rule (mn_place_fits), on our own books: policies may be wrong. */
static int fits(const mn_emu_pol *p, uint32_t i, uint32_t box, uint32_t radio, mn_err *err)
{
    const mn_box *B = &p->w->boxes[box];
    const p_box *S = &p->box[box];
    if (inst_cpu(p, i) > (B->cpu_hz - B->dom0_cpu_hz - S->cpu_used) * (1 + 1e-9) + 1e-9 ||
        inst_mem(p, i) > (B->mem_bytes - B->dom0_mem_bytes - S->mem_used) * (1 + 1e-9) + 1e-9 ||
        inst_up(p, i) > (B->uplink_bps - S->up_used) * (1 + 1e-9) + 1e-9)
        return MN_ERR(err, MN_ERANGE, "%s does not fit on box %s (CPU, memory or uplink)",
                      inst_id(p, i), B->id);
    if (!is_vap(p, i))
        return MN_OK;
    if (radio == MN_NONE || radio >= p->w->nradios || p->w->radios[radio].box != box)
        return MN_ERR(err, MN_EINVAL, "vAP %s needs a radio of box %s", inst_id(p, i), B->id);
    if (radio_nvaps(p, radio) >= mn_wifi_max_vaps(p->w->radios[radio].cfg.std))
        return MN_ERR(err, MN_ERANGE, "radio %s carries its most vAPs", p->w->radios[radio].id);
    return MN_OK;
}

/* ---- the checking backend ---- */

static int cb_place(void *ctx, uint32_t i, uint32_t box, uint32_t radio, mn_err *err)
{
    mn_emu_pol *p = ctx;
    if (i >= p->view.ninsts || box >= p->w->nboxes)
        return MN_ERR(err, MN_EINVAL, "no such instance or box");
    int rc;
    if (!inst_movable(p, i) || mn_emu_inst_box(p->e, i) != MN_NONE)
        rc = MN_ERR(err, MN_EINVAL, "%s is not an unplaced movable instance", inst_id(p, i));
    else if (!is_candidate(p, i, box))
        rc =
            MN_ERR(err, MN_EINVAL, "box %s is not among %s's boxes", box_id(p, box), inst_id(p, i));
    else
        rc = fits(p, i, box, is_vap(p, i) ? radio : MN_NONE, err);
    if (rc == MN_OK)
        rc = p->inner->ops->place(p->inner->ctx, i, box, is_vap(p, i) ? radio : MN_NONE, err);
    if (rc == MN_OK) {
        book(p, i, box, 1);
        p->box[box].powered = 1;
        p->placed++;
    } else {
        p->refused++;
    }
    logf_(p, "place", inst_id(p, i), "", box_id(p, box), rc, rc == MN_OK ? "" : err->msg);
    return rc;
}

static int cb_remove(void *ctx, uint32_t i, mn_err *err)
{
    mn_emu_pol *p = ctx;
    if (i >= p->view.ninsts || !inst_movable(p, i) || mn_emu_inst_box(p->e, i) == MN_NONE)
        return MN_ERR(err, MN_EINVAL, "only a running movable instance can be removed");
    uint32_t box = mn_emu_inst_box(p->e, i);
    int rc = p->inner->ops->remove(p->inner->ctx, i, err);
    if (rc == MN_OK)
        book(p, i, box, -1);
    logf_(p, "remove", inst_id(p, i), box_id(p, box), "", rc, rc == MN_OK ? "" : err->msg);
    return rc;
}

static double user_phy(const void *ctx, uint32_t u, uint32_t radio);

static int cb_associate(void *ctx, uint32_t u, uint32_t v, mn_err *err)
{
    mn_emu_pol *p = ctx;
    if (u >= p->w->nusers)
        return MN_ERR(err, MN_EINVAL, "no such user");
    if (v == MN_NONE || v >= p->w->nvaps || mn_emu_inst_radio(p->e, v) == MN_NONE)
        return MN_ERR(err, MN_EINVAL, "no such vAP, or it is not placed");
    const mn_vap *V = &p->w->vaps[v];
    const mn_user *U = &p->w->users[u];
    if (V->op != U->op || !(V->stacks & U->stacks))
        return MN_ERR(err, MN_EINVAL, "vAP %s cannot serve that user", V->id);
    if (user_phy(p, u, mn_emu_inst_radio(p->e, v)) <= 0)
        return MN_ERR(err, MN_ERANGE, "vAP %s is out of the user's range", V->id);
    uint32_t old = mn_emu_user_vap(p->e, u);
    int rc = p->inner->ops->associate(p->inner->ctx, u, v, err);
    logf_(p, old != MN_NONE && old != v && !p->assoc_fresh ? "handover" : "associate", U->id,
          old != MN_NONE ? p->w->vaps[old].id : "", V->id, rc, rc == MN_OK ? "" : err->msg);
    return rc;
}

static int cb_migrate(void *ctx, uint32_t i, uint32_t box, uint32_t radio, mn_err *err)
{
    mn_emu_pol *p = ctx;
    if (i >= p->view.ninsts || box >= p->w->nboxes)
        return MN_ERR(err, MN_EINVAL, "no such instance or box");
    uint32_t from = mn_emu_inst_box(p->e, i);
    int rc;
    if (!inst_movable(p, i) || from == MN_NONE)
        rc = MN_ERR(err, MN_EINVAL, "%s is not a running movable instance", inst_id(p, i));
    else if (box == from)
        rc = MN_ERR(err, MN_EINVAL, "%s is on box %s already", inst_id(p, i), box_id(p, box));
    else if (!is_candidate(p, i, box))
        rc =
            MN_ERR(err, MN_EINVAL, "box %s is not among %s's boxes", box_id(p, box), inst_id(p, i));
    else
        rc = fits(p, i, box, is_vap(p, i) ? radio : MN_NONE, err);
    if (rc != MN_OK) {
        p->refused++;
        logf_(p, "migrate", inst_id(p, i), box_id(p, from), box_id(p, box), rc, err->msg);
        return rc;
    }
    if (mn_array_reserve((void **)&p->migs, &p->migs_cap, p->nmigs + 1, sizeof *p->migs) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    mn_emu_mig *m = &p->migs[p->nmigs++];
    *m = (mn_emu_mig){i, from, box, mn_time_to_sec(p->view.now), wall_now(), 0, MN_OK};
    rc = p->inner->ops->migrate(p->inner->ctx, i, box, is_vap(p, i) ? radio : MN_NONE, err);
    m->wall_end = wall_now();
    m->rc = rc;
    if (rc == MN_OK) {
        book(p, i, from, -1);
        book(p, i, box, 1);
        p->box[box].powered = 1;
    }
    char detail[64];
    snprintf(detail, sizeof detail, "re-plumbed in %.3f s", m->wall_end - m->wall_start);
    logf_(p, "migrate", inst_id(p, i), box_id(p, from), box_id(p, box), rc,
          rc == MN_OK ? detail : err->msg);
    return rc;
}

static int cb_tunnel(void *ctx, uint32_t a, uint32_t b, mn_err *err)
{
    mn_emu_pol *p = ctx;
    int rc = p->inner->ops->tunnel(p->inner->ctx, a, b, err);
    logf_(p, "tunnel", "", a < p->w->nsites ? p->w->sites[a].id : "",
          b < p->w->nsites ? p->w->sites[b].id : "", rc, rc == MN_OK ? "" : err->msg);
    return rc;
}

static int cb_set_qos(void *ctx, uint32_t v, double airtime, mn_err *err)
{
    mn_emu_pol *p = ctx;
    if (v >= p->w->nvaps || !(airtime > 0 && airtime <= 1))
        return MN_ERR(err, MN_EINVAL, "set-qos needs a vAP and an airtime share in (0, 1]");
    if (!(p->w->vaps[v].airtime > 0 && p->w->vaps[v].airtime < 1))
        return MN_ERR(err, MN_EINVAL,
                      "vAP %s has no airtime share to change; give it airtime= "
                      "in the scenario",
                      p->w->vaps[v].id);
    if (fabs(p->share[v] - airtime) < 1e-9)
        return MN_OK;
    int rc = p->inner->ops->set_qos(p->inner->ctx, v, airtime, err);
    if (rc == MN_OK)
        p->share[v] = airtime;
    char detail[48];
    snprintf(detail, sizeof detail, "airtime %.3f", airtime);
    logf_(p, "set-qos", p->w->vaps[v].id, "", "", rc, rc == MN_OK ? detail : err->msg);
    return rc;
}

static int cb_power(void *ctx, uint32_t b, int on, mn_err *err)
{
    mn_emu_pol *p = ctx;
    if (b >= p->w->nboxes)
        return MN_ERR(err, MN_EINVAL, "no such box");
    if (!on && p->box[b].hosted)
        return MN_ERR(err, MN_EINVAL, "box %s hosts %u instances: it stays on", box_id(p, b),
                      p->box[b].hosted);
    if (p->box[b].powered == on)
        return MN_OK;
    int rc = p->inner->ops->power(p->inner->ctx, b, on, err);
    if (rc == MN_OK)
        p->box[b].powered = (uint8_t)on;
    logf_(p, on ? "power-on" : "power-off", box_id(p, b), "", "", rc, rc == MN_OK ? "" : err->msg);
    return rc;
}

static const mn_backend_ops checking_backend = {
    .name = "emulation",
    .place = cb_place,
    .remove = cb_remove,
    .associate = cb_associate,
    .migrate = cb_migrate,
    .tunnel = cb_tunnel,
    .set_qos = cb_set_qos,
    .power = cb_power,
};

/* ---- the view ---- */

static mn_pos user_pos(const void *ctx, uint32_t u)
{
    const mn_emu_pol *p = ctx;
    if (p->pos_fixed[u])
        return p->pos_set[u];
    return mn_leg_pos(&p->leg[u], p->view.now);
}

static double user_phy(const void *ctx, uint32_t u, uint32_t radio)
{
    const mn_emu_pol *p = ctx;
    const mn_radio *R = &p->w->radios[radio];
    double d = mn_pos_dist(user_pos(ctx, u), p->w->boxes[R->box].pos);
    return d > R->range_m ? 0 : mn_radio_phy_rate(&R->cfg, d, NULL);
}

static double box_latency(const void *ctx, uint32_t a, uint32_t b)
{
    const mn_emu_pol *p = ctx;
    if (a == b)
        return 0;
    const mn_box *A = &p->w->boxes[a], *B = &p->w->boxes[b];
    double lat = mn_time_to_sec(A->uplink_latency + B->uplink_latency);
    if (A->node == MN_NONE || B->node == MN_NONE)
        return A->node == B->node ? lat : -1;
    uint32_t res[64];
    size_t len;
    mn_time l;
    if (mn_routes_path(p->routes, A->node, B->node, res, 64, &len, &l) != MN_OK)
        return -1;
    return lat + mn_time_to_sec(l);
}

/* The users' legs up to now (scenario time), as the simulator draws them. */
static int advance_legs(mn_emu_pol *p, mn_err *err)
{
    for (uint32_t u = 0; u < p->w->nusers; u++) {
        uint32_t m = p->w->users[u].mobility;
        if (m == MN_NONE)
            continue;
        for (int guard = 0;
             guard < 100000 && p->leg[u].t1 != MN_TIME_MAX && p->view.now >= p->leg[u].t1;
             guard++) {
            mn_leg next;
            int rc = mn_mob_next_leg(&p->w->mobilities[m].m, &p->st[u], p->rng_mob, &p->leg[u],
                                     &next, err);
            if (rc != MN_OK)
                return rc;
            p->leg[u] = next;
        }
    }
    return MN_OK;
}

/* Byte counters of every dom0's uplink and radios, as loads over the time since the last sample. */
static void sample_loads(mn_emu_pol *p)
{
    double now = wall_now(), dt = now - p->sample_wall;
    p->sample_wall = now;
    const char *up = mn_emu_box_uplink(p->e);
    for (uint32_t b = 0; b < p->w->nboxes; b++) {
        mn_view_box *V = &p->vboxes[b];
        p_box *S = &p->box[b];
        uint64_t rx = S->rx, tx = S->tx;
        double load = 0;
        if (mn_emu_link_bytes(&p->nl[b], up, &rx, &tx, NULL) == MN_OK && dt > 0 &&
            p->w->boxes[b].uplink_bps > 0) {
            double bytes = (double)((rx - S->rx) > (tx - S->tx) ? rx - S->rx : tx - S->tx);
            load = bytes * 8 / dt / p->w->boxes[b].uplink_bps;
        }
        S->rx = rx;
        S->tx = tx;
        V->air_load = 0;
        for (uint32_t k = 0; k < V->nradios; k++) {
            uint32_t r = V->radio_first + k;
            uint64_t rrx = p->radio_rx[r], rtx = p->radio_tx[r];
            double cap = mn_emu_radio_bps(p->e, r);
            if (mn_emu_link_bytes(&p->nl[b], mn_emu_radio_dev(p->e, r), &rrx, &rtx, NULL) ==
                    MN_OK &&
                dt > 0 && cap > 0) {
                uint64_t d = (rrx - p->radio_rx[r]) > (rtx - p->radio_tx[r]) ? rrx - p->radio_rx[r]
                                                                             : rtx - p->radio_tx[r];
                V->air_load = fmax(V->air_load, fmin(1, (double)d * 8 / dt / cap));
            }
            p->radio_rx[r] = rrx;
            p->radio_tx[r] = rtx;
        }
        V->load = fmin(1, fmax(load, V->air_load));
    }
}

/* Everything but the loads (sample_loads): books, placements, users, the clock. */
static int view_refresh(mn_emu_pol *p, mn_err *err)
{
    const mn_world *w = p->w;
    int rc = advance_legs(p, err);
    if (rc != MN_OK)
        return rc;
    for (uint32_t b = 0; b < w->nboxes; b++) {
        const mn_box *B = &w->boxes[b];
        mn_view_box *V = &p->vboxes[b];
        V->cpu_free_hz = B->cpu_hz - B->dom0_cpu_hz - p->box[b].cpu_used;
        V->mem_free_bytes = B->mem_bytes - B->dom0_mem_bytes - p->box[b].mem_used;
        V->uplink_free_bps = B->uplink_bps - p->box[b].up_used;
        V->hosted = p->box[b].hosted;
        V->pinned = p->box[b].pinned;
        V->powered = p->box[b].powered;
        V->up = (uint8_t)!p->box_failed[b];
        V->users = 0;
    }
    for (uint32_t r = 0; r < w->nradios; r++) {
        const mn_radio *R = &w->radios[r];
        mn_view_radio *V = &p->vradios[r];
        V->nvaps = radio_nvaps(p, r);
        /* as the simulator's radio_refresh: the air its vAPs' beacons leave */
        V->air_cap = 1 - mn_wifi_beacon_overhead(&R->cfg, V->nvaps, R->beacon_bytes,
                                                 mn_time_to_sec(R->beacon_interval));
        if (V->air_cap < 1 - MN_WORLD_MAX_BEACON_SHARE)
            V->air_cap = 1 - MN_WORLD_MAX_BEACON_SHARE;
        V->n_tx = 0; /* counted below: every associated user sends (its flows run throughout) */
        V->up = (uint8_t)(!p->radio_failed[r] && !p->box_failed[R->box]);
    }
    for (uint32_t i = 0; i < p->view.ninsts; i++) {
        mn_view_inst *V = &p->vinsts[i];
        V->box = mn_emu_inst_box(p->e, i);
        V->radio = is_vap(p, i) ? mn_emu_inst_radio(p->e, i) : MN_NONE;
        V->state = V->box == MN_NONE ? MN_INST_UNPLACED : MN_INST_RUNNING;
        V->dest = MN_NONE;
        V->users = 0;
        V->airtime =
            is_vap(p, i) && w->vaps[i].airtime > 0 && w->vaps[i].airtime < 1 ? p->share[i] : 0;
    }
    for (uint32_t u = 0; u < w->nusers; u++) {
        uint32_t v = mn_emu_user_vap(p->e, u);
        const mn_user *U = &w->users[u];
        uint8_t online = (uint8_t)(p->pos_fixed[u] || p->leg[u].online);
        p->vusers[u] = (mn_view_user){U->op,
                                      U->sla,
                                      v,
                                      online,
                                      (uint8_t)(online && v == MN_NONE),
                                      (uint8_t)(online && p->usr[u].violating),
                                      U->stacks};
        if (v != MN_NONE) {
            p->vinsts[v].users++;
            if (p->vinsts[v].box != MN_NONE)
                p->vboxes[p->vinsts[v].box].users++;
            if (p->vinsts[v].radio != MN_NONE)
                p->vradios[p->vinsts[v].radio].n_tx++;
        }
    }
    for (uint32_t i = 0; i < p->view.ninsts; i++) {
        mn_view_inst *V = &p->vinsts[i];
        V->load = 0;
        /* a vAP forwards in dom0: its users' part of its box's load; a VM's CPU is not measured */
        if (V->box != MN_NONE && is_vap(p, i) && p->vboxes[V->box].users)
            V->load = p->vboxes[V->box].load * V->users / p->vboxes[V->box].users;
    }
    return MN_OK;
}

/* ---- set-up ---- */

int mn_emu_pol_create(mn_emu *e, const mn_net *n, const mn_emu_pol_opts *o, mn_emu_pol **out,
                      mn_err *err)
{
    const mn_world *w = &n->world;
    const mn_world_policies *pp = &w->policies;
    mn_emu_pol *p = mn_calloc(1, sizeof *p);
    if (!p)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    p->e = e;
    p->n = n;
    p->w = w;
    p->inner = mn_emu_backend(e);
    p->be = (mn_backend){&checking_backend, p};
    p->scale = o && o->time_scale > 0 ? o->time_scale : 1;
    p->period = pp->period > 0 ? pp->period : mn_time_from_sec(60);
    p->source = "place";
    const char *names[3];
    for (int k = 0; k < 3; k++)
        names[k] = o && o->policy[k] ? o->policy[k] : pp->name[k];
    int rc = MN_OK;
    if (!(p->place = mn_place_lookup(names[0], err)) || !(p->lb = mn_lb_lookup(names[1], err)) ||
        !(p->mig = mn_mig_lookup(names[2], err))) {
        rc = err ? err->code : MN_EINVAL;
        if (err && pp->line) {
            char where[200], msg[sizeof err->msg + 16];
            snprintf(where, sizeof where, "%s:%ld", pp->file, pp->line);
            snprintf(msg, sizeof msg, "policies: %s", err->msg);
            rc = mn_err_set_at(err, MN_EINVAL, where, "%s", msg);
        }
        mn_emu_pol_destroy(p);
        return rc ? rc : MN_EINVAL;
    }
    size_t ni = w->nvaps + w->nvms;
    p->nl = mn_calloc(w->nboxes + 1, sizeof *p->nl);
    p->box = mn_calloc(w->nboxes + 1, sizeof *p->box);
    p->radio_rx = mn_calloc(w->nradios + 1, sizeof *p->radio_rx);
    p->radio_tx = mn_calloc(w->nradios + 1, sizeof *p->radio_tx);
    p->share = mn_calloc(w->nvaps + 1, sizeof *p->share);
    p->leg = mn_calloc(w->nusers + 1, sizeof *p->leg);
    p->st = mn_calloc(w->nusers + 1, sizeof *p->st);
    p->pos_set = mn_calloc(w->nusers + 1, sizeof *p->pos_set);
    p->pos_fixed = mn_calloc(w->nusers + 1, 1);
    p->vboxes = mn_calloc(w->nboxes + 1, sizeof *p->vboxes);
    p->vradios = mn_calloc(w->nradios + 1, sizeof *p->vradios);
    p->vinsts = mn_calloc(ni + 1, sizeof *p->vinsts);
    p->vusers = mn_calloc(w->nusers + 1, sizeof *p->vusers);
    p->vsla_min = mn_calloc(w->nslas + 1, sizeof *p->vsla_min);
    p->vsite_ids = mn_calloc(w->nsites + 1, sizeof *p->vsite_ids);
    p->usr = mn_calloc(w->nusers + 1, sizeof *p->usr);
    p->box_failed = mn_calloc(w->nboxes + 1, 1);
    p->radio_failed = mn_calloc(w->nradios + 1, 1);
    for (size_t s = 0; p->vsite_ids && s < w->nsites; s++)
        p->vsite_ids[s] = w->sites[s].id;
    if (!p->usr || !p->vsite_ids || !p->box_failed || !p->radio_failed || !p->nl || !p->box ||
        !p->radio_rx || !p->radio_tx || !p->share || !p->leg || !p->st || !p->pos_set ||
        !p->pos_fixed || !p->vboxes || !p->vradios || !p->vinsts || !p->vusers || !p->vsla_min) {
        mn_emu_pol_destroy(p);
        return MN_ERR(err, MN_ENOMEM, "out of memory for the policies' view");
    }
    uint64_t seed = o ? o->seed : 1;
    if ((rc = mn_rng_create(seed, "policy", NULL, &p->rng_policy, err)) != MN_OK ||
        (rc = mn_rng_create(seed, "mobility", NULL, &p->rng_mob, err)) != MN_OK ||
        (rc = mn_routes_create(n, &p->routes, err)) != MN_OK) {
        mn_emu_pol_destroy(p);
        return rc;
    }
    for (uint32_t b = 0; b < w->nboxes; b++) {
        const mn_box *B = &w->boxes[b];
        if ((rc = mn_emu_nl_open(&p->nl[b], mn_emu_box_ns(e, b), err)) != MN_OK) {
            mn_emu_pol_destroy(p);
            return rc;
        }
        p->box[b].cpu_used = B->cpu_used_hz;
        p->box[b].mem_used = B->mem_used_bytes;
        p->box[b].powered = 1;
        p->vboxes[b] = (mn_view_box){.id = B->id,
                                     .pos = B->pos,
                                     .node = B->node,
                                     .site = B->site,
                                     .cpu_hz = B->cpu_hz,
                                     .mem_bytes = B->mem_bytes,
                                     .uplink_bps = B->uplink_bps,
                                     .power_idle_w = B->power_idle_w,
                                     .power_max_w = B->power_max_w,
                                     .radio_first = MN_NONE,
                                     .up = 1,
                                     .powered = 1};
    }
    for (uint32_t r = 0; r < w->nradios; r++) {
        const mn_radio *R = &w->radios[r];
        mn_view_box *VB = &p->vboxes[R->box];
        if (VB->radio_first == MN_NONE)
            VB->radio_first = r;
        VB->nradios++;
        p->vradios[r] =
            (mn_view_radio){R->box, 0, mn_wifi_max_vaps(R->cfg.std), R->range_m, 1, R->id, 1, 0};
    }
    for (uint32_t b = 0; b < w->nboxes; b++)
        if (p->vboxes[b].radio_first == MN_NONE)
            p->vboxes[b].radio_first = 0;
    for (uint32_t i = 0; i < ni; i++) {
        int vap = i < w->nvaps;
        const mn_vap *V = vap ? &w->vaps[i] : NULL;
        const mn_vm *M = vap ? NULL : &w->vms[i - w->nvaps];
        int movable = vap ? V->movable : M->movable;
        uint32_t box = vap ? V->box : M->box;
        if (!movable && box != MN_NONE) {
            p->box[box].hosted++;
            p->box[box].pinned++;
        }
        if (vap)
            p->share[i] = V->airtime;
        p->vinsts[i] = (mn_view_inst){.id = vap ? V->id : M->id,
                                      .line = vap ? V->line : M->line,
                                      .kind = vap ? MN_INST_VAP : MN_INST_VM,
                                      .movable = (uint8_t)movable,
                                      .op = vap ? V->op : M->op,
                                      .follows = vap ? V->follows : MN_NONE,
                                      .cpu_hz = vap ? V->cpu_hz : M->cpu_hz,
                                      .mem_bytes = vap ? V->mem_bytes : M->mem_bytes,
                                      .uplink_bps = vap ? V->uplink_bps : M->uplink_bps,
                                      .dirty_bps = vap ? V->dirty_bps : M->dirty_bps,
                                      .cand = vap ? V->cand : M->cand,
                                      .ncand = vap ? V->ncand : M->ncand,
                                      .on_demand = vap ? V->on_demand : 0,
                                      .stacks = vap ? V->stacks : M->stacks,
                                      .tunnel_site = vap ? V->tunnel_site : MN_NONE,
                                      .max_users = vap ? V->max_users : 0};
    }
    for (size_t s = 0; s < w->nslas; s++)
        p->vsla_min[s] = w->slas[s].min_bps;
    /* the users' first legs, as the simulator draws them (a trace's k-th user at its k-th point) */
    static const mn_mobility static_mob = {.kind = MN_MOB_STATIC};
    uint32_t *on_trace = mn_calloc(w->nmobilities + 1, sizeof *on_trace);
    if (!on_trace) {
        mn_emu_pol_destroy(p);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    for (uint32_t u = 0; u < w->nusers && rc == MN_OK; u++) {
        const mn_user *U = &w->users[u];
        const mn_mobility *m = U->mobility != MN_NONE ? &w->mobilities[U->mobility].m : &static_mob;
        p->st[u] = U->st;
        if (m->kind == MN_MOB_TRACE)
            p->st[u].index = on_trace[U->mobility]++;
        rc = mn_mob_first_leg(m, &p->st[u], p->rng_mob, 0, &p->leg[u], err);
    }
    mn_free(on_trace);
    if (rc != MN_OK) {
        mn_emu_pol_destroy(p);
        return rc;
    }
    p->view = (mn_view){.boxes = p->vboxes,
                        .nboxes = w->nboxes,
                        .radios = p->vradios,
                        .nradios = w->nradios,
                        .insts = p->vinsts,
                        .ninsts = ni,
                        .nvaps = w->nvaps,
                        .users = p->vusers,
                        .nusers = w->nusers,
                        .high = pp->high,
                        .low = pp->low,
                        .sla_min_bps = p->vsla_min,
                        .ctx = p,
                        .user_pos = user_pos,
                        .user_phy = user_phy,
                        .box_latency = box_latency,
                        .site_ids = p->vsite_ids,
                        .nsites = w->nsites};
    p->sample_wall = wall_now();
    sample_loads(p); /* the counters' start */
    *out = p;
    rc = view_refresh(p, err);
    for (uint32_t u = 0; u < w->nusers; u++)
        p->usr[u].was_online = p->vusers[u].online; /* online at time 0: not "came online" */
    return rc;
}

static mn_pos *positions(mn_emu_pol *p)
{
    mn_pos *pos = mn_calloc(p->w->nusers + 1, sizeof *pos);
    for (uint32_t u = 0; pos && u < p->w->nusers; u++)
        pos[u] = user_pos(p, u);
    return pos;
}

static int associate_unserved(mn_emu_pol *p, mn_err *err)
{
    mn_pos *pos = positions(p);
    if (!pos)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    int rc = mn_emu_associate_unserved(p->e, pos, err);
    mn_free(pos);
    return rc;
}

/* ---- balancing (the simulator's association, on the view) ---- */

#define EMU_MAX_CAND 64 /* as the simulator's W_MAX_CAND */

static int handover_record(mn_emu_pol *p, uint32_t u, uint32_t from, uint32_t to, int rc)
{
    if (mn_array_reserve((void **)&p->hos, &p->hos_cap, p->nhos + 1, sizeof *p->hos) != MN_OK)
        return MN_ENOMEM;
    p->hos[p->nhos++] = (mn_emu_handover){u, from, to, mn_time_to_sec(p->view.now), wall_now(), rc};
    return MN_OK;
}

/*
 * Every online user (only_unserved: those without a vAP) to the vAP the
 * balancing policy picks among its candidates in the view, as the
 * simulator's best_vap does (mn_lb_pick: choose(), then the hysteresis),
 * through the checking backend. A user no vAP reaches keeps what it has.
 */
static int balance(mn_emu_pol *p, int only_unserved, mn_err *err)
{
    mn_lb_cand c[EMU_MAX_CAND];
    const char *was = p->source;
    p->source = "balancing";
    int rc = MN_OK;
    for (uint32_t u = 0; u < p->view.nusers && rc == MN_OK; u++) {
        uint32_t cur = p->vusers[u].vap;
        if (!p->vusers[u].online || (only_unserved && cur != MN_NONE))
            continue;
        size_t n = mn_lb_view_cands(&p->view, u, c, EMU_MAX_CAND);
        if (n == 0)
            continue;
        /* come online: a fresh association, as the simulator's (it left its vAP going offline) */
        int fresh = p->usr[u].came_online;
        uint32_t v = c[mn_lb_pick(p->lb, &p->view, u, c, n, fresh ? MN_NONE : cur,
                                  p->w->policies.hysteresis)]
                         .vap;
        if (v == cur)
            continue;
        mn_err aerr = {0};
        p->assoc_fresh = (uint8_t)fresh;
        rc = p->be.ops->associate(p, u, v, &aerr);
        p->assoc_fresh = 0;
        if (rc == MN_ERANGE || rc == MN_EINVAL) {
            p->refused++;
            rc = MN_OK; /* the policy was wrong: refused and logged by the checking backend */
            continue;
        }
        if (cur != MN_NONE && !fresh) {
            if (handover_record(p, u, cur, v, rc) != MN_OK) {
                rc = MN_ERR(err, MN_ENOMEM, "out of memory");
                break;
            }
            if (rc == MN_OK) {
                /* the interruption of a handover (re-authentication, re-association) */
                double cost = mn_time_to_sec(p->w->policies.handover_cost);
                p->usr[u].acc.handovers++;
                p->usr[u].acc.outage_s += cost;
                p->handover_outage_s += cost;
            }
        }
        if (rc != MN_OK) {
            if (err)
                *err = aerr;
            break;
        }
        rc = view_refresh(p, err); /* the next user sees this one's choice (users per vAP) */
    }
    p->source = was;
    return rc;
}

/* ---- SLA accounting from the measured traffic ---- */

static const mn_sla *flow_sla(const mn_emu_pol *p, size_t k)
{
    uint32_t s = p->flow_svc[k] < p->w->nservices ? p->w->services[p->flow_svc[k]].sla : MN_NONE;
    if (s == MN_NONE)
        s = p->w->users[p->flow_user[k]].sla;
    return s != MN_NONE && s < p->w->nslas ? &p->w->slas[s] : NULL;
}

/*
 * The window since the last tick, per online user (the simulator's rule,
 * docs/models.md section 5, on what the receivers counted): a flow with an
 * SLA violates when it received less than its need, min-throughput capped
 * at its service's rate, by more than MN_EMU_SLA_TOLERANCE, or when its
 * datagrams' mean one-way delay exceeds max-delay; an associated user
 * violates when one of its flows does. An online user without a vAP is in
 * outage, violating from max-outage after the outage began. Only the part
 * of the window the traffic was sending in counts (the last window may run
 * past the traffic's end); a window less than half in it is not judged; so
 * is a flow sending in less than half of it (a session that starts or ends
 * there, or is not on: see below).
 * Example: a 4 Mbit/s stream under a 3 Mbit/s minimum through a 2 Mbit/s
 * uplink receives ~1.9 Mbit/s < 3 x 0.95: the whole window is violation.
 */
static void sla_tick(mn_emu_pol *p)
{
    if (!p->traffic)
        return;
    double now = mn_emu_traffic_now(p->traffic), t0 = p->sla_last;
    double dt = now - t0, sending = fmin(now, p->traffic_dur) - fmax(t0, 0);
    p->sla_last = now;
    double frac = dt > 0 ? fmin(1, fmax(0, sending / dt)) : 0;
    const mn_world *w = p->w;
    for (uint32_t u = 0; u < w->nusers; u++) {
        p->usr[u].violating = 0;
        p->usr[u].viol_active = 0;
    }
    int judged = frac >= 0.5;
    double span = sending * p->scale; /* scenario seconds of traffic in the window */
    for (size_t k = 0; k < p->nflows; k++) {
        uint64_t bytes, n;
        double delay;
        mn_emu_traffic_window(p->traffic, k, &p->marks[k], &bytes, &n, &delay);
        uint32_t u = p->flow_user[k];
        const mn_sla *sla = flow_sla(p, k);
        if (!judged || !sla || u >= w->nusers || !p->vusers[u].online ||
            p->vusers[u].vap == MN_NONE)
            continue;
        /*
         * The part of the window the flow was sending in: a session's
         * [start_s, stop_s), a sized transfer's until the receiver read its
         * end; the whole run for a continuous flow. A flow sending for
         * less than 0.1 s (or half the window, if that is shorter) of it is
         * not judged in it: too little to measure. No session: no demand,
         * as in the simulator, where an SLA applies to active sessions; the
         * violation is the time its violating flows were sending.
         */
        const mn_emu_flow_spec *fs = mn_emu_traffic_spec(p->traffic, k);
        double from = fmax(fmax(t0, 0), fs->start_s);
        double to = fmin(now, p->traffic_dur);
        if (fs->stop_s > 0)
            to = fmin(to, fs->stop_s);
        if (fs->tcp && fs->size_bytes > 0) {
            mn_emu_flow_stats st;
            mn_emu_traffic_snapshot(p->traffic, k, &st);
            if (st.eof_at > 0)
                to = fmin(to, st.eof_at);
        }
        double active = to - from;
        if (!(active >= fmin(0.1, 0.5 * dt)))
            continue;
        p_user *S = &p->usr[u];
        const mn_service *svc = &w->services[p->flow_svc[k]];
        double need = mn_sla_need_bps(sla, svc);
        double bps = (double)bytes * 8 / active; /* wall seconds: the rates are real ones */
        if (need > 0) {
            if (S->acc.min_bps == 0 || need > S->acc.min_bps)
                S->acc.min_bps = need;
            if (S->acc.worst_bps == 0 || bps < S->acc.worst_bps)
                S->acc.worst_bps = bps;
        }
        if (n && delay > S->acc.worst_delay_s)
            S->acc.worst_delay_s = delay;
        if (mn_sla_violated(sla, svc, bps, delay, n > 0, MN_EMU_SLA_TOLERANCE)) {
            S->violating = 1;
            S->viol_active += active;
        }
    }
    if (!judged)
        return;
    for (uint32_t u = 0; u < w->nusers; u++) {
        p_user *S = &p->usr[u];
        if (!p->vusers[u].online) {
            S->in_outage = 0;
            continue;
        }
        S->acc.windows++;
        S->acc.online_s += span;
        /* the part of the window its violating flows were sending (a continuous flow: all) */
        double viol = S->violating ? fmin(span, span * S->viol_active / sending) : 0;
        if (p->vusers[u].vap == MN_NONE) {
            const mn_sla *sla = w->users[u].sla != MN_NONE ? &w->slas[w->users[u].sla] : NULL;
            if (!S->in_outage) {
                S->in_outage = 1;
                S->outage_since = p->view.now - p->period; /* it began in this window */
            }
            S->acc.outage_s += span;
            if (sla && sla->max_outage != MN_TIME_MAX) {
                double from = mn_time_to_sec(S->outage_since + sla->max_outage);
                double over = mn_time_to_sec(p->view.now) - from;
                viol = fmax(0, fmin(span, over));
                S->violating = viol > 0;
            }
        } else {
            S->in_outage = 0;
        }
        if (S->violating) {
            S->acc.violating_windows++;
            S->acc.violation_s += viol;
        }
    }
}

/* user-online since the last tick, and SLA violation now, for mn_rules_run_user_events. */
static unsigned user_events(const void *ctx, uint32_t u, uint32_t *vap)
{
    const mn_emu_pol *p = ctx;
    *vap = p->vusers[u].vap;
    if (*vap == MN_NONE)
        return 0;
    return (p->vusers[u].online && p->usr[u].violating ? MN_RULE_USER_VIOLATING : 0u) |
           (p->usr[u].came_online ? MN_RULE_USER_CAME_ONLINE : 0u);
}

int mn_emu_pol_set_traffic(mn_emu_pol *p, const mn_emu_traffic *t, const uint32_t *flow_user,
                           const uint32_t *flow_svc, size_t nflows, double duration_s, mn_err *err)
{
    mn_free(p->flow_user);
    mn_free(p->flow_svc);
    mn_free(p->marks);
    p->flow_user = mn_calloc(nflows + 1, sizeof *p->flow_user);
    p->flow_svc = mn_calloc(nflows + 1, sizeof *p->flow_svc);
    p->marks = mn_calloc(nflows + 1, sizeof *p->marks);
    p->traffic = NULL;
    p->nflows = 0;
    if (!p->flow_user || !p->flow_svc || !p->marks)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    for (size_t k = 0; k < nflows; k++) {
        p->flow_user[k] = flow_user[k];
        p->flow_svc[k] = flow_svc[k];
    }
    p->traffic = t;
    p->nflows = nflows;
    p->traffic_dur = duration_s;
    p->sla_last = 0;
    return MN_OK;
}

int mn_emu_pol_place(mn_emu_pol *p, mn_err *err)
{
    const mn_world *w = p->w;
    p->source = "place";
    int rc = view_refresh(p, err), any_movable = 0;
    for (uint32_t i = 0; i < p->view.ninsts && rc == MN_OK; i++) {
        if (!p->vinsts[i].movable || mn_emu_inst_box(p->e, i) != MN_NONE)
            continue;
        any_movable = 1;
        if (i < w->nvaps && w->vaps[i].on_demand)
            continue; /* the agents place these when a user needs one */
        uint32_t radio = MN_NONE, box = p->place->choose(&p->view, i, p->rng_policy, &radio);
        if (box == MN_NONE) {
            p->refused++;
            logf_(p, "place", inst_id(p, i), "", "", MN_ERANGE,
                  "the placement policy found no box");
            continue;
        }
        mn_err perr = {0};
        rc = p->be.ops->place(p, i, box, radio, &perr);
        if (rc == MN_ERANGE || rc == MN_EINVAL)
            rc = MN_OK; /* the policy was wrong: refused, counted, logged */
        else if (rc != MN_OK && err)
            *err = perr;
        if (rc == MN_OK)
            rc = view_refresh(p, err);
    }
    if (rc == MN_OK && any_movable && p->place->after)
        rc = p->place->after(&p->view, &p->be, err);
    if (rc == MN_OK)
        rc = view_refresh(p, err);
    if (rc == MN_OK)
        rc = balance(p, 1, err); /* online users nothing serves: the balancing policy's choice */
    if (rc == MN_OK)
        rc = associate_unserved(p, err);
    if (rc == MN_OK)
        rc = view_refresh(p, err);
    return rc;
}

/* ---- the policy clock ---- */

static void rule_log(void *ctx, const mn_rule *rule, uint32_t subject, const mn_rule_action *a,
                     int rc, const char *reason)
{
    mn_emu_pol *p = ctx;
    const char *subj = "";
    if (rule->subject == MN_RULE_BOX)
        subj = box_id(p, subject);
    else if (subject != MN_NONE) {
        uint32_t i = subject; /* a view instance index: VMs come after the vAPs already */
        subj = i < p->view.ninsts ? inst_id(p, i) : "";
    }
    char detail[200];
    snprintf(detail, sizeof detail, "rule %s (%s:%ld): %s%s%s", rule->id, rule->file, rule->line,
             mn_rule_action_name(a->kind), reason && *reason ? "; " : "", reason ? reason : "");
    const char *was = p->source;
    p->source = "rule";
    logf_(p, "rule", subj, "", "", rc, detail);
    p->source = was;
}

static int rules_tick(mn_emu_pol *p, mn_err *err)
{
    const mn_ruleset *rs = &p->w->rules;
    int rc = mn_rules_run_view_events(rs, &p->view, &p->be, rule_log, p, err);
    if (rc == MN_OK)
        rc = mn_rules_run_user_events(rs, &p->view, &p->be, p->w->nusers, user_events, p, rule_log,
                                      p, err);
    if (rc == MN_OK)
        rc = mn_rules_run(rs, &p->view, &p->be, MN_RULE_ON_PERIOD, MN_NONE, rule_log, p, err);
    return rc;
}

static int has_on_demand(const mn_emu_pol *p)
{
    for (size_t v = 0; v < p->w->nvaps; v++)
        if (p->w->vaps[v].on_demand)
            return 1;
    return 0;
}

/* agent.c's trace, into policy.csv: the step as the action, the user as the subject. */
static void agent_trace(void *ctx, uint32_t box, const char *step, uint32_t u, uint32_t inst,
                        const char *detail)
{
    mn_emu_pol *p = ctx;
    logf_(p, step, u < p->w->nusers ? p->w->users[u].id : "", box_id(p, box),
          inst != MN_NONE ? inst_id(p, inst) : "", MN_OK, detail);
}

/* The boxes' agents (agent.h, the same code as in simulation), for the users nothing serves. */
static int agents_tick(mn_emu_pol *p, mn_err *err)
{
    int rc = MN_OK;
    const char *was = p->source;
    p->source = "agent";
    for (uint32_t u = 0; u < p->view.nusers && rc == MN_OK; u++) {
        if (!p->vusers[u].online || p->vusers[u].vap != MN_NONE)
            continue;
        rc = mn_agent_serve(&p->view, &p->be, u, agent_trace, p, err);
        if (rc == 1) {
            p->agent_placed++;
            rc = associate_unserved(p, err);
            if (rc == MN_OK)
                rc = view_refresh(p, err);
        }
        rc = rc < 0 ? rc : MN_OK;
    }
    p->source = was;
    return rc;
}

static int any_capped(const mn_emu_pol *p)
{
    for (size_t v = 0; v < p->w->nvaps; v++)
        if (p->w->vaps[v].airtime > 0 && p->w->vaps[v].airtime < 1)
            return 1;
    return 0;
}

int mn_emu_pol_active(const mn_emu_pol *p)
{
    int movable = 0;
    for (size_t i = 0; i < p->view.ninsts; i++)
        movable |= p->vinsts[i].movable;
    int moving = 0, sla = 0;
    for (size_t u = 0; u < p->w->nusers; u++) {
        uint32_t m = p->w->users[u].mobility;
        moving |= m != MN_NONE && p->w->mobilities[m].m.kind != MN_MOB_STATIC;
        sla |= p->w->users[u].sla != MN_NONE;
    }
    for (size_t k = 0; k < p->w->nservices; k++)
        sla |= p->w->services[k].sla != MN_NONE;
    return (movable && strcmp(p->mig->name, "none") != 0) ||
           (p->w->rules.nrules && p->w->policies.agent) || (p->lb->shares && any_capped(p)) ||
           (p->w->policies.agent && has_on_demand(p)) || moving || (sla && p->nflows);
}

int mn_emu_pol_tick(mn_emu_pol *p, mn_err *err)
{
    p->k++;
    p->view.now = (mn_time)p->k * p->period;
    sample_loads(p);
    int rc = view_refresh(p, err);
    for (uint32_t u = 0; u < p->w->nusers; u++) {
        p_user *S = &p->usr[u];
        S->came_online = p->vusers[u].online && !S->was_online;
        S->was_online = p->vusers[u].online;
    }
    sla_tick(p); /* the window since the last tick, as it was associated */
    if (rc == MN_OK)
        rc = view_refresh(p, err); /* the users' violating flags */
    if (rc == MN_OK)
        rc = balance(p, 0, err);
    if (rc == MN_OK && p->w->policies.agent && has_on_demand(p))
        rc = agents_tick(p, err);
    p->source = "rule";
    if (rc == MN_OK && p->w->rules.nrules && p->w->policies.agent)
        rc = rules_tick(p, err);
    p->source = "policy";
    if (rc == MN_OK)
        rc = view_refresh(p, err);
    if (rc == MN_OK && p->lb->shares && any_capped(p))
        rc = p->lb->shares(&p->view, &p->be, err);
    if (rc == MN_OK)
        rc = p->mig->tick(&p->view, &p->be, err);
    if (rc == MN_ERANGE || rc == MN_EINVAL)
        rc = MN_OK; /* a refusal the policy passed on: logged by the checking backend */
    if (rc == MN_OK)
        rc = associate_unserved(p, err);
    if (rc == MN_OK)
        rc = view_refresh(p, err);
    return rc;
}

/* ---- faults (emu/faults.c) ---- */

static const char *fault_target_id(const mn_emu_pol *p, int kind, uint32_t target)
{
    const mn_world *w = p->w;
    switch (kind) {
    case MN_FAULT_BOX:
        return box_id(p, target);
    case MN_FAULT_RADIO:
        return target < w->nradios ? w->radios[target].id : "";
    case MN_FAULT_LINK:
        return target < p->n->nlinks ? p->n->links[target].id : "";
    default:
        return target < w->nvms ? w->vms[target].id : "";
    }
}

int mn_emu_pol_fault(mn_emu_pol *p, const mn_emu_pol_fault_ev *ev, mn_err *err)
{
    const mn_world *w = p->w;
    mn_time now_was = p->view.now;
    const char *was = p->source;
    p->view.now = ev->t;
    p->source = "fault";
    char detail[200];
    snprintf(detail, sizeof detail, "%s %s%s%s",
             ev->kind == MN_FAULT_BOX     ? "box"
             : ev->kind == MN_FAULT_RADIO ? "radio"
             : ev->kind == MN_FAULT_LINK  ? "link"
                                          : "vm",
             ev->changed ? (ev->down ? "down" : "up") : (ev->down ? "already down" : "still down"),
             ev->rc == MN_OK ? "" : "; not emulated: ", ev->rc == MN_OK ? "" : ev->msg);
    logf_(p, ev->down ? "fail" : "repair", fault_target_id(p, ev->kind, ev->target), ev->fault_id,
          "", ev->rc, detail);
    int rc = MN_OK;
    if (ev->changed) {
        if (ev->kind == MN_FAULT_BOX && ev->target < w->nboxes)
            p->box_failed[ev->target] = ev->down;
        else if (ev->kind == MN_FAULT_RADIO && ev->target < w->nradios)
            p->radio_failed[ev->target] = ev->down;
        else if (ev->kind == MN_FAULT_LINK && ev->target < p->n->nlinks)
            mn_routes_set_up(p->routes, ev->target, !ev->down); /* box_latency, as the simulator */
        rc = view_refresh(p, err);
        /* the rules' box-failure trigger, as the simulator's on_down (w_rules_event) */
        if (rc == MN_OK && ev->kind == MN_FAULT_BOX && ev->down) {
            if (w->rules.nrules && w->policies.agent) {
                p->source = "rule";
                rc = mn_rules_run(&w->rules, &p->view, &p->be, MN_RULE_ON_BOX_FAILURE, ev->target,
                                  rule_log, p, err);
                if (rc == MN_ERANGE || rc == MN_EINVAL)
                    rc = MN_OK; /* a refusal: logged by the checking backend */
                if (rc == MN_OK)
                    rc = view_refresh(p, err);
            }
        }
    }
    p->source = was;
    p->view.now = now_was;
    return rc;
}

static void on_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    mn_emu_pol *p = t->data;
    mn_err err = {0};
    int rc = mn_emu_pol_tick(p, &err);
    if (rc != MN_OK) {
        p->status = rc;
        p->status_err = err;
        mn_emu_pol_stop(p);
    }
}

double mn_emu_pol_period_wall(const mn_emu_pol *p)
{
    return mn_time_to_sec(p->period) / p->scale;
}

void mn_emu_pol_start(mn_emu_pol *p, struct ev_loop *loop)
{
    double every = mn_emu_pol_period_wall(p);
    p->loop = loop;
    ev_timer_init(&p->timer, on_tick, every, every);
    p->timer.data = p;
    ev_timer_start(loop, &p->timer);
}

void mn_emu_pol_stop(mn_emu_pol *p)
{
    if (p && p->loop) {
        ev_timer_stop(p->loop, &p->timer);
        p->loop = NULL;
    }
}

int mn_emu_pol_status(const mn_emu_pol *p, mn_err *err)
{
    if (p->status != MN_OK && err)
        *err = p->status_err;
    return p->status;
}

void mn_emu_pol_set_user_pos(mn_emu_pol *p, uint32_t u, mn_pos pos)
{
    if (u >= p->w->nusers)
        return;
    p->pos_set[u] = pos;
    p->pos_fixed[u] = 1;
}

const mn_backend *mn_emu_pol_backend(mn_emu_pol *p)
{
    return &p->be;
}

const mn_view *mn_emu_pol_view(const mn_emu_pol *p)
{
    return &p->view;
}

size_t mn_emu_pol_nmigs(const mn_emu_pol *p)
{
    return p->nmigs;
}

const mn_emu_mig *mn_emu_pol_mig(const mn_emu_pol *p, size_t k)
{
    return k < p->nmigs ? &p->migs[k] : NULL;
}

size_t mn_emu_pol_nhandovers(const mn_emu_pol *p)
{
    return p->nhos;
}

const mn_emu_handover *mn_emu_pol_handover(const mn_emu_pol *p, size_t k)
{
    return k < p->nhos ? &p->hos[k] : NULL;
}

const mn_emu_user_sla *mn_emu_pol_user_sla(const mn_emu_pol *p, uint32_t u)
{
    return u < p->w->nusers ? &p->usr[u].acc : NULL;
}

void mn_emu_pol_sla_totals(const mn_emu_pol *p, double *violation_s, double *outage_s,
                           double *handover_outage_s)
{
    double v = 0, o = 0;
    for (uint32_t u = 0; u < p->w->nusers; u++) {
        v += p->usr[u].acc.violation_s;
        o += p->usr[u].acc.outage_s;
    }
    if (violation_s)
        *violation_s = v;
    if (outage_s)
        *outage_s = o;
    if (handover_outage_s)
        *handover_outage_s = p->handover_outage_s;
}

void mn_emu_pol_counts(const mn_emu_pol *p, unsigned *ticks, unsigned *placed, unsigned *refused)
{
    if (ticks)
        *ticks = (unsigned)p->k;
    if (placed)
        *placed = p->placed;
    if (refused)
        *refused = p->refused;
}

void mn_emu_pol_write_log(const mn_emu_pol *p, FILE *f)
{
    fprintf(f, "t_s,wall_s,source,action,subject,from,to,result,detail\n");
    for (size_t k = 0; k < p->nlog; k++) {
        const p_log *L = &p->log[k];
        fprintf(f, "%.3f,%.6f,%s,%s,%s,%s,%s,%s,%s\n", L->t_s, L->wall_s, L->source, L->action,
                L->subject, L->from, L->to, L->result, L->detail);
    }
}

void mn_emu_pol_destroy(mn_emu_pol *p)
{
    if (!p)
        return;
    mn_emu_pol_stop(p);
    for (size_t b = 0; p->nl && b < p->w->nboxes; b++)
        mn_emu_nl_close(&p->nl[b]);
    mn_rng_destroy(p->rng_policy);
    mn_rng_destroy(p->rng_mob);
    mn_routes_destroy(p->routes);
    mn_free(p->nl);
    mn_free(p->box);
    mn_free(p->radio_rx);
    mn_free(p->radio_tx);
    mn_free(p->share);
    mn_free(p->leg);
    mn_free(p->st);
    mn_free(p->pos_set);
    mn_free(p->pos_fixed);
    mn_free(p->vboxes);
    mn_free(p->vradios);
    mn_free(p->vinsts);
    mn_free(p->vusers);
    mn_free(p->vsla_min);
    mn_free(p->vsite_ids);
    mn_free(p->migs);
    mn_free(p->log);
    mn_free(p->usr);
    mn_free(p->box_failed);
    mn_free(p->radio_failed);
    mn_free(p->hos);
    mn_free(p->flow_user);
    mn_free(p->flow_svc);
    mn_free(p->marks);
    mn_free(p);
}
