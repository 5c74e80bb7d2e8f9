/*
 * Unit tests of stats/inequality: small examples worked out by hand in the
 * comments, then invariants checked on pseudo-random data from a fixed seed
 * (so a failure always reproduces), then every documented error case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "stats/inequality.h"
#include "testutil.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static size_t rng_below(uint64_t *s, size_t k)
{
    return (size_t)(rng_next(s) % k);
}

/*
 * Expands integer weights into repeated rows of weight 1; returns the row
 * count. Entries with weight 0 or a NaN value vanish, as they should.
 */
static size_t repeat_rows(const double *x, const double *w, size_t n,
                          double *rx, double *rw)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (int r = 0; r < (int)w[i]; r++) {
            rx[k] = x[i];
            rw[k] = 1;
            k++;
        }
    return k;
}

enum { NR = 300, MAXW = 5 };

/* Values with ties (two decimals), integer weights 0..MAXW, a few NaNs. */
static void random_integer_weighted(uint64_t *s, double *x, double *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        x[i] = round(rng_unit(s) * 600) / 100;
        w[i] = (double)rng_below(s, MAXW + 1);
        if (rng_below(s, 25) == 0)
            x[i] = NAN;
    }
}

/* ---- mean ---------------------------------------------------------------- */

static void test_mean_hand(void **state)
{
    (void)state;
    double out = 0;
    /* (1·1 + 2·1 + 3·2) / (1 + 1 + 2) = 9 / 4. */
    double x[] = {1, 2, 3};
    double w[] = {1, 1, 2};
    assert_int_equal(mg_stats_mean(x, w, 3, &out), 0);
    assert_close(out, 2.25, 0);
    /* The NaN value goes with its weight 5, the 100 has no people: (1 + 3) / 2. */
    double x2[] = {1, NAN, 3, 100};
    double w2[] = {1, 5, 1, 0};
    assert_int_equal(mg_stats_mean(x2, w2, 4, &out), 0);
    assert_close(out, 2, 0);
}

/* ---- quantile ------------------------------------------------------------ */

static void test_quantile_hand(void **state)
{
    (void)state;
    double out = 0;
    /* Sorted 1,2,3,4, cumulative 1,2,3,4 of W = 4. q = 0.5: target 2, reached at 2. */
    double x[] = {3, 1, 2, 4};
    double w[] = {1, 1, 1, 1};
    assert_int_equal(mg_stats_quantile(x, w, 4, 0.5, &out), 0);
    assert_close(out, 2, 0);
    /* q = 0.51: target 2.04, first reached at 3. */
    assert_int_equal(mg_stats_quantile(x, w, 4, 0.51, &out), 0);
    assert_close(out, 3, 0);
    assert_int_equal(mg_stats_quantile(x, w, 4, 0, &out), 0);
    assert_close(out, 1, 0);
    assert_int_equal(mg_stats_quantile(x, w, 4, 1, &out), 0);
    assert_close(out, 4, 0);

    /* Masses 1,2,1 at 10,20,30 (W = 4, cumulative 1,3,4). */
    double x2[] = {10, 20, 30};
    double w2[] = {1, 2, 1};
    double q[] = {0.25, 0.26, 0.75, 0.76};
    double want[] = {10, 20, 20, 30}; /* targets 1, 1.04, 3, 3.04 */
    for (size_t i = 0; i < COUNT(q); i++) {
        assert_int_equal(mg_stats_quantile(x2, w2, 3, q[i], &out), 0);
        assert_close(out, want[i], 0);
    }

    /* Ties: masses 2 at 1 and 1+1 at 5 (W = 4). q = 0.5: target 2, reached at 1. */
    double x3[] = {5, 5, 1};
    double w3[] = {1, 1, 2};
    assert_int_equal(mg_stats_quantile(x3, w3, 3, 0.5, &out), 0);
    assert_close(out, 1, 0);
    assert_int_equal(mg_stats_quantile(x3, w3, 3, 0.6, &out), 0);
    assert_close(out, 5, 0);
}

