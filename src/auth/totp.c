/*
 * The second factor: time-based one-time codes (RFC 6238, HMAC-SHA1, 6
 * digits, 30 s steps) through liboath. Enrolment keeps a pending secret
 * until a first code proves the person's app has it; a log-in then waits
 * for a code in its session. Each account keeps the last step it used, so
 * that a code, valid for up to three steps, is accepted once.
 */
#include <liboath/oath.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/internal.h"

static const char SQL_SET_PENDING[] =
    "UPDATE accounts SET totp_pending_secret = ?2 WHERE id = ?1";
static const char SQL_EMAIL[] = "SELECT email FROM accounts WHERE id = ?1";
static const char SQL_PENDING[] = "SELECT totp_pending_secret FROM accounts WHERE id = ?1";
static const char SQL_ENABLE[] =
    "UPDATE accounts SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, "
    "totp_last_step = ?2 WHERE id = ?1 AND totp_pending_secret = ?3";
static const char SQL_SESSION[] =
    "SELECT s.account_id, s.created_at, s.last_used_at, s.totp_pending, a.totp_secret, "
    "a.totp_last_step FROM sessions s JOIN accounts a ON a.id = s.account_id "
    "WHERE s.token_hash = ?1";
/* Accepting a step is one conditional update: of two requests with the
 * same code, only one changes the row. */
static const char SQL_USE_STEP[] =
    "UPDATE accounts SET totp_last_step = ?2 WHERE id = ?1 AND totp_last_step < ?2";
static const char SQL_SESSION_DONE[] =
    "UPDATE sessions SET totp_pending = 0, last_used_at = ?2 "
    "WHERE token_hash = ?1 AND totp_pending = 1";

/* The bytes of a base32 secret, into raw (at least 64 bytes). */
static int secret_bytes(const char *b32, char *raw, size_t *n, mg_diag *d)
{
    char *out = NULL;
    size_t len = 0;
    if (!b32 || oath_base32_decode(b32, strlen(b32), &out, &len) != OATH_OK || len == 0 ||
        len > 64) {
        free(out);
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "auth: the TOTP secret is not base32");
    }
    memcpy(raw, out, len);
    sodium_memzero(out, len);
    free(out);
    *n = len;
    return 0;
}

/* A code as typed: 6 digits, spaces between them allowed ("123 456"). */
static bool code_normalise(const char *in, char out[static MG_AUTH_TOTP_DIGITS + 1])
{
    size_t n = 0;
    for (size_t i = 0; in && in[i]; i++) {
        if (in[i] == ' ')
            continue;
        if (in[i] < '0' || in[i] > '9' || n == MG_AUTH_TOTP_DIGITS)
            return false;
        out[n++] = in[i];
    }
    out[n] = '\0';
    return n == MG_AUTH_TOTP_DIGITS;
}

/* Whether `code` is the code of the secret within MG_AUTH_TOTP_WINDOW
 * steps of now; *step the step it belongs to. */
static int code_match(const char *b32, const char *code, int64_t now, bool *ok, int64_t *step,
                      mg_diag *d)
{
    *ok = false;
    *step = 0;
    char digits[MG_AUTH_TOTP_DIGITS + 1];
    if (!code_normalise(code, digits))
        return 0;
    char raw[64];
    size_t n = 0;
    int rc = auth_init(d);
    if (rc == 0)
        rc = secret_bytes(b32, raw, &n, d);
    if (rc)
        return rc;
    uint64_t counter = 0;
    int r = oath_totp_validate3(raw, n, (time_t)now, MG_AUTH_TOTP_STEP_S, 0,
                                MG_AUTH_TOTP_WINDOW, NULL, &counter, digits);
    sodium_memzero(raw, sizeof raw);
    if (r >= 0 && counter <= INT64_MAX) {
        *ok = true;
        *step = (int64_t)counter;
    }
    return 0;
}

int mg_auth_totp_code(const char *secret_base32, int64_t now, char out[static 7], mg_diag *d)
{
    out[0] = '\0';
    char raw[64];
    size_t n = 0;
    int rc = auth_init(d);
    if (rc == 0)
        rc = secret_bytes(secret_base32, raw, &n, d);
    if (rc)
        return rc;
    int r = oath_totp_generate(raw, n, (time_t)now, MG_AUTH_TOTP_STEP_S, 0, MG_AUTH_TOTP_DIGITS,
                               out);
    sodium_memzero(raw, sizeof raw);
    if (r != OATH_OK) {
        out[0] = '\0';
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "auth: cannot compute a TOTP code: %s",
                           oath_strerror(r));
    }
    return 0;
}

/* --- Enrolment ----------------------------------------------------------------- */

/* Appends s to out percent-encoded (all but unreserved characters). */
static void percent_encode(const char *s, char *out, size_t cap, size_t *len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                     (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        char buf[3] = {(char)c, 0, 0};
        size_t k = 1;
        if (!plain) {
            buf[0] = '%';
            buf[1] = hex[c >> 4];
            buf[2] = hex[c & 15];
            k = 3;
        }
        for (size_t i = 0; i < k; i++, (*len)++)
            if (*len + 1 < cap)
                out[*len] = buf[i];
    }
}

