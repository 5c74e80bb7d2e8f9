/*
 * The single window's pages for the request itself (issue 16;
 * docs/funding-requests.md): /guichet (what the actor's organisations
 * have in the window), the request form laid out like the CERFA 12156
 * (draft saved as one goes, filing), the request's page with the sections
 * of the other files of the family (funding_web.h), renewals and the
 * versions kept. Pages call src/funding/ and never run SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/budget.h"
#include "funding/funding.h"
#include "parse/parse.h"
#include "web/funding_web.h"

static const char REQUEST_NOT_FOUND[] = "Cette demande de subvention n'existe pas.";
static const char REQUEST_READ_FAILED[] = "La demande de subvention n'a pas pu être lue.";

/* --- The request as a page sees it -------------------------------------------------------- */

mg_auth_object web_subsidy_object(const web_subsidy_view *v, int64_t funder_id)
{
    mg_auth_object o = {.type = MG_AUTH_OBJ_SUBSIDY_REQUEST,
                        .organisation_id = v->acc.applicant_id,
                        .viewers = v->acc.routed,
                        .nviewers = v->acc.nrouted,
                        .lead_id = v->acc.lead_id,
                        .funder_id = funder_id};
    return o;
}

void web_subsidy_view_clear(web_subsidy_view *v)
{
    if (v)
        mg_subsidy_request_clear(&v->r);
}

static bool among(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t k = 0; k < n; k++)
        if (ids[k] == id)
            return true;
    return false;
}

bool web_subsidy_instructs(const web_subsidy_view *v, int64_t fid)
{
    return v && fid > 0 && among(v->instructs, v->ninstructs, fid);
}

bool web_subsidy_decides(const web_subsidy_view *v, int64_t fid)
{
    return v && fid > 0 && among(v->decides, v->ndecides, fid);
}

/* Whether the actor is a member of organisation `org` (whatever its role). */
static bool member_of(const web_ctx *ctx, int64_t org)
{
    for (size_t i = 0; i < ctx->actor->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++)
        if (ctx->actor->m[i].organisation_id == org)
            return true;
    return false;
}

static void set_rights(web_ctx *ctx, web_subsidy_view *v)
{
    mg_auth_object o = web_subsidy_object(v, 0);
    v->may_edit = web_can(ctx, MG_AUTH_EDIT, &o);
    v->may_route = v->acc.state != MG_SUBSIDY_DRAFT && web_can(ctx, MG_AUTH_ROUTE, &o);
    v->is_applicant_side = member_of(ctx, v->acc.applicant_id);
    v->may_internal = !v->is_applicant_side && web_can(ctx, MG_AUTH_INSTRUCT, &o);
    v->ninstructs = v->ndecides = 0;
    for (size_t k = 0; k < v->acc.nrouted; k++) {
        mg_auth_object p = web_subsidy_object(v, v->acc.routed[k]);
        if (web_can(ctx, MG_AUTH_INSTRUCT, &p))
            v->instructs[v->ninstructs++] = v->acc.routed[k];
        if (web_can(ctx, MG_AUTH_DECIDE, &p))
            v->decides[v->ndecides++] = v->acc.routed[k];
    }
}

bool web_subsidy_load(web_ctx *ctx, mg_auth_verb verb, web_subsidy_view *v)
{
    memset(v, 0, sizeof *v);
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "id"), INT64_MAX, &id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, REQUEST_NOT_FOUND);
        return false;
    }
    int64_t fid = 0;
    const char *fs = mg_http_path_param(ctx->req, "fid");
    if (fs && mg_parse_id(fs, INT64_MAX, &fid, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, REQUEST_NOT_FOUND);
        return false;
    }
    mg_diag d = {{0}};
    int rc = mg_subsidy_access_get(ctx->app->db, id, &v->acc, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, REQUEST_NOT_FOUND, REQUEST_READ_FAILED);
        return false;
    }
    /* Who may not see the request hears nothing of it, whatever the verb;
     * a draft is its applicant's alone. */
    mg_auth_object seen = web_subsidy_object(v, 0);
    if (!web_allow_as(ctx, MG_AUTH_VIEW, &seen, REQUEST_NOT_FOUND))
        return false;
    if (v->acc.state == MG_SUBSIDY_DRAFT && !member_of(ctx, v->acc.applicant_id)) {
        mg_http_error(ctx->req, ctx->res, 404, REQUEST_NOT_FOUND);
        return false;
    }
    if (verb != MG_AUTH_VIEW) {
        mg_auth_object o = web_subsidy_object(v, fid);
        if (!web_allow_as(ctx, verb, &o, REQUEST_NOT_FOUND))
            return false;
    }
    rc = mg_subsidy_get(ctx->app->db, id, &v->r, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, REQUEST_NOT_FOUND, REQUEST_READ_FAILED);
        return false;
    }
    set_rights(ctx, v);
    return true;
}

void web_subsidy_href(mg_buf *b, int64_t id)
{
    mg_buf_printf(b, "/guichet/demandes/%lld", (long long)id);
}

void web_subsidy_crumbs(mg_buf *b, const mg_subsidy_request *r)
{
    mg_buf_puts(b, "<p class=\"crumbs\"><a href=\"/guichet\">Guichet unique</a>");
    if (r) {
        mg_buf_puts(b, " › ");
        mg_html_link_id(b, "/guichet/demandes/", r->id, NULL);
        if (r->title[0])
            mg_html_text(b, r->title);
        else
            mg_buf_printf(b, "Demande n° %lld", (long long)r->id);
        mg_buf_puts(b, "</a>");
    }
    mg_buf_puts(b, "</p>\n");
}

const web_route web_routes_funding[] = {{NULL, NULL, NULL, WEB_ANYONE, 0}};
