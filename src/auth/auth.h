/**
 * @file auth.h
 * Organisations, accounts, roles, sessions, personal API tokens, one-time
 * links (password reset, invitation), second factor (TOTP), the slow-down
 * of failed log-ins, and the one authorisation function of the platform,
 * mg_auth_can. The SQL of all of these lives in src/auth/ and nowhere
 * else (tables of migration 004_auth); pages call these functions.
 *
 * Secrets: a session, API token or one-time link is 32 random bytes
 * (libsodium), given to the person once as text (base64url, 43
 * characters; API tokens prefixed "mgt_") and stored only as its
 * BLAKE2b-256 hash, so a copy of the database opens no session. Passwords
 * are stored as Argon2id strings (crypto_pwhash_str: t = 2 passes,
 * m = 64 MiB, 1 lane; libsodium's "interactive" limits), at most
 * MG_AUTH_HASHING_MAX at once per process (past it: MG_EBUSY, a 503).
 *
 * Times are Unix seconds given by the caller (`now`), so tests can move
 * the clock. Messages for people are French and name the field; database
 * errors are for operators (as storage/storage.h).
 *
 * Errors follow core/error.h. Every function may be called from any
 * thread; each state change is one transaction on a pooled connection and
 * is appended to the audit trail in that transaction (e-mail addresses,
 * names of persons and secrets as personal fields: changed, no values).
 */
#ifndef MG_AUTH_AUTH_H
#define MG_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"
#include "parse/parse.h"

/* Error codes of this module, beside those of core/error.h. */
enum {
    MG_EAUTH = -100,     /* wrong e-mail, password, code or token: say no more than that */
    /* -101 is MG_ETHROTTLE of core/error.h: too many failures lately, try again
     * after *retry_after seconds. */
    MG_EPENDING = -102,  /* the organisation awaits confirmation: it cannot act yet */
};

enum {
    MG_AUTH_TOKEN_CHARS = 43,            /* base64url of 32 bytes, no padding */
    MG_AUTH_API_TOKEN_CHARS = 4 + 43,    /* "mgt_" + base64url */
    MG_AUTH_EMAIL_MAX_BYTES = 254,
    MG_AUTH_NAME_MAX_CHARS = 200,        /* an organisation's or a person's name */
    MG_AUTH_PASSWORD_MIN_CHARS = 12,
    MG_AUTH_PASSWORD_MAX_BYTES = 1024,
    MG_AUTH_MEMBERSHIPS_MAX = 32,        /* organisations one account belongs to */
    MG_AUTH_API_TOKENS_MAX = 20,         /* API tokens in service (not revoked) per account */
    MG_AUTH_HASHING_MAX = 2,             /* Argon2id computations at once */
    MG_AUTH_SESSION_IDLE_S = 2 * 3600,   /* a session unused this long ends */
    MG_AUTH_SESSION_MAX_S = 12 * 3600,   /* and none outlives this */
    MG_AUTH_SESSION_TOUCH_S = 60,        /* last use written at most once a minute */
    MG_AUTH_RESET_TTL_S = 3600,          /* a password-reset link */
    MG_AUTH_INVITATION_TTL_S = 7 * 86400,
    MG_AUTH_TOTP_STEP_S = 30,
    MG_AUTH_TOTP_DIGITS = 6,
    MG_AUTH_TOTP_WINDOW = 1,             /* steps accepted either side of now */
    MG_AUTH_TOTP_SECRET_BYTES = 20,
    MG_AUTH_TOTP_SECRET_CHARS = 32,      /* base32 of 20 bytes */
    MG_AUTH_FREE_FAILURES = 3,           /* failures before any wait */
    MG_AUTH_WAIT_MAX_S = 15 * 60,        /* the longest wait: 1, 2, 4 … s, at most this */
};

/* --- Organisations ---------------------------------------------------- */

