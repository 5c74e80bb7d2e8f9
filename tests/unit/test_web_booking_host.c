/*
 * The host's pages of a telehealth site (web/booking_host.c) through the
 * application's router, on the demo Aude with a small network of its own
 * (booking_host_fixture.h): the day's list shows the bookings with their
 * phone numbers and never a code; a walk-in books the next free slot now;
 * the buttons change the states (and a change the states do not allow is
 * refused, nothing changed); a maintenance block lists the bookings it
 * hits, with phones, and each is cancelled from there; the next day's
 * reminder list; assistants and closures; a host of site A gets 404 on
 * every page, form and booking of site B; refused forms come back (400)
 * with what was typed, the tables and the audit trail unchanged. On
 * SQLite, then on PostgreSQL when MG_TEST_PG_URI is set.
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

static void day_path(char *out, size_t cap, int64_t site, int64_t day_start)
{
    char iso[11];
    bh_iso(day_start, iso);
    snprintf(out, cap, "/equipements/sites/%lld?jour=%s", (long long)site, iso);
}

/* The Paris local minute of the day of an instant. */
static int local_minute(int64_t t)
{
    return mg_booking_local(t).minute;
}

static void test_day_lists_bookings_with_phones(void **state)
{
    (void)state;
    int64_t tomorrow = bh_day(1);
    int64_t b1 = bh_book(net.site_a, net.dev_a, net.tc, bh_at(tomorrow, 10 * 60), "A. B.",
                         "06 12 34 56 01");
    int64_t b2 = bh_book(net.site_a, net.dev_a, net.tc2, bh_at(tomorrow, 14 * 60 + 20), "C. D.",
                         "06 12 34 56 02");
    int64_t other = bh_book(net.site_b, net.dev_b, net.tc2, bh_at(tomorrow, 10 * 60), "E. F.",
                            "06 12 34 56 03");
    char path[160], row[32];
    day_path(path, sizeof path, net.site_a, tomorrow);
    mg_http_response r = bh_as(&net.host_a, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    const char *t = bh_text(&r);
    /* Both bookings of A, by time, with persons and phones; B's not. */
    const char *p1 = strstr(t, "06 12 34 56 01"), *p2 = strstr(t, "06 12 34 56 02");
    assert_non_null(p1);
    assert_non_null(p2);
    assert_true(p1 < p2);
    assert_non_null(strstr(t, "A. B."));
    assert_non_null(strstr(t, "tel:+33612345601"));
    assert_non_null(strstr(t, "10 h 00"));
    assert_non_null(strstr(t, "14 h 20"));
    assert_null(strstr(t, "06 12 34 56 03"));
    assert_null(strstr(t, "E. F."));
    snprintf(row, sizeof row, "id=\"rdv-%lld\"", (long long)b1);
    assert_non_null(strstr(t, row));
    snprintf(row, sizeof row, "id=\"rdv-%lld\"", (long long)other);
    assert_null(strstr(t, row));
    /* The state buttons of a booked booking. */
    assert_non_null(strstr(t, ">Arrivé</button>"));
    assert_non_null(strstr(t, ">Absent</button>"));
    assert_non_null(strstr(t, ">Annuler</button>"));
    /* Links to the days around, and the reminders. */
    assert_non_null(strstr(t, "rel=\"prev\""));
    assert_non_null(strstr(t, "rel=\"next\""));
    assert_non_null(strstr(t, "/rappels"));
    mg_http_response_free(&r);
    (void)b2;

    /* The entry lists the site for its host. */
    r = bh_as(&net.host_a, "GET", "/equipements", NULL);
    assert_int_equal(r.status, 200);
    snprintf(path, sizeof path, "href=\"/equipements/sites/%lld\"", (long long)net.site_a);
    assert_non_null(strstr(bh_text(&r), path));
    snprintf(path, sizeof path, "href=\"/equipements/sites/%lld\"", (long long)net.site_b);
    assert_null(strstr(bh_text(&r), path));
    mg_http_response_free(&r);
    /* The owner's manager: its network, not the sites' days. */
    r = bh_as(&net.owner_manager, "GET", "/equipements", NULL);
    assert_int_equal(r.status, 200);
    snprintf(path, sizeof path, "href=\"/equipements/reseau/%lld\"", (long long)net.owner);
    assert_non_null(strstr(bh_text(&r), path));
    mg_http_response_free(&r);
    day_path(path, sizeof path, net.site_a, tomorrow);
    bh_expect(&net.owner_manager, "GET", path, NULL, 403);
    /* A manager of an organisation without a network: where to start one. */
    r.status = 0;
    assert_int_equal(web_request("GET", "/equipements", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    snprintf(path, sizeof path, "href=\"/equipements/reseau/%lld\"", (long long)web_org_id);
    assert_non_null(strstr(bh_text(&r), path));
    mg_http_response_free(&r);
    /* A host: not there. */
    r = bh_as(&net.host_a, "GET", "/equipements", NULL);
    assert_null(strstr(bh_text(&r), "/equipements/reseau/"));
    mg_http_response_free(&r);
    /* A teleconsultant: its own page linked. */
    r = bh_as(&net.doctor, "GET", "/equipements", NULL);
    assert_int_equal(r.status, 200);
    snprintf(path, sizeof path, "href=\"/teleconsultants/%lld\"", (long long)net.tc);
    assert_non_null(strstr(bh_text(&r), path));
    snprintf(path, sizeof path, "href=\"/teleconsultants/%lld\"", (long long)net.tc2);
    assert_null(strstr(bh_text(&r), path));
    mg_http_response_free(&r);
    /* Anonymous: the log-in page. */
    bh_expect(NULL, "GET", "/equipements", NULL, 303);

    /* A day that is not a date. */
    snprintf(path, sizeof path, "/equipements/sites/%lld?jour=2026-02-30", (long long)net.site_a);
    bh_expect(&net.host_a, "GET", path, NULL, 400);
}

static void test_walk_in_books_now(void **state)
{
    (void)state;
    int64_t now = mg_booking_now();
    /* After 23:40, the last 20-minute step of the day, the next slot is
     * tomorrow's: no walk-in (400). Around it, either answer may come. */
    bool late = local_minute(now) >= 23 * 60 + 39;
    char path[160];
    snprintf(path, sizeof path, "/equipements/sites/%lld/sur-place", (long long)net.site_a);
    mg_http_response r = bh_as(&net.host_a, "POST", path,
                               "person=G.+H.&phone=06+12+34+56+10&kind=gp");
    if (late) {
        assert_true(r.status == 400 || r.status == 303);
        mg_http_response_free(&r);
        return;
    }
    assert_int_equal(r.status, 303);
    const char *rec = strstr(r.location, "recu=");
    assert_non_null(rec);
    int64_t id = 0;
    for (const char *p = rec + 5; *p >= '0' && *p <= '9'; p++)
        id = id * 10 + (*p - '0');
    assert_true(id > 0);
    /* The page, as a browser asks for it (without the fragment). */
    char location[512];
    snprintf(location, sizeof location, "%s", r.location);
    char *hash = strchr(location, '#');
    if (hash)
        *hash = 0;
    mg_http_response_free(&r);
    mg_booking b = bh_get(id);
    assert_true(b.walk_in);
    assert_int_equal(b.site_id, net.site_a);
    assert_int_equal(b.state, MG_BOOKING_BOOKED);
    assert_string_equal(b.phone, "+33612345610");
    /* Now: the first 20-minute step of the Paris day at or after this
     * minute (the site and both doctors are free 24/7; nothing else is
     * booked today). */
    int64_t now2 = mg_booking_now();
    int64_t expect = now;
    while (local_minute(expect) % 20 != 0)
        expect++;
    assert_true(b.start == expect || (now2 != now && b.start >= expect && b.start <= now2 + 20));
    assert_int_equal(b.end - b.start, 20);
    /* The day's page says so. */
    r = bh_as(&net.host_a, "GET", location, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(bh_text(&r), "Rendez-vous enregistré pour G. H."));
    assert_non_null(strstr(bh_text(&r), "sur place"));
    mg_http_response_free(&r);

    /* Refused: a phone number that is not one; what was typed comes back,
     * nothing written. */
    char *before = bh_dump();
    r = bh_as(&net.host_a, "POST", path, "person=I.+J.&phone=12&kind=gp");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(bh_text(&r), "value=\"I. J.\""));
    assert_non_null(strstr(bh_text(&r), "value=\"12\""));
    assert_non_null(strstr(bh_text(&r), "aria-invalid"));
    mg_http_response_free(&r);
    r = bh_as(&net.host_a, "POST", path, "person=&phone=06+12+34+56+11&kind=gp");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(bh_text(&r), "value=\"06 12 34 56 11\""));
    mg_http_response_free(&r);
    r = bh_as(&net.host_a, "POST", path, "person=K.+L.&phone=06+12+34+56+12&kind=autre");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(bh_text(&r), "value=\"K. L.\""));
    mg_http_response_free(&r);
    char *after = bh_dump();
    assert_string_equal(before, after);
    free(before);
    free(after);
}

