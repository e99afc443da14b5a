/*
 * radio.h - 802.11 PHY/MAC model of one access-point radio: distance ->
 * received power -> MCS -> PHY rate, frame airtimes, beacon overhead,
 * Bianchi's DCF saturation model and the vAP (SSID) cap per radio.
 * Standards: 802.11g (ERP-OFDM), n (HT), ac (VHT), af (TVHT), ax (HE).
 *
 * Owns:      nothing; every function is pure (no global state, no
 *            allocation, thread-safe). The tables are static const.
 * Borrows:   the mn_radio_cfg passed to each call.
 * Invariant: a config that passes mn_radio_check gives finite results;
 *            the functions that return a double give NaN for a config
 *            that does not (check once when loading, not per call).
 *
 * Units: rates in bit/s, times in seconds, powers in dBm, gains and losses
 * in dB, distances in metres, frequencies and widths in MHz, sizes in bytes.
 * Sources of every figure are in radio.c next to the figure, and in
 * docs/models-radio.md; "802.11-2016" is IEEE Std 802.11-2016,
 * "802.11ax-2021" its HE amendment, "Bianchi 2000" is G. Bianchi,
 * "Performance Analysis of the IEEE 802.11 Distributed Coordination
 * Function", IEEE JSAC 18(3), 2000.
 *
 * Worked example (802.11g, 54 Mb/s, 1500-byte payload, one station):
 *   DATA = 20 us + ceil((16 + 8 (36 + 1500) + 6) / 216) 4 us + 6 us = 254 us
 *   ACK  = 20 us + ceil((16 + 8 * 14 + 6) / 24) 4 us + 6 us         =  50 us
 *   T_s  = DATA + SIFS 10 + ACK + DIFS 28                          = 342 us
 *   n = 1: tau = 2 / (W + 1) = 2/17, mean idle slots per success
 *   (1 - tau) / tau = 7.5, so 7.5 * 9 us + 342 us = 409.5 us per packet:
 *   12000 bits / 409.5 us = 29.30 Mb/s of payload.
 */
#ifndef MN_RADIO_H
#define MN_RADIO_H

#include <stdbool.h>

#include "core/err.h"

typedef enum mn_wifi_std {
    MN_WIFI_G,  /* 802.11g, ERP-OFDM, 2.4 GHz (802.11-2016 Clauses 17, 18) */
    MN_WIFI_N,  /* 802.11n, HT, 2.4 or 5 GHz (802.11-2016 Clause 19) */
    MN_WIFI_AC, /* 802.11ac, VHT, 5 GHz (802.11-2016 Clause 21) */
    MN_WIFI_AF, /* 802.11af, TVHT, TV white space (802.11-2016 Clause 22) */
    MN_WIFI_AX, /* 802.11ax, HE, 2.4 or 5 GHz (802.11ax-2021 Clause 27) */
    MN_WIFI_COUNT
} mn_wifi_std;

/*
 * "g", "n", "ac", "af", "ax", optionally prefixed "802.11" ("802.11ac"),
 * case-insensitive. MN_EINVAL (message lists the valid names) otherwise.
 */
int mn_wifi_std_parse(const char *name, mn_wifi_std *out, mn_err *err);
/* "802.11g" ...; "unknown" for a value out of range. Static storage. */
const char *mn_wifi_std_name(mn_wifi_std s);

