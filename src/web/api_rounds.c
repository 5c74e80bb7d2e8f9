/*
 * Mobile services' rounds through the JSON API (issue 18; static/openapi.yaml,
 * docs/rounds-api.md), with the rights of the pages (MG_AUTH_OBJ_ROUND_SERVICE:
 * the service's organisation's members read, its managers and contributors
 * write; another organisation's service is the 404 of one that does not
 * exist):
 *   GET  /api/v1/rounds/services                    the services of the account's organisations
 *   POST /api/v1/rounds/services                    create one
 *   GET  /api/v1/rounds/services/{id}               one, with its vehicles and allowed stops
 *   POST /api/v1/rounds/services/{id}               change its settings
 *   POST /api/v1/rounds/services/{id}/vehicles      add a vehicle
 *   POST /api/v1/rounds/services/{id}/stops         add allowed stops
 *   GET  /api/v1/rounds/services/{id}/plans         its plans (without routes)
 *   POST /api/v1/rounds/services/{id}/plans         compute a plan (rounds_plan.c's solver call)
 *   GET  /api/v1/rounds/services/{id}/plans/{pid}   a plan with its routes and visits
 *   POST /api/v1/rounds/services/{id}/publication   publish {plan_id, anchor_monday}
 *   POST /api/v1/rounds/services/{id}/publication/withdraw
 *   POST /api/v1/rounds/services/{id}/cancellations {on_date, vehicle_id, stop_id, reason}
 * The public timetable is in rounds_public.c (/api/v1/rounds/published…).
 * Errors are the API's: {"error": {"status", "message"[, "field", "fields"]}}.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"
#include "rounds/store.h"
#include "rounds/timetable.h"
#include "web/rounds_web.h"
#include "web/web.h"

/* --- Answers ------------------------------------------------------------------------------ */

/* {"error": {"status", "message", "field", "fields": {field: msg}}}. */
static int errors_answer(web_ctx *ctx, int status, const mg_round_errors *errs, const mg_diag *d)
{
    const char *field = errs && errs->n ? errs->e[0].field : "body";
    const char *msg = errs && errs->n ? errs->e[0].msg
                                      : (d && d->msg[0] ? d->msg : "saisie refusée");
    char text[600];
    snprintf(text, sizeof text, "« %s » : %.500s", field, msg);
    json_t *fields = json_object();
    for (size_t k = 0; errs && k < errs->n && k < MG_ROUND_ERRORS_MAX && fields; k++)
        if (!json_object_get(fields, errs->e[k].field))
            json_object_set_new(fields, errs->e[k].field, json_string(errs->e[k].msg));
    json_t *e = json_pack("{s:i,s:s,s:s,s:o*}", "status", status, "message", text, "field",
                          field, "fields", fields);
    if (!e)
        return MG_ENOMEM;
    if (ctx->res->request_id[0])
        json_object_set_new(e, "request_id", json_string(ctx->res->request_id));
    return web_send_json(ctx->res, status, json_pack("{s:o}", "error", e));
}

/* After a write: the refusal (400 naming fields), the storage error, or OK. */
static bool write_failed(web_ctx *ctx, int rc, const mg_round_errors *errs, const mg_diag *d,
                         const char *not_found)
{
    if (rc == MG_OK)
        return false;
    if (rc == MG_EINVAL)
        errors_answer(ctx, 400, errs, d);
    else
        web_storage_error(ctx->req, ctx->res, rc, d, not_found, WEB_ROUNDS_SAVE_FAILED);
    return true;
}

/* --- Reading bodies ------------------------------------------------------------------------ */

typedef enum { M_STR, M_INT, M_NUM, M_BOOL } member_type;

typedef struct member {
    const char *key;
    member_type type;
    const char *s;
    int64_t i;
    double x;
    bool b;
    bool present;
} member;

/* Reads the members of body into m (unknown members and wrong types refused
 * in errs, each named). */
