/**
 * @file diagnosis.h
 * The diagnosis of a territory: loads a bundle (the study territory: DREES
 * APL file, contours) and a France folder (communes, EPCI, points, BPE
 * supply) in their publishers' formats, builds the travel-time table and
 * computes the APL of one profession for every commune. This is what the
 * command line and the web server share.
 *
 * Ownership: mg_diagnosis_free releases everything, the territory included.
 */
#ifndef MG_DIAGNOSIS_DIAGNOSIS_H
#define MG_DIAGNOSIS_DIAGNOSIS_H

#include <stdbool.h>

#include "access/access.h"
#include "access/model.h"
#include "core/error.h"
#include "territory/territory.h"
#include "traveltime/pairs.h"

enum mg_points { MG_POINTS_LAPOSTE, MG_POINTS_CONTOURS };

typedef struct mg_diagnosis_opts {
    const char *bundle;     /* folder like data/demo/11-aude */
    const char *france;     /* folder like data/demo/france */
    const char *profession; /* mg, inf, mk, sf, cd */
    const char *matrix;     /* optional from,to,minutes CSV replacing the model */
    const char *graph;      /* optional road graph (maillage route build) replacing it */
    const char *osm;        /* optional OSM extract, built into a graph in memory */
    enum mg_points points;  /* commune points of the study territory */
    bool neighbours;        /* false: ignore supply and demand outside the bundle */
    mg_crowfly crowfly;     /* the crow-fly part of the model (with an external
                             * matrix or road times it is not used) */
    double time_spread;     /* σ of the APL's steps on crow-fly times (access/model.h) */
    double activity_exponent; /* γ of the activity per practitioner (access/model.h) */
    double activity_reference; /* its reference demand (access/model.h) */
    double centre_heads;    /* GPs counted per health centre (BPE D108) */
    bool model_explicit;    /* false: the model fields are ignored and each
                             * profession gets its calibrated defaults
                             * (mg_model_defaults_for) */
    double catchment;       /* the other measures' catchment, minutes; the table
                             * reaches further when the APL's spread needs it */
    enum mg_drees_age official_age;
    double supply_per_head; /* 0: the profession's default */
    const char *steps;      /* optional APL step profile "10:1,15:0.66,20:0.33" */
    bool allow_missing;     /* inhabited communes without an official row are accepted */
    const char *practitioners; /* optional annuaire santé extraction
                             * (PS_LibreAcces_Personne_activite_*.txt, directory/formats.h):
                             * the GPs of the study communes counted from its practitioners
                             * instead of the BPE's (profession mg only); neighbours keep
                             * the BPE's */
} mg_diagnosis_opts;

/** Defaults: GP, La Poste points, neighbours on, the calibrated model
 * (mg_model_defaults). */
mg_diagnosis_opts mg_diagnosis_defaults(void);

/** The model parts of the options, and setting them (setting does not
 * touch model_explicit). */
mg_model mg_diagnosis_model(const mg_diagnosis_opts *o);
void mg_diagnosis_set_model(mg_diagnosis_opts *o, const mg_model *m);

/** Progress callback: a step name and a fraction in [0, 1]. May be NULL. */
typedef void (*mg_progress_fn)(void *ctx, const char *step, double fraction);

typedef struct mg_diagnosis {
    mg_diagnosis_opts opts;
    mg_territory *t;
    const mg_profession *prof;
    mg_measure_spec apl_spec;
    mg_pairs pairs;
    double *heads;    /* practitioners per commune (BPE head count) */
    double *centres;  /* health centres per commune (BPE D108; 0 outside the bundle
                       * unless neighbours), NULL unless counted */
    double *per_head; /* supply of one more practitioner at each commune */
    double *supply;   /* per_head × (heads + centres counted), outside the bundle 0
                       * unless neighbours */
    double *demand;   /* standardised population, raw population as fallback */
    double *apl;      /* our APL */
    double *official; /* DREES official APL, NaN where absent */
    char *official_column;
    enum mg_drees_age official_age;
    size_t official_missing; /* inhabited study communes the DREES file has no value for */
    double unmapped_heads;
    size_t study_n;
    size_t *study;    /* indices of the study communes, sorted by code */
    mg_report report;
} mg_diagnosis;

/**
 * Loads and computes. On error *out is NULL, d names the file, line and
 * column or the setting at fault, and nothing is left allocated.
 */
int mg_diagnosis_load(mg_diagnosis **out, const mg_diagnosis_opts *o,
                      mg_progress_fn progress, void *pctx, mg_diag *d) MG_WARN_UNUSED;

/**
 * Computes another measure on the same inputs into out (t->n entries): the
 * competitive measures on supply in the APL's unit with its scale, gravity
 * and cumulative opportunities on head counts, nearest in minutes.
 */
int mg_diagnosis_measure(const mg_diagnosis *g, const char *name, double *out,
                         mg_diag *d) MG_WARN_UNUSED;

/**
 * Narrows the reported communes (g->study and the study flags: tables,
 * figures, agreement, planning's candidates and objective) to a scope, the
 * values staying those computed with every neighbour. `spec` is
 * "epci:SIREN": the communes of the study territory in that EPCI. MG_EINVAL
 * with a message naming the scope when it is malformed, names no EPCI of
 * the territory, or holds no study commune; g is unchanged then.
 */
int mg_diagnosis_scope(mg_diagnosis *g, const char *spec, mg_diag *d) MG_WARN_UNUSED;

/**
 * The same for a list of communes: mark[i] (t->n entries) set for each
 * commune of the scope, `name` (the list's file) for messages. MG_EINVAL
 * when a marked commune is not in the study territory (named) or none is
 * marked; g is unchanged then.
 */
int mg_diagnosis_scope_marked(mg_diagnosis *g, const uint8_t *mark, const char *name,
                              mg_diag *d) MG_WARN_UNUSED;

void mg_diagnosis_free(mg_diagnosis *g);

#endif
