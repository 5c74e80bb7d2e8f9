/*
 * Free intervals and slots (booking/slots.h).
 *
 * Hand cases, their expected values worked out by hand in UTC (Paris is
 * UTC+1 in winter, UTC+2 in summer; on 2026-03-29 local 02:00-02:59 does
 * not exist, on 2026-10-25 it happens twice, at 00:xxZ then 01:xxZ): the
 * span algebra; overlapping rules; closures, openings and busy spans; the
 * DST Sundays with hours over 01:00-04:00 and ordinary ones; past
 * midnight; slots ending at 24:00; step against duration; a slot that
 * would straddle a closure.
 *
 * Then the property: on random schedules (opening_hours strings from a
 * generator of the supported subset, random exceptions, windows across
 * the changes of summer time of 2000-2040), mg_booking_calendar_free of
 * each of 2-4 calendars, their intersection and the slot starts equal a
 * minute-by-minute reference written here from slots.h's definition
 * (mg_opening_hours_state at mg_booking_local(t) for every minute t). The
 * seed is fixed and printed with the failing schedule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "booking/booking.h"
#include "booking/slots.h"
#include "core/buf.h"
#include "directory/holidays.h"
#include "directory/opening_hours.h"
#include "parse/parse.h"
#include "testutil.h"

/* --- Helpers ---------------------------------------------------------------------------------- */

/* The Unix minute of a UTC date and time, by a plain count of days. */
static int64_t Z(int y, int m, int d, int hh, int mm)
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

static mg_opening_hours *hours_of(const char *s)
{
    mg_opening_hours *oh = NULL;
    mg_diag d = {{0}};
    int rc = mg_opening_hours_parse(s, strlen(s), 0, &oh, &d);
    if (rc != 0)
        fail_msg("\"%s\": %s", s, d.msg);
    return oh;
}

static void show_spans(const char *what, const mg_span *v, size_t n)
{
    fprintf(stderr, "%s (%zu):", what, n);
    for (size_t i = 0; i < n; i++) {
        char a[21], b[21];
        mg_booking_format_utc(v[i].from, a);
        mg_booking_format_utc(v[i].to, b);
        fprintf(stderr, " [%s, %s)", a, b);
    }
    fprintf(stderr, "\n");
}

/* Fails unless s holds exactly the spans want[0..n). */
static void expect_spans(const mg_spans *s, const mg_span *want, size_t n)
{
    bool same = s->n == n;
    for (size_t i = 0; same && i < n; i++)
        same = s->v[i].from == want[i].from && s->v[i].to == want[i].to;
    if (!same) {
        show_spans("got", s->v, s->n);
        show_spans("expected", want, n);
        fail_msg("spans differ");
    }
}

#define EXPECT_SPANS(s, ...)                                                              \
    do {                                                                                  \
        const mg_span want_[] = {__VA_ARGS__};                                            \
        expect_spans((s), want_, sizeof want_ / sizeof want_[0]);                         \
    } while (0)

static void from_hours_expect(const char *hours, int64_t from, int64_t to, const mg_span *want,
                              size_t n)
{
    mg_opening_hours *oh = hours_of(hours);
    mg_spans s = {0};
    assert_int_equal(mg_spans_from_hours(oh, from, to, &s), 0);
    if (n != s.n)
        fprintf(stderr, "hours \"%s\"\n", hours);
    expect_spans(&s, want, n);
    mg_spans_free(&s);
    mg_opening_hours_free(oh);
}

#define HOURS_EXPECT(hours, from, to, ...)                                                \
    do {                                                                                  \
        const mg_span want_[] = {__VA_ARGS__};                                            \
        from_hours_expect((hours), (from), (to), want_, sizeof want_ / sizeof want_[0]);  \
    } while (0)

typedef struct starts {
    int64_t v[4096];
    size_t n;
    size_t stop_after; /* 0: never */
} starts;

static int collect(int64_t start, void *ctx)
{
    starts *s = ctx;
    if (s->n < sizeof s->v / sizeof s->v[0])
        s->v[s->n] = start;
    s->n++;
    return s->stop_after && s->n == s->stop_after ? 7 : 0;
}

static void expect_starts(const starts *got, const int64_t *want, size_t n)
{
    bool same = got->n == n;
    for (size_t i = 0; same && i < n; i++)
        same = got->v[i] == want[i];
    if (!same) {
        fprintf(stderr, "got %zu:", got->n);
        for (size_t i = 0; i < got->n && i < 64; i++) {
            char a[21];
            mg_booking_format_utc(got->v[i], a);
            fprintf(stderr, " %s", a);
        }
        fprintf(stderr, "\nexpected %zu:", n);
        for (size_t i = 0; i < n; i++) {
            char a[21];
            mg_booking_format_utc(want[i], a);
            fprintf(stderr, " %s", a);
        }
        fprintf(stderr, "\n");
        fail_msg("slot starts differ");
    }
}

/* The slot starts of one calendar over [from, to). */
static void calendar_starts(const mg_booking_calendar *c, int64_t from, int64_t to, int duration,
                            int step, starts *out)
{
    mg_spans avail = {0};
    assert_int_equal(mg_booking_calendar_free(c, from, to, &avail), 0);
    out->n = 0;
    assert_int_equal(mg_booking_slot_starts(&avail, from, duration, step, collect, out), 0);
    assert_true(out->n <= sizeof out->v / sizeof out->v[0]);
    mg_spans_free(&avail);
}

#define EXPECT_STARTS(got, ...)                                                           \
    do {                                                                                  \
        const int64_t want_[] = {__VA_ARGS__};                                            \
        expect_starts((got), want_, sizeof want_ / sizeof want_[0]);                     \
    } while (0)

/* --- Span algebra ----------------------------------------------------------------------------- */

