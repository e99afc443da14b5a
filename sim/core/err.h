/*
 * err.h - error codes and the error record every mnetsim layer returns.
 *
 * Owns:      nothing; mn_err is caller-allocated storage.
 * Invariant: every fallible function returns MN_OK (0) or a negative MN_E*
 *            code; when it is given a non-NULL mn_err it also fills where/msg.
 *            Library code never prints or exits: the front end prints
 *            "where: msg".
 */
#ifndef MN_ERR_H
#define MN_ERR_H

#include <stdarg.h>

/* X-macro list: symbol, value, text. Add new codes at the end. */
#define MN_ERR_LIST(X)                                                         \
    X(MN_OK, 0, "success")                                                     \
    X(MN_ENOMEM, -1, "out of memory")                                          \
    X(MN_EINVAL, -2, "invalid argument")                                       \
    X(MN_ERANGE, -3, "value out of range")                                     \
    X(MN_ENOTFOUND, -4, "not found")                                           \
    X(MN_EIO, -5, "input/output error")                                        \
    X(MN_EPARSE, -6, "parse error")                                            \
    X(MN_ESTALE, -7, "stale handle")                                           \
    X(MN_EBUG, -8, "internal error (a bug in mnetsim)")                        \
    X(MN_EUNSUPPORTED, -9, "not supported here")

enum mn_err_code {
#define MN_ERR_ENUM(sym, val, text) sym = val,
    MN_ERR_LIST(MN_ERR_ENUM)
#undef MN_ERR_ENUM
};

#define MN_ERR_WHERE 512 /* bytes of a where; a longer one keeps its end (mn_err_set_at) */
#define MN_PATH_WHERE 4200 /* a "path:line" built before mn_err_set_at: a path of PATH_MAX and a line */

typedef struct mn_err {
    int code;
    char where[MN_ERR_WHERE]; /* "scenarios/dc.xml:42" or "sim/core/pool.c:88" */
    char msg[256];
} mn_err;

/* Text for a code; never NULL ("unknown error" for codes not in the list). */
const char *mn_strerror(int code);

/*
 * Fills err (if non-NULL) with code, a where of "file:line" and a printf-style
 * message. Returns code, so callers can write `return MN_ERR(err, ...);`.
 */
int mn_err_set(mn_err *err, int code, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * Same, with `where` given as a free string (a scenario file and line, a CLI
 * option). A where longer than MN_ERR_WHERE - 1 bytes keeps its end, after
 * "...": a deep path loses its first directories, never its file's name or
 * the line.
 */
int mn_err_set_at(mn_err *err, int code, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Same, with where = "file:line" (line <= 0: file alone), however long the file's path. */
int mn_err_set_line(mn_err *err, int code, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Clears err to MN_OK with empty strings. */
void mn_err_clear(mn_err *err);

#define MN_ERR(e, code, ...) mn_err_set((e), (code), __FILE__, __LINE__, __VA_ARGS__)

/*
 * "Cannot happen" that is cheap to survive: asserts in debug builds, returns
 * MN_EBUG from the enclosing function in release builds.
 */
#ifdef NDEBUG
#define MN_NEVER(cond)                                                         \
    do {                                                                       \
        if (cond)                                                              \
            return MN_EBUG;                                                    \
    } while (0)
#else
#include <assert.h>
#define MN_NEVER(cond) assert(!(cond))
#endif

#endif /* MN_ERR_H */