static void read_members(const json_t *body, member *m, size_t n, mg_round_errors *errs)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)body, key, v)
    {
        size_t k = 0;
        while (k < n && strcmp(m[k].key, key) != 0)
            k++;
        if (k == n) {
            mg_round_errors_add(errs, strlen(key) < 40 ? key : "body", "champ inconnu");
            continue;
        }
        if (json_is_null(v))
            continue;
        bool ok = true;
        switch (m[k].type) {
        case M_STR:
            ok = json_is_string(v);
            m[k].s = ok ? json_string_value(v) : NULL;
            break;
        case M_INT:
            ok = json_is_integer(v);
            m[k].i = ok ? (int64_t)json_integer_value(v) : 0;
            break;
        case M_NUM:
            ok = json_is_number(v);
            m[k].x = ok ? json_number_value(v) : 0;
            break;
        case M_BOOL:
            ok = json_is_boolean(v);
            m[k].b = ok && json_is_true(v);
            break;
        }
        if (!ok)
            mg_round_errors_add(errs, m[k].key, "%s",
                                m[k].type == M_STR    ? "une chaîne attendue"
                                : m[k].type == M_INT  ? "un entier attendu"
                                : m[k].type == M_NUM  ? "un nombre attendu"
                                                      : "true ou false attendu");
        m[k].present = ok;
    }
}

static const member *get(const member *m, size_t n, const char *key)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(m[k].key, key) == 0)
            return m[k].present ? &m[k] : NULL;
    return NULL;
}

/* --- JSON of the objects ------------------------------------------------------------------- */

static json_t *service_json(const mg_round_service *s)
{
    char zone[2] = {s->school_zone, 0};
    json_t *j = json_pack(
        "{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:i,s:f,s:s,s:b,s:s,s:b,s:I,s:I}", "id",
        (json_int_t)s->id, "organisation_id", (json_int_t)s->organisation_id, "organisation",
        s->organisation_name, "name", s->name, "territory", s->territory, "target_public",
        s->target_public, "profession", s->profession, "reach_min", s->reach_min, "cycle_weeks",
        s->cycle_weeks, "stop_min", s->stop_min, "underserved_extra", s->underserved_extra,
        "school_zone", zone, "runs_in_school_holidays", s->runs_in_holidays, "contact",
        s->contact, "published", s->published_plan_id > 0, "vehicles",
        (json_int_t)s->nvehicles, "stops", (json_int_t)s->nstops);
    if (j && s->published_plan_id) {
        json_object_set_new(j, "published_plan_id", json_integer(s->published_plan_id));
        json_object_set_new(j, "anchor_monday", json_string(s->anchor_monday));
    }
    return j;
}

static json_t *hhmm_json(int minute)
{
    char s[8];
    mg_round_format_hhmm(minute, s);
    return json_string(s);
}

static json_t *vehicle_json(const mg_round_vehicle *v)
{
    char days[28];
    mg_round_format_weekdays(v->weekdays, days);
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:i,s:o,s:o,s:i,s:b}", "id", (json_int_t)v->id,
                     "name", v->name, "base_name", v->base_name, "base_commune", v->base_commune,
                     "weekdays", days, "day_start", hhmm_json(v->day_start), "day_end",
                     hhmm_json(v->day_end), "break_min", v->break_min, "break_earliest",
                     hhmm_json(v->break_earliest), "break_latest", hhmm_json(v->break_latest),
                     "max_drive", v->max_drive, "active", v->active);
}

static json_t *stop_json(const mg_round_stop *s)
{
    json_t *j = json_pack("{s:I,s:s,s:s,s:s,s:i,s:s,s:b}", "id", (json_int_t)s->id, "name",
                          s->name, "commune_code", s->commune_code, "commune", s->commune_name,
                          "minutes", s->minutes, "source", mg_round_stop_source_key(s->source),
                          "active", s->active);
    if (j && isfinite(s->lat) && isfinite(s->lon)) {
        json_object_set_new(j, "lat", json_real(s->lat));
        json_object_set_new(j, "lon", json_real(s->lon));
    }
    return j;
}

