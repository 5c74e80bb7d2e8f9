/*
 * libFuzzer target for mg_decay_parse_steps, the parser of step profiles
 * such as "10:1,15:0.66,20:0.33" given on the command line and to the web
 * server. The input is copied and NUL-terminated. Beyond the sanitizers it
 * checks the parser's promises: a failure comes with a message and leaves
 * the output alone; a success gives a profile that passes mg_decay_check,
 * with increasing bounds, weights in [0, 1], the catchment equal to the last
 * bound, and an evaluation that follows the steps.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#include "access/decay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *spec = malloc(size + 1);
    if (!spec)
        return 0;
    memcpy(spec, data, size);
    spec[size] = '\0';

    mg_decay f, sentinel;
    memset(&sentinel, 0xA5, sizeof sentinel);
    memcpy(&f, &sentinel, sizeof f);
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_decay_parse_steps(spec, &f, &d);
    if (rc != MG_OK) {
        check(rc == MG_EINVAL && d.msg[0] != '\0');
        check(memcmp(&f, &sentinel, sizeof f) == 0);
        free(spec);
        return 0;
    }
    check(f.kind == MG_DECAY_STEP);
    check(f.nsteps >= 1 && f.nsteps <= MG_DECAY_MAX_STEPS);
    check(f.catchment > 0 && f.catchment <= 600);
    check(f.upper[f.nsteps - 1] == f.catchment);
    mg_diag_clear(&d);
    check(mg_decay_check(&f, &d) == MG_OK);
    for (size_t k = 0; k < f.nsteps; k++) {
        check(f.weight[k] >= 0 && f.weight[k] <= 1);
        check(f.upper[k] > (k ? f.upper[k - 1] : 0));
        /* Just below each bound the step's weight, at the bound the next. */
        double lo = k ? f.upper[k - 1] : 0;
        check(mg_decay_eval(&f, lo) == f.weight[k]);
        double mid = lo + (f.upper[k] - lo) / 2;
        if (mid > lo && mid < f.upper[k])
            check(mg_decay_eval(&f, mid) == f.weight[k]);
    }
    check(mg_decay_eval(&f, f.catchment) == 0);
    check(mg_decay_eval(&f, f.catchment * 2) == 0);
    check(mg_decay_eval(&f, NAN) == 0);
    /* Parsing is deterministic. */
    mg_decay g;
    mg_diag_clear(&d);
    check(mg_decay_parse_steps(spec, &g, &d) == MG_OK);
    check(g.nsteps == f.nsteps && g.catchment == f.catchment);
    for (size_t k = 0; k < f.nsteps; k++)
        check(g.upper[k] == f.upper[k] && g.weight[k] == f.weight[k]);
    free(spec);
    return 0;
}
