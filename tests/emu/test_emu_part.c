/*
 * test_emu_part.c - the part of a world `mnetsim emu --part` emulates
 * (emu/part.c), as pure sub-world construction: no root, no namespace.
 *
 * Hand-computed answers on tests/emu/data/emu-part.xml (1018 namespaces:
 * 303 boxes, 304 vAPs, 1 VM, 403 users, 6 nodes + the Internet):
 *   box=b1,b2 keeps boxes b1 b2, radios r1 r2, vAPs v1 v2 and the movable mv
 *   (candidates "b3 b2" cut to b2), no VM, users u1 u2 (at home 3 m from
 *   their box) and u3 (mv follows it), services tv and video (voice ends at
 *   pbx on b3: taken off u1 and reported), sites S1 S2 and their tunnel,
 *   nodes n1 n2 core cdn (n1-core-n2 between the boxes, core-cdn to video's
 *   server), links l1 l2 l4, fault f-b1b3 with target b1 only:
 *   2 + 3 + 0 + 3 + 4 + 1 = 13 namespaces.
 *   site=S1 keeps b1, v1, u1 and nodes n1 core cdn; no tunnel.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emu/backend.h"
#include "emu/part.h"
#include "sim/core/alloc.h"
#include "sim/models/wrun.h"
#include "unit.h"

#define SCN MN_EMU_DATA "/emu-part.xml"

static mn_net *load(void)
{
    mn_net *n = NULL;
    mn_err err = {0};
    const char *sets[] = {"//scenario/@duration=20s"};
    CU_ASSERT_EQUAL_FATAL(mn_net_load(SCN, sets, 1, NULL, &n, &err), MN_OK);
    return n;
}

/* The part's index of a world id of kind k, or -1 when the part has no such id. */
static long part_id(const mn_net *s, int kind, const char *id)
{
    uint32_t v;
    if (!mn_strmap_get(&s->world.ids, id, &v) || (int)(v >> 28) != kind)
        return -1;
    return (long)(v & ((1u << 28) - 1));
}

static int make(const mn_net *n, const char *const *args, size_t nargs, mn_net **s, mn_emu_part **p,
                mn_err *err)
{
    mn_emu_part_spec spec;
    mn_emu_part_spec_init(&spec);
    int rc = MN_OK;
    for (size_t i = 0; i < nargs && rc == MN_OK; i++)
        rc = mn_emu_part_spec_add(&spec, args[i], err);
    if (rc == MN_OK)
        rc = mn_emu_part_create(n, &spec, s, p, err);
    mn_emu_part_spec_fini(&spec);
    return rc;
}

