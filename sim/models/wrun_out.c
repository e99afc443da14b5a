/*
 * wrun_out.c - results of a world run: summary.json, users.csv, vaps.csv,
 * boxes.csv, faults.csv, then manifest.json (each atomic; see outfile.h).
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/outfile.h"
#include "core/sha256.h"
#include "core/sysinfo.h"
#include "queueing.h"
#include "wrun_int.h"

/* CPU cycles a box spent forwarding: dom0, its vAPs' domUs and its VMs. */
static double box_cycles(const wr *r, uint32_t b)
{
    double c = r->res_used[r->boxes[b].res_cpu];
    const w_box *B = &r->boxes[b];
    for (uint32_t j = B->vap_first; j < B->vap_first + B->nvaps; j++) {
        uint32_t v = r->box_vaps[j];
        if (r->vaps[v].res_cpu != MN_NONE)
            c += r->res_used[r->vaps[v].res_cpu];
    }
    for (size_t i = 0; i < r->w->nvms; i++)
        if (r->w->vms[i].box == b)
            c += r->res_used[r->vms[i].res];
    return c;
}

/* Energy (J) over span: idle power while up, plus (max - idle) x CPU busy time (linear power model). */
static double box_energy(const wr *r, uint32_t b, double span)
{
    const mn_box *B = &r->w->boxes[b];
    double up_s = span - r->boxes[b].down_s;
    return B->power_idle_w * up_s + (B->power_max_w - B->power_idle_w) * box_cycles(r, b) / B->cpu_hz;
}

static int write_users(const char *dir, const wr *r, mn_err *err)
{
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, "users.csv", err);
    if (rc != MN_OK)
        return rc;
    fprintf(o.f, "id,operator,online_s,outage_s,sla_violation_s,sessions,blocked,dropped,bytes,"
                 "mean_bps\n");
    for (size_t u = 0; u < r->w->nusers; u++) {
        const w_user *U = &r->users[u];
        fprintf(o.f, "%s,%s,%.3f,%.3f,%.3f,%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%.0f,%.3f\n",
                r->w->users[u].id, r->w->operators[U->op], U->online_s, U->outage_s, U->viol_s,
                U->sessions, U->blocked, U->dropped, U->bytes,
                U->online_s > 0 ? U->bytes * 8 / U->online_s : 0);
    }
    return mn_outfile_commit(&o, err);
}

static int write_vaps(const char *dir, const wr *r, double span, mn_err *err)
{
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, "vaps.csv", err);
    if (rc != MN_OK)
        return rc;
    fprintf(o.f, "id,ssid,box,radio,operator,standard,plane,users_end,users_peak,associations,"
                 "refused_full,sessions,bytes,radio_airtime_util\n");
    for (size_t v = 0; v < r->w->nvaps; v++) {
        const mn_vap *V = &r->w->vaps[v];
        const w_vap *S = &r->vaps[v];
        const w_vap_stats *st = &r->vstats[v];
        const w_radio *R = &r->radios[V->radio];
        fprintf(o.f, "%s,%s,%s,%s,%s,%s,%s,%" PRIu32 ",%" PRIu32 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                     ",%.0f,%.6f\n",
                V->id, V->ssid, r->w->boxes[V->box].id, r->w->radios[V->radio].id, r->w->operators[V->op],
                mn_wifi_std_name(R->cfg.std), V->plane_domu ? "domu" : "dom0", S->nusers,
                st->peak_users, st->assoc, st->assoc_blocked, st->sessions, st->bytes, r->res_used[R->res] / span);
    }
    return mn_outfile_commit(&o, err);
}

