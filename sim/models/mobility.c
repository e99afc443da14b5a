/* mobility.c - positions, projection, waypoint traces and mobility models; see mobility.h. */
#include "mobility.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/readfile.h"

#define DEG (3.14159265358979323846 / 180.0)

/* ---- positions and the projection ---- */

double mn_pos_dist(mn_pos a, mn_pos b)
{
    return hypot(b.x - a.x, b.y - a.y);
}

void mn_geo_frame_init(mn_geo_frame *f, double lat0_deg, double lon0_deg)
{
    f->lat0 = lat0_deg;
    f->lon0 = lon0_deg;
    f->cos_lat0 = cos(lat0_deg * DEG);
    f->set = 1;
}

/*
 * x = R dlon cos(lat0), y = R dlat. Example: at lat0 = 60 deg, one degree of
 * longitude east is x = 6371008.8 * 0.0174533 * 0.5 = 55597.5 m, one degree
 * of latitude north y = 111195.1 m. The error bound is derived in mobility.h
 * and docs/models-mobility.md.
 */
mn_pos mn_geo_project(const mn_geo_frame *f, double lat_deg, double lon_deg)
{
    double dlon = lon_deg - f->lon0;
    if (dlon > 180)
        dlon -= 360;
    else if (dlon < -180)
        dlon += 360;
    mn_pos p = {MN_GEO_EARTH_RADIUS_M * dlon * DEG * f->cos_lat0,
                MN_GEO_EARTH_RADIUS_M * (lat_deg - f->lat0) * DEG};
    return p;
}

/* d = 2R asin(sqrt(sin^2(dlat/2) + cos lat1 cos lat2 sin^2(dlon/2))). */
double mn_geo_haversine_m(double lat1_deg, double lon1_deg, double lat2_deg, double lon2_deg)
{
    double s1 = sin((lat2_deg - lat1_deg) * DEG / 2);
    double s2 = sin((lon2_deg - lon1_deg) * DEG / 2);
    double h = s1 * s1 + cos(lat1_deg * DEG) * cos(lat2_deg * DEG) * s2 * s2;
    return 2 * MN_GEO_EARTH_RADIUS_M * asin(h < 1 ? sqrt(h) : 1);
}

int mn_geo_check(double lat_deg, double lon_deg, const char *where, mn_err *err)
{
    if (!(lat_deg >= -90 && lat_deg <= 90))
        return mn_err_set_at(err, MN_ERANGE, where, "latitude %g is outside [-90, 90] degrees",
                             lat_deg);
    if (!(lon_deg >= -180 && lon_deg <= 180))
        return mn_err_set_at(err, MN_ERANGE, where, "longitude %g is outside [-180, 180] degrees",
                             lon_deg);
    return MN_OK;
}

/* ---- waypoint traces ---- */

