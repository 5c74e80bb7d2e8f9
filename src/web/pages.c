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
enum { CHOICE_PROFESSION, CHOICE_MEASURE, CHOICE_NFIELDS };

typedef struct choice_form_desc {
    web_option measures[MG_APP_MEASURES + 1];
    web_field fields[CHOICE_NFIELDS];
    web_form form;
} choice_form_desc;

/* The description, with the measure when `with_measure`; `prof` and
 * `measure` (an index, -1 for none) are the values shown selected. */
static void choice_form_init(choice_form_desc *f, bool with_measure, const char *prof, int measure)
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
    choice_form_init(&f, measure != NULL, NULL, -1);
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

/* Draws the choice form: one line of selects (class "choice"). */
static void choice_form(mg_buf *b, const char *action, const char *prof, int measure)
{
    choice_form_desc f;
    choice_form_init(&f, measure >= 0, prof, measure);
    f.form.css_class = "choice";
    if (web_form_render(b, &f.form, NULL, "get", action, NULL, NULL))
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
    return 0;
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
        NULL};
    mg_html_href(b, "/territoire", kv, communes ? "communes" : "epci");
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
} territory_view;

static void territory_view_free(territory_view *v)
{
    free(v->communes);
    free(v->epci);
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
    if (q->measure == 0 && q->base == MG_BASELINE_OFFICIAL) {
        v->value = p->official_base;
        v->summary = &p->official_summary;
    }
    if (paginate(g->study_n, q->page, &v->pg, why) ||
        paginate(v->summary->nepci, q->page_epci, &v->pg_epci, why))
        return why->status;

    v->communes = mg_alloc_array(g->study_n ? g->study_n : 1, sizeof *v->communes);
    v->epci = mg_alloc_array(v->summary->nepci ? v->summary->nepci : 1, sizeof *v->epci);
    if (!v->communes || !v->epci)
        return MG_ENOMEM;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        double key = q->sort == SORT_POPULATION ? t->population[i]
                     : q->sort == SORT_OFFICIAL ? g->official[i]
                     : q->sort == SORT_HEADS    ? g->heads[i]
                                                : v->value[i];
        v->communes[k] = (sort_row){i, key, t->name[i]};
    }
    sort_rows(v->communes, g->study_n, q->sort == SORT_NAME, q->desc);
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
    if (m->apl)
        figure(b, "APL officielle DREES", t->official_mean, 2, NULL);
    if (m->apl && isfinite(s->threshold)) {
        char lbl[96], z[32];
        web_num(z, sizeof z, s->threshold, 1);
        snprintf(lbl, sizeof lbl, "Population sous le seuil (%s)", z);
        figure(b, lbl, t->below_population, 0, "habitants");
        figure(b, "Part de la population sous le seuil", 100 * t->below_share, 1, "%");
        figure(b, "Écart moyen au seuil (FGT1)", t->fgt1, 4, NULL);
    }
    figure(b, "Indice de Gini", t->gini, 3, NULL);
    figure(b, "Indice de Theil", t->theil, 4, NULL);
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
    mg_buf_puts(b, "<th scope=\"col\">EPCI</th></tr></thead><tbody>\n");
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
            mg_html_text(b, t->epci_name[t->epci[i]]);
        mg_buf_puts(b, "</td></tr>\n");
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
                                       NULL},
                 NULL);
    mg_buf_puts(b, "\">");
    mg_html_text(b, label);
    mg_buf_puts(b, "</a>");
}

/*
 * The inline SVG map of measure `measure`'s values: its unit after each
 * value, its legend's heading, its colours (reversed where a low value is
 * good, so that the shortest times get the colour of the best APL), the
 * under-served threshold only on an APL, and the label of communes without
 * a value. Links to the commune pages as web_map's.
 */
