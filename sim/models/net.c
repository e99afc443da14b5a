/* net.c - network entities of the scenario language; see net.h. */
#include "net.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/distspec.h"
#include "core/quantity.h"
#include "core/rng.h"
#include "core/scenario.h"
#include "topo.h"
#include "world_load.h"
#include "rules.h"

static int add_node(mn_net *n, const char *name, uint32_t *idx)
{
    if (mn_array_reserve((void **)&n->nodes, &n->nodes_cap, n->nnodes + 1, sizeof *n->nodes) != 0)
        return MN_ENOMEM;
    char *copy = mn_strdup(name);
    if (!copy)
        return MN_ENOMEM;
    int r = mn_strmap_add(&n->node_ids, name, (uint32_t)n->nnodes);
    if (r != 0) {
        mn_free(copy);
        return r < 0 ? MN_ENOMEM : MN_EINVAL; /* MN_EINVAL: taken */
    }
    n->nodes[n->nnodes] = copy;
    *idx = (uint32_t)n->nnodes++;
    return MN_OK;
}

static int node_ref(mn_net *n, const mn_scn_elem *e, const char *attr, uint32_t *idx, mn_err *err)
{
    const char *name = mn_scn_attr(e, attr);
    if (!mn_strmap_get(&n->node_ids, name, idx))
        return mn_scn_fail(e, err, MN_ENOTFOUND,
                           "%s names unknown node \"%s\"; declare it with <node id=\"%s\"/> "
                           "before this line",
                           attr, name, name);
    return MN_OK;
}

static int on_scenario(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_net *n = world;
    n->line = mn_scn_elem_line(e);
    n->name = mn_strdup(mn_scn_attr(e, "name"));
    if (!n->name)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    const char *seed = mn_scn_attr(e, "seed");
    if (seed && !n->seed_forced) {
        n->seed = strtoull(seed, NULL, 10);
        n->has_seed = 1;
    }
    uint64_t d;
    int rc = mn_scn_attr_quantity(e, "duration", &mn_qk_duration, 0, 0, &d, err);
    n->duration = (mn_time)d;
    return rc;
}

static int on_node(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_net *n = world;
    uint32_t idx;
    int rc = add_node(n, mn_scn_attr(e, "id"), &idx);
    if (rc == MN_EINVAL)
        return mn_scn_fail(e, err, MN_EINVAL, "duplicate node id; ids must be unique");
    return rc == MN_OK ? MN_OK : MN_ERR(err, rc, "out of memory");
}

static int push_link(mn_net *n, const char *id, uint32_t a, uint32_t b, uint64_t cap, mn_time lat)
{
    if (mn_array_reserve((void **)&n->links, &n->links_cap, n->nlinks + 1, sizeof *n->links) != 0)
        return MN_ENOMEM;
    int r = mn_strmap_add(&n->link_ids, id, (uint32_t)n->nlinks);
    if (r != 0)
        return r < 0 ? MN_ENOMEM : MN_EINVAL;
    char *copy = mn_strdup(id);
    if (!copy)
        return MN_ENOMEM;
    n->links[n->nlinks++] = (mn_net_link){copy, a, b, cap, lat};
    return MN_OK;
}

static int on_link(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_net *n = world;
    uint32_t a, b;
    uint64_t cap, lat;
    int rc;
    if ((rc = node_ref(n, e, "from", &a, err)) != MN_OK ||
        (rc = node_ref(n, e, "to", &b, err)) != MN_OK ||
        (rc = mn_scn_attr_quantity(e, "capacity", &mn_qk_rate, 1, 0, &cap, err)) != MN_OK ||
        (rc = mn_scn_attr_quantity(e, "latency", &mn_qk_duration, 1, 0, &lat, err)) != MN_OK)
        return rc;
    if (a == b)
        return mn_scn_fail(e, err, MN_EINVAL, "joins node \"%s\" to itself; give two nodes",
                           n->nodes[a]);
    if (cap == 0)
        return mn_scn_fail(e, err, MN_ERANGE, "capacity must be above zero, e.g. \"1Gbps\"");
    rc = push_link(n, mn_scn_attr(e, "id"), a, b, cap, (mn_time)lat);
    if (rc == MN_EINVAL)
        return mn_scn_fail(e, err, MN_EINVAL, "duplicate link id; ids must be unique");
    return rc == MN_OK ? MN_OK : MN_ERR(err, rc, "out of memory");
}

