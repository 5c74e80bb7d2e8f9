/*
 * The telehealth equipment through the JSON API (issue 17; static/openapi.yaml,
 * docs/booking-api.md):
 *   GET  /api/v1/sites                   public: active sites with their devices
 *   GET  /api/v1/sites/{id}              public: one site, its devices and teleconsultants
 *   GET  /api/v1/slots                   public: next free slots (?commune=|site=, kind,
 *                                        from, days, limit)
 *   POST /api/v1/bookings                public: books a slot, answers the code once
 *   POST /api/v1/bookings/lookup         public: a booking by its code
 *   POST /api/v1/bookings/cancel         public: cancels by code
 *   GET  /api/v1/bookings                signed in: a site's (host, with phones) or a
 *                                        teleconsultant's (phone where the site shares it)
 *   POST /api/v1/bookings/{id}/state     the host: arrived, no_show, done, cancelled, booked
 *
 * The public POSTs take no account and no session: the code is the
 * capability. They are marked WEB_F_NO_STATE so that the dispatcher asks
 * no CSRF token of a client without cookies; a browser cannot send them
 * from another site (application/json only, else 415 — a cross-site
 * request with that type needs a CORS preflight this server never grants;
 * Origin is checked by the HTTP layer), and they read nothing of the
 * session. Throttled per address and per phone number by the booking
 * module: 429 with Retry-After. Errors are the API's: {"error": {"status",
 * "message"[, "field", "fields"]}}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "booking/book.h"
#include "booking/booking.h"
#include "booking/setup.h"
#include "parse/parse.h"
#include "web/booking_web.h"
#include "web/web.h"

#define SLOTS_LIMIT_DEFAULT 50
#define SLOTS_DAYS_DEFAULT 14
#define LIST_DAYS_DEFAULT 7

static const char SITE_NOT_FOUND[] = "Aucun lieu de téléconsultation n'a cet identifiant.";
static const char TC_NOT_FOUND[] = "Aucun téléconsultant n'a cet identifiant.";
static const char BOOKING_NOT_FOUND[] = "Aucun rendez-vous n'a cet identifiant.";
static const char CODE_NOT_FOUND[] = "Aucun rendez-vous n'a ce code.";
static const char READ_FAILED[] =
    "Les rendez-vous n'ont pas pu être lus. Réessayez dans un instant.";
static const char SAVE_FAILED[] = "La modification n'a pas pu être enregistrée.";

/* --- Answers ------------------------------------------------------------------------------ */

/* {"error": {"status", "message", "field", "fields": {field: msg}}} with status. */
static int errors_answer(web_ctx *ctx, int status, const mg_booking_errors *errs,
                         const mg_diag *d, json_t *extra)
{
    const char *field = errs && errs->n ? errs->e[0].field : "body";
    const char *msg = errs && errs->n ? errs->e[0].msg
                                      : (d && d->msg[0] ? d->msg : "saisie refusée");
    char text[600];
    snprintf(text, sizeof text, "« %s » : %.500s", field, msg);
    json_t *fields = json_object();
    for (size_t k = 0; errs && k < errs->n && k < MG_BOOKING_ERRORS_MAX && fields; k++)
        if (!json_object_get(fields, errs->e[k].field))
            json_object_set_new(fields, errs->e[k].field, json_string(errs->e[k].msg));
    json_t *e = json_pack("{s:i,s:s,s:s,s:o*}", "status", status, "message", text, "field",
                          field, "fields", fields);
    if (!e) {
        json_decref(extra);
        return MG_ENOMEM;
    }
    if (ctx->res->request_id[0])
        json_object_set_new(e, "request_id", json_string(ctx->res->request_id));
    json_t *doc = json_pack("{s:o}", "error", e);
    if (doc && extra)
        json_object_update(doc, extra);
    json_decref(extra);
    return web_send_json(ctx->res, status, doc);
}

static int field_error(web_ctx *ctx, const char *field, const char *msg)
{
    mg_booking_errors errs = {0};
    mg_booking_errors_add(&errs, field, "%s", msg);
    return errors_answer(ctx, 400, &errs, NULL, NULL);
}

static void bad(web_ctx *ctx, const char *msg)
{
    mg_http_error(ctx->req, ctx->res, 400, msg);
}

