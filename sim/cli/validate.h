/*
 * validate.h - `mnetsim validate`: pre-deployment checks of operators'
 * rules (docs/validate.md). The command (cmd_validate.c) loads the
 * scenarios, runs the static checks (validate_static.c) and the dynamic
 * ones (validate_dynamic.c: world runs with and without the rules, on the
 * scenarios and on stress variants built by validate_stress.c), and prints
 * the report (validate_report.c).
 *
 * Owns:      the report's findings (mn_val_report_fini frees them).
 * Borrows:   the loaded scenarios (mn_net) during each check.
 * Invariant: every finding has a class from the fixed table (mn_val_classes),
 *            whose severity it takes; files in findings are as the user gave
 *            them (mn_val_report_path maps what the loader saw back to it),
 *            so the report of a bundled example is the same on any machine.
 */
#ifndef MN_CLI_VALIDATE_H
#define MN_CLI_VALIDATE_H

#include <stddef.h>
#include <stdio.h>

#include "../core/err.h"
#include "../core/time.h"
#include "../models/net.h"
#include "../models/rules.h"

typedef enum { MN_VAL_ERROR, MN_VAL_WARNING, MN_VAL_INFO, MN_VAL_SEVERITIES } mn_val_severity;

/* The finding classes and their fixed severities (docs/validate.md has the table). */
typedef struct mn_val_class {
    const char *name;
    mn_val_severity severity;
    int dynamic; /* found by simulation (t_s and scenario set) */
    const char *summary;
} mn_val_class;

extern const mn_val_class mn_val_classes[];
extern const size_t mn_val_nclasses;

const char *mn_val_severity_name(mn_val_severity s);
/* "error", "warning", "info" -> the severity, "none" -> MN_VAL_SEVERITIES; -1 otherwise. */
int mn_val_severity_parse(const char *s);

#define MN_VAL_TRACE_MAX 6

typedef struct mn_val_finding {
    mn_val_severity severity;
    const char *cls; /* borrowed: mn_val_classes[i].name */
    char rule[64];
    char file[512];
    long line;
    char msg[600];
    double t_s;         /* dynamic: simulated time of the finding; static: -1 */
    char scenario[160]; /* dynamic: "<scenario name>" or "<scenario name>/<stress>" */
    char trace[MN_VAL_TRACE_MAX][240];
    size_t ntrace;
} mn_val_finding;

/* A path as the loader reports it, and as the user gave it. */
typedef struct mn_val_path {
    char real[4096];
    char given[1024];
} mn_val_path;

typedef struct mn_val_report {
    mn_val_finding *f; /* owned */
    size_t n, cap;
    mn_val_path paths[64];
    size_t npaths;
} mn_val_report;

void mn_val_report_init(mn_val_report *r);
void mn_val_report_fini(mn_val_report *r);
/* Remembers that `given` (a path on the command line) names a file the loader may report. */
void mn_val_report_add_path(mn_val_report *r, const char *given);
/* file as the user gave it, when it is one of the remembered files; else file itself. */
const char *mn_val_report_path(const mn_val_report *r, const char *file, char *buf, size_t n);

/*
 * Adds a finding of class cls (a name of mn_val_classes) about rule (may be
 * NULL: file and line then come from file/line) with a printf message;
 * returns it (for the caller to add trace lines, time and scenario) or NULL
 * when out of memory. An identical static finding (class, file, line,
 * message) is not added twice: the first one is returned.
 */
mn_val_finding *mn_val_add(mn_val_report *r, const char *cls, const mn_rule *rule, const char *file,
                           long line, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void mn_val_trace(mn_val_finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sorts the findings: severity, file, line, class, rule, scenario, time, message. */
void mn_val_report_sort(mn_val_report *r);
/* How many findings of severity s. */
size_t mn_val_report_count(const mn_val_report *r, mn_val_severity s);
void mn_val_report_print(const mn_val_report *r, const char *input, FILE *out);
void mn_val_report_json(const mn_val_report *r, const char *input, FILE *out);

/* ---- static checks (validate_static.c) ---- */

/* Contradictions, shadowing, candidate oscillations, isolation and worst-case over-commit. */
int mn_val_static(const mn_net *n, mn_val_report *rep, mn_err *err);

/* ---- stress variants (validate_stress.c) ---- */

typedef enum {
    MN_STRESS_PEAK,           /* peak hour x2: every interarrival mean halved */
    MN_STRESS_FLASH_CROWD,    /* a stream of visitors at one site's boxes */
    MN_STRESS_BOX_FAILURE,    /* the most loaded box fails at mid-run */
    MN_STRESS_UPLINK_FAILURE, /* a site's gateway links fail at mid-run */
    MN_STRESS_MOVE_ALL,       /* every user moves to the next box at once */
    MN_STRESS_KINDS
} mn_stress_kind;

const char *mn_stress_name(mn_stress_kind k);
int mn_stress_parse(const char *s); /* -1: unknown */

/*
 * Transforms a loaded scenario into stress variant k, in place; desc gets
 * one line saying what was done ("box b1 fails at 1h for 30min").
 * Returns MN_OK, 1 when the variant does not apply to this scenario (no
 * link at any site's gateway...: desc says why), or MN_ENOMEM.
 */
int mn_stress_apply(mn_net *n, mn_stress_kind k, char *desc, size_t ndesc, mn_err *err);

/* ---- dynamic checks (validate_dynamic.c) ---- */

/* A scenario to simulate: a file, or a document built in memory (rules spliced in). */
typedef struct mn_val_target {
    const char *path; /* the file (for messages and relative paths), as given */
    const char *buf;  /* NULL: read path; else the document */
    size_t len;
} mn_val_target;

int mn_val_load(const mn_val_target *t, mn_net **out, mn_err *err);

typedef struct mn_val_dyn_opts {
    const char *tmp_dir; /* runs write their results under it */
    uint64_t seed;       /* 0 with seed_set 0: the scenario's, else 1 */
    int seed_set;
    unsigned stress_mask; /* bit k: run stress variant k */
    unsigned pingpong_k;  /* a ping-pong is more than K back-and-forth moves ... */
    mn_time window;       /* ... within this window */
    int progress;         /* one line per run on stderr */
} mn_val_dyn_opts;

/* Runs t with and without its rules, then each stress variant the same way; adds findings. */
int mn_val_dynamic(const mn_val_target *t, const mn_val_dyn_opts *o, mn_val_report *rep,
                   mn_err *err);

#endif
