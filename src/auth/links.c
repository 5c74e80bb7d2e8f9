/*
 * Passwords set or changed, and the one-time links that let people set
 * one: a reset asked for by e-mail, an invitation into an organisation,
 * and self-registration of an applicant's organisation. A link is used by
 * one conditional UPDATE (used_at still NULL, not expired) whose change
 * count must be 1, so that two uses at once cannot both succeed.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/internal.h"

static const char SQL_LINK_INSERT[] =
    "INSERT INTO auth_links (token_hash, kind, account_id, created_at, expires_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_LINKS_VOID[] =
    "UPDATE auth_links SET used_at = ?2 WHERE account_id = ?1 AND used_at IS NULL";
static const char SQL_LINK_VALID[] =
    "SELECT l.account_id, a.email FROM auth_links l JOIN accounts a ON a.id = l.account_id "
    "WHERE l.token_hash = ?1 AND l.used_at IS NULL AND l.expires_at > ?2";
static const char SQL_LINK_USE[] =
    "UPDATE auth_links SET used_at = ?2 "
    "WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2";
static const char SQL_SET_PASSWORD[] = "UPDATE accounts SET password_hash = ?2 WHERE id = ?1";
static const char SQL_CHANGE_PASSWORD[] =
    "UPDATE accounts SET password_hash = ?2 WHERE id = ?1 AND password_hash = ?3";
static const char SQL_ACCOUNT_PASSWORD[] =
    "SELECT email, password_hash FROM accounts WHERE id = ?1";
static const char SQL_ACCOUNT_BY_EMAIL[] =
    "SELECT id, display_name, CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END "
    "FROM accounts WHERE email = ?1";
static const char SQL_ORG_NAME[] = "SELECT name FROM organisations WHERE id = ?1";
static const char SQL_IS_MEMBER[] =
    "SELECT 1 FROM memberships WHERE account_id = ?1 AND organisation_id = ?2";

int auth_link_create(mg_db_conn *c, const char *kind, int64_t account_id, int64_t now,
                     int64_t ttl, char token_out[static MG_AUTH_TOKEN_CHARS + 1], mg_diag *d)
{
    char hash[AUTH_HASH_HEX + 1];
    mg_auth_token_new(token_out);
    auth_secret_hash(token_out, hash);
    return mg_db_run(c, SQL_LINK_INSERT,
                     MG_DB_PARAMS(MG_DB_TEXT(hash), MG_DB_TEXT(kind), MG_DB_INT(account_id), MG_DB_INT(now),
                            MG_DB_INT(now + ttl)),
                     NULL, d);
}

int auth_links_void(mg_db_conn *c, int64_t account_id, int64_t now, mg_diag *d)
{
    return mg_db_run(c, SQL_LINKS_VOID, MG_DB_PARAMS(MG_DB_INT(account_id), MG_DB_INT(now)), NULL, d);
}

static int bad_link(mg_diag *d)
{
    return mg_diag_set(d, MG_EAUTH, NULL, 0, 0,
                       "Ce lien est inconnu, a déjà servi ou a expiré : demandez-en un "
                       "nouveau.");
}

/* The password of an account changed: recorded (as a personal field). */
static int audit_password(mg_db_conn *c, int64_t account, const char *verb, mg_diag *d)
{
    mg_audit_change ch[] = {{"password_hash", NULL, NULL, true}};
    return auth_audit(c, account, 0, "account", account, verb, ch, 1, d);
}

/* --- Changing one's password ------------------------------------------------------ */

struct stored_tx {
    int64_t account;
    char email[MG_AUTH_EMAIL_MAX_BYTES + 1];
    char hash[AUTH_PWHASH_MAX];
};

static int stored_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct stored_tx *t = ctx;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, SQL_ACCOUNT_PASSWORD, MG_DB_PARAMS(MG_DB_INT(t->account)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        mg_db_column_copy(q, 0, t->email, sizeof t->email);
        mg_db_column_copy(q, 1, t->hash, sizeof t->hash);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no account has id %lld",
                         (long long)t->account);
    }
    mg_db_finalize(q);
    return rc;
}

