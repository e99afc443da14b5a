/* cmd_bench.c - `mnetsim bench phold`: engine against a reference heap. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench/flows.h"
#include "../bench/phold.h"
#include "../core/alloc.h"
#include "../core/outfile.h"
#include "../core/evq.h"
#include "commands.h"

/* "--end 1000" is seconds; "--end 10min" is a duration with a unit. */
static int parse_end(const char *text, mn_time *out)
{
    char *end;
    double sec = strtod(text, &end);
    if (end != text && *end == '\0') {
        if (!(sec >= 0) || sec > 9.2e9) {
            fprintf(stderr, "mnetsim: --end: \"%s\" must be between 0 and 9.2e9 seconds\n", text);
            return MN_ERANGE;
        }
        *out = mn_time_from_sec(sec);
        return MN_OK;
    }
    mn_err err = {0};
    if (mn_time_parse(text, "--end", out, &err) != MN_OK) {
        mn_cli_print_error(&err);
        return err.code;
    }
    return MN_OK;
}

static void print_row(const char *label, const mn_phold_result *r)
{
    printf("%-10s events=%-12" PRIu64 " wall=%8.3fs %8.2f Mevents/s  peak RSS %8.1f MB%s\n", label,
           r->events, r->wall_s, r->mevents_per_s, r->peak_rss_mb,
           r->peak_rss_is_isolated ? "" : " (process peak)");
}

static int bench_phold(int argc, char **argv)
{
    static const struct option opts[] = {
        {"lps", required_argument, NULL, 'n'},   {"events", required_argument, NULL, 'e'},
        {"end", required_argument, NULL, 't'},   {"seed", required_argument, NULL, 's'},
        {"queue", required_argument, NULL, 'q'}, {"no-reference", no_argument, NULL, 'R'},
        {"json", no_argument, NULL, 'j'},        {NULL, 0, NULL, 0},
    };
    mn_phold_params p = {.seed = 1};
    int have_lps = 0, have_events = 0, have_end = 0, json = 0, reference = 1;
    unsigned long long v;
    mn_err err = {0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (mn_cli_parse_u64("--lps", optarg, &v) != MN_OK)
                return MN_EXIT_USAGE;
            p.lps = v;
            have_lps = 1;
            break;
        case 'e':
            if (mn_cli_parse_u64("--events", optarg, &v) != MN_OK)
                return MN_EXIT_USAGE;
            p.events_per_lp = v;
            have_events = 1;
            break;
        case 't':
            if (parse_end(optarg, &p.end) != MN_OK)
                return MN_EXIT_USAGE;
            have_end = 1;
            break;
        case 's':
            if (mn_cli_parse_u64("--seed", optarg, &v) != MN_OK)
                return MN_EXIT_USAGE;
            p.seed = v;
            break;
        case 'q':
            p.queue = mn_evq_lookup(optarg, &err);
            if (!p.queue) {
                fprintf(stderr, "mnetsim: --queue: %s\n", err.msg);
                return MN_EXIT_USAGE;
            }
            break;
        case 'R':
            reference = 0;
            break;
        case 'j':
            json = 1;
            break;
        default:
            fprintf(stderr, "mnetsim: bench phold: unknown or incomplete option \"%s\"; see "
                            "`mnetsim help bench`\n",
                    argv[optind - 1]);
            return MN_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mnetsim: bench phold: unexpected argument \"%s\"\n", argv[optind]);
        return MN_EXIT_USAGE;
    }
    if (!have_lps || !have_events || !have_end) {
        fprintf(stderr, "mnetsim: bench phold: --lps, --events and --end are required; see "
                        "`mnetsim help bench`\n");
        return MN_EXIT_USAGE;
    }
    if (!p.queue)
        p.queue = mn_evq_default();

    mn_phold_result eng, ref = {0};
    if (mn_phold_run_engine(&p, &eng, &err) != MN_OK) {
        mn_cli_print_error(&err);
        return err.code == MN_ERANGE ? MN_EXIT_USAGE : MN_EXIT_FAIL;
    }
    if (reference && mn_phold_run_reference(&p, &ref, &err) != MN_OK) {
        mn_cli_print_error(&err);
        return MN_EXIT_FAIL;
    }
    double ratio = reference && ref.mevents_per_s > 0 && eng.mevents_per_s > 0
                       ? eng.mevents_per_s / ref.mevents_per_s
                       : NAN;
    int agree = !reference || ref.events == eng.events;
    if (json) {
        printf("{\"bench\":\"phold\",\"lps\":%" PRIu64 ",\"events_per_lp\":%" PRIu64
               ",\"end_s\":%.9g,\"seed\":%" PRIu64 ",\"queue\":\"%s\","
               "\"events\":%" PRIu64 ",\"wall_s\":%.6f,\"mevents_per_s\":%.4f,"
               "\"peak_rss_mb\":%.1f,\"alloc_calls_in_loop\":%" PRIu64,
               p.lps, p.events_per_lp, mn_time_to_sec(p.end), p.seed, p.queue->name, eng.events,
               eng.wall_s, eng.mevents_per_s, eng.peak_rss_mb, eng.alloc_calls_in_loop);
        if (reference) {
            printf(",\"reference_events\":%" PRIu64 ",\"reference_wall_s\":%.6f,"
                   "\"reference_mevents_per_s\":%.4f,\"reference_peak_rss_mb\":%.1f,",
                   ref.events, ref.wall_s, ref.mevents_per_s, ref.peak_rss_mb);
            if (isnan(ratio)) /* no event ran: no rate to compare */
                printf("\"ratio\":null");
            else
                printf("\"ratio\":%.4f", ratio);
        }
        printf(",\"peak_rss_isolated\":%s,\"agree\":%s}\n",
               eng.peak_rss_is_isolated ? "true" : "false", agree ? "true" : "false");
    } else {
        char endbuf[32];
        mn_time_format(p.end, endbuf, sizeof endbuf);
        printf("PHOLD lps=%" PRIu64 " events/lp=%" PRIu64 " end=%s seed=%" PRIu64 " queue=%s\n",
               p.lps, p.events_per_lp, endbuf, p.seed, p.queue->name);
        print_row("engine", &eng);
        if (reference) {
            print_row("reference", &ref);
            if (isnan(ratio))
                printf("ratio      n/a (no event ran)\n");
            else
                printf("ratio      %.2fx (engine Mevents/s / reference Mevents/s)\n", ratio);
        }
        printf("allocations during the engine's event loop: %" PRIu64 "\n", eng.alloc_calls_in_loop);
    }
    if (!agree) {
        fprintf(stderr,
                "mnetsim: bench phold: engine handled %" PRIu64 " events, reference %" PRIu64
                "; they must agree\n",
                eng.events, ref.events);
        return MN_EXIT_FAIL;
    }
    return MN_EXIT_OK;
}

