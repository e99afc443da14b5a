/*
 * wrun_int.h - the state of a world run, shared by wrun*.c (not a public
 * interface: sim/models/wrun.h is).
 *
 * Owns:      per-entity run state (arrays parallel to the world's), sessions
 *            (a pool recycled through a free list), transient visitors, the
 *            engine, the solver, the routes, the RNG streams, the counters.
 * Borrows:   the loaded mn_net and its world, read-only.
 *
 * Resources in the solver (share.h), numbered in this order:
 *   2 per topology link (a->b, b->a), bytes/s, coefficient = wire bytes per
 *     payload byte (stack header; VXLAN outer headers inside tunnels);
 *   3 per box: uplink up, uplink down (bytes/s, as links) and dom0 CPU
 *     (cycles/s, coefficient = cycles per payload byte);
 *   1 per radio: airtime (seconds of air per second, less beacons;
 *     coefficient = airtime per payload byte from the PHY rate and DCF);
 *   per vAP: an airtime cap when its share is below 1, a domU CPU when it
 *     forwards in its own domain (no plane separation);
 *   1 per VM: its CPU; 2 per virtual link: its reserved capacity each way.
 */
#ifndef MN_WRUN_INT_H
#define MN_WRUN_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/engine.h"
#include "core/rng.h"
#include "core/stats.h"
#include "core/strmap.h"
#include "net.h"
#include "netrun.h"
#include "radio.h"
#include "route.h"
#include "share.h"
#include "world.h"
#include "livemig.h"
#include "policies/policy.h"

#define W_MAXP MN_SHARE_MAX_PATH
#define W_BIANCHI_N 128 /* contenders cached per radio class */

struct wr;

/*
 * A session: 168 bytes, in three whole cache lines (the pool is 64-byte
 * aligned, sess_raw), all of which its end reads: at a 152-byte stride a
 * session lay across three or four lines, and the look-ahead, which
 * loads its first and last, left a middle one to miss in three cases of
 * eight. Its flows' paths and coefficients are the solver's
 * (mn_share_flow_link, _coef), not copied here: copies took 576 bytes a
 * session, written at each start and read at each end, for what the
 * solver's flows already hold.
 */
typedef struct __attribute__((aligned(64))) w_sess {
    uint32_t user, svc, vap;
    uint32_t flow[2];        /* solver flows: one per direction */
    uint8_t nflows, active;
    uint8_t dir[2];          /* MN_DIR_DOWN or MN_DIR_UP */
    uint8_t violating;
    uint8_t dirty;           /* in wr->dirty, to re-evaluate after the solve */
    uint32_t radio_hint;     /* its vAP's radio when it took the vAP: a prefetch hint only (vAPs move) */
    uint32_t res_hint;       /* its user's res_hint then (the box's first resource): the same */
    /* what its airtime coefficient is computed from, as of its path, for a re-count of its
       radio (w_radio_recount) that reads neither its user's line nor its vAP's: the user's PHY
       rate (changed only by an association, which re-paths), the header bytes of the stack it
       uses and its vAP's own airtime resource (MN_NONE: none) */
    double air_phy_bps;
    uint32_t air_vap_res;
    uint16_t air_hdr;
    double demand_bps;       /* stream rate, or transfer cap (0: none) */
    double bytes;            /* transfer: bytes still to move (per re-path) */
    double delivered;        /* bytes delivered by flows already stopped */
    double acct[2];          /* bytes of each flow already counted in res_used */
    mn_time start, prop, last_eval, viol_since;
    double delay_s;          /* as last evaluated */
    double delay_area;       /* integral of delay_s dt, for its time average */
    mn_ev_handle end_ev;
    uint32_t next, prev;     /* the user's active sessions; or the free list (next) */
} w_sess;
_Static_assert(sizeof(w_sess) == 192, "a session is three cache lines");

