/*
 * Handler tests: the web application's routes run through mg_http_dispatch
 * (the server's own code path without a network) on the bundled Aude.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pg_fixture.h"
#include "testutil.h"
#include "web/app.h"

static mg_app *app;
static char dir[256];
/* The PostgreSQL database for the second run, "" for SQLite. */
static char pg_url[512];

static int setup(void **state)
{
    (void)state;
    if (test_mkdtemp(dir, sizeof dir, "web"))
        return -1;
    char db[512];
    snprintf(db, sizeof db, "%s/web.sqlite", dir);
    if (pg_url[0])
        snprintf(db, sizeof db, "%s", pg_url);
    mg_app_config cfg = {.opts = mg_diagnosis_defaults(), .database = db};
    cfg.opts.bundle = MG_SOURCE_DIR "/data/demo/11-aude";
    cfg.opts.france = MG_SOURCE_DIR "/data/demo/france";
    mg_diag d = {{0}};
    if (mg_app_new(&app, &cfg, NULL, NULL, &d)) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mg_app_free(app);
    test_remove_tree(dir);
    return 0;
}

/* Runs one request; the response must be freed by the caller. */
static mg_http_response req(const char *method, const char *target, const char *ctype,
                            const char *body)
{
    mg_http_response res;
    mg_http_response_init(&res);
    assert_int_equal(mg_http_dispatch(app->router, method, target, ctype, body,
                                      body ? strlen(body) : 0, &res),
                     0);
    return res;
}

static const char *text(const mg_http_response *r)
{
    return r->body.data ? r->body.data : "";
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

#define FORM "application/x-www-form-urlencoded"
#define JSON "application/json"

static void test_territory_page(void **state)
{
    (void)state;
    mg_http_response r = req("GET", "/", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "<h1>Accès aux médecins généralistes — Aude (11)</h1>"));
    /* The map: one linked path per commune of the Aude. */
    assert_int_equal(count(text(&r), "<a href=\"/commune/"), 433 * 2);
    assert_non_null(strstr(text(&r), "Population sous le seuil (2,5)"));
    assert_non_null(strstr(text(&r), "26\u202f534")); /* people below 2.5, as the CLI prints */
    assert_non_null(strstr(text(&r), "CA Le Grand Narbonne"));
    mg_http_response_free(&r);

    r = req("GET", "/territoire?profession=inf&mesure=3sfca&tri=nom&ordre=desc", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Accès aux infirmiers"));
    /* Sorted by name, descending: Villesèque-des-Corbières before Aigues-Vives. */
    const char *v = strstr(text(&r), ">Villesèque-des-Corbières</a>");
    const char *a = strstr(text(&r), ">Aigues-Vives</a>");
    assert_non_null(v);
    assert_non_null(a);
    assert_true(v < a);
    mg_http_response_free(&r);

    /* EPCI sorted by population, descending: Narbonne (134,606) first,
     * then Carcassonne (114,259), inside the EPCI section. */
    r = req("GET", "/territoire?tri_epci=population&ordre_epci=desc", NULL, NULL);
    assert_int_equal(r.status, 200);
    const char *sec = strstr(text(&r), "<h2 id=\"epci\">");
    assert_non_null(sec);
    const char *nar = strstr(sec, "CA Le Grand Narbonne"), *car = strstr(sec, "CA Carcassonne Agglo");
    const char *cdm = strstr(sec, "CC Aux sources du Canal du Midi");
    assert_true(nar && car && cdm && nar < car && car < cdm);
    mg_http_response_free(&r);
    r = req("GET", "/territoire?tri_epci=couleur", NULL, NULL);
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);

    /* The official values can be mapped too. */
    r = req("GET", "/territoire?mesure=officiel", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "<option value=\"officiel\" selected>"));
    mg_http_response_free(&r);
}

static void test_bad_parameters(void **state)
{
    (void)state;
    static const struct {
        const char *target, *message;
    } cases[] = {
        {"/territoire?profession=veterinaire", "Profession inconnue"},
        {"/territoire?mesure=teleportation", "Mesure inconnue"},
        {"/territoire?tri=couleur", "Tri inconnu"},
        {"/territoire?ordre=haut", "Ordre inconnu"},
        {"/territoire?profession=%ZZ", NULL},
        {"/carte.svg?ecart=1", "demande un scénario"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        mg_http_response r = req("GET", cases[k].target, NULL, NULL);
        if (r.status != 400)
            fail_msg("%s: status %d, expected 400", cases[k].target, r.status);
        assert_non_null(strstr(text(&r), "<html lang=\"fr\">"));
        if (cases[k].message && !strstr(text(&r), cases[k].message))
            fail_msg("%s: body lacks \"%s\"", cases[k].target, cases[k].message);
        mg_http_response_free(&r);
    }
    mg_http_response r = req("GET", "/nulle/part", NULL, NULL);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(text(&r), "Page introuvable"));
    mg_http_response_free(&r);
    r = req("DELETE", "/territoire", NULL, NULL);
    assert_int_equal(r.status, 405);
    mg_http_response_free(&r);
}

