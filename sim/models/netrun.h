/*
 * netrun.h - running a loaded network scenario and writing its results.
 *
 * Owns:      everything of a run (engine, solver, routes), freed on return.
 * Invariant: results are written only after the run ended well, each file
 *            atomically (core/outfile.h), manifest.json last: a directory
 *            with a manifest holds a whole run. Same scenario and seed:
 *            summary.json, flows.csv, links.csv and timeseries.csv are
 *            byte-identical; run-dependent facts (wall time, events/s) live
 *            only in manifest.json.
 *
 * Model: links are full duplex (one resource per direction); a flow follows
 * the lowest-latency path (Dijkstra, igraph), waits its path latency, then
 * receives its max-min fair rate (models/share.h) until its bytes are
 * delivered. A scenario duration stops the run there (unfinished flows have
 * no end time).
 */
#ifndef MN_NETRUN_H
#define MN_NETRUN_H

#include <stdint.h>

#include "net.h"

typedef struct mn_run_opts {
    uint64_t seed;             /* used when seed_set, else the scenario's, else 1 */
    int seed_set;
    const char *out_dir;       /* results go here (created if missing) */
    const char *const *sets;   /* the overrides applied, recorded in the manifest */
    size_t nsets;
    int progress;              /* print a progress line on stderr */
    /* policies by kind (placement, balancing, migration: mn_policy_kind), overriding the
       scenario's <policies>; NULL: the scenario's, else the default */
    const char *policy[3];
    int agent_trace;           /* the agents log each decision with its reason (agent.csv) */
    const struct mn_run_observer *observer; /* NULL: none */
} mn_run_opts;

/*
 * What a caller (mnetsim validate) may watch during a world run; every
 * callback may be NULL. Called from inside the run: they must not call
 * back into it. Names are borrowed for the call.
 */
typedef struct mn_run_observer {
    void *ctx;
    /* an operator rule acted (rc MN_OK), had nothing to do (1) or was refused (< 0) */
    void (*rule_action)(void *ctx, double t_s, const char *rule_id, const char *rule_file,
                        long rule_line, const char *subject, const char *action, int rc,
                        const char *reason);
    /* a live migration finished */
    void (*migration)(void *ctx, double start_s, double end_s, const char *instance,
                      const char *from_box, const char *to_box, double downtime_s);
    /* a migration or placement was refused by the backend (over-commit, wrong state) */
    void (*refused)(void *ctx, double t_s, const char *what, const char *instance,
                    const char *box, const char *why);
    /* a user was handed over from one vAP to another (user: NULL for a visitor); may be NULL */
    void (*handover)(void *ctx, double t_s, const char *user, const char *from_vap,
                     const char *to_vap);
} mn_run_observer;

/* The main metrics of a world run, for comparisons and sweeps (names: mn_run_metric_names). */
enum {
    MN_M_SLA_VIOLATION_S,    /* SLA violation time, all users */
    MN_M_USERS_VIOLATED,     /* fraction of online users that violated at some point */
    MN_M_MEAN_USER_BPS,      /* mean user throughput while online */
    MN_M_BLOCKING,           /* session blocking probability */
    MN_M_DELAY_MEAN_S,       /* mean session delay */
    MN_M_ENERGY_KWH,         /* energy of the boxes */
    MN_M_BOXES_ON,           /* time-average number of powered boxes */
    MN_M_HANDOVERS,
    MN_M_MIGRATIONS,         /* live migrations completed */
    MN_M_MIGRATION_DOWNTIME_S, /* their stop-and-copy downtime, summed */
    MN_M_PLACEMENT_REFUSED,  /* instances no box could take */
    MN_RUN_NMETRICS
};
extern const char *const mn_run_metric_names[MN_RUN_NMETRICS];

typedef struct mn_run_summary {
    uint64_t events, flows, completed;
    double sim_end_s, wall_s;
    int has_metrics;                  /* a world run filled metrics[] */
    double metrics[MN_RUN_NMETRICS];
} mn_run_summary;

int mn_net_run(const mn_net *n, const mn_run_opts *o, mn_run_summary *out, mn_err *err);

/*
 * Writes dir/manifest.json, last of a run's files: the scenario's path and
 * SHA-256, seed, version, model ("flows" or "world"), options, wall time,
 * events, peak RSS and the files written. Shared by both runs.
 */
int mn_run_write_manifest(const char *dir, const char *scenario_path, const mn_run_opts *o,
                          uint64_t seed, double wall, uint64_t events, const char *model,
                          const char *const *files, size_t nfiles, mn_err *err);

#endif /* MN_NETRUN_H */
