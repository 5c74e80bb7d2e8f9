/*
 * Bookings (book.h; docs/booking-bookings.md): the public's bookings and
 * the host's walk-ins, cancellation and look-up by code, states, lists and
 * maintenance blocks.
 *
 * No double booking is the database's doing: the booking's write
 * transaction checks the slot against the rules (mg_booking_slot_check_on),
 * inserts the booking and claims each 5-minute unit of its device,
 * teleconsultant and assistant in booking_claims, whose primary key refuses
 * a unit claimed twice: a concurrent booking that loses is told the slot is
 * gone. The limit of active bookings per phone number and per address is
 * booking_holds' primary key (two tokens per key). Public attempts are
 * counted in booking_attempts per key (SHA-256 of "addr:…" and "phone:…").
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "booking/book.h"
#include "booking/setup.h"
#include "core/utf8.h"

/* --- Small helpers --------------------------------------------------------------------------- */

static const char GONE_MSG[] = "Ce créneau vient d'être réservé : choisissez-en un autre.";

static int64_t now_seconds(int64_t now_s)
{
    return now_s > 0 ? now_s : (int64_t)time(NULL);
}

/* Floor division of seconds into Unix minutes. */
static int64_t minute_of(int64_t s)
{
    return s >= 0 ? s / 60 : -((-s + 59) / 60);
}

/* SHA-256 hex of "<prefix>:<value>": a throttling or hold key. */
static void key_of(const char *prefix, const char *value, char out[65])
{
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)prefix, strlen(prefix));
    crypto_hash_sha256_update(&st, (const unsigned char *)":", 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)value, strlen(value));
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* Copies a database error's message into d (the local diagnostics used
 * where an expected refusal must not leave the driver's words in d). */
static int pass_on(int rc, const mg_diag *local, mg_diag *d)
{
    return mg_diag_set(d, rc, NULL, 0, 0, "%s", local->msg[0] ? local->msg : mg_strerror(rc));
}

/* --- Throttling ------------------------------------------------------------------------------ */

static atomic_uint purge_counter;

/* Whether key has had MG_BOOKING_ATTEMPTS_PER_WINDOW attempts in the
 * window ending at now_s: 1 (with *retry_after), 0, or an error. Deletes
 * the key's attempts that left the window. */
static int throttled(mg_db_conn *c, const char *key, int64_t now_s, int *retry_after, mg_diag *d)
{
    int rc = mg_db_run(c, "DELETE FROM booking_attempts WHERE attempt_key = ?1 AND at <= ?2",
                       MG_DB_PARAMS(MG_DB_TEXT(key), MG_DB_INT(now_s - MG_BOOKING_ATTEMPT_WINDOW_S)),
                       NULL, d);
    if (rc)
        return rc;
    int64_t at = 0;
    /* The attempt whose leaving the window lets one more in: the
     * ATTEMPTS_PER_WINDOW-th newest. */
    rc = mg_db_query_int(c,
                         "SELECT at FROM booking_attempts WHERE attempt_key = ?1 "
                         "ORDER BY at DESC LIMIT 1 OFFSET ?2",
                         MG_DB_PARAMS(MG_DB_TEXT(key), MG_DB_INT(MG_BOOKING_ATTEMPTS_PER_WINDOW - 1)),
                         &at, d);
    if (rc == MG_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    int64_t wait = at + MG_BOOKING_ATTEMPT_WINDOW_S - now_s;
    *retry_after = wait < 1 ? 1 : (int)wait;
    return 1;
}

/* throttled() for the booking's two keys (either may be NULL) in one
 * statement: 1 with *retry_after of the first throttled key (the address
 * before the phone), 0, or an error. The attempts that left the window are
 * not deleted here but skipped (record_attempt's purge deletes them), so
 * that the booking's transaction writes nothing it need not. */
static int throttled_keys(mg_db_conn *c, const char *const keys[2], int64_t now_s,
                          int *retry_after, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(
        c,
        "SELECT (SELECT at FROM booking_attempts WHERE attempt_key = ?1 AND at > ?3 "
        "ORDER BY at DESC LIMIT 1 OFFSET ?4), "
        "(SELECT at FROM booking_attempts WHERE attempt_key = ?2 AND at > ?3 "
        "ORDER BY at DESC LIMIT 1 OFFSET ?4)",
        MG_DB_PARAMS(MG_DB_TEXT(keys[0]), MG_DB_TEXT(keys[1]),
                     MG_DB_INT(now_s - MG_BOOKING_ATTEMPT_WINDOW_S),
                     MG_DB_INT(MG_BOOKING_ATTEMPTS_PER_WINDOW - 1)),
        &q, d);
    int found = 0;
    int64_t at = 0;
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        for (int k = 0; k < 2 && !found; k++)
            if (keys[k] && !mg_db_column_is_null(q, k)) {
                found = 1;
                at = mg_db_column_int64(q, k);
            }
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    if (!found)
        return 0;
    int64_t wait = at + MG_BOOKING_ATTEMPT_WINDOW_S - now_s;
    *retry_after = wait < 1 ? 1 : (int)wait;
    return 1;
}

static int record_attempt(mg_db_conn *c, const char *key, int64_t now_s, mg_diag *d)
{
    int rc = mg_db_run(c, "INSERT INTO booking_attempts (attempt_key, at) VALUES (?1, ?2)",
                       MG_DB_PARAMS(MG_DB_TEXT(key), MG_DB_INT(now_s)), NULL, d);
    /* Now and then, the attempts of every key that left the window (the
     * keys of people who did not come back). */
    if (rc == 0 && (atomic_fetch_add(&purge_counter, 1) & 255u) == 0)
        rc = mg_db_run(c, "DELETE FROM booking_attempts WHERE at <= ?1",
                       MG_DB_PARAMS(MG_DB_INT(now_s - MG_BOOKING_ATTEMPT_WINDOW_S)), NULL, d);
    return rc;
}

/* record_attempt() of the booking's two keys (either may be NULL) in one
 * statement; the purge as often, per key recorded. */
static int record_attempts(mg_db_conn *c, const char *const keys[2], int64_t now_s, mg_diag *d)
{
    if (!keys[0] || !keys[1])
        return keys[0] || keys[1] ? record_attempt(c, keys[0] ? keys[0] : keys[1], now_s, d) : 0;
    int rc = mg_db_run(c, "INSERT INTO booking_attempts (attempt_key, at) VALUES (?1, ?3), (?2, ?3)",
                       MG_DB_PARAMS(MG_DB_TEXT(keys[0]), MG_DB_TEXT(keys[1]), MG_DB_INT(now_s)),
                       NULL, d);
    unsigned before = atomic_fetch_add(&purge_counter, 2) & 255u;
    if (rc == 0 && (before == 0 || before == 255))
        rc = mg_db_run(c, "DELETE FROM booking_attempts WHERE at <= ?1",
                       MG_DB_PARAMS(MG_DB_INT(now_s - MG_BOOKING_ATTEMPT_WINDOW_S)), NULL, d);
    return rc;
}

static int throttle_refuse(int retry_after, mg_diag *d)
{
    int minutes = (retry_after + 59) / 60;
    return mg_diag_set(d, MG_ETHROTTLE, NULL, 0, 0,
                       "Trop de tentatives : réessayez dans %d minute%s.", minutes,
                       minutes > 1 ? "s" : "");
}

/* Records attempts of keys in a transaction of their own (the refused
 * booking's transaction rolled back the ones it had made). */
struct attempts_tx {
    const char *keys[2];
    int64_t now_s;
};

static int attempts_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct attempts_tx *t = ctx;
    return record_attempts(c, t->keys, t->now_s, d);
}

