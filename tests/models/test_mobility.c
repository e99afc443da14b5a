/* test_mobility.c - positions, projection, traces and mobility models
 * (sim/models/mobility.c), against hand-computed answers. The real Melbourne
 * CBD trace comes from the team's shared data (../shared/data next to the
 * checkout, or $MN_SHARED_DATA); where it is missing that case prints
 * SKIPPED and checks nothing. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, access under -std=c11 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "models/mobility.h"
#include "unit.h"

#define R_EARTH MN_GEO_EARTH_RADIUS_M
#define PI 3.14159265358979323846
#define DEG (PI / 180.0)

static mn_rng *stream(uint64_t seed)
{
    mn_rng *r = NULL;
    CU_ASSERT_EQUAL_FATAL(mn_rng_create(seed, "mobility", NULL, &r, NULL), MN_OK);
    return r;
}

static mn_distspec dist(const char *text)
{
    mn_distspec d;
    mn_err err = {0};
    int rc = mn_distspec_parse(text, &mn_qk_duration, &d, &err);
    if (rc != MN_OK)
        fprintf(stderr, "distspec %s: %s\n", text, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, MN_OK);
    return d;
}

static int pos_eq(mn_pos a, mn_pos b, double tol)
{
    return fabs(a.x - b.x) <= tol && fabs(a.y - b.y) <= tol;
}

/* ---- projection ---- */

static void test_mobility_one_degree_is_111195_m(void)
{
    /* R pi / 180 = 6371008.8 * 0.01745329252 = 111195.08 m */
    CU_ASSERT_DOUBLE_EQUAL(mn_geo_haversine_m(0, 0, 1, 0), 111195.08, 0.01);
    CU_ASSERT_DOUBLE_EQUAL(mn_geo_haversine_m(0, 0, 0, 1), 111195.08, 0.01);
    mn_geo_frame f;
    mn_geo_frame_init(&f, 60, 10);
    CU_ASSERT(f.set);
    mn_pos p = mn_geo_project(&f, 61, 11); /* north 111195.08 m, east half that: cos 60 = 0.5 */
    CU_ASSERT_DOUBLE_EQUAL(p.x, 55597.54, 0.01);
    CU_ASSERT_DOUBLE_EQUAL(p.y, 111195.08, 0.01);
    p = mn_geo_project(&f, 59, 9);
    CU_ASSERT_DOUBLE_EQUAL(p.x, -55597.54, 0.01);
    CU_ASSERT_DOUBLE_EQUAL(p.y, -111195.08, 0.01);
    /* the short way across the antimeridian: 179.9 E to 179.9 W is 0.2 deg east */
    mn_geo_frame_init(&f, 0, 179.9);
    p = mn_geo_project(&f, 0, -179.9);
    CU_ASSERT_DOUBLE_EQUAL(p.x, 0.2 * 111195.08, 0.01);
    p = mn_geo_project(&f, 0, 179.8);
    CU_ASSERT_DOUBLE_EQUAL(p.x, -0.1 * 111195.08, 0.01);
    mn_pos a = {1, 2}, b = {4, 6};
    CU_ASSERT_DOUBLE_EQUAL(mn_pos_dist(a, b), 5, 1e-12);
}

/* The point north, east metres from the frame's origin as lat/lon (the projection inverted). */
static void offset(const mn_geo_frame *f, double north, double east, double *lat, double *lon)
{
    *lat = f->lat0 + north / R_EARTH / DEG;
    *lon = f->lon0 + east / (R_EARTH * f->cos_lat0) / DEG;
}

/*
 * The stated bound: for points whose latitudes are within delta (radians) of
 * lat0, |planar / haversine - 1| <= cos(lat0) / cos(|lat0| + delta) - 1.
 * Slack 1e-5 for the great circle bulging past the ends' latitudes.
 */
static double stated_bound(double lat0, double delta)
{
    double a = fabs(lat0) * DEG;
    return cos(a) / cos(a + delta) - 1 + 1e-5;
}

static void check_pairs(double lat0, double band_m, double max_rel, double *worst)
{
    mn_geo_frame f;
    mn_geo_frame_init(&f, lat0, 144.96);
    mn_rng *r = stream(11);
    int n = 0, over_bound = 0, over_max = 0;
    *worst = 0;
    while (n < 20000) {
        /* a first point in the band, a second 1-20 km away in any direction, still in it */
        double n1 = mn_rng_uniform_range(r, -band_m, band_m);
        double e1 = mn_rng_uniform_range(r, -20e3, 20e3);
        double d = mn_rng_uniform_range(r, 1e3, 20e3), th = mn_rng_uniform_range(r, 0, 2 * PI);
        double n2 = n1 + d * cos(th), e2 = e1 + d * sin(th);
        if (fabs(n2) > band_m)
            continue;
        double la1, lo1, la2, lo2;
        offset(&f, n1, e1, &la1, &lo1);
        offset(&f, n2, e2, &la2, &lo2);
        double h = mn_geo_haversine_m(la1, lo1, la2, lo2);
        double planar = mn_pos_dist(mn_geo_project(&f, la1, lo1), mn_geo_project(&f, la2, lo2));
        double rel = fabs(planar / h - 1);
        double delta = fmax(fabs(la1 - lat0), fabs(la2 - lat0)) * DEG;
        over_bound += rel > stated_bound(lat0, delta);
        over_max += !(rel < max_rel);
        if (rel > *worst)
            *worst = rel;
        n++;
    }
    CU_ASSERT_EQUAL(over_bound, 0);
    CU_ASSERT_EQUAL(over_max, 0);
    mn_rng_destroy(r);
}

