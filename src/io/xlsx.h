/**
 * @file xlsx.h
 * A bounded, streaming reader of the cells of an Office Open XML workbook
 * (.xlsx), as the DREES publishes the APL: the zip archive read with
 * libzip, its XML parts with libxml2's streaming xmlTextReader, so that a
 * sheet of any size is read one row at a time.
 *
 * What is read: the sheet names (xl/workbook.xml and its relationships),
 * the shared strings, and per row the text of each cell — shared strings,
 * inline strings, formula results and numbers as written in the file (the
 * C syntax of the XML, e.g. 570.5599999999999), booleans as 0 or 1. Styles,
 * dates and formulas themselves are ignored. Merged cells keep their value
 * in the first cell only, as in the file.
 *
 * Bounds (core/limits.h): each XML part at most MG_MAX_FILE_BYTES
 * decompressed, a row at most MG_MAX_LINE_BYTES of cell text and
 * MG_MAX_CSV_FIELDS columns, the shared strings at most MG_MAX_FILE_BYTES.
 * Entities are not expanded and no DTD or network resource is loaded.
 *
 * Errors name the file, the sheet, the row and the column (or the part and
 * its XML line): "FILE: sheet "APL", row 12, column D: …".
 *
 * Ownership: the caller closes the reader; cell pointers are valid until
 * the next mg_xlsx_next or mg_xlsx_select.
 */
#ifndef MG_IO_XLSX_H
#define MG_IO_XLSX_H

#include <stddef.h>

#include "core/error.h"

typedef struct mg_xlsx mg_xlsx;

/**
 * Opens the workbook at `path`: its sheet list and shared strings. Errors:
 * MG_ENOTFOUND (no file), MG_EPARSE (not a zip archive, a part missing or
 * malformed), MG_ELIMIT, MG_ENOMEM, with d filled.
 */
int mg_xlsx_open(mg_xlsx **out, const char *path, mg_diag *d) MG_WARN_UNUSED;

/** Closes the reader. NULL accepted. */
void mg_xlsx_close(mg_xlsx *x);

/** Number of sheets, and the name of sheet k (workbook order), or NULL. */
size_t mg_xlsx_sheet_count(const mg_xlsx *x);
const char *mg_xlsx_sheet_name(const mg_xlsx *x, size_t k);

/** Starts reading the rows of sheet k (stopping any sheet being read). */
int mg_xlsx_select(mg_xlsx *x, size_t k, mg_diag *d) MG_WARN_UNUSED;

/**
 * Reads the next row that has at least one non-empty cell (empty rows are
 * skipped, their numbers kept). Returns 1, 0 at the end of the sheet, or a
 * negative MG_E… code with d filled. Errors are final.
 */
int mg_xlsx_next(mg_xlsx *x, mg_diag *d) MG_WARN_UNUSED;

/** 1-based row number of the current row (as in the spreadsheet). */
unsigned long mg_xlsx_row(const mg_xlsx *x);

/** One more than the index of the last non-empty cell of the current row. */
size_t mg_xlsx_ncells(const mg_xlsx *x);

/** Text of cell i (0 = column A) of the current row; "" when empty. */
const char *mg_xlsx_cell(const mg_xlsx *x, size_t i);

/** The column letters of index i ("A", "Z", "AA"…) in buf (at least 8 bytes). */
const char *mg_xlsx_column_name(size_t i, char buf[8]);

/** The path given at open time, and the name of the sheet being read. */
const char *mg_xlsx_name(const mg_xlsx *x);
const char *mg_xlsx_current_sheet(const mg_xlsx *x);

#endif
