/*
 * Tests of the single window's windows and calls for projects
 * (funding/funding.h, windows.c) on SQLite and, when MG_TEST_PG_URI is
 * set, on PostgreSQL: windows made, read and listed with their co-funders
 * (the lead may be one too), a co-funder added once however often it is
 * asked; calls opened with each co-funder's budget; every refused input
 * named by its field with nothing changed (rows and audit trail counted
 * through raw SQL, not the module); the order of the calls (open ones
 * first) checked against the deadlines the test drew; the audit entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "contracts/contracts.h"
#include "db_fixture.h"
#include "funding/funding.h"

TEST_DB_FIXTURE("funding_windows")

static mg_db *open_db(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

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

static int64_t contract_ok(mg_db *db, int64_t lead)
{
    mg_contract_input in = {.kind = "cls", .title = "CLS (exemple)",
                            .territory = "epci:200035707", .starts_on = "2024-01-01",
                            .ends_on = "2027-12-31", .status = "signed"};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_create(db, 0, lead, &in, &id, &fe, &d);
    if (rc != 0)
        fail_msg("contract: %s (%s)", mg_strerror(rc), d.msg);
    return id;
}

/* A count read by raw SQL, bypassing the module. */
struct count_tx {
    const char *sql;
    int64_t n;
};

static int count_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct count_tx *t = ctx;
    return mg_db_query_int(c, t->sql, NULL, 0, &t->n, d);
}

static int64_t count(mg_db *db, const char *sql)
{
    struct count_tx t = {sql, -1};
    mg_diag d = {{0}};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, count_body, &t, &d);
    if (rc != 0)
        fail_msg("%s: %s (%s)", sql, mg_strerror(rc), d.msg);
    return t.n;
}

/* Everything a refusal must leave as it was. */
struct snapshot {
    int64_t windows, funders, calls, budgets, audit;
};

static struct snapshot snap(mg_db *db)
{
    struct snapshot s = {
        count(db, "SELECT COUNT(*) FROM subsidy_windows"),
        count(db, "SELECT COUNT(*) FROM subsidy_window_funders"),
        count(db, "SELECT COUNT(*) FROM subsidy_calls"),
        count(db, "SELECT COUNT(*) FROM subsidy_call_budgets"),
        count(db, "SELECT COUNT(*) FROM audit_entries"),
    };
    return s;
}

static void same(struct snapshot a, struct snapshot b)
{
    assert_int_equal(a.windows, b.windows);
    assert_int_equal(a.funders, b.funders);
    assert_int_equal(a.calls, b.calls);
    assert_int_equal(a.budgets, b.budgets);
    assert_int_equal(a.audit, b.audit);
}

static int64_t window_ok(mg_db *db, int64_t lead, const char *title, const int64_t *funders,
                         size_t n)
{
    mg_subsidy_errors e = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_subsidy_window_create(db, 0, lead, title, "", 0, funders, n, true, &id, &e, &d);
    if (rc != 0)
        fail_msg("window %s: %s (%s)", title, mg_strerror(rc), d.msg);
    assert_int_equal(e.n, 0);
    assert_true(id > 0);
    return id;
}

/* The last audit entry of an object, its organisation and verb. */
static void last_audit(mg_db *db, const char *type, int64_t id, int64_t org, const char *verb,
                       size_t total_expected)
{
    mg_audit_record *r = NULL;
    size_t n = 0, total = 0;
    mg_diag d = {{0}};
    int rc = mg_audit_history(db, type, id, 0, 10, &r, &n, &total, &d);
    if (rc != 0)
        fail_msg("history: %s (%s)", mg_strerror(rc), d.msg);
    assert_int_equal(total, total_expected);
    assert_true(n >= 1);
    assert_int_equal(r[0].organisation_id, org);
    assert_string_equal(r[0].verb, verb);
    mg_audit_records_free(r, n);
}

