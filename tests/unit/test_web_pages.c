/*
 * The territory and commune pages (src/web/pages.c) through mg_http_dispatch
 * on the bundled Aude: the pagination of their lists, the links that keep
 * the request's state, and requests refused before anything is computed.
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

#include "testutil.h"
#include "web/app.h"
#include "web_fixture.h"

#define COMMUNES 433
#define PAGE_SIZE 100


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

/* The body of the table that starts at `open` in page s: [*from, *to). */
static void tbody(const char *s, const char *open, const char **from, const char **to)
{
    const char *t = strstr(s, open);
    assert_non_null(t);
    *from = strstr(t, "<tbody>");
    assert_non_null(*from);
    *to = strstr(*from, "</tbody>");
    assert_non_null(*to);
}

/* The row headers (commune codes of the links) of the commune table, in
 * order, appended to codes[*n]. */
static void commune_codes(const char *page, char (*codes)[8], size_t *n, size_t cap)
{
    const char *from, *to;
    tbody(page, "<table class=\"communes\">", &from, &to);
    static const char link[] = "<th scope=\"row\"><a href=\"/commune/";
    for (const char *p = strstr(from, link); p && p < to; p = strstr(p + 1, link)) {
        assert_true(*n < cap);
        p += sizeof link - 1;
        size_t len = strcspn(p, "?\"");
        assert_true(len == 5);
        memcpy(codes[*n], p, len);
        codes[*n][len] = '\0';
        (*n)++;
    }
}

/* The <nav aria-label="…"> of page s, as a string owned by the caller
 * (NULL when absent). */
static char *nav(const char *s, const char *label)
{
    char open[96];
    snprintf(open, sizeof open, "<nav class=\"pagination\" aria-label=\"%s\">", label);
    const char *a = strstr(s, open);
    if (!a)
        return NULL;
    const char *e = strstr(a, "</nav>");
    assert_non_null(e);
    size_t len = (size_t)(e - a) + 6;
    char *out = malloc(len + 1);
    assert_non_null(out);
    memcpy(out, a, len);
    out[len] = '\0';
    return out;
}

static void test_territory_pages(void **state)
{
    (void)state;
    /* Page 1 by default: 100 communes, then pages 2 to 4, and 33 on page 5. */
    static const struct {
        const char *target;
        size_t rows, page;
    } pages[] = {
        {"/territoire", PAGE_SIZE, 1},
        {"/territoire?page=1", PAGE_SIZE, 1},
        {"/territoire?page=2", PAGE_SIZE, 2},
        {"/territoire?page=4", PAGE_SIZE, 4},
        {"/territoire?page=5", COMMUNES - 4 * PAGE_SIZE, 5},
        {"/?page=5", COMMUNES - 4 * PAGE_SIZE, 5},
    };
    for (size_t k = 0; k < sizeof pages / sizeof *pages; k++) {
        mg_http_response r = get(pages[k].target);
        if (r.status != 200)
            fail_msg("%s: status %d", pages[k].target, r.status);
        const char *from, *to;
        tbody(text(&r), "<table class=\"communes\">", &from, &to);
        size_t rows = count_in(from, to, "<tr");
        if (rows != pages[k].rows)
            fail_msg("%s: %zu rows, expected %zu", pages[k].target, rows, pages[k].rows);
        /* The map still shows every commune. */
        assert_int_equal(count_in(text(&r), from, "<a href=\"/commune/"), COMMUNES);
        char *n = nav(text(&r), "Pagination");
        assert_non_null(n);
        char want[64];
        snprintf(want, sizeof want, "<span>Page %zu sur 5</span>", pages[k].page);
        assert_non_null(strstr(n, want));
        /* The current page, marked for assistive technologies. */
        assert_int_equal(count_in(n, NULL, "aria-current=\"page\""), 1);
        snprintf(want, sizeof want, "aria-current=\"page\"><span class=\"sr\">Page </span>%zu</a>",
                 pages[k].page);
        assert_non_null(strstr(n, want));
        assert_int_equal(strstr(n, "rel=\"prev\"") != NULL, pages[k].page > 1);
        assert_int_equal(strstr(n, "rel=\"next\"") != NULL, pages[k].page < 5);
        /* The Aude's EPCI fit on one page: no navigation for them. */
        assert_null(nav(text(&r), "Pagination des EPCI"));
        free(n);
        mg_http_response_free(&r);
    }
}

