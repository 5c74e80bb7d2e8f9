/*
 * The PostgreSQL driver of the SQL layer, through libpq (db/driver.h).
 *
 * One PGconn per connection, used by one thread at a time (the pool hands
 * a connection to one thread), which is all libpq asks for thread safety.
 *
 * Statements are prepared on the server once per connection and run with
 * PQexecPrepared: each connection keeps a cache of up to PG_CACHE_MAX named
 * statements (mg1, mg2… in the order they were made), keyed by the SQL text
 * and the types of its parameters at that run (an integer, a double, a
 * blob or untyped text/NULL, see below), so that the server parses,
 * analyses and, once it settles on a generic plan, plans a statement once
 * rather than at every run — most of a short query's server time. The
 * statement that is not yet in the cache costs one more round trip (Parse
 * apart from Bind/Execute). Keying by the types too means that a statement
 * is always analysed with the types PQexecParams would have given it: the
 * results are the same as PQexecParams', which the driver used before.
 * A PREPARE that fails (an error in the SQL) fails as the run would have,
 * aborting the transaction alike, and nothing is cached. The least recently
 * used statement is DEALLOCATEd when the cache is full, but never inside a
 * failed transaction (the statement then runs unnamed with PQexecParams,
 * as it always may). mg_db_exec (migrations, DDL) empties the cache with
 * DEALLOCATE ALL, since a prepared SELECT whose table changed shape fails
 * ("cached plan must not change result type"); that error from another
 * connection's DDL drops the statement from the cache: outside a
 * transaction the run is retried once; inside one (now aborted) it is
 * reported as a serialisation failure, which mg_db_transaction retries. The cache goes with the connection
 * (a lost connection is closed, never reused). MG_PG_STATEMENT_CACHE=0 in
 * the environment turns it off (PQexecParams for every statement), for a
 * pooler in transaction mode that does not keep a session's statements
 * (PgBouncer before 1.21) and for comparing speed.
 *
 * Parameters: integers are sent as text typed int8 (OID 20), doubles as
 * text typed float8 (OID 701) with 17 significant digits (exact), blobs in
 * binary typed bytea (OID 17). Text is sent with no type (OID 0, "unknown")
 * so that the server gives it the type of what it is compared with or
 * stored into (a date, a jsonb, a bigint column…), as a literal would be.
 * A NULL has no type either. Hence a parameter whose type cannot be
 * inferred from its place (?1 IS NULL with nothing else to go by, a ?2
 * the SQL never uses) must be written CAST(?1 AS type), which both
 * dialects accept; alone in a select list it is taken as text.
 *
 * Results come in text format: the whole result set is read by the first
 * step (our queries return pages of rows, not millions), and column_int64 /
 * column_double parse the server's text (the program never calls
 * setlocale, so strtod reads the server's '.' decimals). Bytea columns come
 * in their hex text form and are decoded on demand into a buffer per
 * column owned by the statement, valid until the next step.
 *
 * Session settings after connecting: lock_timeout = busy_ms, so that a row
 * or table lock held elsewhere fails with 55P03 (MG_DB_REASON_BUSY) rather
 * than waiting for ever; UTC; UTF-8 (also asked at connection time);
 * standard_conforming_strings (backslashes in '…' are plain characters, as
 * in SQLite); ISO dates; hex bytea output; shortest exact float output;
 * synchronous_commit = on for MG_DB_DURABLE_POWER (else the server's own).
 *
 * Unlike SQLite, PostgreSQL aborts the whole transaction when one of its
 * statements fails: later statements fail (25P02, reason MISUSE) and its
 * COMMIT rolls back, which commit reports as an error rather than success.
 */
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "db/driver.h"

/* The key of the advisory lock that serialises maillage's migrations of a
 * database between processes: "maillage" in ASCII, as a big-endian int64. */
#define PG_MIGRATION_LOCK_KEY "7881696737270785893"

/* How long a process waits for another one to finish migrating the same
 * database: migrations may take longer than busy_ms. */
#define PG_MIGRATION_WAIT "'300s'"

/* The oldest server whose float8 input and output we rely on (denormals
 * accepted, shortest exact output). */
#define PG_MIN_SERVER_VERSION 120000

enum {
    PG_OID_UNKNOWN = 0,
    PG_OID_BYTEA = 17,
    PG_OID_INT8 = 20,
    PG_OID_FLOAT8 = 701,
};

