/* link.c - links, addresses, routes and rules via libnl-route-3; see link.h. */
#include "link.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "sim/core/alloc.h"

#define NLFAIL(nl, rc, what, ...) \
    MN_ERR(err, MN_EIO, "netns %s: " what ": %s", (nl)->ns, __VA_ARGS__, nl_geterror(rc))

int mn_emu_nl_open(mn_emu_nl *nl, const char *ns, mn_err *err)
{
    memset(nl, 0, sizeof *nl);
    snprintf(nl->ns, sizeof nl->ns, "%s", ns ? ns : "host");
    int saved = -1, rc;
    if (ns && (rc = mn_emu_netns_enter_name(ns, &saved, err)) != MN_OK)
        return rc;
    nl->sk = nl_socket_alloc();
    rc = nl->sk ? nl_connect(nl->sk, NETLINK_ROUTE) : -NLE_NOMEM;
    mn_emu_netns_leave(saved);
    if (rc < 0) {
        nl_socket_free(nl->sk);
        nl->sk = NULL;
        return MN_ERR(err, MN_EIO, "netns %s: netlink socket: %s", nl->ns, nl_geterror(rc));
    }
    return MN_OK;
}

void mn_emu_nl_close(mn_emu_nl *nl)
{
    if (nl && nl->sk) {
        nl_socket_free(nl->sk);
        nl->sk = NULL;
    }
}

/*
 * The pair a (in fd_a's namespace, -1: nl's) <-> b (in fd_b's) in one request;
 * with up, a comes up, on master_a (> 0) if given. One request instead of four
 * to six: the kernel applies a's ifinfomsg flags once the pair is joined
 * (rtnl_configure_link), then enslaves a to IFLA_MASTER, looked up in a's
 * namespace. b cannot come up in the same request: veth_newlink opens the peer
 * before joining it to a (veth_open: ENOTCONN).
 */
