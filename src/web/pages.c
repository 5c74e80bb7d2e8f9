/*
 * The territory page, the commune page and the method page.
 *
 * Each page handler runs in three steps: it reads and checks the request
 * into a struct (parse: an unknown value is refused with a reason code of
 * web/messages.h before anything is computed), computes what the page shows
 * (compute), then writes the HTML from both (render), only through the
 * escapers of html/html.h. Long lists are paginated: a `page` parameter
 * (1-based), PAGE_SIZE rows a page, "Page N sur M" with links to the
 * previous and next pages that keep the rest of the request.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "diagnosis/layer.h"
#include "diagnosis/scope.h"
#include "output/table.h"
#include "parse/parse.h"
#include "web/form.h"
#include "web/messages.h"
#include "web/web.h"

/* Rows of a list on one page. */
#define PAGE_SIZE 100
/* The largest page number read; larger ones name no page of any list. */

/* The professions of the choice form, in the order of mg_app. */
static const web_option profession_options[MG_APP_PROFESSIONS + 1] = {
    {"mg", "Médecins généralistes"}, {"inf", "Infirmiers"}, {"mk", "Masseurs-kinésithérapeutes"},
    {"sf", "Sages-femmes"}, {"cd", "Chirurgiens-dentistes"}, {NULL, NULL}};

/* Sort orders of both tables (?ordre=, ?ordre_epci=). */
static const char *const order_keys[] = {"asc", "desc"};

/* Columns of the commune table: the key of ?tri= and the header. */
enum { SORT_NAME, SORT_POPULATION, SORT_HEADS, SORT_VALUE, SORT_OFFICIAL, SORT_COUNT };
static const char *const commune_sort_keys[SORT_COUNT] = {"nom", "population", "praticiens",
                                                          "valeur", "officiel"};
static const char *const commune_sort_labels[SORT_COUNT] = {"Commune", "Population", "Praticiens",
                                                            "Valeur", "APL DREES"};

/* Columns of the EPCI table: the key of ?tri_epci= and the header. */
enum { EPCI_NAME, EPCI_COMMUNES, EPCI_POPULATION, EPCI_VALUE, EPCI_OFFICIAL, EPCI_BELOW, EPCI_GINI,
       EPCI_COUNT };
static const char *const epci_sort_keys[EPCI_COUNT] = {"nom", "communes", "population", "valeur",
                                                       "officiel", "sous_seuil", "gini"};
static const char *const epci_sort_labels[EPCI_COUNT] = {
    "EPCI", "Communes", "Population", "Valeur moyenne", "APL DREES", "Population sous le seuil",
    "Gini"};

/* --- Shared by the pages ------------------------------------------------------ */

/* Why a request is refused: an HTTP status and the reason code of its
 * French message. */
typedef struct refusal {
    int status;
    web_msg msg;
} refusal;

static int refuse(refusal *why, int status, web_msg msg)
{
    *why = (refusal){status, msg};
    return status;
}

static int answer_refusal(web_ctx *ctx, const refusal *why)
{
    mg_http_error(ctx->req, ctx->res, why->status, web_msg_fr(why->msg));
    return MG_OK;
}

/* The index of the query parameter `name` among keys, for the sort of a
 * table: absent, empty or any other value (a link typed by hand, an old
 * bookmark) reads as `def`, so that no sort parameter refuses the page. */
static size_t parse_sort(const mg_http_request *r, const char *name, const char *const *keys,
                         size_t n, size_t def)
{
    const char *v = mg_http_query(r, name);
    for (size_t k = 0; v && k < n; k++)
        if (strcmp(v, keys[k]) == 0)
            return k;
    return def;
}

/* Reads the page number `name` (absent or empty: page 1). A number is
 * written as the program writes it, "1", "2"…: anything else ("0", "007",
 * "-1", "2,0", "abc") names no page, a 404 like a page past the end. */
static int parse_page(const mg_http_request *r, const char *name, size_t *page, refusal *why)
{
    return web_page_param(r, name, page) ? refuse(why, 404, WEB_MSG_PAGE_OUT_OF_RANGE) : 0;
}

/* Places page `page` in a list of n rows; a page past the end is a 404. */
static int paginate(size_t n, size_t page, web_pager *out, refusal *why)
{
    return web_paginate(n, page, PAGE_SIZE, out) ? refuse(why, 404, WEB_MSG_PAGE_OUT_OF_RANGE)
                                                 : 0;
}

/* A number in French typography, as text. */
static void num(mg_buf *b, double v, int decimals)
{
    char s[64];
    web_num(s, sizeof s, v, decimals);
    mg_html_text(b, s);
}

static void td_num(mg_buf *b, double v, int decimals)
{
    mg_buf_puts(b, "<td>");
    num(b, v, decimals);
    mg_buf_puts(b, "</td>");
}

/* The href value of commune i's page for profession `prof` (and page `page`
 * of its list of communes within reach, when past the first). */
static void commune_href(mg_buf *b, const mg_territory *t, size_t i, const char *prof,
                         size_t page, const char *fragment)
{
    char pg[24];
    snprintf(pg, sizeof pg, "%zu", page);
    mg_buf_puts(b, "/commune/");
    mg_html_url_arg(b, t->code[i]);
    mg_html_href(b, "", (const char *const[]){"profession", prof, "page", page > 1 ? pg : NULL, NULL},
                 fragment);
}

/* The href value of the page of EPCI e (index into t->epci_code). */
static void epci_href(mg_buf *b, const mg_territory *t, size_t e, const char *prof)
{
    mg_buf_puts(b, "/epci/");
    mg_html_url_arg(b, t->epci_code[e]);
    mg_html_href(b, "", (const char *const[]){"profession", prof, NULL}, NULL);
}

/* The name of EPCI e as a link to its page. */
static void epci_link(mg_buf *b, const mg_territory *t, size_t e, const char *prof)
{
    mg_buf_puts(b, "<a href=\"");
    epci_href(b, t, e, prof);
    mg_buf_puts(b, "\">");
    mg_html_text(b, t->epci_name[e] ? t->epci_name[e] : t->epci_code[e]);
    mg_buf_puts(b, "</a>");
}

/* The index of the EPCI coded `code` in t, or -1. */
static long epci_find(const mg_territory *t, const char *code)
{
    for (size_t e = 0; code && *code && e < t->nepci; e++)
        if (strcmp(t->epci_code[e], code) == 0)
            return (long)e;
    return -1;
}

/* NaN last, then by value. */
static int cmp_value(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b);
    return (a > b) - (a < b);
}

/*
 * The choice of profession (and, on the territory page, of measure): a GET
 * form described once (web/form.h), read from the query by web_form_read
 * and drawn by web_form_render. Its parameters keep their names
 * (?profession=, ?mesure=); absent or empty, they take the defaults (mg,
 * apl); a value outside the lists is refused with 400 and the message of
 * the table (web/messages.h), not drawn again, since nobody types it.
 */
enum { CHOICE_PROFESSION, CHOICE_MEASURE, CHOICE_SCOPE, CHOICE_NFIELDS };

/* What the scope's choices are drawn from: the territory and the scope of
 * the page. */
typedef struct scope_choice {
    const mg_diagnosis *g;
    const mg_scope *scope;
    const char *territory_name;
    const mg_app *app; /* its layers */
} scope_choice;

/* The <option>s of the scope: the whole territory, each EPCI with a study
 * commune (by name), and the page's own list of communes when it is one. */
static int scope_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const scope_choice *sc = options_ctx;
    if (!sc)
        return MG_OK;
    char all[192];
    snprintf(all, sizeof all, "Tout le territoire (%s)", sc->territory_name);
    int rc = mg_html_option(b, "", all, !selected || !*selected);
    if (rc == MG_OK)
        rc = web_epci_options(b, sc->g, selected);
    /* The classes of the layers (couche:KEY:CLASS). */
    for (size_t k = 0; rc == MG_OK && k < sc->app->nlayers; k++) {
        const mg_layer *l = sc->app->layers[k];
        for (size_t c = 0; rc == MG_OK && l->cls && c < l->desc.nclasses; c++) {
            char spec[128], label[256];
            snprintf(spec, sizeof spec, "couche:%s:%s", l->key, l->desc.classes[c]);
            snprintf(label, sizeof label, "%s : %s", l->desc.label, l->desc.classes[c]);
            rc = mg_html_option(b, spec, label, selected && strcmp(selected, spec) == 0);
        }
    }
    if (rc == MG_OK && sc->scope->kind == MG_SCOPE_COMMUNES && sc->scope->key[0] &&
        strncmp(sc->scope->key, "couche:", 7) != 0)
        rc = mg_html_option(b, sc->scope->key, sc->scope->label, true);
    return rc;
}

typedef struct choice_form_desc {
    web_option measures[MG_APP_MEASURES + 1];
    web_field fields[CHOICE_NFIELDS];
    web_form form;
} choice_form_desc;

/* The description, with the measure when `with_measure` (and then the
 * scope, ?perimetre=, whose choices scope_options writes); `prof`,
 * `measure` (an index, -1 for none) and `scope` (a scope key) are the
 * values shown selected. */
static void choice_form_init(choice_form_desc *f, bool with_measure, const char *prof, int measure,
                             const char *scope)
{
    for (int k = 0; k < MG_APP_MEASURES; k++)
        f->measures[k] = (web_option){mg_app_measure_keys[k], mg_app_measure(k)->label};
    f->measures[MG_APP_MEASURES] = (web_option){NULL, NULL};
    f->fields[CHOICE_PROFESSION] = (web_field){.name = "profession", .label = "Profession",
                                               .kind = WEB_FIELD_SELECT,
                                               .options = profession_options, .defval = prof};
    f->fields[CHOICE_MEASURE] = (web_field){
        .name = "mesure", .label = "Mesure", .kind = WEB_FIELD_SELECT, .options = f->measures,
        .defval = measure >= 0 ? mg_app_measure_keys[measure] : NULL};
    /* Its choices are the territory's EPCI (scope_options); the value is
     * read by web_scope, which refuses what names no scope. */
    f->fields[CHOICE_SCOPE] = (web_field){.name = "perimetre", .label = "Périmètre",
                                          .kind = WEB_FIELD_SELECT, .options_fn = scope_options,
                                          .defval = scope ? scope : ""};
    f->form = (web_form){.id = "choix", .fields = f->fields,
                         .nfields = with_measure ? CHOICE_NFIELDS : CHOICE_MEASURE,
                         .submit = "Afficher"};
}

