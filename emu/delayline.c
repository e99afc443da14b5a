/* delayline.c - the user-space delay line on tap devices; see delayline.h. */
#define _GNU_SOURCE /* pthread_getcpuclockid with the rest */
#include "delayline.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"
#include "sim/core/alloc.h"

/* ---- the FIFO ---- */

int mn_emu_dl_fifo_init(mn_emu_dl_fifo *q, size_t limit_bytes, mn_err *err)
{
    memset(q, 0, sizeof *q);
    q->limit = limit_bytes;
    q->size = limit_bytes + 2 * MN_EMU_DL_FRAME_MAX;
    q->nslots = limit_bytes / MN_EMU_DL_FRAME_MIN + 2;
    q->buf = mn_alloc(q->size);
    q->slot = mn_calloc(q->nslots, sizeof *q->slot);
    if (!q->buf || !q->slot) {
        mn_emu_dl_fifo_fini(q);
        return MN_ERR(err, MN_ENOMEM, "delay line: out of memory for a %zu-byte queue",
                      limit_bytes);
    }
    return MN_OK;
}

void mn_emu_dl_fifo_fini(mn_emu_dl_fifo *q)
{
    mn_free(q->buf);
    mn_free(q->slot);
    q->buf = NULL;
    q->slot = NULL;
}

/*
 * Data lies in [H, tail) (not wrapped) or in [H, old end) and [0, tail)
 * (wrapped), H being the head frame's offset. A frame goes at tail when
 * MN_EMU_DL_FRAME_MAX bytes are free there, else (not wrapped) at 0 when
 * that much is free before H.
 */
uint8_t *mn_emu_dl_fifo_reserve(mn_emu_dl_fifo *q)
{
    q->res_wrap = 0;
    if (q->count == q->nslots)
        return NULL;
    if (q->count == 0) {
        q->tail = 0;
        q->wrapped = 0;
        q->res_off = 0;
        return q->buf;
    }
    size_t h = q->slot[q->head].off;
    if (!q->wrapped) {
        if (q->size - q->tail >= MN_EMU_DL_FRAME_MAX) {
            q->res_off = q->tail;
            return q->buf + q->tail;
        }
        if (h >= MN_EMU_DL_FRAME_MAX) {
            q->res_off = 0;
            q->res_wrap = 1;
            return q->buf;
        }
        return NULL;
    }
    if (h - q->tail >= MN_EMU_DL_FRAME_MAX) {
        q->res_off = q->tail;
        return q->buf + q->tail;
    }
    return NULL;
}

int mn_emu_dl_fifo_commit(mn_emu_dl_fifo *q, size_t len, int64_t release)
{
    if (len > MN_EMU_DL_FRAME_MAX || q->bytes + len > q->limit)
        return MN_ERANGE;
    if (q->res_wrap)
        q->wrapped = 1;
    q->res_wrap = 0;
    mn_emu_dl_slot *s = &q->slot[(q->head + q->count) % q->nslots];
    s->release = release;
    s->off = (uint32_t)q->res_off;
    s->len = (uint32_t)len;
    q->count++;
    q->bytes += len;
    q->tail = q->res_off + len;
    return MN_OK;
}

const uint8_t *mn_emu_dl_fifo_head(const mn_emu_dl_fifo *q, size_t *len, int64_t *release)
{
    if (!q->count)
        return NULL;
    const mn_emu_dl_slot *s = &q->slot[q->head];
    *len = s->len;
    *release = s->release;
    return q->buf + s->off;
}

void mn_emu_dl_fifo_pop(mn_emu_dl_fifo *q)
{
    if (!q->count)
        return;
    uint32_t old = q->slot[q->head].off;
    q->bytes -= q->slot[q->head].len;
    q->head = (q->head + 1) % q->nslots;
    q->count--;
    if (!q->count) {
        q->tail = 0;
        q->wrapped = 0;
    } else if (q->slot[q->head].off < old) {
        q->wrapped = 0; /* the head wrapped too: the data is [0, tail) again */
    }
}

/* ---- the delay line ---- */

#define TAG_STOP 0u
#define TAG_TIMER 1u
#define TAG_FD 2u /* link l, side s: TAG_FD + 2l + s */
/* frames read from one fd per wakeup, so one busy link cannot starve the others */
#define BATCH 64

/* Counters: one writer (the thread), readers elsewhere; relaxed atomics, no tearing. */
#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define ADD(x, v) STORE(x, LOAD(x) + (v))
#define RAISE(x, v)                                                                                \
    do {                                                                                           \
        uint64_t v_ = (v);                                                                         \
        if (v_ > LOAD(x))                                                                          \
            STORE(x, v_);                                                                          \
    } while (0)

