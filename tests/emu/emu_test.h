/*
 * emu_test.h - what the emulation backend's C tests share: the CHECK
 * macro (counts failures, prints "ok: ..." otherwise), sockets in a
 * namespace, a UDP probe from user 0 to its service's server, and whether
 * a link exists in a namespace. Header-only, one copy per test.
 */
#ifndef MN_EMU_TEST_H
#define MN_EMU_TEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emu/backend.h"
#include "emu/link.h"
#include "emu/netns.h"
#include "sim/models/net.h"

#include "emu_check.h"

static int sock_in(const char *ns)
{
    int saved, s;
    if (mn_emu_netns_enter_name(ns, &saved, NULL) != MN_OK)
        return -1;
    s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    mn_emu_netns_leave(saved);
    return s;
}

/* Datagrams from the user to its service's server that arrive (of 5) within 0.5 s. */
static int user_to_server(mn_emu *e)
{
    const char *sns;
    uint32_t sip;
    if (mn_emu_service_end(e, 0, 0, &sns, &sip) != MN_OK)
        return -1;
    char srv_ns[16];
    snprintf(srv_ns, sizeof srv_ns, "%s", sns);
    int rx = sock_in(srv_ns), tx = sock_in(mn_emu_user_ns(e, 0)), got = 0;
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(7000), .sin_addr = {htonl(sip)}};
    if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&a, sizeof a) != 0)
        return -1;
    char buf[64] = "x";
    for (int i = 0; i < 5; i++)
        sendto(tx, buf, 16, 0, (struct sockaddr *)&a, sizeof a);
    for (int i = 0; i < 500 && got < 5; i++) {
        if (recv(rx, buf, sizeof buf, 0) > 0)
            got++;
        else
            usleep(1000);
    }
    close(rx);
    close(tx);
    return got;
}

static int link_in(const char *ns, const char *dev)
{
    mn_emu_nl nl;
    if (mn_emu_nl_open(&nl, ns, NULL) != MN_OK)
        return 0;
    int ok = mn_emu_link_index(&nl, dev, NULL) > 0;
    mn_emu_nl_close(&nl);
    return ok;
}

/*
 * The start of every backend test: exits 77 (SKIPPED, with the reason) where
 * namespaces cannot be made, 1 if the scenario does not load; else *n.
 */
static inline void emu_test_start(const char *scenario, mn_net **n)
{
    mn_err err;
    mn_err_clear(&err);
    if (mn_emu_netns_check(&err) != MN_OK) {
        printf("SKIPPED: %s\n", err.msg);
        exit(77);
    }
    if (mn_net_load(scenario, NULL, 0, NULL, n, &err) != MN_OK) {
        fprintf(stderr, "FAIL: %s: %s\n", err.where, err.msg);
        exit(1);
    }
}

#endif /* MN_EMU_TEST_H */
