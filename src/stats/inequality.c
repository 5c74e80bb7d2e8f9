/**
 * @file inequality.c
 * Population-weighted inequality figures. Every sum goes through a
 * compensated accumulator and every figure that needs an order sorts one
 * compact array of (value, weight) masses, so that the results are accurate
 * to a few units in the last place and do not depend on the order of the
 * communes in the input.
 */
#include "stats/inequality.h"
#include "stats/ksum.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/alloc.h"

/*
 * How far below q·Σw a cumulative weight may stop and still count as
 * reaching it. The compensated sums are exact to about 2 ulp and q itself
 * carries a representation error (0.1, 0.9), so 16 ulp of the total covers
 * rounding while staying far below any real difference between communes.
 */
#define QUANTILE_RTOL (16.0 * DBL_EPSILON)

/* An entry takes part in a figure when it has people and a known value. */
static bool usable(double x, double w)
{
    return w > 0 && !isnan(x);
}

/*
 * Checks the arguments every function shares and counts the usable entries.
 * Weights are checked on every entry, NaN-valued ones included, because a
 * negative or non-finite weight is a bug upstream wherever it sits and must
 * not be hidden by the value that happens to sit beside it. Infinite values
 * are refused because no figure here has a meaning with them.
 */
static int check_entries(const double *x, const double *w, size_t n,
                         bool nonneg, size_t *m_out)
{
    if (!x || !w)
        return MG_EINVAL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(w[i]) || w[i] < 0)
            return MG_EINVAL;
        if (!usable(x[i], w[i]))
            continue;
        if (isinf(x[i]) || (nonneg && x[i] < 0))
            return MG_EINVAL;
        m++;
    }
    if (m == 0)
        return MG_EINVAL;
    *m_out = m;
    return MG_OK;
}

/* One commune as a point mass; i breaks ties so that the order is total. */
typedef struct mass {
    double x;
    double w;
    size_t i;
} mass;

static int cmp_mass(const void *pa, const void *pb)
{
    const mass *a = pa;
    const mass *b = pb;
    if (a->x < b->x)
        return -1;
    if (a->x > b->x)
        return 1;
    return (a->i > b->i) - (a->i < b->i);
}

/*
 * Validates the entries and returns the usable ones sorted by value, with
 * their total weight. The total is summed in sorted order so that it does
 * not depend on the input order. The caller frees *out.
 */
static int collect_sorted(const double *x, const double *w, size_t n,
                          bool nonneg, mass **out, size_t *m_out,
                          double *wsum)
{
    size_t m = 0;
    int rc = check_entries(x, w, n, nonneg, &m);
    if (rc)
        return rc;
    mass *p = mg_alloc_array(m, sizeof *p);
    if (!p)
        return MG_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (usable(x[i], w[i]))
            p[k++] = (mass){x[i], w[i], i};
    qsort(p, m, sizeof *p, cmp_mass);
    ksum total = {0};
    for (size_t j = 0; j < m; j++)
        ksum_add(&total, p[j].w);
    double wt = ksum_value(&total);
    if (!isfinite(wt)) {
        free(p);
        return MG_EINVAL;
    }
    *out = p;
    *m_out = m;
    *wsum = wt;
    return MG_OK;
}

/* Σ w and Σ w x over the usable entries, in input order. */
static int weighted_sums(const double *x, const double *w, size_t n,
                         double *wsum, double *wxsum)
{
    ksum sw = {0};
    ksum swx = {0};
    for (size_t i = 0; i < n; i++) {
        if (!usable(x[i], w[i]))
            continue;
        ksum_add(&sw, w[i]);
        ksum_add(&swx, w[i] * x[i]);
    }
    *wsum = ksum_value(&sw);
    *wxsum = ksum_value(&swx);
    if (!isfinite(*wsum) || !isfinite(*wxsum))
        return MG_EINVAL;
    return MG_OK;
}

