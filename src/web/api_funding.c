/*
 * The single window through the JSON API (issue 16; static/openapi.yaml,
 * docs/funding-api.md):
 *   GET  /api/v1/subsidy-requests                    a page of a list (as applicant,
 *                                                    lead or co-funder of an organisation)
 *   POST /api/v1/subsidy-requests                    a new draft
 *   GET  /api/v1/subsidy-requests/{id}               facts, form (with its budget lines),
 *                                                    co-funders' parts
 *   PUT  /api/v1/subsidy-requests/{id}               saves the draft
 *   POST /api/v1/subsidy-requests/{id}/file          files it
 *   GET  /api/v1/subsidy-requests/{id}/parts         the co-funders' parts
 *   POST /api/v1/subsidy-requests/{id}/route         the lead routes it
 *   POST …/{id}/parts/{fid}/opinion|question|decision|payments
 *   POST …/{id}/answers/{qid}                        the applicant answers
 *   GET, POST …/{id}/messages                        internal ones only for who may
 *   GET, POST …/{id}/attachments; GET …/{id}/attachments/{pid} (the bytes)
 *   GET  …/{id}/versions, …/{id}/history
 *   GET  /api/v1/subsidy-windows, /api/v1/subsidy-calls
 *   GET  /api/v1/subsidy-funders/{org}, /api/v1/subsidy-funders/{org}/requests.xlsx
 * Rights are the pages': the request is loaded by web_subsidy_load
 * (funding_pages.c: mg_subsidy_access_get, then mg_auth_can on
 * web_subsidy_object), so a request the actor may not see is a 404 with
 * the words of one that does not exist, a change it may not make a 403.
 * Bodies are JSON objects whose members are the form's fields
 * (funding/json.h); amounts are sent as decimal strings in euros
 * ("1234.56") and read back as integer cents ("asked_cents"…). A refused
 * body is a 400 {"error": {"status", "message", "field", "fields"}}, the
 * message starting « field » : like the other POST APIs'.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "directory/holidays.h"
#include "funding/aftergrant.h"
#include "funding/attachments.h"
#include "funding/funding.h"
#include "funding/instruction.h"
#include "funding/json.h"
#include "funding/outputs.h"
#include "parse/parse.h"
#include "web/funding_web.h"
#include "web/web.h"

#define LIMIT_DEFAULT 50
#define HISTORY_LIMIT_MAX 100

static const char REQUEST_NOT_FOUND[] = "Cette demande de subvention n'existe pas.";
static const char ORG_NOT_FOUND[] = "Cette organisation n'existe pas.";
static const char WINDOW_NOT_FOUND[] = "Ce guichet n'existe pas.";
static const char ATTACHMENT_NOT_FOUND[] = "Cette pièce n'existe pas.";
static const char READ_FAILED[] =
    "La demande n'a pas pu être lue. Réessayez dans un instant.";
static const char SAVE_FAILED[] = "La modification n'a pas pu être enregistrée.";
static const char CENTS_REFUSED[] =
    "les montants s'écrivent en euros, en chaîne décimale, dans « amount » (\"1234.56\") ; "
    "les centimes entiers ne sont pas acceptés en entrée";

/* --- Answers ----------------------------------------------------------------------------- */

/* 400 naming the refused fields: {"error": {"status", "message", "field", "fields"}}. */
static int errors_answer(web_ctx *ctx, const mg_subsidy_errors *errs, const mg_diag *d)
{
    char name[48];
    mg_subsidy_json_field(errs->n ? errs->e[0].field : "body", name);
    const char *field = name;
    const char *msg = errs->n ? errs->e[0].msg : (d && d->msg[0] ? d->msg : "saisie refusée");
    char text[600];
    snprintf(text, sizeof text, "« %s » : %.500s", field, msg);
    json_t *e = json_pack("{s:i,s:s,s:s,s:o}", "status", 400, "message", text, "field", field,
                          "fields", mg_subsidy_json_errors(errs));
    if (!e)
        return MG_ENOMEM;
    if (ctx->res->request_id[0])
        json_object_set_new(e, "request_id", json_string(ctx->res->request_id));
    return web_send_json(ctx->res, 400, json_pack("{s:o}", "error", e));
}

static int field_error(web_ctx *ctx, const char *field, const char *msg)
{
    mg_subsidy_errors errs = {0};
    mg_subsidy_errors_add(&errs, field, "%s", msg);
    return errors_answer(ctx, &errs, NULL);
}

/* What a domain call's failure answers: refused input 400, else the storage's. */
static int fail(web_ctx *ctx, int rc, const mg_subsidy_errors *errs, const mg_diag *d,
                const char *not_found, const char *failed)
{
    if (rc == MG_ENOMEM)
        return rc;
    if (rc == MG_EINVAL)
        return errors_answer(ctx, errs, d);
    web_storage_error(ctx->req, ctx->res, rc, d, not_found, failed);
    return MG_OK;
}

static json_t *date_json(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

static json_t *id_or_null(int64_t id)
{
    return id ? json_integer(id) : json_null();
}

static json_t *org_json(int64_t id, const char *name)
{
    return id ? json_pack("{s:I,s:s}", "id", (json_int_t)id, "name", name ? name : "")
              : json_null();
}

/* Today in Paris, "YYYY-MM-DD". */
static void today_paris(char out[static 11])
{
    int y, m, dd, minute;
    if (mg_paris_civil((int64_t)time(NULL), &y, &m, &dd, &minute) < 0)
        y = 1970, m = 1, dd = 1;
    if (y < 1 || y > 9999 || m < 1 || m > 12 || dd < 1 || dd > 31)
        y = 1970, m = 1, dd = 1;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)dd % 100u);
}

/* --- Bodies -------------------------------------------------------------------------------- */

/* Reads members `keys` of a JSON body as text (strings; integers where
 * `ints` has the key's bit), refusing any other member; false once
 * answered. */