json_t *web_rounds_plan_json(const mg_round_plan *p, bool routes)
{
    json_t *j = json_pack("{s:I,s:s,s:s,s:s,s:i,s:f,s:f,s:f,s:f,s:b,s:b,s:s}", "id",
                          (json_int_t)p->id, "kind",
                          p->kind == MG_ROUND_PLAN_CURRENT ? "current" : "computed", "method",
                          p->method, "label", p->label, "cycle_weeks", p->cycle_weeks, "value",
                          p->value, "covered", p->covered, "target", p->target, "seconds",
                          p->seconds, "all_inhabitants", p->all_inhabitants, "published",
                          p->published, "created_at", p->created_at);
    if (!j)
        return NULL;
    json_object_set_new(j, "bound", isfinite(p->bound) ? json_real(p->bound) : json_null());
    if (isfinite(p->bound) && p->bound > 0)
        json_object_set_new(j, "gap",
                            json_real(p->bound > p->value ? (p->bound - p->value) / p->bound : 0));
    if (!routes)
        return j;
    json_t *arr = json_array();
    for (size_t k = 0; arr && k < p->nroutes; k++) {
        const mg_round_plan_route *r = &p->routes[k];
        json_t *visits = json_array();
        for (size_t v = 0; visits && v < r->n; v++) {
            const mg_round_plan_visit *x = &r->visits[v];
            json_array_append_new(
                visits, json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:i}", "stop_id",
                                  (json_int_t)x->stop_id, "stop", x->stop_name, "commune_code",
                                  x->commune_code, "commune", x->commune_name, "arrival",
                                  hhmm_json(x->arrive), "departure", hhmm_json(x->depart),
                                  "minutes", x->depart - x->arrive));
        }
        json_t *rj = json_pack("{s:I,s:I,s:s,s:i,s:i,s:o,s:o,s:i,s:o}", "id", (json_int_t)r->id,
                               "vehicle_id", (json_int_t)r->vehicle_id, "vehicle",
                               r->vehicle_name, "week", r->week, "weekday", r->weekday, "leave",
                               hhmm_json(r->leave), "back", hhmm_json(r->back), "drive_min",
                               r->drive, "visits", visits);
        if (rj && r->break_after >= 0) {
            json_object_set_new(rj, "break_after", json_integer(r->break_after));
            json_object_set_new(rj, "break_start", hhmm_json(r->break_start));
        }
        json_array_append_new(arr, rj);
    }
    json_object_set_new(j, "routes", arr);
    return j;
}

/* --- Services ------------------------------------------------------------------------------ */

static int services_list(web_ctx *ctx)
{
    json_t *arr = json_array();
    mg_diag d = {{0}};
    for (size_t k = 0; arr && k < ctx->actor->nm; k++) {
        mg_auth_object o = web_rounds_object(ctx->actor->m[k].organisation_id);
        if (!web_can(ctx, MG_AUTH_VIEW, &o))
            continue;
        mg_round_service *v = NULL;
        size_t n = 0;
        int rc = mg_round_service_list(ctx->app->db, ctx->actor->m[k].organisation_id, false, &v,
                                       &n, &d);
        if (rc) {
            json_decref(arr);
            web_storage_error(ctx->req, ctx->res, rc, &d, NULL, WEB_ROUNDS_READ_FAILED);
            return MG_OK;
        }
        for (size_t j = 0; j < n; j++)
            json_array_append_new(arr, service_json(&v[j]));
        free(v);
    }
    snprintf(ctx->res->cache, sizeof ctx->res->cache, "private, no-store");
    return web_send_json(ctx->res, 200,
                         json_pack("{s:I,s:o}", "total", (json_int_t)json_array_size(arr),
                                   "services", arr));
}

enum { S_ORG, S_NAME, S_TERR, S_PUB, S_PROF, S_REACH, S_CYCLE, S_STOP, S_EXTRA, S_ZONE, S_HOL,
       S_CONTACT, S_N };

static void service_members(member m[S_N])
{
    static const struct {
        const char *k;
        member_type t;
    } spec[S_N] = {{"organisation_id", M_INT}, {"name", M_STR},      {"territory", M_STR},
                   {"target_public", M_STR},   {"profession", M_STR}, {"reach_min", M_INT},
                   {"cycle_weeks", M_INT},     {"stop_min", M_INT},   {"underserved_extra", M_NUM},
                   {"school_zone", M_STR},     {"runs_in_school_holidays", M_BOOL},
                   {"contact", M_STR}};
    for (int k = 0; k < S_N; k++)
        m[k] = (member){.key = spec[k].k, .type = spec[k].t};
}

