/*
 * Tests of the rounds' public timetable (rounds/timetable.h): the stops of
 * a service with a two-week cycle laid onto the calendar across the four
 * changes of summer time of 2026 and 2027 (29 March 2026, 25 October
 * 2026, 28 March 2027, 31 October 2027). Every stop's UTC instants are
 * checked against the C library's time-zone database (TZ=Europe/Paris and
 * mktime, an independent computation of the EU rule), the set of dated
 * stops against a day-by-day enumeration of the cycle written here, and
 * school holidays (skipped or kept), cancellations (a vehicle's day, one
 * stop, another vehicle's) and the finder's next stops by hand and
 * against a scan of the timetable.
 */
#define _DEFAULT_SOURCE /* timegm */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rounds/timetable.h"

/* --- The service -------------------------------------------------------------------------- */

#define CHALABRE "11076"
#define CASTELNAUDARY "11069"
#define PUIVERT "11302"

/* Sunday rounds probing both changes of time: in March 02:00-02:59 is
 * skipped, in October it happens twice. */
static const mg_rounds_pub_visit sunday_visits[] = {
    {1, "Place de la Mairie", CHALABRE, "Chalabre", 90, 150},         /* 01:30-02:30 */
    {2, "Salle des fêtes", PUIVERT, "Puivert", 120, 165},             /* 02:00-02:45 */
    {3, "Parking du collège", CASTELNAUDARY, "Castelnaudary", 150, 180}, /* 02:30-03:00 */
    {4, "Maison France services", CASTELNAUDARY, "Castelnaudary", 180, 210}, /* 03:00-03:30 */
    {1, "Place de la Mairie", CHALABRE, "Chalabre", 540, 600},        /* again 09:00-10:00 */
};
static const mg_rounds_pub_visit tuesday_visits[] = {
    {1, "Place de la Mairie", CHALABRE, "Chalabre", 570, 660},        /* 09:30-11:00 */
    {2, "Salle des fêtes", PUIVERT, "Puivert", 720, 780},             /* 12:00-13:00 */
    {4, "Maison France services", CASTELNAUDARY, "Castelnaudary", 840, 1020},
};
static const mg_rounds_pub_visit thursday_visits[] = {
    {3, "Parking du collège", CASTELNAUDARY, "Castelnaudary", 510, 600},
    {2, "Salle des fêtes", PUIVERT, "Puivert", 660, 720},
};

static const mg_rounds_pub_route routes[] = {
    {11, "Bus A", 1, 6, sunday_visits, 5},
    {12, "Bus B", 0, 6, sunday_visits, 5},
    {13, "Bus A", 0, 1, tuesday_visits, 3},
    {14, "Bus B", 1, 3, thursday_visits, 2},
};

/* The Aude's zone C holidays around the changes (test data: the real
 * calendar is read from the ministry's file by the parser). */
static const mg_rounds_holiday holidays[] = {
    {{2026, 10, 17}, {2026, 11, 1}, "Vacances de la Toussaint"},
    {{2026, 12, 19}, {2027, 1, 3}, "Vacances de Noël"},
    {{2027, 4, 24}, {2027, 5, 9}, "Vacances de printemps"},
};

static const mg_rounds_cancellation cancellations[] = {
    /* Bus A's whole Tuesday 31 March 2026. */
    {{2026, 3, 31}, 0, "Bus A", "Véhicule en réparation"},
    /* One stop of Bus B on Thursday 9 April 2026. */
    {{2026, 4, 9}, 2, "Bus B", "Salle indisponible"},
    /* Bus B on Tuesday 14 April 2026, when only Bus A runs: nothing. */
    {{2026, 4, 14}, 0, "Bus B", "Sans effet"},
    /* Every vehicle on Sunday 28 March 2027 at stop 4. */
    {{2027, 3, 28}, 4, NULL, "Route barrée"},
};

