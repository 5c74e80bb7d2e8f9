/*
 * Statements of the auth module with their parameters bound in one call,
 * the audit entry of a change, and Unix times as stored timestamps. The
 * SQL itself stays in the file of each concept.
 */
#include <string.h>
#include <time.h>

#include "auth/internal.h"
#include "core/utf8.h"

int auth_prepare(mg_db_conn *c, const char *sql, const auth_param *params, size_t n,
                 mg_db_stmt **out, mg_diag *d)
{
    *out = NULL;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare(c, sql, &q, d);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int at = (int)i + 1;
        switch (params[i].kind) {
        case AUTH_P_INT: rc = mg_db_bind_int64(q, at, params[i].i); break;
        case AUTH_P_TEXT: rc = mg_db_bind_text(q, at, params[i].s); break;
        case AUTH_P_NULL: rc = mg_db_bind_null(q, at); break;
        }
        if (rc)
            rc = mg_diag_set(d, rc, NULL, 0, 0, "auth: cannot bind parameter %d: %s", at,
                             mg_strerror(rc));
    }
    if (rc) {
        mg_db_finalize(q);
        return rc;
    }
    *out = q;
    return 0;
}

int auth_exec(mg_db_conn *c, const char *sql, const auth_param *params, size_t n,
              int64_t *changes, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = auth_prepare(c, sql, params, n, &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW)
        rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "auth: a statement returned an unexpected row");
    if (rc == MG_DB_DONE && changes)
        *changes = mg_db_changes(q);
    mg_db_finalize(q);
    return rc;
}

int auth_query_int(mg_db_conn *c, const char *sql, const auth_param *params, size_t n,
                   int64_t *out, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = auth_prepare(c, sql, params, n, &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        *out = mg_db_column_int64(q, 0);
        /* Run to the end: an INSERT … RETURNING is complete only then. */
        while ((rc = mg_db_step(q, d)) == MG_DB_ROW)
            ;
    } else if (rc == MG_DB_DONE) {
        rc = MG_ENOTFOUND;
    }
    mg_db_finalize(q);
    return rc;
}

void auth_column_copy(const mg_db_stmt *q, int col, char *out, size_t cap)
{
    const char *t = mg_db_column_text(q, col);
    if (!t || cap == 0) {
        if (cap)
            out[0] = '\0';
        return;
    }
    size_t n = mg_utf8_prefix(t, cap - 1);
    memcpy(out, t, n);
    out[n] = '\0';
}

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
