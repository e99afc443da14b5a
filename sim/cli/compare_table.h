/*
 * compare_table.h - the results of a comparison (or a sweep): one row per
 * combination of settings, each metric's mean and 95% Student-t confidence
 * interval over the replications (seeds) of that combination, printed as a
 * text table or written as CSV.
 *
 * Owns:      its rows: their key strings (copies) and accumulators.
 * Borrows:   the key and metric names given to mn_cmp_init (they must
 *            outlive the table; string literals or a registry's names).
 * Invariant: rows keep the order they were added in; every cell is a
 *            mn_stat_welford fed in replication order, so the same runs give
 *            byte-identical CSV.
 *
 * Cell: mean = (x1 + ... + xK) / K, half = t(0.975, K - 1) * s / sqrt(K)
 * with s the sample standard deviation. Example: 1, 2, 3, 4, 5: mean 3,
 * s = 1.5811, t(0.975, 4) = 2.7764, half = 1.9632 ("3 ± 1.96" in the table,
 * "3,1.963243161" in CSV). K = 1 has no interval: "-" in the table, "n/a" in
 * CSV; so has a mean that is not finite (a metric a run could not measure).
 */
#ifndef MN_CLI_COMPARE_TABLE_H
#define MN_CLI_COMPARE_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/err.h"
#include "../core/stats.h"

#define MN_CMP_MAX_KEYS 8

typedef struct mn_cmp_row {
    char *keys[MN_CMP_MAX_KEYS]; /* owned */
    uint64_t n;                  /* replications added */
    mn_stat_welford *m;          /* owned: one per metric */
} mn_cmp_row;

typedef struct mn_cmp_table {
    const char *const *key_names; /* borrowed: e.g. placement, balancing, migration */
    size_t nkeys;
    const char *const *metric_names; /* borrowed */
    size_t nmetrics;
    const char *count_name; /* borrowed: the replications column ("seeds") */
    double level;           /* of the confidence interval: 0.95 */
    mn_cmp_row *rows;       /* owned */
    size_t nrows, rows_cap;
} mn_cmp_table;

/* An empty table (level 0.95, count column "seeds"); MN_EINVAL when nkeys > MN_CMP_MAX_KEYS. */
int mn_cmp_init(mn_cmp_table *t, const char *const *key_names, size_t nkeys,
                const char *const *metric_names, size_t nmetrics, mn_err *err);
void mn_cmp_fini(mn_cmp_table *t);

/* Appends a row with these nkeys key values (copied); *row_out: its index. MN_ENOMEM. */
int mn_cmp_add_row(mn_cmp_table *t, const char *const *keys, size_t *row_out, mn_err *err);

/* Adds one replication to a row: values[m] for every metric m. */
void mn_cmp_add(mn_cmp_table *t, size_t row, const double *values);

/*
 * A cell's mean (NaN with no replication) and, when it has one (K >= 2 and
 * a finite mean), the confidence half-width. Returns 1 with *half_out set,
 * else 0.
 */
int mn_cmp_cell(const mn_cmp_table *t, size_t row, size_t metric, double *mean_out,
                double *half_out);

/* The cell as the text table shows it: "3 ± 1.96", "3 ± -" (K = 1) or "n/a". */
void mn_cmp_format_cell(const mn_cmp_table *t, size_t row, size_t metric, char *buf, size_t len);

/* The table with aligned columns: keys, count, then one column per metric. */
void mn_cmp_print(const mn_cmp_table *t, FILE *f);

/* CSV: "<keys>,<count_name>,<metric>_mean,<metric>_ci95,..." and one line per row. */
void mn_cmp_csv_header(const mn_cmp_table *t, FILE *f);
void mn_cmp_csv_row(const mn_cmp_table *t, size_t row, FILE *f);

/* Header and every row into path, atomically (core/outfile.h); creates its directory. */
int mn_cmp_write_csv(const mn_cmp_table *t, const char *path, mn_err *err);

#endif /* MN_CLI_COMPARE_TABLE_H */
