/*
 * Planning on the real Aude: the APL after a plan equals the scenario
 * engine's (itself checked against a full recomputation), candidate rules,
 * exclusions and bad configurations with clear messages.
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
#include "aude_fixture.h"

static mg_plan_problem settings(void)
{
    mg_plan_problem s = {.objective = MG_PLAN_DEFICIT, .threshold = 2.5, .coverage_minutes = 10,
                         .budget = INFINITY, .nkinds = 2};
    mg_diag d = {{0}};
    assert_int_equal(mg_plan_kind_init(&s.kinds[0], MG_RES_CABIN, g, &d), 0);
    assert_int_equal(mg_plan_kind_init(&s.kinds[1], MG_RES_CART, g, &d), 0);
    s.kinds[1].max_count = 2;
    return s;
}

static void test_apl_after_equals_scenario(void **state)
{
    (void)state;
    mg_plan_problem s = settings(), p;
    mg_plan_candidates c = {.rule = "all"};
    mg_diag d = {{0}};
    assert_int_equal(mg_plan_problem_build(&p, g, engine, &c, &s, &d), 0);
    assert_int_equal(p.n, 433);
    assert_int_equal(p.ncand, 433);
    mg_plan_greedy_opts o = {.lazy = true, .interchange = true};
    mg_plan_solution sol;
    assert_int_equal(mg_plan_greedy(&p, &o, &sol, &d), 0);
    assert_int_equal(sol.n, 3);
    double *after = mg_alloc_array(p.n, sizeof *after);
    mg_plan_totals t;
    assert_int_equal(mg_plan_explain(&p, sol.items, sol.n, &t, NULL, after), 0);
    assert_true(t.value > 0);
    assert_close(t.deficit_before - t.deficit_after, t.value, 1e-6 * t.value);
    /* The same sites as a scenario. */
    mg_scenario sc = {.n = sol.n, .actions = mg_alloc_array(sol.n, sizeof(mg_action))};
    for (size_t k = 0; k < sol.n; k++) {
        sc.actions[k] = p.kinds[sol.items[k].kind].proto;
        sc.actions[k].commune = p.cand_commune[sol.items[k].cand];
    }
    double *apl = mg_alloc_array(g->t->n, sizeof *apl);
    assert_int_equal(mg_scenario_eval(engine, &sc, apl, NULL, &d), 0);
    for (size_t u = 0; u < p.n; u++)
        assert_close(after[u], apl[p.unit_commune[u]], 1e-9);
    free(apl);
    free(after);
    mg_scenario_free(&sc);
    mg_plan_solution_free(&sol);
    mg_plan_problem_free(&p);
}

