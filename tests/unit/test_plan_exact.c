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

#include "plan_instances.h"

#include "core/alloc.h"
#include "plan/plan.h"
#include "testutil.h"

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
