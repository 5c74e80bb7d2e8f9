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

#include "parse/parse.h"
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
        /* The map still shows every commune (the map comes before the key
         * figures; the agreement's maps after). */
        assert_int_equal(count_in(text(&r), strstr(text(&r), "id=\"chiffres\""),
                                  "<a href=\"/commune/"),
                         COMMUNES);
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
    /* Professions, measures, then the scope: the whole territory and
     * each EPCI with a commune in it, counted from the territory. */
    const mg_territory *t = mg_app_profession_get(app, "inf")->g->t;
    size_t epci = 0;
    for (size_t e = 0; e < t->nepci; e++) {
        bool in = false;
        for (size_t i = 0; i < t->n && !in; i++)
            in = t->in_study[i] && t->epci[i] == (int32_t)e;
        epci += in;
    }
    assert_int_equal(count_in(form, end, "<option "), 5 + 9 + 1 + epci);
    assert_int_equal(count_in(form, end, " selected>"), 3);
    assert_non_null(strstr(form, "<option value=\"\" selected>Tout le territoire (Aude (11))"));
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

/* A number of a table cell as the pages write it ("1\u202f234,5"), NaN
 * for a dash or no digit. */
static double cell_number(const char *from, const char *to)
{
    char s[64];
    size_t n = 0;
    for (const char *c = from; c < to && n + 1 < sizeof s; c++)
        if ((*c >= '0' && *c <= '9') || *c == '-')
            s[n++] = *c;
        else if (*c == ',')
            s[n++] = '.';
    s[n] = '\0';
    if (!n || strcmp(s, "-") == 0)
        return NAN;
    double v;
    mg_parse_error why;
    return mg_parse_c_double(s, n, &v, &why) ? NAN : v;
}

/* The EPCI table of page s: for each row (at most cap), its name (up to
 * </th>) and the number in its column `col` (0: communes … 5: Gini). */
static size_t epci_rows(const char *s, size_t col, char (*names)[160], double *values,
                        size_t cap)
{
    const char *from, *to;
    tbody(s, "<h2 id=\"epci\">", &from, &to);
    size_t n = 0;
    static const char row[] = "<tr><th scope=\"row\">";
    for (const char *p = strstr(from, row); p && p < to; p = strstr(p + 1, row)) {
        assert_true(n < cap);
        p += sizeof row - 1;
        const char *e = strstr(p, "</th>");
        assert_true(e && e < to);
        /* The name, inside the link to the EPCI's page when there is one. */
        if (strncmp(p, "<a href=\"/epci/", 15) == 0) {
            p = strchr(p, '>') + 1;
            e = strstr(p, "</a>");
        }
        assert_true(e && e < to && (size_t)(e - p) < 160);
        memcpy(names[n], p, (size_t)(e - p));
        names[n][e - p] = '\0';
        const char *c = e;
        for (size_t k = 0; k <= col; k++) {
            c = strstr(c, "<td>");
            assert_true(c && c < to);
            c += 4;
        }
        const char *ce = strstr(c, "</td>");
        assert_non_null(ce);
        values[n] = cell_number(c, ce);
        n++;
    }
    return n;
}

/* Every column of the EPCI table sorts both ways, on the APL and on the
 * time to the nearest practitioner: the rows come in the order of the
 * column (blank values last when ascending), and the header says so. */