typedef enum mg_auth_org_kind {
    MG_ORG_DEPARTEMENT = 0,
    MG_ORG_EPCI,
    MG_ORG_COMMUNE,
    MG_ORG_ARS,
    MG_ORG_CPAM,
    MG_ORG_REGION,
    MG_ORG_PREFECTURE,
    MG_ORG_ASSOCIATION,
    MG_ORG_HEALTH_CENTRE,
    MG_ORG_PHARMACY,
    MG_ORG_HOSPITAL,
    MG_ORG_URPS,
    MG_ORG_OTHER,
    MG_ORG_KINDS
} mg_auth_org_kind;

/** The stored key of a kind ("departement", "epci", "commune", "ars",
 * "cpam", "region", "prefecture", "association", "health_centre",
 * "pharmacy", "hospital", "urps", "other") and its French label
 * ("Département", "Centre de santé"…). */
const char *mg_auth_org_kind_key(mg_auth_org_kind k);
const char *mg_auth_org_kind_label(mg_auth_org_kind k);
/** MG_ENOTFOUND when `key` names no kind. */
int mg_auth_org_kind_parse(const char *key, mg_auth_org_kind *out) MG_WARN_UNUSED;

typedef struct mg_auth_org {
    int64_t id;
    char name[MG_AUTH_NAME_MAX_CHARS * 4 + 1];
    mg_auth_org_kind kind;
    char siret[MG_PARSE_SIRET_SIZE];   /* "" when none */
    char rna[MG_PARSE_RNA_SIZE];       /* "" when none */
    char finess[MG_PARSE_FINESS_SIZE]; /* "" when none */
    bool active;   /* confirmed: its members may act */
    bool operator_; /* the deploying organisation: its administrators run the platform */
    char created_at[MG_DB_TIMESTAMP_SIZE];
} mg_auth_org;

/** What a person types to create an organisation: identifiers as typed
 * (spaces allowed, checked by parse/parse.h), "" or NULL when none. */
typedef struct mg_auth_org_input {
    const char *name;
    const char *kind; /* a key of mg_auth_org_kind_key */
    const char *siret;
    const char *rna;
    const char *finess;
} mg_auth_org_input;

/** A refused field: its name (the form field: "name", "kind", "siret",
 * "rna", "finess", "email", "password", "current_password",
 * "display_name", "role", "code") and the French sentence that says what
 * was expected. */
typedef struct mg_auth_field_error {
    const char *field;
    char msg[256];
} mg_auth_field_error;

/* --- Roles and the actor ---------------------------------------------- */

typedef enum mg_auth_role {
    MG_ROLE_ADMINISTRATOR = 0,
    MG_ROLE_MANAGER,
    MG_ROLE_INSTRUCTOR,
    MG_ROLE_CONTRIBUTOR,
    MG_ROLE_READER,
    MG_ROLE_HOST,
    MG_ROLE_TELECONSULTANT,
    MG_ROLE_APPLICANT,
    MG_ROLES
} mg_auth_role;

/** "administrator", "manager", … and "Administrateur", "Gestionnaire",
 * "Instructeur", "Contributeur", "Lecteur", "Hôte", "Téléconsultant",
 * "Demandeur". */
const char *mg_auth_role_key(mg_auth_role r);
const char *mg_auth_role_label(mg_auth_role r);
int mg_auth_role_parse(const char *key, mg_auth_role *out) MG_WARN_UNUSED;
/** Roles whose holders must use a second factor (TOTP): administrator, instructor. */
bool mg_auth_role_needs_totp(mg_auth_role r);

typedef struct mg_auth_membership {
    int64_t organisation_id;
    mg_auth_role role;
    bool org_active;
    bool org_operator;
    char org_name[MG_AUTH_NAME_MAX_CHARS * 4 + 1];
} mg_auth_membership;

/** Who is acting: loaded from a session or a token for each request.
 * account_id 0 is the anonymous visitor (no memberships). */
