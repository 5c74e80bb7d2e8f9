/**
 * @file model.h
 * The parameters of maillage's accessibility model beyond the APL's
 * published rules: the crow-fly travel-time model (speed, detour, an access
 * time per trip), the spread of the step weights that stands for the
 * uncertainty of crow-fly times, and the supply side (activity per GP that
 * varies with the local pressure of demand, health centres counted as
 * extra practitioners). `maillage calibrate` fits them to the official APL;
 * the defaults are that fit on the national file (docs/methodology.md).
 *
 * A parameter file is text, one `key = value` per line, `#` comments:
 *
 *     speed_kmh = 52.5
 *     detour = 1.3
 *     access_minutes = 2
 *     time_spread = 0.2
 *     activity_exponent = 0.13
 *     activity_reference = 250000
 *     centre_practitioners = 1
 *
 * Keys left out keep their default value.
 */
#ifndef MG_ACCESS_MODEL_H
#define MG_ACCESS_MODEL_H

#include <stdio.h>

#include "access/decay.h"
#include "core/error.h"
#include "traveltime/pairs.h"

typedef struct mg_model {
    mg_crowfly crowfly;       /* speed, detour, access minutes */
    double time_spread;       /* σ of the log-normal error on crow-fly times (0: sharp steps) */
    double activity_exponent; /* γ: activity per practitioner ∝ (demand within reach)^γ */
    double activity_reference; /* D_ref, standardised people within reach at which the
                                * activity is the average; 0: the value that keeps the
                                * table's total activity (what the calibration uses) */
    double centre_heads;      /* practitioners counted per health centre (BPE D108), GPs only */
} mg_model;

/** The shipped defaults: the national fit for GPs (docs/methodology.md). */
mg_model mg_model_defaults(void);

/**
 * The national fit for a profession (mg, inf, mk, sf, cd: the DREES file
 * suffixes); GPs' for an unknown key.
 */
mg_model mg_model_defaults_for(const char *profession);

/** The model of releases before calibration: 1.3 × 60 km/h, nothing else. */
mg_model mg_model_uncalibrated(void);

/** Checks every field's range; MG_EINVAL naming the key at fault. */
int mg_model_check(const mg_model *m, mg_diag *d) MG_WARN_UNUSED;

/**
 * Reads a parameter file over *m (keys absent keep m's values). Errors name
 * file, line and column: an unknown or repeated key, a value that is not a
 * number, a value out of range. *m is unchanged on error.
 */
int mg_model_read(const char *path, mg_model *m, mg_diag *d) MG_WARN_UNUSED;

/** The same from a buffer (the fuzz target's entry); `name` for messages. */
int mg_model_parse(const char *text, size_t len, const char *name, mg_model *m,
                   mg_diag *d) MG_WARN_UNUSED;

/** Writes every key, with `comment` lines first (may be NULL). */
int mg_model_write(FILE *f, const mg_model *m, const char *comment) MG_WARN_UNUSED;

/**
 * The supply of every location from practitioner head counts (and health
 * centres), in the measure's unit:
 *   H_j = heads_j + centre_heads·centres_j (centres may be NULL),
 *   D_j = Σ_k w_jk P_k over row j of the table (the demand within reach of
 *         j, step 1's denominator on a symmetric table),
 *   a_j = (D_j / D_ref)^γ bounded to [1/5, 5],
 *   supply_j = per_head · H_j · a_j,
 * D_ref being m->activity_reference, or when that is 0 the value for which
 * Σ H_j (D_j/D_ref)^γ = Σ H_j over the table: the total activity stays the
 * head counts' (the calibration on the national file writes that value, so
 * that a département's run uses the national reference, not its own).
 * With γ = 0 the table is not read (w may be NULL). `per_head_out` (may be
 * NULL) receives per_head·a_j, the activity of one more practitioner at j;
 * `reference_out` (may be NULL) the D_ref used (0 when γ = 0).
 * MG_ENOMEM when scratch space cannot be had.
 */
int mg_model_supply(const mg_pairs *p, const double *w, const double *heads,
                    const double *centres, const double *demand, const mg_model *m,
                    double per_head, double *supply_out, double *per_head_out,
                    double *reference_out) MG_WARN_UNUSED;

#endif
