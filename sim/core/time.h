/*
 * time.h - simulated time: signed 64-bit nanoseconds, and duration text.
 *
 * Owns:      nothing (pure functions).
 * Invariant: mn_time is never a double inside the engine; equal-time order
 *            must not depend on rounding. Range: +/- 292 years.
 */
#ifndef MN_TIME_H
#define MN_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef int64_t mn_time;

#define MN_NS ((mn_time)1)
#define MN_US ((mn_time)1000)
#define MN_MS ((mn_time)1000000)
#define MN_SEC ((mn_time)1000000000)
#define MN_MIN (60 * MN_SEC)
#define MN_HOUR (3600 * MN_SEC)
#define MN_DAY (24 * MN_HOUR)
#define MN_TIME_MAX INT64_MAX

/*
 * Parses a non-negative duration with a unit: "250us", "10ms", "1.5s",
 * "2min", "24h", "1d". Units: ns us ms s min h d. Decimal fractions are exact
 * (no floating point); a value finer than 1 ns, a bare number, an unknown unit,
 * a negative value or an overflow is MN_EPARSE/MN_ERANGE with a message that
 * names the fix. `what` names the value in messages (e.g. "--end"); may be NULL.
 */
int mn_time_parse(const char *text, const char *what, mn_time *out, mn_err *err);

/*
 * Writes t in the largest unit that shows it exactly ("24h", "1.5ms",
 * "90s", "-3us", "0s"); mn_time_parse reads it back to the same value.
 * Returns the length that snprintf would have written.
 */
int mn_time_format(mn_time t, char *buf, size_t size);

/* Conversions for output and models that work in seconds. */
static inline double mn_time_to_sec(mn_time t)
{
    return (double)t / 1e9;
}
/* Rounds to the nearest nanosecond; saturates at +/-MN_TIME_MAX. */
mn_time mn_time_from_sec(double seconds);

#endif /* MN_TIME_H */
