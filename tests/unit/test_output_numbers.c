/*
 * The tables' numbers: mg_output_g12 writes exactly what printf's "%.12g"
 * writes, and mg_output_round gives exactly what reading that text back
 * gives, on values of every magnitude, integers, negatives, short
 * decimals and values within a hair of a rounding tie at the twelfth digit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"
#include "output/table.h"
#include "testutil.h"

static size_t checked;

static void check(double v)
{
    char want[64], got[32];
    snprintf(want, sizeof want, "%.12g", v);
    int n = mg_output_g12(v, got);
    if (strcmp(want, got) != 0 || n != (int)strlen(want))
        fail_msg("%.17g: printf writes \"%s\", mg_output_g12 \"%s\" (%d)", v, want, got, n);
    if (isfinite(v)) {
        /* Read back by the project's reader of "C" numbers (correctly
         * rounded, as strtod, which the lint keeps in src/parse/). */
        double back = v;
        if (v != 0 && mg_parse_c_double(want, strlen(want), &back, NULL) != 0)
            fail_msg("\"%s\" does not read back", want);
        double r = mg_output_round(v);
        if (memcmp(&back, &r, sizeof r) != 0)
            fail_msg("%.17g: reading \"%s\" back gives %.17g, mg_output_round %.17g", v, want,
                     back, r);
    }
    checked++;
}

static void test_special(void **state)
{
    (void)state;
    const double v[] = {0.0, -0.0, 1, -1, 0.1, 0.5, 2.5, 1e-4, 2e-4, 1.0000000000005, 999999999999.5,
                        99999999999.95, 5e10, 5.0000000001e10, 1e11, 1e12, 1e-5, 123456789012.25,
                        12345678901.25, 0.000123456789012345, 2.15, 3.8, 775.023, 1.84808679267,
                        INFINITY, -INFINITY, NAN, 1e300, 5e-324, 4265.0 * 3};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        check(v[k]);
        check(-v[k]);
    }
}

static void test_random(void **state)
{
    (void)state;
    uint64_t seed = 20261205;
    for (int k = 0; k < 250000; k++) {
        /* Any magnitude from 1e-7 to 1e13. */
        double m = 1 + rng_unit(&seed) * 9;
        int e = (int)(rng_unit(&seed) * 20) - 7;
        check(m * pow(10, e));
        /* Decimals as the data write them, and integers. */
        check((double)(rng_next(&seed) % 100000000) / pow(10, (int)(rng_next(&seed) % 9)));
        check(-(double)(rng_next(&seed) % 10000000));
        /* Within a few ulp of a tie at the twelfth significant digit. */
        double tie = ((double)(rng_next(&seed) % 900000000000ull + 100000000000ull) + 0.5) *
                     pow(10, (int)(rng_next(&seed) % 16) - 14);
        double t = tie;
        for (int u = 0; u < 3; u++) {
            check(t);
            t = nextafter(t, INFINITY);
        }
        t = tie;
        for (int u = 0; u < 3; u++) {
            t = nextafter(t, 0);
            check(t);
        }
    }
    assert_true(checked > 2000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_special),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
