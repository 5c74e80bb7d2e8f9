/* Downloads: the commune table as CSV (and its French-spreadsheet
 * variant), GeoJSON or an XLSX workbook, the map as SVG or PNG, for the
 * current situation (?profession=, ?mesure=, ?base=) or a scenario
 * (?scenario=ID or ?partage=TOKEN, with ?ecart=1 for the difference map),
 * over the territory or a scope (?perimetre=, diagnosis/scope.h): the
 * scope's communes only, their values computed with every neighbour. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "diagnosis/scope.h"
#include "output/table.h"
#include "output/workbook.h"
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
    double *below;              /* official baseline with a threshold: 1 below it, t->n, owned */
    char title[1024]; /* a scenario name (200 characters) and a scope label fit whole */
    const char *measure;
    int mk; /* index of the measure (mg_app_measure); 0, the APL, for a scenario */
    mg_scope scope; /* ?perimetre=: the whole territory when absent */
    char slug[96];  /* the scope in file names: "" for the whole territory */
} view;

static void view_free(view *v)
{
    web_scenario_free(&v->w);
    free(v->values);
    free(v->clamped);
    free(v->fallback);
    free(v->below);
    v->values = v->clamped = v->fallback = v->below = NULL;
    mg_scope_free(&v->scope);
}

/* The scope's label as a file name part: lower-case ASCII letters and
 * digits, French accented letters without their accent, anything else one
 * hyphen ("CC Piège-Lauragais-Malepère" → "cc-piege-lauragais-malepere"). */
static void slugify(const char *label, char *out, size_t cap)
{
    static const struct {
        const char *utf8;
        char ascii;
    } accents[] = {{"à", 'a'}, {"â", 'a'}, {"ä", 'a'}, {"ç", 'c'}, {"é", 'e'}, {"è", 'e'},
                   {"ê", 'e'}, {"ë", 'e'}, {"î", 'i'}, {"ï", 'i'}, {"ô", 'o'}, {"ö", 'o'},
                   {"ù", 'u'}, {"û", 'u'}, {"ü", 'u'}, {"ÿ", 'y'}, {"É", 'e'}, {"È", 'e'},
                   {"Ê", 'e'}, {"À", 'a'}, {"Â", 'a'}, {"Ç", 'c'}, {"Î", 'i'}, {"Ô", 'o'}};
    size_t n = 0;
    bool hyphen = false;
    for (const char *s = label; *s && n + 2 < cap;) {
        char c = 0;
        size_t adv = 1;
        if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))
            c = *s;
        else if (*s >= 'A' && *s <= 'Z')
            c = (char)(*s - 'A' + 'a');
        else
            for (size_t k = 0; k < sizeof accents / sizeof *accents; k++) {
                size_t len = strlen(accents[k].utf8);
                if (strncmp(s, accents[k].utf8, len) == 0) {
                    c = accents[k].ascii;
                    adv = len;
                    break;
                }
            }
        s += adv;
        if (c) {
            if (hyphen && n > 0)
                out[n++] = '-';
            hyphen = false;
            out[n++] = c;
        } else {
            hyphen = true;
        }
    }
    out[n] = '\0';
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
    if (!web_scope(ctx, v->p, &v->scope))
        return 1;
    /* The scope names the file and the title; the whole territory keeps
     * the names and titles it always had. */
    bool scoped = v->scope.kind != MG_SCOPE_ALL;
    if (scoped)
        slugify(v->scope.label, v->slug, sizeof v->slug);
    const char *where = scoped ? v->scope.label : a->territory_name;
    const mg_diagnosis *g = v->p->g;
    v->values = mg_alloc_array(g->t->n, sizeof *v->values);
    if (!v->values)
        return MG_ENOMEM;
    if (v->is_scenario) {
        /* On the scenario's baseline (?base=): the official value plus the
         * model's change, or the model's value. */
        for (size_t i = 0; i < g->t->n; i++)
            v->values[i] = v->diff ? v->w.shown[i] - v->w.before[i] : v->w.shown[i];
        snprintf(v->title, sizeof v->title, "%s — scénario « %s »%s%s",
                 v->diff ? "Écart d'APL"
                 : v->w.base == MG_BASELINE_OFFICIAL ? mg_baseline_label_fr(v->w.base)
                                                     : "APL",
                 v->w.rec.name, scoped ? " — " : "", scoped ? v->scope.label : "");
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
                 where);
        v->fallback = mg_alloc_array(g->t->n, sizeof *v->fallback);
        if (!v->fallback)
            return MG_ENOMEM;
        for (size_t i = 0; i < g->t->n; i++)
            v->fallback[i] = (v->p->official_flags[i] & MG_BASELINE_F_MODEL_FALLBACK) ? 1 : 0;
        double thr = g->prof->threshold;
        if (isfinite(thr)) {
            v->below = mg_alloc_array(g->t->n, sizeof *v->below);
            if (!v->below)
                return MG_ENOMEM;
            for (size_t i = 0; i < g->t->n; i++)
                v->below[i] = v->values[i] < thr ? 1 : 0;
        }
    } else {
        memcpy(v->values, v->p->measure[mk], g->t->n * sizeof *v->values);
        snprintf(v->title, sizeof v->title, "%s — %s — %s", mg_app_measure(mk)->label,
                 g->prof->label, where);
    }
    return 0;
}