static bool body_members(web_ctx *ctx, const json_t *body, const char *const *keys, size_t n,
                         unsigned ints, const char **out)
{
    mg_subsidy_errors errs = {0};
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)body, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < n && !known; i++)
            known = strcmp(key, keys[i]) == 0;
        if (known)
            continue;
        char name[41];
        size_t len = strlen(key);
        if (len > 40) {
            len = 40;
            /* Cut on a character boundary: the field name stays UTF-8. */
            while (len > 0 && ((unsigned char)key[len] & 0xC0) == 0x80)
                len--;
        }
        memcpy(name, key, len);
        name[len] = 0;
        if (len == 0)
            memcpy(name, "\"\"", 3); /* the empty key, named as written */
        mg_subsidy_errors_add(&errs, name, "%s",
                              strcmp(key, "amount_cents") == 0 ? CENTS_REFUSED
                                                               : "champ inconnu");
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        v = json_object_get(body, keys[i]);
        if (!v || json_is_null(v))
            continue;
        if (json_is_string(v)) {
            out[i] = json_string_value(v);
        } else if ((ints >> i & 1u) && json_is_integer(v)) {
            char *s = mg_http_alloc(ctx->req, 24);
            if (!s) {
                mg_http_error(ctx->req, ctx->res, 500, NULL);
                return false;
            }
            snprintf(s, 24, "%lld", (long long)json_integer_value(v));
            out[i] = s;
        } else if (strcmp(keys[i], "amount") == 0 && json_is_number(v)) {
            mg_subsidy_errors_add(&errs, keys[i], "attendu un montant en euros écrit en chaîne "
                                                  "décimale, \"1234.56\", et non un nombre JSON");
        } else {
            mg_subsidy_errors_add(&errs, keys[i], "%s",
                                  (ints >> i & 1u)
                                      ? "attendu un nombre entier ou une chaîne de caractères"
                                      : "attendu une chaîne de caractères");
        }
    }
    if (errs.n) {
        errors_answer(ctx, &errs, NULL);
        return false;
    }
    return true;
}

/* --- JSON of the objects ------------------------------------------------------------------- */

static json_t *request_facts(const mg_subsidy_request *r)
{
    char api[64], page[64];
    snprintf(api, sizeof api, "/api/v1/subsidy-requests/%lld", (long long)r->id);
    snprintf(page, sizeof page, "/guichet/demandes/%lld", (long long)r->id);
    return json_pack("{s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:s,s:s,s:s,s:i,s:I,s:I,s:o,s:s,s:s,s:b,"
                     "s:s,s:s}",
                     "id", (json_int_t)r->id, "window_id", (json_int_t)r->window_id, "lead_id",
                     (json_int_t)r->lead_id, "applicant",
                     org_json(r->applicant_id, r->applicant_name), "call_id",
                     id_or_null(r->call_id), "action_id", id_or_null(r->action_id),
                     "renewal_of", id_or_null(r->renewal_of), "title", r->title, "state",
                     mg_subsidy_state_key(r->state), "state_label",
                     mg_subsidy_state_label(r->state), "version", r->version,
                     "total_expenses_cents", (json_int_t)r->total_expenses_cents,
                     "total_resources_cents", (json_int_t)r->total_resources_cents,
                     "filed_at", date_json(r->filed_at), "created_at", r->created_at,
                     "updated_at", r->updated_at, "is_example", r->is_example, "api", api,
                     "page", page);
}

/* A co-funder's part; the opinion (an instructors' assessment) only for
 * who reads the instructors' side. */
static json_t *part_json(const mg_subsidy_part *p, bool with_opinion)
{
    json_t *o = json_pack(
        "{s:o,s:I,s:s,s:s,s:b,s:o,s:I,s:s,s:o,s:I,s:o}", "funder",
        org_json(p->funder_id, p->funder_name), "asked_cents", (json_int_t)p->asked_cents,
        "state", mg_subsidy_part_state_key(p->state), "state_label",
        mg_subsidy_part_state_label(p->state), "added_by_lead", p->added_by_lead, "routed_at",
        date_json(p->routed_at), "granted_cents", (json_int_t)p->granted_cents, "reason",
        p->reason, "decided_at", date_json(p->decided_at), "paid_cents",
        (json_int_t)p->paid_cents, "agreement_on", date_json(p->agreement_on));
    if (o && with_opinion) {
        json_object_set_new(o, "opinion", date_json(p->opinion));
        json_object_set_new(o, "opinion_text", json_string(p->opinion_text));
        json_object_set_new(o, "opinion_at", date_json(p->opinion_at));
    }
    return o;
}

static json_t *parts_json(const mg_subsidy_part *p, size_t n, bool with_opinion)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, part_json(&p[i], with_opinion))) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

static json_t *payment_json(const mg_subsidy_payment *p)
{
    return json_pack("{s:I,s:o,s:s,s:I,s:s,s:i,s:b}", "id", (json_int_t)p->id, "funder",
                     org_json(p->funder_id, p->funder_name), "paid_on", p->paid_on,
                     "amount_cents", (json_int_t)p->amount_cents, "conditions", p->conditions,
                     "instalment", p->instalment, "is_example", p->is_example);
}

static json_t *message_json(const mg_subsidy_message *m)
{
    return json_pack("{s:I,s:s,s:o,s:s,s:o,s:s,s:o,s:o,s:s}", "id", (json_int_t)m->id, "kind",
                     mg_subsidy_message_kind_key(m->kind), "funder_id",
                     id_or_null(m->funder_id), "author_name", m->author_name,
                     "author_organisation", org_json(m->author_org_id, m->author_org_name),
                     "body", m->body ? m->body : "", "answers_id", id_or_null(m->answers_id),
                     "answered_at", date_json(m->answered_at), "created_at", m->created_at);
}

static json_t *attachment_json(const mg_subsidy_attachment *a)
{
    char href[96];
    snprintf(href, sizeof href, "/api/v1/subsidy-requests/%lld/attachments/%lld",
             (long long)a->request_id, (long long)a->id);
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s}", "id", (json_int_t)a->id, "kind",
                     mg_subsidy_attachment_kind_key(a->kind), "kind_label",
                     mg_subsidy_attachment_kind_label(a->kind), "filename", a->filename,
                     "media_type", a->media_type, "sha256", a->sha256, "size",
                     (json_int_t)a->size, "created_at", a->created_at, "download", href);
}

/* Whether the actor reads the instructors' side of the request. */
static bool instructor_side(const web_subsidy_view *v)
{
    return v->may_internal || v->may_route || v->ninstructs > 0;
}

/* The whole request: facts, form, parts, payments. NULL with *rc set. */
static json_t *request_doc(web_ctx *ctx, const web_subsidy_view *v, int *rc, mg_diag *d)
{
    mg_db *db = ctx->app->db;
    mg_subsidy_line *lines = NULL;
    mg_subsidy_part *parts = NULL;
    mg_subsidy_payment *pays = NULL;
    size_t nl = 0, np = 0, npay = 0;
    *rc = mg_subsidy_lines(db, v->r.id, &lines, &nl, d);
    if (*rc == 0)
        *rc = mg_subsidy_parts(db, v->r.id, &parts, &np, d);
    if (*rc == 0)
        *rc = mg_subsidy_payments(db, v->r.id, 0, &pays, &npay, d);
    json_t *doc = NULL;
    if (*rc == 0) {
        json_t *jpay = json_array();
        for (size_t i = 0; jpay && i < npay; i++)
            json_array_append_new(jpay, payment_json(&pays[i]));
        doc = json_pack("{s:o,s:o,s:o,s:o}", "request", request_facts(&v->r), "form",
                        mg_subsidy_json_form_of(&v->r, lines, nl), "parts",
                        parts_json(parts, np, instructor_side(v)), "payments", jpay);
        if (!doc)
            *rc = MG_ENOMEM;
    }
    free(lines);
    free(parts);
    free(pays);
    return doc;
}

