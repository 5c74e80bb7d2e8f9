/*
 * Tests of rounds/school: the ministry's school calendar (CSV export of
 * fr-en-calendrier-scolaire) in both header spellings, instants in UTC and
 * with Paris offsets, plain dates, teachers' rows kept apart, an open end.
 * The expected holiday days are computed independently by the C library
 * (timegm, then localtime_r with TZ=Europe/Paris from the system's time
 * zone database), day by day over a whole school year; each refusal is
 * checked for its file:line:column and wording.
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

#include "rounds/school.h"

TEST_TMPDIR_FIXTURE("rounds_school")

static const char calendar_fr[] =
    "Description;Population;Date de début;Date de fin;Académies;Zones;annee_scolaire\n"
    "Vacances de la Toussaint;-;2025-10-17T22:00:00+00:00;2025-11-02T23:00:00+00:00;Montpellier;Zone C;2025-2026\n"
    "Vacances d'Hiver;Élèves;2026-02-20T23:00:00+00:00;2026-03-08T23:00:00+00:00;Toulouse;Zone C;2025-2026\n"
    "Vacances d'Hiver;-;2026-02-06T23:00:00+00:00;2026-02-22T23:00:00+00:00;Lyon;Zone A;2025-2026\n"
    "Vacances d'Été;Enseignants;2026-06-26T22:00:00+00:00;2026-08-30T22:00:00+00:00;Montpellier;Zone C;2025-2026\n"
    "Pont de l'Ascension;-;2026-05-12T22:00:00+00:00;2026-05-17T22:00:00+00:00;Montpellier;Zone C;2025-2026\n"
    "Vacances de Printemps;-;2026-04-18T00:00:00+02:00;2026-05-04T00:00:00+02:00;Montpellier;Zone C;2025-2026\n"
    "Rentrée scolaire des élèves;Élèves;2026-09-01;2026-09-01;Montpellier;Zone C;2026-2027\n"
    "Début des Vacances d'Été;Élèves;2026-07-03T22:00:00Z;;Montpellier;Zone C;2025-2026\n";

#define NROWS 8

/* The test's own reading of an instant of the rows above, fixed layout:
 * "yyyy-mm-dd" [ "Thh:mm:ss" ("Z" | "+00:00" | "+02:00") ]. Returns the
 * Paris civil day as days since 1970 (via timegm on the civil date). */
static long paris_day_libc(const char *s, size_t len)
{
    struct tm tm = {0};
    tm.tm_year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0') - 1900;
    tm.tm_mon = (s[5] - '0') * 10 + (s[6] - '0') - 1;
    tm.tm_mday = (s[8] - '0') * 10 + (s[9] - '0');
    if (len == 10)
        return (long)(timegm(&tm) / 86400);
    tm.tm_hour = (s[11] - '0') * 10 + (s[12] - '0');
    tm.tm_min = (s[14] - '0') * 10 + (s[15] - '0');
    tm.tm_sec = (s[17] - '0') * 10 + (s[18] - '0');
    time_t utc = timegm(&tm);
    if (s[19] == '+' || s[19] == '-')
        utc -= (s[19] == '-' ? -1 : 1) * (((s[20] - '0') * 10 + (s[21] - '0')) * 3600);
    struct tm local;
    assert_non_null(localtime_r(&utc, &local));
    struct tm civil = {.tm_year = local.tm_year, .tm_mon = local.tm_mon, .tm_mday = local.tm_mday};
    return (long)(timegm(&civil) / 86400);
}

/* Field f (0-based) of data row r (0-based) of the calendar text. */
static const char *row_field(const char *text, size_t r, size_t f, size_t *len)
{
    const char *p = strchr(text, '\n') + 1;
    for (size_t k = 0; k < r; k++)
        p = strchr(p, '\n') + 1;
    for (size_t k = 0; k < f; k++)
        p = strpbrk(p, ";") + 1;
    *len = strcspn(p, ";\n");
    return p;
}