/* Adds an imported or generated topology's nodes (named <prefix><id>) and links. */
static int add_topology(mn_net *n, const mn_topo *t, const char *prefix, const mn_scn_elem *e,
                        mn_err *err)
{
    int rc = MN_OK;
    uint32_t base = (uint32_t)n->nnodes;
    char name[256];
    for (size_t i = 0; i < t->nnodes && rc == MN_OK; i++) {
        uint32_t idx;
        snprintf(name, sizeof name, "%s%s", prefix, t->nodes[i].id);
        rc = add_node(n, name, &idx);
        if (rc == MN_EINVAL)
            return mn_scn_fail(e, err, MN_EINVAL,
                               "node \"%s\" clashes with an existing id; choose another %s", name,
                               strcmp(mn_scn_elem_name(e), "import") == 0 ? "prefix" : "id");
    }
    for (size_t i = 0; i < t->nlinks && rc == MN_OK; i++) {
        const mn_topo_link *l = &t->links[i];
        if (l->a == l->b)
            continue; /* a self-loop carries nothing */
        snprintf(name, sizeof name, "%s%s-%s", prefix, t->nodes[l->a].id, t->nodes[l->b].id);
        char unique[300];
        snprintf(unique, sizeof unique, "%s", name);
        for (int k = 2; mn_strmap_get(&n->link_ids, unique, &(uint32_t){0}); k++)
            snprintf(unique, sizeof unique, "%s#%d", name, k); /* parallel edges */
        rc = push_link(n, unique, base + l->a, base + l->b, l->capacity_bps, l->latency);
    }
    return rc == MN_OK ? MN_OK : MN_ERR(err, rc, "out of memory");
}

static int on_import(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_net *n = world;
    const char *file = mn_scn_attr(e, "file");
    const char *prefix = mn_scn_attr(e, "prefix");
    char path[4096];
    if (file[0] == '/')
        snprintf(path, sizeof path, "%s", file);
    else
        snprintf(path, sizeof path, "%s/%s", mn_scn_elem_dir(e), file);
    mn_topo *t;
    mn_err terr = {0};
    if (mn_topo_load(path, NULL, &t, &terr) != MN_OK)
        return mn_scn_fail(e, err, terr.code, "%s: %s", terr.where, terr.msg);
    int rc = add_topology(n, t, prefix ? prefix : "n", e, err);
    mn_topo_destroy(t);
    return rc;
}

