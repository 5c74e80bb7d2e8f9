/*
 * Tests of the router, through mg_http_dispatch: literal and parameter
 * segments, a literal suffix after a parameter ("{code}.svg"), the order of
 * routes, 404 and 405 with its Allow list, HEAD on GET routes, the limits
 * and the patterns it refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/http.h"

/* Writes the route's name and its path parameters, so that a test sees
 * which route answered and what it captured. */
static int named(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    const char *p1 = mg_http_path_param(r, "code");
    const char *p2 = mg_http_path_param(r, "id");
    return mg_buf_printf(&res->body, "%s code=%s id=%s missing=%s", (const char *)ctx,
                         p1 ? p1 : "-", p2 ? p2 : "-",
                         mg_http_path_param(r, "absent") ? "yes" : "no");
}

static int setup(void **state)
{
    mg_router *rt = mg_router_new();
    assert_non_null(rt);
    assert_int_equal(mg_router_add(rt, "GET", "/", named, "home"), MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/communes/nouvelle", named, "new"), MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/communes/{code}", named, "commune"), MG_OK);
    assert_int_equal(mg_router_add(rt, "POST", "/communes/{code}", named, "commune-post"), MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/communes/{code}/scenarios/{id}", named, "both"),
                     MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/cartes/{code}.svg", named, "svg"), MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/cartes/{code}.png", named, "png"), MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/export/{code}-data.csv", named, "csv"), MG_OK);
    assert_int_equal(mg_router_add(rt, "DELETE", "/scenarios/{id}", named, "delete"), MG_OK);
    assert_int_equal(mg_router_add(rt, "HEAD", "/sonde", named, "probe-head"), MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/sonde", named, "probe-get"), MG_OK);
    *state = rt;
    return 0;
}

static int teardown(void **state)
{
    mg_router_free(*state);
    return 0;
}

static void expect(void **state, const char *method, const char *target, int status,
                   const char *body)
{
    mg_http_response res;
    assert_int_equal(mg_http_dispatch(*state, method, target, NULL, NULL, 0, &res), MG_OK);
    if (res.status != status)
        fail_msg("%s %s: status %d, expected %d", method, target, res.status, status);
    if (body)
        assert_string_equal(res.body.data ? res.body.data : "", body);
    mg_http_response_free(&res);
}

static void test_literal_and_params(void **state)
{
    expect(state, "GET", "/", 200, "home code=- id=- missing=no");
    expect(state, "GET", "/communes/11069", 200, "commune code=11069 id=- missing=no");
    expect(state, "GET", "/communes/11069/scenarios/42", 200, "both code=11069 id=42 missing=no");
    /* Captures are decoded, query strings are not part of the path. */
    expect(state, "GET", "/communes/Saint-%C3%89tienne?x=1", 200,
           "commune code=Saint-Étienne id=- missing=no");
    expect(state, "POST", "/communes/11069", 200, "commune-post code=11069 id=- missing=no");
}

static void test_order(void **state)
{
    /* The literal route was added first, so it wins over the parameter. */
    expect(state, "GET", "/communes/nouvelle", 200, "new code=- id=- missing=no");
}

static void test_suffix(void **state)
{
    expect(state, "GET", "/cartes/11069.svg", 200, "svg code=11069 id=- missing=no");
    expect(state, "GET", "/cartes/11069.png", 200, "png code=11069 id=- missing=no");
    /* The capture is everything before the suffix, dots included. */
    expect(state, "GET", "/cartes/a.b.svg", 200, "svg code=a.b id=- missing=no");
    expect(state, "GET", "/export/11-data.csv", 200, "csv code=11 id=- missing=no");
    expect(state, "GET", "/cartes/11069.gif", 404, NULL);
    expect(state, "GET", "/cartes/11069", 404, NULL);
    /* The parameter needs at least one character before its suffix. */
    expect(state, "GET", "/cartes/.svg", 404, NULL);
    expect(state, "GET", "/export/-data.csv", 404, NULL);
}

