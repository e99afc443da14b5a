/* share.c - incremental max-min sharing; see share.h for the method. */
#include "share.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "core/alloc.h"

#define EPS 1e-9          /* relative: a link is full when load >= cap (1 - EPS) */
#define FLOW_BLOCK 4096   /* flows live in fixed blocks so engine contexts stay put */

/* An active flow on a link: its id and its usage of the link per byte/s, read together. */
typedef struct link_ent {
    uint32_t flow;
    double coef;
} link_ent;

#define LINK_INLINE 4 /* entries a link holds in its own second line */

/*
 * Two cache lines (the array is 64-byte aligned): line 0 is what a change
 * or a solve reads and writes of a link, line 1 its first LINK_INLINE
 * entries. At city scale (40,000 links, random sessions) each link touched
 * is a miss, and its entries, when they were a heap block of their own,
 * were a second miss that could only start once the first had returned
 * (the pointer was in line 0): a dependent load at every flow's start and
 * end, on every link of its path. Inline, the two lines' addresses are
 * known from the link id alone, so they load together. Most links of a
 * city carry a flow or two; a link with more moves its entries to a heap
 * block (ent then points there, otherwise at inl).
 */
typedef struct link {
    double cap;
    double load;        /* usage: sum over its flows of coefficient x rate */
    /* progressive filling scratch */
    double residual, weight; /* weight: sum of the coefficients of unfrozen flows */
    link_ent *ent;      /* the active flows crossing it: inl, or an owned block when n_cap > LINK_INLINE */
    uint32_t n, n_cap;
    uint32_t mark;      /* region epoch */
    uint32_t unfrozen, version;
    uint8_t expanded;   /* in this region: all its flows are in the region */
    link_ent inl[LINK_INLINE] __attribute__((aligned(64)));
} link;
_Static_assert(sizeof(link) == 128 && offsetof(link, inl) == 64,
               "a link is a header line and a line of entries");

/* One link of a flow's path: together, so a short path is one cache line. */
typedef struct hop {
    uint32_t link;
    uint32_t pos; /* index of this flow in the link's entries, kept only while they are in a heap block */
    double coef;  /* usage of the link per byte/s of rate */
} hop;

/*
 * Line 0 holds what a solve reads of every flow on the links it visits
 * (mark, rate) and what a re-rating writes; line 1 the rest of the header;
 * the hops follow (blocks are 64-byte aligned, a flow is 8 lines).
 */
typedef struct flow {
    uint32_t mark, id;
    uint8_t plen, active, frozen;
    double rate, new_rate, rate_cap, remaining, sent; /* remaining: INFINITY until stopped */
    mn_time updated; /* remaining is as of this time */
    /* line 1 */
    mn_share *s; /* borrowed: the owner, for the completion handler */
    double bytes; /* as started */
    mn_ev_handle done_ev;
    mn_share_done_fn done;
    void *ctx;
    uint32_t next_free;
    hop hop[MN_SHARE_MAX_PATH] __attribute__((aligned(64))); /* last: only plen of them are touched */
} flow;
_Static_assert(offsetof(flow, s) <= 64 && offsetof(flow, hop) == 128 && sizeof(flow) % 64 == 0,
               "a flow's hot header is its first cache line");

/* An entry of the progressive-filling heap: a link's share or a flow's cap. */
typedef struct fill_item {
    double level;
    uint32_t id, version; /* version UINT32_MAX: a flow cap */
} fill_item;

struct mn_share {
    mn_engine *eng; /* borrowed */
    link *links;    /* 64-byte aligned, in links_raw */
    void *links_raw; /* owned */
    uint32_t nlinks;
    size_t links_cap;
    flow **blocks;  /* blocks of FLOW_BLOCK flows, 64-byte aligned, in blocks_raw */
    void **blocks_raw; /* owned, each */
    uint32_t nblocks, nflows_made, free_flow;
    size_t active;
    uint32_t epoch;
    /* scratch, grown as needed */
    uint32_t *rflows, *rlinks;
    size_t nrflows, nrlinks, rflows_cap, rlinks_cap;
    fill_item *heap;
    size_t nheap, heap_cap;
    mn_share_stats stats;
    int status; /* first error inside a completion event */
    double total_rate;
    int batching; /* inside mn_share_batch_begin/end: changes gather, one solve at the end */
    mn_share_rate_fn rate_hook;
    void *rate_hook_ctx;
};

