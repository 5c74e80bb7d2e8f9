/**
 * @file storage.h
 * Persistent storage behind one interface, so that a PostgreSQL backend can
 * implement it later: for now, named scenarios. The SQLite backend uses WAL,
 * prepared statements and migrations kept in the repository
 * (src/storage/migrations/NNN_*.sql, applied in order at open, recorded in
 * table schema_migrations).
 *
 * Ownership: records returned are owned by the caller (mg_scenario_record_free).
 * Thread-safety: one mg_storage may be used from several threads (calls
 * are serialised inside); several processes may open the same file.
 *
 * Messages: errors about a scenario's name are shown to the people who typed
 * it, so they are in French and carry no file prefix; errors of the database
 * itself are for operators and read "PATH: what happened (sqlite's words)".
 */
#ifndef MG_STORAGE_STORAGE_H
#define MG_STORAGE_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct mg_storage mg_storage;

/* A scenario name has at most this many characters (Unicode code points),
 * as the CHECK of migration 001 counts them. */
#define MG_STORAGE_NAME_MAX_CHARS 200u
/* A profession is a short code (mg, inf, …). */
#define MG_STORAGE_PROFESSION_MAX_BYTES 64u

/**
 * Opens (creating if needed) the SQLite database at path and migrates it:
 * WAL journal, foreign keys on, a 5 s busy timeout, synchronous=NORMAL; the
 * migrations of this build missing from schema_migrations are applied in
 * order, each in its own transaction. *out is NULL on failure.
 * Errors: MG_EIO when the file cannot be opened or created (message names
 * the path); MG_EPARSE when it is not an SQLite database or is corrupt;
 * MG_EINVAL when it records a migration this build does not know (it was
 * written by a newer maillage) or a migration fails (the message names the
 * migration and SQLite's error; that migration is rolled back).
 * ":memory:" opens a private in-memory database (for tests; no WAL there).
 */
int mg_storage_open_sqlite(mg_storage **out, const char *path, mg_diag *d) MG_WARN_UNUSED;

/** Closes the database and frees s. NULL is accepted. */
void mg_storage_close(mg_storage *s);

typedef struct mg_scenario_record {
    int64_t id;          /* 0 for a new record */
    char *name;          /* 1..200 characters of UTF-8, see mg_storage_scenario_name */
    char *profession;    /* mg, inf, … */
    char *actions_json;  /* the scenario's actions, a JSON array (validated by the caller) */
    char *created_at;    /* ISO 8601 UTC, set by the storage */
    char *updated_at;
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
 * insertion, updated_at at each update).
 * MG_ENOTFOUND when updating an unknown id; MG_EINVAL for a refused name,
 * a negative id, an empty or too long profession or a NULL field; names are
 * unique (MG_EINVAL "un scénario nommé « X » existe déjà" on a clash);
 * MG_EUTF8 for text that is not UTF-8.
 */
int mg_storage_scenario_save(mg_storage *s, const mg_scenario_record *in, int64_t *id_out,
                             mg_diag *d) MG_WARN_UNUSED;

/**
 * Reads one scenario into *out (zeroed first, so mg_scenario_record_free is
 * safe whatever the result); MG_ENOTFOUND when absent.
 */
int mg_storage_scenario_get(mg_storage *s, int64_t id, mg_scenario_record *out,
                            mg_diag *d) MG_WARN_UNUSED;

/**
 * All scenarios, most recently updated first (*out malloc'ed array, free it
 * with mg_scenario_record_list_free; NULL with *n == 0 when there are none
 * or on failure). Timestamps have one-second resolution: within the same
 * second the most recently created (highest id) comes first.
 */
int mg_storage_scenario_list(mg_storage *s, mg_scenario_record **out, size_t *n,
                             mg_diag *d) MG_WARN_UNUSED;

/** Frees the n records of list and list itself. NULL is accepted. */
void mg_scenario_record_list_free(mg_scenario_record *list, size_t n);

/** Deletes; MG_ENOTFOUND when absent. */
int mg_storage_scenario_delete(mg_storage *s, int64_t id, mg_diag *d) MG_WARN_UNUSED;

#endif