/* The statements kept prepared per connection at most. The next-slots
 * query makes two distinct texts per set of sites and kind, a booking
 * about twenty-five: 256 covers a server's working set. */
#define PG_CACHE_MAX 256

/* A statement prepared on the server (see the top of this file). */
struct pg_cached {
    char *sql;       /* the key: the $N text… */
    uint64_t hash;   /* …its hash with the types… */
    int nparams;     /* …and the types of its parameters */
    Oid types[MG_DB_MAX_PARAMS];
    uint64_t used;   /* the connection's clock at its last run, for LRU */
    char name[24];   /* "mgN" */
};

struct pg_conn {
    struct mg_db_conn base; /* first: a mg_db_conn * is one of these */
    PGconn *pg;
    bool cache_on;              /* MG_PG_STATEMENT_CACHE is not "0" */
    struct pg_cached *cache;    /* PG_CACHE_MAX slots, sql NULL when free */
    size_t ncached;
    uint64_t clock;             /* runs of cached statements */
    uint64_t made;              /* statements prepared, for their names */
    /* The session-level migration lock is held (see pg_migration_lock):
     * released after the transaction ends. */
    bool migration_locked;
};

/* A bytea column of the current row decoded, or not yet (p == NULL). */
struct pg_blob {
    unsigned char *p; /* PQunescapeBytea's, freed with PQfreemem */
    size_t n;
};

struct pg_stmt {
    struct mg_db_stmt base; /* first: a mg_db_stmt * is one of these */
    char *sql;              /* with ?N rewritten $N */
    PGresult *res;          /* of the run, NULL before the first step */
    int row;                /* the current row, -1 before the first */
    int nrows;
    int ncols;
    struct pg_blob *blobs; /* ncols decoded bytea values of the current row */
};

static struct pg_conn *pconn(mg_db_conn *c)
{
    return (struct pg_conn *)c;
}

static struct pg_stmt *pstmt(mg_db_stmt *s)
{
    return (struct pg_stmt *)s;
}

static const struct pg_stmt *cpstmt(const mg_db_stmt *s)
{
    return (const struct pg_stmt *)s;
}

/* Copies libpq's message into buf (cap bytes) on one line: newlines and
 * tabs become spaces, trailing spaces are dropped. */
static const char *one_line(const char *msg, char *buf, size_t cap)
{
    size_t n = 0;
    bool space = false;
    for (const char *p = msg ? msg : ""; *p && n + 1 < cap; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < cap)
            buf[n++] = ' ';
        space = false;
        buf[n++] = *p;
    }
    buf[n] = 0;
    if (n == 0)
        snprintf(buf, cap, "no message from libpq");
    return buf;
}

