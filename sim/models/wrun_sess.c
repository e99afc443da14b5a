/*
 * wrun_sess.c - sessions of a world run: their arrival, their path through
 * the solver's resources, the radio's contention, the delay and SLA state
 * of each session, and their end (completed, dropped, cut, or at the end of
 * the run). See wrun_int.h for the resources and docs/models.md for the
 * formulas.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "core/alloc.h"
#include "queueing.h"
#include "wrun_int.h"

enum { END_DONE, END_DROPPED, END_CUT, END_RUN };

/* ---- packed contexts ---- */

static void *pack_arrival(uint32_t gen, uint32_t svc, uint32_t u)
{
    return (void *)(uintptr_t)((uint64_t)(gen & 0x7ffffff) << 37 | (uint64_t)svc << 32 | u);
}

static void *flow_ctx(uint32_t sid, int k)
{
    return (void *)(uintptr_t)((uint64_t)sid << 1 | (uint64_t)k);
}

/* ---- radio contention (Bianchi, per class of DCF timing) ---- */

/*
 * Airtime per payload byte on a radio now: (T_s(R) + O(n, R)) / payload for
 * frames carrying frame_bytes (payload and network header), O from the
 * class's cached fixed point.
 */
double w_airtime_coef(wr *r, uint32_t radio, double phy_bps, double frame_bytes, double payload_bytes)
{
    double pkt_bytes = frame_bytes;
    w_radio *R = &r->radios[radio];
    unsigned n = R->n_tx ? R->n_tx : 1;
    w_class *c = &r->classes[R->cls];
    mn_bianchi local, *b = n <= W_BIANCHI_N ? &c->b[n] : &local;
    const mn_radio_cfg *cfg = w_radio_cfg(r, R);
    double ts = mn_wifi_ts(cfg, phy_bps, pkt_bytes), tc = mn_wifi_tc(cfg, phy_bps, pkt_bytes);
    if (b->tau == 0 || b == &local) {
        /* tau and p depend on n, W and m only; the times are re-applied below */
        if (mn_bianchi_solve(n, c->W, c->m, c->slot, ts, tc, 8 * pkt_bytes, b, NULL) != MN_OK)
            return ts / payload_bytes;
    }
    double o = ((1 - b->p_tr) * c->slot + b->p_tr * (1 - b->p_s) * tc) / (b->p_tr * b->p_s);
    return (ts + o) / payload_bytes;
}

/* ---- path building ---- */

typedef struct path_b {
    uint32_t up[W_MAXP], down[W_MAXP]; /* the resource each way (the same for CPU and air) */
    double coef[W_MAXP];
    uint8_t n, radio_at, vap_air_at;
    mn_time prop;
    double phy_bps;       /* what the air coefficient came from (w_sess's air_*): the user's */
    uint16_t hdr;         /* PHY rate, the stack's header bytes, the vAP's own airtime resource */
    uint32_t vap_air_res;
    int fail;
} path_b;

static void pb_add(path_b *p, uint32_t up, uint32_t down, double coef)
{
    if (p->n == W_MAXP) {
        p->fail = MN_ERANGE;
        return;
    }
    p->up[p->n] = up;
    p->down[p->n] = down;
    p->coef[p->n++] = coef;
}

/* The physical path from node a to node b, each link with wire factor f. */
static void pb_route(wr *r, path_b *p, uint32_t a, uint32_t b, double f)
{
    if (p->fail || a == b)
        return;
    uint32_t res[W_MAXP];
    size_t len;
    mn_time lat;
    int rc = mn_routes_path(r->routes, a, b, res, W_MAXP, &len, &lat);
    if (rc != MN_OK) {
        p->fail = rc;
        return;
    }
    for (size_t i = 0; i < len; i++)
        pb_add(p, res[i], res[i] ^ 1u, f);
    p->prop += lat;
}

/* Up a box's uplink (leaving the box) or down it (arriving). */
static void pb_uplink(wr *r, path_b *p, uint32_t box, int leaving, double f)
{
    const w_box *B = &r->boxes[box];
    if (leaving)
        pb_add(p, B->res_up, B->res_down, f);
    else
        pb_add(p, B->res_down, B->res_up, f);
    p->prop += B->uplink_latency;
}

/* From box a to box b over the topology (both uplinks), or nothing inside one box. */
static void pb_box_to_box(wr *r, path_b *p, uint32_t a, uint32_t b, double f)
{
    if (a == b || p->fail)
        return;
    const w_box *A = &r->boxes[a], *B = &r->boxes[b];
    pb_uplink(r, p, a, 1, f);
    if (A->node != MN_NONE && B->node != MN_NONE)
        pb_route(r, p, A->node, B->node, f);
    else if (A->node != B->node)
        p->fail = MN_ENOTFOUND; /* one on the topology, one on the bare Internet */
    pb_uplink(r, p, b, 0, f);
}

static void pb_vm(wr *r, path_b *p, uint32_t vm, double pkt)
{
    pb_add(p, r->vms[vm].res, r->vms[vm].res, r->w->vms[vm].cycles_per_packet / pkt);
}

