/*
 * test_emu_traffic.c - the traffic generator (emu/traffic.c) on its own
 * thread (CTest emu_traffic, label netns), in one namespace over its
 * loopback:
 *   1. a 1000 datagram/s UDP flow for 0.6 s while the caller's libev loop
 *      (the policies' in mnetsim emu) is blocked for 200 ms from 0.2 s: a
 *      packet socket on lo sees, by the send times in our header, the
 *      datagrams sent inside the blocked window (>= 90 % of those due),
 *      no silence of 50 ms between two send times (a sender on the
 *      blocked loop would show 200 ms and none sent inside it); the receiver counted
 *      them during the block (a snapshot right after it, before the loop
 *      runs again); every datagram sent received, on schedule (sent 600);
 *      meanwhile the blocked loop's 1 ms timer reads the counters
 *      (mn_emu_traffic_window, mn_emu_traffic_snapshot) from its thread,
 *      and the windows add up to the final count;
 *   2. a TCP bulk flow paced at 8 Mbit/s, stopped after 0.3 s of a 10 s
 *      run (the SIGINT path): the stop joins at once, done afterwards,
 *      bytes written and read, a second stop a no-op; add and start after
 *      the start refused.
 * Needs root: exits 77 (SKIPPED) with the reason otherwise.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ev.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "emu/names.h"
#include "emu/netns.h"
#include "emu/traffic.h"

#include "emu_check.h"

#define RATE 1000     /* datagrams per second */
#define PAYLOAD 200   /* bytes */
#define DUR 0.6       /* s */
#define BLOCK_AT 0.2  /* s after the start */
#define BLOCK_FOR 0.2 /* s */
#define NSEQ 2048

static char P[MN_EMU_PREFIX_LEN + 1], NS[16];

static double real_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The caller's loop: blocks once, reads the counters every ms, ends after the traffic. */
struct main_loop {
    mn_emu_traffic *t;
    ev_timer block, poll;
    double block_from, block_to; /* CLOCK_REALTIME s */
    uint64_t before, after;      /* datagrams received just before and after the block */
    mn_emu_flow_mark mark;
    uint64_t windowed, reads; /* the windows' datagrams, summed; counter reads */
};

static void on_block(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct main_loop *m = w->data;
    mn_emu_flow_stats s;
    mn_emu_traffic_snapshot(m->t, 0, &s);
    m->before = s.received;
    m->block_from = real_s();
    struct timespec d = {0, (long)(BLOCK_FOR * 1e9)};
    while (nanosleep(&d, &d) != 0) /* the re-plumbing: this loop runs nothing meanwhile */
        ;
    m->block_to = real_s();
    mn_emu_traffic_snapshot(m->t, 0, &s);
    m->after = s.received;
}

static void on_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    struct main_loop *m = w->data;
    uint64_t bytes, n;
    double delay;
    mn_emu_traffic_window(m->t, 0, &m->mark, &bytes, &n, &delay);
    m->windowed += n;
    m->reads++;
    if (mn_emu_traffic_done(m->t) && mn_emu_traffic_now(m->t) > DUR + 0.05)
        ev_break(loop, EVBREAK_ALL);
}

static int cleanup_one(const char *name, void *ctx)
{
    (void)ctx;
    return mn_emu_netns_delete(name, NULL);
}

/* A packet socket on lo in NS: every IPv4 packet that crosses it, with our header. */
static int sniffer(void)
{
    int saved, s = -1;
    if (mn_emu_netns_enter_name(NS, &saved, NULL) != MN_OK)
        return -1;
    s = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_IP));
    unsigned lo = if_nametoindex("lo");
    mn_emu_netns_leave(saved);
    if (s < 0 || lo == 0)
        return -1;
    int big = 16 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    struct sockaddr_ll a = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = (int)lo};
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) {
        close(s);
        return -1;
    }
    return s;
}

