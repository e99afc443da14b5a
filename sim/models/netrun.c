/* netrun.c - routes, runs and reports a network scenario; see netrun.h. */
#define _GNU_SOURCE /* qsort_r */
#include "netrun.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <igraph.h>

#include "core/alloc.h"
#include "core/engine.h"
#include "core/outfile.h"
#include "core/sha256.h"
#include "core/stats.h"
#include "core/sysinfo.h"
#include "share.h"

struct run;

struct flow_state {
    struct run *run;
    uint32_t idx;
    uint32_t path[MN_SHARE_MAX_PATH]; /* resource ids: 2 * link + direction */
    uint32_t plen;
    mn_time latency;
    double end_s; /* NAN until done */
};

struct run {
    const mn_net *net;
    mn_engine *eng;
    mn_share *share;
    struct flow_state *fs;
    double *link_bytes; /* per resource, delivered by completed flows */
    FILE *series;       /* borrowed: timeseries.csv being written, or NULL */
    mn_time interval;
    int failed;
    mn_err err;
    /* progress */
    int progress;
    uint64_t progress_events; /* not the model's: left out of the reported events */
    int sample_armed, progress_armed; /* bookkeeping events now in the queue */
    mn_time horizon;
    double t0, last_print; /* monotonic seconds */
};

/* ---- routes ---- */

