/* agent.c - a box's autonomic agent: the reference paper's seven steps; see agent.h. */
#include "agent.h"

#include <math.h>
#include <stdio.h>

static void step(mn_agent_trace_fn trace, void *ctx, uint32_t box, const char *name, uint32_t u,
                 uint32_t inst, const char *detail)
{
    if (trace)
        trace(ctx, box, name, u, inst, detail);
}

static int candidate(const mn_view_inst *I, uint32_t box)
{
    for (size_t k = 0; k < I->ncand; k++)
        if (I->cand[k] == box)
            return 1;
    return 0;
}

static const char *site_id(const mn_view *v, uint32_t s)
{
    return v->site_ids && s < v->nsites ? v->site_ids[s] : "?";
}

int mn_agent_serve(const mn_view *v, const mn_backend *be, uint32_t u, mn_agent_trace_fn trace,
                   void *ctx, mn_err *err)
{
    if (u >= v->nusers || !v->user_pos)
        return 0;
    const mn_view_user *U = &v->users[u];
    mn_pos p = v->user_pos(v->ctx, u);
    /* the nearest up box with a radio whose range reaches the user: its agent hears it */
    uint32_t box = MN_NONE;
    double best = INFINITY;
    for (uint32_t b = 0; b < v->nboxes; b++) {
        const mn_view_box *B = &v->boxes[b];
        if (!B->up || B->nradios == 0)
            continue;
        double d = mn_pos_dist(p, B->pos);
        if (d < best && d <= v->radios[B->radio_first].range_m) {
            best = d;
            box = b;
        }
    }
    if (box == MN_NONE)
        return 0;
    const mn_view_box *B = &v->boxes[box];
    char detail[320];
    snprintf(detail, sizeof detail, "uplink %.0f Mbps%s", B->uplink_bps / 1e6, B->up ? " up" : " down");
    step(trace, ctx, box, "1-sense-access", u, MN_NONE, detail);
    step(trace, ctx, box, "2-identify-provider", u, MN_NONE, "from the user's traffic");
    step(trace, ctx, box, "3-contact-operator", u, MN_NONE, "over the local connection");
    /* the operator's recommendation: one of its on-demand vAPs that may go here */
    uint32_t inst = MN_NONE;
    for (uint32_t j = 0; j < v->nvaps && inst == MN_NONE; j++) {
        const mn_view_inst *I = &v->insts[j];
        if (I->on_demand && I->state == MN_INST_UNPLACED && I->op == U->op && (I->stacks & U->stacks) &&
            candidate(I, box))
            inst = j;
    }
    if (inst == MN_NONE) {
        step(trace, ctx, box, "4-recommendation", u, MN_NONE, "none: no on-demand vAP for this box");
        return 0;
    }
    const mn_view_inst *I = &v->insts[inst];
    snprintf(detail, sizeof detail, "vAP %s: %.0f MHz %.0f MiB", I->id, I->cpu_hz / 1e6,
             I->mem_bytes / 1048576);
    step(trace, ctx, box, "4-recommendation", u, inst, detail);
    if (I->tunnel_site != MN_NONE && B->site != MN_NONE && B->site != I->tunnel_site) {
        mn_err terr = {0};
        int rc = be->ops->tunnel(be->ctx, B->site, I->tunnel_site, &terr);
        if (rc != MN_OK && rc != MN_ERANGE && rc != MN_EINVAL) {
            *err = terr;
            return rc;
        }
        snprintf(detail, sizeof detail, "VXLAN %s -> %s%s", site_id(v, B->site), site_id(v, I->tunnel_site),
                 rc == MN_OK ? "" : ": refused");
        step(trace, ctx, box, "5-tunnel", u, inst, detail);
    } else {
        step(trace, ctx, box, "5-tunnel", u, inst, "none needed: native access");
    }
    uint32_t radio;
    mn_err perr = {0};
    int rc = mn_place_fits(v, inst, box, &radio) ? be->ops->place(be->ctx, inst, box, radio, &perr)
                                                 : MN_ERANGE;
    if (rc != MN_OK) {
        snprintf(detail, sizeof detail, "refused: %s", perr.code ? perr.msg : "no room on this box");
        step(trace, ctx, box, "6-instantiate", u, inst, detail);
        if (rc == MN_ERANGE || rc == MN_EINVAL)
            return 0;
        *err = perr;
        return rc;
    }
    snprintf(detail, sizeof detail, "on radio %s", v->radios[radio].id ? v->radios[radio].id : "?");
    step(trace, ctx, box, "6-instantiate", u, inst, detail);
    /* what is left, offered to other providers (the view follows the backend's books) */
    uint32_t slots = 0;
    for (uint32_t k = 0; k < B->nradios; k++)
        slots += v->radios[B->radio_first + k].max_vaps - v->radios[B->radio_first + k].nvaps;
    snprintf(detail, sizeof detail, "%.0f MHz, %.0f MiB, %u vAP slots left for other providers",
             B->cpu_free_hz / 1e6, B->mem_free_bytes / 1048576, slots);
    step(trace, ctx, box, "7-offer-resources", u, inst, detail);
    return 1;
}
