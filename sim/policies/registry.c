/*
 * registry.c - the tables of placement, balancing and migration policies.
 * A new policy is one file ending in its ops struct plus one line here; the
 * contract tests (tests/policies/test_policies.c) walk these tables.
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"

/* One line per policy: X(its ops struct), in listing order. */
#define PLACEMENT(X)                                                                               \
    X(mn_place_first_fit)                                                                          \
    X(mn_place_best_fit)                                                                           \
    X(mn_place_worst_fit)                                                                          \
    X(mn_place_random)                                                                             \
    X(mn_place_nearest)                                                                            \
    X(mn_place_energy)
#define BALANCING(X)                                                                               \
    X(mn_lb_strongest) /* the simulator's built-in association */                                  \
    X(mn_lb_least_loaded)                                                                          \
    X(mn_lb_sla_aware)
#define MIGRATION(X)                                                                               \
    X(mn_mig_none)                                                                                 \
    X(mn_mig_threshold)                                                                            \
    X(mn_mig_follow)                                                                               \
    X(mn_mig_consolidate)

#define DECLARE_PLACE(ops) extern const mn_place_ops ops;
#define DECLARE_LB(ops) extern const mn_lb_ops ops;
#define DECLARE_MIG(ops) extern const mn_mig_ops ops;
PLACEMENT(DECLARE_PLACE)
BALANCING(DECLARE_LB)
MIGRATION(DECLARE_MIG)

#define ENTRY(ops) &ops,
static const mn_place_ops *const place_registry[] = {PLACEMENT(ENTRY)};
static const mn_lb_ops *const lb_registry[] = {BALANCING(ENTRY)};
static const mn_mig_ops *const mig_registry[] = {MIGRATION(ENTRY)};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kind_names[MN_POLICY_KINDS] = {"placement", "balancing", "migration"};

const char *mn_policy_kind_name(mn_policy_kind k)
{
    return (unsigned)k < MN_POLICY_KINDS ? kind_names[k] : "unknown";
}

int mn_policy_kind_parse(const char *s)
{
    for (int k = 0; s && k < MN_POLICY_KINDS; k++)
        if (strcmp(s, kind_names[k]) == 0)
            return k;
    return -1;
}

const char *mn_policy_name(mn_policy_kind k, size_t i, const char **summary)
{
    const char *name = NULL, *sum = NULL;
    switch (k) {
    case MN_POLICY_PLACEMENT:
        if (i < COUNT(place_registry)) {
            name = place_registry[i]->name;
            sum = place_registry[i]->summary;
        }
        break;
    case MN_POLICY_BALANCING:
        if (i < COUNT(lb_registry)) {
            name = lb_registry[i]->name;
            sum = lb_registry[i]->summary;
        }
        break;
    case MN_POLICY_MIGRATION:
        if (i < COUNT(mig_registry)) {
            name = mig_registry[i]->name;
            sum = mig_registry[i]->summary;
        }
        break;
    default:
        break;
    }
    if (summary)
        *summary = sum;
    return name;
}

/* The index of name among the policies of kind k, or -1 with err listing the valid names. */
static long find(mn_policy_kind k, const char *name, mn_err *err)
{
    const char *n;
    for (size_t i = 0; name && (n = mn_policy_name(k, i, NULL)) != NULL; i++)
        if (strcmp(n, name) == 0)
            return (long)i;
    char names[192] = "";
    for (size_t i = 0; (n = mn_policy_name(k, i, NULL)) != NULL; i++) {
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "", n);
    }
    MN_ERR(err, MN_EINVAL, "unknown %s policy \"%.40s\"; valid: %s", mn_policy_kind_name(k),
           name ? name : "(null)", names);
    return -1;
}

int mn_policy_check(mn_policy_kind k, const char *name, mn_err *err)
{
    return find(k, name, err) < 0 ? MN_EINVAL : MN_OK;
}

const mn_place_ops *mn_place_lookup(const char *name, mn_err *err)
{
    long i = find(MN_POLICY_PLACEMENT, name, err);
    return i < 0 ? NULL : place_registry[i];
}

const mn_lb_ops *mn_lb_lookup(const char *name, mn_err *err)
{
    long i = find(MN_POLICY_BALANCING, name, err);
    return i < 0 ? NULL : lb_registry[i];
}

const mn_mig_ops *mn_mig_lookup(const char *name, mn_err *err)
{
    long i = find(MN_POLICY_MIGRATION, name, err);
    return i < 0 ? NULL : mig_registry[i];
}
