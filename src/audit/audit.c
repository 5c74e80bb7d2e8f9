/*
 * The audit trail: checks of what callers describe, the canonical form and
 * its hash, the append at the chain's single point (audit_head), and the
 * readers (history, verification, export). The statements below are the
 * only SQL about audit entries.
 */
#include "audit/audit.h"

#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/utf8.h"

enum { HASH_BYTES = 32, HEX_LEN = 64 };

/* Domain separation: the first field of every canonical form, so that the
 * bytes of an entry can never be read as those of another structure, and
 * so that a later form (v2) hashes differently. */
static const char CANON_TAG[] = "maillage.audit.v1";

static const char ZERO_HASH[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* Rows read per query by verify and export: both walk the chain in pages
 * keyed by position, inside one read transaction, so that a long chain is
 * never held in memory at once (the PostgreSQL driver reads a whole result
 * at the first step). */
enum { BATCH = 512 };

/* --- The SQL ------------------------------------------------------------ */

/* n positions at once: the last one, and the hash of the one before the first. */
static const char SQL_TAKE_HEAD_N[] =
    "UPDATE audit_head SET seq = seq + ?1 WHERE id = 1 RETURNING seq, hash";
static const char SQL_SET_HEAD[] = "UPDATE audit_head SET hash = ?1 WHERE id = 1";
static const char SQL_READ_HEAD[] = "SELECT seq, hash FROM audit_head WHERE id = 1";
static const char SQL_INSERT[] =
    "INSERT INTO audit_entries (seq, created_at, account_id, organisation_id, object_type, "
    "object_id, verb, changes_json, prev_hash, hash) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id";
/* Columns in the order read_row expects. */
#define COLUMNS                                                                        \
    "id, seq, created_at, account_id, organisation_id, object_type, object_id, verb, " \
    "changes_json, prev_hash, hash"
/* An object's entries, and (?3 not NULL) the entries of type ?3 recorded
 * on behalf of organisation ?2: an organisation's memberships. */
static const char SQL_HISTORY[] =
    "SELECT " COLUMNS " FROM audit_entries WHERE (object_type = ?1 AND object_id = ?2) "
    "OR (object_type = ?3 AND organisation_id = ?2) ORDER BY seq DESC LIMIT ?4 OFFSET ?5";
static const char SQL_HISTORY_COUNT[] =
    "SELECT count(*) FROM audit_entries WHERE (object_type = ?1 AND object_id = ?2) "
    "OR (object_type = ?3 AND organisation_id = ?2)";
static const char SQL_WALK[] =
    "SELECT " COLUMNS " FROM audit_entries WHERE seq > ?1 ORDER BY seq LIMIT ?2";
static const char SQL_BY_HASH[] = "SELECT id FROM audit_entries WHERE hash = ?1";

/* --- Checks ------------------------------------------------------------- */

/* An identifier: 1 to MG_AUDIT_NAME_MAX_BYTES of [a-z0-9_.]. */
static int check_name(const char *what, const char *s, mg_diag *d)
{
    if (!s || !s[0])
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "audit entry: %s is missing", what);
    size_t n = strlen(s);
    if (n > MG_AUDIT_NAME_MAX_BYTES)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                           "audit entry: %s has %zu bytes; at most %u are accepted", what, n,
                           MG_AUDIT_NAME_MAX_BYTES);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "audit entry: %s \"%.64s\": byte %zu is not one of a-z 0-9 _ .",
                               what, s, i + 1);
    }
    return 0;
}

static int check_value(const char *field, const char *v, mg_diag *d)
{
    if (!v)
        return 0;
    size_t n = strlen(v);
    if (n > MG_AUDIT_VALUE_MAX_BYTES)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                           "audit entry: the value of %s has %zu bytes; at most %u are accepted",
                           field, n, MG_AUDIT_VALUE_MAX_BYTES);
    size_t bad = mg_utf8_check(v, n, NULL);
    if (bad != n)
        return mg_diag_set(d, MG_EUTF8, NULL, 0, 0,
                           "audit entry: the value of %s is not UTF-8 (byte %zu)", field,
                           bad + 1);
    return 0;
}

static int by_field(const void *a, const void *b)
{
    const mg_audit_change *x = *(const mg_audit_change *const *)a;
    const mg_audit_change *y = *(const mg_audit_change *const *)b;
    return strcmp(x->field, y->field);
}

/* Checks e and gives its changes sorted by field, personal values dropped,
 * in a new array *sorted (the caller frees it). */
