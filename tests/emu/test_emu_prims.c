/*
 * test_emu_prims.c - emu/netns, emu/link, emu/tc against the real kernel:
 * namespaces, veth created in place, bridge, addresses (IPv6 usable at once:
 * no DAD), routes, VXLAN, tbf shaping at the configured rate, htb + u32,
 * moving a link, deletion. Needs root: exits 77 (SKIPPED) with the reason
 * otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "emu/link.h"
#include "emu/names.h"
#include "emu/netns.h"
#include "emu/tc.h"
#include "emu_check.h"

static char P[MN_EMU_PREFIX_LEN + 1];

#define OK(expr)                                                              \
    do {                                                                      \
        mn_err e_;                                                            \
        mn_err_clear(&e_);                                                    \
        (void)e_;                                                             \
        int rc_ = (expr);                                                     \
        if (rc_ < 0) {                                                        \
            fprintf(stderr, "FAIL %s:%d: %s: %s\n", __FILE__, __LINE__, #expr, \
                    err.msg);                                                 \
            failures++;                                                       \
            goto out;                                                         \
        }                                                                     \
    } while (0)

static mn_err err;

static int sock_in(const char *ns, int family, int type)
{
    int saved, s;
    if (mn_emu_netns_enter_name(ns, &saved, &err) != MN_OK)
        return -1;
    s = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    mn_emu_netns_leave(saved);
    return s;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int udp_pair(const char *ns_rx, const char *ip_rx, const char *ns_tx, int family, int *rx,
                    int *tx, struct sockaddr_storage *to, socklen_t *tolen)
{
    *rx = sock_in(ns_rx, family, SOCK_DGRAM);
    *tx = sock_in(ns_tx, family, SOCK_DGRAM);
    if (*rx < 0 || *tx < 0)
        return -1;
    memset(to, 0, sizeof *to);
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)to;
        a->sin_family = AF_INET;
        a->sin_port = htons(5000);
        inet_pton(AF_INET, ip_rx, &a->sin_addr);
        *tolen = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)to;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(5000);
        inet_pton(AF_INET6, ip_rx, &a->sin6_addr);
        *tolen = sizeof *a;
    }
    int big = 4 << 20;
    setsockopt(*rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    return bind(*rx, (struct sockaddr *)to, *tolen);
}

/* Sends a few datagrams and returns how many arrived within 0.5 s. */
static int ping_udp(const char *ns_rx, const char *ip_rx, const char *ns_tx, int family)
{
    int rx, tx, got = 0;
    struct sockaddr_storage to;
    socklen_t tolen;
    if (udp_pair(ns_rx, ip_rx, ns_tx, family, &rx, &tx, &to, &tolen) != 0) {
        fprintf(stderr, "udp_pair %s: %s\n", ip_rx, strerror(errno));
        return -1;
    }
    char buf[64] = "hello";
    /*
     * Warm-up: links just set up may need a moment (carrier, neighbour
     * resolution) before the first datagram gets through; try for up to 2 s
     * until one does. A path that never works still gives 0 below.
     */
    double w0 = now_s();
    int warm = 0;
    while (!warm && now_s() - w0 < 2.0) {
        sendto(tx, buf, 32, 0, (struct sockaddr *)&to, tolen);
        double s0 = now_s();
        while (!warm && now_s() - s0 < 0.1) {
            if (recv(rx, buf, sizeof buf, 0) > 0)
                warm = 1;
            else
                usleep(1000);
        }
    }
    while (recv(rx, buf, sizeof buf, 0) > 0) /* late copies of the warm-up */
        ;
    double t0 = now_s();
    for (int i = 0; i < 5; i++)
        sendto(tx, buf, 32, 0, (struct sockaddr *)&to, tolen);
    while (now_s() - t0 < 0.5 && got < 5) {
        if (recv(rx, buf, sizeof buf, 0) > 0)
            got++;
        else
            usleep(1000);
    }
    close(rx);
    close(tx);
    return got;
}

