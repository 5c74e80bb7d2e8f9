/*
 * Tests of organisations, accounts, sessions, the second factor, one-time
 * links, API tokens and the authorisation function (auth/auth.h), run
 * against SQLite and, when MG_TEST_PG_URI is set, against PostgreSQL:
 * organisations (kinds, identifiers refused with their field, duplicates),
 * accounts (e-mail unique whatever its case, password rules, memberships),
 * log-in and its slow-down (three failures free, then 1, 2, 4 … s, another
 * address unaffected, a success clearing its key but not the address's),
 * sessions (idle and absolute expiry with a moved clock, renewal, end,
 * end of all, CSRF), TOTP (enrolment, log-in with a code, wrong and
 * replayed codes), reset and invitation links (mail queued only for known
 * addresses, used once, expired, sessions ended), self-registration and
 * confirmation, API tokens, the audit trail intact after it all. Without a
 * database: the authorisation table cell by cell against a table written
 * by hand, the cookie and bearer parsers, token comparison.
 *
 * Each Argon2id hash costs about 0.1 s (more under AddressSanitizer), so
 * the tests make as few log-ins and password changes as their point needs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>

#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "db_fixture.h"

TEST_DB_FIXTURE("auth")

/* A fixed clock: 2026-03-02 09:00:00 UTC, a multiple of the TOTP step. */
static const int64_t T0 = 1772442000;
static const char URL[] = "https://maillage.example.fr/";
static const char PW[] = "une phrase de passe assez longue";

static mg_db *open_ok(const char *url)
{
    return test_db_open(url, &(mg_db_options){.busy_ms = 30000});
}

/* --- Helpers -------------------------------------------------------------- */

static int64_t org_ok(mg_db *db, const char *name, const char *kind, const char *siret,
                      bool active, bool operator_)
{
    mg_auth_org_input in = {.name = name, .kind = kind, .siret = siret};
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_org_add(db, 0, &in, active, operator_, &id, &fe, &d);
    if (rc)
        fail_msg("org %s: %s (%s)", name, mg_strerror(rc), d.msg);
    assert_true(id > 0);
    return id;
}

static int64_t account_ok(mg_db *db, const char *email, const char *password, int64_t org,
                          mg_auth_role role)
{
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_account_add(db, 0, email, "Marie Curie", password, org, role, &id, &fe, &d);
    if (rc)
        fail_msg("account %s: %s (%s)", email, mg_strerror(rc), d.msg);
    assert_true(id > 0);
    return id;
}

static mg_auth_login_result login_ok(mg_db *db, const char *email, const char *password,
                                     const char *address, int64_t now)
{
    mg_auth_login_result r;
    int64_t retry = -1;
    mg_diag d = {{0}};
    int rc = mg_auth_login(db, email, password, address, now, &r, &retry, &d);
    if (rc)
        fail_msg("login %s: %s (%s)", email, mg_strerror(rc), d.msg);
    assert_int_equal(retry, 0);
    assert_int_equal(strlen(r.session), MG_AUTH_TOKEN_CHARS);
    return r;
}

static int login_rc(mg_db *db, const char *email, const char *password, const char *address,
                    int64_t now, int64_t *retry)
{
    mg_auth_login_result r;
    mg_diag d = {{0}};
    int rc = mg_auth_login(db, email, password, address, now, &r, retry, &d);
    if (rc == 0)
        assert_int_equal(strlen(r.session), MG_AUTH_TOKEN_CHARS);
    else
        assert_int_equal(r.session[0], '\0');
    return rc;
}

/* A query run beside the code under test: the first integer of its first
 * row (-1 when there is none). */
/* The key of auth_failures for a slow-down key: its BLAKE2b-256 in hex, as
 * the table keeps it (no e-mail or address in the clear). Computed here
 * with libsodium directly. */
static const char *failure_key(const char *key)
{
    static char hex[65];
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)key, strlen(key), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    return hex;
}

static int64_t sql_int(mg_db *db, const char *sql, const char *text)
{
    mg_db_conn *c = NULL;
    mg_db_stmt *q = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_db_acquire(db, &c, &d), 0);
    if (mg_db_prepare(c, sql, &q, &d))
        fail_msg("%s: %s", sql, d.msg);
    if (text)
        assert_int_equal(mg_db_bind_text(q, 1, text), 0);
    int rc = mg_db_step(q, &d);
    int64_t v = rc == MG_DB_ROW ? mg_db_column_int64(q, 0) : -1;
    if (rc < 0)
        fail_msg("%s: %s", sql, d.msg);
    mg_db_finalize(q);
    mg_db_release(c);
    return v;
}

/* The messages queued to `to`. */
static int64_t mails_to(mg_db *db, const char *to)
{
    return sql_int(db, "SELECT count(*) FROM mail_queue WHERE to_addr = ?1", to);
}

/* The subject and body of the last message queued to `to`. */
static void last_mail(mg_db *db, const char *to, char *subject, size_t scap, char *body,
                      size_t bcap)
{
    mg_db_conn *c = NULL;
    mg_db_stmt *q = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_db_acquire(db, &c, &d), 0);
    assert_int_equal(mg_db_prepare(c,
                                   "SELECT subject, body_text FROM mail_queue "
                                   "WHERE to_addr = ?1 ORDER BY id DESC",
                                   &q, &d),
                     0);
    assert_int_equal(mg_db_bind_text(q, 1, to), 0);
    assert_int_equal(mg_db_step(q, &d), MG_DB_ROW);
    snprintf(subject, scap, "%s", mg_db_column_text(q, 0));
    snprintf(body, bcap, "%s", mg_db_column_text(q, 1));
    mg_db_finalize(q);
    mg_db_release(c);
}

/* The token of the link in a message body. */
static void link_token(const char *body, char token[static MG_AUTH_TOKEN_CHARS + 1])
{
    const char *p = strstr(body, "https://maillage.example.fr/mot-de-passe/nouveau?jeton=");
    if (!p)
        fail_msg("no link in:\n%s", body);
    p = strchr(p, '=') + 1;
    memcpy(token, p, MG_AUTH_TOKEN_CHARS);
    token[MG_AUTH_TOKEN_CHARS] = '\0';
    assert_true(p[MG_AUTH_TOKEN_CHARS] == '\n');
}

/* The audit trail is intact and holds at least `min` entries. */
static void audit_intact(mg_db *db, uint64_t min)
{
    mg_audit_verdict v;
    mg_diag d = {{0}};
    assert_int_equal(mg_audit_verify(db, &v, &d), 0);
    assert_int_equal(v.problem, MG_AUDIT_INTACT);
    assert_true(v.entries >= min);
}

static mg_auth_session session_ok(mg_db *db, const char *token, int64_t now)
{
    mg_auth_session s;
    mg_diag d = {{0}};
    int rc = mg_auth_session_load(db, token, now, &s, &d);
    if (rc)
        fail_msg("session at %lld: %s (%s)", (long long)(now - T0), mg_strerror(rc), d.msg);
    return s;
}

static int session_rc(mg_db *db, const char *token, int64_t now)
{
    mg_auth_session s;
    mg_diag d = {{0}};
    int rc = mg_auth_session_load(db, token, now, &s, &d);
    if (rc)
        assert_int_equal(s.actor.account_id, 0);
    return rc;
}

/* --- Organisations --------------------------------------------------------- */

