/*
 * rules.h - the operators' rule language: declarative "when these metrics
 * are in these intervals, do these actions" rules, their loading
 * (rules_load.c), their evaluation over a policy view and their execution
 * through a policy backend (rules.c), and the analysis primitives the
 * `mnetsim validate` command builds on. docs/rules.md is the reference.
 *
 * Owns:      every rule, its id and file name, its selection, conditions
 *            and actions (all freed by mn_ruleset_fini, called from
 *            mn_world_fini: a ruleset lives in its mn_world).
 * Borrows:   at run time, the view and the backend (policy.h) for the call.
 * Invariant: a rule of an operator names only that operator's instances
 *            (checked at load time, and again at run time); a rule of the
 *            infrastructure names only boxes. A condition is one interval
 *            (or the complement of one) on one metric's numeric value, in
 *            the metric's base unit, so analysis is interval arithmetic;
 *            actions come from a closed set. `order` lists every rule by
 *            (priority descending, document order).
 *
 * A rule reads the view only (mn_view) and acts only through the backend
 * (mn_backend), like a policy. This header forward-declares those types so
 * that world.h can embed a ruleset without seeing policy.h.
 *
 * Subjects. A rule is "for" vAPs, VMs or boxes. Its selection holds
 * kind-local indexes: vAP j, VM j (world/view order) or box j. At run time
 * vAP j is view instance j and VM j is view instance nvaps + j; the
 * `subject` handed to the log callback is that view instance index (or the
 * box index for box rules).
 */
#ifndef MN_RULES_H
#define MN_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/scenario.h"
#include "core/strmap.h"
#include "core/time.h"

#ifndef MN_NONE
#define MN_NONE UINT32_MAX
#endif

struct mn_view;
struct mn_backend;

#define MN_RULE_MAX_CONDS 16  /* <when> per rule */
#define MN_RULE_MAX_ACTIONS 8 /* <do> per rule */

/* What starts a rule (the on= attribute). */
typedef enum {
    MN_RULE_ON_PERIOD,        /* every period= (default 1min) */
    MN_RULE_ON_USER_ONLINE,   /* a user of the instance comes online */
    MN_RULE_ON_USER_AWAY,     /* a followed user is out of range of its vAP */
    MN_RULE_ON_SLA_VIOLATION, /* a user of the instance starts violating its SLA */
    MN_RULE_ON_BOX_OVERLOAD,  /* a box's load crosses the scenario's high threshold */
    MN_RULE_ON_BOX_FAILURE,   /* a box fails */
    MN_RULE_TRIGGERS
} mn_rule_trigger;

/* What a rule acts on (the for= attribute). */
typedef enum { MN_RULE_VAP, MN_RULE_VM, MN_RULE_BOX, MN_RULE_SUBJECTS } mn_rule_subject;

/* The kind of value a metric has, which decides how <when value=> is written. */
typedef enum {
    MN_RULE_UNIT_FRACTION,    /* 0..1, written "80%" or "0.8" */
    MN_RULE_UNIT_COUNT,       /* a non-negative integer, "3" */
    MN_RULE_UNIT_BOOL,        /* 0 or 1, written "true" / "false" */
    MN_RULE_UNIT_FREQUENCY,   /* Hz, "500MHz" */
    MN_RULE_UNIT_SIZE,        /* bytes, "256MiB" */
    MN_RULE_UNIT_DISTANCE,    /* metres, "150m" */
    MN_RULE_UNIT_TIME_OF_DAY, /* seconds since midnight, "8h" */
    MN_RULE_UNITS
} mn_rule_unit;

/* The metrics, a closed table (mn_rule_metrics); the first group reads instances, the second boxes.
 */
typedef enum {
    MN_RM_BOX_LOAD,     /* box.load: its box's forwarding CPU busy */
    MN_RM_BOX_AIR_LOAD, /* box.air-load: its box's busiest radio's airtime busy */
    MN_RM_BOX_CPU_FREE, /* box.cpu-free */
    MN_RM_BOX_MEM_FREE, /* box.mem-free */
    MN_RM_BOX_USERS,    /* box.users: users on its box's vAPs */
    MN_RM_USERS,        /* users: associated with it */
    MN_RM_LOAD,         /* load: its share of its box's forwarding */
    MN_RM_VIOLATING,    /* violating: fraction of its users violating their SLA (0 without users) */
    MN_RM_FOLLOWS_DISTANCE, /* follows.distance: from its box to the user it follows */
    MN_RM_FOLLOWS_ONLINE,   /* follows.online */
    MN_RM_TIME_OF_DAY,      /* time-of-day: now mod 24h */
    MN_RM_B_LOAD,           /* (box) load */
    MN_RM_B_AIR_LOAD,       /* (box) air-load */
    MN_RM_B_HOSTED,         /* (box) hosted: instances on it */
    MN_RM_B_USERS,          /* (box) users */
    MN_RM_B_POWERED,        /* (box) powered */
    MN_RM_B_TIME_OF_DAY,    /* (box) time-of-day */
    MN_RM_METRICS
} mn_rule_metric;