static int cmp_by_source(const void *a, const void *b, void *ctx)
{
    const mn_net *n = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (n->flows[x].from != n->flows[y].from)
        return n->flows[x].from < n->flows[y].from ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int route_fail(const mn_net *n, uint32_t fi, mn_err *err, int code, const char *what)
{
    return mn_err_set_line(err, code, n->path, n->flows[fi].line, "flow \"%s\": %s", n->flows[fi].id, what);
}

/* Lowest-latency path of every flow: one Dijkstra tree per source node. */
static int route_all(const mn_net *n, struct flow_state *fs, mn_err *err)
{
    igraph_t g;
    igraph_vector_int_t edges;
    igraph_vector_t weights;
    igraph_vector_int_t inbound;
    int rc = MN_OK;
    uint32_t *order = mn_alloc((n->nflows ? n->nflows : 1) * sizeof *order);
    if (!order)
        return MN_ERR(err, MN_ENOMEM, "out of memory for routes");
    if (igraph_vector_int_init(&edges, (igraph_integer_t)(2 * n->nlinks)) != IGRAPH_SUCCESS) {
        mn_free(order);
        return MN_ERR(err, MN_ENOMEM, "out of memory for routes");
    }
    igraph_vector_init(&weights, (igraph_integer_t)n->nlinks);
    igraph_vector_int_init(&inbound, 0);
    for (size_t i = 0; i < n->nlinks; i++) {
        VECTOR(edges)[2 * i] = n->links[i].a;
        VECTOR(edges)[2 * i + 1] = n->links[i].b;
        /* latency, with a hop's worth of tie-break so equal-latency paths prefer fewer links */
        VECTOR(weights)[i] = (double)n->links[i].latency + 1e-3;
    }
    igraph_create(&g, &edges, (igraph_integer_t)n->nnodes, IGRAPH_UNDIRECTED);
    for (uint32_t i = 0; i < n->nflows; i++)
        order[i] = i;
    qsort_r(order, n->nflows, sizeof *order, cmp_by_source, (void *)n);
    uint32_t current = UINT32_MAX;
    for (size_t k = 0; k < n->nflows && rc == MN_OK; k++) {
        uint32_t fi = order[k];
        const mn_net_flow *f = &n->flows[fi];
        if (f->from != current) {
            current = f->from;
            igraph_get_shortest_paths_dijkstra(&g, NULL, NULL, current, igraph_vss_all(), &weights,
                                               IGRAPH_ALL, NULL, &inbound);
        }
        /* walk back from the destination, then reverse */
        uint32_t rev[MN_SHARE_MAX_PATH + 1];
        uint32_t len = 0;
        mn_time latency = 0;
        igraph_integer_t v = f->to;
        while (v != (igraph_integer_t)current) {
            igraph_integer_t e = VECTOR(inbound)[v];
            if (e < 0) {
                rc = route_fail(n, fi, err, MN_EINVAL, "no path between its nodes; add links");
                break;
            }
            if (len == MN_SHARE_MAX_PATH) {
                rc = route_fail(n, fi, err, MN_EUNSUPPORTED,
                                "its path is longer than 24 links, the solver's limit");
                break;
            }
            const mn_net_link *l = &n->links[e];
            igraph_integer_t prev = l->b == (uint32_t)v ? l->a : l->b;
            rev[len++] = 2 * (uint32_t)e + (l->a == (uint32_t)prev ? 0u : 1u);
            latency += l->latency;
            v = prev;
        }
        fs[fi].plen = len;
        fs[fi].latency = latency;
        for (uint32_t i = 0; i < len; i++)
            fs[fi].path[i] = rev[len - 1 - i];
    }
    igraph_destroy(&g);
    igraph_vector_int_destroy(&inbound);
    igraph_vector_destroy(&weights);
    igraph_vector_int_destroy(&edges);
    mn_free(order);
    return rc;
}

/* ---- events ---- */

static void on_done(mn_share *s, uint32_t flow, void *ctx)
{
    (void)flow;
    struct flow_state *f = ctx;
    f->end_s = mn_time_to_sec(mn_engine_now(mn_share_engine(s)));
    const mn_net_flow *spec = &f->run->net->flows[f->idx];
    for (uint32_t i = 0; i < f->plen; i++)
        f->run->link_bytes[f->path[i]] += (double)spec->bytes;
}

static void on_arrival(mn_engine *eng, void *ctx)
{
    struct flow_state *f = ctx;
    struct run *r = f->run;
    const mn_net_flow *spec = &r->net->flows[f->idx];
    if (mn_share_flow_start(r->share, f->path, f->plen, (double)spec->bytes,
                            (double)spec->rate_cap_bps / 8, on_done, f, NULL, &r->err) != MN_OK) {
        r->failed = 1;
        mn_engine_stop(eng);
    }
}

/* Events of the model still to come: all but the sampler and the progress line. */
static int model_busy(const struct run *r)
{
    size_t bookkeeping = (size_t)(r->sample_armed + r->progress_armed);
    return mn_share_active_flows(r->share) > 0 || mn_engine_pending(r->eng) > bookkeeping;
}

static void on_sample(mn_engine *eng, void *ctx)
{
    struct run *r = ctx;
    r->sample_armed = 0;
    fprintf(r->series, "%.9f,%zu,%.3f\n", mn_time_to_sec(mn_engine_now(eng)),
            mn_share_active_flows(r->share), mn_share_total_rate(r->share) * 8);
    if (model_busy(r))
        r->sample_armed = mn_ev_schedule_in(eng, r->interval, on_sample, r, NULL) == MN_OK;
}

/*
 * The progress line (stderr is a terminal and --quiet was not given): an
 * event every 1% of the horizon prints, at most twice a second, simulated
 * time, share done, events/s and the time left at this pace.
 */
static void on_progress(mn_engine *eng, void *ctx)
{
    struct run *r = ctx;
    r->progress_armed = 0;
    r->progress_events++;
    if (mn_sys_monotonic_s() - r->last_print > 0.5) {
        r->last_print = mn_sys_monotonic_s();
        double now = mn_time_to_sec(mn_engine_now(eng)), horizon = mn_time_to_sec(r->horizon);
        double done = horizon > 0 ? now / horizon : 0, wall = mn_sys_monotonic_s() - r->t0;
        fprintf(stderr, "\r  t=%.1fs  %3.0f%%  %.2f Mevents/s  ETA %.0fs   ", now, 100 * done,
                (double)mn_engine_events_run(eng) / (wall > 0 ? wall : 1) / 1e6,
                done > 0 ? wall * (1 - done) / done : 0);
    }
    if (model_busy(r))
        r->progress_armed = mn_ev_schedule_in(eng, r->horizon / 100 > 0 ? r->horizon / 100 : MN_SEC,
                                              on_progress, r, NULL) == MN_OK;
}

/* ---- results ---- */

static int write_flows(const char *dir, const struct run *r, mn_err *err)
{
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, "flows.csv", err);
    if (rc != MN_OK)
        return rc;
    const mn_net *n = r->net;
    fprintf(o.f, "id,from,to,start_s,size_B,path_links,end_s,fct_s,mean_rate_bps\n");
    for (size_t i = 0; i < n->nflows; i++) {
        const mn_net_flow *f = &n->flows[i];
        double start = mn_time_to_sec(f->start);
        fprintf(o.f, "%s,%s,%s,%.9f,%" PRIu64 ",%u,", f->id, n->nodes[f->from], n->nodes[f->to],
                start, f->bytes, r->fs[i].plen);
        if (isnan(r->fs[i].end_s))
            fprintf(o.f, ",,\n");
        else
            fprintf(o.f, "%.9f,%.9f,%.3f\n", r->fs[i].end_s, r->fs[i].end_s - start,
                    (double)f->bytes * 8 / (r->fs[i].end_s - start));
    }
    return mn_outfile_commit(&o, err);
}

