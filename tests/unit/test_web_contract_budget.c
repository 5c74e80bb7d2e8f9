/*
 * The budget pages (web/contracts_budget.c) through the application's
 * router, on the demo Aude: a manager adds a line to an action, changes
 * and deletes it; refused forms come back (400) with what was typed and
 * the sentence; a fed line is marked and refused any change; the
 * contract's page shows its totals; a reader sees without forms and is
 * refused; another organisation gets 404, unless it pilots the action;
 * a funder's page lists what it finances. On SQLite, then on PostgreSQL
 * when MG_TEST_PG_URI is set.
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
#include "parse/parse.h"
#include "pg_fixture.h"
#include "testutil.h"
#include "web_fixture.h"

#define FORM "application/x-www-form-urlencoded"

typedef struct who {
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
} who;

static who manager, reader, stranger, anonymous, contributor;
static int64_t org_b;

static void login_as(who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[96];
    static int serial;
    snprintf(email, sizeof email, "%s.%d.%ld@budget.invalid", tag, ++serial, (long)time(NULL));
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

static int setup(void **state)
{
    if (web_setup(state))
        return -1;
    snprintf(manager.cookie, sizeof manager.cookie, "%s", web_cookie);
    memcpy(manager.csrf, web_csrf_token, sizeof manager.csrf);
    mg_diag d = {{0}};
    char name[64];
    snprintf(name, sizeof name, "Département voisin %ld (exemple)", (long)time(NULL));
    mg_auth_org_input in = {.name = name, .kind = "departement"};
    if (mg_auth_org_add(app->db, 0, &in, true, false, &org_b, NULL, &d)) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    login_as(&reader, web_org_id, MG_ROLE_READER, "lecteur");
    login_as(&stranger, org_b, MG_ROLE_MANAGER, "voisin");
    login_as(&contributor, web_org_id, MG_ROLE_CONTRIBUTOR, "contributeur");
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

static int64_t contract_new(const char *title)
{
    mg_contract_input in = {.kind = "cps", .title = title, .status = "signed"};
    mg_diag d = {{0}};
    int64_t id = 0;
    if (mg_contract_create(app->db, 0, web_org_id, &in, &id, NULL, &d))
        fail_msg("contract: %s", d.msg);
    return id;
}

static int64_t action_new(int64_t contract, const char *title)
{
    mg_contract_action_input in = {.title = title};
    mg_diag d = {{0}};
    int64_t id = 0;
    if (mg_contract_action_create(app->db, 0, contract, &in, &id, NULL, &d))
        fail_msg("action: %s", d.msg);
    return id;
}

/* The current lines of an action, read through the store. */
static size_t lines_of(int64_t action, mg_budget_line **out)
{
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_budget_lines(app->db, 0, action, false, out, &n, &d), 0);
    return n;
}