static void test_territory_page_links(void **state)
{
    (void)state;
    /* The links to other pages keep the profession, measure, sort and
     * order, each pair joined by &amp;, and go to the table. */
    mg_http_response r = get("/territoire?profession=inf&mesure=3sfca&tri=nom&ordre=desc&page=2");
    assert_int_equal(r.status, 200);
    char *n = nav(text(&r), "Pagination");
    assert_non_null(n);
    assert_non_null(strstr(n, "<a rel=\"prev\" href=\"/territoire?profession=inf&amp;mesure=3sfca"
                              "&amp;tri=nom&amp;ordre=desc#communes\">"));
    assert_non_null(strstr(n, "<a rel=\"next\" href=\"/territoire?profession=inf&amp;mesure=3sfca"
                              "&amp;tri=nom&amp;ordre=desc&amp;page=3#communes\">"));
    free(n);
    /* The sort links keep the profession and measure and go back to page 1;
     * the current column's link turns the order round. */
    assert_non_null(strstr(text(&r), "<th scope=\"col\" aria-sort=\"descending\"><a href=\""
                                     "/territoire?profession=inf&amp;mesure=3sfca&amp;tri=nom"
                                     "&amp;ordre=asc#communes\">Commune</a></th>"));
    assert_non_null(strstr(text(&r), "<a href=\"/territoire?profession=inf&amp;mesure=3sfca"
                                     "&amp;tri=population&amp;ordre=asc#communes\">Population</a>"));
    /* The EPCI sort links keep the commune table's sort and page. */
    assert_non_null(strstr(text(&r), "<a href=\"/territoire?profession=inf&amp;mesure=3sfca"
                                     "&amp;tri=nom&amp;ordre=desc&amp;page=2&amp;tri_epci=gini"
                                     "&amp;ordre_epci=asc#epci\">Gini</a>"));
    /* Commune links keep the profession. */
    assert_non_null(strstr(text(&r), "<a href=\"/commune/11"));
    assert_null(strstr(text(&r), "profession=mg"));
    mg_http_response_free(&r);

    /* No raw '&' in an attribute: every query separator is &amp;. */
    r = get("/territoire?tri_epci=population&ordre_epci=desc&page=3");
    assert_int_equal(r.status, 200);
    for (const char *p = strstr(text(&r), "href=\""); p; p = strstr(p + 1, "href=\"")) {
        const char *e = strchr(p + 6, '"');
        assert_non_null(e);
        for (const char *c = p + 6; c < e; c++)
            if (*c == '&' && strncmp(c, "&amp;", 5) != 0)
                fail_msg("raw & in %.*s", (int)(e - p), p);
    }
    /* The pages of the commune table keep the EPCI table's sort too. */
    n = nav(text(&r), "Pagination");
    assert_non_null(n);
    assert_non_null(strstr(n, "href=\"/territoire?profession=mg&amp;mesure=apl&amp;tri=valeur"
                              "&amp;ordre=asc&amp;page=4&amp;tri_epci=population"
                              "&amp;ordre_epci=desc#communes\""));
    free(n);
    mg_http_response_free(&r);
}

