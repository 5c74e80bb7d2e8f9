/*
 * The official baseline in the web application (docs/web.md): the commune
 * page shows both values and the label, ?base=officielle switches the
 * territory map, scenario pages, exports and the API to the official
 * value plus the model's change (flagged "ramené à 0" below zero), and
 * `maillage serve --baseline official` makes it the pages' default.
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
#include "scenario/baseline.h"
#include "testutil.h"
#include "web/app.h"
#include "web/web.h"
#include "web_fixture.h"

#define FORM "application/x-www-form-urlencoded"
#define JSON "application/json"

static mg_http_response req(const char *method, const char *target, const char *ctype,
                            const char *body)
{
    mg_http_response res;
    mg_http_response_init(&res);
    assert_int_equal(web_request(method, target, ctype, body, body ? strlen(body) : 0, &res), 0);
    return res;
}

static const char *text(const mg_http_response *r)
{
    return r->body.data ? r->body.data : "";
}

/* The value as the pages write it (French: decimal comma). */
static const char *fr(char *buf, size_t cap, double v, int decimals)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    for (char *c = tmp; *c; c++)
        if (*c == '.')
            *c = ',';
    snprintf(buf, cap, "%s", tmp);
    return buf;
}

/* A commune whose GPs, all removed, take some commune's official value plus
 * the model's change below zero: j the commune emptied, *victim the one
 * clamped. Searched in code order on the app's own engine. */
static size_t find_clamp(const mg_app_profession *p, size_t *victim)
{
    const mg_diagnosis *g = p->g;
    size_t n = g->t->n;
    double *apl = mg_alloc_array(n, sizeof *apl);
    for (size_t k = 0; k < g->study_n; k++) {
        size_t j = g->study[k];
        if (!(g->heads[j] >= 1))
            continue;
        mg_action a = mg_action_defaults(MG_RES_GP);
        a.commune = j;
        a.count = -g->heads[j];
        mg_scenario s = {.n = 1, .actions = &a};
        mg_diag d = {{0}};
        assert_int_equal(mg_scenario_eval(p->engine, &s, apl, NULL, &d), 0);
        for (size_t q = 0; q < g->study_n; q++) {
            size_t i = g->study[q];
            if (isfinite(g->official[i]) && g->official[i] + (apl[i] - g->apl[i]) < 0) {
                *victim = i;
                free(apl);
                return j;
            }
        }
    }
    free(apl);
    fail_msg("no commune of the Aude to clamp");
    return 0;
}

/* The commune page shows both values, the baseline's label and the
 * under-served flag on each. */
static void test_commune_page_both_values(void **state)
{
    (void)state;
    const mg_app_profession *p = mg_app_profession_get(app, "mg");
    const mg_diagnosis *g = p->g;
    long i = mg_territory_find(g->t, "11304"); /* Quillan */
    assert_true(i >= 0 && isfinite(g->official[i]));
    mg_http_response r = req("GET", "/commune/11304?profession=mg", NULL, NULL);
    assert_int_equal(r.status, 200);
    const char *h = text(&r);
    char want[256], v[64];
    snprintf(want, sizeof want, "<dt>APL (maillage)</dt><dd>%s</dd>",
             fr(v, sizeof v, g->apl[i], 2));
    if (!strstr(h, want))
        fail_msg("no model value: %s", want);
    snprintf(want, sizeof want, "<dt>APL officielle DREES</dt><dd>%s</dd>",
             fr(v, sizeof v, g->official[i], 2));
    if (!strstr(h, want))
        fail_msg("no official value: %s", want);
    snprintf(want, sizeof want,
             "<dt>Base « APL officielle + effet du scénario (modèle) »</dt><dd>%s</dd>",
             fr(v, sizeof v, g->official[i], 2));
    if (!strstr(h, want))
        fail_msg("no baseline value: %s", want);
    assert_non_null(strstr(h, "Sous le seuil de 2,5, selon le modèle ?"));
    assert_non_null(strstr(h, "Sous le seuil de 2,5, selon l&#39;APL officielle ?") ||
                    strstr(h, "Sous le seuil de 2,5, selon l'APL officielle ?"));
    assert_non_null(strstr(h, "APL des communes, commune sélectionnée entourée"));
    assert_non_null(strstr(h, "/commune/11304?profession=mg&amp;base=officielle\">Carte de "
                              "l&#39;APL officielle</a>") ||
                    strstr(h, "/commune/11304?profession=mg&amp;base=officielle\">Carte de "
                              "l'APL officielle</a>"));
    mg_http_response_free(&r);
    /* On the official baseline, the map is the official one. */
    r = req("GET", "/commune/11304?profession=mg&base=officielle", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "APL officielle des communes, commune sélectionnée entourée"));
    mg_http_response_free(&r);
}