/* The reason for an SQLSTATE (NULL: none known). */
static mg_db_reason reason_of_sqlstate(const char *st)
{
    if (!st || strlen(st) != 5)
        return MG_DB_REASON_OTHER;
    static const struct {
        const char *state;
        mg_db_reason reason;
    } exact[] = {
        {"23505", MG_DB_REASON_UNIQUE},        /* unique_violation */
        {"23P01", MG_DB_REASON_UNIQUE},        /* exclusion_violation */
        {"23503", MG_DB_REASON_FOREIGN_KEY},   /* foreign_key_violation */
        {"23001", MG_DB_REASON_FOREIGN_KEY},   /* restrict_violation */
        {"23502", MG_DB_REASON_NOT_NULL},      /* not_null_violation */
        {"23514", MG_DB_REASON_CHECK},         /* check_violation */
        {"40001", MG_DB_REASON_SERIALIZATION}, /* serialization_failure */
        {"40P01", MG_DB_REASON_SERIALIZATION}, /* deadlock_detected */
        {"55P03", MG_DB_REASON_BUSY},          /* lock_not_available (lock_timeout) */
        {"57014", MG_DB_REASON_BUSY},          /* query_canceled (a timeout) */
        {"57P01", MG_DB_REASON_CONNECTION},    /* admin_shutdown */
        {"57P02", MG_DB_REASON_CONNECTION},    /* crash_shutdown */
        {"57P03", MG_DB_REASON_CONNECTION},    /* cannot_connect_now */
        {"53300", MG_DB_REASON_CONNECTION},    /* too_many_connections */
        {"53100", MG_DB_REASON_IO},            /* disk_full */
        {"53200", MG_DB_REASON_NOMEM},         /* out_of_memory */
        {"42501", MG_DB_REASON_IO},            /* insufficient_privilege */
        {"42P01", MG_DB_REASON_SCHEMA},        /* undefined_table */
        {"42703", MG_DB_REASON_SCHEMA},        /* undefined_column */
        {"42704", MG_DB_REASON_SCHEMA},        /* undefined_object */
        {"42P07", MG_DB_REASON_SCHEMA},        /* duplicate_table */
        {"42701", MG_DB_REASON_SCHEMA},        /* duplicate_column */
        {"42710", MG_DB_REASON_SCHEMA},        /* duplicate_object */
        {"3F000", MG_DB_REASON_SCHEMA},        /* invalid_schema_name */
        {"42804", MG_DB_REASON_TYPE},          /* datatype_mismatch (a column's type) */
        {"25001", MG_DB_REASON_MISUSE},        /* active_sql_transaction */
        {"25006", MG_DB_REASON_MISUSE},        /* read_only_sql_transaction */
        {"25P01", MG_DB_REASON_MISUSE},        /* no_active_sql_transaction */
        {"25P02", MG_DB_REASON_MISUSE},        /* in_failed_sql_transaction */
        {"XX001", MG_DB_REASON_CORRUPT},       /* data_corrupted */
        {"XX002", MG_DB_REASON_CORRUPT},       /* index_corrupted */
    };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (memcmp(st, exact[i].state, 5) == 0)
            return exact[i].reason;
    /* Then by class, the first two characters. */
    if (memcmp(st, "08", 2) == 0) /* connection_exception */
        return MG_DB_REASON_CONNECTION;
    if (memcmp(st, "22", 2) == 0) /* data_exception: 22021 bad UTF-8, 22P02, 22003 range… */
        return MG_DB_REASON_TYPE;
    if (memcmp(st, "42", 2) == 0) /* syntax_error_or_access_rule_violation */
        return MG_DB_REASON_SYNTAX;
    if (memcmp(st, "58", 2) == 0) /* system_error: io_error, undefined_file */
        return MG_DB_REASON_IO;
    return MG_DB_REASON_OTHER;
}

/*
 * Reports the failure of `what` on pc (res: its result, NULL when libpq
 * returned none) through mg_db_fail: the reason from the SQLSTATE, or
 * CONNECTION when the connection is gone, and the server's primary message
 * (or libpq's own). Clears res. Returns the MG_E… code.
 */
static int pg_fail(struct pg_conn *pc, PGresult *res, mg_diag *d, const char *what)
{
    char buf[600];
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    mg_db_reason r;
    if (PQstatus(pc->pg) == CONNECTION_BAD)
        r = MG_DB_REASON_CONNECTION;
    else if (state)
        r = reason_of_sqlstate(state);
    else if (!res)
        r = MG_DB_REASON_NOMEM; /* libpq could not allocate a result */
    else
        r = MG_DB_REASON_OTHER;
    one_line(primary ? primary : PQerrorMessage(pc->pg), buf, sizeof buf);
    /* Both strings live in res: copied before it goes. */
    char sqlstate[8] = "";
    if (state)
        snprintf(sqlstate, sizeof sqlstate, "%s", state);
    PQclear(res);
    if (sqlstate[0])
        return mg_db_fail(&pc->base, r, d, "%s: %s (SQLSTATE %s)", what, buf, sqlstate);
    return mg_db_fail(&pc->base, r, d, "%s: %s", what, buf);
}

/* Runs SQL without parameters through the simple query protocol (several
 * statements allowed); rows, if any, are ignored. */
