/*
 * policy.h - the scenario's placement, balancing-share and migration
 * policies and the operators' rules on the real-time clock: the same
 * policy code as the simulator's (sim/policies, mn_rules_run), fed a view
 * (mn_view) filled from the emulation and acting through a checking
 * backend in front of the emulation backend (backend.h).
 *
 * Owns:      the view's arrays, the books (CPU, memory and uplink reserved
 *            on each box), one netlink socket per dom0 (byte counters), the
 *            users' mobility legs, the "policy" and "mobility" RNG streams,
 *            the migration records, the action log and which boxes and
 *            radios a fault holds down (mn_emu_pol_fault).
 * Borrows:   the emulation and its net (they must outlive it), the ev loop.
 * Invariant: policies read only the view and act only through the checking
 *            backend, which refuses (MN_ERANGE / MN_EINVAL, as the
 *            simulator's backend does) what is out of scope or would
 *            over-commit a box, before anything is re-plumbed; the books
 *            change only after the emulation backend succeeded.
 *
 * The view, at the k-th policy tick (scenario time now = k x period, so
 * period rules fire as in the simulator):
 *   boxes:  free CPU / memory / uplink = physical - dom0 - reservations of
 *           the instances on them (the scenario's pinned ones and those
 *           placed or migrated through the backend); load = the busiest of
 *           the uplink (RX or TX bytes of <prefix>up in dom0 over the last
 *           tick, rtnl_link_get_stat, divided by the shaped capacity) and
 *           its radios (bytes of <prefix>a<r> over the radio's emulated
 *           capacity, which is also air_load);
 *   insts:  running on the emulation backend's box, else unplaced; a vAP's
 *           load is its users' part of its box's load (dom0 forwards for
 *           it), a VM's is 0 (its CPU is not measured);
 *   users:  online as their mobility's current leg has it; the position
 *           follows the legs (mn_mob_first_leg, then mn_mob_next_leg as
 *           scenario time passes), or one set by mn_emu_pol_set_user_pos;
 *           user_phy = mn_radio_phy_rate at that distance (0 beyond range);
 *           box_latency through the topology (mn_routes) plus both uplinks.
 * The boxes' agents (agent.h, the simulator's code) serve the online users
 * nothing serves, at each tick.
 *
 * Balancing: at each tick (and at the initial placement, for users without
 * a vAP) every online user's candidates come from the view
 * (mn_lb_view_cands) and the balancing policy decides (mn_lb_pick: its
 * choose(), then <policies hysteresis>), as in the simulator; another vAP
 * is associated through the checking backend (a handover when the user had
 * one: logged with source "balancing", counted, handover-cost added to its
 * outage). A user no vAP reaches keeps its port (it is not disassociated).
 *
 * SLA accounting (with mn_emu_pol_set_traffic): at each tick, per online
 * user over the window since the last tick, from its flows' receive
 * counters (mn_emu_traffic_window): a flow violates when its SLA (its
 * service's, else its user's) has a minimum - capped at the service's rate
 * - and it received less than (1 - MN_EMU_SLA_TOLERANCE) of it, or a
 * maximum delay below its datagrams' mean one-way delay; an associated
 * user violates when one of its flows does; an unassociated online user is
 * in outage, in violation from max-outage after the outage began. The
 * violating users' vAPs get the rules' sla-violation trigger, users come
 * online since the last tick user-online (mn_rules_run_user_events, the
 * simulator's code). Times are scenario seconds (wall x time scale).
 */
#ifndef MN_EMU_POLICY_H
#define MN_EMU_POLICY_H

#include <stdint.h>
#include <stdio.h>

#include "backend.h"
#include "traffic.h"

struct ev_loop;

/*
 * A tick's throughput meets an SLA minimum within this fraction of it: the
 * sender's 1 ms timer and the tick's own timing make a constant-rate flow
 * measured over one tick come out a little above or below its rate.
 */
#define MN_EMU_SLA_TOLERANCE 0.05

typedef struct mn_emu_pol mn_emu_pol;

typedef struct mn_emu_pol_opts {
    double time_scale;     /* scenario seconds per wall-clock second; 0: 1 */
    const char *policy[3]; /* placement, balancing, migration (mn_policy_kind order); NULL: the
                              scenario's */
    uint64_t seed;         /* the run seed (streams "policy" and "mobility") */
} mn_emu_pol_opts;

/* A migration made through the checking backend. */
typedef struct mn_emu_mig {
    uint32_t inst, from, to;
    double t_s;                  /* scenario time of the tick that decided it */
    double wall_start, wall_end; /* CLOCK_REALTIME seconds: the re-plumbing (backend call) */
    int rc;                      /* MN_OK, or the emulation backend's error */
} mn_emu_mig;

/*
 * Looks the policies up (an unknown name: MN_EINVAL listing the valid
 * ones, pointing at <policies>), sets the books from the scenario and
 * opens a netlink socket per dom0. Call after mn_emu_build (with
 * mn_emu_defer_movable before it).
 */
int mn_emu_pol_create(mn_emu *e, const mn_net *n, const mn_emu_pol_opts *o, mn_emu_pol **out,
                      mn_err *err);
/*
 * The initial placement: every movable instance (on-demand vAPs excepted)
 * where the placement policy's choose() puts it, through the checking
 * backend (refusals are counted and logged, not errors), then its after()
 * hook, then users without a vAP are associated (mn_emu_associate_unserved
 * at their positions).
 */
