/*
 * encap.h - per-packet header overheads on the wire: the VXLAN overlay's
 * outer headers, and the network-layer headers of the protocol stacks an
 * access box can carry. Links turn them into per-byte costs with
 * mn_encap_factor.
 *
 * Owns:      nothing (pure functions; names are static strings).
 * Invariant: a stack set is a bitmask with bit (1u << s) for each mn_stack s;
 *            bits at or above MN_STACK_COUNT are never set by the parser.
 *
 * Byte counts are headers only: no Ethernet preamble, start delimiter, FCS
 * or inter-frame gap (add 24 bytes per frame if a link model needs them).
 * Sources and the place of these numbers in the delay model:
 * docs/models-queueing.md.
 */
#ifndef MN_ENCAP_H
#define MN_ENCAP_H

#include <stddef.h>

#include "core/err.h"

typedef enum mn_underlay { MN_UNDERLAY_IPV4, MN_UNDERLAY_IPV6 } mn_underlay;

/* "ipv4" or "ipv6" (exact, lower case). MN_EPARSE otherwise (*out unchanged). */
int mn_underlay_parse(const char *s, mn_underlay *out);

/*
 * VXLAN (RFC 7348) encapsulation overhead added to each inner Ethernet frame
 * (whose own 14-byte header belongs to the payload VXLAN carries):
 *   outer Ethernet 14 + outer IPv4 20 / IPv6 40 + UDP 8 + VXLAN 8 = 50 / 70.
 * Assumes no outer 802.1Q tag (add 4 if the underlay is tagged) and no IPv4
 * options or IPv6 extension headers. 0 for a value outside the enum.
 */
unsigned mn_vxlan_overhead(mn_underlay u);

typedef enum mn_stack { MN_STACK_IPV4, MN_STACK_IPV6, MN_STACK_MPLS, MN_STACK_COUNT } mn_stack;

/* "ipv4", "ipv6" or "mpls" (exact, lower case). MN_EPARSE otherwise (*out unchanged). */
int mn_stack_parse(const char *s, mn_stack *out);

/* "ipv4", "ipv6", "mpls"; "?" for a value outside the enum. Never NULL; static. */
const char *mn_stack_name(mn_stack s);

/*
 * Parses a stack set: stack names separated by white space (spaces, tabs,
 * newlines; leading/trailing allowed), e.g. "ipv4 ipv6". At least one name,
 * no duplicates. Sets *mask (bit 1u << s per stack) only on success.
 * MN_EPARSE for an unknown name (the message names it and lists the valid
 * ones), a repeated name, or an empty list; MN_EINVAL for NULL s or mask.
 */
int mn_stacks_parse(const char *s, unsigned *mask, mn_err *err);

/* Enough room for any mn_stacks_format output: "ipv4 ipv6 mpls" and its NUL. */
#define MN_STACKS_FMT_MAX 16

/*
 * Writes the stacks of mask in enum order, separated by single spaces
 * ("ipv4 ipv6"; "" for 0); bits at or above MN_STACK_COUNT are ignored.
 * mn_stacks_parse reads it back to the same mask. Truncates to n - 1
 * characters plus NUL like snprintf; writes nothing when n == 0.
 */
void mn_stacks_format(unsigned mask, char *buf, size_t n);

/*
 * Network-layer header bytes a stack adds to each packet:
 *   IPv4 20 (RFC 791, no options), IPv6 40 (RFC 8200, no extension headers),
 *   MPLS 4 per label (RFC 3032) over IPv4: 20 + 4 * labels, so 24 with one.
 * mpls_labels is ignored for IPv4/IPv6; for MPLS, 0 counts as 1 (a labelled
 * packet carries at least one label stack entry). 0 for a value outside the enum.
 */
unsigned mn_stack_header(mn_stack s, unsigned mpls_labels);

/*
 * Wire bytes per payload byte for a payload of p bytes with h header bytes:
 *   (p + h) / p.  Example: 1400 bytes over IPv4 VXLAN: 1450 / 1400 = 1.0357.
 * NaN unless payload_bytes > 0 (and not NaN).
 */
double mn_encap_factor(double payload_bytes, unsigned header_bytes);

#endif /* MN_ENCAP_H */