/* Offers offered_bps of 1200-byte datagrams for secs; returns the received rate, bit/s. */
static double udp_rate(const char *ns_rx, const char *ip_rx, const char *ns_tx, double offered_bps,
                       double secs)
{
    int rx, tx;
    struct sockaddr_storage to;
    socklen_t tolen;
    if (udp_pair(ns_rx, ip_rx, ns_tx, AF_INET, &rx, &tx, &to, &tolen) != 0)
        return -1;
    char buf[1500];
    memset(buf, 0x5a, sizeof buf);
    double interval = 1200 * 8 / offered_bps, t0 = now_s(), next = t0, first = 0, last = 0;
    long bytes = 0, n = 0;
    while (now_s() - t0 < secs + 0.2) {
        double t = now_s();
        while (t - t0 < secs && next <= t) {
            sendto(tx, buf, 1200, 0, (struct sockaddr *)&to, tolen);
            next += interval;
        }
        ssize_t r;
        while ((r = recv(rx, buf, sizeof buf, 0)) > 0) {
            double ta = now_s();
            if (n++ == 0)
                first = ta;
            else
                bytes += r + 28 + 14; /* what tbf counts: IP + UDP + Ethernet headers */
            last = ta;
        }
        usleep(500);
    }
    close(rx);
    close(tx);
    return last > first ? (double)bytes * 8 / (last - first) : 0;
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
    mn_emu_prefix_new(P);
    char A[16], B[16], pa[16], ib[16], br[16], vx[16], x0[16], x1[16];
    mn_emu_name(A, P, 'd', 0, 0);
    mn_emu_name(B, P, 'd', 1, 0);
    mn_emu_name(pa, P, 'p', 35, 0);
    mn_emu_name(ib, P, 'i', 36 * 36 * 36 * 36 * 36 - 1, 0);
    mn_emu_name(br, P, 'b', 0, 'r');
    mn_emu_name(vx, P, 't', 0, 0);
    mn_emu_name(x0, P, 'x', 0, 'a');
    mn_emu_name(x1, P, 'x', 0, 'b');
    CHECK(strlen(ib) == 15 && strcmp(ib + 9, "izzzzz") == 0, "name %s", ib);
    CHECK(strcmp(pa + 9, "pz") == 0, "name %s", pa);
    CHECK(mn_emu_name(x0, P, 'x', 36u * 36 * 36 * 36 * 36, 0) == MN_ERANGE, "overlong name accepted");
    mn_emu_name(x0, P, 'x', 0, 'a');
    CHECK(mn_emu_is_run_name(A) && !mn_emu_is_run_name("mnXYZ123-a") && !mn_emu_is_run_name("h1-eth0"),
          "run-name pattern");

    mn_emu_nl host = {0}, na = {0}, nb = {0};
    int fa = -1, fb = -1;
    OK(mn_emu_netns_create(A, 1, &err));
    OK(mn_emu_netns_create(B, 1, &err));
    CHECK(mn_emu_netns_exists(A) && mn_emu_netns_exists(B), "namespaces in /run/netns");
    CHECK(mn_emu_netns_create(A, 1, &err) != MN_OK, "creating %s twice succeeded", A);
    OK(mn_emu_netns_open(A, &fa, &err));
    OK(mn_emu_netns_open(B, &fb, &err));
    OK(mn_emu_nl_open(&host, NULL, &err));
    OK(mn_emu_nl_open(&na, A, &err));
    OK(mn_emu_nl_open(&nb, B, &err));

    /* veth created with each end in its namespace: nothing appears in ours */
    OK(mn_emu_veth_create(&host, pa, fa, ib, fb, &err));
    CHECK(mn_emu_link_index(&host, pa, NULL) < 0, "%s leaked into the host namespace", pa);
    CHECK(mn_emu_link_index(&na, pa, NULL) > 0 && mn_emu_link_index(&nb, ib, NULL) > 0,
          "veth ends in place");
    OK(mn_emu_bridge_create(&na, br, &err));
    OK(mn_emu_link_set_master(&na, pa, br, &err));
    OK(mn_emu_link_set_up(&na, br, 1, &err));
    OK(mn_emu_link_set_up(&na, pa, 1, &err));
    OK(mn_emu_link_set_up(&nb, ib, 1, &err));
    OK(mn_emu_addr_add(&na, br, "10.9.0.1/24", &err));
    OK(mn_emu_addr_add(&na, br, "fd09::1/64", &err));
    OK(mn_emu_addr_add(&nb, ib, "10.9.0.2/24", &err));
    OK(mn_emu_addr_add(&nb, ib, "fd09::2/64", &err));
    OK(mn_emu_addr_add(&na, "lo", "10.99.0.1/32", &err));
    OK(mn_emu_route_add(&nb, "10.99.0.0/24", "10.9.0.1", NULL, 0, 0, 0, &err));
    OK(mn_emu_route_add(&nb, "10.98.0.0/24", "10.9.0.1", ib, 0, 1, 1, &err));
    OK(mn_emu_route_del(&nb, "10.98.0.0/24", 0, &err));
    OK(mn_emu_rule_add(&nb, "10.9.0.2/32", 100, 1000, &err));
    OK(mn_emu_rule_del(&nb, "10.9.0.2/32", 100, 1000, &err));
    int got = ping_udp(B, "10.9.0.2", A, AF_INET);
    CHECK(got == 5, "IPv4 over bridge+veth: %d of 5 datagrams", got);
    got = ping_udp(B, "fd09::2", A, AF_INET6);
    CHECK(got == 5, "IPv6 at once (nodad): %d of 5 datagrams", got);
    got = ping_udp(A, "10.99.0.1", B, AF_INET);
    CHECK(got == 5, "routed to a loopback address: %d of 5", got);

    /* VXLAN over the veth */
    OK(mn_emu_vxlan_create(&na, vx, 42, "10.9.0.1", "10.9.0.2", br, &err));
    OK(mn_emu_vxlan_create(&nb, vx, 42, "10.9.0.2", "10.9.0.1", ib, &err));
    OK(mn_emu_link_set_up(&na, vx, 1, &err));
    OK(mn_emu_link_set_up(&nb, vx, 1, &err));
    OK(mn_emu_addr_add(&na, vx, "10.77.0.1/30", &err));
    OK(mn_emu_addr_add(&nb, vx, "10.77.0.2/30", &err));
    got = ping_udp(B, "10.77.0.2", A, AF_INET);
    CHECK(got == 5, "across VXLAN: %d of 5", got);

    /* tbf: UDP offered at 2x the rate gets 0.9-1.05 of it */
    OK(mn_emu_tc_tbf(&na, pa, 20e6, &err));
    char kind[32];
    OK(mn_emu_tc_root_kind(&na, pa, kind, sizeof kind, &err));
    CHECK(strcmp(kind, "tbf") == 0, "root qdisc of %s is %s", pa, kind);
    double r = udp_rate(B, "10.9.0.2", A, 40e6, 1.0);
    printf("tbf 20 Mbit/s, offered 40: received %.2f Mbit/s (%.3f)\n", r / 1e6, r / 20e6);
    CHECK(r >= 0.9 * 20e6 && r <= 1.05 * 20e6, "tbf rate %.0f bit/s not within 0.9-1.05 of 20e6", r);

    /* htb: a class for traffic to 10.9.0.1 at 5 Mbit/s */
    OK(mn_emu_tc_htb(&nb, ib, 2, &err));
    OK(mn_emu_tc_htb_class(&nb, ib, 0, 1, 100e6, 100e6, &err));
    OK(mn_emu_tc_htb_class(&nb, ib, 1, 2, 50e6, 100e6, &err));
    OK(mn_emu_tc_htb_class(&nb, ib, 1, 0x10, 5e6, 5e6, &err));
    OK(mn_emu_tc_u32_ip(&nb, ib, 0x0a090001u, 1, 0x10, 1, &err));
    OK(mn_emu_tc_root_kind(&nb, ib, kind, sizeof kind, &err));
    CHECK(strcmp(kind, "htb") == 0, "root qdisc of %s is %s", ib, kind);
    r = udp_rate(A, "10.9.0.1", B, 10e6, 1.0);
    printf("htb class 5 Mbit/s, offered 10: received %.2f Mbit/s (%.3f)\n", r / 1e6, r / 5e6);
    CHECK(r >= 0.85 * 5e6 && r <= 1.1 * 5e6, "htb class rate %.0f not within 0.85-1.1 of 5e6", r);
    OK(mn_emu_tc_htb_class(&nb, ib, 1, 0x10, 2e6, 2e6, &err)); /* changing a class */
    OK(mn_emu_tc_clear(&nb, ib, &err));

    /* moving a link between namespaces */
    OK(mn_emu_veth_create(&host, x0, fa, x1, fa, &err));
    OK(mn_emu_link_move(&na, x1, fb, &err));
    CHECK(mn_emu_link_index(&nb, x1, NULL) > 0 && mn_emu_link_index(&na, x1, NULL) < 0,
          "%s moved to %s", x1, B);
    OK(mn_emu_link_delete(&nb, x1, &err));
    CHECK(mn_emu_link_index(&na, x0, NULL) < 0, "deleting one veth end removes the other");

out:
    mn_emu_nl_close(&host);
    mn_emu_nl_close(&na);
    mn_emu_nl_close(&nb);
    if (fa >= 0)
        close(fa);
    if (fb >= 0)
        close(fb);
    mn_emu_netns_each(P, cleanup_one, NULL);
    CHECK(!mn_emu_netns_exists(A) && !mn_emu_netns_exists(B), "namespaces deleted");
    printf("%s: %d failure(s)\n", failures ? "FAILED" : "PASSED", failures);
    return failures ? 1 : 0;
}
