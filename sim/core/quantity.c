/* quantity.c - exact parsing of numbers with units; see quantity.h. */
#include "quantity.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_(a) (sizeof(a) / sizeof((a)[0]))

static const mn_unit duration_units[] = {
    {"ns", 1ULL},
    {"us", 1000ULL},
    {"ms", 1000000ULL},
    {"s", 1000000000ULL},
    {"min", 60000000000ULL},
    {"h", 3600000000000ULL},
    {"d", 86400000000000ULL},
};
const mn_quantity_kind mn_qk_duration = {"duration", "10ms", "1 ns", duration_units,
                                         N_(duration_units), INT64_MAX};

static const mn_unit rate_units[] = {
    {"bps", 1ULL}, {"kbps", 1000ULL}, {"Mbps", 1000000ULL}, {"Gbps", 1000000000ULL},
    {"Tbps", 1000000000000ULL},
};
const mn_quantity_kind mn_qk_rate = {"rate", "10Mbps", "1 bit/s", rate_units, N_(rate_units),
                                     UINT64_MAX};

static const mn_unit size_units[] = {
    {"B", 1ULL},          {"kB", 1000ULL},        {"MB", 1000000ULL},
    {"GB", 1000000000ULL}, {"TB", 1000000000000ULL}, {"KiB", 1ULL << 10},
    {"MiB", 1ULL << 20},  {"GiB", 1ULL << 30},    {"TiB", 1ULL << 40},
};
const mn_quantity_kind mn_qk_size = {"size", "4GiB", "1 byte", size_units, N_(size_units),
                                     UINT64_MAX};

static const mn_unit distance_units[] = {
    {"mm", 1ULL}, {"cm", 10ULL}, {"m", 1000ULL}, {"km", 1000000ULL},
};
const mn_quantity_kind mn_qk_distance = {"distance", "250m", "1 mm", distance_units,
                                         N_(distance_units), UINT64_MAX};

static const mn_unit frequency_units[] = {
    {"Hz", 1ULL}, {"kHz", 1000ULL}, {"MHz", 1000000ULL}, {"GHz", 1000000000ULL},
};
const mn_quantity_kind mn_qk_frequency = {"frequency", "2GHz", "1 Hz", frequency_units,
                                          N_(frequency_units), UINT64_MAX};

static const mn_unit electric_power_units[] = {
    {"mW", 1ULL}, {"W", 1000ULL}, {"kW", 1000000ULL},
};
const mn_quantity_kind mn_qk_electric_power = {"power", "12W", "1 mW", electric_power_units,
                                               N_(electric_power_units), UINT64_MAX};

static void list_units(const mn_quantity_kind *k, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < k->nunits && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? " " : "", k->units[i].name);
}

static const mn_unit *find_unit(const mn_quantity_kind *k, const char *name)
{
    for (size_t i = 0; i < k->nunits; i++)
        if (strcmp(k->units[i].name, name) == 0)
            return &k->units[i];
    return NULL;
}

/* Multiplies exactly; 0 on overflow. */
static int mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

