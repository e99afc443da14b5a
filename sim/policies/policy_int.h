/*
 * policy_int.h - helpers shared by the policies of sim/policies (private:
 * nothing outside this folder includes it).
 *
 * Owns:      an mn__plan owns its arrays (mn__plan_init allocates them in
 *            one block, mn__plan_fini frees it).
 * Borrows:   the view a plan was made from; it must outlive the plan.
 * Invariant: a plan starts as a copy of the view's free capacities and is
 *            changed only by the actions the policy itself takes during one
 *            call, so a policy never over-commits a box whether or not the
 *            backend refreshes the view while it acts (the simulator may
 *            not; the tests' fake backend does).
 */
#ifndef MN_POLICY_INT_H
#define MN_POLICY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* Relative slack of every capacity comparison: a need fits when need <= free + 1e-9 need. */
#define MN__FIT_SLACK 1e-9

/* An instance's candidate boxes: its list, or every box when the list is empty. */
static inline size_t mn__ncand(const mn_view *v, const mn_view_inst *I)
{
    return I->ncand ? I->ncand : v->nboxes;
}
static inline uint32_t mn__cand(const mn_view_inst *I, size_t k)
{
    return I->ncand ? I->cand[k] : (uint32_t)k;
}

/*
 * What a policy has left to work with during one call: per box its free
 * CPU, memory and uplink, its load, hosted count and power state; per radio
 * its vAP count; plus one scratch byte per box for the policy.
 */
typedef struct mn__plan {
    const mn_view *v;               /* borrowed */
    double *cpu, *mem, *upl, *load; /* nboxes each */
    uint32_t *hosted;               /* nboxes */
    uint32_t *nvaps;                /* nradios */
    uint8_t *powered, *mark;        /* nboxes */
    void *block;                    /* owned: every array above */
} mn__plan;

/*
 * Whether inst fits on box, from the plan's numbers (p non-NULL) or the
 * view's (p NULL): the rule of mn_place_fits. *radio_out (may be NULL): for
 * a vAP the up radio of the box with a free slot and the fewest vAPs (ties:
 * lowest index), for a VM MN_NONE.
 */
int mn__fits(const mn_view *v, const mn__plan *p, uint32_t inst, uint32_t box, uint32_t *radio_out);

/* CPU and memory box would have left after taking inst (plan or view as for mn__fits). */
void mn__left(const mn_view *v, const mn__plan *p, uint32_t inst, uint32_t box, double *cpu_left,
              double *mem_left);

/*
 * Best fit: whether (cpu_a, mem_a) left is strictly tighter than (cpu_b,
 * mem_b): less CPU left, then less memory left. Equal: 0 (the caller keeps
 * the earlier candidate).
 */
static inline int mn__tighter(double cpu_a, double mem_a, double cpu_b, double mem_b)
{
    return cpu_a < cpu_b || (cpu_a == cpu_b && mem_a < mem_b);
}

/*
 * Best fit (tightest = 1: the fitting candidate with the least CPU left
 * after placing, then the least memory) or worst fit (0: the most of
 * both); ties to the earlier candidate. MN_NONE when none fits.
 */
uint32_t mn__fit_by_room(const mn_view *v, uint32_t inst, int tightest, uint32_t *radio_out);

/*
 * Marks (mark[b] = 1) every box that is a candidate of some movable
 * instance; a movable instance with no list makes every box one. mark has
 * v->nboxes bytes, zeroed by the caller.
 */
void mn__mark_candidates(const mn_view *v, uint8_t *mark);

/* A copy of the view's numbers; MN_ENOMEM (err set) if it cannot be made. */
int mn__plan_init(mn__plan *p, const mn_view *v, mn_err *err);
void mn__plan_fini(mn__plan *p);
/* Books inst on box (and radio, for a vAP) in the plan: its needs, its load, one more hosted. */
void mn__plan_take(mn__plan *p, uint32_t inst, uint32_t box, uint32_t radio);
/* Undoes mn__plan_take with the same arguments. */
void mn__plan_untake(mn__plan *p, uint32_t inst, uint32_t box, uint32_t radio);

/*
 * Actions through the backend. Each returns MN_OK when done, 1 when the
 * backend refused (MN_ERANGE or MN_EINVAL: the policy skips the action and
 * goes on; err is left untouched), or the backend's negative code with err
 * filled for anything else (MN_ENOMEM, MN_EBUG, an emulation failure), which
 * the policy returns. mn__migrate books a done migration in the plan.
 */
int mn__migrate(const mn_backend *be, mn__plan *p, uint32_t inst, uint32_t box, uint32_t radio,
                mn_err *err);
int mn__power(const mn_backend *be, mn__plan *p, uint32_t box, int on, mn_err *err);

/* Whether instance i is one a migration policy may act on: movable and running on a box. */
static inline int mn__mig_subject(const mn_view *v, size_t i)
{
    const mn_view_inst *I = &v->insts[i];
    return I->movable && I->state == MN_INST_RUNNING && I->box < v->nboxes;
}

#endif /* MN_POLICY_INT_H */