static void test_span_algebra(void **state)
{
    (void)state;
    mg_spans a = {0}, b = {0}, out = {0};
    assert_int_equal(mg_spans_push(&a, 5, 10), 0);
    assert_int_equal(mg_spans_push(&a, 0, 3), 0);
    assert_int_equal(mg_spans_push(&a, 20, 20), 0); /* empty: ignored */
    assert_int_equal(mg_spans_push(&a, 30, 25), 0); /* reversed: ignored */
    assert_int_equal(mg_spans_push(&a, 3, 4), 0);
    assert_int_equal(mg_spans_push(&a, 8, 12), 0);
    assert_int_equal(mg_spans_push(&a, 40, 50), 0);
    assert_int_equal(a.n, 5);
    mg_spans_normalise(&a);
    EXPECT_SPANS(&a, {0, 4}, {5, 12}, {40, 50});

    assert_int_equal(mg_spans_push(&b, 2, 6), 0);
    assert_int_equal(mg_spans_push(&b, 11, 41), 0);
    assert_int_equal(mg_spans_push(&b, 45, 46), 0);
    assert_int_equal(mg_spans_push(&b, 49, 60), 0);
    mg_spans_normalise(&b);
    EXPECT_SPANS(&b, {2, 6}, {11, 41}, {45, 46}, {49, 60});

    assert_int_equal(mg_spans_intersect(&a, &b, &out), 0);
    EXPECT_SPANS(&out, {2, 4}, {5, 6}, {11, 12}, {40, 41}, {45, 46}, {49, 50});
    assert_int_equal(mg_spans_subtract(&a, &b, &out), 0);
    EXPECT_SPANS(&out, {0, 2}, {6, 11}, {41, 45}, {46, 49});
    assert_int_equal(mg_spans_subtract(&b, &a, &out), 0);
    EXPECT_SPANS(&out, {4, 5}, {12, 40}, {50, 60});
    assert_int_equal(mg_spans_union(&a, &b, &out), 0);
    EXPECT_SPANS(&out, {0, 60});

    /* cover: inside one span, never across a gap. */
    assert_true(mg_spans_cover(&a, 0, 4));
    assert_true(mg_spans_cover(&a, 5, 12));
    assert_true(mg_spans_cover(&a, 41, 42));
    assert_false(mg_spans_cover(&a, 3, 6));
    assert_false(mg_spans_cover(&a, 4, 5));
    assert_false(mg_spans_cover(&a, 11, 13));
    assert_false(mg_spans_cover(&a, -1, 2));
    assert_false(mg_spans_cover(&a, 49, 51));
    assert_false(mg_spans_cover(&a, 60, 70));
    assert_false(mg_spans_cover(&a, 6, 6)); /* an empty interval is no slot */

    /* Empty operands. */
    mg_spans e = {0};
    assert_int_equal(mg_spans_intersect(&a, &e, &out), 0);
    assert_int_equal(out.n, 0);
    assert_int_equal(mg_spans_subtract(&a, &e, &out), 0);
    EXPECT_SPANS(&out, {0, 4}, {5, 12}, {40, 50});
    assert_int_equal(mg_spans_subtract(&e, &a, &out), 0);
    assert_int_equal(out.n, 0);
    assert_int_equal(mg_spans_union(&e, &b, &out), 0);
    EXPECT_SPANS(&out, {2, 6}, {11, 41}, {45, 46}, {49, 60});
    assert_false(mg_spans_cover(&e, 0, 1));

    /* A span cut in three by b; a b span covering several of a. */
    mg_spans_clear(&a);
    mg_spans_clear(&b);
    assert_int_equal(mg_spans_push(&a, 0, 100), 0);
    assert_int_equal(mg_spans_push(&b, 10, 20), 0);
    assert_int_equal(mg_spans_push(&b, 30, 40), 0);
    assert_int_equal(mg_spans_subtract(&a, &b, &out), 0);
    EXPECT_SPANS(&out, {0, 10}, {20, 30}, {40, 100});
    assert_int_equal(mg_spans_subtract(&b, &a, &out), 0);
    assert_int_equal(out.n, 0);
    /* Union of lists that are not sorted. */
    assert_int_equal(mg_spans_push(&b, 5, 6), 0);
    assert_int_equal(mg_spans_push(&a, -10, -5), 0);
    assert_int_equal(mg_spans_union(&a, &b, &out), 0);
    EXPECT_SPANS(&out, {-10, -5}, {0, 100});

    /* clear keeps the memory. */
    mg_span *v = a.v;
    mg_spans_clear(&a);
    assert_int_equal(a.n, 0);
    assert_ptr_equal(a.v, v);
    mg_spans_free(&a);
    mg_spans_free(&b);
    mg_spans_free(&out);
    mg_spans_free(&e);
    mg_spans_free(NULL);
}

/* The algebra against bitsets on random lists. */
static void test_span_algebra_random(void **state)
{
    (void)state;
    uint64_t seed = 0x5107;
    enum { W = 300 };
    for (int round = 0; round < 2000; round++) {
        mg_spans a = {0}, b = {0}, out = {0};
        bool ia[W] = {0}, ib[W] = {0};
        int na = (int)(rng_next(&seed) % 8), nb = (int)(rng_next(&seed) % 8);
        for (int i = 0; i < na + nb; i++) {
            int64_t f = (int64_t)(rng_next(&seed) % W), len = (int64_t)(rng_next(&seed) % 60);
            int64_t t = f + len > W ? W : f + len;
            assert_int_equal(mg_spans_push(i < na ? &a : &b, f, t), 0);
            for (int64_t x = f; x < t; x++)
                (i < na ? ia : ib)[x] = true;
        }
        mg_spans_normalise(&a);
        mg_spans_normalise(&b);
        for (int op = 0; op < 3; op++) {
            int rc = op == 0 ? mg_spans_intersect(&a, &b, &out)
                             : op == 1 ? mg_spans_subtract(&a, &b, &out)
                                       : mg_spans_union(&a, &b, &out);
            assert_int_equal(rc, 0);
            bool got[W] = {0};
            for (size_t i = 0; i < out.n; i++) {
                assert_true(out.v[i].from < out.v[i].to);
                if (i > 0)
                    assert_true(out.v[i - 1].to < out.v[i].from); /* normalised */
                for (int64_t x = out.v[i].from; x < out.v[i].to; x++)
                    got[x] = true;
            }
            for (int x = 0; x < W; x++) {
                bool want = op == 0 ? ia[x] && ib[x] : op == 1 ? ia[x] && !ib[x] : ia[x] || ib[x];
                if (got[x] != want)
                    fail_msg("seed 0x5107 round %d op %d minute %d", round, op, x);
            }
        }
        /* cover: every minute of [f, t) in a, and f..t within one run. */
        for (int k = 0; k < 20; k++) {
            int f = (int)(rng_next(&seed) % W), t = f + 1 + (int)(rng_next(&seed) % 40);
            bool want = t <= W;
            for (int x = f; want && x < t; x++)
                want = ia[x];
            assert_int_equal(mg_spans_cover(&a, f, t), want);
        }
        mg_spans_free(&a);
        mg_spans_free(&b);
        mg_spans_free(&out);
    }
}

/* --- Weekly hours and calendars --------------------------------------------------------------- */

