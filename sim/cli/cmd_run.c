/* cmd_run.c - `mnetsim run SCENARIO`: load, run, write results. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../models/net.h"
#include "../models/netrun.h"
#include "../models/wrun.h"
#include "../policies/policy.h"
#include "commands.h"

#define MAX_SETS 256

int mn_cli_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'}, {"out", required_argument, NULL, 'o'},
        {"set", required_argument, NULL, 'S'},  {"quiet", no_argument, NULL, 'q'},
        {"policy", required_argument, NULL, 'p'}, {"trace", no_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    mn_run_opts o = {0};
    const char *sets[MAX_SETS];
    size_t nsets = 0;
    int quiet = 0, c;
    unsigned long long v;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (mn_cli_parse_u64("--seed", optarg, &v) != MN_OK)
                return MN_EXIT_USAGE;
            o.seed = v;
            o.seed_set = 1;
            break;
        case 'o':
            o.out_dir = optarg;
            break;
        case 'S':
            if (nsets == MAX_SETS) {
                fprintf(stderr, "mnetsim: run: at most %d --set options\n", MAX_SETS);
                return MN_EXIT_USAGE;
            }
            sets[nsets++] = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 't':
            o.agent_trace = 1;
            break;
        case 'p': {
            /* KIND=NAME: one policy instead of the scenario's */
            const char *eq = strchr(optarg, '=');
            char kind[32];
            if (!eq || (size_t)(eq - optarg) >= sizeof kind) {
                fprintf(stderr, "mnetsim: run: --policy takes KIND=NAME, e.g. --policy placement=best-fit\n");
                return MN_EXIT_USAGE;
            }
            snprintf(kind, sizeof kind, "%.*s", (int)(eq - optarg), optarg);
            int k = mn_policy_kind_parse(kind);
            mn_err perr = {0};
            if (k < 0) {
                fprintf(stderr, "mnetsim: run: --policy: unknown kind \"%s\"; kinds: placement, balancing, migration\n", kind);
                return MN_EXIT_USAGE;
            }
            if (mn_policy_check((mn_policy_kind)k, eq + 1, &perr) != MN_OK) {
                fprintf(stderr, "mnetsim: run: --policy: %s\n", perr.msg);
                return MN_EXIT_USAGE;
            }
            o.policy[k] = eq + 1;
            break;
        }
        default:
            fprintf(stderr, "mnetsim: run: unknown or incomplete option \"%s\"; see `mnetsim help run`\n",
                    argv[optind - 1]);
            return MN_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "mnetsim: run: give exactly one scenario file; see `mnetsim help run`\n");
        return MN_EXIT_USAGE;
    }
    const char *path = argv[optind];
    mn_err err = {0};
    mn_net *net = NULL;
    if (mn_net_load(path, sets, nsets, o.seed_set ? &o.seed : NULL, &net, &err) != MN_OK) {
        mn_cli_print_error(&err);
        return err.code == MN_ENOMEM ? MN_EXIT_FAIL : MN_EXIT_USAGE;
    }
    char out_default[4096];
    if (!o.out_dir) {
        snprintf(out_default, sizeof out_default, "results/%s", net->name);
        o.out_dir = out_default;
    }
    o.sets = sets;
    o.nsets = nsets;
    o.progress = !quiet && isatty(STDERR_FILENO);
    mn_run_summary s;
    int world = net->world.present;
    int rc = world ? mn_world_run(net, &o, &s, &err) : mn_net_run(net, &o, &s, &err);
    if (rc != MN_OK) {
        mn_cli_print_error(&err);
        mn_net_destroy(net);
        /* a route that cannot exist is the scenario's fault; anything else the run's */
        return rc == MN_EINVAL || rc == MN_EUNSUPPORTED ? MN_EXIT_USAGE : MN_EXIT_FAIL;
    }
    if (!quiet)
        printf("%s: %" PRIu64 " %s, %" PRIu64 " completed, simulated %.6f s in %.3f s wall "
               "(%" PRIu64 " events) -> %s/\n",
               net->name, s.flows, world ? "sessions" : "flows", s.completed, s.sim_end_s, s.wall_s,
               s.events, o.out_dir);
    mn_net_destroy(net);
    return MN_EXIT_OK;
}
