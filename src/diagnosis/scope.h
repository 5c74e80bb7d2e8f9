/**
 * @file scope.h
 * A scope: a named part of the study territory (an EPCI, a list of
 * communes) on which tables, figures, maps, downloads and planning's
 * candidates and objective are reported, while every value is still
 * computed with all neighbours. The command line writes it
 * `--scope epci:SIREN` or `--scope communes:FILE`; the web pages
 * `?perimetre=epci:SIREN` or `?perimetre=communes:CODE,CODE,…`.
 *
 * A scope only borrows from the diagnosis; mg_scope_free releases what it
 * allocated.
 */
#ifndef MG_DIAGNOSIS_SCOPE_H
#define MG_DIAGNOSIS_SCOPE_H

#include <stdint.h>

#include "core/limits.h"
#include "diagnosis/diagnosis.h"
#include "diagnosis/summary.h"

enum mg_scope_kind {
    MG_SCOPE_ALL = 0,   /* the whole study territory */
    MG_SCOPE_EPCI,      /* the study communes of one EPCI */
    MG_SCOPE_COMMUNES,  /* a list of study communes */
};

typedef struct mg_scope {
    enum mg_scope_kind kind;
    char key[4096];    /* canonical form, "" for the whole territory: "epci:200035707",
                        * "communes:11069,11076" (codes in study order) */
    char label[192];   /* French: the EPCI's name, "3 communes", "Aude (11)"… */
    int32_t epci;      /* MG_SCOPE_EPCI: index into t->epci_code; -1 otherwise */
    size_t n;          /* study communes in the scope */
    size_t *idx;       /* their territory indices, in study order (sorted by code) */
    uint8_t *mark;     /* t->n entries: 1 for a commune of the scope */
} mg_scope;


/**
 * The whole study territory of g as a scope (kind MG_SCOPE_ALL, key "",
 * label `label` or "territoire d'étude" when NULL).
 */
int mg_scope_all(const mg_diagnosis *g, const char *label, mg_scope *out) MG_WARN_UNUSED;

/**
 * Parses `spec`: NULL or "" is the whole territory; "epci:SIREN" the study
 * communes of that EPCI; "communes:C1,C2,…" those communes (INSEE codes,
 * separated by commas, spaces or semicolons; duplicates allowed). MG_EINVAL
 * with an English message in d (what was expected, the code at fault) when
 * the form is unknown, the SIREN names no EPCI of the territory, a code is
 * not a study commune, or the scope holds no commune; *out is then empty.
 */
int mg_scope_parse(const mg_diagnosis *g, const char *spec, mg_scope *out,
                   mg_diag *d) MG_WARN_UNUSED;

/**
 * The scope of the study communes marked in mark (t->n entries), named
 * `label`; the key is its "communes:" form. MG_EINVAL when a marked commune
 * is not in the study territory or none is marked.
 */
int mg_scope_from_marks(const mg_diagnosis *g, const uint8_t *mark, const char *label,
                        mg_scope *out, mg_diag *d) MG_WARN_UNUSED;

void mg_scope_free(mg_scope *s);

/**
 * The key figures of `value` over the scope's communes (mg_summary_compute
 * restricted to them: territory, départements, EPCI, agreement with
 * `official`). The figures of an EPCI scope equal its row of the whole
 * territory's summary.
 */
int mg_scope_summary(const mg_diagnosis *g, const mg_scope *s, const double *value,
                     const double *official, double threshold, mg_summary *out,
                     mg_diag *d) MG_WARN_UNUSED;

#endif
