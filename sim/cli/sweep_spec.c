/* sweep_spec.c - loading and expanding sweep files; see sweep_spec.h. */
#include "sweep_spec.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xpath.h>

#include "../core/alloc.h"
#include "../core/scenario.h"
#include "../core/sha256.h"
#include "../core/xinclude.h"
#include "../models/net.h"
#include "../policies/policy.h"

extern const char mn_sweep_schema_rng[]; /* generated from scenarios/sweeps/sweep.rng */

#define MAX_VALUES 100000

static const char *const kind_names[3] = {"placement", "balancing", "migration"};

/* Column names the runs and points tables use themselves. */
static const char *const reserved[] = {"point", "rep", "seed", "status", "error", "n", "failed"};

/* ---- errors ---- */

struct ctx {
    const char *path;
    mn_sweep *sw;
    mn_err *err;
};

static int fail_at(struct ctx *c, const xmlNode *n, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(struct ctx *c, const xmlNode *n, int code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mn_err_set_line(c->err, code, c->path, n ? xmlGetLineNo(n) : 0, "%s", msg);
}

/* An attribute's text (owned by the caller: xmlFree), or NULL. */
static char *attr(const xmlNode *n, const char *name)
{
    return (char *)xmlGetProp(n, (const xmlChar *)name);
}

/*
 * Every attribute of n is in `allowed` (space-separated) and every one of
 * `required` is there; else "<el>: unknown attribute "x"; <el> takes ...".
 */
static int check_attrs(struct ctx *c, const xmlNode *n, const char *allowed, const char *required)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        const char *name = (const char *)a->name;
        size_t len = strlen(name);
        const char *p = allowed;
        int ok = 0;
        while (p && *p) {
            const char *sp = strchr(p, ' ');
            size_t l = sp ? (size_t)(sp - p) : strlen(p);
            if (l == len && strncmp(p, name, l) == 0)
                ok = 1;
            p = sp ? sp + 1 : NULL;
        }
        if (!ok)
            return fail_at(c, n, MN_EPARSE, "<%s>: unknown attribute \"%s\"; <%s> takes %s",
                           n->name, name, n->name, allowed);
    }
    char list[256], *save = NULL;
    snprintf(list, sizeof list, "%s", required);
    for (char *r = strtok_r(list, " ", &save); r; r = strtok_r(NULL, " ", &save))
        if (!xmlHasProp(n, (const xmlChar *)r))
            return fail_at(c, n, MN_EPARSE, "<%s>: attribute %s is missing; <%s> needs %s",
                           n->name, r, n->name, required);
    return MN_OK;
}

/* ---- numbers with units ---- */

/*
 * "12.5Mbps" into mantissa 125, decimals 1, unit "Mbps"; "500" into 500, 0,
 * "". A space may separate number and unit. Returns 0, or -1 when s is not a
 * decimal number with an optional unit of letters (or '%').
 */
static int parse_num_unit(const char *s, int64_t *mant, int *decimals, char unit[16])
{
    const char *p = s;
    int neg = 0, digits = 0, dec = 0, in_frac = 0;
    int64_t m = 0;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    for (; isdigit((unsigned char)*p) || (*p == '.' && !in_frac); p++) {
        if (*p == '.') {
            in_frac = 1;
            continue;
        }
        if (m > (INT64_MAX - 9) / 10 || dec > 12)
            return -1;
        m = m * 10 + (*p - '0');
        digits++;
        dec += in_frac;
    }
    if (!digits)
        return -1;
    while (*p == ' ')
        p++;
    size_t ul = 0;
    for (; isalpha((unsigned char)*p) || *p == '%'; p++) {
        if (ul + 1 >= 16)
            return -1;
        unit[ul++] = *p;
    }
    unit[ul] = '\0';
    while (isspace((unsigned char)*p))
        p++;
    if (*p)
        return -1;
    *mant = neg ? -m : m;
    *decimals = dec;
    return 0;
}

static int64_t pow10i(int d)
{
    int64_t v = 1;
    while (d-- > 0)
        v *= 10;
    return v;
}

/* mant / 10^dec without trailing zeros, then the unit: 15, 1 -> "1.5"; 20, 1 -> "2". */
static void format_num(int64_t mant, int dec, const char *unit, char *buf, size_t len)
{
    int64_t scale = pow10i(dec);
    int64_t ip = mant / scale, fp = mant % scale;
    int neg = mant < 0;
    if (fp < 0)
        fp = -fp;
    char frac[24] = "";
    if (fp && dec > 0 && dec < 20) {
        /* dec digits, leading zeros kept, trailing ones dropped */
        frac[0] = '.';
        for (int i = dec; i >= 1; i--, fp /= 10)
            frac[i] = (char)('0' + fp % 10);
        size_t n = (size_t)dec + 1;
        frac[n] = '\0';
        while (n > 1 && frac[n - 1] == '0')
            frac[--n] = '\0';
    }
    snprintf(buf, len, "%s%" PRId64 "%s%s", neg && ip == 0 ? "-" : "", ip, frac, unit);
}

