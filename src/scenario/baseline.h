/**
 * @file baseline.h
 * The baseline a scenario's result is shown on.
 *
 *  - MODEL: the model's own APL before and after (the values maillage
 *    computes from the publishers' files);
 *  - OFFICIAL: the official DREES APL where the DREES publishes a value for
 *    the commune, plus the model's change (after minus before), so that
 *    with no action the map is the DREES map and a scenario shows what it
 *    changes. Where official plus change would fall below zero, the value
 *    shown is 0 and the commune is flagged (CLAMPED). Where the DREES has no
 *    value, the model's value is shown and the commune is flagged
 *    (MODEL_FALLBACK).
 *
 * Every consumer (pages, API, exports, planning, the command line) goes
 * through mg_baseline_value or mg_baseline_apply, so that the rule is
 * written once. Official values are those of the diagnosis (g->official):
 * already mapped through the code history by the importer, a merged
 * commune having the standardised-population-weighted mean of its parts.
 */
#ifndef MG_SCENARIO_BASELINE_H
#define MG_SCENARIO_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mg_baseline { MG_BASELINE_MODEL, MG_BASELINE_OFFICIAL, MG_BASELINE_COUNT };

/** "model" or "official" (the names of the command line and the API). */
const char *mg_baseline_name(enum mg_baseline b);

/**
 * The baseline named `s`: "model" or "official", and the French words of
 * the pages' links, "modele" and "officielle". MG_BASELINE_COUNT when
 * unknown (NULL included).
 */
enum mg_baseline mg_baseline_parse(const char *s);

/** Flags of a shown value. */
enum {
    /* OFFICIAL mode, the DREES has no value for the commune: the model's
     * value is shown. */
    MG_BASELINE_F_MODEL_FALLBACK = 1u << 0,
    /* OFFICIAL mode, official plus change was below zero: 0 is shown. */
    MG_BASELINE_F_CLAMPED = 1u << 1,
};

/** A value as shown, and how it was obtained. */
typedef struct mg_baseline_shown {
    double value;
    unsigned flags; /* MG_BASELINE_F_… */
} mg_baseline_shown;

/**
 * The value shown for one commune: `official` the DREES value (NaN where
 * absent), `before` and `after` the model's APL without and with the
 * scenario (after == before for the situation today).
 */
mg_baseline_shown mg_baseline_value(enum mg_baseline b, double official, double before,
                                    double after);

/** Counts of a whole territory's shown values. */
typedef struct mg_baseline_counts {
    size_t official; /* official + change (OFFICIAL mode) */
    size_t fallback; /* model value, no official one */
    size_t clamped;  /* brought back to 0 */
} mg_baseline_counts;

/**
 * mg_baseline_value for n communes: out (n entries, may alias after) and
 * flags (n entries, may be NULL). Counts (may be NULL) over the communes
 * flagged in `only` (n entries; NULL: all of them).
 */
void mg_baseline_apply(enum mg_baseline b, size_t n, const double *official,
                       const double *before, const double *after, double *out, uint8_t *flags,
                       const uint8_t *only, mg_baseline_counts *counts);

/** French label of what the values are, for pages and exports:
 * "APL du modèle" or "APL officielle + effet du scénario (modèle)". */
const char *mg_baseline_label_fr(enum mg_baseline b);

#endif
