/*
 * world_load.c - the <world> elements of the scenario language; see world.h.
 *
 * One handler per element. Children see their parent through the cursor
 * fields below (the loader calls a parent before its children): a <radio>
 * inside <box> belongs to the last box; inside <box-set> it is stamped on
 * every box of the set. References that may point forward (a vAP's virtual
 * network and via VM, a service's VM) are resolved in mn_world_finish.
 */
#include "world_load.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/quantity.h"
#include "core/rng.h"
#include "core/scenario.h"
#include "net.h"

/* ---- small parsers ---- */

/* A quantity as a double in base units (bit/s, byte, Hz, mW, ns, mm), or dflt. */
static int qty(const mn_scn_elem *e, const char *name, const mn_quantity_kind *k, int required,
               double dflt, double *out, mn_err *err)
{
    if (!mn_scn_attr(e, name) && !required) {
        *out = dflt;
        return MN_OK;
    }
    uint64_t v;
    int rc = mn_scn_attr_quantity(e, name, k, required, 0, &v, err);
    *out = (double)v;
    return rc;
}

static int qty_time(const mn_scn_elem *e, const char *name, int required, mn_time dflt,
                    mn_time *out, mn_err *err)
{
    uint64_t v;
    int rc = mn_scn_attr_quantity(e, name, &mn_qk_duration, required, (uint64_t)dflt, &v, err);
    *out = (mn_time)v;
    return rc;
}

static int dist_attr(const mn_scn_elem *e, const char *name, const mn_quantity_kind *k,
                     const char *dflt, mn_distspec *out, mn_err *err)
{
    const char *text = mn_scn_attr(e, name);
    if (!text && !dflt)
        return mn_scn_fail(e, err, MN_EPARSE, "%s is missing; write e.g. %s=\"exponential(%s)\"",
                           name, name, k->example);
    mn_err derr = {0};
    if (mn_distspec_parse(text ? text : dflt, k, out, &derr) != MN_OK)
        return mn_scn_fail(e, err, derr.code, "%s: %s", name, derr.msg);
    return MN_OK;
}

/* "50%" or "0.5": a fraction in (0, 1]. */
static int fraction(const mn_scn_elem *e, const char *name, double dflt, double *out, mn_err *err)
{
    const char *text = mn_scn_attr(e, name);
    if (!text) {
        *out = dflt;
        return MN_OK;
    }
    char *end;
    double v = strtod(text, &end);
    if (end != text && *end == '%' && end[1] == '\0')
        v /= 100;
    else if (end == text || *end)
        return mn_scn_fail(e, err, MN_EPARSE, "%s \"%s\" is not a fraction; write e.g. \"50%%\"",
                           name, text);
    if (!(v > 0 && v <= 1))
        return mn_scn_fail(e, err, MN_ERANGE, "%s must be above 0%% and at most 100%%, e.g. \"30%%\"", name);
    *out = v;
    return MN_OK;
}


static int stacks_attr(const mn_scn_elem *e, const char *name, unsigned *mask, mn_err *err)
{
    const char *text = mn_scn_attr(e, name);
    mn_err serr = {0};
    if (mn_stacks_parse(text ? text : "ipv4", mask, &serr) != MN_OK)
        return mn_scn_fail(e, err, serr.code, "%s: %s", name, serr.msg);
    return MN_OK;
}

/* ---- ids and references ---- */

static const char *const kind_names[] = {
    "", "operator", "sla", "service", "box", "radio", "vap", "vm", "vlink", "vnet", "site",
    "mobility", "user", "arrivals", "fault",
};

static int add_id(mn_world *w, const mn_scn_elem *e, const char *id, int kind, size_t idx)
{
    if (idx >= (1u << 28))
        return mn_scn_fail(e, NULL, MN_ERANGE, "too many");
    int r = mn_strmap_add(&w->ids, id, (uint32_t)idx | (uint32_t)kind << 28);
    if (r < 0)
        return MN_ENOMEM;
    return r > 0 ? MN_EINVAL : MN_OK;
}

static int id_fail(const mn_scn_elem *e, mn_err *err, int rc, const char *id)
{
    if (rc == MN_EINVAL)
        return mn_scn_fail(e, err, MN_EINVAL, "id \"%s\" is taken; ids are unique across the world",
                           id);
    return MN_ERR(err, MN_ENOMEM, "out of memory");
}

/* Looks up `name` as an entity of `kind`; the message says what it is if it exists as another kind. */
static int lookup(const mn_world *w, const mn_scn_elem *e, const char *attr, const char *name,
                  int kind, uint32_t *idx, mn_err *err)
{
    uint32_t v;
    if (!mn_strmap_get(&w->ids, name, &v))
        return mn_scn_fail(e, err, MN_ENOTFOUND,
                           "%s names unknown %s \"%s\"; declare <%s id=\"%s\"/> before this line",
                           attr, kind_names[kind], name, kind_names[kind], name);
    if ((int)(v >> 28) != kind)
        return mn_scn_fail(e, err, MN_EINVAL, "%s \"%s\" is a %s, not a %s", attr, name,
                           kind_names[v >> 28], kind_names[kind]);
    *idx = v & ((1u << 28) - 1);
    return MN_OK;
}

static int ref(const mn_world *w, const mn_scn_elem *e, const char *attr, int kind, uint32_t *idx,
               mn_err *err)
{
    const char *name = mn_scn_attr(e, attr);
    if (!name) {
        *idx = MN_NONE;
        return MN_OK;
    }
    return lookup(w, e, attr, name, kind, idx, err);
}

static int node_ref(mn_net *n, const mn_scn_elem *e, const char *attr, uint32_t *idx, mn_err *err)
{
    const char *name = mn_scn_attr(e, attr);
    *idx = MN_NONE;
    if (!name)
        return MN_OK;
    if (!mn_strmap_get(&n->node_ids, name, idx))
        return mn_scn_fail(e, err, MN_ENOTFOUND,
                           "%s names unknown node \"%s\"; nodes come from <topology>", attr, name);
    return MN_OK;
}

/* Services named in a space-separated list (all when absent) as a bitmask. */
static int services_attr(const mn_world *w, const mn_scn_elem *e, uint32_t *mask, mn_err *err)
{
    const char *text = mn_scn_attr(e, "services");
    if (!text) {
        *mask = w->nservices >= 32 ? UINT32_MAX : (1u << w->nservices) - 1;
        return MN_OK;
    }
    char buf[1024], *save = NULL;
    snprintf(buf, sizeof buf, "%s", text);
    *mask = 0;
    for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        uint32_t s = 0;
        int rc = lookup(w, e, "services", t, MN_ID_SERVICE, &s, err);
        if (rc != MN_OK)
            return rc;
        *mask |= 1u << s;
    }
    return MN_OK;
}

/* Operators named in a space-separated list, for populations (one drawn per user). */
static int operators_attr(const mn_world *w, const mn_scn_elem *e, uint32_t *ops, size_t *n,
                          mn_err *err)
{
    char buf[1024], *save = NULL;
    snprintf(buf, sizeof buf, "%s", mn_scn_attr(e, "operator"));
    *n = 0;
    for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        if (*n == 32)
            return mn_scn_fail(e, err, MN_ERANGE, "operator lists more than 32 operators");
        int rc = lookup(w, e, "operator", t, MN_ID_OPERATOR, &ops[*n], err);
        if (rc != MN_OK)
            return rc;
        (*n)++;
    }
    if (*n == 0)
        return mn_scn_fail(e, err, MN_EINVAL, "operator is empty; name one or more operators");
    return MN_OK;
}

static const char *box_name(size_t i, const void *w)
{
    return ((const mn_world *)w)->boxes[i].id;
}

static const char *radio_name(size_t i, const void *w)
{
    return ((const mn_world *)w)->radios[i].id;
}

static const char *vm_name(size_t i, const void *w)
{
    return ((const mn_world *)w)->vms[i].id;
}

static const char *node_name(size_t i, const void *net)
{
    return ((const mn_net *)net)->nodes[i];
}

static const char *link_name(size_t i, const void *net)
{
    return ((const mn_net *)net)->links[i].id;
}

