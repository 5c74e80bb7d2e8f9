/*
 * Tests of the scenario store (storage/storage.h) on the SQL layer, run
 * against SQLite and, when MG_TEST_PG_URI is set (scripts/test.sh), against
 * PostgreSQL: insert/get/update/list/delete, list order, pages of the list,
 * unique and refused names, unknown ids, reopening, refusal of a database
 * written by a newer build, concurrent saves from several threads through
 * one handle and through one handle per thread, concurrent read-modify-write
 * edits losing nothing, and a busy database giving MG_EBUSY after the
 * bounded wait while reads go on. SQLite alone: creation and migration of
 * a new file (checked with sqlite3 directly, not through the code under
 * test), WAL mode, a failing migration rolled back, files that are not
 * databases. Each SQLite test works in its own mkdtemp folder; PostgreSQL
 * tests share one database of this program's, emptied before each test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "db/migrations.h"
#include "db_fixture.h"
#include "storage/storage.h"

TEST_DB_FIXTURE("storage")

/* Saves a scenario, failing the test if it cannot; returns its id. */
static int64_t save_ok(mg_db *s, int64_t id, const char *name, const char *prof,
                       const char *actions)
{
    mg_scenario_record r = {.id = id,
                            .name = (char *)name,
                            .profession = (char *)prof,
                            .actions_json = (char *)actions};
    mg_diag d = {{0}};
    int64_t got = -1;
    int rc = mg_storage_scenario_save(s, &r, 0, &got, &d);
    if (rc != 0)
        fail_msg("save \"%s\": %s (%s)", name, mg_strerror(rc), d.msg);
    assert_true(got > 0);
    return got;
}

/* Tries a save expected to fail; returns the code and fills *d. */
static int save_err(mg_db *s, int64_t id, const char *name, const char *prof,
                    const char *actions, mg_diag *d)
{
    mg_scenario_record r = {.id = id,
                            .name = (char *)name,
                            .profession = (char *)prof,
                            .actions_json = (char *)actions};
    mg_diag_clear(d);
    int64_t got = -1;
    int rc = mg_storage_scenario_save(s, &r, 0, &got, d);
    assert_int_not_equal(rc, 0);
    assert_int_equal(got, 0);
    assert_true(d->msg[0] != '\0');
    return rc;
}

/* A raw connection to the file, independent of the code under test. */
static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK)
        fail_msg("sqlite3_open %s: %s", path, sqlite3_errstr(rc));
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : "?");
}

/* The single integer answer of a query. */
static long long raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* The single text answer of a query, copied into buf. */
static const char *raw_text(sqlite3 *db, const char *sql, char *buf, size_t cap)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(q, 0);
    snprintf(buf, cap, "%s", t ? (const char *)t : "(null)");
    sqlite3_finalize(q);
    return buf;
}


/* Through a second handle of the SQL layer, with no migration: the way to
 * reach both databases behind the store's back. */
static mg_db *via_open(const char *url)
{
    mg_db_options o = {.no_migrate = 1};
    mg_db *db = NULL;
    mg_diag d = {{0}};
    if (mg_db_open(&db, url, &o, &d) != 0)
        fail_msg("open %s: %s", url, d.msg);
    return db;
}

static void via_exec(const char *url, const char *sql)
{
    mg_db *db = via_open(url);
    mg_db_conn *c = NULL;
    mg_diag d = {{0}};
    if (mg_db_acquire(db, &c, &d) != 0 || mg_db_exec(c, sql, &d) != 0)
        fail_msg("%s: %s", sql, d.msg);
    mg_db_release(c);
    mg_db_close(db);
}

/* The single answer of a query, as an integer or as text (into buf). */
static long long via_int(const char *url, const char *sql, char *buf, size_t cap)
{
    mg_db *db = via_open(url);
    mg_db_conn *c = NULL;
    mg_db_stmt *q = NULL;
    mg_diag d = {{0}};
    if (mg_db_acquire(db, &c, &d) != 0 || mg_db_prepare(c, sql, &q, &d) != 0 ||
        mg_db_step(q, &d) != MG_DB_ROW)
        fail_msg("%s: %s", sql, d.msg);
    long long v = mg_db_column_int64(q, 0);
    if (buf)
        snprintf(buf, cap, "%s", mg_db_column_text(q, 0) ? mg_db_column_text(q, 0) : "(null)");
    mg_db_finalize(q);
    mg_db_release(c);
    mg_db_close(db);
    return v;
}

/* Distinct migrations of this build (a migration may have one file per
 * dialect). */
static long long migration_names(void)
{
    long long n = 0;
    for (size_t i = 0; i < mg_migration_count; i++)
        if (i == 0 || strcmp(mg_migrations[i].name, mg_migrations[i - 1].name) != 0)
            n++;
    return n;
}

/* ISO 8601 UTC with seconds: YYYY-MM-DDTHH:MM:SSZ. */
static void assert_iso8601(const char *t)
{
    assert_non_null(t);
    static const char pattern[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(t) != sizeof pattern - 1)
        fail_msg("timestamp \"%s\" is not YYYY-MM-DDTHH:MM:SSZ", t);
    for (size_t i = 0; pattern[i]; i++) {
        int ok = pattern[i] == 'd' ? (t[i] >= '0' && t[i] <= '9') : t[i] == pattern[i];
        if (!ok)
            fail_msg("timestamp \"%s\" is not YYYY-MM-DDTHH:MM:SSZ", t);
    }
    assert_true(strncmp(t, "2020", 4) >= 0);
}