static void test_epci_sort_every_column(void **state)
{
    (void)state;
    static const char *const keys[] = {"nom", "communes", "population", "valeur",
                                       "officiel", "sous_seuil", "gini"};
    static const char *const measures[] = {"apl", "nearest"};
    static char names[64][160];
    double values[64];
    size_t expected = 0;
    for (size_t m = 0; m < 2; m++)
        for (size_t k = 0; k < 7; k++)
            for (int desc = 0; desc < 2; desc++) {
                char target[160];
                snprintf(target, sizeof target, "/territoire?mesure=%s&tri_epci=%s&ordre_epci=%s",
                         measures[m], keys[k], desc ? "desc" : "asc");
                mg_http_response r = get(target);
                if (r.status != 200)
                    fail_msg("%s: status %d", target, r.status);
                /* The official APL and the population below the threshold
                 * are columns of the APL only: without them, their sort is
                 * the default one. */
                bool apl_only = k == 4 || k == 5, apl = m == 0;
                if (apl_only && !apl) {
                    assert_null(strstr(text(&r), "sous le seuil"));
                    assert_null(strstr(text(&r), "#epci\">APL DREES</a>"));
                    assert_null(strstr(text(&r), "aria-sort=\"descending\""));
                    assert_non_null(strstr(text(&r), "aria-sort=\"ascending\"><a href=\""
                                                     "/territoire?profession=mg&amp;mesure=nearest"
                                                     "&amp;tri_epci=nom&amp;ordre_epci=desc#epci\">"));
                    mg_http_response_free(&r);
                    continue;
                }
                size_t col = k == 0 ? 0 : k - 1;
                if (!apl && k == 6)
                    col -= 2; /* Gini, after the missing columns */
                size_t n = epci_rows(text(&r), col, names, values, 64);
                if (!expected)
                    expected = n;
                assert_true(n > 5);
                assert_int_equal(n, expected);
                size_t finite = 0;
                for (size_t i = 0; i < n; i++)
                    finite += isfinite(values[i]) != 0;
                if (k && finite < n / 2)
                    fail_msg("%s: %zu numbers read in %zu rows", target, finite, n);
                for (size_t i = 1; i < n; i++) {
                    int c;
                    if (k == 0) {
                        c = strcmp(names[i - 1], names[i]);
                    } else if (isnan(values[i - 1]) || isnan(values[i])) {
                        /* NaN after numbers ascending, before them descending. */
                        c = isnan(values[i - 1]) - isnan(values[i]);
                        c = desc ? -c : c;
                    } else {
                        c = (values[i - 1] > values[i]) - (values[i - 1] < values[i]);
                    }
                    if (desc ? c < 0 : c > 0)
                        fail_msg("%s: row %zu (%s) out of order after %s", target, i, names[i],
                                 names[i - 1]);
                }
                /* The current column is marked, and its link turns the order round. */
                char want[256];
                snprintf(want, sizeof want,
                         "aria-sort=\"%s\"><a href=\"/territoire?profession=mg&amp;mesure=%s"
                         "&amp;tri_epci=%s&amp;ordre_epci=%s#epci\">",
                         desc ? "descending" : "ascending", measures[m], keys[k],
                         desc ? "asc" : "desc");
                if (!strstr(text(&r), want))
                    fail_msg("%s: no header %s", target, want);
                mg_http_response_free(&r);
            }
    /* Ascending and descending are not the same order (values differ). */
    mg_http_response a = get("/territoire?tri_epci=population&ordre_epci=asc");
    mg_http_response d = get("/territoire?tri_epci=population&ordre_epci=desc");
    static char first_a[64][160], first_d[64][160];
    double va[64], vd[64];
    size_t na = epci_rows(text(&a), 1, first_a, va, 64), nd = epci_rows(text(&d), 1, first_d, vd, 64);
    assert_int_equal(na, nd);
    for (size_t i = 0; i < na; i++)
        assert_string_equal(first_a[i], first_d[na - 1 - i]);
    mg_http_response_free(&a);
    mg_http_response_free(&d);
}

/* No sort value refuses the page: unknown, empty or hostile values of
 * tri, ordre, tri_epci, ordre_epci fall back to the default order (value
 * ascending for communes, name ascending for EPCI), never echoed. */
