/*
 * The joint instruction's pages (web/funding_instruction.c) through the
 * application's router, on the demo Aude: the lead routes (and is refused
 * with the page, 400, when it ticks nobody), a co-funder's instructor gives
 * an opinion (a refused one comes back with what was typed), asks a
 * question, the applicant answers it, the instructor decides (above the
 * amount asked: 400 with the amount typed; within it: 303); a manager or
 * a reader of the co-funder may not decide, nor an instructor of another
 * co-funder (403); an internal note is shown to the instructors and never
 * on a page the applicant sees; committees of a window for its lead only.
 * On SQLite, then on PostgreSQL when MG_TEST_PG_URI is set. The window and
 * the filed request are written with plain SQL (the request's own pages
 * are another file's).
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
#include "funding/funding.h"
#include "funding/instruction.h"
#include "pg_fixture.h"
#include "testutil.h"
#include "web_fixture.h"

#define FORM "application/x-www-form-urlencoded"

static const char SECRET[] = "NOTE-INTERNE-5527";

typedef struct who {
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
    int64_t account;
} who;

static who lead_ins, f1_ins, f1_mgr, f1_rea, f2_ins, app_mgr, app_rea;
static int64_t lead, applicant, f1, f2;

static void login_as(who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[96];
    static int serial;
    snprintf(email, sizeof email, "%s.%d.%ld@instruction.invalid", tag, ++serial,
             (long)time(NULL));
    const char *password = "un mot de passe de test assez long";
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_auth_session s;
    int64_t now = (int64_t)time(NULL);
    char secret[MG_AUTH_TOTP_SECRET_CHARS + 1], uri[512], code[7];
    if (mg_auth_account_add(app->db, 0, email, "Compte de test (exemple)", password, org, role,
                            &w->account, NULL, &d))
        fail_msg("account %s: %s", tag, d.msg);
    /* Instructors need a second factor: enrolled, then its next code given. */
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

static int64_t org_new(const char *what, const char *kind)
{
    char name[96];
    static int serial;
    snprintf(name, sizeof name, "%s %d %ld (exemple)", what, ++serial, (long)time(NULL));
    mg_auth_org_input in = {.name = name, .kind = kind};
    mg_diag d = {{0}};
    int64_t id = 0;
    if (mg_auth_org_add(app->db, 0, &in, true, false, &id, NULL, &d))
        fail_msg("organisation: %s", d.msg);
    return id;
}

struct raw_tx {
    const char *sql;
    const mg_db_param *p;
    size_t n;
    int64_t out;
};

static int raw_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct raw_tx *t = ctx;
    t->out = 0;
    int rc = mg_db_query_int(c, t->sql, t->p, t->n, &t->out, d);
    return rc == MG_ENOTFOUND ? 0 : rc;
}

static int64_t raw_ok(const char *sql, const mg_db_param *p, size_t n)
{
    struct raw_tx t = {sql, p, n, 0};
    mg_diag d = {{0}};
    if (mg_db_transaction(app->db, MG_DB_TX_WRITE, raw_body, &t, &d))
        fail_msg("%s: %s", sql, d.msg);
    return t.out;
}

static int setup(void **state)
{
    if (web_setup(state))
        return -1;
    lead = org_new("Coordination", "epci");
    applicant = org_new("Association", "association");
    f1 = org_new("ARS", "ars");
    f2 = org_new("Département", "departement");
    login_as(&lead_ins, lead, MG_ROLE_INSTRUCTOR, "cls");
    login_as(&f1_ins, f1, MG_ROLE_INSTRUCTOR, "ars-instructeur");
    login_as(&f1_mgr, f1, MG_ROLE_MANAGER, "ars-responsable");
    login_as(&f1_rea, f1, MG_ROLE_READER, "ars-lecteur");
    login_as(&f2_ins, f2, MG_ROLE_INSTRUCTOR, "dep-instructeur");
    login_as(&app_mgr, applicant, MG_ROLE_MANAGER, "asso-responsable");
    login_as(&app_rea, applicant, MG_ROLE_READER, "asso-lecteur");
    return 0;
}