static void test_part_of_two_boxes_keeps_them_and_what_they_need(void)
{
    mn_net *n = load(), *s = NULL;
    mn_emu_part *p = NULL;
    mn_err err = {0};
    CU_ASSERT_EQUAL(mn_emu_namespaces_needed(n), 1018);
    const char *args[] = {"box=b1", "box=b2"};
    CU_ASSERT_EQUAL_FATAL(make(n, args, 2, &s, &p, &err), MN_OK);
    const mn_world *w = &s->world;
    CU_ASSERT_STRING_EQUAL(p->spec, "box=b1 box=b2");
    CU_ASSERT_EQUAL(w->nboxes, 2);
    CU_ASSERT_EQUAL(w->nradios, 2);
    CU_ASSERT_EQUAL(w->nvaps, 3);
    CU_ASSERT_EQUAL(w->nvms, 0);
    CU_ASSERT_EQUAL(w->nusers, 3);
    CU_ASSERT_EQUAL(s->nnodes, 4);
    CU_ASSERT_EQUAL(s->nlinks, 3);
    CU_ASSERT_EQUAL(w->nsites, 2);
    CU_ASSERT_EQUAL(w->ntunnels, 1);
    CU_ASSERT_EQUAL(w->nservices, 2);
    CU_ASSERT_EQUAL(w->nfaults, 1);
    CU_ASSERT_EQUAL(mn_emu_namespaces_needed(s), 13);
    CU_ASSERT_EQUAL(p->namespaces_full, 1018);
    CU_ASSERT_EQUAL(p->nfull[MN_EMU_PART_USER], 403);
    /* which ones, by id, in the part's own id namespace */
    CU_ASSERT(part_id(s, MN_ID_BOX, "b1") >= 0 && part_id(s, MN_ID_BOX, "b2") >= 0);
    CU_ASSERT_EQUAL(part_id(s, MN_ID_BOX, "b3"), -1);
    CU_ASSERT_EQUAL(part_id(s, MN_ID_BOX, "far-0"), -1);
    CU_ASSERT_EQUAL(part_id(s, MN_ID_VM, "pbx"), -1);
    CU_ASSERT_EQUAL(part_id(s, MN_ID_USER, "crowd-0"), -1);
    CU_ASSERT_EQUAL(part_id(s, MN_ID_SERVICE, "voice"), -1);
    CU_ASSERT_EQUAL(part_id(s, MN_ID_SITE, "S3"), -1);
    long u1 = part_id(s, MN_ID_USER, "u1"), u3 = part_id(s, MN_ID_USER, "u3");
    long mv = part_id(s, MN_ID_VAP, "mv"), b2 = part_id(s, MN_ID_BOX, "b2");
    long tv = part_id(s, MN_ID_SERVICE, "tv"), video = part_id(s, MN_ID_SERVICE, "video");
    CU_ASSERT_FATAL(u1 >= 0 && u3 >= 0 && mv >= 0 && tv >= 0 && video >= 0);
    CU_ASSERT_STRING_EQUAL(w->users[u1].id, "u1");
    CU_ASSERT_EQUAL(w->users[u1].services, (1u << tv) | (1u << video)); /* voice taken off */
    CU_ASSERT_EQUAL(w->vaps[mv].ncand, 1);
    CU_ASSERT_EQUAL(w->vaps[mv].cand[0], (uint32_t)b2);
    CU_ASSERT_EQUAL(w->vaps[mv].follows, (uint32_t)u3);
    CU_ASSERT_EQUAL(w->faults[0].ntargets, 1);
    CU_ASSERT_EQUAL(w->faults[0].targets[0], (uint32_t)part_id(s, MN_ID_BOX, "b1"));
    /* topology: the nodes between the boxes and to video's server, renumbered */
    uint32_t k;
    CU_ASSERT(mn_strmap_get(&s->node_ids, "core", &k) && mn_strmap_get(&s->node_ids, "cdn", &k));
    CU_ASSERT_STRING_EQUAL(s->nodes[w->services[video].to_node], "cdn");
    CU_ASSERT(!mn_strmap_get(&s->node_ids, "n3", &k) && !mn_strmap_get(&s->node_ids, "lonely", &k));
    CU_ASSERT(mn_strmap_get(&s->link_ids, "l4", &k) && !mn_strmap_get(&s->link_ids, "l3", &k));
    CU_ASSERT_STRING_EQUAL(s->nodes[s->links[k].a], "core");
    CU_ASSERT_STRING_EQUAL(s->nodes[s->links[k].b], "cdn");
    for (size_t b = 0; b < w->nboxes; b++)
        CU_ASSERT_STRING_EQUAL(w->sites[w->boxes[b].site].id, b ? "S2" : "S1");
    CU_ASSERT_EQUAL(s->world.node_site[w->sites[0].node], 0);
    /* the maps, both ways */
    uint32_t full_b2 = p->to_full[MN_EMU_PART_BOX][b2];
    CU_ASSERT_STRING_EQUAL(n->world.boxes[full_b2].id, "b2");
    CU_ASSERT_EQUAL(mn_emu_part_map(p, MN_EMU_PART_BOX, full_b2), (uint32_t)b2);
    /* what a kept entity needed outside: u1's voice at pbx */
    CU_ASSERT_EQUAL_FATAL(p->nneeds, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(p->needs[0], "user u1: service voice ends at VM pbx"));
    mn_emu_part_destroy(p);
    mn_net_destroy(s);
    mn_net_destroy(n);
}

static void test_part_of_a_site_is_its_boxes(void)
{
    mn_net *n = load(), *s = NULL;
    mn_emu_part *p = NULL;
    mn_err err = {0};
    const char *args[] = {"site=S1"};
    CU_ASSERT_EQUAL_FATAL(make(n, args, 1, &s, &p, &err), MN_OK);
    CU_ASSERT_EQUAL(s->world.nboxes, 1);
    CU_ASSERT_STRING_EQUAL(s->world.boxes[0].id, "b1");
    CU_ASSERT_EQUAL(s->world.nvaps, 1); /* mv's candidates b3 b2 are outside */
    CU_ASSERT_EQUAL(s->world.nusers, 1);
    CU_ASSERT_STRING_EQUAL(s->world.users[0].id, "u1");
    CU_ASSERT_EQUAL(s->nnodes, 3); /* n1, core, cdn */
    CU_ASSERT_EQUAL(s->world.ntunnels, 0);
    CU_ASSERT_EQUAL(mn_emu_namespaces_needed(s), 1 + 1 + 1 + 3 + 1);
    mn_emu_part_destroy(p);
    mn_net_destroy(s);
    /* a box list in one value, and a site with it: the union */
    const char *both[] = {"box=b1,b2", "site=S1"};
    CU_ASSERT_EQUAL_FATAL(make(n, both, 2, &s, &p, &err), MN_OK);
    CU_ASSERT_EQUAL(s->world.nboxes, 2);
    mn_emu_part_destroy(p);
    mn_net_destroy(s);
    mn_net_destroy(n);
}

