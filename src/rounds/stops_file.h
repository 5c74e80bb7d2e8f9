/**
 * @file stops_file.h
 * The places where a mobile service's vehicle may stand, read from a file
 * of maillage's own format: a CSV (`;` or `,` separated, header required)
 * with columns `nom` (the place), `commune` (INSEE code of any vintage,
 * mapped to today's commune), and optionally `lat` and `lon` (WGS84
 * degrees; default: the commune's point) and `minutes` (time the vehicle
 * stays, 15 to 600; default: the round's own). docs/rounds-formats.md.
 *
 * Ownership: an mg_rounds_stops owns its stops and their names;
 * mg_rounds_stops_free releases them.
 */
#ifndef MG_ROUNDS_STOPS_FILE_H
#define MG_ROUNDS_STOPS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "territory/territory.h"

#define MG_STOP_MINUTES_MIN 15
#define MG_STOP_MINUTES_MAX 600

/** One allowed stop. */
typedef struct mg_rounds_stop {
    char *name;       /* as written, spaces around trimmed */
    int32_t commune;  /* index of today's commune in the territory */
    double lat, lon;  /* the given point, or the commune's */
    bool point_given; /* lat/lon came from the file */
    int minutes;      /* time at the stop; 0 when the file gives none */
    unsigned long line;
} mg_rounds_stop;

typedef struct mg_rounds_stops {
    size_t n;
    mg_rounds_stop *s; /* in file order */
} mg_rounds_stops;

/**
 * Reads a stops file (plain or gzip) into *out (zeroed first; left zeroed
 * on error). The separator is `;` when the header line has one, else `,`.
 * A stop written twice (same name, case and spaces aside, in the same
 * commune) is reported in rep and kept once (the first).
 *
 * Errors (MG_EPARSE, MG_ENOTFOUND for a missing column), naming file, line
 * and column: a missing `nom` or `commune` column; `lat` without `lon` or
 * the reverse; an empty name or one over 200 bytes; a malformed commune
 * code, or one that maps to no current commune; a row with only one of lat
 * and lon, a latitude outside -90..90 or a longitude outside -180..180; a
 * commune without a point when the row gives none; minutes that are not a
 * whole number from 15 to 600; a file without rows; the CSV layer's errors.
 */
int mg_rounds_stops_read(const mg_territory *t, const char *path, mg_rounds_stops *out,
                         mg_report *rep, mg_diag *d) MG_WARN_UNUSED;

/** Releases what s owns and zeroes it. NULL accepted. */
void mg_rounds_stops_free(mg_rounds_stops *s);

#endif