/* The input of a body over `base` (the defaults, or the stored service). */
static mg_round_service_input service_input(const member *m, const mg_round_service_input *base)
{
    mg_round_service_input in = *base;
    if (m[S_NAME].present)
        in.name = m[S_NAME].s;
    if (m[S_TERR].present)
        in.territory = m[S_TERR].s;
    if (m[S_PUB].present)
        in.target_public = m[S_PUB].s;
    if (m[S_PROF].present)
        in.profession = m[S_PROF].s;
    if (m[S_REACH].present)
        in.reach_min = (int)(m[S_REACH].i > 100000 ? 100000 : m[S_REACH].i < -1 ? -1 : m[S_REACH].i);
    if (m[S_CYCLE].present)
        in.cycle_weeks = (int)(m[S_CYCLE].i > 100 ? 100 : m[S_CYCLE].i < -1 ? -1 : m[S_CYCLE].i);
    if (m[S_STOP].present)
        in.stop_min = (int)(m[S_STOP].i > 100000 ? 100000 : m[S_STOP].i < -1 ? -1 : m[S_STOP].i);
    if (m[S_EXTRA].present)
        in.underserved_extra = m[S_EXTRA].x;
    if (m[S_ZONE].present)
        in.school_zone = m[S_ZONE].s;
    if (m[S_HOL].present)
        in.runs_in_holidays = m[S_HOL].b;
    if (m[S_CONTACT].present)
        in.contact = m[S_CONTACT].s;
    return in;
}

static int service_create(web_ctx *ctx)
{
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body)
        return MG_OK;
    member m[S_N];
    service_members(m);
    mg_round_errors errs = {0};
    read_members(body, m, S_N, &errs);
    int64_t org = m[S_ORG].present ? m[S_ORG].i : 0;
    mg_auth_object o = web_rounds_object(org);
    if (!errs.n && (org <= 0 || !web_can(ctx, MG_AUTH_CREATE, &o)))
        mg_round_errors_add(&errs, "organisation_id", "%s",
                            web_msg_fr(WEB_MSG_ORGANISATION_NOT_YOURS));
    mg_round_service_input def = mg_round_service_defaults();
    mg_round_service_input in = service_input(m, &def);
    in.organisation_id = org;
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = errs.n ? MG_EINVAL
                    : mg_round_service_add(ctx->app->db, ctx->actor->account_id, &in, &id, &errs,
                                           &d);
    json_decref(body);
    if (write_failed(ctx, rc, &errs, &d, NULL))
        return MG_OK;
    mg_round_service s;
    rc = mg_round_service_get(ctx->app->db, id, &s, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, WEB_ROUNDS_NOT_FOUND, WEB_ROUNDS_READ_FAILED);
        return MG_OK;
    }
    return web_send_json(ctx->res, 201, json_pack("{s:o}", "service", service_json(&s)));
}

static int service_one(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_VIEW, &s))
        return MG_OK;
    mg_round_vehicle *veh = NULL;
    mg_round_stop *stops = NULL;
    size_t nveh = 0, nstops = 0;
    mg_diag d = {{0}};
    int rc = mg_round_vehicle_list(ctx->app->db, s.svc.id, false, &veh, &nveh, &d);
    if (!rc)
        rc = mg_round_stop_list(ctx->app->db, s.svc.id, false, &stops, &nstops, &d);
    if (rc) {
        free(veh);
        web_storage_error(ctx->req, ctx->res, rc, &d, WEB_ROUNDS_NOT_FOUND, WEB_ROUNDS_READ_FAILED);
        return MG_OK;
    }
    json_t *j = service_json(&s.svc), *va = json_array(), *sa = json_array();
    for (size_t k = 0; va && k < nveh; k++)
        json_array_append_new(va, vehicle_json(&veh[k]));
    for (size_t k = 0; sa && k < nstops; k++)
        json_array_append_new(sa, stop_json(&stops[k]));
    free(veh);
    free(stops);
    snprintf(ctx->res->cache, sizeof ctx->res->cache, "private, no-store");
    return web_send_json(ctx->res, 200, json_pack("{s:o,s:o,s:o}", "service", j,
                                                  "vehicle_list", va, "stop_list", sa));
}