int mn_emu_pol_place(mn_emu_pol *p, mn_err *err);
/*
 * One policy tick now (the next k): the view refreshed, then the rules
 * (box-overload, user-away, period; when the scenario has rules and
 * agent="on"), the view again, the balancing policy's shares (if it has
 * them and a vAP has an airtime cap), the migration policy's tick; then
 * unassociated users are associated again. Before the agents: the SLA
 * accounting of the window since the last tick, then the balancing
 * policy's choice for every online user. Returns MN_OK or an error other
 * than a refusal.
 */
int mn_emu_pol_tick(mn_emu_pol *p, mn_err *err);
/*
 * Runs mn_emu_pol_tick on loop every period / time_scale wall seconds
 * (the first one a period after now). A failing tick stops the timer;
 * mn_emu_pol_status reports it.
 */
void mn_emu_pol_start(mn_emu_pol *p, struct ev_loop *loop);
void mn_emu_pol_stop(mn_emu_pol *p);
int mn_emu_pol_status(const mn_emu_pol *p, mn_err *err);
/* Whether the migration policy, the rules, shares, balancing (a user that moves) or SLA accounting
 * (traffic and an SLA) have anything to do (else no timer is needed). */
int mn_emu_pol_active(const mn_emu_pol *p);
/* The policy period in wall-clock seconds (period / time_scale). */
double mn_emu_pol_period_wall(const mn_emu_pol *p);

/* Puts user u at pos from now on (its legs are ignored): a test's or a front end's hand. */
void mn_emu_pol_set_user_pos(mn_emu_pol *p, uint32_t u, mn_pos pos);
/* The checking backend (what the policies act through); borrowed. */
const mn_backend *mn_emu_pol_backend(mn_emu_pol *p);
/* The view as the last tick (or placement) left it; borrowed. */
const mn_view *mn_emu_pol_view(const mn_emu_pol *p);

size_t mn_emu_pol_nmigs(const mn_emu_pol *p);
const mn_emu_mig *mn_emu_pol_mig(const mn_emu_pol *p, size_t k);
/* A handover the balancing policy made through the checking backend. */
typedef struct mn_emu_handover {
    uint32_t user, from, to; /* from, to: vAPs */
    double t_s, wall;        /* scenario time of the tick; CLOCK_REALTIME of the re-plumbing */
    int rc;                  /* MN_OK, or the emulation backend's error */
} mn_emu_handover;
size_t mn_emu_pol_nhandovers(const mn_emu_pol *p);
const mn_emu_handover *mn_emu_pol_handover(const mn_emu_pol *p, size_t k);

/* A user's SLA accounting from its measured traffic (scenario seconds). */
typedef struct mn_emu_user_sla {
    double online_s;    /* accounted windows while online */
    double outage_s;    /* online without a vAP, plus handover-cost per handover */
    double violation_s; /* violating */
    unsigned windows, violating_windows, handovers;
    double min_bps, worst_bps; /* the tightest need of its flows; its worst flow's tick rate */
    double worst_delay_s;      /* its flows' highest tick mean delay */
} mn_emu_user_sla;
/* User u's accounting (NULL past the end). */
const mn_emu_user_sla *mn_emu_pol_user_sla(const mn_emu_pol *p, uint32_t u);
/* The totals over the users: violation, outage and the handovers' part of it (NULL: not wanted). */
void mn_emu_pol_sla_totals(const mn_emu_pol *p, double *violation_s, double *outage_s,
                           double *handover_outage_s);
/*
 * The traffic the SLA accounting reads: flow k belongs to user flow_user[k]
 * and service flow_svc[k] (copied); it sends for duration_s from
 * mn_emu_traffic_start. Call before mn_emu_pol_start; t must outlive p.
 */
int mn_emu_pol_set_traffic(mn_emu_pol *p, const mn_emu_traffic *t, const uint32_t *flow_user,
                           const uint32_t *flow_svc, size_t nflows, double duration_s, mn_err *err);

/* A failure or repair as emu/faults.c applied it. */
typedef struct mn_emu_pol_fault_ev {
    mn_time t;            /* scenario time it was scheduled at */
    int kind;             /* mn_fault_kind */
    uint32_t target;      /* box, radio, topology link or VM index */
    const char *fault_id; /* the scenario's <fault> id */
    uint8_t down;         /* a failure (1) or a repair (0) */
    uint8_t changed;      /* the target went down or came up (not held by another fault too) */
    int rc;               /* the emulation backend's result (MN_OK; else not emulated: msg) */
    const char *msg;
} mn_emu_pol_fault_ev;
/*
 * A fault seen by the policies: logged (source "fault", action "fail" or
 * "repair", subject the target, from the fault's id, at its scenario
 * time); when the target changed, the view's box or radio up flags (a
 * link: the routes' box_latency) follow, and a box gone down fires the
 * rules' box-failure trigger for it (mn_rules_run, as the simulator's
 * on_down; when the scenario has rules and agent="on"). Returns MN_OK or
 * an error other than a refusal.
 */
int mn_emu_pol_fault(mn_emu_pol *p, const mn_emu_pol_fault_ev *ev, mn_err *err);

/* Counts: ticks run, placements made, actions refused. */
void mn_emu_pol_counts(const mn_emu_pol *p, unsigned *ticks, unsigned *placed, unsigned *refused);

/* The action log, CSV with header: t_s,wall_s,source,action,subject,from,to,result,detail. */
void mn_emu_pol_write_log(const mn_emu_pol *p, FILE *f);

void mn_emu_pol_destroy(mn_emu_pol *p); /* NULL is a no-op */

#endif /* MN_EMU_POLICY_H */
