/*
 * Tests of the rounds' A4 poster per commune (rounds/publish.h,
 * rounds/poster.c): the PDF is made for one commune and its text extracted
 * by poppler's pdftotext (scripts/install-deps.sh test installs
 * poppler-utils; without it the test FAILS saying so). The text must hold
 * the service, the commune's place, every date of the timetable's stops in
 * that commune over the weeks asked (dates written here in French from the
 * C library's calendar) with their times, the cancellation and its reason,
 * the school holiday and its skipped stops, the contact, a note on the
 * day summer time starts; and nothing of another commune's stops.
 */
#define _DEFAULT_SOURCE /* timegm */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "rounds/publish.h"
#include "rounds/timetable.h"

static const mg_rounds_pub_visit sunday_visits[] = {
    {1, "Place de la Mairie", "11076", "Chalabre", 90, 150},   /* 01:30-02:30 */
    {2, "Salle des fêtes", "11302", "Puivert", 120, 165},
    {4, "Maison France services", "11069", "Castelnaudary", 180, 210},
    {1, "Place de la Mairie", "11076", "Chalabre", 540, 600},  /* 09:00-10:00 */
};
static const mg_rounds_pub_visit tuesday_visits[] = {
    {5, "Parking de la halle", "11076", "Chalabre", 570, 660}, /* 09:30-11:00 */
    {3, "Parking du collège", "11069", "Castelnaudary", 840, 1020},
};
static const mg_rounds_pub_route routes[] = {
    {11, "Bus A", 1, 6, sunday_visits, 4},
    {12, "Bus B", 0, 6, sunday_visits, 4},
    {13, "Bus A", 0, 1, tuesday_visits, 2},
};
static const mg_rounds_holiday holidays[] = {
    {{2026, 10, 17}, {2026, 11, 1}, "Vacances de la Toussaint (zone C)"},
};
static const mg_rounds_cancellation cancellations[] = {
    {{2026, 11, 10}, 0, "Bus A", "Véhicule en réparation"},
    {{2026, 11, 10}, 3, "Bus A", "Parking occupé"}, /* Castelnaudary: not on this poster */
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
        .valid_from = {2026, 3, 16},
        .valid_to = {2027, 12, 31},
        .routes = routes,
        .nroutes = 3,
        .holidays = holidays,
        .nholidays = 1,
        .cancellations = cancellations,
        .ncancellations = 2,
    };
    return s;
}