/* The VMs from `from` to `to` along the virtual links of vnet (breadth first, by vlink order). */
static void pb_vnet(wr *r, path_b *p, uint32_t vnet, uint32_t from, uint32_t to, double pkt, double f)
{
    const mn_world *w = r->w;
    if (from == to || p->fail)
        return;
    /* tiny BFS over the vnet's vlinks; parents indexed by VM */
    uint32_t queue[MN_WORLD_MAX_VNET_VMS], head = 0, tail = 0;
    uint32_t parent_link[MN_WORLD_MAX_VNET_VMS], seen_vm[MN_WORLD_MAX_VNET_VMS], nseen = 0;
    queue[tail++] = from;
    seen_vm[nseen] = from;
    parent_link[nseen++] = MN_NONE;
    int found = 0;
    while (head < tail && !found) {
        uint32_t vm = queue[head++];
        for (uint32_t l = 0; l < w->nvlinks && !found; l++) {
            const mn_vlink *L = &w->vlinks[l];
            if (L->vnet != vnet || (L->a != vm && L->b != vm))
                continue;
            uint32_t other = L->a == vm ? L->b : L->a, k;
            for (k = 0; k < nseen && seen_vm[k] != other; k++)
                ;
            if (k < nseen || nseen == MN_WORLD_MAX_VNET_VMS)
                continue;
            seen_vm[nseen] = other;
            parent_link[nseen++] = l;
            queue[tail++] = other;
            found = other == to;
        }
    }
    if (!found) {
        p->fail = MN_ENOTFOUND;
        return;
    }
    /* walk back from `to` to `from`, collecting vlinks, then add them in order */
    uint32_t chain[MN_WORLD_MAX_VNET_VMS], nchain = 0, at = to;
    while (at != from) {
        uint32_t k;
        for (k = 0; k < nseen && seen_vm[k] != at; k++)
            ;
        uint32_t l = parent_link[k];
        chain[nchain++] = l;
        at = w->vlinks[l].a == at ? w->vlinks[l].b : w->vlinks[l].a;
    }
    at = from;
    for (uint32_t i = nchain; i-- > 0 && !p->fail;) {
        const mn_vlink *L = &w->vlinks[chain[i]];
        uint32_t next = L->a == at ? L->b : L->a;
        uint32_t res_fwd = r->res_vlink0 + 2 * chain[i] + (L->a == at ? 0u : 1u);
        /* the virtual link's reserved capacity is its own: the physical links under it add latency only */
        pb_add(p, res_fwd, res_fwd ^ 1u, f);
        p->prop += w->vlinks[chain[i]].latency;
        pb_vm(r, p, next, pkt);
        at = next;
    }
}

/* The site a node is in (its gateway or one of its nodes), or MN_NONE. */
static uint32_t site_of_node(const mn_world *w, uint32_t node)
{
    return w->node_site && node < w->node_site_n ? w->node_site[node] : MN_NONE;
}

static int tunnel_exists(const mn_world *w, uint32_t a, uint32_t b)
{
    for (size_t i = 0; i < w->ntunnels; i++)
        if ((w->tunnels[i].a == a && w->tunnels[i].b == b) || (w->tunnels[i].a == b && w->tunnels[i].b == a))
            return 1;
    return 0;
}

/*
 * From the current box to a destination node: across the overlay when the
 * two are in different sites (the stretch between the two gateways carries
 * VXLAN's outer headers; it needs a tunnel), else straight over the topology.
 */
static void pb_to_node(wr *r, path_b *p, uint32_t box, uint32_t node, double f, double fv)
{
    const mn_world *w = r->w;
    const w_box *B = &r->boxes[box];
    if (B->node == MN_NONE) {
        p->fail = MN_ENOTFOUND;
        return;
    }
    pb_uplink(r, p, box, 1, f);
    uint32_t sa = B->site, sb = site_of_node(w, node);
    if (sa != MN_NONE && sb != MN_NONE && sa != sb) {
        if (!tunnel_exists(w, sa, sb)) {
            p->fail = MN_ENOTFOUND;
            return;
        }
        pb_route(r, p, B->node, w->sites[sa].node, f);
        pb_route(r, p, w->sites[sa].node, w->sites[sb].node, fv);
        pb_route(r, p, w->sites[sb].node, node, f);
    } else {
        pb_route(r, p, B->node, node, f);
    }
}

static uint32_t common_stack(unsigned a, unsigned b)
{
    unsigned both = a & b;
    for (uint32_t s = 0; s < MN_STACK_COUNT; s++)
        if (both >> s & 1)
            return s;
    return MN_STACK_IPV4;
}

static const mn_vap plain_vap = {.tunnel_site = MN_NONE, .vnet = MN_NONE, .via_vm = MN_NONE};

