/*
 * Planning engine on hand-made instances whose optimum is known, random
 * instances (lazy greedy = naive greedy on submodular objectives, the
 * heuristic never worse than naive greedy, constraints always respected),
 * determinism and bad configurations.
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

static void one_kind(mg_plan_problem *p, double capacity, size_t count, double cost)
{
    p->nkinds = 1;
    p->kinds[0] = (mg_plan_kind){.proto = mg_action_defaults(MG_RES_CABIN), .capacity = capacity,
                                 .cost = cost, .max_count = count};
}

static double solve(const mg_plan_problem *p, bool lazy, bool interchange, mg_plan_solution *s)
{
    mg_plan_greedy_opts o = {.lazy = lazy, .interchange = interchange};
    mg_diag d = {{0}};
    int rc = mg_plan_greedy(p, &o, s, &d);
    if (rc)
        fail_msg("greedy: %s", d.msg);
    assert_true(mg_plan_feasible(p, s->items, s->n));
    double v;
    assert_int_equal(mg_plan_value(p, s->items, s->n, &v), 0);
    assert_close(v, s->value, 1e-9 * (1 + fabs(v)));
    return s->value;
}

/* Three overlapping pairs; two sites: the outer two cover everyone. */
static void test_deficit_known_optimum(void **state)
{
    (void)state;
    double pop[4] = {100, 100, 100, 100}, base[4] = {0, 0, 0, 0};
    double w[12] = {1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1};
    mg_plan_problem p;
    make(&p, 4, 3, pop, base, w);
    one_kind(&p, 1, 2, 1000);
    mg_plan_solution s;
    assert_close(solve(&p, true, true, &s), 400, 1e-9);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.items[0].cand, 0); /* tie broken by the lowest candidate */
    assert_int_equal(s.items[1].cand, 2);
    mg_plan_totals t;
    mg_plan_site_explain ex[2];
    assert_int_equal(mg_plan_explain(&p, s.items, s.n, &t, ex, NULL), 0);
    assert_close(t.deficit_before, 400, 1e-9);
    assert_close(t.deficit_after, 0, 1e-9);
    assert_close(t.lifted, 400, 1e-9);
    assert_close(t.cost_per_lifted, 2000.0 / 400, 1e-9);
    assert_close(ex[0].marginal, 200, 1e-9);
    assert_int_equal(ex[0].units_reached, 2);
    assert_close(ex[0].population_lifted, 200, 1e-9);
    mg_plan_solution_free(&s);
    /* A capacity of one half only halves every gain. */
    one_kind(&p, 0.5, 2, 1000);
    assert_close(solve(&p, true, true, &s), 200, 1e-9);
    mg_plan_solution_free(&s);
    mg_plan_problem_free(&p);
}

/* Coverage where greedy takes the big middle site (5 of 6) and
 * interchange finds the two outer ones (6 of 6). */
static void test_coverage_interchange(void **state)
{
    (void)state;
    double pop[6] = {1, 1, 1, 1, 1, 1}, base[6] = {0, 0, 0, 0, 0, 0};
    double w[18] = {1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 0};
    mg_plan_problem p;
    make(&p, 6, 3, pop, base, w);
    p.objective = MG_PLAN_COVERAGE;
    one_kind(&p, 1, 2, 1);
    mg_plan_solution s;
    assert_close(solve(&p, true, false, &s), 5, 1e-12);
    mg_plan_solution_free(&s);
    assert_close(solve(&p, true, true, &s), 6, 1e-12);
    mg_plan_solution_free(&s);
    mg_plan_problem_free(&p);
}

/* Lifting: two small sites together lift 200 people that neither lifts
 * alone; a decoy lifts 50 at once. */
static void test_lifted_known_optimum(void **state)
{
    (void)state;
    double pop[3] = {100, 100, 50}, base[3] = {0.5, 0.5, 0.9};
    double w[9] = {1, 1, 0, 1, 1, 0, 0, 0, 1};
    mg_plan_problem p;
    make(&p, 3, 3, pop, base, w);
    p.objective = MG_PLAN_LIFTED;
    one_kind(&p, 0.3, 2, 1);
    mg_plan_solution s;
    assert_close(solve(&p, true, true, &s), 200, 1e-12);
    mg_plan_solution_free(&s);
    mg_plan_problem_free(&p);
}

