/*
 * gap.h - a flow's longest silence around a moment, read back from .pcap
 * files (libpcap offline, nanosecond timestamps): the emulated migration
 * downtime.
 *
 * Owns:      nothing past a call (the packets read are freed on return).
 * Borrows:   the file names.
 * Invariant: only our UDP datagrams (traffic.h's header, also inside
 *            VXLAN) of the asked flow count; a datagram captured at several
 *            of the files counts once, at its latest timestamp (the capture
 *            point nearest its receiver).
 *
 * In the window [t0, t1] (CLOCK_REALTIME s, the clock of the pcap stamps
 * and of policy.csv's wall_s) the flow's datagrams are ordered by time; the
 * gap is the largest difference between two consecutive ones, and
 * lost_in_gap the sequence numbers strictly between the two datagrams that
 * bound it that appear in none of the files (a late, reordered datagram is
 * not lost). Example: datagrams 7 at 10.000 s, 8 at 10.004 s, 11 at
 * 10.104 s, and 9 and 10 nowhere: gap 0.100 s, lost_in_gap 2.
 */
#ifndef MN_EMU_GAP_H
#define MN_EMU_GAP_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/err.h"

typedef struct mn_emu_gap {
    uint64_t packets;          /* the flow's datagrams in the window */
    double gap_s;              /* the largest gap; -1 with fewer than 2 datagrams */
    double gap_from, gap_to;   /* CLOCK_REALTIME s of the datagrams bounding it */
    uint64_t seq_from, seq_to; /* their sequence numbers */
    uint64_t lost_in_gap;
} mn_emu_gap;

/*
 * Measures flow's gap in [t0, t1] over the files (MN_EIO naming a file
 * pcap cannot read, with its text; MN_ENOMEM).
 */
int mn_emu_gap_measure(const char *const *pcaps, size_t npcaps, uint32_t flow, double t0, double t1,
                       mn_emu_gap *out, mn_err *err);

#endif /* MN_EMU_GAP_H */