static void test_not_found(void **state)
{
    expect(state, "GET", "/communes", 404, NULL);
    expect(state, "GET", "/communes/", 404, NULL);            /* empty parameter */
    expect(state, "GET", "/communes/11069/", 404, NULL);      /* trailing slash */
    expect(state, "GET", "/communes/11069/scenarios", 404, NULL);
    expect(state, "GET", "//", 404, NULL);
    expect(state, "GET", "/communes//scenarios/1", 404, NULL);
    expect(state, "GET", "/COMMUNES/11069", 404, NULL);       /* case matters */
    /* "." and ".." are never captured. */
    expect(state, "GET", "/communes/..", 404, NULL);
    expect(state, "GET", "/communes/%2E", 404, NULL);
    expect(state, "GET", "/communes/%2e%2e/scenarios/1", 404, NULL);
    expect(state, "GET", "/communes/...", 200, "commune code=... id=- missing=no");
    /* An encoded slash is a slash once decoded, so it cannot hide inside a
     * parameter. */
    expect(state, "GET", "/communes/a%2Fb", 404, NULL);
}

static void test_method_not_allowed(void **state)
{
    mg_http_response res;
    assert_int_equal(mg_http_dispatch(*state, "PUT", "/communes/11069", NULL, NULL, 0, &res),
                     MG_OK);
    assert_int_equal(res.status, 405);
    assert_string_equal(res.allow, "GET, HEAD, POST");
    mg_http_response_free(&res);

    assert_int_equal(mg_http_dispatch(*state, "GET", "/scenarios/3", NULL, NULL, 0, &res), MG_OK);
    assert_int_equal(res.status, 405);
    assert_string_equal(res.allow, "DELETE");
    mg_http_response_free(&res);

    /* Methods are case-sensitive tokens. */
    assert_int_equal(mg_http_dispatch(*state, "get", "/", NULL, NULL, 0, &res), MG_OK);
    assert_int_equal(res.status, 405);
    assert_string_equal(res.allow, "GET, HEAD");
    mg_http_response_free(&res);

    /* No Allow on other answers. */
    assert_int_equal(mg_http_dispatch(*state, "GET", "/", NULL, NULL, 0, &res), MG_OK);
    assert_string_equal(res.allow, "");
    mg_http_response_free(&res);
    assert_int_equal(mg_http_dispatch(*state, "PUT", "/nulle-part", NULL, NULL, 0, &res), MG_OK);
    assert_int_equal(res.status, 404);
    assert_string_equal(res.allow, "");
    mg_http_response_free(&res);
}

static void test_head(void **state)
{
    /* HEAD runs the GET route and drops the body. */
    expect(state, "HEAD", "/communes/11069", 200, "");
    expect(state, "DELETE", "/sonde", 405, NULL);
    mg_http_response res;
    assert_int_equal(mg_http_dispatch(*state, "OPTIONS", "/sonde", NULL, NULL, 0, &res), MG_OK);
    assert_string_equal(res.allow, "HEAD, GET");
    mg_http_response_free(&res);
    /* A HEAD route added before the GET route of the same path does not
     * take GET requests. */
    expect(state, "GET", "/sonde", 200, "probe-get code=- id=- missing=no");
}

static int nop(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    (void)r;
    (void)res;
    return 0;
}

