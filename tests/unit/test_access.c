/*
 * Tests of access/decay and access/access: the decay functions at their
 * boundaries, step-profile parsing, and every floating-catchment measure on
 * a hand-built travel-time table of three communes whose answers are
 * written out as arithmetic, then against a naive dense-matrix
 * implementation of the documented formulas on a larger pseudo-random
 * table, with the conservation invariant of 2SFCA and the argument checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "access/decay.h"
#include "testutil.h"

/* --- Decay functions. ------------------------------------------------- */

/* The bulk evaluation (a table lookup) gives exactly mg_decay_eval for
 * sharp steps — at, just below and just above every bound, at bounds that
 * are not multiples of the table's cells, and at random times — and the
 * smoothed profile within 1e-10. */
static void test_decay_eval_many(void **state)
{
    (void)state;
    const char *profiles[] = {"10:1,15:0.66,20:0.33", "7.1:1,12.345:0.5,19.99:0.25", "20:1",
                              "0.001:1,3:0.7,60:0.1"};
    uint64_t x = 88172645463325252ULL;
    for (size_t p = 0; p < sizeof profiles / sizeof *profiles; p++) {
        mg_decay f;
        mg_diag d;
        mg_diag_clear(&d);
        assert_int_equal(mg_decay_parse_steps(profiles[p], &f, &d), MG_OK);
        enum { N = 20000 };
        static double t[N], w[N];
        size_t n = 0;
        for (size_t s = 0; s < f.nsteps; s++) {
            double u = f.upper[s];
            t[n++] = u;
            t[n++] = nextafter(u, 0);
            t[n++] = nextafter(u, INFINITY);
            t[n++] = u * (1 - 1e-15);
            t[n++] = u * (1 + 1e-15);
        }
        t[n++] = 0;
        t[n++] = NAN;
        t[n++] = f.catchment * 3;
        while (n < N) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            t[n++] = (double)(x >> 11) / 9007199254740992.0 * f.catchment * 1.2;
        }
        mg_decay_eval_many(&f, t, N, w);
        for (size_t k = 0; k < N; k++)
            if (w[k] != mg_decay_eval(&f, t[k]))
                fail_msg("%s: t = %.17g: %.17g in bulk, %.17g alone", profiles[p], t[k], w[k],
                         mg_decay_eval(&f, t[k]));
        /* Smoothed: the interpolation follows the profile when its first
         * bound spans many cells (not the 0.001-minute step). */
        if (f.upper[0] < 1)
            continue;
        const double spreads[] = {0.05, 0.175, 0.35};
        for (size_t q = 0; q < 3; q++) {
            mg_decay g = f;
            assert_int_equal(mg_decay_set_spread(&g, spreads[q], &d), MG_OK);
            mg_decay_eval_many(&g, t, N, w);
            for (size_t k = 0; k < N; k++)
                if (!(fabs(w[k] - mg_decay_eval(&g, t[k])) <= 1e-10) &&
                    !(isnan(t[k]) && w[k] == 0))
                    fail_msg("%s, spread %g: t = %.17g: %.17g in bulk, %.17g alone", profiles[p],
                             spreads[q], t[k], w[k], mg_decay_eval(&g, t[k]));
        }
    }
}

static void test_decay_drees(void **state)
{
    (void)state;
    mg_decay f = mg_decay_drees();
    assert_int_equal(f.kind, MG_DECAY_STEP);
    assert_true(f.catchment == 20);
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_decay_check(&f, &d), MG_OK);
    assert_true(mg_decay_eval(&f, 0) == 1.0);
    assert_true(mg_decay_eval(&f, 5) == 1.0);
    assert_true(mg_decay_eval(&f, 9.999) == 1.0);
    assert_true(mg_decay_eval(&f, 10) == 0.66);
    assert_true(mg_decay_eval(&f, 12) == 0.66);
    assert_true(mg_decay_eval(&f, 14.999) == 0.66);
    assert_true(mg_decay_eval(&f, 15) == 0.33);
    assert_true(mg_decay_eval(&f, 19.999) == 0.33);
    assert_true(mg_decay_eval(&f, 20) == 0.0);
    assert_true(mg_decay_eval(&f, 20.001) == 0.0);
    assert_true(mg_decay_eval(&f, 600) == 0.0);
    assert_true(mg_decay_eval(&f, INFINITY) == 0.0);
    assert_true(mg_decay_eval(&f, NAN) == 0.0);
}