/*
 * A user is two records at the same index. w_user is all that a session's
 * arrival, path, start, evaluation and end read or write of its user: one
 * cache line, in a 64-byte aligned array (users_raw). w_user_cold
 * (wr->ucold) is what association, mobility, outages and the books use, a
 * few times a day. They were one 320-byte record, hot line first: the
 * array, read at random, is in huge pages, whose first touch is slow on
 * this machine (0.45 GB/s, tests/bench/bench_firsttouch), and a miss also
 * brings in the next line, which was the user's own cold one. Now the
 * full city's hot lines are 6.4 MB of huge pages, and the cold records
 * (200 bytes each) 20 MB of small ones: perf counted 63 to 70 samples in
 * the kernel's page clearing where the one record took 111 to 680
 * (docs/models.md, Performance, session 8).
 */
typedef struct w_user {
    uint32_t gen; /* bumped when a visitor's slot is reused: older events for it are stale */
    uint32_t vap;               /* associated vAP or MN_NONE */
    uint32_t sess_head, nsess, nviol_sess, up_flows;
    uint32_t sla;               /* copied: visitors have no mn_user */
    uint32_t sessions;
    uint32_t res_hint, radio_hint; /* its vAP's box's first resource and its radio when it
                                      associated: prefetch hints only */
    double phy_bps;
    double bytes;
    uint8_t online, outage, violating, outage_violating, transient, live;
    uint8_t stacks;             /* bitmask of MN_STACK_* */
} __attribute__((aligned(64))) w_user;
_Static_assert(sizeof(w_user) == 64, "a user's hot fields are one cache line");

typedef struct w_user_cold {
    uint32_t waiting_at;        /* in outage: its index in wr->waiting */
    uint32_t op, services;      /* copied: visitors have no mn_user */
    uint32_t mobility;          /* its mobility model, MN_NONE: it stays where it is */
    uint32_t blocked, dropped;
    mn_time online_since, outage_since, viol_since;
    double online_s, outage_s, viol_s;
    mn_ev_handle outage_ev, leg_ev;
    mn_leg leg;
    mn_mob_state st;
} w_user_cold;

/*
 * One cache line (the array is 64-byte aligned): the counters and the
 * resource a session's start and end read and write, and what association
 * and the airtime coefficient read. Its PHY configuration (80 bytes) is
 * in the run's table of distinct ones (w_radio_cfg): in the radio's own
 * record it made a second line, a miss at every session's start and every
 * association at city scale, for what 10,000 radios share. Its flows are
 * the solver's on res (w_radio_recount).
 */
typedef struct w_radio {
    uint32_t res;          /* airtime resource */
    uint32_t cls;          /* Bianchi class */
    uint32_t n_tx;         /* contending transmitters now */
    uint32_t down_flows, up_users;
    uint32_t cfg;          /* its PHY configuration: wr->radio_cfgs[cfg] */
    uint8_t up;
    double air_cap;        /* 1 - beacon overhead */
    double range_m;        /* copied from the mn_radio, for association */
    uint64_t pad_[2];
} w_radio;
_Static_assert(sizeof(w_radio) == 64, "a radio is one cache line");

/*
 * What association and a session's path read of a vAP, copied from its
 * mn_vap, and the two counters every session updates (sessions at its
 * start, bytes at its end), in one cache line (the array is 64-byte
 * aligned): a session touches one line of its vAP, where a separate
 * counters array cost a second miss at its start and a third at its end.
 * The association counters are in w_vap_stats; its tunnel and virtual
 * network (special) in the mn_vap.
 */
typedef struct w_vap {
    uint32_t radio, box, op, max_users;
    uint32_t res_air, res_cpu; /* MN_NONE when absent */
    uint32_t nusers;
    uint8_t stacks, up, plane_domu, special; /* special: tunnelled, or in a virtual network */
    uint64_t sessions;
    double bytes;
    double airtime;            /* copied from the mn_vap: its configured share, for association */
    uint64_t pad_;
} w_vap;
_Static_assert(sizeof(w_vap) == 64, "a vAP is one cache line");

typedef struct w_vap_stats {
    uint32_t peak_users;
    uint64_t assoc, assoc_blocked; /* assoc_blocked: users it refused, being full */
} w_vap_stats;

