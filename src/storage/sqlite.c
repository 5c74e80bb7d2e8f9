/*
 * The SQLite backend of storage.h.
 *
 * One connection per mg_storage, opened in serialised mode (FULLMUTEX) so
 * that SQLite itself is safe across threads, plus a mutex of our own: a
 * prepared statement is reset, bound, stepped and reset again as one unit,
 * and sqlite3_errmsg must be read before another thread's call replaces it.
 * Statements are prepared once, after the migrations, and reused.
 *
 * The journal is WAL so that readers (page renders) never wait for a writer
 * and several processes can share the file; synchronous=NORMAL is the
 * setting SQLite recommends with WAL (a power cut may lose the last
 * transactions, never corrupt the file); busy_timeout=5000 lets a writer wait
 * for another process's write instead of failing at once.
 */
#include "storage/storage.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "storage/backend.h"
#include "storage/migrations.h"

enum {
    ST_INSERT,
    ST_UPDATE,
    ST_GET,
    ST_LIST,
    ST_DELETE,
    ST_COUNT
};

/* The statements, indexed by the enum above. Columns of ST_GET and ST_LIST
 * are in the order read_record expects. */
static const char *const stmt_sql[ST_COUNT] = {
    [ST_INSERT] = "INSERT INTO scenarios (name, profession, actions_json, created_at, "
                  "updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
    [ST_UPDATE] = "UPDATE scenarios SET name = ?1, profession = ?2, actions_json = ?3, "
                  "updated_at = ?4 WHERE id = ?5",
    [ST_GET] = "SELECT id, name, profession, actions_json, created_at, updated_at "
               "FROM scenarios WHERE id = ?1",
    [ST_LIST] = "SELECT id, name, profession, actions_json, created_at, updated_at "
                "FROM scenarios ORDER BY updated_at DESC, id DESC",
    [ST_DELETE] = "DELETE FROM scenarios WHERE id = ?1",
};

struct sqlite_storage {
    struct mg_storage base; /* first, so that a mg_storage * is one of these */
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_COUNT];
    pthread_mutex_t lock;
    char *path; /* for messages */
};

static struct sqlite_storage *impl(mg_storage *s)
{
    return (struct sqlite_storage *)s;
}

/*
 * The MG_E… code for an SQLite result code: a file that is not a database
 * (or is damaged) does not follow its format; a broken constraint or API
 * misuse is an invalid request; anything else (I/O, locks, permissions, a
 * full disk) is an input/output error.
 */
static int map_rc(int rc)
{
    switch (rc & 0xFF) {
    case SQLITE_NOMEM: return MG_ENOMEM;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return MG_EPARSE;
    case SQLITE_TOOBIG: return MG_ELIMIT;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_MISUSE: return MG_EINVAL;
    default: return MG_EIO;
    }
}

/* Reports the last error of the connection as "PATH: what: sqlite's words"
 * and returns its MG_E… code. Call with the lock held. */
static int db_fail(struct sqlite_storage *st, int rc, const char *what, mg_diag *d)
{
    /* The connection's message is the precise one ("no such table: x"),
     * but only while its error code is still set: after a finalize it may
     * read "not an error", and then the code's generic text is better. */
    const char *msg = st->db && sqlite3_errcode(st->db) != SQLITE_OK ? sqlite3_errmsg(st->db)
                                                                     : sqlite3_errstr(rc);
    return mg_diag_set(d, map_rc(rc), st->path, 0, 0, "%s: %s", what, msg);
}

/*
 * Writes the current time as ISO 8601 UTC with seconds
 * ("2024-05-01T12:34:56Z") into buf. Such strings sort as the instants
 * they name, which the list order relies on.
 */
