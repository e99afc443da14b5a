/*
 * link.h - links, addresses, routes and rules in one network namespace,
 * through libnl-route-3 (never `ip`, never a shell).
 *
 * Owns:      an mn_emu_nl owns its netlink socket (opened inside the
 *            namespace it was given: a socket stays in the namespace it was
 *            created in, whatever the thread does later).
 * Invariant: every error message names the namespace and the interface
 *            and keeps nl_geterror()'s text.
 *
 * Addresses and prefixes are text ("10.0.0.1/24", "fd00::1/128",
 * "0.0.0.0/0"): libnl parses them (nl_addr_parse). IPv6 addresses are added
 * with IFA_F_NODAD.
 */
#ifndef MN_EMU_LINK_H
#define MN_EMU_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/err.h"

struct nl_sock;

typedef struct mn_emu_nl {
    struct nl_sock *sk; /* owned */
    char ns[64];        /* the namespace's name, for messages ("host": the caller's) */
} mn_emu_nl;

/* Opens a socket in namespace ns (NULL: the caller's). */
int mn_emu_nl_open(mn_emu_nl *nl, const char *ns, mn_err *err);
void mn_emu_nl_close(mn_emu_nl *nl); /* safe on a zeroed or closed handle */

/*
 * A veth pair: end a in namespace fd_a, end b in namespace fd_b (-1: the
 * socket's namespace), each created directly there (no move afterwards).
 */
int mn_emu_veth_create(mn_emu_nl *nl, const char *a, int fd_a, const char *b, int fd_b,
                       mn_err *err);
/*
 * The same in one request, end a up and enslaved to the bridge of ifindex master_a in
 * its namespace (0: none); end b is left down (the kernel cannot open it in the same
 * request): bring it up from its namespace.
 */
int mn_emu_veth_create_up(mn_emu_nl *nl, const char *a, int fd_a, int master_a, const char *b,
                          int fd_b, mn_err *err);
/* A Linux bridge (STP off, forwarding delay 0). */
int mn_emu_bridge_create(mn_emu_nl *nl, const char *name, mn_err *err);
/* A VXLAN device: vni, local and remote (unicast) addresses, UDP 4789, over dev. */
int mn_emu_vxlan_create(mn_emu_nl *nl, const char *name, unsigned vni, const char *local,
                        const char *remote, const char *dev, mn_err *err);
int mn_emu_link_delete(mn_emu_nl *nl, const char *name, mn_err *err);
int mn_emu_link_set_up(mn_emu_nl *nl, const char *name, int up, mn_err *err);
/* The same for the link of ifindex ifi (name: for messages): one request, no lookup. */
int mn_emu_link_set_up_idx(mn_emu_nl *nl, int ifi, const char *name, int up, mn_err *err);
/* Enslaves name to bridge master (master NULL: releases it). */
int mn_emu_link_set_master(mn_emu_nl *nl, const char *name, const char *master, mn_err *err);
/* Moves a link into namespace fd. */
int mn_emu_link_move(mn_emu_nl *nl, const char *name, int fd, mn_err *err);
/* ifindex of name, or a negative MN_E* (MN_ENOTFOUND). */
int mn_emu_link_index(mn_emu_nl *nl, const char *name, mn_err *err);
/*
 * Waits for a link that just got its carrier to carry traffic: the kernel applies a
 * carrier change later, in its linkwatch work (operstate, the qdisc's activation, a
 * bridge's port state), but runs the link's pending work before answering an
 * RTM_GETLINK for it (rtnl_getlink: linkwatch_sync_dev), which this sends.
 */
int mn_emu_link_sync(mn_emu_nl *nl, const char *name, mn_err *err);
/* Its MAC address (6 bytes). */
int mn_emu_link_mac(mn_emu_nl *nl, const char *name, unsigned char mac[6], mn_err *err);
/* Its byte counters since creation (rtnl_link_get_stat RX/TX bytes, read from the kernel now). */
int mn_emu_link_bytes(mn_emu_nl *nl, const char *name, uint64_t *rx, uint64_t *tx, mn_err *err);

/* Calls fn(name, ctx) for each link whose name starts with prefix (NULL: run names). */
int mn_emu_link_each(mn_emu_nl *nl, const char *prefix, int (*fn)(const char *name, void *ctx),
                     void *ctx, mn_err *err);

int mn_emu_addr_add(mn_emu_nl *nl, const char *dev, const char *cidr, mn_err *err);
/* The same on the device of ifindex ifi (dev: its name, for messages): no lookup. */
int mn_emu_addr_add_idx(mn_emu_nl *nl, int ifi, const char *dev, const char *cidr, mn_err *err);

/*
 * Adds (or with replace, replaces) a route to dst ("a.b.c.d/n", "x::/n")
 * via gw (NULL: on-link) out of dev (NULL: chosen by the kernel from gw) in
 * table (0: main). onlink: the gateway is on the link even if no address
 * says so.
 */
int mn_emu_route_add(mn_emu_nl *nl, const char *dst, const char *gw, const char *dev,
                     unsigned table, int onlink, int replace, mn_err *err);
/* The same out of the device of ifindex ifi (0: none; dev: its name, for messages). */
int mn_emu_route_add_idx(mn_emu_nl *nl, const char *dst, const char *gw, int ifi,
                         const char *dev, unsigned table, int onlink, int replace, mn_err *err);
/* Deletes a route to dst in table; absent is not an error. */
int mn_emu_route_del(mn_emu_nl *nl, const char *dst, unsigned table, mn_err *err);
/* A policy rule: packets from src (a prefix) look up table, at priority prio. */
int mn_emu_rule_add(mn_emu_nl *nl, const char *src, unsigned table, unsigned prio, mn_err *err);
int mn_emu_rule_del(mn_emu_nl *nl, const char *src, unsigned table, unsigned prio, mn_err *err);
/* A permanent neighbour entry: ip is at mac on dev. */
int mn_emu_neigh_add(mn_emu_nl *nl, const char *dev, const char *ip, const unsigned char mac[6],
                     mn_err *err);

#endif /* MN_EMU_LINK_H */
