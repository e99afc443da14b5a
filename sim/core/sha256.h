/*
 * sha256.h - SHA-256 (FIPS 180-4), to fingerprint scenario files in run
 * manifests. None of the project's fixed dependencies offers a digest.
 *
 * Owns:      nothing; mn_sha256 is caller-allocated state.
 */
#ifndef MN_SHA256_H
#define MN_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct mn_sha256 {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char block[64];
    size_t used;
} mn_sha256;

void mn_sha256_init(mn_sha256 *s);
void mn_sha256_update(mn_sha256 *s, const void *data, size_t n);
/* Writes the digest as 64 lowercase hex digits and a NUL into hex[65]. */
void mn_sha256_final_hex(mn_sha256 *s, char hex[65]);

/* Digest of a whole file; MN_EIO naming the path if it cannot be read. */
int mn_sha256_file_hex(const char *path, char hex[65], mn_err *err);

#endif /* MN_SHA256_H */
