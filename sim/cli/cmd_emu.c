/* cmd_emu.c - `mnetsim emu`: a scenario on real namespaces, traffic, pcap, reports. */
#include <ev.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../emu/backend.h"
#include "../../emu/delayline.h"
#include "../../emu/faults.h"
#include "../../emu/capture.h"
#include "../../emu/clock_ev.h"
#include "../../emu/gap.h"
#include "../../emu/netns.h"
#include "../../emu/part.h"
#include "../../emu/policy.h"
#include "../../emu/traffic.h"
#include "../core/outfile.h"
#include "../core/sysinfo.h"
#include "../core/time.h"
#include "../models/net.h"
#include "../models/wrun.h"
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

/*
 * The value of option `name` at argv[*i + 1], one of two words: 1 for
 * `yes`, 0 for `no`; -1 (the usage error printed) for anything else or
 * nothing. *i moves past the value.
 */
static int two_way_option(int argc, char **argv, int *i, const char *name, const char *yes, const char *no)
{
    const char *v = *i + 1 < argc ? argv[++*i] : "";
    if (strcmp(v, yes) == 0 || strcmp(v, no) == 0)
        return strcmp(v, yes) == 0;
    fprintf(stderr, "mnetsim: emu: %s takes %s or %s; got %s; run `mnetsim emu --help`\n", name, yes, no,
            v[0] ? v : "nothing");
    return -1;
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
    mn_emu_faults *faults; /* the scenario's faults on the real-time clock */
    uint32_t *flow_user, *flow_svc; /* per flow */
    int *flow_dir;
    uint32_t *flow_sess; /* per flow: its session's index among its user's and service's */
    size_t nflows;
    int sessions;          /* --traffic sessions (else continuous: one flow for the whole run) */
    size_t ndrawn;         /* sessions drawn for the emulated users (each one flow per direction) */
    size_t ndrawn_kind[2]; /* of them: transfers, streams (MN_SVC_*) */
    char (*pcap)[4096];    /* per capture point: its file */
    size_t npcap;
    size_t *user_point;   /* per user: its capture point, SIZE_MAX when none */
    struct mig_gap *gaps; /* per (migration, affected flow) */
    size_t ngaps;
    const char *scenario;
    struct simrun *sim; /* the simulator beside, NULL when the scenario has no world */
    char **argv;        /* the command line, where the --part values are (NULL: none) */
    int argc;
    mn_emu_part *part;  /* --part: what of the scenario r.net holds; NULL: all of it */
    double duration, drain_until;
    double time_scale, wall_start;
};

/* A migration's effect on one flow it affects, measured from the pcap (emu/gap.h). */
struct mig_gap {
    size_t mig;   /* mn_emu_pol_mig index */
    size_t flow;  /* SIZE_MAX: the migration affected no flow */
    mn_emu_gap g; /* in [wall_start - 1 s, wall_start + 2 s] */
    int measured; /* a receiver-side capture exists */
};

/* A migration the simulator finished (mn_run_observer.migration). */
struct sim_mig {
    char inst[96], from[96], to[96];
    double start, end, downtime;
};

/* The simulator on the same scenario and seed, for the duration the emulation covered. */
struct simrun {
    int rc; /* MN_OK, or why it did not run */
    mn_err err;
    char dir[4200];    /* DIR/sim */
    double duration_s; /* scenario seconds: --duration x --time-scale */
    uint64_t seed;
    mn_run_summary sum;
    struct sim_mig *migs;
    size_t nmigs, cap;
    struct sim_ho *hos; /* the handovers it made (mn_run_observer.handover) */
    size_t nhos, hos_cap;
    int oom;
};

/* A handover the simulator made. */
struct sim_ho {
    char user[96], from[96], to[96];
    double t_s;
};

#define GAP_BEFORE_S 1.0
#define GAP_AFTER_S 2.0

static void on_watch(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    struct run *r = w->data;
    if (g_stop || (mn_emu_traffic_done(r->traffic) &&
                   mn_emu_traffic_now(r->traffic) >= r->duration + 0.5))
        ev_break(loop, EVBREAK_ALL);
}

/*
 * A flow's family: IPv4 when the user and the service's end both speak it, else IPv6 when
 * both speak that (a server, on a node or the Internet, speaks both), else IPv4 as always.
 */
static int flow_family(const mn_world *w, uint32_t u, uint32_t s)
{
    const mn_service *S = &w->services[s];
    unsigned end = S->to_vm != MN_NONE ? w->vms[S->to_vm].stacks
                                       : (1u << MN_STACK_IPV4) | (1u << MN_STACK_IPV6);
    unsigned both = w->users[u].stacks & end;
    if (!(both & (1u << MN_STACK_IPV4)) && (both & (1u << MN_STACK_IPV6)))
        return AF_INET6;
    return AF_INET;
}

/* The most flows a run makes (ports 5000 up, three descriptors each). */
#define MAX_FLOWS 8000

/*
 * The flows of user u's session of service s: one per direction, sending in [t0, t1) wall
 * s since the start (0, 0: the whole run); a transfer's writes size bytes (0: until the end).
 */
static int add_session(struct run *r, uint32_t u, uint32_t s, uint32_t sess, double t0, double t1,
                       uint64_t size, mn_err *err)
{
    const mn_world *w = &r->net->world;
    const mn_service *S = &w->services[s];
    const char *ens;
    uint32_t eip;
    if (mn_emu_service_end(r->emu, u, s, &ens, &eip) != MN_OK)
        return MN_OK;
    for (int dir = MN_DIR_DOWN; dir <= MN_DIR_UP; dir++) {
        if (!(S->direction & dir))
            continue;
        if (r->nflows >= MAX_FLOWS)
            return MN_ERR(err, MN_ERANGE,
                          "traffic: more than %d flows (sessions x directions); shorten "
                          "--duration, lower --time-scale or use --traffic continuous",
                          MAX_FLOWS);
        size_t cap = r->nflows + 1;
        uint32_t *nu = realloc(r->flow_user, cap * sizeof *nu);
        if (nu)
            r->flow_user = nu;
        uint32_t *ns = realloc(r->flow_svc, cap * sizeof *ns);
        if (ns)
            r->flow_svc = ns;
        int *nd = realloc(r->flow_dir, cap * sizeof *nd);
        if (nd)
            r->flow_dir = nd;
        uint32_t *nx = realloc(r->flow_sess, cap * sizeof *nx);
        if (nx)
            r->flow_sess = nx;
        if (!nu || !ns || !nd || !nx)
            return MN_ERR(err, MN_ENOMEM, "out of memory");
        mn_emu_flow_spec f;
        memset(&f, 0, sizeof f);
        int down = dir == MN_DIR_DOWN;
        if (r->sessions)
            snprintf(f.id, sizeof f.id, "%s/%s/%s#%u", w->users[u].id, S->id, down ? "down" : "up",
                     sess);
        else
            snprintf(f.id, sizeof f.id, "%s/%s/%s", w->users[u].id, S->id, down ? "down" : "up");
        snprintf(f.tx_ns, sizeof f.tx_ns, "%s", down ? ens : mn_emu_user_ns(r->emu, u));
        snprintf(f.rx_ns, sizeof f.rx_ns, "%s", down ? mn_emu_user_ns(r->emu, u) : ens);
        f.src = down ? eip : mn_emu_user_ip(r->emu, u);
        f.dst = down ? mn_emu_user_ip(r->emu, u) : eip;
        f.port = (uint16_t)(5000 + r->nflows);
        f.family = flow_family(w, u, s);
        if (f.family == AF_INET6) {
            mn_emu_endpoint_ip6(f.src, f.src6);
            mn_emu_endpoint_ip6(f.dst, f.dst6);
        }
        /* streams: UDP at their rate, constant; transfers: TCP bulk, paced at their rate cap
           when they have one */
        f.tcp = S->kind == MN_SVC_TRANSFER;
        f.rate_bps = f.tcp             ? (S->rate_bps > 0 ? S->rate_bps : 0)
                     : S->rate_bps > 0 ? S->rate_bps
                                       : 10e6;
        double pkt = S->packet_bytes > 0 ? S->packet_bytes : 1200;
        f.payload = (unsigned)(pkt < 64 ? 64 : pkt > 1400 ? 1400 : pkt);
        f.start_s = t0;
        f.stop_s = t1;
        f.size_bytes = f.tcp ? size : 0;
        int rc = mn_emu_traffic_add(r->traffic, &f, err);
        if (rc != MN_OK)
            return rc;
        r->flow_user[r->nflows] = u;
        r->flow_svc[r->nflows] = s;
        r->flow_dir[r->nflows] = dir;
        r->flow_sess[r->nflows] = sess;
        r->nflows++;
    }
    return MN_OK;
}

/*
 * --traffic continuous: one flow per emulated user, service and direction for the whole run.
 * --traffic sessions: each user's sessions of each service, drawn as the simulator draws them
 * (mn_service_draw_gap, mn_service_draw_amount) from the stream "emu-sessions" of the
 * scenario's seed, users and then services in scenario order, over the scenario time the run
 * covers (H = --duration x F, F = --time-scale): arrivals a_1 = gap_1, a_k = a_(k-1) + gap_k
 * while a_k < H; a stream holds [a_k, min(a_k + duration_k, H)); a transfer sends size_k bytes
 * from a_k. Every user of the world draws (emulated or not, --part or not), so a user's
 * sessions are the same in every run of one scenario and seed. Wall times are scenario / F:
 * a 60 s session at F = 60 lasts 1 s.
 * Example: interarrival exponential(20s), --duration 4s --time-scale 10 (H = 40 s): gaps
 * 12.1, 9.8, 25.0 s give sessions at 12.1 and 21.9 s (1.21 and 2.19 s wall), not 46.9.
 */
