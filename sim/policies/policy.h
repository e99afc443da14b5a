/*
 * policy.h - what policies see and what they may do: a read-only view of
 * the world, a backend interface for every action, and the three kinds of
 * pluggable policy (placement, load balancing, migration), each a small
 * ops struct registered by name (registry.c).
 *
 * Owns:      nothing. A view's arrays belong to the backend that fills them
 *            (the simulator's run, or emulation); policies borrow them for
 *            one call and never write them.
 * Invariant: a policy reads only the view and acts only through
 *            mn_backend; it never includes a model's internals (sim/models
 *            wrun_int.h), so the same policy runs on either backend. A
 *            backend checks every action again (capacity, scope) and
 *            refuses what would over-commit a box.
 *
 * Instances: the vAPs and VMs of the world, numbered vAPs first (instance
 * i < nvaps is vAP i), then VMs (instance nvaps + j is VM j). A movable
 * instance is one the scenario left to the placement policy (boxes="..."):
 * only those are placed, migrated or removed by policies.
 */
#ifndef MN_POLICY_H
#define MN_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/rng.h"
#include "core/time.h"
#include "models/mobility.h"

#ifndef MN_NONE
#define MN_NONE UINT32_MAX
#endif

typedef enum { MN_INST_VAP, MN_INST_VM } mn_inst_kind;

/* Where an instance stands. */
typedef enum {
    MN_INST_UNPLACED,  /* waiting for a box (or refused: none fits) */
    MN_INST_RUNNING,   /* on its box */
    MN_INST_MIGRATING, /* pre-copy to `dest` under way (still serving on `box`) */
    MN_INST_PAUSED     /* stop-and-copy: down, its users in outage */
} mn_inst_state;

typedef struct mn_view_box {
    const char *id;
    mn_pos pos;
    uint32_t node, site;          /* topology node of its uplink, overlay site; MN_NONE */
    double cpu_hz, mem_bytes;     /* physical */
    double cpu_free_hz, mem_free_bytes; /* left after dom0 and every instance on it or coming */
    double uplink_bps, uplink_free_bps; /* and left after instances' reservations */
    double power_idle_w, power_max_w;
    double load;                  /* its busiest resource now (dom0 CPU, uplink, radio air), 0..1 */
    double air_load;              /* its busiest radio's airtime in use now, 0..1 */
    uint32_t radio_first, nradios; /* its radios: view radios [radio_first, +nradios) */
    uint32_t hosted;              /* instances on it (running, paused or arriving) */
    uint32_t pinned;              /* of which the scenario put there (never moved) */
    uint32_t users;               /* users associated with its vAPs now */
    uint8_t up;                   /* not failed */
    uint8_t powered;              /* switched on (a policy may switch an empty box off) */
} mn_view_box;

typedef struct mn_view_radio {
    uint32_t box;
    uint32_t nvaps, max_vaps;     /* vAPs on it now (arriving included), its standard's cap */
    double range_m;
    uint8_t up;
    const char *id;               /* the scenario's */
    double air_cap;               /* airtime left after beacons, 0..1; 0: unknown (taken as 1) */
    uint32_t n_tx;                /* contending transmitters on it now */
} mn_view_radio;

typedef struct mn_view_inst {
    const char *id;
    long line;                    /* where the scenario declares it */
    uint8_t kind;                 /* mn_inst_kind */
    uint8_t state;                /* mn_inst_state */
    uint8_t movable;              /* placed by policy (boxes="...") */
    uint32_t op;                  /* its operator */
    uint32_t box, radio;          /* where it is (radio: vAPs); MN_NONE when unplaced */
    uint32_t dest;                /* migrating or paused: the box it goes to; else MN_NONE */
    uint32_t follows;             /* the user it belongs to (follow-the-user); MN_NONE */
    double cpu_hz, mem_bytes, uplink_bps; /* what it reserves on its box */
    double dirty_bps;             /* bytes/s of memory it dirties (live migration) */
    const uint32_t *cand;         /* boxes it may be placed on (movable ones), ncand of them */
    size_t ncand;
    uint32_t users;               /* users associated now (vAPs) */
    double load;                  /* its own CPU in use now (domU), or its users' part of its box's load */
    double airtime;               /* a vAP's airtime share of its radio now; 0: none set (no cap) */
    uint8_t on_demand;            /* a vAP the boxes' agents instantiate when a user needs it */
    unsigned stacks;              /* protocol stacks it speaks (MN_STACK_* bits) */
    uint32_t tunnel_site;         /* a vAP tunnelled home to this overlay site; MN_NONE */
    uint32_t max_users;           /* a vAP's admission: associated users at most; 0: no limit */
} mn_view_inst;

