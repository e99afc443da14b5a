/* sweep_run.c - one run of a sweep, the local worker pool and the dispatcher; see sweep_run.h. */
#include "sweep_run.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../core/outfile.h"
#include "../core/sysinfo.h"
#include "../models/net.h"
#include "../models/netrun.h"
#include "../models/wrun.h"

int mn_sweep_run_dir(const mn_sweep *sw, const char *out, size_t r, char *buf, size_t len,
                     mn_err *err)
{
    char id[128];
    mn_sweep_point_id(sw, r / sw->reps, id, sizeof id);
    if ((size_t)snprintf(buf, len, "%s/runs/%s/rep-%zu", out, id, r % sw->reps) >= len)
        return MN_ERR(err, MN_EINVAL, "run directory path too long under %s", out);
    return MN_OK;
}

static int exists(const char *dir, const char *name)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int mn_sweep_run_state(const char *run_dir)
{
    if (exists(run_dir, "metrics.csv"))
        return MN_SWEEP_DONE;
    return exists(run_dir, "error.txt") ? MN_SWEEP_FAILED : MN_SWEEP_MISSING;
}

void mn_sweep_clear_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[4200];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lstat(path, &st) == 0 && !S_ISDIR(st.st_mode))
            unlink(path);
    }
    closedir(d);
}

int mn_sweep_write_error(const char *dir, const char *text, mn_err *err)
{
    int rc = mn_mkdir_p(dir, err);
    mn_outfile o;
    if (rc != MN_OK || (rc = mn_outfile_open(&o, dir, "error.txt", err)) != MN_OK)
        return rc;
    fprintf(o.f, "%s\n", text);
    return mn_outfile_commit(&o, err);
}

static int write_metrics(const char *dir, const double *m, mn_err *err)
{
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, "metrics.csv", err);
    if (rc != MN_OK)
        return rc;
    for (size_t i = 0; i < MN_RUN_NMETRICS; i++)
        fprintf(o.f, "%s%s", i ? "," : "", mn_run_metric_names[i]);
    fputc('\n', o.f);
    for (size_t i = 0; i < MN_RUN_NMETRICS; i++) {
        if (isfinite(m[i]))
            fprintf(o.f, "%s%.17g", i ? "," : "", m[i]);
        else
            fprintf(o.f, "%sn/a", i ? "," : "");
    }
    fputc('\n', o.f);
    return mn_outfile_commit(&o, err);
}

int mn_sweep_read_metrics(const char *run_dir, double *values, size_t n)
{
    char path[4200], line[8192];
    snprintf(path, sizeof path, "%s/metrics.csv", run_dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return MN_EIO;
    int rc = MN_EPARSE;
    /* the header must be today's metric list: else the run is redone */
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char want[8192] = "";
        size_t w = 0;
        for (size_t i = 0; i < n && w < sizeof want; i++)
            w += (size_t)snprintf(want + w, sizeof want - w, "%s%s", i ? "," : "",
                                  mn_run_metric_names[i]);
        if (strcmp(line, want) == 0 && fgets(line, sizeof line, f)) {
            char *p = line, *end;
            size_t i = 0;
            for (; i < n; i++) {
                if (strncmp(p, "n/a", 3) == 0) {
                    values[i] = NAN;
                    end = p + 3;
                } else {
                    values[i] = strtod(p, &end);
                    if (end == p)
                        break;
                }
                p = end;
                if (i + 1 < n) {
                    if (*p != ',')
                        break;
                    p++;
                }
            }
            if (i == n && (*p == '\n' || *p == '\0'))
                rc = MN_OK;
        }
    }
    fclose(f);
    return rc;
}