static int add_flows(struct run *r, mn_err *err)
{
    const mn_world *w = &r->net->world;
    if (!r->sessions) {
        for (uint32_t u = 0; u < w->nusers; u++) {
            if (mn_emu_user_vap(r->emu, u) == MN_NONE)
                continue;
            for (uint32_t s = 0; s < w->nservices; s++)
                if (w->users[u].services & (1u << s)) {
                    int rc = add_session(r, u, s, 0, 0, 0, 0, err);
                    if (rc != MN_OK)
                        return rc;
                }
        }
        return MN_OK;
    }
    mn_rng *rng;
    int rc = mn_rng_create(r->net->has_seed ? r->net->seed : 1, "emu-sessions", NULL, &rng, err);
    if (rc != MN_OK)
        return rc;
    double F = r->time_scale, H = r->duration * F;
    for (uint32_t u = 0; u < w->nusers && rc == MN_OK; u++) {
        int emulated = mn_emu_user_vap(r->emu, u) != MN_NONE;
        for (uint32_t s = 0; s < w->nservices && rc == MN_OK; s++) {
            if (!(w->users[u].services & (1u << s)))
                continue;
            const mn_service *S = &w->services[s];
            double a = 0;
            for (uint32_t k = 0; rc == MN_OK; k++) {
                a += mn_time_to_sec(mn_service_draw_gap(S, rng));
                if (a >= H)
                    break;
                uint64_t amount = mn_service_draw_amount(S, rng);
                if (!emulated)
                    continue;
                r->ndrawn++;
                r->ndrawn_kind[S->kind == MN_SVC_STREAM]++;
                if (S->kind == MN_SVC_STREAM) {
                    double end = fmin(a + mn_time_to_sec((mn_time)amount), H);
                    rc = add_session(r, u, s, k, a / F, end / F, 0, err);
                } else {
                    rc = add_session(r, u, s, k, a / F, 0, amount > 0 ? amount : 1, err);
                }
            }
        }
    }
    mn_rng_destroy(rng);
    return rc;
}

/* Whether flow k's session was sending at wall time t (s since the traffic's start). */
static int flow_active_at(const struct run *r, size_t k, double t)
{
    const mn_emu_flow_spec *f = mn_emu_traffic_spec(r->traffic, k);
    if (!r->sessions)
        return 1;
    if (t < f->start_s)
        return 0;
    if (f->stop_s > 0)
        return t < f->stop_s;
    const mn_emu_flow_stats *s = mn_emu_traffic_stats(r->traffic, k);
    return !(s->eof_at > 0 && t > s->eof_at); /* a transfer: until it completed */
}

