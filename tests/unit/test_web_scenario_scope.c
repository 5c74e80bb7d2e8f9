/*
 * The scenario pages of issue 13 (sections 1, 2 and 6) on the demo Aude,
 * through the application's routes: the commune typed by name in the
 * action form and the suggestions' JSON; a scenario's results on a scope
 * (?perimetre=) and on the whole territory, their counts of communes below
 * the threshold equal to the territory page's and to a count made here
 * from the engine's values; the map framed on the scope; the scope kept in
 * links, forms and redirections; the downloads (XLSX and French CSV beside
 * the CSV, with the same parameters); actions named for the profession,
 * their defaults stated and editable; a profession without a threshold
 * said in words.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diagnosis/scope.h"
#include "scenario/baseline.h"
#include "testutil.h"
#include "web/app.h"
#include "web/web.h"
#include "web_fixture.h"

#define FORM "application/x-www-form-urlencoded"
/* Communauté de communes Piège-Lauragais-Malepère. */
#define SIREN "200035707"
#define SCOPE "epci:" SIREN
#define SCOPE_URL "epci%3A" SIREN
/* The same in a format string. */
#define SCOPE_URL_FMT "epci%%3A" SIREN

static mg_http_response req(const char *method, const char *target, const char *body)
{
    mg_http_response res;
    mg_http_response_init(&res);
    assert_int_equal(web_request(method, target, body ? FORM : NULL, body,
                                 body ? strlen(body) : 0, &res),
                     0);
    return res;
}

static const char *text(const mg_http_response *r)
{
    return r->body.data ? r->body.data : "";
}

static void has(const mg_http_response *r, const char *part)
{
    if (!strstr(text(r), part))
        fail_msg("the page lacks « %s »", part);
}

/* A new scenario of profession prof; its path in page. */
static void new_scenario(const char *name, const char *prof, char *page, size_t cap)
{
    char body[600];
    snprintf(body, sizeof body, "nom=%s&profession=%s&organisation=%lld", name, prof,
             (long long)web_org_id);
    mg_http_response r = req("POST", "/scenarios", body);
    assert_int_equal(r.status, 303);
    assert_true(strlen(r.location) < cap);
    memcpy(page, r.location, strlen(r.location) + 1);
    mg_http_response_free(&r);
}

/* Adds an action (form body, csrf added by the fixture's header); the
 * status. */
static int add(const char *page, const char *body)
{
    char target[600];
    snprintf(target, sizeof target, "%s/actions", page);
    mg_http_response r = req("POST", target, body);
    int status = r.status;
    mg_http_response_free(&r);
    return status;
}

static void test_suggestions_json(void **state)
{
    (void)state;
    mg_http_response r = req("GET", "/api/communes?q=castel&profession=mg", NULL);
    assert_int_equal(r.status, 200);
    json_error_t e;
    json_t *doc = json_loads(text(&r), 0, &e);
    assert_non_null(doc);
    json_t *list = json_object_get(doc, "communes");
    assert_true(json_array_size(list) >= 3 && json_array_size(list) <= 10);
    /* Names starting with it first, by name: "castelnau d aude" before
     * "castelnaudary" (a space sorts first), then Castelreng; then names
     * holding it (Cascastel-des-Corbières…). */
    static const char *const codes[] = {"11077", "11076", "11078"};
    for (size_t k = 0; k < 3; k++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(list, k), "code")),
                            codes[k]);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "libelle")),
                        "Castelnaudary (11076)");
    json_decref(doc);
    mg_http_response_free(&r);
    /* At most ten; nothing asked, nothing answered; an unknown profession
     * is a 400. */
    r = req("GET", "/api/communes?q=11&profession=inf", NULL);
    assert_int_equal(r.status, 200);
    doc = json_loads(text(&r), 0, &e);
    assert_int_equal(json_array_size(json_object_get(doc, "communes")), 10);
    json_decref(doc);
    mg_http_response_free(&r);
    r = req("GET", "/api/communes?profession=mg", NULL);
    assert_int_equal(r.status, 200);
    has(&r, "\"communes\":[]");
    mg_http_response_free(&r);
    r = req("GET", "/api/communes?q=castel&profession=xx", NULL);
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);
}