static int pg_run(struct pg_conn *pc, const char *sql, const char *what, mg_diag *d)
{
    PGresult *res = PQexec(pc->pg, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        return pg_fail(pc, res, d, what);
    PQclear(res);
    return 0;
}

/* The server's notices (a DROP … IF EXISTS that skipped, a warning) are
 * not errors: libpq would print them on stderr. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static int pg_connect(mg_db *db, mg_db_conn **out, mg_diag *d)
{
    *out = NULL;
    const mg_db_options *o = mg_db_opts(db);
    /* The connection exists before the server answers, so that failures
     * to connect are reported through it, with the database's label. */
    struct pg_conn *pc = mg_alloc_array(1, sizeof *pc);
    if (!pc)
        return mg_diag_set(d, MG_ENOMEM, mg_db_label(db), 0, 0, "connect: out of memory");
    pc->base.drv = &mg_db_driver_pgsql;
    pc->base.db = db;
    const char *cache_env = getenv("MG_PG_STATEMENT_CACHE");
    pc->cache_on = !(cache_env && strcmp(cache_env, "0") == 0);

    /* Keywords are applied in order: connect_timeout before dbname is a
     * default the URI may change; client_encoding after it is imposed. */
    const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname",
                                "client_encoding", NULL};
    const char *const vals[] = {"10", "maillage", mg_db_target(db), "UTF8", NULL};
    pc->pg = PQconnectdbParams(keys, vals, 1);
    int rc = 0;
    if (!pc->pg) {
        rc = mg_db_fail(&pc->base, MG_DB_REASON_NOMEM, d, "connect: out of memory");
    } else if (PQstatus(pc->pg) != CONNECTION_OK) {
        char buf[600];
        one_line(PQerrorMessage(pc->pg), buf, sizeof buf);
        rc = mg_db_fail(&pc->base, MG_DB_REASON_CONNECTION, d, "connect: %s", buf);
    } else if (PQserverVersion(pc->pg) < PG_MIN_SERVER_VERSION) {
        int v = PQserverVersion(pc->pg);
        rc = mg_db_fail(&pc->base, MG_DB_REASON_OTHER, d,
                        "connect: PostgreSQL %d.%d is too old (12 or newer needed)", v / 10000,
                        v % 10000);
    }
    if (rc == 0) {
        PQsetNoticeProcessor(pc->pg, ignore_notice, NULL);
        char set[512];
        snprintf(set, sizeof set,
                 "SET lock_timeout = %u; SET TIME ZONE 'UTC'; SET client_encoding = 'UTF8'; "
                 "SET standard_conforming_strings = on; SET DateStyle = 'ISO, YMD'; "
                 "SET bytea_output = 'hex'; SET extra_float_digits = 3%s",
                 o->busy_ms,
                 o->durability == MG_DB_DURABLE_POWER ? "; SET synchronous_commit = on" : "");
        rc = pg_run(pc, set, "session settings", d);
    }
    if (rc != 0) {
        PQfinish(pc->pg); /* NULL accepted */
        free(pc);
        return rc;
    }
    *out = &pc->base;
    return 0;
}

/* Forgets every cached statement (the server's are not touched). */
static void cache_forget_all(struct pg_conn *pc)
{
    if (!pc->cache)
        return;
    for (size_t i = 0; i < PG_CACHE_MAX; i++) {
        free(pc->cache[i].sql);
        pc->cache[i].sql = NULL;
    }
    pc->ncached = 0;
}

static void pg_disconnect(mg_db_conn *c)
{
    if (!c)
        return;
    struct pg_conn *pc = pconn(c);
    PQfinish(pc->pg);
    cache_forget_all(pc);
    free(pc->cache);
    free(pc);
}

static int pg_exec(mg_db_conn *c, const char *sql, mg_diag *d)
{
    struct pg_conn *pc = pconn(c);
    int rc = pg_run(pc, sql, "exec", d);
    /* The SQL may have changed what cached statements read (DDL): they are
     * prepared again at their next run. DEALLOCATE is not transactional;
     * in a failed transaction it fails, and the server keeps statements
     * whose names are never used again, until the connection closes. */
    if (pc->ncached > 0) {
        cache_forget_all(pc);
        PQclear(PQexec(pc->pg, "DEALLOCATE ALL"));
    }
    return rc;
}

static int pg_begin(mg_db_conn *c, mg_db_tx_kind kind, mg_diag *d)
{
    /* A read transaction sees one snapshot for all its reads and may not
     * write; a write transaction is serialisable, so that a concurrent
     * transaction that would make it wrong fails with 40001 (the runner
     * retries), as SQLite's single writer never lets it happen. */
    const char *sql = kind == MG_DB_TX_READ ? "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                                            : "BEGIN ISOLATION LEVEL SERIALIZABLE";
    return pg_run(pconn(c), sql, "begin", d);
}

/* Releases the session-level migration lock after its transaction ended.
 * A failure means the connection is gone, and the lock with it. */
