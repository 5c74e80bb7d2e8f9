/**
 * @file agreement.c
 * Agreement between two indicators over the same communes. Correlations are
 * computed in two passes (means, then centred products) over values scaled
 * by a power of two, with compensated sums, so that neither cancellation
 * nor overflow of the squares can spoil them.
 */
#include "stats/agreement.h"
#include "stats/ksum.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/alloc.h"

static bool usable(double a, double b)
{
    return !isnan(a) && !isnan(b);
}

/*
 * Counts the usable pairs and refuses infinite values among them: an
 * infinite indicator is a bug upstream, and every figure here would turn it
 * into NaN or a meaningless count.
 */
static int count_pairs(const double *a, const double *b, size_t n,
                       size_t *m_out)
{
    if (!a || !b)
        return MG_EINVAL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!usable(a[i], b[i]))
            continue;
        if (isinf(a[i]) || isinf(b[i]))
            return MG_EINVAL;
        m++;
    }
    *m_out = m;
    return MG_OK;
}

/*
 * The exponent e such that the largest magnitude times 2^−e lies in
 * [0.5, 1). Scaling by a power of two is exact, and the correlation does
 * not change under scaling, so the squares below can neither overflow nor
 * underflow whatever the unit of the indicator. The scaling is applied with
 * ldexp on each value rather than by a precomputed factor 2^−e, which would
 * itself overflow when the values are subnormal.
 */
static int unit_exponent(double maxabs)
{
    int e = 0;
    (void)frexp(maxabs, &e);
    return e;
}

/*
 * Pearson correlation over the usable pairs of finite values (at least two,
 * checked by the caller). A side whose usable values are all equal has no
 * variance; that is detected on the values themselves, because a mean
 * computed in floating point need not equal the common value and would
 * leave a spurious residue of variance.
 */
static int pearson_core(const double *a, const double *b, size_t n,
                        double *out)
{
    double amin = INFINITY, amax = -INFINITY;
    double bmin = INFINITY, bmax = -INFINITY;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!usable(a[i], b[i]))
            continue;
        amin = fmin(amin, a[i]);
        amax = fmax(amax, a[i]);
        bmin = fmin(bmin, b[i]);
        bmax = fmax(bmax, b[i]);
        m++;
    }
    if (m < 2 || amin == amax || bmin == bmax)
        return MG_EINVAL;
    int ea = unit_exponent(fmax(fabs(amin), fabs(amax)));
    int eb = unit_exponent(fmax(fabs(bmin), fabs(bmax)));

    ksum suma = {0};
    ksum sumb = {0};
    for (size_t i = 0; i < n; i++) {
        if (!usable(a[i], b[i]))
            continue;
        ksum_add(&suma, ldexp(a[i], -ea));
        ksum_add(&sumb, ldexp(b[i], -eb));
    }
    double ma = ksum_value(&suma) / (double)m;
    double mb = ksum_value(&sumb) / (double)m;

    ksum sab = {0};
    ksum saa = {0};
    ksum sbb = {0};
    for (size_t i = 0; i < n; i++) {
        if (!usable(a[i], b[i]))
            continue;
        double da = ldexp(a[i], -ea) - ma;
        double db = ldexp(b[i], -eb) - mb;
        ksum_add(&sab, da * db);
        ksum_add(&saa, da * da);
        ksum_add(&sbb, db * db);
    }
    double vaa = ksum_value(&saa);
    double vbb = ksum_value(&sbb);
    if (!(vaa > 0) || !(vbb > 0))
        return MG_EINVAL;
    double r = ksum_value(&sab) / (sqrt(vaa) * sqrt(vbb));
    if (isnan(r))
        return MG_EINVAL;
    /* |r| <= 1 exactly (Cauchy–Schwarz); anything beyond is rounding. */
    *out = r > 1 ? 1 : r < -1 ? -1 : r;
    return MG_OK;
}

