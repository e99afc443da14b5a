/*
 * lb_sla_aware.c - "sla-aware": among the candidate vAPs whose predicted
 * rate keeps the user's SLA minimum, the one with the highest predicted
 * rate; if none keeps it, the highest predicted rate anyway (ties: the
 * lower index).
 *
 * The user's minimum is view->sla_min_bps[sla] for a user with an SLA, else
 * view->min_bps_default (0: no minimum, so simply the best predicted rate).
 * Admission by predicted throughput in the spirit of the reference paper's
 * SLA-aware vAPs. Since the best predicted rate overall is also the best
 * among those that keep the SLA whenever any does, the two branches pick
 * the same vAP; the rule is written out so a variant (e.g. the cheapest vAP
 * that keeps the SLA) is a one-line change.
 */
#include "policy_int.h"

static double sla_min(const mn_view *v, uint32_t user)
{
    if (!v || user >= v->nusers)
        return 0;
    uint32_t s = v->users[user].sla;
    if (s != MN_NONE && v->sla_min_bps)
        return v->sla_min_bps[s];
    return v->min_bps_default;
}

static size_t choose(const mn_view *v, uint32_t user, const mn_lb_cand *c, size_t n, uint32_t cur)
{
    (void)cur;
    double need = sla_min(v, user);
    size_t best = n, any = 0;
    for (size_t i = 0; i < n; i++) {
        if (c[i].predicted_bps > c[any].predicted_bps)
            any = i;
        if (need > 0 && c[i].predicted_bps >= need &&
            (best == n || c[i].predicted_bps > c[best].predicted_bps))
            best = i;
    }
    return best < n ? best : any;
}

const mn_lb_ops mn_lb_sla_aware = {
    .name = "sla-aware",
    .summary = "the best predicted rate among vAPs keeping the user's SLA, else the best predicted",
    .choose = choose,
};
