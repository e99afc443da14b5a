/*
 * commands.h - the subcommands of the mnetsim front end.
 *
 * Owns:      nothing; each command parses its own argv.
 * Invariant: a command returns the process exit status: 0 success, 1 a run
 *            failed, 2 bad input (usage, scenario or option errors). Only the
 *            front end prints to stdout/stderr.
 */
#ifndef MN_CLI_COMMANDS_H
#define MN_CLI_COMMANDS_H

#include "../core/err.h"

#define MN_EXIT_OK 0
#define MN_EXIT_FAIL 1
#define MN_EXIT_USAGE 2

struct mn_cli_command {
    const char *name;
    const char *summary; /* one line for `mnetsim help` */
    const char *usage;   /* full help for `mnetsim help NAME` and NAME --help */
    int (*run)(int argc, char **argv);
};

int mn_cli_bench(int argc, char **argv);
int mn_cli_run(int argc, char **argv);
int mn_cli_policies(int argc, char **argv);
int mn_cli_compare(int argc, char **argv);
int mn_cli_emu(int argc, char **argv);
int mn_cli_export(int argc, char **argv);
int mn_cli_sweep(int argc, char **argv);
int mn_cli_report(int argc, char **argv);
int mn_cli_validate(int argc, char **argv);

/*
 * Prints "mnetsim: COMMAND: <message>; see `mnetsim help COMMAND`" to
 * stderr and returns MN_EXIT_USAGE.
 */
int mn_cli_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "mnetsim: where: msg" (or "mnetsim: msg") to stderr. */
void mn_cli_print_error(const mn_err *err);

/* Parses a non-negative integer option; prints a one-line error on failure. */
int mn_cli_parse_u64(const char *option, const char *text, unsigned long long *out);

#endif
