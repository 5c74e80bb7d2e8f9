/**
 * @file zones.h
 * Accessibility on any zones (IRIS, 200 m squares, an IPEA land-use table):
 * a zones table read from CSV (an id, a supply and a demand column, an
 * optional weight and group), an origin–destination matrix between those
 * zones, and the measures of the floating-catchment family defined as IPEA's
 * R package *accessibility* defines them. Supply and demand are used as
 * given: no unit scaling. Definitions and boundary conventions are in
 * docs/methodology.md ("Any zones").
 *
 * Ownership: an mg_zones owns its arrays (mg_zones_free); the matrix is an
 * mg_pairs owned by the caller (mg_pairs_free).
 */
#ifndef MG_ACCESS_ZONES_H
#define MG_ACCESS_ZONES_H

#include <stddef.h>

#include "access/decay.h"
#include "core/error.h"
#include "traveltime/pairs.h"

typedef struct mg_zones {
    size_t n;
    char **id;          /* n ids, in file order, unique */
    double *supply;     /* n, >= 0 */
    double *demand;     /* n, >= 0 */
    double *weight;     /* n, >= 0; NULL when no weight column was named */
    size_t *group;      /* n indices into group_name; NULL without a group column */
    size_t ngroups;
    char **group_name;  /* ngroups names, in order of first appearance */
    struct zone_index *index; /* id → zone */
} mg_zones;

/** The column names to read; weight and group may be NULL. */
typedef struct mg_zones_columns {
    const char *id, *supply, *demand, *weight, *group;
} mg_zones_columns;

/**
 * Reads a `,`-separated zones table with a header. Errors name the file,
 * line and column and what was expected: a missing column (by name), an
 * empty or over-long id, an id given twice (both lines), a supply, demand or
 * weight that is not a non-negative number, an empty group; MG_ELIMIT past
 * MG_MAX_ZONES zones; MG_EPARSE for a file without any zone.
 */
int mg_zones_read(mg_zones *out, const char *path, const mg_zones_columns *cols,
                  mg_diag *d) MG_WARN_UNUSED;

void mg_zones_free(mg_zones *z);

/** Index of the zone with this id, or -1. */
long mg_zones_find(const mg_zones *z, const char *id);

/**
 * Reads a `,`-separated matrix between the zones of z, its columns found
 * by mg_pairs_matrix_columns (from,to,minutes, IPEA's and r5r's
 * from_id,to_id,travel_time[_p50], INSEE Metric's idSrc,idDst,duree), into
 * *out (one node per zone, in z's order), keeping the
 * pairs with minutes <= max_minutes (the cutoff is inclusive). A zone's time
 * to itself is the matrix's when given, 0 otherwise. Errors, each naming the
 * line and column: a missing column, an id that is not a zone, minutes that
 * are not a non-negative number, a pair given twice (both lines).
 */
int mg_zones_read_matrix(const mg_zones *z, const char *path, double max_minutes,
                         mg_pairs *out, mg_diag *d) MG_WARN_UNUSED;

/** The measures of the zones mode, in the order of their output columns. */
enum mg_zones_measure {
    MG_ZONES_2SFCA,      /* Luo & Wang: binary weights, every pair within the cutoff */
    MG_ZONES_E2SFCA,     /* the same two steps with step weights */
    MG_ZONES_BFCA,       /* Paez et al., IPEA's normalisation, step weights */
    MG_ZONES_GRAVITY,    /* Σ_j S_j e^{−β t_ij} */
    MG_ZONES_CUMULATIVE, /* Σ_j S_j */
    MG_ZONES_NEAREST,    /* min t_ij over j with S_j > 0; NaN if none */
    MG_ZONES_NMEASURES
};

/** "2sfca e2sfca bfca gravity cumulative nearest". */
const char *mg_zones_measure_names(void);

/** The name of measure m (its output column). */
const char *mg_zones_measure_name(enum mg_zones_measure m);

/** The measure called `name`; MG_EINVAL with the list of names otherwise. */
int mg_zones_measure_lookup(const char *name, enum mg_zones_measure *out,
                            mg_diag *d) MG_WARN_UNUSED;

/** What the measures depend on besides the matrix. */
typedef struct mg_zones_method {
    mg_decay steps; /* kind MG_DECAY_STEP: e2sfca and bfca weights */
    double beta;    /* gravity, per minute */
} mg_zones_method;

/** The DREES step profile and β = 0.1 per minute (the commune mode's). */
mg_zones_method mg_zones_method_default(void);

/**
 * Computes measure m for every node of p (the pairs read by
 * mg_zones_read_matrix: every pair is within the cutoff) into out (p->n
 * entries). supply and demand have p->n finite non-negative entries.
 * MG_EINVAL for a bad argument, MG_ENOMEM.
 */
int mg_zones_compute(const mg_pairs *p, const double *supply, const double *demand,
                     enum mg_zones_measure m, const mg_zones_method *meth, double *out,
                     mg_diag *d) MG_WARN_UNUSED;

#endif
