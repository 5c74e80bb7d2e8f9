/*
 * Scopes (diagnosis/scope.h) and the pages that use them (issue 13,
 * sections 1 and 3): an EPCI's figures equal those computed on its
 * communes alone from the full values; /epci/{siren} and
 * /territoire?perimetre= show only the scope's communes and keep it in
 * their links; the agreement with the DREES lists the communes flagged by
 * one side only; the commune page explains the gap. Expected values are
 * computed here from the app's arrays, not written down.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "diagnosis/scope.h"
#include "output/table.h"
#include "testutil.h"
#include "web/app.h"
#include "web_fixture.h"

#define SIREN "200035707" /* CC Piège Lauragais Malepère */

static mg_http_response get(const char *target)
{
    mg_http_response res;
    mg_http_response_init(&res);
    assert_int_equal(web_request("GET", target, NULL, NULL, 0, &res), 0);
    return res;
}

static const char *text(const mg_http_response *r)
{
    return r->body.data ? r->body.data : "";
}

static size_t count_in(const char *from, const char *to, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(from, needle); p && (!to || p < to); p = strstr(p + 1, needle))
        n++;
    return n;
}

static long epci_index(const mg_territory *t, const char *code)
{
    for (size_t e = 0; e < t->nepci; e++)
        if (strcmp(t->epci_code[e], code) == 0)
            return (long)e;
    return -1;
}

/* The scope of an EPCI: its communes, and figures equal to the EPCI's row
 * of the territory's summary and to a computation on its communes alone. */
static void test_scope_epci_figures(void **state)
{
    (void)state;
    const mg_app_profession *p = mg_app_profession_get(app, "mg");
    const mg_diagnosis *g = p->g;
    const mg_territory *t = g->t;
    long e = epci_index(t, SIREN);
    assert_true(e >= 0);
    mg_scope s;
    mg_diag d = {{0}};
    assert_int_equal(mg_scope_parse(g, "epci:" SIREN, &s, &d), MG_OK);
    assert_int_equal(s.kind, MG_SCOPE_EPCI);
    assert_string_equal(s.key, "epci:" SIREN);
    assert_string_equal(s.label, t->epci_name[e]);
    size_t expected = 0;
    double wsum = 0, vsum = 0, below = 0;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        if (t->epci[i] != (int32_t)e)
            continue;
        expected++;
        wsum += g->demand[i];
        vsum += g->apl[i] * g->demand[i];
        if (g->apl[i] < g->prof->threshold)
            below += t->population[i];
    }
    assert_int_equal(s.n, expected);
    assert_int_equal(s.n, 38);
    for (size_t k = 0; k < s.n; k++)
        assert_int_equal(t->epci[s.idx[k]], (int32_t)e);

    mg_summary sum;
    assert_int_equal(mg_scope_summary(g, &s, g->apl, g->official, g->prof->threshold, &sum, &d),
                     MG_OK);
    assert_int_equal(sum.territory.communes, expected);
    assert_true(fabs(sum.territory.mean - vsum / wsum) < 1e-9);
    assert_true(fabs(sum.territory.below_population - below) < 1e-6);
    /* The same as the EPCI's row of the whole territory's figures. */
    const mg_summary *all = &p->measure_summary[0];
    const mg_area_summary *row = NULL;
    for (size_t k = 0; k < all->nepci; k++)
        if (strcmp(all->epci[k].code, SIREN) == 0)
            row = &all->epci[k];
    assert_non_null(row);
    assert_true(fabs(row->mean - sum.territory.mean) < 1e-12);
    assert_true(fabs(row->population - sum.territory.population) < 1e-9);
    assert_true(fabs(row->gini - sum.territory.gini) < 1e-12);
    assert_true(fabs(row->below_population - sum.territory.below_population) < 1e-9);
    assert_int_equal(sum.nepci, 1);
    mg_summary_free(&sum);
    mg_scope_free(&s);
}

static void test_scope_lists_and_refusals(void **state)
{
    (void)state;
    const mg_diagnosis *g = mg_app_profession_get(app, "mg")->g;
    mg_scope s;
    mg_diag d = {{0}};
    /* Order and duplicates do not matter; the key is canonical. */
    assert_int_equal(mg_scope_parse(g, "communes:11076, 11069;11076", &s, &d), MG_OK);
    assert_int_equal(s.kind, MG_SCOPE_COMMUNES);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.key, "communes:11069,11076");
    assert_string_equal(s.label, "2 communes");
    mg_scope_free(&s);
    assert_int_equal(mg_scope_parse(g, "", &s, &d), MG_OK);
    assert_int_equal(s.kind, MG_SCOPE_ALL);
    assert_int_equal(s.n, g->study_n);
    mg_scope_free(&s);
    const char *bad[] = {"epci:123", "epci:", "communes:", "communes:99999", "communes:11069,abc",
                         "commune:11069", "xyz", "epci:200035707x"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        d = (mg_diag){{0}};
        assert_int_equal(mg_scope_parse(g, bad[k], &s, &d), MG_EINVAL);
        assert_true(d.msg[0] != '\0');
        assert_null(s.idx);
    }
}

