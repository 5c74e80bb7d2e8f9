/*
 * Who is asking, and may they: the session cookie or the API token of a
 * request turned into an actor (auth/auth.h), the checks every route
 * passes before its handler (web_gate), the CSRF token of forms, and the
 * answers to a refusal (web_allow). The decision itself is always
 * mg_auth_can's.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "web/messages.h"
#include "web/web.h"

/* Every request without an account sees this actor. */
static const mg_auth_actor anonymous_actor;

bool web_secure(const mg_app *a)
{
    return a->secure;
}

const char *web_public_base(web_ctx *ctx)
{
    if (ctx->app->public_url[0])
        return ctx->app->public_url;
    /* The Host header was checked against the names the server answers to
     * before any handler runs (http/origin.c), so it can be used here. */
    const char *host = mg_http_header(ctx->req, "Host");
    size_t n = strlen("http://") + (host ? strlen(host) : 9) + 1;
    char *base = mg_http_alloc(ctx->req, n);
    if (!base)
        return "http://localhost";
    snprintf(base, n, "http://%s", host ? host : "localhost");
    return base;
}

const char *web_csrf(web_ctx *ctx)
{
    if (ctx->csrf[0])
        return ctx->csrf;
    /* A visitor without a session: the token comes from the pre-session
     * cookie, made now when the visitor has none yet. */
    char pre[MG_AUTH_TOKEN_CHARS + 1];
    const char *cookies = mg_http_header(ctx->req, "Cookie");
    if (!cookies || !mg_auth_cookie_get(cookies, WEB_COOKIE_PRE, pre, sizeof pre) ||
        strlen(pre) != MG_AUTH_TOKEN_CHARS) {
        mg_auth_token_new(pre);
        if (mg_http_set_cookie(ctx->res, WEB_COOKIE_PRE, pre, 0, web_secure(ctx->app)))
            return ""; /* no room for the cookie: the form will be refused, not forged */
    }
    mg_auth_csrf_anonymous(pre, ctx->csrf);
    return ctx->csrf;
}

void web_csrf_field(mg_buf *b, web_ctx *ctx)
{
    mg_html_hidden(b, "csrf", web_csrf(ctx));
}

static bool signed_in(const web_ctx *ctx)
{
    return ctx->actor->account_id > 0;
}

/* An anonymous visitor on a private page: to the log-in page, then back
 * (GET), or 401 for the API and for a form sent without session. */
static void ask_login(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    if (ctx->enrol_required) {
        if (mg_http_wants_json(r))
            mg_http_error(r, ctx->res, 403, web_msg_fr(WEB_MSG_ENROL_FIRST));
        else
            mg_http_redirect(ctx->res, "/compte/double-facteur");
        return;
    }
    if (mg_http_wants_json(r) || strcmp(mg_http_method(r), "GET") != 0) {
        mg_http_error(r, ctx->res, 401, web_msg_fr(WEB_MSG_LOGIN_REQUIRED));
        return;
    }
    /* Back to the page asked for after logging in: its path only, a local
     * one (the log-in page checks it again before redirecting). */
    mg_buf url;
    mg_buf_init(&url, sizeof ctx->res->location);
    mg_buf_puts(&url, "/connexion?suite=");
    mg_html_url_arg(&url, mg_http_path(r));
    if (!url.failed && url.data)
        mg_http_redirect(ctx->res, url.data);
    else
        mg_http_redirect(ctx->res, "/connexion");
    mg_buf_free(&url);
}

bool web_can(const web_ctx *ctx, mg_auth_verb verb, const mg_auth_object *o)
{
    return mg_auth_can(signed_in(ctx) ? ctx->actor : NULL, verb, o) == MG_AUTH_ALLOW;
}

bool web_allow(web_ctx *ctx, mg_auth_verb verb, const mg_auth_object *o)
{
    return web_allow_as(ctx, verb, o, web_msg_fr(WEB_MSG_NOT_FOUND));
}

