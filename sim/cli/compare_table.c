/* compare_table.c - means and Student-t intervals per combination; see compare_table.h. */
#include "compare_table.h"

#include <math.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/outfile.h"

int mn_cmp_init(mn_cmp_table *t, const char *const *key_names, size_t nkeys,
                const char *const *metric_names, size_t nmetrics, mn_err *err)
{
    memset(t, 0, sizeof *t);
    if (nkeys > MN_CMP_MAX_KEYS)
        return MN_ERR(err, MN_EINVAL, "a comparison table has at most %d key columns, not %zu",
                      MN_CMP_MAX_KEYS, nkeys);
    t->key_names = key_names;
    t->nkeys = nkeys;
    t->metric_names = metric_names;
    t->nmetrics = nmetrics;
    t->count_name = "seeds";
    t->level = 0.95;
    return MN_OK;
}

static void row_fini(mn_cmp_row *r, size_t nkeys)
{
    for (size_t k = 0; k < nkeys; k++)
        mn_free(r->keys[k]);
    mn_free(r->m);
}

void mn_cmp_fini(mn_cmp_table *t)
{
    for (size_t i = 0; i < t->nrows; i++)
        row_fini(&t->rows[i], t->nkeys);
    mn_free(t->rows);
    t->rows = NULL;
    t->nrows = t->rows_cap = 0;
}

int mn_cmp_add_row(mn_cmp_table *t, const char *const *keys, size_t *row_out, mn_err *err)
{
    if (mn_array_reserve((void **)&t->rows, &t->rows_cap, t->nrows + 1, sizeof *t->rows) != 0)
        return MN_ERR(err, MN_ENOMEM, "out of memory for the comparison table");
    mn_cmp_row *r = &t->rows[t->nrows];
    memset(r, 0, sizeof *r);
    r->m = mn_calloc(t->nmetrics ? t->nmetrics : 1, sizeof *r->m);
    int ok = r->m != NULL;
    for (size_t k = 0; ok && k < t->nkeys; k++)
        ok = (r->keys[k] = mn_strdup(keys[k] ? keys[k] : "")) != NULL;
    if (!ok) {
        row_fini(r, t->nkeys);
        return MN_ERR(err, MN_ENOMEM, "out of memory for the comparison table");
    }
    for (size_t m = 0; m < t->nmetrics; m++)
        mn_stat_welford_init(&r->m[m]);
    *row_out = t->nrows++;
    return MN_OK;
}

void mn_cmp_add(mn_cmp_table *t, size_t row, const double *values)
{
    mn_cmp_row *r = &t->rows[row];
    r->n++;
    for (size_t m = 0; m < t->nmetrics; m++)
        mn_stat_welford_add(&r->m[m], values[m]);
}

int mn_cmp_cell(const mn_cmp_table *t, size_t row, size_t metric, double *mean_out,
                double *half_out)
{
    const mn_stat_welford *w = &t->rows[row].m[metric];
    *mean_out = w->n ? w->mean : NAN;
    double half;
    if (!isfinite(*mean_out) || mn_stat_welford_ci(w, t->level, &half) != MN_OK || !isfinite(half))
        return 0;
    *half_out = half;
    return 1;
}

void mn_cmp_format_cell(const mn_cmp_table *t, size_t row, size_t metric, char *buf, size_t len)
{
    double mean, half;
    int has_half = mn_cmp_cell(t, row, metric, &mean, &half);
    if (!isfinite(mean))
        snprintf(buf, len, "n/a");
    else if (has_half)
        snprintf(buf, len, "%.4g ± %.3g", mean, half);
    else
        snprintf(buf, len, "%.4g ± -", mean);
}

/* Columns on a terminal: UTF-8 continuation bytes (of "±") take none. */
static size_t display_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void pad(FILE *f, const char *s, size_t width, int right)
{
    size_t w = display_width(s);
    if (right)
        for (size_t i = w; i < width; i++)
            fputc(' ', f);
    fputs(s, f);
    if (!right)
        for (size_t i = w; i < width; i++)
            fputc(' ', f);
}

#define CELL_LEN 64