/* The whole path of a session of user u through its vAP; p->fail when there is none now. */
static void build_path(wr *r, uint32_t u, const mn_service *S, path_b *p)
{
    const mn_world *w = r->w;
    const w_user *U = &r->users[u];
    const w_vap *V = &r->vaps[U->vap];
    const w_box *B = &r->boxes[V->box];
    memset(p, 0, sizeof *p);
    p->vap_air_at = 255;
    double pkt = S->packet_bytes;
    unsigned hdr = mn_stack_header((mn_stack)common_stack(U->stacks, V->stacks), 1);
    double f = mn_encap_factor(pkt, hdr), fv = mn_encap_factor(pkt, hdr + mn_vxlan_overhead(w->underlay));
    /* the air, then the box's forwarding */
    double air = w_airtime_coef(r, V->radio, U->phy_bps, pkt + hdr, pkt);
    p->phy_bps = U->phy_bps;
    p->hdr = (uint16_t)hdr;
    p->vap_air_res = V->res_air;
    p->radio_at = 0;
    pb_add(p, r->radios[V->radio].res, r->radios[V->radio].res, air);
    if (r->vaps[U->vap].res_air != MN_NONE) {
        p->vap_air_at = p->n;
        pb_add(p, r->vaps[U->vap].res_air, r->vaps[U->vap].res_air, air);
    }
    if (V->plane_domu)
        pb_add(p, V->res_cpu, V->res_cpu, B->cycles_domu / pkt);
    else
        pb_add(p, B->res_cpu, B->res_cpu, B->cycles_dom0 / pkt);
    uint32_t box = V->box;
    if (S->to_vm != MN_NONE && r->vms[S->to_vm].box == MN_NONE) {
        p->fail = MN_ENOTFOUND; /* its VM is not placed (yet) */
        return;
    }
    /* a tunnel home: to the site's gateway over VXLAN, then on from there */
    /* tunnel and virtual network: in the world's vAP, read only for vAPs that have them */
    const mn_vap *X = V->special ? &w->vaps[U->vap] : &plain_vap;
    if (X->tunnel_site != MN_NONE) {
        uint32_t gw = w->sites[X->tunnel_site].node;
        if (B->node == MN_NONE) {
            p->fail = MN_ENOTFOUND;
            return;
        }
        pb_uplink(r, p, box, 1, fv);
        pb_route(r, p, B->node, gw, fv);
        if (S->to_node != MN_NONE)
            pb_route(r, p, gw, S->to_node, f);
        else if (S->to_vm != MN_NONE) {
            /* the VM's box hangs off the topology */
            const w_box *VB = &r->boxes[r->vms[S->to_vm].box];
            if (VB->node == MN_NONE) {
                p->fail = MN_ENOTFOUND;
                return;
            }
            pb_route(r, p, gw, VB->node, f);
            pb_uplink(r, p, r->vms[S->to_vm].box, 0, f);
            pb_vm(r, p, S->to_vm, pkt);
        }
        return;
    }
    /* a virtual network: in at the via VM, across its virtual links to its exit (or the service's VM) */
    if (X->vnet != MN_NONE) {
        const mn_vnet *N = &w->vnets[X->vnet];
        pb_box_to_box(r, p, box, w->vms[X->via_vm].box, f);
        pb_vm(r, p, X->via_vm, pkt);
        uint32_t target = S->to_vm != MN_NONE && w->vms[S->to_vm].vnet == X->vnet ? S->to_vm
                        : N->exit_vm != MN_NONE ? N->exit_vm : X->via_vm;
        pb_vnet(r, p, X->vnet, X->via_vm, target, pkt, f);
        box = w->vms[target].box;
        if (target == S->to_vm)
            return;
    }
    if (S->to_vm != MN_NONE) {
        uint32_t vb = r->vms[S->to_vm].box;
        const w_box *VB = &r->boxes[vb];
        if (vb != box && VB->node != MN_NONE && r->boxes[box].node != MN_NONE &&
            r->boxes[box].site != VB->site && r->boxes[box].site != MN_NONE && VB->site != MN_NONE) {
            pb_to_node(r, p, box, VB->node, f, fv);
            pb_uplink(r, p, vb, 0, f);
        } else {
            pb_box_to_box(r, p, box, vb, f);
        }
        pb_vm(r, p, S->to_vm, pkt);
    } else if (S->to_node != MN_NONE) {
        pb_to_node(r, p, box, S->to_node, f, fv);
    } else {
        pb_uplink(r, p, box, 1, f); /* to the Internet beyond the uplink */
    }
}

/* ---- flows of a session ---- */

static void mark_dirty(wr *r, uint32_t sid)
{
    w_sess *S = &r->sess[sid];
    if (S->dirty)
        return;
    if (mn_array_reserve((void **)&r->dirty, &r->dirty_cap, r->ndirty + 1, sizeof *r->dirty) != MN_OK) {
        w_fail(r, MN_ENOMEM, NULL);
        return;
    }
    S->dirty = 1;
    r->dirty[r->ndirty++] = sid;
}

void w_rate_hook(mn_share *s, uint32_t flow, double old_rate, void *flow_ctx, void *hook_ctx)
{
    (void)s;
    (void)flow;
    (void)old_rate;
    if (w_copy_flow(flow_ctx))
        return; /* a live migration's copy: no session to re-evaluate */
    mark_dirty(hook_ctx, (uint32_t)((uintptr_t)flow_ctx >> 1));
}

static void on_flow_done(mn_share *s, uint32_t flow, void *ctx);

