/**
 * @file summary.h
 * Key figures of a diagnosis over the study territory, per département and
 * per EPCI: population-weighted mean, population below the under-served
 * threshold, inequality (Gini, Theil with its between/within-EPCI split,
 * D9/D1, Palma, FGT gap), and agreement with the official values.
 * Figures that are undefined (D1 = 0, no population) are NaN.
 */
#ifndef MG_DIAGNOSIS_SUMMARY_H
#define MG_DIAGNOSIS_SUMMARY_H

#include "diagnosis/diagnosis.h"
#include "stats/agreement.h"

typedef struct mg_area_summary {
    char code[16];
    const char *name; /* borrowed from the territory */
    size_t communes;
    double population, demand;
    double mean, min, max;
    double below_population, below_share, fgt1; /* NaN without a threshold */
    double gini, theil, d9d1, palma;
    double official_mean; /* NaN without official values */
} mg_area_summary;

typedef struct mg_summary {
    double threshold;
    mg_area_summary territory;
    double theil_between, theil_within; /* by EPCI */
    size_t ndep, nepci;
    mg_area_summary *dep, *epci;
    /* Agreement with the official APL over communes having both values. */
    size_t compared;
    double spearman, pearson, mae;
    mg_confusion confusion; /* a = ours, b = official, below threshold */
} mg_summary;

/**
 * Computes the figures of `value` (t->n entries, e.g. g->apl) over the study
 * communes of g, weighted by g->demand. threshold NaN: no under-served
 * figures. official may be NULL.
 */
int mg_summary_compute(const mg_diagnosis *g, const double *value, const double *official,
                       double threshold, mg_summary *out, mg_diag *d) MG_WARN_UNUSED;

/**
 * The same figures, reusing those of `base` (computed by this function or
 * mg_summary_compute for the same diagnosis and threshold from
 * `base_value`) for every EPCI none of whose communes changed value: a
 * scenario touches a few EPCI, so most of the work is skipped. Without
 * official values only (agreement is recomputed otherwise); base NULL
 * computes everything.
 */
int mg_summary_update(const mg_diagnosis *g, const double *value, const double *official,
                      double threshold, const mg_summary *base, const double *base_value,
                      mg_summary *out, mg_diag *d) MG_WARN_UNUSED;

/**
 * The same over the n communes `study` (territory indices, in the study's
 * order) instead of g->study: a scope's figures (diagnosis/scope.h). base,
 * when given, must have been computed over the same communes.
 */
int mg_summary_compute_on(const mg_diagnosis *g, const size_t *study, size_t n,
                          const double *value, const double *official, double threshold,
                          const mg_summary *base, const double *base_value, mg_summary *out,
                          mg_diag *d) MG_WARN_UNUSED;

/** The agreement of a value with the official one over some communes. */
typedef struct mg_agreement {
    size_t compared; /* communes with both values */
    double spearman, pearson, mae;
    mg_confusion confusion; /* a = value, b = official, below the threshold */
} mg_agreement;

/**
 * The agreement over the n communes idx (territory indices) having both
 * values: `value` rounded as the tables write it against `official`, the
 * confusion of "below the threshold" when it is not NaN (the figures of
 * mg_summary_compute, for any list of communes). MG_ENOMEM.
 */
int mg_summary_agreement(const size_t *idx, size_t n, const double *value,
                         const double *official, double threshold,
                         mg_agreement *out) MG_WARN_UNUSED;

void mg_summary_free(mg_summary *s);

#endif
