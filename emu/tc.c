/* tc.c - tbf and htb qdiscs, htb classes and u32 filters via libnl-route-3; see tc.h. */
#include "tc.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>
#include <stdio.h>
#include <string.h>

#define NLFAIL(nl, rc, what, ...) \
    MN_ERR(err, MN_EIO, "netns %s: " what ": %s", (nl)->ns, __VA_ARGS__, nl_geterror(rc))

static int bytes_per_s(double bps, uint64_t *out, const char *dev, mn_err *err)
{
    if (!(bps > 0) || bps > MN_EMU_TC_MAX_BPS)
        return MN_ERR(err, MN_ERANGE, "%s: rate %.0f bit/s outside (0, %.0f]", dev, bps,
                      MN_EMU_TC_MAX_BPS);
    *out = (uint64_t)(bps / 8.0);
    if (*out == 0)
        *out = 1;
    return MN_OK;
}

/* A new root qdisc object for interface ifi, or NULL with err set. The caller frees it. */
static struct rtnl_qdisc *root_qdisc(int ifi, mn_err *err)
{
    struct rtnl_qdisc *q = rtnl_qdisc_alloc();
    if (!q) {
        MN_ERR(err, MN_ENOMEM, "out of memory");
        return NULL;
    }
    rtnl_tc_set_ifindex(TC_CAST(q), ifi);
    rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
    return q;
}

int mn_emu_tc_tbf(mn_emu_nl *nl, const char *dev, double rate_bps, mn_err *err)
{
    uint64_t rate = 0;
    int ifi = mn_emu_link_index(nl, dev, err), rc;
    if (ifi < 0)
        return ifi;
    if ((rc = bytes_per_s(rate_bps, &rate, dev, err)) != MN_OK)
        return rc;
    double burst = (double)rate * 0.004;
    if (burst < 2 * 1514)
        burst = 2 * 1514;
    double limit = burst + (double)rate * 0.020;
    if (limit > 2147483647.0)
        limit = 2147483647.0;
    struct rtnl_qdisc *q = root_qdisc(ifi, err);
    if (!q)
        return MN_ENOMEM;
    rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(0x10, 0));
    rtnl_tc_set_kind(TC_CAST(q), "tbf");
    rtnl_qdisc_tbf_set_limit(q, (int)limit);
    rtnl_qdisc_tbf_set_rate(q, (int)rate, (int)burst, 0);
    rc = rtnl_qdisc_add(nl->sk, q, NLM_F_CREATE | NLM_F_REPLACE);
    rtnl_qdisc_put(q);
    return rc < 0 ? NLFAIL(nl, rc, "tbf %.0f bit/s on %s", rate_bps, dev) : MN_OK;
}

int mn_emu_tc_htb(mn_emu_nl *nl, const char *dev, unsigned defminor, mn_err *err)
{
    int ifi = mn_emu_link_index(nl, dev, err);
    if (ifi < 0)
        return ifi;
    struct rtnl_qdisc *q = root_qdisc(ifi, err);
    if (!q)
        return MN_ENOMEM;
    rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(1, 0));
    rtnl_tc_set_kind(TC_CAST(q), "htb");
    rtnl_htb_set_defcls(q, TC_HANDLE(1, defminor));
    rtnl_htb_set_rate2quantum(q, 10);
    int rc = rtnl_qdisc_add(nl->sk, q, NLM_F_CREATE | NLM_F_REPLACE);
    rtnl_qdisc_put(q);
    return rc < 0 ? NLFAIL(nl, rc, "htb on %s", dev) : MN_OK;
}

