/*
 * Tests of what the booking module shares (booking.h, common.c): refused
 * fields, the code lists (every key parses back to its value), French phone
 * numbers into E.164 (and what is refused), their display, and the
 * confirmation codes (Crockford base32: typed forms forgiven, 50 bits of
 * randomness spread over every character, SHA-256 hex of the canonical
 * form compared with an independent computation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "booking/booking.h"

static void errors_name_fields(void **state)
{
    (void)state;
    mg_booking_errors e = {0};
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_refuse(&e, &d), MG_EINVAL);
    mg_booking_errors_add(&e, "phone", "numéro %d", 7);
    mg_booking_errors_add(&e, "start", "créneau pris");
    assert_string_equal(mg_booking_errors_for(&e, "phone"), "numéro 7");
    assert_string_equal(mg_booking_errors_for(&e, "start"), "créneau pris");
    assert_null(mg_booking_errors_for(&e, "person"));
    mg_diag_clear(&d);
    assert_int_equal(mg_booking_refuse(&e, &d), MG_EINVAL);
    assert_non_null(strstr(d.msg, "phone"));
    assert_non_null(strstr(d.msg, "numéro 7"));
    for (int i = 0; i < 40; i++)
        mg_booking_errors_add(&e, "x", "y");
    assert_int_equal(e.n, MG_BOOKING_ERRORS_MAX);
    mg_booking_errors_add(NULL, "x", "y"); /* harmless */
}

static void code_lists_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < MG_BOOKING_STATES; i++) {
        mg_booking_state v;
        assert_int_equal(mg_booking_state_parse(mg_booking_state_key(i), &v), 0);
        assert_int_equal(v, i);
        assert_true(strlen(mg_booking_state_label(i)) > 0);
    }
    for (int i = 0; i < MG_BOOKING_DEVICE_KINDS; i++) {
        mg_booking_device_kind v;
        assert_int_equal(mg_booking_device_kind_parse(mg_booking_device_kind_key(i), &v), 0);
        assert_int_equal(v, i);
    }
    for (int i = 0; i < MG_BOOKING_KINDS; i++) {
        mg_booking_kind v;
        assert_int_equal(mg_booking_kind_parse(mg_booking_kind_key(i), &v), 0);
        assert_int_equal(v, i);
    }
    for (int i = 0; i < MG_BOOKING_RESOURCES; i++) {
        mg_booking_resource v;
        assert_int_equal(mg_booking_resource_parse(mg_booking_resource_key(i), &v), 0);
        assert_int_equal(v, i);
    }
    for (int i = 0; i < MG_BOOKING_REASONS; i++) {
        mg_booking_reason v;
        assert_int_equal(mg_booking_reason_parse(mg_booking_reason_key(i), &v), 0);
        assert_int_equal(v, i);
    }
    mg_booking_ask a;
    assert_int_equal(mg_booking_ask_parse("name", &a), 0);
    assert_int_equal(a, MG_BOOKING_ASK_NAME);
    assert_int_equal(mg_booking_ask_parse("initials", &a), 0);
    assert_int_equal(a, MG_BOOKING_ASK_INITIALS);
    /* The keys the migration's CHECKs list. */
    assert_string_equal(mg_booking_state_key(MG_BOOKING_NO_SHOW), "no_show");
    assert_string_equal(mg_booking_kind_key(MG_BOOKING_SPECIALIST), "specialist");
    assert_string_equal(mg_booking_device_kind_key(MG_BOOKING_CART), "cart");
    assert_string_equal(mg_booking_reason_key(MG_BOOKING_OPENING), "opening");
    /* Unknown keys and out-of-range values. */
    mg_booking_state s;
    assert_int_equal(mg_booking_state_parse("Booked", &s), MG_ENOTFOUND);
    assert_int_equal(mg_booking_state_parse(NULL, &s), MG_ENOTFOUND);
    assert_string_equal(mg_booking_state_key(MG_BOOKING_STATES), "");
    assert_string_equal(mg_booking_kind_label((mg_booking_kind)-1), "");
}

