/*
 * The teleconsultant's page (web/booking_teleconsultant.c) through the
 * application's router, on the demo Aude with a small network of its own
 * (booking_host_fixture.h): a teleconsultant sees its own appointments
 * and no one else's, the person and the phone number only where the site
 * shares them; another organisation's teleconsultant and a host get
 * 404, the network's owner 403 (it knows the teleconsultant, as it knows
 * its sites); the availability and absence forms save, absences are
 * deleted (or ended when begun) by « Supprimer », and
 * come back (400) with what was typed when refused, the tables and the
 * audit trail unchanged; the calendar feed's secret link is shown once,
 * answers text/calendar with the right token and 404 with any other, and
 * a new link retires the old. On SQLite, then on PostgreSQL when
 * MG_TEST_PG_URI is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "booking/book.h"
#include "booking/booking.h"
#include "booking/setup.h"
#include "pg_fixture.h"
#include "testutil.h"
#include "web_fixture.h"
#include "booking_host_fixture.h"

static int setup(void **state)
{
    if (web_setup(state))
        return -1;
    bh_net_setup();
    return 0;
}

static void tc_path(char *out, size_t cap, int64_t tc, const char *suffix)
{
    snprintf(out, cap, "/teleconsultants/%lld%s", (long long)tc, suffix ? suffix : "");
}

static void test_own_appointments_only(void **state)
{
    (void)state;
    int64_t day = bh_day(1);
    /* Site A does not share phones, site B does. */
    int64_t at_a = bh_book(net.site_a, net.dev_a, net.tc, bh_at(day, 10 * 60), "A. A.",
                           "06 22 33 44 01");
    int64_t at_b = bh_book(net.site_b, net.dev_b, net.tc, bh_at(day, 11 * 60), "B. B.",
                           "06 22 33 44 02");
    int64_t other = bh_book(net.site_a, net.dev_a, net.tc2, bh_at(day, 12 * 60), "C. C.",
                            "06 22 33 44 03");
    char path[96], row[48];
    tc_path(path, sizeof path, net.tc, NULL);
    mg_http_response r = bh_as(&net.doctor, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    const char *t = bh_text(&r);
    snprintf(row, sizeof row, "id=\"rdv-%lld\"", (long long)at_a);
    assert_non_null(strstr(t, row));
    snprintf(row, sizeof row, "id=\"rdv-%lld\"", (long long)at_b);
    assert_non_null(strstr(t, row));
    snprintf(row, sizeof row, "id=\"rdv-%lld\"", (long long)other);
    assert_null(strstr(t, row));
    /* A: neither person nor phone; B: both. */
    assert_null(strstr(t, "A. A."));
    assert_null(strstr(t, "06 22 33 44 01"));
    assert_null(strstr(t, "+33622334401"));
    assert_non_null(strstr(t, "B. B."));
    assert_non_null(strstr(t, "06 22 33 44 02"));
    /* Another doctor's appointment: nothing of it. */
    assert_null(strstr(t, "C. C."));
    assert_null(strstr(t, "06 22 33 44 03"));
    /* The code of each of its appointments (handed over to the provider's
     * system), whether the site shares phones or not; not the other's. */
    const int64_t ids[] = {at_a, at_b, other};
    for (size_t k = 0; k < 3; k++) {
        mg_booking bk;
        mg_diag d = {{0}};
        assert_int_equal(mg_booking_get(app->db, ids[k], &bk, &d), 0);
        assert_int_equal(strlen(bk.code), MG_BOOKING_CODE_SIZE - 1);
        if (k < 2)
            assert_non_null(strstr(t, bk.code));
        else
            assert_null(strstr(t, bk.code));
    }
    /* Site, device, kind. */
    assert_non_null(strstr(t, "Cabine A (exemple)"));
    assert_non_null(strstr(t, "Consultation de médecine générale"));
    assert_non_null(strstr(t, "10 h 00"));
    mg_http_response_free(&r);

    /* Others: 404 (the other doctor, a host, another organisation's
     * manager); the network's owner, which registered it and knows it,
     * 403 as on its sites' days; anonymous: log-in. */
    bh_expect(&net.doctor2, "GET", path, NULL, 404);
    bh_expect(&net.host_a, "GET", path, NULL, 404);
    bh_expect(&net.owner_manager, "GET", path, NULL, 403);
    char abs_path[96];
    tc_path(abs_path, sizeof abs_path, net.tc, "/absences");
    bh_expect(&net.owner_manager, "POST", abs_path, "from=2030-01-07&to=2030-01-08&label=", 403);
    tc_path(abs_path, sizeof abs_path, net.tc, "/disponibilites");
    bh_expect(&net.owner_manager, "POST", abs_path, "availability=24%2F7", 403);
    mg_http_response rm;
    const char *headers[] = {"Cookie", web_cookie, "X-CSRF-Token", web_csrf_token, NULL};
    assert_int_equal(mg_http_dispatch_with(app->router, "GET", path, headers, NULL, NULL, 0, &rm),
                     0);
    assert_int_equal(rm.status, 404);
    mg_http_response_free(&rm);
    bh_expect(NULL, "GET", path, NULL, 303);
    bh_expect(&net.doctor, "GET", "/teleconsultants/999999999", NULL, 404);
    /* And the other doctor sees its own. */
    tc_path(path, sizeof path, net.tc2, NULL);
    r = bh_as(&net.doctor2, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    snprintf(row, sizeof row, "id=\"rdv-%lld\"", (long long)other);
    assert_non_null(strstr(bh_text(&r), row));
    assert_null(strstr(bh_text(&r), "C. C.")); /* site A shares no phone */
    mg_http_response_free(&r);
    bh_expect(&net.doctor, "GET", path, NULL, 404);
}

static void test_availability_and_absences(void **state)
{
    (void)state;
    char path[96];
    tc_path(path, sizeof path, net.tc, "/disponibilites");
    char *before = bh_dump();
    mg_http_response r = bh_as(&net.doctor, "POST", path, "availability=Lu-Ve+09%3A00-12%3A00");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(bh_text(&r), "value=\"Lu-Ve 09:00-12:00\""));
    assert_non_null(strstr(bh_text(&r), "aria-invalid"));
    mg_http_response_free(&r);
    bh_expect(&net.doctor, "POST", path, "availability=", 400);
    /* Not its own: 404, nothing changed. */
    char other[96];
    tc_path(other, sizeof other, net.tc2, "/disponibilites");
    bh_expect(&net.doctor, "POST", other, "availability=Mo-Fr+09%3A00-12%3A00", 404);
    char *after = bh_dump();
    assert_string_equal(before, after);
    free(before);
    free(after);
    bh_expect(&net.doctor, "POST", path, "availability=Mo-Fr+08%3A00-19%3A00", 303);
    mg_booking_teleconsultant t;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_teleconsultant_get(app->db, net.tc, &t, &d), 0);
    assert_string_equal(t.availability, "Mo-Fr 08:00-19:00");
    mg_booking_teleconsultant_clear(&t);
    /* The page shows it in its form. */
    tc_path(other, sizeof other, net.tc, NULL);
    r = bh_as(&net.doctor, "GET", other, NULL);
    assert_non_null(strstr(bh_text(&r), "value=\"Mo-Fr 08:00-19:00\""));
    mg_http_response_free(&r);
    bh_expect(&net.doctor, "POST", path, "availability=24%2F7", 303);

    /* Absences. */
    tc_path(path, sizeof path, net.tc, "/absences");
    char iso[11], iso2[11], body[160];
    int64_t from = bh_day(8), to_day = bh_day(9);
    bh_iso(from, iso);
    bh_iso(to_day, iso2);
    before = bh_dump();
    snprintf(body, sizeof body, "from=%s&to=31%%2F02%%2F2027&label=Cong%%C3%%A9s", iso);
    r = bh_as(&net.doctor, "POST", path, body);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(bh_text(&r), "value=\"31/02/2027\""));
    assert_non_null(strstr(bh_text(&r), "value=\"Congés\""));
    mg_http_response_free(&r);
    snprintf(body, sizeof body, "from=%s&to=%s&label=", iso2, iso);
    r = bh_as(&net.doctor, "POST", path, body);
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);
    after = bh_dump();
    assert_string_equal(before, after);
    free(before);
    free(after);
    snprintf(body, sizeof body, "from=%s&to=%s&label=Cong%%C3%%A9s", iso, iso2);
    r = bh_as(&net.doctor, "POST", path, body);
    assert_int_equal(r.status, 303);
    assert_non_null(strstr(r.location, "#absence-"));
    mg_http_response_free(&r);
    mg_booking_exception *e = NULL;
    size_t n = 0;
    assert_int_equal(mg_booking_exception_list(app->db, MG_BOOKING_RES_TELECONSULTANT, net.tc,
                                               from, &e, &n, &d),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].from, from);
    assert_int_equal(e[0].to, bh_day(10)); /* the last day included */
    assert_int_equal(e[0].reason, MG_BOOKING_ABSENCE);
    assert_string_equal(e[0].label, "Congés");
    free(e);
    /* No slot with this doctor during the absence. */
    int64_t site = net.site_a;
    mg_booking_slot_query q = {.site_ids = &site, .nsites = 1, .kind = MG_BOOKING_GP,
                               .from = from, .days = 2, .limit = 500,
                               .teleconsultant_id = net.tc};
    mg_booking_slot *s = NULL;
    assert_int_equal(mg_booking_next_slots(app->db, &q, &s, &n, &d), 0);
    for (size_t k = 0; k < n; k++)
        assert_true(s[k].start >= bh_day(10));
    free(s);

    /* « Supprimer »: on the page for its teleconsultants, as a form of its
     * own with the CSRF token; another teleconsultant's id or the other
     * doctor: 404, nothing changed; then deleted, audited, and the doctor
     * is offered again during what was the absence. */
    e = NULL;
    assert_int_equal(mg_booking_exception_list(app->db, MG_BOOKING_RES_TELECONSULTANT, net.tc,
                                               from, &e, &n, &d),
                     0);
    assert_int_equal(n, 1);
    int64_t aid = e[0].id;
    free(e);
    char field[64];
    snprintf(field, sizeof field, "name=\"supprimer\" value=\"%lld\"", (long long)aid);
    tc_path(other, sizeof other, net.tc, NULL);
    r = bh_as(&net.doctor, "GET", other, NULL);
    const char *btn = strstr(bh_text(&r), field);
    assert_non_null(btn);
    const char *form = btn;
    while (form > bh_text(&r) && strncmp(form, "<form", 5) != 0)
        form--;
    assert_non_null(strstr(form, "name=\"csrf\""));
    assert_true(strstr(form, "name=\"csrf\"") < btn);
    assert_non_null(strstr(btn, ">Supprimer</button>"));
    mg_http_response_free(&r);
    snprintf(body, sizeof body, "supprimer=%lld", (long long)aid);
    before = bh_dump();
    bh_expect(&net.doctor2, "POST", path, body, 404);
    bh_expect(&net.owner_manager, "POST", path, body, 403);
    tc_path(other, sizeof other, net.tc2, "/absences");
    bh_expect(&net.doctor2, "POST", other, body, 404); /* not tc2's absence */
    bh_expect(&net.doctor, "POST", path, "supprimer=abc", 404);
    /* Without the CSRF token: refused. */
    mg_http_response rc;
    const char *cookie_only[] = {"Cookie", net.doctor.cookie, NULL};
    assert_int_equal(mg_http_dispatch_with(app->router, "POST", path, cookie_only, BH_FORM, body,
                                           strlen(body), &rc),
                     0);
    assert_int_equal(rc.status, 403);
    mg_http_response_free(&rc);
    after = bh_dump();
    assert_string_equal(before, after);
    free(before);
    free(after);
    r = bh_as(&net.doctor, "POST", path, body);
    assert_int_equal(r.status, 303);
    assert_non_null(strstr(r.location, "#absences"));
    mg_http_response_free(&r);
    mg_booking_exception g;
    assert_int_equal(mg_booking_exception_get(app->db, aid, &g, &d), MG_ENOTFOUND);
    bh_expect(&net.doctor, "POST", path, body, 404); /* gone */
    s = NULL;
    assert_int_equal(mg_booking_next_slots(app->db, &q, &s, &n, &d), 0);
    assert_true(n > 0);
    assert_int_equal(s[0].start, from);
    free(s);
}