typedef struct mg_auth_actor {
    int64_t account_id;
    char email[MG_AUTH_EMAIL_MAX_BYTES + 1];
    char display_name[MG_AUTH_NAME_MAX_CHARS * 4 + 1];
    bool totp_enabled;
    mg_auth_membership m[MG_AUTH_MEMBERSHIPS_MAX];
    size_t nm;
} mg_auth_actor;

/** True when the actor holds a role that needs a second factor. */
bool mg_auth_actor_needs_totp(const mg_auth_actor *a);

/* --- The authorisation function ------------------------------------------ */

typedef enum mg_auth_verb {
    MG_AUTH_VIEW = 0,
    MG_AUTH_CREATE,
    MG_AUTH_EDIT,
    MG_AUTH_DELETE,
    MG_AUTH_CONFIRM, /* an organisation awaiting confirmation */
    MG_AUTH_INVITE,  /* add a member to an organisation */
    MG_AUTH_SUGGEST, /* propose a change to a directory structure one does not own */
    /* The single window (issue 16), on MG_AUTH_OBJ_SUBSIDY_REQUEST only: */
    MG_AUTH_ROUTE,    /* the lead routes a request, adds a co-funder, records a committee */
    MG_AUTH_INSTRUCT, /* a co-funder's part (o->funder_id): opinion, question, payment; with
                         funder_id 0: the instructors' internal messages */
    MG_AUTH_DECIDE,   /* a co-funder's own decision on its part (o->funder_id) */
} mg_auth_verb;

typedef enum mg_auth_object_type {
    MG_AUTH_OBJ_PUBLIC = 0,     /* maps, method, downloads of the diagnosis: anyone may view */
    MG_AUTH_OBJ_SCENARIO,       /* belongs to organisation_id */
    MG_AUTH_OBJ_ORGANISATION,   /* organisation_id is the organisation itself */
    MG_AUTH_OBJ_ACCOUNT,        /* account_id is the account */
    MG_AUTH_OBJ_PLATFORM,       /* the mail log, organisations to confirm, all accounts */
    MG_AUTH_OBJ_STRUCTURE,      /* a directory structure: organisation_id is the structure */
    MG_AUTH_OBJ_MEETING,        /* a meeting of the network: organisation_id organises it */
    MG_AUTH_OBJ_CONTRACT,       /* a contract and its actions: organisation_id leads it */
    MG_AUTH_OBJ_SUBSIDY_REQUEST, /* organisation_id: the applicant; lead_id: the window's
                                    lead; viewers: the co-funders it was routed to;
                                    funder_id: the part at hand (INSTRUCT, DECIDE) */
    MG_AUTH_OBJ_SUBSIDY_WINDOW, /* a single window and its calls: organisation_id is its
                                   lead, viewers its co-funders */
    MG_AUTH_OBJ_SUBSIDY_FUNDER, /* a co-funder's lists, figures and exports: organisation_id
                                   is the co-funder */
    /* Telehealth equipment (issue 17): */
    MG_AUTH_OBJ_BOOKING_SITE,   /* a site's bookings, walk-ins, maintenance, assistants:
                                   organisation_id is the site (a structure), viewers its
                                   network's owner (CREATE: registering it there) */
    MG_AUTH_OBJ_TELECONSULTANT, /* a teleconsultant's availability and appointments:
                                   organisation_id is the teleconsultant's organisation */
    MG_AUTH_OBJ_BOOKING_NETWORK, /* an equipment network: its sites, devices and
                                    teleconsultants, usage and exports: organisation_id is
                                    its owner (a Département) */
    /* Mobile services' rounds (issue 18): */
    MG_AUTH_OBJ_ROUND_SERVICE,  /* a mobile service, its vehicles, stops, planned and
                                   current rounds, cancellations: organisation_id runs it
                                   (its published timetable is public: MG_AUTH_OBJ_PUBLIC) */
} mg_auth_object_type;