/* --- Reading bookings ------------------------------------------------------------------------ */

#define BOOKING_COLUMNS                                                                        \
    "b.id, b.site_id, b.device_id, b.teleconsultant_id, COALESCE(b.assistant_id, 0), b.kind, " \
    "b.starts_at, b.ends_at, b.state, b.person, b.phone, b.walk_in, o.name, dv.name, t.label, " \
    "COALESCE(s.commune_name, ''), b.created_at, bs.share_phone, b.code "
#define BOOKING_FROM                                                                           \
    "FROM bookings b JOIN booking_sites bs ON bs.site_id = b.site_id "                         \
    "JOIN organisations o ON o.id = b.site_id "                                                \
    "LEFT JOIN structures s ON s.organisation_id = b.site_id "                                 \
    "JOIN booking_devices dv ON dv.id = b.device_id "                                          \
    "JOIN booking_teleconsultants t ON t.id = b.teleconsultant_id "

enum phone_mode { PHONE_NONE, PHONE_ALL, PHONE_IF_SHARED };

static void read_booking(const mg_db_stmt *q, mg_booking *b, enum phone_mode pm)
{
    memset(b, 0, sizeof *b);
    b->id = mg_db_column_int64(q, 0);
    b->site_id = mg_db_column_int64(q, 1);
    b->device_id = mg_db_column_int64(q, 2);
    b->teleconsultant_id = mg_db_column_int64(q, 3);
    b->assistant_id = mg_db_column_int64(q, 4);
    const char *kind = mg_db_column_text(q, 5);
    if (!kind || mg_booking_kind_parse(kind, &b->kind) != 0)
        b->kind = MG_BOOKING_GP;
    b->start = mg_db_column_int64(q, 6);
    b->end = mg_db_column_int64(q, 7);
    const char *state = mg_db_column_text(q, 8);
    if (!state || mg_booking_state_parse(state, &b->state) != 0)
        b->state = MG_BOOKING_BOOKED;
    mg_db_column_copy(q, 9, b->person, sizeof b->person);
    bool shared = mg_db_column_int64(q, 17) != 0;
    if (pm == PHONE_ALL || (pm == PHONE_IF_SHARED && shared))
        mg_db_column_copy(q, 10, b->phone, sizeof b->phone);
    b->walk_in = mg_db_column_int64(q, 11) != 0;
    mg_db_column_copy(q, 12, b->site_name, sizeof b->site_name);
    mg_db_column_copy(q, 13, b->device_name, sizeof b->device_name);
    mg_db_column_copy(q, 14, b->teleconsultant_label, sizeof b->teleconsultant_label);
    mg_db_column_copy(q, 15, b->commune_name, sizeof b->commune_name);
    mg_db_column_copy(q, 16, b->created_at, sizeof b->created_at);
    const char *code = mg_db_column_text(q, 18);
    if (code && strlen(code) == MG_BOOKING_CODE_CHARS)
        snprintf(b->code, sizeof b->code, "%.5s-%.5s", code, code + 5);
}

/* One booking by id (phone included), on c. */
static int get_on(mg_db_conn *c, int64_t id, mg_booking *out, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, "SELECT " BOOKING_COLUMNS BOOKING_FROM "WHERE b.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
    if (rc == 0) {
        rc = mg_db_step(q, d);
        if (rc == MG_DB_ROW) {
            read_booking(q, out, PHONE_ALL);
            rc = 0;
        } else if (rc == MG_DB_DONE) {
            rc = MG_ENOTFOUND;
        }
    }
    mg_db_finalize(q);
    return rc;
}

/* A booking by its canonical code's hash, on c: its id, or MG_ENOTFOUND. */
static int id_of_code(mg_db_conn *c, const char *canonical, int64_t *id, mg_diag *d)
{
    char hash[65];
    mg_booking_code_hash(canonical, hash);
    return mg_db_query_int(c, "SELECT id FROM bookings WHERE code_hash = ?1",
                           MG_DB_PARAMS(MG_DB_TEXT(hash)), id, d);
}

/* --- The audit entry of a booking (never its person nor its phone) ---------------------------- */

