/*
 * Tests of the contracts as plans (contracts/contracts.h, "Issue 15") on
 * SQLite and, when MG_TEST_PG_URI is set, on PostgreSQL: every change of
 * an action's status against the table the header documents, against
 * what the database accepts on a raw UPDATE (written around the module)
 * and against mg_contract_action_set_status; axes two levels deep within
 * their contract, refused by the database itself on raw inserts; lateness;
 * milestones, notes, signatories, who sees a contract; updates and their
 * audit entries; the action's new fields and their refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "contracts/contracts.h"
#include "db_fixture.h"

TEST_DB_FIXTURE("contract_plan")

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
                            .starts_on = "2024-01-01", .ends_on = "2027-12-31"};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_create(db, 0, lead, &in, &id, &fe, &d);
    if (rc != 0)
        fail_msg("contract %s: %s (%s)", title, mg_strerror(rc), d.msg);
    return id;
}

static int64_t action_with(mg_db *db, int64_t contract, const char *title, const char *status,
                           const char *due_on)
{
    mg_contract_action_input in = {.title = title, .status = status, .due_on = due_on};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_action_create(db, 0, contract, &in, &id, &fe, &d);
    if (rc != 0)
        fail_msg("action %s: %s (%s)", title, mg_strerror(rc), d.msg);
    return id;
}

static int64_t axis_ok(mg_db *db, int64_t contract, int64_t parent, const char *title)
{
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_axis_create(db, 5, contract, parent, title, &id, &fe, &d);
    if (rc != 0)
        fail_msg("axis %s: %s (%s)", title, mg_strerror(rc), d.msg);
    return id;
}

/* Runs one statement on a raw connection; the reason it failed with
 * (NONE when it did not). */
static mg_db_reason raw(const char *url, const char *sql)
{
    mg_db *db = NULL;
    mg_db_conn *c = NULL;
    mg_diag d = {{0}};
    if (test_db_raw_open(url, &db, &c, &d) != 0)
        fail_msg("raw open: %s", d.msg);
    int rc = mg_db_exec(c, sql, &d);
    mg_db_reason r = rc < 0 ? mg_db_reason_of(c) : MG_DB_REASON_NONE;
    if (rc < 0 && r == MG_DB_REASON_NONE)
        r = MG_DB_REASON_OTHER;
    test_db_raw_close(db, c);
    return r;
}

/* The transitions as docs/contracts.md and the header state them, written
 * out here rather than read from the module. */
static bool documented(mg_action_status from, mg_action_status to)
{
    static const char *const rows[] = {
        "planned>in_progress", "planned>abandoned", "in_progress>done", "in_progress>paused",
        "in_progress>abandoned", "paused>in_progress", "paused>abandoned", "done>in_progress",
    };
    char key[40];
    snprintf(key, sizeof key, "%s>%s", mg_action_status_key(from), mg_action_status_key(to));
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (strcmp(rows[i], key) == 0)
            return true;
    return false;
}