/* The day's free slots of today start after now: none already begun. */
static void test_free_slots_not_past(void **state)
{
    (void)state;
    int64_t before = mg_booking_now();
    char path[160];
    day_path(path, sizeof path, net.site_a, bh_day(0));
    mg_http_response r = bh_as(&net.host_a, "GET", path, NULL);
    int64_t after = mg_booking_now();
    assert_int_equal(r.status, 200);
    if (bh_day(0) != mg_booking_day_start(mg_booking_local(before).year,
                                          mg_booking_local(before).month,
                                          mg_booking_local(before).day)) {
        mg_http_response_free(&r); /* the day changed meanwhile */
        return;
    }
    const char *t = strstr(bh_text(&r), "id=\"creneaux-0\"");
    assert_non_null(t);
    const char *end = strstr(t, "</p>");
    assert_non_null(end);
    int low = local_minute(before), seen = 0;
    /* "9 h 20" (the spaces may be no-break ones): digits, a space, "h", a
     * space, two digits. */
    for (const char *p = t; p < end; p++) {
        if (*p < '0' || *p > '9' || (p[-1] >= '0' && p[-1] <= '9'))
            continue;
        int hh = 0;
        const char *q = p;
        while (*q >= '0' && *q <= '9')
            hh = hh * 10 + (*q++ - '0');
        size_t sp = *q == ' ' ? 1 : (unsigned char)q[0] == 0xc2 && (unsigned char)q[1] == 0xa0 ? 2 : 0;
        if (!sp || q[sp] != 'h')
            continue;
        q += sp + 1;
        sp = *q == ' ' ? 1 : (unsigned char)q[0] == 0xc2 && (unsigned char)q[1] == 0xa0 ? 2 : 0;
        if (!sp || q[sp] < '0' || q[sp] > '9')
            continue;
        q += sp;
        int m = hh * 60 + (q[0] - '0') * 10 + (q[1] - '0');
        if (local_minute(after) >= low) /* not across midnight */
            assert_true(m > low);
        seen++;
        p = q + 1;
    }
    /* The site is open 24/7 with 20-minute slots: some are listed unless
     * the day is nearly over. */
    if (low < 23 * 60)
        assert_true(seen > 0);
    mg_http_response_free(&r);
}

