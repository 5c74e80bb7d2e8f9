/**
 * @file import.h
 * The equipment network's setup in one CSV file (issue 17;
 * docs/booking-cli.md): the parser and checks of `maillage booking import`,
 * which need no database. A row per site, device, assistant or
 * teleconsultant, told apart by its `type` column; UTF-8 (BOM accepted),
 * `;` or `,` separated (the header line tells which), RFC 4180 quoting.
 *
 * Every row is checked and every fault is reported (file:line:column, the
 * column's name and what was expected, in French); the references between
 * rows and to the database (sites, organisations, instruments) are the
 * caller's to check. Columns are the header's fields by name, in any order:
 *   type          site | device | assistant | teleconsultant (or French:
 *                 lieu, equipement, assistant, teleconsultant)
 *   site          a structure of the directory: its source id
 *                 ("cabine-11049"), "siret:…", "finess:…" or "id:…"
 *   ask           site: name | initials (nom | initiales); default initials
 *   share_phone   site: oui | non (default non)
 *   kind          device: cabin | cart (cabine | chariot)
 *   name          device: its name
 *   instruments   device: instrument codes separated by spaces, '|' or ','
 *   hours         device: its own opening_hours (empty: the site's)
 *   assisted      device: oui | non (default: oui for a cart, non for a cabin)
 *   step          device: minutes between slot starts (empty: the duration)
 *   organisation  teleconsultant: an organisation's id or exact name
 *   label         assistant, teleconsultant: a function or a name of service
 *   availability  assistant, teleconsultant: opening_hours
 *   kinds         teleconsultant: kind:minutes pairs ("gp:20 followup:15")
 *   sites         teleconsultant: site references (as `site`), space, '|' or
 *                 ',' separated
 * Only `type` is required in the header; a row's needed columns must be in
 * the header and filled; a filled column that means nothing for the row's
 * type is refused (a shifted column is the usual mistake).
 */
#ifndef MG_BOOKING_IMPORT_H
#define MG_BOOKING_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "booking/booking.h"
#include "booking/setup.h"
#include "core/error.h"

typedef enum mg_booking_import_type {
    MG_BOOKING_IMPORT_SITE = 0,
    MG_BOOKING_IMPORT_DEVICE,
    MG_BOOKING_IMPORT_ASSISTANT,
    MG_BOOKING_IMPORT_TELECONSULTANT,
} mg_booking_import_type;

/** The columns, by index into mg_booking_import_row.col. */
typedef enum mg_booking_import_column {
    MG_BKI_TYPE = 0, MG_BKI_SITE, MG_BKI_ASK, MG_BKI_SHARE_PHONE, MG_BKI_KIND, MG_BKI_NAME,
    MG_BKI_INSTRUMENTS, MG_BKI_HOURS, MG_BKI_ASSISTED, MG_BKI_STEP, MG_BKI_ORGANISATION,
    MG_BKI_LABEL, MG_BKI_AVAILABILITY, MG_BKI_KINDS, MG_BKI_SITES, MG_BKI_COLUMNS
} mg_booking_import_column;

/** The header name of a column. */
const char *mg_booking_import_column_name(mg_booking_import_column c);

enum { MG_BOOKING_IMPORT_ROWS_MAX = 5000, MG_BOOKING_IMPORT_ERRORS_MAX = 50 };

/** One row, checked. Strings are NUL-terminated UTF-8, "" when empty. */
typedef struct mg_booking_import_row {
    mg_booking_import_type type;
    unsigned long line;
    unsigned long col[MG_BKI_COLUMNS]; /* byte column of each field (0: no such column) */
    char *site;                        /* site, device, assistant */
    mg_booking_ask ask;
    bool share_phone;
    mg_booking_device_kind device_kind;
    char *name;
    char *instruments;                 /* codes, comma-separated, no spaces */
    char *hours;                       /* device; "" the site's */
    bool assisted;
    int step_min;
    char *organisation;
    char *label;
    char *availability;
    mg_booking_tc_kind kinds[MG_BOOKING_KINDS_MAX];
    size_t nkinds;
    char **sites;                      /* teleconsultant */
    size_t nsites;
} mg_booking_import_row;

typedef struct mg_booking_import {
    const char *file;                  /* the name given to the parse (borrowed) */
    mg_booking_import_row *rows;
    size_t nrows;
    char **errors;                     /* "FILE:LINE:COL: …", in file order */
    size_t nerrors;
    bool errors_truncated;             /* more faults than MG_BOOKING_IMPORT_ERRORS_MAX */
} mg_booking_import;

/**
 * Parses and checks data[0..len) (file name `file` for messages) into *out
 * (mg_booking_import_free it even on failure). Returns 0 when every row is
 * right, MG_EPARSE when some are not (each fault in out->errors, the first
 * in d), MG_ELIMIT past MG_BOOKING_IMPORT_ROWS_MAX rows, MG_ENOMEM.
 */
int mg_booking_import_parse(const char *file, const void *data, size_t len,
                            mg_booking_import *out, mg_diag *d) MG_WARN_UNUSED;
void mg_booking_import_free(mg_booking_import *im);

/** "gp", "followup", "specialist" (the stored keys, without booking.c). */
const char *mg_booking_import_kind_key(mg_booking_kind k);

/** Adds a fault (formatted "FILE:LINE:COL: …" by the caller's fmt) to
 * im->errors; used by the caller's checks against the database too. */
void mg_booking_import_error(mg_booking_import *im, unsigned long line, unsigned long col,
                             const char *fmt, ...) MG_PRINTF(4, 5);

#endif
