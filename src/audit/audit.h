/**
 * @file audit.h
 * The audit trail: who changed what, when, with the values before and
 * after, appended in the same transaction as the change and hash-chained
 * in commit order, so that an entry altered, removed or moved afterwards
 * is found by mg_audit_verify (`maillage audit verify`). docs/audit.md
 * describes the chain, its canonical form and what it costs.
 *
 * Chain: entry n (its position, 1, 2, 3…) stores prev_hash, the hash of
 * entry n-1 (32 zero bytes for the first), and
 *     hash = BLAKE2b-256(prev_hash ‖ canonical bytes of the entry)
 * where the canonical bytes are length-prefixed fields in a fixed order
 * (docs/audit.md, "The canonical form"). The position and prev_hash are
 * given at one point, the one-row table audit_head, updated by each append
 * and locked until the appending transaction ends.
 *
 * Personal fields (phone numbers, e-mail addresses, bank details, names
 * of private persons…) are recorded as changed, never with their values.
 *
 * Errors follow core/error.h: 0 or a negative MG_E… code, the message in
 * the mg_diag. Threads: as db/db.h.
 */
#ifndef MG_AUDIT_AUDIT_H
#define MG_AUDIT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "db/db.h"

/* Bounds of what an entry may hold (refused with MG_ELIMIT past them). */
#define MG_AUDIT_NAME_MAX_BYTES 64u      /* object_type, verb, a field's name */
#define MG_AUDIT_VALUE_MAX_BYTES 65536u  /* a value before or after */
#define MG_AUDIT_CHANGES_MAX 256u        /* changed fields in one entry */
#define MG_AUDIT_PAGE_MAX 1000u          /* entries in one page of history */

/** One changed field. `before` NULL: the field had no value (a creation);
 * `after` NULL: it has none any more. A personal field is recorded as
 * changed without its values: before and after are ignored when given. */
typedef struct mg_audit_change {
    const char *field;  /* an identifier: [a-z0-9_.], 1 to 64 bytes */
    const char *before; /* UTF-8 or NULL */
    const char *after;  /* UTF-8 or NULL */
    bool personal;
} mg_audit_change;

/** One state change, as its caller describes it. */
typedef struct mg_audit_entry {
    int64_t account_id;      /* who: > 0, or 0 for the system (no account) */
    int64_t organisation_id; /* on behalf of which organisation: > 0, or 0 for none */
    const char *object_type; /* an identifier: "scenario", "contract"… */
    int64_t object_id;       /* > 0 */
    const char *verb;        /* an identifier: "create", "update", "delete", "approve"… */
    const mg_audit_change *changes; /* in any order; each field at most once */
    size_t nchanges;
} mg_audit_entry;

/**
 * Appends one entry, on connection c, INSIDE the caller's open write
 * transaction (the body of mg_db_transaction(db, MG_DB_TX_WRITE, …)), so
 * that it commits or rolls back with the change it describes. The time
 * (ISO 8601 UTC with milliseconds), the position and the hashes are set
 * here. From this call to the end of the transaction, every other audited
 * transaction waits at its own append: call it late in the transaction.
 * On PostgreSQL a concurrent append that committed first makes this one
 * fail with a serialisation failure, which mg_db_transaction reruns.
 * Optional outputs: *seq_out, the entry's position (NULL accepted).
 * Errors: MG_EINVAL / MG_EUTF8 / MG_ELIMIT (the entry is refused, nothing
 * written), the database's errors (MG_EBUSY…), MG_ENOMEM.
 */
int mg_audit_append(mg_db_conn *c, const mg_audit_entry *e, int64_t *seq_out,
                    mg_diag *d) MG_WARN_UNUSED;

/**
 * Appends n entries, in the order given, as one append: the chain's head
 * is taken and moved once (n single appends update it 2n times, which
 * slows down a large import on PostgreSQL), each entry chained on the one
 * before. *seq_out (NULL accepted): the first entry's position. One
 * refused entry fails the call, and the caller's transaction then rolls
 * back the entries written before it with everything else.
 */
int mg_audit_append_many(mg_db_conn *c, const mg_audit_entry *e, size_t n, int64_t *seq_out,
                         mg_diag *d) MG_WARN_UNUSED;

/** An entry as stored. Every string is owned by the record (freed by
 * mg_audit_records_free); a personal change has before and after NULL. */
typedef struct mg_audit_record {
    int64_t id;
    int64_t seq;
    char created_at[25];
    int64_t account_id;      /* 0: none */
    int64_t organisation_id; /* 0: none */
    char *object_type;
    int64_t object_id;
    char *verb;
    mg_audit_change *changes; /* sorted by field */
    size_t nchanges;
    char prev_hash[65]; /* lowercase hex */
    char hash[65];
} mg_audit_record;

