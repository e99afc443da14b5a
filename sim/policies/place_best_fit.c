/*
 * place_best_fit.c - "best-fit": the fitting candidate box with the least
 * CPU left after placing (ties: the least memory left, then candidate order).
 *
 * Classic bin packing (Coffman, Garey and Johnson, "Approximation algorithms
 * for bin packing: a survey", 1996): the tightest bin keeps large holes free
 * for large items. Example: an instance of 1 GHz on boxes with 3, 1.5 and
 * 2 GHz free leaves 2, 0.5 and 1 GHz: best-fit picks the second box.
 */
#include "policy_int.h"

static uint32_t choose(const mn_view *v, uint32_t inst, mn_rng *rng, uint32_t *radio_out)
{
    (void)rng;
    return mn__fit_by_room(v, inst, 1, radio_out);
}

const mn_place_ops mn_place_best_fit = {
    .name = "best-fit",
    .summary = "the fitting box with the least CPU left after placing (tightest; bin packing)",
    .choose = choose,
    .after = NULL,
};