static mg_rounds_service service(bool runs_in_holidays)
{
    mg_rounds_service s = {
        .id = 7,
        .name = "PMI itinérante (exemple)",
        .organisation = "Département de l'Aude (exemple)",
        .contact = "04 68 00 00 00",
        .runs_in_school_holidays = runs_in_holidays,
        .cycle_weeks = 2,
        .anchor = {2026, 3, 16},
        .valid_from = {2026, 3, 1},
        .valid_to = {2027, 12, 31},
        .routes = routes,
        .nroutes = sizeof routes / sizeof routes[0],
        .holidays = holidays,
        .nholidays = sizeof holidays / sizeof holidays[0],
        .cancellations = cancellations,
        .ncancellations = sizeof cancellations / sizeof cancellations[0],
    };
    return s;
}

/* --- The independent computation: the C library's tzdata ---------------------------------- */

static void paris_tz(void)
{
    FILE *f = fopen("/usr/share/zoneinfo/Europe/Paris", "rb");
    if (!f)
        fail_msg("no /usr/share/zoneinfo/Europe/Paris: install Debian's tzdata");
    fclose(f);
    setenv("TZ", "Europe/Paris", 1);
    tzset();
}

/* mktime of a Paris wall time read with isdst (0 winter, 1 summer), and
 * whether that reading exists (localtime gives the same wall time back). */
static bool reading(int y, int mo, int d, int minute, int isdst, time_t *out)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = minute / 60;
    tm.tm_min = minute % 60;
    tm.tm_isdst = isdst;
    *out = mktime(&tm);
    struct tm back;
    localtime_r(out, &back);
    return back.tm_year == y - 1900 && back.tm_mon == mo - 1 && back.tm_mday == d &&
           back.tm_hour == minute / 60 && back.tm_min == minute % 60 && back.tm_isdst == isdst;
}

/* The instant the timetable promises for a Paris wall time (timetable.h):
 * the one reading that exists; the summer-time one of two (October); the
 * winter-time reading, the offset before the change, when none exists
 * (March). *kind: 0, 'S' skipped, 'R' repeated. */
static int64_t expected_utc(int y, int mo, int d, int minute, char *kind)
{
    time_t winter, summer;
    bool w = reading(y, mo, d, minute, 0, &winter);
    bool s = reading(y, mo, d, minute, 1, &summer);
    *kind = w && s ? 'R' : !w && !s ? 'S' : 0;
    if (s)
        return (int64_t)summer;
    return (int64_t)winter;
}

/* Days since 1970-01-01, counted here from the C library (timegm). */
static long day_number(int y, int mo, int d)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = 12;
    return (long)(timegm(&tm) / 86400);
}

static void civil(long day, int *y, int *mo, int *d, int *weekday)
{
    time_t t = (time_t)day * 86400 + 43200;
    struct tm tm;
    gmtime_r(&t, &tm);
    *y = tm.tm_year + 1900;
    *mo = tm.tm_mon + 1;
    *d = tm.tm_mday;
    *weekday = (tm.tm_wday + 6) % 7;
}

static bool in_holiday(long day)
{
    for (size_t h = 0; h < sizeof holidays / sizeof holidays[0]; h++)
        if (day >= day_number(holidays[h].first.year, holidays[h].first.month,
                              holidays[h].first.day) &&
            day <= day_number(holidays[h].last.year, holidays[h].last.month, holidays[h].last.day))
            return true;
    return false;
}

static mg_rounds_occurrence *timetable(const mg_rounds_service *s, mg_rounds_date a,
                                       mg_rounds_date b, unsigned flags, size_t *n)
{
    mg_rounds_occurrence *v = NULL;
    mg_diag d = {{0}};
    int rc = mg_rounds_timetable(s, a, b, flags, &v, n, &d);
    if (rc != 0)
        fail_msg("timetable: %s (%s)", mg_strerror(rc), d.msg);
    return v;
}

static const mg_rounds_occurrence *find(const mg_rounds_occurrence *v, size_t n, int y, int mo,
                                        int d, int64_t route, int64_t stop, int arrival)
{
    for (size_t k = 0; k < n; k++)
        if (v[k].date.year == y && v[k].date.month == mo && v[k].date.day == d &&
            v[k].route->id == route && v[k].visit->stop_id == stop &&
            v[k].start_min == arrival)
            return &v[k];
    return NULL;
}

