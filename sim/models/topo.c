/* topo.c - GraphML/GML topology import through igraph; see topo.h. */
#include "topo.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <igraph.h>

#include "core/alloc.h"
#include "topo_int.h"

/* igraph aborts on errors unless told otherwise: record the reason instead. */
static _Thread_local char igraph_reason[256];

static void on_igraph_error(const char *reason, const char *file, int line, igraph_error_t code)
{
    (void)file;
    (void)line;
    snprintf(igraph_reason, sizeof igraph_reason, "%s (%s)", reason, igraph_strerror(code));
    IGRAPH_FINALLY_FREE(); /* what the failing igraph call had allocated */
}

static void on_igraph_warning(const char *reason, const char *file, int line)
{
    (void)reason;
    (void)file;
    (void)line;
}

double mn_topo_distance_m(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = M_PI / 180.0;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double h = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * MN_TOPO_EARTH_RADIUS_M * asin(sqrt(h < 1 ? h : 1));
}

void mn_topo_destroy(mn_topo *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nnodes; i++) {
        mn_free(t->nodes[i].id);
        mn_free(t->nodes[i].label);
    }
    mn_free(t->nodes);
    mn_free(t->links);
    mn_free(t);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A vertex or edge attribute as a number, NaN when absent (igraph's convention). */
static double num_attr(const igraph_t *g, igraph_attribute_elemtype_t kind, const char *name,
                       igraph_integer_t i)
{
    if (!igraph_cattribute_has_attr(g, kind, name))
        return NAN;
    if (kind == IGRAPH_ATTRIBUTE_VERTEX)
        return VAN(g, name, i);
    return EAN(g, name, i);
}

/* Nonzero if the graph has a string vertex attribute `name` (GML ids are numbers). */
static int has_string_vertex_attr(const igraph_t *g, const char *name)
{
    if (!igraph_cattribute_has_attr(g, IGRAPH_ATTRIBUTE_VERTEX, name))
        return 0;
    igraph_strvector_t names;
    igraph_vector_int_t types;
    int found = 0;
    if (igraph_strvector_init(&names, 0) != IGRAPH_SUCCESS)
        return 0;
    if (igraph_vector_int_init(&types, 0) == IGRAPH_SUCCESS) {
        if (igraph_cattribute_list(g, NULL, NULL, &names, &types, NULL, NULL) == IGRAPH_SUCCESS)
            for (igraph_integer_t i = 0; i < igraph_strvector_size(&names); i++)
                if (strcmp(igraph_strvector_get(&names, i), name) == 0)
                    found = VECTOR(types)[i] == IGRAPH_ATTRIBUTE_STRING;
        igraph_vector_int_destroy(&types);
    }
    igraph_strvector_destroy(&names);
    return found;
}

static const char *str_attr(const igraph_t *g, int present, const char *name, igraph_integer_t v)
{
    if (!present)
        return NULL;
    const char *s = VAS(g, name, v);
    return s && *s ? s : NULL;
}

mn_topo *mn__topo_shape(const igraph_t *g)
{
    mn_topo *t = mn_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->nnodes = (size_t)igraph_vcount(g);
    t->nlinks = (size_t)igraph_ecount(g);
    t->nodes = mn_calloc(t->nnodes ? t->nnodes : 1, sizeof *t->nodes);
    t->links = mn_calloc(t->nlinks ? t->nlinks : 1, sizeof *t->links);
    if (!t->nodes || !t->links)
        goto oom;
    for (size_t i = 0; i < t->nnodes; i++) {
        char id[24];
        snprintf(id, sizeof id, "%zu", i);
        t->nodes[i].id = mn_strdup(id);
        t->nodes[i].label = mn_strdup(id);
        if (!t->nodes[i].id || !t->nodes[i].label)
            goto oom;
    }
    for (size_t e = 0; e < t->nlinks; e++) {
        t->links[e].a = (uint32_t)IGRAPH_FROM(g, e);
        t->links[e].b = (uint32_t)IGRAPH_TO(g, e);
    }
    return t;
oom:
    mn_topo_destroy(t);
    return NULL;
}

/* Replaces *slot (owned) with a copy of text; MN_ENOMEM leaves it as it was. */
static int replace_string(char **slot, const char *text)
{
    char *copy = mn_strdup(text);
    if (!copy)
        return MN_ENOMEM;
    mn_free(*slot);
    *slot = copy;
    return MN_OK;
}

/* The file's attributes over the shape: ids, labels, positions, capacities, latencies. */
static int fill(const igraph_t *g, const mn_topo_defaults *d, mn_topo *t)
{
    int has_id = has_string_vertex_attr(g, "id"), has_label = has_string_vertex_attr(g, "label");
    for (size_t i = 0; i < t->nnodes; i++) {
        mn_topo_node *n = &t->nodes[i];
        const char *id = str_attr(g, has_id, "id", (igraph_integer_t)i);
        const char *label = str_attr(g, has_label, "label", (igraph_integer_t)i);
        if ((id && replace_string(&n->id, id) != MN_OK) ||
            replace_string(&n->label, label ? label : n->id) != MN_OK)
            return MN_ENOMEM;
        n->lat = num_attr(g, IGRAPH_ATTRIBUTE_VERTEX, "Latitude", (igraph_integer_t)i);
        n->lon = num_attr(g, IGRAPH_ATTRIBUTE_VERTEX, "Longitude", (igraph_integer_t)i);
        n->has_position = isfinite(n->lat) && isfinite(n->lon);
    }
    for (size_t e = 0; e < t->nlinks; e++) {
        mn_topo_link *l = &t->links[e];
        double speed = num_attr(g, IGRAPH_ATTRIBUTE_EDGE, "LinkSpeedRaw", (igraph_integer_t)e);
        if (isfinite(speed) && speed >= 1 && speed < 1.8e19) {
            l->capacity_bps = (uint64_t)llround(speed);
        } else {
            l->capacity_bps = d->capacity_bps;
            l->capacity_defaulted = 1;
        }
        const mn_topo_node *a = &t->nodes[l->a], *b = &t->nodes[l->b];
        if (a->has_position && b->has_position) {
            double m = mn_topo_distance_m(a->lat, a->lon, b->lat, b->lon);
            l->latency = mn_time_from_sec(m / MN_TOPO_FIBRE_SPEED_MPS);
        } else {
            l->latency = d->latency;
            l->latency_defaulted = 1;
        }
    }
    return MN_OK;
}

int mn_topo_load(const char *path, const mn_topo_defaults *d, mn_topo **out, mn_err *err)
{
    mn_topo_defaults defaults = {.capacity_bps = 1000000000ULL, .latency = MN_MS};
    if (d) {
        if (d->capacity_bps)
            defaults.capacity_bps = d->capacity_bps;
        if (d->latency)
            defaults.latency = d->latency;
    }
    int gml = ends_with(path, ".gml");
    if (!gml && !ends_with(path, ".graphml") && !ends_with(path, ".xml"))
        return mn_err_set_at(err, MN_EINVAL, path,
                             "unknown topology format; name the file .graphml (or .xml) or .gml");
    FILE *f = fopen(path, "r");
    if (!f)
        return mn_err_set_at(err, MN_EIO, path, "cannot open: %s", strerror(errno));

    igraph_set_attribute_table(&igraph_cattribute_table);
    igraph_error_handler_t *old_error = igraph_set_error_handler(on_igraph_error);
    igraph_warning_handler_t *old_warning = igraph_set_warning_handler(on_igraph_warning);
    igraph_t g;
    igraph_reason[0] = '\0';
    igraph_error_t rc = gml ? igraph_read_graph_gml(&g, f) : igraph_read_graph_graphml(&g, f, 0);
    igraph_set_error_handler(old_error);
    igraph_set_warning_handler(old_warning);
    fclose(f);
    if (rc != IGRAPH_SUCCESS)
        return mn_err_set_at(err, MN_EPARSE, path, "not a valid %s topology: %s",
                             gml ? "GML" : "GraphML",
                             igraph_reason[0] ? igraph_reason : igraph_strerror(rc));

    mn_topo *t = mn__topo_shape(&g);
    int frc = t ? fill(&g, &defaults, t) : MN_ENOMEM;
    igraph_destroy(&g);
    if (frc != MN_OK) {
        mn_topo_destroy(t);
        return mn_err_set_at(err, frc, path, "out of memory while importing the topology");
    }
    *out = t;
    return MN_OK;
}
