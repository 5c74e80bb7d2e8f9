/*
 * The slow-down of failed attempts (log-in, second factor, reset
 * requests): a count and the time of the last failure per key in
 * auth_failures. Past MG_AUTH_FREE_FAILURES failures, an attempt must wait
 * 2^(failures - MG_AUTH_FREE_FAILURES - 1) seconds after the last one (1,
 * 2, 4 … s, at most MG_AUTH_WAIT_MAX_S); an attempt refused for that does
 * not count. Nothing is ever locked: a key only slows down itself.
 */
#include "auth/internal.h"

static const char SQL_GET[] =
    "SELECT failures, last_failure_at FROM auth_failures WHERE key = ?1";
static const char SQL_FORGET[] = "DELETE FROM auth_failures WHERE last_failure_at < ?1";
/* The count stops growing at a million: the wait is at its maximum long
 * before, and the column cannot overflow. */
static const char SQL_COUNT[] =
    "INSERT INTO auth_failures (key, failures, last_failure_at) VALUES (?1, 1, ?2) "
    "ON CONFLICT (key) DO UPDATE SET failures = auth_failures.failures + "
    "CASE WHEN auth_failures.failures < 1000000 THEN 1 ELSE 0 END, last_failure_at = ?2";
static const char SQL_CLEAR[] = "DELETE FROM auth_failures WHERE key = ?1";

/* Seconds an attempt must still wait at `now` after `failures` failures,
 * the last at `last`. */
static int64_t wait_after(int64_t failures, int64_t last, int64_t now)
{
    if (failures <= MG_AUTH_FREE_FAILURES)
        return 0;
    int64_t e = failures - MG_AUTH_FREE_FAILURES - 1;
    int64_t w = e >= 30 ? MG_AUTH_WAIT_MAX_S : (int64_t)1 << e;
    if (w > MG_AUTH_WAIT_MAX_S)
        w = MG_AUTH_WAIT_MAX_S;
    int64_t left = last + w - now;
    /* A clock moved back never makes the wait longer than its length. */
    return left <= 0 ? 0 : left > w ? w : left;
}

/* A key as stored: its BLAKE2b hash, so that the table, which lives a day,
 * does not hold e-mail addresses and client addresses in the clear. */
static void stored_key(const char *key, char out[static AUTH_HASH_HEX + 1])
{
    auth_secret_hash(key, out);
}

struct wait_tx {
    const char *const *keys;
    size_t n;
    int64_t now, wait;
};

static int wait_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct wait_tx *t = ctx;
    t->wait = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (!t->keys[i])
            continue;
        mg_db_stmt *q = NULL;
        char k[AUTH_HASH_HEX + 1];
        stored_key(t->keys[i], k);
        int rc = mg_db_prepare_with(c, SQL_GET, MG_DB_PARAMS(MG_DB_TEXT(k)), &q, d);
        if (rc == 0)
            rc = mg_db_step(q, d);
        if (rc == MG_DB_ROW) {
            int64_t w = wait_after(mg_db_column_int64(q, 0), mg_db_column_int64(q, 1), t->now);
            if (w > t->wait)
                t->wait = w;
            rc = 0;
        }
        mg_db_finalize(q);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int auth_throttle_wait(mg_db *db, const char *const *keys, size_t n, int64_t now,
                       int64_t *wait, mg_diag *d)
{
    struct wait_tx t = {keys, n, now, 0};
    *wait = 0;
    int rc = mg_db_transaction(db, MG_DB_TX_READ, wait_body, &t, d);
    if (rc == 0)
        *wait = t.wait;
    return rc;
}

struct fail_tx {
    const char *const *keys;
    size_t n;
    int64_t now;
};

static int fail_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct fail_tx *t = ctx;
    int rc = mg_db_run(c, SQL_FORGET, MG_DB_PARAMS(MG_DB_INT(t->now - AUTH_FAILURE_MEMORY_S)), NULL, d);
    for (size_t i = 0; rc == 0 && i < t->n; i++) {
        if (!t->keys[i])
            continue;
        char k[AUTH_HASH_HEX + 1];
        stored_key(t->keys[i], k);
        rc = mg_db_run(c, SQL_COUNT, MG_DB_PARAMS(MG_DB_TEXT(k), MG_DB_INT(t->now)), NULL, d);
    }
    return rc;
}

int auth_throttle_fail(mg_db *db, const char *const *keys, size_t n, int64_t now, mg_diag *d)
{
    struct fail_tx t = {keys, n, now};
    return mg_db_transaction(db, MG_DB_TX_WRITE, fail_body, &t, d);
}

int auth_throttle_clear(mg_db_conn *c, const char *key, mg_diag *d)
{
    char k[AUTH_HASH_HEX + 1];
    stored_key(key, k);
    return mg_db_run(c, SQL_CLEAR, MG_DB_PARAMS(MG_DB_TEXT(k)), NULL, d);
}
