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
    uint32_t best = MN_NONE, best_radio = MN_NONE, radio;
    double best_cpu = 0, best_mem = 0;
    if (v && inst < v->ninsts) {
        const mn_view_inst *I = &v->insts[inst];
        size_t n = mn__ncand(v, I);
        for (size_t k = 0; k < n; k++) {
            uint32_t b = mn__cand(I, k);
            if (!mn_place_fits(v, inst, b, &radio))
                continue;
            double cpu, mem;
            mn__left(v, NULL, inst, b, &cpu, &mem);
            /* looser: the mirror of best-fit's order */
            if (best == MN_NONE || mn__tighter(best_cpu, best_mem, cpu, mem)) {
                best = b;
                best_radio = radio;
                best_cpu = cpu;
                best_mem = mem;
            }
        }
    }
    if (radio_out)
        *radio_out = best_radio;
    return best;
}

const mn_place_ops mn_place_worst_fit = {
    .name = "worst-fit",
    .summary = "the fitting box with the most CPU left after placing (spreads the load)",
    .choose = choose,
    .after = NULL,
};
