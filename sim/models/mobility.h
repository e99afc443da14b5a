/*
 * mobility.h - where users are: positions on a local plane, a geographic
 * projection onto it, waypoint trace files, and four mobility models that
 * give a user's movement as a sequence of legs.
 *
 * Owns:      an mn_trace owns its points (mn_trace_destroy frees them).
 *            Nothing else here allocates.
 * Borrows:   an mn_mobility borrows its distspecs and its trace; they must
 *            outlive every leg drawn from it. One mn_mobility is shared by
 *            any number of users; each user has its own mn_mob_state.
 * Invariant: every leg has t1 > t0, or t1 == MN_TIME_MAX ("stays forever",
 *            then from == to); a leg starts when the previous one ended
 *            (next.t0 == prev.t1) and where (next.from == prev.to), except
 *            that a commute travel of 0 ns moves the user between places at
 *            once.
 *
 * Units: positions in metres (x east, y north), speeds in m/s, times in
 * mn_time (ns). Distspecs here are durations: parse them with
 * mn_qk_duration.
 *
 * A leg is linear motion from `from` (at t0) to `to` (at t1); a stay is a
 * leg with from == to. The simulator schedules an event at each leg's t1,
 * asks mn_mob_next_leg for the next one, and may ask mn_leg_pos in between.
 * Models (docs/models-mobility.md):
 *   static           stays at st->home forever.
 *   random-waypoint  Johnson and Maltz (1996), as surveyed by Camp, Boleng
 *                    and Davies (2002): pause, then go in a straight line to
 *                    a uniform point of the area at a uniform speed in
 *                    [speed_min, speed_max], pause, ... speed_min > 0 is
 *                    required: with speed_min = 0 the mean speed decays
 *                    towards zero over the run (Yoon, Liu and Noble 2003).
 *   commute          home until the day's leave time, travel (offline),
 *                    office for `work`, travel back, home until the next
 *                    day's leave time.
 *   trace            a waypoint trace, `step` between waypoints, linear in
 *                    between; loops or holds its last point.
 */
#ifndef MN_MOBILITY_H
#define MN_MOBILITY_H

#include <stddef.h>
#include <stdint.h>

#include "core/distspec.h"
#include "core/err.h"
#include "core/rng.h"
#include "core/time.h"

/* ---- positions and the projection ---- */

typedef struct mn_pos {
    double x, y; /* metres: x east, y north */
} mn_pos;

/* Euclidean distance in metres. */
double mn_pos_dist(mn_pos a, mn_pos b);

/* Mean Earth radius (IUGG R1 = (2a + b) / 3 of WGS84), metres. */
#define MN_GEO_EARTH_RADIUS_M 6371008.8

/*
 * Local equirectangular projection around (lat0, lon0):
 *   x = R (lon - lon0) cos(lat0),  y = R (lat - lat0)   (angles in radians)
 * Distances are exact north-south; east-west they are scaled by
 * cos(lat0) / cos(lat), so for two points whose latitudes are within d
 * metres (north-south) of lat0 the planar distance is within
 *   cos(lat0) / cos(|lat0| + d/R) - 1  ~=  tan|lat0| * d / R
 * of the great-circle (haversine) distance. That is 0.1% for d up to
 * 6371 m / tan|lat0|: 8.2 km at Melbourne (37.8 S), 6.4 km at 45 deg,
 * 3.7 km at 60 deg. Within 50 km of the origin it is up to 0.62% at 37.8 S
 * and 1.4% at 60 deg; distances measured from the origin itself are about
 * five times better (0.12% at 50 km, 37.8 S). Fine for a city, not for a
 * region: centre the frame on the area studied. lat0 must be inside
 * (-90, 90). `set` is 1 once initialised (a zeroed frame is "not set").
 */
typedef struct mn_geo_frame {
    double lat0, lon0; /* degrees */
    double cos_lat0;
    int set;
} mn_geo_frame;

void mn_geo_frame_init(mn_geo_frame *f, double lat0_deg, double lon0_deg);
/* The position of (lat, lon) in degrees; longitudes are taken the short way round from lon0. */
mn_pos mn_geo_project(const mn_geo_frame *f, double lat_deg, double lon_deg);
/* Great-circle distance in metres on the sphere of radius MN_GEO_EARTH_RADIUS_M. */
double mn_geo_haversine_m(double lat1_deg, double lon1_deg, double lat2_deg, double lon2_deg);

/*
 * MN_OK if lat is in [-90, 90] and lon in [-180, 180] (both finite), else
 * MN_ERANGE with err->where = where ("file:line", may be NULL) and a
 * message naming the bad value.
 */
int mn_geo_check(double lat_deg, double lon_deg, const char *where, mn_err *err);

/* ---- waypoint traces ---- */

typedef struct mn_trace {
    mn_pos *pts; /* owned: n points, metres in the caller's frame */
    size_t n;    /* >= 1, <= UINT32_MAX */
} mn_trace;

/*
 * Loads a CSV waypoint trace. The first non-blank line is a header naming
 * the columns Latitude and Longitude (degrees; any order, any case, other
 * columns ignored), or x and y (metres, used as they are). Then one
 * waypoint per line. Spaces or tabs around values, double quotes around a
 * field, CRLF line ends, a UTF-8 byte-order mark and blank lines are
 * accepted. Numbers are read with strtod (so the C locale's '.' decimal
 * point).
 *
 * Latitude/longitude points are projected with *frame; when frame->set is
 * 0 it is first initialised at the first point (so that point is (0, 0)).
 * frame may be NULL: a private frame at the first point is used. x,y files
 * leave *frame untouched.
 *
 * On success *out is a new trace (free with mn_trace_destroy). Errors, with
 * err->where = "path:line" (just "path" when no line applies):
 * MN_EIO (cannot open or read), MN_EPARSE (no header, missing field, not a
 * number), MN_ERANGE (coordinate out of range or not finite; more than
 * UINT32_MAX points), MN_EINVAL (no waypoint), MN_ENOMEM.
 */