/* Reloads request v->r.id after a change and answers it with `status`. */
static int answer_request(web_ctx *ctx, web_subsidy_view *v, int status)
{
    mg_diag d = {{0}};
    mg_subsidy_request r;
    memset(&r, 0, sizeof r);
    int rc = mg_subsidy_get(ctx->app->db, v->r.id, &r, &d);
    if (rc)
        return fail(ctx, rc, NULL, &d, REQUEST_NOT_FOUND, READ_FAILED);
    mg_subsidy_request_clear(&v->r);
    v->r = r;
    json_t *doc = request_doc(ctx, v, &rc, &d);
    if (!doc)
        return fail(ctx, rc, NULL, &d, REQUEST_NOT_FOUND, READ_FAILED);
    return web_send_json(ctx->res, status, doc);
}

/* --- GET /api/v1/subsidy-requests ---------------------------------------------------------- */

typedef enum as_kind { AS_APPLICANT = 0, AS_LEAD, AS_FUNDER } as_kind;

static mg_auth_object list_object(as_kind as, int64_t org)
{
    mg_auth_object o = {.type = MG_AUTH_OBJ_SUBSIDY_REQUEST};
    if (as == AS_APPLICANT)
        o.organisation_id = org;
    else if (as == AS_LEAD)
        o.lead_id = org;
    else {
        o.type = MG_AUTH_OBJ_SUBSIDY_FUNDER;
        o.organisation_id = org;
    }
    return o;
}

static int requests_list(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    const char *s;
    as_kind as = AS_APPLICANT;
    if ((s = mg_http_query(r, "as")) && s[0]) {
        if (strcmp(s, "applicant") == 0)
            as = AS_APPLICANT;
        else if (strcmp(s, "lead") == 0)
            as = AS_LEAD;
        else if (strcmp(s, "funder") == 0)
            as = AS_FUNDER;
        else
            return field_error(ctx, "as", "attendu applicant, lead ou funder");
    }
    int64_t limit = LIMIT_DEFAULT, offset = 0, year = 0, org = 0;
    if ((s = mg_http_query(r, "limit")) && mg_parse_int(s, 1, MG_SUBSIDY_PAGE_MAX, &limit, NULL))
        return field_error(ctx, "limit", "attendu un nombre entier de 1 à 200");
    if ((s = mg_http_query(r, "offset")) && mg_parse_int(s, 0, INT32_MAX, &offset, NULL))
        return field_error(ctx, "offset", "attendu un nombre entier positif ou nul");
    if ((s = mg_http_query(r, "year")) && s[0] && mg_parse_int(s, 2000, 2100, &year, NULL))
        return field_error(ctx, "year", "attendu une année de 2000 à 2100");
    const char *state = mg_http_query(r, "state");
    if (state && state[0]) {
        mg_subsidy_state st;
        mg_subsidy_part_state ps;
        bool ok = as == AS_FUNDER ? mg_subsidy_part_state_parse(state, &ps) == 0
                                  : mg_subsidy_state_parse(state, &st) == 0;
        if (!ok)
            return field_error(ctx, "state",
                               as == AS_FUNDER
                                   ? "attendu un état de part : addressed, received, "
                                     "in_instruction, to_complete, granted, refused, closed"
                                   : "attendu un état de demande : draft, filed, "
                                     "in_instruction, to_complete, granted_full, "
                                     "granted_part, refused, closed");
    } else {
        state = "";
    }
    if ((s = mg_http_query(r, "organisation")) && s[0]) {
        if (mg_parse_id(s, INT64_MAX, &org, NULL)) {
            mg_http_error(r, ctx->res, 404, ORG_NOT_FOUND);
            return MG_OK;
        }
        mg_auth_object o = list_object(as, org);
        /* Not a member with a role that sees these requests: as if it did not exist. */
        if (!web_can(ctx, MG_AUTH_VIEW, &o)) {
            mg_http_error(r, ctx->res, 404, ORG_NOT_FOUND);
            return MG_OK;
        }
    } else {
        for (size_t i = 0; i < ctx->actor->nm && i < MG_AUTH_MEMBERSHIPS_MAX && !org; i++) {
            mg_auth_object o = list_object(as, ctx->actor->m[i].organisation_id);
            if (web_can(ctx, MG_AUTH_VIEW, &o))
                org = ctx->actor->m[i].organisation_id;
        }
    }
    mg_subsidy_row *rows = NULL;
    size_t n = 0, total = 0;
    mg_diag d = {{0}};
    int rc = MG_OK;
    if (org) {
        mg_subsidy_filter f = {.state = state, .year = (int)year, .offset = (size_t)offset,
                               .limit = (size_t)limit};
        if (as == AS_APPLICANT)
            f.applicant_id = org;
        else if (as == AS_LEAD)
            f.lead_id = org;
        else
            f.funder_id = org;
        rc = mg_subsidy_list(ctx->app->db, &f, &rows, &n, &total, &d);
    }
    if (rc) {
        free(rows);
        return fail(ctx, rc, NULL, &d, ORG_NOT_FOUND, READ_FAILED);
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        const mg_subsidy_row *w = &rows[i];
        char api[64];
        snprintf(api, sizeof api, "/api/v1/subsidy-requests/%lld", (long long)w->id);
        json_t *o = json_pack("{s:I,s:s,s:o,s:s,s:s,s:I,s:I,s:I,s:o,s:o,s:b,s:s}", "id",
                              (json_int_t)w->id, "title", w->title, "applicant",
                              org_json(w->applicant_id, w->applicant_name), "state",
                              mg_subsidy_state_key(w->state), "state_label",
                              mg_subsidy_state_label(w->state), "asked_cents",
                              (json_int_t)w->asked_cents, "granted_cents",
                              (json_int_t)w->granted_cents, "paid_cents",
                              (json_int_t)w->paid_cents, "filed_at", date_json(w->filed_at),
                              "starts_on", date_json(w->starts_on), "is_example", w->is_example,
                              "api", api);
        if (o && as == AS_FUNDER)
            json_object_set_new(o, "part_state",
                                json_string(mg_subsidy_part_state_key(w->part_state)));
        if (!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            arr = NULL;
        }
    }
    free(rows);
    if (!arr)
        return MG_ENOMEM;
    static const char *const as_keys[] = {"applicant", "lead", "funder"};
    return web_send_json(ctx->res, 200,
                         json_pack("{s:s,s:o,s:I,s:I,s:I,s:o}", "as", as_keys[as],
                                   "organisation", id_or_null(org), "total", (json_int_t)total,
                                   "offset", (json_int_t)offset, "limit", (json_int_t)limit,
                                   "requests", arr));
}