static int throttled(web_ctx *ctx, int retry)
{
    mg_http_retry_after(ctx->res, retry > 0 ? (unsigned)retry : 60);
    mg_http_error(ctx->req, ctx->res, 429,
                  "Trop de tentatives depuis cette adresse ou pour ce numéro : réessayez plus "
                  "tard (voir Retry-After).");
    return MG_OK;
}

/* --- JSON of the objects ------------------------------------------------------------------- */

static json_t *times_json(json_t *o, const char *key, int64_t minute)
{
    char local[17], utc[21], k[32];
    mg_booking_format_local(minute, local);
    mg_booking_format_utc(minute, utc);
    json_object_set_new(o, key, json_string(local));
    snprintf(k, sizeof k, "%s_utc", key);
    json_object_set_new(o, k, json_string(utc));
    return o;
}

static json_t *device_json(const mg_booking_device *v)
{
    json_t *instr = json_array();
    const char *p = v->instruments;
    while (instr && p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n)
            json_array_append_new(instr, json_stringn(p, n));
        p = e ? e + 1 : NULL;
    }
    return json_pack("{s:I,s:s,s:s,s:s,s:o,s:b,s:s?}", "id", (json_int_t)v->id, "kind",
                     mg_booking_device_kind_key(v->kind), "kind_label",
                     mg_booking_device_kind_label(v->kind), "name", v->name, "instruments",
                     instr ? instr : json_array(), "assisted", v->assisted, "opening_hours",
                     v->opening_hours);
}

static json_t *site_json(const mg_booking_site *s, const mg_booking_device *dv, size_t nd)
{
    json_t *devs = json_array();
    for (size_t k = 0; k < nd && devs; k++)
        if (dv[k].site_id == s->site_id && dv[k].active)
            json_array_append_new(devs, device_json(&dv[k]));
    json_t *point = s->lat == s->lat && s->lon == s->lon
                        ? json_pack("{s:f,s:f}", "lat", s->lat, "lon", s->lon)
                        : json_null();
    return json_pack("{s:I,s:s,s:s,s:{s:s,s:s},s:s,s:o,s:s?,s:s,s:b,s:o}", "id",
                     (json_int_t)s->site_id, "name", s->name, "category", s->category, "commune",
                     "code", s->commune_code, "name", s->commune_name, "address", s->address,
                     "point", point ? point : json_null(), "opening_hours", s->opening_hours,
                     "ask", mg_booking_ask_key(s->ask), "is_example", s->is_example, "devices",
                     devs ? devs : json_array());
}

static json_t *slot_json(const mg_booking_slot *sl)
{
    json_t *o = json_pack("{s:I,s:I,s:I,s:s,s:b}", "site_id", (json_int_t)sl->site_id,
                          "device_id", (json_int_t)sl->device_id, "teleconsultant_id",
                          (json_int_t)sl->teleconsultant_id, "kind",
                          mg_booking_kind_key(sl->kind), "assisted", sl->assistant_id != 0);
    if (!o)
        return NULL;
    times_json(o, "start", sl->start);
    return times_json(o, "end", sl->end);
}

/* A booking: the public's view (no id, no person, no phone), or a reader's. */
static json_t *booking_json(const mg_booking *b, bool reader)
{
    json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "site_id", (json_int_t)b->site_id,
                          "site_name", b->site_name, "commune_name", b->commune_name, "kind",
                          mg_booking_kind_key(b->kind), "state", mg_booking_state_key(b->state),
                          "state_label", mg_booking_state_label(b->state));
    if (!o)
        return NULL;
    times_json(o, "start", b->start);
    times_json(o, "end", b->end);
    if (reader) {
        json_object_set_new(o, "id", json_integer(b->id));
        json_object_set_new(o, "device_id", json_integer(b->device_id));
        json_object_set_new(o, "device_name", json_string(b->device_name));
        json_object_set_new(o, "teleconsultant_id", json_integer(b->teleconsultant_id));
        json_object_set_new(o, "teleconsultant", json_string(b->teleconsultant_label));
        json_object_set_new(o, "person", json_string(b->person));
        json_object_set_new(o, "phone", b->phone[0] ? json_string(b->phone) : json_null());
        json_object_set_new(o, "walk_in", json_boolean(b->walk_in));
    }
    return o;
}

/* --- Sites ------------------------------------------------------------------------------- */

