/*
 * Tests of the multipart/form-data parser (http/multipart.c) and of what
 * handlers see through mg_http_dispatch: files by mg_http_upload, text
 * fields by mg_http_form (a CSRF token in an upload form), boundaries
 * quoted or not, a preamble, quoted names with escapes, a filename with
 * quotes, a Windows path or Windows-1252 bytes, LF-only lines, a body cut
 * before its final boundary, and the body limits (1 MiB for other types,
 * MG_HTTP_MAX_UPLOAD_BODY for multipart).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

#define CT "multipart/form-data; boundary=----b0undary"

struct parts {
    size_t n;
    mg_http_part p[8];
};

static int collect(void *ctx, const mg_http_part *part)
{
    struct parts *ps = ctx;
    if (ps->n < 8)
        ps->p[ps->n] = *part;
    ps->n++;
    return 0;
}

static int parse(const char *ct, const char *body, size_t len, struct parts *ps, char *msg)
{
    memset(ps, 0, sizeof *ps);
    msg[0] = '\0';
    return mg_http_multipart_parse(ct, body, len, collect, ps, msg, 200);
}

static void test_two_parts(void **state)
{
    (void)state;
    static const char body[] = "------b0undary\r\n"
                               "Content-Disposition: form-data; name=\"csrf\"\r\n\r\n"
                               "tok\r\n"
                               "------b0undary\r\n"
                               "Content-Disposition: form-data; name=\"fichier\"; "
                               "filename=\"plan.csv\"\r\nContent-Type: text/csv\r\n\r\n"
                               "a;b\r\n\r\n1;2\r\n"
                               "------b0undary--\r\n";
    struct parts ps;
    char msg[200];
    assert_int_equal(parse(CT, body, sizeof body - 1, &ps, msg), 0);
    assert_int_equal(ps.n, 2);
    assert_string_equal(ps.p[0].name, "csrf");
    assert_false(ps.p[0].is_file);
    assert_int_equal(ps.p[0].len, 3);
    assert_memory_equal(ps.p[0].data, "tok", 3);
    assert_string_equal(ps.p[1].name, "fichier");
    assert_true(ps.p[1].is_file);
    assert_string_equal(ps.p[1].filename, "plan.csv");
    assert_string_equal(ps.p[1].content_type, "text/csv");
    /* The data keeps its inner blank line and stops before the CRLF that
     * belongs to the delimiter. */
    assert_int_equal(ps.p[1].len, strlen("a;b\r\n\r\n1;2"));
    assert_memory_equal(ps.p[1].data, "a;b\r\n\r\n1;2", ps.p[1].len);
}

static void test_quoted_boundary_preamble_lf(void **state)
{
    (void)state;
    static const char body[] = "ignored preamble\n"
                               "--a b:c\n"
                               "content-disposition: FORM-DATA; filename=\"x\\\"y\\\".csv\"; "
                               "name=\"fi\\\"chier\"\n\n"
                               "--a b:c is not a delimiter here\n"
                               "--a b:c--";
    struct parts ps;
    char msg[200];
    assert_int_equal(parse("multipart/form-data; charset=utf-8; boundary=\"a b:c\"", body,
                           sizeof body - 1, &ps, msg), 0);
    assert_int_equal(ps.n, 1);
    assert_string_equal(ps.p[0].name, "fi\"chier");
    assert_string_equal(ps.p[0].filename, "x\"y\".csv");
    assert_int_equal(ps.p[0].len, strlen("--a b:c is not a delimiter here"));
}

