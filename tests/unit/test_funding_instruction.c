/*
 * Tests of the joint instruction of a subsidy request (funding/instruction.h)
 * on SQLite and, when MG_TEST_PG_URI is set, on PostgreSQL: routing (to
 * some co-funders, then to the rest), a co-funder added by the lead, an
 * opinion, a question (the part to complete) and its answer (the part back
 * where it was), grants within and above the amount asked, a refusal
 * without and with its reason, a closing; after every step the stored
 * overall state equals mg_subsidy_overall_state of the parts as read back;
 * the mail queued to the right addresses (and never an internal message's
 * words), internal messages absent from the applicant's reading, the
 * action's budget line fed by the grant, the audit entries. Then two (and
 * more) instructors of one co-funder deciding at once, each thread on its
 * own connection of the pool (and on PostgreSQL also through two separate
 * handles, as two server processes): exactly one decision stands. Rows the
 * module does not own (organisations, a window, a filed request and its
 * parts) are written with plain SQL, so this test checks instruction.c
 * alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "db_fixture.h"
#include "funding_fixture.h"
#include "funding/funding.h"
#include "funding/instruction.h"
#include "mail/mail.h"

TEST_DB_FIXTURE("funding_instruction")

static const char SECRET[] = "SECRET-INTERNE-8841";

/* --- Plain SQL around the module ------------------------------------------------------------- */

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

static int64_t raw_ok(mg_db *db, const char *sql, const mg_db_param *p, size_t n)
{
    struct raw_tx t = {sql, p, n, 0};
    mg_diag d = {{0}};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, raw_body, &t, &d);
    if (rc != 0)
        fail_msg("%s: %s (%s)", sql, mg_strerror(rc), d.msg);
    return t.out;
}

/* A text column of one row into out. */
struct text_tx {
    const char *sql;
    const mg_db_param *p;
    size_t n;
    char *out;
    size_t cap;
};

static int text_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct text_tx *t = ctx;
    t->out[0] = '\0';
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, t->sql, t->p, t->n, &q, d);
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        mg_db_column_copy(q, 0, t->out, t->cap);
        rc = 0;
    }
    mg_db_finalize(q);
    return rc;
}

static void raw_text(mg_db *db, const char *sql, const mg_db_param *p, size_t n, char *out,
                     size_t cap)
{
    struct text_tx t = {sql, p, n, out, cap};
    mg_diag d = {{0}};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, text_body, &t, &d);
    if (rc != 0)
        fail_msg("%s: %s (%s)", sql, mg_strerror(rc), d.msg);
}

/* --- The world of a request ------------------------------------------------------------------ */

static int64_t org_ok(mg_db *db, const char *name, const char *kind)
{
    mg_auth_org_input in = {.name = name, .kind = kind};
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_org_add(db, 0, &in, true, false, &id, &fe, &d);
    if (rc != 0)
        fail_msg("organisation %s: %s (%s)", name, mg_strerror(rc), d.msg);
    return id;
}

static int64_t account_ok(mg_db *db, const char *email, int64_t org, mg_auth_role role)
{
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_account_add(db, 0, email, "Compte (exemple)", NULL, org, role, &id, &fe, &d);
    if (rc != 0)
        fail_msg("account %s: %s (%s)", email, mg_strerror(rc), d.msg);
    return id;
}

struct world {
    mg_db *db;
    int64_t lead, applicant, f1, f2, f3, other;
    int64_t writer, lead_instr, f1_i1, f1_i2, f1_mgr, f2_i, f3_i, other_i;
    int64_t window, action;
};

static void world_make(struct world *w, mg_db *db)
{
    memset(w, 0, sizeof *w);
    w->db = db;
    w->lead = org_ok(db, "Coordination du CLS (exemple)", "epci");
    w->applicant = org_ok(db, "Association de prévention (exemple)", "association");
    w->f1 = org_ok(db, "ARS (exemple)", "ars");
    w->f2 = org_ok(db, "Département (exemple)", "departement");
    w->f3 = org_ok(db, "CPAM (exemple)", "cpam");
    w->other = org_ok(db, "Région (exemple)", "region");
    w->writer = account_ok(db, "presidente@asso.example", w->applicant, MG_ROLE_MANAGER);
    w->lead_instr = account_ok(db, "instructeur@cls.example", w->lead, MG_ROLE_INSTRUCTOR);
    w->f1_i1 = account_ok(db, "instructeur1@ars.example", w->f1, MG_ROLE_INSTRUCTOR);
    w->f1_i2 = account_ok(db, "instructeur2@ars.example", w->f1, MG_ROLE_INSTRUCTOR);
    w->f1_mgr = account_ok(db, "responsable@ars.example", w->f1, MG_ROLE_MANAGER);
    account_ok(db, "lecteur@ars.example", w->f1, MG_ROLE_READER);
    w->f2_i = account_ok(db, "instructeur@departement.example", w->f2, MG_ROLE_INSTRUCTOR);
    w->f3_i = account_ok(db, "instructeur@cpam.example", w->f3, MG_ROLE_INSTRUCTOR);
    w->other_i = account_ok(db, "instructeur@region.example", w->other, MG_ROLE_INSTRUCTOR);
    mg_contract_input ci = {.kind = "cls", .title = "CLS (exemple)",
                            .territory = "epci:200035707", .starts_on = "2024-01-01",
                            .ends_on = "2028-12-31", .status = "signed"};
    mg_contract_field_error cfe = {0};
    mg_diag d = {{0}};
    int64_t contract = 0;
    int rc = mg_contract_create(db, 0, w->lead, &ci, &contract, &cfe, &d);
    if (rc != 0)
        fail_msg("contract: %s (%s)", mg_strerror(rc), d.msg);
    mg_contract_action_input ai = {.title = "Action de prévention (exemple)"};
    rc = mg_contract_action_create(db, 0, contract, &ai, &w->action, &cfe, &d);
    if (rc != 0)
        fail_msg("action: %s (%s)", mg_strerror(rc), d.msg);
    w->window = raw_ok(db,
                       "INSERT INTO subsidy_windows (lead_id, title, created_at, updated_at) "
                       "VALUES (?1, 'Guichet santé (exemple)', '2026-01-01T00:00:00Z', "
                       "'2026-01-01T00:00:00Z') RETURNING id",
                       MG_DB_PARAMS(MG_DB_INT(w->lead)));
}