/*
 * Line 0 (the array is 64-byte aligned) is what a session's path and
 * association read: its resources, its vAPs, and copies of the mn_box
 * fields the path needs (node, site, forwarding costs, uplink latency), so
 * a path reads one line of its box instead of a line of this and one of
 * the 144-byte mn_box.
 */
typedef struct w_box {
    uint32_t res_up, res_down, res_cpu;
    uint32_t vap_first, nvaps; /* into wr->box_vaps: nvaps used of vap_slots */
    uint32_t node, site;       /* copied from the mn_box */
    uint8_t up;
    uint8_t powered;           /* a policy may switch off a box that hosts nothing */
    double cycles_dom0, cycles_domu; /* copied from the mn_box */
    mn_time uplink_latency;          /* copied from the mn_box */
    /* colder */
    uint32_t vap_slots;        /* its radios' vAP caps together */
    uint32_t radio_first;      /* its first radio (MN_NONE: none), for association's look-ahead */
    mn_time down_since, off_since;
    double down_s, off_s;
    double cpu_used, mem_used, uplink_used; /* instances on it or arriving (pinned included) */
    uint32_t hosted, pinned;
} w_box;
_Static_assert(offsetof(w_box, vap_slots) <= 64 && sizeof(w_box) % 64 == 0,
               "a box's path fields are its first cache line");

typedef struct w_vm {
    uint32_t res;
    uint32_t box;              /* MN_NONE: not placed (movable) */
    uint8_t up;
    double cycles;
} w_vm;

/* An instance's place in the policies' life cycle (vAPs first, then VMs: policy.h). */
typedef struct w_inst {
    uint8_t state;             /* mn_inst_state */
    uint8_t refused;           /* placement found no box */
    uint32_t dest, dest_radio; /* migrating: where to */
    uint32_t mig;              /* its migration in wr->migs, MN_NONE */
    uint32_t migrations;
} w_inst;

/* A live migration under way: pre-copy rounds then stop-and-copy, each a flow (livemig.h). */
typedef struct w_mig {
    uint32_t inst, from, to, to_radio;
    uint32_t flow;             /* the round's copy flow; MN_NONE between rounds */
    uint32_t path[W_MAXP];
    uint8_t plen, paused, live;
    mn_time start, round_start, pause_start;
    double round_bytes;
    mn_livemig_state st;
} w_mig;

/* One finished (or refused) policy action, for migrations.csv and the summary. */
typedef struct w_mig_row {
    uint32_t inst, from, to;
    mn_time start, end;
    double bytes, downtime_s;
    uint32_t rounds;
    uint8_t converged;
    uint8_t aborted;           /* a fault stopped it: the instance stayed (or went back) on its source */
} w_mig_row;

typedef struct w_class { /* radios that share DCF timing share their Bianchi solutions */
    double slot;
    unsigned W, m;
    mn_bianchi b[W_BIANCHI_N + 1]; /* b[n], solved on first use (tau == 0: not yet) */
} w_class;

typedef struct w_fault_state {
    uint32_t fault, target;
    uint8_t down;
    mn_time since;
    uint32_t sessions_dropped, users_cut;
} w_fault_state;

typedef struct w_fault_row { /* one outage of one target, for faults.csv */
    uint32_t fault, target;
    mn_time down, up; /* up: MN_TIME_MAX while not repaired */
    uint32_t sessions_dropped, users_cut, vaps_down, vms_down;
} w_fault_row;

/*
 * One addition to res_used, logged: what a flow used of a resource. The
 * log is applied in order when full and before the results are written,
 * so every sum is the one the additions made directly would give, byte
 * for byte. Why: at city scale res_used (a double per resource) is out of
 * cache by the time a flow ends, so a direct addition at each end was a
 * miss the run waited for; applied together, the additions' misses
 * overlap.
 */
typedef struct w_usage {
    uint32_t res;
    double amount;
} w_usage;
#define W_USAGE_LOG 16384

typedef struct w_svc_stats {
    uint64_t attempted, started, completed, blocked, dropped;
    double viol_s, bytes;
} w_svc_stats;