static int64_t window_new(void)
{
    return raw_ok("INSERT INTO subsidy_windows (lead_id, title, created_at, updated_at) "
                  "VALUES (?1, 'Guichet santé (exemple)', '2026-01-01T00:00:00Z', "
                  "'2026-01-01T00:00:00Z') RETURNING id",
                  MG_DB_PARAMS(MG_DB_INT(lead)));
}

/* A filed request of the applicant asking f1 10 000 € and f2 5 000 €. */
static int64_t request_new(int64_t window)
{
    int64_t id = raw_ok("INSERT INTO subsidy_requests (window_id, applicant_id, state, email, "
                        "title, starts_on, nature, total_expenses_cents, total_resources_cents, "
                        "version, created_by, filed_by, filed_at, created_at, updated_at) "
                        "VALUES (?1, ?2, 'filed', 'contact@asso.invalid', "
                        "'Ateliers santé (exemple)', '2027-03-01', 'operation', 2000000, "
                        "2000000, 1, ?3, ?3, '2026-02-01T10:00:00Z', '2026-01-15T10:00:00Z', "
                        "'2026-02-01T10:00:00Z') RETURNING id",
                        MG_DB_PARAMS(MG_DB_INT(window), MG_DB_INT(applicant),
                                     MG_DB_INT(app_mgr.account)));
    raw_ok("INSERT INTO subsidy_request_funders (request_id, funder_id, asked_cents, updated_at) "
           "VALUES (?1, ?2, 1000000, '2026-02-01T10:00:00Z'), "
           "(?1, ?3, 500000, '2026-02-01T10:00:00Z')",
           MG_DB_PARAMS(MG_DB_INT(id), MG_DB_INT(f1), MG_DB_INT(f2)));
    return id;
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

/* Sends a request and checks its status; the response for more checks. */
static mg_http_response expect(const who *w, const char *method, const char *target,
                               const char *body, int status)
{
    mg_http_response r = as(w, method, target, body);
    if (r.status != status)
        fail_msg("%s %s: %d, expected %d\n%.600s", method, target, r.status, status, text(&r));
    return r;
}

static void expect_free(const who *w, const char *method, const char *target, const char *body,
                        int status)
{
    mg_http_response r = expect(w, method, target, body, status);
    mg_http_response_free(&r);
}

static mg_subsidy_part_state part_state(int64_t req, int64_t funder)
{
    mg_subsidy_part p;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_part_get(app->db, req, funder, &p, &d), 0);
    return p.state;
}

static int64_t open_question(int64_t req)
{
    mg_subsidy_message *m = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_messages(app->db, req, false, &m, &n, &d), 0);
    int64_t q = 0;
    for (size_t k = 0; k < n; k++)
        if (m[k].kind == MG_MESSAGE_QUESTION && !m[k].answered_at[0])
            q = m[k].id;
    mg_subsidy_messages_free(m, n);
    return q;
}

