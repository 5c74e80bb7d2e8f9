/**
 * @file import.h
 * Importing an existing action plan from a spreadsheet into a contract
 * (issue 15; import.c; the layout is in docs/contracts.md, "Importing a
 * plan"): a CSV (UTF-8 with or without BOM, or Windows-1252; ";" or ","
 * separated, detected) or the first sheet of an XLSX workbook, one row per
 * budget line, the rows naming the same axis, sub-axis and action
 * describing one action.
 *
 * Two steps. mg_contract_import_read reads the file and makes every check
 * that needs no database (the header, each cell, the repeats of an action
 * agreeing); mg_contract_import_apply then finds the organisations named
 * (by SIRET, SIREN or folded name), the axes (by title), refuses an action
 * that the contract already has, and writes axes, actions, participants
 * and budget lines in ONE write transaction with their audit entries — or
 * nothing at all when any row is refused or when asked a dry run. The
 * report gets one row per line of the file (and per fault of the header),
 * by line, with the column letter and name, and a French message.
 *
 * The SQL is the module's own (import.c): the other functions of the
 * module each open their own transaction, so the import cannot call them
 * inside its one; it reuses their pure checks (mg_contract_action_input_
 * check, mg_budget_parse_cents, mg_action_status_parse). Errors follow
 * core/error.h. Any thread may call any function on its own objects.
 */
#ifndef MG_CONTRACTS_IMPORT_H
#define MG_CONTRACTS_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "db/db.h"

enum {
    MG_IMPORT_MAX_BYTES = 10 * 1024 * 1024, /* a file to import */
    MG_IMPORT_MAX_ROWS = 10000,             /* its data rows */
};

typedef enum mg_import_status {
    MG_IMPORT_ROW_OK = 0,      /* imported (or would be, in a dry run) */
    MG_IMPORT_ROW_REFUSED,
} mg_import_status;

/** One row of the report. */
typedef struct mg_import_row {
    unsigned long line;        /* 1-based line of the CSV or row of the sheet; 0: the file */
    char column[8];            /* the column's letter ("A", "AB"); "" none */
    char field[32];            /* the column's name in the layout ("financeur"); "" none */
    mg_import_status status;
    char message[400];         /* French: what was done, or what was expected and found */
} mg_import_row;

typedef struct mg_import_report {
    char file[256];            /* the file's name, for messages */
    mg_import_row *rows;
    size_t n, cap;
    size_t refused;            /* rows refused */
    bool dry_run;
    bool written;              /* the import was written */
    /* What was (or, in a dry run, would be) created. */
    size_t axes, actions, participants, budget_lines;
} mg_import_report;

void mg_import_report_init(mg_import_report *r, const char *file);
void mg_import_report_free(mg_import_report *r);

/** Writes the report as CSV (UTF-8, ","-separated like the directory
 * import's report, a header line: fichier,ligne,colonne,champ,statut,
 * message; statut imported, checked (a dry run) or refused), one line per
 * row. */
int mg_import_report_write_csv(const mg_import_report *r, FILE *f) MG_WARN_UNUSED;

/** A row's status: its key ("imported"; "checked": correct but not
 * written, in a dry run or because other rows were refused; "refused")
 * and its French label (« importée », « à importer » in a dry run,
 * « correcte, non importée », « refusée »). */
const char *mg_import_status_key(const mg_import_report *r, mg_import_status s);
const char *mg_import_status_label(const mg_import_report *r, mg_import_status s);

/** A plan read from a file and checked without the database. */
typedef struct mg_contract_import mg_contract_import;

/**
 * Reads `len` bytes (`data`) of a CSV or XLSX file (told apart by their
 * content: an XLSX is a zip archive) named `name` (for messages), and
 * checks every row without the database, into *out (free with
 * mg_contract_import_free) and the report (initialised by the caller).
 * Returns 0 when every row passed, MG_EINVAL when some were refused (the
 * report says which; *out is still set), or MG_EPARSE / MG_ELIMIT /
 * MG_EUTF8 when the file itself cannot be read (a report row says why),
 * MG_ENOMEM.
 */
int mg_contract_import_read(const char *name, const void *data, size_t len,
                            mg_contract_import **out, mg_import_report *rep,
                            mg_diag *d) MG_WARN_UNUSED;

void mg_contract_import_free(mg_contract_import *im);

/** The number of data rows, and of distinct actions, read. */
size_t mg_contract_import_rows(const mg_contract_import *im);
size_t mg_contract_import_actions(const mg_contract_import *im);

/**
 * Imports `im` into contract `contract_id` on behalf of account `by` (0:
 * the command line), audited on behalf of the contract's lead. When a
 * row is refused (by mg_contract_import_read already, or here: an
 * unknown organisation, an action the contract already has) or when
 * `dry_run`, nothing is written. Returns 0 (imported, or a dry run that
 * found nothing to refuse), MG_EINVAL (refused: the report says why),
 * MG_ENOTFOUND (no such contract), or a database error.
 */
int mg_contract_import_apply(mg_db *db, int64_t by, int64_t contract_id,
                             mg_contract_import *im, bool dry_run, mg_import_report *rep,
                             mg_diag *d) MG_WARN_UNUSED;

/** Marks contract `id` as holding example facts the public record does
 * not give (contracts.is_example, which mg_contract_create does not set):
 * for `maillage contracts create --example` and demo data. Audited
 * "update" on the contract. MG_ENOTFOUND when there is none. */
int mg_contract_import_mark_example(mg_db *db, int64_t by, int64_t id, mg_diag *d) MG_WARN_UNUSED;

/** The columns of the layout, in the template's order, and the template
 * itself: a header line and two example rows, CSV ";"-separated, UTF-8
 * with BOM. */
extern const char *const mg_contract_import_columns[];
extern const size_t mg_contract_import_ncolumns;
const char *mg_contract_import_template_csv(void);

#endif
