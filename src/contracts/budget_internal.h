/*
 * Internal to the contracts module (budget.c, dashboard.c): the budget's
 * reads on an open transaction. Not a public header: nothing outside
 * src/contracts/ includes it.
 */
#ifndef MG_CONTRACTS_BUDGET_INTERNAL_H
#define MG_CONTRACTS_BUDGET_INTERNAL_H

#include "contracts/budget.h"

/* The contract's totals by funder (out[0]), year (out[1]) and level-1
 * axis (out[2]), each as mg_budget_totals gives it with
 * MG_BUDGET_BY_FUNDER, _YEAR, _AXIS, and its total in *all, from one
 * query (the dashboard's). out[g] NULL when empty; nothing to free on
 * failure. */
int mg_ct_budget_dashboard_on(mg_db_conn *c, int64_t contract_id, mg_budget_total *out[3],
                              size_t n[3], mg_budget_amounts *all, mg_diag *d);

/* The lines of contract contract_id that an amendment added or replaced
 * (those its amendments' changes name), by id, into a new array (free());
 * each as mg_budget_line_get reads it. */
int mg_ct_budget_amended_lines_on(mg_db_conn *c, int64_t contract_id, mg_budget_line **out,
                                  size_t *n, mg_diag *d);

#endif
