/*
 * mig_threshold.c - "threshold": overload relief with hysteresis. Every
 * period, for each powered box whose load is above v->high (in box order),
 * its movable running instance with the highest load (ties: the lowest
 * instance number) moves to the fitting candidate box with the lowest load,
 * provided that load is below v->low (ties: a powered box before one that
 * is off, then candidate order). At most one migration per overloaded box
 * per period.
 *
 * The static-threshold rule of Beloglazov and Buyya (2012) and of
 * Sandpiper (Wood et al., NSDI 2007). Sending only to boxes under low, not
 * merely under high, is the hysteresis: a box between low and high takes
 * nothing, so an instance does not bounce back on the next period. A
 * destination's load grows by the moved instance's load within the period,
 * so two overloaded boxes do not both pick the same quiet box.
 */
#include "policy_int.h"

/* The movable running instance on box b with the highest load, or MN_NONE. */
static uint32_t heaviest(const mn_view *v, uint32_t b)
{
    uint32_t best = MN_NONE;
    for (size_t i = 0; i < v->ninsts; i++)
        if (mn__mig_subject(v, i) && v->insts[i].box == b &&
            (best == MN_NONE || v->insts[i].load > v->insts[best].load))
            best = (uint32_t)i;
    return best;
}

static int tick(const mn_view *v, const mn_backend *be, mn_err *err)
{
    mn__plan p;
    int rc = mn__plan_init(&p, v, err);
    if (rc != MN_OK)
        return rc;
    for (uint32_t b = 0; b < v->nboxes && rc == MN_OK; b++) {
        if (!v->boxes[b].powered || !(v->boxes[b].load > v->high))
            continue;
        uint32_t i = heaviest(v, b);
        if (i == MN_NONE)
            continue;
        const mn_view_inst *I = &v->insts[i];
        uint32_t dest = MN_NONE, dest_radio = MN_NONE, radio;
        size_t n = mn__ncand(v, I);
        for (size_t k = 0; k < n; k++) {
            uint32_t c = mn__cand(I, k);
            if (c == b || !mn__fits(v, &p, i, c, &radio) || !(p.load[c] < v->low))
                continue;
            if (dest == MN_NONE || p.load[c] < p.load[dest] ||
                (p.load[c] == p.load[dest] && p.powered[c] && !p.powered[dest])) {
                dest = c;
                dest_radio = radio;
            }
        }
        if (dest != MN_NONE) {
            rc = mn__migrate(be, &p, i, dest, dest_radio, err);
            if (rc > 0) /* refused: skip */
                rc = MN_OK;
        }
    }
    mn__plan_fini(&p);
    return rc;
}

const mn_mig_ops mn_mig_threshold = {
    .name = "threshold",
    .summary = "moves the busiest instance off boxes above high to the quietest box below low",
    .tick = tick,
};
