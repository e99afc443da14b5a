/*
 * capture.h - libpcap captures on interfaces inside namespaces, written as
 * .pcap files (nanosecond timestamps; tshark and Wireshark read them), and
 * which of our flows each capture point saw (traffic.h's header, also
 * inside VXLAN: UDP port 4789).
 *
 * Owns:      its pcap handles and dump files.
 * Borrows:   the ev loop.
 * Invariant: a handle is opened (pcap_activate) inside its namespace and
 *            stays bound there; errors keep pcap's text and name the
 *            namespace and interface.
 */
#ifndef MN_EMU_CAPTURE_H
#define MN_EMU_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/err.h"

struct ev_loop;
typedef struct mn_emu_capture mn_emu_capture;

int mn_emu_capture_create(struct ev_loop *loop, size_t nflows, mn_emu_capture **out, mn_err *err);
/* Captures dev in namespace ns into path; label names the point in reports ("home-box.up"). */
int mn_emu_capture_add(mn_emu_capture *c, const char *ns, const char *dev, const char *path,
                       const char *label, mn_err *err);
/* Reads what is pending and flushes the files. */
void mn_emu_capture_flush(mn_emu_capture *c);
size_t mn_emu_capture_points(const mn_emu_capture *c);
const char *mn_emu_capture_label(const mn_emu_capture *c, size_t point);
/* Datagrams of flow seen at point; total packets captured at point. */
uint64_t mn_emu_capture_seen(const mn_emu_capture *c, size_t point, uint32_t flow);
uint64_t mn_emu_capture_packets(const mn_emu_capture *c, size_t point);
/* Closes every file. NULL is a no-op. */
void mn_emu_capture_destroy(mn_emu_capture *c);

#endif /* MN_EMU_CAPTURE_H */