/* The communes of the commune table: its row links. */
static size_t table_rows(const char *page)
{
    const char *t = strstr(page, "<table class=\"communes\">");
    assert_non_null(t);
    const char *end = strstr(t, "</tbody>");
    assert_non_null(end);
    return count_in(t, end, "<tr>") + count_in(t, end, "<tr class=\"under\">") - 1;
}

static void test_epci_page(void **state)
{
    (void)state;
    const mg_app_profession *p = mg_app_profession_get(app, "mg");
    const mg_diagnosis *g = p->g;
    const mg_territory *t = g->t;
    long e = epci_index(t, SIREN);
    mg_http_response r = get("/epci/" SIREN "?profession=mg&base=modele");
    assert_int_equal(r.status, 200);
    const char *s = text(&r);
    assert_non_null(strstr(s, "Périmètre : <strong>"));
    assert_non_null(strstr(s, "38 communes sur les 433"));
    assert_int_equal(table_rows(s), 38);
    /* The under-served list: the EPCI's communes below the threshold on
     * the model's values, counted here. */
    size_t under = 0;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        under += t->epci[i] == (int32_t)e && g->apl[i] < g->prof->threshold;
    }
    char want[128];
    snprintf(want, sizeof want, "<strong>%zu communes sur 38</strong>", under);
    assert_non_null(strstr(s, want));
    /* The share of inhabitants below it: of the same inhabitants as the
     * count beside it, not of standardised population. */
    double inh = 0, below = 0;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        if (t->epci[i] != (int32_t)e)
            continue;
        inh += t->population[i];
        below += g->apl[i] < g->prof->threshold ? t->population[i] : 0;
    }
    snprintf(want, sizeof want, "Part des habitants sous le seuil</dt><dd>%.1f", 100 * below / inh);
    *strrchr(want, '.') = ',';
    assert_non_null(strstr(s, want));
    /* Its links stay on the EPCI's page; no EPCI table on it. */
    assert_non_null(strstr(s, "href=\"/epci/" SIREN "?profession=mg&amp;mesure=apl&amp;tri="));
    assert_null(strstr(s, "id=\"epci\""));
    /* Downloads carry the scope. */
    assert_non_null(strstr(s, "perimetre=epci%3A" SIREN));
    mg_http_response_free(&r);

    r = get("/epci/123456789");
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    r = get("/epci/abc");
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
}

static void test_territory_perimetre(void **state)
{
    (void)state;
    mg_http_response r = get("/territoire?profession=mg&perimetre=communes%3A11069%2C11076");
    assert_int_equal(r.status, 200);
    const char *s = text(&r);
    assert_int_equal(table_rows(s), 2);
    assert_non_null(strstr(s, "perimetre=communes%3A11069%2C11076"));
    /* The scope's choices: the whole territory, the EPCI, this list. */
    assert_non_null(strstr(s, "<option value=\"epci:" SIREN "\">"));
    assert_non_null(strstr(s, "<option value=\"communes:11069,11076\" selected>"));
    mg_http_response_free(&r);

    /* An EPCI chosen in the form is that EPCI's page. */
    r = get("/territoire?profession=mg&perimetre=epci%3A" SIREN);
    assert_int_equal(r.status, 200);
    assert_int_equal(table_rows(text(&r)), 38);
    assert_non_null(strstr(text(&r), "href=\"/epci/" SIREN "?"));
    mg_http_response_free(&r);

    r = get("/territoire?perimetre=epci%3A999");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "epci:999"));
    mg_http_response_free(&r);
    r = get("/territoire?perimetre=communes%3A11069%2C34172");
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);

    /* The whole territory links each EPCI to its page. */
    r = get("/territoire?profession=inf");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "href=\"/epci/" SIREN "?profession=inf\""));
    mg_http_response_free(&r);
}

/* The agreement section: one link to a commune's explanation per commune
 * below the threshold on one side only, counted here. */