static int service_update(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body)
        return MG_OK;
    member m[S_N];
    service_members(m);
    mg_round_errors errs = {0};
    read_members(body, m, S_N, &errs);
    if (m[S_ORG].present)
        mg_round_errors_add(&errs, "organisation_id", "l'organisation d'un service ne change "
                                                      "pas");
    char zone[2] = {s.svc.school_zone, 0};
    mg_round_service_input base = {
        .name = s.svc.name,
        .territory = s.svc.territory,
        .target_public = s.svc.target_public,
        .profession = s.svc.profession,
        .reach_min = s.svc.reach_min,
        .cycle_weeks = s.svc.cycle_weeks,
        .stop_min = s.svc.stop_min,
        .underserved_extra = s.svc.underserved_extra,
        .school_zone = zone,
        .runs_in_holidays = s.svc.runs_in_holidays,
        .contact = s.svc.contact,
        .is_example = s.svc.is_example,
    };
    mg_round_service_input in = service_input(m, &base);
    mg_diag d = {{0}};
    int rc = errs.n ? MG_EINVAL
                    : mg_round_service_update(ctx->app->db, ctx->actor->account_id, s.svc.id,
                                              &in, &errs, &d);
    json_decref(body);
    if (write_failed(ctx, rc, &errs, &d, WEB_ROUNDS_NOT_FOUND))
        return MG_OK;
    rc = mg_round_service_get(ctx->app->db, s.svc.id, &s.svc, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, WEB_ROUNDS_NOT_FOUND, WEB_ROUNDS_READ_FAILED);
        return MG_OK;
    }
    return web_send_json(ctx->res, 200, json_pack("{s:o}", "service", service_json(&s.svc)));
}

/* --- Vehicles and stops -------------------------------------------------------------------- */

static int time_member(const member *m, const char *label, int def, mg_round_errors *errs)
{
    if (!m)
        return def;
    int v = 0;
    if (mg_round_parse_hhmm(m->s, &v) != 0) {
        mg_round_errors_add(errs, m->key, "« %s » : une heure « HH:MM » attendue", label);
        return def;
    }
    return v;
}

static int vehicle_add(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body)
        return MG_OK;
    enum { V_NAME, V_BASE, V_COMMUNE, V_DAYS, V_START, V_END, V_BREAK, V_BE, V_BL, V_DRIVE, V_N };
    member m[V_N] = {{.key = "name", .type = M_STR},         {.key = "base_name", .type = M_STR},
                     {.key = "base_commune", .type = M_STR}, {.key = "weekdays", .type = M_STR},
                     {.key = "day_start", .type = M_STR},    {.key = "day_end", .type = M_STR},
                     {.key = "break_min", .type = M_INT},    {.key = "break_earliest", .type = M_STR},
                     {.key = "break_latest", .type = M_STR}, {.key = "max_drive", .type = M_INT}};
    mg_round_errors errs = {0};
    read_members(body, m, V_N, &errs);
    mg_round_vehicle_input in = {
        .name = m[V_NAME].s,
        .base_name = m[V_BASE].s,
        .base_commune = m[V_COMMUNE].s,
        .base_lat = NAN,
        .base_lon = NAN,
        .day_start = time_member(get(m, V_N, "day_start"), "day_start", -1, &errs),
        .day_end = time_member(get(m, V_N, "day_end"), "day_end", -1, &errs),
        .break_min = m[V_BREAK].present ? (int)(m[V_BREAK].i > 1440 ? 1440 : m[V_BREAK].i < -1 ? -1 : m[V_BREAK].i) : 0,
        .break_earliest = time_member(get(m, V_N, "break_earliest"), "break_earliest", 12 * 60,
                                      &errs),
        .break_latest = time_member(get(m, V_N, "break_latest"), "break_latest", 13 * 60 + 30,
                                    &errs),
        .max_drive = m[V_DRIVE].present ? (int)(m[V_DRIVE].i > 10000 ? 10000 : m[V_DRIVE].i < -1 ? -1 : m[V_DRIVE].i) : 0,
        .active = true,
    };
    if (!m[V_DAYS].present || mg_round_parse_weekdays(m[V_DAYS].s, &in.weekdays) != 0)
        mg_round_errors_add(&errs, "weekdays", "des jours comme « mon,thu » attendus");
    const mg_territory *t = ctx->app->prof[0].g->t;
    long c = in.base_commune ? mg_territory_find_current(t, in.base_commune) : -1;
    if (c >= 0) {
        in.base_lat = t->lat[c];
        in.base_lon = t->lon[c];
    } else {
        mg_round_errors_add(&errs, "base_commune", "un code INSEE d'une commune du territoire");
    }
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = errs.n ? MG_EINVAL
                    : mg_round_vehicle_add(ctx->app->db, ctx->actor->account_id, s.svc.id, &in,
                                           &id, &errs, &d);
    json_decref(body);
    if (write_failed(ctx, rc, &errs, &d, WEB_ROUNDS_NOT_FOUND))
        return MG_OK;
    mg_round_vehicle v;
    rc = mg_round_vehicle_get(ctx->app->db, id, &v, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, WEB_ROUNDS_NOT_FOUND, WEB_ROUNDS_READ_FAILED);
        return MG_OK;
    }
    return web_send_json(ctx->res, 201, json_pack("{s:o}", "vehicle", vehicle_json(&v)));
}

