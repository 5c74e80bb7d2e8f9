/*
 * The official baseline (scenario/baseline.h): with no action the values
 * are the official ones; one action moves them by the model's change; a
 * commune merged since the official file gets the mean of its parts plus
 * the change; a change that would go below zero gives 0, flagged; the
 * planning objectives start from the official values.
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
#include "scenario/baseline.h"
#include "testutil.h"
#include "aude_fixture.h"

/* The rule on single values, by hand. */
static void test_value_rule(void **state)
{
    (void)state;
    mg_baseline_shown s = mg_baseline_value(MG_BASELINE_MODEL, 3.0, 2.0, 2.5);
    assert_true(s.value == 2.5 && s.flags == 0);
    s = mg_baseline_value(MG_BASELINE_OFFICIAL, 3.0, 2.0, 2.0);
    assert_true(s.value == 3.0 && s.flags == 0);
    s = mg_baseline_value(MG_BASELINE_OFFICIAL, 3.0, 2.0, 2.5);
    assert_close(s.value, 3.5, 1e-15);
    assert_int_equal(s.flags, 0);
    s = mg_baseline_value(MG_BASELINE_OFFICIAL, 3.0, 2.0, 1.25);
    assert_close(s.value, 2.25, 1e-15);
    /* 0.5 + (1 − 2) < 0: brought back to 0 and flagged. */
    s = mg_baseline_value(MG_BASELINE_OFFICIAL, 0.5, 2.0, 1.0);
    assert_true(s.value == 0);
    assert_int_equal(s.flags, MG_BASELINE_F_CLAMPED);
    /* Exactly 0 is no clamp. */
    s = mg_baseline_value(MG_BASELINE_OFFICIAL, 1.0, 2.0, 1.0);
    assert_true(s.value == 0);
    assert_int_equal(s.flags, 0);
    /* No official value: the model's, flagged. */
    s = mg_baseline_value(MG_BASELINE_OFFICIAL, NAN, 2.0, 2.5);
    assert_true(s.value == 2.5);
    assert_int_equal(s.flags, MG_BASELINE_F_MODEL_FALLBACK);
    assert_int_equal(mg_baseline_parse("official"), MG_BASELINE_OFFICIAL);
    assert_int_equal(mg_baseline_parse("officielle"), MG_BASELINE_OFFICIAL);
    assert_int_equal(mg_baseline_parse("model"), MG_BASELINE_MODEL);
    assert_int_equal(mg_baseline_parse("modele"), MG_BASELINE_MODEL);
    assert_int_equal(mg_baseline_parse("Official"), MG_BASELINE_COUNT);
    assert_int_equal(mg_baseline_parse(NULL), MG_BASELINE_COUNT);
    assert_string_equal(mg_baseline_name(MG_BASELINE_OFFICIAL), "official");
    assert_string_equal(mg_baseline_label_fr(MG_BASELINE_OFFICIAL),
                        "APL officielle + effet du scénario (modèle)");
}

/* Evaluates the JSON actions on diagnosis gg with engine ee into a new
 * array of t->n model values. */
static double *eval(const mg_diagnosis *gg, const mg_scenario_engine *ee, const char *json)
{
    json_error_t err;
    json_t *j = json_loads(json, 0, &err);
    assert_non_null(j);
    mg_scenario s;
    mg_diag d = {{0}};
    if (mg_scenario_from_json(j, gg, &s, &d))
        fail_msg("scenario: %s", d.msg);
    json_decref(j);
    double *apl = mg_alloc_array(gg->t->n, sizeof *apl);
    if (mg_scenario_eval(ee, &s, apl, NULL, &d))
        fail_msg("eval: %s", d.msg);
    mg_scenario_free(&s);
    return apl;
}

/* Done when 1: with no scenario action, the results are the official
 * values (bit for bit), the model's where the DREES has none. */
static void test_no_action_is_official(void **state)
{
    (void)state;
    size_t n = g->t->n;
    double *apl = eval(g, engine, "[]"), *out = mg_alloc_array(n, sizeof *out);
    uint8_t *flags = mg_alloc_array(n, 1);
    mg_baseline_counts c;
    mg_baseline_apply(MG_BASELINE_OFFICIAL, n, g->official, g->apl, apl, out, flags,
                      g->t->in_study, &c);
    size_t official = 0;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        if (isfinite(g->official[i])) {
            assert_true(out[i] == g->official[i]);
            assert_int_equal(flags[i], 0);
            official++;
        } else {
            assert_true(out[i] == g->apl[i]);
            assert_int_equal(flags[i], MG_BASELINE_F_MODEL_FALLBACK);
        }
    }
    assert_int_equal(c.official, official);
    assert_int_equal(c.official + c.fallback, g->study_n);
    assert_int_equal(c.clamped, 0);
    assert_true(official > 400); /* the Aude's file covers its communes */
    /* The model's baseline is the model, unchanged. */
    mg_baseline_apply(MG_BASELINE_MODEL, n, g->official, g->apl, apl, out, flags, NULL, &c);
    for (size_t i = 0; i < n; i++)
        assert_true(out[i] == g->apl[i]);
    assert_int_equal(c.official + c.fallback + c.clamped, 0);
    free(apl);
    free(out);
    free(flags);
}