/*
 * The inverse weighted CDF over masses sorted by value: the first mass at
 * which the running weight reaches q·W (less the rounding allowance). The
 * first such mass is the smallest x with F(x) >= q·W even among ties,
 * because F at a tied value includes every mass of the tie.
 */
static double quantile_sorted(const mass *p, size_t m, double wsum, double q)
{
    if (q <= 0)
        return p[0].x;
    if (q >= 1)
        return p[m - 1].x;
    double target = q * wsum - QUANTILE_RTOL * wsum;
    ksum cum = {0};
    for (size_t k = 0; k < m; k++) {
        ksum_add(&cum, p[k].w);
        if (ksum_value(&cum) >= target)
            return p[k].x;
    }
    return p[m - 1].x;
}

int mg_stats_mean(const double *x, const double *w, size_t n, double *out)
{
    if (!out)
        return MG_EINVAL;
    size_t m = 0;
    int rc = check_entries(x, w, n, false, &m);
    if (rc)
        return rc;
    double sw = 0;
    double swx = 0;
    rc = weighted_sums(x, w, n, &sw, &swx);
    if (rc)
        return rc;
    double mean = swx / sw;
    if (!isfinite(mean))
        return MG_EINVAL;
    *out = mean;
    return MG_OK;
}

int mg_stats_quantile(const double *x, const double *w, size_t n, double q,
                      double *out)
{
    if (!out || !(q >= 0 && q <= 1))
        return MG_EINVAL;
    mass *p = NULL;
    size_t m = 0;
    double wsum = 0;
    int rc = collect_sorted(x, w, n, false, &p, &m, &wsum);
    if (rc)
        return rc;
    *out = quantile_sorted(p, m, wsum, q);
    free(p);
    return MG_OK;
}

/*
 * With masses sorted by value and C_k the weight of the masses before k,
 * Σ_i Σ_j w_i w_j |x_i − x_j| = 2 Σ_k w_k x_k (C_k − (W − C_k − w_k)),
 * so G = Σ_k w_k x_k (2 C_k + w_k − W) / (W · Σ w x). Tied values are merged
 * into one mass first: pairs within a tie contribute nothing, and merging
 * makes equal values give exactly 0 instead of a rounding residue.
 */
/* Gini over masses sorted by value (collect_sorted with nonneg). */
static int gini_sorted(const mass *p, size_t m, double wsum, double *out)
{
    ksum swx = {0};
    for (size_t k = 0; k < m; k++)
        ksum_add(&swx, p[k].w * p[k].x);
    double total = ksum_value(&swx);
    if (!(total > 0) || !isfinite(total))
        return MG_EINVAL;
    ksum acc = {0};
    ksum cum = {0};
    for (size_t k = 0; k < m;) {
        double xv = p[k].x;
        ksum tie = {0};
        while (k < m && p[k].x == xv)
            ksum_add(&tie, p[k++].w);
        double wt = ksum_value(&tie);
        double before = ksum_value(&cum);
        ksum_add(&acc, wt * xv * ((2 * before + wt) - wsum));
        ksum_add(&cum, wt);
    }
    double g = ksum_value(&acc) / wsum / total;
    if (!isfinite(g))
        return MG_EINVAL;
    /* G >= 0 exactly; a negative result is only rounding of nearly equal values. */
    *out = g < 0 ? 0 : g;
    return MG_OK;
}

int mg_stats_gini(const double *x, const double *w, size_t n, double *out)
{
    if (!out)
        return MG_EINVAL;
    mass *p = NULL;
    size_t m = 0;
    double wsum = 0;
    int rc = collect_sorted(x, w, n, true, &p, &m, &wsum);
    if (rc)
        return rc;
    rc = gini_sorted(p, m, wsum, out);
    free(p);
    return rc;
}

/* Per-group sums for the Theil decomposition. */
typedef struct theil_group {
    ksum w;
    ksum wx;
    double mean;
} theil_group;

