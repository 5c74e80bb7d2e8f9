/* The JSON API (static/openapi.yaml describes it). Errors are
 * {"error": {"status": N, "message": "…"}} with a French message (from
 * web/messages.h). Handlers read and check the request (ids with
 * mg_parse_id, numbers with mg_parse_int), compute, then build the body
 * with jansson. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "output/table.h"
#include "parse/parse.h"
#include "web/messages.h"
#include "web/web.h"
#include "diagnosis/scope.h"

/* GET /api/v1/scenarios: the page size asked for (?limit=), its bounds. */
#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX 200

static void fail(const mg_http_request *r, mg_http_response *res, int status, web_msg m)
{
    mg_http_error(r, res, status, web_msg_fr(m));
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

int web_send_json(mg_http_response *res, int status, json_t *doc)
{
    if (!doc)
        return MG_ENOMEM;
    char *text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(12));
    json_decref(doc);
    if (!text)
        return MG_ENOMEM;
    res->status = status;
    res->content_type = "application/json";
    int rc = mg_buf_puts(&res->body, text); /* lint-ok: JSON from jansson */
    free(text);
    return rc;
}

json_t *web_commune_json(const mg_app_profession *p, size_t i, const double *apl,
                         enum mg_baseline base)
{
    const mg_diagnosis *g = p->g;
    mg_baseline_shown v = mg_baseline_value(base, g->official[i], g->apl[i], apl[i]);
    const mg_territory *t = g->t;
    json_t *o = json_pack("{s:s,s:s,s:s,s:s?,s:f,s:f,s:f,s:o,s:o,s:I}", "code_insee", t->code[i],
                          "nom", t->name[i], "departement", t->dep[i], "epci_code",
                          t->epci[i] >= 0 ? t->epci_code[t->epci[i]] : NULL, "population",
                          t->population[i], "demand", g->demand[i], "practitioners", g->heads[i],
                          "apl", num(apl[i]), "apl_official", num(g->official[i]), "rank",
                          (json_int_t)p->rank[i]);
    /* The value on the request's baseline, where it comes from, and the
     * under-served flag on it. */
    if (o) {
        json_object_set_new(o, "baseline", json_string(mg_baseline_name(base)));
        json_object_set_new(o, "value", num(v.value));
        json_object_set_new(o, "value_source",
                            json_string(base == MG_BASELINE_OFFICIAL &&
                                                !(v.flags & MG_BASELINE_F_MODEL_FALLBACK)
                                            ? "official"
                                            : "model"));
        if (base == MG_BASELINE_OFFICIAL)
            json_object_set_new(o, "clamped", json_boolean(v.flags & MG_BASELINE_F_CLAMPED));
    }
    if (o && isfinite(g->prof->threshold))
        json_object_set_new(o, "under_served", json_boolean(v.value < g->prof->threshold));
    return o;
}

json_t *web_commune_detail_json(const mg_app_profession *p, size_t i, enum mg_baseline base)
{
    const mg_diagnosis *g = p->g;
    const mg_pairs *pr = &g->pairs;
    const double *dem = mg_scenario_engine_demand(p->engine);
    json_t *o = web_commune_json(p, i, g->apl, base);
    json_t *reach = json_array();
    for (size_t k = pr->start[i]; o && reach && k < pr->start[i + 1]; k++) {
        size_t j = pr->to[k];
        double w = mg_decay_eval(&g->apl_spec.decay, pr->minutes[k]);
        double c = dem[j] > 0 ? w * g->supply[j] / dem[j] * g->apl_spec.scale : 0;
        json_array_append_new(reach, json_pack("{s:s,s:s,s:f,s:f,s:f,s:f,s:f}", "code_insee",
                                               g->t->code[j], "nom", g->t->name[j], "minutes",
                                               pr->minutes[k], "weight", w, "practitioners",
                                               g->heads[j], "demand_reaching", dem[j],
                                               "contribution", c));
    }
    json_object_set_new(o, "within_reach", reach);
    return o;
}

