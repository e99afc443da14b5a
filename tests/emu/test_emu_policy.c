/*
 * test_emu_policy.c - the scenario's policies on the real-time clock over a
 * real build of tests/emu/data/emu-follow.xml: "nearest" places the
 * movable vAP on box1 where its user is (its first candidate is box2), the
 * view's books show its reservation, the checking backend refuses what is
 * out of scope, and once the user is moved by hand next to box2 the
 * follow-the-user tick on the libev timer migrates it: the vAP's port and
 * the user's move to box2's dom0 (the vAP's veth on box2's bridge) and UDP
 * from the user reaches its server again. Needs root: exits 77 (SKIPPED)
 * with the reason otherwise.
 */
#include <arpa/inet.h>
#include <ev.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "emu/backend.h"
#include "emu/link.h"
#include "emu/netns.h"
#include "emu/policy.h"
#include "sim/models/net.h"

#include "emu_test.h"

struct mover {
    mn_emu_pol *pol;
    double box2_x;
};

static void on_move(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    struct mover *m = t->data;
    mn_emu_pol_set_user_pos(m->pol, 0, (mn_pos){m->box2_x, 3});
}

static void on_watch(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    struct mover *m = t->data;
    if (mn_emu_pol_nmigs(m->pol) > 0 || mn_emu_pol_status(m->pol, NULL) != MN_OK)
        ev_break(loop, EVBREAK_ALL);
}

static void on_timeout(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)t;
    (void)revents;
    ev_break(loop, EVBREAK_ALL);
}