/* {"stops": [{"name", "commune_code", "minutes"?, "lat"?, "lon"?}], "replace"?} */
static int stops_add(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body)
        return MG_OK;
    mg_round_errors errs = {0};
    json_t *arr = json_object_get(body, "stops");
    json_t *rep = json_object_get(body, "replace");
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "stops") != 0 && strcmp(key, "replace") != 0)
            mg_round_errors_add(&errs, strlen(key) < 40 ? key : "body", "champ inconnu");
    }
    if (!json_is_array(arr) || json_array_size(arr) == 0 ||
        json_array_size(arr) > MG_ROUNDS_STOPS_API_MAX)
        mg_round_errors_add(&errs, "stops", "une liste de 1 à %d arrêts attendue",
                            MG_ROUNDS_STOPS_API_MAX);
    if (rep && !json_is_boolean(rep))
        mg_round_errors_add(&errs, "replace", "true ou false attendu");
    size_t n = errs.n ? 0 : json_array_size(arr);
    mg_round_stop_input *in = calloc(n ? n : 1, sizeof *in);
    if (!in) {
        json_decref(body);
        return MG_ENOMEM;
    }
    const mg_territory *t = ctx->app->prof[0].g->t;
    for (size_t k = 0; k < n && !errs.n; k++) {
        json_t *o = json_array_get(arr, k);
        char field[48];
        snprintf(field, sizeof field, "stops[%zu]", k);
        const char *name = json_string_value(json_object_get(o, "name"));
        const char *code = json_string_value(json_object_get(o, "commune_code"));
        json_t *mn = json_object_get(o, "minutes"), *la = json_object_get(o, "lat"),
               *lo = json_object_get(o, "lon");
        long c = code ? mg_territory_find_current(t, code) : -1;
        bool unknown = false;
        const char *sk;
        json_t *sv;
        if (json_is_object(o))
            json_object_foreach(o, sk, sv)
            {
                (void)sv;
                unknown |= strcmp(sk, "name") != 0 && strcmp(sk, "commune_code") != 0 &&
                           strcmp(sk, "minutes") != 0 && strcmp(sk, "lat") != 0 &&
                           strcmp(sk, "lon") != 0;
            }
        if (!json_is_object(o) || unknown || !name || c < 0 || (mn && !json_is_integer(mn)) ||
            (la && !json_is_number(la)) || (lo && !json_is_number(lo)) || (!la != !lo)) {
            mg_round_errors_add(&errs, field, "un objet {name, commune_code (une commune du "
                                              "territoire), minutes?, lat?, lon?} attendu");
            break;
        }
        int64_t minutes = mn ? json_integer_value(mn) : 0;
        in[k] = (mg_round_stop_input){.name = name,
                                      .commune_code = t->code[c],
                                      .commune_name = t->name[c],
                                      .lat = la ? json_number_value(la) : t->lat[c],
                                      .lon = lo ? json_number_value(lo) : t->lon[c],
                                      .minutes = minutes > 100000 || minutes < -1 ? -1 : (int)minutes,
                                      .source = MG_ROUND_STOP_MANUAL,
                                      .active = true};
    }
    mg_diag d = {{0}};
    size_t added = 0, updated = 0;
    int rc = errs.n ? MG_EINVAL
                    : mg_round_stops_put(ctx->app->db, ctx->actor->account_id, s.svc.id, in, n,
                                         rep && json_is_true(rep), &added, &updated, &d);
    free(in);
    json_decref(body);
    if (rc == MG_EINVAL && errs.n == 0)
        mg_round_errors_add(&errs, "stops", "%s", d.msg);
    if (write_failed(ctx, rc, &errs, &d, WEB_ROUNDS_NOT_FOUND))
        return MG_OK;
    return web_send_json(ctx->res, 200, json_pack("{s:I,s:I}", "added", (json_int_t)added,
                                                  "updated", (json_int_t)updated));
}

