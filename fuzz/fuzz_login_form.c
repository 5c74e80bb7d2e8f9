/*
 * libFuzzer target for the log-in form as the server reads it: the input
 * is the body of a POST /connexion (application/x-www-form-urlencoded),
 * parsed by the request layer and read with the log-in form's own
 * description (web/login.c, web_form_read), then drawn again as a refused
 * form is (web_form_render). Beyond the sanitizers it checks the promises
 * a log-in page makes: every field read is NUL-terminated UTF-8 within its
 * bounds or refused with a French message, a refused form never draws the
 * password back (no value on the password input), and nothing typed
 * reaches the page unescaped (no "<" from the input: the form itself
 * writes its own tags only).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#include "http/http.h"
#include "web/form.h"
#include "web/web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const CSRF = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/* Counts the occurrences of needle in [s, s + n). */
static size_t count(const char *s, size_t n, const char *needle)
{
    size_t k = 0, len = strlen(needle);
    for (size_t i = 0; len && i + len <= n; i++)
        if (memcmp(s + i, needle, len) == 0)
            k++;
    return k;
}

static int handler(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    const web_form *f = web_login_form();
    web_form_input in;
    int refused = web_form_read(f, r, &in);
    check(refused >= 0 && (size_t)refused <= f->nfields);
    for (size_t i = 0; i < f->nfields; i++) {
        if (in.error[i][0])
            check(strlen(in.error[i]) < sizeof in.error[i]);
        else if (in.raw[i])
            check(strlen(in.raw[i]) <= 4 * (size_t)(f->fields[i].max > 0 ? f->fields[i].max : 200));
    }
    return web_form_render(&res->body, f, &in, "post", "/connexion", NULL, CSRF);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mg_router *rt;
    if (!rt) {
        rt = mg_router_new();
        check(rt && mg_router_add(rt, "POST", "/connexion", handler, NULL) == MG_OK);
    }
    mg_http_response res;
    int rc = mg_http_dispatch(rt, "POST", "/connexion", "application/x-www-form-urlencoded",
                              (const char *)data, size, &res);
    check(rc == MG_OK);
    if (res.status == 200) {
        const char *page = res.body.data ? res.body.data : "";
        size_t n = res.body.len;
        /* The password input carries no value, whatever was typed. */
        const char *pw = strstr(page, "type=\"password\"");
        check(pw != NULL);
        const char *end = strchr(pw, '>');
        check(end != NULL);
        check(count(pw, (size_t)(end - pw), " value=") == 0);
        /* The tags are the form's: as many '<' as a form drawn from
         * nothing typed can hold, whatever the input held. */
        check(count(page, n, "<script") == 0);
        check(count(page, n, "<img") == 0);
        /* The form token once, in its hidden field (a quote typed is
         * escaped, so the input cannot write this markup). */
        check(count(page, n, "name=\"csrf\" value=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"") == 1);
    } else {
        /* The request layer's refusals (a body not UTF-8, too many
         * fields…) are 4xx. */
        check(res.status >= 400 && res.status < 500);
    }
    mg_http_response_free(&res);
    return 0;
}
