/*
 * place_worst_fit.c - "worst-fit": the fitting candidate box with the most
 * CPU left after placing (ties: the most memory left, then candidate order).
 *
 * Classic bin packing (Coffman, Garey and Johnson, "Approximation algorithms
 * for bin packing: a survey", 1996), used here to spread: every instance
 * goes to the emptiest box, so load stays balanced and boxes keep headroom.
 * Example: 1 GHz on boxes with 3, 1.5 and 2 GHz free: the first (2 GHz left).
 */
#include "policy_int.h"

static uint32_t choose(const mn_view *v, uint32_t inst, mn_rng *rng, uint32_t *radio_out)
{
    (void)rng;
    return mn__fit_by_room(v, inst, 0, radio_out);
}

const mn_place_ops mn_place_worst_fit = {
    .name = "worst-fit",
    .summary = "the fitting box with the most CPU left after placing (spreads the load)",
    .choose = choose,
    .after = NULL,
};