/* --- Plans, publication, cancellations ----------------------------------------------------- */

static int plans_list(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_VIEW, &s))
        return MG_OK;
    mg_round_plan *v = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_round_plan_list(ctx->app->db, s.svc.id, &v, &n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, WEB_ROUNDS_NOT_FOUND, WEB_ROUNDS_READ_FAILED);
        return MG_OK;
    }
    json_t *arr = json_array();
    for (size_t k = 0; arr && k < n; k++)
        json_array_append_new(arr, web_rounds_plan_json(&v[k], false));
    mg_round_plans_free(v, n);
    snprintf(ctx->res->cache, sizeof ctx->res->cache, "private, no-store");
    return web_send_json(ctx->res, 200, json_pack("{s:I,s:o}", "total", (json_int_t)n, "plans",
                                                  arr));
}

/* POST {"seconds"?: 1..30 (2), "exact"?: bool, "label"?: string}: 201 with the plan. */
static int plan_create(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body)
        return MG_OK;
    member m[3] = {{.key = "seconds", .type = M_INT},
                   {.key = "exact", .type = M_BOOL},
                   {.key = "label", .type = M_STR}};
    mg_round_errors errs = {0};
    read_members(body, m, 3, &errs);
    int64_t sec = m[0].present ? m[0].i : 2;
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = errs.n ? MG_EINVAL
                    : web_rounds_compute(ctx, &s.svc, sec < 0 || sec > 1000 ? 0 : (int)sec,
                                         m[1].present && m[1].b, m[2].s, &id, &errs, &d);
    json_decref(body);
    if (write_failed(ctx, rc, &errs, &d, WEB_ROUNDS_NOT_FOUND))
        return MG_OK;
    mg_round_plan p;
    rc = mg_round_plan_get(ctx->app->db, id, &p, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, WEB_ROUNDS_NOT_FOUND, WEB_ROUNDS_READ_FAILED);
        return MG_OK;
    }
    json_t *j = web_rounds_plan_json(&p, true);
    mg_round_plan_clear(&p);
    return web_send_json(ctx->res, 201, json_pack("{s:o}", "plan", j));
}

static int plan_one(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_VIEW, &s))
        return MG_OK;
    int64_t pid = 0;
    mg_round_plan p;
    memset(&p, 0, sizeof p);
    mg_diag d = {{0}};
    int rc = mg_parse_id(mg_http_path_param(ctx->req, "pid"), INT64_MAX, &pid, NULL) != 0
                 ? MG_ENOTFOUND
                 : mg_round_plan_get(ctx->app->db, pid, &p, &d);
    if (rc == 0 && p.service_id != s.svc.id)
        rc = MG_ENOTFOUND;
    if (rc) {
        mg_round_plan_clear(&p);
        web_storage_error(ctx->req, ctx->res, rc, &d, "Ce plan n'existe pas.",
                          WEB_ROUNDS_READ_FAILED);
        return MG_OK;
    }
    json_t *j = web_rounds_plan_json(&p, true);
    mg_round_plan_clear(&p);
    snprintf(ctx->res->cache, sizeof ctx->res->cache, "private, no-store");
    return web_send_json(ctx->res, 200, json_pack("{s:o}", "plan", j));
}