/* The poster's text as pdftotext reads it, every run of white space one space. */
static char *poster_text(const char *dir, const mg_rounds_service *s, const char *commune,
                         mg_rounds_date from, int weeks)
{
    if (system("command -v pdftotext >/dev/null 2>&1") != 0)
        fail_msg("pdftotext is missing: install poppler-utils (scripts/install-deps.sh test)");
    mg_buf b;
    mg_buf_init(&b, (size_t)32 << 20);
    mg_diag d = {{0}};
    int rc = mg_rounds_poster(s, commune, from, weeks, (mg_rounds_date){2026, 10, 1}, &b, &d);
    if (rc != 0)
        fail_msg("poster: %s (%s)", mg_strerror(rc), d.msg);
    assert_true(b.len > 4 && memcmp(b.data, "%PDF", 4) == 0);
    char pdf[512], cmd[1200];
    snprintf(pdf, sizeof pdf, "%s/poster.pdf", dir);
    FILE *f = fopen(pdf, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
    fclose(f);
    mg_buf_free(&b);
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", pdf);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 20, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    int c, space = 1;
    while ((c = fgetc(p)) != EOF && len + 1 < cap) {
        bool ws = c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r';
        if (ws && space)
            continue;
        text[len++] = ws ? ' ' : (char)c;
        space = ws;
    }
    text[len] = 0;
    assert_int_equal(pclose(p), 0);
    return text;
}

static void has(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("the poster does not say \"%s\":\n%s", part, text);
}

/* "mardi 13 octobre 2026" from the C library's calendar. */
static void french_date(mg_rounds_date x, char out[static 64])
{
    static const char *const days[] = {"dimanche", "lundi", "mardi", "mercredi",
                                       "jeudi", "vendredi", "samedi"};
    static const char *const months[] = {"janvier", "février", "mars", "avril",
                                         "mai", "juin", "juillet", "août",
                                         "septembre", "octobre", "novembre", "décembre"};
    struct tm tm = {0};
    tm.tm_year = x.year - 1900;
    tm.tm_mon = x.month - 1;
    tm.tm_mday = x.day;
    tm.tm_hour = 12;
    time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    snprintf(out, 64, "%s %d%s %s %d", days[tm.tm_wday], x.day, x.day == 1 ? "er" : "",
             months[x.month - 1], x.year);
}

static void test_poster_of_a_commune(void **state)
{
    (void)state;
    char dir[256];
    assert_int_equal(test_mkdtemp(dir, sizeof dir, "rounds-poster"), 0);
    mg_rounds_service s = service(false);
    /* 8 weeks from Monday 12 October 2026: Toussaint, 25 October, 10 November. */
    char *text = poster_text(dir, &s, "11076", (mg_rounds_date){2026, 10, 14}, 8);
    has(text, "PMI itinérante (exemple)");
    has(text, "Passages à Chalabre");
    has(text, "Place de la Mairie");
    has(text, "Parking de la halle");
    has(text, "Département de l'Aude (exemple) — 04 68 00 00 00");
    has(text, "Du lundi 12 octobre 2026 au dimanche 6 décembre 2026");
    has(text, "ANNULÉ : Véhicule en réparation");
    has(text, "PAS DE PASSAGE : Vacances de la Toussaint (zone C)");
    has(text, "Vacances de la Toussaint (zone C) : du samedi 17 octobre 2026 au dimanche 1er "
              "novembre 2026 — pas de passage.");
    /* Every stop in Chalabre over the 8 weeks, in date order. */
    mg_rounds_occurrence *v = NULL;
    size_t n = 0, rows = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_rounds_timetable(&s, (mg_rounds_date){2026, 10, 12},
                                         (mg_rounds_date){2026, 12, 6}, MG_ROUNDS_KEEP_SKIPPED,
                                         &v, &n, &d),
                     0);
    const char *at = text;
    for (size_t k = 0; k < n; k++) {
        if (strcmp(v[k].visit->commune_code, "11076") != 0)
            continue;
        rows++;
        char date[64], row[160];
        french_date(v[k].date, date);
        snprintf(row, sizeof row, "%s %d h %02d – %d h %02d %s", date, v[k].start_min / 60,
                 v[k].start_min % 60, v[k].end_min / 60, v[k].end_min % 60,
                 v[k].visit->stop_name);
        const char *p = strstr(at, row);
        if (!p)
            fail_msg("the poster does not list \"%s\" (in order):\n%s", row, text);
        at = p + 1;
    }
    /* Tuesdays of week 0 (4) and Sundays (8, twice each): 4 + 16. */
    assert_int_equal(rows, 20);
    free(v);
    /* Nothing of another commune. */
    assert_null(strstr(text, "Castelnaudary"));
    assert_null(strstr(text, "Maison France services"));
    assert_null(strstr(text, "Parking du collège"));
    assert_null(strstr(text, "Parking occupé"));
    assert_null(strstr(text, "Puivert"));
    assert_null(strstr(text, "Salle des fêtes"));
    free(text);
    test_remove_tree(dir);
}

/* The day summer time starts: the 02:30 that does not exist reads 03:30. */
static void test_poster_dst(void **state)
{
    (void)state;
    char dir[256];
    assert_int_equal(test_mkdtemp(dir, sizeof dir, "rounds-poster"), 0);
    mg_rounds_service s = service(true);
    char *text = poster_text(dir, &s, "11076", (mg_rounds_date){2026, 3, 23}, 1);
    has(text, "dimanche 29 mars 2026 1 h 30 – 3 h 30 Place de la Mairie Changement d'heure");
    has(text, "dimanche 29 mars 2026 9 h 00 – 10 h 00 Place de la Mairie");
    free(text);
    /* And a commune the service does not serve. */
    mg_buf b;
    mg_buf_init(&b, 1 << 20);
    mg_diag d = {{0}};
    assert_int_equal(mg_rounds_poster(&s, "11999", (mg_rounds_date){2026, 3, 23}, 1,
                                      (mg_rounds_date){2026, 3, 1}, &b, &d),
                     MG_ENOTFOUND);
    assert_int_equal(mg_rounds_poster(&s, "11076", (mg_rounds_date){2026, 3, 23}, 0,
                                      (mg_rounds_date){2026, 3, 1}, &b, &d),
                     MG_EINVAL);
    assert_int_equal(b.len, 0);
    mg_buf_free(&b);
    test_remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poster_of_a_commune),
        cmocka_unit_test(test_poster_dst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