int mn_emu_tc_htb_class(mn_emu_nl *nl, const char *dev, unsigned parent_minor, unsigned minor,
                        double rate_bps, double ceil_bps, mn_err *err)
{
    uint64_t rate = 0, ceil = 0;
    int ifi = mn_emu_link_index(nl, dev, err), rc;
    if (ifi < 0)
        return ifi;
    if ((rc = bytes_per_s(rate_bps, &rate, dev, err)) != MN_OK ||
        (rc = bytes_per_s(ceil_bps < rate_bps ? rate_bps : ceil_bps, &ceil, dev, err)) != MN_OK)
        return rc;
    struct rtnl_class *c = rtnl_class_alloc();
    if (!c)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    rtnl_tc_set_ifindex(TC_CAST(c), ifi);
    rtnl_tc_set_parent(TC_CAST(c), parent_minor ? TC_HANDLE(1, parent_minor) : TC_HANDLE(1, 0));
    rtnl_tc_set_handle(TC_CAST(c), TC_HANDLE(1, minor));
    rtnl_tc_set_kind(TC_CAST(c), "htb");
    rtnl_htb_set_rate64(c, rate);
    rtnl_htb_set_ceil64(c, ceil);
    /* a burst of 4 ms at the ceiling, as for tbf (tc.h) */
    uint32_t burst = (uint32_t)((double)ceil * 0.004 < 3028 ? 3028 : (double)ceil * 0.004);
    rtnl_htb_set_rbuffer(c, burst);
    rtnl_htb_set_cbuffer(c, burst);
    rc = rtnl_class_add(nl->sk, c, NLM_F_CREATE);
    rtnl_class_put(c);
    return rc < 0 ? NLFAIL(nl, rc, "htb class 1:%x (%.0f bit/s) on %s", minor, rate_bps, dev)
                  : MN_OK;
}

/* A u32 classifier on dev's root qdisc 1: at prio for protocol; MN_OK and *out, to fill and add. */
static int u32_alloc(mn_emu_nl *nl, const char *dev, unsigned prio, unsigned protocol,
                     struct rtnl_cls **out, mn_err *err)
{
    *out = NULL;
    int ifi = mn_emu_link_index(nl, dev, err);
    if (ifi < 0)
        return ifi;
    struct rtnl_cls *c = rtnl_cls_alloc();
    if (!c)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    rtnl_tc_set_ifindex(TC_CAST(c), ifi);
    rtnl_tc_set_parent(TC_CAST(c), TC_HANDLE(1, 0));
    rtnl_tc_set_kind(TC_CAST(c), "u32");
    rtnl_cls_set_prio(c, (uint16_t)prio);
    rtnl_cls_set_protocol(c, (uint16_t)protocol);
    *out = c;
    return MN_OK;
}

int mn_emu_tc_u32_ip(mn_emu_nl *nl, const char *dev, uint32_t addr, int dst, unsigned minor,
                     unsigned handle, mn_err *err)
{
    struct rtnl_cls *c;
    int rc0 = u32_alloc(nl, dev, 10, ETH_P_IP, &c, err);
    if (rc0 != MN_OK)
        return rc0;
    rtnl_u32_set_handle(c, 0x800, 0, (int)handle);
    /* IPv4 header: source at byte 12, destination at 16 */
    rtnl_u32_add_key_uint32(c, addr, 0xffffffffu, dst ? 16 : 12, 0);
    rtnl_u32_set_classid(c, TC_HANDLE(1, minor));
    rtnl_u32_set_cls_terminal(c);
    int rc = rtnl_cls_add(nl->sk, c, NLM_F_CREATE | NLM_F_REPLACE);
    rtnl_cls_put(c);
    return rc < 0 ? NLFAIL(nl, rc, "u32 filter to class 1:%x on %s", minor, dev) : MN_OK;
}

/*
 * IPv6 filters sit in a u32 instance of their own (prio 11: one prio holds one protocol),
 * whose root hash table's id the kernel picks (0x801: after the IPv4 one's 0x800, on this
 * qdisc's shared u32 state), so they are added with the node id only (htid 0: that root)
 * and found again by it to be removed (mn_emu_tc_u32_ip6_del).
 */
#define U32_PRIO6 11