static int publish(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body)
        return MG_OK;
    member m[2] = {{.key = "plan_id", .type = M_INT}, {.key = "anchor_monday", .type = M_STR}};
    mg_round_errors errs = {0};
    read_members(body, m, 2, &errs);
    mg_date day = {0};
    if (!m[0].present || m[0].i <= 0)
        mg_round_errors_add(&errs, "plan_id", "l'identifiant d'un plan du service attendu");
    if (!m[1].present || mg_parse_date(m[1].s, &day, NULL) != 0)
        mg_round_errors_add(&errs, "anchor_monday", "une date « AAAA-MM-JJ » attendue");
    else if (web_rounds_weekday((mg_rounds_date){day.year, day.month, day.day}) != 0)
        mg_round_errors_add(&errs, "anchor_monday", "ce jour n'est pas un lundi");
    char iso[16] = "";
    snprintf(iso, sizeof iso, "%04d-%02d-%02d", day.year, day.month, day.day);
    mg_diag d = {{0}};
    int rc = errs.n ? MG_EINVAL
                    : mg_round_publish(ctx->app->db, ctx->actor->account_id, s.svc.id, m[0].i,
                                       iso, &d);
    json_decref(body);
    if (rc == MG_ENOTFOUND) {
        mg_round_errors_add(&errs, "plan_id", "ce plan n'est pas celui du service");
        rc = MG_EINVAL;
    }
    if (rc == MG_EINVAL && errs.n == 0)
        mg_round_errors_add(&errs, "plan_id", "%s", d.msg);
    if (write_failed(ctx, rc, &errs, &d, WEB_ROUNDS_NOT_FOUND))
        return MG_OK;
    rc = mg_round_service_get(ctx->app->db, s.svc.id, &s.svc, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, WEB_ROUNDS_NOT_FOUND, WEB_ROUNDS_READ_FAILED);
        return MG_OK;
    }
    return web_send_json(ctx->res, 200, json_pack("{s:o}", "service", service_json(&s.svc)));
}

static int withdraw(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    mg_diag d = {{0}};
    int rc = mg_round_unpublish(ctx->app->db, ctx->actor->account_id, s.svc.id, &d);
    if (rc == MG_OK)
        rc = mg_round_service_get(ctx->app->db, s.svc.id, &s.svc, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, WEB_ROUNDS_NOT_FOUND, WEB_ROUNDS_SAVE_FAILED);
        return MG_OK;
    }
    return web_send_json(ctx->res, 200, json_pack("{s:o}", "service", service_json(&s.svc)));
}

static int cancellation_add(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body)
        return MG_OK;
    member m[4] = {{.key = "on_date", .type = M_STR},
                   {.key = "vehicle_id", .type = M_INT},
                   {.key = "stop_id", .type = M_INT},
                   {.key = "reason", .type = M_STR}};
    mg_round_errors errs = {0};
    read_members(body, m, 4, &errs);
    mg_date day = {0};
    if (!m[0].present || mg_parse_date(m[0].s, &day, NULL) != 0)
        mg_round_errors_add(&errs, "on_date", "une date « AAAA-MM-JJ » attendue");
    char iso[16];
    snprintf(iso, sizeof iso, "%04d-%02d-%02d", day.year, day.month, day.day);
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = errs.n ? MG_EINVAL
                    : mg_round_cancellation_add(ctx->app->db, ctx->actor->account_id, s.svc.id,
                                                iso, m[1].present ? m[1].i : 0,
                                                m[2].present ? m[2].i : 0, m[3].s, &id, &errs,
                                                &d);
    json_decref(body);
    if (write_failed(ctx, rc, &errs, &d, WEB_ROUNDS_NOT_FOUND))
        return MG_OK;
    return web_send_json(ctx->res, 201,
                         json_pack("{s:{s:I,s:s}}", "cancellation", "id", (json_int_t)id,
                                   "on_date", iso));
}

const web_route web_routes_api_rounds[] = {
    {"GET", "/api/v1/rounds/services", services_list, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/rounds/services", service_create, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/rounds/services/{id}", service_one, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/rounds/services/{id}", service_update, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/rounds/services/{id}/vehicles", vehicle_add, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/rounds/services/{id}/stops", stops_add, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/rounds/services/{id}/plans", plans_list, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/rounds/services/{id}/plans", plan_create, WEB_ACCOUNT, 0},
    {"GET", "/api/v1/rounds/services/{id}/plans/{pid}", plan_one, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/rounds/services/{id}/publication", publish, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/rounds/services/{id}/publication/withdraw", withdraw, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/rounds/services/{id}/cancellations", cancellation_add, WEB_ACCOUNT, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
