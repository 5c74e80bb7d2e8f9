/**
 * @file codes.h
 * The code lists of the data·inclusion schema v1.0.8 (thematiques, publics,
 * frais, modes d'accueil, modes de mobilisation, personnes mobilisatrices,
 * réseaux porteurs, types de services), as published in the schema's
 * reference lists (data/schema/data-inclusion-1.0.8/extra/ (*.json)). The
 * table is generated from those files by src/directory/gen_codes.py and
 * checked against them by tests/unit/test_directory_codes.c.
 */
#ifndef MG_DIRECTORY_CODES_H
#define MG_DIRECTORY_CODES_H

#include <stdbool.h>
#include <stddef.h>

typedef enum mg_di_list {
    MG_DI_THEMATIQUES = 0,
    MG_DI_PUBLICS,
    MG_DI_FRAIS,
    MG_DI_MODES_ACCUEIL,
    MG_DI_MODES_MOBILISATION,
    MG_DI_MOBILISABLE_PAR,   /* personnes-mobilisatrices.json */
    MG_DI_RESEAUX_PORTEURS,
    MG_DI_TYPES_SERVICES,    /* types-de-services.json */
    MG_DI_LIST_COUNT
} mg_di_list;

/** One code: its value ("sante--acces-aux-soins") and French label. */
typedef struct mg_di_code {
    const char *value;
    const char *label;
} mg_di_code;

/** True when `code` is a value of list l (exact, case-sensitive). */
bool mg_di_code_known(mg_di_list l, const char *code);

/** The French label of `code` in list l; NULL when unknown. */
const char *mg_di_code_label(mg_di_list l, const char *code);

/** Every code of list l, sorted by value (bytewise); *n their number. */
const mg_di_code *mg_di_codes(mg_di_list l, size_t *n);

/** The schema's file of list l ("thematiques.json"); NULL when out of range. */
const char *mg_di_list_file(mg_di_list l);

/**
 * Checks a comma-separated list of codes of list l (spaces around codes
 * are not allowed; no empty item; no code twice). Returns true when every
 * code is known; else false with the first faulty item copied into
 * bad[0..cap) (truncated).
 */
bool mg_di_codes_known(mg_di_list l, const char *csv, char *bad, size_t cap);

#endif
