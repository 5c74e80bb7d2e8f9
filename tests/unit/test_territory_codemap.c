/*
 * Tests of territory/codemap: commune-code validation (digits, Corsica's 2A
 * and 2B), insertion and lookup, the first-writer-wins rule that keeps
 * current codes from being shadowed by former ones, and growth of the table
 * from its smallest size to every code of France and more.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "territory/codemap.h"

static bool valid(const char *s)
{
    return mg_code_valid(s, strlen(s));
}

static void test_code_valid(void **state)
{
    (void)state;
    assert_true(valid("2A004"));  /* Ajaccio */
    assert_true(valid("2B033"));  /* Bastia */
    assert_true(valid("11069"));  /* Carcassonne */
    assert_true(valid("01001"));
    assert_true(valid("97411"));  /* Saint-Denis (La Réunion) */
    assert_true(valid("75056"));
    assert_true(valid("00000"));
    assert_false(valid("2C004"));
    assert_false(valid("2a004")); /* lower case is not the INSEE spelling */
    assert_false(valid("3A004")); /* only département 2 has letters */
    assert_false(valid("A2004"));
    assert_false(valid("20A04"));
    assert_false(valid("2AA04"));
    assert_false(valid("1100"));  /* 4 characters */
    assert_false(valid("110691"));
    assert_false(valid(""));
    assert_false(valid("11 69"));
    assert_false(valid(" 1069"));
    assert_false(valid("1106\n"));
    assert_false(valid("-1069"));
    assert_false(valid("1e069"));
    /* The length given is what counts, not the terminator. */
    assert_true(mg_code_valid("110691", 5));
    assert_false(mg_code_valid("11069", 4));
    assert_false(mg_code_valid("11069", 6));
    assert_false(mg_code_valid("11\0" "69", 5));
}

static void test_put_get(void **state)
{
    (void)state;
    mg_codemap *m = mg_codemap_new(10);
    assert_non_null(m);
    assert_int_equal(mg_codemap_get(m, "11069"), -1);
    bool ins = false;
    assert_int_equal(mg_codemap_put(m, "11069", 7, &ins), MG_OK);
    assert_true(ins);
    assert_int_equal(mg_codemap_put(m, "2A004", 0, &ins), MG_OK);
    assert_true(ins);
    assert_int_equal(mg_codemap_put(m, "2B004", 1, &ins), MG_OK);
    assert_true(ins);
    assert_int_equal(mg_codemap_put(m, "20004", 2, NULL), MG_OK);
    assert_int_equal(mg_codemap_get(m, "11069"), 7);
    assert_int_equal(mg_codemap_get(m, "2A004"), 0);
    assert_int_equal(mg_codemap_get(m, "2B004"), 1);
    assert_int_equal(mg_codemap_get(m, "20004"), 2);
    assert_int_equal(mg_codemap_get(m, "11068"), -1);
    assert_int_equal(mg_codemap_get(m, "11070"), -1);
    /* Lookups of text that is not 5 characters long find nothing. */
    assert_int_equal(mg_codemap_get(m, "1106"), -1);
    assert_int_equal(mg_codemap_get(m, "110690"), -1);
    assert_int_equal(mg_codemap_get(m, ""), -1);
    assert_int_equal(mg_codemap_get(NULL, "11069"), -1);
    mg_codemap_free(m);
    mg_codemap_free(NULL);
}

static void test_first_writer_wins(void **state)
{
    (void)state;
    mg_codemap *m = mg_codemap_new(0);
    assert_non_null(m);
    bool ins = false;
    /* A current code first, then the same code as somebody's former code. */
    assert_int_equal(mg_codemap_put(m, "01015", 14, &ins), MG_OK);
    assert_true(ins);
    ins = true;
    assert_int_equal(mg_codemap_put(m, "01015", 99, &ins), MG_OK);
    assert_false(ins);
    assert_int_equal(mg_codemap_get(m, "01015"), 14);
    ins = true;
    assert_int_equal(mg_codemap_put(m, "01015", 14, &ins), MG_OK);
    assert_false(ins);
    assert_int_equal(mg_codemap_get(m, "01015"), 14);
    mg_codemap_free(m);
}