/* Starts the session's flows on its current path (inside a batch). */
static int attach_flows(wr *r, uint32_t sid, const path_b *p)
{
    w_sess *S = &r->sess[sid];
    const mn_service *svc = &r->w->services[S->svc];
    w_user *U = &r->users[S->user];
    uint32_t radio = r->vaps[S->vap].radio;
    S->nflows = 0;
    S->prop = p->prop;
    S->acct[0] = S->acct[1] = 0;
    S->air_phy_bps = p->phy_bps;
    S->air_hdr = p->hdr;
    S->air_vap_res = p->vap_air_res;
    for (int d = MN_DIR_DOWN; d <= MN_DIR_UP; d++) {
        if (!(svc->direction & d))
            continue;
        int k = S->nflows;
        S->dir[k] = (uint8_t)d;
        uint32_t path[W_MAXP];
        double coef[W_MAXP];
        uint8_t n = 0;
        for (uint8_t i = 0; i < p->n; i++) {
            /* down: from the far end to the user: the path reversed, each resource the other way */
            uint8_t j = d == MN_DIR_DOWN ? (uint8_t)(p->n - 1 - i) : i;
            uint32_t res = d == MN_DIR_DOWN ? p->down[j] : p->up[j];
            uint8_t at = 0;
            while (at < n && path[at] != res)
                at++;
            if (at < n) { /* met twice (a VM box passed through twice): its use adds up */
                coef[at] += p->coef[j];
            } else {
                path[n] = res;
                coef[n++] = p->coef[j];
            }
        }
        double bytes = svc->kind == MN_SVC_TRANSFER ? S->bytes : INFINITY;
        mn_share_flow_spec spec = {path, coef, n, bytes, S->demand_bps / 8,
                                   svc->kind == MN_SVC_TRANSFER ? on_flow_done : NULL, flow_ctx(sid, k)};
        mn_err err = {0};
        int rc = mn_share_flow_begin(r->share, &spec, &S->flow[k], &err);
        if (rc != MN_OK) {
            w_fail(r, rc, &err);
            return rc;
        }
        S->nflows++;
        if (d == MN_DIR_DOWN)
            r->radios[radio].down_flows++;
        else if (U->up_flows++ == 0)
            r->radios[radio].up_users++;
    }
    mark_dirty(r, sid);
    return MN_OK;
}

/*
 * What flow k used of each resource since last accounted, at its current
 * coefficients (resource units: bytes, cycles, seconds of air), for
 * utilisation and energy. sent: its bytes delivered so far in all.
 */
static void account_usage(wr *r, w_sess *S, int k, double sent)
{
    double moved = sent - S->acct[k];
    S->acct[k] = sent;
    uint32_t f = S->flow[k];
    size_t n = mn_share_flow_plen(r->share, f);
    for (size_t i = 0; i < n; i++)
        w_usage_add(r, mn_share_flow_link(r->share, f, i), moved * mn_share_flow_coef(r->share, f, i));
}

/*
 * Applies the log in its order (the sums stay those of adding each use as
 * it came). Its resources are the city's at random, out of cache: each is
 * asked for USAGE_AHEAD entries before it is added to, so the misses
 * overlap instead of coming one after the other.
 */
#define USAGE_AHEAD 16
void w_usage_flush(wr *r)
{
    size_t n = r->nusage;
    for (size_t i = 0; i < n; i++) {
        if (i + USAGE_AHEAD < n)
            __builtin_prefetch(&r->res_used[r->usage_log[i + USAGE_AHEAD].res], 1);
        r->res_used[r->usage_log[i].res] += r->usage_log[i].amount;
    }
    r->nusage = 0;
}

/* Flow k of a session has left the solver after delivering `sent` bytes in all: its books. */
static void flow_gone(wr *r, uint32_t sid, int k, double sent)
{
    w_sess *S = &r->sess[sid];
    uint32_t radio = r->vaps[S->vap].radio;
    S->delivered += sent;
    if (r->w->services[S->svc].kind == MN_SVC_TRANSFER)
        S->bytes -= sent;
    account_usage(r, S, k, sent);
    if (S->dir[k] == MN_DIR_DOWN)
        r->radios[radio].down_flows--;
    else if (--r->users[S->user].up_flows == 0)
        r->radios[radio].up_users--;
}

/* Stops the session's flows (inside a batch), keeping what they delivered. */
static void detach_flows(wr *r, uint32_t sid)
{
    w_sess *S = &r->sess[sid];
    for (int k = 0; k < S->nflows; k++) {
        double sent = 0;
        mn_share_flow_stop(r->share, S->flow[k], &sent, NULL);
        flow_gone(r, sid, k, sent);
    }
    S->nflows = 0;
}

/*
 * n_tx may have changed: re-weigh every flow on the radio (inside a batch).
 * The flows on the radio are those on its airtime resource, every
 * session's first (build_path), in the solver's order: the solver's list
 * of the link is the radio's list (a list of its own, kept beside it, was
 * a miss at every flow's end).
 */