/* GET /api/v1/sites */
static int sites_list(web_ctx *ctx)
{
    mg_booking_site *sites = NULL;
    mg_booking_device *dv = NULL;
    size_t ns = 0, nd = 0;
    mg_diag d = {{0}};
    int rc = mg_booking_site_list(ctx->app->db, 0, true, &sites, &ns, &d);
    if (rc == MG_OK)
        rc = mg_booking_device_list(ctx->app->db, 0, &dv, &nd, &d);
    if (rc) {
        mg_booking_sites_free(sites, ns);
        web_storage_error(ctx->req, ctx->res, rc, &d, SITE_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    json_t *arr = json_array();
    for (size_t k = 0; k < ns && arr; k++)
        if (sites[k].active)
            json_array_append_new(arr, site_json(&sites[k], dv, nd));
    mg_booking_sites_free(sites, ns);
    mg_booking_devices_free(dv, nd);
    if (!arr)
        return MG_ENOMEM;
    return web_send_json(ctx->res, 200, json_pack("{s:I,s:o}", "total",
                                                  (json_int_t)json_array_size(arr), "sites",
                                                  arr));
}

/* GET /api/v1/sites/{id} */
static int site_one(web_ctx *ctx)
{
    int64_t id;
    const char *s = mg_http_path_param(ctx->req, "id");
    if (!s || mg_parse_id(s, INT64_MAX, &id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, SITE_NOT_FOUND);
        return MG_OK;
    }
    mg_booking_site site;
    memset(&site, 0, sizeof site);
    mg_booking_device *dv = NULL;
    mg_booking_teleconsultant *tc = NULL;
    size_t nd = 0, nt = 0;
    mg_diag d = {{0}};
    int rc = mg_booking_site_get(ctx->app->db, id, &site, &d);
    if (rc == MG_OK && !site.active)
        rc = MG_ENOTFOUND;
    if (rc == MG_OK)
        rc = mg_booking_device_list(ctx->app->db, id, &dv, &nd, &d);
    if (rc == MG_OK)
        rc = mg_booking_teleconsultant_list(ctx->app->db, 0, 0, id, &tc, &nt, &d);
    if (rc) {
        mg_booking_site_clear(&site);
        mg_booking_devices_free(dv, nd);
        web_storage_error(ctx->req, ctx->res, rc, &d, SITE_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    json_t *o = site_json(&site, dv, nd);
    json_t *tcs = json_array();
    for (size_t k = 0; k < nt && tcs; k++) {
        if (!tc[k].active)
            continue;
        json_t *kinds = json_array();
        for (size_t j = 0; j < tc[k].nkinds && kinds; j++)
            json_array_append_new(kinds, json_pack("{s:s,s:i}", "kind",
                                                   mg_booking_kind_key(tc[k].kinds[j].kind),
                                                   "duration_min", tc[k].kinds[j].duration_min));
        json_array_append_new(tcs, json_pack("{s:I,s:s,s:o}", "id", (json_int_t)tc[k].id,
                                             "label", tc[k].label, "kinds",
                                             kinds ? kinds : json_array()));
    }
    mg_booking_site_clear(&site);
    mg_booking_devices_free(dv, nd);
    mg_booking_teleconsultants_free(tc, nt);
    if (!o || !tcs) {
        json_decref(o);
        json_decref(tcs);
        return MG_ENOMEM;
    }
    json_object_set_new(o, "teleconsultants", tcs);
    return web_send_json(ctx->res, 200, json_pack("{s:o}", "site", o));
}

/* --- Slots --------------------------------------------------------------------------------- */

/* ?from=: "YYYY-MM-DD" (that day's 00:00 in Paris), a local or UTC start;
 * absent: now. False once answered. */
static bool read_from(web_ctx *ctx, const char *s, int64_t *from)
{
    *from = mg_booking_now() + 1;
    if (!s || !s[0])
        return true;
    if (strlen(s) == 10) {
        /* A day: checked by the local parse of its noon. */
        char probe[17];
        snprintf(probe, sizeof probe, "%.10sT12:00", s);
        int64_t t;
        if (mg_booking_parse_local(probe, &t) == MG_OK) {
            mg_oh_instant l = mg_booking_local(t);
            *from = mg_booking_day_start(l.year, l.month, l.day);
            return true;
        }
    } else if (web_booking_parse_start(s, from) == MG_OK) {
        return true;
    }
    bad(ctx, "Paramètre « from » : attendu une date AAAA-MM-JJ ou un instant "
             "AAAA-MM-JJTHH:MM (heure de Paris) ou AAAA-MM-JJTHH:MMZ (UTC).");
    return false;
}

static bool read_int(web_ctx *ctx, const char *name, int64_t lo, int64_t hi, int64_t def,
                     int64_t *out)
{
    const char *s = mg_http_query(ctx->req, name);
    *out = def;
    if (!s || !s[0])
        return true;
    if (mg_parse_int(s, lo, hi, out, NULL) == 0)
        return true;
    char msg[160];
    snprintf(msg, sizeof msg, "Paramètre « %s » : attendu un nombre entier de %lld à %lld.",
             name, (long long)lo, (long long)hi);
    bad(ctx, msg);
    return false;
}

/* GET /api/v1/slots */
static int slots_list(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    const char *commune = mg_http_query(r, "commune");
    const char *site = mg_http_query(r, "site");
    const char *kind_s = mg_http_query(r, "kind");
    mg_booking_kind kind = MG_BOOKING_GP;
    if (kind_s && kind_s[0] && mg_booking_kind_parse(kind_s, &kind) != MG_OK) {
        bad(ctx, "Paramètre « kind » : attendu gp, followup ou specialist.");
        return MG_OK;
    }
    int64_t from, days, limit;
    if (!read_from(ctx, mg_http_query(r, "from"), &from) ||
        !read_int(ctx, "days", 1, MG_BOOKING_HORIZON_DAYS, SLOTS_DAYS_DEFAULT, &days) ||
        !read_int(ctx, "limit", 1, MG_BOOKING_PAGE_MAX, SLOTS_LIMIT_DEFAULT, &limit))
        return MG_OK;
    bool has_site = site && site[0], has_commune = commune && commune[0];
    if (has_site == has_commune) {
        bad(ctx, "Paramètres : attendu « commune » (code INSEE) ou « site » (identifiant), "
                 "l'un des deux.");
        return MG_OK;
    }
    int64_t one = 0;
    web_booking_near *near = NULL;
    size_t nn = 0;
    int64_t *ids = &one;
    size_t nids = 1;
    mg_diag d = {{0}};
    if (has_site) {
        if (mg_parse_id(site, INT64_MAX, &one, NULL)) {
            bad(ctx, "Paramètre « site » : attendu un identifiant (nombre entier positif).");
            return MG_OK;
        }
        mg_booking_site s;
        memset(&s, 0, sizeof s);
        int rc = mg_booking_site_get(ctx->app->db, one, &s, &d);
        if (rc == MG_OK && !s.active)
            rc = MG_ENOTFOUND;
        mg_booking_site_clear(&s);
        if (rc) {
            web_storage_error(r, ctx->res, rc, &d, SITE_NOT_FOUND, READ_FAILED);
            return MG_OK;
        }
    } else {
        const mg_territory *t = mg_app_profession_get(ctx->app, NULL)->g->t;
        long i = mg_territory_find(t, commune);
        if (i < 0) {
            bad(ctx, "Paramètre « commune » : attendu le code INSEE d'une commune du "
                     "territoire (5 caractères, par exemple 11069).");
            return MG_OK;
        }
        int rc = web_booking_sites_near(ctx->app, r, (size_t)i, WEB_BOOKING_REACH_MIN, &near,
                                        &nn, &d);
        if (rc) {
            web_storage_error(r, ctx->res, rc, &d, SITE_NOT_FOUND, READ_FAILED);
            return MG_OK;
        }
        ids = mg_http_alloc(r, (nn ? nn : 1) * sizeof *ids);
        if (!ids)
            return MG_ENOMEM;
        for (size_t k = 0; k < nn; k++)
            ids[k] = near[k].site_id;
        nids = nn;
    }
    mg_booking_slot *v = NULL;
    size_t n = 0;
    if (nids) {
        mg_booking_slot_query q = {.site_ids = ids, .nsites = nids, .kind = kind, .from = from,
                                   .days = (int)days, .limit = (size_t)limit};
        int rc = mg_booking_next_slots(ctx->app->db, &q, &v, &n, &d);
        if (rc) {
            web_storage_error(r, ctx->res, rc, &d, SITE_NOT_FOUND, READ_FAILED);
            return MG_OK;
        }
    }
    json_t *arr = json_array();
    for (size_t k = 0; k < n && arr; k++)
        json_array_append_new(arr, slot_json(&v[k]));
    free(v);
    json_t *sites = json_array();
    for (size_t k = 0; k < nn && sites; k++)
        json_array_append_new(sites, json_pack("{s:I,s:f}", "site_id",
                                               (json_int_t)near[k].site_id, "minutes",
                                               near[k].minutes));
    if (!arr || !sites) {
        json_decref(arr);
        json_decref(sites);
        return MG_ENOMEM;
    }
    json_t *doc = json_pack("{s:s,s:o}", "kind", mg_booking_kind_key(kind), "slots", arr);
    if (doc && has_commune) {
        json_object_set_new(doc, "reach_minutes", json_integer(WEB_BOOKING_REACH_MIN));
        json_object_set_new(doc, "sites", sites);
    } else {
        json_decref(sites);
    }
    return web_send_json(ctx->res, 200, doc);
}

/* --- Public bookings ------------------------------------------------------------------------ */

/* The members of a public body: strings (integers too for ids), every other
 * member refused; false once answered. */
static bool read_members(web_ctx *ctx, const json_t *body, const char *const *keys, size_t n,
                         unsigned ints, const char **out)
{
    mg_booking_errors errs = {0};
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
            while (len > 0 && ((unsigned char)key[len] & 0xC0) == 0x80)
                len--;
        }
        memcpy(name, key, len);
        name[len] = 0;
        if (len == 0)
            memcpy(name, "\"\"", 3);
        mg_booking_errors_add(&errs, name, "champ inconnu");
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
        } else {
            mg_booking_errors_add(&errs, keys[i], "%s",
                                  (ints >> i & 1u)
                                      ? "attendu un identifiant (nombre entier positif)"
                                      : "attendu une chaîne de caractères");
        }
    }
    if (errs.n) {
        errors_answer(ctx, 400, &errs, NULL, NULL);
        return false;
    }
    return true;
}

/* The site's next free slots after a gone one, for the 409. */
static json_t *fresh_slots(web_ctx *ctx, int64_t site_id, mg_booking_kind kind)
{
    mg_booking_slot_query q = {.site_ids = &site_id, .nsites = 1, .kind = kind,
                               .from = mg_booking_now() + 1, .days = SLOTS_DAYS_DEFAULT,
                               .limit = 10};
    mg_booking_slot *v = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    json_t *arr = json_array();
    if (arr && mg_booking_next_slots(ctx->app->db, &q, &v, &n, &d) == MG_OK)
        for (size_t k = 0; k < n; k++)
            json_array_append_new(arr, slot_json(&v[k]));
    free(v);
    return json_pack("{s:o}", "slots", arr ? arr : json_array());
}

/* POST /api/v1/bookings */
static int booking_create(web_ctx *ctx)
{
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body)
        return MG_OK;
    enum { SITE, DEVICE, TC, KIND, START, PERSON, PHONE, NKEYS };
    static const char *const keys[NKEYS] = {"site_id", "device_id", "teleconsultant_id",
                                            "kind", "start", "person", "phone"};
    const char *m[NKEYS];
    if (!read_members(ctx, body, keys, NKEYS, 1u << SITE | 1u << DEVICE | 1u << TC, m)) {
        json_decref(body);
        return MG_OK;
    }
    mg_booking_errors errs = {0};
    mg_booking_input in = {.address = mg_http_client_address(ctx->req),
                           .now_s = (int64_t)time(NULL)};
    int64_t *ids[3] = {&in.site_id, &in.device_id, &in.teleconsultant_id};
    for (int k = SITE; k <= TC; k++)
        if (!m[k] || mg_parse_id(m[k], INT64_MAX, ids[k], NULL))
            mg_booking_errors_add(&errs, keys[k], "%s",
                                  m[k] ? "attendu un identifiant (nombre entier positif)"
                                       : "obligatoire");
    if (!m[KIND] || mg_booking_kind_parse(m[KIND], &in.kind) != MG_OK)
        mg_booking_errors_add(&errs, "kind", "%s",
                              m[KIND] ? "attendu gp, followup ou specialist" : "obligatoire");
    if (!m[START] || web_booking_parse_start(m[START], &in.start) != MG_OK)
        mg_booking_errors_add(&errs, "start", "%s",
                              m[START] ? "attendu AAAA-MM-JJTHH:MM (heure de Paris) ou "
                                         "AAAA-MM-JJTHH:MMZ (UTC)"
                                       : "obligatoire");
    if (!m[PERSON] || !m[PERSON][0])
        mg_booking_errors_add(&errs, "person", "obligatoire : un nom ou des initiales");
    if (!m[PHONE] || !m[PHONE][0])
        mg_booking_errors_add(&errs, "phone", "obligatoire : un numéro de téléphone");
    if (errs.n) {
        json_decref(body);
        return errors_answer(ctx, 400, &errs, NULL, NULL);
    }
    in.person = m[PERSON];
    in.phone = m[PHONE];
    mg_booking_result res;
    memset(&res, 0, sizeof res);
    mg_diag d = {{0}};
    int rc = mg_booking_book(ctx->app->db, 0, &in, &res, &errs, &d);
    json_decref(body); /* in's strings were the body's: not used past here */
    if (rc == MG_ETHROTTLE)
        return throttled(ctx, res.retry_after);
    if (rc == MG_EINVAL && res.gone)
        return errors_answer(ctx, 409, &errs, &d, fresh_slots(ctx, in.site_id, in.kind));
    if (rc == MG_EINVAL)
        return errors_answer(ctx, 400, &errs, &d, NULL);
    if (rc == MG_ENOTFOUND)
        return field_error(ctx, "site_id", "aucun lieu de téléconsultation n'a cet identifiant");
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, SITE_NOT_FOUND, SAVE_FAILED);
        return MG_OK;
    }
    snprintf(ctx->res->cache, sizeof ctx->res->cache, "private, no-store");
    json_t *o = json_pack("{s:s,s:I,s:I,s:I,s:s}", "code", res.code, "site_id",
                          (json_int_t)in.site_id, "device_id", (json_int_t)in.device_id,
                          "teleconsultant_id", (json_int_t)in.teleconsultant_id, "kind",
                          mg_booking_kind_key(in.kind));
    if (!o)
        return MG_ENOMEM;
    times_json(o, "start", res.start);
    times_json(o, "end", res.end);
    return web_send_json(ctx->res, 201, o);
}