/*
 * Weights that are not binary fractions: ten equal masses at 1..10. The
 * k-th decile must be k, although q · Σw and the running sums are rounded:
 * with masses of 0.7, three of them sum to 2.0999999999999996 while
 * 0.3 · 7 gives 2.1, which without the rounding allowance would move D3 to 4.
 */
static void test_quantile_rounding(void **state)
{
    (void)state;
    double x[10], w[10], out = 0;
    const double mass[] = {0.1, 0.7, 1.1, 0.37};
    for (size_t j = 0; j < COUNT(mass); j++) {
        for (int i = 0; i < 10; i++) {
            x[i] = i + 1;
            w[i] = mass[j];
        }
        for (int k = 1; k <= 9; k++) {
            assert_int_equal(mg_stats_quantile(x, w, 10, k / 10.0, &out), 0);
            assert_close(out, k, 0);
        }
    }
    double x3[] = {1, 2, 3};
    double w3[] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
    assert_int_equal(mg_stats_quantile(x3, w3, 3, 1.0 / 3, &out), 0);
    assert_close(out, 1, 0);
    assert_int_equal(mg_stats_quantile(x3, w3, 3, 2.0 / 3, &out), 0);
    assert_close(out, 2, 0);
}

/* Integer weights act exactly like repeated rows, for every q. */
static void test_quantile_repeated_rows(void **state)
{
    (void)state;
    uint64_t seed = 11;
    double x[NR], w[NR], rx[NR * MAXW], rw[NR * MAXW];
    for (int round_ = 0; round_ < 5; round_++) {
        random_integer_weighted(&seed, x, w, NR);
        size_t nr = repeat_rows(x, w, NR, rx, rw);
        for (int k = 0; k <= 200; k++) {
            double q = k / 200.0;
            double a = 0, b = 0;
            assert_int_equal(mg_stats_quantile(x, w, NR, q, &a), 0);
            assert_int_equal(mg_stats_quantile(rx, rw, nr, q, &b), 0);
            assert_close(a, b, 0);
        }
    }
}

/*
 * The definition checked naively, in O(n²): the result r has F(r) >= q·W
 * and every smaller value v has F(v) < q·W. Integer weights and q in
 * 64ths keep every sum exact, so no tolerance is involved.
 */
static void test_quantile_definition(void **state)
{
    (void)state;
    uint64_t seed = 12;
    double x[NR], w[NR];
    random_integer_weighted(&seed, x, w, NR);
    double wsum = 0;
    for (size_t i = 0; i < NR; i++)
        if (!isnan(x[i]))
            wsum += w[i];
    for (int k = 1; k < 64; k++) {
        double q = k / 64.0, r = 0;
        assert_int_equal(mg_stats_quantile(x, w, NR, q, &r), 0);
        double fr = 0;
        for (size_t i = 0; i < NR; i++)
            if (!isnan(x[i]) && x[i] <= r)
                fr += w[i];
        assert_true(fr >= q * wsum);
        for (size_t j = 0; j < NR; j++) {
            if (isnan(x[j]) || w[j] == 0 || !(x[j] < r))
                continue;
            double fv = 0;
            for (size_t i = 0; i < NR; i++)
                if (!isnan(x[i]) && x[i] <= x[j])
                    fv += w[i];
            assert_true(fv < q * wsum);
        }
    }
}

/* ---- Gini ---------------------------------------------------------------- */

