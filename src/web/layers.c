/*
 * Layers on the pages (diagnosis/layer.h): a layer's class as a scope
 * (?perimetre=couche:KEY:CLASS), the layers' sections of the territory page
 * (a map of the classes, and per class its communes, inhabitants, mean
 * value and communes below the threshold), and the sources line that names
 * every input with its year.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "diagnosis/layer.h"
#include "diagnosis/scope.h"
#include "web/web.h"

/* Colours of a layer's classes (ColorBrewer Set2, colour-blind safe). */
static const char *const class_colours[MG_LAYER_MAX_CLASSES] = {
    "#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#b3b3b3"};

int web_layer_scope(const mg_app *a, const mg_app_profession *p, const char *spec,
                    mg_scope *out)
{
    *out = (mg_scope){.epci = -1};
    /* couche:KEY:CLASS; the class may hold ':' (it is the rest). */
    const char *k = spec + 7, *colon = strchr(k, ':');
    if (!colon)
        return MG_EINVAL;
    char key[48];
    size_t klen = (size_t)(colon - k);
    if (klen == 0 || klen >= sizeof key)
        return MG_EINVAL;
    memcpy(key, k, klen);
    key[klen] = '\0';
    const mg_layer *l = mg_app_layer(a, key);
    if (!l || !l->cls)
        return MG_EINVAL;
    int c = mg_layer_class(l, colon + 1);
    if (c < 0)
        return MG_EINVAL;
    const mg_territory *t = p->g->t;
    uint8_t *mark = calloc(t->n ? t->n : 1, 1);
    if (!mark)
        return MG_ENOMEM;
    for (size_t i = 0; i < t->n && i < l->n; i++)
        mark[i] = t->in_study[i] && l->cls[i] == c;
    char label[192];
    snprintf(label, sizeof label, "%s — %s (%s)", l->desc.classes[c], l->desc.label,
             l->desc.year);
    mg_diag d = {{0}};
    int rc = mg_scope_from_marks(p->g, mark, label, out, &d);
    free(mark);
    if (rc)
        return rc == MG_ENOMEM ? rc : MG_EINVAL;
    snprintf(out->key, sizeof out->key, "%s", spec);
    return MG_OK;
}

void web_sources(char *out, size_t cap, const mg_app *a, const mg_app_profession *p)
{
    (void)p;
    /* The inputs' publishers and years: the loader reads these files by
     * name (diagnosis.c), so their vintages are those of the names. */
    size_t len = (size_t)snprintf(out, cap,
                                  "Sources : DREES APL 2021, INSEE BPE 2019, Etalab COG 2026, "
                                  "La Poste 2020, IGN 2018");
    for (size_t k = 0; k < a->nlayers && len < cap; k++) {
        const mg_layer *l = a->layers[k];
        len += (size_t)snprintf(out + len, cap - len, " ; %s %s", l->desc.label, l->desc.year);
    }
    if (len < cap) {
        time_t now = time(NULL);
        struct tm tm;
        static const char *const months[] = {"janvier", "février", "mars", "avril", "mai",
                                             "juin", "juillet", "août", "septembre", "octobre",
                                             "novembre", "décembre"};
        gmtime_r(&now, &tm);
        snprintf(out + len, cap - len, " ; calcul maillage, %d %s %d", tm.tm_mday,
                 months[tm.tm_mon], tm.tm_year + 1900);
    }
}

/* A number in French typography. */
static void num(mg_buf *b, double v, int decimals)
{
    char s[64];
    web_num(s, sizeof s, v, decimals);
    mg_html_text(b, s);
}