/* The code of a lookup or cancel body; NULL once answered. */
static const char *body_code(web_ctx *ctx, json_t **body)
{
    *body = web_body_json(ctx->req, ctx->res);
    if (!*body)
        return NULL;
    static const char *const keys[1] = {"code"};
    const char *m[1];
    if (!read_members(ctx, *body, keys, 1, 0, m)) {
        json_decref(*body);
        return NULL;
    }
    char canon[MG_BOOKING_CODE_CHARS + 1];
    if (!m[0] || mg_booking_code_normalise(m[0], canon) != MG_OK) {
        field_error(ctx, "code", m[0] ? "attendu un code de dix lettres et chiffres "
                                        "(ABCDE-FGHJK)"
                                      : "obligatoire");
        json_decref(*body);
        return NULL;
    }
    return m[0];
}

static int by_code(web_ctx *ctx, bool cancel)
{
    json_t *body;
    const char *code = body_code(ctx, &body);
    if (!code)
        return MG_OK;
    mg_booking bk;
    memset(&bk, 0, sizeof bk);
    int retry = 0;
    mg_diag d = {{0}};
    const char *addr = mg_http_client_address(ctx->req);
    int64_t now = (int64_t)time(NULL);
    int rc = cancel ? mg_booking_cancel_code(ctx->app->db, code, addr, now, &bk, &retry, &d)
                    : mg_booking_find_code(ctx->app->db, code, addr, now, &bk, &retry, &d);
    json_decref(body);
    if (rc == MG_ETHROTTLE)
        return throttled(ctx, retry);
    if (rc == MG_EINVAL) {
        mg_booking_errors errs = {0};
        mg_booking_errors_add(&errs, "code", "%s",
                              d.msg[0] ? d.msg : "ce rendez-vous ne peut plus être annulé");
        return errors_answer(ctx, 409, &errs, NULL, NULL);
    }
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, CODE_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    snprintf(ctx->res->cache, sizeof ctx->res->cache, "private, no-store");
    return web_send_json(ctx->res, 200, json_pack("{s:o}", "booking", booking_json(&bk, false)));
}