static inline flow *F(const mn_share *s, uint32_t id)
{
    return &s->blocks[id / FLOW_BLOCK][id % FLOW_BLOCK];
}

int mn_share_create(mn_engine *eng, mn_share **out, mn_err *err)
{
    mn_share *s = mn_calloc(1, sizeof *s);
    if (!s)
        return MN_ERR(err, MN_ENOMEM, "sharing: out of memory");
    s->eng = eng;
    s->free_flow = UINT32_MAX;
    *out = s;
    return MN_OK;
}

void mn_share_destroy(mn_share *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->nlinks; i++)
        if (s->links[i].n_cap > LINK_INLINE)
            mn_free(s->links[i].ent);
    mn_free(s->links_raw);
    for (uint32_t b = 0; b < s->nblocks; b++)
        mn_free(s->blocks_raw[b]);
    mn_free(s->blocks);
    mn_free(s->blocks_raw);
    mn_free(s->rflows);
    mn_free(s->rlinks);
    mn_free(s->heap);
    mn_free(s);
}

int mn_share_add_link(mn_share *s, double capacity, uint32_t *id_out, mn_err *err)
{
    if (!(capacity > 0) || !isfinite(capacity))
        return MN_ERR(err, MN_ERANGE, "sharing: link capacity must be positive (got %g bytes/s)",
                      capacity);
    link *before = s->links;
    if (mn_array_reserve_aligned(&s->links_raw, (void **)&s->links, &s->links_cap, (size_t)s->nlinks + 1,
                                 sizeof *s->links, 64) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "sharing: out of memory for links");
    if (s->links != before) /* moved: inline entries moved with their links */
        for (uint32_t i = 0; i < s->nlinks; i++)
            if (s->links[i].n_cap <= LINK_INLINE)
                s->links[i].ent = s->links[i].inl;
    link *l = &s->links[s->nlinks];
    memset(l, 0, sizeof *l);
    l->cap = capacity;
    l->ent = l->inl;
    l->n_cap = LINK_INLINE;
    *id_out = s->nlinks++;
    return MN_OK;
}

/* ---- regions ---- */

/* A link carrying `load` is full (within EPS). */
static inline int full(const link *l, double load)
{
    return load >= l->cap * (1 - EPS);
}

static int region_add_link(mn_share *s, uint32_t id)
{
    link *l = &s->links[id];
    if (l->mark == s->epoch)
        return MN_OK;
    l->mark = s->epoch;
    l->expanded = 0;
    if (mn_array_reserve((void **)&s->rlinks, &s->rlinks_cap, s->nrlinks + 1, sizeof *s->rlinks) != MN_OK)
        return MN_ENOMEM;
    s->rlinks[s->nrlinks++] = id;
    return MN_OK;
}

static int region_add_flow(mn_share *s, uint32_t id)
{
    flow *f = F(s, id);
    if (f->mark == s->epoch)
        return MN_OK;
    f->mark = s->epoch;
    if (mn_array_reserve((void **)&s->rflows, &s->rflows_cap, s->nrflows + 1, sizeof *s->rflows) != MN_OK)
        return MN_ENOMEM;
    s->rflows[s->nrflows++] = id;
    for (uint8_t i = 0; i < f->plen; i++)
        if (region_add_link(s, f->hop[i].link) != MN_OK)
            return MN_ENOMEM;
    return MN_OK;
}

/* Brings every flow of link `id` into the region (and their links). */
static int region_expand(mn_share *s, uint32_t id)
{
    link *l = &s->links[id];
    if (l->expanded)
        return MN_OK;
    l->expanded = 1;
    for (uint32_t k = 0; k < l->n; k++)
        if (region_add_flow(s, l->ent[k].flow) != MN_OK)
            return MN_ENOMEM;
    return MN_OK;
}

