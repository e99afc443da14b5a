/* err.c - error codes and messages; see err.h. */
#include "err.h"

#include <stdio.h>
#include <string.h>

const char *mn_strerror(int code)
{
    switch (code) {
#define MN_ERR_CASE(sym, val, text)                                            \
    case sym:                                                                  \
        return text;
        MN_ERR_LIST(MN_ERR_CASE)
#undef MN_ERR_CASE
    default:
        return "unknown error";
    }
}

__attribute__((format(printf, 4, 0))) static void vfill(mn_err *err, int code, const char *where,
                                                        const char *fmt, va_list ap)
{
    err->code = code;
    size_t n = strlen(where);
    if (n < sizeof err->where)
        memcpy(err->where, where, n + 1);
    else /* "..." and the end: the file's name and its line */
        snprintf(err->where, sizeof err->where, "...%s", where + n - (sizeof err->where - 4));
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int mn_err_set(mn_err *err, int code, const char *file, int line, const char *fmt, ...)
{
    if (!err)
        return code;
    char where[128];
    snprintf(where, sizeof where, "%s:%d", file, line);
    va_list ap;
    va_start(ap, fmt);
    vfill(err, code, where, fmt, ap);
    va_end(ap);
    return code;
}

int mn_err_set_at(mn_err *err, int code, const char *where, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vfill(err, code, where ? where : "", fmt, ap);
    va_end(ap);
    return code;
}

int mn_err_set_line(mn_err *err, int code, const char *file, long line, const char *fmt, ...)
{
    if (!err)
        return code;
    char where[MN_ERR_WHERE + 32];
    size_t n = strlen(file), room = sizeof where - 32; /* 32: ':' and the line */
    if (line > 0)
        snprintf(where, sizeof where, "%s:%ld", n > room ? file + n - room : file, line);
    else
        snprintf(where, sizeof where, "%s", n > room ? file + n - room : file);
    va_list ap;
    va_start(ap, fmt);
    vfill(err, code, where, fmt, ap); /* a where past MN_ERR_WHERE keeps its end */
    va_end(ap);
    return code;
}

void mn_err_clear(mn_err *err)
{
    if (!err)
        return;
    err->code = MN_OK;
    err->where[0] = '\0';
    err->msg[0] = '\0';
}