/* A filed request of the applicant asking f1 10 000 € and f2 5 000 €,
 * financing the action (action true). */
static int64_t request_make(struct world *w, bool action)
{
    int64_t id = raw_ok(w->db,
                        "INSERT INTO subsidy_requests (window_id, applicant_id, action_id, "
                        "state, email, title, starts_on, ends_on, nature, "
                        "total_expenses_cents, total_resources_cents, version, created_by, "
                        "filed_by, filed_at, created_at, updated_at) VALUES (?1, ?2, ?3, "
                        "'filed', 'contact@asso.example', 'Ateliers de prévention (exemple)', "
                        "'2027-03-01', '2027-12-31', 'investment', 2000000, 2000000, 1, ?4, ?4, "
                        "'2026-02-01T10:00:00Z', '2026-01-15T10:00:00Z', "
                        "'2026-02-01T10:00:00Z') RETURNING id",
                        MG_DB_PARAMS(MG_DB_INT(w->window), MG_DB_INT(w->applicant),
                                     action ? MG_DB_INT(w->action) : MG_DB_NULL,
                                     MG_DB_INT(w->writer)));
    raw_ok(w->db,
           "INSERT INTO subsidy_request_funders (request_id, funder_id, asked_cents, "
           "updated_at) VALUES (?1, ?2, 1000000, '2026-02-01T10:00:00Z'), "
           "(?1, ?3, 500000, '2026-02-01T10:00:00Z')",
           MG_DB_PARAMS(MG_DB_INT(id), MG_DB_INT(w->f1), MG_DB_INT(w->f2)));
    return id;
}

/* --- Checks ---------------------------------------------------------------------------------- */

static mg_subsidy_part part_of(mg_db *db, int64_t req, int64_t funder)
{
    mg_subsidy_part p;
    mg_diag d = {{0}};
    int rc = mg_subsidy_part_get(db, req, funder, &p, &d);
    if (rc != 0)
        fail_msg("part %lld/%lld: %s (%s)", (long long)req, (long long)funder, mg_strerror(rc),
                 d.msg);
    return p;
}

/* The stored overall state, checked against the state the parts give. */
static mg_subsidy_state state_checked(mg_db *db, int64_t req)
{
    mg_subsidy_part *parts = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_parts(db, req, &parts, &n, &d);
    if (rc != 0)
        fail_msg("parts: %s (%s)", mg_strerror(rc), d.msg);
    mg_subsidy_part_brief b[MG_SUBSIDY_FUNDERS_MAX];
    assert_true(n <= MG_SUBSIDY_FUNDERS_MAX);
    for (size_t i = 0; i < n; i++)
        b[i] = (mg_subsidy_part_brief){parts[i].state, parts[i].asked_cents,
                                       parts[i].granted_cents};
    free(parts);
    char key[32];
    raw_text(db, "SELECT state FROM subsidy_requests WHERE id = ?1",
             MG_DB_PARAMS(MG_DB_INT(req)), key, sizeof key);
    mg_subsidy_state want = mg_subsidy_overall_state(true, b, n);
    if (strcmp(key, mg_subsidy_state_key(want)) != 0)
        fail_msg("request %lld stored as %s, its parts give %s", (long long)req, key,
                 mg_subsidy_state_key(want));
    return want;
}

static int64_t count_of(mg_db *db, const char *sql, const mg_db_param *p, size_t n)
{
    return raw_ok(db, sql, p, n);
}

static int64_t mails(mg_db *db)
{
    return count_of(db, "SELECT COUNT(*) FROM mail_queue", MG_DB_NO_PARAMS);
}

