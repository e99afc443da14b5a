/*
 * wrun.c - running a world: set-up of the solver's resources, users and
 * their mobility, association to vAPs, visitors, outage and SLA state of
 * users, sampling, and the run itself. Sessions are in wrun_sess.c, faults
 * in wrun_fault.c, results in wrun_out.c.
 */
#include "wrun.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/outfile.h"
#include "core/sysinfo.h"
#include "wrun_int.h"

/* A moving user's association is re-checked this often along a leg. */
#define MOVE_STEP (5 * MN_SEC)

void w_fail(wr *r, int rc, const mn_err *e)
{
    if (r->failed)
        return;
    r->failed = 1;
    if (e && e->code != MN_OK)
        r->err = *e;
    else
        MN_ERR(&r->err, rc, "the run failed: %s", mn_strerror(rc));
    mn_engine_stop(r->eng);
}

/* ---- packed event contexts: (generation, index) ---- */

static void *pack(uint32_t gen, uint32_t idx)
{
    return (void *)(uintptr_t)((uint64_t)gen << 32 | idx);
}

static uint32_t unpack_idx(void *ctx)
{
    return (uint32_t)(uintptr_t)ctx;
}

static uint32_t unpack_gen(void *ctx)
{
    return (uint32_t)((uint64_t)(uintptr_t)ctx >> 32);
}

/* ---- SLA state of a user ---- */

void w_user_viol_update(wr *r, uint32_t u)
{
    w_user *U = &r->users[u];
    uint8_t v = U->outage_violating || U->nviol_sess > 0;
    if (v == U->violating)
        return;
    w_user_cold *C = &r->ucold[u];
    mn_time now = mn_engine_now(r->eng);
    r->n_violating += v ? 1 : (size_t)-1;
    if (v) {
        C->viol_since = now;
    } else {
        double d = mn_time_to_sec(now - C->viol_since);
        C->viol_s += d;
        r->op_viol_s[C->op] += d;
    }
    U->violating = v;
}

static void on_outage_too_long(mn_engine *eng, void *ctx)
{
    wr *r = mn_engine_user(eng);
    uint32_t u = unpack_idx(ctx);
    w_user *U = &r->users[u];
    r->ucold[u].outage_ev = MN_EV_NONE;
    if (U->gen != unpack_gen(ctx) || !U->outage)
        return;
    U->outage_violating = 1;
    w_user_viol_update(r, u);
}

void w_user_outage(wr *r, uint32_t u, int in_outage)
{
    w_user *U = &r->users[u];
    w_user_cold *C = &r->ucold[u];
    mn_time now = mn_engine_now(r->eng);
    if (in_outage && !U->outage) {
        U->outage = 1;
        C->outage_since = now;
        if (mn_array_reserve((void **)&r->waiting, &r->waiting_cap, r->nwaiting + 1, sizeof *r->waiting) != MN_OK) {
            w_fail(r, MN_ENOMEM, NULL);
            return;
        }
        C->waiting_at = (uint32_t)r->nwaiting;
        r->waiting[r->nwaiting++] = u;
        w_agent_wake(r); /* the agents' event trigger */
        const mn_sla *sla = U->sla != MN_NONE ? &r->w->slas[U->sla] : NULL;
        if (sla && sla->max_outage != MN_TIME_MAX) {
            if (sla->max_outage == 0) {
                U->outage_violating = 1;
                w_user_viol_update(r, u);
            } else if (mn_ev_schedule_in(r->eng, sla->max_outage, on_outage_too_long, pack(U->gen, u),
                                         &C->outage_ev) != MN_OK) {
                w_fail(r, MN_ENOMEM, NULL);
            }
        }
    } else if (!in_outage && U->outage) {
        U->outage = 0;
        uint32_t last = r->waiting[--r->nwaiting]; /* swap the last waiting user into its place */
        r->waiting[C->waiting_at] = last;
        r->ucold[last].waiting_at = C->waiting_at;
        C->outage_s += mn_time_to_sec(now - C->outage_since);
        mn_ev_cancel(r->eng, &C->outage_ev);
        U->outage_violating = 0;
        w_user_viol_update(r, u);
    }
}

/* ---- association ---- */

/* op: the user's operator (its cold record's) */
static int vap_usable(const wr *r, uint32_t v, const w_user *U, uint32_t op, uint32_t *full)
{
    const w_vap *S = &r->vaps[v];
    if (!S->up || !r->radios[S->radio].up || !r->boxes[S->box].up)
        return 0;
    if (S->op != op || !(S->stacks & U->stacks))
        return 0;
    if (S->max_users && S->nusers >= S->max_users && U->vap != v) {
        if (*full == MN_NONE)
            *full = v;
        return 0;
    }
    return 1;
}

#define W_MAX_CAND 64 /* vAPs in range a balancing policy chooses among (the strongest kept) */
#define W_NEAR_BATCH 32 /* boxes in range whose lines are loaded together */

/* Boxes in range of a user, in scan order, with their distances. */
typedef struct near_boxes {
    uint32_t box[W_NEAR_BATCH];
    double d[W_NEAR_BATCH];
    size_t n;
} near_boxes;

/*
 * Offers the vAPs of a batch of boxes in range, in scan order, as
 * candidates. Their lines are loaded level by level first (the boxes, then
 * their vAP lists and first radios, then the vAPs: each names the next),
 * so that each level's misses overlap across the batch instead of waiting
 * one after the other: at city scale none of them is in cache.
 */
