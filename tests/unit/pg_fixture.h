/*
 * PostgreSQL for the tests that run against both databases. scripts/test.sh
 * starts a throw-away cluster (scripts/pg-test-cluster.sh) and sets
 * MG_TEST_PG_URI to a libpq URI of a database on it; without it, the
 * PostgreSQL group of each test program is skipped with a note.
 *
 * Each program makes a database of its own on that server (ctest runs
 * programs in parallel) and empties it before each test.
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

/* Runs one statement on a database, outside any transaction; returns the
 * code and prints the message on failure. */
static inline int test_pg_exec(const char *url, const char *sql)
{
    mg_db_options o = {.no_migrate = 1};
    mg_db *db = NULL;
    mg_db_conn *c = NULL;
    mg_diag d = {{0}};
    int rc = mg_db_open(&db, url, &o, &d);
    if (rc == 0)
        rc = mg_db_acquire(db, &c, &d);
    if (rc == 0)
        rc = mg_db_exec(c, sql, &d);
    mg_db_release(c);
    mg_db_close(db);
    if (rc)
        fprintf(stderr, "%s: %s\n", sql, d.msg);
    return rc;
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
    char sql[256];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
    if (test_pg_exec(base, sql))
        return -1;
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