/* --- POST /api/v1/subsidy-requests, GET and PUT /api/v1/subsidy-requests/{id} ------------- */

/* An id member of a body ("window", "organisation"): an integer or its
 * text; 0 when absent; -1 after answering 400. */
static int64_t body_id(web_ctx *ctx, const json_t *body, const char *key)
{
    const json_t *v = json_object_get(body, key);
    int64_t id = 0;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) > 0)
        return (int64_t)json_integer_value(v);
    if (json_is_string(v) && mg_parse_id(json_string_value(v), INT64_MAX, &id, NULL) == 0)
        return id;
    field_error(ctx, key, "attendu un identifiant (nombre entier positif)");
    return -1;
}

static int request_create(web_ctx *ctx)
{
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body)
        return MG_OK;
    int64_t window = body_id(ctx, body, "window");
    int64_t org = window < 0 ? -1 : body_id(ctx, body, "organisation");
    if (window < 0 || org < 0) {
        json_decref(body);
        return MG_OK;
    }
    if (!window) {
        json_decref(body);
        return field_error(ctx, "window", "obligatoire : le guichet où déposer la demande");
    }
    static const char *const extra[] = {"window", "organisation", NULL};
    mg_subsidy_json_form form;
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    int rc = mg_subsidy_json_form_read(body, extra, &form, &errs, &d);
    if (rc) {
        json_decref(body);
        return fail(ctx, rc, &errs, &d, REQUEST_NOT_FOUND, SAVE_FAILED);
    }
    if (!org) {
        /* The actor's first organisation where it may file a request. */
        for (size_t i = 0; i < ctx->actor->nm && i < MG_AUTH_MEMBERSHIPS_MAX && !org; i++) {
            mg_auth_object o = {.type = MG_AUTH_OBJ_SUBSIDY_REQUEST,
                                .organisation_id = ctx->actor->m[i].organisation_id};
            if (web_can(ctx, MG_AUTH_CREATE, &o))
                org = o.organisation_id;
        }
        if (!org) {
            json_decref(body);
            return field_error(ctx, "organisation",
                               "aucune de vos organisations ne peut déposer de demande");
        }
    }
    mg_auth_object o = {.type = MG_AUTH_OBJ_SUBSIDY_REQUEST, .organisation_id = org};
    if (!web_allow_as(ctx, MG_AUTH_CREATE, &o, ORG_NOT_FOUND)) {
        json_decref(body);
        return MG_OK;
    }
    mg_subsidy_window w;
    rc = mg_subsidy_window_get(ctx->app->db, window, &w, &d);
    if (rc == MG_ENOTFOUND) {
        json_decref(body);
        return field_error(ctx, "window", "aucun guichet n'a cet identifiant");
    }
    int64_t id = 0;
    if (rc == 0)
        rc = mg_subsidy_draft_save(ctx->app->db, ctx->actor->account_id, window, org, 0,
                                   &form.in, &id, &errs, &d);
    json_decref(body);
    if (rc)
        return fail(ctx, rc, &errs, &d, WINDOW_NOT_FOUND, SAVE_FAILED);
    web_subsidy_view v;
    memset(&v, 0, sizeof v);
    v.r.id = id;
    v.is_applicant_side = true;
    rc = answer_request(ctx, &v, 201);
    web_subsidy_view_clear(&v);
    return rc;
}

static int request_one(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    mg_diag d = {{0}};
    int rc = MG_OK;
    json_t *doc = request_doc(ctx, &v, &rc, &d);
    web_subsidy_view_clear(&v);
    if (!doc)
        return fail(ctx, rc, NULL, &d, REQUEST_NOT_FOUND, READ_FAILED);
    return web_send_json(ctx->res, 200, doc);
}

static int request_save(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body) {
        web_subsidy_view_clear(&v);
        return MG_OK;
    }
    mg_subsidy_json_form form;
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_subsidy_json_form_read(body, NULL, &form, &errs, &d);
    if (rc == 0)
        rc = mg_subsidy_draft_save(ctx->app->db, ctx->actor->account_id, v.r.window_id,
                                   v.r.applicant_id, v.r.id, &form.in, &id, &errs, &d);
    json_decref(body);
    if (rc) {
        web_subsidy_view_clear(&v);
        return fail(ctx, rc, &errs, &d, REQUEST_NOT_FOUND, SAVE_FAILED);
    }
    rc = answer_request(ctx, &v, 200);
    web_subsidy_view_clear(&v);
    return rc;
}

/* --- Filing, routing, the parts ------------------------------------------------------------ */

static int request_file(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    int rc = mg_subsidy_file(ctx->app->db, ctx->actor->account_id, v.r.id, &errs, &d);
    if (rc == 0)
        rc = answer_request(ctx, &v, 200);
    else
        rc = fail(ctx, rc, &errs, &d, REQUEST_NOT_FOUND, SAVE_FAILED);
    web_subsidy_view_clear(&v);
    return rc;
}

static int parts_list(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    mg_subsidy_part *parts = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_parts(ctx->app->db, v.r.id, &parts, &n, &d);
    bool with_opinion = instructor_side(&v);
    web_subsidy_view_clear(&v);
    if (rc) {
        free(parts);
        return fail(ctx, rc, NULL, &d, REQUEST_NOT_FOUND, READ_FAILED);
    }
    json_t *arr = parts_json(parts, n, with_opinion);
    free(parts);
    if (!arr)
        return MG_ENOMEM;
    return web_send_json(ctx->res, 200, json_pack("{s:o}", "parts", arr));
}

