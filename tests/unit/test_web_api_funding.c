/*
 * The single window's JSON API (web/api_funding.c) through the
 * application's router, on the demo Aude: an association writes a draft,
 * attaches its pieces and files it; the lead routes it to two of its three
 * co-funders; one grants part of what it was asked and pays an instalment,
 * the other refuses. Refusals name their field in JSON (an unbalanced
 * budget, a grant above what was asked, cents sent where euros are
 * expected). Authorisation: another association never sees the request,
 * by id or in its list; a co-funder addressed but not routed gets the 404
 * of a request that does not exist; the instructors' internal messages are
 * absent from what the applicant reads; a co-funder's manager may not
 * decide. Amounts read back in cents are compared with cents computed
 * here from the euros typed. On SQLite, then on PostgreSQL when
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
#include "directory/holidays.h"
#include "funding/funding.h"
#include "pg_fixture.h"
#include "testutil.h"
#include "web_fixture.h"
#include "web/web.h"

#define JSON "application/json"

typedef struct who {
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
} who;

static who lead, applicant, other_app, f1_instr, f1_manager, f2_instr, f3_instr, f4_instr,
    app_reader, app_instr, f1_reader, lead_reader, anonymous;
static int64_t org_app, org_other, org_f1, org_f2, org_f3, org_f4, window_id;
static int serial;

static void login_as(who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[128];
    snprintf(email, sizeof email, "%s.%d.%ld@api-guichet.invalid", tag, ++serial,
             (long)time(NULL));
    const char *password = "un mot de passe de test assez long";
    int64_t account = 0;
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_auth_session s;
    int64_t now = (int64_t)time(NULL);
    char secret[MG_AUTH_TOTP_SECRET_CHARS + 1], uri[512], code[7];
    if (mg_auth_account_add(app->db, 0, email, "Compte de test (exemple)", password, org, role,
                            &account, NULL, &d))
        fail_msg("account %s: %s", tag, d.msg);
    /* Instructors need a second factor: enrolled, then its next code given. */
    if (mg_auth_role_needs_totp(role) &&
        (mg_auth_totp_begin(app->db, account, secret, uri, sizeof uri, &d) ||
         mg_auth_totp_code(secret, now, code, &d) ||
         mg_auth_totp_confirm(app->db, account, code, now, &d)))
        fail_msg("second factor %s: %s", tag, d.msg);
    if (mg_auth_login(app->db, email, password, "127.0.0.1", now, &lr, &retry, &d))
        fail_msg("log-in %s: %s", tag, d.msg);
    if (lr.totp_required &&
        (mg_auth_totp_code(secret, now + MG_AUTH_TOTP_STEP_S, code, &d) ||
         mg_auth_session_totp(app->db, lr.session, code, "127.0.0.1", now + MG_AUTH_TOTP_STEP_S,
                              &retry, &d)))
        fail_msg("code %s: %s", tag, d.msg);
    if (mg_auth_session_load(app->db, lr.session, now, &s, &d))
        fail_msg("session %s: %s", tag, d.msg);
    snprintf(w->cookie, sizeof w->cookie, "mg_session=%s", lr.session);
    memcpy(w->csrf, s.csrf, sizeof w->csrf);
}

static int64_t org_new(const char *name, const char *kind, const char *siret, const char *rna)
{
    mg_diag d = {{0}};
    char full[160];
    /* A PostgreSQL database kept from the SQLite group: names must not clash. */
    snprintf(full, sizeof full, "%s %d-%ld (exemple)", name, ++serial, (long)time(NULL));
    mg_auth_org_input in = {.name = full, .kind = kind, .siret = siret, .rna = rna};
    int64_t id = 0;
    if (mg_auth_org_add(app->db, 0, &in, true, false, &id, NULL, &d))
        fail_msg("organisation %s: %s", name, d.msg);
    return id;
}

/* SIRET and RNA of the example associations: syntactically valid, clearly
 * examples (SIREN 99999…, RNA W000…), unique to each group. */
static int group;

