/* distspec.c - random quantities in scenarios; see distspec.h. */
#include "distspec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = '\0';
    return s;
}

static int quantity(const char *text, const mn_quantity_kind *k, double *out, mn_err *err)
{
    uint64_t v;
    mn_err qerr = {0};
    if (mn_quantity_parse(k, text, NULL, &v, &qerr) != MN_OK)
        return MN_ERR(err, qerr.code, "%s", qerr.msg);
    *out = (double)v;
    return MN_OK;
}

int mn_distspec_parse(const char *text, const mn_quantity_kind *k, mn_distspec *out, mn_err *err)
{
    const char *open = strchr(text, '(');
    if (!open) {
        out->kind = MN_DIST_CONST;
        out->b = 0;
        return quantity(text, k, &out->a, err);
    }
    size_t len = strlen(text);
    if (len < 3 || text[len - 1] != ')')
        return MN_ERR(err, MN_EPARSE, "\"%s\" lacks its closing parenthesis", text);
    char name[32], args[256];
    snprintf(name, sizeof name, "%.*s", (int)(open - text), text);
    snprintf(args, sizeof args, "%.*s", (int)(len - (size_t)(open - text) - 2), open + 1);
    char *comma = strchr(args, ',');
    char *first = args, *second = NULL;
    if (comma) {
        *comma = '\0';
        second = comma + 1;
    }
    if (strcmp(name, "uniform") == 0) {
        if (!second)
            return MN_ERR(err, MN_EPARSE, "uniform takes two values, e.g. \"uniform(0s, 10min)\"");
        out->kind = MN_DIST_UNIFORM;
        int rc = quantity(trim(first), k, &out->a, err);
        if (rc == MN_OK)
            rc = quantity(trim(second), k, &out->b, err);
        if (rc == MN_OK && !(out->a <= out->b))
            return MN_ERR(err, MN_ERANGE, "uniform(lo, hi) needs lo <= hi in \"%s\"", text);
        return rc;
    }
    if (strcmp(name, "exponential") == 0) {
        if (second)
            return MN_ERR(err, MN_EPARSE, "exponential takes one value, its mean, e.g. \"exponential(100MB)\"");
        out->kind = MN_DIST_EXPONENTIAL;
        return quantity(trim(first), k, &out->a, err);
    }
    if (strcmp(name, "pareto") == 0) {
        if (!second)
            return MN_ERR(err, MN_EPARSE, "pareto takes a shape and a scale, e.g. \"pareto(1.5, 10MB)\"");
        out->kind = MN_DIST_PARETO;
        char *end;
        out->a = strtod(trim(first), &end);
        if (*end || !(out->a > 0))
            return MN_ERR(err, MN_ERANGE, "pareto's shape must be a number above zero in \"%s\"", text);
        return quantity(trim(second), k, &out->b, err);
    }
    return MN_ERR(err, MN_EPARSE,
                  "unknown distribution \"%s\"; use a value, uniform(lo, hi), exponential(mean) "
                  "or pareto(shape, scale)",
                  name);
}

uint64_t mn_distspec_draw(const mn_distspec *d, mn_rng *r)
{
    double x = d->a;
    switch (d->kind) {
    case MN_DIST_CONST:
        break;
    case MN_DIST_UNIFORM:
        x = d->a + (d->b - d->a) * mn_rng_uniform(r);
        break;
    case MN_DIST_EXPONENTIAL:
        x = mn_rng_exponential(r, d->a);
        break;
    case MN_DIST_PARETO:
        x = mn_rng_pareto(r, d->a, d->b);
        break;
    }
    if (!(x >= 0))
        return 0;
    if (x >= 1.8e19)
        return UINT64_MAX;
    return (uint64_t)llround(x);
}
