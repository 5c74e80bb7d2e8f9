/*
 * Accounts, roles and memberships: the checks of e-mail addresses and
 * passwords, creating an account, setting a role, and reading an account
 * as the actor of a request or the members of an organisation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/internal.h"
#include "core/alloc.h"
#include "core/utf8.h"
#include "mail/mail.h"

static const struct {
    const char *key;
    const char *label;
    bool totp;
} roles[MG_ROLES] = {
    [MG_ROLE_ADMINISTRATOR] = {"administrator", "Administrateur", true},
    [MG_ROLE_MANAGER] = {"manager", "Gestionnaire", false},
    [MG_ROLE_INSTRUCTOR] = {"instructor", "Instructeur", true},
    [MG_ROLE_CONTRIBUTOR] = {"contributor", "Contributeur", false},
    [MG_ROLE_READER] = {"reader", "Lecteur", false},
    [MG_ROLE_HOST] = {"host", "Hôte", false},
    [MG_ROLE_TELECONSULTANT] = {"teleconsultant", "Téléconsultant", false},
    [MG_ROLE_APPLICANT] = {"applicant", "Demandeur", false},
};

const char *mg_auth_role_key(mg_auth_role r)
{
    return (unsigned)r < MG_ROLES ? roles[r].key : "";
}

const char *mg_auth_role_label(mg_auth_role r)
{
    return (unsigned)r < MG_ROLES ? roles[r].label : "";
}

int mg_auth_role_parse(const char *key, mg_auth_role *out)
{
    for (int r = 0; key && r < MG_ROLES; r++)
        if (strcmp(key, roles[r].key) == 0) {
            *out = (mg_auth_role)r;
            return 0;
        }
    return MG_ENOTFOUND;
}

bool mg_auth_role_needs_totp(mg_auth_role r)
{
    return (unsigned)r < MG_ROLES && roles[r].totp;
}

bool mg_auth_actor_needs_totp(const mg_auth_actor *a)
{
    for (size_t i = 0; a && i < a->nm; i++)
        if (mg_auth_role_needs_totp(a->m[i].role))
            return true;
    return false;
}

/* --- Checks --------------------------------------------------------------- */

/* Spaces around an address are a slip of copy and paste; removed. The
 * local part is lower-cased with the domain: mailboxes that differ only by
 * case are one person's everywhere in practice. */
int mg_auth_email_normalise(const char *in, char out[static MG_AUTH_EMAIL_MAX_BYTES + 1],
                            mg_diag *d)
{
    out[0] = '\0';
    size_t start = 0, end = in ? strlen(in) : 0;
    while (start < end && (in[start] == ' ' || in[start] == '\t'))
        start++;
    while (end > start && (in[end - 1] == ' ' || in[end - 1] == '\t'))
        end--;
    if (start == end)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "L'adresse électronique est vide.");
    if (end - start > MG_AUTH_EMAIL_MAX_BYTES)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "L'adresse électronique est trop longue (%d caractères au plus).",
                           MG_AUTH_EMAIL_MAX_BYTES);
    char buf[MG_AUTH_EMAIL_MAX_BYTES + 1];
    for (size_t i = start; i < end; i++) {
        char c = in[i];
        buf[i - start] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    buf[end - start] = '\0';
    if (mg_mail_check_address(buf, NULL) != 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "L'adresse électronique doit être de la forme nom@domaine.fr, "
                           "sans espace.");
    memcpy(out, buf, end - start + 1);
    return 0;
}

int mg_auth_password_check(const char *password, const char *email, mg_diag *d)
{
    if (!password || !password[0])
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "Le mot de passe est vide.");
    size_t n = strlen(password), chars = 0;
    if (n > MG_AUTH_PASSWORD_MAX_BYTES)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "Le mot de passe est trop long (%d octets au plus).",
                           MG_AUTH_PASSWORD_MAX_BYTES);
    if (mg_utf8_check(password, n, &chars) != n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "Le mot de passe contient des caractères illisibles (texte qui "
                           "n'est pas en UTF-8).");
    if (chars < MG_AUTH_PASSWORD_MIN_CHARS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "Le mot de passe doit compter au moins %d caractères ; une phrase "
                           "facile à retenir convient bien.",
                           MG_AUTH_PASSWORD_MIN_CHARS);
    if (email && email[0] && strcasecmp(password, email) == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "Le mot de passe ne doit pas être votre adresse électronique.");
    return 0;
}

