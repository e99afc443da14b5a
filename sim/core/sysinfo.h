/*
 * sysinfo.h - facts about the running process for reports: peak resident
 * memory and its reset (Linux /proc).
 *
 * Owns:      nothing.
 */
#ifndef MN_SYSINFO_H
#define MN_SYSINFO_H

#include <stdint.h>

/* Seconds on the monotonic clock, for wall-time measurements (differences only). */
double mn_sys_monotonic_s(void);

/* Peak resident set size (VmHWM) in bytes; 0 if /proc is unreadable. */
uint64_t mn_sys_peak_rss_bytes(void);

/*
 * Resets the peak to the current RSS (writes "5" to /proc/self/clear_refs),
 * so one process can measure several phases. MN_EUNSUPPORTED if refused.
 */
int mn_sys_reset_peak_rss(void);

#endif /* MN_SYSINFO_H */
