/*
 * test_radio.c - 802.11 PHY/MAC model (sim/models/radio.c) against
 * hand-computed answers, the standards' rate tables and an independent
 * solution of Bianchi's equations written here.
 */
#include <math.h>
#include <string.h>

#include "models/radio.h"
#include "unit.h"

#define US 1e-6

static mn_radio_cfg cfg_of(mn_wifi_std s, double width, unsigned streams)
{
    mn_radio_cfg c;
    mn_radio_cfg_default(s, &c);
    c.width_mhz = width;
    c.streams = streams;
    return c;
}

/* ---- Bianchi, independently: bisection on p with eq. (7) as printed ---- */

static double ref_tau(double p, double W, double m)
{
    if (1 - 2 * p == 0) /* eq. (7) is 0/0 there; its limit, sum (2p)^k = m */
        return 2 / (W + 1 + p * W * m);
    return 2 * (1 - 2 * p) / ((1 - 2 * p) * (W + 1) + p * W * (1 - pow(2 * p, m)));
}

struct ref_bianchi {
    double tau, p, s, cycle;
};

static struct ref_bianchi ref_solve(unsigned n, unsigned W, unsigned m, double sigma, double ts,
                                    double tc, double bits)
{
    /* g(p) = 1 - (1 - tau(p))^(n-1) - p falls from > 0 at p = 0 to < 0 at p = 1 */
    double lo = 0, hi = 1;
    if (n == 1)
        hi = 0;
    while (hi - lo > 1e-17) {
        double mid = (lo + hi) / 2;
        if (mid <= lo || mid >= hi)
            break;
        double g = 1 - pow(1 - ref_tau(mid, W, m), n - 1.0) - mid;
        if (g > 0)
            lo = mid;
        else
            hi = mid;
    }
    struct ref_bianchi r;
    r.p = (lo + hi) / 2;
    r.tau = ref_tau(r.p, W, m);
    double ptr = 1 - pow(1 - r.tau, n);
    double ps = n * r.tau * pow(1 - r.tau, n - 1.0) / ptr;
    double busy = (1 - ptr) * sigma + ptr * ps * ts + ptr * (1 - ps) * tc;
    r.s = ps * ptr * bits / busy;
    r.cycle = busy / (ptr * ps);
    return r;
}

static void test_radio_bianchi_matches_an_independent_bisection(void)
{
    static const struct {
        unsigned n, W, m;
    } cases[] = {{1, 16, 6},  {1, 32, 5},  {2, 16, 6},  {5, 16, 6},   {5, 32, 5},   {10, 16, 6},
                 {10, 32, 5}, {50, 16, 6}, {50, 32, 3}, {20, 128, 3}, {100, 32, 5}, {7, 8, 0}};
    /* 802.11g timing at 54 Mb/s, 1500 bytes (radio.h's worked example) */
    double sigma = 9 * US, ts = 342 * US, tc = 282 * US, bits = 12000;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mn_bianchi b;
        mn_err err;
        CU_ASSERT_EQUAL_FATAL(
            mn_bianchi_solve(cases[i].n, cases[i].W, cases[i].m, sigma, ts, tc, bits, &b, &err),
            MN_OK);
        struct ref_bianchi r = ref_solve(cases[i].n, cases[i].W, cases[i].m, sigma, ts, tc, bits);
        MN_ASSERT_CLOSE(b.tau, r.tau, 1e-9);
        MN_ASSERT_CLOSE(b.p, r.p, 1e-9);
        MN_ASSERT_CLOSE(b.throughput_bps, r.s, 1e-9);
        MN_ASSERT_CLOSE(b.success_cycle_s, r.cycle, 1e-9);
        /* the fixed point itself: p = 1 - (1 - tau)^(n-1) */
        MN_ASSERT_CLOSE(b.p, 1 - pow(1 - b.tau, cases[i].n - 1.0), 1e-12);
    }
    /* n = 1: tau = 2 / (W + 1) = 2/17; cycle = 7.5 idle slots + T_s = 409.5 us */
    mn_bianchi one;
    CU_ASSERT_EQUAL(mn_bianchi_solve(1, 16, 6, sigma, ts, tc, bits, &one, NULL), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(one.tau, 2.0 / 17, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(one.p, 0, 0);
    MN_ASSERT_CLOSE(one.success_cycle_s, 409.5 * US, 1e-12);
    MN_ASSERT_CLOSE(one.throughput_bps, 12000 / (409.5 * US), 1e-12);
}

static void test_radio_bianchi_collision_probability_rises_with_n(void)
{
    double prev_p = -1, prev_tau = 1;
    for (unsigned n = 1; n <= 100; n++) {
        mn_bianchi b;
        CU_ASSERT_EQUAL_FATAL(
            mn_bianchi_solve(n, 32, 5, 9 * US, 342 * US, 282 * US, 12000, &b, NULL), MN_OK);
        CU_ASSERT(b.p > prev_p);
        CU_ASSERT(b.tau < prev_tau || n == 1);
        CU_ASSERT(b.tau > 0 && b.tau < 1);
        prev_p = b.p;
        prev_tau = b.tau;
    }
    CU_ASSERT(prev_p > 0.3); /* 100 stations collide often */
}

static void test_radio_bianchi_rejects_bad_arguments(void)
{
    mn_bianchi b;
    mn_err err;
    CU_ASSERT_EQUAL(mn_bianchi_solve(0, 16, 6, 9 * US, 1e-3, 1e-3, 8000, &b, &err), MN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "at least 1 station"));
    CU_ASSERT_EQUAL(mn_bianchi_solve(5, 1, 6, 9 * US, 1e-3, 1e-3, 8000, &b, NULL), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_bianchi_solve(5, 16, 6, 0, 1e-3, 1e-3, 8000, &b, NULL), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_bianchi_solve(5, 16, 6, 9 * US, NAN, 1e-3, 8000, &b, NULL), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_bianchi_solve(5, 16, 6, 9 * US, 1e-3, 1e-3, 0, &b, NULL), MN_EINVAL);
}

