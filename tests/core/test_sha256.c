/* test_sha256.c - SHA-256 (sim/core/sha256.c) against the FIPS 180-2 examples. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sha256.h"
#include "unit.h"

static void digest(const char *msg, char hex[65])
{
    mn_sha256 s;
    mn_sha256_init(&s);
    mn_sha256_update(&s, msg, strlen(msg));
    mn_sha256_final_hex(&s, hex);
}

static void test_sha256_matches_the_fips_examples(void)
{
    char hex[65];
    digest("abc", hex);
    CU_ASSERT_STRING_EQUAL(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    digest("", hex);
    CU_ASSERT_STRING_EQUAL(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", hex);
    CU_ASSERT_STRING_EQUAL(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* one million 'a', fed in uneven pieces across block boundaries */
    mn_sha256 s;
    mn_sha256_init(&s);
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof chunk ? left : sizeof chunk;
        mn_sha256_update(&s, chunk, n);
        left -= n;
    }
    mn_sha256_final_hex(&s, hex);
    CU_ASSERT_STRING_EQUAL(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_sha256_of_a_file_and_of_a_missing_one(void)
{
    char path[] = "/tmp/mn_sha_XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, "abc", 3), 3);
    close(fd);
    char hex[65];
    CU_ASSERT_EQUAL(mn_sha256_file_hex(path, hex, NULL), MN_OK);
    CU_ASSERT_STRING_EQUAL(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    unlink(path);
    mn_err err = {0};
    CU_ASSERT_EQUAL(mn_sha256_file_hex(path, hex, &err), MN_EIO);
    CU_ASSERT_STRING_EQUAL(err.where, path);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_sha256_matches_the_fips_examples),
        MN_TEST(test_sha256_of_a_file_and_of_a_missing_one),
    };
    MN_SUITE("sha256", cases);
}
