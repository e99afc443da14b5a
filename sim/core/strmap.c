/* strmap.c - string -> uint32 map; see strmap.h. */
#include "strmap.h"

#include <string.h>

#include "alloc.h"

static uint64_t hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

void mn_strmap_init(mn_strmap *m)
{
    memset(m, 0, sizeof *m);
}

void mn_strmap_fini(mn_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        mn_free(m->keys[i]);
    mn_free(m->keys);
    mn_free(m->vals);
    memset(m, 0, sizeof *m);
}

/* The slot of key, or of the empty slot where it would go. */
static size_t slot(const mn_strmap *m, const char *key)
{
    size_t i = (size_t)hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static int grow(mn_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    char **keys = mn_calloc(cap, sizeof *keys);
    uint32_t *vals = mn_calloc(cap, sizeof *vals);
    if (!keys || !vals) {
        mn_free(keys);
        mn_free(vals);
        return -1;
    }
    mn_strmap old = *m;
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i]) {
            size_t j = slot(m, old.keys[i]);
            m->keys[j] = old.keys[i];
            m->vals[j] = old.vals[i];
        }
    mn_free(old.keys);
    mn_free(old.vals);
    return 0;
}

int mn_strmap_add(mn_strmap *m, const char *key, uint32_t val)
{
    if ((m->n + 1) * 2 > m->cap && grow(m) != 0)
        return -1;
    size_t i = slot(m, key);
    if (m->keys[i])
        return 1;
    char *copy = mn_strdup(key);
    if (!copy)
        return -1;
    m->keys[i] = copy;
    m->vals[i] = val;
    m->n++;
    return 0;
}

int mn_strmap_get(const mn_strmap *m, const char *key, uint32_t *val)
{
    if (!m->cap)
        return 0;
    size_t i = slot(m, key);
    if (!m->keys[i])
        return 0;
    *val = m->vals[i];
    return 1;
}