/* Mean utilisation of resource i (link i / 2, direction i % 2) over span seconds. */
static double utilisation(const struct run *r, size_t i, double span)
{
    double capacity_bytes = (double)r->net->links[i / 2].capacity_bps / 8 * span;
    return capacity_bytes > 0 ? r->link_bytes[i] / capacity_bytes : 0;
}

static int write_links(const char *dir, const struct run *r, double span, mn_err *err)
{
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, "links.csv", err);
    if (rc != MN_OK)
        return rc;
    const mn_net *n = r->net;
    fprintf(o.f, "id,from,to,capacity_bps,latency_s,bytes_ab_B,bytes_ba_B,util_ab,util_ba\n");
    for (size_t i = 0; i < n->nlinks; i++) {
        const mn_net_link *l = &n->links[i];
        fprintf(o.f, "%s,%s,%s,%" PRIu64 ",%.9f,%.0f,%.0f,%.6f,%.6f\n", l->id, n->nodes[l->a],
                n->nodes[l->b], l->capacity_bps, mn_time_to_sec(l->latency), r->link_bytes[2 * i],
                r->link_bytes[2 * i + 1], utilisation(r, 2 * i, span),
                utilisation(r, 2 * i + 1, span));
    }
    return mn_outfile_commit(&o, err);
}

static int write_summary(const char *dir, const struct run *r, uint64_t seed, double span,
                         uint64_t events, uint64_t *completed_out, mn_err *err)
{
    const mn_net *n = r->net;
    mn_stat_sample fct;
    mn_stat_welford fctw, ratew, utilw;
    mn_stat_sample_init(&fct);
    mn_stat_welford_init(&fctw);
    mn_stat_welford_init(&ratew);
    mn_stat_welford_init(&utilw);
    double sum_rate = 0, sum_rate2 = 0;
    uint64_t completed = 0;
    for (size_t i = 0; i < n->nflows; i++) {
        if (isnan(r->fs[i].end_s))
            continue;
        double d = r->fs[i].end_s - mn_time_to_sec(n->flows[i].start);
        double rate = (double)n->flows[i].bytes * 8 / d;
        if (mn_stat_sample_add(&fct, d) != MN_OK) {
            mn_stat_sample_fini(&fct);
            return MN_ERR(err, MN_ENOMEM, "out of memory for the summary");
        }
        mn_stat_welford_add(&fctw, d);
        mn_stat_welford_add(&ratew, rate);
        sum_rate += rate;
        sum_rate2 += rate * rate;
        completed++;
    }
    double util_max = 0;
    for (size_t i = 0; i < 2 * n->nlinks; i++) {
        double u = utilisation(r, i, span);
        mn_stat_welford_add(&utilw, u);
        if (u > util_max)
            util_max = u;
    }
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, "summary.json", err);
    if (rc != MN_OK) {
        mn_stat_sample_fini(&fct);
        return rc;
    }
    FILE *f = o.f;
    fprintf(f, "{\n  \"scenario\": ");
    mn_json_string(f, n->name);
    fprintf(f, ",\n  \"seed\": %" PRIu64 ",\n  \"sim_end_s\": %.9f,\n  \"events\": %" PRIu64 ",\n",
            seed, span, events);
    fprintf(f, "  \"nodes\": %zu,\n  \"links\": %zu,\n", n->nnodes, n->nlinks);
    fprintf(f, "  \"flows\": {\n    \"total\": %zu,\n    \"completed\": %" PRIu64 ",\n", n->nflows,
            completed);
    if (completed) {
        /* Jain's fairness index of mean rates: (sum x)^2 / (n sum x^2), 1 = all equal */
        fprintf(f,
                "    \"fct_s\": {\"mean\": %.9f, \"p50\": %.9f, \"p95\": %.9f, \"p99\": %.9f, "
                "\"max\": %.9f},\n",
                fctw.mean, mn_stat_sample_quantile(&fct, 0.5), mn_stat_sample_quantile(&fct, 0.95),
                mn_stat_sample_quantile(&fct, 0.99), fctw.max);
        fprintf(f, "    \"mean_rate_bps\": {\"mean\": %.3f, \"min\": %.3f, \"max\": %.3f},\n",
                ratew.mean, ratew.min, ratew.max);
        fprintf(f, "    \"jain_fairness\": %.9f\n", sum_rate * sum_rate / ((double)completed * sum_rate2));
    } else {
        fprintf(f, "    \"fct_s\": null,\n    \"mean_rate_bps\": null,\n    \"jain_fairness\": null\n");
    }
    fprintf(f, "  },\n  \"link_utilisation\": {\"mean\": %.9f, \"max\": %.9f}\n}\n",
            n->nlinks ? utilw.mean : 0, util_max);
    mn_stat_sample_fini(&fct);
    *completed_out = completed;
    return mn_outfile_commit(&o, err);
}