static void test_open_creates_and_migrates(void **state)
{
    struct fixture *f = *state;
    struct stat sb;
    assert_int_not_equal(stat(f->db, &sb), 0);
    mg_db *s = test_db_open(f->db, NULL);
    assert_int_equal(stat(f->db, &sb), 0);
    mg_db_close(s);

    sqlite3 *db = raw_open(f->db);
    assert_true(mg_migration_count >= 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM schema_migrations"), migration_names());
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name, applied_at FROM schema_migrations "
                                        "ORDER BY name",
                                        -1, &q, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < mg_migration_count; i++) {
        if (i > 0 && strcmp(mg_migrations[i].name, mg_migrations[i - 1].name) == 0)
            continue;
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(q, 0), mg_migrations[i].name);
        assert_iso8601((const char *)sqlite3_column_text(q, 1));
    }
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    assert_string_equal(mg_migrations[0].name, "001_scenarios");
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_schema "
                                 "WHERE type = 'table' AND name = 'scenarios'"),
                     1);
    sqlite3_close(db);
}

static void test_wal_mode(void **state)
{
    struct fixture *f = *state;
    mg_db *s = test_db_open(f->db, NULL);
    char buf[64];
    /* Asked from another connection while ours is open, and after it is
     * closed: WAL is a property of the file, not of our connection. */
    sqlite3 *db = raw_open(f->db);
    assert_string_equal(raw_text(db, "PRAGMA journal_mode", buf, sizeof buf), "wal");
    sqlite3_close(db);
    mg_db_close(s);
    db = raw_open(f->db);
    assert_string_equal(raw_text(db, "PRAGMA journal_mode", buf, sizeof buf), "wal");
    sqlite3_close(db);
}

