/*
 * Internal to the storage module: the SQL migrations of
 * src/storage/migrations/, embedded at build time in file-name order.
 */
#ifndef MG_STORAGE_MIGRATIONS_H
#define MG_STORAGE_MIGRATIONS_H

#include <stddef.h>

struct mg_migration {
    const char *name; /* file name without .sql, e.g. "001_scenarios" */
    const char *sql;
};

extern const struct mg_migration mg_migrations[];
extern const size_t mg_migration_count;

#endif