static void offer_boxes(wr *r, const w_user *U, uint32_t op, const near_boxes *nb, mn_lb_cand *c,
                        size_t *n, uint32_t *full)
{
    for (size_t i = 0; i < nb->n; i++)
        __builtin_prefetch(&r->boxes[nb->box[i]]);
    for (size_t i = 0; i < nb->n; i++) { /* the vAP list, and the radio its vAPs mostly share */
        const w_box *SB = &r->boxes[nb->box[i]];
        __builtin_prefetch(&r->box_vaps[SB->vap_first]);
        if (SB->radio_first != MN_NONE) {
            __builtin_prefetch(&r->radios[SB->radio_first]);
        }
    }
    for (size_t i = 0; i < nb->n; i++) {
        const w_box *SB = &r->boxes[nb->box[i]];
        for (uint32_t j = SB->vap_first; j < SB->vap_first + SB->nvaps; j++)
            __builtin_prefetch(&r->vaps[r->box_vaps[j]]);
    }
    for (size_t i = 0; i < nb->n; i++) {
        const w_box *SB = &r->boxes[nb->box[i]];
        double d = nb->d[i];
        uint32_t phy_radio = MN_NONE; /* a box's vAPs mostly share a radio: its rate at d, once */
        double phy = 0;
        for (uint32_t j = SB->vap_first; j < SB->vap_first + SB->nvaps; j++) {
            uint32_t v = r->box_vaps[j];
            const w_vap *V = &r->vaps[v];
            const w_radio *WR = &r->radios[V->radio];
            if (d > WR->range_m || !vap_usable(r, v, U, op, full))
                continue;
            if (V->radio != phy_radio) {
                phy_radio = V->radio;
                phy = mn_radio_phy_rate(w_radio_cfg(r, WR), d, NULL);
            }
            if (phy <= 0)
                continue;
            mn_lb_cand x = {v, phy, mn_lb_predicted(phy, WR->air_cap, V->airtime, WR->n_tx), V->nusers, 0};
            mn_lb_cand_keep(c, n, W_MAX_CAND, &x);
            __builtin_prefetch(&r->vstats[v], 1); /* the one taken counts an association there */
        }
    }
}

/*
 * The vAP user u at its current position should use: the balancing
 * policy's choice among the usable vAPs of its operator in range (a PHY
 * rate above zero); a handover away from the current vAP needs the
 * scenario's hysteresis more PHY rate (mn_lb_pick, shared with emulation).
 * Returns MN_NONE if none; *full is the first vAP in range that refused the
 * user for admission, or MN_NONE.
 */
static uint32_t best_vap(wr *r, uint32_t u, const w_user *U, mn_pos p, double *phy_out, uint32_t *full)
{
    mn_lb_cand c[W_MAX_CAND];
    size_t n = 0;
    *full = MN_NONE;
    *phy_out = 0;
    if (r->gx == 0)
        return MN_NONE;
    double R = r->max_range_m;
    long x0 = (long)floor((p.x - R - r->min_x) / r->cell_m), x1 = (long)floor((p.x + R - r->min_x) / r->cell_m);
    long y0 = (long)floor((p.y - R - r->min_y) / r->cell_m), y1 = (long)floor((p.y + R - r->min_y) / r->cell_m);
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 >= (long)r->gx) x1 = (long)r->gx - 1;
    if (y1 >= (long)r->gy) y1 = (long)r->gy - 1;
    uint32_t op = r->ucold[u].op;
    near_boxes nb;
    nb.n = 0;
    for (long cy = y0; cy <= y1; cy++)
        for (long cx = x0; cx <= x1; cx++) {
            uint32_t cell = (uint32_t)cy * r->gx + (uint32_t)cx;
            for (uint32_t k = r->grid_start[cell]; k < r->grid_start[cell + 1]; k++) {
                double d = mn_pos_dist(p, r->grid_pos[k]);
                if (d > R)
                    continue;
                nb.box[nb.n] = r->grid_boxes[k];
                nb.d[nb.n++] = d;
                if (nb.n == W_NEAR_BATCH) {
                    offer_boxes(r, U, op, &nb, c, &n, full);
                    nb.n = 0;
                }
            }
        }
    offer_boxes(r, U, op, &nb, c, &n, full);
    if (n == 0)
        return MN_NONE;
    const mn_view *view = w_lb_view(r, u);
    if (!view)
        return MN_NONE; /* out of memory: the run has failed */
    size_t pick = mn_lb_pick(r->lb, view, u, c, n, U->vap, r->w->policies.hysteresis);
    *phy_out = c[pick].phy_bps;
    return c[pick].vap;
}

/*
 * A user leaves vAP v. If v admits a limited number of users, users waiting
 * in outage may take the seat: they look again (in user order).
 */
static void seat_freed(wr *r, uint32_t v)
{
    r->vaps[v].nusers--;
    if (r->vaps[v].max_users == 0 || r->rechecking)
        return;
    r->rechecking = 1;
    for (size_t i = 0; i < r->nwaiting && r->vaps[v].nusers < r->vaps[v].max_users; i++) {
        uint32_t w = r->waiting[i];
        if (r->users[w].live && r->users[w].online && r->users[w].vap == MN_NONE &&
            w_associate(r, w) != MN_OK)
            w_fail(r, MN_ENOMEM, NULL);
    }
    r->rechecking = 0;
}

int w_associate(wr *r, uint32_t u)
{
    w_user *U = &r->users[u];
    uint32_t old = U->vap;
    if (!U->online) {
        if (old != MN_NONE) {
            seat_freed(r, old);
            r->n_associated--;
            U->vap = MN_NONE;
        }
        return MN_OK;
    }
    mn_pos p = mn_leg_pos(&r->ucold[u].leg, mn_engine_now(r->eng));
    double phy;
    uint32_t full;
    uint32_t v = best_vap(r, u, U, p, &phy, &full);
    if (old == MN_NONE && !U->outage) { /* a new search, not a re-check during an outage */
        r->assoc_attempts++;
        if (v == MN_NONE && full != MN_NONE) {
            r->assoc_blocked++;
            r->vstats[full].assoc_blocked++;
        }
    }
    if (v == old && (v == MN_NONE || phy == U->phy_bps)) {
        if (v == MN_NONE)
            w_user_outage(r, u, 1); /* online, and nothing serves it */
        return MN_OK;
    }
    if (old != MN_NONE && v != old)
        seat_freed(r, old);
    if (v != MN_NONE && v != old) {
        w_vap *S = &r->vaps[v];
        w_vap_stats *st = &r->vstats[v];
        S->nusers++;
        st->assoc++;
        if (S->nusers > st->peak_users)
            st->peak_users = S->nusers;
        if (old != MN_NONE) {
            r->handovers++;
            /* the interruption of a handover (re-authentication, re-association) */
            double cost = mn_time_to_sec(r->w->policies.handover_cost);
            r->ucold[u].outage_s += cost;
            r->handover_outage_s += cost;
            if (r->obs && r->obs->handover)
                r->obs->handover(r->obs->ctx, mn_time_to_sec(mn_engine_now(r->eng)),
                                 u < r->w->nusers ? r->w->users[u].id : NULL, r->w->vaps[old].id,
                                 r->w->vaps[v].id);
        }
    }
    r->n_associated += (v != MN_NONE) - (old != MN_NONE);
    U->vap = v;
    U->res_hint = v != MN_NONE && r->vaps[v].box != MN_NONE ? r->boxes[r->vaps[v].box].res_up : MN_NONE;
    U->radio_hint = v != MN_NONE ? r->vaps[v].radio : MN_NONE;
    U->phy_bps = phy;
    int rc = MN_OK;
    if (v == MN_NONE)
        w_sessions_end_all(r, u, 1);
    else if (U->nsess)
        rc = w_sessions_repath(r, u);
    w_user_outage(r, u, v == MN_NONE);
    return rc;
}

