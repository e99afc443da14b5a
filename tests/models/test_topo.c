/* test_topo.c - topology import (sim/models/topo.c): the Topology Zoo files and
 * hand-made GML. Zoo files come from MN_SHARED_DATA (../shared/data); without
 * it those tests are reported as SKIPPED by CTest, never passed silently. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "models/topo.h"
#include "unit.h"

#ifndef MN_TEST_DATA
#error "MN_TEST_DATA must name tests/data"
#endif

static void test_topo_distance_and_latency_by_hand(void)
{
    /* one degree of longitude on the equator: 2 pi 6371 km / 360 = 111.1949 km */
    CU_ASSERT_DOUBLE_EQUAL(mn_topo_distance_m(0, 0, 0, 1), 111194.93, 0.01);
    mn_topo *t = NULL;
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(mn_topo_load(MN_TEST_DATA "/triangle.gml", NULL, &t, &err), MN_OK);
    CU_ASSERT_EQUAL(t->nnodes, 3);
    CU_ASSERT_EQUAL(t->nlinks, 2);
    CU_ASSERT_STRING_EQUAL(t->nodes[0].label, "Origin");
    CU_ASSERT(t->nodes[1].has_position);
    CU_ASSERT(!t->nodes[2].has_position);
    /* 111.19493 km / 2e8 m/s = 555.975 us; capacity from LinkSpeedRaw */
    CU_ASSERT_EQUAL(t->links[0].latency, 555975);
    CU_ASSERT_EQUAL(t->links[0].capacity_bps, 10000000000ULL);
    CU_ASSERT(!t->links[0].capacity_defaulted && !t->links[0].latency_defaulted);
    /* no LinkSpeedRaw, one end without coordinates: the stated defaults */
    CU_ASSERT_EQUAL(t->links[1].capacity_bps, 1000000000ULL);
    CU_ASSERT_EQUAL(t->links[1].latency, MN_MS);
    CU_ASSERT(t->links[1].capacity_defaulted && t->links[1].latency_defaulted);
    mn_topo_destroy(t);
    mn_topo_defaults d = {.capacity_bps = 100000000ULL, .latency = 5 * MN_MS};
    CU_ASSERT_EQUAL_FATAL(mn_topo_load(MN_TEST_DATA "/triangle.gml", &d, &t, &err), MN_OK);
    CU_ASSERT_EQUAL(t->links[1].capacity_bps, 100000000ULL);
    CU_ASSERT_EQUAL(t->links[1].latency, 5 * MN_MS);
    mn_topo_destroy(t);
}

static void test_topo_bad_files_are_errors_naming_the_file(void)
{
    mn_topo *t = NULL;
    mn_err err = {0};
    uint64_t live = mn_alloc_get_stats().live_bytes;
    CU_ASSERT_EQUAL(mn_topo_load(MN_TEST_DATA "/broken.graphml", NULL, &t, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.where, "broken.graphml"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "GraphML"));
    CU_ASSERT_EQUAL(mn_topo_load(MN_TEST_DATA "/no-such.graphml", NULL, &t, &err), MN_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "No such file"));
    CU_ASSERT_EQUAL(mn_topo_load(MN_TEST_DATA "/triangle.txt", NULL, &t, &err), MN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, ".graphml"));
    CU_ASSERT_EQUAL(mn_alloc_get_stats().live_bytes, live);
}

#ifdef MN_SHARED_DATA
struct zoo_case {
    const char *file;
    size_t nodes, edges, without_position, with_speed;
};
/* Counts from the files themselves (python3 xml.etree over <node>, <edge> and
 * their <data> keys), independent of igraph. */
static const struct zoo_case zoo[] = {
    {"Abilene.graphml", 11, 14, 0, 0},   {"Canerie.graphml", 32, 41, 8, 0},
    {"Geant2012.graphml", 40, 61, 3, 39}, {"Kreonet.graphml", 13, 12, 0, 12},
    {"Renater2010.graphml", 43, 56, 6, 56}, {"Rnp.graphml", 31, 34, 3, 34},
};

static void test_topo_every_zoo_file_loads_with_its_counts(void)
{
    for (size_t i = 0; i < sizeof zoo / sizeof zoo[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/topology-zoo/%s", MN_SHARED_DATA, zoo[i].file);
        mn_topo *t = NULL;
        mn_err err = {0};
        int rc = mn_topo_load(path, NULL, &t, &err);
        if (rc != MN_OK)
            fprintf(stderr, "\n%s: %s\n", err.where, err.msg);
        CU_ASSERT_EQUAL_FATAL(rc, MN_OK);
        CU_ASSERT_EQUAL(t->nnodes, zoo[i].nodes);
        CU_ASSERT_EQUAL(t->nlinks, zoo[i].edges);
        size_t without = 0, speed = 0;
        int latency_ok = 1;
        for (size_t n = 0; n < t->nnodes; n++)
            without += !t->nodes[n].has_position;
        for (size_t e = 0; e < t->nlinks; e++) {
            const mn_topo_link *l = &t->links[e];
            speed += !l->capacity_defaulted;
            if (!l->latency_defaulted) {
                const mn_topo_node *a = &t->nodes[l->a], *b = &t->nodes[l->b];
                double s = mn_topo_distance_m(a->lat, a->lon, b->lat, b->lon) / 2e8;
                latency_ok &= fabs(mn_time_to_sec(l->latency) - s) < 1e-9;
            }
        }
        CU_ASSERT_EQUAL(without, zoo[i].without_position);
        CU_ASSERT_EQUAL(speed, zoo[i].with_speed);
        CU_ASSERT(latency_ok);
        mn_topo_destroy(t);
    }
}
#endif

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_topo_distance_and_latency_by_hand),
        MN_TEST(test_topo_bad_files_are_errors_naming_the_file),
#ifdef MN_SHARED_DATA
        MN_TEST(test_topo_every_zoo_file_loads_with_its_counts),
#endif
    };
    MN_SUITE("topo", cases);
}
