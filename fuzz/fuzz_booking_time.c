/*
 * libFuzzer target for the booking module's Paris times (booking.h,
 * "Time"): mg_booking_parse_local and mg_booking_parse_typed on the input as text, and the input's
 * first bytes read as a Unix minute and as a local date and time. Beyond
 * the sanitizers it checks the promises: a refusal is MG_EINVAL and leaves
 * the result alone; an accepted text formats back to itself (its first 16
 * characters) and its instant reads as that local time; a minute's local
 * format parses back to the same local time, at the minute itself or an
 * hour before it (the winter copy of October's repeated hour reads as its
 * summer one); mg_booking_utc gives 0, 1 or 2 instants, in order, each
 * reading as the local time asked, and 0 only in March's skipped hour;
 * the UTC and French formats are terminated, valid UTF-8.
 */
#include <stdint.h>
#include <string.h>

#include "booking/booking.h"
#include "core/utf8.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_local(mg_oh_instant a, mg_oh_instant b)
{
    return a.year == b.year && a.month == b.month && a.day == b.day && a.minute == b.minute;
}

static void check_text(const char *s, size_t cap)
{
    size_t len = strnlen(s, cap);
    check(len < cap);
    check(mg_utf8_check(s, len, NULL) == len);
}

/* The promises of formats and parse for one Unix minute. */
static void check_minute(int64_t t)
{
    char local[17], utc[21], fr[64];
    mg_booking_format_local(t, local);
    mg_booking_format_utc(t, utc);
    mg_booking_format_fr(t, fr);
    check(strlen(local) == 16);
    check(strlen(utc) == 20 && utc[19] == 'Z');
    check_text(fr, sizeof fr);
    mg_oh_instant at = mg_booking_local(t);
    int64_t back = 0;
    check(mg_booking_parse_local(local, &back) == 0);
    check(same_local(mg_booking_local(back), at));
    int64_t first = 0, second = 0;
    int n = mg_booking_utc(at, &first, &second);
    check(n == 1 || n == 2);
    check(first == back);
    if (n == 2)
        check(second == first + 60);
    /* t itself, where it is not clamped to the years 1583..9998 (about
     * 1608 to 9575 here). */
    if (t >= -190000000 && t <= 4000000000)
        check(t == first || (n == 2 && t == second));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The input as text. */
    char s[64];
    size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
    memcpy(s, data, n);
    s[n] = 0;
    int64_t m = 12345;
    int rc = mg_booking_parse_local(s, &m);
    if (rc != 0) {
        check(rc == MG_EINVAL);
        check(m == 12345);
    } else {
        char again[17];
        mg_booking_format_local(m, again);
        check(strncmp(again, s, 16) == 0);
        check_minute(m);
    }

    /* The input as a form's typed date and time: a refusal is MG_EINVAL
     * and leaves the result alone; an answer is a minute whose local time
     * is on the minute grid and formats back. */
    for (int eod = 0; eod < 2; eod++) {
        int64_t typed = 12345;
        rc = mg_booking_parse_typed(s, eod != 0, &typed);
        if (rc != 0) {
            check(rc == MG_EINVAL);
            check(typed == 12345);
        } else {
            check_minute(typed);
        }
    }

    /* The first bytes as a Unix minute, anywhere in int64_t. */
    int64_t t = 0;
    memcpy(&t, data, size < sizeof t ? size : sizeof t);
    check_minute(t);
    /* And near today, where the changes of summer time matter. */
    check_minute(29000000 + (t % 2000000));

    /* The first bytes as a local date and time. */
    if (size >= 8) {
        mg_oh_instant at = {1583 + (int)((data[0] | data[1] << 8) % 8500), data[2] % 14,
                            data[3] % 33, (int)((data[4] | data[5] << 8) % 1500) - 30};
        int64_t first = -1, second = -1;
        int k = mg_booking_utc(at, &first, &second);
        check(k == MG_EINVAL || (k >= 0 && k <= 2));
        if (k >= 1)
            check(same_local(mg_booking_local(first), at));
        if (k == 2)
            check(second > first && same_local(mg_booking_local(second), at));
        if (k == 0)
            check(at.month == 3 && at.day >= 25 && at.minute >= 120 && at.minute < 180);
        if (k != MG_EINVAL) {
            int64_t start = mg_booking_day_start(at.year, at.month, at.day);
            mg_oh_instant midnight = {at.year, at.month, at.day, 0};
            check(same_local(mg_booking_local(start), midnight));
            bool first_day = at.year == 1583 && at.month == 1 && at.day == 1; /* clamped before */
            check(first_day || !same_local(mg_booking_local(start - 1), midnight));
        }
    }
    return 0;
}