/* Expands, transitively, every saturated link of the region. */
static int region_close(mn_share *s)
{
    for (size_t i = 0; i < s->nrlinks; i++) { /* nrlinks grows as we go */
        link *l = &s->links[s->rlinks[i]];
        if (!l->expanded && full(l, l->load) && region_expand(s, s->rlinks[i]) != MN_OK)
            return MN_ENOMEM;
    }
    return MN_OK;
}

/* ---- progressive filling on the region ---- */

static int heap_push(mn_share *s, double level, uint32_t id, uint32_t version)
{
    if (mn_array_reserve((void **)&s->heap, &s->heap_cap, s->nheap + 1, sizeof *s->heap) != MN_OK)
        return MN_ENOMEM;
    size_t i = s->nheap++;
    fill_item x = {level, id, version};
    while (i > 0 && s->heap[(i - 1) / 2].level > level) {
        s->heap[i] = s->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->heap[i] = x;
    return MN_OK;
}

static fill_item heap_pop(mn_share *s)
{
    fill_item top = s->heap[0], x = s->heap[--s->nheap];
    size_t i = 0, n = s->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && s->heap[c + 1].level < s->heap[c].level)
            c++;
        if (s->heap[c].level >= x.level)
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (n)
        s->heap[i] = x;
    return top;
}

#define CAP_ITEM UINT32_MAX

/* The rate at which a link fills if all its unfrozen flows rise together. */
static inline double level_of(const link *l)
{
    return l->residual > 0 && l->weight > 0 ? l->residual / l->weight : 0;
}

static int freeze(mn_share *s, flow *f, double rate)
{
    f->frozen = 1;
    f->new_rate = rate;
    for (uint8_t i = 0; i < f->plen; i++) {
        link *m = &s->links[f->hop[i].link];
        m->residual -= f->hop[i].coef * rate;
        m->weight -= f->hop[i].coef;
        m->unfrozen--;
        m->version++;
        if (m->unfrozen > 0 && heap_push(s, level_of(m), f->hop[i].link, m->version) != MN_OK)
            return MN_ENOMEM;
    }
    return MN_OK;
}

/*
 * Max-min rates for the region's flows, with the capacity used by flows
 * outside the region taken off each link first. Writes new_rate.
 */
static int fill(mn_share *s)
{
    s->nheap = 0;
    for (size_t i = 0; i < s->nrlinks; i++) {
        link *l = &s->links[s->rlinks[i]];
        double outside = 0, weight = 0;
        uint32_t inside = 0;
        for (uint32_t k = 0; k < l->n; k++) {
            const flow *f = F(s, l->ent[k].flow);
            if (l->expanded || f->mark == s->epoch) { /* an expanded link's flows are all inside */
                inside++;
                weight += l->ent[k].coef;
            } else {
                outside += l->ent[k].coef * f->rate;
            }
        }
        l->residual = l->cap - outside;
        l->weight = weight;
        l->unfrozen = inside;
        l->version = 0;
        if (inside && heap_push(s, level_of(l), s->rlinks[i], 0) != MN_OK)
            return MN_ENOMEM;
    }
    for (size_t i = 0; i < s->nrflows; i++) {
        flow *f = F(s, s->rflows[i]);
        f->frozen = !f->active; /* stopped inside a batch: nothing to give */
        if (f->active && f->rate_cap > 0 && heap_push(s, f->rate_cap, s->rflows[i], CAP_ITEM) != MN_OK)
            return MN_ENOMEM;
    }
    while (s->nheap) {
        fill_item it = heap_pop(s);
        if (it.version == CAP_ITEM) {
            flow *f = F(s, it.id);
            if (!f->frozen && freeze(s, f, f->rate_cap) != MN_OK)
                return MN_ENOMEM;
            continue;
        }
        link *l = &s->links[it.id];
        if (it.version != l->version || l->unfrozen == 0)
            continue; /* stale: the link's share has moved since */
        double share = level_of(l);
        for (uint32_t k = 0; k < l->n && l->unfrozen; k++) {
            flow *f = F(s, l->ent[k].flow);
            if (f->mark == s->epoch && !f->frozen && freeze(s, f, share) != MN_OK)
                return MN_ENOMEM;
        }
    }
    return MN_OK;
}