static int check_entry(const mg_audit_entry *e, mg_audit_change **sorted, mg_diag *d)
{
    *sorted = NULL;
    if (e->account_id < 0 || e->organisation_id < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "audit entry: account %" PRId64 " or organisation %" PRId64
                           " is negative",
                           e->account_id, e->organisation_id);
    if (e->object_id <= 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "audit entry: object id %" PRId64 " is not positive", e->object_id);
    int rc = check_name("object_type", e->object_type, d);
    if (rc == 0)
        rc = check_name("verb", e->verb, d);
    if (rc)
        return rc;
    if (e->nchanges && !e->changes)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "audit entry: changes is NULL");
    if (e->nchanges > MG_AUDIT_CHANGES_MAX)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                           "audit entry: %zu changed fields; at most %u are accepted",
                           e->nchanges, MG_AUDIT_CHANGES_MAX);
    for (size_t i = 0; i < e->nchanges; i++) {
        const mg_audit_change *ch = &e->changes[i];
        rc = check_name("field", ch->field, d);
        if (rc == 0 && !ch->personal)
            rc = check_value(ch->field, ch->before, d);
        if (rc == 0 && !ch->personal)
            rc = check_value(ch->field, ch->after, d);
        if (rc)
            return rc;
    }
    if (e->nchanges == 0)
        return 0;

    const mg_audit_change **order = mg_alloc_array(e->nchanges, sizeof *order);
    mg_audit_change *out = mg_alloc_array(e->nchanges, sizeof *out);
    if (!order || !out) {
        free(order);
        free(out);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory for an audit entry");
    }
    for (size_t i = 0; i < e->nchanges; i++)
        order[i] = &e->changes[i];
    qsort(order, e->nchanges, sizeof *order, by_field);
    for (size_t i = 0; i < e->nchanges; i++) {
        if (i > 0 && strcmp(order[i - 1]->field, order[i]->field) == 0) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "audit entry: field %s is given twice",
                             order[i]->field);
            break;
        }
        out[i] = *order[i];
        if (out[i].personal)
            out[i].before = out[i].after = NULL;
    }
    free(order);
    if (rc) {
        free(out);
        return rc;
    }
    *sorted = out;
    return 0;
}

/* --- The canonical form and its hash ------------------------------------ */

static void put_u64(crypto_generichash_state *h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (56 - 8 * i));
    crypto_generichash_update(h, b, sizeof b);
}

/* Signed values as their two's complement bits (defined by the cast). */
static void put_i64(crypto_generichash_state *h, int64_t v)
{
    put_u64(h, (uint64_t)v);
}

static void put_str(crypto_generichash_state *h, const char *s)
{
    size_t n = strlen(s);
    put_u64(h, (uint64_t)n);
    crypto_generichash_update(h, (const unsigned char *)s, n);
}

/* A value that may be absent: one byte 0, or 1 and the string. */
static void put_opt(crypto_generichash_state *h, const char *s)
{
    unsigned char tag = s ? 1 : 0;
    crypto_generichash_update(h, &tag, 1);
    if (s)
        put_str(h, s);
}

/* 64 lowercase hex digits into 32 bytes; -1 for anything else. */
static int hex_decode(const char *hex, unsigned char out[HASH_BYTES])
{
    if (!hex || strlen(hex) != HEX_LEN)
        return -1;
    for (size_t i = 0; i < HEX_LEN; i++) {
        char c = hex[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
    }
    size_t n = 0;
    if (sodium_hex2bin(out, HASH_BYTES, hex, HEX_LEN, NULL, &n, NULL) != 0 || n != HASH_BYTES)
        return -1;
    return 0;
}

static int sodium_ready(mg_diag *d)
{
    /* Thread-safe, and cheap once done; it picks the fastest BLAKE2b. */
    if (sodium_init() < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "libsodium cannot be initialised");
    return 0;
}

int mg_audit_hash(const char *prev_hash_hex, int64_t seq, const char *created_at,
                  int64_t account_id, int64_t organisation_id, const char *object_type,
                  int64_t object_id, const char *verb, const mg_audit_change *changes,
                  size_t nchanges, char hex_out[static 65])
{
    unsigned char prev[HASH_BYTES], out[HASH_BYTES];
    hex_out[0] = '\0';
    if (hex_decode(prev_hash_hex, prev) != 0 || !created_at || !object_type || !verb ||
        (nchanges && !changes) || sodium_init() < 0)
        return MG_EINVAL;
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, HASH_BYTES);
    crypto_generichash_update(&h, prev, sizeof prev);
    put_str(&h, CANON_TAG);
    put_i64(&h, seq);
    put_str(&h, created_at);
    put_i64(&h, account_id);
    put_i64(&h, organisation_id);
    put_str(&h, object_type);
    put_i64(&h, object_id);
    put_str(&h, verb);
    put_u64(&h, (uint64_t)nchanges);
    for (size_t i = 0; i < nchanges; i++) {
        const mg_audit_change *c = &changes[i];
        if (!c->field)
            return MG_EINVAL;
        put_str(&h, c->field);
        unsigned char personal = c->personal ? 1 : 0;
        crypto_generichash_update(&h, &personal, 1);
        put_opt(&h, c->personal ? NULL : c->before);
        put_opt(&h, c->personal ? NULL : c->after);
    }
    crypto_generichash_final(&h, out, sizeof out);
    sodium_bin2hex(hex_out, 65, out, sizeof out);
    return 0;
}

