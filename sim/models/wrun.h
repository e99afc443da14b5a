/*
 * wrun.h - running a scenario's world (boxes, radios, vAPs, VMs, users,
 * sessions, SLAs, faults) and writing its results.
 *
 * Owns:      everything of a run, freed on return.
 * Invariant: as netrun.h: results only after a run that ended well, each
 *            file atomic, manifest.json last; same scenario and seed give
 *            byte-identical summary.json, users.csv, vaps.csv, boxes.csv,
 *            faults.csv and timeseries.csv.
 *
 * The model (docs/models.md): users move (mobility.h), associate with the
 * vAP of their operator and stack that gives them the highest PHY rate
 * (admission permitting), open sessions of their services as Poisson (or
 * other) arrivals; each session is one flow per direction through the
 * max-min solver (share.h) over airtime, forwarding CPU (dom0 or domU),
 * uplinks, topology links, VXLAN tunnels and virtual links; its delay is
 * propagation plus an M/M/1/K sojourn at every resource; SLA violations
 * are accounted in time per user, operator and service.
 */
#ifndef MN_WRUN_H
#define MN_WRUN_H

#include "netrun.h"

/* Runs n (which has a world: n->world.present) for its duration. */
int mn_world_run(const mn_net *n, const mn_run_opts *o, mn_run_summary *out, mn_err *err);

#endif /* MN_WRUN_H */
