/*
 * Forms described once (web/form.h): reading and checking what was sent —
 * required fields, French numbers and their bounds, text length and
 * control characters, select values, commune codes — and drawing the form
 * again with what was typed, the message beside the refused field, and the
 * summary; every typed value escaped. Requests go through the HTTP layer's
 * dispatch, as in the server, to a handler that reads and draws the form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "http/http.h"
#include "web/form.h"

static const web_option professions[] = {
    {"mg", "Médecins généralistes"}, {"inf", "Infirmiers"}, {NULL, NULL}};

static const web_field fields[] = {
    {.name = "nom", .label = "Nom", .kind = WEB_FIELD_TEXT, .required = true, .max = 10},
    {.name = "profession", .label = "Profession", .kind = WEB_FIELD_SELECT, .required = true,
     .options = professions},
    {.name = "budget", .label = "Budget", .kind = WEB_FIELD_NUMBER, .min = 0, .max = 1e7,
     .hint = "en euros"},
    {.name = "sites", .label = "Sites", .kind = WEB_FIELD_INTEGER, .min = 1, .max = 50,
     .defval = "3"},
    {.name = "commune", .label = "Commune", .kind = WEB_FIELD_COMMUNE},
    {.name = "etape", .label = "Étape", .kind = WEB_FIELD_HIDDEN, .defval = "2"},
    {.name = "courriel", .label = "Courriel", .kind = WEB_FIELD_EMAIL},
    {.name = "mdp", .label = "Mot de passe", .kind = WEB_FIELD_PASSWORD,
     .autocomplete = "current-password"},
    {.name = "code", .label = "Code", .kind = WEB_FIELD_TEXT, .max = 6,
     .autocomplete = "one-time-code"},
};

static const web_form form = {"f", fields, sizeof fields / sizeof fields[0], "Enregistrer", NULL};

/* What the handler saw, for the tests to look at. */
static web_form_input seen;

static int handler(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    int errors = web_form_read(&form, r, &seen);
    if (errors)
        res->status = 400;
    return web_form_render(&res->body, &form, errors ? &seen : NULL, "post", "/envoyer",
                           NULL, "jeton-du-formulaire");
}

static int setup(void **state)
{
    mg_router *rt = mg_router_new();
    if (!rt || mg_router_add(rt, "POST", "/envoyer", handler, NULL) ||
        mg_router_add(rt, "GET", "/envoyer", handler, NULL))
        return -1;
    *state = rt;
    return 0;
}

static int teardown(void **state)
{
    mg_router_free(*state);
    return 0;
}

static mg_http_response post(void **state, const char *body)
{
    mg_http_response res;
    assert_int_equal(mg_http_dispatch(*state, "POST", "/envoyer",
                                      "application/x-www-form-urlencoded", body, strlen(body),
                                      &res),
                     0);
    return res;
}

static const char *body(const mg_http_response *res)
{
    return res->body.data ? res->body.data : "";
}

static void test_accepted(void **state)
{
    mg_http_response res =
        post(state, "nom=+Aude+&profession=inf&budget=80%C2%A0000%2C5&sites=12&commune=11069");
    assert_int_equal(res.status, 200);
    assert_int_equal(seen.nerrors, 0);
    assert_true(seen.given[0] && seen.given[1] && seen.given[2] && seen.given[3]);
    assert_close(seen.num[2], 80000.5, 0);
    assert_close(seen.num[3], 12, 0);
    assert_false(seen.given[5]);
    mg_http_response_free(&res);
}

