/* world.c - the world's life cycle and end-of-load checks; see world.h, world_load.h. */
#include "world_load.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "net.h"
#include "route.h"

mn_time mn_service_draw_gap(const mn_service *S, mn_rng *r)
{
    mn_time gap = (mn_time)mn_distspec_draw(&S->interarrival, r);
    return gap > 0 ? gap : 1;
}

uint64_t mn_service_draw_amount(const mn_service *S, mn_rng *r)
{
    return mn_distspec_draw(S->kind == MN_SVC_TRANSFER ? &S->size : &S->duration, r);
}

double mn_sla_need_bps(const mn_sla *sla, const mn_service *svc)
{
    double need = sla->min_bps;
    if (need > 0 && svc->rate_bps > 0)
        need = fmin(need, svc->rate_bps);
    return need;
}

int mn_sla_violated(const mn_sla *sla, const mn_service *svc, double bps, double delay_s,
                    int has_delay, double tolerance)
{
    double need = mn_sla_need_bps(sla, svc);
    return (need > 0 && bps < need * (1 - tolerance)) ||
           (sla->max_delay > 0 && has_delay && delay_s > mn_time_to_sec(sla->max_delay));
}

void mn_world_init(mn_world *w)
{
    memset(w, 0, sizeof *w);
    w->underlay = MN_UNDERLAY_IPV4;
    w->queue_packets = 64;
    mn_strmap_init(&w->ids);
    mn_ruleset_init(&w->rules);
    /* policy defaults: docs/policies.md */
    mn_world_policies *p = &w->policies;
    snprintf(p->name[0], sizeof p->name[0], "first-fit");
    snprintf(p->name[1], sizeof p->name[1], "strongest-signal");
    snprintf(p->name[2], sizeof p->name[2], "none");
    p->period = MN_MIN;
    p->high = 0.8;
    p->low = 0.3;
    p->rounds = 30;            /* Xen's pre-copy round limit */
    p->stop_bytes = 50 * 4096; /* Xen: stop and copy under 50 dirty pages */
    p->resume_s = 0.02;
    p->agent = 1;
}