/* --- Tests ---------------------------------------------------------------------------------- */

/* Every stop from March 2026 to December 2027, against the cycle walked
 * day by day here and the C library's tzdata. */
static void check_range(const mg_rounds_service *s, unsigned flags, int y0, int m0, int d0,
                        int y1, int m1, int d1, size_t *dst_skipped, size_t *dst_repeated)
{
    size_t n = 0;
    mg_rounds_occurrence *v =
        timetable(s, (mg_rounds_date){y0, m0, d0}, (mg_rounds_date){y1, m1, d1}, flags, &n);
    long anchor = day_number(2026, 3, 16);
    size_t expected = 0;
    for (long day = day_number(y0, m0, d0); day <= day_number(y1, m1, d1); day++) {
        int y, mo, d, wd;
        civil(day, &y, &mo, &d, &wd);
        long week = ((day - anchor) / 7) % 2; /* the range starts at the anchor or after */
        bool skip = !s->runs_in_school_holidays && in_holiday(day);
        for (size_t r = 0; r < s->nroutes; r++) {
            const mg_rounds_pub_route *rt = &s->routes[r];
            if (rt->week != week || rt->weekday != wd)
                continue;
            for (size_t k = 0; k < rt->nvisits; k++) {
                const mg_rounds_pub_visit *vi = &rt->visits[k];
                if (skip && !(flags & MG_ROUNDS_KEEP_SKIPPED))
                    continue;
                expected++;
                const mg_rounds_occurrence *o = find(v, n, y, mo, d, rt->id, vi->stop_id,
                                                     vi->arrival);
                if (!o)
                    fail_msg("no stop %lld of route %lld on %04d-%02d-%02d",
                             (long long)vi->stop_id, (long long)rt->id, y, mo, d);
                char ks, ke;
                int64_t start = expected_utc(y, mo, d, vi->arrival, &ks);
                int64_t end = expected_utc(y, mo, d, vi->departure, &ke);
                if (end < start)
                    end = start; /* timetable.h: a stop never ends before it starts */
                if (o->start_utc != start || o->end_utc != end)
                    fail_msg("%04d-%02d-%02d route %lld stop %lld: [%lld, %lld], tzdata says "
                             "[%lld, %lld]",
                             y, mo, d, (long long)rt->id, (long long)vi->stop_id,
                             (long long)o->start_utc, (long long)o->end_utc, (long long)start,
                             (long long)end);
                assert_int_equal(!!(o->dst & MG_ROUNDS_DST_START_SKIPPED), ks == 'S');
                assert_int_equal(!!(o->dst & MG_ROUNDS_DST_START_REPEATED), ks == 'R');
                assert_int_equal(!!(o->dst & MG_ROUNDS_DST_END_SKIPPED), ke == 'S');
                assert_int_equal(!!(o->dst & MG_ROUNDS_DST_END_REPEATED), ke == 'R');
                *dst_skipped += ks == 'S';
                *dst_repeated += ks == 'R';
                assert_int_equal(o->weekday, wd);
                assert_int_equal(o->skipped, skip);
                assert_int_equal(o->holiday != NULL, in_holiday(day));
            }
        }
    }
    assert_int_equal(n, expected);
    for (size_t k = 1; k < n; k++)
        assert_true(v[k - 1].start_utc <= v[k].start_utc);
    free(v);
}

static void test_dst_and_cycle_against_tzdata(void **state)
{
    (void)state;
    paris_tz();
    size_t skipped = 0, repeated = 0;
    mg_rounds_service s = service(true);
    /* 400 days at most a call: two calls cover the four changes. */
    check_range(&s, 0, 2026, 3, 16, 2027, 3, 31, &skipped, &repeated);
    check_range(&s, 0, 2027, 4, 1, 2027, 12, 31, &skipped, &repeated);
    /* On each of the four days one Sunday route runs (the other is on the
     * other week of the cycle), with two stops starting at 02:00 and 02:30:
     * skipped in March, repeated in October. */
    assert_int_equal(skipped, 2 * 2);
    assert_int_equal(repeated, 2 * 2);
    /* And the service that stops for the holidays, listing skipped ones too. */
    mg_rounds_service h = service(false);
    skipped = repeated = 0;
    check_range(&h, 0, 2026, 3, 16, 2027, 3, 31, &skipped, &repeated);
    check_range(&h, MG_ROUNDS_KEEP_SKIPPED, 2026, 3, 16, 2027, 3, 31, &skipped, &repeated);
}