/* The map of a classes layer. */
static void layer_map(mg_buf *b, const mg_app *a, const mg_app_profession *p, const mg_layer *l)
{
    const mg_diagnosis *g = p->g;
    double *v = mg_alloc_array(g->t->n ? g->t->n : 1, sizeof *v);
    if (!v) {
        b->failed = 1;
        return;
    }
    for (size_t i = 0; i < g->t->n; i++)
        v[i] = i < l->n && l->cls[i] >= 0 ? (double)l->cls[i] : NAN;
    mg_map_style st = {.nclasses = l->desc.nclasses > 1 ? l->desc.nclasses : 2,
                       .no_data_color = "#ffffff"};
    const char *labels[MG_LAYER_MAX_CLASSES];
    for (size_t k = 0; k < st.nclasses; k++) {
        st.colors[k] = class_colours[k];
        labels[k] = k < l->desc.nclasses ? l->desc.classes[k] : "";
        if (k + 1 < st.nclasses)
            st.breaks[k] = (double)k + 0.5;
    }
    char title[256], suffix[WEB_MAP_SUFFIX];
    snprintf(title, sizeof title, "%s (%s)", l->desc.label, l->desc.year);
    mg_map_options opt = web_map_options(p, title, NAN, false, suffix);
    opt.unit = NULL;
    opt.legend_title = l->desc.label;
    opt.no_data_label = "hors de la couche";
    opt.threshold_label = NULL;
    opt.width = 600;
    opt.class_labels = labels;
    opt.epci_borders = true;
    (void)web_map_inline(b, a, g->t, v, &st, &opt);
    free(v);
}

void web_layer_sections(mg_buf *b, const mg_app *a, const mg_app_profession *p,
                        const double *values, bool is_apl, const char *measure_key,
                        const char *base_param)
{
    const mg_diagnosis *g = p->g;
    const mg_territory *t = g->t;
    bool threshold = is_apl && isfinite(g->prof->threshold);
    for (size_t k = 0; k < a->nlayers; k++) {
        const mg_layer *l = a->layers[k];
        if (!l->cls)
            continue;
        mg_buf_printf(b, "<section aria-labelledby=\"couche-%zu\"><h2 id=\"couche-%zu\">Couche : ",
                      k, k);
        mg_html_text(b, l->desc.label);
        mg_buf_puts(b, "</h2>\n<p class=\"note\">Source : ");
        mg_html_text(b, l->desc.source);
        mg_buf_puts(b, " (");
        mg_html_text(b, l->desc.year);
        mg_buf_printf(b, "). %zu communes du territoire renseignées", l->valued);
        if (l->outside)
            mg_buf_printf(b, " ; %zu lignes d'autres territoires ignorées", l->outside);
        mg_buf_puts(b, ".</p>\n<div class=\"two\"><div class=\"map\">");
        layer_map(b, a, p, l);
        mg_buf_puts(b, "</div><div class=\"scroll\"><table><caption>Par classe de la couche "
                       "(moyennes pondérées par la population standardisée)</caption>\n"
                       "<thead><tr><th scope=\"col\">Classe</th><th scope=\"col\">Communes</th>"
                       "<th scope=\"col\">Habitants</th><th scope=\"col\">Valeur moyenne</th>");
        if (threshold)
            mg_buf_puts(b, "<th scope=\"col\">Communes sous le seuil</th>");
        mg_buf_puts(b, "</tr></thead><tbody>\n");
        for (size_t c = 0; c < l->desc.nclasses; c++) {
            size_t n = 0, below = 0;
            double inhabitants = 0, vs = 0, ws = 0;
            for (size_t s = 0; s < g->study_n; s++) {
                size_t i = g->study[s];
                if (i >= l->n || l->cls[i] != (int16_t)c)
                    continue;
                n++;
                inhabitants += t->population[i];
                if (isfinite(values[i])) {
                    vs += values[i] * g->demand[i];
                    ws += g->demand[i];
                }
                below += threshold && values[i] < g->prof->threshold;
            }
            char spec[128];
            snprintf(spec, sizeof spec, "couche:%s:%s", l->key, l->desc.classes[c]);
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            if (n) {
                mg_buf_puts(b, "<a href=\"");
                mg_html_href(b, "/territoire",
                             (const char *const[]){"profession", g->prof->key, "mesure",
                                                   measure_key, "base", base_param, "perimetre",
                                                   spec, NULL},
                             NULL);
                mg_buf_puts(b, "\">");
            }
            mg_html_text(b, l->desc.classes[c]);
            mg_buf_puts(b, n ? "</a></th>" : "</th>");
            mg_buf_printf(b, "<td>%zu</td><td>", n);
            num(b, inhabitants, 0);
            mg_buf_puts(b, "</td><td>");
            num(b, ws > 0 ? vs / ws : NAN, 2);
            mg_buf_puts(b, "</td>");
            if (threshold)
                mg_buf_printf(b, "<td>%zu</td>", below);
            mg_buf_puts(b, "</tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div></div></section>\n");
    }
}