static int audit_booking(mg_db_conn *c, int64_t by, const mg_booking *b, const char *verb,
                         const char *state_before, const char *state_after, mg_diag *d)
{
    char site[24], device[24], tc[24], assistant[24], start[24], end[24];
    snprintf(site, sizeof site, "%" PRId64, b->site_id);
    snprintf(device, sizeof device, "%" PRId64, b->device_id);
    snprintf(tc, sizeof tc, "%" PRId64, b->teleconsultant_id);
    snprintf(assistant, sizeof assistant, "%" PRId64, b->assistant_id);
    snprintf(start, sizeof start, "%" PRId64, b->start);
    snprintf(end, sizeof end, "%" PRId64, b->end);
    mg_audit_change ch[9];
    size_t n = 0;
    if (strcmp(verb, "create") == 0) {
        ch[n++] = (mg_audit_change){.field = "site_id", .after = site};
        ch[n++] = (mg_audit_change){.field = "device_id", .after = device};
        ch[n++] = (mg_audit_change){.field = "teleconsultant_id", .after = tc};
        if (b->assistant_id > 0)
            ch[n++] = (mg_audit_change){.field = "assistant_id", .after = assistant};
        ch[n++] = (mg_audit_change){.field = "kind", .after = mg_booking_kind_key(b->kind)};
        ch[n++] = (mg_audit_change){.field = "starts_at", .after = start};
        ch[n++] = (mg_audit_change){.field = "ends_at", .after = end};
        ch[n++] = (mg_audit_change){.field = "walk_in", .after = b->walk_in ? "1" : "0"};
    }
    ch[n++] = (mg_audit_change){.field = "state", .before = state_before, .after = state_after};
    mg_audit_entry e = {.account_id = by, .organisation_id = b->site_id,
                        .object_type = "booking", .object_id = b->id, .verb = verb,
                        .changes = ch, .nchanges = n};
    return mg_audit_append(c, &e, NULL, d);
}

/* --- Booking --------------------------------------------------------------------------------- */

/* Trims and collapses white space; refuses control characters and text
 * that is not UTF-8. Returns the number of characters, or -1. */
static long normalise_person(const char *in, char *out, size_t cap)
{
    size_t len = strlen(in), chars = 0;
    if (mg_utf8_check(in, len, NULL) != len)
        return -1;
    size_t o = 0;
    bool space = false;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            space = o > 0;
            continue;
        }
        if (*p < 0x20 || *p == 0x7f)
            return -1;
        if (space) {
            if (o + 1 >= cap)
                return -1;
            out[o++] = ' ';
            space = false;
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = (char)*p;
    }
    out[o] = 0;
    if (mg_utf8_check(out, o, &chars) != o)
        return -1;
    return (long)chars;
}

struct book_tx {
    int64_t by;
    const mg_booking_input *in;
    bool public_;
    int64_t now_s, now_min;
    char phone[MG_BOOKING_PHONE_SIZE];
    bool phone_ok;
    char addr_key[65], phone_key[65];
    char code[MG_BOOKING_CODE_SIZE];
    char code_hash[65];
    char canonical[MG_BOOKING_CODE_CHARS + 1];
    /* Filled at each run. */
    mg_booking_errors *errs;
    mg_booking_result *res;
    bool attempted;
};

/* Whether a unit of [start, end) of the device, of the teleconsultant or,
 * for an assisted device, of an assistant of its site is claimed: the slot
 * the rules refused was taken (rather than never offered). */
static int claimed(mg_db_conn *c, int64_t device_id, int64_t tc_id, int64_t start, int64_t end,
                   mg_diag *d)
{
    int64_t n = 0;
    int rc = mg_db_query_int(c,
                             "SELECT COUNT(*) FROM booking_claims WHERE unit >= ?1 AND unit < ?2 "
                             "AND ((resource = 'device' AND resource_id = ?3) "
                             "OR (resource = 'teleconsultant' AND resource_id = ?4) "
                             "OR (resource = 'assistant' AND resource_id IN (SELECT a.id FROM "
                             "booking_assistants a JOIN booking_devices dv ON dv.site_id = "
                             "a.site_id WHERE dv.id = ?3 AND dv.assisted = 1)))",
                             MG_DB_PARAMS(MG_DB_INT(start / MG_BOOKING_GRAIN_MIN),
                                          MG_DB_INT(end / MG_BOOKING_GRAIN_MIN),
                                          MG_DB_INT(device_id), MG_DB_INT(tc_id)),
                             &n, d);
    return rc ? rc : n > 0;
}

/* Claims each unit of [start, end) of the device, the teleconsultant and
 * the assistant (0: none) in one statement (the units by a recursive CTE: a
 * round trip per unit cost PostgreSQL a third of a booking, one per
 * resource still three): 1 claimed, 0 a unit was already claimed (the slot
 * is gone), or an error. */
static int claim(mg_db_conn *c, int64_t device_id, int64_t tc_id, int64_t assistant_id,
                 int64_t start, int64_t end, int64_t booking_id, mg_diag *d)
{
    mg_diag local = {{0}};
    int rc = mg_db_run(c,
                       "WITH RECURSIVE u(n) AS (SELECT CAST(?1 AS BIGINT) UNION ALL "
                       "SELECT n + 1 FROM u WHERE n + 1 < ?2) "
                       "INSERT INTO booking_claims (resource, resource_id, unit, booking_id) "
                       "SELECT r.resource, r.id, u.n, CAST(?6 AS BIGINT) FROM u CROSS JOIN "
                       "(SELECT CAST('device' AS TEXT) AS resource, CAST(?3 AS BIGINT) AS id "
                       "UNION ALL SELECT 'teleconsultant', CAST(?4 AS BIGINT) "
                       "UNION ALL SELECT 'assistant', CAST(?5 AS BIGINT)) r WHERE r.id > 0",
                       MG_DB_PARAMS(MG_DB_INT(start / MG_BOOKING_GRAIN_MIN),
                                    MG_DB_INT(end / MG_BOOKING_GRAIN_MIN), MG_DB_INT(device_id),
                                    MG_DB_INT(tc_id), MG_DB_INT(assistant_id),
                                    MG_DB_INT(booking_id)),
                       NULL, &local);
    if (rc == 0)
        return 1;
    if (rc == MG_EINVAL && mg_db_reason_of(c) == MG_DB_REASON_UNIQUE)
        return 0;
    return pass_on(rc, &local, d);
}

/* Takes a free token of each key (keys[1] may be NULL) for the booking,
 * in three statements whatever the number of keys: 1, 0 when both tokens
 * of a key are held by active bookings (*full: the index of the first such
 * key), or an error. */
