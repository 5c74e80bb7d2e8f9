/*
 * The fixture of the tests run against both databases, each test in a
 * folder of its own: on SQLite it opens DIR/maillage.db, on PostgreSQL the
 * database this program makes on the test server (pg_fixture.h), emptied
 * before each test. Header-only; include after <cmocka.h>.
 *
 *     TEST_DB_FIXTURE("storage")   defines setup, setup_pg and teardown
 *     ...
 *     return test_db_run_groups(tests, pg_tests);   in main()
 */
#ifndef MG_TESTS_DB_FIXTURE_H
#define MG_TESTS_DB_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "db/db.h"
#include "pg_fixture.h"
#include "testutil.h"

/* Each test's folder and database. */
struct fixture {
    char dir[256];
    char db[300];  /* the SQLite file, DIR/maillage.db */
    char url[512]; /* what the test opens: db, or the PostgreSQL database */
    int pg;
};

/* The PostgreSQL database of this program, made by test_db_run_groups. */
static char pg_url[512];

/* Makes the test's folder (/tmp/mg-test-NAME-XXXXXX); with pg set, the test
 * opens pg, emptied first, instead of the SQLite file. */
static inline int test_db_setup(void **state, const char *name, const char *pg)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    if (test_mkdtemp(f->dir, sizeof f->dir, name)) {
        free(f);
        return -1;
    }
    snprintf(f->db, sizeof f->db, "%s/maillage.db", f->dir);
    snprintf(f->url, sizeof f->url, "%s", pg ? pg : f->db);
    f->pg = pg != NULL;
    if (pg && test_pg_reset(pg)) {
        test_remove_tree(f->dir);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static inline int test_db_teardown(void **state)
{
    struct fixture *f = *state;
    test_remove_tree(f->dir);
    free(f);
    return 0;
}

#define TEST_DB_FIXTURE(name)                                                       \
    static const char test_db_name[] = name;                                        \
    static int setup(void **state) { return test_db_setup(state, test_db_name, NULL); } \
    static int setup_pg(void **state)                                               \
    {                                                                               \
        return test_db_setup(state, test_db_name, pg_url);                          \
    }                                                                               \
    static int teardown(void **state) { return test_db_teardown(state); }

/* The entries of the two groups' test arrays, e.g. with an X-macro listing
 * the tests: {TESTS(TEST_DB_SQLITE)} and {TESTS(TEST_DB_PG)}. */
#define TEST_DB_SQLITE(t) cmocka_unit_test_setup_teardown(t, setup, teardown),
#define TEST_DB_PG(t) cmocka_unit_test_setup_teardown(t, setup_pg, teardown),

/* Runs the SQLite group, then, on database mg_test_NAME, the PostgreSQL one,
 * or says why not; returns the number of failures (1 when the database
 * cannot be made). */
static inline int test_db_run_groups_(const char *name, const struct CMUnitTest *tests,
                                      size_t n, const struct CMUnitTest *pg_tests, size_t pg_n)
{
    int failed = _cmocka_run_group_tests("sqlite", tests, n, NULL, NULL);
    char db[64];
    snprintf(db, sizeof db, "mg_test_%s", name);
    int pg = test_pg_database(db, pg_url, sizeof pg_url);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, %zu tests not run there\n", pg_n);
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + _cmocka_run_group_tests("postgresql", pg_tests, pg_n, NULL, NULL);
}

#define test_db_run_groups(tests, pg_tests)                                         \
    test_db_run_groups_(test_db_name, (tests), sizeof(tests) / sizeof((tests)[0]),  \
                        (pg_tests), sizeof(pg_tests) / sizeof((pg_tests)[0]))

#endif