/* ---- values ---- */

static int add_value(struct ctx *c, const xmlNode *n, mn_sweep_param *pm, size_t *cap,
                     const char *v, size_t vlen)
{
    if (pm->nvalues == MAX_VALUES)
        return fail_at(c, n, MN_EINVAL, "param \"%s\": more than %d values; split the sweep",
                       pm->name, MAX_VALUES);
    if (mn_array_reserve((void **)&pm->values, cap, pm->nvalues + 1, sizeof *pm->values) != 0)
        return MN_ERR(c->err, MN_ENOMEM, "out of memory for the sweep");
    char *s = mn_alloc(vlen + 1);
    if (!s)
        return MN_ERR(c->err, MN_ENOMEM, "out of memory for the sweep");
    memcpy(s, v, vlen);
    s[vlen] = '\0';
    for (size_t i = 0; i < pm->nvalues; i++)
        if (strcmp(pm->values[i], s) == 0) {
            int rc = fail_at(c, n, MN_EINVAL,
                             "param \"%s\": value \"%s\" is listed twice; list each value once",
                             pm->name, s);
            mn_free(s);
            return rc;
        }
    pm->values[pm->nvalues++] = s;
    return MN_OK;
}

static int add_range(struct ctx *c, const xmlNode *n, mn_sweep_param *pm, size_t *cap)
{
    int rc = check_attrs(c, n, "from to step", "from to step");
    if (rc != MN_OK)
        return rc;
    const char *names[3] = {"from", "to", "step"};
    int64_t m[3];
    int d[3], dmax = 0;
    char unit[3][16];
    for (int i = 0; i < 3; i++) {
        char *t = attr(n, names[i]);
        int bad = parse_num_unit(t, &m[i], &d[i], unit[i]);
        if (bad)
            rc = fail_at(c, n, MN_EINVAL,
                         "<range> of \"%s\": %s=\"%s\" is not a number with an optional unit; "
                         "write e.g. %s=\"100Mbps\" or %s=\"500\"",
                         pm->name, names[i], t, names[i], names[i]);
        xmlFree(t);
        if (rc != MN_OK)
            return rc;
        if (d[i] > dmax)
            dmax = d[i];
    }
    if (strcmp(unit[0], unit[1]) != 0 || strcmp(unit[0], unit[2]) != 0)
        return fail_at(c, n, MN_EINVAL,
                       "<range> of \"%s\": from, to and step have different units (\"%s\", "
                       "\"%s\", \"%s\"); give all three in the same unit",
                       pm->name, unit[0], unit[1], unit[2]);
    for (int i = 0; i < 3; i++)
        m[i] *= pow10i(dmax - d[i]);
    if (m[2] <= 0)
        return fail_at(c, n, MN_EINVAL, "<range> of \"%s\": step must be positive; write e.g. "
                       "step=\"1%s\"", pm->name, unit[0]);
    if (m[1] < m[0])
        return fail_at(c, n, MN_EINVAL,
                       "<range> of \"%s\": to is below from; give from <= to", pm->name);
    if ((m[1] - m[0]) / m[2] >= MAX_VALUES)
        return fail_at(c, n, MN_EINVAL, "<range> of \"%s\": more than %d values; use a larger "
                       "step", pm->name, MAX_VALUES);
    for (int64_t v = m[0]; v <= m[1]; v += m[2]) {
        char buf[64];
        format_num(v, dmax, unit[0], buf, sizeof buf);
        if ((rc = add_value(c, n, pm, cap, buf, strlen(buf))) != MN_OK)
            return rc;
    }
    return MN_OK;
}

/* The column: numbers sharing one unit become name_unit with the bare numbers in the CSV. */
static int set_column(struct ctx *c, mn_sweep_param *pm)
{
    pm->numeric = pm->target == MN_SWEEP_XPATH;
    for (size_t i = 0; pm->numeric && i < pm->nvalues; i++) {
        int64_t m;
        int d;
        char u[16];
        if (parse_num_unit(pm->values[i], &m, &d, u) != 0 || (i && strcmp(u, pm->unit) != 0))
            pm->numeric = 0;
        else if (!i)
            snprintf(pm->unit, sizeof pm->unit, "%s", u);
    }
    if (!pm->numeric)
        pm->unit[0] = '\0';
    size_t len = strlen(pm->name) + strlen(pm->unit) + 2;
    if (!(pm->column = mn_alloc(len)))
        return MN_ERR(c->err, MN_ENOMEM, "out of memory for the sweep");
    snprintf(pm->column, len, "%s%s%s", pm->name, pm->unit[0] ? "_" : "", pm->unit);
    for (char *p = pm->column; *p; p++)
        if (*p == '%')
            *p = 'p'; /* "load_%" is an awkward header: load_p(ercent) */
    return MN_OK;
}