/* Each bad spec: its code, and the words its one-line message must hold. */
static void test_part_refuses_bad_specs_naming_the_id_and_its_kind(void)
{
    mn_net *n = load(), *s = NULL;
    mn_emu_part *p = NULL;
    static const struct {
        const char *arg;
        int rc;
        const char *words[2];
    } bad[] = {
        {"boxes=b1", MN_EINVAL, {"write box=ID[,ID...] or site=ID[,ID...]", "boxes=b1"}},
        {"b1", MN_EINVAL, {"write box=ID", "\"b1\""}},
        {"box=", MN_EINVAL, {"an empty box id", "box="}},
        {"site=S1,,S2", MN_EINVAL, {"an empty site id", "S1,,S2"}},
        {"box=zz", MN_ENOTFOUND, {"has no box \"zz\"", "box= takes box ids (e.g. b1)"}},
        {"site=zz", MN_ENOTFOUND, {"has no site \"zz\"", "site= takes site ids (e.g. S1)"}},
        {"box=S1", MN_ENOTFOUND, {"\"S1\" is a site, not a box", "write site=S1"}},
        {"site=b2", MN_ENOTFOUND, {"\"b2\" is a box, not a site", "write box=b2"}},
        {"box=core", MN_ENOTFOUND, {"\"core\" is a topology node, not a box", "box= takes"}},
        {"box=u1", MN_ENOTFOUND, {"\"u1\" is a user, not a box", "box= takes"}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mn_err err = {0};
        const char *args[] = {bad[i].arg};
        uint64_t live = mn_alloc_get_stats().live_bytes;
        int rc = make(n, args, 1, &s, &p, &err);
        CU_ASSERT_EQUAL(rc, bad[i].rc);
        CU_ASSERT_EQUAL(mn_alloc_get_stats().live_bytes, live);
        CU_ASSERT_STRING_EQUAL(err.where, "--part");
        for (int k = 0; k < 2; k++)
            if (!strstr(err.msg, bad[i].words[k])) {
                fprintf(stderr, "\n%s: \"%s\" lacks \"%s\"\n", bad[i].arg, err.msg,
                        bad[i].words[k]);
                CU_FAIL("message");
            }
        CU_ASSERT_PTR_NULL(strchr(err.msg, '\n'));
    }
    mn_err err = {0};
    CU_ASSERT_EQUAL(make(n, NULL, 0, &s, &p, &err), MN_EINVAL); /* nothing selected */
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "nothing selected"));
    mn_net_destroy(n);
}

/* The simulator runs the part as it is (the emulator's comparison runs it so). */
static void test_part_runs_in_the_simulator(void)
{
    mn_net *n = load(), *s = NULL;
    mn_emu_part *p = NULL;
    mn_err err = {0};
    const char *args[] = {"box=b1,b2"};
    CU_ASSERT_EQUAL_FATAL(make(n, args, 1, &s, &p, &err), MN_OK);
    char dir[] = "/tmp/mn-test-part-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    mn_run_opts o;
    memset(&o, 0, sizeof o);
    o.out_dir = dir;
    mn_run_summary sum;
    int rc = mn_world_run(s, &o, &sum, &err);
    if (rc != MN_OK)
        fprintf(stderr, "\n%s: %s\n", err.where, err.msg);
    CU_ASSERT_EQUAL(rc, MN_OK);
    /* users.csv: exactly the part's three users */
    char path[128], line[512];
    snprintf(path, sizeof path, "%s/users.csv", dir);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    int rows = 0, u1 = 0;
    while (fgets(line, sizeof line, f))
        if (rows++ && strncmp(line, "u1,", 3) == 0)
            u1 = 1;
    fclose(f);
    CU_ASSERT_EQUAL(rows, 1 + 3);
    CU_ASSERT(u1);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    mn_emu_part_destroy(p);
    mn_net_destroy(s);
    mn_net_destroy(n);
}

static void test_part_survives_running_out_of_memory(void)
{
    mn_net *n = load();
    const char *args[] = {"box=b1,b2"};
    uint64_t live = mn_alloc_get_stats().live_bytes;
    int made = 0;
    for (long k = 0; k < 5000 && !made; k++) {
        mn_net *s = NULL;
        mn_emu_part *p = NULL;
        mn_err err = {0};
        mn_alloc_fail_after(k);
        int rc = make(n, args, 1, &s, &p, &err);
        mn_alloc_fail_after(-1);
        if (rc == MN_OK) {
            made = 1;
            mn_emu_part_destroy(p);
            mn_net_destroy(s);
        } else {
            CU_ASSERT_EQUAL(rc, MN_ENOMEM);
        }
        CU_ASSERT_EQUAL(mn_alloc_get_stats().live_bytes, live);
    }
    CU_ASSERT(made);
    mn_net_destroy(n);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_part_of_two_boxes_keeps_them_and_what_they_need),
        MN_TEST(test_part_of_a_site_is_its_boxes),
        MN_TEST(test_part_refuses_bad_specs_naming_the_id_and_its_kind),
        MN_TEST(test_part_runs_in_the_simulator),
        MN_TEST(test_part_survives_running_out_of_memory),
    };
    MN_SUITE("emu_part", cases);
}
