/* fwdnl.c - policy rules with selectors and point-to-point VXLAN through libnl; see fwdnl.h. */
#include "fwdnl.h"

#include <linux/fib_rules.h>
#include <linux/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/rule.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define NLFAIL(nl, rc, what, ...)                                                                  \
    MN_ERR(err, MN_EIO, "netns %s: " what ": %s", (nl)->ns, __VA_ARGS__, nl_geterror(rc))

static int parse(mn_emu_nl *nl, const char *text, struct nl_addr **out, mn_err *err)
{
    int rc = nl_addr_parse(text, AF_UNSPEC, out);
    if (rc < 0)
        return MN_ERR(err, MN_EINVAL, "netns %s: address \"%s\": %s", nl->ns, text,
                      nl_geterror(rc));
    return MN_OK;
}

int mn_emu_rule_sel(mn_emu_nl *nl, int family, const char *src, const char *dst, const char *iif,
                    unsigned table, unsigned prio, int add, mn_err *err)
{
    struct nl_addr *s = NULL, *d = NULL;
    if (src && parse(nl, src, &s, err) != MN_OK)
        return MN_EINVAL;
    if (dst && parse(nl, dst, &d, err) != MN_OK) {
        nl_addr_put(s);
        return MN_EINVAL;
    }
    struct rtnl_rule *r = rtnl_rule_alloc();
    if (!r) {
        nl_addr_put(s);
        nl_addr_put(d);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    rtnl_rule_set_family(r, s ? nl_addr_get_family(s) : d ? nl_addr_get_family(d) : family);
    if (s)
        rtnl_rule_set_src(r, s);
    if (d)
        rtnl_rule_set_dst(r, d);
    if (iif)
        rtnl_rule_set_iif(r, iif);
    rtnl_rule_set_table(r, table);
    rtnl_rule_set_prio(r, prio);
    rtnl_rule_set_action(r, FR_ACT_TO_TBL);
    int rc =
        add ? rtnl_rule_add(nl->sk, r, NLM_F_CREATE | NLM_F_EXCL) : rtnl_rule_delete(nl->sk, r, 0);
    rtnl_rule_put(r);
    nl_addr_put(s);
    nl_addr_put(d);
    if (rc < 0 && !(add && rc == -NLE_EXIST) && !(!add && rc == -NLE_OBJ_NOTFOUND))
        return NLFAIL(nl, rc, "%s rule from %s to %s iif %s lookup %u", add ? "adding" : "deleting",
                      src ? src : "all", dst ? dst : "all", iif ? iif : "any", table);
    return MN_OK;
}

int mn_emu_vxlan_p2p(mn_emu_nl *nl, const char *name, unsigned vni, const char *local,
                     const char *remote, mn_err *err)
{
    if (strlen(name) >= IFNAMSIZ)
        return MN_ERR(err, MN_EINVAL, "vxlan %s: name longer than %d bytes", name, IFNAMSIZ - 1);
    struct nl_addr *la = NULL, *ra = NULL;
    if (parse(nl, local, &la, err) != MN_OK)
        return MN_EINVAL;
    if (parse(nl, remote, &ra, err) != MN_OK) {
        nl_addr_put(la);
        return MN_EINVAL;
    }
    struct rtnl_link *l = rtnl_link_vxlan_alloc();
    if (!l) {
        nl_addr_put(la);
        nl_addr_put(ra);
        return MN_ERR(err, MN_ENOMEM, "vxlan %s: out of memory", name);
    }
    rtnl_link_set_name(l, name);
    rtnl_link_vxlan_set_id(l, vni);
    rtnl_link_vxlan_set_port(l, 4789);
    rtnl_link_vxlan_set_local(l, la);
    rtnl_link_vxlan_set_group(l, ra); /* a unicast "group" is the remote end */
    int rc = rtnl_link_add(nl->sk, l, NLM_F_CREATE | NLM_F_EXCL);
    nl_addr_put(la);
    nl_addr_put(ra);
    rtnl_link_put(l);
    return rc < 0 ? NLFAIL(nl, rc, "creating vxlan %s (vni %u, %s -> %s)", name, vni, local, remote)
                  : MN_OK;
}

int mn_emu_link_noarp(mn_emu_nl *nl, const char *name, mn_err *err)
{
    struct rtnl_link *cur, *req;
    int rc = rtnl_link_get_kernel(nl->sk, 0, name, &cur);
    if (rc < 0)
        return NLFAIL(nl, rc, "link %s", name);
    req = rtnl_link_alloc();
    if (!req) {
        rtnl_link_put(cur);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    rtnl_link_set_flags(req, IFF_NOARP);
    rc = rtnl_link_change(nl->sk, cur, req, 0);
    rtnl_link_put(req);
    rtnl_link_put(cur);
    return rc < 0 ? NLFAIL(nl, rc, "setting NOARP on %s", name) : MN_OK;
}
