/* Downloads: the commune table as CSV or GeoJSON, the map as SVG or PNG,
 * for the current situation (?profession=, ?mesure=) or a scenario
 * (?scenario=ID, with ?ecart=1 for the difference map). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "output/table.h"
#include "web/messages.h"
#include "web/web.h"

/* What a download shows: base values of a measure, or a scenario. */
typedef struct view {
    const mg_app_profession *p;
    web_scenario w;
    bool is_scenario, diff;
    bool official; /* the APL today on the official baseline (?base=officielle) */
    double *values; /* t->n, owned */
    double *clamped, *fallback; /* official baseline: 1 where flagged, t->n, owned */
    char title[256];
    const char *measure;
    int mk; /* index of the measure (mg_app_measure); 0, the APL, for a scenario */
} view;

static void view_free(view *v)
{
    web_scenario_free(&v->w);
    free(v->values);
    free(v->clamped);
    free(v->fallback);
    v->values = v->clamped = v->fallback = NULL;
}

/*
 * Fills v from the request: 0, or 1 when the request was refused (the
 * error already answered), or a negative MG_E… code. The caller frees v in
 * every case.
 */
static int view_get(web_ctx *ctx, view *v)
{
    const mg_app *a = ctx->app;
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    *v = (view){0};
    const char *sc = mg_http_query(r, "scenario");
    /* A scenario shared by link: its token instead of its id. */
    const char *shared = mg_http_query(r, "partage");
    const char *ecart = mg_http_query(r, "ecart");
    v->diff = ecart && strcmp(ecart, "1") == 0;
    int mk = 0;
    if (sc || shared) {
        if (shared ? web_scenario_load_shared(ctx, shared, &v->w)
                   : web_scenario_load(ctx, sc, MG_AUTH_VIEW, &v->w))
            return 1;
        v->is_scenario = true;
        v->p = v->w.p;
        v->measure = "apl";
    } else {
        v->p = web_profession(a, r, res);
        if (!v->p)
            return 1;
        if (v->diff) {
            mg_http_error(r, res, 400, web_msg_fr(WEB_MSG_DIFF_NEEDS_SCENARIO));
            return 1;
        }
        v->measure = mg_http_query(r, "mesure");
        if (!v->measure || !*v->measure)
            v->measure = "apl";
        mk = mg_app_measure_index(v->measure);
        if (mk < 0) {
            mg_http_error(r, res, 400, web_msg_fr(WEB_MSG_MEASURE_UNKNOWN_API));
            return 1;
        }
        enum mg_baseline base = web_baseline(ctx);
        if (base == MG_BASELINE_COUNT)
            return 1;
        v->official = mk == 0 && base == MG_BASELINE_OFFICIAL;
    }
    v->mk = mk;
    const mg_diagnosis *g = v->p->g;
    v->values = mg_alloc_array(g->t->n, sizeof *v->values);
    if (!v->values)
        return MG_ENOMEM;
    if (v->is_scenario) {
        /* On the scenario's baseline (?base=): the official value plus the
         * model's change, or the model's value. */
        for (size_t i = 0; i < g->t->n; i++)
            v->values[i] = v->diff ? v->w.shown[i] - v->w.before[i] : v->w.shown[i];
        snprintf(v->title, sizeof v->title, "%s — scénario « %s »",
                 v->diff ? "Écart d'APL"
                 : v->w.base == MG_BASELINE_OFFICIAL ? mg_baseline_label_fr(v->w.base)
                                                     : "APL",
                 v->w.rec.name);
        if (v->w.base == MG_BASELINE_OFFICIAL) {
            v->clamped = mg_alloc_array(g->t->n, sizeof *v->clamped);
            v->fallback = mg_alloc_array(g->t->n, sizeof *v->fallback);
            if (!v->clamped || !v->fallback)
                return MG_ENOMEM;
            for (size_t i = 0; i < g->t->n; i++) {
                v->clamped[i] = (v->w.flags[i] & MG_BASELINE_F_CLAMPED) ? 1 : 0;
                v->fallback[i] = (v->w.flags[i] & MG_BASELINE_F_MODEL_FALLBACK) ? 1 : 0;
            }
        }
    } else if (v->official) {
        /* The APL on the official baseline: the DREES values, the model's
         * where it has none (flagged in the table). */
        memcpy(v->values, v->p->official_base, g->t->n * sizeof *v->values);
        snprintf(v->title, sizeof v->title, "APL officielle (DREES) — %s — %s", g->prof->label,
                 a->territory_name);
        v->fallback = mg_alloc_array(g->t->n, sizeof *v->fallback);
        if (!v->fallback)
            return MG_ENOMEM;
        for (size_t i = 0; i < g->t->n; i++)
            v->fallback[i] = (v->p->official_flags[i] & MG_BASELINE_F_MODEL_FALLBACK) ? 1 : 0;
    } else {
        memcpy(v->values, v->p->measure[mk], g->t->n * sizeof *v->values);
        snprintf(v->title, sizeof v->title, "%s — %s — %s", mg_app_measure(mk)->label,
                 g->prof->label, a->territory_name);
    }
    return 0;
}

/* What a handler returns for view_get's result rc (v freed). */
static int view_refused(view *v, int rc)
{
    view_free(v);
    return rc > 0 ? MG_OK : rc;
}

