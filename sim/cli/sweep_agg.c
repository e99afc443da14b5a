/*
 * sweep_agg.c - a sweep's tables rebuilt from its run directories: runs.csv
 * (one tidy row per run), points.csv (mean, sd, 95% Student-t interval and
 * n per point, through compare_table.h), their JSON twins, columns.csv (the
 * unit of every column) and sweep.json. See sweep_run.h.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/outfile.h"
#include "../models/netrun.h"
#include "compare_table.h"
#include "sweep_run.h"

static const struct {
    const char *name, *unit, *label;
} metric_info[] = {
    {"sla_violation_s", "s", "SLA violation time (sum over users)"},
    {"users_violated_fraction", "1", "fraction of users that violated their SLA"},
    {"mean_user_bps", "bit/s", "mean user throughput"},
    {"blocking_probability", "1", "session blocking probability"},
    {"delay_mean_s", "s", "mean session delay"},
    {"energy_kWh", "kWh", "energy of the boxes"},
    {"boxes_on_mean", "boxes", "powered boxes (time average)"},
    {"handovers", "count", "handovers"},
    {"migrations", "count", "live migrations"},
    {"migration_downtime_s", "s", "migration downtime, summed"},
    {"placement_refused", "count", "instances no box could take"},
};

const char *mn_sweep_metric_unit(const char *metric)
{
    for (size_t i = 0; i < sizeof metric_info / sizeof metric_info[0]; i++)
        if (strcmp(metric_info[i].name, metric) == 0)
            return metric_info[i].unit;
    size_t n = strlen(metric);
    if (n > 2 && strcmp(metric + n - 2, "_s") == 0)
        return "s";
    if (n > 4 && strcmp(metric + n - 4, "_bps") == 0)
        return "bit/s";
    return "1";
}

const char *mn_sweep_metric_label(const char *metric)
{
    for (size_t i = 0; i < sizeof metric_info / sizeof metric_info[0]; i++)
        if (strcmp(metric_info[i].name, metric) == 0)
            return metric_info[i].label;
    return metric;
}


static void csv_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("n/a", f);
}

static void json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("null", f);
}

/* A numeric parameter's value without its unit ("100Mbps" -> "100"). */
static void bare_number(const mn_sweep_param *pm, const char *v, char *buf, size_t len)
{
    size_t n = strlen(v);
    size_t ul = strlen(pm->unit);
    if (pm->numeric && n >= ul)
        n -= ul;
    while (n && v[n - 1] == ' ')
        n--;
    while (n && (*v == ' ' || *v == '+'))
        v++, n--;
    snprintf(buf, len, "%.*s", (int)n, v);
}

static void param_csv(FILE *f, const mn_sweep *sw, size_t p)
{
    for (size_t i = 0; i < sw->nparams; i++) {
        char num[128];
        bare_number(&sw->params[i], mn_sweep_value(sw, p, i), num, sizeof num);
        fputc(',', f);
        mn_csv_field(f, sw->params[i].numeric ? num : mn_sweep_value(sw, p, i));
    }
}

static void param_json(FILE *f, const mn_sweep *sw, size_t p)
{
    fputs("\"params\": {", f);
    for (size_t i = 0; i < sw->nparams; i++) {
        const mn_sweep_param *pm = &sw->params[i];
        fputs(i ? ", " : "", f);
        mn_json_string(f, pm->column);
        fputs(": ", f);
        if (pm->numeric) {
            char num[128];
            bare_number(pm, mn_sweep_value(sw, p, i), num, sizeof num);
            json_number(f, strtod(num, NULL));
        } else {
            mn_json_string(f, mn_sweep_value(sw, p, i));
        }
    }
    fputs("}", f);
}

struct run_row {
    int state;
    char error[400];
    double m[MN_RUN_NMETRICS];
};

static void read_error(const char *dir, char *buf, size_t len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/error.txt", dir);
    FILE *f = fopen(path, "r");
    buf[0] = '\0';
    if (!f)
        return;
    if (!fgets(buf, (int)len, f))
        buf[0] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    fclose(f);
}

static const char *state_name(int s)
{
    return s == MN_SWEEP_DONE ? "ok" : s == MN_SWEEP_FAILED ? "failed" : "missing";
}

static int open_out(mn_outfile *o, const char *out, const char *name, mn_err *err)
{
    return mn_outfile_open(o, out, name, err);
}

