/*
 * The contracts' JSON API (web/api_contracts.c) and the amendment and
 * document routes of a contract (web/contracts_amendments.c) through the
 * application's router, on the demo Aude: the list holds only the
 * contracts the actor sees (led, or taking part in an action), another
 * Département gets the 404 of a contract that does not exist with nothing
 * of its content, a partner sees but may not add; the shapes of the JSON
 * answers, amounts in integer cents equal to the sums of what was typed
 * (computed here from the typed euros), POST field errors 400 naming the
 * field; an amendment created through its form; a document uploaded as
 * multipart/form-data, served back byte for byte as an attachment with its
 * type, and refused to a stranger. On SQLite, then on PostgreSQL when
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
#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "contracts/indicators.h"
#include "pg_fixture.h"
#include "testutil.h"
#include "web_fixture.h"
#include "web/contracts_web.h"
#include "web/web.h"

#define JSON "application/json"

typedef struct who {
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
    char bearer[MG_AUTH_API_TOKEN_CHARS + 16];
} who;

static who manager, partner, stranger, anonymous;
static int64_t org_b, org_p;
static int64_t c_led, c_other, c_alone, act1, ind1;
/* What was typed for the budget lines, in euros, and their cents
 * computed here independently of the store's parser. */
static const char *const planned_typed[] = {"12 345,67", "250 000"};
static const int64_t planned_cents[] = {1234567, 25000000};
static const char *const committed_typed[] = {"1 000", "0"};
static const int64_t committed_cents[] = {100000, 0};

static void login_as(who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[96];
    snprintf(email, sizeof email, "%s.%ld@api-contrats.invalid", tag, (long)time(NULL));
    const char *password = "un mot de passe de test assez long";
    int64_t account = 0;
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_auth_session s;
    if (mg_auth_account_add(app->db, 0, email, "Compte de test (exemple)", password, org, role,
                            &account, NULL, &d) ||
        mg_auth_login(app->db, email, password, "127.0.0.1", (int64_t)time(NULL), &lr, &retry,
                      &d) ||
        mg_auth_session_load(app->db, lr.session, (int64_t)time(NULL), &s, &d))
        fail_msg("log-in %s: %s", tag, d.msg);
    snprintf(w->cookie, sizeof w->cookie, "mg_session=%s", lr.session);
    memcpy(w->csrf, s.csrf, sizeof w->csrf);
}

static int64_t org_new(const char *name)
{
    mg_diag d = {{0}};
    mg_auth_org_input in = {.name = name, .kind = "departement"};
    int64_t id = 0;
    if (mg_auth_org_add(app->db, 0, &in, true, false, &id, NULL, &d))
        fail_msg("organisation %s: %s", name, d.msg);
    return id;
}

static int64_t contract_new(int64_t lead, const char *title)
{
    mg_contract_input in = {.kind = "cps", .title = title, .territory = "epci:200035707",
                            .starts_on = "2024-01-01", .ends_on = "2027-12-31",
                            .status = "signed"};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    if (mg_contract_create(app->db, 0, lead, &in, &id, &fe, &d))
        fail_msg("contract %s: %s", title, d.msg);
    return id;
}