static int hold(mg_db_conn *c, const char *const keys[2], int64_t booking_id, int64_t ends_at,
                int64_t now_min, int *full, mg_diag *d)
{
    *full = -1;
    int rc = mg_db_run(c, "DELETE FROM booking_holds WHERE hold_key IN (?1, ?2) AND ends_at <= ?3",
                       MG_DB_PARAMS(MG_DB_TEXT(keys[0]), MG_DB_TEXT(keys[1]), MG_DB_INT(now_min)),
                       NULL, d);
    if (rc)
        return rc;
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(c,
                            "SELECT (SELECT COALESCE(SUM(token), 0) FROM booking_holds "
                            "WHERE hold_key = ?1), (SELECT COALESCE(SUM(token), 0) "
                            "FROM booking_holds WHERE hold_key = ?2)",
                            MG_DB_PARAMS(MG_DB_TEXT(keys[0]), MG_DB_TEXT(keys[1])), &q, d);
    int64_t held[2] = {0, 0};
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        held[0] = mg_db_column_int64(q, 0);
        held[1] = mg_db_column_int64(q, 1);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "booking holds: no row");
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    int token[2];
    for (int k = 0; k < 2; k++) {
        token[k] = held[k] == 0 || held[k] == 2 ? 1 : held[k] == 1 ? 2 : 0;
        if (keys[k] && token[k] == 0) {
            *full = k;
            return 0;
        }
    }
    mg_diag local = {{0}};
    if (keys[1])
        rc = mg_db_run(c,
                       "INSERT INTO booking_holds (hold_key, token, booking_id, ends_at) "
                       "VALUES (?1, ?3, ?5, ?6), (?2, ?4, ?5, ?6)",
                       MG_DB_PARAMS(MG_DB_TEXT(keys[0]), MG_DB_TEXT(keys[1]),
                                    MG_DB_INT(token[0]), MG_DB_INT(token[1]),
                                    MG_DB_INT(booking_id), MG_DB_INT(ends_at)),
                       NULL, &local);
    else
        rc = mg_db_run(c,
                       "INSERT INTO booking_holds (hold_key, token, booking_id, ends_at) "
                       "VALUES (?1, ?2, ?3, ?4)",
                       MG_DB_PARAMS(MG_DB_TEXT(keys[0]), MG_DB_INT(token[0]),
                                    MG_DB_INT(booking_id), MG_DB_INT(ends_at)),
                       NULL, &local);
    /* A token taken meanwhile by a concurrent booking of the same key
     * (PostgreSQL usually reports it as a serialisation failure, rerun by
     * mg_db_transaction; a plain key violation is said as busy). */
    if (rc == MG_EINVAL && mg_db_reason_of(c) == MG_DB_REASON_UNIQUE)
        return mg_diag_set(d, MG_EBUSY, NULL, 0, 0,
                           "Un autre rendez-vous vient d'être pris avec ce numéro : réessayez.");
    return rc ? pass_on(rc, &local, d) : 1;
}