typedef struct mn_rule_metric_info {
    const char *name; /* as written in <when metric=> */
    mn_rule_unit unit;
    int box; /* 1: a metric of box rules; 0: of vAP and VM rules */
} mn_rule_metric_info;

/* Indexed by mn_rule_metric. */
extern const mn_rule_metric_info mn_rule_metrics[MN_RM_METRICS];

typedef enum {
    MN_RULE_LT,
    MN_RULE_LE,
    MN_RULE_GT,
    MN_RULE_GE,
    MN_RULE_EQ,
    MN_RULE_NE,
    MN_RULE_IN,
    MN_RULE_OPS
} mn_rule_op;

/*
 * One <when>: the metric's value v holds the condition when
 *     lo <(=) v <(=) hi            (negate 0; "<" where the end is open)
 *     not (lo <(=) v <(=) hi)      (negate 1: ne, and time-of-day "in" across midnight)
 * Bounds may be -INFINITY / INFINITY. Count and bool conditions have closed
 * integer bounds (gt 3 is [4, inf)). op, v1 and v2 keep what was written,
 * for messages only.
 */
typedef struct mn_rule_cond {
    mn_rule_metric metric;
    double lo, hi;
    uint8_t lo_open, hi_open, negate;
    uint8_t op; /* mn_rule_op */
    double v1, v2;
    long line;
} mn_rule_cond;

typedef enum {
    MN_RULE_MIGRATE, /* live-migrates a running instance (to=) */
    MN_RULE_REMOVE,  /* takes an instance off its box */
    MN_RULE_SET_QOS, /* a vAP's airtime share (airtime=) */
    MN_RULE_TUNNEL,  /* a tunnel from the instance's box's site to to-site= */
    MN_RULE_PLACE,   /* places an unplaced instance (on=) */
    MN_RULE_POWER,   /* switches a box on or off (state=) */
    MN_RULE_ACTIONS
} mn_rule_action_kind;

/* Where migrate and place go. */
typedef enum {
    MN_RULE_TO_LEAST_LOADED, /* the candidate box that fits with the lowest load */
    MN_RULE_TO_NEAREST_USER, /* the candidate box nearest the followed user (or its users' mean) */
    MN_RULE_TO_BOXES         /* the first box of a list that fits */
} mn_rule_target;

typedef struct mn_rule_action {
    mn_rule_action_kind kind;
    mn_rule_target target; /* migrate, place */
    uint32_t *boxes;       /* owned: MN_RULE_TO_BOXES, in list order */
    size_t nboxes;
    double airtime; /* set-qos: (0, 1] */
    uint32_t site;  /* tunnel */
    int on;         /* power */
    long line;
} mn_rule_action;

typedef struct mn_rule {
    char *id;       /* owned */
    uint32_t op;    /* its operator; MN_NONE: the infrastructure */
    int priority;   /* higher first */
    uint32_t index; /* document order among all rules */
    mn_rule_trigger trigger;
    mn_time period; /* on="period": fires when now is a multiple of it; else 0 */
    mn_rule_subject subject;
    int select_all; /* no select=: every instance of its operator (or box), at run time */
    uint32_t *sel;  /* owned: kind-local indexes, ascending, unique (empty if select_all) */
    size_t nsel;
    mn_rule_cond conds[MN_RULE_MAX_CONDS];
    size_t nconds;
    mn_rule_action actions[MN_RULE_MAX_ACTIONS];
    size_t nactions;
    char *file; /* owned: the scenario file it was written in */
    long line;
} mn_rule;

typedef struct mn_ruleset {
    mn_rule *rules; /* owned: document order */
    size_t nrules, rules_cap;
    uint32_t *order; /* owned: nrules indexes, priority order */
    size_t order_cap;
    mn_strmap ids; /* rule id -> index */
    /* loading state: the <rules> being read */
    uint32_t cur_op; /* its operator, MN_NONE: infrastructure */
    int cur_open;    /* inside a <rules> */
    /* mnetsim validate: with collect_isolation set (before loading, see
       mn_rules_collect_isolation), a select= token naming another operator's
       instance is recorded here and dropped from the selection instead of
       failing the load; 0 (mnetsim run): a load-time error, as always */
    int collect_isolation;
    struct mn_rule_isolation *isolation; /* owned */
    size_t nisolation, isolation_cap;
} mn_ruleset;