static mg_date date_of(long z)
{
    time_t t = (time_t)z * 86400;
    struct tm tm;
    assert_non_null(gmtime_r(&t, &tm));
    return (mg_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

static void test_read_and_query(void **state)
{
    (void)state;
    setenv("TZ", "Europe/Paris", 1);
    tzset();
    char p[512];
    test_write_text(p, sizeof p, tmpdir, "calendrier.csv", calendar_fr);
    mg_school_calendar cal;
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_school_read(p, &cal, &d);
    if (rc)
        fail_msg("%d %s", rc, d.msg);
    assert_int_equal(cal.n, NROWS);
    /* Expected periods, from the libc's reading of the same text. */
    long first[NROWS], last[NROWS];
    bool teachers[NROWS], zone_c[NROWS];
    for (size_t r = 0; r < NROWS; r++) {
        size_t len;
        const char *s = row_field(calendar_fr, r, 2, &len);
        long zs = paris_day_libc(s, len);
        s = row_field(calendar_fr, r, 3, &len);
        long ze = len ? paris_day_libc(s, len) : (long)(timegm(&(struct tm){
                                                          .tm_year = 2026 - 1900,
                                                          .tm_mon = 8,
                                                          .tm_mday = 1}) /
                                                      86400);
        first[r] = zs + 1;
        last[r] = ze - 1;
        s = row_field(calendar_fr, r, 1, &len);
        teachers[r] = len == 11 && memcmp(s, "Enseignants", 11) == 0;
        s = row_field(calendar_fr, r, 5, &len);
        zone_c[r] = len == 6 && memcmp(s, "Zone C", 6) == 0;
        const mg_school_holiday *h = &cal.h[r];
        assert_int_equal(mg_school_days(h->first), first[r]);
        assert_int_equal(mg_school_days(h->last), last[r]);
        assert_int_equal(h->teachers, teachers[r]);
        assert_int_equal(h->line, r + 2);
    }
    assert_string_equal(cal.h[0].description, "Vacances de la Toussaint");
    assert_string_equal(cal.h[0].academie, "Montpellier");
    assert_string_equal(cal.h[0].zone, "Zone C");
    assert_string_equal(cal.h[0].school_year, "2025-2026");
    assert_string_equal(cal.h[1].population, "Élèves");
    assert_true(cal.h[7].open_end);
    /* Day by day over the school year and the summer after it. */
    long z0 = mg_school_days((mg_date){2025, 9, 1}), z1 = mg_school_days((mg_date){2026, 9, 30});
    size_t holidays = 0;
    for (long z = z0; z <= z1; z++) {
        bool want_c = false, want_a = false;
        for (size_t r = 0; r < NROWS; r++) {
            if (teachers[r] || z < first[r] || z > last[r])
                continue;
            want_c |= zone_c[r];
            want_a |= !zone_c[r];
        }
        const char *desc = "unset";
        mg_date day = date_of(z);
        bool got = mg_school_is_holiday(&cal, "C", day, &desc);
        if (got != want_c)
            fail_msg("%04d-%02d-%02d: zone C holiday %d, expected %d", day.year, day.month,
                     day.day, got, want_c);
        if (got)
            assert_non_null(desc);
        else
            assert_null(desc);
        assert_int_equal(mg_school_is_holiday(&cal, "zone c", day, NULL), want_c);
        assert_int_equal(mg_school_is_holiday(&cal, "Zone A", day, NULL), want_a);
        assert_false(mg_school_is_holiday(&cal, "B", day, NULL));
        holidays += want_c;
    }
    /* Spot checks of the conventions, written by hand. */
    const char *desc;
    assert_false(mg_school_is_holiday(&cal, "C", (mg_date){2025, 10, 18}, NULL)); /* classes end */
    assert_true(mg_school_is_holiday(&cal, "C", (mg_date){2025, 10, 19}, &desc));
    assert_string_equal(desc, "Vacances de la Toussaint");
    assert_true(mg_school_is_holiday(&cal, "C", (mg_date){2025, 11, 2}, NULL));
    assert_false(mg_school_is_holiday(&cal, "C", (mg_date){2025, 11, 3}, NULL)); /* resume */
    assert_true(mg_school_is_holiday(&cal, "C", (mg_date){2026, 5, 14}, &desc));
    assert_string_equal(desc, "Pont de l'Ascension");
    assert_false(mg_school_is_holiday(&cal, "C", (mg_date){2026, 5, 18}, NULL));
    assert_true(mg_school_is_holiday(&cal, "C", (mg_date){2026, 8, 31}, NULL));
    assert_false(mg_school_is_holiday(&cal, "C", (mg_date){2026, 9, 1}, NULL));
    assert_true(holidays > 100);
    mg_school_free(&cal);
    assert_int_equal(cal.n, 0);
}

/* The API's field names, another column order, no population column. */
static void test_api_header(void **state)
{
    (void)state;
    static const char text[] =
        "description;start_date;end_date;location;zones;annee_scolaire\n"
        "Vacances de Noël;2025-12-20T00:00:00+01:00;2026-01-05T00:00:00+01:00;Montpellier;Zone C;2025-2026\n";
    char p[512];
    test_write_text(p, sizeof p, tmpdir, "api.csv", text);
    mg_school_calendar cal;
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_school_read(p, &cal, &d);
    if (rc)
        fail_msg("%d %s", rc, d.msg);
    assert_int_equal(cal.n, 1);
    assert_string_equal(cal.h[0].population, "");
    assert_int_equal(cal.h[0].first.day, 21);
    assert_int_equal(cal.h[0].last.year, 2026);
    assert_int_equal(cal.h[0].last.day, 4);
    assert_true(mg_school_is_holiday(&cal, "C", (mg_date){2026, 1, 1}, NULL));
    assert_false(mg_school_is_holiday(&cal, "C", (mg_date){2026, 1, 5}, NULL));
    mg_school_free(&cal);
}

#define HDR "Description;Population;Date de début;Date de fin;Académies;Zones;annee_scolaire\n"

typedef struct bad_case {
    const char *name, *text;
    int rc;
    unsigned long line;
    int field;
    const char *words;
} bad_case;

static const bad_case bad[] = {
    {"nozone.csv", "Description;Population;Date de début;Date de fin;Académies\nx;-;2025-10-18;2025-11-03;Lyon\n",
     MG_ENOTFOUND, 1, -1, "missing column \"Zones\" (or \"zones\"; expected the ministry's calendar"},
    {"nostart.csv", "description;end_date;zones\nx;2025-11-03;Zone A\n", MG_ENOTFOUND, 1, -1,
     "missing column \"Date de début\" (or \"start_date\""},
    {"badstart.csv", HDR "Toussaint;-;2025-10-18;2025-11-03;Lyon;Zone A;2025-2026\nHiver;-;2026-02-31;2026-03-09;Lyon;Zone A;2025-2026\n",
     MG_EPARSE, 3, 2, "column \"Date de début\": expected an instant such as \"2025-10-17T22:00:00+00:00\" or a date such as \"2025-10-18\", found \"2026-02-31\""},
    {"badoffset.csv", HDR "Toussaint;-;2025-10-18;2025-11-02T23:00:00+0x:00;Lyon;Zone A;2025-2026\n",
     MG_EPARSE, 2, 3, "column \"Date de fin\": expected an instant"},
    {"emptystart.csv", HDR "Toussaint;-;;2025-11-03;Lyon;Zone A;2025-2026\n", MG_EPARSE, 2, 2,
     "found \"\""},
    {"reversed.csv", HDR "Toussaint;-;2025-11-03;2025-10-18;Lyon;Zone A;2025-2026\n", MG_EPARSE, 2, 3,
     "column \"Date de fin\": the end (2025-10-18) is before the start (2025-11-03)"},
    {"year.csv", HDR "Toussaint;-;2025-10-18;2025-11-03;Lyon;Zone A;2025-2027\n", MG_EPARSE, 2, 6,
     "column \"annee_scolaire\": expected a school year such as \"2025-2026\", found \"2025-2027\""},
    {"emptyzone.csv", HDR "Toussaint;-;2025-10-18;2025-11-03;Lyon; ;2025-2026\n", MG_EPARSE, 2, 5,
     "column \"Zones\": expected a zone"},
    {"openautumn.csv", HDR "Toussaint;-;2025-10-18;;Lyon;Zone A;2025-2026\n", MG_EPARSE, 2, 3,
     "an empty end is read as 31 August, which is before the start"},
    {"headeronly.csv", HDR, MG_EPARSE, 2, -1, "no data row after the header"},
    {"short.csv", HDR "Toussaint;-;2025-10-18;2025-11-03;Lyon;Zone A\n", MG_EPARSE, 2, -1, "expected 7 fields as in the header, found 6"},
};

static unsigned long field_col(const char *text, unsigned long line, size_t f)
{
    const char *p = text;
    for (unsigned long l = 1; l < line; l++)
        p = strchr(p, '\n') + 1;
    const char *start = p;
    for (size_t k = 0; k < f; k++)
        p = strchr(p, ';') + 1;
    return (unsigned long)(p - start) + 1;
}

static void test_errors(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char p[512];
        test_write_text(p, sizeof p, tmpdir, bad[k].name, bad[k].text);
        mg_school_calendar cal;
        mg_diag d;
        mg_diag_clear(&d);
        int rc = mg_school_read(p, &cal, &d);
        if (rc != bad[k].rc)
            fail_msg("%s: rc %d, expected %d (%s)", bad[k].name, rc, bad[k].rc, d.msg);
        assert_int_equal(cal.n, 0);
        assert_null(cal.h);
        char where[600];
        if (bad[k].field >= 0)
            snprintf(where, sizeof where, "%s:%lu:%lu: ", p, bad[k].line,
                     field_col(bad[k].text, bad[k].line, (size_t)bad[k].field));
        else
            snprintf(where, sizeof where, "%s:%lu", p, bad[k].line);
        if (strncmp(d.msg, where, strlen(where)) != 0)
            fail_msg("%s: message \"%s\" does not start with \"%s\"", bad[k].name, d.msg, where);
        assert_msg_has(d, bad[k].words);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_and_query),
        cmocka_unit_test(test_api_header),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