int mg_stats_theil(const double *x, const double *w, size_t n, const size_t *g,
                   size_t ngroups, double *total, double *between,
                   double *within)
{
    bool split = between || within;
    if (!total || (split && (!g || ngroups == 0)))
        return MG_EINVAL;
    size_t m = 0;
    int rc = check_entries(x, w, n, true, &m);
    if (rc)
        return rc;
    if (split)
        for (size_t i = 0; i < n; i++)
            if (usable(x[i], w[i]) && g[i] >= ngroups)
                return MG_EINVAL;
    double sw = 0;
    double swx = 0;
    rc = weighted_sums(x, w, n, &sw, &swx);
    if (rc)
        return rc;
    if (!(swx > 0))
        return MG_EINVAL;
    double mean = swx / sw;

    /* x ln(x/μ) tends to 0 with x, so zero values are skipped, not logged. */
    ksum t = {0};
    for (size_t i = 0; i < n; i++)
        if (usable(x[i], w[i]) && x[i] > 0)
            ksum_add(&t, w[i] * x[i] * log(x[i] / mean));
    double tt = ksum_value(&t) / swx;
    if (!isfinite(tt))
        return MG_EINVAL;
    if (!split) {
        *total = tt < 0 ? 0 : tt;
        return MG_OK;
    }

    theil_group *grp = mg_alloc_array(ngroups, sizeof *grp);
    if (!grp)
        return MG_ENOMEM;
    /*
     * Group sums are accumulated in the same order as the totals, so that a
     * single group has exactly the overall mean and a between part of
     * exactly 0.
     */
    for (size_t i = 0; i < n; i++) {
        if (!usable(x[i], w[i]))
            continue;
        ksum_add(&grp[g[i]].w, w[i]);
        ksum_add(&grp[g[i]].wx, w[i] * x[i]);
    }
    ksum b = {0};
    for (size_t k = 0; k < ngroups; k++) {
        double gw = ksum_value(&grp[k].w);
        double gwx = ksum_value(&grp[k].wx);
        grp[k].mean = gw > 0 ? gwx / gw : 0;
        if (gwx > 0)
            ksum_add(&b, gwx * log(grp[k].mean / mean));
    }
    /*
     * Within is Σ_g s_g T_g = Σ_i w x ln(x/μ_g) / Σ w x: the shares cancel
     * the group denominators, so it is summed entry by entry.
     */
    ksum wi = {0};
    for (size_t i = 0; i < n; i++)
        if (usable(x[i], w[i]) && x[i] > 0)
            ksum_add(&wi, w[i] * x[i] * log(x[i] / grp[g[i]].mean));
    free(grp);
    double tb = ksum_value(&b) / swx;
    double tw = ksum_value(&wi) / swx;
    if (!isfinite(tb) || !isfinite(tw))
        return MG_EINVAL;
    /* All three are >= 0 exactly; negatives are rounding around 0. */
    *total = tt < 0 ? 0 : tt;
    if (between)
        *between = tb < 0 ? 0 : tb;
    if (within)
        *within = tw < 0 ? 0 : tw;
    return MG_OK;
}

static int decile_ratio_sorted(const mass *p, size_t m, double wsum, double *out)
{
    double d1 = quantile_sorted(p, m, wsum, 0.1);
    double d9 = quantile_sorted(p, m, wsum, 0.9);
    if (d1 == 0)
        return MG_EINVAL;
    double r = d9 / d1;
    if (!isfinite(r))
        return MG_EINVAL;
    *out = r;
    return MG_OK;
}

int mg_stats_decile_ratio(const double *x, const double *w, size_t n,
                          double *out)
{
    if (!out)
        return MG_EINVAL;
    mass *p = NULL;
    size_t m = 0;
    double wsum = 0;
    int rc = collect_sorted(x, w, n, false, &p, &m, &wsum);
    if (rc)
        return rc;
    rc = decile_ratio_sorted(p, m, wsum, out);
    free(p);
    return rc;
}