void w_radio_recount(wr *r, uint32_t radio)
{
    w_radio *R = &r->radios[radio];
    uint32_t n = (R->down_flows > 0) + R->up_users;
    if (n == 0)
        n = 1;
    if (n == R->n_tx)
        return;
    R->n_tx = n;
    size_t nflows = mn_share_link_flows(r->share, R->res);
    if (nflows > 1) { /* the radio's other flows, out of cache at city scale: their misses together */
        mn_share_prefetch_link_flows(r->share, R->res);
        for (size_t i = 0; i < nflows; i++) { /* then their sessions' first two lines, the same way */
            void *ctx = mn_share_link_flow_ctx(r->share, R->res, i);
            if (!w_copy_flow(ctx)) {
                const w_sess *S = &r->sess[(uintptr_t)ctx >> 1];
                __builtin_prefetch(S);
                __builtin_prefetch((const char *)S + 64);
            }
        }
    }
    for (size_t i = 0; i < nflows; i++) {
        void *ctx = mn_share_link_flow_ctx(r->share, R->res, i);
        if (w_copy_flow(ctx))
            continue;
        uint32_t sid = (uint32_t)((uintptr_t)ctx >> 1);
        int k = (int)((uintptr_t)ctx & 1);
        w_sess *S = &r->sess[sid];
        const mn_service *svc = &r->w->services[S->svc];
        double air = w_airtime_coef(r, radio, S->air_phy_bps, svc->packet_bytes + S->air_hdr, svc->packet_bytes);
        /* what was sent so far counts at the old weight */
        account_usage(r, S, k, mn_share_flow_sent(r->share, S->flow[k]));
        double coef[W_MAXP];
        size_t plen = mn_share_flow_plen(r->share, S->flow[k]);
        for (size_t j = 0; j < plen; j++) {
            uint32_t res = mn_share_flow_link(r->share, S->flow[k], j);
            int air_res = res == R->res || (S->air_vap_res != MN_NONE && res == S->air_vap_res);
            coef[j] = air_res ? air : mn_share_flow_coef(r->share, S->flow[k], j);
        }
        if (mn_share_flow_update(r->share, S->flow[k], coef, S->demand_bps / 8, NULL) != MN_OK)
            w_fail(r, MN_ENOMEM, NULL);
    }
}

/* ---- delay and SLA state ---- */

/* Mean packet delay of one flow now: propagation + sum of M/M/1/K sojourns (service included). */
static double flow_delay(wr *r, const w_sess *S, int k)
{
    const mn_service *svc = &r->w->services[S->svc];
    double d = mn_time_to_sec(S->prop);
    size_t n = mn_share_flow_plen(r->share, S->flow[k]);
    for (size_t i = 0; i < n; i++) {
        uint32_t res = mn_share_flow_link(r->share, S->flow[k], i);
        double cap = mn_share_link_capacity(r->share, res);
        double rho = mn_share_link_load(r->share, res) / cap;
        double s = mn_share_flow_coef(r->share, S->flow[k], i) * svc->packet_bytes / cap;
        d += mn_mm1k_sojourn(rho > 0 ? rho : 0, r->w->queue_packets, s);
    }
    return d;
}

static const mn_sla *sess_sla(const wr *r, const w_sess *S)
{
    uint32_t sla = r->w->services[S->svc].sla;
    if (sla == MN_NONE)
        sla = r->users[S->user].sla;
    return sla != MN_NONE ? &r->w->slas[sla] : NULL;
}

static void set_violating(wr *r, uint32_t sid, int v)
{
    w_sess *S = &r->sess[sid];
    if (v == S->violating)
        return;
    mn_time now = mn_engine_now(r->eng);
    w_user *U = &r->users[S->user];
    if (v) {
        S->viol_since = now;
        U->nviol_sess++;
    } else {
        r->svc[S->svc].viol_s += mn_time_to_sec(now - S->viol_since);
        U->nviol_sess--;
    }
    S->violating = (uint8_t)v;
    w_user_viol_update(r, S->user);
}

static void evaluate(wr *r, uint32_t sid)
{
    w_sess *S = &r->sess[sid];
    mn_time now = mn_engine_now(r->eng);
    S->delay_area += S->delay_s * mn_time_to_sec(now - S->last_eval);
    S->last_eval = now;
    double rate = INFINITY, delay = 0;
    for (int k = 0; k < S->nflows; k++) {
        rate = fmin(rate, mn_share_flow_rate(r->share, S->flow[k]) * 8);
        delay = fmax(delay, flow_delay(r, S, k));
    }
    S->delay_s = delay;
    const mn_sla *sla = sess_sla(r, S);
    if (!sla)
        return;
    /* 1e-9: the solver's rates are exact but for rounding */
    set_violating(r, sid, mn_sla_violated(sla, &r->w->services[S->svc], rate, delay, 1, 1e-9));
}

void w_flush_dirty(wr *r)
{
    for (size_t i = 0; i < r->ndirty; i++) {
        uint32_t sid = r->dirty[i];
        w_sess *S = &r->sess[sid];
        S->dirty = 0;
        if (S->active)
            evaluate(r, sid);
    }
    r->ndirty = 0;
}

/* ---- session life ---- */

static void user_unlink(wr *r, uint32_t sid)
{
    w_sess *S = &r->sess[sid];
    w_user *U = &r->users[S->user];
    if (S->prev != MN_NONE)
        r->sess[S->prev].next = S->next;
    else
        U->sess_head = S->next;
    if (S->next != MN_NONE)
        r->sess[S->next].prev = S->prev;
    U->nsess--;
}

