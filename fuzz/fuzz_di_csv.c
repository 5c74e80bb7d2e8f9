/*
 * libFuzzer target for data·inclusion CSV (mg_di_read_csv). The input is
 * the structures file, then, after the first byte 0xFF if any, the
 * services file. Checks: a failure comes with a message and REFUSED rows
 * only; a success leaves no row, one line per record, and the set written
 * as CSV reads back to the same CSV.
 */
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "directory/formats.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *v = NULL;
    size_t sn = size, vn = 0;
    const uint8_t *sep = memchr(data, 0xFF, size);
    if (sep) {
        sn = (size_t)(sep - data);
        v = (const char *)sep + 1;
        vn = size - sn - 1;
    }
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_report r;
    mg_dir_report_init(&r);
    unsigned *sl = NULL, *vl = NULL;
    mg_diag d = {{0}};
    int rc = mg_di_read_csv("s.csv", s, sn, "v.csv", v, vn, &set, &sl, &vl, &r, &d);
    if (rc != 0) {
        check(rc == MG_ENOMEM || d.msg[0] != 0);
        for (size_t i = 0; i < r.n; i++)
            check(r.rows[i].status == MG_DIR_ROW_REFUSED && r.rows[i].message[0]);
    } else {
        check(r.n == 0);
        for (size_t i = 0; i < set.nstructures; i++)
            check(sl && sl[i] >= 2);
        for (size_t i = 0; i < set.nservices; i++)
            check(vl && vl[i] >= 2);
        mg_buf s1, v1, s2, v2;
        mg_buf_init(&s1, 64u << 20);
        mg_buf_init(&v1, 64u << 20);
        mg_buf_init(&s2, 64u << 20);
        mg_buf_init(&v2, 64u << 20);
        if (mg_di_write_csv(&set, &s1, &v1, &d) == 0) {
            mg_dir_set again;
            mg_dir_set_init(&again);
            mg_dir_report r2;
            mg_dir_report_init(&r2);
            check(mg_di_read_csv("s", s1.data, s1.len, "v", v1.data, v1.len, &again, NULL, NULL,
                                 &r2, &d) == 0);
            check(again.nstructures == set.nstructures && again.nservices == set.nservices);
            check(mg_di_write_csv(&again, &s2, &v2, &d) == 0);
            check(s1.len == s2.len && memcmp(s1.data, s2.data, s1.len) == 0);
            check(v1.len == v2.len && memcmp(v1.data, v2.data, v1.len) == 0);
            mg_dir_report_free(&r2);
            mg_dir_set_free(&again);
        }
        mg_buf_free(&s1);
        mg_buf_free(&v1);
        mg_buf_free(&s2);
        mg_buf_free(&v2);
    }
    free(sl);
    free(vl);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
    return 0;
}
