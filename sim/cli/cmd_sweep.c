/*
 * cmd_sweep.c - `mnetsim sweep SWEEP [-j N] [--out DIR]`: expands a sweep
 * file (docs/sweeps.md) and runs what is not finished yet on N local worker
 * processes, or under mpirun on every rank (sweep_mpi.c), then rebuilds
 * runs.csv and points.csv from the run directories.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../core/outfile.h"
#include "commands.h"
#include "sweep_cli.h"

int mn_sweep_cli_prepare(mn_sweep_cli *cli, mn_sweep **sw_out)
{
    mn_err err = {0};
    mn_sweep *sw = NULL;
    *sw_out = NULL;
    if (mn_sweep_load(cli->path, &sw, &err) != MN_OK) {
        mn_cli_print_error(&err);
        return err.code == MN_ENOMEM ? MN_EXIT_FAIL : MN_EXIT_USAGE;
    }
    if (mn_sweep_check_base(sw, &err) != MN_OK) {
        mn_cli_print_error(&err);
        mn_sweep_destroy(sw);
        return err.code == MN_ENOMEM ? MN_EXIT_FAIL : MN_EXIT_USAGE;
    }
    if (!cli->out) {
        snprintf(cli->out_buf, sizeof cli->out_buf, "results/%s", sw->name);
        cli->out = cli->out_buf;
    }
    if (!cli->list) {
        if (mn_sweep_info_conflicts(sw, cli->out)) {
            fprintf(stderr,
                    "mnetsim: sweep: %s holds the runs of another sweep (its base scenario, "
                    "<set>s, seed or parameters differ: sweep.json); give another --out or "
                    "remove it\n",
                    cli->out);
            mn_sweep_destroy(sw);
            return MN_EXIT_USAGE;
        }
        if (mn_sweep_write_info(sw, cli->out, &err) != MN_OK) {
            mn_cli_print_error(&err);
            mn_sweep_destroy(sw);
            return MN_EXIT_FAIL;
        }
    }
    *sw_out = sw;
    return MN_EXIT_OK;
}

void mn_sweep_cli_list(const mn_sweep *sw)
{
    printf("# %s: %zu points x %u replications = %zu runs, base %s, seed %" PRIu64 " (%s)\n",
           sw->name, sw->npoints, sw->reps, mn_sweep_nruns(sw), sw->base, sw->seed,
           sw->independent ? "independent" : "common");
    printf("point");
    for (size_t i = 0; i < sw->nparams; i++)
        printf(" %s", sw->params[i].name);
    printf(" rep seed\n");
    for (size_t r = 0; r < mn_sweep_nruns(sw); r++) {
        size_t p = r / sw->reps;
        char id[128];
        mn_sweep_point_id(sw, p, id, sizeof id);
        printf("%s", id);
        for (size_t i = 0; i < sw->nparams; i++)
            printf(" %s", mn_sweep_value(sw, p, i));
        printf(" %zu %" PRIu64 "\n", r % sw->reps, mn_sweep_seed(sw, p, (uint32_t)(r % sw->reps)));
    }
}

int mn_sweep_cli_pending(const mn_sweep *sw, const char *out, size_t **pending_out, size_t *n_out)
{
    size_t nruns = mn_sweep_nruns(sw), n = 0;
    size_t *pending = mn_calloc(nruns ? nruns : 1, sizeof *pending);
    *pending_out = NULL;
    *n_out = 0;
    if (!pending) {
        fprintf(stderr, "mnetsim: sweep: out of memory for %zu runs\n", nruns);
        return MN_EXIT_FAIL;
    }
    for (size_t r = 0; r < nruns; r++) {
        char dir[4096];
        mn_err err = {0};
        if (mn_sweep_run_dir(sw, out, r, dir, sizeof dir, &err) != MN_OK) {
            mn_cli_print_error(&err);
            mn_free(pending);
            return MN_EXIT_USAGE;
        }
        /* finished runs stay; failed ones are tried again */
        if (mn_sweep_run_state(dir) != MN_SWEEP_DONE)
            pending[n++] = r;
    }
    *pending_out = pending;
    *n_out = n;
    return MN_EXIT_OK;
}