struct change_tx {
    int64_t account, now;
    const char *old_hash, *new_hash, *keep_hash;
    mg_auth_field_error *fe;
};

static int change_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct change_tx *t = ctx;
    int64_t changed = 0;
    int rc = mg_db_run(c, SQL_CHANGE_PASSWORD,
                       MG_DB_PARAMS(MG_DB_INT(t->account), MG_DB_TEXT(t->new_hash), MG_DB_TEXT(t->old_hash)),
                       &changed, d);
    if (rc == 0 && changed != 1)
        return auth_field_fail(t->fe, d, MG_EAUTH, "current_password",
                               "Le mot de passe a été changé entre-temps : recommencez.");
    if (rc == 0)
        rc = auth_sessions_delete(c, t->account, t->keep_hash, d);
    if (rc == 0)
        rc = auth_links_void(c, t->account, t->now, d);
    if (rc == 0)
        rc = audit_password(c, t->account, "password_change", d);
    return rc;
}

int mg_auth_password_change(mg_db *db, int64_t account_id, const char *current,
                            const char *new_password, const char *keep_session,
                            mg_auth_field_error *fe, mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_password_change: no database");
    struct stored_tx s = {.account = account_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, stored_body, &s, d);
    if (rc)
        return rc;
    mg_diag why = {{0}};
    if (mg_auth_password_check(new_password, s.email, &why))
        return auth_field_fail(fe, d, MG_EINVAL, "password", "%s", why.msg);
    bool ok = false;
    if ((rc = auth_password_verify(s.hash, current, &ok, d)) != 0)
        return rc;
    if (!ok)
        return auth_field_fail(fe, d, MG_EAUTH, "current_password",
                               "Le mot de passe actuel est incorrect.");
    char hash[AUTH_PWHASH_MAX], keep[AUTH_HASH_HEX + 1];
    if ((rc = auth_password_hash(new_password, hash, d)) != 0)
        return rc;
    bool keep_one = auth_token_wellformed(keep_session);
    if (keep_one)
        auth_secret_hash(keep_session, keep);
    struct change_tx t = {account_id, (int64_t)time(NULL), s.hash, hash,
                          keep_one ? keep : NULL, fe};
    return mg_db_transaction(db, MG_DB_TX_WRITE, change_body, &t, d);
}

/* --- Reset requests ------------------------------------------------------------- */

struct reset_tx {
    const char *email, *public_url;
    int64_t now;
};

static int reset_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct reset_tx *t = ctx;
    int64_t account = 0;
    char name[MG_AUTH_NAME_MAX_CHARS * 4 + 1] = "";
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, SQL_ACCOUNT_BY_EMAIL, MG_DB_PARAMS(MG_DB_TEXT(t->email)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        account = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, name, sizeof name);
    }
    mg_db_finalize(q);
    if (rc < 0 || account == 0)
        return rc < 0 ? rc : 0; /* no such account: nothing is sent, nothing said */
    char token[MG_AUTH_TOKEN_CHARS + 1];
    rc = auth_link_create(c, "reset", account, t->now, MG_AUTH_RESET_TTL_S, token, d);
    if (rc == 0)
        rc = auth_mail_reset(c, t->email, name, t->public_url, token, d);
    return rc;
}

int mg_auth_reset_request(mg_db *db, const char *email, const char *public_url,
                          const char *address, int64_t now, int64_t *retry_after, mg_diag *d)
{
    if (retry_after)
        *retry_after = 0;
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_reset_request: no database");
    char url[AUTH_PUBLIC_URL_MAX_BYTES + 1];
    int rc = auth_public_url(public_url, url, d);
    if (rc == 0)
        rc = auth_address_check(address, d);
    if (rc)
        return rc;
    char key[AUTH_KEY_MAX_BYTES];
    snprintf(key, sizeof key, "reset:%s", address ? address : "");
    const char *keys[] = {key};
    int64_t wait = 0;
    rc = auth_throttle_wait(db, keys, 1, now, &wait, d);
    if (rc)
        return rc;
    if (wait > 0) {
        if (retry_after)
            *retry_after = wait;
        return mg_diag_set(d, MG_ETHROTTLE, NULL, 0, 0,
                           "Trop de demandes : réessayez dans %lld seconde%s.",
                           (long long)wait, wait > 1 ? "s" : "");
    }
    /* Every request counts, found or not: the count is of requests. */
    if ((rc = auth_throttle_fail(db, keys, 1, now, d)) != 0)
        return rc;
    char norm[MG_AUTH_EMAIL_MAX_BYTES + 1];
    if ((rc = mg_auth_email_normalise(email, norm, d)) != 0)
        return rc;
    struct reset_tx t = {norm, url, now};
    return mg_db_transaction(db, MG_DB_TX_WRITE, reset_body, &t, d);
}

