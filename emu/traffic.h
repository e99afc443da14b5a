/*
 * traffic.h - our own UDP traffic generator and receiver between
 * namespaces, and TCP bulk flows, on a thread of their own with a libev
 * loop of their own (ev_loop_new), so traffic runs in real time whatever
 * the caller's loop does (the policies' loop stops for the ~90 ms a
 * migration's re-plumbing takes; a sender on it would pause, then send its
 * backlog, where a real one keeps sending into the old place and loses).
 *
 * Owns:      its flows and their sockets (one sender, one receiver each),
 *            the traffic thread and its loop.
 * Borrows:   nothing.
 * Threads:   mn_emu_traffic_add and mn_emu_traffic_start run on the
 *            caller's thread, before the traffic thread exists: the
 *            sockets are made there, each in its namespace (setns in the
 *            calling thread and back, netns.h), so the traffic thread never
 *            changes namespace (a socket keeps its namespace wherever it is
 *            used; accept4 gives the listener's). From start to
 *            mn_emu_traffic_stop the traffic thread is the only one that
 *            touches the flows' sockets, watchers and private state, and the
 *            only writer of their counters (mn_emu_flow_stats), which it
 *            updates under one mutex; other threads read them under it
 *            (mn_emu_traffic_window, mn_emu_traffic_snapshot), so a reader
 *            sees each flow's counters as of one instant. stop joins the
 *            thread: afterwards mn_emu_traffic_stats reads them directly.
 *            Signals are blocked in the traffic thread (they stay with the
 *            caller's, which stops it).
 * Invariant: every datagram carries, in network byte order, a 24-byte
 *            header: magic "MNTF", the flow's number, a sequence number
 *            from 0 and the sending time (CLOCK_REALTIME, ns) - all
 *            namespaces share the host's clock, so receive time minus send
 *            time is the one-way delay. Captures recognise the header too.
 *            Sequence numbers count datagrams the kernel took (sendto
 *            succeeded); a failed send is counted in send_errors.
 *
 * Sessions: a flow sends only in [start_s, stop_s) (UDP) or from start_s
 * (TCP); its sockets exist for the whole run, each flow on a port of its own.
 *
 * Constant rate: one datagram every payload*8/rate s. Poisson: exponential
 * gaps of the same mean. Sending is driven by a 1 ms timer on the traffic
 * loop that sends every datagram that is due (a late timer sends the
 * backlog, up to 50 ms of it).
 *
 * TCP bulk (spec.tcp): one connection from src to dst:port, opened at
 * start (a session's: at its start_s), written as fast as TCP takes it
 * (paced at rate_bps by SO_MAX_PACING_RATE when rate_bps > 0) until the
 * duration ends (a session's: until stop_s, or until size_bytes are
 * written), then shut down for writing; the receiver reads and counts
 * bytes and notes when it reads the end of the stream (eof_at). For a TCP
 * flow sent and received count bytes (written by the sender, read by the
 * receiver), bytes = received, there is no header, delay or sequence.
 *
 * Family: spec.family AF_INET (or 0) uses IPv4 sockets bound to src/dst;
 * AF_INET6 uses IPv6 sockets (IPV6_V6ONLY) bound to src6/dst6, with the
 * same header and counters.
 */
#ifndef MN_EMU_TRAFFIC_H
#define MN_EMU_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/err.h"

#define MN_EMU_TRAFFIC_MAGIC 0x4d4e5446u /* "MNTF" */
#define MN_EMU_TRAFFIC_HDR 24

typedef struct mn_emu_flow_spec {
    char id[96];
    char tx_ns[16], rx_ns[16];
    int family;                 /* AF_INET (0 means AF_INET) or AF_INET6 */
    uint32_t src, dst;          /* IPv4, host byte order (AF_INET) */
    uint8_t src6[16], dst6[16]; /* IPv6, network byte order (AF_INET6) */
    uint16_t port;              /* destination UDP port */
    double rate_bps;            /* offered: payload bits per second */
    int poisson;
    unsigned payload; /* bytes per datagram, >= MN_EMU_TRAFFIC_HDR */
    int tcp;          /* a TCP bulk flow (rate_bps: its pacing cap, 0: none; payload unused) */
    /* A session (0, 0, 0: the whole run, as before): sends from start_s (s since the start)
       to stop_s (0: the end of the run); a TCP flow connects at start_s and, with
       size_bytes > 0, writes exactly size_bytes then shuts down for writing. */
    double start_s, stop_s;
    uint64_t size_bytes;
} mn_emu_flow_spec;