/* The i-th code of a sequence mixing mainland and Corsican codes, and a
 * dense key for it (0..101999) so the test can keep its own reference. */
static unsigned nth_code(char out[6], unsigned i)
{
    unsigned kind = i % 7, num = (i / 7) % 1000;
    if (kind == 5) {
        snprintf(out, 6, "2A%03u", num);
        return 100000 + num;
    }
    if (kind == 6) {
        snprintf(out, 6, "2B%03u", num);
        return 101000 + num;
    }
    unsigned v = (i * 7919u) % 100000u;
    snprintf(out, 6, "%05u", v);
    return v;
}

static void test_growth(void **state)
{
    (void)state;
    /* Starting from the smallest table, insert 60,000 distinct codes (more
     * than France's current and former codes together). */
    mg_codemap *m = mg_codemap_new(0);
    assert_non_null(m);
    char code[6];
    const unsigned n = 60000;
    unsigned distinct = 0;
    for (unsigned i = 0; i < n; i++) {
        snprintf(code, sizeof code, "%05u", (i * 7919u) % 100000u);
        bool ins = false;
        assert_int_equal(mg_codemap_put(m, code, (int32_t)i, &ins), MG_OK);
        distinct += ins;
        /* Spot checks while the table grows. */
        if (i % 4999 == 0)
            assert_int_equal(mg_codemap_get(m, code), (int32_t)i);
    }
    /* 7919 is prime to 100000: all 60,000 codes are distinct. */
    assert_int_equal(distinct, n);
    for (unsigned i = 0; i < n; i++) {
        snprintf(code, sizeof code, "%05u", (i * 7919u) % 100000u);
        if (mg_codemap_get(m, code) != (int32_t)i)
            fail_msg("code %s: got %d, expected %u", code, mg_codemap_get(m, code), i);
    }
    /* The 40,000 codes never inserted are absent. */
    unsigned absent = 0;
    for (unsigned v = 0; v < 100000; v++) {
        snprintf(code, sizeof code, "%05u", v);
        absent += mg_codemap_get(m, code) < 0;
    }
    assert_int_equal(absent, 100000 - n);
    /* Re-inserting keeps every first value. */
    for (unsigned i = 0; i < n; i += 13) {
        snprintf(code, sizeof code, "%05u", (i * 7919u) % 100000u);
        bool ins = true;
        assert_int_equal(mg_codemap_put(m, code, -5, &ins), MG_OK);
        assert_false(ins);
        assert_int_equal(mg_codemap_get(m, code), (int32_t)i);
    }
    mg_codemap_free(m);

    /* Corsican letters are part of the key: 2A001, 2B001 and 20001 differ.
     * Codes repeat in this sequence: the first index given a code keeps it. */
    static int32_t first[102000];
    for (size_t k = 0; k < sizeof first / sizeof *first; k++)
        first[k] = -1;
    m = mg_codemap_new(3);
    assert_non_null(m);
    for (unsigned i = 0; i < 20000; i++) {
        unsigned key = nth_code(code, i);
        bool ins;
        assert_int_equal(mg_codemap_put(m, code, (int32_t)i, &ins), MG_OK);
        assert_int_equal(ins, first[key] < 0);
        if (first[key] < 0)
            first[key] = (int32_t)i;
    }
    for (unsigned i = 0; i < 20000; i++) {
        unsigned key = nth_code(code, i);
        int32_t got = mg_codemap_get(m, code);
        if (got != first[key])
            fail_msg("code %s: got %d, expected %d", code, got, first[key]);
    }
    assert_int_equal(mg_codemap_get(m, "2A999"), first[100999]);
    assert_int_equal(mg_codemap_get(m, "2C001"), -1);
    mg_codemap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_valid),
        cmocka_unit_test(test_put_get),
        cmocka_unit_test(test_first_writer_wins),
        cmocka_unit_test(test_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
