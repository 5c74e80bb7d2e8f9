/* The territory page, the commune page and the method page. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "web/web.h"

/* Labels of mg_app_measure_keys, in the same order. */
static const char *const measure_labels[MG_APP_MEASURES] = {
    "APL (méthode DREES)", "APL officielle publiée par la DREES", "2SFCA (zone binaire)", "2SFCA gaussien", "3SFCA",
    "BFCA (équilibré)", "Gravitaire (Hansen)", "Praticiens à moins de 20 min",
    "Temps jusqu'au praticien le plus proche"};
static const char *const prof_keys[] = {"mg", "inf", "mk", "sf", "cd"};

/* Sort keys of the commune table. */
typedef struct sort_ctx_row {
    size_t i;
    double key;
    const char *name;
} sort_row;

static int cmp_rows_num(const void *x, const void *y)
{
    const sort_row *a = x, *b = y;
    if (a->key != b->key) {
        if (isnan(a->key))
            return 1;
        if (isnan(b->key))
            return -1;
        return (a->key > b->key) - (a->key < b->key);
    }
    return strcmp(a->name, b->name);
}

static int cmp_rows_name(const void *x, const void *y)
{
    return strcmp(((const sort_row *)x)->name, ((const sort_row *)y)->name);
}

static void figure(mg_buf *b, const char *label, double v, int decimals, const char *unit)
{
    char s[64];
    web_num(s, sizeof s, v, decimals);
    mg_buf_puts(b, "<div class=\"fig\"><dt>");
    mg_html_text(b, label);
    mg_buf_printf(b, "</dt><dd>%s", s);
    if (unit) {
        mg_buf_puts(b, " <span class=\"unit\">");
        mg_html_text(b, unit);
        mg_buf_puts(b, "</span>");
    }
    mg_buf_puts(b, "</dd></div>\n");
}

