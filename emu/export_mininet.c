/*
 * export_mininet.c - `mnetsim export mininet`: the world as a Mininet custom
 * topology (a Python 3 module), the same network `mnetsim emu` builds.
 *
 * Mininet names: switches s1, s2, ... (topology nodes, then the Internet if a
 * box attaches there, then box bridges, then radio segments), hosts h1, h2,
 * ... (vAP instances, VM instances, then users and population groups), each
 * with a comment naming its scenario id. Ids were checked by
 * mn_emu_export_check_ids, so they can go into comments and '...' literals.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "sim/core/alloc.h"
#include "sim/core/outfile.h"
#include "sim/models/radio.h"

static const char *const vm_kind_names[] = {"router", "switch", "firewall", "pbx"};

/* An instance's operator, for comments: a VM outside any virtual network may have none. */
static const char *op_name(const mn_world *w, uint32_t op)
{
    return op == MN_NONE ? "(none)" : w->operators[op];
}

/*
 * The radio segment's capacity, as the emulation shapes it (emu/backend.c):
 * the MAC throughput of one saturated station at 1 m with 1500-byte
 * payloads, 8 / airtime_per_byte(phy(1 m), n = 1, 1500 B); 802.11g:
 * 54 Mbit/s PHY -> 29.3 Mbit/s.
 */
static double radio_bps(const mn_radio_cfg *c)
{
    double phy = mn_radio_phy_rate(c, 1.0, NULL), apb = 0;
    if (phy > 0 && mn_radio_airtime_per_byte(c, phy, 1, 1500, &apb, NULL) == MN_OK && apb > 0)
        return 8.0 / apb;
    return phy > 0 ? phy / 2 : 1e6;
}

/* bit/s as Mbit/s, at most 3 decimals, no trailing zeros: 1e9 -> "1000", 29.3176e6 -> "29.318". */
static void fmt_mbps(char *buf, size_t n, double bps)
{
    snprintf(buf, n, "%.3f", bps / 1e6);
    char *dot = strchr(buf, '.');
    if (!dot)
        return;
    char *end = buf + strlen(buf) - 1;
    while (end > dot && *end == '0')
        *end-- = '\0';
    if (end == dot)
        *end = '\0';
}

/* A netem delay: "3ms", "250us", "1.5us" (tc accepts all three). */
static void fmt_delay(char *buf, size_t n, mn_time ns)
{
    if (ns % 1000000 == 0)
        snprintf(buf, n, "%lldms", (long long)(ns / 1000000));
    else if (ns % 1000 == 0)
        snprintf(buf, n, "%lldus", (long long)(ns / 1000));
    else
        snprintf(buf, n, "%.3fus", (double)ns / 1e3);
}

/* One addLink; bps <= 0 and delay <= 0 leave the parameter out. */
static void link(FILE *f, char ka, size_t a, char kb, size_t b, double bps, mn_time delay,
                 mn_export_counts *c)
{
    char bw[48], dl[48];
    fprintf(f, "        self.addLink(%c%zu, %c%zu", ka, a, kb, b);
    if (bps > 0 || delay > 0)
        fprintf(f, ", cls=TCLink");
    if (bps > 0) {
        fmt_mbps(bw, sizeof bw, bps);
        fprintf(f, ", bw=%s", bw);
        c->links_shaped++;
    }
    if (delay > 0) {
        fmt_delay(dl, sizeof dl, delay);
        fprintf(f, ", delay='%s'", dl);
    }
    fprintf(f, ")\n");
    c->links++;
}

/* The vAP user u associates with at home: its operator's, a shared stack, strongest PHY rate. */
static uint32_t best_vap(const mn_world *w, const mn_export_place *pl, uint32_t u)
{
    const mn_user *U = &w->users[u];
    uint32_t best = MN_NONE;
    double best_phy = 0;
    for (uint32_t v = 0; v < w->nvaps; v++) {
        const mn_vap *V = &w->vaps[v];
        if (V->op != U->op || !(V->stacks & U->stacks) || pl[v].box == MN_NONE ||
            pl[v].radio == MN_NONE)
            continue;
        const mn_radio *R = &w->radios[pl[v].radio];
        double d = mn_pos_dist(U->st.home, w->boxes[pl[v].box].pos);
        if (d > R->range_m)
            continue;
        double phy = mn_radio_phy_rate(&R->cfg, d, NULL);
        if (phy > best_phy) {
            best_phy = phy;
            best = v;
        }
    }
    return best;
}