/* ---- mobility ---- */

static void on_leg(mn_engine *eng, void *ctx);

static int arm_leg(wr *r, uint32_t u)
{
    const w_user *U = &r->users[u];
    w_user_cold *C = &r->ucold[u];
    mn_time now = mn_engine_now(r->eng), at = C->leg.t1;
    int moving = C->leg.from.x != C->leg.to.x || C->leg.from.y != C->leg.to.y;
    if (moving && U->online && at - now > MOVE_STEP)
        at = now + MOVE_STEP;
    if (at == MN_TIME_MAX || at > r->horizon)
        return MN_OK;
    return mn_ev_schedule_at(r->eng, at, on_leg, pack(U->gen, u), &C->leg_ev);
}

static void set_online(wr *r, uint32_t u, int online)
{
    w_user *U = &r->users[u];
    mn_time now = mn_engine_now(r->eng);
    if (online == U->online)
        return;
    r->n_online += online ? 1 : (size_t)-1;
    if (online) {
        U->online = 1;
        r->ucold[u].online_since = now;
    } else {
        w_sessions_end_all(r, u, 0);
        U->online = 0;
        r->ucold[u].online_s += mn_time_to_sec(now - r->ucold[u].online_since);
        w_user_outage(r, u, 0);
    }
}

static void on_leg(mn_engine *eng, void *ctx)
{
    wr *r = mn_engine_user(eng);
    uint32_t u = unpack_idx(ctx);
    const w_user *U = &r->users[u];
    w_user_cold *C = &r->ucold[u];
    C->leg_ev = MN_EV_NONE;
    if (!U->live || U->gen != unpack_gen(ctx))
        return;
    mn_err err = {0};
    int rc = MN_OK;
    if (mn_engine_now(eng) >= C->leg.t1) {
        const mn_mobility *m = &r->w->mobilities[C->mobility].m;
        mn_leg next;
        rc = mn_mob_next_leg(m, &C->st, r->rng_mobility, &C->leg, &next, &err);
        if (rc != MN_OK) {
            w_fail(r, rc, &err);
            return;
        }
        C->leg = next;
        set_online(r, u, next.online);
    }
    if ((rc = w_associate(r, u)) != MN_OK || (rc = arm_leg(r, u)) != MN_OK) {
        w_fail(r, rc, NULL);
        return;
    }
    w_flush_dirty(r);
}

/*
 * The engine's look-ahead (mn_engine_set_prefetch): while this event runs,
 * the next three start loading what they will read. A city's users, vAPs,
 * boxes, radios, solver links and flows do not stay in cache, and each
 * depends on the one before (a session's arrival reads its user, which
 * names its vAP, box and radio, which name the links), so each stage loads
 * what the previous one brought in (w_sess_prefetch). Only hints: a stale
 * index costs nothing but the prefetch.
 */
static void w_prefetch(mn_engine *eng, mn_ev_fn fn, void *ctx, int ahead)
{
    const wr *r = mn_engine_user(eng);
    if (w_sess_prefetch(r, fn, ctx, ahead))
        return;
    uint32_t u = unpack_idx(ctx);
    if (fn != on_leg || u >= r->nusers)
        return;
    if (ahead >= 2) { /* a leg reads both records (mobility, books) */
        __builtin_prefetch(&r->users[u]);
        for (size_t off = 0; off < sizeof(w_user_cold); off += 64)
            __builtin_prefetch((const char *)&r->ucold[u] + off);
    } else if (r->users[u].vap != MN_NONE) { /* and the vAP it leaves or keeps, and its radio */
        __builtin_prefetch(&r->vaps[r->users[u].vap]);
        if (r->users[u].radio_hint != MN_NONE)
            __builtin_prefetch(&r->radios[r->users[u].radio_hint]);
    }
}

/* Room for n users in both their records; a new slot is all zeros. */
static int users_reserve(wr *r, size_t n)
{
    if (mn_array_reserve_aligned(&r->users_raw, (void **)&r->users, &r->users_cap, n, sizeof *r->users,
                                 64) != MN_OK)
        return MN_ENOMEM;
    size_t had = r->users_cold_cap;
    if (mn_array_reserve((void **)&r->ucold, &r->users_cold_cap, n, sizeof *r->ucold) != MN_OK)
        return MN_ENOMEM;
    memset(r->ucold + had, 0, (r->users_cold_cap - had) * sizeof *r->ucold);
    return MN_OK;
}

/* User u live with these attributes, served by nothing yet; its generation is kept. */
static void user_init(wr *r, uint32_t u, uint32_t op, uint32_t sla, unsigned stacks, uint32_t services,
                      uint32_t mobility)
{
    w_user *U = &r->users[u];
    w_user_cold *C = &r->ucold[u];
    uint32_t gen = U->gen;
    memset(U, 0, sizeof *U);
    memset(C, 0, sizeof *C);
    U->gen = gen;
    U->live = 1;
    C->op = op;
    U->sla = sla;
    U->stacks = (uint8_t)stacks;
    C->services = services;
    C->mobility = mobility;
    U->vap = MN_NONE;
    U->sess_head = MN_NONE;
}