static void test_window_create(void **state)
{
    mg_db *db = open_db(state);
    int64_t lead = org_ok(db, "Ville (exemple)", "commune");
    int64_t ars = org_ok(db, "ARS (exemple)", "ars");
    int64_t dep = org_ok(db, "Département (exemple)", "departement");
    int64_t contract = contract_ok(db, lead);
    /* The lead is a co-funder too. */
    int64_t funders[] = {lead, dep, ars};
    mg_subsidy_errors e = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_subsidy_window_create(db, 0, lead, "  Guichet santé (exemple)  ",
                                      " epci:200035707 ", contract, funders, 3, true, &id, &e,
                                      &d);
    if (rc != 0)
        fail_msg("%s", d.msg);
    mg_subsidy_window w;
    assert_int_equal(mg_subsidy_window_get(db, id, &w, &d), 0);
    assert_int_equal(w.id, id);
    assert_int_equal(w.lead_id, lead);
    assert_string_equal(w.lead_name, "Ville (exemple)");
    assert_string_equal(w.title, "Guichet santé (exemple)");
    assert_string_equal(w.territory, "epci:200035707");
    assert_int_equal(w.contract_id, contract);
    assert_true(w.is_example);

    mg_subsidy_org_ref *f = NULL;
    size_t n = 0;
    assert_int_equal(mg_subsidy_window_funders(db, id, &f, &n, &d), 0);
    assert_int_equal(n, 3);
    /* By name: ARS, Département, Ville. */
    assert_int_equal(f[0].id, ars);
    assert_int_equal(f[1].id, dep);
    assert_int_equal(f[2].id, lead);
    assert_string_equal(f[0].name, "ARS (exemple)");
    free(f);
    last_audit(db, "subsidy_window", id, lead, "create", 1);

    /* Added once however often it is asked; one audit entry. */
    int64_t cpam = org_ok(db, "CPAM (exemple)", "cpam");
    assert_int_equal(mg_subsidy_window_add_funder(db, 0, id, cpam, &d), 0);
    assert_int_equal(mg_subsidy_window_add_funder(db, 0, id, cpam, &d), 0);
    assert_int_equal(mg_subsidy_window_funders(db, id, &f, &n, &d), 0);
    assert_int_equal(n, 4);
    free(f);
    last_audit(db, "subsidy_window", id, lead, "add_funder", 2);
    /* An unknown window, an unknown organisation. */
    assert_int_equal(mg_subsidy_window_add_funder(db, 0, id + 100, cpam, &d), MG_ENOTFOUND);
    struct snapshot before = snap(db);
    assert_int_equal(mg_subsidy_window_add_funder(db, 0, id, cpam + 100, &d), MG_EINVAL);
    same(before, snap(db));

    /* The list, by title. */
    int64_t other = window_ok(db, dep, "Autre guichet (exemple)", NULL, 0);
    mg_subsidy_window *ws = NULL;
    assert_int_equal(mg_subsidy_windows(db, &ws, &n, &d), 0);
    assert_int_equal(n, 2);
    assert_int_equal(ws[0].id, other);
    assert_int_equal(ws[1].id, id);
    assert_int_equal(ws[0].contract_id, 0);
    free(ws);
    assert_int_equal(mg_subsidy_window_get(db, other + id + 1, &w, &d), MG_ENOTFOUND);
    mg_db_close(db);
}

static void expect_refused(int rc, const mg_subsidy_errors *e, const char *field)
{
    assert_int_equal(rc, MG_EINVAL);
    const char *msg = mg_subsidy_errors_for(e, field);
    if (!msg) {
        for (size_t i = 0; i < e->n; i++)
            print_message("refused: %s: %s\n", e->e[i].field, e->e[i].msg);
        fail_msg("field %s not named", field);
    }
    assert_true(strlen(msg) > 10);
}

