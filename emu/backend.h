/*
 * backend.h - the emulation backend: a loaded world rendered as network
 * namespaces, veth, bridges, VXLAN and tc on this Linux host, behind the
 * same mn_backend_ops as the simulator's (place, remove, associate,
 * migrate, tunnel, set_qos, power).
 *
 * Owns:      every namespace and link it creates (all named with its run
 *            prefix, names.h), its netlink sockets and its name table.
 * Borrows:   the world and net (they must outlive it).
 * Invariant: only objects whose names start with the run prefix are ever
 *            created, changed or deleted; mn_emu_destroy(keep = 0) removes
 *            every one of them (deleting a namespace deletes its links).
 *
 * The layout (docs/emulation.md has the picture and the address plan):
 *   - one namespace per topology node (underlay router, with a server
 *     address on lo), one for "the Internet" (boxes without a node), one
 *     dom0 per box, one per vAP or VM instance, one per user;
 *   - topology links and box uplinks are veth pairs shaped by tbf at their
 *     capacity, routed by static host routes on hop-count shortest paths;
 *     those with a latency are instead a tap at each end, shaped the same,
 *     joined by the delay line (delayline.h, owned here: its thread is
 *     joined and the taps closed before the namespaces are deleted);
 *   - in dom0: a bridge (<prefix>lan) joining the instances' veths, and per
 *     radio a shaped segment: a veth pair whose dom0 end (<prefix>a<r>)
 *     carries an htb at the radio's capacity (a class per vAP: its airtime
 *     share) and whose other end sits on the radio's bridge with the users;
 *   - instances and users keep one address for the whole run (IPv4 /32 and
 *     IPv6 /128, gateway 169.254.0.1 / fe80::1 in dom0): placing, migrating
 *     or associating moves the veth and re-routes the address (dom0 and
 *     underlay host routes), then the endpoint sends a gratuitous ARP and an
 *     unsolicited neighbour advertisement;
 *   - VXLAN (VNI = 1000 + tunnel) between dom0s over their uplinks, used by
 *     vAPs with tunnel="site": their users' traffic is policy-routed into it;
 *   - a plane="domu" vAP: a routed veth between dom0 and its namespace, which
 *     forwards its users' traffic (dom0 policy-routes it there by input
 *     interface); a virtual network: a VXLAN per virtual link between its VMs'
 *     namespaces (tbf at its capacity), one per vAP from its dom0 to its via VM,
 *     and per-user rules along the chain (VNIs 2000 + vlink, 3000 + vAP).
 */
#ifndef MN_EMU_BACKEND_H
#define MN_EMU_BACKEND_H

#include <stdint.h>
#include <stdio.h>

#include "names.h"
#include "sim/core/err.h"
#include "sim/models/net.h"
#include "sim/policies/policy.h"

#define MN_EMU_MAX_NAMESPACES 1000

typedef struct mn_emu mn_emu;

/* What a build reports (for summary.json and the front end). */
typedef struct mn_emu_counts {
    unsigned namespaces, links, qdiscs, routes;
} mn_emu_counts;

/*
 * Checks the world fits (at most MN_EMU_MAX_NAMESPACES namespaces: else
 * MN_ERANGE naming the count and what it is made of) and allocates.
 * prefix: the run prefix (names.h). Nothing is created yet.
 */
int mn_emu_create(const mn_net *n, const char *prefix, mn_emu **out, mn_err *err);
/*
 * Creates the underlay, the boxes' dom0s with their bridges and radios,
 * places the instances the scenario pinned to a box and the movable ones on
 * their first candidate box, and opens the scenario's tunnels. stop: polled
 * between steps (a signal arrived): returns MN_EIO "interrupted".
 */
int mn_emu_build(mn_emu *e, volatile const int *stop, mn_err *err);
/*
 * Before mn_emu_build: leave the movable instances unplaced (and their would-be
 * users unassociated), for the scenario's placement policy (emu/policy.h).
 */
void mn_emu_defer_movable(mn_emu *e);
/*
 * Before mn_emu_build: on (the default), every topology link and box uplink
 * with a latency > 0 is a tap pair joined by the user-space delay line
 * (emu/delayline.h), the others veth; off: veth everywhere, latencies not
 * emulated (listed by mn_emu_write_limits).
 */
void mn_emu_set_delay(mn_emu *e, int on);
int mn_emu_delay_on(const mn_emu *e);
/*
 * Associates every user without a vAP with the placed vAP of its operator
 * and stack that has the highest PHY rate at pos[u] (NULL: every user at
 * home); users no vAP reaches stay unassociated. Returns MN_OK or the
 * backend's error.
 */
