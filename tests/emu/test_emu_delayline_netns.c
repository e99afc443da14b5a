/*
 * test_emu_delayline_netns.c - the delay line (emu/delayline.c) on real tap
 * devices between two namespaces (CTest emu_delayline, label netns):
 *   1. timing and order: 1000 UDP datagrams at 1 per ms over a 5 ms link
 *      arrive all, in order, none before 5 ms, mean below 5 + 1 ms;
 *   2. top rate: 1400-byte datagrams as fast as one sender thread can, no
 *      shaping, 1 ms: frames and Mbit/s forwarded and the thread's CPU share
 *      (printed for docs/emulation.md; must exceed 100 Mbit/s);
 *   3. shaping: a 50 Mbit/s tbf on the sending tap, offered 2x over a 10 ms
 *      link: the rate received is 0.9-1.05 of the tbf's;
 *   4. drop-tail: a 64 KiB queue on a 200 ms link, saturated: frames dropped
 *      and counted, the queue never above its limit, what arrives in order;
 *   5. the carrier of one end off and on again (as the backend's power op).
 * Needs root: exits 77 (SKIPPED) with the reason otherwise.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "emu/delayline.h"
#include "emu/link.h"
#include "emu/names.h"
#include "emu/netns.h"
#include "emu/tc.h"

#include "emu_check.h"

static char P[MN_EMU_PREFIX_LEN + 1], NA[16], NB[16];
static mn_emu_nl nla, nlb;
static mn_err err;

static int64_t mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int udp_in(const char *ns, const char *ip, int port)
{
    int saved, s;
    if (mn_emu_netns_enter_name(ns, &saved, NULL) != MN_OK)
        return -1;
    s = socket(AF_INET, SOCK_DGRAM, 0);
    mn_emu_netns_leave(saved);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0)
        return -1;
    int big = 8 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    struct timeval tv = {0, 1000};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
}

/* A delay line over a fresh tap pair <P>l<k> in A (10.9.k.1/24) and B (10.9.k.2/24). */
static mn_emu_dl *pair(unsigned k, int64_t delay, size_t limit)
{
    char dev[16], a[32];
    mn_emu_name(dev, P, 'l', k, 0);
    mn_emu_dl *d = NULL;
    int fa, fb;
    if (mn_emu_dl_create(&d, &err) != MN_OK || mn_emu_dl_tap_open(NA, dev, &fa, &err) != MN_OK ||
        mn_emu_dl_tap_open(NB, dev, &fb, &err) != MN_OK ||
        mn_emu_dl_add(d, fa, fb, delay, limit, "test", NULL, &err) != MN_OK)
        goto fail;
    snprintf(a, sizeof a, "10.9.%u.1/24", k);
    if (mn_emu_addr_add(&nla, dev, a, &err) != MN_OK || mn_emu_link_set_up(&nla, dev, 1, &err))
        goto fail;
    snprintf(a, sizeof a, "10.9.%u.2/24", k);
    if (mn_emu_addr_add(&nlb, dev, a, &err) != MN_OK || mn_emu_link_set_up(&nlb, dev, 1, &err))
        goto fail;
    if (mn_emu_dl_start(d, &err) != MN_OK)
        goto fail;
    return d;
fail:
    fprintf(stderr, "FAIL: tap pair %s: %s\n", dev, err.msg);
    failures++;
    mn_emu_dl_destroy(d);
    return NULL;
}

struct blast {
    int s;
    struct sockaddr_in to;
    int64_t until, gap_ns; /* gap_ns 0: as fast as it goes */
    uint64_t sent;
};

static void *blaster(void *arg)
{
    struct blast *b = arg;
    char buf[1400];
    memset(buf, 'x', sizeof buf);
    int64_t next = mono();
    while (mono() < b->until) {
        if (b->gap_ns) {
            while (mono() < next)
                ;
            next += b->gap_ns;
        }
        memcpy(buf, &b->sent, sizeof b->sent);
        if (sendto(b->s, buf, sizeof buf, 0, (struct sockaddr *)&b->to, sizeof b->to) > 0)
            b->sent++;
    }
    return NULL;
}

