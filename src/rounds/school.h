/**
 * @file school.h
 * School holidays from the ministry's published calendar ("Calendrier
 * scolaire", data.education.gouv.fr, dataset fr-en-calendrier-scolaire),
 * the `;`-separated CSV export: one row per holiday period × académie, with
 * the period's description, population ("-", "Élèves", "Enseignants"…),
 * start and end instants, académie, zone and school year. The dates are
 * read from that file, never typed into code. docs/rounds-formats.md
 * describes the layout and how instants become holiday dates.
 *
 * Ownership: an mg_school_calendar owns its periods and their strings;
 * mg_school_free releases them.
 */
#ifndef MG_ROUNDS_SCHOOL_H
#define MG_ROUNDS_SCHOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "parse/parse.h"

/** One holiday period of one académie. */
typedef struct mg_school_holiday {
    char *description; /* "Vacances de la Toussaint", as written */
    char *population;  /* "-", "Élèves", "Enseignants"… ("" when no column) */
    char *academie;    /* "Montpellier" ("" when no column) */
    char *zone;        /* "Zone C", "Corse", "Guadeloupe"…, as written */
    char *school_year; /* "2025-2026" ("" when no column) */
    mg_date first;     /* first day of holiday (local civil date, Paris) */
    mg_date last;      /* last day of holiday, inclusive */
    bool teachers;     /* a row for teachers only (population "Enseignants") */
    bool open_end;     /* the file gave no end: last is 31 August of first's year */
    unsigned long line;
} mg_school_holiday;

typedef struct mg_school_calendar {
    size_t n;
    mg_school_holiday *h; /* in file order */
} mg_school_calendar;

/**
 * Reads the ministry's calendar CSV (plain or gzip) into *out (zeroed
 * first; left zeroed on error). Columns are found by name, in either of
 * the export's spellings: "Description"/"description", "Date de
 * début"/"start_date", "Date de fin"/"end_date", "Zones"/"zones"
 * (required), "Population"/"population", "Académies"/"location",
 * "annee_scolaire" (optional).
 *
 * Dates are instants such as "2025-10-17T22:00:00+00:00" (any offset, or
 * Z), or plain dates "2025-10-18", of years 1900 to 2999. An instant is
 * turned into the civil date it falls on in Paris (Europe/Paris: UTC+1,
 * UTC+2 from the last Sunday of March 01:00 UTC to the last Sunday of
 * October 01:00 UTC, the rule since 1996) — the ministry
 * publishes Paris midnights for every académie, overseas ones included.
 * The start is the day classes end, in the evening; the end the day they
 * resume, in the morning: the holiday runs from the day after the start to
 * the day before the end (a period whose end is the day after its start
 * holds no day). An empty end is read as 31 August of the start's year
 * (open_end), the summer holidays' end when the file gives none.
 *
 * Errors (MG_EPARSE, MG_ENOTFOUND for a missing column), naming file, line
 * and column: a missing column (both spellings named), an empty or
 * malformed date or instant, an end before its start, a school year not
 * written "yyyy-yyyy" with consecutive years, an empty zone, a file without
 * data rows, the CSV layer's errors.
 */
int mg_school_read(const char *path, mg_school_calendar *out, mg_diag *d) MG_WARN_UNUSED;

/** Releases what c owns and zeroes it. NULL accepted. */
void mg_school_free(mg_school_calendar *c);

/**
 * True when `day` is a school holiday for pupils in `zone` ("C" or "Zone C",
 * compared without case; "Corse" etc. as written): inside a period of a row
 * of that zone that is not for teachers only. *description (may be NULL)
 * receives that row's description (owned by c), or NULL.
 */
bool mg_school_is_holiday(const mg_school_calendar *c, const char *zone, mg_date day,
                          const char **description);

/** Days from 1970-01-01 to the civil date (proleptic Gregorian). */
long mg_school_days(mg_date day);

#endif