static void test_mobility_projection_is_within_0_1_percent_of_haversine_near_lat0(void)
{
    /* 0.1% holds while points stay within 6371 m / tan|lat0| north or south of
     * lat0: 8.2 km at 37.8 S, 3.7 km at 60 deg (mobility.h). Pairs 1-20 km apart. */
    double worst;
    check_pairs(-37.8, 8.0e3, 1e-3, &worst);
    CU_ASSERT(worst > 5e-4); /* the band is really exercised, not only easy pairs */
    check_pairs(60, 3.6e3, 1e-3, &worst);
    CU_ASSERT(worst > 5e-4);
    /* wider, the stated bound still holds (0.62% / 1.4% at 50 km) */
    check_pairs(-37.8, 50e3, 6.2e-3, &worst);
    check_pairs(60, 50e3, 1.4e-2, &worst);
}

static void test_mobility_projection_error_grows_as_documented_away_from_lat0(void)
{
    /* 20 km east-west at 50 km north of lat0 = 60: scale cos 60 / cos(60.45) = 1.0138 */
    mn_geo_frame f;
    mn_geo_frame_init(&f, 60, 10);
    double la1, lo1, la2, lo2;
    offset(&f, 50e3, -10e3, &la1, &lo1);
    offset(&f, 50e3, 10e3, &la2, &lo2);
    double rel = mn_pos_dist(mn_geo_project(&f, la1, lo1), mn_geo_project(&f, la2, lo2)) /
                     mn_geo_haversine_m(la1, lo1, la2, lo2) -
                 1;
    CU_ASSERT(rel > 0.0130 && rel < 0.0140);
    /* distances from the origin are much better: 20 km from it at 37.8 S, any bearing, < 0.05% */
    mn_geo_frame_init(&f, -37.8, 144.96);
    for (int deg = 0; deg < 360; deg += 5) {
        offset(&f, 20e3 * cos(deg * DEG), 20e3 * sin(deg * DEG), &la1, &lo1);
        double h = mn_geo_haversine_m(f.lat0, f.lon0, la1, lo1);
        mn_pos p = mn_geo_project(&f, la1, lo1);
        CU_ASSERT(fabs(hypot(p.x, p.y) / h - 1) < 5e-4);
    }
}

static void test_mobility_geo_check_rejects_out_of_range_coordinates(void)
{
    mn_err err = {0};
    CU_ASSERT_EQUAL(mn_geo_check(90, -180, "f.csv:2", &err), MN_OK);
    CU_ASSERT_EQUAL(mn_geo_check(-90, 180, NULL, NULL), MN_OK);
    CU_ASSERT_EQUAL(mn_geo_check(95, 0, "f.csv:2", &err), MN_ERANGE);
    CU_ASSERT_STRING_EQUAL(err.where, "f.csv:2");
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "latitude 95"));
    CU_ASSERT_EQUAL(mn_geo_check(0, -180.5, "x", &err), MN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "longitude -180.5"));
    CU_ASSERT_EQUAL(mn_geo_check(NAN, 0, NULL, &err), MN_ERANGE);
    CU_ASSERT_EQUAL(mn_geo_check(0, INFINITY, NULL, &err), MN_ERANGE);
}

/* ---- traces ---- */

static char tmp_path[64];

/* Writes text (len bytes) to a fresh temporary file; returns its path. */
static const char *write_tmp(const char *text)
{
    snprintf(tmp_path, sizeof tmp_path, "/tmp/mn_test_mobility_XXXXXX");
    int fd = mkstemp(tmp_path);
    CU_ASSERT_FATAL(fd >= 0);
    size_t n = strlen(text);
    CU_ASSERT_FATAL(write(fd, text, n) == (ssize_t)n);
    close(fd);
    return tmp_path;
}

/* Loads text as a trace file; returns the code, *t on success. */
static int load_text(const char *text, mn_geo_frame *f, mn_trace **t, mn_err *err)
{
    const char *p = write_tmp(text);
    int rc = mn_trace_load(p, f, t, err);
    unlink(p);
    return rc;
}

static const char *ends_with_line(const char *where, const char *suffix)
{
    size_t a = strlen(where), b = strlen(suffix);
    return a >= b && strcmp(where + a - b, suffix) == 0 ? where : NULL;
}

static int shared_trace(char *path, size_t size)
{
    const char *rel = "melbourne-cbd/usersLocation-melbCBD_1.csv";
    const char *env = getenv("MN_SHARED_DATA");
    if (env && *env) {
        snprintf(path, size, "%s/%s", env, rel);
        if (access(path, R_OK) == 0)
            return 1;
    }
#ifdef MN_SHARED_DATA
    snprintf(path, size, "%s/%s", MN_SHARED_DATA, rel);
    if (access(path, R_OK) == 0)
        return 1;
#endif
    /* ../shared/data next to the checkout, found from this file's path */
    const char *file = __FILE__, *slash = strrchr(file, '/');
    int dirlen = slash ? (int)(slash - file) : 1;
    snprintf(path, size, "%.*s/../../../shared/data/%s", dirlen, slash ? file : ".", rel);
    if (access(path, R_OK) == 0)
        return 1;
    snprintf(path, size, "/work/shared/data/%s", rel);
    return access(path, R_OK) == 0;
}

