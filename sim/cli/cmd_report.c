/*
 * cmd_report.c - `mnetsim report DIR`: plots of a sweep's results with
 * gnuplot. Reads DIR/columns.csv (what each column is, its unit) and
 * DIR/points.csv, writes for each plot a data file and a gnuplot script
 * (from the templates in scripts/plot/, compiled in) into DIR/plots/ and
 * runs `gnuplot NAME.gp` there: execvp, no shell, and no scenario or sweep
 * text on a command line (it goes into the script as quoted strings).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../core/outfile.h"
#include "commands.h"

extern const char mn_plot_lines_gp[];      /* scripts/plot/lines.gp */
extern const char mn_plot_bars_gp[];       /* scripts/plot/bars.gp */
extern const char mn_plot_timeseries_gp[]; /* scripts/plot/timeseries.gp */

#define MAX_COLS 512
#define MAX_METRICS 64
#define MAX_ROWS 100000
#define MAX_GROUPS 64
#define LINE_LEN 65536

/* ---- a small CSV reader (our own files: quoted fields, no newline inside) ---- */

typedef struct csv_row {
    char *f[MAX_COLS]; /* owned by the row's buffer */
    size_t n;
    char *buf;
} csv_row;

/* Splits line (modified in place) into fields. */
static void csv_split(char *line, csv_row *r)
{
    r->n = 0;
    char *p = line;
    for (;;) {
        char *start = p, *w = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"' || !*p) {
                    if (*p)
                        p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            while (*p && *p != ',')
                p++;
        } else {
            while (*p && *p != ',')
                *w++ = *p++;
        }
        char end = *p;
        *w = '\0';
        if (r->n < MAX_COLS)
            r->f[r->n++] = start;
        if (end != ',')
            break;
        p++;
    }
}

typedef struct csv {
    csv_row head;
    csv_row *rows;
    size_t nrows;
} csv;

static void csv_free(csv *c)
{
    mn_free(c->head.buf);
    for (size_t i = 0; i < c->nrows; i++)
        mn_free(c->rows[i].buf);
    mn_free(c->rows);
    memset(c, 0, sizeof *c);
}

static int csv_read(const char *path, csv *c)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "r");
    if (!f)
        return MN_EIO;
    char *line = mn_alloc(LINE_LEN);
    size_t cap = 0;
    int rc = line ? MN_OK : MN_ENOMEM, first = 1;
    while (rc == MN_OK && fgets(line, LINE_LEN, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        csv_row *r = &c->head;
        if (!first) {
            if (c->nrows == MAX_ROWS ||
                mn_array_reserve((void **)&c->rows, &cap, c->nrows + 1, sizeof *c->rows)) {
                rc = MN_ENOMEM;
                break;
            }
            r = &c->rows[c->nrows++];
        }
        first = 0;
        if (!(r->buf = mn_strdup(line))) {
            rc = MN_ENOMEM;
            break;
        }
        csv_split(r->buf, r);
    }
    if (first && rc == MN_OK)
        rc = MN_EPARSE;
    mn_free(line);
    fclose(f);
    if (rc != MN_OK)
        csv_free(c);
    return rc;
}

static int col_index(const csv_row *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->f[i], name) == 0)
            return (int)i;
    return -1;
}

/* ---- gnuplot scripts ---- */

/* s as a gnuplot single-quoted string ('' is a quote inside). */
static void gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        if ((unsigned char)*s >= 0x20)
            fputc(*s, f);
    }
    fputc('\'', f);
}

struct fields {
    const char *title, *xlabel, *ylabel, *keytitle, *name, *data, *xlog;
    char *plots; /* borrowed: the plot list */
};