static int setup(void **state)
{
    if (web_setup(state))
        return -1;
    snprintf(manager.cookie, sizeof manager.cookie, "%s", web_cookie);
    memcpy(manager.csrf, web_csrf_token, sizeof manager.csrf);
    org_b = org_new("Département voisin (exemple)");
    org_p = org_new("Communauté de communes partenaire (exemple)");
    login_as(&partner, org_p, MG_ROLE_READER, "partenaire");
    login_as(&stranger, org_b, MG_ROLE_MANAGER, "voisin");

    /* The manager's API token: its account is the one of web_login. */
    mg_diag d = {{0}};
    mg_auth_session s;
    const char *sess = strchr(web_cookie, '=') + 1;
    char secret[MG_AUTH_API_TOKEN_CHARS + 1];
    int64_t tid = 0;
    if (mg_auth_session_load(app->db, sess, (int64_t)time(NULL), &s, &d) ||
        mg_auth_api_token_create(app->db, s.actor.account_id, "Tests (exemple)", secret, &tid,
                                 NULL, &d))
        fail_msg("token: %s", d.msg);
    snprintf(manager.bearer, sizeof manager.bearer, "Bearer %s", secret);

    c_led = contract_new(web_org_id, "Contrat du Département (exemple)");
    c_alone = contract_new(web_org_id, "Contrat sans partenaire (exemple)");
    c_other = contract_new(org_b, "Contrat secret du voisin (exemple)");
    mg_contract_action_input ai = {.title = "Cabine de téléconsultation (exemple)",
                                   .starts_on = "2024-03-01", .due_on = "2025-06-30"};
    mg_contract_field_error fe = {0};
    if (mg_contract_action_create(app->db, 0, c_led, &ai, &act1, &fe, &d) ||
        mg_contract_participant_add(app->db, 0, act1, org_p, MG_PARTICIPANT_PARTNER, &fe, &d))
        fail_msg("action: %s", d.msg);
    const int64_t funders[] = {web_org_id, org_p};
    const char *years[] = {"2025", "2026"};
    for (int i = 0; i < 2; i++) {
        mg_budget_line_input bl = {.funder_id = funders[i], .year = years[i],
                                   .nature = "operation", .planned = planned_typed[i],
                                   .committed = committed_typed[i]};
        if (mg_budget_line_create(app->db, 0, act1, &bl, NULL, &fe, &d))
            fail_msg("budget line: %s", d.msg);
    }
    mg_indicator_input ii = {.title = "Téléconsultations (exemple)", .unit = "consultations"};
    if (mg_indicator_create(app->db, 0, act1, &ii, &ind1, &fe, &d) ||
        mg_indicator_value_add(app->db, 0, ind1, "2025-03-31", "12,5", "Relevé (exemple)", "",
                               NULL, &fe, &d))
        fail_msg("indicator: %s", d.msg);
    return 0;
}

static mg_http_response send_as(const who *w, const char *method, const char *target,
                                 const char *ctype, const char *body, size_t len)
{
    mg_http_response res;
    const char *headers[8];
    size_t n = 0;
    if (w->bearer[0]) {
        headers[n++] = "Authorization";
        headers[n++] = w->bearer;
    } else if (w->cookie[0]) {
        headers[n++] = "Cookie";
        headers[n++] = w->cookie;
        headers[n++] = "X-CSRF-Token";
        headers[n++] = w->csrf;
    }
    headers[n++] = "Accept";
    headers[n++] = strncmp(target, "/api/", 5) == 0 ? JSON : "text/html";
    headers[n] = NULL;
    int rc = mg_http_dispatch_with(app->router, method, target, headers, ctype, body, len, &res);
    assert_int_equal(rc, 0);
    return res;
}

static json_t *get_json(const who *w, const char *target, int status)
{
    mg_http_response res = send_as(w, "GET", target, NULL, NULL, 0);
    if (res.status != status)
        fail_msg("GET %s: %d, expected %d: %.300s", target, res.status, status,
                 res.body.data ? res.body.data : "");
    json_error_t err;
    json_t *j = json_loadb(res.body.data ? res.body.data : "", res.body.len, 0, &err);
    if (!j)
        fail_msg("GET %s: not JSON: %s", target, err.text);
    assert_non_null(strstr(res.content_type, "application/json"));
    mg_http_response_free(&res);
    return j;
}

static json_t *post_json(const who *w, const char *target, const char *body, int status)
{
    mg_http_response res = send_as(w, "POST", target, JSON, body, strlen(body));
    if (res.status != status)
        fail_msg("POST %s %s: %d, expected %d: %.300s", target, body, res.status, status,
                 res.body.data ? res.body.data : "");
    json_t *j = json_loadb(res.body.data ? res.body.data : "", res.body.len, 0, NULL);
    assert_non_null(j);
    mg_http_response_free(&res);
    return j;
}

static int64_t jint(const json_t *o, const char *path)
{
    const json_t *v = json_object_get(o, path);
    if (!json_is_integer(v))
        fail_msg("\"%s\" is not an integer", path);
    return json_integer_value(v);
}

