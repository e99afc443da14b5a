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
    char label[96];
    uint64_t packets;
    uint64_t *seen; /* per flow */
    struct mn_emu_capture *c;
} c_point;

struct mn_emu_capture {
    struct ev_loop *loop;
    size_t nflows;
    c_point **pts;
    size_t n, cap;
};

/* Finds our header in an Ethernet frame: IPv4 or IPv6, UDP, possibly inside VXLAN. */
static int find_flow(const uint8_t *p, size_t len, uint32_t *flow, int depth)
{
    if (len < 14 || depth > 1)
        return 0;
    uint16_t et = (uint16_t)(p[12] << 8 | p[13]);
    const uint8_t *ip = p + 14;
    size_t rest = len - 14, hl;
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
    if (proto != 17 || rest < hl + 8)
        return 0;
    const uint8_t *udp = ip + hl;
    uint16_t dport = (uint16_t)(udp[2] << 8 | udp[3]);
    const uint8_t *pl = udp + 8;
    size_t plen = rest - hl - 8;
    if (dport == 4789 && plen > 8)
        return find_flow(pl + 8, plen - 8, flow, depth + 1);
    uint64_t seq;
    return mn_emu_traffic_parse(pl, plen, flow, &seq, NULL) == MN_OK;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    c_point *pt = (c_point *)user;
    pcap_dump((u_char *)pt->d, h, bytes);
    pt->packets++;
    uint32_t flow;
    if (find_flow(bytes, h->caplen, &flow, 0) && flow < pt->c->nflows)
        pt->seen[flow]++;
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    c_point *pt = w->data;
    pcap_dispatch(pt->p, -1, on_packet, (u_char *)pt);
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
    int saved, rc = mn_emu_netns_enter_name(ns, &saved, err);
    if (rc != MN_OK)
        return rc;
    pcap_t *p = pcap_create(dev, eb);
    if (p) {
        pcap_set_snaplen(p, 256);
        pcap_set_immediate_mode(p, 1);
        pcap_set_buffer_size(p, 8 << 20);
        pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
        if (pcap_activate(p) < 0) {
            snprintf(eb, sizeof eb, "%s", pcap_geterr(p));
            pcap_close(p);
            p = NULL;
        }
    }
    mn_emu_netns_leave(saved);
    if (!p)
        return MN_ERR(err, MN_EIO, "netns %s: capture on %s: %s", ns, dev, eb);
    c_point *pt = NULL;
    pcap_dumper_t *d = pcap_dump_open(p, path);
    if (!d) {
        rc = MN_ERR(err, MN_EIO, "%s: %s", path, pcap_geterr(p));
        goto fail;
    }
    if (pcap_setnonblock(p, 1, eb) != 0) {
        rc = MN_ERR(err, MN_EIO, "netns %s: %s: %s", ns, dev, eb);
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
    snprintf(pt->label, sizeof pt->label, "%s", label);
    ev_io_init(&pt->w, on_readable, pcap_get_selectable_fd(p), EV_READ);
    pt->w.data = pt;
    ev_io_start(c->loop, &pt->w);
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

void mn_emu_capture_flush(mn_emu_capture *c)
{
    for (size_t i = 0; i < c->n; i++) {
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
        pcap_dump_close(c->pts[i]->d);
        pcap_close(c->pts[i]->p);
        mn_free(c->pts[i]->seen);
        mn_free(c->pts[i]);
    }
    mn_free(c->pts);
    mn_free(c);
}
