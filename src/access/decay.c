#include "access/decay.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"

mg_decay mg_decay_drees(void)
{
    mg_decay f = {.kind = MG_DECAY_STEP, .catchment = 20, .nsteps = 3};
    f.upper[0] = 10;
    f.weight[0] = 1;
    f.upper[1] = 15;
    f.weight[1] = 0.66;
    f.upper[2] = 20;
    f.weight[2] = 0.33;
    return f;
}

/* P(t·e^{σZ} < u) = Φ(ln(u/t)/σ), with Φ through erfc for accuracy in
 * both tails. */
static double below(double u, double t, double sigma)
{
    if (t <= 0)
        return 1;
    return 0.5 * erfc(-log(u / t) / (sigma * 1.41421356237309504880));
}

static double smooth_step(const mg_decay *f, double t)
{
    double x = 0, prev = 0;
    for (size_t k = 0; k < f->nsteps; k++) {
        double cur = below(f->upper[k], t, f->spread);
        x += f->weight[k] * (cur - prev);
        prev = cur;
    }
    return x;
}

/* f'(t) = −1/(σt) Σ_k weight[k]·[φ(z_k) − φ(z_{k−1})], z_k = ln(upper[k]/t)/σ
 * (φ(z_0) = 0 for the bound 0); 0 at t = 0, where f is flat. */
static double smooth_step_slope(const mg_decay *f, double t)
{
    if (t <= 0)
        return 0;
    double x = 0, prev = 0, s = f->spread;
    for (size_t k = 0; k < f->nsteps; k++) {
        double z = log(f->upper[k] / t) / s;
        double cur = exp(-0.5 * z * z) * 0.39894228040143267794; /* φ(z) */
        x += f->weight[k] * (cur - prev);
        prev = cur;
    }
    return -x / (s * t);
}

double mg_decay_eval(const mg_decay *f, double t)
{
    if (!(t < f->catchment))
        return 0;
    switch (f->kind) {
    case MG_DECAY_BINARY:
        return 1;
    case MG_DECAY_STEP:
        if (f->spread > 0)
            return smooth_step(f, t);
        for (size_t k = 0; k < f->nsteps; k++)
            if (t < f->upper[k])
                return f->weight[k];
        return 0;
    case MG_DECAY_GAUSSIAN: {
        /* Dai (2010): (e^{−½(t/t0)²} − e^{−½}) / (1 − e^{−½}), t0 the
         * catchment, so that f(0) = 1 and f(t0) = 0. */
        double r = t / f->catchment, e = exp(-0.5);
        return (exp(-0.5 * r * r) - e) / (1 - e);
    }
    case MG_DECAY_EXPONENTIAL:
        return exp(-f->beta * t);
    }
    return 0;
}

/* A cubic on each of the MG_DECAY_TABLE cells of [0, catchment]:
 * f(t) = a + s(b + s(c + s·d)), s the position of t in its cell, in one
 * 32-byte record so that a pair costs one load of a cache line. */
typedef struct cell_poly {
    double a, b, c, d;
} cell_poly;

/* The smoothed profile: tabulated once with its derivative, each cell the
 * cubic Hermite interpolant of its ends (error of order (h/σt)^4, below
 * 1e-10 here, so the weights are the formula's for the golden
 * checks). The cell past the end is 0. */
static void smooth_cells(const mg_decay *f, cell_poly *cell)
{
    double h = f->catchment / MG_DECAY_TABLE;
    double f0 = smooth_step(f, 0), d0 = smooth_step_slope(f, 0) * h;
    for (size_t k = 0; k < MG_DECAY_TABLE; k++) {
        double t1 = (double)(k + 1) * h;
        double f1 = smooth_step(f, t1), d1 = smooth_step_slope(f, t1) * h;
        cell[k] = (cell_poly){f0, d0, 3 * (f1 - f0) - 2 * d0 - d1, 2 * (f0 - f1) + d0 + d1};
        f0 = f1;
        d0 = d1;
    }
    cell[MG_DECAY_TABLE] = (cell_poly){0, 0, 0, 0};
}

/* Sharp steps: each cell's weight when no bound falls in or at the edge
 * of it or of its neighbours, NaN otherwise (those few cells compare with
 * the bounds: an index off by one from rounding then still lands on an
 * exact comparison). */
static void sharp_cells(const mg_decay *f, double *cell)
{
    double h = f->catchment / MG_DECAY_TABLE;
    for (size_t k = 0; k < MG_DECAY_TABLE; k++)
        cell[k] = mg_decay_eval(f, ((double)k + 0.5) * h);
    cell[MG_DECAY_TABLE] = NAN; /* t at the catchment by rounding: compare */
    for (size_t s = 0; s < f->nsteps; s++) {
        double x = f->upper[s] / h;
        long lo = (long)floor(x) - 2, hi = (long)ceil(x) + 1;
        for (long k = lo; k <= hi; k++)
            if (k >= 0 && k <= MG_DECAY_TABLE)
                cell[k] = NAN;
    }
}

