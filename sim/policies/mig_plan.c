/*
 * mig_plan.c - a policy's working copy of the free capacities (mn__plan),
 * and the backend actions that keep it up to date. See policy_int.h.
 */
#include <string.h>

#include "core/alloc.h"
#include "policy_int.h"

int mn__plan_init(mn__plan *p, const mn_view *v, mn_err *err)
{
    memset(p, 0, sizeof *p);
    p->v = v;
    size_t nb = v->nboxes, nr = v->nradios;
    size_t size = nb * (4 * sizeof(double) + sizeof(uint32_t) + 2) + nr * sizeof(uint32_t);
    p->block = mn_calloc(1, size ? size : 1);
    if (!p->block)
        return MN_ERR(err, MN_ENOMEM, "no memory for a policy's plan of %zu boxes and %zu radios",
                      nb, nr);
    double *d = p->block;
    p->cpu = d;
    p->mem = d + nb;
    p->upl = d + 2 * nb;
    p->load = d + 3 * nb;
    uint32_t *u = (uint32_t *)(d + 4 * nb);
    p->hosted = u;
    p->nvaps = u + nb;
    p->powered = (uint8_t *)(u + nb + nr);
    p->mark = p->powered + nb;
    for (size_t b = 0; b < nb; b++) {
        const mn_view_box *B = &v->boxes[b];
        p->cpu[b] = B->cpu_free_hz;
        p->mem[b] = B->mem_free_bytes;
        p->upl[b] = B->uplink_free_bps;
        p->load[b] = B->load;
        p->hosted[b] = B->hosted;
        p->powered[b] = B->powered;
    }
    for (size_t r = 0; r < nr; r++)
        p->nvaps[r] = v->radios[r].nvaps;
    return MN_OK;
}

void mn__plan_fini(mn__plan *p)
{
    mn_free(p->block);
    memset(p, 0, sizeof *p);
}

static void book(mn__plan *p, uint32_t inst, uint32_t box, uint32_t radio, int sign)
{
    const mn_view_inst *I = &p->v->insts[inst];
    double s = sign;
    p->cpu[box] -= s * I->cpu_hz;
    p->mem[box] -= s * I->mem_bytes;
    p->upl[box] -= s * I->uplink_bps;
    p->load[box] += s * I->load;
    p->hosted[box] = (uint32_t)((int64_t)p->hosted[box] + sign);
    if (I->kind == MN_INST_VAP && radio < p->v->nradios)
        p->nvaps[radio] = (uint32_t)((int64_t)p->nvaps[radio] + sign);
}

void mn__plan_take(mn__plan *p, uint32_t inst, uint32_t box, uint32_t radio)
{
    book(p, inst, box, radio, 1);
}

void mn__plan_untake(mn__plan *p, uint32_t inst, uint32_t box, uint32_t radio)
{
    book(p, inst, box, radio, -1);
}

/* MN_OK, 1 for a refusal to skip, or a failure to return (err filled). */
static int outcome(int rc, const mn_err *e, mn_err *err)
{
    if (rc == MN_OK)
        return MN_OK;
    if (rc == MN_ERANGE || rc == MN_EINVAL)
        return 1;
    if (rc > 0) /* breaks the backend contract */
        return MN_ERR(err, MN_EBUG, "backend returned %d, neither MN_OK nor an MN_E* code", rc);
    if (e->code == MN_OK) /* the backend said nothing more */
        return MN_ERR(err, rc, "backend: %s", mn_strerror(rc));
    if (err)
        *err = *e;
    return rc;
}

int mn__migrate(const mn_backend *be, mn__plan *p, uint32_t inst, uint32_t box, uint32_t radio,
                mn_err *err)
{
    if (!be || !be->ops || !be->ops->migrate)
        return 1;
    mn_err e;
    mn_err_clear(&e);
    int rc = outcome(be->ops->migrate(be->ctx, inst, box, radio, &e), &e, err);
    if (rc == MN_OK) {
        /* the source keeps the instance (and its reservation) until the copy ends */
        mn__plan_take(p, inst, box, radio);
        p->powered[box] = 1;
    }
    return rc;
}

int mn__power(const mn_backend *be, mn__plan *p, uint32_t box, int on, mn_err *err)
{
    if (!be || !be->ops || !be->ops->power)
        return 1;
    mn_err e;
    mn_err_clear(&e);
    int rc = outcome(be->ops->power(be->ctx, box, on, &e), &e, err);
    if (rc == MN_OK && p)
        p->powered[box] = (uint8_t)(on != 0);
    return rc;
}
