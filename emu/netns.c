/* netns.c - named network namespaces without iproute2; see netns.h. */
#define _GNU_SOURCE /* unshare, setns */
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int mn_emu_is_run_name(const char *name)
{
    if (strncmp(name, "mn", 2) != 0)
        return 0;
    for (int i = 2; i < 8; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return 0;
    return name[8] == '-';
}

static int ns_path(const char *name, char *buf, size_t len, mn_err *err)
{
    if (!name[0] || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return MN_ERR(err, MN_EINVAL, "netns \"%s\": not a valid namespace name", name);
    int n = snprintf(buf, len, "%s/%s", MN_EMU_NETNS_DIR, name);
    if (n < 0 || (size_t)n >= len)
        return MN_ERR(err, MN_EINVAL, "netns \"%s\": name too long", name);
    return MN_OK;
}

/*
 * As iproute2: /run/netns is a shared mount, so mounts on it show in every mount
 * namespace. Once per process (iproute2 does it per command, which is per namespace).
 */
static int run_dir_ready(mn_err *err)
{
    static int ready;
    if (ready)
        return MN_OK;
    if (mkdir(MN_EMU_NETNS_DIR, 0755) != 0 && errno != EEXIST)
        return MN_ERR(err, MN_EIO, "mkdir %s: %s", MN_EMU_NETNS_DIR, strerror(errno));
    int bound = 0;
    while (mount("", MN_EMU_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) != 0) {
        if (errno != EINVAL || bound)
            return MN_ERR(err, MN_EIO, "making %s a shared mount: %s", MN_EMU_NETNS_DIR,
                          strerror(errno));
        if (mount(MN_EMU_NETNS_DIR, MN_EMU_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) != 0)
            return MN_ERR(err, MN_EIO, "bind-mounting %s on itself: %s", MN_EMU_NETNS_DIR,
                          strerror(errno));
        bound = 1;
    }
    ready = 1;
    return MN_OK;
}

/* Writes value to path, relative to dirfd (AT_FDCWD: a whole path); key names it in messages. */
static int sysctl_at(int dirfd, const char *key, const char *path, const char *value, mn_err *err)
{
    int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return MN_ERR(err, MN_EIO, "sysctl %s: %s", key, strerror(errno));
    size_t len = strlen(value);
    ssize_t w = write(fd, value, len);
    int e = errno;
    close(fd);
    if (w != (ssize_t)len)
        return MN_ERR(err, MN_EIO, "sysctl %s = %s: %s", key, value, strerror(e));
    return MN_OK;
}

int mn_emu_sysctl_set(const char *key, const char *value, mn_err *err)
{
    char path[256];
    snprintf(path, sizeof path, "/proc/sys/%s", key);
    return sysctl_at(AT_FDCWD, key, path, value, err);
}

static int lo_up(mn_err *err)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return MN_ERR(err, MN_EIO, "socket: %s", strerror(errno));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP);
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    int e = errno;
    close(s);
    return rc == 0 ? MN_OK : MN_ERR(err, MN_EIO, "bringing lo up: %s", strerror(e));
}

/*
 * Settings of every emulated namespace: no DAD (it delays new IPv6 addresses ~1.5 s).
 * The keys are opened under a descriptor on /proc/sys/net/ipv4 and one on .../ipv6:
 * every namespace has its own "ipv4" and "ipv6" dentries under the one "net", all of
 * the same name, so every whole-path lookup walks a hash chain as long as the
 * namespaces alive (proc_sys_compare); this walks it twice per namespace instead of
 * once per key (0.3 s of a 1000-namespace build).
 */
