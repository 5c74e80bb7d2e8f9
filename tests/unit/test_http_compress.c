/*
 * mg_http_compress (src/http/compress.c): which answers are gzipped —
 * compressible ones only, to clients that accept gzip, textual, large
 * enough, status 200 — and that the bytes inflate back to the body. Then
 * through the web application: a visitor's territory page is marked
 * compressible, a page with a form token (the log-in page) is not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "http/http.h"
#include "http/internal.h"

/* A body of n bytes of HTML-like text. */
static void fill(mg_http_response *res, size_t n)
{
    for (size_t k = 0; res->body.len < n; k++)
        assert_int_equal(mg_buf_printf(&res->body, "<p>ligne %zu de la page</p>\n", k), 0);
}

static void request(mg_http_request *r, const char *accept)
{
    mg_http_request_init(r);
    assert_int_equal(mg_http_request_set_line(r, "GET", "/territoire"), 0);
    if (accept)
        assert_int_equal(mg_http_request_add_header(r, "Accept-Encoding", accept), 0);
}

/* Whether the answer to a request with `accept` is gzipped. */
static bool gzipped(const char *accept, bool compressible, int status, const char *type,
                    size_t n)
{
    mg_http_request r;
    request(&r, accept);
    mg_http_response res;
    mg_http_response_init(&res);
    res.status = status;
    res.content_type = type;
    res.compressible = compressible;
    fill(&res, n);
    assert_int_equal(mg_http_compress(&r, &res), 0);
    bool z = res.gzipped;
    mg_http_response_free(&res);
    mg_http_request_free(&r);
    return z;
}

static void test_when(void **state)
{
    (void)state;
    assert_true(gzipped("gzip, deflate, br", true, 200, NULL, 20000));
    assert_true(gzipped("br;q=1.0, GZIP;q=0.5", true, 200, "text/csv; charset=utf-8", 20000));
    assert_true(gzipped("x-gzip", true, 200, "image/svg+xml", 20000));
    assert_false(gzipped("gzip;q=0", true, 200, NULL, 20000));
    assert_false(gzipped("gzip; q=0.000", true, 200, NULL, 20000));
    assert_false(gzipped("deflate, br", true, 200, NULL, 20000));
    assert_false(gzipped("*", true, 200, NULL, 20000));
    assert_false(gzipped(NULL, true, 200, NULL, 20000));
    assert_false(gzipped("gzip", false, 200, NULL, 20000)); /* a secret may be in it */
    assert_false(gzipped("gzip", true, 404, NULL, 20000));
    assert_false(gzipped("gzip", true, 200, NULL, 500));    /* too small to gain */
    assert_false(gzipped("gzip", true, 200, "image/png", 20000));
    assert_false(gzipped("gzip", true, 200, "application/pdf", 20000));
}

static void test_round_trip(void **state)
{
    (void)state;
    mg_http_request r;
    request(&r, "gzip");
    mg_http_response res;
    mg_http_response_init(&res);
    res.compressible = true;
    fill(&res, 300000);
    size_t len = res.body.len;
    char *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, res.body.data, len);
    assert_int_equal(mg_http_compress(&r, &res), 0);
    assert_true(res.gzipped);
    assert_true(res.body.len < len / 5);
    /* The headers say so. */
    mg_http_header_field h[MG_HTTP_MAX_RESPONSE_HEADERS];
    size_t n = mg_http_response_headers(&res, h);
    bool enc = false, vary = false;
    for (size_t k = 0; k < n; k++) {
        enc |= strcmp(h[k].name, "Content-Encoding") == 0 && strcmp(h[k].value, "gzip") == 0;
        vary |= strcmp(h[k].name, "Vary") == 0 && strcmp(h[k].value, "Accept-Encoding") == 0;
    }
    assert_true(enc && vary);
    /* zlib's inflate, told to expect gzip, gives the body back. */
    z_stream z = {0};
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    char *back = malloc(len + 1);
    assert_non_null(back);
    z.next_in = (Bytef *)res.body.data;
    z.avail_in = (uInt)res.body.len;
    z.next_out = (Bytef *)back;
    z.avail_out = (uInt)(len + 1);
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, len);
    inflateEnd(&z);
    assert_memory_equal(back, copy, len);
    free(back);
    free(copy);
    mg_http_response_free(&res);
    mg_http_request_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_when),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
