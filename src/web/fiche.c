/*
 * The "fiche territoire" (issue 13, section 4): one A4 PDF for elected
 * officials and partners, of the scope, profession and baseline the
 * territory page shows — title, the map, the key figures, the communes
 * under the threshold, sources and method — drawn by the document module
 * (doc/doc.h). GET /territoire/fiche.pdf?profession=&perimetre=&base=,
 * every parameter optional as on /territoire.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "diagnosis/scope.h"
#include "doc/doc.h"
#include "web/web.h"

/* Decimals of the APL values of the table: the DREES publishes its APL
 * with three, as the CSV download writes them; the model's values are
 * rounded to as many. */
#define FICHE_APL_DECIMALS 3

/* Room kept for the map, in points: it shrinks between these to leave the
 * table of under-served communes on the first page when it can. */
#define MAP_MIN_H 120.0
#define MAP_MAX_H 330.0

/* What a request asks for, parsed. */
typedef struct fiche_req {
    const mg_app_profession *p;
    enum mg_baseline base;
    mg_scope scope;
} fiche_req;

/* What the fiche shows, computed. */
typedef struct fiche_view {
    const double *value; /* the baseline's values, t->n (borrowed) */
    mg_summary summary;  /* over the scope */
    size_t *under;       /* territory indices below the threshold, lowest first */
    size_t nunder;
} fiche_view;

static void view_free(fiche_view *v)
{
    mg_summary_free(&v->summary);
    free(v->under);
}

/* 0 when parsed; otherwise the 400 is answered (non-zero). */
static int fiche_parse(web_ctx *ctx, fiche_req *q)
{
    *q = (fiche_req){0};
    q->p = web_profession(ctx->app, ctx->req, ctx->res);
    if (!q->p)
        return 1;
    q->base = web_baseline(ctx);
    if (q->base == MG_BASELINE_COUNT)
        return 1;
    return web_scope(ctx, q->p, &q->scope) ? 0 : 1;
}

/* An under-served commune to sort: lowest value first, then by name, then
 * by code (a total order). */
typedef struct under_row {
    double value;
    const char *name, *code;
    size_t i;
} under_row;

static int cmp_under(const void *x, const void *y)
{
    const under_row *a = x, *b = y;
    if (a->value != b->value)
        return (a->value > b->value) - (a->value < b->value);
    int c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->code, b->code);
}

static int fiche_compute(const fiche_req *q, fiche_view *v, mg_diag *d)
{
    *v = (fiche_view){0};
    const mg_diagnosis *g = q->p->g;
    const mg_territory *t = g->t;
    double thr = g->prof->threshold;
    v->value = mg_app_baseline_values(q->p, q->base);
    int rc = mg_scope_summary(g, &q->scope, v->value, g->official, thr, &v->summary, d);
    if (rc)
        return rc;
    size_t cap = q->scope.n ? q->scope.n : 1;
    v->under = mg_alloc_array(cap, sizeof *v->under);
    under_row *rows = mg_alloc_array(cap, sizeof *rows);
    if (!v->under || !rows) {
        free(rows);
        return MG_ENOMEM;
    }
    for (size_t k = 0; k < q->scope.n; k++) {
        size_t i = q->scope.idx[k];
        if (isfinite(thr) && v->value[i] < thr)
            rows[v->nunder++] = (under_row){v->value[i], t->name[i], t->code[i], i};
    }
    qsort(rows, v->nunder, sizeof *rows, cmp_under);
    for (size_t k = 0; k < v->nunder; k++)
        v->under[k] = rows[k].i;
    free(rows);
    return MG_OK;
}

/* --- Drawing ------------------------------------------------------------------ */

/* The map of the baseline's values framed on the scope (the rest of the
 * territory greyed), with the names of the main communes, the EPCI
 * borders and a scale bar. */
static int fiche_map(mg_buf *svg, const mg_app *a, const fiche_req *q, const fiche_view *v)
{
    const mg_diagnosis *g = q->p->g;
    double thr = g->prof->threshold;
    mg_map_style style = mg_map_style_for(v->value, g->study, g->study_n, thr, false);
    mg_map_options opt = {
        .unit = g->prof->unit,
        .legend_title = q->base == MG_BASELINE_OFFICIAL ? "APL officielle (DREES)" : "APL (modèle)",
        .threshold = thr,
        .threshold_label = "seuil de sous-dotation",
        .highlight = -1,
    };
    web_report_map_options(&opt, &q->scope);
    return mg_map_svg(svg, a->geometry, g->t, v->value, &style, &opt);
}

static void num(char *out, size_t cap, double v, int decimals)
{
    if (isfinite(v))
        web_num(out, cap, v, decimals);
    else
        snprintf(out, cap, "—");
}

/* The table's cells: commune, INSEE code, inhabitants, value on the
 * baseline, official value. Strings in one block (cells point into it). */
enum { FICHE_COLS = 5, CELL = 64 };