/* Reads the choice form: the profession (and the measure index when
 * `measure` is not NULL); non-zero with why set when a value is refused. */
static int choice_parse(const mg_app *a, const mg_http_request *r, const mg_app_profession **p,
                        int *measure, refusal *why)
{
    choice_form_desc f;
    choice_form_init(&f, measure != NULL, NULL, -1, NULL);
    web_form_input in;
    web_form_read(&f.form, r, &in);
    /* Empty reads as the default, as before the form was described; a
     * value of spaces only is no profession and no measure. */
    const char *prof = in.raw[CHOICE_PROFESSION], *m = in.raw[CHOICE_MEASURE];
    *p = in.error[CHOICE_PROFESSION][0] ? NULL : mg_app_profession_get(a, prof);
    if (!*p)
        return refuse(why, 400, WEB_MSG_PROFESSION_UNKNOWN);
    if (!measure)
        return 0;
    *measure = in.error[CHOICE_MEASURE][0] ? -1 : mg_app_measure_index(m && *m ? m : "apl");
    return *measure < 0 ? refuse(why, 400, WEB_MSG_MEASURE_UNKNOWN) : 0;
}

/* Draws the choice form: one line of selects (class "choice"); with a
 * measure, the scope `scope` (NULL: the whole territory) and its choices. */
static void choice_form(mg_buf *b, const char *action, const char *prof, int measure,
                        const scope_choice *scope)
{
    choice_form_desc f;
    choice_form_init(&f, measure >= 0, prof, measure, scope ? scope->scope->key : NULL);
    f.form.css_class = "choice";
    if (web_form_render(b, &f.form, NULL, "get", action, scope, NULL))
        b->failed = 1;
}

/* --- The territory page: parse ------------------------------------------------ */

/* What a request of the territory page asks. */
typedef struct territory_req {
    const mg_app_profession *p;
    int measure;      /* index in mg_app_measure_keys (?mesure=, "apl") */
    size_t sort;      /* SORT_… (?tri=, "valeur") */
    bool desc;        /* ?ordre=desc */
    size_t page;      /* of the commune table (?page=, 1) */
    size_t sort_epci; /* EPCI_… (?tri_epci=, "nom") */
    bool desc_epci;   /* ?ordre_epci=desc */
    size_t page_epci; /* of the EPCI table (?page_epci=, 1) */
    enum mg_baseline base;         /* ?base=: the APL measure on the official baseline */
    enum mg_baseline base_default; /* the server's, left out of links */
    mg_scope scope;                /* ?perimetre= (owned), or the EPCI of /epci/{siren} */
    char path[64];                 /* "/territoire", or "/epci/SIREN" for an EPCI's page */
    const mg_app *app;             /* its layers */
    bool flag_maps;                /* ?cartes=accord: both "below" maps of the whole territory */
} territory_req;

static int territory_parse(const mg_app *a, const mg_http_request *r, territory_req *q,
                           refusal *why)
{
    *q = (territory_req){0};
    if (choice_parse(a, r, &q->p, &q->measure, why))
        return why->status;
    /* The sorts of both tables never refuse: an unknown column or order
     * falls back to the default one (links are rebuilt from the state). */
    q->sort = parse_sort(r, "tri", commune_sort_keys, SORT_COUNT, SORT_VALUE);
    q->desc = parse_sort(r, "ordre", order_keys, 2, 0) == 1;
    q->sort_epci = parse_sort(r, "tri_epci", epci_sort_keys, EPCI_COUNT, EPCI_NAME);
    q->desc_epci = parse_sort(r, "ordre_epci", order_keys, 2, 0) == 1;
    /* The official APL and the population below the threshold are columns
     * of the APL only (the other measures have neither). */
    if ((q->sort_epci == EPCI_OFFICIAL || q->sort_epci == EPCI_BELOW) &&
        !mg_app_measure(q->measure)->apl) {
        q->sort_epci = EPCI_NAME;
        q->desc_epci = false;
    }
    if (parse_page(r, "page", &q->page, why) || parse_page(r, "page_epci", &q->page_epci, why))
        return why->status;
    const char *maps = mg_http_query(r, "cartes");
    q->flag_maps = maps && strcmp(maps, "accord") == 0;
    return 0;
}

/* The ?perimetre= of the page's links: none for the whole territory and on
 * an EPCI's own page (its path names it). */
static const char *scope_param(const territory_req *q)
{
    return q->scope.kind == MG_SCOPE_ALL || strncmp(q->path, "/epci/", 6) == 0 ? NULL
                                                                            : q->scope.key;
}

/* Which table a link of the territory page changes. */
enum { LINK_COMMUNES, LINK_EPCI };

/*
 * The href value of the territory page in state q, for a link that changes
 * table `table`: the profession, the measure and that table's sort are
 * always written; the other table's sort and each table's page only when
 * they are not the default, to keep links short. It ends at the table.
 */
static void territory_href(mg_buf *b, const territory_req *q, int table)
{
    bool communes = table == LINK_COMMUNES, epci = table == LINK_EPCI;
    bool sort = communes || q->sort != SORT_VALUE || q->desc;
    bool sort_epci = epci || q->sort_epci != EPCI_NAME || q->desc_epci;
    char page[24], page_epci[24];
    snprintf(page, sizeof page, "%zu", q->page);
    snprintf(page_epci, sizeof page_epci, "%zu", q->page_epci);
    const char *const kv[] = {
        "profession", q->p->g->prof->key,
        "mesure", mg_app_measure_keys[q->measure],
        "tri", sort ? commune_sort_keys[q->sort] : NULL,
        "ordre", sort ? order_keys[q->desc] : NULL,
        "page", q->page > 1 ? page : NULL,
        "tri_epci", sort_epci ? epci_sort_keys[q->sort_epci] : NULL,
        "ordre_epci", sort_epci ? order_keys[q->desc_epci] : NULL,
        "page_epci", q->page_epci > 1 ? page_epci : NULL,
        "base", q->base != q->base_default ? web_baseline_param(q->base) : NULL,
        "perimetre", scope_param(q),
        NULL};
    mg_html_href(b, q->path, kv, communes ? "communes" : "epci");
}

static void communes_page_href(mg_buf *b, const void *state, size_t page)
{
    territory_req q = *(const territory_req *)state;
    q.page = page;
    territory_href(b, &q, LINK_COMMUNES);
}

static void epci_page_href(mg_buf *b, const void *state, size_t page)
{
    territory_req q = *(const territory_req *)state;
    q.page_epci = page;
    territory_href(b, &q, LINK_EPCI);
}

/* --- The territory page: compute ---------------------------------------------- */

/* A row of a sorted table: what it shows (an index) and its sort key. */
typedef struct sort_row {
    size_t i;
    double key;
    const char *name;
} sort_row;

/* By key, then name, then index: a total order, so that every row is on
 * exactly one page. */
