/*
 * Tests of the request object and of the responses, through
 * mg_http_dispatch (the server's code path without the network):
 * percent-decoding and its validation, '+' in queries and forms, UTF-8
 * checks, duplicates, the parameter limit, forms only for the urlencoded
 * content type, the body, mg_http_wants_json, error pages and JSON errors,
 * redirects, 413 / 414 / 400 / 500 and the response headers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "http/internal.h"

#define FORM "application/x-www-form-urlencoded"

/* Fails the test, showing the body, unless it contains `part`. */
#define assert_body_has(res, part)                                                  \
    do {                                                                            \
        if (!(res).body.data || !strstr((res).body.data, (part)))                   \
            fail_msg("body \"%s\" does not contain \"%s\"",                         \
                     (res).body.data ? (res).body.data : "(empty)", (part));        \
    } while (0)

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

/* Writes what the request carries, so that tests compare one string. */
/* Draws from the request's arena: odd-sized strings, then blocks that must
 * be aligned for any type, and a block larger than a chunk. */
static int arena_handler(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    int misaligned = 0, copies = 0;
    for (int i = 0; i < 50; i++) {
        char *s = mg_http_strdup(r, i % 2 ? "abc" : "de");
        copies += s && strcmp(s, i % 2 ? "abc" : "de") == 0;
        double *v = mg_http_alloc(r, (size_t)(i + 1) * sizeof *v);
        if (!v || (uintptr_t)v % _Alignof(max_align_t))
            misaligned++;
        else
            v[i] = i;
    }
    char *big = mg_http_alloc(r, 100000);
    if (big)
        memset(big, 'x', 100000);
    return mg_buf_printf(&res->body, "copies=%d misaligned=%d big=%d", copies, misaligned,
                         big != NULL);
}

static int echo(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    size_t blen = 0;
    const char *body = mg_http_body(r, &blen);
    res->content_type = "text/plain; charset=utf-8";
    return mg_buf_printf(&res->body, "path=%s|q=%s|x=%s|f=%s|p=%s|json=%d|body=%zu:%s",
                         mg_http_path(r), or_dash(mg_http_query(r, "q")),
                         or_dash(mg_http_query(r, "x")), or_dash(mg_http_form(r, "f")),
                         or_dash(mg_http_param(r, "p")), mg_http_wants_json(r) ? 1 : 0, blen,
                         or_dash(body));
}

static int fail_handler(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    (void)r;
    mg_buf_puts(&res->body, "half a page");
    return MG_EIO;
}

/* Overflows a deliberately small body limit, as a page past
 * MG_HTTP_MAX_RESPONSE would. */
static int overflow_handler(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    (void)r;
    res->body.max = 8;
    (void)mg_buf_puts(&res->body, "more than eight bytes");
    return 0;
}

static int error_handler(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    int status = (int)(intptr_t)ctx;
    mg_http_error(r, res, status, mg_http_query(r, "m"));
    return 0;
}

static int redirect_handler(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    mg_http_redirect(res, mg_http_query(r, "to"));
    return 0;
}

static int bad_utf8_error(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    mg_http_error(r, res, 409, "\xff\xfe");
    return 0;
}

static int setup(void **state)
{
    mg_router *rt = mg_router_new();
    assert_non_null(rt);
    assert_int_equal(mg_router_add(rt, "GET", "/echo", echo, NULL), MG_OK);
    assert_int_equal(mg_router_add(rt, "POST", "/echo", echo, NULL), MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/chemin/{x}", echo, NULL), MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/api/echo", echo, NULL), MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/fail", fail_handler, NULL), MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/arena", arena_handler, NULL), MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/overflow", overflow_handler, NULL), MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/redirect", redirect_handler, NULL), MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/conflict", bad_utf8_error, NULL), MG_OK);
    static const int statuses[] = {400, 404, 405, 413, 414, 500, 503, 409, 418, 431};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        char pat[32];
        snprintf(pat, sizeof pat, "/error/%d", statuses[i]);
        assert_int_equal(mg_router_add(rt, "GET", pat, error_handler,
                                       (void *)(intptr_t)statuses[i]),
                         MG_OK);
        snprintf(pat, sizeof pat, "/api/error/%d", statuses[i]);
        assert_int_equal(mg_router_add(rt, "GET", pat, error_handler,
                                       (void *)(intptr_t)statuses[i]),
                         MG_OK);
    }
    *state = rt;
    return 0;
}

static int teardown(void **state)
{
    mg_router_free(*state);
    return 0;
}