static int valid_name(const char *s)
{
    if (!isalpha((unsigned char)s[0]))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
            return 0;
    return 1;
}

static int load_param(struct ctx *c, const xmlNode *n, size_t factor)
{
    mn_sweep *sw = c->sw;
    int rc = check_attrs(c, n, "name xpath policy values", "name");
    if (rc != MN_OK)
        return rc;
    size_t cap = sw->nparams, vcap = 0; /* arrays grow by exact reserve from their size */
    if (mn_array_reserve((void **)&sw->params, &cap, sw->nparams + 1, sizeof *sw->params) != 0)
        return MN_ERR(c->err, MN_ENOMEM, "out of memory for the sweep");
    mn_sweep_param *pm = &sw->params[sw->nparams++];
    memset(pm, 0, sizeof *pm);
    pm->factor = factor;
    pm->line = xmlGetLineNo(n);
    char *name = attr(n, "name"), *xpath = attr(n, "xpath"), *policy = attr(n, "policy");
    char *values = attr(n, "values");
    pm->name = mn_strdup(name);
    if (!pm->name) {
        rc = MN_ERR(c->err, MN_ENOMEM, "out of memory for the sweep");
        goto out;
    }
    if (!valid_name(name)) {
        rc = fail_at(c, n, MN_EINVAL,
                     "param name \"%s\" cannot be a CSV column; use a letter then letters, "
                     "digits, '_', '-' or '.', e.g. \"users\"",
                     name);
        goto out;
    }
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(name, reserved[i]) == 0) {
            rc = fail_at(c, n, MN_EINVAL, "param name \"%s\" is a column of the results "
                         "already; choose another name", name);
            goto out;
        }
    for (size_t i = 0; i + 1 < sw->nparams; i++)
        if (strcmp(sw->params[i].name, name) == 0) {
            rc = fail_at(c, n, MN_EINVAL, "param \"%s\" is declared twice (first at line %ld); "
                         "give each parameter one <param>", name, sw->params[i].line);
            goto out;
        }
    if (!xpath == !policy) {
        rc = fail_at(c, n, MN_EINVAL,
                     "param \"%s\": give exactly one of xpath=\"//population/@count\" (a scenario "
                     "attribute) or policy=\"placement|balancing|migration\"",
                     name);
        goto out;
    }
    if (xpath) {
        pm->target = MN_SWEEP_XPATH;
        if (!xpath[0] || strchr(xpath, '=') == xpath) {
            rc = fail_at(c, n, MN_EINVAL, "param \"%s\": xpath is empty; name attributes, e.g. "
                         "xpath=\"//population/@count\"", name);
            goto out;
        }
        if (!(pm->xpath = mn_strdup(xpath))) {
            rc = MN_ERR(c->err, MN_ENOMEM, "out of memory for the sweep");
            goto out;
        }
    } else {
        pm->target = MN_SWEEP_POLICY;
        pm->policy = mn_policy_kind_parse(policy);
        if (pm->policy < 0) {
            rc = fail_at(c, n, MN_EINVAL, "param \"%s\": policy=\"%s\" is not a kind; write "
                         "placement, balancing or migration", name, policy);
            goto out;
        }
        for (size_t i = 0; i + 1 < sw->nparams; i++)
            if (sw->params[i].target == MN_SWEEP_POLICY && sw->params[i].policy == pm->policy) {
                rc = fail_at(c, n, MN_EINVAL, "param \"%s\": the %s policy is already swept by "
                             "\"%s\" (line %ld); list all its names in one <param>", name, policy,
                             sw->params[i].name, sw->params[i].line);
                goto out;
            }
    }
    if (values) {
        for (const char *p = values; *p;) {
            while (isspace((unsigned char)*p))
                p++;
            const char *q = p;
            while (*q && !isspace((unsigned char)*q))
                q++;
            if (q > p && (rc = add_value(c, n, pm, &vcap, p, (size_t)(q - p))) != MN_OK)
                goto out;
            p = q;
        }
        if (!pm->nvalues) {
            rc = fail_at(c, n, MN_EINVAL, "param \"%s\": values is empty; list values separated "
                         "by spaces, e.g. values=\"500 1000 2000\"", name);
            goto out;
        }
    }
    for (const xmlNode *k = n->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)k->name, "value") == 0) {
            if ((rc = check_attrs(c, k, "", "")) != MN_OK)
                goto out;
            xmlChar *t = xmlNodeGetContent(k);
            const char *s = (const char *)t;
            size_t l = strlen(s);
            while (l && isspace((unsigned char)s[l - 1]))
                l--;
            while (l && isspace((unsigned char)*s))
                s++, l--;
            rc = l ? add_value(c, k, pm, &vcap, s, l)
                   : fail_at(c, k, MN_EINVAL, "param \"%s\": <value> is empty; write e.g. "
                             "<value>uniform(0h, 2h)</value>", name);
            xmlFree(t);
            if (rc != MN_OK)
                goto out;
        } else if (strcmp((const char *)k->name, "range") == 0) {
            if ((rc = add_range(c, k, pm, &vcap)) != MN_OK)
                goto out;
        } else {
            rc = fail_at(c, k, MN_EPARSE, "<%s> inside <param>: unknown element; a <param> "
                         "holds <value> and <range from to step> elements", k->name);
            goto out;
        }
    }
    if (!pm->nvalues) {
        rc = fail_at(c, n, MN_EINVAL, "param \"%s\" has no values; add values=\"a b c\", "
                     "<value>s or a <range from=\"\" to=\"\" step=\"\"/>", name);
        goto out;
    }
    for (size_t i = 0; pm->target == MN_SWEEP_XPATH && i < pm->nvalues; i++)
        if (strchr(pm->values[i], '=')) {
            rc = fail_at(c, n, MN_EINVAL, "param \"%s\": value \"%s\" holds '='; scenario "
                         "values never do", name, pm->values[i]);
            goto out;
        }
    if (pm->target == MN_SWEEP_POLICY)
        for (size_t i = 0; i < pm->nvalues; i++) {
            mn_err perr = {0};
            if (mn_policy_check((mn_policy_kind)pm->policy, pm->values[i], &perr) != MN_OK) {
                rc = fail_at(c, n, MN_EINVAL, "param \"%s\": %s", name,
                             perr.msg[0] ? perr.msg : "unknown policy");
                goto out;
            }
        }
    rc = set_column(c, pm);