/* The token in the feed link of a page ("/teleconsultants/agenda.ics?jeton=TOKEN\""). */
static void token_of(const char *page, char out[64])
{
    const char *p = strstr(page, "/teleconsultants/agenda.ics?jeton=");
    assert_non_null(p);
    p += strlen("/teleconsultants/agenda.ics?jeton=");
    size_t n = 0;
    while (p[n] && p[n] != '"' && n < 63)
        n++;
    memcpy(out, p, n);
    out[n] = 0;
}

static void test_feed(void **state)
{
    (void)state;
    int64_t day = bh_day(2);
    int64_t b = bh_book(net.site_b, net.dev_b, net.tc, bh_at(day, 9 * 60), "D. D.", "06 22 33 44 10");
    char path[96];
    tc_path(path, sizeof path, net.tc, "/flux");
    /* Not its own: 404. */
    char other[96];
    tc_path(other, sizeof other, net.tc2, "/flux");
    bh_expect(&net.doctor, "POST", other, "", 404);
    mg_http_response r = bh_as(&net.doctor, "POST", path, "");
    assert_int_equal(r.status, 200);
    char token[64];
    token_of(bh_text(&r), token);
    assert_int_equal(strlen(token), 43);
    mg_http_response_free(&r);
    /* The page does not show it again. */
    tc_path(other, sizeof other, net.tc, NULL);
    r = bh_as(&net.doctor, "GET", other, NULL);
    assert_null(strstr(bh_text(&r), token));
    mg_http_response_free(&r);

    /* The feed: public, the token is the capability. */
    char feed[128];
    snprintf(feed, sizeof feed, "/teleconsultants/agenda.ics?jeton=%s", token);
    r = bh_as(NULL, "GET", feed, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(r.content_type);
    assert_non_null(strstr(r.content_type, "text/calendar"));
    assert_non_null(strstr(bh_text(&r), "BEGIN:VCALENDAR"));
    char uid[48];
    snprintf(uid, sizeof uid, "booking-%lld@", (long long)b);
    assert_non_null(strstr(bh_text(&r), uid));
    mg_http_response_free(&r);
    /* Another token of the same shape, a malformed one: 404. */
    char wrong[64];
    snprintf(wrong, sizeof wrong, "%s", token);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    snprintf(feed, sizeof feed, "/teleconsultants/agenda.ics?jeton=%s", wrong);
    bh_expect(NULL, "GET", feed, NULL, 404);
    bh_expect(NULL, "GET", "/teleconsultants/agenda.ics?jeton=abc", NULL, 404);
    /* A new link retires the old one. */
    r = bh_as(&net.doctor, "POST", path, "");
    assert_int_equal(r.status, 200);
    char token2[64];
    token_of(bh_text(&r), token2);
    mg_http_response_free(&r);
    assert_string_not_equal(token, token2);
    snprintf(feed, sizeof feed, "/teleconsultants/agenda.ics?jeton=%s", token);
    bh_expect(NULL, "GET", feed, NULL, 404);
    snprintf(feed, sizeof feed, "/teleconsultants/agenda.ics?jeton=%s", token2);
    bh_expect(NULL, "GET", feed, NULL, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_appointments_only),
        cmocka_unit_test(test_availability_and_absences),
        cmocka_unit_test(test_feed),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, web_teardown);
    int pg = test_pg_database("mg_test_web_booking_teleconsultant", web_fixture_db,
                              sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, web_teardown);
}
