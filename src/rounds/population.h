/**
 * @file population.h
 * The target publics of a mobile service's rounds and their population per
 * commune, read from INSEE's census tables by age ("Évolution et structure
 * de la population", the commune base `base-cc-evol-struct-pop-20yy` or the
 * IRIS base `base-ic-evol-struct-pop-20yy`), `;`-separated as INSEE
 * publishes them. Kept apart from the diagnosis's demand: these figures only
 * say whom a round is for. docs/rounds-formats.md describes the layout.
 *
 * Ownership: an mg_rounds_population owns its arrays;
 * mg_rounds_population_free releases them.
 */
#ifndef MG_ROUNDS_POPULATION_H
#define MG_ROUNDS_POPULATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "territory/territory.h"

/** Whom a service is for. */
typedef enum mg_rounds_public {
    MG_PUBLIC_ALL = 0,             /* every inhabitant (Pyy_POP) */
    MG_PUBLIC_EARLY_CHILDHOOD = 1, /* children aged 0–5 (Pyy_POP0002 + Pyy_POP0305) */
    MG_PUBLIC_YOUTH = 2,           /* aged 15–29 (Pyy_POP1529) */
    MG_PUBLIC_ELDERLY = 3,         /* aged 75 and over (Pyy_POP75P, or Pyy_POP7589 + Pyy_POP90P) */
    MG_PUBLIC_COUNT = 4
} mg_rounds_public;

/**
 * The stable key of a public ("all", "early_childhood", "youth",
 * "elderly"), for settings and URLs; NULL for a value out of range.
 */
const char *mg_rounds_public_key(mg_rounds_public p);

/**
 * The French label shown to people ("Tous les habitants", "Enfants de
 * moins de 6 ans et leurs parents", "Jeunes de 15 à 29 ans", "Personnes de
 * 75 ans et plus"); NULL for a value out of range. The early-childhood
 * public is counted as its children: the parents who come with them are
 * not added (a consultation of the PMI is booked per child).
 */
const char *mg_rounds_public_label_fr(mg_rounds_public p);

/** The public whose key is `key` (exact); MG_EINVAL when there is none. */
int mg_rounds_public_from_key(const char *key, mg_rounds_public *out) MG_WARN_UNUSED;

/** Population by age of each commune of a territory. */
typedef struct mg_rounds_population {
    size_t n;      /* the territory's communes (t->n) */
    int year;      /* census year of the columns read (2021 for P21_…) */
    bool iris;     /* read from an IRIS file (rows summed to their commune) */
    double *count[MG_PUBLIC_COUNT]; /* n each; NaN for a commune without a row */
    uint8_t *present; /* n; 1 when the file had at least one row for the commune */
    size_t rows;          /* data rows read */
    size_t unknown_rows;  /* rows whose commune code maps to no current commune */
    size_t missing_study; /* study communes (in_study) without a row */
} mg_rounds_population;

/**
 * Reads an INSEE population-by-age file into *out (zeroed first; on error
 * it stays zeroed). The file is the commune base (column CODGEO) or the
 * IRIS base (columns IRIS and COM, the IRIS rows summed to their commune);
 * plain or gzip-compressed. The census year is read from the header: the
 * most recent "Pyy_POP" column gives it, and the age columns must carry the
 * same prefix (Pyy_POP0002, Pyy_POP0305, Pyy_POP1529, and Pyy_POP75P or
 * both Pyy_POP7589 and Pyy_POP90P); the older censuses an "evol" file also
 * carries (P15_POP, …) are ignored. Values are non-negative decimals, a
 * decimal point or comma, empty read as 0 (INSEE leaves no cell empty in
 * these bases; an empty one is a secret-free zero). Codes of any vintage
 * are mapped to today's communes and summed; rows whose code maps to no
 * commune are reported in rep (file:line:column) and skipped.
 *
 * Errors (MG_EPARSE unless said, nothing returned), the message naming the
 * file, line and column: no "Pyy_POP" column or a missing age column
 * (MG_ENOTFOUND, naming the expected column); an age column present only
 * with another year's prefix ("mixed year prefixes"); a malformed code; a
 * value that is not a number from 0 to 1e9; a code (commune, or IRIS) on two
 * rows (both lines named); an IRIS whose code does not begin with its
 * COM; a file without data rows; the reader's and the CSV layer's errors.
 */
int mg_rounds_population_read(const mg_territory *t, const char *path,
                              mg_rounds_population *out, mg_report *rep,
                              mg_diag *d) MG_WARN_UNUSED;

/** Releases what p owns and zeroes it. NULL accepted. */
void mg_rounds_population_free(mg_rounds_population *p);

/** Where a target population comes from. */
typedef enum mg_rounds_target_source {
    MG_TARGET_FROM_FILE = 0,   /* the file's figure for the public */
    MG_TARGET_ALL_FALLBACK = 1, /* no file read: all inhabitants (t->population) */
    MG_TARGET_NOT_IN_FILE = 2, /* a file was read but has no row for the commune: NaN */
} mg_rounds_target_source;

/**
 * The target population of public `pub` in commune i of t. With `pop`
 * NULL (no file read) every public falls back to all inhabitants,
 * t->population[i], and *src (may be NULL) says so; the caller tells
 * people that the service then targets all inhabitants. A commune the file
 * has no row for gives NaN. NaN as well for i or pub out of range.
 */
double mg_rounds_population_target(const mg_rounds_population *pop, const mg_territory *t,
                                   mg_rounds_public pub, size_t i,
                                   mg_rounds_target_source *src);

#endif
