/*
 * The planning page (docs/planning.md, issue 13 sections 1 and 2) on the
 * demo Aude: a scope (?perimetre=epci:…) restricts the sites and the
 * objective, and the page gives the communes and inhabitants under the
 * threshold before and after for the scope and the whole territory — the
 * figures "before" being the territory page's for the same baseline; the
 * marginal gains add up to the plan's; "Vos sites" mixes kinds, each
 * costed as its kind; every default is a field, French numbers are read
 * and a refused value comes back as typed with its message; other
 * professions get their own words and no dashes.
 */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "diagnosis/scope.h"
#include "plan/plan.h"
#include "testutil.h"
#include "web/app.h"
#include "web/web.h"
#include "web_fixture.h"

/* Piège-Lauragais-Malepère, the EPCI of the health officer's task. */
#define EPCI "200035707"

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

static void must_have(const char *html, const char *what)
{
    if (!strstr(html, what))
        fail_msg("the page lacks \"%s\"", what);
}

/* The text of the element with id `id` up to its closing `close` tag. */
static const char *element(const char *html, const char *id, const char *close, char *buf,
                           size_t cap)
{
    char needle[96];
    snprintf(needle, sizeof needle, "id=\"%s\"", id);
    const char *at = strstr(html, needle);
    if (!at)
        fail_msg("no element with id %s", id);
    const char *end = strstr(at, close);
    size_t n = end ? (size_t)(end - at) : strlen(at);
    snprintf(buf, cap, "%.*s", (int)(n < cap ? n : cap - 1), at);
    return buf;
}

/* The EPCI's scope and index. */
static void epci_scope(const mg_app_profession *ap, mg_scope *s)
{
    mg_diag d = {{0}};
    assert_int_equal(mg_scope_parse(ap->g, "epci:" EPCI, s, &d), 0);
    assert_true(s->n > 3);
}

/* Communes and inhabitants under the threshold of `values` over the
 * study communes marked (mark NULL: all), counted here from the values. */
static void below(const mg_diagnosis *g, const double *values, const uint8_t *mark,
                  size_t *communes, double *inhabitants)
{
    *communes = 0;
    *inhabitants = 0;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        if ((!mark || mark[i]) && values[i] < g->prof->threshold) {
            (*communes)++;
            *inhabitants += g->t->population[i];
        }
    }
}

/* The sites of the first sites table, as territory indices. */
static size_t site_communes(const mg_diagnosis *g, const char *html, size_t *out, size_t cap)
{
    const char *t = strstr(html, "<table class=\"sites\">");
    assert_non_null(t);
    const char *end = strstr(t, "</tbody>");
    size_t n = 0;
    const char *needle = "<th scope=\"row\"><a href=\"/commune/";
    for (const char *p = strstr(t, needle); p && p < end && n < cap; p = strstr(p + 1, needle)) {
        char code[8] = {0};
        memcpy(code, p + strlen(needle), 5);
        long i = mg_territory_find(g->t, code);
        assert_true(i >= 0);
        out[n++] = (size_t)i;
    }
    return n;
}

/* A cabin and two carts for the EPCI on the official baseline: every site
 * in the EPCI; the communes and inhabitants under the threshold before
 * the plan are the EPCI's and the territory's on the territory page's
 * data (the app's official values and figures, and mg_scope_summary). */
