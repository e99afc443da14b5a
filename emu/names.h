/*
 * names.h - the run prefix and the compact names of emulated objects.
 *
 * Owns:      nothing.
 * Invariant: every namespace and interface emulation creates is named
 *            <prefix><kind><index>, the prefix being "mn" + 6 lowercase hex
 *            digits + "-" (9 bytes), the kind one letter and the index in
 *            base 36 (lowercase), so a name has at most 15 bytes
 *            (IFNAMSIZ - 1) for indexes below 36^5. No name contains
 *            "-eth", which Mininet's `mn -c` deletes on sight.
 *
 * Namespaces:  d<box> a box's dom0; a<vap> v<vm>... see docs/emulation.md
 * for the table of kinds.
 */
#ifndef MN_EMU_NAMES_H
#define MN_EMU_NAMES_H

#include <stddef.h>

#include "sim/core/err.h"

#define MN_EMU_PREFIX_LEN 9
#define MN_EMU_NAME_MAX 16 /* IFNAMSIZ: 15 bytes and the NUL */

/* A new prefix ("mn" + 6 random hex digits + "-") into out (10 bytes). */
void mn_emu_prefix_new(char out[MN_EMU_PREFIX_LEN + 1]);
/* Checks a user's prefix ("mn1a2b3c" or "mn1a2b3c-") and writes its canonical form. */
int mn_emu_prefix_parse(const char *text, char out[MN_EMU_PREFIX_LEN + 1], mn_err *err);
/*
 * out = prefix + kind + base-36 index (+ suffix when not 0). MN_ERANGE when
 * the name would not fit IFNAMSIZ.
 */
int mn_emu_name(char out[MN_EMU_NAME_MAX], const char *prefix, char kind, unsigned idx,
                char suffix);

#endif /* MN_EMU_NAMES_H */