static void test_states(void **state)
{
    (void)state;
    int64_t day = bh_day(2);
    int64_t b1 = bh_book(net.site_a, net.dev_a, net.tc, bh_at(day, 9 * 60), "M. N.", "06 12 34 56 20");
    int64_t b2 = bh_book(net.site_a, net.dev_a, net.tc, bh_at(day, 9 * 60 + 40), "O. P.",
                         "06 12 34 56 21");
    char path[128];
    snprintf(path, sizeof path, "/equipements/rendez-vous/%lld/etat", (long long)b1);
    mg_http_response r = bh_as(&net.host_a, "POST", path, "etat=arrived");
    assert_int_equal(r.status, 303);
    char rdv[32];
    snprintf(rdv, sizeof rdv, "#rdv-%lld", (long long)b1);
    assert_non_null(strstr(r.location, rdv));
    mg_http_response_free(&r);
    assert_int_equal(bh_get(b1).state, MG_BOOKING_ARRIVED);
    bh_expect(&net.host_a, "POST", path, "etat=done", 303);
    assert_int_equal(bh_get(b1).state, MG_BOOKING_DONE);
    /* Done is final: refused, nothing changed. */
    char *before = bh_dump();
    r = bh_as(&net.host_a, "POST", path, "etat=arrived");
    assert_int_equal(r.status, 409);
    assert_non_null(strstr(bh_text(&r), "Terminé"));
    mg_http_response_free(&r);
    bh_expect(&net.host_a, "POST", path, "etat=inconnu", 400);
    bh_expect(&net.host_a, "POST", path, "", 400);
    char *after = bh_dump();
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(bh_get(b1).state, MG_BOOKING_DONE);

    /* Absent, then arrived late after all. */
    snprintf(path, sizeof path, "/equipements/rendez-vous/%lld/etat", (long long)b2);
    bh_expect(&net.host_a, "POST", path, "etat=no_show", 303);
    assert_int_equal(bh_get(b2).state, MG_BOOKING_NO_SHOW);
    bh_expect(&net.host_a, "POST", path, "etat=arrived", 303);
    assert_int_equal(bh_get(b2).state, MG_BOOKING_ARRIVED);
    /* The day's page shows the states. */
    char page[160];
    day_path(page, sizeof page, net.site_a, day);
    r = bh_as(&net.host_a, "GET", page, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(bh_text(&r), ">Terminé</button>"));
    mg_http_response_free(&r);
    /* Cancelled: the slot is free at once for someone else. */
    int64_t b3 = bh_book(net.site_a, net.dev_a, net.tc, bh_at(day, 11 * 60), "Q. R.", "06 12 34 56 22");
    snprintf(path, sizeof path, "/equipements/rendez-vous/%lld/etat", (long long)b3);
    bh_expect(&net.host_a, "POST", path, "etat=cancelled", 303);
    assert_int_equal(bh_get(b3).state, MG_BOOKING_CANCELLED);
    int64_t b4 = bh_book(net.site_a, net.dev_a, net.tc, bh_at(day, 11 * 60), "S. T.", "06 12 34 56 23");
    assert_true(b4 > 0);
}

