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
#include <time.h>

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
    v->values = v->clamped = v->fallback = NULL;
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

/* "5 décembre 2026" of today (UTC), for the maps' source line. */
static void today_fr(char *out, size_t cap)
{
    static const char *const months[] = {"janvier", "février", "mars",      "avril",
                                         "mai",     "juin",    "juillet",   "août",
                                         "septembre", "octobre", "novembre", "décembre"};
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    snprintf(out, cap, "%d%s %s %d", tm.tm_mday, tm.tm_mday == 1 ? "er" : "", months[tm.tm_mon],
             tm.tm_year + 1900);
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
    bool framed = v->scope.kind != MG_SCOPE_ALL;
    char date[48], source[256];
    today_fr(date, sizeof date);
    snprintf(source, sizeof source,
             "Source : DREES (APL 2021), INSEE (BPE 2019), Etalab, IGN ; calcul maillage, %s", date);
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
                          .width = 1000,
                          .focus = framed ? v->scope.mark : NULL,
                          .focus_label = framed ? v->scope.label : NULL,
                          .label_count = framed ? 8 : 12,
                          .epci_borders = true,
                          .sites = sites,
                          .nsites = nsites,
                          .scale_bar = true,
                          .source = source};
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

/* What the workbook's figures are computed on: the values shown (before
 * and after for a scenario) over the scope, with their threshold. */
typedef struct wb_figures {
    const double *now, *after; /* after: NULL unless a scenario */
    double threshold;          /* NaN when the measure has none */
    mg_summary s, s_after;
} wb_figures;

/* Communes of the scope below the threshold: the total, and per EPCI of
 * the territory in per_epci (t->nepci entries) when not NULL. */
static size_t count_below(const mg_diagnosis *g, const mg_scope *sc, const double *v, double thr,
                          size_t *per_epci)
{
    size_t n = 0;
    if (per_epci)
        memset(per_epci, 0, g->t->nepci * sizeof *per_epci);
    if (!isfinite(thr))
        return 0;
    for (size_t k = 0; k < sc->n; k++) {
        size_t i = sc->idx[k];
        if (!(v[i] < thr))
            continue;
        n++;
        if (per_epci && g->t->epci[i] >= 0)
            per_epci[g->t->epci[i]]++;
    }
    return n;
}

/* The count of the EPCI coded `code` in per_epci (0 when unknown). */
static size_t epci_count(const mg_territory *t, const size_t *per_epci, const char *code)
{
    for (size_t e = 0; e < t->nepci; e++)
        if (strcmp(t->epci_code[e], code) == 0)
            return per_epci[e];
    return 0;
}

static const char *yes_no(double flag)
{
    return !isfinite(flag) ? "" : flag != 0 ? "oui" : "non";
}

/* "Communes": the CSV's columns with French headers, then for a scenario
 * before, after and difference on its baseline. */