int mn_sweep_write_tables(const mn_sweep *sw, const char *out, mn_sweep_totals *totals,
                          mn_err *err)
{
    size_t nruns = mn_sweep_nruns(sw);
    memset(totals, 0, sizeof *totals);
    totals->runs = nruns;
    struct run_row *rows = mn_calloc(nruns ? nruns : 1, sizeof *rows);
    if (!rows)
        return MN_ERR(err, MN_ENOMEM, "out of memory for %zu runs", nruns);
    int rc = MN_OK;
    for (size_t r = 0; r < nruns && rc == MN_OK; r++) {
        char dir[4096];
        if ((rc = mn_sweep_run_dir(sw, out, r, dir, sizeof dir, err)) != MN_OK)
            break;
        rows[r].state = mn_sweep_run_state(dir);
        if (rows[r].state == MN_SWEEP_DONE &&
            mn_sweep_read_metrics(dir, rows[r].m, MN_RUN_NMETRICS) != MN_OK) {
            rows[r].state = MN_SWEEP_FAILED;
            snprintf(rows[r].error, sizeof rows[r].error, "metrics.csv is unreadable");
        } else if (rows[r].state == MN_SWEEP_FAILED) {
            read_error(dir, rows[r].error, sizeof rows[r].error);
        }
        totals->done += rows[r].state == MN_SWEEP_DONE;
        totals->failed += rows[r].state == MN_SWEEP_FAILED;
        totals->missing += rows[r].state == MN_SWEEP_MISSING;
    }

    static const char *const key_names[] = {"point"};
    mn_cmp_table t;
    int table_ready = 0;
    if (rc == MN_OK &&
        (rc = mn_cmp_init(&t, key_names, 1, mn_run_metric_names, MN_RUN_NMETRICS, err)) == MN_OK)
        table_ready = 1;
    for (size_t p = 0; rc == MN_OK && p < sw->npoints; p++) {
        char id[128];
        const char *keys[1] = {id};
        size_t row;
        mn_sweep_point_id(sw, p, id, sizeof id);
        if ((rc = mn_cmp_add_row(&t, keys, &row, err)) != MN_OK)
            break;
        for (uint32_t k = 0; k < sw->reps; k++)
            if (rows[p * sw->reps + k].state == MN_SWEEP_DONE)
                mn_cmp_add(&t, row, rows[p * sw->reps + k].m);
    }

    mn_outfile o = {0};
    /* runs.csv */
    if (rc == MN_OK && (rc = open_out(&o, out, "runs.csv", err)) == MN_OK) {
        fputs("point", o.f);
        for (size_t i = 0; i < sw->nparams; i++) {
            fputc(',', o.f);
            mn_csv_field(o.f, sw->params[i].column);
        }
        fputs(",rep,seed,status", o.f);
        for (size_t m = 0; m < MN_RUN_NMETRICS; m++)
            fprintf(o.f, ",%s", mn_run_metric_names[m]);
        fputs(",error\n", o.f);
        for (size_t r = 0; r < nruns; r++) {
            size_t p = r / sw->reps;
            char id[128];
            mn_sweep_point_id(sw, p, id, sizeof id);
            fputs(id, o.f);
            param_csv(o.f, sw, p);
            fprintf(o.f, ",%zu,%" PRIu64 ",%s", r % sw->reps,
                    mn_sweep_seed(sw, p, (uint32_t)(r % sw->reps)), state_name(rows[r].state));
            for (size_t m = 0; m < MN_RUN_NMETRICS; m++) {
                fputc(',', o.f);
                csv_number(o.f, rows[r].state == MN_SWEEP_DONE ? rows[r].m[m] : NAN);
            }
            fputc(',', o.f);
            mn_csv_field(o.f, rows[r].error);
            fputc('\n', o.f);
        }
        rc = mn_outfile_commit(&o, err);
    }
    /* runs.json */
    if (rc == MN_OK && (rc = open_out(&o, out, "runs.json", err)) == MN_OK) {
        fputs("{\n  \"sweep\": ", o.f);
        mn_json_string(o.f, sw->name);
        fputs(",\n  \"runs\": [\n", o.f);
        for (size_t r = 0; r < nruns; r++) {
            size_t p = r / sw->reps;
            char id[128];
            mn_sweep_point_id(sw, p, id, sizeof id);
            fputs("    {\"point\": ", o.f);
            mn_json_string(o.f, id);
            fputs(", ", o.f);
            param_json(o.f, sw, p);
            fprintf(o.f, ", \"rep\": %zu, \"seed\": %" PRIu64 ", \"status\": \"%s\", \"metrics\": {",
                    r % sw->reps, mn_sweep_seed(sw, p, (uint32_t)(r % sw->reps)),
                    state_name(rows[r].state));
            for (size_t m = 0; m < MN_RUN_NMETRICS; m++) {
                fprintf(o.f, "%s\"%s\": ", m ? ", " : "", mn_run_metric_names[m]);
                json_number(o.f, rows[r].state == MN_SWEEP_DONE ? rows[r].m[m] : NAN);
            }
            fputs("}, \"error\": ", o.f);
            if (rows[r].state == MN_SWEEP_DONE)
                fputs("null", o.f);
            else
                mn_json_string(o.f, rows[r].error);
            fprintf(o.f, "}%s\n", r + 1 < nruns ? "," : "");
        }
        fputs("  ]\n}\n", o.f);
        rc = mn_outfile_commit(&o, err);
    }
    /* points.csv */
    if (rc == MN_OK && (rc = open_out(&o, out, "points.csv", err)) == MN_OK) {
        fputs("point", o.f);
        for (size_t i = 0; i < sw->nparams; i++) {
            fputc(',', o.f);
            mn_csv_field(o.f, sw->params[i].column);
        }
        fputs(",n,failed", o.f);
        for (size_t m = 0; m < MN_RUN_NMETRICS; m++)
            fprintf(o.f, ",%s_mean,%s_sd,%s_ci95", mn_run_metric_names[m],
                    mn_run_metric_names[m], mn_run_metric_names[m]);
        fputc('\n', o.f);
        for (size_t p = 0; p < sw->npoints; p++) {
            size_t failed = 0;
            for (uint32_t k = 0; k < sw->reps; k++)
                failed += rows[p * sw->reps + k].state != MN_SWEEP_DONE;
            fputs(t.rows[p].keys[0], o.f);
            param_csv(o.f, sw, p);
            fprintf(o.f, ",%" PRIu64 ",%zu", t.rows[p].n, failed);
            for (size_t m = 0; m < MN_RUN_NMETRICS; m++) {
                double mean, half;
                int has = mn_cmp_cell(&t, p, m, &mean, &half);
                fputc(',', o.f);
                csv_number(o.f, mean);
                fputc(',', o.f);
                csv_number(o.f, mn_stat_welford_sd(&t.rows[p].m[m]));
                fputc(',', o.f);
                csv_number(o.f, has ? half : NAN);
            }
            fputc('\n', o.f);
        }
        rc = mn_outfile_commit(&o, err);
    }
    /* points.json */
    if (rc == MN_OK && (rc = open_out(&o, out, "points.json", err)) == MN_OK) {
        fputs("{\n  \"sweep\": ", o.f);
        mn_json_string(o.f, sw->name);
        fputs(",\n  \"level\": 0.95,\n  \"points\": [\n", o.f);
        for (size_t p = 0; p < sw->npoints; p++) {
            size_t failed = 0;
            for (uint32_t k = 0; k < sw->reps; k++)
                failed += rows[p * sw->reps + k].state != MN_SWEEP_DONE;
            fputs("    {\"point\": ", o.f);
            mn_json_string(o.f, t.rows[p].keys[0]);
            fputs(", ", o.f);
            param_json(o.f, sw, p);
            fprintf(o.f, ", \"n\": %" PRIu64 ", \"failed\": %zu, \"metrics\": {", t.rows[p].n,
                    failed);
            for (size_t m = 0; m < MN_RUN_NMETRICS; m++) {
                double mean, half;
                int has = mn_cmp_cell(&t, p, m, &mean, &half);
                fprintf(o.f, "%s\"%s\": {\"mean\": ", m ? ", " : "", mn_run_metric_names[m]);
                json_number(o.f, mean);
                fputs(", \"sd\": ", o.f);
                json_number(o.f, mn_stat_welford_sd(&t.rows[p].m[m]));
                fputs(", \"ci95\": ", o.f);
                json_number(o.f, has ? half : NAN);
                fputs("}", o.f);
            }
            fprintf(o.f, "}}%s\n", p + 1 < sw->npoints ? "," : "");
        }
        fputs("  ]\n}\n", o.f);
        rc = mn_outfile_commit(&o, err);
    }
    /* columns.csv: what every column holds, and in which unit */
    if (rc == MN_OK && (rc = open_out(&o, out, "columns.csv", err)) == MN_OK) {
        fputs("column,kind,unit,label,factor\n", o.f);
        fputs("point,point,,the point's directory under runs/,\n", o.f);
        for (size_t i = 0; i < sw->nparams; i++) {
            const mn_sweep_param *pm = &sw->params[i];
            char label[256];
            if (pm->target == MN_SWEEP_POLICY)
                snprintf(label, sizeof label, "%s", pm->name);
            else
                snprintf(label, sizeof label, "%s", pm->name);
            mn_csv_field(o.f, pm->column);
            fputs(pm->target == MN_SWEEP_POLICY ? ",policy," : ",param,", o.f);
            mn_csv_field(o.f, pm->numeric ? (pm->unit[0] ? pm->unit : "1") : "");
            fputc(',', o.f);
            mn_csv_field(o.f, label);
            fprintf(o.f, ",%zu\n", pm->factor); /* params of one <zip> share a factor */
        }
        fputs("rep,rep,,replication (0-based),\nseed,seed,,the run's seed,\n"
              "status,status,,ok or failed,\nn,count,,runs of the point that succeeded,\n"
              "failed,count,,runs of the point that failed,\n",
              o.f);
        for (size_t m = 0; m < MN_RUN_NMETRICS; m++) {
            fprintf(o.f, "%s,metric,", mn_run_metric_names[m]);
            mn_csv_field(o.f, mn_sweep_metric_unit(mn_run_metric_names[m]));
            fputc(',', o.f);
            mn_csv_field(o.f, mn_sweep_metric_label(mn_run_metric_names[m]));
            fputs(",\n", o.f);
        }
        fputs("error,error,,why the run failed,\n", o.f);
        rc = mn_outfile_commit(&o, err);
    }
    if (table_ready)
        mn_cmp_fini(&t);
    mn_free(rows);
    return rc;
}