/* What a handler returns for view_get's result rc (v freed). */
static int view_refused(view *v, int rc)
{
    view_free(v);
    return rc > 0 ? MG_OK : rc;
}

/*
 * The map of a download, fit for a report: the measure's own unit, legend
 * and colour direction, as on the territory page (a difference map keeps
 * its diverging colours; classes of the whole territory, so that colours
 * read as on the page); the names of the main communes, the EPCI borders,
 * a scale bar, the source and date; framed on the scope with the rest
 * greyed; a scenario's sites marked and named.
 */
static int map_svg(const mg_app *a, view *v, mg_buf *out)
{
    const mg_diagnosis *g = v->p->g;
    const mg_app_measure_info *m = mg_app_measure(v->mk);
    bool apl = m->apl && !v->diff;
    mg_map_style style = mg_map_style_for(v->values, g->study, g->study_n,
                                          apl ? g->prof->threshold : NAN, v->diff);
    if (m->low_is_good && !v->diff)
        mg_map_style_reverse(&style);
    char source[1024];
    web_sources(source, sizeof source, a, v->p);
    mg_map_site *sites = NULL;
    size_t nsites = 0;
    if (v->is_scenario && v->w.s.n) {
        size_t n = v->w.s.n < MG_MAP_MAX_SITES ? v->w.s.n : MG_MAP_MAX_SITES;
        sites = mg_alloc_array(n, sizeof *sites);
        if (!sites)
            return MG_ENOMEM;
        for (size_t k = 0; k < n; k++) {
            const mg_action *act = &v->w.s.actions[k];
            sites[nsites++] = (mg_map_site){.commune = (long)act->commune,
                                            .label = g->t->name[act->commune],
                                            .kind = (unsigned)act->kind % MG_MAP_SITE_KINDS,
                                            .kind_label = mg_resource_label(act->kind)};
        }
    }
    mg_map_options opt = {.title = v->title,
                          .unit = v->diff ? "écart" : mg_app_measure_unit(v->mk, g->prof),
                          .legend_title = v->diff ? NULL : m->legend,
                          .no_data_label = m->no_data,
                          .threshold = apl ? g->prof->threshold : NAN,
                          .threshold_label = "seuil de sous-dotation",
                          .highlight = -1,
                          .sites = sites,
                          .nsites = nsites,
                          .source = source};
    web_report_map_options(&opt, &v->scope);
    int rc = mg_map_svg(out, a->geometry, g->t, v->values, &style, &opt);
    free(sites);
    return rc;
}

