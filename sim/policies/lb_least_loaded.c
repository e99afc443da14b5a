/*
 * lb_least_loaded.c - "least-loaded": the candidate vAP with the fewest
 * associated users (ties: the highest PHY rate, then the lower index).
 *
 * Load-based association as in Bejerano, Han and Li ("Fairness and load
 * balancing in wireless LANs using association control", MobiCom 2004), in
 * its simplest greedy form: a count of users stands for the load.
 */
#include "policy_int.h"

static size_t choose(const mn_view *v, uint32_t user, const mn_lb_cand *c, size_t n, uint32_t cur)
{
    (void)v;
    (void)user;
    (void)cur;
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (c[i].users < c[best].users ||
            (c[i].users == c[best].users && c[i].phy_bps > c[best].phy_bps))
            best = i;
    return best;
}

const mn_lb_ops mn_lb_least_loaded = {
    .name = "least-loaded",
    .summary = "the vAP with the fewest users (ties: highest PHY rate, then lower vAP)",
    .choose = choose,
};