/* Walking the five pages gives every commune once, in the order asked. */
static void test_territory_sort_across_pages(void **state)
{
    (void)state;
    static char codes[COMMUNES + 1][8];
    size_t n = 0;
    for (int page = 1; page <= 5; page++) {
        char target[128];
        snprintf(target, sizeof target, "/territoire?profession=mg&tri=population&ordre=desc&page=%d",
                 page);
        mg_http_response r = get(target);
        assert_int_equal(r.status, 200);
        /* The header keeps the sort on every page. */
        assert_non_null(strstr(text(&r), "aria-sort=\"descending\"><a href=\"/territoire?profession="
                                         "mg&amp;mesure=apl&amp;tri=population&amp;ordre=asc"
                                         "#communes\">Population</a>"));
        commune_codes(text(&r), codes, &n, COMMUNES + 1);
        mg_http_response_free(&r);
    }
    assert_int_equal(n, COMMUNES);
    const mg_app_profession *p = mg_app_profession_get(app, "mg");
    const mg_territory *t = p->g->t;
    double last = INFINITY;
    for (size_t k = 0; k < n; k++) {
        long i = mg_territory_find(t, codes[k]);
        assert_true(i >= 0 && t->in_study[i]);
        for (size_t m = 0; m < k; m++)
            if (strcmp(codes[m], codes[k]) == 0)
                fail_msg("%s on two rows (%zu and %zu)", codes[k], m, k);
        if (t->population[i] > last)
            fail_msg("row %zu (%s): population %g after %g", k, codes[k], t->population[i], last);
        last = t->population[i];
    }
    /* Narbonne, the largest commune, first. */
    assert_int_equal(mg_territory_find(t, "11262"), mg_territory_find(t, codes[0]));

    /* By name, descending: Villesèque-des-Corbières on page 1, Aigues-Vives
     * last on page 5. */
    mg_http_response r = get("/territoire?profession=inf&mesure=3sfca&tri=nom&ordre=desc");
    assert_non_null(strstr(text(&r), ">Villesèque-des-Corbières</a>"));
    assert_null(strstr(text(&r), ">Aigues-Vives</a>"));
    mg_http_response_free(&r);
    r = get("/territoire?profession=inf&mesure=3sfca&tri=nom&ordre=desc&page=5");
    const char *from, *to;
    tbody(text(&r), "<table class=\"communes\">", &from, &to);
    const char *a = strstr(from, ">Aigues-Vives</a>");
    assert_true(a && a < to);
    assert_null(strstr(a + 1, "<tr"));
    mg_http_response_free(&r);
}