/* POST /api/v1/bookings/lookup */
static int booking_lookup(web_ctx *ctx)
{
    return by_code(ctx, false);
}

/* POST /api/v1/bookings/cancel */
static int booking_cancel(web_ctx *ctx)
{
    return by_code(ctx, true);
}

/* --- Signed-in readers ----------------------------------------------------------------------- */

/* The site as the authorisation function sees it (its owner a viewer), or
 * false after answering (404 unknown). */
static bool site_object(web_ctx *ctx, int64_t site_id, int64_t *owner, mg_auth_object *o)
{
    mg_booking_site s;
    memset(&s, 0, sizeof s);
    mg_diag d = {{0}};
    int rc = mg_booking_site_get(ctx->app->db, site_id, &s, &d);
    *owner = s.owner_id;
    mg_booking_site_clear(&s);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, SITE_NOT_FOUND, READ_FAILED);
        return false;
    }
    *o = (mg_auth_object){.type = MG_AUTH_OBJ_BOOKING_SITE, .organisation_id = site_id,
                          .viewers = owner, .nviewers = *owner ? 1 : 0};
    return true;
}

/* ?from=, ?to= dates "YYYY-MM-DD" (Paris days; to inclusive) or instants. */
static bool read_range(web_ctx *ctx, int64_t *from, int64_t *to)
{
    const char *f = mg_http_query(ctx->req, "from");
    const char *t = mg_http_query(ctx->req, "to");
    if (f && f[0]) {
        if (!read_from(ctx, f, from))
            return false;
    } else {
        mg_oh_instant now = mg_booking_local(mg_booking_now());
        *from = mg_booking_day_start(now.year, now.month, now.day);
    }
    *to = *from + (int64_t)LIST_DAYS_DEFAULT * 1440;
    if (t && t[0]) {
        int64_t x;
        if (!read_from(ctx, t, &x))
            return false;
        *to = strlen(t) == 10 ? x + 1440 : x; /* a day: up to its end (about; DST days ±60) */
        if (strlen(t) == 10) {
            mg_oh_instant l = mg_booking_local(x + 1500);
            *to = mg_booking_day_start(l.year, l.month, l.day);
        }
    }
    if (*to <= *from || *to - *from > 400 * 1440) {
        bad(ctx, "Paramètres « from » et « to » : la fin doit suivre le début, au plus 400 "
                 "jours plus tard.");
        return false;
    }
    return true;
}