static void test_sort_fallback(void **state)
{
    (void)state;
    mg_http_response def = get("/territoire");
    assert_int_equal(def.status, 200);
    static const char *const odd[] = {
        "/territoire?tri=couleur",
        "/territoire?tri=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/territoire?ordre=%22%3E%3Cb%3E",
        "/territoire?ordre=haut&ordre_epci=bas",
        "/territoire?tri_epci=%27%3B",
        "/territoire?tri_epci=couleur&ordre_epci=haut",
        "/territoire?tri_epci=&ordre_epci=&tri=&ordre=",
        "/territoire?tri_epci=NOM&tri=Valeur",
        "/territoire?tri_epci=nom%20x&tri=valeur%20",
        "/territoire?tri_epci=gini&tri_epci=couleur",
        "/territoire?tri_epci=%C3%A9t%C3%A9",
    };
    const char *from_def, *to_def;
    tbody(text(&def), "<h2 id=\"epci\">", &from_def, &to_def);
    char codes_def[PAGE_SIZE + 1][8];
    size_t n_def = 0;
    commune_codes(text(&def), codes_def, &n_def, PAGE_SIZE + 1);
    for (size_t k = 0; k < sizeof odd / sizeof *odd; k++) {
        mg_http_response r = get(odd[k]);
        if (r.status != 200)
            fail_msg("%s: status %d, expected 200", odd[k], r.status);
        if (strstr(text(&r), "<script>") || strstr(text(&r), "<b>") || strstr(text(&r), "couleur"))
            fail_msg("%s: a parameter echoed", odd[k]);
        /* The EPCI table in its default order (by name), unless gini was
         * asked first: the first value of a repeated parameter. */
        const char *from, *to;
        tbody(text(&r), "<h2 id=\"epci\">", &from, &to);
        if (!strstr(odd[k], "gini") &&
            ((size_t)(to - from) != (size_t)(to_def - from_def) ||
             memcmp(from, from_def, (size_t)(to - from)) != 0))
            fail_msg("%s: EPCI rows not in the default order", odd[k]);
        char codes[PAGE_SIZE + 1][8];
        size_t n = 0;
        commune_codes(text(&r), codes, &n, PAGE_SIZE + 1);
        assert_int_equal(n, n_def);
        for (size_t i = 0; i < n; i++)
            if (strcmp(codes[i], codes_def[i]) != 0)
                fail_msg("%s: commune row %zu is %s, default %s", odd[k], i, codes[i],
                         codes_def[i]);
        mg_http_response_free(&r);
    }
    mg_http_response_free(&def);
}

/* Red and blue of a colour "#rrggbb" written by the map module. */
static void red_blue(const char *c, unsigned *red, unsigned *blue)
{
    static const char hex[] = "0123456789abcdef";
    unsigned v = 0;
    assert_true(c[0] == '#' && strlen(c) == 7);
    for (int k = 1; k < 7; k++) {
        const char *d = strchr(hex, c[k]);
        assert_true(d && *d);
        v = v * 16 + (unsigned)(d - hex);
    }
    *red = v >> 16;
    *blue = v & 0xff;
}

/* The fill colour of commune `code`'s path in the map of page s. */
static void commune_fill(const char *s, const char *code, char out[8])
{
    char link[64];
    snprintf(link, sizeof link, "<a href=\"/commune/%s?", code);
    const char *a = strstr(s, link);
    assert_non_null(a);
    const char *f = strstr(a, " fill=\"");
    assert_non_null(f);
    memcpy(out, f + 7, 7);
    out[7] = '\0';
}

/* The time to the nearest practitioner reads as a time: minutes in the
 * legend, figures and headers, no consultations, no threshold, and the
 * colours turned round (the shortest time gets the colour of the best
 * APL, the longest that of the worst). */