/* Dispatches and checks the status; the caller frees res. */
static void run(void **state, const char *method, const char *target, const char *ct,
                const char *body, size_t len, int status, mg_http_response *res)
{
    assert_int_equal(mg_http_dispatch(*state, method, target, ct, body, len, res), MG_OK);
    if (res->status != status)
        fail_msg("%s %s: status %d, expected %d; body: %s", method, target, res->status,
                 status, res->body.data ? res->body.data : "(empty)");
}

static void get_body(void **state, const char *target, const char *expected)
{
    mg_http_response res;
    run(state, "GET", target, NULL, NULL, 0, 200, &res);
    assert_json_error(res.body.data, expected);
    mg_http_response_free(&res);
}

static void expect_400(void **state, const char *target, const char *message)
{
    mg_http_response res;
    run(state, "GET", target, NULL, NULL, 0, 400, &res);
    assert_string_equal(res.content_type, "text/html; charset=utf-8");
    assert_body_has(res, "<h1>Requête invalide</h1>");
    assert_body_has(res, message);
    mg_http_response_free(&res);
}

static void test_decoding(void **state)
{
    get_body(state, "/echo?q=caf%C3%A9+cr%C3%A8me&x=a%2Bb",
             "path=/echo|q=café crème|x=a+b|f=-|p=-|json=0|body=0:-");
    /* Lower-case hex, a raw '=' inside the value, an empty value, a pair
     * without '=' and empty pairs. */
    get_body(state, "/echo?&&q=%c3%a9=%3d&x&p=",
             "path=/echo|q=é==|x=|f=-|p=|json=0|body=0:-");
    /* Raw UTF-8 bytes in the target are accepted when valid. */
    get_body(state, "/echo?q=\xc3\xa9t\xc3\xa9", "path=/echo|q=été|x=-|f=-|p=-|json=0|body=0:-");
    /* In the path, '+' stays a plus and escapes are decoded. */
    get_body(state, "/chemin/a+b%20c", "path=/chemin/a+b c|q=-|x=-|f=-|p=-|json=0|body=0:-");
    get_body(state, "/%63hemin/%C3%A9", "path=/chemin/é|q=-|x=-|f=-|p=-|json=0|body=0:-");
}

static void test_bad_escapes(void **state)
{
    expect_400(state, "/echo?q=%zz", "paramètre « q » : encodage invalide");
    expect_400(state, "/echo?q=%4", "paramètre « q » : encodage invalide");
    expect_400(state, "/echo?q=abc%", "paramètre « q » : encodage invalide");
    expect_400(state, "/echo?q=%%41", "paramètre « q » : encodage invalide");
    expect_400(state, "/echo?%zz=1", "nom de paramètre : encodage invalide");
    expect_400(state, "/ech%6", "adresse : encodage invalide");
    expect_400(state, "/echo%ZZ?q=1", "adresse : encodage invalide");
}

static void test_invalid_utf8(void **state)
{
    static const char *const bad[] = {
        "%FF",          /* never in UTF-8 */
        "%C3%28",       /* bad continuation */
        "%C3",          /* truncated */
        "%C0%AF",       /* overlong '/' */
        "%E0%80%AF",    /* overlong, three bytes */
        "%ED%A0%80",    /* surrogate */
        "%F4%90%80%80", /* above U+10FFFF */
        "%00",          /* NUL would cut the C string */
        "a%00b",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char target[64];
        snprintf(target, sizeof target, "/echo?x=1&q=%s", bad[i]);
        expect_400(state, target, "paramètre « q » : encodage invalide");
    }
    expect_400(state, "/echo?q=\xff", "paramètre « q » : encodage invalide");
    expect_400(state, "/chemin/%FF", "adresse : encodage invalide");
    expect_400(state, "/chemin/%00", "adresse : encodage invalide");
    /* Four-byte characters at the top of the range are fine. */
    get_body(state, "/echo?q=%F4%8F%BF%BF%F0%9F%98%80",
             "path=/echo|q=\xf4\x8f\xbf\xbf\xf0\x9f\x98\x80|x=-|f=-|p=-|json=0|body=0:-");
}

/* A long name is cut on a character boundary in the message, which must
 * stay UTF-8 to go into JSON. */
