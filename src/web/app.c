#include "web/app.h"
#include "diagnosis/layer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "io/jsonstream.h"
#include "routing/routing.h"
#include "web/contracts_web.h"
#include "funding/instruction.h"
#include "web/booking_web.h"
#include "web/funding_web.h"
#include "web/rounds_web.h"
#include "web/web.h"

static const char *const prof_keys[MG_APP_PROFESSIONS] = {"mg", "inf", "mk", "sf", "cd"};

const char *const mg_app_measure_keys[MG_APP_MEASURES] = {
    "apl", "officiel", "2sfca", "g2sfca", "3sfca", "bfca", "gravity", "cumulative", "nearest"};

/* The competitive measures (APL, 2SFCA, 3SFCA, BFCA) share the profession's
 * unit; gravity and cumulative opportunities count practitioners, the
 * nearest one is a time, where less is better. */
static const mg_app_measure_info measure_info[MG_APP_MEASURES] = {
    {"APL (méthode DREES)", NULL, NULL, "APL", "APL moyenne (pondérée)", NULL, 2, false, true},
    {"APL officielle publiée par la DREES", NULL, NULL, "APL officielle",
     "APL officielle moyenne (pondérée)", "pas de valeur publiée", 2, false, true},
    {"2SFCA (zone binaire)", NULL, NULL, "2SFCA", "2SFCA moyen (pondéré)", NULL, 2, false, false},
    {"2SFCA gaussien", NULL, NULL, "2SFCA gaussien", "2SFCA gaussien moyen (pondéré)", NULL, 2,
     false, false},
    {"3SFCA", NULL, NULL, "3SFCA", "3SFCA moyen (pondéré)", NULL, 2, false, false},
    {"BFCA (équilibré)", NULL, NULL, "BFCA", "BFCA moyen (pondéré)", NULL, 2, false, false},
    {"Gravitaire (Hansen)", "praticiens (pondérés par le temps d'accès)",
     "Potentiel gravitaire, en praticiens pondérés par le temps d'accès", "Potentiel gravitaire",
     "Potentiel gravitaire moyen (pondéré)", NULL, 2, false, false},
    {"Praticiens à moins de 20 min", "praticiens", "Praticiens à portée, en nombre",
     "Praticiens à portée", "Praticiens à portée en moyenne (pondérée)", NULL, 1, false, false},
    {"Temps jusqu'au praticien le plus proche", "minutes",
     "Temps jusqu'au praticien le plus proche, en minutes (court = bon)",
     "Minutes jusqu'au plus proche", "Temps moyen jusqu'au plus proche (pondéré)",
     "aucun praticien dans la zone de recherche", 1, true, false},
};

const mg_app_measure_info *mg_app_measure(int k)
{
    return &measure_info[k >= 0 && k < MG_APP_MEASURES ? k : 0];
}

const char *mg_app_measure_unit(int k, const mg_profession *prof)
{
    const mg_app_measure_info *m = mg_app_measure(k);
    return m->unit ? m->unit : prof->unit;
}

int mg_app_measure_index(const char *key)
{
    for (int k = 0; k < MG_APP_MEASURES; k++)
        if (strcmp(mg_app_measure_keys[k], key) == 0)
            return k;
    return -1;
}

/* Values and figures of every measure; the APL's are the diagnosis's. */
static int build_measures(mg_app_profession *p, mg_diag *d)
{
    const mg_diagnosis *g = p->g;
    for (int k = 0; k < MG_APP_MEASURES; k++) {
        const char *key = mg_app_measure_keys[k];
        double *v = mg_alloc_array(g->t->n, sizeof *v);
        if (!v)
            return MG_ENOMEM;
        p->measure[k] = v;
        int rc;
        bool apl_like = k <= 1;
        if (strcmp(key, "officiel") == 0) {
            memcpy(v, g->official, g->t->n * sizeof *v);
        } else if ((rc = mg_diagnosis_measure(g, key, v, d))) {
            return rc;
        }
        if ((rc = mg_summary_compute(g, v, apl_like ? g->official : NULL,
                                     apl_like ? g->prof->threshold : NAN,
                                     &p->measure_summary[k], d)))
            return rc;
    }
    return MG_OK;
}

