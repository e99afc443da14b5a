/*
 * evq_heap.c - d-ary heap backends (binary, 4-ary, 8-ary) of the event queue.
 * The arity is the only difference; see evq_heap_impl.h for the algorithm.
 */
#include "alloc.h"
#include "evq.h"
#include "evq_int.h"

#define HEAP_D 2
#define HEAP_ID 2
#include "evq_heap_impl.h"
#undef HEAP_D
#undef HEAP_ID

#define HEAP_D 4
#define HEAP_ID 4
#include "evq_heap_impl.h"
#undef HEAP_D
#undef HEAP_ID

#define HEAP_D 8
#define HEAP_ID 8
#include "evq_heap_impl.h"
#undef HEAP_D
#undef HEAP_ID

#define HEAP_OPS(D, text)                                                      \
    const struct mn_evq_ops mn__evq_heap##D = {                                \
        .name = "heap" #D,                                                     \
        .summary = text,                                                       \
        .create = create_##D,                                                  \
        .destroy = destroy_##D,                                                \
        .push = push_##D,                                                      \
        .peek = peek_##D,                                                      \
        .pop = pop_##D,                                                        \
        .size = size_##D,                                                      \
        .retain = retain_##D,                                                  \
        .bytes = bytes_##D,                                                    \
    };

HEAP_OPS(2, "binary heap, entries inline in one array")
HEAP_OPS(4, "4-ary heap, entries inline in one array (half the depth of binary)")
HEAP_OPS(8, "8-ary heap, entries inline in one array (a third of the depth of binary)")