/* The addresses of the mail queued after id `after`, sorted, joined by ' '. */
static void mail_to_since(mg_db *db, int64_t after, char *out, size_t cap)
{
    mg_mail_record *r = NULL;
    size_t n = 0, total = 0;
    mg_diag d = {{0}};
    int rc = mg_mail_list(db, 0, 1000, &r, &n, &total, &d);
    if (rc != 0)
        fail_msg("mail list: %s (%s)", mg_strerror(rc), d.msg);
    /* newest first: collect those past `after`, then sort */
    const char *to[64];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 64; i++)
        if (r[i].id > after)
            to[k++] = r[i].to;
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && strcmp(to[j - 1], to[j]) > 0; j--) {
            const char *x = to[j];
            to[j] = to[j - 1];
            to[j - 1] = x;
        }
    out[0] = '\0';
    for (size_t i = 0; i < k; i++) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", i ? " " : "", to[i]);
    }
    mg_mail_records_free(r, n);
}

static int64_t last_mail(mg_db *db)
{
    return count_of(db, "SELECT COALESCE(MAX(id), 0) FROM mail_queue", MG_DB_NO_PARAMS);
}

static int64_t audit_count(mg_db *db, int64_t req)
{
    return count_of(db,
                    "SELECT COUNT(*) FROM audit_entries WHERE object_type = 'subsidy_request' "
                    "AND object_id = ?1",
                    MG_DB_PARAMS(MG_DB_INT(req)));
}

static void refused_on(int rc, const mg_subsidy_errors *errs, const char *field)
{
    assert_int_equal(rc, MG_EINVAL);
    if (!mg_subsidy_errors_for(errs, field))
        fail_msg("refused, but not on \"%s\" (first: %s)", field,
                 errs->n ? errs->e[0].field : "none");
}

/* --- The whole instruction ------------------------------------------------------------------- */

