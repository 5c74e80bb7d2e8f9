/*
 * French public holidays and opening_hours: Easter and the holidays of
 * several years against the calendar, the table of cases of
 * tests/data/opening_hours/cases.json (open/closed/unknown at instants,
 * comments, next changes, refusals with their position and message), the
 * French sentence, and the canonical spelling read back giving the same
 * answers. With MG_OH_DUMP=<file> it also writes its own answers over a
 * grid of instants as JSON, which tests/oracle/opening_hours_oracle.mjs
 * checks against the npm package opening_hours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/buf.h"
#include "directory/holidays.h"
#include "directory/opening_hours.h"
#include "testutil.h"

static json_t *cases;

static int load_cases(void **state)
{
    (void)state;
    json_error_t err;
    cases = json_load_file(MG_TEST_DATA "/opening_hours/cases.json", 0, &err);
    if (!cases)
        fprintf(stderr, "cases.json:%d: %s\n", err.line, err.text);
    return cases ? 0 : -1;
}

static int free_cases(void **state)
{
    (void)state;
    json_decref(cases);
    return 0;
}

/* "YYYY-MM-DDTHH:MM" of the test data. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + s[i] - '0';
    }
    return v;
}

static mg_oh_instant instant(const char *s)
{
    if (!s || strlen(s) != 16 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':')
        fail_msg("bad instant %s", s ? s : "(null)");
    mg_oh_instant t = {digits(s, 4), digits(s + 5, 2), digits(s + 8, 2), digits(s + 11, 2) * 60 + digits(s + 14, 2)};
    if (t.year < 0 || t.month < 0 || t.day < 0 || t.minute < 0)
        fail_msg("bad instant %s", s);
    return t;
}

static const char *state_name(int s)
{
    return s == MG_OH_OPEN ? "open" : s == MG_OH_CLOSED ? "closed" : s == MG_OH_UNKNOWN ? "unknown" : "error";
}

static mg_opening_hours *parse_ok(const char *s)
{
    mg_opening_hours *oh = NULL;
    mg_diag d = {{0}};
    int rc = mg_opening_hours_parse(s, strlen(s), 0, &oh, &d);
    if (rc != 0)
        fail_msg("« %s » refused: %s", s, d.msg);
    return oh;
}

static long days_of(mg_oh_instant t)
{
    return mg_days_from_civil(t.year, t.month, t.day);
}

static mg_oh_instant add_minutes(mg_oh_instant t, long minutes)
{
    long total = days_of(t) * 1440 + t.minute + minutes;
    long days = total >= 0 ? total / 1440 : -((-total + 1439) / 1440);
    mg_oh_instant r;
    mg_civil_from_days(days, &r.year, &r.month, &r.day);
    r.minute = (int)(total - days * 1440);
    return r;
}

static long minutes_between(mg_oh_instant a, mg_oh_instant b)
{
    return (days_of(b) - days_of(a)) * 1440 + b.minute - a.minute;
}

/* ---- holidays ---- */

static void test_easter(void **state)
{
    (void)state;
    /* From the published calendars. */
    static const int known[][3] = {{2024, 3, 31}, {2025, 4, 20}, {2026, 4, 5}, {2027, 3, 28},
                                   {2000, 4, 23}, {2019, 4, 21}, {2038, 4, 25}, {1818, 3, 22},
                                   {2008, 3, 23}, {2011, 4, 24}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        int m = 0, d = 0;
        assert_int_equal(mg_easter(known[i][0], &m, &d), 0);
        if (m != known[i][1] || d != known[i][2])
            fail_msg("Easter %d: %02d-%02d, expected %02d-%02d", known[i][0], m, d, known[i][1], known[i][2]);
    }
    int m, d;
    assert_int_equal(mg_easter(1500, &m, &d), MG_EINVAL);
}