static void test_crud(void **state)
{
    struct fixture *f = *state;
    mg_db *s = test_db_open(f->url, NULL);
    mg_diag d = {{0}};

    const char *actions = "[{\"commune\":\"11069\",\"add\":2}]";
    int64_t id = save_ok(s, 0, "Carcassonne +2", "mg", actions);

    mg_scenario_record r;
    assert_int_equal(mg_storage_scenario_get(s, id, &r, &d), 0);
    assert_int_equal(r.id, id);
    assert_string_equal(r.name, "Carcassonne +2");
    assert_string_equal(r.profession, "mg");
    assert_string_equal(r.actions_json, actions);
    assert_iso8601(r.created_at);
    assert_iso8601(r.updated_at);
    assert_string_equal(r.created_at, r.updated_at);
    char created[32];
    snprintf(created, sizeof created, "%s", r.created_at);
    mg_scenario_record_free(&r);
    assert_null(r.name);

    /* Update: same id, new fields, created_at kept. The caller's
     * created_at/updated_at are ignored. */
    mg_scenario_record up = {.id = id,
                             .name = "Carcassonne +3",
                             .profession = "inf",
                             .actions_json = "[]",
                             .created_at = "1999-01-01T00:00:00Z",
                             .updated_at = "1999-01-01T00:00:00Z"};
    int64_t got = 0;
    assert_int_equal(mg_storage_scenario_save(s, &up, 0, &got, &d), 0);
    assert_int_equal(got, id);
    assert_int_equal(mg_storage_scenario_get(s, id, &r, &d), 0);
    assert_string_equal(r.name, "Carcassonne +3");
    assert_string_equal(r.profession, "inf");
    assert_string_equal(r.actions_json, "[]");
    assert_string_equal(r.created_at, created);
    assert_iso8601(r.updated_at);
    assert_true(strcmp(r.updated_at, r.created_at) >= 0);
    mg_scenario_record_free(&r);

    int64_t id2 = save_ok(s, 0, "Limoux", "mg", "[]");
    assert_true(id2 != id);
    mg_scenario_record *list = NULL;
    size_t n = 0;
    assert_int_equal(mg_storage_scenario_list(s, &list, &n, &d), 0);
    assert_int_equal(n, 2);
    mg_scenario_record_list_free(list, n);

    assert_int_equal(mg_storage_scenario_delete(s, id, 0, &d), 0);
    assert_int_equal(mg_storage_scenario_get(s, id, &r, &d), MG_ENOTFOUND);
    assert_null(r.name);
    mg_diag_clear(&d);
    assert_int_equal(mg_storage_scenario_delete(s, id, 0, &d), MG_ENOTFOUND);
    mg_diag_clear(&d);
    assert_int_equal(mg_storage_scenario_list(s, &list, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, id2);
    mg_scenario_record_list_free(list, n);

    assert_int_equal(mg_storage_scenario_delete(s, id2, 0, &d), 0);
    list = (mg_scenario_record *)&d; /* must be reset to NULL */
    n = 7;
    assert_int_equal(mg_storage_scenario_list(s, &list, &n, &d), 0);
    assert_null(list);
    assert_int_equal(n, 0);
    mg_db_close(s);
}

/* The whole list, failing the test if it cannot be read; n scenarios. */
static mg_scenario_record *list_ok(mg_db *s, size_t *n)
{
    mg_scenario_record *list = NULL;
    mg_diag d = {{0}};
    int rc = mg_storage_scenario_list(s, &list, n, &d);
    if (rc != 0)
        fail_msg("list: %s (%s)", mg_strerror(rc), d.msg);
    return list;
}

/* Fails unless the list holds `want` scenarios. */
static void assert_list_count(mg_db *s, size_t want)
{
    size_t n = 0;
    mg_scenario_record *list = list_ok(s, &n);
    assert_int_equal(n, want);
    mg_scenario_record_list_free(list, n);
}

/* Checks that the list holds exactly the names given, in that order. */
static void assert_list_names(mg_db *s, const char *const *names, size_t count)
{
    size_t n = 0;
    mg_scenario_record *list = list_ok(s, &n);
    assert_int_equal(n, count);
    for (size_t i = 0; i < count; i++)
        if (strcmp(list[i].name, names[i]) != 0)
            fail_msg("list[%zu] is \"%s\", expected \"%s\"", i, list[i].name, names[i]);
    mg_scenario_record_list_free(list, n);
}

static void test_list_order(void **state)
{
    struct fixture *f = *state;
    mg_db *s = test_db_open(f->url, NULL);
    int64_t a = save_ok(s, 0, "A", "mg", "[]");
    int64_t b = save_ok(s, 0, "B", "mg", "[]");
    int64_t c = save_ok(s, 0, "C", "mg", "[]");
    (void)a;
    (void)c;

    /* All in the same second (most likely): the newest first. */
    via_exec(f->url, "UPDATE scenarios SET updated_at = '2021-01-01T00:00:00Z'");
    assert_list_names(s, (const char *const[]){"C", "B", "A"}, 3);

    /* Distinct times, set behind the storage's back through another
     * connection (WAL lets it write while ours is open). */
    via_exec(f->url, "UPDATE scenarios SET updated_at = '2021-01-01T00:00:03Z' WHERE name = 'A';"
                     "UPDATE scenarios SET updated_at = '2021-01-01T00:00:01Z' WHERE name = 'B';"
                     "UPDATE scenarios SET updated_at = '2021-01-01T00:00:02Z' WHERE name = 'C';");
    assert_list_names(s, (const char *const[]){"A", "C", "B"}, 3);

    /* Updating B makes it the most recent. */
    save_ok(s, b, "B", "mg", "[1]");
    assert_list_names(s, (const char *const[]){"B", "A", "C"}, 3);
    mg_db_close(s);
}

/* One page of the list, checked against the expected ids. */
static void assert_page(mg_db *s, size_t offset, size_t limit, const int64_t *want,
                        size_t nwant, size_t total)
{
    mg_scenario_record *list = NULL;
    size_t n = 99, got_total = 99;
    mg_diag d = {{0}};
    int rc = mg_storage_scenario_list_page(s, NULL, offset, limit, &list, &n, &got_total, &d);
    if (rc != 0)
        fail_msg("page at %zu (limit %zu): %s (%s)", offset, limit, mg_strerror(rc), d.msg);
    assert_int_equal(got_total, total);
    assert_int_equal(n, nwant);
    if (nwant == 0)
        assert_null(list);
    for (size_t i = 0; i < n; i++)
        if (list[i].id != want[i])
            fail_msg("page at %zu: row %zu has id %lld, expected %lld", offset, i,
                     (long long)list[i].id, (long long)want[i]);
    mg_scenario_record_list_free(list, n);
}

/* Pagination: 120 scenarios in pages of 50 give 50, 50 and 20, in the
 * list's order (updated_at, then id, both descending), and together every
 * scenario once; a page past the end is empty with the right total. */
static void test_list_page(void **state)
{
    struct fixture *f = *state;
    mg_db *s = test_db_open(f->url, NULL);
    enum { N = 120 };
    int64_t ids[N];
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "Scénario %03d", i);
        ids[i] = save_ok(s, 0, name, "mg", "[]");
    }
    /* Two timestamps, set behind the store's back: the scenarios saved at
     * even positions are the more recent, so the order is neither the ids'
     * nor the reverse. */
    via_exec(f->url, "UPDATE scenarios SET updated_at = '2021-01-01T00:00:00Z'");
    char sql[4096];
    size_t len = (size_t)snprintf(sql, sizeof sql,
                                  "UPDATE scenarios SET updated_at = '2022-01-01T00:00:00Z' "
                                  "WHERE id IN (");
    for (int i = 0; i < N; i += 2)
        len += (size_t)snprintf(sql + len, sizeof sql - len, "%s%lld", i ? "," : "",
                                (long long)ids[i]);
    snprintf(sql + len, sizeof sql - len, ")");
    via_exec(f->url, sql);
    /* Expected: even positions by id descending, then odd ones. Ids grow
     * with the position. */
    int64_t want[N];
    size_t k = 0;
    for (int i = N - 2; i >= 0; i -= 2)
        want[k++] = ids[i];
    for (int i = N - 1; i >= 1; i -= 2)
        want[k++] = ids[i];
    assert_int_equal(k, N);

    assert_page(s, 0, 50, want, 50, N);
    assert_page(s, 50, 50, want + 50, 50, N);
    assert_page(s, 100, 50, want + 100, 20, N);
    assert_page(s, 120, 50, NULL, 0, N);
    assert_page(s, 5000, 50, NULL, 0, N);
    /* Other windows agree with the same order. */
    assert_page(s, 59, 3, want + 59, 3, N);
    assert_page(s, 0, 1000, want, N, N);

    /* The whole list says the same. */
    size_t n = 0;
    mg_scenario_record *all = list_ok(s, &n);
    assert_int_equal(n, N);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(all[i].id, want[i]);
    mg_scenario_record_list_free(all, n);

    /* Refused arguments. */
    mg_scenario_record *list = NULL;
    size_t total = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_storage_scenario_list_page(s, NULL, 0, 0, &list, &n, &total, &d), MG_EINVAL);
    assert_int_equal(mg_storage_scenario_list_page(s, NULL, 0, MG_STORAGE_PAGE_MAX + 1, &list, &n,
                                                   &total, &d),
                     MG_EINVAL);
    assert_int_equal(mg_storage_scenario_list_page(s, NULL, 0, 10, NULL, &n, &total, &d), MG_EINVAL);
    assert_int_equal(mg_storage_scenario_list_page(s, NULL, 0, 10, &list, &n, NULL, &d), MG_EINVAL);
    assert_int_equal(mg_storage_scenario_list_page(NULL, NULL, 0, 10, &list, &n, &total, &d),
                     MG_EINVAL);

    /* After deleting everything: an empty first page, total 0. */
    via_exec(f->url, "DELETE FROM scenarios");
    assert_page(s, 0, 50, NULL, 0, 0);
    mg_db_close(s);
}