out:
    xmlFree(name);
    xmlFree(xpath);
    xmlFree(policy);
    xmlFree(values);
    return rc;
}

static int add_factor(struct ctx *c, size_t len)
{
    mn_sweep *sw = c->sw;
    size_t cap = sw->nfactors;
    if (mn_array_reserve((void **)&sw->factor_len, &cap, sw->nfactors + 1, sizeof *sw->factor_len))
        return MN_ERR(c->err, MN_ENOMEM, "out of memory for the sweep");
    sw->factor_len[sw->nfactors++] = len;
    return MN_OK;
}

static int load_set(struct ctx *c, const xmlNode *n)
{
    mn_sweep *sw = c->sw;
    int rc = check_attrs(c, n, "xpath value", "xpath value");
    if (rc != MN_OK)
        return rc;
    char *x = attr(n, "xpath"), *v = attr(n, "value");
    size_t cap = sw->nsets, cap2 = sw->nsets;
    if (!x[0]) {
        rc = fail_at(c, n, MN_EINVAL, "<set>: xpath is empty; name attributes, e.g. "
                     "xpath=\"//output/@interval\"");
    } else if (strchr(v, '=')) {
        rc = fail_at(c, n, MN_EINVAL, "<set>: value \"%s\" holds '='; scenario values never do",
                     v);
    } else if (mn_array_reserve((void **)&sw->sets, &cap, sw->nsets + 1, sizeof *sw->sets) ||
               mn_array_reserve((void **)&sw->set_lines, &cap2, sw->nsets + 1,
                                sizeof *sw->set_lines)) {
        rc = MN_ERR(c->err, MN_ENOMEM, "out of memory for the sweep");
    } else {
        size_t len = strlen(x) + strlen(v) + 2;
        char *s = mn_alloc(len);
        if (!s) {
            rc = MN_ERR(c->err, MN_ENOMEM, "out of memory for the sweep");
        } else {
            snprintf(s, len, "%s=%s", x, v);
            sw->set_lines[sw->nsets] = xmlGetLineNo(n);
            sw->sets[sw->nsets++] = s;
        }
    }
    xmlFree(x);
    xmlFree(v);
    return rc;
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* The schema as a backstop: libxml2's first message, at its line. */
struct capture {
    struct ctx *c;
    int seen;
};

static void capture_error(void *ctx, xmlErrorPtr x)
{
    struct capture *cap = ctx;
    if (!x || cap->seen++)
        return;
    char msg[256];
    snprintf(msg, sizeof msg, "%s", x->message ? x->message : "invalid");
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    mn_err_set_line(cap->c->err, MN_EPARSE, cap->c->path, x->line, "%s; see docs/sweeps.md for the format", msg);
}

static int validate(struct ctx *c, xmlDoc *doc)
{
    struct capture cap = {c, 0};
    xmlRelaxNGParserCtxt *pc =
        xmlRelaxNGNewMemParserCtxt(mn_sweep_schema_rng, (int)strlen(mn_sweep_schema_rng));
    xmlRelaxNG *schema = pc ? xmlRelaxNGParse(pc) : NULL;
    xmlRelaxNGValidCtxt *vc = schema ? xmlRelaxNGNewValidCtxt(schema) : NULL;
    int rc;
    if (!vc) {
        rc = MN_ERR(c->err, MN_EBUG, "the compiled-in sweep schema does not load");
    } else {
        xmlRelaxNGSetValidStructuredErrors(vc, capture_error, &cap);
        rc = xmlRelaxNGValidateDoc(vc, doc) == 0 ? MN_OK : MN_EPARSE;
        if (rc != MN_OK && !cap.seen)
            mn_err_set_at(c->err, MN_EPARSE, c->path, "does not follow the sweep schema");
    }
    xmlRelaxNGFreeValidCtxt(vc);
    xmlRelaxNGFree(schema);
    xmlRelaxNGFreeParserCtxt(pc);
    return rc;
}

static void xml_error(void *ctx, xmlErrorPtr x)
{
    struct capture *cap = ctx;
    if (!x || cap->seen++)
        return;
    char msg[256];
    snprintf(msg, sizeof msg, "%s", x->message ? x->message : "malformed XML");
    msg[strcspn(msg, "\n")] = '\0'; /* libxml2 quotes the text on the next lines */
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    mn_err_set_line(cap->c->err, MN_EPARSE, cap->c->path, x->line, "malformed XML: %s", msg);
}

static int load_doc(struct ctx *c, xmlDoc *doc)
{
    mn_sweep *sw = c->sw;
    xmlNode *root = xmlDocGetRootElement(doc);
    int rc;
    if (!root || strcmp((const char *)root->name, "sweep") != 0)
        return fail_at(c, root, MN_EPARSE, "the root element is <%s>, not <sweep>; a sweep file "
                       "is <sweep base=\"scenario.xml\" ...> (docs/sweeps.md)",
                       root ? (const char *)root->name : "none");
    if ((rc = check_attrs(c, root, "name base replications seed seed-policy", "base")) != MN_OK)
        return rc;
    char *name = attr(root, "name"), *base = attr(root, "base"), *reps = attr(root, "replications");
    char *seed = attr(root, "seed"), *policy = attr(root, "seed-policy");
    uint64_t v = 1;
    sw->base_line = xmlGetLineNo(root);
    if (reps && (parse_u64(reps, &v) || v < 1 || v > 1000000)) {
        rc = fail_at(c, root, MN_EINVAL, "replications=\"%s\" is not a whole number in [1, "
                     "1000000]; write e.g. replications=\"5\"", reps);
        goto out;
    }
    sw->reps = (uint32_t)v;
    if (seed && parse_u64(seed, &sw->seed)) {
        rc = fail_at(c, root, MN_EINVAL, "seed=\"%s\" is not a non-negative whole number; write "
                     "e.g. seed=\"1\"", seed);
        goto out;
    }
    sw->seed_given = seed != NULL;
    if (policy && strcmp(policy, "common") != 0 && strcmp(policy, "independent") != 0) {
        rc = fail_at(c, root, MN_EINVAL, "seed-policy=\"%s\": write common (replication k runs "
                     "on seed+k at every point) or independent", policy);
        goto out;
    }
    sw->independent = policy && strcmp(policy, "independent") == 0;
    if (!base[0]) {
        rc = fail_at(c, root, MN_EINVAL, "base is empty; name the base scenario, e.g. "
                     "base=\"small-city.xml\" (relative to the sweep file)");
        goto out;
    }
    /* the base scenario, relative to the sweep file's directory */
    const char *slash = strrchr(c->path, '/');
    size_t dlen = base[0] == '/' || !slash ? 0 : (size_t)(slash - c->path) + 1;
    size_t blen = dlen + strlen(base) + 1;
    if (!(sw->base = mn_alloc(blen))) {
        rc = MN_ERR(c->err, MN_ENOMEM, "out of memory for the sweep");
        goto out;
    }
    snprintf(sw->base, blen, "%.*s%s", (int)dlen, c->path, base);
    if (name && !valid_name(name)) {
        rc = fail_at(c, root, MN_EINVAL, "name=\"%s\": use a letter then letters, digits, '_', "
                     "'-' or '.'", name);
        goto out;
    }
    if (name) {
        sw->name = mn_strdup(name);
    } else {
        const char *b = slash ? slash + 1 : c->path;
        size_t l = strlen(b);
        if (l > 4 && strcmp(b + l - 4, ".xml") == 0)
            l -= 4;
        if ((sw->name = mn_alloc(l + 1)))
            snprintf(sw->name, l + 1, "%.*s", (int)l, b);
    }
    if (!sw->name) {
        rc = MN_ERR(c->err, MN_ENOMEM, "out of memory for the sweep");
        goto out;
    }
    for (xmlNode *n = root->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *el = (const char *)n->name;
        if (strcmp(el, "param") == 0) {
            if ((rc = load_param(c, n, sw->nfactors)) != MN_OK ||
                (rc = add_factor(c, sw->params[sw->nparams - 1].nvalues)) != MN_OK)
                goto out;
        } else if (strcmp(el, "zip") == 0) {
            if ((rc = check_attrs(c, n, "", "")) != MN_OK)
                goto out;
            size_t first = sw->nparams, len = 0;
            for (xmlNode *k = n->children; k; k = k->next) {
                if (k->type != XML_ELEMENT_NODE)
                    continue;
                if (strcmp((const char *)k->name, "param") != 0) {
                    rc = fail_at(c, k, MN_EPARSE, "<%s> inside <zip>: a <zip> holds only "
                                 "<param>s that vary together", k->name);
                    goto out;
                }
                if ((rc = load_param(c, k, sw->nfactors)) != MN_OK)
                    goto out;
                mn_sweep_param *pm = &sw->params[sw->nparams - 1];
                if (sw->nparams - 1 == first) {
                    len = pm->nvalues;
                } else if (pm->nvalues != len) {
                    rc = fail_at(c, k, MN_EINVAL,
                                 "param \"%s\" has %zu values but \"%s\" in the same <zip> has "
                                 "%zu; zipped parameters vary together, so give them equally "
                                 "many", pm->name, pm->nvalues, sw->params[first].name, len);
                    goto out;
                }
            }
            if (sw->nparams == first) {
                rc = fail_at(c, n, MN_EINVAL, "<zip> is empty; put the <param>s that vary "
                             "together inside it");
                goto out;
            }
            if ((rc = add_factor(c, len)) != MN_OK)
                goto out;
        } else if (strcmp(el, "set") == 0) {
            if ((rc = load_set(c, n)) != MN_OK)
                goto out;
        } else {
            rc = fail_at(c, n, MN_EPARSE, "<%s>: unknown element; a <sweep> holds <set>, "
                         "<param> and <zip>", el);
            goto out;
        }
    }
    sw->npoints = 1;
    for (size_t f = 0; f < sw->nfactors; f++) {
        if (sw->npoints > MN_SWEEP_MAX_RUNS / sw->factor_len[f]) {
            rc = fail_at(c, root, MN_EINVAL, "the sweep expands to more than %u points; sweep "
                         "fewer values", MN_SWEEP_MAX_RUNS);
            goto out;
        }
        sw->npoints *= sw->factor_len[f];
    }
    if (sw->npoints > MN_SWEEP_MAX_RUNS / sw->reps) {
        rc = fail_at(c, root, MN_EINVAL, "%zu points x %u replications is more than %u runs; "
                     "sweep fewer values or replications", sw->npoints, sw->reps,
                     MN_SWEEP_MAX_RUNS);
        goto out;
    }
    rc = validate(c, doc); /* should agree with everything above */
out:
    xmlFree(name);
    xmlFree(base);
    xmlFree(reps);
    xmlFree(seed);
    xmlFree(policy);
    return rc;
}

static int load(const char *buf, size_t len, const char *path, mn_sweep **out, mn_err *err)
{
    *out = NULL;
    mn_sweep *sw = mn_calloc(1, sizeof *sw);
    if (!sw || !(sw->path = mn_strdup(path))) {
        mn_free(sw);
        return MN_ERR(err, MN_ENOMEM, "out of memory for the sweep");
    }
    struct ctx c = {sw->path, sw, err};
    struct capture cap = {&c, 0};
    xmlParserCtxt *pc = xmlNewParserCtxt();
    int rc = MN_OK;
    xmlDoc *doc = NULL;
    if (!pc) {
        rc = MN_ERR(err, MN_ENOMEM, "out of memory for the XML parser");
    } else {
        /* libxml2 2.9 has no per-context structured handler: set the global one meanwhile */
        xmlSetStructuredErrorFunc(&cap, xml_error);
        const int flags = XML_PARSE_NONET | XML_PARSE_NOBLANKS;
        doc = buf ? xmlCtxtReadMemory(pc, buf, (int)len, path, NULL, flags)
                  : xmlCtxtReadFile(pc, path, NULL, flags);
        xmlSetStructuredErrorFunc(NULL, NULL);
        if (!doc && !cap.seen)
            rc = mn_err_set_at(err, MN_EIO, path, "cannot read the sweep file");
        else if (!doc)
            rc = err && err->code == MN_EPARSE && strstr(err->msg, "failed to load") ? MN_EIO
                                                                                    : MN_EPARSE;
    }
    if (doc && rc == MN_OK)
        rc = load_doc(&c, doc);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(pc);
    if (rc != MN_OK) {
        mn_sweep_destroy(sw);
        return rc;
    }
    *out = sw;
    return MN_OK;
}

int mn_sweep_load(const char *path, mn_sweep **out, mn_err *err)
{
    return load(NULL, 0, path, out, err);
}

int mn_sweep_load_memory(const char *buf, size_t len, const char *name, mn_sweep **out,
                         mn_err *err)
{
    return load(buf, len, name, out, err);
}

void mn_sweep_destroy(mn_sweep *sw)
{
    if (!sw)
        return;
    for (size_t i = 0; i < sw->nparams; i++) {
        mn_sweep_param *pm = &sw->params[i];
        mn_free(pm->name);
        mn_free(pm->xpath);
        mn_free(pm->column);
        for (size_t v = 0; v < pm->nvalues; v++)
            mn_free(pm->values[v]);
        mn_free(pm->values);
    }
    mn_free(sw->params);
    mn_sweep_sets_free(sw->sets, sw->nsets);
    mn_free(sw->set_lines);
    mn_free(sw->factor_len);
    mn_free(sw->path);
    mn_free(sw->name);
    mn_free(sw->base);
    mn_free(sw);
}

/* ---- the base scenario ---- */

/* Does xpath select at least one attribute of doc? */
static int selects_attributes(xmlDoc *doc, const char *xpath)
{
    xmlXPathContext *xc = xmlXPathNewContext(doc);
    xmlXPathObject *r = xc ? xmlXPathEvalExpression((const xmlChar *)xpath, xc) : NULL;
    int ok = r && r->type == XPATH_NODESET && r->nodesetval && r->nodesetval->nodeNr > 0;
    for (int i = 0; ok && i < r->nodesetval->nodeNr; i++)
        ok = r->nodesetval->nodeTab[i]->type == XML_ATTRIBUTE_NODE;
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(xc);
    return ok;
}

int mn_sweep_check_base(mn_sweep *sw, mn_err *err)
{
    mn_net *net = NULL;
    FILE *probe = fopen(sw->base, "r");
    if (!probe) {
        return mn_err_set_line(err, MN_EINVAL, sw->path, sw->base_line, "base scenario %s: %s; base is relative to "
                             "the sweep file's directory", sw->base, strerror(errno));
    }
    fclose(probe);
    int rc = mn_net_load(sw->base, (const char *const *)sw->sets, sw->nsets,
                         sw->seed_given ? &sw->seed : NULL, &net, err);
    if (rc != MN_OK) {
        if (err && strcmp(err->where, "--set") == 0) {
            /* a <set> that selects nothing: point at the sweep file */
            char msg[256];
            snprintf(msg, sizeof msg, "%s", err->msg);
            mn_err_set_line(err, rc, sw->path, sw->nsets ? sw->set_lines[0] : sw->base_line, "<set>: %s", msg);
        }
        return rc;
    }
    if (!net->world.present) {
        mn_net_destroy(net);
        return mn_err_set_line(err, MN_EINVAL, sw->path, sw->base_line, "base scenario %s has no <world>; a sweep "
                             "needs the metrics of a world run", sw->base);
    }
    if (!sw->seed_given)
        sw->seed = net->has_seed ? net->seed : 1;
    mn_net_destroy(net);

    /* every xpath parameter must select attributes of the base, as the scenario loader reads it
       (its xi:include'd parts in: core/xinclude.h); it has just loaded, so this read succeeds
       unless the file changed since or memory ran out */
    xmlDoc *doc = mn_scn_read_doc(sw->base, err);
    if (!doc)
        return err && err->code ? err->code : MN_EPARSE;
    for (size_t i = 0; i < sw->nparams; i++) {
        const mn_sweep_param *pm = &sw->params[i];
        if (pm->target == MN_SWEEP_XPATH && !selects_attributes(doc, pm->xpath)) {
            mn_xinc_free_doc(doc);
            return mn_err_set_line(err, MN_EINVAL, sw->path, pm->line,
                                 "param \"%s\": xpath \"%s\" selects no attribute of %s; name "
                                 "attributes, e.g. //population[@id='u']/@count",
                                 pm->name, pm->xpath, sw->base);
        }
    }
    mn_xinc_free_doc(doc);

    char sha[65];
    if ((rc = mn_sha256_file_hex(sw->base, sha, err)) != MN_OK)
        return rc;
    mn_sha256 h;
    mn_sha256_init(&h);
    char buf[128];
    mn_sha256_update(&h, sha, 64);
    for (size_t i = 0; i < sw->nsets; i++)
        mn_sha256_update(&h, sw->sets[i], strlen(sw->sets[i]) + 1);
    snprintf(buf, sizeof buf, "|seed=%" PRIu64 "|%s|", sw->seed,
             sw->independent ? "independent" : "common");
    mn_sha256_update(&h, buf, strlen(buf));
    for (size_t i = 0; i < sw->nparams; i++) {
        const mn_sweep_param *pm = &sw->params[i];
        mn_sha256_update(&h, pm->name, strlen(pm->name) + 1);
        const char *t = pm->target == MN_SWEEP_XPATH ? pm->xpath : kind_names[pm->policy];
        mn_sha256_update(&h, t, strlen(t) + 1);
    }
    mn_sha256_final_hex(&h, sw->fingerprint);
    return MN_OK;
}

/* ---- expansion ---- */

size_t mn_sweep_nruns(const mn_sweep *sw)
{
    return sw->npoints * sw->reps;
}

size_t mn_sweep_value_index(const mn_sweep *sw, size_t p, size_t i)
{
    size_t f = sw->params[i].factor;
    /* the last factor changes fastest */
    for (size_t g = sw->nfactors; g-- > f + 1;)
        p /= sw->factor_len[g];
    return p % sw->factor_len[f];
}

const char *mn_sweep_value(const mn_sweep *sw, size_t p, size_t i)
{
    return sw->params[i].values[mn_sweep_value_index(sw, p, i)];
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* FNV-1a over "name=value\0" of every parameter at point p. */
static uint64_t point_hash(const mn_sweep *sw, size_t p)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < sw->nparams; i++) {
        const char *v = mn_sweep_value(sw, p, i);
        h = fnv1a(h, sw->params[i].name, strlen(sw->params[i].name));
        h = fnv1a(h, "=", 1);
        h = fnv1a(h, v, strlen(v) + 1);
    }
    return h;
}

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

