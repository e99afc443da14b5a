/* clock.c - the virtual clock; the real-time one lives in emu/clock_ev.c. */
#include "clock.h"

#include <stddef.h>

static const struct mn_clock_ops virtual_ops = {
    .name = "virtual",
    .wait_until = NULL,
    .elapsed = NULL,
};

static const mn_clock virtual_clock = {.ops = &virtual_ops, .state = NULL};

const mn_clock *mn_clock_virtual(void)
{
    return &virtual_clock;
}