static void key_figures(mg_buf *b, const mg_app_profession *p, const mg_summary *s)
{
    const mg_area_summary *t = &s->territory;
    mg_buf_puts(b, "<section aria-labelledby=\"chiffres\"><h2 id=\"chiffres\">Chiffres clés</h2>\n<dl class=\"figures\">\n");
    figure(b, "Population", t->population, 0, "habitants");
    figure(b, "APL moyenne (pondérée)", t->mean, 2, NULL);
    figure(b, "APL officielle DREES", t->official_mean, 2, NULL);
    if (isfinite(s->threshold)) {
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
    mg_html_text(b, p->g->prof->unit);
    mg_buf_puts(b, ". Moyennes et indices pondérés par la population standardisée.</p></section>\n");
}

/* EPCI rows sorted on the server by the column named in ?tri_epci=:
 * each row carries its sort key, as qsort has no context argument. */
typedef struct epci_row {
    size_t k;
    double key;
    const char *name;
} epci_row;

static double epci_key(const mg_area_summary *e, const char *k)
{
    if (strcmp(k, "communes") == 0)
        return (double)e->communes;
    if (strcmp(k, "population") == 0)
        return e->population;
    if (strcmp(k, "officiel") == 0)
        return e->official_mean;
    if (strcmp(k, "sous_seuil") == 0)
        return e->below_population;
    if (strcmp(k, "gini") == 0)
        return e->gini;
    return e->mean;
}

static int cmp_epci_num(const void *x, const void *y)
{
    const epci_row *a = x, *b = y;
    if (a->key != b->key)
        return isnan(a->key) ? 1 : isnan(b->key) ? -1 : (a->key > b->key) - (a->key < b->key);
    return strcmp(a->name, b->name);
}

static int cmp_epci_name(const void *x, const void *y)
{
    return strcmp(((const epci_row *)x)->name, ((const epci_row *)y)->name);
}

static void epci_table(mg_buf *b, const mg_summary *s, const char *prof, const char *measure,
                       const char *sort, bool desc)
{
    static const struct {
        const char *key, *label;
    } cols[] = {{"nom", "EPCI"}, {"communes", "Communes"}, {"population", "Population"},
                {"valeur", "Valeur moyenne"}, {"officiel", "APL DREES"},
                {"sous_seuil", "Population sous le seuil"}, {"gini", "Gini"}};
    epci_row *order = mg_alloc_array(s->nepci, sizeof *order);
    if (!order)
        return;
    for (size_t k = 0; k < s->nepci; k++)
        order[k] = (epci_row){k, epci_key(&s->epci[k], sort),
                              s->epci[k].name ? s->epci[k].name : s->epci[k].code};
    qsort(order, s->nepci, sizeof *order, strcmp(sort, "nom") == 0 ? cmp_epci_name : cmp_epci_num);
    mg_buf_puts(b, "<section aria-labelledby=\"epci\"><h2 id=\"epci\">Par EPCI</h2>\n"
                   "<div class=\"scroll\"><table><caption>Indicateurs par intercommunalité "
                   "(cliquez un en-tête pour trier)</caption>\n<thead><tr>");
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) {
        bool on = strcmp(sort, cols[c].key) == 0;
        mg_buf_printf(b, "<th scope=\"col\"%s><a href=\"/territoire?profession=%s&amp;mesure=%s&amp;tri_epci=%s&amp;ordre_epci=%s#epci\">%s</a></th>",
                      on ? (desc ? " aria-sort=\"descending\"" : " aria-sort=\"ascending\"") : "",
                      prof, measure, cols[c].key, on && !desc ? "desc" : "asc", cols[c].label);
    }
    mg_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t q = 0; q < s->nepci; q++) {
        const mg_area_summary *e = &s->epci[order[desc ? s->nepci - 1 - q : q].k];
        char pop[32], mean[32], off[32], below[32], gini[32];
        web_num(pop, sizeof pop, e->population, 0);
        web_num(mean, sizeof mean, e->mean, 2);
        web_num(off, sizeof off, e->official_mean, 2);
        web_num(below, sizeof below, e->below_population, 0);
        web_num(gini, sizeof gini, e->gini, 3);
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_text(b, e->name ? e->name : e->code);
        mg_buf_printf(b, "</th><td>%zu</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
                      e->communes, pop, mean, off, below, gini);
    }
    mg_buf_puts(b, "</tbody></table></div></section>\n");
    free(order);
}

/* The commune table, sorted on the server so that it works without
 * JavaScript: each column header links to the page sorted by it. */
static void commune_table(mg_buf *b, const mg_app_profession *p, const double *value,
                          const char *measure, const char *sort, bool desc)
{
    const mg_diagnosis *g = p->g;
    const mg_territory *t = g->t;
    sort_row *rows = mg_alloc_array(g->study_n, sizeof *rows);
    if (!rows)
        return;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        double key = value[i];
        if (strcmp(sort, "population") == 0)
            key = t->population[i];
        else if (strcmp(sort, "officiel") == 0)
            key = g->official[i];
        else if (strcmp(sort, "praticiens") == 0)
            key = g->heads[i];
        rows[k] = (sort_row){i, key, t->name[i]};
    }
    qsort(rows, g->study_n, sizeof *rows, strcmp(sort, "nom") == 0 ? cmp_rows_name : cmp_rows_num);
    static const struct {
        const char *key, *label;
    } cols[] = {{"nom", "Commune"}, {"population", "Population"}, {"praticiens", "Praticiens"},
                {"valeur", "Valeur"}, {"officiel", "APL DREES"}};
    mg_buf_puts(b, "<section aria-labelledby=\"communes\"><h2 id=\"communes\">Communes</h2>\n"
                   "<div class=\"scroll\"><table class=\"communes\"><caption>Communes du territoire "
                   "(cliquez un en-tête pour trier)</caption>\n<thead><tr>");
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) {
        bool on = strcmp(sort, cols[c].key) == 0;
        mg_buf_printf(b, "<th scope=\"col\"%s><a href=\"/territoire?profession=%s&amp;mesure=%s&amp;tri=%s&amp;ordre=%s\">%s</a></th>",
                      on ? (desc ? " aria-sort=\"descending\"" : " aria-sort=\"ascending\"") : "",
                      g->prof->key, measure, cols[c].key, on && !desc ? "desc" : "asc",
                      cols[c].label);
    }
    mg_buf_puts(b, "<th scope=\"col\">EPCI</th></tr></thead><tbody>\n");
    for (size_t q = 0; q < g->study_n; q++) {
        size_t i = rows[desc ? g->study_n - 1 - q : q].i;
        char pop[32], v[32], off[32], heads[32];
        web_num(pop, sizeof pop, t->population[i], 0);
        web_num(v, sizeof v, value[i], 2);
        web_num(off, sizeof off, g->official[i], 2);
        web_num(heads, sizeof heads, g->heads[i], 0);
        bool under = isfinite(g->prof->threshold) && strcmp(measure, "apl") == 0 &&
                     value[i] < g->prof->threshold;
        mg_buf_printf(b, "<tr%s><th scope=\"row\"><a href=\"/commune/%s?profession=%s\">",
                      under ? " class=\"under\"" : "", t->code[i], g->prof->key);
        mg_html_text(b, t->name[i]);
        mg_buf_printf(b, "</a></th><td>%s</td><td>%s</td><td>%s%s</td><td>%s</td><td>", pop,
                      heads, v, under ? " <span class=\"tag\">sous le seuil</span>" : "", off);
        if (t->epci[i] >= 0)
            mg_html_text(b, t->epci_name[t->epci[i]]);
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div></section>\n");
    free(rows);
}