/* The captures recognise a TCP flow's data segments by its port. */
static int map_tcp(struct run *r, mn_err *err)
{
    for (size_t i = 0; i < r->nflows; i++) {
        const mn_emu_flow_spec *f = mn_emu_traffic_spec(r->traffic, i);
        if (f->tcp && mn_emu_capture_map_tcp(r->cap, (uint32_t)i, f->port) != MN_OK)
            return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    return MN_OK;
}

static int add_captures(struct run *r, const char *dir, mn_err *err)
{
    const mn_world *w = &r->net->world;
    char file[128], label[128];
    r->pcap = calloc(w->nusers + w->nboxes + w->nvaps + w->nvms + 1, sizeof *r->pcap);
    r->user_point = calloc(w->nusers + 1, sizeof *r->user_point);
    if (!r->pcap || !r->user_point)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    for (uint32_t u = 0; u < w->nusers; u++) {
        r->user_point[u] = SIZE_MAX;
        if (mn_emu_user_vap(r->emu, u) == MN_NONE)
            continue;
        safe(file, sizeof file, w->users[u].id);
        if ((size_t)snprintf(r->pcap[r->npcap], sizeof r->pcap[0], "%s/user-%s.pcap", dir, file) >=
            sizeof r->pcap[0])
            return MN_ERR(err, MN_EINVAL, "%s: path too long", dir);
        snprintf(label, sizeof label, "user %s", w->users[u].id);
        /* "any": the user's veth is made anew when its vAP migrates */
        int rc = mn_emu_capture_add(r->cap, mn_emu_user_ns(r->emu, u), "any", r->pcap[r->npcap],
                                    label, err);
        if (rc != MN_OK)
            return rc;
        r->user_point[u] = r->npcap++;
    }
    for (uint32_t b = 0; b < w->nboxes; b++) {
        safe(file, sizeof file, w->boxes[b].id);
        if ((size_t)snprintf(r->pcap[r->npcap], sizeof r->pcap[0], "%s/dom0-%s-uplink.pcap", dir,
                             file) >= sizeof r->pcap[0])
            return MN_ERR(err, MN_EINVAL, "%s: path too long", dir);
        snprintf(label, sizeof label, "dom0 %s", w->boxes[b].id);
        int rc = mn_emu_capture_add(r->cap, mn_emu_box_ns(r->emu, b), mn_emu_box_uplink(r->emu),
                                    r->pcap[r->npcap], label, err);
        if (rc != MN_OK)
            return rc;
        r->npcap++;
    }
    /*
     * Instances that forward (a plane="domu" vAP, a VM of a virtual network) show in the
     * path; with a domu vAP in the world every vAP is captured, so a dom0 one shows it
     * does not. "any": a migrated instance's veths are made anew.
     */
    int domu = 0;
    for (uint32_t v = 0; v < w->nvaps; v++)
        domu |= w->vaps[v].plane_domu;
    for (uint32_t i = 0; i < w->nvaps + w->nvms; i++) {
        if (mn_emu_inst_box(r->emu, i) == MN_NONE ||
            !(mn_emu_inst_forwards(r->emu, i) || (domu && i < w->nvaps)))
            continue;
        const char *id = i < w->nvaps ? w->vaps[i].id : w->vms[i - w->nvaps].id;
        safe(file, sizeof file, id);
        if ((size_t)snprintf(r->pcap[r->npcap], sizeof r->pcap[0], "%s/inst-%s.pcap", dir,
                             file) >= sizeof r->pcap[0])
            return MN_ERR(err, MN_EINVAL, "%s: path too long", dir);
        snprintf(label, sizeof label, "%s %s", i < w->nvaps ? "vap" : "vm", id);
        int rc = mn_emu_capture_add(r->cap, mn_emu_inst_ns(r->emu, i), "any", r->pcap[r->npcap],
                                    label, err);
        if (rc != MN_OK)
            return rc;
        r->npcap++;
    }
    return MN_OK;
}

static const char *inst_id(const mn_world *w, uint32_t i)
{
    return i < w->nvaps ? w->vaps[i].id : w->vms[i - w->nvaps].id;
}

/* Whether migrating instance i moves flow k: a vAP's users' flows, a VM's sessions' flows. */
static int mig_affects(const struct run *r, uint32_t i, size_t k)
{
    const mn_world *w = &r->net->world;
    if (i < w->nvaps)
        return mn_emu_user_vap(r->emu, r->flow_user[k]) == i;
    const mn_emu_flow_spec *f = mn_emu_traffic_spec(r->traffic, k);
    const char *end = r->flow_dir[k] == MN_DIR_DOWN ? f->tx_ns : f->rx_ns;
    return strcmp(end, mn_emu_inst_ns(r->emu, i)) == 0;
}

/*
 * For each migration and each flow it affects, the longest gap of the flow's
 * datagrams at the capture nearest its receiver in [start - 1 s, start + 2 s]
 * (wall time of the re-plumbing's start): a downstream flow at its user's
 * interface; an upstream flow at the dom0 uplinks (merged: the server's end is
 * not captured), which it crosses before and after the move.
 */
static int measure_gaps(struct run *r, mn_err *err)
{
    size_t nm = mn_emu_pol_nmigs(r->pol);
    r->gaps = calloc(nm * (r->nflows + 1) + 1, sizeof *r->gaps);
    if (!r->gaps)
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    const char *files[1024];
    for (size_t m = 0; m < nm; m++) {
        const mn_emu_mig *M = mn_emu_pol_mig(r->pol, m);
        size_t before = r->ngaps;
        for (size_t k = 0; k < r->nflows; k++) {
            /* sessions: the ones that were on when it moved (the gap window's middle) */
            if (!mig_affects(r, M->inst, k) || !flow_active_at(r, k, M->wall_start - r->wall_start))
                continue;
            struct mig_gap *G = &r->gaps[r->ngaps++];
            G->mig = m;
            G->flow = k;
            G->g.gap_s = -1;
            size_t nf = 0;
            size_t up = r->user_point[r->flow_user[k]];
            if (r->flow_dir[k] == MN_DIR_DOWN) {
                if (up != SIZE_MAX)
                    files[nf++] = r->pcap[up];
            } else {
                for (size_t p = 0; p < r->npcap && nf < 1024; p++)
                    if (strstr(r->pcap[p], "/dom0-") && mn_emu_capture_seen(r->cap, p, (uint32_t)k))
                        files[nf++] = r->pcap[p];
            }
            if (!nf)
                continue;
            G->measured = 1;
            int rc = mn_emu_gap_measure(files, nf, (uint32_t)k, M->wall_start - GAP_BEFORE_S,
                                        M->wall_start + GAP_AFTER_S, &G->g, err);
            if (rc != MN_OK)
                return rc;
        }
        if (r->ngaps == before) {
            r->gaps[r->ngaps].mig = m;
            r->gaps[r->ngaps++].flow = SIZE_MAX;
        }
    }
    return MN_OK;
}

static void write_migrations_csv(const struct run *r, FILE *f)
{
    const mn_world *w = &r->net->world;
    fprintf(f, "instance,from,to,t_s,replumb_s,gap_s,lost_in_gap,flow,wall_s,packets_in_window,"
               "gap_from_s,gap_to_s,ok\n");
    for (size_t k = 0; k < r->ngaps; k++) {
        const struct mig_gap *G = &r->gaps[k];
        const mn_emu_mig *M = mn_emu_pol_mig(r->pol, G->mig);
        fprintf(f, "%s,%s,%s,%.3f,%.6f,", inst_id(w, M->inst), w->boxes[M->from].id,
                w->boxes[M->to].id, M->t_s, M->wall_end - M->wall_start);
        if (G->measured && G->g.gap_s >= 0)
            fprintf(f, "%.6f,%llu,", G->g.gap_s, (unsigned long long)G->g.lost_in_gap);
        else
            fprintf(f, ",,");
        fprintf(f, "%s,%.6f,",
                G->flow == SIZE_MAX ? "" : mn_emu_traffic_spec(r->traffic, G->flow)->id,
                M->wall_start - r->wall_start);
        if (G->measured && G->g.gap_s >= 0)
            fprintf(f, "%llu,%.6f,%.6f,", (unsigned long long)G->g.packets,
                    G->g.gap_from - r->wall_start, G->g.gap_to - r->wall_start);
        else if (G->measured)
            fprintf(f, "%llu,,,", (unsigned long long)G->g.packets);
        else
            fprintf(f, ",,,");
        fprintf(f, "%s\n", M->rc == MN_OK ? "true" : "false");
    }
}

/* summary.json's "migrations": the same rows as migrations.csv, each figure measured from the pcap.
 */
static void write_migrations_json(const struct run *r, FILE *f)
{
    const mn_world *w = &r->net->world;
    fprintf(f,
            "  \"migrations\": {\"source\": \"emulated: re-plumbing time from the backend call, "
            "gap and loss from the receiver-side pcap\", \"window_s\": [%.1f, %.1f], \"rows\": [",
            -GAP_BEFORE_S, GAP_AFTER_S);
    for (size_t k = 0; k < r->ngaps; k++) {
        const struct mig_gap *G = &r->gaps[k];
        const mn_emu_mig *M = mn_emu_pol_mig(r->pol, G->mig);
        fprintf(f, "%s\n    {\"instance\": ", k ? "," : "");
        mn_json_string(f, inst_id(w, M->inst));
        fprintf(f, ", \"from\": ");
        mn_json_string(f, w->boxes[M->from].id);
        fprintf(f, ", \"to\": ");
        mn_json_string(f, w->boxes[M->to].id);
        fprintf(f, ", \"t_s\": %.3f, \"wall_s\": %.3f, \"replumb_s\": %.6f, \"flow\": ", M->t_s,
                M->wall_start - r->wall_start, M->wall_end - M->wall_start);
        if (G->flow == SIZE_MAX)
            fprintf(f, "null");
        else
            mn_json_string(f, mn_emu_traffic_spec(r->traffic, G->flow)->id);
        if (G->measured && G->g.gap_s >= 0)
            fprintf(f, ", \"gap_s\": %.6f, \"lost_in_gap\": %llu, \"packets_in_window\": %llu}",
                    G->g.gap_s, (unsigned long long)G->g.lost_in_gap,
                    (unsigned long long)G->g.packets);
        else
            fprintf(f, ", \"gap_s\": null, \"lost_in_gap\": null, \"packets_in_window\": %llu}",
                    (unsigned long long)G->g.packets);
    }
    fprintf(f, "%s]},\n", r->ngaps ? "\n  " : "");
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
        const char *id = inst_id(w, m->inst);
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
    size_t nh = mn_emu_pol_nhandovers(r->pol), done = 0;
    for (size_t k = 0; k < nh; k++)
        done += mn_emu_pol_handover(r->pol, k)->rc == MN_OK;
    double ho_outage;
    mn_emu_pol_sla_totals(r->pol, NULL, NULL, &ho_outage);
    fprintf(f,
            "%s],\n    \"handovers\": %zu, \"handover_outage_s\": %.6f, \"hysteresis\": %g, "
            "\"handover_rows\": [",
            mn_emu_pol_nmigs(r->pol) ? "\n    " : "", done, ho_outage, w->policies.hysteresis);
    for (size_t k = 0; k < nh; k++) {
        const mn_emu_handover *h = mn_emu_pol_handover(r->pol, k);
        fprintf(f, "%s\n      {\"user\": ", k ? "," : "");
        mn_json_string(f, w->users[h->user].id);
        fprintf(f, ", \"from\": ");
        mn_json_string(f, w->vaps[h->from].id);
        fprintf(f, ", \"to\": ");
        mn_json_string(f, w->vaps[h->to].id);
        fprintf(f, ", \"t_s\": %.3f, \"wall_s\": %.3f, \"ok\": %s}", h->t_s,
                h->wall - r->wall_start, h->rc == MN_OK ? "true" : "false");
    }
    fprintf(f, "%s]\n  },\n", nh ? "\n    " : "");
}

/* summary.json's "sla": each user's SLA accounting from its measured traffic (emu/policy.h). */
static void write_sla_json(const struct run *r, FILE *f)
{
    const mn_world *w = &r->net->world;
    double viol, outage, ho;
    mn_emu_pol_sla_totals(r->pol, &viol, &outage, &ho);
    size_t violated = 0, online = 0;
    for (uint32_t u = 0; u < w->nusers; u++) {
        const mn_emu_user_sla *a = mn_emu_pol_user_sla(r->pol, u);
        online += a->windows > 0;
        violated += a->violation_s > 0;
    }
    fprintf(f,
            "  \"sla\": {\"source\": \"emulation: per policy tick and online user, its flows' "
            "received bytes and mean one-way delay over the tick against its SLA (min-throughput "
            "capped at the service's rate, within the tolerance; max-delay; max-outage); scenario "
            "seconds; a flow over the part of a tick its session was sending in\", "
            "\"tolerance\": %g, \"violation_s\": %.6f, "
            "\"outage_s\": %.6f, "
            "\"handover_outage_s\": %.6f, \"users_online\": %zu, \"users_violated\": %zu,\n"
            "    \"users\": [",
            MN_EMU_SLA_TOLERANCE, viol, outage, ho, online,
            violated);
    for (uint32_t u = 0; u < w->nusers; u++) {
        const mn_emu_user_sla *a = mn_emu_pol_user_sla(r->pol, u);
        fprintf(f, "%s\n      {\"user\": ", u ? "," : "");
        mn_json_string(f, w->users[u].id);
        fprintf(f,
                ", \"online_s\": %.3f, \"outage_s\": %.6f, \"violation_s\": %.3f, \"ticks\": %u, "
                "\"violating_ticks\": %u, \"handovers\": %u, \"need_bps\": %.0f, "
                "\"worst_tick_bps\": %.0f, \"worst_tick_delay_s\": %.6f}",
                a->online_s, a->outage_s, a->violation_s, a->windows, a->violating_windows,
                a->handovers, a->min_bps, a->worst_bps, a->worst_delay_s);
    }
    fprintf(f, "%s]},\n", w->nusers ? "\n    " : "");
}

static void on_sim_migration(void *ctx, double start_s, double end_s, const char *instance,
                             const char *from_box, const char *to_box, double downtime_s)
{
    struct simrun *S = ctx;
    if (S->nmigs == S->cap) {
        size_t cap = S->cap ? 2 * S->cap : 8;
        struct sim_mig *m = realloc(S->migs, cap * sizeof *m);
        if (!m) {
            S->oom = 1;
            return;
        }
        S->migs = m;
        S->cap = cap;
    }
    struct sim_mig *m = &S->migs[S->nmigs++];
    snprintf(m->inst, sizeof m->inst, "%s", instance);
    snprintf(m->from, sizeof m->from, "%s", from_box ? from_box : "");
    snprintf(m->to, sizeof m->to, "%s", to_box ? to_box : "");
    m->start = start_s;
    m->end = end_s;
    m->downtime = downtime_s;
}

static void on_sim_handover(void *ctx, double t_s, const char *user, const char *from_vap,
                            const char *to_vap)
{
    struct simrun *S = ctx;
    if (!user)
        return; /* a visitor: the emulation has none */
    if (S->nhos == S->hos_cap) {
        size_t cap = S->hos_cap ? 2 * S->hos_cap : 8;
        struct sim_ho *h = realloc(S->hos, cap * sizeof *h);
        if (!h) {
            S->oom = 1;
            return;
        }
        S->hos = h;
        S->hos_cap = cap;
    }
    struct sim_ho *h = &S->hos[S->nhos++];
    snprintf(h->user, sizeof h->user, "%s", user);
    snprintf(h->from, sizeof h->from, "%s", from_vap);
    snprintf(h->to, sizeof h->to, "%s", to_vap);
    h->t_s = t_s;
}

/* The --part values of the command line as a spec; MN_EINVAL (printed by the caller) for a bad one. */
static int part_spec(char **argv, int argc, mn_emu_part_spec *spec, mn_err *err)
{
    mn_emu_part_spec_init(spec);
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--part") == 0) {
            int rc = mn_emu_part_spec_add(spec, argv[++i], err);
            if (rc != MN_OK) {
                mn_emu_part_spec_fini(spec);
                return rc;
            }
        }
    return MN_OK;
}

