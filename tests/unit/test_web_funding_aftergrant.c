/*
 * The pages of what follows a grant (web/funding_aftergrant.c) through the
 * application's router, on the demo Aude: the instructor of a granted
 * part records a payment (303) and the part's paid amount follows; the
 * applicant (403), the instructor of another co-funder of the request
 * (403) and an organisation that knows nothing of it (404) are refused; a
 * refused payment comes back (400) with what was typed. The final report:
 * the applicant saves and files it (the 10 % rule's refusal, 400, keeps
 * what was typed), others read it without a form; the late list of a
 * co-funder for its members only. On SQLite, then on PostgreSQL when
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
#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "funding/aftergrant.h"
#include "funding/funding.h"
#include "funding/instruction.h"
#include "pg_fixture.h"
#include "testutil.h"
#include "web_fixture.h"
#include "funding_fixture.h"

#define FORM "application/x-www-form-urlencoded"

typedef struct who {
    int64_t account;
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
} who;

static funding_fx fx;
static who instr, applicant, other_funder, stranger;
static int64_t lead_account;

static void login_as(who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[128];
    static int serial;
    snprintf(email, sizeof email, "%s.%d.%ld@apres-accord.invalid", tag, ++serial,
             (long)time(NULL));
    const char *password = "un mot de passe de test assez long";
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_auth_session s;
    if (mg_auth_account_add(app->db, 0, email, "Compte de test (exemple)", password, org, role,
                            &w->account, NULL, &d) ||
        mg_auth_login(app->db, email, password, "127.0.0.1", (int64_t)time(NULL), &lr, &retry,
                      &d) ||
        mg_auth_session_load(app->db, lr.session, (int64_t)time(NULL), &s, &d))
        fail_msg("log-in %s: %s", tag, d.msg);
    snprintf(w->cookie, sizeof w->cookie, "mg_session=%s", lr.session);
    memcpy(w->csrf, s.csrf, sizeof w->csrf);
}

static int setup(void **state)
{
    if (web_setup(state))
        return -1;
    fx_setup_seed(app->db, 2, (unsigned)time(NULL) % 100000u, &fx);
    /* Managers instruct a part as instructors do (and need no second factor
     * to sign in; the decision, an instructor's, is made through the store). */
    login_as(&instr, fx.funders[0], MG_ROLE_MANAGER, "instruction");
    login_as(&applicant, fx.assoc, MG_ROLE_MANAGER, "porteur");
    login_as(&other_funder, fx.funders[1], MG_ROLE_MANAGER, "autre");
    login_as(&stranger, web_org_id, MG_ROLE_MANAGER, "etranger");
    who lead;
    login_as(&lead, fx.lead, MG_ROLE_MANAGER, "pilote");
    lead_account = lead.account;
    return 0;
}

