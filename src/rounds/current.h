/**
 * @file current.h
 * The rounds a service runs today, typed by the user in a spreadsheet so
 * that the computed plans can be compared with them (`maillage rounds
 * enter`; docs/rounds-cli.md describes the format): a CSV (`;` or `,`
 * separated, header required, columns found by name) with one row per
 * stop of a day:
 *
 *   vehicule  the vehicle's name, as stored for the service
 *   semaine   week of the cycle, 1..4 (optional column; default 1)
 *   jour      the day: lundi … dimanche, lun … dim, or mon … sun
 *   commune   INSEE code of the stop's commune
 *   arret     the stop's name, as stored for the service in that commune
 *   arrivee   arrival, HH:MM (also 8h30)
 *   depart    departure, HH:MM, after the arrival
 *
 * Header names are compared without case and accents ("Arrivée" reads as
 * "arrivee"). Rows may come in any order: a day's stops are ordered by
 * arrival when the plan is made (build.h, mg_rounds_plan_of_current).
 * Only the file is read here, without a database.
 *
 * Ownership: mg_round_current_free releases the rows.
 */
#ifndef MG_ROUNDS_CURRENT_H
#define MG_ROUNDS_CURRENT_H

#include <stddef.h>

#include "core/error.h"

#define MG_ROUND_CURRENT_MAX_ROWS 10000

typedef struct mg_round_current_row {
    char vehicle[801];
    int week;           /* 0-based week of the cycle */
    int weekday;        /* 0 Monday … 6 Sunday */
    char commune[6];
    char stop[801];
    int arrive, depart; /* minutes of the day */
    unsigned long line;
} mg_round_current_row;

typedef struct mg_round_current {
    size_t n;
    mg_round_current_row *rows; /* in file order */
} mg_round_current;

/**
 * Reads the file at path (plain or gzip) into *out (zeroed first; left
 * zeroed on error). Errors (MG_EPARSE, MG_ENOTFOUND for a missing column,
 * MG_ELIMIT past MG_ROUND_CURRENT_MAX_ROWS rows), naming file, line and
 * column and what was expected: an empty vehicle or stop name or one over
 * 200 characters, a week outside 1..4, an unknown day, a malformed commune
 * code, a time that is not HH:MM of the day, a departure not after the
 * arrival, a file without rows; the CSV layer's errors.
 */
int mg_round_current_read(const char *path, mg_round_current *out, mg_diag *d) MG_WARN_UNUSED;

void mg_round_current_free(mg_round_current *c);

#endif