static int sheet_communes(mg_workbook *wb, const view *v, const wb_figures *fig, mg_diag *d)
{
    const mg_diagnosis *g = v->p->g;
    const mg_territory *t = g->t;
    mg_column extra[4];
    bool flag[4];
    size_t nextra = extra_columns(v, extra, flag);
    int dec = mg_app_measure(v->mk)->decimals;
    mg_wb_column cols[MG_TABLE_COLUMNS + 4 + 3];
    static const double widths[MG_TABLE_COLUMNS] = {11, 28, 13, 17, 40, 12, 14, 11, 12, 14, 10};
    static const int decs[MG_TABLE_COLUMNS] = {MG_WB_TEXT, MG_WB_TEXT, MG_WB_TEXT, MG_WB_TEXT,
                                               MG_WB_TEXT, 0, 0, 0, 2, 2, MG_WB_TEXT};
    size_t nc = 0;
    for (size_t c = 0; c < MG_TABLE_COLUMNS; c++)
        cols[nc++] = (mg_wb_column){mg_table_columns[c].label_fr, widths[c], decs[c]};
    for (size_t c = 0; c < nextra; c++)
        cols[nc++] = (mg_wb_column){extra[c].label_fr, flag[c] ? 14 : 16,
                                    flag[c] ? MG_WB_TEXT : v->is_scenario ? 2 : dec};
    if (fig->after) {
        cols[nc++] = (mg_wb_column){"APL avant", 12, 2};
        cols[nc++] = (mg_wb_column){"APL après", 12, 2};
        cols[nc++] = (mg_wb_column){"Écart (après − avant)", 14, 3};
    }
    int rc = mg_workbook_sheet(wb, "Communes", cols, nc, true, d);
    if (rc)
        return rc;
    bool thr = isfinite(g->prof->threshold);
    for (size_t k = 0; k < v->scope.n; k++) {
        size_t i = v->scope.idx[k], r = k + 1, c = 0;
        mg_workbook_text(wb, r, c++, t->code[i]);
        mg_workbook_text(wb, r, c++, t->name[i]);
        mg_workbook_text(wb, r, c++, t->dep[i]);
        mg_workbook_text(wb, r, c++, t->epci[i] >= 0 ? t->epci_code[t->epci[i]] : "");
        mg_workbook_text(wb, r, c++, t->epci[i] >= 0 ? t->epci_name[t->epci[i]] : "");
        /* The CSV's numbers (12 significant digits), so that both read the same. */
        mg_workbook_number(wb, r, c++, mg_output_round(t->population[i]));
        mg_workbook_number(wb, r, c++, mg_output_round(g->demand[i]));
        mg_workbook_number(wb, r, c++, mg_output_round(g->heads[i]));
        mg_workbook_number(wb, r, c++, mg_output_round(g->apl[i]));
        mg_workbook_number(wb, r, c++, mg_output_round(g->official[i]));
        mg_workbook_text(wb, r, c++, thr ? (mg_output_under_served(g, i) ? "oui" : "non") : "");
        for (size_t e = 0; e < nextra; e++, c++) {
            if (flag[e])
                mg_workbook_text(wb, r, c, yes_no(extra[e].values[i]));
            else
                mg_workbook_number(wb, r, c, mg_output_round(extra[e].values[i]));
        }
        if (fig->after) {
            mg_workbook_number(wb, r, c++, mg_output_round(fig->now[i]));
            mg_workbook_number(wb, r, c++, mg_output_round(fig->after[i]));
            mg_workbook_number(wb, r, c++,
                               mg_output_round(fig->after[i]) - mg_output_round(fig->now[i]));
        }
    }
    return MG_OK;
}

