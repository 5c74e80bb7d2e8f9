/**
 * @file csv.h
 * A bounded, streaming reader of delimited text (RFC 4180 quoting, `;` or
 * `,` or `|` separated, LF or CRLF line ends, optional UTF-8 BOM).
 *
 * Written by hand rather than taken from a library because every message must
 * name the file, line and column of the fault and what was expected, lines
 * must be length-bounded and UTF-8-checked while streaming, and no Debian CSV
 * library reports positions.
 *
 * Ownership: the mg_csv borrows the mg_reader (the caller closes both).
 * Field pointers are valid until the next mg_csv_next call.
 *
 * Positions are 1-based lines and byte columns (a BOM is not counted); CR,
 * LF and CRLF each end one line. A quote inside an unquoted field is kept
 * as an ordinary character. Errors are final: after one, mg_csv_next keeps
 * returning the same code.
 */
#ifndef MG_IO_CSV_H
#define MG_IO_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "io/reader.h"

typedef struct mg_csv mg_csv;

/**
 * Starts reading `r` with separator `delim`, reading the header line.
 * The header must be present and non-empty. Errors: MG_EPARSE (empty file),
 * MG_EUTF8, MG_ELIMIT, MG_EIO, each with file:line:col in d.
 */
int mg_csv_open(mg_csv **out, mg_reader *r, char delim, mg_diag *d) MG_WARN_UNUSED;

/** Frees the parser (not the reader). NULL accepted. */
void mg_csv_close(mg_csv *c);

/**
 * Index of the header column named `name` (exact, after BOM removal and
 * trimming of surrounding spaces), or -1.
 */
int mg_csv_column(const mg_csv *c, const char *name);

/**
 * Finds each of the `n` required columns; on the first one missing returns
 * MG_ENOTFOUND and fills d with "FILE:1: missing column \"X\" (expected a
 * `D`-separated header with …)" and, when the header line contains another
 * usual separator but not `delim`, says the file seems to be separated by
 * that one instead.
 * idx[k] receives the index of names[k].
 */
int mg_csv_require(const mg_csv *c, const char *const *names, size_t n,
                   int *idx, mg_diag *d) MG_WARN_UNUSED;

/**
 * Reads the next record. Returns 1 when a record was read, 0 at the end of
 * the input, or a negative MG_E… code with d filled: unterminated quote at
 * end of file ("truncated file?"), line longer than MG_MAX_LINE_BYTES, more
 * than MG_MAX_CSV_FIELDS fields, a record whose field count differs from the
 * header's (names expected and found counts), invalid UTF-8 (byte column),
 * a NUL byte. Blank lines are skipped.
 */
int mg_csv_next(mg_csv *c, mg_diag *d) MG_WARN_UNUSED;

/** Number of fields of the current record (equals the header's). */
size_t mg_csv_nfields(const mg_csv *c);

/**
 * Field i of the current record, NUL-terminated, unquoted; len may be NULL.
 * NULL (and *len = 0) when there is no field i, e.g. before the first
 * mg_csv_next or after the end.
 */
const char *mg_csv_field(const mg_csv *c, size_t i, size_t *len);

/** Header name of column i. */
const char *mg_csv_header(const mg_csv *c, size_t i);

/** 1-based line number where the current record starts. */
unsigned long mg_csv_line(const mg_csv *c);

/**
 * 1-based byte column where field i of the current record starts (0 when
 * there is no field i). After a quoted field spanning lines, the column is
 * on the line where field i starts, which mg_csv_double's messages name.
 */
unsigned long mg_csv_col(const mg_csv *c, size_t i);

/**
 * Accepts (allow = true) records with fewer fields than the header, which
 * mg_csv_next then returns with mg_csv_nfields below the header's count
 * (the fields past the end are absent: mg_csv_field gives NULL). Off by
 * default: a short record is an error. A record with more fields than the
 * header is an error either way. Call after mg_csv_open.
 */
void mg_csv_allow_short(mg_csv *c, bool allow);

/**
 * Where the current record ended: *line and *col (1-based, may be NULL)
 * receive the position of its line end, or of the end of the input when
 * the last line has none. Returns true when the record ended with a line
 * end (LF, CR or CRLF), false when the input stopped inside its last line
 * (a file cut short, or written without a final newline) or when there is
 * no current record.
 */
bool mg_csv_record_end(const mg_csv *c, unsigned long *line, unsigned long *col);

/** The reader's name (for messages). */
const char *mg_csv_name(const mg_csv *c);

/**
 * Parses field i as a finite decimal number (leading/trailing spaces
 * allowed; a decimal comma is accepted as well as a point). An empty field
 * sets *present = false and *out = 0 and succeeds. Otherwise on error:
 * MG_EPARSE with "FILE:LINE:COL: column \"NAME\": expected a number, found
 * \"…\"".
 */
int mg_csv_double(const mg_csv *c, size_t i, double *out, bool *present,
                  mg_diag *d) MG_WARN_UNUSED;

/**
 * Like mg_csv_double for a non-negative integer that fits a long: digits
 * only, an optional '+', surrounding spaces allowed.
 */
int mg_csv_long(const mg_csv *c, size_t i, long *out, bool *present,
                mg_diag *d) MG_WARN_UNUSED;

#endif
