/*
 * The common part of the SQL layer: choosing the driver, the connection
 * pool, argument checks, binds, transactions and their retry, and error
 * reporting. The drivers (driver_sqlite.c, driver_pgsql.c) only talk to
 * their library; the migrations are in migrate.c.
 *
 * The pool: idle connections are kept in a list; a caller takes one, or
 * opens a new one while fewer than pool_max exist, or waits on a condition
 * variable at most busy_ms. The pool's mutex is held only to move a
 * connection in or out of the list, never while a connection talks to its
 * database, so one request waiting for a lock held by another process
 * holds up nobody else.
 */
#include "db/db.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/utf8.h"
#include "db/driver.h"

struct mg_db {
    const struct mg_db_driver *drv;
    char *target; /* the SQLite path or the libpq URI */
    char *label;  /* target with any password masked */
    mg_db_options opts;

    pthread_mutex_t lock; /* guards idle and open */
    pthread_cond_t freed; /* a connection came back or a slot freed */
    mg_db_conn *idle;
    unsigned open; /* connections that exist, idle or in use */
};

/* Defined in migrate.c. */
int mg_db_migrate(mg_db *db, mg_db_conn *c, mg_diag *d);

const char *mg_db_reason_name(mg_db_reason r)
{
    switch (r) {
    case MG_DB_REASON_NONE: return "none";
    case MG_DB_REASON_UNIQUE: return "unique";
    case MG_DB_REASON_FOREIGN_KEY: return "foreign-key";
    case MG_DB_REASON_NOT_NULL: return "not-null";
    case MG_DB_REASON_CHECK: return "check";
    case MG_DB_REASON_BUSY: return "busy";
    case MG_DB_REASON_SERIALIZATION: return "serialization";
    case MG_DB_REASON_CONNECTION: return "connection";
    case MG_DB_REASON_SCHEMA: return "schema";
    case MG_DB_REASON_SYNTAX: return "syntax";
    case MG_DB_REASON_TYPE: return "type";
    case MG_DB_REASON_IO: return "io";
    case MG_DB_REASON_CORRUPT: return "corrupt";
    case MG_DB_REASON_NOMEM: return "nomem";
    case MG_DB_REASON_MISUSE: return "misuse";
    case MG_DB_REASON_OTHER: break;
    }
    return "other";
}

static int code_of(mg_db_reason r)
{
    switch (r) {
    case MG_DB_REASON_NONE: return MG_OK;
    case MG_DB_REASON_BUSY:
    case MG_DB_REASON_SERIALIZATION: return MG_EBUSY;
    case MG_DB_REASON_UNIQUE:
    case MG_DB_REASON_FOREIGN_KEY:
    case MG_DB_REASON_NOT_NULL:
    case MG_DB_REASON_CHECK:
    case MG_DB_REASON_TYPE:
    case MG_DB_REASON_SCHEMA:
    case MG_DB_REASON_SYNTAX:
    case MG_DB_REASON_MISUSE: return MG_EINVAL;
    case MG_DB_REASON_CORRUPT: return MG_EPARSE;
    case MG_DB_REASON_NOMEM: return MG_ENOMEM;
    case MG_DB_REASON_CONNECTION:
    case MG_DB_REASON_IO:
    case MG_DB_REASON_OTHER: break;
    }
    return MG_EIO;
}

