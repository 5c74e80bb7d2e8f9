/*
 * The SQLite driver of the SQL layer.
 *
 * Each pooled connection is its own sqlite3 handle, opened without
 * SQLite's own mutex (SQLITE_OPEN_NOMUTEX): the pool hands a connection to
 * one thread at a time, so no lock is needed around it, and two requests
 * never wait for each other inside this process.
 *
 * Settings of every connection: WAL journal, so that readers never wait
 * for a writer and several processes share the file; synchronous=NORMAL
 * (a commit survives a crash of the process, since it is in the WAL file
 * before it is acknowledged; a power cut may lose the last ones, never
 * corrupt the file) or FULL (an fsync of the WAL at each commit, for
 * MG_DB_DURABLE_POWER); foreign keys enforced; busy_timeout = the pool's
 * busy wait, after which a writer gets SQLITE_BUSY, reported as
 * MG_DB_REASON_BUSY. Write transactions are BEGIN IMMEDIATE: the write lock
 * is taken at BEGIN, where the busy timeout applies, rather than at the
 * first write, where two readers upgrading at once would deadlock.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "db/driver.h"

typedef struct sqlite_conn {
    struct mg_db_conn base; /* first */
    sqlite3 *h;
} sqlite_conn;

typedef struct sqlite_stmt {
    struct mg_db_stmt base; /* first */
    sqlite3_stmt *q;
    bool bound; /* the common binds were handed to SQLite */
} sqlite_stmt;

static sqlite3 *handle(const mg_db_conn *c)
{
    return ((const sqlite_conn *)c)->h;
}

static sqlite3_stmt *query(const mg_db_stmt *s)
{
    return ((const sqlite_stmt *)s)->q;
}

/* The reason of an SQLite result code (extended codes are on). SQLITE_ERROR
 * covers both a wrong schema and a wrong statement: the message tells. */
static mg_db_reason reason_of(int rc, const char *msg)
{
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return MG_DB_REASON_UNIQUE;
    case SQLITE_CONSTRAINT_FOREIGNKEY: return MG_DB_REASON_FOREIGN_KEY;
    case SQLITE_CONSTRAINT_NOTNULL: return MG_DB_REASON_NOT_NULL;
    case SQLITE_CONSTRAINT_CHECK: return MG_DB_REASON_CHECK;
    case SQLITE_BUSY_SNAPSHOT: return MG_DB_REASON_SERIALIZATION;
    default: break;
    }
    switch (rc & 0xFF) {
    case SQLITE_CONSTRAINT: return MG_DB_REASON_CHECK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return MG_DB_REASON_BUSY;
    case SQLITE_NOMEM: return MG_DB_REASON_NOMEM;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return MG_DB_REASON_CORRUPT;
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE: return MG_DB_REASON_TYPE;
    case SQLITE_MISUSE: return MG_DB_REASON_MISUSE;
    case SQLITE_SCHEMA: return MG_DB_REASON_SCHEMA;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH: return MG_DB_REASON_IO;
    case SQLITE_ERROR:
        if (msg && (strncmp(msg, "no such table", 13) == 0 ||
                    strncmp(msg, "no such column", 14) == 0 ||
                    strstr(msg, "already exists")))
            return MG_DB_REASON_SCHEMA;
        return MG_DB_REASON_SYNTAX;
    default: return MG_DB_REASON_OTHER;
    }
}

/* Reports the connection's last error as "what: sqlite's words". */
static int fail(mg_db_conn *c, int rc, const char *what, mg_diag *d)
{
    sqlite3 *h = handle(c);
    /* The connection's message is the precise one ("no such table: x"),
     * but only while its error code is still set; else the code's text. */
    int ext = h && sqlite3_errcode(h) != SQLITE_OK ? sqlite3_extended_errcode(h) : rc;
    const char *msg = h && sqlite3_errcode(h) != SQLITE_OK ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
    return mg_db_fail(c, reason_of(ext, msg), d, "%s: %s", what, msg);
}

