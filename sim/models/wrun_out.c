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
        if (r->vms[i].box == b)
            c += r->res_used[r->vms[i].res];
    return c;
}

/* Energy (J) over span: idle power while up, plus (max - idle) x CPU busy time (linear power model). */
static double box_energy(const wr *r, uint32_t b, double span)
{
    const mn_box *B = &r->w->boxes[b];
    double up_s = span - r->boxes[b].down_s - r->boxes[b].off_s; /* off: switched off by a policy */
    if (up_s < 0)
        up_s = 0;
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
        const w_user_cold *C = &r->ucold[u];
        fprintf(o.f, "%s,%s,%.3f,%.3f,%.3f,%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%.0f,%.3f\n",
                r->w->users[u].id, r->w->operators[C->op], C->online_s, C->outage_s, C->viol_s,
                U->sessions, C->blocked, C->dropped, U->bytes,
                C->online_s > 0 ? U->bytes * 8 / C->online_s : 0);
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
                 "refused_full,sessions,bytes,radio_airtime_util,airtime_share\n");
    for (size_t v = 0; v < r->w->nvaps; v++) {
        const mn_vap *V = &r->w->vaps[v];
        const w_vap *S = &r->vaps[v];
        const w_vap_stats *st = &r->vstats[v];
        /* where it is at the end (movable ones: where the policies left it; unplaced: empty) */
        const w_radio *R = S->radio != MN_NONE ? &r->radios[S->radio] : NULL;
        fprintf(o.f, "%s,%s,%s,%s,%s,%s,%s,%" PRIu32 ",%" PRIu32 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                     ",%.0f,%.6f,%.6f\n",
                V->id, V->ssid, R ? r->w->boxes[S->box].id : "", R ? r->w->radios[S->radio].id : "",
                r->w->operators[V->op], R ? mn_wifi_std_name(w_radio_cfg(r, R)->std) : "",
                V->plane_domu ? "domu" : "dom0", S->nusers, st->peak_users, st->assoc,
                st->assoc_blocked, S->sessions, S->bytes, R ? r->res_used[R->res] / span : 0,
                r->vap_share[v]);
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

static const char *const state_names[] = {"unplaced", "running", "migrating", "paused"};

/* instances.csv: every vAP and VM, where it ended and what the policies did with it. */
static int write_instances(const char *dir, const wr *r, mn_err *err)
{
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, "instances.csv", err);
    if (rc != MN_OK)
        return rc;
    fprintf(o.f, "id,kind,operator,movable,box,state,refused,migrations\n");
    const mn_world *w = r->w;
    for (size_t i = 0; i < w->nvaps + w->nvms; i++) {
        int vap = i < w->nvaps;
        uint32_t box = vap ? r->vaps[i].box : r->vms[i - w->nvaps].box;
        uint32_t op = vap ? w->vaps[i].op : w->vms[i - w->nvaps].op;
        const w_inst *I = &r->inst[i];
        fprintf(o.f, "%s,%s,%s,%s,%s,%s,%d,%" PRIu32 "\n", vap ? w->vaps[i].id : w->vms[i - w->nvaps].id,
                vap ? "vap" : w->vms[i - w->nvaps].kind == MN_VM_PBX ? "pbx" : "vm",
                op != MN_NONE ? w->operators[op] : "", r->vinsts[i].movable ? "yes" : "no",
                box != MN_NONE ? w->boxes[box].id : "", state_names[I->state], I->refused,
                I->migrations);
    }
    return mn_outfile_commit(&o, err);
}

