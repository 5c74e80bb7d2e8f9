/**
 * @file table.h
 * Writes a diagnosis as a table of the study communes: CSV (a header, one
 * row per current commune), JSON (metadata, rows and summary) or GeoJSON
 * (a FeatureCollection of the communes' contours, or points where a
 * commune has no contour, that opens in QGIS). Column names are in
 * docs/formats.md.
 */
#ifndef MG_OUTPUT_TABLE_H
#define MG_OUTPUT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "diagnosis/diagnosis.h"
#include "diagnosis/summary.h"

enum mg_format { MG_FORMAT_CSV, MG_FORMAT_JSON, MG_FORMAT_GEOJSON };

/**
 * v rounded to the 12 significant digits written in tables. Agreement
 * figures are computed on rounded values so that communes whose values are
 * equal but for floating-point summation order tie in rank, exactly as
 * they do when the written table is compared.
 */
double mg_output_round(double v);

/**
 * Writes into buf exactly what snprintf(buf, 32, "%.12g", v) writes (the
 * tables' numbers) and returns its length; faster for the usual
 * magnitudes.
 */
int mg_output_g12(double v, char buf[static 32]);

/** Writes a CSV text field, quoted (quotes doubled) when it holds a comma, a
 * quote or a line break. */
void mg_output_csv_text(FILE *f, const char *s);

/** Parses "csv", "json" or "geojson". */
int mg_format_parse(const char *s, enum mg_format *out) MG_WARN_UNUSED;

/** An additional column: a measure computed on the same inputs. */
typedef struct mg_column {
    const char *name;
    const double *values; /* t->n entries */
    const char *label_fr; /* header of the French variants (NULL: name) */
} mg_column;

/**
 * The table's own columns, in the order every format writes them: the CSV
 * header (key) and the French header of the French-spreadsheet CSV and the
 * workbook (label_fr).
 */
typedef struct mg_table_column {
    const char *key;
    const char *label_fr;
} mg_table_column;

#define MG_TABLE_COLUMNS 11
extern const mg_table_column mg_table_columns[MG_TABLE_COLUMNS];

/** Choices of mg_output_table_opt; zero-initialised: mg_output_table's. */
typedef struct mg_table_opts {
    /* The rows written: territory indices (a scope's idx); NULL: every
     * study commune of g. */
    const size_t *rows;
    size_t nrows;
    /* CSV only: the French-spreadsheet variant: UTF-8 byte order mark,
     * French headers, ';' between fields, decimal comma. */
    bool french;
} mg_table_opts;

/**
 * Writes the table to f. `s` may be NULL (JSON then has no summary).
 * MG_EIO when writing fails.
 */
int mg_output_table(FILE *f, enum mg_format fmt, const mg_diagnosis *g,
                    const mg_column *extra, size_t nextra, const mg_summary *s,
                    mg_diag *d) MG_WARN_UNUSED;

/** The same with a choice of rows and the French CSV (opt may be NULL). */
int mg_output_table_opt(FILE *f, enum mg_format fmt, const mg_diagnosis *g,
                        const mg_column *extra, size_t nextra, const mg_summary *s,
                        const mg_table_opts *opt, mg_diag *d) MG_WARN_UNUSED;

/** Whether commune i is under the profession's threshold, as the table's
 * under_served column says (false without a threshold). */
bool mg_output_under_served(const mg_diagnosis *g, size_t i);

/** The summary as a jansson object (new reference), or NULL on exhaustion. */
struct json_t *mg_output_summary_json(const mg_diagnosis *g, const mg_summary *s);

#endif