#define PUSH(w, arr, out)                                                                   \
    (mn_array_reserve((void **)&(w)->arr, &(w)->arr##_cap, (w)->n##arr + 1,                 \
                      sizeof *(w)->arr) == MN_OK                                            \
         ? (*(out) = &(w)->arr[(w)->n##arr], memset(*(out), 0, sizeof **(out)), MN_OK)      \
         : MN_ENOMEM)

/* Records an entity's id: both the name table and the entity's own copy. */
static int name_entity(mn_world *w, const mn_scn_elem *e, const char *id, int kind, size_t idx,
                       char **slot, mn_err *err)
{
    int rc = add_id(w, e, id, kind, idx);
    if (rc != MN_OK)
        return id_fail(e, err, rc, id);
    if (!(*slot = mn_strdup(id)))
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    return MN_OK;
}

/* ---- elements ---- */

static int on_world(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    w->present = 1;
    const char *u = mn_scn_attr(e, "underlay");
    if (u && mn_underlay_parse(u, &w->underlay) != MN_OK)
        return mn_scn_fail(e, err, MN_EINVAL, "underlay \"%s\" is not ipv4 or ipv6", u);
    double k;
    int rc = mn_scn_attr_number(e, "queue-packets", 1, 1e6, 64, &k, err);
    w->queue_packets = (unsigned)k;
    return rc;
}

static int on_operator(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    if (mn_array_reserve((void **)&w->operators, &w->operators_cap, w->noperators + 1,
                         sizeof *w->operators) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    int rc = name_entity(w, e, mn_scn_attr(e, "id"), MN_ID_OPERATOR, w->noperators,
                         &w->operators[w->noperators], err);
    if (rc == MN_OK)
        w->noperators++;
    return rc;
}

static int on_sla(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    mn_sla *s;
    if (PUSH(w, slas, &s) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    int rc;
    if ((rc = qty(e, "min-throughput", &mn_qk_rate, 0, 0, &s->min_bps, err)) != MN_OK ||
        (rc = qty_time(e, "max-delay", 0, 0, &s->max_delay, err)) != MN_OK ||
        (rc = qty_time(e, "max-outage", 0, MN_TIME_MAX, &s->max_outage, err)) != MN_OK)
        return rc;
    if (!mn_scn_attr(e, "min-throughput") && !mn_scn_attr(e, "max-delay") &&
        !mn_scn_attr(e, "max-outage"))
        return mn_scn_fail(e, err, MN_EINVAL,
                           "an SLA needs at least one of min-throughput, max-delay, max-outage");
    if ((rc = name_entity(w, e, mn_scn_attr(e, "id"), MN_ID_SLA, w->nslas, &s->id, err)) != MN_OK)
        return rc;
    w->nslas++;
    return MN_OK;
}

static int on_service(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_net *n = world;
    mn_world *w = mn_net_world(world);
    if (w->nservices == MN_MAX_SERVICES)
        return mn_scn_fail(e, err, MN_ERANGE, "more than %d services", MN_MAX_SERVICES);
    mn_service *s;
    if (PUSH(w, services, &s) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    static const char *const kinds[] = {"transfer", "stream"};
    static const char *const dirs[] = {"", "down", "up", "both"};
    int kind, dir, rc;
    double pkt;
    s->to_vm = MN_NONE;
    if ((rc = mn_scn_attr_choice(e, "kind", kinds, 2, 0, &kind, err)) != MN_OK ||
        (rc = mn_scn_attr_choice(e, "direction", dirs, 4, MN_DIR_DOWN, &dir, err)) != MN_OK ||
        (rc = dist_attr(e, "interarrival", &mn_qk_duration, NULL, &s->interarrival, err)) != MN_OK ||
        (rc = qty(e, "rate", &mn_qk_rate, kind == MN_SVC_STREAM, 0, &s->rate_bps, err)) != MN_OK ||
        (rc = qty(e, "packet", &mn_qk_size, 0, 1400, &pkt, err)) != MN_OK ||
        (rc = ref(w, e, "sla", MN_ID_SLA, &s->sla, err)) != MN_OK)
        return rc;
    if (dir == 0)
        return mn_scn_fail(e, err, MN_EINVAL, "direction must be down, up or both");
    s->kind = (mn_svc_kind)kind;
    s->direction = dir;
    if (!(pkt >= 40 && pkt <= 65535))
        return mn_scn_fail(e, err, MN_ERANGE, "packet must be 40B to 65535B (got %gB)", pkt);
    s->packet_bytes = pkt;
    if (kind == MN_SVC_TRANSFER) {
        if (mn_scn_attr(e, "duration"))
            return mn_scn_fail(e, err, MN_EINVAL, "a transfer has a size, not a duration");
        if (dir == MN_DIR_BOTH)
            return mn_scn_fail(e, err, MN_EINVAL,
                               "a transfer goes one way: direction=\"down\" or \"up\" (a stream may "
                               "go both ways)");
        rc = dist_attr(e, "size", &mn_qk_size, NULL, &s->size, err);
    } else {
        if (mn_scn_attr(e, "size"))
            return mn_scn_fail(e, err, MN_EINVAL, "a stream has a duration, not a size");
        rc = dist_attr(e, "duration", &mn_qk_duration, NULL, &s->duration, err);
        if (rc == MN_OK && s->rate_bps <= 0)
            rc = mn_scn_fail(e, err, MN_ERANGE, "a stream's rate must be above zero");
    }
    if (rc != MN_OK)
        return rc;
    if (s->interarrival.kind == MN_DIST_CONST && s->interarrival.a <= 0)
        return mn_scn_fail(e, err, MN_ERANGE, "interarrival must be above zero");
    /* to: a topology node, or a VM (resolved at the end: VMs may come later) */
    const char *to = mn_scn_attr(e, "to");
    s->to_node = MN_NONE;
    if (to && !mn_strmap_get(&n->node_ids, to, &s->to_node) &&
        mn_world_defer(w, e, MN_ID_VM, to, MN_ID_SERVICE, (uint32_t)w->nservices, "to", err) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    if ((rc = name_entity(w, e, mn_scn_attr(e, "id"), MN_ID_SERVICE, w->nservices, &s->id, err)) != MN_OK)
        return rc;
    w->nservices++;
    return MN_OK;
}

static int on_site(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    mn_site *s;
    if (PUSH(w, sites, &s) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    mn_net *n = world;
    int rc = node_ref(world, e, "node", &s->node, err);
    if (rc == MN_OK)
        rc = name_entity(w, e, mn_scn_attr(e, "id"), MN_ID_SITE, w->nsites, &s->id, err);
    if (rc != MN_OK)
        return rc;
    uint32_t site = (uint32_t)w->nsites++;
    if (!w->node_site) {
        if (!(w->node_site = mn_alloc((n->nnodes + 1) * sizeof *w->node_site)))
            return MN_ERR(err, MN_ENOMEM, "out of memory");
        for (size_t i = 0; i <= n->nnodes; i++)
            w->node_site[i] = MN_NONE;
        w->node_site_n = n->nnodes;
    }
    /* the gateway, and the nodes named in `nodes` (ids, or prefixes ending in '*') */
    if (mn_scn_attr(e, "nodes")) {
        uint32_t *nodes;
        size_t nn;
        if ((rc = mn_scn_attr_match(e, "nodes", n->nnodes, node_name, n, "node", &nodes, &nn, err)) != MN_OK)
            return rc;
        for (size_t k = 0; k < nn && rc == MN_OK; k++) {
            uint32_t i = nodes[k];
            if (w->node_site[i] != MN_NONE && w->node_site[i] != site)
                rc = mn_scn_fail(e, err, MN_EINVAL, "node %s is already in site %s; a node is in one site",
                                 n->nodes[i], w->sites[w->node_site[i]].id);
            else
                w->node_site[i] = site;
        }
        mn_free(nodes);
        if (rc != MN_OK)
            return rc;
    }
    if (w->node_site[s->node] != MN_NONE && w->node_site[s->node] != site)
        return mn_scn_fail(e, err, MN_EINVAL, "gateway %s is already in site %s", n->nodes[s->node],
                           w->sites[w->node_site[s->node]].id);
    w->node_site[s->node] = site;
    return MN_OK;
}

static int on_tunnel(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    mn_tunnel t;
    int rc;
    if ((rc = ref(w, e, "from", MN_ID_SITE, &t.a, err)) != MN_OK ||
        (rc = ref(w, e, "to", MN_ID_SITE, &t.b, err)) != MN_OK)
        return rc;
    if (t.a == t.b)
        return mn_scn_fail(e, err, MN_EINVAL, "a tunnel joins two different sites");
    if (w->sites[t.a].node == w->sites[t.b].node)
        return mn_scn_fail(e, err, MN_EINVAL, "sites %s and %s share gateway node; give each its own",
                           w->sites[t.a].id, w->sites[t.b].id);
    for (size_t i = 0; i < w->ntunnels; i++)
        if ((w->tunnels[i].a == t.a && w->tunnels[i].b == t.b) ||
            (w->tunnels[i].a == t.b && w->tunnels[i].b == t.a))
            return mn_scn_fail(e, err, MN_EINVAL, "sites %s and %s are already joined",
                               w->sites[t.a].id, w->sites[t.b].id);
    mn_tunnel *slot;
    if (PUSH(w, tunnels, &slot) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    *slot = t;
    w->ntunnels++;
    return MN_OK;
}

/* Position: x/y distances, or lat/lon degrees (projected around the first seen). */
static int position(mn_world *w, const mn_scn_elem *e, mn_pos *pos, int *given, mn_err *err)
{
    const char *x = mn_scn_attr(e, "x"), *y = mn_scn_attr(e, "y");
    const char *lat = mn_scn_attr(e, "lat"), *lon = mn_scn_attr(e, "lon");
    *given = 0;
    if ((x || y) && (lat || lon))
        return mn_scn_fail(e, err, MN_EINVAL, "give x and y, or lat and lon, not both");
    if (!!x != !!y || !!lat != !!lon)
        return mn_scn_fail(e, err, MN_EINVAL, "a position needs both %s", x || y ? "x and y" : "lat and lon");
    if (x) {
        /* distances are non-negative quantities: coordinates start at the area's corner */
        double mx, my;
        int rc;
        if ((rc = qty(e, "x", &mn_qk_distance, 1, 0, &mx, err)) != MN_OK ||
            (rc = qty(e, "y", &mn_qk_distance, 1, 0, &my, err)) != MN_OK)
            return rc;
        *pos = (mn_pos){mx / 1000, my / 1000};
        *given = 1;
    } else if (lat) {
        double la, lo;
        int rc;
        if ((rc = mn_scn_attr_number(e, "lat", -90, 90, 0, &la, err)) != MN_OK ||
            (rc = mn_scn_attr_number(e, "lon", -180, 180, 0, &lo, err)) != MN_OK)
            return rc;
        if (!w->geo.set)
            mn_geo_frame_init(&w->geo, la, lo);
        *pos = mn_geo_project(&w->geo, la, lo);
        *given = 1;
    }
    return MN_OK;
}

/* The attributes a box and a box-set share; defaults in docs/models.md. */
static int box_params(mn_net *n, mn_world *w, const mn_scn_elem *e, mn_box *b, int with_node,
                      mn_err *err)
{
    int rc;
    double idle, max;
    mn_time lat;
    b->node = MN_NONE;
    if ((with_node && (rc = node_ref(n, e, "node", &b->node, err)) != MN_OK) ||
        (rc = ref(w, e, "site", MN_ID_SITE, &b->site, err)) != MN_OK ||
        (rc = qty(e, "cpu", &mn_qk_frequency, 0, 2e9, &b->cpu_hz, err)) != MN_OK ||
        (rc = qty(e, "memory", &mn_qk_size, 0, 1073741824.0, &b->mem_bytes, err)) != MN_OK ||
        (rc = qty(e, "dom0-cpu", &mn_qk_frequency, 0, 5e8, &b->dom0_cpu_hz, err)) != MN_OK ||
        (rc = qty(e, "dom0-memory", &mn_qk_size, 0, 268435456.0, &b->dom0_mem_bytes, err)) != MN_OK ||
        (rc = qty(e, "uplink", &mn_qk_rate, 0, 1e8, &b->uplink_bps, err)) != MN_OK ||
        (rc = qty_time(e, "uplink-latency", 0, 5 * MN_MS, &lat, err)) != MN_OK ||
        (rc = qty(e, "power-idle", &mn_qk_electric_power, 0, 10000, &idle, err)) != MN_OK ||
        (rc = qty(e, "power-max", &mn_qk_electric_power, 0, 20000, &max, err)) != MN_OK ||
        (rc = mn_scn_attr_number(e, "forward-dom0", 1, 1e9, 4000, &b->cycles_dom0, err)) != MN_OK ||
        (rc = mn_scn_attr_number(e, "forward-domu", 1, 1e9, 12000, &b->cycles_domu, err)) != MN_OK)
        return rc;
    b->uplink_latency = lat;
    b->power_idle_w = idle / 1000;
    b->power_max_w = max / 1000;
    if (b->cpu_hz <= 0 || b->mem_bytes <= 0 || b->uplink_bps <= 0)
        return mn_scn_fail(e, err, MN_ERANGE, "cpu, memory and uplink must be above zero");
    if (b->dom0_cpu_hz >= b->cpu_hz || b->dom0_mem_bytes >= b->mem_bytes)
        return mn_scn_fail(e, err, MN_ERANGE,
                           "dom0 keeps all the box (dom0-cpu %.3g Hz of %.3g, dom0-memory %.3g B of "
                           "%.3g); leave room for vAPs and VMs",
                           b->dom0_cpu_hz, b->cpu_hz, b->dom0_mem_bytes, b->mem_bytes);
    if (b->power_max_w < b->power_idle_w)
        return mn_scn_fail(e, err, MN_ERANGE, "power-max (%gW) is below power-idle (%gW)",
                           b->power_max_w, b->power_idle_w);
    if (b->site == MN_NONE && b->node != MN_NONE && w->node_site && b->node < w->node_site_n)
        b->site = w->node_site[b->node]; /* a box on a site's node belongs to the site */
    b->line = mn_scn_elem_line(e);
    return MN_OK;
}

static int on_box(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    mn_box *b;
    if (PUSH(w, boxes, &b) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    int given, rc;
    if ((rc = box_params(world, w, e, b, 1, err)) != MN_OK || (rc = position(w, e, &b->pos, &given, err)) != MN_OK)
        return rc;
    if (!given)
        return mn_scn_fail(e, err, MN_EINVAL, "a box needs a position: x=\"0m\" y=\"0m\" or lat/lon");
    if ((rc = name_entity(w, e, mn_scn_attr(e, "id"), MN_ID_BOX, w->nboxes, &b->id, err)) != MN_OK)
        return rc;
    w->cur_first = (uint32_t)w->nboxes++;
    w->cur_count = 1;
    return MN_OK;
}

/* Position along a Hilbert curve over a 65,536 x 65,536 grid (the usual xy2d, with rotations). */
static uint64_t hilbert_key(uint32_t x, uint32_t y)
{
    const uint32_t n = 1u << 16;
    uint64_t d = 0;
    for (uint32_t s = n / 2; s > 0; s /= 2) {
        uint32_t rx = (x & s) != 0, ry = (y & s) != 0;
        d += (uint64_t)s * s * ((3 * rx) ^ ry);
        if (ry == 0) {
            if (rx == 1) {
                x = n - 1 - x;
                y = n - 1 - y;
            }
            uint32_t t = x;
            x = y;
            y = t;
        }
    }
    return d;
}

typedef struct placed {
    uint64_t key;
    uint64_t draw; /* which draw: the order of two boxes in one cell of the grid */
    mn_pos pos;
} placed;

static int by_key(const void *a, const void *b)
{
    const placed *p = a, *q = b;
    if (p->key != q->key)
        return p->key < q->key ? -1 : 1;
    return p->draw < q->draw ? -1 : p->draw > q->draw;
}

/*
 * count boxes <id>-<i>, uniform in a side x side square (stream "boxes:<id>"),
 * uplinks spread over `node`. The positions are drawn first and then handed
 * out in their order along a Hilbert curve, so boxes near each other in the
 * city are near each other in memory: a user's association reads the boxes
 * in its range, their radios and vAPs, and at city scale each was a miss of
 * its own (docs/models.md, Performance, session 8). Which box gets which
 * position is all that changes: the positions are the same draws.
 */
static int on_box_set(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_net *n = world;
    mn_world *w = mn_net_world(world);
    const char *id = mn_scn_attr(e, "id");
    unsigned long long count = strtoull(mn_scn_attr(e, "count"), NULL, 10);
    if (count > 1000000)
        return mn_scn_fail(e, err, MN_ERANGE, "count %llu is above 1,000,000", count);
    double side;
    mn_box proto = {0};
    int rc;
    if ((rc = qty(e, "side", &mn_qk_distance, 1, 0, &side, err)) != MN_OK)
        return rc;
    /* node may be a list of nodes or prefixes: each box takes one in turn */
    uint32_t *node_list = NULL;
    size_t nnodes = 0;
    if (mn_scn_attr(e, "node") &&
        (rc = mn_scn_attr_match(e, "node", n->nnodes, node_name, n, "node", &node_list, &nnodes, err)) != MN_OK)
        return rc;
    if ((rc = box_params(n, w, e, &proto, 0, err)) != MN_OK) {
        mn_free(node_list);
        return rc;
    }
    mn_rng *r;
    char stream[96];
    snprintf(stream, sizeof stream, "boxes:%.80s", id);
    if ((rc = mn_rng_create(mn_world_seed(world), stream, NULL, &r, err)) != MN_OK) {
        mn_free(node_list);
        return rc;
    }
    if (mn_array_reserve((void **)&w->boxes, &w->boxes_cap, w->nboxes + count, sizeof *w->boxes) != MN_OK) {
        mn_rng_destroy(r);
        mn_free(node_list);
        return MN_ERR(err, MN_ENOMEM, "out of memory for %llu boxes", count);
    }
    placed *at = mn_alloc((count ? count : 1) * sizeof *at);
    if (!at) {
        mn_rng_destroy(r);
        mn_free(node_list);
        return MN_ERR(err, MN_ENOMEM, "out of memory for %llu boxes", count);
    }
    for (unsigned long long i = 0; i < count; i++) {
        double u = mn_rng_uniform(r), v = mn_rng_uniform(r); /* [0, 1): the square's fractions */
        at[i].pos = (mn_pos){u * side / 1000, v * side / 1000};
        at[i].key = hilbert_key((uint32_t)(u * 65536), (uint32_t)(v * 65536));
        at[i].draw = i;
    }
    qsort(at, count, sizeof *at, by_key);
    w->cur_first = (uint32_t)w->nboxes;
    w->cur_count = 0;
    for (unsigned long long i = 0; i < count && rc == MN_OK; i++) {
        mn_box *b = &w->boxes[w->nboxes];
        *b = proto;
        b->pos = at[i].pos;
        b->node = nnodes ? node_list[i % nnodes] : MN_NONE;
        if (b->site == MN_NONE && b->node != MN_NONE && w->node_site && b->node < w->node_site_n)
            b->site = w->node_site[b->node];
        char bid[160];
        snprintf(bid, sizeof bid, "%s-%llu", id, i);
        rc = name_entity(w, e, bid, MN_ID_BOX, w->nboxes, &b->id, err);
        if (rc == MN_OK) {
            w->nboxes++;
            w->cur_count++;
        }
    }
    mn_free(at);
    mn_rng_destroy(r);
    mn_free(node_list);
    return rc;
}

/* Reserves a vAP's or VM's CPU and memory on a box, or says what is over. */
static int reserve(mn_world *w, const mn_scn_elem *e, uint32_t box, double cpu, double mem,
                   const char *what, mn_err *err)
{
    mn_box *b = &w->boxes[box];
    double cpu_free = b->cpu_hz - b->dom0_cpu_hz - b->cpu_used_hz;
    double mem_free = b->mem_bytes - b->dom0_mem_bytes - b->mem_used_bytes;
    if (cpu > cpu_free * (1 + 1e-12))
        return mn_scn_fail(e, err, MN_ERANGE,
                           "%s needs %.4g MHz of CPU but box %s has %.4g MHz left; give the box "
                           "more cpu or the %s less",
                           what, cpu / 1e6, b->id, cpu_free / 1e6, what);
    if (mem > mem_free * (1 + 1e-12))
        return mn_scn_fail(e, err, MN_ERANGE,
                           "%s needs %.4g MiB of memory but box %s has %.4g MiB left; give the box "
                           "more memory or the %s less",
                           what, mem / 1048576, b->id, mem_free / 1048576, what);
    b->cpu_used_hz += cpu;
    b->mem_used_bytes += mem;
    return MN_OK;
}

/* The boxes a child element applies to: its box, or every box of its box-set. */
static int parent_boxes(const mn_world *w, const mn_scn_elem *e, uint32_t *first, uint32_t *count,
                        mn_err *err)
{
    const char *p = mn_scn_elem_parent_name(e);
    if (strcmp(p, "box") != 0 && strcmp(p, "box-set") != 0)
        return mn_scn_fail(e, err, MN_EINVAL, "<%s> belongs inside <box> or <box-set>",
                           mn_scn_elem_name(e));
    *first = w->cur_first;
    *count = w->cur_count;
    return MN_OK;
}

/* A child's id: as written inside <box>, "<box>-<id>" inside <box-set>. */
static void child_id(const mn_world *w, const mn_scn_elem *e, uint32_t box, char *buf, size_t n)
{
    if (strcmp(mn_scn_elem_parent_name(e), "box-set") == 0)
        snprintf(buf, n, "%s-%s", w->boxes[box].id, mn_scn_attr(e, "id"));
    else
        snprintf(buf, n, "%s", mn_scn_attr(e, "id"));
}

static int on_radio(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    uint32_t first = 0, count = 0;
    int rc = parent_boxes(w, e, &first, &count, err);
    if (rc != MN_OK)
        return rc;
    mn_radio proto = {0};
    const char *std = mn_scn_attr(e, "standard");
    mn_wifi_std s = MN_WIFI_N;
    mn_err serr = {0};
    if (std && mn_wifi_std_parse(std, &s, &serr) != MN_OK)
        return mn_scn_fail(e, err, MN_EINVAL, "standard: %s", serr.msg);
    mn_radio_cfg_default(s, &proto.cfg);
    double width, streams, pwr_dbm = proto.cfg.tx_power_dbm, beacon;
    if (mn_scn_attr(e, "channel")) {
        double ch;
        mn_err cerr = {0};
        if ((rc = mn_scn_attr_number(e, "channel", 1, 300, 0, &ch, err)) != MN_OK)
            return rc;
        if (mn_wifi_channel_freq(s, (int)ch, &proto.cfg.freq_mhz, &cerr) != MN_OK)
            return mn_scn_fail(e, err, cerr.code, "channel: %s", cerr.msg);
        proto.cfg.ref_loss_db = -1; /* free space at the new frequency */
    }
    if (mn_scn_attr(e, "power")) {
        mn_err perr = {0};
        if (mn_power_parse(mn_scn_attr(e, "power"), NULL, &pwr_dbm, &perr) != MN_OK)
            return mn_scn_fail(e, err, perr.code, "power: %s", perr.msg);
    }
    proto.cfg.tx_power_dbm = pwr_dbm;
    if ((rc = qty(e, "width", &mn_qk_frequency, 0, proto.cfg.width_mhz * 1e6, &width, err)) != MN_OK ||
        (rc = mn_scn_attr_number(e, "streams", 1, 8, proto.cfg.streams, &streams, err)) != MN_OK ||
        (rc = mn_scn_attr_number(e, "path-loss-exponent", 1.5, 8, proto.cfg.path_loss_exp, &proto.cfg.path_loss_exp, err)) != MN_OK ||
        (rc = mn_scn_attr_number(e, "reference-loss", 0, 200, proto.cfg.ref_loss_db, &proto.cfg.ref_loss_db, err)) != MN_OK ||
        (rc = mn_scn_attr_number(e, "gains", -100, 100, proto.cfg.gains_db, &proto.cfg.gains_db, err)) != MN_OK ||
        (rc = mn_scn_attr_number(e, "noise-margin", -50, 100, proto.cfg.noise_adjust_db, &proto.cfg.noise_adjust_db, err)) != MN_OK ||
        (rc = qty(e, "beacon-size", &mn_qk_size, 0, 300, &beacon, err)) != MN_OK ||
        (rc = qty_time(e, "beacon-interval", 0, 102400 * MN_US, &proto.beacon_interval, err)) != MN_OK)
        return rc;
    proto.cfg.width_mhz = width / 1e6;
    proto.cfg.streams = (unsigned)streams;
    proto.beacon_bytes = beacon;
    mn_err cerr = {0};
    if (mn_radio_check(&proto.cfg, &cerr) != MN_OK)
        return mn_scn_fail(e, err, cerr.code, "%s", cerr.msg);
    if (proto.beacon_interval <= 0 || beacon < 24)
        return mn_scn_fail(e, err, MN_ERANGE, "beacon-interval must be above zero and beacon-size at least 24B");
    proto.range_m = mn_radio_range_m(&proto.cfg);
    if (mn_array_reserve((void **)&w->radios, &w->radios_cap, w->nradios + count, sizeof *w->radios) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    for (uint32_t b = first; b < first + count; b++) {
        mn_radio *r = &w->radios[w->nradios];
        *r = proto;
        r->box = b;
        char rid[200];
        child_id(w, e, b, rid, sizeof rid);
        if ((rc = name_entity(w, e, rid, MN_ID_RADIO, w->nradios, &r->id, err)) != MN_OK)
            return rc;
        w->nradios++;
        w->boxes[b].nradios++;
    }
    return MN_OK;
}

/* Live-migration and placement attributes of a movable vAP or VM. */
static int movable_attrs(mn_world *w, const mn_scn_elem *e, uint32_t **cand, size_t *ncand,
                         double *dirty, double *uplink, mn_err *err)
{
    int rc;
    if ((rc = qty(e, "dirty-rate", &mn_qk_rate, 0, 0, dirty, err)) != MN_OK ||
        (rc = qty(e, "uplink", &mn_qk_rate, 0, 0, uplink, err)) != MN_OK)
        return rc;
    *dirty /= 8; /* bytes/s */
    return mn_scn_attr_match(e, "boxes", w->nboxes, box_name, w, "box", cand, ncand, err);
}

/*
 * <vap> at world level: a movable vAP (or count of them, named id-0, id-1,
 * ...) that the placement policy puts on one of its candidate boxes at the
 * start (on-demand ones: the box agent, when a user needs one).
 */
static int on_vap_movable(mn_world *w, const mn_scn_elem *e, mn_err *err)
{
    static const char *const planes[] = {"dom0", "domu"};
    static const char *const yesno[] = {"no", "yes"};
    mn_vap proto = {0};
    double max_users, count;
    int on_demand = 0, rc;
    if (mn_scn_attr(e, "radio"))
        return mn_scn_fail(e, err, MN_EINVAL,
                           "a vAP at world level is placed by policy on one of boxes=\"...\"; "
                           "drop radio= or declare it inside its <box>");
    if (!mn_scn_attr(e, "boxes"))
        return mn_scn_fail(e, err, MN_EPARSE,
                           "a vAP at world level needs boxes=\"...\", the boxes it may be placed on");
    if (mn_scn_attr(e, "vnet") || mn_scn_attr(e, "via"))
        return mn_scn_fail(e, err, MN_EINVAL,
                           "a movable vAP cannot enter a virtual network; declare it inside its <box>");
    if ((rc = ref(w, e, "operator", MN_ID_OPERATOR, &proto.op, err)) != MN_OK ||
        (rc = stacks_attr(e, "stacks", &proto.stacks, err)) != MN_OK ||
        (rc = qty(e, "cpu", &mn_qk_frequency, 0, 1e8, &proto.cpu_hz, err)) != MN_OK ||
        (rc = qty(e, "memory", &mn_qk_size, 0, 67108864.0, &proto.mem_bytes, err)) != MN_OK ||
        (rc = fraction(e, "airtime", 1, &proto.airtime, err)) != MN_OK ||
        (rc = mn_scn_attr_choice(e, "plane", planes, 2, 0, &proto.plane_domu, err)) != MN_OK ||
        (rc = mn_scn_attr_number(e, "max-users", 0, 1e6, 0, &max_users, err)) != MN_OK ||
        (rc = mn_scn_attr_number(e, "count", 1, 1e6, 1, &count, err)) != MN_OK ||
        (rc = mn_scn_attr_choice(e, "on-demand", yesno, 2, 0, &on_demand, err)) != MN_OK ||
        (rc = ref(w, e, "tunnel", MN_ID_SITE, &proto.tunnel_site, err)) != MN_OK)
        return rc;
    if (proto.cpu_hz <= 0)
        return mn_scn_fail(e, err, MN_ERANGE, "cpu must be above zero (it forwards in its domU)");
    if (count != floor(count))
        return mn_scn_fail(e, err, MN_EINVAL, "count must be a whole number");
    const char *ssid = mn_scn_attr(e, "ssid"), *follows = mn_scn_attr(e, "follows");
    if (ssid && (!*ssid || strlen(ssid) > 32 || strchr(ssid, ',') || strchr(ssid, '"')))
        return mn_scn_fail(e, err, MN_EINVAL,
                           "ssid \"%s\" must be 1 to 32 bytes (802.11) without commas or quotes", ssid);
    if (follows && count > 1)
        return mn_scn_fail(e, err, MN_EINVAL, "follows= names one user: give count=\"1\"");
    proto.max_users = (uint32_t)max_users;
    proto.vnet = proto.via_vm = MN_NONE;
    proto.box = proto.radio = proto.follows = MN_NONE;
    proto.movable = 1;
    proto.on_demand = (uint8_t)on_demand;
    proto.line = mn_scn_elem_line(e);
    uint32_t *cand = NULL;
    size_t ncand = 0;
    if ((rc = movable_attrs(w, e, &cand, &ncand, &proto.dirty_bps, &proto.uplink_bps, err)) != MN_OK)
        return rc;
    if (mn_array_reserve((void **)&w->vaps, &w->vaps_cap, w->nvaps + (size_t)count, sizeof *w->vaps) != MN_OK) {
        mn_free(cand);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    for (uint32_t k = 0; k < (uint32_t)count; k++) {
        char name[200];
        if (count > 1)
            snprintf(name, sizeof name, "%s-%u", mn_scn_attr(e, "id"), k);
        else
            snprintf(name, sizeof name, "%s", mn_scn_attr(e, "id"));
        if (!ssid && strlen(name) > 32) {
            mn_free(cand);
            return mn_scn_fail(e, err, MN_EINVAL,
                               "its id, the default SSID, is over 32 bytes; give ssid=\"...\"");
        }
        mn_vap *v = &w->vaps[w->nvaps];
        *v = proto;
        if (!(v->cand = k + 1 == (uint32_t)count ? cand : mn_alloc(ncand * sizeof *cand))) {
            mn_free(cand);
            return MN_ERR(err, MN_ENOMEM, "out of memory");
        }
        if (v->cand != cand)
            memcpy(v->cand, cand, ncand * sizeof *cand);
        v->ncand = ncand;
        if ((rc = name_entity(w, e, name, MN_ID_VAP, w->nvaps, &v->id, err)) != MN_OK) {
            if (v->cand != cand)
                mn_free(v->cand);
            mn_free(cand);
            return rc;
        }
        if (!(v->ssid = mn_strdup(ssid ? ssid : name))) {
            mn_free(v->id);
            if (v->cand != cand)
                mn_free(v->cand);
            mn_free(cand);
            return MN_ERR(err, MN_ENOMEM, "out of memory");
        }
        if (follows && mn_world_defer(w, e, MN_ID_USER, follows, MN_ID_VAP, (uint32_t)w->nvaps, "follows", err) != MN_OK) {
            w->nvaps++; /* counted: the world frees what it owns */
            return MN_ERR(err, MN_ENOMEM, "out of memory");
        }
        w->nvaps++;
    }
    return MN_OK;
}

static int on_vap(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    if (strcmp(mn_scn_elem_parent_name(e), "world") == 0)
        return on_vap_movable(w, e, err);
    uint32_t first = 0, count = 0;
    int rc = parent_boxes(w, e, &first, &count, err);
    if (rc != MN_OK)
        return rc;
    mn_vap proto = {0};
    static const char *const planes[] = {"dom0", "domu"};
    double max_users;
    if ((rc = ref(w, e, "operator", MN_ID_OPERATOR, &proto.op, err)) != MN_OK ||
        (rc = stacks_attr(e, "stacks", &proto.stacks, err)) != MN_OK ||
        (rc = qty(e, "cpu", &mn_qk_frequency, 0, 1e8, &proto.cpu_hz, err)) != MN_OK ||
        (rc = qty(e, "memory", &mn_qk_size, 0, 67108864.0, &proto.mem_bytes, err)) != MN_OK ||
        (rc = fraction(e, "airtime", 1, &proto.airtime, err)) != MN_OK ||
        (rc = mn_scn_attr_choice(e, "plane", planes, 2, 0, &proto.plane_domu, err)) != MN_OK ||
        (rc = mn_scn_attr_number(e, "max-users", 0, 1e6, 0, &max_users, err)) != MN_OK ||
        (rc = ref(w, e, "tunnel", MN_ID_SITE, &proto.tunnel_site, err)) != MN_OK)
        return rc;
    if (proto.cpu_hz <= 0)
        return mn_scn_fail(e, err, MN_ERANGE, "cpu must be above zero (it forwards in its domU)");
    proto.max_users = (uint32_t)max_users;
    proto.vnet = proto.via_vm = MN_NONE;
    if (mn_array_reserve((void **)&w->vaps, &w->vaps_cap, w->nvaps + count, sizeof *w->vaps) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    for (uint32_t b = first; b < first + count; b++) {
        char name[200];
        /* the radio: named as written inside <box>, as the template's id inside <box-set> */
        child_id(w, e, b, name, sizeof name);
        char rname[200];
        if (strcmp(mn_scn_elem_parent_name(e), "box-set") == 0)
            snprintf(rname, sizeof rname, "%s-%s", w->boxes[b].id, mn_scn_attr(e, "radio"));
        else
            snprintf(rname, sizeof rname, "%s", mn_scn_attr(e, "radio"));
        mn_vap *v = &w->vaps[w->nvaps];
        *v = proto;
        v->box = b;
        v->follows = MN_NONE;
        v->line = mn_scn_elem_line(e);
        if ((rc = lookup(w, e, "radio", rname, MN_ID_RADIO, &v->radio, err)) != MN_OK)
            return rc;
        mn_radio *r = &w->radios[v->radio];
        if (r->box != b)
            return mn_scn_fail(e, err, MN_EINVAL, "radio %s is on box %s, not on this box", r->id,
                               w->boxes[r->box].id);
        unsigned cap = mn_wifi_max_vaps(r->cfg.std);
        if (r->nvaps + 1 > cap)
            return mn_scn_fail(e, err, MN_ERANGE,
                               "radio %s would carry %u vAPs; %s allows at most %u per radio "
                               "(after the reference paper); add a radio or a box",
                               r->id, r->nvaps + 1, mn_wifi_std_name(r->cfg.std), cap);
        double beacons = mn_wifi_beacon_overhead(&r->cfg, r->nvaps + 1, r->beacon_bytes,
                                                 mn_time_to_sec(r->beacon_interval));
        if (beacons > MN_WORLD_MAX_BEACON_SHARE)
            return mn_scn_fail(e, err, MN_ERANGE,
                               "radio %s would spend %.0f%% of its air on the beacons of %u vAPs "
                               "(at most %.0f%%); fewer vAPs, a longer beacon-interval or a smaller "
                               "beacon-size",
                               r->id, beacons * 100, r->nvaps + 1, MN_WORLD_MAX_BEACON_SHARE * 100);
        if ((rc = reserve(w, e, b, v->cpu_hz, v->mem_bytes, "the vAP", err)) != MN_OK)
            return rc;
        const char *ssid = mn_scn_attr(e, "ssid"), *vnet = mn_scn_attr(e, "vnet"), *via = mn_scn_attr(e, "via");
        if (ssid && (!*ssid || strlen(ssid) > 32 || strchr(ssid, ',') || strchr(ssid, '"')))
            return mn_scn_fail(e, err, MN_EINVAL,
                               "ssid \"%s\" must be 1 to 32 bytes (802.11) without commas or quotes",
                               ssid);
        if (!ssid && strlen(name) > 32)
            return mn_scn_fail(e, err, MN_EINVAL,
                               "its id, the default SSID, is over 32 bytes; give ssid=\"...\"");
        if (!!vnet != !!via)
            return mn_scn_fail(e, err, MN_EINVAL, "vnet and via go together: the network and the VM traffic enters it at");
        if ((via && mn_world_defer(w, e, MN_ID_VM, via, MN_ID_VAP, (uint32_t)w->nvaps, "via", err) != MN_OK) ||
            (vnet && mn_world_defer(w, e, MN_ID_VNET, vnet, MN_ID_VAP, (uint32_t)w->nvaps, "vnet", err) != MN_OK))
            return MN_ERR(err, MN_ENOMEM, "out of memory");
        /* last: what it owns is freed with the world only once it is counted */
        if ((rc = name_entity(w, e, name, MN_ID_VAP, w->nvaps, &v->id, err)) != MN_OK)
            return rc;
        if (!(v->ssid = mn_strdup(ssid ? ssid : name))) {
            mn_free(v->id);
            return MN_ERR(err, MN_ENOMEM, "out of memory");
        }
        r->nvaps++;
        w->nvaps++;
    }
    return MN_OK;
}

static const char *const vm_kinds[] = {"router", "switch", "firewall", "pbx"};

/* Extra per-packet work by kind, as a multiple of the box's forwarding cost: an assumption, see docs/models.md. */
static const double vm_cost_factor[] = {1.0, 0.6, 1.5, 1.2};

static int vm_parse(mn_world *w, mn_vm *v, const mn_scn_elem *e, mn_err *err);

static int on_vm(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    mn_vm *v;
    if (PUSH(w, vms, &v) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    int rc = vm_parse(w, v, e, err);
    if (rc != MN_OK) { /* not counted: what it took is freed here */
        mn_free(v->cand);
        v->cand = NULL;
    }
    return rc;
}

static int vm_parse(mn_world *w, mn_vm *v, const mn_scn_elem *e, mn_err *err)
{
    static const char *const planes[] = {"dom0", "domu"};
    int kind, rc;
    const char *parent = mn_scn_elem_parent_name(e);
    v->vnet = MN_NONE;
    v->op = MN_NONE;
    if (strcmp(parent, "box") == 0) {
        if (mn_scn_attr(e, "box"))
            return mn_scn_fail(e, err, MN_EINVAL, "a VM inside <box> is on that box; drop box=");
        v->box = w->cur_first;
    } else if (strcmp(parent, "vnet") == 0) {
        if (!mn_scn_attr(e, "box"))
            return mn_scn_fail(e, err, MN_EINVAL, "a VM of a virtual network needs box=\"...\"");
        if ((rc = ref(w, e, "box", MN_ID_BOX, &v->box, err)) != MN_OK)
            return rc;
        v->vnet = (uint32_t)w->nvnets - 1;
        v->op = w->vnets[v->vnet].op;
        size_t in_vnet = 0;
        for (size_t i = 0; i < w->nvms; i++)
            in_vnet += w->vms[i].vnet == v->vnet;
        if (in_vnet >= MN_WORLD_MAX_VNET_VMS)
            return mn_scn_fail(e, err, MN_ERANGE, "a virtual network has at most %d VMs",
                               MN_WORLD_MAX_VNET_VMS);
    } else if (strcmp(parent, "world") == 0) {
        if (mn_scn_attr(e, "box") || !mn_scn_attr(e, "boxes"))
            return mn_scn_fail(e, err, MN_EINVAL,
                               "a VM at world level is placed by policy: give boxes=\"...\" (the "
                               "boxes it may go on), not box=");
        if ((rc = movable_attrs(w, e, &v->cand, &v->ncand, &v->dirty_bps, &v->uplink_bps, err)) != MN_OK)
            return rc;
        v->movable = 1;
        v->box = MN_NONE;
    } else {
        return mn_scn_fail(e, err, MN_EINVAL, "<vm> belongs inside <box>, <vnet> or <world>");
    }
    double cost;
    if ((rc = mn_scn_attr_choice(e, "kind", vm_kinds, MN_VM_KINDS, 0, &kind, err)) != MN_OK ||
        (rc = stacks_attr(e, "stacks", &v->stacks, err)) != MN_OK ||
        (rc = qty(e, "cpu", &mn_qk_frequency, 0, 2e8, &v->cpu_hz, err)) != MN_OK ||
        (rc = qty(e, "memory", &mn_qk_size, 0, 134217728.0, &v->mem_bytes, err)) != MN_OK ||
        (rc = mn_scn_attr_choice(e, "plane", planes, 2, 1, &v->plane_domu, err)) != MN_OK ||
        (rc = mn_scn_attr_number(e, "cost", 1, 1e9, -1, &cost, err)) != MN_OK)
        return rc;
    if (v->cpu_hz <= 0)
        return mn_scn_fail(e, err, MN_ERANGE, "cpu must be above zero");
    if (mn_scn_attr(e, "operator")) { /* its owner (a virtual network's VMs are its operator's) */
        uint32_t op;
        if ((rc = ref(w, e, "operator", MN_ID_OPERATOR, &op, err)) != MN_OK)
            return rc;
        if (v->vnet != MN_NONE && op != v->op)
            return mn_scn_fail(e, err, MN_EINVAL, "the VM belongs to its virtual network's operator %s; "
                               "drop operator= or make it %s", w->operators[v->op], w->operators[v->op]);
        v->op = op;
    }
    v->kind = (mn_vm_kind)kind;
    /* a movable VM's cost comes from its first candidate (boxes of a set are alike) */
    const mn_box *b = &w->boxes[v->movable ? v->cand[0] : v->box];
    v->cycles_per_packet = cost >= 0 ? cost
                                     : vm_cost_factor[kind] * (v->plane_domu ? b->cycles_domu : b->cycles_dom0);
    if (v->vnet != MN_NONE && !(v->stacks & w->vnets[v->vnet].stacks))
        return mn_scn_fail(e, err, MN_EINVAL, "the VM speaks none of its network's stacks");
    if ((!v->movable && (rc = reserve(w, e, v->box, v->cpu_hz, v->mem_bytes, "the VM", err)) != MN_OK) ||
        (rc = name_entity(w, e, mn_scn_attr(e, "id"), MN_ID_VM, w->nvms, &v->id, err)) != MN_OK)
        return rc;
    v->line = mn_scn_elem_line(e);
    w->nvms++;
    return MN_OK;
}

static int on_vnet(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    mn_vnet *v;
    if (PUSH(w, vnets, &v) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    int rc;
    v->exit_vm = MN_NONE;
    if ((rc = ref(w, e, "operator", MN_ID_OPERATOR, &v->op, err)) != MN_OK ||
        (rc = stacks_attr(e, "stacks", &v->stacks, err)) != MN_OK ||
        (rc = name_entity(w, e, mn_scn_attr(e, "id"), MN_ID_VNET, w->nvnets, &v->id, err)) != MN_OK)
        return rc;
    w->nvnets++;
    if (mn_scn_attr(e, "exit") &&
        mn_world_defer(w, e, MN_ID_VM, mn_scn_attr(e, "exit"), MN_ID_VNET, (uint32_t)w->nvnets - 1, "exit", err) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    return MN_OK;
}

static int on_vlink(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    if (strcmp(mn_scn_elem_parent_name(e), "vnet") != 0)
        return mn_scn_fail(e, err, MN_EINVAL, "<vlink> belongs inside <vnet>");
    mn_vlink *l;
    if (PUSH(w, vlinks, &l) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    int rc;
    l->vnet = (uint32_t)w->nvnets - 1;
    if ((rc = ref(w, e, "from", MN_ID_VM, &l->a, err)) != MN_OK ||
        (rc = ref(w, e, "to", MN_ID_VM, &l->b, err)) != MN_OK ||
        (rc = qty(e, "capacity", &mn_qk_rate, 1, 0, &l->bps, err)) != MN_OK)
        return rc;
    if (l->a == l->b)
        return mn_scn_fail(e, err, MN_EINVAL, "a virtual link joins two different VMs");
    if (w->vms[l->a].vnet != l->vnet || w->vms[l->b].vnet != l->vnet)
        return mn_scn_fail(e, err, MN_EINVAL, "both ends must be VMs of virtual network %s",
                           w->vnets[l->vnet].id);
    if (l->bps <= 0)
        return mn_scn_fail(e, err, MN_ERANGE, "capacity must be above zero");
    l->line = mn_scn_elem_line(e);
    if ((rc = name_entity(w, e, mn_scn_attr(e, "id"), MN_ID_VLINK, w->nvlinks, &l->id, err)) != MN_OK)
        return rc;
    w->nvlinks++;
    return MN_OK;
}

static int on_mobility(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    mn_mobility_def *d;
    if (PUSH(w, mobilities, &d) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    w->nmobilities++; /* counted now: mn_world_fini frees its trace whatever follows */
    int rc;
    mn_mob_kind kind;
    mn_err kerr = {0};
    if (mn_mob_kind_parse(mn_scn_attr(e, "kind"), &kind, &kerr) != MN_OK)
        return mn_scn_fail(e, err, MN_EINVAL, "kind: %s", kerr.msg);
    d->m.kind = kind;
    if (kind == MN_MOB_RWP) {
        double area, smin = 0.5, smax = 1.5;
        const char *speed = mn_scn_attr(e, "speed");
        if (speed) { /* "min,max" in m/s */
            char *end;
            smin = strtod(speed, &end);
            smax = *end == ',' ? strtod(end + 1, &end) : smin;
            if (*end || !(smin > 0) || !(smax >= smin) || !isfinite(smax))
                return mn_scn_fail(e, err, MN_EPARSE,
                                   "speed \"%s\" is not \"min,max\" in m/s with 0 < min <= max", speed);
            if (smin < 0.01 || smax > 100)
                return mn_scn_fail(e, err, MN_ERANGE,
                                   "speed \"%s\" is outside 0.01 to 100 m/s (walking to driving)", speed);
        }
        if ((rc = qty(e, "area", &mn_qk_distance, 1, 0, &area, err)) != MN_OK ||
            (rc = dist_attr(e, "pause", &mn_qk_duration, "0s", &d->pause, err)) != MN_OK)
            return rc;
        /* legs of ~0 m would follow each other at ~0 s intervals: the run would never advance */
        if (area < 1000)
            return mn_scn_fail(e, err, MN_ERANGE,
                               "area (the side of the square users walk in) must be at least 1m");
        d->m.area_lo = (mn_pos){0, 0};
        d->m.area_hi = (mn_pos){area / 1000, area / 1000};
        d->m.speed_min = smin;
        d->m.speed_max = smax;
    } else if (kind == MN_MOB_COMMUTE) {
        if ((rc = dist_attr(e, "leave", &mn_qk_duration, "uniform(7h,9h)", &d->leave, err)) != MN_OK ||
            (rc = dist_attr(e, "travel", &mn_qk_duration, "uniform(15min,45min)", &d->travel, err)) != MN_OK ||
            (rc = dist_attr(e, "work", &mn_qk_duration, "uniform(7h,9h)", &d->work, err)) != MN_OK)
            return rc;
    } else if (kind == MN_MOB_TRACE) {
        const char *file = mn_scn_attr(e, "file");
        if (!file)
            return mn_scn_fail(e, err, MN_EINVAL, "a trace needs file=\"...csv\"");
        char path[4096];
        if (file[0] == '/')
            snprintf(path, sizeof path, "%s", file);
        else
            snprintf(path, sizeof path, "%s/%s", mn_scn_elem_dir(e), file);
        mn_err terr = {0};
        if (mn_trace_load(path, &w->geo, &d->trace, &terr) != MN_OK)
            return mn_scn_fail(e, err, terr.code, "%s%s%s", terr.where, terr.where[0] ? ": " : "", terr.msg);
        if ((rc = qty_time(e, "step", 0, 30 * MN_SEC, &d->m.step, err)) != MN_OK)
            return rc;
        if (d->m.step <= 0)
            return mn_scn_fail(e, err, MN_ERANGE, "step must be above zero");
        const char *loop = mn_scn_attr(e, "loop");
        d->m.loop = loop && strcmp(loop, "true") == 0;
        if (loop && !d->m.loop && strcmp(loop, "false") != 0)
            return mn_scn_fail(e, err, MN_EINVAL, "loop is true or false");
        d->m.trace = d->trace;
    }
    d->m.pause = &d->pause;
    d->m.leave = &d->leave;
    d->m.travel = &d->travel;
    d->m.work = &d->work;
    mn_err merr = {0};
    if (mn_mobility_check(&d->m, &merr) != MN_OK)
        return mn_scn_fail(e, err, merr.code, "%s", merr.msg);
    return name_entity(w, e, mn_scn_attr(e, "id"), MN_ID_MOBILITY, w->nmobilities - 1, &d->id, err);
}

/* A point at `distance` from a box, in a direction drawn from r (or due east without r). */
static mn_pos near_box(const mn_box *b, double distance, mn_rng *r)
{
    if (!r)
        return (mn_pos){b->pos.x + distance, b->pos.y};
    double a = 2 * M_PI * mn_rng_uniform(r), d = distance * sqrt(mn_rng_uniform(r));
    return (mn_pos){b->pos.x + d * cos(a), b->pos.y + d * sin(a)};
}

/* What users and populations share: SLA, stacks, services, mobility. */
static int user_common(mn_world *w, const mn_scn_elem *e, mn_user *u, mn_err *err)
{
    int rc;
    if ((rc = ref(w, e, "sla", MN_ID_SLA, &u->sla, err)) != MN_OK ||
        (rc = stacks_attr(e, "stacks", &u->stacks, err)) != MN_OK ||
        (rc = services_attr(w, e, &u->services, err)) != MN_OK ||
        (rc = ref(w, e, "mobility", MN_ID_MOBILITY, &u->mobility, err)) != MN_OK)
        return rc;
    u->pop = MN_NONE;
    return MN_OK;
}

static int on_user(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    mn_user *u;
    if (PUSH(w, users, &u) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    int rc, given;
    uint32_t home, office;
    double distance;
    if ((rc = ref(w, e, "operator", MN_ID_OPERATOR, &u->op, err)) != MN_OK ||
        (rc = user_common(w, e, u, err)) != MN_OK ||
        (rc = ref(w, e, "home", MN_ID_BOX, &home, err)) != MN_OK ||
        (rc = ref(w, e, "office", MN_ID_BOX, &office, err)) != MN_OK ||
        (rc = qty(e, "distance", &mn_qk_distance, 0, 5000, &distance, err)) != MN_OK ||
        (rc = position(w, e, &u->st.home, &given, err)) != MN_OK)
        return rc;
    distance /= 1000;
    if (given && home != MN_NONE)
        return mn_scn_fail(e, err, MN_EINVAL, "give home=\"box\" or a position, not both");
    if (!given && home == MN_NONE)
        return mn_scn_fail(e, err, MN_EINVAL, "a user needs home=\"<box id>\" or a position (x, y or lat, lon)");
    if (home != MN_NONE)
        u->st.home = near_box(&w->boxes[home], distance, NULL);
    u->st.office = office != MN_NONE ? near_box(&w->boxes[office], distance, NULL) : u->st.home;
    if (u->mobility != MN_NONE && w->mobilities[u->mobility].m.kind == MN_MOB_COMMUTE &&
        office == MN_NONE)
        return mn_scn_fail(e, err, MN_EINVAL, "a commuter needs office=\"<box id>\"");
    if ((rc = name_entity(w, e, mn_scn_attr(e, "id"), MN_ID_USER, w->nusers, &u->id, err)) != MN_OK)
        return rc;
    w->nusers++;
    return MN_OK;
}

/*
 * count users <id>-<i>: operator drawn from the list, home near a random box
 * of `boxes`, office near another (commuters), from stream "users:<id>".
 */
static int on_population(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    const char *id = mn_scn_attr(e, "id");
    unsigned long long count = strtoull(mn_scn_attr(e, "count"), NULL, 10);
    if (count > 10000000)
        return mn_scn_fail(e, err, MN_ERANGE, "count %llu is above 10,000,000", count);
    mn_user proto = {0};
    uint32_t ops[32], *boxes = NULL;
    size_t nops, nboxes;
    double distance;
    int rc;
    if ((rc = operators_attr(w, e, ops, &nops, err)) != MN_OK ||
        (rc = user_common(w, e, &proto, err)) != MN_OK ||
        (rc = qty(e, "distance", &mn_qk_distance, 0, 20000, &distance, err)) != MN_OK ||
        (rc = mn_scn_attr_match(e, "boxes", w->nboxes, box_name, w, "box", &boxes, &nboxes, err)) != MN_OK)
        return rc;
    proto.pop = (uint32_t)w->npopulations++; /* its users remember where they came from */
    distance /= 1000;
    mn_rng *r;
    char stream[96];
    snprintf(stream, sizeof stream, "users:%.80s", id);
    if ((rc = mn_rng_create(mn_world_seed(world), stream, NULL, &r, err)) != MN_OK) {
        mn_free(boxes);
        return rc;
    }
    if (mn_array_reserve((void **)&w->users, &w->users_cap, w->nusers + count, sizeof *w->users) != MN_OK) {
        rc = MN_ERR(err, MN_ENOMEM, "out of memory for %llu users", count);
        count = 0;
    }
    for (unsigned long long i = 0; i < count && rc == MN_OK; i++) {
        mn_user *u = &w->users[w->nusers];
        *u = proto;
        u->op = ops[mn_rng_uniform_int(r, nops)];
        const mn_box *hb = &w->boxes[boxes[mn_rng_uniform_int(r, nboxes)]];
        const mn_box *ob = &w->boxes[boxes[mn_rng_uniform_int(r, nboxes)]];
        u->st.home = near_box(hb, distance, r);
        u->st.office = near_box(ob, distance, r);
        char uid[160];
        snprintf(uid, sizeof uid, "%s-%llu", id, i);
        rc = name_entity(w, e, uid, MN_ID_USER, w->nusers, &u->id, err);
        if (rc == MN_OK)
            w->nusers++;
    }
    mn_rng_destroy(r);
    mn_free(boxes);
    return rc;
}

static int on_arrivals(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    mn_arrivals *a;
    if (PUSH(w, arrivals, &a) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    mn_user tmp = {0};
    uint32_t box;
    double distance;
    int rc;
    if ((rc = ref(w, e, "operator", MN_ID_OPERATOR, &a->op, err)) != MN_OK ||
        (rc = user_common(w, e, &tmp, err)) != MN_OK ||
        (rc = dist_attr(e, "interarrival", &mn_qk_duration, NULL, &a->interarrival, err)) != MN_OK ||
        (rc = dist_attr(e, "stay", &mn_qk_duration, NULL, &a->stay, err)) != MN_OK ||
        (rc = ref(w, e, "box", MN_ID_BOX, &box, err)) != MN_OK ||
        (rc = qty(e, "distance", &mn_qk_distance, 0, 5000, &distance, err)) != MN_OK)
        return rc;
    if (tmp.mobility != MN_NONE)
        return mn_scn_fail(e, err, MN_EINVAL, "visitors stay where they arrive: drop mobility");
    a->sla = tmp.sla;
    a->stacks = tmp.stacks;
    a->services = tmp.services;
    a->pos = near_box(&w->boxes[box], distance / 1000, NULL);
    if ((rc = name_entity(w, e, mn_scn_attr(e, "id"), MN_ID_ARRIVALS, w->narrivals, &a->id, err)) != MN_OK)
        return rc;
    w->narrivals++;
    return MN_OK;
}

static int on_fault(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_net *n = world;
    mn_world *w = mn_net_world(world);
    mn_fault *f;
    if (PUSH(w, faults, &f) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    static const char *const kinds[] = {"box", "radio", "link", "vm"};
    int kind, rc;
    if ((rc = mn_scn_attr_choice(e, "kind", kinds, 4, 0, &kind, err)) != MN_OK ||
        (rc = name_entity(w, e, mn_scn_attr(e, "id"), MN_ID_FAULT, w->nfaults, &f->id, err)) != MN_OK)
        return rc;
    w->nfaults++; /* counted now: mn_world_fini frees its targets whatever follows */
    f->kind = (mn_fault_kind)kind;
    int has_at = mn_scn_attr(e, "at") != NULL, has_mtbf = mn_scn_attr(e, "mtbf") != NULL;
    if (has_at == has_mtbf)
        return mn_scn_fail(e, err, MN_EINVAL,
                           "give at=\"1h\" (with repair=) for a scheduled fault, or mtbf= and mttr= "
                           "for random ones");
    if (has_at) {
        if ((rc = qty_time(e, "at", 1, 0, &f->at, err)) != MN_OK ||
            (rc = qty_time(e, "repair", 0, MN_TIME_MAX, &f->repair, err)) != MN_OK)
            return rc;
        if (f->repair == 0)
            return mn_scn_fail(e, err, MN_ERANGE, "repair must be above zero (or left out: never)");
    } else {
        f->random = 1;
        if ((rc = dist_attr(e, "mtbf", &mn_qk_duration, NULL, &f->mtbf, err)) != MN_OK ||
            (rc = dist_attr(e, "mttr", &mn_qk_duration, NULL, &f->mttr, err)) != MN_OK)
            return rc;
        if (f->mtbf.kind == MN_DIST_CONST && f->mtbf.a <= 0)
            return mn_scn_fail(e, err, MN_ERANGE, "mtbf must be above zero");
    }
    /* targets: ids or prefixes ending in '*' of the kind's entities */
    static const char *(*const names[])(size_t, const void *) = {box_name, radio_name, link_name, vm_name};
    const size_t counts[] = {w->nboxes, w->nradios, n->nlinks, w->nvms};
    const void *ctx = kind == MN_FAULT_LINK ? (const void *)n : (const void *)w;
    return mn_scn_attr_match(e, "targets", counts[kind], names[kind], ctx, kinds[kind], &f->targets,
                             &f->ntargets, err);
}

/* <policies>: which policies a run applies, and their parameters (docs/policies.md). */
static int on_policies(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_world *w = mn_net_world(world);
    mn_world_policies *p = &w->policies;
    if (p->line)
        return mn_scn_fail(e, err, MN_EINVAL, "a world has one <policies> (the first is at line %ld)",
                           p->line);
    static const char *const attrs[] = {"placement", "balancing", "migration"};
    for (int k = 0; k < 3; k++) {
        const char *name = mn_scn_attr(e, attrs[k]);
        if (!name)
            continue;
        if (strlen(name) >= sizeof p->name[k])
            return mn_scn_fail(e, err, MN_EINVAL, "%s \"%s\" is too long for a policy name",
                               attrs[k], name);
        snprintf(p->name[k], sizeof p->name[k], "%s", name);
    }
    static const char *const yesno[] = {"no", "yes"};
    double high, low, hyst, rounds;
    int rc;
    if ((rc = qty_time(e, "period", 0, p->period, &p->period, err)) != MN_OK ||
        (rc = fraction(e, "high", p->high, &high, err)) != MN_OK ||
        (rc = fraction(e, "low", p->low, &low, err)) != MN_OK ||
        (rc = qty_time(e, "handover-cost", 0, p->handover_cost, &p->handover_cost, err)) != MN_OK ||
        (rc = fraction(e, "hysteresis", p->hysteresis, &hyst, err)) != MN_OK ||
        (rc = mn_scn_attr_number(e, "migration-rounds", 1, 64, p->rounds, &rounds, err)) != MN_OK ||
        (rc = qty(e, "stop-copy", &mn_qk_size, 0, p->stop_bytes, &p->stop_bytes, err)) != MN_OK ||
        (rc = mn_scn_attr_choice(e, "agent", yesno, 2, p->agent, &p->agent, err)) != MN_OK)
        return rc;
    mn_time resume = (mn_time)(p->resume_s * 1e9);
    if ((rc = qty_time(e, "resume", 0, resume, &resume, err)) != MN_OK)
        return rc;
    if (p->period <= 0)
        return mn_scn_fail(e, err, MN_ERANGE, "period must be above zero, e.g. period=\"1min\"");
    if (low >= high)
        return mn_scn_fail(e, err, MN_ERANGE,
                           "low (%.0f%%) must be below high (%.0f%%): the gap is the hysteresis",
                           low * 100, high * 100);
    p->high = high;
    p->low = low;
    p->hysteresis = hyst;
    p->rounds = (unsigned)rounds;
    p->resume_s = mn_time_to_sec(resume);
    p->line = mn_scn_elem_line(e);
    snprintf(p->file, sizeof p->file, "%s", mn_scn_elem_file(e));
    return MN_OK;
}

const struct mn_scn_entity_ops mn_world_entities[] = {
    {"world", "the metamorphic network: overlay underlay, queue size", "", on_world},
    {"operator", "a network operator owning vAPs, VMs and users", "id", on_operator},
    {"sla", "service level: minimum throughput, maximum delay, maximum outage", "id", on_sla},
    {"service", "sessions users open: transfers (size) or streams (rate, duration)",
     "id kind interarrival", on_service},
    {"site", "an overlay site: its gateway node and the nodes in it", "id node", on_site},
    {"tunnel", "a VXLAN tunnel between two sites", "from to", on_tunnel},
    {"box", "a physical access box: position, CPU, memory, uplink, power", "id", on_box},
    {"box-set", "count boxes spread over a square", "id count side", on_box_set},
    {"radio", "an 802.11 radio of a box", "id", on_radio},
    {"vap", "a virtual access point on a radio, or movable (world level, boxes=)", "id operator", on_vap},
    {"vm", "a virtual machine: router, switch, firewall, pbx", "id kind", on_vm},
    {"vnet", "a virtual network of VMs and virtual links", "id operator", on_vnet},
    {"vlink", "a virtual link between two VMs of a virtual network", "id from to capacity", on_vlink},
    {"mobility", "a mobility model: static, random-waypoint, commute, trace", "id kind", on_mobility},
    {"user", "a user: operator, SLA, stacks, services, home, office, mobility", "id operator", on_user},
    {"population", "count users around boxes", "id count operator boxes", on_population},
    {"arrivals", "visitors arriving as a Poisson stream at a box", "id operator interarrival stay box",
     on_arrivals},
    {"fault", "failures of boxes, radios, links or VMs: scheduled or random", "id kind targets", on_fault},
    {"policies", "placement, balancing and migration policies and their parameters", "", on_policies},
};
const size_t mn_world_nentities = sizeof mn_world_entities / sizeof mn_world_entities[0];