static void test_agreement_lists(void **state)
{
    (void)state;
    const mg_diagnosis *g = mg_app_profession_get(app, "mg")->g;
    const mg_territory *t = g->t;
    long e = epci_index(t, SIREN);
    size_t one_side = 0;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        if (t->epci[i] != (int32_t)e || !isfinite(g->official[i]))
            continue;
        double ours = mg_output_round(g->apl[i]);
        one_side += (ours < g->prof->threshold) != (g->official[i] < g->prof->threshold);
    }
    mg_http_response r = get("/epci/" SIREN "?profession=mg");
    assert_int_equal(r.status, 200);
    const char *s = text(&r);
    const char *from = strstr(s, "id=\"accord\"");
    assert_non_null(from);
    const char *to = strstr(from, "</section>");
    assert_int_equal(count_in(from, to, "#ecart\">"), one_side);
    assert_non_null(strstr(from, "Spearman"));
    assert_non_null(strstr(from, "Sous le seuil selon le modèle (maillage)</title>"));
    assert_non_null(strstr(from, "Sous le seuil selon la DREES (APL officielle)</title>"));
    mg_http_response_free(&r);
    /* The whole territory draws them on demand only. */
    r = get("/territoire?profession=mg");
    assert_null(strstr(text(&r), "Sous le seuil selon la DREES (APL officielle)</title>"));
    assert_non_null(strstr(text(&r), "cartes=accord#accord"));
    mg_http_response_free(&r);
    r = get("/territoire?profession=mg&cartes=accord");
    assert_non_null(strstr(text(&r), "Sous le seuil selon le modèle (maillage)</title>"));
    assert_non_null(strstr(text(&r), "Sous le seuil selon la DREES (APL officielle)</title>"));
    mg_http_response_free(&r);
}

static void test_commune_gap(void **state)
{
    (void)state;
    mg_http_response r = get("/commune/11069?profession=mg");
    assert_int_equal(r.status, 200);
    const char *s = text(&r);
    const char *sec = strstr(s, "id=\"ecart\"");
    assert_non_null(sec);
    assert_non_null(strstr(sec, "Modèle : <strong>"));
    assert_non_null(strstr(sec, "DREES : <strong>"));
    assert_non_null(strstr(s, "<dt>EPCI</dt><dd><a href=\"/epci/"));
    mg_http_response_free(&r);
}

/* A layer's class as a scope, its section on the territory page, its
 * column in the commune table and its line on the commune page. */
static void test_layer_pages(void **state)
{
    (void)state;
    const mg_app_profession *p = mg_app_profession_get(app, "mg");
    const mg_territory *t = p->g->t;
    /* The example classes by population: bourgs-centres counted here. */
    size_t bourgs = 0;
    for (size_t k = 0; k < p->g->study_n; k++) {
        double pop = t->population[p->g->study[k]];
        bourgs += pop >= 2000 && pop < 10000;
    }
    mg_http_response r = get("/territoire?profession=mg&perimetre=couche%3Atypologie-exemple"
                             "%3Abourg-centre");
    assert_int_equal(r.status, 200);
    const char *s = text(&r);
    assert_int_equal(table_rows(s), bourgs);
    assert_non_null(strstr(s, "bourg-centre — Typologie des communes (exemple) (2026)"));
    assert_non_null(strstr(s, "<option value=\"couche:typologie-exemple:bourg-centre\" selected>"));
    mg_http_response_free(&r);

    r = get("/territoire?profession=mg");
    s = text(&r);
    const char *sec = strstr(s, "<h2 id=\"couche-0\">Couche : Typologie des communes (exemple)");
    assert_non_null(sec);
    char want[64];
    snprintf(want, sizeof want, "bourg-centre</a></th><td>%zu</td>", bourgs);
    assert_non_null(strstr(sec, want));
    /* The map's legend and titles name the classes. */
    assert_non_null(strstr(sec, "Carcassonne (11069) : pôle urbain"));
    assert_non_null(strstr(s, "<th scope=\"col\">Typologie des communes (exemple)</th>"));
    mg_http_response_free(&r);

    r = get("/commune/11069?profession=mg");
    assert_non_null(strstr(text(&r), "<dt>Typologie des communes (exemple) (2026)</dt>"
                                     "<dd>pôle urbain</dd>"));
    mg_http_response_free(&r);

    /* Maps and the fiche name every input with its year, the layer's too. */
    static const char *const with_sources[] = {"/territoire", "/carte.svg?perimetre=epci%3A" SIREN};
    for (size_t k = 0; k < 2; k++) {
        r = get(with_sources[k]);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(text(&r), "Sources : DREES APL 2021, INSEE BPE 2019"));
        assert_non_null(strstr(text(&r), "Typologie des communes (exemple) 2026"));
        assert_non_null(strstr(text(&r), "calcul maillage"));
        mg_http_response_free(&r);
    }

    r = get("/territoire?perimetre=couche%3Atypologie-exemple%3Ametropole");
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);
    r = get("/territoire?perimetre=couche%3Aautre%3Abourg-centre");
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);
}

