/**
 * @file storage.h
 * The scenario store: named what-if scenarios kept in the database through
 * the SQL layer (db/db.h), on SQLite or PostgreSQL alike. Its SQL is in
 * storage.c and nowhere else; the table is made by migration 001.
 *
 * Ownership: records returned are owned by the caller (mg_scenario_record_free).
 * Thread-safety: every function may be called from any thread; each runs
 * on a connection of the pool of its own, and the read-modify-write of
 * mg_storage_scenario_edit is one serialisable transaction, so concurrent
 * edits from several threads or several server processes lose nothing.
 *
 * Messages: errors about a scenario's name are shown to the people who typed
 * it, so they are in French and carry no file prefix; errors of the database
 * itself are for operators and read "DATABASE: what happened (driver's words)".
 * A database busy past its wait gives MG_EBUSY (the web layer answers 503).
 */
#ifndef MG_STORAGE_STORAGE_H
#define MG_STORAGE_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"

/* A scenario name has at most this many characters (Unicode code points),
 * as the CHECK of migration 001 counts them. */
#define MG_STORAGE_NAME_MAX_CHARS 200u
/* A profession is a short code (mg, inf, …). */
#define MG_STORAGE_PROFESSION_MAX_BYTES 64u

typedef struct mg_scenario_record {
    int64_t id;          /* 0 for a new record */
    int64_t organisation_id; /* the owner (auth/auth.h); 0: none (saved before accounts).
                                Set at creation; an update keeps the stored owner. */
    char *name;          /* 1..200 characters of UTF-8, see mg_storage_scenario_name */
    char *profession;    /* mg, inf, … */
    char *actions_json;  /* the scenario's actions, a JSON array (validated by the caller) */
    char *created_at;    /* ISO 8601 UTC, set by the storage */
    char *updated_at;
    char *share_token;   /* the read-only link's token, NULL when not shared */
} mg_scenario_record;

/** Frees the strings of *r (not r itself) and zeroes it. NULL is accepted. */
void mg_scenario_record_free(mg_scenario_record *r);

/**
 * The stored form of a scenario name, or why it is refused: leading and
 * trailing ASCII white space (space, tab, CR, LF, VT, FF) is removed, since
 * a person never means it and " Aude" next to "Aude" would look like a
 * duplicate that the unique constraint lets through; what remains must be
 * valid UTF-8, 1..MG_STORAGE_NAME_MAX_CHARS characters, without control
 * characters (U+0000–U+001F, U+007F–U+009F), which have no place in a
 * title shown in lists. Inner spaces and case are kept as typed, and
 * uniqueness compares the stored bytes exactly ("Aude" and "aude" differ).
 * *out (malloc'ed, the caller frees it) is NULL on failure.
 * Errors: MG_EINVAL (empty, too long, control character; French message),
 * MG_EUTF8, MG_ENOMEM.
 */
int mg_storage_scenario_name(const char *name, char **out, mg_diag *d) MG_WARN_UNUSED;

/**
 * Inserts (id == 0) or updates (id > 0) a scenario; *id_out receives its
 * id. The name is stored as mg_storage_scenario_name makes it; created_at
 * and updated_at of `in` are ignored (the storage sets them: both at
 * insertion, updated_at at each update), and so are organisation_id and
 * share_token on an update. `by` is the account making the change (0: the
 * system), recorded with the organisation in the audit trail, as for every
 * change below. Who may make it is the caller's decision (mg_auth_can).
 * MG_ENOTFOUND when updating an unknown id; MG_EINVAL for a refused name,
 * a negative id, an empty or too long profession or a NULL field; names are
 * unique (MG_EINVAL "un scénario nommé « X » existe déjà" on a clash);
 * MG_EUTF8 for text that is not UTF-8.
 */
int mg_storage_scenario_save(mg_db *db, const mg_scenario_record *in, int64_t by,
                             int64_t *id_out, mg_diag *d) MG_WARN_UNUSED;

/**
 * Reads one scenario into *out (zeroed first, so mg_scenario_record_free is
 * safe whatever the result); MG_ENOTFOUND when absent.
 */