static void test_nearest_measure(void **state)
{
    (void)state;
    const mg_app_profession *p = mg_app_profession_get(app, "mg");
    const mg_diagnosis *g = p->g;
    int near = mg_app_measure_index("nearest"), apl = mg_app_measure_index("apl");
    assert_true(near >= 0 && apl >= 0);
    const double *t = p->measure[near], *v = p->measure[apl];
    /* The communes of the shortest and longest times, of the best and worst APL. */
    size_t tmin = SIZE_MAX, tmax = SIZE_MAX, vmin = SIZE_MAX, vmax = SIZE_MAX, nodata = 0;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        if (isnan(t[i]))
            nodata++;
        else {
            if (tmin == SIZE_MAX || t[i] < t[tmin])
                tmin = i;
            if (tmax == SIZE_MAX || t[i] > t[tmax])
                tmax = i;
        }
        if (vmin == SIZE_MAX || v[i] < v[vmin])
            vmin = i;
        if (vmax == SIZE_MAX || v[i] > v[vmax])
            vmax = i;
    }
    mg_http_response r = get("/territoire?profession=mg&mesure=nearest");
    assert_int_equal(r.status, 200);
    const char *s = text(&r);
    assert_null(strstr(s, "consultations"));
    assert_null(strstr(s, "sous le seuil"));
    assert_null(strstr(s, "seuil de sous-dotation"));
    /* The legend's heading, the unit after each value, the key figure and
     * the table headers. */
    /* The legend's heading, wrapped over three lines. */
    assert_non_null(strstr(s, ">Temps jusqu&#39;au praticien le</text>"));
    assert_non_null(strstr(s, ">plus proche, en minutes</text>"));
    char title[96];
    snprintf(title, sizeof title, "(%s) : ", g->t->code[tmin]);
    const char *tt = strstr(s, title);
    assert_non_null(tt);
    tt = strstr(tt, "</title>");
    assert_true(tt && strncmp(tt - 8, " minutes", 8) == 0);
    assert_non_null(strstr(s, "<dt>Temps moyen jusqu&#39;au plus proche (pondéré)</dt>"));
    assert_non_null(strstr(s, "<span class=\"unit\">minutes</span>"));
    assert_non_null(strstr(s, "Unité : minutes"));
    assert_non_null(strstr(s, "#communes\">Minutes jusqu&#39;au plus proche</a></th>"));
    assert_non_null(strstr(s, "#epci\">Minutes jusqu&#39;au plus proche (moyenne)</a></th>"));
    if (nodata)
        assert_non_null(strstr(s, "aucun praticien dans la zone de recherche"));
    /* Midwives are few: some communes have none within reach, a legend row
     * of their own and a line of the map's summary. */
    {
        const mg_app_profession *sf = mg_app_profession_get(app, "sf");
        size_t none = 0;
        for (size_t k = 0; k < sf->g->study_n; k++)
            none += isnan(sf->measure[near][sf->g->study[k]]);
        mg_http_response rs = get("/territoire?profession=sf&mesure=nearest");
        assert_int_equal(rs.status, 200);
        if (none) {
            assert_non_null(strstr(text(&rs), "aucun praticien dans la zone de recherche</text>"));
            char line[128];
            snprintf(line, sizeof line, " %zu commune%s : aucun praticien dans la zone de recherche.",
                     none, none > 1 ? "s" : "");
            assert_non_null(strstr(text(&rs), line));
        }
        assert_null(strstr(text(&rs), "sans donnée"));
        /* And the commune's own title says so, for the mouse and screen readers. */
        for (size_t k = 0; k < sf->g->study_n; k++) {
            size_t i = sf->g->study[k];
            if (!isnan(sf->measure[near][i]))
                continue;
            char want[64];
            snprintf(want, sizeof want, " (%s) : aucun praticien dans la zone de recherche</title>",
                     sf->g->t->code[i]);
            assert_non_null(strstr(text(&rs), want));
            break;
        }
        mg_http_response_free(&rs);
    }

    /* The map download reads the same way: its title names the measure,
     * its legend is in minutes, no threshold, and the shortest time has the
     * colour the page gives it. */
    {
        mg_http_response rd = get("/carte.svg?profession=mg&mesure=nearest");
        assert_int_equal(rd.status, 200);
        const char *sv = text(&rd);
        assert_non_null(strstr(sv, "-title\">Temps jusqu&#39;au praticien le plus proche — "));
        assert_non_null(strstr(sv, ">plus proche, en minutes</text>"));
        assert_null(strstr(sv, "consultations"));
        assert_null(strstr(sv, "seuil de sous-dotation"));
        /* Without links, a commune's title is inside its path, after the
         * fill: the last fill before "(code) : ". */
        char c_page[8], c_file[8], key[32];
        commune_fill(s, g->t->code[tmin], c_page);
        snprintf(key, sizeof key, " (%s) : ", g->t->code[tmin]);
        const char *at = strstr(sv, key), *fill = NULL;
        assert_non_null(at);
        for (const char *q = strstr(sv, " fill=\""); q && q < at; q = strstr(q + 1, " fill=\""))
            fill = q;
        assert_non_null(fill);
        memcpy(c_file, fill + 7, 7);
        c_file[7] = '\0';
        assert_string_equal(c_page, c_file);
        mg_http_response_free(&rd);
    }

    mg_http_response ra = get("/territoire?profession=mg&mesure=apl&base=modele");
    assert_int_equal(ra.status, 200);
    char c_tmin[8], c_tmax[8], c_vmin[8], c_vmax[8];
    commune_fill(s, g->t->code[tmin], c_tmin);
    commune_fill(s, g->t->code[tmax], c_tmax);
    commune_fill(text(&ra), g->t->code[vmin], c_vmin);
    commune_fill(text(&ra), g->t->code[vmax], c_vmax);
    /* The best APL is blue (ColorBrewer's RdYlBu), the worst red. The time
     * map has its own classes (quantiles, maybe fewer than six, so
     * RdYlBu's scheme for that many): the shortest time gets its blue end
     * — the colour the highest class gets on every sequential map — and
     * the longest its red end. */
    unsigned red, blue;
    red_blue(c_vmax, &red, &blue);
    assert_true(blue > red);
    red_blue(c_vmin, &red, &blue);
    assert_true(red > blue);
    mg_map_style st = mg_map_style_for(t, g->study, g->study_n, NAN, false);
    assert_true(st.nclasses >= 3);
    assert_string_equal(c_tmin, st.colors[st.nclasses - 1]);
    assert_string_equal(c_tmax, st.colors[0]);
    red_blue(c_tmin, &red, &blue);
    assert_true(blue > red);
    red_blue(c_tmax, &red, &blue);
    assert_true(red > blue);
    /* The legend reads from the longest times (red) at the top down to the
     * shortest (blue), then the communes without a value. */
    const char *leg = strstr(s, "(court = bon)</text>");
    assert_non_null(leg);
    char first[64];
    snprintf(first, sizeof first, "fill=\"%s\"", c_tmax);
    assert_ptr_equal(strstr(leg, "fill=\""), strstr(leg, first));
    mg_http_response_free(&ra);
    mg_http_response_free(&r);

    /* The APL keeps its unit, its threshold and its tag. */
    r = get("/territoire?profession=mg&mesure=apl");
    assert_non_null(strstr(text(&r), "consultations"));
    assert_non_null(strstr(text(&r), "seuil de sous-dotation"));
    assert_non_null(strstr(text(&r), "<span class=\"tag\">sous le seuil</span>"));
    mg_http_response_free(&r);
    /* Practitioners within reach are counted in practitioners, without a
     * threshold. */
    r = get("/territoire?profession=mg&mesure=cumulative");
    assert_int_equal(r.status, 200);
    assert_null(strstr(text(&r), "consultations"));
    assert_null(strstr(text(&r), "sous le seuil"));
    assert_non_null(strstr(text(&r), "Unité : praticiens"));
    assert_non_null(strstr(text(&r), "#communes\">Praticiens à portée</a></th>"));
    mg_http_response_free(&r);
    /* A competitive measure of nurses: the profession's unit. */
    r = get("/territoire?profession=inf&mesure=2sfca");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Unité : ETP pour 100 000 habitants standardisés"));
    assert_null(strstr(text(&r), "consultations"));
    mg_http_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_territory_pages),
        cmocka_unit_test(test_territory_page_links),
        cmocka_unit_test(test_territory_sort_across_pages),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_epci_sort_every_column),
        cmocka_unit_test(test_sort_fallback),
        cmocka_unit_test(test_nearest_measure),
        cmocka_unit_test(test_commune_reach),
        cmocka_unit_test(test_choice_form),
        cmocka_unit_test(test_scenario_ids),
    };
    return cmocka_run_group_tests_name("web_pages", tests, web_setup, web_teardown);
}
