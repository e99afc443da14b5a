/* mig_none.c - "none": no migration; instances stay where placement put them. */
#include "policy_int.h"

static int tick(const mn_view *v, const mn_backend *be, mn_err *err)
{
    (void)v;
    (void)be;
    (void)err;
    return MN_OK;
}

const mn_mig_ops mn_mig_none = {
    .name = "none",
    .summary = "never migrates (instances stay where placement put them)",
    .tick = tick,
};
