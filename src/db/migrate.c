/*
 * Migrations: the numbered SQL files of src/db/migrations/, embedded at
 * build time, applied in order to a database that lacks them and recorded
 * in schema_migrations (name, applied_at). The same runner serves both
 * dialects; a migration is taken from its dialect's file when it has one
 * (NNN_name.sqlite.sql, NNN_name.pgsql.sql), else from NNN_name.sql.
 *
 * Each migration is one write transaction that first takes the driver's
 * migration lock, then checks again whether it is recorded: two processes
 * starting on a new database at once cannot both apply it, and a failing
 * migration leaves nothing behind (PostgreSQL's DDL is transactional;
 * SQLite's too). A first look outside any transaction keeps the common case,
 * nothing to do, free of write locks.
 */
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/driver.h"
#include "db/migrations.h"

/* The suffix of this connection's dialect in migration file names. */
static const char *dialect_of(const mg_db_conn *c)
{
    return c->drv == &mg_db_driver_pgsql ? "pgsql" : "sqlite";
}

/* The SQL of migration `name` for the dialect, or NULL when it has none. */
static const char *migration_sql(const char *name, const char *dialect)
{
    const char *shared = NULL;
    for (size_t i = 0; i < mg_migration_count; i++) {
        if (strcmp(mg_migrations[i].name, name) != 0)
            continue;
        if (strcmp(mg_migrations[i].dialect, dialect) == 0)
            return mg_migrations[i].sql;
        if (!mg_migrations[i].dialect[0])
            shared = mg_migrations[i].sql;
    }
    return shared;
}

static int migration_known(const char *name)
{
    for (size_t i = 0; i < mg_migration_count; i++)
        if (strcmp(mg_migrations[i].name, name) == 0)
            return 1;
    return 0;
}

static const char *last_known(void)
{
    return mg_migration_count ? mg_migrations[mg_migration_count - 1].name : "none";
}

/* Whether schema_migrations records `name` (*yes). */
static int recorded(mg_db_conn *c, const char *name, int *yes, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare(c, "SELECT 1 FROM schema_migrations WHERE name = ?1", &q, d);
    if (rc == 0)
        rc = mg_db_bind_text(q, 1, name);
    if (rc == 0)
        rc = mg_db_step(q, d);
    *yes = rc == MG_DB_ROW;
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

/*
 * Refuses a database recording a migration this build does not know: it
 * was written by a newer maillage, whose schema this code would misread or
 * damage.
 */
static int check_no_future(mg_db_conn *c, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare(c, "SELECT name FROM schema_migrations ORDER BY name", &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        const char *name = mg_db_column_text(q, 0);
        if (!name) {
            rc = mg_db_fail(c, MG_DB_REASON_CORRUPT, d,
                            "schema_migrations holds a NULL migration name");
            break;
        }
        if (!migration_known(name)) {
            rc = mg_db_fail(c, MG_DB_REASON_SCHEMA, d,
                            "the database has schema migration \"%s\", which this build of "
                            "maillage does not know (the last it knows is \"%s\"): it was "
                            "written by a newer version; use that version or another database",
                            name, last_known());
            break;
        }
        rc = 0;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

/* Creates schema_migrations when missing, under the migration lock. A
 * first read tells whether it exists, so that an ordinary start takes no
 * write lock. */
static int create_table(mg_db_conn *c, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    mg_diag probe = {{0}};
    int rc = mg_db_prepare(c, "SELECT count(*) FROM schema_migrations", &q, &probe);
    if (rc == 0)
        rc = mg_db_step(q, &probe);
    mg_db_finalize(q);
    if (rc == MG_DB_ROW)
        return 0;
    if (mg_db_reason_of(c) != MG_DB_REASON_SCHEMA) {
        if (d && !d->msg[0])
            *d = probe;
        return rc < 0 ? rc : MG_EIO;
    }
    rc = mg_db_begin(c, MG_DB_TX_WRITE, d);
    if (rc == 0)
        rc = c->drv->migration_lock(c, d);
    if (rc == 0)
        rc = mg_db_exec(c,
                        "CREATE TABLE IF NOT EXISTS schema_migrations ("
                        "name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
                        d);
    if (rc == 0)
        return mg_db_commit(c, d);
    mg_db_rollback(c);
    return rc;
}

static int apply(mg_db_conn *c, const char *name, mg_diag *d)
{
    int done = 0;
    int rc = recorded(c, name, &done, d);
    if (rc || done)
        return rc;
    const char *sql = migration_sql(name, dialect_of(c));
    if (!sql)
        return mg_db_fail(c, MG_DB_REASON_SCHEMA, d,
                          "migration %s has no version for %s (expected %s.sql or %s.%s.sql)",
                          name, c->drv->name, name, name, dialect_of(c));

    rc = mg_db_begin(c, MG_DB_TX_WRITE, d);
    if (rc == 0)
        rc = c->drv->migration_lock(c, d);
    if (rc == 0)
        rc = recorded(c, name, &done, d);
    if (rc == 0 && !done) {
        mg_diag inner = {{0}};
        rc = mg_db_exec(c, sql, &inner);
        if (rc) {
            /* The message names the migration; the reason stays the driver's. */
            char text[sizeof inner.msg];
            const char *label = mg_db_label(c->db);
            size_t n = strlen(label);
            const char *words = strncmp(inner.msg, label, n) == 0 && inner.msg[n] == ':'
                                    ? inner.msg + n + 2
                                    : inner.msg;
            snprintf(text, sizeof text, "%s", words);
            mg_db_rollback(c);
            return mg_db_fail(c, c->reason, d, "migration %s failed and was rolled back: %s",
                              name, text);
        }
        char stamp[MG_DB_TIMESTAMP_SIZE];
        if (mg_db_timestamp(stamp, NULL)) /* a clock that cannot be read: record the epoch */
            snprintf(stamp, sizeof stamp, "1970-01-01T00:00:00Z");
        mg_db_stmt *q = NULL;
        rc = mg_db_prepare(c, "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, ?2)",
                           &q, d);
        if (rc == 0)
            rc = mg_db_bind_text(q, 1, name);
        if (rc == 0)
            rc = mg_db_bind_text(q, 2, stamp);
        if (rc == 0)
            rc = mg_db_step(q, d);
        mg_db_finalize(q);
        if (rc == MG_DB_DONE)
            rc = 0;
    }
    if (rc == 0)
        return mg_db_commit(c, d);
    mg_db_rollback(c);
    return rc < 0 ? rc : mg_db_fail(c, MG_DB_REASON_OTHER, d, "migration %s: unexpected row", name);
}

int mg_db_migrate(mg_db *db, mg_db_conn *c, mg_diag *d);

int mg_db_migrate(mg_db *db, mg_db_conn *c, mg_diag *d)
{
    (void)db;
    int rc = create_table(c, d);
    if (rc == 0)
        rc = check_no_future(c, d);
    for (size_t i = 0; rc == 0 && i < mg_migration_count; i++) {
        /* Both dialects' files of one migration are adjacent: apply once. */
        if (i > 0 && strcmp(mg_migrations[i].name, mg_migrations[i - 1].name) == 0)
            continue;
        rc = apply(c, mg_migrations[i].name, d);
    }
    return rc;
}
