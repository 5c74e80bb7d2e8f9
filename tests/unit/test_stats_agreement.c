/*
 * Unit tests of stats/agreement: small examples worked out by hand in the
 * comments, invariants on pseudo-random data from a fixed seed, and every
 * documented error case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "stats/agreement.h"
#include "testutil.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum { NR = 400 };

/* b loosely follows a, so that correlations are neither 0 nor 1. */
static void random_pairs(uint64_t *s, double *a, double *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        a[i] = rng_unit(s) * 8;
        b[i] = a[i] + (rng_unit(s) - 0.5) * 6;
    }
}

/* The textbook two-pass Pearson in long double, as an independent check. */
static double naive_pearson(const double *a, const double *b, size_t n)
{
    long double ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        ma += a[i];
        mb += b[i];
    }
    ma /= (long double)n;
    mb /= (long double)n;
    long double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return (double)(sab / sqrtl(saa * sbb));
}

/*
 * Mean ranks in O(n²), straight from the definition: one plus the number
 * of smaller values, plus half the number of other equal values.
 */
static void naive_ranks(const double *v, size_t n, double *rank)
{
    for (size_t i = 0; i < n; i++) {
        size_t less = 0, equal = 0;
        for (size_t j = 0; j < n; j++) {
            if (v[j] < v[i])
                less++;
            else if (v[j] == v[i])
                equal++;
        }
        rank[i] = 1 + (double)less + ((double)equal - 1) / 2;
    }
}

/* ---- Pearson ------------------------------------------------------------- */

static void test_pearson_hand(void **state)
{
    (void)state;
    double r = 0;
    /*
     * a = 1,2,3 and b = 1,3,2: both means 2, deviations (−1,0,1) and
     * (−1,1,0); Σ da db = 1, Σ da² = Σ db² = 2, r = 1/2.
     */
    double a[] = {1, 2, 3};
    double b[] = {1, 3, 2};
    assert_int_equal(mg_stats_pearson(a, b, 3, &r), 0);
    assert_close(r, 0.5, 1e-15);
    /* Pairs with a NaN on either side are skipped: the same three pairs. */
    double a2[] = {1, NAN, 2, 7, 3};
    double b2[] = {1, 5, 3, NAN, 2};
    assert_int_equal(mg_stats_pearson(a2, b2, 5, &r), 0);
    assert_close(r, 0.5, 1e-15);
}

/* A perfect linear relation gives ±1; agreement with the naive formula. */
static void test_pearson_linear_and_naive(void **state)
{
    (void)state;
    uint64_t seed = 101;
    double a[NR], b[NR], c[NR];
    random_pairs(&seed, a, b, NR);
    for (size_t i = 0; i < NR; i++)
        c[i] = 3 * a[i] + 2;
    double r = 0;
    assert_int_equal(mg_stats_pearson(a, c, NR, &r), 0);
    assert_close(r, 1, 1e-12);
    for (size_t i = 0; i < NR; i++)
        c[i] = 7 - 2 * a[i];
    assert_int_equal(mg_stats_pearson(a, c, NR, &r), 0);
    assert_close(r, -1, 1e-12);

    assert_int_equal(mg_stats_pearson(a, b, NR, &r), 0);
    assert_true(r > 0.3 && r < 0.95);
    assert_close(r, naive_pearson(a, b, NR), 1e-12);
}

/*
 * The result does not depend on the unit: power-of-two scalings are exact,
 * so even extreme ones, whose squares would overflow or underflow, give the
 * same bits. A large offset (APL in other units) changes little.
 */
static void test_pearson_scale(void **state)
{
    (void)state;
    uint64_t seed = 102;
    double a[NR], b[NR], sa[NR], sb[NR];
    random_pairs(&seed, a, b, NR);
    double r = 0, rs = 0;
    assert_int_equal(mg_stats_pearson(a, b, NR, &r), 0);
    for (size_t i = 0; i < NR; i++) {
        sa[i] = ldexp(a[i], 900);
        sb[i] = ldexp(b[i], -1000);
    }
    assert_int_equal(mg_stats_pearson(sa, sb, NR, &rs), 0);
    assert_close(rs, r, 0);
    for (size_t i = 0; i < NR; i++)
        sa[i] = a[i] + 1e6;
    assert_int_equal(mg_stats_pearson(sa, b, NR, &rs), 0);
    assert_close(rs, r, 1e-9);
}

/* ---- Spearman ------------------------------------------------------------ */

