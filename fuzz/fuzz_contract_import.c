/*
 * libFuzzer target for the plan import's reading and checks
 * (contracts/import.h, mg_contract_import_read: CSV or XLSX rows, the
 * header, each cell, the repeats of an action), without a database. The
 * input is the file itself (an XLSX when it starts as a zip archive).
 * Beyond the sanitizers it checks the reader's promises: 0 exactly when
 * no row of the report is refused, MG_EINVAL exactly when some are, a
 * plan returned unless the file itself could not be read; every report
 * row has a French message in valid UTF-8, a column made of capital
 * letters only (or none), a line no further than the input's lines; the
 * actions are no more than the rows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/import.h"
#include "core/utf8.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mg_import_report rep;
    mg_import_report_init(&rep, "fuzz.csv");
    mg_contract_import *im = NULL;
    mg_diag d = {{0}};
    int rc = mg_contract_import_read("fuzz.csv", data, size, &im, &rep, &d);
    bool xlsx = size >= 4 && memcmp(data, "PK\x03\x04", 4) == 0;
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n' || data[i] == '\r';
    if (rc == 0) {
        check(rep.refused == 0 && im != NULL);
    } else if (rc == MG_EINVAL) {
        check(rep.refused > 0 && im != NULL);
    } else {
        check(rc == MG_EPARSE || rc == MG_ELIMIT || rc == MG_EUTF8 || rc == MG_ENOMEM ||
              rc == MG_EIO);
        check(im == NULL);
        check(rc == MG_ENOMEM || rc == MG_EIO || rep.refused > 0);
    }
    size_t refused = 0;
    for (size_t i = 0; i < rep.n; i++) {
        const mg_import_row *r = &rep.rows[i];
        size_t n = strlen(r->message);
        check(n > 0 && mg_utf8_check(r->message, n, NULL) == n);
        for (const char *c = r->column; *c; c++)
            check(*c >= 'A' && *c <= 'Z');
        if (!xlsx)
            check(r->line <= lines);
        refused += r->status == MG_IMPORT_ROW_REFUSED;
    }
    check(refused == rep.refused);
    if (im)
        check(mg_contract_import_actions(im) <= mg_contract_import_rows(im));
    mg_contract_import_free(im);
    mg_import_report_free(&rep);
    return 0;
}