typedef struct mg_auth_object {
    mg_auth_object_type type;
    int64_t organisation_id; /* owner; 0 when it has none */
    int64_t account_id;      /* for MG_AUTH_OBJ_ACCOUNT */
    bool shared_by_link;     /* a scenario opened with its share link: view only */
    /* MG_AUTH_OBJ_CONTRACT: the organisations that see it besides its owner
     * (signatories, participants: mg_contract_viewers), and those that edit
     * the action at hand (its pilot). Borrowed; NULL and 0 when none. */
    const int64_t *viewers;
    size_t nviewers;
    const int64_t *editors;
    size_t neditors;
    int64_t lead_id;         /* MG_AUTH_OBJ_SUBSIDY_REQUEST: the window's lead */
    int64_t funder_id;       /* MG_AUTH_OBJ_SUBSIDY_REQUEST: the co-funder's part at hand */
    bool draft;              /* MG_AUTH_OBJ_SUBSIDY_REQUEST: not filed yet, the applicant's alone */
} mg_auth_object;

typedef enum mg_auth_decision {
    MG_AUTH_ALLOW = 0,
    MG_AUTH_DENY_LOGIN,     /* anonymous: log in first (a page redirects, the API answers 401) */
    MG_AUTH_DENY_FORBIDDEN, /* known and signed in, but this is not theirs to do: 403 */
    MG_AUTH_DENY_HIDDEN,    /* the object belongs to an organisation the actor is not in:
                               404, as if it did not exist (ids can be guessed) */
} mg_auth_decision;

/**
 * The one decision of every access: may `a` (NULL: anonymous) do `verb`
 * to `o`? Rights follow the role the actor holds in the object's
 * organisation, and only while that organisation is confirmed; the table
 * is in docs/security.md ("Roles and rights") and test_auth checks it
 * cell by cell. Pure: reads nothing but its arguments.
 */
mg_auth_decision mg_auth_can(const mg_auth_actor *a, mg_auth_verb verb, const mg_auth_object *o);

/** The organisations in which `a` may `verb` an object of type `t` (for
 * instance where it may create a scenario), in out[] (at most cap), their
 * number returned. */
size_t mg_auth_orgs_where(const mg_auth_actor *a, mg_auth_verb verb, mg_auth_object_type t,
                          int64_t *out, size_t cap);

/* --- Organisations and accounts (state changes) --------------------------- */

/**
 * Creates an organisation. `by` is the acting account (0: the command
 * line). `active`: confirmed at once (created by an administrator) or
 * awaiting confirmation (self-registration); `operator_`: the deploying
 * organisation. Identifiers are checked by parse/parse.h and unique among
 * organisations. Refused input: MG_EINVAL with *fe (may be NULL) naming
 * the field; the French sentence is also in d.
 */
int mg_auth_org_add(mg_db *db, int64_t by, const mg_auth_org_input *in, bool active,
                    bool operator_, int64_t *id_out, mg_auth_field_error *fe,
                    mg_diag *d) MG_WARN_UNUSED;

int mg_auth_org_get(mg_db *db, int64_t id, mg_auth_org *out, mg_diag *d) MG_WARN_UNUSED;

/** Organisations by name; pending_only: those awaiting confirmation.
 * *out new array (free()), *total may be NULL. limit ≤ 1000. */
int mg_auth_org_list(mg_db *db, bool pending_only, size_t offset, size_t limit,
                     mg_auth_org **out, size_t *n, size_t *total, mg_diag *d) MG_WARN_UNUSED;

/** Confirms a pending organisation (MG_ENOTFOUND; MG_EINVAL when already
 * active) and queues a French message to each of its members. */
int mg_auth_org_confirm(mg_db *db, int64_t by, int64_t org_id, const char *public_url,
                        mg_diag *d) MG_WARN_UNUSED;