typedef struct wr {
    const mn_net *net;
    const mn_world *w;
    mn_engine *eng;
    mn_share *share;
    mn_routes *routes;
    mn_rng *rng_sessions, *rng_mobility, *rng_arrivals, *rng_faults;
    w_user *users;          /* world users, then visitors; 64-byte aligned inside users_raw */
    void *users_raw;        /* owned: the block holding users */
    w_user_cold *ucold;     /* owned: the users' colder fields, same index (users_cold_cap of them) */
    size_t nusers, users_cap, users_cold_cap, free_user;
    w_sess *sess;           /* pool, 64-byte aligned inside sess_raw */
    void *sess_raw;         /* owned: the block holding sess */
    size_t nsess, sess_cap;
    uint32_t free_sess;
    w_radio *radios;        /* radios, vaps, boxes: 64-byte aligned in their *_raw blocks */
    w_vap *vaps;
    w_vap_stats *vstats;
    w_box *boxes;
    void *radios_raw, *vaps_raw, *boxes_raw; /* owned */
    w_vm *vms;
    uint32_t *box_vaps;     /* vAPs grouped by box */
    uint32_t res_vlink0;    /* first vlink resource */
    uint8_t *res_dead;      /* per resource: down now (faults) */
    double *res_used;       /* per resource: usage delivered (bytes, cycles, seconds of air); w_usage_flush first */
    w_usage *usage_log;     /* owned: W_USAGE_LOG additions to res_used not yet made */
    size_t nusage;
    uint8_t *link_down_count; /* per topology link: how many faults hold it down */
    uint8_t *box_down_count, *radio_down_count, *vm_down_count;
    size_t nres;
    w_class *classes;
    size_t nclasses;
    mn_radio_cfg *radio_cfgs; /* owned: the radios' distinct PHY configurations */
    size_t nradio_cfgs, radio_cfgs_cap;
    mn_strmap cfg_index;      /* owned: each configuration's key (cfg_key) -> its index */
    /* spatial grid of boxes for association */
    double cell_m, min_x, min_y;
    uint32_t gx, gy;
    uint32_t *grid_start, *grid_boxes;
    mn_pos *grid_pos;       /* owned: grid_boxes' positions, in the same order (a scan reads no mn_box) */
    double max_range_m;
    /* dirty sessions to re-evaluate after a solve */
    uint32_t *dirty;
    size_t ndirty, dirty_cap;
    /* faults */
    w_fault_state *fstate;
    size_t nfstate;
    w_fault_row *frows;
    size_t nfrows, frows_cap;
    /* counters */
    w_svc_stats *svc;
    double *op_viol_s;
    size_t n_online, n_associated, n_violating; /* users now, for the time series */
    uint32_t *waiting;      /* users in outage, in no order */
    size_t nwaiting, waiting_cap;
    int rechecking;
    uint64_t assoc_attempts, assoc_blocked, handovers, visitors, visitors_blocked;
    uint64_t sess_blocked_route, sess_blocked_long; /* no route at all; longer than the solver takes */
    int any_link_down;
    uint64_t sess_blocked_coverage, sess_blocked_path, sess_dropped, sess_cut_offline;
    mn_stat_sample delays;   /* per finished session: time-average delay */
    mn_stat_welford delayw;
    FILE *series;
    mn_time interval, horizon;
    int failed;
    mn_err err;
    int progress, sample_armed, progress_armed;
    uint64_t progress_events;
    double t0, last_print;
    /* policies (wrun_policy.c) */
    const mn_place_ops *place;
    const mn_lb_ops *lb;
    const mn_mig_ops *mig;
    mn_rng *rng_policy;
    w_inst *inst;               /* nvaps + nvms */
    double *vap_share;          /* per vAP: its airtime share now (set_qos changes it) */
    mn_view view;               /* what policies see: refreshed before each decision */
    mn_view_box *vboxes;
    mn_view_radio *vradios;
    mn_view_inst *vinsts;
    mn_view_user *vusers;
    size_t vusers_cap;
    double *vsla_min;
    const char **vsite_ids;     /* owned array; the ids are the world's */
    mn_backend backend;
    uint32_t *radio_nvaps;      /* vAPs on each radio now (arriving included) */
    w_mig *migs;
    size_t nmigs, migs_cap;
    w_mig_row *mig_rows;
    size_t nmig_rows, mig_rows_cap;
    uint64_t placements, placement_refused, migrations_aborted, power_offs, power_ons;
    double mig_downtime_s, handover_outage_s;
    size_t boxes_on;            /* powered now */
    double boxes_on_area;       /* integral of boxes_on dt (s) */
    mn_time boxes_on_since;
    mn_time rules_last;         /* the previous policy tick, for the rules' user-online events */
    int policy_armed;
    FILE *trace;                /* agent.csv, with --trace (trace_file's stream) */
    struct mn_outfile *trace_file; /* owned */
    const mn_run_observer *obs; /* borrowed from the run options; NULL */
    uint64_t agent_decisions, rule_actions;
    uint8_t agent_on, agent_armed; /* agents have on-demand vAPs to place; a wake-up is pending */
    double metrics[MN_RUN_NMETRICS]; /* for the caller's summary (compare, sweeps) */
} wr;