static int exec(mg_db_conn *c, const char *sql, mg_diag *d)
{
    int rc = sqlite3_exec(handle(c), sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail(c, rc, "cannot run SQL", d);
}

/*
 * journal_mode=WAL answers with the mode now in force, which must be
 * checked: SQLite keeps the old mode silently when it cannot switch (an
 * in-memory database, some network file systems). Reading that answer is
 * also the first access to the file, so a file that is not a database is
 * reported here.
 */
static int set_wal(mg_db_conn *c, mg_diag *d)
{
    sqlite3 *h = handle(c);
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(h, "PRAGMA journal_mode = WAL", -1, &q, NULL);
    /* While another connection switches a new file to WAL, SQLite answers
     * SQLITE_BUSY at once, without calling the busy handler: wait here,
     * within the same bound. */
    const mg_db_options *o = mg_db_opts(c->db);
    for (unsigned waited = 0; rc == SQLITE_OK || (rc & 0xFF) == SQLITE_BUSY; waited += 10) {
        if (rc != SQLITE_OK) {
            if (waited >= o->busy_ms)
                break;
            sqlite3_reset(q);
            sqlite3_sleep(10);
        }
        rc = sqlite3_step(q);
        if ((rc & 0xFF) != SQLITE_BUSY)
            break;
    }
    if (rc != SQLITE_ROW) {
        int err = fail(c, rc, "not a readable SQLite database, or cannot switch it to WAL", d);
        sqlite3_finalize(q);
        return err;
    }
    const char *mode = (const char *)sqlite3_column_text(q, 0);
    const char *file = sqlite3_db_filename(h, "main");
    int in_memory = !file || !file[0];
    int ok = mode && (strcmp(mode, "wal") == 0 || (in_memory && strcmp(mode, "memory") == 0));
    int err = ok ? 0
                 : mg_db_fail(c, MG_DB_REASON_IO, d,
                              "cannot switch the database to WAL mode (journal mode is %s); "
                              "is it on a network file system?",
                              mode ? mode : "unknown");
    sqlite3_finalize(q);
    return err;
}

static void sq_disconnect(mg_db_conn *c)
{
    if (!c)
        return;
    /* Every statement is finalised by then, so close cannot be refused. */
    sqlite3_close(handle(c));
    free(c);
}

/* SQLite counts the memory it allocates under one global mutex unless
 * told not to (SQLITE_CONFIG_MEMSTATUS): every request's statements then
 * queued on that lock across threads. Set once, before SQLite starts. */
static void sqlite_configure(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sq_connect(mg_db *db, mg_db_conn **out, mg_diag *d)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_configure);
    const mg_db_options *o = mg_db_opts(db);
    const char *path = mg_db_target(db);
    sqlite_conn *sc = mg_alloc_array(1, sizeof *sc);
    if (!sc)
        return mg_diag_set(d, MG_ENOMEM, mg_db_label(db), 0, 0, "out of memory connecting");
    mg_db_conn *c = &sc->base;
    c->drv = &mg_db_driver_sqlite;
    c->db = db;

    int rc = sqlite3_open_v2(path, &sc->h,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        int err = sc->h ? fail(c, rc, "cannot open or create the database", d)
                        : mg_db_fail(c, reason_of(rc, NULL), d,
                                     "cannot open or create the database: %s", sqlite3_errstr(rc));
        sq_disconnect(c);
        return err;
    }
    sqlite3_extended_result_codes(sc->h, 1);
    sqlite3_busy_timeout(sc->h, (int)o->busy_ms);
    int err = set_wal(c, d);
    if (err == 0)
        err = exec(c,
                   o->durability == MG_DB_DURABLE_POWER ? "PRAGMA synchronous = FULL"
                                                        : "PRAGMA synchronous = NORMAL",
                   d);
    if (err == 0)
        err = exec(c, "PRAGMA foreign_keys = ON", d);
    if (err) {
        sq_disconnect(c);
        return err;
    }
    *out = c;
    return 0;
}