int mn_trace_load(const char *path, mn_geo_frame *frame, mn_trace **out, mn_err *err);
void mn_trace_destroy(mn_trace *t); /* NULL is a no-op */

/* ---- mobility models ---- */

typedef enum mn_mob_kind { MN_MOB_STATIC, MN_MOB_RWP, MN_MOB_COMMUTE, MN_MOB_TRACE } mn_mob_kind;

/*
 * "static", "random-waypoint", "commute", "trace" (exact, lower case).
 * Unknown: MN_EPARSE with a message listing the valid names.
 */
int mn_mob_kind_parse(const char *name, mn_mob_kind *out, mn_err *err);
/* The name mn_mob_kind_parse reads; "?" for a value outside the enum. */
const char *mn_mob_kind_name(mn_mob_kind kind);

/* Model parameters, shared by many users. Fields of other kinds are ignored. */
typedef struct mn_mobility {
    mn_mob_kind kind;

    /* random-waypoint: destinations uniform in [area_lo, area_hi] (metres,
     * lo <= hi); speed uniform in [speed_min, speed_max] m/s with
     * 0 < speed_min <= speed_max; pause drawn from *pause (NULL: no pause). */
    mn_pos area_lo, area_hi;
    double speed_min, speed_max;
    const mn_distspec *pause; /* borrowed */

    /* commute: leave = time of day (reduced mod 24 h), e.g. uniform(7h, 9h);
     * travel and work are durations. All three required. */
    const mn_distspec *leave, *travel, *work; /* borrowed */

    /* trace: waypoints in order, step (> 0) between consecutive ones; loop:
     * after the last, go back to the first (taking one more step); else stay
     * at the last one forever. */
    const mn_trace *trace; /* borrowed */
    mn_time step;
    int loop;
} mn_mobility;

/*
 * Per-user state, 40 bytes. Before mn_mob_first_leg the caller sets:
 *   static:   home;
 *   commute:  home and office;
 *   trace:    index = the waypoint to start at (taken mod n);
 *   random-waypoint: nothing (the start is drawn).
 * The model owns the rest; the caller only reads it.
 */
typedef struct mn_mob_state {
    mn_pos home, office; /* metres */
    uint32_t index;      /* trace: waypoint at the end of the current leg;
                            rwp: 0 pausing, 1 moving; commute: MN_MOB_AT_HOME... */
    int32_t day;         /* commute: day (t / 24 h, rounded down) of the latest
                            departure, planned or done */
} mn_mob_state;

/* Commute phases, in st->index. */
enum { MN_MOB_AT_HOME = 0, MN_MOB_TO_OFFICE = 1, MN_MOB_AT_OFFICE = 2, MN_MOB_TO_HOME = 3 };

typedef struct mn_leg {
    mn_time t0, t1;  /* t1 > t0, or t1 == MN_TIME_MAX: stays at `from` forever */
    mn_pos from, to; /* linear motion from -> to over [t0, t1] */
    int8_t online;   /* 1 at a place or moving while served; 0 commuting between places */
    int8_t place;    /* commute: 0 home, 1 office, -1 travelling; other models: -1 */
} mn_leg;

/* Checks m's parameters for its kind: MN_EINVAL naming the bad field. */
int mn_mobility_check(const mn_mobility *m, mn_err *err);

/*
 * The user appears at `now`: fills *out with its first leg (t0 == now) and
 * starts st. Checks m first (mn_mobility_check). Random draws, in order,
 * from r (the same inputs give the same legs; r may be NULL for static and
 * trace, which draw nothing):
 *   static:  none.
 *   rwp:     start x, start y (uniform in the area), pause.
 *   commute: leave time of day. The user starts at home; the leg lasts until
 *            today's leave time, or tomorrow's if today's is not after now.
 *   trace:   none.
 * Errors: MN_EINVAL (bad parameters), MN_ERANGE (time past MN_TIME_MAX).
 */
int mn_mob_first_leg(const mn_mobility *m, mn_mob_state *st, mn_rng *r, mn_time now, mn_leg *out,
                     mn_err *err);

/*
 * The leg after *prev (the leg this state last returned; out may be prev).
 * Draws from r, in order:
 *   rwp:     after a pause: destination x, destination y, speed; after a
 *            move: pause. A pause of 0 ns is skipped (the next move is drawn
 *            at once), and a move lasts at least 1 ns.
 *   commute: at each leg's start, its duration: travel, work, travel, then
 *            the next leave time; a travel or work of 0 ns is skipped.
 *            Home is left at most once per day: the next leave is the first
 *            day's leave time after both the arrival and the last
 *            departure's day.
 *   trace:   none.
 * Errors: MN_EINVAL after a leg that lasts forever (there is no next),
 * MN_ERANGE (time past MN_TIME_MAX).
 */
int mn_mob_next_leg(const mn_mobility *m, mn_mob_state *st, mn_rng *r, const mn_leg *prev,
                    mn_leg *out, mn_err *err);

/* Position at t, with t clamped into [t0, t1]: exactly from at t0, to at t1. */
mn_pos mn_leg_pos(const mn_leg *l, mn_time t);

#endif /* MN_MOBILITY_H */