/* ---- frames, airtime ---- */

static void test_radio_frame_times_match_hand_computation(void)
{
    mn_radio_cfg g = cfg_of(MN_WIFI_G, 20, 1);
    /* ACK: 20 us + ceil((16 + 112 + 6) / 24) = 6 symbols of 4 us + 6 us extension = 50 us */
    CU_ASSERT_DOUBLE_EQUAL(mn_wifi_ack_time(&g), 50 * US, 1e-12);
    /* 1500 B at 54 Mb/s: 16 + 8 (36 + 1500) + 6 = 12310 bits / 216 -> 57 symbols:
     * 20 + 228 + 6 = 254 us; T_s = 254 + 10 + 50 + 28 = 342 us; T_c = 254 + 28 = 282 us */
    CU_ASSERT_DOUBLE_EQUAL(mn_wifi_frame_time(&g, 54e6, 1500), 254 * US, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(mn_wifi_ts(&g, 54e6, 1500), 342 * US, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(mn_wifi_tc(&g, 54e6, 1500), 282 * US, 1e-12);
    /* 802.11ac at 5 GHz: ACK 20 + 24 = 44 us, no signal extension */
    mn_radio_cfg ac = cfg_of(MN_WIFI_AC, 80, 1);
    CU_ASSERT_DOUBLE_EQUAL(mn_wifi_ack_time(&ac), 44 * US, 1e-12);
    /* 802.11ax 20 MHz, 1 stream, MCS 11 (N_DBPS = 234 x 10 x 5/6 = 1950), 1500 B:
     * 16 + 8 (42 + 1500) + 6 = 12358 bits -> 7 symbols of 13.6 us + 43.2 us = 138.4 us */
    mn_radio_cfg ax = cfg_of(MN_WIFI_AX, 20, 1);
    CU_ASSERT_DOUBLE_EQUAL(mn_wifi_frame_time(&ax, mn_radio_max_rate(&ax), 1500), 138.4 * US,
                           1e-12);
    /* 1664 B: 16 + 8 (42 + 1664) + 6 = 13670 bits > 7 x 1950: 8 symbols, 43.2 + 108.8 us
     * (the 4-byte MPDU delimiter is what tips it over: without it, 13638 bits, 7 symbols) */
    CU_ASSERT_DOUBLE_EQUAL(mn_wifi_frame_time(&ax, mn_radio_max_rate(&ax), 1664), 152.0 * US,
                           1e-12);
    /* bad inputs give NaN */
    CU_ASSERT(isnan(mn_wifi_frame_time(&g, 0, 1500)));
    CU_ASSERT(isnan(mn_wifi_ts(&g, 54e6, -1)));
}

static void test_radio_airtime_per_byte_reproduces_bianchi_with_equal_rates(void)
{
    mn_radio_cfg cfgs[] = {cfg_of(MN_WIFI_G, 20, 1), cfg_of(MN_WIFI_AC, 80, 2),
                           cfg_of(MN_WIFI_AF, 6, 1)};
    unsigned ns[] = {1, 2, 5, 20, 60};
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        const mn_radio_cfg *c = &cfgs[i];
        mn_wifi_timing t;
        CU_ASSERT_EQUAL_FATAL(mn_radio_timing(c, &t, NULL), MN_OK);
        double rates[] = {mn_radio_max_rate(c), mn_radio_mcs_rate(c, 0), mn_radio_mcs_rate(c, 3)};
        for (size_t r = 0; r < 3; r++)
            for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
                double air;
                CU_ASSERT_EQUAL_FATAL(
                    mn_radio_airtime_per_byte(c, rates[r], ns[k], 1500, &air, NULL), MN_OK);
                mn_bianchi b;
                CU_ASSERT_EQUAL_FATAL(mn_bianchi_solve(ns[k], t.cw_min + 1, t.backoff_stages,
                                                       t.slot_s, mn_wifi_ts(c, rates[r], 1500),
                                                       mn_wifi_tc(c, rates[r], 1500), 12000, &b,
                                                       NULL),
                                      MN_OK);
                MN_ASSERT_CLOSE(8 / air, b.throughput_bps, 1e-12);
            }
    }
    /* Worked example of radio.h: 802.11g, 54 Mb/s, one station: 409.5 us per 1500 B */
    double air54, air6;
    CU_ASSERT_EQUAL(mn_radio_airtime_per_byte(&cfgs[0], 54e6, 1, 1500, &air54, NULL), MN_OK);
    MN_ASSERT_CLOSE(air54, 409.5 * US / 1500, 1e-12);
    /* a slow station costs the radio more air per byte (the anomaly's cause) */
    CU_ASSERT_EQUAL(mn_radio_airtime_per_byte(&cfgs[0], 6e6, 5, 1500, &air6, NULL), MN_OK);
    CU_ASSERT_EQUAL(mn_radio_airtime_per_byte(&cfgs[0], 54e6, 5, 1500, &air54, NULL), MN_OK);
    CU_ASSERT(air6 > 5 * air54);
    mn_err err;
    CU_ASSERT_EQUAL(mn_radio_airtime_per_byte(&cfgs[0], 54e6, 0, 1500, &air54, &err), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_radio_airtime_per_byte(&cfgs[0], 0, 3, 1500, &air54, &err), MN_EINVAL);
}