/* Writes the template with its @FIELD@s filled into dir/name.gp. */
static int write_script(const char *dir, const char *tmpl, const struct fields *fl, mn_err *err)
{
    char fname[300];
    snprintf(fname, sizeof fname, "%s.gp", fl->name);
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, fname, err);
    if (rc != MN_OK)
        return rc;
    fprintf(o.f, "# written by mnetsim report from a template (scripts/plot/); "
                 "run `gnuplot %s` here\n", fname);
    for (const char *p = tmpl; *p;) {
        const char *at = strchr(p, '@');
        const char *end = at ? strchr(at + 1, '@') : NULL;
        if (!at || !end) {
            fputs(p, o.f);
            break;
        }
        fwrite(p, 1, (size_t)(at - p), o.f);
        size_t len = (size_t)(end - at - 1);
        char key[32];
        snprintf(key, sizeof key, "%.*s", (int)(len < 31 ? len : 31), at + 1);
        char out[320];
        if (strcmp(key, "TITLE") == 0)
            gp_string(o.f, fl->title);
        else if (strcmp(key, "XLABEL") == 0)
            gp_string(o.f, fl->xlabel);
        else if (strcmp(key, "YLABEL") == 0)
            gp_string(o.f, fl->ylabel);
        else if (strcmp(key, "KEYTITLE") == 0)
            gp_string(o.f, fl->keytitle ? fl->keytitle : "");
        else if (strcmp(key, "DATA") == 0)
            gp_string(o.f, fl->data ? fl->data : "");
        else if (strcmp(key, "PNG") == 0 || strcmp(key, "SVG") == 0) {
            snprintf(out, sizeof out, "%s.%s", fl->name, key[0] == 'P' ? "png" : "svg");
            gp_string(o.f, out);
        } else if (strcmp(key, "PLOTS") == 0)
            fputs(fl->plots, o.f);
        else if (strcmp(key, "XLOG") == 0)
            fputs(fl->xlog ? fl->xlog : "", o.f);
        else {
            /* not a field: an @ of the template itself */
            fputc('@', o.f);
            p = at + 1;
            continue;
        }
        p = end + 1;
    }
    return mn_outfile_commit(&o, err);
}

