/*
 * Private to src/auth/: what its files share. Secrets and hashing
 * (secret.c), statements with bound parameters (sql.c), checks of what
 * people type (fields.c), the slow-down (throttle.c), one-time links
 * (links.c), the French messages (mail_fr.c) and the actor read on an open
 * connection (account.c). Nothing here is seen outside the module.
 */
#ifndef MG_AUTH_INTERNAL_H
#define MG_AUTH_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "core/error.h"
#include "db/db.h"

/* The paths the messages link to: the page that sets a password from a
 * link, and the log-in page. */
#define AUTH_PATH_NEW_PASSWORD "/mot-de-passe/nouveau"
#define AUTH_PATH_LOGIN "/connexion"

enum {
    AUTH_HASH_HEX = 64,         /* BLAKE2b-256 of a secret, lowercase hex */
    AUTH_PWHASH_MAX = 128,      /* crypto_pwhash_STRBYTES */
    AUTH_ADDRESS_MAX_BYTES = 128,
    AUTH_PUBLIC_URL_MAX_BYTES = 512,
    AUTH_FAILURE_MEMORY_S = 86400, /* failures older than this are forgotten */
    AUTH_KEY_MAX_BYTES = 512,
};

/* --- secret.c -------------------------------------------------------------- */

/* libsodium and liboath initialised once per process (thread-safe);
 * MG_EIO when either cannot start. */
int auth_init(mg_diag *d);

/* Whether s[0..n) is a token as mg_auth_token_new writes them: exactly
 * MG_AUTH_TOKEN_CHARS base64url characters. */
bool auth_token_wellformed(const char *s);

/* The stored form of a secret: lowercase hex of its BLAKE2b-256 hash. */
void auth_secret_hash(const char *secret, char hex[static AUTH_HASH_HEX + 1]);

/* The CSRF token of a session (derived from its token, not stored). */
void auth_csrf_of_session(const char *session_token, char out[static MG_AUTH_TOKEN_CHARS + 1]);

/* Hashes a password (Argon2id) into out, taking one of the process's
 * MG_AUTH_HASHING_MAX hashing places (MG_EBUSY when all are taken). */
int auth_password_hash(const char *password, char out[static AUTH_PWHASH_MAX], mg_diag *d);

/* Checks password against stored (NULL or "": against a dummy hash, so the
 * time is the same, and *ok is false). MG_EBUSY as auth_password_hash. */
int auth_password_verify(const char *stored, const char *password, bool *ok, mg_diag *d);

/* --- sql.c ----------------------------------------------------------------- */

/* Statements run with db.h's bound parameters (mg_db_run, mg_db_query_int,
 * MG_DB_PARAMS…). */

/* Appends one audit entry (audit/audit.h) inside the open transaction. */
int auth_audit(mg_db_conn *c, int64_t by, int64_t org_id, const char *object_type,
               int64_t object_id, const char *verb, const mg_audit_change *changes, size_t n,
               mg_diag *d);

/* Formats a Unix time as "2024-05-01T12:34:56Z" (MG_DB_TIMESTAMP_SIZE). */
void auth_time_text(int64_t t, char out[static MG_DB_TIMESTAMP_SIZE]);

/* --- fields.c -------------------------------------------------------------- */

/* Refuses a field: fills fe (may be NULL) and d with the same French
 * sentence and returns code. */
int auth_field_fail(mg_auth_field_error *fe, mg_diag *d, int code, const char *field,
                    const char *fmt, ...) MG_PRINTF(5, 6);

/* Checks a name a person types (organisation, person, token): spaces
 * around removed, UTF-8, 1 to MG_AUTH_NAME_MAX_CHARS characters, no
 * control character. `what` starts the French sentence ("Le nom de
 * l'organisation"); the name goes to out (cap ≥ MG_AUTH_NAME_MAX_CHARS*4+1). */
int auth_name_check(const char *in, const char *field, const char *what, char *out,
                    size_t cap, mg_auth_field_error *fe, mg_diag *d);

/* The site's address for links: http:// or https://, no space or control
 * character, at most AUTH_PUBLIC_URL_MAX_BYTES, its trailing '/' removed. */
int auth_public_url(const char *in, char out[static AUTH_PUBLIC_URL_MAX_BYTES + 1], mg_diag *d);

/* A client's address as given by the HTTP layer (NULL: ""), at most
 * AUTH_ADDRESS_MAX_BYTES of printable ASCII. */
int auth_address_check(const char *address, mg_diag *d);

/* --- throttle.c ------------------------------------------------------------ */