static mg_http_response as(const who *w, const char *method, const char *target,
                           const char *body)
{
    mg_http_response res;
    const char *headers[] = {"Cookie", w->cookie, "X-CSRF-Token", w->csrf, NULL};
    int rc = mg_http_dispatch_with(app->router, method, target, headers, body ? FORM : NULL,
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

/* A request of fx.assoc asking 5 000 € and 3 000 € of the two co-funders,
 * ending on ends_on (NULL: the fixture's), routed to both, the first part
 * granted 4 000 € by instr. */
static int64_t granted_request(const char *starts_on, const char *ends_on)
{
    int64_t asked[] = {500000, 300000};
    fx_form f;
    fx_form_fill(&f, &fx, asked, 2);
    if (starts_on)
        f.in.starts_on = starts_on;
    if (ends_on)
        f.in.ends_on = ends_on;
    int64_t id = fx_draft(app->db, &fx, &f);
    fx_attach_required(app->db, id, false);
    fx_file(app->db, id);
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    if (mg_subsidy_route(app->db, lead_account, id, NULL, 0, &errs, &d))
        fail_msg("routing: %s", d.msg);
    if (mg_subsidy_decide(app->db, instr.account, id, fx.funders[0], MG_DECISION_GRANT, "4 000",
                          "", &errs, &d))
        fail_msg("grant: %s", d.msg);
    return id;
}

static int64_t paid_of(int64_t rid, int64_t funder)
{
    mg_subsidy_part p;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_part_get(app->db, rid, funder, &p, &d), 0);
    return p.paid_cents;
}

static void test_payment_form(void **state)
{
    (void)state;
    int64_t rid = granted_request(NULL, NULL);
    char today[11], path[160], page[96], body[256];
    mg_contract_today(today);
    snprintf(path, sizeof path, "/guichet/demandes/%lld/parts/%lld/paiements", (long long)rid,
             (long long)fx.funders[0]);
    snprintf(page, sizeof page, "/guichet/demandes/%lld", (long long)rid);

    /* Recorded: 303, the part's paid follows. */
    mg_http_response r;
    snprintf(body, sizeof body, "paid_on=%s&amount=1+500&conditions=Convention+sign%%C3%%A9e",
             today);
    r = as(&instr, "POST", path, body);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    assert_int_equal(paid_of(rid, fx.funders[0]), 150000);

    /* Refused: who may not, with nothing changed. */
    expect(&applicant, "POST", path, body, 403);
    expect(&other_funder, "POST", path, body, 403);
    expect(&stranger, "POST", path, body, 404);
    assert_int_equal(paid_of(rid, fx.funders[0]), 150000);

    /* Above what is left (2 500 €): 400 with what was typed. */
    snprintf(body, sizeof body, "paid_on=%s&amount=2+500%%2C01&conditions=Second+versement",
             today);
    r = as(&instr, "POST", path, body);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "2 500,01"));
    assert_non_null(strstr(text(&r), "Second versement"));
    assert_non_null(strstr(text(&r), "reste à verser"));
    mg_http_response_free(&r);
    /* Not a date. */
    r = as(&instr, "POST", path, "paid_on=31%2F02%2F2026&amount=10&conditions=");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "31/02/2026"));
    mg_http_response_free(&r);
    assert_int_equal(paid_of(rid, fx.funders[0]), 150000);

    /* A part not granted: the second co-funder's, by its instructor. */
    snprintf(path, sizeof path, "/guichet/demandes/%lld/parts/%lld/paiements", (long long)rid,
             (long long)fx.funders[1]);
    snprintf(body, sizeof body, "paid_on=%s&amount=10&conditions=", today);
    r = as(&other_funder, "POST", path, body);
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);
    assert_int_equal(paid_of(rid, fx.funders[1]), 0);

    /* The request's page (funding_pages.c draws it with this file's
     * section): the form for the part's instructor only. */
    snprintf(path, sizeof path, "/guichet/demandes/%lld/parts/%lld/paiements", (long long)rid,
             (long long)fx.funders[0]);
    r = as(&instr, "GET", page, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), path));
    assert_non_null(strstr(text(&r), "Enregistrer le versement"));
    assert_non_null(strstr(text(&r), "convention.pdf"));
    mg_http_response_free(&r);
    r = as(&applicant, "GET", page, NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(text(&r), path));
    assert_non_null(strstr(text(&r), "Reste à verser"));
    mg_http_response_free(&r);
}

