/*
 * validate_report.c - the findings of `mnetsim validate`: the class table,
 * adding and sorting findings, the human report and the JSON report
 * (schema in docs/validate.md, version 1).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "validate.h"

/* The fixed table: a class's severity never depends on the input. */
const mn_val_class mn_val_classes[] = {
    {"isolation", MN_VAL_ERROR, 0, "a rule selects another operator's instance"},
    {"overcommit", MN_VAL_ERROR, 0,
     "the rules can ask a box for more CPU or memory than it has (worst case)"},
    {"contradiction", MN_VAL_WARNING, 0, "a rule's conditions never all hold: it never fires"},
    {"shadowed", MN_VAL_WARNING, 0, "a higher-priority rule always acts first: a rule never acts"},
    {"oscillation", MN_VAL_WARNING, 0,
     "two rules' actions undo each other under overlapping conditions (candidate)"},
    {"pingpong", MN_VAL_ERROR, 1,
     "an instance migrated back and forth more than K times within the window"},
    {"overcommit-refused", MN_VAL_ERROR, 1,
     "a rule asked for a placement or migration the box could not take"},
    {"sla-caused", MN_VAL_ERROR, 1, "more SLA violation with the rules than without them"},
    {"sla-unprevented", MN_VAL_WARNING, 1,
     "rules that react to SLA violations leave as much violation as no rules"},
    {"stress-skipped", MN_VAL_INFO, 1, "a stress variant does not apply to a scenario"},
};
const size_t mn_val_nclasses = sizeof mn_val_classes / sizeof mn_val_classes[0];

static const char *const severity_names[MN_VAL_SEVERITIES] = {"error", "warning", "info"};

const char *mn_val_severity_name(mn_val_severity s)
{
    return (unsigned)s < MN_VAL_SEVERITIES ? severity_names[s] : "?";
}

int mn_val_severity_parse(const char *s)
{
    for (int i = 0; i < MN_VAL_SEVERITIES; i++)
        if (strcmp(s, severity_names[i]) == 0)
            return i;
    return strcmp(s, "none") == 0 ? MN_VAL_SEVERITIES : -1;
}

void mn_val_report_init(mn_val_report *r)
{
    memset(r, 0, sizeof *r);
}

void mn_val_report_fini(mn_val_report *r)
{
    mn_free(r->f);
    memset(r, 0, sizeof *r);
}

void mn_val_report_add_path(mn_val_report *r, const char *given)
{
    if (r->npaths == sizeof r->paths / sizeof r->paths[0])
        return;
    mn_val_path *p = &r->paths[r->npaths];
    if (!realpath(given, p->real))
        return;
    snprintf(p->given, sizeof p->given, "%s", given);
    r->npaths++;
}

const char *mn_val_report_path(const mn_val_report *r, const char *file, char *buf, size_t n)
{
    char real[PATH_MAX];
    if (file && *file && realpath(file, real))
        for (size_t i = 0; i < r->npaths; i++)
            if (strcmp(real, r->paths[i].real) == 0) {
                snprintf(buf, n, "%s", r->paths[i].given);
                return buf;
            }
    snprintf(buf, n, "%s", file ? file : "");
    return buf;
}

static const mn_val_class *find_class(const char *name)
{
    for (size_t i = 0; i < mn_val_nclasses; i++)
        if (strcmp(mn_val_classes[i].name, name) == 0)
            return &mn_val_classes[i];
    return NULL;
}

mn_val_finding *mn_val_add(mn_val_report *r, const char *cls, const mn_rule *rule, const char *file,
                           long line, const char *fmt, ...)
{
    const mn_val_class *c = find_class(cls);
    if (!c)
        return NULL; /* a class missing from the table is a bug of the caller */
    mn_val_finding f;
    memset(&f, 0, sizeof f);
    f.cls = c->name;
    f.severity = c->severity;
    f.t_s = -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f.msg, sizeof f.msg, fmt, ap);
    va_end(ap);
    if (rule) {
        snprintf(f.rule, sizeof f.rule, "%s", rule->id);
        file = rule->file;
        line = rule->line;
    }
    mn_val_report_path(r, file, f.file, sizeof f.file);
    f.line = line;
    for (size_t i = 0; i < r->n; i++)
        if (r->f[i].cls == f.cls && strcmp(r->f[i].file, f.file) == 0 && r->f[i].line == f.line &&
            strcmp(r->f[i].msg, f.msg) == 0 && r->f[i].scenario[0] == '\0')
            return &r->f[i];
    if (mn_array_reserve((void **)&r->f, &r->cap, r->n + 1, sizeof *r->f) != MN_OK)
        return NULL;
    r->f[r->n] = f;
    return &r->f[r->n++];
}