static uint32_t attr_count(const mn_scn_elem *e, const char *name, uint32_t dflt)
{
    const char *text = mn_scn_attr(e, name); /* the schema made it a positive integer */
    unsigned long long v = text ? strtoull(text, NULL, 10) : dflt;
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int on_generate(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_net *n = world;
    static const char *const kinds[] = {"tree", "grid", "geometric", "waxman"};
    const char *kind = mn_scn_attr(e, "kind");
    mn_gen_params p = {0};
    for (int k = 0; k < 4; k++)
        if (strcmp(kind, kinds[k]) == 0)
            p.kind = (mn_gen_kind)k;
    p.nodes = attr_count(e, "nodes", 0);
    p.children = attr_count(e, "children", 2);
    p.rows = attr_count(e, "rows", 0);
    p.cols = attr_count(e, "cols", 0);
    uint64_t side_mm, lat;
    int rc;
    if ((rc = mn_scn_attr_number(e, "radius", 0, HUGE_VAL, 0, &p.radius, err)) != MN_OK ||
        (rc = mn_scn_attr_number(e, "alpha", 0, HUGE_VAL, 0, &p.alpha, err)) != MN_OK ||
        (rc = mn_scn_attr_number(e, "beta", 0, HUGE_VAL, 0, &p.beta, err)) != MN_OK ||
        (rc = mn_scn_attr_quantity(e, "side", &mn_qk_distance, 0, 1000000, &side_mm, err)) != MN_OK ||
        (rc = mn_scn_attr_quantity(e, "capacity", &mn_qk_rate, 1, 0, &p.capacity_bps, err)) != MN_OK ||
        (rc = mn_scn_attr_quantity(e, "latency", &mn_qk_duration, 0, 0, &lat, err)) != MN_OK)
        return rc;
    if (p.nodes > 1000000 || (uint64_t)p.rows * p.cols > 1000000)
        return mn_scn_fail(e, err, MN_ERANGE, "more than 1,000,000 nodes; generate less");
    p.side_m = (double)side_mm / 1000;
    p.latency = (mn_time)lat;
    p.seed = mn_rng_stream_seed(n->has_seed ? n->seed : 1, mn_scn_attr(e, "id"));
    mn_topo *t;
    mn_err gerr = {0};
    if (mn_topo_generate(&p, &t, &gerr) != MN_OK)
        return mn_scn_fail(e, err, gerr.code, "%s", gerr.msg);
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s-", mn_scn_attr(e, "id"));
    rc = add_topology(n, t, prefix, e, err);
    mn_topo_destroy(t);
    return rc;
}

/* Registers f under id: MN_OK, MN_EINVAL if the id is taken, MN_ENOMEM. */
static int push_flow(mn_net *n, const char *id, mn_net_flow *f)
{
    if (mn_array_reserve((void **)&n->flows, &n->flows_cap, n->nflows + 1, sizeof *n->flows) != 0)
        return MN_ENOMEM;
    int r = mn_strmap_add(&n->flow_ids, id, (uint32_t)n->nflows);
    if (r != 0)
        return r < 0 ? MN_ENOMEM : MN_EINVAL;
    if (!(f->id = mn_strdup(id)))
        return MN_ENOMEM;
    n->flows[n->nflows++] = *f;
    return MN_OK;
}

static int on_flow(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_net *n = world;
    mn_net_flow f = {0};
    uint64_t start, rate, duration;
    int rc;
    if ((rc = node_ref(n, e, "from", &f.from, err)) != MN_OK ||
        (rc = node_ref(n, e, "to", &f.to, err)) != MN_OK ||
        (rc = mn_scn_attr_quantity(e, "start", &mn_qk_duration, 1, 0, &start, err)) != MN_OK ||
        (rc = mn_scn_attr_quantity(e, "rate", &mn_qk_rate, 0, 0, &rate, err)) != MN_OK ||
        (rc = mn_scn_attr_quantity(e, "duration", &mn_qk_duration, 0, 0, &duration, err)) != MN_OK)
        return rc;
    /* a transfer (size, optionally capped by rate) or a session (rate for a
     * duration: rate x duration bytes, capped at that rate) */
    int has_size = mn_scn_attr(e, "size") != NULL, has_duration = mn_scn_attr(e, "duration") != NULL;
    if (has_size == has_duration)
        return mn_scn_fail(e, err, MN_EINVAL,
                           "give either size=\"100MB\" (a transfer) or rate=\"2Mbps\" with "
                           "duration=\"30s\" (a session)");
    if (has_duration && !mn_scn_attr(e, "rate"))
        return mn_scn_fail(e, err, MN_EINVAL, "a session needs a rate, e.g. rate=\"2Mbps\"");
    if (has_size) {
        if ((rc = mn_scn_attr_quantity(e, "size", &mn_qk_size, 1, 0, &f.bytes, err)) != MN_OK)
            return rc;
    } else {
        long double b = (long double)rate / 8 * (long double)duration / 1e9L;
        f.bytes = b >= 1.8e19L ? UINT64_MAX : (uint64_t)(b + 0.5L);
    }
    if (f.from == f.to)
        return mn_scn_fail(e, err, MN_EINVAL, "starts and ends at node \"%s\"; give two nodes",
                           n->nodes[f.from]);
    if (f.bytes == 0)
        return mn_scn_fail(e, err, MN_ERANGE,
                           "the flow moves no byte; give a size above zero, or a rate and "
                           "duration above zero");
    if (mn_scn_attr(e, "rate") && rate == 0)
        return mn_scn_fail(e, err, MN_ERANGE, "rate must be above zero, or left out for no cap");
    f.start = (mn_time)start;
    f.rate_cap_bps = rate;
    f.line = mn_scn_elem_line(e);
    rc = push_flow(n, mn_scn_attr(e, "id"), &f);
    if (rc == MN_EINVAL)
        return mn_scn_fail(e, err, MN_EINVAL, "duplicate flow id; ids must be unique");
    return rc == MN_OK ? MN_OK : MN_ERR(err, rc, "out of memory");
}

/*
 * The nodes a traffic endpoint may be: space-separated ids, each either a
 * node id or a prefix ending in '*' ("r*": every node whose id starts with r).
 * Declared-before nodes only. Fills *set (owned by the caller).
 */
static const char *node_name(size_t i, const void *net)
{
    return ((const mn_net *)net)->nodes[i];
}

static int node_set(mn_net *n, const mn_scn_elem *e, const char *attr, uint32_t **set,
                    size_t *count, mn_err *err)
{
    return mn_scn_attr_match(e, attr, n->nnodes, node_name, n, "node", set, count, err);
}

/*
 * count flows, each drawing, in this order, its source, destination (another
 * node), start and size, from the stream "traffic:<id>" of the run seed.
 */
static int on_traffic(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_net *n = world;
    const char *id = mn_scn_attr(e, "id");
    unsigned long long count = strtoull(mn_scn_attr(e, "count"), NULL, 10);
    if (count > 10000000)
        return mn_scn_fail(e, err, MN_ERANGE, "count %llu is above 10,000,000", count);
    mn_distspec start, size;
    mn_err derr = {0};
    if (mn_distspec_parse(mn_scn_attr(e, "start"), &mn_qk_duration, &start, &derr) != MN_OK)
        return mn_scn_fail(e, err, derr.code, "start: %s", derr.msg);
    if (mn_distspec_parse(mn_scn_attr(e, "size"), &mn_qk_size, &size, &derr) != MN_OK)
        return mn_scn_fail(e, err, derr.code, "size: %s", derr.msg);
    uint64_t rate;
    int rc = mn_scn_attr_quantity(e, "rate", &mn_qk_rate, 0, 0, &rate, err);
    if (rc != MN_OK)
        return rc;
    uint32_t *from = NULL, *to = NULL;
    size_t nfrom, nto;
    mn_rng *r = NULL;
    char stream[64];
    snprintf(stream, sizeof stream, "traffic:%.40s", id);
    if ((rc = node_set(n, e, "from", &from, &nfrom, err)) != MN_OK ||
        (rc = node_set(n, e, "to", &to, &nto, err)) != MN_OK)
        goto done;
    /* A destination must exist for every source drawn: when `to` is one node
     * (however often listed), that node cannot be a source. */
    int single_to = 1, only_that_from = 1;
    for (size_t i = 1; i < nto; i++)
        single_to &= to[i] == to[0];
    for (size_t i = 0; i < nfrom; i++)
        only_that_from &= from[i] == to[0];
    if (single_to && only_that_from) {
        rc = mn_scn_fail(e, err, MN_EINVAL, "from and to name the same single node; give two");
        goto done;
    }
    if ((rc = mn_rng_create(n->has_seed ? n->seed : 1, stream, NULL, &r, err)) != MN_OK ||
        mn_array_reserve((void **)&n->flows, &n->flows_cap, n->nflows + count, sizeof *n->flows) != 0) {
        rc = rc != MN_OK ? rc : MN_ERR(err, MN_ENOMEM, "out of memory for %llu flows", count);
        goto done;
    }
    for (unsigned long long k = 0; k < count; k++) {
        mn_net_flow f = {.rate_cap_bps = rate, .line = mn_scn_elem_line(e)};
        do /* a source with somewhere to go (checked above: one exists) */
            f.from = from[mn_rng_uniform_int(r, nfrom)];
        while (single_to && f.from == to[0]);
        do /* another node: `to` then holds one besides the source */
            f.to = to[mn_rng_uniform_int(r, nto)];
        while (f.to == f.from);
        f.start = (mn_time)mn_distspec_draw(&start, r);
        f.bytes = mn_distspec_draw(&size, r);
        if (f.bytes == 0)
            f.bytes = 1; /* a flow moves at least a byte */
        char fid[128];
        snprintf(fid, sizeof fid, "%s-%llu", id, k);
        rc = push_flow(n, fid, &f);
        if (rc != MN_OK) {
            rc = rc == MN_EINVAL
                     ? mn_scn_fail(e, err, MN_EINVAL, "flow id \"%s\" is already taken; rename", fid)
                     : MN_ERR(err, rc, "out of memory");
            goto done;
        }
    }
done:
    mn_rng_destroy(r);
    mn_free(from);
    mn_free(to);
    return rc;
}

static int on_output(void *world, const mn_scn_elem *e, mn_err *err)
{
    mn_net *n = world;
    uint64_t iv;
    int rc = mn_scn_attr_quantity(e, "interval", &mn_qk_duration, 0, 0, &iv, err);
    if (rc == MN_OK && mn_scn_attr(e, "interval") && iv == 0)
        return mn_scn_fail(e, err, MN_ERANGE, "interval must be above zero, e.g. \"1s\"");
    n->interval = (mn_time)iv;
    return rc;
}

static const struct mn_scn_entity_ops net_entities[] = {
    {"scenario", "name, seed and duration of the run", "name", on_scenario},
    {"node", "a network node (box, router, host)", "id", on_node},
    {"link", "a full-duplex link with a capacity per direction and a latency",
     "id from to capacity latency", on_link},
    {"import", "nodes and links from a GraphML or GML file (Topology Zoo)", "file", on_import},
    {"generate", "a generated topology: tree, grid, geometric or waxman", "id kind capacity",
     on_generate},
    {"flow", "a transfer (size) or a session (rate for a duration) between two nodes",
     "id from to start", on_flow},
    {"traffic", "count flows with random endpoints, starts and sizes",
     "id count from to start size", on_traffic},
    {"output", "what the run writes besides its results (time-series interval)", "", on_output},
};

void mn_net_destroy(mn_net *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nnodes; i++)
        mn_free(n->nodes[i]);
    for (size_t i = 0; i < n->nlinks; i++)
        mn_free(n->links[i].id);
    for (size_t i = 0; i < n->nflows; i++)
        mn_free(n->flows[i].id);
    mn_free(n->nodes);
    mn_free(n->links);
    mn_free(n->flows);
    mn_free(n->name);
    mn_free(n->path);
    mn_strmap_fini(&n->node_ids);
    mn_strmap_fini(&n->link_ids);
    mn_strmap_fini(&n->flow_ids);
    mn_world_fini(&n->world);
    mn_free(n);
}