static void test_report_round_trip(void **state)
{
    (void)state;
    int64_t rid = granted_request(NULL, NULL);
    char path[96];
    snprintf(path, sizeof path, "/guichet/demandes/%lld/compte-rendu", (long long)rid);

    mg_http_response r = as(&applicant, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Déposer le compte rendu"));
    assert_non_null(strstr(text(&r), "name=\"line_1_amount\""));
    mg_http_response_free(&r);

    /* Saved: the first budget line (account 60) at 1 500 €. */
    r = as(&applicant, "POST", path, "line_1_amount=1+500&comments=&action=save");
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    mg_subsidy_report rep;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_report_get(app->db, rid, &rep, &d), 0);
    assert_int_equal(rep.nlines, 1);
    assert_string_equal(rep.lines[0].account, "60");
    assert_int_equal(rep.lines[0].amount_cents, 150000);
    assert_string_equal(rep.filed_at, "");
    mg_subsidy_report_clear(&rep);
    r = as(&applicant, "GET", path, NULL);
    char saved[80], typed[64];
    mg_budget_format_cents(150000, typed, sizeof typed);
    snprintf(saved, sizeof saved, "value=\"%s\"", typed);
    assert_non_null(strstr(text(&r), saved));
    mg_http_response_free(&r);

    /* A wrong amount: 400, what was typed kept, nothing saved. */
    r = as(&applicant, "POST", path, "line_1_amount=mille&line_2_amount=7+000&action=save");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "value=\"mille\""));
    assert_non_null(strstr(text(&r), "value=\"7 000\""));
    assert_non_null(strstr(text(&r), "aria-invalid"));
    mg_http_response_free(&r);
    /* Filed far under the budget (1 500 € of 11 000 €) without comments: 400. */
    r = as(&applicant, "POST", path, "line_1_amount=1+500&comments=&action=file");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "value=\"1 500\""));
    assert_non_null(strstr(text(&r), "commentaire"));
    mg_http_response_free(&r);
    assert_int_equal(mg_subsidy_report_get(app->db, rid, &rep, &d), 0);
    assert_string_equal(rep.filed_at, "");
    mg_subsidy_report_clear(&rep);

    /* Others who see the request may not write it. */
    expect(&instr, "POST", path, "line_1_amount=1&action=save", 403);
    expect(&stranger, "GET", path, NULL, 404);
    expect(&stranger, "POST", path, "line_1_amount=1&action=save", 404);

    /* Filed with comments. */
    r = as(&applicant, "POST", path,
           "line_1_amount=1+500&comments=Projet+r%C3%A9duit+(exemple)&action=file");
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    assert_int_equal(mg_subsidy_report_get(app->db, rid, &rep, &d), 0);
    assert_string_not_equal(rep.filed_at, "");
    mg_subsidy_report_clear(&rep);
    r = as(&applicant, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(text(&r), "Déposer le compte rendu"));
    assert_non_null(strstr(text(&r), "Déposé le"));
    assert_non_null(strstr(text(&r), "Projet réduit (exemple)"));
    mg_http_response_free(&r);
    r = as(&instr, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(text(&r), "<form method=\"post\" action=\"/guichet/demandes/"));
    mg_http_response_free(&r);
    /* Filed: no second filing. */
    r = as(&applicant, "POST", path, "line_1_amount=1+500&comments=x&action=file");
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);
}

static void test_late_list(void **state)
{
    (void)state;
    /* Ended 2025-08-31: due 2026-02-28, late from then on. */
    int64_t rid = granted_request("2025-01-01", "2025-08-31");
    char path[96], link[96];
    snprintf(path, sizeof path, "/guichet/financeurs/%lld/comptes-rendus",
             (long long)fx.funders[0]);
    snprintf(link, sizeof link, "/guichet/demandes/%lld/compte-rendu", (long long)rid);
    char today[11];
    mg_contract_today(today);
    mg_http_response r = as(&instr, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    if (strcmp(today, "2026-02-28") > 0) {
        assert_non_null(strstr(text(&r), link));
        assert_non_null(strstr(text(&r), "En retard de"));
    }
    mg_http_response_free(&r);
    expect(&stranger, "GET", path, NULL, 404);
    expect(&applicant, "GET", path, NULL, 404);
    r = as(&other_funder, "GET", path, NULL);
    assert_true(r.status == 404 || r.status == 403);
    mg_http_response_free(&r);
    /* The request's page says it is late. */
    snprintf(path, sizeof path, "/guichet/demandes/%lld", (long long)rid);
    r = as(&applicant, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Compte rendu financier"));
    if (strcmp(today, "2026-02-28") > 0)
        assert_non_null(strstr(text(&r), "en retard de"));
    mg_http_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_payment_form),
        cmocka_unit_test(test_report_round_trip),
        cmocka_unit_test(test_late_list),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, web_teardown);
    int pg = test_pg_database("mg_test_web_funding_aftergrant", web_fixture_db,
                              sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, web_teardown);
}