static void phones_normalised(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"06 12 34 56 78", "+33612345678"},
        {"06.12.34.56.78", "+33612345678"},
        {"06-12-34-56-78", "+33612345678"},
        {"0612345678", "+33612345678"},
        {"+33 6 12 34 56 78", "+33612345678"},
        {"+33612345678", "+33612345678"},
        {"0033612345678", "+33612345678"},
        {"00 33 6 12 34 56 78", "+33612345678"},
        {"+33 (0)6 12 34 56 78", "+33612345678"},
        {"01 23 45 67 89", "+33123456789"},
        {"05 61 00 00 00", "+33561000000"},
        {"07 00 00 00 00", "+33700000000"},
        {"09 70 00 00 00", "+33970000000"},
        {"+49 30 1234 5678", "+493012345678"},
        {"0044 20 7946 0000", "+442079460000"},
        {"+1 202 555 0100", "+12025550100"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char out[MG_BOOKING_PHONE_SIZE];
        mg_diag d = {{0}};
        int rc = mg_booking_phone_normalise(ok[i].in, out, &d);
        if (rc != 0)
            fail_msg("%s refused: %s", ok[i].in, d.msg);
        assert_string_equal(out, ok[i].out);
    }
    static const char *const bad[] = {
        "",        "   ",          "06 12 34 56 7",   "06 12 34 56 789", "08 00 00 00 00",
        "00 00 00 00 00", "6 12 34 56 78", "06 12 34 56 7a", "+33 6 12 34 56", "+33 8 00 00 00 00",
        "+1234567",  "++33612345678", "06+12345678",   "+0612345678",     "1234567890",
        "+1234567890123456", "06\xc3\xa9" "12345678", NULL,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[MG_BOOKING_PHONE_SIZE] = "x";
        mg_diag d = {{0}};
        int rc = mg_booking_phone_normalise(bad[i], out, &d);
        if (rc != MG_EINVAL)
            fail_msg("%s accepted as %s", bad[i] ? bad[i] : "(null)", out);
        assert_true(strlen(d.msg) > 0);
    }
    /* Every French 10-digit number by its first two digits. */
    for (int p = 0; p <= 9; p++) {
        char in[16], out[MG_BOOKING_PHONE_SIZE];
        snprintf(in, sizeof in, "0%d11223344", p);
        mg_diag d = {{0}};
        int rc = mg_booking_phone_normalise(in, out, &d);
        bool valid = (p >= 1 && p <= 7) || p == 9;
        assert_int_equal(rc, valid ? 0 : MG_EINVAL);
        if (valid) {
            char want[16];
            snprintf(want, sizeof want, "+33%d11223344", p);
            assert_string_equal(out, want);
        }
    }
}

static void phones_displayed(void **state)
{
    (void)state;
    char out[32];
    mg_booking_phone_display("+33612345678", out);
    assert_string_equal(out, "06 12 34 56 78");
    mg_booking_phone_display("+493012345678", out);
    assert_string_equal(out, "+493012345678");
    mg_booking_phone_display(NULL, out);
    assert_string_equal(out, "");
}

static void codes_normalised(void **state)
{
    (void)state;
    char out[MG_BOOKING_CODE_CHARS + 1];
    assert_int_equal(mg_booking_code_normalise("ABCDE-FGHJK", out), 0);
    assert_string_equal(out, "ABCDEFGHJK");
    assert_int_equal(mg_booking_code_normalise(" abcde fghjk ", out), 0);
    assert_string_equal(out, "ABCDEFGHJK");
    assert_int_equal(mg_booking_code_normalise("o0Ii1-Ll234", out), 0);
    assert_string_equal(out, "0011111234");
    static const char *const bad[] = {"ABCDE-FGHJ", "ABCDE-FGHJKM", "ABCDE-FGHJU", "", NULL,
                                      "ABCDE_FGHJK", "ABCDÉ-FGHJK"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(mg_booking_code_normalise(bad[i], out), MG_EINVAL);
        assert_string_equal(out, "");
    }
}

/* The value of a canonical character, by search in the alphabet. */
static int value_of(char ch)
{
    const char *a = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const char *p = strchr(a, ch);
    return p ? (int)(p - a) : -1;
}

static void codes_random_and_hashed(void **state)
{
    (void)state;
    /* Each character position takes each of its 32 values: over 4000 codes
     * every (position, value) pair is expected 125 times; a broken source
     * (a constant position, fewer bits) leaves some at 0. */
    static int seen[MG_BOOKING_CODE_CHARS][32];
    memset(seen, 0, sizeof seen);
    char prev[MG_BOOKING_CODE_SIZE] = "";
    for (int i = 0; i < 4000; i++) {
        char code[MG_BOOKING_CODE_SIZE];
        mg_diag d = {{0}};
        assert_int_equal(mg_booking_code_new(code, &d), 0);
        assert_int_equal(strlen(code), 11);
        assert_int_equal(code[5], '-');
        assert_string_not_equal(code, prev);
        memcpy(prev, code, sizeof prev);
        char canon[MG_BOOKING_CODE_CHARS + 1];
        assert_int_equal(mg_booking_code_normalise(code, canon), 0);
        for (int k = 0; k < MG_BOOKING_CODE_CHARS; k++) {
            int v = value_of(canon[k]);
            assert_true(v >= 0);
            seen[k][v]++;
        }
    }
    for (int k = 0; k < MG_BOOKING_CODE_CHARS; k++)
        for (int v = 0; v < 32; v++)
            if (seen[k][v] < 50 || seen[k][v] > 250)
                fail_msg("position %d value %d seen %d times of 4000", k, v, seen[k][v]);

    /* SHA-256("ABCDEFGHJK") computed by coreutils' sha256sum. */
    char hex[65];
    mg_booking_code_hash("ABCDEFGHJK", hex);
    assert_string_equal(hex, "f57cbf1e3e471b25db4b8ad0844df41b2dae9c7d1944944d128e49294d412f66");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(errors_name_fields),  cmocka_unit_test(code_lists_round_trip),
        cmocka_unit_test(phones_normalised),   cmocka_unit_test(phones_displayed),
        cmocka_unit_test(codes_normalised),    cmocka_unit_test(codes_random_and_hashed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
