/*
 * scenario.h - the scenario loader: XML in, entity callbacks out.
 *
 * Owns:      the parsed document while loading; nothing after mn_scn_load
 *            returns (strings handed to handlers are borrowed for the call
 *            only: copy what you keep).
 * Borrows:   the entity handler table and the world pointer of the caller.
 * Invariant: a handler sees only documents that passed the schema
 *            (scenarios/schema/mnetsim.rng, compiled in), in document order;
 *            every error, from the XML parser, the schema or a handler,
 *            reads "file:line: what is wrong, and what would be right".
 *
 * The loader knows nothing about networks: sim/models registers one handler
 * per element ("node", "link", "flow"...). A new entity is a schema
 * definition plus one handler; this file does not change.
 */
#ifndef MN_SCENARIO_H
#define MN_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "quantity.h"

typedef struct mn_scn_elem mn_scn_elem; /* one element being handed to a handler */

struct mn_scn_entity_ops {
    const char *element;  /* the XML element name */
    const char *summary;  /* one line, for documentation */
    const char *required; /* its required attributes, space-separated (for error messages) */
    int (*parse)(void *world, const mn_scn_elem *e, mn_err *err);
};

/*
 * Loads path: parses, applies each override "XPATH=VALUE" of sets (XPATH
 * selects one or more attributes, e.g. //link[@id='l1']/@capacity), checks
 * the schema, then calls the handler of every element that has one. Errors:
 * MN_EIO (unreadable), MN_EPARSE (XML or schema), MN_EINVAL (a bad override),
 * or whatever a handler returns; err->where is "file:line" when known.
 */
int mn_scn_load(const char *path, const char *const *sets, size_t nsets,
                const struct mn_scn_entity_ops *ops, size_t nops, void *world, mn_err *err);

/*
 * Same from memory: buf (len bytes) is read as the file `name`, which is used
 * in messages and for relative paths. For tests and fuzzing.
 */
int mn_scn_load_memory(const char *buf, size_t len, const char *name, const char *const *sets,
                       size_t nsets, const struct mn_scn_entity_ops *ops, size_t nops, void *world,
                       mn_err *err);

/*
 * Reads path as mn_scn_load does (its xi:include'd parts in, with the same
 * errors), without overrides, schema or handlers: for a caller that queries
 * the tree (a sweep's xpath parameters). Free it with mn_xinc_free_doc
 * (xinclude.h). NULL on failure, with err set.
 */
struct _xmlDoc *mn_scn_read_doc(const char *path, mn_err *err);

/* The element's name and line (where its start tag begins, in the main
 * file and in xi:include'd parts; where libxml2 says, where it ends, when
 * a part's text has two tags of that name ending on that line), and the
 * scenario file's directory (for relative paths). */
const char *mn_scn_elem_name(const mn_scn_elem *e);
long mn_scn_elem_line(const mn_scn_elem *e);
const char *mn_scn_elem_dir(const mn_scn_elem *e);
/* The enclosing element's name ("" at the root), and the file the element is in. */
const char *mn_scn_elem_parent_name(const mn_scn_elem *e);
const char *mn_scn_elem_file(const mn_scn_elem *e);

/* An attribute's text, or NULL when absent (borrowed for the handler call). */
const char *mn_scn_attr(const mn_scn_elem *e, const char *name);

/*
 * An attribute with a unit, parsed exactly (quantity.h). Missing and
 * required: error; missing and optional: *out = dflt. Errors name the file,
 * line, element, id and attribute.
 */
int mn_scn_attr_quantity(const mn_scn_elem *e, const char *name, const mn_quantity_kind *k,
                         int required, uint64_t dflt, uint64_t *out, mn_err *err);

/*
 * A plain number attribute in [lo, hi], or dflt when absent. Errors name
 * the attribute and say what is wrong (not a number, out of range).
 */
int mn_scn_attr_number(const mn_scn_elem *e, const char *name, double lo, double hi, double dflt,
                       double *out, mn_err *err);

/*
 * The entities named by attribute attr: a space-separated list of names or
 * prefixes ending in '*' ("b-*"), matched against the count names that
 * name(i, ctx) gives. *out (the caller frees it with mn_free) lists the
 * matching indexes in list order, a name listed twice twice. Every token
 * must match (noun says what: "node", "box"), and the list must not be
 * empty; on error *out is NULL.
 */
int mn_scn_attr_match(const mn_scn_elem *e, const char *attr, size_t count,
                      const char *(*name)(size_t i, const void *ctx), const void *ctx,
                      const char *noun, uint32_t **out, size_t *n, mn_err *err);

/*
 * An attribute that names one of n choices: *out = its index, or dflt when
 * absent; anything else is an error listing the choices.
 */
int mn_scn_attr_choice(const mn_scn_elem *e, const char *name, const char *const *names, int n,
                       int dflt, int *out, mn_err *err);

/*
 * Sets err to "file:line: <element> <id>: <message>" and returns code. A
 * message that opens with the name of one of the element's attributes
 * ("capacity must be above zero", "rate: ...") is about that attribute:
 * the line is that attribute's, in the element's start tag (which may span
 * several lines). Else it is mn_scn_elem_line's.
 */
int mn_scn_fail(const mn_scn_elem *e, mn_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* MN_SCENARIO_H */
