/*
 * mig_consolidate.c - "consolidation": keep as few boxes on as the load
 * needs. Every period, in this order:
 *   1. relief: for each powered box above v->high, its heaviest movable
 *      running instance that fits elsewhere moves, one per box: to a
 *      powered box already hosting something whose load stays <= v->high,
 *      else to a powered empty box, else to a box that is off (the backend
 *      switches it on); best-fit inside each class. Taking a busy box
 *      first matters: a fresh box would be drained again next period;
 *   2. draining: each powered, up box below v->low that hosts only movable
 *      running instances (pinned == 0, hosted > 0, nothing arriving or
 *      leaving) is emptied onto other powered boxes that already host
 *      something, best-fit, keeping each destination's load <= v->high
 *      (so relief does not send them back) - but only if ALL of them fit:
 *      the moves are planned on the working copy first, then made;
 *   3. switching off: every powered, up box with nothing on it or coming
 *      that is a candidate of some movable instance. A drained box still
 *      hosts its instances until their copies end (live migration is
 *      asynchronous), so it goes off in a later period.
 * Boxes are visited in index order; a box that receives instances in a
 * period is not drained in the same period.
 *
 * Dynamic consolidation with static thresholds after Beloglazov and Buyya
 * ("Optimal online deterministic algorithms and adaptive heuristics for
 * energy and performance efficient dynamic consolidation of virtual machines
 * in cloud data centers", CCPE 2012): underloaded hosts are emptied and
 * switched off, overloaded ones relieved.
 */
#include "core/alloc.h"
#include "policy_int.h"

enum { DRAINING = 1 };

/* Best-fit among the candidates of inst (but from) that pass ok(); MN_NONE if none. */
typedef int (*dest_ok)(const mn__plan *p, uint32_t inst, uint32_t box);

static uint32_t best_dest(const mn__plan *p, uint32_t inst, uint32_t from, dest_ok ok,
                          uint32_t *radio_out)
{
    const mn_view *v = p->v;
    const mn_view_inst *I = &v->insts[inst];
    uint32_t best = MN_NONE, radio;
    double best_cpu = 0, best_mem = 0;
    *radio_out = MN_NONE;
    size_t n = mn__ncand(v, I);
    for (size_t k = 0; k < n; k++) {
        uint32_t c = mn__cand(I, k);
        if (c == from || !mn__fits(v, p, inst, c, &radio) || !ok(p, inst, c))
            continue;
        double cpu, mem;
        mn__left(v, p, inst, c, &cpu, &mem);
        if (best == MN_NONE || mn__tighter(cpu, mem, best_cpu, best_mem)) {
            best = c;
            *radio_out = radio;
            best_cpu = cpu;
            best_mem = mem;
        }
    }
    return best;
}

static int fresh_on(const mn__plan *p, uint32_t inst, uint32_t c)
{
    (void)inst;
    return p->powered[c] && p->hosted[c] == 0 && p->mark[c] != DRAINING;
}

static int fresh_off(const mn__plan *p, uint32_t inst, uint32_t c)
{
    (void)inst;
    return !p->powered[c] && p->mark[c] != DRAINING;
}

static int loaded(const mn__plan *p, uint32_t inst, uint32_t c)
{
    return p->powered[c] && p->hosted[c] > 0 && p->mark[c] != DRAINING &&
           p->load[c] + p->v->insts[inst].load <= p->v->high;
}

/* 1. One instance off overloaded box b: onto a busy box with headroom, else a fresh one. */
static int relieve(mn__plan *p, const mn_backend *be, uint32_t b, mn_err *err)
{
    const mn_view *v = p->v;
    uint32_t inst = MN_NONE, dest = MN_NONE, dest_radio = MN_NONE;
    for (uint32_t i = 0; i < v->ninsts; i++) {
        if (!mn__mig_subject(v, i) || v->insts[i].box != b ||
            (inst != MN_NONE && !(v->insts[i].load > v->insts[inst].load)))
            continue;
        uint32_t radio, c = best_dest(p, i, b, loaded, &radio);
        if (c == MN_NONE)
            c = best_dest(p, i, b, fresh_on, &radio);
        if (c == MN_NONE)
            c = best_dest(p, i, b, fresh_off, &radio);
        if (c != MN_NONE) {
            inst = i;
            dest = c;
            dest_radio = radio;
        }
    }
    if (inst == MN_NONE)
        return MN_OK;
    int rc = mn__migrate(be, p, inst, dest, dest_radio, err);
    return rc > 0 ? MN_OK : rc;
}