static void test_maintenance_lists_affected(void **state)
{
    (void)state;
    int64_t day = bh_day(3);
    int64_t hit = bh_book(net.site_a, net.dev_a, net.tc, bh_at(day, 10 * 60), "U. V.",
                          "06 12 34 56 30");
    int64_t spared = bh_book(net.site_a, net.dev_a, net.tc, bh_at(day, 15 * 60), "W. X.",
                             "06 12 34 56 31");
    char iso[11], path[128], body[160];
    bh_iso(day, iso);
    snprintf(path, sizeof path, "/equipements/appareils/%lld/maintenance", (long long)net.dev_a);
    bh_expect(&net.host_a, "GET", path, NULL, 200);

    /* Refused: the end before the start; typed text kept, nothing written. */
    char *before = bh_dump();
    snprintf(body, sizeof body, "from=%sT12%%3A00&to=%sT09%%3A00&label=R%%C3%%A9vision", iso,
             iso);
    mg_http_response r = bh_as(&net.host_a, "POST", path, body);
    assert_int_equal(r.status, 400);
    char typed[64];
    snprintf(typed, sizeof typed, "value=\"%sT12:00\"", iso);
    assert_non_null(strstr(bh_text(&r), typed));
    assert_non_null(strstr(bh_text(&r), "value=\"Révision\""));
    mg_http_response_free(&r);
    r = bh_as(&net.host_a, "POST", path, "from=demain&to=&label=");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(bh_text(&r), "value=\"demain\""));
    mg_http_response_free(&r);
    char *after = bh_dump();
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* 9:00-12:00 hits the 10:00 booking, not the 15:00 one. */
    snprintf(body, sizeof body, "from=%sT09%%3A00&to=%sT12%%3A00&label=R%%C3%%A9vision", iso,
             iso);
    r = bh_as(&net.host_a, "POST", path, body);
    assert_int_equal(r.status, 303);
    assert_non_null(strstr(r.location, "#bloc-"));
    mg_http_response_free(&r);
    r = bh_as(&net.host_a, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    const char *t = bh_text(&r);
    assert_non_null(strstr(t, "Révision"));
    assert_non_null(strstr(t, "06 12 34 56 30"));
    assert_non_null(strstr(t, "U. V."));
    assert_null(strstr(t, "06 12 34 56 31"));
    assert_non_null(strstr(t, "name=\"retour\" value=\"maintenance\""));
    mg_http_response_free(&r);
    /* Not cancelled by the block itself. */
    assert_int_equal(bh_get(hit).state, MG_BOOKING_BOOKED);
    /* No new booking in the block. */
    char phone[] = "06 12 34 56 32", address[] = "192.0.2.251";
    mg_booking_input in = {.site_id = net.site_a, .device_id = net.dev_a,
                           .teleconsultant_id = net.tc2, .kind = MG_BOOKING_GP,
                           .start = bh_at(day, 11 * 60), .person = "Y. Z.", .phone = phone,
                           .address = address, .now_s = (int64_t)time(NULL)};
    mg_booking_result res;
    memset(&res, 0, sizeof res);
    mg_booking_errors errs = {0};
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_book(app->db, 0, &in, &res, &errs, &d), MG_EINVAL);
    /* Told, then cancelled from the maintenance page: back to it. */
    snprintf(path, sizeof path, "/equipements/rendez-vous/%lld/etat", (long long)hit);
    r = bh_as(&net.host_a, "POST", path, "etat=cancelled&retour=maintenance");
    assert_int_equal(r.status, 303);
    assert_non_null(strstr(r.location, "/maintenance"));
    mg_http_response_free(&r);
    assert_int_equal(bh_get(hit).state, MG_BOOKING_CANCELLED);
    assert_int_equal(bh_get(spared).state, MG_BOOKING_BOOKED);
    snprintf(path, sizeof path, "/equipements/appareils/%lld/maintenance", (long long)net.dev_a);
    r = bh_as(&net.host_a, "GET", path, NULL);
    assert_null(strstr(bh_text(&r), "06 12 34 56 30"));
    mg_http_response_free(&r);
}

