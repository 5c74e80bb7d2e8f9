/*
 * Tests of the plan import (contracts/import.h) on SQLite and, when
 * MG_TEST_PG_URI is set, on PostgreSQL: the six actions of the
 * Piège-Lauragais-Malepère contract (tests/data/contracts/plan.csv) read
 * from the CSV, from the same CSV in Windows-1252 and ","-separated, and
 * from an XLSX made from it by contracts_csv2xlsx; the axes, actions,
 * participants and budget lines written, with their sums against the
 * figures added up by hand from the file; the audit entries; a dry run
 * and a second import of the same plan refused; each malformed file of
 * tests/data/contracts/expected-refusals.tsv refused on its line and
 * column with the database left exactly as it was (every row of every
 * table of the plan, the organisations and the audit trail compared, and
 * on SQLite the file's bytes too).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auth/auth.h"
#include "contracts/contracts.h"
#include "contracts/import.h"
#include "parse/parse.h"
#include "core/buf.h"
#include "db_fixture.h"

TEST_DB_FIXTURE("contract_import")

/* The plan's figures, added up by hand from plan.csv: 4 axes and 2
 * sub-axes; 6 actions; 6 pilots and 6 partners; 7 budget lines: planned
 * 20 000 + 10 000 + 90 000 + 15 000 + 40 000 + 5 000 + 8 000 = 188 000 €,
 * committed 20 000 + 90 000 + 8 000 = 118 000 €, paid 10 000 + 45 000 +
 * 8 000 = 63 000 €. */
enum { AXES = 6, ACTIONS = 6, PARTICIPANTS = 12, LINES = 7 };
static const int64_t PLANNED = 18800000, COMMITTED = 11800000, PAID = 6300000;

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    mg_buf b;
    mg_buf_init(&b, 64u * 1024u * 1024u);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        (void)mg_buf_append(&b, chunk, got);
    fclose(f);
    if (!b.data)
        (void)mg_buf_append(&b, "", 0);
    return mg_buf_take(&b, n);
}

static char *data_file(const char *name, size_t *n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/contracts/%s", MG_TEST_DATA, name);
    char *s = slurp(path, n);
    if (!s)
        fail_msg("cannot read %s", path);
    return s;
}

typedef struct world {
    mg_db *db;
    int64_t dep, cc, centre, contract;
} world;

static int64_t org_ok(mg_db *db, const char *name, const char *kind, const char *siret)
{
    mg_auth_org_input in = {.name = name, .kind = kind, .siret = siret};
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
    mg_contract_input in = {.kind = "cps", .title = title, .territory = "epci:200035707"};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_create(db, 0, lead, &in, &id, &fe, &d);
    if (rc != 0)
        fail_msg("contract: %s (%s)", mg_strerror(rc), d.msg);
    return id;
}

static void world_make(void **state, world *w)
{
    struct fixture *f = *state;
    w->db = test_db_open(f->url, NULL);
    w->dep = org_ok(w->db, "Département de l'Aude", "departement", NULL);
    /* The SIRET's establishment number is an example; its SIREN is the EPCI's. */
    w->cc = org_ok(w->db, "CC Piège Lauragais Malepère", "epci", "20003570700005");
    w->centre = org_ok(w->db, "Centre social intercommunal (exemple)", "association", NULL);
    w->contract = contract_ok(w->db, w->dep, "Contrat Piège-Lauragais-Malepère");
}

/* Every row of the tables an import touches, as text, and where their ids
 * stand (SQLite's sqlite_sequence, PostgreSQL's identity sequences, which
 * a rolled-back insert would still move). */