/** Checks an e-mail address (as mail/mail.h) and lower-cases it into out. */
int mg_auth_email_normalise(const char *in, char out[static MG_AUTH_EMAIL_MAX_BYTES + 1],
                            mg_diag *d) MG_WARN_UNUSED;

/** A password's acceptability: MG_AUTH_PASSWORD_MIN_CHARS characters at
 * least, UTF-8, at most MG_AUTH_PASSWORD_MAX_BYTES, not the e-mail address. */
int mg_auth_password_check(const char *password, const char *email, mg_diag *d) MG_WARN_UNUSED;

/**
 * Creates an account (e-mail unique, case-insensitive) with a password
 * (checked as above; NULL: none yet, it is set through an invitation or
 * reset link) and, when org_id > 0, a membership with `role`.
 * MG_EINVAL with *fe for refused fields ("un compte existe déjà pour
 * cette adresse" on a clash).
 */
int mg_auth_account_add(mg_db *db, int64_t by, const char *email, const char *display_name,
                        const char *password, int64_t org_id, mg_auth_role role,
                        int64_t *id_out, mg_auth_field_error *fe, mg_diag *d) MG_WARN_UNUSED;

/** Sets (adds or changes) the role of an account in an organisation. */
int mg_auth_membership_set(mg_db *db, int64_t by, int64_t account_id, int64_t org_id,
                           mg_auth_role role, mg_diag *d) MG_WARN_UNUSED;

/** Loads an account as an actor (memberships included); MG_ENOTFOUND. */
int mg_auth_actor_load(mg_db *db, int64_t account_id, mg_auth_actor *out,
                       mg_diag *d) MG_WARN_UNUSED;

/** One member of an organisation, for its page. */
typedef struct mg_auth_member {
    int64_t account_id;
    char email[MG_AUTH_EMAIL_MAX_BYTES + 1];
    char display_name[MG_AUTH_NAME_MAX_CHARS * 4 + 1];
    mg_auth_role role;
    bool has_password; /* false: invited, not yet come */
} mg_auth_member;

int mg_auth_members(mg_db *db, int64_t org_id, mg_auth_member **out, size_t *n,
                    mg_diag *d) MG_WARN_UNUSED;

/* --- Log-in, sessions, second factor --------------------------------------- */

typedef struct mg_auth_login_result {
    int64_t account_id;
    bool totp_required; /* the session must be completed by mg_auth_session_totp */
    char session[MG_AUTH_TOKEN_CHARS + 1];
} mg_auth_login_result;

/**
 * Checks an e-mail and password and opens a session. Failed attempts are
 * counted per (e-mail, address) and per address; past
 * MG_AUTH_FREE_FAILURES the next attempt must wait 1, 2, 4 … seconds (at
 * most MG_AUTH_WAIT_MAX_S) after the last failure: before that it is
 * refused with MG_ETHROTTLE and *retry_after, without checking the
 * password. Nothing locks an account: a stranger elsewhere slows only
 * their own address. A success clears the (e-mail, address) count.
 * Unknown e-mail and wrong password give the same MG_EAUTH and take the
 * same time (a dummy hash is checked). An account of which no
 * organisation is confirmed may log in (to see that it waits).
 */
int mg_auth_login(mg_db *db, const char *email, const char *password, const char *address,
                  int64_t now, mg_auth_login_result *out, int64_t *retry_after,
                  mg_diag *d) MG_WARN_UNUSED;

/** What a session token gives. */
typedef struct mg_auth_session {
    mg_auth_actor actor;
    bool totp_pending; /* password given, code not yet: only the code page is open */
    int64_t expires_at;
    char csrf[MG_AUTH_TOKEN_CHARS + 1]; /* the forms' token of this session */
} mg_auth_session;

/**
 * Loads the session of `token` at `now`: MG_EAUTH when unknown, ended or
 * expired (idle past MG_AUTH_SESSION_IDLE_S or older than
 * MG_AUTH_SESSION_MAX_S). Renews it (its last use, at most once every
 * MG_AUTH_SESSION_TOUCH_S).
 */
