/*
 * world.h - the metamorphic network as loaded: operators, SLAs, services,
 * physical boxes with their radios, virtual access points (vAPs) and
 * virtual machines, virtual networks, overlay sites and tunnels, users and
 * their mobility, and scheduled or random faults.
 *
 * Owns:      every array and string in it (freed by mn_world_fini, called
 *            from mn_net_destroy: a world lives inside its mn_net).
 * Invariant: every reference names an existing entity of the right kind;
 *            quantities are in SI base units as doubles (bit/s, byte, Hz, W,
 *            m) or mn_time; a box's vAPs and VMs fit its CPU and memory, a
 *            radio's vAPs its standard's cap, a virtual network's links the
 *            physical capacity (the loader reports any breach with
 *            "file:line: element id: what is over, by how much; the fix").
 *
 * Entities come from the scenario's <world> section (world_load.c, one
 * handler per element); docs/models.md says where every default comes from.
 */
#ifndef MN_WORLD_H
#define MN_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "core/distspec.h"
#include "core/strmap.h"
#include "core/time.h"
#include "encap.h"
#include "mobility.h"
#include "radio.h"
#include "rules.h"

#define MN_NONE UINT32_MAX
#define MN_WORLD_MAX_VNET_VMS 64       /* VMs in one virtual network */
#define MN_WORLD_MAX_BEACON_SHARE 0.5 /* a radio may spend at most this much air on beacons */
#define MN_MAX_SERVICES 32

typedef struct mn_sla {
    char *id;
    double min_bps;     /* 0: no throughput term; else a session needs min(this, its rate) */
    mn_time max_delay;  /* 0: no delay term */
    mn_time max_outage; /* an outage episode violates once it lasts this long; MN_TIME_MAX: never */
} mn_sla;

typedef enum { MN_SVC_TRANSFER, MN_SVC_STREAM } mn_svc_kind;
enum { MN_DIR_DOWN = 1, MN_DIR_UP = 2, MN_DIR_BOTH = 3 };

typedef struct mn_service {
    char *id;
    mn_svc_kind kind;
    mn_distspec interarrival; /* ns: time between a user's sessions (Poisson: exponential) */
    mn_distspec size;         /* bytes: a transfer's size */
    mn_distspec duration;     /* ns: a stream's holding time */
    double rate_bps;          /* stream: its rate; transfer: a cap (0: none) */
    double packet_bytes;      /* payload per packet: header overheads and per-packet costs */
    int direction;            /* MN_DIR_* */
    uint32_t sla;             /* overrides the user's; MN_NONE: the user's */
    uint32_t to_node;         /* server at a topology node; MN_NONE: beyond the box uplink */
    uint32_t to_vm;           /* or a VM (a PBX): MN_NONE */
} mn_service;

/* Fields a session's path and a user's association read come first (one cache line). */
typedef struct mn_box {
    mn_pos pos;
    uint32_t node;           /* topology node its uplink joins; MN_NONE: the Internet */
    uint32_t site;           /* overlay site; MN_NONE */
    double cycles_dom0, cycles_domu; /* forwarding cost per packet, dom0 vs a domU */
    mn_time uplink_latency;
    char *id;
    double cpu_hz, mem_bytes;
    double dom0_cpu_hz, dom0_mem_bytes; /* kept by the privileged domain (agent, backends) */
    double uplink_bps;
    double power_idle_w, power_max_w;
    double cpu_used_hz, mem_used_bytes; /* reservations of its vAPs and VMs */
    uint32_t nradios;
    long line;
} mn_box;

typedef struct mn_radio {
    double range_m; /* where the lowest MCS is lost (read first, by association) */
    uint32_t box;
    uint32_t nvaps;
    char *id;
    mn_radio_cfg cfg;
    double beacon_bytes;
    mn_time beacon_interval;
} mn_radio;

