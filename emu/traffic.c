/* traffic.c - UDP constant-rate and Poisson flows, and TCP bulk flows, between namespaces, on a
 * thread of their own; see traffic.h. */
#define _GNU_SOURCE /* accept4 */
#include "traffic.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <ev.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"
#include "sim/core/alloc.h"
#include "sim/core/sysinfo.h"

/* Once started, everything here but spec is the traffic thread's; st is written under t->mu. */
typedef struct t_flow {
    mn_emu_flow_spec spec;
    mn_emu_flow_stats st; /* guarded by t->mu */
    int tx, rx;
    ev_io rx_w;
    int conn;         /* TCP: the accepted connection, -1 before */
    ev_io tx_w;       /* TCP: the sender writes when writable */
    int tx_done;      /* TCP: shut down for writing */
    int tx_connected; /* TCP: the thread's copy of st.connected */
    int tx_opened;    /* TCP: connect was called (at the session's start) */
    uint64_t tx_left; /* TCP with size_bytes: bytes still to write */
    struct mn_emu_traffic *t;
    uint32_t num;
    double next; /* s since start: the next datagram is due */
    uint64_t seq;
    double last_rx_abs;
} t_flow;

struct mn_emu_traffic {
    struct ev_loop *loop; /* owned: the traffic thread's (ev_loop_new) */
    t_flow **flows;       /* fixed from start on */
    size_t n, cap;
    ev_timer tick;
    ev_async stop_w; /* mn_emu_traffic_stop wakes the thread with it */
    pthread_t th;
    int started, joined;  /* the caller's thread only */
    pthread_mutex_t mu;   /* guards every flow's st */
    double start, end;    /* CLOCK_MONOTONIC s; set before the thread starts */
    uint64_t rng;         /* the thread's after start */
    int running;          /* senders still due to send: atomic (RUNNING, SET_RUNNING) */
    uint8_t buf[1 << 16]; /* the thread's TCP read and write buffer */
};

#define RUNNING(t) __atomic_load_n(&(t)->running, __ATOMIC_ACQUIRE)
#define SET_RUNNING(t, v) __atomic_store_n(&(t)->running, (v), __ATOMIC_RELEASE)

/* The mutex of a traffic a reader holds as const (the counters change under it regardless). */
static pthread_mutex_t *mu_of(const mn_emu_traffic *t)
{
    return (pthread_mutex_t *)&t->mu;
}