/* --- changes_json ------------------------------------------------------- */

/* The stored form of the changes: a JSON array in field order, of
 * {"field":F,"before":B,"after":A} (B, A strings or null) or, for a
 * personal field, {"field":F,"personal":true,"changed":true}. The export
 * shows it as it is. */
static json_t *changes_to_jsont(const mg_audit_change *ch, size_t n)
{
    json_t *a = json_array();
    int bad = !a;
    for (size_t i = 0; i < n && !bad; i++) {
        json_t *o = json_object();
        bad = !o || json_array_append_new(a, o) != 0;
        if (bad)
            break;
        bad |= json_object_set_new(o, "field", json_string(ch[i].field)) != 0;
        if (ch[i].personal) {
            bad |= json_object_set_new(o, "personal", json_true()) != 0;
            bad |= json_object_set_new(o, "changed", json_true()) != 0;
        } else {
            bad |= json_object_set_new(o, "before", ch[i].before ? json_string(ch[i].before)
                                                                 : json_null()) != 0;
            bad |= json_object_set_new(o, "after", ch[i].after ? json_string(ch[i].after)
                                                               : json_null()) != 0;
        }
    }
    if (bad) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static char *changes_to_json(const mg_audit_change *ch, size_t n)
{
    json_t *a = changes_to_jsont(ch, n);
    char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return s;
}

static void changes_free(mg_audit_change *ch, size_t n)
{
    if (!ch)
        return;
    /* The strings of a record's changes are its own (see audit.h). */
    for (size_t i = 0; i < n; i++) {
        free((void *)ch[i].field);
        free((void *)ch[i].before);
        free((void *)ch[i].after);
    }
    free(ch);
}

/* A string member, or NULL; *ok cleared when present but not a string or
 * null. */
static const char *member_text(json_t *o, const char *key, int *ok)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *ok = 0;
        return NULL;
    }
    return json_string_value(v);
}

/*
 * Reads a stored changes_json back into a new array, in its stored order.
 * Returns 0, MG_EPARSE when the text is not what changes_to_json writes
 * (which verify reports as an altered entry), or MG_ENOMEM.
 */
static int changes_from_json(const char *text, mg_audit_change **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    json_error_t err;
    json_t *a = text ? json_loads(text, JSON_REJECT_DUPLICATES, &err) : NULL;
    if (!a || !json_is_array(a) || json_array_size(a) > MG_AUDIT_CHANGES_MAX) {
        json_decref(a);
        return MG_EPARSE;
    }
    size_t count = json_array_size(a);
    mg_audit_change *ch = count ? mg_alloc_array(count, sizeof *ch) : NULL;
    if (count && !ch) {
        json_decref(a);
        return MG_ENOMEM;
    }
    int rc = 0;
    size_t i;
    for (i = 0; i < count && rc == 0; i++) {
        json_t *o = json_array_get(a, i);
        int ok = json_is_object(o);
        const char *field = ok ? member_text(o, "field", &ok) : NULL;
        json_t *personal = ok ? json_object_get(o, "personal") : NULL;
        const char *before = NULL, *after = NULL;
        if (!field) {
            ok = 0;
        } else if (personal) {
            ok = json_is_true(personal) && json_is_true(json_object_get(o, "changed")) &&
                 json_object_size(o) == 3;
        } else {
            ok = ok && json_object_get(o, "before") && json_object_get(o, "after") &&
                 json_object_size(o) == 3;
            before = ok ? member_text(o, "before", &ok) : NULL;
            after = ok ? member_text(o, "after", &ok) : NULL;
        }
        if (!ok) {
            rc = MG_EPARSE;
            break;
        }
        ch[i].personal = personal != NULL;
        ch[i].field = mg_strdup(field);
        ch[i].before = before ? mg_strdup(before) : NULL;
        ch[i].after = after ? mg_strdup(after) : NULL;
        if (!ch[i].field || (before && !ch[i].before) || (after && !ch[i].after))
            rc = MG_ENOMEM;
    }
    json_decref(a);
    if (rc) {
        changes_free(ch, count);
        return rc;
    }
    *out = ch;
    *n = count;
    return 0;
}