/* The four changes, by hand: what the page and the feed will show. */
static void test_dst_by_hand(void **state)
{
    (void)state;
    mg_rounds_service s = service(true);
    size_t n = 0;
    mg_rounds_occurrence *v = timetable(&s, (mg_rounds_date){2026, 3, 29},
                                        (mg_rounds_date){2026, 3, 29}, 0, &n);
    assert_int_equal(n, 5);
    /* 29 March 2026: 01:30 CET is 00:30Z; 02:30 does not exist and reads as
     * 01:30Z (03:30 CEST); 03:00 CEST is 01:00Z. */
    const mg_rounds_occurrence *o = find(v, n, 2026, 3, 29, 11, 1, 90);
    assert_non_null(o);
    assert_int_equal(o->start_utc, 1774744200); /* 2026-03-29T00:30:00Z */
    assert_int_equal(o->end_utc, 1774747800);   /* 01:30Z */
    assert_int_equal(o->dst, MG_ROUNDS_DST_END_SKIPPED);
    o = find(v, n, 2026, 3, 29, 11, 4, 180);
    assert_non_null(o);
    assert_int_equal(o->start_utc, 1774746000); /* 01:00Z */
    assert_int_equal(o->dst, 0);
    /* 09:00 and the second visit of stop 1 on the route: rank 2. */
    o = find(v, n, 2026, 3, 29, 11, 1, 540);
    assert_non_null(o);
    assert_int_equal(o->visit_rank, 2);
    assert_int_equal(o->start_utc, 1774767600); /* 07:00Z */
    free(v);
    /* 25 October 2026: 02:00 happens twice, the first pass (00:00Z) is read. */
    v = timetable(&s, (mg_rounds_date){2026, 10, 25}, (mg_rounds_date){2026, 10, 25}, 0, &n);
    assert_int_equal(n, 5);
    o = find(v, n, 2026, 10, 25, 11, 2, 120);
    assert_non_null(o);
    assert_int_equal(o->start_utc, 1792886400); /* 2026-10-25T00:00:00Z */
    assert_int_equal(o->dst, MG_ROUNDS_DST_START_REPEATED | MG_ROUNDS_DST_END_REPEATED);
    o = find(v, n, 2026, 10, 25, 11, 4, 180);
    assert_int_equal(o->start_utc, 1792893600); /* 03:00 CET = 02:00Z */
    assert_non_null(o->holiday);                /* in the Toussaint holidays, kept */
    assert_false(o->skipped);
    free(v);
    /* 28 March 2027 (Bus A, week 1) and 31 October 2027 (Bus B, week 0). */
    v = timetable(&s, (mg_rounds_date){2027, 3, 28}, (mg_rounds_date){2027, 3, 28}, 0, &n);
    assert_int_equal(n, 5);
    assert_int_equal(v[0].route->id, 11);
    o = find(v, n, 2027, 3, 28, 11, 4, 180);
    assert_true(o->cancelled); /* every vehicle's stop 4 that day */
    assert_string_equal(o->cancel_reason, "Route barrée");
    assert_false(find(v, n, 2027, 3, 28, 11, 3, 150)->cancelled);
    free(v);
    v = timetable(&s, (mg_rounds_date){2027, 10, 31}, (mg_rounds_date){2027, 10, 31}, 0, &n);
    assert_int_equal(n, 5);
    assert_int_equal(v[0].route->id, 12);
    free(v);
}