/* The territory page: the APL map on the official baseline, its figures
 * per EPCI, and a link back; an unknown base is a 400. */
static void test_territory_official(void **state)
{
    (void)state;
    const mg_app_profession *p = mg_app_profession_get(app, "mg");
    mg_http_response r = req("GET", "/territoire?profession=mg&base=officielle", NULL, NULL);
    assert_int_equal(r.status, 200);
    const char *h = text(&r);
    assert_non_null(strstr(h, "APL officielle (DREES)</strong>, base des scénarios"));
    assert_non_null(strstr(h, "base=modele\">voir l&#39;APL du modèle</a>") ||
                    strstr(h, "base=modele\">voir l'APL du modèle</a>"));
    /* The figures are the official map's: the population below 2.5. */
    char below[64];
    web_num(below, sizeof below, p->official_summary.territory.below_population, 0);
    assert_non_null(strstr(h, below));
    assert_true(p->official_summary.territory.below_population !=
                p->summary.territory.below_population);
    /* The links of the tables keep the baseline. */
    assert_non_null(strstr(h, "&amp;base=officielle#communes"));
    mg_http_response_free(&r);
    r = req("GET", "/territoire?profession=mg", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "APL du modèle</strong> (maillage)"));
    assert_null(strstr(text(&r), "base=officielle#communes"));
    mg_http_response_free(&r);
    r = req("GET", "/territoire?profession=mg&base=officiel", NULL, NULL);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "Base inconnue"));
    mg_http_response_free(&r);

    /* Its downloads: the map of the official values, titled so, and the
     * table with the flag of the communes shown with the model's value. */
    r = req("GET", "/territoire?profession=mg&base=officielle", NULL, NULL);
    assert_non_null(strstr(text(&r), "/carte.svg?profession=mg&amp;mesure=apl&amp;base=officielle"));
    mg_http_response_free(&r);
    r = req("GET", "/carte.svg?profession=mg&mesure=apl&base=officielle", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.disposition, "maillage-mg-apl-officielle.svg"));
    assert_non_null(strstr(text(&r), "APL officielle (DREES) — "));
    mg_http_response_free(&r);
    r = req("GET", "/telecharger/communes.csv?profession=mg&base=officielle", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), ",official_missing_model_shown,under_served_official_baseline\n"));
    /* The baseline's flag counts what the page counts: as many 1s as the
     * official figures' communes below the threshold. */
    size_t flagged = 0, ones = 0;
    for (size_t k = 0; k < p->g->study_n; k++)
        flagged += p->official_base[p->g->study[k]] < p->g->prof->threshold;
    for (const char *l = strchr(text(&r), '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
        const char *e = strchr(l + 1, '\n');
        ones += e && e - l >= 2 && e[-1] == '1' && e[-2] == ',';
    }
    assert_int_equal(ones, flagged);
    mg_http_response_free(&r);
    r = req("GET", "/carte.svg?profession=mg&base=nulle", NULL, NULL);
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);
}

/* The API: the baseline named in every answer; with no action the values
 * are the official ones; one action adds the model's change; a change
 * below zero gives 0 with "clamped". */