static int fiche_cells(const fiche_req *q, const fiche_view *v, const char ***cells_out,
                       char **text_out)
{
    const mg_diagnosis *g = q->p->g;
    const mg_territory *t = g->t;
    size_t n = v->nunder ? v->nunder : 1;
    const char **cells = mg_alloc_array(n * FICHE_COLS, sizeof *cells);
    char *text = mg_alloc_array(n * (FICHE_COLS - 2), CELL);
    if (!cells || !text) {
        free(cells);
        free(text);
        return MG_ENOMEM;
    }
    for (size_t r = 0; r < v->nunder; r++) {
        size_t i = v->under[r];
        char *s = text + r * (FICHE_COLS - 2) * CELL;
        num(s, CELL, t->population[i], 0);
        num(s + CELL, CELL, v->value[i], FICHE_APL_DECIMALS);
        if (q->base == MG_BASELINE_OFFICIAL &&
            (q->p->official_flags[i] & MG_BASELINE_F_MODEL_FALLBACK))
            snprintf(s + CELL + strlen(s + CELL), CELL - strlen(s + CELL), " (modèle)");
        num(s + 2 * CELL, CELL, g->official[i], FICHE_APL_DECIMALS);
        const char **row = cells + r * FICHE_COLS;
        row[0] = t->name[i];
        row[1] = t->code[i];
        row[2] = s;
        row[3] = s + CELL;
        row[4] = s + 2 * CELL;
    }
    *cells_out = cells;
    *text_out = text;
    return MG_OK;
}

static int fiche_draw(mg_doc *doc, const mg_app *a, const fiche_req *q, const fiche_view *v,
                      mg_diag *d)
{
    const mg_diagnosis *g = q->p->g;
    const mg_area_summary *s = &v->summary.territory;
    double thr = g->prof->threshold;
    bool official = q->base == MG_BASELINE_OFFICIAL;
    char buf[1024], z[32];
    int rc;

    snprintf(buf, sizeof buf, "Fiche territoire — %s", q->scope.label);
    if ((rc = mg_doc_heading(doc, 1, buf, d)))
        return rc;
    if (isfinite(thr))
        web_num(z, sizeof z, thr, 1);
    snprintf(buf, sizeof buf, "Accès aux %s · %s%s%s", g->prof->label,
             official ? "APL officielle (DREES)" : "APL calculée par maillage",
             isfinite(thr) ? " · seuil de sous-dotation : APL " : "", isfinite(thr) ? z : "");
    if ((rc = mg_doc_paragraph(doc, MG_DOC_STRONG, buf, d)))
        return rc;

    /* Key figures of the scope. */
    char f_communes[32], f_pop[32], f_mean[32], f_under[32], f_under_pop[32];
    char l_under[96], l_under_pop[96];
    num(f_communes, sizeof f_communes, (double)q->scope.n, 0);
    num(f_pop, sizeof f_pop, s->population, 0);
    num(f_mean, sizeof f_mean, s->mean, 2);
    mg_doc_figure figs[5] = {
        {f_communes, q->scope.n > 1 ? "communes" : "commune"},
        {f_pop, "habitants"},
        {f_mean, official ? "APL officielle moyenne*" : "APL moyenne (modèle)*"},
    };
    size_t nfigs = 3;
    if (isfinite(thr)) {
        num(f_under, sizeof f_under, (double)v->nunder, 0);
        num(f_under_pop, sizeof f_under_pop, s->below_population, 0);
        snprintf(l_under, sizeof l_under, "communes sous le seuil de %s", z);
        char pct[32];
        num(pct, sizeof pct, s->population > 0 ? 100 * s->below_population / s->population : NAN,
            1);
        snprintf(l_under_pop, sizeof l_under_pop, "habitants de ces communes (%s %%)", pct);
        figs[nfigs++] = (mg_doc_figure){f_under, l_under};
        figs[nfigs++] = (mg_doc_figure){f_under_pop, l_under_pop};
    }
    if ((rc = mg_doc_figures(doc, figs, nfigs, d)))
        return rc;
    /* Sources and method under the figures they explain, so that the
     * table, last, can run onto further pages alone. */
    snprintf(buf, sizeof buf,
             "* Moyenne des communes pondérée par leur population standardisée (DREES) ; "
             "habitants : population légale. Méthode : APL de la DREES, en %s ; %s, arrondies "
             "à trois décimales. Données : DREES, APL 2021 ; INSEE, base permanente des "
             "équipements 2019 ; Etalab, découpage administratif (populations légales) ; "
             "La Poste, codes postaux 2020 ; IGN, contours.",
             g->prof->unit,
             official ? "valeurs publiées par la DREES (celles du modèle maillage là où elle "
                        "n'en publie pas, marquées « modèle »)"
                      : "valeurs calculées par maillage");
    if ((rc = mg_doc_paragraph(doc, MG_DOC_NOTE, buf, d)))
        return rc;

    /* The table, measured first so that the map leaves it room. */
    static const mg_doc_column cols[FICHE_COLS] = {
        {"Commune", 3.2, MG_DOC_LEFT},
        {"Code INSEE", 1.2, MG_DOC_LEFT},
        {"Habitants", 1.3, MG_DOC_RIGHT},
        {NULL, 1.7, MG_DOC_RIGHT},
        {"APL officielle (DREES)", 1.7, MG_DOC_RIGHT},
    };
    mg_doc_column c[FICHE_COLS];
    memcpy(c, cols, sizeof c);
    c[3].header = official ? "APL officielle (base)" : "APL (modèle)";
    const char **cells = NULL;
    char *text = NULL;
    if (isfinite(thr) && (rc = fiche_cells(q, v, &cells, &text)))
        return rc;
    double table_h = isfinite(thr) && v->nunder ? mg_doc_table_height(doc, c, FICHE_COLS, cells,
                                                                      v->nunder)
                                                : 30;
    /* the map's gap (8 points), the heading (about 28 with its gap), the table */
    double room = mg_doc_space_left(doc) - table_h - 40;
    /* A table that runs over several pages anyway leaves the map its full
     * size. */
    double map_h = room < MAP_MIN_H ? MAP_MAX_H : fmin(MAP_MAX_H, room);

    mg_buf svg;
    mg_buf_init(&svg, MG_HTTP_MAX_RESPONSE);
    rc = fiche_map(&svg, a, q, v);
    if (rc == MG_OK)
        rc = mg_doc_svg(doc, svg.data, svg.len, map_h, map_h, d);
    mg_buf_free(&svg);

    if (rc == MG_OK && isfinite(thr)) {
        snprintf(buf, sizeof buf, "Communes sous le seuil de %s (%zu)", z, v->nunder);
        rc = mg_doc_heading(doc, 2, buf, d);
        if (rc == MG_OK && v->nunder)
            rc = mg_doc_table(doc, c, FICHE_COLS, cells, v->nunder, d);
        else if (rc == MG_OK)
            rc = mg_doc_paragraph(doc, MG_DOC_BODY,
                                  "Aucune commune du périmètre n'est sous le seuil.", d);
    } else if (rc == MG_OK) {
        snprintf(buf, sizeof buf,
                 "Aucun seuil de sous-dotation n'est défini pour les %s : la DREES n'en publie "
                 "pas ; la fiche ne liste donc pas de communes sous le seuil.",
                 g->prof->label);
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, buf, d);
    }
    free(cells);
    free(text);
    if (rc)
        return rc;

    return MG_OK;
}

