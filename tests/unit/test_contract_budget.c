/*
 * Tests of the budget lines (contracts/budget.h) on SQLite and, when
 * MG_TEST_PG_URI is set, on PostgreSQL: amounts read and written in cents
 * (round trips, refusals); lines created, changed, deleted, amended, fed;
 * fed and replaced lines refused for changes; the database's own refusals
 * (negative amounts, paid above committed, a request feeding two lines);
 * and the totals by funder, year, axis, action, nature and contract, and a
 * funder's across contracts, on random plans, against sums made here with
 * plain loops over what the test wrote (never read back through the
 * module).
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
#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "db_fixture.h"

TEST_DB_FIXTURE("contract_budget")

static mg_db *open_db(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

static int64_t org_ok(mg_db *db, const char *name)
{
    mg_auth_org_input in = {.name = name, .kind = "departement"};
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_org_add(db, 0, &in, true, false, &id, &fe, &d);
    if (rc != 0)
        fail_msg("organisation %s: %s (%s)", name, mg_strerror(rc), d.msg);
    return id;
}

static int64_t contract_ok(mg_db *db, int64_t lead, const char *title)
{
    mg_contract_input in = {.kind = "cps", .title = title, .territory = "epci:200035707",
                            .starts_on = "2024-01-01", .ends_on = "2027-12-31",
                            .status = "signed"};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_create(db, 0, lead, &in, &id, &fe, &d);
    if (rc != 0)
        fail_msg("contract %s: %s (%s)", title, mg_strerror(rc), d.msg);
    return id;
}

static int64_t action_ok(mg_db *db, int64_t contract, const char *title)
{
    mg_contract_action_input in = {.title = title};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_action_create(db, 0, contract, &in, &id, &fe, &d);
    if (rc != 0)
        fail_msg("action %s: %s (%s)", title, mg_strerror(rc), d.msg);
    return id;
}

/* Raw SQL written around the module (axes, amendments, the database's own
 * refusals), in one write transaction. */
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

static int raw(mg_db *db, const char *sql, const mg_db_param *p, size_t n, int64_t *out,
               mg_diag *d)
{
    struct raw_tx t = {sql, p, n, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, raw_body, &t, d);
    if (out)
        *out = t.out;
    return rc;
}

static int64_t raw_ok(mg_db *db, const char *sql, const mg_db_param *p, size_t n)
{
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = raw(db, sql, p, n, &id, &d);
    if (rc != 0)
        fail_msg("%s: %s (%s)", sql, mg_strerror(rc), d.msg);
    return id;
}

static int64_t axis_raw(mg_db *db, int64_t contract, int64_t parent, int position,
                        const char *title)
{
    if (parent)
        return raw_ok(db,
                      "INSERT INTO contract_axes (contract_id, level, parent_id, parent_level, "
                      "position, title, created_at, updated_at) VALUES (?1, 2, ?2, 1, ?3, ?4, "
                      "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id",
                      MG_DB_PARAMS(MG_DB_INT(contract), MG_DB_INT(parent), MG_DB_INT(position),
                                   MG_DB_TEXT(title)));
    return raw_ok(db,
                  "INSERT INTO contract_axes (contract_id, level, position, title, created_at, "
                  "updated_at) VALUES (?1, 1, ?2, ?3, '2026-01-01T00:00:00Z', "
                  "'2026-01-01T00:00:00Z') RETURNING id",
                  MG_DB_PARAMS(MG_DB_INT(contract), MG_DB_INT(position), MG_DB_TEXT(title)));
}

static int64_t amendment_raw(mg_db *db, int64_t contract, int number)
{
    char title[32];
    snprintf(title, sizeof title, "Avenant %d", number);
    return raw_ok(db,
                  "INSERT INTO contract_amendments (contract_id, number, title, effective_on, "
                  "created_at) VALUES (?1, ?2, ?3, '2025-07-01', '2026-01-01T00:00:00Z') "
                  "RETURNING id",
                  MG_DB_PARAMS(MG_DB_INT(contract), MG_DB_INT(number), MG_DB_TEXT(title)));
}

/* --- Amounts ----------------------------------------------------------------------- */

static void test_parse_accepted(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int64_t cents;
    } ok[] = {
        {"0", 0},
        {"1234", 123400},
        {"1 234,56", 123456},
        {"1234.5", 123450},
        {"1234,5", 123450},
        {"250 000", 25000000},
        {"250000 €", 25000000},
        {"250 000€", 25000000},
        {"  12,05  ", 1205},
        {"\t1 234 ", 123400},
        {"1\u00a0234\u00a0567,89\u00a0€", 123456789},  /* no-break spaces */
        {"1\u202f234\u202f567,89\u202f€", 123456789},  /* narrow no-break spaces */
        {"0,07", 7},
        {"+3", 300},
        {"007", 700},
        {"1000000000000", INT64_C(100000000000000)},   /* the bound, 10^12 € */
        {"999 999 999 999,99", INT64_C(99999999999999)},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t c = -1;
        if (mg_budget_parse_cents(ok[i].in, &c) != 0)
            fail_msg("\"%s\" refused", ok[i].in);
        if (c != ok[i].cents)
            fail_msg("\"%s\" read as %" PRId64 ", expected %" PRId64, ok[i].in, c, ok[i].cents);
    }
}