void mn_world_fini(mn_world *w)
{
    for (size_t i = 0; i < w->noperators; i++)
        mn_free(w->operators[i]);
#define FREE_IDS(arr)                           \
    for (size_t i = 0; i < w->n##arr; i++)      \
        mn_free(w->arr[i].id);                  \
    mn_free(w->arr);
    FREE_IDS(slas)
    FREE_IDS(services)
    FREE_IDS(boxes)
    FREE_IDS(radios)
    for (size_t i = 0; i < w->nvaps; i++) {
        mn_free(w->vaps[i].ssid);
        mn_free(w->vaps[i].cand);
    }
    for (size_t i = 0; i < w->nvms; i++)
        mn_free(w->vms[i].cand);
    FREE_IDS(vaps)
    FREE_IDS(vms)
    FREE_IDS(vlinks)
    FREE_IDS(vnets)
    FREE_IDS(sites)
    FREE_IDS(users)
    FREE_IDS(arrivals)
#undef FREE_IDS
    for (size_t i = 0; i < w->nmobilities; i++) {
        mn_free(w->mobilities[i].id);
        mn_trace_destroy(w->mobilities[i].trace);
    }
    mn_free(w->mobilities);
    for (size_t i = 0; i < w->nfaults; i++) {
        mn_free(w->faults[i].id);
        mn_free(w->faults[i].targets);
    }
    mn_free(w->faults);
    for (size_t i = 0; i < w->nrefs; i++) {
        mn_free(w->refs[i].name);
        mn_free(w->refs[i].where);
    }
    mn_free(w->refs);
    mn_free(w->operators);
    mn_free(w->tunnels);
    mn_free(w->vlink_reserved);
    mn_free(w->node_site);
    mn_free(w->uplink_reserved);
    mn_strmap_fini(&w->ids);
    mn_ruleset_fini(&w->rules);
}

int mn_world_defer(mn_world *w, const mn_scn_elem *e, int kind, const char *name, int owner_kind,
                   uint32_t owner, const char *attr, mn_err *err)
{
    (void)err;
    if (mn_array_reserve((void **)&w->refs, &w->refs_cap, w->nrefs + 1, sizeof *w->refs) != MN_OK)
        return MN_ENOMEM;
    struct mn_world_ref *r = &w->refs[w->nrefs];
    memset(r, 0, sizeof *r);
    if (!(r->name = mn_strdup(name)))
        return MN_ENOMEM;
    r->kind = kind;
    r->owner_kind = owner_kind;
    r->owner = owner;
    snprintf(r->attr, sizeof r->attr, "%s", attr);
    const char *id = mn_scn_attr(e, "id");
    char where[MN_PATH_WHERE + 128];
    snprintf(where, sizeof where, "%s:%ld: %s %s", mn_scn_elem_file(e), mn_scn_elem_line(e),
             mn_scn_elem_name(e), id ? id : "");
    if (!(r->where = mn_strdup(where))) {
        mn_free(r->name);
        return MN_ENOMEM;
    }
    w->nrefs++;
    return MN_OK;
}

/* "file:line" and "element id" halves of a ref's where, for mn_err_set_at. */
static int ref_fail(const struct mn_world_ref *r, mn_err *err, int code, const char *msg)
{
    char where[MN_PATH_WHERE + 128];
    snprintf(where, sizeof where, "%s", r->where);
    char *colon = strstr(where, ": ");
    const char *what = "";
    if (colon) {
        *colon = '\0';
        what = colon + 2;
    }
    return mn_err_set_at(err, code, where, "%s: %s", what, msg);
}

static int resolve(mn_world *w, mn_err *err)
{
    static const char *const kind_names[] = {[MN_ID_VM] = "vm", [MN_ID_VNET] = "vnet", [MN_ID_USER] = "user"};
    for (size_t i = 0; i < w->nrefs; i++) {
        const struct mn_world_ref *r = &w->refs[i];
        uint32_t v;
        char msg[256];
        if (!mn_strmap_get(&w->ids, r->name, &v) || (int)(v >> 28) != r->kind) {
            snprintf(msg, sizeof msg, "%s names no %s \"%s\"; declare <%s id=\"%s\"/>%s", r->attr,
                     kind_names[r->kind], r->name, kind_names[r->kind], r->name,
                     r->owner_kind == MN_ID_SERVICE ? " or a topology node of that id" : "");
            return ref_fail(r, err, MN_ENOTFOUND, msg);
        }
        v &= (1u << 28) - 1;
        if (r->owner_kind == MN_ID_SERVICE)
            w->services[r->owner].to_vm = v;
        else if (r->owner_kind == MN_ID_VNET)
            w->vnets[r->owner].exit_vm = v;
        else if (strcmp(r->attr, "via") == 0)
            w->vaps[r->owner].via_vm = v;
        else if (strcmp(r->attr, "follows") == 0) {
            if (w->users[v].op != w->vaps[r->owner].op) {
                snprintf(msg, sizeof msg, "follows user %s of operator %s, but the vAP belongs to %s: "
                         "a vAP follows users of its own operator", r->name,
                         w->operators[w->users[v].op], w->operators[w->vaps[r->owner].op]);
                return ref_fail(r, err, MN_EINVAL, msg);
            }
            w->vaps[r->owner].follows = v;
        }
        else
            w->vaps[r->owner].vnet = v;
    }
    for (size_t i = 0; i < w->nrefs; i++) { /* consistency, now that all is known */
        const struct mn_world_ref *r = &w->refs[i];
        if (r->owner_kind == MN_ID_VNET && w->vms[w->vnets[r->owner].exit_vm].vnet != r->owner)
            return ref_fail(r, err, MN_EINVAL, "exit must be a VM of this virtual network");
        if (r->owner_kind != MN_ID_VAP || strcmp(r->attr, "via") != 0)
            continue;
        const mn_vap *v = &w->vaps[r->owner];
        const mn_vnet *vn = &w->vnets[v->vnet];
        char msg[256];
        if (w->vms[v->via_vm].vnet != v->vnet) {
            snprintf(msg, sizeof msg, "via VM %s is not in virtual network %s", w->vms[v->via_vm].id,
                     vn->id);
            return ref_fail(r, err, MN_EINVAL, msg);
        }
        if (vn->op != v->op) {
            snprintf(msg, sizeof msg, "virtual network %s belongs to operator %s, the vAP to %s: "
                     "operators are isolated", vn->id, w->operators[vn->op], w->operators[v->op]);
            return ref_fail(r, err, MN_EINVAL, msg);
        }
        if (!(vn->stacks & v->stacks)) {
            snprintf(msg, sizeof msg, "the vAP and virtual network %s share no protocol stack", vn->id);
            return ref_fail(r, err, MN_EINVAL, msg);
        }
    }
    return MN_OK;
}

/* VM b is reachable from VM a over the virtual links of vnet. */
static int vnet_connects(const mn_world *w, uint32_t vnet, uint32_t a, uint32_t b)
{
    if (a == b)
        return 1;
    /* relaxation to a fixed point: small networks, run once at load */
    uint8_t *seen = mn_calloc(w->nvms + 1, 1);
    if (!seen)
        return -1;
    seen[a] = 1;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t l = 0; l < w->nvlinks; l++) {
            const mn_vlink *L = &w->vlinks[l];
            if (L->vnet != vnet || seen[L->a] == seen[L->b])
                continue;
            seen[L->a] = seen[L->b] = 1;
            changed = 1;
        }
    }
    int r = seen[b];
    mn_free(seen);
    return r;
}

