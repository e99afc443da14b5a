/*
 * share.h - flow-level bandwidth sharing: max-min fair rates over links,
 * recomputed at each flow arrival and departure, with completion events on
 * the engine.
 *
 * Owns:      links, flows (a pool recycled through a free list) and the
 *            solver's scratch space; each active flow's completion event.
 * Borrows:   the engine; the ctx given with each flow.
 * Invariant: between two changes, the rates of active flows are the max-min
 *            fair allocation of the link capacities, each flow also capped by
 *            its own rate limit (0: none), within a relative 1e-9.
 *
 * Max-min by progressive filling (Bertsekas and Gallager, Data Networks,
 * 6.5.2): raise all rates together; when a link fills, its flows keep the
 * rate they reached (the link's fair share, residual / unfrozen flows), and
 * the others go on. Example: links A (10) and B (4); flow 1 on A, flow 2 on
 * A and B, flow 3 on B. B fills first at 4/2 = 2: flows 2 and 3 get 2;
 * then A's residual 10 - 2 = 8 goes to flow 1 alone: 8.
 *
 * Incremental: a change can only move rates of flows reachable from the
 * changed flow through saturated links (a flow's rate is set by a saturated
 * bottleneck; flows whose bottleneck the change does not reach keep their
 * rate). So the solver re-runs progressive filling on that region only, with
 * the capacity used by flows outside it subtracted, and grows the region if
 * a link at its edge ends up over-full. See docs/sharing.md.
 */
#ifndef MN_SHARE_H
#define MN_SHARE_H

#include <stddef.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/err.h"

#define MN_SHARE_MAX_PATH 24

typedef struct mn_share mn_share;

/* Called at a flow's completion (from its engine event); the flow id is free again after. */
typedef void (*mn_share_done_fn)(mn_share *s, uint32_t flow, void *ctx);

int mn_share_create(mn_engine *eng, mn_share **out, mn_err *err);
void mn_share_destroy(mn_share *s);

/* Adds a link of capacity bytes/s (> 0); its id is the number of links before. */
int mn_share_add_link(mn_share *s, double capacity, uint32_t *id_out, mn_err *err);

/*
 * Starts a flow of `bytes` (> 0) now along path (link ids, 1..MN_SHARE_MAX_PATH,
 * no repeats), optionally capped at rate_cap bytes/s (0: no cap). done(ctx)
 * runs at completion. Rates of affected flows change at once.
 */
int mn_share_flow_start(mn_share *s, const uint32_t *path, size_t plen, double bytes,
                        double rate_cap, mn_share_done_fn done, void *ctx, uint32_t *flow_out,
                        mn_err *err);

/*
 * A flow in full: coef[i] (> 0) is how much of link path[i] one byte/s of
 * the flow uses (NULL: 1 on every link). A link of capacity C then holds
 * sum coef x rate <= C, and max-min is on the rates: progressive filling
 * raises the unfrozen flows of a link together until C is used, i.e. to
 * (C - frozen usage) / (sum of the unfrozen flows' coefficients). This is
 * how airtime (seconds of air per byte, 1/PHY rate), CPU (cycles per byte)
 * and header overheads (wire bytes per payload byte) enter the same solver.
 * bytes may be INFINITY: the flow runs until mn_share_flow_stop.
 */
typedef struct mn_share_flow_spec {
    const uint32_t *path;
    const double *coef;
    size_t plen;
    double bytes, rate_cap;
    mn_share_done_fn done;
    void *ctx;
} mn_share_flow_spec;
int mn_share_flow_begin(mn_share *s, const mn_share_flow_spec *spec, uint32_t *flow_out,
                        mn_err *err);

/* Ends an active flow now, without its done callback; *sent: bytes it delivered. */
int mn_share_flow_stop(mn_share *s, uint32_t flow, double *sent, mn_err *err);

/* New coefficients (NULL: keep) and rate cap (0: none) of an active flow. */
int mn_share_flow_update(mn_share *s, uint32_t flow, const double *coef, double rate_cap,
                         mn_err *err);

/* A link's capacity changes (e.g. beacon airtime as vAPs come and go). */
int mn_share_link_set_capacity(mn_share *s, uint32_t link, double capacity, mn_err *err);