static void test_long_name_in_message(void **state)
{
    char target[256] = "/api/echo?";
    for (int i = 0; i < 59; i++)
        strncat(target, "a", sizeof target - strlen(target) - 1);
    strncat(target, "%C3%A9%C3%A9=%FF", sizeof target - strlen(target) - 1);
    mg_http_response res;
    run(state, "GET", target, NULL, NULL, 0, 400, &res);
    assert_string_equal(res.content_type, "application/json");
    char expected[256];
    snprintf(expected, sizeof expected,
             "{\"error\":{\"status\":400,\"message\":\"paramètre « %.59s… » : encodage "
             "invalide.\"}}",
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_json_error(res.body.data, expected);
    mg_http_response_free(&res);
}

static void test_duplicates_keep_first(void **state)
{
    get_body(state, "/echo?q=premier&q=second&x=1&x=2",
             "path=/echo|q=premier|x=1|f=-|p=-|json=0|body=0:-");
}

static void test_param_limit(void **state)
{
    char target[2048] = "/echo?";
    for (unsigned i = 0; i < MG_HTTP_MAX_PARAMS - 1; i++) {
        char pair[16];
        snprintf(pair, sizeof pair, "k%u=%u&", i, i);
        strncat(target, pair, sizeof target - strlen(target) - 1);
    }
    strncat(target, "q=last", sizeof target - strlen(target) - 1);
    get_body(state, target, "path=/echo|q=last|x=-|f=-|p=-|json=0|body=0:-");
    strncat(target, "&x=1", sizeof target - strlen(target) - 1);
    expect_400(state, target, "trop de paramètres : 64 au plus.");

    /* The limit counts query and form pairs together. */
    char query[1024] = "/echo?";
    char form[1024] = "";
    for (unsigned i = 0; i < 40; i++) {
        char pair[16];
        snprintf(pair, sizeof pair, "q%u=%u&", i, i);
        strncat(query, pair, sizeof query - strlen(query) - 1);
    }
    for (unsigned i = 0; i < 25; i++) {
        char pair[16];
        snprintf(pair, sizeof pair, "f%u=%u&", i, i);
        strncat(form, pair, sizeof form - strlen(form) - 1);
    }
    mg_http_response res;
    run(state, "POST", query, FORM, form, strlen(form), 400, &res);
    assert_body_has(res, "trop de paramètres : 64 au plus.");
    mg_http_response_free(&res);
    run(state, "POST", query, "text/plain", form, strlen(form), 200, &res);
    mg_http_response_free(&res);
}

static void test_form(void **state)
{
    static const char body[] = "f=Carcassonne+%26+Narbonne&p=form&q=ignored";
    mg_http_response res;
    run(state, "POST", "/echo?p=query&q=query", FORM, body, strlen(body), 200, &res);
    assert_string_equal(res.body.data, "path=/echo|q=query|x=-|f=Carcassonne & Narbonne|p=form|"
                                       "json=0|body=43:f=Carcassonne+%26+Narbonne&p=form&"
                                       "q=ignored");
    mg_http_response_free(&res);

    /* Parameters and case in the content type are fine. */
    run(state, "POST", "/echo", "Application/X-WWW-Form-Urlencoded ; charset=UTF-8", "f=1", 3,
        200, &res);
    assert_string_equal(res.body.data, "path=/echo|q=-|x=-|f=1|p=-|json=0|body=3:f=1");
    mg_http_response_free(&res);

    /* Other types are not forms: the body is there, the form is empty, and
     * its bytes are not checked. */
    static const char *const others[] = {"application/json", "text/plain",
                                         "application/x-www-form-urlencodedX", NULL};
    for (size_t i = 0; i < 4; i++) {
        run(state, "POST", "/echo?p=query", others[i], "f=%zz", 5, 200, &res);
        assert_string_equal(res.body.data, "path=/echo|q=-|x=-|f=-|p=query|json=0|body=5:f=%zz");
        mg_http_response_free(&res);
    }

    /* A urlencoded body is checked like a query string. */
    run(state, "POST", "/echo", FORM, "f=%zz", 5, 400, &res);
    assert_body_has(res, "paramètre « f » : encodage invalide");
    mg_http_response_free(&res);
    run(state, "POST", "/echo", FORM, "f=a\0b", 5, 400, &res);
    assert_body_has(res, "paramètre « f » : encodage invalide");
    mg_http_response_free(&res);
}

static void test_body(void **state)
{
    static const char json[] = "{\"a\": [1, 2]}";
    mg_http_response res;
    run(state, "POST", "/echo", "application/json", json, strlen(json), 200, &res);
    assert_string_equal(res.body.data, "path=/echo|q=-|x=-|f=-|p=-|json=0|body=13:{\"a\": [1, 2]}");
    mg_http_response_free(&res);
}

static void test_body_limit(void **state)
{
    char *big = malloc(MG_HTTP_MAX_BODY + 1);
    assert_non_null(big);
    memset(big, 'a', MG_HTTP_MAX_BODY + 1);
    mg_http_response res;
    run(state, "POST", "/echo", "text/plain", big, MG_HTTP_MAX_BODY, 200, &res);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "body=%u:aaaa", MG_HTTP_MAX_BODY);
    assert_body_has(res, prefix);
    mg_http_response_free(&res);

    run(state, "POST", "/echo", "text/plain", big, MG_HTTP_MAX_BODY + 1, 413, &res);
    assert_body_has(res, "<title>Erreur 413 — maillage</title>");
    assert_body_has(res, "<h1>Requête trop volumineuse</h1>");
    assert_body_has(res, "<p>Le contenu envoyé dépasse la taille maximale de 1024 Kio.</p>");
    mg_http_response_free(&res);

    run(state, "POST", "/api/echo", "text/plain", big, MG_HTTP_MAX_BODY + 1, 413, &res);
    assert_json_error(res.body.data, "{\"error\":{\"status\":413,\"message\":\"Le contenu envoyé "
                                       "dépasse la taille maximale de 1024 Kio.\"}}");
    mg_http_response_free(&res);
    free(big);
}