static void pg_migration_unlock(struct pg_conn *pc)
{
    if (!pc->migration_locked)
        return;
    pc->migration_locked = false;
    PQclear(PQexec(pc->pg, "SELECT pg_advisory_unlock(" PG_MIGRATION_LOCK_KEY ")"));
}

static int pg_commit(mg_db_conn *c, mg_diag *d)
{
    struct pg_conn *pc = pconn(c);
    PGresult *res = PQexec(pc->pg, "COMMIT");
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        int rc = pg_fail(pc, res, d, "commit");
        /* A failed COMMIT (a serialisation failure found at commit) ends
         * the transaction all the same. */
        pg_migration_unlock(pc);
        return rc;
    }
    /* COMMIT of a transaction that an earlier error aborted succeeds as a
     * ROLLBACK: nothing was written, which the caller must know. */
    bool rolled_back = strcmp(PQcmdStatus(res), "ROLLBACK") == 0;
    PQclear(res);
    pg_migration_unlock(pc);
    if (rolled_back)
        return mg_db_fail(c, MG_DB_REASON_MISUSE, d,
                          "commit: the transaction had failed (an earlier statement's "
                          "error) and was rolled back");
    return 0;
}

static void pg_rollback(mg_db_conn *c)
{
    struct pg_conn *pc = pconn(c);
    PQclear(PQexec(pc->pg, "ROLLBACK"));
    pg_migration_unlock(pc);
}

/*
 * Called first in the migrations' write transaction. A transaction-level
 * advisory lock taken by its first SELECT would not do: a serialisable
 * transaction's snapshot is taken when its first query starts, before the
 * lock is granted, so after waiting for another process's migrations the
 * transaction would not see them and would apply them again. So the lock
 * is taken at session level, and the transaction restarted once it is
 * held: its snapshot then includes whatever the other process committed.
 * The lock is released when this transaction ends (commit or rollback) or
 * with the connection.
 */
static int pg_migration_lock(mg_db_conn *c, mg_diag *d)
{
    struct pg_conn *pc = pconn(c);
    int rc = pg_run(pc,
                    "SET LOCAL lock_timeout = " PG_MIGRATION_WAIT "; "
                    "SELECT pg_advisory_lock(" PG_MIGRATION_LOCK_KEY ")",
                    "migration lock", d);
    if (rc != 0)
        return rc;
    pc->migration_locked = true;
    PQclear(PQexec(pc->pg, "ROLLBACK"));
    rc = pg_run(pc, "BEGIN ISOLATION LEVEL SERIALIZABLE", "begin", d);
    if (rc != 0)
        pg_migration_unlock(pc);
    return rc;
}

/* Frees the decoded bytea values of the current row. */
static void clear_blobs(struct pg_stmt *ps)
{
    if (!ps->blobs)
        return;
    for (int i = 0; i < ps->ncols; i++) {
        if (ps->blobs[i].p)
            PQfreemem(ps->blobs[i].p);
        ps->blobs[i].p = NULL;
        ps->blobs[i].n = 0;
    }
}

/* Forgets the result of the last run. */
static void clear_result(struct pg_stmt *ps)
{
    clear_blobs(ps);
    free(ps->blobs);
    ps->blobs = NULL;
    PQclear(ps->res);
    ps->res = NULL;
    ps->row = -1;
    ps->nrows = 0;
    ps->ncols = 0;
}

static int pg_prepare(mg_db_conn *c, const char *sql, int nparams, mg_db_stmt **out, mg_diag *d)
{
    (void)nparams;
    *out = NULL;
    struct pg_stmt *ps = mg_alloc_array(1, sizeof *ps);
    char *text = mg_alloc_array(strlen(sql) + 1, 1);
    if (!ps || !text) {
        free(ps);
        free(text);
        return mg_db_fail(c, MG_DB_REASON_NOMEM, d, "prepare: out of memory");
    }
    int n = 0;
    if (mg_db_scan_params(sql, text, &n) != 0) {
        free(ps);
        free(text);
        return mg_db_fail(c, MG_DB_REASON_SYNTAX, d,
                          "prepare: a '?' not followed by a parameter number 1..%d",
                          MG_DB_MAX_PARAMS);
    }
    ps->sql = text;
    ps->row = -1;
    *out = &ps->base;
    return 0;
}