/*
 * --part: replaces *n by the part of it the command line selects (emu/part.h) and
 * sets *out; the emulation and the simulator beside both run on that part.
 */
static int apply_part(char **argv, int argc, mn_net **n, mn_emu_part **out, mn_err *err)
{
    mn_emu_part_spec spec;
    int rc = part_spec(argv, argc, &spec, err);
    if (rc != MN_OK)
        return rc;
    mn_net *sub = NULL;
    rc = mn_emu_part_create(*n, &spec, &sub, out, err);
    mn_emu_part_spec_fini(&spec);
    if (rc != MN_OK)
        return rc;
    mn_net_destroy(*n);
    *n = sub;
    return MN_OK;
}

/*
 * The simulator in-process on a fresh load of the scenario with its duration set to
 * the scenario time the emulation covered (--duration x --time-scale) and the same
 * seed, results in DIR/sim. A failure is reported in summary.json, not fatal.
 */
static void run_simulator(struct run *r, const char *dir)
{
    struct simrun *S = calloc(1, sizeof *S);
    if (!S)
        return;
    r->sim = S;
    mn_err_clear(&S->err);
    S->duration_s = r->duration * r->time_scale;
    S->seed = r->net->has_seed ? r->net->seed : 1;
    snprintf(S->dir, sizeof S->dir, "%s/sim", dir);
    char set[96];
    snprintf(set, sizeof set, "//scenario/@duration=%.6fs", S->duration_s);
    const char *sets[1] = {set};
    mn_net *n = NULL;
    if ((S->rc = mn_net_load(r->scenario, sets, 1, &S->seed, &n, &S->err)) != MN_OK)
        return;
    mn_emu_part *part = NULL; /* the same part as the emulation's: like is compared with like */
    if (r->part && (S->rc = apply_part(r->argv, r->argc, &n, &part, &S->err)) != MN_OK) {
        mn_net_destroy(n);
        return;
    }
    mn_emu_part_destroy(part);
    mn_run_observer obs;
    memset(&obs, 0, sizeof obs);
    obs.ctx = S;
    obs.migration = on_sim_migration;
    obs.handover = on_sim_handover;
    mn_run_opts o;
    memset(&o, 0, sizeof o);
    o.seed = S->seed;
    o.seed_set = 1;
    o.out_dir = S->dir;
    o.sets = sets;
    o.nsets = 1;
    o.observer = &obs;
    S->rc = mn_world_run(n, &o, &S->sum, &S->err);
    if (S->rc == MN_OK && S->oom)
        S->rc = MN_ERR(&S->err, MN_ENOMEM, "out of memory recording the simulated migrations");
    mn_net_destroy(n);
}

/*
 * The simulator's users.csv, read once: for each user of w (the same world,
 * so the same ids) its mean_bps and sla_violation_s, -1 where the file or
 * the user's row has none.
 */
static void read_sim_users(const struct simrun *S, const mn_world *w, double *bps, double *viol)
{
    for (uint32_t u = 0; u < w->nusers; u++)
        bps[u] = viol[u] = -1;
    char path[4300], line[1024];
    snprintf(path, sizeof path, "%s/users.csv", S->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    int col_bps = -1, col_viol = -1;
    if (fgets(line, sizeof line, f)) {
        int k = 0;
        for (char *t = strtok(line, ",\n"); t; t = strtok(NULL, ",\n"), k++) {
            if (strcmp(t, "mean_bps") == 0)
                col_bps = k;
            else if (strcmp(t, "sla_violation_s") == 0)
                col_viol = k;
        }
    }
    while (fgets(line, sizeof line, f)) {
        char *save = NULL, *t = strtok_r(line, ",\n", &save);
        uint32_t v, u;
        if (!t || !mn_strmap_get(&w->ids, t, &v) || (u = v & ((1u << 28) - 1)) >= w->nusers ||
            strcmp(w->users[u].id, t) != 0)
            continue;
        for (int k = 1; (t = strtok_r(NULL, ",\n", &save)); k++) {
            if (k == col_bps)
                bps[u] = strtod(t, NULL);
            else if (k == col_viol)
                viol[u] = strtod(t, NULL);
        }
    }
    fclose(f);
}

static double flow_thr(const struct run *r, size_t i)
{
    const mn_emu_flow_stats *s = mn_emu_traffic_stats(r->traffic, i);
    double span = s->last_rx - s->first_rx;
    return span > 0 && s->received > 1 ? (double)s->bytes * 8 / span : 0;
}

/*
 * comparison.handovers: the emulated ones (balancing at the policy ticks) beside the simulated
 * ones (at the users' mobility events), matched by user and order (the k-th of a user in each),
 * null on the side that did not make it; then comparison.sla, the totals.
 */
static void write_handover_comparison(const struct run *r, FILE *f)
{
    const mn_world *w = &r->net->world;
    const struct simrun *S = r->sim;
    size_t nh = mn_emu_pol_nhandovers(r->pol), rows = 0;
    fprintf(f, "    \"handovers\": [");
    for (size_t k = 0; k < nh; k++) {
        const mn_emu_handover *h = mn_emu_pol_handover(r->pol, k);
        const char *id = w->users[h->user].id;
        size_t order = 0;
        for (size_t j = 0; j < k; j++)
            order += mn_emu_pol_handover(r->pol, j)->user == h->user;
        const struct sim_ho *sh = NULL;
        for (size_t j = 0, seen = 0; j < S->nhos && !sh; j++)
            if (strcmp(S->hos[j].user, id) == 0 && seen++ == order)
                sh = &S->hos[j];
        fprintf(f, "%s\n      {\"user\": ", rows++ ? "," : "");
        mn_json_string(f, id);
        fprintf(f, ", \"order\": %zu, \"emulated\": {\"from\": ", order + 1);
        mn_json_string(f, w->vaps[h->from].id);
        fprintf(f, ", \"to\": ");
        mn_json_string(f, w->vaps[h->to].id);
        fprintf(f, ", \"t_s\": %.3f, \"ok\": %s}, \"simulated\": ", h->t_s,
                h->rc == MN_OK ? "true" : "false");
        if (sh) {
            fprintf(f, "{\"from\": ");
            mn_json_string(f, sh->from);
            fprintf(f, ", \"to\": ");
            mn_json_string(f, sh->to);
            fprintf(f, ", \"t_s\": %.6f}", sh->t_s);
        } else {
            fprintf(f, "null");
        }
        fprintf(f, "}");
    }
    for (size_t j = 0; j < S->nhos; j++) { /* simulated handovers the emulation did not make */
        size_t order = 0, emu_count = 0;
        for (size_t i = 0; i < j; i++)
            order += strcmp(S->hos[i].user, S->hos[j].user) == 0;
        for (size_t k = 0; k < nh; k++)
            emu_count +=
                strcmp(w->users[mn_emu_pol_handover(r->pol, k)->user].id, S->hos[j].user) == 0;
        if (order < emu_count)
            continue;
        fprintf(f, "%s\n      {\"user\": ", rows++ ? "," : "");
        mn_json_string(f, S->hos[j].user);
        fprintf(f, ", \"order\": %zu, \"emulated\": null, \"simulated\": {\"from\": ", order + 1);
        mn_json_string(f, S->hos[j].from);
        fprintf(f, ", \"to\": ");
        mn_json_string(f, S->hos[j].to);
        fprintf(f, ", \"t_s\": %.6f}}", S->hos[j].t_s);
    }
    double viol;
    mn_emu_pol_sla_totals(r->pol, &viol, NULL, NULL);
    size_t done = 0;
    for (size_t k = 0; k < nh; k++)
        done += mn_emu_pol_handover(r->pol, k)->rc == MN_OK;
    fprintf(f,
            "%s],\n    \"handover_count\": {\"emulated\": %zu, \"simulated\": %.0f, \"source\": "
            "\"emulation: the balancing policy at each policy tick (policy.csv source balancing); "
            "simulator: at the users' mobility events (summary.json association.handovers)\"},\n"
            "    \"sla\": {\"emulated_violation_s\": %.3f, \"simulated_violation_s\": %.6f, "
            "\"source\": \"emulation: summary.json sla (measured per tick); simulator: "
            "sim/summary.json sla.violation_s and sim/users.csv sla_violation_s (its sessions' "
            "rates from the max-min solver)\"},\n",
            rows ? "\n    " : "", done, S->sum.metrics[MN_M_HANDOVERS], viol,
            S->sum.metrics[MN_M_SLA_VIOLATION_S]);
}

/* Field k (0-based) of CSV line (no quoting in faults.csv); "" past the end. */
static void csv_field(const char *line, int k, char *out, size_t cap)
{
    const char *p = line;
    for (int i = 0; i < k && p; i++)
        p = (p = strchr(p, ',')) ? p + 1 : NULL;
    size_t n = 0;
    while (p && p[n] && p[n] != ',' && p[n] != '\n')
        n++;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, p ? p : "", p ? n : 0);
    out[p ? n : 0] = 0;
}