/*
 * People are laid out along [0, W] in increasing order of value; a commune
 * occupies [C_k, C_k + w_k]. The bottom 40 % is [0, 0.4 W] and the top 10 %
 * [0.9 W, W]; each commune adds x times the length of its overlap with each
 * interval, which is the pro rata rule for a commune straddling a cut. The
 * common denominator Σ w x of both shares cancels out.
 */
static int palma_sorted(const mass *p, size_t m, double wsum, double *out)
{
    double lo = 0.4 * wsum;
    double hi = 0.9 * wsum;
    ksum bottom = {0};
    ksum top = {0};
    ksum cum = {0};
    for (size_t k = 0; k < m; k++) {
        double c0 = ksum_value(&cum);
        ksum_add(&cum, p[k].w);
        /* The last commune ends exactly at W, whatever the rounding. */
        double c1 = k + 1 == m ? wsum : ksum_value(&cum);
        if (c0 < lo)
            ksum_add(&bottom, p[k].x * fmax(0, fmin(c1, lo) - c0));
        if (c1 > hi)
            ksum_add(&top, p[k].x * fmax(0, c1 - fmax(c0, hi)));
    }
    double sb = ksum_value(&bottom);
    double st = ksum_value(&top);
    if (!(sb > 0))
        return MG_EINVAL;
    double r = st / sb;
    if (!isfinite(r))
        return MG_EINVAL;
    *out = r;
    return MG_OK;
}

int mg_stats_palma(const double *x, const double *w, size_t n, double *out)
{
    if (!out)
        return MG_EINVAL;
    mass *p = NULL;
    size_t m = 0;
    double wsum = 0;
    int rc = collect_sorted(x, w, n, true, &p, &m, &wsum);
    if (rc)
        return rc;
    rc = palma_sorted(p, m, wsum, out);
    free(p);
    return rc;
}

/*
 * The three figures that need the order, from one sort: the masses sorted
 * without the sign check (as D9/D1 wants them) are those Gini and Palma sort
 * when no value is negative, in the same total order (ties broken by
 * position), so each result is the one its own function gives.
 */
void mg_stats_order_figures(const double *x, const double *w, size_t n, mg_stats_order *out)
{
    mass *p = NULL;
    size_t m = 0;
    double wsum = 0;
    int rc = collect_sorted(x, w, n, false, &p, &m, &wsum);
    out->gini_rc = out->d9d1_rc = out->palma_rc = rc;
    if (rc)
        return;
    out->d9d1_rc = decile_ratio_sorted(p, m, wsum, &out->d9d1);
    bool negative = m > 0 && p[0].x < 0; /* sorted: the first is the least */
    if (negative) {
        out->gini_rc = out->palma_rc = MG_EINVAL;
    } else {
        out->gini_rc = gini_sorted(p, m, wsum, &out->gini);
        out->palma_rc = palma_sorted(p, m, wsum, &out->palma);
    }
    free(p);
}

int mg_stats_fgt(const double *x, const double *w, size_t n, double z,
                 double alpha, double *out)
{
    if (!out || !(z > 0) || !isfinite(z) || !(alpha >= 0) || !isfinite(alpha))
        return MG_EINVAL;
    size_t m = 0;
    int rc = check_entries(x, w, n, false, &m);
    if (rc)
        return rc;
    ksum sw = {0};
    ksum sp = {0};
    for (size_t i = 0; i < n; i++) {
        if (!usable(x[i], w[i]))
            continue;
        ksum_add(&sw, w[i]);
        if (!(x[i] < z))
            continue;
        /*
         * The usual exponents are computed without pow so that they are
         * exact: alpha = 0 must give the plain share below z.
         */
        double gap = (z - x[i]) / z;
        double term;
        if (alpha == 0)
            term = 1;
        else if (alpha == 1)
            term = gap;
        else if (alpha == 2)
            term = gap * gap;
        else
            term = pow(gap, alpha);
        ksum_add(&sp, w[i] * term);
    }
    double r = ksum_value(&sp) / ksum_value(&sw);
    if (!isfinite(r))
        return MG_EINVAL;
    *out = r;
    return MG_OK;
}
