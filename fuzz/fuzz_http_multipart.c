/*
 * libFuzzer target for the multipart/form-data parser (http/multipart.c).
 * The input is split at its first '\n' into the Content-Type and the body.
 * Beyond the sanitizers it checks the parser's promises: every part's
 * data is a slice of the body, its name is non-empty, a file's name is
 * UTF-8 without a path separator or control character; a refusal says
 * why; and the same body sent through mg_http_dispatch gives the handler
 * the same first file (mg_http_upload) and text fields that are UTF-8.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "fuzz_util.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    const char *body;
    size_t len;
    size_t parts;
    bool have_file;
    mg_http_part first_file;
};

static int on_part(void *ctx, const mg_http_part *p)
{
    struct seen *s = ctx;
    check(p->data >= s->body && p->data + p->len <= s->body + s->len);
    check(p->name[0] != '\0');
    size_t fl = strlen(p->filename);
    check(mg_utf8_check(p->filename, fl, NULL) == fl);
    check(!strchr(p->filename, '/') && !strchr(p->filename, '\\'));
    for (size_t i = 0; i < fl; i++)
        check((unsigned char)p->filename[i] >= 0x20 && p->filename[i] != 0x7f);
    if (p->is_file && !s->have_file && strcmp(p->name, "fichier") == 0) {
        s->have_file = true;
        s->first_file = *p;
    }
    s->parts++;
    return 0;
}

static struct seen g_seen;
static int g_handler_rc;

static int handler(void *ctx, const mg_http_request *req, mg_http_response *res)
{
    (void)ctx;
    const char *d = NULL, *fname = NULL;
    size_t n = 0;
    int rc = mg_http_upload(req, "fichier", &d, &n, &fname);
    g_handler_rc = rc;
    if (rc == 0) {
        check(g_seen.have_file && n == g_seen.first_file.len);
        check(memcmp(d, g_seen.first_file.data, n) == 0);
        check(strcmp(fname, g_seen.first_file.filename) == 0);
    } else {
        check(rc == MG_ENOTFOUND && !g_seen.have_file);
    }
    const char *csrf = mg_http_form(req, "csrf");
    if (csrf)
        check(mg_utf8_check(csrf, strlen(csrf), NULL) == strlen(csrf));
    return mg_buf_append(&res->body, "ok", 2) == 0 ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    if (!nl)
        return 0;
    size_t ctlen = (size_t)(nl - (const char *)data);
    char *ct = malloc(ctlen + 1);
    if (!ct)
        return 0;
    memcpy(ct, data, ctlen);
    ct[ctlen] = '\0';
    const char *body = nl + 1;
    size_t blen = size - ctlen - 1;
    memset(&g_seen, 0, sizeof g_seen);
    g_seen.body = body;
    g_seen.len = blen;
    char msg[200] = "";
    int rc = mg_http_multipart_parse(ct, body, blen, on_part, &g_seen, msg, sizeof msg);
    check(rc == 0 || (rc < 0 && msg[0] != '\0'));
    check(rc == 0 || mg_utf8_check(msg, strlen(msg), NULL) == strlen(msg));
    if (rc == 0 && !memchr(ct, '\0', ctlen) && mg_utf8_check(ct, ctlen, NULL) == ctlen &&
        mg_http_body_limit(ct) == MG_HTTP_MAX_UPLOAD_BODY) {
        mg_router *rt = mg_router_new();
        if (rt && mg_router_add(rt, "POST", "/envoi", handler, NULL) == 0) {
            mg_http_response res;
            g_handler_rc = 1;
            if (mg_http_dispatch(rt, "POST", "/envoi", ct, body, blen, &res) == 0) {
                /* The handler ran unless a text field was refused (400). */
                check(g_handler_rc != 1 || res.status == 400 || res.status == 413);
                mg_http_response_free(&res);
            }
        }
        mg_router_free(rt);
    }
    free(ct);
    return 0;
}