/* Week of Monday 2026-01-05 (winter, UTC+1). */
static void test_overlapping_rules(void **state)
{
    (void)state;
    int64_t mon = Z(2026, 1, 4, 23, 0), next_mon = Z(2026, 1, 11, 23, 0);
    /* We: the later rule replaces the afternoon. */
    HOURS_EXPECT("Mo-Fr 08:00-12:00,14:00-18:00; We 08:00-12:00", mon, next_mon,
                 {Z(2026, 1, 5, 7, 0), Z(2026, 1, 5, 11, 0)},
                 {Z(2026, 1, 5, 13, 0), Z(2026, 1, 5, 17, 0)},
                 {Z(2026, 1, 6, 7, 0), Z(2026, 1, 6, 11, 0)},
                 {Z(2026, 1, 6, 13, 0), Z(2026, 1, 6, 17, 0)},
                 {Z(2026, 1, 7, 7, 0), Z(2026, 1, 7, 11, 0)},
                 {Z(2026, 1, 8, 7, 0), Z(2026, 1, 8, 11, 0)},
                 {Z(2026, 1, 8, 13, 0), Z(2026, 1, 8, 17, 0)},
                 {Z(2026, 1, 9, 7, 0), Z(2026, 1, 9, 11, 0)},
                 {Z(2026, 1, 9, 13, 0), Z(2026, 1, 9, 17, 0)});
    /* "," adds: Wednesday keeps both ranges and gains 11:00-13:00: 08:00-13:00, 14:00-18:00. */
    HOURS_EXPECT("Mo-Fr 08:00-12:00,14:00-18:00, We 11:00-13:00", Z(2026, 1, 6, 23, 0),
                 Z(2026, 1, 7, 23, 0), {Z(2026, 1, 7, 7, 0), Z(2026, 1, 7, 12, 0)},
                 {Z(2026, 1, 7, 13, 0), Z(2026, 1, 7, 17, 0)});
    /* An "off" day, a public holiday (Thursday 1 January 2026) and "unknown" (shut). */
    HOURS_EXPECT("Mo-Fr 09:00-10:00; Tu off; PH off; We 09:00-10:00 unknown",
                 Z(2025, 12, 31, 23, 0), Z(2026, 1, 9, 23, 0),
                 {Z(2026, 1, 2, 8, 0), Z(2026, 1, 2, 9, 0)},
                 {Z(2026, 1, 5, 8, 0), Z(2026, 1, 5, 9, 0)},
                 {Z(2026, 1, 8, 8, 0), Z(2026, 1, 8, 9, 0)},
                 {Z(2026, 1, 9, 8, 0), Z(2026, 1, 9, 9, 0)});
    /* 24/7 over a window that is not aligned on anything. */
    HOURS_EXPECT("24/7", Z(2026, 1, 5, 7, 13), Z(2026, 1, 19, 2, 1),
                 {Z(2026, 1, 5, 7, 13), Z(2026, 1, 19, 2, 1)});
    /* The window cuts ranges. */
    HOURS_EXPECT("Mo-Fr 08:00-12:00", Z(2026, 1, 5, 9, 30), Z(2026, 1, 6, 8, 0),
                 {Z(2026, 1, 5, 9, 30), Z(2026, 1, 5, 11, 0)},
                 {Z(2026, 1, 6, 7, 0), Z(2026, 1, 6, 8, 0)});

    /* NULL hours: never open; bad windows. */
    mg_spans s = {0};
    assert_int_equal(mg_spans_from_hours(NULL, mon, next_mon, &s), 0);
    assert_int_equal(s.n, 0);
    mg_opening_hours *oh = hours_of("24/7");
    assert_int_equal(mg_spans_from_hours(oh, mon, mon, &s), MG_EINVAL);
    assert_int_equal(mg_spans_from_hours(oh, mon, mon - 1, &s), MG_EINVAL);
    assert_int_equal(mg_spans_from_hours(oh, mon, mon + 64 * 1440 + 1, &s), MG_EINVAL);
    assert_int_equal(mg_spans_from_hours(oh, mon, mon + 64 * 1440, &s), 0);
    assert_int_equal(mg_spans_from_hours(oh, INT64_MIN, INT64_MIN + 10, &s), MG_EINVAL);
    assert_int_equal(mg_spans_from_hours(oh, INT64_MAX - 10, INT64_MAX, &s), MG_EINVAL);
    /* Appends and normalises: the 64 days above and a second call merge. */
    mg_spans_clear(&s);
    assert_int_equal(mg_spans_from_hours(oh, mon + 100, mon + 200, &s), 0);
    assert_int_equal(mg_spans_from_hours(oh, mon, mon + 100, &s), 0);
    EXPECT_SPANS(&s, {mon, mon + 200});
    mg_spans_free(&s);
    mg_opening_hours_free(oh);
}

static void test_exceptions(void **state)
{
    (void)state;
    mg_opening_hours *oh = hours_of("Mo-Fr 08:00-12:00,14:00-18:00; We 08:00-12:00");
    const mg_span closures[] = {
        {Z(2026, 1, 6, 9, 0), Z(2026, 1, 6, 14, 0)},   /* Tue 10:00-15:00 */
        {Z(2026, 1, 10, 9, 0), Z(2026, 1, 10, 9, 30)}, /* inside Saturday's opening */
    };
    const mg_span openings[] = {
        {Z(2026, 1, 10, 8, 0), Z(2026, 1, 10, 11, 0)},  /* Sat 09:00-12:00 */
        {Z(2026, 1, 9, 11, 0), Z(2026, 1, 9, 13, 0)},   /* Fri 12:00-14:00: joins the day */
        {Z(2026, 1, 6, 10, 0), Z(2026, 1, 6, 12, 0)},   /* inside Tuesday's closure: closed */
    };
    const mg_span busy[] = {
        {Z(2026, 1, 8, 7, 30), Z(2026, 1, 8, 8, 0)},   /* Thu 08:30-09:00 */
        {Z(2026, 1, 8, 16, 30), Z(2026, 1, 8, 18, 0)}, /* Thu 17:30-19:00: past closing */
        {Z(2026, 1, 8, 16, 0), Z(2026, 1, 8, 16, 45)}, /* overlaps the one before */
    };
    mg_booking_calendar c = {oh, openings, 3, closures, 2, busy, 3};
    mg_spans avail = {0};
    assert_int_equal(mg_booking_calendar_free(&c, Z(2026, 1, 5, 23, 0), Z(2026, 1, 10, 23, 0),
                                              &avail),
                     0);
    EXPECT_SPANS(&avail,
                 {Z(2026, 1, 6, 7, 0), Z(2026, 1, 6, 9, 0)},
                 {Z(2026, 1, 6, 14, 0), Z(2026, 1, 6, 17, 0)},
                 {Z(2026, 1, 7, 7, 0), Z(2026, 1, 7, 11, 0)},
                 {Z(2026, 1, 8, 7, 0), Z(2026, 1, 8, 7, 30)},
                 {Z(2026, 1, 8, 8, 0), Z(2026, 1, 8, 11, 0)},
                 {Z(2026, 1, 8, 13, 0), Z(2026, 1, 8, 16, 0)},
                 {Z(2026, 1, 9, 7, 0), Z(2026, 1, 9, 17, 0)},
                 {Z(2026, 1, 10, 8, 0), Z(2026, 1, 10, 9, 0)},
                 {Z(2026, 1, 10, 9, 30), Z(2026, 1, 10, 11, 0)});
    /* The window clips openings too. */
    assert_int_equal(mg_booking_calendar_free(&c, Z(2026, 1, 10, 8, 30), Z(2026, 1, 10, 9, 10),
                                              &avail),
                     0);
    EXPECT_SPANS(&avail, {Z(2026, 1, 10, 8, 30), Z(2026, 1, 10, 9, 0)});
    /* Only openings (a teleconsultant who gives dates, not weekly hours). */
    mg_booking_calendar only = {NULL, openings, 3, NULL, 0, busy, 3};
    assert_int_equal(mg_booking_calendar_free(&only, Z(2026, 1, 5, 23, 0), Z(2026, 1, 10, 23, 0),
                                              &avail),
                     0);
    EXPECT_SPANS(&avail, {Z(2026, 1, 6, 10, 0), Z(2026, 1, 6, 12, 0)},
                 {Z(2026, 1, 9, 11, 0), Z(2026, 1, 9, 13, 0)},
                 {Z(2026, 1, 10, 8, 0), Z(2026, 1, 10, 11, 0)});
    /* A bad window leaves out empty. */
    assert_int_equal(mg_booking_calendar_free(&c, 10, 5, &avail), MG_EINVAL);
    assert_int_equal(avail.n, 0);
    mg_spans_free(&avail);
    mg_opening_hours_free(oh);
}