static void test_gini_hand(void **state)
{
    (void)state;
    double out = 0;
    /*
     * Two people at 0 and 1: ordered pairs (0,0) (0,1) (1,0) (1,1) have mean
     * absolute difference 2/4 = 0.5; mean 0.5; G = 0.5 / (2 · 0.5) = 0.5.
     */
    double x1[] = {0, 1};
    double w1[] = {1, 1};
    assert_int_equal(mg_stats_gini(x1, w1, 2, &out), 0);
    assert_close(out, 0.5, 1e-15);
    /*
     * 1, 2, 3: |differences| 1, 2, 1 each twice = 8 over 9 pairs; mean 2;
     * G = (8/9) / 4 = 2/9.
     */
    double x2[] = {3, 1, 2};
    double w2[] = {1, 1, 1};
    assert_int_equal(mg_stats_gini(x2, w2, 3, &out), 0);
    assert_close(out, 2.0 / 9, 1e-15);
    /*
     * 3 people at 1, 1 at 3: W = 4, mean 6/4 = 1.5. Σ w_i w_j |x_i − x_j| =
     * 2 · 3 · 1 · 2 = 12, over W² = 16 gives 0.75; G = 0.75 / 3 = 0.25.
     */
    double x3[] = {1, 3};
    double w3[] = {3, 1};
    assert_int_equal(mg_stats_gini(x3, w3, 2, &out), 0);
    assert_close(out, 0.25, 1e-15);
    /* Everything held by one person of four: G = (n − 1)/n = 0.75. */
    double x4[] = {0, 0, 0, 8};
    double w4[] = {1, 1, 1, 1};
    assert_int_equal(mg_stats_gini(x4, w4, 4, &out), 0);
    assert_close(out, 0.75, 1e-15);
}

/* Equal values give exactly 0 whatever the weights, NaNs and zeros around. */
static void test_gini_equal_values(void **state)
{
    (void)state;
    uint64_t seed = 21;
    double x[NR], w[NR], out = -1;
    for (size_t i = 0; i < NR; i++) {
        x[i] = 3.7;
        w[i] = rng_unit(&seed) * 1000;
        if (i % 17 == 0)
            w[i] = 0;
        if (i % 23 == 0)
            x[i] = NAN;
    }
    assert_int_equal(mg_stats_gini(x, w, NR, &out), 0);
    assert_close(out, 0, 0);
}

static void test_gini_repeated_rows(void **state)
{
    (void)state;
    uint64_t seed = 22;
    double x[NR], w[NR], rx[NR * MAXW], rw[NR * MAXW];
    for (int round_ = 0; round_ < 5; round_++) {
        random_integer_weighted(&seed, x, w, NR);
        size_t nr = repeat_rows(x, w, NR, rx, rw);
        double a = 0, b = 0;
        assert_int_equal(mg_stats_gini(x, w, NR, &a), 0);
        assert_int_equal(mg_stats_gini(rx, rw, nr, &b), 0);
        assert_close(a, b, 1e-12);
    }
}

/*
 * Against the definition in O(n²), in long double, with real weights; and
 * invariance under reordering the communes and scaling the weights.
 */
static void test_gini_definition(void **state)
{
    (void)state;
    uint64_t seed = 23;
    enum { N = 200 };
    double x[N], w[N], px[N], pw[N];
    for (size_t i = 0; i < N; i++) {
        x[i] = rng_unit(&seed) * rng_unit(&seed) * 10;
        w[i] = 10 + rng_unit(&seed) * 5000;
    }
    long double num = 0, sw = 0, swx = 0;
    for (size_t i = 0; i < N; i++) {
        sw += w[i];
        swx += (long double)w[i] * x[i];
        for (size_t j = 0; j < N; j++)
            num += (long double)w[i] * w[j] * fabsl((long double)x[i] - x[j]);
    }
    double want = (double)(num / (2 * sw * swx));
    double g = 0;
    assert_int_equal(mg_stats_gini(x, w, N, &g), 0);
    assert_close(g, want, 1e-12);

    /* A reversed order and weights times 1000 describe the same population. */
    for (size_t i = 0; i < N; i++) {
        px[i] = x[N - 1 - i];
        pw[i] = w[N - 1 - i] * 1000;
    }
    double g2 = 0;
    assert_int_equal(mg_stats_gini(px, pw, N, &g2), 0);
    assert_close(g2, g, 1e-13);
}

/* ---- Theil --------------------------------------------------------------- */