/* --- Append ------------------------------------------------------------- */

/* Now as ISO 8601 UTC with milliseconds: "2024-05-01T12:34:56.789Z". */
static int now_iso8601_ms(char buf[static 25], mg_diag *d)
{
    struct timespec ts;
    struct tm tm;
    char secs[20];
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || !gmtime_r(&ts.tv_sec, &tm) ||
        strftime(secs, sizeof secs, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot read the clock");
    unsigned ms = (unsigned)(ts.tv_nsec / 1000000L) % 1000u;
    snprintf(buf, 25, "%.19s.%03uZ", secs, ms);
    return 0;
}

/* Runs a statement expected to give one row, keeping it on that row. */
static int step_row(mg_db_stmt *q, const char *what, mg_diag *d)
{
    int rc = mg_db_step(q, d);
    if (rc == MG_DB_DONE)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "audit: %s gave no row", what);
    return rc == MG_DB_ROW ? 0 : rc;
}

/* Runs a statement to its end. */
static int step_done(mg_db_stmt *q, mg_diag *d)
{
    int rc;
    while ((rc = mg_db_step(q, d)) == MG_DB_ROW)
        ;
    return rc;
}

static int bind_id_or_null(mg_db_stmt *q, int i, int64_t v)
{
    return v > 0 ? mg_db_bind_int64(q, i, v) : mg_db_bind_null(q, i);
}

int mg_audit_append(mg_db_conn *c, const mg_audit_entry *e, int64_t *seq_out, mg_diag *d)
{
    return mg_audit_append_many(c, e, e ? 1 : 0, seq_out, d);
}

/* One entry at position seq after prev: hashed, inserted; its hash in
 * hash_out. */
static int append_one(mg_db_conn *c, mg_db_stmt *ins, const mg_audit_entry *e, int64_t seq,
                      const char *prev, char hash_out[HEX_LEN + 1], mg_diag *d)
{
    mg_audit_change *sorted = NULL;
    int rc = check_entry(e, &sorted, d);
    if (rc)
        return rc;
    char *changes_json = changes_to_json(sorted, e->nchanges);
    if (!changes_json) {
        free(sorted);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory for an audit entry");
    }
    /* The time is read once the position is ours, so that times follow
     * positions (as far as the clocks of the servers agree). */
    char stamp[25];
    rc = now_iso8601_ms(stamp, d);
    if (rc == 0 &&
        mg_audit_hash(prev, seq, stamp, e->account_id, e->organisation_id, e->object_type,
                      e->object_id, e->verb, sorted, e->nchanges, hash_out) != 0)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                         "audit_head holds \"%.64s\", not a hash: the chain cannot go on", prev);
    if (rc == 0) {
        mg_db_reset(ins);
        int b = mg_db_bind_int64(ins, 1, seq);
        b |= mg_db_bind_text(ins, 2, stamp);
        b |= bind_id_or_null(ins, 3, e->account_id);
        b |= bind_id_or_null(ins, 4, e->organisation_id);
        b |= mg_db_bind_text(ins, 5, e->object_type);
        b |= mg_db_bind_int64(ins, 6, e->object_id);
        b |= mg_db_bind_text(ins, 7, e->verb);
        b |= mg_db_bind_text(ins, 8, changes_json);
        b |= mg_db_bind_text(ins, 9, prev);
        b |= mg_db_bind_text(ins, 10, hash_out);
        if (b)
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory binding an audit entry");
    }
    if (rc == 0)
        rc = step_row(ins, "inserting an audit entry", d);
    if (rc == 0)
        rc = step_done(ins, d);
    (void)c;
    free(changes_json);
    free(sorted);
    return rc;
}