static void attachment(mg_http_response *res, const view *v, const char *suffix, const char *ext)
{
    const char *dash = v->slug[0] ? "-" : "";
    if (v->is_scenario)
        snprintf(res->disposition, sizeof res->disposition,
                 "attachment; filename=\"maillage-scenario-%lld%s%s%s%s%s.%s\"",
                 (long long)v->w.rec.id, v->w.base == MG_BASELINE_OFFICIAL ? "-officielle" : "",
                 v->diff ? "-ecart" : "", dash, v->slug, suffix, ext);
    else
        snprintf(res->disposition, sizeof res->disposition,
                 "attachment; filename=\"maillage-%s-%s%s%s%s%s.%s\"", v->p->g->prof->key,
                 v->measure, v->official ? "-officielle" : "", dash, v->slug, suffix, ext);
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
    attachment(res, &v, "", "svg");
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
    attachment(res, &v, "", "png");
    view_free(&v);
    return rc;
}

/* The columns a table adds to the diagnosis's own (at most 4): the model's
 * APL under the scenario always; on the official baseline also the value
 * shown (official + the model's change) and its flags, named so that a
 * column says which baseline it is on. flag[c] is set for the 0/1 columns. */
static size_t extra_columns(const view *v, mg_column cols[static 4], bool flag[static 4])
{
    size_t n = 0;
    if (v->is_scenario) {
        cols[n] = (mg_column){"apl_scenario", v->w.apl, "APL avec le scénario (maillage)"};
        flag[n++] = false;
        if (v->w.base == MG_BASELINE_OFFICIAL) {
            cols[n] = (mg_column){"apl_official_plus_change", v->w.shown,
                                  "APL officielle + effet du scénario"};
            flag[n++] = false;
            cols[n] = (mg_column){"clamped_to_zero", v->clamped, "Ramenée à 0"};
            flag[n++] = true;
            cols[n] = (mg_column){"official_missing_model_shown", v->fallback,
                                  "Sans valeur officielle (APL du modèle)"};
            flag[n++] = true;
        }
    } else if (v->official) {
        /* apl and apl_official are in every table; the baseline's value is
         * apl_official, or apl where this flag is 1. */
        cols[n] = (mg_column){"official_missing_model_shown", v->fallback,
                              "Sans valeur officielle (APL du modèle)"};
        flag[n++] = true;
        /* under_served is the model's flag in every table; the pages,
         * the fiche and the figures count this one on this baseline. */
        if (v->below) {
            cols[n] = (mg_column){"under_served_official_baseline", v->below,
                                  "Sous le seuil (base officielle)"};
            flag[n++] = true;
        }
    } else if (strcmp(v->measure, "apl") != 0 && strcmp(v->measure, "officiel") != 0) {
        cols[n] = (mg_column){v->measure, v->values, mg_app_measure(v->mk)->column};
        flag[n++] = false;
    }
    return n;
}

/* The table through the same writer as the command line. */
static int table(web_ctx *ctx, enum mg_format fmt, bool french)
{
    mg_http_response *res = ctx->res;
    view v;
    int rc = view_get(ctx, &v);
    if (rc)
        return view_refused(&v, rc);
    const mg_diagnosis *g = v.p->g;
    mg_column cols[4];
    bool flag[4];
    size_t ncols = extra_columns(&v, cols, flag);
    mg_table_opts opt = {.rows = v.scope.idx, .nrows = v.scope.n, .french = french};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    mg_diag d = {{0}};
    rc = f ? mg_output_table_opt(f, fmt, g, cols, ncols,
                                 v.is_scenario ? v.w.base_summary
                                 : v.official  ? &v.p->official_summary
                                               : &v.p->summary,
                                 &opt, &d)
           : MG_ENOMEM;
    if (f)
        fclose(f);
    if (rc == MG_OK)
        rc = mg_buf_append(&res->body, text, len); /* lint-ok: CSV or GeoJSON from the output module */
    free(text);
    res->content_type = fmt == MG_FORMAT_CSV ? "text/csv; charset=utf-8" : "application/geo+json";
    attachment(res, &v, french ? "-fr" : "", fmt == MG_FORMAT_CSV ? "csv" : "geojson");
    view_free(&v);
    return rc;
}

static int communes_csv(web_ctx *ctx)
{
    return table(ctx, MG_FORMAT_CSV, false);
}