static json_t *meta(const mg_app *a, const mg_app_profession *p, enum mg_baseline base)
{
    const mg_diagnosis *g = p->g;
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:f,s:s?,s:s,s:s}", "territory", a->territory_name,
                     "profession", g->prof->key, "profession_label", g->prof->label, "unit",
                     g->prof->unit, "threshold", num(g->prof->threshold), "catchment_minutes",
                     g->opts.catchment, "official_column", g->official_column, "baseline",
                     mg_baseline_name(base), "baseline_label", mg_baseline_label_fr(base));
}

/* The scope of an answer (?perimetre=): its key ("" for the whole
 * territory), French label and number of communes. */
static json_t *scope_json(const mg_scope *sc)
{
    return json_pack("{s:s,s:s,s:I}", "key", sc->key, "label", sc->label, "communes",
                     (json_int_t)sc->n);
}

static int territory(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    const mg_app_profession *p = web_profession(a, r, res);
    if (!p)
        return 0;
    enum mg_baseline base = web_baseline(ctx);
    if (base == MG_BASELINE_COUNT)
        return 0;
    mg_scope sc;
    if (!web_scope(ctx, p, &sc))
        return 0;
    const mg_summary *s = mg_app_baseline_summary(p, base);
    mg_summary own = {0};
    int rc = MG_OK;
    if (sc.kind != MG_SCOPE_ALL) {
        /* The scope's figures, computed as the territory's were at start
         * (app.c): agreement on the model's values only. */
        mg_diag d = {{0}};
        const mg_diagnosis *g = p->g;
        rc = mg_scope_summary(g, &sc, mg_app_baseline_values(p, base),
                              base == MG_BASELINE_MODEL ? g->official : NULL, g->prof->threshold,
                              &own, &d);
        s = &own;
    }
    if (rc == MG_OK)
        rc = web_send_json(res, 200,
                           json_pack("{s:o,s:o,s:o}", "meta", meta(a, p, base), "scope",
                                     scope_json(&sc), "summary",
                                     mg_output_summary_json(p->g, s)));
    mg_summary_free(&own);
    mg_scope_free(&sc);
    return rc;
}

static int communes(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    const mg_app_profession *p = web_profession(a, r, res);
    if (!p)
        return 0;
    enum mg_baseline base = web_baseline(ctx);
    if (base == MG_BASELINE_COUNT)
        return 0;
    mg_scope sc;
    if (!web_scope(ctx, p, &sc))
        return 0;
    json_t *arr = json_array();
    for (size_t k = 0; arr && k < sc.n; k++)
        json_array_append_new(arr, web_commune_json(p, sc.idx[k], p->g->apl, base));
    int rc = web_send_json(res, 200,
                           json_pack("{s:o,s:o,s:o}", "meta", meta(a, p, base), "scope",
                                     scope_json(&sc), "communes", arr));
    mg_scope_free(&sc);
    return rc;
}

static int commune(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    const mg_app_profession *p = web_profession(a, r, res);
    if (!p)
        return 0;
    enum mg_baseline base = web_baseline(ctx);
    if (base == MG_BASELINE_COUNT)
        return 0;
    const char *code = mg_http_path_param(r, "code");
    long i = code ? mg_territory_find(p->g->t, code) : -1;
    if (i < 0 || !p->g->t->in_study[i]) {
        fail(r, res, 404, WEB_MSG_COMMUNE_NOT_IN_TERRITORY);
        return 0;
    }
    return web_send_json(res, 200, web_commune_detail_json(p, (size_t)i, base));
}

static json_t *record_json(const mg_scenario_record *rec)
{
    json_error_t err;
    json_t *actions = json_loads(rec->actions_json ? rec->actions_json : "[]", 0, &err);
    return json_pack("{s:I,s:o,s:s,s:s,s:o,s:s,s:s}", "id", (json_int_t)rec->id,
                     "organisation",
                     rec->organisation_id ? json_integer(rec->organisation_id) : json_null(),
                     "name", rec->name, "profession", rec->profession, "actions",
                     actions ? actions : json_array(), "created_at",
                     rec->created_at ? rec->created_at : "", "updated_at",
                     rec->updated_at ? rec->updated_at : "");
}

