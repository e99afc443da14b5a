/*
 * quantity.h - scenario quantities: a decimal number and a unit, scaled
 * exactly to an integer count of a base unit (ns, bit/s, byte, mm), plus
 * radio powers in dBm.
 *
 * Owns:      nothing (pure functions over static unit tables).
 * Invariant: no floating point between the text and the integer: "1.1s" is
 *            1,100,000,000 ns and "1.5Mbps" 1,500,000 bit/s exactly. A value
 *            finer than the base unit, a bare number, an unknown unit or an
 *            overflow is an error whose message names the fix.
 */
#ifndef MN_QUANTITY_H
#define MN_QUANTITY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct mn_unit {
    const char *name;
    uint64_t factor; /* base units per unit */
} mn_unit;

/* What a quantity is: its units and how to talk about it in errors. */
typedef struct mn_quantity_kind {
    const char *noun;       /* "duration", "rate", "size", "distance" */
    const char *example;    /* a valid value, e.g. "10ms" */
    const char *base;       /* the resolution in words, e.g. "1 ns" */
    const mn_unit *units;
    size_t nunits;
    uint64_t max;           /* largest value accepted, in base units */
} mn_quantity_kind;

extern const mn_quantity_kind mn_qk_duration; /* ns: ns us ms s min h d */
extern const mn_quantity_kind mn_qk_rate;     /* bit/s: bps kbps Mbps Gbps Tbps */
extern const mn_quantity_kind mn_qk_size;     /* byte: B kB MB GB TB KiB MiB GiB TiB */
extern const mn_quantity_kind mn_qk_distance; /* mm: mm cm m km */
extern const mn_quantity_kind mn_qk_frequency; /* Hz: Hz kHz MHz GHz (CPU speed, channel width) */
extern const mn_quantity_kind mn_qk_electric_power; /* mW: mW W kW (what a box draws) */

/*
 * Parses a non-negative "<number><unit>" of kind k into base units (spaces
 * may separate the two). `where`
 * names the value in messages ("dc.xml:42: link l3 bandwidth"); may be NULL.
 * Errors: MN_EPARSE (not a number, no unit, unknown unit), MN_ERANGE
 * (negative, too large, finer than the base unit).
 */
int mn_quantity_parse(const mn_quantity_kind *k, const char *text, const char *where,
                      uint64_t *out, mn_err *err);

/*
 * A radio power: "20dBm", "-70dBm" (any sign), "100mW" or "1W" (converted:
 * dBm = 10 log10(mW)). Out in dBm. Errors as above; zero or negative watts
 * are MN_ERANGE.
 */
int mn_power_parse(const char *text, const char *where, double *dbm_out, mn_err *err);

#endif /* MN_QUANTITY_H */
