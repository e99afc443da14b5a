/* test_quantity.c - quantities with units (sim/core/quantity.c). */
#include <math.h>
#include <string.h>

#include "core/quantity.h"
#include "unit.h"

static uint64_t ok(const mn_quantity_kind *k, const char *text)
{
    uint64_t v = 0;
    mn_err err = {0};
    int rc = mn_quantity_parse(k, text, "x", &v, &err);
    if (rc != MN_OK)
        fprintf(stderr, "\n%s: %s\n", text, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, MN_OK);
    return v;
}

/* The code, and the message in msg. */
static int bad(const mn_quantity_kind *k, const char *text, char *msg, size_t n)
{
    uint64_t v = 0;
    mn_err err = {0};
    int rc = mn_quantity_parse(k, text, "dc.xml:42: link l3 capacity", &v, &err);
    snprintf(msg, n, "%s", err.msg);
    CU_ASSERT_STRING_EQUAL(err.where, "dc.xml:42: link l3 capacity");
    return rc;
}

static void test_quantity_rates_scale_exactly(void)
{
    CU_ASSERT_EQUAL(ok(&mn_qk_rate, "10Gbps"), 10000000000ULL);
    CU_ASSERT_EQUAL(ok(&mn_qk_rate, "1.5Mbps"), 1500000);
    CU_ASSERT_EQUAL(ok(&mn_qk_rate, "0.1Gbps"), 100000000); /* 0.1 is not exact in binary */
    CU_ASSERT_EQUAL(ok(&mn_qk_rate, "54 Mbps"), 54000000);
    CU_ASSERT_EQUAL(ok(&mn_qk_rate, "300kbps"), 300000);
    CU_ASSERT_EQUAL(ok(&mn_qk_rate, "2Tbps"), 2000000000000ULL);
    CU_ASSERT_EQUAL(ok(&mn_qk_rate, "18446744073709551615bps"), UINT64_MAX);
}

static void test_quantity_sizes_know_decimal_and_binary_prefixes(void)
{
    CU_ASSERT_EQUAL(ok(&mn_qk_size, "4GiB"), 4ULL << 30);
    CU_ASSERT_EQUAL(ok(&mn_qk_size, "1.5GiB"), 3ULL << 29);
    CU_ASSERT_EQUAL(ok(&mn_qk_size, "2.5KiB"), 2560);
    CU_ASSERT_EQUAL(ok(&mn_qk_size, "1.5kB"), 1500);
    CU_ASSERT_EQUAL(ok(&mn_qk_size, "100MB"), 100000000);
    CU_ASSERT_EQUAL(ok(&mn_qk_size, "512B"), 512);
}

static void test_quantity_distances_in_millimetres(void)
{
    CU_ASSERT_EQUAL(ok(&mn_qk_distance, "250m"), 250000);
    CU_ASSERT_EQUAL(ok(&mn_qk_distance, "1.5km"), 1500000);
    CU_ASSERT_EQUAL(ok(&mn_qk_distance, "3cm"), 30);
    CU_ASSERT_EQUAL(ok(&mn_qk_frequency, "2.4GHz"), 2400000000ULL);
    CU_ASSERT_EQUAL(ok(&mn_qk_frequency, "80MHz"), 80000000ULL);
    CU_ASSERT_EQUAL(ok(&mn_qk_electric_power, "12.5W"), 12500);
    CU_ASSERT_EQUAL(ok(&mn_qk_electric_power, "800mW"), 800);
}

static void test_quantity_errors_name_the_fix(void)
{
    char msg[256];
    CU_ASSERT_EQUAL(bad(&mn_qk_rate, "10", msg, sizeof msg), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no unit"));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "\"10Mbps\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "Gbps"));
    CU_ASSERT_EQUAL(bad(&mn_qk_rate, "10GBps", msg, sizeof msg), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unknown unit \"GBps\""));
    CU_ASSERT_EQUAL(bad(&mn_qk_rate, "-1Gbps", msg, sizeof msg), MN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "negative"));
    CU_ASSERT_EQUAL(bad(&mn_qk_size, "0.5B", msg, sizeof msg), MN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "1 byte"));
    CU_ASSERT_EQUAL(bad(&mn_qk_rate, "18446744073709551616bps", msg, sizeof msg), MN_ERANGE);
    CU_ASSERT_EQUAL(bad(&mn_qk_rate, "20000000Tbps", msg, sizeof msg), MN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "too large"));
    CU_ASSERT_EQUAL(bad(&mn_qk_size, "lots", msg, sizeof msg), MN_EPARSE);
    CU_ASSERT_EQUAL(bad(&mn_qk_size, "", msg, sizeof msg), MN_EPARSE);
    CU_ASSERT_EQUAL(bad(&mn_qk_distance, "1.0001mm", msg, sizeof msg), MN_ERANGE);
    CU_ASSERT_EQUAL(ok(&mn_qk_distance, "1.000mm"), 1); /* trailing zeros are exact */
}

static void test_quantity_powers_in_dbm(void)
{
    double dbm;
    mn_err err = {0};
    CU_ASSERT_EQUAL(mn_power_parse("20dBm", NULL, &dbm, &err), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(dbm, 20, 0);
    CU_ASSERT_EQUAL(mn_power_parse("-70.5 dBm", NULL, &dbm, &err), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(dbm, -70.5, 0);
    CU_ASSERT_EQUAL(mn_power_parse("100mW", NULL, &dbm, &err), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(dbm, 20, 1e-12);
    CU_ASSERT_EQUAL(mn_power_parse("1W", NULL, &dbm, &err), MN_OK);
    CU_ASSERT_DOUBLE_EQUAL(dbm, 30, 1e-12);
    CU_ASSERT_EQUAL(mn_power_parse("0W", "radio r1", &dbm, &err), MN_ERANGE);
    CU_ASSERT_STRING_EQUAL(err.where, "radio r1");
    CU_ASSERT_EQUAL(mn_power_parse("20", NULL, &dbm, &err), MN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "20dBm"));
    CU_ASSERT_EQUAL(mn_power_parse("20dB", NULL, &dbm, &err), MN_EPARSE);
    CU_ASSERT_EQUAL(mn_power_parse("nandBm", NULL, &dbm, &err), MN_EPARSE);
    CU_ASSERT_EQUAL(mn_power_parse("infdBm", NULL, &dbm, &err), MN_EPARSE);
    CU_ASSERT_EQUAL(mn_power_parse("", NULL, &dbm, &err), MN_EPARSE);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_quantity_rates_scale_exactly),
        MN_TEST(test_quantity_sizes_know_decimal_and_binary_prefixes),
        MN_TEST(test_quantity_distances_in_millimetres),
        MN_TEST(test_quantity_errors_name_the_fix),
        MN_TEST(test_quantity_powers_in_dbm),
    };
    MN_SUITE("quantity", cases);
}