/* The whole file, NUL-terminated, in *buf (owned by the caller: mn_free). */
static int read_file(const char *path, char **buf, size_t *len, mn_err *err)
{
    int rc = mn_read_file(path, buf, len);
    if (rc == MN_ENOMEM)
        return mn_err_set_at(err, MN_ENOMEM, path, "out of memory reading the trace");
    if (rc != MN_OK)
        return mn_err_set_at(err, MN_EIO, path, "cannot open: %s", strerror(errno));
    return MN_OK;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* The field [s, e) without surrounding blanks and one pair of double quotes. */
static void field_trim(const char **s, const char **e)
{
    while (*s < *e && is_blank(**s))
        (*s)++;
    while (*e > *s && is_blank((*e)[-1]))
        (*e)--;
    if (*e - *s >= 2 && **s == '"' && (*e)[-1] == '"') {
        (*s)++;
        (*e)--;
        while (*s < *e && is_blank(**s))
            (*s)++;
        while (*e > *s && is_blank((*e)[-1]))
            (*e)--;
    }
}

/* Field `col` (0-based) of line [s, e), trimmed; 0 if the line has fewer fields. */
static int field_get(const char *s, const char *e, int col, const char **fs, const char **fe)
{
    for (int i = 0;; i++) {
        const char *c = memchr(s, ',', (size_t)(e - s));
        const char *end = c ? c : e;
        if (i == col) {
            *fs = s;
            *fe = end;
            field_trim(fs, fe);
            return 1;
        }
        if (!c)
            return 0;
        s = c + 1;
    }
}

static int word_is(const char *s, const char *e, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(e - s) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

enum { COL_LAT, COL_LON, COL_X, COL_Y, NCOLS };
static const char *const col_word[NCOLS] = {"latitude", "longitude", "x", "y"};
static const char *const col_name[NCOLS] = {"Latitude", "Longitude", "x", "y"};

static int parse_number(const char *s, const char *e, const char *what, const char *where,
                        double *out, mn_err *err)
{
    char tmp[64];
    size_t n = (size_t)(e - s);
    if (n == 0)
        return mn_err_set_at(err, MN_EPARSE, where, "%s is empty", what);
    if (n >= sizeof tmp)
        return mn_err_set_at(err, MN_EPARSE, where, "%s \"%.20s...\" is not a number", what, s);
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (end == tmp || *end != '\0')
        return mn_err_set_at(err, MN_EPARSE, where, "%s \"%s\" is not a number", what, tmp);
    if (!isfinite(v))
        return mn_err_set_at(err, MN_ERANGE, where, "%s \"%s\" is not a finite number", what, tmp);
    *out = v;
    return MN_OK;
}

/* Reads the header line [s, e): which columns hold the coordinates. */
static int parse_header(const char *s, const char *e, const char *where, int col[NCOLS], int *geo,
                        mn_err *err)
{
    for (int k = 0; k < NCOLS; k++)
        col[k] = -1;
    const char *fs, *fe;
    for (int i = 0; field_get(s, e, i, &fs, &fe); i++)
        for (int k = 0; k < NCOLS; k++)
            if (word_is(fs, fe, col_word[k])) {
                if (col[k] >= 0)
                    return mn_err_set_at(err, MN_EPARSE, where,
                                         "the header names %s twice (columns %d and %d)",
                                         col_name[k], col[k] + 1, i + 1);
                col[k] = i;
            }
    if (col[COL_LAT] >= 0 && col[COL_LON] >= 0) {
        *geo = 1;
        return MN_OK;
    }
    if (col[COL_X] >= 0 && col[COL_Y] >= 0 && col[COL_LAT] < 0 && col[COL_LON] < 0) {
        *geo = 0;
        return MN_OK;
    }
    if (col[COL_LAT] >= 0 || col[COL_LON] >= 0)
        return mn_err_set_at(err, MN_EPARSE, where, "the header names %s but no %s column",
                             col[COL_LAT] >= 0 ? "Latitude" : "Longitude",
                             col[COL_LAT] >= 0 ? "Longitude" : "Latitude");
    field_get(s, e, 0, &fs, &fe);
    char *num_end;
    char first[64];
    snprintf(first, sizeof first, "%.*s", (int)(fe - fs < 63 ? fe - fs : 63), fs);
    strtod(first, &num_end);
    if (num_end != first && *num_end == '\0')
        return mn_err_set_at(err, MN_EPARSE, where,
                             "no header line: the first line must name the columns, e.g. "
                             "\"Latitude,Longitude\" (degrees) or \"x,y\" (metres)");
    return mn_err_set_at(err, MN_EPARSE, where,
                         "the header \"%.*s\" names neither Latitude and Longitude nor x and y "
                         "columns",
                         (int)(e - s > 80 ? 80 : e - s), s);
}

/* Parses buf (NUL-terminated, len bytes) into *pts/n. */
static int parse_trace(const char *path, const char *buf, size_t len, mn_geo_frame *frame,
                       mn_pos **pts, size_t *n, mn_err *err)
{
    char where[MN_PATH_WHERE];
    const char *p = buf, *end = buf + len;
    if (memchr(buf, '\0', len))
        return mn_err_set_at(err, MN_EPARSE, path, "contains a NUL byte: not a text file");
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    int col[NCOLS], geo = 0, have_header = 0;
    size_t cap = 0;
    mn_geo_frame local = {0};
    if (!frame)
        frame = &local;
    for (long line = 1; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *ls = p;
        p = nl ? nl + 1 : end;
        const char *t = ls;
        while (t < le && is_blank(*t))
            t++;
        if (t == le)
            continue; /* blank line */
        snprintf(where, sizeof where, "%s:%ld", path, line);
        if (!have_header) {
            int rc = parse_header(ls, le, where, col, &geo, err);
            if (rc != MN_OK)
                return rc;
            have_header = 1;
            continue;
        }
        int ca = geo ? col[COL_LAT] : col[COL_X], cb = geo ? col[COL_LON] : col[COL_Y];
        const char *as, *ae, *bs, *be;
        if (!field_get(ls, le, ca, &as, &ae))
            return mn_err_set_at(err, MN_EPARSE, where, "no %s field (column %d)",
                                 col_name[geo ? COL_LAT : COL_X], ca + 1);
        if (!field_get(ls, le, cb, &bs, &be))
            return mn_err_set_at(err, MN_EPARSE, where, "no %s field (column %d)",
                                 col_name[geo ? COL_LON : COL_Y], cb + 1);
        double a, b;
        int rc = parse_number(as, ae, col_name[geo ? COL_LAT : COL_X], where, &a, err);
        if (rc == MN_OK)
            rc = parse_number(bs, be, col_name[geo ? COL_LON : COL_Y], where, &b, err);
        if (rc == MN_OK && geo)
            rc = mn_geo_check(a, b, where, err);
        if (rc != MN_OK)
            return rc;
        if (*n >= UINT32_MAX)
            return mn_err_set_at(err, MN_ERANGE, where, "more than %u waypoints",
                                 (unsigned)UINT32_MAX);
        if (mn_array_reserve((void **)pts, &cap, *n + 1, sizeof **pts) != 0)
            return mn_err_set_at(err, MN_ENOMEM, where, "out of memory for the waypoints");
        mn_pos q = {a, b};
        if (geo) {
            if (!frame->set)
                mn_geo_frame_init(frame, a, b);
            q = mn_geo_project(frame, a, b);
        }
        (*pts)[(*n)++] = q;
    }
    if (!have_header)
        return mn_err_set_at(err, MN_EPARSE, path,
                             "empty file: expected a header line \"Latitude,Longitude\" (or "
                             "\"x,y\") and at least one waypoint");
    if (*n == 0)
        return mn_err_set_at(err, MN_EINVAL, path,
                             "no waypoint after the header; a trace needs at least one");
    return MN_OK;
}

int mn_trace_load(const char *path, mn_geo_frame *frame, mn_trace **out, mn_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = read_file(path, &buf, &len, err);
    if (rc != MN_OK)
        return rc;
    mn_pos *pts = NULL;
    size_t n = 0;
    /* Parse into a copy so a failed load leaves *frame as it was. */
    mn_geo_frame f = frame ? *frame : (mn_geo_frame){0};
    rc = parse_trace(path, buf, len, &f, &pts, &n, err);
    mn_free(buf);
    mn_trace *t = NULL;
    if (rc == MN_OK && !(t = mn_alloc(sizeof *t)))
        rc = mn_err_set_at(err, MN_ENOMEM, path, "out of memory for the trace");
    if (rc != MN_OK) {
        mn_free(pts);
        return rc;
    }
    mn_pos *fit = mn_realloc(pts, n * sizeof *pts); /* give back the doubling slack */
    t->pts = fit ? fit : pts;
    t->n = n;
    if (frame)
        *frame = f;
    *out = t;
    return MN_OK;
}

void mn_trace_destroy(mn_trace *t)
{
    if (!t)
        return;
    mn_free(t->pts);
    mn_free(t);
}

/* ---- mobility models ---- */

static const char *const kind_names[] = {
    [MN_MOB_STATIC] = "static",
    [MN_MOB_RWP] = "random-waypoint",
    [MN_MOB_COMMUTE] = "commute",
    [MN_MOB_TRACE] = "trace",
};
#define NKINDS (sizeof kind_names / sizeof kind_names[0])

int mn_mob_kind_parse(const char *name, mn_mob_kind *out, mn_err *err)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (name && strcmp(name, kind_names[i]) == 0) {
            *out = (mn_mob_kind)i;
            return MN_OK;
        }
    return MN_ERR(err, MN_EPARSE,
                  "unknown mobility model \"%s\"; use static, random-waypoint, commute or trace",
                  name ? name : "(null)");
}

const char *mn_mob_kind_name(mn_mob_kind kind)
{
    return (unsigned)kind < NKINDS ? kind_names[kind] : "?";
}

static int pos_finite(mn_pos p)
{
    return isfinite(p.x) && isfinite(p.y);
}

int mn_mobility_check(const mn_mobility *m, mn_err *err)
{
    switch (m->kind) {
    case MN_MOB_STATIC:
        return MN_OK;
    case MN_MOB_RWP:
        if (!pos_finite(m->area_lo) || !pos_finite(m->area_hi) || !(m->area_lo.x <= m->area_hi.x) ||
            !(m->area_lo.y <= m->area_hi.y))
            return MN_ERR(err, MN_EINVAL,
                          "random-waypoint area (%g, %g)-(%g, %g) m needs finite corners with "
                          "lo <= hi",
                          m->area_lo.x, m->area_lo.y, m->area_hi.x, m->area_hi.y);
        if (!(m->speed_min > 0) || !(m->speed_max >= m->speed_min) || !isfinite(m->speed_max))
            return MN_ERR(err, MN_EINVAL,
                          "random-waypoint speeds [%g, %g] m/s need 0 < min <= max (a minimum of "
                          "0 makes the mean speed decay over the run)",
                          m->speed_min, m->speed_max);
        return MN_OK;
    case MN_MOB_COMMUTE:
        if (!m->leave || !m->travel || !m->work)
            return MN_ERR(err, MN_EINVAL, "commute needs leave, travel and work distributions");
        return MN_OK;
    case MN_MOB_TRACE:
        if (!m->trace || !m->trace->pts || m->trace->n == 0 || m->trace->n > UINT32_MAX)
            return MN_ERR(err, MN_EINVAL, "trace mobility needs a trace with at least one point");
        if (!(m->step > 0))
            return MN_ERR(err, MN_EINVAL, "trace mobility needs a step above 0 between waypoints");
        return MN_OK;
    }
    return MN_ERR(err, MN_EINVAL, "unknown mobility kind %d", (int)m->kind);
}

/* *out = a + b (b >= 0) if it stays below MN_TIME_MAX, the "forever" sentinel. */
static int time_add(mn_time a, mn_time b, mn_time *out, mn_err *err)
{
    if (b > MN_TIME_MAX - 1 - a)
        return MN_ERR(err, MN_ERANGE, "a mobility leg would end past the end of time (%lld ns)",
                      (long long)MN_TIME_MAX);
    *out = a + b;
    return MN_OK;
}

static int draw_duration(const mn_distspec *d, mn_rng *r, mn_time *out, mn_err *err)
{
    uint64_t v = d ? mn_distspec_draw(d, r) : 0;
    if (v >= (uint64_t)MN_TIME_MAX)
        return MN_ERR(err, MN_ERANGE, "a drawn mobility duration is too long (%llu ns)",
                      (unsigned long long)v);
    *out = (mn_time)v;
    return MN_OK;
}

static void set_leg(mn_leg *l, mn_time t0, mn_time t1, mn_pos from, mn_pos to, int online,
                    int place)
{
    l->t0 = t0;
    l->t1 = t1;
    l->from = from;
    l->to = to;
    l->online = (int8_t)online;
    l->place = (int8_t)place;
}

/* -- random waypoint -- */

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Uniform in the area; clamped because lo + u (hi - lo) can round to just past hi. */
static mn_pos rwp_point(const mn_mobility *m, mn_rng *r)
{
    double x = mn_rng_uniform_range(r, m->area_lo.x, m->area_hi.x);
    double y = mn_rng_uniform_range(r, m->area_lo.y, m->area_hi.y);
    mn_pos p = {clamp(x, m->area_lo.x, m->area_hi.x), clamp(y, m->area_lo.y, m->area_hi.y)};
    return p;
}

/* A move from `at` starting at t: destination, speed, duration dist/speed (>= 1 ns). */
static int rwp_move(const mn_mobility *m, mn_mob_state *st, mn_rng *r, mn_time t, mn_pos at,
                    mn_leg *out, mn_err *err)
{
    mn_pos to = rwp_point(m, r);
    double v =
        clamp(mn_rng_uniform_range(r, m->speed_min, m->speed_max), m->speed_min, m->speed_max);
    mn_time d = mn_time_from_sec(mn_pos_dist(at, to) / v);
    if (d < 1)
        d = 1;
    mn_time t1 = 0;
    int rc = time_add(t, d, &t1, err);
    if (rc != MN_OK)
        return rc;
    set_leg(out, t, t1, at, to, 1, -1);
    st->index = 1;
    return MN_OK;
}

/* A pause at `at` from t, or (a pause of 0) the next move at once. */
static int rwp_pause(const mn_mobility *m, mn_mob_state *st, mn_rng *r, mn_time t, mn_pos at,
                     mn_leg *out, mn_err *err)
{
    mn_time d = 0, t1 = 0;
    int rc = draw_duration(m->pause, r, &d, err);
    if (rc != MN_OK)
        return rc;
    if (d == 0)
        return rwp_move(m, st, r, t, at, out, err);
    if ((rc = time_add(t, d, &t1, err)) != MN_OK)
        return rc;
    set_leg(out, t, t1, at, at, 1, -1);
    st->index = 0;
    return MN_OK;
}

/* -- commute -- */

static int64_t day_of(mn_time t)
{
    int64_t d = t / MN_DAY;
    return (t % MN_DAY < 0) ? d - 1 : d;
}

/*
 * The home leg from t: until the leave time of day L on the first day k with
 * k >= min_day and k * 24h + L > t. Example: back home on day 3 at 19:00 after
 * leaving on day 3, min_day = 4, L = 8:00: leave on day 4 at 8:00.
 */
static int commute_home(const mn_mobility *m, mn_mob_state *st, mn_rng *r, mn_time t,
                        int64_t min_day, mn_leg *out, mn_err *err)
{
    mn_time leave = 0;
    int rc = draw_duration(m->leave, r, &leave, err);
    if (rc != MN_OK)
        return rc;
    leave %= MN_DAY;
    int64_t k = day_of(t);
    if (k < min_day)
        k = min_day;
    if (k > (MN_TIME_MAX - 1 - leave) / MN_DAY - 1 || k < INT64_MIN / MN_DAY + 1)
        return MN_ERR(err, MN_ERANGE, "a commute would leave home outside the time range");
    mn_time t1 = k * MN_DAY + leave;
    if (t1 <= t) {
        k++;
        t1 += MN_DAY;
    }
    if (k > INT32_MAX || k < INT32_MIN)
        return MN_ERR(err, MN_ERANGE, "commute day %lld does not fit the state", (long long)k);
    set_leg(out, t, t1, st->home, st->home, 1, 0);
    st->index = MN_MOB_AT_HOME;
    st->day = (int32_t)k;
    return MN_OK;
}

/* The leg after phase st->index ended at t; zero-length travel and work are skipped. */
static int commute_next(const mn_mobility *m, mn_mob_state *st, mn_rng *r, mn_time t, mn_leg *out,
                        mn_err *err)
{
    for (int guard = 0; guard < 4; guard++) {
        uint32_t phase = (st->index + 1) % 4;
        if (phase == MN_MOB_AT_HOME)
            return commute_home(m, st, r, t, (int64_t)st->day + 1, out, err);
        mn_time d = 0, t1 = 0;
        int rc = draw_duration(phase == MN_MOB_AT_OFFICE ? m->work : m->travel, r, &d, err);
        if (rc == MN_OK)
            rc = time_add(t, d, &t1, err);
        if (rc != MN_OK)
            return rc;
        st->index = phase;
        if (d == 0)
            continue;
        if (phase == MN_MOB_TO_OFFICE)
            set_leg(out, t, t1, st->home, st->office, 0, -1);
        else if (phase == MN_MOB_AT_OFFICE)
            set_leg(out, t, t1, st->office, st->office, 1, 1);
        else
            set_leg(out, t, t1, st->office, st->home, 0, -1);
        return MN_OK;
    }
    return MN_ERR(err, MN_EBUG, "commute phases did not come back home");
}

/* -- trace -- */

/* The leg from waypoint i at t: to i + 1 in one step, or forever at the end. */
static int trace_leg(const mn_mobility *m, mn_mob_state *st, uint32_t i, mn_time t, mn_leg *out,
                     mn_err *err)
{
    const mn_trace *tr = m->trace;
    if (tr->n == 1 || (!m->loop && i == tr->n - 1)) {
        set_leg(out, t, MN_TIME_MAX, tr->pts[i], tr->pts[i], 1, -1);
        st->index = i;
        return MN_OK;
    }
    uint32_t j = (uint32_t)((i + 1) % tr->n);
    mn_time t1 = 0;
    int rc = time_add(t, m->step, &t1, err);
    if (rc != MN_OK)
        return rc;
    set_leg(out, t, t1, tr->pts[i], tr->pts[j], 1, -1);
    st->index = j;
    return MN_OK;
}

int mn_mob_first_leg(const mn_mobility *m, mn_mob_state *st, mn_rng *r, mn_time now, mn_leg *out,
                     mn_err *err)
{
    int rc = mn_mobility_check(m, err);
    if (rc != MN_OK)
        return rc;
    if (now == MN_TIME_MAX)
        return MN_ERR(err, MN_ERANGE, "a user cannot appear at the end of time");
    switch (m->kind) {
    case MN_MOB_STATIC:
        if (!pos_finite(st->home))
            return MN_ERR(err, MN_EINVAL, "static user's home is not a finite position");
        st->index = 0;
        set_leg(out, now, MN_TIME_MAX, st->home, st->home, 1, -1);
        return MN_OK;
    case MN_MOB_RWP: {
        mn_pos start = rwp_point(m, r);
        return rwp_pause(m, st, r, now, start, out, err);
    }
    case MN_MOB_COMMUTE:
        if (!pos_finite(st->home) || !pos_finite(st->office))
            return MN_ERR(err, MN_EINVAL, "commuter's home or office is not a finite position");
        return commute_home(m, st, r, now, INT64_MIN, out, err);
    case MN_MOB_TRACE:
        return trace_leg(m, st, (uint32_t)(st->index % m->trace->n), now, out, err);
    }
    return MN_ERR(err, MN_EBUG, "unhandled mobility kind %d", (int)m->kind);
}

int mn_mob_next_leg(const mn_mobility *m, mn_mob_state *st, mn_rng *r, const mn_leg *prev,
                    mn_leg *out, mn_err *err)
{
    if (prev->t1 == MN_TIME_MAX)
        return MN_ERR(err, MN_EINVAL, "no leg follows one that lasts forever");
    mn_time t = prev->t1;
    mn_pos at = prev->to;
    switch (m->kind) {
    case MN_MOB_STATIC:
        break; /* its one leg lasts forever */
    case MN_MOB_RWP:
        if (st->index == 0)
            return rwp_move(m, st, r, t, at, out, err);
        return rwp_pause(m, st, r, t, at, out, err);
    case MN_MOB_COMMUTE:
        return commute_next(m, st, r, t, out, err);
    case MN_MOB_TRACE:
        if (st->index >= m->trace->n)
            return MN_ERR(err, MN_EBUG, "trace state index %u is past the trace's %zu points",
                          (unsigned)st->index, m->trace->n);
        return trace_leg(m, st, st->index, t, out, err);
    }
    return MN_ERR(err, MN_EBUG, "mobility kind %d has no next leg", (int)m->kind);
}

mn_pos mn_leg_pos(const mn_leg *l, mn_time t)
{
    if (t <= l->t0 || l->t1 == MN_TIME_MAX)
        return l->from;
    if (t >= l->t1)
        return l->to;
    /* Unsigned differences: exact for any t0 < t < t1, even across zero. */
    double f =
        (double)((uint64_t)t - (uint64_t)l->t0) / (double)((uint64_t)l->t1 - (uint64_t)l->t0);
    mn_pos p = {l->from.x + f * (l->to.x - l->from.x), l->from.y + f * (l->to.y - l->from.y)};
    return p;
}