static void test_reminders(void **state)
{
    (void)state;
    int64_t tomorrow = bh_day(1);
    int64_t b = bh_book(net.site_b, net.dev_b, net.tc2, bh_at(tomorrow, 16 * 60), "A. C.",
                        "07 12 34 56 40");
    char path[128];
    snprintf(path, sizeof path, "/equipements/sites/%lld/rappels", (long long)net.site_b);
    mg_http_response r = bh_as(&net.host_b, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(bh_text(&r), "07 12 34 56 40"));
    assert_non_null(strstr(bh_text(&r), "A. C."));
    assert_non_null(strstr(bh_text(&r), "16 h 00"));
    mg_http_response_free(&r);
    /* Cancelled: no reminder. */
    char st[128];
    snprintf(st, sizeof st, "/equipements/rendez-vous/%lld/etat", (long long)b);
    bh_expect(&net.host_b, "POST", st, "etat=cancelled", 303);
    r = bh_as(&net.host_b, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(bh_text(&r), "07 12 34 56 40"));
    mg_http_response_free(&r);
    /* Another day, chosen. */
    char iso[11];
    bh_iso(bh_day(2), iso);
    snprintf(path, sizeof path, "/equipements/sites/%lld/rappels?jour=%s", (long long)net.site_b,
             iso);
    bh_expect(&net.host_b, "GET", path, NULL, 200);
}

