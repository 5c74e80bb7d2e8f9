/*
 * Personal API tokens: "mgt_" and 43 base64url characters, shown once at
 * creation and stored as the hash of the whole string; listed by name,
 * revoked (kept, so that the list shows what existed), and loaded as the
 * actor of an API request.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/internal.h"
#include "core/alloc.h"

static const char PREFIX[] = "mgt_";

static const char SQL_ACCOUNT_EXISTS[] = "SELECT id FROM accounts WHERE id = ?1";
static const char SQL_ACTIVE_COUNT[] =
    "SELECT count(*) FROM api_tokens WHERE account_id = ?1 AND revoked_at IS NULL";
static const char SQL_INSERT[] =
    "INSERT INTO api_tokens (account_id, name, token_hash, created_at) "
    "VALUES (?1, ?2, ?3, ?4) RETURNING id";
static const char SQL_REVOKE[] =
    "UPDATE api_tokens SET revoked_at = ?3 "
    "WHERE id = ?1 AND account_id = ?2 AND revoked_at IS NULL";
static const char SQL_OWNED[] = "SELECT id FROM api_tokens WHERE id = ?1 AND account_id = ?2";
static const char SQL_LIST[] =
    "SELECT id, name, created_at, last_used_at, CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END "
    "FROM api_tokens WHERE account_id = ?1 ORDER BY id DESC";
static const char SQL_BY_HASH[] =
    "SELECT id, account_id, CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, "
    "COALESCE(last_used_at, 0) FROM api_tokens WHERE token_hash = ?1";
static const char SQL_TOUCH[] =
    "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1";

/* Whether s is "mgt_" followed by a well-formed token. */
static bool api_token_wellformed(const char *s)
{
    return s && strncmp(s, PREFIX, 4) == 0 && auth_token_wellformed(s + 4);
}

struct create_tx {
    int64_t account;
    const char *name, *hash;
    mg_auth_field_error *fe;
    int64_t id;
};

static int create_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct create_tx *t = ctx;
    int64_t n = 0;
    int rc = mg_db_query_int(c, SQL_ACCOUNT_EXISTS, MG_DB_PARAMS(MG_DB_INT(t->account)), &n, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no account has id %lld",
                           (long long)t->account);
    if (rc == 0)
        rc = mg_db_query_int(c, SQL_ACTIVE_COUNT, MG_DB_PARAMS(MG_DB_INT(t->account)), &n, d);
    if (rc == 0 && n >= MG_AUTH_API_TOKENS_MAX)
        return auth_field_fail(t->fe, d, MG_ELIMIT, "name",
                               "Vous avez déjà %d jetons en service, le plus permis : révoquez "
                               "ceux qui ne servent plus.",
                               MG_AUTH_API_TOKENS_MAX);
    if (rc == 0)
        rc = mg_db_query_int(c, SQL_INSERT,
                            MG_DB_PARAMS(MG_DB_INT(t->account), MG_DB_TEXT(t->name), MG_DB_TEXT(t->hash),
                                   MG_DB_INT((int64_t)time(NULL))),
                            &t->id, d);
    if (rc)
        return rc;
    mg_audit_change ch[] = {{"name", NULL, t->name, false}};
    return auth_audit(c, t->account, 0, "api_token", t->id, "create", ch, 1, d);
}

int mg_auth_api_token_create(mg_db *db, int64_t account_id, const char *name,
                             char secret_out[static MG_AUTH_API_TOKEN_CHARS + 1],
                             int64_t *id_out, mg_auth_field_error *fe, mg_diag *d)
{
    secret_out[0] = '\0';
    if (id_out)
        *id_out = 0;
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_api_token_create: no database");
    char clean[MG_AUTH_NAME_MAX_CHARS * 4 + 1];
    int rc = auth_name_check(name, "name", "Le nom du jeton", clean, sizeof clean, fe, d);
    if (rc)
        return rc;
    char secret[MG_AUTH_API_TOKEN_CHARS + 1], hash[AUTH_HASH_HEX + 1];
    memcpy(secret, PREFIX, 4);
    mg_auth_token_new(secret + 4);
    auth_secret_hash(secret, hash);
    struct create_tx t = {account_id, clean, hash, fe, 0};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, create_body, &t, d);
    if (rc)
        return rc;
    memcpy(secret_out, secret, sizeof secret);
    if (id_out)
        *id_out = t.id;
    return 0;
}

struct revoke_tx {
    int64_t account, id;
};