/* p-median: units at 20 minutes; a site brings its column to 5. */
static void test_pmedian_known_optimum(void **state)
{
    (void)state;
    double pop[4] = {10, 20, 30, 40}, base[4] = {0, 0, 0, 0};
    double w[12] = {1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    mg_plan_problem p;
    make(&p, 4, 3, pop, base, w);
    p.objective = MG_PLAN_PMEDIAN;
    one_kind(&p, 1, 2, 1);
    mg_plan_solution s;
    /* Best two: units 3 (40) and 2 (30): 70 people × 15 minutes. */
    assert_close(solve(&p, true, true, &s), 70 * 15, 1e-9);
    mg_plan_solution_free(&s);
    mg_plan_problem_free(&p);
}

/* Budget and distance constraints. */
static void test_constraints(void **state)
{
    (void)state;
    double pop[4] = {100, 100, 100, 100}, base[4] = {0, 0, 0, 0};
    double w[12] = {1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1};
    mg_plan_problem p;
    make(&p, 4, 3, pop, base, w);
    one_kind(&p, 1, 3, 1000);
    p.budget = 1500; /* one site only */
    mg_plan_solution s;
    assert_close(solve(&p, true, true, &s), 200, 1e-9);
    assert_int_equal(s.n, 1);
    mg_plan_solution_free(&s);
    p.budget = INFINITY;
    p.min_km = 10; /* neighbours are ~8 km apart: 0 and 2 only */
    assert_close(solve(&p, true, true, &s), 400, 1e-9);
    assert_int_equal(s.n, 2);
    mg_plan_solution_free(&s);
    mg_plan_problem_free(&p);
}

static void test_bad_configurations(void **state)
{
    (void)state;
    double pop[4] = {100, 100, 100, 100}, base[4] = {0, 0, 0, 0};
    double w[12] = {1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1};
    mg_plan_problem p;
    make(&p, 4, 3, pop, base, w);
    mg_plan_solution s;
    mg_plan_greedy_opts o = {.lazy = true, .interchange = true};
    mg_diag d = {{0}};
    one_kind(&p, -5, 1, 1);
    assert_int_equal(mg_plan_greedy(&p, &o, &s, &d), MG_EINVAL);
    assert_msg_has(d, "capacity -5");
    mg_diag_clear(&d);
    one_kind(&p, 1, 1, 80000);
    p.budget = 1000;
    assert_int_equal(mg_plan_greedy(&p, &o, &s, &d), MG_EINVAL);
    assert_msg_has(d, "infeasible budget");
    mg_diag_clear(&d);
    p.budget = INFINITY;
    one_kind(&p, 1, 0, 1);
    assert_int_equal(mg_plan_greedy(&p, &o, &s, &d), MG_EINVAL);
    assert_msg_has(d, "nothing to place");
    mg_diag_clear(&d);
    one_kind(&p, 1, 1, -3);
    assert_int_equal(mg_plan_greedy(&p, &o, &s, &d), MG_EINVAL);
    assert_msg_has(d, "cost");
    mg_diag_clear(&d);
    one_kind(&p, 1, 1, 1);
    p.threshold = NAN;
    assert_int_equal(mg_plan_greedy(&p, &o, &s, &d), MG_EINVAL);
    assert_msg_has(d, "threshold");
    mg_plan_exact_result r;
    mg_diag_clear(&d);
    p.threshold = 1;
    mg_plan_exact_opts eo = {.time_limit = -1};
    assert_int_equal(mg_plan_exact(&p, &eo, &r, &d), MG_EINVAL);
    assert_msg_has(d, "time limit");
    mg_plan_problem_free(&p);
}

static void test_random_heuristic_vs_naive(void **state)
{
    (void)state;
    for (int trial = 0; trial < 200; trial++) {
        mg_plan_problem p;
        enum mg_plan_objective obj = (enum mg_plan_objective)(trial % MG_PLAN_OBJECTIVE_COUNT);
        random_instance(&p, 30 + (size_t)(trial % 7) * 5, 20 + (size_t)(trial % 5) * 4, obj);
        if (trial % 3 == 1)
            p.budget = 150;
        if (trial % 4 == 2)
            p.min_km = 5;
        mg_plan_solution naive, lazy, full, again;
        double vn = solve(&p, false, false, &naive);
        double vl = solve(&p, true, false, &lazy);
        double vf = solve(&p, true, true, &full);
        solve(&p, true, true, &again);
        /* Lazy evaluation is exact for the submodular objectives. */
        if (obj != MG_PLAN_LIFTED)
            assert_close(vl, vn, 1e-9 * (1 + vn));
        /* Interchange only improves. */
        assert_true(vf >= vn - 1e-9 * (1 + vn));
        /* The same input gives the same answer. */
        assert_int_equal(full.n, again.n);
        assert_memory_equal(full.items, again.items, full.n * sizeof *full.items);
        mg_plan_solution_free(&naive);
        mg_plan_solution_free(&lazy);
        mg_plan_solution_free(&full);
        mg_plan_solution_free(&again);
        mg_plan_problem_free(&p);
    }
}

static void test_names(void **state)
{
    (void)state;
    for (int k = 0; k < MG_PLAN_OBJECTIVE_COUNT; k++)
        assert_int_equal(mg_plan_objective_parse(mg_plan_objective_name((enum mg_plan_objective)k)), k);
    assert_int_equal(mg_plan_objective_parse("best"), MG_PLAN_OBJECTIVE_COUNT);
    for (int k = 0; k < MG_RES_COUNT; k++)
        assert_true(mg_plan_default_cost((enum mg_resource)k) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deficit_known_optimum),
        cmocka_unit_test(test_coverage_interchange),
        cmocka_unit_test(test_lifted_known_optimum),
        cmocka_unit_test(test_pmedian_known_optimum),
        cmocka_unit_test(test_constraints),
        cmocka_unit_test(test_bad_configurations),
        cmocka_unit_test(test_random_heuristic_vs_naive),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
