/* names.c - run prefixes and compact object names; see names.h. */
#include "names.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void mn_emu_prefix_new(char out[MN_EMU_PREFIX_LEN + 1])
{
    unsigned v = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, &v, sizeof v) != (ssize_t)sizeof v)
        v = (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL);
    if (fd >= 0)
        close(fd);
    snprintf(out, MN_EMU_PREFIX_LEN + 1, "mn%06x-", v & 0xffffffu);
}

int mn_emu_prefix_parse(const char *text, char out[MN_EMU_PREFIX_LEN + 1], mn_err *err)
{
    size_t n = strlen(text);
    int ok = (n == 8 || (n == 9 && text[8] == '-')) && strncmp(text, "mn", 2) == 0;
    for (size_t i = 2; ok && i < 8; i++)
        ok = (text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f');
    if (!ok)
        return MN_ERR(err, MN_EINVAL,
                      "prefix \"%s\": write \"mn\" and 6 lowercase hex digits, e.g. mn0a1b2c", text);
    snprintf(out, MN_EMU_PREFIX_LEN + 1, "%.8s-", text);
    return MN_OK;
}

int mn_emu_name(char out[MN_EMU_NAME_MAX], const char *prefix, char kind, unsigned idx,
                char suffix)
{
    char digits[16];
    int n = 0;
    do {
        unsigned d = idx % 36;
        digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        idx /= 36;
    } while (idx && n < 15);
    size_t len = strlen(prefix) + 1 + (size_t)n + (suffix ? 1 : 0);
    if (len >= MN_EMU_NAME_MAX)
        return MN_ERR(NULL, MN_ERANGE, "name too long");
    char *p = out;
    p += sprintf(p, "%s%c", prefix, kind);
    while (n)
        *p++ = digits[--n];
    if (suffix)
        *p++ = suffix;
    *p = 0;
    return MN_OK;
}
