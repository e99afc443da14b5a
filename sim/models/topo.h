/*
 * topo.h - physical topologies imported from GraphML or GML files (the
 * Internet Topology Zoo format) through igraph.
 *
 * Owns:      an mn_topo owns its node and link arrays and every string in
 *            them (mn_topo_destroy frees all).
 * Invariant: links[i].a and .b index nodes; every link has a capacity and a
 *            latency, taken from the file when it says, otherwise from the
 *            stated defaults, and flagged as defaulted.
 *
 * Read from the file: node attributes Latitude and Longitude (degrees) and
 * label; edge attribute LinkSpeedRaw (bit/s). Latency of a link whose two
 * ends have coordinates = great-circle distance (haversine, Earth radius
 * 6371 km) / 2e8 m/s, the speed of light in fibre (refractive index ~1.5).
 * Example: two nodes one degree of longitude apart on the equator are
 * 111.195 km apart, so 0.555975 ms.
 */
#ifndef MN_TOPO_H
#define MN_TOPO_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/time.h"

#define MN_TOPO_EARTH_RADIUS_M 6371000.0
#define MN_TOPO_FIBRE_SPEED_MPS 2.0e8

typedef struct mn_topo_node {
    char *id;    /* owned: the file's node id */
    char *label; /* owned: the label, or a copy of id when there is none */
    double lat, lon;
    int has_position;
} mn_topo_node;

typedef struct mn_topo_link {
    uint32_t a, b;         /* node indexes */
    uint64_t capacity_bps;
    mn_time latency;
    int capacity_defaulted; /* no LinkSpeedRaw on this edge */
    int latency_defaulted;  /* an end without coordinates */
} mn_topo_link;

typedef struct mn_topo {
    mn_topo_node *nodes; /* owned */
    size_t nnodes;
    mn_topo_link *links; /* owned */
    size_t nlinks;
} mn_topo;

typedef struct mn_topo_defaults {
    uint64_t capacity_bps; /* for edges without LinkSpeedRaw; 0: 1 Gbps */
    mn_time latency;       /* for edges with an end lacking coordinates; 0: 1 ms */
} mn_topo_defaults;

/*
 * Loads a .graphml (or .xml) or .gml file. d may be NULL for the defaults
 * above. Errors name the file: MN_EIO (cannot open), MN_EPARSE (igraph's
 * reason for a malformed file), MN_EINVAL (unknown extension).
 */
int mn_topo_load(const char *path, const mn_topo_defaults *d, mn_topo **out, mn_err *err);
void mn_topo_destroy(mn_topo *t); /* NULL is a no-op */

/*
 * Generated topologies. Node i's id is "i". tree: k-ary tree of `nodes`
 * (children per node); grid: rows x cols lattice; geometric: `nodes` uniform
 * in a side x side square, linked when closer than radius x side (igraph's
 * random geometric graph); waxman: same positions, each pair linked with
 * probability beta exp(-d / (alpha L)), L = side sqrt(2) (Waxman 1988).
 * Links get `capacity_bps` and, when latency > 0, that latency; otherwise
 * (geometric, waxman) distance / 2e8 m/s. Random kinds draw from `seed`.
 */
typedef enum mn_gen_kind { MN_GEN_TREE, MN_GEN_GRID, MN_GEN_GEOMETRIC, MN_GEN_WAXMAN } mn_gen_kind;

typedef struct mn_gen_params {
    mn_gen_kind kind;
    uint32_t nodes, children, rows, cols;
    double radius, alpha, beta; /* radius as a fraction of side */
    double side_m;
    uint64_t capacity_bps;
    mn_time latency; /* 0: from distance (geometric, waxman) */
    uint64_t seed;
} mn_gen_params;

/* MN_ERANGE for parameters out of range (message names the parameter). */
int mn_topo_generate(const mn_gen_params *p, mn_topo **out, mn_err *err);

/* Great-circle distance in metres (haversine). */
double mn_topo_distance_m(double lat1, double lon1, double lat2, double lon2);

#endif /* MN_TOPO_H */
