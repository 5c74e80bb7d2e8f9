/*
 * Tests of the contracts store (contracts/contracts.h) on SQLite and, when
 * MG_TEST_PG_URI is set, on PostgreSQL: contracts and actions created,
 * read back and listed; refused input naming its field and writing
 * nothing; participants (one pilot, an organisation once per action)
 * refused by the functions and, written around them on a raw connection,
 * by the database's own constraints; the audit entries of each change;
 * an organisation's part in contracts.
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
#include "contracts/contracts.h"
#include "db_fixture.h"
#include "directory/directory.h"

TEST_DB_FIXTURE("contracts")

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

static int64_t contract_ok(mg_db *db, int64_t lead, const char *title)
{
    mg_contract_input in = {.kind = "cps", .title = title, .territory = "epci:200035707",
                            .starts_on = "2024-01-01", .ends_on = "31/12/2027",
                            .status = "signed"};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_create(db, 0, lead, &in, &id, &fe, &d);
    if (rc != 0)
        fail_msg("contract %s: %s (%s)", title, mg_strerror(rc), d.msg);
    assert_true(id > 0);
    return id;
}

static int64_t action_ok(mg_db *db, int64_t contract, const char *title)
{
    mg_contract_action_input in = {.title = title, .description = "Une ligne\net une autre",
                                   .starts_on = "2024-03-01", .due_on = "2025-06-30"};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_action_create(db, 0, contract, &in, &id, &fe, &d);
    if (rc != 0)
        fail_msg("action %s: %s (%s)", title, mg_strerror(rc), d.msg);
    return id;
}

static void add_ok(mg_db *db, int64_t action, int64_t org, mg_participant_role role)
{
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int rc = mg_contract_participant_add(db, 7, action, org, role, &fe, &d);
    if (rc != 0)
        fail_msg("participant %lld: %s (%s)", (long long)org, mg_strerror(rc), d.msg);
}

static void test_contract_create_get_list(void **state)
{
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    int64_t other = org_ok(db, "Département de l'Hérault", "departement");
    int64_t b = contract_ok(db, dep, "  Contrat Piège-Lauragais-Malepère ");
    int64_t a = contract_ok(db, dep, "Contrat Carcassonne Agglo");
    contract_ok(db, other, "Contrat d'ailleurs");

    mg_contract c;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_get(db, b, &c, &d), 0);
    assert_int_equal(c.id, b);
    assert_int_equal(c.organisation_id, dep);
    assert_string_equal(c.lead_name, "Département de l'Aude");
    assert_string_equal(c.title, "Contrat Piège-Lauragais-Malepère"); /* trimmed */
    assert_int_equal(c.kind, MG_CONTRACT_CPS);
    assert_int_equal(c.status, MG_CONTRACT_SIGNED);
    assert_string_equal(c.territory, "epci:200035707");
    assert_string_equal(c.starts_on, "2024-01-01");
    assert_string_equal(c.ends_on, "2027-12-31"); /* typed the French way */
    assert_int_equal(strlen(c.created_at), 20);

    assert_int_equal(mg_contract_get(db, 9999, &c, &d), MG_ENOTFOUND);

    mg_contract *list = NULL;
    size_t n = 0, total = 0;
    assert_int_equal(mg_contract_list(db, &dep, 1, &list, &n, &total, &d), 0);
    assert_int_equal(n, 2);
    assert_int_equal(total, 2);
    assert_int_equal(list[0].id, a); /* by title: "Contrat C…" before "Contrat P…" */
    assert_int_equal(list[1].id, b);
    free(list);
    int64_t both[] = {dep, other};
    assert_int_equal(mg_contract_list(db, both, 2, &list, &n, &total, &d), 0);
    assert_int_equal(n, 3);
    free(list);
    mg_db_close(db);
}