mn_world *mn_net_world(struct mn_net *n)
{
    return &n->world;
}

uint64_t mn_world_seed(void *net)
{
    const mn_net *n = net;
    return n->has_seed ? n->seed : 1;
}

/* Loads from a file (buf NULL) or from memory. */
static int load(const char *path, const char *buf, size_t len, const char *const *sets,
                size_t nsets, const uint64_t *seed, mn_net **out, mn_err *err)
{
    mn_net *n = mn_calloc(1, sizeof *n);
    if (!n)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    if (seed) {
        n->seed = *seed;
        n->has_seed = n->seed_forced = 1;
    }
    mn_strmap_init(&n->node_ids);
    mn_strmap_init(&n->link_ids);
    mn_strmap_init(&n->flow_ids);
    mn_world_init(&n->world);
    if (!(n->path = mn_strdup(path))) {
        mn_net_destroy(n);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    enum { NNET = sizeof net_entities / sizeof net_entities[0] };
    struct mn_scn_entity_ops ops[NNET + 40];
    size_t nops = NNET + mn_world_nentities + mn_rules_nentities;
    memcpy(ops, net_entities, sizeof net_entities);
    memcpy(ops + NNET, mn_world_entities, mn_world_nentities * sizeof *ops);
    memcpy(ops + NNET + mn_world_nentities, mn_rules_entities, mn_rules_nentities * sizeof *ops);
    int rc = buf ? mn_scn_load_memory(buf, len, path, sets, nsets, ops, nops, n, err)
                 : mn_scn_load(path, sets, nsets, ops, nops, n, err);
    if (rc == MN_OK)
        rc = mn_world_finish(n, err);
    if (rc != MN_OK) {
        mn_net_destroy(n);
        return rc;
    }
    *out = n;
    return MN_OK;
}

int mn_net_load(const char *path, const char *const *sets, size_t nsets, const uint64_t *seed,
                mn_net **out, mn_err *err)
{
    return load(path, NULL, 0, sets, nsets, seed, out, err);
}

int mn_net_load_memory(const char *buf, size_t len, const char *name, mn_net **out, mn_err *err)
{
    return load(name, buf, len, NULL, 0, NULL, out, err);
}