static void test_status_transitions(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    int64_t k = contract_ok(db, dep, "Contrat");
    int allowed_count = 0;
    for (int from = 0; from < MG_ACTION_STATUSES; from++)
        for (int to = 0; to < MG_ACTION_STATUSES; to++) {
            bool want = documented(from, to);
            assert_int_equal(mg_action_status_allowed(from, to), want);
            allowed_count += want;
            const char *fk = mg_action_status_key(from), *tk = mg_action_status_key(to);
            /* The database, written around the module. */
            if (from != to) {
                int64_t a = action_with(db, k, "Brute", fk, NULL);
                char sql[256];
                snprintf(sql, sizeof sql,
                         "UPDATE contract_actions SET status = '%s' WHERE id = %lld", tk,
                         (long long)a);
                mg_db_reason r = raw(f->url, sql);
                if (want)
                    assert_int_equal(r, MG_DB_REASON_NONE);
                else
                    assert_int_equal(r, MG_DB_REASON_CHECK);
                mg_contract_action got;
                mg_diag d = {{0}};
                assert_int_equal(mg_contract_action_get(db, a, &got, &d), 0);
                assert_int_equal(got.status, want ? to : from);
                mg_contract_action_clear(&got);
            }
            /* The module. */
            int64_t a = action_with(db, k, "Suivie", fk, NULL);
            mg_contract_field_error fe = {0};
            mg_diag d = {{0}};
            int rc = mg_contract_action_set_status(db, 3, a, to, &fe, &d);
            if (want) {
                assert_int_equal(rc, 0);
            } else {
                assert_int_equal(rc, MG_EINVAL);
                assert_string_equal(fe.field, "status");
                /* Both statuses named (the same one once when equal). */
                assert_non_null(strstr(fe.msg, mg_action_status_label(from)));
                assert_non_null(strstr(fe.msg, mg_action_status_label(to)));
            }
            mg_contract_action got;
            assert_int_equal(mg_contract_action_get(db, a, &got, &d), 0);
            assert_int_equal(got.status, want ? to : from);
            mg_contract_action_clear(&got);
        }
    assert_int_equal(allowed_count, 8);
    assert_false(mg_action_status_allowed(MG_ACTION_STATUSES, MG_ACTION_DONE));
    mg_db_close(db);
}

/* Axes are two levels deep and belong to their contract; an action's axis
 * is its contract's: the module refuses, and so does the database. */
