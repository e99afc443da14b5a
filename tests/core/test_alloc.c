/* test_alloc.c - counted allocation and failure injection (sim/core/alloc.c). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "unit.h"

static void test_alloc_counts_live_and_peak_bytes(void)
{
    mn_alloc_stats s0 = mn_alloc_get_stats();
    char *a = mn_alloc(1000);
    char *b = mn_calloc(10, 100);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(b[999], 0);
    CU_ASSERT_EQUAL(mn_alloc_get_stats().live_bytes, s0.live_bytes + 2000);
    a = mn_realloc(a, 3000);
    CU_ASSERT_EQUAL(mn_alloc_get_stats().live_bytes, s0.live_bytes + 4000);
    mn_free(a);
    mn_free(b);
    mn_free(NULL);
    mn_alloc_stats s1 = mn_alloc_get_stats();
    CU_ASSERT_EQUAL(s1.live_bytes, s0.live_bytes);
    CU_ASSERT(s1.peak_bytes >= s0.live_bytes + 4000);
    CU_ASSERT_EQUAL(s1.calls, s0.calls + 3);
}

static void test_alloc_fails_the_nth_call_until_disarmed(void)
{
    mn_alloc_fail_after(2);
    void *a = mn_alloc(8), *b = mn_alloc(8), *c = mn_alloc(8), *d = mn_alloc(8);
    mn_alloc_fail_after(-1);
    CU_ASSERT_PTR_NOT_NULL(a);
    CU_ASSERT_PTR_NOT_NULL(b);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_PTR_NULL(d);
    void *e = mn_alloc(8);
    CU_ASSERT_PTR_NOT_NULL(e);
    /* a failed realloc leaves the block intact */
    strcpy(a, "keep");
    mn_alloc_fail_after(0);
    CU_ASSERT_PTR_NULL(mn_realloc(a, 64));
    mn_alloc_fail_after(-1);
    CU_ASSERT_STRING_EQUAL(a, "keep");
    mn_free(a);
    mn_free(b);
    mn_free(e);
}

static void test_alloc_rejects_overflowing_sizes(void)
{
    CU_ASSERT_PTR_NULL(mn_calloc(SIZE_MAX / 2, 4));
    CU_ASSERT_PTR_NULL(mn_alloc(SIZE_MAX - 4));
    char *s = mn_strdup("metamorphic");
    CU_ASSERT_STRING_EQUAL(s, "metamorphic");
    mn_free(s);
}

static void test_alloc_array_reserve_grows_and_fails_cleanly(void)
{
    int *a = NULL;
    size_t cap = 0;
    CU_ASSERT_EQUAL(mn_array_reserve((void **)&a, &cap, 10, sizeof *a), 0);
    CU_ASSERT(cap >= 10);
    a[9] = 7;
    size_t before = cap;
    CU_ASSERT_EQUAL(mn_array_reserve((void **)&a, &cap, 5, sizeof *a), 0); /* already room */
    CU_ASSERT_EQUAL(cap, before);
    mn_alloc_fail_after(0);
    CU_ASSERT_EQUAL(mn_array_reserve((void **)&a, &cap, 100000, sizeof *a), -1);
    mn_alloc_fail_after(-1);
    CU_ASSERT_EQUAL(cap, before); /* unchanged on failure */
    CU_ASSERT_EQUAL(a[9], 7);
    CU_ASSERT_EQUAL(mn_array_reserve((void **)&a, &cap, SIZE_MAX / 2, 16), -1); /* overflow */
    CU_ASSERT_EQUAL(mn_array_reserve((void **)&a, &cap, 100000, sizeof *a), 0);
    CU_ASSERT(cap >= 100000);
    CU_ASSERT_EQUAL(a[9], 7);
    mn_free(a);
}

/*
 * 1 if the mapping holding p is advised for transparent huge pages
 * (VmFlags "hg" in /proc/self/smaps), 0 if not, -1 if that cannot be told.
 */
static int advised_huge(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[1024];
    unsigned long a = (unsigned long)(uintptr_t)p;
    int in = 0, found = -1;
    while (found < 0 && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
            in = a >= lo && a < hi;
        else if (in && strncmp(line, "VmFlags:", 8) == 0)
            found = strstr(line, " hg") != NULL;
    }
    fclose(f);
    return found;
}

static void test_alloc_huge_pages_only_for_arrays_read_at_random(void)
{
    if (access("/sys/kernel/mm/transparent_hugepage", F_OK) != 0)
        return; /* a kernel without THP: nothing to advise */
    size_t big = 8u << 20;
    void *raw = NULL, *arr = NULL;
    size_t cap = 0;
    CU_ASSERT_EQUAL_FATAL(mn_array_reserve_aligned(&raw, &arr, &cap, big / 64, 64, 64), 0);
    char *plain = mn_alloc(big), *small = mn_alloc(1u << 20);
    CU_ASSERT_FATAL(plain && small);
    CU_ASSERT_EQUAL(advised_huge((char *)arr + big / 2), 1);  /* cache-line arrays: read at random */
    CU_ASSERT_EQUAL(advised_huge(plain + big / 2), 0);        /* the rest: in order, small pages */
    mn_alloc_read_at_random(plain, big);                      /* unless its owner says otherwise */
    CU_ASSERT_EQUAL(advised_huge(plain + big / 2), 1);
    mn_alloc_read_at_random(small, 1u << 20);                 /* below 4 MiB: never */
    CU_ASSERT_EQUAL(advised_huge(small + (1u << 19)), 0);
    mn_alloc_read_at_random(NULL, big);                       /* harmless */
    mn_free(small);
    mn_free(plain);
    mn_free(raw);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_alloc_counts_live_and_peak_bytes),
        MN_TEST(test_alloc_fails_the_nth_call_until_disarmed),
        MN_TEST(test_alloc_rejects_overflowing_sizes),
        MN_TEST(test_alloc_array_reserve_grows_and_fails_cleanly),
        MN_TEST(test_alloc_huge_pages_only_for_arrays_read_at_random),
    };
    MN_SUITE("alloc", cases);
}