/* Done when 2: one action changes the results by the model's delta. */
static void test_one_action_adds_model_delta(void **state)
{
    (void)state;
    size_t n = g->t->n;
    /* Two more GPs at Quillan. */
    double *apl = eval(g, engine, "[{\"kind\":\"gp\",\"commune\":\"11304\",\"count\":2}]");
    double *out = mg_alloc_array(n, sizeof *out);
    mg_baseline_apply(MG_BASELINE_OFFICIAL, n, g->official, g->apl, apl, out, NULL, NULL, NULL);
    size_t changed = 0;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        if (!isfinite(g->official[i]))
            continue;
        double delta = apl[i] - g->apl[i];
        assert_close(out[i] - g->official[i], delta, 1e-12 * (1 + fabs(g->official[i])));
        changed += delta > 1e-9;
    }
    assert_true(changed > 5);
    long quillan = mg_territory_find(g->t, "11304");
    assert_true(out[quillan] > g->official[quillan]);
    free(apl);
    free(out);
}

/* Done when 4: a delta that would take a commune below zero gives 0 and
 * the flag. Removing every GP of a commune takes the model's change there
 * below minus the official value for some commune of the Aude: the test
 * finds the first such commune (by code order) and checks it. */
static void test_below_zero_is_clamped(void **state)
{
    (void)state;
    size_t n = g->t->n;
    double *out = mg_alloc_array(n, sizeof *out);
    uint8_t *flags = mg_alloc_array(n, 1);
    bool found = false;
    for (size_t k = 0; k < g->study_n && !found; k++) {
        size_t j = g->study[k];
        if (!(g->heads[j] >= 1))
            continue;
        char json[128];
        snprintf(json, sizeof json, "[{\"kind\":\"gp\",\"commune\":\"%s\",\"count\":%.0f}]",
                 g->t->code[j], -g->heads[j]);
        double *apl = eval(g, engine, json);
        mg_baseline_counts c;
        mg_baseline_apply(MG_BASELINE_OFFICIAL, n, g->official, g->apl, apl, out, flags,
                          g->t->in_study, &c);
        for (size_t q = 0; q < g->study_n; q++) {
            size_t i = g->study[q];
            double raw = g->official[i] + (apl[i] - g->apl[i]);
            if (isfinite(g->official[i]) && raw < 0) {
                found = true;
                assert_true(out[i] == 0);
                assert_true(flags[i] & MG_BASELINE_F_CLAMPED);
            } else {
                assert_false(flags[i] & MG_BASELINE_F_CLAMPED);
                assert_true(out[i] >= 0 || !isfinite(g->official[i]));
            }
        }
        if (found)
            assert_true(c.clamped > 0);
        free(apl);
    }
    assert_true(found);
    free(out);
    free(flags);
}

/* Copies file `name` of the demo bundle into dir. */
static void copy_file(const char *dir, const char *name)
{
    char src[512], dst[512];
    snprintf(src, sizeof src, "%s/data/demo/11-aude/%s", MG_SOURCE_DIR, name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, got, out), got);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* Done when 3: a commune merged since the official file. The demo's DREES
 * file is rewritten as an older vintage would have it: Val-de-Dagne
 * (11251) as its two former communes, Montlaur (11251) and
 * Pradelles-en-Val (11298, merged in 2019). The importer maps them through
 * the code history to Val-de-Dagne with the mean of their values weighted
 * by standardised population; the baseline starts from that mean and adds
 * the model's change. */