/* The last Sundays of March (2026-03-29) and October (2026-10-25). */
static void test_dst_days(void **state)
{
    (void)state;
    /* March: 01:00-02:00 winter is 00:00Z-01:00Z; 03:00-04:00 summer is
     * 01:00Z-02:00Z: two hours in one span. */
    int64_t sat = Z(2026, 3, 27, 23, 0), mon = Z(2026, 3, 29, 22, 0);
    HOURS_EXPECT("Su 01:00-04:00", sat, mon, {Z(2026, 3, 29, 0, 0), Z(2026, 3, 29, 2, 0)});
    HOURS_EXPECT("Su 09:00-12:00", sat, mon, {Z(2026, 3, 29, 7, 0), Z(2026, 3, 29, 10, 0)});
    HOURS_EXPECT("Sa 09:00-12:00", sat, mon, {Z(2026, 3, 28, 8, 0), Z(2026, 3, 28, 11, 0)});
    /* The skipped hour alone has no minute. */
    mg_spans s = {0};
    mg_opening_hours *oh = hours_of("Su 02:00-03:00");
    assert_int_equal(mg_spans_from_hours(oh, sat, mon, &s), 0);
    assert_int_equal(s.n, 0);
    mg_opening_hours_free(oh);
    HOURS_EXPECT("Su 02:30-03:30", sat, mon, {Z(2026, 3, 29, 1, 0), Z(2026, 3, 29, 1, 30)});
    /* The whole Sunday has 23 hours. */
    HOURS_EXPECT("Su 00:00-24:00", sat, mon + 600, {Z(2026, 3, 28, 23, 0), Z(2026, 3, 29, 22, 0)});

    /* October: 01:00-02:00 summer is 23:00Z-00:00Z; 02:00-03:00 twice,
     * 00:00Z-01:00Z and 01:00Z-02:00Z; 03:00-04:00 winter 02:00Z-03:00Z. */
    sat = Z(2026, 10, 23, 22, 0);
    mon = Z(2026, 10, 25, 23, 0);
    HOURS_EXPECT("Su 01:00-04:00", sat, mon, {Z(2026, 10, 24, 23, 0), Z(2026, 10, 25, 3, 0)});
    HOURS_EXPECT("Su 09:00-12:00", sat, mon, {Z(2026, 10, 25, 8, 0), Z(2026, 10, 25, 11, 0)});
    HOURS_EXPECT("Su 02:00-03:00", sat, mon, {Z(2026, 10, 25, 0, 0), Z(2026, 10, 25, 2, 0)});
    HOURS_EXPECT("Su 02:30-02:45", sat, mon, {Z(2026, 10, 25, 0, 30), Z(2026, 10, 25, 0, 45)},
                 {Z(2026, 10, 25, 1, 30), Z(2026, 10, 25, 1, 45)});
    HOURS_EXPECT("Su 00:00-24:00", sat, mon, {Z(2026, 10, 24, 22, 0), Z(2026, 10, 25, 23, 0)});
    /* A window starting inside the repeated hour's second pass. */
    HOURS_EXPECT("Su 01:00-04:00", Z(2026, 10, 25, 1, 10), mon,
                 {Z(2026, 10, 25, 1, 10), Z(2026, 10, 25, 3, 0)});

    /* Saturday night past midnight into the change. March: 22:00 (21:00Z)
     * to 02:00, which comes at 01:00Z as 03:00. October: 22:00 summer
     * (20:00Z) to the first 02:00 (00:00Z); the second pass is closed. */
    HOURS_EXPECT("Sa 22:00-02:00", Z(2026, 3, 27, 23, 0), Z(2026, 3, 29, 22, 0),
                 {Z(2026, 3, 28, 21, 0), Z(2026, 3, 29, 1, 0)});
    HOURS_EXPECT("Sa 22:00-02:00", Z(2026, 10, 23, 22, 0), Z(2026, 10, 25, 23, 0),
                 {Z(2026, 10, 24, 20, 0), Z(2026, 10, 25, 0, 0)});

    /* Slots of 20 minutes every 20 minutes. March: 01:00, 01:20, 01:40,
     * then 03:00, 03:20, 03:40. */
    oh = hours_of("Su 01:00-04:00");
    mg_booking_calendar c = {oh, NULL, 0, NULL, 0, NULL, 0};
    starts got = {0};
    calendar_starts(&c, Z(2026, 3, 27, 23, 0), Z(2026, 3, 29, 22, 0), 20, 20, &got);
    EXPECT_STARTS(&got, Z(2026, 3, 29, 0, 0), Z(2026, 3, 29, 0, 20), Z(2026, 3, 29, 0, 40),
                  Z(2026, 3, 29, 1, 0), Z(2026, 3, 29, 1, 20), Z(2026, 3, 29, 1, 40));
    /* 40 minutes: 01:40 runs to 03:20 (40 real minutes); 03:40 would end
     * at 04:20. */
    calendar_starts(&c, Z(2026, 3, 27, 23, 0), Z(2026, 3, 29, 22, 0), 40, 20, &got);
    EXPECT_STARTS(&got, Z(2026, 3, 29, 0, 0), Z(2026, 3, 29, 0, 20), Z(2026, 3, 29, 0, 40),
                  Z(2026, 3, 29, 1, 0), Z(2026, 3, 29, 1, 20));
    /* October: 01:00 … 01:40, 02:00 … 02:40 twice, 03:00 … 03:40. */
    calendar_starts(&c, Z(2026, 10, 23, 22, 0), Z(2026, 10, 25, 23, 0), 20, 20, &got);
    EXPECT_STARTS(&got, Z(2026, 10, 24, 23, 0), Z(2026, 10, 24, 23, 20), Z(2026, 10, 24, 23, 40),
                  Z(2026, 10, 25, 0, 0), Z(2026, 10, 25, 0, 20), Z(2026, 10, 25, 0, 40),
                  Z(2026, 10, 25, 1, 0), Z(2026, 10, 25, 1, 20), Z(2026, 10, 25, 1, 40),
                  Z(2026, 10, 25, 2, 0), Z(2026, 10, 25, 2, 20), Z(2026, 10, 25, 2, 40));
    mg_opening_hours_free(oh);

    /* A 45-minute grid, which the changes do not fall on. March, 00:00-06:00:
     * 00:00, 00:45, 01:30, (02:15 does not exist), 03:00, 03:45, 04:30, 05:15. */
    oh = hours_of("Su 00:00-06:00");
    c.hours = oh;
    calendar_starts(&c, Z(2026, 3, 27, 23, 0), Z(2026, 3, 29, 22, 0), 45, 45, &got);
    EXPECT_STARTS(&got, Z(2026, 3, 28, 23, 0), Z(2026, 3, 28, 23, 45), Z(2026, 3, 29, 0, 30),
                  Z(2026, 3, 29, 1, 0), Z(2026, 3, 29, 1, 45), Z(2026, 3, 29, 2, 30),
                  Z(2026, 3, 29, 3, 15));
    /* October: 00:00, 00:45, 01:30, 02:15 twice, 03:00, 03:45, 04:30, 05:15. */
    calendar_starts(&c, Z(2026, 10, 23, 22, 0), Z(2026, 10, 25, 23, 0), 45, 45, &got);
    EXPECT_STARTS(&got, Z(2026, 10, 24, 22, 0), Z(2026, 10, 24, 22, 45), Z(2026, 10, 24, 23, 30),
                  Z(2026, 10, 25, 0, 15), Z(2026, 10, 25, 1, 15), Z(2026, 10, 25, 2, 0),
                  Z(2026, 10, 25, 2, 45), Z(2026, 10, 25, 3, 30), Z(2026, 10, 25, 4, 15));
    /* Ordinary Sunday hours on both days: 09:00-12:00 by the hour. */
    mg_opening_hours_free(oh);
    oh = hours_of("Su 09:00-12:00");
    c.hours = oh;
    calendar_starts(&c, Z(2026, 3, 27, 23, 0), Z(2026, 3, 29, 22, 0), 60, 60, &got);
    EXPECT_STARTS(&got, Z(2026, 3, 29, 7, 0), Z(2026, 3, 29, 8, 0), Z(2026, 3, 29, 9, 0));
    calendar_starts(&c, Z(2026, 10, 23, 22, 0), Z(2026, 10, 25, 23, 0), 60, 60, &got);
    EXPECT_STARTS(&got, Z(2026, 10, 25, 8, 0), Z(2026, 10, 25, 9, 0), Z(2026, 10, 25, 10, 0));
    mg_opening_hours_free(oh);
}