static int write_boxes(const char *dir, const wr *r, double span, mn_err *err)
{
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, "boxes.csv", err);
    if (rc != MN_OK)
        return rc;
    fprintf(o.f, "id,x_m,y_m,node,vaps,cpu_util,uplink_util_up,uplink_util_down,down_s,energy_J\n");
    for (uint32_t b = 0; b < r->w->nboxes; b++) {
        const mn_box *B = &r->w->boxes[b];
        const w_box *S = &r->boxes[b];
        double cap = B->uplink_bps / 8 * span;
        fprintf(o.f, "%s,%.3f,%.3f,%s,%" PRIu32 ",%.6f,%.6f,%.6f,%.3f,%.3f\n", B->id, B->pos.x, B->pos.y,
                B->node != MN_NONE ? r->net->nodes[B->node] : "", S->nvaps,
                box_cycles(r, b) / (B->cpu_hz * span), r->res_used[S->res_up] / cap,
                r->res_used[S->res_down] / cap, S->down_s, box_energy(r, b, span));
    }
    return mn_outfile_commit(&o, err);
}

static const char *target_name(const wr *r, const mn_fault *f, uint32_t t)
{
    switch (f->kind) {
    case MN_FAULT_BOX: return r->w->boxes[t].id;
    case MN_FAULT_RADIO: return r->w->radios[t].id;
    case MN_FAULT_LINK: return r->net->links[t].id;
    default: return r->w->vms[t].id;
    }
}

static int write_faults(const char *dir, const wr *r, mn_err *err)
{
    static const char *const kinds[] = {"box", "radio", "link", "vm"};
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, "faults.csv", err);
    if (rc != MN_OK)
        return rc;
    fprintf(o.f, "fault,kind,target,down_s,up_s,sessions_dropped,users_cut,vaps_down,vms_down\n");
    for (size_t i = 0; i < r->nfrows; i++) {
        const w_fault_row *row = &r->frows[i];
        const mn_fault *f = &r->w->faults[row->fault];
        fprintf(o.f, "%s,%s,%s,%.9f,", f->id, kinds[f->kind], target_name(r, f, row->target),
                mn_time_to_sec(row->down));
        if (row->up == MN_TIME_MAX)
            fprintf(o.f, ",");
        else
            fprintf(o.f, "%.9f,", mn_time_to_sec(row->up));
        fprintf(o.f, "%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 "\n", row->sessions_dropped,
                row->users_cut, row->vaps_down, row->vms_down);
    }
    return mn_outfile_commit(&o, err);
}

static double mean_util(const wr *r, const uint32_t *res, size_t n, size_t stride, double span)
{
    if (n == 0)
        return 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = res[i * stride];
        if (id != MN_NONE)
            sum += r->res_used[id] / (mn_share_link_capacity(r->share, id) * span);
    }
    return sum / (double)n;
}

