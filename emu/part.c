/* part.c - the part of a world `mnetsim emu --part` emulates, as a net of its own; see part.h. */
#include "part.h"

#include <stdarg.h>
#include <string.h>

#include "backend.h"
#include "sim/core/alloc.h"
#include "sim/core/outfile.h"
#include "sim/models/route.h"

#define IDX_MASK ((1u << 28) - 1)

/* What a fault's targets index. */
static const mn_emu_part_kind fault_kind[] = {[MN_FAULT_BOX] = MN_EMU_PART_BOX,
                                              [MN_FAULT_RADIO] = MN_EMU_PART_RADIO,
                                              [MN_FAULT_LINK] = MN_EMU_PART_LINK,
                                              [MN_FAULT_VM] = MN_EMU_PART_VM};

/* ---- the spec ---- */

void mn_emu_part_spec_init(mn_emu_part_spec *s)
{
    memset(s, 0, sizeof *s);
}

void mn_emu_part_spec_fini(mn_emu_part_spec *s)
{
    for (size_t i = 0; i < s->n; i++)
        mn_free(s->ids[i]);
    mn_free(s->ids);
    mn_free(s->is_site);
    memset(s, 0, sizeof *s);
}

int mn_emu_part_spec_add(mn_emu_part_spec *s, const char *arg, mn_err *err)
{
    const char *eq = strchr(arg, '=');
    int site;
    if (eq && eq - arg == 3 && strncmp(arg, "box", 3) == 0)
        site = 0;
    else if (eq && eq - arg == 4 && strncmp(arg, "site", 4) == 0)
        site = 1;
    else
        return mn_err_set_at(err, MN_EINVAL, "--part",
                             "\"%s\": write box=ID[,ID...] or site=ID[,ID...], e.g. --part "
                             "box=b1,b2",
                             arg);
    for (const char *p = eq + 1;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == 0)
            return mn_err_set_at(err, MN_EINVAL, "--part",
                                 "\"%s\": an empty %s id; write %s=ID[,ID...]", arg,
                                 site ? "site" : "box", site ? "site" : "box");
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 8;
            char **ids = mn_realloc(s->ids, cap * sizeof *ids);
            if (!ids)
                return MN_ERR(err, MN_ENOMEM, "out of memory");
            s->ids = ids;
            uint8_t *is = mn_realloc(s->is_site, cap);
            if (!is)
                return MN_ERR(err, MN_ENOMEM, "out of memory");
            s->is_site = is;
            s->cap = cap;
        }
        char *id = mn_alloc(len + 1);
        if (!id)
            return MN_ERR(err, MN_ENOMEM, "out of memory");
        memcpy(id, p, len);
        id[len] = 0;
        s->ids[s->n] = id;
        s->is_site[s->n++] = (uint8_t)site;
        if (!c)
            break;
        p = c + 1;
    }
    size_t used = strlen(s->text);
    snprintf(s->text + used, sizeof s->text - used, "%s%s", used ? " " : "", arg);
    return MN_OK;
}

/* ---- the part's maps and report ---- */

void mn_emu_part_destroy(mn_emu_part *p)
{
    if (!p)
        return;
    for (int k = 0; k < MN_EMU_PART_KINDS; k++) {
        mn_free(p->to_part[k]);
        mn_free(p->to_full[k]);
    }
    for (size_t i = 0; i < p->nneeds; i++)
        mn_free(p->needs[i]);
    mn_free(p->needs);
    mn_free(p);
}

uint32_t mn_emu_part_map(const mn_emu_part *p, mn_emu_part_kind kind, uint32_t i)
{
    return i == MN_NONE || i >= p->nfull[kind] ? MN_NONE : p->to_part[kind][i];
}

