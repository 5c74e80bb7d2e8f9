/*
 * Internal to the SQL layer: the migrations of src/db/migrations/, embedded
 * at build time in file-name order by cmake/embed_migrations.cmake. One
 * numbered sequence serves every domain and both dialects: a migration is
 * one file NNN_name.sql for both, or two files NNN_name.sqlite.sql and
 * NNN_name.pgsql.sql where the dialects differ.
 */
#ifndef MG_DB_MIGRATIONS_H
#define MG_DB_MIGRATIONS_H

#include <stddef.h>

struct mg_migration {
    const char *name;    /* file name without its suffixes, e.g. "001_scenarios" */
    const char *dialect; /* "" for every dialect, else "sqlite" or "pgsql" */
    const char *sql;
};

extern const struct mg_migration mg_migrations[];
extern const size_t mg_migration_count;

#endif