static void test_organisations(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;

    mg_auth_org_input dep = {.name = "  Département de l'Aude ", .kind = "departement",
                             .siret = "732 829 320 00074"};
    assert_int_equal(mg_auth_org_add(db, 0, &dep, true, true, &id, &fe, &d), 0);
    mg_auth_org o;
    assert_int_equal(mg_auth_org_get(db, id, &o, &d), 0);
    assert_string_equal(o.name, "Département de l'Aude");
    assert_int_equal(o.kind, MG_ORG_DEPARTEMENT);
    assert_string_equal(o.siret, "73282932000074");
    assert_string_equal(o.rna, "");
    assert_true(o.active && o.operator_);
    assert_int_equal(strlen(o.created_at), 20);

    mg_auth_org_input asso = {.name = "Les Amis du Bus Santé", .kind = "association",
                              .rna = "w751234567", .finess = "750712184"};
    int64_t asso_id = 0;
    assert_int_equal(mg_auth_org_add(db, 0, &asso, false, false, &asso_id, &fe, &d), 0);
    assert_int_equal(mg_auth_org_get(db, asso_id, &o, &d), 0);
    assert_string_equal(o.rna, "W751234567");
    assert_string_equal(o.finess, "750712184");
    assert_false(o.active);

    /* Each refusal names its field and says it in French. */
    struct {
        mg_auth_org_input in;
        const char *field, *words;
    } bad[] = {
        {{.name = "   ", .kind = "commune"}, "name", "vide"},
        {{.name = "Ligne\ncassée", .kind = "commune"}, "name", "contrôle"},
        {{.name = "Mairie", .kind = "mairie"}, "kind", "type"},
        {{.name = "Mairie", .kind = NULL}, "kind", "type"},
        {{.name = "Mairie", .kind = "commune", .siret = "73282932000075"}, "siret", "SIRET"},
        {{.name = "Mairie", .kind = "commune", .rna = "751234567"}, "rna", "RNA"},
        {{.name = "Mairie", .kind = "commune", .finess = "010000017"}, "finess", "clé"},
        /* Identifiers already used, whatever their spelling. */
        {{.name = "Autre", .kind = "commune", .siret = "73282932000074"}, "siret", "déjà"},
        {{.name = "Autre", .kind = "association", .rna = "W 751 234 567"}, "rna", "déjà"},
        {{.name = "Autre", .kind = "hospital", .finess = "75 071 218 4"}, "finess", "déjà"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&fe, 0, sizeof fe);
        mg_diag_clear(&d);
        id = 0;
        assert_int_equal(mg_auth_org_add(db, 0, &bad[i].in, true, false, &id, &fe, &d),
                         MG_EINVAL);
        assert_int_equal(id, 0);
        assert_non_null(fe.field);
        assert_string_equal(fe.field, bad[i].field);
        if (!strstr(fe.msg, bad[i].words))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, fe.msg, bad[i].words);
        assert_string_equal(d.msg, fe.msg);
    }
    /* A name of 200 characters (accented: 400 bytes) is accepted, 201 not. */
    char name[1024];
    for (int i = 0; i <= 200; i++)
        memcpy(name + 2 * i, "é", 3); /* 2 bytes and the NUL, overwritten by the next */
    name[400] = '\0';
    org_ok(db, name, "other", NULL, true, false);
    memcpy(name + 400, "é", 3);
    assert_int_equal(mg_auth_org_add(db, 0, &(mg_auth_org_input){.name = name, .kind = "other"},
                                     true, false, &id, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "name");

    /* Lists: all by name, or those awaiting confirmation. */
    mg_auth_org *list = NULL;
    size_t n = 0, total = 0;
    assert_int_equal(mg_auth_org_list(db, false, 0, 10, &list, &n, &total, &d), 0);
    assert_int_equal(n, 3);
    assert_int_equal(total, 3);
    assert_string_equal(list[0].name, "Département de l'Aude");
    free(list);
    assert_int_equal(mg_auth_org_list(db, true, 0, 10, &list, &n, &total, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, asso_id);
    free(list);
    assert_int_equal(mg_auth_org_list(db, false, 2, 10, &list, &n, &total, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(total, 3);
    free(list);
    assert_int_equal(mg_auth_org_list(db, false, 0, 1001, &list, &n, &total, &d), MG_ELIMIT);
    assert_int_equal(mg_auth_org_get(db, 999, &o, &d), MG_ENOTFOUND);

    /* Confirmation: once, of an organisation that exists. */
    assert_int_equal(mg_auth_org_confirm(db, 0, asso_id, URL, &d), 0);
    assert_int_equal(mg_auth_org_get(db, asso_id, &o, &d), 0);
    assert_true(o.active);
    mg_diag_clear(&d);
    assert_int_equal(mg_auth_org_confirm(db, 0, asso_id, URL, &d), MG_EINVAL);
    assert_msg_has(d, "déjà confirmée");
    assert_int_equal(mg_auth_org_confirm(db, 0, 999, URL, &d), MG_ENOTFOUND);
    assert_int_equal(mg_auth_org_confirm(db, 0, asso_id, "ftp://x", &d), MG_EINVAL);

    /* Creation and confirmation are in the audit trail. */
    mg_audit_record *h = NULL;
    size_t hn = 0, ht = 0;
    assert_int_equal(mg_audit_history(db, "organisation", asso_id, 0, 10, &h, &hn, &ht, &d), 0);
    assert_int_equal(hn, 2);
    assert_string_equal(h[0].verb, "confirm");
    assert_string_equal(h[1].verb, "create");
    mg_audit_records_free(h, hn);
    audit_intact(db, 4);
    mg_db_close(db);
}

/* --- Accounts ----------------------------------------------------------------- */

static void test_accounts(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    int64_t org = org_ok(db, "Ville de Carcassonne", "commune", NULL, true, false);
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;

    /* Refusals before anything is hashed or written. */
    struct {
        const char *email, *name, *password;
        mg_auth_role role;
        const char *field;
    } bad[] = {
        {"pas-une-adresse", "A", NULL, MG_ROLE_READER, "email"},
        {"a b@example.org", "A", NULL, MG_ROLE_READER, "email"},
        {"", "A", NULL, MG_ROLE_READER, "email"},
        {"a@example.org", "", NULL, MG_ROLE_READER, "display_name"},
        {"a@example.org", "A", "court", MG_ROLE_READER, "password"},
        {"a@example.org", "A", "onze chars!", MG_ROLE_READER, "password"},
        {"longue.adresse@example.org", "A", "LONGUE.ADRESSE@example.org", MG_ROLE_READER,
         "password"},
        {"a@example.org", "A", "\xff\xfe invalide ......", MG_ROLE_READER, "password"},
        {"a@example.org", "A", NULL, (mg_auth_role)42, "role"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&fe, 0, sizeof fe);
        assert_int_equal(mg_auth_account_add(db, 0, bad[i].email, bad[i].name, bad[i].password,
                                             org, bad[i].role, &id, &fe, &d),
                         MG_EINVAL);
        assert_non_null(fe.field);
        if (strcmp(fe.field, bad[i].field) != 0)
            fail_msg("case %zu: field %s (%s), expected %s", i, fe.field, fe.msg, bad[i].field);
    }
    /* Twelve characters, whatever their bytes, are enough. */
    char pw12[] = "ééééééééééé!";
    assert_int_equal(mg_auth_password_check(pw12, "a@example.org", &d), 0);

    char norm[MG_AUTH_EMAIL_MAX_BYTES + 1];
    assert_int_equal(mg_auth_email_normalise("  Marie.Curie@Example.ORG ", norm, &d), 0);
    assert_string_equal(norm, "marie.curie@example.org");

    /* Without a password; the e-mail unique whatever its case. */
    int64_t marie = account_ok(db, "Marie.Curie@Example.org", NULL, org, MG_ROLE_MANAGER);
    memset(&fe, 0, sizeof fe);
    assert_int_equal(mg_auth_account_add(db, 0, "MARIE.CURIE@example.org", "Autre", NULL, 0,
                                         MG_ROLE_READER, &id, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "email");
    assert_true(strstr(fe.msg, "existe déjà") != NULL);
    /* An organisation that does not exist: nothing is created. */
    mg_diag_clear(&d);
    assert_int_equal(mg_auth_account_add(db, 0, "x@example.org", "X", NULL, 999,
                                         MG_ROLE_READER, &id, &fe, &d),
                     MG_ENOTFOUND);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM accounts WHERE email = ?1",
                             "x@example.org"),
                     0);

    mg_auth_actor a;
    assert_int_equal(mg_auth_actor_load(db, marie, &a, &d), 0);
    assert_string_equal(a.email, "marie.curie@example.org");
    assert_string_equal(a.display_name, "Marie Curie");
    assert_false(a.totp_enabled);
    assert_int_equal(a.nm, 1);
    assert_int_equal(a.m[0].organisation_id, org);
    assert_int_equal(a.m[0].role, MG_ROLE_MANAGER);
    assert_true(a.m[0].org_active);
    assert_string_equal(a.m[0].org_name, "Ville de Carcassonne");
    assert_false(mg_auth_actor_needs_totp(&a));
    assert_int_equal(mg_auth_actor_load(db, 999, &a, &d), MG_ENOTFOUND);

    /* Roles: changed, then the same again (nothing recorded). */
    assert_int_equal(mg_auth_membership_set(db, 0, marie, org, MG_ROLE_ADMINISTRATOR, &d), 0);
    assert_int_equal(mg_auth_membership_set(db, 0, marie, org, MG_ROLE_ADMINISTRATOR, &d), 0);
    assert_int_equal(mg_auth_actor_load(db, marie, &a, &d), 0);
    assert_int_equal(a.m[0].role, MG_ROLE_ADMINISTRATOR);
    assert_true(mg_auth_actor_needs_totp(&a));
    assert_int_equal(mg_auth_membership_set(db, 0, marie, 999, MG_ROLE_READER, &d), MG_ENOTFOUND);
    assert_int_equal(mg_auth_membership_set(db, 0, 999, org, MG_ROLE_READER, &d), MG_ENOTFOUND);

    /* At most MG_AUTH_MEMBERSHIPS_MAX organisations per account. */
    for (int i = 1; i < MG_AUTH_MEMBERSHIPS_MAX; i++) {
        char n[32];
        snprintf(n, sizeof n, "Commune %02d", i);
        int64_t o = org_ok(db, n, "commune", NULL, true, false);
        assert_int_equal(mg_auth_membership_set(db, 0, marie, o, MG_ROLE_READER, &d), 0);
    }
    int64_t extra = org_ok(db, "Commune de trop", "commune", NULL, true, false);
    mg_diag_clear(&d);
    assert_int_equal(mg_auth_membership_set(db, 0, marie, extra, MG_ROLE_READER, &d),
                     MG_ELIMIT);
    assert_int_equal(mg_auth_actor_load(db, marie, &a, &d), 0);
    assert_int_equal(a.nm, MG_AUTH_MEMBERSHIPS_MAX);

    /* Members of an organisation. */
    int64_t paul = account_ok(db, "paul@example.org", NULL, org, MG_ROLE_READER);
    mg_auth_member *m = NULL;
    size_t n = 0;
    assert_int_equal(mg_auth_members(db, org, &m, &n, &d), 0);
    assert_int_equal(n, 2);
    assert_int_equal(m[0].account_id, marie); /* both "Marie Curie": by id */
    assert_int_equal(m[1].account_id, paul);
    assert_int_equal(m[1].role, MG_ROLE_READER);
    assert_false(m[1].has_password);
    free(m);
    assert_int_equal(mg_auth_members(db, 999, &m, &n, &d), MG_ENOTFOUND);

    /* The account's creation records its personal fields without values. */
    mg_audit_record *h = NULL;
    size_t hn = 0, ht = 0;
    assert_int_equal(mg_audit_history(db, "account", marie, 0, 10, &h, &hn, &ht, &d), 0);
    assert_int_equal(hn, 1);
    assert_string_equal(h[0].verb, "create");
    for (size_t i = 0; i < h[0].nchanges; i++) {
        assert_true(h[0].changes[i].personal);
        assert_null(h[0].changes[i].after);
    }
    mg_audit_records_free(h, hn);
    assert_int_equal(mg_audit_history(db, "membership", marie, 0, 100, &h, &hn, &ht, &d), 0);
    assert_int_equal(hn, MG_AUTH_MEMBERSHIPS_MAX + 1); /* 32 created, one changed */
    mg_audit_records_free(h, hn);
    audit_intact(db, 3);
    mg_db_close(db);
}

/* --- Log-in and its slow-down ---------------------------------------------------- */

static void test_login_and_slow_down(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    int64_t org = org_ok(db, "Ville de Narbonne", "commune", NULL, true, false);
    int64_t id = account_ok(db, "jeanne@example.org", PW, org, MG_ROLE_MANAGER);
    const char *A = "192.0.2.1", *B = "2001:db8::7";
    int64_t retry = -1;

    /* Success (the e-mail in any case) opens a session. */
    mg_auth_login_result r = login_ok(db, "Jeanne@Example.org", PW, A, T0);
    assert_int_equal(r.account_id, id);
    assert_false(r.totp_required);

    /* Failures 1 to 4 are checked at once; a wrong password and an unknown
     * e-mail answer the same. */
    assert_int_equal(login_rc(db, "jeanne@example.org", "mauvais mot de passe", A, T0, &retry),
                     MG_EAUTH);
    assert_int_equal(login_rc(db, "jeanne@example.org", "", A, T0, &retry), MG_EAUTH);
    assert_int_equal(login_rc(db, "jeanne@example.org", "encore faux !!", A, T0, &retry),
                     MG_EAUTH);
    assert_int_equal(retry, 0);
    assert_int_equal(login_rc(db, "jeanne@example.org", "toujours faux", A, T0, &retry),
                     MG_EAUTH);
    assert_int_equal(retry, 0);
    /* After the 4th failure, 1 s; a refused attempt does not count, even
     * with the right password. */
    assert_int_equal(login_rc(db, "jeanne@example.org", PW, A, T0, &retry), MG_ETHROTTLE);
    assert_int_equal(retry, 1);
    assert_int_equal(login_rc(db, "jeanne@example.org", PW, A, T0, &retry), MG_ETHROTTLE);
    assert_int_equal(retry, 1);
    /* 1 s later: checked, fails (5th), then 2 s. */
    assert_int_equal(login_rc(db, "jeanne@example.org", "faux", A, T0 + 1, &retry), MG_EAUTH);
    assert_int_equal(login_rc(db, "jeanne@example.org", PW, A, T0 + 2, &retry), MG_ETHROTTLE);
    assert_int_equal(retry, 1);
    assert_int_equal(login_rc(db, "jeanne@example.org", "faux", A, T0 + 3, &retry), MG_EAUTH);
    assert_int_equal(login_rc(db, "jeanne@example.org", PW, A, T0 + 3, &retry), MG_ETHROTTLE);
    assert_int_equal(retry, 4);
    /* Another address is not slowed down by these. */
    retry = -1;
    r = login_ok(db, "jeanne@example.org", PW, B, T0 + 3);
    /* The wait over, the right password opens a session and clears the
     * (e-mail, address) count, not the address's. */
    r = login_ok(db, "jeanne@example.org", PW, A, T0 + 7);
    assert_int_equal(sql_int(db, "SELECT failures FROM auth_failures WHERE key = ?1",
                             failure_key("login:jeanne@example.org|192.0.2.1")),
                     -1);
    assert_int_equal(sql_int(db, "SELECT failures FROM auth_failures WHERE key = ?1",
                             failure_key("addr:192.0.2.1")),
                     6);
    /* So the next failure there, of another e-mail, waits 2^(7-4) s. */
    assert_int_equal(login_rc(db, "inconnu@example.org", "faux", A, T0 + 7, &retry), MG_EAUTH);
    assert_int_equal(login_rc(db, "jeanne@example.org", PW, A, T0 + 8, &retry), MG_ETHROTTLE);
    assert_int_equal(retry, 7);

    /* An account without a password cannot log in; neither can a
     * malformed address (counted against the client's address). */
    account_ok(db, "sans@example.org", NULL, org, MG_ROLE_READER);
    assert_int_equal(login_rc(db, "sans@example.org", "", B, T0 + 10, &retry), MG_EAUTH);
    assert_int_equal(login_rc(db, "pas une adresse", PW, B, T0 + 10, &retry), MG_EAUTH);
    assert_int_equal(sql_int(db, "SELECT failures FROM auth_failures WHERE key = ?1",
                             failure_key("addr:2001:db8::7")),
                     2);
    assert_int_equal(login_rc(db, "jeanne@example.org", PW, "a\nb", T0 + 10, &retry), MG_EINVAL);
    mg_db_close(db);
}

/* Several log-ins at once: past MG_AUTH_HASHING_MAX Argon2id computations,
 * the others are refused at once with MG_EBUSY rather than queued. */
struct busy_arg {
    mg_db *db;
    pthread_barrier_t *start;
    int index;
    int rc;
};

static void *busy_thread(void *p)
{
    struct busy_arg *b = p;
    char email[64], address[32];
    snprintf(email, sizeof email, "personne%d@example.org", b->index);
    snprintf(address, sizeof address, "198.51.100.%d", b->index);
    pthread_barrier_wait(b->start);
    mg_auth_login_result r;
    int64_t retry = 0;
    mg_diag d = {{0}};
    b->rc = mg_auth_login(b->db, email, "un mot de passe faux", address, T0, &r, &retry, &d);
    return NULL;
}

static void test_hashing_cap(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    enum { N = 6 };
    /* The dummy hash is made by the first check of the process: made here
     * first, so that it does not stagger the threads. */
    int64_t retry = 0;
    assert_int_equal(login_rc(db, "personne@example.org", "faux", "203.0.113.9", T0, &retry),
                     MG_EAUTH);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, N);
    pthread_t t[N];
    struct busy_arg a[N];
    for (int i = 0; i < N; i++) {
        a[i] = (struct busy_arg){db, &start, i, 1};
        assert_int_equal(pthread_create(&t[i], NULL, busy_thread, &a[i]), 0);
    }
    int failed = 0, busy = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        assert_true(a[i].rc == MG_EAUTH || a[i].rc == MG_EBUSY);
        failed += a[i].rc == MG_EAUTH;
        busy += a[i].rc == MG_EBUSY;
    }
    pthread_barrier_destroy(&start);
    assert_true(failed >= 1);
    assert_true(busy >= 1);
    mg_db_close(db);
}