static void test_commune_page(void **state)
{
    (void)state;
    mg_http_response r = req("GET", "/commune/11069?profession=mg", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "<h1>Carcassonne (11069)</h1>"));
    assert_non_null(strstr(text(&r), "Pourquoi cette valeur ?"));
    assert_non_null(strstr(text(&r), "Rang dans le territoire"));
    mg_http_response_free(&r);
    /* A former code (Pradelles-en-Val, merged into Val-de-Dagne) redirects. */
    r = req("GET", "/commune/11298", NULL, NULL);
    assert_int_equal(r.status, 303);
    assert_string_equal(r.location, "/commune/11251?profession=mg");
    mg_http_response_free(&r);
    r = req("GET", "/commune/75056", NULL, NULL);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(text(&r), "ne fait pas partie du territoire"));
    mg_http_response_free(&r);
}

/* The contributions of the commune page add up to its APL. */
static void test_commune_contributions_sum(void **state)
{
    (void)state;
    mg_http_response r = req("GET", "/api/v1/communes/11304?profession=mg", NULL, NULL);
    assert_int_equal(r.status, 200);
    json_error_t err;
    json_t *j = json_loads(text(&r), 0, &err);
    assert_non_null(j);
    double apl = json_number_value(json_object_get(j, "apl")), sum = 0;
    size_t k;
    json_t *c;
    json_array_foreach(json_object_get(j, "within_reach"), k, c)
        sum += json_number_value(json_object_get(c, "contribution"));
    assert_true(k > 0);
    assert_close(sum, apl, 1e-9 * apl);
    json_decref(j);
    mg_http_response_free(&r);
}

static double api_change(const char *json_text, const char *code)
{
    json_error_t err;
    json_t *j = json_loads(json_text, 0, &err);
    assert_non_null(j);
    double change = NAN;
    size_t k;
    json_t *c;
    json_array_foreach(json_object_get(j, "communes"), k, c)
        if (strcmp(json_string_value(json_object_get(c, "code_insee")), code) == 0)
            change = json_number_value(json_object_get(c, "change"));
    json_decref(j);
    return change;
}

static void test_scenario_pages(void **state)
{
    (void)state;
    mg_http_response r = req("POST", "/scenarios", FORM, "nom=Cabine+%C3%A0+Quillan&profession=mg");
    assert_int_equal(r.status, 303);
    char page[512];
    snprintf(page, sizeof page, "%s", r.location);
    assert_true(strncmp(page, "/scenarios/", 11) == 0);
    mg_http_response_free(&r);

    char target[640];
    snprintf(target, sizeof target, "%s/actions", page);
    r = req("POST", target, FORM, "kind=telemedicine_cabin&commune=11304&hours_per_week=30");
    assert_int_equal(r.status, 303);
    assert_string_equal(r.location, page);
    mg_http_response_free(&r);

    r = req("GET", page, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Scénario « Cabine à Quillan »"));
    assert_non_null(strstr(text(&r), "cabine de télémédecine"));
    assert_non_null(strstr(text(&r), "Avec le scénario"));
    assert_non_null(strstr(text(&r), "Communes touchées"));
    mg_http_response_free(&r);

    /* The evaluation: Quillan gains 30 × 3 × 47 × 0.7 acts spread over
     * the demand that reaches it. */
    snprintf(target, sizeof target, "/api/v1%s/evaluation", page);
    r = req("GET", target, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(api_change(text(&r), "11304") > 0);
    assert_true(isnan(api_change(text(&r), "11001"))); /* far away: unchanged, not listed */
    mg_http_response_free(&r);

    /* A bad action: the sandbox again, the message in French, status 400. */
    snprintf(target, sizeof target, "%s/actions", page);
    r = req("POST", target, FORM, "kind=telemedicine_cabin&commune=11304&remote_share=5");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "role=\"alert\""));
    assert_non_null(strstr(text(&r), "part des consultations à distance"));
    mg_http_response_free(&r);
    r = req("POST", target, FORM, "kind=gp&commune=11304&count=beaucoup");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "doit être un nombre"));
    mg_http_response_free(&r);

    /* Remove the action, then the scenario. */
    snprintf(target, sizeof target, "%s/actions/1/supprimer", page);
    r = req("POST", target, FORM, "");
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    snprintf(target, sizeof target, "%s/actions/1/supprimer", page);
    r = req("POST", target, FORM, "");
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    snprintf(target, sizeof target, "%s/supprimer", page);
    r = req("POST", target, FORM, "");
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    r = req("GET", page, NULL, NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
}