int mn_sweep_write_info(const mn_sweep *sw, const char *out, mn_err *err)
{
    int rc = mn_mkdir_p(out, err);
    mn_outfile o;
    if (rc != MN_OK || (rc = mn_outfile_open(&o, out, "sweep.json", err)) != MN_OK)
        return rc;
    fputs("{\n  \"sweep\": ", o.f);
    mn_json_string(o.f, sw->name);
    fputs(",\n  \"file\": ", o.f);
    mn_json_string(o.f, sw->path);
    fputs(",\n  \"base\": ", o.f);
    mn_json_string(o.f, sw->base);
    fprintf(o.f, ",\n  \"fingerprint\": \"%s\",\n  \"seed\": %" PRIu64 ",\n  \"seed_policy\": "
                 "\"%s\",\n  \"points\": %zu,\n  \"replications\": %u,\n  \"runs\": %zu,\n"
                 "  \"params\": [",
            sw->fingerprint, sw->seed, sw->independent ? "independent" : "common", sw->npoints,
            sw->reps, mn_sweep_nruns(sw));
    for (size_t i = 0; i < sw->nparams; i++) {
        const mn_sweep_param *pm = &sw->params[i];
        fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", o.f);
        mn_json_string(o.f, pm->name);
        fputs(", \"column\": ", o.f);
        mn_json_string(o.f, pm->column);
        if (pm->target == MN_SWEEP_XPATH) {
            fputs(", \"xpath\": ", o.f);
            mn_json_string(o.f, pm->xpath);
        } else {
            static const char *const kinds[3] = {"placement", "balancing", "migration"};
            fprintf(o.f, ", \"policy\": \"%s\"", kinds[pm->policy]);
        }
        fputs(", \"values\": [", o.f);
        for (size_t v = 0; v < pm->nvalues; v++) {
            fputs(v ? ", " : "", o.f);
            mn_json_string(o.f, pm->values[v]);
        }
        fputs("]}", o.f);
    }
    fputs(sw->nparams ? "\n  ]\n}\n" : "]\n}\n", o.f);
    return mn_outfile_commit(&o, err);
}

int mn_sweep_info_conflicts(const mn_sweep *sw, const char *out)
{
    char path[4200], buf[8192];
    snprintf(path, sizeof path, "%s/sweep.json", out);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strstr(buf, "\"fingerprint\": \"");
    if (!p)
        return 1;
    p += strlen("\"fingerprint\": \"");
    return strncmp(p, sw->fingerprint, 64) != 0;
}
