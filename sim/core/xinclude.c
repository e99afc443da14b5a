/* xinclude.c - XInclude for scenario files; see xinclude.h. */
#include "xinclude.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xinclude.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xpointer.h>

#include "alloc.h"

/* The paths kept for a document's included elements (doc->_private): owned strings. */
typedef struct xinc_paths {
    char **v;
    size_t n, cap;
} xinc_paths;

typedef struct xinc {
    xmlDoc *main;             /* borrowed: the document the paths are kept in */
    mn_xinc_read_fn read;
    mn_err *err;
    char *chain[MN_XINC_MAX_DEPTH]; /* owned (realpath's): the files being included, outermost first */
    int depth;
} xinc;

/* A copy of path kept in the main document for its elements to name; NULL: out of memory. */
static const char *keep_path(xinc *x, const char *path)
{
    xinc_paths *p = x->main->_private;
    if (!p) {
        if (!(p = mn_calloc(1, sizeof *p)))
            return NULL;
        x->main->_private = p;
    }
    if (p->n && strcmp(p->v[p->n - 1], path) == 0) /* most parts are kept once, in a row */
        return p->v[p->n - 1];
    char *copy = mn_strdup(path);
    if (!copy || mn_array_reserve((void **)&p->v, &p->cap, p->n + 1, sizeof *p->v) != 0) {
        mn_free(copy);
        return NULL;
    }
    p->v[p->n++] = copy;
    return copy;
}

const char *mn_xinc_file(const xmlNode *n)
{
    return n && n->type == XML_ELEMENT_NODE ? n->_private : NULL;
}

void mn_xinc_free_doc(xmlDoc *doc)
{
    if (!doc)
        return;
    xinc_paths *p = doc->_private;
    if (p) {
        for (size_t i = 0; i < p->n; i++)
            mn_free(p->v[i]);
        mn_free(p->v);
        mn_free(p);
        doc->_private = NULL;
    }
    xmlFreeDoc(doc);
}

static int is_include(const xmlNode *n)
{
    return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           (xmlStrEqual(n->ns->href, XINCLUDE_NS) || xmlStrEqual(n->ns->href, XINCLUDE_OLD_NS)) &&
           xmlStrEqual(n->name, XINCLUDE_NODE);
}

/* An error at the include: its file and line. */
static int fail_at(xinc *x, const xmlNode *inc, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(xinc *x, const xmlNode *inc, const char *file, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mn_err_set_line(x->err, MN_EPARSE, file, xmlGetLineNo(inc), "%s", msg);
}

/* Every element of the tree at n that names no file yet names `file`. */
static void name_file(xmlNode *n, const char *file)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (!n->_private)
            n->_private = (void *)file;
        name_file(n->children, file);
    }
}

/* A deep copy of src into doc, each element with its file and line; the markers of the part's own includes are left out. */
static xmlNode *copy_tree(const xmlNode *src, xmlDoc *doc)
{
    xmlNode *c = xmlDocCopyNode((xmlNode *)src, doc, src->type == XML_ELEMENT_NODE ? 2 : 1);
    if (!c || src->type != XML_ELEMENT_NODE)
        return c;
    c->_private = src->_private;
    c->line = src->line;
    for (const xmlNode *k = src->children; k; k = k->next) {
        if (k->type == XML_XINCLUDE_START || k->type == XML_XINCLUDE_END)
            continue;
        xmlNode *kc = copy_tree(k, doc);
        if (!kc) {
            xmlFreeNode(c);
            return NULL;
        }
        xmlAddChild(c, kc);
    }
    return c;
}

static int expand(xinc *x, xmlDoc *doc, xmlNode *first, const char *file);

/* The part's nodes the include selects: its xpointer's, or its root element. NULL: none (error set). */
static xmlXPathObject *select_nodes(xinc *x, xmlDoc *part, const xmlNode *inc, const char *file,
                                    const char *href)
{
    xmlChar *xp = xmlGetProp(inc, (const xmlChar *)"xpointer");
    xmlXPathObject *obj = NULL;
    if (!xp) {
        obj = xmlXPathNewNodeSet(xmlDocGetRootElement(part));
    } else {
        xmlXPathContext *ctx = xmlXPtrNewContext(part, NULL, NULL);
        obj = ctx ? xmlXPtrEval(xp, ctx) : NULL;
        xmlXPathFreeContext(ctx);
    }
    if (!obj || obj->type != XPATH_NODESET || !obj->nodesetval || obj->nodesetval->nodeNr == 0) {
        xmlXPathFreeObject(obj);
        if (xp)
            fail_at(x, inc, file, "xi:include of \"%s\": xpointer \"%s\" selects no nodes", href,
                    (const char *)xp);
        else
            fail_at(x, inc, file, "xi:include of \"%s\": the part has no root element", href);
        xmlFree(xp);
        return NULL;
    }
    for (int i = 0; i < obj->nodesetval->nodeNr; i++) {
        xmlElementType t = obj->nodesetval->nodeTab[i]->type;
        if (t == XML_ATTRIBUTE_NODE || t == XML_NAMESPACE_DECL || t == XML_DOCUMENT_NODE) {
            fail_at(x, inc, file, "xi:include of \"%s\": xpointer \"%s\" must select elements", href,
                    xp ? (const char *)xp : "");
            xmlXPathFreeObject(obj);
            xmlFree(xp);
            return NULL;
        }
    }
    xmlFree(xp);
    return obj;
}