typedef struct mn_emu_flow_stats {
    uint64_t sent, send_errors, received, bytes, reordered;
    double first_rx, last_rx;    /* s since the start */
    double delay_sum, delay_max; /* s */
    double max_gap;              /* longest silence between two datagrams received, s */
    double max_gap_at;           /* when it ended, s since the start */
    uint64_t last_seq;
    int connected; /* TCP: the connection was established */
    int tcp_error; /* TCP: errno of a failed connect or write, else 0 */
    double
        eof_at; /* TCP: when the receiver read the end of the stream, s since the start; 0: not */
} mn_emu_flow_stats;

typedef struct mn_emu_traffic mn_emu_traffic;

/* The generator and its loop (the thread starts with mn_emu_traffic_start); free with destroy. */
int mn_emu_traffic_create(uint64_t seed, mn_emu_traffic **out, mn_err *err);
/*
 * Adds a flow: opens its sockets in their namespaces (sender bound to src)
 * on the calling thread. Only before mn_emu_traffic_start.
 */
int mn_emu_traffic_add(mn_emu_traffic *t, const mn_emu_flow_spec *s, mn_err *err);
/*
 * Starts sending now, for duration_s, on the traffic thread (created here);
 * the receivers run until mn_emu_traffic_stop. Once only. MN_EIO when the
 * thread cannot be made (nothing is sent then).
 */
int mn_emu_traffic_start(mn_emu_traffic *t, double duration_s, mn_err *err);
/*
 * Stops the traffic thread (senders and receivers) and joins it; the
 * counters are final afterwards. Idempotent; without a start a no-op.
 */
void mn_emu_traffic_stop(mn_emu_traffic *t);
/* Whether every flow has finished sending (any thread). */
int mn_emu_traffic_done(const mn_emu_traffic *t);
size_t mn_emu_traffic_count(const mn_emu_traffic *t);
const mn_emu_flow_spec *mn_emu_traffic_spec(const mn_emu_traffic *t, size_t i);
/* Flow i's counters, borrowed: only before start or after mn_emu_traffic_stop. */
const mn_emu_flow_stats *mn_emu_traffic_stats(const mn_emu_traffic *t, size_t i);
/* A copy of flow i's counters as of one instant, from any thread at any time. */
void mn_emu_traffic_snapshot(const mn_emu_traffic *t, size_t i, mn_emu_flow_stats *out);
/*
 * What flow i received since *mark (the caller's snapshot of its counters;
 * zeroed before the first call), for per-tick accounting: the bytes (UDP:
 * datagrams with their header; TCP: bytes read), the datagrams and their
 * mean one-way delay (s; 0 without datagrams, and for TCP). Moves *mark to
 * now. Any thread, at any time: the counters are read under the mutex.
 */
typedef struct mn_emu_flow_mark {
    uint64_t bytes, received;
    double delay_sum;
} mn_emu_flow_mark;
void mn_emu_traffic_window(const mn_emu_traffic *t, size_t i, mn_emu_flow_mark *mark,
                           uint64_t *bytes, uint64_t *datagrams, double *delay_mean_s);
/* Seconds since start (for callers timing events against the flows; any thread). */
double mn_emu_traffic_now(const mn_emu_traffic *t);
/* Stops the thread if running (mn_emu_traffic_stop), closes the sockets, frees t. NULL: no-op. */
void mn_emu_traffic_destroy(mn_emu_traffic *t);

/* Reads a datagram header: MN_OK and the flow number and sequence, else MN_EINVAL. */
int mn_emu_traffic_parse(const uint8_t *p, size_t len, uint32_t *flow, uint64_t *seq,
                         uint64_t *tx_ns);

#endif /* MN_EMU_TRAFFIC_H */