static void test_window_refused(void **state)
{
    mg_db *db = open_db(state);
    int64_t lead = org_ok(db, "Ville (exemple)", "commune");
    int64_t ars = org_ok(db, "ARS (exemple)", "ars");
    struct snapshot before = snap(db);
    mg_subsidy_errors e;
    mg_diag d = {{0}};
    int64_t id = 99;
    int64_t f1[] = {ars};
    char longt[300];
    memset(longt, 'x', 201);
    longt[201] = 0;

    struct {
        const char *title, *territory;
        int64_t contract;
        const int64_t *funders;
        size_t n;
        const char *field;
    } cases[] = {
        {"", "", 0, f1, 1, "title"},
        {"   ", "", 0, f1, 1, "title"},
        {longt, "", 0, f1, 1, "title"},
        {"Titre\x01", "", 0, f1, 1, "title"},
        {"Titre", "epci:12", 0, f1, 1, "territory"},
        {"Titre", "communes:1100", 0, f1, 1, "territory"},
        {"Titre", "Aude", 0, f1, 1, "territory"},
        {"Titre", "", 424242, f1, 1, "contract"},
        {"Titre", "", 0, (const int64_t[]){ars, ars}, 2, "funders"},
        {"Titre", "", 0, (const int64_t[]){ars, ars + 1000}, 2, "funders"},
        {"Titre", "", 0, (const int64_t[]){0}, 1, "funders"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&e, 0, sizeof e);
        id = 99;
        int rc = mg_subsidy_window_create(db, 0, lead, cases[i].title, cases[i].territory,
                                          cases[i].contract, cases[i].funders, cases[i].n, false,
                                          &id, &e, &d);
        expect_refused(rc, &e, cases[i].field);
        assert_int_equal(id, 0);
        same(before, snap(db));
    }
    /* Several at once, each named. */
    memset(&e, 0, sizeof e);
    int rc = mg_subsidy_window_create(db, 0, lead, "", "nulle part", 0,
                                      (const int64_t[]){ars, ars}, 2, false, &id, &e, &d);
    expect_refused(rc, &e, "title");
    expect_refused(rc, &e, "territory");
    expect_refused(rc, &e, "funders");
    same(before, snap(db));
    /* 200 characters (accented: 400 bytes) are accepted. */
    char ok[801];
    for (int i = 0; i < 200; i++)
        memcpy(ok + 2 * i, "é", 2);
    ok[400] = 0;
    memset(&e, 0, sizeof e);
    assert_int_equal(mg_subsidy_window_create(db, 0, lead, ok, "communes:11069,2A004", 0, f1, 1,
                                              false, &id, &e, &d),
                     0);
    mg_subsidy_window w;
    assert_int_equal(mg_subsidy_window_get(db, id, &w, &d), 0);
    assert_string_equal(w.title, ok);
    mg_db_close(db);
}

static int64_t call_ok(mg_db *db, int64_t window, int64_t opened_by, const char *title,
                       const char *opens, const char *deadline)
{
    mg_subsidy_call_input in = {.title = title, .opens_on = opens, .deadline = deadline};
    mg_subsidy_errors e = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_subsidy_call_create(db, 0, window, opened_by, &in, true, &id, &e, &d);
    if (rc != 0)
        fail_msg("call %s: %s (%s)", title, mg_strerror(rc), d.msg);
    return id;
}