typedef struct dl_dir {
    mn_emu_dl_fifo q;
    mn_emu_dl_stats st;
} dl_dir;

typedef struct dl_link {
    int fd[2];   /* owned */
    int open[2]; /* still in the epoll set (a closed peer is taken out) */
    int64_t delay;
    size_t limit;
    char label[96];
    dl_dir dir[2]; /* 0: read at fd[0], written to fd[1]; 1: the other way */
} dl_link;

struct mn_emu_dl {
    dl_link *links; /* owned */
    size_t n, cap;
    int ep, tfd, efd;
    pthread_t th;
    int running;
    clockid_t cpu_clock;
    int64_t armed;   /* the timer's deadline, 0: disarmed */
    uint64_t cpu_ns; /* the thread's CPU time when it stopped */
    int thread_errno;
    uint8_t scratch[MN_EMU_DL_FRAME_MAX]; /* where a dropped frame is read */
};

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int mn_emu_dl_create(mn_emu_dl **out, mn_err *err)
{
    mn_emu_dl *d = mn_calloc(1, sizeof *d);
    if (!d)
        return MN_ERR(err, MN_ENOMEM, "delay line: out of memory");
    d->ep = epoll_create1(EPOLL_CLOEXEC);
    d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int e = errno;
    if (d->ep < 0 || d->tfd < 0 || d->efd < 0) {
        mn_emu_dl_destroy(d);
        return MN_ERR(err, MN_EIO, "delay line: epoll, timerfd or eventfd: %s", strerror(e));
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_STOP};
    epoll_ctl(d->ep, EPOLL_CTL_ADD, d->efd, &ev);
    ev.data.u64 = TAG_TIMER;
    epoll_ctl(d->ep, EPOLL_CTL_ADD, d->tfd, &ev);
    *out = d;
    return MN_OK;
}

int mn_emu_dl_add(mn_emu_dl *d, int a, int b, int64_t delay_ns, size_t limit_bytes,
                  const char *label, size_t *index, mn_err *err)
{
    int rc = MN_OK;
    if (d->running)
        rc = MN_ERR(err, MN_EINVAL, "delay line: links are added before it starts");
    else if (delay_ns < 0)
        rc = MN_ERR(err, MN_EINVAL, "delay line %s: negative delay", label);
    else if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 8;
        dl_link *l = mn_realloc(d->links, cap * sizeof *l);
        if (!l)
            rc = MN_ERR(err, MN_ENOMEM, "delay line: out of memory");
        else {
            d->links = l;
            d->cap = cap;
        }
    }
    if (rc != MN_OK) {
        close(a);
        close(b);
        return rc;
    }
    dl_link *L = &d->links[d->n];
    memset(L, 0, sizeof *L);
    L->fd[0] = a;
    L->fd[1] = b;
    L->delay = delay_ns;
    L->limit = limit_bytes;
    snprintf(L->label, sizeof L->label, "%s", label);
    for (int s = 0; s < 2 && rc == MN_OK; s++) {
        rc = mn_emu_dl_fifo_init(&L->dir[s].q, limit_bytes, err);
        int fl = fcntl(L->fd[s], F_GETFL);
        if (rc == MN_OK && (fl < 0 || fcntl(L->fd[s], F_SETFL, fl | O_NONBLOCK) != 0))
            rc = MN_ERR(err, MN_EIO, "delay line %s: O_NONBLOCK: %s", label, strerror(errno));
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_FD + 2 * d->n + (size_t)s};
        if (rc == MN_OK && epoll_ctl(d->ep, EPOLL_CTL_ADD, L->fd[s], &ev) != 0)
            rc = MN_ERR(err, MN_EIO, "delay line %s: epoll_ctl: %s", label, strerror(errno));
        if (rc == MN_OK)
            L->open[s] = 1;
    }
    if (rc != MN_OK) {
        for (int s = 0; s < 2; s++) {
            if (L->open[s])
                epoll_ctl(d->ep, EPOLL_CTL_DEL, L->fd[s], NULL);
            close(L->fd[s]);
            mn_emu_dl_fifo_fini(&L->dir[s].q);
        }
        return rc;
    }
    if (index)
        *index = d->n;
    d->n++;
    return MN_OK;
}