int mg_audit_append_many(mg_db_conn *c, const mg_audit_entry *e, size_t n, int64_t *seq_out,
                         mg_diag *d)
{
    if (seq_out)
        *seq_out = 0;
    if (!c || (!e && n))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_audit_append: no connection or entry");
    if (n == 0)
        return 0;
    if (n > (size_t)INT32_MAX)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0, "mg_audit_append_many: %zu entries", n);
    int rc = sodium_ready(d);
    if (rc)
        return rc;

    /* The single point: this UPDATE takes the head row's lock, held until
     * the transaction ends, and reserves n positions at once; whoever
     * holds it owns them. */
    mg_db_stmt *q = NULL;
    int64_t last = 0;
    char prev[HEX_LEN + 1] = "", hash[HEX_LEN + 1] = "";
    rc = mg_db_prepare(c, SQL_TAKE_HEAD_N, &q, d);
    if (rc == 0 && mg_db_bind_int64(q, 1, (int64_t)n))
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory binding an audit entry");
    if (rc == 0)
        rc = step_row(q, "audit_head", d);
    if (rc == 0) {
        last = mg_db_column_int64(q, 0);
        const char *h = mg_db_column_text(q, 1);
        snprintf(prev, sizeof prev, "%s", h ? h : "");
        rc = step_done(q, d);
    }
    mg_db_finalize(q);
    q = NULL;

    /* Each entry chains on the one before, in the order given. */
    int64_t first = last - (int64_t)n + 1;
    if (rc == 0)
        rc = mg_db_prepare(c, SQL_INSERT, &q, d);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        rc = append_one(c, q, &e[k], first + (int64_t)k, prev, hash, d);
        if (rc == 0)
            memcpy(prev, hash, sizeof prev);
    }
    mg_db_finalize(q);
    q = NULL;

    /* The head moves once, to the last entry's hash. */
    if (rc == 0)
        rc = mg_db_prepare(c, SQL_SET_HEAD, &q, d);
    if (rc == 0 && mg_db_bind_text(q, 1, hash))
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory binding an audit entry");
    if (rc == 0)
        rc = step_done(q, d);
    mg_db_finalize(q);
    if (rc == 0 && seq_out)
        *seq_out = first;
    return rc;
}

/* --- Reading rows ------------------------------------------------------- */

static void record_clear(mg_audit_record *r)
{
    free(r->object_type);
    free(r->verb);
    changes_free(r->changes, r->nchanges);
    memset(r, 0, sizeof *r);
}

void mg_audit_records_free(mg_audit_record *r, size_t n)
{
    if (!r)
        return;
    for (size_t i = 0; i < n; i++)
        record_clear(&r[i]);
    free(r);
}

static void copy_fixed(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/*
 * Fills *r from the current row of a COLUMNS query. MG_EPARSE when its
 * changes_json is not what the append writes (a damaged entry); the
 * record is then filled except for its changes.
 */
static int read_row(const mg_db_stmt *q, mg_audit_record *r)
{
    memset(r, 0, sizeof *r);
    r->id = mg_db_column_int64(q, 0);
    r->seq = mg_db_column_int64(q, 1);
    copy_fixed(r->created_at, sizeof r->created_at, mg_db_column_text(q, 2));
    r->account_id = mg_db_column_int64(q, 3);
    r->organisation_id = mg_db_column_int64(q, 4);
    const char *ot = mg_db_column_text(q, 5), *verb = mg_db_column_text(q, 7);
    r->object_type = mg_strdup(ot ? ot : "");
    r->object_id = mg_db_column_int64(q, 6);
    r->verb = mg_strdup(verb ? verb : "");
    copy_fixed(r->prev_hash, sizeof r->prev_hash, mg_db_column_text(q, 9));
    copy_fixed(r->hash, sizeof r->hash, mg_db_column_text(q, 10));
    if (!r->object_type || !r->verb)
        return MG_ENOMEM;
    return changes_from_json(mg_db_column_text(q, 8), &r->changes, &r->nchanges);
}

/* The hash the stored parts of r give. */
static int recompute(const mg_audit_record *r, char hex[static 65])
{
    return mg_audit_hash(r->prev_hash, r->seq, r->created_at, r->account_id,
                         r->organisation_id, r->object_type, r->object_id, r->verb, r->changes,
                         r->nchanges, hex);
}

/* --- History ------------------------------------------------------------ */

struct history_tx {
    const char *object_type;
    int64_t object_id;
    const char *members_type; /* NULL: the object's entries only */
    size_t offset, limit;
    mg_audit_record *rows;
    size_t n, total;
};

static int history_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct history_tx *t = ctx;
    mg_audit_records_free(t->rows, t->n);
    t->rows = NULL;
    t->n = t->total = 0;

    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare(c, SQL_HISTORY_COUNT, &q, d);
    if (rc == 0 && (mg_db_bind_text(q, 1, t->object_type) || mg_db_bind_int64(q, 2, t->object_id) ||
                    mg_db_bind_text(q, 3, t->members_type)))
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory binding a query");
    if (rc == 0)
        rc = step_row(q, "counting audit entries", d);
    if (rc == 0) {
        int64_t total = mg_db_column_int64(q, 0);
        t->total = total > 0 ? (size_t)total : 0;
    }
    mg_db_finalize(q);
    q = NULL;
    if (rc)
        return rc;

    t->rows = mg_alloc_array(t->limit, sizeof *t->rows);
    if (!t->rows)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory reading audit entries");
    rc = mg_db_prepare(c, SQL_HISTORY, &q, d);
    if (rc == 0 && (mg_db_bind_text(q, 1, t->object_type) ||
                    mg_db_bind_int64(q, 2, t->object_id) ||
                    mg_db_bind_text(q, 3, t->members_type) ||
                    mg_db_bind_int64(q, 4, (int64_t)t->limit) ||
                    mg_db_bind_int64(q, 5, (int64_t)t->offset)))
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory binding a query");
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->limit) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "audit history: more rows than LIMIT");
            break;
        }
        mg_audit_record *r = &t->rows[t->n++];
        int prc = read_row(q, r);
        if (prc == MG_ENOMEM)
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory reading audit entries");
        else if (prc)
            rc = mg_diag_set(d, MG_EPARSE, NULL, 0, 0,
                             "audit entry %" PRId64 " (id %" PRId64
                             ") is damaged: its changes cannot be read (maillage audit verify)",
                             r->seq, r->id);
    }
    if (rc == MG_DB_DONE)
        rc = 0;
    mg_db_finalize(q);
    return rc;
}