static void test_call_create(void **state)
{
    mg_db *db = open_db(state);
    int64_t lead = org_ok(db, "Ville (exemple)", "commune");
    int64_t ars = org_ok(db, "ARS (exemple)", "ars");
    int64_t dep = org_ok(db, "Département (exemple)", "departement");
    int64_t w = window_ok(db, lead, "Guichet (exemple)", (const int64_t[]){ars, dep}, 2);
    int64_t budget_funders[] = {ars, dep};
    const char *amounts[] = {"15 000", "2 500,50 €"};
    mg_subsidy_call_input in = {.title = "Appel santé mentale (exemple)",
                                .theme = "Santé mentale",
                                .territory = "communes:11069",
                                .description = "Ligne 1\nLigne 2",
                                .opens_on = "01/03/2026",
                                .deadline = "2026-04-30",
                                .budget_funders = budget_funders,
                                .budget_amounts = amounts,
                                .nbudgets = 2};
    mg_subsidy_errors e = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    /* Opened in a co-funder's name. */
    int rc = mg_subsidy_call_create(db, 0, w, ars, &in, false, &id, &e, &d);
    if (rc != 0)
        fail_msg("%s", d.msg);
    mg_subsidy_call c;
    assert_int_equal(mg_subsidy_call_get(db, id, &c, &d), 0);
    assert_int_equal(c.window_id, w);
    assert_int_equal(c.opened_by, ars);
    assert_string_equal(c.opened_by_name, "ARS (exemple)");
    assert_string_equal(c.title, "Appel santé mentale (exemple)");
    assert_string_equal(c.theme, "Santé mentale");
    assert_string_equal(c.territory, "communes:11069");
    assert_string_equal(c.description, "Ligne 1\nLigne 2");
    assert_string_equal(c.opens_on, "2026-03-01");
    assert_string_equal(c.deadline, "2026-04-30");
    assert_false(c.is_example);
    mg_subsidy_call_budget *b = NULL;
    size_t n = 0;
    assert_int_equal(mg_subsidy_call_budgets(db, id, &b, &n, &d), 0);
    assert_int_equal(n, 2);
    assert_int_equal(b[0].funder_id, ars);
    assert_int_equal(b[0].budget_cents, 1500000);
    assert_int_equal(b[1].funder_id, dep);
    assert_int_equal(b[1].budget_cents, 250050);
    free(b);
    last_audit(db, "subsidy_call", id, lead, "create", 1);
    /* The opening day may be the deadline; an empty amount states no budget. */
    const char *amounts2[] = {"", "0"};
    in.opens_on = in.deadline = "2026-05-02";
    in.budget_amounts = amounts2;
    assert_int_equal(mg_subsidy_call_create(db, 0, w, lead, &in, false, &id, &e, &d), 0);
    assert_int_equal(mg_subsidy_call_budgets(db, id, &b, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(b[0].funder_id, dep);
    assert_int_equal(b[0].budget_cents, 0);
    free(b);
    assert_int_equal(mg_subsidy_call_get(db, id + 50, &c, &d), MG_ENOTFOUND);
    mg_db_close(db);
}

static void test_call_refused(void **state)
{
    mg_db *db = open_db(state);
    int64_t lead = org_ok(db, "Ville (exemple)", "commune");
    int64_t ars = org_ok(db, "ARS (exemple)", "ars");
    int64_t outsider = org_ok(db, "Région (exemple)", "region");
    int64_t w = window_ok(db, lead, "Guichet (exemple)", (const int64_t[]){ars}, 1);
    struct snapshot before = snap(db);
    char f_out[48], f_ars[48];
    snprintf(f_out, sizeof f_out, "budget_%" PRId64, outsider);
    snprintf(f_ars, sizeof f_ars, "budget_%" PRId64, ars);
    char longd[4100];
    memset(longd, 'a', 4001);
    longd[4001] = 0;

    struct {
        mg_subsidy_call_input in;
        int64_t opened_by;
        const char *field;
    } cases[] = {
        {{.title = "", .opens_on = "2026-01-01", .deadline = "2026-02-01"}, lead, "title"},
        {{.title = "T", .opens_on = "", .deadline = "2026-02-01"}, lead, "opens_on"},
        {{.title = "T", .opens_on = "2026-02-30", .deadline = "2026-03-01"}, lead, "opens_on"},
        {{.title = "T", .opens_on = "2026-01-01", .deadline = "demain"}, lead, "deadline"},
        {{.title = "T", .opens_on = "2026-03-01", .deadline = "2026-02-28"}, lead, "deadline"},
        {{.title = "T", .theme = "\x7f", .opens_on = "2026-01-01", .deadline = "2026-02-01"},
         lead, "theme"},
        {{.title = "T", .territory = "epci:abc", .opens_on = "2026-01-01",
          .deadline = "2026-02-01"},
         lead, "territory"},
        {{.title = "T", .description = longd, .opens_on = "2026-01-01",
          .deadline = "2026-02-01"},
         lead, "description"},
        {{.title = "T", .opens_on = "2026-01-01", .deadline = "2026-02-01",
          .budget_funders = (const int64_t[]){outsider},
          .budget_amounts = (const char *const[]){"100"}, .nbudgets = 1},
         lead, f_out},
        {{.title = "T", .opens_on = "2026-01-01", .deadline = "2026-02-01",
          .budget_funders = (const int64_t[]){ars},
          .budget_amounts = (const char *const[]){"-5"}, .nbudgets = 1},
         lead, f_ars},
        {{.title = "T", .opens_on = "2026-01-01", .deadline = "2026-02-01",
          .budget_funders = (const int64_t[]){ars},
          .budget_amounts = (const char *const[]){"12,345"}, .nbudgets = 1},
         lead, f_ars},
        {{.title = "T", .opens_on = "2026-01-01", .deadline = "2026-02-01",
          .budget_funders = (const int64_t[]){ars, ars},
          .budget_amounts = (const char *const[]){"1", "2"}, .nbudgets = 2},
         lead, f_ars},
        {{.title = "T", .opens_on = "2026-01-01", .deadline = "2026-02-01"}, outsider,
         "opened_by"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mg_subsidy_errors e = {0};
        mg_diag d = {{0}};
        int64_t id = 77;
        int rc = mg_subsidy_call_create(db, 0, w, cases[i].opened_by, &cases[i].in, false, &id,
                                        &e, &d);
        expect_refused(rc, &e, cases[i].field);
        assert_int_equal(id, 0);
        assert_non_null(strstr(d.msg, cases[i].field)); /* the first field in d too */
        same(before, snap(db));
    }
    /* Every refused field at once, the database's (a non-funder's budget)
     * with the form's. */
    mg_subsidy_call_input in = {.title = "", .opens_on = "2026-03-01", .deadline = "2026-01-01",
                                .budget_funders = (const int64_t[]){outsider, ars},
                                .budget_amounts = (const char *const[]){"1", "x"},
                                .nbudgets = 2};
    mg_subsidy_errors e = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_subsidy_call_create(db, 0, w, lead, &in, false, &id, &e, &d);
    expect_refused(rc, &e, "title");
    expect_refused(rc, &e, "deadline");
    expect_refused(rc, &e, f_out);
    expect_refused(rc, &e, f_ars);
    same(before, snap(db));
    /* An unknown window. */
    in = (mg_subsidy_call_input){.title = "T", .opens_on = "2026-01-01",
                                 .deadline = "2026-01-02"};
    assert_int_equal(mg_subsidy_call_create(db, 0, w + 10, lead, &in, false, &id, &e, &d),
                     MG_ENOTFOUND);
    same(before, snap(db));
    mg_db_close(db);
}

/* Day n after 2026-01-01 (n < 365) as "YYYY-MM-DD". */
static void day_of(int n, char out[11])
{
    n = n < 0 ? 0 : n % 365;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int m = 0;
    while (n >= mdays[m]) {
        n -= mdays[m];
        m++;
    }
    snprintf(out, 11, "2026-%02d-%02d", (m + 1) % 13, (n + 1) % 32);
}

static void test_calls_order(void **state)
{
    mg_db *db = open_db(state);
    int64_t lead = org_ok(db, "Ville (exemple)", "commune");
    int64_t ars = org_ok(db, "ARS (exemple)", "ars");
    int64_t w1 = window_ok(db, lead, "Guichet 1 (exemple)", (const int64_t[]){ars}, 1);
    int64_t w2 = window_ok(db, ars, "Guichet 2 (exemple)", NULL, 0);
    const char *today = "2026-07-01";
    enum { N = 40 };
    int64_t ids[N], wins[N];
    char deadlines[N][11];
    srand(20261205);
    for (int i = 0; i < N; i++) {
        int dl = rand() % 365;
        char opens[11];
        day_of(dl - rand() % (dl + 1), opens);
        day_of(dl, deadlines[i]);
        wins[i] = rand() % 3 ? w1 : w2;
        char title[32];
        snprintf(title, sizeof title, "Appel %d (exemple)", i);
        ids[i] = call_ok(db, wins[i], wins[i] == w1 ? (i % 2 ? ars : lead) : ars, title, opens,
                         deadlines[i]);
    }
    for (int pass = 0; pass < 3; pass++) {
        int64_t wf = pass == 0 ? 0 : pass == 1 ? w1 : w2;
        mg_subsidy_call *c = NULL;
        size_t n = 0;
        mg_diag d = {{0}};
        assert_int_equal(mg_subsidy_calls(db, wf, today, &c, &n, &d), 0);
        size_t expected = 0;
        for (int i = 0; i < N; i++)
            expected += wf == 0 || wins[i] == wf;
        assert_int_equal(n, expected);
        /* Each listed call is one the test made, with its own deadline. */
        bool seen_closed = false;
        for (size_t k = 0; k < n; k++) {
            int i = 0;
            while (i < N && ids[i] != c[k].id)
                i++;
            assert_true(i < N);
            assert_string_equal(c[k].deadline, deadlines[i]);
            if (wf)
                assert_int_equal(c[k].window_id, wf);
            bool open = strcmp(deadlines[i], today) >= 0;
            if (open)
                assert_false(seen_closed); /* no open call after a closed one */
            seen_closed = seen_closed || !open;
            if (k > 0) {
                bool prev_open = strcmp(c[k - 1].deadline, today) >= 0;
                if (open && prev_open) /* the nearest deadline first */
                    assert_true(strcmp(c[k - 1].deadline, c[k].deadline) <= 0);
                if (!open && !prev_open) /* the latest closed first */
                    assert_true(strcmp(c[k - 1].deadline, c[k].deadline) >= 0);
            }
        }
        free(c);
    }
    mg_db_close(db);
}

#define TESTS(X)                                                                              \
    X(test_window_create) X(test_window_refused) X(test_call_create) X(test_call_refused)     \
    X(test_calls_order)

int main(void)
{
    const struct CMUnitTest tests[] = {TESTS(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {TESTS(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
