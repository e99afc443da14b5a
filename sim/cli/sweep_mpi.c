/*
 * sweep_mpi.c - the cluster runner: `mpirun -np N mnetsim sweep SWEEP`.
 * Built only with MPI (MN_HAVE_MPI).
 *
 * Rank 0 hands out run indexes, one per idle worker, and writes every
 * result under --out; ranks 1..N-1 run them into a private temporary
 * directory and send back the run's files' bytes (mn_sweep_pack_dir), so
 * no shared file system is assumed for the results. The inputs (the sweep
 * file, the base scenario and what it includes) must be at the same path
 * on every node, like the mnetsim binary itself; each rank checks its copy
 * against rank 0's fingerprint before any run. Rank 0 also runs: before
 * MPI_Init it forks one local worker process (-j N: N of them; the workers
 * never call MPI), so -np 2 has two workers, as -j 2 has.
 *
 * Messages: TAG_JOB rank 0 -> worker, a uint64 run index (UINT64_MAX:
 * stop); TAG_RESULT worker -> rank 0, bytes: run (8, little-endian), state
 * (4), then the packed files (or, for state < 0, an error text). Idle ranks
 * wait with MPI_Test and 1 ms sleeps, not in a busy MPI_Recv, so that a
 * rank with nothing to do leaves its core to the runs.
 */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include <mpi.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../core/sysinfo.h"
#include "../core/outfile.h"
#include "commands.h"
#include "sweep_cli.h"

#define TAG_JOB 1
#define TAG_RESULT 2
#define STOP UINT64_MAX
#define HELLO_LEN (MN_ERR_WHERE + 300)

/*
 * mpirun binds each rank to a core; rank 0 hosts local workers besides
 * coordinating, and with the binding they all share its one core (a
 * measured 3.6 s against 2.8 s unbound for -np 2 on 2 cores). A worker
 * rank bound to one core cannot move off it when another process takes
 * that core, while the local runner's workers can. So every rank, before
 * MPI_Init (and rank 0 before it forks), lets itself run on every online
 * CPU, as the local runner's processes do. Best effort: where the call
 * fails, the binding stays.
 */
static void unbind_from_launcher(void)
{
    cpu_set_t all;
    CPU_ZERO(&all);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    for (long c = 0; c < n && c < CPU_SETSIZE; c++)
        CPU_SET((int)c, &all);
    (void)sched_setaffinity(0, sizeof all, &all);
}

/*
 * Open MPI's default point-to-point layer on this Debian build is UCX, whose
 * MPI_Init probes the network devices: 0.22 s of each run's start, against
 * 0.035 s with the ob1 layer over shared memory (mpirun -np 2 of an empty
 * MPI program: 0.31 s against 0.14 s wall, measured here). When every rank
 * of the job is on this node (Open MPI's OMPI_COMM_WORLD_SIZE equals
 * OMPI_COMM_WORLD_LOCAL_SIZE) shared memory is the transport anyway, so
 * unless the user chose one (OMPI_MCA_pml or OMPI_MCA_btl set, as `mpirun
 * --mca pml ...` or the environment do), ob1 over self,vader is asked for.
 * Every rank decides alike (same environment), before MPI_Init.
 */
static void prefer_shared_memory_on_one_node(void)
{
    const char *size = getenv("OMPI_COMM_WORLD_SIZE");
    const char *local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    if (!size || !local || strcmp(size, local) != 0)
        return;
    if (getenv("OMPI_MCA_pml") || getenv("OMPI_MCA_btl"))
        return;
    setenv("OMPI_MCA_pml", "ob1", 0);
    setenv("OMPI_MCA_btl", "self,vader", 0);
}

static void nap(void)
{
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
}

/*
 * Waits for a request: testing without pause for 5 ms (a reply or the
 * steps of a large transfer come that fast), then every millisecond, so a
 * rank waiting for long does not spin a core that a run could use.
 */
static void wait_for(MPI_Request *req)
{
    int done = 0;
    double t0 = mn_sys_monotonic_s();
    while (MPI_Test(req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done)
        if (mn_sys_monotonic_s() - t0 > 0.005)
            nap();
}

static long launcher_rank(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strtol(v, NULL, 10);
    }
    return -1;
}

/* ---- rank 0's view of the remote workers ---- */

struct master {
    const mn_sweep *sw;
    int size;
    uint64_t *jobs; /* one send buffer per worker */
};

static int m_assign(void *ctx, size_t w, size_t r, mn_err *err)
{
    struct master *m = ctx;
    m->jobs[w] = r;
    if (MPI_Send(&m->jobs[w], 1, MPI_UINT64_T, (int)w + 1, TAG_JOB, MPI_COMM_WORLD) !=
        MPI_SUCCESS)
        return MN_ERR(err, MN_EIO, "cannot send run %zu to rank %zu", r, w + 1);
    return MN_OK;
}