static void test_radio_beacon_overhead_matches_hand_computation(void)
{
    /*
     * 802.11g, 3 SSIDs, 300-byte beacons at 6 Mb/s every 102.4 ms:
     *   bits = 16 + 8 x 300 + 6 = 2422; 2422 / 24 bits per symbol = 100.9 -> 101 symbols
     *   beacon = 20 us header + 101 x 4 us + 6 us signal extension = 430 us
     *   overhead = 3 x 430 us / 102400 us = 0.012597656
     */
    mn_radio_cfg g = cfg_of(MN_WIFI_G, 20, 1);
    CU_ASSERT_DOUBLE_EQUAL(mn_wifi_beacon_time(&g, MN_WIFI_BEACON_BYTES), 430 * US, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(
        mn_wifi_beacon_overhead(&g, 3, MN_WIFI_BEACON_BYTES, MN_WIFI_BEACON_INTERVAL_S),
        3 * 430.0 / 102400.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(mn_wifi_beacon_overhead(&g, 0, 300, 0.1024), 0, 0);
    /* DSSS beacons: 192 us + 2400 bits at 1 Mb/s = 2592 us; 5 SSIDs: 5 x 2592 / 102400 */
    g.beacon_dsss = true;
    CU_ASSERT_EQUAL(mn_radio_check(&g, NULL), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(mn_wifi_beacon_overhead(&g, 5, 300, 0.1024), 5 * 2592.0 / 102400.0,
                           1e-12);
    /* 802.11af, 6 MHz: 2422 bits / 54 per 30 us symbol -> 45 symbols = 1350 us + 300 us
     * preamble = 1650 us; 10 SSIDs take 16.1% of the air, 100 would need more than all */
    mn_radio_cfg af = cfg_of(MN_WIFI_AF, 6, 1);
    CU_ASSERT_DOUBLE_EQUAL(mn_wifi_beacon_time(&af, 300), 1650 * US, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(mn_wifi_beacon_overhead(&af, 10, 300, 0.1024), 16500.0 / 102400.0,
                           1e-12);
    CU_ASSERT_DOUBLE_EQUAL(mn_wifi_beacon_overhead(&af, 100, 300, 0.1024), 1, 0);
    CU_ASSERT(isnan(mn_wifi_beacon_overhead(&af, 1, 300, 0)));
}

/* ---- rates and range ---- */

static void test_radio_rates_match_the_standard_tables(void)
{
    static const double g_mbps[] = {6, 9, 12, 18, 24, 36, 48, 54};
    mn_radio_cfg g = cfg_of(MN_WIFI_G, 20, 1);
    CU_ASSERT_EQUAL(mn_radio_mcs_count(&g), 8);
    for (int k = 0; k < 8; k++)
        MN_ASSERT_CLOSE(mn_radio_mcs_rate(&g, k), g_mbps[k] * 1e6, 1e-12);
    /* HT 20 MHz 6.5..65 and 40 MHz 13.5..135 Mb/s per stream */
    mn_radio_cfg n20 = cfg_of(MN_WIFI_N, 20, 1), n40 = cfg_of(MN_WIFI_N, 40, 4);
    MN_ASSERT_CLOSE(mn_radio_mcs_rate(&n20, 0), 6.5e6, 1e-12);
    MN_ASSERT_CLOSE(mn_radio_max_rate(&n20), 65e6, 1e-12);
    MN_ASSERT_CLOSE(mn_radio_mcs_rate(&n40, 0), 4 * 13.5e6, 1e-12);
    MN_ASSERT_CLOSE(mn_radio_max_rate(&n40), 4 * 135e6, 1e-12); /* 540 Mb/s */
    /* VHT: 80 MHz 1 stream MCS 9 = 390 Mb/s; 160 MHz 8 streams = 6240 Mb/s at 800 ns GI */
    MN_ASSERT_CLOSE(mn_radio_max_rate(&(mn_radio_cfg){.std = MN_WIFI_AC,
                                                      .width_mhz = 80,
                                                      .streams = 1,
                                                      .freq_mhz = 5180,
                                                      .path_loss_exp = 3,
                                                      .ref_loss_db = -1}),
                    390e6, 1e-12);
    mn_radio_cfg ac160 = cfg_of(MN_WIFI_AC, 160, 8);
    MN_ASSERT_CLOSE(mn_radio_max_rate(&ac160), 6240e6, 1e-12);
    /* VHT exclusions: MCS 9 at 20 MHz only with 3 or 6 streams; 80 MHz MCS 6 not with 3 */
    mn_radio_cfg ac20 = cfg_of(MN_WIFI_AC, 20, 1);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_mcs_rate(&ac20, 9), 0, 0);
    MN_ASSERT_CLOSE(mn_radio_max_rate(&ac20), 78e6, 1e-12);
    ac20.streams = 3;
    MN_ASSERT_CLOSE(mn_radio_mcs_rate(&ac20, 9), 3 * 86.666666666666667e6, 1e-12);
    mn_radio_cfg ac80 = cfg_of(MN_WIFI_AC, 80, 3);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_mcs_rate(&ac80, 6), 0, 0);
    CU_ASSERT(mn_radio_mcs_rate(&ac80, 7) > mn_radio_mcs_rate(&ac80, 5));
    /* HE 20 MHz 1 stream, 0.8 us GI, as printed in the HE tables (0.1 Mb/s rounding) */
    static const double he_mbps[] = {8.6,  17.2, 25.8,  34.4,  51.6,  68.8,
                                     77.4, 86.0, 103.2, 114.7, 129.0, 143.4};
    mn_radio_cfg ax = cfg_of(MN_WIFI_AX, 20, 1);
    CU_ASSERT_EQUAL(mn_radio_mcs_count(&ax), 12);
    for (int k = 0; k < 12; k++)
        CU_ASSERT_DOUBLE_EQUAL(mn_radio_mcs_rate(&ax, k), he_mbps[k] * 1e6, 0.05e6);
    /* TVHT: VHT40 / 7.5 in 6 and 7 MHz units (1.8 .. 24.0), / 5.625 in 8 MHz (2.4 .. 32.0) */
    mn_radio_cfg af6 = cfg_of(MN_WIFI_AF, 6, 1), af7 = cfg_of(MN_WIFI_AF, 7, 1);
    mn_radio_cfg af8 = cfg_of(MN_WIFI_AF, 8, 1), af32 = cfg_of(MN_WIFI_AF, 32, 4);
    MN_ASSERT_CLOSE(mn_radio_mcs_rate(&af6, 0), 1.8e6, 1e-12);
    MN_ASSERT_CLOSE(mn_radio_max_rate(&af6), 24.0e6, 1e-12);
    MN_ASSERT_CLOSE(mn_radio_max_rate(&af7), 24.0e6, 1e-12);
    MN_ASSERT_CLOSE(mn_radio_mcs_rate(&af8, 0), 2.4e6, 1e-12);
    MN_ASSERT_CLOSE(mn_radio_max_rate(&af8), 32.0e6, 1e-12);
    MN_ASSERT_CLOSE(mn_radio_max_rate(&af32), 4 * 4 * 32.0e6, 1e-12); /* 4 units x 4 streams */
    /* sensitivities: +3 dB per doubling; TVHT derived: -79 - 10 log10(7.5) = -87.75 dBm */
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_mcs_sens_dbm(&ac80, 0), -76, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_mcs_sens_dbm(&ax, 11), -52, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_mcs_sens_dbm(&ac160, 9), -48, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_mcs_sens_dbm(&af6, 0), -79 - 10 * log10(7.5), 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_mcs_sens_dbm(&af8, 0), -79 - 10 * log10(5.625), 1e-12);
    CU_ASSERT(isnan(mn_radio_mcs_sens_dbm(&af8, 10)));
}

static void test_radio_phy_rate_falls_with_distance_to_zero_past_range(void)
{
    mn_radio_cfg cfgs[] = {cfg_of(MN_WIFI_G, 20, 1),   cfg_of(MN_WIFI_N, 40, 2),
                           cfg_of(MN_WIFI_AC, 20, 1),  cfg_of(MN_WIFI_AC, 80, 3),
                           cfg_of(MN_WIFI_AC, 160, 8), cfg_of(MN_WIFI_AX, 20, 2),
                           cfg_of(MN_WIFI_AX, 160, 4), cfg_of(MN_WIFI_AF, 6, 1),
                           cfg_of(MN_WIFI_AF, 16, 2),  cfg_of(MN_WIFI_AF, 28, 4)};
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        const mn_radio_cfg *c = &cfgs[i];
        double range = mn_radio_range_m(c);
        CU_ASSERT_FATAL(range > 1);
        int mcs;
        CU_ASSERT_DOUBLE_EQUAL(mn_radio_phy_rate(c, 1, &mcs), mn_radio_max_rate(c), 0);
        CU_ASSERT_DOUBLE_EQUAL(mn_radio_phy_rate(c, 0.2, NULL), mn_radio_max_rate(c), 0);
        double prev = INFINITY;
        for (double d = 1; d < 2 * range; d *= 1.01) {
            double r = mn_radio_phy_rate(c, d, &mcs);
            CU_ASSERT(r <= prev);
            CU_ASSERT((r > 0) == (mcs >= 0));
            prev = r;
        }
        CU_ASSERT(mn_radio_phy_rate(c, range * 0.9999, &mcs) > 0);
        CU_ASSERT_EQUAL(mcs, 0);
        CU_ASSERT_DOUBLE_EQUAL(mn_radio_phy_rate(c, range * 1.0001, &mcs), 0, 0);
        CU_ASSERT_EQUAL(mcs, -1);
        CU_ASSERT_DOUBLE_EQUAL(mn_radio_phy_rate(c, 1e6, NULL), 0, 0);
    }
}

