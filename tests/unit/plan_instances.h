/*
 * Planning test instances shared by test_plan_engine.c and
 * test_plan_exact.c: hand-made problems and seeded random ones (the same
 * on every machine). Header-only; include after <cmocka.h>.
 */
#ifndef MG_TESTS_PLAN_INSTANCES_H
#define MG_TESTS_PLAN_INSTANCES_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "plan/plan.h"
#include "scenario/scenario.h"

/* A hand instance: n units and columns given as a 0/weight matrix cand ×
 * unit (minutes = 5 where reached, factor 1). */
static inline void make(mg_plan_problem *p, size_t n, size_t nc, const double *pop, const double *base,
                 const double *w)
{
    *p = (mg_plan_problem){.objective = MG_PLAN_DEFICIT, .threshold = 1, .coverage_minutes = 10,
                           .budget = INFINITY};
    p->n = n;
    p->ncand = nc;
    p->pop = mg_alloc_array(n, sizeof(double));
    p->base = mg_alloc_array(n, sizeof(double));
    p->base_minutes = mg_alloc_array(n, sizeof(double));
    p->cstart = mg_alloc_array(nc + 1, sizeof(size_t));
    p->cfactor = mg_alloc_array(nc, sizeof(double));
    p->cunit = mg_alloc_array(n * nc, sizeof(uint32_t));
    p->cw = mg_alloc_array(n * nc, sizeof(double));
    p->cmin = mg_alloc_array(n * nc, sizeof(double));
    p->clat = mg_alloc_array(nc, sizeof(double));
    p->clon = mg_alloc_array(nc, sizeof(double));
    assert_non_null(p->cmin);
    memcpy(p->pop, pop, n * sizeof(double));
    memcpy(p->base, base, n * sizeof(double));
    size_t q = 0;
    for (size_t c = 0; c < nc; c++) {
        p->cfactor[c] = 1;
        p->clat[c] = 43;
        p->clon[c] = 2 + 0.1 * (double)c; /* about 8 km apart */
        for (size_t u = 0; u < n; u++)
            if (w[c * n + u] > 0) {
                p->cunit[q] = (uint32_t)u;
                p->cw[q] = w[c * n + u];
                p->cmin[q] = 5;
                q++;
            }
        p->cstart[c + 1] = q;
    }
    for (size_t u = 0; u < n; u++)
        p->base_minutes[u] = 20;
}

/* xorshift: the same instances on every machine. */
static uint64_t rng = 88172645463325252ull;
static inline double rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static inline void random_instance(mg_plan_problem *p, size_t n, size_t nc, enum mg_plan_objective obj)
{
    double *pop = mg_alloc_array(n, sizeof *pop), *base = mg_alloc_array(n, sizeof *base);
    double *w = mg_alloc_array(n * nc, sizeof *w);
    assert_non_null(w);
    for (size_t u = 0; u < n; u++) {
        pop[u] = 10 + floor(990 * rnd());
        base[u] = 4 * rnd();
    }
    static const double steps[3] = {1, 0.66, 0.33};
    for (size_t k = 0; k < n * nc; k++)
        w[k] = rnd() < 0.3 ? steps[(int)(3 * rnd()) % 3] : 0;
    make(p, n, nc, pop, base, w);
    for (size_t c = 0; c < nc; c++) {
        p->cfactor[c] = 0.5 + rnd();
        p->clat[c] = 43 + 0.2 * rnd();
        p->clon[c] = 2 + 0.2 * rnd();
        for (size_t q = p->cstart[c]; q < p->cstart[c + 1]; q++)
            p->cmin[q] = p->cw[q] == 1 ? 10 * rnd() : p->cw[q] > 0.5 ? 10 + 5 * rnd() : 15 + 5 * rnd();
    }
    for (size_t u = 0; u < n; u++)
        p->base_minutes[u] = 20 * rnd();
    p->objective = obj;
    p->threshold = 2.5;
    p->coverage_minutes = 12;
    p->nkinds = 2;
    p->kinds[0] = (mg_plan_kind){.proto = mg_action_defaults(MG_RES_CABIN), .capacity = 1 + 2 * rnd(),
                                 .cost = 80, .max_count = 1 + (size_t)(3 * rnd())};
    p->kinds[1] = (mg_plan_kind){.proto = mg_action_defaults(MG_RES_CART), .capacity = 0.5 * rnd(),
                                 .cost = 30, .max_count = 1 + (size_t)(3 * rnd())};
    free(pop);
    free(base);
    free(w);
}

#endif
