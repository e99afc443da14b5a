/*
 * emu_check.h - the CHECK macro of the emulation's root-only C tests (which
 * run without CUnit, so that they can exit 77 when skipped): counts
 * failures in `failures`, prints "FAIL file:line: ..." or "ok: ...".
 * Header-only, one copy per test.
 */
#ifndef MN_EMU_CHECK_H
#define MN_EMU_CHECK_H

#include <stdio.h>

static int failures;
#define CHECK(c, ...)                                                                              \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            failures++;                                                                            \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        } else {                                                                                   \
            printf("ok: ");                                                                        \
            printf(__VA_ARGS__);                                                                   \
            putchar('\n');                                                                         \
        }                                                                                          \
    } while (0)

#endif /* MN_EMU_CHECK_H */
