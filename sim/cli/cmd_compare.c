/*
 * cmd_compare.c - `mnetsim compare SCENARIO --policy KIND=a,b ...`: every
 * combination of the listed policies on the same seeds (common random
 * numbers), one results directory per run, and a table of each main
 * metric's mean and 95% confidence interval (compare_table.h).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../models/net.h"
#include "../models/netrun.h"
#include "../models/wrun.h"
#include "../policies/policy.h"
#include "commands.h"
#include "compare_table.h"

#define MAX_SETS 256
#define MAX_NAMES 64 /* policies per kind */
#define DEFAULT_SEEDS 5

/* The policies of one kind to try; a kind not given keeps the scenario's choice. */
struct kind_list {
    char *buf;                    /* owned: the --policy value's names, split in place */
    const char *names[MAX_NAMES]; /* borrowed: point into buf */
    size_t n;
    char label[40]; /* not given: the scenario's policy, for rows and dirs */
};

#define usage_error(...) mn_cli_usage_error("compare", __VA_ARGS__)

/* "KIND=a,b,c" into lists[KIND]; prints the one-line error and returns MN_EXIT_USAGE. */
static int parse_policy(const char *arg, struct kind_list *lists)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return usage_error("--policy \"%s\": expected KIND=NAME[,NAME...], e.g. "
                           "placement=first-fit,best-fit",
                           arg);
    char kind[32];
    snprintf(kind, sizeof kind, "%.*s", (int)(eq - arg < 31 ? eq - arg : 31), arg);
    int k = (size_t)(eq - arg) < sizeof kind ? mn_policy_kind_parse(kind) : -1;
    if (k < 0)
        return usage_error("--policy \"%s\": unknown kind \"%s\"; use placement, balancing or "
                           "migration",
                           arg, kind);
    struct kind_list *l = &lists[k];
    if (l->buf)
        return usage_error("--policy \"%s\": %s given twice; list all its policies in one "
                           "--policy",
                           arg, kind);
    if (!(l->buf = mn_strdup(eq + 1))) {
        fprintf(stderr, "mnetsim: compare: out of memory\n");
        return MN_EXIT_FAIL;
    }
    for (char *p = l->buf;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (!*p)
            return usage_error("--policy \"%s\": empty policy name in the list of %s", arg, kind);
        for (size_t i = 0; i < l->n; i++)
            if (strcmp(l->names[i], p) == 0)
                return usage_error("--policy \"%s\": \"%s\" is listed twice", arg, p);
        if (l->n == MAX_NAMES) {
            fprintf(stderr, "mnetsim: compare: --policy \"%s\": at most %d policies per kind\n",
                    arg, MAX_NAMES);
            return MN_EXIT_USAGE;
        }
        l->names[l->n++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    return MN_EXIT_OK;
}

/* The name a kind's policy goes by in a combination. */
static const char *combo_name(const struct kind_list *lists, int k, const size_t *idx)
{
    return lists[k].n ? lists[k].names[idx[k]] : lists[k].label;
}

static void combo_index(const struct kind_list *lists, size_t c, size_t *idx)
{
    /* placement outermost, migration innermost: rows read like the CSV's columns */
    for (int k = MN_POLICY_KINDS - 1; k >= 0; k--) {
        size_t n = lists[k].n ? lists[k].n : 1;
        idx[k] = c % n;
        c /= n;
    }
}

int mn_cli_compare(int argc, char **argv)
{
    static const struct option opts[] = {
        {"policy", required_argument, NULL, 'p'}, {"seeds", required_argument, NULL, 'K'},
        {"seed", required_argument, NULL, 's'},   {"set", required_argument, NULL, 'S'},
        {"out", required_argument, NULL, 'o'},    {"runs-dir", required_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},        {NULL, 0, NULL, 0},
    };
    static const char *const key_names[MN_POLICY_KINDS] = {"placement", "balancing", "migration"};
    struct kind_list lists[MN_POLICY_KINDS];
    memset(lists, 0, sizeof lists);
    const char *sets[MAX_SETS];
    size_t nsets = 0;
    const char *csv_path = NULL, *runs_dir = NULL;
    unsigned long long nseeds = DEFAULT_SEEDS, v = 0;
    uint64_t seed0 = 0;
    int seed_given = 0, quiet = 0, c, status = MN_EXIT_OK, table_ready = 0;
    mn_cmp_table table;
    mn_net *net = NULL;
    char *scn_name = NULL;
    mn_err err = {0};

    optind = 1;
    opterr = 0;
    while (status == MN_EXIT_OK && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            status = parse_policy(optarg, lists);
            break;
        case 'K':
            if (mn_cli_parse_u64("--seeds", optarg, &v) != MN_OK)
                status = MN_EXIT_USAGE;
            else if (v < 1 || v > 1000000)
                status = usage_error("--seeds %s: must be in [1, 1000000]", optarg);
            nseeds = v;
            break;
        case 's':
            if (mn_cli_parse_u64("--seed", optarg, &v) != MN_OK)
                status = MN_EXIT_USAGE;
            seed0 = v;
            seed_given = 1;
            break;
        case 'S':
            if (nsets == MAX_SETS) {
                fprintf(stderr, "mnetsim: compare: at most %d --set options\n", MAX_SETS);
                status = MN_EXIT_USAGE;
            } else
                sets[nsets++] = optarg;
            break;
        case 'o':
            csv_path = optarg;
            break;
        case 'r':
            runs_dir = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        default:
            status = usage_error("unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (status != MN_EXIT_OK)
        goto out;
    if (optind != argc - 1) {
        status = usage_error("give exactly one scenario file");
        goto out;
    }
    const char *path = argv[optind];
    if (!lists[0].n && !lists[1].n && !lists[2].n) {
        status = usage_error("give at least one --policy KIND=NAME[,NAME...]");
        goto out;
    }
    /* every name before any run: a typo costs nothing */
    for (int k = 0; k < MN_POLICY_KINDS; k++)
        for (size_t i = 0; i < lists[k].n; i++)
            if (mn_policy_check((mn_policy_kind)k, lists[k].names[i], &err) != MN_OK) {
                fprintf(stderr, "mnetsim: compare: --policy %s=%s: %s\n", key_names[k],
                        lists[k].names[i], err.msg[0] ? err.msg : mn_strerror(err.code));
                status = MN_EXIT_USAGE;
                goto out;
            }

    /* the scenario once up front: its errors, its name, seed and policies */
    if (mn_net_load(path, sets, nsets, seed_given ? &seed0 : NULL, &net, &err) != MN_OK) {
        mn_cli_print_error(&err);
        status = err.code == MN_ENOMEM ? MN_EXIT_FAIL : MN_EXIT_USAGE;
        goto out;
    }
    if (!net->world.present) {
        fprintf(stderr, "mnetsim: compare: %s: compare needs a scenario with a <world>\n", path);
        status = MN_EXIT_USAGE;
        goto out;
    }
    if (!seed_given)
        seed0 = net->has_seed ? net->seed : 1;
    if (seed0 + (nseeds - 1) < seed0) {
        fprintf(stderr, "mnetsim: compare: seed %llu + %llu seeds would overflow\n",
                (unsigned long long)seed0, nseeds);
        status = MN_EXIT_USAGE;
        goto out;
    }
    for (int k = 0; k < MN_POLICY_KINDS; k++) {
        const char *chosen = net->world.policies.name[k];
        snprintf(lists[k].label, sizeof lists[k].label, "%s", chosen[0] ? chosen : "default");
    }
    if (!(scn_name = mn_strdup(net->name))) {
        fprintf(stderr, "mnetsim: compare: out of memory\n");
        status = MN_EXIT_FAIL;
        goto out;
    }
    mn_net_destroy(net);
    net = NULL;

    char csv_default[4096], runs_default[4096];
    if (!csv_path) {
        snprintf(csv_default, sizeof csv_default, "results/%s/compare.csv", scn_name);
        csv_path = csv_default;
    }
    if (!runs_dir) {
        snprintf(runs_default, sizeof runs_default, "results/%s/compare", scn_name);
        runs_dir = runs_default;
    }

    if (mn_cmp_init(&table, key_names, MN_POLICY_KINDS, mn_run_metric_names, MN_RUN_NMETRICS,
                    &err) != MN_OK) {
        mn_cli_print_error(&err);
        status = MN_EXIT_FAIL;
        goto out;
    }
    table_ready = 1;
    size_t ncombos = 1;
    for (int k = 0; k < MN_POLICY_KINDS; k++)
        ncombos *= lists[k].n ? lists[k].n : 1;
    for (size_t ci = 0; ci < ncombos; ci++) {
        size_t idx[MN_POLICY_KINDS], row;
        const char *keys[MN_POLICY_KINDS];
        combo_index(lists, ci, idx);
        for (int k = 0; k < MN_POLICY_KINDS; k++)
            keys[k] = combo_name(lists, k, idx);
        if (mn_cmp_add_row(&table, keys, &row, &err) != MN_OK) {
            mn_cli_print_error(&err);
            status = MN_EXIT_FAIL;
            goto out;
        }
    }

    unsigned long long total = (unsigned long long)ncombos * nseeds, done = 0;
    for (size_t ci = 0; ci < ncombos; ci++) {
        size_t idx[MN_POLICY_KINDS];
        combo_index(lists, ci, idx);
        for (unsigned long long j = 0; j < nseeds; j++) {
            uint64_t seed = seed0 + j;
            char dir[4096];
            if ((size_t)snprintf(dir, sizeof dir, "%s/%s_%s_%s/seed-%llu", runs_dir,
                                 combo_name(lists, 0, idx), combo_name(lists, 1, idx),
                                 combo_name(lists, 2, idx),
                                 (unsigned long long)seed) >= sizeof dir) {
                fprintf(stderr, "mnetsim: compare: run directory path too long under %s\n",
                        runs_dir);
                status = MN_EXIT_USAGE;
                goto out;
            }
            if (mn_net_load(path, sets, nsets, &seed, &net, &err) != MN_OK) {
                mn_cli_print_error(&err);
                status = err.code == MN_ENOMEM ? MN_EXIT_FAIL : MN_EXIT_USAGE;
                goto out;
            }
            mn_run_opts o = {0};
            o.seed = seed;
            o.seed_set = 1;
            o.out_dir = dir;
            o.sets = sets;
            o.nsets = nsets;
            for (int k = 0; k < MN_POLICY_KINDS; k++)
                o.policy[k] = lists[k].n ? lists[k].names[idx[k]] : NULL;
            mn_run_summary s;
            memset(&s, 0, sizeof s);
            int rc = mn_world_run(net, &o, &s, &err);
            mn_net_destroy(net);
            net = NULL;
            if (rc != MN_OK) {
                mn_cli_print_error(&err);
                status = MN_EXIT_FAIL;
                goto out;
            }
            if (!s.has_metrics) {
                fprintf(stderr, "mnetsim: compare: the run into %s gave no metrics\n", dir);
                status = MN_EXIT_FAIL;
                goto out;
            }
            mn_cmp_add(&table, ci, s.metrics);
            done++;
            if (!quiet) {
                fprintf(stderr, "[%llu/%llu]", done, total);
                for (int k = 0; k < MN_POLICY_KINDS; k++)
                    if (lists[k].n)
                        fprintf(stderr, " %s=%s", key_names[k], lists[k].names[idx[k]]);
                fprintf(stderr, " seed=%llu: %.1f s\n", (unsigned long long)seed, s.wall_s);
            }
        }
    }

    mn_cmp_print(&table, stdout);
    fflush(stdout);
    if (mn_cmp_write_csv(&table, csv_path, &err) != MN_OK) {
        mn_cli_print_error(&err);
        status = MN_EXIT_FAIL;
        goto out;
    }
    if (!quiet)
        printf("%s: %zu combinations x %llu seeds (%llu..%llu) -> %s, runs in %s/\n", scn_name,
               ncombos, nseeds, (unsigned long long)seed0, (unsigned long long)(seed0 + nseeds - 1),
               csv_path, runs_dir);
out:
    if (table_ready)
        mn_cmp_fini(&table);
    mn_net_destroy(net);
    mn_free(scn_name);
    for (int k = 0; k < MN_POLICY_KINDS; k++)
        mn_free(lists[k].buf);
    return status;
}