const char *const mn_run_metric_names[MN_RUN_NMETRICS] = {
    "sla_violation_s", "users_violated_fraction", "mean_user_bps", "blocking_probability",
    "delay_mean_s",    "energy_kWh",              "boxes_on_mean", "handovers",
    "migrations",      "migration_downtime_s",    "placement_refused",
};

int mn_run_write_manifest(const char *dir, const char *scenario_path, const mn_run_opts *o,
                          uint64_t seed, double wall, uint64_t events, const char *model,
                          const char *const *files, size_t nfiles, mn_err *err)
{
    char sha[65];
    int rc = mn_sha256_file_hex(scenario_path, sha, err);
    if (rc != MN_OK)
        return rc;
    mn_outfile of;
    if ((rc = mn_outfile_open(&of, dir, "manifest.json", err)) != MN_OK)
        return rc;
    FILE *f = of.f;
    fprintf(f, "{\n  \"scenario_path\": ");
    mn_json_string(f, scenario_path);
    fprintf(f, ",\n  \"scenario_sha256\": \"%s\",\n  \"seed\": %" PRIu64 ",\n", sha, seed);
    fprintf(f, "  \"version\": \"%s\",\n  \"model\": \"%s\",\n  \"options\": {\"set\": [", MN_VERSION,
            model);
    for (size_t i = 0; i < o->nsets; i++) {
        fprintf(f, "%s", i ? ", " : "");
        mn_json_string(f, o->sets[i]);
    }
    fprintf(f, "], \"out\": ");
    mn_json_string(f, dir);
    fprintf(f, "},\n  \"wall_s\": %.6f,\n  \"events\": %" PRIu64 ",\n  \"events_per_s\": %.1f,\n",
            wall, events, wall > 0 ? (double)events / wall : 0);
    fprintf(f, "  \"peak_rss_bytes\": %" PRIu64 ",\n  \"files\": [", mn_sys_peak_rss_bytes());
    for (size_t i = 0; i < nfiles; i++) {
        fprintf(f, "%s", i ? ", " : "");
        mn_json_string(f, files[i]);
    }
    fprintf(f, "]\n}\n");
    return mn_outfile_commit(&of, err);
}

/* ---- the run ---- */