/* --- Using a link --------------------------------------------------------------- */

struct valid_tx {
    const char *hash;
    int64_t now, account;
    char email[MG_AUTH_EMAIL_MAX_BYTES + 1];
};

static int valid_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct valid_tx *t = ctx;
    t->account = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, SQL_LINK_VALID, MG_DB_PARAMS(MG_DB_TEXT(t->hash), MG_DB_INT(t->now)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        t->account = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, t->email, sizeof t->email);
        rc = 0;
    }
    mg_db_finalize(q);
    return rc;
}

/* The account of a usable link into t (t->account 0 when there is none). */
static int link_find(mg_db *db, const char *token, int64_t now, struct valid_tx *t,
                     char hash[static AUTH_HASH_HEX + 1], mg_diag *d)
{
    memset(t, 0, sizeof *t);
    if (!auth_token_wellformed(token))
        return 0;
    auth_secret_hash(token, hash);
    t->hash = hash;
    t->now = now;
    return mg_db_transaction(db, MG_DB_TX_READ, valid_body, t, d);
}

int mg_auth_link_check(mg_db *db, const char *token, int64_t now, mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_link_check: no database");
    struct valid_tx t;
    char hash[AUTH_HASH_HEX + 1];
    int rc = link_find(db, token, now, &t, hash, d);
    return rc ? rc : t.account ? 0 : bad_link(d);
}

struct use_tx {
    const char *link_hash, *pw_hash;
    int64_t account, now;
};

static int use_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct use_tx *t = ctx;
    int64_t changed = 0;
    int rc = mg_db_run(c, SQL_LINK_USE, MG_DB_PARAMS(MG_DB_TEXT(t->link_hash), MG_DB_INT(t->now)), &changed,
                       d);
    if (rc == 0 && changed != 1)
        return bad_link(d);
    if (rc == 0)
        rc = mg_db_run(c, SQL_SET_PASSWORD, MG_DB_PARAMS(MG_DB_INT(t->account), MG_DB_TEXT(t->pw_hash)), NULL,
                       d);
    if (rc == 0)
        rc = auth_sessions_delete(c, t->account, NULL, d);
    if (rc == 0)
        rc = auth_links_void(c, t->account, t->now, d);
    if (rc == 0)
        rc = audit_password(c, t->account, "password_set", d);
    return rc;
}

int mg_auth_link_use(mg_db *db, const char *token, const char *new_password, int64_t now,
                     int64_t *account_out, mg_auth_field_error *fe, mg_diag *d)
{
    if (account_out)
        *account_out = 0;
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_link_use: no database");
    struct valid_tx v;
    char link_hash[AUTH_HASH_HEX + 1];
    int rc = link_find(db, token, now, &v, link_hash, d);
    if (rc)
        return rc;
    if (v.account == 0)
        return bad_link(d);
    mg_diag why = {{0}};
    if (mg_auth_password_check(new_password, v.email, &why))
        return auth_field_fail(fe, d, MG_EINVAL, "password", "%s", why.msg);
    char pw_hash[AUTH_PWHASH_MAX];
    if ((rc = auth_password_hash(new_password, pw_hash, d)) != 0)
        return rc;
    struct use_tx t = {link_hash, pw_hash, v.account, now};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, use_body, &t, d);
    if (rc == 0 && account_out)
        *account_out = v.account;
    return rc;
}