static void test_scope(void **state)
{
    (void)state;
    const mg_app_profession *ap = mg_app_profession_get(app, "mg");
    mg_scope s;
    epci_scope(ap, &s);
    mg_http_response r = get("/planification?profession=mg&base=officielle&perimetre=epci:" EPCI
                             "&cabine=1&chariot=2&calculer=1");
    assert_int_equal(r.status, 200);
    const char *html = text(&r);
    /* The scope kept in the form (an EPCI select) and in the links. */
    must_have(html, "<option value=\"epci:" EPCI "\" selected>");
    must_have(html, "perimetre=epci%3A" EPCI);
    size_t sites[8];
    size_t n = site_communes(ap->g, html, sites, 8);
    assert_int_equal(n, 3);
    for (size_t k = 0; k < n; k++)
        assert_true(s.mark[sites[k]]);
    /* Before: counted from the official values the territory page shows. */
    const double *values = mg_app_baseline_values(ap, MG_BASELINE_OFFICIAL);
    size_t cs, ca;
    double hs, ha;
    below(ap->g, values, s.mark, &cs, &hs);
    below(ap->g, values, NULL, &ca, &ha);
    assert_true(cs > 0 && ca > cs);
    mg_summary sum;
    mg_diag d = {{0}};
    assert_int_equal(mg_scope_summary(ap->g, &s, values, ap->g->official, ap->g->prof->threshold,
                                      &sum, &d),
                     0);
    assert_close(sum.territory.below_population, hs, 1e-9 * hs);
    assert_close(mg_app_baseline_summary(ap, MG_BASELINE_OFFICIAL)->territory.below_population, ha,
                 1e-9 * ha);
    mg_summary_free(&sum);
    char para[2048], want[512], h[48];
    element(html, "avant-apres-plan", "</p>", para, sizeof para);
    web_num(h, sizeof h, hs, 0);
    snprintf(want, sizeof want, "<span class=\"perimetre\">%s : de %zu à ", s.label, cs);
    must_have(para, want);
    snprintf(want, sizeof want, "communes sous le seuil (de %s à ", h);
    must_have(para, want);
    web_num(h, sizeof h, ha, 0);
    snprintf(want, sizeof want, "<span class=\"territoire\">tout le territoire : de %zu à ", ca);
    must_have(para, want);
    snprintf(want, sizeof want, "communes sous le seuil (de %s à ", h);
    must_have(strstr(para, "territoire\">"), want);
    /* The totals table gives both, scope and whole territory. */
    snprintf(want, sizeof want, "<th scope=\"col\">Plan recommandé — %s</th>", s.label);
    must_have(html, want);
    must_have(html, "<th scope=\"col\">Plan recommandé — tout le territoire</th>");
    /* The marginal gains add up to the plan's gain (the page's note gives
     * both, from the table's total and from the plan). */
    const char *note = strstr(html, "les gains marginaux s'additionnent (");
    assert_non_null(note);
    const char *a = note + strlen("les gains marginaux s'additionnent (");
    const char *a_end = strchr(a, ')');
    const char *mid = ") au gain de l&#39;ensemble (";
    assert_non_null(a_end);
    assert_true(strncmp(a_end, mid, strlen(mid)) == 0);
    const char *b = a_end + strlen(mid);
    const char *b_end = strchr(b, ')');
    assert_non_null(b_end);
    assert_int_equal(a_end - a, b_end - b);
    assert_true(a_end > a && strncmp(a, b, (size_t)(a_end - a)) == 0);
    mg_http_response_free(&r);
    /* Without a scope, the before count is the whole territory's. */
    r = get("/planification?profession=mg&base=officielle&cabine=1&chariot=0&calculer=1");
    assert_int_equal(r.status, 200);
    element(text(&r), "avant-apres-plan", "</p>", para, sizeof para);
    snprintf(want, sizeof want, "<span class=\"perimetre\">%s : de %zu à ", app->territory_name,
             ca);
    must_have(para, want);
    assert_null(strstr(para, "tout le territoire"));
    mg_http_response_free(&r);
    /* On the model's baseline, the model's values (the territory page's
     * with base=modele). */
    below(ap->g, mg_app_baseline_values(ap, MG_BASELINE_MODEL), s.mark, &cs, &hs);
    r = get("/planification?profession=mg&base=modele&perimetre=epci:" EPCI
            "&cabine=1&chariot=0&calculer=1");
    assert_int_equal(r.status, 200);
    element(text(&r), "avant-apres-plan", "</p>", para, sizeof para);
    snprintf(want, sizeof want, "<span class=\"perimetre\">%s : de %zu à ", s.label, cs);
    must_have(para, want);
    web_num(h, sizeof h, hs, 0);
    snprintf(want, sizeof want, "communes sous le seuil (de %s à ", h);
    must_have(para, want);
    mg_http_response_free(&r);
    /* A site of yours outside the scope is refused beside the field. */
    r = get("/planification?profession=mg&perimetre=epci:" EPCI
            "&cabine=1&chariot=0&calculer=1&proposition=11069");
    assert_int_equal(r.status, 400);
    must_have(text(&r), "id=\"plan-proposition-erreur\">");
    must_have(text(&r), "hors du périmètre");
    mg_http_response_free(&r);
    r = get("/planification?profession=mg&perimetre=epci:999&calculer=1");
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);
    mg_scope_free(&s);
}

/* The Département's decision as "Vos sites": one cabin and two carts in
 * the EPCI, costed 1 × a cabin's default + 2 × a cart's, the total shown;
 * then with a cost of one's own typed as the French do ("90 000"). */
