/*
 * The commune field of forms (web/form.h, "Communes") on the demo Aude: a
 * commune typed by name (any case, accents or not, "St" for "Saint"), by
 * INSEE code, or as the suggestions write it, "Nom (code)"; refusals that
 * keep what was typed and name the close matches; the suggestions (the
 * datalist, web_commune_suggest). Expected communes are looked up by code
 * in the territory, never by position.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "aude_fixture.h"
#include "http/http.h"
#include "core/utf8.h"
#include "parse/parse.h"
#include "web/form.h"

static long code_index(const char *code)
{
    long i = mg_territory_find_current(g->t, code);
    assert_true(i >= 0);
    return i;
}

/* Resolves `typed` and checks it names the commune of `code`. */
static void resolves_to(const char *typed, const char *code)
{
    long idx = -2;
    char msg[WEB_FORM_ERROR_SIZE] = "";
    if (web_commune_resolve(g, typed, &idx, msg, sizeof msg) != 0)
        fail_msg("« %s » refused: %s", typed, msg);
    assert_int_equal(idx, code_index(code));
}

/* Resolves `typed`, checks it is refused with a message holding each of
 * the NULL-ended parts. */
static void refused_with(const char *typed, ...)
{
    long idx = -2;
    char msg[WEB_FORM_ERROR_SIZE] = "";
    if (web_commune_resolve(g, typed, &idx, msg, sizeof msg) != MG_EINVAL)
        fail_msg("« %s » accepted (%ld)", typed, idx);
    assert_int_equal(idx, -2);
    va_list ap;
    va_start(ap, typed);
    for (const char *part; (part = va_arg(ap, const char *)) != NULL;)
        if (!strstr(msg, part))
            fail_msg("« %s »: « %s » lacks « %s »", typed, msg, part);
    va_end(ap);
}

static void test_resolve_accepted(void **state)
{
    (void)state;
    resolves_to("castelnaudary", "11076");
    resolves_to("Castelnaudary", "11076");
    resolves_to("  CASTELNAUDARY ", "11076");
    resolves_to("Castelnaudary (11076)", "11076");
    resolves_to("11076", "11076");
    resolves_to("Castelnau-d'Aude", "11077");
    resolves_to("castelnau d\xE2\x80\x99" "aude", "11077");
    resolves_to("Belveze du Razes", "11034");           /* typed without accents */
    resolves_to("BELV\xC3\x88ZE-DU-RAZ\xC3\x88S", "11034");
    resolves_to("St Papoul", "11361");
    resolves_to("les casses", "11074");
    /* The code decides when both are given. */
    resolves_to("Carcassonne (11069)", "11069");
}

static void test_resolve_refused(void **state)
{
    (void)state;
    /* Only the start of names: the communes it starts, by name. */
    refused_with("castel", "« castel »", "Castelnaudary (11076)", "Castelnau-d'Aude (11077)",
                 "Castelreng (11078)", NULL);
    /* A misspelling: the close names. */
    refused_with("Carcasone", "ne s'appelle exactement « Carcasone »", "Carcassonne (11069)",
                 NULL);
    refused_with("zzzzzzzz", "aucune commune du territoire ne s'appelle « zzzzzzzz »", NULL);
    refused_with("75056", "Paris (75056) ne fait pas partie du territoire", NULL);
    refused_with("11999", "aucune commune n'a le code INSEE 11999", "code postal", NULL);
    refused_with("---", "n'est ni un nom de commune ni un code INSEE", NULL);
    refused_with("cas\xFA" "el", "n'est pas en UTF-8 valide", NULL); /* never quoted back */
    /* Two communes of one name (Castelnau-d'Aude renamed for the test). */
    long other = code_index("11077");
    char *kept = g->t->name[other];
    g->t->name[other] = (char *)"CASTELNAUDARY";
    long idx = -2;
    char msg[WEB_FORM_ERROR_SIZE];
    int rc = web_commune_resolve(g, "castelnaudary", &idx, msg, sizeof msg);
    g->t->name[other] = kept;
    assert_int_equal(rc, MG_EINVAL);
    assert_non_null(strstr(msg, "désigne 2 communes"));
    assert_non_null(strstr(msg, "Castelnaudary (11076)"));
    assert_non_null(strstr(msg, "CASTELNAUDARY (11077)"));
    /* The code resolves either of them. */
    resolves_to("Castelnaudary (11076)", "11076");
    /* A long refusal is cut on a character boundary, within its buffer. */
    char small[40];
    assert_int_equal(web_commune_resolve(g, "Belvèze", &idx, small, sizeof small), MG_EINVAL);
    assert_true(strlen(small) < sizeof small);
    /* Every size, so that some cut falls inside « or »: always whole
     * characters. */
    for (size_t cap = 1; cap < sizeof small; cap++) {
        assert_int_equal(web_commune_resolve(g, "|\t\t\t", &idx, small, cap), MG_EINVAL);
        assert_true(strlen(small) < cap);
        assert_int_equal(mg_utf8_check(small, strlen(small), NULL), strlen(small));
    }
}