int mg_auth_session_load(mg_db *db, const char *token, int64_t now, mg_auth_session *out,
                         mg_diag *d) MG_WARN_UNUSED;

/** Ends a session (log-out); unknown tokens are not an error. */
int mg_auth_session_end(mg_db *db, const char *token, mg_diag *d) MG_WARN_UNUSED;

/** Ends every session of an account except `keep` (NULL: all): after a
 * password change or reset. */
int mg_auth_sessions_end_all(mg_db *db, int64_t account_id, const char *keep,
                             mg_diag *d) MG_WARN_UNUSED;

/** The CSRF token of a visitor without a session, from the random value
 * of their pre-session cookie (not stored: derived by a keyed hash); ""
 * when cookie_value is not a token as mg_auth_token_new makes them (no
 * form then passes mg_auth_token_equal). */
void mg_auth_csrf_anonymous(const char *cookie_value, char out[static MG_AUTH_TOKEN_CHARS + 1]);

/** Constant-time comparison of two tokens (false when either is NULL or
 * empty). */
bool mg_auth_token_equal(const char *a, const char *b);

/** A new random token (base64url of 32 bytes). */
void mg_auth_token_new(char out[static MG_AUTH_TOKEN_CHARS + 1]);

/**
 * Completes a session waiting for its second factor with a 6-digit code
 * (MG_AUTH_TOTP_WINDOW steps either side of now; a code already used is
 * refused). Failures are slowed down as log-in failures are.
 */
int mg_auth_session_totp(mg_db *db, const char *token, const char *code, const char *address,
                         int64_t now, int64_t *retry_after, mg_diag *d) MG_WARN_UNUSED;

/** Starts enrolment: a new secret (base32) kept as pending for the
 * account, and the otpauth:// URI an authenticator app reads. */
int mg_auth_totp_begin(mg_db *db, int64_t account_id, char secret[static MG_AUTH_TOTP_SECRET_CHARS + 1],
                       char *uri, size_t uri_cap, mg_diag *d) MG_WARN_UNUSED;

/** Ends enrolment when `code` is valid for the pending secret: TOTP is
 * then required at each log-in. MG_EAUTH for a wrong code. */
int mg_auth_totp_confirm(mg_db *db, int64_t account_id, const char *code, int64_t now,
                         mg_diag *d) MG_WARN_UNUSED;

/** The code of `secret_base32` at `now` (for tests and the command line). */
int mg_auth_totp_code(const char *secret_base32, int64_t now, char out[static 7],
                      mg_diag *d) MG_WARN_UNUSED;

/* --- Passwords and one-time links ---------------------------------------- */

/** Changes a password after checking the current one (MG_EAUTH); ends
 * the account's other sessions. */
int mg_auth_password_change(mg_db *db, int64_t account_id, const char *current,
                            const char *new_password, const char *keep_session,
                            mg_auth_field_error *fe, mg_diag *d) MG_WARN_UNUSED;

/**
 * Asks for a reset: when `email` has an account, queues a French message
 * with a link public_url + "/mot-de-passe/nouveau?jeton=…" valid
 * MG_AUTH_RESET_TTL_S; when it has none, does nothing — and returns 0
 * either way, so the page says the same whether the address is known.
 * Requests are slowed down per address like log-in failures.
 */
int mg_auth_reset_request(mg_db *db, const char *email, const char *public_url,
                          const char *address, int64_t now, int64_t *retry_after,
                          mg_diag *d) MG_WARN_UNUSED;

/** Uses a reset or invitation link once: sets the password (checked),
 * ends every session of the account. MG_EAUTH: unknown, used or expired. */
int mg_auth_link_use(mg_db *db, const char *token, const char *new_password, int64_t now,
                     int64_t *account_out, mg_auth_field_error *fe, mg_diag *d) MG_WARN_UNUSED;