/* The ids of the list's contracts. */
static size_t list_ids(const who *w, int64_t *ids, size_t cap)
{
    json_t *j = get_json(w, "/api/v1/contracts", 200);
    json_t *arr = json_object_get(j, "contracts");
    assert_true(json_is_array(arr));
    size_t n = json_array_size(arr);
    assert_int_equal(jint(j, "total"), n);
    for (size_t i = 0; i < n && i < cap; i++)
        ids[i] = jint(json_array_get(arr, i), "id");
    json_decref(j);
    return n;
}

static bool has(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

static void test_list_only_what_one_sees(void **state)
{
    (void)state;
    int64_t ids[16];
    size_t n = list_ids(&manager, ids, 16);
    assert_int_equal(n, 2);
    assert_true(has(ids, n, c_led) && has(ids, n, c_alone));
    n = list_ids(&partner, ids, 16);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], c_led);
    n = list_ids(&stranger, ids, 16);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], c_other);
    json_t *e = get_json(&anonymous, "/api/v1/contracts", 401);
    assert_non_null(json_object_get(e, "error"));
    json_decref(e);
    json_t *j = get_json(&manager, "/api/v1/contracts?limit=1&offset=1", 200);
    assert_int_equal(jint(j, "total"), 2);
    assert_int_equal(json_array_size(json_object_get(j, "contracts")), 1);
    json_decref(j);
    json_decref(get_json(&manager, "/api/v1/contracts?limit=0", 400));
    json_decref(get_json(&manager, "/api/v1/contracts?offset=-1", 400));
}

static void test_contract_detail(void **state)
{
    (void)state;
    char path[96];
    snprintf(path, sizeof path, "/api/v1/contracts/%lld", (long long)c_led);
    json_t *j = get_json(&manager, path, 200);
    json_t *c = json_object_get(j, "contract");
    assert_int_equal(jint(c, "id"), c_led);
    assert_string_equal(json_string_value(json_object_get(c, "title")),
                        "Contrat du Département (exemple)");
    assert_string_equal(json_string_value(json_object_get(c, "kind")), "cps");
    assert_string_equal(json_string_value(json_object_get(c, "starts_on")), "2024-01-01");
    assert_int_equal(jint(json_object_get(c, "lead"), "id"), web_org_id);
    json_t *acts = json_object_get(j, "actions");
    assert_int_equal(json_array_size(acts), 1);
    assert_int_equal(jint(json_array_get(acts, 0), "id"), act1);
    assert_true(json_is_array(json_object_get(j, "signatories")));
    assert_true(json_is_array(json_object_get(j, "axes")));
    assert_true(json_is_array(json_object_get(j, "amendments")));
    assert_true(json_is_array(json_object_get(j, "documents")));
    /* Budget totals in cents: the sums of what was typed. */
    json_t *b = json_object_get(j, "budget");
    assert_int_equal(jint(b, "planned_cents"), planned_cents[0] + planned_cents[1]);
    assert_int_equal(jint(b, "committed_cents"), committed_cents[0] + committed_cents[1]);
    assert_int_equal(jint(b, "paid_cents"), 0);
    json_t *by_funder = json_object_get(b, "by_funder");
    assert_int_equal(json_array_size(by_funder), 2);
    int64_t seen = 0;
    for (size_t i = 0; i < 2; i++) {
        json_t *t = json_array_get(by_funder, i);
        int64_t key = jint(t, "key");
        int k = key == web_org_id ? 0 : key == org_p ? 1 : -1;
        assert_true(k >= 0);
        assert_int_equal(jint(t, "planned_cents"), planned_cents[k]);
        seen |= 1 << k;
    }
    assert_int_equal(seen, 3);
    json_t *by_year = json_object_get(b, "by_year");
    assert_int_equal(json_array_size(by_year), 2);
    assert_int_equal(jint(json_array_get(by_year, 0), "key"), 2025);
    assert_int_equal(jint(json_array_get(by_year, 0), "planned_cents"), planned_cents[0]);
    assert_int_equal(jint(json_array_get(by_year, 1), "key"), 2026);
    assert_true(json_is_array(json_object_get(b, "by_axis")));
    json_decref(j);

    /* A partner sees it; another Département gets the words of none. */
    json_decref(get_json(&partner, path, 200));
    mg_http_response res = send_as(&stranger, "GET", path, NULL, NULL, 0);
    assert_int_equal(res.status, 404);
    assert_non_null(strstr(res.body.data, "Ce contrat n'existe pas."));
    assert_null(strstr(res.body.data, "Département (exemple)"));
    mg_http_response_free(&res);
    json_t *none = get_json(&stranger, "/api/v1/contracts/987654", 404);
    assert_string_equal(json_string_value(json_object_get(json_object_get(none, "error"),
                                                          "message")),
                        "Ce contrat n'existe pas.");
    json_decref(none);
    json_decref(get_json(&manager, "/api/v1/contracts/007", 404));
}

