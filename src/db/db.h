/**
 * @file db.h
 * The SQL layer: one small interface over two drivers, SQLite (the
 * embedded default) and PostgreSQL through libpq, so that domain modules
 * (scenarios today; contracts, funding, booking… next) write their SQL once
 * and run on either. Modelled on the shape of Dovecot's lib-sql: a database
 * handle, a private table of driver operations, prepared statements with
 * positional binds, explicit transactions, and errors that carry a reason
 * code beside the driver's own words.
 *
 * SQL text is the common subset of the two dialects, with parameters
 * written ?1, ?2, … (the PostgreSQL driver rewrites them to $1, $2, …
 * outside string literals). New rows report their id with RETURNING, which
 * both accept. Where the dialects differ in DDL, the migration has one file
 * per dialect (src/db/migrations/NNN_name.sqlite.sql, NNN_name.pgsql.sql).
 *
 * Threads: an mg_db is a pool of connections and may be used from any
 * number of threads. A connection (mg_db_conn) belongs to one thread from
 * mg_db_acquire to mg_db_release; statements belong to their connection.
 * No lock of ours is held while the database itself makes a caller wait
 * (a write lock held elsewhere): only the short pool bookkeeping is locked.
 *
 * Busy databases: a write that cannot get its lock within the configured
 * wait (mg_db_options.busy_ms) fails with MG_EBUSY and reason
 * MG_DB_REASON_BUSY, which the web layer answers with 503 + Retry-After.
 *
 * Where the drivers still differ (tests/unit/test_db.c pins each): a
 * failed statement inside a transaction undoes only itself on SQLite but
 * aborts the whole transaction on PostgreSQL, so code for both rolls back
 * after any error (mg_db_transaction does); errors in the SQL itself appear
 * at mg_db_prepare on SQLite, at the first mg_db_step on PostgreSQL; a NaN
 * double is stored as NULL by SQLite; -0.0 comes back as +0.0 from SQLite;
 * a blob read as text is its bytes on SQLite, "\x…" hex on PostgreSQL.
 *
 * Errors follow core/error.h: 0 or a negative MG_E… code, the message in
 * the mg_diag ("DATABASE: what: driver's words"); the reason code of the
 * last error of a connection is mg_db_reason(conn).
 */
#ifndef MG_DB_DB_H
#define MG_DB_DB_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct mg_db mg_db;
typedef struct mg_db_conn mg_db_conn;
typedef struct mg_db_stmt mg_db_stmt;

/** Why a database call failed, whichever the driver. */
typedef enum mg_db_reason {
    MG_DB_REASON_NONE = 0,
    MG_DB_REASON_UNIQUE,      /* a UNIQUE or PRIMARY KEY constraint */
    MG_DB_REASON_FOREIGN_KEY, /* a FOREIGN KEY constraint */
    MG_DB_REASON_NOT_NULL,    /* a NOT NULL constraint */
    MG_DB_REASON_CHECK,       /* a CHECK constraint */
    MG_DB_REASON_BUSY,        /* a lock held elsewhere outlasted the wait */
    MG_DB_REASON_SERIALIZATION, /* a concurrent transaction won; retry the whole transaction */
    MG_DB_REASON_CONNECTION,  /* cannot connect, or the connection was lost */
    MG_DB_REASON_SCHEMA,      /* the schema is not as expected (no such table, newer migration) */
    MG_DB_REASON_SYNTAX,      /* the SQL itself is wrong: a bug of ours */
    MG_DB_REASON_TYPE,        /* a value of the wrong type or range for its column */
    MG_DB_REASON_IO,          /* a full disk, a permission, a read error */
    MG_DB_REASON_CORRUPT,     /* not a database, or a damaged one */
    MG_DB_REASON_NOMEM,
    MG_DB_REASON_MISUSE,      /* a call out of order (step after done, bind out of range) */
    MG_DB_REASON_OTHER,
} mg_db_reason;

/** A short English name of a reason ("unique", "busy", …), never NULL. */
const char *mg_db_reason_name(mg_db_reason r);

/** How durably a commit is made before it is acknowledged. */
typedef enum mg_db_durability {
    /* Survives a crash of the process (kill -9, a segfault), not
     * necessarily a power cut: SQLite WAL with synchronous=NORMAL. On
     * PostgreSQL the server's settings decide (its defaults survive both). */
    MG_DB_DURABLE_PROCESS = 0,
    /* Survives a power cut too: synchronous=FULL (an fsync per commit). */
    MG_DB_DURABLE_POWER,
} mg_db_durability;

typedef struct mg_db_options {
    unsigned busy_ms;       /* longest wait for a lock held elsewhere; 0: 2000 */
    unsigned pool_max;      /* connections kept at most; 0: 16 (":memory:" uses 1) */
    mg_db_durability durability;
    int no_migrate;         /* open without applying migrations (tests of the runner) */
} mg_db_options;