static int need(mn_emu_part *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int need(mn_emu_part *p, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (mn_array_reserve((void **)&p->needs, &p->needs_cap, p->nneeds + 1, sizeof *p->needs) !=
        MN_OK)
        return MN_ENOMEM;
    if (!(p->needs[p->nneeds] = mn_strdup(line)))
        return MN_ENOMEM;
    p->nneeds++;
    return MN_OK;
}

static uint32_t M(const mn_emu_part *p, mn_emu_part_kind k, uint32_t i)
{
    return mn_emu_part_map(p, k, i);
}

/* keep[k][i] set: numbers the kept entities in order, fills both maps. */
static int number(mn_emu_part *p, mn_emu_part_kind k, const uint8_t *keep)
{
    size_t n = p->nfull[k];
    p->to_part[k] = mn_alloc((n + 1) * sizeof(uint32_t));
    p->to_full[k] = mn_alloc((n + 1) * sizeof(uint32_t));
    if (!p->to_part[k] || !p->to_full[k])
        return MN_ENOMEM;
    p->npart[k] = 0;
    for (size_t i = 0; i < n; i++) {
        p->to_part[k][i] = keep[i] ? (uint32_t)p->npart[k] : MN_NONE;
        if (keep[i])
            p->to_full[k][p->npart[k]++] = (uint32_t)i;
    }
    return MN_OK;
}

/* ---- choosing what to keep ---- */

static const char *const id_kinds[] = {[MN_ID_OPERATOR] = "an operator",
                                       [MN_ID_SLA] = "an SLA",
                                       [MN_ID_SERVICE] = "a service",
                                       [MN_ID_BOX] = "a box",
                                       [MN_ID_RADIO] = "a radio",
                                       [MN_ID_VAP] = "a vAP",
                                       [MN_ID_VM] = "a VM",
                                       [MN_ID_VLINK] = "a vlink",
                                       [MN_ID_VNET] = "a vnet",
                                       [MN_ID_SITE] = "a site",
                                       [MN_ID_MOBILITY] = "a mobility model",
                                       [MN_ID_USER] = "a user",
                                       [MN_ID_ARRIVALS] = "an arrivals stream",
                                       [MN_ID_FAULT] = "a fault"};

/* Marks the selected boxes; a spec error names the id and what it is. */
static int select_boxes(const mn_net *n, const mn_emu_part_spec *spec, uint8_t *sel, mn_err *err)
{
    const mn_world *w = &n->world;
    for (size_t k = 0; k < spec->n; k++) {
        const char *id = spec->ids[k], *want = spec->is_site[k] ? "site" : "box";
        uint32_t v, node;
        int found = mn_strmap_get(&w->ids, id, &v);
        int kind = found ? (int)(v >> 28) : 0;
        if (!found || kind != (spec->is_site[k] ? MN_ID_SITE : MN_ID_BOX)) {
            const char *is = found && kind > 0 && kind <= MN_ID_FAULT && id_kinds[kind]
                                 ? id_kinds[kind]
                             : mn_strmap_get(&n->node_ids, id, &node) ? "a topology node"
                                                                      : NULL;
            const char *other = spec->is_site[k] ? "box" : "site";
            if (is && kind == (spec->is_site[k] ? MN_ID_BOX : MN_ID_SITE))
                return mn_err_set_at(err, MN_ENOTFOUND, "--part",
                                     "%s=%s: \"%s\" is %s, not a %s; write %s=%s", want, id, id, is,
                                     want, other, id);
            if (is)
                return mn_err_set_at(err, MN_ENOTFOUND, "--part",
                                     "%s=%s: \"%s\" is %s, not a %s; %s= takes %s ids", want, id,
                                     id, is, want, want, want);
            const char *eg = spec->is_site[k] ? (w->nsites ? w->sites[0].id : NULL)
                                              : (w->nboxes ? w->boxes[0].id : NULL);
            return mn_err_set_at(err, MN_ENOTFOUND, "--part",
                                 "%s=%s: %s has no %s \"%s\"; %s= takes %s ids%s%s%s", want, id,
                                 n->path, want, id, want, want, eg ? " (e.g. " : "", eg ? eg : "",
                                 eg ? ")" : "");
        }
        uint32_t idx = v & IDX_MASK;
        if (!spec->is_site[k]) {
            sel[idx] = 1;
            continue;
        }
        size_t nb = 0;
        for (size_t b = 0; b < w->nboxes; b++)
            if (w->boxes[b].site == idx) {
                sel[b] = 1;
                nb++;
            }
        if (!nb)
            return mn_err_set_at(err, MN_EINVAL, "--part",
                                 "site=%s: site \"%s\" has no box, so nothing of it can be "
                                 "emulated; select a site with boxes, or boxes with box=",
                                 id, id);
    }
    return MN_OK;
}

static uint32_t first_radio(const mn_world *w, uint32_t box)
{
    for (uint32_t r = 0; r < w->nradios; r++)
        if (w->radios[r].box == box)
            return r;
    return MN_NONE;
}

/* The build placement that association is judged on (part.h). */
struct at_ctx {
    uint32_t *box, *radio; /* per vAP */
};

static void vap_at(const void *ctx, uint32_t v, uint32_t *box, uint32_t *radio)
{
    const struct at_ctx *c = ctx;
    *box = c->box[v];
    *radio = c->radio[v];
}

/*
 * Whether some kept vAP of op sharing a stack reaches `at`: a cheap test over the
 * kept vAPs only, before the full rule over every vAP (the kept one must be in
 * range to win), so a part of a city costs O(users x kept vAPs), not O(users x vAPs).
 */
static int kept_in_range(const mn_world *w, const struct at_ctx *c, const uint32_t *kept,
                         size_t nkept, uint32_t op, unsigned stacks, mn_pos at)
{
    for (size_t k = 0; k < nkept; k++) {
        uint32_t v = kept[k], box = c->box[v], r = c->radio[v];
        if (w->vaps[v].op == op && (w->vaps[v].stacks & stacks) && box != MN_NONE && r != MN_NONE &&
            mn_pos_dist(at, w->boxes[box].pos) <= w->radios[r].range_m)
            return 1;
    }
    return 0;
}

/* The first of cand[0..n) that sel marks, MN_NONE. */
static uint32_t first_selected(const uint32_t *cand, size_t n, const uint8_t *sel)
{
    for (size_t c = 0; c < n; c++)
        if (sel[cand[c]])
            return cand[c];
    return MN_NONE;
}

/*
 * Marks the nodes on a hop-count shortest path (BFS, as the emulator routes)
 * and on a lowest-latency path (mn_routes, as the simulator routes) between
 * every two anchors.
 */
static int keep_paths(const mn_net *n, const uint32_t *anchors, size_t na, uint8_t *keep,
                      mn_err *err)
{
    size_t nn = n->nnodes, nl = n->nlinks;
    if (na < 2 || nl == 0)
        return MN_OK;
    /* adjacency in CSR form: start[x]..start[x+1] index adj (the links at x) */
    size_t *start = mn_calloc(nn + 2, sizeof *start);
    uint32_t *adj = mn_alloc((2 * nl + 1) * sizeof *adj);
    uint32_t *via = mn_alloc((nn + 1) * sizeof *via); /* the link BFS reached a node by */
    uint32_t *queue = mn_alloc((nn + 1) * sizeof *queue);
    uint32_t *res = mn_alloc((nn + 1) * sizeof *res);
    size_t *fill = mn_calloc(nn + 1, sizeof *fill);
    mn_routes *r = NULL;
    int rc = !start || !adj || !via || !queue || !res || !fill
                 ? MN_ERR(err, MN_ENOMEM, "out of memory")
                 : mn_routes_create(n, &r, err);
    if (rc == MN_OK) {
        for (size_t l = 0; l < nl; l++) {
            start[n->links[l].a + 1]++;
            start[n->links[l].b + 1]++;
        }
        for (size_t x = 0; x < nn; x++)
            start[x + 1] += start[x];
        for (size_t l = 0; l < nl; l++) {
            uint32_t a = n->links[l].a, b = n->links[l].b;
            adj[start[a] + fill[a]++] = (uint32_t)l;
            adj[start[b] + fill[b]++] = (uint32_t)l;
        }
    }
    for (size_t i = 0; rc == MN_OK && i < na; i++) {
        uint32_t s = anchors[i];
        for (size_t x = 0; x < nn; x++)
            via[x] = MN_NONE;
        size_t head = 0, tail = 0;
        queue[tail++] = s;
        via[s] = MN_NONE - 1;
        while (head < tail) {
            uint32_t x = queue[head++];
            for (size_t k = start[x]; k < start[x + 1]; k++) {
                uint32_t l = adj[k], y = n->links[l].a == x ? n->links[l].b : n->links[l].a;
                if (via[y] != MN_NONE)
                    continue;
                via[y] = l;
                queue[tail++] = y;
            }
        }
        for (size_t j = i + 1; j < na; j++) {
            uint32_t t = anchors[j];
            if (via[t] == MN_NONE)
                continue; /* not joined: the emulator has no route either */
            for (uint32_t x = t; x != s;) {
                keep[x] = 1;
                uint32_t l = via[x];
                x = n->links[l].a == x ? n->links[l].b : n->links[l].a;
            }
            size_t len = 0;
            mn_time lat;
            int prc = mn_routes_path(r, s, t, res, nn, &len, &lat);
            if (prc == MN_ENOMEM)
                rc = MN_ERR(err, MN_ENOMEM, "out of memory");
            for (size_t k = 0; prc == MN_OK && k < len; k++) {
                keep[n->links[res[k] / 2].a] = 1;
                keep[n->links[res[k] / 2].b] = 1;
            }
        }
    }
    mn_routes_destroy(r);
    mn_free(start);
    mn_free(adj);
    mn_free(via);
    mn_free(queue);
    mn_free(res);
    mn_free(fill);
    return rc;
}

/* What to keep, kind by kind, and the report; fills p's maps. */
static int choose(const mn_net *n, const mn_emu_part_spec *spec, mn_emu_part *p, mn_err *err)
{
    const mn_world *w = &n->world;
    uint8_t *keep[MN_EMU_PART_KINDS];
    memset(keep, 0, sizeof keep);
    struct at_ctx at = {mn_alloc((w->nvaps + 1) * sizeof(uint32_t)),
                        mn_alloc((w->nvaps + 1) * sizeof(uint32_t))};
    uint32_t *anchors = mn_alloc((w->nboxes + w->nservices + w->nsites + 1) * sizeof *anchors);
    uint32_t *kept = mn_alloc((w->nvaps + 1) * sizeof *kept);
    size_t na = 0, nkept = 0;
    int rc = MN_OK;
    for (int k = 0; k < MN_EMU_PART_KINDS; k++)
        if (!(keep[k] = mn_calloc(p->nfull[k] + 1, 1)))
            rc = MN_ENOMEM;
    if (!at.box || !at.radio || !anchors || !kept)
        rc = MN_ENOMEM;
    if (rc != MN_OK) {
        rc = MN_ERR(err, MN_ENOMEM, "out of memory");
        goto out;
    }
    uint8_t *sel = keep[MN_EMU_PART_BOX];
    if ((rc = select_boxes(n, spec, sel, err)) != MN_OK)
        goto out;
    for (size_t r = 0; r < w->nradios; r++)
        keep[MN_EMU_PART_RADIO][r] = sel[w->radios[r].box];
    /* instances, and where association sees each vAP */
    for (uint32_t v = 0; v < w->nvaps; v++) {
        const mn_vap *V = &w->vaps[v];
        uint32_t box = V->box, radio = V->radio;
        if (V->movable) {
            uint32_t c = first_selected(V->cand, V->ncand, sel);
            keep[MN_EMU_PART_VAP][v] = c != MN_NONE;
            box = c != MN_NONE ? c : V->ncand ? V->cand[0] : MN_NONE;
            radio = box == MN_NONE ? MN_NONE : first_radio(w, box);
        } else {
            keep[MN_EMU_PART_VAP][v] = box != MN_NONE && sel[box];
        }
        at.box[v] = box;
        at.radio[v] = radio;
    }
    for (size_t m = 0; m < w->nvms; m++) {
        const mn_vm *V = &w->vms[m];
        keep[MN_EMU_PART_VM][m] = V->movable ? first_selected(V->cand, V->ncand, sel) != MN_NONE
                                             : V->box != MN_NONE && sel[V->box];
    }
    /* users: those a kept vAP would serve at home, and those a kept vAP follows */
    for (uint32_t v = 0; v < w->nvaps; v++)
        if (keep[MN_EMU_PART_VAP][v])
            kept[nkept++] = v;
    for (uint32_t u = 0; u < w->nusers; u++) {
        const mn_user *U = &w->users[u];
        if (!kept_in_range(w, &at, kept, nkept, U->op, U->stacks, U->st.home))
            continue;
        uint32_t v = mn_emu_best_vap(w, vap_at, &at, U->op, U->stacks, U->st.home);
        keep[MN_EMU_PART_USER][u] = v != MN_NONE && keep[MN_EMU_PART_VAP][v];
    }
    for (size_t v = 0; v < w->nvaps; v++)
        if (keep[MN_EMU_PART_VAP][v] && w->vaps[v].follows != MN_NONE)
            keep[MN_EMU_PART_USER][w->vaps[v].follows] = 1;
    for (size_t a = 0; a < w->narrivals; a++) {
        const mn_arrivals *A = &w->arrivals[a];
        if (!kept_in_range(w, &at, kept, nkept, A->op, A->stacks, A->pos))
            continue;
        uint32_t v = mn_emu_best_vap(w, vap_at, &at, A->op, A->stacks, A->pos);
        keep[MN_EMU_PART_ARRIVALS][a] = v != MN_NONE && keep[MN_EMU_PART_VAP][v];
    }
    /* services: those of kept users (and arrivals) that end in the part */
    for (size_t u = 0; u < w->nusers + w->narrivals; u++) {
        int is_user = u < w->nusers;
        if (!(is_user ? keep[MN_EMU_PART_USER][u] : keep[MN_EMU_PART_ARRIVALS][u - w->nusers]))
            continue;
        uint32_t bits = is_user ? w->users[u].services : w->arrivals[u - w->nusers].services;
        for (size_t s = 0; s < w->nservices; s++) {
            if (!(bits & (1u << s)))
                continue;
            uint32_t vm = w->services[s].to_vm;
            if (vm == MN_NONE || keep[MN_EMU_PART_VM][vm]) {
                keep[MN_EMU_PART_SERVICE][s] = 1;
                continue;
            }
            const mn_vm *V = &w->vms[vm];
            rc = need(p, "%s %s: service %s ends at VM %s (%s %s), outside the part: not emulated",
                      is_user ? "user" : "arrivals",
                      is_user ? w->users[u].id : w->arrivals[u - w->nusers].id, w->services[s].id,
                      V->id, V->movable ? "movable, candidates" : "on box",
                      V->movable ? (V->ncand ? w->boxes[V->cand[0]].id : "none")
                                 : w->boxes[V->box].id);
            if (rc != MN_OK)
                goto oom;
        }
    }
    /* overlay: the kept boxes' sites and the tunnels between two of them */
    for (size_t b = 0; b < w->nboxes; b++)
        if (sel[b] && w->boxes[b].site != MN_NONE)
            keep[MN_EMU_PART_SITE][w->boxes[b].site] = 1;
    for (size_t t = 0; t < w->ntunnels; t++)
        keep[MN_EMU_PART_TUNNEL][t] =
            keep[MN_EMU_PART_SITE][w->tunnels[t].a] && keep[MN_EMU_PART_SITE][w->tunnels[t].b];
    for (size_t v = 0; v < w->nvaps; v++) {
        const mn_vap *V = &w->vaps[v];
        if (!keep[MN_EMU_PART_VAP][v])
            continue;
        if (V->tunnel_site != MN_NONE && !keep[MN_EMU_PART_SITE][V->tunnel_site] &&
            (rc = need(p,
                       "vAP %s: tunnels to site %s, outside the part: its users' traffic is "
                       "not tunnelled",
                       V->id, w->sites[V->tunnel_site].id)) != MN_OK)
            goto oom;
        if (V->via_vm != MN_NONE && !keep[MN_EMU_PART_VM][V->via_vm]) {
            if ((rc = need(p,
                           "vAP %s: enters vnet %s at VM %s, outside the part: its traffic "
                           "goes out of its box directly",
                           V->id, w->vnets[V->vnet].id, w->vms[V->via_vm].id)) != MN_OK)
                goto oom;
        } else if (V->vnet != MN_NONE) {
            keep[MN_EMU_PART_VNET][V->vnet] = 1;
        }
    }
    for (size_t m = 0; m < w->nvms; m++)
        if (keep[MN_EMU_PART_VM][m] && w->vms[m].vnet != MN_NONE)
            keep[MN_EMU_PART_VNET][w->vms[m].vnet] = 1;
    for (size_t x = 0; x < w->nvnets; x++) {
        uint32_t ex = w->vnets[x].exit_vm;
        if (keep[MN_EMU_PART_VNET][x] && ex != MN_NONE && !keep[MN_EMU_PART_VM][ex] &&
            (rc = need(p, "vnet %s: exits at VM %s, outside the part: it exits at its via VM",
                       w->vnets[x].id, w->vms[ex].id)) != MN_OK)
            goto oom;
    }
    for (size_t l = 0; l < w->nvlinks; l++)
        keep[MN_EMU_PART_VLINK][l] =
            keep[MN_EMU_PART_VM][w->vlinks[l].a] && keep[MN_EMU_PART_VM][w->vlinks[l].b];
    /* topology: anchors, the paths between them, the links between kept nodes */
    uint8_t *kn = keep[MN_EMU_PART_NODE];
    for (size_t b = 0; b < w->nboxes; b++)
        if (sel[b] && w->boxes[b].node != MN_NONE)
            anchors[na++] = w->boxes[b].node;
    for (size_t s = 0; s < w->nservices; s++)
        if (keep[MN_EMU_PART_SERVICE][s] && w->services[s].to_node != MN_NONE)
            anchors[na++] = w->services[s].to_node;
    for (size_t s = 0; s < w->nsites; s++)
        if (keep[MN_EMU_PART_SITE][s])
            anchors[na++] = w->sites[s].node;
    for (size_t i = 0; i < na; i++)
        kn[anchors[i]] = 1;
    /* each anchor once: BFS and routes per distinct node */
    size_t nd = 0;
    for (size_t i = 0; i < na; i++) {
        size_t j = 0;
        while (j < nd && anchors[j] != anchors[i])
            j++;
        if (j == nd)
            anchors[nd++] = anchors[i];
    }
    if ((rc = keep_paths(n, anchors, nd, kn, err)) != MN_OK)
        goto out;
    for (size_t l = 0; l < n->nlinks; l++)
        keep[MN_EMU_PART_LINK][l] = kn[n->links[l].a] && kn[n->links[l].b];
    for (size_t f = 0; f < n->nflows; f++)
        keep[MN_EMU_PART_FLOW][f] = kn[n->flows[f].from] && kn[n->flows[f].to];
    for (size_t f = 0; f < w->nfaults; f++) {
        const mn_fault *F = &w->faults[f];
        for (size_t t = 0; t < F->ntargets; t++)
            keep[MN_EMU_PART_FAULT][f] |= keep[fault_kind[F->kind]][F->targets[t]];
    }
    for (int k = 0; k < MN_EMU_PART_KINDS && rc == MN_OK; k++)
        rc = number(p, (mn_emu_part_kind)k, keep[k]);
oom:
    if (rc != MN_OK)
        rc = MN_ERR(err, MN_ENOMEM, "out of memory");
out:
    for (int k = 0; k < MN_EMU_PART_KINDS; k++)
        mn_free(keep[k]);
    mn_free(at.box);
    mn_free(at.radio);
    mn_free(anchors);
    mn_free(kept);
    return rc;
}

/* ---- building the part's net ---- */

/* A candidate list cut to the part and renumbered, *n updated. */
static int cut_cand(const mn_emu_part *p, uint32_t **cand, size_t *n)
{
    const uint32_t *old = *cand;
    size_t k = 0;
    *cand = NULL;
    if (!old)
        return MN_OK;
    uint32_t *c = mn_calloc(*n + 1, sizeof *c);
    if (!c) {
        *n = 0;
        return MN_ENOMEM;
    }
    for (size_t i = 0; i < *n; i++)
        if (M(p, MN_EMU_PART_BOX, old[i]) != MN_NONE)
            c[k++] = M(p, MN_EMU_PART_BOX, old[i]);
    *cand = c;
    *n = k;
    return MN_OK;
}

static uint32_t remap_bits(const mn_emu_part *p, uint32_t bits)
{
    uint32_t out = 0;
    for (uint32_t s = 0; s < p->nfull[MN_EMU_PART_SERVICE] && s < 32; s++) {
        uint32_t t = M(p, MN_EMU_PART_SERVICE, s);
        if ((bits & (1u << s)) && t != MN_NONE)
            out |= 1u << t;
    }
    return out;
}

/*
 * The kept entries of an array: part entry j is full entry to_full[kind][j],
 * its id (and any other owned field, zeroed by the caller's fix-up) still the
 * full net's until it is copied. The count is set only once the array exists,
 * so a failure leaves nothing for mn_net_destroy to free twice.
 */
#define KEPT(dst, ndst, src, kind)                                                                 \
    do {                                                                                           \
        size_t n_ = p->npart[kind];                                                                \
        if (!((dst) = mn_calloc(n_ + 1, sizeof *(dst))))                                           \
            return MN_ENOMEM;                                                                      \
        for (size_t j_ = 0; j_ < n_; j_++) {                                                       \
            (dst)[j_] = (src)[p->to_full[kind][j_]];                                               \
            (dst)[j_].id = NULL;                                                                   \
        }                                                                                          \
        (ndst) = n_;                                                                               \
    } while (0)

static int copy_topology(const mn_net *n, mn_net *s, const mn_emu_part *p)
{
    size_t nn = p->npart[MN_EMU_PART_NODE];
    if (!(s->nodes = mn_calloc(nn + 1, sizeof *s->nodes)))
        return MN_ENOMEM;
    s->nnodes = s->nodes_cap = nn;
    for (size_t j = 0; j < nn; j++)
        if (!(s->nodes[j] = mn_strdup(n->nodes[p->to_full[MN_EMU_PART_NODE][j]])) ||
            mn_strmap_add(&s->node_ids, s->nodes[j], (uint32_t)j) < 0)
            return MN_ENOMEM;
    KEPT(s->links, s->nlinks, n->links, MN_EMU_PART_LINK);
    s->links_cap = s->nlinks;
    for (size_t j = 0; j < s->nlinks; j++) {
        mn_net_link *l = &s->links[j];
        if (!(l->id = mn_strdup(n->links[p->to_full[MN_EMU_PART_LINK][j]].id)) ||
            mn_strmap_add(&s->link_ids, l->id, (uint32_t)j) < 0)
            return MN_ENOMEM;
        l->a = M(p, MN_EMU_PART_NODE, l->a);
        l->b = M(p, MN_EMU_PART_NODE, l->b);
    }
    KEPT(s->flows, s->nflows, n->flows, MN_EMU_PART_FLOW);
    s->flows_cap = s->nflows;
    for (size_t j = 0; j < s->nflows; j++) {
        mn_net_flow *f = &s->flows[j];
        if (!(f->id = mn_strdup(n->flows[p->to_full[MN_EMU_PART_FLOW][j]].id)) ||
            mn_strmap_add(&s->flow_ids, f->id, (uint32_t)j) < 0)
            return MN_ENOMEM;
        f->from = M(p, MN_EMU_PART_NODE, f->from);
        f->to = M(p, MN_EMU_PART_NODE, f->to);
    }
    return MN_OK;
}

/* Copies the kept ids of an array whose entries KEPT made. */
#define DUP_IDS(arr, kind)                                                                         \
    for (size_t j = 0; j < x->n##arr; j++)                                                         \
        if (!(x->arr[j].id = mn_strdup(w->arr[p->to_full[kind][j]].id)))                           \
            return MN_ENOMEM;

/* The world's entities, renumbered; every owned field of an entry is its own copy. */
static int copy_world(const mn_world *w, mn_world *x, mn_emu_part *p)
{
    x->present = 1;
    if (!(x->operators = mn_calloc(w->noperators + 1, sizeof *x->operators)))
        return MN_ENOMEM;
    x->noperators = x->operators_cap = w->noperators;
    for (size_t i = 0; i < w->noperators; i++)
        if (!(x->operators[i] = mn_strdup(w->operators[i])))
            return MN_ENOMEM;
    if (!(x->slas = mn_calloc(w->nslas + 1, sizeof *x->slas)))
        return MN_ENOMEM;
    for (size_t i = 0; i < w->nslas; i++) {
        x->slas[i] = w->slas[i];
        x->slas[i].id = NULL;
    }
    x->nslas = x->slas_cap = w->nslas;
    for (size_t i = 0; i < w->nslas; i++)
        if (!(x->slas[i].id = mn_strdup(w->slas[i].id)))
            return MN_ENOMEM;
    KEPT(x->services, x->nservices, w->services, MN_EMU_PART_SERVICE);
    DUP_IDS(services, MN_EMU_PART_SERVICE)
    for (size_t j = 0; j < x->nservices; j++) {
        x->services[j].to_node = M(p, MN_EMU_PART_NODE, x->services[j].to_node);
        x->services[j].to_vm = M(p, MN_EMU_PART_VM, x->services[j].to_vm);
    }
    KEPT(x->boxes, x->nboxes, w->boxes, MN_EMU_PART_BOX);
    DUP_IDS(boxes, MN_EMU_PART_BOX)
    for (size_t j = 0; j < x->nboxes; j++) {
        x->boxes[j].node = M(p, MN_EMU_PART_NODE, x->boxes[j].node);
        x->boxes[j].site = M(p, MN_EMU_PART_SITE, x->boxes[j].site);
    }
    KEPT(x->radios, x->nradios, w->radios, MN_EMU_PART_RADIO);
    DUP_IDS(radios, MN_EMU_PART_RADIO)
    for (size_t j = 0; j < x->nradios; j++)
        x->radios[j].box = M(p, MN_EMU_PART_BOX, x->radios[j].box);
    /* vAPs and VMs: ssid and cand are owned too, cleared before anything can fail */
    KEPT(x->vaps, x->nvaps, w->vaps, MN_EMU_PART_VAP);
    for (size_t j = 0; j < x->nvaps; j++) {
        x->vaps[j].ssid = NULL;
        x->vaps[j].cand = NULL;
    }
    DUP_IDS(vaps, MN_EMU_PART_VAP)
    for (size_t j = 0; j < x->nvaps; j++) {
        const mn_vap *src = &w->vaps[p->to_full[MN_EMU_PART_VAP][j]];
        mn_vap *v = &x->vaps[j];
        if (src->ssid && !(v->ssid = mn_strdup(src->ssid)))
            return MN_ENOMEM;
        v->cand = src->cand;
        if (cut_cand(p, &v->cand, &v->ncand) != MN_OK)
            return MN_ENOMEM;
        v->radio = M(p, MN_EMU_PART_RADIO, v->radio);
        v->box = M(p, MN_EMU_PART_BOX, v->box);
        v->tunnel_site = M(p, MN_EMU_PART_SITE, v->tunnel_site);
        v->via_vm = M(p, MN_EMU_PART_VM, v->via_vm);
        v->vnet = v->via_vm == MN_NONE ? MN_NONE : M(p, MN_EMU_PART_VNET, v->vnet);
        v->follows = M(p, MN_EMU_PART_USER, v->follows);
    }
    KEPT(x->vms, x->nvms, w->vms, MN_EMU_PART_VM);
    for (size_t j = 0; j < x->nvms; j++)
        x->vms[j].cand = NULL;
    DUP_IDS(vms, MN_EMU_PART_VM)
    for (size_t j = 0; j < x->nvms; j++) {
        mn_vm *v = &x->vms[j];
        v->cand = w->vms[p->to_full[MN_EMU_PART_VM][j]].cand;
        if (cut_cand(p, &v->cand, &v->ncand) != MN_OK)
            return MN_ENOMEM;
        v->box = M(p, MN_EMU_PART_BOX, v->box);
        v->vnet = M(p, MN_EMU_PART_VNET, v->vnet);
    }
    KEPT(x->vlinks, x->nvlinks, w->vlinks, MN_EMU_PART_VLINK);
    DUP_IDS(vlinks, MN_EMU_PART_VLINK)
    for (size_t j = 0; j < x->nvlinks; j++) {
        x->vlinks[j].vnet = M(p, MN_EMU_PART_VNET, x->vlinks[j].vnet);
        x->vlinks[j].a = M(p, MN_EMU_PART_VM, x->vlinks[j].a);
        x->vlinks[j].b = M(p, MN_EMU_PART_VM, x->vlinks[j].b);
    }
    KEPT(x->vnets, x->nvnets, w->vnets, MN_EMU_PART_VNET);
    DUP_IDS(vnets, MN_EMU_PART_VNET)
    for (size_t j = 0; j < x->nvnets; j++)
        x->vnets[j].exit_vm = M(p, MN_EMU_PART_VM, x->vnets[j].exit_vm);
    KEPT(x->sites, x->nsites, w->sites, MN_EMU_PART_SITE);
    DUP_IDS(sites, MN_EMU_PART_SITE)
    for (size_t j = 0; j < x->nsites; j++)
        x->sites[j].node = M(p, MN_EMU_PART_NODE, x->sites[j].node);
    if (!(x->tunnels = mn_calloc(p->npart[MN_EMU_PART_TUNNEL] + 1, sizeof *x->tunnels)))
        return MN_ENOMEM;
    x->ntunnels = x->tunnels_cap = p->npart[MN_EMU_PART_TUNNEL];
    for (size_t j = 0; j < x->ntunnels; j++) {
        const mn_tunnel *t = &w->tunnels[p->to_full[MN_EMU_PART_TUNNEL][j]];
        x->tunnels[j].a = M(p, MN_EMU_PART_SITE, t->a);
        x->tunnels[j].b = M(p, MN_EMU_PART_SITE, t->b);
    }
    KEPT(x->users, x->nusers, w->users, MN_EMU_PART_USER);
    DUP_IDS(users, MN_EMU_PART_USER)
    for (size_t j = 0; j < x->nusers; j++)
        x->users[j].services = remap_bits(p, x->users[j].services);
    KEPT(x->arrivals, x->narrivals, w->arrivals, MN_EMU_PART_ARRIVALS);
    DUP_IDS(arrivals, MN_EMU_PART_ARRIVALS)
    for (size_t j = 0; j < x->narrivals; j++)
        x->arrivals[j].services = remap_bits(p, x->arrivals[j].services);
    /* every mobility model, its trace copied, its distspec pointers into its own entry */
    if (!(x->mobilities = mn_calloc(w->nmobilities + 1, sizeof *x->mobilities)))
        return MN_ENOMEM;
    for (size_t i = 0; i < w->nmobilities; i++) {
        x->mobilities[i] = w->mobilities[i];
        x->mobilities[i].id = NULL;
        x->mobilities[i].trace = NULL;
    }
    x->nmobilities = x->mobilities_cap = w->nmobilities;
    for (size_t i = 0; i < w->nmobilities; i++) {
        mn_mobility_def *d = &x->mobilities[i];
        const mn_trace *tr = w->mobilities[i].trace;
        if (!(d->id = mn_strdup(w->mobilities[i].id)))
            return MN_ENOMEM;
        if (tr) {
            if (!(d->trace = mn_calloc(1, sizeof *d->trace)) ||
                !(d->trace->pts = mn_alloc((tr->n + 1) * sizeof *tr->pts)))
                return MN_ENOMEM;
            memcpy(d->trace->pts, tr->pts, tr->n * sizeof *tr->pts);
            d->trace->n = tr->n;
        }
        d->m.pause = &d->pause;
        d->m.leave = &d->leave;
        d->m.travel = &d->travel;
        d->m.work = &d->work;
        d->m.trace = d->trace;
    }
    /* faults: their targets in the part */
    KEPT(x->faults, x->nfaults, w->faults, MN_EMU_PART_FAULT);
    for (size_t j = 0; j < x->nfaults; j++) {
        x->faults[j].targets = NULL;
        x->faults[j].ntargets = 0;
    }
    DUP_IDS(faults, MN_EMU_PART_FAULT)
    for (size_t j = 0; j < x->nfaults; j++) {
        const mn_fault *F = &w->faults[p->to_full[MN_EMU_PART_FAULT][j]];
        mn_fault *G = &x->faults[j];
        if (!(G->targets = mn_calloc(F->ntargets + 1, sizeof *G->targets)))
            return MN_ENOMEM;
        for (size_t t = 0; t < F->ntargets; t++) {
            uint32_t to = M(p, fault_kind[F->kind], F->targets[t]);
            if (to != MN_NONE)
                G->targets[G->ntargets++] = to;
        }
    }
    x->underlay = w->underlay;
    x->geo = w->geo;
    x->queue_packets = w->queue_packets;
    x->policies = w->policies;
    x->npopulations = w->npopulations;
    return MN_OK;
}
#undef DUP_IDS
#undef KEPT

/* The world's id namespace, renumbered: kinds without a map keep their index. */
static int copy_ids(const mn_world *w, mn_world *x, const mn_emu_part *p)
{
    static const int kind_of[] = {
        /* the map's kind + 1; 0: no map */
        [MN_ID_SERVICE] = 1 + MN_EMU_PART_SERVICE, [MN_ID_BOX] = 1 + MN_EMU_PART_BOX,
        [MN_ID_RADIO] = 1 + MN_EMU_PART_RADIO,     [MN_ID_VAP] = 1 + MN_EMU_PART_VAP,
        [MN_ID_VM] = 1 + MN_EMU_PART_VM,           [MN_ID_VLINK] = 1 + MN_EMU_PART_VLINK,
        [MN_ID_VNET] = 1 + MN_EMU_PART_VNET,       [MN_ID_SITE] = 1 + MN_EMU_PART_SITE,
        [MN_ID_USER] = 1 + MN_EMU_PART_USER,       [MN_ID_ARRIVALS] = 1 + MN_EMU_PART_ARRIVALS,
        [MN_ID_FAULT] = 1 + MN_EMU_PART_FAULT};
    for (size_t i = 0; i < w->ids.cap; i++) {
        if (!w->ids.keys[i])
            continue;
        uint32_t v = w->ids.vals[i], kind = v >> 28, idx = v & IDX_MASK;
        if (kind != MN_ID_OPERATOR && kind != MN_ID_SLA && kind != MN_ID_MOBILITY) {
            if (kind >= sizeof kind_of / sizeof kind_of[0] || !kind_of[kind])
                continue;
            idx = M(p, (mn_emu_part_kind)(kind_of[kind] - 1), idx);
            if (idx == MN_NONE)
                continue;
        }
        if (mn_strmap_add(&x->ids, w->ids.keys[i], idx | kind << 28) < 0)
            return MN_ENOMEM;
    }
    return MN_OK;
}

/* Each topology node's site, and the bandwidth the kept vlinks reserve (as world.c maps them). */
static int derive(mn_net *s, const mn_world *w, mn_emu_part *p, mn_err *err)
{
    mn_world *x = &s->world;
    if (w->node_site) {
        x->node_site_n = s->nnodes;
        if (!(x->node_site = mn_alloc((s->nnodes + 1) * sizeof *x->node_site)))
            return MN_ERR(err, MN_ENOMEM, "out of memory");
        for (size_t j = 0; j < s->nnodes; j++) {
            uint32_t k = p->to_full[MN_EMU_PART_NODE][j];
            x->node_site[j] =
                k < w->node_site_n ? M(p, MN_EMU_PART_SITE, w->node_site[k]) : MN_NONE;
        }
    }
    if (x->nvlinks == 0)
        return MN_OK;
    x->vlink_reserved = mn_calloc(2 * s->nlinks + 1, sizeof *x->vlink_reserved);
    x->uplink_reserved = mn_calloc(2 * x->nboxes + 1, sizeof *x->uplink_reserved);
    uint32_t *res = mn_alloc((s->nnodes + 1) * sizeof *res);
    mn_routes *r = NULL;
    int rc = !x->vlink_reserved || !x->uplink_reserved || !res
                 ? MN_ERR(err, MN_ENOMEM, "out of memory")
                 : mn_routes_create(s, &r, err);
    for (size_t i = 0; i < x->nvlinks && rc == MN_OK; i++) {
        const mn_vlink *vl = &x->vlinks[i];
        uint32_t ba = x->vms[vl->a].box, bb = x->vms[vl->b].box;
        if (ba == bb || ba == MN_NONE || bb == MN_NONE)
            continue;
        size_t len = 0;
        mn_time lat;
        uint32_t na = x->boxes[ba].node, nb = x->boxes[bb].node;
        if (na != MN_NONE && nb != MN_NONE &&
            mn_routes_path(r, na, nb, res, s->nnodes, &len, &lat) != MN_OK)
            len = 0; /* the full world had a path: it lies in the part */
        for (int d = 0; d < 2; d++) {
            x->uplink_reserved[2 * ba + (uint32_t)d] += vl->bps;
            x->uplink_reserved[2 * bb + (uint32_t)d] += vl->bps;
        }
        for (size_t k = 0; k < len; k++) {
            x->vlink_reserved[res[k]] += vl->bps;
            x->vlink_reserved[res[k] ^ 1u] += vl->bps;
        }
    }
    mn_routes_destroy(r);
    mn_free(res);
    return rc;
}

/* Every rule (ids and order stand), its subjects and boxes cut to the part. */
static int copy_rules(const mn_world *w, mn_world *x, mn_emu_part *p)
{
    const mn_ruleset *R = &w->rules;
    mn_ruleset *T = &x->rules;
    T->collect_isolation = R->collect_isolation;
    if (!R->nrules)
        return MN_OK;
    if (!(T->rules = mn_calloc(R->nrules + 1, sizeof *T->rules)) ||
        !(T->order = mn_calloc(R->nrules + 1, sizeof *T->order)))
        return MN_ENOMEM;
    T->rules_cap = T->order_cap = R->nrules;
    for (size_t i = 0; i < R->nrules; i++) {
        T->rules[i] = R->rules[i];
        T->rules[i].id = T->rules[i].file = NULL;
        T->rules[i].sel = NULL;
        T->rules[i].nsel = 0;
        for (size_t a = 0; a < T->rules[i].nactions; a++) {
            T->rules[i].actions[a].boxes = NULL;
            T->rules[i].actions[a].nboxes = 0;
        }
    }
    T->nrules = R->nrules;
    memcpy(T->order, R->order, R->nrules * sizeof *T->order);
    for (size_t i = 0; i < R->nrules; i++) {
        const mn_rule *src = &R->rules[i];
        mn_rule *r = &T->rules[i];
        if (!(r->id = mn_strdup(src->id)) || (src->file && !(r->file = mn_strdup(src->file))) ||
            mn_strmap_add(&T->ids, r->id, (uint32_t)i) < 0 ||
            !(r->sel = mn_calloc(src->nsel + 1, sizeof *r->sel)))
            return MN_ENOMEM;
        mn_emu_part_kind k = src->subject == MN_RULE_VAP  ? MN_EMU_PART_VAP
                             : src->subject == MN_RULE_VM ? MN_EMU_PART_VM
                                                          : MN_EMU_PART_BOX;
        for (size_t j = 0; j < src->nsel; j++) /* ascending stays ascending */
            if (M(p, k, src->sel[j]) != MN_NONE)
                r->sel[r->nsel++] = M(p, k, src->sel[j]);
        const char *why = NULL;
        for (size_t a = 0; a < src->nactions; a++) {
            const mn_rule_action *sa = &src->actions[a];
            mn_rule_action *ra = &r->actions[a];
            ra->site = M(p, MN_EMU_PART_SITE, sa->site);
            if (sa->kind == MN_RULE_TUNNEL && sa->site != MN_NONE && ra->site == MN_NONE)
                why = "its tunnel's site";
            if (!sa->boxes)
                continue;
            if (!(ra->boxes = mn_calloc(sa->nboxes + 1, sizeof *ra->boxes)))
                return MN_ENOMEM;
            for (size_t b = 0; b < sa->nboxes; b++)
                if (M(p, MN_EMU_PART_BOX, sa->boxes[b]) != MN_NONE)
                    ra->boxes[ra->nboxes++] = M(p, MN_EMU_PART_BOX, sa->boxes[b]);
            if (sa->target == MN_RULE_TO_BOXES && sa->nboxes && !ra->nboxes)
                why = "every box of its to= list";
        }
        int selected = r->select_all || r->nsel;
        if (why && selected) {
            r->select_all = 0;
            r->nsel = 0;
            if (need(p, "rule %s: %s is outside the part: the rule is inert", r->id, why) != MN_OK)
                return MN_ENOMEM;
        }
    }
    return MN_OK;
}

static int build_net(const mn_net *n, mn_emu_part *p, mn_net **out, mn_err *err)
{
    mn_net *s = mn_calloc(1, sizeof *s);
    if (!s)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    mn_strmap_init(&s->node_ids);
    mn_strmap_init(&s->link_ids);
    mn_strmap_init(&s->flow_ids);
    mn_world_init(&s->world);
    s->seed = n->seed;
    s->has_seed = n->has_seed;
    s->seed_forced = n->seed_forced;
    s->duration = n->duration;
    s->line = n->line;
    s->interval = n->interval;
    int rc = MN_OK;
    if (!(s->name = mn_strdup(n->name)) || !(s->path = mn_strdup(n->path)) ||
        copy_topology(n, s, p) != MN_OK || copy_world(&n->world, &s->world, p) != MN_OK ||
        copy_ids(&n->world, &s->world, p) != MN_OK || copy_rules(&n->world, &s->world, p) != MN_OK)
        rc = MN_ERR(err, MN_ENOMEM, "out of memory");
    if (rc == MN_OK)
        rc = derive(s, &n->world, p, err);
    if (rc != MN_OK) {
        mn_net_destroy(s);
        return rc;
    }
    *out = s;
    return MN_OK;
}

int mn_emu_part_create(const mn_net *full, const mn_emu_part_spec *spec, mn_net **net_out,
                       mn_emu_part **out, mn_err *err)
{
    const mn_world *w = &full->world;
    if (!w->present)
        return mn_err_set_at(err, MN_EINVAL, "--part",
                             "%s has no <world>: there are no boxes to choose", full->path);
    if (!spec || !spec->n)
        return mn_err_set_at(err, MN_EINVAL, "--part",
                             "nothing selected; write box=ID[,ID...] or site=ID[,ID...]");
    mn_emu_part *p = mn_calloc(1, sizeof *p);
    if (!p)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    snprintf(p->spec, sizeof p->spec, "%s", spec->text);
    p->namespaces_full = mn_emu_namespaces_needed(full);
    size_t counts[MN_EMU_PART_KINDS] = {
        [MN_EMU_PART_BOX] = w->nboxes,         [MN_EMU_PART_RADIO] = w->nradios,
        [MN_EMU_PART_VAP] = w->nvaps,          [MN_EMU_PART_VM] = w->nvms,
        [MN_EMU_PART_USER] = w->nusers,        [MN_EMU_PART_NODE] = full->nnodes,
        [MN_EMU_PART_LINK] = full->nlinks,     [MN_EMU_PART_SITE] = w->nsites,
        [MN_EMU_PART_TUNNEL] = w->ntunnels,    [MN_EMU_PART_SERVICE] = w->nservices,
        [MN_EMU_PART_VNET] = w->nvnets,        [MN_EMU_PART_VLINK] = w->nvlinks,
        [MN_EMU_PART_ARRIVALS] = w->narrivals, [MN_EMU_PART_FAULT] = w->nfaults,
        [MN_EMU_PART_FLOW] = full->nflows};
    memcpy(p->nfull, counts, sizeof counts);
    int rc = choose(full, spec, p, err);
    if (rc == MN_OK)
        rc = build_net(full, p, net_out, err);
    if (rc != MN_OK) {
        mn_emu_part_destroy(p);
        return rc;
    }
    *out = p;
    return MN_OK;
}

void mn_emu_part_write_json(const mn_emu_part *p, FILE *f)
{
    static const char *const names[MN_EMU_PART_KINDS] = {
        "boxes",   "radios",   "vaps",  "vms",    "users",    "nodes",  "links", "sites",
        "tunnels", "services", "vnets", "vlinks", "arrivals", "faults", "flows"};
    fprintf(f, "{\"spec\": ");
    mn_json_string(f, p->spec);
    for (int pass = 0; pass < 2; pass++) {
        fprintf(f, ", \"%s\": {", pass ? "dropped" : "kept");
        size_t inst = 0;
        for (int k = 0; k < MN_EMU_PART_KINDS; k++) {
            size_t v = pass ? p->nfull[k] - p->npart[k] : p->npart[k];
            if (k == MN_EMU_PART_VAP || k == MN_EMU_PART_VM)
                inst += v;
            fprintf(f, "%s\"%s\": %zu", k ? ", " : "", names[k], v);
        }
        fprintf(f, ", \"instances\": %zu}", inst);
    }
    fprintf(f, ", \"namespaces_full\": %zu, \"needed_outside\": [", p->namespaces_full);
    for (size_t i = 0; i < p->nneeds; i++) {
        fprintf(f, "%s", i ? ", " : "");
        mn_json_string(f, p->needs[i]);
    }
    fprintf(f, "]}");
}