static int book_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct book_tx *t = ctx;
    const mg_booking_input *in = t->in;
    mg_booking_result *res = t->res;
    mg_booking_errors *errs = t->errs;
    memset(res, 0, sizeof *res);
    errs->n = 0;
    t->attempted = false;
    int rc;

    /* Throttling: before anything else, and recorded whatever follows. */
    if (t->public_) {
        const char *keys[2] = {in->address ? t->addr_key : NULL,
                               t->phone_ok ? t->phone_key : NULL};
        rc = throttled_keys(c, keys, t->now_s, &res->retry_after, d);
        if (rc < 0)
            return rc;
        if (rc == 1)
            return throttle_refuse(res->retry_after, d);
        if ((rc = record_attempts(c, keys, t->now_s, d)))
            return rc;
        t->attempted = true;
    }

    /* The site and what it asks, the device, the teleconsultant and its
     * duration for the kind, in one statement (one round trip). */
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(
        c,
        "SELECT (SELECT ask FROM booking_sites WHERE site_id = ?1), "
        "(SELECT active FROM booking_sites WHERE site_id = ?1), "
        "(SELECT COUNT(*) FROM booking_devices WHERE id = ?2 AND site_id = ?1 AND active = 1), "
        "(SELECT COUNT(*) FROM booking_teleconsultants t "
        "JOIN booking_teleconsultant_sites ts ON ts.teleconsultant_id = t.id "
        "WHERE t.id = ?3 AND ts.site_id = ?1 AND t.active = 1), "
        "(SELECT duration_min FROM booking_teleconsultant_kinds "
        "WHERE teleconsultant_id = ?3 AND kind = ?4)",
        MG_DB_PARAMS(MG_DB_INT(in->site_id), MG_DB_INT(in->device_id),
                     MG_DB_INT(in->teleconsultant_id), MG_DB_TEXT(mg_booking_kind_key(in->kind))),
        &q, d);
    bool site_ok = false, ask_name = false, device_ok = false, tc_ok = false, kind_ok = false;
    int64_t duration = 0;
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        const char *ask = mg_db_column_text(q, 0);
        ask_name = ask && strcmp(ask, "name") == 0;
        site_ok = mg_db_column_int64(q, 1) != 0;
        device_ok = mg_db_column_int64(q, 2) != 0;
        tc_ok = mg_db_column_int64(q, 3) != 0;
        kind_ok = !mg_db_column_is_null(q, 4);
        duration = mg_db_column_int64(q, 4);
        rc = 0;
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    if (!site_ok)
        mg_booking_errors_add(errs, "site_id", "Ce site ne prend pas de rendez-vous.");

    char person[MG_BOOKING_PERSON_MAX_CHARS * 4 + 1];
    long chars = in->person ? normalise_person(in->person, person, sizeof person) : -1;
    if (ask_name && (chars < 1 || chars > MG_BOOKING_PERSON_MAX_CHARS))
        mg_booking_errors_add(errs, "person", "Indiquez un nom (%d caractères au plus).",
                              MG_BOOKING_PERSON_MAX_CHARS);
    else if (!ask_name && (chars < 1 || chars > 10))
        mg_booking_errors_add(errs, "person",
                              "Indiquez des initiales (10 caractères au plus), par exemple "
                              "« A. B. ».");

    if (!t->phone_ok) {
        mg_diag pd = {{0}};
        char phone[MG_BOOKING_PHONE_SIZE];
        if (mg_booking_phone_normalise(in->phone ? in->phone : "", phone, &pd) != 0)
            mg_booking_errors_add(errs, "phone", "%s",
                                  pd.msg[0] ? pd.msg : "Indiquez un numéro de téléphone.");
    }

    if (in->start % MG_BOOKING_GRAIN_MIN != 0)
        mg_booking_errors_add(errs, "start",
                              "Un rendez-vous commence sur une heure multiple de 5 minutes.");
    else if (in->start < t->now_min)
        mg_booking_errors_add(errs, "start",
                              "Ce créneau est déjà passé : choisissez-en un à venir.");
    else if (in->start > t->now_min + (int64_t)MG_BOOKING_HORIZON_DAYS * 1440)
        mg_booking_errors_add(errs, "start",
                              "Les rendez-vous se prennent au plus %d jours à l'avance.",
                              MG_BOOKING_HORIZON_DAYS);

    if (!device_ok)
        mg_booking_errors_add(errs, "device_id",
                              "Cet équipement n'est pas en service sur ce site.");
    if (!tc_ok)
        mg_booking_errors_add(errs, "teleconsultant_id",
                              "Ce téléconsultant ne consulte pas sur ce site.");
    else if (!kind_ok)
        mg_booking_errors_add(errs, "kind",
                              "Ce téléconsultant ne propose pas ce type de consultation.");
    if (errs->n > 0)
        return mg_booking_refuse(errs, d);

    /* The rules. */
    mg_booking_slot slot;
    char why[256] = "";
    rc = mg_booking_slot_check_on(c, in->site_id, in->device_id, in->teleconsultant_id, in->kind,
                                  in->start, &slot, why, d);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        /* Taken by someone else (a claim over it), or never a slot. */
        rc = claimed(c, in->device_id, in->teleconsultant_id, in->start, in->start + duration, d);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            res->gone = true;
            mg_booking_errors_add(errs, "start", "%s", GONE_MSG);
        } else {
            mg_booking_errors_add(errs, "start", "%s",
                                  why[0] ? why : "Ce créneau n'est pas proposé.");
        }
        return mg_booking_refuse(errs, d);
    }

    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)))
        return rc;
    int64_t id = 0;
    rc = mg_db_query_int(
        c,
        "INSERT INTO bookings (code_hash, site_id, device_id, teleconsultant_id, assistant_id, "
        "kind, starts_at, ends_at, state, person, phone, walk_in, booked_by, created_at, "
        "updated_at, code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'booked', ?9, ?10, ?11, ?12, "
        "?13, ?13, ?14) RETURNING id",
        MG_DB_PARAMS(MG_DB_TEXT(t->code_hash), MG_DB_INT(in->site_id), MG_DB_INT(in->device_id),
                     MG_DB_INT(in->teleconsultant_id),
                     slot.assistant_id > 0 ? MG_DB_INT(slot.assistant_id) : MG_DB_NULL,
                     MG_DB_TEXT(mg_booking_kind_key(in->kind)), MG_DB_INT(slot.start),
                     MG_DB_INT(slot.end), MG_DB_TEXT(person), MG_DB_TEXT(t->phone),
                     MG_DB_INT(t->public_ ? 0 : in->walk_in), t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL,
                     MG_DB_TEXT(now), MG_DB_TEXT(t->canonical)),
        &id, d);
    if (rc)
        return rc;

    /* The claims: the key refuses a unit taken meanwhile. */
    rc = claim(c, in->device_id, in->teleconsultant_id, slot.assistant_id, slot.start, slot.end,
               id, d);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        res->gone = true;
        mg_booking_errors_add(errs, "start", "%s", GONE_MSG);
        return mg_booking_refuse(errs, d);
    }

    /* The limits: a token of the phone's key, and of the address's for the
     * public. */
    const char *hold_keys[2] = {t->phone_key, t->public_ && in->address ? t->addr_key : NULL};
    int full = -1;
    rc = hold(c, hold_keys, id, slot.end, t->now_min, &full, d);
    if (rc < 0)
        return rc;
    if (rc == 0 && full == 0) {
        mg_booking_errors_add(errs, "phone",
                              "Ce numéro a déjà deux rendez-vous à venir : annulez-en un pour en "
                              "prendre un autre.");
        return mg_booking_refuse(errs, d);
    }
    if (rc == 0) {
        mg_booking_errors_add(errs, "address",
                              "Deux rendez-vous à venir ont déjà été pris depuis cette "
                              "connexion : annulez-en un pour en prendre un autre.");
        return mg_booking_refuse(errs, d);
    }

    mg_booking b = {.id = id, .site_id = in->site_id, .device_id = in->device_id,
                    .teleconsultant_id = in->teleconsultant_id,
                    .assistant_id = slot.assistant_id, .kind = in->kind, .start = slot.start,
                    .end = slot.end, .walk_in = !t->public_ && in->walk_in};
    rc = audit_booking(c, t->by, &b, "create", NULL, "booked", d);
    if (rc)
        return rc;
    res->id = id;
    memcpy(res->code, t->code, sizeof res->code);
    res->start = slot.start;
    res->end = slot.end;
    res->assistant_id = slot.assistant_id;
    return 0;
}