int mg_audit_history(mg_db *db, const char *object_type, int64_t object_id, size_t offset,
                     size_t limit, mg_audit_record **out, size_t *n, size_t *total, mg_diag *d)
{
    return mg_audit_history_with(db, object_type, object_id, NULL, offset, limit, out, n, total,
                                 d);
}

int mg_audit_history_with(mg_db *db, const char *object_type, int64_t object_id,
                          const char *members_type, size_t offset, size_t limit,
                          mg_audit_record **out, size_t *n, size_t *total, mg_diag *d)
{
    if (out)
        *out = NULL;
    if (n)
        *n = 0;
    if (total)
        *total = 0;
    if (!db || !out || !n || !total)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_audit_history: NULL argument");
    int rc = check_name("object_type", object_type, d);
    if (rc == 0 && members_type)
        rc = check_name("members_type", members_type, d);
    if (rc)
        return rc;
    if (limit < 1 || limit > MG_AUDIT_PAGE_MAX || offset > (size_t)INT64_MAX)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "audit history: a page holds 1 to %u entries (asked %zu)",
                           MG_AUDIT_PAGE_MAX, limit);
    struct history_tx t = {.object_type = object_type, .object_id = object_id,
                           .members_type = members_type, .offset = offset, .limit = limit};
    rc = mg_db_transaction(db, MG_DB_TX_READ, history_body, &t, d);
    if (rc) {
        mg_audit_records_free(t.rows, t.n);
        return rc;
    }
    *out = t.rows;
    *n = t.n;
    *total = t.total;
    return 0;
}

/* --- Walking the chain -------------------------------------------------- */

/* Called for each entry in position order; returns 0 to go on, 1 to stop,
 * or an MG_E… code. prc is read_row's result for it. */
typedef int (*walk_fn)(mg_db_conn *c, const mg_audit_record *r, int prc, void *ctx,
                       mg_diag *d);

/* Reads the whole chain in position order, BATCH rows per query. */
static int walk(mg_db_conn *c, walk_fn fn, void *ctx, mg_diag *d)
{
    int64_t after = INT64_MIN;
    for (;;) {
        mg_db_stmt *q = NULL;
        int rc = mg_db_prepare(c, SQL_WALK, &q, d);
        if (rc == 0 && (mg_db_bind_int64(q, 1, after) || mg_db_bind_int64(q, 2, BATCH)))
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory binding a query");
        size_t rows = 0;
        int stop = 0;
        while (rc == 0 && !stop && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
            mg_audit_record r;
            int prc = read_row(q, &r);
            if (prc == MG_ENOMEM) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory reading audit entries");
            } else {
                rows++;
                after = r.seq;
                rc = fn(c, &r, prc, ctx, d);
                if (rc == 1) {
                    stop = 1;
                    rc = 0;
                }
            }
            record_clear(&r);
        }
        if (rc == MG_DB_DONE)
            rc = 0;
        mg_db_finalize(q);
        if (rc || stop || rows < BATCH)
            return rc;
    }
}

/* --- Verify ------------------------------------------------------------- */

struct verify_tx {
    mg_audit_verdict *v;
    int64_t head_seq;
    char head_hash[HEX_LEN + 1];
    int64_t last_seq; /* of the entry before, 0 before the first */
    int64_t last_id;
    char last_hash[HEX_LEN + 1];
};

static int verify_found(struct verify_tx *t, mg_audit_problem p, int64_t seq, int64_t id,
                        int64_t other_id)
{
    t->v->problem = p;
    t->v->seq = seq;
    t->v->id = id;
    t->v->other_id = other_id;
    return 1;
}