/* ---- applying new rates ---- */

static void on_flow_done(mn_engine *eng, void *ctx);

/* Brings remaining up to now at the old rate. */
static void advance(mn_share *s, flow *f)
{
    mn_time now = mn_engine_now(s->eng);
    double moved = f->rate * mn_time_to_sec(now - f->updated);
    f->sent += moved;
    f->remaining -= moved;
    if (f->remaining < 0)
        f->remaining = 0;
    f->updated = now;
}

static int set_rate(mn_share *s, flow *f, double rate)
{
    advance(s, f);
    for (uint8_t i = 0; i < f->plen; i++)
        s->links[f->hop[i].link].load += f->hop[i].coef * (rate - f->rate);
    s->total_rate += rate - f->rate;
    f->rate = rate;
    s->stats.flows_rerated++;
    mn_time now = mn_engine_now(s->eng);
    double left_s = rate > 0 ? f->remaining / rate : INFINITY;
    /* no end in sight (no rate, endless, or past the end of time): no completion event */
    if (!(left_s < mn_time_to_sec(MN_TIME_MAX - now) - 1)) {
        mn_ev_cancel(s->eng, &f->done_ev);
        return MN_OK;
    }
    mn_time due = now + mn_time_from_sec(left_s);
    if (mn_ev_is_pending(s->eng, f->done_ev))
        return mn_ev_reschedule(s->eng, &f->done_ev, due);
    return mn_ev_schedule_at(s->eng, due, on_flow_done, f, &f->done_ev);
}

/*
 * Re-solves the region around the seeds already in it, growing it while a
 * link at its edge (with flows outside) comes out full, then applies rates.
 */
static int solve(mn_share *s)
{
    s->stats.solves++;
    if (region_close(s) != MN_OK)
        return MN_ENOMEM;
    for (;;) {
        if (fill(s) != MN_OK)
            return MN_ENOMEM;
        int grown = 0;
        for (size_t i = 0; i < s->nrlinks; i++) {
            link *l = &s->links[s->rlinks[i]];
            if (l->expanded)
                continue;
            double load = 0;
            for (uint32_t k = 0; k < l->n; k++) {
                const flow *f = F(s, l->ent[k].flow);
                load += l->ent[k].coef * (f->mark == s->epoch ? f->new_rate : f->rate);
            }
            if (full(l, load)) {
                if (region_expand(s, s->rlinks[i]) != MN_OK)
                    return MN_ENOMEM;
                grown = 1;
            }
        }
        if (!grown)
            break;
        s->stats.region_growths++;
        if (region_close(s) != MN_OK)
            return MN_ENOMEM;
    }
    for (size_t i = 0; i < s->nrflows; i++) {
        flow *f = F(s, s->rflows[i]);
        if (!f->active)
            continue;
        double old = f->rate;
        int fresh = f->sent == 0 && f->updated == mn_engine_now(s->eng) && old == 0;
        if (f->new_rate != old || (!isinf(f->remaining) && !mn_ev_is_pending(s->eng, f->done_ev))) {
            int rc = set_rate(s, f, f->new_rate);
            if (rc != MN_OK)
                return rc;
        }
        if (s->rate_hook && (f->new_rate != old || fresh))
            s->rate_hook(s, f->id, old, f->ctx, s->rate_hook_ctx);
    }
    return MN_OK;
}

/* A fresh region, unless a batch is gathering one. */
static void begin_region(mn_share *s)
{
    if (s->batching)
        return;
    s->epoch++;
    s->nrflows = s->nrlinks = 0;
}

/* Solves now, or at the batch's end. */
static int settle(mn_share *s)
{
    return s->batching ? MN_OK : solve(s);
}

/* ---- flows ---- */