static void pg_finalize(mg_db_stmt *s)
{
    if (!s)
        return;
    struct pg_stmt *ps = pstmt(s);
    clear_result(ps);
    free(ps->sql);
    free(ps);
}

/* Spells a double as float8's input wants it, exactly. */
static void format_double(double v, char *buf, size_t cap)
{
    if (isnan(v))
        snprintf(buf, cap, "NaN");
    else if (isinf(v))
        snprintf(buf, cap, "%s", v > 0 ? "Infinity" : "-Infinity");
    else
        snprintf(buf, cap, "%.17g", v);
}

/* FNV-1a over the SQL text and the parameters' types. */
static uint64_t cache_hash(const char *sql, int np, const Oid *types)
{
    uint64_t h = 14695981039346656037u;
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    for (int i = 0; i < np; i++)
        h = (h ^ (uint64_t)types[i]) * 1099511628211u;
    return (h ^ (uint64_t)np) * 1099511628211u;
}

/* The cached statement of sql with these types, or NULL. */
static struct pg_cached *cache_find(struct pg_conn *pc, const char *sql, int np,
                                    const Oid *types, uint64_t h)
{
    if (!pc->cache)
        return NULL;
    for (size_t i = 0; i < PG_CACHE_MAX; i++) {
        struct pg_cached *e = &pc->cache[i];
        if (e->sql && e->hash == h && e->nparams == np &&
            memcmp(e->types, types, (size_t)np * sizeof *types) == 0 && strcmp(e->sql, sql) == 0)
            return e;
    }
    return NULL;
}

/* Drops e from the cache and from the server. */
static void cache_drop(struct pg_conn *pc, struct pg_cached *e)
{
    char sql[48];
    snprintf(sql, sizeof sql, "DEALLOCATE %s", e->name);
    PQclear(PQexec(pc->pg, sql));
    free(e->sql);
    e->sql = NULL;
    pc->ncached--;
}

/* A free slot of the cache, making one by dropping the least recently used
 * statement; NULL when none can be had (out of memory, or a failed
 * transaction, where DEALLOCATE would fail). */
static struct pg_cached *cache_slot(struct pg_conn *pc)
{
    if (!pc->cache) {
        pc->cache = mg_alloc_array(PG_CACHE_MAX, sizeof *pc->cache);
        if (!pc->cache)
            return NULL;
    }
    struct pg_cached *oldest = NULL;
    for (size_t i = 0; i < PG_CACHE_MAX; i++) {
        struct pg_cached *e = &pc->cache[i];
        if (!e->sql)
            return e;
        if (!oldest || e->used < oldest->used)
            oldest = e;
    }
    if (PQtransactionStatus(pc->pg) == PQTRANS_INERROR)
        return NULL;
    cache_drop(pc, oldest);
    return oldest;
}

/* Whether res failed because a cached plan's result changed shape (a table
 * altered by another connection since the statement was prepared). */
static bool plan_changed(const PGresult *res)
{
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return st && strcmp(st, "0A000") == 0;
}

/*
 * Runs sql ($N text) with its parameters: through the cache (see the top of
 * this file), or unnamed with PQexecParams when the cache is off or has no
 * room. *out receives a successful result; a failure is reported through
 * pg_fail ("step"), as a run of PQexecParams would have been.
 */
