/*
 * The directory through the JSON API (static/openapi.yaml, docs/api.md):
 *   GET /api/v1/structures       structures matching the filters, a page of them
 *   GET /api/v1/structures/{id}  one structure and its services
 *   GET /api/v1/services         services matching the same filters
 * Records are data·inclusion v1 objects (directory/formats.h) with what
 * maillage adds under "maillage". The directory is public (authz: anyone
 * may view a structure). Errors are the API's: {"error": {"status", "message"}}
 * with a French message naming the parameter at fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis/scope.h"
#include "directory/directory.h"
#include "directory/formats.h"
#include "parse/parse.h"
#include "web/web.h"

#define LIMIT_DEFAULT 50
#define LIMIT_MAX 500
#define TEXT_MAX 200
#define THEMATIC_MAX 100
/* Communes a postcode may cover (the largest cover a few dozen). */
#define POSTCODE_COMMUNES_MAX 256

static void bad(web_ctx *ctx, const char *msg)
{
    mg_http_error(ctx->req, ctx->res, 400, msg);
}

/* The filters of a request, read and checked. */
typedef struct filters {
    mg_dir_query q;
    const char **codes; /* the communes the filters leave (request memory) */
    bool none;          /* the commune filters leave no commune: nothing matches */
    mg_scope scope;
    bool has_scope;
} filters;

/* Keeps in keep[] (t->n) only the communes also set in other. */
static void intersect(uint8_t *keep, const uint8_t *other, size_t n)
{
    for (size_t i = 0; i < n; i++)
        keep[i] = keep[i] && other[i];
}

/* Reads ?q, categorie, thematique, commune, code_postal, perimetre, offset
 * and limit; false once answered (400 naming the parameter). */
