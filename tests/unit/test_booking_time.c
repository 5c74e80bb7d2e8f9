/*
 * Paris civil time of the booking module (booking.h, "Time"): the EU rule
 * applied by hand in time.c checked against the C library's time-zone
 * database (TZ=Europe/Paris; localtime_r for local times, mktime read
 * both as winter and as summer time for the Unix instants of a local
 * time, and left to choose, tm_isdst = -1, picking one of them) every 15
 * minutes over the changes of 2000-2040, every minute
 * around each change, and on a sample of ordinary days; hand cases of the
 * skipped and repeated hours of 2026 with their Unix minutes worked out
 * by hand (date -u -d … +%s, divided by 60); the formats and the parse's
 * refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "booking/booking.h"
#include "testutil.h"

static int use_paris(void **state)
{
    (void)state;
    if (setenv("TZ", "Europe/Paris", 1) != 0)
        return -1;
    tzset();
    /* Without the zone's file the C library silently reads UTC. */
    time_t july = (time_t)1783000000; /* 2026-07-02 */
    struct tm tm;
    if (!localtime_r(&july, &tm) || !tm.tm_isdst || tm.tm_hour != 15) {
        fprintf(stderr, "the time-zone database has no Europe/Paris (Debian: tzdata)\n");
        return -1;
    }
    return 0;
}

/* The Unix minute of a UTC date and time, by the plain count of days
 * (independent of time.c and of the time-zone database). */