static void test_url_limit(void **state)
{
    char *target = malloc(MG_HTTP_MAX_URL + 2);
    assert_non_null(target);
    memcpy(target, "/echo?q=", 8);
    memset(target + 8, 'a', MG_HTTP_MAX_URL - 8);
    target[MG_HTTP_MAX_URL] = '\0';
    mg_http_response res;
    run(state, "GET", target, NULL, NULL, 0, 200, &res);
    mg_http_response_free(&res);
    target[MG_HTTP_MAX_URL] = 'a';
    target[MG_HTTP_MAX_URL + 1] = '\0';
    run(state, "GET", target, NULL, NULL, 0, 414, &res);
    assert_body_has(res, "<h1>Adresse trop longue</h1>");
    assert_body_has(res, "<p>L&#39;adresse demandée dépasse 8192 caractères.</p>");
    mg_http_response_free(&res);
    free(target);
}

static void test_bad_request_line(void **state)
{
    expect_400(state, "echo", "adresse invalide : elle doit commencer par « / ».");
    expect_400(state, "ftp://example.org/echo", "adresse invalide");
    expect_400(state, "*", "adresse invalide");
    expect_400(state, "/echo?q=a b", "adresse invalide : caractère interdit.");
    expect_400(state, "/echo\r\nX-Injected: 1", "adresse invalide : caractère interdit.");
    mg_http_response res;
    run(state, "G(T", "/echo", NULL, NULL, 0, 400, &res);
    assert_body_has(res, "<p>méthode HTTP invalide.</p>");
    mg_http_response_free(&res);
    run(state, "", "/echo", NULL, NULL, 0, 400, &res);
    mg_http_response_free(&res);
    run(state, "GET", "", NULL, NULL, 0, 400, &res);
    mg_http_response_free(&res);
}

/* HTTP/1.1 servers must accept the absolute form; the host is ignored. */
static void test_absolute_form(void **state)
{
    get_body(state, "http://example.org/echo?q=1", "path=/echo|q=1|x=-|f=-|p=-|json=0|body=0:-");
    get_body(state, "HTTPS://example.org:8443/chemin/%C3%A9",
             "path=/chemin/é|q=-|x=-|f=-|p=-|json=0|body=0:-");
    mg_http_response res;
    run(state, "GET", "http://example.org", NULL, NULL, 0, 404, &res);
    mg_http_response_free(&res);
    run(state, "GET", "http://example.org?q=2", NULL, NULL, 0, 404, &res);
    mg_http_response_free(&res);
    run(state, "GET", "http://example.org/api/x", NULL, NULL, 0, 404, &res);
    assert_string_equal(res.content_type, "application/json");
    mg_http_response_free(&res);
}

static void test_null_arguments(void **state)
{
    mg_http_response res;
    assert_int_equal(mg_http_dispatch(NULL, "GET", "/", NULL, NULL, 0, &res), MG_EINVAL);
    mg_http_response_free(&res);
    assert_int_equal(mg_http_dispatch(*state, NULL, "/", NULL, NULL, 0, &res), MG_EINVAL);
    mg_http_response_free(&res);
    assert_int_equal(mg_http_dispatch(*state, "GET", NULL, NULL, NULL, 0, &res), MG_EINVAL);
    mg_http_response_free(&res);
    assert_int_equal(mg_http_dispatch(*state, "POST", "/echo", NULL, NULL, 3, &res), MG_EINVAL);
    mg_http_response_free(&res);
    assert_int_equal(mg_http_dispatch(*state, "GET", "/", NULL, NULL, 0, NULL), MG_EINVAL);
}

