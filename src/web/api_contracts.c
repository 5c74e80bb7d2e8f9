/*
 * Contracts, actions and indicators through the JSON API
 * (static/openapi.yaml, docs/contracts.md):
 *   GET  /api/v1/contracts                   those the actor sees (led, signed, taking part)
 *   GET  /api/v1/contracts/{id}              facts, signatories, axes, actions, budget
 *                                            totals by funder, year and axis, amendments,
 *                                            documents
 *   POST /api/v1/contracts/{id}/actions      a new action (the contract's editors)
 *   GET  /api/v1/actions/{id}                facts, participants, milestones, notes,
 *                                            budget lines, indicators with their values
 *   GET  /api/v1/indicators/{id}             an indicator and its values
 * Amounts are integer cents ("planned_cents"…), dates "YYYY-MM-DD" or
 * null. Rights are the pages' (auth/authz.c, MG_AUTH_OBJ_CONTRACT with the
 * contract's viewers and the action's pilot as editor): an id the actor may
 * not see is a 404 with the words of one that does not exist, a change it
 * may not make a 403; a signed-in account is needed (401 otherwise: a
 * bearer token or a session). Errors are the API's {"error": {"status",
 * "message"}}; a refused field of a POST adds "field" and the message
 * starts « field » : as the other POST APIs' do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "contracts/indicators.h"
#include "diagnosis/scope.h"
#include "parse/parse.h"
#include "web/contracts_web.h"
#include "web/web.h"

#define LIMIT_DEFAULT 50
#define LIMIT_MAX 500

static const char CONTRACT_NOT_FOUND[] = "Ce contrat n'existe pas.";
static const char ACTION_NOT_FOUND[] = "Cette action n'existe pas.";
static const char INDICATOR_NOT_FOUND[] = "Cet indicateur n'existe pas.";
static const char READ_FAILED[] = "Le contrat n'a pas pu être lu. Réessayez dans un instant.";
static const char SAVE_FAILED[] = "La modification n'a pas pu être enregistrée.";

/* --- JSON pieces -------------------------------------------------------------------- */

/* A date or null. */
static json_t *date_json(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

static json_t *text_json(const char *s)
{
    return json_string(s ? s : "");
}

static json_t *amounts_json(const mg_budget_amounts *a)
{
    return json_pack("{s:I,s:I,s:I}", "planned_cents", (json_int_t)a->planned, "committed_cents",
                     (json_int_t)a->committed, "paid_cents", (json_int_t)a->paid);
}

static json_t *contract_json(const mg_contract *c)
{
    char api[64], page[64];
    snprintf(api, sizeof api, "/api/v1/contracts/%lld", (long long)c->id);
    snprintf(page, sizeof page, "/contrats/%lld", (long long)c->id);
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s?,s:o,s:o,s:{s:I,s:s},s:b,s:s,s:s,s:s,s:s}",
                     "id", (json_int_t)c->id, "kind", mg_contract_kind_key(c->kind),
                     "kind_label", mg_contract_kind_label(c->kind), "status",
                     mg_contract_status_key(c->status), "status_label",
                     mg_contract_status_label(c->status), "title", c->title, "territory",
                     c->territory[0] ? c->territory : NULL, "starts_on", date_json(c->starts_on),
                     "ends_on", date_json(c->ends_on), "lead", "id",
                     (json_int_t)c->organisation_id, "name", c->lead_name, "is_example",
                     c->is_example, "created_at", c->created_at, "updated_at", c->updated_at,
                     "api", api, "page", page);
}

/* An action as a row of its contract. */
static json_t *action_summary_json(const mg_contract_action *a)
{
    char api[64];
    snprintf(api, sizeof api, "/api/v1/actions/%lld", (long long)a->id);
    json_t *pilot = a->pilot_id ? json_pack("{s:I,s:s}", "id", (json_int_t)a->pilot_id, "name",
                                            a->pilot_name)
                                : json_null();
    return json_pack("{s:I,s:I,s:s,s:s,s:s,s:b,s:o,s:o,s:o,s:i,s:o,s:I,s:b,s:s}", "id",
                     (json_int_t)a->id, "contract_id", (json_int_t)a->contract_id, "title",
                     a->title, "status", mg_action_status_key(a->status), "status_label",
                     mg_action_status_label(a->status), "late", a->late, "starts_on",
                     date_json(a->starts_on), "due_on", date_json(a->due_on), "axis_id",
                     a->axis_id ? json_integer(a->axis_id) : json_null(), "priority",
                     a->priority, "pilot", pilot, "partners", (json_int_t)a->partners,
                     "is_example", a->is_example, "api", api);
}

