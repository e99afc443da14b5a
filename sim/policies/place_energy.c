/*
 * place_energy.c - "energy": energy-aware consolidation, as few powered
 * boxes as possible. Among the fitting candidates prefer, in this order,
 *   1. a powered box that already hosts something,
 *   2. a powered empty box,
 *   3. a box that is off (placing switches it on),
 * best-fit inside a class (least CPU left, then least memory, then
 * candidate order). After the initial placement, every powered, up, empty
 * box that is a candidate of some movable instance is switched off; boxes
 * no movable instance may use are left as the scenario has them.
 *
 * Power-aware packing in the spirit of Beloglazov and Buyya (2012): an idle
 * box still draws power_idle_w, often half its peak, so packing onto boxes
 * already on and switching the rest off saves most.
 */
#include "core/alloc.h"
#include "policy_int.h"

static int tier(const mn_view_box *B)
{
    return B->powered ? (B->hosted > 0 ? 0 : 1) : 2;
}

static uint32_t choose(const mn_view *v, uint32_t inst, mn_rng *rng, uint32_t *radio_out)
{
    (void)rng;
    uint32_t best = MN_NONE, best_radio = MN_NONE, radio;
    double best_cpu = 0, best_mem = 0;
    int best_tier = 3;
    if (v && inst < v->ninsts) {
        const mn_view_inst *I = &v->insts[inst];
        size_t n = mn__ncand(v, I);
        for (size_t k = 0; k < n; k++) {
            uint32_t b = mn__cand(I, k);
            if (!mn_place_fits(v, inst, b, &radio))
                continue;
            int t = tier(&v->boxes[b]);
            double cpu, mem;
            mn__left(v, NULL, inst, b, &cpu, &mem);
            if (t < best_tier || (t == best_tier && mn__tighter(cpu, mem, best_cpu, best_mem))) {
                best = b;
                best_radio = radio;
                best_cpu = cpu;
                best_mem = mem;
                best_tier = t;
            }
        }
    }
    if (radio_out)
        *radio_out = best_radio;
    return best;
}

static int after(const mn_view *v, const mn_backend *be, mn_err *err)
{
    if (v->nboxes == 0)
        return MN_OK;
    uint8_t *mark = mn_calloc(v->nboxes, 1);
    if (!mark)
        return MN_ERR(err, MN_ENOMEM, "no memory to mark the candidate boxes of %zu", v->nboxes);
    mn__mark_candidates(v, mark);
    int rc = MN_OK;
    for (size_t b = 0; b < v->nboxes && rc == MN_OK; b++) {
        const mn_view_box *B = &v->boxes[b];
        if (mark[b] && B->powered && B->up && B->hosted == 0) {
            rc = mn__power(be, NULL, (uint32_t)b, 0, err);
            if (rc > 0) /* refused: leave it on */
                rc = MN_OK;
        }
    }
    mn_free(mark);
    return rc;
}

const mn_place_ops mn_place_energy = {
    .name = "energy",
    .summary = "packs onto boxes already on (best-fit), then switches empty candidate boxes off",
    .choose = choose,
    .after = after,
};