static int sq_begin(mg_db_conn *c, mg_db_tx_kind kind, mg_diag *d)
{
    return exec(c, kind == MG_DB_TX_WRITE ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", d);
}

static int sq_commit(mg_db_conn *c, mg_diag *d)
{
    return exec(c, "COMMIT", d);
}

static void sq_rollback(mg_db_conn *c)
{
    /* Harmless if SQLite already rolled back on its own (some errors do). */
    if (!sqlite3_get_autocommit(handle(c)))
        sqlite3_exec(handle(c), "ROLLBACK", NULL, NULL, NULL);
}

static int sq_migration_lock(mg_db_conn *c, mg_diag *d)
{
    (void)c;
    (void)d;
    return 0; /* BEGIN IMMEDIATE already holds the only write lock */
}

static int sq_prepare(mg_db_conn *c, const char *sql, int nparams, mg_db_stmt **out, mg_diag *d)
{
    (void)nparams;
    sqlite_stmt *s = mg_alloc_array(1, sizeof *s);
    if (!s)
        return mg_db_fail(c, MG_DB_REASON_NOMEM, d, "out of memory preparing a statement");
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(handle(c), sql, -1, &s->q, &tail);
    if (rc != SQLITE_OK) {
        free(s);
        return fail(c, rc, "cannot prepare a statement", d);
    }
    if (!s->q) {
        free(s);
        return mg_db_fail(c, MG_DB_REASON_SYNTAX, d, "no statement in \"%.60s\"", sql);
    }
    if (tail && tail[strspn(tail, " \t\r\n;")]) {
        sqlite3_finalize(s->q);
        free(s);
        return mg_db_fail(c, MG_DB_REASON_SYNTAX, d, "more than one statement in \"%.60s\"", sql);
    }
    *out = &s->base;
    return 0;
}

static void sq_finalize(mg_db_stmt *s)
{
    sqlite3_finalize(query(s));
    free(s);
}

static int bind_all(mg_db_stmt *s, mg_diag *d)
{
    sqlite3_stmt *q = query(s);
    for (int i = 0; i < s->nparams; i++) {
        const mg_db_value *v = &s->param[i];
        int rc;
        switch (v->type) {
        case MG_DB_V_INT: rc = sqlite3_bind_int64(q, i + 1, v->i); break;
        case MG_DB_V_DOUBLE: rc = sqlite3_bind_double(q, i + 1, v->f); break;
        case MG_DB_V_TEXT: rc = sqlite3_bind_text64(q, i + 1, v->p, v->n, SQLITE_STATIC, SQLITE_UTF8); break;
        case MG_DB_V_BLOB: rc = sqlite3_bind_blob64(q, i + 1, v->p, v->n, SQLITE_STATIC); break;
        default: rc = sqlite3_bind_null(q, i + 1); break;
        }
        if (rc != SQLITE_OK)
            return fail(s->conn, rc, "cannot bind a parameter", d);
    }
    return 0;
}

static int sq_step(mg_db_stmt *s, mg_diag *d)
{
    sqlite_stmt *ss = (sqlite_stmt *)s;
    if (!ss->bound) {
        int err = bind_all(s, d);
        if (err)
            return err;
        ss->bound = true;
    }
    int rc = sqlite3_step(ss->q);
    if (rc == SQLITE_ROW)
        return MG_DB_ROW;
    if (rc == SQLITE_DONE) {
        s->changes = sqlite3_stmt_readonly(ss->q) ? 0 : sqlite3_changes64(handle(s->conn));
        return MG_DB_DONE;
    }
    return fail(s->conn, rc, "cannot run a statement", d);
}

static void sq_reset(mg_db_stmt *s)
{
    sqlite_stmt *ss = (sqlite_stmt *)s;
    sqlite3_reset(ss->q);
    sqlite3_clear_bindings(ss->q);
    ss->bound = false;
    s->changes = 0;
}

static int sq_column_count(const mg_db_stmt *s)
{
    return sqlite3_data_count(query(s));
}

static int sq_column_is_null(const mg_db_stmt *s, int col)
{
    return sqlite3_column_type(query(s), col) == SQLITE_NULL;
}

static int64_t sq_column_int64(const mg_db_stmt *s, int col)
{
    return sqlite3_column_int64(query(s), col);
}

static double sq_column_double(const mg_db_stmt *s, int col)
{
    return sqlite3_column_double(query(s), col);
}

static const char *sq_column_text(const mg_db_stmt *s, int col)
{
    return (const char *)sqlite3_column_text(query(s), col);
}

static const void *sq_column_blob(const mg_db_stmt *s, int col, size_t *n)
{
    sqlite3_stmt *q = query(s);
    const void *p = sqlite3_column_blob(q, col);
    *n = (size_t)sqlite3_column_bytes(q, col);
    /* An empty blob reads as a NULL pointer in SQLite; tell it from NULL. */
    if (!p && sqlite3_column_type(q, col) != SQLITE_NULL)
        p = "";
    return p;
}

const struct mg_db_driver mg_db_driver_sqlite = {
    .name = "sqlite",
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .exec = exec,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .migration_lock = sq_migration_lock,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .step = sq_step,
    .reset = sq_reset,
    .column_count = sq_column_count,
    .column_is_null = sq_column_is_null,
    .column_int64 = sq_column_int64,
    .column_double = sq_column_double,
    .column_text = sq_column_text,
    .column_blob = sq_column_blob,
};
