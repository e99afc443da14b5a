/*
 * test_emu_gap.c - reading a flow's gap and its losses back from .pcap
 * files (emu/gap.c), on files this test writes with libpcap: no root.
 *
 * Hand-computed answer: flow 3 sends a datagram every 10 ms from t = 100 s
 * (seq 0..29); seq 10..14 are never captured, so after seq 9 at 100.090 s
 * the next is seq 15 at 100.150 s: gap 0.060 s, lost_in_gap 5. Flow 4's
 * datagrams in between are not flow 3's. IPv6: the same header found behind a
 * Linux cooked header and inside VXLAN, and a gap read from a cooked file.
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/capture.h"
#include "emu/gap.h"
#include "emu/traffic.h"
#include "unit.h"

static void put32(uint8_t *p, uint32_t v)
{
    v = htonl(v);
    memcpy(p, &v, 4);
}

/* An Ethernet + IPv4 + UDP frame carrying traffic.h's header (or VXLAN around one). */
static size_t frame(uint8_t *f, uint32_t flow, uint64_t seq, int vxlan)
{
    memset(f, 0, 256);
    size_t o = 0;
    if (vxlan) { /* outer Ethernet, IPv4, UDP to 4789, 8-byte VXLAN header */
        f[12] = 0x08;
        f[14] = 0x45;
        f[14 + 9] = 17;
        f[34 + 2] = 4789 >> 8;
        f[34 + 3] = 4789 & 255;
        o = 14 + 20 + 8 + 8;
    }
    f[o + 12] = 0x08; /* IPv4 */
    f[o + 14] = 0x45;
    f[o + 14 + 9] = 17;
    f[o + 34 + 2] = 0x13; /* port 5000 */
    f[o + 34 + 3] = 0x88;
    uint8_t *pl = f + o + 42;
    put32(pl, MN_EMU_TRAFFIC_MAGIC);
    put32(pl + 4, flow);
    put32(pl + 8, (uint32_t)(seq >> 32));
    put32(pl + 12, (uint32_t)seq);
    return o + 42 + MN_EMU_TRAFFIC_HDR + 16;
}

static void dump(pcap_dumper_t *d, double t, uint32_t flow, uint64_t seq, int vxlan)
{
    uint8_t f[256];
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)t;
    h.ts.tv_usec = (suseconds_t)((t - (double)(time_t)t) * 1e9 + 0.5); /* ns in a nano file */
    h.caplen = h.len = (bpf_u_int32)frame(f, flow, seq, vxlan);
    pcap_dump((u_char *)d, &h, f);
}

static pcap_dumper_t *open_file(const char *path, pcap_t **p)
{
    *p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 256, PCAP_TSTAMP_PRECISION_NANO);
    return pcap_dump_open(*p, path);
}