int mn_sweep_cli_finish(const mn_sweep_cli *cli, const mn_sweep *sw, size_t skipped,
                        const mn_sweep_tally *tally, size_t nworkers, const char *runner)
{
    mn_err err = {0};
    mn_sweep_totals tot;
    if (mn_sweep_write_tables(sw, cli->out, &tot, &err) != MN_OK ||
        mn_sweep_write_info(sw, cli->out, &err) != MN_OK) {
        mn_cli_print_error(&err);
        return MN_EXIT_FAIL;
    }
    if (tot.failed) {
        size_t shown = 0;
        for (size_t r = 0; r < tot.runs && shown < 5; r++) {
            char dir[4096];
            if (mn_sweep_run_dir(sw, cli->out, r, dir, sizeof dir, NULL) == MN_OK &&
                mn_sweep_run_state(dir) == MN_SWEEP_FAILED) {
                char path[4200], line[512] = "";
                snprintf(path, sizeof path, "%s/error.txt", dir);
                FILE *f = fopen(path, "r");
                if (f) {
                    if (!fgets(line, sizeof line, f))
                        line[0] = '\0';
                    fclose(f);
                }
                line[strcspn(line, "\n")] = '\0';
                fprintf(stderr, "mnetsim: sweep: run failed: %s: %s\n", dir, line);
                shown++;
            }
        }
        if (tot.failed > shown)
            fprintf(stderr, "mnetsim: sweep: ... and %zu more failed runs (runs.csv lists them)\n",
                    tot.failed - shown);
    }
    if (!cli->quiet)
        printf("%s: %zu points x %u replications = %zu runs: %zu run now (%s, %zu worker%s, "
               "%.2f s), %zu already done, %zu failed -> %s/runs.csv, points.csv\n",
               sw->name, sw->npoints, sw->reps, tot.runs, tally->done + tally->failed, runner,
               nworkers, nworkers == 1 ? "" : "s", tally->wall_s, skipped, tot.failed, cli->out);
    return tot.failed || tot.missing ? MN_EXIT_FAIL : MN_EXIT_OK;
}

/* Started by mpirun (or another MPI launcher)? Its size, else 0. */
static long mpi_launcher_size(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE",
                                       "MPI_LOCALNRANKS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strtol(v, NULL, 10);
    }
    return getenv("PMIX_RANK") ? 2 : 0;
}

static long mpi_launcher_rank(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strtol(v, NULL, 10);
    }
    return 0;
}

static int local_main(mn_sweep_cli *cli)
{
    mn_sweep *sw = NULL;
    int status = mn_sweep_cli_prepare(cli, &sw);
    if (status != MN_EXIT_OK)
        return status;
    if (cli->list) {
        mn_sweep_cli_list(sw);
        mn_sweep_destroy(sw);
        return MN_EXIT_OK;
    }
    size_t *pending = NULL, npending = 0;
    if ((status = mn_sweep_cli_pending(sw, cli->out, &pending, &npending)) != MN_EXIT_OK) {
        mn_sweep_destroy(sw);
        return status;
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = (size_t)(cli->jobs > 0 ? cli->jobs : ncpu > 0 ? ncpu : 1);
    if (n > npending)
        n = npending;
    mn_sweep_pool pool;
    mn_sweep_tally tally = {0};
    mn_err err = {0};
    if (mn_sweep_pool_start(&pool, sw, cli->out, n, &err) != MN_OK) {
        mn_cli_print_error(&err);
        mn_sweep_pool_stop(&pool);
        status = MN_EXIT_FAIL;
    } else {
        int progress = !cli->quiet && isatty(STDERR_FILENO);
        int rc = mn_sweep_dispatch(&pool, NULL, pending, npending, progress, &tally, &err);
        mn_sweep_pool_stop(&pool);
        if (rc != MN_OK) {
            mn_cli_print_error(&err);
            status = MN_EXIT_FAIL;
        }
        int fin = mn_sweep_cli_finish(cli, sw, mn_sweep_nruns(sw) - npending, &tally, n, "local");
        if (status == MN_EXIT_OK)
            status = fin;
    }
    mn_free(pending);
    mn_sweep_destroy(sw);
    return status;
}

int mn_cli_sweep(int argc, char **argv)
{
    static const struct option opts[] = {
        {"jobs", required_argument, NULL, 'j'}, {"out", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},      {"list", no_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    mn_sweep_cli cli;
    memset(&cli, 0, sizeof cli);
    unsigned long long v;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            if (mn_cli_parse_u64("-j", optarg, &v) != MN_OK)
                return MN_EXIT_USAGE;
            if (v < 1 || v > MN_SWEEP_MAX_WORKERS) {
                fprintf(stderr, "mnetsim: sweep: -j %s: give 1 to %d workers\n", optarg,
                        MN_SWEEP_MAX_WORKERS);
                return MN_EXIT_USAGE;
            }
            cli.jobs = (long)v;
            break;
        case 'o':
            cli.out = optarg;
            break;
        case 'q':
            cli.quiet = 1;
            break;
        case 'l':
            cli.list = 1;
            break;
        default:
            fprintf(stderr,
                    "mnetsim: sweep: unknown or incomplete option \"%s\"; see `mnetsim help "
                    "sweep`\n",
                    argv[optind - 1]);
            return MN_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "mnetsim: sweep: give exactly one sweep file; see `mnetsim help sweep`\n");
        return MN_EXIT_USAGE;
    }
    cli.path = argv[optind];
    long size = mpi_launcher_size();
    if (size > 1) {
#ifdef MN_HAVE_MPI
        return mn_sweep_mpi_main(&cli);
#else
        if (mpi_launcher_rank() == 0)
            fprintf(stderr,
                    "mnetsim: sweep: started by mpirun with %ld processes, but this mnetsim was "
                    "built without MPI; install OpenMPI (scripts/setup.sh: libopenmpi-dev) and "
                    "rebuild, or run `mnetsim sweep -j N` without mpirun\n",
                    size);
        return MN_EXIT_USAGE;
#endif
    }
    (void)mpi_launcher_rank;
    return local_main(&cli);
}