static void test_error_page_html(void **state)
{
    mg_http_response res;
    run(state, "GET", "/nulle-part", NULL, NULL, 0, 404, &res);
    assert_string_equal(res.content_type, "text/html; charset=utf-8");
    assert_string_equal(res.cache, "no-store");
    /* The request's reference, which changes each time, is checked apart. */
    char want_ref[128];
    snprintf(want_ref, sizeof want_ref,
             "<p class=\"ref\">Référence de la demande : <code>%s</code></p>\n", res.request_id);
    assert_int_equal(strlen(res.request_id), 15);
    char *ref = strstr(res.body.data, want_ref);
    assert_non_null(ref);
    memmove(ref, ref + strlen(want_ref), strlen(ref + strlen(want_ref)) + 1);
    assert_string_equal(res.body.data,
                        "<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
                        "<meta name=\"viewport\" content=\"width=device-width, "
                        "initial-scale=1\">\n"
                        "<title>Erreur 404 — maillage</title>\n"
                        "<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
                        "</head>\n<body>\n<main class=\"erreur\">\n"
                        "<h1>Page introuvable</h1>\n"
                        "<p>La page demandée n&#39;existe pas.</p>\n"
                        "<p><a href=\"/\">Retour à l'accueil</a></p>\n"
                        "</main>\n</body>\n</html>\n");
    mg_http_response_free(&res);
}

