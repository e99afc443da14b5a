/*
 * xinclude.h - XInclude for scenario files: an <xi:include href="part.xml"
 * xpointer="..."/> replaced by the part's nodes it selects, done here rather
 * than by libxml2's xmlXIncludeProcess.
 *
 * Owns:      the paths of the included files, in the document (freed by
 *            mn_xinc_free_doc).
 * Invariant: after mn_xinc_process, every element that came from an
 *            included file names that file (mn_xinc_file) and keeps its line
 *            there; an element of the main file names none. Each include
 *            is left as libxml2 leaves one: an XML_XINCLUDE_START node (the
 *            xi:include element itself, its href kept), the part's nodes,
 *            an XML_XINCLUDE_END node.
 *
 * Why not libxml2's: version 2.9.14 (Debian 12) loses the markers of an
 * include nested in an included part. Its copy of the outer part's nodes
 * holds the inner part's nodes with neither marker nor xml:base of their
 * own, so an error in the inner part was named after the outer one (the
 * wrong file, with the inner file's line). Here each element carries its
 * file from the start.
 *
 * Supported: href (relative to the including file, or absolute), xpointer
 * (libxml2's XPointer evaluation; without one, the part's root element),
 * parse="xml" (the default). Refused with a one-line error naming the
 * include's file and line: no href, parse="text", xi:fallback, a part that
 * cannot be read, an xpointer that selects nothing, an include of a file
 * already being included (a cycle), nesting deeper than MN_XINC_MAX_DEPTH.
 */
#ifndef MN_XINCLUDE_H
#define MN_XINCLUDE_H

#include <libxml/tree.h>

#include "err.h"

#define MN_XINC_MAX_DEPTH 16

/* Reads one part (no includes processed); NULL with err set ("part.xml:7: ...") on failure. */
typedef xmlDoc *(*mn_xinc_read_fn)(const char *path, mn_err *err);

/* Replaces every xi:include of doc, read from `path`, recursively. MN_OK or an error in err. */
int mn_xinc_process(xmlDoc *doc, const char *path, mn_xinc_read_fn read, mn_err *err);

/* The included file element n was written in, or NULL: the main file's (or not an element). */
const char *mn_xinc_file(const xmlNode *n);

/* xmlFreeDoc, and the included files' paths mn_xinc_process kept in doc. NULL is a no-op. */
void mn_xinc_free_doc(xmlDoc *doc);

#endif /* MN_XINCLUDE_H */