int mg_booking_book(mg_db *db, int64_t by, const mg_booking_input *in, mg_booking_result *res,
                    mg_booking_errors *errs, mg_diag *d)
{
    mg_booking_errors local_errs = {0};
    if (!errs)
        errs = &local_errs;
    mg_booking_result local_res;
    if (!res)
        res = &local_res;
    memset(res, 0, sizeof *res);
    errs->n = 0;
    if (!db || !in)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_booking_book: no database or input");

    struct book_tx t = {.by = by, .in = in, .public_ = by <= 0, .errs = errs, .res = res};
    t.now_s = now_seconds(in->now_s);
    t.now_min = minute_of(t.now_s);
    mg_diag pd = {{0}};
    t.phone_ok = mg_booking_phone_normalise(in->phone ? in->phone : "", t.phone, &pd) == 0;
    if (t.phone_ok)
        key_of("phone", t.phone, t.phone_key);
    if (in->address)
        key_of("addr", in->address, t.addr_key);
    char canonical[MG_BOOKING_CODE_CHARS + 1];
    int rc = mg_booking_code_new(t.code, d);
    if (rc)
        return rc;
    if (mg_booking_code_normalise(t.code, canonical) != 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_booking_book: a new code does not read");
    mg_booking_code_hash(canonical, t.code_hash);
    memcpy(t.canonical, canonical, sizeof t.canonical);

    rc = mg_db_transaction(db, MG_DB_TX_WRITE, book_body, &t, d);
    if (rc == MG_EINVAL && t.attempted) {
        /* The refused booking's transaction took its attempts with it. */
        struct attempts_tx a = {.keys = {in->address ? t.addr_key : NULL,
                                         t.phone_ok ? t.phone_key : NULL},
                                .now_s = t.now_s};
        mg_diag ad = {{0}};
        if (mg_db_transaction(db, MG_DB_TX_WRITE, attempts_body, &a, &ad) != 0) {
            /* Not counted: the refusal itself stands. */
        }
    }
    sodium_memzero(canonical, sizeof canonical);
    if (rc != 0) {
        int retry = res->retry_after;
        bool gone = res->gone;
        memset(res, 0, sizeof *res);
        res->retry_after = rc == MG_ETHROTTLE ? retry : 0;
        res->gone = rc == MG_EINVAL && gone;
    }
    return rc;
}

/* --- The public's code ----------------------------------------------------------------------- */

struct code_tx {
    const char *code;
    char addr_key[65];
    int64_t now_s;
    bool cancel;
    /* Filled at each run. */
    mg_booking *out;
    int retry_after;
    bool unknown;  /* an unknown code: recorded, then MG_ENOTFOUND */
    char refusal[256]; /* cancel refused: MG_EINVAL with this */
};

static int code_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct code_tx *t = ctx;
    t->retry_after = 0;
    t->unknown = false;
    t->refusal[0] = 0;
    int rc = throttled(c, t->addr_key, t->now_s, &t->retry_after, d);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return throttle_refuse(t->retry_after, d);
    char canonical[MG_BOOKING_CODE_CHARS + 1];
    int64_t id = 0;
    rc = mg_booking_code_normalise(t->code ? t->code : "", canonical) == 0
             ? id_of_code(c, canonical, &id, d)
             : MG_ENOTFOUND;
    if (rc == MG_ENOTFOUND) {
        /* A failed guess: counted, and committed with nothing else. */
        t->unknown = true;
        return record_attempt(c, t->addr_key, t->now_s, d);
    }
    if (rc)
        return rc;
    if ((rc = get_on(c, id, t->out, d)))
        return rc;
    if (!t->cancel)
        return 0;
    if (t->out->state != MG_BOOKING_BOOKED) {
        snprintf(t->refusal, sizeof t->refusal, "Ce rendez-vous n'est plus à venir (%s).",
                 mg_booking_state_label(t->out->state));
        return 0;
    }
    if (t->out->start <= minute_of(t->now_s)) {
        snprintf(t->refusal, sizeof t->refusal,
                 "Ce rendez-vous a déjà commencé : il ne peut plus être annulé en ligne.");
        return 0;
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)))
        return rc;
    rc = mg_db_run(c,
                   "UPDATE bookings SET state = 'cancelled', updated_at = ?2, cancelled_at = ?2 "
                   "WHERE id = ?1",
                   MG_DB_PARAMS(MG_DB_INT(id), MG_DB_TEXT(now)), NULL, d);
    if (rc)
        return rc;
    rc = audit_booking(c, 0, t->out, "cancel", "booked", "cancelled", d);
    if (rc)
        return rc;
    t->out->state = MG_BOOKING_CANCELLED;
    return 0;
}

static int by_code(mg_db *db, const char *code, const char *address, int64_t now_s, bool cancel,
                   mg_booking *out, int *retry_after, mg_diag *d)
{
    mg_booking local;
    if (!out)
        out = &local;
    memset(out, 0, sizeof *out);
    if (retry_after)
        *retry_after = 0;
    struct code_tx t = {.code = code, .now_s = now_seconds(now_s), .cancel = cancel, .out = out};
    key_of("addr", address ? address : "", t.addr_key);
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, code_body, &t, d);
    if (rc == MG_ETHROTTLE && retry_after)
        *retry_after = t.retry_after;
    if (rc == 0 && t.unknown)
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                         "Aucun rendez-vous ne porte ce code : vérifiez-le.");
    else if (rc == 0 && t.refusal[0])
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%s", t.refusal);
    if (rc != 0)
        memset(out, 0, sizeof *out);
    return rc;
}

int mg_booking_find_code(mg_db *db, const char *code, const char *address, int64_t now_s,
                         mg_booking *out, int *retry_after, mg_diag *d)
{
    return by_code(db, code, address, now_s, false, out, retry_after, d);
}

int mg_booking_cancel_code(mg_db *db, const char *code, const char *address, int64_t now_s,
                           mg_booking *out, int *retry_after, mg_diag *d)
{
    return by_code(db, code, address, now_s, true, out, retry_after, d);
}

/* --- States ---------------------------------------------------------------------------------- */

struct state_tx {
    int64_t by, id;
    mg_booking_state to;
    /* Filled at each run. */
    mg_booking_state from;
    bool refused;
};

static int state_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct state_tx *t = ctx;
    t->refused = false;
    mg_booking b;
    int rc = get_on(c, t->id, &b, d);
    if (rc)
        return rc;
    t->from = b.state;
    if (b.state == t->to)
        return 0;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)))
        return rc;
    mg_diag local = {{0}};
    rc = mg_db_run(c,
                   "UPDATE bookings SET state = ?2, updated_at = ?3, cancelled_at = CASE WHEN "
                   "?2 = 'cancelled' THEN ?3 ELSE cancelled_at END WHERE id = ?1",
                   MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(mg_booking_state_key(t->to)),
                                MG_DB_TEXT(now)),
                   NULL, &local);
    if (rc == MG_EINVAL && (mg_db_reason_of(c) == MG_DB_REASON_CHECK ||
                            mg_db_reason_of(c) == MG_DB_REASON_OTHER)) {
        t->refused = true;
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "Un rendez-vous « %s » ne peut pas passer à « %s ».",
                           mg_booking_state_label(b.state), mg_booking_state_label(t->to));
    }
    if (rc)
        return pass_on(rc, &local, d);
    return audit_booking(c, t->by, &b, "state", mg_booking_state_key(b.state),
                         mg_booking_state_key(t->to), d);
}