int mg_db_fail(mg_db_conn *c, mg_db_reason r, mg_diag *d, const char *fmt, ...)
{
    if (r == MG_DB_REASON_NONE)
        r = MG_DB_REASON_OTHER;
    if (c) {
        c->reason = r;
        if (r == MG_DB_REASON_CONNECTION)
            c->broken = true;
    }
    char text[sizeof d->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return mg_diag_set(d, code_of(r), c ? c->db->label : NULL, 0, 0, "%s", text);
}

const char *mg_db_target(const mg_db *db)
{
    return db->target;
}

const mg_db_options *mg_db_opts(const mg_db *db)
{
    return &db->opts;
}

const char *mg_db_dialect(const mg_db *db)
{
    return db ? db->drv->name : "";
}

const char *mg_db_label(const mg_db *db)
{
    return db ? db->label : "";
}

mg_db_reason mg_db_reason_of(const mg_db_conn *c)
{
    return c ? c->reason : MG_DB_REASON_NONE;
}

/* --- Opening ---------------------------------------------------------------- */

static int has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/*
 * The label of a libpq URI: "postgresql://user:secret@host/db" becomes
 * "postgresql://user:***@host/db", and a password=… parameter is masked the
 * same way, so that messages and logs never carry a password.
 */
static char *mask_password(const char *url)
{
    size_t n = strlen(url);
    char *out = mg_alloc_array(n + 8, 1); /* "***" may be longer than what it hides */
    if (!out)
        return NULL;
    const char *scheme_end = strstr(url, "://");
    const char *auth_start = scheme_end ? scheme_end + 3 : url;
    const char *at = strchr(auth_start, '@');
    const char *slash = strchr(auth_start, '/');
    const char *colon = strchr(auth_start, ':');
    size_t o = 0;
    if (scheme_end && at && (!slash || at < slash) && colon && colon < at) {
        memcpy(out, url, (size_t)(colon + 1 - url));
        o = (size_t)(colon + 1 - url);
        memcpy(out + o, "***", 3);
        o += 3;
        url = at;
    }
    /* password=VALUE in the query string or a key=value string */
    const char *pw = strstr(url, "password=");
    if (pw) {
        size_t head = (size_t)(pw - url) + strlen("password=");
        memcpy(out + o, url, head);
        o += head;
        memcpy(out + o, "***", 3);
        o += 3;
        url += head;
        while (*url && *url != '&' && *url != ' ')
            url++;
    }
    size_t rest = strlen(url);
    if (o + rest + 1 > n + 8) { /* cannot happen: masked parts only shrink or add 3 once */
        free(out);
        return mg_strdup("(database)");
    }
    memcpy(out + o, url, rest + 1);
    return out;
}

static void options_defaults(mg_db_options *o, const char *target, int sqlite)
{
    if (!o->busy_ms)
        o->busy_ms = 2000;
    if (!o->pool_max)
        o->pool_max = 16;
    /* Each connection to ":memory:" would be a database of its own. */
    if (sqlite && (strcmp(target, ":memory:") == 0 || target[0] == '\0'))
        o->pool_max = 1;
}

int mg_db_open(mg_db **out, const char *url, const mg_db_options *o, mg_diag *d)
{
    if (!out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_db_open: out is NULL");
    *out = NULL;
    if (!url || !url[0])
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "no database given");
    if (o && (o->busy_ms > 600000u || o->pool_max > 1024u ||
              (o->durability != MG_DB_DURABLE_PROCESS && o->durability != MG_DB_DURABLE_POWER)))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "database options: busy wait 0..600000 ms, pool 0..1024 "
                           "connections, durability process or power");

    const struct mg_db_driver *drv = &mg_db_driver_sqlite;
    const char *target = url;
    if (has_prefix(url, "postgresql://") || has_prefix(url, "postgres://"))
        drv = &mg_db_driver_pgsql;
    else if (has_prefix(url, "sqlite:"))
        target = url + strlen("sqlite:");
    if (!target[0])
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "no database path given in \"%s\"", url);

    mg_db *db = mg_alloc_array(1, sizeof *db);
    if (!db)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory opening the database");
    db->drv = drv;
    db->opts = o ? *o : (mg_db_options){0};
    options_defaults(&db->opts, target, drv == &mg_db_driver_sqlite);
    db->target = mg_strdup(target);
    db->label = drv == &mg_db_driver_pgsql ? mask_password(url) : mg_strdup(target);
    if (!db->target || !db->label || pthread_mutex_init(&db->lock, NULL) != 0) {
        free(db->target);
        free(db->label);
        free(db);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory opening the database");
    }
    if (pthread_cond_init(&db->freed, NULL) != 0) {
        pthread_mutex_destroy(&db->lock);
        free(db->target);
        free(db->label);
        free(db);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory opening the database");
    }

    mg_db_conn *c = NULL;
    int rc = mg_db_acquire(db, &c, d);
    if (rc == 0 && !db->opts.no_migrate)
        rc = mg_db_migrate(db, c, d);
    mg_db_release(c);
    if (rc) {
        mg_db_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

void mg_db_close(mg_db *db)
{
    if (!db)
        return;
    while (db->idle) {
        mg_db_conn *c = db->idle;
        db->idle = c->next;
        db->drv->disconnect(c);
    }
    pthread_cond_destroy(&db->freed);
    pthread_mutex_destroy(&db->lock);
    free(db->target);
    free(db->label);
    free(db);
}

/* --- The pool ----------------------------------------------------------------- */

/* now + ms as an absolute CLOCK_REALTIME time, for pthread_cond_timedwait. */
static struct timespec deadline_after(unsigned ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += (time_t)(ms / 1000u);
    t.tv_nsec += (long)(ms % 1000u) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

int mg_db_acquire(mg_db *db, mg_db_conn **out, mg_diag *d)
{
    if (!out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_db_acquire: out is NULL");
    *out = NULL;
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_db_acquire: no database");

    struct timespec until = deadline_after(db->opts.busy_ms);
    pthread_mutex_lock(&db->lock);
    for (;;) {
        if (db->idle) {
            mg_db_conn *c = db->idle;
            db->idle = c->next;
            pthread_mutex_unlock(&db->lock);
            c->next = NULL;
            c->reason = MG_DB_REASON_NONE;
            *out = c;
            return 0;
        }
        if (db->open < db->opts.pool_max) {
            db->open++;
            break;
        }
        if (pthread_cond_timedwait(&db->freed, &db->lock, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&db->lock);
            return mg_diag_set(d, MG_EBUSY, db->label, 0, 0,
                               "all %u connections stayed in use for %u ms",
                               db->opts.pool_max, db->opts.busy_ms);
        }
    }
    pthread_mutex_unlock(&db->lock);

    /* A new connection, made outside the lock: connecting may take a while. */
    mg_db_conn *c = NULL;
    int rc = db->drv->connect(db, &c, d);
    if (rc) {
        pthread_mutex_lock(&db->lock);
        db->open--;
        pthread_cond_signal(&db->freed);
        pthread_mutex_unlock(&db->lock);
        return rc;
    }
    c->drv = db->drv;
    c->db = db;
    *out = c;
    return 0;
}

void mg_db_release(mg_db_conn *c)
{
    if (!c)
        return;
    mg_db *db = c->db;
    if (c->in_tx)
        mg_db_rollback(c);
    if (c->broken) {
        db->drv->disconnect(c);
        pthread_mutex_lock(&db->lock);
        db->open--;
    } else {
        pthread_mutex_lock(&db->lock);
        c->next = db->idle;
        db->idle = c;
    }
    pthread_cond_signal(&db->freed);
    pthread_mutex_unlock(&db->lock);
}

/* --- Transactions -------------------------------------------------------------- */

int mg_db_begin(mg_db_conn *c, mg_db_tx_kind kind, mg_diag *d)
{
    if (!c)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_db_begin: no connection");
    if (c->in_tx)
        return mg_db_fail(c, MG_DB_REASON_MISUSE, d, "a transaction is already open");
    if (kind != MG_DB_TX_READ && kind != MG_DB_TX_WRITE)
        return mg_db_fail(c, MG_DB_REASON_MISUSE, d, "unknown transaction kind %d", (int)kind);
    int rc = c->drv->begin(c, kind, d);
    if (rc == 0)
        c->in_tx = true;
    return rc;
}

int mg_db_commit(mg_db_conn *c, mg_diag *d)
{
    if (!c)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_db_commit: no connection");
    if (!c->in_tx)
        return mg_db_fail(c, MG_DB_REASON_MISUSE, d, "commit without a transaction");
    int rc = c->drv->commit(c, d);
    if (rc)
        c->drv->rollback(c); /* a failed COMMIT may leave the transaction open */
    c->in_tx = false;
    return rc;
}

void mg_db_rollback(mg_db_conn *c)
{
    if (!c || !c->in_tx)
        return;
    c->drv->rollback(c);
    c->in_tx = false;
}

/* Milliseconds of CLOCK_MONOTONIC. */
static double monotonic_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/*
 * A transaction that lost to a concurrent one (PostgreSQL's serialisation
 * failures; SQLite's BUSY_SNAPSHOT) is run again after a pause that doubles
 * each time (1, 2, 4… 64 ms, with jitter so that two losers do not meet
 * again), for as long as busy_ms allows: heavy contention ends like a lock
 * held elsewhere, in MG_EBUSY, never in an endless loop.
 */
int mg_db_transaction(mg_db *db, mg_db_tx_kind kind, mg_db_tx_fn fn, void *ctx, mg_diag *d)
{
    if (!db || !fn)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_db_transaction: no database or body");
    double until = monotonic_ms() + db->opts.busy_ms;
    unsigned seed = (unsigned)(uintptr_t)&seed ^ (unsigned)time(NULL);
    for (unsigned attempt = 0;; attempt++) {
        mg_db_conn *c = NULL;
        mg_diag local = {{0}};
        int rc = mg_db_acquire(db, &c, &local);
        if (rc == 0)
            rc = mg_db_begin(c, kind, &local);
        if (rc == 0)
            rc = fn(c, ctx, &local);
        if (rc == 0)
            rc = mg_db_commit(c, &local);
        mg_db_reason why = mg_db_reason_of(c);
        mg_db_rollback(c);
        mg_db_release(c);
        double pause = (double)(1u << (attempt < 6 ? attempt : 6)) * (0.5 + rand_r(&seed) / (RAND_MAX + 1.0));
        if (rc == 0 || why != MG_DB_REASON_SERIALIZATION || monotonic_ms() + pause > until) {
            if (rc && d && !d->msg[0])
                *d = local;
            return rc;
        }
        struct timespec ts = {0, (long)(pause * 1e6)};
        nanosleep(&ts, NULL);
    }
}

/* --- Statements ------------------------------------------------------------------ */

int mg_db_prepare(mg_db_conn *c, const char *sql, mg_db_stmt **out, mg_diag *d)
{
    if (!out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_db_prepare: out is NULL");
    *out = NULL;
    if (!c || !sql)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_db_prepare: no connection or SQL");
    int n = 0;
    if (mg_db_scan_params(sql, NULL, &n) != 0)
        return mg_db_fail(c, MG_DB_REASON_SYNTAX, d,
                          "parameters must be written ?1 to ?%d: %.80s", MG_DB_MAX_PARAMS, sql);
    mg_db_stmt *s = NULL;
    int rc = c->drv->prepare(c, sql, n, &s, d);
    if (rc)
        return rc;
    s->conn = c;
    s->nparams = n;
    *out = s;
    return 0;
}

static void value_clear(mg_db_value *v)
{
    free(v->p);
    memset(v, 0, sizeof *v);
}

void mg_db_finalize(mg_db_stmt *s)
{
    if (!s)
        return;
    for (int i = 0; i < MG_DB_MAX_PARAMS; i++)
        value_clear(&s->param[i]);
    s->conn->drv->finalize(s);
}

/* The slot of parameter i, cleared, or NULL when i is out of range. A
 * statement already running is reset first, as SQLite requires. */
static mg_db_value *slot(mg_db_stmt *s, int i)
{
    if (!s || i < 1 || i > s->nparams)
        return NULL;
    if (s->started)
        mg_db_reset(s);
    value_clear(&s->param[i - 1]);
    return &s->param[i - 1];
}

int mg_db_bind_null(mg_db_stmt *s, int i)
{
    return slot(s, i) ? 0 : MG_EINVAL;
}

int mg_db_bind_int64(mg_db_stmt *s, int i, int64_t v)
{
    mg_db_value *p = slot(s, i);
    if (!p)
        return MG_EINVAL;
    p->type = MG_DB_V_INT;
    p->i = v;
    return 0;
}

int mg_db_bind_double(mg_db_stmt *s, int i, double v)
{
    mg_db_value *p = slot(s, i);
    if (!p)
        return MG_EINVAL;
    p->type = MG_DB_V_DOUBLE;
    p->f = v;
    return 0;
}

int mg_db_bind_text(mg_db_stmt *s, int i, const char *v)
{
    mg_db_value *p = slot(s, i);
    if (!p)
        return MG_EINVAL;
    if (!v)
        return 0;
    /* Refused here for both drivers alike: PostgreSQL would refuse it at
     * the step, SQLite would store the bytes. */
    size_t n = strlen(v);
    if (mg_utf8_check(v, n, NULL) != n)
        return MG_EUTF8;
    p->p = mg_strndup(v, n);
    if (!p->p)
        return MG_ENOMEM;
    p->type = MG_DB_V_TEXT;
    p->n = n;
    return 0;
}

int mg_db_bind_blob(mg_db_stmt *s, int i, const void *v, size_t n)
{
    mg_db_value *p = slot(s, i);
    if (!p)
        return MG_EINVAL;
    if (!v)
        return 0;
    p->p = mg_alloc_array(n ? n : 1, 1);
    if (!p->p)
        return MG_ENOMEM;
    if (n)
        memcpy(p->p, v, n);
    p->type = MG_DB_V_BLOB;
    p->n = n;
    return 0;
}

int mg_db_step(mg_db_stmt *s, mg_diag *d)
{
    if (!s)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_db_step: no statement");
    if (s->done)
        return mg_db_fail(s->conn, MG_DB_REASON_MISUSE, d, "step after the last row; reset first");
    s->started = true;
    int rc = s->conn->drv->step(s, d);
    if (rc == MG_DB_DONE)
        s->done = true;
    else if (rc == MG_DB_ROW)
        s->conn->reason = MG_DB_REASON_NONE;
    return rc;
}

void mg_db_reset(mg_db_stmt *s)
{
    if (!s)
        return;
    s->conn->drv->reset(s);
    s->started = false;
    s->done = false;
}

int64_t mg_db_changes(const mg_db_stmt *s)
{
    return s ? s->changes : 0;
}

/* Columns: out-of-range columns read as NULL, as SQLite does. */
static int col_ok(const mg_db_stmt *s, int col)
{
    return s && col >= 0 && col < s->conn->drv->column_count(s);
}

int mg_db_column_count(const mg_db_stmt *s)
{
    return s ? s->conn->drv->column_count(s) : 0;
}

int mg_db_column_is_null(const mg_db_stmt *s, int col)
{
    return !col_ok(s, col) || s->conn->drv->column_is_null(s, col);
}

int64_t mg_db_column_int64(const mg_db_stmt *s, int col)
{
    return col_ok(s, col) ? s->conn->drv->column_int64(s, col) : 0;
}

double mg_db_column_double(const mg_db_stmt *s, int col)
{
    return col_ok(s, col) ? s->conn->drv->column_double(s, col) : 0.0;
}

const char *mg_db_column_text(const mg_db_stmt *s, int col)
{
    return col_ok(s, col) ? s->conn->drv->column_text(s, col) : NULL;
}

const void *mg_db_column_blob(const mg_db_stmt *s, int col, size_t *n)
{
    if (!col_ok(s, col)) {
        if (n)
            *n = 0;
        return NULL;
    }
    size_t len = 0;
    const void *p = s->conn->drv->column_blob(s, col, &len);
    if (n)
        *n = p ? len : 0;
    return p;
}

int mg_db_exec(mg_db_conn *c, const char *sql, mg_diag *d)
{
    if (!c || !sql)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_db_exec: no connection or SQL");
    c->reason = MG_DB_REASON_NONE;
    return c->drv->exec(c, sql, d);
}

int mg_db_timestamp(char out[static MG_DB_TIMESTAMP_SIZE], mg_diag *d)
{
    time_t t = time(NULL);
    struct tm tm;
    if (t == (time_t)-1 || !gmtime_r(&t, &tm) ||
        strftime(out, MG_DB_TIMESTAMP_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) != MG_DB_TIMESTAMP_SIZE - 1)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot read the clock");
    return 0;
}

/* --- Parameters -------------------------------------------------------------------- */

int mg_db_scan_params(const char *sql, char *out, int *max_n)
{
    int top = 0;
    size_t o = 0;
    for (size_t i = 0; sql[i];) {
        char ch = sql[i];
        if (ch == '\'' || ch == '"') {
            /* A literal or quoted identifier; a doubled quote stays inside. */
            size_t j = i + 1;
            for (;;) {
                if (!sql[j])
                    break;
                if (sql[j] == ch) {
                    if (sql[j + 1] == ch) {
                        j += 2;
                        continue;
                    }
                    j++;
                    break;
                }
                j++;
            }
            if (out)
                memcpy(out + o, sql + i, j - i);
            o += j - i;
            i = j;
        } else if (ch == '/' && sql[i + 1] == '*') {
            /* A block comment, to its end (not nested: SQLite does not nest). */
            const char *end = strstr(sql + i + 2, "*/");
            size_t j = end ? (size_t)(end - sql) + 2 : i + strlen(sql + i);
            if (out)
                memcpy(out + o, sql + i, j - i);
            o += j - i;
            i = j;
        } else if (ch == '-' && sql[i + 1] == '-') {
            size_t j = i;
            while (sql[j] && sql[j] != '\n')
                j++;
            if (out)
                memcpy(out + o, sql + i, j - i);
            o += j - i;
            i = j;
        } else if (ch == '?') {
            int n = 0;
            size_t j = i + 1;
            while (sql[j] >= '0' && sql[j] <= '9' && n <= MG_DB_MAX_PARAMS)
                n = n * 10 + (sql[j++] - '0');
            if (j == i + 1 || n < 1 || n > MG_DB_MAX_PARAMS)
                return MG_EINVAL;
            if (n > top)
                top = n;
            if (out) {
                out[o] = '$';
                memcpy(out + o + 1, sql + i + 1, j - i - 1);
            }
            o += j - i;
            i = j;
        } else {
            if (out)
                out[o] = ch;
            o++;
            i++;
        }
    }
    if (out)
        out[o] = '\0';
    if (max_n)
        *max_n = top;
    return 0;
}