/* "EPCI": each EPCI of the scope, its figures over the scope's communes. */
static int sheet_epci(mg_workbook *wb, const view *v, const wb_figures *fig, mg_diag *d)
{
    const mg_diagnosis *g = v->p->g;
    const mg_app_measure_info *m = mg_app_measure(v->mk);
    int dec = v->is_scenario ? 2 : m->decimals;
    bool thr = isfinite(fig->threshold);
    mg_wb_column cols[16];
    size_t nc = 0;
    cols[nc++] = (mg_wb_column){"Code EPCI (SIREN)", 17, MG_WB_TEXT};
    cols[nc++] = (mg_wb_column){"EPCI", 40, MG_WB_TEXT};
    cols[nc++] = (mg_wb_column){"Communes", 10, 0};
    cols[nc++] = (mg_wb_column){"Habitants", 12, 0};
    cols[nc++] = (mg_wb_column){"Population standardisée", 14, 0};
    if (fig->after) {
        cols[nc++] = (mg_wb_column){"APL moyenne avant (pondérée)", 14, 2};
        cols[nc++] = (mg_wb_column){"APL moyenne après (pondérée)", 14, 2};
        cols[nc++] = (mg_wb_column){"Écart de l'APL moyenne", 14, 3};
        if (thr) {
            cols[nc++] = (mg_wb_column){"Communes sous le seuil avant", 14, 0};
            cols[nc++] = (mg_wb_column){"Communes sous le seuil après", 14, 0};
            cols[nc++] = (mg_wb_column){"Habitants sous le seuil avant", 14, 0};
            cols[nc++] = (mg_wb_column){"Habitants sous le seuil après", 14, 0};
            cols[nc++] = (mg_wb_column){"Écart des habitants sous le seuil", 14, 0};
        }
    } else {
        cols[nc++] = (mg_wb_column){m->mean_label, 16, dec};
        cols[nc++] = (mg_wb_column){"Minimum", 11, dec};
        cols[nc++] = (mg_wb_column){"Maximum", 11, dec};
        if (m->apl) {
            cols[nc++] = (mg_wb_column){"APL officielle moyenne (DREES, pondérée)", 16, 2};
        }
        if (thr) {
            cols[nc++] = (mg_wb_column){"Communes sous le seuil", 12, 0};
            cols[nc++] = (mg_wb_column){"Habitants sous le seuil", 12, 0};
            cols[nc++] = (mg_wb_column){"Part de la population standardisée sous le seuil (%)",
                                        16, 1};
        }
    }
    int rc = mg_workbook_sheet(wb, "EPCI", cols, nc, true, d);
    if (rc)
        return rc;
    const mg_territory *t = g->t;
    size_t *below = mg_alloc_array(t->nepci ? 2 * t->nepci : 1, sizeof *below);
    if (!below)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    size_t *below_after = below + t->nepci;
    count_below(g, &v->scope, fig->now, fig->threshold, below);
    if (fig->after)
        count_below(g, &v->scope, fig->after, fig->threshold, below_after);
    for (size_t e = 0; e < fig->s.nepci; e++) {
        const mg_area_summary *a = &fig->s.epci[e];
        size_t r = e + 1, c = 0;
        mg_workbook_text(wb, r, c++, a->code);
        mg_workbook_text(wb, r, c++, a->name);
        mg_workbook_number(wb, r, c++, (double)a->communes);
        mg_workbook_number(wb, r, c++, a->population);
        mg_workbook_number(wb, r, c++, a->demand);
        if (fig->after) {
            const mg_area_summary *b = e < fig->s_after.nepci ? &fig->s_after.epci[e] : a;
            mg_workbook_number(wb, r, c++, a->mean);
            mg_workbook_number(wb, r, c++, b->mean);
            mg_workbook_number(wb, r, c++, b->mean - a->mean);
            if (thr) {
                mg_workbook_number(wb, r, c++, (double)epci_count(t, below, a->code));
                mg_workbook_number(wb, r, c++, (double)epci_count(t, below_after, a->code));
                mg_workbook_number(wb, r, c++, a->below_population);
                mg_workbook_number(wb, r, c++, b->below_population);
                mg_workbook_number(wb, r, c++, b->below_population - a->below_population);
            }
        } else {
            mg_workbook_number(wb, r, c++, a->mean);
            mg_workbook_number(wb, r, c++, a->min);
            mg_workbook_number(wb, r, c++, a->max);
            if (m->apl)
                mg_workbook_number(wb, r, c++, a->official_mean);
            if (thr) {
                mg_workbook_number(wb, r, c++, (double)epci_count(t, below, a->code));
                mg_workbook_number(wb, r, c++, a->below_population);
                mg_workbook_number(wb, r, c++, 100 * a->below_share);
            }
        }
    }
    free(below);
    return MG_OK;
}

/* One row of the key figures: before, and for a scenario after and the
 * difference. */
static void key_row(mg_workbook *wb, size_t *r, bool scenario, const char *label, double before,
                    double after, int dec)
{
    mg_workbook_text(wb, *r, 0, label);
    mg_workbook_number_as(wb, *r, 1, before, dec);
    if (scenario) {
        mg_workbook_number_as(wb, *r, 2, after, dec);
        mg_workbook_number_as(wb, *r, 3, after - before, dec == 0 ? 0 : dec + 1);
    }
    (*r)++;
}

/* What the values are: the scenario's baseline, the official values
 * today, or the measure. */
static const char *base_label(const view *v)
{
    return v->is_scenario ? mg_baseline_label_fr(v->w.base)
           : v->official  ? "APL officielle (DREES), APL du modèle où elle manque"
                          : mg_app_measure(v->mk)->label;
}

