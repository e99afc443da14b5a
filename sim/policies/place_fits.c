/* place_fits.c - whether an instance fits on a box (mn_place_fits), and candidate lists. */
#include "policy_int.h"

/*
 * need <= free with a relative slack, so that a box filled by 0.1 + 0.2 GHz
 * of a 0.3 GHz budget still takes its last 0.1 GHz. A need <= 0 puts no
 * limit (an instance with no uplink reservation fits a box whose uplink is
 * full).
 */
static int enough(double free_amount, double need)
{
    return need <= 0 || free_amount >= need * (1 - MN__FIT_SLACK);
}

int mn__fits(const mn_view *v, const mn__plan *p, uint32_t inst, uint32_t box, uint32_t *radio_out)
{
    if (radio_out)
        *radio_out = MN_NONE;
    if (!v || inst >= v->ninsts || box >= v->nboxes)
        return 0;
    const mn_view_inst *I = &v->insts[inst];
    const mn_view_box *B = &v->boxes[box];
    if (!B->up)
        return 0;
    if (!enough(p ? p->cpu[box] : B->cpu_free_hz, I->cpu_hz) ||
        !enough(p ? p->mem[box] : B->mem_free_bytes, I->mem_bytes) ||
        !enough(p ? p->upl[box] : B->uplink_free_bps, I->uplink_bps))
        return 0;
    if (I->kind != MN_INST_VAP)
        return 1;
    uint32_t best = MN_NONE, best_n = 0;
    for (uint32_t r = B->radio_first; r < B->radio_first + B->nradios && r < v->nradios; r++) {
        const mn_view_radio *R = &v->radios[r];
        uint32_t n = p ? p->nvaps[r] : R->nvaps;
        if (!R->up || n >= R->max_vaps)
            continue;
        if (best == MN_NONE || n < best_n) {
            best = r;
            best_n = n;
        }
    }
    if (best == MN_NONE)
        return 0;
    if (radio_out)
        *radio_out = best;
    return 1;
}

int mn_place_fits(const mn_view *v, uint32_t inst, uint32_t box, uint32_t *radio_out)
{
    return mn__fits(v, NULL, inst, box, radio_out);
}

void mn__left(const mn_view *v, const mn__plan *p, uint32_t inst, uint32_t box, double *cpu_left,
              double *mem_left)
{
    const mn_view_inst *I = &v->insts[inst];
    const mn_view_box *B = &v->boxes[box];
    *cpu_left = (p ? p->cpu[box] : B->cpu_free_hz) - I->cpu_hz;
    *mem_left = (p ? p->mem[box] : B->mem_free_bytes) - I->mem_bytes;
}

void mn__mark_candidates(const mn_view *v, uint8_t *mark)
{
    for (size_t i = 0; i < v->ninsts; i++) {
        const mn_view_inst *I = &v->insts[i];
        if (!I->movable)
            continue;
        size_t n = mn__ncand(v, I);
        for (size_t k = 0; k < n; k++) {
            uint32_t b = mn__cand(I, k);
            if (b < v->nboxes)
                mark[b] = 1;
        }
    }
}

uint32_t mn__fit_by_room(const mn_view *v, uint32_t inst, int tightest, uint32_t *radio_out)
{
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
            int better = tightest ? mn__tighter(cpu, mem, best_cpu, best_mem)
                                  : mn__tighter(best_cpu, best_mem, cpu, mem); /* the mirror */
            if (best == MN_NONE || better) {
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
