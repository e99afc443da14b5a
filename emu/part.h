/*
 * part.h - a chosen part of a scenario's world, for emulating scenarios
 * bigger than the emulator takes (`mnetsim emu --part`, docs/emulation.md
 * "Emulating a part"): the selected boxes and what they need, as a new
 * mn_net of its own, so the emulator and the simulator run on it unchanged.
 *
 * Owns:      a spec's ids; a part's index maps (full <-> part, per kind)
 *            and its report (the spec, counts, and what a kept entity
 *            needed that lies outside). The part's mn_net is the caller's
 *            (mn_net_destroy): it copies every string and array it keeps.
 * Borrows:   the full net during mn_emu_part_create only.
 * Invariant: the part's net keeps net.h's and world.h's invariants: every
 *            index in it names an entity of the part. A reference to an
 *            entity outside is cleared (and reported) or its referrer dropped.
 *
 * What a part keeps, given the selected boxes (box=, and every box of a
 * selected site=):
 *   - those boxes, their radios, the vAPs and VMs pinned on them, and the
 *     movable ones with a selected candidate (candidates cut to those);
 *   - users and arrivals whose vAP at home by the emulation's association
 *     rule (mn_emu_best_vap, on the build placement: pinned instances on
 *     their box, movable ones on their first candidate, a kept one on its
 *     first kept candidate) is kept, and the users a kept vAP follows;
 *   - the services of kept users whose end is in the part (a kept VM, a
 *     server node, or beyond the uplink); a kept user's service ending at a
 *     VM outside is taken off the user and reported;
 *   - the sites of kept boxes, the tunnels between two of them; vnets of
 *     kept VMs, vlinks between two kept VMs; faults' targets in the part;
 *   - topology: the anchor nodes (kept boxes' nodes, kept services' server
 *     nodes, kept sites' gateways), every node on a hop-count shortest path
 *     (the emulator's routing) and on a lowest-latency path (route.h, the
 *     simulator's) between two anchors, every link between two kept nodes,
 *     the net-level flows between kept nodes;
 *   - all operators, SLAs, mobility models, policies and rules (a rule's
 *     selection cut to the part; a rule whose box list or site falls
 *     outside is made inert, selecting nothing, and reported).
 */
#ifndef MN_EMU_PART_H
#define MN_EMU_PART_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/core/err.h"
#include "sim/models/net.h"

/* The --part values: ids of boxes and of sites, in the order given. */
typedef struct mn_emu_part_spec {
    char text[256];   /* the values as given, joined by " " (truncated) */
    char **ids;       /* owned */
    uint8_t *is_site; /* owned: ids[k] names a site (site=), else a box (box=) */
    size_t n, cap;
} mn_emu_part_spec;

void mn_emu_part_spec_init(mn_emu_part_spec *s);
void mn_emu_part_spec_fini(mn_emu_part_spec *s);
/*
 * Adds one --part value: "box=ID[,ID...]" or "site=ID[,ID...]". MN_EINVAL
 * (where "--part") for another form or an empty id; the ids are checked
 * against a scenario by mn_emu_part_create.
 */
int mn_emu_part_spec_add(mn_emu_part_spec *s, const char *arg, mn_err *err);

/* What the maps index. */
typedef enum {
    MN_EMU_PART_BOX,
    MN_EMU_PART_RADIO,
    MN_EMU_PART_VAP,
    MN_EMU_PART_VM,
    MN_EMU_PART_USER,
    MN_EMU_PART_NODE,
    MN_EMU_PART_LINK,
    MN_EMU_PART_SITE,
    MN_EMU_PART_TUNNEL,
    MN_EMU_PART_SERVICE,
    MN_EMU_PART_VNET,
    MN_EMU_PART_VLINK,
    MN_EMU_PART_ARRIVALS,
    MN_EMU_PART_FAULT,
    MN_EMU_PART_FLOW,
    MN_EMU_PART_KINDS
} mn_emu_part_kind;

typedef struct mn_emu_part {
    char spec[256];                       /* the spec's text */
    size_t nfull[MN_EMU_PART_KINDS];      /* entities of the full world */
    size_t npart[MN_EMU_PART_KINDS];      /* kept */
    uint32_t *to_part[MN_EMU_PART_KINDS]; /* owned: full index -> part index, MN_NONE */
    uint32_t *to_full[MN_EMU_PART_KINDS]; /* owned: part index -> full index */
    char **needs;                         /* owned: "user u1: service voice ends at VM ..." */
    size_t nneeds, needs_cap;
    size_t namespaces_full; /* mn_emu_namespaces_needed of the full net */
} mn_emu_part;

/*
 * Builds the part of `full` that spec selects: *net_out, a new net (free it
 * with mn_net_destroy), and *out, its maps and report (mn_emu_part_destroy).
 * Errors (nothing allocated), where "--part": MN_ENOTFOUND for an id that
 * is no box (box=) or no site (site=) of the scenario, naming it and what
 * it is if it is something else; MN_EINVAL for an empty spec, a site
 * without boxes, a scenario without a world; MN_ENOMEM.
 */
int mn_emu_part_create(const mn_net *full, const mn_emu_part_spec *spec, mn_net **net_out,
                       mn_emu_part **out, mn_err *err);
void mn_emu_part_destroy(mn_emu_part *p); /* NULL is a no-op */

/* The part index of full entity i of a kind, MN_NONE when it is outside. */
uint32_t mn_emu_part_map(const mn_emu_part *p, mn_emu_part_kind kind, uint32_t i);

/*
 * Writes summary.json's "part" value (one JSON object, no trailing comma):
 * the spec, per kind "kept" and "dropped" counts, the full scenario's
 * namespace count, and "needed_outside" (the report's lines).
 */
void mn_emu_part_write_json(const mn_emu_part *p, FILE *f);

#endif /* MN_EMU_PART_H */