static void test_assistants_and_closures(void **state)
{
    (void)state;
    char path[128], page[160];
    snprintf(path, sizeof path, "/equipements/sites/%lld/assistants", (long long)net.site_a);
    day_path(page, sizeof page, net.site_a, bh_day(0));
    /* Refused availability: typed kept, the parser's sentence beside it. */
    char *before = bh_dump();
    mg_http_response r = bh_as(&net.host_a, "POST", path,
                               "label=Pharmacien&availability=Lu-Ve+09%3A00-12%3A00&active=1");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(bh_text(&r), "value=\"Lu-Ve 09:00-12:00\""));
    assert_non_null(strstr(bh_text(&r), "value=\"Pharmacien\""));
    assert_non_null(strstr(bh_text(&r), "aria-invalid"));
    mg_http_response_free(&r);
    char *after = bh_dump();
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* Added. */
    r = bh_as(&net.host_a, "POST", path,
              "label=Pharmacien&availability=Mo-Fr+09%3A00-12%3A00&active=1");
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    mg_booking_assistant *a = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_assistant_list(app->db, net.site_a, &a, &n, &d), 0);
    assert_int_equal(n, 1);
    int64_t aid = a[0].id;
    assert_string_equal(a[0].label, "Pharmacien");
    mg_booking_assistants_free(a, n);
    r = bh_as(&net.host_a, "GET", page, NULL);
    assert_non_null(strstr(bh_text(&r), "value=\"Mo-Fr 09:00-12:00\""));
    mg_http_response_free(&r);
    /* Changed. */
    snprintf(path, sizeof path, "/equipements/sites/%lld/assistants/%lld", (long long)net.site_a,
             (long long)aid);
    bh_expect(&net.host_a, "POST", path,
              "label=Infirmi%C3%A8re&availability=Mo-Sa+08%3A00-18%3A00&active=0", 303);
    assert_int_equal(mg_booking_assistant_list(app->db, net.site_a, &a, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_string_equal(a[0].label, "Infirmière");
    assert_string_equal(a[0].availability, "Mo-Sa 08:00-18:00");
    assert_false(a[0].active);
    mg_booking_assistants_free(a, n);
    /* Another site's assistant id under A: 404; by B's host: 404. */
    snprintf(path, sizeof path, "/equipements/sites/%lld/assistants/%lld", (long long)net.site_b,
             (long long)aid);
    bh_expect(&net.host_b, "POST", path, "label=X&availability=24%2F7&active=1", 404);
    bh_expect(&net.host_a, "POST", path, "label=X&availability=24%2F7&active=1", 404);

    /* A closure over whole days. */
    int64_t day = bh_day(5);
    int64_t hit = bh_book(net.site_a, net.dev_a, net.tc, bh_at(day, 8 * 60), "B. D.",
                          "06 12 34 56 50");
    char iso[11], body[128];
    bh_iso(day, iso);
    snprintf(path, sizeof path, "/equipements/sites/%lld/fermetures", (long long)net.site_a);
    before = bh_dump();
    snprintf(body, sizeof body, "from=%s&to=2020-01-01&label=Inventaire", iso);
    r = bh_as(&net.host_a, "POST", path, body);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(bh_text(&r), "value=\"2020-01-01\""));
    assert_non_null(strstr(bh_text(&r), "value=\"Inventaire\""));
    mg_http_response_free(&r);
    after = bh_dump();
    assert_string_equal(before, after);
    free(before);
    free(after);
    snprintf(body, sizeof body, "from=%s&to=%s&label=Inventaire", iso, iso);
    r = bh_as(&net.host_a, "POST", path, body);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    mg_booking_exception *e = NULL;
    assert_int_equal(mg_booking_exception_list(app->db, MG_BOOKING_RES_SITE, net.site_a, day, &e,
                                               &n, &d),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].from, day);
    assert_int_equal(e[0].to, bh_day(6));
    assert_int_equal(e[0].reason, MG_BOOKING_CLOSURE);
    free(e);
    /* The day's page lists the booking the closure hits, with its phone. */
    r = bh_as(&net.host_a, "GET", page, NULL);
    assert_non_null(strstr(bh_text(&r), "Inventaire"));
    assert_non_null(strstr(bh_text(&r), "06 12 34 56 50"));
    mg_http_response_free(&r);
    (void)hit;
}

/* The id in `name="supprimer" value="ID"` of the form whose button says
 * `aria` (0 when none), and that this form carries the CSRF token. */
static int64_t delete_id(const char *page, const char *aria)
{
    const char *btn = strstr(page, aria);
    if (!btn)
        return 0;
    const char *form = btn;
    while (form > page && strncmp(form, "<form", 5) != 0)
        form--;
    const char *csrf = strstr(form, "name=\"csrf\"");
    assert_true(csrf && csrf < btn);
    const char *v = strstr(form, "name=\"supprimer\" value=\"");
    assert_true(v && v < btn);
    int64_t id = 0;
    for (v += strlen("name=\"supprimer\" value=\""); *v >= '0' && *v <= '9'; v++)
        id = id * 10 + (*v - '0');
    return id;
}