static json_t *evaluation_json(const web_scenario *w)
{
    const mg_diagnosis *g = w->p->g;
    /* Only the communes whose value changes: a scenario touches a few
     * dozen communes, and the others are the base values of /communes. */
    /* apl_before and apl_after are on the baseline (the official value plus
     * the model's change, or the model's); model_change is the model's
     * difference, which the official baseline adds. */
    json_t *rows = json_array();
    for (size_t k = 0; rows && k < g->study_n; k++) {
        size_t i = g->study[k];
        if (w->apl[i] == g->apl[i])
            continue;
        bool official = w->base == MG_BASELINE_OFFICIAL &&
                        !(w->flags[i] & MG_BASELINE_F_MODEL_FALLBACK);
        json_array_append_new(
            rows, json_pack("{s:s,s:o,s:o,s:o,s:o,s:s,s:b}", "code_insee", g->t->code[i],
                            "apl_before", num(w->before[i]), "apl_after", num(w->shown[i]),
                            "change", num(w->shown[i] - w->before[i]), "model_change",
                            num(w->apl[i] - g->apl[i]), "source",
                            official ? "official+model_change" : "model", "clamped",
                            (w->flags[i] & MG_BASELINE_F_CLAMPED) != 0));
    }
    return json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:{s:I,s:I,s:I}}", "baseline",
                     mg_baseline_name(w->base), "baseline_label", mg_baseline_label_fr(w->base),
                     "actions", mg_scenario_to_json(&w->s, g), "before",
                     mg_output_summary_json(g, w->base_summary), "after",
                     mg_output_summary_json(g, &w->summary), "communes", rows,
                     "baseline_counts", "official", (json_int_t)w->counts.official,
                     "model_fallback", (json_int_t)w->counts.fallback, "clamped",
                     (json_int_t)w->counts.clamped);
}

/* Parses a JSON body; answers 400 itself (returns NULL then). */
json_t *web_body_json(const mg_http_request *r, mg_http_response *res)
{
    /* A form or text/plain body is what a page of another site can send
     * without asking the browser first: the API takes JSON said as such. */
    if (!mg_http_content_type_is(r, "application/json")) {
        fail(r, res, 415, WEB_MSG_API_JSON_TYPE);
        return NULL;
    }
    size_t len;
    const char *body = mg_http_body(r, &len);
    if (!body || !len) {
        fail(r, res, 400, WEB_MSG_API_JSON_BODY);
        return NULL;
    }
    json_error_t err;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!j || !json_is_object(j)) {
        char msg[300];
        if (j)
            snprintf(msg, sizeof msg, "%s", web_msg_fr(WEB_MSG_API_JSON_NOT_OBJECT));
        else /* the table's words, then where and why, as jansson says it */
            snprintf(msg, sizeof msg, "%s (ligne %d, colonne %d) : %s",
                     web_msg_fr(WEB_MSG_API_JSON_INVALID), err.line, err.column, err.text);
        json_decref(j);
        mg_http_error(r, res, 400, msg);
        return NULL;
    }
    return j;
}

static int evaluate(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    json_t *j = web_body_json(r, res);
    if (!j)
        return 0;
    const mg_app_profession *p =
        mg_app_profession_get(a, json_string_value(json_object_get(j, "profession")));
    int rc = MG_OK;
    if (!p) {
        fail(r, res, 400, WEB_MSG_API_PROFESSION);
    } else {
        web_scenario w = {0};
        mg_diag d = {{0}};
        /* The baseline: the body's "baseline" (model or official), else
         * ?base=, else the server's default. */
        json_t *bj = json_object_get(j, "baseline");
        w.base = bj ? mg_baseline_parse(json_string_value(bj)) : web_baseline(ctx);
        if (w.base == MG_BASELINE_COUNT) {
            if (bj)
                fail(r, res, 400, WEB_MSG_BASELINE_UNKNOWN);
            json_decref(j);
            return 0;
        }
        rc = web_scenario_eval(p, json_object_get(j, "actions"), &w, &d);
        if (rc == MG_EINVAL) {
            mg_http_error(r, res, 400, d.msg);
            rc = MG_OK;
        } else if (rc == MG_OK) {
            rc = web_send_json(res, 200, evaluation_json(&w));
        }
        web_scenario_free(&w);
    }
    json_decref(j);
    return rc;
}

