#include "diagnosis/zones_summary.h"

#include <math.h>

#include "stats/inequality.h"

int mg_zones_figures_compute(const double *x, const double *w, size_t n, const size_t *group,
                             size_t ngroups, double poverty_line, mg_zones_figures *out,
                             mg_diag *d)
{
    mg_zones_figures f = {.mean = NAN, .gini = NAN, .theil = NAN, .theil_between = NAN,
                          .theil_within = NAN, .fgt = {NAN, NAN, NAN}};
    if (!isnan(poverty_line) && !(poverty_line > 0 && isfinite(poverty_line)))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "poverty line %g: expected a positive number", poverty_line);
    for (size_t i = 0; i < n; i++) {
        if (!(w[i] >= 0) || !isfinite(w[i]))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "zone %zu: weight %g: expected a finite non-negative number", i, w[i]);
        if (group && group[i] >= ngroups)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "zone %zu: group out of range", i);
        if (w[i] > 0 && !isnan(x[i])) {
            f.counted++;
            f.weight += w[i];
        }
    }
    if (f.counted == 0) {
        *out = f;
        return MG_OK;
    }
    /* The stats functions refuse (MG_EINVAL) exactly the values on which a
     * figure is undefined here: a zero mean for Gini and Theil. */
    if (mg_stats_mean(x, w, n, &f.mean))
        f.mean = NAN;
    if (f.mean > 0) {
        if (mg_stats_gini(x, w, n, &f.gini))
            f.gini = NAN;
        int rc = group ? mg_stats_theil(x, w, n, group, ngroups, &f.theil, &f.theil_between,
                                        &f.theil_within)
                       : mg_stats_theil(x, w, n, NULL, 0, &f.theil, NULL, NULL);
        if (rc == MG_ENOMEM)
            return mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
        if (rc)
            f.theil = f.theil_between = f.theil_within = NAN;
    }
    if (!isnan(poverty_line))
        for (int a = 0; a < 3; a++)
            if (mg_stats_fgt(x, w, n, poverty_line, a, &f.fgt[a]))
                f.fgt[a] = NAN;
    *out = f;
    return MG_OK;
}