/* Fields a session's path and a user's association read come first (one cache line). */
typedef struct mn_vap {
    uint32_t radio, box, op;
    unsigned stacks;        /* bitmask of MN_STACK_* */
    int plane_domu;         /* forwarding in its own domU (no plane separation) */
    uint32_t max_users;     /* admission: associated users at most; 0: no limit */
    uint32_t vnet, via_vm;  /* traffic enters this virtual network at via_vm; MN_NONE */
    uint32_t tunnel_site;   /* traffic is tunnelled (VXLAN) to this site first; MN_NONE */
    char *id;
    char *ssid;             /* owned: the network name it beacons (default: its id) */
    double cpu_hz, mem_bytes;
    double airtime;         /* largest share of the radio's airtime; 1: no limit */
    /* movable (declared at world level with boxes="..."): placed and moved by policies */
    uint32_t *cand;         /* owned: the boxes it may go on */
    size_t ncand;
    uint8_t movable, on_demand; /* on_demand: placed by its box's agent when a user needs it */
    uint32_t follows;       /* the user it belongs to (follow-the-user); MN_NONE */
    double dirty_bps;       /* bytes/s of its memory dirtied, for live migration */
    double uplink_bps;      /* uplink capacity it reserves on its box (0: none) */
    long line;
} mn_vap;

typedef enum { MN_VM_ROUTER, MN_VM_SWITCH, MN_VM_FIREWALL, MN_VM_PBX, MN_VM_KINDS } mn_vm_kind;

typedef struct mn_vm {
    char *id;
    mn_vm_kind kind;
    uint32_t box, vnet, op;
    unsigned stacks;
    double cpu_hz, mem_bytes;
    int plane_domu;
    double cycles_per_packet; /* its per-packet work, charged to its own CPU; default by kind */
    long line;
    uint32_t *cand;           /* owned: movable (world level, boxes="..."): the boxes it may go on */
    size_t ncand;
    uint8_t movable;
    double dirty_bps, uplink_bps; /* as for vAPs */
} mn_vm;

typedef struct mn_vlink {
    char *id;
    uint32_t vnet, a, b; /* VMs */
    double bps;          /* reserved on every physical link of its path, each way */
    mn_time latency;     /* of that path (uplinks included), set when it is mapped */
    long line;
} mn_vlink;

typedef struct mn_vnet {
    char *id;
    uint32_t op;
    unsigned stacks;
    uint32_t exit_vm; /* where traffic to servers leaves it; MN_NONE: the via VM */
} mn_vnet;

typedef struct mn_site {
    char *id;
    uint32_t node; /* the site's overlay gateway (a topology node) */
} mn_site;

typedef struct mn_tunnel {
    uint32_t a, b; /* sites */
} mn_tunnel;

/* A mobility model with its parameters, shared by the users that name it. */
typedef struct mn_mobility_def {
    char *id;
    mn_mobility m;             /* its distspec pointers point into this struct */
    mn_distspec pause, leave, travel, work;
    mn_trace *trace;           /* owned */
} mn_mobility_def;

typedef struct mn_user {
    char *id;
    uint32_t op, sla, mobility; /* mobility MN_NONE: static at home */
    unsigned stacks;
    uint32_t services;          /* bitmask over services */
    mn_mob_state st;
    uint32_t pop;               /* population it came from; MN_NONE */
} mn_user;

/* Users arriving as a Poisson stream and staying a random time (visitors). */
typedef struct mn_arrivals {
    char *id;
    uint32_t op, sla;
    unsigned stacks;
    uint32_t services;
    mn_distspec interarrival, stay;
    mn_pos pos;
} mn_arrivals;

typedef enum { MN_FAULT_BOX, MN_FAULT_RADIO, MN_FAULT_LINK, MN_FAULT_VM } mn_fault_kind;

typedef struct mn_fault {
    char *id;
    mn_fault_kind kind;
    uint32_t *targets; /* owned */
    size_t ntargets;
    mn_time at, repair;  /* scheduled: down at `at` for `repair` (MN_TIME_MAX: for good) */
    mn_distspec mtbf, mttr; /* random: each target alternates up ~ mtbf, down ~ mttr */
    int random;
} mn_fault;

/* The policies a run applies (<policies>): names checked against the registry at run start. */
typedef struct mn_world_policies {
    char name[3][32];        /* placement, balancing, migration (mn_policy_kind order) */
    long line;               /* of <policies>, 0: absent (defaults) */
    char file[160];
    mn_time period;          /* migration policy and agents' period */
    double high, low;        /* load thresholds (0..1) */
    mn_time handover_cost;   /* interruption a user sees at each handover */
    double hysteresis;       /* a handover needs this much more PHY rate (fraction) */
    unsigned rounds;         /* live migration: pre-copy rounds at most */
    double stop_bytes;       /* stop-and-copy once the dirty set is this small */
    double resume_s;         /* suspend and resume time, part of the downtime */
    int agent;               /* the boxes' agents run (instantiate on-demand vAPs, rules) */
} mn_world_policies;