static void choice_form(mg_buf *b, const char *action, const char *prof, const char *measure,
                        bool with_measure)
{
    mg_buf_printf(b, "<form class=\"choice\" method=\"get\" action=\"%s\">\n"
                     "<label for=\"profession\">Profession</label> <select id=\"profession\" name=\"profession\">",
                  action);
    static const char *const labels[] = {"Médecins généralistes", "Infirmiers",
                                         "Masseurs-kinésithérapeutes", "Sages-femmes",
                                         "Chirurgiens-dentistes"};
    for (size_t k = 0; k < 5; k++)
        mg_buf_printf(b, "<option value=\"%s\"%s>%s</option>", prof_keys[k],
                      strcmp(prof, prof_keys[k]) == 0 ? " selected" : "", labels[k]);
    mg_buf_puts(b, "</select>\n");
    if (with_measure) {
        mg_buf_puts(b, "<label for=\"mesure\">Mesure</label> <select id=\"mesure\" name=\"mesure\">");
        for (size_t k = 0; k < MG_APP_MEASURES; k++)
            mg_buf_printf(b, "<option value=\"%s\"%s>%s</option>", mg_app_measure_keys[k],
                          strcmp(measure, mg_app_measure_keys[k]) == 0 ? " selected" : "",
                          measure_labels[k]);
        mg_buf_puts(b, "</select>\n");
    }
    mg_buf_puts(b, "<button type=\"submit\">Afficher</button></form>\n");
}