static int write_summary(const char *dir, wr *r, uint64_t seed, double span, uint64_t events,
                         mn_err *err)
{
    const mn_world *w = r->w;
    /* users: throughput while online, Jain over them, SLA */
    double *thr = mn_alloc((w->nusers + 1) * sizeof *thr);
    if (!thr)
        return MN_ERR(err, MN_ENOMEM, "out of memory for the summary");
    size_t nthr = 0, violated = 0, online_users = 0;
    double bytes = 0, viol_s = 0, outage_s = 0;
    for (size_t u = 0; u < w->nusers; u++) {
        const w_user *U = &r->users[u];
        bytes += U->bytes;
        viol_s += U->viol_s;
        outage_s += U->outage_s;
        if (U->online_s > 0) {
            online_users++;
            thr[nthr++] = U->bytes * 8 / U->online_s;
            violated += U->viol_s > 0;
        }
    }
    double thr_sum = 0;
    for (size_t i = 0; i < nthr; i++)
        thr_sum += thr[i];
    double jain = mn_jain_index(thr, nthr);
    mn_free(thr);
    for (size_t u = w->nusers; u < r->nusers; u++)
        bytes += r->users[u].bytes;
    /* violation time of everyone, visitors included (theirs is kept per operator) */
    viol_s = 0;
    for (size_t i = 0; i < w->noperators; i++)
        viol_s += r->op_viol_s[i];
    uint64_t attempted = 0, started = 0, completed = 0, blocked = 0, dropped = 0;
    for (size_t s = 0; s < w->nservices; s++) {
        attempted += r->svc[s].attempted;
        started += r->svc[s].started;
        completed += r->svc[s].completed;
        blocked += r->svc[s].blocked;
        dropped += r->svc[s].dropped;
    }
    /* utilisation of each kind of resource, averaged over the resources */
    uint32_t *ids = mn_alloc((w->nboxes * 3 + w->nradios + 1) * sizeof *ids);
    if (!ids)
        return MN_ERR(err, MN_ENOMEM, "out of memory for the summary");
    /* radios: the fraction of all air time spent on data (beacons not counted), as in vaps.csv */
    double util_air = 0;
    for (size_t i = 0; i < w->nradios; i++)
        util_air += r->res_used[r->radios[i].res] / span;
    if (w->nradios)
        util_air /= (double)w->nradios;
    double util_cpu = 0, util_up = 0, util_down = 0, energy = 0;
    for (uint32_t b = 0; b < w->nboxes; b++) {
        util_cpu += box_cycles(r, b) / (w->boxes[b].cpu_hz * span);
        ids[2 * b] = r->boxes[b].res_up;
        ids[2 * b + 1] = r->boxes[b].res_down;
        energy += box_energy(r, b, span);
    }
    if (w->nboxes) {
        util_cpu /= (double)w->nboxes;
        util_up = mean_util(r, ids, w->nboxes, 2, span);
        util_down = mean_util(r, ids + 1, w->nboxes, 2, span);
    }
    mn_free(ids);
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, "summary.json", err);
    if (rc != MN_OK)
        return rc;
    FILE *f = o.f;
    fprintf(f, "{\n  \"scenario\": ");
    mn_json_string(f, r->net->name);
    fprintf(f, ",\n  \"seed\": %" PRIu64 ",\n  \"sim_end_s\": %.9f,\n  \"events\": %" PRIu64 ",\n", seed,
            span, events);
    fprintf(f, "  \"world\": {\"boxes\": %zu, \"radios\": %zu, \"vaps\": %zu, \"vms\": %zu, "
               "\"vnets\": %zu, \"users\": %zu, \"operators\": %zu},\n",
            w->nboxes, w->nradios, w->nvaps, w->nvms, w->nvnets, w->nusers, w->noperators);
    fprintf(f, "  \"sessions\": {\"attempted\": %" PRIu64 ", \"started\": %" PRIu64
               ", \"completed\": %" PRIu64 ", \"blocked\": %" PRIu64 ", \"blocked_no_coverage\": %" PRIu64
               ", \"blocked_path_down\": %" PRIu64 ", \"blocked_no_route\": %" PRIu64
               ", \"blocked_path_too_long\": %" PRIu64 ", \"dropped\": %" PRIu64 ", \"cut_going_offline\": %" PRIu64
               ", \"blocking_probability\": %.9f},\n",
            attempted, started, completed, blocked, r->sess_blocked_coverage, r->sess_blocked_path,
            r->sess_blocked_route, r->sess_blocked_long, dropped, r->sess_cut_offline, attempted ? (double)blocked / (double)attempted : 0);
    fprintf(f, "  \"association\": {\"attempts\": %" PRIu64 ", \"blocked_full\": %" PRIu64
               ", \"handovers\": %" PRIu64 ", \"visitors\": %" PRIu64 ", \"visitors_blocked\": %" PRIu64
               ", \"visitor_blocking_probability\": %.9f},\n",
            r->assoc_attempts, r->assoc_blocked, r->handovers, r->visitors, r->visitors_blocked,
            r->visitors ? (double)r->visitors_blocked / (double)r->visitors : 0);
    fprintf(f, "  \"throughput\": {\"delivered_bytes\": %.0f, \"mean_user_bps\": %.3f, "
               "\"jain_fairness_users\": %.9f},\n",
            bytes, nthr ? thr_sum / (double)nthr : 0, jain);
    if (r->delayw.n)
        fprintf(f, "  \"delay_s\": {\"sessions\": %" PRIu64 ", \"mean\": %.9f, \"p50\": %.9f, "
                   "\"p95\": %.9f, \"max\": %.9f},\n",
                r->delayw.n, r->delayw.mean, mn_stat_sample_quantile(&r->delays, 0.5),
                mn_stat_sample_quantile(&r->delays, 0.95), r->delayw.max);
    else
        fprintf(f, "  \"delay_s\": null,\n");
    fprintf(f, "  \"sla\": {\"violation_s\": %.6f, \"outage_s\": %.6f, \"users_online\": %zu, "
               "\"users_violated\": %zu, \"users_violated_fraction\": %.9f,\n    \"per_operator_violation_s\": {",
            viol_s, outage_s, online_users, violated,
            online_users ? (double)violated / (double)online_users : 0);
    for (size_t i = 0; i < w->noperators; i++) {
        fprintf(f, "%s", i ? ", " : "");
        mn_json_string(f, w->operators[i]);
        fprintf(f, ": %.6f", r->op_viol_s[i]);
    }
    fprintf(f, "},\n    \"per_service\": {");
    for (size_t s = 0; s < w->nservices; s++) {
        const w_svc_stats *st = &r->svc[s];
        fprintf(f, "%s", s ? ", " : "");
        mn_json_string(f, w->services[s].id);
        fprintf(f, ": {\"violation_s\": %.6f, \"attempted\": %" PRIu64 ", \"blocked\": %" PRIu64
                   ", \"dropped\": %" PRIu64 ", \"completed\": %" PRIu64 ", \"bytes\": %.0f}",
                st->viol_s, st->attempted, st->blocked, st->dropped, st->completed, st->bytes);
    }
    fprintf(f, "}},\n");
    fprintf(f, "  \"utilisation\": {\"radio_airtime\": %.9f, \"box_cpu\": %.9f, \"uplink_up\": %.9f, "
               "\"uplink_down\": %.9f},\n",
            util_air, util_cpu, util_up, util_down);
    fprintf(f, "  \"energy\": {\"boxes_J\": %.3f, \"boxes_kWh\": %.9f},\n", energy, energy / 3.6e6);
    fprintf(f, "  \"faults\": {\"outages\": %zu}\n}\n", r->nfrows);
    return mn_outfile_commit(&o, err);
}

int w_write_results(wr *r, const mn_run_opts *o, uint64_t seed, double span, uint64_t events,
                    mn_run_summary *out, mn_err *err)
{
    const char *dir = o->out_dir;
    int rc;
    if ((rc = write_summary(dir, r, seed, span, events, err)) != MN_OK ||
        (rc = write_users(dir, r, err)) != MN_OK || (rc = write_vaps(dir, r, span, err)) != MN_OK ||
        (rc = write_boxes(dir, r, span, err)) != MN_OK || (rc = write_faults(dir, r, err)) != MN_OK)
        return rc;
    out->wall_s = mn_sys_monotonic_s() - r->t0;
    out->events = events;
    uint64_t started = 0, completed = 0;
    for (size_t s = 0; s < r->w->nservices; s++) {
        started += r->svc[s].started;
        completed += r->svc[s].completed;
    }
    out->flows = started;
    out->completed = completed;
    out->sim_end_s = span;
    static const char *const files[] = {"summary.json", "users.csv", "vaps.csv", "boxes.csv",
                                        "faults.csv", "timeseries.csv"};
    return mn_run_write_manifest(dir, r->net->path, o, seed, out->wall_s, events, "world", files,
                                 r->series ? 6 : 5, err);
}