static void test_udp_while_blocked(void)
{
    mn_err err;
    mn_err_clear(&err);
    mn_emu_traffic *t = NULL;
    int sn = sniffer();
    CHECK(sn >= 0, "a packet socket on lo in %s", NS);
    mn_emu_flow_spec f;
    memset(&f, 0, sizeof f);
    snprintf(f.id, sizeof f.id, "lo/udp");
    snprintf(f.tx_ns, sizeof f.tx_ns, "%s", NS);
    snprintf(f.rx_ns, sizeof f.rx_ns, "%s", NS);
    f.src = f.dst = INADDR_LOOPBACK;
    f.port = 6100;
    f.payload = PAYLOAD;
    f.rate_bps = RATE * PAYLOAD * 8.0;
    int rc = mn_emu_traffic_create(7, &t, &err);
    if (rc == MN_OK)
        rc = mn_emu_traffic_add(t, &f, &err);
    CHECK(rc == MN_OK, "a UDP flow on lo%s%s", rc == MN_OK ? "" : ": ", rc == MN_OK ? "" : err.msg);
    if (rc != MN_OK || sn < 0) {
        mn_emu_traffic_destroy(t);
        if (sn >= 0)
            close(sn);
        return;
    }
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct main_loop m;
    memset(&m, 0, sizeof m);
    m.t = t;
    ev_timer_init(&m.block, on_block, BLOCK_AT, 0);
    ev_timer_init(&m.poll, on_poll, 0.001, 0.001);
    m.block.data = m.poll.data = &m;
    rc = mn_emu_traffic_start(t, DUR, &err);
    CHECK(rc == MN_OK, "the traffic thread starts");
    ev_timer_start(loop, &m.block);
    ev_timer_start(loop, &m.poll);
    ev_run(loop, 0);
    mn_emu_traffic_stop(t);
    const mn_emu_flow_stats *s = mn_emu_traffic_stats(t, 0);

    /* the send times of what crossed lo, one per sequence number */
    static double tx_at[NSEQ];
    for (size_t i = 0; i < NSEQ; i++)
        tx_at[i] = -1;
    uint8_t buf[2048];
    ssize_t r;
    while ((r = recv(sn, buf, sizeof buf, 0)) > 0) {
        const struct iphdr *ip = (const void *)buf;
        size_t hl = (size_t)ip->ihl * 4;
        if ((size_t)r < hl + 8 || ip->protocol != IPPROTO_UDP)
            continue;
        uint32_t num;
        uint64_t seq, tx;
        if (mn_emu_traffic_parse(buf + hl + 8, (size_t)r - hl - 8, &num, &seq, &tx) != MN_OK ||
            seq >= NSEQ)
            continue;
        tx_at[seq] = (double)tx / 1e9;
    }
    close(sn);
    unsigned in_block = 0, seen = 0;
    double last = -1, max_silence = 0, lo = m.block_from + 0.01, hi = m.block_to - 0.01;
    for (size_t i = 0; i < NSEQ; i++) {
        if (tx_at[i] < 0)
            continue;
        seen++;
        in_block += tx_at[i] >= lo && tx_at[i] <= hi;
        if (last >= 0 && tx_at[i] - last > max_silence)
            max_silence = tx_at[i] - last;
        last = tx_at[i];
    }
    double expect = (hi - lo) * RATE;
    printf("  loop blocked %.3f s; %u datagrams sent in its middle %.3f s (%.0f due), %u seen on "
           "lo, longest silence between send times %.2f ms; received %llu during the block\n",
           m.block_to - m.block_from, in_block, hi - lo, expect, seen, max_silence * 1e3,
           (unsigned long long)(m.after - m.before));
    CHECK(m.block_to - m.block_from >= BLOCK_FOR - 0.001, "the caller's loop was blocked %.3f s",
          m.block_to - m.block_from);
    CHECK(in_block >= 0.9 * expect, "sent while the loop was blocked: %u of %.0f due", in_block,
          expect);
    /* a sender on the blocked loop would be silent for the whole block; a loaded machine
     * (two cores, sanitizers, other tests) delays a wake-up by tens of ms at worst */
    CHECK(max_silence < BLOCK_FOR / 2, "no pause in sending (longest silence %.2f ms < %.0f)",
          max_silence * 1e3, BLOCK_FOR / 2 * 1e3);
    CHECK(m.after - m.before >= 0.9 * BLOCK_FOR * RATE,
          "the receiver counted %llu during the block", (unsigned long long)(m.after - m.before));
    CHECK(s->sent >= 0.98 * DUR * RATE && s->sent <= DUR * RATE + 1 && s->send_errors == 0,
          "on schedule: %llu sent (%.0f due), %llu errors", (unsigned long long)s->sent, DUR * RATE,
          (unsigned long long)s->send_errors);
    CHECK(s->received == s->sent && seen == s->sent, "all received (%llu) and seen on lo (%u)",
          (unsigned long long)s->received, seen);
    CHECK(s->max_gap < BLOCK_FOR / 2, "the receiver's longest silence %.2f ms < %.0f",
          s->max_gap * 1e3, BLOCK_FOR / 2 * 1e3);
    CHECK(m.windowed == s->received && m.reads > 100,
          "%llu counter reads from the caller's thread; the windows sum to %llu",
          (unsigned long long)m.reads, (unsigned long long)m.windowed);
    ev_loop_destroy(loop);
    mn_emu_traffic_destroy(t);
}