typedef struct mn_radio_cfg {
    mn_wifi_std std;
    /*
     * Channel width, MHz. g: 20; n: 20, 40; ac and ax: 20, 40, 80, 160;
     * af: 6, 7 or 8 (one TVHT basic channel unit, BCU) or 2 or 4 bonded
     * units: 12, 14, 16 (TVHT_2W) and 24, 28, 32 (TVHT_4W).
     */
    double width_mhz;
    unsigned streams;       /* spatial streams: g 1; n 1-4; ac 1-8; ax 1-8; af 1-4 */
    double tx_power_dbm;    /* conducted transmit power; default 20 */
    double freq_mhz;        /* carrier; default g/n 2437 (ch 6), ac/ax 5180 (ch 36), af 600 */
    double path_loss_exp;   /* log-distance exponent n; default 3.0 (indoor, assumed) */
    double ref_loss_db;     /* loss at d0 = 1 m; < 0: free space 20 log10(4 pi d0 f / c) */
    double gains_db;        /* tx + rx antenna gains minus other losses; default 0 */
    double noise_adjust_db; /* added to every sensitivity (noise figure, interference
                               margin); default 0 */
    bool beacon_dsss;       /* 2.4 GHz only: beacons at 1 Mb/s DSSS, 192 us long preamble
                               (a BSS open to 802.11b stations); default false: OFDM */
} mn_radio_cfg;

/*
 * Defaults for a standard: the narrowest width (20 MHz; af 6 MHz), 1 stream,
 * and the defaults given with the fields. An out-of-range s gives a config
 * that mn_radio_check rejects.
 */
void mn_radio_cfg_default(mn_wifi_std s, mn_radio_cfg *out);

/*
 * MN_OK, or MN_EINVAL with a message saying what is valid, e.g.
 * "802.11n allows width 20 or 40 MHz, not 80". Checks the width and stream
 * count for the standard, that every double is finite, that freq_mhz and
 * path_loss_exp are > 0, and that beacon_dsss is only set below 3 GHz.
 */
int mn_radio_check(const mn_radio_cfg *c, mn_err *err);

/*
 * Centre frequency (MHz) of a channel number. g: 1-13 (2407 + 5 ch), 14
 * (2484); n and ax: those and 36-177 (5000 + 5 ch); ac: 36-177; af: UHF TV
 * channels 14-69 on the US 6 MHz raster (473 + 6 (ch - 14)). MN_ERANGE with
 * the valid range otherwise.
 */
int mn_wifi_channel_freq(mn_wifi_std s, int channel, double *mhz, mn_err *err);

/* Free-space loss at 1 m, 20 log10(4 pi f / c), dB. */
double mn_radio_fspl_1m_db(double freq_mhz);

/*
 * Received power (dBm) at dist_m: Ptx + gains - PL(d), with the
 * log-distance model PL(d) = PL(1 m) + 10 n log10(d / 1 m); d < 1 m counts
 * as 1 m (the model is not valid in the near field).
 */
double mn_radio_rx_dbm(const mn_radio_cfg *c, double dist_m);

/* MCS indices 0 .. count-1 exist for the standard: g 8 (6..54 Mb/s), n 8
 * (per-stream HT index; the HT MCS number is 8 (streams - 1) + index),
 * ac and af 10, ax 12. */
int mn_radio_mcs_count(const mn_radio_cfg *c);
/* Data rate (bit/s, 800 ns GI or its TVHT equivalent) of an MCS with the
 * config's width and streams; 0 for a combination the standard excludes
 * (VHT MCS 9 at 20 MHz with 1 stream, ...) or an index out of range. */
double mn_radio_mcs_rate(const mn_radio_cfg *c, int mcs);
/* Minimum sensitivity (dBm) of an MCS for the config's width, plus
 * noise_adjust_db; NaN for an index out of range. */
double mn_radio_mcs_sens_dbm(const mn_radio_cfg *c, int mcs);

/*
 * PHY rate (bit/s) at dist_m: the highest valid MCS whose sensitivity
 * (+ noise_adjust_db) is <= the received power. 0 (and *mcs_out = -1) out
 * of range. mcs_out may be NULL.
 */
double mn_radio_phy_rate(const mn_radio_cfg *c, double dist_m, int *mcs_out);
/* Largest distance (m) with a non-zero PHY rate, from MCS 0's sensitivity:
 * 10^((Ptx + gains - PL(1 m) - sens0) / (10 n)); 0 if even 1 m is out of
 * range. */
double mn_radio_range_m(const mn_radio_cfg *c);
/* Rate (bit/s) of the top valid MCS for the width and streams. */
double mn_radio_max_rate(const mn_radio_cfg *c);