static void test_instruction_forms(void **state)
{
    (void)state;
    int64_t req = request_new(window_new());
    char path[160], body[256], back[96];
    snprintf(back, sizeof back, "/guichet/demandes/%lld#cofinanceurs", (long long)req);

    /* Nobody ticked: 400, the page with the sentence beside the list. */
    snprintf(path, sizeof path, "/guichet/demandes/%lld/orienter", (long long)req);
    mg_http_response r = expect(&lead_ins, "POST", path, "rien=1", 400);
    assert_non_null(strstr(text(&r), "Cochez au moins un cofinanceur."));
    assert_non_null(strstr(text(&r), "Position des cofinanceurs"));
    mg_http_response_free(&r);
    /* The co-funder's instructor may not route; the lead routes f1. */
    snprintf(body, sizeof body, "funder_%lld=1", (long long)f1);
    expect_free(&f1_ins, "POST", path, body, 404); /* f1 not routed yet: it knows nothing */
    r = expect(&lead_ins, "POST", path, body, 303);
    assert_string_equal(r.location, back);
    mg_http_response_free(&r);
    assert_int_equal(part_state(req, f1), MG_PART_RECEIVED);
    assert_int_equal(part_state(req, f2), MG_PART_ADDRESSED);
    expect_free(&f1_ins, "POST", path, body, 403); /* routed now: it sees, may not route */
    snprintf(body, sizeof body, "funder_%lld=1", (long long)f2);
    expect_free(&lead_ins, "POST", path, body, 303);

    /* An opinion refused: the page again, with what was typed and the sentence. */
    snprintf(path, sizeof path, "/guichet/demandes/%lld/parts/%lld/avis", (long long)req,
             (long long)f1);
    r = expect(&f1_ins, "POST", path, "opinion=excellent&opinion_text=Mon+texte+tap%C3%A9", 400);
    assert_non_null(strstr(text(&r), "Avis : choisissez"));
    assert_non_null(strstr(text(&r), "Mon texte tapé"));
    assert_non_null(strstr(text(&r), "aria-invalid=\"true\""));
    mg_http_response_free(&r);
    expect_free(&f2_ins, "POST", path, "opinion=favourable", 403); /* not its part */
    expect_free(&app_mgr, "POST", path, "opinion=favourable", 403);
    expect_free(&f1_ins, "POST", path, "opinion=favourable&opinion_text=Utile", 303);
    assert_int_equal(part_state(req, f1), MG_PART_IN_INSTRUCTION);

    /* A question, and the applicant's answer. */
    snprintf(path, sizeof path, "/guichet/demandes/%lld/parts/%lld/question", (long long)req,
             (long long)f1);
    expect_free(&f1_ins, "POST", path, "body=", 400);
    expect_free(&f1_ins, "POST", path, "body=Quel+public+%3F", 303);
    assert_int_equal(part_state(req, f1), MG_PART_TO_COMPLETE);
    int64_t q = open_question(req);
    assert_true(q > 0);
    snprintf(path, sizeof path, "/guichet/demandes/%lld/reponses/%lld", (long long)req,
             (long long)q);
    expect_free(&f1_ins, "POST", path, "body=Pas+moi", 403);
    expect_free(&app_rea, "POST", path, "body=Lecteur", 403);
    r = expect(&app_mgr, "POST", path, "body=", 400);
    assert_non_null(strstr(text(&r), "Réponse : à remplir."));
    mg_http_response_free(&r);
    expect_free(&app_mgr, "POST", path, "body=Les+a%C3%AEn%C3%A9s", 303);
    assert_int_equal(part_state(req, f1), MG_PART_IN_INSTRUCTION);
    assert_int_equal(open_question(req), 0);

    /* Decisions: the co-funder's instructors only. */
    snprintf(path, sizeof path, "/guichet/demandes/%lld/parts/%lld/decision", (long long)req,
             (long long)f1);
    expect_free(&f1_mgr, "POST", path, "decision=grant&amount=5+000", 403);
    expect_free(&f1_rea, "POST", path, "decision=grant&amount=5+000", 403);
    expect_free(&f2_ins, "POST", path, "decision=grant&amount=5+000", 403);
    expect_free(&lead_ins, "POST", path, "decision=grant&amount=5+000", 403);
    expect_free(&app_mgr, "POST", path, "decision=grant&amount=5+000", 403);
    r = expect(&f1_ins, "POST", path, "decision=grant&amount=12+345&reason=", 400);
    assert_non_null(strstr(text(&r), "au plus le montant demandé"));
    assert_non_null(strstr(text(&r), "value=\"12 345\""));
    mg_http_response_free(&r);
    assert_int_equal(part_state(req, f1), MG_PART_IN_INSTRUCTION);
    r = expect(&f1_ins, "POST", path, "decision=grant&amount=5+000&reason=", 303);
    assert_string_equal(r.location, back);
    mg_http_response_free(&r);
    mg_subsidy_part p;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_part_get(app->db, req, f1, &p, &d), 0);
    assert_int_equal(p.state, MG_PART_GRANTED);
    assert_int_equal(p.granted_cents, 500000);
    assert_int_equal(p.decided_by, f1_ins.account);
    /* Decided once. */
    r = expect(&f1_ins, "POST", path, "decision=refuse&reason=Non", 400);
    assert_non_null(strstr(text(&r), "a déjà reçu la décision de"));
    mg_http_response_free(&r);
    /* f2 refuses, with its reason required. */
    snprintf(path, sizeof path, "/guichet/demandes/%lld/parts/%lld/decision", (long long)req,
             (long long)f2);
    r = expect(&f2_ins, "POST", path, "decision=refuse&amount=&reason=", 400);
    assert_non_null(strstr(text(&r), "Motif du refus : à remplir."));
    mg_http_response_free(&r);
    expect_free(&f2_ins, "POST", path, "decision=refuse&amount=&reason=Hors+priorit%C3%A9s", 303);
    assert_int_equal(part_state(req, f2), MG_PART_REFUSED);
}