static void test_decay_kinds(void **state)
{
    (void)state;
    mg_decay b = {.kind = MG_DECAY_BINARY, .catchment = 30};
    assert_true(mg_decay_eval(&b, 0) == 1.0);
    assert_true(mg_decay_eval(&b, 29.9999) == 1.0);
    assert_true(mg_decay_eval(&b, 30) == 0.0);
    assert_true(mg_decay_eval(&b, 31) == 0.0);
    assert_true(mg_decay_eval(&b, NAN) == 0.0);

    mg_decay g = {.kind = MG_DECAY_GAUSSIAN, .catchment = 30};
    double e = exp(-0.5);
    assert_close(mg_decay_eval(&g, 0), 1.0, 1e-15);
    assert_close(mg_decay_eval(&g, 15), (exp(-0.125) - e) / (1 - e), 1e-15);
    assert_close(mg_decay_eval(&g, 30 * (1 - 1e-9)), 0.0, 1e-8);
    assert_true(mg_decay_eval(&g, 30) == 0.0);
    assert_true(mg_decay_eval(&g, 45) == 0.0);
    /* Decreasing on [0, catchment). */
    double prev = 2;
    for (double t = 0; t < 30; t += 0.5) {
        double v = mg_decay_eval(&g, t);
        assert_true(v < prev && v > 0);
        prev = v;
    }

    mg_decay x = {.kind = MG_DECAY_EXPONENTIAL, .catchment = 20, .beta = 0.1};
    assert_close(mg_decay_eval(&x, 0), 1.0, 0);
    assert_close(mg_decay_eval(&x, 7), exp(-0.7), 1e-15);
    assert_close(mg_decay_eval(&x, 19.99), exp(-1.999), 1e-15);
    assert_true(mg_decay_eval(&x, 20) == 0.0);

    mg_diag d;
    mg_decay bad = {.kind = MG_DECAY_BINARY, .catchment = 0};
    mg_diag_clear(&d);
    assert_int_equal(mg_decay_check(&bad, &d), MG_EINVAL);
    assert_true(d.msg[0] != '\0');
    bad.catchment = NAN;
    mg_diag_clear(&d);
    assert_int_equal(mg_decay_check(&bad, &d), MG_EINVAL);
    bad.catchment = 601;
    mg_diag_clear(&d);
    assert_int_equal(mg_decay_check(&bad, &d), MG_EINVAL);
    mg_decay badx = {.kind = MG_DECAY_EXPONENTIAL, .catchment = 20, .beta = -0.1};
    mg_diag_clear(&d);
    assert_int_equal(mg_decay_check(&badx, &d), MG_EINVAL);
    mg_decay bads = mg_decay_drees();
    bads.catchment = 25; /* last bound 20 */
    mg_diag_clear(&d);
    assert_int_equal(mg_decay_check(&bads, &d), MG_EINVAL);
}

static void test_parse_steps_good(void **state)
{
    (void)state;
    mg_diag d;
    mg_decay f;
    mg_diag_clear(&d);
    assert_int_equal(mg_decay_parse_steps("10:1,15:0.66,20:0.33", &f, &d), MG_OK);
    mg_decay ref = mg_decay_drees();
    assert_int_equal(f.kind, MG_DECAY_STEP);
    assert_int_equal(f.nsteps, 3);
    assert_true(f.catchment == 20);
    for (size_t k = 0; k < 3; k++) {
        assert_true(f.upper[k] == ref.upper[k]);
        assert_true(f.weight[k] == ref.weight[k]);
    }
    for (double t = 0; t < 25; t += 0.25)
        assert_true(mg_decay_eval(&f, t) == mg_decay_eval(&ref, t));

    mg_diag_clear(&d);
    assert_int_equal(mg_decay_parse_steps("30:1", &f, &d), MG_OK);
    assert_int_equal(f.nsteps, 1);
    assert_true(f.catchment == 30);
    assert_true(mg_decay_eval(&f, 29.5) == 1.0);
    assert_true(mg_decay_eval(&f, 30) == 0.0);

    mg_diag_clear(&d);
    assert_int_equal(mg_decay_parse_steps("5:1,12.5:0.5,45:0", &f, &d), MG_OK);
    assert_int_equal(f.nsteps, 3);
    assert_true(f.catchment == 45);
    assert_true(mg_decay_eval(&f, 12.4) == 0.5);
    assert_true(mg_decay_eval(&f, 12.5) == 0.0);

    /* The maximum number of steps. */
    char spec[512];
    size_t len = 0;
    for (int k = 1; k <= MG_DECAY_MAX_STEPS; k++)
        len += (size_t)snprintf(spec + len, sizeof spec - len, "%s%d:%g", k > 1 ? "," : "",
                                k * 5, 1.0 - k * 0.05);
    mg_diag_clear(&d);
    assert_int_equal(mg_decay_parse_steps(spec, &f, &d), MG_OK);
    assert_int_equal(f.nsteps, MG_DECAY_MAX_STEPS);
    assert_true(f.catchment == 5.0 * MG_DECAY_MAX_STEPS);
    assert_close(mg_decay_eval(&f, 7), 0.9, 1e-15);
}