static void whole_instruction(void **state)
{
    struct fixture *f = *state;
    mg_db *db = test_db_open(f->url, NULL);
    struct world w;
    world_make(&w, db);
    int64_t req = request_make(&w, true);
    mg_diag d = {{0}};
    mg_subsidy_errors errs = {0};
    char to[2048];
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_FILED);

    /* Routed to f1 only: f1's manager and instructors are told, not its reader. */
    int64_t m0 = last_mail(db), a0 = audit_count(db, req);
    int64_t only_f1[] = {w.f1};
    assert_int_equal(mg_subsidy_route(db, w.lead_instr, req, only_f1, 1, &errs, &d), 0);
    assert_int_equal(part_of(db, req, w.f1).state, MG_PART_RECEIVED);
    assert_int_equal(part_of(db, req, w.f2).state, MG_PART_ADDRESSED);
    assert_true(part_of(db, req, w.f1).routed_at[0]);
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_FILED);
    mail_to_since(db, m0, to, sizeof to);
    assert_string_equal(to, "instructeur1@ars.example instructeur2@ars.example "
                            "responsable@ars.example");
    assert_int_equal(audit_count(db, req), a0 + 1);
    /* Routing it again is refused, nothing changes. */
    m0 = last_mail(db);
    refused_on(mg_subsidy_route(db, w.lead_instr, req, only_f1, 1, &errs, &d), &errs, "funders");
    assert_int_equal(last_mail(db), m0);
    /* One not named at all. */
    int64_t other[] = {w.other};
    refused_on(mg_subsidy_route(db, w.lead_instr, req, other, 1, &errs, &d), &errs, "funders");

    /* The lead adds f3; f1 again is refused. */
    refused_on(mg_subsidy_add_funder(db, w.lead_instr, req, w.f1, "100", &errs, &d), &errs,
               "funder");
    refused_on(mg_subsidy_add_funder(db, w.lead_instr, req, w.f3, "beaucoup", &errs, &d), &errs,
               "asked");
    m0 = last_mail(db);
    assert_int_equal(mg_subsidy_add_funder(db, w.lead_instr, req, w.f3, "2 000", &errs, &d), 0);
    mg_subsidy_part p3 = part_of(db, req, w.f3);
    assert_int_equal(p3.state, MG_PART_RECEIVED);
    assert_true(p3.added_by_lead);
    assert_int_equal(p3.asked_cents, 200000);
    mail_to_since(db, m0, to, sizeof to);
    assert_string_equal(to, "instructeur@cpam.example");

    /* The rest routed (n 0: every addressed part). */
    m0 = last_mail(db);
    assert_int_equal(mg_subsidy_route(db, w.lead_instr, req, NULL, 0, &errs, &d), 0);
    assert_int_equal(part_of(db, req, w.f2).state, MG_PART_RECEIVED);
    mail_to_since(db, m0, to, sizeof to);
    assert_string_equal(to, "instructeur@departement.example");
    refused_on(mg_subsidy_route(db, w.lead_instr, req, NULL, 0, &errs, &d), &errs, "funders");
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_FILED);

    /* An opinion: f1 in instruction. */
    refused_on(mg_subsidy_opinion(db, w.f1_i1, req, w.f1, "génial", "", &errs, &d), &errs,
               "opinion");
    assert_int_equal(mg_subsidy_opinion(db, w.f1_i1, req, w.f1, "favourable",
                                        "Projet utile (exemple)", &errs, &d), 0);
    mg_subsidy_part p1 = part_of(db, req, w.f1);
    assert_int_equal(p1.state, MG_PART_IN_INSTRUCTION);
    assert_string_equal(p1.opinion, "favourable");
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_IN_INSTRUCTION);

    /* A question: f1 to complete, the applicant told at both its addresses. */
    refused_on(mg_subsidy_question(db, w.f1_i1, req, w.f1, "  ", NULL, &errs, &d), &errs, "body");
    m0 = last_mail(db);
    int64_t qid = 0;
    assert_int_equal(mg_subsidy_question(db, w.f1_i1, req, w.f1,
                                         "Pouvez-vous préciser le public visé ?", &qid, &errs,
                                         &d), 0);
    assert_true(qid > 0);
    assert_int_equal(part_of(db, req, w.f1).state, MG_PART_TO_COMPLETE);
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_TO_COMPLETE);
    mail_to_since(db, m0, to, sizeof to);
    assert_string_equal(to, "contact@asso.example presidente@asso.example");
    char body[4096], path[64];
    raw_text(db, "SELECT body_text FROM mail_queue WHERE id = ?1",
             MG_DB_PARAMS(MG_DB_INT(last_mail(db))), body, sizeof body);
    snprintf(path, sizeof path, "/guichet/demandes/%lld", (long long)req);
    assert_non_null(strstr(body, path));
    assert_non_null(strstr(body, "Ateliers de prévention (exemple)"));
    /* A decision while a question waits: refused, the part unchanged. */
    refused_on(mg_subsidy_decide(db, w.f1_i1, req, w.f1, MG_DECISION_GRANT, "100", "", &errs,
                                 &d), &errs, "decision");
    assert_int_equal(part_of(db, req, w.f1).state, MG_PART_TO_COMPLETE);

    /* Messages: an internal one among instructors, a public one. */
    int64_t mid = 0;
    char secret_body[128];
    snprintf(secret_body, sizeof secret_body, "Entre nous : %s", SECRET);
    m0 = last_mail(db);
    assert_int_equal(mg_subsidy_message_add(db, w.lead_instr, w.lead, req, MG_MESSAGE_INTERNAL,
                                            secret_body, &mid, &errs, &d), 0);
    assert_int_equal(last_mail(db), m0); /* no mail for an internal message */
    refused_on(mg_subsidy_message_add(db, w.writer, w.applicant, req, MG_MESSAGE_INTERNAL,
                                      "je ne suis pas instructeur", NULL, &errs, &d), &errs,
               "internal");
    assert_int_equal(mg_subsidy_message_add(db, w.f2_i, w.f2, req, MG_MESSAGE_PUBLIC,
                                            "Le dossier est complet pour nous.", NULL, &errs, &d),
                     0);
    mg_subsidy_message *msg = NULL;
    size_t nmsg = 0;
    assert_int_equal(mg_subsidy_messages(db, req, false, &msg, &nmsg, &d), 0);
    assert_int_equal(nmsg, 2); /* the question and the public message */
    for (size_t i = 0; i < nmsg; i++) {
        assert_int_not_equal(msg[i].kind, MG_MESSAGE_INTERNAL);
        assert_null(strstr(msg[i].body, SECRET));
    }
    assert_int_equal(msg[0].kind, MG_MESSAGE_QUESTION);
    assert_int_equal(msg[0].funder_id, w.f1);
    assert_int_equal(msg[1].author_org_id, w.f2);
    mg_subsidy_messages_free(msg, nmsg);
    assert_int_equal(mg_subsidy_messages(db, req, true, &msg, &nmsg, &d), 0);
    assert_int_equal(nmsg, 3);
    size_t internal = 0;
    for (size_t i = 0; i < nmsg; i++)
        if (msg[i].kind == MG_MESSAGE_INTERNAL) {
            internal++;
            assert_int_equal(msg[i].id, mid);
            assert_int_equal(msg[i].author_org_id, w.lead);
            assert_string_equal(msg[i].body, secret_body);
        }
    assert_int_equal(internal, 1);
    mg_subsidy_messages_free(msg, nmsg);

    /* The answer: f1 back in instruction, f1's people told. */
    m0 = last_mail(db);
    refused_on(mg_subsidy_answer(db, w.writer, req, qid, "", NULL, &errs, &d), &errs, "body");
    assert_int_equal(mg_subsidy_answer(db, w.writer, req, qid, "Les habitants de plus de 60 ans.",
                                       NULL, &errs, &d), 0);
    assert_int_equal(part_of(db, req, w.f1).state, MG_PART_IN_INSTRUCTION);
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_IN_INSTRUCTION);
    mail_to_since(db, m0, to, sizeof to);
    assert_string_equal(to, "instructeur1@ars.example instructeur2@ars.example "
                            "responsable@ars.example");
    refused_on(mg_subsidy_answer(db, w.writer, req, qid, "encore", NULL, &errs, &d), &errs,
               "body");
    /* A question of another request is not found from this one. */
    int64_t req2 = request_make(&w, false);
    assert_int_equal(mg_subsidy_answer(db, w.writer, req2, qid, "x", NULL, &errs, &d),
                     MG_ENOTFOUND);
    /* A question asked of a received part comes back to received. */
    int64_t q3 = 0;
    assert_int_equal(mg_subsidy_question(db, w.f3_i, req, w.f3, "Budget détaillé ?", &q3, &errs,
                                         &d), 0);
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_TO_COMPLETE);
    assert_int_equal(mg_subsidy_answer(db, w.writer, req, q3, "Joint.", NULL, &errs, &d), 0);
    assert_int_equal(part_of(db, req, w.f3).state, MG_PART_RECEIVED);
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_IN_INSTRUCTION);

    /* A grant above what was asked: refused on "amount", nothing changed. */
    m0 = last_mail(db);
    a0 = audit_count(db, req);
    int64_t lines0 = count_of(db, "SELECT COUNT(*) FROM budget_lines", MG_DB_NO_PARAMS);
    refused_on(mg_subsidy_decide(db, w.f1_i1, req, w.f1, MG_DECISION_GRANT, "10 000,01", "",
                                 &errs, &d), &errs, "amount");
    refused_on(mg_subsidy_decide(db, w.f1_i1, req, w.f1, MG_DECISION_GRANT, "0", "", &errs, &d),
               &errs, "amount");
    p1 = part_of(db, req, w.f1);
    assert_int_equal(p1.state, MG_PART_IN_INSTRUCTION);
    assert_int_equal(p1.granted_cents, 0);
    assert_int_equal(last_mail(db), m0);
    assert_int_equal(audit_count(db, req), a0);
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM budget_lines", MG_DB_NO_PARAMS), lines0);

    /* A grant within it: the action's line fed, the applicant told. */
    assert_int_equal(mg_subsidy_decide(db, w.f1_i2, req, w.f1, MG_DECISION_GRANT, "7 500,50", "",
                                       &errs, &d), 0);
    p1 = part_of(db, req, w.f1);
    assert_int_equal(p1.state, MG_PART_GRANTED);
    assert_int_equal(p1.granted_cents, 750050);
    assert_int_equal(p1.decided_by, w.f1_i2);
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_IN_INSTRUCTION);
    mg_budget_line *lines = NULL;
    size_t nl = 0;
    assert_int_equal(mg_budget_lines(db, 0, w.action, false, &lines, &nl, &d), 0);
    assert_int_equal(nl, 1);
    assert_int_equal(lines[0].funder_id, w.f1);
    assert_int_equal(lines[0].a.planned, 750050);
    assert_int_equal(lines[0].a.committed, 750050);
    assert_int_equal(lines[0].a.paid, 0);
    assert_int_equal(lines[0].year, 2027);
    assert_int_equal(lines[0].nature, MG_BUDGET_INVESTMENT);
    free(lines);
    mail_to_since(db, m0, to, sizeof to);
    assert_string_equal(to, "contact@asso.example presidente@asso.example");

    /* Decided once: a second decision is refused with who decided. */
    refused_on(mg_subsidy_decide(db, w.f1_i1, req, w.f1, MG_DECISION_REFUSE, "", "non", &errs,
                                 &d), &errs, "decision");
    assert_non_null(strstr(mg_subsidy_errors_for(&errs, "decision"),
                           "Cette demande a déjà reçu la décision de ARS (exemple)"));
    refused_on(mg_subsidy_opinion(db, w.f1_i1, req, w.f1, "reserved", "", &errs, &d), &errs,
               "opinion");
    refused_on(mg_subsidy_question(db, w.f1_i1, req, w.f1, "Encore une ?", NULL, &errs, &d),
               &errs, "body");
    assert_int_equal(part_of(db, req, w.f1).granted_cents, 750050);

    /* A refusal needs its reason. */
    refused_on(mg_subsidy_decide(db, w.f2_i, req, w.f2, MG_DECISION_REFUSE, "", "  ", &errs, &d),
               &errs, "reason");
    assert_int_equal(part_of(db, req, w.f2).state, MG_PART_RECEIVED);
    assert_int_equal(mg_subsidy_decide(db, w.f2_i, req, w.f2, MG_DECISION_REFUSE, "",
                                       "Hors de nos priorités (exemple).", &errs, &d), 0);
    assert_int_equal(part_of(db, req, w.f2).state, MG_PART_REFUSED);
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_IN_INSTRUCTION);
    /* The last part closed: granted in part. */
    assert_int_equal(mg_subsidy_decide(db, w.f3_i, req, w.f3, MG_DECISION_CLOSE, "", "", &errs,
                                       &d), 0);
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_GRANTED_PART);
    /* Only the grant fed a line. */
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM budget_lines WHERE subsidy_request_id = ?1",
                              MG_DB_PARAMS(MG_DB_INT(req))), 1);

    /* No mail ever held the internal message's words. */
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM mail_queue WHERE body_text LIKE ?1 "
                                  "OR subject LIKE ?1",
                              MG_DB_PARAMS(MG_DB_TEXT("%SECRET-INTERNE%"))), 0);
    assert_true(mails(db) > 0);

    /* The trail: every step, none with the internal words. */
    mg_audit_record *rec = NULL;
    size_t nrec = 0, total = 0;
    assert_int_equal(mg_audit_history(db, "subsidy_request", req, 0, 1000, &rec, &nrec, &total,
                                      &d), 0);
    const char *verbs[] = {"route", "add_funder", "opinion", "question", "message", "answer",
                           "decide"};
    for (size_t v = 0; v < sizeof verbs / sizeof verbs[0]; v++) {
        size_t seen = 0;
        for (size_t i = 0; i < nrec; i++)
            if (!strcmp(rec[i].verb, verbs[v])) {
                seen++;
                assert_int_equal(rec[i].organisation_id, w.applicant);
            }
        if (!seen)
            fail_msg("no audit entry \"%s\"", verbs[v]);
    }
    size_t decides = 0;
    for (size_t i = 0; i < nrec; i++) {
        for (size_t k = 0; k < rec[i].nchanges; k++) {
            const mg_audit_change *c = &rec[i].changes[k];
            assert_true(!c->after || !strstr(c->after, SECRET));
            assert_true(!c->before || !strstr(c->before, SECRET));
        }
        if (!strcmp(rec[i].verb, "decide")) {
            decides++;
            if (rec[i].account_id == w.f1_i2) {
                bool amount = false;
                for (size_t k = 0; k < rec[i].nchanges; k++)
                    amount |= rec[i].changes[k].after &&
                              !strcmp(rec[i].changes[k].after, "750050");
                assert_true(amount);
            }
        }
    }
    assert_int_equal(decides, 3);
    mg_audit_records_free(rec, nrec);
    mg_db_close(db);
}