int mn_emu_tc_u32_ip6(mn_emu_nl *nl, const char *dev, const uint8_t addr[16], int dst,
                      unsigned minor, unsigned node, mn_err *err)
{
    struct rtnl_cls *c;
    int rc0 = u32_alloc(nl, dev, U32_PRIO6, ETH_P_IPV6, &c, err);
    if (rc0 != MN_OK)
        return rc0;
    rtnl_u32_set_handle(c, 0, 0, (int)node);
    /* IPv6 header: source at byte 8, destination at 24, 128 bits as four 32-bit keys */
    for (int k = 0; k < 4; k++) {
        uint32_t w;
        memcpy(&w, addr + 4 * k, 4);
        rtnl_u32_add_key_uint32(c, ntohl(w), 0xffffffffu, (dst ? 24 : 8) + 4 * k, 0);
    }
    rtnl_u32_set_classid(c, TC_HANDLE(1, minor));
    rtnl_u32_set_cls_terminal(c);
    int rc = rtnl_cls_add(nl->sk, c, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_cls_put(c);
    return rc < 0 ? NLFAIL(nl, rc, "IPv6 u32 filter %x to class 1:%x on %s", node, minor, dev)
                  : MN_OK;
}

int mn_emu_tc_u32_ip6_del(mn_emu_nl *nl, const char *dev, unsigned node, mn_err *err)
{
    int ifi = mn_emu_link_index(nl, dev, err);
    if (ifi < 0)
        return ifi;
    struct nl_cache *cache;
    int rc = rtnl_cls_alloc_cache(nl->sk, ifi, TC_HANDLE(1, 0), &cache);
    if (rc < 0)
        return NLFAIL(nl, rc, "listing the filters of %s", dev);
    for (struct nl_object *o = nl_cache_get_first(cache); o && rc >= 0; o = nl_cache_get_next(o)) {
        struct rtnl_cls *c = (struct rtnl_cls *)o;
        uint32_t h = rtnl_tc_get_handle(TC_CAST(c));
        if (rtnl_cls_get_prio(c) == U32_PRIO6 && rtnl_cls_get_protocol(c) == ETH_P_IPV6 &&
            (h & 0xfffffu) == node) /* hash 0, node id: ours */
            rc = rtnl_cls_delete(nl->sk, c, 0);
    }
    nl_cache_free(cache);
    if (rc < 0 && rc != -NLE_OBJ_NOTFOUND)
        return NLFAIL(nl, rc, "removing IPv6 u32 filter %x on %s", node, dev);
    return MN_OK;
}

int mn_emu_tc_clear(mn_emu_nl *nl, const char *dev, mn_err *err)
{
    int ifi = mn_emu_link_index(nl, dev, err);
    if (ifi < 0)
        return ifi;
    struct rtnl_qdisc *q = root_qdisc(ifi, err);
    if (!q)
        return MN_ENOMEM;
    int rc = rtnl_qdisc_delete(nl->sk, q);
    rtnl_qdisc_put(q);
    if (rc < 0 && rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NOATTR && rc != -NLE_INVAL)
        return NLFAIL(nl, rc, "removing the root qdisc of %s", dev);
    return MN_OK;
}

int mn_emu_tc_root_kind(mn_emu_nl *nl, const char *dev, char *buf, unsigned len, mn_err *err)
{
    int ifi = mn_emu_link_index(nl, dev, err);
    if (ifi < 0)
        return ifi;
    struct nl_cache *cache;
    int rc = rtnl_qdisc_alloc_cache(nl->sk, &cache);
    if (rc < 0)
        return NLFAIL(nl, rc, "listing qdiscs of %s", dev);
    struct rtnl_qdisc *q = rtnl_qdisc_get_by_parent(cache, ifi, TC_H_ROOT);
    snprintf(buf, len, "%s", q ? rtnl_tc_get_kind(TC_CAST(q)) : "none");
    if (q)
        rtnl_qdisc_put(q);
    nl_cache_free(cache);
    return MN_OK;
}