int mg_booking_set_state(mg_db *db, int64_t by, int64_t id, mg_booking_state to, mg_diag *d)
{
    if ((int)to < 0 || to >= MG_BOOKING_STATES)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "État de rendez-vous inconnu.");
    struct state_tx t = {.by = by, .id = id, .to = to};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, state_body, &t, d);
    if (rc == MG_ENOTFOUND)
        mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "Ce rendez-vous n'existe pas.");
    return rc;
}

/* --- Reading --------------------------------------------------------------------------------- */

struct get_tx {
    int64_t id;
    mg_booking *out;
};

static int get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct get_tx *t = ctx;
    return get_on(c, t->id, t->out, d);
}

int mg_booking_get(mg_db *db, int64_t id, mg_booking *out, mg_diag *d)
{
    struct get_tx t = {.id = id, .out = out};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, get_body, &t, d);
    if (rc == MG_ENOTFOUND)
        mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "Ce rendez-vous n'existe pas.");
    return rc;
}

struct list_tx {
    const mg_booking_filter *f;
    size_t limit;
    /* Filled at each run. */
    mg_booking *v;
    size_t n, total;
};

/* The WHERE of a filter with only the conditions it sets (so that the
 * indexes by site, device or teleconsultant and start serve), its
 * parameters in p (at least 7 slots); returns their number. */
static size_t list_where(const mg_booking_filter *f, char *sql, size_t cap, mg_db_param *p)
{
    size_t n = 0, o = 0;
    o += (size_t)snprintf(sql + o, cap - o, "WHERE b.starts_at >= ?1");
    p[n++] = MG_DB_INT(f->from);
    if (f->to > 0) {
        p[n++] = MG_DB_INT(f->to);
        o += (size_t)snprintf(sql + o, cap - o, " AND b.starts_at < ?%zu", n);
    }
    static const char *const cols[] = {"b.site_id", "b.device_id", "b.teleconsultant_id",
                                       "bs.owner_id"};
    const int64_t vals[] = {f->site_id, f->device_id, f->teleconsultant_id, f->owner_id};
    for (size_t k = 0; k < 4; k++)
        if (vals[k] > 0) {
            p[n++] = MG_DB_INT(vals[k]);
            o += (size_t)snprintf(sql + o, cap - o, " AND %s = ?%zu", cols[k], n);
        }
    if (!f->with_cancelled)
        snprintf(sql + o, cap - o, " AND b.state <> 'cancelled'");
    return n;
}

static int list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    const mg_booking_filter *f = t->f;
    t->n = 0;
    t->total = 0;
    char where[512], sql[2048];
    mg_db_param p[9];
    size_t np = list_where(f, where, sizeof where, p);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) " BOOKING_FROM "%s", where);
    int64_t total = 0;
    int rc = mg_db_query_int(c, sql, p, np, &total, d);
    if (rc)
        return rc;
    t->total = (size_t)total;
    enum phone_mode pm = f->with_phone        ? PHONE_ALL
                         : f->phone_if_shared ? PHONE_IF_SHARED
                                              : PHONE_NONE;
    p[np] = MG_DB_INT((int64_t)t->limit);
    p[np + 1] = MG_DB_INT((int64_t)f->offset);
    snprintf(sql, sizeof sql,
             "SELECT " BOOKING_COLUMNS BOOKING_FROM "%s ORDER BY b.starts_at, b.id "
             "LIMIT ?%zu OFFSET ?%zu",
             where, np + 1, np + 2);
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(c, sql, p, np + 2, &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n < t->limit)
            read_booking(q, &t->v[t->n++], pm);
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_booking_list(mg_db *db, const mg_booking_filter *f, mg_booking **out, size_t *n,
                    size_t *total, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    if (total)
        *total = 0;
    mg_booking_filter none = {0};
    if (!f)
        f = &none;
    size_t limit = f->limit == 0 || f->limit > MG_BOOKING_PAGE_MAX ? MG_BOOKING_PAGE_MAX
                                                                   : f->limit;
    struct list_tx t = {.f = f, .limit = limit};
    t.v = calloc(limit, sizeof *t.v);
    if (!t.v)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc) {
        free(t.v);
        return rc;
    }
    *out = t.v;
    *n = t.n;
    if (total)
        *total = t.total;
    return 0;
}

/* --- Maintenance blocks ---------------------------------------------------------------------- */

struct block_tx {
    int64_t by, device_id, from, to;
    const char *label;
    mg_booking_errors *errs;
    /* Filled at each run. */
    int64_t exception_id;
    mg_booking *v;
    size_t n;
};