static void test_filenames(void **state)
{
    (void)state;
    /* A browser's %22 for a quote, a Windows path, Windows-1252 bytes. */
    static const char body[] = "--B\r\nContent-Disposition: form-data; name=\"a\"; "
                               "filename=\"le %22plan%22.csv\"\r\n\r\n1\r\n"
                               "--B\r\nContent-Disposition: form-data; name=\"b\"; "
                               "filename=\"C:\\\\Mes documents\\\\plan.xlsx\"\r\n\r\n2\r\n"
                               "--B\r\nContent-Disposition: form-data; name=\"c\"; "
                               "filename=\"pr\xe9vu \x80.csv\"\r\n\r\n3\r\n"
                               "--B\r\nContent-Disposition: form-data; name=\"d\"; "
                               "filename=\"\"\r\n\r\n\r\n"
                               "--B--\r\n";
    struct parts ps;
    char msg[200];
    assert_int_equal(parse("multipart/form-data; boundary=B", body, sizeof body - 1, &ps, msg), 0);
    assert_int_equal(ps.n, 4);
    assert_string_equal(ps.p[0].filename, "le \"plan\".csv");
    assert_string_equal(ps.p[1].filename, "plan.xlsx");
    assert_string_equal(ps.p[2].filename, "pr\xc3\xa9vu \xe2\x82\xac.csv");
    assert_true(ps.p[3].is_file);
    assert_string_equal(ps.p[3].filename, "");
    assert_int_equal(ps.p[3].len, 0);
}

static void test_refusals(void **state)
{
    (void)state;
    struct parts ps;
    char msg[200];
    static const char cut[] = "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue";
    assert_int_equal(parse("multipart/form-data; boundary=B", cut, sizeof cut - 1, &ps, msg),
                     MG_EPARSE);
    assert_non_null(strstr(msg, "limite finale"));
    /* Cut right after a delimiter, before the close "--". */
    static const char cut2[] = "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--B";
    assert_int_equal(parse("multipart/form-data; boundary=B", cut2, sizeof cut2 - 1, &ps, msg),
                     MG_EPARSE);
    static const char ok[] = "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--B--";
    assert_int_equal(parse("multipart/form-data", ok, sizeof ok - 1, &ps, msg), MG_EPARSE);
    assert_non_null(strstr(msg, "boundary"));
    assert_int_equal(parse("text/plain; boundary=B", ok, sizeof ok - 1, &ps, msg), MG_EPARSE);
    static const char noname[] = "--B\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nv\r\n--B--";
    assert_int_equal(parse("multipart/form-data; boundary=B", noname, sizeof noname - 1, &ps, msg),
                     MG_EPARSE);
    static const char unq[] = "--B\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--B--";
    assert_int_equal(parse("multipart/form-data; boundary=B", unq, sizeof unq - 1, &ps, msg),
                     MG_EPARSE);
    static const char attach[] = "--B\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--B--";
    assert_int_equal(parse("multipart/form-data; boundary=B", attach, sizeof attach - 1, &ps, msg),
                     MG_EPARSE);
    assert_int_equal(parse("multipart/form-data; boundary=B", "", 0, &ps, msg), MG_EPARSE);
}

static int upload_handler(void *ctx, const mg_http_request *req, mg_http_response *res)
{
    (void)ctx;
    const char *data = NULL, *fname = NULL;
    size_t len = 0;
    int rc = mg_http_upload(req, "fichier", &data, &len, &fname);
    const char *csrf = mg_http_form(req, "csrf");
    const char *dry = mg_http_form(req, "essai");
    char line[256];
    snprintf(line, sizeof line, "rc=%d len=%zu name=%s csrf=%s essai=%s data=", rc, len,
             fname ? fname : "-", csrf ? csrf : "-", dry ? dry : "-");
    if (mg_buf_append(&res->body, line, strlen(line)) != 0)
        return -1;
    if (rc == 0 && len && mg_buf_append(&res->body, data, len) != 0)
        return -1;
    return 0;
}