static char *snapshot(mg_db *db)
{
    static const char *const sequences[] = {
        "SELECT name || '=' || seq FROM sqlite_sequence ORDER BY name",
        "SELECT string_agg(t || '=' || COALESCE(pg_sequence_last_value("
        "pg_get_serial_sequence(t, 'id')::regclass)::text, '-'), ',' ORDER BY t) FROM "
        "unnest(ARRAY['contract_axes', 'contract_actions', 'budget_lines', "
        "'audit_entries', 'contracts']) AS t",
    };
    static const char *const tables[] = {
        "organisations", "contracts", "contract_signatories", "contract_axes",
        "contract_actions", "action_participants", "budget_lines", "audit_entries",
        "audit_head",
    };
    mg_buf b;
    mg_buf_init(&b, 256u * 1024u * 1024u);
    mg_db_conn *c = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_db_acquire(db, &c, &d), 0);
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1", tables[t]);
        mg_db_stmt *q = NULL;
        int rc = mg_db_prepare(c, sql, &q, &d);
        if (rc != 0)
            fail_msg("%s: %s", sql, d.msg);
        (void)mg_buf_append(&b, tables[t], strlen(tables[t]));
        while ((rc = mg_db_step(q, &d)) == MG_DB_ROW) {
            for (int i = 0; i < mg_db_column_count(q); i++) {
                const char *v = mg_db_column_is_null(q, i) ? "<null>" : mg_db_column_text(q, i);
                (void)mg_buf_append(&b, "|", 1);
                (void)mg_buf_append(&b, v ? v : "", v ? strlen(v) : 0);
            }
            (void)mg_buf_append(&b, "\n", 1);
        }
        assert_int_equal(rc, MG_DB_DONE);
        mg_db_finalize(q);
    }
    /* The one of the two dialects that runs gives the sequences. */
    for (size_t k = 0; k < 2; k++) {
        mg_db_stmt *q = NULL;
        if (mg_db_prepare(c, sequences[k], &q, &d) != 0)
            continue;
        int rc;
        while ((rc = mg_db_step(q, &d)) == MG_DB_ROW) {
            const char *v = mg_db_column_text(q, 0);
            (void)mg_buf_append(&b, "seq|", 4);
            (void)mg_buf_append(&b, v ? v : "", v ? strlen(v) : 0);
            (void)mg_buf_append(&b, "\n", 1);
        }
        mg_db_finalize(q);
    }
    mg_db_release(c);
    assert_false(b.failed);
    size_t n;
    return mg_buf_take(&b, &n);
}

static int64_t count(mg_db *db, const char *sql, int64_t contract)
{
    mg_db_conn *c = NULL;
    mg_diag d = {{0}};
    int64_t v = -1;
    assert_int_equal(mg_db_acquire(db, &c, &d), 0);
    int rc = mg_db_query_int(c, sql, MG_DB_PARAMS(MG_DB_INT(contract)), &v, &d);
    mg_db_release(c);
    if (rc != 0)
        fail_msg("%s: %s (%s)", sql, mg_strerror(rc), d.msg);
    return v;
}

/* Imports data into the contract; returns the code, the report in *rep. */
static int import(world *w, int64_t contract, const char *name, const char *data, size_t n,
                  bool dry_run, mg_import_report *rep)
{
    mg_import_report_init(rep, name);
    mg_contract_import *im = NULL;
    mg_diag d = {{0}};
    int rc = mg_contract_import_read(name, data, n, &im, rep, &d);
    if (im && (rc == 0 || rc == MG_EINVAL))
        rc = mg_contract_import_apply(w->db, 0, contract, im, dry_run, rep, &d);
    mg_contract_import_free(im);
    return rc;
}

static void print_report(const mg_import_report *rep)
{
    for (size_t i = 0; i < rep->n; i++)
        print_message("  %lu %s %s %s\n", rep->rows[i].line, rep->rows[i].column,
                      rep->rows[i].field, rep->rows[i].message);
}