/* The method page states the travel-time model as loaded, and the layers. */
static void test_method_page(void **state)
{
    (void)state;
    const mg_diagnosis *g = mg_app_profession_get(app, "mg")->g;
    char want[64];
    snprintf(want, sizeof want, " à %.0f km/h, plus ", g->opts.crowfly.speed_kmh);
    mg_http_response r = get("/methode");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), want));
    assert_non_null(strstr(text(&r), "<h2>Couches</h2><ul><li>Typologie des communes (exemple)"));
    mg_http_response_free(&r);
}

/* The JSON API takes the same scopes: the EPCI's figures and rows. */
static void test_api_scope(void **state)
{
    (void)state;
    const mg_app_profession *p = mg_app_profession_get(app, "mg");
    const mg_summary *all = &p->measure_summary[0];
    const mg_area_summary *row = NULL;
    for (size_t k = 0; k < all->nepci; k++)
        if (strcmp(all->epci[k].code, SIREN) == 0)
            row = &all->epci[k];
    assert_non_null(row);
    mg_http_response r = get("/api/v1/territory?profession=mg&base=modele&perimetre=epci%3A" SIREN);
    assert_int_equal(r.status, 200);
    json_error_t je;
    json_t *j = json_loadb(r.body.data, r.body.len, 0, &je);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "scope"), "key")),
                        "epci:" SIREN);
    json_t *t = json_object_get(json_object_get(j, "summary"), "territory");
    assert_int_equal(json_integer_value(json_object_get(t, "communes")), 38);
    assert_true(fabs(json_real_value(json_object_get(t, "mean")) - row->mean) < 1e-9);
    json_decref(j);
    mg_http_response_free(&r);

    r = get("/api/v1/communes?profession=mg&perimetre=epci%3A" SIREN);
    assert_int_equal(r.status, 200);
    j = json_loadb(r.body.data, r.body.len, 0, &je);
    assert_non_null(j);
    assert_int_equal(json_array_size(json_object_get(j, "communes")), 38);
    json_decref(j);
    mg_http_response_free(&r);

    r = get("/api/v1/communes?perimetre=epci%3A1");
    assert_int_equal(r.status, 400);
    j = json_loadb(r.body.data, r.body.len, 0, &je);
    assert_non_null(j);
    assert_non_null(json_object_get(j, "error"));
    json_decref(j);
    mg_http_response_free(&r);
}

/* What may be gzipped (mg_http_compress): a visitor's page without form
 * token, not the log-in page (its token) nor a signed-in account's page. */
static void test_compressible(void **state)
{
    (void)state;
    static const struct {
        const char *target;
        bool anonymous, compressible;
    } cases[] = {
        {"/territoire", true, true},
        {"/epci/" SIREN, true, true},
        {"/telecharger/communes.csv", true, true},
        {"/connexion", true, false},
        {"/territoire", false, false},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        mg_http_response r;
        mg_http_response_init(&r);
        if (cases[k].anonymous)
            assert_int_equal(mg_http_dispatch_with(app->router, "GET", cases[k].target, NULL, NULL,
                                                   NULL, 0, &r),
                             0);
        else
            assert_int_equal(web_request("GET", cases[k].target, NULL, NULL, 0, &r), 0);
        assert_int_equal(r.status, 200);
        if (r.compressible != cases[k].compressible)
            fail_msg("%s (%s): compressible %d", cases[k].target,
                     cases[k].anonymous ? "visitor" : "signed in", r.compressible);
        mg_http_response_free(&r);
    }
}

static int setup_with_layer(void **state)
{
    web_fixture_layer = MG_SOURCE_DIR "/data/demo/layers/typologie-exemple.layer";
    return web_setup(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_epci_figures),
        cmocka_unit_test(test_scope_lists_and_refusals),
        cmocka_unit_test(test_epci_page),
        cmocka_unit_test(test_territory_perimetre),
        cmocka_unit_test(test_agreement_lists),
        cmocka_unit_test(test_commune_gap),
        cmocka_unit_test(test_layer_pages),
        cmocka_unit_test(test_method_page),
        cmocka_unit_test(test_compressible),
        cmocka_unit_test(test_api_scope),
    };
    return cmocka_run_group_tests(tests, setup_with_layer, web_teardown);
}
