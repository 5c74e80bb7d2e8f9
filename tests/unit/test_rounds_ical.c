/*
 * Tests of the rounds' iCalendar feed (rounds/publish.h, rounds/ical.c).
 * The feed is written to a file and read back by an independent client,
 * tests/oracle/ical_events.py (Python's icalendar from Debian, no code
 * shared with libical), which prints each event's UID and UTC start and
 * end: they must be exactly the timetable's stops (rounds/timetable.h),
 * UIDs rebuilt here from the route, date and stop, over the changes of
 * summer time of 2026 and 2027 (March's skipped hour, October's repeated
 * hour in both passes). Cancelled stops are events with STATUS:CANCELLED
 * (read by Python's icalendar too) and their reason; stops skipped for the
 * school holidays are not events. Without Python's icalendar the test
 * FAILS, saying how to install it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/buf.h"
#include "rounds/publish.h"
#include "rounds/timetable.h"

#define PYTHON "/usr/bin/python3"
#define ORACLE MG_SOURCE_DIR "/tests/oracle/ical_events.py"

/* --- The service -------------------------------------------------------------------------- */

static const mg_rounds_pub_visit sunday_visits[] = {
    {1, "Place de la Mairie", "11076", "Chalabre", 90, 150},               /* 01:30-02:30 */
    {2, "Salle des fêtes; rez-de-chaussée", "11302", "Puivert", 120, 165}, /* 02:00-02:45 */
    {3, "Parking du collège", "11069", "Castelnaudary", 150, 180},         /* 02:30-03:00 */
    {4, "Maison France services", "11069", "Castelnaudary", 180, 210},     /* 03:00-03:30 */
    {1, "Place de la Mairie", "11076", "Chalabre", 540, 600},              /* 09:00-10:00 */
};
static const mg_rounds_pub_visit tuesday_visits[] = {
    {1, "Place de la Mairie", "11076", "Chalabre", 570, 660},
    {4, "Maison France services", "11069", "Castelnaudary", 840, 1020},
};
static const mg_rounds_pub_route routes[] = {
    {11, "Bus A", 1, 6, sunday_visits, 5},
    {12, "Bus B", 0, 6, sunday_visits, 5},
    {13, "Bus A", 0, 1, tuesday_visits, 2},
};
static const mg_rounds_holiday holidays[] = {
    {{2026, 10, 17}, {2026, 11, 1}, "Vacances de la Toussaint"},
    {{2027, 4, 24}, {2027, 5, 9}, "Vacances de printemps"},
};
static const mg_rounds_cancellation cancellations[] = {
    {{2026, 3, 31}, 0, "Bus A", "Véhicule en réparation, désolés"},
    {{2026, 10, 25}, 2, NULL, "Salle fermée"},
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
        .nholidays = 2,
        .cancellations = cancellations,
        .ncancellations = 2,
    };
    return s;
}

/* --- The independent client ---------------------------------------------------------------- */

static void require_icalendar(void)
{
    int st = system(PYTHON " -c 'import icalendar' >/dev/null 2>&1");
    if (st != 0)
        fail_msg("Python's icalendar is missing for " PYTHON
                 ": the feed cannot be checked by an independent client. Install it with "
                 "scripts/install-deps.sh test (Debian package python3-icalendar).");
}

/* Runs cmd; its output lines as a JSON array when json, else as strings. */
static json_t *run_lines(const char *cmd, bool json)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    json_t *all = json_array();
    char line[16384];
    while (fgets(line, sizeof line, p)) {
        if (json) {
            json_error_t je;
            json_t *ev = json_loads(line, 0, &je);
            if (!ev)
                fail_msg("the client printed a line that is not JSON: %s", line);
            json_array_append_new(all, ev);
        } else {
            line[strcspn(line, "\n")] = 0;
            json_array_append_new(all, json_string(line));
        }
    }
    int st = pclose(p);
    if (st != 0)
        fail_msg("the independent client refused the feed (status %d): %s", st, cmd);
    return all;
}

static const char *field(const json_t *ev, const char *key)
{
    const char *s = json_string_value(json_object_get(ev, key));
    return s ? s : "";
}

static const json_t *event_of(const json_t *events, const char *uid)
{
    size_t k;
    const json_t *ev;
    json_array_foreach(events, k, ev)
    {
        if (strcmp(field(ev, "uid"), uid) == 0)
            return ev;
    }
    return NULL;
}