/**
 * Opens the database named by `url`: "postgresql://…" or "postgres://…"
 * (a libpq connection URI) for PostgreSQL, anything else as the path of an
 * SQLite file (created if needed; "sqlite:PATH" is also accepted; ":memory:"
 * is a private in-memory database for tests). Connects once to check it,
 * then applies the migrations of this build that the database lacks, each
 * in its own transaction, serialised between processes; a database that
 * records a migration this build does not know (written by a newer
 * maillage) is refused with MG_EINVAL. `o` may be NULL for the defaults.
 * Errors: MG_EIO / MG_EPARSE (cannot connect or open; not a database),
 * MG_EINVAL (newer schema, failed migration, bad options), MG_ENOMEM.
 */
int mg_db_open(mg_db **out, const char *url, const mg_db_options *o, mg_diag *d) MG_WARN_UNUSED;

/** Closes every connection and frees db. All connections must have been
 * released. NULL is accepted. */
void mg_db_close(mg_db *db);

/** "sqlite" or "postgresql". */
const char *mg_db_dialect(const mg_db *db);

/** The database as given, with any password masked: for messages. */
const char *mg_db_label(const mg_db *db);

/**
 * A connection of the pool for this thread's unit of work, opened when none
 * is idle. When pool_max connections are all in use, waits at most busy_ms
 * for one, then fails with MG_EBUSY.
 */
int mg_db_acquire(mg_db *db, mg_db_conn **out, mg_diag *d) MG_WARN_UNUSED;

/** Gives a connection back (a transaction still open is rolled back; a
 * connection that failed is closed rather than reused). NULL accepted. */
void mg_db_release(mg_db_conn *c);

/** The reason of the connection's last failed call (NONE after success). */
mg_db_reason mg_db_reason_of(const mg_db_conn *c);

/* --- Transactions ---------------------------------------------------------- */

typedef enum mg_db_tx_kind {
    MG_DB_TX_READ,  /* a consistent view for several reads */
    MG_DB_TX_WRITE, /* a read-modify-write: serialisable, the write lock taken
                       at BEGIN on SQLite (BEGIN IMMEDIATE) */
} mg_db_tx_kind;

int mg_db_begin(mg_db_conn *c, mg_db_tx_kind kind, mg_diag *d) MG_WARN_UNUSED;
int mg_db_commit(mg_db_conn *c, mg_diag *d) MG_WARN_UNUSED;
/** Rolls back the open transaction; harmless when none is open. */
void mg_db_rollback(mg_db_conn *c);

/** The body of a transaction: runs its statements on c, returns 0 or an
 * MG_E… code (any failure rolls the whole transaction back). */
typedef int (*mg_db_tx_fn)(mg_db_conn *c, void *ctx, mg_diag *d);

/**
 * Runs fn in one transaction of `kind` on a connection of the pool:
 * acquire, begin, fn, commit, release. When the database reports a
 * serialisation failure (a concurrent transaction won), the whole
 * transaction, fn included, is run again after a growing pause, for as
 * long as busy_ms allows (then MG_EBUSY): fn must
 * therefore only touch the database and its own ctx, and reset what it
 * fills in ctx at each run. A lock held elsewhere past busy_ms gives
 * MG_EBUSY.
 */
int mg_db_transaction(mg_db *db, mg_db_tx_kind kind, mg_db_tx_fn fn, void *ctx,
                      mg_diag *d) MG_WARN_UNUSED;

/* --- Statements ------------------------------------------------------------ */

/**
 * Prepares sql (one statement; parameters ?1…?N, N ≤ 32). The statement is
 * the caller's until mg_db_finalize, and must be finalised before its
 * connection is released.
 */
int mg_db_prepare(mg_db_conn *c, const char *sql, mg_db_stmt **out, mg_diag *d) MG_WARN_UNUSED;
void mg_db_finalize(mg_db_stmt *s);

/* Binds parameter i (1-based). Text and blobs are copied. Each returns 0 or
 * MG_EINVAL (index out of range) / MG_ENOMEM; text that is not UTF-8 is
 * refused with MG_EUTF8 on both drivers. A parameter not bound is NULL.
 * PostgreSQL infers an untyped text or NULL parameter's type from where it
 * stands: one that stands alone (?1 IS NULL) must be written
 * CAST(?1 AS type), which both dialects accept. */
int mg_db_bind_null(mg_db_stmt *s, int i);
int mg_db_bind_int64(mg_db_stmt *s, int i, int64_t v);
int mg_db_bind_double(mg_db_stmt *s, int i, double v);
int mg_db_bind_text(mg_db_stmt *s, int i, const char *v); /* NULL binds NULL; UTF-8 */
int mg_db_bind_blob(mg_db_stmt *s, int i, const void *v, size_t n);