static int veth_add(mn_emu_nl *nl, const char *a, int fd_a, int up, int master_a, const char *b,
                    int fd_b, mn_err *err)
{
    if (strlen(a) >= IFNAMSIZ || strlen(b) >= IFNAMSIZ)
        return MN_ERR(err, MN_EINVAL, "veth %s/%s: names must be at most %d bytes", a, b,
                      IFNAMSIZ - 1);
    struct rtnl_link *l = rtnl_link_veth_alloc();
    if (!l)
        return MN_ERR(err, MN_ENOMEM, "veth %s: out of memory", a);
    struct rtnl_link *peer = rtnl_link_veth_get_peer(l);
    rtnl_link_set_name(l, a);
    rtnl_link_set_name(peer, b);
    if (fd_a >= 0)
        rtnl_link_set_ns_fd(l, fd_a);
    if (fd_b >= 0)
        rtnl_link_set_ns_fd(peer, fd_b);
    if (up)
        rtnl_link_set_flags(l, IFF_UP);
    if (up && master_a > 0)
        rtnl_link_set_master(l, master_a);
    int rc = rtnl_link_add(nl->sk, l, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(peer);
    rtnl_link_put(l);
    return rc < 0 ? NLFAIL(nl, rc, "creating veth %s <-> %s", a, b) : MN_OK;
}

int mn_emu_veth_create(mn_emu_nl *nl, const char *a, int fd_a, const char *b, int fd_b,
                       mn_err *err)
{
    return veth_add(nl, a, fd_a, 0, 0, b, fd_b, err);
}

int mn_emu_veth_create_up(mn_emu_nl *nl, const char *a, int fd_a, int master_a, const char *b,
                          int fd_b, mn_err *err)
{
    return veth_add(nl, a, fd_a, 1, master_a, b, fd_b, err);
}

int mn_emu_bridge_create(mn_emu_nl *nl, const char *name, mn_err *err)
{
    if (strlen(name) >= IFNAMSIZ)
        return MN_ERR(err, MN_EINVAL, "bridge %s: name longer than %d bytes", name, IFNAMSIZ - 1);
    struct rtnl_link *l = rtnl_link_bridge_alloc();
    if (!l)
        return MN_ERR(err, MN_ENOMEM, "bridge %s: out of memory", name);
    rtnl_link_set_name(l, name);
    int rc = rtnl_link_add(nl->sk, l, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(l);
    /* STP is off on a new bridge, so a port forwards as soon as it is up */
    return rc < 0 ? NLFAIL(nl, rc, "creating bridge %s", name) : MN_OK;
}

int mn_emu_vxlan_create(mn_emu_nl *nl, const char *name, unsigned vni, const char *local,
                        const char *remote, const char *dev, mn_err *err)
{
    if (strlen(name) >= IFNAMSIZ)
        return MN_ERR(err, MN_EINVAL, "vxlan %s: name longer than %d bytes", name, IFNAMSIZ - 1);
    int ifi = mn_emu_link_index(nl, dev, err);
    if (ifi < 0)
        return ifi;
    struct rtnl_link *l = rtnl_link_vxlan_alloc();
    struct nl_addr *la = NULL, *ra = NULL;
    int rc;
    if (!l)
        return MN_ERR(err, MN_ENOMEM, "vxlan %s: out of memory", name);
    if ((rc = nl_addr_parse(local, AF_UNSPEC, &la)) < 0 ||
        (rc = nl_addr_parse(remote, AF_UNSPEC, &ra)) < 0) {
        rtnl_link_put(l);
        nl_addr_put(la);
        return MN_ERR(err, MN_EINVAL, "vxlan %s: bad address %s / %s: %s", name, local, remote,
                      nl_geterror(rc));
    }
    rtnl_link_set_name(l, name);
    rtnl_link_vxlan_set_id(l, vni);
    rtnl_link_vxlan_set_link(l, (uint32_t)ifi);
    rtnl_link_vxlan_set_port(l, 4789);
    if (nl_addr_get_family(la) == AF_INET6) {
        rtnl_link_vxlan_set_local(l, la);
        rtnl_link_vxlan_set_group(l, ra);
    } else {
        rtnl_link_vxlan_set_local(l, la);
        rtnl_link_vxlan_set_group(l, ra);
    }
    rc = rtnl_link_add(nl->sk, l, NLM_F_CREATE | NLM_F_EXCL);
    nl_addr_put(la);
    nl_addr_put(ra);
    rtnl_link_put(l);
    return rc < 0 ? NLFAIL(nl, rc, "creating vxlan %s (vni %u, %s -> %s over %s)", name, vni,
                           local, remote, dev)
                  : MN_OK;
}

static int get_link(mn_emu_nl *nl, const char *name, struct rtnl_link **out, mn_err *err)
{
    int rc = rtnl_link_get_kernel(nl->sk, 0, name, out);
    if (rc < 0)
        return MN_ERR(err, rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND ? MN_ENOTFOUND : MN_EIO,
                      "netns %s: link %s: %s", nl->ns, name, nl_geterror(rc));
    return MN_OK;
}

int mn_emu_link_index(mn_emu_nl *nl, const char *name, mn_err *err)
{
    struct rtnl_link *l;
    int rc = get_link(nl, name, &l, err);
    if (rc != MN_OK)
        return rc;
    int ifi = rtnl_link_get_ifindex(l);
    rtnl_link_put(l);
    return ifi;
}

int mn_emu_link_sync(mn_emu_nl *nl, const char *name, mn_err *err)
{
    int ifi = mn_emu_link_index(nl, name, err); /* rtnl_getlink: linkwatch_sync_dev first */
    return ifi < 0 ? ifi : MN_OK;
}

int mn_emu_link_bytes(mn_emu_nl *nl, const char *name, uint64_t *rx, uint64_t *tx, mn_err *err)
{
    struct rtnl_link *l;
    int rc = get_link(nl, name, &l, err);
    if (rc != MN_OK)
        return rc;
    *rx = rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES);
    *tx = rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES);
    rtnl_link_put(l);
    return MN_OK;
}

