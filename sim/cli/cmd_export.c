/* cmd_export.c - `mnetsim export mininet|xen`: the world as files for Mininet and Xen. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../../emu/export.h"
#include "../core/outfile.h"
#include "../models/net.h"
#include "commands.h"

/* Loads the scenario; prints the loader's "file:line: ..." error and returns the exit status. */
static int load(const char *path, mn_net **net)
{
    mn_err err = {0};
    if (mn_net_load(path, NULL, 0, NULL, net, &err) != MN_OK) {
        mn_cli_print_error(&err);
        return err.code == MN_ENOMEM ? MN_EXIT_FAIL : MN_EXIT_USAGE;
    }
    if (!(*net)->world.present) {
        fprintf(stderr,
                "mnetsim: export: %s: the scenario has no <world> (boxes, vAPs, VMs, users) to "
                "export; add one (README, \"The metamorphic network\")\n",
                path);
        mn_net_destroy(*net);
        *net = NULL;
        return MN_EXIT_USAGE;
    }
    return MN_EXIT_OK;
}

/* Scenario errors (ids) are the input's fault; the rest (I/O, memory) the run's. */
static int fail(const mn_err *err)
{
    mn_cli_print_error(err);
    return err->code == MN_EINVAL || err->code == MN_ERANGE ? MN_EXIT_USAGE : MN_EXIT_FAIL;
}

static int export_mininet(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        if (c == 'o') {
            out = optarg;
            continue;
        }
        fprintf(stderr,
                "mnetsim: export mininet: unknown or incomplete option \"%s\"; see "
                "`mnetsim help export`\n",
                argv[optind - 1]);
        return MN_EXIT_USAGE;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "mnetsim: export mininet: give exactly one scenario file; see `mnetsim "
                        "help export`\n");
        return MN_EXIT_USAGE;
    }
    mn_net *net = NULL;
    int status = load(argv[optind], &net);
    if (status != MN_EXIT_OK)
        return status;
    char dir[4096], path[4096 + 256];
    const char *name;
    if (out) {
        const char *slash = strrchr(out, '/');
        name = slash ? slash + 1 : out;
        if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            fprintf(stderr,
                    "mnetsim: export mininet: -o \"%s\" names a directory; give a file, "
                    "e.g. %smnet_topo.py\n",
                    out, out);
            mn_net_destroy(net);
            return MN_EXIT_USAGE;
        }
        if (!slash)
            snprintf(dir, sizeof dir, ".");
        else if (slash == out)
            snprintf(dir, sizeof dir, "/");
        else
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - out), out);
    } else {
        snprintf(dir, sizeof dir, "results/%s", net->name);
        name = "mnet_topo.py";
    }
    mn_err err = {0};
    mn_export_counts n;
    /* ids first: a refused scenario leaves no directory behind */
    if (mn_emu_export_check_ids(net, &err) != MN_OK || mn_mkdir_p(dir, &err) != MN_OK ||
        mn_emu_export_mininet(net, dir, name, &n, &err) != MN_OK) {
        status = fail(&err);
        mn_net_destroy(net);
        return status;
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    printf("%s: %zu hosts, %zu switches, %zu links (%zu with bw=) -> %s\n", net->name, n.hosts,
           n.switches, n.links, n.links_shaped, path);
    mn_net_destroy(net);
    return MN_EXIT_OK;
}

static int export_xen(int argc, char **argv)
{
    static const struct option opts[] = {{NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        fprintf(stderr, "mnetsim: export xen: unknown option \"%s\"; see `mnetsim help export`\n",
                argv[optind - 1]);
        return MN_EXIT_USAGE;
    }
    if (optind != argc - 2) {
        fprintf(stderr, "mnetsim: export xen: give a scenario file and an output directory; see "
                        "`mnetsim help export`\n");
        return MN_EXIT_USAGE;
    }
    const char *dir = argv[optind + 1];
    mn_net *net = NULL;
    int status = load(argv[optind], &net);
    if (status != MN_EXIT_OK)
        return status;
    mn_err err = {0};
    mn_export_counts n;
    if (mn_emu_export_check_ids(net, &err) != MN_OK || mn_mkdir_p(dir, &err) != MN_OK ||
        mn_emu_export_xen(net, dir, &n, &err) != MN_OK) {
        status = fail(&err);
        mn_net_destroy(net);
        return status;
    }
    printf("%s: %zu domains on %zu bridges, %zu tunnels -> %s/ (network-plan.json, README.txt)\n",
           net->name, n.domains, n.bridges, n.tunnels, dir);
    mn_net_destroy(net);
    return MN_EXIT_OK;
}

int mn_cli_export(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "mnetsim: export: name a format: mininet or xen; see `mnetsim help "
                        "export`\n");
        return MN_EXIT_USAGE;
    }
    if (strcmp(argv[1], "mininet") == 0)
        return export_mininet(argc - 1, argv + 1);
    if (strcmp(argv[1], "xen") == 0)
        return export_xen(argc - 1, argv + 1);
    fprintf(stderr, "mnetsim: export: unknown format \"%s\"; formats: mininet, xen\n", argv[1]);
    return MN_EXIT_USAGE;
}