/* --- Invitations ------------------------------------------------------------------- */

struct invite_tx {
    int64_t by, org, now;
    const char *email, *display_name, *public_url;
    mg_auth_role role;
    mg_auth_field_error *fe;
};

static int invite_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct invite_tx *t = ctx;
    char org_name[MG_AUTH_NAME_MAX_CHARS * 4 + 1] = "";
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, SQL_ORG_NAME, MG_DB_PARAMS(MG_DB_INT(t->org)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW)
        mg_db_column_copy(q, 0, org_name, sizeof org_name);
    mg_db_finalize(q);
    if (rc == MG_DB_DONE)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no organisation has id %lld",
                           (long long)t->org);
    if (rc < 0)
        return rc;

    int64_t account = 0;
    bool has_password = false;
    char name[MG_AUTH_NAME_MAX_CHARS * 4 + 1] = "";
    rc = mg_db_prepare_with(c, SQL_ACCOUNT_BY_EMAIL, MG_DB_PARAMS(MG_DB_TEXT(t->email)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        account = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, name, sizeof name);
        has_password = mg_db_column_int64(q, 2) != 0;
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;

    if (account == 0) {
        rc = auth_name_check(t->display_name, "display_name", "Le nom de la personne", name,
                             sizeof name, t->fe, d);
        if (rc == 0)
            rc = auth_account_insert(c, t->by, t->email, name, NULL, &account, t->fe, d);
    } else {
        int64_t one = 0;
        rc = mg_db_query_int(c, SQL_IS_MEMBER, MG_DB_PARAMS(MG_DB_INT(account), MG_DB_INT(t->org)), &one, d);
        if (rc == 0)
            return auth_field_fail(t->fe, d, MG_EINVAL, "email",
                                   "Cette personne est déjà membre de l'organisation.");
        if (rc == MG_ENOTFOUND)
            rc = 0;
    }
    if (rc == 0)
        rc = auth_membership_put(c, t->by, account, t->org, t->role, d);
    if (rc)
        return rc;
    if (has_password)
        return auth_mail_added(c, t->email, name, org_name, t->role, t->public_url, d);
    /* A new account, or one invited before that never set its password. */
    char token[MG_AUTH_TOKEN_CHARS + 1];
    rc = auth_link_create(c, "invitation", account, t->now, MG_AUTH_INVITATION_TTL_S, token, d);
    if (rc == 0)
        rc = auth_mail_invitation(c, t->email, name, org_name, t->role, t->public_url, token, d);
    return rc;
}

int mg_auth_invite(mg_db *db, int64_t by, int64_t org_id, const char *email,
                   const char *display_name, mg_auth_role role, const char *public_url,
                   int64_t now, mg_auth_field_error *fe, mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_invite: no database");
    char url[AUTH_PUBLIC_URL_MAX_BYTES + 1];
    int rc = auth_public_url(public_url, url, d);
    if (rc)
        return rc;
    char norm[MG_AUTH_EMAIL_MAX_BYTES + 1];
    mg_diag why = {{0}};
    if (mg_auth_email_normalise(email, norm, &why))
        return auth_field_fail(fe, d, MG_EINVAL, "email", "%s", why.msg);
    if ((unsigned)role >= MG_ROLES)
        return auth_field_fail(fe, d, MG_EINVAL, "role", "Choisissez un rôle dans la liste.");
    struct invite_tx t = {by, org_id, now, norm, display_name, url, role, fe};
    return mg_db_transaction(db, MG_DB_TX_WRITE, invite_body, &t, d);
}

/* --- Self-registration ------------------------------------------------------------- */

struct register_tx {
    const auth_org_fields *org;
    const char *email, *name, *pw_hash, *public_url;
    mg_auth_field_error *fe;
    int64_t account, org_id;
};