static void test_mobility_loads_the_melbourne_cbd_trace(void)
{
    char path[512];
    if (!shared_trace(path, sizeof path)) {
        printf("\n    SKIPPED: usersLocation-melbCBD_1.csv not found (set MN_SHARED_DATA to the "
               "shared data folder) ");
        return;
    }
    mn_geo_frame f = {0};
    mn_trace *t = NULL;
    mn_err err = {0};
    int rc = mn_trace_load(path, &f, &t, &err);
    if (rc != MN_OK)
        fprintf(stderr, "%s: %s\n", err.where, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, MN_OK);
    /* 82 waypoints: 88 lines = the header, 82 points, 5 blank lines at the end */
    CU_ASSERT_EQUAL(t->n, 82);
    CU_ASSERT(f.set);
    CU_ASSERT_DOUBLE_EQUAL(f.lat0, -37.81349283433532, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(f.lon0, 144.952370512958, 1e-12);
    CU_ASSERT(pos_eq(t->pts[0], (mn_pos){0, 0}, 1e-9));
    /* second point: -37.814498699722236, 144.9525884126076 */
    double h = mn_geo_haversine_m(f.lat0, f.lon0, -37.814498699722236, 144.9525884126076);
    CU_ASSERT_DOUBLE_EQUAL(mn_pos_dist(t->pts[0], t->pts[1]), h, h * 1e-4);
    CU_ASSERT(t->pts[1].y < -100 && t->pts[1].x > 0); /* 112 m south, 19 m east */
    for (size_t i = 0; i < t->n; i++)
        CU_ASSERT(hypot(t->pts[i].x, t->pts[i].y) < 5000); /* all in the CBD */
    /* loading again with the frame now set gives the same points */
    mn_trace *t2 = NULL;
    CU_ASSERT_EQUAL_FATAL(mn_trace_load(path, &f, &t2, &err), MN_OK);
    CU_ASSERT_EQUAL(memcmp(t->pts, t2->pts, t->n * sizeof *t->pts), 0);
    mn_trace_destroy(t);
    mn_trace_destroy(t2);
}

static void test_mobility_trace_accepts_crlf_reordered_columns_and_spaces(void)
{
    /* a frame already set 0.01 deg west of the first point: 0.01 deg is 1111.95 m
     * north-south and 1111.95 * cos 37.8 = 878.70 m east-west */
    mn_geo_frame f;
    mn_geo_frame_init(&f, -37.8, 144.89);
    const double ew = 1111.9508 * cos(37.8 * DEG), ns = 1111.9508;
    mn_trace *t = NULL;
    mn_err err = {0};
    const char *text = "\xEF\xBB\xBF LONGITUDE ,id,speed,\"latitude\"\r\n"
                       " 144.9 ,1,3, -37.8\r\n"
                       "\r\n"
                       "144.91,2,3,-37.79 \r\n"
                       "\"144.9\",3,4,\t-37.81,extra\r\n";
    int rc = load_text(text, &f, &t, &err);
    if (rc != MN_OK)
        fprintf(stderr, "%s: %s\n", err.where, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, MN_OK);
    CU_ASSERT_EQUAL(t->n, 3);
    CU_ASSERT(pos_eq(t->pts[0], (mn_pos){ew, 0}, 1e-3));
    CU_ASSERT(pos_eq(t->pts[1], (mn_pos){2 * ew, ns}, 1e-3));
    CU_ASSERT(pos_eq(t->pts[2], (mn_pos){ew, -ns}, 1e-3));
    CU_ASSERT_DOUBLE_EQUAL(f.lon0, 144.89, 0); /* a set frame is kept */
    mn_trace_destroy(t);
}

static void test_mobility_trace_reads_planar_x_y(void)
{
    mn_geo_frame f = {0};
    mn_trace *t = NULL;
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(load_text("X , y\n0,0\n-12.5, 3e2\n", &f, &t, &err), MN_OK);
    CU_ASSERT_EQUAL(t->n, 2);
    CU_ASSERT(pos_eq(t->pts[1], (mn_pos){-12.5, 300}, 0));
    CU_ASSERT(!f.set); /* planar files leave the frame alone */
    mn_trace_destroy(t);
    /* no frame at all: lat/lon relative to the first point */
    CU_ASSERT_EQUAL_FATAL(load_text("Latitude,Longitude\n10,20\n11,20\n", NULL, &t, &err), MN_OK);
    CU_ASSERT(pos_eq(t->pts[0], (mn_pos){0, 0}, 1e-9));
    CU_ASSERT_DOUBLE_EQUAL(t->pts[1].y, 111195.08, 0.01);
    mn_trace_destroy(t);
}

static void test_mobility_trace_errors_name_file_and_line(void)
{
    mn_geo_frame f = {0};
    mn_trace *t = NULL;
    mn_err err = {0};

    CU_ASSERT_EQUAL(load_text("Latitude,Longitude\n-37.8,144.9\n-37.8,14x.9\n", &f, &t, &err),
                    MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(ends_with_line(err.where, ":3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.where, "/tmp/mn_test_mobility_"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "Longitude \"14x.9\" is not a number"));
    CU_ASSERT(!f.set); /* a failed load leaves the frame as it was */

    CU_ASSERT_EQUAL(load_text("Latitude,Longitude\n95,144.9\n", &f, &t, &err), MN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(ends_with_line(err.where, ":2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "latitude 95"));

    CU_ASSERT_EQUAL(load_text("Latitude,Longitude\n1,2\n\n3\n", &f, &t, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(ends_with_line(err.where, ":4"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no Longitude field"));

    CU_ASSERT_EQUAL(load_text("x,y\n1,\n", &f, &t, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "y is empty"));
    CU_ASSERT_EQUAL(load_text("x,y\n1,1e999\n", &f, &t, &err), MN_ERANGE);

    CU_ASSERT_EQUAL(load_text("", &f, &t, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "empty file"));
    CU_ASSERT_EQUAL(load_text("\n  \r\n", &f, &t, &err), MN_EPARSE);

    CU_ASSERT_EQUAL(load_text("Latitude,Longitude\r\n\r\n", &f, &t, &err), MN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no waypoint"));

    CU_ASSERT_EQUAL(load_text("-37.8,144.9\n-37.8,144.9\n", &f, &t, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(ends_with_line(err.where, ":1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no header line"));

    CU_ASSERT_EQUAL(load_text("Latitude,Lng\n1,2\n", &f, &t, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no Longitude column"));
    CU_ASSERT_EQUAL(load_text("a,b\n1,2\n", &f, &t, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "names neither"));
    CU_ASSERT_EQUAL(load_text("x,y,X\n1,2,3\n", &f, &t, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "twice"));

    CU_ASSERT_EQUAL(mn_trace_load("/nonexistent/mn_no_such_trace.csv", &f, &t, &err), MN_EIO);
    CU_ASSERT_STRING_EQUAL(err.where, "/nonexistent/mn_no_such_trace.csv");
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot open"));
    CU_ASSERT(!f.set);
}

static void test_mobility_trace_load_survives_each_failed_allocation(void)
{
    /* enough points to grow the array a few times */
    char text[8192] = "x,y\n";
    for (int i = 0; i < 300; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d,%d\n", i, -i);
    const char *p = write_tmp(text);
    uint64_t live = mn_alloc_get_stats().live_bytes;
    int loaded = 0;
    for (long k = 0; k < 100 && !loaded; k++) {
        mn_trace *t = NULL;
        mn_err err = {0};
        mn_alloc_fail_after(k);
        int rc = mn_trace_load(p, NULL, &t, &err);
        mn_alloc_fail_after(-1);
        if (rc == MN_OK) {
            loaded = 1;
            CU_ASSERT_EQUAL(t->n, 300);
            CU_ASSERT(pos_eq(t->pts[299], (mn_pos){299, -299}, 0));
            mn_trace_destroy(t);
        } else {
            CU_ASSERT_EQUAL(rc, MN_ENOMEM);
        }
        CU_ASSERT_EQUAL(mn_alloc_get_stats().live_bytes, live);
    }
    CU_ASSERT(loaded);
    unlink(p);
}

/* ---- legs and models ---- */

static void test_mobility_kind_names_parse_both_ways(void)
{
    const char *names[] = {"static", "random-waypoint", "commute", "trace"};
    for (int i = 0; i < 4; i++) {
        mn_mob_kind k = MN_MOB_TRACE;
        CU_ASSERT_EQUAL(mn_mob_kind_parse(names[i], &k, NULL), MN_OK);
        CU_ASSERT_EQUAL((int)k, i);
        CU_ASSERT_STRING_EQUAL(mn_mob_kind_name(k), names[i]);
    }
    mn_mob_kind k = MN_MOB_STATIC;
    mn_err err = {0};
    CU_ASSERT_EQUAL(mn_mob_kind_parse("rwp", &k, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "random-waypoint"));
    CU_ASSERT_STRING_EQUAL(mn_mob_kind_name((mn_mob_kind)9), "?");
}

static void test_mobility_leg_position_interpolates_and_clamps(void)
{
    mn_leg l = {.t0 = 10 * MN_SEC, .t1 = 20 * MN_SEC, .from = {0, 0}, .to = {100, -50}};
    CU_ASSERT(pos_eq(mn_leg_pos(&l, 10 * MN_SEC), l.from, 0));
    CU_ASSERT(pos_eq(mn_leg_pos(&l, 20 * MN_SEC), l.to, 0));
    CU_ASSERT(pos_eq(mn_leg_pos(&l, 15 * MN_SEC), (mn_pos){50, -25}, 1e-12));
    CU_ASSERT(pos_eq(mn_leg_pos(&l, 12 * MN_SEC), (mn_pos){20, -10}, 1e-12));
    CU_ASSERT(pos_eq(mn_leg_pos(&l, -5 * MN_SEC), l.from, 0));
    CU_ASSERT(pos_eq(mn_leg_pos(&l, 21 * MN_SEC), l.to, 0));
    CU_ASSERT(pos_eq(mn_leg_pos(&l, MN_TIME_MAX), l.to, 0));
    /* a leg across time zero */
    mn_leg z = {.t0 = -MN_SEC, .t1 = 3 * MN_SEC, .from = {4, 0}, .to = {0, 0}};
    CU_ASSERT(pos_eq(mn_leg_pos(&z, 0), (mn_pos){3, 0}, 1e-12));
    mn_leg forever = {.t0 = 0, .t1 = MN_TIME_MAX, .from = {7, 8}, .to = {7, 8}};
    CU_ASSERT(pos_eq(mn_leg_pos(&forever, 100 * MN_DAY), (mn_pos){7, 8}, 0));
}

static void test_mobility_static_stays_home_forever(void)
{
    mn_mobility m = {.kind = MN_MOB_STATIC};
    mn_mob_state st = {.home = {3, 4}};
    mn_leg l, n;
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(mn_mob_first_leg(&m, &st, NULL, 5 * MN_SEC, &l, &err), MN_OK);
    CU_ASSERT_EQUAL(l.t0, 5 * MN_SEC);
    CU_ASSERT_EQUAL(l.t1, MN_TIME_MAX);
    CU_ASSERT(pos_eq(mn_leg_pos(&l, 10 * MN_DAY), (mn_pos){3, 4}, 0));
    CU_ASSERT_EQUAL(l.online, 1);
    CU_ASSERT_EQUAL(l.place, -1);
    CU_ASSERT_EQUAL(mn_mob_next_leg(&m, &st, NULL, &l, &n, &err), MN_EINVAL);
    CU_ASSERT(sizeof(mn_mob_state) <= 40);
}

#define RWP_LEGS 2000

/* Runs RWP from t = 0 for RWP_LEGS legs into legs[]. */
static void rwp_run(const mn_mobility *m, uint64_t seed, mn_leg *legs)
{
    mn_rng *r = stream(seed);
    mn_mob_state st = {0};
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(mn_mob_first_leg(m, &st, r, 0, &legs[0], &err), MN_OK);
    for (int i = 1; i < RWP_LEGS; i++)
        CU_ASSERT_EQUAL_FATAL(mn_mob_next_leg(m, &st, r, &legs[i - 1], &legs[i], &err), MN_OK);
    mn_rng_destroy(r);
}

static void test_mobility_random_waypoint_stays_in_area_at_bounded_speed(void)
{
    mn_distspec pause = dist("uniform(10s, 60s)");
    mn_mobility m = {.kind = MN_MOB_RWP,
                     .area_lo = {-100, 0},
                     .area_hi = {900, 500},
                     .speed_min = 0.5,
                     .speed_max = 1.5,
                     .pause = &pause};
    static mn_leg a[RWP_LEGS], b[RWP_LEGS], c[RWP_LEGS];
    rwp_run(&m, 42, a);
    int pauses = 0, moves = 0;
    double vmin = INFINITY, vmax = 0, metres = 0, moving = 0;
    for (int i = 0; i < RWP_LEGS; i++) {
        const mn_leg *l = &a[i];
        CU_ASSERT(l->t1 > l->t0 && l->t1 != MN_TIME_MAX);
        CU_ASSERT(l->online == 1 && l->place == -1);
        CU_ASSERT(l->to.x >= -100 && l->to.x <= 900 && l->to.y >= 0 && l->to.y <= 500);
        if (i > 0) {
            CU_ASSERT_EQUAL(l->t0, a[i - 1].t1);
            CU_ASSERT(pos_eq(l->from, a[i - 1].to, 0));
        }
        double dt = mn_time_to_sec(l->t1 - l->t0);
        if (pos_eq(l->from, l->to, 0)) {
            pauses++;
            CU_ASSERT(dt >= 10 && dt <= 60);
            CU_ASSERT(i == 0 || !pos_eq(a[i - 1].from, a[i - 1].to, 0)); /* moves between */
        } else {
            moves++;
            double v = mn_pos_dist(l->from, l->to) / dt; /* dt is rounded to 1 ns */
            vmin = fmin(vmin, v);
            vmax = fmax(vmax, v);
            metres += mn_pos_dist(l->from, l->to);
            moving += dt;
            CU_ASSERT(v >= 0.5 * (1 - 1e-6) && v <= 1.5 * (1 + 1e-6));
        }
    }
    CU_ASSERT_EQUAL(pauses, RWP_LEGS / 2); /* starts with a pause, then alternates */
    CU_ASSERT_EQUAL(moves, RWP_LEGS / 2);
    CU_ASSERT(vmin < 0.55 && vmax > 1.45); /* the whole speed range is used */
    /* speed uniform per move, not per second: the time-average speed is
     * 1 / E[1/V] = (1.5 - 0.5) / ln(1.5 / 0.5) = 0.910 m/s, not 1.0 (Yoon et al. 2003) */
    CU_ASSERT_DOUBLE_EQUAL(metres / moving, 1 / log(3), 0.03);
    /* the same seed gives the same legs; another seed does not */
    rwp_run(&m, 42, b);
    CU_ASSERT_EQUAL(memcmp(a, b, sizeof a), 0);
    rwp_run(&m, 43, c);
    CU_ASSERT_NOT_EQUAL(memcmp(a, c, sizeof a), 0);
}

static void test_mobility_random_waypoint_needs_a_positive_minimum_speed(void)
{
    mn_mobility m = {.kind = MN_MOB_RWP, .area_hi = {10, 10}, .speed_min = 0, .speed_max = 1};
    mn_mob_state st = {0};
    mn_leg l;
    mn_err err = {0};
    mn_rng *r = stream(1);
    CU_ASSERT_EQUAL(mn_mob_first_leg(&m, &st, r, 0, &l, &err), MN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "0 < min"));
    m.speed_min = 2;
    CU_ASSERT_EQUAL(mn_mob_first_leg(&m, &st, r, 0, &l, &err), MN_EINVAL);
    m.speed_min = 1;
    m.area_hi.x = -1;
    CU_ASSERT_EQUAL(mn_mob_first_leg(&m, &st, r, 0, &l, &err), MN_EINVAL);
    /* no pause distribution: it only moves, one leg after another */
    m.area_hi.x = 10;
    CU_ASSERT_EQUAL_FATAL(mn_mob_first_leg(&m, &st, r, 0, &l, &err), MN_OK);
    for (int i = 0; i < 100; i++) {
        CU_ASSERT(!pos_eq(l.from, l.to, 0));
        CU_ASSERT(l.t1 > l.t0);
        CU_ASSERT_EQUAL_FATAL(mn_mob_next_leg(&m, &st, r, &l, &l, &err), MN_OK);
    }
    mn_rng_destroy(r);
}

/* Commute with leave uniform(7h, 9h), travel uniform(20min, 40min), work uniform(7h, 9h). */
static void test_mobility_commute_repeats_home_travel_office_travel_for_3_days(void)
{
    mn_distspec leave = dist("uniform(7h, 9h)"), travel = dist("uniform(20min, 40min)"),
                work = dist("uniform(7h, 9h)");
    mn_mobility m = {.kind = MN_MOB_COMMUTE, .leave = &leave, .travel = &travel, .work = &work};
    mn_pos home = {0, 0}, office = {5000, 2000};
    mn_mob_state st = {.home = home, .office = office};
    mn_rng *r = stream(5);
    mn_err err = {0};
    mn_leg l;
    CU_ASSERT_EQUAL_FATAL(mn_mob_first_leg(&m, &st, r, 0, &l, &err), MN_OK);
    const int8_t cycle[4] = {0, -1, 1, -1}; /* place: home, travel, office, travel */
    int departures = 0;
    /* 13 legs: three whole days and the evening at home until day 3's departure */
    for (int i = 0; i < 13; i++) {
        CU_ASSERT_EQUAL_FATAL(l.place, cycle[i % 4]);
        CU_ASSERT(l.t1 > l.t0 && l.t1 != MN_TIME_MAX);
        CU_ASSERT_EQUAL(l.online, l.place != -1); /* offline exactly while travelling */
        mn_time dt = l.t1 - l.t0;
        mn_pos mid = mn_leg_pos(&l, l.t0 + dt / 2);
        switch (i % 4) {
        case 0: { /* home until a leave time of day in [7h, 9h], one departure a day */
            CU_ASSERT(pos_eq(l.from, home, 0) && pos_eq(l.to, home, 0));
            mn_time tod = l.t1 % MN_DAY;
            CU_ASSERT(tod >= 7 * MN_HOUR && tod <= 9 * MN_HOUR);
            CU_ASSERT_EQUAL(l.t1 / MN_DAY, departures);
            CU_ASSERT_EQUAL(st.day, departures);
            departures++;
            break;
        }
        case 1:
            CU_ASSERT(pos_eq(l.from, home, 0) && pos_eq(l.to, office, 0));
            CU_ASSERT(dt >= 20 * MN_MIN && dt <= 40 * MN_MIN);
            CU_ASSERT(pos_eq(mid, (mn_pos){2500, 1000}, 1e-3));
            break;
        case 2:
            CU_ASSERT(pos_eq(l.from, office, 0) && pos_eq(l.to, office, 0));
            CU_ASSERT(dt >= 7 * MN_HOUR && dt <= 9 * MN_HOUR);
            break;
        case 3:
            CU_ASSERT(pos_eq(l.from, office, 0) && pos_eq(l.to, home, 0));
            CU_ASSERT(dt >= 20 * MN_MIN && dt <= 40 * MN_MIN);
            CU_ASSERT(pos_eq(mid, (mn_pos){2500, 1000}, 1e-3));
            break;
        }
        mn_time end = l.t1;
        CU_ASSERT_EQUAL_FATAL(mn_mob_next_leg(&m, &st, r, &l, &l, &err), MN_OK);
        CU_ASSERT_EQUAL(l.t0, end);
    }
    CU_ASSERT_EQUAL(departures, 4);
    CU_ASSERT_EQUAL(l.place, -1); /* the 14th leg: travelling on day 3 */
    CU_ASSERT(l.t0 > 3 * MN_DAY + 7 * MN_HOUR && l.t0 < 3 * MN_DAY + 9 * MN_HOUR);
    mn_rng_destroy(r);
}

static void test_mobility_commute_waits_for_the_next_leave_time(void)
{
    mn_distspec leave = dist("uniform(7h, 9h)"), travel = dist("30min"), work = dist("8h");
    mn_mobility m = {.kind = MN_MOB_COMMUTE, .leave = &leave, .travel = &travel, .work = &work};
    mn_mob_state st = {.home = {1, 1}, .office = {2, 2}};
    mn_rng *r = stream(9);
    mn_leg l;
    /* appearing at 10:00 on day 2, after any leave time: leave on day 3 */
    for (int k = 0; k < 50; k++) {
        CU_ASSERT_EQUAL_FATAL(mn_mob_first_leg(&m, &st, r, 2 * MN_DAY + 10 * MN_HOUR, &l, NULL),
                              MN_OK);
        CU_ASSERT(l.t1 >= 3 * MN_DAY + 7 * MN_HOUR && l.t1 <= 3 * MN_DAY + 9 * MN_HOUR);
        CU_ASSERT_EQUAL(l.place, 0);
    }
    /* appearing at 8:00: today's leave if it is later, else tomorrow's; never t1 <= t0 */
    int today = 0, tomorrow = 0;
    for (int k = 0; k < 200; k++) {
        CU_ASSERT_EQUAL_FATAL(mn_mob_first_leg(&m, &st, r, 8 * MN_HOUR, &l, NULL), MN_OK);
        CU_ASSERT(l.t1 > l.t0);
        if (l.t1 <= 9 * MN_HOUR)
            today++;
        else if (l.t1 >= MN_DAY + 7 * MN_HOUR && l.t1 <= MN_DAY + 8 * MN_HOUR)
            tomorrow++;
    }
    CU_ASSERT_EQUAL(today + tomorrow, 200);
    CU_ASSERT(today > 50 && tomorrow > 50);
    /* before time zero: day -1 works the same way */
    CU_ASSERT_EQUAL_FATAL(mn_mob_first_leg(&m, &st, r, -MN_DAY + 3 * MN_HOUR, &l, NULL), MN_OK);
    CU_ASSERT(l.t1 >= -MN_DAY + 7 * MN_HOUR && l.t1 <= -MN_DAY + 9 * MN_HOUR);
    mn_rng_destroy(r);
}

static void test_mobility_commute_work_past_midnight_continues(void)
{
    /* leave 8h, travel 1h, work 20h. Day 0: home 0-8h, travel 8-9h, office
     * 9h-29h (5:00 on day 1), travel 29-30h, home 30h until day 1's 8:00 = 32h;
     * then travel 32-33h, office 33-53h, travel 53-54h, home 54h-56h. */
    mn_distspec leave = dist("8h"), travel = dist("1h"), work = dist("20h");
    mn_mobility m = {.kind = MN_MOB_COMMUTE, .leave = &leave, .travel = &travel, .work = &work};
    mn_mob_state st = {.home = {0, 0}, .office = {10, 0}};
    const int64_t ends[] = {8, 9, 29, 30, 32, 33, 53, 54, 56};
    mn_leg l;
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(mn_mob_first_leg(&m, &st, NULL, 0, &l, &err), MN_OK);
    for (int i = 0; i < 9; i++) {
        CU_ASSERT_EQUAL(l.t1, ends[i] * MN_HOUR);
        CU_ASSERT_EQUAL_FATAL(mn_mob_next_leg(&m, &st, NULL, &l, &l, &err), MN_OK);
    }
}

static void test_mobility_commute_skips_zero_length_legs(void)
{
    /* travel and work of 0: home all day, leaving (and coming back) at 8:00 each day */
    mn_distspec leave = dist("8h"), zero = dist("0s");
    mn_mobility m = {.kind = MN_MOB_COMMUTE, .leave = &leave, .travel = &zero, .work = &zero};
    mn_mob_state st = {.home = {0, 0}, .office = {10, 0}};
    mn_leg l;
    CU_ASSERT_EQUAL_FATAL(mn_mob_first_leg(&m, &st, NULL, 0, &l, NULL), MN_OK);
    for (int d = 0; d < 5; d++) {
        CU_ASSERT_EQUAL(l.place, 0);
        CU_ASSERT_EQUAL(l.t1, d * MN_DAY + 8 * MN_HOUR);
        CU_ASSERT_EQUAL_FATAL(mn_mob_next_leg(&m, &st, NULL, &l, &l, NULL), MN_OK);
    }
    /* leave uniform(7h, 9h), no travel or work: still one departure a day, even
     * when the next day's drawn time would come later on the same day */
    mn_distspec spread = dist("uniform(7h, 9h)");
    m.leave = &spread;
    mn_rng *r = stream(3);
    CU_ASSERT_EQUAL_FATAL(mn_mob_first_leg(&m, &st, r, 0, &l, NULL), MN_OK);
    for (int d = 0; d < 50; d++) {
        CU_ASSERT(l.t1 > l.t0);
        CU_ASSERT_EQUAL(l.t1 / MN_DAY, d);
        CU_ASSERT_EQUAL_FATAL(mn_mob_next_leg(&m, &st, r, &l, &l, NULL), MN_OK);
    }
    mn_rng_destroy(r);
    mn_mobility bad = {.kind = MN_MOB_COMMUTE, .leave = &leave};
    CU_ASSERT_EQUAL(mn_mob_first_leg(&bad, &st, NULL, 0, &l, NULL), MN_EINVAL);
}

static void test_mobility_trace_interpolates_and_holds_or_loops(void)
{
    mn_pos pts[] = {{0, 0}, {100, 0}, {100, 200}};
    mn_trace tr = {pts, 3};
    mn_mobility m = {.kind = MN_MOB_TRACE, .trace = &tr, .step = 10 * MN_SEC, .loop = 0};
    mn_mob_state st = {.index = 0};
    mn_leg l;
    mn_err err = {0};
    CU_ASSERT_EQUAL_FATAL(mn_mob_first_leg(&m, &st, NULL, 0, &l, &err), MN_OK);
    CU_ASSERT(l.t0 == 0 && l.t1 == 10 * MN_SEC);
    CU_ASSERT(pos_eq(mn_leg_pos(&l, 5 * MN_SEC), (mn_pos){50, 0}, 1e-12));
    CU_ASSERT_EQUAL_FATAL(mn_mob_next_leg(&m, &st, NULL, &l, &l, &err), MN_OK);
    CU_ASSERT(l.t0 == 10 * MN_SEC && l.t1 == 20 * MN_SEC);
    CU_ASSERT(pos_eq(mn_leg_pos(&l, 15 * MN_SEC), (mn_pos){100, 100}, 1e-12));
    CU_ASSERT(pos_eq(mn_leg_pos(&l, 17500 * MN_MS), (mn_pos){100, 150}, 1e-12));
    CU_ASSERT_EQUAL_FATAL(mn_mob_next_leg(&m, &st, NULL, &l, &l, &err), MN_OK);
    CU_ASSERT(l.t0 == 20 * MN_SEC && l.t1 == MN_TIME_MAX); /* holds the last point */
    CU_ASSERT(pos_eq(mn_leg_pos(&l, 5 * MN_DAY), (mn_pos){100, 200}, 0));
    CU_ASSERT_EQUAL(l.online, 1);
    CU_ASSERT_EQUAL(mn_mob_next_leg(&m, &st, NULL, &l, &l, &err), MN_EINVAL);

    /* loop, starting at waypoint 4 mod 3 = 1: 1->2, 2->0, 0->1, 1->2 */
    m.loop = 1;
    st.index = 4;
    CU_ASSERT_EQUAL_FATAL(mn_mob_first_leg(&m, &st, NULL, MN_SEC, &l, &err), MN_OK);
    CU_ASSERT(pos_eq(l.from, pts[1], 0) && pos_eq(l.to, pts[2], 0));
    CU_ASSERT_EQUAL_FATAL(mn_mob_next_leg(&m, &st, NULL, &l, &l, &err), MN_OK);
    CU_ASSERT(pos_eq(l.from, pts[2], 0) && pos_eq(l.to, pts[0], 0)); /* wraps */
    CU_ASSERT(l.t0 == 11 * MN_SEC && l.t1 == 21 * MN_SEC);
    CU_ASSERT(pos_eq(mn_leg_pos(&l, 16 * MN_SEC), (mn_pos){50, 100}, 1e-12));
    CU_ASSERT_EQUAL_FATAL(mn_mob_next_leg(&m, &st, NULL, &l, &l, &err), MN_OK);
    CU_ASSERT(pos_eq(l.from, pts[0], 0) && pos_eq(l.to, pts[1], 0));
    CU_ASSERT_EQUAL(l.t1, 31 * MN_SEC);
    for (int i = 0; i < 3001; i++) /* many laps: 3001 legs on, from waypoint 3001 mod 3 = 1 */
        CU_ASSERT_EQUAL_FATAL(mn_mob_next_leg(&m, &st, NULL, &l, &l, &err), MN_OK);
    CU_ASSERT_EQUAL(l.t1, 31 * MN_SEC + 3001 * 10 * MN_SEC);
    CU_ASSERT(pos_eq(l.from, pts[1], 0) && pos_eq(l.to, pts[2], 0));

    /* a one-point trace stays there; a step of 0 is refused */
    mn_trace one = {pts + 2, 1};
    m.trace = &one;
    st.index = 0;
    CU_ASSERT_EQUAL_FATAL(mn_mob_first_leg(&m, &st, NULL, 0, &l, &err), MN_OK);
    CU_ASSERT(l.t1 == MN_TIME_MAX && pos_eq(l.from, pts[2], 0));
    m.step = 0;
    CU_ASSERT_EQUAL(mn_mob_first_leg(&m, &st, NULL, 0, &l, &err), MN_EINVAL);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_mobility_one_degree_is_111195_m),
        MN_TEST(test_mobility_projection_is_within_0_1_percent_of_haversine_near_lat0),
        MN_TEST(test_mobility_projection_error_grows_as_documented_away_from_lat0),
        MN_TEST(test_mobility_geo_check_rejects_out_of_range_coordinates),
        MN_TEST(test_mobility_loads_the_melbourne_cbd_trace),
        MN_TEST(test_mobility_trace_accepts_crlf_reordered_columns_and_spaces),
        MN_TEST(test_mobility_trace_reads_planar_x_y),
        MN_TEST(test_mobility_trace_errors_name_file_and_line),
        MN_TEST(test_mobility_trace_load_survives_each_failed_allocation),
        MN_TEST(test_mobility_kind_names_parse_both_ways),
        MN_TEST(test_mobility_leg_position_interpolates_and_clamps),
        MN_TEST(test_mobility_static_stays_home_forever),
        MN_TEST(test_mobility_random_waypoint_stays_in_area_at_bounded_speed),
        MN_TEST(test_mobility_random_waypoint_needs_a_positive_minimum_speed),
        MN_TEST(test_mobility_commute_repeats_home_travel_office_travel_for_3_days),
        MN_TEST(test_mobility_commute_waits_for_the_next_leave_time),
        MN_TEST(test_mobility_commute_work_past_midnight_continues),
        MN_TEST(test_mobility_commute_skips_zero_length_legs),
        MN_TEST(test_mobility_trace_interpolates_and_holds_or_loops),
    };
    MN_SUITE("mobility", cases);
}