static void test_candidate_rules(void **state)
{
    (void)state;
    mg_plan_problem s = settings(), p;
    mg_diag d = {{0}};
    mg_plan_candidates c = {.rule = "pharmacy"};
    assert_int_equal(mg_plan_problem_build(&p, g, engine, &c, &s, &d), 0);
    size_t pharmacies = p.ncand;
    assert_true(pharmacies > 20 && pharmacies < 433);
    mg_plan_problem_free(&p);

    c = (mg_plan_candidates){.rule = "all", .exclude = "11069,11206"};
    assert_int_equal(mg_plan_problem_build(&p, g, engine, &c, &s, &d), 0);
    assert_int_equal(p.ncand, 431);
    for (size_t k = 0; k < p.ncand; k++)
        assert_string_not_equal(g->t->code[p.cand_commune[k]], "11069");
    mg_plan_problem_free(&p);

    c.exclude = "11069,99999";
    assert_int_equal(mg_plan_problem_build(&p, g, engine, &c, &s, &d), MG_EINVAL);
    assert_msg_has(d, "unknown commune \"99999\"");

    char dir[256], path[512];
    assert_int_equal(test_mkdtemp(dir, sizeof dir, "plan"), 0);
    snprintf(path, sizeof path, "%s/codes.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("code\n11069\n# a comment\n11206;Limoux\n", f);
    fclose(f);
    c = (mg_plan_candidates){.rule = path};
    assert_int_equal(mg_plan_problem_build(&p, g, engine, &c, &s, &d), 0);
    assert_int_equal(p.ncand, 2);
    mg_plan_problem_free(&p);
    f = fopen(path, "w");
    fputs("11069\n1106X\n", f);
    fclose(f);
    mg_diag_clear(&d);
    assert_int_equal(mg_plan_problem_build(&p, g, engine, &c, &s, &d), MG_ENOTFOUND);
    assert_msg_has(d, ":2:1: unknown commune \"1106X\"");
    test_remove_tree(dir);
}

static void test_bad_kinds(void **state)
{
    (void)state;
    mg_plan_problem s = settings();
    mg_diag d = {{0}};
    s.kinds[0].capacity = -100;
    assert_int_equal(mg_plan_problem_check(&s, &d), MG_EINVAL);
    assert_msg_has(d, "telemedicine_cabin: capacity -100");
    s = settings();
    s.budget = 10000;
    mg_diag_clear(&d);
    assert_int_equal(mg_plan_problem_check(&s, &d), MG_EINVAL);
    assert_msg_has(d, "infeasible budget");
}

/* A scope (an EPCI): units and candidates are its study communes; with
 * units_everywhere every study commune is a unit and the candidates are
 * the same, in the same order; the columns still reach the neighbours
 * outside (the site's APL gain outside the scope is counted there). */
static void test_scope(void **state)
{
    (void)state;
    const mg_territory *t = g->t;
    /* The EPCI of the first study commune that has one. */
    int32_t e = -1;
    for (size_t k = 0; k < g->study_n && e < 0; k++)
        e = t->epci[g->study[k]];
    assert_true(e >= 0);
    uint8_t *mark = mg_alloc_array(t->n, 1);
    size_t in = 0, inhab_n = 0;
    for (size_t i = 0; i < t->n; i++) {
        mark[i] = t->in_study[i] && t->epci[i] == e;
        in += mark[i];
        inhab_n += t->in_study[i];
    }
    assert_true(in > 0);
    mg_plan_problem s = settings(), p, pall;
    mg_plan_candidates c = {.rule = "all", .scope = mark};
    mg_diag d = {{0}};
    assert_int_equal(mg_plan_problem_build(&p, g, engine, &c, &s, &d), 0);
    assert_int_equal(p.n, in);
    assert_int_equal(p.ncand, in);
    for (size_t u = 0; u < p.n; u++)
        assert_true(mark[p.unit_commune[u]]);
    c.units_everywhere = true;
    assert_int_equal(mg_plan_problem_build(&pall, g, engine, &c, &s, &d), 0);
    assert_int_equal(pall.n, inhab_n);
    assert_int_equal(pall.ncand, p.ncand);
    for (size_t k = 0; k < p.ncand; k++)
        assert_int_equal(pall.cand_commune[k], p.cand_commune[k]);
    mg_plan_greedy_opts o = {.lazy = true, .interchange = true};
    mg_plan_solution sol;
    assert_int_equal(mg_plan_greedy(&p, &o, &sol, &d), 0);
    assert_true(sol.n > 0);
    for (size_t k = 0; k < sol.n; k++)
        assert_true(mark[p.cand_commune[sol.items[k].cand]]);
    /* Inhabitants and communes below the threshold before: the scope's
     * and the whole territory's, from the values themselves. */
    mg_plan_totals ts, ta;
    assert_int_equal(mg_plan_explain(&p, sol.items, sol.n, &ts, NULL, NULL), 0);
    assert_int_equal(mg_plan_explain(&pall, sol.items, sol.n, &ta, NULL, NULL), 0);
    double hs = 0, ha = 0;
    size_t cs = 0, ca = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->in_study[i] && g->apl[i] < 2.5) {
            ha += t->population[i];
            ca++;
            if (mark[i]) {
                hs += t->population[i];
                cs++;
            }
        }
    assert_close(ts.inhabitants_below_before, hs, 1e-9 * (1 + hs));
    assert_close(ta.inhabitants_below_before, ha, 1e-9 * (1 + ha));
    assert_int_equal(ts.communes_below_before, cs);
    assert_int_equal(ta.communes_below_before, ca);
    /* Outside the scope the sites may help too, never hurt. */
    assert_true(ta.value >= ts.value - 1e-9 * (1 + ts.value));
    assert_true(ta.communes_below_after - ts.communes_below_after == ca - cs ||
                ta.communes_below_after - ts.communes_below_after < ca - cs);
    mg_plan_solution_free(&sol);
    mg_plan_problem_free(&p);
    mg_plan_problem_free(&pall);
    free(mark);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apl_after_equals_scenario),
        cmocka_unit_test(test_candidate_rules),
        cmocka_unit_test(test_bad_kinds),
        cmocka_unit_test(test_scope),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
