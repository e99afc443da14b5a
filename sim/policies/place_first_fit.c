/*
 * place_first_fit.c - "first-fit": the first candidate box (in the
 * instance's candidate order) that fits.
 *
 * Classic bin packing (Johnson 1973; Coffman, Garey and Johnson, "Approximation
 * algorithms for bin packing: a survey", 1996): items go into the first bin
 * with room, so early boxes fill up and later ones stay empty.
 */
#include "policy_int.h"

static uint32_t choose(const mn_view *v, uint32_t inst, mn_rng *rng, uint32_t *radio_out)
{
    (void)rng;
    uint32_t radio = MN_NONE;
    if (radio_out)
        *radio_out = MN_NONE;
    if (!v || inst >= v->ninsts)
        return MN_NONE;
    const mn_view_inst *I = &v->insts[inst];
    size_t n = mn__ncand(v, I);
    for (size_t k = 0; k < n; k++) {
        uint32_t b = mn__cand(I, k);
        if (mn_place_fits(v, inst, b, &radio)) {
            if (radio_out)
                *radio_out = radio;
            return b;
        }
    }
    return MN_NONE;
}

const mn_place_ops mn_place_first_fit = {
    .name = "first-fit",
    .summary = "the first candidate box with room (classic bin packing)",
    .choose = choose,
    .after = NULL,
};