/* ---- visitors ---- */

static void on_visitor_leaves(mn_engine *eng, void *ctx)
{
    wr *r = mn_engine_user(eng);
    uint32_t u = unpack_idx(ctx);
    w_user *U = &r->users[u];
    if (!U->live || U->gen != unpack_gen(ctx))
        return;
    set_online(r, u, 0);
    w_associate(r, u);
    w_flush_dirty(r);
    U->live = 0;
    U->gen++; /* its pending events go stale */
    U->sess_head = (uint32_t)r->free_user; /* a free slot's sess_head links the free slots */
    r->free_user = u;
}

static void on_visitor_arrives(mn_engine *eng, void *ctx)
{
    wr *r = mn_engine_user(eng);
    uint32_t a = unpack_idx(ctx);
    const mn_arrivals *A = &r->w->arrivals[a];
    mn_time now = mn_engine_now(eng);
    mn_time gap = (mn_time)mn_distspec_draw(&A->interarrival, r->rng_arrivals);
    mn_time stay = (mn_time)mn_distspec_draw(&A->stay, r->rng_arrivals);
    if (now + gap <= r->horizon &&
        mn_ev_schedule_in(eng, gap > 0 ? gap : 1, on_visitor_arrives, ctx, NULL) != MN_OK) {
        w_fail(r, MN_ENOMEM, NULL);
        return;
    }
    r->visitors++;
    uint32_t u;
    if (r->free_user != MN_NONE) {
        u = (uint32_t)r->free_user;
        r->free_user = r->users[u].sess_head;
    } else {
        if (users_reserve(r, r->nusers + 1) != MN_OK) {
            w_fail(r, MN_ENOMEM, NULL);
            return;
        }
        u = (uint32_t)r->nusers++;
        memset(&r->users[u], 0, sizeof r->users[u]);
    }
    w_user *U = &r->users[u];
    user_init(r, u, A->op, A->sla, A->stacks, A->services, MN_NONE);
    U->transient = 1;
    r->ucold[u].leg = (mn_leg){now, MN_TIME_MAX, A->pos, A->pos, 1, -1};
    set_online(r, u, 1);
    if (w_associate(r, u) != MN_OK) {
        w_fail(r, MN_ENOMEM, NULL);
        return;
    }
    if (U->vap == MN_NONE) { /* blocked: the visitor leaves at once */
        r->visitors_blocked++;
        on_visitor_leaves(eng, pack(U->gen, u));
        return;
    }
    if (w_start_arrivals(r, u, A->services) != MN_OK) {
        w_fail(r, MN_ENOMEM, NULL);
        return;
    }
    if (mn_ev_schedule_in(eng, stay > 0 ? stay : 1, on_visitor_leaves, pack(U->gen, u), NULL) != MN_OK)
        w_fail(r, MN_ENOMEM, NULL);
    w_flush_dirty(r);
}

/* ---- set-up ---- */

static int add_res(wr *r, double cap, uint32_t *id, mn_err *err)
{
    int rc = mn_share_add_link(r->share, cap, id, err);
    r->nres++;
    return rc;
}

static uint32_t class_of(wr *r, const mn_radio_cfg *cfg, mn_err *err, int *rc)
{
    mn_wifi_timing t;
    *rc = mn_radio_timing(cfg, &t, err);
    if (*rc != MN_OK)
        return 0;
    unsigned W = t.cw_min + 1, m = t.backoff_stages;
    for (size_t i = 0; i < r->nclasses; i++)
        if (r->classes[i].slot == t.slot_s && r->classes[i].W == W && r->classes[i].m == m)
            return (uint32_t)i;
    w_class *grown = mn_realloc(r->classes, (r->nclasses + 1) * sizeof *grown);
    if (!grown) {
        *rc = MN_ERR(err, MN_ENOMEM, "out of memory");
        return 0;
    }
    r->classes = grown;
    memset(&grown[r->nclasses], 0, sizeof *grown);
    grown[r->nclasses].slot = t.slot_s;
    grown[r->nclasses].W = W;
    grown[r->nclasses].m = m;
    return (uint32_t)r->nclasses++;
}

/*
 * bytes/s of a link of bps left to traffic outside virtual networks once
 * their links took `reserved` bps; a sliver when all is reserved (the
 * solver wants capacities above zero).
 */
static double left_after_reservations(double bps, double reserved)
{
    double left = bps - reserved;
    return (left > bps * 1e-9 ? left : bps * 1e-9) / 8;
}

/*
 * A key naming every field of c exactly (doubles in hex, -0 as 0: two
 * configurations are alike when their fields compare equal), for the run's
 * map of distinct configurations.
 */
static void cfg_key(const mn_radio_cfg *c, char *out, size_t size)
{
    const double v[] = {c->width_mhz, c->tx_power_dbm,  c->freq_mhz,       c->path_loss_exp,
                        c->ref_loss_db, c->gains_db,    c->noise_adjust_db};
    size_t n = (size_t)snprintf(out, size, "%d %u %d", (int)c->std, c->streams, (int)c->beacon_dsss);
    for (size_t i = 0; i < sizeof v / sizeof *v && n < size; i++)
        n += (size_t)snprintf(out + n, size - n, " %a", v[i] == 0 ? 0.0 : v[i]);
}

/*
 * The index of c in the run's table of distinct configurations, added if
 * new; MN_NONE: no memory. Found by its key (cfg_key) in a map: a scan of
 * the distinct ones made set-up quadratic in a world whose radios differ.
 */