/*
 * The simulated outage of target id, the order-th (0-based) of that target in the
 * simulator's sim/faults.csv (fault,kind,target,down_s,up_s,...): 1 when found.
 */
static int sim_outage(const struct simrun *S, const char *kind, const char *id, size_t order,
                      char fault[96], double *down, double *up)
{
    char path[4300], line[1024], f[96];
    snprintf(path, sizeof path, "%s/faults.csv", S->dir);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return 0;
    int found = 0;
    for (size_t seen = 0; !found && fgets(line, sizeof line, fp);) {
        csv_field(line, 1, f, sizeof f);
        if (strcmp(f, kind) != 0)
            continue;
        csv_field(line, 2, f, sizeof f);
        if (strcmp(f, id) != 0 || seen++ != order)
            continue;
        csv_field(line, 0, fault, 96);
        csv_field(line, 3, f, sizeof f);
        *down = strtod(f, NULL);
        csv_field(line, 4, f, sizeof f);
        *up = f[0] ? strtod(f, NULL) : -1;
        found = 1;
    }
    fclose(fp);
    return found;
}

static const char *fault_target(const struct run *r, int kind, uint32_t t)
{
    const mn_world *w = &r->net->world;
    return kind == MN_FAULT_BOX ? w->boxes[t].id : kind == MN_FAULT_RADIO ? w->radios[t].id
         : kind == MN_FAULT_LINK ? r->net->links[t].id : w->vms[t].id;
}

/*
 * comparison.faults: each emulated outage (emu/faults.c: failure and repair at the
 * timeline's scenario times, applied on the real-time clock) beside the simulator's
 * (sim/faults.csv), matched by target and order (the k-th outage of a target in each);
 * null on the side that has none.
 */
static void write_fault_comparison(const struct run *r, FILE *f)
{
    static const char *const kinds[] = {"box", "radio", "link", "vm"};
    const mn_world *w = &r->net->world;
    size_t no = mn_emu_faults_noutages(r->faults), rows = 0, sim_rows = 0;
    fprintf(f, "    \"faults\": [");
    for (size_t k = 0; k < no; k++) {
        const mn_emu_outage *o = mn_emu_faults_outage(r->faults, k);
        size_t order = 0;
        for (size_t j = 0; j < k; j++) {
            const mn_emu_outage *q = mn_emu_faults_outage(r->faults, j);
            order += q->kind == o->kind && q->target == o->target;
        }
        const char *id = fault_target(r, o->kind, o->target);
        char sf[96];
        double sd = 0, su = -1;
        int have = sim_outage(r->sim, kinds[o->kind], id, order, sf, &sd, &su);
        fprintf(f, "%s\n      {\"kind\": \"%s\", \"target\": ", rows++ ? "," : "", kinds[o->kind]);
        mn_json_string(f, id);
        fprintf(f, ", \"order\": %zu, \"emulated\": {\"fault\": ", order + 1);
        mn_json_string(f, w->faults[o->fault].id);
        fprintf(f, ", \"down_s\": %.6f, \"up_s\": ", o->down_s);
        if (o->up_s >= 0)
            fprintf(f, "%.6f", o->up_s);
        else
            fprintf(f, "null");
        fprintf(f, ", \"late_s\": %.6f, \"emulated\": %s}, \"simulated\": ", o->late_s,
                o->rc == MN_OK ? "true" : "false");
        if (have) {
            fprintf(f, "{\"fault\": ");
            mn_json_string(f, sf);
            fprintf(f, ", \"down_s\": %.6f, \"up_s\": ", sd);
            if (su >= 0)
                fprintf(f, "%.6f}", su);
            else
                fprintf(f, "null}");
        } else {
            fprintf(f, "null");
        }
        fprintf(f, "}");
    }
    /* simulated outages beyond the emulated ones (should be none: the same timeline) */
    char path[4300], line[1024];
    snprintf(path, sizeof path, "%s/faults.csv", r->sim->dir);
    FILE *fp = fopen(path, "r");
    if (fp) {
        if (fgets(line, sizeof line, fp))
            while (fgets(line, sizeof line, fp))
                sim_rows++;
        fclose(fp);
    }
    fprintf(f,
            "%s],\n    \"fault_count\": {\"emulated\": %zu, \"simulated\": %zu, \"source\": "
            "\"emulation: emu/faults.c on the real-time clock (policy.csv source fault); "
            "simulator: sim/faults.csv; the same draws (sim/models/fault.h)\"},\n",
            rows ? "\n    " : "", no, sim_rows);
}

/* summary.json's "simulated" and "comparison": each figure labelled with where it comes from. */
static const char *latency_note(const struct run *r);