static void test_theil_hand(void **state)
{
    (void)state;
    double t = 0, b = 0, wi = 0;
    /* 1 and 3, mean 2: T = (1 ln(1/2) + 3 ln(3/2)) / (2 · 2). */
    double x1[] = {1, 3};
    double w1[] = {1, 1};
    assert_int_equal(mg_stats_theil(x1, w1, 2, NULL, 0, &t, NULL, NULL), 0);
    assert_close(t, (log(0.5) + 3 * log(1.5)) / 4, 1e-15);
    /* 0 and 2, mean 1: the zero adds nothing, T = 2 ln 2 / 2 = ln 2 = ln n, the maximum. */
    double x2[] = {0, 2};
    assert_int_equal(mg_stats_theil(x2, w1, 2, NULL, 0, &t, NULL, NULL), 0);
    assert_close(t, log(2), 1e-15);
    /*
     * Groups {1, 3} and {2, 6}, mean 3, Σx = 12. Group means 2 and 4,
     * shares s = 4/12 and 8/12: between = (1/3) ln(2/3) + (2/3) ln(4/3).
     * Each group is the other times 2, so both have T_g = T of {1, 3} and
     * within = T_g. Total = (ln(1/3) + 3 ln 1 + 2 ln(2/3) + 6 ln 2) / 12.
     */
    double x3[] = {1, 3, 2, 6};
    double w3[] = {1, 1, 1, 1};
    size_t g3[] = {0, 0, 1, 1};
    assert_int_equal(mg_stats_theil(x3, w3, 4, g3, 2, &t, &b, &wi), 0);
    assert_close(t, (log(1.0 / 3) + 2 * log(2.0 / 3) + 6 * log(2)) / 12, 1e-15);
    assert_close(b, log(2.0 / 3) / 3 + 2 * log(4.0 / 3) / 3, 1e-15);
    assert_close(wi, (log(0.5) + 3 * log(1.5)) / 4, 1e-15);
    /* Only one of the two parts may be asked for. */
    double b2 = -1;
    assert_int_equal(mg_stats_theil(x3, w3, 4, g3, 2, &t, &b2, NULL), 0);
    assert_close(b2, b, 0);
}

/*
 * Random data in 7 groups, one of them empty and one holding only zeros:
 * total = between + within, and one group has between = 0, within = total.
 * A group id out of range on an ignored entry is not read.
 */
static void test_theil_decomposition(void **state)
{
    (void)state;
    uint64_t seed = 31;
    double x[NR], w[NR];
    size_t g[NR], one[NR];
    for (int round_ = 0; round_ < 10; round_++) {
        for (size_t i = 0; i < NR; i++) {
            g[i] = rng_below(&seed, 6); /* group 6 stays empty */
            x[i] = g[i] == 5 ? 0 : rng_unit(&seed) * (1 + (double)g[i]);
            w[i] = rng_unit(&seed) * 3000;
            one[i] = 0;
            if (i % 31 == 0) {
                w[i] = 0;
                g[i] = 99;
            }
        }
        double t = 0, b = 0, wi = 0;
        assert_int_equal(mg_stats_theil(x, w, NR, g, 7, &t, &b, &wi), 0);
        assert_true(t > 0 && b > 0 && wi > 0);
        assert_close(t, b + wi, 1e-12);
        double t1 = 0, b1 = -1, w1 = 0;
        assert_int_equal(mg_stats_theil(x, w, NR, one, 1, &t1, &b1, &w1), 0);
        assert_close(t1, t, 0);
        assert_close(b1, 0, 1e-15);
        assert_close(w1, t1, 1e-12);
    }
}

static void test_theil_repeated_rows(void **state)
{
    (void)state;
    uint64_t seed = 32;
    double x[NR], w[NR], rx[NR * MAXW], rw[NR * MAXW];
    random_integer_weighted(&seed, x, w, NR);
    size_t nr = repeat_rows(x, w, NR, rx, rw);
    double a = 0, b = 0;
    assert_int_equal(mg_stats_theil(x, w, NR, NULL, 0, &a, NULL, NULL), 0);
    assert_int_equal(mg_stats_theil(rx, rw, nr, NULL, 0, &b, NULL, NULL), 0);
    assert_close(a, b, 1e-12);
}