static bool read_filters(web_ctx *ctx, filters *f)
{
    const mg_http_request *r = ctx->req;
    const mg_app *a = ctx->app;
    memset(f, 0, sizeof *f);
    f->q.category = -1;
    f->q.limit = LIMIT_DEFAULT;
    const char *s;
    if ((s = mg_http_query(r, "q")) && s[0]) {
        if (strlen(s) > TEXT_MAX) {
            bad(ctx, "Paramètre « q » : au plus 200 caractères.");
            return false;
        }
        f->q.text = s;
    }
    if ((s = mg_http_query(r, "categorie")) && s[0]) {
        mg_dir_category c;
        if (mg_dir_category_parse(s, &c) != MG_OK) {
            char msg[512];
            int o = snprintf(msg, sizeof msg, "Paramètre « categorie » : catégorie inconnue, "
                                              "attendu l'une de :");
            for (int k = 0; k < MG_DIR_CATEGORY_COUNT && o > 0 && (size_t)o < sizeof msg; k++)
                o += snprintf(msg + o, sizeof msg - (size_t)o, "%s %s", k ? "," : "",
                              mg_dir_category_key((mg_dir_category)k));
            if (o > 0 && (size_t)o + 1 < sizeof msg)
                snprintf(msg + o, sizeof msg - (size_t)o, ".");
            bad(ctx, msg);
            return false;
        }
        f->q.category = (int)c;
    }
    if ((s = mg_http_query(r, "thematique")) && s[0]) {
        bool ok = strlen(s) <= THEMATIC_MAX;
        for (const char *p = s; ok && *p; p++)
            ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_';
        if (!ok) {
            bad(ctx, "Paramètre « thematique » : attendu un code de thématique data·inclusion "
                     "(lettres minuscules, chiffres et tirets, par exemple sante--acces-aux-soins).");
            return false;
        }
        f->q.thematic = s;
    }
    int64_t v;
    if ((s = mg_http_query(r, "limit"))) {
        if (mg_parse_int(s, 1, LIMIT_MAX, &v, NULL)) {
            bad(ctx, "Paramètre « limit » : attendu un nombre entier de 1 à 500.");
            return false;
        }
        f->q.limit = (size_t)v;
    }
    if ((s = mg_http_query(r, "offset"))) {
        if (mg_parse_int(s, 0, INT32_MAX, &v, NULL)) {
            bad(ctx, "Paramètre « offset » : attendu un nombre entier positif ou nul.");
            return false;
        }
        f->q.offset = (size_t)v;
    }

    /* Where: a commune, a postcode's communes, a scope's; together, the
     * communes all of them name. */
    const mg_app_profession *p = mg_app_profession_get(a, NULL);
    const mg_territory *t = p->g->t;
    const char *commune = mg_http_query(r, "commune");
    const char *cp = mg_http_query(r, "code_postal");
    const char *per = mg_http_query(r, "perimetre");
    bool any = (commune && commune[0]) || (cp && cp[0]) || (per && per[0]);
    if (!any)
        return true;
    uint8_t *keep = mg_http_alloc(r, t->n ? t->n : 1);
    uint8_t *one = mg_http_alloc(r, t->n ? t->n : 1);
    if (!keep || !one) {
        mg_http_error(r, ctx->res, 500, NULL);
        return false;
    }
    memset(keep, 1, t->n);
    if (commune && commune[0]) {
        long i = mg_territory_find(t, commune);
        if (i < 0) {
            bad(ctx, "Paramètre « commune » : attendu le code INSEE d'une commune (5 caractères, "
                     "par exemple 11069).");
            return false;
        }
        memset(one, 0, t->n);
        one[i] = 1;
        intersect(keep, one, t->n);
    }
    if (cp && cp[0]) {
        bool digits = strlen(cp) == 5;
        for (size_t k = 0; digits && k < 5; k++)
            digits = cp[k] >= '0' && cp[k] <= '9';
        size_t idx[POSTCODE_COMMUNES_MAX];
        size_t n = digits ? web_finder_postcode(a->finder, cp, idx, POSTCODE_COMMUNES_MAX) : 0;
        if (!digits || n == 0) {
            bad(ctx, digits ? "Paramètre « code_postal » : aucune commune du territoire n'a ce "
                              "code postal."
                            : "Paramètre « code_postal » : attendu cinq chiffres, par exemple 11400.");
            return false;
        }
        memset(one, 0, t->n);
        for (size_t k = 0; k < n && k < POSTCODE_COMMUNES_MAX; k++)
            one[idx[k]] = 1;
        intersect(keep, one, t->n);
    }
    if (per && per[0]) {
        if (!web_scope(ctx, p, &f->scope))
            return false;
        f->has_scope = true;
        intersect(keep, f->scope.mark, t->n);
    }
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        n += keep[i];
    if (n == 0) {
        f->none = true;
        return true;
    }
    f->codes = mg_http_alloc(r, n * sizeof *f->codes);
    if (!f->codes) {
        mg_http_error(r, ctx->res, 500, NULL);
        return false;
    }
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (keep[i])
            f->codes[k++] = t->code[i];
    f->q.communes = f->codes;
    f->q.ncommunes = n;
    return true;
}

static void free_filters(filters *f)
{
    if (f->has_scope)
        mg_scope_free(&f->scope);
}

/* What maillage adds to a data·inclusion structure. */
static json_t *structure_json(const mg_dir_structure *s)
{
    json_t *o = mg_di_structure_json(s);
    if (!o)
        return NULL;
    char api[64];
    snprintf(api, sizeof api, "/api/v1/structures/%lld", (long long)s->id);
    json_t *m = json_pack("{s:I,s:s,s:s,s:s?,s:s?,s:o,s:s}", "id", (json_int_t)s->id,
                          "categorie", mg_dir_category_key(s->category), "categorie_libelle",
                          mg_dir_category_label(s->category), "role_reseau", s->network_role,
                          "missions", s->missions, "praticiens",
                          s->practitioners > 0 ? json_integer(s->practitioners) : json_null(),
                          "api", api);
    if (!m) {
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "maillage", m);
    return o;
}

static json_t *service_json(const mg_dir_service *v)
{
    json_t *o = mg_di_service_json(v);
    if (!o)
        return NULL;
    json_t *m = json_pack("{s:I,s:I,s:s?}", "id", (json_int_t)v->id, "structure_id",
                          (json_int_t)v->structure_id, "prise_de_rendez_vous", v->booking_url);
    if (!m) {
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "maillage", m);
    return o;
}

