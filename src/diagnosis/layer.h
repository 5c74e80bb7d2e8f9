/**
 * @file layer.h
 * Layers: commune-level information a user loads beside the APL — the
 * ARS doctor zoning (zones d'intervention prioritaire, zones d'action
 * complémentaire), the communes with a priority neighbourhood, a
 * Département's own classification, or any number per commune. A layer is
 * shown on the maps and tables, gives scopes ("the ZIP communes"), and
 * names its source and year wherever it appears.
 *
 * A layer is described by a small text file (docs/formats.md, "Layers"):
 *
 *     # Zoning of the ARS for GPs
 *     nom = Zonage médecins de l'ARS
 *     annee = 2023
 *     source = ARS Occitanie, arrêté du …
 *     fichier = zonage-mg.csv       (relative to this file)
 *     colonne_code = code           (default "code")
 *     colonne_valeur = zonage       (default "valeur")
 *     separateur = ;                (; , | or tab; default ;)
 *     type = classes                (classes or nombre; default classes)
 *     classes = ZIP, ZAC, hors zonage  (optional: their order; others refused)
 *
 * and its CSV, one row per commune: a code of any vintage (former codes of
 * merged communes are mapped), a class or a number (French or not); an
 * empty value is "no value". Rows of communes outside the study territory
 * are counted and skipped (a regional file covers many départements); a
 * code that names no commune, a commune given twice (by two of its codes
 * too) or a value that is not a number of a `nombre` layer are errors with
 * file, line and column.
 *
 * Ownership: mg_layer_free releases a layer.
 */
#ifndef MG_DIAGNOSIS_LAYER_H
#define MG_DIAGNOSIS_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/limits.h"
#include "territory/territory.h"


/** What a descriptor says (mg_layer_parse_descriptor). */
typedef struct mg_layer_desc {
    char label[128];   /* nom */
    char year[16];     /* annee: four digits */
    char source[256];
    char file[512];    /* fichier, as written */
    char code_column[64], value_column[64];
    char sep;          /* ';' ',' '|' '\t' */
    bool numeric;      /* type = nombre */
    size_t nclasses;   /* given by `classes` (0: in order of appearance) */
    char classes[MG_LAYER_MAX_CLASSES][MG_LAYER_CLASS_CHARS];
} mg_layer_desc;

typedef struct mg_layer {
    char key[48];      /* for URLs: the descriptor's file name without extension,
                        * letters, digits and '-' ("zonage-mg") */
    mg_layer_desc desc;
    size_t n;          /* communes of the territory (t->n) */
    int16_t *cls;      /* classes layer: class index per commune, -1 none */
    double *value;     /* nombre layer: value per commune, NaN none */
    size_t rows;       /* rows read */
    size_t outside;    /* rows of communes outside the study territory (skipped) */
    size_t valued;     /* study communes with a value */
    bool fixed_classes; /* the descriptor listed the classes: no other accepted */
} mg_layer;

/**
 * Parses a descriptor's text (`name` for messages). Errors, MG_EPARSE with
 * name:line:column and what was expected: an unknown key, a key given
 * twice, a line without '=', a missing nom, annee, source or fichier, a
 * year that is not four digits, a bad type or separator, more than
 * MG_LAYER_MAX_CLASSES classes, a value too long, control characters.
 */
int mg_layer_parse_descriptor(const char *text, size_t len, const char *name,
                              mg_layer_desc *out, mg_diag *d) MG_WARN_UNUSED;

/** Reads the descriptor at `path` and its CSV for territory t. */
int mg_layer_load(const mg_territory *t, const char *path, mg_layer **out,
                  mg_diag *d) MG_WARN_UNUSED;

/** The same from a descriptor already parsed and a CSV in memory (tests, fuzzing). */
int mg_layer_load_mem(const mg_territory *t, const mg_layer_desc *desc, const char *key,
                      const char *csv, size_t len, const char *csv_name, mg_layer **out,
                      mg_diag *d) MG_WARN_UNUSED;

void mg_layer_free(mg_layer *l);

/** The class index named `name` in l, or -1. */
int mg_layer_class(const mg_layer *l, const char *name);

/** Commune i's value as text (class name, or number with a decimal comma
 * in out), "" for none. */
const char *mg_layer_text(const mg_layer *l, size_t i, char *out, size_t cap);

#endif