static int territory_page(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    const mg_app_profession *p = web_profession(a, r, res);
    if (!p)
        return 0;
    const mg_diagnosis *g = p->g;
    const char *measure = mg_http_query(r, "mesure");
    if (!measure || !*measure)
        measure = "apl";
    int mk = mg_app_measure_index(measure);
    if (mk < 0) {
        mg_http_error(r, res, 400, "Mesure inconnue : choisissez dans la liste proposée.");
        return 0;
    }
    const char *sort = mg_http_query(r, "tri");
    if (!sort || !*sort)
        sort = "valeur";
    if (strcmp(sort, "nom") && strcmp(sort, "population") && strcmp(sort, "valeur") &&
        strcmp(sort, "officiel") && strcmp(sort, "praticiens")) {
        mg_http_error(r, res, 400, "Tri inconnu : nom, population, praticiens, valeur ou officiel.");
        return 0;
    }
    const char *order = mg_http_query(r, "ordre");
    if (order && strcmp(order, "asc") && strcmp(order, "desc")) {
        mg_http_error(r, res, 400, "Ordre inconnu : asc ou desc.");
        return 0;
    }
    bool desc = order ? strcmp(order, "desc") == 0 : false;
    const char *sort_epci = mg_http_query(r, "tri_epci");
    if (!sort_epci || !*sort_epci)
        sort_epci = "nom";
    static const char *const epci_keys[] = {"nom", "communes", "population", "valeur",
                                            "officiel", "sous_seuil", "gini"};
    size_t ek = 0;
    while (ek < sizeof epci_keys / sizeof *epci_keys && strcmp(epci_keys[ek], sort_epci))
        ek++;
    const char *order_epci = mg_http_query(r, "ordre_epci");
    if (ek == sizeof epci_keys / sizeof *epci_keys ||
        (order_epci && strcmp(order_epci, "asc") && strcmp(order_epci, "desc"))) {
        mg_http_error(r, res, 400, "Tri des EPCI inconnu.");
        return 0;
    }
    bool desc_epci = order_epci && strcmp(order_epci, "desc") == 0;

    const double *value = p->measure[mk];
    const mg_summary *s = &p->measure_summary[mk];
    bool is_apl = mk <= 1; /* ours or the official APL: the threshold applies */
    char title[256];
    snprintf(title, sizeof title, "Accès aux %s — %s", g->prof->label, a->territory_name);
    mg_buf *b = &res->body;
    web_page_begin(b, a, title, "territoire");
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, title);
    mg_buf_puts(b, "</h1>\n");
    choice_form(b, "/territoire", g->prof->key, measure, true);
    mg_buf_puts(b, "<div class=\"two\"><section class=\"map\" aria-labelledby=\"carte\"><h2 id=\"carte\">Carte</h2>\n");
    char map_title[256];
    snprintf(map_title, sizeof map_title, "%s — %s", measure_labels[mk], g->prof->label);
    web_map(b, a, p, value, false, map_title, is_apl ? g->prof->threshold : NAN, -1);
    mg_buf_printf(b, "<p class=\"downloads\">Télécharger : "
                     "<a href=\"/telecharger/communes.csv?profession=%s\">tableau CSV</a> · "
                     "<a href=\"/telecharger/communes.geojson?profession=%s\">GeoJSON (QGIS)</a> · "
                     "<a href=\"/carte.svg?profession=%s&amp;mesure=%s\">carte SVG</a> · "
                     "<a href=\"/carte.png?profession=%s&amp;mesure=%s\">carte PNG</a></p>\n",
                  g->prof->key, g->prof->key, g->prof->key, measure, g->prof->key, measure);
    mg_buf_puts(b, "</section>\n");
    key_figures(b, p, s);
    mg_buf_puts(b, "</div>\n");
    epci_table(b, s, g->prof->key, measure, sort_epci, desc_epci);
    commune_table(b, p, value, measure, sort, desc);
    web_page_end(b);
    return b->failed ? MG_ELIMIT : MG_OK;
}

/* Contributions: commune i's APL is Σ_j f(t_ij)·R_j; each practice
 * location j within reach contributes one term. */
typedef struct contribution {
    size_t j;
    double minutes, weight, value;
} contribution;

static int cmp_contrib(const void *x, const void *y)
{
    const contribution *a = x, *b = y;
    if (a->value != b->value)
        return (a->value < b->value) - (a->value > b->value);
    return (a->minutes > b->minutes) - (a->minutes < b->minutes);
}

/* The communes i reaches, with the contribution of each to its APL,
 * f(t_ij)·S_j/D_j (malloc'ed, *n entries, sorted by contribution). */