static void test_parse_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "   ", "-5", "\u2212" "5", "1,234", "12,345", "1.234.567", "1 23", "12 34,5",
        "1234 567", "1 2345", "1,2,3", "abc", "12 €€", "€ 12", "12,", ",5", "1e3", "0x10",
        "1000000000000,01", "1000000000001", "99999999999999999999999", "12 ,5",
        "1\u00a0\u00a0234", "12 EUR", "1\t234", "\xff", "12\n", NULL,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t c = 77;
        int rc = mg_budget_parse_cents(bad[i], &c);
        if (rc != MG_EINVAL)
            fail_msg("\"%s\" accepted as %" PRId64, bad[i] ? bad[i] : "(null)", c);
        assert_int_equal(c, 0);
    }
}

static void test_format(void **state)
{
    (void)state;
    char buf[64];
    mg_budget_format_cents(25000000, buf, sizeof buf);
    assert_string_equal(buf, "250\u202f000\u00a0€");
    mg_budget_format_cents(123456, buf, sizeof buf);
    assert_string_equal(buf, "1\u202f234,56\u00a0€");
    mg_budget_format_cents(5, buf, sizeof buf);
    assert_string_equal(buf, "0,05\u00a0€");
    mg_budget_format_cents(0, buf, sizeof buf);
    assert_string_equal(buf, "0\u00a0€");
    mg_budget_format_cents(99900, buf, sizeof buf);
    assert_string_equal(buf, "999\u00a0€");
    mg_budget_format_cents(-150, buf, sizeof buf);
    assert_string_equal(buf, "-1,50\u00a0€");
    mg_budget_format_cents(INT64_MIN, buf, sizeof buf); /* no overflow */
    assert_true(buf[0] == '-');
    char tiny[6];
    mg_budget_format_cents(123456, tiny, sizeof tiny); /* cut, still text */
    assert_true(strlen(tiny) < sizeof tiny);
}

/* Formatting then reading gives the same cents, on random amounts of every
 * size (and the shapes people type: no separators, dots). */
static void test_round_trip(void **state)
{
    (void)state;
    uint64_t seed = 20261205;
    for (int i = 0; i < 20000; i++) {
        int digits = 1 + (int)(rng_next(&seed) % 14);
        int64_t max = 1;
        for (int k = 0; k < digits; k++)
            max *= 10;
        int64_t v = (int64_t)(rng_next(&seed) % (uint64_t)(max + 1));
        if (v > INT64_C(100000000000000))
            v = INT64_C(100000000000000);
        char buf[64];
        mg_budget_format_cents(v, buf, sizeof buf);
        int64_t back = -1;
        if (mg_budget_parse_cents(buf, &back) != 0 || back != v)
            fail_msg("%" PRId64 " → \"%s\" → %" PRId64, v, buf, back);
        snprintf(buf, sizeof buf, "%" PRId64 ".%02d", v / 100, (int)(v % 100));
        if (mg_budget_parse_cents(buf, &back) != 0 || back != v)
            fail_msg("%" PRId64 " → \"%s\" → %" PRId64, v, buf, back);
    }
}

static void test_natures(void **state)
{
    (void)state;
    for (int n = 0; n < MG_BUDGET_NATURES; n++) {
        mg_budget_nature back;
        assert_int_equal(mg_budget_nature_parse(mg_budget_nature_key(n), &back), 0);
        assert_int_equal(back, n);
    }
    assert_string_equal(mg_budget_nature_label(MG_BUDGET_OPERATION), "Fonctionnement");
    assert_string_equal(mg_budget_nature_key(MG_BUDGET_NATURES), "");
    mg_budget_nature x;
    assert_int_equal(mg_budget_nature_parse("Investissement", &x), MG_ENOTFOUND);
}

/* --- Input checks ------------------------------------------------------------------- */

