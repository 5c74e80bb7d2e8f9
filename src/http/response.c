/*
 * Responses (initialisation, errors, redirects, the header list) and the
 * dispatch steps every request goes through, on the network or not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "http/internal.h"
#include "html/html.h"

#define DEFAULT_TYPE "text/html; charset=utf-8"

/* The Content-Security-Policy of every response: the pages use no inline
 * script or style and no third-party resource, so 'self' suffices; data:
 * images cover the inline SVG icons. */
#define CSP                                                                               \
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "     \
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

void mg_http_response_init(mg_http_response *res)
{
    memset(res, 0, sizeof *res);
    res->status = 200;
    res->content_type = DEFAULT_TYPE;
    mg_buf_init(&res->body, MG_HTTP_MAX_RESPONSE);
    memcpy(res->cache, "no-store", sizeof "no-store");
}

void mg_http_response_free(mg_http_response *res)
{
    if (res)
        mg_buf_free(&res->body);
}

size_t mg_http_response_headers(const mg_http_response *res,
                                mg_http_header_field out[MG_HTTP_MAX_RESPONSE_HEADERS])
{
    size_t n = 0;
    out[n++] = (mg_http_header_field){"Content-Security-Policy", CSP};
    out[n++] = (mg_http_header_field){"X-Content-Type-Options", "nosniff"};
    out[n++] = (mg_http_header_field){"X-Frame-Options", "DENY"};
    out[n++] = (mg_http_header_field){"Referrer-Policy", "same-origin"};
    out[n++] = (mg_http_header_field){"Content-Type",
                                      res->content_type ? res->content_type : DEFAULT_TYPE};
    if (res->cache[0])
        out[n++] = (mg_http_header_field){"Cache-Control", res->cache};
    if (res->location[0])
        out[n++] = (mg_http_header_field){"Location", res->location};
    if (res->disposition[0])
        out[n++] = (mg_http_header_field){"Content-Disposition", res->disposition};
    if (res->allow[0])
        out[n++] = (mg_http_header_field){"Allow", res->allow};
    if (res->request_id[0])
        out[n++] = (mg_http_header_field){"X-Request-Id", res->request_id};
    for (size_t k = 0; k < 2; k++)
        if (res->set_cookie[k][0])
            out[n++] = (mg_http_header_field){"Set-Cookie", res->set_cookie[k]};
    if ((res->status == 503 || res->status == 429) && res->retry_text[0]) {
        out[n++] = (mg_http_header_field){"Retry-After", res->retry_text};
    } else if ((res->status == 503 || res->status == 429) && res->retry_after) {
        /* A static string per value keeps the fields free of allocations. */
        static const char *const secs[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"};
        unsigned k = res->retry_after > 10 ? 10 : res->retry_after;
        out[n++] = (mg_http_header_field){"Retry-After", secs[k - 1]};
    }
    /* libmicrohttpd reads this header of ours and closes the connection
     * once the answer is sent. */
    if (res->close)
        out[n++] = (mg_http_header_field){"Connection", "close"};
    if (res->gzipped)
        out[n++] = (mg_http_header_field){"Content-Encoding", "gzip"};
    if (res->compressible)
        out[n++] = (mg_http_header_field){"Vary", "Accept-Encoding"};
    return n;
}

void mg_http_retry_after(mg_http_response *res, unsigned seconds)
{
    res->retry_after = seconds ? seconds : 1;
    snprintf(res->retry_text, sizeof res->retry_text, "%u", res->retry_after);
}

static bool cookie_token(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return false;
    return true;
}

int mg_http_set_cookie(mg_http_response *res, const char *name, const char *value,
                       long max_age, bool secure)
{
    if (!cookie_token(name) || (max_age >= 0 && !cookie_token(value)))
        return MG_EINVAL;
    for (size_t k = 0; k < 2; k++) {
        if (res->set_cookie[k][0])
            continue;
        char age[40] = "";
        if (max_age > 0)
            snprintf(age, sizeof age, "; Max-Age=%ld", max_age);
        else if (max_age < 0)
            snprintf(age, sizeof age, "; Max-Age=0");
        int w = snprintf(res->set_cookie[k], sizeof res->set_cookie[k],
                         "%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s", name,
                         max_age < 0 ? "" : value, secure ? "; Secure" : "", age);
        if (w < 0 || (size_t)w >= sizeof res->set_cookie[k]) {
            res->set_cookie[k][0] = 0;
            return MG_EINVAL;
        }
        return MG_OK;
    }
    return MG_EINVAL;
}

/* The heading of an error page: the usual French name of the status. */
static const char *status_title(int status)
{
    switch (status) {
    case 400: return "Requête invalide";
    case 401: return "Authentification requise";
    case 403: return "Accès interdit";
    case 404: return "Page introuvable";
    case 405: return "Méthode non autorisée";
    case 409: return "Conflit";
    case 410: return "Page supprimée";
    case 413: return "Requête trop volumineuse";
    case 414: return "Adresse trop longue";
    case 415: return "Type de contenu non pris en charge";
    case 421: return "Nom d'hôte non servi";
    case 422: return "Données invalides";
    case 429: return "Trop de requêtes";
    case 431: return "En-têtes trop volumineux";
    case 500: return "Erreur interne";
    case 501: return "Fonction non disponible";
    case 503: return "Service indisponible";
    case 505: return "Version HTTP non prise en charge";
    default: return status >= 500 ? "Erreur du serveur" : "Requête refusée";
    }
}

/* {"error":{"status":N,"message":"…"}}. jansson refuses a message that is
 * not UTF-8; the title, always valid, stands in for it then. */
static int error_json(mg_buf *b, int status, const char *message, const char *id)
{
    json_t *j = id && id[0] ? json_pack("{s:{s:i,s:s,s:s}}", "error", "status", status,
                                        "message", message, "request_id", id)
                            : json_pack("{s:{s:i,s:s}}", "error", "status", status, "message",
                                        message);
    if (!j)
        j = json_pack("{s:{s:i,s:s}}", "error", "status", status, "message",
                      status_title(status));
    if (!j)
        return MG_ENOMEM;
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!text)
        return MG_ENOMEM;
    int rc = mg_buf_puts(b, text);
    free(text);
    return rc;
}