void mg_decay_eval_many(const mg_decay *f, const double *t, size_t n, double *w)
{
    if (f->kind != MG_DECAY_STEP) {
        for (size_t k = 0; k < n; k++)
            w[k] = mg_decay_eval(f, t[k]);
        return;
    }
    /* Travel times come in no predictable order: a lookup per pair, with
     * the rare exact comparison, instead of a comparison per step. */
    double inv = MG_DECAY_TABLE / f->catchment;
    if (f->spread > 0) {
        cell_poly *cell = malloc((MG_DECAY_TABLE + 1) * sizeof *cell);
        if (!cell) { /* a few kilobytes; without them, the formula itself */
            for (size_t k = 0; k < n; k++)
                w[k] = mg_decay_eval(f, t[k]);
            return;
        }
        smooth_cells(f, cell);
        for (size_t k = 0; k < n; k++) {
            double x = t[k] * inv;
            if (!(x < MG_DECAY_TABLE)) {
                w[k] = 0;
                continue;
            }
            size_t i = (size_t)x;
            double s = x - (double)i;
            const cell_poly *c = &cell[i];
            w[k] = c->a + s * (c->b + s * (c->c + s * c->d));
        }
        free(cell);
        return;
    }
    double cell[MG_DECAY_TABLE + 1];
    sharp_cells(f, cell);
    for (size_t k = 0; k < n; k++) {
        double x = t[k] * inv, v = 0;
        if (x < MG_DECAY_TABLE + 1) {
            v = cell[(size_t)x];
            if (isnan(v))
                v = mg_decay_eval(f, t[k]);
        }
        w[k] = v;
    }
}

int mg_decay_set_spread(mg_decay *f, double spread, mg_diag *d)
{
    if (f->kind != MG_DECAY_STEP || f->nsteps == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "a time spread applies to a step profile only");
    if (!(spread >= 0 && spread <= 1))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "time spread %g: expected 0 to 1", spread);
    f->spread = spread;
    f->catchment = f->upper[f->nsteps - 1] * exp(MG_DECAY_SPREAD_Z * spread);
    return MG_OK;
}

int mg_decay_check(const mg_decay *f, mg_diag *d)
{
    if (!(f->catchment > 0 && f->catchment <= 600))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "catchment %g minutes: expected more than 0 and at most 600", f->catchment);
    if (f->kind == MG_DECAY_EXPONENTIAL && !(f->beta >= 0 && f->beta < 10))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "beta %g: expected 0 to 10 per minute", f->beta);
    if (f->kind != MG_DECAY_STEP)
        return MG_OK;
    if (f->nsteps == 0 || f->nsteps > MG_DECAY_MAX_STEPS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "step profile: expected 1 to %d steps",
                           MG_DECAY_MAX_STEPS);
    for (size_t k = 0; k < f->nsteps; k++) {
        if (!(f->weight[k] >= 0 && f->weight[k] <= 1))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "step %zu: weight %g: expected a number from 0 to 1", k + 1, f->weight[k]);
        if (!(f->upper[k] > (k ? f->upper[k - 1] : 0)))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "step %zu: bound %g minutes: expected bounds above 0 and increasing",
                               k + 1, f->upper[k]);
    }
    if (!(f->spread >= 0 && f->spread <= 1))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "time spread %g: expected 0 to 1", f->spread);
    if (f->spread > 0)
        return MG_OK; /* the catchment is set by mg_decay_set_spread */
    if (f->upper[f->nsteps - 1] != f->catchment)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "step profile: the last bound (%g) must equal the catchment (%g)",
                           f->upper[f->nsteps - 1], f->catchment);
    return MG_OK;
}

/* The number of the span [p, end), in the "C" syntax ("0.66": the comma
 * separates the steps); false if it is not one. */
static bool span_number(const char *p, const char *end, double *out)
{
    return mg_parse_c_double(p, (size_t)(end - p), out, NULL) == 0;
}

int mg_decay_parse_steps(const char *spec, mg_decay *out, mg_diag *d)
{
    mg_decay f = {.kind = MG_DECAY_STEP};
    const char *p = spec;
    while (*p) {
        if (f.nsteps == MG_DECAY_MAX_STEPS)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "step profile \"%s\": more than %d steps",
                               spec, MG_DECAY_MAX_STEPS);
        /* An item is MINUTES:WEIGHT up to the next comma. */
        const char *item_end = p + strcspn(p, ",");
        const char *colon = memchr(p, ':', (size_t)(item_end - p));
        double ub, w;
        if (!colon || !span_number(p, colon, &ub))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "step profile \"%s\", item %zu: expected MINUTES:WEIGHT",
                               spec, f.nsteps + 1);
        if (!span_number(colon + 1, item_end, &w))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "step profile \"%s\", item %zu: expected a weight after ':'",
                               spec, f.nsteps + 1);
        f.upper[f.nsteps] = ub;
        f.weight[f.nsteps] = w;
        f.nsteps++;
        p = *item_end ? item_end + 1 : item_end;
    }
    if (f.nsteps == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "step profile is empty: expected e.g. 10:1,15:0.66,20:0.33");
    f.catchment = f.upper[f.nsteps - 1];
    int rc = mg_decay_check(&f, d);
    if (rc)
        return rc;
    *out = f;
    return MG_OK;
}
