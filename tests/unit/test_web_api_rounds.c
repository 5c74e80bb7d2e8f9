/*
 * Mobile services' rounds through the JSON API (web/api_rounds.c and the
 * public timetable of web/rounds_public.c), on the demo Aude: a manager
 * creates a service, a vehicle and stops, computes a plan and publishes
 * it; refused bodies answer 400 naming the member at fault (unknown
 * member, wrong type, another organisation, a time that is no time, a
 * commune outside the territory, an anchor that is not a Monday) and write
 * nothing; a reader reads but may not write (403), another organisation's
 * manager gets 404, an anonymous client 401; the public timetable lists
 * each visit of the published plan on each of its days in the range
 * (counted from the plan's own JSON and a weekday formula of the test),
 * with the cancellation marked. SQLite, then PostgreSQL when
 * MG_TEST_PG_URI is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "pg_fixture.h"
#include "rounds/store.h"
#include "testutil.h"
#include "web/web.h"
#include "web_fixture.h"

#define PASSWORD "un mot de passe de test assez long"
/* Tuesday 3 November 2026, 08:00 in Paris. */
#define NOW_UTC 1793689200LL

typedef struct who {
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
} who;

static who manager, reader, stranger, anonymous;
static int64_t org_a, org_b;

static json_t *call(const who *w, const char *method, const char *target, const char *body,
                    int status)
{
    mg_http_response res;
    const char *headers[] = {"Cookie", w->cookie, "X-CSRF-Token", w->csrf, NULL};
    const char *none[] = {NULL};
    assert_int_equal(mg_http_dispatch_with(app->router, method, target,
                                           w->cookie[0] ? headers : none,
                                           body ? "application/json" : NULL, body,
                                           body ? strlen(body) : 0, &res),
                     0);
    if (res.status != status)
        fail_msg("%s %s: %d, expected %d: %.500s", method, target, res.status, status,
                 res.body.data ? res.body.data : "");
    json_error_t e;
    json_t *j = json_loadb(res.body.data ? res.body.data : "", res.body.len, 0, &e);
    if (!j)
        fail_msg("%s %s: not JSON: %s", method, target, e.text);
    mg_http_response_free(&res);
    return j;
}

/* The refused member of a 400. */
static void expect_field(json_t *j, const char *field)
{
    const char *f = json_string_value(json_object_get(json_object_get(j, "error"), "field"));
    if (!f || strcmp(f, field) != 0)
        fail_msg("refused field %s, expected %s", f ? f : "(none)", field);
    json_decref(j);
}

static void log_in(who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[96];
    static int serial;
    snprintf(email, sizeof email, "%s.%d.%ld@api-tournees.invalid", tag, ++serial,
             (long)time(NULL));
    mg_auth_login_result lr;
    int64_t retry = 0, account = 0;
    mg_auth_session s;
    int64_t now = (int64_t)time(NULL);
    if (mg_auth_account_add(app->db, 0, email, "Personne (exemple)", PASSWORD, org, role,
                            &account, NULL, &d) ||
        mg_auth_login(app->db, email, PASSWORD, "127.0.0.1", now, &lr, &retry, &d) ||
        mg_auth_session_load(app->db, lr.session, now, &s, &d))
        fail_msg("log-in %s: %s", tag, d.msg);
    snprintf(w->cookie, sizeof w->cookie, "mg_session=%s", lr.session);
    memcpy(w->csrf, s.csrf, sizeof w->csrf);
}

static int setup(void **state)
{
    if (web_setup(state))
        return -1;
    org_a = web_org_id;
    snprintf(manager.cookie, sizeof manager.cookie, "%s", web_cookie);
    memcpy(manager.csrf, web_csrf_token, sizeof manager.csrf);
    mg_diag d = {{0}};
    char name[96];
    snprintf(name, sizeof name, "Intercommunalité voisine %ld (exemple)", (long)time(NULL));
    mg_auth_org_input in = {.name = name, .kind = "epci"};
    if (mg_auth_org_add(app->db, 0, &in, true, false, &org_b, NULL, &d)) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    app->finder_now = NOW_UTC;
    return 0;
}

static size_t services_of(int64_t org)
{
    mg_round_service *v = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    if (mg_round_service_list(app->db, org, false, &v, &n, &d))
        fail_msg("list: %s", d.msg);
    free(v);
    return n;
}

/* Sakamoto's weekday, 0 Monday. */
static int weekday(int y, int m, int d)
{
    static const int off[12] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (m < 3)
        y--;
    return ((y + y / 4 - y / 100 + y / 400 + off[m - 1] + d) % 7 + 6) % 7;
}