/* --- Sessions -------------------------------------------------------------------- */

static void test_sessions(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    int64_t org = org_ok(db, "ARS Occitanie", "ars", NULL, true, false);
    int64_t id = account_ok(db, "louis@example.org", PW, org, MG_ROLE_READER);
    const char *A = "192.0.2.5";
    mg_auth_login_result s1 = login_ok(db, "louis@example.org", PW, A, T0);
    mg_auth_login_result s2 = login_ok(db, "louis@example.org", PW, A, T0);

    mg_auth_session s = session_ok(db, s1.session, T0 + 10);
    assert_int_equal(s.actor.account_id, id);
    assert_string_equal(s.actor.email, "louis@example.org");
    assert_int_equal(s.actor.nm, 1);
    assert_false(s.totp_pending);
    assert_int_equal(s.expires_at, T0 + MG_AUTH_SESSION_IDLE_S);
    /* The CSRF token: stable, of this session only, not the session's token. */
    char csrf1[MG_AUTH_TOKEN_CHARS + 1];
    memcpy(csrf1, s.csrf, sizeof csrf1);
    assert_int_equal(strlen(csrf1), MG_AUTH_TOKEN_CHARS);
    assert_true(mg_auth_token_equal(session_ok(db, s1.session, T0 + 20).csrf, csrf1));
    assert_false(mg_auth_token_equal(session_ok(db, s2.session, T0 + 20).csrf, csrf1));
    assert_false(mg_auth_token_equal(s1.session, csrf1));
    char anon[MG_AUTH_TOKEN_CHARS + 1];
    mg_auth_csrf_anonymous(s1.session, anon);
    assert_false(mg_auth_token_equal(anon, csrf1));

    /* Unknown and malformed tokens. */
    char other[MG_AUTH_TOKEN_CHARS + 1];
    mg_auth_token_new(other);
    assert_int_equal(session_rc(db, other, T0), MG_EAUTH);
    assert_int_equal(session_rc(db, "court", T0), MG_EAUTH);
    assert_int_equal(session_rc(db, NULL, T0), MG_EAUTH);

    /* Renewal: used an hour in, the session lasts two hours from then. */
    s = session_ok(db, s1.session, T0 + 3600);
    assert_int_equal(s.expires_at, T0 + 3600 + MG_AUTH_SESSION_IDLE_S);
    /* s2, unused for two hours, has ended; s1 has not. */
    assert_int_equal(session_rc(db, s2.session, T0 + MG_AUTH_SESSION_IDLE_S), MG_EAUTH);
    assert_int_equal(session_rc(db, s2.session, T0 + 60), MG_EAUTH); /* and stays ended */
    s = session_ok(db, s1.session, T0 + MG_AUTH_SESSION_IDLE_S);
    /* Used every hour, it still ends 12 hours after the log-in. */
    for (int64_t t = T0 + 3 * 3600; t < T0 + MG_AUTH_SESSION_MAX_S; t += 3600)
        s = session_ok(db, s1.session, t);
    assert_int_equal(s.expires_at, T0 + MG_AUTH_SESSION_MAX_S);
    assert_int_equal(session_rc(db, s1.session, T0 + MG_AUTH_SESSION_MAX_S), MG_EAUTH);

    /* End and end all (but one). */
    mg_auth_login_result s3 = login_ok(db, "louis@example.org", PW, A, T0 + 100);
    mg_auth_login_result s4 = login_ok(db, "louis@example.org", PW, A, T0 + 100);
    mg_diag d = {{0}};
    assert_int_equal(mg_auth_sessions_end_all(db, id, s4.session, &d), 0);
    assert_int_equal(session_rc(db, s3.session, T0 + 101), MG_EAUTH);
    session_ok(db, s4.session, T0 + 101);
    assert_int_equal(mg_auth_session_end(db, s4.session, &d), 0);
    assert_int_equal(session_rc(db, s4.session, T0 + 102), MG_EAUTH);
    assert_int_equal(mg_auth_session_end(db, s4.session, &d), 0);
    assert_int_equal(mg_auth_session_end(db, "n'importe quoi", &d), 0);
    /* Sessions are not audited: only the organisation and the account. */
    audit_intact(db, 3);
    mg_audit_verdict v;
    assert_int_equal(mg_audit_verify(db, &v, &d), 0);
    assert_int_equal(v.entries, 3);
    mg_db_close(db);
}

/* --- The second factor ------------------------------------------------------------- */

static int totp_rc(mg_db *db, const char *session, const char *code, const char *address,
                   int64_t now, int64_t *retry)
{
    mg_diag d = {{0}};
    return mg_auth_session_totp(db, session, code, address, now, retry, &d);
}

/* A code that is none of the secret's from step `from` to step `to`
 * (times), so that it is wrong whatever the random secret. */
static void wrong_code(const char *secret, int64_t from, int64_t to, char out[static 7])
{
    for (int k = 0; k < 10; k++) {
        snprintf(out, 7, "%d%d%d%d%d%d", k, k, k, k, k, k);
        bool clash = false;
        for (int64_t t = from; t <= to; t += MG_AUTH_TOTP_STEP_S) {
            char c[7];
            mg_diag d = {{0}};
            assert_int_equal(mg_auth_totp_code(secret, t, c, &d), 0);
            clash |= strcmp(c, out) == 0;
        }
        if (!clash)
            return;
    }
    fail_msg("no wrong code found");
}

static void test_totp(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    int64_t org = org_ok(db, "CPAM de l'Aude", "cpam", NULL, true, false);
    int64_t id = account_ok(db, "ines@example.org", PW, org, MG_ROLE_INSTRUCTOR);
    mg_diag d = {{0}};

    char secret[MG_AUTH_TOTP_SECRET_CHARS + 1], uri[512];
    assert_int_equal(mg_auth_totp_begin(db, id, secret, uri, sizeof uri, &d), 0);
    assert_int_equal(strlen(secret), MG_AUTH_TOTP_SECRET_CHARS);
    static const char prefix[] = "otpauth://totp/maillage:ines%40example.org?secret=";
    if (strncmp(uri, prefix, strlen(prefix)) != 0)
        fail_msg("URI %s", uri);
    assert_non_null(strstr(uri, secret));
    assert_int_equal(mg_auth_totp_begin(db, 999, secret + 0, NULL, 0, &d), MG_ENOTFOUND);
    /* The call above cleared secret: begin again. */
    assert_int_equal(mg_auth_totp_begin(db, id, secret, NULL, 0, &d), 0);

    char code[7], wrong[7];
    assert_int_equal(mg_auth_totp_code(secret, T0, code, &d), 0);
    assert_int_equal(strlen(code), 6);
    wrong_code(secret, T0 - 2 * MG_AUTH_TOTP_STEP_S, T0 + 2 * MG_AUTH_TOTP_STEP_S, wrong);
    assert_int_equal(mg_auth_totp_confirm(db, id, wrong, T0, &d), MG_EAUTH);
    assert_int_equal(mg_auth_totp_confirm(db, id, "12345", T0, &d), MG_EAUTH);
    mg_auth_actor a;
    assert_int_equal(mg_auth_actor_load(db, id, &a, &d), 0);
    assert_false(a.totp_enabled);
    /* A code of the step before is still accepted (clocks drift). */
    char before[7];
    assert_int_equal(mg_auth_totp_code(secret, T0 - MG_AUTH_TOTP_STEP_S, before, &d), 0);
    assert_int_equal(mg_auth_totp_confirm(db, id, before, T0, &d), 0);
    assert_int_equal(mg_auth_actor_load(db, id, &a, &d), 0);
    assert_true(a.totp_enabled);
    assert_int_equal(mg_auth_totp_confirm(db, id, code, T0, &d), MG_EINVAL); /* nothing pending */

    /* Log-in now needs the code; until then only the code page is open. */
    const char *A = "192.0.2.8", *B = "192.0.2.9";
    mg_auth_login_result r = login_ok(db, "ines@example.org", PW, A, T0);
    assert_true(r.totp_required);
    mg_auth_session s = session_ok(db, r.session, T0);
    assert_true(s.totp_pending);
    int64_t retry = -1;
    assert_int_equal(totp_rc(db, r.session, wrong, A, T0, &retry), MG_EAUTH);
    assert_int_equal(retry, 0);
    /* The code of the step used at enrolment, or older, is refused. */
    assert_int_equal(totp_rc(db, r.session, before, A, T0, &retry), MG_EAUTH);
    /* Spaces between digits are allowed. */
    char spaced[8] = {code[0], code[1], code[2], ' ', code[3], code[4], code[5], 0};
    assert_int_equal(totp_rc(db, r.session, spaced, A, T0, &retry), 0);
    s = session_ok(db, r.session, T0 + 1);
    assert_false(s.totp_pending);
    assert_int_equal(totp_rc(db, r.session, code, A, T0, &retry), MG_EINVAL); /* done already */

    /* The same code in another session is a replay: refused. With the
     * wrong ones, 4 failures for the account: the next attempt waits 1 s,
     * from this address or any other (codes are counted per account, so
     * that someone who has the password cannot try codes from many
     * addresses). */
    mg_auth_login_result r2 = login_ok(db, "ines@example.org", PW, B, T0 + 5);
    assert_int_equal(totp_rc(db, r2.session, code, B, T0 + 5, &retry), MG_EAUTH);
    for (int i = 0; i < 3; i++)
        assert_int_equal(totp_rc(db, r2.session, wrong, B, T0 + 5, &retry), MG_EAUTH);
    char next[7];
    assert_int_equal(mg_auth_totp_code(secret, T0 + MG_AUTH_TOTP_STEP_S, next, &d), 0);
    assert_int_equal(totp_rc(db, r2.session, next, B, T0 + 5, &retry), MG_ETHROTTLE);
    assert_int_equal(retry, 1);
    assert_int_equal(totp_rc(db, r2.session, next, "198.51.100.9", T0 + 5, &retry), MG_ETHROTTLE);
    assert_int_equal(totp_rc(db, r2.session, next, B, T0 + MG_AUTH_TOTP_STEP_S, &retry), 0);
    assert_false(session_ok(db, r2.session, T0 + MG_AUTH_TOTP_STEP_S).totp_pending);
    char garbage[MG_AUTH_TOKEN_CHARS + 1];
    mg_auth_token_new(garbage);
    assert_int_equal(totp_rc(db, garbage, next, B, T0 + 40, &retry), MG_EAUTH);

    /* Enrolment is recorded (the secret as a personal field). */
    mg_audit_record *h = NULL;
    size_t hn = 0, ht = 0;
    assert_int_equal(mg_audit_history(db, "account", id, 0, 10, &h, &hn, &ht, &d), 0);
    assert_int_equal(hn, 4); /* create, begin, begin, enable */
    assert_string_equal(h[0].verb, "totp_enable");
    mg_audit_records_free(h, hn);
    audit_intact(db, 6);
    mg_db_close(db);
}

/* --- Reset links ------------------------------------------------------------------ */