/* The situation today on the official baseline and its figures. */
static int build_official_base(mg_app_profession *p, mg_diag *d)
{
    const mg_diagnosis *g = p->g;
    size_t n = g->t->n;
    p->official_base = mg_alloc_array(n ? n : 1, sizeof *p->official_base);
    p->official_flags = mg_alloc_array(n ? n : 1, 1);
    if (!p->official_base || !p->official_flags)
        return MG_ENOMEM;
    mg_baseline_apply(MG_BASELINE_OFFICIAL, n, g->official, g->apl, g->apl, p->official_base,
                      p->official_flags, g->t->in_study, &p->official_counts);
    /* No agreement figures: compared with itself, the official value
     * would agree perfectly. */
    return mg_summary_compute(g, p->official_base, NULL, g->prof->threshold,
                              &p->official_summary, d);
}

const double *mg_app_baseline_values(const mg_app_profession *p, enum mg_baseline b)
{
    return b == MG_BASELINE_OFFICIAL ? p->official_base : p->g->apl;
}

const mg_summary *mg_app_baseline_summary(const mg_app_profession *p, enum mg_baseline b)
{
    return b == MG_BASELINE_OFFICIAL ? &p->official_summary : &p->summary;
}

const mg_app_profession *mg_app_profession_get(const mg_app *a, const char *key)
{
    if (!key || !*key)
        key = "mg";
    for (size_t k = 0; k < MG_APP_PROFESSIONS; k++)
        if (strcmp(prof_keys[k], key) == 0)
            return a->prof[k].g ? &a->prof[k] : NULL;
    return NULL;
}

typedef struct dep_ctx {
    const char *code;
    char *name;
    size_t cap;
} dep_ctx;

static int on_departement(void *ctx, json_t *e, unsigned long line, unsigned long col, mg_diag *d)
{
    (void)line, (void)col, (void)d;
    dep_ctx *c = ctx;
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *nom = json_string_value(json_object_get(e, "nom"));
    if (code && nom && strcmp(code, c->code) == 0)
        snprintf(c->name, c->cap, "%s (%s)", nom, code);
    return MG_OK;
}

/* "Aude (11)" from departements.json when the France folder has it; the
 * département code of the first study commune otherwise. */
static void territory_name(mg_app *a, const char *france)
{
    const mg_diagnosis *g = a->prof[0].g;
    const char *dep = g->study_n ? g->t->dep[g->study[0]] : "";
    snprintf(a->territory_name, sizeof a->territory_name, "département %s", dep);
    char *path = NULL;
    mg_diag d = {{0}};
    mg_reader *r = NULL;
    if (mg_find_data_file(&path, france, "departements.json", &d) == MG_OK &&
        mg_reader_open(&r, path, &d) == MG_OK) {
        dep_ctx c = {dep, a->territory_name, sizeof a->territory_name};
        if (mg_json_stream_array(r, NULL, on_departement, &c, &d) != MG_OK)
            snprintf(a->territory_name, sizeof a->territory_name, "département %s", dep);
    }
    mg_reader_close(r);
    free(path);
}

/* qsort has no context: the ranking copies values beside indices. */
typedef struct ranked {
    double v;
    size_t i;
} ranked;

static int cmp_ranked(const void *x, const void *y)
{
    const ranked *a = x, *b = y;
    if (a->v != b->v)
        return (a->v < b->v) - (a->v > b->v);
    return (a->i > b->i) - (a->i < b->i);
}

static int build_ranks(mg_app_profession *p)
{
    const mg_diagnosis *g = p->g;
    ranked *r = mg_alloc_array(g->study_n, sizeof *r);
    p->rank = mg_alloc_array(g->t->n, sizeof *p->rank);
    if (!r || !p->rank) {
        free(r);
        return MG_ENOMEM;
    }
    for (size_t k = 0; k < g->study_n; k++)
        r[k] = (ranked){g->apl[g->study[k]], g->study[k]};
    qsort(r, g->study_n, sizeof *r, cmp_ranked);
    for (size_t k = 0; k < g->study_n; k++)
        p->rank[r[k].i] = k + 1;
    free(r);
    return MG_OK;
}

void mg_app_free(mg_app *a)
{
    if (!a)
        return;
    if (a->graph)
        mg_graph_close(a->graph);
    for (size_t k = 0; k < MG_APP_PROFESSIONS; k++) {
        mg_scenario_engine_free(a->prof[k].engine);
        mg_summary_free(&a->prof[k].summary);
        for (int m = 0; m < MG_APP_MEASURES; m++) {
            free(a->prof[k].measure[m]);
            mg_summary_free(&a->prof[k].measure_summary[m]);
        }
        free(a->prof[k].rank);
        free(a->prof[k].official_base);
        free(a->prof[k].official_flags);
        mg_summary_free(&a->prof[k].official_summary);
        mg_diagnosis_free(a->prof[k].g);
    }
    mg_map_geometry_free(a->geometry);
    web_finder_free(a->finder);
    mg_db_close(a->db);
    mg_router_free(a->router);
    for (size_t k = 0; k < a->nlayers; k++)
        mg_layer_free(a->layers[k]);
    free(a->routes);
    free(a);
}