static void test_refused_fields(void **state)
{
    /* Everything wrong at once: each field keeps what was typed and says why. */
    mg_http_response res =
        post(state, "nom=&profession=dentiste&budget=1%2C2.3&sites=80&commune=ABCDE");
    assert_int_equal(res.status, 400);
    assert_int_equal(seen.nerrors, 5);
    const char *b = body(&res);
    assert_non_null(strstr(b, "role=\"alert\""));
    assert_non_null(strstr(b, "« Nom » est obligatoire."));
    assert_non_null(strstr(b, "« Profession » : choisissez une valeur de la liste."));
    assert_non_null(strstr(b, "id=\"f-budget\" name=\"budget\" aria-describedby=\"f-budget-erreur\" "
                              "aria-invalid=\"true\""));
    assert_non_null(strstr(b, "value=\"1,2.3\""));
    assert_non_null(strstr(b, "value=\"80\""));
    assert_non_null(strstr(b, "<p class=\"field-error\" id=\"f-sites-erreur\">« Sites »"));
    assert_non_null(strstr(b, "<a href=\"#f-commune\">"));
    /* The hidden field keeps its default, the select nothing unknown. */
    assert_non_null(strstr(b, "<input type=\"hidden\" name=\"etape\" value=\"2\">"));
    assert_null(strstr(b, "value=\"dentiste\""));
    mg_http_response_free(&res);

    /* Too long (11 characters, é counting as one) and a control character. */
    res = post(state, "nom=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9x&profession=mg");
    assert_int_equal(res.status, 400);
    assert_non_null(strstr(body(&res), "10 caractères au plus (11 saisis)"));
    mg_http_response_free(&res);
    res = post(state, "nom=a%01b&profession=mg");
    assert_int_equal(res.status, 400);
    assert_non_null(strstr(body(&res), "caractère de contrôle"));
    mg_http_response_free(&res);
    /* Exactly 10 characters are fine. */
    res = post(state, "nom=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9&profession=mg");
    assert_int_equal(res.status, 200);
    mg_http_response_free(&res);
}

static void test_typed_values_escaped(void **state)
{
    mg_http_response res = post(state, "nom=%22%3E%3Cscript%3E&profession=mg&sites=%3Cb%3E");
    assert_int_equal(res.status, 400);
    const char *b = body(&res);
    assert_null(strstr(b, "<script>"));
    assert_null(strstr(b, "<b>"));
    assert_non_null(strstr(b, "value=\"&quot;&gt;&lt;script&gt;\""));
    assert_non_null(strstr(b, "value=\"&lt;b&gt;\""));
    mg_http_response_free(&res);
}

static void test_empty_form_and_refuse(void **state)
{
    mg_http_response res;
    assert_int_equal(mg_http_dispatch(*state, "GET", "/envoyer?profession=mg&nom=A", NULL, NULL,
                                      0, &res),
                     0);
    /* A GET reads the query; drawn without errors, defaults shown. */
    assert_int_equal(res.status, 200);
    assert_non_null(strstr(body(&res), "value=\"3\""));
    assert_non_null(strstr(body(&res), "<p class=\"hint\" id=\"f-budget-aide\">en euros</p>"));
    assert_null(strstr(body(&res), "role=\"alert\""));
    /* A commune field without a territory: typed, no suggestions, its hint
     * says so. */
    assert_non_null(strstr(body(&res), "<p class=\"hint\" id=\"f-commune-aide\">Tapez le nom de "
                                       "la commune ou son code INSEE.</p>"));
    assert_null(strstr(body(&res), "<datalist"));
    assert_null(strstr(body(&res), "<select id=\"f-commune\""));
    mg_http_response_free(&res);

    web_form_refuse(&seen, "commune", "Cette commune ne fait pas partie du territoire.");
    assert_int_equal(seen.nerrors, 1);
    assert_string_equal(seen.error[4], "Cette commune ne fait pas partie du territoire.");
    web_form_refuse(&seen, "nulle-part", "x");
    assert_int_equal(seen.nerrors, 1);
    assert_int_equal(web_form_field(&form, "sites"), 3);
    assert_int_equal(web_form_field(&form, "rien"), -1);
}

/* A refused form carries its CSRF token, says what each field holds
 * (autocomplete), keeps the e-mail typed and never draws a password back. */
static void test_token_autocomplete_and_password(void **state)
{
    mg_http_response res =
        post(state, "nom=beaucoup+trop+long&profession=mg&courriel=a%40b.fr&mdp=s3cr%C3%A9t&code=12");
    assert_int_equal(res.status, 400);
    const char *b = body(&res);
    assert_non_null(strstr(b, "<input type=\"hidden\" name=\"csrf\" value=\"jeton-du-formulaire\">"));
    assert_non_null(strstr(b, "type=\"email\" autocomplete=\"email\" maxlength=\"200\" value=\"a@b.fr\""));
    assert_non_null(strstr(b, "type=\"password\" autocomplete=\"current-password\" maxlength=\"200\">"));
    assert_null(strstr(b, "s3cr"));
    assert_non_null(strstr(b, "autocomplete=\"one-time-code\" inputmode=\"numeric\""));
    mg_http_response_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_refused_fields),
        cmocka_unit_test(test_typed_values_escaped),
        cmocka_unit_test(test_empty_form_and_refuse),
        cmocka_unit_test(test_token_autocomplete_and_password),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