static int64_t utc_minute(int y, int m, int d, int hh, int mm)
{
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int64_t days = 0;
    for (int yy = 1970; yy < y; yy++)
        days += (yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0 ? 366 : 365;
    days += before[m - 1] + d - 1;
    if (m > 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        days++;
    return days * 1440 + hh * 60 + mm;
}

/* The C library's local time of a Unix minute. */
static struct tm libc_local(int64_t minute)
{
    time_t t = (time_t)(minute * 60);
    struct tm tm;
    assert_non_null(localtime_r(&t, &tm));
    return tm;
}

static void check_local(int64_t minute)
{
    struct tm tm = libc_local(minute);
    mg_oh_instant at = mg_booking_local(minute);
    if (at.year != tm.tm_year + 1900 || at.month != tm.tm_mon + 1 || at.day != tm.tm_mday ||
        at.minute != tm.tm_hour * 60 + tm.tm_min)
        fail_msg("minute %lld: mg_booking_local %04d-%02d-%02d %02d:%02d, tzdata "
                 "%04d-%02d-%02d %02d:%02d",
                 (long long)minute, at.year, at.month, at.day, at.minute / 60, at.minute % 60,
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

/*
 * The Unix minutes at which the C library reads the local time: mktime
 * told it is winter time, then summer time; a reading counts when the
 * local time of its result is the one asked (mktime moves a time that
 * does not exist in the told season). Sorted, distinct; returns the count.
 */
static int libc_utc(int y, int mo, int d, int minute, int64_t out[2])
{
    int n = 0;
    for (int dst = 0; dst <= 1; dst++) {
        struct tm tm = {0};
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_hour = minute / 60;
        tm.tm_min = minute % 60;
        tm.tm_isdst = dst;
        time_t t = mktime(&tm);
        if (t == (time_t)-1)
            continue;
        struct tm back;
        localtime_r(&t, &back);
        if (back.tm_year != y - 1900 || back.tm_mon != mo - 1 || back.tm_mday != d ||
            back.tm_hour * 60 + back.tm_min != minute)
            continue;
        int64_t m = (int64_t)t / 60;
        if (n == 1 && out[0] == m)
            continue;
        out[n++] = m;
    }
    if (n == 2 && out[1] < out[0]) {
        int64_t x = out[0];
        out[0] = out[1];
        out[1] = x;
    }
    return n;
}

static void check_utc(int y, int mo, int d, int minute)
{
    int64_t want[2], got[2] = {-1, -1};
    int nwant = libc_utc(y, mo, d, minute, want);
    int ngot = mg_booking_utc((mg_oh_instant){y, mo, d, minute}, &got[0], &got[1]);
    bool same = ngot == nwant;
    for (int i = 0; same && i < ngot; i++)
        same = got[i] == want[i];
    /* mktime left to choose the season (tm_isdst = -1) picks one of them. */
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = minute / 60;
    tm.tm_min = minute % 60;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (nwant > 0 && t != (time_t)-1) {
        int64_t m = (int64_t)t / 60;
        same = same && (m == got[0] || (ngot == 2 && m == got[1]));
    }
    if (!same)
        fail_msg("%04d-%02d-%02d %02d:%02d: mg_booking_utc %d (%lld, %lld), tzdata %d (%lld, %lld)",
                 y, mo, d, minute / 60, minute % 60, ngot, (long long)got[0],
                 (long long)got[1], nwant, nwant > 0 ? (long long)want[0] : -1LL,
                 nwant > 1 ? (long long)want[1] : -1LL);
}

/* Every 15 minutes of the local day, both ways, and day_start. */
static void check_day(int y, int mo, int d)
{
    for (int minute = 0; minute < 1440; minute += 15)
        check_utc(y, mo, d, minute);
    int64_t start[2];
    assert_true(libc_utc(y, mo, d, 0, start) == 1);
    assert_int_equal(mg_booking_day_start(y, mo, d), start[0]);
    int64_t u0 = utc_minute(y, mo, d, 0, 0);
    for (int64_t t = u0 - 180; t < u0 + 1440 + 180; t += 15)
        check_local(t);
}

/* The changes of 2000-2040 as the time-zone database has them: the days on
 * which the season at 00:00 UTC differs from the one at 02:00 UTC. */
static void test_changes_against_tzdata(void **state)
{
    (void)state;
    int changes = 0;
    for (int y = 2000; y <= 2040; y++) {
        int found = 0;
        for (int mo = 1; mo <= 12; mo++) {
            for (int d = 1; d <= 31; d++) {
                int64_t u0 = utc_minute(y, mo, d, 0, 0);
                struct tm a = libc_local(u0), b = libc_local(u0 + 120);
                if (a.tm_mon != mo - 1 || a.tm_isdst == b.tm_isdst)
                    continue; /* past the month's end (normalised), or no change */
                found++;
                /* The change happens at 01:00 UTC on a Sunday. */
                assert_int_equal(b.tm_wday, 0);
                assert_int_equal(libc_local(u0 + 59).tm_isdst, a.tm_isdst);
                assert_int_equal(libc_local(u0 + 60).tm_isdst, b.tm_isdst);
                check_day(y, mo, d);
                check_day(y, mo, d - 1 >= 1 ? d - 1 : d);
                /* Every minute from two hours before the change to two after. */
                for (int64_t t = u0 - 60; t < u0 + 180; t++)
                    check_local(t);
                for (int minute = 0; minute < 300; minute++)
                    check_utc(y, mo, d, minute);
                changes++;
            }
        }
        assert_int_equal(found, 2);
    }
    assert_int_equal(changes, 82);
}

/* A fixed sample of ordinary days of 2000-2040 (and a few far years). */
static void test_ordinary_days(void **state)
{
    (void)state;
    uint64_t seed = 17017;
    for (int i = 0; i < 400; i++) {
        int y = 2000 + (int)(rng_next(&seed) % 41);
        int mo = 1 + (int)(rng_next(&seed) % 12);
        int d = 1 + (int)(rng_next(&seed) % 28);
        check_day(y, mo, d);
    }
    check_day(2000, 2, 29);
    check_day(2024, 2, 29);
    check_day(2040, 12, 31);
    check_day(2030, 1, 1);
}

static void test_hand_cases(void **state)
{
    (void)state;
    int64_t a = 0, b = 0;
    /* 2026-03-29: 01:59 is 00:59Z, 02:00-02:59 do not exist, 03:00 is 01:00Z. */
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 3, 29, 119}, &a, &b), 1);
    assert_int_equal(a, 29579099);
    a = b = 7;
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 3, 29, 150}, &a, &b), 0);
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 3, 29, 120}, &a, &b), 0);
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 3, 29, 179}, &a, &b), 0);
    assert_int_equal(a, 7);
    assert_int_equal(b, 7);
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 3, 29, 180}, &a, NULL), 1);
    assert_int_equal(a, 29579100);
    mg_oh_instant l = mg_booking_local(29579099);
    assert_int_equal(l.minute, 119);
    l = mg_booking_local(29579100);
    assert_int_equal(l.day, 29);
    assert_int_equal(l.minute, 180);

    /* 2026-10-25: 02:30 is 00:30Z (summer) and 01:30Z (winter). */
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 10, 25, 150}, &a, &b), 2);
    assert_int_equal(a, 29881470);
    assert_int_equal(b, 29881530);
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 10, 25, 150}, &a, NULL), 2);
    assert_int_equal(a, 29881470);
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 10, 25, 119}, &a, &b), 1);
    assert_int_equal(a, 29881439); /* 01:59 is 23:59Z the day before */
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 10, 25, 180}, &a, &b), 1);
    assert_int_equal(a, 29881560); /* 03:00 is 02:00Z */
    assert_int_equal(mg_booking_local(29881470).minute, 150);
    assert_int_equal(mg_booking_local(29881530).minute, 150);
    assert_int_equal(mg_booking_local(29881529).minute, 149);
    assert_int_equal(mg_booking_local(29881500).minute, 120); /* 01:00Z: 02:00 again */
    assert_int_equal(mg_booking_local(29881499).minute, 179); /* 00:59Z: 02:59 summer */

    /* The days' first minutes. */
    assert_int_equal(mg_booking_day_start(2026, 3, 29), 29578980);
    assert_int_equal(mg_booking_day_start(2026, 3, 30), 29580360);
    assert_int_equal(mg_booking_day_start(2026, 10, 25), 29881320);
    assert_int_equal(mg_booking_day_start(2026, 10, 26), 29882820);
    /* A 23-hour and a 25-hour day. */
    assert_int_equal(mg_booking_day_start(2026, 3, 30) - mg_booking_day_start(2026, 3, 29),
                     23 * 60);
    assert_int_equal(mg_booking_day_start(2026, 10, 26) - mg_booking_day_start(2026, 10, 25),
                     25 * 60);

    /* Invalid local times. */
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 13, 1, 0}, &a, &b), MG_EINVAL);
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 0, 1, 0}, &a, &b), MG_EINVAL);
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 2, 29, 0}, &a, &b), MG_EINVAL);
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 4, 31, 0}, &a, &b), MG_EINVAL);
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 4, 30, 1440}, &a, &b), MG_EINVAL);
    assert_int_equal(mg_booking_utc((mg_oh_instant){2026, 4, 30, -1}, &a, &b), MG_EINVAL);
    assert_int_equal(mg_booking_utc((mg_oh_instant){1200, 4, 30, 0}, &a, &b), MG_EINVAL);
    assert_int_equal(mg_booking_utc((mg_oh_instant){2028, 2, 29, 0}, &a, &b), 1);
}

