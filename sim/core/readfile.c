/* readfile.c - a whole file in memory; see readfile.h. */
#include "readfile.h"

#include <errno.h>
#include <stdio.h>

#include "alloc.h"
#include "err.h"

int mn_read_file(const char *path, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return MN_EIO;
    char *b = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (mn_array_reserve((void **)&b, &cap, n + 4097, 1) != 0) {
            mn_free(b);
            fclose(f);
            return MN_ENOMEM;
        }
        size_t got = fread(b + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f), saved = errno;
    fclose(f);
    if (bad) {
        mn_free(b);
        errno = saved;
        return MN_EIO;
    }
    b[n] = '\0';
    *text = b;
    *len = n;
    return MN_OK;
}
