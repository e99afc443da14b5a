/* backend.c - the emulation backend on namespaces, veth, bridges, VXLAN and tc; see backend.h. */
#include "backend.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "delayline.h"
#include "fwdnl.h"
#include "garp.h"
#include "link.h"
#include "netns.h"
#include "sim/core/alloc.h"
#include "sim/models/encap.h"
#include "sim/models/radio.h"
#include "tc.h"

#define TRY(x)                    \
    do {                          \
        int rc_ = (x);            \
        if (rc_ < 0)              \
            return rc_;           \
    } while (0)

#define MAX_TUNNELS 64
#define TUN_TABLE 100  /* routing table of tunnel t: TUN_TABLE + t */
#define TUN_PRIO 100   /* priority of the "from user lookup tunnel" rules */
#define VAP_CLASS 0x100 /* htb class minor of vAP v on its radio: VAP_CLASS + v */
/*
 * Forwarding planes (docs/emulation.md "Plane separation", "Virtual networks"): tables and
 * rule priorities in dom0 (per vAP v) and in the VMs of a virtual network (per tree root).
 */
#define PRIO_BACK 40   /* iif <from the instance or the access link> lookup the way back */
#define PRIO_IN 50     /* from <user> iif <radio or instance> lookup the next hop's table */
#define PRIO_VNET 60   /* in a VM: from <user> lookup the table of its vAP's via VM */
#define T_UP 1000      /* + v: default -> vAP v's own namespace (plane domu) */
#define T_BACK 2000    /* + v: its users -> their radio (packets back from its namespace) */
#define T_ACC 3000     /* + v: default -> the access link to its via VM */
#define T_ZB 4000      /* + v: its users -> the next hop towards them (from the access link) */
#define T_VNET 5000    /* + root instance: in a VM, the routes of the tree from that via VM */
#define VNI_VLINK 2000 /* + vlink: VXLAN of a virtual link between two VMs */
#define VNI_ACC 3000   /* + vAP: VXLAN of its access link, its box's dom0 <-> its via VM */

/* Address plan (docs/emulation.md); every base is a /16 of 10/8. */
#define A_INST 0x0a640001u /* 10.100/16: instances, one /32 each, from .0.1 */
#define A_USER 0x0a650001u /* 10.101/16: users */
#define A_SRV 0x0a660001u  /* 10.102/16: a server address on each underlay node's lo */
#define A_LINK 0x0ac80000u /* 10.200/16: topology links, a /30 each */
#define A_UP 0x0ac90000u   /* 10.201/16: box uplinks, a /30 each */
#define A_VX 0x0acb0000u   /* 10.203/16: inside VXLAN tunnels, a /30 each */
#define A_FWD 0x0acc0000u  /* 10.204/16: routed veth dom0 <-> a plane-domu vAP, a /30 each */
#define A_ACC 0x0acd0000u  /* 10.205/16: access links (VXLAN) dom0 <-> via VM, a /30 per vAP */
#define A_VL 0x0ace0000u   /* 10.206/16: virtual links (VXLAN) between VMs, a /30 each */

typedef struct e_inst {
    uint32_t box, radio; /* MN_NONE: not placed */
    uint8_t has_ns;
} e_inst;

typedef struct e_user {
    uint32_t vap, box, radio; /* where its port is; MN_NONE */
    uint32_t tun, far;        /* tunnelled: tunnel index and the far box; MN_NONE */
    uint32_t vexit;           /* in a virtual network: the box its traffic leaves by; MN_NONE */
} e_user;

typedef struct e_tun {
    uint32_t a, b; /* boxes */
} e_tun;

struct mn_emu {
    const mn_net *n;
    const mn_world *w;
    char P[MN_EMU_PREFIX_LEN + 1];
    mn_backend be;
    size_t nn;          /* underlay namespaces: the topology's nodes, then "the Internet" */
    uint32_t *nh;       /* [src * nn + dst]: the topology link of the first hop; MN_NONE */
    uint32_t *under;    /* box -> its underlay namespace */
    e_inst *inst;       /* vAPs then VMs */
    e_user *user;
    double *radio_bps;
    uint8_t *powered;
    e_tun tun[MAX_TUNNELS];
    size_t ntun;
    mn_emu_nl *nl_dom0, *nl_node; /* cached sockets, one per namespace */
    /*
     * ifindexes of devices made once at build and never re-made, looked up on first
     * use (0: not yet), so a placement sends no RTM_GETLINK for them: per box its
     * bridge in dom0 and its uplink's node end, per radio its bridge and dom0 end,
     * per topology link its two ends (2l: end a, 2l + 1: end b).
     */
    int *ix_lan, *ix_nup, *ix_rbr, *ix_a, *ix_link;
    mn_emu_nl host;
    mn_emu_counts counts;
    int first_candidate_used, built, defer_movable;
    int delay_off;      /* mn_emu_set_delay(e, 0): veth everywhere, latencies not emulated */
    mn_emu_dl *dl;      /* owned: the delay line of the links with a latency; NULL: none */
    uint32_t *dl_link;  /* topology link -> its delay-line link; MN_NONE: a veth */
    uint32_t *dl_up;    /* box -> its uplink's delay-line link; MN_NONE: a veth */
};

/* ---- names and addresses ---- */

static void nm(const mn_emu *e, char *out, char kind, uint32_t idx)
{
    mn_emu_name(out, e->P, kind, idx, 0); /* fits: indexes are below 36^5 (checked in create) */
}

static void ns_node(const mn_emu *e, char *out, size_t k)
{
    if (k + 1 == e->nn)
        nm(e, out, 'x', 0);
    else
        nm(e, out, 'n', (uint32_t)k);
}

static void ip4s(char *out, uint32_t a, int plen)
{
    struct in_addr in = {htonl(a)};
    inet_ntop(AF_INET, &in, out, 20);
    if (plen >= 0)
        sprintf(out + strlen(out), "/%d", plen);
}

/* fd00:6d6e:<cls>::<idx> ("mn" in hex), one /128 per endpoint */
static void ip6s(char *out, unsigned cls, uint32_t idx, int plen)
{
    sprintf(out, "fd00:6d6e:%x::%x", cls, idx + 1); /* idx < 65535 (create checks the counts) */
    if (plen >= 0)
        sprintf(out + strlen(out), "/%d", plen);
}

static void ip6b(uint8_t out[16], unsigned cls, uint32_t idx)
{
    char s[64];
    ip6s(s, cls, idx, -1);
    inet_pton(AF_INET6, s, out);
}

void mn_emu_endpoint_ip6(uint32_t ip4, uint8_t out[16])
{
    /* 10.<100 + c>/16 + 1 + n (A_INST, A_USER, A_SRV) -> class 0x100 + c, index n */
    ip6b(out, 0x100 + ((ip4 >> 16) & 0xff) - 100, (ip4 & 0xffff) - 1);
}

static int is_vap(const mn_emu *e, uint32_t i)
{
    return i < e->w->nvaps;
}

static const char *inst_id(const mn_emu *e, uint32_t i)
{
    return is_vap(e, i) ? e->w->vaps[i].id : e->w->vms[i - e->w->nvaps].id;
}

static unsigned inst_stacks(const mn_emu *e, uint32_t i)
{
    return is_vap(e, i) ? e->w->vaps[i].stacks : e->w->vms[i - e->w->nvaps].stacks;
}

static int has6(unsigned stacks)
{
    return (stacks & (1u << MN_STACK_IPV6)) != 0;
}

/* ---- sizes ---- */

size_t mn_emu_namespaces_needed(const mn_net *n)
{
    const mn_world *w = &n->world;
    return w->nboxes + w->nvaps + w->nvms + w->nusers + n->nnodes + 1;
}