/* {"total", "offset", "limit", key: [...]}; arr consumed. */
static int send_page(web_ctx *ctx, const filters *f, size_t total, const char *key, json_t *arr)
{
    return web_send_json(ctx->res, 200,
                         json_pack("{s:I,s:I,s:I,s:o}", "total", (json_int_t)total, "offset",
                                   (json_int_t)f->q.offset, "limit", (json_int_t)f->q.limit, key,
                                   arr));
}

static int list(web_ctx *ctx, bool services)
{
    filters f;
    if (!read_filters(ctx, &f))
        return 0;
    const char *key = services ? "services" : "structures";
    json_t *arr = json_array();
    size_t total = 0;
    int rc = arr ? MG_OK : MG_ENOMEM;
    if (rc == MG_OK && !f.none) {
        mg_dir_set set;
        mg_dir_set_init(&set);
        mg_diag d = {{0}};
        rc = services ? mg_dir_search_services(ctx->app->db, &f.q, &set, &total, &d)
                      : mg_dir_search(ctx->app->db, &f.q, &set, &total, &d);
        if (rc != MG_OK) {
            json_decref(arr);
            mg_dir_set_free(&set);
            free_filters(&f);
            web_storage_error(ctx->req, ctx->res, rc, &d, NULL,
                              "L'annuaire n'a pas pu être lu. Réessayez dans un instant.");
            return 0;
        }
        size_t n = services ? set.nservices : set.nstructures;
        for (size_t k = 0; k < n && rc == MG_OK; k++) {
            json_t *o = services ? service_json(&set.services[k])
                                 : structure_json(&set.structures[k]);
            rc = o && json_array_append_new(arr, o) == 0 ? MG_OK : MG_ENOMEM;
        }
        mg_dir_set_free(&set);
    }
    free_filters(&f);
    if (rc != MG_OK) {
        json_decref(arr);
        return rc;
    }
    return send_page(ctx, &f, total, key, arr);
}

/* GET /api/v1/structures */
static int structures(web_ctx *ctx)
{
    return list(ctx, false);
}

/* GET /api/v1/services */
static int services(web_ctx *ctx)
{
    return list(ctx, true);
}

/* GET /api/v1/structures/{id}: {"structure": {…}, "services": […]} */
static int structure_one(web_ctx *ctx)
{
    static const char not_found_fr[] = "Aucune structure de l'annuaire n'a cet identifiant.";
    int64_t id;
    const char *s = mg_http_path_param(ctx->req, "id");
    if (!s || mg_parse_id(s, INT64_MAX, &id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, not_found_fr);
        return 0;
    }
    mg_auth_object o = {.type = MG_AUTH_OBJ_STRUCTURE, .organisation_id = id};
    if (!web_allow_as(ctx, MG_AUTH_VIEW, &o, not_found_fr))
        return 0;
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_diag d = {{0}};
    int rc = mg_dir_get(ctx->app->db, id, &set, &d);
    if (rc == MG_OK && set.nstructures == 0)
        rc = MG_ENOTFOUND;
    if (rc != MG_OK) {
        mg_dir_set_free(&set);
        web_storage_error(ctx->req, ctx->res, rc, &d, not_found_fr,
                          "L'annuaire n'a pas pu être lu. Réessayez dans un instant.");
        return 0;
    }
    json_t *arr = json_array();
    rc = arr ? MG_OK : MG_ENOMEM;
    for (size_t k = 0; k < set.nservices && rc == MG_OK; k++) {
        json_t *v = service_json(&set.services[k]);
        rc = v && json_array_append_new(arr, v) == 0 ? MG_OK : MG_ENOMEM;
    }
    json_t *st = rc == MG_OK ? structure_json(&set.structures[0]) : NULL;
    mg_dir_set_free(&set);
    if (!st) {
        json_decref(arr);
        return MG_ENOMEM;
    }
    return web_send_json(ctx->res, 200, json_pack("{s:o,s:o}", "structure", st, "services", arr));
}

const web_route web_routes_api_directory[] = {
    {"GET", "/api/v1/structures", structures, WEB_ANYONE, 0},
    {"GET", "/api/v1/structures/{id}", structure_one, WEB_ANYONE, 0},
    {"GET", "/api/v1/services", services, WEB_ANYONE, 0},
    {NULL, NULL, NULL, 0, 0},
};