struct begin_tx {
    int64_t account;
    const char *secret;
    char *uri;
    size_t uri_cap;
};

static int begin_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct begin_tx *t = ctx;
    int64_t changed = 0;
    int rc = mg_db_run(c, SQL_SET_PENDING, MG_DB_PARAMS(MG_DB_INT(t->account), MG_DB_TEXT(t->secret)),
                       &changed, d);
    if (rc == 0 && changed == 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no account has id %lld",
                           (long long)t->account);
    if (rc == 0 && t->uri && t->uri_cap) {
        char email[MG_AUTH_EMAIL_MAX_BYTES + 1] = "";
        mg_db_stmt *q = NULL;
        rc = mg_db_prepare_with(c, SQL_EMAIL, MG_DB_PARAMS(MG_DB_INT(t->account)), &q, d);
        if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW)
            mg_db_column_copy(q, 0, email, sizeof email);
        mg_db_finalize(q);
        if (rc < 0)
            return rc;
        /* otpauth://totp/ISSUER:LABEL?secret=…&issuer=… as authenticator
         * apps read it (Google's "Key Uri Format"). */
        size_t len = 0;
        char label[MG_AUTH_EMAIL_MAX_BYTES * 3 + 1];
        percent_encode(email, label, sizeof label, &len);
        label[len < sizeof label ? len : sizeof label - 1] = '\0';
        int n = snprintf(t->uri, t->uri_cap,
                         "otpauth://totp/maillage:%s?secret=%s&issuer=maillage&algorithm=SHA1"
                         "&digits=%d&period=%d",
                         label, t->secret, MG_AUTH_TOTP_DIGITS, MG_AUTH_TOTP_STEP_S);
        if (n < 0 || (size_t)n >= t->uri_cap)
            return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                               "mg_auth_totp_begin: the URI needs %d bytes", n + 1);
        rc = 0;
    }
    if (rc)
        return rc;
    mg_audit_change ch[] = {{"totp_pending_secret", NULL, NULL, true}};
    return auth_audit(c, t->account, 0, "account", t->account, "totp_begin", ch, 1, d);
}

int mg_auth_totp_begin(mg_db *db, int64_t account_id,
                       char secret[static MG_AUTH_TOTP_SECRET_CHARS + 1], char *uri,
                       size_t uri_cap, mg_diag *d)
{
    secret[0] = '\0';
    if (uri && uri_cap)
        uri[0] = '\0';
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_totp_begin: no database");
    int rc = auth_init(d);
    if (rc)
        return rc;
    unsigned char raw[MG_AUTH_TOTP_SECRET_BYTES];
    randombytes_buf(raw, sizeof raw);
    char *b32 = NULL;
    size_t len = 0;
    int r = oath_base32_encode((const char *)raw, sizeof raw, &b32, &len);
    sodium_memzero(raw, sizeof raw);
    if (r != OATH_OK || len != MG_AUTH_TOTP_SECRET_CHARS) {
        free(b32);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "auth: cannot encode a TOTP secret");
    }
    memcpy(secret, b32, len);
    secret[len] = '\0';
    sodium_memzero(b32, len);
    free(b32);
    struct begin_tx t = {account_id, secret, uri, uri_cap};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, begin_body, &t, d);
    if (rc) {
        sodium_memzero(secret, MG_AUTH_TOTP_SECRET_CHARS + 1);
        if (uri && uri_cap)
            uri[0] = '\0';
    }
    return rc;
}

struct confirm_tx {
    int64_t account, now;
    const char *code;
};

static int wrong_code(mg_diag *d)
{
    return mg_diag_set(d, MG_EAUTH, NULL, 0, 0, "Code incorrect ou déjà utilisé.");
}

static int confirm_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct confirm_tx *t = ctx;
    char pending[MG_AUTH_TOTP_SECRET_CHARS + 1] = "";
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, SQL_PENDING, MG_DB_PARAMS(MG_DB_INT(t->account)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW)
        mg_db_column_copy(q, 0, pending, sizeof pending);
    mg_db_finalize(q);
    if (rc == MG_DB_DONE)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no account has id %lld",
                           (long long)t->account);
    if (rc < 0)
        return rc;
    if (!pending[0])
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "Aucune activation de la double authentification n'est en cours.");
    bool ok = false;
    int64_t step = 0;
    rc = code_match(pending, t->code, t->now, &ok, &step, d);
    int64_t changed = 0;
    if (rc == 0 && ok)
        rc = mg_db_run(c, SQL_ENABLE, MG_DB_PARAMS(MG_DB_INT(t->account), MG_DB_INT(step), MG_DB_TEXT(pending)),
                       &changed, d);
    sodium_memzero(pending, sizeof pending);
    if (rc == 0 && !ok)
        return wrong_code(d);
    if (rc)
        return rc;
    if (changed != 1)
        return wrong_code(d);
    mg_audit_change ch[] = {{"totp_secret", NULL, NULL, true},
                            {"totp_pending_secret", NULL, NULL, true}};
    return auth_audit(c, t->account, 0, "account", t->account, "totp_enable", ch, 2, d);
}

