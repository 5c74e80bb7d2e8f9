/**
 * @file decay.h
 * Distance-decay functions f(t) of travel time t in minutes, used by every
 * floating-catchment measure. f is 0 at and beyond the catchment.
 */
#ifndef MG_ACCESS_DECAY_H
#define MG_ACCESS_DECAY_H

#include <stddef.h>

#include "core/error.h"

#define MG_DECAY_MAX_STEPS 16

enum mg_decay_kind {
    MG_DECAY_BINARY,      /* 1 within the catchment (2SFCA, cumulative) */
    MG_DECAY_STEP,        /* stepped weights (E2SFCA, the DREES APL) */
    MG_DECAY_GAUSSIAN,    /* Dai's Gaussian, reaching 0 at the catchment */
    MG_DECAY_EXPONENTIAL, /* exp(−β t) within the catchment (gravity) */
};

typedef struct mg_decay {
    enum mg_decay_kind kind;
    double catchment; /* minutes; f(t) = 0 for t >= catchment */
    /* MG_DECAY_STEP: weight[k] for upper[k−1] <= t < upper[k] (upper[−1] =
     * 0); upper increasing, the last one equal to the catchment. */
    size_t nsteps;
    double upper[MG_DECAY_MAX_STEPS];
    double weight[MG_DECAY_MAX_STEPS];
    double beta; /* MG_DECAY_EXPONENTIAL, per minute */
    /* MG_DECAY_STEP: spread σ of a log-normal error on travel time, 0 for
     * sharp steps. With σ > 0 the weight of a pair is the expected step
     * weight when the true time is t·e^{σZ}, Z standard normal:
     * f(t) = Σ_k weight[k]·[Φ(ln(upper[k]/t)/σ) − Φ(ln(upper[k−1]/t)/σ)],
     * a smooth profile, cut at catchment = upper[last]·e^{MG_DECAY_SPREAD_Z·σ}
     * where it is below 0.7 % of the last weight. */
    double spread;
} mg_decay;

/** How many σ beyond the last bound a smoothed profile reaches. */
#define MG_DECAY_SPREAD_Z 2.5

/**
 * Gives a step profile the spread σ (0 ≤ σ ≤ 1) and sets its catchment
 * accordingly. MG_EINVAL for another kind or σ out of range.
 */
int mg_decay_set_spread(mg_decay *f, double spread, mg_diag *d) MG_WARN_UNUSED;

/**
 * The DREES profile for general practitioners: 1 under 10 minutes, 0.66
 * from 10 to 15, 0.33 from 15 to 20, 0 from 20 (DREES, APL method note).
 */
mg_decay mg_decay_drees(void);

/** f(t). */
double mg_decay_eval(const mg_decay *f, double t);

/**
 * w[k] = f(t[k]) for k < n, fast: a lookup in a table of MG_DECAY_TABLE
 * cells over [0, catchment] — sharp steps exactly (cells near a bound
 * compare with it), a smoothed profile by the cubic Hermite interpolant of
 * f and f' at the cells' ends (within 1e-10 of mg_decay_eval when the
 * first bound is a minute or more; test_access checks spreads 0.05 to 0.35).
 */
void mg_decay_eval_many(const mg_decay *f, const double *t, size_t n, double *w);
#define MG_DECAY_TABLE 4096

/**
 * Parses a step profile "10:1,15:0.66,20:0.33" (upper bound in minutes:
 * weight, increasing bounds, weights in [0, 1]) into *out (kind STEP,
 * catchment the last bound). MG_EINVAL with a message naming the item.
 */
int mg_decay_parse_steps(const char *spec, mg_decay *out, mg_diag *d) MG_WARN_UNUSED;

/** Checks the fields of f; MG_EINVAL with a message when inconsistent. */
int mg_decay_check(const mg_decay *f, mg_diag *d) MG_WARN_UNUSED;

#endif