static int setup(void **state)
{
    if (web_setup(state))
        return -1;
    group++;
    snprintf(lead.cookie, sizeof lead.cookie, "%s", web_cookie);
    memcpy(lead.csrf, web_csrf_token, sizeof lead.csrf);
    org_app = org_new("Association de test", "association",
                      group == 1 ? "99999005400010" : "99999006200013",
                      group == 1 ? "W000000005" : "W000000006");
    org_other = org_new("Autre association", "association", NULL, NULL);
    org_f1 = org_new("Cofinanceur un", "ars", NULL, NULL);
    org_f2 = org_new("Cofinanceur deux", "cpam", NULL, NULL);
    org_f3 = org_new("Cofinanceur trois", "epci", NULL, NULL);
    org_f4 = org_new("Cofinanceur quatre", "region", NULL, NULL);
    login_as(&applicant, org_app, MG_ROLE_MANAGER, "demandeur");
    login_as(&other_app, org_other, MG_ROLE_MANAGER, "autre");
    login_as(&f1_instr, org_f1, MG_ROLE_INSTRUCTOR, "instructeur1");
    login_as(&f1_manager, org_f1, MG_ROLE_MANAGER, "gestion1");
    login_as(&f2_instr, org_f2, MG_ROLE_INSTRUCTOR, "instructeur2");
    login_as(&f3_instr, org_f3, MG_ROLE_INSTRUCTOR, "instructeur3");
    login_as(&f4_instr, org_f4, MG_ROLE_INSTRUCTOR, "instructeur4");
    /* Roles that see without acting, or know without seeing (the matrix's rows). */
    login_as(&app_reader, org_app, MG_ROLE_READER, "lecteur");
    login_as(&app_instr, org_app, MG_ROLE_INSTRUCTOR, "instructeur-demandeur");
    login_as(&f1_reader, org_f1, MG_ROLE_READER, "lecteur1");
    login_as(&lead_reader, web_org_id, MG_ROLE_READER, "lecteur-pilote");
    /* f4 is a co-funder of the window that the request does not address. */
    const int64_t funders[] = {org_f1, org_f2, org_f3, org_f4};
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    if (mg_subsidy_window_create(app->db, 0, web_org_id, "Guichet de test (exemple)", "", 0,
                                 funders, 4, true, &window_id, &errs, &d))
        fail_msg("window: %s", d.msg);
    return 0;
}

static mg_http_response send_as(const who *w, const char *method, const char *target,
                                 const char *ctype, const char *body, size_t len)
{
    mg_http_response res;
    const char *headers[8];
    size_t n = 0;
    if (w->cookie[0]) {
        headers[n++] = "Cookie";
        headers[n++] = w->cookie;
        headers[n++] = "X-CSRF-Token";
        headers[n++] = w->csrf;
    }
    headers[n++] = "Accept";
    headers[n++] = JSON;
    headers[n] = NULL;
    int rc = mg_http_dispatch_with(app->router, method, target, headers, ctype, body, len, &res);
    assert_int_equal(rc, 0);
    return res;
}

static json_t *call(const who *w, const char *method, const char *target, const char *body,
                    int status)
{
    mg_http_response res = send_as(w, method, target, body ? JSON : NULL, body,
                                   body ? strlen(body) : 0);
    if (res.status != status)
        fail_msg("%s %s: %d, expected %d: %.400s", method, target, res.status, status,
                 res.body.data ? res.body.data : "");
    json_error_t err;
    json_t *j = json_loadb(res.body.data ? res.body.data : "", res.body.len, 0, &err);
    if (!j)
        fail_msg("%s %s: not JSON: %s", method, target, err.text);
    mg_http_response_free(&res);
    return j;
}

static int64_t jint(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("\"%s\" is not an integer", key);
    return json_integer_value(v);
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s)
        fail_msg("\"%s\" is not a string", key);
    return s;
}

/* The refused field of a 400. */
static const char *err_field(const json_t *j)
{
    return jstr(json_object_get(j, "error"), "field");
}