/* The UID the feed promises (publish.h), rebuilt from the route and stop. */
static void uid_of(const mg_rounds_occurrence *o, char out[static 160])
{
    int rank = 1;
    for (const mg_rounds_pub_visit *v = o->route->visits; v < o->visit; v++)
        rank += v->stop_id == o->visit->stop_id;
    char suffix[16] = "";
    if (rank > 1)
        snprintf(suffix, sizeof suffix, "-%d", rank);
    snprintf(out, 160, "rounds-7-%" PRId64 "-%04d%02d%02d-%" PRId64 "%s@maillage", o->route->id,
             o->date.year, o->date.month, o->date.day, o->visit->stop_id, suffix);
}

static void utc_text(int64_t t, char out[static 32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The feed's text with its folded lines joined again (RFC 5545, 3.1). */
static char *unfolded(const char *s)
{
    char *out = malloc(strlen(s) + 1);
    assert_non_null(out);
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '\r' && s[i + 1] == '\n' && (s[i + 2] == ' ' || s[i + 2] == '\t')) {
            i += 2;
            continue;
        }
        out[o++] = s[i];
    }
    out[o] = 0;
    return out;
}

/* Writes the feed of [a, b] and checks every event against the timetable;
 * returns the feed's unfolded text (free) and the number of cancelled stops. */
static char *check_feed(const char *dir, const mg_rounds_service *s, mg_rounds_date a,
                        mg_rounds_date b, size_t *ncancelled, size_t *nevents)
{
    mg_buf buf;
    mg_buf_init(&buf, (size_t)16 << 20);
    mg_diag d = {{0}};
    int rc = mg_rounds_ical(s, a, b, 1780000000, &buf, &d);
    if (rc != 0)
        fail_msg("feed: %s (%s)", mg_strerror(rc), d.msg);
    char path[512];
    snprintf(path, sizeof path, "%s/rounds.ics", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf.data, 1, buf.len, f), buf.len);
    fclose(f);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, PYTHON " '%s' '%s'", ORACLE, path);
    json_t *events = run_lines(cmd, true);
    /* STATUS, which the oracle does not print, read by Python's icalendar as well. */
    snprintf(cmd, sizeof cmd,
             PYTHON " -c 'import sys, icalendar\n"
                    "for e in icalendar.Calendar.from_ical(open(sys.argv[1], \"rb\").read())"
                    ".walk(\"VEVENT\"): print(str(e[\"UID\"]) + \" \" + str(e.get(\"STATUS\")))'"
                    " '%s'",
             path);
    json_t *status = run_lines(cmd, false);

    mg_rounds_occurrence *v = NULL;
    size_t n = 0;
    rc = mg_rounds_timetable(s, a, b, 0, &v, &n, &d);
    assert_int_equal(rc, 0);
    if (json_array_size(events) != n)
        fail_msg("the client read %zu events, the timetable has %zu stops",
                 json_array_size(events), n);
    assert_int_equal(json_array_size(status), n);
    *ncancelled = 0;
    for (size_t k = 0; k < n; k++) {
        const mg_rounds_occurrence *o = &v[k];
        char uid[160], start[32], end[32], want_status[200];
        uid_of(o, uid);
        const json_t *ev = event_of(events, uid);
        if (!ev)
            fail_msg("%s is not in the feed", uid);
        utc_text(o->start_utc, start);
        utc_text(o->end_utc, end);
        if (strcmp(field(ev, "start"), start) || strcmp(field(ev, "end"), end))
            fail_msg("%s: the client reads [%s, %s], the timetable says [%s, %s]", uid,
                     field(ev, "start"), field(ev, "end"), start, end);
        char location[256];
        snprintf(location, sizeof location, "%s, %s", o->visit->stop_name,
                 o->visit->commune_name);
        assert_string_equal(field(ev, "location"), location);
        assert_non_null(strstr(field(ev, "summary"), "PMI itinérante (exemple)"));
        assert_non_null(strstr(field(ev, "description"), "Contact : 04 68 00 00 00"));
        snprintf(want_status, sizeof want_status, "%s %s", uid,
                 o->cancelled ? "CANCELLED" : "CONFIRMED");
        bool found = false;
        for (size_t j = 0; j < json_array_size(status); j++)
            found |= strcmp(json_string_value(json_array_get(status, j)), want_status) == 0;
        if (!found)
            fail_msg("%s: STATUS is not %s", uid, o->cancelled ? "CANCELLED" : "CONFIRMED");
        if (o->cancelled) {
            (*ncancelled)++;
            char reason[256];
            snprintf(reason, sizeof reason, "Passage annulé : %s", o->cancel_reason);
            assert_non_null(strstr(field(ev, "description"), reason));
            assert_non_null(strstr(field(ev, "summary"), "ANNULÉ"));
        } else {
            assert_null(strstr(field(ev, "summary"), "ANNULÉ"));
        }
        if (o->holiday)
            assert_non_null(strstr(field(ev, "description"), o->holiday->description));
    }
    *nevents = n;
    free(v);
    json_decref(events);
    json_decref(status);
    char *text = unfolded(buf.data);
    mg_buf_free(&buf);
    return text;
}