typedef struct mn_view_user {
    uint32_t op, sla;
    uint32_t vap;                 /* associated vAP, MN_NONE */
    uint8_t online, outage, violating;
    unsigned stacks;              /* protocol stacks its device speaks */
} mn_view_user;

typedef struct mn_view {
    mn_time now;
    const mn_view_box *boxes;
    size_t nboxes;
    const mn_view_radio *radios;
    size_t nradios;
    const mn_view_inst *insts;    /* vAPs first, then VMs */
    size_t ninsts, nvaps;
    const mn_view_user *users;
    size_t nusers;
    double high, low;             /* the scenario's load thresholds for migration (0..1) */
    double min_bps_default;       /* SLA throughput a user without one should see (0: none) */
    const double *sla_min_bps;    /* per SLA: its minimum throughput (0: none) */
    /* computed on demand by the backend */
    const void *ctx;
    mn_pos (*user_pos)(const void *ctx, uint32_t user);
    /* the PHY rate a user would get from a radio at its position now; 0 out of range */
    double (*user_phy)(const void *ctx, uint32_t user, uint32_t radio);
    /* one-way latency between two boxes through the topology (uplinks included), s; -1: no path */
    double (*box_latency)(const void *ctx, uint32_t a, uint32_t b);
    const char *const *site_ids;  /* overlay sites' ids (boxes' site, instances' tunnel_site) */
    size_t nsites;
} mn_view;

/* The actions; a backend refuses (MN_ERANGE, MN_EINVAL) what breaks a capacity or a rule. */
typedef struct mn_backend_ops {
    const char *name;
    /* puts an unplaced instance on box (radio: a vAP's radio on that box; MN_NONE for VMs) */
    int (*place)(void *be, uint32_t inst, uint32_t box, uint32_t radio, mn_err *err);
    /* takes a running instance off its box (its users lose it) */
    int (*remove)(void *be, uint32_t inst, mn_err *err);
    /* moves a user to a vAP (MN_NONE: disassociates) */
    int (*associate)(void *be, uint32_t user, uint32_t vap, mn_err *err);
    /* live-migrates a running instance to box (radio as for place): pre-copy, then stop-and-copy */
    int (*migrate)(void *be, uint32_t inst, uint32_t box, uint32_t radio, mn_err *err);
    /* a VXLAN tunnel between two overlay sites (exists already: no-op) */
    int (*tunnel)(void *be, uint32_t site_a, uint32_t site_b, mn_err *err);
    /* a vAP's airtime share (0..1] of its radio */
    int (*set_qos)(void *be, uint32_t vap, double airtime, mn_err *err);
    /* switches a box on or off (off: only when it hosts nothing) */
    int (*power)(void *be, uint32_t box, int on, mn_err *err);
} mn_backend_ops;

typedef struct mn_backend {
    const mn_backend_ops *ops;
    void *ctx;
} mn_backend;

/* ---- placement ("urbanization") ---- */

typedef struct mn_place_ops {
    const char *name;    /* the word in <policies placement="..."> */
    const char *summary; /* one line, for `mnetsim policies` */
    /*
     * Chooses where unplaced instance `inst` goes among its candidate boxes:
     * returns the box (and for a vAP *radio_out, a radio on it), or MN_NONE
     * when none fits (see mn_place_fits). rng: the run's "placement" stream.
     */
    uint32_t (*choose)(const mn_view *v, uint32_t inst, mn_rng *rng, uint32_t *radio_out);
    /* After the initial placement (may be NULL): e.g. power off empty boxes. */
    int (*after)(const mn_view *v, const mn_backend *be, mn_err *err);
} mn_place_ops;

/*
 * Whether instance inst fits on box now: up, CPU, memory and uplink left,
 * and for a vAP a radio with a free vAP slot (*radio_out: the first such
 * radio with the fewest vAPs). Powered-off boxes fit (placing powers them on).
 */
int mn_place_fits(const mn_view *v, uint32_t inst, uint32_t box, uint32_t *radio_out);

/* ---- load balancing (user to vAP association) ---- */