static void test_tcp_stopped_early(void)
{
    mn_err err;
    mn_err_clear(&err);
    mn_emu_traffic *t = NULL;
    mn_emu_flow_spec f;
    memset(&f, 0, sizeof f);
    snprintf(f.id, sizeof f.id, "lo/tcp");
    snprintf(f.tx_ns, sizeof f.tx_ns, "%s", NS);
    snprintf(f.rx_ns, sizeof f.rx_ns, "%s", NS);
    f.src = f.dst = INADDR_LOOPBACK;
    f.port = 6101;
    f.tcp = 1;
    f.rate_bps = 8e6;
    int rc = mn_emu_traffic_create(7, &t, &err);
    if (rc == MN_OK)
        rc = mn_emu_traffic_add(t, &f, &err);
    if (rc == MN_OK)
        rc = mn_emu_traffic_start(t, 10.0, &err);
    CHECK(rc == MN_OK, "a TCP flow on lo for 10 s started%s%s", rc == MN_OK ? "" : ": ",
          rc == MN_OK ? "" : err.msg);
    if (rc != MN_OK) {
        mn_emu_traffic_destroy(t);
        return;
    }
    f.port = 6102;
    CHECK(mn_emu_traffic_add(t, &f, &err) == MN_EINVAL, "a flow added after the start refused");
    CHECK(mn_emu_traffic_start(t, 1.0, &err) == MN_EINVAL, "a second start refused");
    mn_emu_flow_stats s;
    double until = mono_s() + 0.3;
    uint64_t reads = 0;
    while (mono_s() < until) { /* the caller reads while the thread writes */
        mn_emu_traffic_snapshot(t, 0, &s);
        reads++;
        struct timespec d = {0, 1000000};
        nanosleep(&d, NULL);
    }
    CHECK(!mn_emu_traffic_done(t), "still sending after 0.3 s of 10 s");
    double t0 = mono_s();
    mn_emu_traffic_stop(t);
    double took = mono_s() - t0;
    mn_emu_traffic_stop(t);
    CHECK(took < 0.1 && mn_emu_traffic_done(t), "stopped and joined in %.1f ms, done", took * 1e3);
    const mn_emu_flow_stats *st = mn_emu_traffic_stats(t, 0);
    printf("  tcp: %llu bytes written, %llu read in 0.3 s (%.2f Mbit/s read), %llu snapshots\n",
           (unsigned long long)st->sent, (unsigned long long)st->received,
           (double)st->received * 8 / 0.3 / 1e6, (unsigned long long)reads);
    CHECK(st->connected && st->tcp_error == 0 && st->received > 100000 && st->received <= st->sent,
          "connected, %llu bytes read of %llu written", (unsigned long long)st->received,
          (unsigned long long)st->sent);
    mn_emu_traffic_destroy(t);
}

int main(void)
{
    mn_err err;
    mn_err_clear(&err);
    if (mn_emu_netns_check(&err) != MN_OK) {
        printf("SKIPPED: %s\n", err.msg);
        return 77;
    }
    mn_emu_prefix_new(P);
    mn_emu_name(NS, P, 'n', 0, 0);
    if (mn_emu_netns_create(NS, 0, &err) != MN_OK) {
        fprintf(stderr, "FAIL: namespace %s: %s\n", NS, err.msg);
        mn_emu_netns_each(P, cleanup_one, NULL);
        return 1;
    }
    test_udp_while_blocked();
    test_tcp_stopped_early();
    mn_emu_netns_each(P, cleanup_one, NULL);
    CHECK(!mn_emu_netns_exists(NS), "namespace %s removed", NS);
    printf("%s\n", failures ? "FAILED" : "PASSED");
    return failures ? 1 : 0;
}
