/*
 * The example mark of a request loaded by the command line's import
 * (json.h, mg_subsidy_mark_example): the demo's requests are examples the
 * public record does not give, left out of the open data unless asked.
 */
#include <stdio.h>

#include "audit/audit.h"
#include "funding/json.h"

struct mark_tx {
    int64_t by, id;
};

static int mark_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct mark_tx *t = ctx;
    int64_t applicant = 0, was = 0;
    int rc = mg_db_query_int(c, "SELECT applicant_id FROM subsidy_requests WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->id)), &applicant, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy request has id %lld",
                           (long long)t->id);
    if (rc == 0)
        rc = mg_db_query_int(c, "SELECT is_example FROM subsidy_requests WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->id)), &was, d);
    if (rc < 0)
        return rc;
    int64_t payments = 0;
    rc = mg_db_run(c, "UPDATE subsidy_payments SET is_example = 1 "
                      "WHERE request_id = ?1 AND is_example = 0",
                   MG_DB_PARAMS(MG_DB_INT(t->id)), &payments, d);
    if (rc < 0 || (was && payments == 0))
        return rc;
    if (!was) {
        char now[MG_DB_TIMESTAMP_SIZE];
        if ((rc = mg_db_timestamp(now, d)) < 0)
            return rc;
        rc = mg_db_run(c, "UPDATE subsidy_requests SET is_example = 1, updated_at = ?2 "
                          "WHERE id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(now)), NULL, d);
        if (rc < 0)
            return rc;
    }
    char np[24];
    snprintf(np, sizeof np, "%lld", (long long)payments);
    mg_audit_change ch[] = {{"is_example", was ? "1" : "0", "1", false},
                            {"payments_marked", NULL, np, false}};
    mg_audit_entry e = {.account_id = t->by, .organisation_id = applicant,
                        .object_type = "subsidy_request", .object_id = t->id, .verb = "update",
                        .changes = ch, .nchanges = 2};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_subsidy_mark_example(mg_db *db, int64_t by, int64_t request_id, mg_diag *d)
{
    if (!db || by < 0 || request_id <= 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_mark_example: bad arguments");
    struct mark_tx t = {by, request_id};
    return mg_db_transaction(db, MG_DB_TX_WRITE, mark_body, &t, d);
}