static void test_radio_phy_rate_matches_a_hand_computed_link_budget(void)
{
    /*
     * 802.11g, 20 dBm, n = 3, 2437 MHz:
     *   PL(1 m) = 20 log10(4 pi 2.437e9 / 299792458) = 40.185 dB
     *   20 m: PL = 40.185 + 30 log10(20) = 40.185 + 39.031 = 79.216 dB,
     *         rx = -59.22 dBm >= -65: 54 Mb/s
     *   50 m: PL = 40.185 + 50.969 = 91.154 dB, rx = -71.15 dBm:
     *         >= -74 (24 Mb/s) but < -70 (36 Mb/s): 24 Mb/s, index 4
     *   range: 10^((20 - 40.185 + 82) / 30) = 114.95 m
     */
    mn_radio_cfg g = cfg_of(MN_WIFI_G, 20, 1);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_fspl_1m_db(2437), 40.185, 1e-3);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_rx_dbm(&g, 20), -59.216, 1e-3);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_rx_dbm(&g, 50), -71.154, 1e-3);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_rx_dbm(&g, 0.5), mn_radio_rx_dbm(&g, 1), 0); /* near field */
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_rx_dbm(&g, 1), 20 - 40.185, 1e-3);
    int mcs;
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_phy_rate(&g, 20, &mcs), 54e6, 1);
    CU_ASSERT_EQUAL(mcs, 7);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_phy_rate(&g, 50, &mcs), 24e6, 1);
    CU_ASSERT_EQUAL(mcs, 4);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_range_m(&g), 114.95, 0.01);
    /* noise_adjust 4 dB at 50 m: 24 Mb/s needs -74 + 4 = -70 > -71.15 dBm; 18 Mb/s needs
     * -77 + 4 = -73 <= -71.15: 18 Mb/s */
    g.noise_adjust_db = 4;
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_phy_rate(&g, 50, &mcs), 18e6, 1);
    /* an explicit 1 m loss replaces free space: 20 - 59.5 - 30 log10(10) = -69.5 dBm at
     * 10 m, >= -70: 36 Mb/s */
    g.noise_adjust_db = 0;
    g.ref_loss_db = 59.5;
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_rx_dbm(&g, 10), -69.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_phy_rate(&g, 10, NULL), 36e6, 1);
    /* out of range even at 1 m */
    g.tx_power_dbm = -30;
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_range_m(&g), 0, 0);
}