static int map_svg(const mg_app *a, view *v, mg_buf *out)
{
    const mg_diagnosis *g = v->p->g;
    /* The measure's own unit, legend and colour direction, as on the
     * territory page; a difference map keeps its diverging colours. */
    const mg_app_measure_info *m = mg_app_measure(v->mk);
    bool apl = m->apl && !v->diff;
    mg_map_style style = mg_map_style_for(v->values, g->study, g->study_n,
                                          apl ? g->prof->threshold : NAN, v->diff);
    if (m->low_is_good && !v->diff)
        mg_map_style_reverse(&style);
    mg_map_options opt = {.title = v->title,
                          .unit = v->diff ? "écart" : mg_app_measure_unit(v->mk, g->prof),
                          .legend_title = v->diff ? NULL : m->legend,
                          .no_data_label = m->no_data,
                          .threshold = apl ? g->prof->threshold : NAN,
                          .threshold_label = "seuil de sous-dotation", .highlight = -1,
                          .width = 1000};
    return mg_map_svg(out, a->geometry, g->t, v->values, &style, &opt);
}

static void attachment(mg_http_response *res, const view *v, const char *ext)
{
    if (v->is_scenario)
        snprintf(res->disposition, sizeof res->disposition,
                 "attachment; filename=\"maillage-scenario-%lld%s%s.%s\"", (long long)v->w.rec.id,
                 v->w.base == MG_BASELINE_OFFICIAL ? "-officielle" : "", v->diff ? "-ecart" : "",
                 ext);
    else
        snprintf(res->disposition, sizeof res->disposition,
                 "attachment; filename=\"maillage-%s-%s%s.%s\"", v->p->g->prof->key, v->measure,
                 v->official ? "-officielle" : "", ext);
}

static int carte_svg(web_ctx *ctx)
{
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    view v;
    int rc = view_get(ctx, &v);
    if (rc)
        return view_refused(&v, rc);
    rc = map_svg(a, &v, &res->body);
    res->content_type = "image/svg+xml";
    attachment(res, &v, "svg");
    view_free(&v);
    return rc;
}

static int carte_png(web_ctx *ctx)
{
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    view v;
    int rc = view_get(ctx, &v);
    if (rc)
        return view_refused(&v, rc);
    mg_buf svg;
    mg_buf_init(&svg, MG_HTTP_MAX_RESPONSE);
    mg_diag d = {{0}};
    rc = map_svg(a, &v, &svg);
    if (rc == MG_OK)
        rc = mg_map_png(&res->body, svg.data, svg.len, 1600, &d);
    mg_buf_free(&svg);
    res->content_type = "image/png";
    attachment(res, &v, "png");
    view_free(&v);
    return rc;
}

/* The table through the same writer as the command line. */
static int table(web_ctx *ctx, enum mg_format fmt)
{
    mg_http_response *res = ctx->res;
    view v;
    int rc = view_get(ctx, &v);
    if (rc)
        return view_refused(&v, rc);
    const mg_diagnosis *g = v.p->g;
    mg_column cols[4];
    size_t ncols = 0;
    /* The model's APL under the scenario always; on the official baseline
     * also the value shown (official + the model's change) and its flags,
     * named so that a column says which baseline it is on. */
    if (v.is_scenario) {
        cols[ncols++] = (mg_column){"apl_scenario", v.w.apl};
        if (v.w.base == MG_BASELINE_OFFICIAL) {
            cols[ncols++] = (mg_column){"apl_official_plus_change", v.w.shown};
            cols[ncols++] = (mg_column){"clamped_to_zero", v.clamped};
            cols[ncols++] = (mg_column){"official_missing_model_shown", v.fallback};
        }
    } else if (v.official) {
        /* apl and apl_official are in every table; the baseline's value is
         * apl_official, or apl where this flag is 1. */
        cols[ncols++] = (mg_column){"official_missing_model_shown", v.fallback};
    } else if (strcmp(v.measure, "apl") != 0 && strcmp(v.measure, "officiel") != 0) {
        cols[ncols++] = (mg_column){v.measure, v.values};
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    mg_diag d = {{0}};
    rc = f ? mg_output_table(f, fmt, g, cols, ncols,
                             v.is_scenario ? v.w.base_summary
                             : v.official  ? &v.p->official_summary
                                           : &v.p->summary,
                             &d)
           : MG_ENOMEM;
    if (f)
        fclose(f);
    if (rc == MG_OK)
        rc = mg_buf_append(&res->body, text, len); /* lint-ok: CSV or GeoJSON from the output module */
    free(text);
    res->content_type = fmt == MG_FORMAT_CSV ? "text/csv; charset=utf-8" : "application/geo+json";
    attachment(res, &v, fmt == MG_FORMAT_CSV ? "csv" : "geojson");
    view_free(&v);
    return rc;
}

static int communes_csv(web_ctx *ctx)
{
    return table(ctx, MG_FORMAT_CSV);
}

static int communes_geojson(web_ctx *ctx)
{
    return table(ctx, MG_FORMAT_GEOJSON);
}

const web_route web_routes_downloads[] = {
    {"GET", "/carte.svg", carte_svg, WEB_ANYONE, 0},
    {"GET", "/carte.png", carte_png, WEB_ANYONE, 0},
    {"GET", "/telecharger/communes.csv", communes_csv, WEB_ANYONE, 0},
    {"GET", "/telecharger/communes.geojson", communes_geojson, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