int mn_emu_associate_unserved(mn_emu *e, const mn_pos *pos, mn_err *err);
/* Network namespaces n's world needs: box dom0s, vAPs, VMs, users, topology nodes, the Internet. */
size_t mn_emu_namespaces_needed(const mn_net *n);
/* Where vAP v is, for association: *box (MN_NONE: not placed) and *radio. */
typedef void (*mn_emu_vap_at)(const void *ctx, uint32_t v, uint32_t *box, uint32_t *radio);
/*
 * The emulation's association rule, on any placement (`where`): of the placed
 * vAPs of operator op sharing a stack with `stacks`, the one whose radio gives
 * the highest PHY rate at `at` (within its range); MN_NONE when none reaches.
 * Used at build and by mn_emu_associate_unserved, and by emu/part.c.
 */
uint32_t mn_emu_best_vap(const mn_world *w, mn_emu_vap_at where, const void *ctx, uint32_t op,
                         unsigned stacks, mn_pos at);
/*
 * A fault's effect (emu/faults.c): kind MN_FAULT_BOX takes box idx's uplink and radio
 * segments down, MN_FAULT_RADIO radio idx's segment, MN_FAULT_LINK topology link idx's
 * two ends (veth: both down; tap: both carriers off); what is placed and associated stays,
 * cut off. up = 1 brings them back, with the routes the kernel dropped meanwhile (default
 * routes, the users' host routes, for a link the underlay's) and each re-plumbed user's
 * gratuitous ARP / NA. MN_FAULT_VM: MN_EINVAL (not emulated).
 */
int mn_emu_fault(mn_emu *e, int kind, uint32_t idx, int up, mn_err *err);
/* The backend, for policies and the front end. */
const mn_backend *mn_emu_backend(mn_emu *e);
/* Removes everything (keep = 0) or leaves it for inspection; frees e. NULL is a no-op. */
void mn_emu_destroy(mn_emu *e, int keep);

/* Removes leftover namespaces and host links of a prefix (NULL: every run prefix). */
int mn_emu_cleanup(const char *prefix, unsigned *removed, mn_err *err);

/* ---- what traffic, capture and reports need ---- */
const char *mn_emu_prefix(const mn_emu *e);
/* The delay line and its counters (borrowed; NULL: no link is delayed). */
const struct mn_emu_dl *mn_emu_delayline(const mn_emu *e);
mn_emu_counts mn_emu_get_counts(const mn_emu *e);
/* The vAP a user is associated with (MN_NONE) and its namespace, interface, IPv4 address. */
uint32_t mn_emu_user_vap(const mn_emu *e, uint32_t u);
const char *mn_emu_user_ns(const mn_emu *e, uint32_t u);
const char *mn_emu_user_if(const mn_emu *e, uint32_t u);
uint32_t mn_emu_user_ip(const mn_emu *e, uint32_t u); /* host byte order */
/* Where a user's sessions of service s end: namespace and IPv4 address; MN_ENOTFOUND when unplaced. */
int mn_emu_service_end(const mn_emu *e, uint32_t u, uint32_t s, const char **ns, uint32_t *ip);
/* A box's dom0 namespace and its uplink interface. */
const char *mn_emu_box_ns(const mn_emu *e, uint32_t b);
const char *mn_emu_box_uplink(const mn_emu *e);
/* A radio's emulated capacity (bit/s) and a box's uplink rate as shaped. */
double mn_emu_radio_bps(const mn_emu *e, uint32_t r);
/* The box an instance is on (MN_NONE), and a vAP's radio (MN_NONE). */
uint32_t mn_emu_inst_box(const mn_emu *e, uint32_t i);
uint32_t mn_emu_inst_radio(const mn_emu *e, uint32_t i);
/* The dom0 end of a radio's shaped segment (<prefix>a<r>, in its box's dom0); a static buffer. */
const char *mn_emu_radio_dev(const mn_emu *e, uint32_t r);
/* An instance's namespace and its veth's bridge port in its box's dom0 (<prefix>p<i>). */
const char *mn_emu_inst_ns(const mn_emu *e, uint32_t i);
const char *mn_emu_inst_port(const mn_emu *e, uint32_t i);
uint32_t mn_emu_inst_ip(const mn_emu *e, uint32_t i); /* host byte order */
/*
 * The IPv6 address (network byte order) of the endpoint whose IPv4 address is
 * ip4 (an instance's, user's or server's: docs/emulation.md "Address plan").
 */
void mn_emu_endpoint_ip6(uint32_t ip4, uint8_t out[16]);
/*
 * Whether instance i forwards its users' traffic in its own namespace: a vAP with
 * plane="domu", or a VM of a virtual network (docs/emulation.md "Plane separation",
 * "Virtual networks").
 */
int mn_emu_inst_forwards(const mn_emu *e, uint32_t i);
/* Writes the name table: kind,scenario_id,namespace,interface,ipv4,ipv6 (CSV with header). */
void mn_emu_write_names(const mn_emu *e, FILE *f);
/* What is not emulated in this world, one line each ("" when all is). */
void mn_emu_write_limits(const mn_emu *e, FILE *f, const char *sep);

#endif /* MN_EMU_BACKEND_H */
