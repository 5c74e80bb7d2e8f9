/**
 * @file inequality.h
 * Population-weighted distribution figures of an accessibility measure over
 * communes: every function takes values x[i] and weights w[i] (standardised
 * population), i < n. Weights must be finite and >= 0; entries with w == 0
 * are ignored; NaN values are ignored with their weight. Results through
 * out-parameters; MG_EINVAL when no positive weight remains or an argument
 * is out of its domain: a NULL pointer, a negative or non-finite weight
 * (checked on every entry, ignored ones included), an infinite value, or a
 * sum that overflows.
 */
#ifndef MG_STATS_INEQUALITY_H
#define MG_STATS_INEQUALITY_H

#include <stddef.h>

#include "core/error.h"

/** Weighted mean Σ w x / Σ w. */
int mg_stats_mean(const double *x, const double *w, size_t n, double *out) MG_WARN_UNUSED;

/**
 * Weighted quantile q in [0,1] of the distribution where each commune is a
 * mass w_i at x_i: the smallest x such that the cumulative weight of values
 * <= x reaches q·Σw (inverse of the weighted empirical CDF). No
 * interpolation: the result is always one of the x[i]. q = 0 gives the
 * smallest usable value and q = 1 the largest. A cumulative weight within
 * 16·DBL_EPSILON·Σw below q·Σw counts as reaching it, so that rounding in
 * q (0.1 is not a binary fraction) and in the sums cannot push the answer
 * one commune up: ten equal weights give D1 = the first value. MG_EINVAL
 * when q is NaN or outside [0,1].
 */
int mg_stats_quantile(const double *x, const double *w, size_t n, double q,
                      double *out) MG_WARN_UNUSED;

/**
 * Weighted Gini coefficient (mean absolute difference over all pairs of
 * people / (2 · mean)); 0 = equal. x must be >= 0 with a positive mean.
 * "All pairs" are the ordered pairs of the population, a person paired with
 * themselves included, so n equal-weight communes give
 * Σ_i Σ_j |x_i − x_j| / (2 n² mean), without the n/(n − 1) small-sample
 * correction; integer weights thus act exactly like repeated rows.
 */
int mg_stats_gini(const double *x, const double *w, size_t n, double *out) MG_WARN_UNUSED;

/**
 * Theil T index, Σ w x ln(x/μ) / Σ w μ (terms with x = 0 count 0), and its
 * decomposition by group g[i] in [0, ngroups): between = Σ_g s_g ln(μ_g/μ)
 * with s_g the group's share of the total Σ w x, within = Σ_g s_g T_g, so
 * that total = between + within. between/within may be NULL; g may be NULL
 * when both are (g is not read then). x must be >= 0 with a positive mean.
 * When g is read, every usable entry must have g[i] < ngroups (ignored
 * entries may hold any value); a group whose Σ w x is 0 adds nothing to
 * either part. MG_ENOMEM when the per-group table cannot be allocated.
 */
int mg_stats_theil(const double *x, const double *w, size_t n, const size_t *g,
                   size_t ngroups, double *total, double *between,
                   double *within) MG_WARN_UNUSED;

/**
 * Decile ratio D9/D1 with the weighted quantiles above (q = 0.9 and 0.1).
 * MG_EINVAL when D1 is 0 (the ratio is then infinite; callers report it).
 */
int mg_stats_decile_ratio(const double *x, const double *w, size_t n,
                          double *out) MG_WARN_UNUSED;

/**
 * Palma ratio: share of Σ w x held by the top 10 % of people over the share
 * held by the bottom 40 % (people split at the weighted quantiles, a commune
 * straddling a cut contributing pro rata of its weight). x must be >= 0;
 * MG_EINVAL when the bottom 40 % hold nothing (the ratio is then infinite).
 */
int mg_stats_palma(const double *x, const double *w, size_t n, double *out) MG_WARN_UNUSED;

/** Gini, D9/D1 and Palma with the return code of each. */
typedef struct mg_stats_order {
    double gini, d9d1, palma; /* set where the code is MG_OK */
    int gini_rc, d9d1_rc, palma_rc;
} mg_stats_order;

/**
 * The figures that need the values in order, from one sort instead of
 * three: each result and code is what mg_stats_gini, mg_stats_decile_ratio
 * and mg_stats_palma give on the same arguments. x and w must not be NULL.
 */
void mg_stats_order_figures(const double *x, const double *w, size_t n, mg_stats_order *out);

/**
 * Foster–Greer–Thorbecke family for threshold z > 0:
 * FGT_alpha = Σ_{x<z} w ((z − x)/z)^alpha / Σ w. alpha = 0 is the share of
 * people below z (strictly), alpha = 1 the normalised gap, alpha = 2 its
 * severity. alpha must be finite and >= 0, z finite; x may be negative.
 */
int mg_stats_fgt(const double *x, const double *w, size_t n, double z,
                 double alpha, double *out) MG_WARN_UNUSED;

#endif
