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

#include "parse/parse.h"
#include "pg_fixture.h"
#include "testutil.h"
#include "web/app.h"
#include "web_fixture.h"


/* Runs one request as the group's manager; the response must be freed by
 * the caller. A creation form (a scenario, a plan saved) that names no
 * organisation gets the manager's: the tests below are about the pages,
 * test_authz_matrix about who may use them. */
static mg_http_response req(const char *method, const char *target, const char *ctype,
                            const char *body)
{
    mg_http_response res;
    mg_http_response_init(&res);
    char *with_org = NULL;
    if (body && strcmp(method, "POST") == 0 &&
        (strcmp(target, "/scenarios") == 0 || strcmp(target, "/planification/enregistrer") == 0) &&
        !strstr(body, "organisation=")) {
        size_t n = strlen(body) + 64;
        with_org = malloc(n);
        assert_non_null(with_org);
        snprintf(with_org, n, "%s&organisation=%lld", body, (long long)web_org_id);
        body = with_org;
    }
    assert_int_equal(web_request(method, target, ctype, body, body ? strlen(body) : 0, &res), 0);
    free(with_org);
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

/* The opening tag of the element whose id is `id`, copied into buf ("" if
 * absent). */
static const char *tag_of(const char *html, const char *id, char *buf, size_t cap)
{
    char needle[128];
    snprintf(needle, sizeof needle, "id=\"%s\"", id);
    buf[0] = '\0';
    const char *at = strstr(html, needle);
    if (!at)
        return buf;
    const char *start = at;
    while (start > html && *start != '<')
        start--;
    const char *end = strchr(at, '>');
    size_t n = end ? (size_t)(end - start) + 1 : strlen(start);
    snprintf(buf, cap, "%.*s", (int)(n < cap ? n : cap - 1), start);
    return buf;
}

/* The value of the hidden field `name` in html, copied into buf ("" if
 * absent). */
static const char *hidden_value(const char *html, const char *name, char *buf, size_t cap)
{
    char needle[128];
    snprintf(needle, sizeof needle, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    buf[0] = '\0';
    const char *at = strstr(html, needle);
    if (at) {
        at += strlen(needle);
        size_t n = strcspn(at, "\"");
        snprintf(buf, cap, "%.*s", (int)(n < cap ? n : cap - 1), at);
    }
    return buf;
}

/* A refused form: status 400, the field marked invalid, the message beside
 * it (and in the summary), the typed value (when not NULL) drawn again. */
static void assert_refused(const mg_http_response *r, const char *field_id, const char *message,
                           const char *typed)
{
    char tag[1024], want[256];
    if (r->status != 400)
        fail_msg("%s: status %d, expected 400", field_id, r->status);
    const char *html = text(r);
    tag_of(html, field_id, tag, sizeof tag);
    if (!strstr(tag, "aria-invalid=\"true\""))
        fail_msg("%s is not marked invalid: %s", field_id, tag);
    snprintf(want, sizeof want, "aria-describedby=\"%s-erreur\"", field_id);
    if (!strstr(tag, want))
        fail_msg("%s does not point to its message: %s", field_id, tag);
    snprintf(want, sizeof want, "<p class=\"field-error\" id=\"%s-erreur\">", field_id);
    const char *msg = strstr(html, want);
    if (!msg)
        fail_msg("no message beside %s", field_id);
    const char *msg_end = strstr(msg, "</p>");
    if (!strstr(msg, message) || strstr(msg, message) > msg_end)
        fail_msg("the message beside %s lacks \"%s\"", field_id, message);
    if (!strstr(html, "role=\"alert\""))
        fail_msg("%s: no summary with role=alert", field_id);
    if (typed) {
        snprintf(want, sizeof want, "value=\"%s\"", typed);
        if (!strstr(tag, want))
            fail_msg("%s does not show what was typed (%s): %s", field_id, typed, tag);
    }
}

static void test_territory_page(void **state)
{
    (void)state;
    mg_http_response r = req("GET", "/", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "<h1>Accès aux médecins généralistes — Aude (11)</h1>"));
    /* The map: one linked path per commune of the Aude; the table's first
     * page, 100 more links (test_web_pages checks the table's pages); and
     * the communes the model and the DREES flag differently, each linked
     * to its explanation (test_web_scope counts them). */
    assert_int_equal(count(text(&r), "<a href=\"/commune/") - count(text(&r), "#ecart\">"),
                     433 + 100);
    assert_non_null(strstr(text(&r), "Population sous le seuil (2,5)"));
    assert_non_null(strstr(text(&r), "125\u202f703")); /* people below 2.5, as the CLI prints */
    assert_non_null(strstr(text(&r), "CA Le Grand Narbonne"));
    mg_http_response_free(&r);

    r = req("GET", "/territoire?profession=inf&mesure=3sfca&tri=nom&ordre=desc", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Accès aux infirmiers"));
    /* Sorted by name, descending: Villesèque-des-Corbières on the first
     * page, Aigues-Vives on the last. */
    assert_non_null(strstr(text(&r), ">Villesèque-des-Corbières</a>"));
    assert_null(strstr(text(&r), ">Aigues-Vives</a>"));
    mg_http_response_free(&r);
    r = req("GET", "/territoire?profession=inf&mesure=3sfca&tri=nom&ordre=desc&page=5", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), ">Aigues-Vives</a>"));
    assert_null(strstr(text(&r), ">Villesèque-des-Corbières</a>"));
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
    /* An unknown sort is the default order, not a refusal. */
    r = req("GET", "/territoire?tri_epci=couleur", NULL, NULL);
    assert_int_equal(r.status, 200);
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
    assert_non_null(strstr(text(&r), "<td>Cabine de télémédecine</td><td>Quillan (11304)</td>"));
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

    /* A bad action: the sandbox again, the message in French, status 400.
     * Out of the form's bounds: refused beside the field. */
    snprintf(target, sizeof target, "%s/actions", page);
    r = req("POST", target, FORM, "kind=telemedicine_cabin&commune=11304&remote_share=5");
    assert_refused(&r, "action-remote_share", "Part des consultations réalisable à distance", "5");
    assert_non_null(strstr(text(&r), "Scénario « Cabine à Quillan »"));
    mg_http_response_free(&r);
    r = req("POST", target, FORM, "kind=gp&commune=11304&count=beaucoup");
    assert_refused(&r, "action-count", "doit être un nombre", "beaucoup");
    mg_http_response_free(&r);
    /* Within the form's bounds but not the kind's (a health centre has 1
     * to 100 practitioners): the scenario module's message, role=alert,
     * and the form as typed. */
    r = req("POST", target, FORM, "kind=health_centre&commune=11304&count=0");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "role=\"alert\""));
    assert_non_null(strstr(text(&r), "nombre de praticiens de la maison de santé"));
    assert_non_null(strstr(text(&r), "name=\"count\" aria-describedby=\"action-count-aide\" "
                                     "inputmode=\"decimal\" value=\"0\""));
    mg_http_response_free(&r);
    /* Still one action. */
    r = req("GET", page, NULL, NULL);
    assert_int_equal(count(text(&r), "<button type=\"submit\" aria-label=\"Retirer"),
                     1);
    mg_http_response_free(&r);

    /* Removing the action asks first: a POST without confirmer=oui, or a
     * GET, shows the confirmation page and changes nothing. The page
     * carries what it removes (empreinte). */
    char digest[64], confirmed[128];
    snprintf(target, sizeof target, "%s/actions/1/supprimer", page);
    for (int k = 0; k < 3; k++) {
        r = k == 2 ? req("GET", target, NULL, NULL)
                   : req("POST", target, FORM, k ? "confirmer=non" : "");
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(text(&r), "<h1>Confirmer la suppression</h1>"));
        assert_non_null(strstr(text(&r), "Cabine à Quillan"));
        assert_non_null(strstr(text(&r), "Cabine de télémédecine — Quillan"));
        assert_non_null(strstr(text(&r), "<input type=\"hidden\" name=\"confirmer\" value=\"oui\">"));
        assert_int_equal(strlen(hidden_value(text(&r), "empreinte", digest, sizeof digest)), 16);
        assert_non_null(strstr(text(&r), "Retirer définitivement"));
        assert_non_null(strstr(text(&r), ">Annuler</a>"));
        mg_http_response_free(&r);
    }
    /* confirmer=oui without what it removes: confirmed again, not removed. */
    r = req("POST", target, FORM, "confirmer=oui");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "<h1>Confirmer la suppression</h1>"));
    mg_http_response_free(&r);
    snprintf(target, sizeof target, "/api/v1%s", page);
    r = req("GET", target, NULL, NULL);
    assert_non_null(strstr(text(&r), "telemedicine_cabin"));
    mg_http_response_free(&r);
    /* Confirmed: removed; once only. */
    snprintf(target, sizeof target, "%s/actions/1/supprimer", page);
    snprintf(confirmed, sizeof confirmed, "confirmer=oui&empreinte=%s", digest);
    r = req("POST", target, FORM, confirmed);
    assert_int_equal(r.status, 303);
    assert_string_equal(r.location, page);
    mg_http_response_free(&r);
    r = req("POST", target, FORM, confirmed);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    r = req("GET", target, NULL, NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);

    /* Deleting the scenario asks first too. */
    snprintf(target, sizeof target, "%s/supprimer", page);
    for (int k = 0; k < 2; k++) {
        r = k ? req("GET", target, NULL, NULL) : req("POST", target, FORM, "");
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(text(&r), "<h1>Confirmer la suppression</h1>"));
        assert_non_null(strstr(text(&r), "Cabine à Quillan"));
        assert_non_null(strstr(text(&r), "Supprimer définitivement"));
        char back[600];
        snprintf(back, sizeof back, "<a href=\"%s\">Annuler</a>", page);
        assert_non_null(strstr(text(&r), back));
        mg_http_response_free(&r);
    }
    r = req("GET", page, NULL, NULL);
    assert_int_equal(r.status, 200);
    mg_http_response_free(&r);
    r = req("POST", target, FORM, "confirmer=oui");
    assert_int_equal(r.status, 303);
    assert_string_equal(r.location, "/scenarios");
    mg_http_response_free(&r);
    r = req("GET", page, NULL, NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    r = req("GET", target, NULL, NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    r = req("POST", target, FORM, "confirmer=oui");
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
}

/* Adds an action before the others, as someone else editing the
 * scenario between a confirmation and its click would (through the
 * store, in its transaction). */
static int insert_first(const mg_scenario_record *cur, void *ctx, char **out, mg_diag *d)
{
    (void)d;
    json_error_t err;
    json_t *actions = json_loads(cur->actions_json, 0, &err);
    json_t *a = json_loads((const char *)ctx, 0, &err);
    int rc = actions && a && json_array_insert_new(actions, 0, a) == 0 ? 0 : MG_ENOMEM;
    if (rc)
        json_decref(a);
    *out = rc ? NULL : json_dumps(actions, JSON_COMPACT);
    json_decref(actions);
    return rc ? rc : *out ? 0 : MG_ENOMEM;
}

/* The number of actions of scenario `page` ("/scenarios/ID"), through the API. */
static size_t stored_actions(const char *page)
{
    char target[640];
    snprintf(target, sizeof target, "/api/v1%s", page);
    mg_http_response r = req("GET", target, NULL, NULL);
    assert_int_equal(r.status, 200);
    json_error_t err;
    json_t *j = json_loads(text(&r), 0, &err);
    assert_non_null(j);
    size_t n = json_array_size(json_object_get(j, "actions"));
    json_decref(j);
    mg_http_response_free(&r);
    return n;
}

/* A removal confirmed for action n removes nothing when, meanwhile,
 * another action took place n: 409, the scenario as it is and why. */
static void test_remove_after_concurrent_edit(void **state)
{
    (void)state;
    mg_http_response r = req("POST", "/scenarios", FORM, "nom=Retrait+concurrent&profession=mg");
    assert_int_equal(r.status, 303);
    char page[512], target[640];
    snprintf(page, sizeof page, "%s", r.location);
    mg_http_response_free(&r);
    snprintf(target, sizeof target, "%s/actions", page);
    r = req("POST", target, FORM, "kind=gp&commune=11304&count=2");
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);

    /* The confirmation of the removal of action 1 (the GP in Quillan). */
    snprintf(target, sizeof target, "%s/actions/1/supprimer", page);
    r = req("GET", target, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Médecins généralistes : arrivées ou départs — Quillan"));
    char digest[64], body[128];
    assert_int_equal(strlen(hidden_value(text(&r), "empreinte", digest, sizeof digest)), 16);
    mg_http_response_free(&r);

    /* Someone else inserts a cabin in Carcassonne before it. */
    int64_t id = 0;
    assert_int_equal(mg_parse_id(page + strlen("/scenarios/"), INT64_MAX, &id, NULL), 0);
    mg_diag d = {{0}};
    assert_int_equal(mg_storage_scenario_edit(app->db, id, 0, insert_first,
                                              (void *)"{\"kind\":\"telemedicine_cabin\","
                                                      "\"commune\":\"11069\"}",
                                              &d),
                     0);
    assert_int_equal(stored_actions(page), 2);

    /* The confirmed click: action 1 is now the cabin: 409, nothing removed. */
    snprintf(body, sizeof body, "confirmer=oui&empreinte=%s", digest);
    r = req("POST", target, FORM, body);
    assert_int_equal(r.status, 409);
    assert_non_null(strstr(text(&r), "role=\"alert\""));
    assert_non_null(strstr(text(&r), "Le scénario a été modifié depuis la confirmation"));
    assert_non_null(strstr(text(&r), "Scénario « Retrait concurrent »"));
    assert_int_equal(count(text(&r), "<button type=\"submit\" aria-label=\"Retirer"), 2);
    mg_http_response_free(&r);
    assert_int_equal(stored_actions(page), 2);
    /* A digest that names no action (altered): refused the same way. */
    r = req("POST", target, FORM, "confirmer=oui&empreinte=0123456789abcdef");
    assert_int_equal(r.status, 409);
    mg_http_response_free(&r);
    assert_int_equal(stored_actions(page), 2);

    /* At its new place, the same confirmation removes it, and only it. */
    snprintf(target, sizeof target, "%s/actions/2/supprimer", page);
    r = req("POST", target, FORM, body);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    assert_int_equal(stored_actions(page), 1);
    snprintf(target, sizeof target, "/api/v1%s", page);
    r = req("GET", target, NULL, NULL);
    assert_non_null(strstr(text(&r), "telemedicine_cabin"));
    assert_null(strstr(text(&r), "\"gp\""));
    mg_http_response_free(&r);
}

/* Refused forms are drawn again with what was typed and the message
 * beside the field, status 400; ids only as the program writes them. */
static void test_refused_forms(void **state)
{
    (void)state;
    /* The name is required. */
    mg_http_response r = req("POST", "/scenarios", FORM, "nom=&profession=mg");
    assert_refused(&r, "scenario-nom", "« Nom du scénario » est obligatoire", NULL);
    assert_non_null(strstr(text(&r), "<h1>Scénarios</h1>"));
    assert_non_null(strstr(text(&r), "<option value=\"mg\" selected>"));
    mg_http_response_free(&r);
    r = req("POST", "/scenarios", FORM, "nom=+++&profession=inf");
    assert_refused(&r, "scenario-nom", "obligatoire", "   ");
    assert_non_null(strstr(text(&r), "<option value=\"inf\" selected>"));
    mg_http_response_free(&r);
    /* An unknown profession. */
    r = req("POST", "/scenarios", FORM, "nom=Essai&profession=veto");
    assert_refused(&r, "scenario-profession", "choisissez une valeur de la liste", NULL);
    assert_non_null(strstr(text(&r), "value=\"Essai\""));
    mg_http_response_free(&r);

    /* A name already used: the store's words, beside the name. */
    r = req("POST", "/scenarios", FORM, "nom=Doublon+%26+fils&profession=mg");
    assert_int_equal(r.status, 303);
    char page[512];
    snprintf(page, sizeof page, "%s", r.location);
    mg_http_response_free(&r);
    r = req("POST", "/scenarios", FORM, "nom=Doublon+%26+fils&profession=sf");
    assert_refused(&r, "scenario-nom", "Un scénario nommé « Doublon &amp; fils » existe déjà.",
                   "Doublon &amp; fils");
    assert_non_null(strstr(text(&r), "<option value=\"sf\" selected>"));
    mg_http_response_free(&r);

    /* The action form. */
    char target[640];
    snprintf(target, sizeof target, "%s/actions", page);
    r = req("POST", target, FORM, "kind=gp&commune=11304&count=abc");
    assert_refused(&r, "action-count", "doit être un nombre", "abc");
    mg_http_response_free(&r);
    r = req("POST", target, FORM, "kind=gp&commune=11304&count=5000");
    assert_refused(&r, "action-count", "Nombre de médecins généralistes", "5000");
    mg_http_response_free(&r);
    r = req("POST", target, FORM, "kind=mobile_consultation&commune=11304&days_per_month=40");
    assert_refused(&r, "action-days_per_month", "Jours de passage", "40");
    mg_http_response_free(&r);
    /* A well-formed commune code outside the territory (Paris). */
    r = req("POST", target, FORM, "kind=gp&commune=75056&count=2");
    assert_refused(&r, "action-commune", "ne fait pas partie du territoire", NULL);
    char tag[1024];
    assert_non_null(strstr(tag_of(text(&r), "action-count", tag, sizeof tag), "value=\"2\""));
    mg_http_response_free(&r);
    r = req("POST", target, FORM, "kind=teleportation&commune=11304");
    assert_refused(&r, "action-kind", "choisissez une valeur de la liste", NULL);
    mg_http_response_free(&r);
    /* French numbers are read as typed: "1,5" practitioners. */
    r = req("POST", target, FORM, "kind=gp&commune=11304&count=1%2C5");
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    snprintf(target, sizeof target, "/api/v1%s", page);
    r = req("GET", target, NULL, NULL);
    assert_non_null(strstr(text(&r), "\"count\":1.5"));
    mg_http_response_free(&r);

    /* Ids are written one way: "007", "1e3", "-1" are no scenario. */
    static const char *const bad[] = {
        "/scenarios/007", "/scenarios/1e3", "/scenarios/-1", "/scenarios/0",
        "/scenarios/007/supprimer", "/scenarios/1e3/supprimer",
        "/api/v1/scenarios/007", "/api/v1/scenarios/-1", "/api/v1/scenarios/1e3",
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        r = req("GET", bad[k], NULL, NULL);
        if (r.status != 404)
            fail_msg("%s: status %d, expected 404", bad[k], r.status);
        mg_http_response_free(&r);
    }
    const char *id = page + strlen("/scenarios/");
    static const char *const bad_actions[] = {"01", "1e0", "-1", "0", "abc"};
    for (size_t k = 0; k < sizeof bad_actions / sizeof *bad_actions; k++) {
        snprintf(target, sizeof target, "/scenarios/%s/actions/%s/supprimer", id, bad_actions[k]);
        r = req("POST", target, FORM, "confirmer=oui");
        if (r.status != 404)
            fail_msg("%s: status %d, expected 404", target, r.status);
        mg_http_response_free(&r);
    }
    snprintf(target, sizeof target, "/scenarios/0%s/supprimer", id);
    r = req("POST", target, FORM, "confirmer=oui");
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    /* None of these deleted it. */
    r = req("GET", page, NULL, NULL);
    assert_int_equal(r.status, 200);
    mg_http_response_free(&r);
}

/* The planning page's "save as scenario" form (web/form.h, ids
 * "enregistrer-…"): drawn under a plan; a refused name comes back with
 * what was typed, the message beside it and the plan's actions carried
 * along (400); what the page itself sends (profession, actions) refused
 * plainly. */
static void test_plan_save(void **state)
{
    (void)state;
    mg_http_response r = req("GET", "/planification?cabine=1&chariot=0&calculer=1", NULL, NULL);
    assert_int_equal(r.status, 200);
    char tag[1024];
    tag_of(text(&r), "enregistrer-nom", tag, sizeof tag);
    assert_non_null(strstr(tag, "name=\"nom\" required"));
    assert_non_null(strstr(tag, "value=\"Plan recommandé\""));
    assert_non_null(strstr(text(&r), "<form class=\"stack\" method=\"post\" "
                                     "action=\"/planification/enregistrer\">"));
    assert_non_null(strstr(text(&r), "<input type=\"hidden\" name=\"actions\" value=\"[{&quot;kind&quot;:"
                                     "&quot;telemedicine_cabin&quot;"));
    mg_http_response_free(&r);

    static const char actions[] = "actions=%5B%7B%22kind%22%3A%22gp%22%2C%22commune%22%3A%2211069%22"
                                  "%2C%22count%22%3A1%7D%5D";
    char body[1024];
    snprintf(body, sizeof body, "nom=Plan+%%26+co&profession=inf&%s", actions);
    r = req("POST", "/planification/enregistrer", FORM, body);
    assert_int_equal(r.status, 303);
    assert_true(strncmp(r.location, "/scenarios/", 11) == 0);
    mg_http_response_free(&r);

    /* The same name again: the store's words beside the name. */
    r = req("POST", "/planification/enregistrer", FORM, body);
    assert_refused(&r, "enregistrer-nom", "Un scénario nommé « Plan &amp; co » existe déjà.",
                   "Plan &amp; co");
    assert_non_null(strstr(text(&r), "<h1>Enregistrer le plan comme scénario</h1>"));
    /* A practitioner of the profession, named as such (a nurse here). */
    assert_non_null(strstr(text(&r), "<li>infirmière — Carcassonne (11069)</li>"));
    assert_non_null(strstr(text(&r), "<input type=\"hidden\" name=\"profession\" value=\"inf\">"));
    assert_non_null(strstr(text(&r), "<input type=\"hidden\" name=\"actions\" value=\"[{&quot;kind&quot;:"
                                     "&quot;gp&quot;,&quot;commune&quot;:&quot;11069&quot;,"
                                     "&quot;count&quot;:1}]\">"));
    assert_non_null(strstr(text(&r), "<a href=\"/planification?profession=inf\">← Planification</a>"));
    mg_http_response_free(&r);
    /* Empty, spaces only, too long. */
    snprintf(body, sizeof body, "nom=&profession=mg&%s", actions);
    r = req("POST", "/planification/enregistrer", FORM, body);
    assert_refused(&r, "enregistrer-nom", "« Nom du scénario » est obligatoire.", "");
    mg_http_response_free(&r);
    snprintf(body, sizeof body, "nom=+++&profession=mg&%s", actions);
    r = req("POST", "/planification/enregistrer", FORM, body);
    assert_refused(&r, "enregistrer-nom", "obligatoire", "   ");
    mg_http_response_free(&r);
    char name[202];
    memset(name, 'x', 201);
    name[201] = '\0';
    snprintf(body, sizeof body, "nom=%s&profession=mg&%s", name, actions);
    r = req("POST", "/planification/enregistrer", FORM, body);
    assert_refused(&r, "enregistrer-nom", "200 caractères au plus (201 saisis)", name);
    mg_http_response_free(&r);

    /* What the page sends itself: refused plainly (an error page). */
    static const struct {
        const char *body, *message;
    } bad[] = {
        {"nom=X&profession=mg&actions=%5B", "Actions du plan illisibles."},
        {"nom=X&profession=mg&actions=%5B%7B%22kind%22%3A%22teleportation%22%7D%5D",
         "Actions du plan illisibles."},
        {"nom=X&profession=mg", "La profession ou les actions du plan manquent : enregistrez le plan depuis la page de planification."},
        {"nom=X&profession=veto&actions=%5B%5D",
         "La profession ou les actions du plan manquent : enregistrez le plan depuis la page de planification."},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        r = req("POST", "/planification/enregistrer", FORM, bad[k].body);
        if (r.status != 400 || !strstr(text(&r), bad[k].message) ||
            strstr(text(&r), "enregistrer-nom"))
            fail_msg("%s: status %d, expected a plain 400 with \"%s\"", bad[k].body, r.status,
                     bad[k].message);
        mg_http_response_free(&r);
    }
}

/* Deletes every scenario of the application's store. */
static void delete_all_scenarios(void)
{
    mg_scenario_record *list = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_storage_scenario_list(app->db, &list, &n, &d), 0);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(mg_storage_scenario_delete(app->db, list[k].id, 0, &d), 0);
    mg_scenario_record_list_free(list, n);
}

