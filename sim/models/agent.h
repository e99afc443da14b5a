/*
 * agent.h - the autonomic agent of an access box (the reference paper,
 * section IV): for a user that nothing serves, the seven steps from sensing
 * the access to offering what is left to other providers.
 *
 * Owns:      nothing: it reads the policies' view and acts through their
 *            backend (sim/policies/policy.h), so the simulator and the
 *            emulator run this same code.
 * Invariant: the agent sees only what the view shows (boxes, radios, the
 *            instances' public needs and state, users' operator and
 *            stacks): never the inside of an operator's instance; every
 *            action goes through the backend, which checks capacity again.
 */
#ifndef MN_AGENT_H
#define MN_AGENT_H

#include <stdint.h>

#include "core/err.h"
#include "policies/policy.h"

/* One step of the agent with its reason, for a trace (agent.csv); may be NULL. */
typedef void (*mn_agent_trace_fn)(void *ctx, uint32_t box, const char *step, uint32_t user,
                                  uint32_t inst, const char *detail);

/*
 * The agent of the box nearest user u that hears it (up, with a radio whose
 * range reaches u) serves u, in the paper's seven steps: 1 sense the
 * access (the box's uplink), 2 identify u's provider from its traffic,
 * 3 contact that operator, 4 take its recommendation (an unplaced
 * on-demand vAP of that operator and one of u's stacks that may go on this
 * box), 5 create the tunnel it needs to the provider's site, 6 instantiate
 * it through be->ops->place, 7 offer what is left (CPU, memory, vAP slots)
 * to other providers. Returns 1 if it instantiated a vAP for u, 0 if not
 * (no box hears u, no recommendation, no room: each traced), or a negative
 * code (out of memory, a backend failure other than a refusal).
 */
int mn_agent_serve(const mn_view *v, const mn_backend *be, uint32_t u, mn_agent_trace_fn trace,
                   void *trace_ctx, mn_err *err);

#endif /* MN_AGENT_H */
