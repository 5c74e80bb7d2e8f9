/*
 * libFuzzer target for what the public types into the booking module
 * (booking.h, "Phone numbers and codes"): mg_booking_phone_normalise and
 * mg_booking_code_normalise on the input as text. Beyond the sanitizers it
 * checks the promises: a refused phone number is MG_EINVAL with a French
 * sentence that is valid UTF-8 and an empty result; an accepted one is
 * "+" and 8 to 15 digits ("+33" and 9 digits, the first 1-7 or 9, for a
 * French one), normalises to itself and displays as valid text; a code is
 * refused with an empty result or is 10 characters of the Crockford
 * alphabet that normalise to themselves and hash to 64 hex digits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "booking/booking.h"
#include "core/utf8.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool all_digits(const char *s)
{
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static void check_phone(const char *in)
{
    char out[MG_BOOKING_PHONE_SIZE];
    mg_diag d = {{0}};
    int rc = mg_booking_phone_normalise(in, out, &d);
    if (rc != 0) {
        check(rc == MG_EINVAL);
        check(out[0] == '\0');
        size_t n = strnlen(d.msg, sizeof d.msg);
        check(n > 0 && n < sizeof d.msg);
        check(mg_utf8_check(d.msg, n, NULL) == n);
        return;
    }
    size_t len = strnlen(out, sizeof out);
    check(len < sizeof out);
    check(out[0] == '+' && all_digits(out + 1));
    check(len >= 9 && len <= 16);
    if (strncmp(out, "+33", 3) == 0 && len == 12)
        check((out[3] >= '1' && out[3] <= '7') || out[3] == '9');
    char again[MG_BOOKING_PHONE_SIZE];
    mg_diag d2 = {{0}};
    check(mg_booking_phone_normalise(out, again, &d2) == 0);
    check(strcmp(out, again) == 0);
    char shown[32];
    mg_booking_phone_display(out, shown);
    size_t sn = strnlen(shown, sizeof shown);
    check(sn > 0 && sn < sizeof shown);
    check(mg_utf8_check(shown, sn, NULL) == sn);
    /* The display reads back as the same number. */
    check(mg_booking_phone_normalise(shown, again, &d2) == 0);
    check(strcmp(out, again) == 0);
}

static void check_code(const char *in)
{
    char out[MG_BOOKING_CODE_CHARS + 1];
    if (mg_booking_code_normalise(in, out) != 0) {
        check(out[0] == '\0');
        return;
    }
    check(strlen(out) == MG_BOOKING_CODE_CHARS);
    check(strspn(out, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") == MG_BOOKING_CODE_CHARS);
    char again[MG_BOOKING_CODE_CHARS + 1];
    check(mg_booking_code_normalise(out, again) == 0);
    check(strcmp(out, again) == 0);
    char hex[65];
    mg_booking_code_hash(out, hex);
    check(strlen(hex) == 64 && strspn(hex, "0123456789abcdef") == 64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    check_phone(s);
    check_code(s);
    free(s);
    return 0;
}
