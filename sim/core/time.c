/* time.c - duration parsing and printing; see time.h. */
#include "time.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct unit {
    const char *name;
    mn_time ns;
} units[] = {
    {"ns", MN_NS}, {"us", MN_US},    {"ms", MN_MS},   {"s", MN_SEC},
    {"min", MN_MIN}, {"h", MN_HOUR}, {"d", MN_DAY},
};

static const struct unit *find_unit(const char *name)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(units[i].name, name) == 0)
            return &units[i];
    return NULL;
}

int mn_time_parse(const char *text, const char *what, mn_time *out, mn_err *err)
{
    const char *label = what ? what : "duration";
    const char *p = text;
    if (!text || !*text)
        return mn_err_set_at(err, MN_EPARSE, label, "empty duration; write e.g. \"10ms\"");
    if (*p == '-')
        return mn_err_set_at(err, MN_ERANGE, label, "duration \"%s\" is negative", text);
    if (*p == '+')
        p++;
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return mn_err_set_at(err, MN_EPARSE, label,
                             "\"%s\" is not a duration; write a number and a unit, e.g. \"10ms\"",
                             text);
    /* Integer and fraction digits, kept as integers so "1.1s" is exact. */
    uint64_t whole = 0;
    int whole_overflow = 0;
    for (; isdigit((unsigned char)*p); p++) {
        if (whole > (UINT64_MAX - 9) / 10)
            whole_overflow = 1;
        else
            whole = whole * 10 + (uint64_t)(*p - '0');
    }
    char frac[32];
    size_t nfrac = 0;
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p); p++) {
            if (nfrac + 1 >= sizeof frac)
                return mn_err_set_at(err, MN_EPARSE, label,
                                     "duration \"%s\" has too many decimals", text);
            frac[nfrac++] = *p;
        }
    }
    frac[nfrac] = '\0';
    if (!*p)
        return mn_err_set_at(err, MN_EPARSE, label,
                             "duration \"%s\" has no unit; write e.g. \"%sms\" (units: ns us "
                             "ms s min h d)",
                             text, text);
    const struct unit *u = find_unit(p);
    if (!u)
        return mn_err_set_at(err, MN_EPARSE, label,
                             "duration \"%s\" has unknown unit \"%s\"; use one of ns us ms s "
                             "min h d",
                             text, p);
    if (whole_overflow || whole > (uint64_t)(MN_TIME_MAX / u->ns))
        return mn_err_set_at(err, MN_ERANGE, label,
                             "duration \"%s\" is too long (at most about 292 years)", text);
    mn_time ns = (mn_time)whole * u->ns;
    /* Fraction: digits d1..dk give sum(di * unit / 10^i); must land on a whole ns. */
    mn_time scale = u->ns;
    for (size_t i = 0; i < nfrac; i++) {
        int digit = frac[i] - '0';
        if (scale % 10 != 0) {
            if (digit != 0 || strspn(frac + i, "0") != strlen(frac + i))
                return mn_err_set_at(err, MN_ERANGE, label,
                                     "duration \"%s\" is finer than the 1 ns resolution",
                                     text);
            break;
        }
        scale /= 10;
        if (ns > MN_TIME_MAX - digit * scale)
            return mn_err_set_at(err, MN_ERANGE, label,
                                 "duration \"%s\" is too long (at most about 292 years)", text);
        ns += digit * scale;
    }
    *out = ns;
    return MN_OK;
}

int mn_time_format(mn_time t, char *buf, size_t size)
{
    if (t == 0)
        return snprintf(buf, size, "0s");
    const char *sign = t < 0 ? "-" : "";
    /* INT64_MIN has no positive counterpart; print it in ns. */
    if (t == INT64_MIN)
        return snprintf(buf, size, "%" PRId64 "ns", t);
    uint64_t mag = (uint64_t)(t < 0 ? -t : t);
    if (mag % (uint64_t)MN_DAY == 0)
        return snprintf(buf, size, "%s%" PRIu64 "d", sign, mag / (uint64_t)MN_DAY);
    if (mag % (uint64_t)MN_HOUR == 0)
        return snprintf(buf, size, "%s%" PRIu64 "h", sign, mag / (uint64_t)MN_HOUR);
    if (mag % (uint64_t)MN_MIN == 0)
        return snprintf(buf, size, "%s%" PRIu64 "min", sign, mag / (uint64_t)MN_MIN);
    static const struct unit decimal[] = {{"s", MN_SEC}, {"ms", MN_MS}, {"us", MN_US}};
    for (size_t i = 0; i < sizeof decimal / sizeof decimal[0]; i++) {
        uint64_t unit = (uint64_t)decimal[i].ns;
        if (mag < unit)
            continue;
        uint64_t rem = mag % unit;
        if (rem == 0)
            return snprintf(buf, size, "%s%" PRIu64 "%s", sign, mag / unit, decimal[i].name);
        /* Exact decimal fraction: unit is a power of ten. */
        int digits = 0;
        for (uint64_t v = unit; v > 1; v /= 10)
            digits++;
        char fracbuf[24];
        size_t len = 0;
        for (int d = digits - 1; d >= 0; d--) {
            uint64_t pow10 = 1;
            for (int k = 0; k < d; k++)
                pow10 *= 10;
            fracbuf[len++] = (char)('0' + rem / pow10 % 10);
        }
        fracbuf[len] = '\0';
        while (len > 0 && fracbuf[len - 1] == '0')
            fracbuf[--len] = '\0';
        return snprintf(buf, size, "%s%" PRIu64 ".%s%s", sign, mag / unit, fracbuf,
                        decimal[i].name);
    }
    return snprintf(buf, size, "%s%" PRIu64 "ns", sign, mag);
}

mn_time mn_time_from_sec(double seconds)
{
    double ns = seconds * 1e9;
    if (ns >= 9.2233720368547748e18)
        return MN_TIME_MAX;
    if (ns <= -9.2233720368547748e18)
        return -MN_TIME_MAX;
    return (mn_time)llround(ns);
}