int mn_sweep_exec(const mn_sweep *sw, size_t r, const char *dir, mn_err *err)
{
    size_t p = r / sw->reps;
    uint32_t k = (uint32_t)(r % sw->reps);
    uint64_t seed = mn_sweep_seed(sw, p, k);
    char **sets = NULL;
    size_t nsets = 0;
    mn_err e = {0};
    mn_net *net = NULL;
    mn_sweep_clear_dir(dir);
    int rc = mn_mkdir_p(dir, err);
    if (rc != MN_OK)
        return rc;
    mn_run_opts o = {0};
    rc = mn_sweep_point_sets(sw, p, &sets, &nsets, o.policy, &e);
    if (rc == MN_OK)
        rc = mn_net_load(sw->base, (const char *const *)sets, nsets, &seed, &net, &e);
    mn_run_summary s;
    memset(&s, 0, sizeof s);
    if (rc == MN_OK) {
        o.seed = seed;
        o.seed_set = 1;
        o.out_dir = dir;
        o.sets = (const char *const *)sets;
        o.nsets = nsets;
        mn_sys_reset_peak_rss(); /* the manifest's peak RSS is this run's */
        rc = mn_world_run(net, &o, &s, &e);
        if (rc == MN_OK && !s.has_metrics)
            rc = MN_ERR(&e, MN_EBUG, "the run gave no metrics");
    }
    mn_net_destroy(net);
    mn_sweep_sets_free(sets, nsets);
    if (rc == MN_OK && (rc = write_metrics(dir, s.metrics, &e)) == MN_OK)
        return MN_SWEEP_DONE;
    char text[MN_ERR_WHERE + sizeof e.msg + 4];
    if (e.where[0])
        snprintf(text, sizeof text, "%s: %s", e.where, e.msg);
    else
        snprintf(text, sizeof text, "%s", e.msg[0] ? e.msg : mn_strerror(rc));
    rc = mn_sweep_write_error(dir, text, err);
    return rc == MN_OK ? MN_SWEEP_FAILED : rc;
}

/* ---- packing a run's files ---- */

static int name_cmp(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    /* the completion mark (or the error) last */
    int lx = strcmp(x, "metrics.csv") == 0 || strcmp(x, "error.txt") == 0;
    int ly = strcmp(y, "metrics.csv") == 0 || strcmp(y, "error.txt") == 0;
    if (lx != ly)
        return lx - ly;
    return strcmp(x, y);
}

int mn_sweep_pack_dir(const char *dir, unsigned char **buf_out, size_t *len_out, mn_err *err)
{
    *buf_out = NULL;
    *len_out = 0;
    char *names[256];
    size_t n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return MN_ERR(err, MN_EIO, "%s: %s", dir, strerror(errno));
    struct dirent *e;
    int rc = MN_OK;
    while ((e = readdir(d)) && rc == MN_OK) {
        if (e->d_name[0] == '.')
            continue; /* ., .. and temporaries */
        if (n == 256 || !(names[n] = mn_strdup(e->d_name)))
            rc = MN_ERR(err, MN_ENOMEM, "%s: too many files", dir);
        else
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, name_cmp);
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    for (size_t i = 0; i < n && rc == MN_OK; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        struct stat st;
        if (!f || fstat(fileno(f), &st) != 0) {
            rc = MN_ERR(err, MN_EIO, "%s: %s", path, strerror(errno));
        } else {
            size_t nl = strlen(names[i]) + 1, sz = (size_t)st.st_size;
            if (mn_array_reserve((void **)&buf, &cap, len + nl + 8 + sz, 1) != 0) {
                rc = MN_ERR(err, MN_ENOMEM, "out of memory packing %s", dir);
            } else {
                memcpy(buf + len, names[i], nl);
                len += nl;
                for (int b = 0; b < 8; b++)
                    buf[len++] = (unsigned char)((uint64_t)sz >> (8 * b));
                if (fread(buf + len, 1, sz, f) != sz)
                    rc = MN_ERR(err, MN_EIO, "%s: short read", path);
                len += sz;
            }
        }
        if (f)
            fclose(f);
    }
    for (size_t i = 0; i < n; i++)
        mn_free(names[i]);
    if (rc != MN_OK) {
        mn_free(buf);
        return rc;
    }
    *buf_out = buf;
    *len_out = len;
    return MN_OK;
}

int mn_sweep_unpack_dir(const char *dir, const unsigned char *buf, size_t len, mn_err *err)
{
    mn_sweep_clear_dir(dir);
    int rc = mn_mkdir_p(dir, err);
    size_t pos = 0;
    while (rc == MN_OK && pos < len) {
        const char *name = (const char *)buf + pos;
        size_t nl = strnlen(name, len - pos);
        if (nl == len - pos || nl == 0 || strchr(name, '/') || name[0] == '.' ||
            len - pos - nl - 1 < 8)
            return MN_ERR(err, MN_EPARSE, "a worker's results for %s are garbled", dir);
        pos += nl + 1;
        uint64_t sz = 0;
        for (int b = 0; b < 8; b++)
            sz |= (uint64_t)buf[pos++] << (8 * b);
        if (sz > len - pos)
            return MN_ERR(err, MN_EPARSE, "a worker's results for %s are truncated", dir);
        mn_outfile o;
        if ((rc = mn_outfile_open(&o, dir, name, err)) != MN_OK)
            break;
        if (fwrite(buf + pos, 1, (size_t)sz, o.f) != sz) {
            mn_outfile_abort(&o);
            return MN_ERR(err, MN_EIO, "%s/%s: write failed", dir, name);
        }
        rc = mn_outfile_commit(&o, err);
        pos += (size_t)sz;
    }
    return rc;
}

