/*
 * log.h - levelled diagnostics on stderr.
 *
 * Owns:      the process-wide log level (an int read on every MN_LOG).
 * Invariant: a disabled MN_LOG costs one compare and branch: arguments are
 *            not evaluated. MN_LOG_TRACE is compiled out unless MN_LOG_WITH_TRACE
 *            is defined (debug builds), so the hot path pays nothing for it.
 *
 * Library code logs facts for humans; errors still travel as return codes.
 */
#ifndef MN_LOG_H
#define MN_LOG_H

enum mn_log_level {
    MN_LOG_OFF = 0,
    MN_LOG_ERROR = 1,
    MN_LOG_WARN = 2,
    MN_LOG_INFO = 3,
    MN_LOG_DEBUG = 4,
    MN_LOG_TRACE = 5,
};

extern int mn_log_level; /* default MN_LOG_WARN */

void mn_log_set_level(int level);
/* "off" "error" "warn" "info" "debug" "trace" -> level; -1 for anything else. */
int mn_log_level_parse(const char *name);
const char *mn_log_level_name(int level);

/* Prints "mnetsim: <level>: <message>\n" to stderr as one write. */
void mn_log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define MN_LOG(level, ...)                                                     \
    do {                                                                       \
        if ((level) <= mn_log_level)                                           \
            mn_log_write((level), __VA_ARGS__);                                \
    } while (0)

#define MN_LOG_ERR(...) MN_LOG(MN_LOG_ERROR, __VA_ARGS__)
#define MN_LOG_WARNING(...) MN_LOG(MN_LOG_WARN, __VA_ARGS__)
#define MN_LOG_INF(...) MN_LOG(MN_LOG_INFO, __VA_ARGS__)
#define MN_LOG_DBG(...) MN_LOG(MN_LOG_DEBUG, __VA_ARGS__)
#ifdef MN_LOG_WITH_TRACE
#define MN_LOG_TRC(...) MN_LOG(MN_LOG_TRACE, __VA_ARGS__)
#else
#define MN_LOG_TRC(...)                                                        \
    do {                                                                       \
    } while (0)
#endif

#endif /* MN_LOG_H */