static void finish(wr *r, uint32_t sid, int how)
{
    w_sess *S = &r->sess[sid];
    if (!S->active)
        return;
    mn_time now = mn_engine_now(r->eng);
    uint32_t radio = r->vaps[S->vap].radio;
    /* close the books at the state it had */
    S->delay_area += S->delay_s * mn_time_to_sec(now - S->last_eval);
    S->last_eval = now;
    detach_flows(r, sid);
    if (how != END_DONE)
        mn_ev_cancel(r->eng, &S->end_ev);
    set_violating(r, sid, 0);
    S->active = 0;
    user_unlink(r, sid);
    w_user *U = &r->users[S->user];
    U->bytes += S->delivered;
    w_svc_stats *st = &r->svc[S->svc];
    st->bytes += S->delivered;
    r->vaps[S->vap].bytes += S->delivered;
    if (how == END_DONE)
        st->completed++;
    else if (how == END_DROPPED) {
        st->dropped++;
        r->ucold[S->user].dropped++;
        r->sess_dropped++;
    } else if (how == END_CUT) {
        r->sess_cut_offline++;
    }
    double span = mn_time_to_sec(now - S->start);
    double mean_delay = span > 0 ? S->delay_area / span : S->delay_s;
    if (mn_stat_sample_add(&r->delays, mean_delay) != MN_OK)
        w_fail(r, MN_ENOMEM, NULL);
    mn_stat_welford_add(&r->delayw, mean_delay);
    w_radio_recount(r, radio);
    S->next = r->free_sess;
    r->free_sess = sid;
}

/* A session done (delivered, or its time up): ended, and what it leaves re-rated and re-evaluated. */
static void complete(wr *r, uint32_t sid)
{
    mn_share_batch_begin(r->share);
    finish(r, sid, END_DONE);
    if (mn_share_batch_end(r->share, NULL) != MN_OK)
        w_fail(r, MN_ENOMEM, NULL);
    w_flush_dirty(r);
}

/*
 * A session's end reads its vAP (for its radio), its radio and its user
 * one after the other; asked for together first, their misses overlap.
 */
static void prefetch_ending(const wr *r, const w_sess *S)
{
    if (S->user < r->nusers)
        __builtin_prefetch(&r->users[S->user]);
    if (S->vap < r->w->nvaps)
        __builtin_prefetch(&r->vaps[S->vap]);
    if (S->radio_hint < r->w->nradios)
        __builtin_prefetch(&r->radios[S->radio_hint]);
}

static void on_flow_done(mn_share *s, uint32_t flow, void *ctx)
{
    (void)flow;
    wr *r = mn_engine_user(mn_share_engine(s));
    uint32_t sid = (uint32_t)((uintptr_t)ctx >> 1);
    int k = (int)((uintptr_t)ctx & 1);
    w_sess *S = &r->sess[sid];
    if (!S->active)
        return;
    prefetch_ending(r, S);
    /* the solver has let the flow go, all its bytes delivered; a transfer has no other */
    flow_gone(r, sid, k, S->bytes);
    S->nflows = 0;
    complete(r, sid);
}

static void on_stream_end(mn_engine *eng, void *ctx)
{
    wr *r = mn_engine_user(eng);
    uint32_t sid = (uint32_t)(uintptr_t)ctx;
    r->sess[sid].end_ev = MN_EV_NONE;
    prefetch_ending(r, &r->sess[sid]);
    complete(r, sid);
}

static int alloc_sess(wr *r, uint32_t *sid)
{
    if (r->free_sess != MN_NONE) {
        *sid = r->free_sess;
        r->free_sess = r->sess[*sid].next;
        return MN_OK;
    }
    if (mn_array_reserve_aligned(&r->sess_raw, (void **)&r->sess, &r->sess_cap, r->nsess + 1,
                                 sizeof *r->sess, 64) != MN_OK)
        return MN_ENOMEM;
    *sid = (uint32_t)r->nsess++;
    return MN_OK;
}

static int schedule_arrival(wr *r, uint32_t u, uint32_t svc)
{
    mn_time at = mn_engine_now(r->eng) + mn_service_draw_gap(&r->w->services[svc], r->rng_sessions);
    if (at > r->horizon)
        return MN_OK;
    return mn_ev_schedule_at(r->eng, at, w_session_arrival, pack_arrival(r->users[u].gen, svc, u), NULL);
}

int w_start_arrivals(wr *r, uint32_t u, uint32_t services)
{
    size_t ns = r->w->nservices; /* only the world's services, as the loop over them it replaced */
    for (uint32_t m = services & (ns >= 32 ? UINT32_MAX : (1u << ns) - 1); m; m &= m - 1) {
        int rc = schedule_arrival(r, u, (uint32_t)__builtin_ctz(m));
        if (rc != MN_OK)
            return rc;
    }
    return MN_OK;
}

/* A session of user u refused: its service's, its user's and the run's count of why. */
static void blocked(wr *r, w_svc_stats *st, uint32_t u, uint64_t *why)
{
    st->blocked++;
    r->ucold[u].blocked++;
    ++*why;
}

