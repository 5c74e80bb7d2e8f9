/**
 * @file indicators.h
 * The indicators of a contract's actions, their dated values, and the
 * action's expected effect on access (issue 15; indicators.c, effect.c;
 * tables indicators and indicator_values of migration 008).
 *
 * An indicator has a definition (title, unit, direction, target) and one
 * of three sources:
 *  - manual: values typed in, each with its date, source and comment;
 *  - engine: computed by the access engine over the action's target
 *    communes (or the contract's territory when the action names none) —
 *    the measure's population-weighted mean ("apl_mean"), the inhabitants
 *    below the profession's under-served threshold ("below_population"),
 *    the number of communes below it ("below_communes") — for one
 *    profession. Each value carries its data year and the method's
 *    parameters as its *series*: recomputing with the same inputs finds
 *    the value already there, a recalibration or new data adds a new
 *    series, and two values of one series (the same inputs) are never
 *    shown as a measured change;
 *  - provider: fed by another module through mg_indicator_provider (the
 *    single window: amounts granted and paid; booking: hours used, people
 *    received; rounds: stops made, people covered). Providers register
 *    statically in the table of indicators.c; this module's own, the
 *    amounts paid on the action's budget lines, is the first.
 *
 * Who may change an action's indicators is the caller's decision (the
 * action's edit right). Every change is one write transaction with its
 * audit entry (object type "indicator", organisation the contract's lead).
 */
#ifndef MG_CONTRACTS_INDICATORS_H
#define MG_CONTRACTS_INDICATORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "contracts/contracts.h"
#include "core/error.h"
#include "db/db.h"
#include "diagnosis/diagnosis.h"
#include "scenario/scenario.h"

typedef enum mg_indicator_source {
    MG_INDICATOR_MANUAL = 0,
    MG_INDICATOR_ENGINE,
    MG_INDICATOR_PROVIDER,
    MG_INDICATOR_SOURCES
} mg_indicator_source;

/* "manual", "engine", "provider"; « Saisi », « Calculé par maillage »,
 * « Fourni par un module ». */
const char *mg_indicator_source_key(mg_indicator_source s);
const char *mg_indicator_source_label(mg_indicator_source s);
int mg_indicator_source_parse(const char *key, mg_indicator_source *out) MG_WARN_UNUSED;

typedef struct mg_indicator {
    int64_t id;
    int64_t action_id;
    char title[MG_CONTRACT_TITLE_MAX_CHARS * 4 + 1];
    char unit[50 * 4 + 1];
    bool higher_is_better;
    double target;             /* NaN: none */
    char target_on[11];        /* "" none */
    mg_indicator_source source;
    char measure[64];          /* engine: "apl_mean", "below_population", "below_communes";
                                  provider: its key; manual: "" */
    char profession[32];       /* engine: "mg", "inf"…; else "" */
} mg_indicator;

typedef struct mg_indicator_input {
    const char *title, *unit;
    const char *direction;     /* "up" (higher is better) or "down"; NULL or "": the
                                  engine measure's own (down for those below the
                                  threshold), else up */
    const char *target;        /* a French number; NULL or "": none */
    const char *target_on;
    const char *source;        /* a key; NULL or "": manual */
    const char *measure;       /* engine measure or provider key */
    const char *profession;    /* engine */
} mg_indicator_input;

/** Fields: "title", "unit", "direction", "target", "target_on", "source",
 * "measure" (an engine measure or a provider key of the table),
 * "profession" (engine). */
int mg_indicator_input_check(const mg_indicator_input *in, mg_contract_field_error *fe,
                             mg_diag *d) MG_WARN_UNUSED;
int mg_indicator_create(mg_db *db, int64_t by, int64_t action_id, const mg_indicator_input *in,
                        int64_t *id_out, mg_contract_field_error *fe, mg_diag *d) MG_WARN_UNUSED;
int mg_indicator_get(mg_db *db, int64_t id, mg_indicator *out, mg_diag *d) MG_WARN_UNUSED;
/** The indicators of an action (action_id > 0) or of every action of a
 * contract (action_id 0), by action then title, into a new array (free()). */
int mg_indicators(mg_db *db, int64_t contract_id, int64_t action_id, mg_indicator **out,
                  size_t *n, mg_diag *d) MG_WARN_UNUSED;

typedef struct mg_indicator_value {
    int64_t id;
    int64_t indicator_id;
    char measured_on[11];
    double value;
    char series[200 * 4 + 1];  /* engine: « données 2021 · … »; "" for typed values */
    int data_year;             /* 0 not known */
    char *params_json;         /* engine: the method's parameters; owned */
    char source_note[500 * 4 + 1];
    char *comment;             /* owned */
} mg_indicator_value;

