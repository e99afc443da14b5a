/*
 * distspec.h - random quantities written in scenarios: "100MB" (constant),
 * "uniform(0s, 10min)", "exponential(100MB)" (mean), "pareto(1.5, 10MB)"
 * (shape, scale: P(X > x) = (scale/x)^shape). Values carry the units of
 * their quantity kind and are drawn in its base unit (ns, byte, bit/s, mm).
 *
 * Owns:      nothing.
 */
#ifndef MN_DISTSPEC_H
#define MN_DISTSPEC_H

#include "err.h"
#include "quantity.h"
#include "rng.h"

typedef enum mn_dist_kind { MN_DIST_CONST, MN_DIST_UNIFORM, MN_DIST_EXPONENTIAL, MN_DIST_PARETO } mn_dist_kind;

typedef struct mn_distspec {
    mn_dist_kind kind;
    double a, b; /* const: a; uniform: [a, b); exponential: mean a; pareto: shape a, scale b */
} mn_distspec;

/* Parses text; errors (MN_EPARSE, MN_ERANGE) say what is wrong and what to write. */
int mn_distspec_parse(const char *text, const mn_quantity_kind *k, mn_distspec *out, mn_err *err);

/* One draw, in base units, rounded to the nearest whole unit (>= 0). */
uint64_t mn_distspec_draw(const mn_distspec *d, mn_rng *r);

#endif /* MN_DISTSPEC_H */