bool web_allow_as(web_ctx *ctx, mg_auth_verb verb, const mg_auth_object *o,
                  const char *not_found_fr)
{
    mg_auth_decision dec = mg_auth_can(signed_in(ctx) ? ctx->actor : NULL, verb, o);
    switch (dec) {
    case MG_AUTH_ALLOW: return true;
    case MG_AUTH_DENY_LOGIN: ask_login(ctx); return false;
    case MG_AUTH_DENY_FORBIDDEN:
        mg_http_error(ctx->req, ctx->res, 403, web_msg_fr(WEB_MSG_FORBIDDEN));
        return false;
    case MG_AUTH_DENY_HIDDEN:
        mg_http_error(ctx->req, ctx->res, 404, not_found_fr);
        return false;
    }
    mg_http_error(ctx->req, ctx->res, 403, web_msg_fr(WEB_MSG_FORBIDDEN));
    return false;
}

/* The actor of an "Authorization: Bearer mgt_…" header. */
static bool identify_bearer(web_ctx *ctx, const char *header)
{
    const mg_http_request *r = ctx->req;
    char token[MG_AUTH_API_TOKEN_CHARS + 1];
    if (!mg_auth_bearer_get(header, token)) {
        mg_http_error(r, ctx->res, 401, web_msg_fr(WEB_MSG_BEARER_MALFORMED));
        return false;
    }
    mg_auth_actor *a = mg_http_alloc(r, sizeof *a);
    if (!a) {
        mg_http_error(r, ctx->res, 500, web_msg_fr(WEB_MSG_INTERNAL));
        return false;
    }
    mg_diag d = {{0}};
    int rc = mg_auth_api_token_load(ctx->app->db, token, (int64_t)time(NULL), a, &d);
    if (rc == MG_EAUTH) {
        mg_http_error(r, ctx->res, 401, web_msg_fr(WEB_MSG_BEARER_UNKNOWN));
        return false;
    }
    if (rc) {
        web_storage_error(r, ctx->res, rc, &d, web_msg_fr(WEB_MSG_NOT_FOUND),
                          web_msg_fr(WEB_MSG_INTERNAL));
        return false;
    }
    ctx->actor = a;
    ctx->bearer = true;
    ctx->res->account_id = a->account_id;
    return true;
}

/* The actor of the session cookie, if any. A session that ended or
 * expired leaves the visitor anonymous and its cookie is removed. */
static bool identify_session(web_ctx *ctx, const web_route *route)
{
    const mg_http_request *r = ctx->req;
    const char *cookies = mg_http_header(r, "Cookie");
    char token[MG_AUTH_TOKEN_CHARS + 1];
    if (!cookies || !mg_auth_cookie_get(cookies, WEB_COOKIE_SESSION, token, sizeof token))
        return true;
    mg_auth_session *s = mg_http_alloc(r, sizeof *s);
    if (!s) {
        mg_http_error(r, ctx->res, 500, web_msg_fr(WEB_MSG_INTERNAL));
        return false;
    }
    mg_diag d = {{0}};
    int rc = mg_auth_session_load(ctx->app->db, token, (int64_t)time(NULL), s, &d);
    if (rc == MG_EAUTH) {
        /* The browser forgets a session that ended; a response that has no
         * room left for the header only keeps the stale cookie one more time. */
        if (mg_http_set_cookie(ctx->res, WEB_COOKIE_SESSION, "", -1, web_secure(ctx->app)))
            snprintf(ctx->res->log_detail, sizeof ctx->res->log_detail, "stale session cookie kept");
        return true;
    }
    if (rc) {
        web_storage_error(r, ctx->res, rc, &d, web_msg_fr(WEB_MSG_NOT_FOUND),
                          web_msg_fr(WEB_MSG_INTERNAL));
        return false;
    }
    ctx->session = mg_http_strdup(r, token);
    memcpy(ctx->csrf, s->csrf, sizeof ctx->csrf);
    ctx->res->account_id = s->actor.account_id;
    if (s->totp_pending) {
        /* Password given, code not yet: the session is only good for the
         * code page and log-out. */
        ctx->second_factor = true;
        if (route->flags & WEB_F_SECOND_FACTOR)
            ctx->actor = &s->actor;
        return true;
    }
    if (mg_auth_actor_needs_totp(&s->actor) && !s->actor.totp_enabled) {
        /* An administrator or instructor without a second factor acts as
         * nobody until enrolled: private pages lead to enrolment. */
        ctx->enrol_required = true;
        if (route->flags & WEB_F_ENROL)
            ctx->actor = &s->actor;
        return true;
    }
    ctx->actor = &s->actor;
    return true;
}