void w_session_arrival(mn_engine *eng, void *ctx)
{
    wr *r = mn_engine_user(eng);
    uint64_t packed = (uint64_t)(uintptr_t)ctx;
    uint32_t u = (uint32_t)packed, svc = (uint32_t)(packed >> 32) & 31, gen = (uint32_t)(packed >> 37);
    w_user *U = &r->users[u];
    if (!U->live || (U->gen & 0x7ffffff) != gen)
        return; /* a visitor gone */
    if (schedule_arrival(r, u, svc) != MN_OK) {
        w_fail(r, MN_ENOMEM, NULL);
        return;
    }
    const mn_service *S = &r->w->services[svc];
    /* its size or holding time is drawn whether or not it can start: the same draws either way */
    double amount = (double)mn_service_draw_amount(S, r->rng_sessions);
    if (!U->online)
        return; /* between places: no demand */
    w_svc_stats *st = &r->svc[svc];
    st->attempted++;
    U->sessions++;
    if (U->vap == MN_NONE) {
        blocked(r, st, u, &r->sess_blocked_coverage);
        return;
    }
    path_b p;
    build_path(r, u, S, &p);
    if (p.fail) {
        blocked(r, st, u, p.fail == MN_ERANGE ? &r->sess_blocked_long
                          : p.fail == MN_ENOTFOUND && !r->any_link_down ? &r->sess_blocked_route
                                                                        : &r->sess_blocked_path);
        return;
    }
    for (uint8_t i = 0; i < p.n; i++)
        if (r->res_dead[p.up[i]] || r->res_dead[p.down[i]]) {
            blocked(r, st, u, &r->sess_blocked_path);
            return;
        }
    uint32_t sid;
    if (alloc_sess(r, &sid) != MN_OK) {
        w_fail(r, MN_ENOMEM, NULL);
        return;
    }
    w_sess *X = &r->sess[sid];
    memset(X, 0, sizeof *X);
    X->user = u;
    X->svc = svc;
    X->vap = U->vap;
    X->radio_hint = U->radio_hint;
    X->res_hint = U->res_hint;
    X->active = 1;
    X->start = X->last_eval = mn_engine_now(eng);
    X->demand_bps = S->rate_bps;
    X->bytes = amount > 0 ? amount : 1;
    X->prev = MN_NONE;
    X->next = U->sess_head;
    if (U->sess_head != MN_NONE)
        r->sess[U->sess_head].prev = sid;
    U->sess_head = sid;
    U->nsess++;
    st->started++;
    r->vaps[U->vap].sessions++;
    mn_share_batch_begin(r->share);
    int rc = attach_flows(r, sid, &p);
    w_radio_recount(r, r->vaps[U->vap].radio);
    if (rc == MN_OK)
        rc = mn_share_batch_end(r->share, NULL);
    else
        mn_share_batch_end(r->share, NULL);
    if (rc != MN_OK) {
        w_fail(r, rc, NULL);
        return;
    }
    if (S->kind == MN_SVC_STREAM &&
        mn_ev_schedule_in(eng, (mn_time)(amount > 0 ? amount : 1), on_stream_end,
                          (void *)(uintptr_t)sid, &r->sess[sid].end_ev) != MN_OK) {
        w_fail(r, MN_ENOMEM, NULL);
        return;
    }
    w_flush_dirty(r);
}

/* Starts loading the lines a session will touch next: its record, its user, its vAP, its flows. */
static void prefetch_sess(const wr *r, uint32_t sid, int ahead)
{
    if (sid >= r->nsess)
        return;
    const w_sess *S = &r->sess[sid];
    if (ahead >= 2) {
        for (size_t off = 0; off < sizeof *S; off += 64)
            __builtin_prefetch((const char *)S + off);
        return;
    }
    prefetch_ending(r, S);
    for (int k = 0; k < S->nflows && k < 2; k++)
        mn_share_prefetch_flow(r->share, S->flow[k]);
    /* its flows' links, from the hint: the box's own three and, numbered next, its first radio's */
    for (uint32_t k = 0; k < 4 && S->res_hint != MN_NONE; k++)
        mn_share_prefetch_link(r->share, S->res_hint + k);
}

/*
 * The look-ahead (w_prefetch) for the session events, three stages deep:
 * an arrival's user three events ahead, then the vAP, radio and box
 * resources its hot line names, then the box and the links the vAP and
 * radio name; a stream's end, its record, then its user, vAP, radio, flows
 * and its box's links; a transfer's completion (the solver's event), its
 * flow, then its links and its session. Returns 1 if (fn, ctx) was a
 * session event.
 */
