/*
 * libFuzzer target for the HTTP request path (http/request.c, router.c,
 * response.c). The input is split at its first three '\n' bytes into
 * method, target, content type and body (missing parts are NULL or empty)
 * and run through mg_http_dispatch with a router of a few routes whose
 * handlers read every parameter. Beyond the sanitizers it checks the
 * layer's promises: every value a handler sees is NUL-terminated UTF-8,
 * lookups return the first occurrence, the status is an HTTP one, an error
 * body is a French page or the JSON error object with the same status, and
 * Allow comes with 405 only.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_util.h"

#include "http/http.h"
#include "http/internal.h"
#include "html/html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Strict UTF-8 without NUL, written independently of request.c. */
static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        int n;
        if (p[0] < 0x80) {
            p++;
            continue;
        } else if ((p[0] & 0xE0) == 0xC0) {
            cp = p[0] & 0x1Fu;
            n = 1;
        } else if ((p[0] & 0xF0) == 0xE0) {
            cp = p[0] & 0x0Fu;
            n = 2;
        } else if ((p[0] & 0xF8) == 0xF0) {
            cp = p[0] & 0x07u;
            n = 3;
        } else {
            return false;
        }
        for (int k = 1; k <= n; k++) {
            if ((p[k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[k] & 0x3Fu);
        }
        static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += n + 1;
    }
    return true;
}

/* Reads every parameter the request holds, checks it, and echoes it
 * through the HTML escaper. */
static void read_all(const mg_http_request *r, mg_http_response *res)
{
    check(mg_http_method(r) && valid_utf8(mg_http_method(r)));
    const char *path = mg_http_path(r);
    check(path && path[0] == '/' && valid_utf8(path));
    check(r->nquery + r->nform <= MG_HTTP_MAX_PARAMS);
    for (size_t i = 0; i < r->nquery + r->nform; i++) {
        const mg_http_kv *kv = &r->params[i];
        check(valid_utf8(kv->name) && valid_utf8(kv->value));
        /* Duplicates keep the first. */
        const char *first = i < r->nquery ? mg_http_query(r, kv->name) : mg_http_form(r, kv->name);
        check(first != NULL);
        size_t from = i < r->nquery ? 0 : r->nquery;
        for (size_t k = from; k <= i; k++)
            if (strcmp(r->params[k].name, kv->name) == 0) {
                check(first == r->params[k].value);
                break;
            }
        check(mg_http_param(r, kv->name) != NULL);
        (void)mg_html_text(&res->body, kv->name);
        (void)mg_html_text(&res->body, kv->value);
    }
    for (size_t i = 0; i < r->npath_params; i++) {
        const char *v = mg_http_path_param(r, r->path_params[i].name);
        check(v && v[0] && valid_utf8(v) && strcmp(v, ".") != 0 && strcmp(v, "..") != 0);
        (void)mg_html_text(&res->body, v);
    }
    size_t blen = 0;
    const char *body = mg_http_body(r, &blen);
    check((body == NULL) == (blen == 0) && blen <= MG_HTTP_MAX_BODY);
    if (body)
        check(body[blen] == '\0');
    (void)mg_http_wants_json(r);
    (void)mg_http_header(r, "Content-Type");
}

static int page(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    read_all(r, res);
    return 0;
}

static int api_json(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    read_all(r, res);
    size_t len = 0;
    const char *body = mg_http_body(r, &len);
    json_error_t err;
    json_t *j = body ? json_loadb(body, len, 0, &err) : NULL;
    if (!j) {
        mg_http_error(r, res, 400, "Le corps de la requête n'est pas du JSON valide.");
        return 0;
    }
    json_decref(j);
    mg_buf_reset(&res->body);
    res->content_type = "application/json";
    return mg_buf_puts(&res->body, "{\"ok\":true}");
}

static int redirect(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    read_all(r, res);
    mg_http_redirect(res, mg_http_param(r, "to"));
    if (res->status == 303)
        check(res->location[0] == '/' && res->location[1] != '/');
    return 0;
}

static int error_page(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    read_all(r, res);
    const char *s = mg_http_param(r, "status");
    int status = 400;
    if (s && s[0] >= '4' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
        s[2] <= '9' && s[3] == '\0')
        status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    mg_http_error(r, res, status, mg_http_param(r, "m"));
    return 0;
}

static int failing(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    read_all(r, res);
    return MG_EIO;
}