/* GET /api/v1/bookings?site=|teleconsultant= */
static int bookings_list(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    const char *site = mg_http_query(r, "site");
    const char *tc = mg_http_query(r, "teleconsultant");
    bool has_site = site && site[0], has_tc = tc && tc[0];
    if (has_site == has_tc) {
        bad(ctx, "Paramètres : attendu « site » ou « teleconsultant » (un identifiant), l'un "
                 "des deux.");
        return MG_OK;
    }
    mg_booking_filter f = {.limit = MG_BOOKING_PAGE_MAX, .with_cancelled = true};
    int64_t id = 0;
    if (mg_parse_id(has_site ? site : tc, INT64_MAX, &id, NULL)) {
        mg_http_error(r, ctx->res, 404, has_site ? SITE_NOT_FOUND : TC_NOT_FOUND);
        return MG_OK;
    }
    int64_t owner = 0;
    if (has_site) {
        mg_auth_object o;
        if (!site_object(ctx, id, &owner, &o) || !web_allow_as(ctx, MG_AUTH_VIEW, &o,
                                                                SITE_NOT_FOUND))
            return MG_OK;
        f.site_id = id;
        f.with_phone = true;
    } else {
        mg_booking_teleconsultant t;
        memset(&t, 0, sizeof t);
        mg_diag d = {{0}};
        int rc = mg_booking_teleconsultant_get(ctx->app->db, id, &t, &d);
        int64_t org = t.organisation_id;
        mg_booking_teleconsultant_clear(&t);
        if (rc) {
            web_storage_error(r, ctx->res, rc, &d, TC_NOT_FOUND, READ_FAILED);
            return MG_OK;
        }
        mg_auth_object o = {.type = MG_AUTH_OBJ_TELECONSULTANT, .organisation_id = org};
        if (!web_allow_as(ctx, MG_AUTH_VIEW, &o, TC_NOT_FOUND))
            return MG_OK;
        f.teleconsultant_id = id;
        f.with_phone = false;
        f.phone_if_shared = true;
    }
    if (!read_range(ctx, &f.from, &f.to))
        return MG_OK;
    mg_booking *v = NULL;
    size_t n = 0, total = 0;
    mg_diag d = {{0}};
    int rc = mg_booking_list(ctx->app->db, &f, &v, &n, &total, &d);
    if (rc) {
        web_storage_error(r, ctx->res, rc, &d, BOOKING_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    json_t *arr = json_array();
    for (size_t k = 0; k < n && arr; k++)
        json_array_append_new(arr, booking_json(&v[k], true));
    free(v);
    if (!arr)
        return MG_ENOMEM;
    json_t *doc = json_pack("{s:I,s:o}", "total", (json_int_t)total, "bookings", arr);
    if (doc) {
        times_json(doc, "from", f.from);
        times_json(doc, "to", f.to);
    }
    snprintf(ctx->res->cache, sizeof ctx->res->cache, "private, no-store");
    return web_send_json(ctx->res, 200, doc);
}

/* POST /api/v1/bookings/{id}/state {"state": …} */
static int booking_state(web_ctx *ctx)
{
    int64_t id;
    const char *s = mg_http_path_param(ctx->req, "id");
    if (!s || mg_parse_id(s, INT64_MAX, &id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, BOOKING_NOT_FOUND);
        return MG_OK;
    }
    mg_booking bk;
    memset(&bk, 0, sizeof bk);
    mg_diag d = {{0}};
    int rc = mg_booking_get(ctx->app->db, id, &bk, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, BOOKING_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    int64_t owner = 0;
    mg_auth_object o;
    if (!site_object(ctx, bk.site_id, &owner, &o) ||
        !web_allow_as(ctx, MG_AUTH_EDIT, &o, BOOKING_NOT_FOUND))
        return MG_OK;
    json_t *body = web_body_json(ctx->req, ctx->res);
    if (!body)
        return MG_OK;
    static const char *const keys[1] = {"state"};
    const char *m[1];
    if (!read_members(ctx, body, keys, 1, 0, m)) {
        json_decref(body);
        return MG_OK;
    }
    mg_booking_state to;
    bool ok = m[0] && mg_booking_state_parse(m[0], &to) == MG_OK;
    json_decref(body);
    if (!ok)
        return field_error(ctx, "state", "attendu booked, arrived, done, cancelled ou no_show");
    rc = mg_booking_set_state(ctx->app->db, ctx->actor->account_id, id, to, &d);
    if (rc == MG_EINVAL) {
        mg_booking_errors errs = {0};
        mg_booking_errors_add(&errs, "state", "%s", d.msg[0] ? d.msg : "changement refusé");
        return errors_answer(ctx, 409, &errs, NULL, NULL);
    }
    if (rc == MG_OK)
        rc = mg_booking_get(ctx->app->db, id, &bk, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, BOOKING_NOT_FOUND, SAVE_FAILED);
        return MG_OK;
    }
    return web_send_json(ctx->res, 200, json_pack("{s:o}", "booking", booking_json(&bk, true)));
}

const web_route web_routes_api_booking[] = {
    {"GET", "/api/v1/sites", sites_list, WEB_ANYONE, 0},
    {"GET", "/api/v1/sites/{id}", site_one, WEB_ANYONE, 0},
    {"GET", "/api/v1/slots", slots_list, WEB_ANYONE, 0},
    {"POST", "/api/v1/bookings", booking_create, WEB_ANYONE, WEB_F_NO_STATE},
    {"POST", "/api/v1/bookings/lookup", booking_lookup, WEB_ANYONE, WEB_F_NO_STATE},
    {"POST", "/api/v1/bookings/cancel", booking_cancel, WEB_ANYONE, WEB_F_NO_STATE},
    {"GET", "/api/v1/bookings", bookings_list, WEB_ACCOUNT, 0},
    {"POST", "/api/v1/bookings/{id}/state", booking_state, WEB_ACCOUNT, 0},
    {NULL, NULL, NULL, 0, 0},
};