static int block_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct block_tx *t = ctx;
    t->errs->n = 0;
    t->exception_id = 0;
    free(t->v);
    t->v = NULL;
    t->n = 0;
    int64_t site_id = 0;
    int rc = mg_db_query_int(c, "SELECT site_id FROM booking_devices WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->device_id)), &site_id, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "Cet équipement n'existe pas.");
    if (rc)
        return rc;
    if (t->to <= t->from)
        mg_booking_errors_add(t->errs, "to", "La fin doit suivre le début.");
    else if (t->to - t->from > 527040)
        mg_booking_errors_add(t->errs, "to", "Une maintenance dure au plus un an.");
    const char *label = t->label ? t->label : "";
    size_t chars = 0, len = strlen(label);
    if (mg_utf8_check(label, len, &chars) != len || chars > MG_BOOKING_LABEL_MAX_CHARS)
        mg_booking_errors_add(t->errs, "label", "Un libellé de %d caractères au plus.",
                              MG_BOOKING_LABEL_MAX_CHARS);
    if (t->errs->n > 0)
        return mg_booking_refuse(t->errs, d);

    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)))
        return rc;
    rc = mg_db_query_int(c,
                         "INSERT INTO booking_exceptions (resource, resource_id, starts_at, "
                         "ends_at, is_open, reason, label, created_by, created_at) VALUES "
                         "('device', ?1, ?2, ?3, 0, 'maintenance', ?4, ?5, ?6) RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->device_id), MG_DB_INT(t->from),
                                      MG_DB_INT(t->to), MG_DB_TEXT(label),
                                      t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL, MG_DB_TEXT(now)),
                         &t->exception_id, d);
    if (rc)
        return rc;
    char device[24], from[24], to[24];
    snprintf(device, sizeof device, "%" PRId64, t->device_id);
    snprintf(from, sizeof from, "%" PRId64, t->from);
    snprintf(to, sizeof to, "%" PRId64, t->to);
    mg_audit_change ch[] = {
        {.field = "resource", .after = "device"},   {.field = "resource_id", .after = device},
        {.field = "starts_at", .after = from},      {.field = "ends_at", .after = to},
        {.field = "reason", .after = "maintenance"}, {.field = "label", .after = label},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = site_id,
                        .object_type = "booking_exception", .object_id = t->exception_id,
                        .verb = "create", .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
    if ((rc = mg_audit_append(c, &e, NULL, d)))
        return rc;

    /* The bookings it hits, still booked, with their phone numbers. */
    mg_db_stmt *q = NULL;
    size_t cap = 0;
    rc = mg_db_prepare_with(c,
                            "SELECT " BOOKING_COLUMNS BOOKING_FROM
                            "WHERE b.device_id = ?1 AND b.state = 'booked' AND b.starts_at < ?3 "
                            "AND b.ends_at > ?2 ORDER BY b.starts_at, b.id",
                            MG_DB_PARAMS(MG_DB_INT(t->device_id), MG_DB_INT(t->from),
                                         MG_DB_INT(t->to)),
                            &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            mg_booking *nv = realloc(t->v, ncap * sizeof *nv);
            if (!nv) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            t->v = nv;
            cap = ncap;
        }
        read_booking(q, &t->v[t->n++], PHONE_ALL);
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_booking_block(mg_db *db, int64_t by, int64_t device_id, int64_t from, int64_t to,
                     const char *label, int64_t *exception_id, mg_booking **affected,
                     size_t *naffected, mg_booking_errors *errs, mg_diag *d)
{
    mg_booking_errors local_errs = {0};
    if (!errs)
        errs = &local_errs;
    errs->n = 0;
    if (exception_id)
        *exception_id = 0;
    if (affected)
        *affected = NULL;
    if (naffected)
        *naffected = 0;
    struct block_tx t = {.by = by, .device_id = device_id, .from = from, .to = to,
                         .label = label, .errs = errs};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, block_body, &t, d);
    if (rc) {
        free(t.v);
        return rc;
    }
    if (exception_id)
        *exception_id = t.exception_id;
    if (affected) {
        *affected = t.v;
        t.v = NULL;
    }
    if (naffected)
        *naffected = t.n;
    free(t.v);
    return 0;
}

/* --- Purging personal fields (docs/privacy.md) -------------------------------------------------- */

enum { PURGE_BATCH = 200 };

struct purge_tx {
    int64_t now_min;
    int64_t purged; /* this run's batch */
    bool more;      /* a full batch: run again */
};

/* One batch: the bookings over for MG_BOOKING_KEEP_DAYS lose their person,
 * phone and code, each with its audit entry (the fields named, no values). */
static int purge_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct purge_tx *t = ctx;
    t->purged = 0;
    t->more = false;
    int64_t before = t->now_min - (int64_t)MG_BOOKING_KEEP_DAYS * 24 * 60;
    int64_t ids[PURGE_BATCH], sites[PURGE_BATCH];
    size_t n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT id, site_id FROM bookings WHERE purged_at IS NULL "
                                "AND ends_at < ?1 ORDER BY id LIMIT ?2",
                                MG_DB_PARAMS(MG_DB_INT(before), MG_DB_INT(PURGE_BATCH)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW && n < PURGE_BATCH) {
        ids[n] = mg_db_column_int64(q, 0);
        sites[n] = mg_db_column_int64(q, 1);
        n++;
        rc = 0;
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)))
        return rc;
    static const mg_audit_change removed[] = {
        {.field = "person", .personal = true},
        {.field = "phone", .personal = true},
        {.field = "code", .personal = true},
    };
    mg_audit_entry e[PURGE_BATCH];
    for (size_t k = 0; k < n; k++) {
        rc = mg_db_run(c,
                       "UPDATE bookings SET person = NULL, phone = NULL, code = NULL, "
                       "purged_at = ?2 WHERE id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(ids[k]), MG_DB_TEXT(now)), NULL, d);
        if (rc)
            return rc;
        e[k] = (mg_audit_entry){.organisation_id = sites[k], .object_type = "booking",
                                .object_id = ids[k], .verb = "purge", .changes = removed,
                                .nchanges = sizeof removed / sizeof removed[0]};
    }
    /* Holds of bookings over and attempts past the throttling window. */
    rc = mg_db_run(c, "DELETE FROM booking_holds WHERE ends_at <= ?1",
                   MG_DB_PARAMS(MG_DB_INT(t->now_min)), NULL, d);
    if (rc == 0)
        rc = mg_db_run(c, "DELETE FROM booking_attempts WHERE at <= ?1",
                       MG_DB_PARAMS(MG_DB_INT(t->now_min * 60 - MG_BOOKING_ATTEMPT_WINDOW_S)),
                       NULL, d);
    if (rc == 0 && n > 0)
        rc = mg_audit_append_many(c, e, n, NULL, d);
    if (rc)
        return rc;
    t->purged = (int64_t)n;
    t->more = n == PURGE_BATCH;
    return 0;
}

int mg_booking_purge(mg_db *db, int64_t now_min, int64_t *purged, mg_diag *d)
{
    if (purged)
        *purged = 0;
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_booking_purge: no database");
    struct purge_tx t = {.now_min = now_min};
    do {
        int rc = mg_db_transaction(db, MG_DB_TX_WRITE, purge_body, &t, d);
        if (rc)
            return rc;
        if (purged)
            *purged += t.purged;
    } while (t.more);
    return 0;
}
