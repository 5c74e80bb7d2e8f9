/*
 * Log-in and sessions: the password checked under the slow-down, a
 * session opened (its token given once, its hash stored), loaded for each
 * request with its expiry computed from its times, renewed at most once a
 * minute, and ended. Sessions and failed log-ins are not audited: they are
 * not changes of the platform's objects.
 */
#include <stdio.h>
#include <string.h>

#include "auth/internal.h"

static const char SQL_ACCOUNT_FOR_LOGIN[] =
    "SELECT id, password_hash, CASE WHEN totp_secret IS NULL THEN 0 ELSE 1 END "
    "FROM accounts WHERE email = ?1";
/* Sessions idle past MG_AUTH_SESSION_IDLE_S, everybody's, are removed at
 * each log-in (an index on last_used_at); those past their absolute
 * lifetime but still in use are removed when next presented. */
static const char SQL_FORGET_IDLE[] = "DELETE FROM sessions WHERE last_used_at <= ?1";
static const char SQL_INSERT[] =
    "INSERT INTO sessions (token_hash, account_id, created_at, last_used_at, totp_pending, "
    "address) VALUES (?1, ?2, ?3, ?3, ?4, ?5)";
static const char SQL_GET[] =
    "SELECT account_id, created_at, last_used_at, totp_pending FROM sessions "
    "WHERE token_hash = ?1";
static const char SQL_TOUCH[] =
    "UPDATE sessions SET last_used_at = ?2 WHERE token_hash = ?1 AND last_used_at < ?2";
static const char SQL_DELETE[] = "DELETE FROM sessions WHERE token_hash = ?1";
static const char SQL_DELETE_ACCOUNT[] =
    "DELETE FROM sessions WHERE account_id = ?1 AND token_hash <> ?2";

int auth_sessions_delete(mg_db_conn *c, int64_t account_id, const char *keep_hash, mg_diag *d)
{
    return mg_db_run(c, SQL_DELETE_ACCOUNT,
                     MG_DB_PARAMS(MG_DB_INT(account_id), MG_DB_TEXT(keep_hash ? keep_hash : "")), NULL, d);
}

/* --- Log-in --------------------------------------------------------------------- */

struct account_row {
    const char *email;
    int64_t id;
    char hash[AUTH_PWHASH_MAX];
    bool totp;
};

static int account_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct account_row *t = ctx;
    t->id = 0;
    t->hash[0] = '\0';
    t->totp = false;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, SQL_ACCOUNT_FOR_LOGIN, MG_DB_PARAMS(MG_DB_TEXT(t->email)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        t->id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, t->hash, sizeof t->hash);
        t->totp = mg_db_column_int64(q, 2) != 0;
        rc = 0;
    }
    mg_db_finalize(q);
    return rc;
}

struct open_tx {
    const char *clear_key;
    const char *token_hash;
    int64_t account, now;
    bool totp;
    const char *address;
};

static int open_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct open_tx *t = ctx;
    int rc = auth_throttle_clear(c, t->clear_key, d);
    if (rc == 0)
        rc = mg_db_run(c, SQL_FORGET_IDLE, MG_DB_PARAMS(MG_DB_INT(t->now - MG_AUTH_SESSION_IDLE_S)), NULL,
                       d);
    if (rc == 0)
        rc = mg_db_run(c, SQL_INSERT,
                       MG_DB_PARAMS(MG_DB_TEXT(t->token_hash), MG_DB_INT(t->account), MG_DB_INT(t->now),
                              MG_DB_INT(t->totp), MG_DB_TEXT(t->address)),
                       NULL, d);
    return rc;
}

static int throttled(int64_t wait, int64_t *retry_after, mg_diag *d)
{
    if (retry_after)
        *retry_after = wait;
    return mg_diag_set(d, MG_ETHROTTLE, NULL, 0, 0,
                       "Trop de tentatives infructueuses : réessayez dans %lld seconde%s.",
                       (long long)wait, wait > 1 ? "s" : "");
}

int mg_auth_login(mg_db *db, const char *email, const char *password, const char *address,
                  int64_t now, mg_auth_login_result *out, int64_t *retry_after, mg_diag *d)
{
    if (retry_after)
        *retry_after = 0;
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_login: NULL argument");
    memset(out, 0, sizeof *out);
    int rc = auth_address_check(address, d);
    if (rc)
        return rc;
    const char *addr = address ? address : "";
    /* An address that cannot be an account's is counted against the
     * client's address only, and checked against the dummy hash like an
     * unknown one. */
    char norm[MG_AUTH_EMAIL_MAX_BYTES + 1];
    bool email_ok = mg_auth_email_normalise(email, norm, NULL) == 0;
    char login_key[AUTH_KEY_MAX_BYTES], addr_key[AUTH_KEY_MAX_BYTES];
    snprintf(login_key, sizeof login_key, "login:%s|%s", norm, addr);
    snprintf(addr_key, sizeof addr_key, "addr:%s", addr);
    const char *keys[] = {email_ok ? login_key : NULL, addr_key};

    int64_t wait = 0;
    rc = auth_throttle_wait(db, keys, 2, now, &wait, d);
    if (rc)
        return rc;
    if (wait > 0)
        return throttled(wait, retry_after, d);

    struct account_row acc = {.email = norm};
    if (email_ok && (rc = mg_db_transaction(db, MG_DB_TX_READ, account_body, &acc, d)) != 0)
        return rc;
    bool ok = false;
    rc = auth_password_verify(acc.hash, password, &ok, d);
    if (rc)
        return rc;
    if (!ok || acc.id == 0) {
        rc = auth_throttle_fail(db, keys, 2, now, d);
        return rc ? rc
                  : mg_diag_set(d, MG_EAUTH, NULL, 0, 0,
                                "Adresse électronique ou mot de passe incorrect.");
    }

    char hash[AUTH_HASH_HEX + 1];
    mg_auth_token_new(out->session);
    auth_secret_hash(out->session, hash);
    struct open_tx t = {login_key, hash, acc.id, now, acc.totp, addr};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, open_body, &t, d);
    if (rc) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    out->account_id = acc.id;
    out->totp_required = acc.totp;
    return 0;
}

