/*
 * Internal to the SQL layer: what a driver implements (driver_sqlite.c,
 * driver_pgsql.c) and what the common code (db.c) offers the drivers.
 *
 * The common code owns the pool, the transaction runner, the migrations,
 * argument checks and the binds: a bind stores its value in the statement's
 * param[] (copied), and the driver hands them to its library when the
 * statement is first stepped. A driver's connection and statement are its
 * own larger structures whose first member is struct mg_db_conn /
 * struct mg_db_stmt (as sqlite3_file is extended by each VFS).
 *
 * Every failing driver call reports through mg_db_fail, which records the
 * reason on the connection, maps it to an MG_E… code and prefixes the
 * message with the database's label.
 */
#ifndef MG_DB_DRIVER_H
#define MG_DB_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"

#define MG_DB_MAX_PARAMS 32

typedef enum mg_db_vtype {
    MG_DB_V_NULL = 0,
    MG_DB_V_INT,
    MG_DB_V_DOUBLE,
    MG_DB_V_TEXT,
    MG_DB_V_BLOB,
} mg_db_vtype;

typedef struct mg_db_value {
    mg_db_vtype type;
    int64_t i;
    double f;
    char *p;  /* text (NUL-terminated) or blob, malloc'ed */
    size_t n; /* bytes of text (without NUL) or blob */
} mg_db_value;

struct mg_db_conn {
    const struct mg_db_driver *drv;
    mg_db *db;
    mg_db_reason reason; /* of the last failed call */
    bool broken;         /* lost or unusable: closed at release, not pooled */
    bool in_tx;          /* a transaction is open */
    struct mg_db_conn *next; /* in the pool's idle list */
};

struct mg_db_stmt {
    mg_db_conn *conn;
    int nparams; /* the highest ?N of the SQL */
    mg_db_value param[MG_DB_MAX_PARAMS];
    bool started; /* stepped since prepare or reset */
    bool done;    /* MG_DB_DONE was returned */
    int64_t changes;
};

struct mg_db_driver {
    const char *name; /* "sqlite", "postgresql" */

    /* Opens a new connection to the database of db (mg_db_target,
     * mg_db_opts): sets its session settings (busy wait, durability,
     * UTF-8, UTC). *out's common part is filled by the driver
     * (drv, db; the rest zero). */
    int (*connect)(mg_db *db, mg_db_conn **out, mg_diag *d);
    void (*disconnect)(mg_db_conn *c);

    int (*exec)(mg_db_conn *c, const char *sql, mg_diag *d);
    int (*begin)(mg_db_conn *c, mg_db_tx_kind kind, mg_diag *d);
    int (*commit)(mg_db_conn *c, mg_diag *d);
    void (*rollback)(mg_db_conn *c);
    /* Inside a write transaction, waits until no other process is
     * migrating the same database (PostgreSQL: an advisory lock; SQLite:
     * nothing, BEGIN IMMEDIATE already excludes every other writer). */
    int (*migration_lock)(mg_db_conn *c, mg_diag *d);

    /* Allocates the driver's statement (common part zeroed but for conn
     * and nparams, which the common code sets after). */
    int (*prepare)(mg_db_conn *c, const char *sql, int nparams, mg_db_stmt **out, mg_diag *d);
    void (*finalize)(mg_db_stmt *s);
    /* Runs with s->param[0..nparams) at the first call, then moves on:
     * MG_DB_ROW, MG_DB_DONE or an error; sets s->changes when done. */
    int (*step)(mg_db_stmt *s, mg_diag *d);
    void (*reset)(mg_db_stmt *s);

    int (*column_count)(const mg_db_stmt *s);
    int (*column_is_null)(const mg_db_stmt *s, int col);
    int64_t (*column_int64)(const mg_db_stmt *s, int col);
    double (*column_double)(const mg_db_stmt *s, int col);
    const char *(*column_text)(const mg_db_stmt *s, int col);
    const void *(*column_blob)(const mg_db_stmt *s, int col, size_t *n);
};

extern const struct mg_db_driver mg_db_driver_sqlite;
extern const struct mg_db_driver mg_db_driver_pgsql;

/* What the driver connects to: the SQLite path or the libpq URI. */
const char *mg_db_target(const mg_db *db);
/* The options in force (defaults filled in). */
const mg_db_options *mg_db_opts(const mg_db *db);

/*
 * Records reason r on c (NULL accepted), marks c broken for
 * MG_DB_REASON_CONNECTION, and returns the MG_E… code of r after setting
 * "LABEL: <fmt…>" in d: BUSY and SERIALIZATION give MG_EBUSY; the
 * constraints, TYPE, SCHEMA, SYNTAX and MISUSE give MG_EINVAL; CORRUPT gives
 * MG_EPARSE; NOMEM MG_ENOMEM; CONNECTION, IO and OTHER give MG_EIO.
 */
int mg_db_fail(mg_db_conn *c, mg_db_reason r, mg_diag *d, const char *fmt, ...)
    MG_PRINTF(4, 5);

/*
 * Scans sql for parameters ?N outside string literals, quoted identifiers
 * and comments (-- to the end of the line, and block comments). When out
 * is non-NULL (at least strlen(sql) + 1 bytes), writes sql there with each ?N turned into $N (PostgreSQL's spelling).
 * *max_n receives the highest N (0 when none). Returns 0, or MG_EINVAL for
 * a '?' not followed by 1..MG_DB_MAX_PARAMS.
 */
int mg_db_scan_params(const char *sql, char *out, int *max_n);

#endif