/*
 * MAC and PHY timing of a standard (802.11-2016 and 802.11ax-2021 PHY
 * characteristics tables; the values and their sources are in radio.c).
 * DIFS = SIFS + 2 slot (802.11-2016 10.3.2.3.5). Data frames are sent at
 * the data rate; ACKs and beacons are non-HT PPDUs at ctrl_rate_bps.
 */
typedef struct mn_wifi_timing {
    double slot_s;               /* aSlotTime */
    double sifs_s;               /* aSIFSTime */
    double difs_s;               /* SIFS + 2 slot */
    double signal_ext_s;         /* 6 us idle after every OFDM PPDU in 2.4 GHz (ERP, HT, HE) */
    double data_header_s;        /* preamble + SIG fields of a data PPDU (1 stream in the
                                    tables; mn_radio_timing adds the extra training fields) */
    double ltf_s;                /* one long training field (HT-/VHT-/HE-/TVHT-LTF) */
    double data_symbol_s;        /* data OFDM symbol with its guard interval */
    double ctrl_rate_bps;        /* rate of ACKs and beacons (lowest mandatory rate) */
    double ctrl_header_s;        /* PHY header of ACKs and beacons */
    double ctrl_symbol_s;        /* their OFDM symbol */
    unsigned cw_min, cw_max;     /* contention window, slots (aCWmin, aCWmax) */
    unsigned backoff_stages;     /* Bianchi's m: cw_max + 1 = 2^m (cw_min + 1) */
    unsigned service_bits;       /* SERVICE field, 16 */
    unsigned tail_bits;          /* BCC tail, 6 (one encoder) */
    unsigned ack_bytes;          /* ACK frame, 14 */
    unsigned mac_overhead_bytes; /* MAC header + FCS + LLC/SNAP (+ MPDU delimiter) per data frame */
} mn_wifi_timing;

/*
 * The standard's timing in its usual band: g and n at 2.4 GHz, ac and ax at
 * 5 GHz, af for 6 and 7 MHz channel units. NULL for an out-of-range s.
 */
const mn_wifi_timing *mn_wifi_timing_of(mn_wifi_std s);
/*
 * The timing of a config: the band from freq_mhz (n and ax below 3 GHz use
 * the 2.4 GHz SIFS and signal extension), af 8 MHz units (clock 4/3 times
 * faster than 6/7 MHz), and data_header_s with the training fields of
 * `streams` (1, 2, 4, 4, 6, 6, 8, 8 LTFs for 1..8 streams).
 */
int mn_radio_timing(const mn_radio_cfg *c, mn_wifi_timing *out, mn_err *err);

/* Air time (s) of a data PPDU: header + ceil(bits / (rate x symbol)) symbols
 * (+ signal extension), bits = service + 8 (MAC overhead + payload) + tail. */
double mn_wifi_frame_time(const mn_radio_cfg *c, double phy_rate, double payload_bytes);
/* Air time (s) of an ACK at the control rate. */
double mn_wifi_ack_time(const mn_radio_cfg *c);
/*
 * Bianchi 2000 basic access, propagation delay taken as 0 (< 1 us at
 * 300 m): T_s = DATA + SIFS + ACK + DIFS, T_c = DATA + DIFS (Bianchi's
 * T_c; the standard's EIFS would add SIFS + ACK, see the docs).
 */
double mn_wifi_ts(const mn_radio_cfg *c, double phy_rate, double payload_bytes);
double mn_wifi_tc(const mn_radio_cfg *c, double phy_rate, double payload_bytes);

/*
 * Bianchi's saturation model (Bianchi 2000, eqs. (7), (9), (13)):
 *   tau = 2 (1 - 2p) / ((1 - 2p)(W + 1) + p W (1 - (2p)^m))
 *   p   = 1 - (1 - tau)^(n - 1)
 *   P_tr = 1 - (1 - tau)^n,  P_s = n tau (1 - tau)^(n - 1) / P_tr
 *   S   = P_s P_tr E[P] / ((1 - P_tr) sigma + P_tr P_s T_s + P_tr (1 - P_s) T_c)
 * with E[P] = payload_bits and times in seconds, so S is in bit/s.
 */