static void write_comparison_json(const struct run *r, FILE *f)
{
    const mn_world *w = &r->net->world;
    const struct simrun *S = r->sim;
    if (!S) {
        fprintf(f, "  \"simulated\": null,\n  \"comparison\": null\n");
        return;
    }
    fprintf(f,
            "  \"simulated\": {\"source\": \"simulator (mn_world_run in-process), same scenario "
            "and seed\", \"dir\": \"sim\", \"seed\": %llu, \"duration_s\": %.3f, ",
            (unsigned long long)S->seed, S->duration_s);
    if (r->part) { /* the simulator ran the same part (run_simulator) */
        fprintf(f, "\"part\": ");
        mn_json_string(f, r->part->spec);
        fprintf(f, ", ");
    }
    if (S->rc != MN_OK) {
        fprintf(f, "\"error\": ");
        mn_json_string(f, S->err.msg[0] ? S->err.msg : mn_strerror(S->rc));
        fprintf(f, "},\n  \"comparison\": null\n");
        return;
    }
    fprintf(f, "\"metrics\": {");
    for (int k = 0; k < MN_RUN_NMETRICS; k++)
        fprintf(f, "%s\"%s\": %.9g", k ? ", " : "", mn_run_metric_names[k], S->sum.metrics[k]);
    fprintf(f, "},\n    \"migrations\": [");
    for (size_t k = 0; k < S->nmigs; k++) {
        fprintf(f, "%s\n      {\"instance\": ", k ? "," : "");
        mn_json_string(f, S->migs[k].inst);
        fprintf(f, ", \"from\": ");
        mn_json_string(f, S->migs[k].from);
        fprintf(f, ", \"to\": ");
        mn_json_string(f, S->migs[k].to);
        fprintf(f, ", \"start_s\": %.6f, \"end_s\": %.6f, \"downtime_s\": %.6f}", S->migs[k].start,
                S->migs[k].end, S->migs[k].downtime);
    }
    fprintf(f, "%s]},\n", S->nmigs ? "\n    " : "");
    /* migrations matched by instance and order: the k-th of an instance in each */
    fprintf(f, "  \"comparison\": {\n    \"migrations\": [");
    size_t nm = mn_emu_pol_nmigs(r->pol), rows = 0;
    for (size_t m = 0; m < nm; m++) {
        const mn_emu_mig *M = mn_emu_pol_mig(r->pol, m);
        const char *id = inst_id(w, M->inst);
        size_t order = 0;
        for (size_t j = 0; j < m; j++)
            order += mn_emu_pol_mig(r->pol, j)->inst == M->inst;
        const struct sim_mig *sm = NULL;
        for (size_t j = 0, seen = 0; j < S->nmigs && !sm; j++)
            if (strcmp(S->migs[j].inst, id) == 0 && seen++ == order)
                sm = &S->migs[j];
        const struct mig_gap *worst = NULL; /* the affected flow with the longest gap */
        for (size_t k = 0; k < r->ngaps; k++)
            if (r->gaps[k].mig == m && r->gaps[k].measured && r->gaps[k].g.gap_s >= 0 &&
                (!worst || r->gaps[k].g.gap_s > worst->g.gap_s))
                worst = &r->gaps[k];
        fprintf(f, "%s\n      {\"instance\": ", rows++ ? "," : "");
        mn_json_string(f, id);
        fprintf(f, ", \"order\": %zu,\n       \"emulated\": {\"from\": ", order + 1);
        mn_json_string(f, w->boxes[M->from].id);
        fprintf(f, ", \"to\": ");
        mn_json_string(f, w->boxes[M->to].id);
        fprintf(f, ", \"t_s\": %.3f, \"replumb_s\": %.6f, \"gap_s\": ", M->t_s,
                M->wall_end - M->wall_start);
        if (worst) {
            fprintf(f, "%.6f, \"lost_in_gap\": %llu, \"flow\": ", worst->g.gap_s,
                    (unsigned long long)worst->g.lost_in_gap);
            mn_json_string(f, mn_emu_traffic_spec(r->traffic, worst->flow)->id);
        } else {
            fprintf(f, "null, \"lost_in_gap\": null, \"flow\": null");
        }
        fprintf(f, ", \"source\": \"emulation: backend call time; gap from the pcap\"},\n"
                   "       \"simulated\": ");
        if (sm) {
            fprintf(f, "{\"from\": ");
            mn_json_string(f, sm->from);
            fprintf(f, ", \"to\": ");
            mn_json_string(f, sm->to);
            fprintf(f,
                    ", \"start_s\": %.6f, \"end_s\": %.6f, \"downtime_s\": %.6f, \"source\": "
                    "\"simulator: pre-copy rounds then stop-and-copy\"}",
                    sm->start, sm->end, sm->downtime);
        } else {
            fprintf(f, "null");
        }
        fprintf(f, "}");
    }
    /* simulated migrations the emulation did not make */
    for (size_t j = 0; j < S->nmigs; j++) {
        size_t order = 0, emu_count = 0;
        for (size_t i = 0; i < j; i++)
            order += strcmp(S->migs[i].inst, S->migs[j].inst) == 0;
        for (size_t m = 0; m < nm; m++)
            emu_count += strcmp(inst_id(w, mn_emu_pol_mig(r->pol, m)->inst), S->migs[j].inst) == 0;
        if (order < emu_count)
            continue;
        fprintf(f, "%s\n      {\"instance\": ", rows++ ? "," : "");
        mn_json_string(f, S->migs[j].inst);
        fprintf(f, ", \"order\": %zu, \"emulated\": null, \"simulated\": {\"from\": ", order + 1);
        mn_json_string(f, S->migs[j].from);
        fprintf(f, ", \"to\": ");
        mn_json_string(f, S->migs[j].to);
        fprintf(f, ", \"start_s\": %.6f, \"end_s\": %.6f, \"downtime_s\": %.6f}}", S->migs[j].start,
                S->migs[j].end, S->migs[j].downtime);
    }
    fprintf(f, "%s],\n    \"users\": [", rows ? "\n    " : "");
    size_t nu = 0;
    /* per user: its flows' throughput and count (one pass), and the simulator's figures */
    double *emu_bps = calloc(w->nusers ? 4 * w->nusers : 1, sizeof *emu_bps);
    double *nflows_of = emu_bps + w->nusers, *sim_bps = emu_bps + 2 * w->nusers,
           *sim_viol_of = emu_bps + 3 * w->nusers;
    if (emu_bps) {
        for (size_t i = 0; i < r->nflows; i++)
            if (r->flow_user[i] < w->nusers) {
                emu_bps[r->flow_user[i]] += flow_thr(r, i);
                nflows_of[r->flow_user[i]]++;
            }
        read_sim_users(S, w, sim_bps, sim_viol_of);
    }
    for (uint32_t u = 0; emu_bps && u < w->nusers; u++) {
        double emu = emu_bps[u];
        size_t nf = (size_t)nflows_of[u];
        double sim = sim_bps[u];
        if (!nf && sim < 0)
            continue;
        fprintf(f, "%s\n      {\"user\": ", nu++ ? "," : "");
        mn_json_string(f, w->users[u].id);
        fprintf(f,
                ", \"emulated_bps\": %.0f, \"emulated_flows\": %zu, \"simulated_mean_bps\": ", emu,
                nf);
        if (sim >= 0)
            fprintf(f, "%.0f", sim);
        else
            fprintf(f, "null");
        double sim_viol = sim_viol_of[u];
        fprintf(f, ", \"emulated_sla_violation_s\": %.3f, \"simulated_sla_violation_s\": ",
                mn_emu_pol_user_sla(r->pol, u)->violation_s);
        if (sim_viol >= 0)
            fprintf(f, "%.3f", sim_viol);
        else
            fprintf(f, "null");
        fprintf(f, "}");
    }
    free(emu_bps);
    fprintf(f, "%s],\n", nu ? "\n    " : "");
    write_handover_comparison(r, f);
    write_fault_comparison(r, f);
    fprintf(
        f,
        "    \"sources\": {\"emulated_bps\": \"emulation: the sum of the user's flows' throughput "
        "(flows.csv throughput_bps: payload bits received between the first and last datagram)\", "
        "\"simulated_mean_bps\": \"simulator: sim/users.csv mean_bps (the user's session bytes "
        "over "
        "its online time)\", \"emulated gap_s\": \"emulation: the longest silence of the affected "
        "flow at its receiver-side capture in [start - %.0f s, start + %.0f s]\", \"simulated "
        "downtime_s\": \"simulator: the stop-and-copy phase of its live migration\"},\n",
        GAP_BEFORE_S, GAP_AFTER_S);
    fprintf(
        f,
        "    \"notes\": [%s, \"no radio contention in the emulation: the air is an htb per "
        "direction at one station's MAC throughput (Bianchi); the simulator shares airtime\", "
        "\"the simulated migration copies the instance's memory over the uplink in pre-copy rounds "
        "(start_s to end_s) and stops it for the last copy (downtime_s); the emulated one only "
        "re-plumbs its veths and routes (replumb_s), during which the single-threaded generator "
        "also pauses\", \"%s\", \"scenario time: the simulator ran %.3f s (--duration x "
        "--time-scale); the "
        "emulation's traffic ran %.3f s of wall time\"]\n  }\n",
        latency_note(r),
        r->sessions ? "the emulation draws its sessions from its own stream (emu-sessions) and "
                      "starts every one; the simulator draws from its stream (sessions) and "
                      "blocks those it cannot serve"
                    : "the emulation runs one flow per service and direction for the whole "
                      "run (--traffic continuous); the simulator draws sessions (interarrival, "
                      "duration or size) and blocks those it cannot serve",
        S->duration_s, r->duration);
}

/* Whether any topology link or box uplink of the scenario has a latency. */
static int has_latency(const mn_net *n)
{
    for (size_t l = 0; l < n->nlinks; l++)
        if (n->links[l].latency > 0)
            return 1;
    for (size_t b = 0; b < n->world.nboxes; b++)
        if (n->world.boxes[b].uplink_latency > 0)
            return 1;
    return 0;
}

/* The comparison's note on latency (a JSON string). */
static const char *latency_note(const struct run *r)
{
    if (!has_latency(r->net))
        return "\"no link or uplink of this scenario has a latency\"";
    if (!mn_emu_delay_on(r->emu))
        return "\"--delay off: the emulation has no link or uplink latency (no netem in this "
               "kernel), the simulator has them\"";
    return "\"link and uplink latencies: the emulation holds every frame for its link's one-way "
           "latency in the user-space delay line (delay_line: taps, plus its wakeup lateness "
           "late_mean_s), the simulator adds the same latencies as propagation\"";
}

static void dl_dir_json(FILE *f, mn_emu_dl_stats s)
{
    fprintf(f,
            "{\"frames_in\": %llu, \"forwarded\": %llu, \"bytes\": %llu, \"dropped_full\": %llu, "
            "\"dropped_write\": %llu, \"max_queue_frames\": %llu, \"max_queue_bytes\": %llu, "
            "\"late_mean_s\": %.9f, \"late_max_s\": %.9f}",
            (unsigned long long)s.frames_in, (unsigned long long)s.forwarded,
            (unsigned long long)s.bytes, (unsigned long long)s.dropped_full,
            (unsigned long long)s.dropped_write, (unsigned long long)s.max_queue_frames,
            (unsigned long long)s.max_queue_bytes,
            s.forwarded ? (double)s.late_sum_ns / (double)s.forwarded / 1e9 : 0,
            (double)s.late_max_ns / 1e9);
}

/*
 * summary.json's "delay_line": the user-space delay line (emu/delayline.h) and its counters,
 * in total and per link and direction (a_to_b: a topology link's from -> to, an uplink's
 * dom0 -> node).
 */
static void write_delay_json(const struct run *r, FILE *f)
{
    const mn_emu_dl *d = mn_emu_delayline(r->emu);
    mn_emu_dl_stats t = mn_emu_dl_total(d);
    int terr = mn_emu_dl_thread_errno(d);
    fprintf(f,
            "  \"delay_line\": {\"mode\": \"%s\", \"source\": \"emulation: link and uplink "
            "latencies > 0 as tap pairs forwarded by our thread after the one-way latency (FIFO "
            "per direction, drop-tail at limit_bytes); counters since the build\", \"links\": %zu, "
            "\"forwarded\": %llu, \"dropped\": %llu, \"max_queue_frames\": %llu, "
            "\"max_queue_bytes\": %llu, \"late_mean_s\": %.9f, \"late_max_s\": %.9f, "
            "\"cpu_s\": %.6f, \"thread_error\": ",
            mn_emu_delay_on(r->emu) ? "on" : "off", mn_emu_dl_count(d),
            (unsigned long long)t.forwarded,
            (unsigned long long)(t.dropped_full + t.dropped_write),
            (unsigned long long)t.max_queue_frames, (unsigned long long)t.max_queue_bytes,
            t.forwarded ? (double)t.late_sum_ns / (double)t.forwarded / 1e9 : 0,
            (double)t.late_max_ns / 1e9, mn_emu_dl_cpu_s(d));
    if (terr)
        mn_json_string(f, strerror(terr));
    else
        fprintf(f, "null");
    fprintf(f, ", \"per_link\": [");
    for (size_t l = 0; l < mn_emu_dl_count(d); l++) {
        fprintf(f, "%s\n    {\"link\": ", l ? "," : "");
        mn_json_string(f, mn_emu_dl_label(d, l));
        fprintf(f, ", \"delay_s\": %.9f, \"limit_bytes\": %zu, \"a_to_b\": ",
                (double)mn_emu_dl_delay(d, l) / 1e9, mn_emu_dl_limit(d, l));
        dl_dir_json(f, mn_emu_dl_get_stats(d, l, 0));
        fprintf(f, ", \"b_to_a\": ");
        dl_dir_json(f, mn_emu_dl_get_stats(d, l, 1));
        fprintf(f, "}");
    }
    fprintf(f, "%s]},\n", mn_emu_dl_count(d) ? "\n  " : "");
}