/* Reads what fd `side` of link l has, up to BATCH frames, into its direction's queue. */
static void ingest(mn_emu_dl *d, size_t l, int side)
{
    dl_link *L = &d->links[l];
    dl_dir *D = &L->dir[side];
    for (int k = 0; k < BATCH; k++) {
        uint8_t *p = mn_emu_dl_fifo_reserve(&D->q);
        ssize_t r = read(L->fd[side], p ? p : d->scratch, MN_EMU_DL_FRAME_MAX);
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (r <= 0) { /* the far end of a socketpair closed, or the device went away */
            epoll_ctl(d->ep, EPOLL_CTL_DEL, L->fd[side], NULL);
            L->open[side] = 0;
            return;
        }
        if (!p || mn_emu_dl_fifo_commit(&D->q, (size_t)r, mono_ns() + L->delay) != MN_OK) {
            ADD(D->st.dropped_full, 1);
            continue;
        }
        ADD(D->st.frames_in, 1);
        RAISE(D->st.max_queue_frames, D->q.count);
        RAISE(D->st.max_queue_bytes, D->q.bytes);
    }
}

/* Writes every frame that is due; returns the earliest release still queued (0: none). */
static int64_t release_due(mn_emu_dl *d)
{
    int64_t next = 0;
    for (size_t l = 0; l < d->n; l++) {
        dl_link *L = &d->links[l];
        for (int s = 0; s < 2; s++) {
            dl_dir *D = &L->dir[s];
            size_t len;
            int64_t rel;
            const uint8_t *p;
            while ((p = mn_emu_dl_fifo_head(&D->q, &len, &rel)) != NULL) {
                int64_t now = mono_ns();
                if (rel > now) {
                    if (!next || rel < next)
                        next = rel;
                    break;
                }
                ssize_t w = write(L->fd[!s], p, len);
                if (w == (ssize_t)len) {
                    uint64_t late = (uint64_t)(now - rel);
                    ADD(D->st.forwarded, 1);
                    ADD(D->st.bytes, len);
                    ADD(D->st.late_sum_ns, late);
                    RAISE(D->st.late_max_ns, late);
                } else {
                    ADD(D->st.dropped_write, 1);
                }
                mn_emu_dl_fifo_pop(&D->q);
            }
        }
    }
    return next;
}

static void *run(void *arg)
{
    mn_emu_dl *d = arg;
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL); /* the timer at its deadline, not 50 us later */
    struct epoll_event ev[64];
    for (;;) {
        int n = epoll_wait(d->ep, ev, 64, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            d->thread_errno = errno;
            break;
        }
        int stop = 0;
        for (int i = 0; i < n; i++) {
            uint64_t tag = ev[i].data.u64;
            if (tag == TAG_STOP) {
                stop = 1;
            } else if (tag == TAG_TIMER) {
                uint64_t x;
                if (read(d->tfd, &x, sizeof x) == (ssize_t)sizeof x)
                    d->armed = 0;
            } else {
                size_t k = (size_t)(tag - TAG_FD);
                ingest(d, k / 2, (int)(k % 2));
            }
        }
        if (stop)
            break;
        int64_t next = release_due(d);
        if (next != d->armed) {
            struct itimerspec its;
            memset(&its, 0, sizeof its);
            its.it_value.tv_sec = next / 1000000000;
            its.it_value.tv_nsec = next % 1000000000;
            timerfd_settime(d->tfd, TFD_TIMER_ABSTIME, &its, NULL); /* next 0: disarms */
            d->armed = next;
        }
    }
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    STORE(d->cpu_ns, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
    return NULL;
}

int mn_emu_dl_start(mn_emu_dl *d, mn_err *err)
{
    if (d->running)
        return MN_OK;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay with the main thread */
    int e = pthread_create(&d->th, NULL, run, d);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0)
        return MN_ERR(err, MN_EIO, "delay line: pthread_create: %s", strerror(e));
    if (pthread_getcpuclockid(d->th, &d->cpu_clock) != 0)
        d->cpu_clock = (clockid_t)-1;
    d->running = 1;
    return MN_OK;
}

void mn_emu_dl_stop(mn_emu_dl *d)
{
    if (!d || !d->running)
        return;
    uint64_t one = 1;
    if (write(d->efd, &one, sizeof one) != (ssize_t)sizeof one)
        perror("mnetsim: delay line: eventfd");
    pthread_join(d->th, NULL);
    d->running = 0;
}