int mn_net_run(const mn_net *n, const mn_run_opts *o, mn_run_summary *out, mn_err *err)
{
    memset(out, 0, sizeof *out);
    uint64_t seed = o->seed_set ? o->seed : n->has_seed ? n->seed : 1;
    struct run r = {.net = n, .progress = o->progress, .interval = n->interval};
    r.t0 = r.last_print = mn_sys_monotonic_s();
    mn_outfile series = {0};
    int rc = mn_mkdir_p(o->out_dir, err);
    if (rc != MN_OK)
        return rc;
    r.fs = mn_calloc(n->nflows ? n->nflows : 1, sizeof *r.fs);
    r.link_bytes = mn_calloc(2 * n->nlinks + 1, sizeof *r.link_bytes);
    mn_engine_config cfg = {.capacity = n->nflows + 16};
    if (!r.fs || !r.link_bytes) {
        rc = MN_ERR(err, MN_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = route_all(n, r.fs, err)) != MN_OK || (rc = mn_engine_create(&cfg, &r.eng, err)) != MN_OK ||
        (rc = mn_share_create(r.eng, &r.share, err)) != MN_OK)
        goto done;
    for (size_t i = 0; i < 2 * n->nlinks; i++) {
        uint32_t id;
        if ((rc = mn_share_add_link(r.share, (double)n->links[i / 2].capacity_bps / 8, &id, err)) != MN_OK)
            goto done;
    }
    for (uint32_t i = 0; i < n->nflows; i++) {
        r.fs[i].run = &r;
        r.fs[i].idx = i;
        r.fs[i].end_s = NAN;
        mn_time at = n->flows[i].start + r.fs[i].latency;
        if (at > r.horizon)
            r.horizon = at;
        if ((rc = mn_ev_schedule_at(r.eng, at, on_arrival, &r.fs[i], NULL)) != MN_OK) {
            MN_ERR(err, rc, "cannot schedule flow %s", n->flows[i].id);
            goto done;
        }
    }
    if (n->duration > 0)
        r.horizon = n->duration;
    if (r.interval > 0) {
        if ((rc = mn_outfile_open(&series, o->out_dir, "timeseries.csv", err)) != MN_OK)
            goto done;
        r.series = series.f;
        fprintf(r.series, "t_s,active_flows,throughput_bps\n");
        r.sample_armed = mn_ev_schedule_at(r.eng, 0, on_sample, &r, NULL) == MN_OK;
    }
    if (r.progress)
        r.progress_armed = mn_ev_schedule_at(r.eng, 0, on_progress, &r, NULL) == MN_OK;
    rc = mn_engine_run(r.eng, n->duration > 0 ? n->duration : MN_TIME_MAX, NULL);
    if (r.progress)
        fprintf(stderr, "\r%70s\r", "");
    if (rc == MN_OK && r.failed) {
        rc = r.err.code;
        *err = r.err;
    } else if (rc == MN_OK) {
        rc = mn_share_check(r.share, err);
    }
    if (rc != MN_OK)
        goto done;
    /* the run's span: the last completion, or the duration when set */
    double span = 0;
    for (size_t i = 0; i < n->nflows; i++)
        if (!isnan(r.fs[i].end_s) && r.fs[i].end_s > span)
            span = r.fs[i].end_s;
    if (n->duration > 0)
        span = mn_time_to_sec(n->duration);
    uint64_t events = mn_engine_events_run(r.eng) - r.progress_events, completed = 0;
    if (r.series) {
        rc = mn_outfile_commit(&series, err);
        if (rc != MN_OK)
            goto done;
    }
    if ((rc = write_summary(o->out_dir, &r, seed, span, events, &completed, err)) != MN_OK ||
        (rc = write_flows(o->out_dir, &r, err)) != MN_OK ||
        (rc = write_links(o->out_dir, &r, span, err)) != MN_OK)
        goto done;
    out->wall_s = mn_sys_monotonic_s() - r.t0;
    static const char *const files[] = {"summary.json", "flows.csv", "links.csv", "timeseries.csv"};
    rc = mn_run_write_manifest(o->out_dir, n->path, o, seed, out->wall_s, events, "flows", files,
                               r.series ? 4 : 3, err);
    out->events = events;
    out->flows = n->nflows;
    out->completed = completed;
    out->sim_end_s = span;
done:
    mn_outfile_abort(&series);
    mn_share_destroy(r.share);
    mn_engine_destroy(r.eng);
    mn_free(r.link_bytes);
    mn_free(r.fs);
    return rc;
}