static void test_holidays_and_cancellations(void **state)
{
    (void)state;
    mg_rounds_service s = service(false);
    size_t n = 0;
    /* The Toussaint 2026 weeks: no stop at all, listed only on demand. */
    mg_rounds_occurrence *v = timetable(&s, (mg_rounds_date){2026, 10, 17},
                                        (mg_rounds_date){2026, 11, 1}, 0, &n);
    assert_int_equal(n, 0);
    free(v);
    v = timetable(&s, (mg_rounds_date){2026, 10, 17}, (mg_rounds_date){2026, 11, 2},
                  MG_ROUNDS_KEEP_SKIPPED, &n);
    assert_true(n > 0);
    for (size_t k = 0; k < n; k++) {
        assert_true(v[k].skipped);
        assert_string_equal(v[k].holiday->description, "Vacances de la Toussaint");
    }
    free(v);
    /* Cancellations: Bus A's whole Tuesday, Bus B's one stop, none from a
     * cancellation of a vehicle that does not run that day. */
    s = service(true);
    v = timetable(&s, (mg_rounds_date){2026, 3, 31}, (mg_rounds_date){2026, 4, 14}, 0, &n);
    size_t cancelled = 0;
    for (size_t k = 0; k < n; k++) {
        const mg_rounds_occurrence *o = &v[k];
        bool want = (o->date.day == 31 && o->route->id == 13) ||
                    (o->date.month == 4 && o->date.day == 9 && o->visit->stop_id == 2);
        assert_int_equal(o->cancelled, want);
        if (want) {
            cancelled++;
            assert_string_equal(o->cancel_reason, o->date.day == 31 ? "Véhicule en réparation"
                                                                    : "Salle indisponible");
        }
    }
    assert_int_equal(cancelled, 3 + 1);
    assert_non_null(find(v, n, 2026, 4, 14, 13, 1, 570));
    free(v);
    /* Before the anchor the cycle counts backwards: Tuesday 10 March 2026
     * is 6 days before it (week 1: no Tuesday route), 3 March 13 days
     * (week 0: Bus A's Tuesday), Sunday 8 March 8 days (week 0: Bus B's
     * Sunday, not Bus A's). */
    v = timetable(&s, (mg_rounds_date){2026, 3, 3}, (mg_rounds_date){2026, 3, 10}, 0, &n);
    assert_int_equal(n, 3 + 5);
    for (size_t k = 0; k < n; k++)
        assert_true((v[k].date.day == 3 && v[k].route->id == 13) ||
                    (v[k].date.day == 8 && v[k].route->id == 12));
    free(v);
    /* Outside the validity: nothing. */
    s.valid_to = (mg_rounds_date){2026, 3, 30};
    v = timetable(&s, (mg_rounds_date){2026, 3, 31}, (mg_rounds_date){2026, 4, 14}, 0, &n);
    assert_int_equal(n, 0);
    free(v);
}

