/*
 * The booking JSON API (web/api_booking.c) through the app's router, on
 * SQLite and PostgreSQL (booking_public_fixture.h): slots near a commune,
 * a public booking and its code, the slot gone for the next one (409), the
 * lookup and the cancel by code, the slot free again; refused bodies name
 * their field and change nothing; who may list which bookings (a host its
 * site's with phone numbers, another site's host nothing, a teleconsultant
 * its own without the phone unless the site shares it, the public nothing).
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

#include "booking_public_fixture.h"
#include "pg_fixture.h"
#include "testutil.h"
#include "web/booking_web.h"

#define JSON "application/json"

static json_t *parse(const mg_http_response *r)
{
    json_error_t e;
    json_t *doc = json_loads(bp_text(r), 0, &e);
    if (!doc)
        fail_msg("not JSON (%d): %.300s", r->status, bp_text(r));
    return doc;
}

static int setup(void **state)
{
    (void)state;
    return bp_setup("webapibooking");
}

/* The slots of site k (GET /api/v1/slots?site=), as a new JSON array. */
static json_t *slots_of(int k)
{
    char target[96];
    snprintf(target, sizeof target, "/api/v1/slots?site=%lld&limit=100", (long long)bp_site[k]);
    mg_http_response r = bp_request(&bp_anon, "GET", target, NULL, NULL);
    assert_int_equal(r.status, 200);
    json_t *doc = parse(&r);
    mg_http_response_free(&r);
    json_t *arr = json_incref(json_object_get(doc, "slots"));
    json_decref(doc);
    assert_non_null(arr);
    return arr;
}

static bool has_start(const json_t *slots, const char *start_utc)
{
    size_t i;
    json_t *v;
    json_array_foreach(slots, i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "start_utc")), start_utc) == 0)
            return true;
    }
    return false;
}

static void body_of(char *out, size_t cap, const json_t *slot, const char *phone,
                    const char *person)
{
    snprintf(out, cap,
             "{\"site_id\": %lld, \"device_id\": %lld, \"teleconsultant_id\": %lld, "
             "\"kind\": \"gp\", \"start\": \"%s\", \"person\": \"%s\", \"phone\": \"%s\"}",
             (long long)json_integer_value(json_object_get(slot, "site_id")),
             (long long)json_integer_value(json_object_get(slot, "device_id")),
             (long long)json_integer_value(json_object_get(slot, "teleconsultant_id")),
             json_string_value(json_object_get(slot, "start")), person, phone);
}