/* migrations.csv: one row per live migration finished. */
static int write_migrations(const char *dir, const wr *r, mn_err *err)
{
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, "migrations.csv", err);
    if (rc != MN_OK)
        return rc;
    fprintf(o.f, "instance,from,to,start_s,end_s,rounds,converged,bytes,downtime_s,outcome\n");
    const mn_world *w = r->w;
    for (size_t k = 0; k < r->nmig_rows; k++) {
        const w_mig_row *m = &r->mig_rows[k];
        fprintf(o.f, "%s,%s,%s,%.9f,%.9f,%" PRIu32 ",%d,%.0f,%.9f,%s\n",
                m->inst < w->nvaps ? w->vaps[m->inst].id : w->vms[m->inst - w->nvaps].id,
                w->boxes[m->from].id, w->boxes[m->to].id, mn_time_to_sec(m->start),
                mn_time_to_sec(m->end), m->rounds, m->converged, m->bytes, m->downtime_s,
                m->aborted ? "aborted" : "done");
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
        const w_user_cold *C = &r->ucold[u];
        bytes += U->bytes;
        viol_s += C->viol_s;
        outage_s += C->outage_s;
        if (C->online_s > 0) {
            online_users++;
            thr[nthr++] = U->bytes * 8 / C->online_s;
            violated += C->viol_s > 0;
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
    w_boxes_on_update(r);
    double boxes_on = span > 0 ? r->boxes_on_area / span : (double)r->boxes_on;
    fprintf(f, "  \"policies\": {\"placement\": \"%s\", \"balancing\": \"%s\", \"migration\": \"%s\", "
               "\"placed\": %" PRIu64 ", \"placement_refused\": %" PRIu64 ", \"migrations\": %zu, "
               "\"migration_downtime_s\": %.9f, \"migrations_in_progress_at_end\": %zu, "
               "\"migrations_aborted\": %" PRIu64 ", \"power_offs\": %" PRIu64 ", \"power_ons\": %" PRIu64 ", \"boxes_on_mean\": %.6f, "
               "\"handover_outage_s\": %.6f, \"agent_instantiations\": %" PRIu64 ", \"rule_actions\": %" PRIu64 "},\n",
            r->place->name, r->lb->name, r->mig->name, r->placements, r->placement_refused,
            r->nmig_rows - r->migrations_aborted, r->mig_downtime_s, r->nmigs - r->nmig_rows, r->migrations_aborted, r->power_offs, r->power_ons,
            boxes_on, r->handover_outage_s, r->agent_decisions, r->rule_actions);
    double *m = r->metrics;
    m[MN_M_SLA_VIOLATION_S] = viol_s;
    m[MN_M_USERS_VIOLATED] = online_users ? (double)violated / (double)online_users : 0;
    m[MN_M_MEAN_USER_BPS] = nthr ? thr_sum / (double)nthr : 0;
    m[MN_M_BLOCKING] = attempted ? (double)blocked / (double)attempted : 0;
    m[MN_M_DELAY_MEAN_S] = r->delayw.n ? r->delayw.mean : 0;
    m[MN_M_ENERGY_KWH] = energy / 3.6e6;
    m[MN_M_BOXES_ON] = boxes_on;
    m[MN_M_HANDOVERS] = (double)r->handovers;
    m[MN_M_MIGRATIONS] = (double)(r->nmig_rows - r->migrations_aborted);
    m[MN_M_MIGRATION_DOWNTIME_S] = r->mig_downtime_s;
    m[MN_M_PLACEMENT_REFUSED] = (double)r->placement_refused;
    fprintf(f, "  \"faults\": {\"outages\": %zu}\n}\n", r->nfrows);
    return mn_outfile_commit(&o, err);
}

int w_write_results(wr *r, const mn_run_opts *o, uint64_t seed, double span, uint64_t events,
                    mn_run_summary *out, mn_err *err)
{
    const char *dir = o->out_dir;
    int rc;
    mn_time now = mn_engine_now(r->eng);
    for (size_t b = 0; b < r->w->nboxes; b++) /* boxes still switched off: their time off so far */
        if (!r->boxes[b].powered) {
            r->boxes[b].off_s += mn_time_to_sec(now - r->boxes[b].off_since);
            r->boxes[b].off_since = now;
        }
    if ((rc = write_summary(dir, r, seed, span, events, err)) != MN_OK ||
        (rc = write_users(dir, r, err)) != MN_OK || (rc = write_vaps(dir, r, span, err)) != MN_OK ||
        (rc = write_boxes(dir, r, span, err)) != MN_OK || (rc = write_faults(dir, r, err)) != MN_OK ||
        (rc = write_instances(dir, r, err)) != MN_OK || (rc = write_migrations(dir, r, err)) != MN_OK)
        return rc;
    if (r->trace_file && (rc = mn_outfile_commit(r->trace_file, err)) != MN_OK)
        return rc;
    out->has_metrics = 1;
    memcpy(out->metrics, r->metrics, sizeof out->metrics);
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
    const char *files[9] = {"summary.json", "users.csv", "vaps.csv", "boxes.csv", "faults.csv",
                            "instances.csv", "migrations.csv"};
    size_t nfiles = 7;
    if (r->series)
        files[nfiles++] = "timeseries.csv";
    if (r->trace_file)
        files[nfiles++] = "agent.csv";
    return mn_run_write_manifest(dir, r->net->path, o, seed, out->wall_s, events, "world", files,
                                 nfiles, err);
}