void mn_emu_dl_destroy(mn_emu_dl *d)
{
    if (!d)
        return;
    mn_emu_dl_stop(d);
    for (size_t l = 0; l < d->n; l++)
        for (int s = 0; s < 2; s++) {
            close(d->links[l].fd[s]);
            mn_emu_dl_fifo_fini(&d->links[l].dir[s].q);
        }
    mn_free(d->links);
    if (d->ep >= 0)
        close(d->ep);
    if (d->tfd >= 0)
        close(d->tfd);
    if (d->efd >= 0)
        close(d->efd);
    mn_free(d);
}

size_t mn_emu_dl_count(const mn_emu_dl *d)
{
    return d ? d->n : 0;
}

const char *mn_emu_dl_label(const mn_emu_dl *d, size_t link)
{
    return d->links[link].label;
}

int64_t mn_emu_dl_delay(const mn_emu_dl *d, size_t link)
{
    return d->links[link].delay;
}

size_t mn_emu_dl_limit(const mn_emu_dl *d, size_t link)
{
    return d->links[link].limit;
}

mn_emu_dl_stats mn_emu_dl_get_stats(const mn_emu_dl *d, size_t link, int dir)
{
    const mn_emu_dl_stats *s = &d->links[link].dir[dir].st;
    mn_emu_dl_stats o = {
        LOAD(s->frames_in),       LOAD(s->forwarded),     LOAD(s->bytes),
        LOAD(s->dropped_full),    LOAD(s->dropped_write), LOAD(s->max_queue_frames),
        LOAD(s->max_queue_bytes), LOAD(s->late_sum_ns),   LOAD(s->late_max_ns),
    };
    return o;
}

mn_emu_dl_stats mn_emu_dl_total(const mn_emu_dl *d)
{
    mn_emu_dl_stats t;
    memset(&t, 0, sizeof t);
    for (size_t l = 0; d && l < d->n; l++)
        for (int s = 0; s < 2; s++) {
            mn_emu_dl_stats x = mn_emu_dl_get_stats(d, l, s);
            t.frames_in += x.frames_in;
            t.forwarded += x.forwarded;
            t.bytes += x.bytes;
            t.dropped_full += x.dropped_full;
            t.dropped_write += x.dropped_write;
            t.late_sum_ns += x.late_sum_ns;
            if (x.max_queue_frames > t.max_queue_frames)
                t.max_queue_frames = x.max_queue_frames;
            if (x.max_queue_bytes > t.max_queue_bytes)
                t.max_queue_bytes = x.max_queue_bytes;
            if (x.late_max_ns > t.late_max_ns)
                t.late_max_ns = x.late_max_ns;
        }
    return t;
}

double mn_emu_dl_cpu_s(const mn_emu_dl *d)
{
    if (!d)
        return 0;
    struct timespec ts;
    if (d->running && d->cpu_clock != (clockid_t)-1 && clock_gettime(d->cpu_clock, &ts) == 0)
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    return (double)LOAD(d->cpu_ns) / 1e9;
}

int mn_emu_dl_thread_errno(const mn_emu_dl *d)
{
    return d ? d->thread_errno : 0;
}

int mn_emu_dl_tap_open(const char *ns, const char *name, int *fd_out, mn_err *err)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    if (strlen(name) >= sizeof ifr.ifr_name)
        return MN_ERR(err, MN_EINVAL, "netns %s: tap name %s: too long", ns, name);
    int saved;
    int rc = mn_emu_netns_enter_name(ns, &saved, err);
    if (rc != MN_OK)
        return rc;
    /* opened and named inside ns: the device is made in the namespace of the opener */
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC), e = errno;
    if (fd >= 0) {
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
        memcpy(ifr.ifr_name, name, strlen(name) + 1);
        /* persistent: closing the fd does not unregister it (one RCU grace period, ~20 ms,
           per tap); it goes with its namespace, whose deletion unregisters them in a batch */
        if (ioctl(fd, TUNSETIFF, &ifr) != 0 || ioctl(fd, TUNSETPERSIST, 1) != 0) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    mn_emu_netns_leave(saved);
    if (fd < 0)
        return MN_ERR(err, MN_EIO, "netns %s: tap %s: %s", ns, name, strerror(e));
    *fd_out = fd;
    return MN_OK;
}

int mn_emu_dl_carrier(mn_emu_dl *d, size_t link, int side, int on, mn_err *err)
{
    if (link >= d->n)
        return MN_ERR(err, MN_EINVAL, "delay line: no link %zu", link);
    int v = on ? 1 : 0;
    if (ioctl(d->links[link].fd[side], TUNSETCARRIER, &v) != 0)
        return MN_ERR(err, MN_EIO, "delay line %s: carrier %s: %s", d->links[link].label,
                      on ? "on" : "off", strerror(errno));
    return MN_OK;
}