static mg_router *router(void)
{
    /* Built once and kept for the whole run (it stays reachable, so it is
     * no leak). */
    static mg_router *rt;
    if (rt)
        return rt;
    rt = mg_router_new();
    check(rt != NULL);
    check(mg_router_add(rt, "GET", "/", page, NULL) == MG_OK);
    check(mg_router_add(rt, "GET", "/territoire", page, NULL) == MG_OK);
    check(mg_router_add(rt, "GET", "/commune/{code}", page, NULL) == MG_OK);
    check(mg_router_add(rt, "GET", "/cartes/{code}.svg", page, NULL) == MG_OK);
    check(mg_router_add(rt, "POST", "/scenarios", page, NULL) == MG_OK);
    check(mg_router_add(rt, "GET", "/scenarios/{id}/communes/{code}", page, NULL) == MG_OK);
    check(mg_router_add(rt, "POST", "/api/scenarios", api_json, NULL) == MG_OK);
    check(mg_router_add(rt, "GET", "/api/communes/{code}", page, NULL) == MG_OK);
    check(mg_router_add(rt, "GET", "/redirect", redirect, NULL) == MG_OK);
    check(mg_router_add(rt, "POST", "/redirect", redirect, NULL) == MG_OK);
    check(mg_router_add(rt, "GET", "/error", error_page, NULL) == MG_OK);
    check(mg_router_add(rt, "GET", "/fail", failing, NULL) == MG_OK);
    return rt;
}

/* The response as the server would send it: sane status, headers, and an
 * error body in the form the client asked for. */
static void check_response(const mg_http_response *res, bool head)
{
    check(res->status >= 200 && res->status <= 599);
    check(!res->body.failed);
    check(res->body.len == 0 || res->body.data[res->body.len] == '\0');
    if (res->allow[0])
        check(res->status == 405);
    mg_http_header_field h[MG_HTTP_MAX_RESPONSE_HEADERS];
    size_t n = mg_http_response_headers(res, h);
    check(n >= 5 && n <= MG_HTTP_MAX_RESPONSE_HEADERS);
    for (size_t i = 0; i < n; i++)
        check(h[i].name && h[i].value && !strpbrk(h[i].value, "\r\n"));
    if (head)
        check(res->body.len == 0);
    if (res->status < 400 || head || res->body.len == 0)
        return;
    if (strcmp(res->content_type, "application/json") == 0) {
        json_error_t err;
        json_t *j = json_loadb(res->body.data, res->body.len, 0, &err);
        check(j != NULL);
        json_t *e = json_object_get(j, "error");
        check(json_integer_value(json_object_get(e, "status")) == res->status);
        check(json_is_string(json_object_get(e, "message")));
        json_decref(j);
    } else if (strncmp(res->body.data, "<!doctype html>", 15) == 0) {
        check(strstr(res->body.data, "<html lang=\"fr\">") != NULL);
        check(valid_utf8(res->body.data));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* method \n target \n content-type \n body */
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *fields[3] = {NULL, NULL, NULL};
    char *p = copy;
    size_t left = size;
    int nf = 0;
    for (; nf < 3; nf++) {
        char *nl = memchr(p, '\n', left);
        if (!nl)
            break;
        *nl = '\0';
        fields[nf] = p;
        left -= (size_t)(nl + 1 - p);
        p = nl + 1;
    }
    const char *method = nf > 0 ? fields[0] : "GET";
    const char *target = nf > 1 ? fields[1] : p;
    const char *ct = nf > 2 && fields[2][0] ? fields[2] : NULL;
    const char *body = nf > 2 ? p : NULL;
    size_t body_len = nf > 2 ? left : 0;

    mg_http_response res;
    if (mg_http_dispatch(router(), method, target, ct, body, body_len, &res) == MG_OK)
        check_response(&res, strcmp(method, "HEAD") == 0);
    mg_http_response_free(&res);

    /* The content type doubles as an Accept header, for the JSON
     * negotiation, on a request built as the server builds it. */
    mg_http_request r;
    mg_http_request_init(&r);
    if (mg_http_request_set_line(&r, method, target) == MG_OK && ct &&
        mg_http_request_add_header(&r, "Accept", ct) == MG_OK) {
        char msg[256];
        if (mg_http_request_parse_path(&r, msg, sizeof msg) == MG_OK)
            (void)mg_http_wants_json(&r);
        else
            check(msg[0] != '\0' && valid_utf8(msg));
    }
    mg_http_request_free(&r);
    free(copy);
    return 0;
}