/** The results of mg_db_step besides errors. */
enum { MG_DB_DONE = 0, MG_DB_ROW = 1 };

/**
 * Runs the statement (at the first call) and moves to the next row:
 * MG_DB_ROW with a row to read, MG_DB_DONE at the end, or a negative MG_E…
 * code (MG_EINVAL for a broken constraint, MG_EBUSY, MG_EIO…; the reason
 * is mg_db_reason_of(conn)).
 */
int mg_db_step(mg_db_stmt *s, mg_diag *d) MG_WARN_UNUSED;

/** Makes the statement ready to run again with new binds (binds are kept). */
void mg_db_reset(mg_db_stmt *s);

/** Rows changed by the last INSERT/UPDATE/DELETE run through s. */
int64_t mg_db_changes(const mg_db_stmt *s);

/* Columns of the current row, 0-based. A NULL reads as 0, 0.0, NULL text
 * or a NULL blob of size 0. Text and blob pointers are valid until the next
 * step, reset or finalize. */
int mg_db_column_count(const mg_db_stmt *s);
int mg_db_column_is_null(const mg_db_stmt *s, int col);
int64_t mg_db_column_int64(const mg_db_stmt *s, int col);
double mg_db_column_double(const mg_db_stmt *s, int col);
const char *mg_db_column_text(const mg_db_stmt *s, int col);
const void *mg_db_column_blob(const mg_db_stmt *s, int col, size_t *n);

/** The current time as stored by every table ("2024-05-01T12:34:56Z", ISO
 * 8601 UTC to the second: such strings sort as the instants they name).
 * MG_EIO when the clock cannot be read. */
#define MG_DB_TIMESTAMP_SIZE 21
int mg_db_timestamp(char out[static MG_DB_TIMESTAMP_SIZE], mg_diag *d) MG_WARN_UNUSED;

/** Runs SQL without parameters and without rows (DDL, SET…). */
int mg_db_exec(mg_db_conn *c, const char *sql, mg_diag *d) MG_WARN_UNUSED;

/* --- Statements with their parameters bound in one call (params.c) --------
 *
 * What every domain module's SQL needs around the calls above: a list of
 * parameters written inline, MG_DB_PARAMS(MG_DB_INT(id), MG_DB_TEXT(name)),
 * bound to ?1…?N by one call. */

typedef struct mg_db_param {
    enum { MG_DB_P_NULL, MG_DB_P_INT, MG_DB_P_TEXT, MG_DB_P_REAL, MG_DB_P_BLOB } kind;
    int64_t i;
    const char *s; /* TEXT (NULL binds NULL), BLOB bytes */
    double r;      /* REAL: a NaN binds NULL */
    size_t n;      /* BLOB size */
} mg_db_param;

#define MG_DB_INT(v) ((mg_db_param){.kind = MG_DB_P_INT, .i = (v)})
#define MG_DB_TEXT(v) ((mg_db_param){.kind = MG_DB_P_TEXT, .s = (v)})
#define MG_DB_REAL(v) ((mg_db_param){.kind = MG_DB_P_REAL, .r = (v)})
#define MG_DB_BLOB(p, len) ((mg_db_param){.kind = MG_DB_P_BLOB, .s = (const char *)(p), .n = (len)})
#define MG_DB_NULL ((mg_db_param){.kind = MG_DB_P_NULL})
/* The array and count of a list of parameters, for the functions below. */
#define MG_DB_PARAMS(...)                                                              \
    (const mg_db_param[]){__VA_ARGS__},                                                \
        sizeof((const mg_db_param[]){__VA_ARGS__}) / sizeof(mg_db_param)
#define MG_DB_NO_PARAMS NULL, 0

/** Prepares sql on c and binds p[0..n) to ?1..?n (n <= 32). */
int mg_db_prepare_with(mg_db_conn *c, const char *sql, const mg_db_param *p, size_t n,
                       mg_db_stmt **out, mg_diag *d) MG_WARN_UNUSED;

/** Runs a statement to its end (rows it returns are read and dropped);
 * *changes (may be NULL) receives the rows it changed. */
int mg_db_run(mg_db_conn *c, const char *sql, const mg_db_param *p, size_t n, int64_t *changes,
              mg_diag *d) MG_WARN_UNUSED;

/** Runs a statement whose first row's first column is an integer into
 * *out: MG_ENOTFOUND when there is no row (nothing in d). An INSERT …
 * RETURNING is run to its end. */
int mg_db_query_int(mg_db_conn *c, const char *sql, const mg_db_param *p, size_t n,
                    int64_t *out, mg_diag *d) MG_WARN_UNUSED;

/** Copies column col of the current row into out (cap bytes, cut on a
 * character boundary; "" for NULL). */
void mg_db_column_copy(const mg_db_stmt *q, int col, char *out, size_t cap);

#endif