static uint64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* SplitMix64, then a uniform in (0, 1) */
static double uniform(mn_emu_traffic *t)
{
    uint64_t z = (t->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

int mn_emu_traffic_parse(const uint8_t *p, size_t len, uint32_t *flow, uint64_t *seq,
                         uint64_t *tx_ns)
{
    if (len < MN_EMU_TRAFFIC_HDR)
        return MN_EINVAL;
    uint32_t m, f, hi, lo;
    memcpy(&m, p, 4);
    if (ntohl(m) != MN_EMU_TRAFFIC_MAGIC)
        return MN_EINVAL;
    memcpy(&f, p + 4, 4);
    *flow = ntohl(f);
    memcpy(&hi, p + 8, 4);
    memcpy(&lo, p + 12, 4);
    *seq = (uint64_t)ntohl(hi) << 32 | ntohl(lo);
    memcpy(&hi, p + 16, 4);
    memcpy(&lo, p + 20, 4);
    if (tx_ns)
        *tx_ns = (uint64_t)ntohl(hi) << 32 | ntohl(lo);
    return MN_OK;
}

/* A flow's address for its family: src (dst = 0) or dst (dst = 1), port in host order. */
static socklen_t flow_addr(const mn_emu_flow_spec *s, int dst, uint16_t port,
                           struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (s->family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        memcpy(&a->sin6_addr, dst ? s->dst6 : s->src6, 16);
        return sizeof *a;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(dst ? s->dst : s->src);
    return sizeof *a;
}

static void put64(uint8_t *p, uint64_t v)
{
    uint32_t hi = htonl((uint32_t)(v >> 32)), lo = htonl((uint32_t)v);
    memcpy(p, &hi, 4);
    memcpy(p + 4, &lo, 4);
}

static void on_rx(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    t_flow *f = w->data;
    uint8_t buf[2048];
    ssize_t r;
    while ((r = recv(f->rx, buf, sizeof buf, 0)) > 0) {
        uint32_t num;
        uint64_t seq, tx;
        if (mn_emu_traffic_parse(buf, (size_t)r, &num, &seq, &tx) != MN_OK || num != f->num)
            continue;
        double now = mn_sys_monotonic_s(), rel = now - f->t->start;
        double d = (double)((int64_t)(real_ns() - tx)) / 1e9;
        mn_emu_flow_stats *s = &f->st;
        pthread_mutex_lock(&f->t->mu);
        if (s->received == 0)
            s->first_rx = rel;
        else {
            double gap = now - f->last_rx_abs;
            if (gap > s->max_gap) {
                s->max_gap = gap;
                s->max_gap_at = rel;
            }
            if (seq < s->last_seq)
                s->reordered++;
        }
        f->last_rx_abs = now;
        s->last_rx = rel;
        s->received++;
        s->bytes += (uint64_t)r;
        s->delay_sum += d;
        if (d > s->delay_max)
            s->delay_max = d;
        if (seq > s->last_seq || s->received == 1)
            s->last_seq = seq;
        pthread_mutex_unlock(&f->t->mu);
    }
}

/* A TCP flow's connect (at the start, or at its session's start): writes when writable. */
static void tcp_open(mn_emu_traffic *t, t_flow *f)
{
    struct sockaddr_storage to;
    socklen_t tolen = flow_addr(&f->spec, 1, f->spec.port, &to);
    f->tx_opened = 1;
    f->tx_left = f->spec.size_bytes;
    if (connect(f->tx, (struct sockaddr *)&to, tolen) != 0 && errno != EINPROGRESS) {
        int e = errno;
        pthread_mutex_lock(&t->mu);
        f->st.tcp_error = e;
        f->st.send_errors++;
        pthread_mutex_unlock(&t->mu);
        f->tx_done = 1;
    } else {
        ev_io_start(t->loop, &f->tx_w);
    }
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    mn_emu_traffic *t = w->data;
    double now = mn_sys_monotonic_s(), rel = now - t->start, until_run = t->end - t->start, until;
    uint8_t buf[2048];
    for (size_t i = 0; i < t->n; i++) {
        t_flow *f = t->flows[i];
        if (f->spec.tcp) {
            if (!f->tx_opened && !f->tx_done && rel >= f->spec.start_s && now < t->end)
                tcp_open(t, f);
            if (f->tx_opened && !f->tx_done &&
                (now >= t->end || (f->spec.stop_s > 0 && rel >= f->spec.stop_s))) {
                ev_io_stop(loop, &f->tx_w);
                shutdown(f->tx, SHUT_WR);
                f->tx_done = 1;
            }
            continue;
        }
        if (f->spec.stop_s > 0 && f->spec.stop_s < until_run)
            until = f->spec.stop_s;
        else
            until = until_run;
        double mean = f->spec.payload * 8.0 / f->spec.rate_bps;
        if (f->next < rel - 0.05) /* a late timer: send at most 50 ms of backlog */
            f->next = rel - 0.05;
        struct sockaddr_storage to;
        socklen_t tolen = flow_addr(&f->spec, 1, f->spec.port, &to);
        uint64_t sent = 0, errors = 0;
        while (f->next <= rel && f->next < until) {
            memset(buf, 0, f->spec.payload);
            uint32_t m = htonl(MN_EMU_TRAFFIC_MAGIC), num = htonl(f->num);
            memcpy(buf, &m, 4);
            memcpy(buf + 4, &num, 4);
            put64(buf + 8, f->seq);
            put64(buf + 16, real_ns());
            if (sendto(f->tx, buf, f->spec.payload, 0, (struct sockaddr *)&to, tolen) ==
                (ssize_t)f->spec.payload) {
                sent++;
                f->seq++;
            } else {
                errors++;
            }
            f->next += f->spec.poisson ? -log(uniform(t)) * mean : mean;
        }
        if (sent || errors) {
            pthread_mutex_lock(&t->mu);
            f->st.sent += sent;
            f->st.send_errors += errors;
            pthread_mutex_unlock(&t->mu);
        }
    }
    if (now >= t->end) {
        ev_timer_stop(loop, w);
        SET_RUNNING(t, 0);
    }
}

/* TCP receiver: reads what arrived, counts it; EOF or an error closes the connection. */
static void on_tcp_data(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    t_flow *f = w->data;
    ssize_t r;
    while ((r = recv(f->conn, f->t->buf, sizeof f->t->buf, 0)) > 0) {
        double now = mn_sys_monotonic_s(), rel = now - f->t->start;
        mn_emu_flow_stats *s = &f->st;
        pthread_mutex_lock(&f->t->mu);
        if (s->bytes == 0)
            s->first_rx = rel;
        else if (now - f->last_rx_abs > s->max_gap) {
            s->max_gap = now - f->last_rx_abs;
            s->max_gap_at = rel;
        }
        f->last_rx_abs = now;
        s->last_rx = rel;
        s->bytes += (uint64_t)r;
        s->received += (uint64_t)r;
        pthread_mutex_unlock(&f->t->mu);
    }
    if (r == 0) {
        pthread_mutex_lock(&f->t->mu);
        f->st.eof_at = mn_sys_monotonic_s() - f->t->start;
        pthread_mutex_unlock(&f->t->mu);
    }
    if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        ev_io_stop(loop, w);
        close(f->conn);
        f->conn = -1;
    }
}

/* TCP listener: the one connection of the flow. */
static void on_tcp_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    t_flow *f = w->data;
    int c = accept4(f->rx, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0 || f->conn >= 0) {
        if (c >= 0)
            close(c);
        return;
    }
    f->conn = c;
    ev_io_stop(loop, w);
    ev_io_init(w, on_tcp_data, c, EV_READ);
    ev_io_start(loop, w);
}

/* TCP sender: connected (the first writable), then as much as the socket takes. */
static void on_tcp_writable(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    t_flow *f = w->data;
    mn_emu_traffic *t = f->t;
    if (!f->tx_connected) {
        int e = 0;
        socklen_t len = sizeof e;
        getsockopt(f->tx, SOL_SOCKET, SO_ERROR, &e, &len);
        pthread_mutex_lock(&t->mu);
        if (e) {
            f->st.tcp_error = e;
            f->st.send_errors++;
        } else {
            f->st.connected = 1;
        }
        pthread_mutex_unlock(&t->mu);
        if (e) {
            ev_io_stop(loop, w);
            f->tx_done = 1;
            return;
        }
        f->tx_connected = 1;
    }
    if (mn_sys_monotonic_s() >= t->end)
        return; /* the tick shuts it down */
    ssize_t r = 0;
    uint64_t sent = 0;
    int sized = f->spec.size_bytes > 0;
    while (!sized || f->tx_left > 0) {
        size_t n = sized && f->tx_left < sizeof t->buf ? (size_t)f->tx_left : sizeof t->buf;
        if ((r = send(f->tx, t->buf, n, MSG_NOSIGNAL)) <= 0)
            break;
        sent += (uint64_t)r;
        if (sized)
            f->tx_left -= (uint64_t)r;
    }
    int e = r < 0 && errno != EAGAIN && errno != EWOULDBLOCK ? errno : 0;
    pthread_mutex_lock(&t->mu);
    f->st.sent += sent;
    if (e) {
        f->st.tcp_error = e;
        f->st.send_errors++;
    }
    pthread_mutex_unlock(&t->mu);
    if (e || (sized && f->tx_left == 0)) { /* an error, or the session's size all written */
        ev_io_stop(loop, w);
        if (!e)
            shutdown(f->tx, SHUT_WR);
        f->tx_done = 1;
    }
}

/* The thread's stop signal: ends ev_run. */
static void on_stop(struct ev_loop *loop, ev_async *w, int revents)
{
    (void)w;
    (void)revents;
    ev_break(loop, EVBREAK_ALL);
}

int mn_emu_traffic_create(uint64_t seed, mn_emu_traffic **out, mn_err *err)
{
    mn_emu_traffic *t = mn_calloc(1, sizeof *t);
    if (!t)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    /* no signal handling in this loop: signals stay with the caller's thread */
    t->loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
    if (!t->loop) {
        mn_free(t);
        return MN_ERR(err, MN_EIO, "traffic: libev could not create a loop");
    }
    int e = pthread_mutex_init(&t->mu, NULL);
    if (e != 0) {
        ev_loop_destroy(t->loop);
        mn_free(t);
        return MN_ERR(err, MN_EIO, "traffic: pthread_mutex_init: %s", strerror(e));
    }
    t->rng = seed;
    ev_timer_init(&t->tick, on_tick, 0.001, 0.001);
    t->tick.data = t;
    ev_async_init(&t->stop_w, on_stop);
    ev_async_start(t->loop, &t->stop_w);
    *out = t;
    return MN_OK;
}

static int sock_in(const char *ns, int family, int type, int *out, mn_err *err)
{
    int saved, rc = mn_emu_netns_enter_name(ns, &saved, err);
    if (rc != MN_OK)
        return rc;
    int s = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int e = errno;
    mn_emu_netns_leave(saved);
    if (s < 0)
        return MN_ERR(err, MN_EIO, "netns %s: %s %s socket: %s", ns,
                      family == AF_INET6 ? "IPv6" : "IPv4", type == SOCK_STREAM ? "TCP" : "UDP",
                      strerror(e));
    if (family == AF_INET6) {
        int one = 1;
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    *out = s;
    return MN_OK;
}

int mn_emu_traffic_add(mn_emu_traffic *t, const mn_emu_flow_spec *s, mn_err *err)
{
    if (t->started)
        return MN_ERR(err, MN_EINVAL, "flow %s: added after the traffic started", s->id);
    if (!s->tcp && (s->payload < MN_EMU_TRAFFIC_HDR || s->payload > 1400 || !(s->rate_bps > 0)))
        return MN_ERR(err, MN_EINVAL, "flow %s: payload %u B (24..1400) and rate %.0f bit/s (> 0)",
                      s->id, s->payload, s->rate_bps);
    if (mn_array_reserve((void **)&t->flows, &t->cap, t->n + 1, sizeof *t->flows) != MN_OK)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    t_flow *f = mn_calloc(1, sizeof *f);
    if (!f)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    f->spec = *s;
    f->t = t;
    f->num = (uint32_t)t->n;
    f->tx = f->rx = f->conn = -1;
    if (f->spec.family == 0)
        f->spec.family = AF_INET;
    if (f->spec.family != AF_INET && f->spec.family != AF_INET6) {
        mn_free(f);
        return MN_ERR(err, MN_EINVAL, "flow %s: address family %d (AF_INET or AF_INET6)", s->id,
                      s->family);
    }
    s = &f->spec;
    int type = s->tcp ? SOCK_STREAM : SOCK_DGRAM;
    int rc = sock_in(s->tx_ns, s->family, type, &f->tx, err);
    if (rc == MN_OK)
        rc = sock_in(s->rx_ns, s->family, type, &f->rx, err);
    int one = 1;
    if (rc == MN_OK && s->tcp)
        setsockopt(f->rx, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_storage a;
    socklen_t alen = flow_addr(s, 0, 0, &a);
    if (rc == MN_OK && bind(f->tx, (struct sockaddr *)&a, alen) != 0)
        rc = MN_ERR(err, MN_EIO, "flow %s: bind in %s: %s", s->id, s->tx_ns, strerror(errno));
    alen = flow_addr(s, 1, s->port, &a);
    if (rc == MN_OK && bind(f->rx, (struct sockaddr *)&a, alen) != 0)
        rc = MN_ERR(err, MN_EIO, "flow %s: bind port %u in %s: %s", s->id, s->port, s->rx_ns,
                    strerror(errno));
    if (rc == MN_OK && s->tcp && listen(f->rx, 1) != 0)
        rc = MN_ERR(err, MN_EIO, "flow %s: listen on port %u in %s: %s", s->id, s->port, s->rx_ns,
                    strerror(errno));
    if (rc != MN_OK) {
        if (f->tx >= 0)
            close(f->tx);
        if (f->rx >= 0)
            close(f->rx);
        mn_free(f);
        return rc;
    }
    if (s->tcp) {
        /* the kernel's autotuning, but pacing at the cap when there is one */
        if (s->rate_bps > 0) {
            unsigned long long pace = (unsigned long long)(s->rate_bps / 8);
            setsockopt(f->tx, SOL_SOCKET, SO_MAX_PACING_RATE, &pace, sizeof pace);
        }
        ev_io_init(&f->rx_w, on_tcp_accept, f->rx, EV_READ);
        ev_io_init(&f->tx_w, on_tcp_writable, f->tx, EV_WRITE);
        f->tx_w.data = f;
    } else {
        int big = 4 << 20;
        setsockopt(f->rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
        setsockopt(f->tx, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
        ev_io_init(&f->rx_w, on_rx, f->rx, EV_READ);
    }
    f->rx_w.data = f;
    ev_io_start(t->loop, &f->rx_w);
    t->flows[t->n++] = f;
    return MN_OK;
}

/* The traffic thread: the loop until mn_emu_traffic_stop. */
static void *run(void *arg)
{
    mn_emu_traffic *t = arg;
    ev_run(t->loop, 0);
    return NULL;
}

int mn_emu_traffic_start(mn_emu_traffic *t, double duration_s, mn_err *err)
{
    if (t->started)
        return MN_ERR(err, MN_EINVAL, "traffic: started twice");
    t->start = mn_sys_monotonic_s();
    t->end = t->start + duration_s;
    for (size_t i = 0; i < t->n; i++) {
        t_flow *f = t->flows[i];
        if (f->spec.tcp) {
            if (f->spec.start_s <= 0)
                tcp_open(t, f); /* the thread does not exist yet: the mutex is uncontended */
            continue;
        }
        f->next =
            (f->spec.start_s > 0 ? f->spec.start_s : 0) +
            (f->spec.poisson ? -log(uniform(t)) * f->spec.payload * 8.0 / f->spec.rate_bps : 0);
    }
    t->running = 1;
    ev_timer_start(t->loop, &t->tick);
    /* everything above happens before the thread (pthread_create orders it) */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay with the caller's thread */
    int e = pthread_create(&t->th, NULL, run, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        t->running = 0;
        return MN_ERR(err, MN_EIO, "traffic: pthread_create: %s", strerror(e));
    }
    t->started = 1;
    return MN_OK;
}

void mn_emu_traffic_stop(mn_emu_traffic *t)
{
    if (!t || !t->started || t->joined)
        return;
    ev_async_send(t->loop, &t->stop_w);
    pthread_join(t->th, NULL);
    t->joined = 1;
    SET_RUNNING(t, 0);
}

int mn_emu_traffic_done(const mn_emu_traffic *t)
{
    return !RUNNING(t);
}

double mn_emu_traffic_now(const mn_emu_traffic *t)
{
    return mn_sys_monotonic_s() - t->start;
}

size_t mn_emu_traffic_count(const mn_emu_traffic *t)
{
    return t->n;
}

const mn_emu_flow_spec *mn_emu_traffic_spec(const mn_emu_traffic *t, size_t i)
{
    return &t->flows[i]->spec;
}

const mn_emu_flow_stats *mn_emu_traffic_stats(const mn_emu_traffic *t, size_t i)
{
    assert(!t->started || t->joined); /* else mn_emu_traffic_snapshot */
    return &t->flows[i]->st;
}

void mn_emu_traffic_snapshot(const mn_emu_traffic *t, size_t i, mn_emu_flow_stats *out)
{
    pthread_mutex_lock(mu_of(t));
    *out = t->flows[i]->st;
    pthread_mutex_unlock(mu_of(t));
}

void mn_emu_traffic_window(const mn_emu_traffic *t, size_t i, mn_emu_flow_mark *mark,
                           uint64_t *bytes, uint64_t *datagrams, double *delay_mean_s)
{
    const t_flow *f = t->flows[i];
    mn_emu_flow_mark now;
    pthread_mutex_lock(mu_of(t)); /* the three counters of one instant */
    now.bytes = f->st.bytes;
    now.received = f->st.received;
    now.delay_sum = f->st.delay_sum;
    pthread_mutex_unlock(mu_of(t));
    uint64_t n = f->spec.tcp ? 0 : now.received - mark->received;
    *bytes = now.bytes - mark->bytes;
    *datagrams = n;
    *delay_mean_s = n ? (now.delay_sum - mark->delay_sum) / (double)n : 0;
    *mark = now;
}

void mn_emu_traffic_destroy(mn_emu_traffic *t)
{
    if (!t)
        return;
    mn_emu_traffic_stop(t); /* joined: the loop and the sockets are ours again */
    ev_timer_stop(t->loop, &t->tick);
    ev_async_stop(t->loop, &t->stop_w);
    for (size_t i = 0; i < t->n; i++) {
        ev_io_stop(t->loop, &t->flows[i]->rx_w);
        if (t->flows[i]->spec.tcp)
            ev_io_stop(t->loop, &t->flows[i]->tx_w);
        if (t->flows[i]->conn >= 0)
            close(t->flows[i]->conn);
        close(t->flows[i]->tx);
        close(t->flows[i]->rx);
        mn_free(t->flows[i]);
    }
    mn_free(t->flows);
    ev_loop_destroy(t->loop);
    pthread_mutex_destroy(&t->mu);
    mn_free(t);
}