/* Runs `gnuplot name.gp` in dir; returns 0, 127 when gnuplot is missing, else its status. */
static int run_gnuplot(const char *dir, const char *name)
{
    char script[320];
    snprintf(script, sizeof script, "%s.gp", name);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        char *const argv[] = {"gnuplot", script, NULL};
        execvp("gnuplot", argv);
        _exit(errno == ENOENT ? 127 : 126);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int nonempty(const char *dir, const char *name, const char *ext)
{
    char path[4400];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
    return stat(path, &st) == 0 && st.st_size > 0;
}

/* ---- growing strings ---- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int n = b->s ? vsnprintf(b->s + b->len, room, fmt, ap) : -1;
        va_end(ap);
        if (n >= 0 && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t need = b->len + (n > 0 ? (size_t)n : 0) + 256;
        if (mn_array_reserve((void **)&b->s, &b->cap, need, 1) != 0) {
            b->oom = 1;
            return;
        }
    }
}

/* a quoted gnuplot string into b */
static void sb_gp(sbuf *b, const char *s)
{
    sb_add(b, "'");
    for (; *s; s++) {
        if (*s == '\'')
            sb_add(b, "''");
        else if ((unsigned char)*s >= 0x20)
            sb_add(b, "%c", *s);
    }
    sb_add(b, "'");
}

/* ---- the report ---- */

struct column {
    char name[128], kind[16], unit[32], label[160];
    int idx;    /* in points.csv */
    int factor; /* parameters of one <zip> share it (-1: unknown) */
};

struct report {
    const char *dir;
    char plots[4200];
    struct column params[MAX_COLS], metrics[MAX_METRICS];
    size_t nparams, nmetrics;
    csv points;
    int n_idx;
    const char *tmpl_lines, *tmpl_bars, *tmpl_ts;
    size_t made;
    int failed;
    mn_err err;
};

static double num(const char *s)
{
    if (!s || !*s || strcmp(s, "n/a") == 0)
        return NAN;
    char *end;
    double v = strtod(s, &end);
    return end == s ? NAN : v;
}

/* "energy of the boxes (kWh)"; "fraction of users ..." without a unit of 1 */
static void axis_label(const struct column *c, char *buf, size_t len)
{
    if (c->unit[0] && strcmp(c->unit, "1") != 0)
        snprintf(buf, len, "%s (%s)", c->label, c->unit);
    else
        snprintf(buf, len, "%s", c->label);
}

static int draw(struct report *rp, const char *name)
{
    int st = run_gnuplot(rp->plots, name);
    if (st == 127) {
        fprintf(stderr, "mnetsim: report: gnuplot not found; install the Debian package "
                        "gnuplot-nox (scripts/setup.sh does)\n");
        return -1;
    }
    if (st != 0 || !nonempty(rp->plots, name, "png") || !nonempty(rp->plots, name, "svg")) {
        fprintf(stderr, "mnetsim: report: gnuplot failed on %s/%s.gp (status %d)\n", rp->plots,
                name, st);
        rp->failed = 1;
        return 0;
    }
    rp->made++;
    return 0;
}

/* Parameter i is x, or varies with x (one <zip>): not part of the lines' groups. */
static int same_factor(const struct report *rp, int i, int xparam)
{
    if (i == xparam)
        return 1;
    return xparam >= 0 && rp->params[i].factor >= 0 &&
           rp->params[i].factor == rp->params[xparam].factor;
}

/* The group (combination of the parameters other than x) of a row, as a label. */
static void group_label(const struct report *rp, const csv_row *r, int xparam, char *buf,
                        size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < rp->nparams; i++) {
        if (same_factor(rp, (int)i, xparam))
            continue;
        const struct column *c = &rp->params[i];
        const char *v = (size_t)c->idx < r->n ? r->f[c->idx] : "";
        int w = snprintf(buf + n, len - n, "%s%s%s%s", n ? " / " : "", v,
                         strcmp(c->kind, "policy") == 0 || !c->unit[0] || !strcmp(c->unit, "1")
                             ? ""
                             : " ",
                         strcmp(c->kind, "policy") == 0 || !strcmp(c->unit, "1") ? "" : c->unit);
        if (w < 0 || (size_t)w >= len - n)
            break;
        n += (size_t)w;
    }
    if (!n)
        snprintf(buf, len, "all");
}