static void test_add_change_delete(void **state)
{
    (void)state;
    int64_t k = contract_new("Contrat du budget");
    int64_t a = action_new(k, "Cabine de téléconsultation");
    char act[96], post[192], body[256];
    snprintf(act, sizeof act, "/contrats/%lld/actions/%lld", (long long)k, (long long)a);
    snprintf(post, sizeof post, "%s/budget", act);

    /* The action's page offers the form, the organisations by name. */
    mg_http_response r = as(&manager, "GET", act, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "id=\"budget\""));
    assert_non_null(strstr(text(&r), "Aucune ligne budgétaire"));
    assert_non_null(strstr(text(&r), "Ajouter la ligne"));
    assert_non_null(strstr(text(&r), "Département voisin"));
    mg_http_response_free(&r);

    snprintf(body, sizeof body,
             "funder=%lld&year=2025&nature=investment&planned=250+000&committed=100000"
             "&paid=40+000%%2C50",
             (long long)org_b);
    r = as(&manager, "POST", post, body);
    assert_int_equal(r.status, 303);
    assert_non_null(strstr(r.location, act));
    mg_http_response_free(&r);
    mg_budget_line *l = NULL;
    assert_int_equal(lines_of(a, &l), 1);
    int64_t lid = l[0].id;
    assert_int_equal(l[0].funder_id, org_b);
    assert_int_equal(l[0].a.planned, 25000000);
    assert_int_equal(l[0].a.paid, 4000050);
    free(l);

    r = as(&manager, "GET", act, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "250\u202f000\u00a0€"));
    assert_non_null(strstr(text(&r), "40\u202f000,50\u00a0€"));
    assert_non_null(strstr(text(&r), "Total de l'action"));
    assert_non_null(strstr(text(&r), "Investissement"));
    mg_http_response_free(&r);

    /* The contract's page: totals by funder, year, axis, with captions. */
    char cpath[64];
    snprintf(cpath, sizeof cpath, "/contrats/%lld", (long long)k);
    r = as(&manager, "GET", cpath, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "<caption>Budget du contrat par financeur</caption>"));
    assert_non_null(strstr(text(&r), "<caption>Budget du contrat par année</caption>"));
    assert_non_null(strstr(text(&r), "<caption>Budget du contrat par axe</caption>"));
    assert_non_null(strstr(text(&r), "Hors axe"));
    assert_non_null(strstr(text(&r), "100\u202f000\u00a0€"));
    mg_http_response_free(&r);

    /* Refused: what was typed comes back with the sentence. */
    snprintf(body, sizeof body,
             "funder=%lld&year=2025&nature=operation&planned=12%%2C345&committed=&paid=",
             (long long)org_b);
    r = as(&manager, "POST", post, body);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "value=\"12,345\""));
    assert_non_null(strstr(text(&r), "plus de deux décimales"));
    mg_http_response_free(&r);
    snprintf(body, sizeof body,
             "funder=%lld&year=2025&nature=operation&planned=100&committed=10&paid=11",
             (long long)org_b);
    r = as(&manager, "POST", post, body);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "dépasse le montant engagé"));
    mg_http_response_free(&r);
    r = as(&manager, "POST", post, "funder=&year=1890&nature=operation&planned=1");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "value=\"1890\""));
    mg_http_response_free(&r);
    assert_int_equal(lines_of(a, &l), 1); /* nothing written */
    free(l);

    /* Changed through its page. */
    char lpath[160];
    snprintf(lpath, sizeof lpath, "%s/budget/%lld", act, (long long)lid);
    r = as(&manager, "GET", lpath, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Enregistrer la ligne"));
    assert_non_null(strstr(text(&r), "value=\"2025\""));
    mg_http_response_free(&r);
    snprintf(body, sizeof body,
             "funder=%lld&year=2026&nature=operation&planned=300000&committed=300000&paid=0",
             (long long)web_org_id);
    r = as(&manager, "POST", lpath, body);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    mg_budget_line one;
    mg_diag d = {{0}};
    assert_int_equal(mg_budget_line_get(app->db, lid, &one, &d), 0);
    assert_int_equal(one.year, 2026);
    assert_int_equal(one.funder_id, web_org_id);
    assert_int_equal(one.a.planned, 30000000);
    snprintf(body, sizeof body, "funder=%lld&year=2026&nature=operation&planned=abc",
             (long long)web_org_id);
    r = as(&manager, "POST", lpath, body);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "value=\"abc\""));
    mg_http_response_free(&r);

    /* The funder's page: the manager's organisation now finances it. */
    char fpath[96];
    snprintf(fpath, sizeof fpath, "/organisations/%lld/financements", (long long)web_org_id);
    r = as(&manager, "GET", fpath, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Contrat du budget"));
    assert_non_null(strstr(text(&r), "300\u202f000\u00a0€"));
    mg_http_response_free(&r);
    expect(&stranger, "GET", fpath, NULL, 404);

    /* Anonymous: the log-in page (a form without a session is refused
     * before the page: the matrix's rows). */
    expect(&anonymous, "GET", fpath, NULL, 303);
    expect(&anonymous, "GET", lpath, NULL, 303);
    /* A reader of the lead may not open a line's form. */
    expect(&reader, "GET", lpath, NULL, 403);

    /* A line of another action is not found under this one. */
    int64_t a2 = action_new(k, "Autre action");
    char other[160];
    snprintf(other, sizeof other, "/contrats/%lld/actions/%lld/budget/%lld", (long long)k,
             (long long)a2, (long long)lid);
    expect(&manager, "GET", other, NULL, 404);

    /* Deleted. */
    snprintf(post, sizeof post, "%s/supprimer", lpath);
    expect(&manager, "POST", post, "", 303);
    assert_int_equal(lines_of(a, &l), 0);
    expect(&manager, "POST", post, "", 404);
}

static int mark_example(mg_db_conn *c, void *ctx, mg_diag *d)
{
    const int64_t *id = ctx;
    return mg_db_run(c, "UPDATE budget_lines SET is_example = 1 WHERE id = ?1",
                     MG_DB_PARAMS(MG_DB_INT(*id)), NULL, d);
}