static void test_suggest(void **state)
{
    (void)state;
    size_t idx[WEB_COMMUNE_SUGGEST_MAX];
    /* The exact name first, then the names it starts, by name. */
    size_t n = web_commune_suggest(g, "castelnau", idx, WEB_COMMUNE_SUGGEST_MAX);
    assert_int_equal(n, 2);
    assert_int_equal(idx[0], code_index("11077")); /* "castelnau d aude" < "castelnaudary" */
    assert_int_equal(idx[1], code_index("11076"));
    n = web_commune_suggest(g, "Castelnaudary", idx, WEB_COMMUNE_SUGGEST_MAX);
    assert_int_equal(n, 1);
    /* A word inside the name. */
    n = web_commune_suggest(g, "razes", idx, WEB_COMMUNE_SUGGEST_MAX);
    assert_true(n >= 2);
    for (size_t k = 0; k < n; k++) {
        char f[MG_PARSE_FOLD_SIZE];
        assert_int_equal(mg_parse_fold_name(g->t->name[idx[k]], f, NULL, NULL), 0);
        assert_non_null(strstr(f, "razes"));
    }
    /* Codes by their start; never more than asked. */
    n = web_commune_suggest(g, "1107", idx, WEB_COMMUNE_SUGGEST_MAX);
    assert_int_equal(n, WEB_COMMUNE_SUGGEST_MAX);
    for (size_t k = 0; k < n; k++)
        assert_memory_equal(g->t->code[idx[k]], "1107", 4);
    assert_int_equal(web_commune_suggest(g, "11", idx, 3), 3);
    assert_int_equal(web_commune_suggest(g, "", idx, 3), 0);
    assert_int_equal(web_commune_suggest(g, "qqqqqq", idx, 3), 0);
}

/* The field through a form: read, drawn with its datalist, refused with
 * what was typed kept and the message tied to the field. */
static web_field fields[] = {
    {.name = "commune", .label = "Commune", .kind = WEB_FIELD_COMMUNE, .required = true},
    {.name = "autre", .label = "Autre commune", .kind = WEB_FIELD_COMMUNE},
};
static const web_form form = {"f", fields, 2, "Envoyer", NULL};
static web_form_input seen;

static int handler(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    int errors = web_form_read(&form, r, &seen);
    if (errors)
        res->status = 400;
    return web_form_render(&res->body, &form, errors ? &seen : NULL, "post", "/envoyer", NULL,
                           "jeton");
}

static mg_http_response post(mg_router *rt, const char *body)
{
    mg_http_response res;
    assert_int_equal(mg_http_dispatch(rt, "POST", "/envoyer", "application/x-www-form-urlencoded",
                                      body, strlen(body), &res),
                     0);
    return res;
}

static size_t count(const char *s, const char *needle)
{
    size_t k = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
        k++;
    return k;
}

static void test_form_field(void **state)
{
    (void)state;
    fields[0].communes = g;
    fields[1].communes = g;
    mg_router *rt = mg_router_new();
    assert_non_null(rt);
    assert_int_equal(mg_router_add(rt, "POST", "/envoyer", handler, NULL), 0);

    mg_http_response res = post(rt, "commune=Castelnaudary+%2811076%29&autre=st-papoul");
    assert_int_equal(res.status, 200);
    assert_int_equal(seen.nerrors, 0);
    assert_int_equal(web_form_commune(&seen, "commune"), code_index("11076"));
    assert_int_equal(web_form_commune(&seen, "autre"), code_index("11361"));
    assert_int_equal(web_form_commune(&seen, "rien"), -1);
    const char *b = res.body.data;
    /* A text input, no select; one datalist for the form, every study
     * commune in it, both fields pointing at it. */
    assert_null(strstr(b, "<select"));
    assert_int_equal(count(b, "<datalist id=\"f-communes\">"), 1);
    assert_int_equal(count(b, "list=\"f-communes\""), 2);
    assert_int_equal(count(b, "<option value="), g->study_n);
    assert_non_null(strstr(b, "<option value=\"Castelnau-d&#39;Aude (11077)\"></option>"));
    assert_non_null(strstr(b, "id=\"f-commune\" name=\"commune\" required "
                              "aria-describedby=\"f-commune-aide\" type=\"text\""));
    assert_non_null(strstr(b, "ou son code INSEE"));
    mg_http_response_free(&res);

    /* Refused: kept as typed, the message beside the field and in the
     * summary, the field's hint replaced by it. */
    res = post(rt, "commune=castel&autre=");
    assert_int_equal(res.status, 400);
    assert_int_equal(seen.nerrors, 1);
    assert_int_equal(web_form_commune(&seen, "commune"), -1);
    b = res.body.data;
    assert_non_null(strstr(b, "value=\"castel\""));
    assert_non_null(strstr(b, "aria-describedby=\"f-commune-erreur\" aria-invalid=\"true\""));
    assert_non_null(strstr(b, "<p class=\"field-error\" id=\"f-commune-erreur\">« Commune » : "
                              "aucune commune du territoire ne s&#39;appelle exactement"));
    assert_non_null(strstr(b, "Castelnaudary (11076)"));
    assert_non_null(strstr(b, "<a href=\"#f-commune\">"));
    mg_http_response_free(&res);

    /* Required, and what was typed escaped. */
    res = post(rt, "commune=&autre=%3Cb%3E");
    assert_int_equal(res.status, 400);
    assert_int_equal(seen.nerrors, 2);
    assert_null(strstr(res.body.data, "<b>"));
    assert_non_null(strstr(res.body.data, "« Commune » est obligatoire."));
    mg_http_response_free(&res);
    mg_router_free(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve_accepted),
        cmocka_unit_test(test_resolve_refused),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_form_field),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