static void test_parse_steps_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",                  /* empty */
        "10",                /* no weight */
        "10:",               /* weight missing */
        ":1",                /* bound missing */
        "abc",               /* not numbers */
        "10:x",
        "10:1;20:0.5",       /* wrong separator */
        "10:1,,20:0.5",      /* empty item */
        "10:1,5:0.5",        /* bounds decreasing */
        "10:1,10:0.5",       /* bounds equal */
        "0:1",               /* a bound of 0 */
        "-5:1",
        "10:1.5",            /* weight above 1 */
        "10:-0.1",           /* negative weight */
        "10:nan",
        "nan:1",
        "inf:1",             /* catchment out of range */
        "700:1",
        "10:1 ",             /* trailing garbage */
        "10:1,20",
        "10:1:2",
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        mg_diag d;
        mg_diag_clear(&d);
        mg_decay f = {.kind = MG_DECAY_BINARY, .catchment = 42};
        int rc = mg_decay_parse_steps(bad[k], &f, &d);
        if (rc != MG_EINVAL)
            fail_msg("spec \"%s\": got %d, expected MG_EINVAL", bad[k], rc);
        if (d.msg[0] == '\0')
            fail_msg("spec \"%s\": no message", bad[k]);
        /* The output is left alone on error. */
        assert_int_equal(f.kind, MG_DECAY_BINARY);
        assert_true(f.catchment == 42);
    }
    /* One step too many. */
    char spec[512];
    size_t len = 0;
    for (int k = 1; k <= MG_DECAY_MAX_STEPS + 1; k++)
        len += (size_t)snprintf(spec + len, sizeof spec - len, "%s%d:0.5", k > 1 ? "," : "",
                                k);
    mg_diag d;
    mg_diag_clear(&d);
    mg_decay f;
    assert_int_equal(mg_decay_parse_steps(spec, &f, &d), MG_EINVAL);
    assert_msg_has(d, "steps");
    /* Messages name the item at fault. */
    mg_diag_clear(&d);
    assert_int_equal(mg_decay_parse_steps("10:1,15:x", &f, &d), MG_EINVAL);
    assert_msg_has(d, "item 2");
    mg_diag_clear(&d);
    assert_int_equal(mg_decay_parse_steps("10:1,15:0.5,12:0.2", &f, &d), MG_EINVAL);
    assert_msg_has(d, "step 3");
}

/* --- The three-commune example. --------------------------------------- *
 * A, B, C; times A–B 12, B–C 8, A–C 18 minutes, 0 within a commune;
 * standardised populations 1000, 500, 2000; supply 1000, 0, 2000. */

static size_t ex_start[] = {0, 3, 6, 9};
static uint32_t ex_to[] = {0, 1, 2, 0, 1, 2, 0, 1, 2};
static double ex_min[] = {0, 12, 18, 12, 0, 8, 18, 8, 0};
static const double ex_demand[] = {1000, 500, 2000};
static const double ex_supply[] = {1000, 0, 2000};

static mg_pairs example(void)
{
    return (mg_pairs){.n = 3, .npairs = 9, .start = ex_start, .to = ex_to, .minutes = ex_min};
}

static mg_measure_spec spec_of(const char *name, enum mg_measure ms, mg_decay f)
{
    return (mg_measure_spec){.name = name, .measure = ms, .decay = f, .scale = 1};
}

static void test_example_apl(void **state)
{
    (void)state;
    mg_pairs p = example();
    mg_measure_spec m = spec_of("apl", MG_MEASURE_2SFCA, mg_decay_drees());
    double out[3];
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_access_compute(&p, ex_supply, ex_demand, &m, out, &d), MG_OK);
    /* Step 1 (DREES weights: 12 → 0.66, 18 → 0.33, 8 → 1, 0 → 1):
     *   D_A = 1000 + 0.66·500 + 0.33·2000 = 1990
     *   D_C = 0.33·1000 + 1·500 + 2000   = 2830
     *   R_A = 1000/1990, R_B = 0 (no supply), R_C = 2000/2830. */
    double ra = 1000.0 / (1000 + 0.66 * 500 + 0.33 * 2000);
    double rc = 2000.0 / (0.33 * 1000 + 1 * 500 + 2000);
    assert_close(ra, 1000.0 / 1990, 1e-15);
    assert_close(rc, 2000.0 / 2830, 1e-15);
    assert_close(out[0], 1000.0 / 1990 + 0.33 * 2000 / 2830, 1e-12);
    assert_close(out[1], 0.66 * 1000 / 1990 + 1.0 * 2000 / 2830, 1e-12);
    assert_close(out[2], 0.33 * 1000 / 1990 + 1.0 * 2000 / 2830, 1e-12);

    /* The named measure gives the same, and the scale multiplies. */
    mg_measure_spec apl;
    mg_diag_clear(&d);
    assert_int_equal(mg_measure_lookup("apl", 20, &apl, &d), MG_OK);
    assert_int_equal(apl.measure, MG_MEASURE_2SFCA);
    assert_int_equal(apl.decay.kind, MG_DECAY_STEP);
    apl.scale = 1e5;
    double scaled[3];
    assert_int_equal(mg_access_compute(&p, ex_supply, ex_demand, &apl, scaled, &d), MG_OK);
    for (int i = 0; i < 3; i++)
        assert_close(scaled[i], 1e5 * out[i], 1e-7);

    /* Conservation with these weights: every supply location sees demand,
     * so Σ_i P_i A_i = Σ_j S_j for the E2SFCA too. */
    double s = 0;
    for (int i = 0; i < 3; i++)
        s += ex_demand[i] * out[i];
    assert_close(s, 3000.0, 1e-9);
}

