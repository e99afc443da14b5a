/* faults.c - the scenario's faults on the real-time clock; see faults.h. */
#include "faults.h"

#include <ev.h>
#include <string.h>
#include <time.h>

#include "sim/core/alloc.h"
#include "sim/models/fault.h"

struct mn_emu_faults {
    mn_emu *e;
    const mn_net *n;
    mn_emu_pol *pol;
    double scale;
    mn_fault_ev *tl; /* owned: the timeline */
    size_t ntl, next;
    uint8_t *held[4]; /* per kind, per target: faults holding it down */
    mn_emu_outage *out;
    size_t nout, out_cap;
    struct ev_loop *loop;
    ev_timer timer;
    double start; /* ev_time() at scenario time 0 */
    int status;
    mn_err status_err;
};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int mn_emu_faults_create(mn_emu *e, const mn_net *n, mn_emu_pol *pol, uint64_t seed,
                         double time_scale, double horizon_s, mn_emu_faults **out, mn_err *err)
{
    const mn_world *w = &n->world;
    mn_emu_faults *f = mn_calloc(1, sizeof *f);
    if (!f)
        return MN_ERR(err, MN_ENOMEM, "out of memory for the faults");
    f->e = e;
    f->n = n;
    f->pol = pol;
    f->scale = time_scale > 0 ? time_scale : 1;
    size_t cnt[4] = {w->nboxes, w->nradios, n->nlinks, w->nvms};
    for (int k = 0; k < 4; k++)
        if (!(f->held[k] = mn_calloc(cnt[k] + 1, 1))) {
            mn_emu_faults_destroy(f);
            return MN_ERR(err, MN_ENOMEM, "out of memory for the faults");
        }
    int rc = mn_fault_timeline(w, seed, mn_time_from_sec(horizon_s), &f->tl, &f->ntl, err);
    if (rc != MN_OK) {
        mn_emu_faults_destroy(f);
        return rc;
    }
    *out = f;
    return MN_OK;
}

size_t mn_emu_faults_events(const mn_emu_faults *f)
{
    return f->ntl;
}

/* The outage of (fault, target) still open, or NULL. */
static mn_emu_outage *open_outage(mn_emu_faults *f, uint32_t fault, uint32_t target)
{
    for (size_t k = f->nout; k-- > 0;)
        if (f->out[k].fault == fault && f->out[k].target == target && f->out[k].up_s < 0)
            return &f->out[k];
    return NULL;
}

/* Applies timeline event ev: the backend when the target changes, then the policies. */
static int apply(mn_emu_faults *f, const mn_fault_ev *ev, mn_err *err)
{
    const mn_fault *F = &f->n->world.faults[ev->fault];
    int kind = (int)F->kind;
    uint8_t *h = &f->held[kind][ev->target];
    double t_s = mn_time_to_sec(ev->t), late = ev_time() - (f->start + t_s / f->scale);
    mn_emu_outage *o = NULL;
    if (ev->down) {
        if (*h == UINT8_MAX)
            return MN_ERR(err, MN_ERANGE, "fault %s: more than 255 faults hold one target", F->id);
        if (mn_array_reserve((void **)&f->out, &f->out_cap, f->nout + 1, sizeof *f->out) != MN_OK)
            return MN_ERR(err, MN_ENOMEM, "out of memory for the faults");
        o = &f->out[f->nout++];
        *o = (mn_emu_outage){ev->fault, ev->target, kind, t_s, -1, 0, 0, late, MN_OK};
    } else {
        o = open_outage(f, ev->fault, ev->target);
        if (!o || *h == 0)
            return MN_OK; /* cannot happen: the timeline repairs only what it failed */
        o->up_s = t_s;
        if (late > o->late_s)
            o->late_s = late;
    }
    int changed = ev->down ? (*h)++ == 0 : --(*h) == 0;
    mn_err berr = {0};
    int rc = MN_OK;
    if (changed && kind != MN_FAULT_VM)
        rc = mn_emu_fault(f->e, kind, ev->target, !ev->down, &berr);
    else if (changed)
        rc = MN_ERR(&berr, MN_EINVAL, "a VM's failure is not emulated");
    if (ev->down)
        o->down_wall = wall_now();
    else
        o->up_wall = wall_now();
    if (rc != MN_OK && kind != MN_FAULT_VM) {
        *err = berr; /* the kernel refused: the emulation is no longer the scenario's */
        return rc;
    }
    if (rc != MN_OK)
        o->rc = rc;
    mn_emu_pol_fault_ev pe = {ev->t, kind,    ev->target, F->id, ev->down, (uint8_t)changed,
                              rc,    berr.msg};
    return mn_emu_pol_fault(f->pol, &pe, err);
}

static void arm(mn_emu_faults *f);

static void on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    mn_emu_faults *f = t->data;
    /* every event due by now, in the timeline's order */
    while (f->next < f->ntl &&
           f->start + mn_time_to_sec(f->tl[f->next].t) / f->scale <= ev_time() + 1e-4) {
        mn_err err = {0};
        int rc = apply(f, &f->tl[f->next++], &err);
        if (rc != MN_OK) {
            f->status = rc;
            f->status_err = err;
            mn_emu_faults_stop(f);
            return;
        }
    }
    arm(f);
}

static void arm(mn_emu_faults *f)
{
    if (!f->loop || f->next >= f->ntl)
        return;
    ev_now_update(f->loop); /* the timer's delay counts from the loop's now */
    double at = f->start + mn_time_to_sec(f->tl[f->next].t) / f->scale;
    double in = at - ev_now(f->loop);
    ev_timer_set(&f->timer, in > 0 ? in : 0, 0);
    ev_timer_start(f->loop, &f->timer);
}

void mn_emu_faults_start(mn_emu_faults *f, struct ev_loop *loop)
{
    f->loop = loop;
    f->start = ev_time();
    ev_timer_init(&f->timer, on_timer, 0, 0);
    f->timer.data = f;
    arm(f);
}

void mn_emu_faults_stop(mn_emu_faults *f)
{
    if (f && f->loop) {
        ev_timer_stop(f->loop, &f->timer);
        f->loop = NULL;
    }
}

int mn_emu_faults_status(const mn_emu_faults *f, mn_err *err)
{
    if (f->status != MN_OK && err)
        *err = f->status_err;
    return f->status;
}

size_t mn_emu_faults_noutages(const mn_emu_faults *f)
{
    return f->nout;
}

const mn_emu_outage *mn_emu_faults_outage(const mn_emu_faults *f, size_t k)
{
    return k < f->nout ? &f->out[k] : NULL;
}

void mn_emu_faults_destroy(mn_emu_faults *f)
{
    if (!f)
        return;
    mn_emu_faults_stop(f);
    for (int k = 0; k < 4; k++)
        mn_free(f->held[k]);
    mn_free(f->tl);
    mn_free(f->out);
    mn_free(f);
}
