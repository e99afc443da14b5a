/*
 * test_world.c - validation of the world model (sim/models/wrun*.c) against
 * results computed apart from it: Erlang-B blocking of a vAP that admits c
 * users, Bianchi's saturation throughput through the sharing solver,
 * beacon overhead, the M/M/1 queueing term of the delay, VXLAN overhead
 * on a tunnel, SLA accounting on a hand-checked timeline, what a failure
 * takes down, reproducibility, and loader errors.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/stats.h"
#include "models/encap.h"
#include "models/net.h"
#include "models/queueing.h"
#include "models/radio.h"
#include "models/wrun.h"
#include "unit.h"

/* ---- running a scenario held in a string ---- */

static char dir[256];

static int run_text(const char *xml, uint64_t seed, const char *out, mn_err *err)
{
    char path[512];
    snprintf(path, sizeof path, "%s/scenario.xml", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return MN_EIO;
    fputs(xml, f);
    fclose(f);
    mn_net *n = NULL;
    int rc = mn_net_load(path, NULL, 0, &seed, &n, err);
    if (rc != MN_OK)
        return rc;
    char outdir[512];
    snprintf(outdir, sizeof outdir, "%s/%s", dir, out);
    mn_run_opts o = {.seed = seed, .seed_set = 1, .out_dir = outdir};
    mn_run_summary s;
    rc = mn_world_run(n, &o, &s, err);
    mn_net_destroy(n);
    return rc;
}

static char *slurp(const char *out, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%s", dir, out, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    size_t got = fread(buf, 1, (size_t)len, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

/* The number after "key": at or after `anchor` in summary.json of run `out`. */
static double jnum(const char *out, const char *anchor, const char *key)
{
    char *text = slurp(out, "summary.json");
    if (!text)
        return NAN;
    const char *at = anchor ? strstr(text, anchor) : text;
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *k = at ? strstr(at, pat) : NULL;
    double v = k ? strtod(k + strlen(pat), NULL) : NAN;
    free(text);
    return v;
}

/* Column col of the row whose first field is id, in a CSV of run `out`. */
static double csv(const char *out, const char *file, const char *id, const char *col)
{
    char *text = slurp(out, file);
    if (!text)
        return NAN;
    double v = NAN;
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    int idx = -1, i = 0;
    for (char *p = line; p; p = strchr(p, ','), i++) {
        if (*p == ',')
            p++;
        size_t len = strcspn(p, ",");
        if (len == strlen(col) && strncmp(p, col, len) == 0)
            idx = i;
    }
    while ((line = strtok_r(NULL, "\n", &save)) && idx >= 0) {
        size_t len = strcspn(line, ",");
        if (len != strlen(id) || strncmp(line, id, len) != 0)
            continue;
        char *p = line;
        for (int k = 0; k < idx && p; k++) {
            p = strchr(p, ',');
            if (p)
                p++;
        }
        v = p ? strtod(p, NULL) : NAN;
        break;
    }
    free(text);
    return v;
}

/* ---- Erlang-B ---- */

static const char *erlang_xml =
    "<scenario name='erlang' duration='3000min'><topology/>"
    "<world><operator id='op'/>"
    "<box id='b' x='0m' y='0m'><radio id='r' standard='ac'/>"
    "<vap id='v' radio='r' operator='op' max-users='5'/></box>"
    "<arrivals id='visitors' operator='op' interarrival='exponential(1min)' stay='exponential(4min)'"
    " box='b' services=''/>"
    "</world></scenario>";

static void test_world_erlang_b_blocking(void)
{
    /* 5 seats, offered 4 Erlangs: B(5, 4) = 0.199067. Ten replications. */
    double expected = mn_erlang_b(5, 4.0);
    CU_ASSERT_DOUBLE_EQUAL(expected, 0.199067, 1e-6); /* (1024/120) / (1 + 4 + 8 + 32/3 + 32/3 + 128/15) */
    mn_stat_welford w;
    mn_stat_welford_init(&w);
    for (uint64_t seed = 1; seed <= 10; seed++) {
        mn_err err = {0};
        CU_ASSERT_EQUAL_FATAL(run_text(erlang_xml, seed, "erlang", &err), MN_OK);
        double visitors = jnum("erlang", NULL, "visitors");
        CU_ASSERT(visitors > 2500);
        mn_stat_welford_add(&w, jnum("erlang", NULL, "visitor_blocking_probability"));
    }
    double half;
    CU_ASSERT_EQUAL(mn_stat_welford_ci(&w, 0.95, &half), MN_OK);
    fprintf(stderr, "\n  Erlang-B: simulated %.4f +- %.4f, formula %.4f ", w.mean, half, expected);
    CU_ASSERT(fabs(w.mean - expected) <= half);
    CU_ASSERT(half < 0.02); /* the test has teeth */
}

/* ---- Bianchi through the solver, and beacon overhead ---- */

static char bianchi_buf[4096];

/* n users 10 m from one 802.11g radio, each uploading as fast as it can; nssid vAPs beacon. */
static const char *bianchi_xml(int n, int nssid)
{
    int len = snprintf(bianchi_buf, sizeof bianchi_buf,
                       "<scenario name='bianchi' duration='1100s'><topology/><world>"
                       "<operator id='op'/><operator id='other'/>"
                       "<service id='up' kind='stream' interarrival='1000s' duration='1000s' rate='1Gbps'"
                       " packet='1480B' direction='up'/>"
                       "<box id='b' x='0m' y='0m' cpu='100GHz' uplink='10Gbps'>"
                       "<radio id='r' standard='g'/>"
                       "<vap id='v' radio='r' operator='op'/>");
    for (int i = 1; i < nssid; i++)
        len += snprintf(bianchi_buf + len, sizeof bianchi_buf - (size_t)len,
                        "<vap id='o%d' radio='r' operator='other'/>", i);
    len += snprintf(bianchi_buf + len, sizeof bianchi_buf - (size_t)len, "</box>");
    for (int i = 0; i < n; i++)
        len += snprintf(bianchi_buf + len, sizeof bianchi_buf - (size_t)len,
                        "<user id='u%d' operator='op' home='b' distance='10m'/>", i);
    snprintf(bianchi_buf + len, sizeof bianchi_buf - (size_t)len, "</world></scenario>");
    return bianchi_buf;
}

static void test_world_bianchi_saturation_throughput(void)
{
    /* Every user's session starts at 1000 s (a constant interarrival) and
     * streams for the last 100 s of the run. */
    mn_radio_cfg cfg;
    mn_radio_cfg_default(MN_WIFI_G, &cfg);
    double phy = mn_radio_phy_rate(&cfg, 10, NULL);
    double L = 1480 + 20; /* payload + IPv4 header per frame */
    double beacon = mn_wifi_beacon_overhead(&cfg, 1, MN_WIFI_BEACON_BYTES, MN_WIFI_BEACON_INTERVAL_S);
    for (int n = 1; n <= 10; n += 9) {
        double a;
        CU_ASSERT_EQUAL_FATAL(mn_radio_airtime_per_byte(&cfg, phy, (unsigned)n, L, &a, NULL), MN_OK);
        /* all n saturate the air: payload rate = (1 - beacons) x 1480 / (air time per frame) */
        double expected_bps = (1 - beacon) * 1480 * 8 / (a * L);
        mn_err err = {0};
        CU_ASSERT_EQUAL_FATAL(run_text(bianchi_xml(n, 1), 1, "bianchi", &err), MN_OK);
        double bytes = jnum("bianchi", NULL, "delivered_bytes");
        double got_bps = bytes * 8 / 100;
        fprintf(stderr, "\n  Bianchi n=%d: %.4f Mb/s through the solver, %.4f Mb/s from the model ", n,
                got_bps / 1e6, expected_bps / 1e6);
        MN_ASSERT_CLOSE(got_bps, expected_bps, 1e-6);
    }
    /* five SSIDs beacon five times as much: capacity (1 - 5b) / (1 - b) of one */
    double b5 = mn_wifi_beacon_overhead(&cfg, 5, MN_WIFI_BEACON_BYTES, MN_WIFI_BEACON_INTERVAL_S);
    CU_ASSERT_DOUBLE_EQUAL(b5, 5 * beacon, 1e-12);
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(run_text(bianchi_xml(1, 1), 1, "one", &err), MN_OK);
    CU_ASSERT_EQUAL_FATAL(run_text(bianchi_xml(1, 5), 1, "five", &err), MN_OK);
    double one = jnum("one", NULL, "delivered_bytes"), five = jnum("five", NULL, "delivered_bytes");
    fprintf(stderr, "\n  beacons: 5 SSIDs deliver %.9f of 1 SSID's; (1 - 5b) / (1 - b) = %.9f ", five / one,
            (1 - b5) / (1 - beacon));
    MN_ASSERT_CLOSE(five / one, (1 - b5) / (1 - beacon), 1e-7); /* bytes are printed whole */
}

/* ---- the queueing term of the delay ---- */

static void test_world_mm1_delay_term(void)
{
    /* One stream over a 10 Mb/s uplink at utilisation rho: 2 ms of
     * propagation, the uplink's M/M/1/64 sojourn with s = 1420 B x 8 / 10 Mb/s
     * = 1.136 ms, and the radio's: a frame's air time (Bianchi, one
     * station) over the air left by beacons, at the air's utilisation. The
     * CPU (100 GHz) adds nanoseconds. */
    const double s = 1420.0 * 8 / 10e6;
    mn_radio_cfg cfg;
    mn_radio_cfg_default(MN_WIFI_AC, &cfg);
    cfg.width_mhz = 80;
    cfg.streams = 2;
    double a, air = 1 - mn_wifi_beacon_overhead(&cfg, 1, MN_WIFI_BEACON_BYTES, MN_WIFI_BEACON_INTERVAL_S);
    CU_ASSERT_EQUAL_FATAL(mn_radio_airtime_per_byte(&cfg, mn_radio_phy_rate(&cfg, 2, NULL), 1, 1420, &a, NULL),
                          MN_OK);
    double s_air = a * 1420 / air; /* seconds of a frame at the air's capacity */
    const double rates[] = {3e6, 8e6};
    for (int i = 0; i < 2; i++) {
        char xml[2048];
        snprintf(xml, sizeof xml,
                 "<scenario name='mm1' duration='20s'><topology/><world>"
                 "<operator id='op'/>"
                 "<service id='st' kind='stream' interarrival='10s' duration='100s' rate='%.0fbps'"
                 " packet='1400B'/>"
                 "<box id='b' x='0m' y='0m' cpu='100GHz' uplink='10Mbps' uplink-latency='2ms'>"
                 "<radio id='r' standard='ac' width='80MHz' streams='2'/>"
                 "<vap id='v' radio='r' operator='op'/></box>"
                 "<user id='u' operator='op' home='b' distance='2m'/>"
                 "</world></scenario>",
                 rates[i]);
        mn_err err = {0};
        CU_ASSERT_EQUAL_FATAL(run_text(xml, 1, "mm1", &err), MN_OK);
        double rho = rates[i] * 1420 / 1400 / 10e6;
        double rho_air = rates[i] / 8 / 1400 * s_air;
        double uplink = mn_mm1k_sojourn(rho, 64, s), radio = mn_mm1k_sojourn(rho_air, 64, s_air);
        double expected = 0.002 + uplink + radio;
        double got = jnum("mm1", "delay_s", "mean");
        fprintf(stderr, "\n  delay at rho %.2f: %.4f ms (2 + uplink %.4f + radio %.4f = %.4f; M/M/1 uplink %.4f) ",
                rho, got * 1e3, uplink * 1e3, radio * 1e3, expected * 1e3, s / (1 - rho) * 1e3);
        CU_ASSERT(got >= expected);
        CU_ASSERT(got <= expected + 1e-6); /* the CPU: nanoseconds */
        MN_ASSERT_CLOSE(uplink, s / (1 - rho), 0.001); /* M/M/1: a buffer of 64 barely matters here */
    }
}

/* ---- VXLAN ---- */

static void test_world_vxlan_overhead(void)
{
    /* A tunnel to site B over a 10 Mb/s link; a stream wanting 20 Mb/s gets
     * what the link carries once each 1400-byte payload has 20 bytes of IPv4
     * and 50 (IPv4 underlay) or 70 (IPv6) of VXLAN around it. */
    const char *underlays[] = {"ipv4", "ipv6"};
    for (int i = 0; i < 2; i++) {
        char xml[2048];
        snprintf(xml, sizeof xml,
                 "<scenario name='vxlan' duration='110s'><topology>"
                 "<node id='a'/><node id='b'/>"
                 "<link id='ab' from='a' to='b' capacity='10Mbps' latency='5ms'/></topology>"
                 "<world underlay='%s'><operator id='op'/>"
                 "<service id='st' kind='stream' interarrival='10s' duration='1000s' rate='20Mbps'"
                 " packet='1400B'/>"
                 "<site id='A' node='a'/><site id='B' node='b'/><tunnel from='A' to='B'/>"
                 "<box id='x' node='a' x='0m' y='0m' uplink='1Gbps'>"
                 "<radio id='r' standard='ac' width='80MHz' streams='2'/>"
                 "<vap id='v' radio='r' operator='op' tunnel='B'/></box>"
                 "<user id='u' operator='op' home='x' distance='2m'/>"
                 "</world></scenario>",
                 underlays[i]);
        mn_err err = {0};
        CU_ASSERT_EQUAL_FATAL(run_text(xml, 1, "vxlan", &err), MN_OK);
        unsigned over = i == 0 ? 50 : 70;
        CU_ASSERT_EQUAL(mn_vxlan_overhead(i == 0 ? MN_UNDERLAY_IPV4 : MN_UNDERLAY_IPV6), over);
        double expected = 10e6 * 1400 / (1400 + 20 + over) / 8 * 100; /* bytes in 100 s */
        MN_ASSERT_CLOSE(jnum("vxlan", NULL, "delivered_bytes"), expected, 1e-6);
    }
}

/* ---- SLA on a hand-checked timeline ---- */

static const char *sla_xml =
    "<scenario name='sla' duration='2500s'><topology/><world>"
    "<operator id='op'/>"
    "<sla id='gold' min-throughput='8Mbps' max-outage='60s'/>"
    "<service id='st' kind='stream' interarrival='1000s' duration='100s' rate='10Mbps' packet='1400B'/>"
    "<box id='b' x='0m' y='0m' cpu='100GHz' uplink='5Mbps'>"
    "<radio id='r' standard='ac' width='80MHz'/>"
    "<vap id='v' radio='r' operator='op'/></box>"
    "<user id='u' operator='op' sla='gold' home='b' distance='2m'/>"
    "<fault id='cut' kind='box' targets='b' at='100s' repair='300s'/>"
    "</world></scenario>";

static void test_world_sla_timeline(void)
{
    /* 0-100 s served; 100-400 s the box is down: an outage of 300 s, in
     * violation after its first 60 s: 240 s. Streams at 1000 s and 2000 s,
     * 100 s each, get 5 Mb/s x 1400/1420 < 8 Mb/s: 200 s in violation.
     * Total 440 s; the service's share 200 s. */
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(run_text(sla_xml, 1, "sla", &err), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(csv("sla", "users.csv", "u", "outage_s"), 300, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(csv("sla", "users.csv", "u", "sla_violation_s"), 440, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(jnum("sla", "per_service", "violation_s"), 200, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(jnum("sla", "per_operator_violation_s", "op"), 440, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(jnum("sla", NULL, "users_violated_fraction"), 1, 1e-12);
    /* and the bytes: 2 x 100 s x 5 Mb/s of wire, 1400 of each 1420 bytes payload */
    MN_ASSERT_CLOSE(jnum("sla", NULL, "delivered_bytes"), 2 * 100 * 5e6 / 8 * 1400 / 1420, 1e-6);
}

/* ---- failures ---- */

/* Users ux, uy at box A (operators x, y), ub at box B (x), 30 m apart: ux is in range of both. */
static char fault_buf[4096];
static const char *fault_xml(const char *fault)
{
    snprintf(fault_buf, sizeof fault_buf,
             "<scenario name='faults' duration='400s'><topology>"
             "<node id='n1'/><node id='n2'/><node id='srv'/>"
             "<link id='l1' from='n1' to='srv' capacity='1Gbps' latency='1ms'/>"
             "<link id='l2' from='n2' to='srv' capacity='1Gbps' latency='1ms'/></topology><world>"
             "<operator id='x'/><operator id='y'/>"
             "<service id='st' kind='stream' interarrival='90s' duration='1000s' rate='1Mbps' to='srv'/>"
             "<box id='A' node='n1' x='0m' y='0m'><radio id='rA' standard='ac'/>"
             "<vap id='vAx' radio='rA' operator='x'/><vap id='vAy' radio='rA' operator='y'/>"
             "<vm id='fw' kind='firewall'/></box>"
             "<box id='B' node='n2' x='30m' y='0m'><radio id='rB' standard='ac'/>"
             "<vap id='vBx' radio='rB' operator='x'/></box>"
             "<user id='ux' operator='x' home='A' distance='5m'/>"
             "<user id='uy' operator='y' home='A' distance='5m'/>"
             "<user id='ub' operator='x' home='B' distance='5m'/>"
             "%s</world></scenario>",
             fault);
    return fault_buf;
}

static void test_world_failures_take_down_exactly_their_dependents(void)
{
    /* Streams start at 90, 180, 270, 360 s for each user and last past the end. */
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(
        run_text(fault_xml("<fault id='boxA' kind='box' targets='A' at='100s' repair='200s'/>"), 1,
                 "box", &err),
        MN_OK);
    char *rows = slurp("box", "faults.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rows);
    /* box A at 100 s: its 2 vAPs and its VM go, its 2 users are cut, their 2 streams dropped */
    CU_ASSERT_PTR_NOT_NULL(strstr(rows, "boxA,box,A,100.000000000,300.000000000,2,2,2,1\n"));
    free(rows);
    /* ux finds B (in range, its operator); uy has no other vAP: 200 s of outage */
    CU_ASSERT_DOUBLE_EQUAL(csv("box", "users.csv", "ux", "outage_s"), 0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(csv("box", "users.csv", "uy", "outage_s"), 200, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(csv("box", "users.csv", "ub", "outage_s"), 0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(csv("box", "users.csv", "ux", "dropped"), 1, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(csv("box", "users.csv", "ub", "dropped"), 0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(csv("box", "boxes.csv", "A", "down_s"), 200, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(csv("box", "boxes.csv", "B", "down_s"), 0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(jnum("box", NULL, "handovers"), 1, 1e-9);
    /* uy's sessions at 180 and 270 s find no vAP */
    CU_ASSERT_DOUBLE_EQUAL(csv("box", "users.csv", "uy", "blocked"), 2, 1e-9);

    /* link l2 at 200 s: only ub's two streams cross it; ub's 270 s one finds it down */
    CU_ASSERT_EQUAL_FATAL(
        run_text(fault_xml("<fault id='l2' kind='link' targets='l2' at='200s' repair='100s'/>"), 1,
                 "link", &err),
        MN_OK);
    rows = slurp("link", "faults.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rows);
    CU_ASSERT_PTR_NOT_NULL(strstr(rows, "l2,link,l2,200.000000000,300.000000000,2,0,0,0\n"));
    free(rows);
    CU_ASSERT_DOUBLE_EQUAL(csv("link", "users.csv", "ub", "dropped"), 2, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(csv("link", "users.csv", "ub", "blocked"), 1, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(csv("link", "users.csv", "ux", "dropped"), 0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(csv("link", "users.csv", "ub", "outage_s"), 0, 1e-9); /* still associated */
}

/* ---- admission and outage ---- */

static void test_world_waiting_user_takes_a_freed_seat(void)
{
    /* One seat at home: u1 takes it at 0 s; u2, refused, is in outage until
     * u1 leaves for the office at 1 h; a user out of every radio's range is in
     * outage all along. */
    const char *xml =
        "<scenario name='seat' duration='2h'><topology/><world><operator id='op'/>"
        "<box id='home' x='0m' y='0m'><radio id='r' standard='n'/>"
        "<vap id='v' radio='r' operator='op' max-users='1'/></box>"
        "<box id='office' x='10km' y='0m'><radio id='ro' standard='n'/>"
        "<vap id='vo' radio='ro' operator='op'/></box>"
        "<mobility id='m' kind='commute' leave='1h' travel='10min' work='8h'/>"
        "<user id='u1' operator='op' home='home' office='office' mobility='m'/>"
        "<user id='u2' operator='op' home='home'/>"
        "<user id='far' operator='op' x='5km' y='5km'/>"
        "</world></scenario>";
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(run_text(xml, 1, "seat", &err), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(csv("seat", "users.csv", "u1", "outage_s"), 0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(csv("seat", "users.csv", "u2", "outage_s"), 3600, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(csv("seat", "users.csv", "far", "outage_s"), 7200, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(csv("seat", "vaps.csv", "v", "refused_full"), 1, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(csv("seat", "vaps.csv", "v", "associations"), 2, 1e-9);
}

/* ---- reproducibility ---- */

static void test_world_same_seed_same_bytes(void)
{
    const char *files[] = {"summary.json", "users.csv", "vaps.csv", "boxes.csv", "faults.csv"};
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(run_text(erlang_xml, 7, "rep1", &err), MN_OK);
    CU_ASSERT_EQUAL_FATAL(run_text(erlang_xml, 7, "rep2", &err), MN_OK);
    CU_ASSERT_EQUAL_FATAL(run_text(erlang_xml, 8, "rep3", &err), MN_OK);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char *a = slurp("rep1", files[i]), *b = slurp("rep2", files[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        CU_ASSERT_STRING_EQUAL(a, b);
        free(a);
        free(b);
    }
    char *a = slurp("rep1", "summary.json"), *c = slurp("rep3", "summary.json");
    CU_ASSERT(strcmp(a, c) != 0); /* another seed, another run */
    free(a);
    free(c);
}

/* ---- loader errors ---- */

static void expect_error(const char *world, const char *fragment)
{
    char xml[4096];
    snprintf(xml, sizeof xml,
             "<scenario name='bad' duration='10s'><topology><node id='n'/></topology><world>"
             "<operator id='op'/>%s</world></scenario>",
             world);
    mn_err err = {0};
    int rc = run_text(xml, 1, "bad", &err);
    CU_ASSERT_NOT_EQUAL(rc, MN_OK);
    if (!strstr(err.msg, fragment) || !strstr(err.where, "scenario.xml:1"))
        fprintf(stderr, "\n  expected \"%s\", got \"%s: %s\" ", fragment, err.where, err.msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, fragment));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.where, "scenario.xml:1"));
}

/* An error in xml names line `line` of scenario.xml, and says fragment. */
static void expect_error_at(const char *xml, long line, const char *fragment)
{
    mn_err err = {0};
    CU_ASSERT_NOT_EQUAL(run_text(xml, 1, "bad", &err), MN_OK);
    char where[64];
    snprintf(where, sizeof where, "scenario.xml:%ld", line);
    const char *at = strstr(err.where, where);
    int ok = at && at[strlen(where)] == '\0' && strstr(err.msg, fragment);
    if (!ok)
        fprintf(stderr, "\n  expected line %ld and \"%s\", got \"%s: %s\" ", line, fragment, err.where,
                err.msg);
    CU_ASSERT(ok);
}

static void test_world_loader_errors_name_the_line_of_the_trouble(void)
{
    static const char head[] = "<scenario name='bad' duration='10s'>\n"      /* 1 */
                               "<topology><node id='n'/></topology>\n"       /* 2 */
                               "<world><operator id='op'/>\n";               /* 3 */
    char xml[2048];
    /* an attribute's value: the line of that attribute, in a tag over three lines */
    snprintf(xml, sizeof xml, "%s<service id='web' kind='transfer'\n"         /* 4 */
                              "   interarrival='two hours'\n"                 /* 5 */
                              "   size='1kB'/>\n</world></scenario>\n", head);
    expect_error_at(xml, 5, "is not a duration");
    /* the element as a whole: the line its start tag begins on, not the one it ends on */
    snprintf(xml, sizeof xml, "%s<vap id='v'\n"                               /* 4 */
                              "   operator='op'/>\n</world></scenario>\n", head);
    expect_error_at(xml, 4, "needs boxes=");
    /* two of a name ending on one line: the second one's own start */
    snprintf(xml, sizeof xml, "%s<box id='b' x='0m'\n"                        /* 4 */
                              " y='0m'><radio id='r' standard='g'/><vap id='ok' radio='r' operator='op'/>"
                              "<vap id='v' radio='r'\n"                        /* 5 */
                              " operator='op' tunnel='nowhere'/></box>\n</world></scenario>\n", head);
    expect_error_at(xml, 6, "nowhere");
    /* a handler's message that opens with an attribute's name: that attribute's line */
    snprintf(xml, sizeof xml, "%s<box id='b' x='0m' y='0m'\n"                 /* 4 */
                              "   power-idle='10W'\n"                         /* 5 */
                              "   power-max='5W'/>\n</world></scenario>\n", head); /* 6 */
    expect_error_at(xml, 6, "is below power-idle");
    /* in a comment, a tag is no tag */
    snprintf(xml, sizeof xml, "%s<!-- <vap id='v'\n"                          /* 4 */
                              "  operator='op'/> -->\n<vap id='v'\n"          /* 5, 6 */
                              "   operator='op'/>\n</world></scenario>\n", head);
    expect_error_at(xml, 6, "needs boxes=");
}

static void test_world_loader_errors_name_the_fix(void)
{
    expect_error("<box id='b' x='0m' y='0m'><radio id='r' standard='g'/>"
                 "<vap id='v1' radio='r' operator='op'/><vap id='v2' radio='r' operator='op'/>"
                 "<vap id='v3' radio='r' operator='op'/><vap id='v4' radio='r' operator='op'/>"
                 "<vap id='v5' radio='r' operator='op'/><vap id='v6' radio='r' operator='op'/></box>",
                 "allows at most 5 per radio");
    expect_error("<box id='b' x='0m' y='0m' cpu='1GHz'><radio id='r'/>"
                 "<vap id='v1' radio='r' operator='op' cpu='600MHz'/></box>",
                 "MHz left");
    expect_error("<box id='b' x='0m' y='0m'><radio id='r' standard='z'/></box>", "standard");
    expect_error("<box id='b' x='0m' y='0m'><radio id='r' standard='n' width='80MHz'/></box>",
                 "80");
    expect_error("<box id='b' x='0m' y='0m'><radio id='r'/><vap id='v' radio='r' operator='nobody'/></box>",
                 "unknown operator \"nobody\"");
    expect_error("<user id='u' operator='op'/>", "home=");
    expect_error("<sla id='s'/>", "at least one of");
    expect_error("<service id='s' kind='stream' interarrival='1min' duration='1min'/>", "rate");
    expect_error("<service id='s' kind='transfer' interarrival='1min' size='1MB' direction='both'/>",
                 "one way");
    expect_error("<box id='b' x='0m' y='0m'><radio id='r'/><vap id='v' radio='r' operator='op' "
                 "vnet='nv' via='nvm'/></box>",
                 "via names no vm \"nvm\"");
    expect_error("<vnet id='vn' operator='op'><vm id='a' kind='router' box='nobox'/></vnet>",
                 "unknown box");
    expect_error("<box id='b1' node='n' x='0m' y='0m' uplink='10Mbps'/>"
                 "<box id='b2' node='n' x='5m' y='0m' uplink='10Mbps'/>"
                 "<vnet id='vn' operator='op'><vm id='a' kind='router' box='b1'/>"
                 "<vm id='c' kind='router' box='b2'/><vlink id='ac' from='a' to='c' capacity='20Mbps'/></vnet>",
                 "needs 20 Mbps");
    expect_error("<fault id='f' kind='box' targets='nothing*' at='1s'/>", "matches no box");
    expect_error("<box id='b' x='0m' y='0m'><radio id='r' standard='g' beacon-interval='500us'/>"
                 "<vap id='v1' radio='r' operator='op'/></box>",
                 "on the beacons");
    expect_error("<site id='s1' node='n'/><box id='b' x='0m' y='0m'><radio id='r'/>"
                 "<vap id='v' radio='r' operator='op' tunnel='s1'/></box>",
                 "on no node");
    expect_error("<box id='b1' node='n' x='0m' y='0m'/><box id='b2' node='n' x='5m' y='0m'>"
                 "<radio id='r'/><vap id='v' radio='r' operator='op' vnet='vn' via='a'/></box>"
                 "<vnet id='vn' operator='op' exit='c'><vm id='a' kind='router' box='b1'/>"
                 "<vm id='c' kind='router' box='b2'/></vnet>",
                 "no chain of <vlink>s");
    expect_error("<mobility id='m' kind='trace' file='missing.csv'/>", "missing.csv");
    /* zero-length legs would follow each other at the same instant: a run that never ends */
    expect_error("<mobility id='m' kind='random-waypoint' area='0m'/>", "at least 1m");
    expect_error("<mobility id='m' kind='random-waypoint' area='100m' speed='1,1e9'/>",
                 "outside 0.01 to 100 m/s");
    /* movable instances and policies */
    expect_error("<vap id='v' operator='op'/>", "needs boxes=");
    expect_error("<policies low='90%' high='80%'/>", "must be below high");
    /* a world without a duration would run for ever */
    mn_err err = {0};
    CU_ASSERT_EQUAL(run_text("<scenario name='forever'><topology/><world><operator id='op'/></world></scenario>",
                             1, "forever", &err),
                    MN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.where, "scenario.xml:1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "duration"));
}

static int setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mn-test-world-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

void mn_test_register(void)
{
    if (setup() != 0) {
        fprintf(stderr, "cannot make a temporary directory\n");
        return;
    }
    static const struct mn_test_case cases[] = {
        MN_TEST(test_world_erlang_b_blocking),
        MN_TEST(test_world_bianchi_saturation_throughput),
        MN_TEST(test_world_mm1_delay_term),
        MN_TEST(test_world_vxlan_overhead),
        MN_TEST(test_world_sla_timeline),
        MN_TEST(test_world_failures_take_down_exactly_their_dependents),
        MN_TEST(test_world_waiting_user_takes_a_freed_seat),
        MN_TEST(test_world_same_seed_same_bytes),
        MN_TEST(test_world_loader_errors_name_the_fix),
        MN_TEST(test_world_loader_errors_name_the_line_of_the_trouble),
    };
    MN_SUITE("world", cases);
}