static void test_example_binary(void **state)
{
    (void)state;
    mg_pairs p = example();
    double out[3];
    mg_diag d;
    mg_diag_clear(&d);
    /* Catchment 20: everybody reaches everybody; D_A = D_C = 3500 and every
     * commune gets (1000 + 2000)/3500. */
    mg_measure_spec m = spec_of("2sfca", MG_MEASURE_2SFCA,
                                (mg_decay){.kind = MG_DECAY_BINARY, .catchment = 20});
    assert_int_equal(mg_access_compute(&p, ex_supply, ex_demand, &m, out, &d), MG_OK);
    for (int i = 0; i < 3; i++)
        assert_close(out[i], 1000.0 / 3500 + 2000.0 / 3500, 1e-12);

    /* Catchment 15: A–C (18) is cut. D_A = 1000 + 500, D_C = 500 + 2000;
     * A_A = R_A, A_B = R_A + R_C, A_C = R_C. */
    m.decay.catchment = 15;
    assert_int_equal(mg_access_compute(&p, ex_supply, ex_demand, &m, out, &d), MG_OK);
    assert_close(out[0], 1000.0 / 1500, 1e-12);
    assert_close(out[1], 1000.0 / 1500 + 2000.0 / 2500, 1e-12);
    assert_close(out[2], 2000.0 / 2500, 1e-12);
    double s = 0;
    for (int i = 0; i < 3; i++)
        s += ex_demand[i] * out[i];
    assert_close(s, 1000.0 + 2000.0, 1e-9);

    /* Catchment 12 (exclusive): A–B is cut too; B keeps only C (8 min). */
    m.decay.catchment = 12;
    assert_int_equal(mg_access_compute(&p, ex_supply, ex_demand, &m, out, &d), MG_OK);
    assert_close(out[0], 1000.0 / 1000, 1e-12);
    assert_close(out[1], 2000.0 / 2500, 1e-12);
    assert_close(out[2], 2000.0 / 2500, 1e-12);
}

static void test_example_other_measures(void **state)
{
    (void)state;
    mg_pairs p = example();
    double out[3];
    mg_diag d;
    mg_diag_clear(&d);

    /* Gravity, β = 0.1, catchment 20: Σ_j S_j e^{−0.1 t_ij}. */
    mg_measure_spec g = spec_of("gravity", MG_MEASURE_GRAVITY,
                                (mg_decay){.kind = MG_DECAY_EXPONENTIAL, .catchment = 20,
                                           .beta = 0.1});
    assert_int_equal(mg_access_compute(&p, ex_supply, NULL, &g, out, &d), MG_OK);
    assert_close(out[0], 1000 * 1.0 + 0 * exp(-1.2) + 2000 * exp(-1.8), 1e-9);
    assert_close(out[1], 1000 * exp(-1.2) + 0 + 2000 * exp(-0.8), 1e-9);
    assert_close(out[2], 1000 * exp(-1.8) + 0 * exp(-0.8) + 2000 * 1.0, 1e-9);
    /* The library's "gravity" is this one. */
    mg_measure_spec gl;
    assert_int_equal(mg_measure_lookup("gravity", 20, &gl, &d), MG_OK);
    double out2[3];
    assert_int_equal(mg_access_compute(&p, ex_supply, NULL, &gl, out2, &d), MG_OK);
    for (int i = 0; i < 3; i++)
        assert_close(out2[i], out[i], 1e-9);

    /* Cumulative opportunities within 15 minutes: A reaches A, B; B all
     * but nothing at 15 or more; C reaches B, C. */
    mg_measure_spec c = spec_of("cumulative", MG_MEASURE_CUMULATIVE,
                                (mg_decay){.kind = MG_DECAY_BINARY, .catchment = 15});
    assert_int_equal(mg_access_compute(&p, ex_supply, NULL, &c, out, &d), MG_OK);
    assert_close(out[0], 1000 + 0, 0);
    assert_close(out[1], 1000 + 0 + 2000, 0);
    assert_close(out[2], 0 + 2000, 0);
    c.decay.catchment = 20;
    assert_int_equal(mg_access_compute(&p, ex_supply, NULL, &c, out, &d), MG_OK);
    for (int i = 0; i < 3; i++)
        assert_close(out[i], 3000, 0);

    /* Nearest: A and C have supply (0 minutes), B is 8 from C. */
    mg_measure_spec n = spec_of("nearest", MG_MEASURE_NEAREST,
                                (mg_decay){.kind = MG_DECAY_BINARY, .catchment = 20});
    assert_int_equal(mg_access_compute(&p, ex_supply, NULL, &n, out, &d), MG_OK);
    assert_close(out[0], 0, 0);
    assert_close(out[1], 8, 0);
    assert_close(out[2], 0, 0);
    /* Without C's supply B's nearest is A at 12 minutes, C's is A at 18;
     * with a catchment of 15, C has none within reach (NaN). */
    const double only_a[] = {1000, 0, 0};
    assert_int_equal(mg_access_compute(&p, only_a, NULL, &n, out, &d), MG_OK);
    assert_close(out[1], 12, 0);
    assert_close(out[2], 18, 0);
    n.decay.catchment = 15;
    assert_int_equal(mg_access_compute(&p, only_a, NULL, &n, out, &d), MG_OK);
    assert_close(out[0], 0, 0);
    assert_close(out[1], 12, 0);
    assert_true(isnan(out[2]));
    /* The scale does not apply to minutes. */
    n.scale = 1e5;
    assert_int_equal(mg_access_compute(&p, only_a, NULL, &n, out, &d), MG_OK);
    assert_close(out[1], 12, 0);
}