/* A draft cannot be routed; a part not routed takes no opinion. */
static void refusals(void **state)
{
    struct fixture *f = *state;
    mg_db *db = test_db_open(f->url, NULL);
    struct world w;
    world_make(&w, db);
    int64_t req = request_make(&w, false);
    mg_diag d = {{0}};
    mg_subsidy_errors errs = {0};
    refused_on(mg_subsidy_opinion(db, w.f1_i1, req, w.f1, "favourable", "", &errs, &d), &errs,
               "opinion");
    assert_non_null(strstr(errs.e[0].msg, "pas encore été orientée"));
    refused_on(mg_subsidy_question(db, w.f1_i1, req, w.f1, "?", NULL, &errs, &d), &errs, "body");
    refused_on(mg_subsidy_decide(db, w.f1_i1, req, w.f1, MG_DECISION_GRANT, "10", "", &errs, &d),
               &errs, "decision");
    assert_int_equal(mg_subsidy_decide(db, w.other_i, req, w.other, MG_DECISION_GRANT, "10", "",
                                       &errs, &d), MG_ENOTFOUND);
    raw_ok(db, "UPDATE subsidy_requests SET state = 'draft', filed_at = NULL WHERE id = ?1",
           MG_DB_PARAMS(MG_DB_INT(req)));
    refused_on(mg_subsidy_route(db, w.lead_instr, req, NULL, 0, &errs, &d), &errs, "funders");
    assert_int_equal(part_of(db, req, w.f1).state, MG_PART_ADDRESSED);
    mg_db_close(db);
}

