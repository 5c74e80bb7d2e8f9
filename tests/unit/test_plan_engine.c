/*
 * Planning engine on hand-made instances whose optimum is known, random
 * instances (lazy greedy = naive greedy on submodular objectives, the
 * heuristic never worse than naive greedy, constraints always respected),
 * determinism and bad configurations, each with its reason code (the
 * code the planning page words in French) beside the English message.
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
#include "core/buf.h"
#include "plan/plan.h"
#include "testutil.h"
#include "aude_fixture.h"

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

/* Each refusal of the settings comes with its reason, and the values a
 * page needs to word it. */
static void test_reason_codes(void **state)
{
    (void)state;
    double pop[4] = {100, 100, 100, 100}, base[4] = {0, 0, 0, 0};
    double w[12] = {1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1};
    mg_plan_problem p;
    make(&p, 4, 3, pop, base, w);
    mg_plan_solution s;
    mg_plan_greedy_opts o = {.lazy = true, .interchange = true};
    mg_plan_why why;
    mg_diag d = {{0}};
#define REFUSED(call, expected, text)                                                          \
    do {                                                                                     \
        mg_diag_clear(&d);                                                                   \
        memset(&why, 0x5A, sizeof why);                                                      \
        assert_int_equal((call), MG_EINVAL);                                                 \
        if (why.reason != (expected))                                                        \
            fail_msg("reason %s, expected %s (%s)", mg_plan_reason_name(why.reason),         \
                     mg_plan_reason_name(expected), d.msg);                                  \
        assert_msg_has(d, text);                                                             \
    } while (0)

    one_kind(&p, -5, 1, 1);
    REFUSED(mg_plan_greedy_why(&p, &o, &s, &why, &d), MG_PLAN_ERR_CAPACITY, "capacity -5");
    assert_true(why.has_kind);
    assert_int_equal(why.kind, MG_RES_CABIN);
    one_kind(&p, 1, 1, -3);
    REFUSED(mg_plan_problem_check_why(&p, &why, &d), MG_PLAN_ERR_COST, "cost -3");
    assert_int_equal(why.kind, MG_RES_CABIN);
    one_kind(&p, 1, 1, 80000);
    p.budget = 1000;
    REFUSED(mg_plan_greedy_why(&p, &o, &s, &why, &d), MG_PLAN_ERR_BUDGET, "infeasible budget");
    assert_true(why.value == 1000);
    assert_true(why.needed == 80000);
    p.budget = NAN;
    REFUSED(mg_plan_problem_check_why(&p, &why, &d), MG_PLAN_ERR_BAD_BUDGET, "budget");
    p.budget = INFINITY;
    one_kind(&p, 1, 0, 1);
    REFUSED(mg_plan_problem_check_why(&p, &why, &d), MG_PLAN_ERR_NOTHING_TO_PLACE, "nothing to place");
    p.nkinds = 0;
    REFUSED(mg_plan_problem_check_why(&p, &why, &d), MG_PLAN_ERR_NOTHING_TO_PLACE, "nothing to place");
    one_kind(&p, 1, MG_PLAN_MAX_SITES + 1, 1);
    REFUSED(mg_plan_problem_check_why(&p, &why, &d), MG_PLAN_ERR_TOO_MANY_SITES, "at most");
    one_kind(&p, 1, 1, 1);
    p.kinds[1] = p.kinds[0];
    p.nkinds = 2;
    REFUSED(mg_plan_problem_check_why(&p, &why, &d), MG_PLAN_ERR_KIND_TWICE, "twice");
    one_kind(&p, 1, 1, 1);
    p.threshold = NAN;
    REFUSED(mg_plan_problem_check_why(&p, &why, &d), MG_PLAN_ERR_THRESHOLD, "threshold");
    p.objective = MG_PLAN_PMEDIAN; /* needs no threshold */
    assert_int_equal(mg_plan_problem_check_why(&p, &why, &d), 0);
    assert_int_equal(why.reason, MG_PLAN_ERR_NONE); /* cleared on success */
    p.objective = MG_PLAN_COVERAGE;
    p.threshold = 1;
    p.coverage_minutes = NAN;
    REFUSED(mg_plan_problem_check_why(&p, &why, &d), MG_PLAN_ERR_COVERAGE_MINUTES, "minutes");
    p.coverage_minutes = 10;
    p.objective = MG_PLAN_OBJECTIVE_COUNT;
    REFUSED(mg_plan_problem_check_why(&p, &why, &d), MG_PLAN_ERR_OBJECTIVE, "objective");
    p.objective = MG_PLAN_DEFICIT;
    p.min_km = -1;
    REFUSED(mg_plan_problem_check_why(&p, &why, &d), MG_PLAN_ERR_MIN_DISTANCE, "minimum distance");
    assert_true(why.value == -1);
    p.min_km = 5;
    double *lat = p.clat;
    p.clat = NULL; /* candidates without positions */
    REFUSED(mg_plan_problem_check_why(&p, &why, &d), MG_PLAN_ERR_MIN_DISTANCE, "positions");
    p.clat = lat;
    p.min_km = 0;
    mg_plan_exact_result r;
    mg_plan_exact_opts eo = {.time_limit = -1};
    REFUSED(mg_plan_exact_why(&p, &eo, &r, &why, &d), MG_PLAN_ERR_TIME_LIMIT, "time limit");
    assert_true(why.value == -1);
    /* The plain functions give the same English message. */
    mg_diag d2 = {{0}};
    assert_int_equal(mg_plan_exact(&p, &eo, &r, &d2), MG_EINVAL);
    assert_string_equal(d.msg, d2.msg);
    /* A good problem: no reason. */
    memset(&why, 0x5A, sizeof why);
    assert_int_equal(mg_plan_greedy_why(&p, &o, &s, &why, &d), 0);
    assert_int_equal(why.reason, MG_PLAN_ERR_NONE);
    mg_plan_solution_free(&s);
    mg_plan_problem_free(&p);
}