static int now_iso8601(char buf[static 21])
{
    time_t t = time(NULL);
    struct tm tm;
    if (t == (time_t)-1 || !gmtime_r(&t, &tm))
        return MG_EIO;
    if (strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
        return MG_EIO;
    return 0;
}

/* Runs SQL without results (several statements allowed). */
static int exec_sql(struct sqlite_storage *st, const char *sql, const char *what, mg_diag *d)
{
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_fail(st, rc, what, d);
}

/*
 * Sets the connection's pragmas. journal_mode=WAL answers with the mode now
 * in force, which must be checked: SQLite keeps the old mode silently when
 * it cannot switch (an in-memory database, some network file systems).
 * Reading that answer is also the first access to the file, so a file that
 * is not a database is reported here.
 */
static int set_pragmas(struct sqlite_storage *st, mg_diag *d)
{
    int rc = exec_sql(st, "PRAGMA busy_timeout = 5000", "cannot set busy_timeout", d);
    if (rc)
        return rc;

    sqlite3_stmt *q = NULL;
    int src = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &q, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_step(q);
    if (src != SQLITE_ROW) {
        rc = db_fail(st, src,
                     map_rc(src) == MG_EPARSE ? "not a readable SQLite database"
                                              : "cannot switch the database to WAL mode",
                     d);
        sqlite3_finalize(q);
        return rc;
    }
    const char *mode = (const char *)sqlite3_column_text(q, 0);
    const char *file = sqlite3_db_filename(st->db, "main");
    int in_memory = !file || !file[0];
    int ok = mode && (strcmp(mode, "wal") == 0 || (in_memory && strcmp(mode, "memory") == 0));
    if (!ok)
        rc = mg_diag_set(d, MG_EIO, st->path, 0, 0,
                         "cannot switch the database to WAL mode (journal mode is %s); "
                         "is it on a network file system?",
                         mode ? mode : "unknown");
    sqlite3_finalize(q);
    if (rc)
        return rc;

    rc = exec_sql(st, "PRAGMA synchronous = NORMAL", "cannot set synchronous", d);
    if (rc == 0)
        rc = exec_sql(st, "PRAGMA foreign_keys = ON", "cannot enable foreign keys", d);
    return rc;
}

/* Whether this build embeds a migration of that name. */
static int migration_known(const char *name)
{
    for (size_t i = 0; i < mg_migration_count; i++)
        if (strcmp(mg_migrations[i].name, name) == 0)
            return 1;
    return 0;
}

/*
 * Refuses a database that records a migration this build does not know:
 * it was written by a newer maillage, whose schema this code would misread
 * or damage.
 */
static int check_no_future_migration(struct sqlite_storage *st, mg_diag *d)
{
    sqlite3_stmt *q = NULL;
    int src = sqlite3_prepare_v2(st->db, "SELECT name FROM schema_migrations ORDER BY name",
                                 -1, &q, NULL);
    if (src != SQLITE_OK)
        return db_fail(st, src, "cannot read schema_migrations", d);
    int rc = 0;
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        if (!name) {
            rc = mg_diag_set(d, MG_EPARSE, st->path, 0, 0,
                             "schema_migrations holds a NULL migration name");
            break;
        }
        if (!migration_known(name)) {
            rc = mg_diag_set(d, MG_EINVAL, st->path, 0, 0,
                             "the database has schema migration \"%s\", which this build of "
                             "maillage does not know (the last it knows is \"%s\"): it was "
                             "written by a newer version; use that version or another "
                             "database",
                             name,
                             mg_migration_count ? mg_migrations[mg_migration_count - 1].name
                                                : "none");
            break;
        }
    }
    if (rc == 0 && src != SQLITE_DONE)
        rc = db_fail(st, src, "cannot read schema_migrations", d);
    sqlite3_finalize(q);
    return rc;
}