/** Whether a link is still usable (to show the form or say it expired). */
int mg_auth_link_check(mg_db *db, const char *token, int64_t now, mg_diag *d) MG_WARN_UNUSED;

/**
 * Invites `email` into organisation org_id with `role`: creates the
 * account when it does not exist (without password) and the membership,
 * and queues a French message with a link public_url +
 * "/mot-de-passe/nouveau?jeton=…" valid MG_AUTH_INVITATION_TTL_S (for an
 * existing account with a password, a message saying it was added).
 */
int mg_auth_invite(mg_db *db, int64_t by, int64_t org_id, const char *email,
                   const char *display_name, mg_auth_role role, const char *public_url,
                   int64_t now, mg_auth_field_error *fe, mg_diag *d) MG_WARN_UNUSED;

/**
 * Self-registration of an applicant: a new organisation awaiting
 * confirmation (kind association — RNA or SIRET required — or health
 * centre — SIRET or FINESS required), an account with `password` and the
 * applicant role in it; queues a French acknowledgement to `email`.
 * Registrations from `address` (NULL: not counted, for the command line and
 * tests) are slowed down like log-in failures, since each writes an
 * organisation and a message to an unchecked address: past the free ones
 * of a day, MG_ETHROTTLE with *retry_after.
 */
int mg_auth_register(mg_db *db, const mg_auth_org_input *org, const char *email,
                     const char *display_name, const char *password, const char *public_url,
                     const char *address, int64_t now, int64_t *retry_after,
                     int64_t *account_out, int64_t *org_out, mg_auth_field_error *fe,
                     mg_diag *d) MG_WARN_UNUSED;

/* --- Personal API tokens --------------------------------------------------- */

typedef struct mg_auth_api_token {
    int64_t id;
    char name[MG_AUTH_NAME_MAX_CHARS * 4 + 1];
    char created_at[MG_DB_TIMESTAMP_SIZE];
    char last_used_at[MG_DB_TIMESTAMP_SIZE]; /* "" when never */
    bool revoked;
} mg_auth_api_token;

/** Creates a token named `name` for the account; the token itself
 * ("mgt_…") is in secret_out, shown once and stored hashed. */
int mg_auth_api_token_create(mg_db *db, int64_t account_id, const char *name,
                             char secret_out[static MG_AUTH_API_TOKEN_CHARS + 1], int64_t *id_out,
                             mg_auth_field_error *fe, mg_diag *d) MG_WARN_UNUSED;

/** Revokes a token of the account (MG_ENOTFOUND when it is not theirs). */
int mg_auth_api_token_revoke(mg_db *db, int64_t account_id, int64_t token_id,
                             mg_diag *d) MG_WARN_UNUSED;

int mg_auth_api_token_list(mg_db *db, int64_t account_id, mg_auth_api_token **out, size_t *n,
                           mg_diag *d) MG_WARN_UNUSED;

/** The actor of a bearer token: MG_EAUTH when unknown or revoked. An
 * account that must use TOTP but has not enrolled gets no API access. */
int mg_auth_api_token_load(mg_db *db, const char *secret, int64_t now, mg_auth_actor *out,
                           mg_diag *d) MG_WARN_UNUSED;

/* --- Parsing what arrives in a request (fuzzed) ------------------------ */

/** The value of cookie `name` in a Cookie header (RFC 6265 syntax:
 * "a=b; c=d"), into out when it is a token of base64url characters that
 * fits; false otherwise. */
bool mg_auth_cookie_get(const char *header, const char *name, char *out, size_t cap);

/** The token of an "Authorization: Bearer mgt_…" header, into out; false
 * when the header is absent, of another scheme, or malformed. */
bool mg_auth_bearer_get(const char *header, char out[static MG_AUTH_API_TOKEN_CHARS + 1]);

#endif
