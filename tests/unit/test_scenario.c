/*
 * Scenario engine: the incremental re-evaluation must equal a full APL
 * recomputation with the changed supply, on the real Aude.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "scenario/scenario.h"
#include "aude_fixture.h"

static mg_scenario parse(const char *json, int expect_rc, const char *msg_part)
{
    json_error_t err;
    json_t *j = json_loads(json, 0, &err);
    assert_non_null(j);
    mg_scenario s;
    mg_diag d = {{0}};
    int rc = mg_scenario_from_json(j, g, &s, &d);
    json_decref(j);
    assert_int_equal(rc, expect_rc);
    if (msg_part)
        assert_non_null(strstr(d.msg, msg_part));
    return s;
}

/* The full method on the changed supply, for comparison. */
static void recompute(const double *supply, double *out)
{
    mg_diag d = {{0}};
    assert_int_equal(mg_access_compute(&g->pairs, supply, g->demand, &g->apl_spec, out, &d), 0);
}

static void test_incremental_equals_full(void **state)
{
    (void)state;
    /* Carcassonne gets a cabin, Quillan loses a GP, Axat a health centre,
     * Limoux a cart and a mobile stop twice a month. */
    mg_scenario s = parse("[{\"kind\":\"telemedicine_cabin\",\"commune\":\"11069\"},"
                          "{\"kind\":\"gp\",\"commune\":\"11304\",\"count\":-1},"
                          "{\"kind\":\"health_centre\",\"commune\":\"11021\",\"count\":4},"
                          "{\"kind\":\"teleconsultation_cart\",\"commune\":\"11206\"},"
                          "{\"kind\":\"mobile_consultation\",\"commune\":\"11206\",\"days_per_month\":2}]",
                          0, NULL);
    assert_int_equal(s.n, 5);
    size_t n = g->t->n;
    double *apl = mg_alloc_array(n, sizeof *apl), *supply = mg_alloc_array(n, sizeof *supply);
    double *full = mg_alloc_array(n, sizeof *full);
    mg_diag d = {{0}};
    assert_int_equal(mg_scenario_eval(engine, &s, apl, supply, &d), 0);
    /* Capacities by the documented formulas. */
    long quillan = mg_territory_find(g->t, "11304"), axat = mg_territory_find(g->t, "11021");
    /* A practitioner counts with the activity the model gives practitioners
     * at that commune (g->per_head); telehealth and mobile consultations by
     * their own formulas. */
    assert_true(fabs(supply[quillan] - (g->supply[quillan] - g->per_head[quillan])) < 1e-6);
    assert_true(fabs(supply[axat] - (g->supply[axat] + 4 * g->per_head[axat])) < 1e-6);
    assert_true(g->per_head[quillan] != g->per_head[axat]); /* the activity varies */
    long limoux = mg_territory_find(g->t, "11206");
    double cart = 8 * 2 * 47 * 0.8, mobile = 2 * 12 * 6 * 3.0;
    assert_true(fabs(supply[limoux] - (g->supply[limoux] + cart + mobile)) < 1e-6);
    recompute(supply, full);
    double worst = 0;
    size_t changed = 0;
    for (size_t i = 0; i < n; i++) {
        double rel = fabs(apl[i] - full[i]) / fmax(1e-12, fabs(full[i]));
        if (rel > worst)
            worst = rel;
        changed += fabs(apl[i] - g->apl[i]) > 1e-12;
    }
    assert_true(worst < 1e-9);
    assert_true(changed > 20); /* the changes reach their neighbours */
    long carcassonne = mg_territory_find(g->t, "11069");
    assert_true(apl[carcassonne] > g->apl[carcassonne]);
    free(apl);
    free(supply);
    free(full);
    mg_scenario_free(&s);
}

static void test_empty_scenario_is_base(void **state)
{
    (void)state;
    mg_scenario s = parse("[]", 0, NULL);
    size_t n = g->t->n;
    double *apl = mg_alloc_array(n, sizeof *apl);
    mg_diag d = {{0}};
    assert_int_equal(mg_scenario_eval(engine, &s, apl, NULL, &d), 0);
    assert_memory_equal(apl, g->apl, n * sizeof *apl);
    free(apl);
    mg_scenario_free(&s);
}

