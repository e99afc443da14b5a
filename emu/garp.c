/* garp.c - gratuitous ARP and unsolicited neighbour advertisements; see garp.h. */
#include "garp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"

static int send_arp(const char *ns, const char *dev, uint32_t ip4, mn_err *err)
{
    int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
    if (s < 0)
        return MN_ERR(err, MN_EIO, "netns %s: packet socket: %s", ns, strerror(errno));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", dev);
    int rc = MN_OK;
    if (ioctl(s, SIOCGIFHWADDR, &ifr) != 0 || ioctl(s, SIOCGIFINDEX, &ifr) != 0) {
        rc = MN_ERR(err, MN_EIO, "netns %s: %s: %s", ns, dev, strerror(errno));
        close(s);
        return rc;
    }
    unsigned char mac[6];
    struct ifreq hw;
    memset(&hw, 0, sizeof hw);
    snprintf(hw.ifr_name, sizeof hw.ifr_name, "%s", dev);
    ioctl(s, SIOCGIFHWADDR, &hw);
    memcpy(mac, hw.ifr_hwaddr.sa_data, 6);
    unsigned char f[42];
    memset(f, 0xff, 6);                  /* to everyone */
    memcpy(f + 6, mac, 6);
    f[12] = 0x08, f[13] = 0x06;          /* ARP */
    f[14] = 0, f[15] = 1;                /* Ethernet */
    f[16] = 0x08, f[17] = 0x00;          /* IPv4 */
    f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1; /* request */
    uint32_t ipn = htonl(ip4);
    memcpy(f + 22, mac, 6);
    memcpy(f + 28, &ipn, 4);             /* sender = target: gratuitous */
    memset(f + 32, 0, 6);
    memcpy(f + 38, &ipn, 4);
    struct sockaddr_ll to;
    memset(&to, 0, sizeof to);
    to.sll_family = AF_PACKET;
    to.sll_ifindex = ifr.ifr_ifindex;
    to.sll_halen = 6;
    memset(to.sll_addr, 0xff, 6);
    if (sendto(s, f, sizeof f, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)sizeof f)
        rc = MN_ERR(err, MN_EIO, "netns %s: gratuitous ARP on %s: %s", ns, dev, strerror(errno));
    close(s);
    return rc;
}

static int send_na(const char *ns, const char *dev, const uint8_t *ip6, mn_err *err)
{
    int s = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    if (s < 0)
        return MN_ERR(err, MN_EIO, "netns %s: ICMPv6 socket: %s", ns, strerror(errno));
    unsigned ifi = if_nametoindex(dev);
    int hops = 255, rc = MN_OK;
    setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
    setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifi, sizeof ifi);
    struct ifreq hw;
    memset(&hw, 0, sizeof hw);
    snprintf(hw.ifr_name, sizeof hw.ifr_name, "%s", dev);
    if (ifi == 0 || ioctl(s, SIOCGIFHWADDR, &hw) != 0) {
        rc = MN_ERR(err, MN_EIO, "netns %s: %s: %s", ns, dev, strerror(errno));
        close(s);
        return rc;
    }
    struct {
        struct nd_neighbor_advert na;
        uint8_t opt_type, opt_len, mac[6];
    } __attribute__((packed)) m;
    memset(&m, 0, sizeof m);
    m.na.nd_na_type = ND_NEIGHBOR_ADVERT;
    m.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
    memcpy(&m.na.nd_na_target, ip6, 16);
    m.opt_type = ND_OPT_TARGET_LINKADDR;
    m.opt_len = 1;
    memcpy(m.mac, hw.ifr_hwaddr.sa_data, 6);
    struct sockaddr_in6 to;
    memset(&to, 0, sizeof to);
    to.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
    to.sin6_scope_id = ifi;
    if (sendto(s, &m, sizeof m, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)sizeof m)
        rc = MN_ERR(err, MN_EIO, "netns %s: neighbour advertisement on %s: %s", ns, dev,
                    strerror(errno));
    close(s);
    return rc;
}

int mn_emu_garp_send(const char *ns, const char *dev, uint32_t ip4, const uint8_t *ip6,
                     mn_err *err)
{
    int saved, rc = mn_emu_netns_enter_name(ns, &saved, err);
    if (rc != MN_OK)
        return rc;
    if (ip4)
        rc = send_arp(ns, dev, ip4, err);
    if (rc == MN_OK && ip6)
        rc = send_na(ns, dev, ip6, err);
    mn_emu_netns_leave(saved);
    return rc;
}