static int request_route(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_ROUTE, &v))
        return MG_OK;
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body) {
        web_subsidy_view_clear(&v);
        return MG_OK;
    }
    int64_t funders[MG_SUBSIDY_FUNDERS_MAX];
    size_t n = 0;
    mg_subsidy_errors errs = {0};
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val)
    {
        if (strcmp(key, "funders") != 0)
            mg_subsidy_errors_add(&errs, "body", "seul le champ « funders » est attendu");
    }
    const json_t *arr = json_object_get(body, "funders");
    if (arr && !json_is_null(arr)) {
        if (!json_is_array(arr) || json_array_size(arr) > MG_SUBSIDY_FUNDERS_MAX)
            mg_subsidy_errors_add(&errs, "funders",
                                  "attendu un tableau d'au plus %d identifiants de cofinanceurs",
                                  (int)MG_SUBSIDY_FUNDERS_MAX);
        else
            for (size_t i = 0; i < json_array_size(arr); i++) {
                const json_t *x = json_array_get(arr, i);
                if (!json_is_integer(x) || json_integer_value(x) <= 0) {
                    mg_subsidy_errors_add(&errs, "funders",
                                          "attendu des identifiants d'organisation (entiers)");
                    break;
                }
                funders[n++] = (int64_t)json_integer_value(x);
            }
    }
    json_decref(body);
    mg_diag d = {{0}};
    int rc = errs.n ? MG_EINVAL
                    : mg_subsidy_route(ctx->app->db, ctx->actor->account_id, v.r.id, funders, n,
                                       &errs, &d);
    if (rc == 0)
        rc = answer_request(ctx, &v, 200);
    else
        rc = fail(ctx, rc, &errs, &d, REQUEST_NOT_FOUND, SAVE_FAILED);
    web_subsidy_view_clear(&v);
    return rc;
}

/* The {fid} of the path (web_subsidy_load checked it against the rights). */
static int64_t path_fid(web_ctx *ctx)
{
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "fid"), INT64_MAX, &id, NULL))
        return 0;
    return id;
}

typedef enum part_action { PA_OPINION, PA_QUESTION, PA_DECISION, PA_PAYMENT } part_action;

static int part_post(web_ctx *ctx, part_action what)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, what == PA_DECISION ? MG_AUTH_DECIDE : MG_AUTH_INSTRUCT, &v))
        return MG_OK;
    int64_t fid = path_fid(ctx);
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body) {
        web_subsidy_view_clear(&v);
        return MG_OK;
    }
    static const char *const k_opinion[] = {"opinion", "text"};
    static const char *const k_question[] = {"body"};
    static const char *const k_decision[] = {"decision", "amount", "reason"};
    static const char *const k_payment[] = {"paid_on", "amount", "conditions"};
    const char *val[3] = {NULL, NULL, NULL};
    bool ok = what == PA_OPINION    ? body_members(ctx, body, k_opinion, 2, 0, val)
              : what == PA_QUESTION ? body_members(ctx, body, k_question, 1, 0, val)
              : what == PA_DECISION ? body_members(ctx, body, k_decision, 3, 0, val)
                                    : body_members(ctx, body, k_payment, 3, 0, val);
    if (!ok) {
        json_decref(body);
        web_subsidy_view_clear(&v);
        return MG_OK;
    }
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    int64_t by = ctx->actor->account_id, out_id = 0;
    int rc = MG_OK;
    switch (what) {
    case PA_OPINION:
        rc = mg_subsidy_opinion(ctx->app->db, by, v.r.id, fid, val[0], val[1], &errs, &d);
        break;
    case PA_QUESTION:
        rc = mg_subsidy_question(ctx->app->db, by, v.r.id, fid, val[0], &out_id, &errs, &d);
        break;
    case PA_DECISION: {
        mg_subsidy_decision dec;
        if (!val[0] || mg_subsidy_decision_parse(val[0], &dec)) {
            mg_subsidy_errors_add(&errs, "decision", "attendu grant, refuse ou close");
            rc = MG_EINVAL;
        } else {
            rc = mg_subsidy_decide(ctx->app->db, by, v.r.id, fid, dec, val[1], val[2], &errs,
                                   &d);
        }
        break;
    }
    case PA_PAYMENT:
        rc = mg_subsidy_pay(ctx->app->db, by, v.r.id, fid, val[0], val[1], val[2], &out_id,
                            &errs, &d);
        break;
    }
    json_decref(body);
    if (rc == 0)
        rc = answer_request(ctx, &v, what == PA_PAYMENT || what == PA_QUESTION ? 201 : 200);
    else
        rc = fail(ctx, rc, &errs, &d, REQUEST_NOT_FOUND, SAVE_FAILED);
    web_subsidy_view_clear(&v);
    return rc;
}

static int part_opinion(web_ctx *ctx) { return part_post(ctx, PA_OPINION); }
static int part_question(web_ctx *ctx) { return part_post(ctx, PA_QUESTION); }
static int part_decision(web_ctx *ctx) { return part_post(ctx, PA_DECISION); }
static int part_payment(web_ctx *ctx) { return part_post(ctx, PA_PAYMENT); }

/* POST …/answers/{qid}: {"body", "changes": the whole form or null}. */
static int request_answer(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    int64_t qid = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "qid"), INT64_MAX, &qid, NULL)) {
        web_subsidy_view_clear(&v);
        mg_http_error(ctx->req, ctx->res, 404, "Cette question n'existe pas.");
        return MG_OK;
    }
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body) {
        web_subsidy_view_clear(&v);
        return MG_OK;
    }
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val)
    {
        if (strcmp(key, "body") != 0 && strcmp(key, "changes") != 0)
            mg_subsidy_errors_add(&errs, "body",
                                  "seuls les champs « body » et « changes » sont attendus");
    }
    const json_t *jb = json_object_get(body, "body");
    if (jb && !json_is_null(jb) && !json_is_string(jb))
        mg_subsidy_errors_add(&errs, "body", "attendu une chaîne de caractères");
    const json_t *jc = json_object_get(body, "changes");
    mg_subsidy_json_form form;
    bool with_changes = jc && !json_is_null(jc);
    int rc = errs.n ? MG_EINVAL : MG_OK;
    if (rc == 0 && with_changes)
        rc = mg_subsidy_json_form_read(jc, NULL, &form, &errs, &d);
    if (rc == 0)
        rc = mg_subsidy_answer(ctx->app->db, ctx->actor->account_id, v.r.id, qid,
                               json_string_value(jb), with_changes ? &form.in : NULL, &errs,
                               &d);
    json_decref(body);
    if (rc == 0)
        rc = answer_request(ctx, &v, 200);
    else
        rc = fail(ctx, rc, &errs, &d, "Cette question n'existe pas.", SAVE_FAILED);
    web_subsidy_view_clear(&v);
    return rc;
}

/* --- Messages ----------------------------------------------------------------------------- */

static int messages_list(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    mg_subsidy_message *m = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    /* The applicant's side never reads the internal ones: the query leaves them out. */
    int rc = mg_subsidy_messages(ctx->app->db, v.r.id, v.may_internal, &m, &n, &d);
    web_subsidy_view_clear(&v);
    if (rc) {
        mg_subsidy_messages_free(m, n);
        return fail(ctx, rc, NULL, &d, REQUEST_NOT_FOUND, READ_FAILED);
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, message_json(&m[i]))) {
            json_decref(arr);
            arr = NULL;
        }
    mg_subsidy_messages_free(m, n);
    if (!arr)
        return MG_ENOMEM;
    return web_send_json(ctx->res, 200, json_pack("{s:o}", "messages", arr));
}