/* Whether schema_migrations records migration `name` (*yes). */
static int migration_recorded(struct sqlite_storage *st, const char *name, int *yes, mg_diag *d)
{
    sqlite3_stmt *q = NULL;
    int src = sqlite3_prepare_v2(st->db, "SELECT 1 FROM schema_migrations WHERE name = ?1", -1,
                                 &q, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(q);
    int rc = src == SQLITE_ROW || src == SQLITE_DONE
                 ? 0
                 : db_fail(st, src, "cannot read schema_migrations", d);
    sqlite3_finalize(q);
    *yes = src == SQLITE_ROW;
    return rc;
}

/*
 * Applies migration m unless already recorded. A first look outside any
 * transaction keeps the common case (nothing to do) free of write locks.
 * Then the check, the migration and its record are one IMMEDIATE
 * transaction (the write lock is taken at BEGIN, so the busy timeout
 * applies; a deferred BEGIN would fail with "database is locked" when two
 * readers both try to upgrade): two processes opening a new file at once
 * cannot both apply it, and a failing migration leaves nothing behind.
 */
static int apply_migration(struct sqlite_storage *st, const struct mg_migration *m, mg_diag *d)
{
    int done = 0;
    int rc = migration_recorded(st, m->name, &done, d);
    if (rc || done)
        return rc;
    rc = exec_sql(st, "BEGIN IMMEDIATE", "cannot begin a migration transaction", d);
    if (rc)
        return rc;
    rc = migration_recorded(st, m->name, &done, d);
    if (rc)
        goto rollback;
    if (done) { /* applied meanwhile by another connection */
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return 0;
    }

    char *err = NULL;
    int src = sqlite3_exec(st->db, m->sql, NULL, NULL, &err);
    if (src != SQLITE_OK) {
        /* An SQL error means the schema is not what the migration
         * expects; I/O, memory or corruption keep their own codes. */
        int code = (src & 0xFF) == SQLITE_ERROR ? MG_EINVAL : map_rc(src);
        rc = mg_diag_set(d, code, st->path, 0, 0, "migration %s failed and was rolled back: %s",
                         m->name, err ? err : sqlite3_errstr(src));
        sqlite3_free(err);
        goto rollback;
    }

    char stamp[21];
    if (now_iso8601(stamp) != 0) {
        rc = mg_diag_set(d, MG_EIO, st->path, 0, 0, "cannot read the clock");
        goto rollback;
    }
    sqlite3_stmt *q = NULL;
    src = sqlite3_prepare_v2(st->db,
                             "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, ?2)",
                             -1, &q, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(q, 1, m->name, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(q, 2, stamp, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(q);
    sqlite3_finalize(q);
    if (src != SQLITE_DONE) {
        rc = db_fail(st, src, "cannot record a migration", d);
        goto rollback;
    }

    src = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    if (src != SQLITE_OK) {
        rc = mg_diag_set(d, map_rc(src), st->path, 0, 0, "migration %s could not be committed: %s",
                         m->name, sqlite3_errmsg(st->db));
        goto rollback;
    }
    return 0;

rollback:
    /* Harmless if SQLite already rolled back on its own (some errors do). */
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int migrate(struct sqlite_storage *st, mg_diag *d)
{
    int rc = exec_sql(st,
                      "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      "name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
                      "cannot create schema_migrations", d);
    if (rc == 0)
        rc = check_no_future_migration(st, d);
    for (size_t i = 0; rc == 0 && i < mg_migration_count; i++)
        rc = apply_migration(st, &mg_migrations[i], d);
    return rc;
}

static void sqlite_close(mg_storage *s)
{
    struct sqlite_storage *st = impl(s);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    /* Every statement is finalised, so close cannot be refused as busy. */
    sqlite3_close(st->db);
    pthread_mutex_destroy(&st->lock);
    free(st->path);
    free(st);
}

/* Duplicates column col of a row (NOT NULL columns); NULL on exhaustion. */
static char *column_dup(sqlite3_stmt *q, int col)
{
    const unsigned char *t = sqlite3_column_text(q, col);
    if (!t)
        return NULL;
    return mg_strndup((const char *)t, (size_t)sqlite3_column_bytes(q, col));
}

/* Fills *r from the current row of ST_GET or ST_LIST. */
static int read_record(struct sqlite_storage *st, sqlite3_stmt *q, mg_scenario_record *r,
                       mg_diag *d)
{
    r->id = sqlite3_column_int64(q, 0);
    r->name = column_dup(q, 1);
    r->profession = column_dup(q, 2);
    r->actions_json = column_dup(q, 3);
    r->created_at = column_dup(q, 4);
    r->updated_at = column_dup(q, 5);
    if (!r->name || !r->profession || !r->actions_json || !r->created_at || !r->updated_at) {
        mg_scenario_record_free(r);
        return mg_diag_set(d, MG_ENOMEM, st->path, 0, 0, "out of memory reading scenarios");
    }
    return 0;
}

/* Leaves a reused statement ready for the next call, its bound strings
 * released. */
static void stmt_done(sqlite3_stmt *q)
{
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
}

static int sqlite_scenario_save(mg_storage *s, const mg_scenario_record *in, int64_t *id_out,
                                mg_diag *d)
{
    struct sqlite_storage *st = impl(s);
    char stamp[21];
    if (now_iso8601(stamp) != 0)
        return mg_diag_set(d, MG_EIO, st->path, 0, 0, "cannot read the clock");

    pthread_mutex_lock(&st->lock);
    int update = in->id > 0;
    sqlite3_stmt *q = st->stmt[update ? ST_UPDATE : ST_INSERT];
    int src = sqlite3_bind_text(q, 1, in->name, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(q, 2, in->profession, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(q, 3, in->actions_json, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(q, 4, stamp, -1, SQLITE_STATIC);
    if (src == SQLITE_OK && update)
        src = sqlite3_bind_int64(q, 5, in->id);
    if (src == SQLITE_OK)
        src = sqlite3_step(q);

    int rc = 0;
    if (src == SQLITE_DONE) {
        if (!update)
            *id_out = sqlite3_last_insert_rowid(st->db);
        else if (sqlite3_changes(st->db) == 0)
            rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no scenario has id %lld",
                             (long long)in->id);
        else
            *id_out = in->id;
    } else {
        /* A clash on the UNIQUE name, told apart from other constraints
         * (the CHECK on its length) by the extended code. */
        int ext = sqlite3_extended_errcode(st->db);
        if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "un scénario nommé « %s » existe déjà",
                             in->name);
        else
            rc = db_fail(st, src, "cannot save the scenario", d);
    }
    stmt_done(q);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

static int sqlite_scenario_get(mg_storage *s, int64_t id, mg_scenario_record *out, mg_diag *d)
{
    struct sqlite_storage *st = impl(s);
    pthread_mutex_lock(&st->lock);
    sqlite3_stmt *q = st->stmt[ST_GET];
    int rc = 0;
    int src = sqlite3_bind_int64(q, 1, id);
    if (src == SQLITE_OK)
        src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        rc = read_record(st, q, out, d);
    else if (src == SQLITE_DONE)
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no scenario has id %lld", (long long)id);
    else
        rc = db_fail(st, src, "cannot read a scenario", d);
    stmt_done(q);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

static int sqlite_scenario_list(mg_storage *s, mg_scenario_record **out, size_t *n, mg_diag *d)
{
    struct sqlite_storage *st = impl(s);
    mg_scenario_record *list = NULL;
    size_t count = 0, cap = 0;
    int rc = 0, src;

    pthread_mutex_lock(&st->lock);
    sqlite3_stmt *q = st->stmt[ST_LIST];
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            mg_scenario_record *grown = mg_realloc_array(list, ncap, sizeof *grown);
            if (!grown) {
                rc = mg_diag_set(d, MG_ENOMEM, st->path, 0, 0, "out of memory listing scenarios");
                break;
            }
            list = grown;
            cap = ncap;
        }
        memset(&list[count], 0, sizeof list[count]);
        rc = read_record(st, q, &list[count], d);
        if (rc)
            break;
        count++;
    }
    if (rc == 0 && src != SQLITE_DONE)
        rc = db_fail(st, src, "cannot list scenarios", d);
    stmt_done(q);
    pthread_mutex_unlock(&st->lock);

    if (rc) {
        mg_scenario_record_list_free(list, count);
        return rc;
    }
    if (count == 0) {
        free(list);
        list = NULL;
    }
    *out = list;
    *n = count;
    return 0;
}

static int sqlite_scenario_delete(mg_storage *s, int64_t id, mg_diag *d)
{
    struct sqlite_storage *st = impl(s);
    pthread_mutex_lock(&st->lock);
    sqlite3_stmt *q = st->stmt[ST_DELETE];
    int rc = 0;
    int src = sqlite3_bind_int64(q, 1, id);
    if (src == SQLITE_OK)
        src = sqlite3_step(q);
    if (src != SQLITE_DONE)
        rc = db_fail(st, src, "cannot delete a scenario", d);
    else if (sqlite3_changes(st->db) == 0)
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no scenario has id %lld", (long long)id);
    stmt_done(q);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

static const struct mg_storage_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .scenario_save = sqlite_scenario_save,
    .scenario_get = sqlite_scenario_get,
    .scenario_list = sqlite_scenario_list,
    .scenario_delete = sqlite_scenario_delete,
};

int mg_storage_open_sqlite(mg_storage **out, const char *path, mg_diag *d)
{
    if (!out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_storage_open_sqlite: out is NULL");
    *out = NULL;
    if (!path || !path[0])
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "no database path given");
    /* FULLMUTEX is refused by a library built without threads; say so
     * rather than let a later concurrent call corrupt memory. */
    if (!sqlite3_threadsafe())
        return mg_diag_set(d, MG_EINVAL, path, 0, 0,
                           "the SQLite library was built without thread support");

    struct sqlite_storage *st = mg_alloc_array(1, sizeof *st);
    if (!st)
        return mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory opening the database");
    st->base.ops = &sqlite_ops;
    st->path = mg_strdup(path);
    if (!st->path) {
        free(st);
        return mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory opening the database");
    }
    if (pthread_mutex_init(&st->lock, NULL) != 0) {
        free(st->path);
        free(st);
        return mg_diag_set(d, MG_ENOMEM, path, 0, 0, "cannot create a mutex");
    }

    int rc;
    int src = sqlite3_open_v2(path, &st->db,
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                  SQLITE_OPEN_FULLMUTEX,
                              NULL);
    if (src != SQLITE_OK) {
        /* On most failures SQLite still returns a handle holding the
         * message; it is closed with the rest below. */
        rc = st->db ? db_fail(st, src, "cannot open or create the database", d)
                    : mg_diag_set(d, map_rc(src), path, 0, 0,
                                  "cannot open or create the database: %s",
                                  sqlite3_errstr(src));
        goto fail;
    }
    sqlite3_extended_result_codes(st->db, 1);

    rc = set_pragmas(st, d);
    if (rc == 0)
        rc = migrate(st, d);
    for (int i = 0; rc == 0 && i < ST_COUNT; i++) {
        src = sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                 &st->stmt[i], NULL);
        if (src != SQLITE_OK)
            rc = db_fail(st, src, "cannot prepare a statement (is the schema damaged?)", d);
    }
    if (rc)
        goto fail;
    *out = &st->base;
    return 0;

fail:
    sqlite_close(&st->base);
    return rc;
}
