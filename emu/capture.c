/* capture.c - libpcap captures in namespaces and per-flow path counts; see capture.h. */
#include "capture.h"

#include <ev.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "netns.h"
#include "sim/core/alloc.h"
#include "traffic.h"

typedef struct c_point {
    pcap_t *p;
    pcap_dumper_t *d;
    ev_io w;
    ev_timer retry; /* the interface is gone: try to reopen it */
    char label[96], ns[32], dev[32];
    uint64_t packets;
    unsigned reopened;
    int dlt;        /* pcap_datalink */
    uint64_t *seen; /* per flow */
    struct mn_emu_capture *c;
} c_point;

struct mn_emu_capture {
    struct ev_loop *loop;
    size_t nflows;
    uint16_t *tcp_port; /* per flow: its TCP destination port, 0 when UDP */
    c_point **pts;
    size_t n, cap;
};

/* The TCP flow whose data goes to port dport (0 when none). */
static int tcp_flow(const mn_emu_capture *c, uint16_t dport, uint32_t *flow)
{
    for (size_t i = 0; c && c->tcp_port && i < c->nflows; i++)
        if (c->tcp_port[i] && c->tcp_port[i] == dport) {
            *flow = (uint32_t)i;
            return 1;
        }
    return 0;
}

/* Finds our header in an Ethernet frame: IPv4 or IPv6, UDP (possibly inside VXLAN), or a TCP
   segment to a mapped port (seq: MN_EMU_CAPTURE_NOSEQ). */
static int find_flow(const mn_emu_capture *c, int dlt, const uint8_t *p, size_t len, uint32_t *flow,
                     uint64_t *seq, int depth)
{
    /* the link header: Ethernet (an interface, VXLAN's inner frame), or Linux cooked ("any") */
    size_t lh = dlt == DLT_LINUX_SLL ? 16 : dlt == DLT_LINUX_SLL2 ? 20 : 14;
    size_t eto = dlt == DLT_LINUX_SLL ? 14 : dlt == DLT_LINUX_SLL2 ? 0 : 12;
    if (len < lh || depth > 1)
        return 0;
    uint16_t et = (uint16_t)(p[eto] << 8 | p[eto + 1]);
    const uint8_t *ip = p + lh;
    size_t rest = len - lh, hl;
    uint8_t proto;
    if (et == 0x0800 && rest >= 20) {
        hl = (size_t)(ip[0] & 15) * 4;
        proto = ip[9];
    } else if (et == 0x86dd && rest >= 40) {
        hl = 40;
        proto = ip[6];
    } else {
        return 0;
    }
    if (proto == 6 && rest >= hl + 20) {
        const uint8_t *tcp = ip + hl;
        size_t thl = (size_t)(tcp[12] >> 4) * 4;
        uint16_t dport = (uint16_t)(tcp[2] << 8 | tcp[3]);
        size_t iplen =
            et == 0x0800 ? (size_t)(ip[2] << 8 | ip[3]) : 40 + (size_t)(ip[4] << 8 | ip[5]);
        if (iplen <= hl + thl || !tcp_flow(c, dport, flow)) /* data segments only, not ACKs */
            return 0;
        *seq = MN_EMU_CAPTURE_NOSEQ;
        return 1;
    }
    if (proto != 17 || rest < hl + 8)
        return 0;
    const uint8_t *udp = ip + hl;
    uint16_t dport = (uint16_t)(udp[2] << 8 | udp[3]);
    const uint8_t *pl = udp + 8;
    size_t plen = rest - hl - 8;
    if (dport == 4789 && plen > 8)
        return find_flow(c, DLT_EN10MB, pl + 8, plen - 8, flow, seq, depth + 1);
    return mn_emu_traffic_parse(pl, plen, flow, seq, NULL) == MN_OK;
}

int mn_emu_capture_parse(int dlt, const uint8_t *frame, size_t caplen, uint32_t *flow,
                         uint64_t *seq)
{
    return find_flow(NULL, dlt, frame, caplen, flow, seq, 0) ? MN_OK : MN_EINVAL;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    c_point *pt = (c_point *)user;
    pcap_dump((u_char *)pt->d, h, bytes);
    pt->packets++;
    uint32_t flow;
    uint64_t seq;
    if (find_flow(pt->c, pt->dlt, bytes, h->caplen, &flow, &seq, 0) && flow < pt->c->nflows)
        pt->seen[flow]++;
}

/* A live handle on dev in ns, as every point's: nanosecond stamps, 256-byte snaplen, immediate. */
static pcap_t *open_live(const char *ns, const char *dev, char eb[PCAP_ERRBUF_SIZE], mn_err *err)
{
    int saved;
    if (mn_emu_netns_enter_name(ns, &saved, err) != MN_OK)
        return NULL;
    pcap_t *p = pcap_create(dev, eb);
    if (p) {
        pcap_set_snaplen(p, 256);
        pcap_set_immediate_mode(p, 1);
        pcap_set_buffer_size(p, 8 << 20);
        pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
        if (pcap_activate(p) < 0) {
            snprintf(eb, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(p));
            pcap_close(p);
            p = NULL;
        } else if (pcap_setnonblock(p, 1, eb) != 0) {
            pcap_close(p);
            p = NULL;
        }
    }
    mn_emu_netns_leave(saved);
    if (!p)
        MN_ERR(err, MN_EIO, "netns %s: capture on %s: %s", ns, dev, eb);
    return p;
}

/*
 * The interface was deleted (a migration or association re-plumbs the
 * endpoint's veth under the same name): a new handle on the new one, into
 * the same file. The backend makes the new veth before it returns, so the
 * first try normally succeeds; else every 5 ms.
 */