/* POST …/messages: {"body", "internal": false}. In the name of the
 * applicant for its members, else of the lead or the co-funder whose part
 * the actor instructs. */
static int message_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body) {
        web_subsidy_view_clear(&v);
        return MG_OK;
    }
    mg_subsidy_errors errs = {0};
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val)
    {
        if (strcmp(key, "body") != 0 && strcmp(key, "internal") != 0)
            mg_subsidy_errors_add(&errs, "body",
                                  "seuls les champs « body » et « internal » sont attendus");
    }
    const json_t *jb = json_object_get(body, "body"), *ji = json_object_get(body, "internal");
    if (jb && !json_is_null(jb) && !json_is_string(jb))
        mg_subsidy_errors_add(&errs, "body", "attendu une chaîne de caractères");
    if (ji && !json_is_null(ji) && !json_is_boolean(ji))
        mg_subsidy_errors_add(&errs, "internal", "attendu true ou false");
    bool internal = ji && json_is_true(ji);
    if (errs.n) {
        json_decref(body);
        web_subsidy_view_clear(&v);
        return errors_answer(ctx, &errs, NULL);
    }
    int64_t author = 0;
    if (internal) {
        if (v.may_internal)
            author = v.may_route ? v.r.lead_id : v.ninstructs ? v.instructs[0] : 0;
    } else if (v.is_applicant_side && v.may_edit) {
        author = v.r.applicant_id;
    } else if (v.may_route) {
        author = v.r.lead_id;
    } else if (v.ninstructs) {
        author = v.instructs[0];
    }
    if (!author) {
        json_decref(body);
        web_subsidy_view_clear(&v);
        mg_http_error(ctx->req, ctx->res, 403,
                      internal ? "Seuls les instructeurs écrivent des messages internes."
                               : "Vous ne pouvez pas écrire de message sur cette demande.");
        return MG_OK;
    }
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_subsidy_message_add(ctx->app->db, ctx->actor->account_id, author, v.r.id,
                                    internal ? MG_MESSAGE_INTERNAL : MG_MESSAGE_PUBLIC,
                                    json_string_value(jb), &id, &errs, &d);
    json_decref(body);
    web_subsidy_view_clear(&v);
    if (rc)
        return fail(ctx, rc, &errs, &d, REQUEST_NOT_FOUND, SAVE_FAILED);
    return web_send_json(ctx->res, 201,
                         json_pack("{s:{s:I,s:s}}", "message", "id", (json_int_t)id, "kind",
                                   internal ? "internal" : "message"));
}

/* --- Attachments --------------------------------------------------------------------------- */

static int attachments_list(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    mg_subsidy_attachment *a = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_attachments(ctx->app->db, v.r.id, &a, &n, &d);
    web_subsidy_view_clear(&v);
    if (rc) {
        free(a);
        return fail(ctx, rc, NULL, &d, REQUEST_NOT_FOUND, READ_FAILED);
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, attachment_json(&a[i]))) {
            json_decref(arr);
            arr = NULL;
        }
    free(a);
    if (!arr)
        return MG_ENOMEM;
    return web_send_json(ctx->res, 200, json_pack("{s:o}", "attachments", arr));
}

static int attachment_get(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    int64_t pid = 0;
    int64_t rid = v.r.id;
    web_subsidy_view_clear(&v);
    if (mg_parse_id(mg_http_path_param(ctx->req, "pid"), INT64_MAX, &pid, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, ATTACHMENT_NOT_FOUND);
        return MG_OK;
    }
    mg_subsidy_attachment a;
    void *data = NULL;
    size_t len = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_attachment_get(ctx->app->db, pid, &a, &data, &len, &d);
    if (rc == 0 && a.request_id != rid)
        rc = MG_ENOTFOUND;
    if (rc) {
        free(data);
        return fail(ctx, rc, NULL, &d, ATTACHMENT_NOT_FOUND, READ_FAILED);
    }
    /* The stored type is one of the accepted list: give the static string. */
    static const char *const types[] = {
        "application/pdf", "image/png", "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet"};
    const char *type = "application/octet-stream";
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(a.media_type, types[i]) == 0)
            type = types[i];
    char name[128];
    web_download_filename(name, sizeof name, a.filename, type, "piece");
    mg_http_response *res = ctx->res;
    mg_buf_reset(&res->body);
    if (len > res->body.max)
        res->body.max = len;
    rc = mg_buf_append(&res->body, data, len); /* lint-ok: an attachment's bytes, not HTML */
    free(data);
    if (rc)
        return rc;
    res->content_type = type;
    snprintf(res->disposition, sizeof res->disposition, "attachment; filename=\"%s\"", name);
    snprintf(res->cache, sizeof res->cache, "private, no-store");
    return MG_OK;
}

/* POST …/attachments: multipart/form-data with "kind" and "file", as the page's form. */
static int attachment_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    const char *kind_key = mg_http_form(ctx->req, "kind");
    mg_subsidy_attachment_kind kind = MG_ATTACH_OTHER;
    if (!kind_key || mg_subsidy_attachment_kind_parse(kind_key, &kind))
        mg_subsidy_errors_add(&errs, "kind",
                              "attendu statutes, accounts, bank_details, attestation, report "
                              "ou other");
    const char *data = NULL, *filename = NULL;
    size_t len = 0;
    int up = mg_http_upload(ctx->req, "file", &data, &len, &filename);
    if (up == MG_ENOMEM) {
        web_subsidy_view_clear(&v);
        return up;
    }
    if (up || !filename || !filename[0])
        mg_subsidy_errors_add(&errs, "file",
                              "attendu un fichier envoyé en multipart/form-data dans le champ "
                              "« file »");
    int64_t id = 0;
    int rc = errs.n ? MG_EINVAL
                    : mg_subsidy_attachment_add(ctx->app->db, ctx->actor->account_id, v.r.id,
                                                kind, filename, data, len, &id, &errs, &d);
    web_subsidy_view_clear(&v);
    if (rc)
        return fail(ctx, rc, &errs, &d, REQUEST_NOT_FOUND, SAVE_FAILED);
    mg_subsidy_attachment a;
    void *bytes = NULL;
    size_t blen = 0;
    rc = mg_subsidy_attachment_get(ctx->app->db, id, &a, &bytes, &blen, &d);
    free(bytes);
    if (rc)
        return fail(ctx, rc, NULL, &d, ATTACHMENT_NOT_FOUND, READ_FAILED);
    return web_send_json(ctx->res, 201, json_pack("{s:o}", "attachment", attachment_json(&a)));
}

/* --- Versions and history ------------------------------------------------------------------ */

