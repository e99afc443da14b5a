/*
 * traffic.h - our own UDP traffic generator and receiver between
 * namespaces, on a libev loop (the real-time clock's, clock_ev.h), and TCP
 * bulk flows.
 *
 * Owns:      its flows and their sockets (one sender, one receiver each).
 * Borrows:   the ev loop.
 * Invariant: every datagram carries, in network byte order, a 24-byte
 *            header: magic "MNTF", the flow's number, a sequence number
 *            from 0 and the sending time (CLOCK_REALTIME, ns) - all
 *            namespaces share the host's clock, so receive time minus send
 *            time is the one-way delay. Captures recognise the header too.
 *
 * Constant rate: one datagram every payload*8/rate s. Poisson: exponential
 * gaps of the same mean. Sending is driven by a 1 ms timer that sends every
 * datagram that is due (a late timer sends the backlog, up to 50 ms of it).
 *
 * TCP bulk (spec.tcp): one connection from src to dst:port, opened at
 * start, written as fast as TCP takes it (paced at rate_bps by
 * SO_MAX_PACING_RATE when rate_bps > 0) until the duration ends, then
 * shut down for writing; the receiver reads and counts bytes. For a TCP
 * flow sent and received count bytes (written by the sender, read by the
 * receiver), bytes = received, there is no header, delay or sequence.
 */
#ifndef MN_EMU_TRAFFIC_H
#define MN_EMU_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/err.h"

struct ev_loop;

#define MN_EMU_TRAFFIC_MAGIC 0x4d4e5446u /* "MNTF" */
#define MN_EMU_TRAFFIC_HDR 24

typedef struct mn_emu_flow_spec {
    char id[96];
    char tx_ns[16], rx_ns[16];
    uint32_t src, dst; /* IPv4, host byte order */
    uint16_t port;     /* destination UDP port */
    double rate_bps;   /* offered: payload bits per second */
    int poisson;
    unsigned payload;  /* bytes per datagram, >= MN_EMU_TRAFFIC_HDR */
    int tcp;           /* a TCP bulk flow (rate_bps: its pacing cap, 0: none; payload unused) */
} mn_emu_flow_spec;

typedef struct mn_emu_flow_stats {
    uint64_t sent, send_errors, received, bytes, reordered;
    double first_rx, last_rx;   /* s since the start */
    double delay_sum, delay_max; /* s */
    double max_gap;             /* longest silence between two datagrams received, s */
    double max_gap_at;          /* when it ended, s since the start */
    uint64_t last_seq;
    int connected; /* TCP: the connection was established */
    int tcp_error; /* TCP: errno of a failed connect or write, else 0 */
} mn_emu_flow_stats;

typedef struct mn_emu_traffic mn_emu_traffic;

int mn_emu_traffic_create(struct ev_loop *loop, uint64_t seed, mn_emu_traffic **out, mn_err *err);
/* Adds a flow: opens its sockets in their namespaces (sender bound to src). */
int mn_emu_traffic_add(mn_emu_traffic *t, const mn_emu_flow_spec *s, mn_err *err);
/* Starts sending now, for duration_s. */
void mn_emu_traffic_start(mn_emu_traffic *t, double duration_s);
/* Whether every flow has finished sending. */
int mn_emu_traffic_done(const mn_emu_traffic *t);
size_t mn_emu_traffic_count(const mn_emu_traffic *t);
const mn_emu_flow_spec *mn_emu_traffic_spec(const mn_emu_traffic *t, size_t i);
const mn_emu_flow_stats *mn_emu_traffic_stats(const mn_emu_traffic *t, size_t i);
/* Seconds since start (for callers timing events against the flows). */
double mn_emu_traffic_now(const mn_emu_traffic *t);
void mn_emu_traffic_destroy(mn_emu_traffic *t);

/* Reads a datagram header: MN_OK and the flow number and sequence, else MN_EINVAL. */
int mn_emu_traffic_parse(const uint8_t *p, size_t len, uint32_t *flow, uint64_t *seq,
                         uint64_t *tx_ns);

#endif /* MN_EMU_TRAFFIC_H */
