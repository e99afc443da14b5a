/* cmd_emu.c - `mnetsim emu`: a scenario on real namespaces, traffic, pcap, reports. */
#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../emu/backend.h"
#include "../../emu/capture.h"
#include "../../emu/clock_ev.h"
#include "../../emu/netns.h"
#include "../../emu/policy.h"
#include "../../emu/traffic.h"
#include "../core/outfile.h"
#include "../core/time.h"
#include "../models/net.h"
#include "commands.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "mnetsim: emu: %s%s%s; run `mnetsim emu --help`\n", msg, arg ? " " : "",
            arg ? arg : "");
}

/* A file-name-safe copy of a scenario id. */
static void safe(char *out, size_t len, const char *id)
{
    size_t i = 0;
    for (; id[i] && i + 1 < len; i++)
        out[i] = (char)((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
                                (id[i] >= '0' && id[i] <= '9') || id[i] == '-' || id[i] == '_' ||
                                id[i] == '.'
                            ? id[i]
                            : '_');
    out[i] = 0;
}

static int do_cleanup(const char *prefix_arg)
{
    mn_err err;
    mn_err_clear(&err);
    char prefix[MN_EMU_PREFIX_LEN + 1];
    if (prefix_arg && mn_emu_prefix_parse(prefix_arg, prefix, &err) != MN_OK) {
        mn_cli_print_error(&err);
        return MN_EXIT_USAGE;
    }
    if (geteuid() != 0) {
        fprintf(stderr, "mnetsim: emulation needs root (network namespaces)\n");
        return MN_EXIT_USAGE;
    }
    unsigned removed = 0;
    int rc = mn_emu_cleanup(prefix_arg ? prefix : NULL, &removed, &err);
    printf("removed %u namespace(s) and link(s) named %s*\n", removed,
           prefix_arg ? prefix : "mn\?\?\?\?\?\?-");
    if (rc != MN_OK) {
        mn_cli_print_error(&err);
        return MN_EXIT_FAIL;
    }
    return MN_EXIT_OK;
}

struct run {
    mn_net *net;
    mn_emu *emu;
    mn_clock *clock;
    mn_emu_traffic *traffic;
    mn_emu_capture *cap;
    mn_emu_pol *pol;
    uint32_t *flow_user, *flow_svc; /* per flow */
    int *flow_dir;
    size_t nflows;
    double duration, drain_until;
    double time_scale, wall_start;
};

static void on_watch(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    struct run *r = w->data;
    if (g_stop || (mn_emu_traffic_done(r->traffic) &&
                   mn_emu_traffic_now(r->traffic) >= r->duration + 0.5))
        ev_break(loop, EVBREAK_ALL);
}

static int add_flows(struct run *r, mn_err *err)
{
    const mn_world *w = &r->net->world;
    size_t cap = w->nusers * w->nservices * 2 + 1;
    r->flow_user = calloc(cap, sizeof *r->flow_user);
    r->flow_svc = calloc(cap, sizeof *r->flow_svc);
    r->flow_dir = calloc(cap, sizeof *r->flow_dir);
    if (!r->flow_user || !r->flow_svc || !r->flow_dir)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    for (uint32_t u = 0; u < w->nusers; u++) {
        if (mn_emu_user_vap(r->emu, u) == MN_NONE)
            continue;
        for (uint32_t s = 0; s < w->nservices; s++) {
            if (!(w->users[u].services & (1u << s)))
                continue;
            const mn_service *S = &w->services[s];
            const char *ens;
            uint32_t eip;
            if (mn_emu_service_end(r->emu, u, s, &ens, &eip) != MN_OK)
                continue;
            for (int dir = MN_DIR_DOWN; dir <= MN_DIR_UP; dir++) {
                if (!(S->direction & dir))
                    continue;
                mn_emu_flow_spec f;
                memset(&f, 0, sizeof f);
                snprintf(f.id, sizeof f.id, "%s/%s/%s", w->users[u].id, S->id,
                         dir == MN_DIR_DOWN ? "down" : "up");
                int down = dir == MN_DIR_DOWN;
                snprintf(f.tx_ns, sizeof f.tx_ns, "%s", down ? ens : mn_emu_user_ns(r->emu, u));
                snprintf(f.rx_ns, sizeof f.rx_ns, "%s", down ? mn_emu_user_ns(r->emu, u) : ens);
                f.src = down ? eip : mn_emu_user_ip(r->emu, u);
                f.dst = down ? mn_emu_user_ip(r->emu, u) : eip;
                f.port = (uint16_t)(5000 + r->nflows);
                /* streams at their rate, constant; transfers Poisson at their cap (10 Mbit/s without) */
                f.poisson = S->kind == MN_SVC_TRANSFER;
                f.rate_bps = S->rate_bps > 0 ? S->rate_bps : 10e6;
                double pkt = S->packet_bytes > 0 ? S->packet_bytes : 1200;
                f.payload = (unsigned)(pkt < 64 ? 64 : pkt > 1400 ? 1400 : pkt);
                int rc = mn_emu_traffic_add(r->traffic, &f, err);
                if (rc != MN_OK)
                    return rc;
                r->flow_user[r->nflows] = u;
                r->flow_svc[r->nflows] = s;
                r->flow_dir[r->nflows] = dir;
                r->nflows++;
            }
        }
    }
    return MN_OK;
}

static int add_captures(struct run *r, const char *dir, mn_err *err)
{
    const mn_world *w = &r->net->world;
    char path[8192], file[128], label[128];
    for (uint32_t u = 0; u < w->nusers; u++) {
        if (mn_emu_user_vap(r->emu, u) == MN_NONE)
            continue;
        safe(file, sizeof file, w->users[u].id);
        snprintf(path, sizeof path, "%s/user-%s.pcap", dir, file);
        snprintf(label, sizeof label, "user %s", w->users[u].id);
        int rc = mn_emu_capture_add(r->cap, mn_emu_user_ns(r->emu, u), mn_emu_user_if(r->emu, u),
                                    path, label, err);
        if (rc != MN_OK)
            return rc;
    }
    for (uint32_t b = 0; b < w->nboxes; b++) {
        safe(file, sizeof file, w->boxes[b].id);
        snprintf(path, sizeof path, "%s/dom0-%s-uplink.pcap", dir, file);
        snprintf(label, sizeof label, "dom0 %s", w->boxes[b].id);
        int rc = mn_emu_capture_add(r->cap, mn_emu_box_ns(r->emu, b), mn_emu_box_uplink(r->emu),
                                    path, label, err);
        if (rc != MN_OK)
            return rc;
    }
    return MN_OK;
}

/* summary.json's "policies": the names, the clock, what they did. */
static void write_policies_json(const struct run *r, FILE *f)
{
    const mn_world *w = &r->net->world;
    unsigned ticks, placed, refused;
    mn_emu_pol_counts(r->pol, &ticks, &placed, &refused);
    fprintf(f, "  \"policies\": {\n    \"placement\": ");
    mn_json_string(f, w->policies.name[0]);
    fprintf(f, ", \"balancing\": ");
    mn_json_string(f, w->policies.name[1]);
    fprintf(f, ", \"migration\": ");
    mn_json_string(f, w->policies.name[2]);
    fprintf(f,
            ",\n    \"period_s\": %.3f, \"time_scale\": %g, \"period_wall_s\": %.3f, \"ticks\": %u,"
            " \"placed\": %u, \"refused\": %u,\n    \"migrations\": [",
            mn_time_to_sec(w->policies.period), r->time_scale, mn_emu_pol_period_wall(r->pol),
            ticks, placed, refused);
    for (size_t k = 0; k < mn_emu_pol_nmigs(r->pol); k++) {
        const mn_emu_mig *m = mn_emu_pol_mig(r->pol, k);
        const char *id = m->inst < w->nvaps ? w->vaps[m->inst].id : w->vms[m->inst - w->nvaps].id;
        fprintf(f, "%s\n      {\"instance\": ", k ? "," : "");
        mn_json_string(f, id);
        fprintf(f, ", \"from\": ");
        mn_json_string(f, w->boxes[m->from].id);
        fprintf(f, ", \"to\": ");
        mn_json_string(f, w->boxes[m->to].id);
        fprintf(f, ", \"t_s\": %.3f, \"wall_s\": %.3f, \"replumb_s\": %.6f, \"ok\": %s}",
                m->t_s, m->wall_start - r->wall_start, m->wall_end - m->wall_start,
                m->rc == MN_OK ? "true" : "false");
    }
    fprintf(f, "%s]\n  },\n", mn_emu_pol_nmigs(r->pol) ? "\n    " : "");
}

static int write_reports(struct run *r, const char *dir, mn_err *err)
{
    const mn_world *w = &r->net->world;
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, "flows.csv", err);
    if (rc != MN_OK)
        return rc;
    fprintf(o.f, "flow,user,service,direction,kind,from_ns,to_ns,offered_bps,sent,received,lost,"
                 "loss,throughput_bps,delay_mean_s,delay_max_s,max_gap_s,radio_bps,path\n");
    uint64_t sent = 0, recv = 0;
    double thr_sum = 0, delay_sum = 0;
    for (size_t i = 0; i < r->nflows; i++) {
        const mn_emu_flow_spec *f = mn_emu_traffic_spec(r->traffic, i);
        const mn_emu_flow_stats *s = mn_emu_traffic_stats(r->traffic, i);
        double span = s->last_rx - s->first_rx;
        double thr = span > 0 && s->received > 1 ? (double)s->bytes * 8 / span : 0;
        uint64_t lost = s->sent > s->received ? s->sent - s->received : 0;
        uint32_t vap = mn_emu_user_vap(r->emu, r->flow_user[i]);
        uint32_t vr = vap == MN_NONE ? MN_NONE : mn_emu_inst_radio(r->emu, vap);
        double radio = vr == MN_NONE ? 0 : mn_emu_radio_bps(r->emu, vr); /* movable: where it is now */
        fprintf(o.f, "%s,%s,%s,%s,%s,%s,%s,%.0f,%llu,%llu,%llu,%.6f,%.0f,%.6f,%.6f,%.6f,%.0f,", f->id,
                w->users[r->flow_user[i]].id, w->services[r->flow_svc[i]].id,
                r->flow_dir[i] == MN_DIR_DOWN ? "down" : "up", f->poisson ? "poisson" : "cbr",
                f->tx_ns, f->rx_ns, f->rate_bps, (unsigned long long)s->sent,
                (unsigned long long)s->received, (unsigned long long)lost,
                s->sent ? (double)lost / (double)s->sent : 0, thr,
                s->received ? s->delay_sum / (double)s->received : 0, s->delay_max, s->max_gap,
                radio);
        const char *sep = "";
        for (size_t p = 0; p < mn_emu_capture_points(r->cap); p++)
            if (mn_emu_capture_seen(r->cap, p, (uint32_t)i)) {
                fprintf(o.f, "%s%s", sep, mn_emu_capture_label(r->cap, p));
                sep = ";";
            }
        fputc('\n', o.f);
        sent += s->sent;
        recv += s->received;
        thr_sum += thr;
        delay_sum += s->delay_sum;
    }
    if ((rc = mn_outfile_commit(&o, err)) != MN_OK)
        return rc;
    if ((rc = mn_outfile_open(&o, dir, "names.csv", err)) != MN_OK)
        return rc;
    mn_emu_write_names(r->emu, o.f);
    if ((rc = mn_outfile_commit(&o, err)) != MN_OK)
        return rc;
    if ((rc = mn_outfile_open(&o, dir, "summary.json", err)) != MN_OK)
        return rc;
    mn_emu_counts c = mn_emu_get_counts(r->emu);
    fprintf(o.f, "{\n  \"mode\": \"emulation\",\n  \"scenario\": ");
    mn_json_string(o.f, r->net->name);
    fprintf(o.f, ",\n  \"prefix\": ");
    mn_json_string(o.f, mn_emu_prefix(r->emu));
    fprintf(o.f,
            ",\n  \"duration_s\": %.3f,\n  \"namespaces\": %u,\n  \"links\": %u,\n  \"qdiscs\": %u,\n"
            "  \"routes\": %u,\n  \"flows\": %zu,\n  \"sent\": %llu,\n  \"received\": %llu,\n"
            "  \"loss\": %.6f,\n  \"mean_flow_throughput_bps\": %.0f,\n  \"mean_delay_s\": %.6f,\n",
            r->duration, c.namespaces, c.links, c.qdiscs, c.routes, r->nflows,
            (unsigned long long)sent, (unsigned long long)recv,
            sent ? (double)(sent - (recv < sent ? recv : sent)) / (double)sent : 0,
            r->nflows ? thr_sum / (double)r->nflows : 0, recv ? delay_sum / (double)recv : 0);
    fprintf(o.f, "  \"captures\": [");
    for (size_t p = 0; p < mn_emu_capture_points(r->cap); p++) {
        fprintf(o.f, "%s\n    {\"point\": ", p ? "," : "");
        mn_json_string(o.f, mn_emu_capture_label(r->cap, p));
        fprintf(o.f, ", \"packets\": %llu}", (unsigned long long)mn_emu_capture_packets(r->cap, p));
    }
    fprintf(o.f, "\n  ],\n  \"not_emulated\": [\"");
    mn_emu_write_limits(r->emu, o.f, "\", \"");
    fprintf(o.f, "\"],\n");
    write_policies_json(r, o.f);
    fprintf(o.f, "  \"simulated\": null\n}\n");
    if ((rc = mn_outfile_commit(&o, err)) != MN_OK)
        return rc;
    if ((rc = mn_outfile_open(&o, dir, "policy.csv", err)) != MN_OK)
        return rc;
    mn_emu_pol_write_log(r->pol, o.f);
    return mn_outfile_commit(&o, err);
}