static int where_fail(const mn_net *n, long line, mn_err *err, int code, const char *msg)
{
    return mn_err_set_line(err, code, n->path, line, "%s", msg);
}

/* A tunnelled vAP on box can reach its site: the box is on the topology, in a site joined to it. */
static int check_tunnel(const mn_net *n, const mn_world *w, const mn_vap *v, uint32_t box, long line,
                        mn_err *err)
{
    char msg[300];
    const mn_box *b = &w->boxes[box];
    if (v->tunnel_site == MN_NONE)
        return MN_OK;
    if (b->node == MN_NONE) {
        snprintf(msg, sizeof msg, "vap %s: tunnels to site %s, but box %s is on no node of "
                 "the topology; give it node=", v->id, w->sites[v->tunnel_site].id, b->id);
        return where_fail(n, line, err, MN_EINVAL, msg);
    }
    if (b->site == MN_NONE) {
        snprintf(msg, sizeof msg, "vap %s: tunnels to site %s, but box %s is in no site; give the "
                 "box site=\"...\" or put its node in a site", v->id, w->sites[v->tunnel_site].id, b->id);
        return where_fail(n, line, err, MN_EINVAL, msg);
    }
    int ok = b->site == v->tunnel_site;
    for (size_t t = 0; t < w->ntunnels && !ok; t++)
        ok = (w->tunnels[t].a == b->site && w->tunnels[t].b == v->tunnel_site) ||
             (w->tunnels[t].b == b->site && w->tunnels[t].a == v->tunnel_site);
    if (!ok) {
        snprintf(msg, sizeof msg, "vap %s: no <tunnel> joins its box's site %s to site %s; declare "
                 "<tunnel from=\"%s\" to=\"%s\"/>", v->id, w->sites[b->site].id,
                 w->sites[v->tunnel_site].id, w->sites[b->site].id, w->sites[v->tunnel_site].id);
        return where_fail(n, line, err, MN_EINVAL, msg);
    }
    return MN_OK;
}

/* What the run would otherwise find out session by session: tunnels and virtual networks that lead nowhere. */
static int check_reach(const mn_net *n, const mn_world *w, mn_err *err)
{
    char msg[300];
    for (size_t i = 0; i < w->nvaps; i++) {
        const mn_vap *v = &w->vaps[i];
        for (size_t c = 0; v->movable && c < v->ncand; c++) {
            int rc = check_tunnel(n, w, v, v->cand[c], v->line, err);
            if (rc != MN_OK)
                return rc;
        }
        if (v->movable)
            continue;
        const mn_box *b = &w->boxes[v->box];
        if (v->tunnel_site != MN_NONE && v->vnet != MN_NONE)
            return where_fail(n, b->line, err, MN_EINVAL,
                              "a vAP either tunnels home (tunnel=) or enters a virtual network "
                              "(vnet=, via=), not both");
        int rc = check_tunnel(n, w, v, v->box, b->line, err);
        if (rc != MN_OK)
            return rc;
        if (v->vnet == MN_NONE)
            continue;
        const mn_vnet *vn = &w->vnets[v->vnet];
        uint32_t targets[MN_MAX_SERVICES + 1];
        size_t nt = 0;
        if (vn->exit_vm != MN_NONE)
            targets[nt++] = vn->exit_vm;
        for (size_t s = 0; s < w->nservices; s++)
            if (w->services[s].to_vm != MN_NONE && w->vms[w->services[s].to_vm].vnet == v->vnet)
                targets[nt++] = w->services[s].to_vm;
        for (size_t k = 0; k < nt; k++) {
            int c = vnet_connects(w, v->vnet, v->via_vm, targets[k]);
            if (c < 0)
                return MN_ERR(err, MN_ENOMEM, "out of memory");
            if (!c) {
                snprintf(msg, sizeof msg, "vnet %s: no chain of <vlink>s joins VM %s (where vap %s enters) "
                         "to VM %s; add the missing virtual links", vn->id, w->vms[v->via_vm].id, v->id,
                         w->vms[targets[k]].id);
                return where_fail(n, w->vms[targets[k]].line, err, MN_EINVAL, msg);
            }
        }
    }
    return MN_OK;
}

