/*
 * Secrets of the auth module: libsodium and liboath started once, random
 * tokens and their stored hash, the CSRF tokens derived from them, and
 * password hashing (Argon2id) with its cap on concurrent computations and
 * the dummy hash that makes an unknown e-mail cost what a known one does.
 */
#include <liboath/oath.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/internal.h"

enum { TOKEN_BYTES = 32, HASH_BYTES = 32 };
_Static_assert(crypto_pwhash_STRBYTES <= AUTH_PWHASH_MAX, "AUTH_PWHASH_MAX holds an Argon2id string");

/* Keys of the CSRF derivations: public constants, so that a CSRF token is
 * a one-way function of the secret it comes from (the session token or
 * the pre-session cookie, which pages cannot read: HttpOnly) and the two
 * kinds never coincide. */
static const char CSRF_SESSION_KEY[] = "maillage csrf v1";
static const char CSRF_ANONYMOUS_KEY[] = "maillage pre-session csrf v1";

/* --- Start-up ------------------------------------------------------------ */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc; /* 0, or which library failed: 1 libsodium, 2 liboath */

static void init_libraries(void)
{
    if (sodium_init() < 0)
        init_rc = 1;
    else if (oath_init() != OATH_OK)
        init_rc = 2;
}

int auth_init(mg_diag *d)
{
    pthread_once(&init_once, init_libraries);
    if (init_rc)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "auth: %s could not be initialised",
                           init_rc == 1 ? "libsodium" : "liboath");
    return 0;
}

/* For the void functions of the header, which have no way to report: a
 * process without randomness must not hand out predictable tokens. */
static void init_or_abort(void)
{
    if (auth_init(NULL)) {
        fputs("maillage: libsodium or liboath cannot be initialised\n", stderr);
        abort();
    }
}

/* --- Tokens ------------------------------------------------------------- */

static bool is_b64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

bool auth_token_wellformed(const char *s)
{
    if (!s)
        return false;
    size_t i = 0;
    for (; i < MG_AUTH_TOKEN_CHARS; i++)
        if (!is_b64url(s[i]))
            return false;
    return s[i] == '\0';
}

void mg_auth_token_new(char out[static MG_AUTH_TOKEN_CHARS + 1])
{
    init_or_abort();
    unsigned char raw[TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, MG_AUTH_TOKEN_CHARS + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

void auth_secret_hash(const char *secret, char hex[static AUTH_HASH_HEX + 1])
{
    init_or_abort();
    unsigned char h[HASH_BYTES];
    crypto_generichash(h, sizeof h, (const unsigned char *)secret, strlen(secret), NULL, 0);
    sodium_bin2hex(hex, AUTH_HASH_HEX + 1, h, sizeof h);
}

bool mg_auth_token_equal(const char *a, const char *b)
{
    if (!a || !b || !a[0] || !b[0])
        return false;
    size_t n = strlen(a);
    if (strlen(b) != n)
        return false;
    return sodium_memcmp(a, b, n) == 0;
}

/* BLAKE2b-256 of `value` keyed with `key`, as base64url into out. */
static void derive(const char *key, const char *value, char out[static MG_AUTH_TOKEN_CHARS + 1])
{
    init_or_abort();
    unsigned char h[HASH_BYTES];
    crypto_generichash(h, sizeof h, (const unsigned char *)value, strlen(value),
                       (const unsigned char *)key, strlen(key));
    sodium_bin2base64(out, MG_AUTH_TOKEN_CHARS + 1, h, sizeof h,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void auth_csrf_of_session(const char *session_token, char out[static MG_AUTH_TOKEN_CHARS + 1])
{
    derive(CSRF_SESSION_KEY, session_token, out);
}

/* A visitor without a well-formed pre-session cookie gets "", which
 * mg_auth_token_equal never accepts: no form of theirs passes until the
 * cookie is set. */
void mg_auth_csrf_anonymous(const char *cookie_value, char out[static MG_AUTH_TOKEN_CHARS + 1])
{
    if (!auth_token_wellformed(cookie_value)) {
        out[0] = '\0';
        return;
    }
    derive(CSRF_ANONYMOUS_KEY, cookie_value, out);
}

/* --- Passwords ------------------------------------------------------------ */

/* Places for Argon2id computations (64 MiB each): past the cap a request
 * is refused at once (MG_EBUSY, a 503) rather than queued, so that a flood
 * of log-ins cannot exhaust memory or hold every worker. */
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static int slots_used;

static int slot_take(mg_diag *d)
{
    pthread_mutex_lock(&slots_lock);
    bool free_place = slots_used < MG_AUTH_HASHING_MAX;
    if (free_place)
        slots_used++;
    pthread_mutex_unlock(&slots_lock);
    if (!free_place)
        return mg_diag_set(d, MG_EBUSY, NULL, 0, 0,
                           "auth: %d passwords are being checked already; try again shortly",
                           MG_AUTH_HASHING_MAX);
    return 0;
}

static void slot_give(void)
{
    pthread_mutex_lock(&slots_lock);
    slots_used--;
    pthread_mutex_unlock(&slots_lock);
}

int auth_password_hash(const char *password, char out[static AUTH_PWHASH_MAX], mg_diag *d)
{
    int rc = auth_init(d);
    if (rc == 0)
        rc = slot_take(d);
    if (rc)
        return rc;
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0,
                         "auth: no memory to hash a password (Argon2id needs 64 MiB)");
    slot_give();
    return rc;
}

/* The hash an unknown e-mail is checked against: of a random password,
 * with the same parameters as real ones, made once. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[AUTH_PWHASH_MAX];

static void make_dummy(void)
{
    char pw[MG_AUTH_TOKEN_CHARS + 1];
    mg_auth_token_new(pw);
    if (crypto_pwhash_str(dummy_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        dummy_hash[0] = '\0';
}

int auth_password_verify(const char *stored, const char *password, bool *ok, mg_diag *d)
{
    *ok = false;
    int rc = auth_init(d);
    if (rc)
        return rc;
    /* Made before the first check of any kind, so that no single log-in
     * pays for it and stands out. */
    pthread_once(&dummy_once, make_dummy);
    rc = slot_take(d);
    if (rc)
        return rc;
    size_t n = password ? strlen(password) : 0;
    bool real = stored && stored[0] && password && n <= MG_AUTH_PASSWORD_MAX_BYTES;
    if (real) {
        *ok = crypto_pwhash_str_verify(stored, password, n) == 0;
    } else if (dummy_hash[0]) {
        /* Whatever the dummy answers, there is no account: *ok stays false. */
        if (crypto_pwhash_str_verify(dummy_hash, "", 0) == 0)
            *ok = false;
    } else {
        /* No dummy (it could not be made): spend the same time hashing. */
        char scratch[AUTH_PWHASH_MAX];
        if (crypto_pwhash_str(scratch, "", 0, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
            *ok = false;
    }
    slot_give();
    return 0;
}