/* ---- the local pool ---- */

struct result_msg {
    uint64_t run;
    int32_t state;
    int32_t pad;
};

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* 1: read n bytes, 0: end of file first, -1: error */
static int read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        p += r;
        n -= (size_t)r;
    }
    return 1;
}

static void worker_main(const mn_sweep *sw, const char *out, int job_fd, int result_fd)
{
    uint64_t run;
    while (read_all(job_fd, &run, sizeof run) == 1) {
        char dir[4096];
        mn_err err = {0};
        struct result_msg m = {run, -1, 0};
        if (mn_sweep_run_dir(sw, out, (size_t)run, dir, sizeof dir, &err) == MN_OK)
            m.state = mn_sweep_exec(sw, (size_t)run, dir, &err);
        if (m.state < 0)
            fprintf(stderr, "mnetsim: sweep: %s%s%s\n", err.where, err.where[0] ? ": " : "",
                    err.msg);
        if (write_all(result_fd, &m, sizeof m) != 0)
            break;
    }
}

int mn_sweep_pool_start(mn_sweep_pool *pool, const mn_sweep *sw, const char *out, size_t n,
                        mn_err *err)
{
    memset(pool, 0, sizeof *pool);
    pool->sw = sw;
    pool->out = out;
    if (n > MN_SWEEP_MAX_WORKERS)
        return MN_ERR(err, MN_EINVAL, "at most %d workers", MN_SWEEP_MAX_WORKERS);
    pid_t parent = getpid();
    fflush(NULL); /* nothing buffered is written twice */
    for (size_t i = 0; i < n; i++) {
        int job[2], res[2];
        if (pipe(job) != 0)
            return MN_ERR(err, MN_EIO, "pipe: %s", strerror(errno));
        if (pipe(res) != 0) {
            close(job[0]);
            close(job[1]);
            return MN_ERR(err, MN_EIO, "pipe: %s", strerror(errno));
        }
        pid_t pid = fork();
        if (pid < 0) {
            close(job[0]), close(job[1]), close(res[0]), close(res[1]);
            return MN_ERR(err, MN_EIO, "fork: %s", strerror(errno));
        }
        if (pid == 0) {
            /* the worker: dies with its parent, so a killed sweep leaves no runner behind */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(1);
            signal(SIGPIPE, SIG_IGN);
            close(job[1]);
            close(res[0]);
            for (size_t j = 0; j < pool->n; j++) {
                close(pool->job_fd[j]);
                close(pool->result_fd[j]);
            }
            worker_main(sw, out, job[0], res[1]);
            _exit(0);
        }
        close(job[0]);
        close(res[1]);
        pool->pid[pool->n] = pid;
        pool->job_fd[pool->n] = job[1];
        pool->result_fd[pool->n] = res[0];
        pool->n++;
    }
    return MN_OK;
}

size_t mn_sweep_pool_prime(mn_sweep_pool *pool, const size_t *pending, size_t npending)
{
    pool->nprimed = 0;
    for (size_t w = 0; w < pool->n && w < npending; w++) {
        uint64_t r = pending[w];
        if (write_all(pool->job_fd[w], &r, sizeof r) != 0)
            break;
        pool->nprimed++;
    }
    return pool->nprimed;
}

void mn_sweep_pool_stop(mn_sweep_pool *pool)
{
    for (size_t i = 0; i < pool->n; i++) {
        if (pool->job_fd[i] >= 0)
            close(pool->job_fd[i]);
        if (pool->result_fd[i] >= 0)
            close(pool->result_fd[i]);
        pool->job_fd[i] = pool->result_fd[i] = -1;
    }
    for (size_t i = 0; i < pool->n; i++)
        if (pool->pid[i] > 0) {
            int st;
            while (waitpid(pool->pid[i], &st, 0) < 0 && errno == EINTR)
                ;
            pool->pid[i] = 0;
        }
    pool->n = 0;
}

/* ---- the dispatcher ---- */

struct progress {
    int on;
    double t0, last;
    size_t total, points_total, points_done;
    uint32_t *left; /* runs left per point */
};