/* --- The SQL ------------------------------------------------------------------ */

static const char SQL_ACCOUNT_BY_EMAIL[] = "SELECT id FROM accounts WHERE email = ?1";
static const char SQL_ACCOUNT_INSERT[] =
    "INSERT INTO accounts (email, display_name, password_hash, created_at) "
    "VALUES (?1, ?2, ?3, ?4) RETURNING id";
static const char SQL_ACCOUNT_EXISTS[] = "SELECT id FROM accounts WHERE id = ?1";
static const char SQL_ORG_EXISTS[] = "SELECT id FROM organisations WHERE id = ?1";
static const char SQL_ROLE_OF[] =
    "SELECT role FROM memberships WHERE account_id = ?1 AND organisation_id = ?2";
static const char SQL_MEMBERSHIP_COUNT[] =
    "SELECT count(*) FROM memberships WHERE account_id = ?1";
static const char SQL_MEMBERSHIP_INSERT[] =
    "INSERT INTO memberships (account_id, organisation_id, role, created_at) "
    "VALUES (?1, ?2, ?3, ?4)";
static const char SQL_MEMBERSHIP_UPDATE[] =
    "UPDATE memberships SET role = ?3 WHERE account_id = ?1 AND organisation_id = ?2";
static const char SQL_ACTOR[] =
    "SELECT email, display_name, CASE WHEN totp_secret IS NULL THEN 0 ELSE 1 END "
    "FROM accounts WHERE id = ?1";
static const char SQL_ACTOR_MEMBERSHIPS[] =
    "SELECT m.organisation_id, m.role, o.active, o.operator, o.name "
    "FROM memberships m JOIN organisations o ON o.id = m.organisation_id "
    "WHERE m.account_id = ?1 ORDER BY o.name, o.id LIMIT ?2";
static const char SQL_MEMBERS[] =
    "SELECT a.id, a.email, a.display_name, m.role, "
    "CASE WHEN a.password_hash IS NULL THEN 0 ELSE 1 END "
    "FROM memberships m JOIN accounts a ON a.id = m.account_id "
    "WHERE m.organisation_id = ?1 ORDER BY a.display_name, a.id";

int auth_account_insert(mg_db_conn *c, int64_t by, const char *email, const char *display_name,
                        const char *password_hash, int64_t *id_out, mg_auth_field_error *fe,
                        mg_diag *d)
{
    int64_t other = 0;
    int rc = mg_db_query_int(c, SQL_ACCOUNT_BY_EMAIL, MG_DB_PARAMS(MG_DB_TEXT(email)), &other, d);
    if (rc == 0)
        return auth_field_fail(fe, d, MG_EINVAL, "email",
                               "Un compte existe déjà pour cette adresse.");
    if (rc != MG_ENOTFOUND)
        return rc;
    char stamp[MG_DB_TIMESTAMP_SIZE];
    rc = mg_db_timestamp(stamp, d);
    if (rc == 0)
        rc = mg_db_query_int(c, SQL_ACCOUNT_INSERT,
                            MG_DB_PARAMS(MG_DB_TEXT(email), MG_DB_TEXT(display_name), MG_DB_TEXT(password_hash),
                                   MG_DB_TEXT(stamp)),
                            id_out, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "auth: inserting an account gave no id");
    if (rc)
        return rc;
    mg_audit_change ch[] = {{"email", NULL, NULL, true},
                            {"display_name", NULL, NULL, true},
                            {"password_hash", NULL, NULL, true}};
    return auth_audit(c, by, 0, "account", *id_out, "create", ch, password_hash ? 3 : 2, d);
}

/* Whether a row of `sql` exists for id: 0, MG_ENOTFOUND (message `what`). */
static int must_exist(mg_db_conn *c, const char *sql, int64_t id, const char *what, mg_diag *d)
{
    int64_t found = 0;
    int rc = mg_db_query_int(c, sql, MG_DB_PARAMS(MG_DB_INT(id)), &found, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no %s has id %lld", what,
                           (long long)id);
    return rc;
}