static void test_mixed_sites(void **state)
{
    (void)state;
    const mg_app_profession *ap = mg_app_profession_get(app, "mg");
    mg_scope s;
    epci_scope(ap, &s);
    const mg_territory *t = ap->g->t;
    char target[512];
    snprintf(target, sizeof target,
             "/planification?profession=mg&perimetre=epci:" EPCI "&cabine=1&chariot=2&calculer=1"
             "&proposition=%s:cabine,+%s:chariot,%s+:+chariot",
             t->code[s.idx[0]], t->code[s.idx[1]], t->code[s.idx[2]]);
    mg_http_response r = get(target);
    assert_int_equal(r.status, 200);
    char para[1024], want[512], c[48], cab[48], cart[48];
    double cabin = mg_plan_default_cost(MG_RES_CABIN), cart_cost = mg_plan_default_cost(MG_RES_CART);
    web_num(c, sizeof c, cabin + 2 * cart_cost, 0);
    web_num(cab, sizeof cab, cabin, 0);
    web_num(cart, sizeof cart, cart_cost, 0);
    element(text(&r), "cout-vos-sites", "</p>", para, sizeof para);
    snprintf(want, sizeof want,
             "Coût total de vos sites : %s euros (1 × cabine de télémédecine à %s euros + 2 × "
             "chariot de téléconsultation à %s euros)",
             c, cab, cart);
    must_have(para, want);
    /* The user's sites in the order given, each named for its kind. */
    const char *mine = strstr(text(&r), "<caption>Vos sites, dans l&#39;ordre donné</caption>");
    assert_non_null(mine);
    const char *k1 = strstr(mine, "<td>cabine de télémédecine</td>");
    const char *k2 = k1 ? strstr(k1, "<td>chariot de téléconsultation</td>") : NULL;
    assert_non_null(k2);
    assert_non_null(strstr(k2 + 1, "<td>chariot de téléconsultation</td>"));
    must_have(text(&r), "<th scope=\"col\">Vos sites — tout le territoire</th>");
    mg_http_response_free(&r);

    /* A cabin's cost of one's own, typed "90 000" (and a distance "1,5"):
     * accepted, used, said to be yours. */
    snprintf(target, sizeof target,
             "/planification?profession=mg&cabine=1&chariot=2&calculer=1&cout_cabine=90+000"
             "&distance=1%%2C5&proposition=%s:cabine,%s:chariot,%s:chariot",
             t->code[s.idx[0]], t->code[s.idx[1]], t->code[s.idx[2]]);
    r = get(target);
    assert_int_equal(r.status, 200);
    web_num(c, sizeof c, 90000 + 2 * cart_cost, 0);
    element(text(&r), "cout-vos-sites", "</p>", para, sizeof para);
    snprintf(want, sizeof want, "Coût total de vos sites : %s euros", c);
    must_have(para, want);
    element(text(&r), "hypotheses", "</table>", para, sizeof para);
    must_have(para, "vos valeurs");
    must_have(text(&r), "value=\"90 000\"");
    mg_http_response_free(&r);

    /* The same sites by their names, as people type them (any case,
     * percent-encoded as a browser sends them): the same cost. */
    char names[3][96];
    for (int k = 0; k < 3; k++) {
        const char *n = t->name[s.idx[k]];
        size_t o = 0;
        for (const unsigned char *q = (const unsigned char *)n; *q && o + 4 < sizeof names[k]; q++)
            o += (size_t)(isalnum(*q) ? snprintf(names[k] + o, 2, "%c", tolower(*q))
                                      : snprintf(names[k] + o, 4, "%%%02X", *q));
    }
    snprintf(target, sizeof target,
             "/planification?profession=mg&perimetre=epci:" EPCI "&cabine=1&chariot=2&calculer=1"
             "&proposition=%s:cabine,%s:chariot,%s:chariot",
             names[0], names[1], names[2]);
    r = get(target);
    assert_int_equal(r.status, 200);
    web_num(c, sizeof c, cabin + 2 * cart_cost, 0);
    element(text(&r), "cout-vos-sites", "</p>", para, sizeof para);
    snprintf(want, sizeof want, "Coût total de vos sites : %s euros", c);
    must_have(para, want);
    mg_http_response_free(&r);
    /* The start of several names: refused, kept, the matches named. */
    r = get("/planification?profession=mg&cabine=1&calculer=1&proposition=castel:cabine");
    assert_int_equal(r.status, 400);
    must_have(text(&r), "Castelnaudary (11076)");
    must_have(text(&r), "value=\"castel:cabine\"");
    mg_http_response_free(&r);

    /* An unknown kind in your sites: refused with what was typed. */
    snprintf(target, sizeof target,
             "/planification?profession=mg&cabine=1&calculer=1&proposition=%s:bus",
             t->code[s.idx[0]]);
    r = get(target);
    assert_int_equal(r.status, 400);
    must_have(text(&r), "Type inconnu");
    mg_http_response_free(&r);
    mg_scope_free(&s);
}

