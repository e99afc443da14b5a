/*
 * mig_follow.c - "follow-the-user": a personal vAP follows its user. Every
 * period, each movable running vAP that follows an online user out of
 * range of the vAP's radio (user_phy == 0) migrates to the fitting
 * candidate box that serves the user best: the highest PHY rate over that
 * box's up radios with a free vAP slot (ties: candidate order). The vAP
 * goes on that radio, the best one for the user, not necessarily the one
 * mn_place_fits would pick (fewest vAPs). A user still in range stays put,
 * even if another box would be stronger: moves cost a live migration.
 *
 * The reference paper's office-to-home vAP: the user's own access point
 * leaves the office box for the home box when the user goes home.
 */
#include "policy_int.h"

/* The radio of box b with a free slot that gives user the best PHY rate (> 0), or MN_NONE. */
static uint32_t best_radio(const mn_view *v, const mn__plan *p, uint32_t b, uint32_t user,
                           double *phy_out)
{
    const mn_view_box *B = &v->boxes[b];
    uint32_t best = MN_NONE;
    double best_phy = 0;
    for (uint32_t r = B->radio_first; r < B->radio_first + B->nradios && r < v->nradios; r++) {
        if (!v->radios[r].up || p->nvaps[r] >= v->radios[r].max_vaps)
            continue;
        double phy = v->user_phy(v->ctx, user, r);
        if (phy > best_phy) {
            best = r;
            best_phy = phy;
        }
    }
    *phy_out = best_phy;
    return best;
}

static int tick(const mn_view *v, const mn_backend *be, mn_err *err)
{
    if (!v->user_phy)
        return MN_OK;
    mn__plan p;
    int rc = mn__plan_init(&p, v, err);
    if (rc != MN_OK)
        return rc;
    for (uint32_t i = 0; i < v->nvaps && i < v->ninsts && rc == MN_OK; i++) {
        const mn_view_inst *I = &v->insts[i];
        if (!mn__mig_subject(v, i) || I->kind != MN_INST_VAP || I->follows >= v->nusers ||
            !v->users[I->follows].online)
            continue;
        if (I->radio < v->nradios && v->user_phy(v->ctx, I->follows, I->radio) > 0)
            continue; /* in range: stay */
        uint32_t dest = MN_NONE, dest_radio = MN_NONE;
        double dest_phy = 0;
        size_t n = mn__ncand(v, I);
        for (size_t k = 0; k < n; k++) {
            uint32_t c = mn__cand(I, k);
            if (c == I->box || !mn__fits(v, &p, i, c, NULL))
                continue;
            double phy;
            uint32_t r = best_radio(v, &p, c, I->follows, &phy);
            if (r != MN_NONE && phy > dest_phy) {
                dest = c;
                dest_radio = r;
                dest_phy = phy;
            }
        }
        if (dest != MN_NONE) {
            rc = mn__migrate(be, &p, i, dest, dest_radio, err);
            if (rc > 0)
                rc = MN_OK;
        }
    }
    mn__plan_fini(&p);
    return rc;
}

const mn_mig_ops mn_mig_follow = {
    .name = "follow-the-user",
    .summary =
        "moves a personal vAP to the box that reaches its user once the user is out of range",
    .tick = tick,
};