static void test_radio_af_reaches_farther_than_ac_at_equal_power(void)
{
    /*
     * ac 20 MHz at 5180 MHz: PL(1 m) = 46.73 dB, MCS 0 at -82 dBm:
     *   10^((20 - 46.73 + 82) / 30) = 69.5 m
     * af 6 MHz at 600 MHz: PL(1 m) = 28.01 dB, MCS 0 at -87.75 dBm:
     *   10^((20 - 28.01 + 87.75) / 30) = 455 m
     */
    mn_radio_cfg ac = cfg_of(MN_WIFI_AC, 20, 1), af = cfg_of(MN_WIFI_AF, 6, 1);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_range_m(&ac), 69.53, 0.01);
    CU_ASSERT_DOUBLE_EQUAL(mn_radio_range_m(&af), 454.98, 0.01);
    CU_ASSERT(mn_radio_range_m(&af) > mn_radio_range_m(&ac));
}

/* ---- configuration ---- */

static void test_radio_check_names_the_valid_values(void)
{
    mn_err err;
    for (int s = 0; s < MN_WIFI_COUNT; s++) {
        mn_radio_cfg c;
        mn_radio_cfg_default((mn_wifi_std)s, &c);
        CU_ASSERT_EQUAL(mn_radio_check(&c, &err), MN_OK);
    }
    mn_radio_cfg c = cfg_of(MN_WIFI_N, 80, 1);
    CU_ASSERT_EQUAL(mn_radio_check(&c, &err), MN_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "802.11n allows width 20 or 40 MHz, not 80");
    CU_ASSERT(isnan(mn_radio_phy_rate(&c, 10, NULL)));
    c = cfg_of(MN_WIFI_AC, 80, 9);
    CU_ASSERT_EQUAL(mn_radio_check(&c, &err), MN_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "802.11ac allows 1 to 8 spatial streams, not 9");
    c = cfg_of(MN_WIFI_G, 20, 2);
    CU_ASSERT_EQUAL(mn_radio_check(&c, &err), MN_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "802.11g allows 1 spatial stream, not 2");
    c = cfg_of(MN_WIFI_AF, 20, 1);
    CU_ASSERT_EQUAL(mn_radio_check(&c, &err), MN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "6, 7 or 8"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not 20"));
    c = cfg_of(MN_WIFI_AF, 24, 5);
    CU_ASSERT_EQUAL(mn_radio_check(&c, &err), MN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "1 to 4"));
    c = cfg_of(MN_WIFI_AX, 160, 1);
    c.tx_power_dbm = NAN;
    CU_ASSERT_EQUAL(mn_radio_check(&c, &err), MN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "tx_power_dbm"));
    c = cfg_of(MN_WIFI_AC, 20, 1);
    c.beacon_dsss = true;
    CU_ASSERT_EQUAL(mn_radio_check(&c, &err), MN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "2.4 GHz"));
    c = cfg_of(MN_WIFI_G, 20, 1);
    c.path_loss_exp = 0;
    CU_ASSERT_EQUAL(mn_radio_check(&c, &err), MN_EINVAL);
    c.std = MN_WIFI_COUNT;
    CU_ASSERT_EQUAL(mn_radio_check(&c, &err), MN_EINVAL);
}