/* Cents of euros written "1234.56" or "1234", computed here. */
static int64_t cents_of(const char *euros)
{
    int64_t whole = 0, frac = 0;
    const char *p = euros;
    for (; *p >= '0' && *p <= '9'; p++)
        whole = whole * 10 + (*p - '0');
    if (*p == '.') {
        p++;
        for (int k = 0; k < 2; k++, p++)
            frac = frac * 10 + (*p >= '0' && *p <= '9' ? *p - '0' : 0);
    }
    return whole * 100 + frac;
}

/* The form of the request: expenses `exp` (account 64) against resources
 * asked of f1 and f2 and own funds `own` (account 75). */
static char *form_body(bool with_window, const char *exp, const char *ask1, const char *ask2,
                       const char *own)
{
    char head[160] = "";
    if (with_window)
        snprintf(head, sizeof head, "\"window\": %lld, \"organisation\": %lld, ",
                 (long long)window_id, (long long)org_app);
    const char *siret = group == 1 ? "99999005400010" : "99999006200013";
    const char *rna = group == 1 ? "W000000005" : "W000000006";
    char *b = malloc(4096);
    snprintf(b, 4096,
             "{%s\"name\": \"Association de test (exemple)\", \"siret\": \"%s\", "
             "\"rna\": \"%s\", \"address\": \"1 place de l'Exemple\", \"postcode\": \"11000\", "
             "\"city\": \"Carcassonne\", \"email\": \"contact@association-exemple.invalid\", "
             "\"phone\": \"04 65 71 00 01\", \"representative_role\": \"Présidente de "
             "l'association\", \"volunteers\": 12, \"employees\": \"2\", \"members\": 80, "
             "\"title\": \"Ateliers santé (exemple)\", \"objectives\": \"Prévenir (exemple).\", "
             "\"description\": \"Des ateliers (exemple).\", \"target_publics\": \"Habitants\", "
             "\"communes\": \"epci:200035715\", \"starts_on\": \"2027-01-01\", "
             "\"ends_on\": \"2027-12-31\", \"evaluation\": \"Participants (exemple).\", "
             "\"is_renewal\": false, \"nature\": \"operation\", \"lines\": ["
             "{\"account\": \"64\", \"label\": \"Personnel\", \"amount\": \"%s\"},"
             "{\"account\": \"74\", \"label\": \"ARS\", \"amount\": \"%s\", \"funder\": %lld},"
             "{\"account\": \"74\", \"label\": \"CPAM\", \"amount\": \"%s\", \"funder\": %lld},"
             "{\"account\": \"75\", \"label\": \"Fonds propres\", \"amount\": \"%s\"}]}",
             head, siret, rna, exp, ask1, (long long)org_f1, ask2, (long long)org_f2, own);
    return b;
}

static void upload(const who *w, int64_t id, const char *kind)
{
    static const char pdf[] = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    const char *boundary = "----maillageGuichetBoundary";
    char ctype[128], path[128];
    snprintf(ctype, sizeof ctype, "multipart/form-data; boundary=%s", boundary);
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/attachments", (long long)id);
    mg_buf body;
    mg_buf_init(&body, 1 << 20);
    mg_buf_printf(&body,
                  "--%s\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n%s\r\n"
                  "--%s\r\nContent-Disposition: form-data; name=\"file\"; "
                  "filename=\"%s-exemple.pdf\"\r\nContent-Type: application/pdf\r\n\r\n",
                  boundary, kind, boundary, kind);
    mg_buf_append(&body, pdf, sizeof pdf - 1);
    mg_buf_printf(&body, "\r\n--%s--\r\n", boundary);
    mg_http_response res = send_as(w, "POST", path, ctype, body.data, body.len);
    if (res.status != 201)
        fail_msg("upload %s: %d: %.300s", kind, res.status, res.body.data);
    mg_http_response_free(&res);
    mg_buf_free(&body);
}