/* "Chiffres clés": the scope's figures. */
static int sheet_key_figures(mg_workbook *wb, const view *v, const wb_figures *fig, mg_diag *d)
{
    const mg_diagnosis *g = v->p->g;
    const mg_app_measure_info *m = mg_app_measure(v->mk);
    bool sc = fig->after != NULL;
    int dec = sc ? 2 : m->decimals;
    mg_wb_column cols[4] = {{"Indicateur", 52, MG_WB_TEXT},
                            {sc ? "Avant" : "Valeur", 16, dec},
                            {"Après", 16, dec},
                            {"Écart (après − avant)", 16, dec}};
    int rc = mg_workbook_sheet(wb, "Chiffres clés", cols, sc ? 4 : 2, true, d);
    if (rc)
        return rc;
    const mg_area_summary *a = &fig->s.territory;
    const mg_area_summary *b = sc ? &fig->s_after.territory : a;
    size_t r = 1;
    mg_workbook_text(wb, r, 0, "Périmètre");
    mg_workbook_text(wb, r++, 1, v->scope.label);
    mg_workbook_text(wb, r, 0, "Profession");
    mg_workbook_text(wb, r++, 1, g->prof->label);
    mg_workbook_text(wb, r, 0, "Mesure");
    mg_workbook_text(wb, r++, 1, base_label(v));
    mg_workbook_text(wb, r, 0, "Unité");
    mg_workbook_text(wb, r++, 1, sc ? g->prof->unit : mg_app_measure_unit(v->mk, g->prof));
    if (sc) {
        mg_workbook_text(wb, r, 0, "Scénario");
        mg_workbook_text(wb, r++, 1, v->w.rec.name);
    }
    key_row(wb, &r, false, "Communes", (double)a->communes, NAN, 0);
    key_row(wb, &r, false, "Habitants", a->population, NAN, 0);
    key_row(wb, &r, false, "Population standardisée", a->demand, NAN, 0);
    key_row(wb, &r, sc, sc ? "APL moyenne (pondérée par la population standardisée)"
                           : m->mean_label,
            a->mean, b->mean, dec);
    key_row(wb, &r, sc, "Minimum", a->min, b->min, dec);
    key_row(wb, &r, sc, "Maximum", a->max, b->max, dec);
    if (isfinite(fig->threshold)) {
        key_row(wb, &r, false, "Seuil de sous-dotation", fig->threshold, NAN, 2);
        key_row(wb, &r, sc, "Communes sous le seuil",
                (double)count_below(g, &v->scope, fig->now, fig->threshold, NULL),
                sc ? (double)count_below(g, &v->scope, fig->after, fig->threshold, NULL) : NAN, 0);
        key_row(wb, &r, sc, "Habitants sous le seuil", a->below_population, b->below_population,
                0);
        key_row(wb, &r, sc, "Part de la population standardisée sous le seuil (%)",
                100 * a->below_share, 100 * b->below_share, 1);
    }
    if (!sc && m->apl && isfinite(a->official_mean))
        key_row(wb, &r, false, "APL officielle moyenne (DREES, pondérée)", a->official_mean, NAN,
                2);
    key_row(wb, &r, sc, "Indice de Gini", a->gini, b->gini, 3);
    key_row(wb, &r, sc, "Rapport interdécile D9/D1", a->d9d1, b->d9d1, 2);
    return MG_OK;
}

