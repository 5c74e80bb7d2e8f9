/*
 * Internal to the stats module: a Neumaier compensated sum. The rounding
 * error of every addition is kept in c and added back at the end, so that
 * tens of thousands of terms of mixed magnitude sum to within an ulp or two
 * whatever their order. It relies on strict IEEE evaluation, which the
 * build keeps (no -ffast-math).
 */
#ifndef MG_STATS_KSUM_H
#define MG_STATS_KSUM_H

#include <math.h>

typedef struct ksum {
    double s;
    double c;
} ksum;

static inline void ksum_add(ksum *k, double v)
{
    double t = k->s + v;
    if (fabs(k->s) >= fabs(v))
        k->c += (k->s - t) + v;
    else
        k->c += (v - t) + k->s;
    k->s = t;
}

static inline double ksum_value(const ksum *k)
{
    return k->s + k->c;
}

#endif