/* An action with all its facts. */
static json_t *action_json(const mg_contract_action *a)
{
    json_t *o = action_summary_json(a);
    if (!o)
        return NULL;
    json_object_set_new(o, "description", text_json(a->description));
    json_object_set_new(o, "objectives", text_json(a->objectives));
    json_object_set_new(o, "contact_role", text_json(a->contact_role));
    json_object_set_new(o, "target_publics", text_json(a->target_publics));
    json_object_set_new(o, "target_communes", a->target_communes && a->target_communes[0]
                                                  ? json_string(a->target_communes)
                                                  : json_null());
    json_object_set_new(o, "scenario_id",
                        a->scenario_id ? json_integer(a->scenario_id) : json_null());
    json_object_set_new(o, "created_at", json_string(a->created_at));
    json_object_set_new(o, "updated_at", json_string(a->updated_at));
    return o;
}

static json_t *participant_json(const mg_contract_participant *p, bool with_role)
{
    json_t *o = json_pack("{s:I,s:s,s:s,s:b}", "id", (json_int_t)p->organisation_id, "name",
                          p->name, "kind", p->kind, "in_directory", p->in_directory);
    if (o && with_role)
        json_object_set_new(o, "role", json_string(mg_participant_role_key(p->role)));
    return o;
}

static json_t *totals_json(const mg_budget_total *t, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *o = amounts_json(&t[i].a);
        if (!o) {
            json_decref(arr);
            return NULL;
        }
        json_object_set_new(o, "key", json_integer(t[i].key));
        json_object_set_new(o, "label", json_string(t[i].label));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *budget_line_json(const mg_budget_line *l)
{
    json_t *o = amounts_json(&l->a);
    if (!o)
        return NULL;
    json_object_set_new(o, "id", json_integer(l->id));
    json_object_set_new(o, "funder", json_pack("{s:I,s:s}", "id", (json_int_t)l->funder_id,
                                               "name", l->funder_name));
    json_object_set_new(o, "year", json_integer(l->year));
    json_object_set_new(o, "nature", json_string(mg_budget_nature_key(l->nature)));
    json_object_set_new(o, "fed", json_boolean(l->fed));
    json_object_set_new(o, "subsidy_request_id",
                        l->fed ? json_integer(l->subsidy_request_id) : json_null());
    json_object_set_new(o, "amendment_id",
                        l->amendment_id ? json_integer(l->amendment_id) : json_null());
    json_object_set_new(o, "is_example", json_boolean(l->is_example));
    return o;
}

/* A double or null (NaN: none). */
static json_t *real_json(double v)
{
    return v == v ? json_real(v) : json_null();
}

static json_t *indicator_json(const mg_indicator *x)
{
    char api[64];
    snprintf(api, sizeof api, "/api/v1/indicators/%lld", (long long)x->id);
    return json_pack("{s:I,s:I,s:s,s:s,s:b,s:o,s:o,s:s,s:s,s:s?,s:s?,s:s}", "id",
                     (json_int_t)x->id, "action_id", (json_int_t)x->action_id, "title", x->title,
                     "unit", x->unit, "higher_is_better", x->higher_is_better, "target",
                     real_json(x->target), "target_on", date_json(x->target_on), "source",
                     mg_indicator_source_key(x->source), "source_label",
                     mg_indicator_source_label(x->source), "measure",
                     x->measure[0] ? x->measure : NULL, "profession",
                     x->profession[0] ? x->profession : NULL, "api", api);
}

static json_t *values_json(const mg_indicator_value *v, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *params = NULL;
        if (v[i].params_json && v[i].params_json[0])
            params = json_loads(v[i].params_json, 0, NULL);
        json_t *o = json_pack("{s:I,s:s,s:o,s:s?,s:o,s:o,s:s,s:s}", "id", (json_int_t)v[i].id,
                              "measured_on", v[i].measured_on, "value", real_json(v[i].value),
                              "series", v[i].series[0] ? v[i].series : NULL, "data_year",
                              v[i].data_year ? json_integer(v[i].data_year) : json_null(),
                              "params", params ? params : json_null(), "source_note",
                              v[i].source_note, "comment", v[i].comment ? v[i].comment : "");
        if (!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* An indicator with its values, or NULL (d set). */
static json_t *indicator_with_values(web_ctx *ctx, const mg_indicator *x, int *rc, mg_diag *d)
{
    mg_indicator_value *v = NULL;
    size_t n = 0;
    *rc = mg_indicator_values(ctx->app->db, x->id, &v, &n, d);
    if (*rc)
        return NULL;
    json_t *o = indicator_json(x);
    json_t *vals = values_json(v, n);
    mg_indicator_values_free(v, n);
    if (!o || !vals) {
        json_decref(o);
        json_decref(vals);
        *rc = MG_ENOMEM;
        return NULL;
    }
    json_object_set_new(o, "values", vals);
    return o;
}

/* --- Loading with the rights -------------------------------------------------------- */

/* The view of contract id with its viewers (and action a's pilot as editor
 * when a is given) when the actor may `verb` it; false once answered
 * (404 with `not_found` for an id that names none and for what the actor
 * may not see). */
static bool load_contract_id(web_ctx *ctx, int64_t id, const mg_contract_action *a,
                             mg_auth_verb verb, const char *not_found, web_contract_view *v)
{
    memset(v, 0, sizeof *v);
    mg_diag d = {{0}};
    int rc = mg_contract_get(ctx->app->db, id, &v->c, &d);
    if (rc == 0)
        rc = mg_contract_viewers(ctx->app->db, id, v->viewers, WEB_CONTRACT_VIEWERS_MAX,
                                 &v->nviewers, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, not_found, READ_FAILED);
        return false;
    }
    mg_auth_object o = web_contract_object(v);
    if (a && a->pilot_id) {
        o.editors = &a->pilot_id;
        o.neditors = 1;
    }
    return web_allow_as(ctx, verb, &o, not_found);
}

/* The {id} of the path, or 0 after answering 404 with not_found. */
static int64_t path_id(web_ctx *ctx, const char *not_found)
{
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "id"), INT64_MAX, &id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, not_found);
        return 0;
    }
    return id;
}

