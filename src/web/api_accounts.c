/*
 * The JSON API of accounts and organisations: who the token's account is,
 * an organisation and its members, invitations, and for the platform's
 * administrators the creation and confirmation of organisations — what
 * the pages of account.c and organisations.c do, for scripts. Every
 * decision is mg_auth_can's (web_allow); the rules are the accounts
 * module's.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "parse/parse.h"
#include "web/messages.h"
#include "web/web.h"

static json_t *membership_json(const mg_auth_membership *m)
{
    return json_pack("{s:I,s:s,s:s,s:b}", "organisation", (json_int_t)m->organisation_id, "name",
                     m->org_name, "role", mg_auth_role_key(m->role), "confirmed", m->org_active);
}

/* GET /api/v1/me: the account the request speaks for. */
static int me(web_ctx *ctx)
{
    const mg_auth_actor *a = ctx->actor;
    json_t *ms = json_array();
    for (size_t k = 0; ms && k < a->nm; k++)
        json_array_append_new(ms, membership_json(&a->m[k]));
    return web_send_json(ctx->res, 200,
                         json_pack("{s:I,s:s,s:s,s:b,s:o}", "id", (json_int_t)a->account_id,
                                   "email", a->email, "name", a->display_name, "totp",
                                   a->totp_enabled, "memberships", ms ? ms : json_array()));
}

static json_t *org_json(const mg_auth_org *o)
{
    return json_pack("{s:I,s:s,s:s,s:s?,s:s?,s:s?,s:b,s:s}", "id", (json_int_t)o->id, "name",
                     o->name, "kind", mg_auth_org_kind_key(o->kind), "siret",
                     o->siret[0] ? o->siret : NULL, "rna", o->rna[0] ? o->rna : NULL, "finess",
                     o->finess[0] ? o->finess : NULL, "confirmed", o->active, "created_at",
                     o->created_at);
}

/* GET /api/v1/organisations/{id}: for its members and the platform's
 * administrators; its members listed (with e-mail addresses for those who
 * may invite, as on the page). */
static int organisation(web_ctx *ctx)
{
    int64_t id = web_path_id(ctx, WEB_MSG_NOT_FOUND);
    if (!id)
        return MG_OK;
    mg_auth_object o = {.type = MG_AUTH_OBJ_ORGANISATION, .organisation_id = id};
    if (!web_allow(ctx, MG_AUTH_VIEW, &o))
        return MG_OK;
    mg_diag d = {{0}};
    mg_auth_org org;
    int rc = mg_auth_org_get(ctx->app->db, id, &org, &d);
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_ACCOUNT_FAILED);
        return MG_OK;
    }
    mg_auth_member *members = NULL;
    size_t n = 0;
    if ((rc = mg_auth_members(ctx->app->db, id, &members, &n, &d))) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_ACCOUNT_FAILED);
        return MG_OK;
    }
    bool details = web_can(ctx, MG_AUTH_INVITE, &o);
    json_t *doc = org_json(&org), *list = json_array();
    for (size_t k = 0; list && k < n; k++)
        json_array_append_new(
            list, json_pack("{s:s,s:s,s:s?,s:b}", "name", members[k].display_name, "role",
                            mg_auth_role_key(members[k].role), "email",
                            details ? members[k].email : NULL, "invited",
                            !members[k].has_password));
    free(members);
    if (doc)
        json_object_set_new(doc, "members", list ? list : json_array());
    else
        json_decref(list);
    return web_send_json(ctx->res, 200, doc);
}

/* A refusal of the accounts module: 400 with its French sentence, or the
 * storage's answer. */
static void refused(web_ctx *ctx, int rc, const mg_auth_field_error *fe, const mg_diag *d)
{
    if (rc == MG_EINVAL || rc == MG_EUTF8 || rc == MG_ELIMIT || fe->field) {
        char msg[400];
        snprintf(msg, sizeof msg, "« %s » : %.300s", fe->field ? fe->field : "?",
                 fe->msg[0] ? fe->msg : d->msg);
        mg_http_error(ctx->req, ctx->res, 400, msg);
        return;
    }
    web_fail_storage(ctx, rc, d, WEB_MSG_NOT_FOUND, WEB_MSG_ACCOUNT_FAILED);
}