/* Every page family, in the order their routes are tried. */
static const web_route *const families[] = {
    web_routes_pages, web_routes_scenarios, web_routes_downloads, web_routes_api, web_routes_plan,
    web_routes_login, web_routes_account, web_routes_organisations, web_routes_api_accounts,
    web_routes_fiche, web_routes_assets, web_routes_finder, web_routes_api_directory,
    web_routes_directory, web_routes_meetings,
    /* The contract families with fixed paths under /contrats/ (the import
     * template, the dispositif's bilan) before /contrats/{id}. */
    web_routes_contract_import, web_routes_contract_report, web_routes_contracts,
    web_routes_contract_budget, web_routes_contract_indicators, web_routes_contract_amendments,
    web_routes_api_contracts,
    /* The single window: fixed paths (/guichet/appels…, /guichet/financeurs…)
     * are in funding_calls.c, tried before the request's pages. */
    web_routes_funding_calls, web_routes_funding, web_routes_funding_instruction,
    web_routes_funding_attachments, web_routes_funding_aftergrant, web_routes_api_funding,
    /* Telehealth equipment: the public's booking, the hosts', the
     * teleconsultants' and the network owner's pages, the API. */
    web_routes_booking_public, web_routes_booking_host, web_routes_booking_teleconsultant,
    web_routes_booking_network, web_routes_api_booking,
    /* Mobile services' rounds: the organisation's /tournees/services… before
     * the public's /tournees/{id}, then the API. */
    web_routes_rounds, web_routes_rounds_plans, web_routes_rounds_public, web_routes_api_rounds,
};

/* What the router keeps for one route: the route and the application. */
struct mg_app_route {
    const web_route *route;
    const mg_app *app;
};

/*
 * The one entry of every route: builds the handler's context, finds who
 * is asking and checks they may call the route (web_gate), then runs the
 * handler, which checks rights on the object it serves (web_allow).
 */
static int dispatch(void *binding, const mg_http_request *r, mg_http_response *res)
{
    const struct mg_app_route *b = binding;
    web_ctx ctx = {.app = b->app, .req = r, .res = res};
    if (!web_gate(&ctx, b->route))
        return MG_OK;
    int rc = b->route->fn(&ctx);
    /* What a visitor without account reads, with no form token in it, may
     * be compressed (mg_http_compress): public pages, maps, downloads. */
    if (rc == MG_OK && ctx.actor && ctx.actor->account_id == 0 && !ctx.csrf[0] && !ctx.bearer)
        res->compressible = true;
    return rc;
}

size_t mg_app_route_count(const mg_app *a)
{
    return a->nroutes;
}

void mg_app_route_at(const mg_app *a, size_t k, const char **method, const char **pattern)
{
    *method = a->routes[k].route->method;
    *pattern = a->routes[k].route->pattern;
}

static int register_routes(mg_app *a)
{
    size_t n = 0;
    for (size_t f = 0; f < sizeof families / sizeof *families; f++)
        for (const web_route *r = families[f]; r->method; r++)
            n++;
    a->routes = calloc(n, sizeof *a->routes);
    if (!a->routes)
        return MG_ENOMEM;
    a->nroutes = n;
    size_t k = 0;
    for (size_t f = 0; f < sizeof families / sizeof *families; f++)
        for (const web_route *r = families[f]; r->method; r++, k++) {
            a->routes[k] = (struct mg_app_route){r, a};
            int rc = mg_router_add(a->router, r->method, r->pattern, dispatch, &a->routes[k]);
            if (rc)
                return rc;
        }
    return MG_OK;
}

/* The layers of cfg, on the territory every profession shares (each
 * diagnosis loads the same communes, so indices agree). */