static void test_gap_finds_the_hole_and_counts_the_missing_sequence_numbers(void)
{
    char path[] = "/tmp/mn-gap-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    pcap_t *p;
    pcap_dumper_t *d = open_file(path, &p);
    CU_ASSERT_FATAL(d != NULL);
    for (uint64_t s = 0; s < 30; s++) {
        if (s < 10 || s >= 15)
            dump(d, 100.0 + 0.010 * (double)s, 3, s, s == 20);
        dump(d, 100.0 + 0.010 * (double)s + 0.005, 4, s, 0);
    }
    pcap_dump_close(d);
    pcap_close(p);
    const char *files[] = {path};
    mn_emu_gap g;
    mn_err err;
    mn_err_clear(&err);
    CU_ASSERT_EQUAL_FATAL(mn_emu_gap_measure(files, 1, 3, 99.0, 102.0, &g, &err), MN_OK);
    CU_ASSERT_EQUAL(g.packets, 25);
    CU_ASSERT_DOUBLE_EQUAL(g.gap_s, 0.060, 1e-6);
    CU_ASSERT_EQUAL(g.seq_from, 9);
    CU_ASSERT_EQUAL(g.seq_to, 15);
    CU_ASSERT_EQUAL(g.lost_in_gap, 5);
    /* a window that ends before the hole sees only 10 ms gaps */
    CU_ASSERT_EQUAL(mn_emu_gap_measure(files, 1, 3, 99.0, 100.085, &g, &err), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(g.gap_s, 0.010, 1e-6);
    CU_ASSERT_EQUAL(g.lost_in_gap, 0);
    /* a window with one datagram has no gap */
    CU_ASSERT_EQUAL(mn_emu_gap_measure(files, 1, 3, 100.0, 100.001, &g, &err), MN_OK);
    CU_ASSERT_EQUAL(g.packets, 1);
    CU_ASSERT(g.gap_s < 0);
    unlink(path);
}

static void test_gap_counts_a_datagram_seen_at_two_points_once_at_its_latest_time(void)
{
    char a[] = "/tmp/mn-gapa-XXXXXX", b[] = "/tmp/mn-gapb-XXXXXX";
    int fa = mkstemp(a), fb = mkstemp(b);
    CU_ASSERT_FATAL(fa >= 0 && fb >= 0);
    close(fa);
    close(fb);
    pcap_t *pa, *pb;
    pcap_dumper_t *da = open_file(a, &pa), *db = open_file(b, &pb);
    CU_ASSERT_FATAL(da && db);
    /* a sees seq 0..9 (the old path), b sees 5..19 1 ms later (the new one): 12 and 13 nowhere */
    for (uint64_t s = 0; s < 20; s++) {
        double t = 50.0 + 0.010 * (double)s;
        if (s < 10)
            dump(da, t, 0, s, 0);
        if (s >= 5 && s != 12 && s != 13)
            dump(db, t + 0.001, 0, s, 0);
    }
    pcap_dump_close(da);
    pcap_dump_close(db);
    pcap_close(pa);
    pcap_close(pb);
    const char *files[] = {a, b};
    mn_emu_gap g;
    mn_err err;
    mn_err_clear(&err);
    CU_ASSERT_EQUAL_FATAL(mn_emu_gap_measure(files, 2, 0, 0, 1e9, &g, &err), MN_OK);
    CU_ASSERT_EQUAL(g.packets, 18);
    CU_ASSERT_DOUBLE_EQUAL(g.gap_s, 0.030, 1e-6); /* seq 11 at 50.111, seq 14 at 50.141 */
    CU_ASSERT_EQUAL(g.lost_in_gap, 2);
    /* a missing file is an error naming it */
    const char *none[] = {"/nonexistent/x.pcap"};
    CU_ASSERT_EQUAL(mn_emu_gap_measure(none, 1, 0, 0, 1, &g, &err), MN_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent/x.pcap"));
    unlink(a);
    unlink(b);
}

/*
 * An IPv6 + UDP datagram carrying traffic.h's header behind a Linux cooked header (DLT_LINUX_SLL,
 * protocol 0x86dd at offset 14), or behind Ethernet inside VXLAN (outer IPv4).
 */
static size_t frame6(uint8_t *f, uint32_t flow, uint64_t seq, int vxlan)
{
    memset(f, 0, 256);
    size_t o = 16; /* cooked header */
    if (vxlan) {
        f[12] = 0x08; /* outer Ethernet, IPv4, UDP to 4789, VXLAN, inner Ethernet type 0x86dd */
        f[14] = 0x45;
        f[14 + 9] = 17;
        f[34 + 2] = 4789 >> 8;
        f[34 + 3] = 4789 & 255;
        o = 14 + 20 + 8 + 8 + 14;
        f[o - 2] = 0x86;
        f[o - 1] = 0xdd;
    } else {
        f[14] = 0x86;
        f[15] = 0xdd;
    }
    uint8_t *ip = f + o;
    ip[0] = 0x60;
    ip[4] = 0;
    ip[5] = 8 + MN_EMU_TRAFFIC_HDR + 16; /* payload length */
    ip[6] = 17;                          /* next header: UDP */
    ip[7] = 64;
    ip[40 + 2] = 0x13; /* port 5000 */
    ip[40 + 3] = 0x88;
    uint8_t *pl = ip + 48;
    put32(pl, MN_EMU_TRAFFIC_MAGIC);
    put32(pl + 4, flow);
    put32(pl + 8, (uint32_t)(seq >> 32));
    put32(pl + 12, (uint32_t)seq);
    return (size_t)(pl - f) + MN_EMU_TRAFFIC_HDR + 16;
}

static void test_gap_reads_ipv6_datagrams_cooked_and_inside_vxlan(void)
{
    uint8_t f[256];
    uint32_t flow;
    uint64_t seq;
    size_t n = frame6(f, 7, 42, 0);
    CU_ASSERT_EQUAL(mn_emu_capture_parse(DLT_LINUX_SLL, f, n, &flow, &seq), MN_OK);
    CU_ASSERT_EQUAL(flow, 7);
    CU_ASSERT_EQUAL(seq, 42);
    CU_ASSERT_EQUAL(mn_emu_capture_parse(DLT_LINUX_SLL, f, 16 + 40 + 8 + 10, &flow, &seq),
                    MN_EINVAL); /* cut short of the header */
    n = frame6(f, 8, 43, 1);
    CU_ASSERT_EQUAL(mn_emu_capture_parse(DLT_EN10MB, f, n, &flow, &seq), MN_OK);
    CU_ASSERT_EQUAL(flow, 8);
    CU_ASSERT_EQUAL(seq, 43);
    /* a cooked file of flow 2, one datagram each 10 ms from t = 10 s, seq 3..5 missing */
    char path[] = "/tmp/mn-gap6-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    pcap_t *p =
        pcap_open_dead_with_tstamp_precision(DLT_LINUX_SLL, 256, PCAP_TSTAMP_PRECISION_NANO);
    pcap_dumper_t *d = pcap_dump_open(p, path);
    CU_ASSERT_FATAL(d != NULL);
    for (uint64_t s = 0; s < 10; s++) {
        if (s >= 3 && s <= 5)
            continue;
        double t = 10.0 + 0.010 * (double)s;
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof h);
        h.ts.tv_sec = (time_t)t;
        h.ts.tv_usec = (suseconds_t)((t - (double)(time_t)t) * 1e9 + 0.5);
        h.caplen = h.len = (bpf_u_int32)frame6(f, 2, s, 0);
        pcap_dump((u_char *)d, &h, f);
    }
    pcap_dump_close(d);
    pcap_close(p);
    const char *files[] = {path};
    mn_emu_gap g;
    mn_err err;
    mn_err_clear(&err);
    CU_ASSERT_EQUAL_FATAL(mn_emu_gap_measure(files, 1, 2, 0, 1e9, &g, &err), MN_OK);
    CU_ASSERT_EQUAL(g.packets, 7);
    CU_ASSERT_DOUBLE_EQUAL(g.gap_s, 0.040, 1e-6); /* seq 2 at 10.020, seq 6 at 10.060 */
    CU_ASSERT_EQUAL(g.lost_in_gap, 3);
    unlink(path);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_gap_finds_the_hole_and_counts_the_missing_sequence_numbers),
        MN_TEST(test_gap_counts_a_datagram_seen_at_two_points_once_at_its_latest_time),
        MN_TEST(test_gap_reads_ipv6_datagrams_cooked_and_inside_vxlan),
    };
    MN_SUITE("emu_gap", cases);
}
