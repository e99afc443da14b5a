/*
 * strmap.h - a map from strings to uint32 values (open addressing, FNV-1a),
 * for ids in scenarios: unique names checked, references resolved in O(1).
 *
 * Owns:      its table and a copy of every key.
 */
#ifndef MN_STRMAP_H
#define MN_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct mn_strmap {
    char **keys;     /* owned; NULL: empty slot */
    uint32_t *vals;  /* owned */
    size_t cap, n;
} mn_strmap;

void mn_strmap_init(mn_strmap *m);
void mn_strmap_fini(mn_strmap *m);
/* Adds key -> val; 1 if the key was already there (nothing changes), 0 if
 * added, -1 when out of memory. */
int mn_strmap_add(mn_strmap *m, const char *key, uint32_t val);
/* 1 and *val if found, else 0. */
int mn_strmap_get(const mn_strmap *m, const char *key, uint32_t *val);

#endif /* MN_STRMAP_H */