/* 2. Every instance off underloaded box b, or none; moves: scratch of v->ninsts * 3. */
static int drain(mn__plan *p, const mn_backend *be, uint32_t b, uint32_t *moves, mn_err *err)
{
    const mn_view *v = p->v;
    const mn_view_box *B = &v->boxes[b];
    if (!B->powered || !B->up || !(B->load < v->low) || B->pinned != 0 || p->hosted[b] == 0)
        return MN_OK;
    size_t n = 0, on_b = 0;
    for (uint32_t i = 0; i < v->ninsts; i++) {
        if (v->insts[i].box != b && v->insts[i].dest != b)
            continue;
        on_b++;
        if (!mn__mig_subject(v, i) || v->insts[i].box != b)
            return MN_OK; /* arriving, leaving, paused or pinned: not now */
    }
    if (on_b != p->hosted[b]) /* something is coming that the plan booked */
        return MN_OK;
    int all = 1;
    p->mark[b] = DRAINING;
    for (uint32_t i = 0; i < v->ninsts && all; i++) {
        if (v->insts[i].box != b)
            continue;
        uint32_t radio, c = best_dest(p, i, b, loaded, &radio);
        if (c == MN_NONE) {
            all = 0;
            break;
        }
        mn__plan_take(p, i, c, radio);
        moves[3 * n] = i;
        moves[3 * n + 1] = c;
        moves[3 * n + 2] = radio;
        n++;
    }
    /* undo the tentative bookings; mn__migrate books the real ones */
    for (size_t k = n; k-- > 0;)
        mn__plan_untake(p, moves[3 * k], moves[3 * k + 1], moves[3 * k + 2]);
    if (!all) {
        p->mark[b] = 0;
        return MN_OK;
    }
    for (size_t k = 0; k < n; k++) {
        int rc = mn__migrate(be, p, moves[3 * k], moves[3 * k + 1], moves[3 * k + 2], err);
        if (rc < 0)
            return rc;
    }
    return MN_OK;
}

static int tick(const mn_view *v, const mn_backend *be, mn_err *err)
{
    mn__plan p;
    int rc = mn__plan_init(&p, v, err);
    if (rc != MN_OK)
        return rc;
    uint32_t *moves = mn_calloc(v->ninsts ? 3 * v->ninsts : 1, sizeof *moves);
    uint8_t *cand = mn_calloc(v->nboxes ? v->nboxes : 1, 1);
    if (!moves || !cand) {
        rc = MN_ERR(err, MN_ENOMEM, "no memory for consolidation over %zu instances", v->ninsts);
        goto out;
    }
    for (uint32_t b = 0; b < v->nboxes && rc == MN_OK; b++)
        if (v->boxes[b].powered && v->boxes[b].load > v->high)
            rc = relieve(&p, be, b, err);
    for (uint32_t b = 0; b < v->nboxes && rc == MN_OK; b++)
        rc = drain(&p, be, b, moves, err);
    mn__mark_candidates(v, cand);
    for (uint32_t b = 0; b < v->nboxes && rc == MN_OK; b++)
        if (cand[b] && p.powered[b] && v->boxes[b].up && p.hosted[b] == 0) {
            rc = mn__power(be, &p, b, 0, err);
            if (rc > 0)
                rc = MN_OK;
        }
out:
    mn_free(cand);
    mn_free(moves);
    mn__plan_fini(&p);
    return rc;
}

const mn_mig_ops mn_mig_consolidate = {
    .name = "consolidation",
    .summary =
        "empties boxes below low onto busy ones and switches them off; relieves boxes above high",
    .tick = tick,
};