static contribution *contributions(const mg_app_profession *p, size_t i, size_t *n)
{
    const mg_diagnosis *g = p->g;
    const mg_pairs *pr = &g->pairs;
    const double *dem = mg_scenario_engine_demand(p->engine);
    size_t len = pr->start[i + 1] - pr->start[i];
    contribution *c = mg_alloc_array(len, sizeof *c);
    if (!c)
        return NULL;
    for (size_t q = 0; q < len; q++) {
        size_t k = pr->start[i] + q, j = pr->to[k];
        double w = mg_decay_eval(&g->apl_spec.decay, pr->minutes[k]);
        double v = dem[j] > 0 ? w * g->supply[j] / dem[j] * g->apl_spec.scale : 0;
        c[q] = (contribution){j, pr->minutes[k], w, v};
    }
    qsort(c, len, sizeof *c, cmp_contrib);
    *n = len;
    return c;
}

static void ordinal(char *out, size_t cap, size_t rank)
{
    snprintf(out, cap, rank == 1 ? "%zuer" : "%zue", rank);
}

static int commune_page(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    const mg_app_profession *p = web_profession(a, r, res);
    if (!p)
        return 0;
    const mg_diagnosis *g = p->g;
    const mg_territory *t = g->t;
    const char *code = mg_http_path_param(r, "code");
    long i = code ? mg_territory_find(t, code) : -1;
    if (i < 0 || !t->in_study[i]) {
        mg_http_error(r, res, 404, "Cette commune ne fait pas partie du territoire.");
        return 0;
    }
    if (strcmp(t->code[i], code) != 0) {
        /* A former code: send people to today's commune. */
        char loc[128];
        snprintf(loc, sizeof loc, "/commune/%s?profession=%s", t->code[i], g->prof->key);
        mg_http_redirect(res, loc);
        return 0;
    }
    size_t nc = 0;
    contribution *c = contributions(p, (size_t)i, &nc);
    if (!c)
        return MG_ENOMEM;
    char title[256];
    snprintf(title, sizeof title, "%s (%s)", t->name[i], t->code[i]);
    mg_buf *b = &res->body;
    web_page_begin(b, a, title, "territoire");
    mg_buf_printf(b, "<p class=\"crumbs\"><a href=\"/territoire?profession=%s\">← Territoire</a></p>\n<h1>",
                  g->prof->key);
    mg_html_text(b, title);
    mg_buf_puts(b, "</h1>\n");
    choice_form(b, "", g->prof->key, "apl", false);
    char apl[32], off[32], pop[32], dem[32], heads[32], rank[32], z[32];
    web_num(apl, sizeof apl, g->apl[i], 2);
    web_num(off, sizeof off, g->official[i], 2);
    web_num(pop, sizeof pop, t->population[i], 0);
    web_num(dem, sizeof dem, g->demand[i], 0);
    web_num(heads, sizeof heads, g->heads[i], 0);
    web_num(z, sizeof z, g->prof->threshold, 1);
    ordinal(rank, sizeof rank, p->rank[i]);
    bool under = isfinite(g->prof->threshold) && g->apl[i] < g->prof->threshold;
    mg_buf_puts(b, "<div class=\"two\"><section aria-labelledby=\"valeurs\"><h2 id=\"valeurs\">Valeurs</h2>\n"
                   "<dl class=\"figures\">");
    mg_buf_printf(b, "<div class=\"fig\"><dt>APL (maillage)</dt><dd>%s</dd></div>"
                     "<div class=\"fig\"><dt>APL officielle DREES</dt><dd>%s</dd></div>"
                     "<div class=\"fig\"><dt>Rang dans le territoire</dt><dd>%s sur %zu</dd></div>",
                  apl, off, rank, g->study_n);
    if (isfinite(g->prof->threshold))
        mg_buf_printf(b, "<div class=\"fig\"><dt>Sous le seuil de %s ?</dt><dd>%s</dd></div>", z,
                      under ? "<strong class=\"under\">oui</strong>" : "non");
    mg_buf_printf(b, "<div class=\"fig\"><dt>Population</dt><dd>%s</dd></div>"
                     "<div class=\"fig\"><dt>Population standardisée</dt><dd>%s</dd></div>"
                     "<div class=\"fig\"><dt>Praticiens dans la commune</dt><dd>%s</dd></div>",
                  pop, dem, heads);
    mg_buf_puts(b, "</dl><p class=\"note\">Unité : ");
    mg_html_text(b, g->prof->unit);
    mg_buf_puts(b, ".</p></section>\n<section class=\"map\" aria-labelledby=\"carte\"><h2 id=\"carte\">Carte</h2>");
    long hl = -1;
    for (size_t k = 0; k < g->study_n; k++)
        if (g->study[k] == (size_t)i)
            hl = (long)k;
    web_map(b, a, p, g->apl, false, "APL des communes, commune sélectionnée entourée",
            g->prof->threshold, hl);
    mg_buf_puts(b, "</section></div>\n");

    /* Why: the terms of the sum. */
    size_t with_supply = 0;
    double total = 0;
    for (size_t q = 0; q < nc; q++)
        if (c[q].value > 0) {
            with_supply++;
            total += c[q].value;
        }
    char catch[32];
    web_num(catch, sizeof catch, g->apl_spec.decay.catchment, 0);
    mg_buf_printf(b, "<section aria-labelledby=\"pourquoi\"><h2 id=\"pourquoi\">Pourquoi cette valeur ?</h2>\n"
                     "<p>L'APL de la commune est la somme des contributions des %zu lieux d'exercice "
                     "accessibles en moins de %s minutes. La contribution d'un lieu est son offre "
                     "divisée par la population qui peut l'atteindre (pondérée par le temps), puis "
                     "pondérée par le temps depuis la commune.</p>\n",
                  with_supply, catch);
    mg_buf_printf(b, "<div class=\"scroll\"><table><caption>Communes à moins de %s minutes, par contribution</caption>\n"
                     "<thead><tr><th scope=\"col\">Commune</th><th scope=\"col\">Temps (min)</th>"
                     "<th scope=\"col\">Pondération</th><th scope=\"col\">Praticiens</th>"
                     "<th scope=\"col\">Demande qui l'atteint</th><th scope=\"col\">Contribution</th>"
                     "<th scope=\"col\">Part</th></tr></thead><tbody>\n",
                  catch);
    const double *dseen = mg_scenario_engine_demand(p->engine);
    for (size_t q = 0; q < nc; q++) {
        size_t j = c[q].j;
        char tm[32], w[32], hj[32], dj[32], v[32], share[32];
        web_num(tm, sizeof tm, c[q].minutes, 1);
        web_num(w, sizeof w, c[q].weight, 2);
        web_num(hj, sizeof hj, g->heads[j], 0);
        web_num(dj, sizeof dj, dseen[j], 0);
        web_num(v, sizeof v, c[q].value, 3);
        web_num(share, sizeof share, total > 0 ? 100 * c[q].value / total : 0, 1);
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        if (t->in_study[j]) {
            mg_buf_printf(b, "<a href=\"/commune/%s?profession=%s\">", t->code[j], g->prof->key);
            mg_html_text(b, t->name[j]);
            mg_buf_puts(b, "</a>");
        } else {
            mg_html_text(b, t->name[j]);
            mg_buf_printf(b, " <span class=\"tag\">%s</span>", t->dep[j]);
        }
        mg_buf_printf(b, "</th><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s %%</td></tr>\n",
                      tm, w, hj, dj, v, share);
    }
    mg_buf_puts(b, "</tbody></table></div></section>\n");
    web_page_end(b);
    free(c);
    return b->failed ? MG_ELIMIT : MG_OK;
}

static int method_page(web_ctx *ctx)
{
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    mg_buf *b = &res->body;
    web_page_begin(b, a, "Méthode et limites", NULL);
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
    {"GET", "/", home, WEB_ANYONE},
    {"GET", "/territoire", territory_page, WEB_ANYONE},
    {"GET", "/commune/{code}", commune_page, WEB_ANYONE},
    {"GET", "/methode", method_page, WEB_ANYONE},
    {NULL, NULL, NULL, WEB_ANYONE},
};