static void test_radio_std_parse_accepts_names_and_rejects_others(void)
{
    mn_wifi_std s = MN_WIFI_COUNT;
    mn_err err;
    CU_ASSERT_EQUAL(mn_wifi_std_parse("ac", &s, &err), MN_OK);
    CU_ASSERT_EQUAL(s, MN_WIFI_AC);
    CU_ASSERT_EQUAL(mn_wifi_std_parse("802.11af", &s, &err), MN_OK);
    CU_ASSERT_EQUAL(s, MN_WIFI_AF);
    CU_ASSERT_EQUAL(mn_wifi_std_parse("AX", &s, &err), MN_OK);
    CU_ASSERT_EQUAL(s, MN_WIFI_AX);
    CU_ASSERT_EQUAL(mn_wifi_std_parse("g", &s, &err), MN_OK);
    CU_ASSERT_EQUAL(s, MN_WIFI_G);
    CU_ASSERT_EQUAL(mn_wifi_std_parse("z", &s, &err), MN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "g, n, ac, af, ax"));
    CU_ASSERT_EQUAL(mn_wifi_std_parse("802.11", &s, &err), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_wifi_std_parse("acx", &s, &err), MN_EINVAL);
    CU_ASSERT_EQUAL(mn_wifi_std_parse("", &s, &err), MN_EINVAL);
    CU_ASSERT_STRING_EQUAL(mn_wifi_std_name(MN_WIFI_N), "802.11n");
    CU_ASSERT_STRING_EQUAL(mn_wifi_std_name(MN_WIFI_COUNT), "unknown");
}