/* A vAP a user may join now: in range, its operator and stack, admission permitting. */
typedef struct mn_lb_cand {
    uint32_t vap;
    double phy_bps;       /* PHY rate at the user's position */
    double predicted_bps; /* what a new session would get: the radio's MAC rate split among its users, after the vAP's airtime cap */
    uint32_t users;       /* associated with that vAP now */
    double air_load;      /* its radio's airtime busy, now (0 when unknown) */
} mn_lb_cand;

typedef struct mn_lb_ops {
    const char *name;
    const char *summary;
    /*
     * The vAP user should use among the n candidates (n >= 1), in vAP order;
     * cur is the one it uses now (MN_NONE: none, or not a candidate any
     * more). Returns an index into c.
     */
    size_t (*choose)(const mn_view *v, uint32_t user, const mn_lb_cand *c, size_t n, uint32_t cur);
    /*
     * Every policy period (may be NULL): the vAPs' airtime shares, through
     * be->ops->set_qos, for vAPs that have one (insts[v].airtime > 0).
     */
    int (*shares)(const mn_view *v, const mn_backend *be, mn_err *err);
} mn_lb_ops;

/*
 * The candidate list both backends build for a balancing policy
 * (lb_pick.c), so the simulator (sim/models/wrun.c, over its spatial grid)
 * and emulation (emu/policy.c, over the view) decide the same way.
 *
 * mn_lb_predicted: what a new session would get from a radio:
 *   phy x air_cap x airtime / (n_tx + 1)
 * e.g. 54 Mb/s x 0.97 x 1 / (2 + 1) = 17.46 Mb/s.
 */
double mn_lb_predicted(double phy_bps, double air_cap, double airtime, uint32_t n_tx);
/* Adds x to c (*n of cap): once c is full, x replaces the weakest PHY rate if it is stronger. */
void mn_lb_cand_keep(mn_lb_cand *c, size_t *n, size_t cap, const mn_lb_cand *x);
/*
 * The candidates of user u from the view alone: every running vAP of its
 * operator sharing one of its stacks, on a radio that is up on a box that
 * is up and powered, at a PHY rate above 0 (v->user_phy), admission
 * permitting (max_users; the user's own vAP always admits it), with
 * predicted_bps from the radio's air_cap and n_tx and the vAP's airtime
 * share. At most cap of them (the strongest kept); returns how many.
 */
size_t mn_lb_view_cands(const mn_view *v, uint32_t u, mn_lb_cand *c, size_t cap);
/*
 * The decision on candidates c (n >= 1, reordered here in vAP order, so
 * ties go to the lower vAP): lb->choose with cur = cur_vap if it is among
 * them (else MN_NONE), then the hysteresis: a handover away from cur_vap
 * needs (1 + hysteresis) times its PHY rate, else the user stays. Returns
 * the index into c of the vAP to use.
 */
size_t mn_lb_pick(const mn_lb_ops *lb, const mn_view *v, uint32_t u, mn_lb_cand *c, size_t n,
                  uint32_t cur_vap, double hysteresis);

/* ---- migration ---- */

typedef struct mn_mig_ops {
    const char *name;
    const char *summary;
    /* Every policy period: migrate, power boxes on or off, through be. */
    int (*tick)(const mn_view *v, const mn_backend *be, mn_err *err);
} mn_mig_ops;

/* ---- the registry (registry.c) ---- */

typedef enum { MN_POLICY_PLACEMENT, MN_POLICY_BALANCING, MN_POLICY_MIGRATION, MN_POLICY_KINDS } mn_policy_kind;

const char *mn_policy_kind_name(mn_policy_kind k); /* "placement", "balancing", "migration" */
/* The kind named s, or -1. */
int mn_policy_kind_parse(const char *s);

const mn_place_ops *mn_place_lookup(const char *name, mn_err *err);
const mn_lb_ops *mn_lb_lookup(const char *name, mn_err *err);
const mn_mig_ops *mn_mig_lookup(const char *name, mn_err *err);

/*
 * Every registered policy of a kind, for listings and contract tests:
 * the i-th name and summary, or NULL past the end.
 */
const char *mn_policy_name(mn_policy_kind k, size_t i, const char **summary);

/* Whether name is a policy of kind k; if not, err lists the valid names. */
int mn_policy_check(mn_policy_kind k, const char *name, mn_err *err);

#endif /* MN_POLICY_H */