/* The plan's figures in contract `contract`. */
static void check_plan(world *w, int64_t contract)
{
    assert_int_equal(count(w->db, "SELECT COUNT(*) FROM contract_axes WHERE contract_id = ?1",
                           contract), AXES);
    assert_int_equal(count(w->db, "SELECT COUNT(*) FROM contract_axes WHERE contract_id = ?1 "
                                  "AND level = 2", contract), 2);
    assert_int_equal(count(w->db, "SELECT COUNT(*) FROM contract_actions WHERE contract_id = ?1",
                           contract), ACTIONS);
    assert_int_equal(count(w->db, "SELECT COUNT(*) FROM contract_actions WHERE contract_id = ?1 "
                                  "AND is_example = 1 AND axis_id IS NOT NULL", contract), ACTIONS);
    assert_int_equal(count(w->db, "SELECT COUNT(*) FROM action_participants p JOIN "
                                  "contract_actions a ON a.id = p.action_id WHERE a.contract_id = ?1",
                           contract), PARTICIPANTS);
    assert_int_equal(count(w->db, "SELECT COUNT(*) FROM action_participants p JOIN "
                                  "contract_actions a ON a.id = p.action_id WHERE a.contract_id = ?1 "
                                  "AND p.role = 'pilot'", contract), ACTIONS);
    static const char lines[] = "FROM budget_lines l JOIN contract_actions a ON a.id = l.action_id "
                                "WHERE a.contract_id = ?1";
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) %s AND l.is_example = 1", lines);
    assert_int_equal(count(w->db, sql, contract), LINES);
    snprintf(sql, sizeof sql, "SELECT SUM(planned_cents) %s", lines);
    assert_int_equal(count(w->db, sql, contract), PLANNED);
    snprintf(sql, sizeof sql, "SELECT SUM(committed_cents) %s", lines);
    assert_int_equal(count(w->db, sql, contract), COMMITTED);
    snprintf(sql, sizeof sql, "SELECT SUM(paid_cents) %s", lines);
    assert_int_equal(count(w->db, sql, contract), PAID);
    /* The funder named by its SIREN (line 3) is the EPCI; the investment lines. */
    snprintf(sql, sizeof sql, "SELECT COUNT(*) %s AND l.year = 2025 AND l.nature = 'operation' "
                              "AND l.planned_cents = 1000000 AND l.funder_id = %lld",
             lines, (long long)w->cc);
    assert_int_equal(count(w->db, sql, contract), 1);
    snprintf(sql, sizeof sql, "SELECT SUM(planned_cents) %s AND l.nature = 'investment'", lines);
    assert_int_equal(count(w->db, sql, contract), 13000000);
    /* The telehealth action sits in the sub-axis Télésanté of Santé. */
    assert_int_equal(count(w->db,
                           "SELECT COUNT(*) FROM contract_actions a JOIN contract_axes s ON "
                           "s.id = a.axis_id JOIN contract_axes p ON p.id = s.parent_id WHERE "
                           "a.contract_id = ?1 AND s.title = 'Télésanté' AND p.title = 'Santé' "
                           "AND a.title LIKE 'Télésanté%' AND a.starts_on = '2024-01-01' AND "
                           "a.due_on = '2026-12-31' AND a.status = 'in_progress' AND a.priority = 1",
                           contract), 1);
    assert_int_equal(count(w->db,
                           "SELECT COUNT(*) FROM contract_actions WHERE contract_id = ?1 AND "
                           "title = 'Aller-vers les jeunes avec un véhicule' AND starts_on = "
                           "'2025-09-01' AND status = 'planned' AND target_communes = "
                           "'epci:200035707'", contract), 1);
    /* The insertion action has no budget line. */
    snprintf(sql, sizeof sql, "SELECT COUNT(*) %s AND a.title = 'Accompagner l''insertion'", lines);
    assert_int_equal(count(w->db, sql, contract), 0);
    /* One audit entry per axis, action, participant and line. */
    assert_int_equal(count(w->db, "SELECT COUNT(*) FROM audit_entries WHERE object_type = "
                                  "'budget_line' AND object_id IN (SELECT l.id FROM budget_lines l "
                                  "JOIN contract_actions a ON a.id = l.action_id WHERE "
                                  "a.contract_id = ?1)", contract), LINES);
    assert_int_equal(count(w->db, "SELECT COUNT(*) FROM audit_entries WHERE object_type = "
                                  "'contract' AND verb = 'add_axis' AND object_id = ?1", contract),
                     AXES);
    assert_int_equal(count(w->db, "SELECT COUNT(*) FROM audit_entries WHERE object_type = 'action' "
                                  "AND object_id IN (SELECT id FROM contract_actions WHERE "
                                  "contract_id = ?1)", contract), ACTIONS + PARTICIPANTS);
}