/* Every page of this file the applicant's members may get, as they get it. */
static void applicant_pages_hide(int64_t req, int64_t qid)
{
    char path[160];
    const who *side[] = {&app_mgr, &app_rea};
    for (size_t k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "/guichet/demandes/%lld", (long long)req);
        mg_http_response r = as(side[k], "GET", path, NULL);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(text(&r), "Position des cofinanceurs"));
        assert_null(strstr(text(&r), SECRET));
        assert_null(strstr(text(&r), "Notes internes"));
        mg_http_response_free(&r);
        snprintf(path, sizeof path, "/guichet/demandes/%lld/messages", (long long)req);
        r = as(side[k], "POST", path, "kind=message&body=");
        assert_true(r.status == 400 || r.status == 403);
        assert_null(strstr(text(&r), SECRET));
        mg_http_response_free(&r);
        r = as(side[k], "POST", path, "kind=internal&body=Moi+aussi");
        assert_int_equal(r.status, 403);
        assert_null(strstr(text(&r), SECRET));
        mg_http_response_free(&r);
        snprintf(path, sizeof path, "/guichet/demandes/%lld/reponses/%lld", (long long)req,
                 (long long)qid);
        r = as(side[k], "POST", path, "body=");
        assert_true(r.status == 400 || r.status == 403);
        assert_null(strstr(text(&r), SECRET));
        mg_http_response_free(&r);
    }
}