static int register_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct register_tx *t = ctx;
    t->account = t->org_id = 0;
    /* The account is created by nobody (self-registration); the
     * organisation and the membership by that account. */
    int rc = auth_account_insert(c, 0, t->email, t->name, t->pw_hash, &t->account, t->fe, d);
    if (rc == 0)
        rc = auth_org_insert(c, t->account, t->org, false, false, &t->org_id, t->fe, d);
    if (rc == 0)
        rc = auth_membership_put(c, t->account, t->account, t->org_id, MG_ROLE_APPLICANT, d);
    if (rc == 0)
        rc = auth_mail_registered(c, t->email, t->name, t->org->name, t->public_url, d);
    return rc;
}

int mg_auth_register(mg_db *db, const mg_auth_org_input *org, const char *email,
                     const char *display_name, const char *password, const char *public_url,
                     const char *address, int64_t now, int64_t *retry_after,
                     int64_t *account_out, int64_t *org_out, mg_auth_field_error *fe,
                     mg_diag *d)
{
    if (account_out)
        *account_out = 0;
    if (org_out)
        *org_out = 0;
    if (!db || !org)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_register: NULL argument");
    char url[AUTH_PUBLIC_URL_MAX_BYTES + 1];
    int rc = auth_public_url(public_url, url, d);
    if (rc)
        return rc;
    auth_org_fields f;
    if ((rc = auth_org_fields_check(org, &f, fe, d)) != 0)
        return rc;
    if (f.kind != MG_ORG_ASSOCIATION && f.kind != MG_ORG_HEALTH_CENTRE)
        return auth_field_fail(fe, d, MG_EINVAL, "kind",
                               "Seuls les associations et les centres de santé s'inscrivent "
                               "eux-mêmes ; les autres organisations sont créées par "
                               "l'administrateur de la plateforme.");
    if (f.kind == MG_ORG_ASSOCIATION && !f.rna[0] && !f.siret[0])
        return auth_field_fail(fe, d, MG_EINVAL, "rna",
                               "Indiquez le numéro RNA (W suivi de 9 caractères) ou le SIRET "
                               "de l'association.");
    if (f.kind == MG_ORG_HEALTH_CENTRE && !f.siret[0] && !f.finess[0])
        return auth_field_fail(fe, d, MG_EINVAL, "siret",
                               "Indiquez le SIRET ou le numéro FINESS du centre de santé.");
    char norm[MG_AUTH_EMAIL_MAX_BYTES + 1], name[MG_AUTH_NAME_MAX_CHARS * 4 + 1];
    mg_diag why = {{0}};
    if (mg_auth_email_normalise(email, norm, &why))
        return auth_field_fail(fe, d, MG_EINVAL, "email", "%s", why.msg);
    if ((rc = auth_name_check(display_name, "display_name", "Votre nom", name, sizeof name, fe,
                              d)) != 0)
        return rc;
    if (mg_auth_password_check(password, norm, &why))
        return auth_field_fail(fe, d, MG_EINVAL, "password", "%s", why.msg);
    /* Registrations from one address are counted like failures: each makes
     * an organisation and sends a message to an address nobody checked, so
     * past a few a day they wait, 1, 2, 4 … s (a person registers once). */
    char key[AUTH_KEY_MAX_BYTES];
    snprintf(key, sizeof key, "register:%s", address ? address : "");
    const char *keys[] = {key};
    if (address) {
        int64_t wait = 0;
        if ((rc = auth_throttle_wait(db, keys, 1, now, &wait, d)) != 0)
            return rc;
        if (wait > 0) {
            if (retry_after)
                *retry_after = wait;
            return mg_diag_set(d, MG_ETHROTTLE, NULL, 0, 0,
                               "Trop d'inscriptions depuis cette adresse : réessayez dans "
                               "%lld seconde%s.",
                               (long long)wait, wait > 1 ? "s" : "");
        }
    }
    char pw_hash[AUTH_PWHASH_MAX];
    if ((rc = auth_password_hash(password, pw_hash, d)) != 0)
        return rc;
    struct register_tx t = {&f, norm, name, pw_hash, url, fe, 0, 0};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, register_body, &t, d);
    if (rc == 0 && address)
        rc = auth_throttle_fail(db, keys, 1, now, d);
    if (rc == 0) {
        if (account_out)
            *account_out = t.account;
        if (org_out)
            *org_out = t.org_id;
    }
    return rc;
}