/* ---- D9/D1 and Palma ----------------------------------------------------- */

static void test_decile_ratio_hand(void **state)
{
    (void)state;
    double out = 0;
    /* 1..10, equal weights: D1 = 1 (target 1), D9 = 9 (target 9). */
    double x[10], w[10];
    for (int i = 0; i < 10; i++) {
        x[i] = i + 1;
        w[i] = 1;
    }
    assert_int_equal(mg_stats_decile_ratio(x, w, 10, &out), 0);
    assert_close(out, 9, 0);
    /* Masses 1, 8, 0.5, 0.5 at 1, 2, 4, 8 (W = 10): D1 = 1, D9 = 2 (cumulative 9). */
    double x2[] = {8, 4, 2, 1};
    double w2[] = {0.5, 0.5, 8, 1};
    assert_int_equal(mg_stats_decile_ratio(x2, w2, 4, &out), 0);
    assert_close(out, 2, 0);
}

static void test_palma_hand(void **state)
{
    (void)state;
    double out = 0;
    /* 1..10, one person each: bottom 4 hold 1+2+3+4 = 10, the top one 10. */
    double x[10], w[10];
    for (int i = 0; i < 10; i++) {
        x[i] = 10 - i;
        w[i] = 1;
    }
    assert_int_equal(mg_stats_palma(x, w, 10, &out), 0);
    assert_close(out, 1, 1e-15);
    /*
     * Masses 1 at 1 and 1 at 2 (W = 2): the bottom 40 % is 0.8 of the first
     * commune, 0.8 · 1; the top 10 % is 0.2 of the second, 0.2 · 2 = 0.4.
     * Palma = 0.4 / 0.8 = 0.5.
     */
    double x2[] = {1, 2};
    double w2[] = {1, 1};
    assert_int_equal(mg_stats_palma(x2, w2, 2, &out), 0);
    assert_close(out, 0.5, 1e-15);
    /*
     * Masses 2, 1, 1 at 1, 5, 10 (W = 4): bottom 1.6 people all at 1 hold
     * 1.6; top 0.4 people all at 10 hold 4. Palma = 2.5.
     */
    double x3[] = {10, 1, 5};
    double w3[] = {1, 2, 1};
    assert_int_equal(mg_stats_palma(x3, w3, 3, &out), 0);
    assert_close(out, 2.5, 1e-15);
}

static void test_ratios_repeated_rows(void **state)
{
    (void)state;
    uint64_t seed = 41;
    double x[NR], w[NR], rx[NR * MAXW], rw[NR * MAXW];
    for (int round_ = 0; round_ < 5; round_++) {
        random_integer_weighted(&seed, x, w, NR);
        for (size_t i = 0; i < NR; i++)
            x[i] += 0.5; /* keeps D1 away from 0 */
        size_t nr = repeat_rows(x, w, NR, rx, rw);
        double a = 0, b = 0;
        assert_int_equal(mg_stats_palma(x, w, NR, &a), 0);
        assert_int_equal(mg_stats_palma(rx, rw, nr, &b), 0);
        assert_close(a, b, 1e-12);
        assert_int_equal(mg_stats_decile_ratio(x, w, NR, &a), 0);
        assert_int_equal(mg_stats_decile_ratio(rx, rw, nr, &b), 0);
        assert_close(a, b, 0);
    }
}

/* ---- FGT ----------------------------------------------------------------- */