static void test_formats(void **state)
{
    (void)state;
    char local[17], utc[21], fr[64];
    mg_booking_format_local(29579550, local);
    assert_string_equal(local, "2026-03-29T10:30");
    mg_booking_format_utc(29579550, utc);
    assert_string_equal(utc, "2026-03-29T08:30:00Z");
    mg_booking_format_fr(29579550, fr);
    assert_string_equal(fr, "dimanche 29 mars 2026 à 10 h 30");
    mg_booking_format_fr(29583785, fr);
    assert_string_equal(fr, "mercredi 1er avril 2026 à 9 h 05");
    mg_booking_format_fr(29563745, fr);
    assert_string_equal(fr, "mercredi 18 mars 2026 à 10 h 05");
    /* The repeated hour reads the same twice. */
    mg_booking_format_local(29881470, local);
    assert_string_equal(local, "2026-10-25T02:30");
    mg_booking_format_local(29881530, local);
    assert_string_equal(local, "2026-10-25T02:30");
    mg_booking_format_utc(29881530, utc);
    assert_string_equal(utc, "2026-10-25T01:30:00Z");
    mg_booking_format_fr(29881530, fr);
    assert_string_equal(fr, "dimanche 25 octobre 2026 à 2 h 30");
    mg_booking_format_utc(-1, utc);
    assert_string_equal(utc, "1969-12-31T23:59:00Z");
    mg_booking_format_local(-1, local);
    assert_string_equal(local, "1970-01-01T00:59");

    /* Far instants are clamped, never overflowing the buffers. */
    mg_booking_format_local(INT64_MIN, local);
    assert_string_equal(local, "1583-01-01T00:00");
    mg_booking_format_local(INT64_MAX, local);
    assert_string_equal(local, "9998-12-31T23:59");
    mg_booking_format_utc(INT64_MAX, utc);
    assert_string_equal(utc, "9998-12-31T22:59:00Z");
    mg_booking_format_fr(INT64_MIN, fr);
    assert_true(strlen(fr) > 10);

    int64_t now = mg_booking_now(), t = (int64_t)time(NULL) / 60;
    assert_true(now >= t - 1 && now <= t + 1);
}