/* The CSRF token of a state-changing request: the "csrf" form field, or
 * the X-CSRF-Token header (JSON sent by a page's script), equal to the
 * session's or, without session, to the pre-session cookie's. */
static bool csrf_ok(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    const char *sent = mg_http_header(r, "X-CSRF-Token");
    if (!sent && (mg_http_content_type_is(r, "application/x-www-form-urlencoded") ||
                  mg_http_content_type_is(r, "multipart/form-data")))
        sent = mg_http_form(r, "csrf");
    if (!sent)
        return false;
    if (ctx->session)
        return mg_auth_token_equal(sent, ctx->csrf);
    const char *cookies = mg_http_header(r, "Cookie");
    char pre[MG_AUTH_TOKEN_CHARS + 1];
    if (!cookies || !mg_auth_cookie_get(cookies, WEB_COOKIE_PRE, pre, sizeof pre) ||
        strlen(pre) != MG_AUTH_TOKEN_CHARS)
        return false;
    char expected[MG_AUTH_TOKEN_CHARS + 1];
    mg_auth_csrf_anonymous(pre, expected);
    return mg_auth_token_equal(sent, expected);
}

bool web_gate(web_ctx *ctx, const web_route *route)
{
    const mg_http_request *r = ctx->req;
    ctx->actor = &anonymous_actor;
    const char *authorization = mg_http_header(r, "Authorization");
    if (authorization) {
        if (!identify_bearer(ctx, authorization))
            return false;
    } else if (!identify_session(ctx, route)) {
        return false;
    }
    switch (route->who) {
    case WEB_ANYONE: break;
    case WEB_ACCOUNT:
        if (!signed_in(ctx)) {
            ask_login(ctx);
            return false;
        }
        break;
    case WEB_PLATFORM: {
        mg_auth_object o = {.type = MG_AUTH_OBJ_PLATFORM};
        if (!web_allow(ctx, MG_AUTH_VIEW, &o))
            return false;
        break;
    }
    }
    if (mg_http_unsafe_method(mg_http_method(r)) && !ctx->bearer &&
        !(route->flags & WEB_F_NO_STATE) && !csrf_ok(ctx)) {
        mg_http_error(r, ctx->res, 403, web_msg_fr(WEB_MSG_CSRF));
        return false;
    }
    return true;
}

void web_account_menu(mg_buf *b, web_ctx *ctx)
{
    mg_buf_puts(b, "<div class=\"account\">");
    if (signed_in(ctx)) {
        mg_auth_object platform = {.type = MG_AUTH_OBJ_PLATFORM};
        if (web_can(ctx, MG_AUTH_VIEW, &platform))
            mg_buf_puts(b, "<a href=\"/admin/organisations\">Administration</a> ");
        mg_buf_puts(b, "<a href=\"/compte\">");
        mg_html_text(b, ctx->actor->display_name[0] ? ctx->actor->display_name
                                                     : ctx->actor->email);
        mg_buf_puts(b, "</a> <form method=\"post\" action=\"/deconnexion\">");
        web_csrf_field(b, ctx);
        mg_buf_puts(b, "<button type=\"submit\">Se déconnecter</button></form>");
    } else if (ctx->second_factor || ctx->enrol_required) {
        mg_buf_puts(b, "<form method=\"post\" action=\"/deconnexion\">");
        web_csrf_field(b, ctx);
        mg_buf_puts(b, "<button type=\"submit\">Se déconnecter</button></form>");
    } else {
        mg_buf_puts(b, "<a href=\"/connexion\">Se connecter</a>");
    }
    mg_buf_puts(b, "</div>");
}
