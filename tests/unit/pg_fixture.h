/*
 * PostgreSQL for the tests that run against both databases. scripts/test.sh
 * starts a throw-away cluster (scripts/pg-test-cluster.sh) and sets
 * MG_TEST_PG_URI to a libpq URI of a database on it; without it, the
 * PostgreSQL group of each test program is skipped with a note.
 *
 * Each program makes databases of its own on that server (ctest runs
 * programs in parallel): one emptied before each test (db_fixture.h), or
 * one a test (test_db.c). Also: connections that bypass the code under
 * test, and opening a database or failing the test. Include after
 * <cmocka.h>.
 */
#ifndef MG_TESTS_PG_FIXTURE_H
#define MG_TESTS_PG_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

/* The URI of the test server, or NULL when PostgreSQL tests are off. */
static inline const char *test_pg_base(void)
{
    const char *u = getenv("MG_TEST_PG_URI");
    return u && u[0] ? u : NULL;
}

/* Opens url without migrating it and takes a connection from it: what
 * someone with access to the database, not going through the code under
 * test, has. Returns the code; close with test_db_raw_close either way. */
static inline int test_db_raw_open(const char *url, mg_db **db, mg_db_conn **c, mg_diag *d)
{
    mg_db_options o = {.no_migrate = 1};
    int rc = mg_db_open(db, url, &o, d);
    if (rc == 0)
        rc = mg_db_acquire(*db, c, d);
    return rc;
}

static inline void test_db_raw_close(mg_db *db, mg_db_conn *c)
{
    mg_db_release(c);
    mg_db_close(db);
}

/* Runs one statement on a raw connection, outside any transaction; returns
 * the code, the message in *d. */
static inline int test_db_raw_exec(const char *url, const char *sql, mg_diag *d)
{
    mg_db *db = NULL;
    mg_db_conn *c = NULL;
    int rc = test_db_raw_open(url, &db, &c, d);
    if (rc == 0)
        rc = mg_db_exec(c, sql, d);
    test_db_raw_close(db, c);
    return rc;
}

/* The same, printing the message on failure. */
static inline int test_pg_exec(const char *url, const char *sql)
{
    mg_diag d = {{0}};
    int rc = test_db_raw_exec(url, sql, &d);
    if (rc)
        fprintf(stderr, "%s: %s\n", sql, d.msg);
    return rc;
}

/* Drops database `name` of the test server, if it is there, ending the
 * connections still open to it. */
static inline int test_pg_drop(const char *name)
{
    char sql[256];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    return test_pg_exec(test_pg_base(), sql);
}

/* Opens a database (migrating it), failing the test with the message if it
 * cannot. */
static inline mg_db *test_db_open(const char *url, const mg_db_options *o)
{
    mg_db *db = NULL;
    mg_diag d = {{0}};
    int rc = mg_db_open(&db, url, o, &d);
    if (rc != 0)
        fail_msg("open %s: %s (%s)", url, mg_strerror(rc), d.msg);
    assert_non_null(db);
    return db;
}

/*
 * Makes database `name` anew on the test server and writes its URI into
 * out: the base URI with its database part replaced. Returns 0, 1 when
 * PostgreSQL tests are off, -1 on failure (message printed).
 */
static inline int test_pg_database(const char *name, char *out, size_t cap)
{
    const char *base = test_pg_base();
    if (!base)
        return 1;
    const char *scheme = strstr(base, "://");
    const char *path = scheme ? strchr(scheme + 3, '/') : NULL;
    if (!path) {
        fprintf(stderr, "MG_TEST_PG_URI %s: expected postgresql://HOST/DATABASE…\n", base);
        return -1;
    }
    const char *after = path + 1 + strcspn(path + 1, "?");
    int n = snprintf(out, cap, "%.*s/%s%s", (int)(path - base), base, name, after);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    if (test_pg_drop(name))
        return -1;
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    return test_pg_exec(base, sql) ? -1 : 0;
}

/* Empties a test database: every table, sequence and index goes. */
static inline int test_pg_reset(const char *url)
{
    return test_pg_exec(url, "DROP SCHEMA public CASCADE") ||
                   test_pg_exec(url, "CREATE SCHEMA public")
               ? -1
               : 0;
}

#endif
