/*
 * libFuzzer target for mg_model_parse, the reader of the model parameter
 * files that `maillage calibrate` writes and --params reads. Beyond the
 * sanitizers it checks the reader's promises: a failure comes with a
 * message and leaves the model alone; a success gives a model that passes
 * mg_model_check, and writing it and reading it back gives the same model.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#include "access/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 70000)
        return 0;
    mg_model m = mg_model_defaults(), before = m;
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_model_parse((const char *)data, size, "fuzz.txt", &m, &d);
    if (rc != MG_OK) {
        check(d.msg[0] != '\0');
        check(memcmp(&m, &before, sizeof m) == 0);
        return 0;
    }
    mg_diag_clear(&d);
    check(mg_model_check(&m, &d) == MG_OK);
    char buf[2048];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    if (!f)
        return 0;
    check(mg_model_write(f, &m, "fuzz") == MG_OK);
    fclose(f);
    mg_model back = mg_model_uncalibrated();
    check(mg_model_parse(buf, strlen(buf), "back.txt", &back, &d) == MG_OK);
    /* %.6g rounds: the values read back are within that precision. */
    double a[7] = {m.crowfly.speed_kmh, m.crowfly.detour, m.crowfly.access_min, m.time_spread,
                   m.activity_exponent, m.activity_reference, m.centre_heads};
    double b[7] = {back.crowfly.speed_kmh, back.crowfly.detour, back.crowfly.access_min,
                   back.time_spread, back.activity_exponent, back.activity_reference,
                   back.centre_heads};
    for (int k = 0; k < 7; k++) {
        double diff = a[k] - b[k];
        if (diff < 0)
            diff = -diff;
        check(diff <= 1e-5 * (a[k] < 0 ? -a[k] : a[k]) + 1e-300);
    }
    return 0;
}