/* Whether the list of `w` (as applicant) holds request id. */
static bool listed(const who *w, const char *query, int64_t id)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/subsidy-requests%s", query);
    json_t *j = call(w, "GET", path, NULL, 200);
    json_t *arr = json_object_get(j, "requests");
    assert_true(json_is_array(arr));
    bool found = false;
    for (size_t i = 0; i < json_array_size(arr); i++)
        found |= jint(json_array_get(arr, i), "id") == id;
    json_decref(j);
    return found;
}

static const json_t *part_of(const json_t *doc, int64_t funder)
{
    const json_t *parts = json_object_get(doc, "parts");
    for (size_t i = 0; i < json_array_size(parts); i++) {
        const json_t *p = json_array_get(parts, i);
        if (jint(json_object_get(p, "funder"), "id") == funder)
            return p;
    }
    fail_msg("no part of funder %lld", (long long)funder);
    return NULL;
}

static void test_story(void **state)
{
    (void)state;
    char path[192], body[512];
    /* Cents in the form are refused with the sentence that says how to write euros. */
    json_t *j = call(&applicant, "POST", "/api/v1/subsidy-requests",
                     "{\"window\": 1, \"lines\": [{\"account\": \"64\", \"amount_cents\": 100}]}",
                     400);
    assert_string_equal(err_field(j), "lines[0].amount_cents");
    assert_non_null(strstr(jstr(json_object_get(j, "error"), "message"), "euros"));
    json_decref(j);

    /* An unbalanced draft: 10 000 € of expenses against 6 000 + 3 000 + 500 €. */
    char *fb = form_body(true, "10000.00", "6000.00", "3000.00", "500.00");
    mg_http_response res =
        send_as(&applicant, "POST", "/api/v1/subsidy-requests", JSON, fb, strlen(fb));
    free(fb);
    int64_t id = 0;
    json_t *doc = json_loadb(res.body.data, res.body.len, 0, NULL);
    assert_non_null(doc);
    if (res.status == 400) {
        assert_string_equal(err_field(doc), "budget");
        json_decref(doc);
        mg_http_response_free(&res);
        fb = form_body(true, "10000.00", "6000.00", "3000.00", "1000.00");
        doc = call(&applicant, "POST", "/api/v1/subsidy-requests", fb, 201);
        free(fb);
        id = jint(json_object_get(doc, "request"), "id");
    } else {
        assert_int_equal(res.status, 201);
        mg_http_response_free(&res);
        id = jint(json_object_get(doc, "request"), "id");
        assert_string_equal(jstr(json_object_get(doc, "request"), "state"), "draft");
        for (const char *const *k = (const char *const[]){"statutes", "bank_details",
                                                          "attestation", NULL};
             *k; k++)
            upload(&applicant, id, *k);
        snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/file", (long long)id);
        json_t *e = call(&applicant, "POST", path, NULL, 400);
        assert_string_equal(err_field(e), "budget");
        json_decref(e);
        /* Refused: still a draft. */
        snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld", (long long)id);
        json_t *again = call(&applicant, "GET", path, NULL, 200);
        assert_string_equal(jstr(json_object_get(again, "request"), "state"), "draft");
        json_decref(again);
        /* Balanced by PUT: the form as GET gives it, with own funds 1 000 €. */
        fb = form_body(false, "10000.00", "6000.00", "3000.00", "1000.00");
        json_decref(doc);
        doc = call(&applicant, "PUT", path, fb, 200);
        free(fb);
    }
    /* The form comes back with what was typed, amounts as euros. */
    const json_t *form = json_object_get(doc, "form");
    const json_t *lines = json_object_get(form, "lines");
    assert_int_equal(json_array_size(lines), 4);
    int64_t total = 0;
    for (size_t i = 0; i < 4; i++)
        total += cents_of(jstr(json_array_get(lines, i), "amount"));
    assert_int_equal(total, 2 * cents_of("10000.00"));
    assert_int_equal(jint(json_object_get(doc, "request"), "total_expenses_cents"),
                     cents_of("10000.00"));
    json_decref(doc);

    /* Pieces (when not already there), then the filing. */
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/attachments", (long long)id);
    j = call(&applicant, "GET", path, NULL, 200);
    if (json_array_size(json_object_get(j, "attachments")) == 0)
        for (const char *const *k = (const char *const[]){"statutes", "bank_details",
                                                          "attestation", NULL};
             *k; k++)
            upload(&applicant, id, *k);
    json_decref(j);
    j = call(&applicant, "GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "attachments")), 3);
    int64_t pid = jint(json_array_get(json_object_get(j, "attachments"), 0), "id");
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/attachments/%lld", (long long)id,
             (long long)pid);
    res = send_as(&applicant, "GET", path, NULL, NULL, 0);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.content_type, "application/pdf");
    assert_non_null(strstr(res.disposition, "attachment"));
    assert_non_null(strstr(res.disposition, ".pdf\""));
    assert_true(res.body.len > 5 && memcmp(res.body.data, "%PDF-", 5) == 0);
    mg_http_response_free(&res);
    res = send_as(&other_app, "GET", path, NULL, NULL, 0);
    assert_int_equal(res.status, 404);
    mg_http_response_free(&res);

    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/file", (long long)id);
    doc = call(&applicant, "POST", path, NULL, 200);
    assert_string_equal(jstr(json_object_get(doc, "request"), "state"), "filed");
    json_decref(doc);

    /* Another association sees nothing: not by id, not in its list. */
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld", (long long)id);
    json_decref(call(&other_app, "GET", path, NULL, 404));
    assert_false(listed(&other_app, "", id));
    snprintf(body, sizeof body, "?as=applicant&organisation=%lld", (long long)org_app);
    json_decref(call(&other_app, "GET", "/api/v1/subsidy-requests?as=applicant&organisation=0",
                     NULL, 404));
    {
        char q[640];
        snprintf(q, sizeof q, "/api/v1/subsidy-requests%s", body);
        json_decref(call(&other_app, "GET", q, NULL, 404));
    }
    assert_true(listed(&applicant, "", id));
    json_decref(call(&anonymous, "GET", path, NULL, 401));

    /* The applicant's reader sees but may not write; its instructor knows the
     * request without seeing it (403, not 404). */
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld", (long long)id);
    json_decref(call(&app_reader, "GET", path, NULL, 200));
    json_decref(call(&app_reader, "PUT", path, "{\"title\": \"x\"}", 403));
    json_decref(call(&app_instr, "GET", path, NULL, 403));
    json_decref(call(&lead_reader, "GET", path, NULL, 200));
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/messages", (long long)id);
    json_decref(call(&app_reader, "POST", path, "{\"body\": \"Lecture.\"}", 403));
    /* The applicant and the lead's reader may not route; the lead routes to f1 and f2 only. */
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/route", (long long)id);
    json_decref(call(&lead_reader, "POST", path, "{}", 403));
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/route", (long long)id);
    json_decref(call(&applicant, "POST", path, "{}", 403));
    snprintf(body, sizeof body, "{\"funders\": [%lld, %lld]}", (long long)org_f1,
             (long long)org_f2);
    json_decref(call(&lead, "POST", path, body, 200));
    /* f3, addressed but not routed, is told the request does not exist. */
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld", (long long)id);
    json_t *hidden = call(&f3_instr, "GET", path, NULL, 404);
    json_t *missing = call(&f3_instr, "GET", "/api/v1/subsidy-requests/999999999", NULL, 404);
    assert_string_equal(jstr(json_object_get(hidden, "error"), "message"),
                        jstr(json_object_get(missing, "error"), "message"));
    json_decref(hidden);
    json_decref(missing);
    /* f4, a co-funder of the window the request does not address: 404 too. */
    json_decref(call(&f4_instr, "GET", path, NULL, 404));
    snprintf(body, sizeof body, "?as=funder&organisation=%lld", (long long)org_f4);
    assert_false(listed(&f4_instr, body, id));
    json_t *seen = call(&f1_instr, "GET", path, NULL, 200);
    /* The instructors' side reads the opinions; the applicant's does not. */
    assert_non_null(json_object_get(part_of(seen, org_f1), "opinion_text"));
    json_decref(seen);
    seen = call(&applicant, "GET", path, NULL, 200);
    assert_null(json_object_get(part_of(seen, org_f1), "opinion_text"));
    json_decref(seen);
    snprintf(body, sizeof body, "?as=funder&organisation=%lld", (long long)org_f1);
    assert_true(listed(&f1_instr, body, id));
    snprintf(body, sizeof body, "?as=funder&organisation=%lld", (long long)org_f3);
    assert_false(listed(&f3_instr, body, id));

    /* Messages: the instructors' internal one never reaches the applicant. */
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/messages", (long long)id);
    json_decref(call(&f1_instr, "POST", path,
                     "{\"body\": \"Note interne : dossier solide.\", \"internal\": true}", 201));
    json_decref(call(&applicant, "POST", path, "{\"body\": \"Merci de votre attention.\"}", 201));
    json_decref(call(&applicant, "POST", path, "{\"body\": \"x\", \"internal\": true}", 403));
    j = call(&applicant, "GET", path, NULL, 200);
    json_t *msgs = json_object_get(j, "messages");
    size_t seen_by_applicant = json_array_size(msgs);
    for (size_t i = 0; i < seen_by_applicant; i++) {
        assert_string_not_equal(jstr(json_array_get(msgs, i), "kind"), "internal");
        assert_null(strstr(jstr(json_array_get(msgs, i), "body"), "Note interne"));
    }
    assert_int_equal(seen_by_applicant, 1);
    json_decref(j);
    j = call(&lead, "GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "messages")), 2);
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/history", (long long)id);
    j = call(&applicant, "GET", path, NULL, 200);
    char *dumped = json_dumps(j, 0);
    assert_null(strstr(dumped, "Note interne"));
    free(dumped);
    json_decref(j);

    /* f1's reader sees the request but gives no opinion. */
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/parts/%lld/opinion",
             (long long)id, (long long)org_f1);
    json_decref(call(&f1_reader, "POST", path, "{\"opinion\": \"favourable\"}", 403));
    json_decref(call(&f1_manager, "POST", path,
                     "{\"opinion\": \"favourable\", \"text\": \"Avis (exemple).\"}", 200));
    /* Decisions: a manager of f1 may not; above what was asked is refused by name. */
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/parts/%lld/decision",
             (long long)id, (long long)org_f1);
    json_decref(call(&f1_manager, "POST", path,
                     "{\"decision\": \"grant\", \"amount\": \"1000.00\"}", 403));
    json_decref(call(&f2_instr, "POST", path,
                     "{\"decision\": \"grant\", \"amount\": \"1000.00\"}", 403));
    j = call(&f1_instr, "POST", path, "{\"decision\": \"grant\", \"amount\": \"6000.01\"}", 400);
    assert_string_equal(err_field(j), "amount");
    json_decref(j);
    j = call(&f1_instr, "POST", path, "{\"decision\": \"grant\", \"amount_cents\": 100}", 400);
    assert_string_equal(err_field(j), "amount_cents");
    json_decref(j);
    doc = call(&f1_instr, "POST", path,
               "{\"decision\": \"grant\", \"amount\": \"4500.50\", \"reason\": \"\"}", 200);
    assert_int_equal(jint(part_of(doc, org_f1), "granted_cents"), cents_of("4500.50"));
    assert_int_equal(jint(part_of(doc, org_f1), "asked_cents"), cents_of("6000.00"));
    json_decref(doc);
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/parts/%lld/decision",
             (long long)id, (long long)org_f2);
    doc = call(&f2_instr, "POST", path,
               "{\"decision\": \"refuse\", \"reason\": \"Hors priorités (exemple).\"}", 200);
    assert_string_equal(jstr(json_object_get(doc, "request"), "state"), "granted_part");
    json_decref(doc);

    /* A payment of f1 (dated today in Paris: not before the decision): more
     * than granted refused, an instalment recorded. */
    int y, m, dd, minute;
    assert_true(mg_paris_civil((int64_t)time(NULL), &y, &m, &dd, &minute) >= 0);
    char pay[256];
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/parts/%lld/payments",
             (long long)id, (long long)org_f1);
    snprintf(pay, sizeof pay,
             "{\"paid_on\": \"%04d-%02d-%02d\", \"amount\": \"4500.51\", \"conditions\": \"\"}",
             y % 10000, m % 100, dd % 100);
    j = call(&f1_instr, "POST", path, pay, 400);
    assert_string_equal(err_field(j), "amount");
    json_decref(j);
    snprintf(pay, sizeof pay, "{\"paid_on\": \"%04d-%02d-%02d\", \"amount\": \"100.00\"}",
             y % 10000, m % 100, dd % 100);
    json_decref(call(&applicant, "POST", path, pay, 403));
    snprintf(pay, sizeof pay,
             "{\"paid_on\": \"%04d-%02d-%02d\", \"amount\": \"2000.25\", \"conditions\": "
             "\"Acompte (exemple).\"}",
             y % 10000, m % 100, dd % 100);
    doc = call(&f1_instr, "POST", path, pay, 201);
    assert_int_equal(jint(part_of(doc, org_f1), "paid_cents"), cents_of("2000.25"));
    json_t *pays = json_object_get(doc, "payments");
    assert_int_equal(json_array_size(pays), 1);
    assert_int_equal(jint(json_array_get(pays, 0), "amount_cents"), cents_of("2000.25"));
    json_decref(doc);

    /* The lead's list and f1's figures hold it. */
    snprintf(body, sizeof body, "?as=lead&organisation=%lld", (long long)web_org_id);
    assert_true(listed(&lead, body, id));
    snprintf(path, sizeof path, "/api/v1/subsidy-funders/%lld", (long long)org_f1);
    j = call(&f1_instr, "GET", path, NULL, 200);
    assert_int_equal(jint(json_object_get(j, "all"), "granted_cents"), cents_of("4500.50"));
    assert_int_equal(jint(json_object_get(j, "all"), "paid_cents"), cents_of("2000.25"));
    json_decref(j);
    json_decref(call(&applicant, "GET", path, NULL, 404));
    snprintf(path, sizeof path, "/api/v1/subsidy-funders/%lld/requests.xlsx", (long long)org_f1);
    res = send_as(&f1_instr, "GET", path, NULL, NULL, 0);
    assert_int_equal(res.status, 200);
    assert_non_null(strstr(res.content_type, "spreadsheetml"));
    assert_true(res.body.len > 4 && memcmp(res.body.data, "PK", 2) == 0);
    mg_http_response_free(&res);

    /* The version kept at filing holds the form as filed. */
    snprintf(path, sizeof path, "/api/v1/subsidy-requests/%lld/versions", (long long)id);
    j = call(&f1_instr, "GET", path, NULL, 200);
    json_t *vs = json_object_get(j, "versions");
    assert_true(json_array_size(vs) >= 1);
    assert_string_equal(jstr(json_array_get(vs, 0), "reason"), "filed");
    assert_true(json_is_object(json_object_get(json_array_get(vs, 0), "data")));
    json_decref(j);

    /* The window with its four co-funders. */
    j = call(&applicant, "GET", "/api/v1/subsidy-windows", NULL, 200);
    json_t *ws = json_object_get(j, "windows");
    bool found = false;
    for (size_t i = 0; i < json_array_size(ws); i++)
        if (jint(json_array_get(ws, i), "id") == window_id) {
            found = true;
            assert_int_equal(json_array_size(json_object_get(json_array_get(ws, i), "funders")),
                             4);
        }
    assert_true(found);
    json_decref(j);
    json_decref(call(&applicant, "GET", "/api/v1/subsidy-calls", NULL, 200));
    json_decref(call(&applicant, "GET", "/api/v1/subsidy-calls?window=x", NULL, 400));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_story),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, web_teardown);
    int pg = test_pg_database("mg_test_web_api_funding", web_fixture_db, sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return failed + 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, web_teardown);
}