static void test_exceptions_deleted(void **state)
{
    (void)state;
    /* A maintenance block in two days, 15:00-17:00: the device's next free
     * slot from 15:00 is at 17:00; « Supprimer » on the maintenance page
     * frees it at once (15:00 again), audited. */
    int64_t day = bh_day(2), at15 = bh_at(day, 15 * 60), at17 = bh_at(day, 17 * 60);
    char path[160], body[160], from[24], to[24], iso[11];
    bh_iso(day, iso);
    snprintf(from, sizeof from, "%sT15%%3A00", iso);
    snprintf(to, sizeof to, "%sT17%%3A00", iso);
    snprintf(path, sizeof path, "/equipements/appareils/%lld/maintenance", (long long)net.dev_b);
    snprintf(body, sizeof body, "from=%s&to=%s&label=R%%C3%%A9vision", from, to);
    bh_expect(&net.host_b, "POST", path, body, 303);
    int64_t site = net.site_b;
    mg_booking_slot_query q = {.site_ids = &site, .nsites = 1, .kind = MG_BOOKING_GP,
                               .from = at15, .days = 1, .limit = 1, .device_id = net.dev_b};
    mg_booking_slot *s = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_next_slots(app->db, &q, &s, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(s[0].start, at17);
    free(s);
    mg_http_response r = bh_as(&net.host_b, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    int64_t bid = delete_id(bh_text(&r), "aria-label=\"Supprimer : Blocage du ");
    assert_true(bid > 0);
    mg_http_response_free(&r);
    /* Not by A's host (404), nor under A's device (404: not its block),
     * nor without the CSRF token (403): nothing changed. */
    snprintf(body, sizeof body, "supprimer=%lld", (long long)bid);
    char *before = bh_dump();
    bh_expect(&net.host_a, "POST", path, body, 404);
    char path_a[160];
    snprintf(path_a, sizeof path_a, "/equipements/appareils/%lld/maintenance", (long long)net.dev_a);
    bh_expect(&net.host_a, "POST", path_a, body, 404);
    bh_expect(&net.owner_manager, "POST", path, body, 403);
    mg_http_response rc;
    const char *cookie_only[] = {"Cookie", net.host_b.cookie, NULL};
    assert_int_equal(mg_http_dispatch_with(app->router, "POST", path, cookie_only, BH_FORM, body,
                                           strlen(body), &rc),
                     0);
    assert_int_equal(rc.status, 403);
    mg_http_response_free(&rc);
    char *after = bh_dump();
    assert_string_equal(before, after);
    free(before);
    free(after);
    r = bh_as(&net.host_b, "POST", path, body);
    assert_int_equal(r.status, 303);
    assert_non_null(strstr(r.location, "/maintenance"));
    mg_http_response_free(&r);
    mg_booking_exception g;
    assert_int_equal(mg_booking_exception_get(app->db, bid, &g, &d), MG_ENOTFOUND);
    assert_int_equal(mg_booking_next_slots(app->db, &q, &s, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(s[0].start, at15);
    free(s);
    after = bh_dump();
    char entry[64];
    snprintf(entry, sizeof entry, "|booking_exception|%lld|delete|", (long long)bid);
    assert_non_null(strstr(after, entry));
    free(after);
    bh_expect(&net.host_b, "POST", path, body, 404); /* gone */

    /* A closure of site B in ten days: listed on the day's page with its
     * « Supprimer » for the host; deleted, the site open again. */
    int64_t cday = bh_day(10);
    bh_iso(cday, iso);
    snprintf(path, sizeof path, "/equipements/sites/%lld/fermetures", (long long)net.site_b);
    snprintf(body, sizeof body, "from=%s&to=%s&label=Inventaire", iso, iso);
    bh_expect(&net.host_b, "POST", path, body, 303);
    char page[160];
    day_path(page, sizeof page, net.site_b, bh_day(0));
    r = bh_as(&net.host_b, "GET", page, NULL);
    int64_t cid = delete_id(bh_text(&r), "aria-label=\"Supprimer : Fermeture du ");
    assert_true(cid > 0);
    mg_http_response_free(&r);
    q.from = cday;
    q.device_id = 0;
    assert_int_equal(mg_booking_next_slots(app->db, &q, &s, &n, &d), 0);
    assert_true(n == 0 || s[0].start >= bh_day(11));
    free(s);
    snprintf(body, sizeof body, "supprimer=%lld", (long long)cid);
    bh_expect(&net.host_a, "POST", path, body, 404);
    bh_expect(&net.host_b, "POST", path, body, 303);
    assert_int_equal(mg_booking_exception_get(app->db, cid, &g, &d), MG_ENOTFOUND);
    assert_int_equal(mg_booking_next_slots(app->db, &q, &s, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(s[0].start, cday);
    free(s);
    r = bh_as(&net.host_b, "GET", page, NULL);
    assert_null(strstr(bh_text(&r), "Supprimer : Fermeture du "));
    mg_http_response_free(&r);
}

static void test_other_site_is_hidden(void **state)
{
    (void)state;
    int64_t day = bh_day(4);
    int64_t b = bh_book(net.site_b, net.dev_b, net.tc, bh_at(day, 10 * 60), "C. E.", "06 12 34 56 60");
    char path[160];
    char *before = bh_dump();
    day_path(path, sizeof path, net.site_b, day);
    bh_expect(&net.host_a, "GET", path, NULL, 404);
    snprintf(path, sizeof path, "/equipements/sites/%lld/rappels", (long long)net.site_b);
    bh_expect(&net.host_a, "GET", path, NULL, 404);
    snprintf(path, sizeof path, "/equipements/sites/%lld/sur-place", (long long)net.site_b);
    bh_expect(&net.host_a, "POST", path, "person=F.+G.&phone=0612345661&kind=gp", 404);
    snprintf(path, sizeof path, "/equipements/sites/%lld/assistants", (long long)net.site_b);
    bh_expect(&net.host_a, "POST", path, "label=X&availability=24%2F7&active=1", 404);
    snprintf(path, sizeof path, "/equipements/sites/%lld/fermetures", (long long)net.site_b);
    bh_expect(&net.host_a, "POST", path, "from=2030-01-01&to=2030-01-02&label=", 404);
    snprintf(path, sizeof path, "/equipements/rendez-vous/%lld/etat", (long long)b);
    mg_http_response r = bh_as(&net.host_a, "POST", path, "etat=cancelled");
    assert_int_equal(r.status, 404);
    /* The words of a booking that does not exist. */
    mg_http_response r2 = bh_as(&net.host_a, "POST", "/equipements/rendez-vous/999999999/etat",
                                "etat=cancelled");
    assert_int_equal(r2.status, 404);
    assert_non_null(strstr(bh_text(&r), "Ce rendez-vous n&#39;existe pas."));
    assert_non_null(strstr(bh_text(&r2), "Ce rendez-vous n&#39;existe pas."));
    mg_http_response_free(&r);
    mg_http_response_free(&r2);
    snprintf(path, sizeof path, "/equipements/appareils/%lld/maintenance", (long long)net.dev_b);
    bh_expect(&net.host_a, "GET", path, NULL, 404);
    bh_expect(&net.host_a, "POST", path, "from=2030-01-01T09%3A00&to=2030-01-01T10%3A00", 404);
    /* A teleconsultant serving the site does not see its day either. */
    day_path(path, sizeof path, net.site_b, day);
    bh_expect(&net.doctor, "GET", path, NULL, 404);
    /* Anonymous: the log-in page; a POST without session 401. */
    bh_expect(NULL, "GET", path, NULL, 303);
    char *after = bh_dump();
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(bh_get(b).state, MG_BOOKING_BOOKED);
    /* Its own host sees it. */
    bh_expect(&net.host_b, "GET", path, NULL, 200);
    /* Unknown ids: 404. */
    bh_expect(&net.host_a, "GET", "/equipements/sites/999999999", NULL, 404);
    bh_expect(&net.host_a, "GET", "/equipements/sites/07", NULL, 404);
    bh_expect(&net.host_a, "GET", "/equipements/appareils/999999999/maintenance", NULL, 404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_day_lists_bookings_with_phones),
        cmocka_unit_test(test_walk_in_books_now),
        cmocka_unit_test(test_free_slots_not_past),
        cmocka_unit_test(test_states),
        cmocka_unit_test(test_maintenance_lists_affected),
        cmocka_unit_test(test_reminders),
        cmocka_unit_test(test_assistants_and_closures),
        cmocka_unit_test(test_exceptions_deleted),
        cmocka_unit_test(test_other_site_is_hidden),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, web_teardown);
    int pg = test_pg_database("mg_test_web_booking_host", web_fixture_db,
                              sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, web_teardown);
}