/* What GET /api/v1/scenarios asks: a window of the list. */
typedef struct list_query {
    size_t limit, offset;
} list_query;

/* Reads ?limit= (1..200, default 50) and ?offset= (0 or more, default 0);
 * non-zero once answered (400). */
static int parse_list_query(const mg_http_request *r, mg_http_response *res, list_query *q)
{
    *q = (list_query){.limit = LIST_LIMIT_DEFAULT, .offset = 0};
    const char *ls = mg_http_query(r, "limit"), *os = mg_http_query(r, "offset");
    int64_t v = 0;
    if (ls) {
        if (mg_parse_int(ls, 1, LIST_LIMIT_MAX, &v, NULL)) {
            mg_http_error(r, res, 400, web_msg_fr(WEB_MSG_API_LIMIT));
            return -1;
        }
        q->limit = (size_t)v;
    }
    if (os) {
        if (mg_parse_int(os, 0, INT64_MAX, &v, NULL)) {
            mg_http_error(r, res, 400, web_msg_fr(WEB_MSG_API_OFFSET));
            return -1;
        }
        q->offset = (size_t)v;
    }
    return 0;
}

static json_t *list_json(const list_query *q, const mg_scenario_record *l, size_t n, size_t total)
{
    json_t *arr = json_array();
    for (size_t k = 0; arr && k < n; k++)
        json_array_append_new(arr, record_json(&l[k]));
    return json_pack("{s:o,s:I,s:I,s:I}", "scenarios", arr, "total", (json_int_t)total, "limit",
                     (json_int_t)q->limit, "offset", (json_int_t)q->offset);
}

/* GET /api/v1/scenarios?limit=&offset=: a page of the list, most recently
 * updated first, with the number of scenarios in all. An offset past the
 * end gives an empty list. */
static int list(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    list_query q;
    if (parse_list_query(r, res, &q))
        return 0;
    mg_scenario_record *l = NULL;
    size_t n = 0, total = 0;
    mg_diag d = {{0}};
    int64_t orgs[MG_AUTH_MEMBERSHIPS_MAX];
    mg_storage_scope scope;
    web_scenario_scope(ctx, orgs, &scope);
    int src = mg_storage_scenario_list_page(ctx->app->db, &scope, q.offset, q.limit, &l, &n,
                                            &total, &d);
    if (src) {
        web_storage_error(r, res, src, &d, "", web_msg_fr(WEB_MSG_SCENARIO_LIST_FAILED));
        return 0;
    }
    json_t *doc = list_json(&q, l, n, total);
    mg_scenario_record_list_free(l, n);
    return web_send_json(res, 200, doc);
}

/* What a POST or PUT of a scenario sent, read and checked. */
typedef struct save_request {
    json_t *body; /* owns the strings and actions below */
    const char *name, *profession;
    json_t *actions;
    const mg_app_profession *p;
    int64_t organisation; /* of a creation: "organisation", or the actor's only one */
} save_request;

/* Reads the JSON body of a save; non-zero once answered (400). */
static int parse_save(const mg_app *a, const mg_http_request *r, mg_http_response *res,
                      save_request *q)
{
    *q = (save_request){0};
    q->body = web_body_json(r, res);
    if (!q->body)
        return -1;
    q->name = json_string_value(json_object_get(q->body, "name"));
    q->profession = json_string_value(json_object_get(q->body, "profession"));
    q->actions = json_object_get(q->body, "actions");
    q->p = q->profession ? mg_app_profession_get(a, q->profession) : NULL;
    web_msg m = !q->name ? WEB_MSG_API_NAME : !q->p ? WEB_MSG_API_PROFESSION : WEB_MSG_API_ACTIONS;
    if (!q->name || !q->p || !q->actions) {
        fail(r, res, 400, m);
        json_decref(q->body);
        q->body = NULL;
        return -1;
    }
    return 0;
}