/* Users grouped into hosts: alone, or with the users of their population on the same vAP. */
typedef struct ugroup {
    uint64_t key;
    uint32_t u;
} ugroup;

static int ugroup_cmp(const void *pa, const void *pb)
{
    const ugroup *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->u < b->u ? -1 : a->u > b->u;
}

typedef struct hgroup {
    uint32_t first, last, count, vap; /* users (first and last by index) and their vAP */
} hgroup;

static int hgroup_cmp(const void *pa, const void *pb)
{
    const hgroup *a = pa, *b = pb;
    return a->first < b->first ? -1 : a->first > b->first;
}

static void write_topo(const mn_net *net, FILE *f, const mn_export_place *pl, const hgroup *hg,
                       size_t nhg, mn_export_counts *c)
{
    const mn_world *w = &net->world;
    size_t ninst = w->nvaps + w->nvms;
    int internet = 0;
    for (size_t b = 0; b < w->nboxes; b++)
        if (w->boxes[b].node == MN_NONE)
            internet = 1;
    /* switch numbers (1-based): nodes, [internet], box bridges, radios */
    size_t s_inet = net->nnodes + 1;
    size_t s_box0 = net->nnodes + (size_t)internet + 1;
    size_t s_radio0 = s_box0 + w->nboxes;
    c->switches = net->nnodes + (size_t)internet + w->nboxes + w->nradios;
    c->hosts = ninst + nhg;

    fprintf(f,
            "# mnet_topo.py - Mininet custom topology of mnetsim scenario \"%s\".\n"
            "# Generated by `mnetsim export mininet` (docs/emulation.md, \"Exports: Mininet and "
            "Xen\");\n"
            "# regenerate rather than edit. Run it with:\n"
            "#\n"
            "#   sudo mn --custom mnet_topo.py --topo mnet\n"
            "#   sudo mn --custom mnet_topo.py --topo mnet --switch lxbr,stp=1\n"
            "#\n"
            "# (the second without Open vSwitch, or when the topology has loops). Switches: the\n"
            "# topology nodes (the underlay), the Internet where boxes without node= attach, each\n"
            "# box's bridge (its dom0) and each radio segment. Hosts: each vAP and VM instance\n"
            "# (on its box's bridge) and each user or population group (on the radio segment\n"
            "# of the vAP it associates with at home: its operator's, a shared stack, the\n"
            "# strongest PHY rate, as in `mnetsim emu`). Links carry the scenario's capacity\n"
            "# (bw=, Mbit/s) and latency (delay=) through TCLink; a radio link carries the\n"
            "# radio's capacity as the emulation shapes it. Mininet ignores bw above 1000 Mbit/s\n"
            "# (TCIntf.bwParamMax) with a warning. Not exported: VXLAN tunnels (traffic crosses\n"
            "# the underlay unencapsulated), virtual links, arrivals, mobility, services, faults.\n"
            "\n"
            "from mininet.link import TCLink\n"
            "from mininet.topo import Topo\n"
            "\n",
            net->name);

    /* the mapping, once as data (the comments in build() say the same) */
    fprintf(f, "# Scenario ids of the Mininet nodes.\nIDS = {\n");
    for (size_t k = 0; k < net->nnodes; k++)
        fprintf(f, "    's%zu': 'node %s',\n", k + 1, net->nodes[k]);
    if (internet)
        fprintf(f, "    's%zu': 'internet',\n", s_inet);
    for (size_t b = 0; b < w->nboxes; b++)
        fprintf(f, "    's%zu': 'box %s',\n", s_box0 + b, w->boxes[b].id);
    for (size_t r = 0; r < w->nradios; r++)
        fprintf(f, "    's%zu': 'radio %s',\n", s_radio0 + r, w->radios[r].id);
    for (size_t i = 0; i < ninst; i++)
        fprintf(f, "    'h%zu': '%s %s',\n", i + 1, i < w->nvaps ? "vap" : "vm",
                i < w->nvaps ? w->vaps[i].id : w->vms[i - w->nvaps].id);
    for (size_t g = 0; g < nhg; g++)
        fprintf(f, "    'h%zu': 'user%s %s',\n", ninst + g + 1, hg[g].count > 1 ? "s" : "",
                w->users[hg[g].first].id);
    fprintf(f, "}\n\n\n");

    fprintf(f,
            "class MnetTopo(Topo):\n"
            "    \"\"\"Scenario %s: %zu hosts, %zu switches.\"\"\"\n"
            "\n"
            "    def build(self):\n",
            net->name, c->hosts, c->switches);

    fprintf(f, "        # ---- switches ----\n");
    for (size_t k = 0; k < net->nnodes; k++)
        fprintf(f, "        # s%zu: topology node %s\n        s%zu = self.addSwitch('s%zu')\n",
                k + 1, net->nodes[k], k + 1, k + 1);
    if (internet)
        fprintf(f,
                "        # s%zu: the Internet (where boxes without node= attach)\n"
                "        s%zu = self.addSwitch('s%zu')\n",
                s_inet, s_inet, s_inet);
    for (size_t b = 0; b < w->nboxes; b++)
        fprintf(
            f,
            "        # s%zu: bridge of box %s (its dom0)\n        s%zu = self.addSwitch('s%zu')\n",
            s_box0 + b, w->boxes[b].id, s_box0 + b, s_box0 + b);
    for (size_t r = 0; r < w->nradios; r++)
        fprintf(f,
                "        # s%zu: radio segment %s (%s) on box %s\n"
                "        s%zu = self.addSwitch('s%zu')\n",
                s_radio0 + r, w->radios[r].id, mn_wifi_std_name(w->radios[r].cfg.std),
                w->boxes[w->radios[r].box].id, s_radio0 + r, s_radio0 + r);

    fprintf(f, "        # ---- hosts ----\n");
    for (size_t i = 0; i < ninst; i++) {
        const char *box = pl[i].box == MN_NONE ? NULL : w->boxes[pl[i].box].id;
        if (i < w->nvaps)
            fprintf(f, "        # h%zu: vap %s of operator %s", i + 1, w->vaps[i].id,
                    op_name(w, w->vaps[i].op));
        else
            fprintf(f, "        # h%zu: vm %s (%s) of operator %s", i + 1, w->vms[i - w->nvaps].id,
                    vm_kind_names[w->vms[i - w->nvaps].kind], op_name(w, w->vms[i - w->nvaps].op));
        if (box)
            fprintf(f, " on box %s%s\n", box,
                    pl[i].movable ? " (movable: its first candidate box; a placement policy "
                                    "decides at run time)"
                                  : "");
        else
            fprintf(f, ": no box (movable without candidates): not linked\n");
        fprintf(f, "        h%zu = self.addHost('h%zu')\n", i + 1, i + 1);
    }
    for (size_t g = 0; g < nhg; g++) {
        const hgroup *G = &hg[g];
        const mn_user *U = &w->users[G->first];
        if (G->count > 1)
            fprintf(f, "        # h%zu: users %s .. %s (%u of a population, operator %s)",
                    ninst + g + 1, U->id, w->users[G->last].id, (unsigned)G->count,
                    op_name(w, U->op));
        else
            fprintf(f, "        # h%zu: user %s (operator %s)", ninst + g + 1, U->id,
                    op_name(w, U->op));
        if (G->vap != MN_NONE)
            fprintf(f, " on vap %s, radio %s\n", w->vaps[G->vap].id,
                    w->radios[pl[G->vap].radio].id);
        else
            fprintf(f, ": no vAP of its operator and stacks in range at home: not linked\n");
        fprintf(f, "        h%zu = self.addHost('h%zu')\n", ninst + g + 1, ninst + g + 1);
    }

    fprintf(f, "        # ---- links ----\n");
    for (size_t l = 0; l < net->nlinks; l++) {
        const mn_net_link *L = &net->links[l];
        fprintf(f, "        # link %s: %s <-> %s\n", L->id, net->nodes[L->a], net->nodes[L->b]);
        link(f, 's', (size_t)L->a + 1, 's', (size_t)L->b + 1, (double)L->capacity_bps, L->latency,
             c);
    }
    for (size_t b = 0; b < w->nboxes; b++) {
        const mn_box *B = &w->boxes[b];
        fprintf(f, "        # uplink of box %s to %s%s\n", B->id,
                B->node == MN_NONE ? "the Internet" : "node ",
                B->node == MN_NONE ? "" : net->nodes[B->node]);
        link(f, 's', s_box0 + b, 's', B->node == MN_NONE ? s_inet : (size_t)B->node + 1,
             B->uplink_bps, B->uplink_latency, c);
    }
    for (size_t r = 0; r < w->nradios; r++) {
        fprintf(f, "        # radio %s to the bridge of box %s (one station's MAC throughput)\n",
                w->radios[r].id, w->boxes[w->radios[r].box].id);
        link(f, 's', s_radio0 + r, 's', s_box0 + w->radios[r].box, radio_bps(&w->radios[r].cfg), 0,
             c);
    }
    fprintf(f, "        # instances on their box's bridge, users on their vAP's radio segment\n");
    for (size_t i = 0; i < ninst; i++)
        if (pl[i].box != MN_NONE)
            link(f, 'h', i + 1, 's', s_box0 + pl[i].box, 0, 0, c);
    for (size_t g = 0; g < nhg; g++)
        if (hg[g].vap != MN_NONE)
            link(f, 'h', ninst + g + 1, 's', s_radio0 + pl[hg[g].vap].radio, 0, 0, c);

    fprintf(f, "\n\ntopos = {'mnet': (lambda: MnetTopo())}\n");
}

