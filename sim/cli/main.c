/* main.c - the mnetsim front end: dispatches subcommands, prints errors. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/evq.h"
#include "../core/log.h"
#include "commands.h"

#ifndef MN_VERSION
#define MN_VERSION "unknown"
#endif

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct mn_cli_command commands[] = {
    {"bench", "run a benchmark: phold (engine) or flows (sharing solver)",
     "usage: mnetsim bench phold --lps N --events E --end T [--seed S] [--queue NAME]\n"
     "                           [--no-reference] [--json]\n"
     "       mnetsim bench flows --flows F [--seed S] [--out FILE.csv] [--json]\n"
     "\n"
     "PHOLD: N logical processes with E initial events each; every event at LP i\n"
     "and time t schedules one event at a uniformly random LP at t + 0.1 + Exp(1.0)\n"
     "(time unit: seconds). Runs to --end on the engine and then, in the same\n"
     "process, on a reference binary heap that draws the same random numbers,\n"
     "and prints events, wall seconds of the event loop, Mevents/s and peak RSS of\n"
     "both, and their ratio.\n"
     "\n"
     "  --lps N          logical processes (>= 1)\n"
     "  --events E       initial events per LP (>= 1)\n"
     "  --end T          simulated end time: seconds (\"1000\") or a duration (\"10min\")\n"
     "  --seed S         run seed (default 1)\n"
     "  --queue NAME     engine event-queue backend (default: the first of\n"
     "                   `mnetsim help queues`)\n"
     "  --no-reference   run the engine only\n"
     "  --json           one JSON object on stdout instead of the table\n"
     "\n"
     "flows: the flow-level benchmark of ../shared/bench/flows-workload.md: F\n"
     "flows (SplitMix64 generator, seed 42 by default) over a two-level tree of\n"
     "10,000 hosts (1 Gbps access, 10 Gbps site uplinks), each starting after its\n"
     "12 ms path latency and shared max-min by the model's solver. Prints wall\n"
     "time, events, simulated end, peak concurrent flows and peak RSS.\n"
     "\n"
     "  --flows F        number of flows (>= 1)\n"
     "  --out FILE.csv   also write id,end_s per flow (end_s with 9 decimals),\n"
     "                   atomically\n"
     "\n"
     "Exit status: 0 on success, 1 if a run failed or the two runs disagree,\n"
     "2 on a bad option.\n",
     mn_cli_bench},
    {"run", "run a scenario and write its results",
     "usage: mnetsim run SCENARIO [--seed N] [--out DIR] [--set XPATH=VALUE ...]\n"
     "                   [--policy KIND=NAME ...] [--trace] [--quiet]\n"
     "\n"
     "Loads an XML scenario (schema: scenarios/schema/mnetsim.rng), runs it and\n"
     "writes, each file atomically, into DIR (default results/<scenario name>),\n"
     "manifest.json last. A scenario with a <world> (boxes, radios, vAPs, users:\n"
     "docs/models.md) writes summary.json, users.csv, vaps.csv, boxes.csv and\n"
     "faults.csv, instances.csv and migrations.csv; one with flows only writes summary.json, flows.csv and\n"
     "links.csv. Both add timeseries.csv when the scenario has\n"
     "<output interval=...>.\n"
     "\n"
     "  --seed N               run seed (default: the scenario's, else 1)\n"
     "  --out DIR              where results go\n"
     "  --set XPATH=VALUE      override scenario attributes before checking, e.g.\n"
     "                         --set \"//link[@id='l1']/@capacity=10Gbps\" (repeatable)\n"
     "  --policy KIND=NAME     use policy NAME of KIND (placement, balancing,\n"
     "                         migration) instead of the scenario's <policies>;\n"
     "                         `mnetsim policies` lists them (repeatable)\n"
     "  --trace                the boxes' agents log each decision with its reason\n"
     "                         (agent.csv)\n"
     "  --quiet                no progress line and no closing line\n"
     "\n"
     "Exit status: 0 on success, 2 on a scenario error (file:line: message), 1 if\n"
     "the run failed.\n",
     mn_cli_run},
    {"policies", "list the placement, balancing and migration policies",
     "usage: mnetsim policies [--kind placement|balancing|migration]\n"
     "\n"
     "Lists every registered policy by kind, with its one-line summary: the\n"
     "names <policies placement=... balancing=... migration=...> and\n"
     "`mnetsim compare --policy` accept.\n"
     "\n"
     "  --kind KIND      only that kind\n"
     "\n"
     "Exit status: 0 on success, 2 on a bad option.\n",
     mn_cli_policies},
    {"compare", "run policy combinations on common seeds and tabulate the metrics",
     "usage: mnetsim compare SCENARIO --policy KIND=NAME[,NAME...] [--policy ...]\n"
     "                       [--seeds K] [--seed S] [--set XPATH=VALUE ...]\n"
     "                       [--out FILE.csv] [--runs-dir DIR] [--quiet]\n"
     "\n"
     "Runs a scenario with a <world> once for every combination of the listed\n"
     "policies (the cartesian product over the --policy options; a kind not\n"
     "given keeps the scenario's <policies> choice) on the same K seeds S, S+1,\n"
     "..., S+K-1 (common random numbers: every combination sees the same\n"
     "users, sessions and faults). Prints one row per combination with each\n"
     "main metric as \"mean ± half-width\" of its 95% Student-t confidence\n"
     "interval over the seeds (\"-\" when K = 1), and writes the same as CSV,\n"
     "atomically: placement,balancing,migration,seeds, then <metric>_mean and\n"
     "<metric>_ci95 for each metric (n/a when K = 1). Every policy name is\n"
     "checked before the first run (`mnetsim policies` lists them).\n"
     "\n"
     "  --policy KIND=A,B      policies of one kind to compare: placement,\n"
     "                         balancing or migration (repeatable, once per kind)\n"
     "  --seeds K              seeds per combination (default 5)\n"
     "  --seed S               first seed (default: the scenario's, else 1)\n"
     "  --set XPATH=VALUE      override scenario attributes, as for run (repeatable)\n"
     "  --out FILE.csv         the table as CSV (default\n"
     "                         results/<scenario name>/compare.csv)\n"
     "  --runs-dir DIR         each run's results go to\n"
     "                         DIR/<placement>_<balancing>_<migration>/seed-<s>\n"
     "                         (default results/<scenario name>/compare)\n"
     "  --quiet                no progress lines (one per run on stderr) and no\n"
     "                         closing line; the table is still printed\n"
     "\n"
     "Exit status: 0 on success, 2 on bad input (an option, an unknown policy,\n"
     "a scenario error, a scenario without a <world>), 1 if a run failed (no\n"
     "CSV is written then).\n",
     mn_cli_compare},
    {"validate", "check operators' rules statically and in simulation before deployment",
     "usage: mnetsim validate RULES_OR_SCENARIO [--against SCENARIO ...] [--stress KIND ...]\n"
     "                        [--json] [--fail-on SEVERITY] [--pingpong K] [--window DUR]\n"
     "                        [--seed N] [--static] [--runs-dir DIR] [--quiet]\n"
     "\n"
     "Checks the <rules> of a scenario's <world> (or of a rules-only file, spliced\n"
     "into each --against scenario's <world>) before they reach real boxes\n"
     "(docs/validate.md). Static checks: isolation (a rule selecting another\n"
     "operator's instance), rules that never fire (contradictory conditions) or\n"
     "are always shadowed by a higher-priority rule, pairs of rules whose actions\n"
     "undo each other under overlapping conditions, and each box's worst case of\n"
     "what the rules can bring onto it against its capacity. Dynamic checks: every\n"
     "scenario and its stress variants run with and without the rules on the same\n"
     "seed; reported are ping-pongs (an instance moved back and forth more than K\n"
     "times within the window), over-commits the backend refused, and SLA\n"
     "violation the rules cause or fail to prevent, each with the simulated time,\n"
     "the rule and a trace excerpt. Schema, reference, type and unit errors are\n"
     "input errors (file:line: message, exit 2).\n"
     "\n"
     "  --against SCENARIO   also check the rules in this scenario (repeatable);\n"
     "                       required for a rules-only file\n"
     "  --stress KIND        stress variants to simulate: peak, flash-crowd,\n"
     "                       box-failure, uplink-failure, move-all, all (default)\n"
     "                       or none (repeatable)\n"
     "  --json               the report as JSON (schema version 1) instead of text\n"
     "  --fail-on SEVERITY   exit 1 when a finding is at least this severe: error,\n"
     "                       warning (default), info, or none\n"
     "  --pingpong K         more than K back-and-forth migrations is a ping-pong\n"
     "                       (default 2)\n"
     "  --window DUR         ... within this window (default 1h)\n"
     "  --seed N             run seed (default: the scenario's, else 1)\n"
     "  --static             static checks only, no simulation\n"
     "  --runs-dir DIR       keep the runs' results in DIR (default: a temporary\n"
     "                       directory, removed at the end)\n"
     "  --quiet              no progress lines\n"
     "\n"
     "Exit status: 0 no finding at or above --fail-on, 1 some (or a run failed),\n"
     "2 bad input (an option, a missing file, a scenario or rule error).\n",
     mn_cli_validate},
    {"sweep", "run a parameter sweep (replications, all cores or MPI), resumable",
     "usage: mnetsim sweep SWEEP.xml [-j N] [--out DIR] [--list] [--quiet]\n"
     "       mpirun -np N mnetsim sweep SWEEP.xml [--out DIR]\n"
     "\n"
     "Expands a sweep file (docs/sweeps.md): a base scenario, parameters given as\n"
     "lists or ranges (full factorial; <zip> for parameters that vary together),\n"
     "scenario attributes set by XPath (as run --set) or policies by kind, and\n"
     "replications per point. Replication k of every point runs on seed S+k\n"
     "(common random numbers; seed-policy=\"independent\" hashes the point in).\n"
     "Each run goes to DIR/runs/<point>/rep-<k>/ (the files of `mnetsim run`,\n"
     "then metrics.csv, which marks it finished). A sweep started again runs only\n"
     "what is missing or failed; a run that fails writes error.txt there and the\n"
     "others go on. At the end, DIR gets runs.csv (a row per run), points.csv\n"
     "(mean, sd, 95% Student-t half-width and n per point), runs.json,\n"
     "points.json, columns.csv (every column's unit) and sweep.json, each\n"
     "written atomically; they do not depend on -j or on MPI.\n"
     "\n"
     "  -j, --jobs N     local worker processes (default: all cores)\n"
     "  --out DIR        results (default results/<sweep name>)\n"
     "  --list           print the expansion (point, values, rep, seed); run nothing\n"
     "  --quiet          no progress line (shown only on a terminal: points\n"
     "                   done/total, runs/s, ETA) and no closing line\n"
     "\n"
     "Under mpirun (a build with OpenMPI), rank 0 hands out runs and writes every\n"
     "result, the other ranks run them in a temporary directory and send the\n"
     "files back (no shared file system for results; the inputs must be at the\n"
     "same path on every node); rank 0 runs too, with -j N local workers\n"
     "(default 1).\n"
     "\n"
     "Exit status: 0 every run succeeded, 1 a run failed (the others ran; runs.csv\n"
     "lists its error), 2 bad input (file:line: message; nothing run).\n",
     mn_cli_sweep},
    {"report", "plot a sweep's results with gnuplot (PNG and SVG)",
     "usage: mnetsim report DIR [--run POINT/rep-K] [--metric NAME ...] [--templates DIR]\n"
     "\n"
     "Reads DIR/points.csv and DIR/columns.csv of `mnetsim sweep` and draws, with\n"
     "gnuplot, into DIR/plots/: for each metric against each numeric parameter,\n"
     "the means with 95% confidence error bars, one line per combination of the\n"
     "other parameters (the policies); for each metric a bar chart comparing those\n"
     "combinations at every value of the parameter; and the time series of one\n"
     "run (its timeseries.csv). Each plot is NAME.png and NAME.svg, with the\n"
     "gnuplot script NAME.gp and its data beside it.\n"
     "\n"
     "  --run POINT/rep-K   the run whose time series is drawn (default: the first\n"
     "                      run that finished)\n"
     "  --metric NAME       only this metric (repeatable; default: all)\n"
     "  --templates DIR     gnuplot templates instead of the built-in ones\n"
     "                      (scripts/plot/*.gp in the source tree)\n"
     "\n"
     "Exit status: 0 success, 1 gnuplot failed or is missing (Debian package\n"
     "gnuplot-nox), 2 DIR holds no sweep results or a bad option.\n",
     mn_cli_report},
    {"emu", "emulate a scenario on network namespaces, with traffic and pcap",
     "usage: mnetsim emu SCENARIO [--duration D] [--out DIR] [--keep] [--prefix P]\n"
     "                   [--time-scale F] [--delay on|off] [--traffic MODE]\n"
     "                   [--part SPEC ...]\n"
     "       mnetsim emu SCENARIO --build-only [--out DIR] [--prefix P]\n"
     "       mnetsim emu --cleanup [PREFIX]\n"
     "\n"
     "Builds the scenario's world on this host (root needed): a network namespace per\n"
     "topology node, box dom0, vAP and VM instance and user, joined by veth pairs,\n"
     "Linux bridges and VXLAN, shaped by tbf/htb at the modelled capacities, all\n"
     "made through libnl (docs/emulation.md). Runs each user's sessions for D\n"
     "(streams as UDP at constant rate, transfers as TCP bulk), captures the\n"
     "users' interfaces and the dom0 uplinks with libpcap, and writes into DIR\n"
     "(default results/<scenario name>/emu): *.pcap, flows.csv (sent, received,\n"
     "lost, throughput, one-way delay, longest gap, the capture points each flow\n"
     "crossed, proto), names.csv (scenario ids -> namespaces, interfaces,\n"
     "addresses), migrations.csv (each migration's re-plumbing time and the gap\n"
     "the pcap shows) and summary.json, which puts the emulated figures beside\n"
     "those of the simulator run on the same scenario and seed (in DIR/sim/).\n"
     "The scenario's placement policy places the movable instances; the boxes'\n"
     "agents, its migration policy and the operators' rules run every <policies\n"
     "period> on the real-time clock through the emulation backend (policy.csv\n"
     "logs what they did). Everything is removed at the end, on SIGINT and on\n"
     "SIGTERM.\n"
     "Scenarios needing more than 1000 namespaces are refused, unless --part\n"
     "chooses a part to emulate. Links and uplinks\n"
     "with a latency are tap pairs joined by our user-space delay line (this kernel\n"
     "has no netem; --delay).\n"
     "\n"
     "  --duration D     how long traffic runs (default 10s)\n"
     "  --out DIR        where results go\n"
     "  --keep           leave the namespaces in place (remove them with --cleanup)\n"
     "  --build-only     build the world (movable instances on their first candidate\n"
     "                   box), tear it down at once and write DIR/summary.json with\n"
     "                   the counts and the build and teardown times; no traffic,\n"
     "                   capture, policy or simulator run (tests/bench/emu.sh)\n"
     "  --time-scale F   F scenario seconds per wall second for the policy clock and\n"
     "                   the users' mobility (default 1; 60: a 1min period ticks\n"
     "                   every wall second) and the sessions' arrivals and\n"
     "                   durations (a 60 s session at F = 60 lasts 1 s); rates and\n"
     "                   sizes are real ones\n"
     "  --traffic MODE   sessions (default): the scenario's sessions, drawn as the\n"
     "                   simulator draws them (stream emu-sessions of the seed),\n"
     "                   each a flow started at its arrival and stopped at its end\n"
     "                   (a transfer after exactly its size); continuous: one flow\n"
     "                   per user, service and direction for the whole run\n"
     "  --delay on|off   on (default): every link and uplink whose latency is > 0 is\n"
     "                   a tap pair whose frames our delay line holds for that\n"
     "                   latency, one way (summary.json delay_line: its counters);\n"
     "                   off: veth everywhere, latencies not emulated\n"
     "  --part SPEC      emulate a part only: SPEC is box=ID[,ID...] (those boxes) or\n"
     "                   site=ID[,ID...] (every box of those sites); repeatable, the\n"
     "                   union. The part: the boxes, their radios and instances, the\n"
     "                   movable instances that may go there, the users a kept vAP\n"
     "                   serves at home, their services' ends inside the part, the\n"
     "                   topology between them, the tunnels between kept sites.\n"
     "                   names.csv and summary.json (\"part\": kept, dropped, needed\n"
     "                   outside) cover it; the simulator beside runs the same part\n"
     "  --prefix P       run prefix: \"mn\" and 6 hex digits (default: random); every\n"
     "                   namespace and link is named P-...\n"
     "  --cleanup [P]    remove the namespaces and links of prefix P, or of every\n"
     "                   run prefix (mn\?\?\?\?\?\?-), left by a killed run\n"
     "\n"
     "Exit status: 0 on success, 2 on bad input or without root (\"emulation needs\n"
     "root (network namespaces)\"), 1 if the emulation failed or was interrupted.\n",
     mn_cli_emu},
    {"export", "write the world as a Mininet topology or as Xen xl domain configurations",
     "usage: mnetsim export mininet SCENARIO [-o FILE]\n"
     "       mnetsim export xen SCENARIO DIR\n"
     "\n"
     "Pure file generators: nothing is run and no root is needed (docs/emulation.md,\n"
     "\"Exports: Mininet and Xen\"). Needs a scenario with a <world>. Movable\n"
     "instances (world-level vap or vm with boxes=) go on their first candidate box\n"
     "(a placement policy decides at run time). Every scenario id written must match\n"
     "[A-Za-z0-9_.:-]+ (NCName ids do); another is refused.\n"
     "\n"
     "mininet: a Python 3 module defining MnetTopo(Topo) and topos = {'mnet': ...}, for\n"
     "`sudo mn --custom FILE --topo mnet`: a switch per topology node, box bridge and\n"
     "radio segment (and the Internet, where boxes without node= attach), a host per\n"
     "vAP and VM instance and per user (a population's users on one vAP: one host),\n"
     "links with the scenario's capacity (bw=, Mbit/s) and latency (delay=) through\n"
     "TCLink. Mininet names (h1, s1, ...), each with a comment naming its scenario id.\n"
     "\n"
     "  -o, --out FILE   where the module goes (default\n"
     "                   results/<scenario name>/mnet_topo.py)\n"
     "\n"
     "xen: into DIR, DIR/<instance>.cfg per vAP and VM instance (name \"mn-<id>\",\n"
     "memory in MiB (at least 32), vcpus = one per started GHz of its CPU\n"
     "reservation, type pvh, kernel \"/var/lib/mnetsim/vmlinuz\" (a documented default\n"
     "path: put a kernel there), a vif on its box's bridge mnbr<box index> with a\n"
     "locally administered MAC 02:6d:6e:.. from its index), README.txt (the xl, ip and\n"
     "brctl commands, as text) and network-plan.json last (per box: bridge, instances,\n"
     "uplink, the VXLAN tunnels of its site). Xen is not needed to generate them.\n"
     "\n"
     "Every file is written atomically. Exit status: 0 on success, 2 on bad input\n"
     "(file:line: message; a scenario without a <world>; an id that cannot be\n"
     "written), 1 if a file could not be written.\n",
     mn_cli_export},
    {"help", "list commands, or show one command's help (also: help queues)",
     "usage: mnetsim help [COMMAND | queues]\n", cmd_help},
    {"version", "print the version", "usage: mnetsim version\n", cmd_version},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void print_overview(FILE *out)
{
    fprintf(out,
            "mnetsim %s - discrete-event simulator and emulator for metamorphic networks\n"
            "\n"
            "usage: mnetsim [--log-level LEVEL] COMMAND [OPTIONS]\n"
            "\n"
            "commands:\n",
            MN_VERSION);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n"
                 "global options:\n"
                 "  --log-level LEVEL  off, error, warn (default), info, debug, trace\n"
                 "\n"
                 "`mnetsim help COMMAND` or `mnetsim COMMAND --help` shows a command's options.\n");
}

static const struct mn_cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return MN_EXIT_OK;
    }
    if (strcmp(argv[1], "queues") == 0) {
        printf("event-queue backends (--queue NAME):\n");
        for (size_t i = 0; i < mn_evq_count(); i++)
            printf("  %-8s %s%s\n", mn_evq_at(i)->name, mn_evq_at(i)->summary,
                   i == 0 ? " [default]" : "");
        return MN_EXIT_OK;
    }
    const struct mn_cli_command *c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr, "mnetsim: help: unknown command \"%s\"; run `mnetsim help` for the list\n",
                argv[1]);
        return MN_EXIT_USAGE;
    }
    fputs(c->usage, stdout);
    return MN_EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("mnetsim %s\n", MN_VERSION);
    return MN_EXIT_OK;
}

int mn_cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mnetsim: %s: ", command);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "; see `mnetsim help %s`\n", command);
    va_end(ap);
    return MN_EXIT_USAGE;
}

void mn_cli_print_error(const mn_err *err)
{
    if (err->where[0])
        fprintf(stderr, "mnetsim: %s: %s\n", err->where, err->msg);
    else
        fprintf(stderr, "mnetsim: %s\n", err->msg[0] ? err->msg : mn_strerror(err->code));
}

int mn_cli_parse_u64(const char *option, const char *text, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!text || !*text || *text == '-') {
        fprintf(stderr, "mnetsim: %s: expected a non-negative integer, got \"%s\"\n", option,
                text ? text : "");
        return MN_EINVAL;
    }
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end) {
        fprintf(stderr, "mnetsim: %s: expected a non-negative integer, got \"%s\"\n", option, text);
        return MN_EINVAL;
    }
    *out = v;
    return MN_OK;
}

int main(int argc, char **argv)
{
    int i = 1;
    while (i < argc && strncmp(argv[i], "--", 2) == 0) {
        if (strcmp(argv[i], "--help") == 0) {
            print_overview(stdout);
            return MN_EXIT_OK;
        }
        if (strcmp(argv[i], "--version") == 0)
            return cmd_version(0, NULL);
        if (strcmp(argv[i], "--log-level") == 0 && i + 1 < argc) {
            int level = mn_log_level_parse(argv[i + 1]);
            if (level < 0) {
                fprintf(stderr,
                        "mnetsim: --log-level: unknown level \"%s\"; use off, error, warn, info, "
                        "debug or trace\n",
                        argv[i + 1]);
                return MN_EXIT_USAGE;
            }
            mn_log_set_level(level);
            i += 2;
            continue;
        }
        fprintf(stderr, "mnetsim: unknown option \"%s\"; run `mnetsim help`\n", argv[i]);
        return MN_EXIT_USAGE;
    }
    if (i >= argc) {
        print_overview(stderr);
        return MN_EXIT_USAGE;
    }
    const struct mn_cli_command *c = find_command(argv[i]);
    if (!c) {
        fprintf(stderr, "mnetsim: unknown command \"%s\"; run `mnetsim help` for the list\n",
                argv[i]);
        return MN_EXIT_USAGE;
    }
    for (int k = i + 1; k < argc; k++)
        if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
            fputs(c->usage, stdout);
            return MN_EXIT_OK;
        }
    return c->run(argc - i, argv + i);
}