static void test_reset(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    int64_t org = org_ok(db, "Communauté d'agglomération", "epci", NULL, true, false);
    int64_t id = account_ok(db, "lucie@example.org", NULL, org, MG_ROLE_CONTRIBUTOR);
    mg_diag d = {{0}};
    int64_t retry = -1;
    const char *A = "192.0.2.20";

    /* A known address gets a message with a link; an unknown one nothing,
     * and the answer is the same. */
    assert_int_equal(mg_auth_reset_request(db, "Lucie@example.org", URL, A, T0, &retry, &d), 0);
    assert_int_equal(mg_auth_reset_request(db, "personne@example.org", URL, A, T0, &retry, &d),
                     0);
    assert_int_equal(mails_to(db, "lucie@example.org"), 1);
    assert_int_equal(mails_to(db, "personne@example.org"), 0);
    char subject[256], body[4096], token[MG_AUTH_TOKEN_CHARS + 1];
    last_mail(db, "lucie@example.org", subject, sizeof subject, body, sizeof body);
    assert_string_equal(subject, "Choisir un nouveau mot de passe sur maillage");
    assert_non_null(strstr(body, "Bonjour Marie Curie,"));
    assert_non_null(strstr(body, "1 heure"));
    assert_non_null(strstr(body, "\nmaillage\n"));
    link_token(body, token);

    /* The link: a weak password refused (the link still usable), then used
     * once. */
    assert_int_equal(mg_auth_link_check(db, token, T0 + 10, &d), 0);
    mg_auth_field_error fe = {0};
    int64_t who = 0;
    assert_int_equal(mg_auth_link_use(db, token, "court", T0 + 10, &who, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "password");
    assert_int_equal(mg_auth_link_use(db, token, PW, T0 + 10, &who, &fe, &d), 0);
    assert_int_equal(who, id);
    assert_int_equal(mg_auth_link_use(db, token, PW, T0 + 11, &who, &fe, &d), MG_EAUTH);
    assert_int_equal(who, 0);
    assert_int_equal(mg_auth_link_check(db, token, T0 + 11, &d), MG_EAUTH);
    assert_int_equal(mg_auth_link_check(db, "pas un jeton", T0 + 11, &d), MG_EAUTH);

    /* With a session open, a reset ends it. */
    mg_auth_login_result r = login_ok(db, "lucie@example.org", PW, A, T0 + 20);
    const char *B = "192.0.2.21";
    assert_int_equal(mg_auth_reset_request(db, "lucie@example.org", URL, B, T0 + 30, &retry, &d),
                     0);
    last_mail(db, "lucie@example.org", subject, sizeof subject, body, sizeof body);
    link_token(body, token);
    /* An hour later, the link has expired. */
    assert_int_equal(mg_auth_link_check(db, token, T0 + 30 + MG_AUTH_RESET_TTL_S, &d), MG_EAUTH);
    assert_int_equal(mg_auth_link_use(db, token, PW, T0 + 30 + MG_AUTH_RESET_TTL_S, &who, &fe,
                                      &d),
                     MG_EAUTH);
    assert_int_equal(mg_auth_reset_request(db, "lucie@example.org", URL, B, T0 + 40, &retry, &d),
                     0);
    last_mail(db, "lucie@example.org", subject, sizeof subject, body, sizeof body);
    char token2[MG_AUTH_TOKEN_CHARS + 1];
    link_token(body, token2);
    session_ok(db, r.session, T0 + 50);
    assert_int_equal(mg_auth_link_use(db, token2, "un autre mot de passe long", T0 + 50, &who,
                                      &fe, &d),
                     0);
    assert_int_equal(session_rc(db, r.session, T0 + 51), MG_EAUTH);
    assert_int_equal(mails_to(db, "lucie@example.org"), 3);

    /* Requests from one address: three free, then 1 s after the 4th. */
    const char *C = "192.0.2.22";
    for (int i = 0; i < 4; i++)
        assert_int_equal(mg_auth_reset_request(db, "nul@example.org", URL, C, T0, &retry, &d),
                         0);
    assert_int_equal(mg_auth_reset_request(db, "nul@example.org", URL, C, T0, &retry, &d),
                     MG_ETHROTTLE);
    assert_int_equal(retry, 1);
    assert_int_equal(mg_auth_reset_request(db, "nul@example.org", URL, C, T0 + 1, &retry, &d),
                     0);
    /* A malformed address is said so; the site's address is checked. */
    mg_diag_clear(&d);
    assert_int_equal(mg_auth_reset_request(db, "pas une adresse", URL, "192.0.2.23", T0, &retry,
                                           &d),
                     MG_EINVAL);
    assert_msg_has(d, "adresse électronique");
    assert_int_equal(mg_auth_reset_request(db, "lucie@example.org", "maillage.fr", A, T0, &retry,
                                           &d),
                     MG_EINVAL);

    /* The two passwords set are in the audit trail. */
    mg_audit_record *h = NULL;
    size_t hn = 0, ht = 0;
    assert_int_equal(mg_audit_history(db, "account", id, 0, 10, &h, &hn, &ht, &d), 0);
    assert_int_equal(hn, 3);
    assert_string_equal(h[0].verb, "password_set");
    assert_string_equal(h[0].changes[0].field, "password_hash");
    assert_true(h[0].changes[0].personal);
    mg_audit_records_free(h, hn);
    audit_intact(db, 5);
    mg_db_close(db);
}

static void test_password_change(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    int64_t id = account_ok(db, "hugo@example.org", PW, 0, MG_ROLE_READER);
    mg_auth_login_result keep = login_ok(db, "hugo@example.org", PW, "192.0.2.30", T0);
    mg_auth_login_result other = login_ok(db, "hugo@example.org", PW, "192.0.2.31", T0);
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    assert_int_equal(mg_auth_password_change(db, id, PW, "court", keep.session, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "password");
    assert_int_equal(mg_auth_password_change(db, id, "pas le bon mot de passe", "nouvelle phrase "
                                             "secrète", keep.session, &fe, &d),
                     MG_EAUTH);
    assert_string_equal(fe.field, "current_password");
    assert_int_equal(mg_auth_password_change(db, id, PW, "nouvelle phrase secrète",
                                             keep.session, &fe, &d),
                     0);
    session_ok(db, keep.session, T0 + 1);
    assert_int_equal(session_rc(db, other.session, T0 + 1), MG_EAUTH);
    audit_intact(db, 2);
    mg_db_close(db);
}

/* --- Invitations and registration ---------------------------------------------------- */

static void test_invitations(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    int64_t org = org_ok(db, "Département de l'Aude", "departement", NULL, true, false);
    int64_t admin = account_ok(db, "admin@example.org", NULL, org, MG_ROLE_ADMINISTRATOR);
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};

    /* A new person: an account without password, the role, a link. */
    assert_int_equal(mg_auth_invite(db, admin, org, "Nouveau@Example.org", "Nina Nouveau",
                                    MG_ROLE_MANAGER, URL, T0, &fe, &d),
                     0);
    char subject[256], body[4096], token[MG_AUTH_TOKEN_CHARS + 1];
    last_mail(db, "nouveau@example.org", subject, sizeof subject, body, sizeof body);
    assert_string_equal(subject, "Invitation à rejoindre maillage");
    assert_non_null(strstr(body, "Bonjour Nina Nouveau,"));
    assert_non_null(strstr(body, "« Département de l'Aude »"));
    assert_non_null(strstr(body, "« Gestionnaire »"));
    assert_non_null(strstr(body, "7 jours"));
    link_token(body, token);
    mg_auth_member *m = NULL;
    size_t n = 0;
    assert_int_equal(mg_auth_members(db, org, &m, &n, &d), 0);
    assert_int_equal(n, 2);
    int64_t nina = m[1].account_id;
    assert_string_equal(m[1].display_name, "Nina Nouveau");
    assert_int_equal(m[1].role, MG_ROLE_MANAGER);
    assert_false(m[1].has_password);
    free(m);

    /* Invited twice into the same organisation: refused. */
    memset(&fe, 0, sizeof fe);
    assert_int_equal(mg_auth_invite(db, admin, org, "nouveau@example.org", "Nina",
                                    MG_ROLE_READER, URL, T0, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "email");
    /* A new person needs a name; an organisation must exist. */
    memset(&fe, 0, sizeof fe);
    assert_int_equal(mg_auth_invite(db, admin, org, "anonyme@example.org", "", MG_ROLE_READER,
                                    URL, T0, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "display_name");
    assert_int_equal(mg_auth_invite(db, admin, 999, "x@example.org", "X", MG_ROLE_READER, URL,
                                    T0, &fe, &d),
                     MG_ENOTFOUND);

    /* The link sets the password (once); a week later it would be stale. */
    assert_int_equal(mg_auth_link_check(db, token, T0 + MG_AUTH_INVITATION_TTL_S, &d), MG_EAUTH);
    int64_t who = 0;
    assert_int_equal(mg_auth_link_use(db, token, PW, T0 + 3600, &who, &fe, &d), 0);
    assert_int_equal(who, nina);

    /* Someone with an account already: added, told without a link. */
    int64_t other = org_ok(db, "Ville de Limoux", "commune", NULL, true, false);
    assert_int_equal(mg_auth_invite(db, admin, other, "nouveau@example.org", NULL,
                                    MG_ROLE_READER, URL, T0 + 7200, &fe, &d),
                     0);
    last_mail(db, "nouveau@example.org", subject, sizeof subject, body, sizeof body);
    assert_string_equal(subject, "Vous avez rejoint une organisation sur maillage");
    assert_non_null(strstr(body, "« Ville de Limoux »"));
    assert_non_null(strstr(body, "https://maillage.example.fr/connexion"));
    assert_null(strstr(body, "jeton"));
    mg_auth_actor a;
    assert_int_equal(mg_auth_actor_load(db, nina, &a, &d), 0);
    assert_int_equal(a.nm, 2);
    assert_int_equal(mails_to(db, "nouveau@example.org"), 2);

    /* Invited and added by the administrator: in the trail under that name. */
    mg_audit_record *h = NULL;
    size_t hn = 0, ht = 0;
    assert_int_equal(mg_audit_history(db, "membership", nina, 0, 10, &h, &hn, &ht, &d), 0);
    assert_int_equal(hn, 2);
    assert_int_equal(h[0].account_id, admin);
    assert_int_equal(h[0].organisation_id, other);
    mg_audit_records_free(h, hn);
    audit_intact(db, 7);
    mg_db_close(db);
}

static void test_registration(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    int64_t op = org_ok(db, "Opérateur", "departement", NULL, true, true);
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t account = 0, org = 0;

    /* Refusals, before anything is hashed. */
    struct {
        mg_auth_org_input in;
        const char *email, *password, *field;
    } bad[] = {
        {{.name = "Mairie", .kind = "commune", .siret = "73282932000074"}, "a@example.org", PW,
         "kind"},
        {{.name = "Asso", .kind = "association"}, "a@example.org", PW, "rna"},
        {{.name = "Asso", .kind = "association", .finess = "750712184"}, "a@example.org", PW,
         "rna"},
        {{.name = "Centre", .kind = "health_centre", .rna = "W751234567"}, "a@example.org", PW,
         "siret"},
        {{.name = "Asso", .kind = "association", .rna = "W751234567"}, "a@", PW, "email"},
        {{.name = "Asso", .kind = "association", .rna = "W751234567"}, "a@example.org", "court",
         "password"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&fe, 0, sizeof fe);
        assert_int_equal(mg_auth_register(db, &bad[i].in, bad[i].email, "Anne", bad[i].password,
                                          URL, "203.0.113.5", T0, NULL, &account, &org, &fe,
                                          &d),
                         MG_EINVAL);
        if (!fe.field || strcmp(fe.field, bad[i].field) != 0)
            fail_msg("case %zu: field %s, expected %s", i, fe.field ? fe.field : "(none)",
                     bad[i].field);
    }

    mg_auth_org_input in = {.name = "Centre de santé des Corbières", .kind = "health_centre",
                            .finess = "310781406"};
    assert_int_equal(mg_auth_register(db, &in, "anne@example.org", "Anne Martin", PW, URL,
                                      "203.0.113.5", T0, NULL, &account, &org, &fe, &d),
                     0);
    assert_true(account > 0 && org > 0);
    mg_auth_org o;
    assert_int_equal(mg_auth_org_get(db, org, &o, &d), 0);
    assert_false(o.active);
    assert_int_equal(o.kind, MG_ORG_HEALTH_CENTRE);
    char subject[256], body[4096];
    last_mail(db, "anne@example.org", subject, sizeof subject, body, sizeof body);
    assert_string_equal(subject, "Votre inscription sur maillage est enregistrée");
    assert_non_null(strstr(body, "« Centre de santé des Corbières »"));

    mg_auth_actor a;
    assert_int_equal(mg_auth_actor_load(db, account, &a, &d), 0);
    assert_int_equal(a.nm, 1);
    assert_int_equal(a.m[0].role, MG_ROLE_APPLICANT);
    assert_false(a.m[0].org_active);
    /* It may log in and see its organisation waiting, and do nothing else. */
    login_ok(db, "anne@example.org", PW, "192.0.2.40", T0);
    mg_auth_object self = {.type = MG_AUTH_OBJ_ORGANISATION, .organisation_id = org};
    mg_auth_object scen = {.type = MG_AUTH_OBJ_SCENARIO, .organisation_id = org};
    assert_int_equal(mg_auth_can(&a, MG_AUTH_VIEW, &self), MG_AUTH_ALLOW);
    assert_int_equal(mg_auth_can(&a, MG_AUTH_EDIT, &self), MG_AUTH_DENY_FORBIDDEN);
    /* Made its manager, it still cannot work while the organisation waits… */
    assert_int_equal(mg_auth_membership_set(db, 0, account, org, MG_ROLE_MANAGER, &d), 0);
    assert_int_equal(mg_auth_actor_load(db, account, &a, &d), 0);
    assert_int_equal(mg_auth_can(&a, MG_AUTH_CREATE, &scen), MG_AUTH_DENY_FORBIDDEN);
    assert_int_equal(mg_auth_orgs_where(&a, MG_AUTH_CREATE, MG_AUTH_OBJ_SCENARIO,
                                        (int64_t[4]){0}, 4),
                     0);
    /* …until an operator administrator confirms it. */
    int64_t boss = account_ok(db, "chef@example.org", NULL, op, MG_ROLE_ADMINISTRATOR);
    mg_auth_actor b;
    assert_int_equal(mg_auth_actor_load(db, boss, &b, &d), 0);
    assert_int_equal(mg_auth_can(&b, MG_AUTH_CONFIRM, &self), MG_AUTH_ALLOW);
    assert_int_equal(mg_auth_org_confirm(db, boss, org, URL, &d), 0);
    assert_int_equal(mg_auth_actor_load(db, account, &a, &d), 0);
    assert_int_equal(mg_auth_can(&a, MG_AUTH_CREATE, &scen), MG_AUTH_ALLOW);
    int64_t where[4] = {0};
    assert_int_equal(mg_auth_orgs_where(&a, MG_AUTH_CREATE, MG_AUTH_OBJ_SCENARIO, where, 4), 1);
    assert_int_equal(where[0], org);
    last_mail(db, "anne@example.org", subject, sizeof subject, body, sizeof body);
    assert_string_equal(subject, "Votre organisation est confirmée sur maillage");
    assert_int_equal(mails_to(db, "anne@example.org"), 2);

    /* The same e-mail or FINESS cannot register twice. */
    memset(&fe, 0, sizeof fe);
    mg_auth_org_input again = {.name = "Autre centre", .kind = "health_centre",
                               .finess = in.finess};
    assert_int_equal(mg_auth_register(db, &again, "autre@example.org", "Autre", PW, URL, NULL,
                                      0, NULL, &account, &org, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "finess");
    assert_int_equal(account, 0);
    audit_intact(db, 6);
    mg_db_close(db);
}

/* --- API tokens -------------------------------------------------------------------- */

/* Registrations from one address: three a day are free, then each waits
 * 1, 2, 4 … s after the one before; another address is not slowed. */
static void test_registration_slow_down(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    mg_diag d = {{0}};
    int64_t account = 0, org = 0, retry = 0;
    char name[64], email[64], rna[16];
    for (int k = 1; k <= 5; k++) {
        snprintf(name, sizeof name, "Association %d", k);
        snprintf(email, sizeof email, "asso%d@example.org", k);
        snprintf(rna, sizeof rna, "W75100000%d", k);
        mg_auth_org_input in = {.name = name, .kind = "association", .rna = rna};
        mg_auth_field_error fe = {0};
        int want = k <= 4 ? 0 : MG_ETHROTTLE;
        assert_int_equal(mg_auth_register(db, &in, email, "Bénévole", PW, URL, "203.0.113.9", T0,
                                          &retry, &account, &org, &fe, &d),
                         want);
    }
    assert_int_equal(retry, 1);
    mg_auth_org_input in = {.name = "Association 5", .kind = "association", .rna = "W751000005"};
    mg_auth_field_error fe = {0};
    assert_int_equal(mg_auth_register(db, &in, "asso5@example.org", "Bénévole", PW, URL,
                                      "203.0.113.10", T0, &retry, &account, &org, &fe, &d),
                     0);
    mg_db_close(db);
}

static void test_api_tokens(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    int64_t org = org_ok(db, "URPS Médecins", "urps", NULL, true, false);
    int64_t id = account_ok(db, "script@example.org", NULL, org, MG_ROLE_CONTRIBUTOR);
    int64_t other = account_ok(db, "autre@example.org", NULL, org, MG_ROLE_CONTRIBUTOR);
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    char secret[MG_AUTH_API_TOKEN_CHARS + 1];
    int64_t tid = 0;

    assert_int_equal(mg_auth_api_token_create(db, id, "  ", secret, &tid, &fe, &d), MG_EINVAL);
    assert_string_equal(fe.field, "name");
    assert_int_equal(mg_auth_api_token_create(db, id, "Sauvegarde nocturne", secret, &tid, &fe,
                                              &d),
                     0);
    assert_int_equal(strlen(secret), MG_AUTH_API_TOKEN_CHARS);
    assert_true(strncmp(secret, "mgt_", 4) == 0);
    /* Stored hashed: the secret appears nowhere in the table. */
    assert_int_equal(sql_int(db, "SELECT count(*) FROM api_tokens WHERE token_hash = ?1",
                             secret),
                     0);

    mg_auth_actor a;
    assert_int_equal(mg_auth_api_token_load(db, secret, T0, &a, &d), 0);
    assert_int_equal(a.account_id, id);
    assert_int_equal(a.nm, 1);
    char bad[MG_AUTH_API_TOKEN_CHARS + 1];
    memcpy(bad, secret, sizeof bad);
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    assert_int_equal(mg_auth_api_token_load(db, bad, T0, &a, &d), MG_EAUTH);
    assert_int_equal(a.account_id, 0);
    assert_int_equal(mg_auth_api_token_load(db, secret + 4, T0, &a, &d), MG_EAUTH);

    mg_auth_api_token *list = NULL;
    size_t n = 0;
    assert_int_equal(mg_auth_api_token_list(db, id, &list, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, tid);
    assert_string_equal(list[0].name, "Sauvegarde nocturne");
    assert_int_equal(strlen(list[0].created_at), 20);
    assert_string_equal(list[0].last_used_at, "2026-03-02T09:00:00Z");
    assert_false(list[0].revoked);
    free(list);
    assert_int_equal(mg_auth_api_token_list(db, other, &list, &n, &d), 0);
    assert_int_equal(n, 0);

    /* Only its account revokes it; revoked, it opens nothing. */
    assert_int_equal(mg_auth_api_token_revoke(db, other, tid, &d), MG_ENOTFOUND);
    assert_int_equal(mg_auth_api_token_load(db, secret, T0 + 1, &a, &d), 0);
    assert_int_equal(mg_auth_api_token_revoke(db, id, tid, &d), 0);
    assert_int_equal(mg_auth_api_token_load(db, secret, T0 + 2, &a, &d), MG_EAUTH);
    assert_int_equal(mg_auth_api_token_revoke(db, id, tid, &d), 0);
    assert_int_equal(mg_auth_api_token_list(db, id, &list, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_true(list[0].revoked);
    free(list);

    /* An administrator without a second factor gets no API access. */
    int64_t adm = account_ok(db, "adm@example.org", NULL, org, MG_ROLE_ADMINISTRATOR);
    assert_int_equal(mg_auth_api_token_create(db, adm, "Export", secret, &tid, &fe, &d), 0);
    mg_diag_clear(&d);
    assert_int_equal(mg_auth_api_token_load(db, secret, T0, &a, &d), MG_EAUTH);
    assert_msg_has(d, "double authentification");

    /* At most MG_AUTH_API_TOKENS_MAX in service per account. */
    for (int i = 0; i < MG_AUTH_API_TOKENS_MAX; i++)
        assert_int_equal(mg_auth_api_token_create(db, other, "Jeton", secret, &tid, &fe, &d), 0);
    assert_int_equal(mg_auth_api_token_create(db, other, "Jeton", secret, &tid, &fe, &d),
                     MG_ELIMIT);
    assert_int_equal(mg_auth_api_token_create(db, 999, "Jeton", secret, &tid, &fe, &d),
                     MG_ENOTFOUND);

    mg_audit_record *h = NULL;
    size_t hn = 0, ht = 0;
    assert_int_equal(mg_audit_history(db, "api_token", 1, 0, 10, &h, &hn, &ht, &d), 0);
    assert_int_equal(hn, 2);
    assert_string_equal(h[0].verb, "revoke");
    assert_string_equal(h[1].verb, "create");
    mg_audit_records_free(h, hn);
    audit_intact(db, 10);
    mg_db_close(db);
}

/* --- Without a database ---------------------------------------------------------------- */

static void test_kinds_and_roles(void **state)
{
    (void)state;
    for (int k = 0; k < MG_ORG_KINDS; k++) {
        mg_auth_org_kind back;
        assert_int_equal(mg_auth_org_kind_parse(mg_auth_org_kind_key(k), &back), 0);
        assert_int_equal(back, k);
        assert_true(mg_auth_org_kind_label(k)[0] != '\0');
    }
    assert_string_equal(mg_auth_org_kind_key(MG_ORG_HEALTH_CENTRE), "health_centre");
    assert_string_equal(mg_auth_org_kind_label(MG_ORG_DEPARTEMENT), "Département");
    assert_string_equal(mg_auth_org_kind_label(MG_ORG_HEALTH_CENTRE), "Centre de santé");
    mg_auth_org_kind k;
    assert_int_equal(mg_auth_org_kind_parse("Commune", &k), MG_ENOTFOUND);
    assert_int_equal(mg_auth_org_kind_parse(NULL, &k), MG_ENOTFOUND);
    const char *labels[MG_ROLES] = {"Administrateur", "Gestionnaire", "Instructeur",
                                    "Contributeur",   "Lecteur",      "Hôte",
                                    "Téléconsultant", "Demandeur"};
    for (int r = 0; r < MG_ROLES; r++) {
        mg_auth_role back;
        assert_int_equal(mg_auth_role_parse(mg_auth_role_key(r), &back), 0);
        assert_int_equal(back, r);
        assert_string_equal(mg_auth_role_label(r), labels[r]);
        assert_int_equal(mg_auth_role_needs_totp(r),
                         r == MG_ROLE_ADMINISTRATOR || r == MG_ROLE_INSTRUCTOR);
    }
    mg_auth_role r;
    assert_int_equal(mg_auth_role_parse("admin", &r), MG_ENOTFOUND);
}

static void test_tokens_and_csrf(void **state)
{
    (void)state;
    char a[MG_AUTH_TOKEN_CHARS + 1], b[MG_AUTH_TOKEN_CHARS + 1];
    mg_auth_token_new(a);
    mg_auth_token_new(b);
    assert_int_equal(strlen(a), MG_AUTH_TOKEN_CHARS);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     MG_AUTH_TOKEN_CHARS);
    assert_false(mg_auth_token_equal(a, b));
    assert_true(mg_auth_token_equal(a, a));
    assert_false(mg_auth_token_equal(a, NULL));
    assert_false(mg_auth_token_equal(NULL, NULL));
    assert_false(mg_auth_token_equal("", ""));
    char shorter[MG_AUTH_TOKEN_CHARS + 1];
    memcpy(shorter, a, sizeof shorter);
    shorter[MG_AUTH_TOKEN_CHARS - 1] = '\0';
    assert_false(mg_auth_token_equal(a, shorter));

    char c1[MG_AUTH_TOKEN_CHARS + 1], c2[MG_AUTH_TOKEN_CHARS + 1], c3[MG_AUTH_TOKEN_CHARS + 1];
    mg_auth_csrf_anonymous(a, c1);
    mg_auth_csrf_anonymous(a, c2);
    mg_auth_csrf_anonymous(b, c3);
    assert_int_equal(strlen(c1), MG_AUTH_TOKEN_CHARS);
    assert_true(mg_auth_token_equal(c1, c2));
    assert_false(mg_auth_token_equal(c1, c3));
    assert_false(mg_auth_token_equal(c1, a));
    mg_auth_csrf_anonymous("trop court", c1);
    assert_string_equal(c1, "");
    mg_auth_csrf_anonymous(NULL, c1);
    assert_false(mg_auth_token_equal(c1, c1));
}

static void test_cookie_and_bearer(void **state)
{
    (void)state;
    char out[64];
    assert_true(mg_auth_cookie_get("a=b; mg_session=abc_-123; c=d", "mg_session", out,
                                   sizeof out));
    assert_string_equal(out, "abc_-123");
    assert_true(mg_auth_cookie_get("mg_session=\"Zz9\"", "mg_session", out, sizeof out));
    assert_string_equal(out, "Zz9");
    assert_true(mg_auth_cookie_get(" \tmg_session = tok ;other=1", "mg_session", out,
                                   sizeof out));
    assert_string_equal(out, "tok");
    /* The first of that name decides, even when it is malformed. */
    assert_true(mg_auth_cookie_get("mg_session=one; mg_session=two", "mg_session", out,
                                   sizeof out));
    assert_string_equal(out, "one");
    assert_true(mg_auth_cookie_get("mg_session=x; mg_session=y$", "mg_session", out,
                                   sizeof out));
    assert_string_equal(out, "x");
    assert_false(mg_auth_cookie_get("mg_session=x$; mg_session=y", "mg_session", out,
                                    sizeof out));
    const char *refused[] = {"xmg_session=abc", "mg_session=", "mg_session=a$c",
                             "mg_session=a b",  "mg_session=\"abc", "mg_sessionabc",
                             "mg_session=é",    ""};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        snprintf(out, sizeof out, "sentinel");
        if (mg_auth_cookie_get(refused[i], "mg_session", out, sizeof out))
            fail_msg("\"%s\" gave \"%s\"", refused[i], out);
        assert_string_equal(out, "");
    }
    assert_false(mg_auth_cookie_get("mg_session=abcd", "mg_session", out, 4));
    assert_true(mg_auth_cookie_get("mg_session=abc", "mg_session", out, 4));
    assert_false(mg_auth_cookie_get(NULL, "mg_session", out, sizeof out));
    assert_false(mg_auth_cookie_get("a=b", NULL, out, sizeof out));

    char tok[MG_AUTH_API_TOKEN_CHARS + 1], hdr[128];
    memcpy(tok, "mgt_", 4);
    mg_auth_token_new(tok + 4);
    char got[MG_AUTH_API_TOKEN_CHARS + 1];
    snprintf(hdr, sizeof hdr, "Bearer %s", tok);
    assert_true(mg_auth_bearer_get(hdr, got));
    assert_string_equal(got, tok);
    snprintf(hdr, sizeof hdr, "  bearer\t %s  ", tok);
    assert_true(mg_auth_bearer_get(hdr, got));
    assert_string_equal(got, tok);
    const struct {
        const char *before;
        int len;
        const char *after;
    } bad[] = {{"Basic ", 47, ""},  {"Bearer", 47, ""},    {"Bearer ", 47, "x"},
               {"Bearer ", 46, ""}, {"Bearer ", 47, ",x"}, {"Bearer x", 47, ""},
               {"Token ", 47, ""}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(hdr, sizeof hdr, "%s%.*s%s", bad[i].before, bad[i].len, tok, bad[i].after);
        snprintf(got, sizeof got, "sentinel");
        if (mg_auth_bearer_get(hdr, got))
            fail_msg("\"%s\" accepted", hdr);
        assert_string_equal(got, "");
    }
    snprintf(hdr, sizeof hdr, "Bearer mgu_%s", tok + 4);
    assert_false(mg_auth_bearer_get(hdr, got));
    snprintf(hdr, sizeof hdr, "Bearer %s", tok);
    hdr[20] = '.';
    assert_false(mg_auth_bearer_get(hdr, got));
    assert_false(mg_auth_bearer_get(NULL, got));
    assert_false(mg_auth_bearer_get("Bearer", got));
    assert_false(mg_auth_bearer_get("", got));
}

/*
 * The authorisation table, written by hand from the rules (not from the
 * code): for each actor and object, the decision for VIEW, CREATE, EDIT,
 * DELETE, CONFIRM, INVITE, SUGGEST in that order: A allow, L log in first, F
 * forbidden, H hidden.
 */
enum { ORG_OP = 1, ORG_2 = 2, ORG_3 = 3, ORG_5 = 5, ORG_OP_PENDING = 9 };

struct actor_spec {
    const char *label;
    int64_t account;
    int nm;
    struct { int64_t org; mg_auth_role role; bool active, op; } m[2];
};

static const struct actor_spec actors[] = {
    {"anonymous (NULL)", -1, 0, {{0}}},
    {"account 0", 0, 1, {{ORG_OP, MG_ROLE_ADMINISTRATOR, true, true}}},
    {"operator admin", 10, 1, {{ORG_OP, MG_ROLE_ADMINISTRATOR, true, true}}},
    {"admin of pending operator", 11, 1, {{ORG_OP_PENDING, MG_ROLE_ADMINISTRATOR, false, true}}},
    {"operator manager", 12, 1, {{ORG_OP, MG_ROLE_MANAGER, true, true}}},
    {"admin of 2", 20, 1, {{ORG_2, MG_ROLE_ADMINISTRATOR, true, false}}},
    {"manager of 2", 21, 1, {{ORG_2, MG_ROLE_MANAGER, true, false}}},
    {"contributor of 2", 22, 1, {{ORG_2, MG_ROLE_CONTRIBUTOR, true, false}}},
    {"reader of 2", 23, 1, {{ORG_2, MG_ROLE_READER, true, false}}},
    {"instructor of 2", 24, 1, {{ORG_2, MG_ROLE_INSTRUCTOR, true, false}}},
    {"host of 2", 25, 1, {{ORG_2, MG_ROLE_HOST, true, false}}},
    {"teleconsultant of 2", 26, 1, {{ORG_2, MG_ROLE_TELECONSULTANT, true, false}}},
    {"applicant of 2", 27, 1, {{ORG_2, MG_ROLE_APPLICANT, true, false}}},
    {"manager of pending 3", 30, 1, {{ORG_3, MG_ROLE_MANAGER, false, false}}},
    {"admin of pending 3", 31, 1, {{ORG_3, MG_ROLE_ADMINISTRATOR, false, false}}},
    {"operator admin and manager of 2", 40, 2,
     {{ORG_OP, MG_ROLE_ADMINISTRATOR, true, true}, {ORG_2, MG_ROLE_MANAGER, true, false}}},
};
enum { NACTORS = sizeof actors / sizeof actors[0] };

enum { PUB, SC2, SC2L, SC3, SC0, SC5, ORG2, ORG3, ORG1, ACCSELF, ACCOTHER, PLAT,
       STR2, STR5, MEET2, MEET3, CON5, NOBJECTS };
static const char *const object_labels[NOBJECTS] = {
    "public", "scenario of 2", "scenario of 2 by link", "scenario of pending 3",
    "scenario of nobody", "scenario of 5", "organisation 2", "organisation 3 (pending)",
    "organisation 1 (operator)", "own account", "another account", "platform",
    "structure 2", "structure 5", "meeting of 2", "meeting of pending 3", "contract of 5"};

static const char *const expected[NACTORS][NOBJECTS] = {
    /*              PUB        SC2        SC2L       SC3        SC0        SC5
                    ORG2       ORG3       ORG1       ACCSELF    ACCOTHER   PLAT
                    STR2       STR5       MEET2      MEET3      CON5 */
    /* anonymous*/ {"ALLLLLL", "LLLLLLL", "ALLLLLL", "LLLLLLL", "LLLLLLL", "LLLLLLL",
                     "LLLLLLL", "LLLLLLL", "LLLLLLL", "LLLLLLL", "LLLLLLL", "LLLLLLL",
                     "ALLLLLL", "ALLLLLL", "LLLLLLL", "LLLLLLL", "LLLLLLL"},
    /* account 0*/ {"ALLLLLL", "LLLLLLL", "ALLLLLL", "LLLLLLL", "LLLLLLL", "LLLLLLL",
                     "LLLLLLL", "LLLLLLL", "LLLLLLL", "LLLLLLL", "LLLLLLL", "LLLLLLL",
                     "ALLLLLL", "ALLLLLL", "LLLLLLL", "LLLLLLL", "LLLLLLL"},
    /* op admin */ {"AFFFFFF", "HHHHFFF", "AHHHFFF", "HHHHFFF", "AFAAFFF", "HHHHFFF",
                     "AAAFAAF", "AAAFAAF", "AAAFAAF", "AFAFFFF", "AFFFFFF", "AAAAAAF",
                     "AAAFFFA", "AAAFFFA", "HHHHFFF", "HHHHFFF", "HHHHFFF"},
    /* pend. op */ {"AFFFFFF", "HHHHFFF", "AHHHFFF", "HHHHFFF", "HFHHFFF", "HHHHFFF",
                     "HFHFHHF", "HFHFHHF", "HFHFHHF", "AFAFFFF", "HHHHFFF", "FFFFFFF",
                     "AFFFFFF", "AFFFFFF", "HHHHFFF", "HHHHFFF", "HHHHFFF"},
    /* op manager*/ {"AFFFFFF", "HHHHFFF", "AHHHFFF", "HHHHFFF", "HFHHFFF", "HHHHFFF",
                     "HFHFHHF", "HFHFHHF", "AFFFFFF", "AFAFFFF", "HHHHFFF", "FFFFFFF",
                     "AAFFFFA", "AAFFFFA", "HHHHFFF", "HHHHFFF", "HHHHFFF"},
    /* admin 2  */ {"AFFFFFF", "AFFAFFF", "AFFAFFF", "HHHHFFF", "HFHHFFF", "HHHHFFF",
                     "AFAFFAF", "HFHFHHF", "HFHFHHF", "AFAFFFF", "HHHHFFF", "FFFFFFF",
                     "AAAFFFF", "AAFFFFA", "AFFAFFF", "HHHHFFF", "HHHHFFF"},
    /* manager 2*/ {"AFFFFFF", "AAAAFFF", "AAAAFFF", "HHHHFFF", "HFHHFFF", "HHHHFFF",
                     "AFFFFFF", "HFHFHHF", "HFHFHHF", "AFAFFFF", "HHHHFFF", "FFFFFFF",
                     "AAAFFFF", "AAFFFFA", "AAAAFFF", "HHHHFFF", "HHHHFFF"},
    /* contrib 2*/ {"AFFFFFF", "AAAFFFF", "AAAFFFF", "HHHHFFF", "HFHHFFF", "HHHHFFF",
                     "AFFFFFF", "HFHFHHF", "HFHFHHF", "AFAFFFF", "HHHHFFF", "FFFFFFF",
                     "AFAFFFF", "AFFFFFA", "AAAFFFF", "HHHHFFF", "HHHHFFF"},
    /* reader 2 */ {"AFFFFFF", "AFFFFFF", "AFFFFFF", "HHHHFFF", "HFHHFFF", "HHHHFFF",
                     "AFFFFFF", "HFHFHHF", "HFHFHHF", "AFAFFFF", "HHHHFFF", "FFFFFFF",
                     "AFFFFFA", "AFFFFFA", "AFFFFFF", "HHHHFFF", "HHHHFFF"},
    /* instr. 2 */ {"AFFFFFF", "FFFFFFF", "AFFFFFF", "HHHHFFF", "HFHHFFF", "HHHHFFF",
                     "AFFFFFF", "HFHFHHF", "HFHFHHF", "AFAFFFF", "HHHHFFF", "FFFFFFF",
                     "AFFFFFA", "AFFFFFA", "FFFFFFF", "HHHHFFF", "HHHHFFF"},
    /* host 2   */ {"AFFFFFF", "FFFFFFF", "AFFFFFF", "HHHHFFF", "HFHHFFF", "HHHHFFF",
                     "AFFFFFF", "HFHFHHF", "HFHFHHF", "AFAFFFF", "HHHHFFF", "FFFFFFF",
                     "AFFFFFA", "AFFFFFA", "FFFFFFF", "HHHHFFF", "HHHHFFF"},
    /* telecons.*/ {"AFFFFFF", "FFFFFFF", "AFFFFFF", "HHHHFFF", "HFHHFFF", "HHHHFFF",
                     "AFFFFFF", "HFHFHHF", "HFHFHHF", "AFAFFFF", "HHHHFFF", "FFFFFFF",
                     "AFFFFFA", "AFFFFFA", "FFFFFFF", "HHHHFFF", "HHHHFFF"},
    /* applicant*/ {"AFFFFFF", "FFFFFFF", "AFFFFFF", "HHHHFFF", "HFHHFFF", "HHHHFFF",
                     "AFFFFFF", "HFHFHHF", "HFHFHHF", "AFAFFFF", "HHHHFFF", "FFFFFFF",
                     "AFFFFFA", "AFFFFFA", "FFFFFFF", "HHHHFFF", "HHHHFFF"},
    /* mgr pend 3*/ {"AFFFFFF", "HHHHFFF", "AHHHFFF", "FFFFFFF", "HFHHFFF", "HHHHFFF",
                     "HFHFHHF", "AFFFFFF", "HFHFHHF", "AFAFFFF", "HHHHFFF", "FFFFFFF",
                     "AFFFFFF", "AFFFFFF", "HHHHFFF", "FFFFFFF", "HHHHFFF"},
    /* adm pend 3*/ {"AFFFFFF", "HHHHFFF", "AHHHFFF", "FFFFFFF", "HFHHFFF", "HHHHFFF",
                     "HFHFHHF", "AFFFFFF", "HFHFHHF", "AFAFFFF", "HHHHFFF", "FFFFFFF",
                     "AFFFFFF", "AFFFFFF", "HHHHFFF", "FFFFFFF", "HHHHFFF"},
    /* op + mgr 2*/ {"AFFFFFF", "AAAAFFF", "AAAAFFF", "HHHHFFF", "AFAAFFF", "HHHHFFF",
                     "AAAFAAF", "AAAFAAF", "AAAFAAF", "AFAFFFF", "AFFFFFF", "AAAAAAF",
                     "AAAFFFF", "AAAFFFA", "AAAAFFF", "HHHHFFF", "HHHHFFF"},
};

static char letter(mg_auth_decision d)
{
    switch (d) {
    case MG_AUTH_ALLOW: return 'A';
    case MG_AUTH_DENY_LOGIN: return 'L';
    case MG_AUTH_DENY_FORBIDDEN: return 'F';
    case MG_AUTH_DENY_HIDDEN: return 'H';
    }
    return '?';
}

static void make_actor(const struct actor_spec *s, mg_auth_actor *a)
{
    memset(a, 0, sizeof *a);
    a->account_id = s->account < 0 ? 0 : s->account;
    for (int i = 0; i < s->nm; i++) {
        a->m[i].organisation_id = s->m[i].org;
        a->m[i].role = s->m[i].role;
        a->m[i].org_active = s->m[i].active;
        a->m[i].org_operator = s->m[i].op;
    }
    a->nm = (size_t)s->nm;
}

static mg_auth_object make_object(int which, int64_t self)
{
    switch (which) {
    case PUB: return (mg_auth_object){.type = MG_AUTH_OBJ_PUBLIC};
    case SC2: return (mg_auth_object){.type = MG_AUTH_OBJ_SCENARIO, .organisation_id = ORG_2};
    case SC2L:
        return (mg_auth_object){.type = MG_AUTH_OBJ_SCENARIO, .organisation_id = ORG_2,
                                .shared_by_link = true};
    case SC3: return (mg_auth_object){.type = MG_AUTH_OBJ_SCENARIO, .organisation_id = ORG_3};
    case SC0: return (mg_auth_object){.type = MG_AUTH_OBJ_SCENARIO, .organisation_id = 0};
    case SC5: return (mg_auth_object){.type = MG_AUTH_OBJ_SCENARIO, .organisation_id = ORG_5};
    case ORG2: return (mg_auth_object){.type = MG_AUTH_OBJ_ORGANISATION, .organisation_id = ORG_2};
    case ORG3: return (mg_auth_object){.type = MG_AUTH_OBJ_ORGANISATION, .organisation_id = ORG_3};
    case ORG1:
        return (mg_auth_object){.type = MG_AUTH_OBJ_ORGANISATION, .organisation_id = ORG_OP};
    case ACCSELF: return (mg_auth_object){.type = MG_AUTH_OBJ_ACCOUNT, .account_id = self};
    case ACCOTHER: return (mg_auth_object){.type = MG_AUTH_OBJ_ACCOUNT, .account_id = 999};
    case STR2: return (mg_auth_object){.type = MG_AUTH_OBJ_STRUCTURE, .organisation_id = ORG_2};
    case STR5: return (mg_auth_object){.type = MG_AUTH_OBJ_STRUCTURE, .organisation_id = ORG_5};
    case MEET2: return (mg_auth_object){.type = MG_AUTH_OBJ_MEETING, .organisation_id = ORG_2};
    case MEET3: return (mg_auth_object){.type = MG_AUTH_OBJ_MEETING, .organisation_id = ORG_3};
    case CON5: return (mg_auth_object){.type = MG_AUTH_OBJ_CONTRACT, .organisation_id = ORG_5};
    default: return (mg_auth_object){.type = MG_AUTH_OBJ_PLATFORM};
    }
}

static void test_authorisation_table(void **state)
{
    (void)state;
    static const char *const verbs[] = {"VIEW",    "CREATE", "EDIT",   "DELETE",
                                        "CONFIRM", "INVITE", "SUGGEST"};
    int wrong = 0;
    for (int i = 0; i < NACTORS; i++) {
        mg_auth_actor a;
        make_actor(&actors[i], &a);
        for (int o = 0; o < NOBJECTS; o++) {
            mg_auth_object obj = make_object(o, a.account_id > 0 ? a.account_id : 77);
            for (int v = 0; v < 7; v++) {
                char got = letter(mg_auth_can(actors[i].account < 0 ? NULL : &a,
                                              (mg_auth_verb)v, &obj));
                if (got != expected[i][o][v]) {
                    print_error("%s, %s %s: got %c, expected %c\n", actors[i].label, verbs[v],
                                object_labels[o], got, expected[i][o][v]);
                    wrong++;
                }
            }
        }
    }
    assert_int_equal(wrong, 0);
    /* Nonsense is refused. */
    mg_auth_actor a;
    make_actor(&actors[2], &a);
    assert_int_equal(mg_auth_can(&a, MG_AUTH_VIEW, NULL), MG_AUTH_DENY_FORBIDDEN);
    assert_int_equal(mg_auth_can(NULL, MG_AUTH_VIEW, NULL), MG_AUTH_DENY_LOGIN);
    mg_auth_object pub = {.type = MG_AUTH_OBJ_PUBLIC};
    assert_int_equal(mg_auth_can(&a, (mg_auth_verb)17, &pub), MG_AUTH_DENY_FORBIDDEN);
}

/* A contract seen by its signatories and participants (viewers) and whose
 * action at hand is edited by its pilot (editors), besides its lead. */
static void test_contract_viewers_editors(void **state)
{
    (void)state;
    const int64_t lead = 5, partner = 2, pilot = 3, other = 4;
    const int64_t viewers[] = {partner, pilot}, editors[] = {pilot};
    mg_auth_object action = {.type = MG_AUTH_OBJ_CONTRACT, .organisation_id = lead,
                             .viewers = viewers, .nviewers = 2, .editors = editors,
                             .neditors = 1};
    mg_auth_object contract = action;
    contract.editors = NULL, contract.neditors = 0;
    static const struct {
        int64_t org;
        mg_auth_role role;
        bool active;
        const char *on_action, *on_contract; /* VIEW CREATE EDIT DELETE */
    } cases[] = {
        {lead, MG_ROLE_MANAGER, true, "AAAA", "AAAA"},
        {lead, MG_ROLE_READER, true, "AFFF", "AFFF"},
        {partner, MG_ROLE_MANAGER, true, "AFFF", "AFFF"},
        {partner, MG_ROLE_READER, true, "AFFF", "AFFF"},
        {partner, MG_ROLE_INSTRUCTOR, true, "FFFF", "FFFF"},
        {partner, MG_ROLE_MANAGER, false, "FFFF", "FFFF"},
        {pilot, MG_ROLE_MANAGER, true, "AFAF", "AFFF"},
        {pilot, MG_ROLE_CONTRIBUTOR, true, "AFAF", "AFFF"},
        {pilot, MG_ROLE_READER, true, "AFFF", "AFFF"},
        {pilot, MG_ROLE_ADMINISTRATOR, true, "AFFF", "AFFF"},
        {pilot, MG_ROLE_MANAGER, false, "FFFF", "FFFF"},
        {other, MG_ROLE_MANAGER, true, "HHHH", "HHHH"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        mg_auth_actor a = {.account_id = 9, .nm = 1};
        a.m[0] = (mg_auth_membership){.organisation_id = cases[k].org, .role = cases[k].role,
                                      .org_active = cases[k].active};
        for (int v = 0; v < 4; v++) {
            char on_action = letter(mg_auth_can(&a, (mg_auth_verb)v, &action));
            char on_contract = letter(mg_auth_can(&a, (mg_auth_verb)v, &contract));
            if (on_action != cases[k].on_action[v] || on_contract != cases[k].on_contract[v])
                print_error("case %zu verb %d: got %c/%c, expected %c/%c\n", k, v, on_action,
                            on_contract, cases[k].on_action[v], cases[k].on_contract[v]);
            assert_int_equal(on_action, cases[k].on_action[v]);
            assert_int_equal(on_contract, cases[k].on_contract[v]);
        }
    }
    /* The anonymous are asked to log in, whatever the lists. */
    assert_int_equal(mg_auth_can(NULL, MG_AUTH_VIEW, &action), MG_AUTH_DENY_LOGIN);
}

/* A subsidy request of the single window (issue 16): applicant 1, lead 2,
 * routed to co-funder 3, naming 4 (not routed yet); 5 knows nothing.
 * Letters per verb: VIEW CREATE EDIT DELETE ROUTE INSTRUCT DECIDE, on the
 * part of co-funder 3 and, for INSTRUCT and DECIDE, with no part at hand
 * (the internal messages) and on the part of 4. */
static void test_subsidy_request_rights(void **state)
{
    (void)state;
    const int64_t applicant = 1, lead = 2, routed = 3, addressed = 4, other = 5;
    const int64_t viewers[] = {routed};
    mg_auth_object part = {.type = MG_AUTH_OBJ_SUBSIDY_REQUEST, .organisation_id = applicant,
                           .lead_id = lead, .viewers = viewers, .nviewers = 1,
                           .funder_id = routed};
    mg_auth_object internal = part, unrouted = part;
    internal.funder_id = 0;
    unrouted.funder_id = addressed;
    static const mg_auth_verb verbs[] = {MG_AUTH_VIEW,  MG_AUTH_CREATE,   MG_AUTH_EDIT,
                                         MG_AUTH_DELETE, MG_AUTH_ROUTE, MG_AUTH_INSTRUCT,
                                         MG_AUTH_DECIDE};
    static const struct {
        int64_t org;
        mg_auth_role role;
        bool active;
        const char *on_part;     /* the 7 verbs on co-funder 3's part */
        const char *internal;    /* INSTRUCT DECIDE with no part at hand */
        const char *on_unrouted; /* INSTRUCT DECIDE on co-funder 4's part */
    } cases[] = {
        {applicant, MG_ROLE_MANAGER, true, "AAAFFFF", "FF", "FF"},
        {applicant, MG_ROLE_APPLICANT, true, "AAAFFFF", "FF", "FF"},
        {applicant, MG_ROLE_CONTRIBUTOR, true, "AAAFFFF", "FF", "FF"},
        {applicant, MG_ROLE_READER, true, "AFFFFFF", "FF", "FF"},
        {applicant, MG_ROLE_INSTRUCTOR, true, "FFFFFFF", "FF", "FF"},
        {applicant, MG_ROLE_MANAGER, false, "FFFFFFF", "FF", "FF"},
        {lead, MG_ROLE_MANAGER, true, "AHFFAFF", "AF", "FF"},
        {lead, MG_ROLE_INSTRUCTOR, true, "AHFFAFF", "AF", "FF"},
        {lead, MG_ROLE_READER, true, "AHFFFFF", "FF", "FF"},
        {lead, MG_ROLE_APPLICANT, true, "FHFFFFF", "FF", "FF"},
        {lead, MG_ROLE_INSTRUCTOR, false, "FHFFFFF", "FF", "FF"},
        {routed, MG_ROLE_INSTRUCTOR, true, "AHFFFAA", "AF", "FF"},
        {routed, MG_ROLE_MANAGER, true, "AHFFFAF", "AF", "FF"},
        {routed, MG_ROLE_READER, true, "AHFFFFF", "FF", "FF"},
        {routed, MG_ROLE_CONTRIBUTOR, true, "FHFFFFF", "FF", "FF"},
        {routed, MG_ROLE_INSTRUCTOR, false, "FHFFFFF", "FF", "FF"},
        {addressed, MG_ROLE_INSTRUCTOR, true, "HHHHHHH", "HH", "HH"},
        {other, MG_ROLE_MANAGER, true, "HHHHHHH", "HH", "HH"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        mg_auth_actor a = {.account_id = 9, .nm = 1};
        a.m[0] = (mg_auth_membership){.organisation_id = cases[k].org, .role = cases[k].role,
                                      .org_active = cases[k].active};
        for (size_t v = 0; v < sizeof verbs / sizeof verbs[0]; v++) {
            char got = letter(mg_auth_can(&a, verbs[v], &part));
            if (got != cases[k].on_part[v])
                print_error("case %zu verb %zu: got %c, expected %c\n", k, v, got,
                            cases[k].on_part[v]);
            assert_int_equal(got, cases[k].on_part[v]);
        }
        for (size_t v = 0; v < 2; v++) {
            mg_auth_verb verb = v ? MG_AUTH_DECIDE : MG_AUTH_INSTRUCT;
            char got_i = letter(mg_auth_can(&a, verb, &internal));
            char got_u = letter(mg_auth_can(&a, verb, &unrouted));
            if (got_i != cases[k].internal[v] || got_u != cases[k].on_unrouted[v])
                print_error("case %zu %s: got %c/%c, expected %c/%c\n", k,
                            v ? "DECIDE" : "INSTRUCT", got_i, got_u, cases[k].internal[v],
                            cases[k].on_unrouted[v]);
            assert_int_equal(got_i, cases[k].internal[v]);
            assert_int_equal(got_u, cases[k].on_unrouted[v]);
        }
    }
    assert_int_equal(mg_auth_can(NULL, MG_AUTH_VIEW, &part), MG_AUTH_DENY_LOGIN);
    /* A draft: its applicant's alone (the lead and even a co-funder it
     * names, were it listed, hear nothing of it). */
    mg_auth_object draft = part;
    draft.draft = true;
    static const struct {
        int64_t org;
        mg_auth_role role;
        const char *verbs; /* VIEW CREATE EDIT */
    } dr[] = {
        {applicant, MG_ROLE_APPLICANT, "AAA"}, {applicant, MG_ROLE_READER, "AFF"},
        {applicant, MG_ROLE_HOST, "FFF"},      {lead, MG_ROLE_INSTRUCTOR, "HHH"},
        {routed, MG_ROLE_INSTRUCTOR, "HHH"},   {other, MG_ROLE_MANAGER, "HHH"},
    };
    for (size_t k = 0; k < sizeof dr / sizeof dr[0]; k++) {
        mg_auth_actor x = {.account_id = 9, .nm = 1};
        x.m[0] = (mg_auth_membership){.organisation_id = dr[k].org, .role = dr[k].role,
                                      .org_active = true};
        for (int v = 0; v < 3; v++)
            assert_int_equal(letter(mg_auth_can(&x, (mg_auth_verb)v, &draft)), dr[k].verbs[v]);
        assert_int_equal(letter(mg_auth_can(&x, MG_AUTH_ROUTE, &draft)),
                         dr[k].org == applicant ? 'F' : 'H');
        assert_int_equal(letter(mg_auth_can(&x, MG_AUTH_DECIDE, &draft)),
                         dr[k].org == applicant ? 'F' : 'H');
    }
    /* The window's verbs never apply to another kind of object. */
    mg_auth_actor a = {.account_id = 9, .nm = 1};
    a.m[0] = (mg_auth_membership){.organisation_id = lead, .role = MG_ROLE_MANAGER,
                                  .org_active = true};
    mg_auth_object contract = {.type = MG_AUTH_OBJ_CONTRACT, .organisation_id = lead};
    assert_int_equal(mg_auth_can(&a, MG_AUTH_ROUTE, &contract), MG_AUTH_DENY_FORBIDDEN);
    assert_int_equal(mg_auth_can(&a, MG_AUTH_VIEW, &contract), MG_AUTH_ALLOW);

    /* A window: seen by anyone signed in; changed by the managers and
     * instructors of its lead and its co-funders. */
    mg_auth_object window = {.type = MG_AUTH_OBJ_SUBSIDY_WINDOW, .organisation_id = lead,
                             .viewers = viewers, .nviewers = 1};
    static const struct {
        int64_t org;
        mg_auth_role role;
        const char *verbs; /* VIEW CREATE EDIT DELETE */
    } w[] = {
        {lead, MG_ROLE_MANAGER, "AAAF"},   {lead, MG_ROLE_READER, "AFFF"},
        {routed, MG_ROLE_INSTRUCTOR, "AAAF"}, {other, MG_ROLE_MANAGER, "AFFF"},
    };
    for (size_t k = 0; k < sizeof w / sizeof w[0]; k++) {
        a.m[0] = (mg_auth_membership){.organisation_id = w[k].org, .role = w[k].role,
                                      .org_active = true};
        for (int v = 0; v < 4; v++)
            assert_int_equal(letter(mg_auth_can(&a, (mg_auth_verb)v, &window)), w[k].verbs[v]);
    }
    assert_int_equal(mg_auth_can(NULL, MG_AUTH_VIEW, &window), MG_AUTH_DENY_LOGIN);

    /* A co-funder's lists: its members who instruct or read; no one else. */
    mg_auth_object funder = {.type = MG_AUTH_OBJ_SUBSIDY_FUNDER, .organisation_id = routed};
    static const struct {
        int64_t org;
        mg_auth_role role;
        char view;
    } f[] = {
        {routed, MG_ROLE_INSTRUCTOR, 'A'}, {routed, MG_ROLE_READER, 'A'},
        {routed, MG_ROLE_APPLICANT, 'F'},  {routed, MG_ROLE_HOST, 'F'},
        {lead, MG_ROLE_MANAGER, 'H'},      {applicant, MG_ROLE_MANAGER, 'H'},
    };
    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
        a.m[0] = (mg_auth_membership){.organisation_id = f[k].org, .role = f[k].role,
                                      .org_active = true};
        assert_int_equal(letter(mg_auth_can(&a, MG_AUTH_VIEW, &funder)), f[k].view);
        assert_int_not_equal(mg_auth_can(&a, MG_AUTH_EDIT, &funder), MG_AUTH_ALLOW);
    }
}

/* The telehealth equipment's three objects (issue 17), cell by cell, for
 * every role in the site, in its network's owner, in the teleconsultant's
 * organisation and in a stranger, active or pending: a host sees only its
 * own site's bookings, the owner registers but never reads them, a
 * teleconsultant's page is its organisation's alone (its network's owner is refused it,
 * 403, as it knows it). Letters: A allow, F
 * forbidden (403), H hidden (404), verbs VIEW CREATE EDIT DELETE. */
static void test_booking_rights(void **state)
{
    (void)state;
    const int64_t site = 1, owner = 2, doctors = 3, other = 4;
    const int64_t owners[] = {owner};
    const mg_auth_object site_o = {.type = MG_AUTH_OBJ_BOOKING_SITE, .organisation_id = site,
                                   .viewers = owners, .nviewers = 1};
    const mg_auth_object tc_o = {.type = MG_AUTH_OBJ_TELECONSULTANT, .organisation_id = doctors,
                                 .viewers = owners, .nviewers = 1};
    const mg_auth_object net_o = {.type = MG_AUTH_OBJ_BOOKING_NETWORK, .organisation_id = owner};
    static const mg_auth_verb verbs[] = {MG_AUTH_VIEW, MG_AUTH_CREATE, MG_AUTH_EDIT,
                                         MG_AUTH_DELETE};
    static const struct {
        int64_t org;
        mg_auth_role role;
        bool active;
        const char *on_site, *on_tc, *on_net;
    } cases[] = {
        {site, MG_ROLE_HOST, true, "AFAF", "HHHH", "HHHH"},
        {site, MG_ROLE_MANAGER, true, "AFAF", "HHHH", "HHHH"},
        {site, MG_ROLE_ADMINISTRATOR, true, "AFFF", "HHHH", "HHHH"},
        {site, MG_ROLE_READER, true, "FFFF", "HHHH", "HHHH"},
        {site, MG_ROLE_CONTRIBUTOR, true, "FFFF", "HHHH", "HHHH"},
        {site, MG_ROLE_TELECONSULTANT, true, "FFFF", "HHHH", "HHHH"},
        {site, MG_ROLE_HOST, false, "FFFF", "HHHH", "HHHH"},
        {owner, MG_ROLE_MANAGER, true, "FAFF", "FFFF", "AAAF"},
        {owner, MG_ROLE_READER, true, "FFFF", "FFFF", "AFFF"},
        {owner, MG_ROLE_CONTRIBUTOR, true, "FFFF", "FFFF", "AFFF"},
        {owner, MG_ROLE_ADMINISTRATOR, true, "FFFF", "FFFF", "AFFF"},
        {owner, MG_ROLE_HOST, true, "FFFF", "FFFF", "FFFF"},
        {owner, MG_ROLE_MANAGER, false, "FFFF", "FFFF", "FFFF"},
        {doctors, MG_ROLE_TELECONSULTANT, true, "HHHH", "AFAF", "HHHH"},
        {doctors, MG_ROLE_MANAGER, true, "HHHH", "AFAF", "HHHH"},
        {doctors, MG_ROLE_ADMINISTRATOR, true, "HHHH", "AFFF", "HHHH"},
        {doctors, MG_ROLE_READER, true, "HHHH", "FFFF", "HHHH"},
        {doctors, MG_ROLE_TELECONSULTANT, false, "HHHH", "FFFF", "HHHH"},
        {other, MG_ROLE_HOST, true, "HHHH", "HHHH", "HHHH"},
        {other, MG_ROLE_MANAGER, true, "HHHH", "HHHH", "HHHH"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        mg_auth_actor a = {.account_id = 9, .nm = 1};
        a.m[0] = (mg_auth_membership){.organisation_id = cases[k].org, .role = cases[k].role,
                                      .org_active = cases[k].active};
        const mg_auth_object *objs[] = {&site_o, &tc_o, &net_o};
        const char *want[] = {cases[k].on_site, cases[k].on_tc, cases[k].on_net};
        for (size_t o = 0; o < 3; o++)
            for (size_t v = 0; v < sizeof verbs / sizeof verbs[0]; v++) {
                char got = letter(mg_auth_can(&a, verbs[v], objs[o]));
                if (got != want[o][v])
                    print_error("case %zu object %zu verb %zu: got %c, expected %c\n", k, o, v,
                                got, want[o][v]);
                assert_int_equal(got, want[o][v]);
            }
        /* The single window's verbs mean nothing here. */
        assert_int_equal(letter(mg_auth_can(&a, MG_AUTH_ROUTE, &site_o)), 'F');
    }
    /* The anonymous visitor: log in first, on all three. */
    assert_int_equal(mg_auth_can(NULL, MG_AUTH_VIEW, &site_o), MG_AUTH_DENY_LOGIN);
    assert_int_equal(mg_auth_can(NULL, MG_AUTH_VIEW, &tc_o), MG_AUTH_DENY_LOGIN);
    assert_int_equal(mg_auth_can(NULL, MG_AUTH_VIEW, &net_o), MG_AUTH_DENY_LOGIN);
    /* A host of the site who is also manager of the owner: both. */
    mg_auth_actor both = {.account_id = 9, .nm = 2};
    both.m[0] = (mg_auth_membership){.organisation_id = site, .role = MG_ROLE_HOST,
                                     .org_active = true};
    both.m[1] = (mg_auth_membership){.organisation_id = owner, .role = MG_ROLE_MANAGER,
                                     .org_active = true};
    assert_int_equal(mg_auth_can(&both, MG_AUTH_VIEW, &site_o), MG_AUTH_ALLOW);
    assert_int_equal(mg_auth_can(&both, MG_AUTH_CREATE, &site_o), MG_AUTH_ALLOW);
}

static void test_orgs_where(void **state)
{
    (void)state;
    mg_auth_actor a = {.account_id = 5, .nm = 3};
    a.m[0] = (mg_auth_membership){.organisation_id = 2, .role = MG_ROLE_MANAGER, .org_active = true};
    a.m[1] = (mg_auth_membership){.organisation_id = 4, .role = MG_ROLE_READER, .org_active = true};
    a.m[2] = (mg_auth_membership){.organisation_id = 3, .role = MG_ROLE_CONTRIBUTOR};
    int64_t out[8];
    assert_int_equal(mg_auth_orgs_where(&a, MG_AUTH_CREATE, MG_AUTH_OBJ_SCENARIO, out, 8), 1);
    assert_int_equal(out[0], 2);
    assert_int_equal(mg_auth_orgs_where(&a, MG_AUTH_VIEW, MG_AUTH_OBJ_SCENARIO, out, 8), 2);
    assert_int_equal(out[0], 2);
    assert_int_equal(out[1], 4);
    assert_int_equal(mg_auth_orgs_where(&a, MG_AUTH_VIEW, MG_AUTH_OBJ_ORGANISATION, out, 8), 3);
    assert_int_equal(mg_auth_orgs_where(&a, MG_AUTH_VIEW, MG_AUTH_OBJ_ORGANISATION, out, 2), 2);
    assert_int_equal(mg_auth_orgs_where(NULL, MG_AUTH_VIEW, MG_AUTH_OBJ_SCENARIO, out, 8), 0);
}

#define TESTS(X)                      \
    X(test_organisations)             \
    X(test_accounts)                  \
    X(test_login_and_slow_down)       \
    X(test_hashing_cap)               \
    X(test_sessions)                  \
    X(test_totp)                      \
    X(test_reset)                     \
    X(test_password_change)           \
    X(test_invitations)               \
    X(test_registration)              \
    X(test_registration_slow_down)    \
    X(test_api_tokens)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds_and_roles),
        cmocka_unit_test(test_tokens_and_csrf),
        cmocka_unit_test(test_cookie_and_bearer),
        cmocka_unit_test(test_authorisation_table),
        cmocka_unit_test(test_orgs_where),
        cmocka_unit_test(test_contract_viewers_editors),
        cmocka_unit_test(test_subsidy_request_rights),
        cmocka_unit_test(test_booking_rights),
        TESTS(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {TESTS(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