static uint32_t cfg_of(wr *r, const mn_radio_cfg *c)
{
    char key[256];
    cfg_key(c, key, sizeof key);
    uint32_t i;
    if (mn_strmap_get(&r->cfg_index, key, &i))
        return i;
    if (mn_array_reserve((void **)&r->radio_cfgs, &r->radio_cfgs_cap, r->nradio_cfgs + 1,
                         sizeof *r->radio_cfgs) != MN_OK ||
        mn_strmap_add(&r->cfg_index, key, (uint32_t)r->nradio_cfgs) < 0)
        return MN_NONE;
    r->radio_cfgs[r->nradio_cfgs] = *c;
    return (uint32_t)r->nradio_cfgs++;
}

/* Radio i's airtime capacity and Bianchi class (its resource comes with its box's). */
static int prepare_radio(wr *r, size_t i, mn_err *err)
{
    const mn_radio *R = &r->w->radios[i];
    w_radio *S = &r->radios[i];
    if ((S->cfg = cfg_of(r, &R->cfg)) == MN_NONE)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    S->range_m = R->range_m;
    S->up = 1;
    /* the loader keeps beacons under MN_WORLD_MAX_BEACON_SHARE of the air */
    S->air_cap = 1 - mn_wifi_beacon_overhead(&R->cfg, R->nvaps, R->beacon_bytes,
                                             mn_time_to_sec(R->beacon_interval));
    int rc;
    S->cls = class_of(r, &R->cfg, err, &rc);
    return rc;
}

/*
 * The solver's resources. A box's own (uplink both ways, dom0 CPU), its
 * radios' airtime and its vAPs' caps and domU CPUs are numbered together,
 * box after box: a session touches one box's, and they share cache lines.
 */
static int setup_resources(wr *r, mn_err *err)
{
    const mn_net *n = r->net;
    const mn_world *w = r->w;
    int rc = MN_OK;
    uint32_t id;
    /* what virtual links reserved is theirs alone: the rest is shared */
    for (size_t i = 0; i < 2 * n->nlinks && rc == MN_OK; i++)
        rc = add_res(r, left_after_reservations((double)n->links[i / 2].capacity_bps,
                                                w->vlink_reserved ? w->vlink_reserved[i] : 0), &id, err);
    for (size_t i = 0; i < w->nradios && rc == MN_OK; i++)
        rc = prepare_radio(r, i, err);
    /* radios and vAPs grouped by box (counting sort, order kept) */
    uint32_t *rstart = mn_calloc(w->nboxes + 2, sizeof *rstart), *rlist = mn_alloc((w->nradios + 1) * sizeof *rlist);
    uint32_t *vstart = mn_calloc(w->nboxes + 2, sizeof *vstart), *vlist = mn_alloc((w->nvaps + 1) * sizeof *vlist);
    if (rc == MN_OK && (!rstart || !rlist || !vstart || !vlist))
        rc = MN_ERR(err, MN_ENOMEM, "out of memory");
    if (rc == MN_OK) {
        for (size_t i = 0; i < w->nradios; i++)
            rstart[w->radios[i].box + 2]++;
        for (size_t v = 0; v < w->nvaps; v++)
            if (!w->vaps[v].movable)
                vstart[w->vaps[v].box + 2]++;
        for (size_t b = 0; b < w->nboxes; b++) {
            rstart[b + 2] += rstart[b + 1];
            vstart[b + 2] += vstart[b + 1];
        }
        for (size_t i = 0; i < w->nradios; i++)
            rlist[rstart[w->radios[i].box + 1]++] = (uint32_t)i;
        for (size_t v = 0; v < w->nvaps; v++)
            if (!w->vaps[v].movable)
                vlist[vstart[w->vaps[v].box + 1]++] = (uint32_t)v;
    }
    for (size_t b = 0; b < w->nboxes && rc == MN_OK; b++) {
        const mn_box *B = &w->boxes[b];
        w_box *S = &r->boxes[b];
        S->up = 1;
        S->node = B->node;
        S->site = B->site;
        S->cycles_dom0 = B->cycles_dom0;
        S->cycles_domu = B->cycles_domu;
        S->uplink_latency = B->uplink_latency;
        double up_res = w->uplink_reserved ? w->uplink_reserved[2 * b] : 0;
        double down_res = w->uplink_reserved ? w->uplink_reserved[2 * b + 1] : 0;
        if ((rc = add_res(r, left_after_reservations(B->uplink_bps, up_res), &S->res_up, err)) == MN_OK &&
            (rc = add_res(r, left_after_reservations(B->uplink_bps, down_res), &S->res_down, err)) == MN_OK)
            /* dom0 forwards with what the domUs leave it: its own share plus any unreserved CPU */
            rc = add_res(r, B->cpu_hz - B->cpu_used_hz, &S->res_cpu, err);
        S->radio_first = rstart[b] < rstart[b + 1] ? rlist[rstart[b]] : MN_NONE;
        for (uint32_t k = rstart[b]; k < rstart[b + 1] && rc == MN_OK; k++)
            rc = add_res(r, r->radios[rlist[k]].air_cap, &r->radios[rlist[k]].res, err);
        for (uint32_t k = vstart[b]; k < vstart[b + 1] && rc == MN_OK; k++) {
            uint32_t v = vlist[k];
            const mn_vap *V = &w->vaps[v];
            w_vap *SV = &r->vaps[v];
            *SV = (w_vap){V->radio, V->box, V->op, V->max_users, MN_NONE, MN_NONE, 0,
                          (uint8_t)V->stacks, 1, (uint8_t)V->plane_domu,
                          V->tunnel_site != MN_NONE || V->vnet != MN_NONE, 0, 0, V->airtime, 0};
            if (V->airtime < 1)
                rc = add_res(r, V->airtime * r->radios[V->radio].air_cap, &SV->res_air, err);
            if (rc == MN_OK && V->plane_domu)
                rc = add_res(r, V->cpu_hz, &SV->res_cpu, err);
        }
    }
    mn_free(rstart);
    mn_free(rlist);
    mn_free(vstart);
    mn_free(vlist);
    /* movable vAPs: their own resources, sized when they are placed */
    for (size_t v = 0; v < w->nvaps && rc == MN_OK; v++) {
        const mn_vap *V = &w->vaps[v];
        if (!V->movable)
            continue;
        w_vap *SV = &r->vaps[v];
        *SV = (w_vap){MN_NONE, MN_NONE, V->op, V->max_users, MN_NONE, MN_NONE, 0,
                      (uint8_t)V->stacks, 0, (uint8_t)V->plane_domu, V->tunnel_site != MN_NONE, 0, 0,
                      V->airtime, 0};
        if (V->airtime < 1)
            rc = add_res(r, V->airtime, &SV->res_air, err);
        if (rc == MN_OK && V->plane_domu)
            rc = add_res(r, V->cpu_hz, &SV->res_cpu, err);
    }
    for (size_t i = 0; i < w->nvms && rc == MN_OK; i++) {
        r->vms[i].up = !w->vms[i].movable;
        r->vms[i].box = w->vms[i].movable ? MN_NONE : w->vms[i].box;
        rc = add_res(r, w->vms[i].cpu_hz, &r->vms[i].res, err);
    }
    r->res_vlink0 = (uint32_t)r->nres;
    for (size_t i = 0; i < 2 * w->nvlinks && rc == MN_OK; i++)
        rc = add_res(r, w->vlinks[i / 2].bps / 8, &id, err);
    if (rc == MN_OK && (!(r->res_dead = mn_calloc(r->nres + 1, 1)) ||
                        !(r->res_used = mn_calloc(r->nres + 1, sizeof *r->res_used)) ||
                        !(r->usage_log = mn_alloc(W_USAGE_LOG * sizeof *r->usage_log)) ||
                        !(r->radio_nvaps = mn_calloc(w->nradios + 1, sizeof *r->radio_nvaps))))
        rc = MN_ERR(err, MN_ENOMEM, "out of memory");
    for (size_t i = 0; rc == MN_OK && i < w->nradios; i++)
        r->radio_nvaps[i] = w->radios[i].nvaps;
    for (size_t v = 0; rc == MN_OK && v < w->nvaps; v++) /* unplaced: serving nobody */
        if (w->vaps[v].movable) {
            if (r->vaps[v].res_air != MN_NONE)
                r->res_dead[r->vaps[v].res_air] = 1;
            if (r->vaps[v].res_cpu != MN_NONE)
                r->res_dead[r->vaps[v].res_cpu] = 1;
        }
    for (size_t i = 0; rc == MN_OK && i < w->nvms; i++)
        r->res_dead[r->vms[i].res] = (uint8_t)!r->vms[i].up;
    return rc;
}