static void test_radio_channel_numbers_map_to_centre_frequencies(void)
{
    double f = 0;
    mn_err err;
    CU_ASSERT_EQUAL(mn_wifi_channel_freq(MN_WIFI_G, 6, &f, &err), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(f, 2437, 0);
    CU_ASSERT_EQUAL(mn_wifi_channel_freq(MN_WIFI_G, 1, &f, &err), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(f, 2412, 0);
    CU_ASSERT_EQUAL(mn_wifi_channel_freq(MN_WIFI_N, 14, &f, &err), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(f, 2484, 0);
    CU_ASSERT_EQUAL(mn_wifi_channel_freq(MN_WIFI_N, 149, &f, &err), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(f, 5745, 0);
    CU_ASSERT_EQUAL(mn_wifi_channel_freq(MN_WIFI_AC, 36, &f, &err), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(f, 5180, 0);
    CU_ASSERT_EQUAL(mn_wifi_channel_freq(MN_WIFI_AF, 14, &f, &err), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(f, 473, 0);
    CU_ASSERT_EQUAL(mn_wifi_channel_freq(MN_WIFI_AF, 35, &f, &err), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(f, 599, 0);
    CU_ASSERT_EQUAL(mn_wifi_channel_freq(MN_WIFI_G, 36, &f, &err), MN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "1 to 13"));
    CU_ASSERT_EQUAL(mn_wifi_channel_freq(MN_WIFI_AC, 6, &f, &err), MN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "36 to 177"));
    CU_ASSERT_EQUAL(mn_wifi_channel_freq(MN_WIFI_AF, 70, &f, &err), MN_ERANGE);
    CU_ASSERT_EQUAL(mn_wifi_channel_freq(MN_WIFI_AX, 20, &f, &err), MN_ERANGE);
}

static void test_radio_timing_follows_band_clock_and_streams(void)
{
    for (int s = 0; s < MN_WIFI_COUNT; s++) {
        const mn_wifi_timing *t = mn_wifi_timing_of((mn_wifi_std)s);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        CU_ASSERT_DOUBLE_EQUAL(t->difs_s, t->sifs_s + 2 * t->slot_s, 1e-15);
        CU_ASSERT_EQUAL(t->cw_max + 1, (t->cw_min + 1) << t->backoff_stages);
    }
    CU_ASSERT_PTR_NULL(mn_wifi_timing_of(MN_WIFI_COUNT));
    mn_wifi_timing t;
    mn_radio_cfg n = cfg_of(MN_WIFI_N, 20, 3);
    CU_ASSERT_EQUAL(mn_radio_timing(&n, &t, NULL), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(t.sifs_s, 10 * US, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(t.signal_ext_s, 6 * US, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(t.data_header_s, 48 * US, 1e-15); /* 36 + 3 more HT-LTFs (4 for 3) */
    n.freq_mhz = 5180;
    CU_ASSERT_EQUAL(mn_radio_timing(&n, &t, NULL), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(t.sifs_s, 16 * US, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(t.signal_ext_s, 0, 0);
    mn_radio_cfg ac = cfg_of(MN_WIFI_AC, 80, 8);
    CU_ASSERT_EQUAL(mn_radio_timing(&ac, &t, NULL), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(t.data_header_s, 68 * US, 1e-15); /* 40 + 7 x 4 */
    mn_radio_cfg ax = cfg_of(MN_WIFI_AX, 20, 2);
    ax.freq_mhz = 2437;
    CU_ASSERT_EQUAL(mn_radio_timing(&ax, &t, NULL), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(t.data_header_s, 50.4 * US, 1e-15); /* 43.2 + 7.2 */
    CU_ASSERT_DOUBLE_EQUAL(t.signal_ext_s, 6 * US, 1e-15);
    mn_radio_cfg af = cfg_of(MN_WIFI_AF, 16, 1);
    CU_ASSERT_EQUAL(mn_radio_timing(&af, &t, NULL), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(t.data_symbol_s, 22.5 * US, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(t.ctrl_rate_bps, 2.4e6, 1e-6);
    af.width_mhz = 14;
    CU_ASSERT_EQUAL(mn_radio_timing(&af, &t, NULL), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(t.data_symbol_s, 30 * US, 1e-15);
}

static void test_radio_vap_cap_is_the_min_of_standard_and_resources(void)
{
    CU_ASSERT_EQUAL(mn_wifi_max_vaps(MN_WIFI_G), 5);
    CU_ASSERT_EQUAL(mn_wifi_max_vaps(MN_WIFI_N), 5);
    CU_ASSERT_EQUAL(mn_wifi_max_vaps(MN_WIFI_AC), 10);
    CU_ASSERT_EQUAL(mn_wifi_max_vaps(MN_WIFI_AF), 10);
    CU_ASSERT_EQUAL(mn_wifi_max_vaps(MN_WIFI_AX), 16);
    CU_ASSERT_EQUAL(mn_wifi_max_vaps(MN_WIFI_COUNT), 0);
    /* plenty of resources: the standard decides */
    CU_ASSERT_EQUAL(mn_radio_vap_cap(MN_WIFI_G, 8, 0.1, 8e9, 64e6), 5);
    CU_ASSERT_EQUAL(mn_radio_vap_cap(MN_WIFI_AX, 8, 0.1, 8e9, 64e6), 16);
    /* CPU decides: 0.3 / 0.1 = 3 (not 2 from rounding) */
    CU_ASSERT_EQUAL(mn_radio_vap_cap(MN_WIFI_AC, 0.3, 0.1, 8e9, 64e6), 3);
    /* memory decides: 1 GiB / 300 MiB = 3.4 -> 3 */
    CU_ASSERT_EQUAL(mn_radio_vap_cap(MN_WIFI_AC, 8, 0.1, 1024.0 * 1048576, 300.0 * 1048576), 3);
    /* per-vAP need 0: no limit from that resource */
    CU_ASSERT_EQUAL(mn_radio_vap_cap(MN_WIFI_AF, 0, 0, 0, 0), 10);
    CU_ASSERT_EQUAL(mn_radio_vap_cap(MN_WIFI_AF, 0.25, 0.1, 0, 0), 2);
    /* nothing free */
    CU_ASSERT_EQUAL(mn_radio_vap_cap(MN_WIFI_N, -1, 0.1, 8e9, 64e6), 0);
    CU_ASSERT_EQUAL(mn_radio_vap_cap(MN_WIFI_COUNT, 8, 0.1, 8e9, 64e6), 0);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_radio_bianchi_matches_an_independent_bisection),
        MN_TEST(test_radio_bianchi_collision_probability_rises_with_n),
        MN_TEST(test_radio_bianchi_rejects_bad_arguments),
        MN_TEST(test_radio_frame_times_match_hand_computation),
        MN_TEST(test_radio_airtime_per_byte_reproduces_bianchi_with_equal_rates),
        MN_TEST(test_radio_beacon_overhead_matches_hand_computation),
        MN_TEST(test_radio_rates_match_the_standard_tables),
        MN_TEST(test_radio_phy_rate_falls_with_distance_to_zero_past_range),
        MN_TEST(test_radio_phy_rate_matches_a_hand_computed_link_budget),
        MN_TEST(test_radio_af_reaches_farther_than_ac_at_equal_power),
        MN_TEST(test_radio_check_names_the_valid_values),
        MN_TEST(test_radio_std_parse_accepts_names_and_rejects_others),
        MN_TEST(test_radio_channel_numbers_map_to_centre_frequencies),
        MN_TEST(test_radio_timing_follows_band_clock_and_streams),
        MN_TEST(test_radio_vap_cap_is_the_min_of_standard_and_resources),
    };
    MN_SUITE("radio", cases);
}
