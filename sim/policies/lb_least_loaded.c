/*
 * lb_least_loaded.c - "least-loaded": the candidate vAP with the fewest
 * associated users (ties: the highest PHY rate, then the lower index).
 *
 * Load-based association as in Bejerano, Han and Li ("Fairness and load
 * balancing in wireless LANs using association control", MobiCom 2004), in
 * its simplest greedy form: a count of users stands for the load. Its
 * airtime shares follow the same load (below).
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

/*
 * Airtime shares follow the users: on each radio, the vAPs that have a
 * share split the air those shares add up to in proportion to their users
 * plus one (so an empty vAP keeps a little), each at least 5%. Example:
 * two vAPs at 50% each with 3 and 0 users: 4/5 and 1/5 of 100%, i.e. 80%
 * and 20%.
 */
#define MIN_SHARE 0.05

static int shares(const mn_view *v, const mn_backend *be, mn_err *err)
{
    for (size_t r = 0; r < v->nradios; r++) {
        double total = 0, weight = 0;
        for (size_t i = 0; i < v->nvaps; i++) {
            const mn_view_inst *I = &v->insts[i];
            if (I->radio == r && I->airtime > 0 && I->state == MN_INST_RUNNING) {
                total += I->airtime;
                weight += I->users + 1.0;
            }
        }
        if (weight == 0)
            continue;
        if (total > 1)
            total = 1;
        for (size_t i = 0; i < v->nvaps; i++) {
            const mn_view_inst *I = &v->insts[i];
            if (I->radio != r || I->airtime <= 0 || I->state != MN_INST_RUNNING)
                continue;
            double share = total * (I->users + 1.0) / weight;
            if (share < MIN_SHARE)
                share = MIN_SHARE;
            if (share > 1)
                share = 1;
            if (share == I->airtime)
                continue;
            int rc = be->ops->set_qos(be->ctx, (uint32_t)i, share, err);
            if (rc != MN_OK && rc != MN_ERANGE && rc != MN_EINVAL)
                return rc;
        }
    }
    return MN_OK;
}

const mn_lb_ops mn_lb_least_loaded = {
    .name = "least-loaded",
    .summary = "the vAP with the fewest users (ties: highest PHY rate, then lower vAP)",
    .choose = choose,
    .shares = shares,
};