static void expect_year(int year, unsigned flags, const int (*dates)[2], int n)
{
    mg_holiday h[MG_HOLIDAYS_MAX];
    int got = mg_holidays_fr(year, flags, h);
    assert_int_equal(got, n);
    for (int i = 0; i < n; i++)
        if (h[i].month != dates[i][0] || h[i].day != dates[i][1])
            fail_msg("%d holiday %d: %02d-%02d (%s), expected %02d-%02d", year, i, h[i].month, h[i].day,
                     h[i].name, dates[i][0], dates[i][1]);
}

static void test_holidays(void **state)
{
    (void)state;
    /* Written from the French calendars of these years. */
    static const int y2024[][2] = {{1, 1}, {4, 1}, {5, 1}, {5, 8}, {5, 9}, {5, 20},
                                   {7, 14}, {8, 15}, {11, 1}, {11, 11}, {12, 25}};
    static const int y2025[][2] = {{1, 1}, {4, 21}, {5, 1}, {5, 8}, {5, 29}, {6, 9},
                                   {7, 14}, {8, 15}, {11, 1}, {11, 11}, {12, 25}};
    static const int y2026[][2] = {{1, 1}, {4, 6}, {5, 1}, {5, 8}, {5, 14}, {5, 25},
                                   {7, 14}, {8, 15}, {11, 1}, {11, 11}, {12, 25}};
    static const int y2027[][2] = {{1, 1}, {3, 29}, {5, 1}, {5, 6}, {5, 8}, {5, 17},
                                   {7, 14}, {8, 15}, {11, 1}, {11, 11}, {12, 25}};
    static const int y2026am[][2] = {{1, 1}, {4, 3}, {4, 6}, {5, 1}, {5, 8}, {5, 14}, {5, 25},
                                     {7, 14}, {8, 15}, {11, 1}, {11, 11}, {12, 25}, {12, 26}};
    expect_year(2024, 0, y2024, 11);
    expect_year(2025, 0, y2025, 11);
    expect_year(2026, 0, y2026, 11);
    expect_year(2027, 0, y2027, 11);
    expect_year(2026, MG_HOLIDAYS_ALSACE_MOSELLE, y2026am, 13);

    const char *name = "x";
    assert_true(mg_holiday_fr(2026, 5, 14, 0, &name));
    assert_string_equal(name, "Ascension");
    assert_true(mg_holiday_fr(2026, 7, 14, 0, &name));
    assert_false(mg_holiday_fr(2026, 12, 26, 0, &name));
    assert_null(name);
    assert_true(mg_holiday_fr(2026, 12, 26, MG_HOLIDAYS_ALSACE_MOSELLE, NULL));
    assert_false(mg_holiday_fr(2026, 4, 3, 0, NULL));
    assert_false(mg_holiday_fr(2026, 2, 30, 0, NULL));
}