uint64_t mn_sweep_seed(const mn_sweep *sw, size_t p, uint32_t k)
{
    if (!sw->independent)
        return sw->seed + k;
    uint64_t x = splitmix64(sw->seed ^ splitmix64(point_hash(sw, p)));
    return splitmix64(x + k) & ((1ull << 53) - 1);
}

void mn_sweep_point_id(const mn_sweep *sw, size_t p, char *buf, size_t len)
{
    char name[96];
    size_t n = 0;
    for (size_t i = 0; i < sw->nparams && n < 80; i++) {
        if (i)
            name[n++] = '_';
        for (const char *v = mn_sweep_value(sw, p, i); *v && n < 80; v++)
            name[n++] = isalnum((unsigned char)*v) || *v == '.' || *v == '+' || *v == '-' ? *v
                                                                                        : '-';
    }
    name[n] = '\0';
    snprintf(buf, len, "%s-%08" PRIx32, n ? name : "base",
             (uint32_t)(point_hash(sw, p) ^ (point_hash(sw, p) >> 32)));
}

void mn_sweep_sets_free(char **sets, size_t nsets)
{
    if (!sets)
        return;
    for (size_t i = 0; i < nsets; i++)
        mn_free(sets[i]);
    mn_free(sets);
}

int mn_sweep_point_sets(const mn_sweep *sw, size_t p, char ***sets_out, size_t *nsets_out,
                        const char *policy_out[3], mn_err *err)
{
    *sets_out = NULL;
    *nsets_out = 0;
    for (int k = 0; k < 3; k++)
        policy_out[k] = NULL;
    char **sets = mn_calloc(sw->nsets + sw->nparams + 1, sizeof *sets);
    size_t n = 0;
    if (!sets)
        return MN_ERR(err, MN_ENOMEM, "out of memory for the overrides");
    for (size_t i = 0; i < sw->nsets; i++)
        if (!(sets[n++] = mn_strdup(sw->sets[i])))
            goto oom;
    for (size_t i = 0; i < sw->nparams; i++) {
        const mn_sweep_param *pm = &sw->params[i];
        const char *v = mn_sweep_value(sw, p, i);
        if (pm->target == MN_SWEEP_POLICY) {
            policy_out[pm->policy] = v;
            continue;
        }
        size_t len = strlen(pm->xpath) + strlen(v) + 2;
        if (!(sets[n] = mn_alloc(len)))
            goto oom;
        snprintf(sets[n++], len, "%s=%s", pm->xpath, v);
    }
    *sets_out = sets;
    *nsets_out = n;
    return MN_OK;
oom:
    mn_sweep_sets_free(sets, n);
    return MN_ERR(err, MN_ENOMEM, "out of memory for the overrides");
}