static void key_title(const struct report *rp, int xparam, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < rp->nparams; i++) {
        if (same_factor(rp, (int)i, xparam))
            continue;
        int w = snprintf(buf + n, len - n, "%s%s", n ? " / " : "", rp->params[i].label);
        if (w < 0 || (size_t)w >= len - n)
            break;
        n += (size_t)w;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Line plots and bar charts of every metric against parameter xp (or bars only, xp < 0). */
static int plot_param(struct report *rp, int xp, int bars, int lines)
{
    csv *pt = &rp->points;
    char (*groups)[256] = mn_calloc(MAX_GROUPS, sizeof *groups);
    double *xs = mn_calloc(pt->nrows ? pt->nrows : 1, sizeof *xs);
    size_t ngroups = 0, nx = 0;
    int rc = 0;
    if (!groups || !xs) {
        rc = -1;
        goto out;
    }
    /* groups in order of first appearance; x values sorted */
    for (size_t r = 0; r < pt->nrows; r++) {
        char g[256];
        group_label(rp, &pt->rows[r], xp, g, sizeof g);
        size_t i = 0;
        while (i < ngroups && strcmp(groups[i], g) != 0)
            i++;
        if (i == ngroups && ngroups < MAX_GROUPS)
            snprintf(groups[ngroups++], sizeof groups[0], "%s", g);
        double x = xp >= 0 ? num(pt->rows[r].f[rp->params[xp].idx]) : 0;
        size_t j = 0;
        while (j < nx && xs[j] != x)
            j++;
        if (j == nx && isfinite(x))
            xs[nx++] = x;
    }
    qsort(xs, nx, sizeof *xs, cmp_double);
    char keyt[256], xlabel[256];
    key_title(rp, xp, keyt, sizeof keyt);
    if (xp >= 0)
        axis_label(&rp->params[xp], xlabel, sizeof xlabel);
    else
        snprintf(xlabel, sizeof xlabel, "all points");
    const char *xcol = xp >= 0 ? rp->params[xp].name : "all";

    for (size_t m = 0; m < rp->nmetrics && rc == 0; m++) {
        const struct column *mc = &rp->metrics[m];
        char ylabel[256], title[1024], name[300], dat[320];
        axis_label(mc, ylabel, sizeof ylabel);
        /* data: a block per group (lines), then a table x | mean ci per group (bars) */
        for (int kind = 0; kind < 2 && rc == 0; kind++) {
            if ((kind == 0 && !lines) || (kind == 1 && !bars))
                continue;
            if (kind == 0)
                snprintf(name, sizeof name, "%s_vs_%s", mc->name, xcol);
            else
                snprintf(name, sizeof name, "%s_bars", mc->name);
            snprintf(dat, sizeof dat, "%s.dat", name);
            mn_outfile o;
            if (mn_outfile_open(&o, rp->plots, dat, &rp->err) != MN_OK) {
                rc = -1;
                break;
            }
            fprintf(o.f, "# %s: mean and 95%% CI half-width per point (from ../points.csv)\n",
                    mc->name);
            if (kind == 0) {
                for (size_t g = 0; g < ngroups; g++) {
                    fprintf(o.f, "# %s\n", groups[g]);
                    for (size_t j = 0; j < nx; j++)
                        for (size_t r = 0; r < pt->nrows; r++) {
                            char gl[256];
                            group_label(rp, &pt->rows[r], xp, gl, sizeof gl);
                            if (strcmp(gl, groups[g]) != 0 ||
                                num(pt->rows[r].f[rp->params[xp].idx]) != xs[j])
                                continue;
                            double mean = num(pt->rows[r].f[mc->idx]);
                            double ci = num(pt->rows[r].f[mc->idx + 2]);
                            fprintf(o.f, "%.10g %.10g %.10g\n", xs[j], mean,
                                    isfinite(ci) ? ci : 0.0);
                        }
                    fprintf(o.f, "\n\n");
                }
            } else {
                size_t rows = xp >= 0 ? nx : 1;
                for (size_t j = 0; j < rows; j++) {
                    char xl[64];
                    if (xp >= 0)
                        snprintf(xl, sizeof xl, "%.10g", xs[j]);
                    else
                        snprintf(xl, sizeof xl, "all");
                    fprintf(o.f, "\"%s\"", xl);
                    for (size_t g = 0; g < ngroups; g++) {
                        double mean = NAN, ci = NAN;
                        for (size_t r = 0; r < pt->nrows; r++) {
                            char gl[256];
                            group_label(rp, &pt->rows[r], xp, gl, sizeof gl);
                            if (strcmp(gl, groups[g]) != 0 ||
                                (xp >= 0 && num(pt->rows[r].f[rp->params[xp].idx]) != xs[j]))
                                continue;
                            mean = num(pt->rows[r].f[mc->idx]);
                            ci = num(pt->rows[r].f[mc->idx + 2]);
                        }
                        fprintf(o.f, " %.10g %.10g", mean, isfinite(ci) ? ci : 0.0);
                    }
                    fputc('\n', o.f);
                }
            }
            if (mn_outfile_commit(&o, &rp->err) != MN_OK) {
                rc = -1;
                break;
            }
            sbuf pl = {0};
            for (size_t g = 0; g < ngroups; g++) {
                if (g)
                    sb_add(&pl, ", \\\n     ");
                if (kind == 0) {
                    /* lines side by side, a little apart, so error bars do not hide each other */
                    double span = nx >= 2 ? xs[nx - 1] - xs[0] : 1;
                    double off = span * 0.006 * ((double)g - (double)(ngroups - 1) / 2);
                    int logx = nx >= 2 && xs[0] > 0 && xs[nx - 1] / xs[0] >= 10;
                    sb_gp(&pl, g ? "" : dat);
                    if (logx)
                        sb_add(&pl, " index %zu using ($1*%.6g):2:3 with yerrorlines ls %zu title ",
                               g, 1 + 0.01 * ((double)g - (double)(ngroups - 1) / 2), g % 8 + 1);
                    else
                        sb_add(&pl, " index %zu using ($1%+.6g):2:3 with yerrorlines ls %zu title ",
                               g, off, g % 8 + 1);
                } else {
                    sb_gp(&pl, g ? "" : dat);
                    sb_add(&pl, " using %zu:%zu%s title ", 2 * g + 2, 2 * g + 3,
                           g ? "" : ":xtic(1)");
                }
                sb_gp(&pl, groups[g]);
            }
            if (pl.oom || !pl.s) {
                mn_free(pl.s);
                rc = -1;
                break;
            }
            if (kind == 0)
                snprintf(title, sizeof title, "%s vs %s (mean and 95%% confidence interval)",
                         mc->label, rp->params[xp].label);
            else if (xp >= 0)
                snprintf(title, sizeof title, "%s by %s at each value of %s (mean, 95%% CI)",
                         mc->label, keyt[0] ? keyt : "point", rp->params[xp].label);
            else
                snprintf(title, sizeof title, "%s by %s (mean, 95%% CI)", mc->label,
                         keyt[0] ? keyt : "point");
            struct fields fl = {title, xlabel, ylabel, keyt, name, NULL, NULL, pl.s};
            int big = kind == 0 && nx >= 2 && xs[0] > 0 && xs[nx - 1] / xs[0] >= 10;
            /* ticks at the swept values when they are few */
            char xset[1200] = "";
            size_t xl = 0;
            if (big)
                xl = (size_t)snprintf(xset, sizeof xset, "set logscale x\n");
            if (kind == 0 && nx <= 12) {
                xl += (size_t)snprintf(xset + xl, sizeof xset - xl, "set xtics (");
                for (size_t j = 0; j < nx && xl < sizeof xset - 40; j++)
                    xl += (size_t)snprintf(xset + xl, sizeof xset - xl, "%s%.10g", j ? ", " : "",
                                           xs[j]);
                snprintf(xset + xl, sizeof xset - xl, ")");
            }
            fl.xlog = xset;
            if (write_script(rp->plots, kind == 0 ? rp->tmpl_lines : rp->tmpl_bars, &fl,
                             &rp->err) != MN_OK)
                rc = -1;
            mn_free(pl.s);
            if (rc == 0)
                rc = draw(rp, name);
        }
    }
out:
    mn_free(groups);
    mn_free(xs);
    return rc;
}

/* The run to draw: --run, else the first that finished (runs.csv). */
static int pick_run(struct report *rp, const char *want, char *buf, size_t len)
{
    if (want) {
        for (const char *p = want; *p; p++)
            if (!(isalnum((unsigned char)*p) || strchr("._+-/", *p)) ||
                (p[0] == '.' && p[1] == '.')) {
                fprintf(stderr, "mnetsim: report: --run \"%s\": give POINT/rep-K as in runs.csv, "
                                "e.g. --run first-fit_none_500-1a2b3c4d/rep-0\n", want);
                return -1;
            }
        snprintf(buf, len, "%s", want);
        return 0;
    }
    char path[4300];
    csv runs;
    snprintf(path, sizeof path, "%s/runs.csv", rp->dir);
    if (csv_read(path, &runs) != MN_OK)
        return 1;
    int ip = col_index(&runs.head, "point"), ir = col_index(&runs.head, "rep");
    int is = col_index(&runs.head, "status");
    int found = 1;
    for (size_t r = 0; ip >= 0 && ir >= 0 && is >= 0 && r < runs.nrows; r++) {
        const csv_row *row = &runs.rows[r];
        if ((size_t)is < row->n && strcmp(row->f[is], "ok") == 0) {
            snprintf(buf, len, "%s/rep-%s", row->f[ip], row->f[ir]);
            found = 0;
            break;
        }
    }
    csv_free(&runs);
    return found;
}

static int plot_timeseries(struct report *rp, const char *want)
{
    char run[512];
    int pr = pick_run(rp, want, run, sizeof run);
    if (pr < 0)
        return -1;
    if (pr > 0) {
        fprintf(stderr, "mnetsim: report: no finished run: no time series drawn\n");
        return 0;
    }
    char path[4800], rel[700];
    snprintf(rel, sizeof rel, "../runs/%s/timeseries.csv", run);
    snprintf(path, sizeof path, "%s/runs/%s/timeseries.csv", rp->dir, run);
    FILE *f = fopen(path, "r");
    char head[4096];
    if (!f || !fgets(head, sizeof head, f)) {
        if (f)
            fclose(f);
        fprintf(stderr, "mnetsim: report: %s: no time series (the scenario has no <output "
                        "interval>?)%s\n", path, want ? "" : "; none drawn");
        return want ? -1 : 0;
    }
    fclose(f);
    head[strcspn(head, "\r\n")] = '\0';
    csv_row h;
    csv_split(head, &h);
    sbuf pl = {0};
    size_t ls = 0;
    for (size_t i = 1; i < h.n; i++) {
        size_t l = strlen(h.f[i]);
        int bps = l > 4 && strcmp(h.f[i] + l - 4, "_bps") == 0;
        char title[160];
        snprintf(title, sizeof title, "%.*s%s", (int)(bps ? l - 4 : l), h.f[i],
                 bps ? " (Mbit/s, right axis)" : "");
        for (char *p = title; *p; p++)
            if (*p == '_')
                *p = ' ';
        if (ls)
            sb_add(&pl, ", \\\n     ");
        sb_gp(&pl, ls ? "" : rel);
        if (bps)
            sb_add(&pl, " using ($1/3600):($%zu/1e6) axes x1y2 ls 6 title ", i + 1);
        else
            sb_add(&pl, " using ($1/3600):%zu ls %zu title ", i + 1, ls % 5 + 1);
        sb_gp(&pl, title);
        ls++;
    }
    char name[600], title[700];
    snprintf(name, sizeof name, "timeseries");
    snprintf(title, sizeof title, "time series of run %s", run);
    struct fields fl = {title, "simulated time (h)", "users, flows", NULL, name, rel, NULL,
                        pl.s ? pl.s : ""};
    int rc = pl.oom ? -1 : 0;
    if (rc == 0 && write_script(rp->plots, rp->tmpl_ts, &fl, &rp->err) != MN_OK)
        rc = -1;
    mn_free(pl.s);
    return rc == 0 ? draw(rp, name) : rc;
}

static int read_columns(struct report *rp)
{
    char path[4300];
    csv cols;
    snprintf(path, sizeof path, "%s/columns.csv", rp->dir);
    if (csv_read(path, &cols) != MN_OK) {
        fprintf(stderr, "mnetsim: report: %s: cannot read it; is %s the --out of `mnetsim "
                        "sweep`?\n", path, rp->dir);
        return -1;
    }
    int ic = col_index(&cols.head, "column"), ik = col_index(&cols.head, "kind");
    int iu = col_index(&cols.head, "unit"), il = col_index(&cols.head, "label");
    int ifa = col_index(&cols.head, "factor");
    if (ic < 0 || ik < 0 || iu < 0 || il < 0) {
        fprintf(stderr, "mnetsim: report: %s: not the columns of a sweep\n", path);
        csv_free(&cols);
        return -1;
    }
    for (size_t r = 0; r < cols.nrows; r++) {
        const csv_row *row = &cols.rows[r];
        if (row->n <= (size_t)il)
            continue;
        int is_param = strcmp(row->f[ik], "param") == 0 || strcmp(row->f[ik], "policy") == 0;
        int is_metric = strcmp(row->f[ik], "metric") == 0;
        struct column *c = NULL;
        if (is_param && rp->nparams < MAX_COLS)
            c = &rp->params[rp->nparams++];
        else if (is_metric && rp->nmetrics < MAX_METRICS)
            c = &rp->metrics[rp->nmetrics++];
        if (!c)
            continue;
        snprintf(c->name, sizeof c->name, "%s", row->f[ic]);
        snprintf(c->kind, sizeof c->kind, "%s", row->f[ik]);
        snprintf(c->unit, sizeof c->unit, "%s", row->f[iu]);
        snprintf(c->label, sizeof c->label, "%s", row->f[il]);
        c->factor = ifa >= 0 && (size_t)ifa < row->n && row->f[ifa][0] ? atoi(row->f[ifa]) : -1;
    }
    csv_free(&cols);
    return 0;
}

static char *read_template(const char *dir, const char *name)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    sbuf b = {0};
    char line[4096];
    sb_add(&b, "%s", "");
    while (fgets(line, sizeof line, f))
        sb_add(&b, "%s", line);
    fclose(f);
    if (b.oom) {
        mn_free(b.s);
        return NULL;
    }
    return b.s;
}

