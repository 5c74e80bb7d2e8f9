/*
 * Logging in and out: the e-mail and password form, the second-factor
 * code when the account has one, and log-out. Each handler reads the
 * form, calls the accounts module (auth/auth.h), and draws the page;
 * sessions, slow-down and codes are decided there.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "web/form.h"
#include "web/messages.h"
#include "web/web.h"

static const web_field login_fields[] = {
    {.name = "email", .label = "Adresse e-mail", .kind = WEB_FIELD_EMAIL, .required = true,
     .max = MG_AUTH_EMAIL_MAX_BYTES},
    {.name = "password", .label = "Mot de passe", .kind = WEB_FIELD_PASSWORD, .required = true,
     .max = MG_AUTH_PASSWORD_MAX_BYTES,
     .autocomplete = "current-password"},
    {.name = "suite", .label = "Page demandée", .kind = WEB_FIELD_HIDDEN, .max = 2000},
};
static const web_form login_form = {"connexion", login_fields,
                                    sizeof login_fields / sizeof *login_fields, "Se connecter",
                                    NULL};

static const web_field code_fields[] = {
    {.name = "code", .label = "Code à 6 chiffres de votre application d'authentification",
     .kind = WEB_FIELD_TEXT, .required = true, .max = 6,
     .autocomplete = "one-time-code"},
    {.name = "suite", .label = "Page demandée", .kind = WEB_FIELD_HIDDEN, .max = 2000},
};
static const web_form code_form = {"code", code_fields, sizeof code_fields / sizeof *code_fields,
                                   "Valider", NULL};

const web_form *web_login_form(void)
{
    return &login_form;
}

/* Where to go after logging in: the page asked for when it is a path of
 * this site ("/…", not "//…" nor "/\…", which browsers read as another
 * host), the home page otherwise. */