int mn_emu_create(const mn_net *n, const char *prefix, mn_emu **out, mn_err *err)
{
    const mn_world *w = &n->world;
    if (!w->present)
        return MN_ERR(err, MN_EINVAL, "%s: emulation needs a scenario with a <world>", n->path);
    size_t ninst = w->nvaps + w->nvms, total = mn_emu_namespaces_needed(n);
    if (total > MN_EMU_MAX_NAMESPACES)
        return MN_ERR(err, MN_ERANGE,
                      "%s: %zu network namespaces needed, emulation handles at most %d (emulate "
                      "a part: --part box=ID,... or site=ID,...): %zu box dom0s, %zu vAPs, %zu "
                      "VMs, %zu users, %zu topology nodes + 1 Internet",
                      n->path, total, MN_EMU_MAX_NAMESPACES, w->nboxes, w->nvaps, w->nvms,
                      w->nusers, n->nnodes);
    if (n->nlinks >= 16384 || w->nradios >= 60000 || w->nvlinks >= 1000)
        return MN_ERR(err, MN_ERANGE, "%s: too many links or radios for the address plan",
                      n->path);
    mn_emu *e = mn_calloc(1, sizeof *e);
    if (!e)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    e->n = n;
    e->w = w;
    snprintf(e->P, sizeof e->P, "%s", prefix);
    e->nn = n->nnodes + 1;
    e->nh = mn_calloc(e->nn * e->nn, sizeof *e->nh);
    e->under = mn_calloc(w->nboxes + 1, sizeof *e->under);
    e->inst = mn_calloc(ninst + 1, sizeof *e->inst);
    e->user = mn_calloc(w->nusers + 1, sizeof *e->user);
    e->radio_bps = mn_calloc(w->nradios + 1, sizeof *e->radio_bps);
    e->powered = mn_calloc(w->nboxes + 1, 1);
    e->nl_dom0 = mn_calloc(w->nboxes + 1, sizeof *e->nl_dom0);
    e->nl_node = mn_calloc(e->nn, sizeof *e->nl_node);
    e->ix_lan = mn_calloc(w->nboxes + 1, sizeof *e->ix_lan);
    e->ix_nup = mn_calloc(w->nboxes + 1, sizeof *e->ix_nup);
    e->ix_rbr = mn_calloc(w->nradios + 1, sizeof *e->ix_rbr);
    e->ix_a = mn_calloc(w->nradios + 1, sizeof *e->ix_a);
    e->ix_link = mn_calloc(2 * n->nlinks + 1, sizeof *e->ix_link);
    if (!e->nh || !e->under || !e->inst || !e->user || !e->radio_bps || !e->powered ||
        !e->nl_dom0 || !e->nl_node || !e->ix_lan || !e->ix_nup || !e->ix_rbr || !e->ix_a ||
        !e->ix_link) {
        mn_emu_destroy(e, 1);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < ninst; i++)
        e->inst[i].box = e->inst[i].radio = MN_NONE;
    for (size_t u = 0; u < w->nusers; u++)
        e->user[u] = (e_user){MN_NONE, MN_NONE, MN_NONE, MN_NONE, MN_NONE, MN_NONE};
    for (size_t b = 0; b < w->nboxes; b++)
        e->under[b] = w->boxes[b].node == MN_NONE ? (uint32_t)(e->nn - 1) : w->boxes[b].node;
    /*
     * The radio's capacity: the MAC throughput of one saturated station at
     * 1 m (top MCS) with 1500-byte payloads, from Bianchi's model:
     * 8 bits / airtime_per_byte(phy(1 m), n = 1, 1500 B). E.g. 802.11g:
     * 54 Mbit/s PHY -> 29.3 Mbit/s (radio.h's worked example).
     */
    for (size_t r = 0; r < w->nradios; r++) {
        const mn_radio_cfg *c = &w->radios[r].cfg;
        double phy = mn_radio_phy_rate(c, 1.0, NULL), apb = 0;
        if (phy > 0 && mn_radio_airtime_per_byte(c, phy, 1, 1500, &apb, NULL) == MN_OK && apb > 0)
            e->radio_bps[r] = 8.0 / apb;
        else
            e->radio_bps[r] = phy > 0 ? phy / 2 : 1e6;
        if (e->radio_bps[r] > MN_EMU_TC_MAX_BPS)
            e->radio_bps[r] = MN_EMU_TC_MAX_BPS;
    }
    /* first hops on hop-count shortest paths (BFS from every node) */
    size_t nn = e->nn;
    for (size_t i = 0; i < nn * nn; i++)
        e->nh[i] = MN_NONE;
    uint32_t *queue = mn_calloc(nn, sizeof *queue);
    uint32_t *via = mn_calloc(nn, sizeof *via);
    if (!queue || !via) {
        mn_free(queue);
        mn_free(via);
        mn_emu_destroy(e, 1);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    for (size_t s = 0; s + 1 < nn; s++) {
        for (size_t i = 0; i < nn; i++)
            via[i] = MN_NONE;
        size_t head = 0, tail = 0;
        queue[tail++] = (uint32_t)s;
        via[s] = UINT32_MAX - 1;
        while (head < tail) {
            uint32_t x = queue[head++];
            for (size_t l = 0; l < n->nlinks; l++) {
                uint32_t y;
                if (n->links[l].a == x)
                    y = n->links[l].b;
                else if (n->links[l].b == x)
                    y = n->links[l].a;
                else
                    continue;
                if (via[y] != MN_NONE)
                    continue;
                via[y] = x == s ? (uint32_t)l : via[x];
                e->nh[s * nn + y] = via[y];
                queue[tail++] = y;
            }
        }
    }
    mn_free(queue);
    mn_free(via);
    e->dl_link = mn_calloc(n->nlinks + 1, sizeof *e->dl_link);
    e->dl_up = mn_calloc(w->nboxes + 1, sizeof *e->dl_up);
    if (!e->dl_link || !e->dl_up) {
        mn_emu_destroy(e, 1);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    for (size_t l = 0; l < n->nlinks; l++)
        e->dl_link[l] = MN_NONE;
    for (size_t b = 0; b < w->nboxes; b++)
        e->dl_up[b] = MN_NONE;
    e->be.ops = NULL; /* set in mn_emu_backend */
    e->be.ctx = e;
    *out = e;
    return MN_OK;
}

/* ---- helpers ---- */

static int nsfd(const mn_emu *e, char kind, uint32_t idx, int *fd, mn_err *err)
{
    char ns[MN_EMU_NAME_MAX];
    nm(e, ns, kind, idx);
    return mn_emu_netns_open(ns, fd, err);
}

static int nodefd(const mn_emu *e, size_t k, int *fd, mn_err *err)
{
    char ns[MN_EMU_NAME_MAX];
    ns_node(e, ns, k);
    return mn_emu_netns_open(ns, fd, err);
}

/*
 * A veth with end a in namespace fa, up and enslaved there to the bridge of ifindex
 * master (0: none), and end b in fb, brought up through nlb (NULL: the caller does,
 * endpoint_addrs for an endpoint's end).
 */
static int veth(mn_emu *e, const char *a, int fa, int master, const char *b, int fb,
                mn_emu_nl *nlb, mn_err *err)
{
    TRY(mn_emu_veth_create_up(&e->host, a, fa, master, b, fb, err));
    e->counts.links++;
    return nlb ? mn_emu_link_set_up(nlb, b, 1, err) : MN_OK;
}

/* The ifindex of dev in nl's namespace: *slot, looked up into it the first time. */
static int cached_ix(mn_emu_nl *nl, int *slot, const char *dev, mn_err *err)
{
    if (*slot <= 0) {
        int ifi = mn_emu_link_index(nl, dev, err);
        if (ifi < 0)
            return ifi;
        *slot = ifi;
    }
    return *slot;
}

/* Whether a link of latency lat goes through the delay line (else: a veth). */
static int delayed(const mn_emu *e, mn_time lat)
{
    return lat > 0 && !e->delay_off;
}

/*
 * A delayed link's queue, each direction: twice its bandwidth-delay product
 * plus 64 KiB (the tbf's burst ahead of it), within [64 KiB, 64 MiB]; an
 * unshaped link is sized as 10 Gbit/s. E.g. 10 Mbit/s, 20 ms:
 * 2 x 1.25e6 B/s x 0.02 s + 65536 = 115536 B.
 */
static size_t dl_limit(double bps, mn_time lat)
{
    if (!(bps > 0 && bps <= MN_EMU_TC_MAX_BPS))
        bps = 10e9;
    double b = 2 * bps / 8 * mn_time_to_sec(lat) + 65536;
    return b > 64.0 * 1048576 ? (size_t)64 * 1048576 : (size_t)b;
}

/*
 * A delayed link: a tap named a in namespace ns_a and one named b in ns_b,
 * both brought up, joined by the delay line (lat one way, label in the
 * reports); *idx: its delay-line link. The taps get what a veth's ends get.
 */
static int tap_pair(mn_emu *e, const char *ns_a, const char *a, mn_emu_nl *nla, const char *ns_b,
                    const char *b, mn_emu_nl *nlb, mn_time lat, double bps, const char *label,
                    uint32_t *idx, mn_err *err)
{
    if (!e->dl)
        TRY(mn_emu_dl_create(&e->dl, err));
    int fa = -1, fb = -1;
    size_t k;
    int rc = mn_emu_dl_tap_open(ns_a, a, &fa, err);
    if (rc == MN_OK)
        rc = mn_emu_dl_tap_open(ns_b, b, &fb, err);
    if (rc != MN_OK) {
        if (fa >= 0)
            close(fa);
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err ? err->msg : "");
        return MN_ERR(err, rc, "%s (%s's latency needs the delay line's tap devices; without "
                      "them build with `--delay off`: veth, latencies not emulated)", why, label);
    }
    TRY(mn_emu_dl_add(e->dl, fa, fb, (int64_t)lat, dl_limit(bps, lat), label, &k, err));
    *idx = (uint32_t)k;
    e->counts.links++;
    TRY(mn_emu_link_set_up(nla, a, 1, err));
    return mn_emu_link_set_up(nlb, b, 1, err);
}

static int route(mn_emu *e, mn_emu_nl *nl, const char *dst, const char *gw, const char *dev,
                 unsigned table, int onlink, mn_err *err)
{
    e->counts.routes++;
    return mn_emu_route_add(nl, dst, gw, dev, table, onlink, 1, err);
}

/* The same out of the device of ifindex ifi (dev: its name, for messages). */
static int route_ix(mn_emu *e, mn_emu_nl *nl, const char *dst, const char *gw, int ifi,
                    const char *dev, mn_err *err)
{
    e->counts.routes++;
    return mn_emu_route_add_idx(nl, dst, gw, ifi, dev, 0, 0, 1, err);
}

/*
 * Host routes to an endpoint (ip4/32, ip6/128 when ip6) at underlay node
 * `at`, reached there through box `box`'s dom0 (MN_NONE: it is on `at`
 * itself, or connected).
 */
static int underlay_locate(mn_emu *e, uint32_t ip4, const char *ip6, size_t at, uint32_t box,
                           mn_err *err)
{
    char d4[24], d6[64], gw[24], dev[MN_EMU_NAME_MAX];
    ip4s(d4, ip4, 32);
    if (ip6)
        snprintf(d6, sizeof d6, "%s/128", ip6);
    for (size_t k = 0; k < e->nn; k++) {
        mn_emu_nl *nl = &e->nl_node[k];
        if (k == at) {
            if (box == MN_NONE)
                continue;
            ip4s(gw, A_UP + 4 * box + 2, -1);
            nm(e, dev, 'b', box);
            int ifi = cached_ix(nl, &e->ix_nup[box], dev, err);
            TRY(ifi);
            TRY(route_ix(e, nl, d4, gw, ifi, dev, err));
            if (ip6)
                TRY(route_ix(e, nl, d6, "fe80::b", ifi, dev, err));
            continue;
        }
        uint32_t l = e->nh[k * e->nn + at];
        if (l == MN_NONE)
            continue;
        int side = e->n->links[l].a == k ? 1 : 0; /* the far end's side */
        ip4s(gw, A_LINK + 4 * l + 1 + (uint32_t)side, -1);
        nm(e, dev, 'l', l);
        int ifi = cached_ix(nl, &e->ix_link[2 * l + (uint32_t)!side], dev, err); /* k's end */
        TRY(ifi);
        TRY(route_ix(e, nl, d4, gw, ifi, dev, err));
        if (ip6)
            TRY(route_ix(e, nl, d6, side ? "fe80::b" : "fe80::a", ifi, dev, err));
    }
    return MN_OK;
}

/* An endpoint's one interface (instance or user) brought up, its addresses and default routes. */
static int endpoint_addrs(mn_emu *e, const char *ns, const char *dev, uint32_t ip4, unsigned cls,
                          uint32_t idx, int v6, mn_err *err)
{
    mn_emu_nl nl;
    char a[64];
    TRY(mn_emu_nl_open(&nl, ns, err));
    ip4s(a, ip4, 32);
    int ifi = mn_emu_link_index(&nl, dev, err); /* once for all the requests */
    int rc = ifi < 0 ? ifi : mn_emu_link_set_up_idx(&nl, ifi, dev, 1, err); /* veth() left it */
    if (rc == MN_OK)
        rc = mn_emu_link_sync(&nl, dev, err); /* the pair's carrier is on: usable at once */
    if (rc == MN_OK)
        rc = mn_emu_addr_add_idx(&nl, ifi, dev, a, err);
    if (rc == MN_OK)
        rc = mn_emu_route_add_idx(&nl, "169.254.0.1/32", NULL, ifi, dev, 0, 0, 1, err);
    if (rc == MN_OK)
        rc = mn_emu_route_add_idx(&nl, "0.0.0.0/0", "169.254.0.1", ifi, dev, 0, 1, 1, err);
    if (rc == MN_OK && v6) {
        ip6s(a, cls, idx, 128);
        rc = mn_emu_addr_add_idx(&nl, ifi, dev, a, err);
        if (rc == MN_OK)
            rc = mn_emu_route_add_idx(&nl, "::/0", "fe80::1", ifi, dev, 0, 0, 1, err);
    }
    mn_emu_nl_close(&nl);
    e->counts.routes += 3;
    return rc;
}

/* dom0 routes to an endpoint on its device dev of ifindex ifi (add) or, dev NULL, their removal. */
static int dom0_host_route(mn_emu *e, uint32_t box, uint32_t ip4, unsigned cls, uint32_t idx,
                           int v6, const char *dev, int ifi, mn_err *err)
{
    char d[64];
    mn_emu_nl *nl = &e->nl_dom0[box];
    ip4s(d, ip4, 32);
    TRY(dev ? route_ix(e, nl, d, NULL, ifi, dev, err) : mn_emu_route_del(nl, d, 0, err));
    if (v6) {
        ip6s(d, cls, idx, 128);
        TRY(dev ? route_ix(e, nl, d, NULL, ifi, dev, err) : mn_emu_route_del(nl, d, 0, err));
    }
    return MN_OK;
}

/* ---- forwarding planes: plane="domu" and virtual networks ---- */

static int vap_domu(const mn_emu *e, uint32_t i)
{
    return is_vap(e, i) && e->w->vaps[i].plane_domu;
}

/* A plane-domu vAP, or a VM of a virtual network: its namespace forwards. */
static int inst_forwards(const mn_emu *e, uint32_t i)
{
    return is_vap(e, i) ? e->w->vaps[i].plane_domu : e->w->vms[i - e->w->nvaps].vnet != MN_NONE;
}

static uint32_t vm_inst(const mn_emu *e, uint32_t vm)
{
    return (uint32_t)e->w->nvaps + vm;
}

/*
 * A virtual network's tree from its vAP's via VM: breadth first over the
 * vnet's virtual links in declaration order, as wrun_sess.c pb_vnet searches
 * it, so the chain to any VM is the simulator's. need: the VMs on the way
 * from the root to a target (the vnet's exit, else the root; every VM of the
 * vnet a service ends at). E.g. router -> fw -> pbx, exit fw: vm = {router,
 * fw, pbx}, up = {-, 0, 1}, all needed.
 */
typedef struct vtree {
    uint32_t n;
    uint32_t vm[MN_WORLD_MAX_VNET_VMS];   /* vm[0]: the root */
    uint32_t up[MN_WORLD_MAX_VNET_VMS];   /* index of its parent; MN_NONE for the root */
    uint32_t link[MN_WORLD_MAX_VNET_VMS]; /* the virtual link to its parent */
    uint8_t need[MN_WORLD_MAX_VNET_VMS];
    uint32_t exit;                        /* index of the VM where traffic leaves */
} vtree;

static uint32_t vt_find(const vtree *t, uint32_t vm)
{
    for (uint32_t k = 0; k < t->n; k++)
        if (t->vm[k] == vm)
            return k;
    return MN_NONE;
}

static void vt_mark(vtree *t, uint32_t k)
{
    for (; k != MN_NONE; k = t->up[k])
        t->need[k] = 1;
}

static void vtree_make(const mn_emu *e, uint32_t vnet, uint32_t root, vtree *t)
{
    const mn_world *w = e->w;
    memset(t, 0, sizeof *t);
    t->n = 1;
    t->vm[0] = root;
    t->up[0] = t->link[0] = MN_NONE;
    for (uint32_t h = 0; h < t->n; h++)
        for (uint32_t l = 0; l < w->nvlinks; l++) {
            const mn_vlink *L = &w->vlinks[l];
            if (L->vnet != vnet || (L->a != t->vm[h] && L->b != t->vm[h]))
                continue;
            uint32_t o = L->a == t->vm[h] ? L->b : L->a;
            if (vt_find(t, o) != MN_NONE || t->n == MN_WORLD_MAX_VNET_VMS)
                continue;
            t->vm[t->n] = o;
            t->up[t->n] = h;
            t->link[t->n++] = l;
        }
    uint32_t ex = w->vnets[vnet].exit_vm == MN_NONE ? MN_NONE : vt_find(t, w->vnets[vnet].exit_vm);
    t->exit = ex == MN_NONE ? 0 : ex; /* the loader checks that a chain joins them */
    vt_mark(t, t->exit);
    for (size_t s = 0; s < w->nservices; s++) {
        uint32_t vm = w->services[s].to_vm;
        if (vm != MN_NONE && w->vms[vm].vnet == vnet && vt_find(t, vm) != MN_NONE)
            vt_mark(t, vt_find(t, vm));
    }
}

/*
 * Whether IPv6 is steered through vAP v's virtual network: its exit VM has an IPv6
 * address (the exit's dom0 routes the users' IPv6 addresses to it).
 */
static int vnet_exit6(const mn_emu *e, uint32_t v)
{
    const mn_vap *V = &e->w->vaps[v];
    if (V->vnet == MN_NONE)
        return 0;
    vtree t;
    vtree_make(e, V->vnet, V->via_vm, &t);
    return has6(inst_stacks(e, vm_inst(e, t.vm[t.exit])));
}

/* The child of x on the way down to k (indexes in t), MN_NONE when k is not below x. */
static uint32_t vt_below(const vtree *t, uint32_t k, uint32_t x)
{
    for (; k != MN_NONE && t->up[k] != MN_NONE; k = t->up[k])
        if (t->up[k] == x)
            return k;
    return MN_NONE;
}

/* The inner address of virtual link l's end at VM vm (end a: from, +1; end b: to, +2). */
static uint32_t vl_addr(const mn_emu *e, uint32_t l, uint32_t vm)
{
    return A_VL + 4 * l + (e->w->vlinks[l].a == vm ? 1u : 2u);
}

static uint32_t vl_peer(const mn_emu *e, uint32_t l, uint32_t vm)
{
    const mn_vlink *L = &e->w->vlinks[l];
    return vl_addr(e, l, L->a == vm ? L->b : L->a);
}

/* The IPv6 link-local address of the other end of virtual link l seen from VM vm. */
static const char *vl_peer6(const mn_emu *e, uint32_t l, uint32_t vm)
{
    return e->w->vlinks[l].a == vm ? "fe80::b" : "fe80::a";
}

static int vm_placed(const mn_emu *e, uint32_t vm)
{
    return e->inst[vm_inst(e, vm)].box != MN_NONE;
}

/* Every VM the tree needs is placed (else its users' traffic is not steered into it). */
static int vt_placed(const mn_emu *e, const vtree *t)
{
    for (uint32_t k = 0; k < t->n; k++)
        if (t->need[k] && !vm_placed(e, t->vm[k]))
            return 0;
    return 1;
}

/*
 * One end of a point-to-point VXLAN in namespace ns (nl: a socket there): made anew
 * (an old one deleted), up, its /30 address and its IPv6 link-local one ll6 ("fe80::a/64":
 * the end that is a virtual link's from VM or the access link's dom0, fe80::b the other),
 * tbf at bps when shaped (0: not).
 */
static int p2p_end(mn_emu *e, mn_emu_nl *nl, const char *dev, unsigned vni, uint32_t local,
                   uint32_t remote, uint32_t inner, const char *ll6, double bps, mn_err *err)
{
    char lo[24], re[24], a[24];
    ip4s(lo, local, -1);
    ip4s(re, remote, -1);
    ip4s(a, inner, 30);
    mn_emu_link_delete(nl, dev, NULL);
    TRY(mn_emu_vxlan_p2p(nl, dev, vni, lo, re, err));
    e->counts.links++;
    TRY(mn_emu_link_set_up(nl, dev, 1, err));
    TRY(mn_emu_addr_add(nl, dev, a, err));
    TRY(mn_emu_addr_add(nl, dev, ll6, err));
    if (bps > 0 && bps <= MN_EMU_TC_MAX_BPS) {
        TRY(mn_emu_tc_tbf(nl, dev, bps, err));
        e->counts.qdiscs++;
    }
    return MN_OK;
}

/*
 * Virtual link l: a VXLAN (VNI 2000 + l) between its two VMs' own addresses, <P>k<l> in
 * each, so its packets cross whatever lies between the VMs' boxes (the bridge of one
 * dom0, or both uplinks and the underlay); each end's tbf at the link's capacity shapes
 * the direction leaving that VM.
 */
static int vlink_make(mn_emu *e, uint32_t l, mn_err *err)
{
    const mn_vlink *L = &e->w->vlinks[l];
    char dev[MN_EMU_NAME_MAX], ns[MN_EMU_NAME_MAX];
    nm(e, dev, 'k', l);
    uint32_t ends[2] = {L->a, L->b};
    for (int s = 0; s < 2; s++) {
        mn_emu_nl nl;
        nm(e, ns, 'i', vm_inst(e, ends[s]));
        TRY(mn_emu_nl_open(&nl, ns, err));
        int rc = p2p_end(e, &nl, dev, VNI_VLINK + l, A_INST + vm_inst(e, ends[s]),
                         A_INST + vm_inst(e, ends[!s]), vl_addr(e, l, ends[s]),
                         s ? "fe80::b/64" : "fe80::a/64", L->bps, err);
        mn_emu_nl_close(&nl);
        TRY(rc);
    }
    return MN_OK;
}

/*
 * vAP v's access link to its via VM: a VXLAN (VNI 3000 + v) from its box's dom0 (the
 * uplink's address) to the VM's address, <P>z<v> at both ends; in dom0 table T_ACC + v
 * sends into it, and what comes out of it looks up T_ZB + v (the way to the users).
 */
static int access_make(mn_emu *e, uint32_t v, mn_err *err)
{
    uint32_t box = e->inst[v].box, r = vm_inst(e, e->w->vaps[v].via_vm);
    char dev[MN_EMU_NAME_MAX], ns[MN_EMU_NAME_MAX], gw[24];
    nm(e, dev, 'z', v);
    mn_emu_nl *nl = &e->nl_dom0[box];
    TRY(p2p_end(e, nl, dev, VNI_ACC + v, A_UP + 4 * box + 2, A_INST + r, A_ACC + 4 * v + 1,
                "fe80::a/64", 0, err));
    ip4s(gw, A_ACC + 4 * v + 2, -1);
    TRY(route(e, nl, "0.0.0.0/0", gw, dev, T_ACC + v, 0, err));
    TRY(route(e, nl, "::/0", "fe80::b", dev, T_ACC + v, 0, err));
    TRY(mn_emu_rule_sel(nl, AF_INET, NULL, NULL, dev, T_ZB + v, PRIO_BACK, 1, err));
    TRY(mn_emu_rule_sel(nl, AF_INET6, NULL, NULL, dev, T_ZB + v, PRIO_BACK, 1, err));
    mn_emu_nl vl;
    nm(e, ns, 'i', r);
    TRY(mn_emu_nl_open(&vl, ns, err));
    int rc = p2p_end(e, &vl, dev, VNI_ACC + v, A_INST + r, A_UP + 4 * box + 2, A_ACC + 4 * v + 2,
                     "fe80::b/64", 0, err);
    mn_emu_nl_close(&vl);
    return rc;
}

static int access_unmake(mn_emu *e, uint32_t v, uint32_t box, mn_err *err)
{
    char dev[MN_EMU_NAME_MAX];
    nm(e, dev, 'z', v);
    TRY(mn_emu_rule_sel(&e->nl_dom0[box], AF_INET, NULL, NULL, dev, T_ZB + v, PRIO_BACK, 0, err));
    TRY(mn_emu_rule_sel(&e->nl_dom0[box], AF_INET6, NULL, NULL, dev, T_ZB + v, PRIO_BACK, 0, err));
    return mn_emu_link_delete(&e->nl_dom0[box], dev, err); /* the VM's end: made anew with it */
}

/*
 * In each needed VM of the tree from via VM root, table T_VNET + root: a host route to
 * every needed VM below it, through the virtual link towards it, and the default route
 * towards the exit (below it: that virtual link; the exit itself: its box's dom0).
 */
static int vnet_tables(mn_emu *e, uint32_t vnet, uint32_t root, mn_err *err)
{
    vtree t;
    vtree_make(e, vnet, root, &t);
    if (!vt_placed(e, &t))
        return MN_OK;
    unsigned table = T_VNET + vm_inst(e, root);
    for (uint32_t x = 0; x < t.n; x++) {
        if (!t.need[x])
            continue;
        char ns[MN_EMU_NAME_MAX], dst[64], gw[24], dev[MN_EMU_NAME_MAX];
        mn_emu_nl nl;
        nm(e, ns, 'i', vm_inst(e, t.vm[x]));
        TRY(mn_emu_nl_open(&nl, ns, err));
        int rc = MN_OK;
        for (uint32_t y = 0; rc == MN_OK && y < t.n; y++) {
            uint32_t c = t.need[y] ? vt_below(&t, y, x) : MN_NONE;
            if (c == MN_NONE)
                continue;
            ip4s(dst, A_INST + vm_inst(e, t.vm[y]), 32);
            ip4s(gw, vl_peer(e, t.link[c], t.vm[x]), -1);
            nm(e, dev, 'k', t.link[c]);
            rc = route(e, &nl, dst, gw, dev, table, 0, err);
            if (rc == MN_OK && has6(inst_stacks(e, vm_inst(e, t.vm[y])))) {
                ip6s(dst, 0x100, vm_inst(e, t.vm[y]), 128);
                rc = route(e, &nl, dst, vl_peer6(e, t.link[c], t.vm[x]), dev, table, 0, err);
            }
        }
        uint32_t c = vt_below(&t, t.exit, x);
        if (rc == MN_OK && c != MN_NONE) {
            ip4s(gw, vl_peer(e, t.link[c], t.vm[x]), -1);
            nm(e, dev, 'k', t.link[c]);
            rc = route(e, &nl, "0.0.0.0/0", gw, dev, table, 0, err);
            if (rc == MN_OK)
                rc = route(e, &nl, "::/0", vl_peer6(e, t.link[c], t.vm[x]), dev, table, 0, err);
        } else if (rc == MN_OK && x == t.exit) {
            nm(e, dev, 'e', vm_inst(e, t.vm[x]));
            rc = route(e, &nl, "0.0.0.0/0", "169.254.0.1", dev, table, 1, err);
            if (rc == MN_OK)
                rc = route(e, &nl, "::/0", "fe80::1", dev, table, 0, err);
        }
        mn_emu_nl_close(&nl);
        TRY(rc);
    }
    return MN_OK;
}

/* The tables of every via VM a vAP enters vnet by. */
static int vnet_refresh(mn_emu *e, uint32_t vnet, mn_err *err)
{
    for (uint32_t v = 0; v < e->w->nvaps; v++) {
        const mn_vap *V = &e->w->vaps[v];
        int first = 1;
        for (uint32_t p = 0; p < v && first; p++)
            first = !(e->w->vaps[p].vnet == vnet && e->w->vaps[p].via_vm == V->via_vm);
        if (V->vnet == vnet && first)
            TRY(vnet_tables(e, vnet, V->via_vm, err));
    }
    return MN_OK;
}

/* At build, once every pinned instance is placed: the virtual links, access links and tables. */
static int vnet_build(mn_emu *e, mn_err *err)
{
    const mn_world *w = e->w;
    for (uint32_t l = 0; l < w->nvlinks; l++)
        if (vm_placed(e, w->vlinks[l].a) && vm_placed(e, w->vlinks[l].b))
            TRY(vlink_make(e, l, err));
    for (uint32_t v = 0; v < w->nvaps; v++)
        if (w->vaps[v].vnet != MN_NONE && e->inst[v].box != MN_NONE &&
            vm_placed(e, w->vaps[v].via_vm))
            TRY(access_make(e, v, err));
    for (uint32_t n = 0; n < w->nvnets; n++)
        TRY(vnet_refresh(e, n, err));
    return MN_OK;
}

/*
 * A plane-domu vAP i on box: the routed veth <P>f<i> (dom0, A_FWD + 4i + 1) <->
 * <P>g<i> (its namespace, + 2); its namespace's default route through it; in dom0,
 * table T_UP + i (default -> the vAP) and the rule sending what comes back out of it to
 * table T_BACK + i (its users' host routes on their radio), which a packet for elsewhere
 * falls through to the next rules (a tunnel's, then main).
 */
static int domu_plumb(mn_emu *e, uint32_t i, uint32_t box, int fd0, int fdi, mn_err *err)
{
    char f[MN_EMU_NAME_MAX], g[MN_EMU_NAME_MAX], ns[MN_EMU_NAME_MAX], a[24], gw[24];
    nm(e, f, 'f', i);
    nm(e, g, 'g', i);
    nm(e, ns, 'i', i);
    mn_emu_nl *nl = &e->nl_dom0[box];
    TRY(veth(e, f, fd0, 0, g, fdi, NULL, err));
    ip4s(a, A_FWD + 4 * i + 1, 30);
    TRY(mn_emu_addr_add(nl, f, a, err));
    TRY(mn_emu_addr_add(nl, f, "fe80::a/64", err)); /* IPv6: link-local, fe80::b the vAP's */
    mn_emu_nl il;
    TRY(mn_emu_nl_open(&il, ns, err));
    ip4s(a, A_FWD + 4 * i + 2, 30);
    ip4s(gw, A_FWD + 4 * i + 1, -1);
    int rc = mn_emu_link_set_up(&il, g, 1, err);
    if (rc == MN_OK)
        rc = mn_emu_addr_add(&il, g, a, err);
    if (rc == MN_OK)
        rc = mn_emu_addr_add(&il, g, "fe80::b/64", err);
    if (rc == MN_OK)
        rc = mn_emu_link_sync(&il, g, err);
    if (rc == MN_OK)
        rc = route(e, &il, "0.0.0.0/0", gw, g, 0, 0, err);
    if (rc == MN_OK) /* replaces the one to dom0's bridge, as for IPv4 */
        rc = route(e, &il, "::/0", "fe80::a", g, 0, 0, err);
    mn_emu_nl_close(&il);
    TRY(rc);
    TRY(mn_emu_link_sync(nl, f, err));
    ip4s(gw, A_FWD + 4 * i + 2, -1);
    TRY(route(e, nl, "0.0.0.0/0", gw, f, T_UP + i, 0, err));
    TRY(route(e, nl, "::/0", "fe80::b", f, T_UP + i, 0, err));
    TRY(mn_emu_rule_sel(nl, AF_INET, NULL, NULL, f, T_BACK + i, PRIO_BACK, 1, err));
    return mn_emu_rule_sel(nl, AF_INET6, NULL, NULL, f, T_BACK + i, PRIO_BACK, 1, err);
}

static int domu_unplumb(mn_emu *e, uint32_t i, uint32_t box, mn_err *err)
{
    char f[MN_EMU_NAME_MAX];
    nm(e, f, 'f', i);
    TRY(mn_emu_rule_sel(&e->nl_dom0[box], AF_INET, NULL, NULL, f, T_BACK + i, PRIO_BACK, 0, err));
    TRY(mn_emu_rule_sel(&e->nl_dom0[box], AF_INET6, NULL, NULL, f, T_BACK + i, PRIO_BACK, 0, err));
    return mn_emu_link_delete(&e->nl_dom0[box], f, err); /* its peer and routes go with it */
}

/*
 * User u's forwarding through its vAP's domain and virtual network (add, or remove),
 * its port already on the vAP's radio: plane domu - dom0 sends what u sends from the
 * radio into the vAP (T_UP) and routes u there (main), the vAP routes u back, and what
 * comes back goes to the radio (T_BACK); vnet - what u sends (from the radio, or back from
 * a domu vAP) goes into the access link (T_ACC), each VM on the tree looks u's packets up
 * in its root's table and routes u towards the root, the exit's box's dom0 routes u into
 * the exit VM (where the underlay now locates u: *at_box), and what the access link
 * brings back goes on towards u (T_ZB).
 */
static int user_fwd(mn_emu *e, uint32_t u, int add, uint32_t *at_box, mn_err *err)
{
    e_user *U = &e->user[u];
    uint32_t v = U->vap, box = U->box;
    const mn_vap *V = &e->w->vaps[v];
    mn_emu_nl *nl = &e->nl_dom0[box];
    char src[24], src6[64], a[MN_EMU_NAME_MAX], f[MN_EMU_NAME_MAX], ns[MN_EMU_NAME_MAX];
    char gw[64], dev[MN_EMU_NAME_MAX];
    int v6 = has6(e->w->users[u].stacks); /* its IPv6 address takes the same way */
    ip4s(src, A_USER + u, 32);
    ip6s(src6, 0x101, u, 128);
    nm(e, a, 'a', U->radio);
    nm(e, f, 'f', v);
    int domu = vap_domu(e, v);
    if (domu) {
        mn_emu_nl il;
        nm(e, ns, 'i', v);
        nm(e, dev, 'g', v);
        TRY(mn_emu_rule_sel(nl, AF_INET, src, NULL, a, T_UP + v, PRIO_IN, add, err));
        if (v6)
            TRY(mn_emu_rule_sel(nl, AF_INET6, src6, NULL, a, T_UP + v, PRIO_IN, add, err));
        TRY(mn_emu_nl_open(&il, ns, err));
        int rc;
        if (add) {
            ip4s(gw, A_FWD + 4 * v + 1, -1);
            rc = route(e, &il, src, gw, dev, 0, 0, err);
            ip4s(gw, A_FWD + 4 * v + 2, -1);
            if (rc == MN_OK)
                rc = route(e, nl, src, NULL, a, T_BACK + v, 0, err);
            if (rc == MN_OK)
                rc = route(e, nl, src, gw, f, 0, 0, err); /* replaces the one to the radio */
            if (rc == MN_OK && v6)
                rc = route(e, &il, src6, "fe80::a", dev, 0, 0, err);
            if (rc == MN_OK && v6)
                rc = route(e, nl, src6, NULL, a, T_BACK + v, 0, err);
            if (rc == MN_OK && v6)
                rc = route(e, nl, src6, "fe80::b", f, 0, 0, err);
        } else {
            rc = mn_emu_route_del(&il, src, 0, err);
            if (rc == MN_OK)
                rc = mn_emu_route_del(nl, src, T_BACK + v, err);
            if (rc == MN_OK && v6)
                rc = mn_emu_route_del(&il, src6, 0, err);
            if (rc == MN_OK && v6)
                rc = mn_emu_route_del(nl, src6, T_BACK + v, err);
        }
        mn_emu_nl_close(&il);
        TRY(rc);
    }
    if (V->vnet == MN_NONE)
        return MN_OK;
    vtree t;
    vtree_make(e, V->vnet, V->via_vm, &t);
    if (!vt_placed(e, &t) || (add && e->inst[vm_inst(e, V->via_vm)].box == MN_NONE))
        return MN_OK;
    uint32_t ex = vm_inst(e, t.vm[t.exit]), eb = e->inst[ex].box;
    int n6 = v6 && vnet_exit6(e, v);
    TRY(mn_emu_rule_sel(nl, AF_INET, src, NULL, domu ? f : a, T_ACC + v, PRIO_IN, add, err));
    if (n6)
        TRY(mn_emu_rule_sel(nl, AF_INET6, src6, NULL, domu ? f : a, T_ACC + v, PRIO_IN, add, err));
    if (add) {
        ip4s(gw, A_FWD + 4 * v + 2, -1);
        TRY(route(e, nl, src, domu ? gw : NULL, domu ? f : a, T_ZB + v, 0, err));
        if (n6)
            TRY(route(e, nl, src6, domu ? "fe80::b" : NULL, domu ? f : a, T_ZB + v, 0, err));
    } else {
        TRY(mn_emu_route_del(nl, src, T_ZB + v, err));
        if (n6)
            TRY(mn_emu_route_del(nl, src6, T_ZB + v, err));
    }
    unsigned table = T_VNET + vm_inst(e, V->via_vm);
    for (uint32_t x = 0; x < t.n; x++) {
        if (!t.need[x])
            continue;
        mn_emu_nl xl;
        nm(e, ns, 'i', vm_inst(e, t.vm[x]));
        TRY(mn_emu_nl_open(&xl, ns, err));
        int rc = mn_emu_rule_sel(&xl, AF_INET, src, NULL, NULL, table, PRIO_VNET, add, err);
        if (rc == MN_OK && n6)
            rc = mn_emu_rule_sel(&xl, AF_INET6, src6, NULL, NULL, table, PRIO_VNET, add, err);
        if (rc == MN_OK && add) {
            const char *gw6;
            if (x == 0) {
                ip4s(gw, A_ACC + 4 * v + 1, -1);
                gw6 = "fe80::a"; /* the access link's dom0 end */
                nm(e, dev, 'z', v);
            } else {
                ip4s(gw, vl_peer(e, t.link[x], t.vm[x]), -1);
                gw6 = vl_peer6(e, t.link[x], t.vm[x]);
                nm(e, dev, 'k', t.link[x]);
            }
            rc = route(e, &xl, src, gw, dev, 0, 0, err);
            if (rc == MN_OK && n6)
                rc = route(e, &xl, src6, gw6, dev, 0, 0, err);
        } else if (rc == MN_OK) {
            rc = mn_emu_route_del(&xl, src, 0, err);
            if (rc == MN_OK && n6)
                rc = mn_emu_route_del(&xl, src6, 0, err);
        }
        mn_emu_nl_close(&xl);
        TRY(rc);
    }
    if (add) {
        char lan[MN_EMU_NAME_MAX];
        snprintf(lan, sizeof lan, "%slan", e->P);
        ip4s(gw, A_INST + ex, -1);
        TRY(route(e, &e->nl_dom0[eb], src, gw, lan, 0, 1, err));
        if (n6) {
            ip6s(gw, 0x100, ex, -1);
            TRY(route(e, &e->nl_dom0[eb], src6, gw, lan, 0, 1, err));
        }
        U->vexit = eb;
        *at_box = eb;
    } else if (U->vexit != MN_NONE && U->vexit != box) {
        TRY(mn_emu_route_del(&e->nl_dom0[U->vexit], src, 0, err));
        if (n6)
            TRY(mn_emu_route_del(&e->nl_dom0[U->vexit], src6, 0, err));
    }
    return MN_OK;
}

/* ---- instances ---- */

static int plumb(mn_emu *e, uint32_t i, uint32_t box, mn_err *err)
{
    char ns[MN_EMU_NAME_MAX], port[MN_EMU_NAME_MAX], dev[MN_EMU_NAME_MAX], lan[MN_EMU_NAME_MAX];
    char a6[64];
    int fd0 = -1, fdi = -1, rc;
    nm(e, ns, 'i', i);
    nm(e, port, 'p', i);
    nm(e, dev, 'e', i);
    snprintf(lan, sizeof lan, "%slan", e->P);
    int v6 = has6(inst_stacks(e, i));
    if ((rc = nsfd(e, 'd', box, &fd0, err)) != MN_OK || (rc = nsfd(e, 'i', i, &fdi, err)) != MN_OK)
        goto out;
    int ix_lan = cached_ix(&e->nl_dom0[box], &e->ix_lan[box], lan, err);
    rc = ix_lan < 0 ? ix_lan : veth(e, port, fd0, ix_lan, dev, fdi, NULL, err); /* on the bridge */
    if (rc == MN_OK)
        rc = endpoint_addrs(e, ns, dev, A_INST + i, 0x100, i, v6, err);
    if (rc == MN_OK) /* the bridge enables the port once its carrier change is applied */
        rc = mn_emu_link_sync(&e->nl_dom0[box], port, err);
    if (rc == MN_OK)
        rc = dom0_host_route(e, box, A_INST + i, 0x100, i, v6, lan, ix_lan, err);
    ip6s(a6, 0x100, i, -1);
    if (rc == MN_OK)
        rc = underlay_locate(e, A_INST + i, v6 ? a6 : NULL, e->under[box], box, err);
    if (rc == MN_OK && vap_domu(e, i))
        rc = domu_plumb(e, i, box, fd0, fdi, err);
    /*
     * Announced only once the world is built: at build no cache or bridge anywhere knows
     * an old place, and an AF_PACKET socket's close waits for an RCU grace period
     * (packet_release: synchronize_net, ~10 ms here), 2.3 of 2.8 s for 200 instances.
     */
    if (rc == MN_OK && e->built) {
        uint8_t b6[16];
        ip6b(b6, 0x100, i);
        rc = mn_emu_garp_send(ns, dev, A_INST + i, v6 ? b6 : NULL, err);
    }
out:
    if (fd0 >= 0)
        close(fd0);
    if (fdi >= 0)
        close(fdi);
    return rc;
}

static int unplumb(mn_emu *e, uint32_t i, mn_err *err)
{
    uint32_t box = e->inst[i].box;
    if (box == MN_NONE)
        return MN_OK;
    char port[MN_EMU_NAME_MAX];
    nm(e, port, 'p', i);
    if (vap_domu(e, i))
        TRY(domu_unplumb(e, i, box, err));
    if (is_vap(e, i) && e->w->vaps[i].vnet != MN_NONE)
        TRY(access_unmake(e, i, box, err));
    TRY(mn_emu_link_delete(&e->nl_dom0[box], port, err)); /* its peer goes with it */
    return dom0_host_route(e, box, A_INST + i, 0x100, i, has6(inst_stacks(e, i)), NULL, 0, err);
}

static int radio_devs(const mn_emu *e, uint32_t r, char a[MN_EMU_NAME_MAX], char q[MN_EMU_NAME_MAX])
{
    nm(e, a, 'a', r);
    nm(e, q, 'q', r);
    return MN_OK;
}

/* The vAP's class on its radio, both directions: its airtime share of the radio's capacity. */
static int vap_class(mn_emu *e, uint32_t v, uint32_t radio, double airtime, mn_err *err)
{
    char a[MN_EMU_NAME_MAX], q[MN_EMU_NAME_MAX];
    radio_devs(e, radio, a, q);
    uint32_t box = e->w->radios[radio].box;
    double rate = airtime * e->radio_bps[radio];
    TRY(mn_emu_tc_htb_class(&e->nl_dom0[box], a, 1, VAP_CLASS + v, rate, rate, err));
    TRY(mn_emu_tc_htb_class(&e->nl_dom0[box], q, 1, VAP_CLASS + v, rate, rate, err));
    e->counts.qdiscs += 2;
    return MN_OK;
}

static uint32_t first_radio(const mn_emu *e, uint32_t box)
{
    for (uint32_t r = 0; r < e->w->nradios; r++)
        if (e->w->radios[r].box == box)
            return r;
    return MN_NONE;
}

static int user_detach(mn_emu *e, uint32_t u, mn_err *err);
static int user_attach(mn_emu *e, uint32_t u, uint32_t v, mn_err *err);

static int do_place(mn_emu *e, uint32_t i, uint32_t box, uint32_t radio, mn_err *err)
{
    char ns[MN_EMU_NAME_MAX];
    nm(e, ns, 'i', i);
    if (is_vap(e, i)) {
        if (radio == MN_NONE)
            radio = first_radio(e, box);
        if (radio == MN_NONE || e->w->radios[radio].box != box)
            return MN_ERR(err, MN_EINVAL, "vAP %s: box %s has no such radio", inst_id(e, i),
                          e->w->boxes[box].id);
    } else {
        radio = MN_NONE;
    }
    if (!e->inst[i].has_ns) {
        TRY(mn_emu_netns_create(ns, inst_forwards(e, i), err));
        e->inst[i].has_ns = 1;
        e->counts.namespaces++;
    }
    if (!e->powered[box])
        TRY(e->be.ops->power(e, box, 1, err));
    TRY(plumb(e, i, box, err));
    if (radio != MN_NONE)
        TRY(vap_class(e, i, radio, e->w->vaps[i].airtime > 0 ? e->w->vaps[i].airtime : 1, err));
    e->inst[i].box = box;
    e->inst[i].radio = radio;
    /* at build vnet_build makes them once every pinned VM is placed */
    if (e->built && is_vap(e, i) && e->w->vaps[i].vnet != MN_NONE &&
        vm_placed(e, e->w->vaps[i].via_vm))
        TRY(access_make(e, i, err));
    return MN_OK;
}

static int be_place(void *be, uint32_t i, uint32_t box, uint32_t radio, mn_err *err)
{
    mn_emu *e = be;
    if (i >= e->w->nvaps + e->w->nvms || box >= e->w->nboxes)
        return MN_ERR(err, MN_EINVAL, "no such instance or box");
    if (e->inst[i].box != MN_NONE)
        return MN_ERR(err, MN_EINVAL, "%s is placed already (on %s)", inst_id(e, i),
                      e->w->boxes[e->inst[i].box].id);
    return do_place(e, i, box, radio, err);
}

static int be_remove(void *be, uint32_t i, mn_err *err)
{
    mn_emu *e = be;
    if (i >= e->w->nvaps + e->w->nvms || e->inst[i].box == MN_NONE)
        return MN_ERR(err, MN_EINVAL, "only a placed instance can be removed");
    for (uint32_t u = 0; u < e->w->nusers; u++)
        if (e->user[u].vap == i)
            TRY(user_detach(e, u, err));
    TRY(unplumb(e, i, err));
    char ns[MN_EMU_NAME_MAX];
    nm(e, ns, 'i', i);
    TRY(mn_emu_netns_delete(ns, err));
    e->inst[i].has_ns = 0;
    e->inst[i].box = e->inst[i].radio = MN_NONE;
    return MN_OK;
}

static int be_migrate(void *be, uint32_t i, uint32_t box, uint32_t radio, mn_err *err)
{
    mn_emu *e = be;
    if (i >= e->w->nvaps + e->w->nvms || box >= e->w->nboxes || e->inst[i].box == MN_NONE)
        return MN_ERR(err, MN_EINVAL, "migrate needs a placed instance and a box");
    if (e->inst[i].box == box)
        return MN_ERR(err, MN_EINVAL, "%s is on %s already", inst_id(e, i), e->w->boxes[box].id);
    /*
     * a vAP's users follow it: detach them, re-plumb, attach them to its new radio; a VM
     * of a virtual network: the users whose traffic enters that network are re-steered
     * (its virtual links stay: their VXLAN ends have no lower device)
     */
    size_t nu = e->w->nusers;
    uint32_t *moved = mn_calloc(2 * nu + 1, sizeof *moved); /* users, then their vAPs */
    if (!moved)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    size_t nmoved = 0;
    int rc = MN_OK;
    uint32_t vnet = is_vap(e, i) ? MN_NONE : e->w->vms[i - e->w->nvaps].vnet;
    for (uint32_t u = 0; rc == MN_OK && u < nu; u++) {
        uint32_t v = e->user[u].vap;
        if (v == i || (vnet != MN_NONE && v != MN_NONE && e->w->vaps[v].vnet == vnet)) {
            moved[nu + nmoved] = v;
            moved[nmoved++] = u;
            rc = user_detach(e, u, err);
        }
    }
    if (rc == MN_OK)
        rc = unplumb(e, i, err);
    if (rc == MN_OK) {
        e->inst[i].box = MN_NONE;
        rc = do_place(e, i, box, radio, err);
    }
    if (rc == MN_OK && vnet != MN_NONE)
        rc = vnet_refresh(e, vnet, err); /* routes out of its re-made veth */
    for (size_t k = 0; rc == MN_OK && k < nmoved; k++)
        rc = user_attach(e, moved[k], moved[nu + k], err);
    mn_free(moved);
    return rc;
}

/* ---- tunnels ---- */

static uint32_t site_box(const mn_emu *e, uint32_t site)
{
    for (uint32_t b = 0; b < e->w->nboxes; b++)
        if (e->w->boxes[b].site == site)
            return b;
    return MN_NONE;
}

/* The tunnel between dom0s x and y, made when missing; *side: x's side (0 or 1). */
static int tunnel_between(mn_emu *e, uint32_t x, uint32_t y, uint32_t *t_out, int *side,
                          mn_err *err)
{
    for (uint32_t t = 0; t < e->ntun; t++)
        if ((e->tun[t].a == x && e->tun[t].b == y) || (e->tun[t].a == y && e->tun[t].b == x)) {
            *t_out = t;
            *side = e->tun[t].a == x ? 0 : 1;
            return MN_OK;
        }
    if (e->ntun == MAX_TUNNELS)
        return MN_ERR(err, MN_ERANGE, "more than %d VXLAN tunnels", MAX_TUNNELS);
    if (e->under[x] + 1 == e->nn || e->under[y] + 1 == e->nn)
        return MN_ERR(err, MN_EINVAL, "VXLAN %s <-> %s: a box without a topology node has no "
                      "underlay path", e->w->boxes[x].id, e->w->boxes[y].id);
    uint32_t t = (uint32_t)e->ntun;
    uint32_t ends[2] = {x, y};
    char vx[MN_EMU_NAME_MAX], up[MN_EMU_NAME_MAX], loc[24], rem[24], a[24], gw[24];
    nm(e, vx, 't', t);
    snprintf(up, sizeof up, "%sup", e->P);
    for (int s = 0; s < 2; s++) {
        mn_emu_nl *nl = &e->nl_dom0[ends[s]];
        ip4s(loc, A_UP + 4 * ends[s] + 2, -1);
        ip4s(rem, A_UP + 4 * ends[!s] + 2, -1);
        TRY(mn_emu_vxlan_create(nl, vx, 1000 + t, loc, rem, up, err));
        e->counts.links++;
        TRY(mn_emu_link_set_up(nl, vx, 1, err));
        ip4s(a, A_VX + 4 * t + 1 + (uint32_t)s, 30);
        TRY(mn_emu_addr_add(nl, vx, a, err));
        TRY(mn_emu_addr_add(nl, vx, s ? "fe80::b/64" : "fe80::a/64", err));
        ip4s(gw, A_VX + 4 * t + 1 + (uint32_t)!s, -1);
        TRY(route(e, nl, "0.0.0.0/0", gw, vx, TUN_TABLE + t, 0, err));
        TRY(route(e, nl, "::/0", s ? "fe80::a" : "fe80::b", vx, TUN_TABLE + t, 0, err));
    }
    e->tun[t] = (e_tun){x, y};
    e->ntun++;
    *t_out = t;
    *side = 0;
    return MN_OK;
}

static int be_tunnel(void *be, uint32_t a, uint32_t b, mn_err *err)
{
    mn_emu *e = be;
    if (a >= e->w->nsites || b >= e->w->nsites)
        return MN_ERR(err, MN_EINVAL, "no such site");
    uint32_t x = site_box(e, a), y = site_box(e, b), t;
    int side;
    if (x == MN_NONE || y == MN_NONE)
        return MN_ERR(err, MN_EINVAL, "tunnel %s <-> %s: a site without a box has no dom0 to end "
                      "the VXLAN in", e->w->sites[a].id, e->w->sites[b].id);
    if (x == y)
        return MN_OK;
    return tunnel_between(e, x, y, &t, &side, err);
}

/* ---- users ---- */

static int user_detach(mn_emu *e, uint32_t u, mn_err *err)
{
    e_user *U = &e->user[u];
    if (U->box == MN_NONE)
        return MN_OK;
    int v6 = has6(e->w->users[u].stacks);
    char port[MN_EMU_NAME_MAX], src[64];
    nm(e, port, 'w', u);
    if (vap_domu(e, U->vap) || e->w->vaps[U->vap].vnet != MN_NONE)
        TRY(user_fwd(e, u, 0, NULL, err));
    TRY(mn_emu_link_delete(&e->nl_dom0[U->box], port, err));
    TRY(dom0_host_route(e, U->box, A_USER + u, 0x101, u, v6, NULL, 0, err));
    if (v6 && u < 0xfff) { /* its IPv6 filters (the IPv4 ones are replaced by handle) */
        char a[MN_EMU_NAME_MAX], q[MN_EMU_NAME_MAX];
        radio_devs(e, U->radio, a, q);
        TRY(mn_emu_tc_u32_ip6_del(&e->nl_dom0[U->box], a, u + 1, err));
        TRY(mn_emu_tc_u32_ip6_del(&e->nl_dom0[U->box], q, u + 1, err));
    }
    if (U->tun != MN_NONE) {
        ip4s(src, A_USER + u, 32);
        TRY(mn_emu_rule_del(&e->nl_dom0[U->box], src, TUN_TABLE + U->tun, TUN_PRIO, err));
        if (v6) {
            ip6s(src, 0x101, u, 128);
            TRY(mn_emu_rule_del(&e->nl_dom0[U->box], src, TUN_TABLE + U->tun, TUN_PRIO, err));
        }
        TRY(dom0_host_route(e, U->far, A_USER + u, 0x101, u, v6, NULL, 0, err));
    }
    U->vap = U->box = U->radio = U->tun = U->far = U->vexit = MN_NONE;
    return MN_OK;
}

static int user_attach(mn_emu *e, uint32_t u, uint32_t v, mn_err *err)
{
    e_user *U = &e->user[u];
    uint32_t box = e->inst[v].box, radio = e->inst[v].radio;
    int v6 = has6(e->w->users[u].stacks);
    char ns[MN_EMU_NAME_MAX], port[MN_EMU_NAME_MAX], dev[MN_EMU_NAME_MAX], rbr[MN_EMU_NAME_MAX];
    char a[MN_EMU_NAME_MAX], q[MN_EMU_NAME_MAX], a6[64], src[64], gw[24];
    nm(e, ns, 'h', u);
    nm(e, port, 'w', u);
    nm(e, dev, 'u', u);
    nm(e, rbr, 'r', radio);
    radio_devs(e, radio, a, q);
    int fd0 = -1, fdu = -1, rc;
    if ((rc = nsfd(e, 'd', box, &fd0, err)) != MN_OK || (rc = nsfd(e, 'h', u, &fdu, err)) != MN_OK)
        goto out;
    int ix_rbr = cached_ix(&e->nl_dom0[box], &e->ix_rbr[radio], rbr, err);
    int ix_a = ix_rbr < 0 ? ix_rbr : cached_ix(&e->nl_dom0[box], &e->ix_a[radio], a, err);
    rc = ix_a < 0 ? ix_a : veth(e, port, fd0, ix_rbr, dev, fdu, NULL, err); /* on the radio */
    if (rc == MN_OK)
        rc = endpoint_addrs(e, ns, dev, A_USER + u, 0x101, u, v6, err);
    if (rc == MN_OK) /* as in plumb */
        rc = mn_emu_link_sync(&e->nl_dom0[box], port, err);
    if (rc == MN_OK)
        rc = dom0_host_route(e, box, A_USER + u, 0x101, u, v6, a, ix_a, err);
    /* its vAP's class on the radio: downlink by destination, uplink by source */
    if (rc == MN_OK && u < 0xfff)
        rc = mn_emu_tc_u32_ip(&e->nl_dom0[box], a, A_USER + u, 1, VAP_CLASS + v, u + 1, err);
    if (rc == MN_OK && u < 0xfff)
        rc = mn_emu_tc_u32_ip(&e->nl_dom0[box], q, A_USER + u, 0, VAP_CLASS + v, u + 1, err);
    if (rc == MN_OK && u < 0xfff && v6) { /* the same for its IPv6 address (removed at detach) */
        uint8_t b6[16];
        ip6b(b6, 0x101, u);
        rc = mn_emu_tc_u32_ip6(&e->nl_dom0[box], a, b6, 1, VAP_CLASS + v, u + 1, err);
        if (rc == MN_OK)
            rc = mn_emu_tc_u32_ip6(&e->nl_dom0[box], q, b6, 0, VAP_CLASS + v, u + 1, err);
    }
    if (rc != MN_OK)
        goto out;
    U->vap = v;
    U->box = box;
    U->radio = radio;
    uint32_t at_box = box;
    ip6s(a6, 0x101, u, -1);
    uint32_t site = e->w->vaps[v].tunnel_site;
    uint32_t far = site == MN_NONE ? MN_NONE : site_box(e, site);
    if (far != MN_NONE && far != box) {
        uint32_t t;
        int side;
        if ((rc = tunnel_between(e, box, far, &t, &side, err)) != MN_OK)
            goto out;
        U->tun = t;
        U->far = far;
        ip4s(src, A_USER + u, 32);
        rc = mn_emu_rule_add(&e->nl_dom0[box], src, TUN_TABLE + t, TUN_PRIO, err);
        if (rc == MN_OK && v6) {
            ip6s(src, 0x101, u, 128);
            rc = mn_emu_rule_add(&e->nl_dom0[box], src, TUN_TABLE + t, TUN_PRIO, err);
        }
        /* the far dom0 sends the user's traffic back through the tunnel */
        char vx[MN_EMU_NAME_MAX];
        nm(e, vx, 't', t);
        ip4s(gw, A_VX + 4 * t + 1 + (uint32_t)side, -1);
        ip4s(src, A_USER + u, 32);
        if (rc == MN_OK)
            rc = route(e, &e->nl_dom0[far], src, gw, vx, 0, 0, err);
        ip6s(src, 0x101, u, 128);
        if (rc == MN_OK && v6)
            rc = route(e, &e->nl_dom0[far], src, side ? "fe80::b" : "fe80::a", vx, 0, 0, err);
        at_box = far;
    }
    if (rc == MN_OK && (vap_domu(e, v) || e->w->vaps[v].vnet != MN_NONE))
        rc = user_fwd(e, u, 1, &at_box, err);
    if (rc == MN_OK && v6 && at_box != box && at_box == U->vexit && !vnet_exit6(e, v)) {
        /* its IPv6 is not steered through the virtual network: the underlay finds it here */
        rc = underlay_locate(e, A_USER + u, a6, e->under[box], box, err);
        if (rc == MN_OK)
            rc = underlay_locate(e, A_USER + u, NULL, e->under[at_box], at_box, err);
    } else if (rc == MN_OK) {
        rc = underlay_locate(e, A_USER + u, v6 ? a6 : NULL, e->under[at_box], at_box, err);
    }
    if (rc == MN_OK && e->built) { /* as in plumb: nothing to correct at build */
        uint8_t b6[16];
        ip6b(b6, 0x101, u);
        rc = mn_emu_garp_send(ns, dev, A_USER + u, v6 ? b6 : NULL, err);
    }
out:
    if (fd0 >= 0)
        close(fd0);
    if (fdu >= 0)
        close(fdu);
    return rc;
}

static int be_associate(void *be, uint32_t u, uint32_t v, mn_err *err)
{
    mn_emu *e = be;
    if (u >= e->w->nusers)
        return MN_ERR(err, MN_EINVAL, "no such user");
    if (v != MN_NONE && (v >= e->w->nvaps || e->inst[v].box == MN_NONE))
        return MN_ERR(err, MN_EINVAL, "vAP %s is not placed",
                      v < e->w->nvaps ? e->w->vaps[v].id : "?");
    if (v != MN_NONE && e->w->vaps[v].op != e->w->users[u].op)
        return MN_ERR(err, MN_EINVAL, "vAP %s belongs to another operator than user %s",
                      e->w->vaps[v].id, e->w->users[u].id);
    if (e->user[u].vap == v)
        return MN_OK;
    TRY(user_detach(e, u, err));
    return v == MN_NONE ? MN_OK : user_attach(e, u, v, err);
}

static int be_set_qos(void *be, uint32_t v, double airtime, mn_err *err)
{
    mn_emu *e = be;
    if (v >= e->w->nvaps || !(airtime > 0 && airtime <= 1))
        return MN_ERR(err, MN_EINVAL, "set-qos needs a vAP and an airtime share in (0, 1]");
    if (e->inst[v].radio == MN_NONE)
        return MN_ERR(err, MN_EINVAL, "vAP %s is not placed", e->w->vaps[v].id);
    return vap_class(e, v, e->inst[v].radio, airtime, err);
}

/*
 * Box b's uplink (the delay line's node end too: a veth's peer loses its carrier with it, a
 * tap's has to be told) and radio segments up or down: power and box faults. Up: the
 * default routes, which went with the uplink, back.
 */
static int box_links(mn_emu *e, uint32_t b, int on, mn_err *err)
{
    char dev[MN_EMU_NAME_MAX];
    snprintf(dev, sizeof dev, "%sup", e->P);
    TRY(mn_emu_link_set_up(&e->nl_dom0[b], dev, on, err));
    if (e->dl_up[b] != MN_NONE)
        TRY(mn_emu_dl_carrier(e->dl, e->dl_up[b], 1, on, err));
    for (uint32_t r = 0; r < e->w->nradios; r++)
        if (e->w->radios[r].box == b) {
            nm(e, dev, 'a', r);
            TRY(mn_emu_link_set_up(&e->nl_dom0[b], dev, on, err));
        }
    return MN_OK;
}

static int box_routes(mn_emu *e, uint32_t b, mn_err *err)
{
    char dev[MN_EMU_NAME_MAX], gw[24];
    snprintf(dev, sizeof dev, "%sup", e->P);
    ip4s(gw, A_UP + 4 * b + 1, -1);
    TRY(route(e, &e->nl_dom0[b], "0.0.0.0/0", gw, dev, 0, 0, err));
    TRY(route(e, &e->nl_dom0[b], "::/0", "fe80::a", dev, 0, 0, err));
    return MN_OK;
}

static int be_power(void *be, uint32_t b, int on, mn_err *err)
{
    mn_emu *e = be;
    if (b >= e->w->nboxes)
        return MN_ERR(err, MN_EINVAL, "no such box");
    if (!on)
        for (uint32_t i = 0; i < e->w->nvaps + e->w->nvms; i++)
            if (e->inst[i].box == b)
                return MN_ERR(err, MN_EINVAL, "box %s hosts %s: it stays on", e->w->boxes[b].id,
                              inst_id(e, i));
    TRY(box_links(e, b, on, err));
    e->powered[b] = (uint8_t)on;
    if (on) /* routes through a device that went down are gone: put the default back */
        TRY(box_routes(e, b, err));
    return MN_OK;
}

/*
 * The users on radio r (all radios of box b when r is MN_NONE) plumbed again: their host
 * routes left with the segment's device; re-attaching also announces them (gratuitous ARP
 * / NA).
 */
static int users_replumb(mn_emu *e, uint32_t b, uint32_t r, mn_err *err)
{
    for (uint32_t u = 0; u < e->w->nusers; u++) {
        const e_user *U = &e->user[u];
        uint32_t v = U->vap;
        if (v == MN_NONE || U->box != b || (r != MN_NONE && U->radio != r))
            continue;
        TRY(user_detach(e, u, err));
        TRY(user_attach(e, u, v, err));
    }
    return MN_OK;
}

/* Every host route of the underlay again (after a topology link came back: the kernel dropped
 * those through it): servers, boxes' uplink addresses, instances, users. */
static int underlay_relocate(mn_emu *e, mn_err *err)
{
    char a6[64];
    for (size_t k = 0; k + 1 < e->nn; k++) {
        ip6s(a6, 0x102, (uint32_t)k, -1);
        TRY(underlay_locate(e, A_SRV + (uint32_t)k, a6, k, MN_NONE, err));
    }
    for (uint32_t b = 0; b < e->w->nboxes; b++)
        TRY(underlay_locate(e, A_UP + 4 * b + 2, NULL, e->under[b], b, err));
    for (uint32_t i = 0; i < e->w->nvaps + e->w->nvms; i++) {
        uint32_t box = e->inst[i].box;
        if (box == MN_NONE)
            continue;
        ip6s(a6, 0x100, i, -1);
        TRY(underlay_locate(e, A_INST + i, has6(inst_stacks(e, i)) ? a6 : NULL, e->under[box], box,
                            err));
    }
    for (uint32_t b = 0; b < e->w->nboxes; b++)
        TRY(users_replumb(e, b, MN_NONE, err));
    return MN_OK;
}

int mn_emu_fault(mn_emu *e, int kind, uint32_t idx, int up, mn_err *err)
{
    const mn_world *w = e->w;
    char dev[MN_EMU_NAME_MAX];
    switch (kind) {
    case MN_FAULT_BOX:
        if (idx >= w->nboxes)
            return MN_ERR(err, MN_EINVAL, "no such box");
        TRY(box_links(e, idx, up, err));
        if (!up)
            return MN_OK;
        if (e->powered[idx])
            TRY(box_routes(e, idx, err));
        /*
         * The node's neighbour entry for this dom0 may be probing (INCOMPLETE, retried
         * every second, what it sent meanwhile queued): a gratuitous ARP settles it now.
         */
        snprintf(dev, sizeof dev, "%sup", e->P);
        TRY(mn_emu_garp_send(mn_emu_box_ns(e, idx), dev, A_UP + 4 * idx + 2, NULL, err));
        return users_replumb(e, idx, MN_NONE, err);
    case MN_FAULT_RADIO:
        if (idx >= w->nradios)
            return MN_ERR(err, MN_EINVAL, "no such radio");
        nm(e, dev, 'a', idx);
        TRY(mn_emu_link_set_up(&e->nl_dom0[w->radios[idx].box], dev, up, err));
        return up ? users_replumb(e, w->radios[idx].box, idx, err) : MN_OK;
    case MN_FAULT_LINK:
        if (idx >= e->n->nlinks)
            return MN_ERR(err, MN_EINVAL, "no such topology link");
        if (e->dl_link[idx] != MN_NONE) { /* taps: their carrier off, the routes stay */
            TRY(mn_emu_dl_carrier(e->dl, e->dl_link[idx], 0, up, err));
            TRY(mn_emu_dl_carrier(e->dl, e->dl_link[idx], 1, up, err));
            if (!up)
                return MN_OK;
            char ns[MN_EMU_NAME_MAX]; /* the neighbours may be probing: settle them (as a box) */
            nm(e, dev, 'l', idx);
            ns_node(e, ns, e->n->links[idx].a);
            TRY(mn_emu_garp_send(ns, dev, A_LINK + 4 * idx + 1, NULL, err));
            ns_node(e, ns, e->n->links[idx].b);
            return mn_emu_garp_send(ns, dev, A_LINK + 4 * idx + 2, NULL, err);
        }
        nm(e, dev, 'l', idx);
        TRY(mn_emu_link_set_up(&e->nl_node[e->n->links[idx].a], dev, up, err));
        TRY(mn_emu_link_set_up(&e->nl_node[e->n->links[idx].b], dev, up, err));
        return up ? underlay_relocate(e, err) : MN_OK;
    default:
        return MN_ERR(err, MN_EINVAL, "VM faults are not emulated");
    }
}

static const mn_backend_ops emu_backend = {
    .name = "emulation",
    .place = be_place,
    .remove = be_remove,
    .associate = be_associate,
    .migrate = be_migrate,
    .tunnel = be_tunnel,
    .set_qos = be_set_qos,
    .power = be_power,
};

const mn_backend *mn_emu_backend(mn_emu *e)
{
    e->be.ops = &emu_backend;
    return &e->be;
}

/* ---- building ---- */

static int build_underlay(mn_emu *e, volatile const int *stop, mn_err *err)
{
    char ns[MN_EMU_NAME_MAX], a[64];
    for (size_t k = 0; k < e->nn; k++) {
        if (stop && *stop)
            return MN_ERR(err, MN_EIO, "interrupted");
        ns_node(e, ns, k);
        TRY(mn_emu_netns_create(ns, 1, err));
        e->counts.namespaces++;
        TRY(mn_emu_nl_open(&e->nl_node[k], ns, err));
        ip4s(a, A_SRV + (uint32_t)k, 32);
        TRY(mn_emu_addr_add(&e->nl_node[k], "lo", a, err));
        ip6s(a, 0x102, (uint32_t)k, 128);
        TRY(mn_emu_addr_add(&e->nl_node[k], "lo", a, err));
    }
    const mn_net *n = e->n;
    for (uint32_t l = 0; l < n->nlinks; l++) {
        if (stop && *stop)
            return MN_ERR(err, MN_EIO, "interrupted");
        char dev[MN_EMU_NAME_MAX];
        nm(e, dev, 'l', l);
        int fa, fb;
        TRY(nodefd(e, n->links[l].a, &fa, err));
        int rc = nodefd(e, n->links[l].b, &fb, err);
        if (rc != MN_OK) {
            close(fa);
            return rc;
        }
        mn_emu_nl *na = &e->nl_node[n->links[l].a], *nb = &e->nl_node[n->links[l].b];
        if (delayed(e, n->links[l].latency)) { /* a tap at each end, the delay line between */
            char nsa[MN_EMU_NAME_MAX], nsb[MN_EMU_NAME_MAX], label[96];
            ns_node(e, nsa, n->links[l].a);
            ns_node(e, nsb, n->links[l].b);
            snprintf(label, sizeof label, "link %s", n->links[l].id);
            rc = tap_pair(e, nsa, dev, na, nsb, dev, nb, n->links[l].latency,
                          (double)n->links[l].capacity_bps, label, &e->dl_link[l], err);
        } else {
            rc = veth(e, dev, fa, 0, dev, fb, nb, err);
        }
        close(fa);
        close(fb);
        TRY(rc);
        ip4s(a, A_LINK + 4 * l + 1, 30);
        TRY(mn_emu_addr_add(na, dev, a, err));
        ip4s(a, A_LINK + 4 * l + 2, 30);
        TRY(mn_emu_addr_add(nb, dev, a, err));
        TRY(mn_emu_addr_add(na, dev, "fe80::a/64", err));
        TRY(mn_emu_addr_add(nb, dev, "fe80::b/64", err));
        double bps = (double)n->links[l].capacity_bps;
        if (bps > 0 && bps <= MN_EMU_TC_MAX_BPS) {
            TRY(mn_emu_tc_tbf(na, dev, bps, err));
            TRY(mn_emu_tc_tbf(nb, dev, bps, err));
            e->counts.qdiscs += 2;
        }
    }
    /* every node reaches every server address */
    for (size_t k = 0; k + 1 < e->nn; k++) {
        char a6[64];
        ip6s(a6, 0x102, (uint32_t)k, -1);
        TRY(underlay_locate(e, A_SRV + (uint32_t)k, a6, k, MN_NONE, err));
    }
    return MN_OK;
}

static int build_box(mn_emu *e, uint32_t b, mn_err *err)
{
    const mn_box *B = &e->w->boxes[b];
    char ns[MN_EMU_NAME_MAX], lan[MN_EMU_NAME_MAX], up[MN_EMU_NAME_MAX], nup[MN_EMU_NAME_MAX];
    char a[64];
    nm(e, ns, 'd', b);
    TRY(mn_emu_netns_create(ns, 1, err));
    e->counts.namespaces++;
    mn_emu_nl *nl = &e->nl_dom0[b];
    TRY(mn_emu_nl_open(nl, ns, err));
    snprintf(lan, sizeof lan, "%slan", e->P);
    TRY(mn_emu_bridge_create(nl, lan, err));
    e->counts.links++;
    TRY(mn_emu_link_set_up(nl, lan, 1, err));
    TRY(mn_emu_addr_add(nl, lan, "169.254.0.1/32", err));
    TRY(mn_emu_addr_add(nl, lan, "fe80::1/64", err));
    /* the uplink: dom0 <-> its underlay node, shaped both ways */
    snprintf(up, sizeof up, "%sup", e->P);
    nm(e, nup, 'b', b);
    int f0, fn;
    TRY(nsfd(e, 'd', b, &f0, err));
    int rc = nodefd(e, e->under[b], &fn, err);
    if (rc != MN_OK) {
        close(f0);
        return rc;
    }
    mn_emu_nl *nn = &e->nl_node[e->under[b]];
    if (delayed(e, B->uplink_latency)) { /* end a: dom0's tap, end b: the node's */
        char nsn[MN_EMU_NAME_MAX], label[96];
        ns_node(e, nsn, e->under[b]);
        snprintf(label, sizeof label, "uplink %s", B->id);
        rc = tap_pair(e, ns, up, nl, nsn, nup, nn, B->uplink_latency, B->uplink_bps, label,
                      &e->dl_up[b], err);
    } else {
        rc = veth(e, up, f0, 0, nup, fn, nn, err);
    }
    close(f0);
    close(fn);
    TRY(rc);
    ip4s(a, A_UP + 4 * b + 2, 30);
    TRY(mn_emu_addr_add(nl, up, a, err));
    ip4s(a, A_UP + 4 * b + 1, 30);
    TRY(mn_emu_addr_add(nn, nup, a, err));
    TRY(mn_emu_addr_add(nl, up, "fe80::b/64", err));
    TRY(mn_emu_addr_add(nn, nup, "fe80::a/64", err));
    if (B->uplink_bps > 0 && B->uplink_bps <= MN_EMU_TC_MAX_BPS) {
        TRY(mn_emu_tc_tbf(nl, up, B->uplink_bps, err));
        TRY(mn_emu_tc_tbf(nn, nup, B->uplink_bps, err));
        e->counts.qdiscs += 2;
    }
    char gw[24];
    ip4s(gw, A_UP + 4 * b + 1, -1);
    TRY(route(e, nl, "0.0.0.0/0", gw, up, 0, 0, err));
    TRY(route(e, nl, "::/0", "fe80::a", up, 0, 0, err));
    /* the uplink's dom0 address is a VXLAN endpoint: every node routes to it */
    TRY(underlay_locate(e, A_UP + 4 * b + 2, NULL, e->under[b], b, err));
    /* radios: dom0 end shaped (downlink), segment end shaped (uplink), users on the bridge */
    for (uint32_t r = 0; r < e->w->nradios; r++) {
        if (e->w->radios[r].box != b)
            continue;
        char ra[MN_EMU_NAME_MAX], rq[MN_EMU_NAME_MAX], rbr[MN_EMU_NAME_MAX];
        radio_devs(e, r, ra, rq);
        nm(e, rbr, 'r', r);
        TRY(nsfd(e, 'd', b, &f0, err));
        rc = veth(e, ra, f0, 0, rq, f0, nl, err);
        close(f0);
        TRY(rc);
        TRY(mn_emu_bridge_create(nl, rbr, err));
        e->counts.links++;
        TRY(mn_emu_link_noarp(nl, rbr, err)); /* the gateway answers from its routed end only */
        TRY(mn_emu_link_set_master(nl, rq, rbr, err));
        TRY(mn_emu_link_set_up(nl, rbr, 1, err));
        TRY(mn_emu_addr_add(nl, ra, "169.254.0.1/32", err));
        TRY(mn_emu_addr_add(nl, ra, "fe80::1/64", err));
        double cap = e->radio_bps[r];
        const char *devs[2] = {ra, rq};
        for (int d = 0; d < 2; d++) {
            TRY(mn_emu_tc_htb(nl, devs[d], 2, err));
            TRY(mn_emu_tc_htb_class(nl, devs[d], 0, 1, cap, cap, err));
            TRY(mn_emu_tc_htb_class(nl, devs[d], 1, 2, cap, cap, err));
            e->counts.qdiscs++;
        }
    }
    e->powered[b] = 1;
    return MN_OK;
}

uint32_t mn_emu_best_vap(const mn_world *w, mn_emu_vap_at where, const void *ctx, uint32_t op,
                         unsigned stacks, mn_pos at)
{
    uint32_t best = MN_NONE;
    double best_phy = 0;
    for (uint32_t v = 0; v < w->nvaps; v++) {
        const mn_vap *V = &w->vaps[v];
        if (V->op != op || !(V->stacks & stacks))
            continue;
        uint32_t box, r;
        where(ctx, v, &box, &r);
        if (box == MN_NONE || r == MN_NONE)
            continue;
        double d = mn_pos_dist(at, w->boxes[box].pos);
        if (d > w->radios[r].range_m)
            continue;
        double phy = mn_radio_phy_rate(&w->radios[r].cfg, d, NULL);
        if (phy > best_phy) {
            best_phy = phy;
            best = v;
        }
    }
    return best;
}

static void inst_at(const void *ctx, uint32_t v, uint32_t *box, uint32_t *radio)
{
    const mn_emu *e = ctx;
    *box = e->inst[v].box;
    *radio = e->inst[v].radio;
}

/* The vAP of the user's operator and stack with the highest PHY rate at `at`; MN_NONE. */
static uint32_t best_vap(const mn_emu *e, uint32_t u, mn_pos at)
{
    const mn_user *U = &e->w->users[u];
    return mn_emu_best_vap(e->w, inst_at, e, U->op, U->stacks, at);
}

int mn_emu_build(mn_emu *e, volatile const int *stop, mn_err *err)
{
    const mn_world *w = e->w;
    mn_emu_backend(e);
    TRY(mn_emu_nl_open(&e->host, NULL, err));
    TRY(build_underlay(e, stop, err));
    for (uint32_t b = 0; b < w->nboxes; b++) {
        if (stop && *stop)
            return MN_ERR(err, MN_EIO, "interrupted");
        TRY(build_box(e, b, err));
    }
    /* every delayed link is made (links and uplinks only come at build): forward them */
    if (e->dl)
        TRY(mn_emu_dl_start(e->dl, err));
    char ns[MN_EMU_NAME_MAX];
    for (uint32_t u = 0; u < w->nusers; u++) {
        nm(e, ns, 'h', u);
        TRY(mn_emu_netns_create(ns, 0, err));
        e->counts.namespaces++;
    }
    for (uint32_t i = 0; i < w->nvaps + w->nvms; i++) {
        if (stop && *stop)
            return MN_ERR(err, MN_EIO, "interrupted");
        uint32_t box, radio = MN_NONE;
        const uint32_t *cand;
        size_t ncand;
        if (is_vap(e, i)) {
            box = w->vaps[i].box;
            radio = w->vaps[i].radio;
            cand = w->vaps[i].cand;
            ncand = w->vaps[i].ncand;
        } else {
            box = w->vms[i - w->nvaps].box;
            cand = w->vms[i - w->nvaps].cand;
            ncand = w->vms[i - w->nvaps].ncand;
        }
        if (box == MN_NONE && ncand > 0 && e->defer_movable)
            continue; /* the placement policy's (emu/policy.c) */
        if (box == MN_NONE && ncand > 0) {
            box = cand[0];
            radio = MN_NONE;
            e->first_candidate_used = 1;
        }
        if (box != MN_NONE)
            TRY(do_place(e, i, box, radio, err));
    }
    TRY(vnet_build(e, err));
    for (size_t t = 0; t < w->ntunnels; t++)
        TRY(be_tunnel(e, w->tunnels[t].a, w->tunnels[t].b, err));
    for (uint32_t u = 0; u < w->nusers; u++) {
        if (stop && *stop)
            return MN_ERR(err, MN_EIO, "interrupted");
        uint32_t v = best_vap(e, u, w->users[u].st.home);
        if (v != MN_NONE)
            TRY(be_associate(e, u, v, err));
    }
    e->built = 1;
    return MN_OK;
}

void mn_emu_defer_movable(mn_emu *e)
{
    e->defer_movable = 1;
}

int mn_emu_associate_unserved(mn_emu *e, const mn_pos *pos, mn_err *err)
{
    for (uint32_t u = 0; u < e->w->nusers; u++) {
        if (e->user[u].vap != MN_NONE)
            continue;
        uint32_t v = best_vap(e, u, pos ? pos[u] : e->w->users[u].st.home);
        if (v != MN_NONE)
            TRY(be_associate(e, u, v, err));
    }
    return MN_OK;
}

/* ---- teardown ---- */

struct sweep {
    unsigned removed;
    mn_err *err;
    int rc;
};

static int del_ns(const char *name, void *ctx)
{
    struct sweep *s = ctx;
    if (mn_emu_netns_delete(name, s->err) == MN_OK)
        s->removed++;
    else
        s->rc = MN_EIO;
    return 0;
}

struct lsweep {
    mn_emu_nl *nl;
    unsigned removed;
};

static int del_link(const char *name, void *ctx)
{
    struct lsweep *s = ctx;
    if (mn_emu_link_delete(s->nl, name, NULL) == MN_OK)
        s->removed++;
    return 0;
}

int mn_emu_cleanup(const char *prefix, unsigned *removed, mn_err *err)
{
    struct sweep s = {0, err, MN_OK};
    mn_emu_netns_each(prefix, del_ns, &s);
    /* links named with a run prefix in our own namespace (none, unless a run died mid-veth) */
    mn_emu_nl host;
    if (mn_emu_nl_open(&host, NULL, err) == MN_OK) {
        struct lsweep ls = {&host, 0};
        mn_emu_link_each(&host, prefix, del_link, &ls, err);
        mn_emu_nl_close(&host);
        s.removed += ls.removed;
    }
    if (removed)
        *removed = s.removed;
    return s.rc;
}

void mn_emu_destroy(mn_emu *e, int keep)
{
    if (!e)
        return;
    for (size_t b = 0; e->nl_dom0 && b < e->w->nboxes; b++)
        mn_emu_nl_close(&e->nl_dom0[b]);
    for (size_t k = 0; e->nl_node && k < e->nn; k++)
        mn_emu_nl_close(&e->nl_node[k]);
    mn_emu_nl_close(&e->host);
    /* before the namespaces go: the thread joined, the taps' fds closed (the taps go with them) */
    mn_emu_dl_destroy(e->dl);
    mn_free(e->dl_link);
    mn_free(e->dl_up);
    if (!keep)
        mn_emu_cleanup(e->P, NULL, NULL);
    mn_free(e->nh);
    mn_free(e->under);
    mn_free(e->inst);
    mn_free(e->user);
    mn_free(e->radio_bps);
    mn_free(e->powered);
    mn_free(e->nl_dom0);
    mn_free(e->nl_node);
    mn_free(e->ix_lan);
    mn_free(e->ix_nup);
    mn_free(e->ix_rbr);
    mn_free(e->ix_a);
    mn_free(e->ix_link);
    mn_free(e);
}

/* ---- queries ---- */

const char *mn_emu_prefix(const mn_emu *e)
{
    return e->P;
}

void mn_emu_set_delay(mn_emu *e, int on)
{
    e->delay_off = !on;
}

int mn_emu_delay_on(const mn_emu *e)
{
    return !e->delay_off;
}

const mn_emu_dl *mn_emu_delayline(const mn_emu *e)
{
    return e->dl;
}

mn_emu_counts mn_emu_get_counts(const mn_emu *e)
{
    return e->counts;
}

uint32_t mn_emu_user_vap(const mn_emu *e, uint32_t u)
{
    return e->user[u].vap;
}

static char name_buf[8][MN_EMU_NAME_MAX]; /* one slot per accessor: callers combine them */

const char *mn_emu_user_ns(const mn_emu *e, uint32_t u)
{
    nm(e, name_buf[0], 'h', u);
    return name_buf[0];
}

const char *mn_emu_user_if(const mn_emu *e, uint32_t u)
{
    nm(e, name_buf[1], 'u', u);
    return name_buf[1];
}

uint32_t mn_emu_user_ip(const mn_emu *e, uint32_t u)
{
    (void)e;
    return A_USER + u;
}

const char *mn_emu_box_ns(const mn_emu *e, uint32_t b)
{
    nm(e, name_buf[2], 'd', b);
    return name_buf[2];
}

const char *mn_emu_box_uplink(const mn_emu *e)
{
    snprintf(name_buf[3], sizeof name_buf[3], "%sup", e->P);
    return name_buf[3];
}

double mn_emu_radio_bps(const mn_emu *e, uint32_t r)
{
    return e->radio_bps[r];
}

uint32_t mn_emu_inst_box(const mn_emu *e, uint32_t i)
{
    return e->inst[i].box;
}

uint32_t mn_emu_inst_radio(const mn_emu *e, uint32_t i)
{
    return e->inst[i].radio;
}

const char *mn_emu_radio_dev(const mn_emu *e, uint32_t r)
{
    nm(e, name_buf[4], 'a', r);
    return name_buf[4];
}

const char *mn_emu_inst_ns(const mn_emu *e, uint32_t i)
{
    nm(e, name_buf[5], 'i', i);
    return name_buf[5];
}

const char *mn_emu_inst_port(const mn_emu *e, uint32_t i)
{
    nm(e, name_buf[6], 'p', i);
    return name_buf[6];
}

int mn_emu_inst_forwards(const mn_emu *e, uint32_t i)
{
    return inst_forwards(e, i);
}

uint32_t mn_emu_inst_ip(const mn_emu *e, uint32_t i)
{
    (void)e;
    return A_INST + i;
}

int mn_emu_service_end(const mn_emu *e, uint32_t u, uint32_t s, const char **ns, uint32_t *ip)
{
    static char buf[MN_EMU_NAME_MAX];
    const mn_service *S = &e->w->services[s];
    const e_user *U = &e->user[u];
    if (U->box == MN_NONE)
        return MN_ENOTFOUND;
    if (S->to_vm != MN_NONE) {
        uint32_t i = (uint32_t)e->w->nvaps + S->to_vm;
        if (e->inst[i].box == MN_NONE)
            return MN_ENOTFOUND;
        nm(e, buf, 'i', i);
        *ip = A_INST + i;
    } else {
        /* a server at the named node, or just beyond the uplink the user's traffic leaves by */
        uint32_t by = U->far != MN_NONE ? U->far : U->vexit != MN_NONE ? U->vexit : U->box;
        size_t k = S->to_node != MN_NONE ? S->to_node : e->under[by];
        ns_node(e, buf, k);
        *ip = A_SRV + (uint32_t)k;
    }
    *ns = buf;
    return MN_OK;
}

void mn_emu_write_names(const mn_emu *e, FILE *f)
{
    const mn_world *w = e->w;
    char ns[MN_EMU_NAME_MAX], dev[MN_EMU_NAME_MAX], a4[24], a6[64];
    fprintf(f, "kind,id,namespace,interface,ipv4,ipv6\n");
    for (size_t k = 0; k < e->nn; k++) {
        ns_node(e, ns, k);
        ip4s(a4, A_SRV + (uint32_t)k, -1);
        ip6s(a6, 0x102, (uint32_t)k, -1);
        fprintf(f, "node,%s,%s,lo,%s,%s\n", k + 1 == e->nn ? "(internet)" : e->n->nodes[k], ns,
                a4, a6);
    }
    for (uint32_t b = 0; b < w->nboxes; b++) {
        nm(e, ns, 'd', b);
        ip4s(a4, A_UP + 4 * b + 2, -1);
        fprintf(f, "box,%s,%s,%sup,%s,fe80::b\n", w->boxes[b].id, ns, e->P, a4);
    }
    for (uint32_t r = 0; r < w->nradios; r++) {
        nm(e, ns, 'd', w->radios[r].box);
        nm(e, dev, 'a', r);
        fprintf(f, "radio,%s,%s,%s,169.254.0.1,fe80::1\n", w->radios[r].id, ns, dev);
    }
    for (uint32_t i = 0; i < w->nvaps + w->nvms; i++) {
        nm(e, ns, 'i', i);
        nm(e, dev, 'e', i);
        ip4s(a4, A_INST + i, -1);
        ip6s(a6, 0x100, i, -1);
        fprintf(f, "%s,%s,%s,%s,%s,%s\n", is_vap(e, i) ? "vap" : "vm", inst_id(e, i), ns, dev, a4,
                has6(inst_stacks(e, i)) ? a6 : "");
    }
    for (uint32_t u = 0; u < w->nusers; u++) {
        nm(e, ns, 'h', u);
        nm(e, dev, 'u', u);
        ip4s(a4, A_USER + u, -1);
        ip6s(a6, 0x101, u, -1);
        fprintf(f, "user,%s,%s,%s,%s,%s\n", w->users[u].id, ns, dev, a4,
                has6(w->users[u].stacks) ? a6 : "");
    }
    for (uint32_t t = 0; t < e->ntun; t++) {
        nm(e, dev, 't', t);
        fprintf(f, "vxlan,%s<->%s,%s,%s,vni %u,\n", w->boxes[e->tun[t].a].id,
                w->boxes[e->tun[t].b].id, "(both dom0s)", dev, 1000 + t);
    }
    for (uint32_t l = 0; l < w->nvlinks; l++) {
        nm(e, dev, 'k', l);
        fprintf(f, "vlink,%s,%s,%s,vni %u,\n", w->vlinks[l].id, "(both VMs)", dev, VNI_VLINK + l);
    }
}

void mn_emu_write_limits(const mn_emu *e, FILE *f, const char *sep)
{
    const mn_world *w = e->w;
    const char *s = "";
#define LIMIT(...)                  \
    do {                            \
        fputs(s, f);                \
        fprintf(f, __VA_ARGS__);    \
        s = sep;                    \
    } while (0)
    int lat = 0, mpls = 0, vnet6 = 0;
    for (size_t l = 0; l < e->n->nlinks; l++)
        lat |= e->n->links[l].latency > 0;
    for (size_t b = 0; b < w->nboxes; b++)
        lat |= w->boxes[b].uplink_latency > 0;
    for (size_t v = 0; v < w->nvaps; v++) {
        vnet6 |=
            w->vaps[v].vnet != MN_NONE && has6(w->vaps[v].stacks) && !vnet_exit6(e, (uint32_t)v);
        mpls |= (w->vaps[v].stacks & (1u << MN_STACK_MPLS)) != 0;
    }
    if (lat && e->delay_off)
        LIMIT("link and uplink latencies: not emulated (--delay off; no netem in this kernel); "
              "measured delays are queueing and forwarding only");
    if (mpls)
        LIMIT("MPLS stacks: not emulated (no MPLS forwarding in this kernel); IPv4/IPv6 only");
    if (vnet6)
        LIMIT("virtual networks whose exit VM has no IPv6 (stacks without ipv6): IPv4 crosses "
              "their VMs and virtual links, IPv6 (the flows of IPv6-only users) is routed "
              "directly");
    if (w->narrivals)
        LIMIT("arriving user populations: not emulated (declared users only)");
    if (w->nmobilities && !e->defer_movable)
        LIMIT("mobility: users stay at home for the whole emulation");
    if (w->nmobilities && e->defer_movable)
        LIMIT("mobility: at the policy clock, not continuously (the balancing policy hands a "
              "user over at a tick; a user going offline keeps its radio port; one no vAP "
              "reaches keeps its vAP)");
    int on_demand = 0;
    for (size_t v = 0; v < w->nvaps; v++)
        on_demand |= w->vaps[v].on_demand;
    if (on_demand && e->defer_movable)
        LIMIT("on-demand vAPs: the boxes' agents place them at the policy clock (not at once when "
              "a user falls into outage, as in simulation)");
    if (e->first_candidate_used)
        LIMIT("movable instances: placed on their first candidate box (the placement policy "
              "does not run on the real-time clock yet)");
    LIMIT("radio: shared htb per direction at the modelled capacity (no contention, loss or "
          "rate adaptation); up and down are not shared");
#undef LIMIT
}
