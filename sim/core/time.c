/* time.c - duration parsing and printing; see time.h. */
#include "time.h"

#include "quantity.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int mn_time_parse(const char *text, const char *what, mn_time *out, mn_err *err)
{
    uint64_t ns;
    int rc = mn_quantity_parse(&mn_qk_duration, text, what, &ns, err);
    if (rc == MN_OK)
        *out = (mn_time)ns; /* mn_qk_duration.max is INT64_MAX */
    return rc;
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
    static const struct {
        const char *name;
        mn_time ns;
    } decimal[] = {{"s", MN_SEC}, {"ms", MN_MS}, {"us", MN_US}};
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