enum { ANSWERED = 1 };

/* Checks that the actions evaluate, stores the scenario (id 0: a new one)
 * and reads it back into *out. ANSWERED once the response is made (400 for
 * a scenario that does not evaluate or a refused name, storage errors);
 * other failures (MG_ENOMEM) are returned unanswered. */
static int store_scenario(web_ctx *ctx, const save_request *q, int64_t id,
                          mg_scenario_record *out)
{
    const mg_app *a = ctx->app;
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    mg_diag d = {{0}};
    web_scenario w = {0};
    int rc = web_scenario_eval(q->p, q->actions, &w, &d);
    web_scenario_free(&w);
    if (rc == MG_EINVAL) {
        mg_http_error(r, res, 400, d.msg);
        return ANSWERED;
    }
    if (rc)
        return rc;
    char *text = json_dumps(q->actions, JSON_COMPACT);
    mg_scenario_record rec = {.id = id, .name = (char *)q->name,
                              .profession = (char *)q->profession, .actions_json = text,
                              .organisation_id = q->organisation};
    int64_t nid = 0;
    rc = text ? mg_storage_scenario_save(a->db, &rec, ctx->actor->account_id, &nid, &d)
              : MG_ENOMEM;
    free(text);
    if (rc == MG_ENOMEM)
        return rc;
    if (rc == MG_EINVAL) {
        mg_http_error(r, res, 400, d.msg);
        return ANSWERED;
    }
    if (rc) {
        web_storage_error(r, res, rc, &d, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND),
                          web_msg_fr(WEB_MSG_SCENARIO_SAVE_FAILED));
        return ANSWERED;
    }
    rc = mg_storage_scenario_get(a->db, nid, out, &d);
    if (rc) {
        web_storage_error(r, res, rc, &d, web_msg_fr(WEB_MSG_SCENARIO_GONE),
                          web_msg_fr(WEB_MSG_SCENARIO_REREAD_FAILED));
        return ANSWERED;
    }
    return 0;
}

/*
 * Whether the actor may `verb` scenario id (read to know its organisation):
 * 0, or non-zero once answered (404 for an unknown id or another
 * organisation's, alike; 401, 403).
 */
static int scenario_allowed(web_ctx *ctx, int64_t id, mg_auth_verb verb)
{
    mg_scenario_record rec = {0};
    mg_diag d = {{0}};
    int src = id ? mg_storage_scenario_get(ctx->app->db, id, &rec, &d) : MG_ENOTFOUND;
    if (src) {
        web_storage_error(ctx->req, ctx->res, src, &d, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND),
                          web_msg_fr(WEB_MSG_SCENARIO_READ_FAILED));
        return -1;
    }
    mg_auth_object o = web_scenario_object(&rec, false);
    mg_scenario_record_free(&rec);
    return web_allow_as(ctx, verb, &o, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND)) ? 0 : -1;
}

/* The organisation of a new scenario: "organisation" of the body, or the
 * actor's only organisation where it may create one. 0 once answered. */
static int64_t creation_organisation(web_ctx *ctx, const json_t *body)
{
    const json_t *o = json_object_get(body, "organisation");
    mg_auth_object obj = {.type = MG_AUTH_OBJ_SCENARIO};
    if (o && !json_is_integer(o)) {
        fail(ctx->req, ctx->res, 400, WEB_MSG_API_ORGANISATION);
        return 0;
    }
    if (o) {
        obj.organisation_id = json_integer_value(o);
    } else {
        int64_t orgs[2];
        size_t n = mg_auth_orgs_where(ctx->actor, MG_AUTH_CREATE, MG_AUTH_OBJ_SCENARIO, orgs, 2);
        if (n != 1) {
            /* None: the refusal below says why; several: the body must choose. */
            if (n > 1) {
                fail(ctx->req, ctx->res, 400, WEB_MSG_API_ORGANISATION);
                return 0;
            }
        } else {
            obj.organisation_id = orgs[0];
        }
    }
    if (obj.organisation_id <= 0 && ctx->actor->account_id) {
        fail(ctx->req, ctx->res, 403, WEB_MSG_ORGANISATION_NOT_YOURS);
        return 0;
    }
    return web_allow(ctx, MG_AUTH_CREATE, &obj) ? obj.organisation_id : 0;
}

