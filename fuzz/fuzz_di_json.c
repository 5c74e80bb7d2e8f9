/*
 * libFuzzer target for data·inclusion JSON (mg_di_read_json). Beyond the
 * sanitizers it checks the reader's promises: a failure comes with a
 * message and, when records are refused, with REFUSED rows only; a
 * success leaves no row, gives one line per record (each within the
 * text), and its set written back as JSON reads again to the same text.
 */
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "directory/formats.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned count_lines(const uint8_t *data, size_t size)
{
    unsigned n = 1;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n';
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_report r;
    mg_dir_report_init(&r);
    unsigned *sl = NULL, *vl = NULL;
    mg_diag d = {{0}};
    int rc = mg_di_read_json("fuzz.json", (const char *)data, size, &set, &sl, &vl, &r, &d);
    check(rc == 0 || rc == MG_EINVAL || rc == MG_EPARSE || rc == MG_ENOMEM);
    if (rc != 0) {
        check(rc == MG_ENOMEM || d.msg[0] != 0);
        check(rc == MG_ENOMEM || r.n > 0);
        for (size_t i = 0; i < r.n; i++)
            check(r.rows[i].status == MG_DIR_ROW_REFUSED && r.rows[i].message[0]);
    } else {
        check(r.n == 0);
        unsigned last = count_lines(data, size);
        for (size_t i = 0; i < set.nstructures; i++)
            check(sl && sl[i] >= 1 && sl[i] <= last);
        for (size_t i = 0; i < set.nservices; i++)
            check(vl && vl[i] >= 1 && vl[i] <= last);
        mg_buf a, b;
        mg_buf_init(&a, 64u << 20);
        mg_buf_init(&b, 64u << 20);
        if (mg_di_write_json(&set, &a, &d) == 0) {
            mg_dir_set again;
            mg_dir_set_init(&again);
            mg_dir_report r2;
            mg_dir_report_init(&r2);
            check(mg_di_read_json("again", a.data, a.len, &again, NULL, NULL, &r2, &d) == 0);
            check(again.nstructures == set.nstructures && again.nservices == set.nservices);
            check(mg_di_write_json(&again, &b, &d) == 0);
            check(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
            mg_dir_report_free(&r2);
            mg_dir_set_free(&again);
        }
        mg_buf_free(&a);
        mg_buf_free(&b);
    }
    free(sl);
    free(vl);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
    return 0;
}
