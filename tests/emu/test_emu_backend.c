/*
 * test_emu_backend.c - the emulation backend's mn_backend_ops on a real
 * build of tests/emu/data/emu-small.xml: migrate re-plumbs vAP vap1 and its
 * user from box1 to box2 (the veths move, the address stays, UDP from the
 * user reaches the server again), set_qos changes the vAP's htb class,
 * power refuses a box that hosts something and switches an empty one off,
 * remove deletes the instance's namespace, and destroy leaves nothing.
 * Needs root: exits 77 (SKIPPED) with the reason otherwise.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "emu/backend.h"
#include "emu/link.h"
#include "emu/netns.h"
#include "sim/models/net.h"

#include "emu_test.h"

int main(void)
{
    mn_err err;
    mn_err_clear(&err);
    mn_net *n;
    emu_test_start(MN_EMU_DATA "/emu-small.xml", &n);
    char P[MN_EMU_PREFIX_LEN + 1], ns[16], dev[16];
    mn_emu_prefix_new(P);
    mn_emu *e;
    int rc = mn_emu_create(n, P, &e, &err);
    if (rc == MN_OK)
        rc = mn_emu_build(e, NULL, &err);
    CHECK(rc == MN_OK, "build: %s", rc ? err.msg : "done");
    if (rc != MN_OK)
        goto out;
    const mn_backend *be = mn_emu_backend(e);
    CHECK(strcmp(be->ops->name, "emulation") == 0, "backend named %s", be->ops->name);
    CHECK(mn_emu_user_vap(e, 0) == 0, "user u1 associated with vap1");
    CHECK(user_to_server(e) == 5, "user reaches its server before migration");
    snprintf(ns, sizeof ns, "%sd0", P);
    snprintf(dev, sizeof dev, "%sp0", P);
    CHECK(link_in(ns, dev), "vap1's port %s in box1's dom0", dev);
    CHECK(be->ops->power(be->ctx, 0, 0, &err) != MN_OK, "power off box1 refused: %s", err.msg);

    rc = be->ops->migrate(be->ctx, 0, 1, MN_NONE, &err);
    CHECK(rc == MN_OK, "migrate vap1 to box2: %s", rc ? err.msg : "done");
    CHECK(mn_emu_inst_box(e, 0) == 1, "vap1 on box2");
    CHECK(!link_in(ns, dev), "port gone from box1's dom0");
    snprintf(ns, sizeof ns, "%sd1", P);
    CHECK(link_in(ns, dev), "port %s now in box2's dom0", dev);
    snprintf(dev, sizeof dev, "%sw0", P);
    CHECK(link_in(ns, dev), "user's port followed to box2's radio");
    CHECK(user_to_server(e) == 5, "user reaches its server after migration (address kept)");

    CHECK(be->ops->set_qos(be->ctx, 0, 0.5, &err) == MN_OK, "set_qos vap1 0.5");
    CHECK(be->ops->set_qos(be->ctx, 0, 1.5, &err) != MN_OK, "set_qos 1.5 refused");
    CHECK(be->ops->power(be->ctx, 0, 0, &err) == MN_OK, "power off the empty box1");
    CHECK(be->ops->power(be->ctx, 0, 1, &err) == MN_OK, "power box1 on again");
    CHECK(be->ops->tunnel(be->ctx, 0, 0, &err) != MN_OK, "tunnel without sites refused");
    CHECK(be->ops->associate(be->ctx, 0, MN_NONE, &err) == MN_OK, "disassociate u1");
    CHECK(be->ops->associate(be->ctx, 0, 0, &err) == MN_OK, "associate u1 again");
    rc = be->ops->remove(be->ctx, 0, &err);
    snprintf(ns, sizeof ns, "%si0", P);
    CHECK(rc == MN_OK && !mn_emu_netns_exists(ns), "remove vap1 deletes %s", ns);
    CHECK(mn_emu_user_vap(e, 0) == MN_NONE, "its user lost it");
    rc = be->ops->place(be->ctx, 0, 0, MN_NONE, &err);
    CHECK(rc == MN_OK && mn_emu_netns_exists(ns), "place vap1 on box1 again");
out:
    mn_emu_destroy(e, 0);
    snprintf(ns, sizeof ns, "%sd0", P);
    CHECK(!mn_emu_netns_exists(ns), "destroy removed the namespaces");
    mn_net_destroy(n);
    printf("%s: %d failure(s)\n", failures ? "FAILED" : "PASSED", failures);
    return failures ? 1 : 0;
}
