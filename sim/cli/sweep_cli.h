/*
 * sweep_cli.h - the steps of `mnetsim sweep` shared by the local runner
 * (cmd_sweep.c) and the cluster runner (sweep_mpi.c, built with MPI).
 *
 * Owns:      nothing; the caller destroys the sweep the prepare step made.
 * Invariant: every step prints its own one-line errors and returns an exit
 *            status (commands.h): 0, 1 (a run failed) or 2 (bad input).
 */
#ifndef MN_CLI_SWEEP_CLI_H
#define MN_CLI_SWEEP_CLI_H

#include <stddef.h>

#include "sweep_run.h"

typedef struct mn_sweep_cli {
    const char *path;   /* the sweep file */
    const char *out;    /* --out, or NULL: results/<sweep name> */
    long jobs;          /* -j; 0: not given */
    int quiet, list;
    char out_buf[4096]; /* the output directory chosen */
} mn_sweep_cli;

/*
 * Loads and checks the sweep and its base scenario, picks the output
 * directory, refuses one that holds another sweep, and (unless --list)
 * writes its sweep.json. *sw_out: the caller's.
 */
int mn_sweep_cli_prepare(mn_sweep_cli *cli, mn_sweep **sw_out);

/* --list: the expansion, one line per run (point id, values, rep, seed). */
void mn_sweep_cli_list(const mn_sweep *sw);

/* The runs not finished yet under out, in run order (*pending_out: mn_free). */
int mn_sweep_cli_pending(const mn_sweep *sw, const char *out, size_t **pending_out, size_t *n_out);

/* Rebuilds the tables and prints the closing line; 1 if a run failed. */
int mn_sweep_cli_finish(const mn_sweep_cli *cli, const mn_sweep *sw, size_t skipped,
                        const mn_sweep_tally *tally, size_t nworkers, const char *runner);

#ifdef MN_HAVE_MPI
/* `mnetsim sweep` under mpirun (more than one process): rank 0 dispatches. */
int mn_sweep_mpi_main(mn_sweep_cli *cli);
#endif

#endif /* MN_CLI_SWEEP_CLI_H */
