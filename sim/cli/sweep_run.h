/*
 * sweep_run.h - running a sweep's runs: one run into its directory, a pool
 * of local worker processes fed one run at a time, optional remote workers
 * (the MPI runner, sweep_mpi.c), and the results tables rebuilt from the
 * run directories (sweep_agg.c).
 *
 * Owns:      a pool owns its worker processes and their pipes (fork in
 *            mn_sweep_pool_start, reaped in mn_sweep_pool_stop).
 * Borrows:   the sweep; it outlives the pool.
 * Invariant: run r of a sweep lives in OUT/runs/<point id>/rep-<k>/ and is
 *            finished when its metrics.csv exists: written atomically after
 *            every result file of the run (manifest.json included), so a
 *            sweep killed at any moment leaves whole runs or none. A failed
 *            run has error.txt (atomic) and no metrics.csv. The tables are
 *            rebuilt from these files in run order, so they do not depend
 *            on the number of workers or on the order runs finish.
 */
#ifndef MN_CLI_SWEEP_RUN_H
#define MN_CLI_SWEEP_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/err.h"
#include "sweep_spec.h"

enum { MN_SWEEP_MISSING, MN_SWEEP_DONE, MN_SWEEP_FAILED };

/* OUT/runs/<point id>/rep-<k> of run r into buf; MN_EINVAL when too long. */
int mn_sweep_run_dir(const mn_sweep *sw, const char *out, size_t r, char *buf, size_t len,
                     mn_err *err);

/* MN_SWEEP_DONE (metrics.csv), MN_SWEEP_FAILED (error.txt) or MN_SWEEP_MISSING. */
int mn_sweep_run_state(const char *run_dir);

/*
 * Runs run r into dir (created; files of an earlier attempt removed first):
 * the point's overrides and policies on the base scenario with the run's
 * seed (mn_world_run), then metrics.csv, or error.txt with the error.
 * Returns MN_SWEEP_DONE or MN_SWEEP_FAILED, or a negative code when not
 * even error.txt could be written (err says why).
 */
int mn_sweep_exec(const mn_sweep *sw, size_t r, const char *dir, mn_err *err);

/* Writes dir/error.txt ("where: message\n") atomically, creating dir. */
int mn_sweep_write_error(const char *dir, const char *text, mn_err *err);

/*
 * The files of a finished run as one buffer, for a worker without the
 * results' file system: for each regular file of dir, its name, a NUL, its
 * size as 8 little-endian bytes, its bytes. metrics.csv and error.txt come
 * last, so writing them out in order keeps the completion mark last.
 * *buf_out is the caller's (mn_free).
 */
int mn_sweep_pack_dir(const char *dir, unsigned char **buf_out, size_t *len_out, mn_err *err);
/* Writes a packed run into dir (created; emptied first), each file atomically, in order. */
int mn_sweep_unpack_dir(const char *dir, const unsigned char *buf, size_t len, mn_err *err);
/* Removes the regular files (hidden temporaries too) of dir; the directory stays. */
void mn_sweep_clear_dir(const char *dir);

/* Remote workers, driven by the dispatcher on rank 0 (sweep_mpi.c). */
typedef struct mn_sweep_remote {
    void *ctx;
    size_t nworkers;
    /* sends run r to worker w */
    int (*assign)(void *ctx, size_t w, size_t r, mn_err *err);
    /*
     * A finished run, if one has arrived (returns 1; 0: none yet): its
     * worker, run and state; its files are already written under out.
     */
    int (*collect)(void *ctx, const char *out, size_t *w, size_t *r, int *state, mn_err *err);
    /* there are no more runs: the workers may stop */
    void (*finish)(void *ctx);
} mn_sweep_remote;

#define MN_SWEEP_MAX_WORKERS 1024

typedef struct mn_sweep_pool {
    const mn_sweep *sw; /* borrowed */
    const char *out;    /* borrowed */
    size_t n;
    pid_t pid[MN_SWEEP_MAX_WORKERS];
    int job_fd[MN_SWEEP_MAX_WORKERS];    /* parent writes run indexes */
    int result_fd[MN_SWEEP_MAX_WORKERS]; /* parent reads results */
    size_t nprimed; /* runs handed out by mn_sweep_pool_prime: pending[0..nprimed-1], worker w has pending[w] */
} mn_sweep_pool;

/*
 * Forks n local workers (n may be 0). Each reads run indexes from its pipe
 * and runs them into their directories under out; a worker dies with its
 * parent (PR_SET_PDEATHSIG). Call before MPI_Init: the workers never call MPI.
 */
int mn_sweep_pool_start(mn_sweep_pool *pool, const mn_sweep *sw, const char *out, size_t n,
                        mn_err *err);
/*
 * Hands the first runs of pending (the list mn_sweep_dispatch will get), one
 * per worker, to the workers at once: the MPI runner does it before
 * MPI_Init, so its local workers compute while MPI starts. Returns how many
 * it handed out (dispatch takes them over).
 */
size_t mn_sweep_pool_prime(mn_sweep_pool *pool, const size_t *pending, size_t npending);
/* Tells the workers to stop and reaps them. */
void mn_sweep_pool_stop(mn_sweep_pool *pool);

typedef struct mn_sweep_tally {
    size_t done, failed;   /* of the runs given to mn_sweep_dispatch */
    double wall_s;
} mn_sweep_tally;

/*
 * Runs pending[0..npending) (run indexes) on the pool's workers and the remote
 * ones (NULL: none), one run per idle worker at a time, in pending's order.
 * A worker that dies fails its run (error.txt says so) and gets no more.
 * progress: a line on stderr with points done/total, runs/s and ETA
 * (points_done0: points already complete before). MN_EIO when no worker is
 * left with runs to do.
 */
int mn_sweep_dispatch(mn_sweep_pool *pool, const mn_sweep_remote *remote, const size_t *pending,
                      size_t npending, int progress, mn_sweep_tally *tally, mn_err *err);

/* ---- the tables (sweep_agg.c) ---- */

typedef struct mn_sweep_totals {
    size_t runs, done, failed, missing;
} mn_sweep_totals;

/*
 * Rebuilds out/runs.csv, runs.json, points.csv, points.json and columns.csv
 * (each atomically) from the run directories, in run order: a row per run
 * (parameters, rep, seed, status, every metric, error) and per point (n,
 * failed, every metric's mean, sd and 95% Student-t half-width, through
 * compare_table.h).
 */
int mn_sweep_write_tables(const mn_sweep *sw, const char *out, mn_sweep_totals *totals,
                          mn_err *err);

/* out/sweep.json: the sweep's name, files, fingerprint and sizes (atomically). */
int mn_sweep_write_info(const mn_sweep *sw, const char *out, mn_err *err);
/*
 * 1 when out/sweep.json exists with another fingerprint (out holds another
 * sweep's runs), 0 when it matches or is absent.
 */
int mn_sweep_info_conflicts(const mn_sweep *sw, const char *out);

/* A metric's unit ("s", "bit/s", "1"...) and a label for axes ("SLA violation time"). */
const char *mn_sweep_metric_unit(const char *metric);
const char *mn_sweep_metric_label(const char *metric);

/* metrics.csv of a run: the metric names, then the values with %.17g ("n/a": not finite). */
int mn_sweep_read_metrics(const char *run_dir, double *values, size_t n);

#endif /* MN_CLI_SWEEP_RUN_H */