int mn_emu_link_mac(mn_emu_nl *nl, const char *name, unsigned char mac[6], mn_err *err)
{
    struct rtnl_link *l;
    int rc = get_link(nl, name, &l, err);
    if (rc != MN_OK)
        return rc;
    struct nl_addr *a = rtnl_link_get_addr(l);
    if (!a || nl_addr_get_len(a) != 6) {
        rtnl_link_put(l);
        return MN_ERR(err, MN_EINVAL, "netns %s: link %s has no MAC address", nl->ns, name);
    }
    memcpy(mac, nl_addr_get_binary_addr(a), 6);
    rtnl_link_put(l);
    return MN_OK;
}

int mn_emu_link_delete(mn_emu_nl *nl, const char *name, mn_err *err)
{
    struct rtnl_link *l = rtnl_link_alloc();
    if (!l)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    rtnl_link_set_name(l, name);
    int rc = rtnl_link_delete(nl->sk, l);
    rtnl_link_put(l);
    if (rc < 0 && rc != -NLE_NODEV && rc != -NLE_OBJ_NOTFOUND)
        return NLFAIL(nl, rc, "deleting link %s", name);
    return MN_OK;
}

/* Changes one link: fill sets the fields of the change request. */
static int change(mn_emu_nl *nl, const char *name, const char *what,
                  void (*fill)(struct rtnl_link *req, const void *arg), const void *arg,
                  mn_err *err)
{
    struct rtnl_link *cur, *req;
    int rc = get_link(nl, name, &cur, err);
    if (rc != MN_OK)
        return rc;
    req = rtnl_link_alloc();
    if (!req) {
        rtnl_link_put(cur);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    fill(req, arg);
    rc = rtnl_link_change(nl->sk, cur, req, 0);
    rtnl_link_put(req);
    rtnl_link_put(cur);
    return rc < 0 ? NLFAIL(nl, rc, "%s %s", what, name) : MN_OK;
}

static void fill_up(struct rtnl_link *req, const void *arg)
{
    if (*(const int *)arg)
        rtnl_link_set_flags(req, IFF_UP);
    else
        rtnl_link_unset_flags(req, IFF_UP);
}

static void fill_master(struct rtnl_link *req, const void *arg)
{
    rtnl_link_set_master(req, *(const int *)arg);
}

static void fill_ns(struct rtnl_link *req, const void *arg)
{
    rtnl_link_set_ns_fd(req, *(const int *)arg);
}

int mn_emu_link_set_up(mn_emu_nl *nl, const char *name, int up, mn_err *err)
{
    return change(nl, name, up ? "bringing up" : "bringing down", fill_up, &up, err);
}

int mn_emu_link_set_up_idx(mn_emu_nl *nl, int ifi, const char *name, int up, mn_err *err)
{
    struct rtnl_link *cur = rtnl_link_alloc(), *req = rtnl_link_alloc();
    int rc = -NLE_NOMEM;
    if (cur && req) {
        rtnl_link_set_ifindex(cur, ifi);
        fill_up(req, &up);
        rc = rtnl_link_change(nl->sk, cur, req, 0);
    }
    rtnl_link_put(req);
    rtnl_link_put(cur);
    return rc < 0 ? NLFAIL(nl, rc, "%s %s", up ? "bringing up" : "bringing down", name) : MN_OK;
}

int mn_emu_link_set_master(mn_emu_nl *nl, const char *name, const char *master, mn_err *err)
{
    int m = 0;
    if (master && (m = mn_emu_link_index(nl, master, err)) < 0)
        return m;
    return change(nl, name, master ? "enslaving to the bridge" : "releasing", fill_master, &m,
                  err);
}

int mn_emu_link_move(mn_emu_nl *nl, const char *name, int fd, mn_err *err)
{
    return change(nl, name, "moving to another namespace", fill_ns, &fd, err);
}

struct each_ctx {
    const char *prefix;
    int (*fn)(const char *, void *);
    void *ctx;
    int rc;
    char (*names)[IFNAMSIZ];
    size_t n, cap;
};

static void each_obj(struct nl_object *o, void *arg)
{
    struct each_ctx *c = arg;
    const char *name = rtnl_link_get_name((struct rtnl_link *)o);
    if (!name || c->n == c->cap)
        return;
    if (c->prefix ? strncmp(name, c->prefix, strlen(c->prefix)) != 0 : !mn_emu_is_run_name(name))
        return;
    snprintf(c->names[c->n++], IFNAMSIZ, "%s", name);
}

int mn_emu_link_each(mn_emu_nl *nl, const char *prefix, int (*fn)(const char *name, void *ctx),
                     void *ctx, mn_err *err)
{
    struct nl_cache *cache;
    int rc = rtnl_link_alloc_cache(nl->sk, AF_UNSPEC, &cache);
    if (rc < 0)
        return MN_ERR(err, MN_EIO, "netns %s: listing links: %s", nl->ns, nl_geterror(rc));
    /* names collected first: fn may delete links */
    size_t cap = (size_t)nl_cache_nitems(cache) + 1;
    char(*names)[IFNAMSIZ] = mn_calloc(cap, IFNAMSIZ);
    if (!names) {
        nl_cache_free(cache);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    struct each_ctx c = {prefix, fn, ctx, 0, names, 0, cap};
    nl_cache_foreach(cache, each_obj, &c);
    nl_cache_free(cache);
    for (size_t i = 0; i < c.n && c.rc == 0; i++)
        c.rc = fn(names[i], ctx);
    mn_free(names);
    return c.rc;
}

static int parse(mn_emu_nl *nl, const char *text, int family, struct nl_addr **out, mn_err *err)
{
    int rc = nl_addr_parse(text, family, out);
    if (rc < 0)
        return MN_ERR(err, MN_EINVAL, "netns %s: address \"%s\": %s", nl->ns, text,
                      nl_geterror(rc));
    return MN_OK;
}

int mn_emu_addr_add(mn_emu_nl *nl, const char *dev, const char *cidr, mn_err *err)
{
    int ifi = mn_emu_link_index(nl, dev, err);
    if (ifi < 0)
        return ifi;
    return mn_emu_addr_add_idx(nl, ifi, dev, cidr, err);
}

int mn_emu_addr_add_idx(mn_emu_nl *nl, int ifi, const char *dev, const char *cidr, mn_err *err)
{
    struct nl_addr *a;
    int rc = parse(nl, cidr, AF_UNSPEC, &a, err);
    if (rc != MN_OK)
        return rc;
    struct rtnl_addr *ad = rtnl_addr_alloc();
    rtnl_addr_set_ifindex(ad, ifi);
    rtnl_addr_set_local(ad, a);
    if (nl_addr_get_family(a) == AF_INET6)
        rtnl_addr_set_flags(ad, IFA_F_NODAD);
    rc = rtnl_addr_add(nl->sk, ad, NLM_F_CREATE | NLM_F_REPLACE);
    rtnl_addr_put(ad);
    nl_addr_put(a);
    return rc < 0 ? NLFAIL(nl, rc, "adding address %s on %s", cidr, dev) : MN_OK;
}

static struct rtnl_route *route_new(mn_emu_nl *nl, const char *dst, unsigned table,
                                    mn_err *err)
{
    struct nl_addr *d;
    if (parse(nl, dst, AF_UNSPEC, &d, err) != MN_OK)
        return NULL;
    struct rtnl_route *r = rtnl_route_alloc();
    rtnl_route_set_family(r, (uint8_t)nl_addr_get_family(d));
    rtnl_route_set_dst(r, d);
    nl_addr_put(d);
    rtnl_route_set_table(r, table ? table : RT_TABLE_MAIN);
    rtnl_route_set_protocol(r, RTPROT_STATIC);
    rtnl_route_set_type(r, RTN_UNICAST);
    return r;
}

int mn_emu_route_add(mn_emu_nl *nl, const char *dst, const char *gw, const char *dev,
                     unsigned table, int onlink, int replace, mn_err *err)
{
    int ifi = 0;
    if (dev && (ifi = mn_emu_link_index(nl, dev, err)) < 0)
        return ifi;
    return mn_emu_route_add_idx(nl, dst, gw, ifi, dev, table, onlink, replace, err);
}

int mn_emu_route_add_idx(mn_emu_nl *nl, const char *dst, const char *gw, int ifi,
                         const char *dev, unsigned table, int onlink, int replace, mn_err *err)
{
    struct rtnl_route *r = route_new(nl, dst, table, err);
    if (!r)
        return err ? err->code : MN_EINVAL;
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    int rc = MN_OK;
    if (ifi > 0)
        rtnl_route_nh_set_ifindex(nh, ifi);
    if (gw) {
        struct nl_addr *g;
        if ((rc = parse(nl, gw, rtnl_route_get_family(r), &g, err)) != MN_OK)
            goto out;
        rtnl_route_nh_set_gateway(nh, g);
        nl_addr_put(g);
    } else {
        rtnl_route_set_scope(r, RT_SCOPE_LINK);
    }
    if (onlink)
        rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
    rtnl_route_add_nexthop(r, nh);
    nh = NULL;
    int nrc = rtnl_route_add(nl->sk, r, NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL));
    if (nrc < 0)
        rc = NLFAIL(nl, nrc, "adding route %s via %s dev %s table %u", dst, gw ? gw : "-",
                    dev ? dev : "-", table);
out:
    if (nh)
        rtnl_route_nh_free(nh);
    rtnl_route_put(r);
    return rc;
}

int mn_emu_route_del(mn_emu_nl *nl, const char *dst, unsigned table, mn_err *err)
{
    struct rtnl_route *r = route_new(nl, dst, table, err);
    if (!r)
        return err ? err->code : MN_EINVAL;
    rtnl_route_set_scope(r, RT_SCOPE_NOWHERE);
    int rc = rtnl_route_delete(nl->sk, r, 0);
    rtnl_route_put(r);
    if (rc < 0 && rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NOADDR)
        return NLFAIL(nl, rc, "deleting route %s table %u", dst, table);
    return MN_OK;
}

static int rule(mn_emu_nl *nl, const char *src, unsigned table, unsigned prio, int add,
                mn_err *err)
{
    struct nl_addr *s;
    int rc = parse(nl, src, AF_UNSPEC, &s, err);
    if (rc != MN_OK)
        return rc;
    struct rtnl_rule *r = rtnl_rule_alloc();
    rtnl_rule_set_family(r, nl_addr_get_family(s));
    rtnl_rule_set_src(r, s);
    rtnl_rule_set_table(r, table);
    rtnl_rule_set_prio(r, prio);
    rtnl_rule_set_action(r, FR_ACT_TO_TBL);
    rc = add ? rtnl_rule_add(nl->sk, r, NLM_F_CREATE) : rtnl_rule_delete(nl->sk, r, 0);
    rtnl_rule_put(r);
    nl_addr_put(s);
    if (rc < 0 && !(rc == -NLE_OBJ_NOTFOUND && !add))
        return NLFAIL(nl, rc, "%s rule from %s lookup %u", add ? "adding" : "deleting", src,
                      table);
    return MN_OK;
}

int mn_emu_rule_add(mn_emu_nl *nl, const char *src, unsigned table, unsigned prio, mn_err *err)
{
    return rule(nl, src, table, prio, 1, err);
}

int mn_emu_rule_del(mn_emu_nl *nl, const char *src, unsigned table, unsigned prio, mn_err *err)
{
    return rule(nl, src, table, prio, 0, err);
}

int mn_emu_neigh_add(mn_emu_nl *nl, const char *dev, const char *ip, const unsigned char mac[6],
                     mn_err *err)
{
    int ifi = mn_emu_link_index(nl, dev, err);
    if (ifi < 0)
        return ifi;
    struct nl_addr *a, *ll;
    int rc = parse(nl, ip, AF_UNSPEC, &a, err);
    if (rc != MN_OK)
        return rc;
    ll = nl_addr_build(AF_LLC, mac, 6);
    struct rtnl_neigh *n = rtnl_neigh_alloc();
    rtnl_neigh_set_ifindex(n, ifi);
    rtnl_neigh_set_dst(n, a);
    rtnl_neigh_set_lladdr(n, ll);
    rtnl_neigh_set_state(n, NUD_PERMANENT);
    rc = rtnl_neigh_add(nl->sk, n, NLM_F_CREATE | NLM_F_REPLACE);
    rtnl_neigh_put(n);
    nl_addr_put(a);
    nl_addr_put(ll);
    return rc < 0 ? NLFAIL(nl, rc, "adding neighbour %s on %s", ip, dev) : MN_OK;
}