static void test_commune_typed_by_name(void **state)
{
    (void)state;
    char page[256];
    new_scenario("Par+le+nom", "mg", page, sizeof page);
    mg_http_response r = req("GET", page, NULL);
    assert_int_equal(r.status, 200);
    /* A text field with the territory's communes suggested, no select. */
    has(&r, "id=\"action-commune\" name=\"commune\" required aria-describedby=\"action-commune-aide\" "
            "type=\"text\" list=\"action-communes\"");
    has(&r, "<datalist id=\"action-communes\">");
    has(&r, "<option value=\"Castelnaudary (11076)\"></option>");
    assert_null(strstr(text(&r), "<select id=\"action-commune\""));
    mg_http_response_free(&r);

    /* By name, in lower case; by name and code; a number as typed in
     * French (1 000 with a narrow no-break space). */
    assert_int_equal(add(page, "kind=gp&commune=castelnaudary&count=2"), 303);
    assert_int_equal(add(page, "kind=gp&commune=Bellegarde-du-Raz%C3%A8s+%2811032%29"), 303);
    assert_int_equal(add(page, "kind=gp&commune=st+papoul&count=1%E2%80%AF000"), 303);
    char target[300];
    snprintf(target, sizeof target, "/api/v1%s", page);
    r = req("GET", target, NULL);
    has(&r, "\"commune\":\"11076\"");
    has(&r, "\"commune\":\"11032\"");
    has(&r, "\"commune\":\"11361\"");
    has(&r, "\"count\":1000");
    mg_http_response_free(&r);

    /* Only the start of a name: refused beside the field, what was typed
     * kept, the close matches named. */
    snprintf(target, sizeof target, "%s/actions", page);
    r = req("POST", target, "kind=gp&commune=castel&count=1");
    assert_int_equal(r.status, 400);
    has(&r, "value=\"castel\"");
    has(&r, "aria-describedby=\"action-commune-erreur\" aria-invalid=\"true\"");
    has(&r, "<p class=\"field-error\" id=\"action-commune-erreur\">« Commune » : aucune commune");
    has(&r, "Castelnau-d&#39;Aude (11077), Castelnaudary (11076), Castelreng (11078)");
    has(&r, "value=\"1\""); /* the other fields as typed */
    mg_http_response_free(&r);
}

/* The communes of idx below thr under `values`, and their inhabitants:
 * counted here from the app's arrays, as the pages should. */
static size_t below(const size_t *idx, size_t n, const double *values, double thr, double *inh)
{
    size_t c = 0;
    *inh = 0;
    for (size_t k = 0; k < n; k++)
        if (values[idx[k]] < thr) {
            c++;
            *inh += app->prof[0].g->t->population[idx[k]];
        }
    return c;
}

/* "N commune(s)" as the pages write it. */
static void communes_text(char *out, size_t cap, size_t n)
{
    snprintf(out, cap, "%zu commune%s", n, n > 1 ? "s" : "");
}