static void test_merged_commune(void **state)
{
    (void)state;
    char dir[256];
    assert_int_equal(test_mkdtemp(dir, sizeof dir, "baseline-merged"), 0);
    copy_file(dir, "communes.geojson");
    copy_file(dir, "departement.geojson");
    char src[512];
    snprintf(src, sizeof src, "%s/data/demo/11-aude/apl_mg_2021.csv", MG_SOURCE_DIR);
    FILE *in = fopen(src, "rb");
    assert_non_null(in);
    char path[512];
    snprintf(path, sizeof path, "%s/apl_mg_2021.csv", dir);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    char line[1024];
    bool replaced = false;
    while (fgets(line, sizeof line, in)) {
        if (strncmp(line, "11251,", 6) == 0) {
            fputs("11251,Montlaur,600,5.0,5.0,5.0,650\n"
                  "11298,Pradelles-en-Val,141,3.0,3.0,3.0,160\n",
                  out);
            replaced = true;
        } else {
            fputs(line, out);
        }
    }
    fclose(in);
    assert_int_equal(fclose(out), 0);
    assert_true(replaced);

    mg_diagnosis_opts o = mg_diagnosis_defaults();
    o.bundle = dir;
    o.france = MG_SOURCE_DIR "/data/demo/france";
    mg_diagnosis *gm = NULL;
    mg_scenario_engine *em = NULL;
    mg_diag d = {{0}};
    if (mg_diagnosis_load(&gm, &o, NULL, NULL, &d) || mg_scenario_engine_new(&em, gm, &d))
        fail_msg("load: %s", d.msg);
    long vd = mg_territory_find(gm->t, "11251");
    assert_true(vd >= 0);
    assert_int_equal(mg_territory_find(gm->t, "11298"), vd); /* the former code */
    double mean = (650 * 5.0 + 160 * 3.0) / (650 + 160.0);
    assert_close(gm->official[vd], mean, 1e-12);
    size_t n = gm->t->n;
    double *o0 = mg_alloc_array(n, sizeof *o0), *o1 = mg_alloc_array(n, sizeof *o1);
    double *apl = eval(gm, em, "[]");
    mg_baseline_apply(MG_BASELINE_OFFICIAL, n, gm->official, gm->apl, apl, o0, NULL, NULL, NULL);
    assert_true(o0[vd] == gm->official[vd]);
    free(apl);
    /* A health centre in Val-de-Dagne, named by its former code. */
    apl = eval(gm, em, "[{\"kind\":\"health_centre\",\"commune\":\"11298\"}]");
    mg_baseline_apply(MG_BASELINE_OFFICIAL, n, gm->official, gm->apl, apl, o1, NULL, NULL, NULL);
    double delta = apl[vd] - gm->apl[vd];
    assert_true(delta > 0.1);
    assert_close(o1[vd], mean + delta, 1e-12);
    free(apl);
    free(o0);
    free(o1);
    mg_scenario_engine_free(em);
    mg_diagnosis_free(gm);
    test_remove_tree(dir);
}

/* The planning objectives on the official baseline: the APL before of
 * each unit is the official value, so the deficit and the population
 * below the threshold are the official map's; the APL after is that plus
 * the model's change (the same as the scenario's on the official baseline). */
static void test_plan_on_official_baseline(void **state)
{
    (void)state;
    mg_plan_problem s = {.objective = MG_PLAN_DEFICIT, .threshold = 2.5, .coverage_minutes = 10,
                         .budget = INFINITY, .nkinds = 1, .baseline = MG_BASELINE_OFFICIAL};
    mg_diag d = {{0}};
    assert_int_equal(mg_plan_kind_init(&s.kinds[0], MG_RES_CABIN, g, &d), 0);
    s.kinds[0].max_count = 2;
    mg_plan_candidates c = {.rule = "all"};
    mg_plan_problem p, pm;
    assert_int_equal(mg_plan_problem_build(&p, g, engine, &c, &s, &d), 0);
    s.baseline = MG_BASELINE_MODEL;
    assert_int_equal(mg_plan_problem_build(&pm, g, engine, &c, &s, &d), 0);
    double deficit = 0, below = 0;
    for (size_t u = 0; u < p.n; u++) {
        size_t i = p.unit_commune[u];
        double want = isfinite(g->official[i]) ? g->official[i] : g->apl[i];
        assert_true(p.base[u] == want);
        assert_true(pm.base[u] == g->apl[i]);
        deficit += p.pop[u] * fmax(0, 2.5 - want);
        below += want < 2.5 ? p.pop[u] : 0;
    }
    mg_plan_greedy_opts go = {.lazy = true, .interchange = true};
    mg_plan_solution sol;
    assert_int_equal(mg_plan_greedy(&p, &go, &sol, &d), 0);
    assert_int_equal(sol.n, 2);
    mg_plan_totals t;
    double *after = mg_alloc_array(p.n, sizeof *after);
    assert_int_equal(mg_plan_explain(&p, sol.items, sol.n, &t, NULL, after), 0);
    assert_close(t.deficit_before, deficit, 1e-9 * deficit);
    assert_close(t.below_before, below, 1e-9 * below);
    /* The same sites as a scenario, shown on the official baseline. */
    mg_scenario sc = {.n = sol.n, .actions = mg_alloc_array(sol.n, sizeof(mg_action))};
    for (size_t k = 0; k < sol.n; k++) {
        sc.actions[k] = p.kinds[sol.items[k].kind].proto;
        sc.actions[k].commune = p.cand_commune[sol.items[k].cand];
    }
    size_t n = g->t->n;
    double *apl = mg_alloc_array(n, sizeof *apl), *shown = mg_alloc_array(n, sizeof *shown);
    assert_int_equal(mg_scenario_eval(engine, &sc, apl, NULL, &d), 0);
    mg_baseline_apply(MG_BASELINE_OFFICIAL, n, g->official, g->apl, apl, shown, NULL, NULL, NULL);
    for (size_t u = 0; u < p.n; u++)
        assert_close(after[u], shown[p.unit_commune[u]], 1e-9);
    free(apl);
    free(shown);
    free(after);
    mg_scenario_free(&sc);
    mg_plan_solution_free(&sol);
    mg_plan_problem_free(&p);
    mg_plan_problem_free(&pm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_rule),
        cmocka_unit_test(test_no_action_is_official),
        cmocka_unit_test(test_one_action_adds_model_delta),
        cmocka_unit_test(test_below_zero_is_clamped),
        cmocka_unit_test(test_merged_commune),
        cmocka_unit_test(test_plan_on_official_baseline),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