/* Blasts 1400-byte datagrams over link k for secs; returns payload bit/s received, *inorder. */
static double blast(unsigned k, double secs, int64_t gap_ns, uint64_t *recvd, int *inorder)
{
    char ipa[20], ipb[20];
    snprintf(ipa, sizeof ipa, "10.9.%u.1", k);
    snprintf(ipb, sizeof ipb, "10.9.%u.2", k);
    int rx = udp_in(NB, ipb, 7100), tx = udp_in(NA, ipa, 7101);
    struct blast b = {tx, {.sin_family = AF_INET, .sin_port = htons(7100)}, 0, gap_ns, 0};
    inet_pton(AF_INET, ipb, &b.to.sin_addr);
    /* the neighbour first: one datagram and its ARP round trip */
    char buf[2048];
    sendto(tx, "warm", 4, 0, (struct sockaddr *)&b.to, sizeof b.to);
    for (int i = 0; i < 1000 && recv(rx, buf, sizeof buf, 0) <= 0; i++)
        ;
    b.until = mono() + (int64_t)(secs * 1e9);
    pthread_t th;
    pthread_create(&th, NULL, blaster, &b);
    uint64_t n = 0, last = 0, bytes = 0;
    int64_t first_t = 0, last_t = 0;
    *inorder = 1;
    for (;;) {
        ssize_t r = recv(rx, buf, sizeof buf, 0);
        if (r == 1400) {
            uint64_t seq;
            memcpy(&seq, buf, sizeof seq);
            if (n && seq <= last)
                *inorder = 0;
            last = seq;
            last_t = mono();
            if (!n)
                first_t = last_t;
            else
                bytes += (uint64_t)r;
            n++;
        } else if (mono() > b.until + 400000000) {
            break; /* 0.4 s of silence after the end */
        }
    }
    pthread_join(th, NULL);
    close(rx);
    close(tx);
    *recvd = n;
    return last_t > first_t ? (double)bytes * 8 / ((double)(last_t - first_t) / 1e9) : 0;
}

static int cleanup_one(const char *name, void *ctx)
{
    (void)ctx;
    return mn_emu_netns_delete(name, NULL);
}

