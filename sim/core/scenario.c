/* scenario.c - XML scenario loading with libxml2; see scenario.h. */
#include "scenario.h"
#include "alloc.h"
#include "readfile.h"
#include "xinclude.h"

#include <math.h>

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xpath.h>

extern const char mn_scn_schema_rng[]; /* generated from scenarios/schema/mnetsim.rng */

/*
 * A start tag of the main file's text: where its '<' is, and the lines of
 * its '<' and of its '>'. libxml2 gives an element the line where its start
 * tag ends, which for a tag over several lines is not where its trouble is.
 */
typedef struct scn_tag {
    size_t at;
    long start, closing;
} scn_tag;

/*
 * The main file's text and its start tags in document order, which the
 * walk pairs with the tree's elements one by one (checking each tag's name
 * and closing line): an element's line is then where its tag begins.
 * Elements from xi:include'd parts are found in their part's text instead
 * (struct scn_parts).
 */
struct scn_source {
    const char *path;
    const char *text; /* borrowed (a memory load) or owned */
    char *owned;
    size_t len;
    scn_tag *tags;    /* owned */
    size_t ntags, tags_cap, next;
    int usable;       /* 0: the text and the tree disagree (or no text): libxml2's lines */
};

struct mn_scn_elem {
    xmlNode *node;
    const char *path, *dir; /* of the file the element was written in */
    char path_buf[4096], dir_buf[4096];
    const struct scn_source *source; /* borrowed */
    const scn_tag *tag;              /* its start tag in source's text (the main file's or its part's), or NULL */
};

/*
 * The file a node was written in: the nearest element at or above it that
 * came from an xi:include'd part names it (xinclude.h); else the main file.
 */
static const char *node_file(const xmlNode *node, const char *main_path)
{
    for (const xmlNode *cur = node; cur; cur = cur->parent) {
        const char *f = mn_xinc_file(cur);
        if (f)
            return f;
    }
    return main_path;
}

static void locate(struct mn_scn_elem *e, xmlNode *node, const char *file)
{
    e->node = node;
    snprintf(e->path_buf, sizeof e->path_buf, "%s", file);
    e->path = e->path_buf;
    snprintf(e->dir_buf, sizeof e->dir_buf, "%s", e->path);
    e->dir = dirname(e->dir_buf);
}

const char *mn_scn_elem_name(const mn_scn_elem *e)
{
    return (const char *)e->node->name;
}

long mn_scn_elem_line(const mn_scn_elem *e)
{
    return e->tag ? e->tag->start : xmlGetLineNo(e->node);
}

const char *mn_scn_elem_parent_name(const mn_scn_elem *e)
{
    xmlNode *p = e->node->parent;
    return p && p->type == XML_ELEMENT_NODE ? (const char *)p->name : "";
}

const char *mn_scn_elem_file(const mn_scn_elem *e)
{
    return e->path;
}

const char *mn_scn_elem_dir(const mn_scn_elem *e)
{
    return e->dir;
}

const char *mn_scn_attr(const mn_scn_elem *e, const char *name)
{
    xmlAttr *a = xmlHasProp(e->node, (const xmlChar *)name);
    if (!a || !a->children)
        return NULL;
    return (const char *)a->children->content;
}

/* ---- where in the text: the line of a start tag's '<', or of one of its attributes ---- */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Where text[i] ends if a `<!--`, `<?`, `<![CDATA[` or `<!` starts there (past it), else i. */
static size_t skip_markup(const char *text, size_t len, size_t i)
{
    static const char *const open[] = {"<!--", "<?", "<![CDATA[", "<!"}, *const close[] = {"-->", "?>", "]]>", ">"};
    for (int k = 0; k < 4; k++) {
        size_t on = strlen(open[k]), cn = strlen(close[k]);
        if (i + on > len || memcmp(text + i, open[k], on) != 0)
            continue;
        for (size_t j = i + on; j + cn <= len; j++) /* the text need not end in a NUL */
            if (memcmp(text + j, close[k], cn) == 0)
                return j + cn;
        return len;
    }
    return i;
}

/*
 * Where the start tag at text[at] ('<') ends: the offset of its '>' (len if
 * none), with *line moved past the newlines in it; quoted values may hold
 * '>' and newlines. With attr, *attr_line is the line of that attribute's
 * name in the tag (0 if it is not there).
 */