static void test_scope_results(void **state)
{
    (void)state;
    const mg_app_profession *p = &app->prof[0];
    const mg_diagnosis *g = p->g;
    double thr = g->prof->threshold;
    /* The scope's communes, found here by their EPCI. */
    long e = -1;
    for (size_t k = 0; k < g->t->nepci; k++)
        if (strcmp(g->t->epci_code[k], SIREN) == 0)
            e = (long)k;
    assert_true(e >= 0);
    /* Its name as the territory spells it (no character to escape). */
    const char *epci_name = g->t->epci_name[e];
    assert_null(strpbrk(epci_name, "&<>\"'"));
    size_t *idx = malloc(g->study_n * sizeof *idx), n = 0;
    assert_non_null(idx);
    for (size_t k = 0; k < g->study_n; k++)
        if (g->t->epci[g->study[k]] == e)
            idx[n++] = g->study[k];
    assert_int_equal(n, 38);

    /* The Département's decision: one cabin and two carts, at the three
     * communes of the scope with the lowest APL today. */
    size_t site[3] = {0};
    for (size_t q = 0; q < 3; q++) {
        double best = INFINITY;
        for (size_t k = 0; k < n; k++) {
            bool taken = false;
            for (size_t r = 0; r < q; r++)
                taken = taken || site[r] == idx[k];
            if (!taken && g->apl[idx[k]] < best) {
                best = g->apl[idx[k]];
                site[q] = idx[k];
            }
        }
    }
    char page[256], body[600];
    new_scenario("Cabine+et+chariots", "mg", page, sizeof page);
    snprintf(body, sizeof body, "kind=telemedicine_cabin&commune=%s&perimetre=" SCOPE_URL_FMT,
             g->t->code[site[0]]);
    char target[600];
    snprintf(target, sizeof target, "%s/actions", page);
    mg_http_response r = req("POST", target, body);
    /* Back on the scope. */
    assert_int_equal(r.status, 303);
    char want[600];
    snprintf(want, sizeof want, "%s?perimetre=" SCOPE_URL_FMT, page);
    assert_string_equal(r.location, want);
    mg_http_response_free(&r);
    for (size_t q = 1; q < 3; q++) {
        snprintf(body, sizeof body, "kind=teleconsultation_cart&commune=%s", g->t->code[site[q]]);
        assert_int_equal(add(page, body), 303);
    }

    /* The values after, from the engine, and on each baseline. */
    mg_scenario sc = {0};
    mg_diag d = {{0}};
    json_t *actions = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "kind", "telemedicine_cabin",
                                "commune", g->t->code[site[0]], "kind", "teleconsultation_cart",
                                "commune", g->t->code[site[1]], "kind", "teleconsultation_cart",
                                "commune", g->t->code[site[2]]);
    assert_int_equal(mg_scenario_from_json(actions, g, &sc, &d), 0);
    json_decref(actions);
    double *after = malloc(g->t->n * sizeof *after), *shown = malloc(g->t->n * sizeof *shown);
    assert_true(after && shown);
    assert_int_equal(mg_scenario_eval(p->engine, &sc, after, NULL, &d), 0);

    static const char *const bases[] = {"modele", "officielle"};
    size_t scope_below[2][2] = {{0}}; /* [base][before, after] */
    for (int b = 0; b < 2; b++) {
        enum mg_baseline base = b ? MG_BASELINE_OFFICIAL : MG_BASELINE_MODEL;
        const double *before = mg_app_baseline_values(p, base);
        mg_baseline_apply(base, g->t->n, g->official, g->apl, after, shown, NULL, NULL, NULL);
        double ib, ia, tb, ta;
        size_t sb = below(idx, n, before, thr, &ib), sa = below(idx, n, shown, thr, &ia);
        size_t wb = below(g->study, g->study_n, before, thr, &tb);
        size_t wa = below(g->study, g->study_n, shown, thr, &ta);
        assert_true(sa <= sb && wa <= wb && wb > sb);
        scope_below[b][0] = sb;
        scope_below[b][1] = sa;

        snprintf(target, sizeof target, "%s?perimetre=" SCOPE_URL_FMT "&base=%s", page, bases[b]);
        r = req("GET", target, NULL);
        assert_int_equal(r.status, 200);
        /* The sentence, for the scope and the whole territory. */
        char c1[32], c2[32], s1[400], s2[200], h0[32], h1[32];
        communes_text(c1, sizeof c1, sa);
        communes_text(c2, sizeof c2, wa);
        if (sb == sa)
            snprintf(s1, sizeof s1, "<strong>%s</strong> reste à %s sous le seuil", epci_name, c1);
        else
            snprintf(s1, sizeof s1, "<strong>%s</strong> passe de %zu à %s sous le seuil",
                     epci_name, sb, c1);
        if (wb == wa)
            snprintf(s2, sizeof s2, " ; tout le territoire (Aude (11)) reste à %s", c2);
        else
            snprintf(s2, sizeof s2, " ; tout le territoire (Aude (11)) de %zu à %s", wb, c2);
        if (!strstr(text(&r), s1) || !strstr(text(&r), s2)) {
            const char *at = strstr(text(&r), "id=\"bilan\"");
            fail_msg("expected « %s » and « %s », found « %.600s »", s1, s2, at ? at : "");
        }
        web_num(h0, sizeof h0, ib, 0);
        web_num(h1, sizeof h1, ia, 0);
        snprintf(s1, sizeof s1, "(habitants de ces communes : %s → %s)", h0, h1);
        has(&r, s1);
        /* Two tables of figures: the scope's, then the territory's, each
         * with its count of communes below the threshold. */
        snprintf(s1, sizeof s1, "<caption>Chiffres clés — %s (", epci_name);
        has(&r, s1);
        has(&r, "<caption>Chiffres clés — tout le territoire, Aude (11) (");
        snprintf(s1, sizeof s1, "<tr><th scope=\"row\">Communes sous le seuil (2,5)</th><td>%zu</td><td>%zu</td>", sb, sa);
        has(&r, s1);
        snprintf(s1, sizeof s1, "<tr><th scope=\"row\">Communes sous le seuil (2,5)</th><td>%zu</td><td>%zu</td>", wb, wa);
        has(&r, s1);
        has(&r, "APL moyenne (pondérée par la population standardisée)");
        has(&r, "Habitants des communes sous le seuil");
        /* The map framed on the scope, the sites marked. */
        has(&r, "hors du périmètre");
        has(&r, "Cabine de télémédecine");
        /* The changed communes of the scope only. */
        snprintf(s1, sizeof s1, "Communes du périmètre « %s » seulement.", epci_name);
        has(&r, s1);
        /* The scope kept: the choice, the downloads (XLSX and French CSV
         * with the CSV's parameters), the other baseline, the action form. */
        snprintf(s1, sizeof s1, "<option value=\"" SCOPE "\" selected>%s</option>", epci_name);
        has(&r, s1);
        const char *id = page + strlen("/scenarios/");
        static const char *const files[] = {"communes.csv", "communes.xlsx", "communes-fr.csv"};
        for (size_t f = 0; f < 3; f++) {
            snprintf(s1, sizeof s1, "href=\"/telecharger/%s?scenario=%s&amp;base=%s&amp;perimetre=" SCOPE_URL_FMT "\"",
                     files[f], id, bases[b]);
            has(&r, s1);
        }
        snprintf(s1, sizeof s1, "base=%s&amp;perimetre=" SCOPE_URL_FMT, bases[1 - b]);
        has(&r, s1);
        has(&r, "<input type=\"hidden\" name=\"perimetre\" value=\"" SCOPE "\">");
        mg_http_response_free(&r);

        /* The territory page counts the scope's communes below the
         * threshold as the scenario page does before the scenario. */
        snprintf(target, sizeof target, "/territoire?profession=mg&perimetre=" SCOPE_URL_FMT "&base=%s",
                 bases[b]);
        r = req("GET", target, NULL);
        assert_int_equal(r.status, 200);
        snprintf(s1, sizeof s1, "<strong>%zu commune%s sur %zu</strong>, %s habitants", sb,
                 sb > 1 ? "s" : "", n, h0);
        has(&r, s1);
        mg_http_response_free(&r);
    }
    /* The comparison on the scope: its figures, then the territory's. */
    for (int b = 0; b < 2; b++) {
        snprintf(target, sizeof target, "/scenarios/comparer?a=%s&perimetre=" SCOPE_URL_FMT
                 "&base=%s", page + strlen("/scenarios/"), bases[b]);
        r = req("GET", target, NULL);
        assert_int_equal(r.status, 200);
        char s1[400];
        snprintf(s1, sizeof s1, "<caption>Chiffres clés — %s (", epci_name);
        has(&r, s1);
        snprintf(s1, sizeof s1, "<tr><th scope=\"row\">Communes sous le seuil (2,5)</th><td>%zu</td>"
                                "<td>%zu</td>", scope_below[b][0], scope_below[b][1]);
        has(&r, s1);
        has(&r, "hors du périmètre");
        mg_http_response_free(&r);
    }
    /* Without a scope: the whole territory only. */
    r = req("GET", page, NULL);
    assert_int_equal(r.status, 200);
    has(&r, "<strong>Aude (11)</strong> ");
    assert_null(strstr(text(&r), "hors du périmètre"));
    assert_null(strstr(text(&r), "perimetre=epci"));
    has(&r, "<option value=\"\" selected>Tout le territoire (Aude (11))</option>");
    mg_http_response_free(&r);
    /* A scope that names nothing is refused, naming it. */
    snprintf(target, sizeof target, "%s?perimetre=epci%%3A999999999", page);
    r = req("GET", target, NULL);
    assert_int_equal(r.status, 400);
    has(&r, "epci:999999999");
    mg_http_response_free(&r);
    /* The read-only link shows the same scope, its downloads by token. */
    snprintf(target, sizeof target, "%s/partage", page);
    r = req("POST", target, "partager=oui");
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    r = req("GET", page, NULL);
    const char *link = strstr(text(&r), "href=\"/partage/");
    assert_non_null(link);
    char shared[200];
    snprintf(shared, sizeof shared, "%.*s", (int)strcspn(link + 6, "\""), link + 6);
    mg_http_response_free(&r);
    snprintf(target, sizeof target, "%s?perimetre=" SCOPE_URL_FMT, shared);
    r = req("GET", target, NULL);
    assert_int_equal(r.status, 200);
    snprintf(want, sizeof want, "id=\"bilan\"><strong>%s</strong>", epci_name);
    has(&r, want);
    has(&r, "hors du périmètre");
    snprintf(want, sizeof want, "href=\"/telecharger/communes.xlsx?partage=%s&amp;base=",
             shared + strlen("/partage/"));
    has(&r, want);
    has(&r, "&amp;perimetre=" SCOPE_URL "\">classeur XLSX</a>");
    snprintf(want, sizeof want, "<form class=\"choice\" method=\"get\" action=\"%s\">", shared);
    has(&r, want);
    mg_http_response_free(&r);
    /* A removal started on the scope comes back to it. */
    snprintf(target, sizeof target, "%s/actions/1/supprimer", page);
    r = req("POST", target, "perimetre=" SCOPE_URL);
    assert_int_equal(r.status, 200);
    has(&r, "<input type=\"hidden\" name=\"perimetre\" value=\"" SCOPE "\">");
    snprintf(want, sizeof want, "href=\"%s?perimetre=" SCOPE_URL_FMT "\">Annuler</a>", page);
    has(&r, want);
    mg_http_response_free(&r);

    mg_scenario_free(&sc);
    free(after);
    free(shown);
    free(idx);
}