static void test_fed_line_read_only(void **state)
{
    (void)state;
    int64_t k = contract_new("Contrat subventionné");
    int64_t a = action_new(k, "Aller-vers");
    mg_diag d = {{0}};
    assert_int_equal(mg_budget_feed(app->db, 0, a, 9001, org_b, 2025, MG_BUDGET_OPERATION,
                                    1200000, 0, &d), 0);
    mg_budget_line *l = NULL;
    assert_int_equal(lines_of(a, &l), 1);
    int64_t lid = l[0].id;
    free(l);
    char act[96], lpath[160], body[160];
    snprintf(act, sizeof act, "/contrats/%lld/actions/%lld", (long long)k, (long long)a);
    snprintf(lpath, sizeof lpath, "%s/budget/%lld", act, (long long)lid);
    mg_http_response r = as(&manager, "GET", act, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "ligne issue d'une demande de subvention"));
    assert_null(strstr(text(&r), lpath)); /* no link to change it */
    mg_http_response_free(&r);
    snprintf(body, sizeof body, "funder=%lld&year=2025&nature=operation&planned=1",
             (long long)org_b);
    r = as(&manager, "POST", lpath, body);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "demande de subvention"));
    mg_http_response_free(&r);
    /* A line of the demo data marked as an example says so. */
    assert_int_equal(mg_db_transaction(app->db, MG_DB_TX_WRITE, mark_example, &lid, &d), 0);
    r = as(&reader, "GET", act, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "<span class=\"tag\">exemple</span>"));
    mg_http_response_free(&r);
    char del[180];
    snprintf(del, sizeof del, "%s/supprimer", lpath);
    expect(&manager, "POST", del, "", 400);
    assert_int_equal(lines_of(a, &l), 1);
    assert_int_equal(l[0].a.planned, 1200000);
    free(l);
}

static void test_who_may(void **state)
{
    (void)state;
    int64_t k = contract_new("Contrat confidentiel");
    int64_t a = action_new(k, "Action confidentielle");
    char act[96], post[128], body[160];
    snprintf(act, sizeof act, "/contrats/%lld/actions/%lld", (long long)k, (long long)a);
    snprintf(post, sizeof post, "%s/budget", act);
    snprintf(body, sizeof body, "funder=%lld&year=2025&nature=operation&planned=1000",
             (long long)web_org_id);

    /* A reader of the lead sees the section without its form. */
    mg_http_response r = as(&reader, "GET", act, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "id=\"budget\""));
    assert_null(strstr(text(&r), "Ajouter la ligne"));
    mg_http_response_free(&r);
    expect(&reader, "POST", post, body, 403);
    /* A contributor of the lead edits, as a manager (the roles that must
     * first enrol a second factor, administrator and instructor, are the
     * authorisation matrix's to check: tests/authz/rows-budget.tsv). */
    expect(&contributor, "POST", post, body, 303);
    mg_budget_line *l = NULL;
    assert_int_equal(lines_of(a, &l), 1);
    free(l);
    char del[192];
    mg_diag d0 = {{0}};
    mg_budget_line_input typed = {.funder_id = web_org_id, .year = "2025", .nature = "operation",
                                  .planned = "10"};
    int64_t lid = 0;
    assert_int_equal(mg_budget_line_create(app->db, 0, a, &typed, &lid, NULL, &d0), 0);
    snprintf(del, sizeof del, "%s/budget/%lld", act, (long long)lid);
    expect(&reader, "GET", del, NULL, 403);
    expect(&contributor, "GET", del, NULL, 200);
    strncat(del, "/supprimer", sizeof del - strlen(del) - 1);
    expect(&reader, "POST", del, "", 403);
    expect(&contributor, "POST", del, "", 303);
    /* The funder's page is the organisation members': every role. */
    char fpath[96];
    snprintf(fpath, sizeof fpath, "/organisations/%lld/financements", (long long)web_org_id);
    expect(&contributor, "GET", fpath, NULL, 200);
    expect(&reader, "GET", fpath, NULL, 200);
    /* Another organisation hears of nothing. */
    expect(&stranger, "POST", post, body, 404);
    assert_int_equal(lines_of(a, &l), 1);
    free(l);

    /* As the action's pilot, it edits the action's lines. */
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_participant_add(app->db, 0, a, org_b, MG_PARTICIPANT_PILOT,
                                                 NULL, &d), 0);
    expect(&stranger, "POST", post, body, 303);
    assert_int_equal(lines_of(a, &l), 2);
    free(l);
    /* Not those of another action of the contract. */
    int64_t a2 = action_new(k, "Action sans pilote");
    char post2[128];
    snprintf(post2, sizeof post2, "/contrats/%lld/actions/%lld/budget", (long long)k,
             (long long)a2);
    expect(&stranger, "POST", post2, body, 403);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_change_delete),
        cmocka_unit_test(test_fed_line_read_only),
        cmocka_unit_test(test_who_may),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, web_teardown);
    int pg = test_pg_database("mg_test_web_contract_budget", web_fixture_db,
                              sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, web_teardown);
}