/* /scenarios in pages of 50, and the API's limit and offset. */
static void test_scenario_list_pages(void **state)
{
    (void)state;
    delete_all_scenarios();
    mg_http_response r = req("GET", "/scenarios", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Aucun scénario pour l'instant."));
    mg_http_response_free(&r);
    r = req("GET", "/scenarios?page=2", NULL, NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);

    const char *row = "<tr><th scope=\"row\"><a href=\"/scenarios/";
    for (int k = 0; k < 60; k++) {
        char body[64];
        snprintf(body, sizeof body, "nom=Liste+%02d&profession=mg", k);
        r = req("POST", "/scenarios", FORM, body);
        assert_int_equal(r.status, 303);
        mg_http_response_free(&r);
        if (k == 49) { /* 50: one page, no navigation */
            r = req("GET", "/scenarios", NULL, NULL);
            assert_int_equal(count(text(&r), row), 50);
            assert_null(strstr(text(&r), "class=\"pagination\""));
            mg_http_response_free(&r);
            r = req("GET", "/scenarios?page=2", NULL, NULL);
            assert_int_equal(r.status, 404);
            mg_http_response_free(&r);
        }
    }
    r = req("GET", "/scenarios", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(count(text(&r), row), 50);
    assert_non_null(strstr(text(&r), "60 scénarios enregistrés."));
    assert_non_null(strstr(text(&r), "<span>Page 1 sur 2</span>"));
    assert_non_null(strstr(text(&r), "href=\"/scenarios?page=2#liste\">Page suivante"));
    assert_non_null(strstr(text(&r), "href=\"/scenarios?page=1#liste\" aria-current=\"page\">"));
    assert_null(strstr(text(&r), "Page précédente"));
    /* The most recent first (all saved within a few seconds: the highest
     * id first within one). */
    const char *first = strstr(text(&r), row);
    assert_non_null(first);
    assert_true(strstr(first, ">Liste 59</a>") < strstr(first, "</tr>"));
    /* The comparison offers them all (at most 200), in both lists. */
    const char *cmp = strstr(text(&r), "<select id=\"cmp-a\"");
    assert_non_null(cmp);
    assert_int_equal(count(cmp, "<option value="), 120);
    mg_http_response_free(&r);
    for (int k = 0; k < 2; k++) {
        r = req("GET", k ? "/scenarios?page=" : "/scenarios?page=1", NULL, NULL);
        assert_int_equal(r.status, 200);
        assert_int_equal(count(text(&r), row), 50);
        assert_non_null(strstr(text(&r), "<span>Page 1 sur 2</span>"));
        mg_http_response_free(&r);
    }
    r = req("GET", "/scenarios?page=2", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(count(text(&r), row), 10);
    assert_non_null(strstr(text(&r), "<span>Page 2 sur 2</span>"));
    assert_non_null(strstr(text(&r), "href=\"/scenarios?page=1#liste\">← Page précédente"));
    assert_null(strstr(text(&r), "Page suivante"));
    assert_non_null(strstr(text(&r), ">Liste 00</a>"));
    mg_http_response_free(&r);
    static const char *const out[] = {"3", "4", "0", "-1", "01", "abc", "1e1", "99999999999999999999"};
    for (size_t k = 0; k < sizeof out / sizeof *out; k++) {
        char target[64];
        snprintf(target, sizeof target, "/scenarios?page=%s", out[k]);
        r = req("GET", target, NULL, NULL);
        if (r.status != 404)
            fail_msg("%s: status %d, expected 404", target, r.status);
        assert_non_null(strstr(text(&r), "Cette page de la liste n&#39;existe pas."));
        mg_http_response_free(&r);
    }

    /* The API: 50 by default, then limit and offset. */
    static const struct {
        const char *query;
        size_t n, limit, offset;
        const char *first;
    } pages[] = {
        {"", 50, 50, 0, "Liste 59"},
        {"?limit=20", 20, 20, 0, "Liste 59"},
        {"?limit=20&offset=50", 10, 20, 50, "Liste 09"},
        {"?offset=59", 1, 50, 59, "Liste 00"},
        {"?limit=200&offset=0", 60, 200, 0, "Liste 59"},
        {"?offset=60", 0, 50, 60, NULL},
        {"?offset=1000&limit=1", 0, 1, 1000, NULL},
    };
    for (size_t k = 0; k < sizeof pages / sizeof *pages; k++) {
        char target[128];
        snprintf(target, sizeof target, "/api/v1/scenarios%s", pages[k].query);
        r = req("GET", target, NULL, NULL);
        assert_int_equal(r.status, 200);
        json_error_t err;
        json_t *j = json_loads(text(&r), 0, &err);
        assert_non_null(j);
        json_t *list = json_object_get(j, "scenarios");
        if (json_array_size(list) != pages[k].n)
            fail_msg("%s: %zu scenarios, expected %zu", target, json_array_size(list), pages[k].n);
        assert_int_equal(json_integer_value(json_object_get(j, "total")), 60);
        assert_int_equal(json_integer_value(json_object_get(j, "limit")), pages[k].limit);
        assert_int_equal(json_integer_value(json_object_get(j, "offset")), pages[k].offset);
        if (pages[k].first)
            assert_string_equal(
                json_string_value(json_object_get(json_array_get(list, 0), "name")),
                pages[k].first);
        json_decref(j);
        mg_http_response_free(&r);
    }
    static const char *const refused[] = {"?limit=0", "?limit=201", "?limit=abc", "?limit=1,5",
                                          "?offset=-1", "?offset=x", "?limit="};
    for (size_t k = 0; k < sizeof refused / sizeof *refused; k++) {
        char target[128];
        snprintf(target, sizeof target, "/api/v1/scenarios%s", refused[k]);
        r = req("GET", target, NULL, NULL);
        if (r.status != 400)
            fail_msg("%s: status %d, expected 400", target, r.status);
        assert_non_null(strstr(text(&r), "\"status\":400"));
        mg_http_response_free(&r);
    }
    delete_all_scenarios();
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

/* Another organisation's page, asked by id, answers exactly as an id that
 * names none: the same status and the same words. */
static void test_other_organisation_hidden(void **state)
{
    (void)state;
    mg_diag d = {{0}};
    int64_t other = 0;
    mg_auth_org_input in = {.name = "Autre organisation (exemple)", .kind = "epci"};
    assert_int_equal(mg_auth_org_add(app->db, 0, &in, true, false, &other, NULL, &d), 0);
    char target[64];
    snprintf(target, sizeof target, "/organisations/%lld", (long long)other);
    mg_http_response hidden = req("GET", target, NULL, NULL);
    mg_http_response none = req("GET", "/organisations/999999", NULL, NULL);
    assert_int_equal(hidden.status, 404);
    assert_int_equal(none.status, 404);
    assert_non_null(strstr(text(&hidden), "Cette organisation n&#39;existe pas."));
    assert_non_null(strstr(text(&none), "Cette organisation n&#39;existe pas."));
    mg_http_response_free(&hidden);
    mg_http_response_free(&none);
    snprintf(target, sizeof target, "/organisations/%lld", (long long)web_org_id);
    mg_http_response own = req("GET", target, NULL, NULL);
    assert_int_equal(own.status, 200);
    mg_http_response_free(&own);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_territory_page),
        cmocka_unit_test(test_bad_parameters),
        cmocka_unit_test(test_commune_page),
        cmocka_unit_test(test_commune_contributions_sum),
        cmocka_unit_test(test_scenario_pages),
        cmocka_unit_test(test_remove_after_concurrent_edit),
        cmocka_unit_test(test_refused_forms),
        cmocka_unit_test(test_plan_save),
        cmocka_unit_test(test_scenario_list_pages),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_api),
        cmocka_unit_test(test_downloads),
        cmocka_unit_test(test_other_organisation_hidden),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, web_setup, web_teardown);
    /* The same pages and API on PostgreSQL. */
    int pg = test_pg_database("mg_test_web", web_fixture_db, sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, web_setup, web_teardown);
}