/* The longest wait, at now, among keys[0..n) (NULL entries skipped): 0
 * when an attempt may be made. */
int auth_throttle_wait(mg_db *db, const char *const *keys, size_t n, int64_t now,
                       int64_t *wait, mg_diag *d);

/* Counts one failure for each key, in a write transaction of its own, and
 * forgets failures older than AUTH_FAILURE_MEMORY_S. */
int auth_throttle_fail(mg_db *db, const char *const *keys, size_t n, int64_t now, mg_diag *d);

/* Clears a key inside the caller's write transaction. */
int auth_throttle_clear(mg_db_conn *c, const char *key, mg_diag *d);

/* --- account.c ------------------------------------------------------------- */

/* Loads account_id as an actor on an open connection (MG_ENOTFOUND). */
int auth_actor_read(mg_db_conn *c, int64_t account_id, mg_auth_actor *out, mg_diag *d);

/* Adds or changes a membership inside the caller's write transaction and
 * records it in the audit trail (MG_ELIMIT past MG_AUTH_MEMBERSHIPS_MAX,
 * MG_ENOTFOUND for an unknown account or organisation). */
int auth_membership_put(mg_db_conn *c, int64_t by, int64_t account_id, int64_t org_id,
                        mg_auth_role role, mg_diag *d);

/* Inserts an account (e-mail already normalised, name checked, password
 * already hashed or NULL) and records it; *id_out its id. A clash of
 * e-mail is MG_EINVAL naming the field "email". */
int auth_account_insert(mg_db_conn *c, int64_t by, const char *email, const char *display_name,
                        const char *password_hash, int64_t *id_out, mg_auth_field_error *fe,
                        mg_diag *d);

/* --- org.c ----------------------------------------------------------------- */

/* A checked organisation ready to insert. */
typedef struct auth_org_fields {
    char name[MG_AUTH_NAME_MAX_CHARS * 4 + 1];
    mg_auth_org_kind kind;
    char siret[MG_PARSE_SIRET_SIZE];
    char rna[MG_PARSE_RNA_SIZE];
    char finess[MG_PARSE_FINESS_SIZE];
} auth_org_fields;

/* Checks what a person typed for an organisation. */
int auth_org_fields_check(const mg_auth_org_input *in, auth_org_fields *out,
                          mg_auth_field_error *fe, mg_diag *d);

/* Inserts a checked organisation inside the caller's write transaction and
 * records it (an identifier already used: MG_EINVAL naming its field). */
int auth_org_insert(mg_db_conn *c, int64_t by, const auth_org_fields *f, bool active,
                    bool operator_, int64_t *id_out, mg_auth_field_error *fe, mg_diag *d);

/* --- session.c ------------------------------------------------------------- */

/* Ends the sessions of an account but the one whose hash is keep_hash
 * (NULL: all), inside the caller's write transaction. */
int auth_sessions_delete(mg_db_conn *c, int64_t account_id, const char *keep_hash, mg_diag *d);

/* --- links.c --------------------------------------------------------------- */

/* Makes a one-time link of `kind` ("reset", "invitation") for an account,
 * valid ttl seconds from now, inside the caller's write transaction; the
 * token to put in the link goes to token_out. */
int auth_link_create(mg_db_conn *c, const char *kind, int64_t account_id, int64_t now,
                     int64_t ttl, char token_out[static MG_AUTH_TOKEN_CHARS + 1], mg_diag *d);

/* Voids every unused link of an account (after its password was set). */
int auth_links_void(mg_db_conn *c, int64_t account_id, int64_t now, mg_diag *d);

/* --- mail_fr.c ------------------------------------------------------------- */

/* Each queues one French message on c, inside the caller's transaction.
 * public_url is already checked (auth_public_url); tokens are link tokens. */
int auth_mail_reset(mg_db_conn *c, const char *to, const char *display_name,
                    const char *public_url, const char *token, mg_diag *d);
int auth_mail_invitation(mg_db_conn *c, const char *to, const char *display_name,
                         const char *org_name, mg_auth_role role, const char *public_url,
                         const char *token, mg_diag *d);
int auth_mail_added(mg_db_conn *c, const char *to, const char *display_name,
                    const char *org_name, mg_auth_role role, const char *public_url,
                    mg_diag *d);
int auth_mail_registered(mg_db_conn *c, const char *to, const char *display_name,
                         const char *org_name, const char *public_url, mg_diag *d);
int auth_mail_confirmed(mg_db_conn *c, const char *to, const char *display_name,
                        const char *org_name, const char *public_url, mg_diag *d);

#endif
