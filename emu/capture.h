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
 *            namespace and interface. When its interface is deleted (the
 *            backend re-plumbs a migrated or re-associated endpoint's veth
 *            under the same name) the point reopens it, in the same file.
 */
#ifndef MN_EMU_CAPTURE_H
#define MN_EMU_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/err.h"

struct ev_loop;
typedef struct mn_emu_capture mn_emu_capture;

int mn_emu_capture_create(struct ev_loop *loop, size_t nflows, mn_emu_capture **out, mn_err *err);
/*
 * Captures dev in namespace ns into path; label names the point in reports ("home-box.up").
 * dev "any" captures every interface of the namespace, also those made later (Linux cooked
 * frames, DLT_LINUX_SLL): a user's capture survives its veth being re-plumbed.
 */
int mn_emu_capture_add(mn_emu_capture *c, const char *ns, const char *dev, const char *path,
                       const char *label, mn_err *err);
/* TCP flow `flow` sends its data to port: its data segments count as seen (no sequence). */
int mn_emu_capture_map_tcp(mn_emu_capture *c, uint32_t flow, uint16_t port);
/* Reads what is pending and flushes the files. */
void mn_emu_capture_flush(mn_emu_capture *c);
size_t mn_emu_capture_points(const mn_emu_capture *c);
const char *mn_emu_capture_label(const mn_emu_capture *c, size_t point);
/* Datagrams of flow seen at point; total packets captured at point. */
uint64_t mn_emu_capture_seen(const mn_emu_capture *c, size_t point, uint32_t flow);
uint64_t mn_emu_capture_packets(const mn_emu_capture *c, size_t point);
/* How many times point's interface was reopened after it disappeared. */
unsigned mn_emu_capture_reopened(const mn_emu_capture *c, size_t point);

#define MN_EMU_CAPTURE_NOSEQ UINT64_MAX
/*
 * Finds one of our UDP datagrams (traffic.h's header) in a captured frame
 * of link type dlt (pcap_datalink: DLT_EN10MB, DLT_LINUX_SLL or
 * DLT_LINUX_SLL2), also inside VXLAN: MN_OK with its flow number and
 * sequence, else MN_EINVAL. For reading .pcap files back (gap.h).
 */
int mn_emu_capture_parse(int dlt, const uint8_t *frame, size_t caplen, uint32_t *flow,
                         uint64_t *seq);
/* Closes every file. NULL is a no-op. */
void mn_emu_capture_destroy(mn_emu_capture *c);

#endif /* MN_EMU_CAPTURE_H */