/* Reserves bps on a resource (2 per topology link, then 2 per box uplink). */
static int reserve_on(mn_net *n, mn_world *w, const mn_vlink *vl, uint32_t res, mn_err *err)
{
    double cap, *used;
    char what[300];
    if (res < 2 * n->nlinks) {
        const mn_net_link *l = &n->links[res / 2];
        cap = (double)l->capacity_bps;
        used = &w->vlink_reserved[res];
        snprintf(what, sizeof what, "link %s (%s to %s)", l->id, n->nodes[res % 2 ? l->b : l->a],
                 n->nodes[res % 2 ? l->a : l->b]);
    } else {
        uint32_t box = (res - 2 * (uint32_t)n->nlinks) / 2;
        cap = w->boxes[box].uplink_bps;
        used = &w->uplink_reserved[res - 2 * n->nlinks];
        snprintf(what, sizeof what, "the uplink of box %s", w->boxes[box].id);
    }
    if (*used + vl->bps > cap * (1 + 1e-12)) {
        return mn_err_set_line(err, MN_ERANGE, n->path, vl->line,
                             "vlink %s: needs %.6g Mbps on %s, which has %.6g Mbps left of %.6g; "
                             "lower its capacity or add capacity",
                             vl->id, vl->bps / 1e6, what, (cap - *used) / 1e6, cap / 1e6);
    }
    *used += vl->bps;
    return MN_OK;
}

static int map_vlinks(mn_net *n, mn_world *w, mn_err *err)
{
    if (w->nvlinks == 0)
        return MN_OK;
    w->vlink_reserved = mn_calloc(2 * n->nlinks + 1, sizeof *w->vlink_reserved);
    w->uplink_reserved = mn_calloc(2 * w->nboxes + 1, sizeof *w->uplink_reserved);
    mn_routes *r = NULL;
    int rc = !w->vlink_reserved || !w->uplink_reserved ? MN_ERR(err, MN_ENOMEM, "out of memory")
                                                       : mn_routes_create(n, &r, err);
    for (size_t i = 0; i < w->nvlinks && rc == MN_OK; i++) {
        const mn_vlink *vl = &w->vlinks[i];
        mn_time lat;
        uint32_t ba = w->vms[vl->a].box, bb = w->vms[vl->b].box;
        if (ba == bb)
            continue; /* inside one box: no physical link */
        const mn_box *A = &w->boxes[ba], *B = &w->boxes[bb];
        uint32_t res[64];
        size_t len = 0;
        if ((A->node == MN_NONE) != (B->node == MN_NONE)) {
            rc = mn_err_set_line(err, MN_EINVAL, n->path, vl->line,
                               "vlink %s: box %s is %s the topology and box %s %s; give both boxes a "
                               "node=", vl->id, A->id, A->node == MN_NONE ? "off" : "on", B->id,
                               B->node == MN_NONE ? "is off it" : "is on it");
            break;
        }
        lat = 0;
        if (A->node != MN_NONE && B->node != MN_NONE) {
            int prc = mn_routes_path(r, A->node, B->node, res, 60, &len, &lat);
            if (prc != MN_OK) {
                rc = mn_err_set_line(err, prc == MN_ENOMEM ? MN_ENOMEM : MN_EINVAL, n->path, vl->line,
                                   "vlink %s: no physical path joins boxes %s and %s", vl->id, A->id,
                                   B->id);
                break;
            }
        }
        w->vlinks[i].latency = lat + A->uplink_latency + B->uplink_latency;
        /* both ways: up A's uplink, the path, down B's; and back */
        uint32_t up_a = 2 * (uint32_t)n->nlinks + 2 * ba, up_b = 2 * (uint32_t)n->nlinks + 2 * bb;
        rc = reserve_on(n, w, vl, up_a, err);
        if (rc == MN_OK) rc = reserve_on(n, w, vl, up_a + 1, err);
        if (rc == MN_OK) rc = reserve_on(n, w, vl, up_b, err);
        if (rc == MN_OK) rc = reserve_on(n, w, vl, up_b + 1, err);
        for (size_t k = 0; k < len && rc == MN_OK; k++) {
            rc = reserve_on(n, w, vl, res[k], err);
            if (rc == MN_OK)
                rc = reserve_on(n, w, vl, res[k] ^ 1u, err);
        }
    }
    mn_routes_destroy(r);
    return rc;
}

int mn_world_finish(mn_net *n, mn_err *err)
{
    mn_world *w = mn_net_world(n);
    if (!w->present)
        return MN_OK;
    for (size_t i = 0; i < w->nmobilities; i++) { /* the array moved as it grew */
        mn_mobility_def *d = &w->mobilities[i];
        d->m.pause = &d->pause;
        d->m.leave = &d->leave;
        d->m.travel = &d->travel;
        d->m.work = &d->work;
        d->m.trace = d->trace;
    }
    int rc = resolve(w, err);
    if (rc == MN_OK)
        rc = check_reach(n, w, err);
    if (rc == MN_OK)
        rc = map_vlinks(n, w, err);
    return rc;
}