static void test_example_3sfca_bfca(void **state)
{
    (void)state;
    mg_pairs p = example();
    double out[3];
    mg_diag d;
    mg_diag_clear(&d);
    /* 3SFCA with DREES weights. Selection weights over supply locations
     * (A and C): row A: W = (1, ·, 0.33) → G_AA = 1/1.33, G_AC = 0.33/1.33;
     * row B: (0.66, ·, 1) → G_BA = 0.66/1.66, G_BC = 1/1.66;
     * row C: (0.33, ·, 1) → G_CA = 0.33/1.33, G_CC = 1/1.33.
     * Step 1 with G·W: D_A = 1000·1·(1/1.33) + 500·0.66·(0.66/1.66)
     *   + 2000·0.33·(0.33/1.33); D_C = 1000·0.33·(0.33/1.33) +
     *   500·1·(1/1.66) + 2000·1·(1/1.33). */
    mg_measure_spec m = spec_of("3sfca", MG_MEASURE_3SFCA, mg_decay_drees());
    assert_int_equal(mg_access_compute(&p, ex_supply, ex_demand, &m, out, &d), MG_OK);
    double da = 1000 * 1 * (1 / 1.33) + 500 * 0.66 * (0.66 / 1.66) + 2000 * 0.33 * (0.33 / 1.33);
    double dc = 1000 * 0.33 * (0.33 / 1.33) + 500 * 1 * (1 / 1.66) + 2000 * 1 * (1 / 1.33);
    double ra = 1000 / da, rc = 2000 / dc;
    assert_close(out[0], 1 * (1 / 1.33) * ra + 0.33 * (0.33 / 1.33) * rc, 1e-12);
    assert_close(out[1], 0.66 * (0.66 / 1.66) * ra + 1 * (1 / 1.66) * rc, 1e-12);
    assert_close(out[2], 0.33 * (0.33 / 1.33) * ra + 1 * (1 / 1.33) * rc, 1e-12);

    /* BFCA with DREES weights. Demand split over the supply locations each
     * commune reaches (the same row weights as G above); supply split over
     * the communes each location reaches (column sums: A 1 + 0.66 + 0.33
     * = 1.99, C 0.33 + 1 + 1 = 2.33). */
    m = spec_of("bfca", MG_MEASURE_BFCA, mg_decay_drees());
    assert_int_equal(mg_access_compute(&p, ex_supply, ex_demand, &m, out, &d), MG_OK);
    double ba = 1000 * (1 / 1.33) + 500 * (0.66 / 1.66) + 2000 * (0.33 / 1.33);
    double bc = 1000 * (0.33 / 1.33) + 500 * (1 / 1.66) + 2000 * (1 / 1.33);
    /* Every commune's demand is fully allocated. */
    assert_close(ba + bc, 3500, 1e-9);
    double la = 1000 / ba, lc = 2000 / bc;
    assert_close(out[0], (1 / 1.99) * la + (0.33 / 2.33) * lc, 1e-12);
    assert_close(out[1], (0.66 / 1.99) * la + (1 / 2.33) * lc, 1e-12);
    assert_close(out[2], (0.33 / 1.99) * la + (1 / 2.33) * lc, 1e-12);
    /* Level of service is preserved: Σ_i A_i = Σ_j L_j. */
    assert_close(out[0] + out[1] + out[2], la + lc, 1e-12);
}

/* --- Dense reference implementations of the documented formulas. ------ */

typedef struct dense {
    size_t n;
    double *t; /* n × n minutes, NAN where there is no pair */
} dense;

static double W(const dense *m, const mg_decay *f, size_t i, size_t j)
{
    double t = m->t[i * m->n + j];
    return isnan(t) ? 0 : mg_decay_eval(f, t);
}

/* Two steps with weights w1 (step 1) and w2 (step 2), n × n. */
static void dense_two_step(size_t n, const double *w1, const double *w2, const double *s,
                           const double *p, double *out)
{
    double *r = calloc(n, sizeof *r);
    assert_non_null(r);
    for (size_t j = 0; j < n; j++) {
        double dj = 0;
        for (size_t i = 0; i < n; i++)
            dj += w1[i * n + j] * p[i];
        r[j] = dj > 0 ? s[j] / dj : 0;
    }
    for (size_t i = 0; i < n; i++) {
        double a = 0;
        for (size_t j = 0; j < n; j++)
            a += w2[i * n + j] * r[j];
        out[i] = a;
    }
    free(r);
}