/* Creates (id 0) or replaces a scenario from a JSON body: 201 or 200 with
 * the stored record. */
static int save(web_ctx *ctx, int64_t id)
{
    const mg_app *a = ctx->app;
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    if (id && scenario_allowed(ctx, id, MG_AUTH_EDIT))
        return 0;
    save_request q;
    if (parse_save(a, r, res, &q))
        return 0;
    if (!id && !(q.organisation = creation_organisation(ctx, q.body))) {
        json_decref(q.body);
        return 0;
    }
    mg_scenario_record got = {0};
    int rc = store_scenario(ctx, &q, id, &got);
    if (rc == 0)
        rc = web_send_json(res, id ? 200 : 201, record_json(&got));
    else if (rc == ANSWERED)
        rc = MG_OK;
    mg_scenario_record_free(&got);
    json_decref(q.body);
    return rc;
}

static int create(web_ctx *ctx)
{
    return save(ctx, 0);
}

/* The scenario id of the path, 0 when it is not one the program prints
 * ("007", "1e3", "-1": no scenario, 404). */
static int64_t path_id(const mg_http_request *r)
{
    int64_t v = 0;
    return mg_parse_id(mg_http_path_param(r, "id"), INT64_MAX, &v, NULL) ? 0 : v;
}

static int replace(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    int64_t id = path_id(r);
    if (!id) {
        fail(r, res, 404, WEB_MSG_SCENARIO_NOT_FOUND);
        return 0;
    }
    return save(ctx, id);
}

static int get_one(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    mg_scenario_record rec = {0};
    mg_diag d = {{0}};
    int64_t id = path_id(r);
    int src = id ? mg_storage_scenario_get(a->db, id, &rec, &d) : MG_ENOTFOUND;
    if (src) {
        web_storage_error(r, res, src, &d, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND),
                          web_msg_fr(WEB_MSG_SCENARIO_READ_FAILED));
        return 0;
    }
    mg_auth_object o = web_scenario_object(&rec, false);
    if (!web_allow_as(ctx, MG_AUTH_VIEW, &o, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND))) {
        mg_scenario_record_free(&rec);
        return 0;
    }
    int rc = web_send_json(res, 200, record_json(&rec));
    mg_scenario_record_free(&rec);
    return rc;
}

static int delete_one(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    mg_diag d = {{0}};
    int64_t id = path_id(r);
    if (scenario_allowed(ctx, id, MG_AUTH_DELETE))
        return 0;
    int src = mg_storage_scenario_delete(a->db, id, ctx->actor->account_id, &d);
    if (src) {
        web_storage_error(r, res, src, &d, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND),
                          web_msg_fr(WEB_MSG_SCENARIO_DELETE_FAILED));
        return 0;
    }
    res->status = 204;
    res->content_type = "application/json";
    return 0;
}

static int evaluation(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    web_scenario w;
    if (web_scenario_load(ctx, mg_http_path_param(r, "id"), MG_AUTH_VIEW, &w))
        return 0;
    int rc = web_send_json(res, 200, evaluation_json(&w));
    web_scenario_free(&w);
    return rc;
}