static int cmp_rows_num(const void *x, const void *y)
{
    const sort_row *a = x, *b = y;
    int c = cmp_value(a->key, b->key);
    if (!c)
        c = strcmp(a->name, b->name);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

static int cmp_rows_name(const void *x, const void *y)
{
    const sort_row *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* Sorts rows on their key (or name), in order `desc`. */
static void sort_rows(sort_row *rows, size_t n, bool by_name, bool desc)
{
    qsort(rows, n, sizeof *rows, by_name ? cmp_rows_name : cmp_rows_num);
    for (size_t k = 0; desc && k < n / 2; k++) {
        sort_row tmp = rows[k];
        rows[k] = rows[n - 1 - k];
        rows[n - 1 - k] = tmp;
    }
}

/* What the territory page shows. */
typedef struct territory_view {
    const double *value;       /* the measure, t->n entries */
    const mg_summary *summary; /* its figures */
    bool is_apl;               /* ours or the official APL: the threshold applies */
    sort_row *communes;        /* study communes in table order (i: territory index) */
    web_pager pg;
    sort_row *epci; /* EPCI in table order (i: index in summary->epci) */
    web_pager pg_epci;
    mg_summary scoped; /* the figures of a scope other than the whole territory */
} territory_view;

static void territory_view_free(territory_view *v)
{
    free(v->communes);
    free(v->epci);
    mg_summary_free(&v->scoped);
}

static double epci_key(const mg_area_summary *e, size_t sort)
{
    switch (sort) {
    case EPCI_COMMUNES: return (double)e->communes;
    case EPCI_POPULATION: return e->population;
    case EPCI_OFFICIAL: return e->official_mean;
    case EPCI_BELOW: return e->below_population;
    case EPCI_GINI: return e->gini;
    default: return e->mean;
    }
}

/* Fills v; a page past the end of a table is refused (non-zero, why set),
 * MG_ENOMEM is returned as such. */
static int territory_compute(const territory_req *q, territory_view *v, refusal *why)
{
    *v = (territory_view){0};
    const mg_app_profession *p = q->p;
    const mg_diagnosis *g = p->g;
    const mg_territory *t = g->t;
    v->value = p->measure[q->measure];
    v->summary = &p->measure_summary[q->measure];
    v->is_apl = mg_app_measure(q->measure)->apl;
    /* The APL on the official baseline: the DREES map, the model's value
     * where the DREES has none; the figures per EPCI on those values. */
    bool official_base = q->measure == 0 && q->base == MG_BASELINE_OFFICIAL;
    if (official_base) {
        v->value = p->official_base;
        v->summary = &p->official_summary;
    }
    const mg_scope *sc = &q->scope;
    if (sc->kind != MG_SCOPE_ALL) {
        /* A scope's figures on the same values, computed as the
         * territory's were at start (app.c): agreement and threshold for
         * an APL, no agreement on the official baseline. */
        mg_diag d = {{0}};
        int rc = mg_scope_summary(g, sc, v->value,
                                  v->is_apl && !official_base ? g->official : NULL,
                                  v->is_apl ? g->prof->threshold : NAN, &v->scoped, &d);
        if (rc)
            return rc;
        v->summary = &v->scoped;
    }
    if (paginate(sc->n, q->page, &v->pg, why) ||
        paginate(v->summary->nepci, q->page_epci, &v->pg_epci, why))
        return why->status;

    v->communes = mg_alloc_array(sc->n ? sc->n : 1, sizeof *v->communes);
    v->epci = mg_alloc_array(v->summary->nepci ? v->summary->nepci : 1, sizeof *v->epci);
    if (!v->communes || !v->epci)
        return MG_ENOMEM;
    for (size_t k = 0; k < sc->n; k++) {
        size_t i = sc->idx[k];
        double key = q->sort == SORT_POPULATION ? t->population[i]
                     : q->sort == SORT_OFFICIAL ? g->official[i]
                     : q->sort == SORT_HEADS    ? g->heads[i]
                                                : v->value[i];
        v->communes[k] = (sort_row){i, key, t->name[i]};
    }
    sort_rows(v->communes, sc->n, q->sort == SORT_NAME, q->desc);
    const mg_summary *s = v->summary;
    for (size_t k = 0; k < s->nepci; k++)
        v->epci[k] = (sort_row){k, epci_key(&s->epci[k], q->sort_epci),
                                s->epci[k].name ? s->epci[k].name : s->epci[k].code};
    sort_rows(v->epci, s->nepci, q->sort_epci == EPCI_NAME, q->desc_epci);
    return 0;
}

/* --- The territory page: render ----------------------------------------------- */

static void figure(mg_buf *b, const char *label, double v, int decimals, const char *unit)
{
    mg_buf_puts(b, "<div class=\"fig\"><dt>");
    mg_html_text(b, label);
    mg_buf_puts(b, "</dt><dd>");
    num(b, v, decimals);
    if (unit) {
        mg_buf_puts(b, " <span class=\"unit\">");
        mg_html_text(b, unit);
        mg_buf_puts(b, "</span>");
    }
    mg_buf_puts(b, "</dd></div>\n");
}

/* The key figures of measure `measure`: its mean in its unit; the
 * official APL and the figures of the under-served threshold only for an
 * APL. */
static void key_figures(mg_buf *b, const mg_app_profession *p, const mg_summary *s, int measure)
{
    const mg_area_summary *t = &s->territory;
    const mg_app_measure_info *m = mg_app_measure(measure);
    const char *unit = mg_app_measure_unit(measure, p->g->prof);
    mg_buf_puts(b, "<section aria-labelledby=\"chiffres\"><h2 id=\"chiffres\">Chiffres clés</h2>\n<dl class=\"figures\">\n");
    figure(b, "Population", t->population, 0, "habitants");
    figure(b, m->mean_label, t->mean, m->decimals, m->unit);
    if (m->apl && isfinite(t->official_mean))
        figure(b, "APL officielle DREES", t->official_mean, 2, NULL);
    if (m->apl && isfinite(s->threshold)) {
        char lbl[96], z[32];
        web_num(z, sizeof z, s->threshold, 1);
        snprintf(lbl, sizeof lbl, "Population sous le seuil (%s)", z);
        figure(b, lbl, t->below_population, 0, "habitants");
        /* The share of the same inhabitants; below_share (FGT0) is one of
         * standardised population, like the FGT1 gap. */
        figure(b, "Part des habitants sous le seuil",
               t->population > 0 ? 100 * t->below_population / t->population : NAN, 1, "%");
        figure(b, "Part de la population standardisée sous le seuil", 100 * t->below_share, 1,
               "%");
        figure(b, "Écart moyen au seuil (FGT1)", t->fgt1, 4, NULL);
    }
    figure(b, "Indice de Gini", t->gini, 3, NULL);
    figure(b, "Indice de Theil", t->theil, 4, NULL);
    if (s->nepci > 1)
        figure(b, "dont entre EPCI", s->theil_between, 4, NULL);
    figure(b, "Rapport interdécile D9/D1", t->d9d1, 2, NULL);
    figure(b, "Rapport de Palma", t->palma, 2, NULL);
    if (s->compared) {
        figure(b, "Accord avec la DREES (Spearman)", s->spearman, 2, NULL);
        figure(b, "Écart absolu moyen à la DREES", s->mae, 2, NULL);
    }
    mg_buf_puts(b, "</dl>\n<p class=\"note\">Unité : ");
    mg_html_text(b, unit);
    if (m->low_is_good)
        mg_buf_puts(b, " (un temps court est favorable)");
    mg_buf_puts(b, ". Moyennes et indices pondérés par la population standardisée.</p></section>\n");
}

/* A sortable column header: a link to the table sorted by it (ascending,
 * or the other way when it is the current sort), back to page 1. */
static void sort_header(mg_buf *b, const char *label, bool on, bool desc, const territory_req *q,
                        int table)
{
    mg_buf_puts(b, "<th scope=\"col\"");
    if (on)
        mg_buf_puts(b, desc ? " aria-sort=\"descending\"" : " aria-sort=\"ascending\"");
    mg_buf_puts(b, "><a href=\"");
    territory_href(b, q, table);
    mg_buf_puts(b, "\">");
    mg_html_text(b, label);
    mg_buf_puts(b, "</a></th>");
}

/* EPCI sorted on the server by the column named in ?tri_epci=. */
static void epci_table(mg_buf *b, const territory_req *q, const territory_view *v)
{
    const mg_summary *s = v->summary;
    mg_buf_puts(b, "<section aria-labelledby=\"epci\"><h2 id=\"epci\">Par EPCI</h2>\n"
                   "<div class=\"scroll\"><table><caption>Indicateurs par intercommunalité "
                   "(cliquez un en-tête pour trier)</caption>\n<thead><tr>");
    const mg_app_measure_info *m = mg_app_measure(q->measure);
    char mean[160];
    snprintf(mean, sizeof mean, "%s (moyenne)", m->column);
    for (size_t c = 0; c < EPCI_COUNT; c++) {
        if ((c == EPCI_OFFICIAL || c == EPCI_BELOW) && !m->apl)
            continue;
        bool on = q->sort_epci == c;
        territory_req to = *q;
        to.sort_epci = c;
        to.desc_epci = on && !q->desc_epci;
        to.page_epci = 1;
        sort_header(b, c == EPCI_VALUE ? mean : epci_sort_labels[c], on, q->desc_epci, &to,
                    LINK_EPCI);
    }
    mg_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t k = v->pg_epci.first; k < v->pg_epci.end; k++) {
        const mg_area_summary *e = &s->epci[v->epci[k].i];
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        long ei = epci_find(q->p->g->t, e->code);
        if (ei >= 0)
            epci_link(b, q->p->g->t, (size_t)ei, q->p->g->prof->key);
        else
            mg_html_text(b, e->name ? e->name : e->code);
        mg_buf_printf(b, "</th><td>%zu</td>", e->communes);
        td_num(b, e->population, 0);
        td_num(b, e->mean, m->decimals);
        if (m->apl) {
            td_num(b, e->official_mean, 2);
            td_num(b, e->below_population, 0);
        }
        td_num(b, e->gini, 3);
        mg_buf_puts(b, "</tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
    web_pager_nav(b, &v->pg_epci, "Pagination des EPCI", epci_page_href, q);
    mg_buf_puts(b, "</section>\n");
}

/* The commune table, sorted and paginated on the server so that it works
 * without JavaScript: each column header links to the page sorted by it. */
static void commune_table(mg_buf *b, const territory_req *q, const territory_view *v)
{
    const mg_diagnosis *g = q->p->g;
    const mg_territory *t = g->t;
    const char *prof = g->prof->key;
    const mg_app_measure_info *m = mg_app_measure(q->measure);
    mg_buf_puts(b, "<section aria-labelledby=\"communes\"><h2 id=\"communes\">Communes</h2>\n"
                   "<div class=\"scroll\"><table class=\"communes\"><caption>Communes du territoire "
                   "(cliquez un en-tête pour trier)</caption>\n<thead><tr>");
    for (size_t c = 0; c < SORT_COUNT; c++) {
        bool on = q->sort == c;
        territory_req to = *q;
        to.sort = c;
        to.desc = on && !q->desc;
        to.page = 1;
        sort_header(b, c == SORT_VALUE ? m->column : commune_sort_labels[c], on, q->desc, &to,
                    LINK_COMMUNES);
    }
    mg_buf_puts(b, "<th scope=\"col\">EPCI</th>");
    const mg_app *a = q->app;
    for (size_t k = 0; k < a->nlayers; k++) {
        mg_buf_puts(b, "<th scope=\"col\">");
        mg_html_text(b, a->layers[k]->desc.label);
        mg_buf_puts(b, "</th>");
    }
    mg_buf_puts(b, "</tr></thead><tbody>\n");
    /* "sous le seuil" only on an APL: the threshold is in its unit. */
    bool threshold = isfinite(g->prof->threshold) && m->apl;
    for (size_t k = v->pg.first; k < v->pg.end; k++) {
        size_t i = v->communes[k].i;
        bool under = threshold && v->value[i] < g->prof->threshold;
        mg_buf_puts(b, under ? "<tr class=\"under\">" : "<tr>");
        mg_buf_puts(b, "<th scope=\"row\"><a href=\"");
        commune_href(b, t, i, prof, 1, NULL);
        mg_buf_puts(b, "\">");
        mg_html_text(b, t->name[i]);
        mg_buf_puts(b, "</a></th>");
        td_num(b, t->population[i], 0);
        td_num(b, g->heads[i], 0);
        mg_buf_puts(b, "<td>");
        num(b, v->value[i], m->decimals);
        if (q->measure == 0 && q->base == MG_BASELINE_OFFICIAL &&
            (q->p->official_flags[i] & MG_BASELINE_F_MODEL_FALLBACK))
            mg_buf_puts(b, " <span class=\"unit\">(modèle)</span>");
        if (under)
            mg_buf_puts(b, " <span class=\"tag\">sous le seuil</span>");
        mg_buf_puts(b, "</td>");
        td_num(b, g->official[i], 2);
        mg_buf_puts(b, "<td>");
        if (t->epci[i] >= 0)
            epci_link(b, t, (size_t)t->epci[i], prof);
        mg_buf_puts(b, "</td>");
        for (size_t l = 0; l < a->nlayers; l++) {
            char lv[64];
            mg_buf_puts(b, "<td>");
            mg_html_text(b, mg_layer_text(a->layers[l], i, lv, sizeof lv));
            mg_buf_puts(b, "</td>");
        }
        mg_buf_puts(b, "</tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
    web_pager_nav(b, &v->pg, "Pagination", communes_page_href, q);
    mg_buf_puts(b, "</section>\n");
}

/* A download link of the territory page (with its measure when `measure`). */
static void download_link(mg_buf *b, const char *path, const territory_req *q, bool measure,
                          const char *label)
{
    mg_buf_puts(b, "<a href=\"");
    mg_html_href(b, path,
                 (const char *const[]){"profession", q->p->g->prof->key, "mesure",
                                       measure ? mg_app_measure_keys[q->measure] : NULL, "base",
                                       q->base != q->base_default ? web_baseline_param(q->base)
                                                                  : NULL,
                                       "perimetre",
                                       q->scope.kind == MG_SCOPE_ALL ? NULL : q->scope.key, NULL},
                 NULL);
    mg_buf_puts(b, "\">");
    mg_html_text(b, label);
    mg_buf_puts(b, "</a>");
}

/* The scope's communes below the profession's threshold on the page's
 * values, lowest first (an APL only); the territory's own list is its
 * table sorted by value. */
static void under_served(mg_buf *b, const territory_req *q, const territory_view *v)
{
    const mg_diagnosis *g = q->p->g;
    const mg_territory *t = g->t;
    const mg_scope *sc = &q->scope;
    double thr = g->prof->threshold;
    mg_buf_puts(b, "<section aria-labelledby=\"sous-seuil\"><h2 id=\"sous-seuil\">Communes sous "
                   "le seuil</h2>\n");
    if (!isfinite(thr)) {
        mg_buf_puts(b, "<p>Aucun seuil de sous-dotation n'est défini pour les ");
        mg_html_text(b, g->prof->label);
        mg_buf_puts(b, " : la DREES n'en publie pas. Les communes se comparent par leur valeur "
                       "dans le tableau ci-dessous.</p></section>\n");
        return;
    }
    sort_row *rows = mg_alloc_array(sc->n ? sc->n : 1, sizeof *rows);
    if (!rows) {
        b->failed = 1;
        return;
    }
    size_t n = 0;
    double inhabitants = 0;
    for (size_t k = 0; k < sc->n; k++) {
        size_t i = sc->idx[k];
        if (v->value[i] < thr) {
            rows[n++] = (sort_row){i, v->value[i], t->name[i]};
            inhabitants += t->population[i];
        }
    }
    sort_rows(rows, n, false, false);
    char z[32], h[64];
    web_num(z, sizeof z, thr, 1);
    web_num(h, sizeof h, inhabitants, 0);
    mg_buf_printf(b, n > 1 ? "<p><strong>%zu communes sur %zu</strong>, "
                           : "<p><strong>%zu commune sur %zu</strong>, ",
                  n, sc->n);
    mg_html_text(b, h);
    mg_buf_puts(b, " habitants, ont une APL inférieure à ");
    mg_html_text(b, z);
    if (q->measure == 0 && q->base == MG_BASELINE_OFFICIAL)
        mg_buf_puts(b, " (APL officielle de la DREES, celle du modèle où elle manque).</p>\n");
    else if (q->measure == 1)
        mg_buf_puts(b, " (APL officielle de la DREES).</p>\n");
    else
        mg_buf_puts(b, " (APL du modèle).</p>\n");
    if (n) {
        /* The value the list is sorted by, then the other side's. */
        bool official = q->measure == 1 || q->base == MG_BASELINE_OFFICIAL;
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Communes sous le seuil, de la plus "
                       "faible APL à la plus forte</caption>\n<thead><tr><th scope=\"col\">Commune"
                       "</th><th scope=\"col\">Habitants</th>");
        mg_buf_puts(b, official ? "<th scope=\"col\">APL DREES</th><th scope=\"col\">APL du "
                                  "modèle</th>"
                                : "<th scope=\"col\">APL du modèle</th><th scope=\"col\">APL "
                                  "DREES</th>");
        mg_buf_puts(b, "</tr></thead><tbody>\n");
        for (size_t k = 0; k < n; k++) {
            size_t i = rows[k].i;
            mg_buf_puts(b, "<tr><th scope=\"row\"><a href=\"");
            commune_href(b, t, i, g->prof->key, 1, NULL);
            mg_buf_puts(b, "\">");
            mg_html_text(b, t->name[i]);
            mg_buf_puts(b, "</a></th>");
            td_num(b, t->population[i], 0);
            mg_buf_puts(b, "<td>");
            num(b, v->value[i], 2);
            if (official && !isfinite(g->official[i]))
                mg_buf_puts(b, " <span class=\"unit\">(modèle)</span>");
            mg_buf_puts(b, "</td>");
            td_num(b, official ? g->apl[i] : g->official[i], 2);
            mg_buf_puts(b, "</tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    free(rows);
    mg_buf_puts(b, "</section>\n");
}

static void agreement_cells(mg_buf *b, const mg_agreement *a, bool threshold)
{
    mg_buf_printf(b, "<td>%zu</td>", a->compared);
    td_num(b, a->spearman, 2);
    td_num(b, a->pearson, 2);
    td_num(b, a->mae, 2);
    if (threshold)
        mg_buf_printf(b, "<td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td>",
                      a->confusion.both_below, a->confusion.only_a_below,
                      a->confusion.only_b_below, a->confusion.both_above);
}

/* The communes of the scope below the threshold on one side only: the
 * model's (model_side) or the DREES's. */
static void one_side_list(mg_buf *b, const territory_req *q, bool model_side)
{
    const mg_diagnosis *g = q->p->g;
    const mg_territory *t = g->t;
    double thr = g->prof->threshold;
    size_t n = 0;
    for (size_t k = 0; k < q->scope.n; k++) {
        size_t i = q->scope.idx[k];
        if (!isfinite(g->official[i]) || !isfinite(g->apl[i]))
            continue;
        double ours = mg_output_round(g->apl[i]);
        if ((ours < thr) != (g->official[i] < thr) && (ours < thr) == model_side) {
            mg_buf_puts(b, n++ ? ", " : "<ul class=\"inline\"><li>");
            mg_buf_puts(b, "<a href=\"");
            commune_href(b, t, i, g->prof->key, 1, "ecart");
            mg_buf_puts(b, "\">");
            mg_html_text(b, t->name[i]);
            mg_buf_puts(b, "</a> (");
            num(b, ours, 2);
            mg_buf_puts(b, " / ");
            num(b, g->official[i], 2);
            mg_buf_puts(b, ")");
        }
    }
    mg_buf_puts(b, n ? "</li></ul>\n" : "<p>Aucune.</p>\n");
}

/* The two "below the threshold" maps side by side: the model's and the
 * DREES's, on the same two classes. */
static void flag_maps(mg_buf *b, const mg_app *a, const mg_app_profession *p, const mg_scope *sc)
{
    const mg_diagnosis *g = p->g;
    char suffix[WEB_MAP_SUFFIX];
    mg_map_style st = {.nclasses = 2, .breaks = {g->prof->threshold},
                       .colors = {"#d73027", "#e0e0e0"}, .no_data_color = "#ffffff"};
    const char *titles[2] = {"Sous le seuil selon le modèle (maillage)",
                             "Sous le seuil selon la DREES (APL officielle)"};
    const double *values[2] = {g->apl, g->official};
    mg_buf_puts(b, "<div class=\"two\">");
    for (int k = 0; k < 2; k++) {
        mg_buf_puts(b, "<div class=\"map\">");
        mg_map_options opt = web_map_options(p, titles[k], g->prof->threshold, false, suffix);
        opt.legend_title = "APL";
        opt.no_data_label = "pas de valeur publiée";
        opt.width = 400;
        opt.focus = sc->kind == MG_SCOPE_ALL ? NULL : sc->mark;
        opt.focus_label = sc->label;
        opt.epci_borders = true;
        (void)web_map_inline(b, a, g->t, values[k], &st, &opt);
        mg_buf_puts(b, "</div>");
    }
    mg_buf_puts(b, "</div>\n");
}

/*
 * How the model's APL agrees with the DREES's over the scope: rank and
 * linear correlation, mean gap, the confusion of "below the threshold",
 * per EPCI when the scope holds several, the communes flagged by one side
 * only, and both flags on two maps.
 */
static void agreement_section(mg_buf *b, const mg_app *a, const territory_req *q)
{
    const mg_diagnosis *g = q->p->g;
    const mg_territory *t = g->t;
    const mg_scope *sc = &q->scope;
    bool threshold = isfinite(g->prof->threshold);
    mg_buf_puts(b, "<section aria-labelledby=\"accord\"><h2 id=\"accord\">Accord avec l'APL "
                   "officielle (DREES)</h2>\n<p>Le modèle de maillage recalcule l'APL à partir de "
                   "données ouvertes ; la DREES publie la sienne. Leur accord mesure la confiance "
                   "à accorder aux scénarios, calculés avec le modèle.</p>\n"
                   "<div class=\"scroll\"><table><caption>Accord du modèle avec la DREES");
    if (threshold)
        mg_buf_puts(b, " (« sous le seuil » : APL inférieure au seuil de sous-dotation)");
    mg_buf_puts(b, "</caption>\n<thead><tr><th scope=\"col\">Périmètre</th>"
                   "<th scope=\"col\">Communes comparées</th><th scope=\"col\">Spearman</th>"
                   "<th scope=\"col\">Pearson</th><th scope=\"col\">Écart absolu moyen</th>");
    if (threshold)
        mg_buf_puts(b, "<th scope=\"col\">Sous le seuil des deux côtés</th>"
                       "<th scope=\"col\">Selon le modèle seul</th>"
                       "<th scope=\"col\">Selon la DREES seule</th>"
                       "<th scope=\"col\">Au-dessus des deux côtés</th>");
    mg_buf_puts(b, "</tr></thead><tbody>\n");
    mg_agreement ag;
    if (mg_summary_agreement(sc->idx, sc->n, g->apl, g->official, g->prof->threshold, &ag)) {
        b->failed = 1;
        return;
    }
    mg_buf_puts(b, "<tr><th scope=\"row\">");
    mg_html_text(b, sc->label);
    mg_buf_puts(b, "</th>");
    agreement_cells(b, &ag, threshold);
    mg_buf_puts(b, "</tr>\n");
    if (sc->kind != MG_SCOPE_EPCI) {
        /* One row per EPCI of the scope, in the order of their codes. */
        size_t *idx = mg_alloc_array(sc->n ? sc->n : 1, sizeof *idx);
        if (!idx) {
            b->failed = 1;
            return;
        }
        for (size_t e = 0; e < t->nepci; e++) {
            size_t m = 0;
            for (size_t k = 0; k < sc->n; k++)
                if (t->epci[sc->idx[k]] == (int32_t)e)
                    idx[m++] = sc->idx[k];
            if (!m || mg_summary_agreement(idx, m, g->apl, g->official, g->prof->threshold, &ag))
                continue;
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            epci_link(b, t, e, g->prof->key);
            mg_buf_puts(b, "</th>");
            agreement_cells(b, &ag, threshold);
            mg_buf_puts(b, "</tr>\n");
        }
        free(idx);
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
    if (threshold) {
        mg_buf_puts(b, "<h3>Sous le seuil selon le modèle seulement</h3>\n"
                       "<p class=\"note\">Entre parenthèses : APL du modèle / APL DREES.</p>\n");
        one_side_list(b, q, true);
        mg_buf_puts(b, "<h3>Sous le seuil selon la DREES seulement</h3>\n");
        one_side_list(b, q, false);
        /* A scope's maps are small; the whole territory's two more maps
         * are drawn on demand, to keep the page light. */
        if (sc->kind != MG_SCOPE_ALL || q->flag_maps) {
            flag_maps(b, a, q->p, sc);
        } else {
            mg_buf_puts(b, "<p><a href=\"");
            mg_html_href(b, q->path,
                         (const char *const[]){"profession", g->prof->key, "mesure",
                                               mg_app_measure_keys[q->measure], "base",
                                               q->base != q->base_default
                                                   ? web_baseline_param(q->base)
                                                   : NULL,
                                               "cartes", "accord", NULL},
                         "accord");
            mg_buf_puts(b, "\">Afficher côte à côte les communes sous le seuil selon le modèle "
                           "et selon la DREES</a></p>\n");
        }
    }
    mg_buf_puts(b, "</section>\n");
}

/*
 * The inline SVG map of measure `measure`'s values: its unit after each
 * value, its legend's heading, its colours (reversed where a low value is
 * good, so that the shortest times get the colour of the best APL), the
 * under-served threshold only on an APL, and the label of communes without
 * a value. Links to the commune pages as web_map's.
 */
static void measure_map(mg_buf *b, const mg_app *a, const mg_app_profession *p, int measure,
                        const double *values, const char *title, const mg_scope *sc)
{
    const mg_diagnosis *g = p->g;
    const mg_app_measure_info *m = mg_app_measure(measure);
    double threshold = m->apl ? g->prof->threshold : NAN;
    mg_map_style style = mg_map_style_for(values, g->study, g->study_n, threshold, false);
    if (m->low_is_good)
        mg_map_style_reverse(&style);
    char sources[1024], suffix[WEB_MAP_SUFFIX];
    web_sources(sources, sizeof sources, a, p);
    mg_map_options opt = web_map_options(p, title, threshold, false, suffix);
    opt.unit = mg_app_measure_unit(measure, g->prof);
    opt.legend_title = m->legend;
    opt.no_data_label = m->no_data;
    /* A scope's map is framed on it, the rest of the territory grey. */
    opt.focus = sc->kind == MG_SCOPE_ALL ? NULL : sc->mark;
    opt.focus_label = sc->label;
    opt.label_count = 8;
    opt.epci_borders = true;
    opt.scale_bar = true;
    opt.source = sources;
    (void)web_map_inline(b, a, g->t, values, &style, &opt); /* a failed buffer says so */
}

static void territory_render(mg_buf *b, web_ctx *ctx, const territory_req *q,
                             const territory_view *v)
{
    const mg_app *a = ctx->app;
    const mg_diagnosis *g = q->p->g;
    const mg_scope *sc = &q->scope;
    char title[256];
    snprintf(title, sizeof title, "Accès aux %s — %s", g->prof->label,
             sc->kind == MG_SCOPE_ALL ? a->territory_name : sc->label);
    web_page_begin(b, ctx, title, "territoire");
    if (sc->kind != MG_SCOPE_ALL) {
        mg_buf_puts(b, "<p class=\"crumbs\"><a href=\"");
        mg_html_href(b, "/territoire", (const char *const[]){"profession", g->prof->key, NULL},
                     NULL);
        mg_buf_puts(b, "\">← ");
        mg_html_text(b, a->territory_name);
        mg_buf_puts(b, "</a></p>\n");
    }
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, title);
    mg_buf_puts(b, "</h1>\n");
    if (sc->kind != MG_SCOPE_ALL) {
        mg_buf_puts(b, "<p class=\"scope\">Périmètre : <strong>");
        mg_html_text(b, sc->label);
        mg_buf_printf(b, sc->n > 1 ? "</strong>, %zu communes sur les %zu du territoire "
                                   : "</strong>, %zu commune sur les %zu du territoire ",
                      sc->n, g->study_n);
        mg_html_text(b, a->territory_name);
        mg_buf_puts(b, ". Les valeurs sont calculées avec toutes les communes voisines.</p>\n");
    }
    scope_choice choice = {g, sc, a->territory_name, a};
    choice_form(b, "/territoire", g->prof->key, q->measure, &choice);
    if (q->measure == 0) {
        /* Which APL the map shows, and the other one a click away. */
        const char *mesure[] = {"mesure", "apl", NULL};
        mg_buf_puts(b, q->base == MG_BASELINE_OFFICIAL
                           ? "<p class=\"note baseline\">Valeurs : <strong>APL officielle "
                             "(DREES)</strong>, base des scénarios ; "
                           : "<p class=\"note baseline\">Valeurs : <strong>APL du "
                             "modèle</strong> (maillage) ; ");
        size_t nf = q->p->official_counts.fallback;
        if (q->base == MG_BASELINE_OFFICIAL && nf) {
            mg_buf_printf(b, "%zu ", nf);
            mg_buf_puts(b, nf > 1 ? "communes sans valeur officielle : APL du modèle, marquée "
                                    "« (modèle) » ; "
                                  : "commune sans valeur officielle : APL du modèle, marquée "
                                    "« (modèle) » ; ");
        }
        mg_buf_puts(b, "<a href=\"");
        mg_html_href(b, "/territoire",
                     (const char *const[]){"profession", g->prof->key, mesure[0], mesure[1],
                                           "base",
                                           web_baseline_param(q->base == MG_BASELINE_OFFICIAL
                                                                  ? MG_BASELINE_MODEL
                                                                  : MG_BASELINE_OFFICIAL),
                                           NULL},
                     NULL);
        mg_buf_puts(b, q->base == MG_BASELINE_OFFICIAL ? "\">voir l'APL du modèle</a></p>\n"
                                                       : "\">voir l'APL officielle</a></p>\n");
    }
    mg_buf_puts(b, "<div class=\"two\"><section class=\"map\" aria-labelledby=\"carte\"><h2 id=\"carte\">Carte</h2>\n");
    char map_title[256];
    snprintf(map_title, sizeof map_title, "%s — %s",
             q->measure == 0 && q->base == MG_BASELINE_OFFICIAL ? "APL officielle (DREES)"
                                                                : mg_app_measure(q->measure)->label,
             g->prof->label);
    measure_map(b, a, q->p, q->measure, v->value, map_title, &q->scope);
    mg_buf_puts(b, "<p class=\"downloads\">Télécharger : ");
    download_link(b, "/telecharger/communes.csv", q, false, "tableau CSV");
    mg_buf_puts(b, " · ");
    download_link(b, "/telecharger/communes.geojson", q, false, "GeoJSON (QGIS)");
    mg_buf_puts(b, " · ");
    download_link(b, "/carte.svg", q, true, "carte SVG");
    mg_buf_puts(b, " · ");
    download_link(b, "/carte.png", q, true, "carte PNG");
    mg_buf_puts(b, "<br>Pour les élus et partenaires : ");
    download_link(b, "/telecharger/communes.xlsx", q, false, "classeur Excel (XLSX)");
    mg_buf_puts(b, " · ");
    download_link(b, "/telecharger/communes-fr.csv", q, false, "CSV pour tableur français");
    mg_buf_puts(b, " · ");
    download_link(b, "/territoire/fiche.pdf", q, false, "fiche territoire (PDF A4)");
    mg_buf_puts(b, "</p>\n</section>\n");
    key_figures(b, q->p, v->summary, q->measure);
    mg_buf_puts(b, "</div>\n");
    if (sc->kind != MG_SCOPE_ALL && v->is_apl) {
        under_served(b, q, v);
        /* What can be done there: planning and scenarios on the same scope. */
        mg_buf_puts(b, "<p class=\"next\">Agir sur ce périmètre : <a href=\"");
        mg_html_href(b, "/planification",
                     (const char *const[]){"profession", g->prof->key, "perimetre", sc->key,
                                           NULL},
                     NULL);
        mg_buf_puts(b, "\">planifier où placer des moyens</a></p>\n");
    }
    if (q->measure <= 1)
        agreement_section(b, a, q);
    if (sc->kind == MG_SCOPE_ALL)
        web_layer_sections(b, a, q->p, v->value, v->is_apl, mg_app_measure_keys[q->measure],
                           q->base != q->base_default ? web_baseline_param(q->base) : NULL);
    if (sc->kind != MG_SCOPE_EPCI)
        epci_table(b, q, v);
    commune_table(b, q, v);
    web_page_end(b);
}

/*
 * The territory page (siren NULL; its scope from ?perimetre=) or an EPCI's
 * page /epci/{siren}. Both draw the same view of their scope; an EPCI's
 * links go to its own page, so that /territoire?perimetre=epci:S and
 * /epci/S are the same page.
 */
static int territory_serve(web_ctx *ctx, const char *siren)
{
    territory_req q;
    territory_view v = {0};
    refusal why;
    if (territory_parse(ctx->app, ctx->req, &q, &why))
        return answer_refusal(ctx, &why);
    q.base = web_baseline(ctx);
    q.base_default = ctx->app->baseline;
    if (q.base == MG_BASELINE_COUNT)
        return 0;
    if (siren) {
        char spec[32];
        mg_diag d = {{0}};
        int rc = MG_EINVAL;
        if (strlen(siren) == 9 && strspn(siren, "0123456789") == 9) {
            snprintf(spec, sizeof spec, "epci:%s", siren);
            rc = mg_scope_parse(q.p->g, spec, &q.scope, &d);
        }
        if (rc == MG_EINVAL) {
            web_fail(ctx, 404, WEB_MSG_EPCI_NOT_FOUND);
            return MG_OK;
        }
        if (rc)
            return rc;
    } else if (!web_scope(ctx, q.p, &q.scope)) {
        return MG_OK;
    }
    if (q.scope.kind == MG_SCOPE_EPCI)
        snprintf(q.path, sizeof q.path, "/epci/%s", q.p->g->t->epci_code[q.scope.epci]);
    else
        snprintf(q.path, sizeof q.path, "/territoire");
    q.app = ctx->app;
    int rc = territory_compute(&q, &v, &why);
    if (rc == MG_OK) {
        territory_render(&ctx->res->body, ctx, &q, &v);
        rc = ctx->res->body.failed ? MG_ELIMIT : MG_OK;
    } else if (rc > 0) {
        rc = answer_refusal(ctx, &why);
    }
    territory_view_free(&v);
    mg_scope_free(&q.scope);
    return rc;
}

static int territory_page(web_ctx *ctx)
{
    return territory_serve(ctx, NULL);
}

static int epci_page(web_ctx *ctx)
{
    return territory_serve(ctx, mg_http_path_param(ctx->req, "siren"));
}

/* --- The commune page --------------------------------------------------------- */

/* What a request of the commune page asks. */
typedef struct commune_req {
    const mg_app_profession *p;
    const char *code; /* as asked: a former code is redirected */
    size_t i;         /* the commune, index in the territory */
    size_t page;      /* of the communes within reach (?page=, 1) */
    enum mg_baseline base; /* ?base=: the map's values */
} commune_req;

static int commune_parse(const mg_app *a, const mg_http_request *r, commune_req *q, refusal *why)
{
    *q = (commune_req){0};
    if (choice_parse(a, r, &q->p, NULL, why))
        return why->status;
    const mg_territory *t = q->p->g->t;
    q->code = mg_http_path_param(r, "code");
    long i = q->code ? mg_territory_find(t, q->code) : -1;
    if (i < 0 || !t->in_study[i])
        return refuse(why, 404, WEB_MSG_COMMUNE_NOT_IN_TERRITORY);
    q->i = (size_t)i;
    return parse_page(r, "page", &q->page, why);
}

/* Contributions: commune i's APL is Σ_j f(t_ij)·R_j; each practice
 * location j within reach contributes one term. */
typedef struct contribution {
    size_t j;
    double minutes, weight, value;
} contribution;

/* By contribution, largest first, then by time, then by commune: a total
 * order, so that every commune is on exactly one page. */
static int cmp_contrib(const void *x, const void *y)
{
    const contribution *a = x, *b = y;
    if (a->value != b->value)
        return (a->value < b->value) - (a->value > b->value);
    if (a->minutes != b->minutes)
        return (a->minutes > b->minutes) - (a->minutes < b->minutes);
    return (a->j > b->j) - (a->j < b->j);
}

/* What the commune page shows. */
typedef struct commune_view {
    contribution *c; /* the communes i reaches, by contribution (malloc'ed) */
    size_t nc;
    size_t with_supply; /* of them, those with practitioners */
    double total;       /* the sum of the contributions: the APL */
    long highlight;     /* the commune in the study list, for the map */
    web_pager pg;
} commune_view;

/* The communes i reaches, with the contribution of each to its APL,
 * f(t_ij)·S_j/D_j; a page past the end of their list is refused. */
static int commune_compute(const commune_req *q, commune_view *v, refusal *why)
{
    *v = (commune_view){0};
    const mg_app_profession *p = q->p;
    const mg_diagnosis *g = p->g;
    const mg_pairs *pr = &g->pairs;
    const double *dem = mg_scenario_engine_demand(p->engine);
    size_t i = q->i, len = pr->start[i + 1] - pr->start[i];
    if (paginate(len, q->page, &v->pg, why))
        return why->status;
    v->c = mg_alloc_array(len ? len : 1, sizeof *v->c);
    if (!v->c)
        return MG_ENOMEM;
    for (size_t k = 0; k < len; k++) {
        size_t e = pr->start[i] + k, j = pr->to[e];
        double w = mg_decay_eval(&g->apl_spec.decay, pr->minutes[e]);
        double c = dem[j] > 0 ? w * g->supply[j] / dem[j] * g->apl_spec.scale : 0;
        v->c[k] = (contribution){j, pr->minutes[e], w, c};
        if (c > 0) {
            v->with_supply++;
            v->total += c;
        }
    }
    qsort(v->c, len, sizeof *v->c, cmp_contrib);
    v->nc = len;
    v->highlight = -1;
    for (size_t k = 0; k < g->study_n; k++)
        if (g->study[k] == i)
            v->highlight = (long)k;
    return 0;
}

static void fig_text(mg_buf *b, const char *label, const char *value)
{
    mg_buf_puts(b, "<div class=\"fig\"><dt>");
    mg_html_text(b, label);
    mg_buf_puts(b, "</dt><dd>");
    mg_html_text(b, value);
    mg_buf_puts(b, "</dd></div>");
}

static void fig_num(mg_buf *b, const char *label, double v, int decimals)
{
    char s[64];
    web_num(s, sizeof s, v, decimals);
    fig_text(b, label, s);
}

static void reach_page_href(mg_buf *b, const void *state, size_t page)
{
    const commune_req *q = state;
    commune_href(b, q->p->g->t, q->i, q->p->g->prof->key, page, "pourquoi");
}

/* "Sous le seuil ?" on one baseline: oui (strong), non, or — without a
 * value. */
static void under_fig(mg_buf *b, const char *label, double value, double threshold)
{
    mg_buf_puts(b, "<div class=\"fig\"><dt>");
    mg_html_text(b, label);
    mg_buf_puts(b, "</dt><dd>");
    if (!isfinite(value))
        mg_buf_puts(b, "—");
    else
        mg_buf_puts(b, value < threshold ? "<strong class=\"under\">oui</strong>" : "non");
    mg_buf_puts(b, "</dd></div>");
}

/* Both values of the commune and what a scenario starts from on each
 * baseline (scenario/baseline.h), with the under-served flag on each. */
static void commune_values(mg_buf *b, const mg_app_profession *p, size_t i, const char *rank)
{
    const mg_diagnosis *g = p->g;
    bool fallback = p->official_flags[i] & MG_BASELINE_F_MODEL_FALLBACK;
    fig_num(b, "APL (maillage)", g->apl[i], 2);
    if (isfinite(g->official[i]))
        fig_num(b, "APL officielle DREES", g->official[i], 2);
    else
        fig_text(b, "APL officielle DREES", "pas de valeur publiée");
    char base[64];
    web_num(base, sizeof base, p->official_base[i], 2);
    if (fallback)
        snprintf(base + strlen(base), sizeof base - strlen(base), " (modèle)");
    fig_text(b, "Base « APL officielle + effet du scénario (modèle) »", base);
    fig_text(b, "Rang dans le territoire (modèle)", rank);
    if (isfinite(g->prof->threshold)) {
        char z[32], label[128];
        web_num(z, sizeof z, g->prof->threshold, 1);
        snprintf(label, sizeof label, "Sous le seuil de %s, selon le modèle ?", z);
        under_fig(b, label, g->apl[i], g->prof->threshold);
        snprintf(label, sizeof label, "Sous le seuil de %s, selon l'APL officielle ?", z);
        under_fig(b, label, p->official_base[i], g->prof->threshold);
    }
}

/* A share of our value, in percent, as text. */
static void share_text(mg_buf *b, double part, double total)
{
    num(b, total > 0 ? 100 * part / total : 0, 0);
    mg_buf_puts(b, " %");
}

/* One reason among those of explain_gap, with its weight for the order. */
typedef struct gap_reason {
    double weight; /* the share of our value it moves; 0: not shown */
    int kind;
} gap_reason;

enum { REASON_OTHER_DEP, REASON_EDGE, REASON_OWN, REASON_CENTRES, REASON_COUNT };

static int cmp_reasons(const void *x, const void *y)
{
    const gap_reason *a = x, *b = y;
    return (a->weight < b->weight) - (a->weight > b->weight);
}

/*
 * Why the model's value and the DREES's differ, from the contributions
 * already computed: how much of our value comes from practice locations
 * in another département, near the edge of reach (where the crow-fly time,
 * shorter than the road's, decides whether a location counts), from the
 * commune's own practitioners (a head count where the DREES counts
 * activity), and from health centres (counted as a fraction of a GP).
 * These are the inputs where the model and the DREES differ most; the
 * page names the largest and says they are likely, not certain, causes.
 */
static void explain_gap(mg_buf *b, const commune_req *q, const commune_view *v)
{
    const mg_diagnosis *g = q->p->g;
    const mg_territory *t = g->t;
    size_t i = q->i;
    double ours = g->apl[i], official = g->official[i];
    mg_buf_puts(b, "<section aria-labelledby=\"ecart\"><h2 id=\"ecart\">Pourquoi notre valeur "
                   "diffère de l'APL officielle</h2>\n");
    if (!isfinite(official)) {
        mg_buf_puts(b, "<p>La DREES ne publie pas de valeur pour cette commune : seule celle du "
                       "modèle est disponible.</p></section>\n");
        return;
    }
    double gap = ours - official;
    mg_buf_puts(b, "<p>Modèle : <strong>");
    num(b, ours, 2);
    mg_buf_puts(b, "</strong> ; DREES : <strong>");
    num(b, official, 2);
    mg_buf_puts(b, "</strong> ; écart : ");
    num(b, gap, 2);
    if (official > 0) {
        mg_buf_puts(b, " (");
        num(b, 100 * gap / official, 0);
        mg_buf_puts(b, " %)");
    }
    mg_buf_puts(b, ".");
    double thr = g->prof->threshold;
    if (isfinite(thr) && (mg_output_round(ours) < thr) != (official < thr))
        mg_buf_puts(b, mg_output_round(ours) < thr
                           ? " <strong>Le modèle la classe sous le seuil, la DREES non.</strong>"
                           : " <strong>La DREES la classe sous le seuil, le modèle non.</strong>");
    mg_buf_puts(b, "</p>\n");
    if (fabs(gap) < 0.1 * fmax(official, 0.1)) {
        mg_buf_puts(b, "<p>Les deux valeurs sont proches (moins de 10 % d'écart).</p></section>\n");
        return;
    }
    /* The parts of our value each input explains. */
    double other = 0, edge = 0, own = 0, centres = 0;
    /* The nominal reach (the last step, 20 minutes, before the spread of
     * smoothed steps) and where its last partial step begins. */
    const mg_decay *f = &g->apl_spec.decay;
    bool steps = f->kind == MG_DECAY_STEP && f->nsteps > 0;
    double reach = steps ? f->upper[f->nsteps - 1] : f->catchment;
    double edge_from = steps && f->nsteps > 1 ? f->upper[f->nsteps - 2] : 0.75 * reach;
    char deps[64] = "";
    for (size_t k = 0; k < v->nc; k++) {
        const contribution *c = &v->c[k];
        size_t j = c->j;
        if (c->value <= 0)
            continue;
        if (strcmp(t->dep[j], t->dep[i]) != 0) {
            other += c->value;
            if (!strstr(deps, t->dep[j]) && strlen(deps) + strlen(t->dep[j]) + 3 < sizeof deps)
                snprintf(deps + strlen(deps), sizeof deps - strlen(deps), "%s%s",
                         deps[0] ? ", " : "", t->dep[j]);
        }
        if (c->minutes >= edge_from)
            edge += c->value;
        if (j == i)
            own += c->value;
        if (g->centres && g->centres[j] > 0) {
            double counted = g->heads[j] + g->opts.centre_heads * g->centres[j];
            if (counted > 0)
                centres += c->value * g->opts.centre_heads * g->centres[j] / counted;
        }
    }
    double total = v->total;
    char catch[32], from[32];
    web_num(catch, sizeof catch, reach, 0);
    web_num(from, sizeof from, edge_from, 0);
    if (total <= 0) {
        mg_buf_puts(b, "<p>Le modèle ne trouve aucun praticien à moins de ");
        mg_html_text(b, catch);
        mg_buf_puts(b, " minutes (temps estimé à vol d'oiseau) ; la DREES, avec les temps par la "
                       "route et ses propres fichiers de praticiens, en atteint. Vérifiez les "
                       "praticiens des communes proches.</p></section>\n");
        return;
    }
    gap_reason r[REASON_COUNT] = {{other / total, REASON_OTHER_DEP}, {edge / total, REASON_EDGE},
                                  {own / total, REASON_OWN}, {centres / total, REASON_CENTRES}};
    qsort(r, REASON_COUNT, sizeof *r, cmp_reasons);
    mg_buf_puts(b, "<p>Ce qui l'explique le plus probablement, d'après la composition de notre "
                   "valeur (des hypothèses, par ordre d'importance) :</p>\n<ul class=\"explain\">\n");
    size_t shown = 0;
    bool higher = gap > 0;
    for (size_t k = 0; k < REASON_COUNT; k++) {
        if (r[k].weight < 0.10)
            continue;
        shown++;
        mg_buf_puts(b, "<li>");
        switch (r[k].kind) {
        case REASON_OTHER_DEP:
            share_text(b, other, total);
            mg_buf_puts(b, " de notre valeur vient de praticiens d'un autre département (");
            mg_html_text(b, deps);
            mg_buf_puts(b, higher ? ") comptés à moins de " : ") à moins de ");
            mg_html_text(b, catch);
            mg_buf_puts(b, higher ? " minutes à vol d'oiseau : la DREES mesure les trajets par "
                                    "la route, souvent plus longs au passage d'un relief ou d'une "
                                    "rivière, et en compte moins."
                                  : " minutes : les praticiens de l'autre côté de la limite "
                                    "départementale peuvent être plus proches par la route.");
            break;
        case REASON_EDGE:
            share_text(b, edge, total);
            mg_buf_puts(b, " vient de lieux d'exercice situés à plus de ");
            mg_html_text(b, from);
            mg_buf_puts(b, " minutes et la limite de ");
            mg_html_text(b, catch);
            mg_buf_puts(b, higher ? " minutes, en bordure de la zone prise en compte : un temps "
                                    "par la route un peu plus long que notre estimation les en "
                                    "fait sortir."
                                  : " minutes : une route plus rapide que notre estimation (voie "
                                    "rapide, autoroute) les rapprocherait et en ajouterait "
                                    "d'autres.");
            break;
        case REASON_OWN:
            share_text(b, own, total);
            mg_buf_puts(b, " vient des praticiens de la commune elle-même (");
            num(b, g->heads[i], 0);
            mg_buf_puts(b, higher ? " selon la BPE) : nous comptons des effectifs, la DREES "
                                    "l'activité réelle, plus faible pour un praticien à temps "
                                    "partiel ou proche de la retraite."
                                  : " selon la BPE) : la DREES compte l'activité réelle, plus "
                                    "forte pour des praticiens très actifs, et des fichiers plus "
                                    "récents.");
            break;
        default:
            share_text(b, centres, total);
            mg_buf_puts(b, " vient de centres de santé, comptés chacun comme ");
            num(b, g->opts.centre_heads, 2);
            mg_buf_puts(b, " médecin faute d'effectif publié : leur activité réelle peut être "
                           "très différente.");
        }
        mg_buf_puts(b, "</li>\n");
    }
    if (!shown) {
        mg_buf_puts(b, "<li>Aucun apport ne domine : l'écart tient surtout aux données elles-mêmes "
                       "(praticiens comptés en effectifs dans la BPE contre l'activité réelle à la "
                       "DREES, années différentes).</li>\n");
    }
    mg_buf_puts(b, "</ul>\n<p class=\"note\">Le détail de chaque apport est dans le tableau "
                   "« Pourquoi cette valeur ? » ci-dessous.</p></section>\n");
}

static void commune_render(mg_buf *b, web_ctx *ctx, const commune_req *q, const commune_view *v)
{
    const mg_app *a = ctx->app;
    const mg_app_profession *p = q->p;
    const mg_diagnosis *g = p->g;
    const mg_territory *t = g->t;
    const char *prof = g->prof->key;
    size_t i = q->i;
    char title[256];
    snprintf(title, sizeof title, "%s (%s)", t->name[i], t->code[i]);
    web_page_begin(b, ctx, title, "territoire");
    mg_buf_puts(b, "<p class=\"crumbs\"><a href=\"");
    mg_html_href(b, "/territoire", (const char *const[]){"profession", prof, NULL}, NULL);
    mg_buf_puts(b, "\">← Territoire</a></p>\n<h1>");
    mg_html_text(b, title);
    mg_buf_puts(b, "</h1>\n");
    choice_form(b, "", prof, -1, NULL);

    char rank[64];
    snprintf(rank, sizeof rank, p->rank[i] == 1 ? "%zuer sur %zu" : "%zue sur %zu", p->rank[i],
             g->study_n);
    mg_buf_puts(b, "<div class=\"two\"><section aria-labelledby=\"valeurs\"><h2 id=\"valeurs\">Valeurs</h2>\n"
                   "<dl class=\"figures\">");
    commune_values(b, p, i, rank);
    fig_num(b, "Population", t->population[i], 0);
    fig_num(b, "Population standardisée", g->demand[i], 0);
    fig_num(b, "Praticiens dans la commune", g->heads[i], 0);
    if (t->epci[i] >= 0) {
        mg_buf_puts(b, "<div class=\"fig\"><dt>EPCI</dt><dd>");
        epci_link(b, t, (size_t)t->epci[i], prof);
        mg_buf_puts(b, "</dd></div>");
    }
    for (size_t k = 0; k < a->nlayers; k++) {
        char lv[64], label[192];
        const mg_layer *l = a->layers[k];
        snprintf(label, sizeof label, "%s (%s)", l->desc.label, l->desc.year);
        const char *txt = mg_layer_text(l, i, lv, sizeof lv);
        fig_text(b, label, txt[0] ? txt : "non renseignée");
    }
    mg_buf_puts(b, "</dl><p class=\"note\">Unité : ");
    mg_html_text(b, g->prof->unit);
    mg_buf_puts(b, ". Un scénario sur la base officielle part de l'APL officielle là où la "
                   "DREES en publie une et y ajoute l'écart calculé par le modèle ; ailleurs, "
                   "il part de l'APL du modèle.</p></section>\n"
                   "<section class=\"map\" aria-labelledby=\"carte\"><h2 id=\"carte\">Carte</h2>");
    web_map(b, a, p, mg_app_baseline_values(p, q->base), false,
            q->base == MG_BASELINE_OFFICIAL
                ? "APL officielle des communes, commune sélectionnée entourée"
                : "APL des communes, commune sélectionnée entourée",
            g->prof->threshold, v->highlight);
    {
        /* The same map on the other baseline. */
        char path[64];
        snprintf(path, sizeof path, "/commune/%s", t->code[i]);
        bool official = q->base == MG_BASELINE_OFFICIAL;
        mg_buf_puts(b, "<p class=\"note\"><a href=\"");
        mg_html_href(b, path,
                     (const char *const[]){"profession", prof, "base",
                                           web_baseline_param(official ? MG_BASELINE_MODEL
                                                                       : MG_BASELINE_OFFICIAL),
                                           NULL},
                     NULL);
        mg_buf_puts(b, official ? "\">Carte de l'APL du modèle</a></p>"
                                : "\">Carte de l'APL officielle</a></p>");
    }
    mg_buf_puts(b, "</section></div>\n");
    explain_gap(b, q, v);

    /* Why: the terms of the sum. */
    char catch[32];
    web_num(catch, sizeof catch, g->apl_spec.decay.catchment, 0);
    mg_buf_printf(b, "<section aria-labelledby=\"pourquoi\"><h2 id=\"pourquoi\">Pourquoi cette valeur ?</h2>\n"
                     "<p>L'APL de la commune est la somme des contributions des %zu lieux d'exercice "
                     "accessibles en moins de ",
                  v->with_supply);
    mg_html_text(b, catch);
    mg_buf_puts(b, " minutes. La contribution d'un lieu est son offre "
                   "divisée par la population qui peut l'atteindre (pondérée par le temps), puis "
                   "pondérée par le temps depuis la commune.</p>\n"
                   "<div class=\"scroll\"><table><caption>Communes à moins de ");
    mg_html_text(b, catch);
    mg_buf_puts(b, " minutes, par contribution</caption>\n"
                   "<thead><tr><th scope=\"col\">Commune</th><th scope=\"col\">Temps (min)</th>"
                   "<th scope=\"col\">Pondération</th><th scope=\"col\">Praticiens</th>"
                   "<th scope=\"col\">Demande qui l'atteint</th><th scope=\"col\">Contribution</th>"
                   "<th scope=\"col\">Part</th></tr></thead><tbody>\n");
    const double *dseen = mg_scenario_engine_demand(p->engine);
    for (size_t k = v->pg.first; k < v->pg.end; k++) {
        const contribution *c = &v->c[k];
        size_t j = c->j;
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        if (t->in_study[j]) {
            mg_buf_puts(b, "<a href=\"");
            commune_href(b, t, j, prof, 1, NULL);
            mg_buf_puts(b, "\">");
            mg_html_text(b, t->name[j]);
            mg_buf_puts(b, "</a>");
        } else {
            mg_html_text(b, t->name[j]);
            mg_buf_puts(b, " <span class=\"tag\">");
            mg_html_text(b, t->dep[j]);
            mg_buf_puts(b, "</span>");
        }
        mg_buf_puts(b, "</th>");
        td_num(b, c->minutes, 1);
        td_num(b, c->weight, 2);
        td_num(b, g->heads[j], 0);
        td_num(b, dseen[j], 0);
        td_num(b, c->value, 3);
        mg_buf_puts(b, "<td>");
        num(b, v->total > 0 ? 100 * c->value / v->total : 0, 1);
        mg_buf_puts(b, " %</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
    web_pager_nav(b, &v->pg, "Pagination", reach_page_href, q);
    mg_buf_puts(b, "</section>\n");
    web_page_end(b);
}

static int commune_page(web_ctx *ctx)
{
    commune_req q;
    commune_view v = {0};
    refusal why;
    if (commune_parse(ctx->app, ctx->req, &q, &why))
        return answer_refusal(ctx, &why);
    q.base = web_baseline(ctx);
    if (q.base == MG_BASELINE_COUNT)
        return 0;
    const mg_diagnosis *g = q.p->g;
    if (strcmp(g->t->code[q.i], q.code) != 0) {
        /* A former code: send people to today's commune. */
        char loc[128];
        snprintf(loc, sizeof loc, "/commune/%s?profession=%s", g->t->code[q.i], g->prof->key);
        mg_http_redirect(ctx->res, loc);
        return MG_OK;
    }
    int rc = commune_compute(&q, &v, &why);
    if (rc == MG_OK) {
        commune_render(&ctx->res->body, ctx, &q, &v);
        rc = ctx->res->body.failed ? MG_ELIMIT : MG_OK;
    } else if (rc > 0) {
        rc = answer_refusal(ctx, &why);
    }
    free(v.c);
    return rc;
}

/* --- The method page ---------------------------------------------------------- */

static int method_page(web_ctx *ctx)
{
    mg_http_response *res = ctx->res;
    mg_buf *b = &res->body;
    web_page_begin(b, ctx, "Méthode et limites", NULL);
    mg_buf_puts(b,
        "<h1>Méthode et limites</h1>\n"
        "<p>L'<strong>accessibilité potentielle localisée</strong> (APL) mesure, pour chaque commune, "
        "l'offre de soins accessible rapportée à la demande qui s'adresse à cette offre. maillage la calcule "
        "comme la DREES : en deux étapes (E2SFCA), avec une pondération par le temps de trajet — 1 à moins de "
        "10 minutes, 0,66 de 10 à 15 minutes, 0,33 de 15 à 20 minutes, 0 au-delà.</p>\n"
        "<ol><li>Pour chaque lieu d'exercice, l'offre (nombre de praticiens × activité moyenne) est divisée par "
        "la population standardisée qui peut l'atteindre, pondérée par le temps.</li>\n"
        "<li>Pour chaque commune, on additionne ces ratios pour tous les lieux d'exercice accessibles, pondérés "
        "de la même façon.</li></ol>\n"
        "<h2>Données</h2><ul><li>Praticiens : INSEE, base permanente des équipements 2019 (effectifs, pas "
        "l'activité réelle).</li><li>Population standardisée et APL officielle : DREES, APL 2021.</li>"
        "<li>Communes, intercommunalités : Etalab, découpage administratif (COG 2026).</li>"
        "<li>Positions des communes : La Poste ; contours : IGN.</li></ul>\n"
        );
    for (size_t k = 0; k < ctx->app->nlayers; k++) {
        const mg_layer *l = ctx->app->layers[k];
        mg_buf_puts(b, k ? "<li>" : "<h2>Couches</h2><ul><li>");
        mg_html_text(b, l->desc.label);
        mg_buf_puts(b, " : ");
        mg_html_text(b, l->desc.source);
        mg_buf_puts(b, " (");
        mg_html_text(b, l->desc.year);
        mg_buf_puts(b, k + 1 == ctx->app->nlayers ? ").</li></ul>\n" : ").</li>");
    }
    mg_buf_puts(b, "<h2>Limites</h2>\n");
    /* The travel-time model as loaded (the calibrated defaults of
     * src/access/model.c, or the server's options), not a copy of it. */
    const mg_diagnosis *g = ctx->app->prof[0].g;
    const mg_crowfly *cf = &g->opts.crowfly;
    char detour[16], speed[16], access[16], spread[16];
    web_num(detour, sizeof detour, cf->detour, 1);
    web_num(speed, sizeof speed, cf->speed_kmh, 0);
    web_num(access, sizeof access, cf->access_min, 1);
    web_num(spread, sizeof spread, g->opts.time_spread, 2);
    mg_buf_puts(b, "<p>Sans réseau routier, les temps de trajet sont estimés à vol d'oiseau : "
                   "distance × ");
    mg_html_text(b, detour);
    mg_buf_puts(b, " à ");
    mg_html_text(b, speed);
    mg_buf_puts(b, " km/h, plus ");
    mg_html_text(b, access);
    mg_buf_puts(b, " minutes par trajet entre deux communes, avec une incertitude de ± ");
    mg_html_text(b, spread);
    mg_buf_puts(b, " (en logarithme) qui adoucit les paliers de temps (pour les médecins "
                   "généralistes ; chaque profession a ses paramètres, ajustés sur l'APL officielle "
                   "de toute la France). Dans les vallées des Pyrénées et les Corbières, le vol "
                   "d'oiseau franchit des reliefs que la route contourne, et l'accès y est "
                   "surestimé. Chaque page montre la valeur officielle de la DREES à côté de la "
                   "nôtre, et la page de chaque commune dit ce qui explique probablement l'écart. "
                   "La documentation technique (docs/methodology.md, docs/calibration/) détaille "
                   "les paramètres, leurs sources et l'accord mesuré avec les valeurs "
                   "officielles.</p>\n");
    web_page_end(b);
    return b->failed ? MG_ELIMIT : MG_OK;
}

static int home(web_ctx *ctx)
{
    return territory_page(ctx);
}

const web_route web_routes_pages[] = {
    {"GET", "/", home, WEB_ANYONE, 0},
    {"GET", "/territoire", territory_page, WEB_ANYONE, 0},
    {"GET", "/epci/{siren}", epci_page, WEB_ANYONE, 0},
    {"GET", "/commune/{code}", commune_page, WEB_ANYONE, 0},
    {"GET", "/methode", method_page, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