static void dense_measure(const dense *m, const mg_measure_spec *spec, const double *s,
                          const double *p, double *out)
{
    size_t n = m->n;
    double *w = calloc(n * n, sizeof *w), *wr = calloc(n * n, sizeof *wr),
           *wc = calloc(n * n, sizeof *wc);
    assert_true(w && wr && wc);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            w[i * n + j] = W(m, &spec->decay, i, j);
    /* Row weights over supply locations, column weights over origins. */
    for (size_t i = 0; i < n; i++) {
        double rs = 0;
        for (size_t j = 0; j < n; j++)
            rs += s[j] > 0 ? w[i * n + j] : 0;
        for (size_t j = 0; j < n; j++)
            wr[i * n + j] = rs > 0 && s[j] > 0 ? w[i * n + j] / rs : 0;
    }
    for (size_t j = 0; j < n; j++) {
        double cs = 0;
        for (size_t i = 0; i < n; i++)
            cs += w[i * n + j];
        for (size_t i = 0; i < n; i++)
            wc[i * n + j] = cs > 0 ? w[i * n + j] / cs : 0;
    }
    switch (spec->measure) {
    case MG_MEASURE_2SFCA:
        dense_two_step(n, w, w, s, p, out);
        break;
    case MG_MEASURE_3SFCA:
        for (size_t k = 0; k < n * n; k++)
            w[k] *= wr[k];
        dense_two_step(n, w, w, s, p, out);
        break;
    case MG_MEASURE_BFCA:
        dense_two_step(n, wr, wc, s, p, out);
        break;
    case MG_MEASURE_GRAVITY:
    case MG_MEASURE_CUMULATIVE:
        for (size_t i = 0; i < n; i++) {
            double a = 0;
            for (size_t j = 0; j < n; j++)
                a += w[i * n + j] * s[j];
            out[i] = a;
        }
        break;
    case MG_MEASURE_NEAREST:
        for (size_t i = 0; i < n; i++) {
            double best = NAN;
            for (size_t j = 0; j < n; j++) {
                double t = m->t[i * n + j];
                if (!isnan(t) && s[j] > 0 && t < spec->decay.catchment && !(t >= best))
                    best = t;
            }
            out[i] = best;
        }
        break;
    }
    if (spec->measure != MG_MEASURE_NEAREST)
        for (size_t i = 0; i < n; i++)
            out[i] *= spec->scale;
    free(w);
    free(wr);
    free(wc);
}

/* The CSR table of a dense matrix (rows sorted by destination). */
static void dense_to_pairs(const dense *m, mg_pairs *p)
{
    size_t n = m->n, np = 0;
    for (size_t k = 0; k < n * n; k++)
        np += !isnan(m->t[k]);
    p->n = n;
    p->npairs = np;
    p->start = malloc((n + 1) * sizeof *p->start);
    p->to = malloc((np ? np : 1) * sizeof *p->to);
    p->minutes = malloc((np ? np : 1) * sizeof *p->minutes);
    assert_true(p->start && p->to && p->minutes);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        p->start[i] = k;
        for (size_t j = 0; j < n; j++) {
            if (isnan(m->t[i * n + j]))
                continue;
            p->to[k] = (uint32_t)j;
            p->minutes[k] = m->t[i * n + j];
            k++;
        }
    }
    p->start[n] = k;
}

static uint32_t lcg_state;

static double urand(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (double)(lcg_state >> 8) / (double)(1u << 24);
}

/* A random table of n nodes: self at 0, about `density` of the other pairs
 * present with times up to 30 minutes (not symmetric), demand and supply
 * with zeros. */
static void random_case(size_t n, double density, dense *m, double *s, double *p)
{
    m->n = n;
    m->t = malloc(n * n * sizeof *m->t);
    assert_non_null(m->t);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            m->t[i * n + j] = i == j ? 0 : urand() < density ? 30 * urand() : NAN;
    /* A few exact step bounds. */
    m->t[0 * n + 1] = 10;
    m->t[1 * n + 2] = 15;
    m->t[2 * n + 3] = 20;
    for (size_t i = 0; i < n; i++) {
        s[i] = urand() < 0.4 ? 0 : 500 + 5000 * urand();
        p[i] = urand() < 0.1 ? 0 : 50 + 3000 * urand();
    }
    /* A node with no pair but its own and no supply. */
    for (size_t j = 0; j < n; j++)
        if (j != n - 1) {
            m->t[(n - 1) * n + j] = NAN;
            m->t[j * n + (n - 1)] = NAN;
        }
    s[n - 1] = 0;
}

static void compare_all(const dense *m, const double *s, const double *p)
{
    mg_pairs pr;
    dense_to_pairs(m, &pr);
    size_t n = m->n;
    double *got = malloc(n * sizeof *got), *want = malloc(n * sizeof *want);
    assert_true(got && want);
    mg_decay gauss = {.kind = MG_DECAY_GAUSSIAN, .catchment = 25};
    mg_decay bin = {.kind = MG_DECAY_BINARY, .catchment = 20};
    mg_decay expo = {.kind = MG_DECAY_EXPONENTIAL, .catchment = 30, .beta = 0.05};
    const mg_measure_spec specs[] = {
        spec_of("apl", MG_MEASURE_2SFCA, mg_decay_drees()),
        spec_of("2sfca", MG_MEASURE_2SFCA, bin),
        spec_of("g2sfca", MG_MEASURE_2SFCA, gauss),
        spec_of("3sfca", MG_MEASURE_3SFCA, mg_decay_drees()),
        spec_of("3sfca-g", MG_MEASURE_3SFCA, gauss),
        spec_of("bfca", MG_MEASURE_BFCA, mg_decay_drees()),
        spec_of("bfca-b", MG_MEASURE_BFCA, bin),
        spec_of("gravity", MG_MEASURE_GRAVITY, expo),
        spec_of("cumulative", MG_MEASURE_CUMULATIVE, bin),
        spec_of("nearest", MG_MEASURE_NEAREST, bin),
    };
    for (size_t k = 0; k < sizeof specs / sizeof *specs; k++) {
        mg_diag d;
        mg_diag_clear(&d);
        for (size_t i = 0; i < n; i++)
            got[i] = -12345;
        int rc = mg_access_compute(&pr, s, p, &specs[k], got, &d);
        if (rc != MG_OK)
            fail_msg("%s: %d %s", specs[k].name, rc, d.msg);
        dense_measure(m, &specs[k], s, p, want);
        for (size_t i = 0; i < n; i++) {
            bool ok = (isnan(want[i]) && isnan(got[i])) ||
                      fabs(got[i] - want[i]) <= 1e-12 * (1 + fabs(want[i]));
            if (!ok)
                fail_msg("%s, node %zu: got %.17g, expected %.17g", specs[k].name, i, got[i],
                         want[i]);
        }
        /* The isolated node without supply gets 0 (NaN for nearest). */
        if (specs[k].measure == MG_MEASURE_NEAREST)
            assert_true(isnan(got[n - 1]));
        else
            assert_true(got[n - 1] == 0.0);
    }
    free(got);
    free(want);
    mg_pairs_free(&pr);
}