int mg_storage_scenario_get(mg_db *db, int64_t id, mg_scenario_record *out,
                            mg_diag *d) MG_WARN_UNUSED;

/**
 * All scenarios, most recently updated first (*out malloc'ed array, free it
 * with mg_scenario_record_list_free; NULL with *n == 0 when there are none
 * or on failure). Timestamps have one-second resolution: within the same
 * second the most recently created (highest id) comes first.
 */
int mg_storage_scenario_list(mg_db *db, mg_scenario_record **out, size_t *n,
                             mg_diag *d) MG_WARN_UNUSED;

/* Which scenarios a list shows: those of the organisations orgs[0..norgs)
 * and, when `unowned`, those without organisation. Rights are the
 * caller's (mg_auth_orgs_where); a NULL scope lists every scenario. */
typedef struct mg_storage_scope {
    const int64_t *orgs;
    size_t norgs; /* at most MG_STORAGE_SCOPE_MAX */
    bool unowned;
} mg_storage_scope;
#define MG_STORAGE_SCOPE_MAX 64u

/* The largest page mg_storage_scenario_list_page gives. */
#define MG_STORAGE_PAGE_MAX 1000u

/**
 * One page of the list of the scenarios in `scope` (NULL: all), in the
 * order of mg_storage_scenario_list: at most
 * `limit` (1..MG_STORAGE_PAGE_MAX) scenarios from position `offset`
 * (0-based), and in *total the number of scenarios in all, both read in
 * one transaction so that they agree. *out as for mg_storage_scenario_list
 * (NULL with *n == 0 for an empty page: an offset at or past the end is
 * not an error, *total still tells how many there are).
 * MG_EINVAL for a limit out of range, an offset past INT64_MAX or a NULL
 * out-parameter.
 */
int mg_storage_scenario_list_page(mg_db *db, const mg_storage_scope *scope, size_t offset,
                                  size_t limit, mg_scenario_record **out, size_t *n,
                                  size_t *total, mg_diag *d) MG_WARN_UNUSED;

/** Frees the n records of list and list itself. NULL is accepted. */
void mg_scenario_record_list_free(mg_scenario_record *list, size_t n);

/**
 * Changes one scenario in a single transaction: reads it, calls
 * fn(current, ctx, &new_actions, d), and stores the actions JSON that fn
 * returns in *new_actions (malloc'ed; the store frees it). When fn fails
 * (returns non-zero) nothing is written and its code and message are
 * returned. Under contention fn may be called more than once, each time
 * with the record as it then is, so it must not keep state between calls
 * other than what it overwrites. MG_ENOTFOUND when the scenario is absent.
 */
typedef int (*mg_scenario_edit_fn)(const mg_scenario_record *current, void *ctx,
                                   char **new_actions, mg_diag *d);
int mg_storage_scenario_edit(mg_db *db, int64_t id, int64_t by, mg_scenario_edit_fn fn,
                             void *ctx, mg_diag *d) MG_WARN_UNUSED;

/** Deletes; MG_ENOTFOUND when absent. `by` as for save. */
int mg_storage_scenario_delete(mg_db *db, int64_t id, int64_t by, mg_diag *d) MG_WARN_UNUSED;

/**
 * Shares scenario id read-only by a link (share: a new random token,
 * replacing any former one, whose links then stop working) or stops
 * sharing it (!share). *token_out (may be NULL; MG_STORAGE_SHARE_CHARS + 1
 * bytes) receives the new token. Audited ("share" / "unshare", the token
 * itself not recorded). MG_ENOTFOUND when absent.
 */
#define MG_STORAGE_SHARE_CHARS 43u
int mg_storage_scenario_share(mg_db *db, int64_t id, int64_t by, bool share, char *token_out,
                              mg_diag *d) MG_WARN_UNUSED;

/** Reads the scenario shared with `token` (MG_ENOTFOUND when no scenario
 * has it: never shared, or sharing stopped or renewed). */
int mg_storage_scenario_by_share(mg_db *db, const char *token, mg_scenario_record *out,
                                 mg_diag *d) MG_WARN_UNUSED;

#endif