/* wrun.c */
void w_fail(wr *r, int rc, const mn_err *e);
static inline const mn_radio_cfg *w_radio_cfg(const wr *r, const w_radio *R)
{
    return &r->radio_cfgs[R->cfg];
}
int w_associate(wr *r, uint32_t u);
void w_user_outage(wr *r, uint32_t u, int in_outage);
void w_user_viol_update(wr *r, uint32_t u);

/* wrun_sess.c */
void w_session_arrival(mn_engine *eng, void *ctx);
int w_start_arrivals(wr *r, uint32_t u, uint32_t services); /* its session clocks, from now */
int w_sessions_repath(wr *r, uint32_t u);     /* after a handover */
void w_sessions_end_all(wr *r, uint32_t u, int reason); /* reason: 0 offline, 1 dropped */
void w_drop_dead_sessions(wr *r);             /* those crossing a dead resource */
void w_rate_hook(mn_share *s, uint32_t flow, double old_rate, void *flow_ctx, void *hook_ctx);
void w_flush_dirty(wr *r);
int w_sess_prefetch(const wr *r, mn_ev_fn fn, void *ctx, int ahead); /* the look-ahead of session events */
void w_radio_recount(wr *r, uint32_t radio);
double w_airtime_coef(wr *r, uint32_t radio, double phy_bps, double frame_bytes, double payload_bytes);
void w_sessions_close_all(wr *r);             /* at the end of the run: account what is open */

void w_usage_flush(wr *r);                    /* makes the logged additions to res_used */
static inline void w_usage_add(wr *r, uint32_t res, double amount)
{
    if (r->nusage == W_USAGE_LOG)
        w_usage_flush(r);
    r->usage_log[r->nusage++] = (w_usage){res, amount};
}

/* wrun_fault.c */
int w_faults_arm(wr *r);

/* wrun_policy.c: the simulator's backend (policy.h), live migration, the policy clock */
int w_policy_setup(wr *r, const mn_run_opts *o, mn_err *err);  /* after the resources */
int w_policy_start(wr *r, mn_err *err);                        /* at time 0, before the users */
void w_policy_fini(wr *r);
/* The view with user u's entry and the clock up to date, for mn_lb_pick; NULL: out of memory (the run failed). */
const mn_view *w_lb_view(wr *r, uint32_t u);
void w_boxes_on_update(wr *r);                                 /* before boxes_on changes */
int w_copy_flow(const void *flow_ctx);
int w_rules_event(wr *r, int trigger, uint32_t subject);
void w_agent_wake(wr *r);                                       /* a user fell into outage */
void w_migrations_check(wr *r);                                 /* after faults: abort broken copies */       /* an event for the operators' rules */                          /* a migration's, not a session's */

/* wrun_out.c */
int w_write_results(wr *r, const mn_run_opts *o, uint64_t seed, double span, uint64_t events,
                    mn_run_summary *out, mn_err *err);

#endif /* MN_WRUN_INT_H */
