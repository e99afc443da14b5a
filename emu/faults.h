/*
 * faults.h - the scenario's faults on the real-time clock: the failures
 * and repairs the simulator would run (sim/models/fault.h's timeline: the
 * scheduled times, and MTBF / MTTR drawn from the run's "faults" stream
 * exactly as the simulator draws them), each at scenario time t applied at
 * wall time start + t / time scale: the emulation backend takes the
 * target's links down or up (mn_emu_fault), then the policies see it
 * (mn_emu_pol_fault: view, policy.csv, the rules' box-failure trigger).
 *
 * Owns:      the timeline, the per-target down counters, the outage records
 *            and one libev timer.
 * Borrows:   the emulation, its net, the policies and the ev loop (they
 *            must outlive it).
 * Invariant: a target is down while at least one fault holds it (as in the
 *            simulator); only its going down and coming up touch the
 *            kernel. Events run in the timeline's order, each no earlier
 *            than its wall time (a late loop runs the overdue ones at once).
 */
#ifndef MN_EMU_FAULTS_H
#define MN_EMU_FAULTS_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "policy.h"

struct ev_loop;

typedef struct mn_emu_faults mn_emu_faults;

/* One outage of one target of one fault, as emulated. */
typedef struct mn_emu_outage {
    uint32_t fault, target;
    int kind;                  /* mn_fault_kind */
    double down_s, up_s;       /* scenario times (timeline); up_s < 0: not repaired in the run */
    double down_wall, up_wall; /* CLOCK_REALTIME seconds it was applied (0: not yet) */
    double late_s;             /* the worst lateness of its two events behind their wall time */
    int rc;                    /* MN_OK, or why the backend did not emulate it */
} mn_emu_outage;

/*
 * The timeline of n's world for horizon_s scenario seconds, from stream
 * "faults" of seed. time_scale: scenario seconds per wall second (0: 1).
 */
int mn_emu_faults_create(mn_emu *e, const mn_net *n, mn_emu_pol *pol, uint64_t seed,
                         double time_scale, double horizon_s, mn_emu_faults **out, mn_err *err);
/* Failures and repairs in the timeline (0: no timer needed). */
size_t mn_emu_faults_events(const mn_emu_faults *f);
/* Scenario time 0 is now: arms the timer on loop. */
void mn_emu_faults_start(mn_emu_faults *f, struct ev_loop *loop);
void mn_emu_faults_stop(mn_emu_faults *f);
/* MN_OK, or the error that stopped the timer (a backend or policy failure other than "not
 * emulated"). */
int mn_emu_faults_status(const mn_emu_faults *f, mn_err *err);
size_t mn_emu_faults_noutages(const mn_emu_faults *f);
const mn_emu_outage *mn_emu_faults_outage(const mn_emu_faults *f, size_t k);
void mn_emu_faults_destroy(mn_emu_faults *f); /* NULL is a no-op */

#endif /* MN_EMU_FAULTS_H */
