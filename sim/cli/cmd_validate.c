/*
 * cmd_validate.c - `mnetsim validate RULES_OR_SCENARIO [--against SCENARIO
 * ...]`: the static and dynamic checks of operators' rules before they reach
 * real boxes (validate.h, docs/validate.md), a report on stdout, and an exit
 * status for CI: 0 clean, 1 findings at or above --fail-on, 2 bad input.
 *
 * Rules and scenarios. The input is a scenario whose <world> holds <rules>,
 * or a rules-only file (any root other than <scenario>: a <rules>, or a
 * wrapper holding several). With --against, the input's <rules> are spliced
 * into each scenario's <world> by an XInclude added in memory just before
 * its </world> (on the same line, so every line number stays), and the
 * loader reports the rules at their own file and line.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#define _DEFAULT_SOURCE   /* mkdtemp, realpath, with _XOPEN_SOURCE set */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <libxml/parser.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../core/readfile.h"
#include "../core/time.h"
#include "commands.h"
#include "validate.h"

#define MAX_AGAINST 32

#define usage_error(...) mn_cli_usage_error("validate", __VA_ARGS__)

/* The root element's name of an XML file ("" when it cannot be parsed: the loader will say why). */
static void root_name(const char *path, char *out, size_t n)
{
    out[0] = '\0';
    xmlDoc *doc =
        xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (root)
        snprintf(out, n, "%s", (const char *)root->name);
    xmlFreeDoc(doc);
}

/* Reads a whole file; NULL (err set) when it cannot. */
static char *slurp(const char *path, size_t *len, mn_err *err)
{
    char *text;
    int rc = mn_read_file(path, &text, len);
    if (rc == MN_ENOMEM)
        MN_ERR(err, MN_ENOMEM, "out of memory reading %s", path);
    else if (rc != MN_OK)
        mn_err_set_at(err, MN_EIO, path, "cannot read the scenario: %s", strerror(errno));
    return text;
}

/*
 * The scenario at path with an <xi:include> of the rules selected by
 * xpointer in rules_path spliced just before its last </world>, and the
 * XInclude namespace declared on <scenario>; both on existing lines.
 */
static char *splice(const char *path, const char *rules_path, const char *xpointer, size_t *len,
                    mn_err *err)
{
    size_t n;
    char *src = slurp(path, &n, err);
    if (!src)
        return NULL;
    char real[PATH_MAX];
    if (!realpath(rules_path, real)) {
        mn_free(src);
        mn_err_set_at(err, MN_EIO, rules_path, "cannot resolve the path: %s", strerror(errno));
        return NULL;
    }
    /* the text is not NUL-terminated: search a terminated copy */
    char *text = mn_alloc(n + 1);
    if (!text) {
        mn_free(src);
        MN_ERR(err, MN_ENOMEM, "out of memory");
        return NULL;
    }
    memcpy(text, src, n);
    text[n] = '\0';
    mn_free(src);
    char *scn = strstr(text, "<scenario"), *world = NULL;
    for (char *p = strstr(text, "</world>"); p; p = strstr(p + 1, "</world>"))
        world = p;
    if (!scn || !world || world < scn) {
        mn_free(text);
        mn_err_set_at(err, MN_EINVAL, path,
                      "--against needs a scenario with a <world> to splice the rules into");
        return NULL;
    }
    static const char ns[] = " xmlns:xi=\"http://www.w3.org/2001/XInclude\"";
    int need_ns = strstr(text, "xmlns:xi=") == NULL;
    char inc[PATH_MAX + 200];
    snprintf(inc, sizeof inc, "<xi:include href=\"%s\" xpointer=\"xpointer(%s)\"/>", real,
             xpointer);
    size_t out_len = n + (need_ns ? strlen(ns) : 0) + strlen(inc);
    char *out = mn_alloc(out_len + 1);
    if (!out) {
        mn_free(text);
        MN_ERR(err, MN_ENOMEM, "out of memory");
        return NULL;
    }
    size_t at_scn = (size_t)(scn - text) + strlen("<scenario"), at_world = (size_t)(world - text);
    size_t k = 0;
    memcpy(out, text, at_scn);
    k = at_scn;
    if (need_ns) {
        memcpy(out + k, ns, strlen(ns));
        k += strlen(ns);
    }
    memcpy(out + k, text + at_scn, at_world - at_scn);
    k += at_world - at_scn;
    memcpy(out + k, inc, strlen(inc));
    k += strlen(inc);
    memcpy(out + k, text + at_world, n - at_world);
    k += n - at_world;
    out[k] = '\0';
    mn_free(text);
    *len = k;
    return out;
}