static int alloc_flow(mn_share *s, uint32_t *id)
{
    if (s->free_flow != UINT32_MAX) {
        *id = s->free_flow;
        s->free_flow = F(s, *id)->next_free;
        return MN_OK;
    }
    if (s->nflows_made == s->nblocks * FLOW_BLOCK) {
        flow **grown = mn_realloc(s->blocks, ((size_t)s->nblocks + 1) * sizeof *grown);
        if (!grown)
            return MN_ENOMEM;
        s->blocks = grown;
        void **raw = mn_realloc(s->blocks_raw, ((size_t)s->nblocks + 1) * sizeof *raw);
        if (!raw)
            return MN_ENOMEM;
        s->blocks_raw = raw;
        size_t cap = 0;
        raw[s->nblocks] = NULL;
        if (mn_array_reserve_aligned(&raw[s->nblocks], (void **)&s->blocks[s->nblocks], &cap,
                                     FLOW_BLOCK, sizeof(flow), 64) != MN_OK)
            return MN_ENOMEM;
        s->nblocks++;
    }
    *id = s->nflows_made++;
    return MN_OK;
}

/*
 * The flows already on link l: the solve that follows reads each (its
 * region mark, its rate). They are other sessions' flows, out of cache at
 * city scale; asked for together first, their misses overlap instead of
 * coming one after the other inside the solve.
 */
static inline void prefetch_link_flows(const mn_share *s, const link *l)
{
    uint32_t n = l->n < LINK_INLINE ? l->n : LINK_INLINE;
    for (uint32_t k = 0; k < n; k++)
        __builtin_prefetch(F(s, l->ent[k].flow));
}

static int check_coefs(const double *coef, size_t plen, mn_err *err)
{
    for (size_t i = 0; coef && i < plen; i++)
        if (!(coef[i] > 0) || !isfinite(coef[i]))
            return MN_ERR(err, MN_ERANGE, "sharing: a link coefficient must be positive (got %g)",
                          coef[i]);
    return MN_OK;
}

int mn_share_flow_start(mn_share *s, const uint32_t *path, size_t plen, double bytes,
                        double rate_cap, mn_share_done_fn done, void *ctx, uint32_t *flow_out,
                        mn_err *err)
{
    mn_share_flow_spec spec = {path, NULL, plen, bytes, rate_cap, done, ctx};
    return mn_share_flow_begin(s, &spec, flow_out, err);
}

int mn_share_flow_begin(mn_share *s, const mn_share_flow_spec *spec, uint32_t *flow_out, mn_err *err)
{
    const uint32_t *path = spec->path;
    size_t plen = spec->plen;
    double bytes = spec->bytes, rate_cap = spec->rate_cap;
    if (plen < 1 || plen > MN_SHARE_MAX_PATH)
        return MN_ERR(err, MN_EINVAL, "sharing: a path has 1 to %d links (got %zu)",
                      MN_SHARE_MAX_PATH, plen);
    if (!(bytes > 0) || rate_cap < 0 || !isfinite(rate_cap))
        return MN_ERR(err, MN_ERANGE, "sharing: a flow needs bytes > 0 and a rate cap >= 0");
    if (check_coefs(spec->coef, plen, err) != MN_OK)
        return MN_ERANGE;
    for (size_t i = 0; i < plen; i++) {
        if (path[i] >= s->nlinks)
            return MN_ERR(err, MN_EINVAL, "sharing: unknown link %u", path[i]);
        for (size_t j = 0; j < i; j++)
            if (path[j] == path[i])
                return MN_ERR(err, MN_EINVAL, "sharing: link %u twice in a path", path[i]);
    }
    for (size_t i = 0; i < plen; i++)
        prefetch_link_flows(s, &s->links[path[i]]);
    for (size_t i = 0; i < plen; i++) {
        link *l = &s->links[path[i]];
        if (l->n == l->n_cap) {
            /* past the inline line: a heap block, doubling */
            uint32_t cap = 2 * l->n_cap;
            int inl = l->n_cap <= LINK_INLINE;
            link_ent *grown = cap < l->n_cap ? NULL
                              : inl ? mn_alloc((size_t)cap * sizeof *grown)
                                    : mn_realloc(l->ent, (size_t)cap * sizeof *grown);
            if (!grown)
                return MN_ERR(err, MN_ENOMEM, "sharing: out of memory");
            if (inl)
                memcpy(grown, l->inl, sizeof l->inl);
            l->ent = grown;
            l->n_cap = cap;
            if (inl) /* positions were not kept inline: from now on they are */
                for (uint32_t k = 0; k < l->n; k++) {
                    flow *m = F(s, l->ent[k].flow);
                    for (uint8_t j = 0; j < m->plen; j++)
                        if (m->hop[j].link == path[i])
                            m->hop[j].pos = k;
                }
        }
    }
    uint32_t id;
    if (alloc_flow(s, &id) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "sharing: out of memory for flows");
    flow *f = F(s, id);
    memset(f, 0, offsetof(flow, hop));
    f->s = s;
    f->id = id;
    f->plen = (uint8_t)plen;
    f->active = 1;
    f->remaining = bytes;
    f->bytes = bytes;
    f->rate_cap = rate_cap;
    f->updated = mn_engine_now(s->eng);
    f->done = spec->done;
    f->ctx = spec->ctx;
    for (size_t i = 0; i < plen; i++) {
        link *l = &s->links[path[i]];
        f->hop[i].link = path[i];
        f->hop[i].coef = spec->coef ? spec->coef[i] : 1;
        f->hop[i].pos = l->n;
        l->ent[l->n++] = (link_ent){id, f->hop[i].coef};
    }
    s->active++;
    if (s->active > s->stats.max_active)
        s->stats.max_active = s->active;
    begin_region(s);
    if (region_add_flow(s, id) != MN_OK || settle(s) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "sharing: out of memory while solving");
    if (flow_out)
        *flow_out = id;
    return MN_OK;
}