static void test_against_dense(void **state)
{
    (void)state;
    lcg_state = 7;
    for (int rep = 0; rep < 5; rep++) {
        size_t n = (size_t)(10 + rep * 17);
        dense m;
        double *s = malloc(n * sizeof *s), *p = malloc(n * sizeof *p);
        assert_true(s && p);
        random_case(n, rep == 4 ? 0.9 : 0.3, &m, s, p);
        compare_all(&m, s, p);
        free(m.t);
        free(s);
        free(p);
    }
}

static void test_conservation(void **state)
{
    (void)state;
    /* 2SFCA with binary decay, symmetric times, everybody within reach of
     * some supply and every supply location with demand in reach:
     * Σ_i P_i A_i = Σ_j S_j. */
    lcg_state = 99;
    size_t n = 60;
    dense m;
    m.n = n;
    m.t = malloc(n * n * sizeof *m.t);
    double *s = malloc(n * sizeof *s), *p = malloc(n * sizeof *p), *a = malloc(n * sizeof *a);
    assert_true(m.t && s && p && a);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            double t = i == j ? 0 : urand() < 0.5 ? 40 * urand() : NAN;
            m.t[i * n + j] = m.t[j * n + i] = t;
        }
    for (size_t i = 0; i < n; i++) {
        p[i] = 100 + 1000 * urand(); /* every node has demand: D_j > 0 */
        s[i] = urand() < 0.5 ? 0 : 100 * urand();
    }
    /* Every origin reaches the first supply node within 5 minutes. */
    size_t j0 = 0;
    s[j0] = 777;
    for (size_t i = 0; i < n; i++)
        if (i != j0)
            m.t[i * n + j0] = m.t[j0 * n + i] = 5 * urand();
    mg_pairs pr;
    dense_to_pairs(&m, &pr);
    double total_s = 0;
    for (size_t i = 0; i < n; i++)
        total_s += s[i];
    const mg_decay decays[] = {{.kind = MG_DECAY_BINARY, .catchment = 30},
                               mg_decay_drees(),
                               {.kind = MG_DECAY_GAUSSIAN, .catchment = 30}};
    for (size_t k = 0; k < 3; k++) {
        mg_measure_spec sp = spec_of("2sfca", MG_MEASURE_2SFCA, decays[k]);
        mg_diag d;
        mg_diag_clear(&d);
        assert_int_equal(mg_access_compute(&pr, s, p, &sp, a, &d), MG_OK);
        double pa = 0;
        for (size_t i = 0; i < n; i++)
            pa += p[i] * a[i];
        assert_close(pa, total_s, 1e-9 * total_s);
    }
    /* Doubling every supply doubles every value; doubling every demand
     * halves it. */
    double *a2 = malloc(n * sizeof *a2), *s2 = malloc(n * sizeof *s2);
    assert_true(a2 && s2);
    mg_measure_spec sp = spec_of("apl", MG_MEASURE_2SFCA, mg_decay_drees());
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_access_compute(&pr, s, p, &sp, a, &d), MG_OK);
    for (size_t i = 0; i < n; i++)
        s2[i] = 2 * s[i];
    assert_int_equal(mg_access_compute(&pr, s2, p, &sp, a2, &d), MG_OK);
    for (size_t i = 0; i < n; i++)
        assert_close(a2[i], 2 * a[i], 1e-12 * (1 + a[i]));
    for (size_t i = 0; i < n; i++)
        s2[i] = 2 * p[i];
    assert_int_equal(mg_access_compute(&pr, s, s2, &sp, a2, &d), MG_OK);
    for (size_t i = 0; i < n; i++)
        assert_close(a2[i], a[i] / 2, 1e-12 * (1 + a[i]));
    free(a2);
    free(s2);
    mg_pairs_free(&pr);
    free(m.t);
    free(s);
    free(p);
    free(a);
}