/* A string member of a JSON body, "" when absent or not a string. */
static const char *member(const json_t *body, const char *key)
{
    const char *v = json_string_value(json_object_get(body, key));
    return v ? v : "";
}

/* POST /api/v1/organisations/{id}/invitations {"email", "name", "role"}:
 * the organisation's administrator or the platform's; 201. */
static int invite(web_ctx *ctx)
{
    int64_t id = web_path_id(ctx, WEB_MSG_NOT_FOUND);
    if (!id)
        return MG_OK;
    mg_auth_object o = {.type = MG_AUTH_OBJ_ORGANISATION, .organisation_id = id};
    if (!web_allow(ctx, MG_AUTH_INVITE, &o))
        return MG_OK;
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body)
        return MG_OK;
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    mg_auth_role role;
    int rc;
    if (mg_auth_role_parse(member(body, "role"), &role)) {
        fe.field = "role";
        snprintf(fe.msg, sizeof fe.msg, "un des rôles : administrator, manager, instructor, "
                                        "contributor, reader, host, teleconsultant, applicant");
        rc = MG_EINVAL;
    } else {
        rc = mg_auth_invite(ctx->app->db, ctx->actor->account_id, id, member(body, "email"),
                            member(body, "name"), role, web_public_base(ctx), (int64_t)time(NULL),
                            &fe, &d);
    }
    if (rc == 0)
        rc = web_send_json(ctx->res, 201,
                           json_pack("{s:I,s:s,s:s}", "organisation", (json_int_t)id, "email",
                                     member(body, "email"), "role", mg_auth_role_key(role)));
    else
        refused(ctx, rc, &fe, &d), rc = MG_OK;
    json_decref(body);
    return rc;
}

/* POST /api/v1/organisations {"name", "kind", "siret"?, "rna"?,
 * "finess"?}: platform administrators; created confirmed; 201. */
static int create(web_ctx *ctx)
{
    mg_auth_object o = {.type = MG_AUTH_OBJ_ORGANISATION};
    if (!web_allow(ctx, MG_AUTH_CREATE, &o))
        return MG_OK;
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body)
        return MG_OK;
    mg_auth_org_input in = {.name = member(body, "name"), .kind = member(body, "kind"),
                            .siret = member(body, "siret"), .rna = member(body, "rna"),
                            .finess = member(body, "finess")};
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_org_add(ctx->app->db, ctx->actor->account_id, &in, true, false, &id, &fe, &d);
    json_decref(body);
    mg_auth_org org;
    if (rc == 0 && (rc = mg_auth_org_get(ctx->app->db, id, &org, &d)) == 0)
        return web_send_json(ctx->res, 201, org_json(&org));
    refused(ctx, rc, &fe, &d);
    return MG_OK;
}

/* POST /api/v1/organisations/{id}/confirmation: platform administrators;
 * 200 with the organisation, 409 when it was confirmed already. */
static int confirm(web_ctx *ctx)
{
    int64_t id = web_path_id(ctx, WEB_MSG_NOT_FOUND);
    if (!id)
        return MG_OK;
    mg_auth_object o = {.type = MG_AUTH_OBJ_ORGANISATION, .organisation_id = id};
    if (!web_allow(ctx, MG_AUTH_CONFIRM, &o))
        return MG_OK;
    mg_diag d = {{0}};
    mg_auth_org org;
    int rc = mg_auth_org_get(ctx->app->db, id, &org, &d);
    if (rc == 0 && org.active) {
        web_fail(ctx, 409, WEB_MSG_ORGANISATION_ALREADY_ACTIVE);
        return MG_OK;
    }
    if (rc == 0)
        rc = mg_auth_org_confirm(ctx->app->db, ctx->actor->account_id, id, web_public_base(ctx),
                                 &d);
    if (rc == 0 && (rc = mg_auth_org_get(ctx->app->db, id, &org, &d)) == 0)
        return web_send_json(ctx->res, 200, org_json(&org));
    web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_ACCOUNT_FAILED);
    return MG_OK;
}

const web_route web_routes_api_accounts[] = {
    {"GET", "/api/v1/me", me, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/organisations", create, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/organisations/{id}", organisation, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/organisations/{id}/invitations", invite, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/organisations/{id}/confirmation", confirm, WEB_ACCOUNT, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