static int api_page(web_ctx *ctx)
{
    mg_http_response *res = ctx->res;
    mg_buf *b = &res->body;
    web_page_begin(b, ctx, "API", "api");
    mg_buf_puts(b, "<h1>API JSON</h1>\n<p>Tout ce que montrent les pages est disponible en JSON. "
                   "La description complète (OpenAPI 3) est dans "
                   "<a href=\"/static/openapi.yaml\">openapi.yaml</a>.</p>\n<ul>\n"
                   "<li><code>GET /api/v1/territory?profession=mg</code> — chiffres clés</li>\n"
                   "<li><code>GET /api/v1/communes?profession=mg</code> — toutes les communes</li>\n"
                   "<li><code>GET /api/v1/communes/{code}?profession=mg</code> — une commune et ses contributions</li>\n"
                   "<li><code>POST /api/v1/evaluate</code> — évaluer un scénario sans l'enregistrer</li>\n"
                   "<li><code>GET /api/v1/scenarios?limit=50&amp;offset=0</code> — les scénarios "
                   "enregistrés, par pages (<code>limit</code> de 1 à 200, 50 par défaut ; "
                   "<code>total</code> donne leur nombre)</li>\n"
                   "<li><code>POST /api/v1/scenarios</code>, <code>GET|PUT|DELETE /api/v1/scenarios/{id}</code>, "
                   "<code>GET /api/v1/scenarios/{id}/evaluation</code></li>\n"
                   "<li><code>GET /api/v1/structures?q=&amp;categorie=&amp;thematique=&amp;"
                   "commune=&amp;code_postal=&amp;perimetre=&amp;offset=0&amp;limit=50</code>, "
                   "<code>GET /api/v1/structures/{id}</code> — l'annuaire des acteurs locaux "
                   "(objets data·inclusion)</li>\n"
                   "<li><code>GET /api/v1/services</code> — leurs services, mêmes filtres</li>\n"
                   "<li><code>GET /api/v1/contracts?limit=50&amp;offset=0</code>, "
                   "<code>GET /api/v1/contracts/{id}</code>, "
                   "<code>POST /api/v1/contracts/{id}/actions</code>, "
                   "<code>GET /api/v1/actions/{id}</code>, <code>GET /api/v1/indicators/{id}</code> "
                   "— les contrats que votre compte voit, leurs actions, budgets (en centimes) "
                   "et indicateurs (compte nécessaire)</li>\n"
                   "<li><code>GET|POST /api/v1/subsidy-requests</code>, "
                   "<code>GET|PUT /api/v1/subsidy-requests/{id}</code> et au-dessous "
                   "(<code>/file</code>, <code>/route</code>, <code>/parts/{fid}/opinion|question|"
                   "decision|payments</code>, <code>/answers/{qid}</code>, <code>/messages</code>, "
                   "<code>/attachments</code>, <code>/versions</code>, <code>/history</code>), "
                   "<code>GET /api/v1/subsidy-windows</code>, <code>GET /api/v1/subsidy-calls</code>, "
                   "<code>GET /api/v1/subsidy-funders/{org}</code> — le guichet unique des "
                   "subventions : demandes, instruction par chaque cofinanceur, versements "
                   "(montants en euros dans les corps, en centimes dans les réponses ; compte "
                   "nécessaire)</li>\n"
                   "</ul>\n"
                   "<p>Les valeurs sont celles du modèle, ou avec <code>?base=official</code> "
                   "(<code>\"baseline\": \"official\"</code> dans le corps de "
                   "<code>/api/v1/evaluate</code>) l'APL officielle + effet du scénario "
                   "(modèle) ; le champ <code>baseline</code> de chaque réponse dit laquelle.</p>\n");
    web_page_end(b);
    return b->failed ? MG_ELIMIT : MG_OK;
}

const web_route web_routes_api[] = {
    {"GET", "/api", api_page, WEB_ANYONE, 0},
    {"GET", "/api/v1/territory", territory, WEB_ANYONE, 0},
    {"GET", "/api/v1/communes", communes, WEB_ANYONE, 0},
    {"GET", "/api/v1/communes/{code}", commune, WEB_ANYONE, 0},
    {"POST", "/api/v1/evaluate", evaluate, WEB_ANYONE, WEB_F_NO_STATE},
    {"GET", "/api/v1/scenarios", list, WEB_ANYONE, 0},
    {"POST", "/api/v1/scenarios", create, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/scenarios/{id}", get_one, WEB_ANYONE, 0},
    {"PUT", "/api/v1/scenarios/{id}", replace, WEB_ANYONE, 0},
    {"DELETE", "/api/v1/scenarios/{id}", delete_one, WEB_ANYONE, 0},
    {"GET", "/api/v1/scenarios/{id}/evaluation", evaluation, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
