/*
 * Statements with their parameters bound in one call (db.h, "Statements
 * with their parameters"): what the domain modules' SQL shares.
 */
#include <math.h>
#include <string.h>

#include "core/utf8.h"
#include "db/db.h"

int mg_db_prepare_with(mg_db_conn *c, const char *sql, const mg_db_param *p, size_t n,
                       mg_db_stmt **out, mg_diag *d)
{
    *out = NULL;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare(c, sql, &q, d);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int at = (int)i + 1;
        switch (p[i].kind) {
        case MG_DB_P_INT: rc = mg_db_bind_int64(q, at, p[i].i); break;
        case MG_DB_P_TEXT: rc = mg_db_bind_text(q, at, p[i].s); break;
        case MG_DB_P_REAL:
            rc = isnan(p[i].r) ? mg_db_bind_null(q, at) : mg_db_bind_double(q, at, p[i].r);
            break;
        case MG_DB_P_BLOB: rc = mg_db_bind_blob(q, at, p[i].s, p[i].n); break;
        case MG_DB_P_NULL: rc = mg_db_bind_null(q, at); break;
        }
        if (rc)
            rc = mg_diag_set(d, rc, NULL, 0, 0, "DATABASE: cannot bind parameter %d: %s", at,
                             mg_strerror(rc));
    }
    if (rc) {
        mg_db_finalize(q);
        return rc;
    }
    *out = q;
    return 0;
}

int mg_db_run(mg_db_conn *c, const char *sql, const mg_db_param *p, size_t n, int64_t *changes,
              mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, sql, p, n, &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    while (rc == MG_DB_ROW)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_DONE && changes)
        *changes = mg_db_changes(q);
    mg_db_finalize(q);
    return rc;
}

int mg_db_query_int(mg_db_conn *c, const char *sql, const mg_db_param *p, size_t n,
                    int64_t *out, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, sql, p, n, &q, d);
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

void mg_db_column_copy(const mg_db_stmt *q, int col, char *out, size_t cap)
{
    if (cap == 0)
        return;
    const char *t = mg_db_column_text(q, col);
    if (!t) {
        out[0] = '\0';
        return;
    }
    size_t n = mg_utf8_prefix(t, cap - 1);
    memcpy(out, t, n);
    out[n] = '\0';
}