static void test_two_step_kernel(void **state)
{
    (void)state;
    /* Different weights in the two steps: w1 all ones, w2 the times / 10. */
    mg_pairs p = example();
    double w1[9], w2[9], ratio[3], out[3];
    for (int k = 0; k < 9; k++) {
        w1[k] = 1;
        w2[k] = ex_min[k] / 10;
    }
    mg_access_weights(&p, &(mg_decay){.kind = MG_DECAY_BINARY, .catchment = 15}, w1);
    const double wb[9] = {1, 1, 0, 1, 1, 1, 0, 1, 1};
    for (int k = 0; k < 9; k++)
        assert_true(w1[k] == wb[k]);
    mg_access_two_step(&p, w1, w2, ex_supply, ex_demand, ratio, out);
    /* D_A = 1000 + 500, D_B = 3500, D_C = 500 + 2000. */
    assert_close(ratio[0], 1000.0 / 1500, 1e-15);
    assert_close(ratio[1], 0, 0);
    assert_close(ratio[2], 2000.0 / 2500, 1e-15);
    assert_close(out[0], 0 * ratio[0] + 1.2 * ratio[1] + 1.8 * ratio[2], 1e-12);
    assert_close(out[1], 1.2 * ratio[0] + 0 + 0.8 * ratio[2], 1e-12);
    assert_close(out[2], 1.8 * ratio[0] + 0.8 * ratio[1] + 0, 1e-12);
}

static void test_errors(void **state)
{
    (void)state;
    mg_pairs p = example();
    double out[3] = {7, 7, 7};
    mg_diag d;
    mg_measure_spec m = spec_of("apl", MG_MEASURE_2SFCA, mg_decay_drees());

    const double neg_s[] = {1000, -1, 2000};
    mg_diag_clear(&d);
    assert_int_equal(mg_access_compute(&p, neg_s, ex_demand, &m, out, &d), MG_EINVAL);
    assert_true(d.msg[0] != '\0');
    const double nan_s[] = {1000, NAN, 2000};
    mg_diag_clear(&d);
    assert_int_equal(mg_access_compute(&p, nan_s, ex_demand, &m, out, &d), MG_EINVAL);
    const double inf_s[] = {INFINITY, 0, 2000};
    mg_diag_clear(&d);
    assert_int_equal(mg_access_compute(&p, inf_s, ex_demand, &m, out, &d), MG_EINVAL);
    const double neg_p[] = {1000, 500, -2000};
    mg_diag_clear(&d);
    assert_int_equal(mg_access_compute(&p, ex_supply, neg_p, &m, out, &d), MG_EINVAL);
    const double nan_p[] = {NAN, 500, 2000};
    mg_diag_clear(&d);
    assert_int_equal(mg_access_compute(&p, ex_supply, nan_p, &m, out, &d), MG_EINVAL);
    /* Nothing written on error. */
    for (int i = 0; i < 3; i++)
        assert_true(out[i] == 7);

    /* Competitive measures need a demand. */
    static const enum mg_measure comp[] = {MG_MEASURE_2SFCA, MG_MEASURE_3SFCA, MG_MEASURE_BFCA};
    for (size_t k = 0; k < 3; k++) {
        mg_measure_spec c = spec_of("x", comp[k], mg_decay_drees());
        mg_diag_clear(&d);
        assert_int_equal(mg_access_compute(&p, ex_supply, NULL, &c, out, &d), MG_EINVAL);
        assert_true(d.msg[0] != '\0');
    }
    /* A bad decay. */
    mg_measure_spec bad = spec_of("2sfca", MG_MEASURE_2SFCA,
                                  (mg_decay){.kind = MG_DECAY_BINARY, .catchment = -3});
    mg_diag_clear(&d);
    assert_int_equal(mg_access_compute(&p, ex_supply, ex_demand, &bad, out, &d), MG_EINVAL);
    bad.decay = mg_decay_drees();
    bad.decay.weight[1] = 1.5;
    mg_diag_clear(&d);
    assert_int_equal(mg_access_compute(&p, ex_supply, ex_demand, &bad, out, &d), MG_EINVAL);

    /* Names. */
    mg_measure_spec s;
    mg_diag_clear(&d);
    assert_int_equal(mg_measure_lookup("e3sfca", 20, &s, &d), MG_EINVAL);
    assert_msg_has(d, "e3sfca");
    assert_msg_has(d, "bfca");
    mg_diag_clear(&d);
    assert_int_equal(mg_measure_lookup("2sfca", 0, &s, &d), MG_EINVAL);
    const char *names[] = {"apl", "2sfca", "e2sfca", "g2sfca", "3sfca", "bfca", "gravity",
                           "cumulative", "nearest"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        mg_diag_clear(&d);
        assert_int_equal(mg_measure_lookup(names[k], 30, &s, &d), MG_OK);
        assert_non_null(strstr(mg_measure_names(), names[k]));
        assert_true(s.scale == 1);
        /* Decays other than the DREES steps take the catchment given. */
        if (s.decay.kind != MG_DECAY_STEP)
            assert_true(s.decay.catchment == 30);
    }
    const mg_profession *mg = mg_profession_lookup("mg");
    assert_non_null(mg);
    assert_string_equal(mg->bpe_type, "D201");
    assert_true(mg->threshold == 2.5);
    assert_null(mg_profession_lookup("xx"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decay_drees),
        cmocka_unit_test(test_decay_eval_many),
        cmocka_unit_test(test_decay_kinds),
        cmocka_unit_test(test_parse_steps_good),
        cmocka_unit_test(test_parse_steps_bad),
        cmocka_unit_test(test_example_apl),
        cmocka_unit_test(test_example_binary),
        cmocka_unit_test(test_example_other_measures),
        cmocka_unit_test(test_example_3sfca_bfca),
        cmocka_unit_test(test_against_dense),
        cmocka_unit_test(test_conservation),
        cmocka_unit_test(test_two_step_kernel),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
