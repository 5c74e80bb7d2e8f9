/*
 * Tests of the SQL layer (db/db.h), each run against both drivers: SQLite
 * (a new file per test in a mkdtemp folder) and PostgreSQL (a new database
 * per test on the server of MG_TEST_PG_URI, dropped after it; without that
 * variable the PostgreSQL group is skipped with a note).
 *
 * Covered: binds and reads of every type (int64 extremes, doubles exact to
 * the bit with denormals and infinities, multi-byte UTF-8, blobs with NUL
 * bytes, empty text and blobs, NULLs of every type), changed-row counts and
 * RETURNING, reset and misuse, transactions (commit, rollback, a read
 * transaction's snapshot), the transaction runner's retry on a serialisation
 * failure (simulated on both, real on PostgreSQL), constraint errors mapped
 * to reason codes, a write lock held elsewhere (MG_EBUSY after busy_ms),
 * invalid UTF-8, SQL and schema errors, the migrations (idempotent, a newer
 * database refused, concurrent first opens), concurrent read-modify-write
 * transactions losing no update, and, without a database, the parameter
 * scanner, reason names and connection errors that hide passwords.
 *
 * Where the dialects differ on purpose, the test states both behaviours
 * (NaN, -0.0 in a REAL column, a statement failing inside a
 * transaction).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "db/driver.h" /* mg_db_scan_params, MG_DB_MAX_PARAMS */
#include "pg_fixture.h"

TEST_TMPDIR_FIXTURE("db")

