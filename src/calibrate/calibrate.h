/**
 * @file calibrate.h
 * Fits the parameters of the accessibility model (access/model.h) to an
 * official APL: the crow-fly speed and access time, the spread of the step
 * weights, the activity exponent and the weight of health centres. The
 * objective is the mean, over départements, of the Spearman correlation
 * between our APL and the official one within the département (what a
 * Département compares), plus, with a flags weight W > 0, W times the
 * share of its communes on the same side of the threshold as the official
 * value (the under-served flag); leave-one-département-out cross-validation refits
 * without each département in turn and scores it on the fit that did not see
 * it. docs/methodology.md ("Calibration") states the objective, the search
 * and the figures of the shipped fit.
 *
 * The search is a deterministic compass (pattern) search in a box: from a
 * start, try each parameter one step up and down, move to the best
 * improvement, halve the steps when none improves, stop when every step is
 * below its tolerance. Candidates are evaluated on several threads; the
 * result does not depend on their number.
 *
 * Detour and speed act only through their ratio on crow-fly distances, so
 * the detour stays fixed and the speed is fitted.
 */
#ifndef MG_CALIBRATE_CALIBRATE_H
#define MG_CALIBRATE_CALIBRATE_H

#include <stddef.h>
#include <stdint.h>

#include "access/decay.h"
#include "access/model.h"
#include "core/error.h"

/** The fitted parameters, in this order. */
enum { MG_CALIB_SPEED, MG_CALIB_ACCESS, MG_CALIB_SPREAD, MG_CALIB_ACTIVITY, MG_CALIB_CENTRES, MG_CALIB_NPARAM };

/** Search box, first steps, tolerances; a parameter with lo == hi is fixed. */
typedef struct mg_calib_box {
    double lo[MG_CALIB_NPARAM], hi[MG_CALIB_NPARAM];
    double step[MG_CALIB_NPARAM], tol[MG_CALIB_NPARAM];
} mg_calib_box;

/** The documented box (docs/methodology.md). */
mg_calib_box mg_calib_box_default(void);

/** What the calibration works on; built by mg_calib_data_new. */
typedef struct mg_calib_data mg_calib_data;

typedef struct mg_calib_input {
    size_t n;                 /* locations (communes) */
    const double *lat, *lon;  /* NaN: no point (reaches itself only) */
    const double *demand;     /* standardised population */
    const double *heads;      /* practitioners */
    const double *centres;    /* health centres, or NULL */
    const double *official;   /* official APL, NaN where not compared */
    const char (*group)[4];   /* département of each location (compared ones) */
    double per_head;          /* supply per practitioner when centre_practitioners = 0 */
    double scale;             /* the profession's scale (1, or 1e5) */
    double threshold;         /* under-served below this (NaN: none) */
    mg_decay steps;           /* the sharp APL profile */
    double detour;            /* fixed detour factor */
    size_t min_group;         /* a département counts with at least this many compared communes */
    double flags_weight;      /* W: weight of the agreement on the flag in the objective (0) */
} mg_calib_input;

/**
 * Copies what it needs from `in` and builds the crow-fly distance table once
 * (every pair any model of the box can reach, rows sorted by distance; when
 * fewer than half the locations are compared, only those within two reaches
 * of a compared one take part: all that the compared values depend on).
 * MG_EINVAL when nothing can be compared (fewer than two départements
 * counting), MG_ENOMEM.
 */
int mg_calib_data_new(mg_calib_data **out, const mg_calib_input *in, const mg_calib_box *box,
                      mg_diag *d) MG_WARN_UNUSED;
void mg_calib_data_free(mg_calib_data *c);

size_t mg_calib_groups(const mg_calib_data *c);
const char *mg_calib_group_code(const mg_calib_data *c, size_t g);
size_t mg_calib_group_size(const mg_calib_data *c, size_t g);
size_t mg_calib_pairs(const mg_calib_data *c);

/** The model of a parameter vector (detour fixed) and back. */
mg_model mg_calib_model(const mg_calib_data *c, const double x[MG_CALIB_NPARAM]);
void mg_calib_vector(const mg_model *m, double x[MG_CALIB_NPARAM]);

/** Agreement of one département (or of all compared communes). */
typedef struct mg_calib_score {
    size_t communes;
    double spearman, pearson;                     /* NaN when undefined */
    size_t both_below, only_ours, only_official, both_above; /* "below the threshold" */
} mg_calib_score;

/**
 * Our APL for the model m on every location into apl (may be NULL) and each
 * département's score into scores (mg_calib_groups entries, may be NULL);
 * *objective receives the objective: the mean Spearman over départements
 * (plus W times the mean share of communes flagged alike).
 */
int mg_calib_evaluate(const mg_calib_data *c, const mg_model *m, double *apl,
                      mg_calib_score *scores, double *objective, mg_diag *d) MG_WARN_UNUSED;

/**
 * Sets m->activity_reference to the reference the calibration's data give
 * for m's exponent (the value that keeps their total activity), so that a
 * run on any part of the territory uses it. The evaluations of the
 * calibration always compute it that way, whatever m holds.
 */
int mg_calib_resolve(const mg_calib_data *c, mg_model *m, mg_diag *d) MG_WARN_UNUSED;

/**
 * Fits from `start`. `exclude` (mg_calib_groups flags, may be NULL) leaves
 * départements out of the objective. *best receives the model, *objective
 * its value, *evaluations the number of evaluations. `threads` >= 1.
 */
int mg_calib_fit(const mg_calib_data *c, const mg_calib_box *box, const mg_model *start,
                 const uint8_t *exclude, unsigned threads, mg_model *best, double *objective,
                 size_t *evaluations, mg_diag *d) MG_WARN_UNUSED;

/**
 * Leave-one-département-out: for each département g, a fit without g
 * (started from `fitted` with steps a quarter of the box's) and g's score
 * under it into cv[g]; cv_models (may be NULL) receives each fold's model.
 */
int mg_calib_cross_validate(const mg_calib_data *c, const mg_calib_box *box,
                            const mg_model *fitted, unsigned threads, mg_calib_score *cv,
                            mg_model *cv_models, size_t *evaluations,
                            mg_diag *d) MG_WARN_UNUSED;

#endif