/* Every default is a field showing its value and why; a badly written
 * one is refused beside the field, kept as typed, status 400. */
static void test_defaults(void **state)
{
    (void)state;
    mg_http_response r = get("/planification?profession=mg");
    assert_int_equal(r.status, 200);
    char c[48], want[256];
    web_num(c, sizeof c, mg_plan_default_cost(MG_RES_CART), 0);
    snprintf(want, sizeof want, "name=\"cout_chariot\"");
    must_have(text(&r), want);
    snprintf(want, sizeof want, "value=\"%s\"", c);
    must_have(text(&r), want);
    must_have(text(&r), "id=\"plan-capacite_cabine\"");
    must_have(text(&r), "Par défaut 1\u202f974 consultations par an : 20 h par semaine");
    mg_http_response_free(&r);

    /* The form sent back as drawn (the cart's 601,6 acts shown as "602")
     * keeps the defaults; a capacity of one's own ("2 000") is used. */
    r = get("/planification?profession=mg&cabine=1&chariot=2&calculer=1&capacite_chariot=602"
            "&capacite_cabine=2+000");
    assert_int_equal(r.status, 200);
    char table[8192];
    element(text(&r), "hypotheses", "</table>", table, sizeof table);
    const char *cab = strstr(table, "Cabines de télémédecine");
    const char *cart = strstr(table, "Chariots de téléconsultation");
    assert_true(cab && cart && cab < cart);
    const char *cab_end = strstr(cab, "</tr>"), *cart_end = strstr(cart, "</tr>");
    const char *mine = strstr(cab, "2\u202f000 consultations par an");
    assert_true(mine && mine < cab_end);
    mine = strstr(cab, "vos valeurs");
    assert_true(mine && mine < cab_end);
    const char *def = strstr(cart, "valeurs par défaut");
    assert_true(def && def < cart_end);
    mg_http_response_free(&r);

    r = get("/planification?profession=mg&cabine=1&calculer=1&cout_cabine=80k");
    assert_int_equal(r.status, 400);
    const char *html = text(&r);
    const char *tag = strstr(html, "id=\"plan-cout_cabine\"");
    assert_non_null(tag);
    const char *tag_end = strchr(tag, '>');
    const char *v = strstr(tag, "value=\"80k\"");
    assert_true(v && v < tag_end);
    const char *inv = strstr(tag, "aria-invalid=\"true\"");
    assert_true(inv && inv < tag_end);
    must_have(html, "<p class=\"field-error\" id=\"plan-cout_cabine-erreur\">");
    must_have(html, "role=\"alert\"");
    assert_null(strstr(html, "id=\"resultats\""));
    mg_http_response_free(&r);
}

/* Nurses: the practitioner is "une infirmière", the GP-only kinds are not
 * offered, no threshold is said in words, and no figure is a dash. */
static void test_other_profession(void **state)
{
    (void)state;
    mg_http_response r = get("/planification?profession=inf&calculer=1&perimetre=epci:" EPCI);
    assert_int_equal(r.status, 200);
    const char *html = text(&r);
    must_have(html, "Aucun seuil de sous-dotation n&#39;est défini pour les infirmières");
    must_have(html, "Infirmières (nombre)");
    must_have(html, "Capacité d&#39;une infirmière, en ETP");
    must_have(html, "<td>infirmière</td>");
    assert_null(strstr(html, "id=\"plan-cabine\""));
    assert_null(strstr(html, "<td>—</td>"));
    assert_null(strstr(html, "Communes sous le seuil avant"));
    mg_http_response_free(&r);
    /* An objective that needs the threshold: refused beside it. */
    r = get("/planification?profession=inf&calculer=1&objectif=deficit");
    assert_int_equal(r.status, 400);
    must_have(text(&r), "id=\"plan-objectif-erreur\">");
    mg_http_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope),
        cmocka_unit_test(test_mixed_sites),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_other_profession),
    };
    return cmocka_run_group_tests_name("planning page", tests, web_setup, web_teardown);
}
