/*
 * netns.h - named network namespaces, as iproute2 keeps them: an empty file
 * /run/netns/<name> with the namespace's /proc/self/ns/net bind-mounted on it.
 *
 * Owns:      nothing; a namespace lives until mn_emu_netns_delete (or until
 *            the last fd open on it closes after its mount is gone).
 * Invariant: no external program is run: creation is fork + unshare(2) +
 *            mount(2) in the child; entering is setns(2) in the calling
 *            thread. Every error message names the namespace and keeps
 *            errno's text.
 *
 * Run prefixes (names.h): only names starting with a run prefix are ever
 * created or deleted by emulation; mn_emu_netns_cleanup deletes by prefix.
 */
#ifndef MN_EMU_NETNS_H
#define MN_EMU_NETNS_H

#include <stddef.h>

#include "sim/core/err.h"

#define MN_EMU_NETNS_DIR "/run/netns"

/* Creates namespace name (loopback brought up, IPv6 DAD off, forwarding as asked). */
int mn_emu_netns_create(const char *name, int forwarding, mn_err *err);
/* Unmounts and removes it; a namespace that does not exist is not an error. */
int mn_emu_netns_delete(const char *name, mn_err *err);
/* An fd on the namespace (O_RDONLY | O_CLOEXEC); the caller closes it. */
int mn_emu_netns_open(const char *name, int *fd_out, mn_err *err);
/* Whether /run/netns/name exists. */
int mn_emu_netns_exists(const char *name);

/*
 * Switches the calling thread into namespace fd (setns). *saved receives an
 * fd on the namespace left, for mn_emu_netns_leave, which switches back and
 * closes it. Sockets created in between stay in the entered namespace.
 */
int mn_emu_netns_enter(int fd, int *saved, mn_err *err);
int mn_emu_netns_enter_name(const char *name, int *saved, mn_err *err);
void mn_emu_netns_leave(int saved);

/* Writes a sysctl (e.g. "net/ipv4/ip_forward", "1") in the current namespace. */
int mn_emu_sysctl_set(const char *key, const char *value, mn_err *err);

/*
 * Calls fn(name, ctx) for each entry of /run/netns whose name starts with
 * prefix (prefix NULL: every name that looks like a run prefix, see
 * mn_emu_is_run_name). Stops at and returns fn's first non-zero result.
 */
int mn_emu_netns_each(const char *prefix, int (*fn)(const char *name, void *ctx), void *ctx);

/* Whether name starts with a run prefix: "mn", 6 lowercase hex digits, "-". */
int mn_emu_is_run_name(const char *name);

/* Whether this process can create namespaces (root, unshare allowed): 0 yes, else an error. */
int mn_emu_netns_check(mn_err *err);

#endif /* MN_EMU_NETNS_H */
