/*
 * The single window's windows, calls, co-funders' pages and open data
 * (web/funding_calls.c) through the application's router, on the demo
 * Aude: a manager creates a window (a refused form comes back, 400, with
 * what was typed), adds a co-funder, whose manager then opens a call; the
 * calls are public; a co-funder's page shows its figures and its requests
 * by page and by state to its own members, and is a 404 for another
 * organisation's; its workbook is an XLSX; the open data is a CSV. On
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
#include "contracts/budget.h"
#include "funding/aftergrant.h"
#include "funding/funding.h"
#include "funding/instruction.h"
#include "funding/internal.h"
#include "parse/parse.h"
#include "pg_fixture.h"
#include "testutil.h"
#include "web_fixture.h"
#include "funding_fixture.h"

#define FORM "application/x-www-form-urlencoded"

typedef struct who {
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
    int64_t account;
} who;

static who manager, stranger, anonymous, instructor;
static int64_t org_b;

static void login_as(who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[96];
    static int serial;
    snprintf(email, sizeof email, "%s.%d.%ld@guichet.invalid", tag, ++serial, (long)time(NULL));
    const char *password = "un mot de passe de test assez long";
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_auth_session s;
    int64_t now = (int64_t)time(NULL);
    if (mg_auth_account_add(app->db, 0, email, "Compte de test (exemple)", password, org, role,
                            &w->account, NULL, &d))
        fail_msg("account %s: %s", tag, d.msg);
    /* Instructors have a second factor: enrolled, then given at log-in. */
    char secret[MG_AUTH_TOTP_SECRET_CHARS + 1], uri[512], code[7];
    if (mg_auth_role_needs_totp(role) &&
        (mg_auth_totp_begin(app->db, w->account, secret, uri, sizeof uri, &d) ||
         mg_auth_totp_code(secret, now, code, &d) ||
         mg_auth_totp_confirm(app->db, w->account, code, now, &d)))
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

static int setup(void **state)
{
    if (web_setup(state))
        return -1;
    snprintf(manager.cookie, sizeof manager.cookie, "%s", web_cookie);
    memcpy(manager.csrf, web_csrf_token, sizeof manager.csrf);
    mg_diag d = {{0}};
    char name[64];
    snprintf(name, sizeof name, "ARS voisine %ld (exemple)", (long)time(NULL));
    mg_auth_org_input in = {.name = name, .kind = "ars"};
    if (mg_auth_org_add(app->db, 0, &in, true, false, &org_b, NULL, &d)) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    login_as(&stranger, org_b, MG_ROLE_MANAGER, "voisin");
    return 0;
}

static mg_http_response as(const who *w, const char *method, const char *target,
                           const char *body)
{
    mg_http_response res;
    const char *headers[] = {"Cookie", w->cookie, "X-CSRF-Token", w->csrf, NULL};
    const char *const *h = w->cookie[0] ? headers : NULL;
    int rc = mg_http_dispatch_with(app->router, method, target, h, body ? FORM : NULL,
                                   body, body ? strlen(body) : 0, &res);
    assert_int_equal(rc, 0);
    return res;
}

static const char *text(const mg_http_response *r)
{
    return r->body.data ? r->body.data : "";
}

static void expect(const who *w, const char *method, const char *target, const char *body,
                   int status)
{
    mg_http_response r = as(w, method, target, body);
    if (r.status != status)
        fail_msg("%s %s: %d, expected %d", method, target, r.status, status);
    mg_http_response_free(&r);
}

static void expect_has(const mg_http_response *r, const char *needle)
{
    if (!strstr(text(r), needle))
        fail_msg("\"%s\" not in the page (status %d)", needle, r->status);
}

/* The id at the end of a redirect's location, after `prefix`. */
static int64_t redirected_id(const mg_http_response *r, const char *prefix)
{
    if (r->status != 303 || strncmp(r->location, prefix, strlen(prefix)) != 0)
        fail_msg("expected a 303 to %s…, got %d %s: %.300s", prefix, r->status, r->location,
                 text(r));
    const char *s = r->location + strlen(prefix);
    char id[24];
    size_t n = strcspn(s, "#?");
    snprintf(id, sizeof id, "%.*s", (int)(n < 23 ? n : 23), s);
    int64_t v = 0;
    if (mg_parse_id(id, INT64_MAX, &v, NULL) != 0)
        fail_msg("no id in %s", r->location);
    return v;
}