/** A typed value: date, value (a French number), source, comment. Fields
 * "measured_on", "value", "source_note", "comment". Only for manual
 * indicators (MG_EINVAL on "value" otherwise). */
int mg_indicator_value_add(mg_db *db, int64_t by, int64_t indicator_id, const char *measured_on,
                           const char *value, const char *source_note, const char *comment,
                           int64_t *id_out, mg_contract_field_error *fe,
                           mg_diag *d) MG_WARN_UNUSED;
/** By date then series, into a new array (mg_indicator_values_free). */
int mg_indicator_values(mg_db *db, int64_t indicator_id, mg_indicator_value **out, size_t *n,
                        mg_diag *d) MG_WARN_UNUSED;
void mg_indicator_values_free(mg_indicator_value *v, size_t n);

/* --- Computed by the engine -------------------------------------------------- */

/** The engine measures in order, k = 0, 1, … ("apl_mean",
 * "below_population", "below_communes"; NULL past the last), and the
 * French label of one ("" for an unknown key). Added by the indicators
 * work for the pages' forms and tables. */
const char *mg_indicator_engine_measure_key(size_t k);
const char *mg_indicator_engine_measure_label(const char *measure);

/** What the engine needs to compute an indicator: the diagnosis of the
 * indicator's profession, its data year, the threshold, and the
 * communes (territory indices of study communes). */
typedef struct mg_indicator_engine {
    const mg_diagnosis *g;
    int data_year;             /* the year of the APL inputs (2021 for the demo) */
    double threshold;          /* the under-served threshold of g's profession */
    const size_t *communes;
    size_t ncommunes;
} mg_indicator_engine;

/** The value of engine measure `measure` over e's communes on g->apl:
 * exactly what `maillage access --scope` writes for them. */
int mg_indicator_engine_value(const mg_indicator_engine *e, const char *measure, double *out,
                              mg_diag *d) MG_WARN_UNUSED;

/** The series key of e (data year, model parameters, threshold), as
 * stored: the same inputs give the same key. */
void mg_indicator_engine_series(const mg_indicator_engine *e, char *out, size_t cap);

/**
 * Computes engine indicator `indicator_id` on e and records the value of
 * today in e's series unless that series already holds one computed from
 * the same inputs (then nothing is written and *added is false).
 */
int mg_indicator_engine_refresh(mg_db *db, int64_t by, int64_t indicator_id,
                                const mg_indicator_engine *e, bool *added,
                                mg_diag *d) MG_WARN_UNUSED;

/* --- Fed by other modules ----------------------------------------------------- */

typedef struct mg_indicator_point {
    char on[11];               /* "YYYY-MM-DD" */
    double value;
} mg_indicator_point;

typedef struct mg_indicator_provider {
    const char *key;           /* "budget.paid", "funding.granted", "booking.hours"… */
    const char *label;         /* French, for the form */
    const char *unit;          /* French unit, "€", "heures"… */
    /* The values of action `action_id` over time, into a new array (free()). */
    int (*values)(mg_db *db, int64_t action_id, mg_indicator_point **out, size_t *n,
                  mg_diag *d);
} mg_indicator_provider;

/** The registered providers (*n of them). */
const mg_indicator_provider *mg_indicator_providers(size_t *n);
const mg_indicator_provider *mg_indicator_provider_find(const char *key);

/** Records the provider's current values for indicator `indicator_id`
 * (those not stored yet, by date). */
int mg_indicator_provider_refresh(mg_db *db, int64_t by, int64_t indicator_id,
                                  mg_diag *d) MG_WARN_UNUSED;

/* --- The expected effect of an action modelled by a scenario ----------------- */

typedef struct mg_action_effect {
    size_t ncommunes;          /* target communes counted */
    double population;         /* their inhabitants */
    double mean_before, mean_after;          /* population-weighted APL */
    double below_before, below_after;        /* inhabitants below the threshold */
    size_t communes_below_before, communes_below_after;
    double lifted;             /* below_before - below_after (may be negative) */
    int64_t cost_cents;        /* the action's planned budget (0: not known) */
    double cost_per_person;    /* euros per inhabitant lifted; NaN when none is */
} mg_action_effect;

/**
 * The effect of scenario `s` on the n target communes `communes`
 * (territory indices) of diagnosis e->g: before is g->apl, after the
 * scenario's APL (mg_scenario_eval), the threshold e->threshold; the cost
 * per person is cost_cents / 100 / lifted.
 */
int mg_action_effect_compute(const mg_indicator_engine *e, const mg_scenario_engine *se,
                             const mg_scenario *s, int64_t cost_cents, mg_action_effect *out,
                             mg_diag *d) MG_WARN_UNUSED;

#endif
