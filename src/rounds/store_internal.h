/*
 * Internal to src/rounds/'s database half (store.c, store_import.c): the
 * helpers they share inside a transaction. Owner: engineer "store".
 */
#ifndef MG_ROUNDS_STORE_INTERNAL_H
#define MG_ROUNDS_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"
#include "db/db.h"
#include "rounds/store.h"

/* One audit entry on c, in the caller's write transaction. */
int mg_round_audit(mg_db_conn *c, int64_t by, int64_t org, const char *object_type,
                   int64_t object_id, const char *verb, const mg_audit_change *changes,
                   size_t nchanges, mg_diag *d) MG_WARN_UNUSED;

/* Sets d to MG_EINVAL with the first refused field's sentence. */
int mg_round_refuse(const mg_round_errors *errs, mg_diag *d);

/* A civil date "YYYY-MM-DD" → days since 1970-01-01 (no checks). */
long mg_round_days_from_civil(int y, int m, int d);

#endif
