/**
 * @file zones_summary.h
 * The figures of `maillage access --zones --summary`: over the zones, for
 * one measure, weighted by a column (the demand or --weight): the weighted
 * mean, Gini, Theil T and its decomposition between and within groups, and
 * the FGT family (α = 0, 1, 2) for a poverty line. The formulas are
 * src/stats/inequality.h's; this only says which are defined.
 */
#ifndef MG_DIAGNOSIS_ZONES_SUMMARY_H
#define MG_DIAGNOSIS_ZONES_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

typedef struct mg_zones_figures {
    size_t counted;        /* zones with a positive weight and a value */
    double weight;         /* their total weight */
    double mean, gini, theil;
    double theil_between, theil_within; /* NaN without groups */
    double fgt[3];         /* α = 0, 1, 2; NaN without a poverty line */
} mg_zones_figures;

/**
 * The figures of x (n values, NaN for "no value": the zone is left out with
 * its weight) weighted by w. `group` (indices below ngroups) may be NULL;
 * poverty_line NaN skips FGT. A figure that is undefined on these values —
 * Gini and Theil when the weighted mean is 0, everything when no zone
 * counts — is NaN. MG_EINVAL for a negative or non-finite weight, a group
 * index out of range or a poverty line that is not positive.
 */
int mg_zones_figures_compute(const double *x, const double *w, size_t n, const size_t *group,
                             size_t ngroups, double poverty_line, mg_zones_figures *out,
                             mg_diag *d) MG_WARN_UNUSED;

#endif