static void test_action_and_indicator(void **state)
{
    (void)state;
    char path[96];
    snprintf(path, sizeof path, "/api/v1/actions/%lld", (long long)act1);
    json_t *j = get_json(&partner, path, 200);
    json_t *a = json_object_get(j, "action");
    assert_int_equal(jint(a, "id"), act1);
    assert_int_equal(jint(json_object_get(a, "contract"), "id"), c_led);
    assert_string_equal(json_string_value(json_object_get(a, "due_on")), "2025-06-30");
    json_t *parts = json_object_get(j, "participants");
    assert_int_equal(json_array_size(parts), 1);
    assert_int_equal(jint(json_array_get(parts, 0), "id"), org_p);
    assert_string_equal(json_string_value(json_object_get(json_array_get(parts, 0), "role")),
                        "partner");
    json_t *b = json_object_get(j, "budget");
    json_t *lines = json_object_get(b, "lines");
    assert_int_equal(json_array_size(lines), 2);
    int64_t sum = 0;
    for (size_t i = 0; i < 2; i++)
        sum += jint(json_array_get(lines, i), "planned_cents");
    assert_int_equal(sum, planned_cents[0] + planned_cents[1]);
    assert_int_equal(jint(b, "planned_cents"), planned_cents[0] + planned_cents[1]);
    json_t *ind = json_object_get(j, "indicators");
    assert_int_equal(json_array_size(ind), 1);
    json_t *vals = json_object_get(json_array_get(ind, 0), "values");
    assert_int_equal(json_array_size(vals), 1);
    assert_true(json_real_value(json_object_get(json_array_get(vals, 0), "value")) == 12.5);
    assert_true(json_is_array(json_object_get(j, "milestones")));
    assert_true(json_is_array(json_object_get(j, "notes")));
    json_decref(j);
    json_t *e = get_json(&stranger, path, 404);
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "error"),
                                                          "message")),
                        "Cette action n'existe pas.");
    json_decref(e);

    snprintf(path, sizeof path, "/api/v1/indicators/%lld", (long long)ind1);
    j = get_json(&manager, path, 200);
    assert_int_equal(jint(json_object_get(j, "indicator"), "id"), ind1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "indicator"),
                                                          "source")),
                        "manual");
    assert_int_equal(jint(json_object_get(j, "action"), "id"), act1);
    assert_int_equal(json_array_size(json_object_get(j, "values")), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(
                            json_object_get(j, "values"), 0), "measured_on")),
                        "2025-03-31");
    json_decref(j);
    json_decref(get_json(&stranger, path, 404));
    json_decref(get_json(&manager, "/api/v1/indicators/987654", 404));
}