static int versions_list(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    mg_subsidy_version *vs = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_versions(ctx->app->db, v.r.id, &vs, &n, &d);
    web_subsidy_view_clear(&v);
    if (rc) {
        mg_subsidy_versions_free(vs, n);
        return fail(ctx, rc, NULL, &d, REQUEST_NOT_FOUND, READ_FAILED);
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *data = vs[i].data_json ? json_loads(vs[i].data_json, 0, NULL) : NULL;
        json_t *o = json_pack("{s:i,s:s,s:s,s:o}", "version", vs[i].version, "reason",
                              vs[i].reason, "created_at", vs[i].created_at, "data",
                              data ? data : json_null());
        if (!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            arr = NULL;
        }
    }
    mg_subsidy_versions_free(vs, n);
    if (!arr)
        return MG_ENOMEM;
    return web_send_json(ctx->res, 200, json_pack("{s:o}", "versions", arr));
}

/* Whether an audit entry tells of an instructors' internal message. */
static bool entry_internal(const mg_audit_record *r)
{
    if (r->verb && strstr(r->verb, "internal"))
        return true;
    for (size_t k = 0; k < r->nchanges; k++) {
        const mg_audit_change *c = &r->changes[k];
        if (strstr(c->field, "internal") || (c->after && strcmp(c->after, "internal") == 0))
            return true;
    }
    return false;
}

static int history_list(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    int64_t limit = 50, offset = 0;
    const char *s;
    bool internal = v.may_internal;
    int64_t rid = v.r.id;
    web_subsidy_view_clear(&v);
    if ((s = mg_http_query(ctx->req, "limit")) &&
        mg_parse_int(s, 1, HISTORY_LIMIT_MAX, &limit, NULL))
        return field_error(ctx, "limit", "attendu un nombre entier de 1 à 100");
    if ((s = mg_http_query(ctx->req, "offset")) && mg_parse_int(s, 0, INT32_MAX, &offset, NULL))
        return field_error(ctx, "offset", "attendu un nombre entier positif ou nul");
    mg_audit_record *rec = NULL;
    size_t n = 0, total = 0;
    mg_diag d = {{0}};
    int rc = mg_audit_history(ctx->app->db, "subsidy_request", rid, (size_t)offset,
                              (size_t)limit, &rec, &n, &total, &d);
    if (rc) {
        mg_audit_records_free(rec, n);
        return fail(ctx, rc, NULL, &d, REQUEST_NOT_FOUND, READ_FAILED);
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        /* The applicant's side is not told of the instructors' internal messages. */
        if (!internal && entry_internal(&rec[i]))
            continue;
        json_t *ch = json_array();
        for (size_t k = 0; ch && k < rec[i].nchanges; k++) {
            const mg_audit_change *c = &rec[i].changes[k];
            json_array_append_new(ch, json_pack("{s:s,s:s?,s:s?,s:b}", "field", c->field,
                                                "before", c->before, "after", c->after,
                                                "personal", c->personal));
        }
        json_t *o = json_pack("{s:I,s:s,s:s,s:o,s:o}", "seq", (json_int_t)rec[i].seq,
                              "created_at", rec[i].created_at, "verb",
                              rec[i].verb ? rec[i].verb : "", "organisation_id",
                              id_or_null(rec[i].organisation_id), "changes",
                              ch ? ch : json_array());
        if (!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            arr = NULL;
        }
    }
    mg_audit_records_free(rec, n);
    if (!arr)
        return MG_ENOMEM;
    return web_send_json(ctx->res, 200,
                         json_pack("{s:I,s:I,s:I,s:o}", "total", (json_int_t)total, "offset",
                                   (json_int_t)offset, "limit", (json_int_t)limit, "history",
                                   arr));
}

/* --- Windows and calls --------------------------------------------------------------------- */

static json_t *orgs_json(const mg_subsidy_org_ref *o, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, org_json(o[i].id, o[i].name));
    return arr;
}

static int windows_list(web_ctx *ctx)
{
    mg_subsidy_window *w = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_windows(ctx->app->db, &w, &n, &d);
    json_t *arr = rc == 0 ? json_array() : NULL;
    for (size_t i = 0; rc == 0 && arr && i < n; i++) {
        mg_subsidy_org_ref *f = NULL;
        size_t nf = 0;
        rc = mg_subsidy_window_funders(ctx->app->db, w[i].id, &f, &nf, &d);
        if (rc) {
            free(f);
            break;
        }
        char page[64];
        snprintf(page, sizeof page, "/guichet/guichets/%lld", (long long)w[i].id);
        json_array_append_new(
            arr, json_pack("{s:I,s:s,s:o,s:o,s:o,s:o,s:b,s:s}", "id", (json_int_t)w[i].id,
                           "title", w[i].title, "lead", org_json(w[i].lead_id, w[i].lead_name),
                           "territory", date_json(w[i].territory), "contract_id",
                           id_or_null(w[i].contract_id), "funders", orgs_json(f, nf),
                           "is_example", w[i].is_example, "page", page));
        free(f);
    }
    free(w);
    if (rc) {
        json_decref(arr);
        return fail(ctx, rc, NULL, &d, WINDOW_NOT_FOUND, READ_FAILED);
    }
    if (!arr)
        return MG_ENOMEM;
    return web_send_json(ctx->res, 200, json_pack("{s:o}", "windows", arr));
}

static int calls_list(web_ctx *ctx)
{
    int64_t window = 0;
    const char *s = mg_http_query(ctx->req, "window");
    if (s && s[0] && mg_parse_id(s, INT64_MAX, &window, NULL))
        return field_error(ctx, "window", "attendu un identifiant de guichet");
    char today[11];
    today_paris(today);
    mg_subsidy_call *c = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_calls(ctx->app->db, window, today, &c, &n, &d);
    json_t *arr = rc == 0 ? json_array() : NULL;
    for (size_t i = 0; rc == 0 && arr && i < n; i++) {
        mg_subsidy_call_budget *b = NULL;
        size_t nb = 0;
        rc = mg_subsidy_call_budgets(ctx->app->db, c[i].id, &b, &nb, &d);
        if (rc) {
            free(b);
            break;
        }
        json_t *jb = json_array();
        for (size_t k = 0; jb && k < nb; k++)
            json_array_append_new(jb, json_pack("{s:o,s:I}", "funder",
                                                org_json(b[k].funder_id, b[k].funder_name),
                                                "budget_cents", (json_int_t)b[k].budget_cents));
        free(b);
        json_array_append_new(
            arr,
            json_pack("{s:I,s:I,s:o,s:s,s:s,s:o,s:s,s:o,s:o,s:b,s:o,s:b}", "id",
                      (json_int_t)c[i].id, "window_id", (json_int_t)c[i].window_id, "opened_by",
                      org_json(c[i].opened_by, c[i].opened_by_name), "title", c[i].title,
                      "theme", c[i].theme, "territory", date_json(c[i].territory),
                      "description", c[i].description, "opens_on", date_json(c[i].opens_on),
                      "deadline", date_json(c[i].deadline), "open",
                      c[i].deadline[0] && strcmp(c[i].deadline, today) >= 0 &&
                          (!c[i].opens_on[0] || strcmp(c[i].opens_on, today) <= 0),
                      "budgets", jb ? jb : json_array(), "is_example", c[i].is_example));
    }
    free(c);
    if (rc) {
        json_decref(arr);
        return fail(ctx, rc, NULL, &d, WINDOW_NOT_FOUND, READ_FAILED);
    }
    if (!arr)
        return MG_ENOMEM;
    return web_send_json(ctx->res, 200, json_pack("{s:o}", "calls", arr));
}