int w_sess_prefetch(const wr *r, mn_ev_fn fn, void *ctx, int ahead)
{
    if (fn == w_session_arrival) {
        uint64_t packed = (uint64_t)(uintptr_t)ctx;
        uint32_t u = (uint32_t)packed;
        if (u >= r->nusers)
            return 1;
        const w_user *U = &r->users[u];
        if (ahead == 3) {
            __builtin_prefetch(U);
            return 1;
        }
        if (U->vap == MN_NONE || U->radio_hint == MN_NONE)
            return 1;
        const w_vap *V = &r->vaps[U->vap];
        const w_radio *R = &r->radios[U->radio_hint];
        if (ahead == 2) {
            /* the vAP and radio, and the box's own resources (uplink both ways, dom0
             * CPU: numbered together from res_up, setup_resources) straight from
             * the user's hints, without waiting for the box's line */
            __builtin_prefetch(V);
            __builtin_prefetch(R);
            for (uint32_t k = 0; k < 3 && U->res_hint != MN_NONE; k++)
                mn_share_prefetch_link(r->share, U->res_hint + k);
            return 1;
        }
        /* the box's line, and the resources the vAP and radio name */
        if (V->box != MN_NONE)
            __builtin_prefetch(&r->boxes[V->box]);
        mn_share_prefetch_link(r->share, R->res);
        if (V->res_air != MN_NONE)
            mn_share_prefetch_link(r->share, V->res_air);
        if (V->plane_domu && V->res_cpu != MN_NONE)
            mn_share_prefetch_link(r->share, V->res_cpu);
        return 1;
    }
    if (fn == on_stream_end) {
        if (ahead <= 2)
            prefetch_sess(r, (uint32_t)(uintptr_t)ctx, ahead);
        return 1;
    }
    void *fctx = NULL;
    if (mn_share_prefetch_event(r->share, fn, ctx, ahead, &fctx)) {
        if (ahead == 1 && !w_copy_flow(fctx))
            prefetch_sess(r, (uint32_t)((uintptr_t)fctx >> 1), 2);
        return 1;
    }
    return 0;
}

int w_sessions_repath(wr *r, uint32_t u)
{
    w_user *U = &r->users[u];
    mn_share_batch_begin(r->share);
    uint32_t radios[2] = {MN_NONE, MN_NONE};
    for (uint32_t sid = U->sess_head, next; sid != MN_NONE; sid = next) {
        w_sess *S = &r->sess[sid];
        next = S->next;
        radios[0] = r->vaps[S->vap].radio;
        S->delay_area += S->delay_s * mn_time_to_sec(mn_engine_now(r->eng) - S->last_eval);
        S->last_eval = mn_engine_now(r->eng);
        detach_flows(r, sid);
        S->vap = U->vap;
        S->radio_hint = U->radio_hint;
        S->res_hint = U->res_hint;
        radios[1] = r->vaps[S->vap].radio;
        path_b p;
        build_path(r, u, &r->w->services[S->svc], &p);
        for (uint8_t i = 0; i < p.n && !p.fail; i++)
            if (r->res_dead[p.up[i]] || r->res_dead[p.down[i]])
                p.fail = MN_ENOTFOUND;
        if (p.fail || (r->w->services[S->svc].kind == MN_SVC_TRANSFER && S->bytes <= 0)) {
            finish(r, sid, END_DROPPED);
            continue;
        }
        if (attach_flows(r, sid, &p) != MN_OK) {
            mn_share_batch_end(r->share, NULL);
            return MN_ENOMEM;
        }
    }
    for (int i = 0; i < 2; i++)
        if (radios[i] != MN_NONE)
            w_radio_recount(r, radios[i]);
    return mn_share_batch_end(r->share, NULL) == MN_OK ? MN_OK : MN_ENOMEM;
}

void w_sessions_end_all(wr *r, uint32_t u, int reason)
{
    w_user *U = &r->users[u];
    if (U->sess_head == MN_NONE)
        return;
    mn_share_batch_begin(r->share);
    while (U->sess_head != MN_NONE)
        finish(r, U->sess_head, reason ? END_DROPPED : END_CUT);
    if (mn_share_batch_end(r->share, NULL) != MN_OK)
        w_fail(r, MN_ENOMEM, NULL);
}

void w_drop_dead_sessions(wr *r)
{
    mn_share_batch_begin(r->share);
    for (uint32_t sid = 0; sid < r->nsess; sid++) {
        w_sess *S = &r->sess[sid];
        if (!S->active)
            continue;
        int dead = 0;
        for (int k = 0; k < S->nflows && !dead; k++) {
            size_t n = mn_share_flow_plen(r->share, S->flow[k]);
            for (size_t i = 0; i < n && !dead; i++)
                dead = r->res_dead[mn_share_flow_link(r->share, S->flow[k], i)];
        }
        if (dead)
            finish(r, sid, END_DROPPED);
    }
    if (mn_share_batch_end(r->share, NULL) != MN_OK)
        w_fail(r, MN_ENOMEM, NULL);
}

void w_sessions_close_all(wr *r)
{
    mn_time now = mn_engine_now(r->eng);
    mn_share_batch_begin(r->share);
    for (uint32_t sid = 0; sid < r->nsess; sid++)
        if (r->sess[sid].active)
            finish(r, sid, END_RUN);
    mn_share_batch_end(r->share, NULL);
    for (size_t b = 0; b < r->w->nboxes; b++) /* boxes still down: their downtime so far */
        if (!r->boxes[b].up) {
            r->boxes[b].down_s += mn_time_to_sec(now - r->boxes[b].down_since);
            r->boxes[b].down_since = now;
        }
    for (size_t u = 0; u < r->nusers; u++) {
        const w_user *U = &r->users[u];
        w_user_cold *C = &r->ucold[u];
        if (!U->live)
            continue;
        if (U->online)
            C->online_s += mn_time_to_sec(now - C->online_since);
        if (U->outage)
            C->outage_s += mn_time_to_sec(now - C->outage_since);
        if (U->violating) {
            double d = mn_time_to_sec(now - C->viol_since);
            C->viol_s += d;
            r->op_viol_s[C->op] += d;
        }
        C->online_since = C->outage_since = C->viol_since = now;
    }
}