static int revoke_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct revoke_tx *t = ctx;
    int64_t changed = 0, found = 0;
    int rc = mg_db_run(c, SQL_REVOKE,
                       MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_INT(t->account), MG_DB_INT((int64_t)time(NULL))),
                       &changed, d);
    if (rc)
        return rc;
    if (changed == 0) {
        /* Revoked already (nothing to do), or not this account's. */
        rc = mg_db_query_int(c, SQL_OWNED, MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_INT(t->account)), &found, d);
        if (rc == MG_ENOTFOUND)
            return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                               "this account has no API token of id %lld", (long long)t->id);
        return rc;
    }
    mg_audit_change ch[] = {{"revoked", "false", "true", false}};
    return auth_audit(c, t->account, 0, "api_token", t->id, "revoke", ch, 1, d);
}

int mg_auth_api_token_revoke(mg_db *db, int64_t account_id, int64_t token_id, mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_api_token_revoke: no database");
    struct revoke_tx t = {account_id, token_id};
    return mg_db_transaction(db, MG_DB_TX_WRITE, revoke_body, &t, d);
}

struct list_tx {
    int64_t account;
    mg_auth_api_token *list;
    size_t n, cap;
};

static int list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    free(t->list);
    t->list = NULL;
    t->n = t->cap = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, SQL_LIST, MG_DB_PARAMS(MG_DB_INT(t->account)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if (t->n == t->cap) {
            size_t ncap = t->cap ? t->cap * 2 : 8;
            mg_auth_api_token *grown = mg_realloc_array(t->list, ncap, sizeof *grown);
            if (!grown) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory listing tokens");
                break;
            }
            t->list = grown;
            t->cap = ncap;
        }
        mg_auth_api_token *k = &t->list[t->n++];
        memset(k, 0, sizeof *k);
        k->id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, k->name, sizeof k->name);
        auth_time_text(mg_db_column_int64(q, 2), k->created_at);
        if (!mg_db_column_is_null(q, 3))
            auth_time_text(mg_db_column_int64(q, 3), k->last_used_at);
        k->revoked = mg_db_column_int64(q, 4) != 0;
        rc = 0;
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

int mg_auth_api_token_list(mg_db *db, int64_t account_id, mg_auth_api_token **out, size_t *n,
                           mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_api_token_list: NULL argument");
    *out = NULL;
    *n = 0;
    struct list_tx t = {account_id, NULL, 0, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc || t.n == 0) {
        free(t.list);
        return rc;
    }
    *out = t.list;
    *n = t.n;
    return 0;
}

struct load_tx {
    const char *hash;
    mg_auth_actor *out;
    int64_t id, last_used;
    bool found, revoked;
};

static int load_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct load_tx *t = ctx;
    t->found = t->revoked = false;
    int64_t account = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, SQL_BY_HASH, MG_DB_PARAMS(MG_DB_TEXT(t->hash)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        t->found = true;
        t->id = mg_db_column_int64(q, 0);
        account = mg_db_column_int64(q, 1);
        t->revoked = mg_db_column_int64(q, 2) != 0;
        t->last_used = mg_db_column_int64(q, 3);
        rc = 0;
    }
    mg_db_finalize(q);
    if (rc == 0 && t->found && !t->revoked)
        rc = auth_actor_read(c, account, t->out, d);
    return rc;
}

struct touch_tx {
    int64_t id, now;
};

static int touch_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct touch_tx *t = ctx;
    return mg_db_run(c, SQL_TOUCH, MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_INT(t->now)), NULL, d);
}

static int bad_token(mg_diag *d)
{
    return mg_diag_set(d, MG_EAUTH, NULL, 0, 0, "Jeton d'accès inconnu ou révoqué.");
}

int mg_auth_api_token_load(mg_db *db, const char *secret, int64_t now, mg_auth_actor *out,
                           mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_api_token_load: NULL argument");
    memset(out, 0, sizeof *out);
    if (!api_token_wellformed(secret))
        return bad_token(d);
    char hash[AUTH_HASH_HEX + 1];
    auth_secret_hash(secret, hash);
    struct load_tx t = {.hash = hash, .out = out};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, load_body, &t, d);
    if (rc == 0 && (!t.found || t.revoked))
        rc = bad_token(d);
    if (rc == 0 && mg_auth_actor_needs_totp(out) && !out->totp_enabled)
        rc = mg_diag_set(d, MG_EAUTH, NULL, 0, 0,
                         "Votre rôle demande la double authentification : activez-la avant "
                         "d'utiliser un jeton d'accès.");
    if (rc == 0 && now - t.last_used >= MG_AUTH_SESSION_TOUCH_S) {
        struct touch_tx u = {t.id, now};
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, touch_body, &u, d);
    }
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}