static void test_axes(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    int64_t k = contract_ok(db, dep, "Contrat");
    int64_t other = contract_ok(db, dep, "Autre contrat");
    int64_t a1 = axis_ok(db, k, 0, "Accès aux soins");
    int64_t a2 = axis_ok(db, k, 0, "Aller-vers");
    int64_t s21 = axis_ok(db, k, a2, "Jeunes");
    int64_t s11 = axis_ok(db, k, a1, "Télésanté");
    int64_t s12 = axis_ok(db, k, a1, "Cabine");
    int64_t o1 = axis_ok(db, other, 0, "Ailleurs");

    mg_contract_axis *x = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_axes(db, k, &x, &n, &d), 0);
    assert_int_equal(n, 5);
    const int64_t ids[] = {a1, s11, s12, a2, s21};
    const char *const numbers[] = {"1", "1.1", "1.2", "2", "2.1"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(x[i].id, ids[i]);
        assert_string_equal(x[i].number, numbers[i]);
    }
    assert_int_equal(x[1].parent_id, a1);
    assert_int_equal(x[1].level, 2);
    assert_int_equal(x[0].parent_id, 0);
    free(x);

    /* The module refuses a sub-axis of a sub-axis, or under another
     * contract's axis, and an action on another contract's axis. */
    mg_contract_field_error fe = {0};
    int64_t id = 0;
    assert_int_equal(mg_contract_axis_create(db, 5, k, s11, "Trop profond", &id, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "parent");
    assert_int_equal(mg_contract_axis_create(db, 5, k, o1, "Ailleurs", &id, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "parent");
    assert_int_equal(mg_contract_axis_create(db, 5, k, 0, "  ", &id, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "title");
    char axis[24];
    snprintf(axis, sizeof axis, "%lld", (long long)o1);
    mg_contract_action_input in = {.title = "Mal rangée", .axis = axis};
    assert_int_equal(mg_contract_action_create(db, 0, k, &in, &id, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "axis");
    snprintf(axis, sizeof axis, "%lld", (long long)s12);
    int64_t act = 0;
    assert_int_equal(mg_contract_action_create(db, 0, k, &in, &act, &fe, &d), 0);
    mg_contract_action a;
    assert_int_equal(mg_contract_action_get(db, act, &a, &d), 0);
    assert_int_equal(a.axis_id, s12);
    mg_contract_action_clear(&a);
    mg_db_close(db);

    /* The database itself, on raw inserts. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO contract_axes (contract_id, level, parent_id, parent_level, title, "
             "created_at, updated_at) VALUES (%lld, 3, %lld, 2, 'Niveau 3', 'x', 'x')",
             (long long)k, (long long)s11);
    assert_int_not_equal(raw(f->url, sql), MG_DB_REASON_NONE);
    snprintf(sql, sizeof sql,
             "INSERT INTO contract_axes (contract_id, level, parent_id, parent_level, title, "
             "created_at, updated_at) VALUES (%lld, 2, %lld, 1, 'Sous un sous-axe', 'x', 'x')",
             (long long)k, (long long)s11);
    assert_int_not_equal(raw(f->url, sql), MG_DB_REASON_NONE);
    snprintf(sql, sizeof sql,
             "INSERT INTO contract_axes (contract_id, level, parent_id, parent_level, title, "
             "created_at, updated_at) VALUES (%lld, 2, %lld, 1, 'Sous un axe d''ailleurs', "
             "'x', 'x')",
             (long long)k, (long long)o1);
    assert_int_equal(raw(f->url, sql), MG_DB_REASON_FOREIGN_KEY);
    snprintf(sql, sizeof sql,
             "INSERT INTO contract_actions (contract_id, title, status, created_at, updated_at, "
             "axis_id) VALUES (%lld, 'Axe d''ailleurs', 'planned', 'x', 'x', %lld)",
             (long long)k, (long long)o1);
    mg_db_reason r = raw(f->url, sql);
    assert_true(r == MG_DB_REASON_CHECK || r == MG_DB_REASON_FOREIGN_KEY);
    snprintf(sql, sizeof sql, "UPDATE contract_actions SET axis_id = %lld WHERE id = %lld",
             (long long)o1, (long long)act);
    r = raw(f->url, sql);
    assert_true(r == MG_DB_REASON_CHECK || r == MG_DB_REASON_FOREIGN_KEY);
    /* The same insert on the right contract passes: the refusals above
     * are the axis's, not the statement's. */
    snprintf(sql, sizeof sql,
             "INSERT INTO contract_actions (contract_id, title, status, created_at, updated_at, "
             "axis_id) VALUES (%lld, 'Axe d''ici', 'planned', 'x', 'x', %lld)",
             (long long)other, (long long)o1);
    assert_int_equal(raw(f->url, sql), MG_DB_REASON_NONE);
}

static bool late_of(mg_db *db, int64_t id)
{
    mg_contract_action a;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_action_get(db, id, &a, &d), 0);
    bool late = a.late;
    mg_contract_action_clear(&a);
    return late;
}

static void test_lateness(void **state)
{
    /* The pure function on a fixed day. */
    mg_contract_action a = {.status = MG_ACTION_IN_PROGRESS};
    snprintf(a.due_on, sizeof a.due_on, "%s", "2026-03-31");
    assert_false(mg_contract_action_is_late(&a, "2026-03-31")); /* the last day itself */
    assert_true(mg_contract_action_is_late(&a, "2026-04-01"));
    a.status = MG_ACTION_PLANNED;
    assert_true(mg_contract_action_is_late(&a, "2027-01-01"));
    a.status = MG_ACTION_PAUSED;
    assert_true(mg_contract_action_is_late(&a, "2027-01-01"));
    a.status = MG_ACTION_DONE;
    assert_false(mg_contract_action_is_late(&a, "2027-01-01"));
    a.status = MG_ACTION_ABANDONED;
    assert_false(mg_contract_action_is_late(&a, "2027-01-01"));
    a.status = MG_ACTION_IN_PROGRESS;
    a.due_on[0] = 0;
    assert_false(mg_contract_action_is_late(&a, "2099-01-01")); /* no planned end */

    /* As read, on today. */
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    int64_t k = contract_ok(db, dep, "Contrat");
    assert_true(late_of(db, action_with(db, k, "Passée", "in_progress", "2001-01-01")));
    assert_false(late_of(db, action_with(db, k, "À venir", "in_progress", "2199-01-01")));
    assert_false(late_of(db, action_with(db, k, "Faite", "done", "2001-01-01")));
    assert_false(late_of(db, action_with(db, k, "Abandonnée", "abandoned", "2001-01-01")));
    int64_t none = action_with(db, k, "Sans dates", "in_progress", NULL);
    assert_false(late_of(db, none));

    /* A milestone not done past its due date makes it late, done not. */
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t m = 0, later = 0;
    assert_int_equal(mg_contract_milestone_add(db, 1, none, "Plus tard", "2199-05-01", &later,
                                               &fe, &d),
                     0);
    assert_false(late_of(db, none));
    assert_int_equal(mg_contract_milestone_add(db, 1, none, "Comité", "01/02/2001", &m, &fe, &d),
                     0);
    assert_true(late_of(db, none));
    mg_contract_action *list = NULL;
    size_t n = 0;
    assert_int_equal(mg_contract_actions(db, k, &list, &n, &d), 0);
    size_t late = 0;
    for (size_t i = 0; i < n; i++)
        late += list[i].late;
    assert_int_equal(late, 2); /* "Passée" and "Sans dates" */
    mg_contract_actions_free(list, n);
    assert_int_equal(mg_contract_milestone_set_done(db, 1, m, true, NULL, &fe, &d), 0);
    assert_false(late_of(db, none));
    assert_int_equal(mg_contract_milestone_set_done(db, 1, m, false, NULL, &fe, &d), 0);
    assert_true(late_of(db, none));
    mg_db_close(db);
}

static void test_milestones_notes(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    int64_t k = contract_ok(db, dep, "Contrat");
    int64_t act = action_with(db, k, "Cabine", NULL, NULL);
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t m1 = 0, m2 = 0, m3 = 0, id = 0;
    assert_int_equal(mg_contract_milestone_add(db, 1, act, "Sans date", NULL, &m3, &fe, &d), 0);
    assert_int_equal(mg_contract_milestone_add(db, 1, act, "Deux", "2030-02-01", &m2, &fe, &d), 0);
    assert_int_equal(mg_contract_milestone_add(db, 1, act, "Un", "2001-01-01", &m1, &fe, &d), 0);
    assert_int_equal(mg_contract_milestone_add(db, 1, act, "", "2001-01-01", &id, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "title");
    assert_int_equal(mg_contract_milestone_add(db, 1, act, "Date", "31/02/2001", &id, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "due_on");
    assert_int_equal(mg_contract_milestone_add(db, 1, act + 100, "X", NULL, &id, &fe, &d),
                     MG_ENOTFOUND);
    assert_int_equal(mg_contract_milestone_set_done(db, 1, m3 + 100, true, NULL, &fe, &d),
                     MG_ENOTFOUND);
    assert_int_equal(mg_contract_milestone_set_done(db, 1, m2, true, "15/01/2030", &fe, &d), 0);

    mg_contract_milestone *ms = NULL;
    size_t n = 0;
    assert_int_equal(mg_contract_milestones(db, act, &ms, &n, &d), 0);
    assert_int_equal(n, 3);
    assert_int_equal(ms[0].id, m1); /* by due date, without one last */
    assert_true(ms[0].late);
    assert_int_equal(ms[1].id, m2);
    assert_string_equal(ms[1].done_on, "2030-01-15");
    assert_false(ms[1].late);
    assert_int_equal(ms[2].id, m3);
    assert_string_equal(ms[2].due_on, "");
    assert_false(ms[2].late);
    free(ms);

    /* Notes: newest first, with their author's name. */
    mg_db *rawdb = NULL;
    mg_db_conn *c = NULL;
    assert_int_equal(test_db_raw_open(f->url, &rawdb, &c, &d), 0);
    int64_t account = 0;
    assert_int_equal(mg_db_query_int(c,
                                     "INSERT INTO accounts (email, display_name, created_at) "
                                     "VALUES ('cm@exemple.fr', 'Chargée de mission (exemple)', "
                                     "'x') RETURNING id",
                                     MG_DB_NO_PARAMS, &account, &d),
                     0);
    test_db_raw_close(rawdb, c);
    int64_t n1 = 0, n2 = 0, n3 = 0;
    assert_int_equal(mg_contract_note_add(db, account, act, "2025-03-01", "Comité\nvalidé",
                                          &n1, &fe, &d),
                     0);
    assert_int_equal(mg_contract_note_add(db, 0, act, "2025-05-01", "Livraison", &n2, &fe, &d), 0);
    assert_int_equal(mg_contract_note_add(db, 0, act, NULL, "Aujourd'hui", &n3, &fe, &d), 0);
    assert_int_equal(mg_contract_note_add(db, 0, act, "2025-05-01", " ", &id, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "body");
    assert_int_equal(mg_contract_note_add(db, 0, act, "hier", "x", &id, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "noted_on");
    mg_contract_note *notes = NULL;
    assert_int_equal(mg_contract_notes(db, act, &notes, &n, &d), 0);
    assert_int_equal(n, 3);
    char today[11];
    mg_contract_today(today);
    assert_int_equal(notes[0].id, n3);
    assert_string_equal(notes[0].noted_on, today);
    assert_int_equal(notes[1].id, n2);
    assert_string_equal(notes[1].author, "");
    assert_int_equal(notes[2].id, n1);
    assert_string_equal(notes[2].body, "Comité\nvalidé");
    assert_string_equal(notes[2].author, "Chargée de mission (exemple)");
    mg_contract_notes_free(notes, n);

    /* Each change audited on the action. */
    mg_audit_record *r = NULL;
    size_t total = 0;
    assert_int_equal(mg_audit_history(db, "action", act, 0, 20, &r, &n, &total, &d), 0);
    size_t added = 0, done = 0, noted = 0;
    for (size_t i = 0; i < n; i++) {
        added += strcmp(r[i].verb, "add_milestone") == 0;
        done += strcmp(r[i].verb, "milestone_done") == 0;
        noted += strcmp(r[i].verb, "add_note") == 0;
        assert_int_equal(r[i].organisation_id, dep);
    }
    assert_int_equal(added, 3);
    assert_int_equal(done, 1);
    assert_int_equal(noted, 3);
    mg_audit_records_free(r, n);
    mg_db_close(db);
}

static void test_signatories_viewers(void **state)
{
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    int64_t cc = org_ok(db, "CC Piège-Lauragais-Malepère", "epci");
    int64_t ars = org_ok(db, "ARS Occitanie", "ars");
    int64_t msp = org_ok(db, "Maison de santé", "health_centre");
    int64_t herault = org_ok(db, "Département de l'Hérault", "departement");
    int64_t k = contract_ok(db, dep, "Contrat PLM");
    int64_t k2 = contract_ok(db, herault, "Contrat de l'Hérault");
    int64_t a1 = action_with(db, k, "Cabine", NULL, NULL);
    int64_t a2 = action_with(db, k, "Chariots", NULL, NULL);
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_signatory_add(db, 2, k, cc, &fe, &d), 0);
    assert_int_equal(mg_contract_signatory_add(db, 2, k, ars, &fe, &d), 0);
    assert_int_equal(mg_contract_signatory_add(db, 2, k, cc, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "organisation");
    assert_int_equal(mg_contract_signatory_add(db, 2, k, msp + 500, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "organisation");
    assert_int_equal(mg_contract_signatory_add(db, 2, k + 500, cc, &fe, &d), MG_ENOTFOUND);
    /* The signatory CC also pilots one action; the MSP is partner of two. */
    assert_int_equal(mg_contract_participant_add(db, 2, a1, cc, MG_PARTICIPANT_PILOT, &fe, &d), 0);
    assert_int_equal(mg_contract_participant_add(db, 2, a1, msp, MG_PARTICIPANT_PARTNER, &fe, &d),
                     0);
    assert_int_equal(mg_contract_participant_add(db, 2, a2, msp, MG_PARTICIPANT_PARTNER, &fe, &d),
                     0);

    int64_t v[8];
    size_t n = 0;
    assert_int_equal(mg_contract_viewers(db, k, v, 8, &n, &d), 0);
    assert_int_equal(n, 3);
    int seen_cc = 0, seen_ars = 0, seen_msp = 0;
    for (size_t i = 0; i < n; i++) {
        seen_cc += v[i] == cc;
        seen_ars += v[i] == ars;
        seen_msp += v[i] == msp;
    }
    assert_int_equal(seen_cc, 1);
    assert_int_equal(seen_ars, 1);
    assert_int_equal(seen_msp, 1);
    assert_int_equal(mg_contract_viewers(db, k2, v, 8, &n, &d), 0);
    assert_int_equal(n, 0);

    mg_contract_participant *p = NULL;
    assert_int_equal(mg_contract_signatories(db, k, &p, &n, &d), 0);
    assert_int_equal(n, 2);
    assert_int_equal(p[0].organisation_id, ars); /* by name: "ARS…" before "CC…" */
    assert_int_equal(p[1].organisation_id, cc);
    free(p);

    /* Seen without leading. */
    mg_contract *list = NULL;
    size_t total = 0;
    assert_int_equal(mg_contract_list_seen_by(db, &msp, 1, &list, &n, &total, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(total, 1); /* once, though partner of two actions */
    assert_int_equal(list[0].id, k);
    free(list);
    assert_int_equal(mg_contract_list_seen_by(db, &ars, 1, &list, &n, &total, &d), 0);
    assert_int_equal(n, 1);
    free(list);
    assert_int_equal(mg_contract_list_seen_by(db, &dep, 1, &list, &n, &total, &d), 0);
    assert_int_equal(n, 0); /* it leads it */
    assert_int_equal(mg_contract_list_seen_by(db, &herault, 1, &list, &n, &total, &d), 0);
    assert_int_equal(n, 0);
    int64_t two[] = {ars, herault};
    assert_int_equal(mg_contract_list_seen_by(db, two, 2, &list, &n, &total, &d), 0);
    assert_int_equal(n, 1); /* k through the ARS; not k2, which the Hérault leads */
    assert_int_equal(list[0].id, k);
    free(list);

    /* Removal. */
    assert_int_equal(mg_contract_signatory_remove(db, 2, k, ars, &d), 0);
    assert_int_equal(mg_contract_signatory_remove(db, 2, k, ars, &d), MG_ENOTFOUND);
    assert_int_equal(mg_contract_list_seen_by(db, &ars, 1, &list, &n, &total, &d), 0);
    assert_int_equal(n, 0);
    mg_audit_record *r = NULL;
    assert_int_equal(mg_audit_history(db, "contract", k, 0, 10, &r, &n, &total, &d), 0);
    assert_int_equal(n, 4); /* create, two additions, a removal */
    assert_string_equal(r[0].verb, "remove_signatory");
    assert_string_equal(r[1].verb, "add_signatory");
    mg_audit_records_free(r, n);
    mg_db_close(db);
}

/* The audit change of field in r, or NULL. */
static const mg_audit_change *change_of(const mg_audit_record *r, const char *field)
{
    for (size_t i = 0; i < r->nchanges; i++)
        if (strcmp(r->changes[i].field, field) == 0)
            return &r->changes[i];
    return NULL;
}

static void test_updates(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_db(state);
    int64_t dep = org_ok(db, "Département de l'Aude", "departement");
    int64_t k = contract_ok(db, dep, "Contrat");
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    mg_contract_input in = {.kind = "cls", .title = "Contrat local", .territory = "",
                            .starts_on = "2024-01-01", .ends_on = "2027-12-31",
                            .status = "signed"};
    assert_int_equal(mg_contract_update(db, 4, k, &in, &fe, &d), 0);
    mg_contract c;
    assert_int_equal(mg_contract_get(db, k, &c, &d), 0);
    assert_int_equal(c.kind, MG_CONTRACT_CLS);
    assert_string_equal(c.title, "Contrat local");
    assert_string_equal(c.territory, "");
    assert_int_equal(c.status, MG_CONTRACT_SIGNED);
    assert_false(c.is_example);
    /* Statuses go forward only. */
    in.status = "draft";
    assert_int_equal(mg_contract_update(db, 4, k, &in, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "status");
    assert_non_null(strstr(fe.msg, "Signé"));
    assert_non_null(strstr(fe.msg, "Brouillon"));
    in.status = "ended";
    assert_int_equal(mg_contract_update(db, 4, k, &in, &fe, &d), MG_EINVAL);
    in.status = "in_force";
    assert_int_equal(mg_contract_update(db, 4, k, &in, &fe, &d), 0);
    in.status = NULL; /* kept */
    in.territory = "communes:11069 ,11100";
    assert_int_equal(mg_contract_update(db, 4, k, &in, &fe, &d), 0);
    assert_int_equal(mg_contract_get(db, k, &c, &d), 0);
    assert_int_equal(c.status, MG_CONTRACT_IN_FORCE);
    in.territory = "communes:abc";
    assert_int_equal(mg_contract_update(db, 4, k, &in, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "territory");
    assert_int_equal(mg_contract_update(db, 4, k + 100, &in, &fe, &d), MG_EINVAL);
    in.territory = NULL;
    assert_int_equal(mg_contract_update(db, 4, k + 100, &in, &fe, &d), MG_ENOTFOUND);
    /* The same values again change nothing and write nothing. */
    mg_audit_record *r = NULL;
    size_t n = 0, total = 0;
    in.territory = "communes:11069 ,11100";
    assert_int_equal(mg_contract_update(db, 4, k, &in, &fe, &d), 0);
    assert_int_equal(mg_audit_history(db, "contract", k, 0, 10, &r, &n, &total, &d), 0);
    assert_int_equal(n, 4); /* create and three updates */
    assert_string_equal(r[0].verb, "update");
    assert_int_equal(r[0].account_id, 4);
    assert_non_null(change_of(&r[0], "territory"));
    assert_null(change_of(&r[0], "title"));
    const mg_audit_change *st = change_of(&r[1], "status");
    assert_non_null(st);
    assert_string_equal(st->before, "signed");
    assert_string_equal(st->after, "in_force");
    mg_audit_records_free(r, n);

    /* An action's new fields, written, read, updated. */
    mg_db *rawdb = NULL;
    mg_db_conn *conn = NULL;
    assert_int_equal(test_db_raw_open(f->url, &rawdb, &conn, &d), 0);
    int64_t scenario = 0;
    assert_int_equal(mg_db_query_int(conn,
                                     "INSERT INTO scenarios (name, profession, actions_json, "
                                     "created_at, updated_at) VALUES ('Cabine (exemple)', "
                                     "'generalistes', '[]', 'x', 'x') RETURNING id",
                                     MG_DB_NO_PARAMS, &scenario, &d),
                     0);
    test_db_raw_close(rawdb, conn);
    int64_t axis = axis_ok(db, k, 0, "Accès aux soins");
    char axis_s[24], scen_s[24], bad_scen[24];
    snprintf(axis_s, sizeof axis_s, "%lld", (long long)axis);
    snprintf(scen_s, sizeof scen_s, "%lld", (long long)scenario);
    snprintf(bad_scen, sizeof bad_scen, "%lld", (long long)scenario + 50);
    mg_contract_action_input ai = {.title = "Cabine de téléconsultation", .axis = axis_s,
                                   .objectives = "Réduire la distance\nau médecin",
                                   .contact_role = "Chargée de mission santé",
                                   .target_publics = "Personnes âgées",
                                   .target_communes = "communes:11069",
                                   .priority = "1", .scenario = scen_s,
                                   .starts_on = "2025-01-01", .due_on = "2026-12-31"};
    int64_t act = 0;
    assert_int_equal(mg_contract_action_create(db, 4, k, &ai, &act, &fe, &d), 0);
    mg_contract_action a;
    assert_int_equal(mg_contract_action_get(db, act, &a, &d), 0);
    assert_int_equal(a.axis_id, axis);
    assert_string_equal(a.objectives, "Réduire la distance\nau médecin");
    assert_string_equal(a.contact_role, "Chargée de mission santé");
    assert_string_equal(a.target_publics, "Personnes âgées");
    assert_string_equal(a.target_communes, "communes:11069");
    assert_int_equal(a.priority, 1);
    assert_int_equal(a.scenario_id, scenario);
    assert_false(a.is_example);
    mg_contract_action_clear(&a);

    struct {
        const char **slot, *value, *field;
    } refusals[] = {
        {&ai.priority, "4", "priority"},
        {&ai.priority, "haute", "priority"},
        {&ai.scenario, bad_scen, "scenario"},
        {&ai.scenario, "x1", "scenario"},
        {&ai.target_communes, "communes:1106", "target_communes"},
        {&ai.target_communes, "dep:11", "target_communes"},
        {&ai.axis, "-2", "axis"},
    };
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        mg_contract_action_input bad = ai;
        const char *keep = *refusals[i].slot;
        *refusals[i].slot = refusals[i].value;
        bad = ai;
        *refusals[i].slot = keep;
        int64_t id = 0;
        assert_int_equal(mg_contract_action_create(db, 4, k, &bad, &id, &fe, &d), MG_EINVAL);
        assert_string_equal(fe.field, refusals[i].field);
        assert_int_equal(mg_contract_action_update(db, 4, act, &bad, &fe, &d), MG_EINVAL);
        assert_string_equal(fe.field, refusals[i].field);
    }
    /* Update: the status typed is ignored, only what changed is audited. */
    ai.priority = "3";
    ai.scenario = NULL;
    ai.status = "done";
    ai.objectives = "Réduire la distance\nau médecin";
    assert_int_equal(mg_contract_action_update(db, 8, act, &ai, &fe, &d), 0);
    assert_int_equal(mg_contract_action_get(db, act, &a, &d), 0);
    assert_int_equal(a.priority, 3);
    assert_int_equal(a.scenario_id, 0);
    assert_int_equal(a.status, MG_ACTION_PLANNED);
    mg_contract_action_clear(&a);
    assert_int_equal(mg_contract_action_update(db, 8, act + 100, &ai, &fe, &d), MG_ENOTFOUND);
    assert_int_equal(mg_contract_action_set_status(db, 8, act, MG_ACTION_IN_PROGRESS, &fe, &d), 0);
    assert_int_equal(mg_audit_history(db, "action", act, 0, 10, &r, &n, &total, &d), 0);
    assert_int_equal(n, 3);
    assert_string_equal(r[0].verb, "set_status");
    st = change_of(&r[0], "status");
    assert_string_equal(st->before, "planned");
    assert_string_equal(st->after, "in_progress");
    assert_string_equal(r[1].verb, "update");
    assert_int_equal(r[1].nchanges, 2);
    assert_string_equal(change_of(&r[1], "priority")->after, "3");
    assert_null(change_of(&r[1], "scenario_id")->after);
    assert_int_equal(r[1].organisation_id, dep);
    mg_audit_records_free(r, n);

    mg_audit_verdict v;
    assert_int_equal(mg_audit_verify(db, &v, &d), 0);
    assert_int_equal(v.problem, MG_AUDIT_INTACT);
    mg_db_close(db);
}

#define BOTH(X)                                                                                  \
    X(test_status_transitions)                                                                   \
    X(test_axes)                                                                                 \
    X(test_lateness)                                                                             \
    X(test_milestones_notes)                                                                     \
    X(test_signatories_viewers)                                                                  \
    X(test_updates)

int main(void)
{
    const struct CMUnitTest tests[] = {BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