static void test_midnight(void **state)
{
    (void)state;
    /* Friday 2026-01-09 22:00 to Saturday 02:00 (21:00Z-01:00Z). */
    int64_t fri = Z(2026, 1, 8, 23, 0), sun = Z(2026, 1, 10, 23, 0);
    HOURS_EXPECT("Fr 22:00-02:00", fri, sun, {Z(2026, 1, 9, 21, 0), Z(2026, 1, 10, 1, 0)});
    HOURS_EXPECT("Fr 22:00-26:00", fri, sun, {Z(2026, 1, 9, 21, 0), Z(2026, 1, 10, 1, 0)});
    /* The spill of Thursday's range reaches Friday's early hours. */
    HOURS_EXPECT("Th 23:00-01:00", fri, sun, {Z(2026, 1, 8, 23, 0), Z(2026, 1, 9, 0, 0)});
    mg_opening_hours *oh = hours_of("Fr 22:00-02:00");
    mg_booking_calendar c = {oh, NULL, 0, NULL, 0, NULL, 0};
    starts got = {0};
    calendar_starts(&c, fri, sun, 30, 30, &got);
    EXPECT_STARTS(&got, Z(2026, 1, 9, 21, 0), Z(2026, 1, 9, 21, 30), Z(2026, 1, 9, 22, 0),
                  Z(2026, 1, 9, 22, 30), Z(2026, 1, 9, 23, 0), Z(2026, 1, 9, 23, 30),
                  Z(2026, 1, 10, 0, 0), Z(2026, 1, 10, 0, 30));
    mg_opening_hours_free(oh);

    /* Slots ending exactly at 24:00: 20:00, 21:00, 22:00, 23:00. */
    oh = hours_of("Mo 20:00-24:00");
    c.hours = oh;
    int64_t mon = Z(2026, 1, 4, 23, 0), tue = Z(2026, 1, 5, 23, 0);
    calendar_starts(&c, mon, tue, 60, 60, &got);
    EXPECT_STARTS(&got, Z(2026, 1, 5, 19, 0), Z(2026, 1, 5, 20, 0), Z(2026, 1, 5, 21, 0),
                  Z(2026, 1, 5, 22, 0));
    /* The window ending at 23:59 loses the last. */
    calendar_starts(&c, mon, tue - 1, 60, 60, &got);
    EXPECT_STARTS(&got, Z(2026, 1, 5, 19, 0), Z(2026, 1, 5, 20, 0), Z(2026, 1, 5, 21, 0));
    mg_opening_hours_free(oh);
    /* Open on through midnight: a slot may cross it. */
    oh = hours_of("Mo 20:00-24:00; Tu 00:00-01:00");
    c.hours = oh;
    calendar_starts(&c, mon, tue + 1440, 90, 30, &got);
    EXPECT_STARTS(&got, Z(2026, 1, 5, 19, 0), Z(2026, 1, 5, 19, 30), Z(2026, 1, 5, 20, 0),
                  Z(2026, 1, 5, 20, 30), Z(2026, 1, 5, 21, 0), Z(2026, 1, 5, 21, 30),
                  Z(2026, 1, 5, 22, 0), Z(2026, 1, 5, 22, 30));
    mg_opening_hours_free(oh);
    /* A step that does not divide the day restarts at midnight: 35 minutes
     * from 22:00 gives 22:10 (1330), 22:45, 23:20, 23:55 (1435), then
     * 00:00 and 00:35 (01:10 would end past 01:30). */
    oh = hours_of("Mo 22:00-24:00; Tu 00:00-01:30");
    c.hours = oh;
    calendar_starts(&c, mon, tue + 1440, 35, 35, &got);
    EXPECT_STARTS(&got, Z(2026, 1, 5, 21, 10), Z(2026, 1, 5, 21, 45), Z(2026, 1, 5, 22, 20),
                  Z(2026, 1, 5, 22, 55), Z(2026, 1, 5, 23, 0), Z(2026, 1, 5, 23, 35));
    mg_opening_hours_free(oh);
}