static int write_reports(struct run *r, const char *dir, mn_err *err)
{
    const mn_world *w = &r->net->world;
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, "flows.csv", err);
    if (rc != MN_OK)
        return rc;
    fprintf(o.f, "flow,user,service,direction,kind,from_ns,to_ns,offered_bps,sent,received,lost,"
                 "loss,throughput_bps,delay_mean_s,delay_max_s,max_gap_s,radio_bps,path,proto,"
                 "reordered,family,session,start_s,end_s,size_bytes,completion_s\n");
    uint64_t sent = 0, recv = 0;
    double thr_sum = 0, delay_sum = 0;
    size_t nxfer = 0, ndone = 0; /* sized transfer flows, and those that completed */
    for (size_t i = 0; i < r->nflows; i++) {
        const mn_emu_flow_spec *f = mn_emu_traffic_spec(r->traffic, i);
        const mn_emu_flow_stats *s = mn_emu_traffic_stats(r->traffic, i);
        double span = s->last_rx - s->first_rx;
        double thr = span > 0 && s->received > 1 ? (double)s->bytes * 8 / span : 0;
        uint64_t lost = s->sent > s->received ? s->sent - s->received : 0;
        uint32_t vap = mn_emu_user_vap(r->emu, r->flow_user[i]);
        uint32_t vr = vap == MN_NONE ? MN_NONE : mn_emu_inst_radio(r->emu, vap);
        double radio = vr == MN_NONE ? 0 : mn_emu_radio_bps(r->emu, vr); /* movable: where it is now */
        fprintf(o.f, "%s,%s,%s,%s,%s,%s,%s,%.0f,%llu,%llu,%llu,%.6f,%.0f,%.6f,%.6f,%.6f,%.0f,",
                f->id, w->users[r->flow_user[i]].id, w->services[r->flow_svc[i]].id,
                r->flow_dir[i] == MN_DIR_DOWN ? "down" : "up",
                f->tcp       ? "bulk"
                : f->poisson ? "poisson"
                             : "cbr",
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
        fprintf(o.f, ",%s,%llu,%s,%u,%.6f,%.6f,", f->tcp ? "tcp" : "udp",
                (unsigned long long)s->reordered, f->family == AF_INET6 ? "ipv6" : "ipv4",
                r->flow_sess[i], f->start_s, f->stop_s > 0 ? f->stop_s : r->duration);
        if (f->size_bytes)
            fprintf(o.f, "%llu", (unsigned long long)f->size_bytes);
        fputc(',', o.f);
        /* a sized transfer completed when its receiver read the end of the stream */
        if (f->size_bytes && s->eof_at > 0 && s->bytes == f->size_bytes)
            fprintf(o.f, "%.6f", s->eof_at - f->start_s);
        fputc('\n', o.f);
        if (f->tcp && f->size_bytes) {
            nxfer++;
            if (s->eof_at > 0 && s->bytes == f->size_bytes)
                ndone++;
        }
        if (!f->tcp) { /* datagrams; a TCP flow counts bytes */
            sent += s->sent;
            recv += s->received;
        }
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
    fprintf(o.f, ",\n  \"part\": ");
    if (r->part)
        mn_emu_part_write_json(r->part, o.f);
    else
        fprintf(o.f, "null");
    fprintf(o.f,
            ",\n  \"duration_s\": %.3f,\n  \"namespaces\": %u,\n  \"links\": %u,\n  \"qdiscs\": %u,\n"
            "  \"routes\": %u,\n  \"flows\": %zu,\n  \"sent\": %llu,\n  \"received\": %llu,\n"
            "  \"loss\": %.6f,\n  \"mean_flow_throughput_bps\": %.0f,\n  \"mean_delay_s\": %.6f,\n",
            r->duration, c.namespaces, c.links, c.qdiscs, c.routes, r->nflows,
            (unsigned long long)sent, (unsigned long long)recv,
            sent ? (double)(sent - (recv < sent ? recv : sent)) / (double)sent : 0,
            r->nflows ? thr_sum / (double)r->nflows : 0, recv ? delay_sum / (double)recv : 0);
    fprintf(o.f,
            "  \"traffic\": {\"mode\": \"%s\", \"sessions_drawn\": %zu, \"streams\": %zu, "
            "\"transfers\": %zu, \"transfer_flows\": %zu, \"transfers_completed\": %zu, "
            "\"rng_stream\": \"emu-sessions\", \"seed\": %llu, \"time_scale\": %g, "
            "\"scenario_s\": %.3f},\n",
            r->sessions ? "sessions" : "continuous", r->ndrawn, r->ndrawn_kind[MN_SVC_STREAM],
            r->ndrawn_kind[MN_SVC_TRANSFER], nxfer, ndone,
            (unsigned long long)(r->net->has_seed ? r->net->seed : 1), r->time_scale,
            r->duration * r->time_scale);
    fprintf(o.f, "  \"captures\": [");
    for (size_t p = 0; p < mn_emu_capture_points(r->cap); p++) {
        fprintf(o.f, "%s\n    {\"point\": ", p ? "," : "");
        mn_json_string(o.f, mn_emu_capture_label(r->cap, p));
        fprintf(o.f, ", \"packets\": %llu}", (unsigned long long)mn_emu_capture_packets(r->cap, p));
    }
    fprintf(o.f, "\n  ],\n  \"not_emulated\": [\"");
    mn_emu_write_limits(r->emu, o.f, "\", \"");
    fprintf(o.f, "\"],\n");
    write_delay_json(r, o.f);
    write_policies_json(r, o.f);
    write_sla_json(r, o.f);
    write_migrations_json(r, o.f);
    write_comparison_json(r, o.f);
    fprintf(o.f, "}\n");
    if ((rc = mn_outfile_commit(&o, err)) != MN_OK)
        return rc;
    if ((rc = mn_outfile_open(&o, dir, "migrations.csv", err)) != MN_OK)
        return rc;
    write_migrations_csv(r, o.f);
    if ((rc = mn_outfile_commit(&o, err)) != MN_OK)
        return rc;
    if ((rc = mn_outfile_open(&o, dir, "policy.csv", err)) != MN_OK)
        return rc;
    mn_emu_pol_write_log(r->pol, o.f);
    return mn_outfile_commit(&o, err);
}

static int count_ns(const char *name, void *ctx)
{
    (void)name;
    ++*(unsigned *)ctx;
    return 0;
}

/*
 * --build-only: builds the world as mn_emu_build makes it (pinned instances on their box,
 * movable ones on their first candidate, users on their best vAP at home), counts the
 * prefix's entries in /run/netns, tears it all down and counts again, then writes
 * summary.json (counts and times). No traffic, capture, policy or simulator run.
 * load_s: the scenario's load, measured by the caller.
 */
static int build_only(struct run *r, const char *dir, const char *prefix, double load_s,
                      mn_err *err)
{
    double t0 = mn_sys_monotonic_s();
    int rc = mn_emu_build(r->emu, (volatile const int *)&g_stop, err);
    double t1 = mn_sys_monotonic_s();
    unsigned seen = 0, left = 0;
    mn_emu_netns_each(prefix, count_ns, &seen);
    mn_emu_counts c = mn_emu_get_counts(r->emu);
    double t2 = mn_sys_monotonic_s();
    mn_emu_destroy(r->emu, 0);
    r->emu = NULL;
    double t3 = mn_sys_monotonic_s();
    mn_emu_netns_each(prefix, count_ns, &left);
    if (rc != MN_OK)
        return rc;
    if (left)
        return MN_ERR(err, MN_EIO, "%u namespace(s) of %s left after the teardown", left, prefix);
    if (seen != c.namespaces)
        return MN_ERR(err, MN_EIO, "built %u namespaces but /run/netns showed %u of %s",
                      c.namespaces, seen, prefix);
    mn_outfile o;
    if ((rc = mn_mkdir_p(dir, err)) != MN_OK ||
        (rc = mn_outfile_open(&o, dir, "summary.json", err)) != MN_OK)
        return rc;
    fprintf(o.f, "{\n  \"mode\": \"build-only\",\n  \"scenario\": ");
    mn_json_string(o.f, r->net->name);
    fprintf(o.f, ",\n  \"prefix\": ");
    mn_json_string(o.f, prefix);
    fprintf(o.f,
            ",\n  \"namespaces\": %u,\n  \"links\": %u,\n  \"qdiscs\": %u,\n  \"routes\": %u,\n"
            "  \"namespaces_seen\": %u,\n  \"namespaces_left\": %u,\n  \"load_s\": %.6f,\n"
            "  \"build_s\": %.6f,\n  \"teardown_s\": %.6f,\n  \"build_teardown_s\": %.6f\n}\n",
            c.namespaces, c.links, c.qdiscs, c.routes, seen, left, load_s, t1 - t0, t3 - t2,
            (t1 - t0) + (t3 - t2));
    if ((rc = mn_outfile_commit(&o, err)) != MN_OK)
        return rc;
    printf("built %s: %u namespaces, %u links in %.3f s, torn down in %.3f s; summary in %s\n",
           r->net->name, c.namespaces, c.links, t1 - t0, t3 - t2, dir);
    return MN_OK;
}

int mn_cli_emu(int argc, char **argv)
{
    const char *scenario = NULL, *out = NULL, *prefix_arg = NULL, *dur_text = "10s";
    double time_scale = 1;
    int delay_on = 1; /* --delay: link latencies through the user-space delay line */
    int keep = 0, only_build = 0, nparts = 0;
    int sessions = 1; /* --traffic sessions|continuous */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--cleanup") == 0)
            return do_cleanup(i + 1 < argc && argv[i + 1][0] != '-' ? argv[i + 1] : NULL);
        if (strcmp(a, "--keep") == 0)
            keep = 1;
        else if (strcmp(a, "--part") == 0) {
            if (i + 1 >= argc) {
                usage_error("missing value after --part: write box=ID[,ID...] or "
                            "site=ID[,ID...]; e.g.",
                            "--part box=b1,b2");
                return MN_EXIT_USAGE;
            }
            nparts++;
            i++;
        }
        else if (strcmp(a, "--build-only") == 0)
            only_build = 1;
        else if (strcmp(a, "--delay") == 0) {
            if ((delay_on = two_way_option(argc, argv, &i, "--delay", "on", "off")) < 0)
                return MN_EXIT_USAGE;
        }
        else if (strcmp(a, "--traffic") == 0) {
            if ((sessions = two_way_option(argc, argv, &i, "--traffic", "sessions", "continuous")) < 0)
                return MN_EXIT_USAGE;
        }
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
    if (only_build && keep) {
        usage_error("--build-only tears the world down; it does not go with", "--keep");
        return MN_EXIT_USAGE;
    }
    mn_err err;
    mn_err_clear(&err);
    if (nparts) { /* the spec's form now; its ids once the scenario is loaded */
        mn_emu_part_spec spec;
        if (part_spec(argv, argc, &spec, &err) != MN_OK) {
            fprintf(stderr, "mnetsim: emu: %s: %s\n", err.where, err.msg);
            return MN_EXIT_USAGE;
        }
        mn_emu_part_spec_fini(&spec);
    }
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
    r.sessions = sessions;
    r.scenario = scenario;
    double load_start = mn_sys_monotonic_s();
    if (mn_net_load(scenario, NULL, 0, NULL, &r.net, &err) != MN_OK) {
        mn_cli_print_error(&err);
        return MN_EXIT_USAGE;
    }
    if (nparts) {
        r.argv = argv;
        r.argc = argc;
        if (apply_part(argv, argc, &r.net, &r.part, &err) != MN_OK) {
            fprintf(stderr, "mnetsim: emu: %s: %s\n", err.where, err.msg);
            mn_net_destroy(r.net);
            return MN_EXIT_USAGE;
        }
        const mn_emu_part *P = r.part;
        size_t need = mn_emu_namespaces_needed(r.net);
        if (need > MN_EMU_MAX_NAMESPACES) {
            fprintf(stderr,
                    "mnetsim: emu: --part %s: the part needs %zu network namespaces (%zu box "
                    "dom0s, %zu vAPs, %zu VMs, %zu users, %zu topology nodes + 1 Internet); "
                    "emulation handles at most %d: select fewer boxes\n",
                    P->spec, need, P->npart[MN_EMU_PART_BOX], P->npart[MN_EMU_PART_VAP],
                    P->npart[MN_EMU_PART_VM], P->npart[MN_EMU_PART_USER],
                    P->npart[MN_EMU_PART_NODE], MN_EMU_MAX_NAMESPACES);
            mn_emu_part_destroy(r.part);
            mn_net_destroy(r.net);
            return MN_EXIT_USAGE;
        }
        fprintf(stderr,
                "mnetsim: emu: part %s: %zu of %zu boxes, %zu of %zu instances, %zu of %zu "
                "users, %zu of %zu topology nodes: %zu namespaces (the whole scenario: %zu)\n",
                P->spec, P->npart[MN_EMU_PART_BOX], P->nfull[MN_EMU_PART_BOX],
                P->npart[MN_EMU_PART_VAP] + P->npart[MN_EMU_PART_VM],
                P->nfull[MN_EMU_PART_VAP] + P->nfull[MN_EMU_PART_VM], P->npart[MN_EMU_PART_USER],
                P->nfull[MN_EMU_PART_USER], P->npart[MN_EMU_PART_NODE],
                P->nfull[MN_EMU_PART_NODE], need, P->namespaces_full);
        for (size_t k = 0; k < P->nneeds; k++)
            fprintf(stderr, "mnetsim: emu: part: %s\n", P->needs[k]);
    }
    if (mn_emu_create(r.net, prefix, &r.emu, &err) != MN_OK) {
        mn_cli_print_error(&err);
        mn_emu_part_destroy(r.part);
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
    mn_emu_set_delay(r.emu, delay_on);
    if (only_build) {
        if ((rc = build_only(&r, dir, prefix, mn_sys_monotonic_s() - load_start, &err)) == MN_OK)
            status = MN_EXIT_OK;
        goto done;
    }
    mn_emu_defer_movable(r.emu); /* the placement policy places them (emu/policy.c) */
    mn_emu_pol_opts po = {time_scale, {NULL, NULL, NULL}, r.net->has_seed ? r.net->seed : 1};
    if ((rc = mn_emu_build(r.emu, (volatile const int *)&g_stop, &err)) != MN_OK ||
        (rc = mn_emu_pol_create(r.emu, r.net, &po, &r.pol, &err)) != MN_OK ||
        (rc = mn_emu_pol_place(r.pol, &err)) != MN_OK ||
        (rc = mn_emu_faults_create(r.emu, r.net, r.pol, po.seed, time_scale,
                                   r.duration * time_scale, &r.faults, &err)) != MN_OK ||
        (rc = mn_mkdir_p(dir, &err)) != MN_OK ||
        (rc = mn_emu_clock_create(NULL, &r.clock, &err)) != MN_OK)
        goto done;
    struct ev_loop *loop = mn_emu_clock_loop(r.clock);
    /* sessions: every flow's sockets exist for the whole run (up to MAX_FLOWS x 3) */
    struct rlimit nofile;
    if (r.sessions && getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    /* the traffic runs on a thread of its own: it keeps sending while this loop re-plumbs */
    if ((rc = mn_emu_traffic_create(r.net->has_seed ? r.net->seed : 1, &r.traffic, &err)) !=
            MN_OK ||
        (rc = add_flows(&r, &err)) != MN_OK ||
        /* the SLA accounting judges each flow over the windows its session was sending in */
        (rc = mn_emu_pol_set_traffic(r.pol, r.traffic, r.flow_user, r.flow_svc, r.nflows,
                                     r.duration, &err)) != MN_OK ||
        (rc = mn_emu_capture_create(loop, r.nflows, &r.cap, &err)) != MN_OK ||
        (rc = map_tcp(&r, &err)) != MN_OK || (rc = add_captures(&r, dir, &err)) != MN_OK)
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
    if ((rc = mn_emu_traffic_start(r.traffic, r.duration, &err)) != MN_OK)
        goto done;
    ev_timer_start(loop, &watch);
    if (mn_emu_pol_active(r.pol))
        mn_emu_pol_start(r.pol, loop);
    if (mn_emu_faults_events(r.faults))
        mn_emu_faults_start(r.faults, loop); /* scenario time 0: the traffic's start */
    if (!g_stop)
        ev_run(loop, 0);
    ev_timer_stop(loop, &watch);
    mn_emu_traffic_stop(r.traffic); /* joined: its counters are final from here on */
    mn_emu_pol_stop(r.pol);
    mn_emu_faults_stop(r.faults);
    if (mn_emu_pol_status(r.pol, &err) != MN_OK || mn_emu_faults_status(r.faults, &err) != MN_OK) {
        rc = err.code ? err.code : MN_EIO;
        goto done;
    }
    if (g_stop) {
        rc = MN_ERR(&err, MN_EIO, "interrupted by a signal: everything removed");
        goto done;
    }
    mn_emu_capture_flush(r.cap);
    if ((rc = measure_gaps(&r, &err)) != MN_OK)
        goto done;
    if (r.net->world.present)
        run_simulator(&r, dir);
    if ((rc = write_reports(&r, dir, &err)) != MN_OK)
        goto done;
    printf("emulated %s: %zu flows, results in %s\n", r.net->name, r.nflows, dir);
    status = MN_EXIT_OK;
done:
    if (rc != MN_OK)
        mn_cli_print_error(&err);
    mn_emu_capture_destroy(r.cap);
    mn_emu_faults_destroy(r.faults);
    mn_emu_pol_destroy(r.pol);
    mn_emu_traffic_destroy(r.traffic);
    mn_emu_clock_destroy(r.clock);
    if (keep && !g_stop)
        fprintf(stderr, "mnetsim: emu: kept; remove with `mnetsim emu --cleanup %.8s`\n", prefix);
    mn_emu_destroy(r.emu, keep && !g_stop);
    mn_emu_part_destroy(r.part);
    mn_net_destroy(r.net);
    free(r.flow_user);
    free(r.flow_svc);
    free(r.flow_dir);
    free(r.flow_sess);
    free(r.pcap);
    free(r.user_point);
    free(r.gaps);
    if (r.sim)
        free(r.sim->migs);
    if (r.sim)
        free(r.sim->hos);
    free(r.sim);
    return status;
}