/*
 * Where flow f is in the entries of link l, its hop i. Inline entries (at
 * most LINK_INLINE, in the link's own line) are searched: keeping a
 * position there meant writing to the flow moved into a gap at every
 * detach, another session's flow, out of cache at city scale. In a heap
 * block (a busy link) the hop keeps the position.
 */
static uint32_t ent_index(const link *l, const flow *f, uint8_t i)
{
    if (l->n_cap > LINK_INLINE)
        return f->hop[i].pos;
    uint32_t k = 0;
    while (k + 1 < l->n && l->ent[k].flow != f->id)
        k++;
    return k;
}

/* Removes the flow from its links' entries (swap with the last). */
static void detach(mn_share *s, flow *f)
{
    for (uint8_t i = 0; i < f->plen; i++) {
        link *l = &s->links[f->hop[i].link];
        uint32_t at = ent_index(l, f, i);
        uint32_t moved = l->ent[--l->n].flow;
        l->ent[at] = l->ent[l->n];
        if (l->n_cap > LINK_INLINE && moved != f->id) {
            flow *m = F(s, moved);
            for (uint8_t j = 0; j < m->plen; j++)
                if (m->hop[j].link == f->hop[i].link) {
                    m->hop[j].pos = at;
                    break;
                }
        }
        l->load -= f->hop[i].coef * f->rate;
        if (l->n == 0)
            l->load = 0; /* no drift on an empty link */
    }
}

/*
 * Takes an advanced flow off its links and re-solves (or gathers, in a
 * batch) around the links it leaves; the id is free again after.
 */
static int release(mn_share *s, flow *f)
{
    for (uint8_t i = 0; i < f->plen; i++)
        prefetch_link_flows(s, &s->links[f->hop[i].link]);
    mn_ev_cancel(s->eng, &f->done_ev);
    detach(s, f);
    s->total_rate -= f->rate;
    if (s->active == 1)
        s->total_rate = 0; /* no drift once idle */
    f->active = 0;
    s->active--;
    /* the flows that may speed up: those on links this flow kept full */
    begin_region(s);
    int rc = MN_OK;
    for (uint8_t i = 0; i < f->plen && rc == MN_OK; i++) {
        link *l = &s->links[f->hop[i].link];
        int was_full = full(l, l->load + f->hop[i].coef * f->rate);
        rc = region_add_link(s, f->hop[i].link);
        if (rc == MN_OK && was_full)
            rc = region_expand(s, f->hop[i].link);
    }
    if (!s->batching)
        f->mark = 0;
    if (rc == MN_OK)
        rc = settle(s);
    f->next_free = s->free_flow;
    s->free_flow = f->id;
    return rc;
}

