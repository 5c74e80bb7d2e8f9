/**
 * @file agreement.h
 * How closely a computed indicator agrees with reference values (ours against
 * the DREES official APL): pairs (a[i], b[i]), i < n; pairs where either
 * value is NaN are skipped. MG_EINVAL when too few pairs remain (2 for a
 * correlation, 1 for the others), a correlation is undefined (one side has
 * zero variance over the usable pairs), a usable value is infinite, or a
 * pointer is NULL.
 */
#ifndef MG_STATS_AGREEMENT_H
#define MG_STATS_AGREEMENT_H

#include <stddef.h>

#include "core/error.h"

/** Pearson product-moment correlation. */
int mg_stats_pearson(const double *a, const double *b, size_t n, double *out) MG_WARN_UNUSED;

/** Spearman rank correlation: Pearson on ranks, ties given their mean rank. */
int mg_stats_spearman(const double *a, const double *b, size_t n, double *out) MG_WARN_UNUSED;

/** Mean absolute error Σ|a − b| / m over the m usable pairs (m >= 1). */
int mg_stats_mae(const double *a, const double *b, size_t n, double *out) MG_WARN_UNUSED;

/** Confusion table of the classification "value < threshold". */
typedef struct mg_confusion {
    size_t both_below;   /* a < t and b < t */
    size_t only_a_below; /* a < t, b >= t */
    size_t only_b_below; /* a >= t, b < t */
    size_t both_above;   /* a >= t and b >= t */
} mg_confusion;

/**
 * Fills the table over usable pairs (m >= 1); a value equal to the threshold
 * is not below it. MG_EINVAL when the threshold is NaN.
 */
int mg_stats_confusion(const double *a, const double *b, size_t n,
                       double threshold, mg_confusion *out) MG_WARN_UNUSED;

#endif
