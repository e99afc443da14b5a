/*
 * flows.h - the flow-level scale benchmark of ../shared/bench/flows-workload.md:
 * F flows from a SplitMix64 generator over a two-level tree of 10,000 hosts,
 * shared max-min by the same engine and solver the model uses.
 *
 * Owns:      everything a run allocates, freed before it returns, except the
 *            end times handed to the caller (mn_free).
 * Invariant: the flows are the spec's, draw for draw: the first 10,000 of
 *            F = 100,000 are the F = 10,000 flows.
 */
#ifndef MN_FLOWS_BENCH_H
#define MN_FLOWS_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

typedef struct mn_flows_spec {
    uint32_t src, dst; /* global host index 100 * site + box */
    double start_s;
    uint64_t bytes;
} mn_flows_spec;

/* Flow `i` of the generator with seed `seed` requires drawing flows 0..i-1
 * first; mn_flows_generate fills out[0..n). */
void mn_flows_generate(uint64_t seed, uint64_t n, mn_flows_spec *out);

typedef struct mn_flows_result {
    uint64_t flows, events;
    double wall_s;      /* generation, set-up and the run */
    double loop_s;      /* the event loop alone */
    double sim_end_s;   /* the last completion */
    size_t max_concurrent; /* flows sharing bandwidth at once (after their latency) */
    size_t max_in_flight;  /* flows between start and end at once: the spec's count */
    double peak_rss_mb;
    uint64_t solves, flows_rerated;
    double *end_s;      /* owned by the caller (mn_free): completion of flow i */
} mn_flows_result;

int mn_flows_run(uint64_t flows, uint64_t seed, mn_flows_result *out, mn_err *err);

#endif /* MN_FLOWS_BENCH_H */