int auth_membership_put(mg_db_conn *c, int64_t by, int64_t account_id, int64_t org_id,
                        mg_auth_role role, mg_diag *d)
{
    int rc = must_exist(c, SQL_ACCOUNT_EXISTS, account_id, "account", d);
    if (rc == 0)
        rc = must_exist(c, SQL_ORG_EXISTS, org_id, "organisation", d);
    if (rc)
        return rc;
    const char *key = mg_auth_role_key(role);
    char before[32] = "";
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(c, SQL_ROLE_OF, MG_DB_PARAMS(MG_DB_INT(account_id), MG_DB_INT(org_id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW)
        mg_db_column_copy(q, 0, before, sizeof before);
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    char stamp[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(stamp, d)) != 0)
        return rc;
    if (before[0]) {
        if (strcmp(before, key) == 0)
            return 0; /* already so: nothing changes, nothing to record */
        rc = mg_db_run(c, SQL_MEMBERSHIP_UPDATE,
                       MG_DB_PARAMS(MG_DB_INT(account_id), MG_DB_INT(org_id), MG_DB_TEXT(key)), NULL, d);
    } else {
        int64_t count = 0;
        rc = mg_db_query_int(c, SQL_MEMBERSHIP_COUNT, MG_DB_PARAMS(MG_DB_INT(account_id)), &count, d);
        if (rc == 0 && count >= MG_AUTH_MEMBERSHIPS_MAX)
            return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                               "Ce compte appartient déjà à %d organisations, le plus permis.",
                               MG_AUTH_MEMBERSHIPS_MAX);
        if (rc == 0)
            rc = mg_db_run(c, SQL_MEMBERSHIP_INSERT,
                           MG_DB_PARAMS(MG_DB_INT(account_id), MG_DB_INT(org_id), MG_DB_TEXT(key), MG_DB_TEXT(stamp)),
                           NULL, d);
    }
    if (rc)
        return rc;
    /* A membership has no id of its own: it is recorded on the account's
     * id, under the organisation it is in. */
    char org_text[24];
    snprintf(org_text, sizeof org_text, "%lld", (long long)org_id);
    mg_audit_change ch[] = {{"role", before[0] ? before : NULL, key, false},
                            {"organisation_id", NULL, org_text, false}};
    return auth_audit(c, by, org_id, "membership", account_id, before[0] ? "update" : "create",
                      ch, before[0] ? 1 : 2, d);
}

/* --- Creating accounts and setting roles -------------------------------------- */

struct account_tx {
    int64_t by;
    const char *email, *name, *hash;
    int64_t org;
    mg_auth_role role;
    mg_auth_field_error *fe;
    int64_t id;
};

static int account_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct account_tx *t = ctx;
    t->id = 0;
    int rc = auth_account_insert(c, t->by, t->email, t->name, t->hash, &t->id, t->fe, d);
    if (rc == 0 && t->org > 0)
        rc = auth_membership_put(c, t->by, t->id, t->org, t->role, d);
    return rc;
}

int mg_auth_account_add(mg_db *db, int64_t by, const char *email, const char *display_name,
                        const char *password, int64_t org_id, mg_auth_role role,
                        int64_t *id_out, mg_auth_field_error *fe, mg_diag *d)
{
    if (id_out)
        *id_out = 0;
    if (!db || !id_out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_account_add: NULL argument");
    char norm[MG_AUTH_EMAIL_MAX_BYTES + 1];
    char name[MG_AUTH_NAME_MAX_CHARS * 4 + 1];
    mg_diag why = {{0}};
    if (mg_auth_email_normalise(email, norm, &why))
        return auth_field_fail(fe, d, MG_EINVAL, "email", "%s", why.msg);
    int rc = auth_name_check(display_name, "display_name", "Le nom de la personne", name,
                             sizeof name, fe, d);
    if (rc)
        return rc;
    if (password && mg_auth_password_check(password, norm, &why))
        return auth_field_fail(fe, d, MG_EINVAL, "password", "%s", why.msg);
    if (org_id > 0 && (unsigned)role >= MG_ROLES)
        return auth_field_fail(fe, d, MG_EINVAL, "role", "Choisissez un rôle dans la liste.");
    char hash[AUTH_PWHASH_MAX];
    if (password && (rc = auth_password_hash(password, hash, d)) != 0)
        return rc;
    struct account_tx t = {by, norm, name, password ? hash : NULL, org_id, role, fe, 0};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, account_body, &t, d);
    if (rc == 0)
        *id_out = t.id;
    return rc;
}

struct membership_tx {
    int64_t by, account, org;
    mg_auth_role role;
};

static int membership_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct membership_tx *t = ctx;
    return auth_membership_put(c, t->by, t->account, t->org, t->role, d);
}

