/*
 * place_random.c - "random": a fitting candidate box drawn uniformly.
 *
 * The usual baseline of placement studies. Exactly one uniform draw from
 * the "placement" stream per decision, even when nothing fits, so the
 * stream advances the same way whatever the boxes hold: the k-th decision
 * of a run always sees the k-th number of the stream (same seed, same
 * choices). The draw u in [0, 1) picks fitting candidate floor(u m) of m.
 */
#include "policy_int.h"

static uint32_t choose(const mn_view *v, uint32_t inst, mn_rng *rng, uint32_t *radio_out)
{
    double u = rng ? mn_rng_uniform(rng) : 0;
    uint32_t radio = MN_NONE;
    if (radio_out)
        *radio_out = MN_NONE;
    if (!v || inst >= v->ninsts)
        return MN_NONE;
    const mn_view_inst *I = &v->insts[inst];
    size_t n = mn__ncand(v, I), m = 0;
    for (size_t k = 0; k < n; k++)
        m += (size_t)mn_place_fits(v, inst, mn__cand(I, k), NULL);
    if (m == 0)
        return MN_NONE;
    size_t pick = (size_t)(u * (double)m);
    if (pick >= m) /* u * m rounded up to m */
        pick = m - 1;
    for (size_t k = 0; k < n; k++) {
        uint32_t b = mn__cand(I, k);
        if (mn_place_fits(v, inst, b, &radio) && pick-- == 0) {
            if (radio_out)
                *radio_out = radio;
            return b;
        }
    }
    return MN_NONE; /* not reached: m boxes fit */
}

const mn_place_ops mn_place_random = {
    .name = "random",
    .summary = "a fitting box drawn uniformly (one draw per decision; the baseline)",
    .choose = choose,
    .after = NULL,
};