static void test_windows_and_calls(void **state)
{
    (void)state;
    /* The list, with the form for a manager. */
    mg_http_response r = as(&manager, "GET", "/guichet/guichets", NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Créer un guichet");
    mg_http_response_free(&r);
    expect(&anonymous, "GET", "/guichet/guichets", NULL, 303); /* to the log-in page */

    /* Refused: no title, a bad territory; what was typed comes back. */
    char body[1024];
    snprintf(body, sizeof body, "lead=%lld&title=&territory=Carcassonne+et+environs",
             (long long)web_org_id);
    r = as(&manager, "POST", "/guichet/guichets", body);
    assert_int_equal(r.status, 400);
    expect_has(&r, "Carcassonne et environs");
    expect_has(&r, "aria-invalid");
    mg_http_response_free(&r);
    /* Another organisation as lead: refused. */
    snprintf(body, sizeof body, "lead=%lld&title=Guichet", (long long)org_b);
    expect(&manager, "POST", "/guichet/guichets", body, 400);

    snprintf(body, sizeof body, "lead=%lld&title=Guichet+sant%%C3%%A9+%%3Cb%%3E+(exemple)"
                                "&territory=epci%%3A200035707&lead_funds=1",
             (long long)web_org_id);
    r = as(&manager, "POST", "/guichet/guichets", body);
    int64_t wid = redirected_id(&r, "/guichet/guichets/");
    mg_http_response_free(&r);
    char path[128];
    snprintf(path, sizeof path, "/guichet/guichets/%lld", (long long)wid);
    r = as(&manager, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Guichet santé &lt;b&gt; (exemple)"); /* escaped */
    expect_has(&r, "Déposer une demande");
    char link[128];
    snprintf(link, sizeof link, "/guichet/demandes/nouvelle?guichet=%lld", (long long)wid);
    expect_has(&r, link);
    snprintf(link, sizeof link, "/guichet/guichets/%lld/commissions", (long long)wid);
    expect_has(&r, link);
    expect_has(&r, "Ajouter le cofinanceur");
    expect_has(&r, "Ouvrir un appel à projets");
    mg_http_response_free(&r);

    /* The stranger sees the window (signed in) but adds nobody. */
    r = as(&stranger, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(text(&r), "Ajouter le cofinanceur"));
    assert_null(strstr(text(&r), "Ouvrir un appel à projets"));
    mg_http_response_free(&r);
    char post[160];
    snprintf(post, sizeof post, "/guichet/guichets/%lld/cofinanceurs", (long long)wid);
    snprintf(body, sizeof body, "funder=%lld", (long long)org_b);
    expect(&stranger, "POST", post, body, 403);
    expect(&manager, "POST", post, "funder=", 400);
    r = as(&manager, "POST", post, body);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);

    /* Now a co-funder, its manager opens a call in its name. */
    r = as(&stranger, "GET", path, NULL);
    expect_has(&r, "Ouvrir un appel à projets");
    mg_http_response_free(&r);
    snprintf(post, sizeof post, "/guichet/guichets/%lld/appels", (long long)wid);
    /* Refused: the deadline before the opening, a bad budget. */
    snprintf(body, sizeof body,
             "opened_by=%lld&title=Appel+pr%%C3%%A9vention&opens_on=2099-06-01"
             "&deadline=2099-05-01&budget_%lld=douze",
             (long long)org_b, (long long)org_b);
    r = as(&stranger, "POST", post, body);
    assert_int_equal(r.status, 400);
    expect_has(&r, "Appel prévention");
    expect_has(&r, "ne peut précéder");
    expect_has(&r, "douze");
    mg_http_response_free(&r);
    /* In the lead's name: not the stranger's to use. */
    snprintf(body, sizeof body, "opened_by=%lld&title=T&opens_on=2026-01-01&deadline=2099-01-01",
             (long long)web_org_id);
    expect(&stranger, "POST", post, body, 400);
    snprintf(body, sizeof body,
             "opened_by=%lld&title=Appel+pr%%C3%%A9vention+(exemple)&theme=Pr%%C3%%A9vention"
             "&opens_on=01%%2F01%%2F2026&deadline=31%%2F12%%2F2099&budget_%lld=15+000"
             "&budget_%lld=2500%%2C50",
             (long long)org_b, (long long)org_b, (long long)web_org_id);
    r = as(&stranger, "POST", post, body);
    int64_t cid = redirected_id(&r, "/guichet/appels/");
    mg_http_response_free(&r);

    /* Public calls. */
    r = as(&anonymous, "GET", "/guichet/appels", NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Appel prévention (exemple)");
    expect_has(&r, "Ouvert");
    mg_http_response_free(&r);
    snprintf(path, sizeof path, "/guichet/appels/%lld", (long long)cid);
    r = as(&anonymous, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "15\xe2\x80\xaf" "000\xc2\xa0\xe2\x82\xac"); /* 15 000 € */
    expect_has(&r, "2\xe2\x80\xaf" "500,50\xc2\xa0\xe2\x82\xac");
    expect_has(&r, "17\xe2\x80\xaf" "500,50\xc2\xa0\xe2\x82\xac"); /* the total */
    expect_has(&r, "31/12/2099");
    snprintf(link, sizeof link, "/guichet/demandes/nouvelle?guichet=%lld&amp;appel=%lld",
             (long long)wid, (long long)cid);
    expect_has(&r, link);
    mg_http_response_free(&r);
    snprintf(path, sizeof path, "/guichet/appels/%lld", (long long)cid + 1000);
    expect(&anonymous, "GET", path, NULL, 404);
    expect(&anonymous, "GET", "/guichet/appels/007", NULL, 404);
    expect(&manager, "GET", "/guichet/guichets/0", NULL, 404);
}

/* Requests routed to a co-funder whose instructor signs in. */
static void test_funder_pages(void **state)
{
    (void)state;
    funding_fx fx;
    fx_setup_seed(app->db, 2, (unsigned)time(NULL) % 100000u, &fx);
    login_as(&instructor, fx.funders[0], MG_ROLE_INSTRUCTOR, "instruction");
    who lead;
    login_as(&lead, fx.lead, MG_ROLE_INSTRUCTOR, "pilote");
    enum { N = 53 };
    int64_t asked[2] = {123456, 50000};
    int64_t granted_sum = 0, asked_sum = 0;
    for (int i = 0; i < N; i++) {
        int64_t id = fx_filed(app->db, &fx, asked, 2);
        mg_subsidy_errors e = {0};
        mg_diag d = {{0}};
        if (mg_subsidy_route(app->db, lead.account, id, NULL, 0, &e, &d) != 0)
            fail_msg("route: %s", d.msg);
        asked_sum += asked[0];
        if (i % 3 == 0) {
            if (mg_subsidy_decide(app->db, instructor.account, id, fx.funders[0],
                                  MG_DECISION_GRANT, "1 000,50", "", &e, &d) != 0)
                fail_msg("decide: %s", d.msg);
            granted_sum += 100050;
        }
    }
    char path[160];
    snprintf(path, sizeof path, "/guichet/financeurs/%lld", (long long)fx.funders[0]);
    mg_http_response r = as(&instructor, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Par état de la part");
    expect_has(&r, "Par année de début du projet");
    expect_has(&r, "Par action du contrat");
    expect_has(&r, "Sans action");
    expect_has(&r, "Demandeurs financés");
    expect_has(&r, "53 demandes");
    char money[64];
    mg_budget_format_cents(asked_sum, money, sizeof money);
    expect_has(&r, money);
    mg_budget_format_cents(granted_sum, money, sizeof money);
    expect_has(&r, money);
    expect_has(&r, "demandes.xlsx");
    expect_has(&r, "Page 1 sur 2");
    mg_http_response_free(&r);
    /* Page 2 holds the 3 oldest; page 3 is no page. */
    snprintf(path, sizeof path, "/guichet/financeurs/%lld?page=2", (long long)fx.funders[0]);
    r = as(&instructor, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Page 2 sur 2");
    mg_http_response_free(&r);
    snprintf(path, sizeof path, "/guichet/financeurs/%lld?page=3", (long long)fx.funders[0]);
    expect(&instructor, "GET", path, NULL, 404);
    snprintf(path, sizeof path, "/guichet/financeurs/%lld?page=01", (long long)fx.funders[0]);
    expect(&instructor, "GET", path, NULL, 404);
    /* By state: 18 granted, on one page. */
    snprintf(path, sizeof path, "/guichet/financeurs/%lld?etat=granted", (long long)fx.funders[0]);
    r = as(&instructor, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "18 demandes");
    assert_null(strstr(text(&r), "Page 1 sur"));
    mg_http_response_free(&r);
    snprintf(path, sizeof path, "/guichet/financeurs/%lld?etat=nimporte", (long long)fx.funders[0]);
    expect(&instructor, "GET", path, NULL, 400);

    /* Another organisation's members, the lead's included: as if it did not exist. */
    snprintf(path, sizeof path, "/guichet/financeurs/%lld", (long long)fx.funders[0]);
    expect(&stranger, "GET", path, NULL, 404);
    expect(&lead, "GET", path, NULL, 404);
    expect(&anonymous, "GET", path, NULL, 303);
    snprintf(path, sizeof path, "/guichet/financeurs/%lld", (long long)fx.funders[0] + 100000);
    expect(&instructor, "GET", path, NULL, 404);

    /* The workbook. */
    snprintf(path, sizeof path, "/guichet/financeurs/%lld/demandes.xlsx",
             (long long)fx.funders[0]);
    r = as(&instructor, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_true(r.body.len > 1000);
    assert_memory_equal(r.body.data, "PK", 2);
    assert_non_null(strstr(r.disposition, "attachment; filename="));
    assert_non_null(strstr(r.disposition, ".xlsx"));
    mg_http_response_free(&r);
    expect(&stranger, "GET", path, NULL, 404);

    /* The open data: public, a CSV, one row per granted part. */
    r = as(&anonymous, "GET", "/guichet/donnees/subventions.csv", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/csv; charset=utf-8");
    assert_non_null(strstr(r.disposition, "filename=\""));
    assert_true(strncmp(text(&r), "nomAttribuant,idAttribuant,dateConvention,", 42) == 0);
    size_t lines = 0;
    for (const char *p = text(&r); *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + 18);
    mg_http_response_free(&r);
    /* The fixture's window is an example but its requests are not: asking
     * for the examples too gives the same rows. */
    r = as(&anonymous, "GET", "/guichet/donnees/subventions.csv?exemples=1", NULL);
    assert_int_equal(r.status, 200);
    lines = 0;
    for (const char *p = text(&r); *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + 18);
    mg_http_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows_and_calls),
        cmocka_unit_test(test_funder_pages),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, web_teardown);
    int pg = test_pg_database("mg_test_web_funding_calls", web_fixture_db,
                              sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, web_teardown);
}