/* The id of the entry whose hash is `hash` into *id (0: none). */
static int entry_by_hash(mg_db_conn *c, const char *hash, int64_t *id, mg_diag *d)
{
    *id = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare(c, SQL_BY_HASH, &q, d);
    if (rc == 0 && mg_db_bind_text(q, 1, hash))
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory binding a query");
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        *id = mg_db_column_int64(q, 0);
        rc = 0;
    }
    mg_db_finalize(q);
    return rc;
}

/*
 * One entry, in position order. In this order, so that each tampering is
 * named by what it did: a position missing (removed); a prev_hash that is
 * not the hash of the entry before (reordered when it names another entry
 * or the start of the chain, broken when it names nothing); a content that
 * does not give the stored hash (altered).
 */
static int verify_entry(mg_db_conn *c, const mg_audit_record *r, int prc, void *ctx,
                        mg_diag *d)
{
    struct verify_tx *t = ctx;
    int64_t expected = t->last_seq + 1;
    if (r->seq > expected)
        return verify_found(t, MG_AUDIT_REMOVED, expected, r->id, 0);
    if (r->seq < expected) /* only a first entry at a position below 1 */
        return verify_found(t, MG_AUDIT_REORDERED, r->seq, r->id, 0);
    const char *want = t->last_seq ? t->last_hash : ZERO_HASH;
    if (strcmp(r->prev_hash, want) != 0) {
        if (strcmp(r->prev_hash, ZERO_HASH) == 0)
            return verify_found(t, MG_AUDIT_REORDERED, r->seq, r->id, 0);
        int64_t other = 0;
        int rc = entry_by_hash(c, r->prev_hash, &other, d);
        if (rc)
            return rc;
        return verify_found(t, other ? MG_AUDIT_REORDERED : MG_AUDIT_BROKEN, r->seq, r->id,
                            other);
    }
    char hex[HEX_LEN + 1];
    if (prc != 0 || recompute(r, hex) != 0 || strcmp(hex, r->hash) != 0)
        return verify_found(t, MG_AUDIT_ALTERED, r->seq, r->id, 0);
    t->last_seq = r->seq;
    t->last_id = r->id;
    copy_fixed(t->last_hash, sizeof t->last_hash, r->hash);
    t->v->entries++;
    return 0;
}

static int verify_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct verify_tx *t = ctx;
    mg_audit_verdict *v = t->v;
    memset(v, 0, sizeof *v);
    t->last_seq = t->last_id = 0;
    t->last_hash[0] = '\0';

    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare(c, SQL_READ_HEAD, &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    int have_head = rc == MG_DB_ROW;
    if (have_head) {
        t->head_seq = mg_db_column_int64(q, 0);
        copy_fixed(t->head_hash, sizeof t->head_hash, mg_db_column_text(q, 1));
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = 0;
    }
    mg_db_finalize(q);
    if (rc)
        return rc;

    rc = walk(c, verify_entry, t, d);
    if (rc || v->problem != MG_AUDIT_INTACT)
        return rc;
    /* Every entry checks with the one before; the head must name the last. */
    if (!have_head || t->head_seq < t->last_seq)
        verify_found(t, MG_AUDIT_HEAD, have_head ? t->head_seq + 1 : 1, 0, 0);
    else if (t->head_seq > t->last_seq)
        verify_found(t, MG_AUDIT_REMOVED, t->last_seq + 1, 0, 0);
    else if (strcmp(t->head_hash, t->last_seq ? t->last_hash : ZERO_HASH) != 0)
        verify_found(t, MG_AUDIT_HEAD, t->last_seq, t->last_id, 0);
    else
        copy_fixed(v->head_hash, sizeof v->head_hash, t->head_hash);
    return 0;
}

int mg_audit_verify(mg_db *db, mg_audit_verdict *v, mg_diag *d)
{
    if (!db || !v)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_audit_verify: NULL argument");
    memset(v, 0, sizeof *v);
    int rc = sodium_ready(d);
    if (rc)
        return rc;
    struct verify_tx t = {.v = v};
    return mg_db_transaction(db, MG_DB_TX_READ, verify_body, &t, d);
}