/* A reference to resolve once everything is loaded (it may name a later element). */
struct mn_world_ref {
    int kind;                /* what it must name: MN_ID_VM, MN_ID_VNET */
    int owner_kind;          /* whose field it fills: MN_ID_VAP, MN_ID_SERVICE, MN_ID_VNET */
    uint32_t owner;
    char attr[16];
    char *name;              /* owned */
    char *where;             /* owned: "file:line: <element> <id>" */
};

#define MN_WORLD_ARRAY(T, name) \
    T *name;                    \
    size_t n##name, name##_cap

typedef struct mn_world {
    int present;            /* the scenario has a <world> */
    char **operators;
    size_t noperators, operators_cap;
    MN_WORLD_ARRAY(mn_sla, slas);
    MN_WORLD_ARRAY(mn_service, services);
    MN_WORLD_ARRAY(mn_box, boxes);
    MN_WORLD_ARRAY(mn_radio, radios);
    MN_WORLD_ARRAY(mn_vap, vaps);
    MN_WORLD_ARRAY(mn_vm, vms);
    MN_WORLD_ARRAY(mn_vlink, vlinks);
    MN_WORLD_ARRAY(mn_vnet, vnets);
    MN_WORLD_ARRAY(mn_site, sites);
    MN_WORLD_ARRAY(mn_tunnel, tunnels);
    MN_WORLD_ARRAY(mn_mobility_def, mobilities);
    MN_WORLD_ARRAY(mn_user, users);
    MN_WORLD_ARRAY(mn_arrivals, arrivals);
    MN_WORLD_ARRAY(mn_fault, faults);
    mn_underlay underlay;   /* of the overlay tunnels */
    mn_geo_frame geo;       /* lat/lon positions are projected around the first one seen */
    uint32_t *node_site;    /* owned: each topology node's site, MN_NONE outside any */
    size_t node_site_n;
    unsigned queue_packets; /* K of the M/M/1/K queueing term */
    mn_strmap ids;          /* every world id (one namespace): index | kind << 28 */
    /* loading state */
    uint32_t cur_first, cur_count; /* the boxes of the <box> or <box-set> being read */
    MN_WORLD_ARRAY(struct mn_world_ref, refs); /* forward references, resolved at the end */
    double *vlink_reserved; /* owned: bit/s reserved per resource (2 per topology link) */
    double *uplink_reserved; /* owned: bit/s reserved per box uplink */
    mn_world_policies policies;
    size_t npopulations;    /* <population> elements read (users' pop numbers them) */
    mn_ruleset rules;       /* the operators' and the infrastructure's rules (rules.h) */
} mn_world;

/* Kinds in the id namespace (the top 4 bits of the strmap value). */
enum {
    MN_ID_OPERATOR = 1, MN_ID_SLA, MN_ID_SERVICE, MN_ID_BOX, MN_ID_RADIO, MN_ID_VAP, MN_ID_VM,
    MN_ID_VLINK, MN_ID_VNET, MN_ID_SITE, MN_ID_MOBILITY, MN_ID_USER, MN_ID_ARRIVALS, MN_ID_FAULT
};

void mn_world_init(mn_world *w);
void mn_world_fini(mn_world *w);

/*
 * A user's sessions of service S, as the simulator (wrun_sess.c) and the
 * emulation's traffic (cmd_emu.c) both draw them from an mn_rng: the gap
 * from one arrival to the next (ns, at least 1: one draw of S->interarrival)
 * and a session's amount (one draw: a transfer's size in bytes, a stream's
 * holding time in ns).
 */
mn_time mn_service_draw_gap(const mn_service *S, mn_rng *r);
uint64_t mn_service_draw_amount(const mn_service *S, mn_rng *r);

/*
 * The SLA rule (docs/models.md section 5), one place for the simulator
 * (wrun_sess.c, at every rate change of a session) and the emulation
 * (emu/policy.c, per tick from measured traffic): a flow of service svc
 * violates sla when its rate is below its need - the SLA's minimum, or the
 * service's own rate when that is lower - by more than the relative
 * tolerance, or when its delay (has_delay: known) exceeds max-delay.
 */
double mn_sla_need_bps(const mn_sla *sla, const mn_service *svc);
int mn_sla_violated(const mn_sla *sla, const mn_service *svc, double bps, double delay_s,
                    int has_delay, double tolerance);

/* The world of a loaded mn_net (defined in net.c; world handlers get the mn_net). */
struct mn_net;
mn_world *mn_net_world(struct mn_net *n);

#endif /* MN_WORLD_H */