static void test_step_duration(void **state)
{
    (void)state;
    mg_opening_hours *oh = hours_of("Mo 09:00-12:00");
    int64_t mon = Z(2026, 1, 4, 23, 0), tue = Z(2026, 1, 5, 23, 0);
    int64_t nine = Z(2026, 1, 5, 8, 0);
    mg_booking_calendar c = {oh, NULL, 0, NULL, 0, NULL, 0};
    starts got = {0};
    /* 45 minutes every 15: 09:00 … 11:15. */
    calendar_starts(&c, mon, tue, 45, 15, &got);
    EXPECT_STARTS(&got, nine, nine + 15, nine + 30, nine + 45, nine + 60, nine + 75, nine + 90,
                  nine + 105, nine + 120, nine + 135);
    /* 15 minutes every 45: 09:00, 09:45, 10:30, 11:15. */
    calendar_starts(&c, mon, tue, 15, 45, &got);
    EXPECT_STARTS(&got, nine, nine + 45, nine + 90, nine + 135);
    /* 60 minutes every 30, busy 10:00-10:30: 09:00, 10:30, 11:00. */
    const mg_span busy[] = {{nine + 60, nine + 90}};
    c.busy = busy;
    c.nbusy = 1;
    calendar_starts(&c, mon, tue, 60, 30, &got);
    EXPECT_STARTS(&got, nine, nine + 90, nine + 120);
    /* A slot that would straddle a closure (10:10-10:20): 10:00 is not offered. */
    const mg_span closure[] = {{nine + 70, nine + 80}};
    c.busy = NULL;
    c.nbusy = 0;
    c.closures = closure;
    c.nclosures = 1;
    calendar_starts(&c, mon, tue, 30, 30, &got);
    EXPECT_STARTS(&got, nine, nine + 30, nine + 90, nine + 120, nine + 150);
    /* After the closure the grid stays on the local quarter hours: 10:20
     * is not a start for a 15-minute step … 10:30 is. */
    calendar_starts(&c, mon, tue, 15, 15, &got);
    EXPECT_STARTS(&got, nine, nine + 15, nine + 30, nine + 45, nine + 90, nine + 105,
                  nine + 120, nine + 135, nine + 150, nine + 165);
    /* From a minute off the grid; 240 minutes fit nowhere in 3 hours. */
    mg_spans avail = {0};
    assert_int_equal(mg_booking_calendar_free(&c, mon, tue, &avail), 0);
    got.n = 0;
    assert_int_equal(mg_booking_slot_starts(&avail, nine + 91, 30, 30, collect, &got), 0);
    EXPECT_STARTS(&got, nine + 120, nine + 150);
    got.n = 0;
    assert_int_equal(mg_booking_slot_starts(&avail, mon, 240, 5, collect, &got), 0);
    assert_int_equal(got.n, 0);
    /* Stops when fn says so and returns what it said. */
    got.n = 0;
    got.stop_after = 3;
    assert_int_equal(mg_booking_slot_starts(&avail, mon, 15, 15, collect, &got), 7);
    assert_int_equal(got.n, 3);
    got.stop_after = 0;
    /* Steps and durations off the 5-minute grid or out of 5..240. */
    got.n = 0;
    static const int bad[][2] = {{0, 15}, {15, 0}, {7, 15}, {15, 7}, {245, 15}, {15, 245}, {-5, 5}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(mg_booking_slot_starts(&avail, mon, bad[i][0], bad[i][1], collect, &got),
                         MG_EINVAL);
    assert_int_equal(got.n, 0);
    mg_spans_free(&avail);
    mg_opening_hours_free(oh);
}

/* mg_spans_from_hours against the minute-by-minute definition over [from, to). */
static void hours_against_minutes(const char *text, unsigned flags, int64_t from, int64_t to)
{
    mg_opening_hours *oh = NULL;
    mg_diag d = {{0}};
    if (mg_opening_hours_parse(text, strlen(text), flags, &oh, &d) != 0)
        fail_msg("\"%s\": %s", text, d.msg);
    mg_spans s = {0};
    assert_int_equal(mg_spans_from_hours(oh, from, to, &s), 0);
    size_t k = 0;
    for (int64_t t = from; t < to; t++) {
        while (k < s.n && s.v[k].to <= t)
            k++;
        bool got = k < s.n && s.v[k].from <= t;
        bool want = mg_opening_hours_state(oh, mg_booking_local(t), NULL) == MG_OH_OPEN;
        if (got != want) {
            char l[17];
            mg_booking_format_local(t, l);
            fail_msg("\"%s\" at %s local: %s, the definition says %s", text, l,
                     got ? "open" : "shut", want ? "open" : "shut");
        }
    }
    for (size_t i = 1; i < s.n; i++)
        assert_true(s.v[i - 1].to < s.v[i].from);
    mg_spans_free(&s);
    mg_opening_hours_free(oh);
}

/* The weekly hours are walked once per kind of day (weekday, holiday or
 * not, the day before too) and reused; hours with dates, and days of more
 * than 32 runs, day by day. Each way against the definition, over the 62
 * days of the horizon (and two more) across holidays and both changes. */
static void test_hours_paths(void **state)
{
    (void)state;
    /* 36 runs a day: too many for a day profile. */
    mg_buf many;
    mg_buf_init(&many, 4096);
    for (int r = 0; r < 3; r++) {
        mg_buf_puts(&many, r ? ", Mo-Su " : "Mo-Su ");
        for (int i = 0; i < 12; i++)
            mg_buf_printf(&many, "%s%02d:%02d-%02d:%02d", i ? "," : "", (r * 12 + i) * 40 / 60,
                          (r * 12 + i) * 40 % 60, ((r * 12 + i) * 40 + 25) / 60,
                          ((r * 12 + i) * 40 + 25) % 60);
    }
    assert_false(many.failed);
    const char *const hours[] = {
        "Mo-Fr 08:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off",
        "Mo-Su 08:00-20:00; PH 10:00-12:00",
        "Sa 22:00-02:00; Su 01:00-04:00; PH off",
        "PH 20:00-26:00, Mo-Fr 09:00-17:00",
        "24/7",
        "Mo-Fr 09:00-12:00 \"Mar et Oct sur rendez-vous\"; PH off",
        "Mar-Apr: Mo-Fr 08:00-12:00; Oct 25: Su 01:00-04:00; Nov 01 09:00-10:00",
        "Mo-Su 00:00-24:00; Dec 24-Jan 02 off",
        many.data,
    };
    for (size_t i = 0; i < sizeof hours / sizeof hours[0]; i++)
        for (unsigned flags = 0; flags <= MG_HOLIDAYS_ALSACE_MOSELLE; flags++) {
            /* Spring 2027: Good Friday 26 March, the change 28 March,
             * Easter Monday 29 March, 1 and 8 May, Ascension 6 May. */
            hours_against_minutes(hours[i], flags, Z(2027, 3, 20, 5, 7), Z(2027, 5, 22, 5, 7));
            /* Autumn 2026 to the new year: the change, 1 and 11 November,
             * Christmas, 26 December. */
            hours_against_minutes(hours[i], flags, Z(2026, 10, 20, 0, 0), Z(2026, 12, 22, 23, 0));
            hours_against_minutes(hours[i], flags, Z(2026, 12, 1, 0, 0), Z(2027, 1, 31, 0, 0));
        }
    mg_buf_free(&many);
}

/* --- The property: against a minute-by-minute reference --------------------------------------- */

static int pick(uint64_t *seed, int n)
{
    return (int)(rng_next(seed) % (uint64_t)n);
}

/* A minute of the day, biased towards round times and the night of a change. */
static int gen_minute(uint64_t *seed)
{
    switch (pick(seed, 4)) {
    case 0:
        return pick(seed, 1440);
    case 1:
        return 60 + pick(seed, 180); /* 01:00-04:00 */
    case 2:
        return pick(seed, 96) * 15;
    default:
        return pick(seed, 288) * 5;
    }
}

static void put_time(mg_buf *b, int m)
{
    mg_buf_printf(b, "%02d:%02d", m / 60, m % 60);
}

/* An opening_hours string of the supported subset. */
static void gen_hours(uint64_t *seed, mg_buf *b)
{
    static const char *const days[] = {"Mo-Fr", "Mo",    "Tu,Th", "Sa",    "Su",  "Fr-Mo",
                                       "Sa,Su", "Su,PH", "PH",    "We-Su", "Mo-Su", "Sa-Mo"};
    static const char *const dates[] = {"Mar", "Oct", "Mar-Apr", "Oct 25", "Mar 29",
                                        "Dec 24-Jan 02", "Oct 20-Nov 05", "Mar 30"};
    if (pick(seed, 25) == 0) {
        mg_buf_puts(b, "24/7");
        if (pick(seed, 2))
            mg_buf_puts(b, "; Su 01:00-03:00");
        return;
    }
    int rules = 1 + pick(seed, 4);
    bool fallback = false;
    for (int r = 0; r < rules; r++) {
        if (r > 0) {
            int sep = pick(seed, 6);
            if (sep == 0 && !fallback) {
                mg_buf_puts(b, " || ");
                fallback = true;
            } else {
                mg_buf_puts(b, sep <= 2 ? ", " : "; ");
            }
        }
        bool has_dates = pick(seed, 6) == 0;
        if (has_dates) {
            mg_buf_puts(b, dates[pick(seed, (int)(sizeof dates / sizeof dates[0]))]);
            mg_buf_puts(b, pick(seed, 2) ? ": " : " ");
        }
        /* The first rule usually spans the week, as real hours do. */
        const char *sel = days[pick(seed, (int)(sizeof days / sizeof days[0]))];
        mg_buf_puts(b, r == 0 && pick(seed, 3) ? "Mo-Su" : sel);
        int state = r == 0 ? 4 + pick(seed, 6) : pick(seed, 10);
        if (state == 0) {
            mg_buf_puts(b, " off");
            continue;
        }
        mg_buf_puts(b, " ");
        int ranges = 1 + pick(seed, 3);
        for (int i = 0; i < ranges; i++) {
            if (i > 0)
                mg_buf_puts(b, ",");
            int from = gen_minute(seed);
            int len = pick(seed, 3) == 0 ? 1 + pick(seed, 1439)
                                         : (r == 0 ? 60 + pick(seed, 720) : 5 + pick(seed, 300));
            int to = from + len;
            put_time(b, from);
            mg_buf_puts(b, "-");
            put_time(b, to > 1440 && pick(seed, 2) ? to - 1440 : to);
        }
        if (state == 1)
            mg_buf_puts(b, " unknown");
        else if (state == 2)
            mg_buf_puts(b, " \"sur rendez-vous\"");
        else if (state == 3)
            mg_buf_puts(b, " open");
    }
}

/* Random spans around the window [from, to), at most `longest` minutes long. */
static void gen_spans(uint64_t *seed, int64_t from, int64_t to, int max, int longest, mg_span *v,
                      size_t *n)
{
    *n = (size_t)pick(seed, max + 1);
    for (size_t i = 0; i < *n; i++) {
        int64_t f = from - 120 + (int64_t)(rng_next(seed) % (uint64_t)(to - from + 240));
        int64_t len = pick(seed, 3) == 0 ? 1 + pick(seed, 30) : 5 + pick(seed, longest - 4);
        if (pick(seed, 3) == 0)
            f -= f % 5; /* often on the booking grid */
        v[i] = (mg_span){f, f + len};
    }
}

enum { CALS_MAX = 4, SPANS_MAX = 6 };

typedef struct schedule {
    char text[CALS_MAX][512];
    mg_opening_hours *hours[CALS_MAX];
    mg_span openings[CALS_MAX][SPANS_MAX], closures[CALS_MAX][SPANS_MAX], busy[CALS_MAX][SPANS_MAX];
    size_t nopen[CALS_MAX], nclose[CALS_MAX], nbusy[CALS_MAX];
    int ncal;
    int64_t from, to, slot_from;
    int duration, step;
} schedule;

static bool in_any(const mg_span *v, size_t n, int64_t t)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].from <= t && t < v[i].to)
            return true;
    return false;
}