static void on_flow_done(mn_engine *eng, void *ctx)
{
    (void)eng;
    flow *f = ctx;
    mn_share *s = f->s;
    f->done_ev = MN_EV_NONE;
    advance(s, f); /* what is left should be rounding only */
    double leftover = fabs(f->remaining) / f->bytes;
    if (leftover > s->stats.max_leftover)
        s->stats.max_leftover = leftover;
    f->remaining = 0;
    int rc = release(s, f);
    if (rc != MN_OK && s->status == MN_OK) {
        s->status = rc; /* no caller to tell: the run checks mn_share_status */
        mn_engine_stop(s->eng);
    }
    if (f->done)
        f->done(s, f->id, f->ctx);
}

int mn_share_flow_stop(mn_share *s, uint32_t id, double *sent, mn_err *err)
{
    if (id >= s->nflows_made || !F(s, id)->active)
        return MN_ERR(err, MN_EINVAL, "sharing: flow %u is not active", id);
    flow *f = F(s, id);
    advance(s, f);
    if (sent)
        *sent = f->sent;
    if (release(s, f) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "sharing: out of memory while solving");
    return MN_OK;
}

int mn_share_flow_update(mn_share *s, uint32_t id, const double *coef, double rate_cap, mn_err *err)
{
    if (id >= s->nflows_made || !F(s, id)->active)
        return MN_ERR(err, MN_EINVAL, "sharing: flow %u is not active", id);
    if (rate_cap < 0 || !isfinite(rate_cap))
        return MN_ERR(err, MN_ERANGE, "sharing: a rate cap must be >= 0 (got %g)", rate_cap);
    flow *f = F(s, id);
    if (check_coefs(coef, f->plen, err) != MN_OK)
        return MN_ERANGE;
    begin_region(s);
    int rc = region_add_flow(s, id);
    for (uint8_t i = 0; i < f->plen && rc == MN_OK; i++) {
        link *l = &s->links[f->hop[i].link];
        int was_full = full(l, l->load);
        if (coef) {
            l->load += (coef[i] - f->hop[i].coef) * f->rate;
            f->hop[i].coef = coef[i];
            l->ent[ent_index(l, f, i)].coef = coef[i];
        }
        if (was_full) /* its other flows may gain from a smaller coefficient */
            rc = region_expand(s, f->hop[i].link);
    }
    f->rate_cap = rate_cap;
    if (rc == MN_OK)
        rc = settle(s);
    return rc == MN_OK ? MN_OK : MN_ERR(err, MN_ENOMEM, "sharing: out of memory while solving");
}

int mn_share_link_set_capacity(mn_share *s, uint32_t id, double capacity, mn_err *err)
{
    if (id >= s->nlinks)
        return MN_ERR(err, MN_EINVAL, "sharing: unknown link %u", id);
    if (!(capacity > 0) || !isfinite(capacity))
        return MN_ERR(err, MN_ERANGE, "sharing: link capacity must be positive (got %g bytes/s)",
                      capacity);
    s->links[id].cap = capacity;
    begin_region(s);
    int rc = region_add_link(s, id);
    if (rc == MN_OK)
        rc = region_expand(s, id); /* every flow on it may move */
    if (rc == MN_OK)
        rc = settle(s);
    return rc == MN_OK ? MN_OK : MN_ERR(err, MN_ENOMEM, "sharing: out of memory while solving");
}

void mn_share_batch_begin(mn_share *s)
{
    if (s->batching++ == 0) {
        s->epoch++;
        s->nrflows = s->nrlinks = 0;
    }
}

int mn_share_batch_end(mn_share *s, mn_err *err)
{
    if (s->batching == 0)
        return MN_ERR(err, MN_EBUG, "sharing: batch_end without batch_begin");
    if (--s->batching > 0)
        return MN_OK;
    if (s->nrflows == 0 && s->nrlinks == 0)
        return MN_OK;
    if (solve(s) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "sharing: out of memory while solving");
    return MN_OK;
}