int mn_cli_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"run", required_argument, NULL, 'r'},
        {"metric", required_argument, NULL, 'm'},
        {"templates", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    const char *want_run = NULL, *templates = NULL, *only[MAX_METRICS];
    size_t nonly = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            want_run = optarg;
            break;
        case 'm':
            if (nonly == MAX_METRICS) {
                fprintf(stderr, "mnetsim: report: at most %d --metric options\n", MAX_METRICS);
                return MN_EXIT_USAGE;
            }
            only[nonly++] = optarg;
            break;
        case 't':
            templates = optarg;
            break;
        default:
            fprintf(stderr, "mnetsim: report: unknown or incomplete option \"%s\"; see `mnetsim "
                            "help report`\n", argv[optind - 1]);
            return MN_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "mnetsim: report: give exactly one sweep results directory; see "
                        "`mnetsim help report`\n");
        return MN_EXIT_USAGE;
    }
    struct report *rp = mn_calloc(1, sizeof *rp);
    if (!rp) {
        fprintf(stderr, "mnetsim: report: out of memory\n");
        return MN_EXIT_FAIL;
    }
    rp->dir = argv[optind];
    int status = MN_EXIT_OK;
    char *own[3] = {NULL, NULL, NULL};
    rp->tmpl_lines = mn_plot_lines_gp;
    rp->tmpl_bars = mn_plot_bars_gp;
    rp->tmpl_ts = mn_plot_timeseries_gp;
    if (templates) {
        static const char *const names[3] = {"lines.gp", "bars.gp", "timeseries.gp"};
        for (int i = 0; i < 3; i++)
            if (!(own[i] = read_template(templates, names[i]))) {
                fprintf(stderr, "mnetsim: report: --templates %s: cannot read %s\n", templates,
                        names[i]);
                status = MN_EXIT_USAGE;
                goto out;
            }
        rp->tmpl_lines = own[0];
        rp->tmpl_bars = own[1];
        rp->tmpl_ts = own[2];
    }
    if (read_columns(rp) != 0) {
        status = MN_EXIT_USAGE;
        goto out;
    }
    for (size_t i = 0; i < nonly; i++) {
        size_t m = 0;
        while (m < rp->nmetrics && strcmp(rp->metrics[m].name, only[i]) != 0)
            m++;
        if (m == rp->nmetrics) {
            fprintf(stderr, "mnetsim: report: --metric %s: no such metric; the metrics are",
                    only[i]);
            for (size_t k = 0; k < rp->nmetrics; k++)
                fprintf(stderr, "%s %s", k ? "," : "", rp->metrics[k].name);
            fputc('\n', stderr);
            status = MN_EXIT_USAGE;
            goto out;
        }
    }
    if (nonly) {
        size_t k = 0;
        for (size_t m = 0; m < rp->nmetrics; m++)
            for (size_t i = 0; i < nonly; i++)
                if (strcmp(rp->metrics[m].name, only[i]) == 0) {
                    rp->metrics[k++] = rp->metrics[m];
                    break;
                }
        rp->nmetrics = k;
    }
    char path[4300];
    snprintf(path, sizeof path, "%s/points.csv", rp->dir);
    if (csv_read(path, &rp->points) != MN_OK) {
        fprintf(stderr, "mnetsim: report: %s: cannot read it; is %s the --out of `mnetsim "
                        "sweep`?\n", path, rp->dir);
        status = MN_EXIT_USAGE;
        goto out;
    }
    for (size_t i = 0; i < rp->nparams; i++)
        if ((rp->params[i].idx = col_index(&rp->points.head, rp->params[i].name)) < 0) {
            fprintf(stderr, "mnetsim: report: %s has no column %s (columns.csv names it)\n",
                    path, rp->params[i].name);
            status = MN_EXIT_USAGE;
            goto out;
        }
    for (size_t m = 0; m < rp->nmetrics; m++) {
        char mean[160];
        snprintf(mean, sizeof mean, "%s_mean", rp->metrics[m].name);
        if ((rp->metrics[m].idx = col_index(&rp->points.head, mean)) < 0 ||
            (size_t)rp->metrics[m].idx + 2 >= rp->points.head.n) {
            fprintf(stderr, "mnetsim: report: %s has no column %s\n", path, mean);
            status = MN_EXIT_USAGE;
            goto out;
        }
    }
    for (size_t r = 0; r < rp->points.nrows; r++)
        if (rp->points.rows[r].n != rp->points.head.n) {
            fprintf(stderr, "mnetsim: report: %s:%zu: %zu fields, the header has %zu\n", path,
                    r + 2, rp->points.rows[r].n, rp->points.head.n);
            status = MN_EXIT_USAGE;
            goto out;
        }
    snprintf(rp->plots, sizeof rp->plots, "%s/plots", rp->dir);
    if (mn_mkdir_p(rp->plots, &rp->err) != MN_OK) {
        mn_cli_print_error(&rp->err);
        status = MN_EXIT_FAIL;
        goto out;
    }
    /* numeric parameters are the x axes; the first one also clusters the bar charts */
    int first_numeric = -1, rc = 0;
    for (size_t i = 0; i < rp->nparams && rc == 0; i++) {
        if (strcmp(rp->params[i].kind, "param") != 0 || !rp->params[i].unit[0])
            continue;
        rc = plot_param(rp, (int)i, first_numeric < 0, 1);
        if (first_numeric < 0)
            first_numeric = (int)i;
    }
    if (rc == 0 && first_numeric < 0)
        rc = plot_param(rp, -1, 1, 0);
    if (rc == 0)
        rc = plot_timeseries(rp, want_run);
    if (rc != 0) {
        if (rp->err.msg[0])
            mn_cli_print_error(&rp->err);
        status = want_run && !rp->err.msg[0] && rp->made ? MN_EXIT_USAGE : MN_EXIT_FAIL;
        goto out;
    }
    if (rp->failed)
        status = MN_EXIT_FAIL;
    printf("report: %zu plots (PNG and SVG, with their gnuplot scripts) in %s/\n", rp->made,
           rp->plots);
out:
    csv_free(&rp->points);
    for (int i = 0; i < 3; i++)
        mn_free(own[i]);
    mn_free(rp);
    return status;
}