static void test_internal_notes(void **state)
{
    (void)state;
    int64_t req = request_new(window_new());
    char path[160], body[256];
    snprintf(path, sizeof path, "/guichet/demandes/%lld/orienter", (long long)req);
    snprintf(body, sizeof body, "funder_%lld=1&funder_%lld=1", (long long)f1, (long long)f2);
    expect_free(&lead_ins, "POST", path, body, 303);
    snprintf(path, sizeof path, "/guichet/demandes/%lld/parts/%lld/question", (long long)req,
             (long long)f1);
    expect_free(&f1_ins, "POST", path, "body=Une+question", 303);
    int64_t qid = open_question(req);

    snprintf(path, sizeof path, "/guichet/demandes/%lld/messages", (long long)req);
    snprintf(body, sizeof body, "kind=internal&body=%s", SECRET);
    expect_free(&lead_ins, "POST", path, body, 303);
    expect_free(&app_mgr, "POST", path, body, 403);
    expect_free(&f1_rea, "POST", path, body, 403); /* a reader of a co-funder writes nothing */
    expect_free(&app_mgr, "POST", path, "kind=message&body=Bonjour", 303);

    /* The instructors see the note (the check below can fail)… */
    mg_http_response r = expect(&f2_ins, "POST", path, "kind=message&body=", 400);
    assert_non_null(strstr(text(&r), SECRET));
    assert_non_null(strstr(text(&r), "Bonjour"));
    mg_http_response_free(&r);
    char page[64];
    snprintf(page, sizeof page, "/guichet/demandes/%lld", (long long)req);
    r = expect(&lead_ins, "GET", page, NULL, 200);
    assert_non_null(strstr(text(&r), SECRET));
    mg_http_response_free(&r);
    /* …the applicant's side never, on any page. */
    r = expect(&app_mgr, "POST", path, "kind=message&body=", 400);
    assert_null(strstr(text(&r), SECRET));
    assert_non_null(strstr(text(&r), "Bonjour"));
    assert_non_null(strstr(text(&r), "Une question"));
    mg_http_response_free(&r);
    applicant_pages_hide(req, qid);
    /* Neither in the mail queued. */
    assert_int_equal(raw_ok("SELECT COUNT(*) FROM mail_queue WHERE body_text LIKE ?1",
                            MG_DB_PARAMS(MG_DB_TEXT("%NOTE-INTERNE%"))), 0);
}

static void test_committees(void **state)
{
    (void)state;
    int64_t window = window_new();
    int64_t req = request_new(window);
    char path[700], body[256];
    snprintf(path, sizeof path, "/guichet/guichets/%lld/commissions", (long long)window);
    expect_free(&f1_ins, "GET", path, NULL, 403);
    expect_free(&app_mgr, "GET", path, NULL, 403);
    mg_http_response r = expect(&lead_ins, "GET", path, NULL, 200);
    snprintf(body, sizeof body, "name=\"request_%lld\"", (long long)req);
    assert_non_null(strstr(text(&r), body));
    mg_http_response_free(&r);
    r = expect(&lead_ins, "POST", path, "held_on=2026-06-15&title=Commission+(exemple)", 400);
    assert_non_null(strstr(text(&r), "choisissez au moins une demande"));
    assert_non_null(strstr(text(&r), "value=\"Commission (exemple)\""));
    mg_http_response_free(&r);
    snprintf(body, sizeof body, "held_on=2026-06-15&title=Commission+(exemple)&request_%lld=1",
             (long long)req);
    expect_free(&f1_ins, "POST", path, body, 403);
    r = expect(&lead_ins, "POST", path, body, 303);
    assert_non_null(strstr(r.location, "/guichet/commissions/"));
    char committee[sizeof r.location];
    snprintf(committee, sizeof committee, "%s", r.location);
    mg_http_response_free(&r);
    r = expect(&lead_ins, "GET", committee, NULL, 200);
    assert_non_null(strstr(text(&r), "Ateliers santé (exemple)"));
    assert_non_null(strstr(text(&r), "ARS"));
    assert_non_null(strstr(text(&r), "Département"));
    mg_http_response_free(&r);
    expect_free(&f1_ins, "GET", committee, NULL, 403);
    snprintf(path, sizeof path, "%s/demandes/%lld", committee, (long long)req);
    r = expect(&lead_ins, "POST", path, "outcome=bof&note=", 400);
    assert_non_null(strstr(text(&r), "Avis de la commission : choisissez"));
    mg_http_response_free(&r);
    expect_free(&lead_ins, "POST", path, "outcome=approved&note=Unanime", 303);
    r = expect(&lead_ins, "GET", committee, NULL, 200);
    assert_non_null(strstr(text(&r), "Avis de la commission : Favorable."));
    mg_http_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_instruction_forms),
        cmocka_unit_test(test_internal_notes),
        cmocka_unit_test(test_committees),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, web_teardown);
    int pg = test_pg_database("mg_test_web_funding_instruction", web_fixture_db,
                              sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, web_teardown);
}