static int m_collect(void *ctx, const char *out, size_t *w, size_t *r, int *state, mn_err *err)
{
    struct master *m = ctx;
    int flag = 0, count = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &st);
    if (!flag)
        return 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    unsigned char *buf = mn_alloc(count > 0 ? (size_t)count : 1);
    if (!buf)
        return MN_ERR(err, MN_ENOMEM, "out of memory for a result of %d bytes", count);
    MPI_Recv(buf, count, MPI_BYTE, st.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (count < 12) {
        mn_free(buf);
        return MN_ERR(err, MN_EPARSE, "rank %d sent a short result", st.MPI_SOURCE);
    }
    uint64_t run = 0;
    uint32_t s = 0;
    for (int b = 0; b < 8; b++)
        run |= (uint64_t)buf[b] << (8 * b);
    for (int b = 0; b < 4; b++)
        s |= (uint32_t)buf[8 + b] << (8 * b);
    *w = (size_t)st.MPI_SOURCE - 1;
    *r = (size_t)run;
    char dir[4096];
    int rc = mn_sweep_run_dir(m->sw, out, (size_t)run, dir, sizeof dir, err);
    if (rc == MN_OK && (int32_t)s < 0) {
        /* the worker could not even record the run: keep its words */
        char text[512];
        snprintf(text, sizeof text, "rank %d: %.*s", st.MPI_SOURCE, count - 12 > 400 ? 400 : count - 12,
                 (const char *)buf + 12);
        rc = mn_sweep_write_error(dir, text, err);
        *state = MN_SWEEP_FAILED;
    } else if (rc == MN_OK) {
        rc = mn_sweep_unpack_dir(dir, buf + 12, (size_t)count - 12, err);
        *state = (int)s;
    }
    mn_free(buf);
    return rc == MN_OK ? 1 : rc;
}

static void m_finish(void *ctx)
{
    struct master *m = ctx;
    uint64_t stop = STOP;
    for (int w = 1; w < m->size; w++)
        MPI_Send(&stop, 1, MPI_UINT64_T, w, TAG_JOB, MPI_COMM_WORLD);
}

/* ---- a worker rank ---- */

/*
 * A result on its way to rank 0. The send is started and left to finish
 * while the worker goes on with its next run (rank 0 looks for results
 * every few milliseconds, and a large result needs it to take part): it is
 * completed, and its buffer freed, before the next result is sent and
 * before the worker stops. Waiting for it at once held the next run back by
 * up to rank 0's polling interval, at every run.
 */
typedef struct outgoing {
    MPI_Request req;
    unsigned char *msg; /* owned until the send completes */
    int active;
} outgoing;

static void outgoing_finish(outgoing *o)
{
    if (!o->active)
        return;
    wait_for(&o->req);
    mn_free(o->msg);
    o->msg = NULL;
    o->active = 0;
}

static void put_header(unsigned char *msg, uint64_t run, int32_t state)
{
    for (int b = 0; b < 8; b++)
        msg[b] = (unsigned char)(run >> (8 * b));
    for (int b = 0; b < 4; b++)
        msg[8 + b] = (unsigned char)((uint32_t)state >> (8 * b));
}

static void send_result(outgoing *o, uint64_t run, int32_t state, const unsigned char *payload,
                        size_t len)
{
    outgoing_finish(o);
    unsigned char *msg = mn_alloc(12 + len);
    if (!msg) {
        unsigned char small[12 + 14];
        put_header(small, run, -1);
        memcpy(small + 12, "out of memory", 14);
        MPI_Send(small, (int)sizeof small, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
        return;
    }
    put_header(msg, run, state);
    if (len)
        memcpy(msg + 12, payload, len);
    if (MPI_Isend(msg, (int)(12 + len), MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD, &o->req) !=
        MPI_SUCCESS) {
        mn_free(msg);
        return;
    }
    o->msg = msg;
    o->active = 1;
}

static void worker_loop(const mn_sweep *sw, int rank)
{
    /* its run directories are scratch: rank 0 commits the bytes it is sent (outfile.h) */
    mn_outfile_set_durable(0);
    char tmpl[4096];
    const char *tmp = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/mnetsim-sweep-rank%d-XXXXXX", tmp && *tmp ? tmp : "/tmp",
             rank);
    char *dir = mkdtemp(tmpl);
    outgoing out = {0};
    for (;;) {
        uint64_t run;
        MPI_Request req;
        MPI_Irecv(&run, 1, MPI_UINT64_T, 0, TAG_JOB, MPI_COMM_WORLD, &req);
        wait_for(&req);
        if (run == STOP)
            break;
        mn_err err = {0};
        if (!dir) {
            const char *t = "cannot make a temporary directory for the run";
            send_result(&out, run, -1, (const unsigned char *)t, strlen(t));
            continue;
        }
        int state = mn_sweep_exec(sw, (size_t)run, dir, &err);
        unsigned char *buf = NULL;
        size_t len = 0;
        if (state >= 0 && mn_sweep_pack_dir(dir, &buf, &len, &err) != MN_OK)
            state = err.code < 0 ? err.code : -1;
        if (state < 0) {
            char text[MN_ERR_WHERE + sizeof err.msg + 4];
            snprintf(text, sizeof text, "%s%s%s", err.where, err.where[0] ? ": " : "", err.msg);
            send_result(&out, run, -1, (const unsigned char *)text, strlen(text));
        } else {
            send_result(&out, run, state, buf, len);
        }
        mn_free(buf);
        mn_sweep_clear_dir(dir);
    }
    outgoing_finish(&out);
    if (dir)
        rmdir(dir);
}

