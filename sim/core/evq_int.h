/* evq_int.h - backends known to the registry (private to sim/core/evq*.c). */
#ifndef MN_EVQ_INT_H
#define MN_EVQ_INT_H

#include "evq.h"

extern const struct mn_evq_ops mn__evq_heap2;
extern const struct mn_evq_ops mn__evq_heap4;
extern const struct mn_evq_ops mn__evq_heap8;
extern const struct mn_evq_ops mn__evq_radix;

#endif