static void test_civil_days(void **state)
{
    (void)state;
    assert_int_equal(mg_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(mg_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(mg_weekday(mg_days_from_civil(2026, 1, 5)), 0);  /* a Monday */
    assert_int_equal(mg_weekday(mg_days_from_civil(2026, 7, 14)), 1); /* a Tuesday */
    assert_int_equal(mg_weekday(mg_days_from_civil(1969, 12, 28)), 6); /* a Sunday */
    /* Day after day over four centuries: the calendar advances by one. */
    int y = 1600, m = 1, d = 1;
    for (long n = mg_days_from_civil(1600, 1, 1); n < mg_days_from_civil(2401, 1, 1); n++) {
        int yy, mm, dd;
        mg_civil_from_days(n, &yy, &mm, &dd);
        if (yy != y || mm != m || dd != d)
            fail_msg("day %ld: %d-%d-%d, expected %d-%d-%d", n, yy, mm, dd, y, m, d);
        if (++d > mg_days_in_month(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    assert_int_equal(mg_days_in_month(1900, 2), 28);
    assert_int_equal(mg_days_in_month(2000, 2), 29);
}

/* ---- the table of cases ---- */

static void check_next(const mg_opening_hours *oh, const char *s, mg_oh_instant at)
{
    int s0 = mg_opening_hours_state(oh, at, NULL);
    mg_oh_instant next;
    int found = mg_opening_hours_next_change(oh, at, 8, &next);
    assert_true(found == 0 || found == 1);
    long span = found ? minutes_between(at, next) : 8 * 1440;
    assert_true(span > 0);
    /* Nothing changes before the next change (checked every 7 minutes and just before it)… */
    for (long k = 1; k < span; k += (k + 7 < span ? 7 : (span - k > 1 ? span - k - 1 : 1))) {
        int sk = mg_opening_hours_state(oh, add_minutes(at, k), NULL);
        if (sk != s0)
            fail_msg("« %s » from %d-%02d-%02d %d: changes %ld minutes later, before its next change", s,
                     at.year, at.month, at.day, at.minute, k);
    }
    /* …and something does at it. */
    if (found) {
        assert_int_not_equal(mg_opening_hours_state(oh, next, NULL), s0);
    }
}

static void test_cases(void **state)
{
    (void)state;
    json_t *list = json_object_get(cases, "accepted");
    assert_true(json_array_size(list) >= 50);
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        const char *s = json_string_value(json_object_get(c, "string"));
        mg_oh_instant at = instant(json_string_value(json_object_get(c, "instant")));
        const char *want = json_string_value(json_object_get(c, "expected"));
        mg_opening_hours *oh = parse_ok(s);
        const char *comment;
        int got = mg_opening_hours_state(oh, at, &comment);
        if (strcmp(state_name(got), want) != 0)
            fail_msg("case %zu « %s » at %s: %s, expected %s", i, s,
                     json_string_value(json_object_get(c, "instant")), state_name(got), want);
        json_t *wc = json_object_get(c, "comment");
        if (wc) {
            if (json_is_null(wc) ? comment != NULL : (!comment || strcmp(comment, json_string_value(wc)) != 0))
                fail_msg("case %zu « %s »: comment « %s », expected « %s »", i, s, comment ? comment : "(none)",
                         json_is_null(wc) ? "(none)" : json_string_value(wc));
        }
        if (json_is_true(json_object_get(c, "holiday"))) {
            /* A PH rule decided: the holiday's name is the comment. */
            int y = at.year, m = at.month, d = at.day;
            const char *name;
            assert_true(mg_holiday_fr(y, m, d, 0, &name));
            if (!comment || strcmp(comment, name) != 0)
                fail_msg("case %zu « %s »: comment « %s », expected the holiday « %s »", i, s,
                         comment ? comment : "(none)", name);
        }
        json_t *wn = json_object_get(c, "next");
        mg_oh_instant next;
        int found = mg_opening_hours_next_change(oh, at, 8, &next);
        if (wn) {
            if (json_is_null(wn)) {
                assert_int_equal(found, 0);
            } else {
                mg_oh_instant w = instant(json_string_value(wn));
                if (found != 1 || minutes_between(next, w) != 0)
                    fail_msg("case %zu « %s »: next change %d-%02d-%02d %d, expected %s", i, s, next.year,
                             next.month, next.day, next.minute, json_string_value(wn));
            }
        }
        check_next(oh, s, at);
        mg_opening_hours_free(oh);
    }
}

static void test_refused(void **state)
{
    (void)state;
    json_t *list = json_object_get(cases, "refused");
    assert_true(json_array_size(list) >= 15);
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        const char *s = json_string_value(json_object_get(c, "string"));
        mg_opening_hours *oh = (mg_opening_hours *)1;
        mg_diag d = {{0}};
        int rc = mg_opening_hours_parse(s, strlen(s), 0, &oh, &d);
        if (rc != MG_EPARSE)
            fail_msg("« %s »: %d (%s), expected a refusal", s, rc, d.msg);
        assert_null(oh);
        char where[48];
        snprintf(where, sizeof where, "au caractère %d,", (int)json_integer_value(json_object_get(c, "position")));
        if (!strstr(d.msg, where) || !strstr(d.msg, json_string_value(json_object_get(c, "message"))))
            fail_msg("« %s »: message « %s », expected « %s » and « %s »", s, d.msg, where,
                     json_string_value(json_object_get(c, "message")));
    }
}

static void test_limits(void **state)
{
    (void)state;
    mg_opening_hours *oh;
    mg_diag d = {{0}};
    char big[MG_OH_MAX_BYTES + 2];
    memset(big, ' ', sizeof big);
    assert_int_equal(mg_opening_hours_parse(big, sizeof big, 0, &oh, &d), MG_ELIMIT);
    assert_non_null(strstr(d.msg, "au plus 1024"));
    /* 33 rules. */
    mg_buf b;
    mg_buf_init(&b, 4096);
    for (int i = 0; i < 33; i++)
        mg_buf_printf(&b, "%sMo 10:00-11:00", i ? "; " : "");
    mg_diag_clear(&d);
    assert_int_equal(mg_opening_hours_parse(b.data, b.len, 0, &oh, &d), MG_ELIMIT);
    assert_non_null(strstr(d.msg, "32 règles"));
    mg_buf_free(&b);
    /* 13 ranges in one rule. */
    mg_buf_init(&b, 4096);
    mg_buf_puts(&b, "Mo ");
    for (int i = 0; i < 13; i++)
        mg_buf_printf(&b, "%s%02d:00-%02d:30", i ? "," : "", i, i);
    mg_diag_clear(&d);
    assert_int_equal(mg_opening_hours_parse(b.data, b.len, 0, &oh, &d), MG_EPARSE);
    assert_non_null(strstr(d.msg, "12 plages"));
    mg_buf_free(&b);
    mg_diag_clear(&d);
    assert_int_equal(mg_opening_hours_parse("Mo \"\xc3\x28\"", 7, 0, &oh, &d), MG_EUTF8);
    assert_int_equal(mg_opening_hours_parse("Mo\0Tu", 5, 0, &oh, &d), MG_EUTF8);
    /* Bad instants. */
    oh = parse_ok("24/7");
    assert_int_equal(mg_opening_hours_state(oh, (mg_oh_instant){2026, 2, 30, 0}, NULL), MG_EINVAL);
    assert_int_equal(mg_opening_hours_state(oh, (mg_oh_instant){2026, 2, 3, 1440}, NULL), MG_EINVAL);
    mg_oh_instant n;
    assert_int_equal(mg_opening_hours_next_change(oh, (mg_oh_instant){2026, 2, 3, 0}, 0, &n), MG_EINVAL);
    struct tm tm = {.tm_year = 126, .tm_mon = 6, .tm_mday = 14, .tm_hour = 10};
    assert_int_equal(mg_opening_hours_state_tm(oh, &tm, NULL), MG_OH_OPEN);
    mg_opening_hours_free(oh);
    /* Alsace-Moselle: Good Friday is a holiday there. */
    assert_int_equal(mg_opening_hours_parse("Mo-Fr 08:00-12:00; PH off", 25, MG_HOLIDAYS_ALSACE_MOSELLE, &oh, &d), 0);
    const char *c;
    assert_int_equal(mg_opening_hours_state(oh, (mg_oh_instant){2026, 4, 3, 600}, &c), MG_OH_CLOSED);
    assert_string_equal(c, "Vendredi saint");
    mg_opening_hours_free(oh);
    oh = parse_ok("Mo-Fr 08:00-12:00; PH off");
    assert_int_equal(mg_opening_hours_state(oh, (mg_oh_instant){2026, 4, 3, 600}, NULL), MG_OH_OPEN);
    mg_opening_hours_free(oh);
}

/* ---- writing ---- */

static void expect_describe(const char *s, const char *want)
{
    mg_opening_hours *oh = parse_ok(s);
    mg_buf b;
    mg_buf_init(&b, 4096);
    assert_int_equal(mg_opening_hours_describe(oh, &b), 0);
    if (strcmp(b.data, want) != 0)
        fail_msg("« %s »: « %s », expected « %s »", s, b.data, want);
    mg_buf_free(&b);
    mg_opening_hours_free(oh);
}

static void test_describe(void **state)
{
    (void)state;
    expect_describe("Mo-Fr 08:00-12:00,14:00-18:00; PH off",
                    "du lundi au vendredi, de 8 h à 12 h et de 14 h à 18 h ; fermé les jours fériés");
    expect_describe("Mo,We,Fr 09:30-12:00", "lundi, mercredi et vendredi, de 9 h 30 à 12 h");
    expect_describe("Sa 10:00-12:00; Su,PH off", "le samedi, de 10 h à 12 h ; fermé dimanche et les jours fériés");
    expect_describe("24/7", "ouvert 24 h/24, 7 j/7");
    expect_describe("Fr-Sa 22:00-02:00", "vendredi et samedi, de 22 h à 2 h");
    expect_describe("Fr-Mo 10:00-24:00", "du vendredi au lundi, de 10 h à minuit");
    expect_describe("Mo-Su 08:00-20:00", "tous les jours, de 8 h à 20 h");
    expect_describe("Apr-Jun Mo-Fr 08:00-12:00; Dec 25 off",
                    "d'avril à juin, du lundi au vendredi, de 8 h à 12 h ; fermé le 25 décembre");
    expect_describe("Mo-Fr 08:00-12:00 || \"sur rendez-vous\"",
                    "du lundi au vendredi, de 8 h à 12 h ; sinon, « sur rendez-vous »");
    expect_describe("Mo-Fr 09:00-12:00 \"sur rendez-vous\"; PH off",
                    "du lundi au vendredi, de 9 h à 12 h (« sur rendez-vous ») ; fermé les jours fériés");
    expect_describe("Mo-Fr 08:00-12:00 unknown", "du lundi au vendredi, de 8 h à 12 h (à confirmer)");
    expect_describe("Mo-Fr \"sur rendez-vous\"", "du lundi au vendredi, toute la journée (« sur rendez-vous »)");
    expect_describe("Dec 24-Jan 01 off", "fermé du 24 décembre au 1er janvier");
}

/* The same answers at every quarter hour over ten days from the first of the month of `at`. */
static void same_answers(const mg_opening_hours *a, const mg_opening_hours *b, const char *s, mg_oh_instant at)
{
    mg_oh_instant t0 = {at.year, at.month, 1, 0};
    for (long k = 0; k < 10 * 1440; k += 15) {
        mg_oh_instant t = add_minutes(t0, k);
        const char *ca, *cb;
        int sa = mg_opening_hours_state(a, t, &ca), sb = mg_opening_hours_state(b, t, &cb);
        if (sa != sb || !(ca == cb || (ca && cb && strcmp(ca, cb) == 0)))
            fail_msg("« %s » read back differs at %d-%02d-%02d minute %d", s, t.year, t.month, t.day, t.minute);
    }
}

static void test_format_round_trip(void **state)
{
    (void)state;
    json_t *list = json_object_get(cases, "accepted");
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        const char *s = json_string_value(json_object_get(c, "string"));
        mg_oh_instant at = instant(json_string_value(json_object_get(c, "instant")));
        mg_opening_hours *oh = parse_ok(s);
        mg_buf b1, b2;
        mg_buf_init(&b1, 4096);
        mg_buf_init(&b2, 4096);
        assert_int_equal(mg_opening_hours_format(oh, &b1), 0);
        mg_opening_hours *again = parse_ok(b1.data);
        assert_int_equal(mg_opening_hours_format(again, &b2), 0);
        if (strcmp(b1.data, b2.data) != 0)
            fail_msg("« %s »: « %s » then « %s »", s, b1.data, b2.data);
        same_answers(oh, again, s, at);
        same_answers(oh, again, s, (mg_oh_instant){2026, 12, 24, 0});
        mg_buf_free(&b1);
        mg_buf_free(&b2);
        mg_opening_hours_free(oh);
        mg_opening_hours_free(again);
    }
    mg_opening_hours *oh = parse_ok("Mo-Fr 08:00-12:00 , 14:00-18:00;PH off");
    mg_buf b;
    mg_buf_init(&b, 4096);
    assert_int_equal(mg_opening_hours_format(oh, &b), 0);
    assert_string_equal(b.data, "Mo-Fr 08:00-12:00,14:00-18:00; PH off");
    mg_buf_free(&b);
    mg_opening_hours_free(oh);
}

/* ---- answers for the oracle ---- */

static void fmt_instant(char out[32], mg_oh_instant t)
{
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d", t.year, t.month, t.day, t.minute / 60, t.minute % 60);
}

/* The strings of tests/data/opening_hours/strings.txt (one a line, '#' starts a comment line) into list. */
static json_t *more_strings(void)
{
    FILE *f = fopen(MG_TEST_DATA "/opening_hours/strings.txt", "r");
    assert_non_null(f);
    json_t *list = json_array();
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0] && line[0] != '#')
            json_array_append_new(list, json_string(line));
    }
    fclose(f);
    return list;
}