/* Refused input names its field and writes nothing. */
static void test_contract_refused(void **state)
{
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    struct {
        mg_contract_input in;
        int64_t lead;
        const char *field;
    } cases[] = {
        {{.kind = "cps", .title = "   "}, dep, "title"},
        {{.kind = "contrat", .title = "T"}, dep, "kind"},
        {{.kind = "", .title = "T"}, dep, "kind"},
        {{.kind = "cls", .title = "T", .status = "en_cours"}, dep, "status"},
        {{.kind = "cls", .title = "T", .starts_on = "2025-01-01", .ends_on = "2024-12-31"},
         dep, "ends_on"},
        {{.kind = "cls", .title = "T", .starts_on = "31/02/2025"}, dep, "starts_on"},
        {{.kind = "cls", .title = "T", .territory = "epci:2000"}, dep, "territory"},
        {{.kind = "cls", .title = "T", .territory = "communes:11069,110"}, dep, "territory"},
        {{.kind = "cls", .title = "T", .territory = "Aude"}, dep, "territory"},
        {{.kind = "cls", .title = "T\x01"}, dep, "title"},
        {{.kind = "cls", .title = "T"}, dep + 100, "organisation"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int64_t id = -1;
        int rc = mg_contract_create(db, 0, cases[i].lead, &cases[i].in, &id, &fe, &d);
        if (rc != MG_EINVAL || !fe.field || strcmp(fe.field, cases[i].field) != 0)
            fail_msg("case %zu: rc %d field %s (%s)", i, rc, fe.field ? fe.field : "-", fe.msg);
        assert_true(fe.msg[0] != 0);
        assert_int_equal(id, 0);
    }
    /* A title of 201 characters (é: two bytes, one character) is refused, 200 taken. */
    char title[201 * 2 + 1];
    for (int i = 0; i < 201; i++)
        memcpy(title + 2 * i, "\xc3\xa9", 2);
    title[402] = 0;
    mg_contract_input in = {.kind = "other", .title = title};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_create(db, 0, dep, &in, NULL, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "title");
    title[400] = 0;
    assert_int_equal(mg_contract_create(db, 0, dep, &in, NULL, &fe, &d), 0);

    mg_contract *list = NULL;
    size_t n = 0, total = 0;
    assert_int_equal(mg_contract_list(db, &dep, 1, &list, &n, &total, &d), 0);
    assert_int_equal(n, 1); /* only the last one */
    free(list);
    mg_db_close(db);
}

static void test_actions(void **state)
{
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    int64_t k = contract_ok(db, dep, "Contrat");
    int64_t a2 = action_ok(db, k, "Téléconsultation assistée");
    int64_t a1 = action_ok(db, k, "Cabine de télémédecine");
    mg_contract_action a;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_action_get(db, a1, &a, &d), 0);
    assert_int_equal(a.contract_id, k);
    assert_string_equal(a.title, "Cabine de télémédecine");
    assert_string_equal(a.description, "Une ligne\net une autre");
    assert_int_equal(a.status, MG_ACTION_PLANNED);
    assert_string_equal(a.starts_on, "2024-03-01");
    assert_string_equal(a.due_on, "2025-06-30");
    assert_int_equal(a.pilot_id, 0);
    assert_int_equal(a.partners, 0);
    mg_contract_action_clear(&a);
    assert_int_equal(mg_contract_action_get(db, a1 + a2, &a, &d), MG_ENOTFOUND);

    mg_contract_action_input bad = {.title = "X", .starts_on = "2025-01-02",
                                    .due_on = "2025-01-01"};
    mg_contract_field_error fe = {0};
    assert_int_equal(mg_contract_action_create(db, 0, k, &bad, NULL, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "due_on");
    bad = (mg_contract_action_input){.title = "X", .status = "late"};
    assert_int_equal(mg_contract_action_create(db, 0, k, &bad, NULL, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "status");
    bad = (mg_contract_action_input){.title = "X", .status = "in_progress"};
    assert_int_equal(mg_contract_action_create(db, 0, k + 50, &bad, NULL, &fe, &d),
                     MG_ENOTFOUND);

    mg_contract_action *list = NULL;
    size_t n = 0;
    assert_int_equal(mg_contract_actions(db, k, &list, &n, &d), 0);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, a1);
    assert_int_equal(list[1].id, a2);
    mg_contract_actions_free(list, n);
    mg_db_close(db);
}

static void test_participants(void **state)
{
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    int64_t cc = org_ok(db, "CC Piège-Lauragais-Malepère", "epci");
    int64_t msp = org_ok(db, "Maison de santé de Fanjeaux", "health_centre");
    int64_t ars = org_ok(db, "ARS Occitanie", "ars");
    int64_t k = contract_ok(db, dep, "Contrat");
    int64_t act = action_ok(db, k, "Cabine");

    add_ok(db, act, msp, MG_PARTICIPANT_PARTNER);
    add_ok(db, act, cc, MG_PARTICIPANT_PILOT);
    add_ok(db, act, ars, MG_PARTICIPANT_PARTNER);

    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    /* A second pilot. */
    assert_int_equal(mg_contract_participant_add(db, 7, act, dep, MG_PARTICIPANT_PILOT, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "role");
    assert_non_null(strstr(fe.msg, "CC Piège-Lauragais-Malepère"));
    /* The same organisation again, in either role. */
    assert_int_equal(
        mg_contract_participant_add(db, 7, act, msp, MG_PARTICIPANT_PARTNER, &fe, &d),
        MG_EINVAL);
    assert_string_equal(fe.field, "organisation");
    assert_int_equal(mg_contract_participant_add(db, 7, act, cc, MG_PARTICIPANT_PARTNER, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "organisation");
    /* An organisation or an action that does not exist. */
    assert_int_equal(
        mg_contract_participant_add(db, 7, act, ars + 40, MG_PARTICIPANT_PARTNER, &fe, &d),
        MG_EINVAL);
    assert_string_equal(fe.field, "organisation");
    assert_int_equal(
        mg_contract_participant_add(db, 7, act + 40, ars, MG_PARTICIPANT_PARTNER, &fe, &d),
        MG_ENOTFOUND);

    mg_contract_participant *p = NULL;
    size_t n = 0;
    assert_int_equal(mg_contract_participants(db, act, &p, &n, &d), 0);
    assert_int_equal(n, 3);
    assert_int_equal(p[0].organisation_id, cc); /* the pilot first */
    assert_int_equal(p[0].role, MG_PARTICIPANT_PILOT);
    assert_string_equal(p[0].kind, "epci");
    assert_false(p[0].in_directory); /* an organisation, not a structure of the directory */
    assert_int_equal(p[1].organisation_id, ars); /* then partners by name */
    assert_int_equal(p[2].organisation_id, msp);
    assert_int_equal(p[2].role, MG_PARTICIPANT_PARTNER);
    free(p);

    mg_contract_action a;
    assert_int_equal(mg_contract_action_get(db, act, &a, &d), 0);
    assert_int_equal(a.pilot_id, cc);
    assert_string_equal(a.pilot_name, "CC Piège-Lauragais-Malepère");
    assert_int_equal(a.partners, 2);
    assert_false(a.pilot_in_directory);
    mg_contract_action_clear(&a);

    /* Removing the pilot lets another one in. */
    assert_int_equal(mg_contract_participant_remove(db, 7, act, cc, &d), 0);
    assert_int_equal(mg_contract_participant_remove(db, 7, act, cc, &d), MG_ENOTFOUND);
    add_ok(db, act, dep, MG_PARTICIPANT_PILOT);
    assert_int_equal(mg_contract_participants(db, act, &p, &n, &d), 0);
    assert_int_equal(n, 3);
    assert_int_equal(p[0].organisation_id, dep);
    free(p);
    mg_db_close(db);
}

/* Runs one statement on a raw connection; returns the reason it failed
 * with (NONE when it did not). */
static mg_db_reason raw(const char *url, const char *sql)
{
    mg_db *db = NULL;
    mg_db_conn *c = NULL;
    mg_diag d = {{0}};
    int rc = test_db_raw_open(url, &db, &c, &d);
    if (rc != 0)
        fail_msg("raw open: %s", d.msg);
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare(c, sql, &q, &d);
    if (rc == 0)
        rc = mg_db_step(q, &d);
    mg_db_reason r = rc < 0 ? mg_db_reason_of(c) : MG_DB_REASON_NONE;
    mg_db_finalize(q);
    test_db_raw_close(db, c);
    return r;
}

/* The constraints hold in the database, for a writer that does not go
 * through the module. */
static void test_constraints_in_database(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    int64_t cc = org_ok(db, "CC Piège-Lauragais-Malepère", "epci");
    int64_t msp = org_ok(db, "Maison de santé", "health_centre");
    int64_t k = contract_ok(db, dep, "Contrat");
    int64_t act = action_ok(db, k, "Cabine");
    int64_t act2 = action_ok(db, k, "Chariots");
    add_ok(db, act, cc, MG_PARTICIPANT_PILOT);
    mg_db_close(db);

    char sql[512];
#define INSERT_P(action, org, role)                                                              \
    (snprintf(sql, sizeof sql,                                                                   \
              "INSERT INTO action_participants (action_id, organisation_id, role, created_at) "  \
              "VALUES (%lld, %lld, '%s', '2026-01-01T00:00:00Z')",                               \
              (long long)(action), (long long)(org), role),                                      \
     raw(f->url, sql))
    assert_int_equal(INSERT_P(act, msp, "pilot"), MG_DB_REASON_UNIQUE);   /* a second pilot */
    assert_int_equal(INSERT_P(act, cc, "partner"), MG_DB_REASON_UNIQUE);  /* twice */
    assert_int_equal(INSERT_P(act, msp, "chef"), MG_DB_REASON_CHECK);     /* no such role */
    assert_int_equal(INSERT_P(act, cc + 500, "partner"), MG_DB_REASON_FOREIGN_KEY);
    assert_int_equal(INSERT_P(act + 500, msp, "partner"), MG_DB_REASON_FOREIGN_KEY);
    /* One pilot per action, not per table: another action takes its own. */
    assert_int_equal(INSERT_P(act2, msp, "pilot"), MG_DB_REASON_NONE);
    assert_int_equal(INSERT_P(act, msp, "partner"), MG_DB_REASON_NONE);
#undef INSERT_P

    snprintf(sql, sizeof sql,
             "INSERT INTO contracts (organisation_id, kind, title, status, created_at, "
             "updated_at) VALUES (%lld, 'pacte', 'T', 'draft', 'x', 'x')",
             (long long)dep);
    assert_int_equal(raw(f->url, sql), MG_DB_REASON_CHECK);
    snprintf(sql, sizeof sql,
             "INSERT INTO contracts (organisation_id, kind, title, status, created_at, "
             "updated_at) VALUES (%lld, 'cls', 'T', 'late', 'x', 'x')",
             (long long)dep);
    assert_int_equal(raw(f->url, sql), MG_DB_REASON_CHECK);
    snprintf(sql, sizeof sql,
             "INSERT INTO contracts (organisation_id, kind, title, starts_on, ends_on, status, "
             "created_at, updated_at) VALUES (%lld, 'cls', 'T', '2025-01-02', '2025-01-01', "
             "'draft', 'x', 'x')",
             (long long)dep);
    assert_int_equal(raw(f->url, sql), MG_DB_REASON_CHECK);
    snprintf(sql, sizeof sql,
             "INSERT INTO contracts (organisation_id, kind, title, status, created_at, "
             "updated_at) VALUES (%lld, 'cls', 'T', 'draft', 'x', 'x')",
             (long long)(msp + 900));
    assert_int_equal(raw(f->url, sql), MG_DB_REASON_FOREIGN_KEY);
    snprintf(sql, sizeof sql,
             "UPDATE contract_actions SET status = 'late' WHERE id = %lld", (long long)act);
    assert_int_equal(raw(f->url, sql), MG_DB_REASON_CHECK);
    snprintf(sql, sizeof sql, "DELETE FROM contract_actions WHERE id = %lld", (long long)act);
    assert_int_equal(raw(f->url, sql), MG_DB_REASON_FOREIGN_KEY); /* it has participants */
}

/* Each change is in the audit trail, with its values, and the chain holds. */
static void test_audit(void **state)
{
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    int64_t msp = org_ok(db, "Maison de santé", "health_centre");
    int64_t k = contract_ok(db, dep, "Contrat PLM");
    int64_t act = action_ok(db, k, "Cabine");
    add_ok(db, act, msp, MG_PARTICIPANT_PARTNER);
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_participant_remove(db, 9, act, msp, &d), 0);

    mg_audit_record *r = NULL;
    size_t n = 0, total = 0;
    assert_int_equal(mg_audit_history(db, "contract", k, 0, 10, &r, &n, &total, &d), 0);
    assert_int_equal(n, 1);
    assert_string_equal(r[0].verb, "create");
    assert_int_equal(r[0].organisation_id, dep);
    bool title = false;
    for (size_t i = 0; i < r[0].nchanges; i++)
        if (strcmp(r[0].changes[i].field, "title") == 0) {
            assert_null(r[0].changes[i].before);
            assert_string_equal(r[0].changes[i].after, "Contrat PLM");
            title = true;
        }
    assert_true(title);
    mg_audit_records_free(r, n);

    assert_int_equal(mg_audit_history(db, "action", act, 0, 10, &r, &n, &total, &d), 0);
    assert_int_equal(n, 3); /* newest first */
    assert_string_equal(r[0].verb, "remove_participant");
    assert_int_equal(r[0].account_id, 9);
    assert_string_equal(r[1].verb, "add_participant");
    assert_int_equal(r[1].account_id, 7);
    assert_int_equal(r[1].organisation_id, dep); /* on behalf of the lead */
    char org[24];
    snprintf(org, sizeof org, "%lld", (long long)msp);
    int seen = 0;
    for (size_t i = 0; i < r[1].nchanges; i++) {
        if (strcmp(r[1].changes[i].field, "participant.organisation_id") == 0) {
            assert_string_equal(r[1].changes[i].after, org);
            seen++;
        }
        if (strcmp(r[1].changes[i].field, "participant.role") == 0) {
            assert_string_equal(r[1].changes[i].after, "partner");
            seen++;
        }
    }
    for (size_t i = 0; i < r[0].nchanges; i++)
        if (strcmp(r[0].changes[i].field, "participant.organisation_id") == 0) {
            assert_string_equal(r[0].changes[i].before, org);
            assert_null(r[0].changes[i].after);
            seen++;
        }
    assert_int_equal(seen, 3);
    assert_string_equal(r[2].verb, "create");
    mg_audit_records_free(r, n);

    /* A refused addition leaves no entry. */
    mg_contract_field_error fe = {0};
    assert_int_equal(mg_contract_participant_add(db, 7, act, msp + 77, MG_PARTICIPANT_PARTNER,
                                                 &fe, &d),
                     MG_EINVAL);
    assert_int_equal(mg_audit_history(db, "action", act, 0, 10, &r, &n, &total, &d), 0);
    assert_int_equal(total, 3);
    mg_audit_records_free(r, n);

    mg_audit_verdict v;
    assert_int_equal(mg_audit_verify(db, &v, &d), 0);
    assert_int_equal(v.problem, MG_AUDIT_INTACT);
    mg_db_close(db);
}

static void test_roles_of_organisation(void **state)
{
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    int64_t ville = org_ok(db, "Ville d'Amiens", "commune");
    int64_t msp = org_ok(db, "Maison de santé", "health_centre");
    int64_t k1 = contract_ok(db, dep, "B contrat");
    int64_t k2 = contract_ok(db, ville, "A contrat local de santé");
    int64_t a1 = action_ok(db, k1, "Cabine");
    int64_t a2 = action_ok(db, k2, "Accès aux soins");
    int64_t a3 = action_ok(db, k1, "Autre action");
    add_ok(db, a1, msp, MG_PARTICIPANT_PILOT);
    add_ok(db, a2, msp, MG_PARTICIPANT_PARTNER);
    add_ok(db, a3, dep, MG_PARTICIPANT_PILOT);

    mg_contract_role *r = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_roles_of_organisation(db, msp, &r, &n, &d), 0);
    assert_int_equal(n, 2);
    assert_int_equal(r[0].contract_id, k2); /* by contract title */
    assert_int_equal(r[0].action_id, a2);
    assert_int_equal(r[0].role, MG_PARTICIPANT_PARTNER);
    assert_int_equal(r[0].lead_id, ville);
    assert_string_equal(r[0].lead_name, "Ville d'Amiens");
    assert_string_equal(r[0].action_title, "Accès aux soins");
    assert_int_equal(r[1].contract_id, k1);
    assert_int_equal(r[1].action_id, a1);
    assert_int_equal(r[1].role, MG_PARTICIPANT_PILOT);
    assert_int_equal(r[1].contract_kind, MG_CONTRACT_CPS);
    assert_int_equal(r[1].contract_status, MG_CONTRACT_SIGNED);
    assert_string_equal(r[1].contract_title, "B contrat");
    free(r);
    assert_int_equal(mg_contract_roles_of_organisation(db, ville, &r, &n, &d), 0);
    assert_int_equal(n, 0); /* leading a contract is not taking part in an action */
    assert_null(r);
    mg_db_close(db);
}

/* Several threads, each with its own connection of the pool, ask at once
 * for a pilot of the same action: one wins, the others are refused on the
 * role, and the action has one pilot. */
#define RACERS 6
struct racer {
    mg_db *db;
    int64_t action, org;
    int rc;
    char field[32];
};

static void *race(void *arg)
{
    struct racer *r = arg;
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    r->rc = mg_contract_participant_add(r->db, 7, r->action, r->org, MG_PARTICIPANT_PILOT, &fe,
                                        &d);
    snprintf(r->field, sizeof r->field, "%s", fe.field ? fe.field : "");
    return NULL;
}

static void test_concurrent_pilots(void **state)
{
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    int64_t k = contract_ok(db, dep, "Contrat");
    int64_t act = action_ok(db, k, "Cabine");
    struct racer r[RACERS];
    pthread_t t[RACERS];
    for (int i = 0; i < RACERS; i++) {
        char name[64];
        snprintf(name, sizeof name, "Structure %d (exemple)", i);
        r[i] = (struct racer){.db = db, .action = act, .org = org_ok(db, name, "association")};
    }
    for (int i = 0; i < RACERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    for (int i = 0; i < RACERS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    int won = 0;
    int64_t winner = 0;
    for (int i = 0; i < RACERS; i++) {
        if (r[i].rc == 0) {
            won++;
            winner = r[i].org;
        } else if (r[i].rc != MG_EINVAL || strcmp(r[i].field, "role") != 0) {
            fail_msg("racer %d: rc %d field %s", i, r[i].rc, r[i].field);
        }
    }
    assert_int_equal(won, 1);
    mg_contract_participant *p = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_participants(db, act, &p, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(p[0].organisation_id, winner);
    assert_int_equal(p[0].role, MG_PARTICIPANT_PILOT);
    free(p);
    mg_db_close(db);
}

/* A structure of the directory is told apart from an organisation that is
 * only one of the accounts (it has a page to link to). */
static void test_in_directory(void **state)
{
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *s = mg_dir_add_structure(&set);
    assert_non_null(s);
    s->name = mg_dir_strdup(&set, "Centre social de Bram (exemple)", SIZE_MAX);
    s->category = MG_DIR_SOCIAL;
    s->source = mg_dir_strdup(&set, "maillage", SIZE_MAX);
    s->commune_code = mg_dir_strdup(&set, "11049", SIZE_MAX);
    s->commune_name = mg_dir_strdup(&set, "Bram", SIZE_MAX);
    int64_t st = 0;
    const char *field = NULL;
    mg_diag d = {{0}};
    int rc = mg_dir_save(db, 0, &set, &st, &field, &d);
    mg_dir_set_free(&set);
    if (rc)
        fail_msg("structure: %s (%s)", d.msg, field ? field : "-");
    int64_t k = contract_ok(db, dep, "Contrat");
    int64_t act = action_ok(db, k, "Réseau");
    add_ok(db, act, st, MG_PARTICIPANT_PILOT);
    add_ok(db, act, dep, MG_PARTICIPANT_PARTNER);
    mg_contract_participant *p = NULL;
    size_t n = 0;
    assert_int_equal(mg_contract_participants(db, act, &p, &n, &d), 0);
    assert_int_equal(n, 2);
    assert_int_equal(p[0].organisation_id, st);
    assert_true(p[0].in_directory);
    assert_int_equal(p[1].organisation_id, dep);
    assert_false(p[1].in_directory);
    free(p);
    mg_contract_action *list = NULL;
    assert_int_equal(mg_contract_actions(db, k, &list, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].pilot_id, st);
    assert_true(list[0].pilot_in_directory);
    assert_int_equal(list[0].partners, 1);
    mg_contract_actions_free(list, n);
    mg_db_close(db);
}

/* Keys and labels read back. */
static void test_codes(void **state)
{
    (void)state;
    for (int k = 0; k < MG_CONTRACT_KINDS; k++) {
        mg_contract_kind back;
        assert_int_equal(mg_contract_kind_parse(mg_contract_kind_key(k), &back), 0);
        assert_int_equal(back, k);
        assert_true(mg_contract_kind_label(k)[0] != 0);
    }
    for (int s = 0; s < MG_ACTION_STATUSES; s++) {
        mg_action_status back;
        assert_int_equal(mg_action_status_parse(mg_action_status_key(s), &back), 0);
        assert_int_equal(back, s);
    }
    mg_participant_role r;
    assert_int_equal(mg_participant_role_parse("pilote", &r), MG_ENOTFOUND);
    assert_string_equal(mg_participant_role_label(MG_PARTICIPANT_PILOT), "Pilote");
    assert_string_equal(mg_contract_status_key(MG_CONTRACT_IN_FORCE), "in_force");
    assert_string_equal(mg_contract_kind_key(MG_CONTRACT_KINDS), "");
}

#define BOTH(X)                                                                                  \
    X(test_contract_create_get_list)                                                             \
    X(test_contract_refused)                                                                     \
    X(test_actions)                                                                              \
    X(test_participants)                                                                         \
    X(test_constraints_in_database)                                                              \
    X(test_audit)                                                                                \
    X(test_roles_of_organisation)                                                                 \
    X(test_concurrent_pilots)                                                                    \
    X(test_in_directory)

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_codes), BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