/* --- Committees ------------------------------------------------------------------------------ */

static void committees(void **state)
{
    struct fixture *f = *state;
    mg_db *db = test_db_open(f->url, NULL);
    struct world w;
    world_make(&w, db);
    int64_t r1 = request_make(&w, false), r2 = request_make(&w, false);
    int64_t draft = request_make(&w, false);
    raw_ok(db, "UPDATE subsidy_requests SET state = 'draft', filed_at = NULL WHERE id = ?1",
           MG_DB_PARAMS(MG_DB_INT(draft)));
    mg_diag d = {{0}};
    mg_subsidy_errors errs = {0};
    assert_int_equal(mg_subsidy_route(db, w.lead_instr, r1, NULL, 0, &errs, &d), 0);
    assert_int_equal(mg_subsidy_decide(db, w.f1_i1, r1, w.f1, MG_DECISION_GRANT, "4 000", "",
                                       &errs, &d), 0);
    int64_t bad[] = {r1, draft};
    int64_t id = 0;
    refused_on(mg_subsidy_committee_create(db, w.lead_instr, w.window, "2026-06-15",
                                           "Commission (exemple)", bad, 2, &id, &errs, &d),
               &errs, "requests");
    int64_t none[] = {r1};
    refused_on(mg_subsidy_committee_create(db, w.lead_instr, w.window, "31/02/2026", "",
                                           none, 1, &id, &errs, &d), &errs, "held_on");
    assert_non_null(mg_subsidy_errors_for(&errs, "title"));
    int64_t good[] = {r2, r1};
    assert_int_equal(mg_subsidy_committee_create(db, w.lead_instr, w.window, "15/06/2026",
                                                 "Commission de juin (exemple)", good, 2, &id,
                                                 &errs, &d), 0);
    mg_subsidy_committee k;
    assert_int_equal(mg_subsidy_committee_get(db, id, &k, &d), 0);
    assert_string_equal(k.held_on, "2026-06-15");
    mg_subsidy_committee *ks = NULL;
    size_t nk = 0;
    assert_int_equal(mg_subsidy_committees(db, w.window, &ks, &nk, &d), 0);
    assert_int_equal(nk, 1);
    free(ks);
    mg_subsidy_committee_item *it = NULL;
    size_t ni = 0;
    assert_int_equal(mg_subsidy_committee_items(db, id, &it, &ni, &d), 0);
    assert_int_equal(ni, 2);
    for (size_t i = 0; i < ni; i++) {
        /* the same parts as mg_subsidy_parts reads one request at a time */
        mg_subsidy_part *p = NULL;
        size_t np = 0;
        assert_int_equal(mg_subsidy_parts(db, it[i].request_id, &p, &np, &d), 0);
        assert_int_equal(it[i].nparts, np);
        for (size_t j = 0; j < np; j++) {
            assert_int_equal(it[i].parts[j].funder_id, p[j].funder_id);
            assert_int_equal(it[i].parts[j].state, p[j].state);
            assert_int_equal(it[i].parts[j].granted_cents, p[j].granted_cents);
        }
        free(p);
    }
    mg_subsidy_committee_items_free(it, ni);
    refused_on(mg_subsidy_committee_outcome(db, w.lead_instr, id, r1, "peut-être", "", &errs, &d),
               &errs, "outcome");
    assert_int_equal(mg_subsidy_committee_outcome(db, w.lead_instr, id, r1, "approved_part",
                                                  "Accord partiel (exemple)", &errs, &d), 0);
    assert_int_equal(mg_subsidy_committee_outcome(db, w.lead_instr, id, draft, "approved", "",
                                                  &errs, &d), MG_ENOTFOUND);
    assert_int_equal(mg_subsidy_committee_items(db, id, &it, &ni, &d), 0);
    for (size_t i = 0; i < ni; i++)
        assert_string_equal(it[i].outcome, it[i].request_id == r1 ? "approved_part" : "");
    mg_subsidy_committee_items_free(it, ni);
    mg_db_close(db);
}

