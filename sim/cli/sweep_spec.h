/*
 * sweep_spec.h - a sweep file (docs/sweeps.md) as loaded: the base scenario,
 * the parameters and their values, replications and the seed policy, and
 * its expansion into points (one setting of every parameter) and runs (one
 * replication of a point).
 *
 * Owns:      every string and array in an mn_sweep (mn_sweep_destroy frees all).
 * Invariant: parameter names are unique and fit a CSV header; every
 *            parameter has at least one value; the parameters of one <zip>
 *            have equally many values; policy names exist. Expansion is a
 *            pure function of the file: point p, run r = p * reps + k.
 *
 * Expansion: factors are the top-level <param>s and <zip>s in document
 * order, the first one outermost (it changes slowest). A <zip> is one factor
 * whose i-th setting takes the i-th value of each of its parameters. Example:
 * <param a values="1 2"/> <zip> <param b values="x y z"/> <param c values="7 8 9"/> </zip>
 * is 2 x 3 = 6 points: (1,x,7) (1,y,8) (1,z,9) (2,x,7) (2,y,8) (2,z,9).
 *
 * Seeds: seed-policy "common" (the default): replication k of every point
 * runs on seed S + k (S: the sweep's seed, else the base scenario's, else
 * 1), so points differ by their parameters, not by luck (common random
 * numbers, as `mnetsim compare`). "independent": SplitMix64 of S, a 64-bit
 * FNV-1a hash of the point's parameter names and values, and k, kept to 53
 * bits: the same point always gets the same seeds, whatever else the sweep
 * holds or in which order it lists them.
 */
#ifndef MN_CLI_SWEEP_SPEC_H
#define MN_CLI_SWEEP_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

#define MN_SWEEP_MAX_RUNS 10000000u

typedef enum { MN_SWEEP_XPATH, MN_SWEEP_POLICY } mn_sweep_target;

typedef struct mn_sweep_param {
    char *name;            /* owned */
    mn_sweep_target target;
    char *xpath;           /* owned: MN_SWEEP_XPATH */
    int policy;            /* mn_policy_kind: MN_SWEEP_POLICY */
    char **values;         /* owned: each owned */
    size_t nvalues;
    size_t factor;         /* the factor it belongs to */
    long line;             /* of the <param> in the sweep file */
    char *column;          /* owned: CSV column, name or name_unit ("uplink_Mbps") */
    char unit[16];         /* the values' common unit ("" none) */
    int numeric;           /* every value is a number with that unit: the column holds numbers */
} mn_sweep_param;

typedef struct mn_sweep {
    char *path;          /* owned: the sweep file */
    char *name;          /* owned: name="", else the file's base name without .xml */
    char *base;          /* owned: the base scenario, resolved against the sweep's directory */
    long base_line;
    uint64_t seed;       /* S */
    int seed_given;      /* seed="" in the file; else mn_sweep_check_base sets it from the base */
    int independent;     /* seed-policy="independent" */
    uint32_t reps;
    char **sets;         /* owned: fixed overrides "XPATH=VALUE" from <set> */
    long *set_lines;     /* owned */
    size_t nsets;
    mn_sweep_param *params; /* owned */
    size_t nparams;
    size_t *factor_len;  /* owned: settings of each factor */
    size_t nfactors;
    size_t npoints;
    char fingerprint[65]; /* set by mn_sweep_check_base: what a results directory belongs to */
} mn_sweep;

/*
 * Loads and checks a sweep file (schema, names, values, policy names,
 * counts); nothing is run and the base scenario is not read. Errors:
 * "file:line: what is wrong; the fix" with MN_EPARSE or MN_EINVAL (exit 2),
 * MN_EIO for an unreadable file, MN_ENOMEM. The caller destroys *out.
 */
int mn_sweep_load(const char *path, mn_sweep **out, mn_err *err);
/* Same from memory, buf read as the file `name` (for tests). */
int mn_sweep_load_memory(const char *buf, size_t len, const char *name, mn_sweep **out,
                         mn_err *err);
void mn_sweep_destroy(mn_sweep *sw);

/*
 * Reads the base scenario with the fixed overrides (its errors as the
 * scenario loader gives them; "needs a <world>"), checks that every xpath
 * parameter selects attributes of it (error at the <param>'s line), takes
 * the scenario's seed when the sweep gives none, and computes the
 * fingerprint: SHA-256 of the base scenario's bytes, the fixed overrides,
 * the seed, the seed policy and each parameter's name and target (not the
 * values or replications: adding some keeps the finished runs).
 */
int mn_sweep_check_base(mn_sweep *sw, mn_err *err);

/* Runs in all: npoints * reps. */
size_t mn_sweep_nruns(const mn_sweep *sw);
/* The index into params[i].values of point p. */
size_t mn_sweep_value_index(const mn_sweep *sw, size_t p, size_t i);
/* Borrowed: the value of parameter i at point p. */
const char *mn_sweep_value(const mn_sweep *sw, size_t p, size_t i);
/* The seed of replication k of point p (see the header comment). */
uint64_t mn_sweep_seed(const mn_sweep *sw, size_t p, uint32_t k);
/*
 * The point's directory name: its values joined by '_' (characters other
 * than letters, digits, '.', '+' and '-' become '-', at most 80 of them),
 * then '-' and 8 hex digits of the FNV-1a hash of its names and values,
 * e.g. "first-fit_none_500-1c2d3e4f"; "base-<hash>" with no parameter.
 */
void mn_sweep_point_id(const mn_sweep *sw, size_t p, char *buf, size_t len);

/*
 * The overrides of point p: the fixed ones, then "XPATH=VALUE" of each
 * xpath parameter; *sets_out (each string and the array: mn_sweep_sets_free)
 * and *policy_out[kind] (borrowed, NULL: the scenario's) for mn_run_opts.
 */
int mn_sweep_point_sets(const mn_sweep *sw, size_t p, char ***sets_out, size_t *nsets_out,
                        const char *policy_out[3], mn_err *err);
void mn_sweep_sets_free(char **sets, size_t nsets);

#endif /* MN_CLI_SWEEP_SPEC_H */