void mn_share_set_rate_hook(mn_share *s, mn_share_rate_fn fn, void *ctx)
{
    s->rate_hook = fn;
    s->rate_hook_ctx = ctx;
}

double mn_share_flow_sent(const mn_share *s, uint32_t id)
{
    const flow *f = F(s, id);
    return f->sent + f->rate * mn_time_to_sec(mn_engine_now(s->eng) - f->updated);
}

size_t mn_share_flow_plen(const mn_share *s, uint32_t flow_id)
{
    return F(s, flow_id)->plen;
}

uint32_t mn_share_flow_link(const mn_share *s, uint32_t flow_id, size_t i)
{
    return F(s, flow_id)->hop[i].link;
}

double mn_share_flow_coef(const mn_share *s, uint32_t flow_id, size_t i)
{
    return F(s, flow_id)->hop[i].coef;
}

void mn_share_prefetch_link(const mn_share *s, uint32_t l)
{
    if (l >= s->nlinks)
        return;
    __builtin_prefetch(&s->links[l]);
    __builtin_prefetch(s->links[l].inl);
}

/* Its header lines and its first hops' line (what a stop or a completion reads first). */
static inline void prefetch_flow_lines(const flow *f)
{
    __builtin_prefetch(f);
    __builtin_prefetch((const char *)f + 64);
    __builtin_prefetch(f->hop);
}

void mn_share_prefetch_flow(const mn_share *s, uint32_t id)
{
    if (id < s->nflows_made)
        prefetch_flow_lines(F(s, id));
}

void mn_share_prefetch_link_flows(const mn_share *s, uint32_t l)
{
    if (l >= s->nlinks)
        return;
    for (uint32_t k = 0; k < s->links[l].n; k++)
        prefetch_flow_lines(F(s, s->links[l].ent[k].flow));
}

int mn_share_prefetch_event(const mn_share *s, mn_ev_fn fn, void *ctx, int ahead, void **flow_ctx)
{
    if (fn != on_flow_done)
        return 0;
    const flow *f = ctx;
    if (ahead >= 2) {
        prefetch_flow_lines(f);
        return 1;
    }
    uint8_t n = f->plen <= MN_SHARE_MAX_PATH ? f->plen : 0;
    for (uint8_t i = 0; i < n; i++)
        mn_share_prefetch_link(s, f->hop[i].link);
    if (flow_ctx)
        *flow_ctx = f->ctx;
    return 1;
}

double mn_share_link_capacity(const mn_share *s, uint32_t l)
{
    return s->links[l].cap;
}

void *mn_share_link_flow_ctx(const mn_share *s, uint32_t l, size_t i)
{
    return F(s, s->links[l].ent[i].flow)->ctx;
}

size_t mn_share_link_flows(const mn_share *s, uint32_t l)
{
    return s->links[l].n;
}

double mn_share_flow_rate(const mn_share *s, uint32_t flow_id)
{
    return F(s, flow_id)->rate;
}

double mn_share_flow_remaining(const mn_share *s, uint32_t flow_id)
{
    const flow *f = F(s, flow_id);
    if (isinf(f->remaining))
        return INFINITY;
    return f->remaining - f->rate * mn_time_to_sec(mn_engine_now(s->eng) - f->updated);
}

double mn_share_total_rate(const mn_share *s)
{
    return s->total_rate;
}

double mn_share_link_load(const mn_share *s, uint32_t l)
{
    return s->links[l].load;
}

size_t mn_share_active_flows(const mn_share *s)
{
    return s->active;
}

mn_engine *mn_share_engine(const mn_share *s)
{
    return s->eng;
}

int mn_share_status(const mn_share *s)
{
    return s->status;
}

int mn_share_check(const mn_share *s, mn_err *err)
{
    if (s->status == MN_OK)
        return MN_OK;
    return MN_ERR(err, s->status, "the sharing solver failed: %s", mn_strerror(s->status));
}

mn_share_stats mn_share_get_stats(const mn_share *s)
{
    return s->stats;
}