typedef struct mn_bianchi {
    double tau;             /* probability a station transmits in a slot */
    double p;               /* conditional collision probability */
    double p_tr;            /* at least one transmission in a slot */
    double p_s;             /* a transmission succeeds, given one happens */
    double throughput_bps;  /* S, payload bits per second, all stations together */
    double success_cycle_s; /* ((1-P_tr) sigma + P_tr P_s T_s + P_tr (1-P_s) T_c) / (P_tr P_s):
                               mean channel time per successful packet */
} mn_bianchi;

/*
 * Solves the fixed point for n >= 1 saturated stations, W = CWmin + 1 >= 2,
 * m <= 32 backoff stages, slot sigma, T_s, T_c (s, > 0) and payload_bits > 0.
 * n = 1 gives p = 0, tau = 2 / (W + 1). MN_EINVAL on bad arguments.
 */
int mn_bianchi_solve(unsigned n, unsigned W, unsigned m, double sigma, double ts, double tc,
                     double payload_bits, mn_bianchi *out, mn_err *err);

/*
 * Air time (s) the radio spends per delivered payload byte of one station
 * at phy_rate when n_contenders saturated stations (this one included)
 * share the channel under DCF:
 *   airtime = (T_s(R) + O(n, R)) / L
 *   O(n, R) = ((1 - P_tr) sigma + P_tr (1 - P_s) T_c(R)) / (P_tr P_s)
 * i.e. the station's own exchange plus the idle slots and collisions that
 * DCF spends per successful packet, collisions charged at the station's
 * own frame length. Equivalently Bianchi's success_cycle_s at rate R over L,
 * so with equal rates 8 / airtime is exactly Bianchi's S. With mixed rates,
 * giving all stations equal throughput x under sum_i x airtime_i <= 1
 * reproduces the performance anomaly (Heusse et al., INFOCOM 2003).
 * L = payload_bytes > 0, phy_rate > 0, n_contenders >= 1.
 */
int mn_radio_airtime_per_byte(const mn_radio_cfg *c, double phy_rate, unsigned n_contenders,
                              double payload_bytes, double *out, mn_err *err);

/* Beacons: every SSID (vAP) of the radio sends one per interval. */
#define MN_WIFI_BEACON_INTERVAL_S 0.1024 /* 100 TU of 1024 us (802.11-2016 3.1, TU) */
#define MN_WIFI_BEACON_BYTES 300.0       /* assumed typical beacon MPDU with several IEs */

/* Air time (s) of one beacon of beacon_bytes (whole MPDU): a non-HT PPDU at
 * the control rate, or 192 us + 8 bytes / 1 Mb/s with beacon_dsss. */
double mn_wifi_beacon_time(const mn_radio_cfg *c, double beacon_bytes);
/* Fraction of air time: nssid * beacon_time / interval_s, capped at 1. */
double mn_wifi_beacon_overhead(const mn_radio_cfg *c, unsigned nssid, double beacon_bytes,
                               double interval_s);

/*
 * vAPs (SSIDs) one radio of the standard can hold, from the reference paper
 * ("g or n ... between three and five"; "802.11ac or 802.11af will support
 * much more"; "three to ten"): g 5, n 5, ac 10, af 10; ax 16 is our
 * assumption. 0 for an out-of-range s.
 */
unsigned mn_wifi_max_vaps(mn_wifi_std s);
/*
 * min(mn_wifi_max_vaps(s), floor(cpu_free / cpu_per_vap),
 *     floor(mem_free / mem_per_vap)); a per-vAP need <= 0 puts no limit on
 * that resource; free amounts below 0 count as 0. Units are the caller's
 * (cores, bytes), the same for free and per-vAP.
 */
unsigned mn_radio_vap_cap(mn_wifi_std s, double cpu_free, double cpu_per_vap, double mem_free,
                          double mem_per_vap);

#endif /* MN_RADIO_H */
