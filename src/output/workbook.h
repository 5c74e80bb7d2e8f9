/**
 * @file workbook.h
 * Writes spreadsheets (.xlsx, Office Open XML) through libxlsxwriter:
 * sheets of a header row and data rows, numbers stored as numbers with a
 * number format (thousands separator and a given number of decimals; the
 * spreadsheet shows them in its own locale, a French one with the decimal
 * comma), text as text. A sheet made as a table has its header row bold
 * and frozen and an autofilter over its rows; a sheet of notes has a bold
 * first column and wrapped text.
 *
 * The workbook is written to a temporary file (libxlsxwriter 1.1.4 writes
 * to a file only; its constant-memory mode keeps one row in memory) and
 * appended to a buffer by mg_workbook_finish.
 *
 * Ownership: mg_workbook_finish or mg_workbook_free releases everything;
 * strings given are copied by libxlsxwriter.
 */
#ifndef MG_OUTPUT_WORKBOOK_H
#define MG_OUTPUT_WORKBOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "diagnosis/summary.h"
#include "output/table.h"

typedef struct mg_workbook mg_workbook;

/** A column of text (no number format). */
#define MG_WB_TEXT (-1)
/** The largest number of decimals of a number format. */
#define MG_WB_MAX_DECIMALS 6

/** A column of a sheet: its header, its width in characters (0: 12) and
 * the decimals of its numbers (0…MG_WB_MAX_DECIMALS, or MG_WB_TEXT). */
typedef struct mg_wb_column {
    const char *header;
    double width;
    int decimals;
} mg_wb_column;

/** A new empty workbook in a temporary file. MG_EIO or MG_ENOMEM with d. */
int mg_workbook_new(mg_workbook **out, mg_diag *d) MG_WARN_UNUSED;

/**
 * Adds a sheet named `name` (at most 31 characters, none of []:*?/\) and
 * makes it the one the next cells go to. With table: the header row of the
 * ncols columns is written bold and frozen, and an autofilter is put over
 * the header and every row written. Without: the columns only get their
 * widths (and wrapped text), the first column bold. MG_EINVAL for a name
 * libxlsxwriter refuses.
 */
int mg_workbook_sheet(mg_workbook *wb, const char *name, const mg_wb_column *cols,
                      size_t ncols, bool table, mg_diag *d) MG_WARN_UNUSED;

/**
 * Cells of the current sheet: row 0 is the header row of a table, so data
 * rows start at 1. Rows are written in increasing order, the cells of a
 * row in any order: the workbook keeps only the current row in memory, and
 * a cell of an earlier row is an error. Text (NULL or "" leaves the cell
 * empty); a number with its column's decimals, or `decimals` for
 * mg_workbook_number_as (a non-finite number leaves the cell empty).
 * Errors are kept and returned by mg_workbook_finish.
 */
void mg_workbook_text(mg_workbook *wb, size_t row, size_t col, const char *s);
void mg_workbook_bold(mg_workbook *wb, size_t row, size_t col, const char *s);
void mg_workbook_number(mg_workbook *wb, size_t row, size_t col, double v);
void mg_workbook_number_as(mg_workbook *wb, size_t row, size_t col, double v, int decimals);

/**
 * Closes the workbook, appends the file's bytes to out, removes the file
 * and frees wb. MG_EIO (with libxlsxwriter's message) when a cell or the
 * file could not be written, MG_ELIMIT past out's maximum, MG_ENOMEM; out
 * may then hold part of the file.
 */
int mg_workbook_finish(mg_workbook *wb, mg_buf *out, mg_diag *d) MG_WARN_UNUSED;

/** Abandons the workbook: the temporary file removed, wb freed. NULL accepted. */
void mg_workbook_free(mg_workbook *wb);

/* --- The commune workbook ------------------------------------------------- */

/** A column the Communes sheet adds after the table's own (its French
 * header col.label_fr, else col.name): its decimals, or MG_WB_TEXT for a
 * 0/1 flag written "oui"/"non". */
typedef struct mg_wb_extra {
    mg_column col;
    int decimals;
} mg_wb_extra;

#define MG_WORKBOOK_MAX_EXTRA 16

/** What mg_output_workbook writes (everything borrowed). */
typedef struct mg_workbook_doc {
    const mg_diagnosis *g;
    const size_t *rows;          /* the communes (territory indices): a scope's, or g->study */
    size_t nrows;
    bool scoped;                 /* rows are a part of the study territory */
    const char *title;           /* French: the document's title */
    const char *scope_label;     /* "CC Piège Lauragais Malepère", "Aude (11)" */
    const char *territory_label; /* "Aude (11)" */
    const mg_wb_extra *extra;    /* at most MG_WORKBOOK_MAX_EXTRA */
    size_t nextra;
    /* The values the figures are on (t->n), and for a scenario the values
     * after it: the Communes sheet then adds before, after and difference,
     * and the figures are given before and after. */
    const double *values, *after;
    const mg_summary *s, *s_after; /* their figures over rows (mg_scope_summary) */
    double threshold;            /* NaN: no under-threshold figures */
    const char *values_label;    /* what the values are: "APL du modèle"… */
    const char *unit;            /* of the values */
    const char *mean_label;      /* "APL moyenne (pondérée)" */
    int decimals;                /* of the values in the figures */
    bool official_mean;          /* the figures give the DREES mean too */
    const char *scenario;        /* its name; NULL unless a scenario */
    long long scenario_id;
    const char *sources;         /* one line naming each input with its year (NULL: none) */
} mg_workbook_doc;

/**
 * The commune workbook (docs/formats.md, "Workbook"): sheets "Communes"
 * (the table's columns with French headers, the added ones, before/after/
 * difference for a scenario), "EPCI" (doc->s's EPCI), "Chiffres clés" (its
 * territory figures, communes below the threshold counted on rows) and
 * "Sources et méthode" (sources, method, the diagnosis's parameters, the
 * date), appended to out.
 */
int mg_output_workbook(const mg_workbook_doc *doc, mg_buf *out, mg_diag *d) MG_WARN_UNUSED;

#endif