/* As mn_cli_print_error, with the file of err->where as the user gave it (file:line). */
static void print_error(const mn_val_report *rep, const mn_err *err)
{
    mn_err e = *err;
    char file[4096], shown[4096];
    snprintf(file, sizeof file, "%s", err->where);
    char *colon = strrchr(file, ':');
    const char *line = "";
    if (colon && colon[1] >= '0' && colon[1] <= '9') {
        *colon = '\0';
        line = colon + 1;
    }
    mn_val_report_path(rep, file, shown, sizeof shown);
    snprintf(e.where, sizeof e.where, "%.400s%s%.20s", shown, *line ? ":" : "", line);
    mn_cli_print_error(&e);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int mn_cli_validate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"against", required_argument, NULL, 'a'},
        {"stress", required_argument, NULL, 'S'},
        {"json", no_argument, NULL, 'j'},
        {"fail-on", required_argument, NULL, 'f'},
        {"pingpong", required_argument, NULL, 'k'},
        {"window", required_argument, NULL, 'w'},
        {"seed", required_argument, NULL, 's'},
        {"static", no_argument, NULL, 'T'},
        {"runs-dir", required_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    const char *against[MAX_AGAINST];
    size_t nagainst = 0;
    int json = 0, quiet = 0, static_only = 0, fail_on = MN_VAL_WARNING, stress_given = 0, c;
    unsigned stress_mask = 0;
    unsigned long long v;
    const char *runs_dir = NULL;
    mn_val_dyn_opts dyn = {0};
    dyn.pingpong_k = 2;
    dyn.window = MN_HOUR;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            if (nagainst == MAX_AGAINST)
                return usage_error("at most %d --against scenarios", MAX_AGAINST);
            against[nagainst++] = optarg;
            break;
        case 'S': {
            stress_given = 1;
            if (strcmp(optarg, "all") == 0) {
                stress_mask = (1u << MN_STRESS_KINDS) - 1;
                break;
            }
            if (strcmp(optarg, "none") == 0) {
                stress_mask = 0;
                break;
            }
            int k = mn_stress_parse(optarg);
            if (k < 0)
                return usage_error("--stress \"%s\": use peak, flash-crowd, box-failure, "
                                   "uplink-failure, move-all, all or none",
                                   optarg);
            stress_mask |= 1u << k;
            break;
        }
        case 'j':
            json = 1;
            break;
        case 'f':
            if ((fail_on = mn_val_severity_parse(optarg)) < 0)
                return usage_error("--fail-on \"%s\": use error, warning, info or none", optarg);
            break;
        case 'k':
            if (mn_cli_parse_u64("--pingpong", optarg, &v) != MN_OK)
                return MN_EXIT_USAGE;
            if (v > 1000000)
                return usage_error("--pingpong %s: at most 1000000", optarg);
            dyn.pingpong_k = (unsigned)v;
            break;
        case 'w': {
            mn_err terr = {0};
            if (mn_time_parse(optarg, "--window", &dyn.window, &terr) != MN_OK || dyn.window <= 0)
                return usage_error("--window \"%s\": give a duration above zero, e.g. 1h or 30min",
                                   optarg);
            break;
        }
        case 's':
            if (mn_cli_parse_u64("--seed", optarg, &v) != MN_OK)
                return MN_EXIT_USAGE;
            dyn.seed = v;
            dyn.seed_set = 1;
            break;
        case 'T':
            static_only = 1;
            break;
        case 'r':
            runs_dir = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        default:
            return usage_error("unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return usage_error("give exactly one rules file or scenario");
    if (!stress_given)
        stress_mask = (1u << MN_STRESS_KINDS) - 1;
    dyn.stress_mask = stress_mask;
    dyn.progress = !quiet && isatty(STDERR_FILENO);
    const char *input = argv[optind];

    if (access(input, R_OK) != 0) {
        fprintf(stderr, "mnetsim: %s: cannot read the rules file or scenario: %s\n", input,
                strerror(errno));
        return MN_EXIT_USAGE;
    }
    for (size_t i = 0; i < nagainst; i++)
        if (access(against[i], R_OK) != 0) {
            fprintf(stderr, "mnetsim: %s: cannot read the --against scenario: %s\n", against[i],
                    strerror(errno));
            return MN_EXIT_USAGE;
        }

    /* isolation violations become findings, not load errors */
    mn_rules_collect_isolation(1);

    mn_val_report rep;
    mn_val_report_init(&rep);
    mn_val_report_add_path(&rep, input);
    for (size_t i = 0; i < nagainst; i++)
        mn_val_report_add_path(&rep, against[i]);

    char root[64];
    root_name(input, root, sizeof root);
    int rules_only = root[0] && strcmp(root, "scenario") != 0;
    int status = MN_EXIT_OK;
    mn_err err = {0};
    mn_val_target targets[MAX_AGAINST + 1];
    char *bufs[MAX_AGAINST + 1] = {NULL};
    size_t ntargets = 0;
    char tmp[4096] = "";
    int made_tmp = 0;

    if (rules_only && !nagainst) {
        status = usage_error("%s is a rules file (root <%s>): give --against SCENARIO to check "
                             "it in",
                             input, root);
        goto out;
    }
    if (!rules_only)
        targets[ntargets++] = (mn_val_target){input, NULL, 0};
    for (size_t i = 0; i < nagainst; i++) {
        size_t len = 0;
        bufs[i] =
            splice(against[i], input, rules_only ? "//rules" : "/scenario/world/rules", &len, &err);
        if (!bufs[i]) {
            print_error(&rep, &err);
            status = err.code == MN_ENOMEM ? MN_EXIT_FAIL : MN_EXIT_USAGE;
            goto out;
        }
        targets[ntargets++] = (mn_val_target){against[i], bufs[i], len};
    }

    /* load every target once: input errors first, then the static checks */
    size_t nrules = 0;
    for (size_t i = 0; i < ntargets; i++) {
        mn_net *n = NULL;
        if (mn_val_load(&targets[i], &n, &err) != MN_OK) {
            print_error(&rep, &err);
            status = err.code == MN_ENOMEM ? MN_EXIT_FAIL : MN_EXIT_USAGE;
            goto out;
        }
        if (!n->world.present) {
            fprintf(stderr, "mnetsim: validate: %s: validate needs a scenario with a <world>\n",
                    targets[i].path);
            mn_net_destroy(n);
            status = MN_EXIT_USAGE;
            goto out;
        }
        nrules += n->world.rules.nrules + n->world.rules.nisolation;
        int rc = mn_val_static(n, &rep, &err);
        mn_net_destroy(n);
        if (rc != MN_OK) {
            print_error(&rep, &err);
            status = MN_EXIT_FAIL;
            goto out;
        }
    }
    if (!nrules && !quiet)
        fprintf(stderr, "mnetsim: validate: %s: no rules to check\n", input);

    if (!static_only && nrules) {
        if (runs_dir) {
            snprintf(tmp, sizeof tmp, "%s", runs_dir);
        } else {
            const char *t = getenv("TMPDIR");
            snprintf(tmp, sizeof tmp, "%s/mnetsim-validate-XXXXXX", t && *t ? t : "/tmp");
            if (!mkdtemp(tmp)) {
                fprintf(stderr, "mnetsim: validate: cannot create a directory for the runs: %s\n",
                        strerror(errno));
                status = MN_EXIT_FAIL;
                goto out;
            }
            made_tmp = 1;
        }
        dyn.tmp_dir = tmp;
        for (size_t i = 0; i < ntargets; i++)
            if (mn_val_dynamic(&targets[i], &dyn, &rep, &err) != MN_OK) {
                print_error(&rep, &err);
                status = MN_EXIT_FAIL;
                goto out;
            }
    }

    mn_val_report_sort(&rep);
    if (json)
        mn_val_report_json(&rep, input, stdout);
    else
        mn_val_report_print(&rep, input, stdout);
    fflush(stdout);
    for (int s = 0; s <= fail_on && fail_on < MN_VAL_SEVERITIES; s++) /* "none": never */
        if (mn_val_report_count(&rep, (mn_val_severity)s))
            status = MN_EXIT_FAIL;
out:
    if (made_tmp)
        nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (size_t i = 0; i < nagainst; i++)
        mn_free(bufs[i]);
    mn_val_report_fini(&rep);
    mn_rules_collect_isolation(0);
    return status;
}