int main(void)
{
    mn_err_clear(&err);
    if (mn_emu_netns_check(&err) != MN_OK) {
        printf("SKIPPED: %s\n", err.msg);
        return 77;
    }
    if (access("/dev/net/tun", R_OK | W_OK) != 0) {
        printf("SKIPPED: /dev/net/tun: %s (the delay line needs tap devices)\n", strerror(errno));
        return 77;
    }
    mn_emu_prefix_new(P);
    mn_emu_name(NA, P, 'n', 0, 0);
    mn_emu_name(NB, P, 'n', 1, 0);
    if (mn_emu_netns_create(NA, 0, &err) != MN_OK || mn_emu_netns_create(NB, 0, &err) != MN_OK ||
        mn_emu_nl_open(&nla, NA, &err) != MN_OK || mn_emu_nl_open(&nlb, NB, &err) != MN_OK) {
        fprintf(stderr, "FAIL: namespaces: %s\n", err.msg);
        mn_emu_netns_each(P, cleanup_one, NULL);
        return 1;
    }

    /* 1. timing and order at a moderate rate */
    const int64_t D = 5000000;
    mn_emu_dl *d = pair(0, D, 1 << 20);
    if (d) {
        int rx = udp_in(NB, "10.9.0.2", 7000), tx = udp_in(NA, "10.9.0.1", 7001);
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(7000)};
        inet_pton(AF_INET, "10.9.0.2", &to.sin_addr);
        char buf[256];
        sendto(tx, "warm", 4, 0, (struct sockaddr *)&to, sizeof to); /* ARP first */
        for (int i = 0; i < 1000 && recv(rx, buf, sizeof buf, 0) <= 0; i++)
            ;
        const int N = 1000;
        int got = 0, order = 1, late1ms = 0;
        int64_t dmin = INT64_MAX, dmax = 0, dsum = 0, next = mono();
        uint32_t last = 0;
        for (int i = 0; i < N || (got < N && mono() < next + 200000000);) {
            if (i < N && mono() >= next) {
                int64_t t = mono();
                uint32_t seq = (uint32_t)i;
                memcpy(buf, &seq, 4);
                memcpy(buf + 4, &t, 8);
                sendto(tx, buf, 200, 0, (struct sockaddr *)&to, sizeof to);
                next += 1000000;
                i++;
            }
            /* sleep until the next send or a datagram (the forwarder needs the CPU more) */
            int64_t wait = i < N ? next - mono() : 1000000;
            struct timespec to_ts = {0, wait > 0 ? wait : 0};
            struct pollfd pf = {rx, POLLIN, 0};
            ppoll(&pf, 1, &to_ts, NULL);
            ssize_t r;
            while ((r = recv(rx, buf, sizeof buf, MSG_DONTWAIT)) == 200) {
                int64_t t, now = mono();
                uint32_t seq;
                memcpy(&seq, buf, 4);
                memcpy(&t, buf + 4, 8);
                if (got && seq <= last)
                    order = 0;
                last = seq;
                int64_t dl = now - t;
                dmin = dl < dmin ? dl : dmin;
                dmax = dl > dmax ? dl : dmax;
                late1ms += dl > D + 1000000;
                dsum += dl;
                got++;
            }
        }
        close(rx);
        close(tx);
        double mean = got ? (double)dsum / got / 1e6 : 0;
        printf("  1000 datagrams at 1/ms over 5 ms: %d received, one-way delay min %.3f mean %.3f "
               "max %.3f ms, %d above 6 ms\n",
               got, (double)dmin / 1e6, mean, (double)dmax / 1e6, late1ms);
        CHECK(got == N && order, "all %d datagrams arrive, in order", N);
        CHECK(dmin >= D, "none before the delay (min %.3f ms >= 5 ms)", (double)dmin / 1e6);
        CHECK(mean < 6.0, "mean delay %.3f ms < 5 + 1 ms", mean);
        mn_emu_dl_stats s = mn_emu_dl_get_stats(d, 0, 0);
        CHECK(s.forwarded >= (uint64_t)N && s.dropped_full == 0 && s.dropped_write == 0,
              "counters: %llu forwarded a -> b, none dropped, late mean %.1f us max %.3f ms",
              (unsigned long long)s.forwarded,
              s.forwarded ? (double)s.late_sum_ns / (double)s.forwarded / 1e3 : 0,
              (double)s.late_max_ns / 1e6);
        mn_emu_dl_destroy(d);
    }

    /* 2. the forwarder's top rate, unshaped */
    d = pair(1, 1000000, 16 << 20);
    if (d) {
        uint64_t n;
        int inorder;
        double c0 = mn_emu_dl_cpu_s(d), wall = 2.0; /* the blast; the forwarder idles after it */
        mn_emu_dl_stats s0 = mn_emu_dl_get_stats(d, 0, 0);
        double bps = blast(1, wall, 0, &n, &inorder);
        double cpu = mn_emu_dl_cpu_s(d) - c0;
        mn_emu_dl_stats s = mn_emu_dl_get_stats(d, 0, 0);
        double fwd = (double)(s.forwarded - s0.forwarded), fb = (double)(s.bytes - s0.bytes);
        printf("  top rate, 1400-byte payloads (1442-byte frames), 1 ms: %.0f frames/s, "
               "%.1f Mbit/s of frames forwarded, %.1f Mbit/s of payload received; forwarder CPU "
               "%.2f s of %.2f s wall (%.0f%% of a core, %.2f us per frame); %llu dropped full, "
               "%llu received\n",
               fwd / wall, fb * 8 / wall / 1e6, bps / 1e6, cpu, wall, 100 * cpu / wall,
               fwd > 0 ? cpu / fwd * 1e6 : 0, (unsigned long long)s.dropped_full,
               (unsigned long long)n);
        CHECK(bps > 100e6 && inorder, "top rate %.0f Mbit/s > 100 Mbit/s, in order", bps / 1e6);
        mn_emu_dl_destroy(d);
    }

    /* 3. a tbf on the sending tap still shapes */
    d = pair(2, 10000000, 1 << 20);
    if (d) {
        char dev[16];
        mn_emu_name(dev, P, 'l', 2, 0);
        const double rate = 50e6;
        if (mn_emu_tc_tbf(&nla, dev, rate, &err) != MN_OK) {
            fprintf(stderr, "FAIL: tbf: %s\n", err.msg);
            failures++;
        } else {
            uint64_t n;
            int inorder;
            /* offered 2x: a 1442-byte frame every 1442 * 8 / 100e6 s */
            double bps = blast(2, 2.0, (int64_t)(1442.0 * 8 / (2 * rate) * 1e9), &n, &inorder);
            double want = rate * 1400 / 1442, r = bps / want;
            CHECK(r >= 0.9 && r <= 1.05 && inorder,
                  "tbf 50 Mbit/s through a 10 ms delay line at 2x: %.2f Mbit/s of payload = %.3f "
                  "of the shaped rate, in order",
                  bps / 1e6, r);
        }
        mn_emu_dl_destroy(d);
    }

    /* 4. drop-tail: a 64 KiB queue holds 64 KiB of a 200 ms link's traffic, no more */
    d = pair(3, 200000000, 65536);
    if (d) {
        uint64_t n;
        int inorder;
        blast(3, 1.0, 20000, &n, &inorder); /* 1442-byte frames every 20 us: 577 Mbit/s */
        mn_emu_dl_stats s = mn_emu_dl_get_stats(d, 0, 0);
        CHECK(s.dropped_full > 0 && s.max_queue_bytes <= 65536 && s.max_queue_bytes > 60000 &&
                  inorder,
              "drop-tail: %llu dropped, %llu forwarded, max queue %llu bytes (limit 65536), "
              "%llu received in order",
              (unsigned long long)s.dropped_full, (unsigned long long)s.forwarded,
              (unsigned long long)s.max_queue_bytes, (unsigned long long)n);
        /* 5. the carrier */
        CHECK(mn_emu_dl_carrier(d, 0, 1, 0, &err) == MN_OK &&
                  mn_emu_dl_carrier(d, 0, 1, 1, &err) == MN_OK,
              "carrier of end b off and on (TUNSETCARRIER)");
        mn_emu_dl_destroy(d);
    }

    mn_emu_nl_close(&nla);
    mn_emu_nl_close(&nlb);
    mn_emu_netns_each(P, cleanup_one, NULL);
    CHECK(!mn_emu_netns_exists(NA) && !mn_emu_netns_exists(NB), "namespaces removed");
    if (failures)
        printf("%d failure(s)\n", failures);
    else
        printf("PASSED\n");
    return failures ? 1 : 0;
}