void mg_audit_verdict_text(const mg_audit_verdict *v, char *buf, size_t cap)
{
    if (!buf || !cap)
        return;
    long long seq = (long long)v->seq, id = (long long)v->id;
    switch (v->problem) {
    case MG_AUDIT_INTACT:
        snprintf(buf, cap, "%llu %s, chaîne intacte", (unsigned long long)v->entries,
                 v->entries > 1 ? "entrées" : "entrée");
        break;
    case MG_AUDIT_ALTERED:
        snprintf(buf, cap, "entrée %lld (id %lld) : modifiée (son contenu ne donne plus son "
                 "empreinte)", seq, id);
        break;
    case MG_AUDIT_REMOVED:
        if (id)
            snprintf(buf, cap, "entrée %lld : supprimée (l'entrée suivante présente a l'id %lld)",
                     seq, id);
        else
            snprintf(buf, cap, "entrée %lld : supprimée (la chaîne s'arrête avant la fin "
                     "enregistrée)", seq);
        break;
    case MG_AUDIT_REORDERED:
        if (v->other_id)
            snprintf(buf, cap, "entrée %lld (id %lld) : déplacée (dans la chaîne, elle suit "
                     "l'entrée d'id %lld)", seq, id, (long long)v->other_id);
        else
            snprintf(buf, cap, "entrée %lld (id %lld) : déplacée (elle était la première de "
                     "la chaîne)", seq, id);
        break;
    case MG_AUDIT_BROKEN:
        snprintf(buf, cap, "entrée %lld (id %lld) : chaînage rompu (l'entrée qui la "
                 "précédait a été supprimée ou réécrite)", seq, id);
        break;
    case MG_AUDIT_HEAD:
        snprintf(buf, cap, "entrée %lld : tête de chaîne incohérente (audit_head ne désigne "
                 "pas la dernière entrée)", seq);
        break;
    }
}

/* --- Export ------------------------------------------------------------- */

static json_t *json_id_or_null(int64_t v)
{
    return v > 0 ? json_integer((json_int_t)v) : json_null();
}

struct export_ctx {
    FILE *out;
};

static int export_entry(mg_db_conn *c, const mg_audit_record *r, int prc, void *ctx,
                        mg_diag *d)
{
    (void)c;
    struct export_ctx *x = ctx;
    json_t *o = json_object();
    if (!o)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory exporting the audit trail");
    int bad = 0;
    bad |= json_object_set_new(o, "seq", json_integer((json_int_t)r->seq));
    bad |= json_object_set_new(o, "id", json_integer((json_int_t)r->id));
    bad |= json_object_set_new(o, "created_at", json_string(r->created_at));
    bad |= json_object_set_new(o, "account_id", json_id_or_null(r->account_id));
    bad |= json_object_set_new(o, "organisation_id", json_id_or_null(r->organisation_id));
    bad |= json_object_set_new(o, "object_type", json_string(r->object_type));
    bad |= json_object_set_new(o, "object_id", json_integer((json_int_t)r->object_id));
    bad |= json_object_set_new(o, "verb", json_string(r->verb));
    if (prc == 0) {
        json_t *changes = changes_to_jsont(r->changes, r->nchanges);
        bad |= !changes || json_object_set_new(o, "changes", changes) != 0;
    } else {
        /* A damaged entry is exported as it is, for whoever investigates. */
        bad |= json_object_set_new(o, "changes", json_null());
        bad |= json_object_set_new(o, "changes_unreadable", json_true());
    }
    bad |= json_object_set_new(o, "prev_hash", json_string(r->prev_hash));
    bad |= json_object_set_new(o, "hash", json_string(r->hash));
    int rc = 0;
    if (bad) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0,
                         "cannot write audit entry %" PRId64 " as JSON (out of memory, or "
                         "text that is not UTF-8)", r->seq);
    } else if (json_dumpf(o, x->out, JSON_COMPACT) != 0 || fputc('\n', x->out) == EOF) {
        rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot write the audit export");
    }
    json_decref(o);
    return rc;
}

int mg_audit_export(mg_db *db, FILE *out, mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_audit_export: NULL argument");
    /* Not through mg_db_transaction: a rerun would write lines twice. A read
     * transaction is never rerun anyway (no serialisation failure). */
    mg_db_conn *c = NULL;
    int rc = mg_db_acquire(db, &c, d);
    if (rc == 0)
        rc = mg_db_begin(c, MG_DB_TX_READ, d);
    struct export_ctx x = {.out = out};
    if (rc == 0)
        rc = walk(c, export_entry, &x, d);
    if (rc == 0)
        rc = mg_db_commit(c, d);
    mg_db_rollback(c);
    mg_db_release(c);
    if (rc == 0 && (fflush(out) != 0 || ferror(out)))
        rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot write the audit export");
    return rc;
}

int mg_audit_head(mg_db_conn *c, int64_t *seq, char hash[static 65], mg_diag *d)
{
    *seq = 0;
    hash[0] = '\0';
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare(c, SQL_READ_HEAD, &q, d);
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        *seq = mg_db_column_int64(q, 0);
        copy_fixed(hash, 65, mg_db_column_text(q, 1));
        rc = mg_db_step(q, d);
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}