int mn_cli_emu(int argc, char **argv)
{
    const char *scenario = NULL, *out = NULL, *prefix_arg = NULL, *dur_text = "10s";
    double time_scale = 1;
    int keep = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--cleanup") == 0)
            return do_cleanup(i + 1 < argc && argv[i + 1][0] != '-' ? argv[i + 1] : NULL);
        if (strcmp(a, "--keep") == 0)
            keep = 1;
        else if (strcmp(a, "--time-scale") == 0) {
            char *end = NULL;
            time_scale = i + 1 < argc ? strtod(argv[++i], &end) : 0;
            if (!end || *end || !(time_scale >= 1e-3 && time_scale <= 1e9)) {
                usage_error("--time-scale needs a number of scenario seconds per wall second "
                            "(0.001 to 1e9), e.g. 60; got",
                            end ? argv[i] : "nothing");
                return MN_EXIT_USAGE;
            }
        }
        else if ((strcmp(a, "--duration") == 0 || strcmp(a, "--out") == 0 ||
                  strcmp(a, "--prefix") == 0)) {
            if (i + 1 >= argc) {
                usage_error("missing value after", a);
                return MN_EXIT_USAGE;
            }
            const char *v = argv[++i];
            if (a[2] == 'd')
                dur_text = v;
            else if (a[2] == 'o')
                out = v;
            else
                prefix_arg = v;
        } else if (a[0] == '-') {
            usage_error("unknown option", a);
            return MN_EXIT_USAGE;
        } else if (!scenario) {
            scenario = a;
        } else {
            usage_error("one scenario only; extra argument", a);
            return MN_EXIT_USAGE;
        }
    }
    if (!scenario) {
        usage_error("missing SCENARIO", NULL);
        return MN_EXIT_USAGE;
    }
    mn_err err;
    mn_err_clear(&err);
    mn_time dur;
    if (mn_time_parse(dur_text, "--duration", &dur, &err) != MN_OK || dur <= 0) {
        fprintf(stderr, "mnetsim: emu: --duration \"%s\": write a positive duration, e.g. 10s\n",
                dur_text);
        return MN_EXIT_USAGE;
    }
    char prefix[MN_EMU_PREFIX_LEN + 1];
    if (prefix_arg) {
        if (mn_emu_prefix_parse(prefix_arg, prefix, &err) != MN_OK) {
            mn_cli_print_error(&err);
            return MN_EXIT_USAGE;
        }
    } else {
        mn_emu_prefix_new(prefix);
    }
    if (geteuid() != 0) {
        fprintf(stderr, "mnetsim: emulation needs root (network namespaces)\n");
        return MN_EXIT_USAGE;
    }
    if (mn_emu_netns_check(&err) != MN_OK) {
        mn_cli_print_error(&err);
        return MN_EXIT_USAGE;
    }
    struct run r;
    memset(&r, 0, sizeof r);
    r.duration = mn_time_to_sec(dur);
    r.time_scale = time_scale;
    if (mn_net_load(scenario, NULL, 0, NULL, &r.net, &err) != MN_OK) {
        mn_cli_print_error(&err);
        return MN_EXIT_USAGE;
    }
    if (mn_emu_create(r.net, prefix, &r.emu, &err) != MN_OK) {
        mn_cli_print_error(&err);
        mn_net_destroy(r.net);
        return MN_EXIT_USAGE;
    }
    char dir[4096];
    if (out)
        snprintf(dir, sizeof dir, "%s", out);
    else
        snprintf(dir, sizeof dir, "results/%s/emu", r.net->name);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int status = MN_EXIT_FAIL, rc;
    fprintf(stderr, "mnetsim: emu: building %s with prefix %s\n", r.net->name, prefix);
    mn_emu_defer_movable(r.emu); /* the placement policy places them (emu/policy.c) */
    mn_emu_pol_opts po = {time_scale, {NULL, NULL, NULL}, r.net->has_seed ? r.net->seed : 1};
    if ((rc = mn_emu_build(r.emu, (volatile const int *)&g_stop, &err)) != MN_OK ||
        (rc = mn_emu_pol_create(r.emu, r.net, &po, &r.pol, &err)) != MN_OK ||
        (rc = mn_emu_pol_place(r.pol, &err)) != MN_OK ||
        (rc = mn_mkdir_p(dir, &err)) != MN_OK ||
        (rc = mn_emu_clock_create(NULL, &r.clock, &err)) != MN_OK)
        goto done;
    struct ev_loop *loop = mn_emu_clock_loop(r.clock);
    if ((rc = mn_emu_traffic_create(loop, r.net->has_seed ? r.net->seed : 1, &r.traffic, &err)) !=
            MN_OK ||
        (rc = add_flows(&r, &err)) != MN_OK ||
        (rc = mn_emu_capture_create(loop, r.nflows, &r.cap, &err)) != MN_OK ||
        (rc = add_captures(&r, dir, &err)) != MN_OK)
        goto done;
    mn_emu_counts c = mn_emu_get_counts(r.emu);
    fprintf(stderr, "mnetsim: emu: %u namespaces, %u links; %zu flows for %.1f s\n", c.namespaces,
            c.links, r.nflows, r.duration);
    ev_timer watch;
    ev_timer_init(&watch, on_watch, 0.02, 0.02);
    watch.data = &r;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    r.wall_start = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    mn_emu_traffic_start(r.traffic, r.duration);
    ev_timer_start(loop, &watch);
    if (mn_emu_pol_active(r.pol))
        mn_emu_pol_start(r.pol, loop);
    if (!g_stop)
        ev_run(loop, 0);
    ev_timer_stop(loop, &watch);
    mn_emu_pol_stop(r.pol);
    if (mn_emu_pol_status(r.pol, &err) != MN_OK) {
        rc = err.code ? err.code : MN_EIO;
        goto done;
    }
    if (g_stop) {
        rc = MN_ERR(&err, MN_EIO, "interrupted by a signal: everything removed");
        goto done;
    }
    mn_emu_capture_flush(r.cap);
    if ((rc = write_reports(&r, dir, &err)) != MN_OK)
        goto done;
    printf("emulated %s: %zu flows, results in %s\n", r.net->name, r.nflows, dir);
    status = MN_EXIT_OK;
done:
    if (rc != MN_OK)
        mn_cli_print_error(&err);
    mn_emu_capture_destroy(r.cap);
    mn_emu_pol_destroy(r.pol);
    mn_emu_traffic_destroy(r.traffic);
    mn_emu_clock_destroy(r.clock);
    if (keep && !g_stop)
        fprintf(stderr, "mnetsim: emu: kept; remove with `mnetsim emu --cleanup %.8s`\n", prefix);
    mn_emu_destroy(r.emu, keep && !g_stop);
    mn_net_destroy(r.net);
    free(r.flow_user);
    free(r.flow_svc);
    free(r.flow_dir);
    return status;
}