int mn_sweep_mpi_main(mn_sweep_cli *cli)
{
    long env_rank = launcher_rank();
    mn_sweep *sw = NULL;
    int status = MN_EXIT_OK;
    size_t *pending = NULL, npending = 0, nlocal = 0;
    mn_sweep_pool pool;
    memset(&pool, 0, sizeof pool);
    mn_err err = {0};

    /* rank 0 prepares and forks its local workers before MPI exists in this process */
    unbind_from_launcher();
    if (env_rank == 0) {
        status = mn_sweep_cli_prepare(cli, &sw);
        if (status == MN_EXIT_OK && !cli->list)
            status = mn_sweep_cli_pending(sw, cli->out, &pending, &npending);
        if (status == MN_EXIT_OK && !cli->list) {
            nlocal = cli->jobs > 0 ? (size_t)cli->jobs : 1;
            if (nlocal > npending)
                nlocal = npending;
            if (mn_sweep_pool_start(&pool, sw, cli->out, nlocal, &err) != MN_OK) {
                mn_cli_print_error(&err);
                status = MN_EXIT_FAIL;
            } else {
                /* they start computing now, while MPI_Init and the ranks' checks go on */
                mn_sweep_pool_prime(&pool, pending, npending);
            }
        }
    }
    prefer_shared_memory_on_one_node();
    MPI_Init(NULL, NULL);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank == 0 && env_rank != 0) {
        /* a launcher that does not say the rank: rank 0 only coordinates */
        status = mn_sweep_cli_prepare(cli, &sw);
        if (status == MN_EXIT_OK && !cli->list)
            status = mn_sweep_cli_pending(sw, cli->out, &pending, &npending);
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (status == MN_EXIT_OK && cli->list) {
        if (rank == 0)
            mn_sweep_cli_list(sw);
        status = -1; /* done, quietly */
    }
    if (status != MN_EXIT_OK)
        goto out;

    /* every rank reads the sweep itself and must see what rank 0 sees */
    char hello[HELLO_LEN] = "", *all = NULL;
    if (rank != 0) {
        mn_err e = {0};
        if (mn_sweep_load(cli->path, &sw, &e) != MN_OK || mn_sweep_check_base(sw, &e) != MN_OK)
            snprintf(hello, sizeof hello, "E%s%s%s", e.where, e.where[0] ? ": " : "", e.msg);
        else
            snprintf(hello, sizeof hello, "F%s", sw->fingerprint);
    }
    if (rank == 0 && !(all = mn_alloc((size_t)size * HELLO_LEN)))
        status = MN_EXIT_FAIL;
    MPI_Gather(hello, HELLO_LEN, MPI_CHAR, all, HELLO_LEN, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (rank == 0 && all) {
        for (int w = 1; w < size; w++) {
            const char *h = all + (size_t)w * HELLO_LEN;
            if (h[0] == 'E') {
                fprintf(stderr, "mnetsim: sweep: rank %d cannot read the sweep: %s\n", w, h + 1);
                status = MN_EXIT_USAGE;
            } else if (strncmp(h + 1, sw->fingerprint, 64) != 0) {
                fprintf(stderr,
                        "mnetsim: sweep: rank %d sees another sweep file or base scenario than "
                        "rank 0 (fingerprint %.12s, rank 0: %.12s); the inputs must be the same "
                        "on every node\n",
                        w, h + 1, sw->fingerprint);
                status = MN_EXIT_USAGE;
            }
        }
        mn_free(all);
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (status != MN_EXIT_OK)
        goto out;

    if (rank != 0) {
        worker_loop(sw, rank);
    } else {
        struct master m = {sw, size, mn_calloc((size_t)size, sizeof(uint64_t))};
        mn_sweep_remote remote = {&m, (size_t)size - 1, m_assign, m_collect, m_finish};
        mn_sweep_tally tally = {0};
        int progress = !cli->quiet && isatty(STDERR_FILENO);
        int rc = m.jobs ? mn_sweep_dispatch(&pool, &remote, pending, npending, progress, &tally, &err)
                        : MN_ERR(&err, MN_ENOMEM, "out of memory");
        if (!m.jobs)
            m_finish(&m);
        mn_sweep_pool_stop(&pool);
        mn_free(m.jobs);
        if (rc != MN_OK) {
            mn_cli_print_error(&err);
            status = MN_EXIT_FAIL;
        }
        char runner[64];
        snprintf(runner, sizeof runner, "MPI, %d ranks", size);
        int fin = mn_sweep_cli_finish(cli, sw, mn_sweep_nruns(sw) - npending, &tally,
                                      nlocal + (size_t)size - 1, runner);
        if (status == MN_EXIT_OK)
            status = fin;
    }
out:
    mn_sweep_pool_stop(&pool);
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD); /* everyone exits alike */
    MPI_Finalize();
    mn_free(pending);
    mn_sweep_destroy(sw);
    return status < 0 ? MN_EXIT_OK : status;
}