/* Writes id,end_s per flow to path, atomically. */
static int write_end_times(const char *path, const mn_flows_result *r, mn_err *err)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name)
        return mn_err_set_at(err, MN_EINVAL, path, "--out names a directory; give a file name");
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (slash == path)
        snprintf(dir, sizeof dir, "/");
    mn_outfile o;
    int rc = mn_outfile_open(&o, dir, name, err);
    if (rc != MN_OK)
        return rc;
    fprintf(o.f, "id,end_s\n");
    for (uint64_t i = 0; i < r->flows; i++)
        fprintf(o.f, "%" PRIu64 ",%.9f\n", i, r->end_s[i]);
    return mn_outfile_commit(&o, err);
}

static int bench_flows(int argc, char **argv)
{
    static const struct option opts[] = {
        {"flows", required_argument, NULL, 'f'}, {"seed", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},   {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    unsigned long long flows = 0, seed = 42, v;
    const char *out = NULL;
    int json = 0, have_flows = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (mn_cli_parse_u64("--flows", optarg, &v) != MN_OK)
                return MN_EXIT_USAGE;
            flows = v;
            have_flows = 1;
            break;
        case 's':
            if (mn_cli_parse_u64("--seed", optarg, &v) != MN_OK)
                return MN_EXIT_USAGE;
            seed = v;
            break;
        case 'o':
            out = optarg;
            break;
        case 'j':
            json = 1;
            break;
        default:
            fprintf(stderr, "mnetsim: bench flows: unknown or incomplete option \"%s\"; see "
                            "`mnetsim help bench`\n",
                    argv[optind - 1]);
            return MN_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mnetsim: bench flows: unexpected argument \"%s\"\n", argv[optind]);
        return MN_EXIT_USAGE;
    }
    if (!have_flows) {
        fprintf(stderr, "mnetsim: bench flows: --flows is required; see `mnetsim help bench`\n");
        return MN_EXIT_USAGE;
    }
    mn_err err = {0};
    mn_flows_result r;
    if (mn_flows_run(flows, seed, &r, &err) != MN_OK) {
        mn_cli_print_error(&err);
        return err.code == MN_ERANGE ? MN_EXIT_USAGE : MN_EXIT_FAIL;
    }
    int status = MN_EXIT_OK;
    if (out && write_end_times(out, &r, &err) != MN_OK) {
        mn_cli_print_error(&err);
        status = MN_EXIT_FAIL;
    }
    if (json)
        printf("{\"bench\":\"flows\",\"flows\":%" PRIu64 ",\"seed\":%llu,\"events\":%" PRIu64
               ",\"wall_s\":%.6f,\"loop_s\":%.6f,\"sim_end_s\":%.9f,\"max_in_flight\":%zu,"
               "\"max_concurrent\":%zu,\"peak_rss_mb\":%.1f,\"solves\":%" PRIu64
               ",\"flows_rerated\":%" PRIu64 "}\n",
               r.flows, seed, r.events, r.wall_s, r.loop_s, r.sim_end_s, r.max_in_flight,
               r.max_concurrent, r.peak_rss_mb, r.solves, r.flows_rerated);
    else
        printf("flows=%" PRIu64 " seed=%llu events=%" PRIu64 " wall=%.3fs (event loop %.3fs) "
               "peak RSS %.1f MB\n"
               "simulated end=%.6fs max in flight=%zu (sharing at once: %zu)\n"
               "solver: %" PRIu64 " solves, %" PRIu64 " rate changes\n",
               r.flows, seed, r.events, r.wall_s, r.loop_s, r.peak_rss_mb, r.sim_end_s,
               r.max_in_flight, r.max_concurrent, r.solves, r.flows_rerated);
    mn_free(r.end_s);
    return status;
}

int mn_cli_bench(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "mnetsim: bench: name a benchmark: phold or flows; see `mnetsim help bench`\n");
        return MN_EXIT_USAGE;
    }
    if (strcmp(argv[1], "phold") == 0)
        return bench_phold(argc - 1, argv + 1);
    if (strcmp(argv[1], "flows") == 0)
        return bench_flows(argc - 1, argv + 1);
    fprintf(stderr, "mnetsim: bench: unknown benchmark \"%s\"; available: phold, flows\n", argv[1]);
    return MN_EXIT_USAGE;
}