static int exec_cached(struct pg_conn *pc, const char *sql, int np, const Oid *types,
                       const char *const *values, const int *lengths, const int *formats,
                       PGresult **out, mg_diag *d)
{
    *out = NULL;
    for (int attempt = 0;; attempt++) {
        struct pg_cached *e = NULL;
        uint64_t h = 0;
        if (pc->cache_on) {
            h = cache_hash(sql, np, types);
            e = cache_find(pc, sql, np, types, h);
            if (!e && (e = cache_slot(pc)) != NULL) {
                char *key = mg_alloc_array(strlen(sql) + 1, 1);
                if (key) {
                    memcpy(key, sql, strlen(sql) + 1);
                    snprintf(e->name, sizeof e->name, "mg%" PRIu64, ++pc->made);
                    PGresult *pr = PQprepare(pc->pg, e->name, sql, np, types);
                    if (!pr || PQresultStatus(pr) != PGRES_COMMAND_OK) {
                        free(key);
                        return pg_fail(pc, pr, d, "step");
                    }
                    PQclear(pr);
                    e->sql = key;
                    e->hash = h;
                    e->nparams = np;
                    memcpy(e->types, types, (size_t)np * sizeof *types);
                    pc->ncached++;
                } else {
                    e = NULL;
                }
            }
        }
        PGresult *res;
        if (e) {
            e->used = ++pc->clock;
            res = PQexecPrepared(pc->pg, e->name, np, values, lengths, formats, 0);
        } else {
            res = PQexecParams(pc->pg, sql, np, types, values, lengths, formats, 0);
        }
        ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || st == PGRES_EMPTY_QUERY) {
            *out = res;
            return 0;
        }
        if (e && plan_changed(res) && PQtransactionStatus(pc->pg) != PQTRANS_INERROR) {
            /* Outside a transaction nothing was undone: prepared anew. */
            PQclear(res);
            cache_drop(pc, e);
            if (attempt == 0)
                continue;
            return mg_db_fail(&pc->base, MG_DB_REASON_SCHEMA, d,
                              "step: a prepared statement's result changed shape twice");
        }
        if (e && plan_changed(res)) {
            /* DEALLOCATE would fail in this failed transaction: forgotten
             * here, its name is never used again and the server's copy
             * goes with the connection. Said as a serialisation failure,
             * so that mg_db_transaction runs the transaction again, which
             * prepares the statement anew. */
            free(e->sql);
            e->sql = NULL;
            pc->ncached--;
            PQclear(res);
            return mg_db_fail(&pc->base, MG_DB_REASON_SERIALIZATION, d,
                              "step: a table changed shape since its statement was prepared "
                              "(another connection's DDL): transaction to be run again");
        }
        return pg_fail(pc, res, d, "step");
    }
}

/* Sends the statement with its binds and keeps the whole result. */
static int pg_run_stmt(struct pg_stmt *ps, mg_diag *d)
{
    struct pg_conn *pc = pconn(ps->base.conn);
    int np = ps->base.nparams;
    const char *values[MG_DB_MAX_PARAMS];
    int lengths[MG_DB_MAX_PARAMS];
    int formats[MG_DB_MAX_PARAMS];
    Oid types[MG_DB_MAX_PARAMS];
    char num[MG_DB_MAX_PARAMS][32];
    for (int i = 0; i < np; i++) {
        const mg_db_value *v = &ps->base.param[i];
        values[i] = NULL;
        lengths[i] = 0;
        formats[i] = 0;
        types[i] = PG_OID_UNKNOWN;
        switch (v->type) {
        case MG_DB_V_NULL:
            break;
        case MG_DB_V_INT:
            snprintf(num[i], sizeof num[i], "%" PRId64, v->i);
            values[i] = num[i];
            types[i] = PG_OID_INT8;
            break;
        case MG_DB_V_DOUBLE:
            format_double(v->f, num[i], sizeof num[i]);
            values[i] = num[i];
            types[i] = PG_OID_FLOAT8;
            break;
        case MG_DB_V_TEXT:
            values[i] = v->p ? v->p : "";
            break;
        case MG_DB_V_BLOB:
            if (v->n > (size_t)INT32_MAX)
                return mg_db_fail(&pc->base, MG_DB_REASON_TYPE, d,
                                  "step: parameter %d: a blob of %zu bytes is too large", i + 1,
                                  v->n);
            /* A NULL pointer would send SQL NULL: an empty blob is not. */
            values[i] = v->p ? v->p : "";
            lengths[i] = (int)v->n;
            formats[i] = 1;
            types[i] = PG_OID_BYTEA;
            break;
        }
    }
    PGresult *res = NULL;
    int rc = exec_cached(pc, ps->sql, np, types, values, lengths, formats, &res, d);
    if (rc != 0)
        return rc;
    ExecStatusType st = PQresultStatus(res);

    /* Rows changed, for INSERT/UPDATE/DELETE (also with RETURNING); empty
     * for other commands. */
    const char *tuples = PQcmdTuples(res);
    int64_t changes = 0;
    if (tuples && *tuples) {
        char *end;
        errno = 0;
        long long t = strtoll(tuples, &end, 10);
        if (errno == 0 && *end == 0 && t >= 0)
            changes = t;
    }
    ps->base.changes = changes;

    ps->res = res;
    ps->row = -1;
    ps->nrows = st == PGRES_TUPLES_OK ? PQntuples(res) : 0;
    ps->ncols = st == PGRES_TUPLES_OK ? PQnfields(res) : 0;
    if (ps->ncols > 0) {
        ps->blobs = mg_alloc_array((size_t)ps->ncols, sizeof *ps->blobs);
        if (!ps->blobs) {
            clear_result(ps);
            return mg_db_fail(&pc->base, MG_DB_REASON_NOMEM, d, "step: out of memory");
        }
    }
    return 0;
}