/* Replaces include element inc (written in `file`) by START, the part's selected nodes, END. */
static int include_one(xinc *x, xmlDoc *doc, xmlNode *inc, const char *file)
{
    xmlChar *href_x = xmlGetProp(inc, (const xmlChar *)"href");
    xmlChar *parse = xmlGetProp(inc, (const xmlChar *)"parse");
    const char *href = (const char *)href_x;
    int rc = MN_OK;
    char path[4096], dir[4096];
    if (!href || !*href)
        rc = fail_at(x, inc, file, "xi:include needs an href naming the part to include");
    else if (parse && !xmlStrEqual(parse, (const xmlChar *)"xml"))
        rc = fail_at(x, inc, file, "xi:include of \"%s\": parse=\"%s\" is not supported (only xml)", href,
                     (const char *)parse);
    xmlFree(parse);
    for (const xmlNode *k = inc->children; rc == MN_OK && k; k = k->next)
        if (k->type == XML_ELEMENT_NODE)
            rc = fail_at(x, inc, file, "xi:include of \"%s\": <%s> inside it is not supported",
                         href ? href : "", (const char *)k->name);
    if (rc == MN_OK) {
        snprintf(dir, sizeof dir, "%s", file);
        if (href[0] == '/')
            snprintf(path, sizeof path, "%s", href);
        else
            snprintf(path, sizeof path, "%s/%s", dirname(dir), href);
    }
    char *canon = NULL; /* the part's real path, to tell a cycle whatever the spelling */
    if (rc == MN_OK) {
        FILE *probe = fopen(path, "r");
        if (!probe)
            rc = fail_at(x, inc, file, "xi:include of \"%s\": cannot read it: %s", href, strerror(errno));
        else
            fclose(probe);
    }
    if (rc == MN_OK && !(canon = realpath(path, NULL)))
        rc = fail_at(x, inc, file, "xi:include of \"%s\": cannot resolve its path: %s", href, strerror(errno));
    for (int i = 0; i < x->depth && rc == MN_OK; i++)
        if (x->chain[i] && strcmp(x->chain[i], canon) == 0)
            rc = fail_at(x, inc, file, "xi:include of \"%s\": %s is already being included (a cycle)",
                         href, path);
    if (rc == MN_OK && x->depth == MN_XINC_MAX_DEPTH)
        rc = fail_at(x, inc, file, "xi:include of \"%s\": parts nested more than %d deep", href,
                     MN_XINC_MAX_DEPTH);
    xmlDoc *part = NULL;
    const char *kept = NULL;
    if (rc == MN_OK && !(part = x->read(path, x->err)))
        rc = x->err && x->err->code ? x->err->code : MN_EPARSE;
    if (rc == MN_OK && !(kept = keep_path(x, path)))
        rc = mn_err_set_at(x->err, MN_ENOMEM, file, "out of memory for xi:include");
    if (rc == MN_OK) {
        x->chain[x->depth++] = canon;
        rc = expand(x, part, part->children, kept);
        x->depth--;
    }
    free(canon); /* realpath's */
    xmlXPathObject *sel = NULL;
    if (rc == MN_OK) {
        name_file(part->children, kept);
        if (!(sel = select_nodes(x, part, inc, file, href)))
            rc = MN_EPARSE;
    }
    xmlNode *last = inc;
    for (int i = 0; rc == MN_OK && i < sel->nodesetval->nodeNr; i++) {
        const xmlNode *src = sel->nodesetval->nodeTab[i];
        if (src->type == XML_XINCLUDE_START || src->type == XML_XINCLUDE_END)
            continue;
        xmlNode *copy = copy_tree(src, doc);
        if (!copy)
            rc = mn_err_set_at(x->err, MN_ENOMEM, file, "out of memory for xi:include");
        else
            last = xmlAddNextSibling(last, copy);
    }
    if (rc == MN_OK) {
        xmlNode *end = xmlNewDocNode(doc, inc->ns, inc->name, NULL);
        if (!end) {
            rc = mn_err_set_at(x->err, MN_ENOMEM, file, "out of memory for xi:include");
        } else {
            xmlAddNextSibling(last, end);
            end->type = XML_XINCLUDE_END;
            inc->type = XML_XINCLUDE_START; /* as libxml2 leaves it, with its href */
        }
    }
    xmlXPathFreeObject(sel);
    xmlFreeDoc(part); /* a part's own paths are the main document's: nothing kept in it */
    xmlFree(href_x);
    return rc;
}

/* Processes the includes among first and its following siblings, and inside them. */
static int expand(xinc *x, xmlDoc *doc, xmlNode *first, const char *file)
{
    for (xmlNode *n = first, *next; n; n = next) {
        next = n->next; /* an include's nodes go in after it, before next: already expanded */
        int rc = MN_OK;
        if (is_include(n))
            rc = include_one(x, doc, n, file);
        else if (n->type == XML_ELEMENT_NODE)
            rc = expand(x, doc, n->children, n->_private ? n->_private : file);
        if (rc != MN_OK)
            return rc;
    }
    return MN_OK;
}

int mn_xinc_process(xmlDoc *doc, const char *path, mn_xinc_read_fn read, mn_err *err)
{
    /* the main file's real path, when it is a file (a scenario loaded from memory is not) */
    xinc x = {.main = doc, .read = read, .err = err, .chain = {realpath(path, NULL)}, .depth = 1};
    int rc = expand(&x, doc, doc->children, path);
    free(x.chain[0]);
    return rc;
}