static void show(struct progress *pg, const mn_sweep_tally *t, size_t npending, int final)
{
    if (!pg->on)
        return;
    double now = mn_sys_monotonic_s();
    if (!final && now - pg->last < 0.2)
        return;
    pg->last = now;
    size_t finished = t->done + t->failed;
    double el = now - pg->t0, rate = el > 0 ? (double)finished / el : 0;
    char eta[32] = "--";
    if (finished && rate > 0) {
        double s = (double)(npending - finished) / rate;
        snprintf(eta, sizeof eta, "%d:%02d", (int)(s / 60), (int)fmod(s, 60));
    }
    char failed[48] = "";
    if (t->failed)
        snprintf(failed, sizeof failed, " (%zu failed)", t->failed);
    fprintf(stderr, "\rsweep: points %zu/%zu  runs %zu/%zu%s  %.1f runs/s  ETA %s   ",
            pg->points_done, pg->points_total, finished, npending, failed, rate, eta);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

static void finished_run(struct progress *pg, const mn_sweep *sw, size_t r, int state,
                         mn_sweep_tally *t)
{
    if (state == MN_SWEEP_DONE)
        t->done++;
    else
        t->failed++;
    if (pg->left && --pg->left[r / sw->reps] == 0)
        pg->points_done++;
}

int mn_sweep_dispatch(mn_sweep_pool *pool, const mn_sweep_remote *remote, const size_t *pending,
                      size_t npending, int progress, mn_sweep_tally *tally, mn_err *err)
{
    const mn_sweep *sw = pool->sw;
    memset(tally, 0, sizeof *tally);
    double t0 = mn_sys_monotonic_s();
    struct progress pg = {.on = progress, .t0 = t0, .points_total = sw->npoints};
    pg.left = mn_calloc(sw->npoints ? sw->npoints : 1, sizeof *pg.left);
    if (!pg.left)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    for (size_t i = 0; i < npending; i++)
        pg.left[pending[i] / sw->reps]++;
    for (size_t p = 0; p < sw->npoints; p++)
        pg.points_done += pg.left[p] == 0;

    size_t nremote = remote ? remote->nworkers : 0;
    long busy[MN_SWEEP_MAX_WORKERS];
    /*
     * Each remote worker holds up to RQUEUE runs (MPI queues the messages):
     * when it sends a result its next run is already there, so rank 0 may
     * look for results every 5 ms without leaving it idle, and takes less of
     * the cores the runs use (measured: 0.4-0.7 s of CPU over a 2.9 s
     * sweep when it looked every millisecond).
     */
    enum { RQUEUE = 2 };
    long rbusy_storage[RQUEUE];
    long *rbusy = nremote ? mn_calloc(RQUEUE * nremote, sizeof *rbusy) : rbusy_storage;
    int alive[MN_SWEEP_MAX_WORKERS];
    size_t next = 0, finished = 0, nalive = pool->n;
    int rc = MN_OK;
    if (!rbusy) {
        mn_free(pg.left);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    for (size_t w = 0; w < pool->n; w++) {
        alive[w] = 1;
        busy[w] = -1;
    }
    for (size_t k = 0; k < RQUEUE * nremote; k++)
        rbusy[k] = -1;
    /* runs the local workers were handed already (mn_sweep_pool_prime) */
    for (size_t w = 0; w < pool->nprimed && w < npending; w++)
        busy[w] = (long)pending[next++];
    pool->nprimed = 0;
    /* the first runs: one per worker, remote ones first (the local one has no latency) */
    for (size_t w = 0; w < nremote && next < npending && rc == MN_OK; w++)
        if ((rc = remote->assign(remote->ctx, w, pending[next], err)) == MN_OK)
            rbusy[RQUEUE * w] = (long)pending[next++];
    for (size_t w = 0; w < pool->n && next < npending && rc == MN_OK; w++) {
        if (busy[w] >= 0)
            continue;
        uint64_t r = pending[next];
        if (write_all(pool->job_fd[w], &r, sizeof r) == 0)
            busy[w] = (long)pending[next++];
    }
    /* then the remote workers' queues */
    for (size_t k = 1; k < RQUEUE; k++)
        for (size_t w = 0; w < nremote && next < npending && rc == MN_OK; w++)
            if ((rc = remote->assign(remote->ctx, w, pending[next], err)) == MN_OK)
                rbusy[RQUEUE * w + k] = (long)pending[next++];
    show(&pg, tally, npending, 0);
    while (rc == MN_OK && finished < npending) {
        struct pollfd pfd[MN_SWEEP_MAX_WORKERS];
        size_t map[MN_SWEEP_MAX_WORKERS], np = 0;
        for (size_t w = 0; w < pool->n; w++)
            if (alive[w] && busy[w] >= 0) {
                pfd[np].fd = pool->result_fd[w];
                pfd[np].events = POLLIN;
                map[np++] = w;
            }
        size_t rbusy_n = 0;
        for (size_t k = 0; k < RQUEUE * nremote; k++)
            rbusy_n += rbusy[k] >= 0;
        if (!np && !rbusy_n) {
            rc = MN_ERR(err, MN_EIO, "every worker died; %zu runs were not done", npending - finished);
            break;
        }
        /* with remote workers poll briefly: their results arrive through MPI, not a pipe */
        int got = poll(pfd, (nfds_t)np, nremote ? 5 : 200);
        if (got < 0 && errno != EINTR) {
            rc = MN_ERR(err, MN_EIO, "poll: %s", strerror(errno));
            break;
        }
        for (size_t i = 0; got > 0 && i < np; i++) {
            if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            size_t w = map[i];
            struct result_msg m;
            int rr = read_all(pool->result_fd[w], &m, sizeof m);
            size_t r = (size_t)busy[w];
            int state;
            if (rr != 1 || m.run != r) {
                /* the worker died in the middle of run r */
                int st = 0;
                waitpid(pool->pid[w], &st, 0);
                pool->pid[w] = 0;
                char dir[4096], text[256];
                if (WIFSIGNALED(st))
                    snprintf(text, sizeof text, "the worker process died of signal %d (%s) in "
                             "this run", WTERMSIG(st), strsignal(WTERMSIG(st)));
                else
                    snprintf(text, sizeof text, "the worker process exited (status %d) in this "
                             "run", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
                if (mn_sweep_run_dir(sw, pool->out, r, dir, sizeof dir, err) != MN_OK ||
                    mn_sweep_write_error(dir, text, err) != MN_OK) {
                    rc = err ? err->code : MN_EIO;
                    break;
                }
                alive[w] = 0;
                nalive--;
                busy[w] = -1;
                state = MN_SWEEP_FAILED;
            } else if (m.state < 0) {
                rc = MN_ERR(err, MN_EIO, "a worker could not record run %zu (see above)", r);
                break;
            } else {
                state = m.state;
                busy[w] = -1;
                if (next < npending) {
                    uint64_t nr = pending[next];
                    if (write_all(pool->job_fd[w], &nr, sizeof nr) == 0)
                        busy[w] = (long)pending[next++];
                }
            }
            finished_run(&pg, sw, r, state, tally);
            finished++;
        }
        while (rc == MN_OK && rbusy_n) {
            size_t w, r;
            int state;
            int c = remote->collect(remote->ctx, pool->out, &w, &r, &state, err);
            if (c < 0) {
                rc = c;
                break;
            }
            if (c == 0)
                break;
            size_t slot = RQUEUE * nremote;
            for (size_t k = 0; w < nremote && k < RQUEUE; k++)
                if (rbusy[RQUEUE * w + k] == (long)r)
                    slot = RQUEUE * w + k;
            if (slot == RQUEUE * nremote) {
                rc = MN_ERR(err, MN_EBUG, "worker %zu returned run %zu it was not given", w, r);
                break;
            }
            rbusy[slot] = -1;
            rbusy_n--;
            finished_run(&pg, sw, r, state, tally);
            finished++;
            /* a run queued behind another only while there are more runs than workers:
               near the end a queue would keep a run from a worker that is free */
            int holds = 0;
            for (size_t k = 0; k < RQUEUE; k++)
                holds |= rbusy[RQUEUE * w + k] >= 0;
            if (next < npending && (!holds || npending - next > pool->n + nremote)) {
                if ((rc = remote->assign(remote->ctx, w, pending[next], err)) != MN_OK)
                    break;
                rbusy[slot] = (long)pending[next++];
                rbusy_n++;
            }
        }
        (void)nalive;
        show(&pg, tally, npending, 0);
    }
    if (remote)
        remote->finish(remote->ctx);
    tally->wall_s = mn_sys_monotonic_s() - t0;
    if (npending)
        show(&pg, tally, npending, 1);
    mn_free(pg.left);
    if (nremote)
        mn_free(rbusy);
    return rc;
}