static void test_unique_names(void **state)
{
    struct fixture *f = *state;
    mg_db *s = test_db_open(f->url, NULL);
    mg_diag d = {{0}};

    int64_t aude = save_ok(s, 0, "Aude", "mg", "[]");
    assert_int_equal(save_err(s, 0, "Aude", "inf", "[]", &d), MG_EINVAL);
    assert_string_equal(d.msg, "un scénario nommé « Aude » existe déjà");
    /* Surrounding spaces are trimmed, so this is the same name. */
    assert_int_equal(save_err(s, 0, "  Aude\t", "mg", "[]", &d), MG_EINVAL);
    assert_string_equal(d.msg, "un scénario nommé « Aude » existe déjà");
    /* Case is significant. */
    int64_t aude2 = save_ok(s, 0, "aude", "mg", "[]");

    /* Renaming onto another's name clashes; keeping one's own does not. */
    assert_int_equal(save_err(s, aude2, "Aude", "mg", "[]", &d), MG_EINVAL);
    assert_string_equal(d.msg, "un scénario nommé « Aude » existe déjà");
    assert_int_equal(save_ok(s, aude, "Aude", "mg", "[2]"), aude);

    mg_scenario_record r;
    assert_int_equal(mg_storage_scenario_get(s, aude2, &r, &d), 0);
    assert_string_equal(r.name, "aude"); /* the failed rename changed nothing */
    mg_scenario_record_free(&r);

    /* A deleted name may be used again. */
    assert_int_equal(mg_storage_scenario_delete(s, aude, 0, &d), 0);
    save_ok(s, 0, "Aude", "mg", "[]");
    mg_db_close(s);
}

static void test_names(void **state)
{
    struct fixture *f = *state;
    mg_db *s = test_db_open(f->url, NULL);
    mg_diag d = {{0}};

    assert_int_equal(save_err(s, 0, "", "mg", "[]", &d), MG_EINVAL);
    assert_msg_has(d, "vide");
    assert_int_equal(save_err(s, 0, " \t\r\n ", "mg", "[]", &d), MG_EINVAL);
    assert_msg_has(d, "vide");
    assert_int_equal(save_err(s, 0, NULL, "mg", "[]", &d), MG_EINVAL);

    /* 200 characters are accepted whatever their byte length; 201 are not. */
    char name[1024];
    size_t o = 0;
    for (int i = 0; i < 200; i++) {
        name[o++] = (char)0xC3;
        name[o++] = (char)0xA9; /* é */
    }
    name[o] = '\0';
    int64_t id = save_ok(s, 0, name, "mg", "[]");
    mg_scenario_record r;
    assert_int_equal(mg_storage_scenario_get(s, id, &r, &d), 0);
    assert_int_equal(strlen(r.name), 400);
    mg_scenario_record_free(&r);
    name[o++] = 'x';
    name[o] = '\0';
    assert_int_equal(save_err(s, 0, name, "mg", "[]", &d), MG_EINVAL);
    assert_msg_has(d, "201 caractères");
    memset(name, 'a', 200);
    name[200] = '\0';
    save_ok(s, 0, name, "mg", "[]");

    /* Not UTF-8: a bad continuation, an overlong '/', a surrogate, a code
     * point past U+10FFFF, a truncated sequence. */
    static const char *const bad[] = {"a\xC3\x28", "\xC0\xAF", "x\xED\xA0\x80",
                                      "\xF4\x90\x80\x80", "abc\xE2\x82"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(save_err(s, 0, bad[i], "mg", "[]", &d), MG_EUTF8);
        assert_msg_has(d, "UTF-8");
    }

    /* Control characters, C0 and C1 (U+0085 NEL). */
    assert_int_equal(save_err(s, 0, "a\tb", "mg", "[]", &d), MG_EINVAL);
    assert_msg_has(d, "contrôle");
    assert_int_equal(save_err(s, 0, "a\xC2\x85" "b", "mg", "[]", &d), MG_EINVAL);
    assert_msg_has(d, "contrôle");

    /* Trimming: the stored name, and the caller's record left alone. */
    char typed[] = " \t Zone nord  (été) \n";
    mg_scenario_record in = {.name = typed, .profession = "mg", .actions_json = "[]"};
    int64_t got = 0;
    assert_int_equal(mg_storage_scenario_save(s, &in, 0, &got, &d), 0);
    assert_string_equal(in.name, " \t Zone nord  (été) \n");
    assert_int_equal(mg_storage_scenario_get(s, got, &r, &d), 0);
    assert_string_equal(r.name, "Zone nord  (été)");
    mg_scenario_record_free(&r);

    char *norm = NULL;
    assert_int_equal(mg_storage_scenario_name("  Ça va  ", &norm, &d), 0);
    assert_string_equal(norm, "Ça va");
    free(norm);
    mg_diag_clear(&d);
    assert_int_equal(mg_storage_scenario_name("   ", &norm, &d), MG_EINVAL);
    assert_null(norm);

    /* The other fields. */
    assert_int_equal(save_err(s, 0, "P", "", "[]", &d), MG_EINVAL);
    assert_msg_has(d, "profession");
    assert_int_equal(save_err(s, 0, "P", NULL, "[]", &d), MG_EINVAL);
    memset(name, 'p', 65);
    name[65] = '\0';
    assert_int_equal(save_err(s, 0, "P", name, "[]", &d), MG_EINVAL);
    assert_int_equal(save_err(s, 0, "P", "mg", NULL, &d), MG_EINVAL);
    assert_msg_has(d, "actions_json");
    assert_int_equal(save_err(s, 0, "P", "mg", "[\"\xFF\"]", &d), MG_EUTF8);
    assert_int_equal(save_err(s, -3, "P", "mg", "[]", &d), MG_EINVAL);

    /* Nothing refused was stored. */
    assert_list_count(s, 3);
    mg_db_close(s);
}