static void test_api_official(void **state)
{
    (void)state;
    const mg_app_profession *p = mg_app_profession_get(app, "mg");
    const mg_diagnosis *g = p->g;
    json_error_t err;
    mg_http_response r = req("GET", "/api/v1/communes/11304?profession=mg&base=official", NULL,
                             NULL);
    assert_int_equal(r.status, 200);
    json_t *j = json_loads(text(&r), 0, &err);
    long q = mg_territory_find(g->t, "11304");
    assert_string_equal(json_string_value(json_object_get(j, "baseline")), "official");
    assert_close(json_number_value(json_object_get(j, "value")), g->official[q], 1e-12);
    assert_string_equal(json_string_value(json_object_get(j, "value_source")), "official");
    json_decref(j);
    mg_http_response_free(&r);

    r = req("POST", "/api/v1/evaluate", JSON,
            "{\"profession\":\"mg\",\"baseline\":\"official\",\"actions\":[]}");
    assert_int_equal(r.status, 200);
    j = json_loads(text(&r), 0, &err);
    assert_string_equal(json_string_value(json_object_get(j, "baseline")), "official");
    assert_int_equal(json_array_size(json_object_get(j, "communes")), 0);
    double before = json_number_value(json_object_get(
        json_object_get(json_object_get(j, "before"), "territory"), "population_below"));
    double after = json_number_value(json_object_get(
        json_object_get(json_object_get(j, "after"), "territory"), "population_below"));
    assert_true(before == after);
    /* (As JSON writes numbers: to 1e-9 relative.) */
    assert_close(before, p->official_summary.territory.below_population, 1e-9 * before);
    json_decref(j);
    mg_http_response_free(&r);

    r = req("POST", "/api/v1/evaluate", JSON,
            "{\"profession\":\"mg\",\"baseline\":\"official\",\"actions\":"
            "[{\"kind\":\"gp\",\"commune\":\"11304\",\"count\":2}]}");
    assert_int_equal(r.status, 200);
    j = json_loads(text(&r), 0, &err);
    json_t *rows = json_object_get(j, "communes");
    assert_true(json_array_size(rows) > 5);
    size_t k;
    json_t *row;
    json_array_foreach(rows, k, row) {
        long i = mg_territory_find(g->t, json_string_value(json_object_get(row, "code_insee")));
        assert_true(i >= 0);
        double b = json_number_value(json_object_get(row, "apl_before"));
        double a = json_number_value(json_object_get(row, "apl_after"));
        double mc = json_number_value(json_object_get(row, "model_change"));
        if (isfinite(g->official[i])) {
            assert_close(b, g->official[i], 1e-12);
            assert_string_equal(json_string_value(json_object_get(row, "source")),
                                "official+model_change");
        }
        assert_close(a - b, mc, 1e-9);
        assert_false(json_is_true(json_object_get(row, "clamped")));
    }
    json_decref(j);
    mg_http_response_free(&r);

    size_t victim, j0 = find_clamp(p, &victim);
    char body[256];
    snprintf(body, sizeof body,
             "{\"profession\":\"mg\",\"baseline\":\"official\",\"actions\":"
             "[{\"kind\":\"gp\",\"commune\":\"%s\",\"count\":%.0f}]}",
             g->t->code[j0], -g->heads[j0]);
    r = req("POST", "/api/v1/evaluate", JSON, body);
    assert_int_equal(r.status, 200);
    j = json_loads(text(&r), 0, &err);
    bool seen = false;
    json_array_foreach(json_object_get(j, "communes"), k, row) {
        if (strcmp(json_string_value(json_object_get(row, "code_insee")), g->t->code[victim]))
            continue;
        seen = true;
        assert_true(json_number_value(json_object_get(row, "apl_after")) == 0);
        assert_true(json_is_true(json_object_get(row, "clamped")));
        assert_true(json_number_value(json_object_get(row, "model_change")) <
                    -g->official[victim]);
    }
    assert_true(seen);
    assert_true(json_integer_value(json_object_get(json_object_get(j, "baseline_counts"),
                                                   "clamped")) >= 1);
    json_decref(j);
    mg_http_response_free(&r);

    r = req("POST", "/api/v1/evaluate", JSON,
            "{\"profession\":\"mg\",\"baseline\":\"drees\",\"actions\":[]}");
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);
}

/* The scenario page on either baseline: the label, the switch, the value
 * brought back to 0 and flagged; the exports keep the baseline. */