static void test_fgt_hand(void **state)
{
    (void)state;
    double out = 0;
    /*
     * 1, 2, 3, 4 with z = 2.5: 1 and 2 are below, share 0.5; gaps 1.5/2.5 =
     * 0.6 and 0.5/2.5 = 0.2, FGT1 = 0.8/4 = 0.2, FGT2 = (0.36 + 0.04)/4 = 0.1.
     */
    double x[] = {1, 2, 3, 4};
    double w[] = {1, 1, 1, 1};
    assert_int_equal(mg_stats_fgt(x, w, 4, 2.5, 0, &out), 0);
    assert_close(out, 0.5, 0);
    assert_int_equal(mg_stats_fgt(x, w, 4, 2.5, 1, &out), 0);
    assert_close(out, 0.2, 1e-15);
    assert_int_equal(mg_stats_fgt(x, w, 4, 2.5, 2, &out), 0);
    assert_close(out, 0.1, 1e-15);
    /* alpha = 0.5: (sqrt(0.6) + sqrt(0.2)) / 4. */
    assert_int_equal(mg_stats_fgt(x, w, 4, 2.5, 0.5, &out), 0);
    assert_close(out, (sqrt(0.6) + sqrt(0.2)) / 4, 1e-15);
    /* Strictly below: with z = 2 only the 1 counts. */
    assert_int_equal(mg_stats_fgt(x, w, 4, 2, 0, &out), 0);
    assert_close(out, 0.25, 0);
}

/* FGT0 is the weight share strictly below z; FGT decreases with alpha. */
static void test_fgt_share(void **state)
{
    (void)state;
    uint64_t seed = 51;
    double x[NR], w[NR];
    for (size_t i = 0; i < NR; i++) {
        x[i] = rng_unit(&seed) * 6;
        w[i] = rng_unit(&seed) * 2000;
        if (i % 40 == 0)
            x[i] = NAN;
    }
    for (double z = 0.5; z < 7; z += 0.75) {
        long double below = 0, all = 0;
        for (size_t i = 0; i < NR; i++) {
            if (isnan(x[i]))
                continue;
            all += w[i];
            if (x[i] < z)
                below += w[i];
        }
        double f0 = 0, f1 = 0, f2 = 0;
        assert_int_equal(mg_stats_fgt(x, w, NR, z, 0, &f0), 0);
        assert_int_equal(mg_stats_fgt(x, w, NR, z, 1, &f1), 0);
        assert_int_equal(mg_stats_fgt(x, w, NR, z, 2, &f2), 0);
        assert_close(f0, (double)(below / all), 1e-14);
        assert_true(f0 >= f1 && f1 >= f2 && f2 >= 0);
    }
}

/* ---- errors -------------------------------------------------------------- */

/*
 * Runs every function of the module on one data set and checks that each
 * refuses it with MG_EINVAL and leaves its output untouched.
 */
static void check_all_refuse(const double *x, const double *w, size_t n,
                             const char *file, int line)
{
    double out = 42, b = 42, wi = 42;
    size_t g[8] = {0};
    int rc[] = {
        mg_stats_mean(x, w, n, &out),
        mg_stats_quantile(x, w, n, 0.5, &out),
        mg_stats_gini(x, w, n, &out),
        mg_stats_theil(x, w, n, NULL, 0, &out, NULL, NULL),
        mg_stats_theil(x, w, n, g, 1, &out, &b, &wi),
        mg_stats_decile_ratio(x, w, n, &out),
        mg_stats_palma(x, w, n, &out),
        mg_stats_fgt(x, w, n, 1, 1, &out),
    };
    for (size_t i = 0; i < COUNT(rc); i++)
        if (rc[i] != MG_EINVAL) {
            print_error("function %zu returned %d\n", i, rc[i]);
            _fail(file, line);
        }
    if (out != 42 || b != 42 || wi != 42)
        _fail(file, line);
}
#define assert_all_refuse(x, w, n) check_all_refuse((x), (w), (n), __FILE__, __LINE__)

