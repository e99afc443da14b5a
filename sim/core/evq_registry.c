/* evq_registry.c - the table of event-queue backends; one line per backend. */
#include <stdio.h>
#include <string.h>

#include "evq.h"
#include "evq_int.h"

static const struct mn_evq_ops *const evq_registry[] = {
    &mn__evq_radix, /* default: see docs/engine.md for the measurements */
    &mn__evq_heap4,
    &mn__evq_heap2,
    &mn__evq_heap8,
};

#define NREG (sizeof evq_registry / sizeof evq_registry[0])

const struct mn_evq_ops *mn_evq_default(void)
{
    return evq_registry[0];
}

size_t mn_evq_count(void)
{
    return NREG;
}

const struct mn_evq_ops *mn_evq_at(size_t index)
{
    return index < NREG ? evq_registry[index] : NULL;
}

const struct mn_evq_ops *mn_evq_lookup(const char *name, mn_err *err)
{
    char names[256] = "";
    for (size_t i = 0; i < NREG; i++) {
        if (strcmp(evq_registry[i]->name, name) == 0)
            return evq_registry[i];
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "", evq_registry[i]->name);
    }
    MN_ERR(err, MN_ENOTFOUND, "unknown event queue \"%s\"; valid: %s", name, names);
    return NULL;
}