int mg_auth_membership_set(mg_db *db, int64_t by, int64_t account_id, int64_t org_id,
                           mg_auth_role role, mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_membership_set: no database");
    if ((unsigned)role >= MG_ROLES)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "Choisissez un rôle dans la liste.");
    struct membership_tx t = {by, account_id, org_id, role};
    return mg_db_transaction(db, MG_DB_TX_WRITE, membership_body, &t, d);
}

/* --- Reading ------------------------------------------------------------------ */

int auth_actor_read(mg_db_conn *c, int64_t account_id, mg_auth_actor *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, SQL_ACTOR, MG_DB_PARAMS(MG_DB_INT(account_id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        out->account_id = account_id;
        mg_db_column_copy(q, 0, out->email, sizeof out->email);
        mg_db_column_copy(q, 1, out->display_name, sizeof out->display_name);
        out->totp_enabled = mg_db_column_int64(q, 2) != 0;
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no account has id %lld",
                         (long long)account_id);
    }
    mg_db_finalize(q);
    if (rc)
        return rc;
    rc = mg_db_prepare_with(c, SQL_ACTOR_MEMBERSHIPS,
                      MG_DB_PARAMS(MG_DB_INT(account_id), MG_DB_INT(MG_AUTH_MEMBERSHIPS_MAX)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW && out->nm < MG_AUTH_MEMBERSHIPS_MAX) {
        mg_auth_membership *m = &out->m[out->nm];
        m->organisation_id = mg_db_column_int64(q, 0);
        if (mg_auth_role_parse(mg_db_column_text(q, 1), &m->role) != 0) {
            rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "auth: account %lld has an unknown role",
                             (long long)account_id);
            break;
        }
        m->org_active = mg_db_column_int64(q, 2) != 0;
        m->org_operator = mg_db_column_int64(q, 3) != 0;
        mg_db_column_copy(q, 4, m->org_name, sizeof m->org_name);
        out->nm++;
        rc = 0;
    }
    mg_db_finalize(q);
    if (rc == MG_DB_DONE || rc == MG_DB_ROW)
        rc = 0;
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}

struct actor_tx {
    int64_t id;
    mg_auth_actor *out;
};

static int actor_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct actor_tx *t = ctx;
    return auth_actor_read(c, t->id, t->out, d);
}

int mg_auth_actor_load(mg_db *db, int64_t account_id, mg_auth_actor *out, mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_actor_load: NULL argument");
    memset(out, 0, sizeof *out);
    struct actor_tx t = {account_id, out};
    return mg_db_transaction(db, MG_DB_TX_READ, actor_body, &t, d);
}

struct members_tx {
    int64_t org;
    mg_auth_member *list;
    size_t n, cap;
};

static int members_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct members_tx *t = ctx;
    free(t->list);
    t->list = NULL;
    t->n = t->cap = 0;
    int rc = must_exist(c, SQL_ORG_EXISTS, t->org, "organisation", d);
    mg_db_stmt *q = NULL;
    if (rc == 0)
        rc = mg_db_prepare_with(c, SQL_MEMBERS, MG_DB_PARAMS(MG_DB_INT(t->org)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if (t->n == t->cap) {
            size_t ncap = t->cap ? t->cap * 2 : 16;
            mg_auth_member *grown = mg_realloc_array(t->list, ncap, sizeof *grown);
            if (!grown) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory listing members");
                break;
            }
            t->list = grown;
            t->cap = ncap;
        }
        mg_auth_member *m = &t->list[t->n];
        memset(m, 0, sizeof *m);
        m->account_id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, m->email, sizeof m->email);
        mg_db_column_copy(q, 2, m->display_name, sizeof m->display_name);
        if (mg_auth_role_parse(mg_db_column_text(q, 3), &m->role) != 0) {
            rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "auth: a member has an unknown role");
            break;
        }
        m->has_password = mg_db_column_int64(q, 4) != 0;
        t->n++;
        rc = 0;
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

int mg_auth_members(mg_db *db, int64_t org_id, mg_auth_member **out, size_t *n, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_members: NULL argument");
    *out = NULL;
    *n = 0;
    struct members_tx t = {org_id, NULL, 0, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, members_body, &t, d);
    if (rc || t.n == 0) {
        free(t.list);
        return rc;
    }
    *out = t.list;
    *n = t.n;
    return 0;
}
