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
 * are serialised inside).
 */
#ifndef MG_STORAGE_STORAGE_H
#define MG_STORAGE_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct mg_storage mg_storage;

/** Opens (creating if needed) the SQLite database at path and migrates it. */
int mg_storage_open_sqlite(mg_storage **out, const char *path, mg_diag *d) MG_WARN_UNUSED;

void mg_storage_close(mg_storage *s);

typedef struct mg_scenario_record {
    int64_t id;          /* 0 for a new record */
    char *name;          /* 1..200 characters of UTF-8 */
    char *profession;    /* mg, inf, … */
    char *actions_json;  /* the scenario's actions, a JSON array (validated by the caller) */
    char *created_at;    /* ISO 8601 UTC, set by the storage */
    char *updated_at;
} mg_scenario_record;

void mg_scenario_record_free(mg_scenario_record *r);

/**
 * Inserts (id == 0) or updates (id > 0) a scenario; *id_out receives its
 * id. MG_ENOTFOUND when updating an unknown id; MG_EINVAL for an empty or
 * too long name; names are unique (MG_EINVAL with a message on a clash).
 */
int mg_storage_scenario_save(mg_storage *s, const mg_scenario_record *in, int64_t *id_out,
                             mg_diag *d) MG_WARN_UNUSED;

/** Reads one scenario; MG_ENOTFOUND when absent. */
int mg_storage_scenario_get(mg_storage *s, int64_t id, mg_scenario_record *out,
                            mg_diag *d) MG_WARN_UNUSED;

/** All scenarios, most recently updated first (*out malloc'ed array). */
int mg_storage_scenario_list(mg_storage *s, mg_scenario_record **out, size_t *n,
                             mg_diag *d) MG_WARN_UNUSED;

void mg_scenario_record_list_free(mg_scenario_record *list, size_t n);

/** Deletes; MG_ENOTFOUND when absent. */
int mg_storage_scenario_delete(mg_storage *s, int64_t id, mg_diag *d) MG_WARN_UNUSED;

#endif