static int load_layers(mg_app *a, const mg_app_config *cfg, mg_diag *d)
{
    if (cfg->nlayers > MG_APP_MAX_LAYERS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "at most %d layers", MG_APP_MAX_LAYERS);
    const mg_territory *t = a->prof[0].g->t;
    for (size_t k = 1; k < MG_APP_PROFESSIONS; k++)
        if (a->prof[k].g->t->n != t->n)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "the professions' territories differ: layers cannot be shared");
    for (size_t k = 0; k < cfg->nlayers; k++) {
        int rc = mg_layer_load(t, cfg->layers[k], &a->layers[k], d);
        if (rc)
            return rc;
        a->nlayers = k + 1;
        for (size_t j = 0; j < k; j++)
            if (strcmp(a->layers[j]->key, a->layers[k]->key) == 0)
                return mg_diag_set(d, MG_EINVAL, cfg->layers[k], 0, 0,
                                   "a layer named \"%s\" is loaded already (%s): rename one "
                                   "of the descriptors", a->layers[k]->key, cfg->layers[j]);
    }
    return MG_OK;
}

const struct mg_layer *mg_app_layer(const mg_app *a, const char *key)
{
    for (size_t k = 0; key && k < a->nlayers; k++)
        if (strcmp(a->layers[k]->key, key) == 0)
            return a->layers[k];
    return NULL;
}

int mg_app_new(mg_app **out, const mg_app_config *cfg, mg_progress_fn progress, void *pctx,
               mg_diag *d)
{
    *out = NULL;
    mg_app *a = calloc(1, sizeof *a);
    if (!a)
        return MG_ENOMEM;
    /* The database first: a wrong address or a newer schema is told at
     * once, before the seconds spent loading the territory. */
    int rc = mg_db_open(&a->db, cfg->database, &cfg->db_options, d);
    if (rc)
        goto fail;
    for (size_t k = 0; k < MG_APP_PROFESSIONS; k++) {
        mg_diagnosis_opts o = cfg->opts;
        o.profession = prof_keys[k];
        if (progress)
            progress(pctx, prof_keys[k], (double)k / MG_APP_PROFESSIONS);
        mg_app_profession *p = &a->prof[k];
        if ((rc = mg_diagnosis_load(&p->g, &o, NULL, NULL, d)) ||
            (rc = mg_scenario_engine_new(&p->engine, p->g, d)) ||
            (rc = mg_summary_compute(p->g, p->g->apl, p->g->official, p->g->prof->threshold,
                                     &p->summary, d)) ||
            (rc = build_ranks(p)) || (rc = build_measures(p, d)) ||
            (rc = build_official_base(p, d)))
            goto fail;
    }
    const mg_diagnosis *g = a->prof[0].g;
    if ((rc = mg_map_geometry_build(&a->geometry, g->t, g->study, g->study_n, 0, d)))
        goto fail;
    territory_name(a, cfg->opts.france);
    if ((rc = web_finder_load(&a->finder, g->t, cfg->opts.france, d)))
        goto fail;
    if ((rc = load_layers(a, cfg, d)))
        goto fail;
    /* The diagnosis has its travel times already; the graph stays open for
     * the rounds, whose stops and bases are points of their own. */
    if (cfg->opts.graph && (rc = mg_graph_open(cfg->opts.graph, &a->graph, d)))
        goto fail;
    a->baseline = cfg->baseline < MG_BASELINE_COUNT ? cfg->baseline : MG_BASELINE_MODEL;
    a->finder_cache_s = cfg->finder_cache_s == 0  ? MG_APP_FINDER_CACHE_S
                        : cfg->finder_cache_s < 0 ? 0
                        : cfg->finder_cache_s > MG_APP_FINDER_CACHE_MAX_S
                            ? MG_APP_FINDER_CACHE_MAX_S
                            : cfg->finder_cache_s;
    if (cfg->public_url) {
        size_t len = strlen(cfg->public_url);
        while (len && cfg->public_url[len - 1] == '/')
            len--;
        if (len >= sizeof a->public_url) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "--public-url: longer than %zu bytes",
                             sizeof a->public_url - 1);
            goto fail;
        }
        memcpy(a->public_url, cfg->public_url, len);
        a->public_url[len] = '\0';
        a->secure = strncmp(a->public_url, "https://", 8) == 0;
        /* The single window's mails link to the request's page there. */
        mg_subsidy_set_public_url(a->public_url);
    }
    a->router = mg_router_new();
    if (!a->router) {
        rc = MG_ENOMEM;
        goto fail;
    }
    if ((rc = register_routes(a)))
        goto fail;
    if (progress)
        progress(pctx, "ready", 1);
    *out = a;
    return MG_OK;
fail:
    mg_app_free(a);
    return rc;
}