static int error_html(mg_buf *b, int status, const char *message, const char *id)
{
    const char *title = status_title(status);
    int rc = mg_buf_printf(b,
                           "<!doctype html>\n<html lang=\"fr\">\n<head>\n"
                           "<meta charset=\"utf-8\">\n"
                           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                           "<title>Erreur %d — maillage</title>\n"
                           "<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
                           "</head>\n<body>\n<main class=\"erreur\">\n<h1>",
                           status);
    if (rc == MG_OK)
        rc = mg_html_text(b, title);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "</h1>\n<p>");
    if (rc == MG_OK)
        rc = mg_html_text(b, message);
    if (rc == MG_OK && id && id[0]) {
        /* What a person can quote to the operator, who finds it in the log. */
        rc = mg_buf_puts(b, "</p>\n<p class=\"ref\">Référence de la demande : <code>");
        if (rc == MG_OK)
            rc = mg_html_text(b, id);
        if (rc == MG_OK)
            rc = mg_buf_puts(b, "</code>");
    }
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "</p>\n<p><a href=\"/\">Retour à l'accueil</a></p>\n"
                            "</main>\n</body>\n</html>\n");
    return rc;
}

void mg_http_error(const mg_http_request *r, mg_http_response *res, int status,
                   const char *message_fr)
{
    const char *message = message_fr ? message_fr : status_title(status);
    bool json = mg_http_wants_json(r);
    mg_buf_reset(&res->body);
    /* The page must fit even if the handler narrowed its body's limit. */
    res->body.max = MG_HTTP_MAX_RESPONSE;
    res->status = status;
    res->location[0] = '\0';
    res->disposition[0] = '\0';
    if (status != 405)
        res->allow[0] = '\0';
    memcpy(res->cache, "no-store", sizeof "no-store");
    res->content_type = json ? "application/json" : DEFAULT_TYPE;
    int rc = json ? error_json(&res->body, status, message, res->request_id)
                  : error_html(&res->body, status, message, res->request_id);
    /* Out of memory: the status alone still tells the client what happened. */
    if (rc != MG_OK)
        mg_buf_reset(&res->body);
}

void mg_http_redirect(mg_http_response *res, const char *location)
{
    size_t n = location ? strlen(location) : 0;
    bool ok = n > 0 && n < sizeof res->location && location[0] == '/' &&
              location[1] != '/' && location[1] != '\\';
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char c = (unsigned char)location[i];
        if (c < 0x20 || c == 0x7F)
            ok = false;
    }
    if (!ok) {
        mg_http_error(NULL, res, 500, "Le serveur a rencontré une erreur. Réessayez plus tard.");
        return;
    }
    mg_buf_reset(&res->body);
    res->status = 303;
    res->content_type = DEFAULT_TYPE;
    memcpy(res->location, location, n + 1);
    res->disposition[0] = '\0';
    res->allow[0] = '\0';
}

/* --- Dispatch ------------------------------------------------------------- */

/* A request that could not even be represented: the server is short of
 * memory, which is a temporary condition for the client. */
static void overloaded(const mg_http_request *r, mg_http_response *res)
{
    mg_http_error(r, res, 503, "Le serveur est momentanément surchargé. Réessayez dans un instant.");
}

