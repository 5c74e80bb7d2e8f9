/*
 * libFuzzer target for io/csv. Runs the parser over the input from a memory
 * reader with the two separators of the real files (';' and ','), reads
 * every record and calls every accessor, including the number parsers, on
 * every field. Beyond the sanitizers it checks the parser's promises: a
 * failure always comes with a message, fields are NUL-terminated with the
 * stated length, and every record has the header's field count.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#include "core/limits.h"
#include "io/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with a crash libFuzzer records, when a promise is broken. */

static void run(const uint8_t *data, size_t size, char delim)
{
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    mg_diag d;
    mg_diag_clear(&d);
    if (mg_reader_open_mem(&r, data, size, "fuzz.csv") != MG_OK)
        return;
    int rc = mg_csv_open(&c, r, delim, &d);
    if (rc != MG_OK) {
        check(rc < 0 && d.msg[0] != '\0' && c == NULL);
        mg_reader_close(r);
        return;
    }

    /* The header: names are strings, and looking them up finds a column
     * with that very name. */
    const char *const wanted[] = {"DEPCOM", "Code commune", "code"};
    int idx[3];
    mg_diag_clear(&d);
    if (mg_csv_require(c, wanted, 3, idx, &d) != MG_OK)
        check(d.msg[0] != '\0');
    size_t nh = 0;
    while (mg_csv_header(c, nh))
        nh++;
    check(nh >= 1 && nh <= MG_MAX_CSV_FIELDS);
    for (size_t i = 0; i < nh; i++) {
        int k = mg_csv_column(c, mg_csv_header(c, i));
        check(k >= 0 && (size_t)k <= i);
    }

    unsigned long last_line = 0;
    mg_diag_clear(&d);
    while ((rc = mg_csv_next(c, &d)) == 1) {
        size_t nf = mg_csv_nfields(c);
        check(nf == nh);
        check(mg_csv_line(c) > last_line);
        last_line = mg_csv_line(c);
        for (size_t i = 0; i < nf; i++) {
            size_t len = 0;
            const char *f = mg_csv_field(c, i, &len);
            check(f != NULL && strlen(f) == len && len <= MG_MAX_LINE_BYTES);
            check(mg_csv_col(c, i) >= 1);
            double v;
            long l;
            bool present;
            mg_diag dn;
            mg_diag_clear(&dn);
            if (mg_csv_double(c, i, &v, &present, &dn) == MG_OK)
                check(!present || v == v);
            else
                check(dn.msg[0] != '\0' && !present);
            mg_diag_clear(&dn);
            if (mg_csv_long(c, i, &l, &present, &dn) == MG_OK)
                check(!present || l >= 0);
            else
                check(dn.msg[0] != '\0' && !present);
        }
        check(mg_csv_field(c, nf, NULL) == NULL);
    }
    if (rc < 0)
        check(d.msg[0] != '\0');
    else
        check(mg_csv_next(c, &d) == 0);
    mg_csv_close(c);
    mg_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size, ';');
    run(data, size, ',');
    return 0;
}
