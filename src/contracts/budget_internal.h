/*
 * Internal to the contracts module (budget.c, dashboard.c): the budget's
 * reads on an open transaction. Not a public header: nothing outside
 * src/contracts/ includes it.
 */
#ifndef MG_CONTRACTS_BUDGET_INTERNAL_H
#define MG_CONTRACTS_BUDGET_INTERNAL_H

#include "contracts/budget.h"

/* mg_budget_totals on an open transaction, without checking that the
 * contract exists (its caller has read it): the current lines of contract
 * contract_id summed by `group`, and all of them into *all (unless NULL,
 * which saves that query). *out NULL when there is no line. */
int mg_ct_budget_totals_on(mg_db_conn *c, int64_t contract_id, mg_budget_group group,
                           mg_budget_total **out, size_t *n, mg_budget_amounts *all, mg_diag *d);

#endif
