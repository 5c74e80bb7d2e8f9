/*
 * The audit entry of a change of the auth module, and Unix times as
 * stored timestamps (statements run with db.h's bound parameters). The
 * SQL itself stays in the file of each concept.
 */
#include <string.h>
#include <time.h>

#include "auth/internal.h"
#include "core/utf8.h"

int auth_audit(mg_db_conn *c, int64_t by, int64_t org_id, const char *object_type,
               int64_t object_id, const char *verb, const mg_audit_change *changes, size_t n,
               mg_diag *d)
{
    mg_audit_entry e = {.account_id = by > 0 ? by : 0,
                        .organisation_id = org_id > 0 ? org_id : 0,
                        .object_type = object_type,
                        .object_id = object_id,
                        .verb = verb,
                        .changes = changes,
                        .nchanges = n};
    return mg_audit_append(c, &e, NULL, d);
}

void auth_time_text(int64_t t, char out[static MG_DB_TIMESTAMP_SIZE])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) ||
        strftime(out, MG_DB_TIMESTAMP_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = '\0';
}
