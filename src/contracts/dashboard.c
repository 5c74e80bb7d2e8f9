/*
 * The contract's dashboard: everything the page of a contract shows (the
 * contract, who sees it, its axes and actions, signatories, budget totals,
 * amendments and documents) read in ONE read transaction, through the same
 * reads as the public functions (the *_on functions of plan_internal.h and
 * budget_internal.h), so that a page costs one BEGIN … COMMIT on a pooled
 * connection instead of one per list (issue 15's bench: queueing of those
 * transactions was the dashboard's p99 on PostgreSQL).
 */
#include <stdlib.h>
#include <string.h>

#include "contracts/budget.h"
#include "contracts/budget_internal.h"
#include "contracts/plan_internal.h"

_Static_assert(MG_BUDGET_BY_FUNDER == 0 && MG_BUDGET_BY_YEAR == 1 && MG_BUDGET_BY_AXIS == 2,
               "totals[g] is grouped by g");

void mg_contract_dashboard_free(mg_contract_dashboard *x)
{
    if (!x)
        return;
    mg_contract_actions_free(x->actions, x->nactions);
    free(x->axes);
    free(x->signatories);
    for (size_t i = 0; i < 3; i++)
        free(x->totals[i]);
    mg_contract_amendments_free(x->amendments, x->namendments);
    mg_contract_amendment_changes_free(x->changes, x->nchanges);
    free(x->amended_lines);
    free(x->documents);
    memset(x, 0, sizeof *x);
}

static int dashboard_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    mg_contract_dashboard *x = ctx;
    /* A transaction may be run again: start from nothing. */
    int64_t id = x->contract.id;
    mg_contract_dashboard_free(x);
    x->contract.id = id;
    int rc = mg_ct_contract_on(c, id, &x->contract, d);
    if (rc == 0)
        rc = mg_ct_viewers_on(c, id, x->viewers, MG_CONTRACT_DASHBOARD_VIEWERS_MAX, &x->nviewers,
                              d);
    if (rc == 0)
        rc = mg_ct_actions_on(c, id, &x->actions, &x->nactions, d);
    if (rc == 0)
        rc = mg_ct_axes_on(c, id, &x->axes, &x->naxes, d);
    if (rc == 0)
        rc = mg_ct_signatories_on(c, id, &x->signatories, &x->nsignatories, d);
    if (rc == 0)
        rc = mg_ct_budget_dashboard_on(c, id, x->totals, x->ntotals, &x->total, d);
    if (rc == 0)
        rc = mg_ct_amendments_on(c, id, &x->amendments, &x->namendments, d);
    if (rc == 0)
        rc = mg_ct_amendment_changes_on(c, id, &x->changes, &x->nchanges, d);
    if (rc == 0 && x->nchanges)
        rc = mg_ct_budget_amended_lines_on(c, id, &x->amended_lines, &x->namended_lines, d);
    if (rc == 0)
        rc = mg_ct_documents_on(c, id, &x->documents, &x->ndocuments, d);
    x->contract.id = id;
    return rc;
}

int mg_contract_dashboard_read(mg_db *db, int64_t contract_id, mg_contract_dashboard *out,
                               mg_diag *d)
{
    if (!out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_dashboard_read: bad arguments");
    memset(out, 0, sizeof *out);
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_dashboard_read: bad arguments");
    if (contract_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no contract has id %lld",
                           (long long)contract_id);
    out->contract.id = contract_id;
    int rc = mg_db_transaction(db, MG_DB_TX_READ, dashboard_body, out, d);
    if (rc) {
        mg_contract_dashboard_free(out);
        return rc;
    }
    return 0;
}