static int ns_setup(int forwarding, mn_err *err)
{
    static const struct {
        int v6;
        const char *key, *value;
    } keys[] = {
        {1, "conf/all/accept_dad", "0"},   {1, "conf/default/accept_dad", "0"},
        {1, "conf/all/dad_transmits", "0"}, {1, "conf/default/dad_transmits", "0"},
        {0, "conf/all/rp_filter", "0"},    {0, "conf/default/rp_filter", "0"},
        {1, "conf/default/accept_ra", "0"}, {0, "ip_forward", "1"},
        {1, "conf/all/forwarding", "1"}, /* the last two: only with forwarding */
    };
    int rc = lo_up(err);
    if (rc != MN_OK)
        return rc;
    int dir[2] = {open("/proc/sys/net/ipv4", O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                  open("/proc/sys/net/ipv6", O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir[0] < 0 || dir[1] < 0)
        rc = MN_ERR(err, MN_EIO, "sysctl /proc/sys/net/ipv%d: %s", dir[0] < 0 ? 4 : 6,
                    strerror(errno));
    size_t n = sizeof keys / sizeof keys[0] - (forwarding ? 0 : 2);
    for (size_t i = 0; rc == MN_OK && i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "net/ipv%d/%s", keys[i].v6 ? 6 : 4, keys[i].key);
        rc = sysctl_at(dir[keys[i].v6], name, keys[i].key, keys[i].value, err);
    }
    for (int d = 0; d < 2; d++)
        if (dir[d] >= 0)
            close(dir[d]);
    return rc;
}

int mn_emu_netns_create(const char *name, int forwarding, mn_err *err)
{
    char path[320];
    int rc = ns_path(name, path, sizeof path, err);
    if (rc != MN_OK || (rc = run_dir_ready(err)) != MN_OK)
        return rc;
    int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (fd < 0)
        return MN_ERR(err, MN_EIO, "netns \"%s\": creating %s: %s", name, path, strerror(errno));
    close(fd);
    int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (saved < 0) {
        rc = MN_ERR(err, MN_EIO, "netns \"%s\": /proc/thread-self/ns/net: %s", name,
                    strerror(errno));
        unlink(path);
        return rc;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        rc = MN_ERR(err, errno == EPERM ? MN_EUNSUPPORTED : MN_EIO,
                    "netns \"%s\": unshare(CLONE_NEWNET): %s", name, strerror(errno));
        close(saved);
        unlink(path);
        return rc;
    }
    if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) != 0)
        rc = MN_ERR(err, MN_EIO, "netns \"%s\": bind mount on %s: %s", name, path,
                    strerror(errno));
    else {
        mn_err sub;
        mn_err_clear(&sub);
        rc = ns_setup(forwarding, &sub);
        if (rc != MN_OK)
            MN_ERR(err, rc, "netns \"%s\": %s", name, sub.msg);
    }
    if (setns(saved, CLONE_NEWNET) != 0 && rc == MN_OK)
        rc = MN_ERR(err, MN_EIO, "netns \"%s\": returning to the original namespace: %s", name,
                    strerror(errno));
    close(saved);
    if (rc != MN_OK) {
        umount2(path, MNT_DETACH);
        unlink(path);
    }
    return rc;
}

int mn_emu_netns_delete(const char *name, mn_err *err)
{
    char path[320];
    int rc = ns_path(name, path, sizeof path, err);
    if (rc != MN_OK)
        return rc;
    if (umount2(path, MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
        return MN_ERR(err, MN_EIO, "netns \"%s\": umount %s: %s", name, path, strerror(errno));
    if (unlink(path) != 0 && errno != ENOENT)
        return MN_ERR(err, MN_EIO, "netns \"%s\": unlink %s: %s", name, path, strerror(errno));
    return MN_OK;
}

int mn_emu_netns_exists(const char *name)
{
    char path[320];
    if (ns_path(name, path, sizeof path, NULL) != MN_OK)
        return 0;
    return access(path, F_OK) == 0;
}

int mn_emu_netns_open(const char *name, int *fd_out, mn_err *err)
{
    char path[320];
    int rc = ns_path(name, path, sizeof path, err);
    if (rc != MN_OK)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return MN_ERR(err, MN_ENOTFOUND, "netns \"%s\": %s", name, strerror(errno));
    *fd_out = fd;
    return MN_OK;
}

int mn_emu_netns_enter(int fd, int *saved, mn_err *err)
{
    int s = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (s < 0)
        return MN_ERR(err, MN_EIO, "/proc/thread-self/ns/net: %s", strerror(errno));
    if (setns(fd, CLONE_NEWNET) != 0) {
        int e = errno;
        close(s);
        return MN_ERR(err, MN_EIO, "setns: %s", strerror(e));
    }
    *saved = s;
    return MN_OK;
}

int mn_emu_netns_enter_name(const char *name, int *saved, mn_err *err)
{
    int fd;
    int rc = mn_emu_netns_open(name, &fd, err);
    if (rc != MN_OK)
        return rc;
    rc = mn_emu_netns_enter(fd, saved, err);
    close(fd);
    if (rc != MN_OK)
        MN_ERR(err, rc, "netns \"%s\": %s", name, err ? err->msg : "setns failed");
    return rc;
}

void mn_emu_netns_leave(int saved)
{
    if (saved < 0)
        return;
    /* cannot fail for a namespace fd we opened ourselves; nothing sensible to do if it did */
    if (setns(saved, CLONE_NEWNET) != 0)
        perror("mnetsim: setns back to the original network namespace");
    close(saved);
}

int mn_emu_netns_each(const char *prefix, int (*fn)(const char *name, void *ctx), void *ctx)
{
    DIR *d = opendir(MN_EMU_NETNS_DIR);
    if (!d)
        return 0;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (prefix ? strncmp(e->d_name, prefix, strlen(prefix)) != 0 : !mn_emu_is_run_name(e->d_name))
            continue;
        rc = fn(e->d_name, ctx);
    }
    closedir(d);
    return rc;
}

int mn_emu_netns_check(mn_err *err)
{
    if (geteuid() != 0)
        return MN_ERR(err, MN_EUNSUPPORTED, "emulation needs root (network namespaces)");
    int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (saved < 0)
        return MN_ERR(err, MN_EUNSUPPORTED, "/proc/thread-self/ns/net: %s", strerror(errno));
    int rc = MN_OK;
    if (unshare(CLONE_NEWNET) != 0)
        rc = MN_ERR(err, MN_EUNSUPPORTED, "network namespaces unavailable: unshare: %s",
                    strerror(errno));
    else if (setns(saved, CLONE_NEWNET) != 0)
        rc = MN_ERR(err, MN_EIO, "setns back: %s", strerror(errno));
    close(saved);
    return rc;
}