static void test_post_action(void **state)
{
    (void)state;
    char path[96];
    snprintf(path, sizeof path, "/api/v1/contracts/%lld/actions", (long long)c_alone);
    struct {
        const char *body, *field;
    } bad[] = {
        {"{}", "title"},
        {"{\"title\": \"  \"}", "title"},
        {"{\"title\": \"A\", \"starts_on\": \"2025-01-01\", \"due_on\": \"2024-01-01\"}",
         "due_on"},
        {"{\"title\": \"A\", \"starts_on\": 20250101}", "starts_on"},
        {"{\"title\": \"A\", \"status\": \"fini\"}", "status"},
        {"{\"title\": \"A\", \"titel\": \"B\"}", "titel"},
        {"{\"title\": \"A\", \"priority\": 7}", "priority"},
        {"{\"title\": \"A\", \"target_communes\": \"communes:99999\"}", "target_communes"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *e = post_json(&manager, path, bad[i].body, 400);
        json_t *err = json_object_get(e, "error");
        if (!json_is_string(json_object_get(err, "field")) ||
            strcmp(json_string_value(json_object_get(err, "field")), bad[i].field) != 0)
            fail_msg("%s: field %s expected, got %s", bad[i].body, bad[i].field,
                     json_string_value(json_object_get(err, "message")));
        assert_non_null(strstr(json_string_value(json_object_get(err, "message")), "« "));
        json_decref(e);
    }
    /* Nothing was created by the refusals. */
    char cpath[96];
    snprintf(cpath, sizeof cpath, "/api/v1/contracts/%lld", (long long)c_alone);
    json_t *c = get_json(&manager, cpath, 200);
    assert_int_equal(json_array_size(json_object_get(c, "actions")), 0);
    json_decref(c);

    json_t *ok = post_json(&manager, path,
                           "{\"title\": \"Bus santé (exemple)\", \"status\": \"in_progress\", "
                           "\"starts_on\": \"01/09/2025\", \"due_on\": \"2026-08-31\", "
                           "\"priority\": 1, \"target_communes\": \"epci:200035707\"}",
                           201);
    json_t *a = json_object_get(ok, "action");
    assert_true(jint(a, "id") > 0);
    assert_string_equal(json_string_value(json_object_get(a, "title")), "Bus santé (exemple)");
    assert_string_equal(json_string_value(json_object_get(a, "starts_on")), "2025-09-01");
    assert_string_equal(json_string_value(json_object_get(a, "status")), "in_progress");
    json_decref(ok);
    c = get_json(&manager, cpath, 200);
    assert_int_equal(json_array_size(json_object_get(c, "actions")), 1);
    json_decref(c);

    /* A partner may see the contract it takes part in, not add to it;
     * a stranger does not know it. */
    snprintf(path, sizeof path, "/api/v1/contracts/%lld/actions", (long long)c_led);
    json_decref(post_json(&partner, path, "{\"title\": \"Intrus\"}", 403));
    json_decref(post_json(&stranger, path, "{\"title\": \"Intrus\"}", 404));
}

/* --- The pages' routes of amendments and documents ------------------------------------ */

static void test_amendment_form(void **state)
{
    (void)state;
    char path[96], body[512];
    snprintf(path, sizeof path, "/contrats/%lld/avenants", (long long)c_led);
    who cookie_manager = manager;
    cookie_manager.bearer[0] = 0;
    snprintf(body, sizeof body, "csrf=%s&title=Avenant+de+report&signed_on=&effective_on=",
             manager.csrf);
    mg_http_response res = send_as(&cookie_manager, "POST", path,
                                   "application/x-www-form-urlencoded", body, strlen(body));
    assert_int_equal(res.status, 400);
    assert_non_null(strstr(res.body.data, "Avenant de report")); /* what was typed */
    mg_http_response_free(&res);
    snprintf(body, sizeof body,
             "csrf=%s&title=Avenant+de+report&signed_on=&effective_on=01%%2F02%%2F2026",
             manager.csrf);
    res = send_as(&cookie_manager, "POST", path, "application/x-www-form-urlencoded", body,
                  strlen(body));
    assert_int_equal(res.status, 303);
    mg_http_response_free(&res);
    res = send_as(&partner, "POST", path, "application/x-www-form-urlencoded", body,
                  strlen(body));
    assert_int_equal(res.status, 403);
    mg_http_response_free(&res);
    mg_contract_amendment *am = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_amendments(app->db, c_led, &am, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_string_equal(am[0].effective_on, "2026-02-01");
    int64_t am_id = am[0].id;
    mg_contract_amendments_free(am, n);

    /* The action's end pushed back under it: the sentence on the section. */
    snprintf(path, sizeof path, "/contrats/%lld/avenants/%lld/actions", (long long)c_led,
             (long long)am_id);
    snprintf(body, sizeof body, "csrf=%s&action=%lld&starts_on=&due_on=2026-06-30",
             manager.csrf, (long long)act1);
    res = send_as(&cookie_manager, "POST", path, "application/x-www-form-urlencoded", body,
                  strlen(body));
    assert_int_equal(res.status, 303);
    mg_http_response_free(&res);
    /* A refused change of dates comes back with what was typed. */
    snprintf(body, sizeof body, "csrf=%s&action=%lld&starts_on=&due_on=2020-01-01",
             manager.csrf, (long long)act1);
    res = send_as(&cookie_manager, "POST", path, "application/x-www-form-urlencoded", body,
                  strlen(body));
    assert_int_equal(res.status, 400);
    assert_non_null(strstr(res.body.data, "2020-01-01"));
    assert_non_null(strstr(res.body.data, "précéderait son début"));
    mg_http_response_free(&res);

    /* A budget line replaced under the amendment. */
    mg_budget_line *lines = NULL;
    size_t nl = 0;
    assert_int_equal(mg_budget_lines(app->db, c_led, act1, false, &lines, &nl, &d), 0);
    assert_int_equal(nl, 2);
    int64_t old_line = lines[0].id, new_line = 0;
    free(lines);
    mg_budget_line_input bl = {.funder_id = web_org_id, .year = "2025", .nature = "operation",
                               .planned = "13 000", .committed = "1 000"};
    mg_contract_field_error fe = {0};
    assert_int_equal(mg_budget_line_amend(app->db, 0, am_id, old_line, &bl, &new_line, &fe, &d),
                     0);

    web_contract_view v = {0};
    assert_int_equal(mg_contract_get(app->db, c_led, &v.c, &d), 0);
    mg_buf b;
    mg_buf_init(&b, 1 << 20);
    mg_auth_actor nobody = {0};
    mg_http_response dummy;
    mg_http_response_init(&dummy);
    web_ctx ctx = {.app = app, .actor = &nobody, .res = &dummy};
    web_contract_amendments_section(&b, &ctx, &v);
    assert_non_null(b.data);
    assert_non_null(strstr(b.data, "Avenant n° 1"));
    assert_non_null(strstr(b.data, "Fin de l'action « Cabine de téléconsultation (exemple) » "
                                   "reportée du 30/06/2025 au 30/06/2026"));
    char replaced[96];
    snprintf(replaced, sizeof replaced, "Ligne budgétaire n° %lld", (long long)old_line);
    assert_non_null(strstr(b.data, replaced));
    snprintf(replaced, sizeof replaced, "remplacée par la ligne n° %lld", (long long)new_line);
    assert_non_null(strstr(b.data, replaced));
    assert_non_null(strstr(b.data, "prévu de "));
    assert_null(strstr(b.data, "Nouvel avenant")); /* no form for who may not edit */
    if (getenv("SHOW_SECTION"))
        fputs(b.data, stderr);
    mg_buf_free(&b);
    mg_http_response_free(&dummy);
}

static void test_document_upload_and_download(void **state)
{
    (void)state;
    static const char pdf[] = "%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n";
    char path[96];
    snprintf(path, sizeof path, "/contrats/%lld/documents", (long long)c_led);
    who cookie_manager = manager;
    cookie_manager.bearer[0] = 0;
    const char *boundary = "----maillageTestBoundary";
    char ctype[128];
    snprintf(ctype, sizeof ctype, "multipart/form-data; boundary=%s", boundary);
    struct {
        const char *name, *data;
        size_t len;
        int status;
    } cases[] = {
        {"page.pdf", "<!doctype html><p>piège</p>", 28, 400},
        {"Convention signée \xC3\xA9t\xC3\xA9 \"2024\".txt", pdf, sizeof pdf - 1, 303},
    };
    for (size_t i = 0; i < 2; i++) {
        mg_buf body;
        mg_buf_init(&body, 1 << 20);
        mg_buf_printf(&body,
                      "--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
                      "--%s\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n"
                      "Convention (exemple)\r\n"
                      "--%s\r\nContent-Disposition: form-data; name=\"file\"; "
                      "filename=\"%s\"\r\nContent-Type: application/pdf\r\n\r\n",
                      boundary, manager.csrf, boundary, boundary,
                      i == 1 ? "convention.txt" : cases[i].name);
        mg_buf_append(&body, cases[i].data, cases[i].len);
        mg_buf_printf(&body, "\r\n--%s--\r\n", boundary);
        mg_http_response res =
            send_as(&cookie_manager, "POST", path, ctype, body.data, body.len);
        if (res.status != cases[i].status)
            fail_msg("upload %zu: %d: %.300s", i, res.status, res.body.data);
        if (cases[i].status == 400)
            assert_non_null(strstr(res.body.data, "type accepté"));
        mg_http_response_free(&res);
        mg_buf_free(&body);
    }
    mg_contract_document *docs = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_documents(app->db, c_led, &docs, &n, &d), 0);
    assert_int_equal(n, 1);
    int64_t doc = docs[0].id;
    assert_string_equal(docs[0].media_type, "application/pdf");
    free(docs);
    snprintf(path, sizeof path, "/contrats/%lld/documents/%lld", (long long)c_led,
             (long long)doc);
    mg_http_response res = send_as(&partner, "GET", path, NULL, NULL, 0);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.body.len, sizeof pdf - 1);
    assert_memory_equal(res.body.data, pdf, sizeof pdf - 1);
    assert_string_equal(res.content_type, "application/pdf");
    /* A name of the file's letters, with its type's extension, in quotes. */
    assert_string_equal(res.disposition, "attachment; filename=\"convention.pdf\"");
    mg_http_response_free(&res);
    res = send_as(&stranger, "GET", path, NULL, NULL, 0);
    assert_int_equal(res.status, 404);
    assert_null(strstr(res.body.data ? res.body.data : "", "%PDF"));
    mg_http_response_free(&res);
    /* The contract's page lists it with its link; the forms are the editors'. */
    char page[64], link[96];
    snprintf(page, sizeof page, "/contrats/%lld", (long long)c_led);
    snprintf(link, sizeof link, "href=\"/contrats/%lld/documents/%lld\"", (long long)c_led,
             (long long)doc);
    who cookie_only = manager;
    cookie_only.bearer[0] = 0;
    res = send_as(&cookie_only, "GET", page, NULL, NULL, 0);
    assert_int_equal(res.status, 200);
    assert_non_null(strstr(res.body.data, link));
    assert_non_null(strstr(res.body.data, "Ajouter un document"));
    assert_non_null(strstr(res.body.data, "Nouvel avenant"));
    assert_non_null(strstr(res.body.data, "enctype=\"multipart/form-data\""));
    mg_http_response_free(&res);
    res = send_as(&partner, "GET", page, NULL, NULL, 0);
    assert_int_equal(res.status, 200);
    assert_non_null(strstr(res.body.data, link));
    assert_null(strstr(res.body.data, "Ajouter un document"));
    assert_null(strstr(res.body.data, "Nouvel avenant"));
    mg_http_response_free(&res);

    /* The document of one contract under another's path: none. */
    snprintf(path, sizeof path, "/contrats/%lld/documents/%lld", (long long)c_alone,
             (long long)doc);
    res = send_as(&manager, "GET", path, NULL, NULL, 0);
    assert_int_equal(res.status, 404);
    mg_http_response_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_only_what_one_sees),
        cmocka_unit_test(test_contract_detail),
        cmocka_unit_test(test_action_and_indicator),
        cmocka_unit_test(test_post_action),
        cmocka_unit_test(test_amendment_form),
        cmocka_unit_test(test_document_upload_and_download),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, web_teardown);
    int pg = test_pg_database("mg_test_web_api_contracts", web_fixture_db, sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, web_teardown);
}