static void report(const schedule *s, uint64_t seed0, int round, const char *what)
{
    char a[17], b[17];
    mg_booking_format_local(s->from, a);
    mg_booking_format_local(s->to, b);
    fprintf(stderr,
            "seed %llu, schedule %d: %s\n  window %s..%s (%lld..%lld), duration %d, step %d, "
            "from %lld\n",
            (unsigned long long)seed0, round, what, a, b, (long long)s->from, (long long)s->to,
            s->duration, s->step, (long long)s->slot_from);
    for (int c = 0; c < s->ncal; c++) {
        fprintf(stderr, "  calendar %d: %s\n", c, s->hours[c] ? s->text[c] : "(no hours)");
        show_spans("    openings", s->openings[c], s->nopen[c]);
        show_spans("    closures", s->closures[c], s->nclose[c]);
        show_spans("    busy", s->busy[c], s->nbusy[c]);
    }
}

/* Compares spans with the reference minutes ref[0..to-from). */
static bool spans_match(const mg_spans *s, const bool *ref, int64_t from, int64_t to,
                        int64_t *where)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].from >= s->v[i].to || s->v[i].from < from || s->v[i].to > to ||
            (i > 0 && s->v[i - 1].to >= s->v[i].from)) {
            *where = s->v[i].from;
            return false; /* not normalised, or outside the window */
        }
    }
    for (int64_t t = from; t < to; t++) {
        while (k < s->n && s->v[k].to <= t)
            k++;
        bool in = k < s->n && s->v[k].from <= t;
        if (in != ref[t - from]) {
            *where = t;
            return false;
        }
    }
    return true;
}

