/*
 * export.h - the scenario's world as files for other tools: a Mininet custom
 * topology (export_mininet.c) and Xen xl domain configurations with a
 * network plan (export_xen.c). Pure file generators: nothing is run, no
 * root is needed.
 *
 * Owns:      nothing; every file is written atomically (core/outfile.h).
 * Borrows:   the loaded mn_net, read only.
 * Invariant: every scenario id written matches [A-Za-z0-9_.:-]+ and does not
 *            start with '.' or '-' (NCName ids do), checked for every id
 *            before any file is opened: so ids are safe in Python comments
 *            and '...' literals, in xl "..." strings, in JSON and as file
 *            names. Ids go into comments, literals and data only, never into
 *            a command line.
 *
 * Instances are numbered as the emulation numbers them: vAPs 0..nvaps-1,
 * then VMs. A pinned instance is on its box; a movable one (world-level vap
 * or vm with boxes=) on its first candidate box, as `mnetsim emu` builds
 * before the placement policy runs (docs/emulation.md, "Exports").
 */
#ifndef MN_EMU_EXPORT_H
#define MN_EMU_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/err.h"
#include "sim/models/net.h"

#define MN_EXPORT_VCPU_HZ 1e9    /* one vCPU per started GHz of CPU reservation */
#define MN_EXPORT_MIN_MEM_MIB 32 /* the smallest domain written */
#define MN_EXPORT_XEN_KERNEL "/var/lib/mnetsim/vmlinuz"

typedef struct mn_export_counts {
    size_t hosts, switches, links, links_shaped; /* mininet: links_shaped carry bw= */
    size_t domains;                              /* xen: one .cfg each */
    size_t bridges, tunnels;                     /* xen: boxes and VXLAN tunnels in the plan */
} mn_export_counts;

/* Where an instance goes in an export (and in `mnetsim emu` before placement). */
typedef struct mn_export_place {
    uint32_t box;   /* MN_NONE: nowhere (a movable instance without candidates) */
    uint32_t radio; /* vAPs: its radio (a movable one: its box's first radio); else MN_NONE */
    int movable;    /* on its first candidate box, not pinned */
} mn_export_place;

/* The box and radio of instance i (vAPs first, then VMs). */
mn_export_place mn_emu_export_place(const mn_world *w, uint32_t i);

/*
 * Checks every id an export writes (scenario name, nodes, links, operators,
 * boxes, radios, sites, instances, users). MN_EINVAL with where = the
 * scenario file and line of the offending element, and the fix.
 */
int mn_emu_export_check_ids(const mn_net *net, mn_err *err);

/*
 * Writes <dir>/<name>: a Python 3 module defining class MnetTopo(Topo) and
 * topos = {'mnet': ...} for `mn --custom FILE --topo mnet`. dir must exist.
 * Needs a <world> (MN_EINVAL otherwise). *out (may be NULL) gets the counts.
 */
int mn_emu_export_mininet(const mn_net *net, const char *dir, const char *name,
                          mn_export_counts *out, mn_err *err);

/*
 * Writes into dir (which must exist) <instance-id>.cfg per vAP and VM
 * instance, README.txt, and network-plan.json last, each atomically.
 * Needs a <world> (MN_EINVAL otherwise). *out (may be NULL) gets the counts.
 */
int mn_emu_export_xen(const mn_net *net, const char *dir, mn_export_counts *out, mn_err *err);

#endif /* MN_EMU_EXPORT_H */