int main(void)
{
    mn_err err;
    mn_err_clear(&err);
    mn_net *n;
    emu_test_start(MN_EMU_DATA "/emu-follow.xml", &n);
    const mn_world *w = &n->world;
    char P[MN_EMU_PREFIX_LEN + 1], ns[16], dev[16];
    mn_emu_prefix_new(P);
    mn_emu *e = NULL;
    mn_emu_pol *pol = NULL;
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    mn_emu_pol_opts o = {4, {NULL, NULL, NULL}, 1}; /* 1 s period -> a tick every 0.25 s */
    int rc = mn_emu_create(n, P, &e, &err);
    if (rc == MN_OK) {
        mn_emu_defer_movable(e);
        rc = mn_emu_build(e, NULL, &err);
    }
    CHECK(rc == MN_OK, "build: %s", rc ? err.msg : "done");
    if (rc != MN_OK)
        goto out;
    CHECK(mn_emu_inst_box(e, 0) == MN_NONE, "movable vap1 left for the placement policy");
    rc = mn_emu_pol_create(e, n, &o, &pol, &err);
    CHECK(rc == MN_OK, "policies: %s", rc ? err.msg : "created");
    if (rc != MN_OK)
        goto out;
    CHECK(mn_emu_pol_active(pol), "follow-the-user has work: the timer is needed");
    rc = mn_emu_pol_place(pol, &err);
    CHECK(rc == MN_OK, "placement: %s", rc ? err.msg : "done");
    CHECK(w->vaps[0].cand[0] == 1 && mn_emu_inst_box(e, 0) == 0,
          "nearest put vap1 on box1 (near u1), not on its first candidate box2");
    CHECK(mn_emu_user_vap(e, 0) == 0, "u1 associated with vap1 after placement");
    const mn_view *v = mn_emu_pol_view(pol);
    double free1 = w->boxes[0].cpu_hz - w->boxes[0].dom0_cpu_hz;
    CHECK(v->insts[0].state == MN_INST_RUNNING && v->insts[0].box == 0 &&
              v->boxes[0].cpu_free_hz < free1 - 99e6 && v->boxes[0].hosted == 1,
          "view: vap1 running on box1, its 100 MHz booked (%.0f MHz free)",
          v->boxes[0].cpu_free_hz / 1e6);
    CHECK(v->user_phy(v->ctx, 0, 0) > 0 && v->user_phy(v->ctx, 0, 1) == 0,
          "view: u1 in range of r1 (%.0f Mbit/s), not of r2", v->user_phy(v->ctx, 0, 0) / 1e6);
    snprintf(ns, sizeof ns, "%sd0", P);
    snprintf(dev, sizeof dev, "%sp0", P);
    CHECK(link_in(ns, dev), "vap1's port %s on box1's bridge", dev);
    CHECK(user_to_server(e) == 5, "user reaches its server before migration");
    const mn_backend *be = mn_emu_pol_backend(pol);
    CHECK(be->ops->migrate(be->ctx, 0, 0, MN_NONE, &err) == MN_EINVAL,
          "checking backend refuses a move to where it is: %s", err.msg);
    CHECK(be->ops->power(be->ctx, 0, 0, &err) == MN_EINVAL, "and powering off a busy box: %s",
          err.msg);

    mn_emu_pol_start(pol, loop);
    CHECK(mn_emu_pol_period_wall(pol) == 0.25, "period 1 s at time scale 4: %.2f s wall",
          mn_emu_pol_period_wall(pol));
    struct mover m = {pol, w->boxes[1].pos.x};
    ev_timer move, watch, timeout;
    ev_timer_init(&move, on_move, 0.6, 0);
    ev_timer_init(&watch, on_watch, 0.05, 0.05);
    ev_timer_init(&timeout, on_timeout, 5, 0);
    move.data = watch.data = &m;
    ev_timer_start(loop, &move);
    ev_timer_start(loop, &watch);
    ev_timer_start(loop, &timeout);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ev_run(loop, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    mn_emu_pol_stop(pol);
    ev_timer_stop(loop, &move);
    ev_timer_stop(loop, &watch);
    ev_timer_stop(loop, &timeout);
    unsigned ticks;
    mn_emu_pol_counts(pol, &ticks, NULL, NULL);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(mn_emu_pol_status(pol, &err) == MN_OK, "ticks ran without error (%u ticks)", ticks);
    CHECK(mn_emu_pol_nmigs(pol) == 1, "one migration after u1 moved (%.2f s wall)", took);
    const mn_emu_mig *mg = mn_emu_pol_mig(pol, 0);
    if (mg)
        CHECK(mg->inst == 0 && mg->from == 0 && mg->to == 1 && mg->rc == MN_OK && mg->t_s >= 1,
              "vap1 box1 -> box2 at scenario time %.0f s, re-plumbed in %.3f s", mg->t_s,
              mg->wall_end - mg->wall_start);
    CHECK(mn_emu_inst_box(e, 0) == 1, "vap1 on box2");
    CHECK(!link_in(ns, dev), "its port gone from box1's dom0");
    snprintf(ns, sizeof ns, "%sd1", P);
    CHECK(link_in(ns, dev), "its port %s on box2's bridge", dev);
    snprintf(dev, sizeof dev, "%sw0", P);
    CHECK(link_in(ns, dev), "u1's port followed to box2's radio");
    CHECK(user_to_server(e) == 5, "traffic resumes: user reaches its server after migration");
    v = mn_emu_pol_view(pol);
    CHECK(v->boxes[0].cpu_free_hz == free1 && v->boxes[0].hosted == 0 && v->boxes[1].hosted == 1,
          "books: box1 free again, box2 hosts vap1");
    CHECK(v->boxes[0].load >= 0 && v->boxes[0].load <= 1, "box1 load from its counters: %.4f",
          v->boxes[0].load);
out:
    mn_emu_pol_destroy(pol);
    mn_emu_destroy(e, 0);
    ev_loop_destroy(loop);
    snprintf(ns, sizeof ns, "%sd0", P);
    CHECK(!mn_emu_netns_exists(ns), "destroy removed the namespaces");
    mn_net_destroy(n);
    printf("%s: %d failure(s)\n", failures ? "FAILED" : "PASSED", failures);
    return failures ? 1 : 0;
}
