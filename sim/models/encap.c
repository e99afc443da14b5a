/* encap.c - per-packet header overheads; see encap.h and docs/models-queueing.md. */
#include "encap.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Header sizes in bytes, with the document that fixes each. */
enum {
    ETH_HDR = 14,   /* IEEE 802.3 MAC header: destination, source, EtherType; no FCS */
    IPV4_HDR = 20,  /* RFC 791, IHL = 5 (no options) */
    IPV6_HDR = 40,  /* RFC 8200 fixed header */
    UDP_HDR = 8,    /* RFC 768 */
    VXLAN_HDR = 8,  /* RFC 7348, section 5 */
    MPLS_LABEL = 4, /* RFC 3032 label stack entry */
};

static const char *const stack_names[MN_STACK_COUNT] = {
    [MN_STACK_IPV4] = "ipv4",
    [MN_STACK_IPV6] = "ipv6",
    [MN_STACK_MPLS] = "mpls",
};

int mn_underlay_parse(const char *s, mn_underlay *out)
{
    if (!s || !out)
        return MN_EINVAL;
    if (strcmp(s, "ipv4") == 0)
        *out = MN_UNDERLAY_IPV4;
    else if (strcmp(s, "ipv6") == 0)
        *out = MN_UNDERLAY_IPV6;
    else
        return MN_EPARSE;
    return MN_OK;
}

/* 14 + 20 + 8 + 8 = 50 over IPv4; 14 + 40 + 8 + 8 = 70 over IPv6. */
unsigned mn_vxlan_overhead(mn_underlay u)
{
    switch (u) {
    case MN_UNDERLAY_IPV4:
        return ETH_HDR + IPV4_HDR + UDP_HDR + VXLAN_HDR;
    case MN_UNDERLAY_IPV6:
        return ETH_HDR + IPV6_HDR + UDP_HDR + VXLAN_HDR;
    }
    return 0;
}

int mn_stack_parse(const char *s, mn_stack *out)
{
    if (!s || !out)
        return MN_EINVAL;
    for (int i = 0; i < MN_STACK_COUNT; i++)
        if (strcmp(s, stack_names[i]) == 0) {
            *out = (mn_stack)i;
            return MN_OK;
        }
    return MN_EPARSE;
}

const char *mn_stack_name(mn_stack s)
{
    return ((unsigned)s < MN_STACK_COUNT) ? stack_names[s] : "?";
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The token [tok, tok + len) as a stack, or -1. */
static int stack_of(const char *tok, size_t len)
{
    for (int i = 0; i < MN_STACK_COUNT; i++)
        if (strlen(stack_names[i]) == len && memcmp(tok, stack_names[i], len) == 0)
            return i;
    return -1;
}

#define VALID_STACKS "ipv4, ipv6, mpls"
#define TOKEN_SHOWN 40 /* longest token quoted in a message, so the list still fits */

int mn_stacks_parse(const char *s, unsigned *mask, mn_err *err)
{
    if (!s || !mask)
        return MN_ERR(err, MN_EINVAL, "no stack list given");
    unsigned m = 0;
    const char *p = s;
    for (;;) {
        while (is_space(*p))
            p++;
        if (!*p)
            break;
        const char *tok = p;
        while (*p && !is_space(*p))
            p++;
        size_t len = (size_t)(p - tok);
        int len_shown = (int)(len < TOKEN_SHOWN ? len : TOKEN_SHOWN);
        const char *more = len > TOKEN_SHOWN ? "..." : "";
        int st = stack_of(tok, len);
        if (st < 0)
            return MN_ERR(err, MN_EPARSE,
                          "unknown stack \"%.*s%s\" in \"%s\"; valid: " VALID_STACKS, len_shown,
                          tok, more, s);
        if (m & (1u << st))
            return MN_ERR(err, MN_EPARSE, "stack \"%s\" is listed twice in \"%s\"", stack_names[st],
                          s);
        m |= 1u << st;
    }
    if (!m)
        return MN_ERR(err, MN_EPARSE,
                      "empty stack list; write one or more of " VALID_STACKS
                      " separated by spaces, e.g. \"ipv4 ipv6\"");
    *mask = m;
    return MN_OK;
}

void mn_stacks_format(unsigned mask, char *buf, size_t n)
{
    if (n == 0)
        return;
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < MN_STACK_COUNT; i++) {
        if (!(mask & (1u << i)))
            continue;
        int w = snprintf(buf + used, n - used, "%s%s", used ? " " : "", stack_names[i]);
        if (w < 0 || (size_t)w >= n - used)
            return; /* truncated, and NUL-terminated by snprintf */
        used += (size_t)w;
    }
}

/* MPLS: the IPv4 packet (20) under a stack of 4-byte labels; one label: 24. */
unsigned mn_stack_header(mn_stack s, unsigned mpls_labels)
{
    switch (s) {
    case MN_STACK_IPV4:
        return IPV4_HDR;
    case MN_STACK_IPV6:
        return IPV6_HDR;
    case MN_STACK_MPLS:
        if (mpls_labels == 0)
            mpls_labels = 1;
        if (mpls_labels > (UINT_MAX - IPV4_HDR) / MPLS_LABEL)
            return UINT_MAX; /* absurd depth: saturate rather than wrap */
        return IPV4_HDR + MPLS_LABEL * mpls_labels;
    case MN_STACK_COUNT:
        break;
    }
    return 0;
}

/* (p + h) / p; e.g. (1400 + 50) / 1400 = 1.0357 for IPv4 VXLAN. */
double mn_encap_factor(double payload_bytes, unsigned header_bytes)
{
    if (!(payload_bytes > 0))
        return NAN;
    return (payload_bytes + (double)header_bytes) / payload_bytes;
}