static void test_spearman_hand(void **state)
{
    (void)state;
    double r = 0;
    /*
     * Ranks (1,2,3,4) and (1,2,4,3): deviations (−1.5,−.5,.5,1.5) and
     * (−1.5,−.5,1.5,.5), Σ products 2.25 + .25 + .75 + .75 = 4, Σ squares
     * 5 each: r = 0.8 (also 1 − 6·Σd²/(n(n²−1)) = 1 − 12/60).
     */
    double a[] = {1, 2, 3, 4};
    double b[] = {10, 20, 40, 30};
    assert_int_equal(mg_stats_spearman(a, b, 4, &r), 0);
    assert_close(r, 0.8, 1e-15);
    /*
     * Ties: a = 1,2,2,3 has ranks 1, 2.5, 2.5, 4, deviations (−1.5,0,0,1.5);
     * b ranks 1..4. Σ products 4.5, Σ squares 4.5 and 5:
     * r = 4.5 / sqrt(22.5) = sqrt(0.9) = 3 / sqrt(10).
     */
    double a2[] = {1, 2, 2, 3};
    double b2[] = {1, 2, 3, 4};
    assert_int_equal(mg_stats_spearman(a2, b2, 4, &r), 0);
    assert_close(r, 3 / sqrt(10), 1e-15);
    /* NaN pairs are skipped before ranking: the same as the first example. */
    double a3[] = {NAN, 1, 2, 5, 3, 4};
    double b3[] = {0, 10, 20, NAN, 40, 30};
    assert_int_equal(mg_stats_spearman(a3, b3, 6, &r), 0);
    assert_close(r, 0.8, 1e-15);
    /* A monotone but non-linear relation has r = 1. */
    double a4[] = {1, 2, 3, 4, 5};
    double b4[] = {1, 8, 27, 64, 125};
    assert_int_equal(mg_stats_spearman(a4, b4, 5, &r), 0);
    assert_close(r, 1, 1e-15);
}

/* Strictly monotone transforms keep the ranks, hence the exact result. */
static void test_spearman_monotone(void **state)
{
    (void)state;
    uint64_t seed = 111;
    double a[NR], b[NR], ta[NR], tb[NR];
    random_pairs(&seed, a, b, NR);
    double r = 0, rt = 0;
    assert_int_equal(mg_stats_spearman(a, b, NR, &r), 0);
    for (size_t i = 0; i < NR; i++) {
        ta[i] = exp(a[i]);
        tb[i] = atan(b[i]);
    }
    assert_int_equal(mg_stats_spearman(ta, tb, NR, &rt), 0);
    assert_close(rt, r, 0);
    for (size_t i = 0; i < NR; i++) {
        ta[i] = a[i] * a[i] * a[i];
        tb[i] = 5 + 2 * b[i];
    }
    assert_int_equal(mg_stats_spearman(ta, tb, NR, &rt), 0);
    assert_close(rt, r, 0);
    /* A decreasing transform of one side flips the sign. */
    for (size_t i = 0; i < NR; i++)
        tb[i] = -b[i];
    assert_int_equal(mg_stats_spearman(a, tb, NR, &rt), 0);
    assert_close(rt, -r, 1e-14);
}

/* With many ties, Spearman equals Pearson of naively computed mean ranks. */
static void test_spearman_ties_naive(void **state)
{
    (void)state;
    uint64_t seed = 112;
    double a[NR], b[NR], ra[NR], rb[NR];
    for (int round_ = 0; round_ < 5; round_++) {
        for (size_t i = 0; i < NR; i++) {
            a[i] = floor(rng_unit(&seed) * 10);
            b[i] = floor((a[i] + rng_unit(&seed) * 8) / 2);
        }
        naive_ranks(a, NR, ra);
        naive_ranks(b, NR, rb);
        double r = 0;
        assert_int_equal(mg_stats_spearman(a, b, NR, &r), 0);
        assert_close(r, naive_pearson(ra, rb, NR), 1e-12);
    }
}

/* ---- MAE and confusion --------------------------------------------------- */

static void test_mae_hand(void **state)
{
    (void)state;
    double out = 0;
    /* |1 − 2| + |2 − 2| + |3 − 5| = 3 over 3 pairs. */
    double a[] = {1, 2, 3};
    double b[] = {2, 2, 5};
    assert_int_equal(mg_stats_mae(a, b, 3, &out), 0);
    assert_close(out, 1, 0);
    /* Skipped pairs do not count in m: (|1 − 2| + |3 − 5|) / 2. */
    double a2[] = {1, NAN, 3, 9};
    double b2[] = {2, 2, 5, NAN};
    assert_int_equal(mg_stats_mae(a2, b2, 4, &out), 0);
    assert_close(out, 1.5, 0);
    /* A single pair is enough. */
    assert_int_equal(mg_stats_mae(a, b, 1, &out), 0);
    assert_close(out, 1, 0);
}

static void test_confusion_hand(void **state)
{
    (void)state;
    mg_confusion c;
    /*
     * Threshold 2.5: (1,1) both below, (2,3) only a, (3,2) only b, (4,4)
     * both above; the NaN pair is skipped; (2.5, 0) has a at the threshold,
     * which is not below, so only b.
     */
    double a[] = {1, 2, 3, 4, NAN, 2.5};
    double b[] = {1, 3, 2, 4, 1, 0};
    assert_int_equal(mg_stats_confusion(a, b, 6, 2.5, &c), 0);
    assert_int_equal(c.both_below, 1);
    assert_int_equal(c.only_a_below, 1);
    assert_int_equal(c.only_b_below, 2);
    assert_int_equal(c.both_above, 1);
}