static int communes_csv_fr(web_ctx *ctx)
{
    return table(ctx, MG_FORMAT_CSV, true);
}

static int communes_geojson(web_ctx *ctx)
{
    return table(ctx, MG_FORMAT_GEOJSON, false);
}

/* --- The XLSX workbook ------------------------------------------------------ */

/* What the values are: the scenario's baseline, the official values
 * today, or the measure. */
static const char *values_label(const view *v)
{
    return v->is_scenario ? mg_baseline_label_fr(v->w.base)
           : v->official  ? "APL officielle (DREES), APL du modèle où elle manque"
                          : mg_app_measure(v->mk)->label;
}

/* The workbook of the view (output/workbook.h): its figures over the
 * scope, on the values shown — before and after for a scenario. */
static int communes_xlsx(web_ctx *ctx)
{
    mg_http_response *res = ctx->res;
    view v;
    int rc = view_get(ctx, &v);
    if (rc)
        return view_refused(&v, rc);
    const mg_diagnosis *g = v.p->g;
    const mg_app_measure_info *m = mg_app_measure(v.mk);
    mg_column cols[4];
    bool flag[4];
    size_t ncols = extra_columns(&v, cols, flag);
    mg_wb_extra extra[4];
    for (size_t c = 0; c < ncols; c++)
        extra[c] = (mg_wb_extra){cols[c], flag[c] ? MG_WB_TEXT : v.is_scenario ? 2 : m->decimals};
    mg_summary s = {0}, s_after = {0};
    char sources[1024];
    web_sources(sources, sizeof sources, ctx->app, v.p);
    mg_workbook_doc doc = {
        .g = g,
        .rows = v.scope.idx,
        .nrows = v.scope.n,
        .scoped = v.scope.kind != MG_SCOPE_ALL,
        .title = v.title,
        .scope_label = v.scope.label,
        .territory_label = ctx->app->territory_name,
        .extra = extra,
        .nextra = ncols,
        .values = v.is_scenario ? v.w.before : v.values,
        .after = v.is_scenario ? v.w.shown : NULL,
        .s = &s,
        .s_after = v.is_scenario ? &s_after : NULL,
        .threshold = v.is_scenario || m->apl ? g->prof->threshold : NAN,
        .values_label = values_label(&v),
        .unit = v.is_scenario ? g->prof->unit : mg_app_measure_unit(v.mk, g->prof),
        .mean_label = v.is_scenario ? "APL moyenne (pondérée)" : m->mean_label,
        .decimals = v.is_scenario ? 2 : m->decimals,
        .official_mean = m->apl && !v.is_scenario,
        .scenario = v.is_scenario ? v.w.rec.name : NULL,
        .scenario_id = v.is_scenario ? (long long)v.w.rec.id : 0,
        .sources = sources,
    };
    mg_diag d = {{0}};
    rc = mg_scope_summary(g, &v.scope, doc.values, doc.official_mean ? g->official : NULL,
                          doc.threshold, &s, &d);
    if (rc == MG_OK && doc.after)
        rc = mg_scope_summary(g, &v.scope, doc.after, NULL, doc.threshold, &s_after, &d);
    if (rc == MG_OK)
        rc = mg_output_workbook(&doc, &res->body, &d);
    res->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    attachment(res, &v, "", "xlsx");
    mg_summary_free(&s);
    mg_summary_free(&s_after);
    view_free(&v);
    return rc;
}

const web_route web_routes_downloads[] = {
    {"GET", "/carte.svg", carte_svg, WEB_ANYONE, 0},
    {"GET", "/carte.png", carte_png, WEB_ANYONE, 0},
    {"GET", "/telecharger/communes.csv", communes_csv, WEB_ANYONE, 0},
    {"GET", "/telecharger/communes-fr.csv", communes_csv_fr, WEB_ANYONE, 0},
    {"GET", "/telecharger/communes.xlsx", communes_xlsx, WEB_ANYONE, 0},
    {"GET", "/telecharger/communes.geojson", communes_geojson, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