static void test_story(void **state)
{
    (void)state;
    const mg_territory *t = mg_app_profession_get(app, NULL)->g->t;
    char target[160], body[600];

    /* Slots near A's commune: A is within reach at 0 minutes; every slot is
     * at a site within reach, in time order, after now. */
    snprintf(target, sizeof target, "/api/v1/slots?commune=%s&limit=40",
             t->code[bp_commune[BP_A]]);
    mg_http_response r = bp_request(&bp_anon, "GET", target, NULL, NULL);
    assert_int_equal(r.status, 200);
    json_t *doc = parse(&r);
    mg_http_response_free(&r);
    json_t *sites = json_object_get(doc, "sites");
    bool a_near = false;
    size_t i;
    json_t *v;
    json_array_foreach(sites, i, v)
    {
        if (json_integer_value(json_object_get(v, "site_id")) == bp_site[BP_A]) {
            a_near = true;
            assert_true(json_real_value(json_object_get(v, "minutes")) == 0.0);
        }
    }
    assert_true(a_near);
    json_t *slots = json_object_get(doc, "slots");
    assert_true(json_array_size(slots) > 0);
    char prev[32] = "";
    char now_utc[21];
    mg_booking_format_utc(mg_booking_now(), now_utc);
    json_array_foreach(slots, i, v)
    {
        const char *s = json_string_value(json_object_get(v, "start_utc"));
        int64_t site = json_integer_value(json_object_get(v, "site_id"));
        bool within = false;
        size_t j;
        json_t *w;
        json_array_foreach(sites, j, w)
        {
            within |= json_integer_value(json_object_get(w, "site_id")) == site;
        }
        assert_true(within);
        assert_true(strcmp(s, now_utc) > 0);
        assert_true(strcmp(prev, s) <= 0);
        snprintf(prev, sizeof prev, "%s", s);
    }
    json_decref(doc);

    /* The first slot of A. */
    json_t *before = slots_of(BP_A);
    assert_true(json_array_size(before) > 0);
    json_t *slot = json_incref(json_array_get(before, 0));
    char start_utc[32];
    snprintf(start_utc, sizeof start_utc, "%s",
             json_string_value(json_object_get(slot, "start_utc")));
    json_decref(before);

    /* Refused: a bad phone number, an unknown member; nothing booked. */
    size_t active0 = bp_active(BP_A);
    body_of(body, sizeof body, slot, "12", "A. B.");
    r = bp_request(&bp_anon, "POST", "/api/v1/bookings", JSON, body);
    assert_int_equal(r.status, 400);
    doc = parse(&r);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "error"),
                                                           "field")),
                        "phone");
    json_decref(doc);
    mg_http_response_free(&r);
    r = bp_request(&bp_anon, "POST", "/api/v1/bookings", JSON,
                   "{\"site_id\": 1, \"motif\": \"toux\"}");
    assert_int_equal(r.status, 400);
    assert_true(bp_has(&r, "motif"));
    mg_http_response_free(&r);
    /* Not JSON: 415. */
    r = bp_request(&bp_anon, "POST", "/api/v1/bookings", "application/x-www-form-urlencoded",
                   "site_id=1");
    assert_int_equal(r.status, 415);
    mg_http_response_free(&r);
    assert_int_equal(bp_active(BP_A), active0);

    /* Booked: 201 with a code, once. */
    body_of(body, sizeof body, slot, "06 12 34 56 78", "A. B.");
    r = bp_request(&bp_anon, "POST", "/api/v1/bookings", JSON, body);
    assert_int_equal(r.status, 201);
    doc = parse(&r);
    mg_http_response_free(&r);
    char code[MG_BOOKING_CODE_SIZE + 8];
    snprintf(code, sizeof code, "%s", json_string_value(json_object_get(doc, "code")));
    assert_int_equal(strlen(code), MG_BOOKING_CODE_SIZE - 1);
    assert_string_equal(json_string_value(json_object_get(doc, "start_utc")), start_utc);
    assert_null(json_object_get(doc, "phone"));
    json_decref(doc);
    assert_int_equal(bp_active(BP_A), active0 + 1);

    /* The slot is gone: not offered, and booking it again is a 409 with
     * fresh slots. */
    json_t *after = slots_of(BP_A);
    assert_false(has_start(after, start_utc));
    json_decref(after);
    body_of(body, sizeof body, slot, "06 98 76 54 32", "C. D.");
    r = bp_request(&bp_anon, "POST", "/api/v1/bookings", JSON, body);
    assert_int_equal(r.status, 409);
    doc = parse(&r);
    assert_true(json_is_array(json_object_get(doc, "slots")));
    json_decref(doc);
    mg_http_response_free(&r);
    assert_int_equal(bp_active(BP_A), active0 + 1);

    /* Lookup by code: the booking, without anyone's name or phone. */
    char cbody[64];
    snprintf(cbody, sizeof cbody, "{\"code\": \"%s\"}", code);
    r = bp_request(&bp_anon, "POST", "/api/v1/bookings/lookup", JSON, cbody);
    assert_int_equal(r.status, 200);
    doc = parse(&r);
    mg_http_response_free(&r);
    json_t *bk = json_object_get(doc, "booking");
    assert_string_equal(json_string_value(json_object_get(bk, "state")), "booked");
    assert_null(json_object_get(bk, "phone"));
    assert_null(json_object_get(bk, "person"));
    assert_null(json_object_get(bk, "id"));
    json_decref(doc);
    r = bp_request(&bp_anon, "POST", "/api/v1/bookings/lookup", JSON,
                   "{\"code\": \"00000-00000\"}");
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);

    /* Lists: the public none (401), A's host A's with the phone, B's host
     * not A's (404), the teleconsultant its own without the phone. */
    snprintf(target, sizeof target, "/api/v1/bookings?site=%lld", (long long)bp_site[BP_A]);
    r = bp_request(&bp_anon, "GET", target, NULL, NULL);
    assert_int_equal(r.status, 401);
    mg_http_response_free(&r);
    r = bp_request(&bp_host[BP_B], "GET", target, NULL, NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    r = bp_request(&bp_host[BP_A], "GET", target, NULL, NULL);
    assert_int_equal(r.status, 200);
    doc = parse(&r);
    mg_http_response_free(&r);
    json_t *list = json_object_get(doc, "bookings");
    int64_t booking_id = 0;
    json_array_foreach(list, i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "start_utc")), start_utc) == 0) {
            booking_id = json_integer_value(json_object_get(v, "id"));
            assert_string_equal(json_string_value(json_object_get(v, "phone")),
                                "+33612345678");
            assert_string_equal(json_string_value(json_object_get(v, "person")), "A. B.");
        }
    }
    assert_true(booking_id > 0);
    json_decref(doc);
    snprintf(target, sizeof target, "/api/v1/bookings?teleconsultant=%lld", (long long)bp_tc);
    r = bp_request(&bp_host[BP_A], "GET", target, NULL, NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    for (int share = 0; share < 2; share++) {
        bp_share_phone(BP_A, share);
        r = bp_request(&bp_tcw, "GET", target, NULL, NULL);
        assert_int_equal(r.status, 200);
        doc = parse(&r);
        mg_http_response_free(&r);
        bool seen = false;
        json_array_foreach(json_object_get(doc, "bookings"), i, v)
        {
            if (json_integer_value(json_object_get(v, "id")) != booking_id)
                continue;
            seen = true;
            json_t *ph = json_object_get(v, "phone");
            if (share)
                assert_string_equal(json_string_value(ph), "+33612345678");
            else
                assert_true(json_is_null(ph));
        }
        assert_true(seen);
        json_decref(doc);
    }
    bp_share_phone(BP_A, false);
    /* The teleconsultant may not read a site's list. */
    snprintf(target, sizeof target, "/api/v1/bookings?site=%lld", (long long)bp_site[BP_A]);
    r = bp_request(&bp_tcw, "GET", target, NULL, NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);

    /* State: B's host cannot touch it (404); A's host can. */
    snprintf(target, sizeof target, "/api/v1/bookings/%lld/state", (long long)booking_id);
    r = bp_request(&bp_host[BP_B], "POST", target, JSON, "{\"state\": \"arrived\"}");
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    r = bp_request(&bp_anon, "POST", target, JSON, "{\"state\": \"arrived\"}");
    assert_true(r.status == 401 || r.status == 403);
    mg_http_response_free(&r);
    r = bp_request(&bp_host[BP_A], "POST", target, JSON, "{\"state\": \"done\"}");
    assert_int_equal(r.status, 409); /* booked → done is not a transition */
    mg_http_response_free(&r);

    /* Cancel by code: the slot is free again. */
    r = bp_request(&bp_anon, "POST", "/api/v1/bookings/cancel", JSON, cbody);
    assert_int_equal(r.status, 200);
    doc = parse(&r);
    mg_http_response_free(&r);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "booking"), "state")),
        "cancelled");
    json_decref(doc);
    assert_int_equal(bp_active(BP_A), active0);
    after = slots_of(BP_A);
    assert_true(has_start(after, start_utc));
    json_decref(after);
    r = bp_request(&bp_anon, "POST", "/api/v1/bookings/cancel", JSON, cbody);
    assert_int_equal(r.status, 409); /* already cancelled */
    mg_http_response_free(&r);

    /* The UTC form of the start books the same slot. */
    char ubody[600];
    snprintf(ubody, sizeof ubody,
             "{\"site_id\": %lld, \"device_id\": %lld, \"teleconsultant_id\": %lld, "
             "\"kind\": \"gp\", \"start\": \"%s\", \"person\": \"E. F.\", \"phone\": "
             "\"0611223344\"}",
             (long long)json_integer_value(json_object_get(slot, "site_id")),
             (long long)json_integer_value(json_object_get(slot, "device_id")),
             (long long)json_integer_value(json_object_get(slot, "teleconsultant_id")),
             start_utc);
    r = bp_request(&bp_anon, "POST", "/api/v1/bookings", JSON, ubody);
    assert_int_equal(r.status, 201);
    doc = parse(&r);
    assert_string_equal(json_string_value(json_object_get(doc, "start_utc")), start_utc);
    json_decref(doc);
    mg_http_response_free(&r);

    /* Public sites. */
    r = bp_request(&bp_anon, "GET", "/api/v1/sites", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(bp_has(&r, bp_names[BP_A]) && bp_has(&r, bp_names[BP_B]));
    assert_false(bp_has(&r, "+336"));
    mg_http_response_free(&r);
    snprintf(target, sizeof target, "/api/v1/sites/%lld", (long long)bp_site[BP_B]);
    r = bp_request(&bp_anon, "GET", target, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(bp_has(&r, "teleconsultants"));
    mg_http_response_free(&r);
    r = bp_request(&bp_anon, "GET", "/api/v1/sites/999999999", NULL, NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    r = bp_request(&bp_anon, "GET", "/api/v1/slots?kind=dentiste&site=1", NULL, NULL);
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);
    json_decref(slot);

    /* Throttled: unknown codes are failed attempts of this address; before
     * MG_BOOKING_ATTEMPTS_PER_WINDOW + a few more, a 429 with Retry-After. */
    int status = 0;
    for (int k = 0; k < MG_BOOKING_ATTEMPTS_PER_WINDOW + 3 && status != 429; k++) {
        char unknown[64];
        snprintf(unknown, sizeof unknown, "{\"code\": \"ZZZZZ-ZZZ%02d\"}", k % 100);
        r = bp_request(&bp_anon, "POST", "/api/v1/bookings/lookup", JSON, unknown);
        status = r.status;
        assert_true(status == 404 || status == 429);
        if (status == 429)
            assert_true(r.retry_after > 0 || r.retry_text[0]);
        mg_http_response_free(&r);
    }
    assert_int_equal(status, 429);
}

/* The starts the forms and the API take: every 7 minutes of 2026 and 2027
 * (both changes of each year inside) written in UTC by the booking module
 * read back to the same minute; both passes of October's repeated hour
 * written for links read back to their own minute. */
static void test_starts(void **state)
{
    (void)state;
    int64_t from = mg_booking_day_start(2026, 1, 1), to = mg_booking_day_start(2028, 1, 1);
    for (int64_t m = from; m < to; m += 7) {
        char utc[21], shortz[21], param[21];
        mg_booking_format_utc(m, utc);
        int64_t back = -1;
        assert_int_equal(web_booking_parse_start(utc, &back), MG_OK);
        assert_true(back == m);
        snprintf(shortz, sizeof shortz, "%.16sZ", utc);
        assert_int_equal(web_booking_parse_start(shortz, &back), MG_OK);
        assert_true(back == m);
        web_booking_start_param(m, param);
        assert_int_equal(web_booking_parse_start(param, &back), MG_OK);
        assert_true(back == m);
    }
    mg_oh_instant repeated = {.year = 2026, .month = 10, .day = 25, .minute = 2 * 60 + 30};
    int64_t first = 0, second = 0;
    assert_int_equal(mg_booking_utc(repeated, &first, &second), 2);
    char p1[21], p2[21];
    web_booking_start_param(first, p1);
    web_booking_start_param(second, p2);
    assert_string_equal(p1, "2026-10-25T02:30");
    assert_string_equal(p2, "2026-10-25T01:30Z");
    static const char *const refused[] = {
        "",           "2026-10-25",           "2026-10-25T25:00",  "2026-02-29T10:00Z",
        "2026-10-25T01:30:30Z", "2026-10-25T01:30+01:00", "2026-13-01T00:00Z",
        "2026-03-29T02:30",     "x026-01-01T00:00Z"};
    for (size_t k = 0; k < sizeof refused / sizeof *refused; k++) {
        int64_t m;
        assert_int_equal(web_booking_parse_start(refused[k], &m), MG_EINVAL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_starts),
        cmocka_unit_test(test_story),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, web_teardown);
    int pg = test_pg_database("mg_test_web_api_booking", web_fixture_db, sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return failed + 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, web_teardown);
}
