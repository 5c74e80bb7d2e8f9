/**
 * @file access.h
 * Spatial accessibility measures over a sparse travel-time table: the DREES
 * APL (an E2SFCA) and its family — 2SFCA, E2SFCA with any decay, Gaussian
 * 2SFCA, 3SFCA, BFCA, gravity (Hansen), cumulative opportunities, time to
 * the nearest practitioner. The formulas are in docs/methodology.md.
 *
 * Conventions: node i of the table is both a demand location (standardised
 * population demand[i]) and a possible supply location (supply[i] in the
 * measure's unit: acts per year for the GP APL). Outputs have p->n entries.
 */
#ifndef MG_ACCESS_ACCESS_H
#define MG_ACCESS_ACCESS_H

#include <stddef.h>

#include "access/decay.h"
#include "core/error.h"
#include "traveltime/pairs.h"

enum mg_measure {
    MG_MEASURE_2SFCA,      /* two steps with the decay given (binary: Luo & Wang 2003) */
    MG_MEASURE_3SFCA,      /* selection weights G_ij in both steps (Wan et al. 2012) */
    MG_MEASURE_BFCA,       /* balanced: row- then column-normalised weights (Paez et al. 2019) */
    MG_MEASURE_GRAVITY,    /* Hansen potential Σ_j S_j f(t_ij), no competition */
    MG_MEASURE_CUMULATIVE, /* Σ_j S_j for t_ij < catchment */
    MG_MEASURE_NEAREST,    /* minutes to the nearest node with supply > 0 */
};

/** A named measure as offered on the command line. */
typedef struct mg_measure_spec {
    const char *name;  /* "apl", "2sfca", "e2sfca", "g2sfca", … */
    enum mg_measure measure;
    mg_decay decay;
    double scale;      /* multiplies the result (1e5: per 100,000 people) */
} mg_measure_spec;

/**
 * The measure called `name` with its default decay for `catchment` minutes
 * (the DREES profile for "apl", "e2sfca" and "3sfca" unless a step profile
 * is given later). MG_EINVAL for an unknown name, listing the known ones.
 */
int mg_measure_lookup(const char *name, double catchment, mg_measure_spec *out,
                      mg_diag *d) MG_WARN_UNUSED;

/** Space-separated names of every measure, for --help. */
const char *mg_measure_names(void);

/**
 * Computes the measure. `demand` may be NULL for measures without
 * competition. Entries with no reachable supply get 0 (NaN for NEAREST).
 * Allocates its scratch space once per call, outside the loops.
 */
int mg_access_compute(const mg_pairs *p, const double *supply, const double *demand,
                      const mg_measure_spec *m, double *out, mg_diag *d) MG_WARN_UNUSED;

/* --- The two-step kernel, exposed for scenario evaluation and benches. */

/** w[k] = f(t_k) for every pair k of p (p->npairs entries). */
void mg_access_weights(const mg_pairs *p, const mg_decay *f, double *w);

/**
 * The generic two-step pass with precomputed pair weights:
 * step 1 D_j = Σ_i w1_ij P_i, R_j = S_j / D_j (0 when D_j = 0);
 * step 2 A_i = Σ_j w2_ij R_j. `ratio` (n entries) receives R and is the
 * only scratch space needed. w1 and w2 may be the same array.
 */
void mg_access_two_step(const mg_pairs *p, const double *w1, const double *w2,
                        const double *supply, const double *demand, double *ratio,
                        double *out);

/**
 * Normalises the pair weights w over each origin's row, in place:
 * w_ij / Σ_k w_ik. With `supply` not NULL the sum runs over the
 * destinations with supply[k] > 0 only and pairs towards the others get 0
 * (the commune mode's BFCA and 3SFCA); with NULL it runs over every
 * destination of the row (IPEA's BFCA, the zones mode). A row summing to 0
 * stays 0.
 */
void mg_access_normalise_rows(const mg_pairs *p, const double *supply, double *w);

/**
 * Normalises w over each destination's column, in place: w_ij / Σ_k w_kj
 * (0 where the column sums to 0). MG_ENOMEM when its n sums cannot be
 * allocated.
 */
int mg_access_normalise_columns(const mg_pairs *p, double *w) MG_WARN_UNUSED;

/* --- Professions and their DREES conventions. ------------------------- */

typedef struct mg_profession {
    const char *key;      /* mg, inf, mk, sf, cd: the DREES file suffix */
    const char *bpe_type; /* INSEE BPE TYPEQU */
    const char *label;    /* French label, for people */
    double supply_per_head; /* acts per year per GP; FTE per head otherwise */
    double scale;           /* 1 for GPs, 1e5 (per 100,000) otherwise */
    const char *unit;
    double threshold;       /* under-served below this (NaN: none published) */
} mg_profession;

/** The profession with `key`, or NULL. */
const mg_profession *mg_profession_lookup(const char *key);

/** Published national mean of the GP APL used to derive acts per GP. */
#define MG_APL_MG_NATIONAL_MEAN 3.8

#endif
