/*
 * garp.h - announcing an endpoint after it moved: a gratuitous ARP (an ARP
 * request for its own IPv4 address, broadcast) on a packet socket, and an
 * unsolicited neighbour advertisement (override flag) to ff02::1.
 *
 * Owns:      nothing (sockets are opened and closed per call).
 * Invariant: sent from inside namespace ns on interface dev; errors name both.
 *
 * Why: after a move, bridges and routers keep the old place of a MAC or an
 * IP (a bridge's FDB for up to 300 s) until the endpoint speaks.
 */
#ifndef MN_EMU_GARP_H
#define MN_EMU_GARP_H

#include <stdint.h>

#include "sim/core/err.h"

/* ip4 in host byte order (0: none); ip6 16 bytes or NULL. */
int mn_emu_garp_send(const char *ns, const char *dev, uint32_t ip4, const uint8_t *ip6,
                     mn_err *err);

#endif /* MN_EMU_GARP_H */