static void test_dispatch(void **state)
{
    (void)state;
    mg_router *rt = mg_router_new();
    assert_non_null(rt);
    assert_int_equal(mg_router_add(rt, "POST", "/envoi", upload_handler, NULL), 0);
    static const char body[] = "------b0undary\r\n"
                               "Content-Disposition: form-data; name=\"csrf\"\r\n\r\n"
                               "jeton\r\n"
                               "------b0undary\r\n"
                               "Content-Disposition: form-data; name=\"essai\"\r\n\r\n"
                               "1\r\n"
                               "------b0undary\r\n"
                               "Content-Disposition: form-data; name=\"fichier\"; "
                               "filename=\"plan.csv\"\r\n\r\n"
                               "axe;action\r\n"
                               "------b0undary--\r\n";
    mg_http_response res;
    assert_int_equal(mg_http_dispatch(rt, "POST", "/envoi", CT, body, sizeof body - 1, &res), 0);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.body.data,
                        "rc=0 len=10 name=plan.csv csrf=jeton essai=1 data=axe;action");
    mg_http_response_free(&res);

    /* A malformed multipart body is a 400 before the handler. */
    static const char cut[] = "------b0undary\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nx";
    assert_int_equal(mg_http_dispatch(rt, "POST", "/envoi", CT, cut, sizeof cut - 1, &res), 0);
    assert_int_equal(res.status, 400);
    mg_http_response_free(&res);

    /* An urlencoded form has no upload. */
    assert_int_equal(mg_http_dispatch(rt, "POST", "/envoi", "application/x-www-form-urlencoded",
                                      "csrf=z", 6, &res), 0);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.body.data, "rc=-6 len=0 name=- csrf=z essai=- data=");
    mg_http_response_free(&res);
    mg_router_free(rt);
}

static void test_limits(void **state)
{
    (void)state;
    assert_int_equal(mg_http_body_limit(NULL), MG_HTTP_MAX_BODY);
    assert_int_equal(mg_http_body_limit("application/x-www-form-urlencoded"), MG_HTTP_MAX_BODY);
    assert_int_equal(mg_http_body_limit(CT), MG_HTTP_MAX_UPLOAD_BODY);
    assert_int_equal(mg_http_body_limit(" Multipart/Form-Data;boundary=x"), MG_HTTP_MAX_UPLOAD_BODY);
    assert_int_equal(mg_http_body_limit("multipart/form-dataX"), MG_HTTP_MAX_BODY);
    assert_true(MG_HTTP_MAX_UPLOAD_BODY >= 10u * 1024u * 1024u + 64u * 1024u);

    mg_router *rt = mg_router_new();
    assert_non_null(rt);
    assert_int_equal(mg_router_add(rt, "POST", "/envoi", upload_handler, NULL), 0);
    /* A 10 MiB file fits in a multipart body; 2 MiB of urlencoded text does not. */
    size_t file = 10u * 1024u * 1024u;
    static const char head[] = "------b0undary\r\nContent-Disposition: form-data; name=\"fichier\"; "
                               "filename=\"gros.bin\"\r\n\r\n";
    static const char tail[] = "\r\n------b0undary--\r\n";
    size_t n = sizeof head - 1 + file + sizeof tail - 1;
    char *big = malloc(n);
    assert_non_null(big);
    memcpy(big, head, sizeof head - 1);
    memset(big + sizeof head - 1, 'x', file);
    memcpy(big + sizeof head - 1 + file, tail, sizeof tail - 1);
    mg_http_response res;
    assert_int_equal(mg_http_dispatch(rt, "POST", "/envoi", CT, big, n, &res), 0);
    assert_int_equal(res.status, 200);
    assert_non_null(strstr(res.body.data, "rc=0 len=10485760 name=gros.bin"));
    mg_http_response_free(&res);
    assert_int_equal(mg_http_dispatch(rt, "POST", "/envoi", "application/x-www-form-urlencoded",
                                      big, 2u * 1024u * 1024u, &res), 0);
    assert_int_equal(res.status, 413);
    mg_http_response_free(&res);
    free(big);
    mg_router_free(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_parts),
        cmocka_unit_test(test_quoted_boundary_preamble_lf),
        cmocka_unit_test(test_filenames),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
