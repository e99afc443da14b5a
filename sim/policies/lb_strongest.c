/*
 * lb_strongest.c - "strongest-signal": the candidate vAP with the highest
 * PHY rate at the user's position (ties: the lower index, i.e. the lower
 * vAP number, since candidates come in vAP order).
 *
 * What 802.11 stations do by default (associate to the strongest RSSI), and
 * exactly the simulator's built-in association (best_vap in
 * sim/models/wrun.c), so runs with this policy reproduce the earlier ones.
 */
#include "policy_int.h"

static size_t choose(const mn_view *v, uint32_t user, const mn_lb_cand *c, size_t n, uint32_t cur)
{
    (void)v;
    (void)user;
    (void)cur; /* hysteresis is the caller's */
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (c[i].phy_bps > c[best].phy_bps)
            best = i;
    return best;
}

const mn_lb_ops mn_lb_strongest = {
    .name = "strongest-signal",
    .summary = "the vAP with the highest PHY rate (802.11's default; ties: lower vAP)",
    .choose = choose,
};