/*
 * Gathers the changes made between begin and end (starts, stops, updates,
 * capacities) and solves once at the end: n flows of a radio re-weighted
 * together cost one solve. Nests. Rates read inside a batch are stale.
 */
void mn_share_batch_begin(mn_share *s);
int mn_share_batch_end(mn_share *s, mn_err *err);

/*
 * Called after each solve for every flow whose rate changed (and every new
 * flow), with its old rate and its ctx. It must not call back into the
 * solver (read-only calls are fine).
 */
typedef void (*mn_share_rate_fn)(mn_share *s, uint32_t flow, double old_rate, void *flow_ctx,
                                 void *hook_ctx);
void mn_share_set_rate_hook(mn_share *s, mn_share_rate_fn fn, void *hook_ctx);

/*
 * A flow's path as the solver holds it: plen links, link i, and its
 * coefficient on link i (as started, or as last updated). Readable while
 * the flow is active and also after it stops or completes (inside its done
 * callback, and until the next flow starts): a caller need not keep a copy
 * of the path to account for what a finished flow used.
 */
size_t mn_share_flow_plen(const mn_share *s, uint32_t flow);
uint32_t mn_share_flow_link(const mn_share *s, uint32_t flow, size_t i);
double mn_share_flow_coef(const mn_share *s, uint32_t flow, size_t i);

/*
 * For a model's look-ahead (mn_engine_set_prefetch): start loading a
 * link's two lines, or a flow's header and first hops, that an event soon
 * to run will read. Only hints: any id below the number made is harmless.
 */
void mn_share_prefetch_link(const mn_share *s, uint32_t link);
void mn_share_prefetch_flow(const mn_share *s, uint32_t flow);
void mn_share_prefetch_link_flows(const mn_share *s, uint32_t link); /* each active flow on it */

/*
 * The same for an event the engine shows the look-ahead: returns 1 if
 * (fn, ctx) is one of the solver's own flow completions, 0 otherwise. Two
 * events ahead or more it prefetches the flow; one ahead, the links of its
 * path, and *flow_ctx is the flow's ctx, for the caller to prefetch its own
 * record of the flow.
 */
int mn_share_prefetch_event(const mn_share *s, mn_ev_fn fn, void *ctx, int ahead, void **flow_ctx);

/* Bytes an active flow has delivered so far. */
double mn_share_flow_sent(const mn_share *s, uint32_t flow);
double mn_share_link_capacity(const mn_share *s, uint32_t link);
size_t mn_share_link_flows(const mn_share *s, uint32_t link); /* active flows on it */
/* The ctx of the i-th active flow on a link (i < mn_share_link_flows): starts
 * and stops append to a link's list and move its last flow into a gap. */
void *mn_share_link_flow_ctx(const mn_share *s, uint32_t link, size_t i);

/* The engine the flows run on (for callbacks that need the time). */
mn_engine *mn_share_engine(const mn_share *s);

/* Current rate (bytes/s) and bytes still to deliver of an active flow. */
double mn_share_flow_rate(const mn_share *s, uint32_t flow);
double mn_share_flow_remaining(const mn_share *s, uint32_t flow);

/* Sum of the rates of all active flows (bytes/s). */
double mn_share_total_rate(const mn_share *s);

/* Current load of a link (sum of coefficient x rate over its flows); active flows. */
double mn_share_link_load(const mn_share *s, uint32_t link);
size_t mn_share_active_flows(const mn_share *s);

/*
 * MN_OK, or the first error met inside a completion event (where there is no
 * caller to return it to; out of memory while re-solving). A run must check
 * it before trusting its results.
 */
int mn_share_status(const mn_share *s);

/* MN_OK, or that error in err ("the sharing solver failed: ..."). */
int mn_share_check(const mn_share *s, mn_err *err);

/* Work counters, for benchmarks: solver runs and flows re-rated in total. */
typedef struct mn_share_stats {
    uint64_t solves, flows_rerated, region_growths;
    size_t max_active;
    double max_leftover; /* largest |bytes not delivered| / bytes at a completion */
} mn_share_stats;
mn_share_stats mn_share_get_stats(const mn_share *s);

#endif /* MN_SHARE_H */