/* One isolation violation recorded with collect_isolation (strings owned by the ruleset). */
typedef struct mn_rule_isolation {
    char *rule;    /* the rule's id */
    char *file;    /* where the rule was written */
    long line;     /* of the <rule> */
    char msg[320]; /* the message the load would have failed with, without file:line */
} mn_rule_isolation;

/*
 * Whether rulesets initialised from now on (mn_ruleset_init, so every
 * scenario loaded after this call) collect isolation violations instead of
 * failing the load. Process-wide; only `mnetsim validate` sets it, before
 * loading. Default 0.
 */
void mn_rules_collect_isolation(int on);

void mn_ruleset_init(mn_ruleset *rs);
void mn_ruleset_fini(mn_ruleset *rs);

/* The i-th rule in priority order (higher priority first, ties in document order); NULL past the
 * end. */
const mn_rule *mn_rules_sorted(const mn_ruleset *rs, size_t i);
/* A rule by id, or NULL. */
const mn_rule *mn_rules_find(const mn_ruleset *rs, const char *id);

/* Names as written in XML; the parse functions return -1 for an unknown name. */
const char *mn_rule_trigger_name(mn_rule_trigger t);
const char *mn_rule_subject_name(mn_rule_subject s);
const char *mn_rule_action_name(mn_rule_action_kind a);
const char *mn_rule_op_name(mn_rule_op op);
int mn_rule_trigger_parse(const char *s);
/* The metric named s for rules of subject kind subj (vAP and VM rules share metrics), or -1. */
int mn_rule_metric_parse(const char *s, mn_rule_subject subj);

/*
 * The interval GCD of every period rule's period: the caller runs
 * MN_RULE_ON_PERIOD at every multiple of it (from time 0); a period rule
 * fires at runs where now is a multiple of its own period. 0: no period rules.
 */
mn_time mn_rules_tick(const mn_ruleset *rs);

/* ---- evaluation ---- */

/*
 * The value of metric m for subject s (a view instance index for instance
 * metrics, a box index for box metrics), computed from the view only, in
 * the metric's base unit (fraction 0..1, count, 0/1, Hz, bytes, metres,
 * seconds since midnight). NaN when it has no value (an unplaced instance's
 * box.*, follows.* of an instance that follows nobody): every condition on
 * a NaN is false.
 */
double mn_rule_metric_value(const struct mn_view *v, mn_rule_metric m, uint32_t s);

/* Whether value x satisfies condition c (NaN: never). */
/* Whether r's explicit selection (sel, ascending) holds kind-local index j (select_all aside). */
int mn_rule_sel_has(const mn_rule *r, uint32_t j);

int mn_rule_cond_holds(const mn_rule_cond *c, double x);

/* The result code of an action that had nothing to do (already on that box, already on). */
#define MN_RULE_NOOP 1

/*
 * Called for every action a rule attempts: rc is MN_OK (done),
 * MN_RULE_NOOP (nothing to do), or a refusal: the backend's MN_ERANGE /
 * MN_EINVAL / MN_EUNSUPPORTED, or MN_ERANGE when no box fits. reason says
 * why the rule fired and what came of it, e.g.
 * "box.load 0.91 > 0.80; to b2 (least-loaded, load 0.10)". action is NULL
 * never; the strings are borrowed for the call.
 */
typedef void (*mn_rule_log_fn)(void *ctx, const mn_rule *rule, uint32_t subject,
                               const mn_rule_action *action, int rc, const char *reason);

/*
 * One step of the rules for event trig: for every rule with that trigger,
 * in priority order (period rules only when v->now is a multiple of their
 * period), and every selected subject whose conditions all hold, runs the
 * rule's actions in order through be, and logs each (log may be NULL).
 *
 * subject narrows the run to one event's subject; MN_NONE: every subject.
 * It is a view instance index for period, user-online, user-away and
 * sla-violation (box rules then consider that instance's box), a box index
 * for box-overload and box-failure (instance rules then consider the
 * instances on or migrating to that box).
 *
 * One action per subject per run: a subject on which a rule's action
 * succeeded (MN_OK) is skipped by every later rule of the run. Refusals
 * and no-ops are logged and the run goes on (the next action, the next
 * subject). Every action reads the view as it was at the start of the run;
 * the backend checks each one again.
 *
 * Returns MN_OK, or a backend's other error (MN_ENOMEM...), or MN_ENOMEM.
 * Rules run before the default policies: the caller runs this step, then
 * the policies' own (docs/rules.md).
 */