/**
 * One page of the history of an object, newest first: at most `limit`
 * (1 to MG_AUDIT_PAGE_MAX) entries from the `offset`-th, into a new array
 * *out of *n records, and the object's number of entries in *total (page
 * and count read in one transaction). The caller frees *out with
 * mg_audit_records_free. Who may see it is the caller's decision.
 */
int mg_audit_history(mg_db *db, const char *object_type, int64_t object_id, size_t offset,
                     size_t limit, mg_audit_record **out, size_t *n, size_t *total,
                     mg_diag *d) MG_WARN_UNUSED;

/**
 * The same, with also the entries of type `members_type` recorded on
 * behalf of organisation `object_id` (for an organisation's page, its
 * "membership" entries: who was invited, with which role), merged newest
 * first. NULL members_type: as mg_audit_history.
 */
int mg_audit_history_with(mg_db *db, const char *object_type, int64_t object_id,
                          const char *members_type, size_t offset, size_t limit,
                          mg_audit_record **out, size_t *n, size_t *total,
                          mg_diag *d) MG_WARN_UNUSED;

/** Frees an array of n records from mg_audit_history. NULL accepted. */
void mg_audit_records_free(mg_audit_record *r, size_t n);

/** What mg_audit_verify found first. */
typedef enum mg_audit_problem {
    MG_AUDIT_INTACT = 0,
    MG_AUDIT_ALTERED,   /* the entry's content no longer gives its hash */
    MG_AUDIT_REMOVED,   /* no entry at this position (a gap, or the end cut off) */
    MG_AUDIT_REORDERED, /* the entry follows another one in the chain than the entry before it */
    MG_AUDIT_BROKEN,    /* the entry follows one that is nowhere: removed with the later
                           positions renumbered, or rewritten with its hash recomputed */
    MG_AUDIT_HEAD,      /* audit_head does not name the last entry (entries added or the
                           last rewritten outside the chain) */
} mg_audit_problem;

typedef struct mg_audit_verdict {
    mg_audit_problem problem;
    uint64_t entries;  /* entries checked (all of them when intact) */
    int64_t seq;       /* position of the first problem (0 when intact) */
    int64_t id;        /* id of the entry there, 0 when there is none */
    int64_t other_id;  /* REORDERED: the entry it follows in the chain; REMOVED: 0 */
    char head_hash[65]; /* the chain's last hash when intact: worth writing down */
} mg_audit_verdict;

/**
 * The chain's head as it stands in the caller's transaction: the position
 * of the last entry (*seq; 0 when there is none) and its hash (hash, 64
 * hexadecimal characters; "" when none). Every audited change moves it, so
 * a reader may keep what it computed while the head stays (the single
 * window's figures do).
 */
int mg_audit_head(mg_db_conn *c, int64_t *seq, char hash[static 65], mg_diag *d) MG_WARN_UNUSED;

/**
 * Walks the whole chain in position order, in one read transaction, and
 * fills *v with the first problem found (v->problem INTACT when none).
 * Returns 0 when the walk could be made, whatever its verdict; an MG_E…
 * code when the database could not be read.
 */
int mg_audit_verify(mg_db *db, mg_audit_verdict *v, mg_diag *d) MG_WARN_UNUSED;

/** The verdict as a French sentence for people ("12 entrées, chaîne
 * intacte", "entrée 17 (id 42) : modifiée…") into buf (truncated at cap). */
void mg_audit_verdict_text(const mg_audit_verdict *v, char *buf, size_t cap);

/**
 * Writes every entry, in position order, as JSON lines on out: one object
 * per line with seq, id, created_at, account_id, organisation_id (null for
 * none), object_type, object_id, verb, changes (personal fields as
 * {"field":…, "personal":true, "changed":true}, without values), prev_hash
 * and hash. Read in one transaction, in batches. MG_EIO when out fails.
 */
int mg_audit_export(mg_db *db, FILE *out, mg_diag *d) MG_WARN_UNUSED;

/**
 * The hash of an entry from its stored parts (what verify recomputes):
 * hex of BLAKE2b-256(prev_hash ‖ canonical bytes), into hex_out. changes
 * must be sorted by field. For tests and for readers of an export.
 * MG_EINVAL when prev_hash_hex is not 64 hex digits.
 */
int mg_audit_hash(const char *prev_hash_hex, int64_t seq, const char *created_at,
                  int64_t account_id, int64_t organisation_id, const char *object_type,
                  int64_t object_id, const char *verb, const mg_audit_change *changes,
                  size_t nchanges, char hex_out[static 65]) MG_WARN_UNUSED;

#endif