static void test_scenario_page_official(void **state)
{
    (void)state;
    const mg_app_profession *p = mg_app_profession_get(app, "mg");
    const mg_diagnosis *g = p->g;
    size_t victim, j0 = find_clamp(p, &victim);
    char body[256];
    snprintf(body, sizeof body, "nom=Départs&profession=mg&organisation=%lld",
             (long long)web_org_id);
    mg_http_response r = req("POST", "/scenarios", FORM, body);
    assert_int_equal(r.status, 303);
    char page[512], target[640];
    snprintf(page, sizeof page, "%s", r.location);
    mg_http_response_free(&r);
    snprintf(target, sizeof target, "%s/actions", page);
    snprintf(body, sizeof body, "kind=gp&commune=%s&count=%.0f", g->t->code[j0], -g->heads[j0]);
    r = req("POST", target, FORM, body);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);

    r = req("GET", page, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Valeurs : <strong>APL du modèle</strong>"));
    assert_non_null(strstr(text(&r), "Voir sur la base de l&#39;APL officielle") ||
                    strstr(text(&r), "Voir sur la base de l'APL officielle"));
    assert_null(strstr(text(&r), "ramené à 0"));
    mg_http_response_free(&r);

    snprintf(target, sizeof target, "%s?base=officielle", page);
    r = req("GET", target, NULL, NULL);
    assert_int_equal(r.status, 200);
    const char *h = text(&r);
    assert_non_null(strstr(h, "Valeurs : <strong>APL officielle + effet du scénario (modèle)"));
    assert_non_null(strstr(h, "<h3>APL officielle + effet du scénario (modèle)</h3>"));
    assert_non_null(strstr(h, "<caption>Chiffres clés — Aude (11) (APL officielle + effet du "
                              "scénario (modèle), en "));
    assert_non_null(strstr(h, "<caption>Communes dont l&#39;APL change (APL officielle") ||
                    strstr(h, "<caption>Communes dont l'APL change (APL officielle"));
    assert_non_null(strstr(h, "ramené à 0</strong>"));
    assert_non_null(strstr(h, "ramenée à 0") || strstr(h, "ramenées à 0"));
    assert_non_null(strstr(h, "Voir l&#39;APL du modèle seul") ||
                    strstr(h, "Voir l'APL du modèle seul"));
    assert_non_null(strstr(h, "scenario="));
    assert_non_null(strstr(h, "&amp;base=officielle\">tableau CSV</a>"));
    mg_http_response_free(&r);

    /* The CSV on the official baseline: the model's column and the shown
     * one, named; the clamped commune at 0 with its flag. */
    const char *id = page + strlen("/scenarios/");
    snprintf(target, sizeof target, "/telecharger/communes.csv?scenario=%s&base=officielle", id);
    r = req("GET", target, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), ",apl_scenario,apl_official_plus_change,clamped_to_zero,"
                                     "official_missing_model_shown"));
    assert_non_null(strstr(r.disposition, "-officielle.csv"));
    char line_start[32];
    snprintf(line_start, sizeof line_start, "\n%s,", g->t->code[victim]);
    const char *line = strstr(text(&r), line_start);
    assert_non_null(line);
    const char *eol = strchr(line + 1, '\n');
    /* …,apl_official_plus_change,clamped_to_zero,official_missing_model_shown */
    assert_non_null(eol);
    char tail[32];
    snprintf(tail, sizeof tail, ",0,1,0");
    assert_true((size_t)(eol - line) > strlen(tail));
    assert_memory_equal(eol - strlen(tail), tail, strlen(tail));
    mg_http_response_free(&r);
}

/* The same application with `--baseline official`: pages and API without
 * ?base= are on the official baseline, ?base=modele still gives the model. */
static int official_setup(void **state)
{
    (void)state;
    return web_setup_on(MG_BASELINE_OFFICIAL, "web-official");
}

static void test_default_official(void **state)
{
    (void)state;
    mg_http_response r = req("GET", "/api/v1/communes?profession=mg", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "\"baseline\": \"official\"") ||
                    strstr(text(&r), "\"baseline\":\"official\""));
    mg_http_response_free(&r);
    r = req("GET", "/territoire?profession=mg", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "APL officielle (DREES)</strong>, base des scénarios"));
    /* The default is left out of links; the model is asked for by name. */
    assert_null(strstr(text(&r), "base=officielle#communes"));
    mg_http_response_free(&r);
    r = req("GET", "/territoire?profession=mg&base=modele", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "APL du modèle</strong> (maillage)"));
    assert_non_null(strstr(text(&r), "&amp;base=modele#communes"));
    mg_http_response_free(&r);
    r = req("GET", "/planification?profession=mg", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "<option value=\"officielle\" selected>"));
    mg_http_response_free(&r);
    r = req("GET", "/planification?profession=mg&calculer=1&cabine=1&chariot=0", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "APL officielle + effet du plan (modèle)"));
    mg_http_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commune_page_both_values),
        cmocka_unit_test(test_territory_official),
        cmocka_unit_test(test_api_official),
        cmocka_unit_test(test_scenario_page_official),
    };
    const struct CMUnitTest official[] = {
        cmocka_unit_test(test_default_official),
    };
    return cmocka_run_group_tests_name("model default", tests, web_setup, web_teardown) +
           cmocka_run_group_tests_name("official default", official, official_setup,
                                       web_teardown);
}