/* Every string of strings.txt is accepted: the oracle's grid covers them. */
static void test_more_strings(void **state)
{
    (void)state;
    json_t *list = more_strings();
    assert_true(json_array_size(list) >= 100);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) mg_opening_hours_free(parse_ok(json_string_value(v)));
    json_decref(list);
}

static void dump_grid(json_t *out, const char *s, mg_oh_instant from, long step, long minutes)
{
    mg_opening_hours *oh = parse_ok(s);
    for (long k = 0; k < minutes; k += step) {
        mg_oh_instant t = add_minutes(from, k), next;
        const char *comment;
        int st = mg_opening_hours_state(oh, t, &comment);
        int found = mg_opening_hours_next_change(oh, t, 8, &next);
        char ts[32], ns[32];
        fmt_instant(ts, t);
        fmt_instant(ns, next);
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "string", s, "instant", ts, "state",
                                             state_name(st), "comment", comment, "next", found == 1 ? ns : NULL));
    }
    mg_opening_hours_free(oh);
}

/* With MG_OH_DUMP set: our answers every 20 minutes over three days around each case, and
 * every 50 minutes over three days from three dates (a winter week, the days before 14 July,
 * Christmas) for each string of strings.txt. */
static void test_dump(void **state)
{
    (void)state;
    const char *path = getenv("MG_OH_DUMP");
    if (!path || !*path)
        skip();
    json_t *out = json_array();
    json_t *list = json_object_get(cases, "accepted");
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        const char *s = json_string_value(json_object_get(c, "string"));
        mg_oh_instant at = instant(json_string_value(json_object_get(c, "instant")));
        dump_grid(out, s, add_minutes((mg_oh_instant){at.year, at.month, at.day, 0}, -1440), 20, 3 * 1440);
    }
    json_t *more = more_strings();
    json_array_foreach(more, i, c) {
        static const mg_oh_instant from[] = {{2026, 1, 5, 0}, {2026, 7, 12, 0}, {2026, 12, 23, 0}};
        for (size_t k = 0; k < sizeof from / sizeof from[0]; k++)
            dump_grid(out, json_string_value(c), from[k], 50, 3 * 1440);
    }
    json_decref(more);
    assert_int_equal(json_dump_file(out, path, JSON_COMPACT), 0);
    json_decref(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_easter),
        cmocka_unit_test(test_holidays),
        cmocka_unit_test(test_civil_days),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_more_strings),
        cmocka_unit_test(test_dump),
    };
    return cmocka_run_group_tests(tests, load_cases, free_cases);
}