/* Boxes bucketed on a grid of cells as wide as the longest radio range. */
static int setup_grid(wr *r, mn_err *err)
{
    const mn_world *w = r->w;
    if (w->nboxes == 0)
        return MN_OK;
    double max_x = -INFINITY, max_y = -INFINITY;
    r->min_x = r->min_y = INFINITY;
    r->max_range_m = 1;
    for (size_t b = 0; b < w->nboxes; b++) {
        mn_pos p = w->boxes[b].pos;
        r->min_x = fmin(r->min_x, p.x);
        r->min_y = fmin(r->min_y, p.y);
        max_x = fmax(max_x, p.x);
        max_y = fmax(max_y, p.y);
    }
    for (size_t i = 0; i < w->nradios; i++)
        r->max_range_m = fmax(r->max_range_m, w->radios[i].range_m);
    r->cell_m = r->max_range_m;
    double gx = floor((max_x - r->min_x) / r->cell_m) + 1, gy = floor((max_y - r->min_y) / r->cell_m) + 1;
    while (gx * gy > 4.0 * (double)w->nboxes + 16) { /* sparse boxes: coarser cells */
        r->cell_m *= 2;
        gx = floor((max_x - r->min_x) / r->cell_m) + 1;
        gy = floor((max_y - r->min_y) / r->cell_m) + 1;
    }
    r->gx = (uint32_t)gx;
    r->gy = (uint32_t)gy;
    size_t cells = (size_t)r->gx * r->gy;
    r->grid_start = mn_calloc(cells + 2, sizeof *r->grid_start);
    r->grid_boxes = mn_alloc(w->nboxes * sizeof *r->grid_boxes);
    r->grid_pos = mn_alloc(w->nboxes * sizeof *r->grid_pos);
    if (!r->grid_start || !r->grid_boxes || !r->grid_pos)
        return MN_ERR(err, MN_ENOMEM, "out of memory for the box grid");
    uint32_t *cell_of = mn_alloc(w->nboxes * sizeof *cell_of);
    if (!cell_of)
        return MN_ERR(err, MN_ENOMEM, "out of memory for the box grid");
    for (size_t b = 0; b < w->nboxes; b++) {
        mn_pos p = w->boxes[b].pos;
        uint32_t cx = (uint32_t)((p.x - r->min_x) / r->cell_m), cy = (uint32_t)((p.y - r->min_y) / r->cell_m);
        if (cx >= r->gx) cx = r->gx - 1;
        if (cy >= r->gy) cy = r->gy - 1;
        cell_of[b] = cy * r->gx + cx;
        r->grid_start[cell_of[b] + 1]++;
    }
    for (size_t c = 0; c < cells; c++)
        r->grid_start[c + 1] += r->grid_start[c];
    uint32_t *fill = mn_alloc((cells + 1) * sizeof *fill);
    if (!fill) {
        mn_free(cell_of);
        return MN_ERR(err, MN_ENOMEM, "out of memory for the box grid");
    }
    memcpy(fill, r->grid_start, (cells + 1) * sizeof *fill);
    for (size_t b = 0; b < w->nboxes; b++) {
        r->grid_pos[fill[cell_of[b]]] = w->boxes[b].pos;
        r->grid_boxes[fill[cell_of[b]]++] = (uint32_t)b;
    }
    mn_free(fill);
    mn_free(cell_of);
    /* each box has a slot per vAP its radios can carry: policies may place more on it */
    for (size_t i = 0; i < w->nradios; i++)
        r->boxes[w->radios[i].box].vap_slots += mn_wifi_max_vaps(w->radios[i].cfg.std);
    size_t slots = 0;
    for (size_t b = 0; b < w->nboxes; b++)
        slots += r->boxes[b].vap_slots;
    r->box_vaps = mn_alloc((slots + 1) * sizeof *r->box_vaps);
    if (!r->box_vaps)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    uint32_t at = 0;
    for (size_t b = 0; b < w->nboxes; b++) {
        r->boxes[b].vap_first = at;
        at += r->boxes[b].vap_slots;
    }
    for (size_t v = 0; v < w->nvaps; v++) {
        if (w->vaps[v].movable)
            continue;
        w_box *B = &r->boxes[w->vaps[v].box];
        r->box_vaps[B->vap_first + B->nvaps++] = (uint32_t)v;
    }
    return MN_OK;
}