void mn_val_trace(mn_val_finding *f, const char *fmt, ...)
{
    if (!f || f->ntrace == MN_VAL_TRACE_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->trace[f->ntrace], sizeof f->trace[0], fmt, ap);
    va_end(ap);
    f->ntrace++;
}

static int cmp_finding(const void *pa, const void *pb)
{
    const mn_val_finding *a = pa, *b = pb;
    int c;
    if (a->severity != b->severity)
        return a->severity < b->severity ? -1 : 1;
    if ((c = strcmp(a->file, b->file)) != 0)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if ((c = strcmp(a->cls, b->cls)) != 0)
        return c;
    if ((c = strcmp(a->rule, b->rule)) != 0)
        return c;
    if ((c = strcmp(a->scenario, b->scenario)) != 0)
        return c;
    if (a->t_s != b->t_s)
        return a->t_s < b->t_s ? -1 : 1;
    return strcmp(a->msg, b->msg);
}

void mn_val_report_sort(mn_val_report *r)
{
    if (r->n > 1)
        qsort(r->f, r->n, sizeof *r->f, cmp_finding);
}

size_t mn_val_report_count(const mn_val_report *r, mn_val_severity s)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        k += r->f[i].severity == s;
    return k;
}

void mn_val_report_print(const mn_val_report *r, const char *input, FILE *out)
{
    fprintf(out, "mnetsim validate: %s\n", input);
    for (int s = 0; s < MN_VAL_SEVERITIES; s++) {
        size_t k = mn_val_report_count(r, (mn_val_severity)s);
        if (!k)
            continue;
        fprintf(out, "\n%s (%zu)\n", severity_names[s], k);
        for (size_t i = 0; i < r->n; i++) {
            const mn_val_finding *f = &r->f[i];
            if ((int)f->severity != s)
                continue;
            fprintf(out, "  %s:%ld: %s", f->file, f->line, f->cls);
            if (f->rule[0])
                fprintf(out, ": rule \"%s\"", f->rule);
            fprintf(out, ": %s", f->msg);
            if (f->scenario[0])
                fprintf(out, " [%s, t=%.3f s]", f->scenario, f->t_s);
            fputc('\n', out);
            for (size_t k2 = 0; k2 < f->ntrace; k2++)
                fprintf(out, "      | %s\n", f->trace[k2]);
        }
    }
    size_t e = mn_val_report_count(r, MN_VAL_ERROR), w = mn_val_report_count(r, MN_VAL_WARNING),
           n = mn_val_report_count(r, MN_VAL_INFO);
    fprintf(out, "\n%s: %zu error%s, %zu warning%s, %zu info\n", input, e, e == 1 ? "" : "s", w,
            w == 1 ? "" : "s", n);
}

/* s as a JSON string, quotes included. */
static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

void mn_val_report_json(const mn_val_report *r, const char *input, FILE *out)
{
    fputs("{\n  \"version\": 1,\n  \"input\": ", out);
    json_str(out, input);
    fputs(",\n  \"findings\": [", out);
    for (size_t i = 0; i < r->n; i++) {
        const mn_val_finding *f = &r->f[i];
        fputs(i ? ",\n    {" : "\n    {", out);
        fputs("\"severity\": ", out);
        json_str(out, severity_names[f->severity]);
        fputs(", \"class\": ", out);
        json_str(out, f->cls);
        fputs(", \"rule\": ", out);
        json_str(out, f->rule);
        fputs(", \"file\": ", out);
        json_str(out, f->file);
        fprintf(out, ", \"line\": %ld, \"message\": ", f->line);
        json_str(out, f->msg);
        if (f->scenario[0]) {
            fprintf(out, ", \"t_s\": %.3f, \"scenario\": ", f->t_s);
            json_str(out, f->scenario);
        }
        fputs(", \"trace\": [", out);
        for (size_t k = 0; k < f->ntrace; k++) {
            if (k)
                fputs(", ", out);
            json_str(out, f->trace[k]);
        }
        fputs("]}", out);
    }
    fprintf(out, "%s],\n  \"summary\": {\"error\": %zu, \"warning\": %zu, \"info\": %zu}\n}\n",
            r->n ? "\n  " : "", mn_val_report_count(r, MN_VAL_ERROR),
            mn_val_report_count(r, MN_VAL_WARNING), mn_val_report_count(r, MN_VAL_INFO));
}