/* "Sources et méthode": where the figures come from and how. */
static int sheet_sources(mg_workbook *wb, const mg_app *a, const view *v, const wb_figures *fig,
                         mg_diag *d)
{
    const mg_diagnosis *g = v->p->g;
    const mg_diagnosis_opts *o = &g->opts;
    mg_wb_column cols[2] = {{"Rubrique", 28, MG_WB_TEXT}, {"Détail", 100, MG_WB_TEXT}};
    int rc = mg_workbook_sheet(wb, "Sources et méthode", cols, 2, false, d);
    if (rc)
        return rc;
    char buf[1024], date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%d/%m/%Y à %H:%M (UTC)", &tm);
    size_t r = 0;
#define ROW(k, text)                                                                               \
    do {                                                                                           \
        mg_workbook_text(wb, r, 0, k);                                                             \
        mg_workbook_text(wb, r++, 1, text);                                                        \
    } while (0)
    ROW("Document", v->title);
    ROW("Périmètre", v->scope.label);
    snprintf(buf, sizeof buf, "%zu communes du territoire d'étude (%s)%s", v->scope.n,
             a->territory_name,
             v->scope.kind != MG_SCOPE_ALL
                 ? " ; les valeurs sont calculées avec toutes les communes voisines, même hors du "
                   "périmètre"
                 : "");
    ROW("Communes", buf);
    ROW("Date d'extraction", date);
    ROW("Données",
        "DREES (APL 2021, valeurs officielles), INSEE (BPE 2019 : praticiens ; populations "
        "légales), Etalab (découpage administratif, EPCI), La Poste (points des communes), "
        "IGN — Licence Ouverte 2.0.");
    if (g->official_column) {
        snprintf(buf, sizeof buf, "colonne « %s » du fichier de la DREES", g->official_column);
        ROW("APL officielle", buf);
    }
    ROW("Méthode",
        "Accessibilité potentielle localisée (APL) calculée par maillage selon la méthode de la "
        "DREES (E2SFCA : offre des praticiens rapportée à la population standardisée par l'âge "
        "dans leur zone, puis sommée pour chaque commune avec un poids décroissant avec le "
        "temps d'accès). Moyennes pondérées par la population standardisée ; « sous le seuil » : "
        "APL inférieure au seuil de sous-dotation. Détails : page « Méthode et limites » du "
        "site (/methode).");
    snprintf(buf, sizeof buf, "%s (%s)", g->prof->label, g->prof->unit);
    ROW("Profession et unité", buf);
    if (isfinite(fig->threshold)) {
        snprintf(buf, sizeof buf, "%.2f %s", fig->threshold, g->prof->unit);
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = ',';
        ROW("Seuil de sous-dotation", buf);
    }
    ROW("Valeurs", base_label(v));
    if (v->is_scenario) {
        snprintf(buf, sizeof buf, "« %s » (n° %lld) : valeurs avant et après le scénario, et leur "
                                  "écart",
                 v->w.rec.name, (long long)v->w.rec.id);
        ROW("Scénario", buf);
    }
    bool road = o->matrix || o->graph || o->osm;
    if (!road)
        snprintf(buf, sizeof buf,
                 "à vol d'oiseau : détour %.2f, vitesse %.0f km/h, %.1f min d'accès, dispersion "
                 "%.1f min",
                 o->crowfly.detour, o->crowfly.speed_kmh, o->crowfly.access_min, o->time_spread);
    else
        snprintf(buf, sizeof buf, "%s", o->matrix ? "matrice de temps fournie" : "réseau routier");
    ROW("Temps de trajet", buf);
    snprintf(buf, sizeof buf,
             "exposant d'activité %.2f (référence %.0f), %.1f praticien(s) compté(s) par centre "
             "de santé, zone de recherche %.0f min, %s, communes voisines %s, points %s",
             o->activity_exponent, o->activity_reference, o->centre_heads, o->catchment,
             o->model_explicit ? "paramètres choisis" : "paramètres calibrés par défaut",
             o->neighbours ? "comptées" : "ignorées",
             o->points == MG_POINTS_CONTOURS ? "des contours" : "de La Poste");
    for (char *p = buf; *p; p++)
        if (*p == '.')
            *p = ',';
    ROW("Paramètres du modèle", buf);
    ROW("Logiciel", "maillage — logiciel libre (Apache 2.0)");
#undef ROW
    return MG_OK;
}

static int communes_xlsx(web_ctx *ctx)
{
    mg_http_response *res = ctx->res;
    view v;
    int rc = view_get(ctx, &v);
    if (rc)
        return view_refused(&v, rc);
    const mg_diagnosis *g = v.p->g;
    const mg_app_measure_info *m = mg_app_measure(v.mk);
    wb_figures fig = {0};
    if (v.is_scenario) {
        fig.now = v.w.before;
        fig.after = v.w.shown;
        fig.threshold = g->prof->threshold;
    } else {
        fig.now = v.values;
        fig.threshold = m->apl ? g->prof->threshold : NAN;
    }
    mg_diag d = {{0}};
    rc = mg_scope_summary(g, &v.scope, fig.now, m->apl && !v.is_scenario ? g->official : NULL,
                          fig.threshold, &fig.s, &d);
    if (rc == MG_OK && fig.after)
        rc = mg_scope_summary(g, &v.scope, fig.after, NULL, fig.threshold, &fig.s_after, &d);
    mg_workbook *wb = NULL;
    if (rc == MG_OK)
        rc = mg_workbook_new(&wb, &d);
    if (rc == MG_OK)
        rc = sheet_communes(wb, &v, &fig, &d);
    if (rc == MG_OK)
        rc = sheet_epci(wb, &v, &fig, &d);
    if (rc == MG_OK)
        rc = sheet_key_figures(wb, &v, &fig, &d);
    if (rc == MG_OK)
        rc = sheet_sources(wb, ctx->app, &v, &fig, &d);
    if (rc == MG_OK) {
        rc = mg_workbook_finish(wb, &res->body, &d);
        wb = NULL;
    }
    mg_workbook_free(wb);
    res->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    attachment(res, &v, "", "xlsx");
    mg_summary_free(&fig.s);
    mg_summary_free(&fig.s_after);
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