static void test_escaping(void **state)
{
    (void)state;
    mg_http_response r = req("POST", "/scenarios", FORM,
                             "nom=%3Cscript%3Ealert(1)%3C%2Fscript%3E&profession=mg");
    assert_int_equal(r.status, 303);
    char page[512];
    snprintf(page, sizeof page, "%s", r.location);
    mg_http_response_free(&r);
    r = req("GET", page, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(text(&r), "<script>"));
    assert_non_null(strstr(text(&r), "&lt;script&gt;alert(1)&lt;/script&gt;"));
    mg_http_response_free(&r);
    r = req("GET", "/scenarios", NULL, NULL);
    assert_null(strstr(text(&r), "<script>"));
    mg_http_response_free(&r);
}

static void test_api(void **state)
{
    (void)state;
    mg_http_response r = req("GET", "/api/v1/territory?profession=mg", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/json");
    json_error_t err;
    json_t *j = json_loads(text(&r), 0, &err);
    const mg_app_profession *p = mg_app_profession_get(app, "mg");
    assert_close(json_number_value(json_object_get(
                     json_object_get(json_object_get(j, "summary"), "territory"), "mean")),
                 p->summary.territory.mean, 1e-9);
    json_decref(j);
    mg_http_response_free(&r);

    r = req("POST", "/api/v1/evaluate", JSON, "{\"profession\":\"mg\",\"actions\":[");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "\"error\""));
    assert_non_null(strstr(text(&r), "JSON invalide"));
    mg_http_response_free(&r);
    r = req("POST", "/api/v1/evaluate", JSON,
            "{\"profession\":\"mg\",\"actions\":[{\"kind\":\"gp\",\"commune\":\"11069\",\"count\":2}]}");
    assert_int_equal(r.status, 200);
    assert_true(api_change(text(&r), "11069") > 0);
    mg_http_response_free(&r);
    r = req("POST", "/api/v1/evaluate", JSON,
            "{\"profession\":\"inf\",\"actions\":[{\"kind\":\"telemedicine_cabin\",\"commune\":\"11069\"}]}");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "médecins généralistes"));
    mg_http_response_free(&r);

    r = req("POST", "/api/v1/scenarios", JSON,
            "{\"name\":\"API\",\"profession\":\"mg\",\"actions\":[{\"kind\":\"gp\",\"commune\":\"11304\",\"count\":-1}]}");
    assert_int_equal(r.status, 201);
    j = json_loads(text(&r), 0, &err);
    json_int_t id = json_integer_value(json_object_get(j, "id"));
    assert_true(id > 0);
    json_decref(j);
    mg_http_response_free(&r);
    char target[64];
    snprintf(target, sizeof target, "/api/v1/scenarios/%lld", (long long)id);
    r = req("PUT", target, JSON, "{\"name\":\"API 2\",\"profession\":\"mg\",\"actions\":[]}");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "\"API 2\""));
    mg_http_response_free(&r);
    r = req("DELETE", target, NULL, NULL);
    assert_int_equal(r.status, 204);
    mg_http_response_free(&r);
    r = req("GET", target, NULL, NULL);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(text(&r), "\"status\":404"));
    mg_http_response_free(&r);
}

static void test_downloads(void **state)
{
    (void)state;
    mg_http_response r = req("GET", "/carte.svg?profession=mg", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "image/svg+xml");
    assert_true(strncmp(text(&r), "<?xml", 5) == 0);
    assert_non_null(strstr(r.disposition, "maillage-mg-apl.svg"));
    mg_http_response_free(&r);
    r = req("GET", "/carte.png?profession=sf", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(r.body.len > 1000 && memcmp(r.body.data, "\x89PNG\r\n\x1a\n", 8) == 0);
    mg_http_response_free(&r);
    r = req("GET", "/telecharger/communes.csv?profession=mg", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(strncmp(text(&r), "code_insee,nom,departement,epci_code", 36) == 0);
    assert_int_equal(count(text(&r), "\n"), 434);
    mg_http_response_free(&r);
    r = req("GET", "/telecharger/communes.geojson?profession=mg", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "\"FeatureCollection\""));
    mg_http_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_territory_page),
        cmocka_unit_test(test_bad_parameters),
        cmocka_unit_test(test_commune_page),
        cmocka_unit_test(test_commune_contributions_sum),
        cmocka_unit_test(test_scenario_pages),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_api),
        cmocka_unit_test(test_downloads),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, teardown);
    /* The same pages and API on PostgreSQL. */
    int pg = test_pg_database("mg_test_web", pg_url, sizeof pg_url);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, teardown);
}