/* Reasons met while building the problem of a territory and its kinds. */
static void test_reason_codes_build(void **state)
{
    (void)state;
    mg_plan_problem st = {.objective = MG_PLAN_DEFICIT, .threshold = 2.5, .coverage_minutes = 10,
                          .budget = INFINITY, .nkinds = 1};
    mg_plan_why why;
    mg_diag d = {{0}};
    assert_int_equal(mg_plan_kind_init_why(&st.kinds[0], MG_RES_CABIN, g, &why, &d), 0);
    assert_int_equal(why.reason, MG_PLAN_ERR_NONE);
    mg_plan_kind k;
    REFUSED(mg_plan_kind_init_why(&k, MG_RES_COUNT, g, &why, &d), MG_PLAN_ERR_BAD_KIND, "unknown");
    mg_plan_problem p;
    mg_plan_candidates c = {.rule = "all", .exclude = "11069,99999"};
    REFUSED(mg_plan_problem_build_why(&p, g, engine, &c, &st, &why, &d),
            MG_PLAN_ERR_UNKNOWN_COMMUNE, "unknown commune \"99999\"");
    assert_string_equal(why.commune, "99999");
    c.exclude = "11069,,11206";
    REFUSED(mg_plan_problem_build_why(&p, g, engine, &c, &st, &why, &d), MG_PLAN_ERR_EXCLUDED,
            "bad code list");
    mg_diag_clear(&d);
    c.exclude = NULL;
    c.rule = MG_SOURCE_DIR "/no/such/candidates.csv";
    assert_true(mg_plan_problem_build_why(&p, g, engine, &c, &st, &why, &d) != 0);
    assert_int_equal(why.reason, MG_PLAN_ERR_CANDIDATES);
    c.rule = "all";
    assert_int_equal(mg_plan_problem_build_why(&p, g, engine, &c, &st, &why, &d), 0);
    assert_int_equal(why.reason, MG_PLAN_ERR_NONE);
    mg_plan_problem_free(&p);
    /* Every study commune excluded: none left. */
    mg_buf all;
    mg_buf_init(&all, 1 << 20);
    for (size_t i = 0; i < g->t->n; i++)
        if (g->t->in_study[i])
            mg_buf_printf(&all, "%s%s", all.len ? "," : "", g->t->code[i]);
    assert_false(all.failed);
    c.exclude = all.data;
    REFUSED(mg_plan_problem_build_why(&p, g, engine, &c, &st, &why, &d), MG_PLAN_ERR_NO_CANDIDATE,
            "no candidate");
    mg_buf_free(&all);
    /* Telemedicine is for GPs only. */
    mg_diagnosis_opts o = mg_diagnosis_defaults();
    o.bundle = MG_SOURCE_DIR "/data/demo/11-aude";
    o.france = MG_SOURCE_DIR "/data/demo/france";
    o.profession = "inf";
    mg_diagnosis *nurses = NULL;
    assert_int_equal(mg_diagnosis_load(&nurses, &o, NULL, NULL, &d), 0);
    REFUSED(mg_plan_kind_init_why(&k, MG_RES_CART, nurses, &why, &d),
            MG_PLAN_ERR_KIND_NOT_APPLICABLE, "médecins généralistes");
    assert_int_equal(why.kind, MG_RES_CART);
    assert_int_equal(mg_plan_kind_init_why(&k, MG_RES_GP, nurses, &why, &d), 0);
    mg_diagnosis_free(nurses);
#undef REFUSED
}