static const char *next_page(const char *suite)
{
    if (!suite || suite[0] != '/' || suite[1] == '/' || suite[1] == '\\')
        return "/";
    for (const unsigned char *p = (const unsigned char *)suite; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return "/";
    return suite;
}

/* The suite field of a form, from the form sent or the query. */
static const char *suite_of(const mg_http_request *r)
{
    const char *s = mg_http_form(r, "suite");
    return s ? s : mg_http_query(r, "suite");
}

/* Draws form f (as typed, `in`, or fresh) with the page asked for riding
 * along in its hidden field "suite" (field `suite` of f), after `message`
 * (role="alert") when there is one. */
static void form_with_suite(web_ctx *ctx, const web_form *f, size_t suite,
                            const web_form_input *in, const char *message, const char *action)
{
    mg_buf *b = &ctx->res->body;
    if (message) {
        mg_buf_puts(b, "<p class=\"error\" role=\"alert\">");
        mg_html_text(b, message);
        mg_buf_puts(b, "</p>\n");
    }
    web_form_input fresh;
    if (!in) {
        memset(&fresh, 0, sizeof fresh);
        fresh.form = f;
        fresh.raw[suite] = suite_of(ctx->req);
        in = &fresh;
    }
    web_form_render(b, f, in, "post", action, NULL, web_csrf(ctx));
}

static void login_render(web_ctx *ctx, const web_form_input *in, const char *message)
{
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Connexion", NULL);
    mg_buf_puts(b, "<h1>Connexion</h1>\n");
    form_with_suite(ctx, &login_form, 2, in, message, "/connexion");
    mg_buf_puts(b, "<p><a href=\"/mot-de-passe/oubli\">Mot de passe oublié ?</a></p>\n"
                   "<p>Une association ou un centre de santé qui veut déposer une demande peut "
                   "<a href=\"/inscription\">inscrire sa structure</a>.</p>\n");
    web_page_end(b);
}

static int login_page(web_ctx *ctx)
{
    login_render(ctx, NULL, NULL);
    return MG_OK;
}

/* A refusal of the slow-down: 429 with Retry-After and the form again. */
static void throttled(web_ctx *ctx, int64_t retry_after)
{
    ctx->res->status = 429;
    mg_http_retry_after(ctx->res, retry_after > 0 ? (unsigned)retry_after : 1u);
}

static int login_post(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    web_form_input in;
    if (web_form_read(&login_form, r, &in)) {
        ctx->res->status = 422;
        login_render(ctx, &in, NULL);
        return MG_OK;
    }
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_diag d = {{0}};
    int rc = mg_auth_login(ctx->app->db, in.raw[0], in.raw[1], mg_http_client_address(r),
                           (int64_t)time(NULL), &lr, &retry, &d);
    if (rc == MG_ETHROTTLE) {
        throttled(ctx, retry);
        char msg[200];
        snprintf(msg, sizeof msg, "%s Prochain essai possible dans %lld s.",
                 web_msg_fr(WEB_MSG_THROTTLED), (long long)retry);
        login_render(ctx, &in, msg);
        return MG_OK;
    }
    if (rc == MG_EAUTH || rc == MG_EINVAL) {
        ctx->res->status = 422;
        login_render(ctx, &in, web_msg_fr(WEB_MSG_LOGIN_FAILED));
        return MG_OK;
    }
    if (rc) {
        web_storage_error(r, ctx->res, rc, &d, web_msg_fr(WEB_MSG_NOT_FOUND),
                          web_msg_fr(WEB_MSG_ACCOUNT_FAILED));
        return MG_OK;
    }
    /* A new token at each log-in: a session fixed by someone else before
     * it never becomes an authenticated one. */
    if (mg_http_set_cookie(ctx->res, WEB_COOKIE_SESSION, lr.session, MG_AUTH_SESSION_MAX_S,
                           web_secure(ctx->app))) {
        mg_http_error(r, ctx->res, 500, web_msg_fr(WEB_MSG_INTERNAL));
        return MG_OK;
    }
    ctx->res->account_id = lr.account_id;
    const char *suite = next_page(in.raw[2]);
    if (lr.totp_required) {
        mg_buf url;
        mg_buf_init(&url, sizeof ctx->res->location);
        mg_buf_puts(&url, "/connexion/code?suite=");
        mg_html_url_arg(&url, suite);
        mg_http_redirect(ctx->res, !url.failed && url.data ? url.data : "/connexion/code");
        mg_buf_free(&url);
        return MG_OK;
    }
    /* An administrator or instructor who has not enrolled a second factor
     * can do nothing else first: straight to enrolment. */
    mg_auth_session *s = mg_http_alloc(r, sizeof *s);
    if (s && mg_auth_session_load(ctx->app->db, lr.session, (int64_t)time(NULL), s, &d) == MG_OK &&
        mg_auth_actor_needs_totp(&s->actor) && !s->actor.totp_enabled) {
        mg_http_redirect(ctx->res, "/compte/double-facteur");
        return MG_OK;
    }
    mg_http_redirect(ctx->res, suite);
    return MG_OK;
}

static void code_render(web_ctx *ctx, const web_form_input *in, const char *message)
{
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Double authentification", NULL);
    mg_buf_puts(b, "<h1>Double authentification</h1>\n"
                   "<p>Saisissez le code affiché par votre application d'authentification.</p>\n");
    form_with_suite(ctx, &code_form, 1, in, message, "/connexion/code");
    web_page_end(b);
}

static int code_page(web_ctx *ctx)
{
    if (!ctx->second_factor) {
        mg_http_redirect(ctx->res, ctx->actor->account_id ? "/" : "/connexion");
        return MG_OK;
    }
    code_render(ctx, NULL, NULL);
    return MG_OK;
}

static int code_post(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    if (!ctx->second_factor) {
        mg_http_redirect(ctx->res, ctx->actor->account_id ? "/" : "/connexion");
        return MG_OK;
    }
    web_form_input in;
    if (web_form_read(&code_form, r, &in)) {
        ctx->res->status = 422;
        code_render(ctx, &in, NULL);
        return MG_OK;
    }
    int64_t retry = 0;
    mg_diag d = {{0}};
    int rc = mg_auth_session_totp(ctx->app->db, ctx->session, in.raw[0],
                                  mg_http_client_address(r), (int64_t)time(NULL), &retry, &d);
    if (rc == MG_ETHROTTLE) {
        throttled(ctx, retry);
        code_render(ctx, &in, web_msg_fr(WEB_MSG_THROTTLED));
        return MG_OK;
    }
    if (rc == MG_EAUTH || rc == MG_EINVAL) {
        ctx->res->status = 422;
        web_form_refuse(&in, "code", web_msg_fr(WEB_MSG_CODE_FAILED));
        code_render(ctx, &in, NULL);
        return MG_OK;
    }
    if (rc) {
        web_storage_error(r, ctx->res, rc, &d, web_msg_fr(WEB_MSG_NOT_FOUND),
                          web_msg_fr(WEB_MSG_ACCOUNT_FAILED));
        return MG_OK;
    }
    mg_http_redirect(ctx->res, next_page(in.raw[1]));
    return MG_OK;
}

static int logout(web_ctx *ctx)
{
    if (ctx->session) {
        mg_diag d = {{0}};
        int rc = mg_auth_session_end(ctx->app->db, ctx->session, &d);
        if (rc) {
            web_storage_error(ctx->req, ctx->res, rc, &d, web_msg_fr(WEB_MSG_NOT_FOUND),
                              web_msg_fr(WEB_MSG_ACCOUNT_FAILED));
            return MG_OK;
        }
    }
    if (mg_http_set_cookie(ctx->res, WEB_COOKIE_SESSION, "", -1, web_secure(ctx->app)))
        snprintf(ctx->res->log_detail, sizeof ctx->res->log_detail, "session cookie not removed");
    mg_http_redirect(ctx->res, "/");
    return MG_OK;
}

const web_route web_routes_login[] = {
    {"GET", "/connexion", login_page, WEB_ANYONE, 0},
    {"POST", "/connexion", login_post, WEB_ANYONE, 0},
    {"GET", "/connexion/code", code_page, WEB_ANYONE, WEB_F_SECOND_FACTOR},
    {"POST", "/connexion/code", code_post, WEB_ANYONE, WEB_F_SECOND_FACTOR},
    {"POST", "/deconnexion", logout, WEB_ANYONE, WEB_F_SECOND_FACTOR | WEB_F_ENROL},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