int mn_quantity_parse(const mn_quantity_kind *k, const char *text, const char *where,
                      uint64_t *out, mn_err *err)
{
    const char *label = where ? where : k->noun;
    char units[128];
    list_units(k, units, sizeof units);
    const char *p = text;
    if (!text || !*text)
        return mn_err_set_at(err, MN_EPARSE, label, "empty %s; write e.g. \"%s\"", k->noun,
                             k->example);
    if (*p == '-')
        return mn_err_set_at(err, MN_ERANGE, label, "%s \"%s\" is negative", k->noun, text);
    if (*p == '+')
        p++;
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return mn_err_set_at(err, MN_EPARSE, label,
                             "\"%s\" is not a %s; write a number and a unit, e.g. \"%s\"", text,
                             k->noun, k->example);
    /* Integer and fraction digits, kept as integers so "1.1s" is exact. */
    uint64_t whole = 0;
    int overflow = 0;
    for (; isdigit((unsigned char)*p); p++)
        overflow |= !mul_ok(whole, 10, &whole) || __builtin_add_overflow(whole, (uint64_t)(*p - '0'), &whole);
    const char *frac = NULL;
    size_t nfrac = 0;
    if (*p == '.') {
        frac = ++p;
        while (isdigit((unsigned char)*p))
            p++;
        nfrac = (size_t)(p - frac);
    }
    const char *number_end = p;
    while (*p == ' ') /* "10 Mbps" reads like "10Mbps" */
        p++;
    if (!*p)
        return mn_err_set_at(err, MN_EPARSE, label,
                             "%s \"%s\" has no unit; write e.g. \"%.*s%s\" (units: %s)", k->noun,
                             text, (int)(number_end - text), text,
                             k->example + strspn(k->example, "0123456789."),
                             units);
    const mn_unit *u = find_unit(k, p);
    if (!u)
        return mn_err_set_at(err, MN_EPARSE, label, "%s \"%s\" has unknown unit \"%s\"; use one of %s",
                             k->noun, text, p, units);
    uint64_t value;
    if (overflow || !mul_ok(whole, u->factor, &value) || value > k->max)
        return mn_err_set_at(err, MN_ERANGE, label, "%s \"%s\" is too large", k->noun, text);
    /* The fraction f (n digits, trailing zeros dropped) adds f * factor / 10^n,
     * which must be whole: computed exactly in 128 bits (f < 10^19). */
    while (nfrac > 0 && frac[nfrac - 1] == '0')
        nfrac--;
    if (nfrac > 19)
        return mn_err_set_at(err, MN_ERANGE, label, "%s \"%s\" is finer than the %s resolution",
                             k->noun, text, k->base);
    unsigned __int128 f = 0, pow10 = 1;
    for (size_t i = 0; i < nfrac; i++) {
        f = f * 10 + (unsigned)(frac[i] - '0');
        pow10 *= 10;
    }
    unsigned __int128 scaled = f * u->factor;
    if (scaled % pow10 != 0)
        return mn_err_set_at(err, MN_ERANGE, label, "%s \"%s\" is finer than the %s resolution",
                             k->noun, text, k->base);
    unsigned __int128 total = (unsigned __int128)value + scaled / pow10;
    if (total > k->max)
        return mn_err_set_at(err, MN_ERANGE, label, "%s \"%s\" is too large", k->noun, text);
    value = (uint64_t)total;
    *out = value;
    return MN_OK;
}

int mn_power_parse(const char *text, const char *where, double *dbm_out, mn_err *err)
{
    const char *label = where ? where : "power";
    if (!text || !*text)
        return mn_err_set_at(err, MN_EPARSE, label, "empty power; write e.g. \"20dBm\"");
    char *end;
    double v = strtod(text, &end);
    if (end == text || !isfinite(v) || isspace((unsigned char)*text) || toupper((unsigned char)text[strspn(text, "+-")]) == 'I' || toupper((unsigned char)text[strspn(text, "+-")]) == 'N')
        return mn_err_set_at(err, MN_EPARSE, label,
                             "\"%s\" is not a power; write a number and a unit, e.g. \"20dBm\"",
                             text);
    while (*end == ' ')
        end++;
    if (!*end)
        return mn_err_set_at(err, MN_EPARSE, label,
                             "power \"%s\" has no unit; write e.g. \"%sdBm\" (units: dBm mW W)",
                             text, text);
    if (strcmp(end, "dBm") == 0) {
        *dbm_out = v;
        return MN_OK;
    }
    double mw;
    if (strcmp(end, "mW") == 0)
        mw = v;
    else if (strcmp(end, "W") == 0)
        mw = v * 1000;
    else
        return mn_err_set_at(err, MN_EPARSE, label,
                             "power \"%s\" has unknown unit \"%s\"; use one of dBm mW W", text,
                             end);
    if (!(mw > 0))
        return mn_err_set_at(err, MN_ERANGE, label,
                             "power \"%s\" must be above zero in mW or W (or give dBm)", text);
    *dbm_out = 10 * log10(mw);
    return MN_OK;
}