int mg_auth_totp_confirm(mg_db *db, int64_t account_id, const char *code, int64_t now,
                         mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_totp_confirm: no database");
    struct confirm_tx t = {account_id, now, code};
    return mg_db_transaction(db, MG_DB_TX_WRITE, confirm_body, &t, d);
}

/* --- The code of a log-in ------------------------------------------------------- */

struct pending_tx {
    const char *hash;
    bool found, pending;
    int64_t account, created, last_used, last_step;
    char secret[MG_AUTH_TOTP_SECRET_CHARS + 1];
};

static int pending_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct pending_tx *t = ctx;
    t->found = false;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, SQL_SESSION, MG_DB_PARAMS(MG_DB_TEXT(t->hash)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        t->found = true;
        t->account = mg_db_column_int64(q, 0);
        t->created = mg_db_column_int64(q, 1);
        t->last_used = mg_db_column_int64(q, 2);
        t->pending = mg_db_column_int64(q, 3) != 0;
        mg_db_column_copy(q, 4, t->secret, sizeof t->secret);
        t->last_step = mg_db_column_int64(q, 5);
        rc = 0;
    }
    mg_db_finalize(q);
    return rc;
}

struct accept_tx {
    const char *hash, *clear_key;
    int64_t account, step, now;
};

static int accept_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct accept_tx *t = ctx;
    int64_t changed = 0;
    int rc = mg_db_run(c, SQL_USE_STEP, MG_DB_PARAMS(MG_DB_INT(t->account), MG_DB_INT(t->step)), &changed, d);
    if (rc == 0 && changed != 1)
        return wrong_code(d);
    if (rc == 0)
        rc = mg_db_run(c, SQL_SESSION_DONE, MG_DB_PARAMS(MG_DB_TEXT(t->hash), MG_DB_INT(t->now)), &changed, d);
    if (rc == 0 && changed != 1)
        return mg_diag_set(d, MG_EAUTH, NULL, 0, 0,
                           "Votre session est inconnue ou a expiré : reconnectez-vous.");
    if (rc == 0)
        rc = auth_throttle_clear(c, t->clear_key, d);
    return rc;
}

int mg_auth_session_totp(mg_db *db, const char *token, const char *code, const char *address,
                         int64_t now, int64_t *retry_after, mg_diag *d)
{
    if (retry_after)
        *retry_after = 0;
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_session_totp: no database");
    int rc = auth_address_check(address, d);
    if (rc)
        return rc;
    const char *addr = address ? address : "";
    if (!auth_token_wellformed(token))
        return mg_diag_set(d, MG_EAUTH, NULL, 0, 0,
                           "Votre session est inconnue ou a expiré : reconnectez-vous.");
    char hash[AUTH_HASH_HEX + 1];
    auth_secret_hash(token, hash);
    struct pending_tx p = {.hash = hash};
    rc = mg_db_transaction(db, MG_DB_TX_READ, pending_body, &p, d);
    if (rc)
        return rc;
    if (!p.found || now - p.last_used >= MG_AUTH_SESSION_IDLE_S ||
        now - p.created >= MG_AUTH_SESSION_MAX_S)
        return mg_diag_set(d, MG_EAUTH, NULL, 0, 0,
                           "Votre session est inconnue ou a expiré : reconnectez-vous.");
    if (!p.pending || !p.secret[0])
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "Cette session n'attend pas de code.");

    char totp_key[AUTH_KEY_MAX_BYTES], addr_key[AUTH_KEY_MAX_BYTES];
    /* Codes are counted per account, whatever the address: only someone
     * who has the password reaches this point, and a count per address
     * would let them try codes from many addresses at once. */
    snprintf(totp_key, sizeof totp_key, "totp:%lld", (long long)p.account);
    snprintf(addr_key, sizeof addr_key, "addr:%s", addr);
    const char *keys[] = {totp_key, addr_key};
    int64_t wait = 0;
    rc = auth_throttle_wait(db, keys, 2, now, &wait, d);
    if (rc)
        return rc;
    if (wait > 0) {
        if (retry_after)
            *retry_after = wait;
        return mg_diag_set(d, MG_ETHROTTLE, NULL, 0, 0,
                           "Trop de codes incorrects : réessayez dans %lld seconde%s.",
                           (long long)wait, wait > 1 ? "s" : "");
    }
    bool ok = false;
    int64_t step = 0;
    rc = code_match(p.secret, code, now, &ok, &step, d);
    sodium_memzero(p.secret, sizeof p.secret);
    if (rc)
        return rc;
    if (ok && step > p.last_step) {
        struct accept_tx a = {hash, totp_key, p.account, step, now};
        mg_diag why = {{0}};
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, accept_body, &a, &why);
        if (rc == 0)
            return 0;
        if (rc != MG_EAUTH)
            return mg_diag_set(d, rc, NULL, 0, 0, "%s", why.msg);
    }
    rc = auth_throttle_fail(db, keys, 2, now, d);
    return rc ? rc : wrong_code(d);
}