/* --- GET /api/v1/contracts ---------------------------------------------------------- */

static int contracts_list(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    int64_t limit = LIMIT_DEFAULT, offset = 0;
    const char *s;
    if ((s = mg_http_query(r, "limit")) && mg_parse_int(s, 1, LIMIT_MAX, &limit, NULL)) {
        mg_http_error(r, ctx->res, 400, "Paramètre « limit » : attendu un nombre entier de 1 à "
                                        "500.");
        return MG_OK;
    }
    if ((s = mg_http_query(r, "offset")) && mg_parse_int(s, 0, INT32_MAX, &offset, NULL)) {
        mg_http_error(r, ctx->res, 400, "Paramètre « offset » : attendu un nombre entier positif "
                                        "ou nul.");
        return MG_OK;
    }
    int64_t orgs[MG_AUTH_MEMBERSHIPS_MAX];
    size_t norgs = mg_auth_orgs_where(ctx->actor, MG_AUTH_VIEW, MG_AUTH_OBJ_CONTRACT, orgs,
                                      MG_AUTH_MEMBERSHIPS_MAX);
    mg_contract *led = NULL, *seen = NULL;
    size_t nled = 0, nseen = 0;
    mg_diag d = {{0}};
    int rc = MG_OK;
    if (norgs) {
        rc = mg_contract_list(ctx->app->db, orgs, norgs, &led, &nled, NULL, &d);
        if (rc == MG_OK)
            rc = mg_contract_list_seen_by(ctx->app->db, orgs, norgs, &seen, &nseen, NULL, &d);
    }
    json_t *arr = json_array();
    size_t total = 0;
    if (!arr && rc == MG_OK)
        rc = MG_ENOMEM;
    /* Led first, then seen, each once, each checked with its viewers. */
    for (size_t k = 0; rc == MG_OK && k < nled + nseen; k++) {
        const mg_contract *c = k < nled ? &led[k] : &seen[k - nled];
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = (j < nled ? led[j].id : seen[j - nled].id) == c->id;
        if (dup)
            continue;
        web_contract_view v = {.c = *c};
        rc = mg_contract_viewers(ctx->app->db, c->id, v.viewers, WEB_CONTRACT_VIEWERS_MAX,
                                 &v.nviewers, &d);
        if (rc == MG_ENOTFOUND) {
            rc = MG_OK;
            continue;
        }
        mg_auth_object o = web_contract_object(&v);
        if (rc != MG_OK || !web_can(ctx, MG_AUTH_VIEW, &o))
            continue;
        if (total >= (size_t)offset && total < (size_t)(offset + limit)) {
            json_t *j = contract_json(c);
            if (j)
                json_object_set_new(j, "role", json_string(k < nled ? "lead" : "viewer"));
            if (!j || json_array_append_new(arr, j))
                rc = MG_ENOMEM;
        }
        total++;
    }
    free(led);
    free(seen);
    if (rc != MG_OK) {
        json_decref(arr);
        if (rc == MG_ENOMEM)
            return rc;
        web_storage_error(r, ctx->res, rc, &d, CONTRACT_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    return web_send_json(ctx->res, 200,
                         json_pack("{s:I,s:I,s:I,s:o}", "total", (json_int_t)total, "offset",
                                   (json_int_t)offset, "limit", (json_int_t)limit, "contracts",
                                   arr));
}

/* --- GET /api/v1/contracts/{id} ------------------------------------------------------- */

static int contract_one(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    mg_db *db = ctx->app->db;
    mg_diag d = {{0}};
    mg_contract_participant *sig = NULL;
    mg_contract_axis *axes = NULL;
    mg_contract_action *acts = NULL;
    mg_contract_amendment *am = NULL;
    mg_contract_amendment_change *ch = NULL;
    mg_contract_document *docs = NULL;
    mg_budget_total *by[3] = {NULL, NULL, NULL};
    size_t nsig = 0, naxes = 0, nacts = 0, nam = 0, nch = 0, ndocs = 0, nby[3] = {0, 0, 0};
    mg_budget_amounts all = {0, 0, 0};
    static const mg_budget_group groups[3] = {MG_BUDGET_BY_FUNDER, MG_BUDGET_BY_YEAR,
                                              MG_BUDGET_BY_AXIS};
    int rc = mg_contract_signatories(db, v.c.id, &sig, &nsig, &d);
    if (rc == 0)
        rc = mg_contract_axes(db, v.c.id, &axes, &naxes, &d);
    if (rc == 0)
        rc = mg_contract_actions(db, v.c.id, &acts, &nacts, &d);
    for (int g = 0; g < 3 && rc == 0; g++)
        rc = mg_budget_totals(db, v.c.id, groups[g], &by[g], &nby[g], &all, &d);
    if (rc == 0)
        rc = mg_contract_amendments(db, v.c.id, &am, &nam, &d);
    if (rc == 0)
        rc = mg_contract_amendment_changes(db, v.c.id, &ch, &nch, &d);
    if (rc == 0)
        rc = mg_contract_documents(db, v.c.id, &docs, &ndocs, &d);
    json_t *doc = NULL;
    if (rc == 0) {
        json_t *jsig = json_array(), *jaxes = json_array(), *jacts = json_array(),
               *jam = json_array(), *jdocs = json_array();
        for (size_t i = 0; jsig && i < nsig; i++)
            json_array_append_new(jsig, participant_json(&sig[i], false));
        for (size_t i = 0; jaxes && i < naxes; i++)
            json_array_append_new(
                jaxes, json_pack("{s:I,s:o,s:i,s:s,s:s}", "id", (json_int_t)axes[i].id,
                                 "parent_id",
                                 axes[i].parent_id ? json_integer(axes[i].parent_id) : json_null(),
                                 "level", axes[i].level, "number", axes[i].number, "title",
                                 axes[i].title));
        for (size_t i = 0; jacts && i < nacts; i++)
            json_array_append_new(jacts, action_summary_json(&acts[i]));
        for (size_t i = 0; jam && i < nam; i++) {
            json_t *changes = json_array();
            for (size_t k = 0; changes && k < nch; k++)
                if (ch[k].amendment_id == am[i].id)
                    json_array_append_new(
                        changes, json_pack("{s:s,s:I,s:s,s:s?,s:s?}", "object_type",
                                           ch[k].object_type, "object_id",
                                           (json_int_t)ch[k].object_id, "field", ch[k].field,
                                           "before", ch[k].before, "after", ch[k].after));
            json_array_append_new(
                jam, json_pack("{s:I,s:i,s:s,s:o,s:s,s:s,s:o}", "id", (json_int_t)am[i].id,
                               "number", am[i].number, "title", am[i].title, "signed_on",
                               date_json(am[i].signed_on), "effective_on", am[i].effective_on,
                               "description", am[i].description ? am[i].description : "",
                               "changes", changes ? changes : json_array()));
        }
        for (size_t i = 0; jdocs && i < ndocs; i++) {
            char href[96];
            snprintf(href, sizeof href, "/contrats/%lld/documents/%lld", (long long)v.c.id,
                     (long long)docs[i].id);
            json_array_append_new(
                jdocs, json_pack("{s:I,s:o,s:s,s:s,s:s,s:s,s:I,s:s,s:s}", "id",
                                 (json_int_t)docs[i].id, "action_id",
                                 docs[i].action_id ? json_integer(docs[i].action_id) : json_null(),
                                 "title", docs[i].title, "filename", docs[i].filename,
                                 "media_type", docs[i].media_type, "sha256", docs[i].sha256,
                                 "size", (json_int_t)docs[i].size, "created_at",
                                 docs[i].created_at, "download", href));
        }
        json_t *budget = amounts_json(&all);
        if (budget) {
            json_object_set_new(budget, "by_funder", totals_json(by[0], nby[0]));
            json_object_set_new(budget, "by_year", totals_json(by[1], nby[1]));
            json_object_set_new(budget, "by_axis", totals_json(by[2], nby[2]));
        }
        doc = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "contract", contract_json(&v.c),
                        "signatories", jsig, "axes", jaxes, "actions", jacts, "budget", budget,
                        "amendments", jam, "documents", jdocs);
        if (!doc)
            rc = MG_ENOMEM;
    }
    free(sig);
    free(axes);
    mg_contract_actions_free(acts, nacts);
    for (int g = 0; g < 3; g++)
        free(by[g]);
    mg_contract_amendments_free(am, nam);
    mg_contract_amendment_changes_free(ch, nch);
    free(docs);
    if (rc == MG_ENOMEM)
        return rc;
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    return web_send_json(ctx->res, 200, doc);
}

/* --- GET /api/v1/actions/{id} ----------------------------------------------------------- */

static int action_one(web_ctx *ctx)
{
    int64_t id = path_id(ctx, ACTION_NOT_FOUND);
    if (!id)
        return MG_OK;
    mg_db *db = ctx->app->db;
    mg_contract_action a;
    mg_diag d = {{0}};
    int rc = mg_contract_action_get(db, id, &a, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    web_contract_view v;
    if (!load_contract_id(ctx, a.contract_id, &a, MG_AUTH_VIEW, ACTION_NOT_FOUND, &v)) {
        mg_contract_action_clear(&a);
        return MG_OK;
    }
    mg_contract_participant *parts = NULL;
    mg_contract_milestone *ms = NULL;
    mg_contract_note *notes = NULL;
    mg_budget_line *lines = NULL;
    mg_indicator *ind = NULL;
    size_t nparts = 0, nms = 0, nnotes = 0, nlines = 0, nind = 0;
    rc = mg_contract_participants(db, id, &parts, &nparts, &d);
    if (rc == 0)
        rc = mg_contract_milestones(db, id, &ms, &nms, &d);
    if (rc == 0)
        rc = mg_contract_notes(db, id, &notes, &nnotes, &d);
    if (rc == 0)
        rc = mg_budget_lines(db, a.contract_id, id, false, &lines, &nlines, &d);
    if (rc == 0)
        rc = mg_indicators(db, a.contract_id, id, &ind, &nind, &d);
    json_t *doc = NULL;
    if (rc == 0) {
        json_t *jp = json_array(), *jm = json_array(), *jn = json_array(), *jl = json_array(),
               *ji = json_array();
        mg_budget_amounts sum = {0, 0, 0};
        for (size_t i = 0; jp && i < nparts; i++)
            json_array_append_new(jp, participant_json(&parts[i], true));
        for (size_t i = 0; jm && i < nms; i++)
            json_array_append_new(jm, json_pack("{s:I,s:s,s:o,s:o,s:b,s:b}", "id",
                                                (json_int_t)ms[i].id, "title", ms[i].title,
                                                "due_on", date_json(ms[i].due_on), "done_on",
                                                date_json(ms[i].done_on), "done",
                                                ms[i].done_on[0] != 0, "late", ms[i].late));
        for (size_t i = 0; jn && i < nnotes; i++)
            json_array_append_new(jn, json_pack("{s:I,s:s,s:s,s:s?}", "id",
                                                (json_int_t)notes[i].id, "noted_on",
                                                notes[i].noted_on, "body",
                                                notes[i].body ? notes[i].body : "", "author",
                                                notes[i].author[0] ? notes[i].author : NULL));
        for (size_t i = 0; jl && i < nlines; i++) {
            json_array_append_new(jl, budget_line_json(&lines[i]));
            sum.planned += lines[i].a.planned;
            sum.committed += lines[i].a.committed;
            sum.paid += lines[i].a.paid;
        }
        for (size_t i = 0; rc == 0 && ji && i < nind; i++) {
            json_t *o = indicator_with_values(ctx, &ind[i], &rc, &d);
            if (o)
                json_array_append_new(ji, o);
        }
        json_t *budget = amounts_json(&sum);
        if (budget)
            json_object_set_new(budget, "lines", jl);
        else
            json_decref(jl);
        char capi[64];
        snprintf(capi, sizeof capi, "/api/v1/contracts/%lld", (long long)v.c.id);
        json_t *ja = action_json(&a);
        if (ja)
            json_object_set_new(ja, "contract",
                                json_pack("{s:I,s:s,s:s}", "id", (json_int_t)v.c.id, "title",
                                          v.c.title, "api", capi));
        doc = rc == 0 ? json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "action", ja, "participants", jp,
                                  "milestones", jm, "notes", jn, "budget", budget, "indicators",
                                  ji)
                      : NULL;
        if (rc == 0 && !doc)
            rc = MG_ENOMEM;
        if (rc) {
            json_decref(ja), json_decref(jp), json_decref(jm), json_decref(jn);
            json_decref(budget), json_decref(ji);
        }
    }
    free(parts);
    free(ms);
    mg_contract_notes_free(notes, nnotes);
    free(lines);
    free(ind);
    mg_contract_action_clear(&a);
    if (rc == MG_ENOMEM)
        return rc;
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    return web_send_json(ctx->res, 200, doc);
}

/* --- GET /api/v1/indicators/{id} -------------------------------------------------------- */

static int indicator_one(web_ctx *ctx)
{
    int64_t id = path_id(ctx, INDICATOR_NOT_FOUND);
    if (!id)
        return MG_OK;
    mg_db *db = ctx->app->db;
    mg_indicator x;
    mg_contract_action a;
    mg_diag d = {{0}};
    memset(&a, 0, sizeof a);
    int rc = mg_indicator_get(db, id, &x, &d);
    if (rc == 0)
        rc = mg_contract_action_get(db, x.action_id, &a, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, INDICATOR_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    web_contract_view v;
    bool ok = load_contract_id(ctx, a.contract_id, &a, MG_AUTH_VIEW, INDICATOR_NOT_FOUND, &v);
    char aapi[64];
    snprintf(aapi, sizeof aapi, "/api/v1/actions/%lld", (long long)a.id);
    json_t *action = json_pack("{s:I,s:s,s:I,s:s}", "id", (json_int_t)a.id, "title", a.title,
                               "contract_id", (json_int_t)a.contract_id, "api", aapi);
    mg_contract_action_clear(&a);
    if (!ok) {
        json_decref(action);
        return MG_OK;
    }
    json_t *o = indicator_with_values(ctx, &x, &rc, &d);
    if (!o) {
        json_decref(action);
        if (rc == MG_ENOMEM)
            return rc;
        web_storage_error(ctx->req, ctx->res, rc, &d, INDICATOR_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    json_t *values = json_incref(json_object_get(o, "values"));
    json_object_del(o, "values");
    return web_send_json(ctx->res, 200,
                         json_pack("{s:o,s:o,s:o}", "indicator", o, "action", action, "values",
                                   values));
}

/* --- POST /api/v1/contracts/{id}/actions -------------------------------------------------- */

/* 400 naming the field: {"error": {"status", "message", "field"}}. */
static int field_error(web_ctx *ctx, const char *field, const char *msg)
{
    char text[600];
    snprintf(text, sizeof text, "« %s » : %.500s", field, msg);
    json_t *e = json_pack("{s:i,s:s,s:s}", "status", 400, "message", text, "field", field);
    if (e && ctx->res->request_id[0])
        json_object_set_new(e, "request_id", json_string(ctx->res->request_id));
    return web_send_json(ctx->res, 400, json_pack("{s:o}", "error", e));
}

/* A member of the body as the text the store reads: a string as is, an
 * integer written out, absent or null as NULL; false (answered 400) for
 * any other JSON type. */
static bool member_text(web_ctx *ctx, const json_t *body, const char *key, bool integer_ok,
                        const char **out)
{
    const json_t *v = json_object_get(body, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return true;
    if (json_is_string(v)) {
        *out = json_string_value(v);
        return true;
    }
    if (integer_ok && json_is_integer(v)) {
        char *s = mg_http_alloc(ctx->req, 24);
        if (!s) {
            mg_http_error(ctx->req, ctx->res, 500, NULL);
            return false;
        }
        snprintf(s, 24, "%lld", (long long)json_integer_value(v));
        *out = s;
        return true;
    }
    field_error(ctx, key, integer_ok ? "attendu un nombre entier ou une chaîne de caractères."
                                     : "attendu une chaîne de caractères.");
    return false;
}

static int action_create(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body)
        return MG_OK;
    static const char *const keys[] = {"title", "description", "status", "starts_on", "due_on",
                                       "axis", "objectives", "contact_role", "target_publics",
                                       "target_communes", "priority", "scenario"};
    const char *val[sizeof keys / sizeof keys[0]];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        bool integer_ok = strcmp(keys[i], "axis") == 0 || strcmp(keys[i], "priority") == 0 ||
                          strcmp(keys[i], "scenario") == 0;
        if (!member_text(ctx, body, keys[i], integer_ok, &val[i])) {
            json_decref(body);
            return MG_OK;
        }
    }
    /* Unknown members are refused: a misspelt field would be lost silently. */
    const char *key;
    json_t *value;
    json_object_foreach(body, key, value)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !known; i++)
            known = strcmp(key, keys[i]) == 0;
        if (!known) {
            char name[80];
            snprintf(name, sizeof name, "%.60s", key);
            char *f = mg_http_strdup(ctx->req, name);
            int rc = field_error(ctx, f ? f : "?", "champ inconnu.");
            json_decref(body);
            return rc;
        }
    }
    mg_contract_action_input in = {.title = val[0], .description = val[1], .status = val[2],
                                   .starts_on = val[3], .due_on = val[4], .axis = val[5],
                                   .objectives = val[6], .contact_role = val[7],
                                   .target_publics = val[8], .target_communes = val[9],
                                   .priority = val[10], .scenario = val[11]};
    /* The target communes must be communes of the territory (the store checks the form only). */
    const mg_diagnosis *g = ctx->app->prof[0].g;
    if (in.target_communes && in.target_communes[0] && g) {
        mg_scope sc = {0};
        mg_diag sd = {{0}};
        int src = mg_scope_parse(g, in.target_communes, &sc, &sd);
        mg_scope_free(&sc);
        if (src) {
            int rc = field_error(ctx, "target_communes",
                                 "attendu epci:SIREN ou communes:CODE,CODE… du territoire.");
            json_decref(body);
            return rc;
        }
    }
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_action_create(ctx->app->db, ctx->actor->account_id, v.c.id, &in, &id,
                                       &fe, &d);
    json_decref(body);
    if (rc == MG_EINVAL)
        return field_error(ctx, fe.field ? fe.field : "title", fe.msg[0] ? fe.msg : d.msg);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, SAVE_FAILED);
        return MG_OK;
    }
    mg_contract_action a;
    rc = mg_contract_action_get(ctx->app->db, id, &a, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    json_t *ja = action_json(&a);
    mg_contract_action_clear(&a);
    return web_send_json(ctx->res, 201, json_pack("{s:o}", "action", ja));
}

const web_route web_routes_api_contracts[] = {
    {"GET", "/api/v1/contracts", contracts_list, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/contracts/{id}", contract_one, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/contracts/{id}/actions", action_create, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/actions/{id}", action_one, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/indicators/{id}", indicator_one, WEB_ACCOUNT, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
