/*
 * lb_pick.c - the balancing policies' candidate list and decision, shared by
 * the simulator (sim/models/wrun.c) and emulation (emu/policy.c); see
 * policy.h (mn_lb_pick).
 */
#include "policy_int.h"

double mn_lb_predicted(double phy_bps, double air_cap, double airtime, uint32_t n_tx)
{
    return phy_bps * air_cap * airtime / (n_tx + 1);
}

void mn_lb_cand_keep(mn_lb_cand *c, size_t *n, size_t cap, const mn_lb_cand *x)
{
    if (*n < cap) {
        c[(*n)++] = *x;
        return;
    }
    size_t weakest = 0; /* full: the weakest goes */
    for (size_t i = 1; i < *n; i++)
        if (c[i].phy_bps < c[weakest].phy_bps)
            weakest = i;
    if (*n && x->phy_bps > c[weakest].phy_bps)
        c[weakest] = *x;
}

size_t mn_lb_view_cands(const mn_view *v, uint32_t u, mn_lb_cand *c, size_t cap)
{
    size_t n = 0;
    if (!v || u >= v->nusers || !v->user_phy)
        return 0;
    const mn_view_user *U = &v->users[u];
    for (uint32_t i = 0; i < v->nvaps && i < v->ninsts; i++) {
        const mn_view_inst *I = &v->insts[i];
        if (I->state != MN_INST_RUNNING || I->radio == MN_NONE || I->radio >= v->nradios ||
            I->box == MN_NONE || I->box >= v->nboxes)
            continue;
        const mn_view_radio *R = &v->radios[I->radio];
        const mn_view_box *B = &v->boxes[I->box];
        if (!R->up || !B->up || !B->powered || I->op != U->op || !(I->stacks & U->stacks))
            continue;
        if (I->max_users && I->users >= I->max_users && U->vap != i)
            continue;
        double phy = v->user_phy(v->ctx, u, I->radio);
        if (!(phy > 0))
            continue;
        mn_lb_cand x = {i, phy,
                        mn_lb_predicted(phy, R->air_cap > 0 ? R->air_cap : 1,
                                        I->airtime > 0 ? I->airtime : 1, R->n_tx),
                        I->users, 0}; /* air_load: as in the simulator, not known per candidate */
        mn_lb_cand_keep(c, &n, cap, &x);
    }
    return n;
}

/* Candidates in vAP order: the policies' ties go to the lower vAP. */
static void sort_cands(mn_lb_cand *c, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        mn_lb_cand x = c[i];
        size_t j = i;
        for (; j > 0 && c[j - 1].vap > x.vap; j--)
            c[j] = c[j - 1];
        c[j] = x;
    }
}

size_t mn_lb_pick(const mn_lb_ops *lb, const mn_view *v, uint32_t u, mn_lb_cand *c, size_t n,
                  uint32_t cur_vap, double hysteresis)
{
    if (n == 0)
        return 0;
    sort_cands(c, n);
    size_t cur = n;
    for (size_t i = 0; i < n; i++)
        if (c[i].vap == cur_vap)
            cur = i;
    size_t pick = lb->choose(v, u, c, n, cur < n ? cur_vap : MN_NONE);
    if (pick >= n)
        pick = 0;
    if (cur < n && pick != cur && hysteresis > 0 &&
        c[pick].phy_bps < c[cur].phy_bps * (1 + hysteresis))
        pick = cur; /* not enough better to hand over */
    return pick;
}