static void test_bad_patterns(void **state)
{
    (void)state;
    mg_router *rt = mg_router_new();
    assert_non_null(rt);
    static const char *const bad[] = {
        "",        "communes",   "/{",       "/{}",       "/{a b}",      "/a{b}",
        "/{a}{b}", "/{a}/{a}",   "/{a}}",    "/x}",       "/{a}.s{v}g",  "/{é}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (mg_router_add(rt, "GET", bad[i], nop, NULL) != MG_EINVAL)
            fail_msg("pattern \"%s\" accepted", bad[i]);
    assert_int_equal(mg_router_add(rt, "G T", "/", nop, NULL), MG_EINVAL);
    assert_int_equal(mg_router_add(rt, "", "/", nop, NULL), MG_EINVAL);
    assert_int_equal(mg_router_add(rt, "GET", "/", NULL, NULL), MG_EINVAL);
    assert_int_equal(mg_router_add(rt, NULL, "/", nop, NULL), MG_EINVAL);
    assert_int_equal(mg_router_add(rt, "GET", NULL, nop, NULL), MG_EINVAL);
    assert_int_equal(mg_router_add(NULL, "GET", "/", nop, NULL), MG_EINVAL);
    assert_int_equal(mg_router_add(rt, "AVERYVERYVERYVERYLONGMETHODNAMEXX", "/", nop, NULL),
                     MG_EINVAL);

    /* Too many parameters or segments. */
    char pat[1024] = "";
    for (int i = 0; i < 17; i++) {
        char seg[16];
        snprintf(seg, sizeof seg, "/{p%d}", i);
        strncat(pat, seg, sizeof pat - strlen(pat) - 1);
    }
    assert_int_equal(mg_router_add(rt, "GET", pat, nop, NULL), MG_ELIMIT);
    pat[0] = '\0';
    for (int i = 0; i < 65; i++)
        strncat(pat, "/a", sizeof pat - strlen(pat) - 1);
    assert_int_equal(mg_router_add(rt, "GET", pat, nop, NULL), MG_ELIMIT);

    /* Nothing was added by the failures. */
    mg_http_response res;
    assert_int_equal(mg_http_dispatch(rt, "GET", "/", NULL, NULL, 0, &res), MG_OK);
    assert_int_equal(res.status, 404);
    mg_http_response_free(&res);
    mg_router_free(rt);
    mg_router_free(NULL);
}

static void test_route_limit(void **state)
{
    (void)state;
    mg_router *rt = mg_router_new();
    assert_non_null(rt);
    char pat[32];
    for (unsigned i = 0; i < MG_ROUTER_MAX_ROUTES; i++) {
        snprintf(pat, sizeof pat, "/r%u/{id}", i);
        assert_int_equal(mg_router_add(rt, "GET", pat, named, "r"), MG_OK);
    }
    assert_int_equal(mg_router_add(rt, "GET", "/one-too-many", named, "x"), MG_ELIMIT);
    mg_http_response res;
    char last[32];
    snprintf(last, sizeof last, "/r%u/7", MG_ROUTER_MAX_ROUTES - 1);
    assert_int_equal(mg_http_dispatch(rt, "GET", last, NULL, NULL, 0, &res), MG_OK);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.body.data, "r code=- id=7 missing=no");
    mg_http_response_free(&res);
    assert_int_equal(mg_http_dispatch(rt, "GET", "/one-too-many", NULL, NULL, 0, &res), MG_OK);
    assert_int_equal(res.status, 404);
    mg_http_response_free(&res);
    mg_router_free(rt);
}

static void test_sixteen_params(void **state)
{
    (void)state;
    mg_router *rt = mg_router_new();
    assert_non_null(rt);
    char pat[512] = "", target[512] = "";
    for (int i = 0; i < 16; i++) {
        char seg[16];
        snprintf(seg, sizeof seg, "/{p%d}", i);
        strncat(pat, seg, sizeof pat - strlen(pat) - 1);
        snprintf(seg, sizeof seg, "/v%d", i);
        strncat(target, seg, sizeof target - strlen(target) - 1);
    }
    strncat(pat, "/{code}", sizeof pat - strlen(pat) - 1);
    assert_int_equal(mg_router_add(rt, "GET", pat, named, "many"), MG_ELIMIT);
    pat[strlen(pat) - strlen("/{code}")] = '\0';
    assert_int_equal(mg_router_add(rt, "GET", pat, named, "many"), MG_OK);
    mg_http_response res;
    assert_int_equal(mg_http_dispatch(rt, "GET", target, NULL, NULL, 0, &res), MG_OK);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.body.data, "many code=- id=- missing=no");
    mg_http_response_free(&res);
    mg_router_free(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_literal_and_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suffix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_method_not_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head, setup, teardown),
        cmocka_unit_test(test_bad_patterns),
        cmocka_unit_test(test_route_limit),
        cmocka_unit_test(test_sixteen_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