static void test_errors_common(void **state)
{
    (void)state;
    double x[] = {1, 2, 3};
    double w0[] = {0, 0, 0};
    double wneg[] = {1, -1, 1};
    double wnan[] = {1, NAN, 1};
    double winf[] = {1, INFINITY, 1};
    double ok[] = {1, 1, 1};
    double xnan[] = {NAN, NAN, NAN};
    double xinf[] = {1, INFINITY, 3};
    double xnan_wneg[] = {1, NAN, 3};
    assert_all_refuse(x, ok, 0);          /* n = 0 */
    assert_all_refuse(x, w0, 3);          /* all weights zero */
    assert_all_refuse(x, wneg, 3);        /* negative weight */
    assert_all_refuse(x, wnan, 3);        /* NaN weight */
    assert_all_refuse(x, winf, 3);        /* infinite weight */
    assert_all_refuse(xnan, ok, 3);       /* every value NaN */
    assert_all_refuse(xinf, ok, 3);       /* infinite value */
    assert_all_refuse(xnan_wneg, wneg, 3); /* bad weight beside a NaN value */
    assert_all_refuse(NULL, ok, 3);
    assert_all_refuse(x, NULL, 3);

    assert_int_equal(mg_stats_mean(x, ok, 3, NULL), MG_EINVAL);
    assert_int_equal(mg_stats_quantile(x, ok, 3, 0.5, NULL), MG_EINVAL);
    assert_int_equal(mg_stats_gini(x, ok, 3, NULL), MG_EINVAL);
    assert_int_equal(mg_stats_theil(x, ok, 3, NULL, 0, NULL, NULL, NULL), MG_EINVAL);
    assert_int_equal(mg_stats_decile_ratio(x, ok, 3, NULL), MG_EINVAL);
    assert_int_equal(mg_stats_palma(x, ok, 3, NULL), MG_EINVAL);
    assert_int_equal(mg_stats_fgt(x, ok, 3, 1, 1, NULL), MG_EINVAL);
}