/* Fails unless a == b, showing both as signed 64-bit integers. */
#define assert_i64(a, b)                                                                \
    do {                                                                                \
        int64_t a_ = (a), b_ = (b);                                                     \
        if (a_ != b_)                                                                   \
            fail_msg("%s = %" PRId64 ", expected %" PRId64, #a, a_, b_);                \
    } while (0)

/* Fails unless rc is the expected code, showing the message. */
#define assert_rc(rc, want, d)                                                          \
    do {                                                                                \
        int r_ = (rc), w_ = (want);                                                     \
        if (r_ != w_)                                                                   \
            fail_msg("%s = %d (%s), expected %d (%s); message: %s", #rc, r_,            \
                     r_ < 0 ? mg_strerror(r_) : "-", w_, w_ < 0 ? mg_strerror(w_) : "-", \
                     (d).msg);                                                          \
    } while (0)

#define assert_reason(c, want)                                                          \
    do {                                                                                \
        mg_db_reason r_ = mg_db_reason_of(c), w_ = (want);                              \
        if (r_ != w_)                                                                   \
            fail_msg("reason %s, expected %s", mg_db_reason_name(r_),                   \
                     mg_db_reason_name(w_));                                            \
    } while (0)

/* One test's database. */
struct fixture {
    bool pg;
    char url[1024];    /* of the test's database */
    char name[64];     /* PostgreSQL: the database's name */
    char extra[80];    /* PostgreSQL: a second database made by the test, or "" */
    mg_db *db;         /* opened (and migrated) by the setup */
};

/* --- Helpers ------------------------------------------------------------------ */

static mg_db_conn *acquire_ok(mg_db *db)
{
    mg_db_conn *c = NULL;
    mg_diag d = {{0}};
    int rc = mg_db_acquire(db, &c, &d);
    if (rc != 0)
        fail_msg("acquire: %s (%s)", mg_strerror(rc), d.msg);
    return c;
}

static void exec_ok(mg_db_conn *c, const char *sql)
{
    mg_diag d = {{0}};
    int rc = mg_db_exec(c, sql, &d);
    if (rc != 0)
        fail_msg("%s: %s (%s)", sql, mg_strerror(rc), d.msg);
}

static mg_db_stmt *prepare_ok(mg_db_conn *c, const char *sql)
{
    mg_db_stmt *s = NULL;
    mg_diag d = {{0}};
    int rc = mg_db_prepare(c, sql, &s, &d);
    if (rc != 0)
        fail_msg("prepare %s: %s (%s)", sql, mg_strerror(rc), d.msg);
    return s;
}

static void step_expect(mg_db_stmt *s, int want)
{
    mg_diag d = {{0}};
    int rc = mg_db_step(s, &d);
    if (rc != want)
        fail_msg("step = %d (%s), expected %d; message: %s", rc,
                 rc < 0 ? mg_strerror(rc) : rc == MG_DB_ROW ? "row" : "done", want, d.msg);
}

static void begin_ok(mg_db_conn *c, mg_db_tx_kind kind)
{
    mg_diag d = {{0}};
    int rc = mg_db_begin(c, kind, &d);
    if (rc != 0)
        fail_msg("begin: %s (%s)", mg_strerror(rc), d.msg);
}

static void commit_ok(mg_db_conn *c)
{
    mg_diag d = {{0}};
    int rc = mg_db_commit(c, &d);
    if (rc != 0)
        fail_msg("commit: %s (%s)", mg_strerror(rc), d.msg);
}

/* Acquires a connection and runs a first statement on it (most often the
 * test's table). */
static mg_db_conn *acquire_with(mg_db *db, const char *sql)
{
    mg_db_conn *c = acquire_ok(db);
    exec_ok(c, sql);
    return c;
}

/* The single integer a query returns. */
static int64_t query_int(mg_db_conn *c, const char *sql)
{
    mg_db_stmt *s = prepare_ok(c, sql);
    step_expect(s, MG_DB_ROW);
    assert_false(mg_db_column_is_null(s, 0));
    int64_t v = mg_db_column_int64(s, 0);
    step_expect(s, MG_DB_DONE);
    mg_db_finalize(s);
    return v;
}

/* Prepares and steps sql once; returns the first error, or the step's
 * result. PostgreSQL reports errors in the SQL at the first step, SQLite at
 * prepare: callers see the same code and reason either way. */
static int run_sql(mg_db_conn *c, const char *sql, mg_diag *d)
{
    mg_db_stmt *s = NULL;
    int rc = mg_db_prepare(c, sql, &s, d);
    if (rc == 0)
        rc = mg_db_step(s, d);
    mg_db_finalize(s);
    return rc;
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int seq;

/* The URL of a second, new database, not migrated yet. */
static void fresh_url(struct fixture *f, char *out, size_t cap)
{
    if (f->pg) {
        snprintf(f->extra, sizeof f->extra, "%s_x", f->name);
        if (test_pg_database(f->extra, out, cap) != 0)
            fail_msg("cannot create database %s", f->extra);
    } else {
        snprintf(out, cap, "%s/fresh-%d.db", tmpdir, ++seq);
    }
}

/* --- Per-test setup -------------------------------------------------------------- */

static int open_fixture(struct fixture *f)
{
    mg_db_options o = {.busy_ms = 2000};
    mg_diag d = {{0}};
    int rc = mg_db_open(&f->db, f->url, &o, &d);
    if (rc)
        fprintf(stderr, "open %s: %s\n", f->url, d.msg);
    return rc;
}

static int setup_sqlite(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->url, sizeof f->url, "%s/t%d.db", tmpdir, ++seq);
    *state = f;
    return open_fixture(f);
}

static int setup_pg(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->pg = true;
    snprintf(f->name, sizeof f->name, "mg_test_db_%ld_%d", (long)getpid(), ++seq);
    *state = f;
    if (test_pg_database(f->name, f->url, sizeof f->url) != 0)
        return -1;
    return open_fixture(f);
}

static int teardown_each(void **state)
{
    struct fixture *f = *state;
    if (!f)
        return 0;
    mg_db_close(f->db);
    if (f->pg) {
        (void)test_pg_drop(f->name);
        if (f->extra[0])
            (void)test_pg_drop(f->extra);
    }
    free(f);
    return 0;
}

/* --- Without a database ---------------------------------------------------------- */

static void expect_scan(const char *sql, const char *want, int want_n)
{
    char out[256];
    int n = -1;
    int rc = mg_db_scan_params(sql, out, &n);
    if (rc != 0)
        fail_msg("scan \"%s\": %d", sql, rc);
    if (strcmp(out, want) != 0)
        fail_msg("scan \"%s\" gave \"%s\", expected \"%s\"", sql, out, want);
    if (n != want_n)
        fail_msg("scan \"%s\": highest %d, expected %d", sql, n, want_n);
    /* Without an output buffer, the same count. */
    n = -1;
    assert_int_equal(mg_db_scan_params(sql, NULL, &n), 0);
    assert_int_equal(n, want_n);
}

static void test_scan_params(void **state)
{
    (void)state;
    expect_scan("SELECT 1", "SELECT 1", 0);
    expect_scan("SELECT ?1, ?2", "SELECT $1, $2", 2);
    expect_scan("UPDATE t SET a = ?2 WHERE id = ?1 AND b = ?2", "UPDATE t SET a = $2 WHERE id = $1 AND b = $2", 2);
    expect_scan("SELECT ?10, ?32", "SELECT $10, $32", 32);
    /* Inside literals, quoted identifiers and comments, '?' stays. */
    expect_scan("SELECT '?1', \"?2\", ?3", "SELECT '?1', \"?2\", $3", 3);
    expect_scan("SELECT 'it''s ?1', ?2", "SELECT 'it''s ?1', $2", 2);
    expect_scan("SELECT \"a\"\"?1\" FROM t WHERE x = ?1", "SELECT \"a\"\"?1\" FROM t WHERE x = $1", 1);
    expect_scan("SELECT ?1 -- and ?7 here\n, ?2", "SELECT $1 -- and ?7 here\n, $2", 2);
    expect_scan("SELECT ?1 -- ?9 to the end", "SELECT $1 -- ?9 to the end", 1);
    expect_scan("SELECT '€?1', ?1", "SELECT '€?1', $1", 1);
    /* Refused: no number, 0, beyond the limit. */
    int n = 0;
    assert_int_equal(mg_db_scan_params("SELECT ?", NULL, &n), MG_EINVAL);
    assert_int_equal(mg_db_scan_params("SELECT ? + 1", NULL, &n), MG_EINVAL);
    assert_int_equal(mg_db_scan_params("SELECT ?0", NULL, &n), MG_EINVAL);
    assert_int_equal(mg_db_scan_params("SELECT ?33", NULL, &n), MG_EINVAL);
    assert_int_equal(mg_db_scan_params("SELECT ?1, ?99999999999", NULL, &n), MG_EINVAL);
    assert_int_equal(mg_db_scan_params("SELECT ?a", NULL, &n), MG_EINVAL);
}

/* Block comments are comments too (driver.h): a ?N inside is neither
 * rewritten nor counted (PostgreSQL would otherwise be sent parameters the
 * SQL does not use, whose type it cannot determine). */
static void test_scan_params_block_comment(void **state)
{
    (void)state;
    expect_scan("SELECT ?1 /* ?9 */, ?2", "SELECT $1 /* ?9 */, $2", 2);
    expect_scan("SELECT /* it's ?3 */ ?1", "SELECT /* it's ?3 */ $1", 1);
    expect_scan("SELECT ?1 /* unterminated ?4", "SELECT $1 /* unterminated ?4", 1);
}

static void test_reason_names(void **state)
{
    (void)state;
    assert_string_equal(mg_db_reason_name(MG_DB_REASON_UNIQUE), "unique");
    assert_string_equal(mg_db_reason_name(MG_DB_REASON_BUSY), "busy");
    for (int a = MG_DB_REASON_NONE; a <= MG_DB_REASON_OTHER; a++) {
        const char *na = mg_db_reason_name((mg_db_reason)a);
        assert_non_null(na);
        assert_true(na[0] != 0);
        for (int b = a + 1; b <= MG_DB_REASON_OTHER; b++)
            if (strcmp(na, mg_db_reason_name((mg_db_reason)b)) == 0)
                fail_msg("reasons %d and %d are both named %s", a, b, na);
    }
    assert_non_null(mg_db_reason_name((mg_db_reason)999));
}

/* A server that does not exist: MG_EIO, a message naming the database
 * without its password. Needs no server. */
static void test_connect_errors(void **state)
{
    (void)state;
    const char *urls[] = {
        "postgresql://maillage:s3cret-pw@%2Fnonexistent-mg-test/db",
        "postgresql:///db?host=/nonexistent-mg-test&user=maillage&password=s3cret-pw",
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        mg_db *db = NULL;
        mg_diag d = {{0}};
        int rc = mg_db_open(&db, urls[i], NULL, &d);
        assert_rc(rc, MG_EIO, d);
        assert_null(db);
        assert_msg_has(d, "nonexistent-mg-test");
        assert_msg_has(d, "connect");
        if (strstr(d.msg, "s3cret-pw"))
            fail_msg("the password shows in \"%s\"", d.msg);
    }

    /* A file that is not an SQLite database. */
    char path[512];
    char junk[4096];
    memset(junk, 'x', sizeof junk);
    test_write_bytes(path, sizeof path, tmpdir, "junk.db", junk, sizeof junk);
    mg_db *db = NULL;
    mg_diag d = {{0}};
    assert_rc(mg_db_open(&db, path, NULL, &d), MG_EPARSE, d);
    assert_null(db);
    assert_msg_has(d, "junk.db");
}

/* --- Values -------------------------------------------------------------------- */

/* A connection with the values' table: key k, then a column of each type. */
static mg_db_conn *values_table(struct fixture *f)
{
    return acquire_with(f->db, f->pg ? "CREATE TABLE v (k INTEGER PRIMARY KEY, i BIGINT, "
                                       "f DOUBLE PRECISION, s TEXT, b BYTEA)"
                                     : "CREATE TABLE v (k INTEGER PRIMARY KEY, i BIGINT, "
                                       "f DOUBLE PRECISION, s TEXT, b BLOB)");
}

/* Binds value i of vals to ?2: one function a type. */
typedef int (*bind_value_fn)(mg_db_stmt *s, const void *vals, int i);

static int bind_i64_at(mg_db_stmt *s, const void *vals, int i)
{
    return mg_db_bind_int64(s, 2, ((const int64_t *)vals)[i]);
}

static int bind_double_at(mg_db_stmt *s, const void *vals, int i)
{
    return mg_db_bind_double(s, 2, ((const double *)vals)[i]);
}

static int bind_text_at(mg_db_stmt *s, const void *vals, int i)
{
    return mg_db_bind_text(s, 2, ((const char *const *)vals)[i]);
}

struct blob {
    const void *p;
    size_t n;
};

static int bind_blob_at(mg_db_stmt *s, const void *vals, int i)
{
    const struct blob *b = (const struct blob *)vals + i;
    return mg_db_bind_blob(s, 2, b->p, b->n);
}

/* Inserts n rows by sql (?1 the key, k0 + i; ?2 value i of vals), one row
 * changed by each. */
static void insert_values(mg_db_conn *c, const char *sql, int k0, const void *vals, int n,
                          bind_value_fn bind)
{
    mg_db_stmt *ins = prepare_ok(c, sql);
    for (int i = 0; i < n; i++) {
        assert_int_equal(mg_db_bind_int64(ins, 1, k0 + i), 0);
        assert_int_equal(bind(ins, vals, i), 0);
        step_expect(ins, MG_DB_DONE);
        assert_i64(mg_db_changes(ins), 1);
        mg_db_reset(ins);
    }
    mg_db_finalize(ins);
}

/* Binds key k to the query's ?1 and steps to its row, whose first column
 * is not NULL. */
static void fetch_key(mg_db_stmt *q, int64_t k)
{
    assert_int_equal(mg_db_bind_int64(q, 1, k), 0);
    step_expect(q, MG_DB_ROW);
    assert_false(mg_db_column_is_null(q, 0));
}

static void test_int64(void **state)
{
    mg_db_conn *c = values_table(*state);
    const int64_t vals[] = {INT64_MIN, INT64_MIN + 1, -4294967297LL, -1, 0, 1,
                            2147483648LL, 9007199254740993LL, INT64_MAX - 1, INT64_MAX};
    const int nv = (int)(sizeof vals / sizeof vals[0]);
    insert_values(c, "INSERT INTO v (k, i) VALUES (?1, ?2)", 0, vals, nv, bind_i64_at);

    mg_db_stmt *q = prepare_ok(c, "SELECT i FROM v WHERE k = ?1");
    for (int k = 0; k < nv; k++) {
        fetch_key(q, k);
        assert_int_equal(mg_db_column_count(q), 1);
        assert_i64(mg_db_column_int64(q, 0), vals[k]);
        /* The same value as text. */
        char want[32];
        snprintf(want, sizeof want, "%" PRId64, vals[k]);
        assert_string_equal(mg_db_column_text(q, 0), want);
        step_expect(q, MG_DB_DONE);
        mg_db_reset(q);
    }
    mg_db_finalize(q);

    /* Comparisons with a BIGINT column: an integer bind, and a text bind,
     * which the server converts to the column's type. */
    mg_db_stmt *cnt = prepare_ok(c, "SELECT count(*) FROM v WHERE i = ?1");
    assert_int_equal(mg_db_bind_int64(cnt, 1, INT64_MIN), 0);
    step_expect(cnt, MG_DB_ROW);
    assert_i64(mg_db_column_int64(cnt, 0), 1);
    mg_db_reset(cnt);
    assert_int_equal(mg_db_bind_text(cnt, 1, "9223372036854775807"), 0);
    step_expect(cnt, MG_DB_ROW);
    assert_i64(mg_db_column_int64(cnt, 0), 1);
    mg_db_finalize(cnt);
    mg_db_release(c);
}

static void test_double(void **state)
{
    struct fixture *f = *state;
    mg_db_conn *c = values_table(f);
    const double vals[] = {0.1,     -0.1,    1.0 / 3.0, 3.141592653589793, 1e308, -1e308,
                           DBL_MAX, DBL_MIN, 0x1p-1074 /* the smallest denormal */,
                           0x1.fffffffffffffp-1023 /* the largest denormal */,
                           123456789.12345679,     1e-300,   5e-324 * 3, 0.0,
                           INFINITY, -INFINITY, 9007199254740993.0};
    const int nv = (int)(sizeof vals / sizeof vals[0]);
    insert_values(c, "INSERT INTO v (k, f) VALUES (?1, ?2)", 0, vals, nv, bind_double_at);
    mg_db_stmt *ins = prepare_ok(c, "INSERT INTO v (k, f) VALUES (?1, ?2)");
    mg_db_stmt *q = prepare_ok(c, "SELECT f FROM v WHERE k = ?1");
    for (int k = 0; k < nv; k++) {
        fetch_key(q, k);
        double got = mg_db_column_double(q, 0);
        if (memcmp(&got, &vals[k], sizeof got) != 0)
            fail_msg("row %d: %a (%.17g) read back as %a (%.17g)", k, vals[k], vals[k], got, got);
        mg_db_reset(q);
    }

    /* -0.0: PostgreSQL keeps the sign; SQLite stores a REAL with no
     * fractional part as an integer, so it reads back as +0.0. */
    assert_int_equal(mg_db_bind_int64(ins, 1, 100), 0);
    assert_int_equal(mg_db_bind_double(ins, 2, -0.0), 0);
    step_expect(ins, MG_DB_DONE);
    mg_db_reset(ins);
    assert_int_equal(mg_db_bind_int64(q, 1, 100), 0);
    step_expect(q, MG_DB_ROW);
    assert_true(mg_db_column_double(q, 0) == 0.0);
    assert_int_equal(signbit(mg_db_column_double(q, 0)) != 0, f->pg);
    mg_db_reset(q);

    /* NaN: PostgreSQL stores it; SQLite binds it as NULL. */
    assert_int_equal(mg_db_bind_int64(ins, 1, 101), 0);
    assert_int_equal(mg_db_bind_double(ins, 2, NAN), 0);
    step_expect(ins, MG_DB_DONE);
    assert_int_equal(mg_db_bind_int64(q, 1, 101), 0);
    step_expect(q, MG_DB_ROW);
    if (f->pg)
        assert_true(isnan(mg_db_column_double(q, 0)));
    else
        assert_true(mg_db_column_is_null(q, 0));
    mg_db_finalize(q);
    mg_db_finalize(ins);

    /* Random doubles over the whole range, bit for bit. */
    uint64_t seed = 20240611;
    mg_db_stmt *rt = prepare_ok(c, "SELECT CAST(?1 AS DOUBLE PRECISION)");
    for (int i = 0; i < 200; i++) {
        uint64_t bits = rng_next(&seed);
        double x;
        memcpy(&x, &bits, sizeof x);
        if (!isfinite(x) || x == 0.0)
            continue;
        assert_int_equal(mg_db_bind_double(rt, 1, x), 0);
        step_expect(rt, MG_DB_ROW);
        double got = mg_db_column_double(rt, 0);
        if (memcmp(&got, &x, sizeof got) != 0)
            fail_msg("%a (%.17g) came back as %a (%.17g)", x, x, got, got);
        mg_db_reset(rt);
    }
    mg_db_finalize(rt);
    mg_db_release(c);
}

static void test_text_and_blob(void **state)
{
    mg_db_conn *c = values_table(*state);
    const char *texts[] = {"é€𝄞", "", "plain ASCII", "a'quote\"and\\backslash ?1 $1",
                           "Saint-Étienne-de-Tinée — ½ ∞ 日本 🚑", "line\nbreak\ttab"};
    const int nt = (int)(sizeof texts / sizeof texts[0]);
    insert_values(c, "INSERT INTO v (k, s) VALUES (?1, ?2)", 0, texts, nt, bind_text_at);
    mg_db_stmt *q = prepare_ok(c, "SELECT s, length(s) FROM v WHERE k = ?1");
    for (int k = 0; k < nt; k++) {
        fetch_key(q, k);
        assert_string_equal(mg_db_column_text(q, 0), texts[k]);
        mg_db_reset(q);
    }
    /* The server counts characters, not bytes: the text arrived as UTF-8. */
    assert_int_equal(mg_db_bind_int64(q, 1, 0), 0);
    step_expect(q, MG_DB_ROW);
    assert_i64(mg_db_column_int64(q, 1), 3);
    mg_db_finalize(q);

    /* An untyped text parameter read straight back. */
    mg_db_stmt *echo = prepare_ok(c, "SELECT ?1");
    assert_int_equal(mg_db_bind_text(echo, 1, "é€𝄞"), 0);
    step_expect(echo, MG_DB_ROW);
    assert_string_equal(mg_db_column_text(echo, 0), "é€𝄞");
    mg_db_finalize(echo);

    /* Blobs: NUL bytes, every byte value, empty (not NULL), large. */
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    const unsigned char nuls[] = {0, 1, 0, 0xff, 0, '\\', 'x', 0};
    size_t big_n = 300000;
    unsigned char *big = malloc(big_n);
    assert_non_null(big);
    uint64_t seed = 7;
    for (size_t i = 0; i < big_n; i++)
        big[i] = (unsigned char)rng_next(&seed);
    const struct blob blobs[] = {{nuls, sizeof nuls}, {all, sizeof all}, {"", 0}, {big, big_n}};
    const int nb = (int)(sizeof blobs / sizeof blobs[0]);
    insert_values(c, "INSERT INTO v (k, b) VALUES (?1, ?2)", 100, blobs, nb, bind_blob_at);
    q = prepare_ok(c, "SELECT b, b FROM v WHERE k = ?1");
    for (int k = 0; k < nb; k++) {
        fetch_key(q, 100 + k);
        size_t n0 = 999, n1 = 999;
        const void *p0 = mg_db_column_blob(q, 0, &n0);
        const void *p1 = mg_db_column_blob(q, 1, &n1);
        if (n0 != blobs[k].n || n1 != blobs[k].n)
            fail_msg("blob %d: %zu and %zu bytes, expected %zu", k, n0, n1, blobs[k].n);
        /* Both columns' pointers stay valid together until the next step. */
        assert_non_null(p0);
        assert_non_null(p1);
        assert_memory_equal(p0, blobs[k].p, blobs[k].n);
        assert_memory_equal(p1, blobs[k].p, blobs[k].n);
        step_expect(q, MG_DB_DONE);
        mg_db_reset(q);
    }
    mg_db_finalize(q);
    free(big);
    mg_db_release(c);
}

static void test_nulls(void **state)
{
    mg_db_conn *c = values_table(*state);
    /* Row 1: explicit NULL binds of every kind; row 2: NULL pointers to
     * bind_text and bind_blob; row 3: parameters never bound. */
    mg_db_stmt *ins = prepare_ok(c, "INSERT INTO v (k, i, f, s, b) VALUES (?1, ?2, ?3, ?4, ?5)");
    assert_int_equal(mg_db_bind_int64(ins, 1, 1), 0);
    for (int i = 2; i <= 5; i++)
        assert_int_equal(mg_db_bind_null(ins, i), 0);
    step_expect(ins, MG_DB_DONE);
    mg_db_finalize(ins);

    ins = prepare_ok(c, "INSERT INTO v (k, i, f, s, b) VALUES (?1, ?2, ?3, ?4, ?5)");
    assert_int_equal(mg_db_bind_int64(ins, 1, 2), 0);
    assert_int_equal(mg_db_bind_int64(ins, 2, 5), 0);
    assert_int_equal(mg_db_bind_null(ins, 2), 0); /* a later bind replaces */
    assert_int_equal(mg_db_bind_text(ins, 4, NULL), 0);
    assert_int_equal(mg_db_bind_blob(ins, 5, NULL, 0), 0);
    step_expect(ins, MG_DB_DONE);
    mg_db_finalize(ins);

    ins = prepare_ok(c, "INSERT INTO v (k, i, f, s, b) VALUES (?1, ?2, ?3, ?4, ?5)");
    assert_int_equal(mg_db_bind_int64(ins, 1, 3), 0);
    step_expect(ins, MG_DB_DONE);
    mg_db_finalize(ins);

    assert_i64(query_int(c, "SELECT count(*) FROM v WHERE i IS NULL AND f IS NULL AND s IS NULL "
                            "AND b IS NULL"),
               3);
    mg_db_stmt *q = prepare_ok(c, "SELECT i, f, s, b FROM v ORDER BY k");
    for (int row = 0; row < 3; row++) {
        step_expect(q, MG_DB_ROW);
        assert_int_equal(mg_db_column_count(q), 4);
        for (int col = 0; col < 4; col++) {
            assert_true(mg_db_column_is_null(q, col));
            assert_i64(mg_db_column_int64(q, col), 0);
            assert_true(mg_db_column_double(q, col) == 0.0);
            assert_null(mg_db_column_text(q, col));
            size_t n = 77;
            assert_null(mg_db_column_blob(q, col, &n));
            assert_int_equal(n, 0);
        }
        /* A column beyond the row reads as NULL. */
        assert_true(mg_db_column_is_null(q, 4));
        assert_null(mg_db_column_text(q, 4));
    }
    step_expect(q, MG_DB_DONE);
    mg_db_finalize(q);

    /* A NULL parameter whose type the SQL states. */
    q = prepare_ok(c, "SELECT CAST(?1 AS BIGINT), CAST(?2 AS TEXT), CAST(?1 AS BIGINT) IS NULL");
    step_expect(q, MG_DB_ROW);
    assert_true(mg_db_column_is_null(q, 0));
    assert_true(mg_db_column_is_null(q, 1));
    assert_false(mg_db_column_is_null(q, 2));
    mg_db_finalize(q);
    mg_db_release(c);
}

/* Changed rows, RETURNING, several rows, reset with kept binds, misuse. */
static void test_statements(void **state)
{
    struct fixture *f = *state;
    mg_db_conn *c = acquire_with(f->db, "CREATE TABLE r (k INTEGER PRIMARY KEY, n BIGINT NOT NULL)");
    mg_db_stmt *ins = prepare_ok(c, "INSERT INTO r (k, n) VALUES (?1, ?2) RETURNING k, n * 2");
    for (int k = 1; k <= 50; k++) {
        assert_int_equal(mg_db_bind_int64(ins, 1, k), 0);
        assert_int_equal(mg_db_bind_int64(ins, 2, k * 10), 0);
        step_expect(ins, MG_DB_ROW);
        assert_i64(mg_db_column_int64(ins, 0), k);
        assert_i64(mg_db_column_int64(ins, 1), k * 20);
        step_expect(ins, MG_DB_DONE);
        assert_i64(mg_db_changes(ins), 1);
        mg_db_reset(ins);
    }
    mg_db_finalize(ins);

    mg_db_stmt *up = prepare_ok(c, "UPDATE r SET n = n + 1 WHERE k <= ?1");
    assert_int_equal(mg_db_bind_int64(up, 1, 10), 0);
    step_expect(up, MG_DB_DONE);
    assert_i64(mg_db_changes(up), 10);
    /* Stepping after the end is a misuse until reset. */
    mg_diag d = {{0}};
    assert_rc(mg_db_step(up, &d), MG_EINVAL, d);
    assert_reason(c, MG_DB_REASON_MISUSE);
    /* Reset keeps the binds: the same ten rows again. */
    mg_db_reset(up);
    step_expect(up, MG_DB_DONE);
    assert_i64(mg_db_changes(up), 10);
    assert_i64(query_int(c, "SELECT n FROM r WHERE k = 3"), 32);
    assert_i64(query_int(c, "SELECT n FROM r WHERE k = 11"), 110);
    /* Binds out of range. */
    assert_int_equal(mg_db_bind_int64(up, 0, 1), MG_EINVAL);
    assert_int_equal(mg_db_bind_int64(up, 2, 1), MG_EINVAL);
    assert_int_equal(mg_db_bind_text(up, -1, "x"), MG_EINVAL);
    mg_db_finalize(up);

    mg_db_stmt *del = prepare_ok(c, "DELETE FROM r WHERE k > ?1 RETURNING k");
    assert_int_equal(mg_db_bind_int64(del, 1, 45), 0);
    int64_t sum = 0;
    for (int i = 0; i < 5; i++) {
        step_expect(del, MG_DB_ROW);
        sum += mg_db_column_int64(del, 0);
    }
    step_expect(del, MG_DB_DONE);
    assert_i64(sum, 46 + 47 + 48 + 49 + 50);
    assert_i64(mg_db_changes(del), 5);
    mg_db_finalize(del);

    /* Many rows in order. */
    mg_db_stmt *all = prepare_ok(c, "SELECT k, n FROM r ORDER BY k DESC");
    for (int k = 45; k >= 1; k--) {
        step_expect(all, MG_DB_ROW);
        assert_i64(mg_db_column_int64(all, 0), k);
        assert_i64(mg_db_column_int64(all, 1), k * 10 + (k <= 10 ? 2 : 0));
    }
    step_expect(all, MG_DB_DONE);
    mg_db_finalize(all);
    /* A successful exec clears the reason. */
    exec_ok(c, "DELETE FROM r WHERE k = 1");
    assert_reason(c, MG_DB_REASON_NONE);
    mg_db_release(c);
}

/* --- Transactions ------------------------------------------------------------------ */

static void test_commit_rollback(void **state)
{
    struct fixture *f = *state;
    mg_db_conn *a = acquire_with(f->db, "CREATE TABLE t (k INTEGER PRIMARY KEY)");
    mg_db_conn *b = acquire_ok(f->db); /* another connection of the pool */

    begin_ok(a, MG_DB_TX_WRITE);
    exec_ok(a, "INSERT INTO t VALUES (1)");
    exec_ok(a, "INSERT INTO t VALUES (2)");
    commit_ok(a);
    assert_i64(query_int(b, "SELECT count(*) FROM t"), 2);

    begin_ok(a, MG_DB_TX_WRITE);
    exec_ok(a, "INSERT INTO t VALUES (3)");
    assert_i64(query_int(a, "SELECT count(*) FROM t"), 3);
    mg_db_rollback(a);
    assert_i64(query_int(a, "SELECT count(*) FROM t"), 2);
    assert_i64(query_int(b, "SELECT count(*) FROM t"), 2);
    mg_db_rollback(a); /* harmless with none open */

    /* Misuse: commit without a transaction, begin twice. */
    mg_diag d = {{0}};
    assert_rc(mg_db_commit(a, &d), MG_EINVAL, d);
    assert_reason(a, MG_DB_REASON_MISUSE);
    begin_ok(a, MG_DB_TX_READ);
    mg_diag d2 = {{0}};
    assert_rc(mg_db_begin(a, MG_DB_TX_WRITE, &d2), MG_EINVAL, d2);
    mg_db_rollback(a);

    /* A read transaction sees one snapshot. */
    begin_ok(a, MG_DB_TX_READ);
    assert_i64(query_int(a, "SELECT count(*) FROM t"), 2);
    exec_ok(b, "INSERT INTO t VALUES (10)");
    assert_i64(query_int(a, "SELECT count(*) FROM t"), 2);
    commit_ok(a);
    assert_i64(query_int(a, "SELECT count(*) FROM t"), 3);

    /* Released with a transaction open: rolled back. */
    begin_ok(b, MG_DB_TX_WRITE);
    exec_ok(b, "INSERT INTO t VALUES (11)");
    mg_db_release(b);
    assert_i64(query_int(a, "SELECT count(*) FROM t"), 3);
    mg_db_release(a);
}

/*
 * A statement failing inside a transaction: SQLite undoes that statement
 * only and the transaction goes on; PostgreSQL aborts the whole transaction
 * (later statements fail, COMMIT rolls back). Code shared by both must
 * therefore roll back after any failure, as mg_db_transaction does.
 */
static void test_failure_inside_transaction(void **state)
{
    struct fixture *f = *state;
    mg_db_conn *c = acquire_with(f->db, "CREATE TABLE t (k INTEGER PRIMARY KEY)");
    begin_ok(c, MG_DB_TX_WRITE);
    exec_ok(c, "INSERT INTO t VALUES (1)");
    mg_diag d = {{0}};
    assert_rc(mg_db_exec(c, "INSERT INTO t VALUES (1)", &d), MG_EINVAL, d);
    assert_reason(c, MG_DB_REASON_UNIQUE);
    mg_diag d2 = {{0}};
    int rc = mg_db_exec(c, "INSERT INTO t VALUES (2)", &d2);
    mg_diag d3 = {{0}};
    int rc_commit = mg_db_commit(c, &d3);
    if (f->pg) {
        assert_rc(rc, MG_EINVAL, d2);
        assert_rc(rc_commit, MG_EINVAL, d3);
        assert_reason(c, MG_DB_REASON_MISUSE);
        assert_msg_has(d3, "rolled back");
        assert_i64(query_int(c, "SELECT count(*) FROM t"), 0);
    } else {
        assert_rc(rc, 0, d2);
        assert_rc(rc_commit, 0, d3);
        assert_i64(query_int(c, "SELECT count(*) FROM t"), 2);
    }
    mg_db_release(c);
}

/* Runs sql, its ?1 bound to v, to its end; returns the first error, or 0. */
static int exec_int(mg_db_conn *c, const char *sql, int64_t v, mg_diag *d)
{
    mg_db_stmt *s = NULL;
    int rc = mg_db_prepare(c, sql, &s, d);
    if (rc == 0)
        rc = mg_db_bind_int64(s, 1, v);
    if (rc == 0)
        rc = mg_db_step(s, d);
    mg_db_finalize(s);
    return rc < 0 ? rc : 0;
}

/* A counter at 0, for the read-modify-write transactions and the locks. */
static void make_counter(mg_db *db)
{
    mg_db_conn *c =
        acquire_with(db, "CREATE TABLE counter (k INTEGER PRIMARY KEY, n BIGINT NOT NULL)");
    exec_ok(c, "INSERT INTO counter VALUES (1, 0)");
    mg_db_release(c);
}

/* Reads the counter, then writes what it read plus one; between the two,
 * runs between(arg) unless it is NULL. */
static int add_one_between(mg_db_conn *c, void (*between)(void *), void *arg, mg_diag *d)
{
    mg_db_stmt *s = NULL;
    int rc = mg_db_prepare(c, "SELECT n FROM counter WHERE k = 1", &s, d);
    if (rc == 0)
        rc = mg_db_step(s, d);
    int64_t n = rc == MG_DB_ROW ? mg_db_column_int64(s, 0) : 0;
    mg_db_finalize(s);
    if (rc != MG_DB_ROW)
        return rc < 0 ? rc : MG_EIO;
    if (between)
        between(arg);
    return exec_int(c, "UPDATE counter SET n = ?1 WHERE k = 1", n + 1, d);
}

struct retry_ctx {
    int runs;
    int fail_runs; /* runs that end in a (simulated) serialisation failure */
    int base;      /* added to the run's number to make the row's key */
    int other_rc;  /* test_transaction_conflict: the other writer's result */
    mg_db *other;
};

/* Inserts a row numbered by the run, then reports a serialisation failure
 * while runs <= fail_runs (as a driver does when a concurrent transaction
 * won), so that the insert must be rolled back. */
static int simulated_conflict(mg_db_conn *c, void *arg, mg_diag *d)
{
    struct retry_ctx *x = arg;
    x->runs++;
    int rc = exec_int(c, "INSERT INTO t (k) VALUES (?1)", x->base + x->runs, d);
    if (rc < 0)
        return rc;
    if (x->runs <= x->fail_runs)
        return mg_db_fail(c, MG_DB_REASON_SERIALIZATION, d, "simulated conflict, run %d", x->runs);
    return 0;
}

static int duplicate_insert(mg_db_conn *c, void *arg, mg_diag *d)
{
    struct retry_ctx *x = arg;
    x->runs++;
    int rc = mg_db_exec(c, "INSERT INTO t (k) VALUES (500)", d);
    if (rc == 0)
        rc = mg_db_exec(c, "INSERT INTO t (k) VALUES (500)", d);
    return rc;
}

static void test_transaction_retry(void **state)
{
    struct fixture *f = *state;
    mg_db_release(acquire_with(f->db, "CREATE TABLE t (k INTEGER PRIMARY KEY)"));

    /* Two lost runs, then a successful one: only its row remains. */
    struct retry_ctx x = {.fail_runs = 2};
    mg_diag d = {{0}};
    assert_rc(mg_db_transaction(f->db, MG_DB_TX_WRITE, simulated_conflict, &x, &d), 0, d);
    assert_int_equal(x.runs, 3);
    mg_db_conn *c = acquire_ok(f->db);
    assert_i64(query_int(c, "SELECT count(*) FROM t"), 1);
    assert_i64(query_int(c, "SELECT k FROM t"), 3);
    mg_db_release(c);

    /* Always losing: given up after a few runs, within about the busy
     * wait, with MG_EBUSY and the last run's message. */
    mg_db_options o = {.busy_ms = 300};
    mg_db *quick = test_db_open(f->url, &o);
    struct retry_ctx y = {.fail_runs = 1000000, .base = 1000};
    mg_diag d2 = {{0}};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_rc(mg_db_transaction(quick, MG_DB_TX_WRITE, simulated_conflict, &y, &d2), MG_EBUSY, d2);
    double ms = elapsed_ms(&t0);
    mg_db_close(quick);
    if (y.runs < 2 || y.runs > 1000 || ms > 2000)
        fail_msg("gave up after %d runs and %.0f ms", y.runs, ms);
    assert_msg_has(d2, "simulated conflict");

    /* Another failure is not retried, and leaves nothing. */
    struct retry_ctx z = {0};
    mg_diag d3 = {{0}};
    assert_rc(mg_db_transaction(f->db, MG_DB_TX_WRITE, duplicate_insert, &z, &d3), MG_EINVAL, d3);
    assert_int_equal(z.runs, 1);
    c = acquire_ok(f->db);
    assert_i64(query_int(c, "SELECT count(*) FROM t"), 1);
    mg_db_release(c);
}

/*
 * A real conflict: the body reads a counter, another writer changes it,
 * then the body writes what it read plus one. PostgreSQL lets the other
 * writer commit and fails the body's update with a serialisation failure,
 * and the runner runs the body again, which then sees the other's write.
 * SQLite's write transaction holds the write lock from BEGIN, so the other
 * writer is the one that waits, then gives up (MG_EBUSY). No update is
 * lost either way.
 */
/* The other writer adds ten while the first run is between its read and its
 * write. */
static void other_writer(void *arg)
{
    struct retry_ctx *x = arg;
    if (x->runs != 1)
        return;
    mg_db_conn *o = NULL;
    mg_diag od = {{0}};
    x->other_rc = mg_db_acquire(x->other, &o, &od);
    if (x->other_rc == 0)
        x->other_rc = mg_db_exec(o, "UPDATE counter SET n = n + 10 WHERE k = 1", &od);
    mg_db_release(o);
}

static int read_then_write(mg_db_conn *c, void *arg, mg_diag *d)
{
    struct retry_ctx *x = arg;
    x->runs++;
    return add_one_between(c, other_writer, x, d);
}

static void test_transaction_conflict(void **state)
{
    struct fixture *f = *state;
    make_counter(f->db);
    mg_db_options o = {.busy_ms = 200};
    struct retry_ctx x = {.other = test_db_open(f->url, &o)};
    mg_diag d = {{0}};
    assert_rc(mg_db_transaction(f->db, MG_DB_TX_WRITE, read_then_write, &x, &d), 0, d);
    mg_db_conn *c = acquire_ok(f->db);
    if (f->pg) {
        assert_int_equal(x.runs, 2);
        assert_int_equal(x.other_rc, 0);
        assert_i64(query_int(c, "SELECT n FROM counter"), 11);
    } else {
        assert_int_equal(x.runs, 1);
        assert_int_equal(x.other_rc, MG_EBUSY);
        assert_i64(query_int(c, "SELECT n FROM counter"), 1);
    }
    mg_db_release(c);
    mg_db_close(x.other);
}

/* Several threads add one to a counter, each in its own read-modify-write
 * transaction: no update may be lost. */
struct counter_job {
    mg_db *db;
    int ok, busy, other;
    char msg[sizeof(mg_diag)];
};

static int add_one(mg_db_conn *c, void *arg, mg_diag *d)
{
    (void)arg;
    return add_one_between(c, NULL, NULL, d);
}

static void *counter_thread(void *arg)
{
    struct counter_job *j = arg;
    for (int i = 0; i < 25; i++) {
        mg_diag d = {{0}};
        int rc = mg_db_transaction(j->db, MG_DB_TX_WRITE, add_one, NULL, &d);
        if (rc == 0)
            j->ok++;
        else if (rc == MG_EBUSY)
            j->busy++;
        else {
            j->other++;
            snprintf(j->msg, sizeof j->msg, "%s", d.msg);
        }
    }
    return NULL;
}

static void test_concurrent_increments(void **state)
{
    struct fixture *f = *state;
    make_counter(f->db);
    enum { NT = 4 };
    struct counter_job jobs[NT];
    pthread_t th[NT];
    for (int i = 0; i < NT; i++) {
        jobs[i] = (struct counter_job){.db = f->db};
        assert_int_equal(pthread_create(&th[i], NULL, counter_thread, &jobs[i]), 0);
    }
    int ok = 0, busy = 0;
    for (int i = 0; i < NT; i++) {
        pthread_join(th[i], NULL);
        if (jobs[i].other)
            fail_msg("thread %d: unexpected failure: %s", i, jobs[i].msg);
        ok += jobs[i].ok;
        busy += jobs[i].busy;
    }
    mg_db_conn *c = acquire_ok(f->db);
    assert_i64(query_int(c, "SELECT n FROM counter"), ok);
    mg_db_release(c);
    /* Retries make almost every transaction succeed in the end. */
    if (ok < NT * 25 / 2)
        fail_msg("only %d of %d transactions succeeded (%d busy)", ok, NT * 25, busy);
}

/* --- Errors ----------------------------------------------------------------------- */

static void expect_failure(mg_db_conn *c, const char *sql, int code, mg_db_reason reason)
{
    mg_diag d = {{0}};
    int rc = run_sql(c, sql, &d);
    if (rc != code)
        fail_msg("%s: %d (%s), expected %d (%s); message: %s", sql, rc,
                 rc < 0 ? mg_strerror(rc) : "no error", code, mg_strerror(code), d.msg);
    if (mg_db_reason_of(c) != reason)
        fail_msg("%s: reason %s, expected %s; message: %s", sql,
                 mg_db_reason_name(mg_db_reason_of(c)), mg_db_reason_name(reason), d.msg);
    if (!d.msg[0])
        fail_msg("%s: no message", sql);
}

static void test_constraints(void **state)
{
    struct fixture *f = *state;
    mg_db_conn *c = acquire_with(f->db, "CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE)");
    exec_ok(c, "CREATE TABLE child (id INTEGER PRIMARY KEY, "
               "parent_id INTEGER NOT NULL REFERENCES parent (id), "
               "qty BIGINT CHECK (qty >= 0))");
    exec_ok(c, "INSERT INTO parent VALUES (1, 'a')");
    exec_ok(c, "INSERT INTO child VALUES (1, 1, 5)");

    expect_failure(c, "INSERT INTO parent VALUES (1, 'b')", MG_EINVAL, MG_DB_REASON_UNIQUE);
    expect_failure(c, "INSERT INTO parent VALUES (2, 'a')", MG_EINVAL, MG_DB_REASON_UNIQUE);
    expect_failure(c, "INSERT INTO child VALUES (2, NULL, 1)", MG_EINVAL, MG_DB_REASON_NOT_NULL);
    expect_failure(c, "INSERT INTO child VALUES (3, 1, -1)", MG_EINVAL, MG_DB_REASON_CHECK);
    expect_failure(c, "INSERT INTO child VALUES (4, 99, 1)", MG_EINVAL,
                   MG_DB_REASON_FOREIGN_KEY);
    expect_failure(c, "DELETE FROM parent WHERE id = 1", MG_EINVAL, MG_DB_REASON_FOREIGN_KEY);
    expect_failure(c, "UPDATE child SET qty = -5", MG_EINVAL, MG_DB_REASON_CHECK);
    /* Nothing of the failed statements was written. */
    assert_i64(query_int(c, "SELECT count(*) FROM parent"), 1);
    assert_i64(query_int(c, "SELECT count(*) FROM child"), 1);
    assert_i64(query_int(c, "SELECT qty FROM child"), 5);

    /* The same through binds, and the message names the database. */
    mg_db_stmt *s = prepare_ok(c, "INSERT INTO parent (id, code) VALUES (?1, ?2)");
    assert_int_equal(mg_db_bind_int64(s, 1, 7), 0);
    assert_int_equal(mg_db_bind_text(s, 2, "a"), 0);
    mg_diag d = {{0}};
    assert_rc(mg_db_step(s, &d), MG_EINVAL, d);
    assert_reason(c, MG_DB_REASON_UNIQUE);
    assert_msg_has(d, f->pg ? "postgresql://" : f->url);
    mg_db_finalize(s);
    mg_db_release(c);
}

static void test_sql_errors(void **state)
{
    struct fixture *f = *state;
    mg_db_conn *c = acquire_with(f->db, "CREATE TABLE t (k INTEGER PRIMARY KEY)");
    expect_failure(c, "SELEC 1", MG_EINVAL, MG_DB_REASON_SYNTAX);
    expect_failure(c, "SELECT * FROM no_such_table", MG_EINVAL, MG_DB_REASON_SCHEMA);
    expect_failure(c, "SELECT no_such_column FROM t", MG_EINVAL, MG_DB_REASON_SCHEMA);
    expect_failure(c, "CREATE TABLE t (k INTEGER)", MG_EINVAL, MG_DB_REASON_SCHEMA);
    mg_db_stmt *s = NULL;
    mg_diag d = {{0}};
    assert_rc(mg_db_prepare(c, "SELECT ?0", &s, &d), MG_EINVAL, d);
    assert_null(s);
    assert_reason(c, MG_DB_REASON_SYNTAX);
    /* The connection is still usable. */
    assert_i64(query_int(c, "SELECT count(*) FROM t"), 0);
    mg_db_release(c);
}

/*
 * Invalid UTF-8 in a text bind is refused by the bind itself, with
 * MG_EUTF8, on both drivers (PostgreSQL would refuse it at the step,
 * SQLite would store it): nothing reaches the table, and valid text beside
 * it still goes in.
 */
static void test_invalid_utf8(void **state)
{
    struct fixture *f = *state;
    mg_db_conn *c = acquire_with(f->db, "CREATE TABLE t (k INTEGER PRIMARY KEY, s TEXT)");
    const char *bad[] = {"\xff\xfe", "abc\xc3", "\xc0\xaf", "\xed\xa0\x80" /* a surrogate */};
    for (int i = 0; i < 4; i++) {
        mg_db_stmt *s = prepare_ok(c, "INSERT INTO t (k, s) VALUES (?1, ?2)");
        assert_int_equal(mg_db_bind_int64(s, 1, i), 0);
        assert_int_equal(mg_db_bind_text(s, 2, bad[i]), MG_EUTF8);
        mg_db_finalize(s);
    }
    assert_i64(query_int(c, "SELECT count(*) FROM t"), 0);
    mg_db_stmt *s = prepare_ok(c, "INSERT INTO t (k, s) VALUES (?1, ?2)");
    assert_int_equal(mg_db_bind_int64(s, 1, 9), 0);
    assert_int_equal(mg_db_bind_text(s, 2, "\xc3\xa9t\xc3\xa9"), 0);
    step_expect(s, MG_DB_DONE);
    mg_db_finalize(s);
    assert_i64(query_int(c, "SELECT count(*) FROM t"), 1);
    mg_db_release(c);
}

/* A write lock held by another handle (another process, in effect): the
 * second writer waits busy_ms, then fails with MG_EBUSY and reason BUSY. */
static void test_busy(void **state)
{
    struct fixture *f = *state;
    make_counter(f->db);

    mg_db_options o = {.busy_ms = 200};
    mg_db *db1 = test_db_open(f->url, &o);
    mg_db *db2 = test_db_open(f->url, &o);
    mg_db_conn *a = acquire_ok(db1);
    mg_db_conn *b = acquire_ok(db2);
    begin_ok(a, MG_DB_TX_WRITE);
    exec_ok(a, "UPDATE counter SET n = 1 WHERE k = 1");

    /* SQLite refuses BEGIN IMMEDIATE; PostgreSQL the update of the locked
     * row. */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    mg_diag d = {{0}};
    int rc = mg_db_begin(b, MG_DB_TX_WRITE, &d);
    if (rc == 0)
        rc = mg_db_exec(b, "UPDATE counter SET n = 2 WHERE k = 1", &d);
    double ms = elapsed_ms(&t0);
    assert_rc(rc, MG_EBUSY, d);
    assert_reason(b, MG_DB_REASON_BUSY);
    if (ms < 150 || ms > 3000)
        fail_msg("gave up after %.0f ms, expected about 200", ms);
    mg_db_rollback(b);

    /* Once the lock is released, the second writer gets through. */
    commit_ok(a);
    begin_ok(b, MG_DB_TX_WRITE);
    exec_ok(b, "UPDATE counter SET n = n + 2 WHERE k = 1");
    commit_ok(b);
    assert_i64(query_int(a, "SELECT n FROM counter"), 3);
    mg_db_release(a);
    mg_db_release(b);
    mg_db_close(db1);
    mg_db_close(db2);
}

/* PostgreSQL: a connection the server ends (a restart, an administrator)
 * fails with MG_EIO and reason CONNECTION, and is closed when released
 * rather than pooled: the next acquire gets a working one. */
static void test_connection_lost(void **state)
{
    struct fixture *f = *state;
    assert_true(f->pg); /* an SQLite connection cannot be lost */
    mg_db_conn *a = acquire_ok(f->db);
    mg_db_conn *b = acquire_ok(f->db);
    int64_t pid = query_int(a, "SELECT pg_backend_pid()");
    mg_db_stmt *s = prepare_ok(b, "SELECT pg_terminate_backend(CAST(?1 AS INTEGER))");
    assert_int_equal(mg_db_bind_int64(s, 1, pid), 0);
    step_expect(s, MG_DB_ROW);
    mg_db_finalize(s);
    mg_db_release(b);

    mg_diag d = {{0}};
    /* The server may take a moment to end the backend. */
    int rc = 0;
    for (int i = 0; i < 100 && rc == 0; i++) {
        rc = run_sql(a, "SELECT 1", &d);
        rc = rc == MG_DB_ROW ? 0 : rc;
        if (rc == 0)
            nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    assert_rc(rc, MG_EIO, d);
    assert_reason(a, MG_DB_REASON_CONNECTION);
    mg_db_release(a);

    /* Every connection of the pool works again (the lost one is gone). */
    mg_db_conn *c1 = acquire_ok(f->db);
    mg_db_conn *c2 = acquire_ok(f->db);
    assert_i64(query_int(c1, "SELECT 1"), 1);
    assert_i64(query_int(c2, "SELECT 2"), 2);
    assert_true(query_int(c1, "SELECT pg_backend_pid()") != pid);
    assert_true(query_int(c2, "SELECT pg_backend_pid()") != pid);
    mg_db_release(c1);
    mg_db_release(c2);
}

/* --- Migrations --------------------------------------------------------------------- */

static void test_migrations(void **state)
{
    struct fixture *f = *state;
    mg_db_conn *c = acquire_ok(f->db);
    int64_t applied = query_int(c, "SELECT count(*) FROM schema_migrations");
    assert_true(applied >= 1);
    assert_i64(query_int(c, "SELECT count(*) FROM schema_migrations WHERE name = "
                            "'001_scenarios'"),
               1);
    /* The first migration's table is there. */
    assert_i64(query_int(c, "SELECT count(*) FROM scenarios"), 0);
    mg_db_release(c);

    /* Opening again applies nothing. */
    mg_db *again = test_db_open(f->url, NULL);
    c = acquire_ok(again);
    assert_i64(query_int(c, "SELECT count(*) FROM schema_migrations"), applied);
    /* A newer maillage recorded a migration this build does not know. */
    exec_ok(c, "INSERT INTO schema_migrations (name, applied_at) "
               "VALUES ('999_future', '2099-01-01T00:00:00Z')");
    mg_db_release(c);
    mg_db_close(again);

    mg_db *db = NULL;
    mg_diag d = {{0}};
    assert_rc(mg_db_open(&db, f->url, NULL, &d), MG_EINVAL, d);
    assert_null(db);
    assert_msg_has(d, "999_future");

    /* Without migrations, the database opens (the runner's tests). */
    mg_db_options o = {.no_migrate = 1};
    db = test_db_open(f->url, &o);
    mg_db_close(db);
}

struct open_job {
    const char *url;
    int rc;
    char msg[sizeof(mg_diag)];
};

static void *open_thread(void *arg)
{
    struct open_job *j = arg;
    mg_db *db = NULL;
    mg_diag d = {{0}};
    j->rc = mg_db_open(&db, j->url, NULL, &d);
    snprintf(j->msg, sizeof j->msg, "%s", d.msg);
    mg_db_close(db);
    return NULL;
}

/* Several processes (threads here, each with its own handle) start on a
 * new database at once: each migration is applied once, none fails. */
static void test_concurrent_first_open(void **state)
{
    struct fixture *f = *state;
    char url[1024];
    fresh_url(f, url, sizeof url);
    enum { NT = 6 };
    struct open_job jobs[NT];
    pthread_t th[NT];
    for (int i = 0; i < NT; i++) {
        jobs[i] = (struct open_job){.url = url};
        assert_int_equal(pthread_create(&th[i], NULL, open_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < NT; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < NT; i++)
        if (jobs[i].rc != 0)
            fail_msg("open %d: %s (%s)", i, mg_strerror(jobs[i].rc), jobs[i].msg);
    mg_db *db = test_db_open(url, NULL);
    mg_db_conn *c = acquire_ok(db);
    mg_db_conn *ref = acquire_ok(f->db);
    assert_i64(query_int(c, "SELECT count(*) FROM schema_migrations"),
               query_int(ref, "SELECT count(*) FROM schema_migrations"));
    mg_db_release(ref);
    mg_db_release(c);
    mg_db_close(db);
}

/* --- Main ------------------------------------------------------------------------------ */

#define BOTH(X)                                                                          \
    X(test_int64)                                                                        \
    X(test_double)                                                                       \
    X(test_text_and_blob)                                                                \
    X(test_nulls)                                                                        \
    X(test_statements)                                                                   \
    X(test_commit_rollback)                                                              \
    X(test_failure_inside_transaction)                                                   \
    X(test_transaction_retry)                                                            \
    X(test_transaction_conflict)                                                         \
    X(test_concurrent_increments)                                                        \
    X(test_constraints)                                                                  \
    X(test_sql_errors)                                                                   \
    X(test_invalid_utf8)                                                                 \
    X(test_busy)                                                                         \
    X(test_migrations)                                                                   \
    X(test_concurrent_first_open)

/* What only PostgreSQL can do. */
#define PG_ONLY(X) X(test_connection_lost)

#define SQLITE_TEST(t) cmocka_unit_test_setup_teardown(t, setup_sqlite, teardown_each),
#define PG_TEST(t) cmocka_unit_test_setup_teardown(t, setup_pg, teardown_each),

int main(void)
{
    const struct CMUnitTest common[] = {
        cmocka_unit_test(test_scan_params),
        cmocka_unit_test(test_scan_params_block_comment),
        cmocka_unit_test(test_reason_names),
        cmocka_unit_test(test_connect_errors),
    };
    const struct CMUnitTest sqlite[] = {BOTH(SQLITE_TEST)};
    const struct CMUnitTest pg[] = {BOTH(PG_TEST) PG_ONLY(PG_TEST)};

    int failed = cmocka_run_group_tests_name("db", common, setup, teardown);
    failed += cmocka_run_group_tests_name("db-sqlite", sqlite, setup, teardown);
    if (test_pg_base())
        failed += cmocka_run_group_tests_name("db-postgresql", pg, setup, teardown);
    else
        printf("[  SKIPPED ] db-postgresql: MG_TEST_PG_URI is not set (scripts/test.sh sets it; "
               "or scripts/pg-test-cluster.sh start DIR)\n");
    return failed;
}