static void test_parse(void **state)
{
    (void)state;
    int64_t m = 0;
    assert_int_equal(mg_booking_parse_local("2026-03-29T10:30", &m), 0);
    assert_int_equal(m, 29579550);
    assert_int_equal(mg_booking_parse_local("2026-03-29T10:30:00", &m), 0);
    assert_int_equal(m, 29579550);
    assert_int_equal(mg_booking_parse_local("2026-03-29T01:59", &m), 0);
    assert_int_equal(m, 29579099);
    assert_int_equal(mg_booking_parse_local("2026-03-29T03:00", &m), 0);
    assert_int_equal(m, 29579100);
    /* The repeated hour reads as its first, summer-time, instant. */
    assert_int_equal(mg_booking_parse_local("2026-10-25T02:30", &m), 0);
    assert_int_equal(m, 29881470);

    static const char *const bad[] = {
        "2026-03-29T02:30", /* skipped */
        "2026-03-29T02:00",
        "2026-03-29T02:59",
        "",
        "2026-03-29",
        "2026-03-29 10:30",
        "2026-3-29T10:30",
        "2026-03-29T10:3",
        "2026-03-29T24:00",
        "2026-03-29T10:60",
        "2026-02-29T10:00",
        "2026-04-31T10:00",
        "2026-00-10T10:00",
        "2026-13-10T10:00",
        "2026-03-00T10:00",
        "2026-03-29T10:30:01",
        "2026-03-29T10:30:0",
        "2026-03-29T10:30Z",
        "2026-03-29T10:30 ",
        " 2026-03-29T10:30",
        "+026-03-29T10:30",
        "2026-03-29t10:30",
        "2026/03/29T10:30",
        "1500-01-01T00:00",
        "9999-01-01T00:00",
        "2026-03-29T-1:30",
        "2026-03-29T1 :30",
        "\xef\xbc\x92""026-03-29T10:30",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m = 42;
        if (mg_booking_parse_local(bad[i], &m) != MG_EINVAL)
            fail_msg("\"%s\" was accepted", bad[i]);
        assert_int_equal(m, 42);
    }
    assert_int_equal(mg_booking_parse_local(NULL, &m), MG_EINVAL);

    /* Round trips: the parse of the format is the instant, except the
     * winter-time copy of the repeated hour, read as its summer-time one. */
    uint64_t seed = 4242;
    for (int i = 0; i < 20000; i++) {
        int64_t t = utc_minute(2000, 1, 1, 0, 0) + (int64_t)(rng_next(&seed) % (41 * 366 * 1440));
        char s[17];
        mg_booking_format_local(t, s);
        assert_int_equal(mg_booking_parse_local(s, &m), 0);
        struct tm tm = libc_local(t);
        int64_t other[2];
        int n = libc_utc(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour * 60 + tm.tm_min,
                         other);
        assert_int_equal(m, n == 2 ? other[0] : t);
    }
    /* Around the changes, minute by minute. */
    for (int64_t t = 29881440 - 120; t < 29881440 + 240; t++) {
        char s[17];
        mg_booking_format_local(t, s);
        assert_int_equal(mg_booking_parse_local(s, &m), 0);
        assert_int_equal(m, t >= 29881500 && t < 29881560 ? t - 60 : t);
    }
}

/* What people type in the forms (mg_booking_parse_typed). */
static void test_typed(void **state)
{
    (void)state;
    static const struct {
        const char *typed;
        bool end_of_day;
        int y, mo, d, minute; /* the local time expected; y 0: refused */
    } cases[] = {
        {"2026-03-29T10:30", false, 2026, 3, 29, 630},
        {"2026-03-29T10:30:00", false, 2026, 3, 29, 630},
        {" 2026-03-29 10:30 ", false, 2026, 3, 29, 630},
        {"29/03/2026 10h30", false, 2026, 3, 29, 630},
        {"29/03/2026 10 h", false, 2026, 3, 29, 600},
        {"29/03/2026 9:05", false, 2026, 3, 29, 545},
        {"2026-12-31", false, 2026, 12, 31, 0},
        {"2026-12-31", true, 2027, 1, 1, 0},
        {"2026-03-29T02:30", false, 0, 0, 0, 0}, /* skipped by summer time */
        {"2026-03-29T24:00", false, 0, 0, 0, 0},
        {"2026-03-29T10:3", false, 0, 0, 0, 0},
        {"2026-02-30", false, 0, 0, 0, 0},
        {"1970-01-01", false, 0, 0, 0, 0},
        {"2026-03-29T10:30:01", false, 0, 0, 0, 0},
        {"demain", false, 0, 0, 0, 0},
        {"", false, 0, 0, 0, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int64_t got = -7;
        int rc = mg_booking_parse_typed(cases[k].typed, cases[k].end_of_day, &got);
        if (!cases[k].y) {
            if (rc != MG_EINVAL || got != -7)
                fail_msg("\"%s\" should be refused", cases[k].typed);
            continue;
        }
        if (rc != 0)
            fail_msg("\"%s\" refused", cases[k].typed);
        /* The expected instant by the C library's zone (independent of time.c). */
        struct tm tm = {.tm_year = cases[k].y - 1900, .tm_mon = cases[k].mo - 1,
                        .tm_mday = cases[k].d, .tm_hour = cases[k].minute / 60,
                        .tm_min = cases[k].minute % 60, .tm_isdst = -1};
        int64_t want = (int64_t)mktime(&tm) / 60;
        if (got != want)
            fail_msg("\"%s\": %lld, expected %lld", cases[k].typed, (long long)got,
                     (long long)want);
    }
    assert_int_equal(mg_booking_parse_typed(NULL, false, &(int64_t){0}), MG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changes_against_tzdata),
        cmocka_unit_test(test_ordinary_days),
        cmocka_unit_test(test_hand_cases),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_typed),
    };
    return cmocka_run_group_tests(tests, use_paris, NULL);
}