void mn_cmp_print(const mn_cmp_table *t, FILE *f)
{
    size_t ncols = t->nkeys + 1 + t->nmetrics;
    size_t *widths = mn_calloc(ncols, sizeof *widths);
    if (!widths)
        return; /* out of memory: the CSV still holds everything */
    char cell[CELL_LEN];
    for (size_t c = 0; c < ncols; c++) {
        const char *h = c < t->nkeys    ? t->key_names[c]
                        : c == t->nkeys ? t->count_name
                                        : t->metric_names[c - t->nkeys - 1];
        widths[c] = display_width(h);
    }
    for (size_t i = 0; i < t->nrows; i++) {
        for (size_t k = 0; k < t->nkeys; k++)
            if (display_width(t->rows[i].keys[k]) > widths[k])
                widths[k] = display_width(t->rows[i].keys[k]);
        snprintf(cell, sizeof cell, "%llu", (unsigned long long)t->rows[i].n);
        if (strlen(cell) > widths[t->nkeys])
            widths[t->nkeys] = strlen(cell);
        for (size_t m = 0; m < t->nmetrics; m++) {
            mn_cmp_format_cell(t, i, m, cell, sizeof cell);
            size_t c = t->nkeys + 1 + m;
            if (display_width(cell) > widths[c])
                widths[c] = display_width(cell);
        }
    }
    for (size_t c = 0; c < ncols; c++) {
        const char *h = c < t->nkeys    ? t->key_names[c]
                        : c == t->nkeys ? t->count_name
                                        : t->metric_names[c - t->nkeys - 1];
        if (c)
            fputs("  ", f);
        pad(f, h, widths[c], c >= t->nkeys);
    }
    fputc('\n', f);
    for (size_t i = 0; i < t->nrows; i++) {
        for (size_t c = 0; c < ncols; c++) {
            if (c < t->nkeys)
                snprintf(cell, sizeof cell, "%s", t->rows[i].keys[c]);
            else if (c == t->nkeys)
                snprintf(cell, sizeof cell, "%llu", (unsigned long long)t->rows[i].n);
            else
                mn_cmp_format_cell(t, i, c - t->nkeys - 1, cell, sizeof cell);
            if (c)
                fputs("  ", f);
            pad(f, cell, widths[c], c >= t->nkeys);
        }
        fputc('\n', f);
    }
    mn_free(widths);
}


void mn_cmp_csv_header(const mn_cmp_table *t, FILE *f)
{
    for (size_t k = 0; k < t->nkeys; k++) {
        mn_csv_field(f, t->key_names[k]);
        fputc(',', f);
    }
    mn_csv_field(f, t->count_name);
    for (size_t m = 0; m < t->nmetrics; m++)
        fprintf(f, ",%s_mean,%s_ci95", t->metric_names[m], t->metric_names[m]);
    fputc('\n', f);
}

void mn_cmp_csv_row(const mn_cmp_table *t, size_t row, FILE *f)
{
    const mn_cmp_row *r = &t->rows[row];
    for (size_t k = 0; k < t->nkeys; k++) {
        mn_csv_field(f, r->keys[k]);
        fputc(',', f);
    }
    fprintf(f, "%llu", (unsigned long long)r->n);
    for (size_t m = 0; m < t->nmetrics; m++) {
        double mean, half;
        int has_half = mn_cmp_cell(t, row, m, &mean, &half);
        if (isfinite(mean))
            fprintf(f, ",%.10g", mean);
        else
            fputs(",n/a", f);
        if (has_half)
            fprintf(f, ",%.10g", half);
        else
            fputs(",n/a", f);
    }
    fputc('\n', f);
}

int mn_cmp_write_csv(const mn_cmp_table *t, const char *path, mn_err *err)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name)
        return MN_ERR(err, MN_EINVAL, "%s: a CSV file name is needed, not a directory", path);
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) >= sizeof dir)
        return MN_ERR(err, MN_EINVAL, "output path too long: %s", path);
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int rc = mn_mkdir_p(dir, err);
    if (rc != MN_OK)
        return rc;
    mn_outfile o;
    if ((rc = mn_outfile_open(&o, dir, name, err)) != MN_OK)
        return rc;
    mn_cmp_csv_header(t, o.f);
    for (size_t i = 0; i < t->nrows; i++)
        mn_cmp_csv_row(t, i, o.f);
    return mn_outfile_commit(&o, err);
}
