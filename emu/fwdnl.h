/*
 * fwdnl.h - the netlink requests the forwarding planes need beyond link.h:
 * policy rules that also select on the input interface and the destination,
 * and a point-to-point VXLAN without a lower device (it survives its
 * namespace's veth being re-plumbed). Through libnl-route-3, never `ip`.
 *
 * Owns:      nothing (rules and links belong to their namespace).
 * Invariant: errors name the namespace and keep nl_geterror()'s text;
 *            deleting what is absent is not an error.
 */
#ifndef MN_EMU_FWDNL_H
#define MN_EMU_FWDNL_H

#include "link.h"

/*
 * Adds (add = 1) or deletes (add = 0) the rule "[from src] [to dst] [iif iif] lookup table"
 * at priority prio; src and dst are prefixes ("10.101.0.1/32"), NULL or iif NULL: any. family
 * AF_INET or AF_INET6 (a rule with neither prefix needs it). Adding an existing rule is not an
 * error.
 */
int mn_emu_rule_sel(mn_emu_nl *nl, int family, const char *src, const char *dst, const char *iif,
                    unsigned table, unsigned prio, int add, mn_err *err);
/*
 * A VXLAN device name (vni, UDP 4789) whose outer packets go from local to the unicast
 * remote, routed by the namespace's tables (no lower device).
 */
int mn_emu_vxlan_p2p(mn_emu_nl *nl, const char *name, unsigned vni, const char *local,
                     const char *remote, mn_err *err);

/*
 * Sets IFF_NOARP on a link: a radio's bridge in dom0 must not answer ARP itself for
 * dom0's gateway address (169.254.0.1 lives on the radio's routed end, <P>a<r>): a user
 * that took the bridge's MAC would enter dom0 past the radio's shaping and its iif rules.
 */
int mn_emu_link_noarp(mn_emu_nl *nl, const char *name, mn_err *err);

#endif /* MN_EMU_FWDNL_H */