static void test_actions_named_and_defaults(void **state)
{
    (void)state;
    char page[256];
    new_scenario("Infirmi%C3%A8res", "inf", page, sizeof page);
    mg_http_response r = req("GET", page, NULL);
    assert_int_equal(r.status, 200);
    /* The kinds that apply, named for nurses; telehealth said to be for
     * GPs only. */
    has(&r, "<option value=\"gp\">Infirmières : arrivées ou départs</option>");
    has(&r, "<option value=\"health_centre\">Maison de santé</option>");
    assert_null(strstr(text(&r), "value=\"telemedicine_cabin\""));
    has(&r, "ne concernent que les médecins généralistes : ils ne sont pas proposés pour les "
            "infirmières");
    has(&r, "Nombre d&#39;infirmières (négatif : départs)");
    has(&r, "Vide : 1 (une infirmière), 3 (une maison de santé).");
    /* No threshold for nurses: said in words, no dash in the figures. */
    has(&r, "Aucun seuil n'est défini pour les infirmières");
    has(&r, "Aucun seuil de sous-dotation n'est défini pour les infirmières");
    const char *fig = strstr(text(&r), "<caption>Chiffres clés");
    assert_non_null(fig);
    const char *end = strstr(fig, "</table>");
    assert_non_null(end);
    for (const char *q = fig; q < end; q++)
        assert_false(strncmp(q, "—", strlen("—")) == 0 && q > strstr(fig, "</caption>"));
    mg_http_response_free(&r);

    /* A cabin for nurses: not among the choices. */
    assert_int_equal(add(page, "kind=telemedicine_cabin&commune=11069"), 400);
    /* One nurse, then a health centre: named for nurses in the table. */
    assert_int_equal(add(page, "kind=gp&commune=Quillan"), 303);
    assert_int_equal(add(page, "kind=health_centre&commune=11304&count=2"), 303);
    r = req("GET", page, NULL);
    has(&r, "<td>Infirmières : arrivées ou départs</td><td>Quillan (11304)</td><td>1 infirmière</td>");
    has(&r, "<td>Maison de santé</td><td>Quillan (11304)</td><td>2 infirmières</td>");
    has(&r, "<span class=\"unit\">ETP</span>");
    mg_http_response_free(&r);

    /* GPs: every default stated, with the capacity it gives, computed here
     * from the documented defaults (docs/scenarios.md). */
    new_scenario("D%C3%A9fauts", "mg", page, sizeof page);
    r = req("GET", page, NULL);
    char s[200], v[32];
    web_num(v, sizeof v, 20.0 * 3 * 47 * 0.7, 0);
    snprintf(s, sizeof s, "20 heures par semaine × 3 consultations par heure × 47 semaines par an "
                          "× 0,7 (part à distance)</td><td>%s <span class=\"unit\">actes par an", v);
    has(&r, s);
    web_num(v, sizeof v, 8.0 * 2 * 47 * 0.8, 0); /* 601.6 acts, written 602 */
    snprintf(s, sizeof s, "8 heures par semaine × 2 consultations par heure × 47 semaines par an × "
                          "0,8 (part à distance)</td><td>%s <span", v);
    has(&r, s);
    web_num(v, sizeof v, 2.0 * 12 * 6 * 3, 0);
    snprintf(s, sizeof s, "× 3 consultations par heure</td><td>%s <span", v);
    has(&r, s);
    has(&r, "name=\"weeks_per_year\"");
    has(&r, "Vide : 47 (une cabine de télémédecine), 47 (un chariot de téléconsultation).");
    mg_http_response_free(&r);
    /* A default changed in the form: 10 h × 3 × 40 weeks × 0,7 = 840. */
    assert_int_equal(add(page, "kind=telemedicine_cabin&commune=11304&hours_per_week=10&weeks_per_year=40"),
                     303);
    r = req("GET", page, NULL);
    web_num(v, sizeof v, 10.0 * 3 * 40 * 0.7, 0);
    snprintf(s, sizeof s, "10 h par semaine × 3 consultations par heure × 40 semaines × 0,7 à "
                          "distance</td><td>%s <span class=\"unit\">actes par an", v);
    has(&r, s);
    mg_http_response_free(&r);
    /* Out of its bounds, beside the field, as typed. */
    char target[300];
    snprintf(target, sizeof target, "%s/actions", page);
    r = req("POST", target, "kind=telemedicine_cabin&commune=11304&weeks_per_year=60");
    assert_int_equal(r.status, 400);
    has(&r, "value=\"60\"");
    has(&r, "« Semaines d&#39;ouverture par an (cabine, chariot) » doit être compris entre 0 et 52.");
    mg_http_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suggestions_json),
        cmocka_unit_test(test_commune_typed_by_name),
        cmocka_unit_test(test_scope_results),
        cmocka_unit_test(test_actions_named_and_defaults),
    };
    return cmocka_run_group_tests(tests, web_setup, web_teardown);
}