static void test_refused(void **state)
{
    (void)state;
    static const struct {
        const char *target;
        int status;
        const char *message;
    } cases[] = {
        /* Past the end, or no page number at all. */
        {"/territoire?page=6", 404, "Cette page de la liste n&#39;existe pas."},
        {"/territoire?page=0", 404, "Cette page de la liste n&#39;existe pas."},
        {"/territoire?page=-1", 404, "Cette page de la liste n&#39;existe pas."},
        {"/territoire?page=007", 404, "Cette page de la liste n&#39;existe pas."},
        {"/territoire?page=1e3", 404, "Cette page de la liste n&#39;existe pas."},
        {"/territoire?page=2abc", 404, "Cette page de la liste n&#39;existe pas."},
        {"/territoire?page=99999999999999999999", 404, "Cette page de la liste n&#39;existe pas."},
        {"/territoire?page_epci=2", 404, "Cette page de la liste n&#39;existe pas."},
        {"/territoire?page=%3Cscript%3E", 404, "Cette page de la liste n&#39;existe pas."},
        {"/commune/11069?page=2", 404, "Cette page de la liste n&#39;existe pas."},
        {"/commune/11069?page=x", 404, "Cette page de la liste n&#39;existe pas."},
        /* Unknown values: refused, never echoed. */
        {"/territoire?mesure=apl%22%20onmouseover%3D%22alert(1)", 400, "Mesure inconnue"},
        {"/territoire?tri=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 400, "Tri inconnu"},
        {"/territoire?ordre=%22%3E%3Cb%3E", 400, "Ordre inconnu"},
        {"/territoire?tri_epci=%27%3B", 400, "Tri des EPCI inconnu"},
        {"/territoire?ordre_epci=haut", 400, "Ordre inconnu"},
        {"/territoire?profession=%3Cb%3E", 400, "Profession inconnue"},
        {"/commune/11069?profession=%22", 400, "Profession inconnue"},
        {"/commune/%3Cscript%3E", 404, "ne fait pas partie du territoire"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        mg_http_response r = get(cases[k].target);
        if (r.status != cases[k].status)
            fail_msg("%s: status %d, expected %d", cases[k].target, r.status, cases[k].status);
        if (!strstr(text(&r), cases[k].message))
            fail_msg("%s: body lacks \"%s\"", cases[k].target, cases[k].message);
        if (strstr(text(&r), "<script>") || strstr(text(&r), "onmouseover") ||
            strstr(text(&r), "<b>"))
            fail_msg("%s: a parameter echoed raw", cases[k].target);
        mg_http_response_free(&r);
    }
    /* Empty values read as the defaults. */
    mg_http_response r = get("/territoire?mesure=&tri=&ordre=&tri_epci=&ordre_epci=&page=&page_epci=");
    assert_int_equal(r.status, 200);
    mg_http_response_free(&r);
}

static void test_commune_reach(void **state)
{
    (void)state;
    /* In the Aude every list of communes within reach fits on one page. */
    mg_http_response r = get("/commune/11069?profession=mg&page=1");
    assert_int_equal(r.status, 200);
    const char *from, *to;
    tbody(text(&r), "<h2 id=\"pourquoi\">", &from, &to);
    size_t rows = count_in(from, to, "<tr");
    assert_true(rows > 0 && rows <= PAGE_SIZE);
    assert_null(nav(text(&r), "Pagination"));
    /* The breadcrumb and the commune links keep the profession. */
    assert_non_null(strstr(text(&r), "<a href=\"/territoire?profession=mg\">← Territoire</a>"));
    assert_non_null(strstr(from, "<a href=\"/commune/11069?profession=mg\">Carcassonne</a>"));
    mg_http_response_free(&r);
    /* A former code is sent to today's commune. */
    r = get("/commune/11298?profession=inf");
    assert_int_equal(r.status, 303);
    assert_string_equal(r.location, "/commune/11251?profession=inf");
    mg_http_response_free(&r);
}

/* The choice of profession and measure is the form of web/form.h (ids
 * "choix-…"), read from the query, drawn with the class "choice" kept. */
static void test_choice_form(void **state)
{
    (void)state;
    mg_http_response r = get("/territoire?profession=inf&mesure=3sfca");
    assert_int_equal(r.status, 200);
    const char *form = strstr(text(&r), "<form class=\"choice\" method=\"get\" action=\"/territoire\">");
    assert_non_null(form);
    const char *end = strstr(form, "</form>");
    assert_non_null(end);
    assert_non_null(strstr(form, "<label for=\"choix-profession\">Profession</label> "
                                 "<select id=\"choix-profession\" name=\"profession\">"));
    assert_non_null(strstr(form, "<label for=\"choix-mesure\">Mesure</label> "
                                 "<select id=\"choix-mesure\" name=\"mesure\">"));
    assert_int_equal(count_in(form, end, "<option "), 5 + 9);
    assert_int_equal(count_in(form, end, " selected>"), 2);
    assert_non_null(strstr(form, "<option value=\"inf\" selected>Infirmiers</option>"));
    assert_non_null(strstr(form, "<option value=\"3sfca\" selected>3SFCA</option>"));
    assert_non_null(strstr(form, "<button type=\"submit\">Afficher</button></form>"));
    assert_null(strstr(text(&r), "class=\"stack\""));
    mg_http_response_free(&r);
    /* Absent or empty: the defaults, selected. */
    r = get("/territoire?profession=&mesure=");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "<option value=\"mg\" selected>"));
    assert_non_null(strstr(text(&r), "<option value=\"apl\" selected>"));
    mg_http_response_free(&r);
    /* The commune page: the profession only, sent to the page itself. */
    r = get("/commune/11069?profession=sf");
    assert_int_equal(r.status, 200);
    form = strstr(text(&r), "<form class=\"choice\" method=\"get\" action=\"\">");
    assert_non_null(form);
    assert_non_null(strstr(form, "<option value=\"sf\" selected>Sages-femmes</option>"));
    assert_null(strstr(text(&r), "choix-mesure"));
    mg_http_response_free(&r);
    /* Values outside the lists: 400 with the table's message, as before
     * (spaces around a value are not taken away here: nobody types it). */
    static const struct {
        const char *target, *message;
    } bad[] = {
        {"/territoire?profession=%20mg", "Profession inconnue"},
        {"/territoire?profession=%20", "Profession inconnue"},
        {"/territoire?profession=MG", "Profession inconnue"},
        {"/territoire?mesure=APL", "Mesure inconnue"},
        {"/territoire?profession=veto&mesure=x", "Profession inconnue"},
        {"/commune/11069?profession=veto", "Profession inconnue"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        r = get(bad[k].target);
        if (r.status != 400 || !strstr(text(&r), bad[k].message))
            fail_msg("%s: status %d, expected 400 and \"%s\"", bad[k].target, r.status,
                     bad[k].message);
        mg_http_response_free(&r);
    }
}

/* Scenario ids in a download's ?scenario= are read as the program writes
 * them (web_scenario_load): any other spelling names no scenario. */
static void test_scenario_ids(void **state)
{
    (void)state;
    mg_http_response r;
    mg_http_response_init(&r);
    static const char body[] =
        "{\"name\":\"Ids\",\"profession\":\"mg\",\"actions\":[{\"kind\":\"gp\",\"commune\":\"11304\",\"count\":1}]}";
    assert_int_equal(web_request("POST", "/api/v1/scenarios", "application/json",
                                      body, strlen(body), &r),
                     0);
    assert_int_equal(r.status, 201);
    json_error_t err;
    json_t *j = json_loads(text(&r), 0, &err);
    assert_non_null(j);
    long long id = (long long)json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    mg_http_response_free(&r);
    assert_true(id > 0 && id < 1000);

    char target[128];
    snprintf(target, sizeof target, "/telecharger/communes.csv?scenario=%lld", id);
    r = get(target);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "apl_scenario"));
    mg_http_response_free(&r);
    /* The id with something before or after it, or no id at all. */
    static const struct {
        const char *before, *after;
        bool with_id;
    } bad[] = {{"00", "", true},  {"", "%20", true},   {"%2B", "", true},
               {"", ".0", true},  {"", "e0", true},    {"", "abc", true},
               {"-", "", true},   {"0", "", false},    {"1e3", "", false},
               {"", "", false},   {"99999999999999999999", "", false},
               {"%3Cscript%3E", "", false}};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char id_text[24] = "";
        if (bad[k].with_id)
            snprintf(id_text, sizeof id_text, "%lld", id);
        snprintf(target, sizeof target, "/carte.svg?scenario=%s%s%s", bad[k].before, id_text,
                 bad[k].after);
        r = get(target);
        if (r.status != 404)
            fail_msg("%s: status %d, expected 404", target, r.status);
        assert_non_null(strstr(text(&r), "Ce scénario n&#39;existe pas."));
        assert_null(strstr(text(&r), "<script>"));
        mg_http_response_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_territory_pages),
        cmocka_unit_test(test_territory_page_links),
        cmocka_unit_test(test_territory_sort_across_pages),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_commune_reach),
        cmocka_unit_test(test_choice_form),
        cmocka_unit_test(test_scenario_ids),
    };
    return cmocka_run_group_tests_name("web_pages", tests, web_setup, web_teardown);
}