static void test_import_csv(void **state)
{
    world w;
    world_make(state, &w);
    size_t n;
    char *csv = data_file("plan.csv", &n);

    /* A dry run: every row checked, nothing written. */
    char *before = snapshot(w.db);
    mg_import_report rep;
    int rc = import(&w, w.contract, "plan.csv", csv, n, true, &rep);
    if (rc != 0)
        print_report(&rep);
    assert_int_equal(rc, 0);
    assert_int_equal(rep.refused, 0);
    assert_int_equal(rep.n, 8);
    assert_int_equal(rep.actions, ACTIONS);
    assert_int_equal(rep.axes, AXES);
    assert_int_equal(rep.budget_lines, LINES);
    assert_int_equal(rep.participants, PARTICIPANTS);
    assert_false(rep.written);
    assert_string_equal(mg_import_status_key(&rep, rep.rows[0].status), "checked");
    mg_import_report_free(&rep);
    char *after = snapshot(w.db);
    assert_string_equal(before, after);
    free(before);
    free(after);

    rc = import(&w, w.contract, "plan.csv", csv, n, false, &rep);
    if (rc != 0)
        print_report(&rep);
    assert_int_equal(rc, 0);
    assert_true(rep.written);
    assert_int_equal(rep.n, 8);
    assert_int_equal(rep.rows[0].line, 2);
    assert_int_equal(rep.rows[7].line, 9);
    assert_string_equal(mg_import_status_key(&rep, rep.rows[0].status), "imported");
    mg_import_report_free(&rep);
    check_plan(&w, w.contract);

    /* The same plan again: every action is already there; nothing changes. */
    before = snapshot(w.db);
    rc = import(&w, w.contract, "plan.csv", csv, n, false, &rep);
    assert_int_equal(rc, MG_EINVAL);
    assert_true(rep.refused >= ACTIONS);
    assert_false(rep.written);
    after = snapshot(w.db);
    assert_string_equal(before, after);
    mg_import_report_free(&rep);
    free(before);
    free(after);

    /* The pilot's contact role, and an action outside any axis. */
    static const char contact[] = "action;pilote;contact\n"
                                  "Action sans axe;Département de l'Aude;Chargée de mission santé\n";
    int64_t third = contract_ok(w.db, w.dep, "Contrat du contact");
    rc = import(&w, third, "contact.csv", contact, sizeof contact - 1, false, &rep);
    assert_int_equal(rc, 0);
    mg_import_report_free(&rep);
    assert_int_equal(count(w.db, "SELECT COUNT(*) FROM contract_actions WHERE contract_id = ?1 AND "
                                 "contact_role = 'Chargée de mission santé' AND axis_id IS NULL",
                           third), 1);

    /* No such contract. */
    rc = import(&w, 99999, "plan.csv", csv, n, false, &rep);
    assert_int_equal(rc, MG_ENOTFOUND);
    mg_import_report_free(&rep);
    free(csv);
    mg_db_close(w.db);
}

