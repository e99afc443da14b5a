/*
 * vap_grid.h - the emulation's association rule (mn_emu_best_vap, backend.h)
 * answered from a spatial grid instead of a scan of every vAP: for a city's
 * 100,000 users and 30,000 vAPs the scan is 3e9 distance tests.
 *
 * Owns:      the grid (built once for a placement, freed by _destroy).
 * Borrows:   the world, read only; `where` is called once per vAP at build.
 * Invariant: mn_emu_vap_grid_best returns exactly what mn_emu_best_vap
 *            returns for the same placement: the highest PHY rate within
 *            range, ties to the lower vAP index. The cell side is the
 *            longest range of a placed vAP's radio, so every vAP that can
 *            reach a point is in the 3 x 3 cells around it.
 */
#ifndef MN_EMU_VAP_GRID_H
#define MN_EMU_VAP_GRID_H

#include <stdint.h>

#include "emu/backend.h"
#include "sim/core/err.h"
#include "sim/models/world.h"

typedef struct mn_emu_vap_grid mn_emu_vap_grid;

/* The grid of w's vAPs placed as `where` says; MN_ENOMEM. */
int mn_emu_vap_grid_build(const mn_world *w, mn_emu_vap_at where, const void *ctx,
                          mn_emu_vap_grid **out, mn_err *err);
/* As mn_emu_best_vap(w, where, ctx, op, stacks, at), for the placement the grid was built on. */
uint32_t mn_emu_vap_grid_best(const mn_emu_vap_grid *g, uint32_t op, unsigned stacks, mn_pos at);
void mn_emu_vap_grid_destroy(mn_emu_vap_grid *g);

#endif
