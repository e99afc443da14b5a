/*
 * tc.h - shaping with the qdiscs this kernel has (tbf, htb; no netem),
 * through libnl-route-3.
 *
 * Owns:      nothing (qdiscs and classes belong to their interface).
 * Invariant: rates are bit/s as everywhere in mnetsim; converted here to
 *            the kernel's bytes/s. Errors name the namespace, interface and
 *            keep nl_geterror()'s text.
 *
 * tbf sizing: burst = max(2 full frames, 4 ms at the rate) (one tick of a
 * HZ = 250 kernel, below which tbf cannot keep up); queue limit = burst +
 * 20 ms at the rate, so a 2x overload is dropped rather than queued for ever.
 * Worked example: 10 Mbit/s -> 1.25 MB/s: burst = max(3028, 5000) = 5000 B,
 * limit = 5000 + 25000 = 30000 B.
 */
#ifndef MN_EMU_TC_H
#define MN_EMU_TC_H

#include <stdint.h>

#include "link.h"

/* Largest rate libnl's 32-bit tbf field takes: 2^31 - 1 bytes/s (about 17 Gbit/s). */
#define MN_EMU_TC_MAX_BPS (8.0 * 2147483647.0)

/* Root tbf on dev at rate_bps (replaces any root qdisc). */
int mn_emu_tc_tbf(mn_emu_nl *nl, const char *dev, double rate_bps, mn_err *err);
/* Root htb (handle 1:) whose unclassified traffic goes to class 1:defminor. */
int mn_emu_tc_htb(mn_emu_nl *nl, const char *dev, unsigned defminor, mn_err *err);
/* Adds or changes htb class 1:minor under 1:parent_minor (0: the root) at rate, borrowing up to ceil. */
int mn_emu_tc_htb_class(mn_emu_nl *nl, const char *dev, unsigned parent_minor, unsigned minor,
                        double rate_bps, double ceil_bps, mn_err *err);
/*
 * A u32 filter on the root htb: IPv4 packets whose destination (dst = 1) or
 * source (dst = 0) is addr (host byte order) go to class 1:minor. prio
 * orders filters; handle (>0) names it for mn_emu_tc_u32_del.
 */
int mn_emu_tc_u32_ip(mn_emu_nl *nl, const char *dev, uint32_t addr, int dst, unsigned minor,
                     unsigned handle, mn_err *err);
/*
 * The same for IPv6 packets whose destination (dst = 1) or source (dst = 0) is addr (16
 * bytes, network order), in a u32 instance of their own (prio 11), named by node (> 0,
 * < 0x1000); adding a node that is there already is an error: remove it first with
 * mn_emu_tc_u32_ip6_del, which removes every IPv6 filter of that node on dev (none there
 * is not an error).
 */
int mn_emu_tc_u32_ip6(mn_emu_nl *nl, const char *dev, const uint8_t addr[16], int dst,
                      unsigned minor, unsigned node, mn_err *err);
int mn_emu_tc_u32_ip6_del(mn_emu_nl *nl, const char *dev, unsigned node, mn_err *err);
/* Removes the root qdisc of dev (none there is not an error). */
int mn_emu_tc_clear(mn_emu_nl *nl, const char *dev, mn_err *err);
/* The kind of dev's root qdisc into buf ("tbf", "htb", "noqueue"...). */
int mn_emu_tc_root_kind(mn_emu_nl *nl, const char *dev, char *buf, unsigned len, mn_err *err);

#endif /* MN_EMU_TC_H */