static void test_bad_scenarios(void **state)
{
    (void)state;
    parse("{}", MG_EINVAL, "liste");
    parse("[{\"kind\":\"gp\"}]", MG_EINVAL, "action 1");
    parse("[{\"kind\":\"helicopter\",\"commune\":\"11069\"}]", MG_EINVAL, "helicopter");
    parse("[{\"kind\":\"gp\",\"commune\":\"99999\"}]", MG_EINVAL, "99999");
    parse("[{\"kind\":\"gp\",\"commune\":\"11069\",\"count\":\"two\"}]", MG_EINVAL, "count");
    parse("[{\"kind\":\"telemedicine_cabin\",\"commune\":\"11069\",\"remote_share\":1.5}]",
          MG_EINVAL, "part des consultations");
    parse("[{\"kind\":\"gp\",\"commune\":\"11069\"},{\"kind\":\"gp\",\"commune\":\"11069\",\"count\":-1e9}]",
          MG_EINVAL, "action 2");
    /* Removing more GPs than a commune has is caught at evaluation. */
    mg_scenario s = parse("[{\"kind\":\"gp\",\"commune\":\"11001\",\"count\":-1}]", 0, NULL);
    double *apl = mg_alloc_array(g->t->n, sizeof *apl);
    mg_diag d = {{0}};
    assert_int_equal(mg_scenario_eval(engine, &s, apl, NULL, &d), MG_EINVAL);
    assert_non_null(strstr(d.msg, "Aigues-Vives"));
    mg_scenario_free(&s);
    /* Actions at one commune add up in order: a GP arrives at Aigues-Vives
     * (which has none), then leaves — fine; the other way round is not. */
    s = parse("[{\"kind\":\"gp\",\"commune\":\"11001\",\"count\":1},"
              "{\"kind\":\"gp\",\"commune\":\"11001\",\"count\":-1}]", 0, NULL);
    mg_diag_clear(&d);
    assert_int_equal(mg_scenario_eval(engine, &s, apl, NULL, &d), 0);
    for (size_t k = 0; k < g->study_n; k++)
        assert_true(fabs(apl[g->study[k]] - g->apl[g->study[k]]) < 1e-12);
    mg_scenario_free(&s);
    s = parse("[{\"kind\":\"gp\",\"commune\":\"11001\",\"count\":-1},"
              "{\"kind\":\"gp\",\"commune\":\"11001\",\"count\":1}]", 0, NULL);
    assert_int_equal(mg_scenario_eval(engine, &s, apl, NULL, &d), MG_EINVAL);
    assert_non_null(strstr(d.msg, "action 1"));
    free(apl);
    mg_scenario_free(&s);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    mg_scenario s = parse("[{\"kind\":\"telemedicine_cabin\",\"commune\":\"11069\",\"hours_per_week\":30}]",
                          0, NULL);
    json_t *j = mg_scenario_to_json(&s, g);
    char *text = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(text, "[{\"commune\":\"11069\",\"consultations_per_hour\":3.0,"
                              "\"hours_per_week\":30.0,\"kind\":\"telemedicine_cabin\","
                              "\"remote_share\":0.69999999999999996,\"weeks_per_year\":47.0}]");
    mg_scenario s2;
    mg_diag d = {{0}};
    assert_int_equal(mg_scenario_from_json(j, g, &s2, &d), 0);
    const mg_action *a = &s.actions[0], *b = &s2.actions[0];
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->commune, b->commune);
    assert_true(a->hours_per_week == b->hours_per_week && b->hours_per_week == 30);
    assert_true(a->consultations_per_hour == b->consultations_per_hour);
    assert_true(a->remote_share == b->remote_share && a->weeks_per_year == b->weeks_per_year);
    free(text);
    json_decref(j);
    mg_scenario_free(&s);
    mg_scenario_free(&s2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_incremental_equals_full),
        cmocka_unit_test(test_empty_scenario_is_base),
        cmocka_unit_test(test_bad_scenarios),
        cmocka_unit_test(test_json_round_trip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