int mn_emu_export_mininet(const mn_net *net, const char *dir, const char *name,
                          mn_export_counts *out, mn_err *err)
{
    const mn_world *w = &net->world;
    if (!w->present)
        return mn_err_set_at(err, MN_EINVAL, net->path,
                             "the scenario has no <world> (boxes, radios, vAPs, users) to export; "
                             "add one (README, \"The metamorphic network\")");
    int rc = mn_emu_export_check_ids(net, err);
    if (rc != MN_OK)
        return rc;
    size_t ninst = w->nvaps + w->nvms;
    mn_export_place *pl = mn_calloc(ninst ? ninst : 1, sizeof *pl);
    uint32_t *uvap = mn_calloc(w->nusers ? w->nusers : 1, sizeof *uvap);
    ugroup *ug = mn_calloc(w->nusers ? w->nusers : 1, sizeof *ug);
    hgroup *hg = mn_calloc(w->nusers ? w->nusers : 1, sizeof *hg);
    if (!pl || !uvap || !ug || !hg) {
        rc = MN_ERR(err, MN_ENOMEM, "out of memory for the export of %zu instances, %zu users",
                    ninst, w->nusers);
        goto out;
    }
    for (uint32_t i = 0; i < ninst; i++)
        pl[i] = mn_emu_export_place(w, i);
    /*
     * A population's users on the same vAP are one Mininet host (a city's
     * 100,000 users are not 100,000 namespaces); other users one host each.
     * Key: population << 32 | (vAP + 1), or the top bit | the user alone.
     */
    for (uint32_t u = 0; u < w->nusers; u++) {
        uvap[u] = best_vap(w, pl, u);
        uint64_t v1 = uvap[u] == MN_NONE ? 0 : (uint64_t)uvap[u] + 1;
        ug[u].u = u;
        ug[u].key =
            w->users[u].pop == MN_NONE ? (1ull << 63) | u : (uint64_t)w->users[u].pop << 32 | v1;
    }
    qsort(ug, w->nusers, sizeof *ug, ugroup_cmp);
    size_t nhg = 0;
    for (size_t k = 0; k < w->nusers; k++) {
        if (k == 0 || ug[k].key != ug[k - 1].key)
            hg[nhg++] = (hgroup){ug[k].u, ug[k].u, 0, uvap[ug[k].u]};
        hgroup *G = &hg[nhg - 1];
        G->count++;
        if (ug[k].u < G->first)
            G->first = ug[k].u;
        if (ug[k].u > G->last)
            G->last = ug[k].u;
    }
    qsort(hg, nhg, sizeof *hg, hgroup_cmp);

    mn_outfile o;
    if ((rc = mn_outfile_open(&o, dir, name, err)) != MN_OK)
        goto out;
    mn_export_counts c = {0};
    write_topo(net, o.f, pl, hg, nhg, &c);
    if ((rc = mn_outfile_commit(&o, err)) != MN_OK)
        goto out;
    if (out)
        *out = c;
out:
    mn_free(pl);
    mn_free(uvap);
    mn_free(ug);
    mn_free(hg);
    return rc;
}