static void measure_map(mg_buf *b, const mg_app *a, const mg_app_profession *p, int measure,
                        const double *values, const char *title)
{
    const mg_diagnosis *g = p->g;
    const mg_app_measure_info *m = mg_app_measure(measure);
    double threshold = m->apl ? g->prof->threshold : NAN;
    mg_map_style style = mg_map_style_for(values, g->study, g->study_n, threshold, false);
    if (m->low_is_good)
        mg_map_style_reverse(&style);
    char suffix[64];
    snprintf(suffix, sizeof suffix, "?profession=%s", g->prof->key);
    mg_map_options opt = {
        .title = title,
        .unit = mg_app_measure_unit(measure, g->prof),
        .legend_title = m->legend,
        .no_data_label = m->no_data,
        .threshold = threshold,
        .threshold_label = "seuil de sous-dotation",
        .link_prefix = "/commune/",
        .link_suffix = suffix,
        .highlight = -1,
        .width = 800,
    };
    (void)web_map_inline(b, a, g->t, values, &style, &opt); /* a failed buffer says so */
}

static void territory_render(mg_buf *b, web_ctx *ctx, const territory_req *q,
                             const territory_view *v)
{
    const mg_app *a = ctx->app;
    const mg_diagnosis *g = q->p->g;
    char title[256];
    snprintf(title, sizeof title, "Accès aux %s — %s", g->prof->label, a->territory_name);
    web_page_begin(b, ctx, title, "territoire");
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, title);
    mg_buf_puts(b, "</h1>\n");
    choice_form(b, "/territoire", g->prof->key, q->measure);
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
    measure_map(b, a, q->p, q->measure, v->value, map_title);
    mg_buf_puts(b, "<p class=\"downloads\">Télécharger : ");
    download_link(b, "/telecharger/communes.csv", q, false, "tableau CSV");
    mg_buf_puts(b, " · ");
    download_link(b, "/telecharger/communes.geojson", q, false, "GeoJSON (QGIS)");
    mg_buf_puts(b, " · ");
    download_link(b, "/carte.svg", q, true, "carte SVG");
    mg_buf_puts(b, " · ");
    download_link(b, "/carte.png", q, true, "carte PNG");
    mg_buf_puts(b, "</p>\n</section>\n");
    key_figures(b, q->p, v->summary, q->measure);
    mg_buf_puts(b, "</div>\n");
    epci_table(b, q, v);
    commune_table(b, q, v);
    web_page_end(b);
}

static int territory_page(web_ctx *ctx)
{
    territory_req q;
    territory_view v;
    refusal why;
    if (territory_parse(ctx->app, ctx->req, &q, &why))
        return answer_refusal(ctx, &why);
    q.base = web_baseline(ctx);
    q.base_default = ctx->app->baseline;
    if (q.base == MG_BASELINE_COUNT)
        return 0;
    int rc = territory_compute(&q, &v, &why);
    if (rc == MG_OK) {
        territory_render(&ctx->res->body, ctx, &q, &v);
        rc = ctx->res->body.failed ? MG_ELIMIT : MG_OK;
    } else if (rc > 0) {
        rc = answer_refusal(ctx, &why);
    }
    territory_view_free(&v);
    return rc;
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
    choice_form(b, "", prof, -1);

    char rank[64];
    snprintf(rank, sizeof rank, p->rank[i] == 1 ? "%zuer sur %zu" : "%zue sur %zu", p->rank[i],
             g->study_n);
    mg_buf_puts(b, "<div class=\"two\"><section aria-labelledby=\"valeurs\"><h2 id=\"valeurs\">Valeurs</h2>\n"
                   "<dl class=\"figures\">");
    commune_values(b, p, i, rank);
    fig_num(b, "Population", t->population[i], 0);
    fig_num(b, "Population standardisée", g->demand[i], 0);
    fig_num(b, "Praticiens dans la commune", g->heads[i], 0);
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
        "<h2>Limites</h2><p>Sans réseau routier, les temps de trajet sont estimés à vol d'oiseau "
        "(distance × 1,3 à 60 km/h) : dans les vallées des Pyrénées et les Corbières, le vol d'oiseau franchit "
        "des reliefs que la route contourne, et l'accès y est surestimé. Chaque page montre la valeur officielle "
        "de la DREES à côté de la nôtre. La documentation technique (docs/methodology.md) détaille les "
        "paramètres, leurs sources et l'accord mesuré avec les valeurs officielles.</p>\n");
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
    {"GET", "/commune/{code}", commune_page, WEB_ANYONE, 0},
    {"GET", "/methode", method_page, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
