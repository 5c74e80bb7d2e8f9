/* TEMPORARY stub, replaced by the budget work of issue 15. */
#include "contracts/budget.h"
#include <stdio.h>
void mg_budget_format_cents(int64_t cents, char *out, size_t cap) { snprintf(out, cap, "%lld", (long long)cents); }