/* --- An answer that changes the request (a request filed through requests.c) ----------------- */

static void answer_with_changes(void **state)
{
    struct fixture *f = *state;
    mg_db *db = test_db_open(f->url, NULL);
    funding_fx fx;
    fx_setup(db, 2, &fx);
    int64_t asked[] = {500000, 300000};
    int64_t req = fx_routed(db, &fx, asked, 2);
    int64_t ins = fx_account(db, "instructeur@cofinanceur.example", fx.funders[0],
                             MG_ROLE_INSTRUCTOR);
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_FILED);
    mg_diag d = {{0}};
    mg_subsidy_errors errs = {0};
    int64_t qid = 0;
    assert_int_equal(mg_subsidy_question(db, ins, req, fx.funders[0],
                                         "Pouvez-vous revoir le montant demandé ?", &qid, &errs,
                                         &d), 0);
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_TO_COMPLETE);
    mg_subsidy_version *v = NULL;
    size_t nv = 0;
    assert_int_equal(mg_subsidy_versions(db, req, &v, &nv, &d), 0);
    size_t versions = nv;
    mg_subsidy_versions_free(v, nv);

    /* Changes refused (the budget no longer balanced): nothing changes. */
    fx_form form;
    int64_t less[] = {400000, 300000};
    fx_form_fill(&form, &fx, less, 2);
    form.lines[0].amount = "1";
    refused_on(mg_subsidy_answer(db, fx.assoc_account, req, qid, "Montant revu.", &form.in,
                                 &errs, &d), &errs, "budget");
    assert_int_equal(part_of(db, req, fx.funders[0]).state, MG_PART_TO_COMPLETE);
    assert_int_equal(part_of(db, req, fx.funders[0]).asked_cents, 500000);

    /* Accepted: the part asks the new amount, a version "answer" is kept,
     * the part is back where it was. */
    fx_form_fill(&form, &fx, less, 2);
    assert_int_equal(mg_subsidy_answer(db, fx.assoc_account, req, qid, "Montant revu.",
                                       &form.in, &errs, &d), 0);
    mg_subsidy_part p = part_of(db, req, fx.funders[0]);
    assert_int_equal(p.state, MG_PART_RECEIVED);
    assert_int_equal(p.asked_cents, 400000);
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_FILED);
    assert_int_equal(mg_subsidy_versions(db, req, &v, &nv, &d), 0);
    assert_int_equal(nv, versions + 1);
    bool answer = false;
    for (size_t k = 0; k < nv; k++)
        answer |= strcmp(v[k].reason, "answer") == 0;
    assert_true(answer);
    mg_subsidy_versions_free(v, nv);
    /* The new amount bounds the grant. */
    refused_on(mg_subsidy_decide(db, ins, req, fx.funders[0], MG_DECISION_GRANT, "4 000,01", "",
                                 &errs, &d), &errs, "amount");
    assert_int_equal(mg_subsidy_decide(db, ins, req, fx.funders[0], MG_DECISION_GRANT, "4 000",
                                       "", &errs, &d), 0);
    assert_int_equal(state_checked(db, req), MG_SUBSIDY_IN_INSTRUCTION);
    mg_db_close(db);
}

/* --- Two instructors deciding at once -------------------------------------------------------- */

enum { RACERS = 4, ROUNDS = 4 };