static void test_unknown_ids(void **state)
{
    struct fixture *f = *state;
    mg_db *s = test_db_open(f->url, NULL);
    mg_diag d = {{0}};
    mg_scenario_record r;
    int64_t id = save_ok(s, 0, "Seul", "mg", "[]");

    assert_int_equal(mg_storage_scenario_get(s, id + 1000, &r, &d), MG_ENOTFOUND);
    assert_null(r.name);
    assert_msg_has(d, "no scenario");
    mg_diag_clear(&d);
    assert_int_equal(mg_storage_scenario_get(s, 0, &r, &d), MG_ENOTFOUND);
    mg_diag_clear(&d);
    assert_int_equal(mg_storage_scenario_get(s, -1, &r, &d), MG_ENOTFOUND);
    mg_diag_clear(&d);
    assert_int_equal(mg_storage_scenario_delete(s, id + 1000, 0, &d), MG_ENOTFOUND);
    mg_diag_clear(&d);
    assert_int_equal(mg_storage_scenario_delete(s, 0, 0, &d), MG_ENOTFOUND);
    assert_int_equal(save_err(s, id + 1000, "Autre", "mg", "[]", &d), MG_ENOTFOUND);
    assert_msg_has(d, "no scenario");

    /* The failed update inserted nothing and the name stays free. */
    assert_list_count(s, 1);
    save_ok(s, 0, "Autre", "mg", "[]");

    /* NULL arguments are refused, not dereferenced. */
    int64_t got;
    size_t n = 0;
    mg_diag_clear(&d);
    assert_int_equal(mg_storage_scenario_save(s, NULL, 0, &got, &d), MG_EINVAL);
    assert_int_equal(mg_storage_scenario_get(NULL, 1, &r, &d), MG_EINVAL);
    assert_int_equal(mg_storage_scenario_list(s, NULL, &n, &d), MG_EINVAL);
    assert_int_equal(mg_storage_scenario_delete(NULL, 1, 0, &d), MG_EINVAL);
    mg_db_close(NULL);
    mg_scenario_record_free(NULL);
    mg_scenario_record_list_free(NULL, 3);
    mg_db_close(s);
}

static void test_reopen_keeps_data(void **state)
{
    struct fixture *f = *state;
    mg_db *s = test_db_open(f->url, NULL);
    int64_t a = save_ok(s, 0, "Premier", "mg", "[{\"commune\":\"11001\",\"add\":1}]");
    int64_t b = save_ok(s, 0, "Second", "inf", "[]");
    mg_db_close(s);

    via_exec(f->url, "UPDATE schema_migrations SET applied_at = '2020-02-02T02:02:02Z'");

    for (int round = 0; round < 2; round++) {
        s = test_db_open(f->url, NULL);
        mg_diag d = {{0}};
        mg_scenario_record r;
        assert_int_equal(mg_storage_scenario_get(s, a, &r, &d), 0);
        assert_string_equal(r.name, "Premier");
        assert_string_equal(r.actions_json, "[{\"commune\":\"11001\",\"add\":1}]");
        mg_scenario_record_free(&r);
        assert_int_equal(mg_storage_scenario_get(s, b, &r, &d), 0);
        assert_string_equal(r.profession, "inf");
        mg_scenario_record_free(&r);
        mg_db_close(s);
    }

    /* Migrations were not applied again. */
    char buf[64];
    assert_int_equal(via_int(f->url, "SELECT count(*) FROM schema_migrations", NULL, 0),
                     migration_names());
    via_int(f->url, "SELECT min(applied_at) FROM schema_migrations", buf, sizeof buf);
    assert_string_equal(buf, "2020-02-02T02:02:02Z");
}

static void test_future_migration_refused(void **state)
{
    struct fixture *f = *state;
    mg_db *s = test_db_open(f->url, NULL);
    save_ok(s, 0, "Ancien", "mg", "[]");
    mg_db_close(s);

    via_exec(f->url, "INSERT INTO schema_migrations VALUES ('999_from_the_future', "
                     "'2030-01-01T00:00:00Z')");

    mg_diag d = {{0}};
    s = (mg_db *)&d; /* must be reset to NULL */
    assert_int_equal(mg_db_open(&s, f->url, NULL, &d), MG_EINVAL);
    assert_null(s);
    assert_msg_has(d, f->url);
    assert_msg_has(d, "999_from_the_future");
    assert_msg_has(d, "newer");

    /* The refused database was left as it was. */
    assert_int_equal(via_int(f->url, "SELECT count(*) FROM scenarios", NULL, 0), 1);
    assert_int_equal(via_int(f->url, "SELECT count(*) FROM schema_migrations", NULL, 0),
                     migration_names() + 1);
}

static void test_failed_migration_rolled_back(void **state)
{
    struct fixture *f = *state;
    /* A table of that name already exists, with another shape: migration
     * 001 cannot apply. */
    sqlite3 *db = raw_open(f->db);
    raw_exec(db, "CREATE TABLE scenarios (x INTEGER)");
    sqlite3_close(db);

    mg_db *s = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_db_open(&s, f->db, NULL, &d), MG_EINVAL);
    assert_null(s);
    assert_msg_has(d, f->db);
    assert_msg_has(d, "migration 001_scenarios failed");
    assert_msg_has(d, "already exists");

    db = raw_open(f->db);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM schema_migrations"), 0);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_schema "
                                 "WHERE name = 'scenarios_updated'"),
                     0);
    sqlite3_close(db);
}