/* The four cells always add up to the number of usable pairs. */
static void test_confusion_sum(void **state)
{
    (void)state;
    uint64_t seed = 121;
    double a[NR], b[NR];
    random_pairs(&seed, a, b, NR);
    size_t usable = NR;
    for (size_t i = 0; i < NR; i += 13) {
        if (i % 2)
            a[i] = NAN;
        else
            b[i] = NAN;
        usable--;
    }
    for (double t = -1; t < 10; t += 0.5) {
        mg_confusion c;
        assert_int_equal(mg_stats_confusion(a, b, NR, t, &c), 0);
        assert_int_equal(c.both_below + c.only_a_below + c.only_b_below + c.both_above,
                         usable);
    }
}

/* ---- errors -------------------------------------------------------------- */

/* Every function refuses the data with MG_EINVAL and leaves its output alone. */
static void check_all_refuse(const double *a, const double *b, size_t n,
                             const char *file, int line)
{
    double out = 42;
    mg_confusion c = {7, 7, 7, 7};
    int rc[] = {
        mg_stats_pearson(a, b, n, &out),
        mg_stats_spearman(a, b, n, &out),
        mg_stats_mae(a, b, n, &out),
        mg_stats_confusion(a, b, n, 1, &c),
    };
    for (size_t i = 0; i < COUNT(rc); i++)
        if (rc[i] != MG_EINVAL) {
            print_error("function %zu returned %d\n", i, rc[i]);
            _fail(file, line);
        }
    if (out != 42 || c.both_below != 7 || c.both_above != 7)
        _fail(file, line);
}
#define assert_all_refuse(a, b, n) check_all_refuse((a), (b), (n), __FILE__, __LINE__)

static void test_errors(void **state)
{
    (void)state;
    double out = 42;
    mg_confusion c;
    double a[] = {1, 2, 3};
    double b[] = {3, 1, 2};
    double nan3[] = {NAN, NAN, NAN};
    double inf3[] = {1, INFINITY, 3};
    double flat[] = {2, 2, 2};

    assert_all_refuse(a, b, 0);      /* n = 0 */
    assert_all_refuse(a, nan3, 3);   /* no usable pair */
    assert_all_refuse(nan3, b, 3);
    assert_all_refuse(a, inf3, 3);   /* infinite value */
    assert_all_refuse(NULL, b, 3);
    assert_all_refuse(a, NULL, 3);

    /* Correlations need two pairs and variance on both sides. */
    assert_int_equal(mg_stats_pearson(a, b, 1, &out), MG_EINVAL);
    assert_int_equal(mg_stats_spearman(a, b, 1, &out), MG_EINVAL);
    double a1[] = {1, NAN, 3};
    double b1[] = {2, 5, NAN};
    assert_int_equal(mg_stats_pearson(a1, b1, 3, &out), MG_EINVAL);
    assert_int_equal(mg_stats_spearman(a1, b1, 3, &out), MG_EINVAL);
    assert_int_equal(mg_stats_pearson(flat, b, 3, &out), MG_EINVAL);
    assert_int_equal(mg_stats_pearson(a, flat, 3, &out), MG_EINVAL);
    assert_int_equal(mg_stats_spearman(flat, b, 3, &out), MG_EINVAL);
    assert_int_equal(mg_stats_spearman(a, flat, 3, &out), MG_EINVAL);
    /*
     * Three times 0.1 has a floating-point mean that is not exactly 0.1
     * (0.3000000000000000444 / 3), which must not pass for variance.
     */
    double tenth[] = {0.1, 0.1, 0.1};
    assert_int_equal(mg_stats_pearson(tenth, a, 3, &out), MG_EINVAL);
    assert_close(out, 42, 0);
    /* MAE and confusion accept a single pair and constant sides. */
    assert_int_equal(mg_stats_mae(a1, b1, 3, &out), 0);
    assert_int_equal(mg_stats_confusion(flat, flat, 3, 1, &c), 0);

    assert_int_equal(mg_stats_confusion(a, b, 3, NAN, &c), MG_EINVAL);
    assert_int_equal(mg_stats_pearson(a, b, 3, NULL), MG_EINVAL);
    assert_int_equal(mg_stats_spearman(a, b, 3, NULL), MG_EINVAL);
    assert_int_equal(mg_stats_mae(a, b, 3, NULL), MG_EINVAL);
    assert_int_equal(mg_stats_confusion(a, b, 3, 1, NULL), MG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pearson_hand),
        cmocka_unit_test(test_pearson_linear_and_naive),
        cmocka_unit_test(test_pearson_scale),
        cmocka_unit_test(test_spearman_hand),
        cmocka_unit_test(test_spearman_monotone),
        cmocka_unit_test(test_spearman_ties_naive),
        cmocka_unit_test(test_mae_hand),
        cmocka_unit_test(test_confusion_hand),
        cmocka_unit_test(test_confusion_sum),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