/* --- Loading, renewing and ending ---------------------------------------------- */

struct load_tx {
    const char *hash;
    mg_auth_session *out;
    bool found;
    int64_t created, last_used;
};

static int load_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct load_tx *t = ctx;
    t->found = false;
    mg_db_stmt *q = NULL;
    int64_t account = 0;
    int rc = mg_db_prepare_with(c, SQL_GET, MG_DB_PARAMS(MG_DB_TEXT(t->hash)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        t->found = true;
        account = mg_db_column_int64(q, 0);
        t->created = mg_db_column_int64(q, 1);
        t->last_used = mg_db_column_int64(q, 2);
        t->out->totp_pending = mg_db_column_int64(q, 3) != 0;
        rc = 0;
    }
    mg_db_finalize(q);
    if (rc == 0 && t->found)
        rc = auth_actor_read(c, account, &t->out->actor, d);
    return rc;
}

struct hash_tx {
    const char *hash;
    int64_t now;
};

static int delete_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct hash_tx *t = ctx;
    return mg_db_run(c, SQL_DELETE, MG_DB_PARAMS(MG_DB_TEXT(t->hash)), NULL, d);
}

static int touch_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct hash_tx *t = ctx;
    return mg_db_run(c, SQL_TOUCH, MG_DB_PARAMS(MG_DB_TEXT(t->hash), MG_DB_INT(t->now)), NULL, d);
}

static int unknown_session(mg_diag *d)
{
    return mg_diag_set(d, MG_EAUTH, NULL, 0, 0,
                       "Votre session est inconnue ou a expiré : reconnectez-vous.");
}

int mg_auth_session_load(mg_db *db, const char *token, int64_t now, mg_auth_session *out,
                         mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_session_load: NULL argument");
    memset(out, 0, sizeof *out);
    if (!auth_token_wellformed(token))
        return unknown_session(d);
    char hash[AUTH_HASH_HEX + 1];
    auth_secret_hash(token, hash);
    struct load_tx t = {hash, out, false, 0, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, load_body, &t, d);
    if (rc || !t.found) {
        memset(out, 0, sizeof *out);
        return rc ? rc : unknown_session(d);
    }
    struct hash_tx h = {hash, now};
    if (now - t.last_used >= MG_AUTH_SESSION_IDLE_S || now - t.created >= MG_AUTH_SESSION_MAX_S) {
        memset(out, 0, sizeof *out);
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, delete_body, &h, d);
        return rc ? rc : unknown_session(d);
    }
    if (now - t.last_used >= MG_AUTH_SESSION_TOUCH_S) {
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, touch_body, &h, d);
        if (rc) {
            memset(out, 0, sizeof *out);
            return rc;
        }
        t.last_used = now;
    }
    int64_t idle_end = t.last_used + MG_AUTH_SESSION_IDLE_S;
    int64_t max_end = t.created + MG_AUTH_SESSION_MAX_S;
    out->expires_at = idle_end < max_end ? idle_end : max_end;
    auth_csrf_of_session(token, out->csrf);
    return 0;
}

int mg_auth_session_end(mg_db *db, const char *token, mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_session_end: no database");
    if (!auth_token_wellformed(token))
        return 0;
    char hash[AUTH_HASH_HEX + 1];
    auth_secret_hash(token, hash);
    struct hash_tx h = {hash, 0};
    return mg_db_transaction(db, MG_DB_TX_WRITE, delete_body, &h, d);
}

struct end_all_tx {
    int64_t account;
    const char *keep;
};

static int end_all_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct end_all_tx *t = ctx;
    return auth_sessions_delete(c, t->account, t->keep, d);
}

int mg_auth_sessions_end_all(mg_db *db, int64_t account_id, const char *keep, mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_sessions_end_all: no database");
    char hash[AUTH_HASH_HEX + 1];
    bool keep_one = auth_token_wellformed(keep);
    if (keep_one)
        auth_secret_hash(keep, hash);
    struct end_all_tx t = {account_id, keep_one ? hash : NULL};
    return mg_db_transaction(db, MG_DB_TX_WRITE, end_all_body, &t, d);
}