/* --- A co-funder's figures and export ------------------------------------------------------ */

/* The {org} of the path when the actor sees its figures; 0 once answered. */
static int64_t funder_org(web_ctx *ctx)
{
    int64_t org = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "org"), INT64_MAX, &org, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, ORG_NOT_FOUND);
        return 0;
    }
    mg_auth_object o = {.type = MG_AUTH_OBJ_SUBSIDY_FUNDER, .organisation_id = org};
    return web_allow_as(ctx, MG_AUTH_VIEW, &o, ORG_NOT_FOUND) ? org : 0;
}

static json_t *amounts_json(const mg_subsidy_amounts *a)
{
    return json_pack("{s:I,s:I,s:I,s:I}", "requests", (json_int_t)a->requests, "asked_cents",
                     (json_int_t)a->asked, "granted_cents", (json_int_t)a->granted,
                     "paid_cents", (json_int_t)a->paid);
}

static json_t *groups_json(const mg_subsidy_group *g, size_t n, bool state_keys)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *o = amounts_json(&g[i].a);
        if (!o)
            continue;
        if (state_keys)
            json_object_set_new(
                o, "key", json_string(mg_subsidy_part_state_key((mg_subsidy_part_state)g[i].key)));
        else
            json_object_set_new(o, "key", json_integer(g[i].key));
        json_object_set_new(o, "label", json_string(g[i].label));
        json_array_append_new(arr, o);
    }
    return arr;
}

static int funder_figures(web_ctx *ctx)
{
    int64_t org = funder_org(ctx);
    if (!org)
        return MG_OK;
    mg_subsidy_funder_figures f;
    memset(&f, 0, sizeof f);
    mg_diag d = {{0}};
    int rc = mg_subsidy_funder_figures_get(ctx->app->db, org, &f, &d);
    if (rc) {
        mg_subsidy_funder_figures_clear(&f);
        return fail(ctx, rc, NULL, &d, ORG_NOT_FOUND, READ_FAILED);
    }
    json_t *doc = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "funder_id", (json_int_t)org, "all",
                            amounts_json(&f.all), "by_state",
                            groups_json(f.by_state, f.nstate, true), "by_year",
                            groups_json(f.by_year, f.nyear, false), "by_action",
                            groups_json(f.by_action, f.naction, false), "by_applicant",
                            groups_json(f.by_applicant, f.napplicant, false));
    mg_subsidy_funder_figures_clear(&f);
    if (!doc)
        return MG_ENOMEM;
    return web_send_json(ctx->res, 200, doc);
}

static int funder_xlsx(web_ctx *ctx)
{
    int64_t org = funder_org(ctx);
    if (!org)
        return MG_OK;
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/maillage-subsidies-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        mg_http_error(ctx->req, ctx->res, 500, "Le classeur n'a pas pu être produit.");
        return MG_OK;
    }
    close(fd);
    mg_diag d = {{0}};
    int rc = mg_subsidy_funder_xlsx(ctx->app->db, org, path, &d);
    FILE *f = rc == 0 ? fopen(path, "rb") : NULL;
    if (rc == 0 && !f)
        rc = MG_EIO;
    mg_http_response *res = ctx->res;
    if (rc == 0) {
        mg_buf_reset(&res->body);
        struct stat st;
        if (fstat(fileno(f), &st) == 0 && (size_t)st.st_size > res->body.max)
            res->body.max = (size_t)st.st_size;
        char chunk[65536];
        size_t got;
        while (rc == 0 && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
            rc = mg_buf_append(&res->body, chunk, got); /* lint-ok: XLSX bytes, not HTML */
        if (ferror(f))
            rc = MG_EIO;
        fclose(f);
    }
    unlink(path);
    if (rc == MG_ENOMEM)
        return rc;
    if (rc) {
        mg_buf_reset(&res->body);
        web_storage_error(ctx->req, res, rc, &d, ORG_NOT_FOUND,
                          "Le classeur n'a pas pu être produit.");
        return MG_OK;
    }
    res->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    snprintf(res->disposition, sizeof res->disposition,
             "attachment; filename=\"demandes-financeur-%lld.xlsx\"", (long long)org);
    snprintf(res->cache, sizeof res->cache, "private, no-store");
    return MG_OK;
}

const web_route web_routes_api_funding[] = {
    {"GET", "/api/v1/subsidy-requests", requests_list, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/subsidy-requests", request_create, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/subsidy-requests/{id}", request_one, WEB_ACCOUNT, 0},
    {"PUT", "/api/v1/subsidy-requests/{id}", request_save, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/subsidy-requests/{id}/file", request_file, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/subsidy-requests/{id}/parts", parts_list, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/subsidy-requests/{id}/route", request_route, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/subsidy-requests/{id}/parts/{fid}/opinion", part_opinion, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/subsidy-requests/{id}/parts/{fid}/question", part_question, WEB_ACCOUNT,
     0},
    {"POST", "/api/v1/subsidy-requests/{id}/parts/{fid}/decision", part_decision, WEB_ACCOUNT,
     0},
    {"POST", "/api/v1/subsidy-requests/{id}/parts/{fid}/payments", part_payment, WEB_ACCOUNT,
     0},
    {"POST", "/api/v1/subsidy-requests/{id}/answers/{qid}", request_answer, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/subsidy-requests/{id}/messages", messages_list, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/subsidy-requests/{id}/messages", message_post, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/subsidy-requests/{id}/attachments", attachments_list, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/subsidy-requests/{id}/attachments", attachment_post, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/subsidy-requests/{id}/attachments/{pid}", attachment_get, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/subsidy-requests/{id}/versions", versions_list, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/subsidy-requests/{id}/history", history_list, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/subsidy-windows", windows_list, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/subsidy-calls", calls_list, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/subsidy-funders/{org}", funder_figures, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/subsidy-funders/{org}/requests.xlsx", funder_xlsx, WEB_ACCOUNT, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