static void test_input_refused(void **state)
{
    (void)state;
    static const struct {
        mg_budget_line_input in;
        const char *field;
    } bad[] = {
        {{0, "2025", "investment", "100", NULL, NULL}, "funder"},
        {{1, "", "investment", "100", NULL, NULL}, "year"},
        {{1, "1999", "investment", "100", NULL, NULL}, "year"},
        {{1, "2101", "investment", "100", NULL, NULL}, "year"},
        {{1, "20x5", "investment", "100", NULL, NULL}, "year"},
        {{1, "2025", "", "100", NULL, NULL}, "nature"},
        {{1, "2025", "capital", "100", NULL, NULL}, "nature"},
        {{1, "2025", "operation", "", NULL, NULL}, "planned"},
        {{1, "2025", "operation", "-100", NULL, NULL}, "planned"},
        {{1, "2025", "operation", "100", "1,234", NULL}, "committed"},
        {{1, "2025", "operation", "100", "50", "abc"}, "paid"},
        {{1, "2025", "operation", "100", "50", "50,01"}, "paid"},   /* paid above committed */
        {{1, "2025", "operation", "100", NULL, "1"}, "paid"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        assert_int_equal(mg_budget_line_input_check(&bad[i].in, &fe, &d), MG_EINVAL);
        if (!fe.field || strcmp(fe.field, bad[i].field) != 0)
            fail_msg("case %zu: field %s, expected %s (%s)", i, fe.field ? fe.field : "-",
                     bad[i].field, fe.msg);
        assert_true(fe.msg[0] != 0);
        assert_string_equal(d.msg, fe.msg);
    }
    mg_budget_line_input ok = {1, " 2025 ", "operation", "1 000", "", ""};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    assert_int_equal(mg_budget_line_input_check(&ok, &fe, &d), 0);
}

/* --- Lines ----------------------------------------------------------------------------- */

static void test_line_life(void **state)
{
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude");
    int64_t ars = org_ok(db, "ARS Occitanie");
    int64_t k = contract_ok(db, dep, "Contrat");
    int64_t act = action_ok(db, k, "Cabine de téléconsultation");
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    mg_budget_line_input in = {ars, "2025", "investment", "250 000 €", "100 000", "40 000,50"};
    int64_t id = 0;
    assert_int_equal(mg_budget_line_create(db, 3, act, &in, &id, &fe, &d), 0);
    mg_budget_line l;
    assert_int_equal(mg_budget_line_get(db, id, &l, &d), 0);
    assert_int_equal(l.action_id, act);
    assert_int_equal(l.contract_id, k);
    assert_int_equal(l.funder_id, ars);
    assert_string_equal(l.funder_name, "ARS Occitanie");
    assert_int_equal(l.year, 2025);
    assert_int_equal(l.nature, MG_BUDGET_INVESTMENT);
    assert_int_equal(l.a.planned, 25000000);
    assert_int_equal(l.a.committed, 10000000);
    assert_int_equal(l.a.paid, 4000050);
    assert_false(l.fed);
    assert_int_equal(l.amendment_id, 0);
    assert_int_equal(l.replaced_by, 0);

    /* Refused: an unknown funder, an unknown action; nothing written. */
    mg_budget_line_input nobody = in;
    nobody.funder_id = 9999;
    assert_int_equal(mg_budget_line_create(db, 3, act, &nobody, NULL, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "funder");
    assert_int_equal(mg_budget_line_create(db, 3, 9999, &in, NULL, &fe, &d), MG_ENOTFOUND);
    mg_budget_line *v = NULL;
    size_t n = 0;
    assert_int_equal(mg_budget_lines(db, k, 0, false, &v, &n, &d), 0);
    assert_int_equal(n, 1);
    free(v);

    /* Update, then its audit entry with what changed. */
    mg_budget_line_input up = {dep, "2026", "operation", "250000", "100000", "100000"};
    assert_int_equal(mg_budget_line_update(db, 3, id, &up, &fe, &d), 0);
    assert_int_equal(mg_budget_line_get(db, id, &l, &d), 0);
    assert_int_equal(l.funder_id, dep);
    assert_int_equal(l.year, 2026);
    assert_int_equal(l.nature, MG_BUDGET_OPERATION);
    assert_int_equal(l.a.paid, 10000000);
    mg_audit_record *r = NULL;
    size_t total = 0;
    assert_int_equal(mg_audit_history(db, "budget_line", id, 0, 10, &r, &n, &total, &d), 0);
    assert_int_equal(total, 2);
    assert_string_equal(r[0].verb, "update");
    assert_int_equal(r[0].organisation_id, dep);
    assert_int_equal(r[0].account_id, 3);
    bool saw_paid = false;
    for (size_t i = 0; i < r[0].nchanges; i++)
        if (strcmp(r[0].changes[i].field, "paid_cents") == 0) {
            saw_paid = true;
            assert_string_equal(r[0].changes[i].before, "4000050");
            assert_string_equal(r[0].changes[i].after, "10000000");
        }
    assert_true(saw_paid);
    assert_string_equal(r[1].verb, "create");
    mg_audit_records_free(r, n);

    /* Delete. */
    assert_int_equal(mg_budget_line_delete(db, 3, id, &fe, &d), 0);
    assert_int_equal(mg_budget_line_get(db, id, &l, &d), MG_ENOTFOUND);
    assert_int_equal(mg_budget_line_delete(db, 3, id, &fe, &d), MG_ENOTFOUND);
    assert_int_equal(mg_audit_history(db, "budget_line", id, 0, 10, &r, &n, &total, &d), 0);
    assert_int_equal(total, 3);
    assert_string_equal(r[0].verb, "delete");
    mg_audit_records_free(r, n);
    mg_db_close(db);
}

/* A fed line is read-only here; feeding again updates it; a replaced line
 * is history. */
static void test_fed_and_replaced_refused(void **state)
{
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude");
    int64_t k = contract_ok(db, dep, "Contrat");
    int64_t act = action_ok(db, k, "Aller-vers");
    mg_diag d = {{0}};
    mg_contract_field_error fe = {0};
    assert_int_equal(mg_budget_feed(db, 0, act, 41, dep, 2025, MG_BUDGET_OPERATION, 500000,
                                    100000, &d), 0);
    mg_budget_line *v = NULL;
    size_t n = 0;
    assert_int_equal(mg_budget_lines(db, 0, act, false, &v, &n, &d), 0);
    assert_int_equal(n, 1);
    int64_t fed = v[0].id;
    assert_true(v[0].fed);
    assert_int_equal(v[0].subsidy_request_id, 41);
    assert_int_equal(v[0].a.planned, 500000);
    assert_int_equal(v[0].a.committed, 500000);
    free(v);
    mg_budget_line_input in = {dep, "2025", "operation", "1", NULL, NULL};
    assert_int_equal(mg_budget_line_update(db, 1, fed, &in, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "line");
    assert_int_equal(mg_budget_line_delete(db, 1, fed, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "line");
    int64_t am = amendment_raw(db, k, 1);
    assert_int_equal(mg_budget_line_amend(db, 1, am, fed, &in, NULL, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "line");
    mg_budget_line l;
    assert_int_equal(mg_budget_line_get(db, fed, &l, &d), 0);
    assert_int_equal(l.a.planned, 500000); /* unchanged */

    /* Fed again: the same line, updated; no second line. */
    assert_int_equal(mg_budget_feed(db, 0, act, 41, dep, 2025, MG_BUDGET_OPERATION, 600000,
                                    600000, &d), 0);
    assert_int_equal(mg_budget_lines(db, 0, act, false, &v, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, fed);
    assert_int_equal(v[0].a.paid, 600000);
    free(v);
    assert_int_equal(mg_budget_feed(db, 0, act, 42, dep, 2025, MG_BUDGET_OPERATION, 10, 11, &d),
                     MG_EINVAL); /* paid above granted */

    /* Amended: the old line stays as signed and is refused any change. */
    int64_t id = 0, repl = 0;
    assert_int_equal(mg_budget_line_create(db, 1, act, &in, &id, &fe, &d), 0);
    mg_budget_line_input more = {dep, "2025", "operation", "2", NULL, NULL};
    assert_int_equal(mg_budget_line_amend(db, 1, am, id, &more, &repl, &fe, &d), 0);
    assert_true(repl > id);
    assert_int_equal(mg_budget_line_update(db, 1, id, &more, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "line");
    assert_non_null(strstr(fe.msg, "avenant n° 1"));
    assert_int_equal(mg_budget_line_delete(db, 1, id, &fe, &d), MG_EINVAL);
    assert_int_equal(mg_budget_line_amend(db, 1, am, id, &more, NULL, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "line");
    /* The line an amendment added is not deleted either. */
    assert_int_equal(mg_budget_line_delete(db, 1, repl, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "line");
    /* An amendment of another contract. */
    int64_t k2 = contract_ok(db, dep, "Autre contrat");
    int64_t am2 = amendment_raw(db, k2, 1);
    assert_int_equal(mg_budget_line_amend(db, 1, am2, repl, &more, NULL, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "amendment");
    assert_int_equal(mg_budget_line_amend(db, 1, 9999, repl, &more, NULL, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "amendment");

    /* What the amendment recorded. */
    mg_budget_line old, now;
    assert_int_equal(mg_budget_line_get(db, id, &old, &d), 0);
    assert_int_equal(mg_budget_line_get(db, repl, &now, &d), 0);
    assert_int_equal(old.replaced_by, am);
    assert_int_equal(now.amendment_id, am);
    assert_int_equal(now.replaced_by, 0);
    int64_t planned_rows = 0;
    assert_int_equal(raw(db,
                         "SELECT count(*) FROM amendment_changes WHERE amendment_id = ?1 AND "
                         "object_type = 'budget_line' AND object_id = ?2 AND "
                         "field = 'planned_cents' AND value_before = '100' AND "
                         "value_after = '200'",
                         MG_DB_PARAMS(MG_DB_INT(am), MG_DB_INT(id)), &planned_rows, &d),
                     0);
    assert_int_equal(planned_rows, 1);

    /* Current and as signed. */
    assert_int_equal(mg_budget_lines(db, 0, act, false, &v, &n, &d), 0);
    assert_int_equal(n, 2); /* fed + repl */
    free(v);
    assert_int_equal(mg_budget_lines(db, 0, act, true, &v, &n, &d), 0);
    assert_int_equal(n, 2); /* fed + id */
    bool saw_old = false;
    for (size_t i = 0; i < n; i++)
        saw_old |= v[i].id == id;
    assert_true(saw_old);
    free(v);
    /* An action asked under another contract has no lines there. */
    assert_int_equal(mg_budget_lines(db, k2, act, false, &v, &n, &d), 0);
    assert_int_equal(n, 0);
    assert_int_equal(mg_budget_lines(db, k, act, false, &v, &n, &d), 0);
    assert_int_equal(n, 2);
    free(v);

    /* The amendment's audit: the old line replaced, the new one created,
     * on behalf of the lead. */
    mg_audit_record *r = NULL;
    size_t total = 0;
    assert_int_equal(mg_audit_history(db, "budget_line", id, 0, 10, &r, &n, &total, &d), 0);
    assert_int_equal(total, 2);
    assert_string_equal(r[0].verb, "amend_replace");
    assert_int_equal(r[0].organisation_id, dep);
    mg_audit_records_free(r, n);
    assert_int_equal(mg_audit_history(db, "budget_line", repl, 0, 10, &r, &n, &total, &d), 0);
    assert_int_equal(total, 1);
    assert_string_equal(r[0].verb, "amend_create");
    mg_audit_records_free(r, n);
    assert_int_equal(mg_audit_history(db, "budget_line", fed, 0, 10, &r, &n, &total, &d), 0);
    assert_int_equal(total, 2); /* fed, fed again */
    assert_string_equal(r[0].verb, "feed");
    assert_int_equal(r[0].organisation_id, dep);
    mg_audit_records_free(r, n);
    int64_t line_rows = 0;
    assert_int_equal(raw(db,
                         "SELECT count(*) FROM amendment_changes WHERE amendment_id = ?1 AND "
                         "object_id = ?2 AND field = 'replaced_by_line'",
                         MG_DB_PARAMS(MG_DB_INT(am), MG_DB_INT(id)), &line_rows, &d),
                     0);
    assert_int_equal(line_rows, 1);
    mg_db_close(db);
}

/* The database itself refuses what the functions would: written around
 * them with raw SQL. */
static void test_database_refuses(void **state)
{
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude");
    int64_t k = contract_ok(db, dep, "Contrat");
    int64_t act = action_ok(db, k, "Action");
    static const char insert[] =
        "INSERT INTO budget_lines (action_id, funder_id, year, nature, planned_cents, "
        "committed_cents, paid_cents, source, subsidy_request_id, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, 'operation', ?4, ?5, ?6, ?7, ?8, '2026-01-01T00:00:00Z', "
        "'2026-01-01T00:00:00Z') RETURNING id";
#define TRY(year, planned, committed, paid, source, request)                                     \
    raw(db, insert,                                                                              \
        MG_DB_PARAMS(MG_DB_INT(act), MG_DB_INT(dep), MG_DB_INT(year), MG_DB_INT(planned),        \
                     MG_DB_INT(committed), MG_DB_INT(paid), MG_DB_TEXT(source),                 \
                     (request) ? MG_DB_INT(request) : MG_DB_NULL),                               \
        NULL, &d)
    mg_diag d = {{0}};
    assert_int_equal(TRY(2025, 100, 50, 50, "typed", 0), 0);      /* the control */
    assert_true(TRY(2025, -1, 0, 0, "typed", 0) < 0);             /* negative planned */
    assert_true(TRY(2025, 100, -5, 0, "typed", 0) < 0);           /* negative committed */
    assert_true(TRY(2025, 100, 50, -1, "typed", 0) < 0);          /* negative paid */
    assert_true(TRY(2025, 100, 50, 51, "typed", 0) < 0);          /* paid above committed */
    assert_true(TRY(1999, 100, 50, 0, "typed", 0) < 0);           /* year */
    assert_true(TRY(2025, 100, 50, 0, "typed", 7) < 0);           /* typed with a request */
    assert_true(TRY(2025, 100, 50, 0, "subsidy", 0) < 0);         /* fed without one */
    assert_int_equal(TRY(2025, 100, 100, 0, "subsidy", 7), 0);
    assert_true(TRY(2025, 100, 100, 0, "subsidy", 7) < 0);        /* the same request again */
    assert_true(TRY(2025, INT64_C(100000000000001), 0, 0, "typed", 0) < 0); /* past 10^12 € */
#undef TRY
    /* paid above committed by an update, too. */
    assert_true(raw(db, "UPDATE budget_lines SET paid_cents = committed_cents + 1",
                    MG_DB_NO_PARAMS, NULL, &d) < 0);
    mg_budget_line *v = NULL;
    size_t n = 0;
    assert_int_equal(mg_budget_lines(db, k, 0, false, &v, &n, &d), 0);
    assert_int_equal(n, 2); /* the control and the fed line */
    free(v);
    /* mg_budget_feed on a request already feeding a line updates it. */
    assert_int_equal(mg_budget_feed(db, 0, act, 7, dep, 2026, MG_BUDGET_INVESTMENT, 300, 0, &d),
                     0);
    assert_int_equal(mg_budget_lines(db, k, 0, false, &v, &n, &d), 0);
    assert_int_equal(n, 2);
    free(v);
    mg_db_close(db);
}

/* --- Totals on random plans -------------------------------------------------------------- */

enum { NFUNDERS = 5, NCONTRACTS = 3, MAXLINES = 600 };

/* What the test wrote, line by line. */
typedef struct rec {
    int64_t id;
    int64_t contract, action, axis1; /* axis1: the level-1 axis of the action, 0 none */
    int64_t funder;
    int year;
    int nature;
    int64_t planned, committed, paid;
    bool current, as_signed, fed, gone;
} rec;

typedef struct plan {
    int64_t lead, funders[NFUNDERS];
    int64_t contracts[NCONTRACTS];
    int64_t actions[NCONTRACTS][6], axis1_of[NCONTRACTS][6];
    int nactions[NCONTRACTS];
    int64_t amendments[NCONTRACTS][3];
    rec r[MAXLINES];
    size_t n;
} plan;

static void random_amounts(uint64_t *seed, int64_t *planned, int64_t *committed, int64_t *paid)
{
    /* From cents to millions of euros. */
    int64_t scale = (int64_t[]){100, 10000, 1000000, 100000000}[rng_next(seed) % 4];
    *planned = (int64_t)(rng_next(seed) % (uint64_t)(scale * 10));
    *committed = (int64_t)(rng_next(seed) % (uint64_t)(*planned + 1));
    *paid = rng_next(seed) % 3 ? (int64_t)(rng_next(seed) % (uint64_t)(*committed + 1)) : 0;
}

/* An amount as someone types it, in one of several shapes. */
static void typed(uint64_t *seed, int64_t cents, char *out, size_t cap)
{
    switch (rng_next(seed) % 3) {
    case 0:
        mg_budget_format_cents(cents, out, cap);
        break;
    case 1:
        snprintf(out, cap, "%" PRId64 ",%02d", cents / 100, (int)(cents % 100));
        break;
    default:
        if (cents % 100 == 0)
            snprintf(out, cap, "%" PRId64, cents / 100);
        else
            snprintf(out, cap, "%" PRId64 ".%02d", cents / 100, (int)(cents % 100));
    }
}

static void line_input(uint64_t *seed, const plan *p, rec *r, mg_budget_line_input *in,
                       char bufs[4][64])
{
    r->funder = p->funders[rng_next(seed) % NFUNDERS];
    r->year = 2023 + (int)(rng_next(seed) % 5);
    r->nature = (int)(rng_next(seed) % 2);
    random_amounts(seed, &r->planned, &r->committed, &r->paid);
    snprintf(bufs[0], 64, "%d", r->year);
    typed(seed, r->planned, bufs[1], 64);
    typed(seed, r->committed, bufs[2], 64);
    typed(seed, r->paid, bufs[3], 64);
    *in = (mg_budget_line_input){r->funder, bufs[0],
                                 mg_budget_nature_key((mg_budget_nature)r->nature), bufs[1],
                                 bufs[2], bufs[3]};
}

static void build_plan(mg_db *db, uint64_t seed, plan *p)
{
    memset(p, 0, sizeof *p);
    p->lead = org_ok(db, "Département de l'Aude");
    static const char *const names[NFUNDERS] = {"ARS Occitanie", "Région Occitanie",
                                                "État (exemple)", "CPAM de l'Aude",
                                                "Zèbre fondation (exemple)"};
    for (int i = 0; i < NFUNDERS; i++)
        p->funders[i] = i == 0 ? p->lead : org_ok(db, names[i]);
    mg_diag d = {{0}};
    mg_contract_field_error fe = {0};
    int64_t request = 1000;
    for (int c = 0; c < NCONTRACTS; c++) {
        char title[64];
        snprintf(title, sizeof title, "Contrat %c", 'A' + c);
        int64_t k = p->contracts[c] = contract_ok(db, p->lead, title);
        /* Two axes, the first with two sub-axes (positions reversed, so that
         * position and id orders differ). */
        int64_t ax1 = axis_raw(db, k, 0, 1, "Accès aux soins");
        int64_t ax0 = axis_raw(db, k, 0, 0, "Prévention");
        int64_t sub1 = axis_raw(db, k, ax1, 0, "Télésanté");
        int64_t sub2 = axis_raw(db, k, ax1, 1, "Aller-vers");
        int64_t axes[] = {0, ax0, ax1, sub1, sub2};
        int64_t level1[] = {0, ax0, ax1, ax1, ax1};
        p->nactions[c] = 3 + (int)(rng_next(&seed) % 4);
        for (int a = 0; a < p->nactions[c]; a++) {
            snprintf(title, sizeof title, "Action %d.%d", c + 1, a + 1);
            int64_t act = p->actions[c][a] = action_ok(db, k, title);
            int which = (int)(rng_next(&seed) % 5);
            p->axis1_of[c][a] = level1[which];
            if (axes[which])
                raw_ok(db, "UPDATE contract_actions SET axis_id = ?1 WHERE id = ?2",
                       MG_DB_PARAMS(MG_DB_INT(axes[which]), MG_DB_INT(act)));
        }
        for (int m = 0; m < 3; m++)
            p->amendments[c][m] = amendment_raw(db, k, m + 1);
        for (int a = 0; a < p->nactions[c]; a++) {
            int lines = (int)(rng_next(&seed) % 12);
            for (int l = 0; l < lines && p->n < MAXLINES; l++) {
                rec *r = &p->r[p->n];
                *r = (rec){.contract = k, .action = p->actions[c][a],
                           .axis1 = p->axis1_of[c][a], .current = true, .as_signed = true};
                if (rng_next(&seed) % 6 == 0) { /* fed by a subsidy request */
                    r->funder = p->funders[rng_next(&seed) % NFUNDERS];
                    r->year = 2023 + (int)(rng_next(&seed) % 5);
                    r->nature = (int)(rng_next(&seed) % 2);
                    int64_t granted, unused;
                    random_amounts(&seed, &granted, &r->paid, &unused);
                    r->planned = r->committed = granted;
                    r->fed = true;
                    int64_t req = request++;
                    int rc = mg_budget_feed(db, 0, r->action, req, r->funder, r->year,
                                            (mg_budget_nature)r->nature, granted, r->paid, &d);
                    if (rc)
                        fail_msg("feed: %s", d.msg);
                    int64_t id = 0;
                    raw(db, "SELECT id FROM budget_lines WHERE subsidy_request_id = ?1",
                        MG_DB_PARAMS(MG_DB_INT(req)), &id, &d);
                    r->id = id;
                    if (rng_next(&seed) % 3 == 0) { /* fed again: the same line updated */
                        r->paid = r->committed;
                        rc = mg_budget_feed(db, 0, r->action, req, r->funder, r->year,
                                            (mg_budget_nature)r->nature, granted, r->paid, &d);
                        if (rc)
                            fail_msg("feed again: %s", d.msg);
                    }
                } else {
                    mg_budget_line_input in;
                    char bufs[4][64];
                    line_input(&seed, p, r, &in, bufs);
                    int rc = mg_budget_line_create(db, 2, r->action, &in, &r->id, &fe, &d);
                    if (rc)
                        fail_msg("line (%s, %s, %s): %s", bufs[1], bufs[2], bufs[3], d.msg);
                }
                p->n++;
            }
        }
    }
    /* Changes afterwards: typed lines updated, deleted, or replaced under an
     * amendment of their contract (some replaced twice). */
    size_t first_n = p->n;
    for (size_t i = 0; i < first_n; i++) {
        rec *r = &p->r[i];
        if (r->fed)
            continue;
        int what = (int)(rng_next(&seed) % 8);
        if (what == 0) {
            mg_budget_line_input in;
            char bufs[4][64];
            rec nr = *r;
            line_input(&seed, p, &nr, &in, bufs);
            int rc = mg_budget_line_update(db, 2, r->id, &in, &fe, &d);
            if (rc)
                fail_msg("update: %s", d.msg);
            *r = nr;
        } else if (what == 1) {
            int rc = mg_budget_line_delete(db, 2, r->id, &fe, &d);
            if (rc)
                fail_msg("delete: %s", d.msg);
            r->gone = true, r->current = false, r->as_signed = false;
        } else if (what == 2 && p->n + 2 < MAXLINES) {
            int c = 0;
            while (p->contracts[c] != r->contract)
                c++;
            rec *cur = r;
            int times = 1 + (int)(rng_next(&seed) % 2);
            for (int m = 0; m < times; m++) {
                rec *nr = &p->r[p->n];
                *nr = *cur;
                nr->as_signed = false;
                mg_budget_line_input in;
                char bufs[4][64];
                line_input(&seed, p, nr, &in, bufs);
                int rc = mg_budget_line_amend(db, 2, p->amendments[c][m], cur->id, &in, &nr->id,
                                              &fe, &d);
                if (rc)
                    fail_msg("amend: %s", d.msg);
                cur->current = false;
                p->n++;
                cur = nr;
            }
        }
    }
}

static bool same(const mg_budget_amounts *a, int64_t planned, int64_t committed, int64_t paid)
{
    return a->planned == planned && a->committed == committed && a->paid == paid;
}

/* The key of record r in group g. */
static int64_t key_of(const rec *r, mg_budget_group g)
{
    switch (g) {
    case MG_BUDGET_BY_FUNDER: return r->funder;
    case MG_BUDGET_BY_YEAR: return r->year;
    case MG_BUDGET_BY_AXIS: return r->axis1;
    case MG_BUDGET_BY_ACTION: return r->action;
    case MG_BUDGET_BY_NATURE: return r->nature;
    default: return -1;
    }
}

static void check_totals(mg_db *db, const plan *p)
{
    mg_diag d = {{0}};
    for (int c = 0; c < NCONTRACTS; c++) {
        int64_t k = p->contracts[c];
        /* The contract's total. */
        int64_t tp = 0, tc = 0, tpaid = 0;
        size_t current = 0, signed_n = 0;
        for (size_t i = 0; i < p->n; i++) {
            const rec *r = &p->r[i];
            if (r->contract != k)
                continue;
            signed_n += r->as_signed;
            if (!r->current)
                continue;
            current++;
            tp += r->planned, tc += r->committed, tpaid += r->paid;
        }
        for (int g = 0; g < MG_BUDGET_GROUPS; g++) {
            mg_budget_total *t = NULL;
            size_t n = 0;
            mg_budget_amounts all;
            int rc = mg_budget_totals(db, k, (mg_budget_group)g, &t, &n, &all, &d);
            if (rc)
                fail_msg("totals %d: %s", g, d.msg);
            if (!same(&all, tp, tc, tpaid))
                fail_msg("contract %d group %d: total %" PRId64 "/%" PRId64 "/%" PRId64
                         ", expected %" PRId64 "/%" PRId64 "/%" PRId64,
                         c, g, all.planned, all.committed, all.paid, tp, tc, tpaid);
            /* Each key of the module's rows: the sums of the test's lines;
             * and every key of the test's current lines is one row. */
            for (size_t j = 0; j < n; j++) {
                int64_t sp = 0, sc = 0, spaid = 0;
                size_t lines = 0;
                for (size_t i = 0; i < p->n; i++) {
                    const rec *r = &p->r[i];
                    if (r->contract != k || !r->current || key_of(r, g) != t[j].key)
                        continue;
                    lines++;
                    sp += r->planned, sc += r->committed, spaid += r->paid;
                }
                if (lines == 0 || !same(&t[j].a, sp, sc, spaid))
                    fail_msg("contract %d group %d key %" PRId64 " (%s): %" PRId64 "/%" PRId64
                             "/%" PRId64 ", expected %" PRId64 "/%" PRId64 "/%" PRId64
                             " over %zu lines",
                             c, g, t[j].key, t[j].label, t[j].a.planned, t[j].a.committed,
                             t[j].a.paid, sp, sc, spaid, lines);
                for (size_t i = 0; i < j; i++)
                    assert_true(t[i].key != t[j].key);
                assert_true(t[j].label[0] != 0);
                if (g == MG_BUDGET_BY_YEAR && j > 0)
                    assert_true(t[j - 1].key < t[j].key);
            }
            for (size_t i = 0; i < p->n; i++) {
                const rec *r = &p->r[i];
                if (r->contract != k || !r->current)
                    continue;
                bool found = false;
                for (size_t j = 0; j < n; j++)
                    found |= t[j].key == key_of(r, g);
                if (!found)
                    fail_msg("contract %d group %d: key %" PRId64 " missing", c, g,
                             key_of(r, g));
            }
            free(t);
        }
        /* The lines themselves, current and as signed, and per action. */
        mg_budget_line *v = NULL;
        size_t n = 0;
        assert_int_equal(mg_budget_lines(db, k, 0, false, &v, &n, &d), 0);
        assert_int_equal(n, current);
        for (size_t j = 0; j < n; j++) {
            const rec *r = NULL;
            for (size_t i = 0; i < p->n; i++)
                if (p->r[i].id == v[j].id)
                    r = &p->r[i];
            assert_non_null(r);
            assert_true(r->current);
            assert_int_equal(v[j].funder_id, r->funder);
            assert_int_equal(v[j].year, r->year);
            assert_int_equal(v[j].nature, r->nature);
            assert_true(same(&v[j].a, r->planned, r->committed, r->paid));
            assert_int_equal(v[j].fed, r->fed);
            if (j > 0)
                assert_true(v[j - 1].year <= v[j].year);
        }
        free(v);
        assert_int_equal(mg_budget_lines(db, k, 0, true, &v, &n, &d), 0);
        assert_int_equal(n, signed_n);
        free(v);
        for (int a = 0; a < p->nactions[c]; a++) {
            size_t want = 0;
            for (size_t i = 0; i < p->n; i++)
                want += p->r[i].action == p->actions[c][a] && p->r[i].current;
            assert_int_equal(mg_budget_lines(db, k, p->actions[c][a], false, &v, &n, &d), 0);
            assert_int_equal(n, want);
            free(v);
        }
    }
    /* A funder across contracts. */
    for (int f = 0; f < NFUNDERS; f++) {
        mg_budget_total *t = NULL;
        size_t n = 0;
        mg_budget_amounts all;
        assert_int_equal(mg_budget_of_funder(db, p->funders[f], &t, &n, &all, &d), 0);
        int64_t ap = 0, ac = 0, apaid = 0;
        size_t contracts = 0;
        for (int c = 0; c < NCONTRACTS; c++) {
            int64_t sp = 0, sc = 0, spaid = 0;
            size_t lines = 0;
            for (size_t i = 0; i < p->n; i++) {
                const rec *r = &p->r[i];
                if (r->contract != p->contracts[c] || !r->current || r->funder != p->funders[f])
                    continue;
                lines++;
                sp += r->planned, sc += r->committed, spaid += r->paid;
            }
            ap += sp, ac += sc, apaid += spaid;
            if (!lines)
                continue;
            contracts++;
            bool found = false;
            for (size_t j = 0; j < n; j++)
                if (t[j].key == p->contracts[c]) {
                    found = true;
                    assert_true(same(&t[j].a, sp, sc, spaid));
                }
            assert_true(found);
        }
        assert_int_equal(n, contracts);
        assert_true(same(&all, ap, ac, apaid));
        free(t);
    }
}

static void test_random_totals(void **state)
{
    mg_db *db = open_db(state);
    plan *p = calloc(1, sizeof *p);
    assert_non_null(p);
    build_plan(db, 15151515, p);
    size_t replaced = 0, fed = 0, gone = 0;
    for (size_t i = 0; i < p->n; i++)
        replaced += !p->r[i].current && !p->r[i].gone, fed += p->r[i].fed, gone += p->r[i].gone;
    /* The plan exercises what it should. */
    assert_true(p->n > 40);
    assert_true(replaced > 0 && fed > 0 && gone > 0);
    check_totals(db, p);
    /* An unknown contract. */
    mg_budget_total *t = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_budget_totals(db, 99999, MG_BUDGET_BY_YEAR, &t, &n, NULL, &d),
                     MG_ENOTFOUND);
    free(p);
    mg_db_close(db);
}

/* A second seed, smaller, on an empty contract too. */
static void test_random_totals_other_seed(void **state)
{
    mg_db *db = open_db(state);
    plan *p = calloc(1, sizeof *p);
    assert_non_null(p);
    build_plan(db, 4242, p);
    check_totals(db, p);
    int64_t empty = contract_ok(db, p->lead, "Contrat vide");
    mg_budget_total *t = NULL;
    size_t n = 7;
    mg_budget_amounts all = {1, 1, 1};
    mg_diag d = {{0}};
    assert_int_equal(mg_budget_totals(db, empty, MG_BUDGET_BY_FUNDER, &t, &n, &all, &d), 0);
    assert_int_equal(n, 0);
    assert_null(t);
    assert_true(same(&all, 0, 0, 0));
    free(p);
    mg_db_close(db);
}

#define BOTH(X)                                                                                  \
    X(test_line_life)                                                                            \
    X(test_fed_and_replaced_refused)                                                             \
    X(test_database_refuses)                                                                     \
    X(test_random_totals)                                                                        \
    X(test_random_totals_other_seed)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepted), cmocka_unit_test(test_parse_refused),
        cmocka_unit_test(test_format),         cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_natures),        cmocka_unit_test(test_input_refused),
        BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