static const mn_mobility static_mobility = {.kind = MN_MOB_STATIC};

static int setup_users(wr *r, mn_err *err)
{
    const mn_world *w = r->w;
    if (users_reserve(r, w->nusers + 16) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory for %zu users", w->nusers);
    r->nusers = w->nusers;
    uint32_t *on_trace = mn_calloc(w->nmobilities + 1, sizeof *on_trace);
    if (!on_trace)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    for (size_t i = 0; i < w->nusers; i++) {
        const mn_user *src = &w->users[i];
        user_init(r, (uint32_t)i, src->op, src->sla, src->stacks, src->services, src->mobility);
        w_user_cold *C = &r->ucold[i];
        C->st = src->st;
        const mn_mobility *m = src->mobility != MN_NONE ? &w->mobilities[src->mobility].m : &static_mobility;
        if (m->kind == MN_MOB_TRACE)
            C->st.index = on_trace[src->mobility]++; /* the k-th user of a trace starts at its k-th point */
        int rc = mn_mob_first_leg(m, &C->st, r->rng_mobility, 0, &C->leg, err);
        if (rc != MN_OK) {
            mn_free(on_trace);
            return rc;
        }
    }
    mn_free(on_trace);
    return MN_OK;
}

/* Users come online, associate and start their session clocks, in user order. */
static int start_users(wr *r)
{
    for (size_t i = 0; i < r->w->nusers; i++) {
        uint32_t u = (uint32_t)i;
        const w_user_cold *C = &r->ucold[u];
        set_online(r, u, C->leg.online);
        int rc = w_associate(r, u);
        if (rc == MN_OK && C->mobility != MN_NONE)
            rc = arm_leg(r, u);
        if (rc == MN_OK)
            rc = w_start_arrivals(r, u, C->services);
        if (rc != MN_OK)
            return rc;
    }
    for (size_t a = 0; a < r->w->narrivals; a++) {
        mn_time gap = (mn_time)mn_distspec_draw(&r->w->arrivals[a].interarrival, r->rng_arrivals);
        int rc = mn_ev_schedule_at(r->eng, gap, on_visitor_arrives, pack(0, (uint32_t)a), NULL);
        if (rc != MN_OK)
            return rc;
    }
    return MN_OK;
}

/* ---- sampling and progress ---- */

static void on_sample(mn_engine *eng, void *ctx)
{
    (void)ctx;
    wr *r = mn_engine_user(eng);
    r->sample_armed = 0;
    fprintf(r->series, "%.3f,%zu,%zu,%zu,%zu,%.3f\n", mn_time_to_sec(mn_engine_now(eng)), r->n_online,
            r->n_associated, mn_share_active_flows(r->share), r->n_violating,
            mn_share_total_rate(r->share) * 8);
    mn_time next = mn_engine_now(eng) + r->interval;
    if (next <= r->horizon)
        r->sample_armed = mn_ev_schedule_at(eng, next, on_sample, NULL, NULL) == MN_OK;
}

static void on_progress(mn_engine *eng, void *ctx)
{
    (void)ctx;
    wr *r = mn_engine_user(eng);
    r->progress_events++;
    double now = mn_sys_monotonic_s();
    if (now - r->last_print >= 0.5) {
        r->last_print = now;
        double t = mn_time_to_sec(mn_engine_now(eng)), end = mn_time_to_sec(r->horizon);
        fprintf(stderr, "\r%5.1f%%  t=%.0fs  sessions=%zu  %.1fs wall", end > 0 ? 100 * t / end : 0, t,
                mn_share_active_flows(r->share), now - r->t0);
    }
    mn_time next = mn_engine_now(eng) + (r->horizon / 200 > 0 ? r->horizon / 200 : MN_SEC);
    if (next <= r->horizon)
        mn_ev_schedule_at(eng, next, on_progress, NULL, NULL);
}

/* ---- the run ---- */

static void on_horizon(mn_engine *eng, void *ctx)
{
    (void)ctx;
    mn_engine_stop(eng);
}

static void destroy(wr *r)
{
    w_policy_fini(r);
    mn_share_destroy(r->share);
    mn_engine_destroy(r->eng);
    mn_routes_destroy(r->routes);
    mn_rng_destroy(r->rng_sessions);
    mn_rng_destroy(r->rng_mobility);
    mn_rng_destroy(r->rng_arrivals);
    mn_rng_destroy(r->rng_faults);
    mn_free(r->radios_raw);
    mn_free(r->vaps_raw);
    mn_free(r->vstats);
    mn_free(r->boxes_raw);
    mn_free(r->vms);
    mn_free(r->users_raw);
    mn_free(r->ucold);
    mn_free(r->sess_raw);
    mn_free(r->box_vaps);
    mn_free(r->res_dead);
    mn_free(r->res_used);
    mn_free(r->usage_log);
    mn_free(r->link_down_count);
    mn_free(r->box_down_count);
    mn_free(r->radio_down_count);
    mn_free(r->vm_down_count);
    mn_free(r->classes);
    mn_free(r->radio_cfgs);
    mn_strmap_fini(&r->cfg_index);
    mn_free(r->grid_start);
    mn_free(r->grid_boxes);
    mn_free(r->grid_pos);
    mn_free(r->dirty);
    mn_free(r->waiting);
    mn_free(r->fstate);
    mn_free(r->frows);
    mn_free(r->svc);
    mn_free(r->op_viol_s);
    mn_stat_sample_fini(&r->delays);
}

int mn_world_run(const mn_net *n, const mn_run_opts *o, mn_run_summary *out, mn_err *err)
{
    memset(out, 0, sizeof *out);
    const mn_world *w = &n->world;
    if (n->duration <= 0) {
        return mn_err_set_line(err, MN_EINVAL, n->path, n->line,
                             "scenario \"%s\": a world runs for a set time; add duration=\"1h\"",
                             n->name);
    }
    uint64_t seed = o->seed_set ? o->seed : n->has_seed ? n->seed : 1;
    wr R = {.net = n, .w = w, .progress = o->progress, .interval = n->interval, .horizon = n->duration};
    wr *r = &R;
    r->free_user = MN_NONE;
    r->free_sess = MN_NONE;
    mn_strmap_init(&r->cfg_index);
    r->t0 = r->last_print = mn_sys_monotonic_s();
    mn_stat_sample_init(&r->delays);
    mn_stat_welford_init(&r->delayw);
    mn_outfile series = {0};
    int rc = mn_mkdir_p(o->out_dir, err);
    if (rc != MN_OK) {
        destroy(r);
        return rc;
    }
    size_t cap_r = 0, cap_v = 0, cap_b = 0; /* line-aligned: see the structs in wrun_int.h */
    if (mn_array_reserve_aligned(&r->radios_raw, (void **)&r->radios, &cap_r, w->nradios + 1,
                                 sizeof *r->radios, 64) != MN_OK)
        r->radios = NULL;
    if (mn_array_reserve_aligned(&r->vaps_raw, (void **)&r->vaps, &cap_v, w->nvaps + 1,
                                 sizeof *r->vaps, 64) != MN_OK)
        r->vaps = NULL;
    r->vstats = mn_calloc(w->nvaps + 1, sizeof *r->vstats);
    if (mn_array_reserve_aligned(&r->boxes_raw, (void **)&r->boxes, &cap_b, w->nboxes + 1,
                                 sizeof *r->boxes, 64) != MN_OK)
        r->boxes = NULL;
    r->vms = mn_calloc(w->nvms + 1, sizeof *r->vms);
    r->svc = mn_calloc(w->nservices + 1, sizeof *r->svc);
    r->op_viol_s = mn_calloc(w->noperators + 1, sizeof *r->op_viol_s);
    mn_engine_config cfg = {.capacity = 4 * w->nusers + 64};
    if (!r->radios || !r->vaps || !r->vstats || !r->boxes || !r->vms || !r->svc || !r->op_viol_s) {
        rc = MN_ERR(err, MN_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = mn_engine_create(&cfg, &r->eng, err)) != MN_OK ||
        (rc = mn_share_create(r->eng, &r->share, err)) != MN_OK ||
        (rc = mn_routes_create(n, &r->routes, err)) != MN_OK ||
        (rc = mn_rng_create(seed, "sessions", NULL, &r->rng_sessions, err)) != MN_OK ||
        (rc = mn_rng_create(seed, "mobility", NULL, &r->rng_mobility, err)) != MN_OK ||
        (rc = mn_rng_create(seed, "arrivals", NULL, &r->rng_arrivals, err)) != MN_OK ||
        (rc = mn_rng_create(seed, "faults", NULL, &r->rng_faults, err)) != MN_OK)
        goto done;
    mn_engine_set_user(r->eng, r);
    mn_engine_set_prefetch(r->eng, w_prefetch);
    mn_share_set_rate_hook(r->share, w_rate_hook, r);
    if ((rc = setup_resources(r, err)) != MN_OK || (rc = setup_grid(r, err)) != MN_OK ||
        (rc = setup_users(r, err)) != MN_OK || (rc = w_policy_setup(r, o, err)) != MN_OK)
        goto done;
    if (r->interval > 0) {
        if ((rc = mn_outfile_open(&series, o->out_dir, "timeseries.csv", err)) != MN_OK)
            goto done;
        r->series = series.f;
        fprintf(r->series, "t_s,online_users,associated_users,active_flows,violating_users,throughput_bps\n");
        r->sample_armed = mn_ev_schedule_at(r->eng, 0, on_sample, NULL, NULL) == MN_OK;
    }
    /* first in the queue at the horizon: the run ends there, the clock standing at it */
    if ((rc = mn_ev_schedule_at(r->eng, r->horizon, on_horizon, NULL, NULL)) != MN_OK ||
        (rc = w_policy_start(r, err)) != MN_OK ||
        (rc = start_users(r)) != MN_OK || (rc = w_faults_arm(r)) != MN_OK) {
        if (rc != MN_OK && err->code == MN_OK)
            MN_ERR(err, rc, "cannot start the run: %s", mn_strerror(rc));
        goto done;
    }
    w_flush_dirty(r);
    if (r->progress)
        mn_ev_schedule_at(r->eng, 0, on_progress, NULL, NULL);
    mn_run_end why;
    rc = mn_engine_run(r->eng, r->horizon, &why);
    if (rc == MN_OK && !r->failed && mn_engine_now(r->eng) != r->horizon)
        rc = MN_ERR(err, MN_EBUG, "the run stopped at %.9f s, before its end", mn_time_to_sec(mn_engine_now(r->eng)));
    if (r->progress)
        fprintf(stderr, "\r%70s\r", "");
    if (rc == MN_OK && r->failed) {
        rc = r->err.code ? r->err.code : MN_EBUG;
        *err = r->err;
    } else if (rc == MN_OK) {
        rc = mn_share_check(r->share, err);
    }
    if (rc != MN_OK)
        goto done;
    w_sessions_close_all(r);
    w_usage_flush(r);
    if (r->series && (rc = mn_outfile_commit(&series, err)) != MN_OK)
        goto done;
    uint64_t events = mn_engine_events_run(r->eng) - r->progress_events;
    rc = w_write_results(r, o, seed, mn_time_to_sec(r->horizon), events, out, err);
done:
    mn_outfile_abort(&series);
    destroy(r);
    return rc;
}