static void test_reason_names(void **state)
{
    (void)state;
    for (int r = 0; r < MG_PLAN_ERR_COUNT; r++) {
        const char *n = mg_plan_reason_name((enum mg_plan_reason)r);
        assert_string_not_equal(n, "?");
        for (int q = 0; q < r; q++)
            assert_string_not_equal(n, mg_plan_reason_name((enum mg_plan_reason)q));
    }
    assert_string_equal(mg_plan_reason_name(MG_PLAN_ERR_COUNT), "?");
    assert_string_equal(mg_plan_reason_name(MG_PLAN_ERR_BUDGET), "budget");
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

/* Marginal and standalone gains, by hand: cand 1 (units 1, 2) then cand 0
 * (units 0, 1) at capacity 1, threshold 1, base 0, 100 people each. Cand 1
 * alone removes 200 of deficit; cand 0 after it only 100 (unit 1 is at the
 * threshold already) though 200 alone. The marginal gains add up to the
 * set's (300); the standalone ones do not. */
static void test_marginal_and_standalone(void **state)
{
    (void)state;
    double pop[4] = {100, 100, 100, 100}, base[4] = {0, 0, 0, 0};
    double w[12] = {1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1};
    mg_plan_problem p;
    make(&p, 4, 3, pop, base, w);
    one_kind(&p, 1, 2, 1000);
    mg_plan_item items[2] = {{1, 0}, {0, 0}};
    mg_plan_totals t;
    mg_plan_site_explain ex[2];
    assert_int_equal(mg_plan_explain(&p, items, 2, &t, ex, NULL), 0);
    assert_close(t.value, 300, 1e-9);
    assert_close(ex[0].marginal, 200, 1e-9);
    assert_close(ex[1].marginal, 100, 1e-9);
    assert_close(ex[0].standalone, 200, 1e-9);
    assert_close(ex[1].standalone, 200, 1e-9);
    /* Lifted (in the order): cand 1 lifts units 1 and 2, cand 0 unit 0. */
    assert_close(ex[0].population_lifted, 200, 1e-9);
    assert_close(ex[1].population_lifted, 100, 1e-9);
    assert_close(t.lifted, 300, 1e-9);
    assert_int_equal(t.communes_below_before, 4);
    assert_int_equal(t.communes_below_after, 1);
    /* A hand instance has no inhabitants: their figures are NaN, not 0. */
    assert_true(isnan(t.inhabitants_below_before) && isnan(ex[0].inhabitants_lifted));
    mg_plan_problem_free(&p);
}

/* On random instances of every objective: the marginal gains of the
 * greedy answer add up to its value, the marginal lifted populations to
 * the population lifted, and each standalone gain is the value of that
 * site alone. */
static void test_random_marginal_sum(void **state)
{
    (void)state;
    for (int trial = 0; trial < 40; trial++) {
        enum mg_plan_objective obj = (enum mg_plan_objective)(trial % MG_PLAN_OBJECTIVE_COUNT);
        mg_plan_problem p;
        random_instance(&p, 25 + (size_t)(trial % 5) * 5, 15 + (size_t)(trial % 3) * 5, obj);
        mg_plan_solution s;
        solve(&p, true, true, &s);
        mg_plan_totals t;
        mg_plan_site_explain *ex = mg_alloc_array(s.n ? s.n : 1, sizeof *ex);
        assert_non_null(ex);
        assert_int_equal(mg_plan_explain(&p, s.items, s.n, &t, ex, NULL), 0);
        double sum = 0, lifted = 0;
        for (size_t k = 0; k < s.n; k++) {
            sum += ex[k].marginal;
            lifted += ex[k].population_lifted;
            double alone;
            assert_int_equal(mg_plan_value(&p, &s.items[k], 1, &alone), 0);
            assert_close(ex[k].standalone, alone, 1e-9 * (1 + fabs(alone)));
        }
        assert_close(sum, s.value, 1e-9 * (1 + fabs(s.value)));
        assert_close(sum, t.value, 1e-9 * (1 + fabs(t.value)));
        assert_close(lifted, t.lifted, 1e-9 * (1 + t.lifted));
        if (s.n)
            assert_close(ex[0].marginal, ex[0].standalone, 1e-9 * (1 + fabs(ex[0].standalone)));
        free(ex);
        mg_plan_solution_free(&s);
        mg_plan_problem_free(&p);
    }
}

/* One's own sites as written: codes and kinds, spaces ignored, refusals
 * naming the item. */
static void test_split_sites(void **state)
{
    (void)state;
    mg_plan_site_words w[4];
    size_t n, bad;
    assert_int_equal(mg_plan_split_sites("11069:cabine, 11206 : chariot;11300", w, 4, &n, &bad), 0);
    assert_int_equal(n, 3);
    assert_string_equal(w[0].code, "11069");
    assert_string_equal(w[0].kind, "cabine");
    assert_string_equal(w[1].code, "11206");
    assert_string_equal(w[1].kind, "chariot");
    assert_string_equal(w[2].code, "11300");
    assert_string_equal(w[2].kind, "");
    assert_int_equal(mg_plan_split_sites("", w, 4, &n, &bad), 0);
    assert_int_equal(n, 0);
    assert_int_equal(mg_plan_split_sites("11069,,11206", w, 4, &n, &bad), MG_EINVAL);
    assert_int_equal(bad, 1);
    assert_int_equal(mg_plan_split_sites("11069:a:b", w, 4, &n, &bad), MG_EINVAL);
    assert_int_equal(bad, 0);
    assert_int_equal(mg_plan_split_sites("11069: ", w, 4, &n, &bad), MG_EINVAL);
    assert_int_equal(mg_plan_split_sites("1,2,3,4,5", w, 4, &n, &bad), MG_ELIMIT);
    assert_int_equal(n, 4);
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
        cmocka_unit_test(test_reason_codes),
        cmocka_unit_test(test_reason_names),
        cmocka_unit_test(test_marginal_and_standalone),
        cmocka_unit_test(test_random_marginal_sum),
        cmocka_unit_test(test_split_sites),
    };
    /* The reasons met on a real territory need the Aude, loaded once. */
    const struct CMUnitTest aude[] = {
        cmocka_unit_test(test_reason_codes_build),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + cmocka_run_group_tests(aude, setup, teardown);
}