static void test_error_titles(void **state)
{
    static const struct {
        int status;
        const char *title;
    } cases[] = {
        {400, "Requête invalide"},       {404, "Page introuvable"},
        {405, "Méthode non autorisée"},  {413, "Requête trop volumineuse"},
        {414, "Adresse trop longue"},    {500, "Erreur interne"},
        {503, "Service indisponible"},   {409, "Conflit"},
        {418, "Requête refusée"},        {431, "En-têtes trop volumineux"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char target[64], want[128];
        snprintf(target, sizeof target, "/error/%d?m=D%%C3%%A9tail", cases[i].status);
        mg_http_response res;
        run(state, "GET", target, NULL, NULL, 0, cases[i].status, &res);
        snprintf(want, sizeof want, "<title>Erreur %d — maillage</title>", cases[i].status);
        assert_body_has(res, want);
        snprintf(want, sizeof want, "<h1>%s</h1>\n<p>Détail</p>", cases[i].title);
        assert_body_has(res, want);
        mg_http_response_free(&res);

        /* Without a message, the title stands in. */
        snprintf(target, sizeof target, "/api/error/%d", cases[i].status);
        run(state, "GET", target, NULL, NULL, 0, cases[i].status, &res);
        snprintf(want, sizeof want, "{\"error\":{\"status\":%d,\"message\":\"%s\"}}",
                 cases[i].status, cases[i].title);
        assert_json_error(res.body.data, want);
        assert_string_equal(res.content_type, "application/json");
        mg_http_response_free(&res);
    }
}

static void test_error_escaping(void **state)
{
    mg_http_response res;
    run(state, "GET", "/error/400?m=%3Cscript%3Ealert('x')%3C/script%3E+%26+%22co%22", NULL,
        NULL, 0, 400, &res);
    assert_body_has(res, "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;</p>");
    assert_null(strstr(res.body.data, "<script>"));
    mg_http_response_free(&res);

    run(state, "GET", "/api/error/400?m=%22%5C%0A", NULL, NULL, 0, 400, &res);
    assert_json_error(res.body.data, "{\"error\":{\"status\":400,\"message\":\"\\\"\\\\\\n\"}}");
    mg_http_response_free(&res);

    /* A message that is not UTF-8 cannot go into JSON: the title does. */
    run(state, "GET", "/conflict", NULL, NULL, 0, 409, &res);
    assert_body_has(res, "<h1>Conflit</h1>");
    mg_http_response_free(&res);
}

static void test_json_errors_under_api(void **state)
{
    mg_http_response res;
    run(state, "GET", "/api/nulle-part", NULL, NULL, 0, 404, &res);
    assert_string_equal(res.content_type, "application/json");
    assert_json_error(res.body.data,
                        "{\"error\":{\"status\":404,\"message\":\"La page demandée n'existe pas.\"}}");
    mg_http_response_free(&res);

    run(state, "DELETE", "/api/echo", NULL, NULL, 0, 405, &res);
    assert_json_error(res.body.data, "{\"error\":{\"status\":405,\"message\":\"Cette adresse "
                                       "n'accepte pas la méthode DELETE.\"}}");
    assert_string_equal(res.allow, "GET, HEAD");
    mg_http_response_free(&res);

    /* Even a path that cannot be decoded is known to be under /api/. */
    run(state, "GET", "/api/%zz", NULL, NULL, 0, 400, &res);
    assert_json_error(res.body.data,
                        "{\"error\":{\"status\":400,\"message\":\"adresse : encodage invalide.\"}}");
    mg_http_response_free(&res);

    /* The handler sees the request as a JSON client's. */
    run(state, "GET", "/api/echo", NULL, NULL, 0, 200, &res);
    assert_string_equal(res.body.data, "path=/api/echo|q=-|x=-|f=-|p=-|json=1|body=0:-");
    mg_http_response_free(&res);
    /* "/apiculture" is not under /api/. */
    run(state, "GET", "/apiculture", NULL, NULL, 0, 404, &res);
    assert_string_equal(res.content_type, "text/html; charset=utf-8");
    mg_http_response_free(&res);
}

/* The Accept header, checked on a request built as the server builds it. */
static bool wants_json_with(const char *path, const char *accept)
{
    mg_http_request r;
    mg_http_request_init(&r);
    assert_int_equal(mg_http_request_set_line(&r, "GET", path), MG_OK);
    if (accept)
        assert_int_equal(mg_http_request_add_header(&r, "accept", accept), MG_OK);
    char msg[256];
    assert_int_equal(mg_http_request_parse_path(&r, msg, sizeof msg), MG_OK);
    bool json = mg_http_wants_json(&r);
    mg_http_request_free(&r);
    return json;
}

static void test_wants_json(void **state)
{
    (void)state;
    assert_true(wants_json_with("/api/x", NULL));
    assert_true(wants_json_with("/api", NULL));
    assert_true(wants_json_with("/%61pi/x", NULL));
    assert_false(wants_json_with("/apiculture", NULL));
    assert_false(wants_json_with("/", NULL));
    assert_true(wants_json_with("/", "application/json"));
    assert_true(wants_json_with("/", "application/json, text/plain, */*"));
    assert_true(wants_json_with("/", "Application/JSON;charset=utf-8"));
    assert_true(wants_json_with("/", "text/html;q=0.5, application/json"));
    assert_false(wants_json_with("/", "text/html,application/xhtml+xml,application/xml;q=0.9,"
                                      "*/*;q=0.8"));
    assert_false(wants_json_with("/", "*/*"));
    assert_false(wants_json_with("/", "text/html, application/json"));
    assert_false(wants_json_with("/", "application/json;q=0"));
    assert_false(wants_json_with("/", "application/json;q=0.4, text/html;q=0.5"));
    assert_true(wants_json_with("/", "application/json;q=0.51, text/html;q=0.5"));
    assert_false(wants_json_with("/", "application/jsonx"));
    assert_false(wants_json_with("/", ""));
    assert_false(wants_json_with("/", ",,;;q=,"));
    /* A parameter that is not a quality leaves the default of 1. */
    assert_true(wants_json_with("/", "application/json;q;level=1"));
    assert_false(mg_http_wants_json(NULL));
}

static void test_headers_request(void **state)
{
    (void)state;
    mg_http_request r;
    mg_http_request_init(&r);
    assert_int_equal(mg_http_request_set_line(&r, "GET", "/"), MG_OK);
    assert_int_equal(mg_http_request_add_header(&r, "X-Forwarded-For", "10.0.0.1"), MG_OK);
    assert_int_equal(mg_http_request_add_header(&r, "x-forwarded-for", "10.0.0.2"), MG_OK);
    assert_string_equal(mg_http_header(&r, "X-FORWARDED-FOR"), "10.0.0.1");
    assert_null(mg_http_header(&r, "Cookie"));
    assert_null(mg_http_header(&r, NULL));
    assert_false(r.bad_header);
    assert_int_equal(mg_http_request_add_header(&r, "User-Agent", "\xff"), MG_OK);
    assert_true(r.bad_header);
    mg_http_response res;
    mg_http_response_init(&res);
    assert_true(mg_http_dispatch_begin(&r, &res));
    assert_int_equal(res.status, 400);
    assert_body_has(res, "en-têtes de la requête invalides");
    mg_http_response_free(&res);
    mg_http_request_free(&r);

    /* A header name that is not a token ("Host " before its colon). */
    mg_http_request_init(&r);
    assert_int_equal(mg_http_request_set_line(&r, "GET", "/"), MG_OK);
    assert_int_equal(mg_http_request_add_header(&r, "Host ", "localhost"), MG_OK);
    assert_true(r.bad_header);
    mg_http_request_free(&r);

    /* Transfer codings: chunked is read; any other one, or a list, is 400. */
    static const struct {
        const char *te;
        bool refused;
    } te[] = {{"chunked", false}, {"Chunked", false}, {"gzip", true}, {"gzip, chunked", true},
              {"identity", true}};
    for (size_t i = 0; i < sizeof te / sizeof te[0]; i++) {
        mg_http_request_init(&r);
        assert_int_equal(mg_http_request_set_line(&r, "POST", "/echo"), MG_OK);
        assert_int_equal(mg_http_request_add_header(&r, "Transfer-Encoding", te[i].te), MG_OK);
        mg_http_response_init(&res);
        assert_int_equal(mg_http_dispatch_begin(&r, &res), te[i].refused);
        if (te[i].refused) {
            assert_int_equal(res.status, 400);
            assert_body_has(res, "codage de transfert non pris en charge");
        }
        mg_http_response_free(&res);
        mg_http_request_free(&r);
    }

    /* One field too many is a head too large: 431. */
    mg_http_request_init(&r);
    assert_int_equal(mg_http_request_set_line(&r, "GET", "/"), MG_OK);
    for (unsigned i = 0; i < MG_HTTP_MAX_HEADERS; i++)
        assert_int_equal(mg_http_request_add_header(&r, "X-A", "1"), MG_OK);
    assert_false(r.head_too_large);
    assert_int_equal(mg_http_request_add_header(&r, "X-A", "1"), MG_OK);
    assert_true(r.head_too_large);
    assert_false(r.bad_header);
    mg_http_response_init(&res);
    assert_true(mg_http_dispatch_begin(&r, &res));
    assert_int_equal(res.status, 431);
    assert_body_has(res, "<h1>En-têtes trop volumineux</h1>");
    assert_body_has(res, "dépassent 64 Kio ou 100 champs.");
    assert_false(res.close);
    mg_http_response_free(&res);
    mg_http_request_free(&r);
}

/* A body length two servers could read differently is 400, and the
 * connection is closed after the answer (Connection: close). */
static void test_ambiguous_framing(void **state)
{
    (void)state;
    static const struct {
        const char *headers[3][2];
        const char *message; /* NULL: not refused for its framing */
    } cases[] = {
        {{{"Content-Length", "3"}, {"content-length", "4"}}, "Content-Length donné plusieurs fois"},
        {{{"Content-Length", "0"}, {"Content-Length", "0"}}, "Content-Length donné plusieurs fois"},
        {{{"Content-Length", "3"}, {"Transfer-Encoding", "chunked"}},
         "Content-Length et Transfer-Encoding ensemble"},
        {{{"transfer-encoding", "chunked"}, {"CONTENT-LENGTH", "3"}},
         "Content-Length et Transfer-Encoding ensemble"},
        {{{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}},
         "Transfer-Encoding donné plusieurs fois"},
        {{{"Content-Length", "3"}, {"X-Content-Length", "4"}}, NULL},
        {{{"Transfer-Encoding", "chunked"}}, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mg_http_request r;
        mg_http_request_init(&r);
        assert_int_equal(mg_http_request_set_line(&r, "POST", "/echo"), MG_OK);
        for (size_t k = 0; k < 3 && cases[i].headers[k][0]; k++)
            assert_int_equal(mg_http_request_add_header(&r, cases[i].headers[k][0],
                                                        cases[i].headers[k][1]),
                             MG_OK);
        mg_http_response res;
        mg_http_response_init(&res);
        bool refused = mg_http_dispatch_begin(&r, &res);
        if (cases[i].message) {
            assert_true(refused);
            assert_int_equal(res.status, 400);
            assert_body_has(res, cases[i].message);
            assert_true(res.close);
            mg_http_header_field h[MG_HTTP_MAX_RESPONSE_HEADERS];
            size_t n = mg_http_response_headers(&res, h);
            assert_string_equal(h[n - 1].name, "Connection");
            assert_string_equal(h[n - 1].value, "close");
        } else {
            assert_false(res.close);
        }
        mg_http_response_free(&res);
        mg_http_request_free(&r);
    }
    assert_null(mg_http_framing_error(1, 0));
    assert_null(mg_http_framing_error(0, 1));
    assert_null(mg_http_framing_error(0, 0));
    assert_non_null(mg_http_framing_error(2, 0));
}

static void test_handler_failures(void **state)
{
    mg_http_response res;
    run(state, "GET", "/fail", NULL, NULL, 0, 500, &res);
    assert_body_has(res, "<h1>Erreur interne</h1>");
    assert_body_has(res, "<p>Le serveur a rencontré une erreur. Réessayez plus tard.</p>");
    assert_null(strstr(res.body.data, "half a page"));
    mg_http_response_free(&res);
    run(state, "GET", "/overflow", NULL, NULL, 0, 500, &res);
    assert_body_has(res, "<h1>Erreur interne</h1>");
    mg_http_response_free(&res);
}

static void test_arena(void **state)
{
    mg_http_response res;
    run(state, "GET", "/arena", NULL, NULL, 0, 200, &res);
    assert_string_equal(res.body.data, "copies=50 misaligned=0 big=1");
    mg_http_response_free(&res);
}

static void test_redirect(void **state)
{
    mg_http_response res;
    run(state, "GET", "/redirect?to=/commune/11069%3Fmesure%3Dapl", NULL, NULL, 0, 303, &res);
    assert_string_equal(res.location, "/commune/11069?mesure=apl");
    assert_int_equal(res.body.len, 0);
    mg_http_header_field h[MG_HTTP_MAX_RESPONSE_HEADERS];
    size_t n = mg_http_response_headers(&res, h);
    assert_int_equal(n, 8);
    assert_string_equal(h[6].name, "Location");
    assert_string_equal(h[6].value, "/commune/11069?mesure=apl");
    assert_string_equal(h[7].name, "X-Request-Id");
    assert_string_equal(h[7].value, res.request_id);
    mg_http_response_free(&res);

    static const char *const refused[] = {
        "/redirect?to=//evil.example/",     "/redirect?to=/%5Cevil.example",
        "/redirect?to=https://evil.example", "/redirect?to=/a%0D%0ASet-Cookie:x=1",
        "/redirect?to=",                     "/redirect",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        run(state, "GET", refused[i], NULL, NULL, 0, 500, &res);
        assert_string_equal(res.location, "");
        mg_http_response_free(&res);
    }
    char target[700] = "/redirect?to=/";
    for (int i = 0; i < 520; i++)
        strncat(target, "a", sizeof target - strlen(target) - 1);
    run(state, "GET", target, NULL, NULL, 0, 500, &res);
    mg_http_response_free(&res);
}

static void test_head(void **state)
{
    mg_http_response res;
    run(state, "HEAD", "/echo?q=1", NULL, NULL, 0, 200, &res);
    assert_int_equal(res.body.len, 0);
    assert_string_equal(res.content_type, "text/plain; charset=utf-8");
    mg_http_response_free(&res);
    run(state, "HEAD", "/nulle-part", NULL, NULL, 0, 404, &res);
    assert_int_equal(res.body.len, 0);
    mg_http_response_free(&res);
}

static void test_response_headers(void **state)
{
    mg_http_response res;
    run(state, "PUT", "/echo", NULL, NULL, 0, 405, &res);
    mg_http_header_field h[MG_HTTP_MAX_RESPONSE_HEADERS];
    size_t n = mg_http_response_headers(&res, h);
    assert_int_equal(n, 8);
    assert_string_equal(h[0].name, "Content-Security-Policy");
    assert_string_equal(h[0].value,
                        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                        "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                        "form-action 'self'");
    assert_string_equal(h[1].name, "X-Content-Type-Options");
    assert_string_equal(h[1].value, "nosniff");
    assert_string_equal(h[2].name, "X-Frame-Options");
    assert_string_equal(h[2].value, "DENY");
    assert_string_equal(h[3].name, "Referrer-Policy");
    assert_string_equal(h[3].value, "same-origin");
    assert_string_equal(h[4].name, "Content-Type");
    assert_string_equal(h[4].value, "text/html; charset=utf-8");
    assert_string_equal(h[5].name, "Cache-Control");
    assert_string_equal(h[5].value, "no-store");
    assert_string_equal(h[6].name, "Allow");
    assert_string_equal(h[6].value, "GET, HEAD, POST");
    assert_string_equal(h[7].name, "X-Request-Id");
    assert_int_equal(strlen(h[7].value), 15);
    assert_body_has(res, "<h1>Méthode non autorisée</h1>");
    assert_body_has(res, "<p>Cette adresse n&#39;accepte pas la méthode PUT.</p>");
    mg_http_response_free(&res);

    /* Every field set, and a NULL content type taken as the default. */
    mg_http_response_init(&res);
    res.content_type = NULL;
    memcpy(res.disposition, "attachment; filename=\"a.csv\"",
           sizeof "attachment; filename=\"a.csv\"");
    res.cache[0] = '\0';
    n = mg_http_response_headers(&res, h);
    assert_int_equal(n, 6);
    assert_string_equal(h[4].value, "text/html; charset=utf-8");
    assert_string_equal(h[5].name, "Content-Disposition");
    mg_http_response_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_decoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_name_in_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_keep_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_param_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_request_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_absolute_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_page_html, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_titles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_errors_under_api, setup, teardown),
        cmocka_unit_test(test_wants_json),
        cmocka_unit_test(test_headers_request),
        cmocka_unit_test(test_ambiguous_framing),
        cmocka_unit_test_setup_teardown(test_handler_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redirect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arena, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_headers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