static int pg_step(mg_db_stmt *s, mg_diag *d)
{
    struct pg_stmt *ps = pstmt(s);
    if (!ps->res) {
        int rc = pg_run_stmt(ps, d);
        if (rc != 0)
            return rc;
    }
    clear_blobs(ps);
    if (ps->row < ps->nrows)
        ps->row++;
    return ps->row < ps->nrows ? MG_DB_ROW : MG_DB_DONE;
}

static void pg_reset(mg_db_stmt *s)
{
    clear_result(pstmt(s));
    s->changes = 0;
}

/* The text of column col of the current row, or NULL (a NULL value, no
 * row, no such column). */
static const char *value_of(const struct pg_stmt *ps, int col)
{
    if (!ps->res || ps->row < 0 || ps->row >= ps->nrows || col < 0 || col >= ps->ncols)
        return NULL;
    if (PQgetisnull(ps->res, ps->row, col))
        return NULL;
    return PQgetvalue(ps->res, ps->row, col);
}

static int pg_column_count(const mg_db_stmt *s)
{
    return cpstmt(s)->ncols;
}

static int pg_column_is_null(const mg_db_stmt *s, int col)
{
    return value_of(cpstmt(s), col) == NULL;
}

/* Parses a whole double; false unless all of t was read. */
static bool parse_double(const char *t, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(t, &end);
    if (end == t || *end != 0)
        return false;
    /* ERANGE for a denormal is still its exact value; for an overflow
     * strtod gave ±HUGE_VAL, which is right too. */
    *out = v;
    return true;
}

static int64_t pg_column_int64(const mg_db_stmt *s, int col)
{
    const char *t = value_of(cpstmt(s), col);
    if (!t)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (end != t && *end == 0 && errno == 0)
        return v;
    /* Not an integer's text: a numeric or float8 is truncated toward zero
     * and a boolean read as 1 or 0, as SQLite converts. */
    double f;
    if (parse_double(t, &f) && isfinite(f) && f >= -0x1p63 && f < 0x1p63)
        return (int64_t)f;
    if (strcmp(t, "t") == 0)
        return 1;
    return 0;
}

static double pg_column_double(const mg_db_stmt *s, int col)
{
    const char *t = value_of(cpstmt(s), col);
    double f;
    if (!t || !parse_double(t, &f))
        return t && strcmp(t, "t") == 0 ? 1.0 : 0.0;
    return f;
}

static const char *pg_column_text(const mg_db_stmt *s, int col)
{
    return value_of(cpstmt(s), col);
}

static const void *pg_column_blob(const mg_db_stmt *s, int col, size_t *n)
{
    /* The statement is the caller's and not shared: the decoded value is
     * cached in it, behind the const the interface shows. */
    struct pg_stmt *ps = (struct pg_stmt *)cpstmt(s);
    *n = 0;
    const char *t = value_of(ps, col);
    if (!t)
        return NULL;
    if (PQftype(ps->res, col) != PG_OID_BYTEA) {
        /* Another type's bytes are its text. */
        *n = (size_t)PQgetlength(ps->res, ps->row, col);
        return t;
    }
    struct pg_blob *b = &ps->blobs[col];
    if (!b->p) {
        size_t len = 0;
        b->p = PQunescapeBytea((const unsigned char *)t, &len);
        if (!b->p)
            return NULL; /* out of memory: read as NULL */
        b->n = len;
    }
    *n = b->n;
    return b->p;
}

const struct mg_db_driver mg_db_driver_pgsql = {
    .name = "postgresql",
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .exec = pg_exec,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .migration_lock = pg_migration_lock,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .step = pg_step,
    .reset = pg_reset,
    .column_count = pg_column_count,
    .column_is_null = pg_column_is_null,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_text = pg_column_text,
    .column_blob = pg_column_blob,
};
