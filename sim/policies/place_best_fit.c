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
            if (best == MN_NONE || mn__tighter(cpu, mem, best_cpu, best_mem)) {
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

const mn_place_ops mn_place_best_fit = {
    .name = "best-fit",
    .summary = "the fitting box with the least CPU left after placing (tightest; bin packing)",
    .choose = choose,
    .after = NULL,
};
