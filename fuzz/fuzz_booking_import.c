/*
 * libFuzzer target for the network setup CSV of `maillage booking import`
 * (booking/import.h). Beyond the sanitizers it checks the parser's
 * promises: a refusal comes with a message and at least one fault, every
 * fault starts with the file's name and is valid UTF-8 (a fault quotes what
 * was found, cut on a character boundary), an accepted file has no fault,
 * and every accepted row holds what its type needs (a site reference, a
 * device's name, a teleconsultant's kinds with durations on the 5-minute
 * grid).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"

#include "booking/import.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mg_booking_import im;
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_booking_import_parse("fuzz.csv", data, size, &im, &d);
    check(rc == 0 || rc == MG_EPARSE || rc == MG_ELIMIT || rc == MG_ENOMEM);
    if (rc == 0) {
        check(im.nerrors == 0);
        for (size_t i = 0; i < im.nrows; i++) {
            const mg_booking_import_row *r = &im.rows[i];
            switch (r->type) {
            case MG_BOOKING_IMPORT_SITE:
            case MG_BOOKING_IMPORT_ASSISTANT:
                check(r->site && r->site[0]);
                break;
            case MG_BOOKING_IMPORT_DEVICE:
                check(r->site && r->site[0] && r->name && r->name[0] && r->instruments);
                break;
            case MG_BOOKING_IMPORT_TELECONSULTANT:
                check(r->organisation && r->label && r->availability);
                check(r->nkinds >= 1 && r->nkinds <= MG_BOOKING_KINDS_MAX);
                for (size_t k = 0; k < r->nkinds; k++)
                    check(r->kinds[k].duration_min >= 5 && r->kinds[k].duration_min <= 240 &&
                          r->kinds[k].duration_min % 5 == 0);
                break;
            }
        }
    } else if (rc != MG_ENOMEM) {
        check(d.msg[0] != '\0' && im.nerrors >= 1);
    }
    for (size_t i = 0; i < im.nerrors; i++) {
        size_t n = strlen(im.errors[i]);
        check(strncmp(im.errors[i], "fuzz.csv", 8) == 0);
        check(mg_utf8_check(im.errors[i], n, NULL) == n);
    }
    check(mg_utf8_check(d.msg, strlen(d.msg), NULL) == strlen(d.msg));
    mg_booking_import_free(&im);
    return 0;
}