static void write_bytes(const char *path, const unsigned char *p, size_t n, long at)
{
    FILE *fp = fopen(path, at < 0 ? "wb" : "r+b");
    assert_non_null(fp);
    if (at >= 0)
        assert_int_equal(fseek(fp, at, SEEK_SET), 0);
    assert_int_equal(fwrite(p, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/* A reproducible stream of bytes (xorshift32). */
static void fill_random(unsigned char *p, size_t n, uint32_t seed)
{
    uint32_t x = seed;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (unsigned char)x;
    }
}

static void test_corrupt_files(void **state)
{
    struct fixture *f = *state;
    static unsigned char noise[64 * 1024];
    mg_diag d = {{0}};
    mg_db *s = NULL;

    /* Random bytes. */
    fill_random(noise, sizeof noise, 12345u);
    write_bytes(f->db, noise, sizeof noise, -1);
    assert_int_equal(mg_db_open(&s, f->db, NULL, &d), MG_EPARSE);
    assert_null(s);
    assert_msg_has(d, f->db);
    assert_msg_has(d, "not a database");

    /* A text file. */
    char txt[300];
    snprintf(txt, sizeof txt, "%s/notes.txt", f->dir);
    write_bytes(txt, (const unsigned char *)"hello, world\n", 13, -1);
    mg_diag_clear(&d);
    assert_int_equal(mg_db_open(&s, txt, NULL, &d), MG_EPARSE);
    assert_null(s);
    assert_msg_has(d, "not a database");

    /* A real database whose schema page is then overwritten past the 100
     * byte file header: SQLite sees a database, but a damaged one. */
    char damaged[300];
    snprintf(damaged, sizeof damaged, "%s/damaged.db", f->dir);
    s = test_db_open(damaged, NULL);
    save_ok(s, 0, "X", "mg", "[]");
    mg_db_close(s);
    fill_random(noise, 4000, 777u);
    write_bytes(damaged, noise, 4000, 100);
    mg_diag_clear(&d);
    s = NULL;
    int rc = mg_db_open(&s, damaged, NULL, &d);
    assert_int_not_equal(rc, 0);
    assert_null(s);
    assert_msg_has(d, damaged);
    assert_msg_has(d, "malformed");

    /* An empty file is a new database, as for SQLite. */
    char empty[300];
    snprintf(empty, sizeof empty, "%s/empty.db", f->dir);
    write_bytes(empty, noise, 0, -1);
    s = test_db_open(empty, NULL);
    mg_db_close(s);
}

static void test_open_errors(void **state)
{
    struct fixture *f = *state;
    mg_db *s = NULL;
    mg_diag d = {{0}};
    char path[400];

    snprintf(path, sizeof path, "%s/no/such/folder/x.db", f->dir);
    assert_int_equal(mg_db_open(&s, path, NULL, &d), MG_EIO);
    assert_null(s);
    assert_msg_has(d, path);
    assert_msg_has(d, "cannot open");

    mg_diag_clear(&d);
    assert_int_not_equal(mg_db_open(&s, f->dir, NULL, &d), 0);
    assert_null(s);
    assert_msg_has(d, f->dir);

    mg_diag_clear(&d);
    assert_int_equal(mg_db_open(&s, "", NULL, &d), MG_EINVAL);
    assert_int_equal(mg_db_open(&s, NULL, NULL, &d), MG_EINVAL);
    assert_int_equal(mg_db_open(NULL, f->db, NULL, &d), MG_EINVAL);
}

static void test_memory_database(void **state)
{
    (void)state;
    mg_db *s = test_db_open(":memory:", NULL);
    int64_t id = save_ok(s, 0, "En mémoire", "mg", "[]");
    mg_scenario_record r;
    mg_diag d = {{0}};
    assert_int_equal(mg_storage_scenario_get(s, id, &r, &d), 0);
    assert_string_equal(r.name, "En mémoire");
    mg_scenario_record_free(&r);
    mg_db_close(s);
}

enum { THREADS = 4, SAVES_PER_THREAD = 50, EDITS_PER_EDITOR = 25 };

/* One thread of a concurrency test: body runs with the job's handle. */
struct job {
    void (*body)(struct job *j, mg_db *db);
    mg_db *db; /* shared, or NULL: a handle of its own on url, as another process */
    const char *url;
    int index;
    int64_t id; /* the scenario the editors share */
    int failures;
    char msg[1100]; /* the last failure's */
};

__attribute__((format(printf, 2, 3))) static void job_fail(struct job *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->msg, sizeof j->msg, fmt, ap);
    va_end(ap);
    j->failures++;
}

/* A job's thread: its body with the shared handle, or one of its own
 * (a failure when it cannot be opened). */
static void *job_run(void *arg)
{
    struct job *j = arg;
    mg_diag d = {{0}};
    mg_db *db = j->db;
    if (!db && mg_db_open(&db, j->url, NULL, &d) != 0) {
        job_fail(j, "open: %s", d.msg);
        return NULL;
    }
    j->body(j, db);
    if (!j->db)
        mg_db_close(db);
    return NULL;
}

/* Runs body in THREADS threads (job i numbered i, with the handle and
 * scenario given), waits for them all, and fails the test if any job
 * failed. */
static void run_jobs(void (*body)(struct job *, mg_db *), const char *url, mg_db *shared,
                     int64_t id)
{
    struct job jobs[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (struct job){.body = body, .db = shared, .url = url, .index = i, .id = id};
        assert_int_equal(pthread_create(&t[i], NULL, job_run, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < THREADS; i++)
        if (jobs[i].failures)
            fail_msg("thread %d: %d failures, last: %s", i, jobs[i].failures, jobs[i].msg);
}

/* Saves SAVES_PER_THREAD scenarios, re-reading and updating each, and
 * listing now and then so that reads interleave with the writes. */
static void worker_run(struct job *w, mg_db *s)
{
    mg_diag d = {{0}};
    for (int i = 0; i < SAVES_PER_THREAD; i++) {
        char name[64];
        snprintf(name, sizeof name, "thread %d scenario %d", w->index, i);
        mg_scenario_record r = {.name = name, .profession = "mg", .actions_json = "[]"};
        int64_t id = 0;
        mg_diag_clear(&d);
        if (mg_storage_scenario_save(s, &r, 0, &id, &d) != 0) {
            job_fail(w, "save %s: %s", name, d.msg);
            continue;
        }
        mg_scenario_record back;
        if (mg_storage_scenario_get(s, id, &back, &d) != 0 || strcmp(back.name, name) != 0)
            job_fail(w, "get %s: %s", name, d.msg);
        mg_scenario_record_free(&back);
        r.id = id;
        r.actions_json = "[{\"commune\":\"11069\",\"add\":1}]";
        if (mg_storage_scenario_save(s, &r, 0, &id, &d) != 0)
            job_fail(w, "update %s: %s", name, d.msg);
        if (i % 10 == 0) {
            mg_scenario_record *list = NULL;
            size_t n = 0;
            if (mg_storage_scenario_list(s, &list, &n, &d) != 0)
                job_fail(w, "list: %s", d.msg);
            mg_scenario_record_list_free(list, n);
        }
    }
}

/* Runs the workers and checks that every save landed, once. */
static void run_workers(const char *path, mg_db *shared)
{
    run_jobs(worker_run, path, shared, 0);

    assert_int_equal(via_int(path, "SELECT count(*) FROM scenarios", NULL, 0),
                     THREADS * SAVES_PER_THREAD);
    assert_int_equal(via_int(path, "SELECT count(DISTINCT name) FROM scenarios", NULL, 0),
                     THREADS * SAVES_PER_THREAD);
    assert_int_equal(
        via_int(path, "SELECT count(*) FROM scenarios WHERE actions_json = '[]'", NULL, 0), 0);
    assert_int_equal(via_int(path, "SELECT count(*) FROM schema_migrations", NULL, 0),
                     migration_names());
}

static void test_concurrent_shared_handle(void **state)
{
    struct fixture *f = *state;
    mg_db *s = test_db_open(f->url, NULL);
    run_workers(f->url, s);
    mg_db_close(s);
}

/* Four connections created at once on a file that does not exist yet: the
 * migrations race too, and must be applied exactly once. */
static void test_concurrent_connections(void **state)
{
    struct fixture *f = *state;
    run_workers(f->url, NULL);
}

/* --- Read-modify-write ------------------------------------------------------ */

/* THREADS editors, EDITS_PER_EDITOR edits each. */

/* Appends the action "E<index>.<k>" to the stored JSON array. */
static int append_tag(const mg_scenario_record *cur, void *ctx, char **out, mg_diag *d)
{
    const char *tag = ctx;
    size_t n = strlen(cur->actions_json);
    if (n < 2 || cur->actions_json[n - 1] != ']')
        return mg_diag_set(d, MG_EPARSE, NULL, 0, 0, "not an array: %s", cur->actions_json);
    size_t cap = n + strlen(tag) + 4;
    *out = malloc(cap);
    if (!*out)
        return MG_ENOMEM;
    snprintf(*out, cap, "%.*s%s\"%s\"]", (int)(n - 1), cur->actions_json, n > 2 ? "," : "", tag);
    return 0;
}

static void editor_run(struct job *e, mg_db *db)
{
    mg_diag d = {{0}};
    for (int k = 0; k < EDITS_PER_EDITOR; k++) {
        char tag[32];
        snprintf(tag, sizeof tag, "E%d.%d", e->index, k);
        mg_diag_clear(&d);
        if (mg_storage_scenario_edit(db, e->id, 0, append_tag, tag, &d) != 0)
            job_fail(e, "edit %s: %s", tag, d.msg);
    }
}

/* Every tag of every editor is in the stored list, exactly once. */
static void check_all_tags(mg_db *s, int64_t id)
{
    mg_scenario_record r;
    mg_diag d = {{0}};
    assert_int_equal(mg_storage_scenario_get(s, id, &r, &d), 0);
    int total = 0;
    for (const char *p = r.actions_json; (p = strchr(p, '"')); p = strchr(p + 1, '"') + 1)
        total++;
    assert_int_equal(total, THREADS * EDITS_PER_EDITOR);
    for (int i = 0; i < THREADS; i++)
        for (int k = 0; k < EDITS_PER_EDITOR; k++) {
            char tag[40];
            snprintf(tag, sizeof tag, "\"E%d.%d\"", i, k);
            if (!strstr(r.actions_json, tag))
                fail_msg("action %s was lost: %s", tag, r.actions_json);
        }
    mg_scenario_record_free(&r);
}

static void run_editors(struct fixture *f, int own_handles)
{
    mg_db *s = test_db_open(f->url, NULL);
    int64_t id = save_ok(s, 0, "Partagé", "mg", "[]");
    run_jobs(editor_run, f->url, own_handles ? NULL : s, id);
    check_all_tags(s, id);
    mg_db_close(s);
}

static void test_edit_concurrent_threads(void **state)
{
    run_editors(*state, 0);
}

/* One handle per editor: what two server processes on one database do. */
static void test_edit_concurrent_handles(void **state)
{
    run_editors(*state, 1);
}

static int refuse_edit(const mg_scenario_record *cur, void *ctx, char **out, mg_diag *d)
{
    (void)cur;
    (void)ctx;
    (void)out;
    return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "refusé par l'appelant");
}

static void test_edit_refused_or_missing(void **state)
{
    struct fixture *f = *state;
    mg_db *s = test_db_open(f->url, NULL);
    int64_t id = save_ok(s, 0, "Intact", "mg", "[\"a\"]");
    mg_diag d = {{0}};
    assert_int_equal(mg_storage_scenario_edit(s, id, 0, refuse_edit, NULL, &d), MG_EINVAL);
    assert_string_equal(d.msg, "refusé par l'appelant");
    mg_diag_clear(&d);
    assert_int_equal(mg_storage_scenario_edit(s, id + 99, 0, append_tag, "x", &d), MG_ENOTFOUND);
    mg_scenario_record r;
    assert_int_equal(mg_storage_scenario_get(s, id, &r, &d), 0);
    assert_string_equal(r.actions_json, "[\"a\"]");
    mg_scenario_record_free(&r);
    assert_int_equal(mg_storage_scenario_edit(s, id, 0, append_tag, "b", &d), 0);
    assert_int_equal(mg_storage_scenario_get(s, id, &r, &d), 0);
    assert_string_equal(r.actions_json, "[\"a\",\"b\"]");
    mg_scenario_record_free(&r);
    mg_db_close(s);
}

/* Milliseconds since an arbitrary origin. */
static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/*
 * A write lock held elsewhere (another process's open transaction): a
 * write through the store fails with MG_EBUSY after about the configured
 * wait, not sooner and not much later; reads go on meanwhile; once the lock
 * is gone, the write succeeds.
 */
static void test_busy_database(void **state)
{
    struct fixture *f = *state;
    mg_db_options o = {.busy_ms = 300};
    mg_db *s = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_db_open(&s, f->url, &o, &d), 0);
    int64_t id = save_ok(s, 0, "Verrouillé", "mg", "[]");

    mg_db *other = via_open(f->url);
    mg_db_conn *c = NULL;
    assert_int_equal(mg_db_acquire(other, &c, &d), 0);
    assert_int_equal(mg_db_begin(c, MG_DB_TX_WRITE, &d), 0);
    assert_int_equal(mg_db_exec(c, "UPDATE scenarios SET profession = profession", &d), 0);

    double t0 = now_ms();
    assert_int_equal(mg_storage_scenario_edit(s, id, 0, append_tag, "x", &d), MG_EBUSY);
    double waited = now_ms() - t0;
    assert_true(d.msg[0] != '\0');
    if (waited < 250 || waited > 3000)
        fail_msg("busy after %.0f ms; expected about 300 (%s)", waited, d.msg);

    mg_scenario_record r;
    mg_diag_clear(&d);
    t0 = now_ms();
    assert_int_equal(mg_storage_scenario_get(s, id, &r, &d), 0);
    assert_true(now_ms() - t0 < 250);
    assert_string_equal(r.actions_json, "[]");
    mg_scenario_record_free(&r);

    mg_db_rollback(c);
    mg_db_release(c);
    mg_db_close(other);
    assert_int_equal(mg_storage_scenario_edit(s, id, 0, append_tag, "x", &d), 0);
    mg_db_close(s);
}

/* Every change of a scenario is in the audit trail, in the order made,
 * with the fields that changed, and the chain verifies. */
static void test_audited_changes(void **state)
{
    struct fixture *f = *state;
    mg_db *s = test_db_open(f->url, NULL);
    int64_t id = save_ok(s, 0, "Audité", "mg", "[]");
    save_ok(s, id, "Audité", "inf", "[]");          /* one field changed */
    save_ok(s, id, "Audité", "inf", "[]");          /* nothing changed: no entry */
    mg_diag d = {{0}};
    assert_int_equal(mg_storage_scenario_edit(s, id, 0, append_tag, "a", &d), 0);
    assert_int_equal(mg_storage_scenario_delete(s, id, 0, &d), 0);
    /* A refused edit leaves no trace. */
    int64_t other = save_ok(s, 0, "Autre", "mg", "[]");
    assert_int_equal(mg_storage_scenario_edit(s, other, 0, refuse_edit, NULL, &d), MG_EINVAL);

    mg_audit_record *h = NULL;
    size_t n = 0, total = 0;
    mg_diag_clear(&d);
    assert_int_equal(mg_audit_history(s, "scenario", id, 0, 10, &h, &n, &total, &d), 0);
    assert_int_equal(total, 4);
    /* Newest first: delete, update (actions), update (profession), create. */
    static const char *const verbs[] = {"delete", "update", "update", "create"};
    for (size_t k = 0; k < 4; k++)
        assert_string_equal(h[k].verb, verbs[k]);
    assert_string_equal(h[2].changes[0].field, "profession");
    assert_string_equal(h[2].changes[0].before, "mg");
    assert_string_equal(h[2].changes[0].after, "inf");
    assert_int_equal(h[2].nchanges, 1);
    assert_string_equal(h[1].changes[0].field, "actions_json");
    assert_string_equal(h[1].changes[0].after, "[\"a\"]");
    assert_int_equal(h[3].nchanges, 3);
    mg_audit_records_free(h, n);
    assert_int_equal(mg_audit_history(s, "scenario", other, 0, 10, &h, &n, &total, &d), 0);
    assert_int_equal(total, 1);
    mg_audit_records_free(h, n);

    mg_audit_verdict v;
    assert_int_equal(mg_audit_verify(s, &v, &d), 0);
    assert_int_equal(v.problem, MG_AUDIT_INTACT);
    assert_int_equal(v.entries, 5);
    mg_db_close(s);
}

/* The tests that look inside the SQLite file, or test what only SQLite has. */
#define SQLITE_ONLY(X) \
    X(test_open_creates_and_migrates) \
    X(test_wal_mode) \
    X(test_failed_migration_rolled_back) \
    X(test_corrupt_files) \
    X(test_open_errors) \
    X(test_memory_database)

/* The others, run on both. */
#define BOTH(X) \
    X(test_crud) \
    X(test_list_order) \
    X(test_list_page) \
    X(test_unique_names) \
    X(test_names) \
    X(test_unknown_ids) \
    X(test_reopen_keeps_data) \
    X(test_future_migration_refused) \
    X(test_concurrent_shared_handle) \
    X(test_concurrent_connections) \
    X(test_edit_concurrent_threads) \
    X(test_edit_concurrent_handles) \
    X(test_edit_refused_or_missing) \
    X(test_busy_database) \
    X(test_audited_changes)

int main(void)
{
    const struct CMUnitTest tests[] = {SQLITE_ONLY(TEST_DB_SQLITE) BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