/* plan.csv in Windows-1252, and ","-separated with quoted fields. */
static void test_import_encodings(void **state)
{
    world w;
    world_make(state, &w);
    size_t n;
    char *csv = data_file("plan.csv", &n);
    /* Windows-1252, without the BOM. */
    iconv_t cd = iconv_open("WINDOWS-1252", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    char *w1252 = malloc(n);
    char *in = csv + 3, *out = w1252;
    size_t il = n - 3, ol = n;
    assert_true(iconv(cd, &in, &il, &out, &ol) != (size_t)-1);
    iconv_close(cd);
    size_t wn = (size_t)(out - w1252);
    assert_true(wn < n - 3); /* the accents took one byte each */
    mg_import_report rep;
    int rc = import(&w, w.contract, "plan-1252.csv", w1252, wn, false, &rep);
    if (rc != 0)
        print_report(&rep);
    assert_int_equal(rc, 0);
    mg_import_report_free(&rep);
    check_plan(&w, w.contract);
    free(w1252);

    /* ","-separated: each field quoted, its quotes doubled. */
    mg_buf b;
    mg_buf_init(&b, 1u << 20);
    (void)mg_buf_append(&b, "\"", 1);
    for (size_t i = 3; i < n; i++) {
        char ch = csv[i];
        if (ch == ';')
            (void)mg_buf_append(&b, "\",\"", 3);
        else if (ch == '\r')
            continue;
        else if (ch == '\n')
            (void)mg_buf_append(&b, i + 1 < n ? "\"\n\"" : "\"\n", i + 1 < n ? 3 : 2);
        else if (ch == '"')
            (void)mg_buf_append(&b, "\"\"", 2);
        else
            (void)mg_buf_append(&b, &ch, 1);
    }
    int64_t second = contract_ok(w.db, w.dep, "Deuxième contrat");
    rc = import(&w, second, "plan-virgules.csv", b.data, b.len, false, &rep);
    if (rc != 0)
        print_report(&rep);
    assert_int_equal(rc, 0);
    mg_import_report_free(&rep);
    check_plan(&w, second);
    mg_buf_free(&b);
    free(csv);
    mg_db_close(w.db);
}

static void test_import_xlsx(void **state)
{
    struct fixture *f = *state;
    world w;
    world_make(state, &w);
    char cmd[1024], xlsx[400];
    snprintf(xlsx, sizeof xlsx, "%s/plan.xlsx", f->dir);
    snprintf(cmd, sizeof cmd, "'%s' '%s/contracts/plan.csv' '%s'", MG_CSV2XLSX, MG_TEST_DATA,
             xlsx);
    assert_int_equal(system(cmd), 0);
    size_t n;
    char *data = slurp(xlsx, &n);
    assert_non_null(data);
    mg_import_report rep;
    int rc = import(&w, w.contract, "plan.xlsx", data, n, false, &rep);
    if (rc != 0)
        print_report(&rep);
    assert_int_equal(rc, 0);
    mg_import_report_free(&rep);
    check_plan(&w, w.contract);

    /* The workbook cut short: refused as a whole, nothing written. */
    char *before = snapshot(w.db);
    int64_t other = contract_ok(w.db, w.dep, "Contrat vide");
    free(before);
    before = snapshot(w.db);
    rc = import(&w, other, "bad.xlsx", data, n / 2, false, &rep);
    assert_true(rc == MG_EPARSE);
    assert_int_equal(rep.n, 1);
    assert_int_equal(rep.rows[0].line, 0);
    assert_non_null(strstr(rep.rows[0].message, "XLSX"));
    mg_import_report_free(&rep);
    char *after = snapshot(w.db);
    assert_string_equal(before, after);
    free(before);
    free(after);
    free(data);
    mg_db_close(w.db);
}

/* Reads a whole file into a malloc'd buffer for byte comparison; "" when
 * it does not exist. */
static char *file_bytes(const char *path, size_t *n)
{
    char *s = slurp(path, n);
    if (!s) {
        *n = 0;
        s = calloc(1, 1);
    }
    return s;
}

static void test_refusals(void **state)
{
    struct fixture *f = *state;
    world w;
    world_make(state, &w);
    size_t tn;
    char *table = data_file("expected-refusals.tsv", &tn);
    size_t files = 0;
    for (char *save = NULL, *line = strtok_r(table, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        char name[128] = "", col[8] = "", field[32] = "";
        unsigned long lineno = 0;
        char *tab1 = strchr(line, '\t');
        assert_non_null(tab1);
        *tab1 = '\0';
        snprintf(name, sizeof name, "%s", line);
        char *rest = tab1 + 1;
        char *tab2 = strchr(rest, '\t');
        assert_non_null(tab2);
        int64_t ln = 0;
        assert_int_equal(mg_parse_c_int(rest, (size_t)(tab2 - rest), 1, 1000000, &ln, NULL), 0);
        lineno = (unsigned long)ln;
        rest = tab2 + 1;
        char *tab3 = strchr(rest, '\t');
        assert_non_null(tab3);
        *tab3 = '\0';
        snprintf(col, sizeof col, "%s", rest);
        snprintf(field, sizeof field, "%s", tab3 + 1);

        size_t n;
        char *data = data_file(name, &n);
        char *before = snapshot(w.db);
        size_t nb = 0, nw = 0;
        char wal[400];
        snprintf(wal, sizeof wal, "%s-wal", f->db);
        char *bytes = f->pg ? NULL : file_bytes(f->db, &nb);
        char *walb = f->pg ? NULL : file_bytes(wal, &nw);
        mg_import_report rep;
        int rc = import(&w, w.contract, name, data, n, false, &rep);
        if (rc != MG_EINVAL)
            print_report(&rep);
        assert_int_equal(rc, MG_EINVAL);
        assert_false(rep.written);
        bool found = false;
        for (size_t i = 0; i < rep.n; i++) {
            const mg_import_row *r = &rep.rows[i];
            assert_true(r->message[0] != '\0');
            /* The rows that passed are listed, as not imported. */
            if (r->status != MG_IMPORT_ROW_REFUSED)
                assert_string_equal(mg_import_status_key(&rep, r->status), "checked");
            if (i > 0)
                assert_true(rep.rows[i - 1].line <= r->line); /* by line */
            if (r->line == lineno && !strcmp(r->column, col) && !strcmp(r->field, field))
                found = true;
        }
        if (!found) {
            print_report(&rep);
            fail_msg("%s: no refusal on line %lu, column %s (%s)", name, lineno, col, field);
        }
        mg_import_report_free(&rep);
        char *after = snapshot(w.db);
        assert_string_equal(before, after);
        if (!f->pg) {
            size_t na = 0, nwa = 0;
            char *bytes2 = file_bytes(f->db, &na);
            char *walb2 = file_bytes(wal, &nwa);
            assert_int_equal(na, nb);
            assert_memory_equal(bytes, bytes2, na);
            assert_int_equal(nwa, nw);
            if (nw)
                assert_memory_equal(walb, walb2, nw);
            free(bytes2);
            free(walb2);
        }
        free(bytes);
        free(walb);
        free(before);
        free(after);
        free(data);
        files++;
    }
    assert_int_equal(files, 5);
    free(table);
    mg_db_close(w.db);
}

/* Checks that need no database: the header's faults, cells, repeats. */
#define LONG40 "cccccccccccccccccccccccccccccccccccccccc"
#define LONG201 LONG40 LONG40 LONG40 LONG40 LONG40 "c"

static void test_read_checks(void **state)
{
    (void)state;
    static const struct {
        const char *csv;
        int rc;
        unsigned long line;
        const char *column, *field;
    } cases[] = {
        {"axe;action\nA;Une action\n", 0, 0, "", ""},
        {"AXE , Action , Financeur\n", 0, 0, "", ""}, /* only a header: refused below */
        {"action;financeur;annee;nature;prevu\nX;Dép;2024;investissement;\n", MG_EINVAL, 2, "E",
         "prevu"},
        {"action;financeur;annee;nature;prevu\nX;Dép;1999;investissement;5\n", MG_EINVAL, 2, "C",
         "annee"},
        {"action;financeur;annee;nature;prevu\nX;Dép;2024;autre;5\n", MG_EINVAL, 2, "D", "nature"},
        {"action;prevu\nX;5\n", MG_EINVAL, 2, "B", "prevu"},
        {"action;statut\nX;terminée\n", MG_EINVAL, 2, "B", "statut"},
        {"action;statut\nX;Réalisée\n", 0, 0, "", ""},
        {"action;priorite\nX;4\n", MG_EINVAL, 2, "B", "priorite"},
        {"action;communes\nX;epci:12\n", MG_EINVAL, 2, "B", "communes"},
        {"action;exemple\nX;peut-être\n", MG_EINVAL, 2, "B", "exemple"},
        {"action;contact\nX;" LONG201 "\n", MG_EINVAL, 2, "B", "contact"},
        {"sous_axe;action\nS;X\n", MG_EINVAL, 2, "", "axe"},
        {"action;debut;fin\nX;2025-01-01;2024-12-31\n", MG_EINVAL, 2, "C", "fin"},
        {"action;partenaires\nX;A||B\n", MG_EINVAL, 2, "B", "partenaires"},
        {"action;action\nX;Y\n", MG_EINVAL, 1, "B", "action"},
        {"axe;description\nA;d\n", MG_EINVAL, 1, "", "action"},
        {"action;description\nX;un\nX;deux\n", MG_EINVAL, 3, "B", "description"},
        {"action;description\nX;\nX;deux\nx;deux\n", 0, 0, "", ""},
        /* No-break spaces around a cell, and inside an amount, as spreadsheets write. */
        {"action;prevu;financeur;annee;nature\n\xc2\xa0X;\xc2\xa0" "12\xc2\xa0" "000 \xc2\xa0;F;2024;f\n", 0, 0, "",
         ""},
        {"action;verse;financeur;annee;nature;prevu;engage\nX;6;F;2024;f;10;5\n", MG_EINVAL, 2,
         "B", "verse"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        mg_import_report rep;
        mg_import_report_init(&rep, "t.csv");
        mg_contract_import *im = NULL;
        mg_diag d = {{0}};
        int rc = mg_contract_import_read("t.csv", cases[k].csv, strlen(cases[k].csv), &im, &rep,
                                         &d);
        if (k == 1) {
            assert_int_equal(rc, MG_EINVAL); /* no row under the header */
        } else {
            if (rc != cases[k].rc) {
                print_report(&rep);
                fail_msg("case %zu: %d instead of %d", k, rc, cases[k].rc);
            }
            if (cases[k].rc) {
                bool found = false;
                for (size_t i = 0; i < rep.n; i++)
                    found |= rep.rows[i].line == cases[k].line &&
                             !strcmp(rep.rows[i].column, cases[k].column) &&
                             !strcmp(rep.rows[i].field, cases[k].field);
                if (!found) {
                    print_report(&rep);
                    fail_msg("case %zu: no refusal at %lu %s %s", k, cases[k].line,
                             cases[k].column, cases[k].field);
                }
            }
        }
        mg_contract_import_free(im);
        mg_import_report_free(&rep);
    }
    /* The template offered for download is a valid plan itself. */
    const char *tpl = mg_contract_import_template_csv();
    mg_import_report rep;
    mg_import_report_init(&rep, "modele.csv");
    mg_contract_import *im = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_import_read("modele.csv", tpl, strlen(tpl), &im, &rep, &d), 0);
    assert_int_equal(mg_contract_import_rows(im), 2);
    assert_int_equal(mg_contract_import_actions(im), 1);
    mg_contract_import_free(im);
    mg_import_report_free(&rep);
}

#define BOTH(X)                                                                                  \
    X(test_import_csv)                                                                           \
    X(test_import_encodings)                                                                     \
    X(test_import_xlsx)                                                                          \
    X(test_refusals)

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_read_checks), BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