/* The property for one seed; returns the schedules checked. */
static int property_rounds(uint64_t seed0, int rounds)
{
    uint64_t seed = seed0;
    int checked = 0, refused = 0, with_slots = 0, across = 0;
    mg_buf text;
    mg_buf_init(&text, 4096);
    for (int round = 0; round < rounds; round++) {
        schedule s;
        memset(&s, 0, sizeof s);
        /* The window: across a change of 2000-2040 (four times in five),
         * or anywhere. */
        int year = 2000 + pick(&seed, 41);
        int days = pick(&seed, 8) == 0 ? 5 + pick(&seed, 6) : 1 + pick(&seed, 3);
        int where = pick(&seed, 5);
        if (where < 4) {
            int month = where < 2 ? 3 : 10, sunday = 0;
            for (int d = 25; d <= 31; d++)
                if (mg_booking_day_start(year, month, d + 1) -
                        mg_booking_day_start(year, month, d) != 1440)
                    sunday = d;
            assert_int_not_equal(sunday, 0);
            int64_t change = mg_booking_day_start(year, month, sunday) + 120; /* 01:00Z */
            s.from = change - 1 - pick(&seed, days * 1440 - 2);
            across++;
        } else if (pick(&seed, 2)) {
            /* Around a public holiday (Alsace-Moselle's two included). */
            mg_holiday h[MG_HOLIDAYS_MAX];
            int nh = mg_holidays_fr(year, MG_HOLIDAYS_ALSACE_MOSELLE, h);
            assert_true(nh > 0);
            int k = pick(&seed, nh);
            s.from = mg_booking_day_start(year, h[k].month, h[k].day) - pick(&seed, 2 * 1440);
        } else {
            s.from = mg_booking_day_start(year, 1 + pick(&seed, 12), 1 + pick(&seed, 28)) +
                     pick(&seed, 1440);
        }
        s.to = s.from + (int64_t)days * 1440 - pick(&seed, 60);
        s.ncal = 2 + pick(&seed, 3);
        for (int c = 0; c < s.ncal; c++) {
            static const char *const broad[] = {
                "24/7", "Mo-Su 07:00-22:00", "Mo-Sa 00:00-24:00; Su 01:00-04:00",
                "Su 00:00-06:00, Mo-Sa 08:00-20:00", "Mo-Su 01:30-03:30,08:00-19:00",
                "Fr-Mo 22:00-04:00, Mo-Su 09:00-18:00"};
            int kind = pick(&seed, 12);
            if (kind == 0) {
                s.hours[c] = NULL;
            } else if (kind <= (c == 0 ? 1 : 5)) {
                const char *h = broad[pick(&seed, (int)(sizeof broad / sizeof broad[0]))];
                s.hours[c] = hours_of(h);
                snprintf(s.text[c], sizeof s.text[c], "%s", h);
            } else {
                for (;;) {
                    mg_buf_reset(&text);
                    gen_hours(&seed, &text);
                    mg_diag d = {{0}};
                    unsigned flags = pick(&seed, 4) == 0 ? MG_HOLIDAYS_ALSACE_MOSELLE : 0;
                    if (mg_opening_hours_parse(text.data, text.len, flags, &s.hours[c], &d) == 0)
                        break;
                    refused++;
                }
                snprintf(s.text[c], sizeof s.text[c], "%s", text.data);
            }
            gen_spans(&seed, s.from, s.to, c == 0 ? 4 : 2, 600, s.openings[c], &s.nopen[c]);
            gen_spans(&seed, s.from, s.to, 2, 600, s.closures[c], &s.nclose[c]);
            gen_spans(&seed, s.from, s.to, SPANS_MAX, 120, s.busy[c], &s.nbusy[c]);
        }
        s.duration = 5 * (1 + pick(&seed, 48));
        if (pick(&seed, 4))
            s.duration = 5 * (1 + pick(&seed, 12));
        s.step = 5 * (1 + pick(&seed, 48));
        if (pick(&seed, 2))
            s.step = (int[]){5, 10, 15, 20, 30, 45, 60}[pick(&seed, 7)];
        s.slot_from = s.from + (pick(&seed, 2) ? 0 : pick(&seed, 90));

        size_t w = (size_t)(s.to - s.from);
        bool *all = malloc(w), *one = malloc(w);
        assert_non_null(all);
        assert_non_null(one);
        mg_spans acc = {0}, avail = {0}, tmp = {0};
        for (int c = 0; c < s.ncal; c++) {
            /* The reference, by the definition of slots.h. */
            for (int64_t t = s.from; t < s.to; t++) {
                mg_oh_instant l = mg_booking_local(t);
                bool open = s.hours[c] && mg_opening_hours_state(s.hours[c], l, NULL) == MG_OH_OPEN;
                open = (open || in_any(s.openings[c], s.nopen[c], t)) &&
                       !in_any(s.closures[c], s.nclose[c], t) && !in_any(s.busy[c], s.nbusy[c], t);
                one[t - s.from] = open;
                all[t - s.from] = (c == 0 || all[t - s.from]) && open;
            }
            mg_booking_calendar cal = {s.hours[c], s.openings[c], s.nopen[c], s.closures[c],
                                       s.nclose[c], s.busy[c], s.nbusy[c]};
            int rc = mg_booking_calendar_free(&cal, s.from, s.to, &avail);
            int64_t at = 0;
            if (rc != 0 || !spans_match(&avail, one, s.from, s.to, &at)) {
                report(&s, seed0, round, "calendar_free");
                show_spans("  got", avail.v, avail.n);
                char l[17];
                mg_booking_format_local(at, l);
                fail_msg("calendar %d differs from the reference at %lld (%s local), rc %d", c,
                         (long long)at, l, rc);
            }
            if (c == 0) {
                mg_spans_clear(&acc);
                assert_int_equal(mg_spans_union(&avail, &tmp, &acc), 0);
            } else {
                assert_int_equal(mg_spans_intersect(&acc, &avail, &tmp), 0);
                mg_spans swap = acc;
                acc = tmp;
                tmp = swap;
            }
        }
        int64_t at = 0;
        if (!spans_match(&acc, all, s.from, s.to, &at)) {
            report(&s, seed0, round, "intersection");
            fail_msg("the intersection differs from the reference at %lld", (long long)at);
        }
        /* Slot starts: prefix sums of the reference. */
        int64_t *pre = malloc((w + 1) * sizeof *pre);
        assert_non_null(pre);
        pre[0] = 0;
        for (size_t i = 0; i < w; i++)
            pre[i + 1] = pre[i] + all[i];
        static starts got;
        got.n = 0;
        got.stop_after = 0;
        assert_int_equal(mg_booking_slot_starts(&acc, s.slot_from, s.duration, s.step, collect,
                                                &got),
                         0);
        assert_true(got.n <= sizeof got.v / sizeof got.v[0]);
        size_t k = 0;
        for (int64_t t = s.slot_from; t + s.duration <= s.to; t++) {
            if (mg_booking_local(t).minute % s.step != 0)
                continue;
            size_t i = (size_t)(t - s.from);
            if (pre[i + (size_t)s.duration] - pre[i] != s.duration)
                continue;
            if (k >= got.n || got.v[k] != t) {
                report(&s, seed0, round, "slot starts");
                char l[17];
                mg_booking_format_local(t, l);
                fail_msg("slot start %lld (%s local) expected as start %zu, got %s", (long long)t,
                         l, k, k < got.n ? "another" : "none");
            }
            k++;
        }
        if (k != got.n) {
            report(&s, seed0, round, "slot starts");
            fail_msg("%zu slot starts, the reference has %zu", got.n, k);
        }
        with_slots += k > 0;
        if (getenv("MG_SLOTS_VERBOSE")) {
            int64_t minutes = 0;
            for (size_t i = 0; i < acc.n; i++)
                minutes += acc.v[i].to - acc.v[i].from;
            fprintf(stderr,
                    "schedule %d: %d calendars, %zu free spans (%lld minutes), %d/%d: %zu starts\n",
                    round, s.ncal, acc.n, (long long)minutes, s.duration, s.step, k);
        }
        free(pre);
        free(all);
        free(one);
        mg_spans_free(&acc);
        mg_spans_free(&avail);
        mg_spans_free(&tmp);
        for (int c = 0; c < s.ncal; c++)
            mg_opening_hours_free(s.hours[c]);
        checked++;
    }
    mg_buf_free(&text);
    fprintf(stderr,
            "seed %llu: %d schedules checked (%d across a change of summer time, %d with slots), "
            "%d generated strings refused\n",
            (unsigned long long)seed0, checked, across, with_slots, refused);
    assert_true(with_slots > rounds / 3);
    return checked;
}

static void test_property(void **state)
{
    (void)state;
    /* MG_SLOTS_SEED=<n> replays another seed. */
    const char *env = getenv("MG_SLOTS_SEED");
    int64_t seed = 20260329;
    if (env) {
        mg_parse_error why;
        assert_int_equal(mg_parse_c_int(env, strlen(env), 0, INT64_MAX, &seed, &why), 0);
    }
    assert_true(property_rounds((uint64_t)seed, 300) == 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_span_algebra),
        cmocka_unit_test(test_span_algebra_random),
        cmocka_unit_test(test_overlapping_rules),
        cmocka_unit_test(test_exceptions),
        cmocka_unit_test(test_dst_days),
        cmocka_unit_test(test_midnight),
        cmocka_unit_test(test_step_duration),
        cmocka_unit_test(test_hours_paths),
        cmocka_unit_test(test_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
