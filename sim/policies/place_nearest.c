/*
 * place_nearest.c - "nearest": latency-aware placement, the fitting
 * candidate box closest to the users the instance serves.
 *
 * Definition (distances Euclidean, in metres, positions from view->user_pos):
 *   - an instance that follows a user (follows != MN_NONE; the reference
 *     paper's personal vAP) goes to the fitting candidate nearest that user,
 *     online or not (where the user is now);
 *   - any other vAP or VM goes to the fitting candidate minimising
 *         sum over the ONLINE users u of its operator of |pos(box) - pos(u)|,
 *     i.e. the fitting candidate closest to the operator's users' geometric
 *     median. No online user (or no user_pos): every sum is 0.
 * Ties: candidate order (so with nobody to serve it is first-fit).
 * Example: boxes at x = 0 and x = 100, users at x = 10, 20 and 90: sums 120
 * and 180, so the box at 0.
 *
 * Box-to-box latency (view->box_latency) is not used: users are not at
 * boxes, and air distance is what decides their PHY rate. Cost: candidates
 * times users per decision.
 */
#include "policy_int.h"

static double score(const mn_view *v, const mn_view_inst *I, mn_pos at)
{
    if (!v->user_pos)
        return 0;
    if (I->follows != MN_NONE) {
        if (I->follows >= v->nusers)
            return 0;
        return mn_pos_dist(at, v->user_pos(v->ctx, I->follows));
    }
    double sum = 0;
    for (size_t u = 0; u < v->nusers; u++)
        if (v->users[u].online && v->users[u].op == I->op)
            sum += mn_pos_dist(at, v->user_pos(v->ctx, (uint32_t)u));
    return sum;
}

static uint32_t choose(const mn_view *v, uint32_t inst, mn_rng *rng, uint32_t *radio_out)
{
    (void)rng;
    uint32_t best = MN_NONE, best_radio = MN_NONE, radio;
    double best_d = 0;
    if (v && inst < v->ninsts) {
        const mn_view_inst *I = &v->insts[inst];
        size_t n = mn__ncand(v, I);
        for (size_t k = 0; k < n; k++) {
            uint32_t b = mn__cand(I, k);
            if (!mn_place_fits(v, inst, b, &radio))
                continue;
            double d = score(v, I, v->boxes[b].pos);
            if (best == MN_NONE || d < best_d) {
                best = b;
                best_radio = radio;
                best_d = d;
            }
        }
    }
    if (radio_out)
        *radio_out = best_radio;
    return best;
}

const mn_place_ops mn_place_nearest = {
    .name = "nearest",
    .summary = "the fitting box nearest its followed user, else its operator's online users",
    .choose = choose,
    .after = NULL,
};