struct racer {
    mg_db *db;
    pthread_barrier_t *go;
    int64_t by, req, funder;
    char amount[32];
    int rc;
    mg_subsidy_errors errs;
    mg_diag d;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    pthread_barrier_wait(r->go);
    r->rc = mg_subsidy_decide(r->db, r->by, r->req, r->funder, MG_DECISION_GRANT, r->amount, "",
                              &r->errs, &r->d);
    return NULL;
}

static void decide_race(mg_db *db1, mg_db *db2)
{
    struct world w;
    world_make(&w, db1);
    for (int round = 0; round < ROUNDS; round++) {
        int64_t req = request_make(&w, true);
        mg_diag d = {{0}};
        mg_subsidy_errors errs = {0};
        assert_int_equal(mg_subsidy_route(db1, w.lead_instr, req, NULL, 0, &errs, &d), 0);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, RACERS);
        struct racer r[RACERS];
        pthread_t th[RACERS];
        for (int i = 0; i < RACERS; i++) {
            memset(&r[i], 0, sizeof r[i]);
            r[i].db = (i % 2 && db2) ? db2 : db1;
            r[i].go = &go;
            r[i].by = i % 2 ? w.f1_i2 : w.f1_i1;
            r[i].req = req;
            r[i].funder = w.f1;
            snprintf(r[i].amount, sizeof r[i].amount, "%d", 1000 + 100 * i + round);
            assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
        }
        for (int i = 0; i < RACERS; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&go);
        int winners = 0, winner = -1;
        for (int i = 0; i < RACERS; i++) {
            if (r[i].rc == 0) {
                winners++;
                winner = i;
            } else if (r[i].rc != MG_EINVAL || !mg_subsidy_errors_for(&r[i].errs, "decision")) {
                fail_msg("round %d, racer %d: %s (%s)", round, i, mg_strerror(r[i].rc),
                         r[i].d.msg);
            } else {
                assert_non_null(strstr(mg_subsidy_errors_for(&r[i].errs, "decision"),
                                       "a déjà reçu la décision de ARS (exemple)"));
            }
        }
        assert_int_equal(winners, 1);
        int64_t want = 0;
        assert_int_equal(mg_budget_parse_cents(r[winner].amount, &want), 0);
        mg_subsidy_part p = part_of(db1, req, w.f1);
        assert_int_equal(p.state, MG_PART_GRANTED);
        assert_int_equal(p.granted_cents, want);
        assert_int_equal(p.decided_by, r[winner].by);
        /* one fed line, with the winner's amount; one decide entry */
        assert_int_equal(count_of(db1,
                                  "SELECT COUNT(*) FROM budget_lines WHERE subsidy_request_id = ?1 "
                                  "AND committed_cents = ?2",
                                  MG_DB_PARAMS(MG_DB_INT(req), MG_DB_INT(want))), 1);
        assert_int_equal(count_of(db1,
                                  "SELECT COUNT(*) FROM audit_entries WHERE object_type = "
                                  "'subsidy_request' AND object_id = ?1 AND verb = 'decide'",
                                  MG_DB_PARAMS(MG_DB_INT(req))), 1);
        state_checked(db1, req);
    }
}

static void decide_at_once(void **state)
{
    struct fixture *f = *state;
    mg_db_options o = {.busy_ms = 10000};
    mg_db *db = test_db_open(f->url, &o);
    decide_race(db, NULL);
    mg_db_close(db);
}

/* PostgreSQL only: also as two server processes would, each with its own handle. */
static void decide_at_once_two_handles(void **state)
{
    struct fixture *f = *state;
    mg_db_options o = {.busy_ms = 10000};
    mg_db *db1 = test_db_open(f->url, &o);
    mg_db *db2 = test_db_open(f->url, &o);
    decide_race(db1, db2);
    mg_db_close(db2);
    mg_db_close(db1);
}

/* The link of the mail: the site's address when one is set, the path otherwise. */
static void page_links(void **state)
{
    (void)state;
    char link[256];
    mg_subsidy_set_public_url(NULL);
    mg_subsidy_page_link(42, link, sizeof link);
    assert_string_equal(link, "/guichet/demandes/42");
    mg_subsidy_set_public_url("https://maillage.example.fr//");
    mg_subsidy_page_link(42, link, sizeof link);
    assert_string_equal(link, "https://maillage.example.fr/guichet/demandes/42");
    mg_subsidy_set_public_url("javascript:alert(1)");
    mg_subsidy_page_link(7, link, sizeof link);
    assert_string_equal(link, "/guichet/demandes/7");
    mg_subsidy_set_public_url("");
}

#define TESTS(X)                                                                      \
    X(whole_instruction) X(refusals) X(committees) X(answer_with_changes) X(decide_at_once)

int main(void)
{
    const struct CMUnitTest pure[] = {cmocka_unit_test(page_links)};
    int failed = cmocka_run_group_tests_name("links", pure, NULL, NULL);
    const struct CMUnitTest tests[] = {TESTS(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {TESTS(TEST_DB_PG) TEST_DB_PG(decide_at_once_two_handles)};
    return failed + test_db_run_groups(tests, pg_tests);
}
