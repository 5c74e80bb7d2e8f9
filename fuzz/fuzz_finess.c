/*
 * libFuzzer target for the FINESS extraction (mg_finess_read). Checks:
 * a failure comes with a message and REFUSED rows only; on success every
 * structure has its FINESS number as source_id, a category in range, both
 * or neither coordinates (WGS84 ranges), valid UTF-8 strings (the reader
 * converts Windows-1252), and a file line.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/utf8.h"
#include "directory/formats.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool utf8_ok(const char *s)
{
    return !s || mg_utf8_check(s, strlen(s), NULL) == strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_report r;
    mg_dir_report_init(&r);
    unsigned *sl = NULL;
    mg_diag d = {{0}};
    int rc = mg_finess_read("f.csv", (const char *)data, size, &set, &sl, &r, &d);
    if (rc != 0) {
        check(rc == MG_ENOMEM || d.msg[0] != 0);
        for (size_t i = 0; i < r.n; i++)
            check(r.rows[i].status == MG_DIR_ROW_REFUSED && r.rows[i].message[0]);
    } else {
        check(r.n == 0);
        for (size_t i = 0; i < set.nstructures; i++) {
            const mg_dir_structure *s = &set.structures[i];
            check(s->source_id && strlen(s->source_id) == 9 && s->finess == s->source_id);
            check(s->category >= 0 && s->category < MG_DIR_CATEGORY_COUNT);
            check(isnan(s->lat) == isnan(s->lon));
            check(isnan(s->lat) || (fabs(s->lat) <= 90 && fabs(s->lon) <= 180));
            check(utf8_ok(s->name) && utf8_ok(s->address) && utf8_ok(s->address_extra) &&
                  utf8_ok(s->commune_name) && utf8_ok(s->description));
            check(!s->commune_code || strlen(s->commune_code) == 5);
            check(sl && sl[i] >= 1);
        }
    }
    free(sl);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
    return 0;
}