/* The finder's next stops: by hand, then against a scan of the timetable. */
static void test_next_stops(void **state)
{
    (void)state;
    mg_rounds_service s = service(true);
    mg_rounds_occurrence out[4];
    mg_diag d = {{0}};
    /* Tuesday 31 March 2026 10:00 Paris (08:00Z): Bus A's Tuesday (09:30-
     * 11:00 in Chalabre) is cancelled, so Chalabre's next stops are Bus B's
     * on Sunday 5 April (week 0 of the cycle): 01:30 and 09:00. */
    int64_t t = 1774944000; /* 2026-03-31T08:00:00Z */
    int rc = mg_rounds_next_stops(&s, CHALABRE, t, out, 2, &d);
    assert_int_equal(rc, 2);
    assert_int_equal(out[0].date.day, 5);
    assert_int_equal(out[0].date.month, 4);
    assert_int_equal(out[0].start_min, 90);
    assert_int_equal(out[1].start_min, 540);
    /* A stop under way counts: Tuesday 14 April 2026 at 10:00 Paris,
     * Chalabre's 09:30-11:00. */
    t = 1776153600; /* 2026-04-14T08:00:00Z */
    assert_int_equal(mg_rounds_next_stops(&s, CHALABRE, t, out, 1, &d), 1);
    assert_int_equal(out[0].date.day, 14);
    assert_int_equal(out[0].start_min, 570);
    /* Against a scan over random instants and communes. */
    uint64_t seed = 18;
    const char *communes[] = {CHALABRE, CASTELNAUDARY, PUIVERT, "11999"};
    for (int k = 0; k < 200; k++) {
        int64_t at = 1774000000 + (int64_t)(rng_next(&seed) % (300LL * 86400));
        const char *c = communes[rng_next(&seed) % 4];
        mg_rounds_occurrence got[3];
        rc = mg_rounds_next_stops(&s, c, at, got, 3, &d);
        assert_true(rc >= 0);
        size_t n = 0;
        time_t tt = (time_t)at - 86400;
        struct tm gm;
        gmtime_r(&tt, &gm);
        mg_rounds_occurrence *v =
            timetable(&s, (mg_rounds_date){gm.tm_year + 1900, gm.tm_mon + 1, gm.tm_mday},
                      (mg_rounds_date){gm.tm_year + 1901, gm.tm_mon + 1, 1}, 0, &n);
        int want = 0;
        for (size_t j = 0; j < n && want < 3; j++) {
            if (v[j].cancelled || v[j].end_utc <= at || strcmp(v[j].visit->commune_code, c))
                continue;
            assert_true(want < rc);
            assert_int_equal(got[want].start_utc, v[j].start_utc);
            assert_ptr_equal(got[want].visit, v[j].visit);
            want++;
        }
        assert_int_equal(rc, want);
        free(v);
    }
}

static void test_refused(void **state)
{
    (void)state;
    mg_rounds_occurrence *v = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    mg_rounds_service s = service(true);
    s.anchor = (mg_rounds_date){2026, 3, 17};
    assert_int_equal(mg_rounds_timetable(&s, (mg_rounds_date){2026, 4, 1},
                                         (mg_rounds_date){2026, 4, 2}, 0, &v, &n, &d),
                     MG_EINVAL);
    assert_msg_has(d, "anchor 2026-03-17");
    mg_diag_clear(&d);
    s = service(true);
    mg_rounds_pub_visit bad[] = {{1, "A", CHALABRE, "Chalabre", 600, 660},
                             {2, "B", CHALABRE, "Chalabre", 700, 650}};
    mg_rounds_pub_route r[] = {{1, "Bus", 0, 0, bad, 2}};
    s.routes = r;
    s.nroutes = 1;
    assert_int_equal(mg_rounds_timetable(&s, (mg_rounds_date){2026, 4, 1},
                                         (mg_rounds_date){2026, 4, 2}, 0, &v, &n, &d),
                     MG_EINVAL);
    assert_msg_has(d, "route 1, visit 2");
    mg_diag_clear(&d);
    r[0].week = 2;
    bad[1].departure = 710;
    assert_int_equal(mg_rounds_timetable(&s, (mg_rounds_date){2026, 4, 1},
                                         (mg_rounds_date){2026, 4, 2}, 0, &v, &n, &d),
                     MG_EINVAL);
    assert_msg_has(d, "week 2");
    r[0].week = 1;
    mg_diag_clear(&d);
    assert_int_equal(mg_rounds_timetable(&s, (mg_rounds_date){2026, 1, 1},
                                         (mg_rounds_date){2027, 6, 1}, 0, &v, &n, &d),
                     MG_ELIMIT);
    assert_null(v);
    assert_int_equal(n, 0);
}

static void test_french_formats(void **state)
{
    (void)state;
    char date[48], minute[12];
    mg_rounds_format_date_fr((mg_rounds_date){2026, 11, 1}, date);
    assert_string_equal(date, "dimanche 1er novembre 2026");
    mg_rounds_format_date_fr((mg_rounds_date){2026, 3, 31}, date);
    assert_string_equal(date, "mardi 31 mars 2026");
    mg_rounds_format_minute_fr(570, minute);
    assert_string_equal(minute, "9 h 30");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dst_and_cycle_against_tzdata),
        cmocka_unit_test(test_dst_by_hand),
        cmocka_unit_test(test_holidays_and_cancellations),
        cmocka_unit_test(test_next_stops),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_french_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
