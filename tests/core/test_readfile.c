/* test_readfile.c - a whole file in memory (sim/core/readfile.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/readfile.h"
#include "unit.h"

/* A fresh file holding n bytes of data; its path in path. */
static void write_file(char *path, size_t size, const char *data, size_t n)
{
    snprintf(path, size, "/tmp/mn_readfile_XXXXXX");
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(write(fd, data, n) == (ssize_t)n);
    close(fd);
}

static void test_readfile_reads_all_of_a_file_past_its_buffer_and_a_nul(void)
{
    size_t n = 3 * 4096 + 17; /* more than one read, and a NUL inside */
    char *data = malloc(n), path[64];
    CU_ASSERT_FATAL(data != NULL);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)('a' + i % 26);
    data[5000] = '\0';
    write_file(path, sizeof path, data, n);
    char *text;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(mn_read_file(path, &text, &len), MN_OK);
    CU_ASSERT_EQUAL(len, n);
    CU_ASSERT(memcmp(text, data, n) == 0);
    CU_ASSERT_EQUAL(text[n], '\0');
    mn_free(text);
    free(data);
    unlink(path);
}

static void test_readfile_empty_file_is_an_empty_text(void)
{
    char path[64], *text;
    size_t len = 99;
    write_file(path, sizeof path, "", 0);
    CU_ASSERT_EQUAL_FATAL(mn_read_file(path, &text, &len), MN_OK);
    CU_ASSERT_EQUAL(len, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_EQUAL(text[0], '\0');
    mn_free(text);
    unlink(path);
}

static void test_readfile_failures_say_which_and_leave_nothing(void)
{
    char *text = (char *)"x";
    size_t len = 1;
    CU_ASSERT_EQUAL(mn_read_file("/nonexistent/mn_readfile", &text, &len), MN_EIO);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_PTR_NULL(text);
    CU_ASSERT_EQUAL(mn_read_file("/tmp", &text, &len), MN_EIO); /* a directory opens, but does not read */
    CU_ASSERT_PTR_NULL(text);
    char path[64];
    write_file(path, sizeof path, "abc", 3);
    mn_alloc_fail_after(0);
    CU_ASSERT_EQUAL(mn_read_file(path, &text, &len), MN_ENOMEM);
    mn_alloc_fail_after(-1);
    CU_ASSERT_PTR_NULL(text);
    unlink(path);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_readfile_reads_all_of_a_file_past_its_buffer_and_a_nul),
        MN_TEST(test_readfile_empty_file_is_an_empty_text),
        MN_TEST(test_readfile_failures_say_which_and_leave_nothing),
    };
    MN_SUITE("readfile", cases);
}
