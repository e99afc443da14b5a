/* log.c - levelled diagnostics; see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int mn_log_level = MN_LOG_WARN;

static const char *const level_names[] = {"off", "error", "warn", "info", "debug", "trace"};

void mn_log_set_level(int level)
{
    if (level < MN_LOG_OFF)
        level = MN_LOG_OFF;
    if (level > MN_LOG_TRACE)
        level = MN_LOG_TRACE;
    mn_log_level = level;
}

int mn_log_level_parse(const char *name)
{
    for (int i = 0; i <= MN_LOG_TRACE; i++)
        if (strcmp(level_names[i], name) == 0)
            return i;
    return -1;
}

const char *mn_log_level_name(int level)
{
    if (level < MN_LOG_OFF || level > MN_LOG_TRACE)
        return "?";
    return level_names[level];
}

void mn_log_write(int level, const char *fmt, ...)
{
    /* Build the whole line first so concurrent writers do not interleave. */
    char line[1024];
    int head = snprintf(line, sizeof line, "mnetsim: %s: ", mn_log_level_name(level));
    va_list ap;
    va_start(ap, fmt);
    int body = vsnprintf(line + head, sizeof line - (size_t)head - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)head + (body < 0 ? 0 : (size_t)body);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, len);
    (void)ignored;
}