static size_t tag_end(const char *text, size_t len, size_t at, long *line, const char *attr, long *attr_line)
{
    size_t an = attr ? strlen(attr) : 0, j = at + 1;
    if (attr_line)
        *attr_line = 0;
    for (char quote = 0; j < len && (quote || text[j] != '>'); j++) {
        char c = text[j];
        if (c == '\n')
            ++*line;
        if (quote) {
            quote = c == quote ? 0 : quote;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (attr && !*attr_line && is_space(c) && j + 1 + an < len && memcmp(text + j + 1, attr, an) == 0) {
            size_t q = j + 1 + an;
            while (q < len && (text[q] == ' ' || text[q] == '\t'))
                q++;
            if (q < len && text[q] == '=')
                *attr_line = *line;
        }
    }
    return j;
}

/* The start tags of src's text, in order; 0, or -1 when out of memory. */
static int scan_tags(struct scn_source *src)
{
    const char *text = src->text;
    long line = 1;
    for (size_t i = 0; i < src->len; i++) {
        size_t past = skip_markup(text, src->len, i);
        for (; i < past; i++)
            line += text[i] == '\n';
        if (i >= src->len)
            break;
        if (text[i] == '\n') {
            line++;
            continue;
        }
        if (text[i] != '<' || i + 1 >= src->len || text[i + 1] == '/')
            continue;
        if (mn_array_reserve((void **)&src->tags, &src->tags_cap, src->ntags + 1, sizeof *src->tags) != 0)
            return -1;
        scn_tag *t = &src->tags[src->ntags++];
        t->at = i;
        t->start = line;
        i = tag_end(text, src->len, i, &line, NULL, NULL);
        t->closing = line;
    }
    return 0;
}

/* Reads the main file's text (unless it came from memory) and its tags; on any trouble, none. */
static void source_open(struct scn_source *src, const char *path, const char *buf, size_t len)
{
    memset(src, 0, sizeof *src);
    src->path = path;
    src->text = buf;
    src->len = len;
    if (!buf)
        src->text = mn_read_file(path, &src->owned, &src->len) == MN_OK ? src->owned : NULL;
    src->usable = src->text && scan_tags(src) == 0;
}

static void source_close(struct scn_source *src)
{
    mn_free(src->owned);
    mn_free(src->tags);
}

/*
 * The next tag of the main file's text, for node (an element of the main
 * file, or the marker an xi:include left), if it is that node's: the same
 * name, closing on libxml2's line for it. Else the text and the tree
 * disagree, and no line comes from the text any more.
 */
static const scn_tag *next_tag(struct scn_source *src, xmlNode *node)
{
    if (!src->usable)
        return NULL;
    if (src->next >= src->ntags) {
        src->usable = 0;
        return NULL;
    }
    const scn_tag *t = &src->tags[src->next++];
    const char *name = (const char *)node->name, *prefix = node->ns && node->ns->prefix ? (const char *)node->ns->prefix : NULL;
    size_t at = t->at + 1, nl = strlen(name);
    if (prefix) {
        size_t pl = strlen(prefix);
        if (at + pl + 1 > src->len || memcmp(src->text + at, prefix, pl) != 0 || src->text[at + pl] != ':') {
            src->usable = 0;
            return NULL;
        }
        at += pl + 1;
    }
    int same = at + nl <= src->len && memcmp(src->text + at, name, nl) == 0 &&
               (at + nl == src->len || is_space(src->text[at + nl]) || src->text[at + nl] == '/' ||
                src->text[at + nl] == '>');
    if (!same || (node->type == XML_ELEMENT_NODE && xmlGetLineNo(node) != t->closing)) {
        src->usable = 0;
        return NULL;
    }
    return t;
}

/* The line of attribute attr's name in start tag t of src (NULL or not there: the tag's first line). */
static long tag_line(const struct scn_source *src, const scn_tag *t, const char *attr)
{
    long line = t->start, at = 0;
    if (attr)
        tag_end(src->text, src->len, t->at, &line, attr, &at);
    return at ? at : t->start;
}

/*
 * The line of attribute attr's name in e's start tag (which may span
 * several lines), or the element's line when the text cannot tell (a part
 * whose text has two such tags ending on one line: part_tag; an attribute
 * from --set).
 */
static long error_line(const mn_scn_elem *e, const char *attr)
{
    return e->tag ? tag_line(e->source, e->tag, attr) : mn_scn_elem_line(e);
}

/*
 * The attribute a message is about, when it opens with the name of one the
 * element has ("capacity must be above zero", "to names unknown node"):
 * copied into buf; NULL if it does not.
 */
static const char *opening_attr(const mn_scn_elem *e, const char *msg, char *buf, size_t size)
{
    size_t n = 0;
    while (n + 1 < size && (isalnum((unsigned char)msg[n]) || msg[n] == '-' || msg[n] == '_' || msg[n] == ':'))
        n++;
    while (n && msg[n - 1] == ':') /* "rate: ..." */
        n--;
    if (n == 0 || (msg[n] != ' ' && msg[n] != ':'))
        return NULL;
    memcpy(buf, msg, n);
    buf[n] = '\0';
    return xmlHasProp(e->node, (const xmlChar *)buf) ? buf : NULL;
}

int mn_scn_fail(const mn_scn_elem *e, mn_err *err, int code, const char *fmt, ...)
{
    char msg[256], first[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    long line = error_line(e, opening_attr(e, msg, first, sizeof first));
    const char *id = mn_scn_attr(e, "id");
    if (id)
        return mn_err_set_line(err, code, e->path, line, "%s \"%s\": %s", mn_scn_elem_name(e), id, msg);
    return mn_err_set_line(err, code, e->path, line, "%s: %s", mn_scn_elem_name(e), msg);
}

int mn_scn_attr_quantity(const mn_scn_elem *e, const char *name, const mn_quantity_kind *k,
                         int required, uint64_t dflt, uint64_t *out, mn_err *err)
{
    const char *text = mn_scn_attr(e, name);
    if (!text) {
        if (required)
            return mn_scn_fail(e, err, MN_EPARSE, "%s is missing; write e.g. %s=\"%s\"", name, name,
                               k->example);
        *out = dflt;
        return MN_OK;
    }
    mn_err qerr = {0};
    int rc = mn_quantity_parse(k, text, NULL, out, &qerr);
    if (rc != MN_OK)
        return mn_scn_fail(e, err, rc, "%s: %s", name, qerr.msg);
    return MN_OK;
}

int mn_scn_attr_number(const mn_scn_elem *e, const char *name, double lo, double hi, double dflt,
                       double *out, mn_err *err)
{
    const char *text = mn_scn_attr(e, name);
    if (!text) {
        *out = dflt;
        return MN_OK;
    }
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || !isfinite(v))
        return mn_scn_fail(e, err, MN_EPARSE, "%s \"%s\" is not a number", name, text);
    if (v < lo || v > hi)
        return mn_scn_fail(e, err, MN_ERANGE, "%s %g is outside [%g, %g]", name, v, lo, hi);
    *out = v;
    return MN_OK;
}

int mn_scn_attr_match(const mn_scn_elem *e, const char *attr, size_t count,
                      const char *(*name)(size_t i, const void *ctx), const void *ctx,
                      const char *noun, uint32_t **out, size_t *n, mn_err *err)
{
    char buf[1024], *save = NULL;
    snprintf(buf, sizeof buf, "%s", mn_scn_attr(e, attr) ? mn_scn_attr(e, attr) : "");
    size_t cap = 0;
    int rc = MN_OK;
    *out = NULL;
    *n = 0;
    for (char *t = strtok_r(buf, " ", &save); t && rc == MN_OK; t = strtok_r(NULL, " ", &save)) {
        size_t len = strlen(t), before = *n;
        int prefix = t[len - 1] == '*';
        for (size_t i = 0; i < count && rc == MN_OK; i++) {
            const char *id = name(i, ctx);
            if (prefix ? strncmp(id, t, len - 1) != 0 : strcmp(id, t) != 0)
                continue;
            if (mn_array_reserve((void **)out, &cap, *n + 1, sizeof **out) != MN_OK)
                rc = MN_ERR(err, MN_ENOMEM, "out of memory");
            else
                (*out)[(*n)++] = (uint32_t)i;
        }
        if (rc == MN_OK && *n == before)
            rc = mn_scn_fail(e, err, MN_ENOTFOUND,
                             "%s: \"%s\" matches no %s declared before this line; write %s ids or a "
                             "prefix ending in *",
                             attr, t, noun, noun);
    }
    if (rc == MN_OK && *n == 0)
        rc = mn_scn_fail(e, err, MN_EINVAL, "%s is empty; name %s ids or a prefix ending in *", attr,
                         noun);
    if (rc != MN_OK) {
        mn_free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- libxml2 errors, captured with their line ---- */

struct capture {
    const char *path;
    mn_err *err;
    int seen;
    int located;   /* the kept error has a line */
    xmlNode *node; /* the element of the kept error, when libxml2 says; its message is err's */
};

static void capture_error(void *ctx, const xmlError *x)
{
    struct capture *c = ctx;
    /* the first error is the one to fix, unless it has no line and a later
     * one has (libxml2's I/O error, then XInclude's on the xi:include) */
    if (!x || (c->seen++ && (c->located || !x->node)))
        return;
    c->node = x->node;
    char msg[256];
    const char *in = c->path;
    long line = x->line;
    if (x->node && ((xmlNode *)x->node)->type == XML_ELEMENT_NODE) {
        in = node_file(x->node, c->path);
        if (line <= 0) /* e.g. an xi:include whose file is missing */
            line = xmlGetLineNo(x->node);
    }
    c->located = line > 0;
    snprintf(msg, sizeof msg, "%s", x->message ? x->message : "invalid");
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    mn_err_set_line(c->err, MN_EPARSE, in, line, "%s", msg);
}

/* libxml2 2.9 declares the handler with a non-const error pointer. */
static void capture_error_compat(void *ctx, xmlErrorPtr x)
{
    capture_error(ctx, x);
}

/* ---- overrides ---- */

static int apply_set(xmlDoc *doc, const char *set, const char *path, mn_err *err)
{
    const char *eq = strrchr(set, '=');
    if (!eq || eq == set)
        return mn_err_set_at(err, MN_EINVAL, "--set",
                             "\"%s\" is not XPATH=VALUE; write e.g. "
                             "\"//link[@id='l1']/@capacity=10Gbps\"",
                             set);
    char xpath[1024];
    snprintf(xpath, sizeof xpath, "%.*s", (int)(eq - set), set);
    xmlXPathContext *ctx = xmlXPathNewContext(doc);
    xmlXPathObject *r = ctx ? xmlXPathEvalExpression((const xmlChar *)xpath, ctx) : NULL;
    int rc = MN_OK;
    if (!r || r->type != XPATH_NODESET || !r->nodesetval || r->nodesetval->nodeNr == 0) {
        rc = mn_err_set_at(err, MN_EINVAL, "--set",
                           "\"%s\" selects nothing in %s; name an attribute, e.g. "
                           "//flow[@id='f1']/@size",
                           xpath, path);
        goto done;
    }
    for (int i = 0; i < r->nodesetval->nodeNr; i++) {
        xmlNode *n = r->nodesetval->nodeTab[i];
        if (n->type != XML_ATTRIBUTE_NODE) {
            rc = mn_err_set_at(err, MN_EINVAL, "--set",
                               "\"%s\" selects an element, not an attribute; end it with /@name",
                               xpath);
            goto done;
        }
        xmlSetProp(n->parent, n->name, (const xmlChar *)(eq + 1));
    }
done:
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(ctx);
    return rc;
}

/* ---- loading ---- */

struct scn_parts;
static struct scn_source *part_source(struct scn_parts *parts, const char *path);
static const scn_tag *part_tag(const struct scn_source *src, const xmlNode *n);

/*
 * A schema error about element n, moved from libxml2's line (where the start
 * tag ends) to the line of the attribute it names ("Invalid attribute colour
 * for element service") or else where the tag begins, when its file's text
 * tells (see part_tag). libxml2 says "Element link failed to validate
 * attributes" for a missing attribute: that one is named, from the entity's
 * list of required attributes.
 */
static void relocate_schema_error(const struct capture *cap, const struct mn_scn_entity_ops *ops,
                                  size_t nops, struct scn_source *src, struct scn_parts *parts)
{
    xmlNode *n = cap->node;
    if (!cap->err || !n || n->type != XML_ELEMENT_NODE)
        return;
    const char *part = node_file(n, NULL);
    const struct scn_source *in = part ? part_source(parts, part) : src;
    const scn_tag *t = part_tag(in, n);
    char attr[64];
    int named = sscanf(cap->err->msg, "Invalid attribute %63s for element", attr) == 1;
    long line = t ? tag_line(in, t, named ? attr : NULL) : xmlGetLineNo(n);
    const char *file = node_file(n, cap->path);
    for (size_t i = 0; i < nops; i++) {
        if (strcmp(ops[i].element, (const char *)n->name) != 0 || !ops[i].required)
            continue;
        char list[256], *save = NULL;
        snprintf(list, sizeof list, "%s", ops[i].required);
        for (char *a = strtok_r(list, " ", &save); a; a = strtok_r(NULL, " ", &save))
            if (!xmlHasProp(n, (const xmlChar *)a)) {
                xmlChar *id = xmlGetProp(n, (const xmlChar *)"id"); /* named as mn_scn_fail names it */
                char who[96];
                if (id)
                    snprintf(who, sizeof who, "%s \"%s\"", (const char *)n->name, (const char *)id);
                else
                    snprintf(who, sizeof who, "%s", (const char *)n->name);
                xmlFree(id);
                mn_err_set_line(cap->err, MN_EPARSE, file, line, "%s: attribute %s is missing; <%s> needs %s",
                                who, a, n->name, ops[i].required);
                return;
            }
    }
    if (!t)
        return; /* libxml2's line stays */
    char msg[sizeof cap->err->msg]; /* err's message, copied: it is the argument as well as the target */
    memcpy(msg, cap->err->msg, sizeof msg);
    mn_err_set_line(cap->err, MN_EPARSE, file, line, "%s", msg);
}

static int validate(xmlDoc *doc, const char *path, const struct mn_scn_entity_ops *ops,
                    size_t nops, struct scn_source *src, struct scn_parts *parts, mn_err *err)
{
    struct capture cap = {path, err, 0, 0, NULL};
    xmlRelaxNGParserCtxt *pc = xmlRelaxNGNewMemParserCtxt(mn_scn_schema_rng, (int)strlen(mn_scn_schema_rng));
    xmlRelaxNG *schema = pc ? xmlRelaxNGParse(pc) : NULL;
    xmlRelaxNGValidCtxt *vc = schema ? xmlRelaxNGNewValidCtxt(schema) : NULL;
    int rc;
    if (!vc) {
        rc = MN_ERR(err, MN_EBUG, "the compiled-in scenario schema does not load");
    } else {
        xmlRelaxNGSetValidStructuredErrors(vc, capture_error_compat, &cap);
        rc = xmlRelaxNGValidateDoc(vc, doc) == 0 ? MN_OK : MN_EPARSE;
        if (rc != MN_OK && !cap.seen)
            mn_err_set_at(err, MN_EPARSE, path, "does not follow the scenario schema");
        if (rc != MN_OK && cap.seen)
            relocate_schema_error(&cap, ops, nops, src, parts);
    }
    xmlRelaxNGFreeValidCtxt(vc);
    xmlRelaxNGFree(schema);
    xmlRelaxNGFreeParserCtxt(pc);
    return rc;
}

/*
 * The texts of the xi:include'd parts, read on first use, for their
 * elements' lines: a part's content may be any selection of its elements,
 * so they are not paired in order like the main file's but found by
 * libxml2's line (where a start tag closes) and name; a tag that is not
 * the only one of its name closing on that line gives no line from the
 * text (libxml2's stays).
 */
struct scn_parts {
    struct scn_source *v; /* owned, each (source_close) */
    size_t n, cap;
    const char *last_key; /* the path pointer last asked for (xinclude.h's), and its source */
    struct scn_source *last;
};

static void parts_close(struct scn_parts *parts)
{
    for (size_t i = 0; i < parts->n; i++) {
        mn_free((char *)parts->v[i].path);
        source_close(&parts->v[i]);
    }
    mn_free(parts->v);
}

/* The source of part file `path`, opened on first use; NULL when out of memory. */
static struct scn_source *part_source(struct scn_parts *parts, const char *path)
{
    if (parts->last && parts->last_key == path) /* a part's elements come one after another */
        return parts->last;
    for (size_t i = 0; i < parts->n; i++)
        if (strcmp(parts->v[i].path, path) == 0) {
            parts->last_key = path;
            return parts->last = &parts->v[i];
        }
    char *copy = mn_strdup(path);
    if (!copy || mn_array_reserve((void **)&parts->v, &parts->cap, parts->n + 1, sizeof *parts->v) != 0) {
        mn_free(copy);
        return NULL;
    }
    struct scn_source *src = &parts->v[parts->n++];
    source_open(src, copy, NULL, 0);
    parts->last_key = path;
    return parts->last = src;
}

/* Element n's start tag in its part's text, or NULL (see struct scn_parts). */
static const scn_tag *part_tag(const struct scn_source *src, const xmlNode *n)
{
    if (!src || !src->usable)
        return NULL;
    long line = xmlGetLineNo(n);
    size_t lo = 0, hi = src->ntags; /* the first tag closing on line or after: closings never decrease */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (src->tags[mid].closing < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    const scn_tag *found = NULL;
    size_t nl = strlen((const char *)n->name);
    for (size_t i = lo; i < src->ntags && src->tags[i].closing == line; i++) {
        size_t at = src->tags[i].at + 1;
        if (at + nl <= src->len && memcmp(src->text + at, n->name, nl) == 0 &&
            (at + nl == src->len || is_space(src->text[at + nl]) || src->text[at + nl] == '/' ||
             src->text[at + nl] == '>')) {
            if (found)
                return NULL; /* two of them: the text cannot tell which */
            found = &src->tags[i];
        }
    }
    return found;
}

/*
 * Hands each element to its handler, in document order, pairing the main
 * file's elements with their start tags on the way (included: inside an
 * xi:include'd part's content, which the main file's text does not hold;
 * each such element names its part, xinclude.h). `file` is the file these
 * siblings were written in. An include's START marker stands for the
 * xi:include element's own tag in the text; the elements up to its END
 * are the part's.
 */
static int walk(xmlNode *n, struct mn_scn_elem *e, const char *file, int included,
                struct scn_source *src, struct scn_parts *parts, const struct mn_scn_entity_ops *ops,
                size_t nops, void *world, mn_err *err)
{
    size_t open = 0; /* include markers open among these siblings */
    int rc = MN_OK;
    for (; n && rc == MN_OK; n = n->next) {
        if (n->type == XML_XINCLUDE_START) {
            if (!included && !open)
                next_tag(src, n); /* the xi:include element's own tag */
            open++;
            continue;
        }
        if (n->type == XML_XINCLUDE_END && open > 0)
            open--;
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *here = mn_xinc_file(n) ? mn_xinc_file(n) : file;
        int inside = included || open > 0;
        const scn_tag *tag = inside ? NULL : next_tag(src, n);
        const struct scn_source *in = src;
        if (mn_xinc_file(n)) {
            in = part_source(parts, here);
            tag = part_tag(in, n);
        }
        for (size_t i = 0; i < nops && rc == MN_OK; i++)
            if (strcmp(ops[i].element, (const char *)n->name) == 0) {
                locate(e, n, here);
                e->source = in;
                e->tag = tag;
                rc = ops[i].parse(world, e, err);
                break;
            }
        if (rc == MN_OK)
            rc = walk(n->children, e, here, inside, src, parts, ops, nops, world, err);
    }
    return rc;
}

#define PARSE_FLAGS (XML_PARSE_NONET | XML_PARSE_NOBLANKS)

/* The capture errors go to now (read_doc's while it runs, a part's while it is read). */
static _Thread_local struct capture *active_capture;

static void capture_errors(struct capture *cap)
{
    active_capture = cap;
    xmlSetStructuredErrorFunc(cap, cap ? capture_error_compat : NULL);
}

/* Parses a file or buffer with a parser whose errors land in err with their line; NULL on failure. */
static xmlDoc *parse_doc(const char *path, const char *buf, size_t len, mn_err *err)
{
    struct capture cap = {path, err, 0, 0, NULL}, *outer = active_capture;
    xmlParserCtxt *pctx = xmlNewParserCtxt();
    if (!pctx) {
        MN_ERR(err, MN_ENOMEM, "out of memory for the XML parser");
        return NULL;
    }
    capture_errors(&cap);
    xmlDoc *doc = buf ? xmlCtxtReadMemory(pctx, buf, (int)len, path, NULL, PARSE_FLAGS)
                      : xmlCtxtReadFile(pctx, path, NULL, PARSE_FLAGS);
    capture_errors(outer);
    xmlFreeParserCtxt(pctx);
    if (!doc && !cap.seen)
        mn_err_set_at(err, MN_EPARSE, path, "not a well-formed XML document");
    return doc;
}

/* An xi:include'd part (mn_xinc_read_fn). */
static xmlDoc *parse_part(const char *path, mn_err *err)
{
    return parse_doc(path, NULL, 0, err);
}

/*
 * Reads the scenario and its <xi:include href="part.xml"/> parts
 * (catalogues, classes: xinclude.h); NULL on failure, with err set.
 */
static xmlDoc *read_doc(const char *path, const char *buf, size_t len, mn_err *err)
{
    xmlDoc *doc = parse_doc(path, buf, len, err);
    if (!doc)
        return NULL;
    struct capture cap = {path, err, 0, 0, NULL}; /* what libxml2 says while parts are chosen */
    capture_errors(&cap);
    int rc = mn_xinc_process(doc, path, parse_part, err);
    capture_errors(NULL);
    if (rc != MN_OK) {
        mn_xinc_free_doc(doc);
        return NULL;
    }
    return doc;
}

/* Overrides, schema, then the handlers; frees doc. buf: the text, if loaded from memory. */
static int load_doc(xmlDoc *doc, const char *path, const char *buf, size_t len, const char *const *sets,
                    size_t nsets, const struct mn_scn_entity_ops *ops, size_t nops, void *world,
                    mn_err *err)
{
    int rc = MN_OK;
    for (size_t i = 0; i < nsets && rc == MN_OK; i++)
        rc = apply_set(doc, sets[i], path, err);
    struct scn_source source;
    source_open(&source, path, buf, len);
    struct scn_parts parts = {0};
    if (rc == MN_OK)
        rc = validate(doc, path, ops, nops, &source, &parts, err);
    if (rc == MN_OK) {
        struct mn_scn_elem e;
        rc = walk(xmlDocGetRootElement(doc), &e, path, 0, &source, &parts, ops, nops, world, err);
    }
    parts_close(&parts);
    source_close(&source);
    mn_xinc_free_doc(doc);
    return rc;
}

xmlDoc *mn_scn_read_doc(const char *path, mn_err *err)
{
    FILE *probe = fopen(path, "r");
    if (!probe) {
        mn_err_set_at(err, MN_EIO, path, "cannot read the scenario: %s", strerror(errno));
        return NULL;
    }
    fclose(probe);
    return read_doc(path, NULL, 0, err);
}

int mn_scn_load(const char *path, const char *const *sets, size_t nsets,
                const struct mn_scn_entity_ops *ops, size_t nops, void *world, mn_err *err)
{
    xmlDoc *doc = mn_scn_read_doc(path, err);
    if (!doc)
        return err && err->code ? err->code : MN_EPARSE;
    return load_doc(doc, path, NULL, 0, sets, nsets, ops, nops, world, err);
}

int mn_scn_load_memory(const char *buf, size_t len, const char *name, const char *const *sets,
                       size_t nsets, const struct mn_scn_entity_ops *ops, size_t nops, void *world,
                       mn_err *err)
{
    if (len > INT32_MAX)
        return mn_err_set_at(err, MN_ERANGE, name, "scenario larger than 2 GiB");
    xmlDoc *doc = read_doc(name, buf, len, err);
    if (!doc)
        return err && err->code ? err->code : MN_EPARSE;
    return load_doc(doc, name, buf, len, sets, nsets, ops, nops, world, err);
}

int mn_scn_attr_choice(const mn_scn_elem *e, const char *name, const char *const *names, int n,
                       int dflt, int *out, mn_err *err)
{
    const char *text = mn_scn_attr(e, name);
    if (!text) {
        *out = dflt;
        return MN_OK;
    }
    char list[256] = "";
    for (int i = 0; i < n; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = i;
            return MN_OK;
        }
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
    }
    return mn_scn_fail(e, err, MN_EINVAL, "%s \"%s\" is not one of %s", name, text, list);
}
