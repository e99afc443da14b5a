/*
 * fault.h - when the scenario's faults strike and end: the draws shared by
 * the simulator (wrun_fault.c, on its event engine) and the emulation
 * (emu/faults.c, on the real-time clock), so that the same scenario and
 * seed give the same fault times in both.
 *
 * Owns:      nothing but the timeline array mn_fault_timeline returns (the
 *            caller frees it with mn_free) and its own "faults" RNG stream.
 * Borrows:   the world's faults.
 * Invariant: the draws come from the run's "faults" stream in the
 *            simulator's order: at arm time one per (fault, target) in
 *            declaration order (a random fault's first uptime), then, in
 *            (time, scheduling order) of the outages' starts and ends, the
 *            downtime at each failure and the next uptime at each repair of
 *            a random fault.
 */
#ifndef MN_MODELS_FAULT_H
#define MN_MODELS_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/rng.h"
#include "models/world.h"

/* When each target of fault f first fails: `at`, or (random) an MTBF draw. */
mn_time mn_fault_first_down(const mn_fault *f, mn_rng *rng);
/* How long an outage of f lasts: `repair` (MN_TIME_MAX: for good), or (random) an MTTR draw. */
mn_time mn_fault_down_for(const mn_fault *f, mn_rng *rng);
/* How long after a repair f strikes again: (random) an MTBF draw; scheduled: MN_TIME_MAX. */
mn_time mn_fault_up_for(const mn_fault *f, mn_rng *rng);

/* One failure (down = 1) or repair (down = 0) of one target of one fault. */
typedef struct mn_fault_ev {
    mn_time t;
    uint32_t fault, target; /* w->faults index; the target's box, radio, link or VM index */
    uint8_t down;
} mn_fault_ev;

/*
 * Every failure and repair up to horizon (inclusive), in the order the
 * simulator's engine runs them (time, then scheduling order), drawn from
 * stream "faults" of seed exactly as wrun_fault.c draws them; a repair is
 * at least 1 ns after its failure. *out (NULL when *n is 0) is the
 * caller's (mn_free). Returns MN_OK, MN_ENOMEM or the RNG's error.
 */
int mn_fault_timeline(const mn_world *w, uint64_t seed, mn_time horizon, mn_fault_ev **out,
                      size_t *n, mn_err *err);

#endif /* MN_MODELS_FAULT_H */