bool mg_http_dispatch_begin(mg_http_request *r, mg_http_response *res)
{
    char msg[256];
    snprintf(res->request_id, sizeof res->request_id, "%s", r->id);
    if (r->oom) {
        overloaded(r, res);
        return true;
    }
    if (r->target_len > MG_HTTP_MAX_URL) {
        snprintf(msg, sizeof msg, "L'adresse demandée dépasse %u caractères.", MG_HTTP_MAX_URL);
        mg_http_error(r, res, 414, msg);
        return true;
    }
    if (r->head_too_large) {
        snprintf(msg, sizeof msg,
                 "Les en-têtes de la requête dépassent %u Kio ou %u champs.",
                 MG_HTTP_MAX_HEAD / 1024u, MG_HTTP_MAX_HEADERS);
        mg_http_error(r, res, 431, msg);
        return true;
    }
    /* Before the body's size: with an ambiguous length, what the body is
     * depends on who reads it. */
    const char *framing = mg_http_request_framing_error(r);
    if (framing) {
        mg_http_error(r, res, 400, framing);
        res->close = true;
        return true;
    }
    if (r->body_too_large) {
        snprintf(msg, sizeof msg, "Le contenu envoyé dépasse la taille maximale de %zu Kio.",
                 mg_http_body_limit(mg_http_header(r, "Content-Type")) / 1024u);
        mg_http_error(r, res, 413, msg);
        return true;
    }
    if (r->bad_method) {
        mg_http_error(r, res, 400, "méthode HTTP invalide.");
        return true;
    }
    if (r->bad_header) {
        mg_http_error(r, res, 400, "en-têtes de la requête invalides (nom ou encodage).");
        return true;
    }
    /* Only chunked is a transfer coding this server reads; another one (or
     * a list) is a request a proxy in front may frame otherwise. */
    const char *te = mg_http_header(r, "Transfer-Encoding");
    if (te && strcasecmp(te, "chunked") != 0) {
        mg_http_error(r, res, 400, "codage de transfert non pris en charge (seul chunked l'est).");
        return true;
    }
    msg[0] = '\0';
    int rc = mg_http_request_parse_path(r, msg, sizeof msg);
    if (rc == MG_ENOMEM) {
        overloaded(r, res);
        return true;
    }
    if (rc) {
        mg_http_error(r, res, 400, msg);
        return true;
    }
    return false;
}

void mg_http_dispatch_route(mg_router *rt, mg_http_request *r, mg_http_response *res)
{
    char msg[256];
    mg_http_handler fn = NULL;
    void *ctx = NULL;
    int rc = mg_http_router_match(rt, r, &fn, &ctx, res->allow, sizeof res->allow);
    if (rc == MG_ENOTFOUND) {
        mg_http_error(r, res, 404, "La page demandée n'existe pas.");
        return;
    }
    if (rc == MG_EINVAL) {
        snprintf(msg, sizeof msg, "Cette adresse n'accepte pas la méthode %s.", r->method);
        mg_http_error(r, res, 405, msg);
        return;
    }
    if (rc) {
        overloaded(r, res);
        return;
    }
    msg[0] = '\0';
    rc = mg_http_request_parse_params(r, msg, sizeof msg);
    if (rc == MG_ENOMEM) {
        overloaded(r, res);
        return;
    }
    if (rc) {
        mg_http_error(r, res, 400, msg);
        return;
    }
    rc = fn(ctx, r, res);
    /* A failed handler, a body that hit its limit or a status HTTP does not
     * know all become a 500: half a page must never go out as a success. */
    if (rc < 0 || res->body.failed || res->status < 200 || res->status > 599) {
        if (!res->log_detail[0])
            snprintf(res->log_detail, sizeof res->log_detail, "%s",
                     rc < 0 ? mg_strerror(rc)
                            : res->body.failed ? "the page outgrew its buffer" : "bad status");
        mg_http_error(r, res, 500, "Le serveur a rencontré une erreur. Réessayez plus tard.");
    }
}

int mg_http_dispatch(mg_router *rt, const char *method, const char *target,
                     const char *content_type, const char *body, size_t body_len,
                     mg_http_response *res)
{
    return mg_http_dispatch_with(rt, method, target, NULL, content_type, body, body_len, res);
}

int mg_http_dispatch_with(mg_router *rt, const char *method, const char *target,
                          const char *const *headers, const char *content_type,
                          const char *body, size_t body_len, mg_http_response *res)
{
    if (!res)
        return MG_EINVAL;
    mg_http_response_init(res);
    if (!rt || !method || !target || (body_len && !body))
        return MG_EINVAL;
    mg_http_request r;
    mg_http_request_init(&r);
    int rc = mg_http_request_set_line(&r, method, target);
    for (size_t k = 0; rc == MG_OK && headers && headers[k] && headers[k + 1]; k += 2)
        rc = mg_http_request_add_header(&r, headers[k], headers[k + 1]);
    if (rc == MG_OK && content_type)
        rc = mg_http_request_add_header(&r, "Content-Type", content_type);
    if (rc == MG_OK) {
        if (body_len > mg_http_body_limit(content_type))
            r.body_too_large = true;
        else
            rc = mg_http_request_set_body(&r, body, body_len, true);
    }
    if (rc != MG_OK) {
        mg_http_request_free(&r);
        return rc;
    }
    if (!mg_http_dispatch_begin(&r, res))
        mg_http_dispatch_route(rt, &r, res);
    /* The server sends HEAD answers without their body (libmicrohttpd keeps
     * the GET length in Content-Length); here there is no length to keep. */
    if (strcmp(method, "HEAD") == 0)
        mg_buf_reset(&res->body);
    mg_http_request_free(&r);
    return MG_OK;
}