/* The filename's part naming the scope: "territoire", "epci-SIREN",
 * "communes-N". */
static void scope_slug(const mg_scope *s, char *out, size_t cap)
{
    if (s->kind == MG_SCOPE_EPCI)
        snprintf(out, cap, "epci-%s", s->key + strlen("epci:"));
    else if (s->kind == MG_SCOPE_COMMUNES)
        snprintf(out, cap, "communes-%zu", s->n);
    else
        snprintf(out, cap, "territoire");
}

static int fiche_pdf(web_ctx *ctx)
{
    fiche_req q;
    if (fiche_parse(ctx, &q))
        return 0;
    fiche_view v;
    mg_diag d = {{0}};
    mg_doc *doc = NULL;
    int rc = fiche_compute(&q, &v, &d);
    char title[256], footer[1200], sources[1024], subject[256];
    if (rc == MG_OK) {
        web_sources(sources, sizeof sources, ctx->app, q.p);
        snprintf(title, sizeof title, "Fiche territoire — %s — %s", q.scope.label,
                 q.p->g->prof->label);
        snprintf(subject, sizeof subject, "Accès aux %s : %s", q.p->g->prof->label,
                 q.base == MG_BASELINE_OFFICIAL ? "APL officielle (DREES)" : "APL calculée par maillage");
        snprintf(footer, sizeof footer, "%s. Données sous Licence Ouverte 2.0.", sources);
        rc = mg_doc_new(&doc, &(mg_doc_info){title, footer, subject}, &d);
    }
    if (rc == MG_OK)
        rc = fiche_draw(doc, ctx->app, &q, &v, &d);
    if (rc == MG_OK)
        rc = mg_doc_finish(doc, &ctx->res->body, &d);
    mg_doc_free(doc);
    if (rc == MG_OK) {
        char slug[64];
        scope_slug(&q.scope, slug, sizeof slug);
        ctx->res->content_type = "application/pdf";
        snprintf(ctx->res->disposition, sizeof ctx->res->disposition,
                 "attachment; filename=\"fiche-territoire-%s-%s%s.pdf\"", slug,
                 q.p->g->prof->key, q.base == MG_BASELINE_OFFICIAL ? "" : "-modele");
    } else if (d.msg[0]) {
        snprintf(ctx->res->log_detail, sizeof ctx->res->log_detail, "fiche: %.900s", d.msg);
    }
    view_free(&v);
    mg_scope_free(&q.scope);
    return rc;
}

const web_route web_routes_fiche[] = {
    {"GET", "/territoire/fiche.pdf", fiche_pdf, WEB_ANYONE, 0},
    {NULL, NULL, NULL, 0, 0},
};
