/*
 * The exact model: CBC's answer checked against brute force on small
 * random instances of every objective (with budgets and distances), its
 * bound never below the optimum, the heuristic never above CBC's bound,
 * and a time limit that ends the child process.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "plan/plan.h"
#include "testutil.h"

/* A hand instance: n units and columns given as a 0/weight matrix cand ×
 * unit (minutes = 5 where reached, factor 1). */
static void make(mg_plan_problem *p, size_t n, size_t nc, const double *pop, const double *base,
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
static double rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static void random_instance(mg_plan_problem *p, size_t n, size_t nc, enum mg_plan_objective obj)
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

/* The best value over every feasible subset of items. */
static double brute_force(const mg_plan_problem *p)
{
    size_t ni = p->ncand * p->nkinds;
    assert_true(ni <= 16);
    mg_plan_item items[16];
    double best = 0;
    for (uint32_t mask = 0; mask < (1u << ni); mask++) {
        size_t n = 0;
        for (uint32_t i = 0; i < ni; i++)
            if (mask & (1u << i))
                items[n++] = (mg_plan_item){i / (uint32_t)p->nkinds, i % (uint32_t)p->nkinds};
        if (!mg_plan_feasible(p, items, n))
            continue;
        double v;
        assert_int_equal(mg_plan_value(p, items, n, &v), 0);
        if (v > best)
            best = v;
    }
    return best;
}

static void test_cbc_vs_brute_force(void **state)
{
    (void)state;
    for (int trial = 0; trial < 40; trial++) {
        mg_plan_problem p;
        enum mg_plan_objective obj = (enum mg_plan_objective)(trial % MG_PLAN_OBJECTIVE_COUNT);
        random_instance(&p, 15, 6 + (size_t)(trial % 3), obj);
        if (trial % 3 == 1)
            p.budget = 150;
        if (trial % 5 == 2)
            p.min_km = 6;
        double opt = brute_force(&p);
        mg_plan_exact_opts o = {.time_limit = 20, .memory_mb = 1024};
        mg_plan_exact_result r;
        mg_diag d = {{0}};
        if (mg_plan_exact(&p, &o, &r, &d))
            fail_msg("exact: %s", d.msg);
        if (r.status != MG_PLAN_OPTIMAL)
            fail_msg("trial %d: status %s", trial, mg_plan_exact_status_name(r.status));
        assert_true(mg_plan_feasible(&p, r.sol.items, r.sol.n));
        double tol = 1e-6 * (1 + opt);
        assert_close(r.sol.value, opt, tol);
        assert_close(r.objective, opt, tol);
        assert_true(r.bound >= opt - tol);
        mg_plan_greedy_opts go = {.lazy = true, .interchange = true};
        mg_plan_solution g;
        assert_int_equal(mg_plan_greedy(&p, &go, &g, &d), 0);
        assert_true(g.value <= r.bound + tol);
        mg_plan_solution_free(&g);
        mg_plan_exact_result_free(&r);
        mg_plan_problem_free(&p);
    }
}

/* A MIP start is accepted and the answer is the same. */
static void test_cbc_start(void **state)
{
    (void)state;
    mg_plan_problem p;
    random_instance(&p, 40, 30, MG_PLAN_DEFICIT);
    mg_plan_greedy_opts go = {.lazy = true, .interchange = true};
    mg_plan_solution g;
    mg_diag d = {{0}};
    assert_int_equal(mg_plan_greedy(&p, &go, &g, &d), 0);
    mg_plan_exact_opts o = {.time_limit = 20, .memory_mb = 1024};
    mg_plan_exact_result a, b;
    assert_int_equal(mg_plan_exact(&p, &o, &a, &d), 0);
    o.start = &g;
    assert_int_equal(mg_plan_exact(&p, &o, &b, &d), 0);
    assert_int_equal(a.status, MG_PLAN_OPTIMAL);
    assert_int_equal(b.status, MG_PLAN_OPTIMAL);
    assert_close(a.sol.value, b.sol.value, 1e-6 * (1 + a.sol.value));
    assert_true(g.value <= a.bound + 1e-6 * (1 + a.bound));
    mg_plan_exact_result_free(&a);
    mg_plan_exact_result_free(&b);
    mg_plan_solution_free(&g);
    mg_plan_problem_free(&p);
}

/* A memory limit too small for the solver ends in a reported failure, not
 * in the death of the caller. */
static void test_cbc_memory_limit(void **state)
{
    (void)state;
    mg_plan_problem p;
    random_instance(&p, 200, 150, MG_PLAN_PMEDIAN);
    mg_plan_exact_opts o = {.time_limit = 20, .memory_mb = 1};
    mg_plan_exact_result r;
    mg_diag d = {{0}};
    assert_int_equal(mg_plan_exact(&p, &o, &r, &d), 0);
    assert_int_equal(r.status, MG_PLAN_FAILED);
    mg_plan_exact_result_free(&r);
    mg_plan_problem_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cbc_vs_brute_force),
        cmocka_unit_test(test_cbc_start),
        cmocka_unit_test(test_cbc_memory_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
