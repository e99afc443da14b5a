/* test_err.c - error codes and records (sim/core/err.c). */
#include <string.h>

#include "core/err.h"
#include "unit.h"

static void test_err_every_code_has_its_own_text(void)
{
    int codes[] = {MN_OK, MN_ENOMEM, MN_EINVAL, MN_ERANGE, MN_ENOTFOUND,
                   MN_EIO, MN_EPARSE, MN_ESTALE, MN_EBUG, MN_EUNSUPPORTED};
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            CU_ASSERT(strcmp(mn_strerror(codes[i]), mn_strerror(codes[j])) != 0);
    CU_ASSERT_STRING_EQUAL(mn_strerror(12345), "unknown error");
}

static void test_err_set_fills_where_and_message(void)
{
    mn_err err;
    mn_err_clear(&err);
    int rc = mn_err_set_at(&err, MN_EPARSE, "dc.xml:42", "link \"%s\" has no unit", "l3");
    CU_ASSERT_EQUAL(rc, MN_EPARSE);
    CU_ASSERT_EQUAL(err.code, MN_EPARSE);
    CU_ASSERT_STRING_EQUAL(err.where, "dc.xml:42");
    CU_ASSERT_STRING_EQUAL(err.msg, "link \"l3\" has no unit");
    rc = MN_ERR(&err, MN_EINVAL, "x=%d", 3);
    CU_ASSERT_EQUAL(rc, MN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.where, "test_err.c:"));
    CU_ASSERT_EQUAL(MN_ERR(NULL, MN_ENOMEM, "ignored"), MN_ENOMEM);
}

/* A where too long for the record keeps its end: the file's name and the line, never cut off. */
static void test_err_long_where_keeps_file_and_line(void)
{
    char where[1200];
    memset(where, 'd', sizeof where);
    memcpy(where + sizeof where - 16, "/parts/x.xml:42", 16); /* 15 characters and the NUL */
    mn_err err;
    mn_err_set_at(&err, MN_EPARSE, where, "bad");
    CU_ASSERT_EQUAL(strlen(err.where), MN_ERR_WHERE - 1);
    CU_ASSERT_EQUAL(strncmp(err.where, "...", 3), 0);
    size_t n = strlen(err.where);
    CU_ASSERT_STRING_EQUAL(err.where + n - 15, "/parts/x.xml:42");
    /* one that fits is kept whole */
    where[MN_ERR_WHERE - 1] = '\0';
    mn_err_set_at(&err, MN_EPARSE, where, "bad");
    CU_ASSERT_STRING_EQUAL(err.where, where);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_err_every_code_has_its_own_text),
        MN_TEST(test_err_set_fills_where_and_message),
        MN_TEST(test_err_long_where_keeps_file_and_line),
    };
    MN_SUITE("err", cases);
}