static void test_feed_matches_timetable(void **state)
{
    (void)state;
    require_icalendar();
    char dir[256];
    assert_int_equal(test_mkdtemp(dir, sizeof dir, "rounds-ical"), 0);
    mg_rounds_service s = service(true);
    size_t cancelled = 0, n = 0;
    char *text = check_feed(dir, &s, (mg_rounds_date){2026, 3, 16},
                            (mg_rounds_date){2026, 11, 8}, &cancelled, &n);
    /* Bus A's Tuesday 31 March (2 stops) and stop 2 on 25 October. */
    assert_int_equal(cancelled, 3);
    assert_true(n > 100);
    assert_non_null(strstr(text, "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris"));
    /* 29 March 2026: 01:30 CET, 02:30 (skipped) as 03:30 CEST, 03:00 CEST. */
    assert_non_null(strstr(text, "DTSTART;TZID=Europe/Paris:20260329T013000"));
    assert_non_null(strstr(text, "DTSTART;TZID=Europe/Paris:20260329T033000"));
    assert_non_null(strstr(text, "DTSTART;TZID=Europe/Paris:20260329T030000"));
    assert_null(strstr(text, "DTSTART;TZID=Europe/Paris:20260329T02"));
    /* 25 October 2026: the repeated hour in UTC, the others in Paris time. */
    assert_non_null(strstr(text, "DTSTART:20261025T000000Z"));
    assert_non_null(strstr(text, "DTSTART:20261025T003000Z"));
    assert_null(strstr(text, "DTSTART;TZID=Europe/Paris:20261025T02"));
    assert_non_null(strstr(text, "DTSTART;TZID=Europe/Paris:20261025T030000"));
    assert_non_null(strstr(text, "STATUS:CANCELLED"));
    free(text);
    /* 2027: 28 March and 31 October. */
    text = check_feed(dir, &s, (mg_rounds_date){2027, 3, 22}, (mg_rounds_date){2027, 11, 7},
                      &cancelled, &n);
    assert_int_equal(cancelled, 0);
    assert_non_null(strstr(text, "DTSTART;TZID=Europe/Paris:20270328T033000"));
    assert_non_null(strstr(text, "DTSTART:20271031T000000Z"));
    free(text);
    test_remove_tree(dir);
}

/* A service that stops for the holidays has no event in them. */
static void test_holidays_are_not_events(void **state)
{
    (void)state;
    require_icalendar();
    char dir[256];
    assert_int_equal(test_mkdtemp(dir, sizeof dir, "rounds-ical"), 0);
    mg_rounds_service s = service(false);
    size_t cancelled = 0, n = 0;
    char *text = check_feed(dir, &s, (mg_rounds_date){2026, 10, 1},
                            (mg_rounds_date){2026, 11, 15}, &cancelled, &n);
    assert_int_equal(cancelled, 0); /* 25 October's cancellation is in the holidays */
    assert_true(n > 0);
    for (int day = 17; day <= 31; day++) {
        char probe[32];
        snprintf(probe, sizeof probe, "-202610%02d-", day);
        assert_null(strstr(text, probe));
    }
    assert_null(strstr(text, "-20261101-"));
    free(text);
    /* And an empty range is still a calendar the client reads. */
    s.valid_to = (mg_rounds_date){2026, 3, 20};
    text = check_feed(dir, &s, (mg_rounds_date){2026, 4, 1}, (mg_rounds_date){2026, 4, 30},
                      &cancelled, &n);
    assert_int_equal(n, 0);
    free(text);
    test_remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feed_matches_timetable),
        cmocka_unit_test(test_holidays_are_not_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