static void test_api_walk(void **state)
{
    (void)state;
    log_in(&reader, org_a, MG_ROLE_READER, "lecture");
    log_in(&stranger, org_b, MG_ROLE_MANAGER, "voisin");
    char body[1024], target[200];

    /* Refusals, nothing written. */
    snprintf(body, sizeof body, "{\"organisation_id\": %lld, \"name\": \"Bus (exemple)\", "
                                "\"colour\": \"bleu\"}",
             (long long)org_a);
    expect_field(call(&manager, "POST", "/api/v1/rounds/services", body, 400), "colour");
    snprintf(body, sizeof body, "{\"organisation_id\": %lld, \"name\": \"Bus (exemple)\", "
                                "\"reach_min\": \"vingt\"}",
             (long long)org_a);
    expect_field(call(&manager, "POST", "/api/v1/rounds/services", body, 400), "reach_min");
    snprintf(body, sizeof body, "{\"organisation_id\": %lld, \"name\": \"Bus (exemple)\"}",
             (long long)org_b);
    expect_field(call(&manager, "POST", "/api/v1/rounds/services", body, 400),
                 "organisation_id");
    json_decref(call(&anonymous, "POST", "/api/v1/rounds/services", "{}", 401));
    assert_int_equal(services_of(org_a), 0);

    snprintf(body, sizeof body,
             "{\"organisation_id\": %lld, \"name\": \"Bus jeunesse du Lauragais (exemple)\", "
             "\"territory\": \"communes:11049,11136\", \"target_public\": \"youth\", "
             "\"reach_min\": 20, \"runs_in_school_holidays\": true}",
             (long long)org_a);
    json_t *j = call(&manager, "POST", "/api/v1/rounds/services", body, 201);
    json_t *svc = json_object_get(j, "service");
    int64_t id = json_integer_value(json_object_get(svc, "id"));
    assert_true(id > 0);
    assert_string_equal(json_string_value(json_object_get(svc, "target_public")), "youth");
    json_decref(j);

    char path[96];
    snprintf(path, sizeof path, "/api/v1/rounds/services/%lld", (long long)id);
    json_decref(call(&reader, "GET", path, NULL, 200));
    json_decref(call(&stranger, "GET", path, NULL, 404));
    json_decref(call(&anonymous, "GET", path, NULL, 401));
    json_decref(call(&reader, "POST", path, "{\"reach_min\": 30}", 403));
    json_decref(call(&stranger, "POST", path, "{\"reach_min\": 30}", 404));
    j = call(&manager, "GET", "/api/v1/rounds/services", NULL, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
    json_decref(j);
    j = call(&stranger, "GET", "/api/v1/rounds/services", NULL, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 0);
    json_decref(j);

    /* A vehicle on Tuesdays; a time that is none refused. */
    snprintf(target, sizeof target, "%s/vehicles", path);
    expect_field(call(&manager, "POST", target,
                      "{\"name\": \"Bus (exemple)\", \"base_name\": \"Dépôt (exemple)\", "
                      "\"base_commune\": \"11049\", \"weekdays\": \"tue\", \"day_start\": "
                      "\"huit heures\", \"day_end\": \"17:00\"}",
                      400),
                 "day_start");
    j = call(&manager, "POST", target,
             "{\"name\": \"Bus (exemple)\", \"base_name\": \"Dépôt (exemple)\", "
             "\"base_commune\": \"11049\", \"weekdays\": \"tue\", \"day_start\": \"08:30\", "
             "\"day_end\": \"17:00\", \"break_min\": 45}",
             201);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "vehicle"),
                                                          "weekdays")),
                        "tue");
    json_decref(j);

    /* Stops: one outside the territory refuses the list. */
    snprintf(target, sizeof target, "%s/stops", path);
    expect_field(call(&manager, "POST", target,
                      "{\"stops\": [{\"name\": \"Ailleurs\", \"commune_code\": \"99999\"}]}",
                      400),
                 "stops[0]");
    /* An unknown member of a stop is refused like the body's. */
    expect_field(call(&manager, "POST", target,
                      "{\"stops\": [{\"name\": \"Ici\", \"commune_code\": \"11049\"}, "
                      "{\"name\": \"Là\", \"commune_code\": \"11049\", \"couleur\": 1}]}",
                      400),
                 "stops[1]");
    j = call(&manager, "POST", target,
             "{\"stops\": [{\"name\": \"Place du marché (exemple)\", \"commune_code\": "
             "\"11049\", \"minutes\": 45}, {\"name\": \"Halle (exemple)\", \"commune_code\": "
             "\"11136\"}]}",
             200);
    assert_int_equal(json_integer_value(json_object_get(j, "added")), 2);
    json_decref(j);

    /* A plan, computed. */
    snprintf(target, sizeof target, "%s/plans", path);
    expect_field(call(&manager, "POST", target, "{\"seconds\": 0}", 400), "seconds");
    json_decref(call(&reader, "POST", target, "{\"seconds\": 1}", 403));
    j = call(&manager, "POST", target, "{\"seconds\": 1, \"label\": \"Calcul (exemple)\"}", 201);
    json_t *plan = json_object_get(j, "plan");
    int64_t pid = json_integer_value(json_object_get(plan, "id"));
    json_t *routes = json_object_get(plan, "routes");
    size_t visits_tuesday = 0;
    for (size_t k = 0; k < json_array_size(routes); k++) {
        json_t *r = json_array_get(routes, k);
        assert_int_equal(json_integer_value(json_object_get(r, "weekday")), 1);
        visits_tuesday += json_array_size(json_object_get(r, "visits"));
    }
    assert_true(visits_tuesday >= 1);
    json_decref(j);
    j = call(&reader, "GET", target, NULL, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
    json_decref(j);
    snprintf(target, sizeof target, "%s/plans/%lld", path, (long long)pid);
    json_decref(call(&reader, "GET", target, NULL, 200));
    json_decref(call(&stranger, "GET", target, NULL, 404));

    /* Publication: a Tuesday refused, the Monday taken. */
    snprintf(target, sizeof target, "%s/publication", path);
    snprintf(body, sizeof body, "{\"plan_id\": %lld, \"anchor_monday\": \"2026-11-03\"}",
             (long long)pid);
    expect_field(call(&manager, "POST", target, body, 400), "anchor_monday");
    snprintf(body, sizeof body, "{\"plan_id\": %lld, \"anchor_monday\": \"2026-11-02\"}",
             (long long)pid);
    json_decref(call(&reader, "POST", target, body, 403));
    j = call(&manager, "POST", target, body, 200);
    assert_true(json_is_true(json_object_get(json_object_get(j, "service"), "published")));
    json_decref(j);
    snprintf(target, sizeof target, "%s/cancellations", path);
    json_decref(call(&manager, "POST", target,
                     "{\"on_date\": \"2026-11-17\", \"reason\": \"Panne (exemple)\"}", 201));
    expect_field(call(&manager, "POST", target, "{\"on_date\": \"17/13/2026\"}", 400),
                 "on_date");

    /* The public timetable of November. */
    j = call(&anonymous, "GET", "/api/v1/rounds/published", NULL, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
    json_decref(j);
    snprintf(target, sizeof target,
             "/api/v1/rounds/published/%lld/timetable?from=2026-11-01&to=2026-11-30",
             (long long)id);
    j = call(&anonymous, "GET", target, NULL, 200);
    size_t tuesdays = 0;
    for (int day = 2; day <= 30; day++) /* from the anchor Monday */
        tuesdays += weekday(2026, 11, day) == 1;
    json_t *stops = json_object_get(j, "stops");
    assert_int_equal(json_array_size(stops), tuesdays * visits_tuesday);
    size_t cancelled = 0;
    for (size_t k = 0; k < json_array_size(stops); k++) {
        json_t *o = json_array_get(stops, k);
        if (json_is_true(json_object_get(o, "cancelled"))) {
            cancelled++;
            assert_string_equal(json_string_value(json_object_get(o, "date")), "2026-11-17");
            assert_string_equal(json_string_value(json_object_get(o, "cancel_reason")),
                                "Panne (exemple)");
        }
    }
    assert_int_equal(cancelled, visits_tuesday);
    json_decref(j);
    snprintf(target, sizeof target,
             "/api/v1/rounds/published/%lld/timetable?from=2026-11-30&to=2026-11-01",
             (long long)id);
    json_decref(call(&anonymous, "GET", target, NULL, 400));
    /* Withdrawn: the public timetable is gone. */
    snprintf(target, sizeof target, "%s/publication/withdraw", path);
    json_decref(call(&manager, "POST", target, NULL, 200));
    snprintf(target, sizeof target, "/api/v1/rounds/published/%lld/timetable", (long long)id);
    json_decref(call(&anonymous, "GET", target, NULL, 404));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_walk),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, web_teardown);
    int pg = test_pg_database("mg_test_web_api_rounds", web_fixture_db, sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, web_teardown);
}