static int reopen(c_point *pt)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    mn_err e;
    mn_err_clear(&e);
    pcap_t *p = open_live(pt->ns, pt->dev, eb, &e);
    if (!p)
        return -1;
    ev_io_stop(pt->c->loop, &pt->w);
    pcap_close(pt->p);
    pt->p = p;
    pt->reopened++;
    ev_io_set(&pt->w, pcap_get_selectable_fd(p), EV_READ);
    ev_io_start(pt->c->loop, &pt->w);
    return 0;
}

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    c_point *pt = w->data;
    if (reopen(pt) == 0)
        ev_timer_stop(loop, w);
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    c_point *pt = w->data;
    /* until the ring is empty: an interface's deletion shows only after its last packets */
    int n, rounds = 0;
    while ((n = pcap_dispatch(pt->p, -1, on_packet, (u_char *)pt)) > 0 && ++rounds < 64)
        ;
    if (n < 0 && n != PCAP_ERROR_BREAK && reopen(pt) != 0) {
        ev_io_stop(loop, w);
        ev_timer_again(loop, &pt->retry);
    }
}

int mn_emu_capture_create(struct ev_loop *loop, size_t nflows, mn_emu_capture **out, mn_err *err)
{
    mn_emu_capture *c = mn_calloc(1, sizeof *c);
    if (!c)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    c->loop = loop;
    c->nflows = nflows;
    *out = c;
    return MN_OK;
}

int mn_emu_capture_add(mn_emu_capture *c, const char *ns, const char *dev, const char *path,
                       const char *label, mn_err *err)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    if (strlen(ns) >= sizeof((c_point *)0)->ns || strlen(dev) >= sizeof((c_point *)0)->dev)
        return MN_ERR(err, MN_EINVAL, "capture: namespace %s or interface %s too long", ns, dev);
    pcap_t *p = open_live(ns, dev, eb, err);
    if (!p)
        return err ? err->code : MN_EIO;
    int rc;
    c_point *pt = NULL;
    pcap_dumper_t *d = pcap_dump_open(p, path);
    if (!d) {
        rc = MN_ERR(err, MN_EIO, "%s: %s", path, pcap_geterr(p));
        goto fail;
    }
    pt = mn_calloc(1, sizeof *pt);
    if (pt)
        pt->seen = mn_calloc(c->nflows + 1, sizeof *pt->seen);
    if (!pt || !pt->seen ||
        mn_array_reserve((void **)&c->pts, &c->cap, c->n + 1, sizeof *c->pts) != MN_OK) {
        rc = MN_ERR(err, MN_ENOMEM, "out of memory");
        goto fail;
    }
    pt->p = p;
    pt->d = d;
    pt->c = c;
    pt->dlt = pcap_datalink(p);
    snprintf(pt->label, sizeof pt->label, "%s", label);
    snprintf(pt->ns, sizeof pt->ns, "%s", ns);
    snprintf(pt->dev, sizeof pt->dev, "%s", dev);
    ev_io_init(&pt->w, on_readable, pcap_get_selectable_fd(p), EV_READ);
    /* before the traffic's timer in a loop iteration: a re-plumbed interface is reopened before
       the sender's backlog reaches it */
    ev_set_priority(&pt->w, EV_MAXPRI);
    pt->w.data = pt;
    ev_io_start(c->loop, &pt->w);
    ev_init(&pt->retry, on_retry);
    pt->retry.repeat = 0.005;
    pt->retry.data = pt;
    c->pts[c->n++] = pt;
    return MN_OK;
fail:
    if (pt)
        mn_free(pt->seen);
    mn_free(pt);
    if (d)
        pcap_dump_close(d);
    pcap_close(p);
    return rc;
}

int mn_emu_capture_map_tcp(mn_emu_capture *c, uint32_t flow, uint16_t port)
{
    if (flow >= c->nflows)
        return MN_EINVAL;
    if (!c->tcp_port && !(c->tcp_port = mn_calloc(c->nflows + 1, sizeof *c->tcp_port)))
        return MN_ENOMEM;
    c->tcp_port[flow] = port;
    return MN_OK;
}

unsigned mn_emu_capture_reopened(const mn_emu_capture *c, size_t point)
{
    return c->pts[point]->reopened;
}

void mn_emu_capture_flush(mn_emu_capture *c)
{
    for (size_t i = 0; i < c->n; i++) {
        if (ev_is_active(&c->pts[i]->w))
            pcap_dispatch(c->pts[i]->p, -1, on_packet, (u_char *)c->pts[i]);
        pcap_dump_flush(c->pts[i]->d);
    }
}

size_t mn_emu_capture_points(const mn_emu_capture *c)
{
    return c->n;
}

const char *mn_emu_capture_label(const mn_emu_capture *c, size_t point)
{
    return c->pts[point]->label;
}

uint64_t mn_emu_capture_seen(const mn_emu_capture *c, size_t point, uint32_t flow)
{
    return flow < c->nflows ? c->pts[point]->seen[flow] : 0;
}

uint64_t mn_emu_capture_packets(const mn_emu_capture *c, size_t point)
{
    return c->pts[point]->packets;
}

void mn_emu_capture_destroy(mn_emu_capture *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        ev_io_stop(c->loop, &c->pts[i]->w);
        ev_timer_stop(c->loop, &c->pts[i]->retry);
        pcap_dump_close(c->pts[i]->d);
        pcap_close(c->pts[i]->p);
        mn_free(c->pts[i]->seen);
        mn_free(c->pts[i]);
    }
    mn_free(c->pts);
    mn_free(c->tcp_port);
    mn_free(c);
}