int mn_rules_run(const mn_ruleset *rs, const struct mn_view *v, const struct mn_backend *be,
                 mn_rule_trigger trig, uint32_t subject, mn_rule_log_fn log, void *log_ctx,
                 mn_err *err);

/*
 * The events a view shows by itself, at a policy tick: every box over
 * v->high (MN_RULE_ON_BOX_OVERLOAD for that box), then every running vAP
 * whose followed user is online and out of its radio's range
 * (MN_RULE_ON_USER_AWAY for that vAP); each through mn_rules_run. The
 * caller adds what only it can see (SLA violations, users coming online)
 * and then the periodic rules. Returns as mn_rules_run.
 */
int mn_rules_run_view_events(const mn_ruleset *rs, const struct mn_view *v, const struct mn_backend *be,
                             mn_rule_log_fn log, void *log_ctx, mn_err *err);

/* What a user shows at a policy tick (mn_rules_run_user_events): bits, and its vAP. */
enum { MN_RULE_USER_VIOLATING = 1, MN_RULE_USER_CAME_ONLINE = 2 };
/* User u's events since the last tick (MN_RULE_USER_* bits) and *vap, its vAP now (MN_NONE: none). */
typedef unsigned (*mn_rule_user_fn)(const void *ctx, uint32_t user, uint32_t *vap);

/*
 * The users' events at a policy tick, once per vAP: for every vAP (in
 * order) with a user that violates its SLA, MN_RULE_ON_SLA_VIOLATION for
 * that vAP; then, with a user that came online since the last tick,
 * MN_RULE_ON_USER_ONLINE; each through mn_rules_run. who(ctx, u, &vap)
 * reports user u of nusers (the simulator from its sessions, emulation
 * from its measured traffic). Returns as mn_rules_run.
 */
int mn_rules_run_user_events(const mn_ruleset *rs, const struct mn_view *v, const struct mn_backend *be,
                             size_t nusers, mn_rule_user_fn who, const void *who_ctx, mn_rule_log_fn log,
                             void *log_ctx, mn_err *err);

/* ---- analysis (for `mnetsim validate`) ----
 *
 * A rule's region is, per metric, the set of values its conditions allow
 * (the intersection of their intervals with the metric's domain: [0, 1]
 * for fractions, integers >= 0 for counts, {0, 1} for bools, [0, 24h) for
 * time-of-day, [0, inf) otherwise); a metric it does not test is its
 * whole domain. These primitives are static: they look at the rules, not
 * at a run, and they assume an action that is attempted succeeds.
 */

/* An explanation, filled when a primitive says "yes" (may be NULL). */
typedef struct mn_rule_why {
    char msg[256];
} mn_rule_why;

/*
 * 1 if some state of the metrics satisfies every condition of r; 0 when
 * some metric's conditions have an empty intersection, so r never fires
 * (why: "box.load > 0.90 and box.load < 0.50 never both hold").
 */
int mn_rule_satisfiable(const mn_rule *r, mn_rule_why *why);

/*
 * 1 if a shadows b, so b never acts: a runs before b (higher priority, or
 * equal and earlier in the document), they have the same trigger (for
 * period rules a's period divides b's) and the same subject kind and
 * scope, a's selection covers b's, and b's region lies inside a's (every
 * state in which b fires, a fires on the same subject first). An
 * unsatisfiable b is shadowed by any such a.
 */
int mn_rule_shadows(const mn_rule *a, const mn_rule *b, mn_rule_why *why);

/*
 * 1 if a and b may undo each other run after run: their selections share a
 * subject (same kind and scope), their regions overlap (some state
 * satisfies both), and they have inverse actions: migrate to different
 * targets, power on versus off, set-qos to different airtimes, place versus
 * remove. Triggers may differ.
 */
int mn_rules_may_oscillate(const mn_rule *a, const mn_rule *b, mn_rule_why *why);

/*
 * The most backend calls one run of r can make: subjects x actions, where
 * subjects is nsel, or all_subjects (the operator's instances of r's kind,
 * or the boxes) for a rule without select=.
 */
size_t mn_rule_worst_case(const mn_rule *r, size_t all_subjects);

/* ---- loading (rules_load.c) ---- */

/* The elements "rules", "rule", "when", "do", for net.c's loader table; world is an mn_net. */
extern const struct mn_scn_entity_ops mn_rules_entities[];
extern const size_t mn_rules_nentities;

#endif /* MN_RULES_H */