static void test_errors_domain(void **state)
{
    (void)state;
    double out = 42, b = 42;
    double x[] = {1, 2, 3};
    double w[] = {1, 1, 1};
    double xneg[] = {1, -2, 3};
    double xzero[] = {0, 0, 0};
    size_t g[] = {0, 1, 2};

    /* Quantile order outside [0, 1]. */
    assert_int_equal(mg_stats_quantile(x, w, 3, -0.1, &out), MG_EINVAL);
    assert_int_equal(mg_stats_quantile(x, w, 3, 1.1, &out), MG_EINVAL);
    assert_int_equal(mg_stats_quantile(x, w, 3, NAN, &out), MG_EINVAL);

    /* Gini, Theil and Palma need x >= 0 with a positive mean. */
    assert_int_equal(mg_stats_gini(xneg, w, 3, &out), MG_EINVAL);
    assert_int_equal(mg_stats_gini(xzero, w, 3, &out), MG_EINVAL);
    assert_int_equal(mg_stats_theil(xneg, w, 3, NULL, 0, &out, NULL, NULL), MG_EINVAL);
    assert_int_equal(mg_stats_theil(xzero, w, 3, NULL, 0, &out, NULL, NULL), MG_EINVAL);
    assert_int_equal(mg_stats_palma(xneg, w, 3, &out), MG_EINVAL);
    /* Mean and FGT accept negative values. */
    assert_int_equal(mg_stats_mean(xneg, w, 3, &out), 0);
    assert_close(out, 2.0 / 3, 1e-15);

    /* Theil groups: out of range, missing g, no groups. */
    assert_int_equal(mg_stats_theil(x, w, 3, g, 2, &out, &b, NULL), MG_EINVAL);
    assert_int_equal(mg_stats_theil(x, w, 3, NULL, 3, &out, &b, NULL), MG_EINVAL);
    assert_int_equal(mg_stats_theil(x, w, 3, NULL, 3, &out, NULL, &b), MG_EINVAL);
    assert_int_equal(mg_stats_theil(x, w, 3, g, 0, &out, &b, NULL), MG_EINVAL);
    /* g is not read when neither part is wanted. */
    assert_int_equal(mg_stats_theil(x, w, 3, g, 0, &out, NULL, NULL), 0);

    /* D1 = 0 makes D9/D1 infinite; an empty bottom 40 % does the same to Palma. */
    double xd[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    double wd[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    assert_int_equal(mg_stats_decile_ratio(xd, wd, 10, &out), MG_EINVAL);
    double xp[] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
    assert_int_equal(mg_stats_palma(xp, wd, 10, &out), MG_EINVAL);

    /* FGT: z must be finite and > 0, alpha finite and >= 0. */
    assert_int_equal(mg_stats_fgt(x, w, 3, 0, 1, &out), MG_EINVAL);
    assert_int_equal(mg_stats_fgt(x, w, 3, -1, 1, &out), MG_EINVAL);
    assert_int_equal(mg_stats_fgt(x, w, 3, NAN, 1, &out), MG_EINVAL);
    assert_int_equal(mg_stats_fgt(x, w, 3, INFINITY, 1, &out), MG_EINVAL);
    assert_int_equal(mg_stats_fgt(x, w, 3, 2, -0.5, &out), MG_EINVAL);
    assert_int_equal(mg_stats_fgt(x, w, 3, 2, NAN, &out), MG_EINVAL);
    assert_int_equal(mg_stats_fgt(x, w, 3, 2, INFINITY, &out), MG_EINVAL);
    assert_int_equal(mg_stats_fgt(xneg, w, 3, 2, 1, &out), 0);

    /* Sums that overflow are refused rather than returned as inf or NaN. */
    double big[] = {1e308, 1e308};
    double bw[] = {1, 1};
    assert_int_equal(mg_stats_mean(big, bw, 2, &out), MG_EINVAL);
    double huge_w[] = {1e308, 1e308};
    assert_int_equal(mg_stats_quantile(x, huge_w, 2, 0.5, &out), MG_EINVAL);
}

/* The one-sort figures are bitwise those of their own functions, codes
 * included: random data with ties, zero weights, NaN values, negatives,
 * all-zero values and a single commune. */
static void check_order_figures(const double *x, const double *w, size_t n)
{
    mg_stats_order o;
    mg_stats_order_figures(x, w, n, &o);
    double g = -1, d = -1, p = -1;
    assert_int_equal(o.gini_rc, mg_stats_gini(x, w, n, &g));
    assert_int_equal(o.d9d1_rc, mg_stats_decile_ratio(x, w, n, &d));
    assert_int_equal(o.palma_rc, mg_stats_palma(x, w, n, &p));
    if (o.gini_rc == MG_OK)
        assert_memory_equal(&o.gini, &g, sizeof g);
    if (o.d9d1_rc == MG_OK)
        assert_memory_equal(&o.d9d1, &d, sizeof d);
    if (o.palma_rc == MG_OK)
        assert_memory_equal(&o.palma, &p, sizeof p);
}

static void test_order_figures_same(void **state)
{
    (void)state;
    uint64_t seed = 12;
    double x[300], w[300];
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + rng_below(&seed, 300);
        for (size_t i = 0; i < n; i++) {
            x[i] = round % 4 == 0 ? round / 4 % 3 : (double)rng_below(&seed, 40) / 8;
            w[i] = (double)rng_below(&seed, 50);
            if (round % 5 == 1 && rng_below(&seed, 30) == 0)
                x[i] = NAN;
            if (round % 7 == 2 && rng_below(&seed, 60) == 0)
                x[i] = -x[i] - 1;
        }
        check_order_figures(x, w, n);
    }
    check_order_figures(x, w, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mean_hand),
        cmocka_unit_test(test_quantile_hand),
        cmocka_unit_test(test_quantile_rounding),
        cmocka_unit_test(test_quantile_repeated_rows),
        cmocka_unit_test(test_quantile_definition),
        cmocka_unit_test(test_gini_hand),
        cmocka_unit_test(test_gini_equal_values),
        cmocka_unit_test(test_gini_repeated_rows),
        cmocka_unit_test(test_gini_definition),
        cmocka_unit_test(test_theil_hand),
        cmocka_unit_test(test_theil_decomposition),
        cmocka_unit_test(test_theil_repeated_rows),
        cmocka_unit_test(test_decile_ratio_hand),
        cmocka_unit_test(test_palma_hand),
        cmocka_unit_test(test_ratios_repeated_rows),
        cmocka_unit_test(test_fgt_hand),
        cmocka_unit_test(test_fgt_share),
        cmocka_unit_test(test_errors_common),
        cmocka_unit_test(test_errors_domain),
        cmocka_unit_test(test_order_figures_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
