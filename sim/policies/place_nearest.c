/*
 * place_nearest.c - "nearest": latency-aware placement, the fitting
 * candidate box closest to the users the instance serves.
 *
 * Definition (distances Euclidean, in metres, positions from view->user_pos):
 *   - an instance that follows a user (follows != MN_NONE; the reference
 *     paper's personal vAP) goes to the fitting candidate nearest that user,
 *     online or not (where the user is now);
 *   - any other vAP or VM goes where it brings its operator's ONLINE users
 *     closest to an instance of that operator and kind: the fitting
 *     candidate b minimising
 *         sum over those users u of min(near(u), |pos(b) - pos(u)|),
 *     near(u) being u's distance to the nearest box already holding one
 *     (infinite when there is none). This is the greedy step of the
 *     k-median problem (one instance at a time; Cornuejols, Fisher and
 *     Nemhauser 1977): the first instance goes to the users' geometric
 *     median, the next ones where users are still far from any.
 *     No online user (or no user_pos): every sum is 0.
 * Ties: candidate order (so with nobody to serve it is first-fit).
 * Example: boxes at x = 0, 100 and 200, users at x = 10, 20 and 190. The
 * first instance: box 0 sums 10 + 20 + 190 = 220, box 100 260, box 200
 * 380: box 0. The second (near = 10, 20, 190): box 0 220, box 100
 * 10 + 20 + 90 = 120, box 200 10 + 20 + 10 = 40: box 200.
 *
 * Box-to-box latency (view->box_latency) is not used: users are not at
 * boxes, and air distance is what decides their PHY rate. Cost: (candidates
 * + instances) times users per decision.
 */
#include <math.h>

#include "core/alloc.h"
#include "policy_int.h"

/* Users of I's operator online now, with their distance to the nearest box holding one of its kind. */
typedef struct served {
    uint32_t *user;
    double *near;
    size_t n;
} served;

static int served_init(served *s, const mn_view *v, uint32_t inst)
{
    const mn_view_inst *I = &v->insts[inst];
    s->n = 0;
    s->user = mn_alloc((v->nusers + 1) * sizeof *s->user);
    s->near = mn_alloc((v->nusers + 1) * sizeof *s->near);
    if (!s->user || !s->near) {
        mn_free(s->user);
        mn_free(s->near);
        return MN_ENOMEM;
    }
    for (size_t u = 0; u < v->nusers; u++) {
        if (!v->users[u].online || v->users[u].op != I->op)
            continue;
        mn_pos p = v->user_pos(v->ctx, (uint32_t)u);
        double near = INFINITY;
        for (size_t j = 0; j < v->ninsts; j++) {
            const mn_view_inst *J = &v->insts[j];
            uint32_t at = J->dest != MN_NONE ? J->dest : J->box;
            if (j == inst || J->op != I->op || J->kind != I->kind || at >= v->nboxes)
                continue;
            near = fmin(near, mn_pos_dist(p, v->boxes[at].pos));
        }
        s->user[s->n] = (uint32_t)u;
        s->near[s->n++] = near;
    }
    return MN_OK;
}

static double score(const mn_view *v, const mn_view_inst *I, const served *s, mn_pos at)
{
    if (!v->user_pos)
        return 0;
    if (I->follows != MN_NONE) {
        if (I->follows >= v->nusers)
            return 0;
        return mn_pos_dist(at, v->user_pos(v->ctx, I->follows));
    }
    double sum = 0;
    for (size_t k = 0; k < s->n; k++)
        sum += fmin(s->near[k], mn_pos_dist(at, v->user_pos(v->ctx, s->user[k])));
    return sum;
}

static uint32_t choose(const mn_view *v, uint32_t inst, mn_rng *rng, uint32_t *radio_out)
{
    (void)rng;
    uint32_t best = MN_NONE, best_radio = MN_NONE, radio;
    double best_d = 0;
    served sv = {0};
    if (v && inst < v->ninsts && v->user_pos && v->insts[inst].follows == MN_NONE &&
        served_init(&sv, v, inst) != MN_OK)
        return MN_NONE; /* out of memory: refused, as if nothing fit */
    if (v && inst < v->ninsts) {
        const mn_view_inst *I = &v->insts[inst];
        size_t n = mn__ncand(v, I);
        for (size_t k = 0; k < n; k++) {
            uint32_t b = mn__cand(I, k);
            if (!mn_place_fits(v, inst, b, &radio))
                continue;
            double d = score(v, I, &sv, v->boxes[b].pos);
            if (best == MN_NONE || d < best_d) {
                best = b;
                best_radio = radio;
                best_d = d;
            }
        }
    }
    mn_free(sv.user);
    mn_free(sv.near);
    if (radio_out)
        *radio_out = best_radio;
    return best;
}

const mn_place_ops mn_place_nearest = {
    .name = "nearest",
    .summary = "the fitting box nearest its followed user, else where its operator's users are farthest from one (k-median)",
    .choose = choose,
    .after = NULL,
};
