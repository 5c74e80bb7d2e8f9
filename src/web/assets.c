/*
 * Routes of the assets family (issue 13): the pages' own scripts, embedded
 * in the binary (web/static, cmake/embed_assets.cmake), at
 * /assets/NAME?v=VERSION. The static folder (/static/, served from disk
 * by the HTTP server) stays for files an operator may replace; these are
 * part of the program, and their URL carries their version: with the
 * current version they are cached for a year ("immutable"), otherwise
 * (an old page, no version) revalidated on every use.
 */
#include "web/assets.h"

#include <stdio.h>
#include <string.h>

#include "web/web.h"

const char *web_asset_url(const char *name)
{
    for (size_t i = 0; name && i < web_asset_count; i++)
        if (web_assets[i].name && strcmp(web_assets[i].name, name) == 0)
            return web_assets[i].url;
    return NULL;
}

static const char *type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot && strcmp(dot, ".js") == 0)
        return "text/javascript; charset=utf-8";
    if (dot && strcmp(dot, ".css") == 0)
        return "text/css; charset=utf-8";
    return "application/octet-stream";
}

static int asset_get(web_ctx *ctx)
{
    const char *name = mg_http_path_param(ctx->req, "name");
    mg_http_response *res = ctx->res;
    for (size_t i = 0; name && i < web_asset_count; i++) {
        const web_asset *a = &web_assets[i];
        if (!a->name || strcmp(a->name, name) != 0)
            continue;
        const char *v = mg_http_query(ctx->req, "v");
        res->status = 200;
        res->content_type = type_of(a->name);
        /* The same public bytes for everyone: compressed for any client. */
        res->compressible = true;
        snprintf(res->cache, sizeof res->cache, "%s",
                 v && strcmp(v, a->version) == 0 ? "public, max-age=31536000, immutable"
                                                 : "no-cache");
        /* The script itself, as embedded from web/static: not HTML. */
        return mg_buf_append(&res->body, a->data, a->len) == MG_OK ? 0 : -1; /* lint-ok: a script */
    }
    mg_http_error(ctx->req, res, 404, "La page demandée n'existe pas.");
    return 0;
}

const web_route web_routes_assets[] = {
    {"GET", "/assets/{name}", asset_get, WEB_ANYONE, 0},
    {NULL, NULL, NULL, 0, 0},
};