int mg_stats_pearson(const double *a, const double *b, size_t n, double *out)
{
    if (!out)
        return MG_EINVAL;
    size_t m = 0;
    int rc = count_pairs(a, b, n, &m);
    if (rc)
        return rc;
    if (m < 2)
        return MG_EINVAL;
    return pearson_core(a, b, n, out);
}

/* A value with its position among the usable pairs; pos breaks ties. */
typedef struct ranked {
    double v;
    size_t pos;
} ranked;

static int cmp_ranked(const void *pa, const void *pb)
{
    const ranked *x = pa;
    const ranked *y = pb;
    if (x->v < y->v)
        return -1;
    if (x->v > y->v)
        return 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * Writes into rank[pos] the 1-based rank of buf[·].v among the m values,
 * ties sharing the mean of the ranks they span: positions k..j−1 after
 * sorting hold ranks k+1..j, whose mean is (k + 1 + j) / 2. Ranks are
 * integers or half-integers, exact in a double for any realistic m.
 */
static void mean_ranks(ranked *buf, size_t m, double *rank)
{
    qsort(buf, m, sizeof *buf, cmp_ranked);
    for (size_t k = 0; k < m;) {
        size_t j = k + 1;
        while (j < m && buf[j].v == buf[k].v)
            j++;
        double r = 0.5 * ((double)k + (double)j + 1.0);
        for (size_t t = k; t < j; t++)
            rank[buf[t].pos] = r;
        k = j;
    }
}

int mg_stats_spearman(const double *a, const double *b, size_t n, double *out)
{
    if (!out)
        return MG_EINVAL;
    size_t m = 0;
    int rc = count_pairs(a, b, n, &m);
    if (rc)
        return rc;
    if (m < 2)
        return MG_EINVAL;
    ranked *buf = mg_alloc_array(m, sizeof *buf);
    double *ra = mg_alloc_array(m, sizeof *ra);
    double *rb = mg_alloc_array(m, sizeof *rb);
    if (!buf || !ra || !rb) {
        free(buf);
        free(ra);
        free(rb);
        return MG_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (usable(a[i], b[i])) {
            buf[k] = (ranked){a[i], k};
            k++;
        }
    mean_ranks(buf, m, ra);
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (usable(a[i], b[i])) {
            buf[k] = (ranked){b[i], k};
            k++;
        }
    mean_ranks(buf, m, rb);
    free(buf);
    /* A side with all values tied has constant ranks: pearson_core refuses it. */
    rc = pearson_core(ra, rb, m, out);
    free(ra);
    free(rb);
    return rc;
}

int mg_stats_mae(const double *a, const double *b, size_t n, double *out)
{
    if (!out)
        return MG_EINVAL;
    size_t m = 0;
    int rc = count_pairs(a, b, n, &m);
    if (rc)
        return rc;
    if (m < 1)
        return MG_EINVAL;
    ksum s = {0};
    for (size_t i = 0; i < n; i++)
        if (usable(a[i], b[i]))
            ksum_add(&s, fabs(a[i] - b[i]));
    double r = ksum_value(&s) / (double)m;
    if (!isfinite(r))
        return MG_EINVAL;
    *out = r;
    return MG_OK;
}

int mg_stats_confusion(const double *a, const double *b, size_t n,
                       double threshold, mg_confusion *out)
{
    if (!out || isnan(threshold))
        return MG_EINVAL;
    size_t m = 0;
    int rc = count_pairs(a, b, n, &m);
    if (rc)
        return rc;
    if (m < 1)
        return MG_EINVAL;
    mg_confusion c = {0};
    for (size_t i = 0; i < n; i++) {
        if (!usable(a[i], b[i]))
            continue;
        bool abelow = a[i] < threshold;
        bool bbelow = b[i] < threshold;
        if (abelow && bbelow)
            c.both_below++;
        else if (abelow)
            c.only_a_below++;
        else if (bbelow)
            c.only_b_below++;
        else
            c.both_above++;
    }
    *out = c;
    return MG_OK;
}
