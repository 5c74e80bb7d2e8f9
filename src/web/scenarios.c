/* The scenario sandbox: the list (by pages), creation, adding and removing
 * actions (a removal is confirmed first, and the confirmation names the
 * action it removes, checked again in the store's transaction), results
 * (new map, difference map, every figure before and after), comparison,
 * deletion (confirmed).
 *
 * Each handler reads and checks the request into a struct, computes, then
 * renders HTML from what it read and computed. Forms are described once
 * (web/form.h), drawn again with what was typed when refused; the French
 * messages come from web/messages.h by reason code. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "parse/parse.h"
#include "web/form.h"
#include "web/messages.h"
#include "web/web.h"

/* Rows of a page of the list, and scenarios offered by the comparison's
 * select lists (the most recent ones). */
#define LIST_PAGE_SIZE 50
#define COMPARE_CHOICES 200
/* The most actions a scenario holds (the scenario module's bound). */
#define ACTIONS_MAX 1000

/* Loads and evaluates the scenario of the path when the actor may `verb`
 * it; non-zero once answered. */
static int load_path_scenario(web_ctx *ctx, mg_auth_verb verb, web_scenario *w)
{
    *w = (web_scenario){0};
    if (!web_path_id(ctx, WEB_MSG_SCENARIO_NOT_FOUND))
        return -1;
    return web_scenario_load(ctx, mg_http_path_param(ctx->req, "id"), verb, w);
}

/*
 * What names one action of a scenario: 16 hex digits of FNV-1a (64 bits)
 * over its JSON as stored, keys sorted. The confirmation of a removal
 * carries it, so that the removal can check, inside the store's
 * transaction, that position n still holds the action that was confirmed
 * (someone else may have added or removed actions meanwhile). It guards
 * against mistakes, not against anyone: whoever can post can edit.
 */
#define ACTION_DIGEST_SIZE 17

static int action_digest(const json_t *action, char out[ACTION_DIGEST_SIZE])
{
    char *text = json_dumps(action, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!text)
        return MG_ENOMEM;
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= UINT64_C(1099511628211);
    }
    free(text);
    snprintf(out, ACTION_DIGEST_SIZE, "%016llx", (unsigned long long)h);
    return MG_OK;
}

/* The digest of action n (1-based) of a stored actions text, in out;
 * MG_ENOTFOUND when there is no such action. */
static int stored_action_digest(const char *actions_json, size_t n, char out[ACTION_DIGEST_SIZE])
{
    json_error_t err;
    json_t *actions = json_loads(actions_json, 0, &err);
    const json_t *a = n ? json_array_get(actions, n - 1) : NULL;
    int rc = !actions ? MG_EPARSE : !a ? MG_ENOTFOUND : action_digest(a, out);
    json_decref(actions);
    return rc;
}

/* --- Forms ------------------------------------------------------------------ */

static const web_option professions[] = {
    {"mg", "Médecins généralistes"},
    {"inf", "Infirmiers"},
    {"mk", "Masseurs-kinésithérapeutes"},
    {"sf", "Sages-femmes"},
    {"cd", "Chirurgiens-dentistes"},
    {NULL, NULL},
};

enum { NEW_NAME, NEW_PROFESSION, NEW_ORGANISATION, NEW_NFIELDS };

static const web_field new_fields[NEW_NFIELDS] = {
    [NEW_NAME] = {.name = "nom", .label = "Nom du scénario", .kind = WEB_FIELD_TEXT,
                  .required = true, .max = MG_STORAGE_NAME_MAX_CHARS},
    [NEW_PROFESSION] = {.name = "profession", .label = "Profession", .kind = WEB_FIELD_SELECT,
                        .required = true, .options = professions},
    [NEW_ORGANISATION] = {.name = "organisation", .label = "Organisation",
                          .kind = WEB_FIELD_SELECT, .required = true,
                          .options_fn = web_creation_options,
                          .hint = "Le scénario appartient à cette organisation : ses membres le voient."},
};

static const web_form new_form = {"scenario", new_fields, NEW_NFIELDS, "Créer", NULL};

/* The action form: kinds come from the scenario module, communes from the
 * territory (options_fn, with the profession's diagnosis as context), the
 * bounds of the numbers are the scenario module's domains (scenario.c),
 * the hints its defaults (docs/scenarios.md). */
enum {
    ACT_KIND,
    ACT_COMMUNE,
    ACT_COUNT,
    ACT_HOURS_PER_WEEK,
    ACT_CONSULTATIONS,
    ACT_REMOTE_SHARE,
    ACT_DAYS_PER_MONTH,
    ACT_HOURS_PER_DAY,
    ACT_NFIELDS
};

typedef struct action_form_desc {
    web_option kinds[MG_RES_COUNT + 1];
    web_field fields[ACT_NFIELDS];
    web_form form;
} action_form_desc;

static void action_form_init(action_form_desc *f, const mg_diagnosis *g)
{
    for (int k = 0; k < MG_RES_COUNT; k++)
        f->kinds[k] = (web_option){mg_resource_name((enum mg_resource)k),
                                   mg_resource_label((enum mg_resource)k)};
    f->kinds[MG_RES_COUNT] = (web_option){NULL, NULL};
    const web_field fields[ACT_NFIELDS] = {
        [ACT_KIND] = {.name = "kind", .label = "Action", .kind = WEB_FIELD_SELECT,
                      .required = true, .options = f->kinds},
        [ACT_COMMUNE] = {.name = "commune", .label = "Commune", .kind = WEB_FIELD_COMMUNE,
                         .required = true, .communes = g},
        [ACT_COUNT] = {.name = "count", .label = "Nombre de praticiens (négatif : départs)",
                       .kind = WEB_FIELD_NUMBER, .min = -1000, .max = 1000,
                       .hint = "De −1 000 à 1 000. Vide : 1 (maison de santé : 3)."},
        [ACT_HOURS_PER_WEEK] = {.name = "hours_per_week",
                                .label = "Heures par semaine (cabine, chariot)",
                                .kind = WEB_FIELD_NUMBER, .min = 0, .max = 168,
                                .hint = "De 0 à 168. Vide : 20 (cabine), 8 (chariot)."},
        [ACT_CONSULTATIONS] = {.name = "consultations_per_hour",
                               .label = "Consultations par heure", .kind = WEB_FIELD_NUMBER,
                               .min = 0, .max = 20,
                               .hint = "De 0 à 20. Vide : 3 (chariot : 2)."},
        [ACT_REMOTE_SHARE] = {.name = "remote_share",
                              .label = "Part réalisable à distance (0 à 1)",
                              .kind = WEB_FIELD_NUMBER, .min = 0, .max = 1,
                              .hint = "Vide : 0,7 (cabine), 0,8 (chariot)."},
        [ACT_DAYS_PER_MONTH] = {.name = "days_per_month",
                                .label = "Jours de passage par mois (itinérant)",
                                .kind = WEB_FIELD_NUMBER, .min = 0, .max = 31,
                                .hint = "De 0 à 31. Vide : 2."},
        [ACT_HOURS_PER_DAY] = {.name = "hours_per_day", .label = "Heures par jour de passage",
                               .kind = WEB_FIELD_NUMBER, .min = 0, .max = 24,
                               .hint = "De 0 à 24. Vide : 6."},
    };
    memcpy(f->fields, fields, sizeof fields);
    f->form = (web_form){"action", f->fields, ACT_NFIELDS, "Ajouter et recalculer", NULL};
}

/* --- Rendering pieces ------------------------------------------------------- */

/* A scenario's downloads, the same through its id or its share link. */
static const struct {
    const char *path, *label, *ecart;
} EXPORT_LINKS[] = {{"/telecharger/communes.csv", "tableau CSV", NULL},
                    {"/telecharger/communes.geojson", "GeoJSON", NULL},
                    {"/carte.svg", "carte SVG", NULL},
                    {"/carte.png", "carte PNG", NULL},
                    {"/carte.svg", "carte des écarts SVG", "1"}};

/* The download links, " · "-separated (a separator before the first too
 * when `after` says something precedes them), the scenario named by
 * key=value ("scenario"/id or "partage"/token), on `base`. */
static void export_links(mg_buf *b, const char *key, const char *value, enum mg_baseline base,
                         bool after)
{
    for (size_t k = 0; k < sizeof EXPORT_LINKS / sizeof *EXPORT_LINKS; k++) {
        mg_buf_puts(b, k || after ? " · <a href=\"" : "<a href=\"");
        mg_html_href(b, EXPORT_LINKS[k].path,
                     (const char *const[]){key, value, "base", web_baseline_param(base),
                                           EXPORT_LINKS[k].ecart ? "ecart" : NULL,
                                           EXPORT_LINKS[k].ecart, NULL},
                     NULL);
        mg_buf_puts(b, "\">");
        mg_html_text(b, EXPORT_LINKS[k].label);
        mg_buf_puts(b, "</a>");
    }
}

/* The exports of a scenario seen through its share link: the token in
 * place of the id (the JSON of the API needs an account). */
static void shared_links(mg_buf *b, const char *token, enum mg_baseline base)
{
    mg_buf_puts(b, "<p class=\"downloads\">Exporter : ");
    export_links(b, "partage", token, base, false);
    mg_buf_puts(b, "</p>\n");
}

/* Sharing by link: the link when shared, and the buttons to share, renew
 * or stop, for those who may edit the scenario. */
static void share_section(mg_buf *b, web_ctx *ctx, const web_scenario *w)
{
    mg_buf_puts(b, "<section aria-labelledby=\"partage\"><h2 id=\"partage\">Partage</h2>\n");
    if (w->rec.share_token) {
        mg_buf_puts(b, "<p>Toute personne qui a ce lien voit le scénario, sans pouvoir le "
                       "modifier : <a href=\"");
        mg_buf_puts(b, "/partage/");
        mg_html_url_arg(b, w->rec.share_token);
        mg_buf_puts(b, "\">");
        mg_html_text(b, web_public_base(ctx));
        mg_buf_puts(b, "/partage/");
        mg_html_text(b, w->rec.share_token);
        mg_buf_puts(b, "</a></p>\n");
    } else {
        mg_buf_puts(b, "<p>Ce scénario n'est visible que des membres de son organisation.</p>\n");
    }
    mg_buf_printf(b, "<form method=\"post\" action=\"/scenarios/%lld/partage\">",
                  (long long)w->rec.id);
    web_csrf_field(b, ctx);
    mg_html_hidden(b, "partager", "oui");
    mg_buf_puts(b, w->rec.share_token
                       ? "<button type=\"submit\">Renouveler le lien (l'ancien cesse de fonctionner)</button></form>\n"
                       : "<button type=\"submit\">Partager par un lien en lecture seule</button></form>\n");
    if (w->rec.share_token) {
        mg_buf_printf(b, "<form method=\"post\" action=\"/scenarios/%lld/partage\">",
                      (long long)w->rec.id);
        web_csrf_field(b, ctx);
        mg_html_hidden(b, "partager", "non");
        mg_buf_puts(b, "<button type=\"submit\">Arrêter le partage</button></form>\n");
    }
    mg_buf_puts(b, "</section>\n");
}

/* The exports of a scenario, on the baseline of its page. */
static void scenario_links(mg_buf *b, int64_t id, enum mg_baseline base)
{
    char sid[24], api[48];
    snprintf(sid, sizeof sid, "%lld", (long long)id);
    snprintf(api, sizeof api, "/api/v1/scenarios/%lld", (long long)id);
    mg_buf_puts(b, "<p class=\"downloads\">Exporter : <a href=\"");
    mg_html_href(b, api, (const char *const[]){"base", web_baseline_param(base), NULL}, NULL);
    mg_buf_puts(b, "\">JSON</a>");
    export_links(b, "scenario", sid, base, true);
    mg_buf_puts(b, "</p>\n");
}

/* The href value of page `page` of the list (at the list, below the
 * creation form): a web_page_href_fn. */
static void page_href(mg_buf *b, const void *state, size_t page)
{
    (void)state;
    char s[24];
    snprintf(s, sizeof s, "%zu", page);
    mg_html_href(b, "/scenarios", (const char *const[]){"page", s, NULL}, "liste");
}

/* Figures before → after. */
static void compare_row(mg_buf *b, const char *label, const double *v, size_t n, int decimals)
{
    mg_buf_puts(b, "<tr><th scope=\"row\">");
    mg_html_text(b, label);
    mg_buf_puts(b, "</th>");
    for (size_t k = 0; k < n; k++) {
        char s[32];
        web_num(s, sizeof s, v[k], decimals);
        mg_buf_puts(b, "<td>");
        mg_html_text(b, s);
        mg_buf_puts(b, "</td>");
    }
    if (n >= 2) {
        char s[32];
        web_num(s, sizeof s, v[n - 1] - v[0], decimals);
        mg_buf_puts(b, v[n - 1] - v[0] > 0 ? "<td>+" : "<td>");
        mg_html_text(b, s);
        mg_buf_puts(b, "</td>");
    }
    mg_buf_puts(b, "</tr>\n");
}

static void figures_table(mg_buf *b, const mg_summary *const *s, const char *const *names, size_t n,
                          enum mg_baseline base)
{
    /* The caption says which values the figures are computed on. */
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Chiffres clés (");
    mg_html_text(b, mg_baseline_label_fr(base));
    mg_buf_puts(b, ")</caption><thead><tr><th scope=\"col\">Indicateur</th>");
    for (size_t k = 0; k < n; k++) {
        mg_buf_puts(b, "<th scope=\"col\">");
        mg_html_text(b, names[k]);
        mg_buf_puts(b, "</th>");
    }
    mg_buf_puts(b, "<th scope=\"col\">Variation</th></tr></thead><tbody>\n");
    double v[4];
#define ROW(label, expr, dec)                 \
    for (size_t k = 0; k < n; k++)            \
        v[k] = s[k]->expr;                    \
    compare_row(b, label, v, n, dec);
    ROW("APL moyenne", territory.mean, 3)
    ROW("Population sous le seuil", territory.below_population, 0)
    ROW("Part de la population sous le seuil (%)", territory.below_share * 100, 2)
    ROW("Écart moyen au seuil (FGT1)", territory.fgt1, 4)
    ROW("Indice de Gini", territory.gini, 4)
    ROW("Indice de Theil", territory.theil, 4)
    ROW("Theil entre EPCI", theil_between, 4)
    ROW("Rapport D9/D1", territory.d9d1, 3)
    ROW("Rapport de Palma", territory.palma, 3)
#undef ROW
    mg_buf_puts(b, "</tbody></table></div>\n");
}

static void action_form(mg_buf *b, web_ctx *ctx, const mg_app_profession *p, int64_t id,
                        const action_form_desc *f, const web_form_input *in)
{
    char action[64];
    snprintf(action, sizeof action, "/scenarios/%lld/actions", (long long)id);
    mg_buf_puts(b, "<section aria-labelledby=\"ajout\"><h2 id=\"ajout\">Ajouter une action</h2>\n"
                   "<p>Les paramètres laissés vides prennent les valeurs par défaut de "
                   "l'action.</p>\n");
    web_form_render(b, &f->form, in, "post", action, p->g, web_csrf(ctx));
    mg_buf_puts(b, "</section>\n");
}

/* Actions table with their capacity and a remove button each. */
static void actions_table(mg_buf *b, web_ctx *ctx, const web_scenario *w, int64_t id,
                          bool can_edit)
{
    const mg_diagnosis *g = w->p->g;
    bool gp = strcmp(g->prof->key, "mg") == 0; /* the unit of capacity */
    mg_buf_puts(b, "<section aria-labelledby=\"actions\"><h2 id=\"actions\">Actions</h2>\n");
    if (w->s.n == 0) {
        mg_buf_puts(b, can_edit ? "<p>Aucune action : ajoutez-en une ci-dessous.</p></section>\n"
                                : "<p>Aucune action.</p></section>\n");
        return;
    }
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Actions du scénario</caption><thead><tr>"
                   "<th scope=\"col\">Action</th><th scope=\"col\">Commune</th>"
                   "<th scope=\"col\">Capacité ajoutée</th>");
    mg_buf_puts(b, can_edit ? "<th scope=\"col\"><span class=\"sr\">Retirer</span></th></tr></thead><tbody>\n"
                            : "</tr></thead><tbody>\n");
    for (size_t k = 0; k < w->s.n; k++) {
        const mg_action *act = &w->s.actions[k];
        double cap = 0;
        mg_diag d = {{0}};
        if (mg_action_capacity(act, g, &cap, &d))
            cap = NAN;
        char c[32];
        web_num(c, sizeof c, cap, 0);
        mg_buf_puts(b, "<tr><td>");
        mg_html_text(b, mg_resource_label(act->kind));
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, g->t->name[act->commune]);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, c);
        mg_buf_puts(b, gp ? " <span class=\"unit\">actes/an</span>"
                          : " <span class=\"unit\">ETP</span>");
        if (!can_edit) {
            mg_buf_puts(b, "</td></tr>\n");
            continue;
        }
        /* A first POST without confirmer=oui shows the confirmation page. */
        mg_buf_printf(b, "</td><td><form method=\"post\" "
                         "action=\"/scenarios/%lld/actions/%zu/supprimer\">",
                      (long long)id, k + 1);
        web_csrf_field(b, ctx);
        mg_buf_printf(b, "<button type=\"submit\" "
                         "aria-label=\"Retirer l'action %zu\">Retirer</button></form></td></tr>\n",
                      k + 1);
    }
    mg_buf_puts(b, "</tbody></table></div></section>\n");
}

typedef struct change {
    size_t i;
    double delta;
} change;

static int cmp_change(const void *x, const void *y)
{
    double a = fabs(((const change *)x)->delta), b = fabs(((const change *)y)->delta);
    return (a < b) - (a > b);
}

static void changes_table(mg_buf *b, const web_scenario *w)
{
    const mg_diagnosis *g = w->p->g;
    change *c = mg_alloc_array(g->study_n, sizeof *c);
    if (!c)
        return;
    size_t m = 0;
    /* A commune is touched when the model's APL changes; the columns show
     * the values on the page's baseline. */
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        double dlt = w->apl[i] - g->apl[i];
        if (fabs(dlt) > 1e-9)
            c[m++] = (change){i, dlt};
    }
    qsort(c, m, sizeof *c, cmp_change);
    mg_buf_printf(b, "<section aria-labelledby=\"changes\"><h2 id=\"changes\">Communes touchées (%zu)</h2>\n", m);
    if (m) {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Communes dont l'APL change (");
        mg_html_text(b, mg_baseline_label_fr(w->base));
        mg_buf_puts(b, ")</caption><thead><tr>"
                       "<th scope=\"col\">Commune</th><th scope=\"col\">Population</th><th scope=\"col\">APL avant</th>"
                       "<th scope=\"col\">APL après</th><th scope=\"col\">Écart</th></tr></thead><tbody>\n");
        /* Before and after on the baseline; the difference is the model's
         * (what the scenario changes), even where the result was brought
         * back to 0. */
        for (size_t q = 0; q < m && q < 200; q++) {
            size_t i = c[q].i;
            char pop[32], before[32], after[32], dl[32];
            web_num(pop, sizeof pop, g->t->population[i], 0);
            web_num(before, sizeof before, w->before[i], 2);
            web_num(after, sizeof after, w->shown[i], 2);
            web_num(dl, sizeof dl, c[q].delta, 3);
            mg_buf_puts(b, "<tr><th scope=\"row\"><a href=\"/commune/");
            mg_html_url_arg(b, g->t->code[i]);
            mg_html_href(b, "", (const char *const[]){"profession", g->prof->key, NULL}, NULL);
            mg_buf_puts(b, "\">");
            mg_html_text(b, g->t->name[i]);
            mg_buf_puts(b, "</a></th><td>");
            mg_html_text(b, pop);
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, before);
            if (w->flags[i] & MG_BASELINE_F_MODEL_FALLBACK)
                mg_buf_puts(b, " <span class=\"unit\">(modèle)</span>");
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, after);
            if (w->flags[i] & MG_BASELINE_F_MODEL_FALLBACK)
                mg_buf_puts(b, " <span class=\"unit\">(modèle)</span>");
            if (w->flags[i] & MG_BASELINE_F_CLAMPED)
                mg_buf_puts(b, " <strong class=\"clamped\">ramené à 0</strong>");
            mg_buf_puts(b, c[q].delta > 0 ? "</td><td>+" : "</td><td>");
            mg_html_text(b, dl);
            mg_buf_puts(b, "</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    mg_buf_puts(b, "</section>\n");
    free(c);
}

/*
 * The scenario's page. `in`: the action form as typed when it was refused
 * (NULL: an empty form); `error`: a message that concerns the whole
 * scenario (its actions no longer evaluate), NULL for none.
 */
static void sandbox(mg_buf *b, web_ctx *ctx, const web_scenario *w, const web_form_input *in,
                    const char *error, bool by_link)
{
    mg_auth_object o = web_scenario_object(&w->rec, false);
    bool can_edit = !by_link && web_can(ctx, MG_AUTH_EDIT, &o);
    bool can_delete = !by_link && web_can(ctx, MG_AUTH_DELETE, &o);
    const mg_app *a = ctx->app;
    const mg_app_profession *p = w->p;
    const mg_diagnosis *g = p->g;
    int64_t id = w->rec.id;
    action_form_desc f;
    action_form_init(&f, g);
    char title[300];
    snprintf(title, sizeof title, "Scénario « %s »", w->rec.name);
    web_page_begin(b, ctx, title, "scenarios");
    mg_buf_puts(b, "<p class=\"crumbs\"><a href=\"/scenarios\">← Scénarios</a></p>\n<h1>");
    mg_html_text(b, title);
    mg_buf_puts(b, "</h1>\n<p>Profession : ");
    mg_html_text(b, g->prof->label);
    mg_buf_puts(b, "</p>\n");
    if (error) {
        mg_buf_puts(b, "<p class=\"error\" role=\"alert\">");
        mg_html_text(b, error);
        mg_buf_puts(b, "</p>\n");
    }
    if (by_link)
        mg_buf_puts(b, "<p class=\"note\">Scénario partagé par un lien, en lecture seule.</p>\n");
    actions_table(b, ctx, w, id, can_edit);
    /* `in` was read with a description made by action_form_init too: the
     * same fields at the same places. */
    if (can_edit)
        action_form(b, ctx, p, id, &f, in);
    mg_buf_puts(b, "<section aria-labelledby=\"resultats\"><h2 id=\"resultats\">Résultats</h2>\n");
    {
        char path[64 + 2 * MG_AUTH_TOKEN_CHARS];
        if (by_link)
            snprintf(path, sizeof path, "/partage/%s", w->rec.share_token);
        else
            snprintf(path, sizeof path, "/scenarios/%lld", (long long)id);
        web_baseline_note(b, w->base, &w->counts, path, NULL, NULL);
    }
    const mg_summary *s[2] = {w->base_summary, &w->summary};
    const char *names[2] = {"Situation actuelle", "Avec le scénario"};
    figures_table(b, s, names, 2, w->base);
    if (by_link)
        shared_links(b, w->rec.share_token, w->base);
    else
        scenario_links(b, id, w->base);
    const char *map_title = w->base == MG_BASELINE_OFFICIAL
                                ? "APL officielle + effet du scénario (modèle)"
                                : "APL avec le scénario";
    mg_buf_puts(b, "<div class=\"pair\"><div class=\"map\"><h3>");
    mg_html_text(b, map_title);
    mg_buf_puts(b, "</h3>");
    web_map(b, a, p, w->shown, false, map_title, g->prof->threshold, -1);
    mg_buf_puts(b, "</div><div class=\"map\"><h3>Écart à la situation actuelle</h3>");
    double *diff = mg_alloc_array(g->t->n, sizeof *diff);
    if (diff) {
        for (size_t i = 0; i < g->t->n; i++)
            diff[i] = w->shown[i] - w->before[i];
        web_map(b, a, p, diff, true, "Écart d'APL dû au scénario", NAN, -1);
        free(diff);
    }
    mg_buf_puts(b, "</div></div></section>\n");
    changes_table(b, w);
    if (can_edit)
        share_section(b, ctx, w);
    if (!by_link)
        web_history(b, ctx, "scenario", id);
    /* A first POST without confirmer=oui shows the confirmation page. */
    if (can_delete) {
        mg_buf_printf(b, "<form method=\"post\" action=\"/scenarios/%lld/supprimer\">",
                      (long long)id);
        web_csrf_field(b, ctx);
        mg_buf_puts(b, "<button type=\"submit\" class=\"danger\">Supprimer ce scénario</button></form>\n");
    }
    web_page_end(b);
}

/* --- The list (GET /scenarios) and creation (POST /scenarios) -------------- */

typedef struct list_view {
    size_t page; /* asked for, 1-based */
    web_pager pg; /* placed in the list */
    size_t total;
    mg_scenario_record *rows; /* this page */
    size_t nrows;
    mg_scenario_record *choices; /* the comparison's select lists */
    size_t nchoices;
    const web_form_input *create; /* a refused creation form, or NULL */
} list_view;

static void list_view_free(list_view *v)
{
    mg_scenario_record_list_free(v->rows, v->nrows);
    mg_scenario_record_list_free(v->choices, v->nchoices);
    *v = (list_view){0};
}

/* ?page=N (1-based; absent or empty: 1); 0 after answering 404. A page
 * is written as the program writes it: "0", "007", "-1", "abc" name no
 * page, like a page past the end. */
static size_t parse_list_page(web_ctx *ctx)
{
    size_t page = 0;
    if (web_page_param(ctx->req, "page", &page)) {
        web_fail(ctx, 404, WEB_MSG_PAGE_OUT_OF_RANGE);
        return 0;
    }
    return page;
}

/* Reads page v->page of the list and the comparison's choices. Non-zero
 * once answered (a storage failure, a page past the end). */
static int compute_list(web_ctx *ctx, list_view *v)
{
    mg_diag d = {{0}};
    size_t offset = (v->page - 1) * LIST_PAGE_SIZE; /* page <= 1,000,000 */
    /* Only the scenarios of the actor's organisations. */
    int64_t orgs[MG_AUTH_MEMBERSHIPS_MAX];
    mg_storage_scope scope;
    web_scenario_scope(ctx, orgs, &scope);
    int rc = mg_storage_scenario_list_page(ctx->app->db, &scope, offset, LIST_PAGE_SIZE,
                                           &v->rows, &v->nrows, &v->total, &d);
    size_t total_choices = 0;
    if (rc == MG_OK && v->total > 0)
        rc = mg_storage_scenario_list_page(ctx->app->db, &scope, 0, COMPARE_CHOICES,
                                           &v->choices, &v->nchoices, &total_choices, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, web_msg_fr(WEB_MSG_SCENARIO_LIST_FAILED),
                          web_msg_fr(WEB_MSG_SCENARIO_LIST_FAILED));
        return -1;
    }
    if (web_paginate(v->total, v->page, LIST_PAGE_SIZE, &v->pg)) {
        web_fail(ctx, 404, WEB_MSG_PAGE_OUT_OF_RANGE);
        return -1;
    }
    return 0;
}

/* The comparison's select lists: the most recent scenarios. */
static int scenario_options(mg_buf *b, const void *ctx, const char *selected)
{
    const list_view *v = ctx;
    int rc = MG_OK;
    for (size_t k = 0; rc == MG_OK && k < v->nchoices; k++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)v->choices[k].id);
        rc = mg_html_option(b, id, v->choices[k].name, selected && strcmp(selected, id) == 0);
    }
    return rc;
}

/* The comparison form (GET /scenarios/comparer?a=ID&b=ID): described once,
 * drawn on the list with the two most recent scenarios chosen, read by the
 * comparison page. Its choices are known at run time (scenario_options);
 * whether an id names a scenario is web_scenario_load's check. */
enum { CMP_A, CMP_B, CMP_NFIELDS };

static const web_field compare_fields[CMP_NFIELDS] = {
    [CMP_A] = {.name = "a", .label = "Scénario A", .kind = WEB_FIELD_SELECT,
               .options_fn = scenario_options},
    [CMP_B] = {.name = "b", .label = "Scénario B", .kind = WEB_FIELD_SELECT,
               .options_fn = scenario_options},
};

static const web_form compare_desc = {"cmp", compare_fields, CMP_NFIELDS, "Comparer", NULL};

static void compare_form(mg_buf *b, const list_view *v)
{
    char first[24] = "", second[24] = "";
    if (v->nchoices > 0)
        snprintf(first, sizeof first, "%lld", (long long)v->choices[0].id);
    if (v->nchoices > 1)
        snprintf(second, sizeof second, "%lld", (long long)v->choices[1].id);
    web_field fields[CMP_NFIELDS];
    memcpy(fields, compare_fields, sizeof fields);
    fields[CMP_A].defval = first;
    fields[CMP_B].defval = second;
    web_form f = compare_desc;
    f.fields = fields;
    mg_buf_puts(b, "<h3>Comparer deux scénarios</h3>\n");
    if (v->nchoices >= COMPARE_CHOICES)
        mg_buf_printf(b, "<p>Les listes proposent les %d scénarios modifiés le plus "
                         "récemment.</p>\n",
                      COMPARE_CHOICES);
    web_form_render(b, &f, NULL, "get", "/scenarios/comparer", v, NULL);
}

static void render_list(mg_buf *b, web_ctx *ctx, const list_view *v)
{
    web_page_begin(b, ctx, "Scénarios", "scenarios");
    mg_buf_puts(b, "<h1>Scénarios</h1>\n<p>Un scénario ajoute ou retire des capacités de soins dans des "
                   "communes (un médecin part, une maison de santé ouvre, une cabine de télémédecine, un "
                   "chariot de téléconsultation, une consultation itinérante) et montre aussitôt la nouvelle "
                   "carte d'accessibilité.</p>\n");
    mg_buf_puts(b, "<section aria-labelledby=\"nouveau\"><h2 id=\"nouveau\">Nouveau scénario</h2>\n");
    int64_t orgs[1];
    if (mg_auth_orgs_where(ctx->actor, MG_AUTH_CREATE, MG_AUTH_OBJ_SCENARIO, orgs, 1))
        web_form_render(b, &new_form, v->create, "post", "/scenarios", ctx, web_csrf(ctx));
    else if (ctx->actor->account_id)
        mg_buf_puts(b, "<p>Votre rôle ne permet pas de créer de scénario : il faut être "
                       "gestionnaire ou contributeur d'une organisation confirmée.</p>\n");
    else
        mg_buf_puts(b, "<p><a href=\"/connexion?suite=/scenarios\">Connectez-vous</a> pour "
                       "créer des scénarios et voir ceux de votre organisation.</p>\n");
    mg_buf_puts(b, "</section>\n");
    mg_buf_puts(b, "<section aria-labelledby=\"liste\"><h2 id=\"liste\">Scénarios enregistrés</h2>\n");
    if (v->total == 0) {
        mg_buf_puts(b, "<p>Aucun scénario pour l'instant.</p>\n</section>\n");
        web_page_end(b);
        return;
    }
    mg_buf_printf(b, "<p>%zu ", v->total);
    mg_buf_puts(b, v->total > 1 ? "scénarios enregistrés.</p>\n" : "scénario enregistré.</p>\n");
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Scénarios enregistrés</caption>"
                   "<thead><tr><th scope=\"col\">Nom</th><th scope=\"col\">Profession</th>"
                   "<th scope=\"col\">Modifié le</th></tr></thead><tbody>\n");
    for (size_t k = 0; k < v->nrows; k++) {
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_link_id(b, "/scenarios/", v->rows[k].id, NULL);
        mg_html_text(b, v->rows[k].name);
        mg_buf_puts(b, "</a></th><td>");
        mg_html_text(b, v->rows[k].profession);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, v->rows[k].updated_at);
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
    web_pager_nav(b, &v->pg, "Pagination des scénarios", page_href, NULL);
    compare_form(b, v);
    mg_buf_puts(b, "</section>\n");
    web_page_end(b);
}

static int list_page(web_ctx *ctx)
{
    list_view v = {.page = parse_list_page(ctx)};
    if (!v.page)
        return 0;
    if (compute_list(ctx, &v)) {
        list_view_free(&v);
        return 0;
    }
    render_list(&ctx->res->body, ctx, &v);
    list_view_free(&v);
    return ctx->res->body.failed ? MG_ELIMIT : MG_OK;
}

/* Reads and checks the creation form; the number of fields refused. The
 * organisation is one where the actor may create (*org). */
static int parse_new_scenario(web_ctx *ctx, web_form_input *in, int64_t *org)
{
    web_form_read(&new_form, ctx->req, in);
    const char *prof = in->raw[NEW_PROFESSION];
    if (!in->error[NEW_PROFESSION][0] && !mg_app_profession_get(ctx->app, prof))
        web_form_refuse(in, "profession", web_msg_fr(WEB_MSG_PROFESSION_UNKNOWN));
    *org = web_creation_org(ctx, in, "organisation");
    return in->nerrors;
}

/* Saves a new scenario of organisation org; its id in *id. MG_EINVAL (a
 * refused or taken name: French message in d) is for the person who typed
 * it. */
static int save_new(web_ctx *ctx, int64_t org, const char *name, const char *prof,
                    const char *actions_json, int64_t *id, mg_diag *d)
{
    mg_scenario_record rec = {.name = (char *)name, .profession = (char *)prof,
                              .actions_json = (char *)actions_json, .organisation_id = org};
    if (!actions_json)
        return MG_ENOMEM;
    return mg_storage_scenario_save(ctx->app->db, &rec, ctx->actor->account_id, id, d);
}

static void redirect_to_scenario(mg_http_response *res, int64_t id)
{
    char loc[64];
    snprintf(loc, sizeof loc, "/scenarios/%lld", (long long)id);
    mg_http_redirect(res, loc);
}

static int create(web_ctx *ctx)
{
    web_form_input in;
    int64_t org = 0;
    if (parse_new_scenario(ctx, &in, &org) == 0) {
        int64_t id = 0;
        mg_diag d = {{0}};
        int rc = save_new(ctx, org, in.raw[NEW_NAME], in.raw[NEW_PROFESSION], "[]", &id, &d);
        if (rc == MG_OK) {
            redirect_to_scenario(ctx->res, id);
            return 0;
        }
        if (rc != MG_EINVAL && rc != MG_EUTF8) {
            web_storage_error(ctx->req, ctx->res, rc, &d, "",
                              web_msg_fr(WEB_MSG_SCENARIO_SAVE_FAILED));
            return 0;
        }
        /* A name refused by the store (« un scénario nommé … existe déjà »). */
        char msg[sizeof d.msg + 2];
        web_sentence(msg, sizeof msg, d.msg);
        web_form_refuse(&in, "nom", msg);
    }
    /* Refused: the list's first page with the form as typed. */
    list_view v = {.page = 1, .create = &in};
    if (compute_list(ctx, &v)) {
        list_view_free(&v);
        return 0;
    }
    ctx->res->status = 400;
    render_list(&ctx->res->body, ctx, &v);
    list_view_free(&v);
    return ctx->res->body.failed ? MG_ELIMIT : MG_OK;
}

/* --- A scenario's page, adding and removing actions ------------------------- */

static int show(web_ctx *ctx)
{
    web_scenario w;
    if (load_path_scenario(ctx, MG_AUTH_VIEW, &w))
        return 0;
    sandbox(&ctx->res->body, ctx, &w, NULL, NULL, false);
    web_scenario_free(&w);
    return ctx->res->body.failed ? MG_ELIMIT : MG_OK;
}

/*
 * One change to a scenario's actions, applied by mg_storage_scenario_edit
 * inside the store's transaction to the actions as they are then, so that
 * two people adding actions at once both keep theirs.
 */
struct action_edit {
    const mg_app *a;
    json_t *add;        /* the action to append, or NULL */
    size_t remove;      /* the 1-based action to remove, or 0 */
    const char *digest; /* what `remove` must be (action_digest), or NULL */
    bool no_such_action;
    bool changed;       /* action `remove` is no longer the one of `digest` */
};

static int apply_action_edit(const mg_scenario_record *cur, void *ctx, char **out, mg_diag *d)
{
    struct action_edit *e = ctx;
    e->no_such_action = false;
    e->changed = false;
    const mg_app_profession *p = mg_app_profession_get(e->a, cur->profession);
    json_error_t jerr;
    json_t *actions = p ? json_loads(cur->actions_json, 0, &jerr) : NULL;
    if (!actions || !json_is_array(actions)) {
        json_decref(actions);
        return mg_diag_set(d, MG_EPARSE, NULL, 0, 0, "scenario %lld: stored actions unreadable",
                           (long long)cur->id);
    }
    int rc = MG_OK;
    if (e->remove) {
        char now[ACTION_DIGEST_SIZE] = "";
        if (e->remove > json_array_size(actions)) {
            e->no_such_action = true;
            rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "scenario %lld has no action %zu",
                             (long long)cur->id, e->remove);
        } else if (e->digest &&
                   (rc = action_digest(json_array_get(actions, e->remove - 1), now)) == MG_OK &&
                   strcmp(now, e->digest) != 0) {
            /* Another action in its place: nothing is removed. */
            e->changed = true;
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                             "scenario %lld: action %zu is no longer the one confirmed",
                             (long long)cur->id, e->remove);
        } else if (rc == MG_OK) {
            json_array_remove(actions, e->remove - 1);
        }
    }
    if (rc == MG_OK && e->add && json_array_append(actions, e->add))
        rc = MG_ENOMEM;
    if (rc == MG_OK) {
        /* The new list must evaluate before it is stored. */
        web_scenario trial = {0};
        rc = web_scenario_eval(p, actions, &trial, d);
        web_scenario_free(&trial);
    }
    if (rc == MG_OK) {
        *out = json_dumps(actions, JSON_COMPACT);
        if (!*out)
            rc = MG_ENOMEM;
    }
    json_decref(actions);
    return rc;
}

/* Applies e to scenario w and redirects to its page; a list that does not
 * evaluate shows the sandbox again with the message (and the action form
 * as typed, `in`) and status 400. */
static int save_actions(web_ctx *ctx, web_scenario *w, struct action_edit *e,
                        const web_form_input *in)
{
    mg_diag d = {{0}};
    int rc = mg_storage_scenario_edit(ctx->app->db, w->rec.id, ctx->actor->account_id,
                                      apply_action_edit, e, &d);
    if (rc == MG_EINVAL && e->changed) {
        /* The scenario as it was read for this request, with the reason. */
        ctx->res->status = 409;
        sandbox(&ctx->res->body, ctx, w, NULL, web_msg_fr(WEB_MSG_ACTION_CHANGED), false);
        return ctx->res->body.failed ? MG_ELIMIT : MG_OK;
    }
    if (rc == MG_EINVAL) {
        ctx->res->status = 400;
        sandbox(&ctx->res->body, ctx, w, in, d.msg, false);
        return ctx->res->body.failed ? MG_ELIMIT : MG_OK;
    }
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d,
                          web_msg_fr(e->no_such_action ? WEB_MSG_ACTION_NOT_FOUND
                                                       : WEB_MSG_SCENARIO_NOT_FOUND),
                          web_msg_fr(WEB_MSG_SCENARIO_SAVE_FAILED));
        return 0;
    }
    redirect_to_scenario(ctx->res, w->rec.id);
    return 0;
}

/* Reads and checks the action form for profession p; the number of fields
 * refused. On success, *code is the commune's code in the territory. */
static int parse_action(web_ctx *ctx, const mg_app_profession *p, const action_form_desc *f,
                        web_form_input *in, const char **code)
{
    web_form_read(&f->form, ctx->req, in);
    /* The form resolved the commune among the study communes. */
    long i = in->commune[ACT_COMMUNE];
    *code = i >= 0 ? p->g->t->code[i] : NULL;
    return in->nerrors;
}

/* The action as the scenario module reads it: kind, commune, and the
 * numbers given (the others take the kind's defaults). NULL: no memory. */
static json_t *action_json(const action_form_desc *f, const web_form_input *in, const char *code)
{
    json_t *o = json_pack("{s:s,s:s}", "kind", in->raw[ACT_KIND], "commune", code);
    for (size_t k = ACT_COUNT; o && k < ACT_NFIELDS; k++)
        if (in->given[k] && json_object_set_new(o, f->fields[k].name, json_real(in->num[k]))) {
            json_decref(o);
            return NULL;
        }
    return o;
}

static int add_action(web_ctx *ctx)
{
    web_scenario w;
    if (load_path_scenario(ctx, MG_AUTH_EDIT, &w))
        return 0;
    action_form_desc f;
    action_form_init(&f, w.p->g);
    web_form_input in;
    const char *code = NULL;
    int rc = MG_OK;
    if (parse_action(ctx, w.p, &f, &in, &code)) {
        ctx->res->status = 400;
        sandbox(&ctx->res->body, ctx, &w, &in, NULL, false);
        rc = ctx->res->body.failed ? MG_ELIMIT : MG_OK;
    } else {
        json_t *o = action_json(&f, &in, code);
        struct action_edit e = {.a = ctx->app, .add = o};
        rc = o ? save_actions(ctx, &w, &e, &in) : MG_ENOMEM;
        json_decref(o);
    }
    web_scenario_free(&w);
    return rc;
}

/* --- Deletions, confirmed first --------------------------------------------- */

/* What a deletion request asks: a scenario, or one of its actions. */
typedef struct removal {
    int64_t id;         /* the scenario */
    size_t action;      /* 1-based; 0: the scenario itself */
    bool confirmed;     /* POST with confirmer=oui (and, for an action, its empreinte) */
    const char *digest; /* the action confirmed (empreinte, action_digest), or NULL */
} removal;

/* Reads the path ({id}, and {n} when with_action) and the confirmation;
 * non-zero once answered (404). */
static int parse_removal(web_ctx *ctx, bool with_action, removal *rm)
{
    *rm = (removal){0};
    rm->id = web_path_id(ctx, WEB_MSG_SCENARIO_NOT_FOUND);
    if (!rm->id)
        return -1;
    if (with_action) {
        int64_t n = 0;
        if (mg_parse_id(mg_http_path_param(ctx->req, "n"), ACTIONS_MAX, &n, NULL)) {
            web_fail(ctx, 404, WEB_MSG_ACTION_NOT_FOUND);
            return -1;
        }
        rm->action = (size_t)n;
    }
    const char *c = strcmp(mg_http_method(ctx->req), "POST") == 0
                        ? mg_http_form(ctx->req, "confirmer")
                        : NULL;
    rm->confirmed = c && strcmp(c, "oui") == 0;
    if (with_action && rm->confirmed) {
        /* Without what it removes, a removal cannot be checked: it is
         * confirmed again (the confirmation page carries it). */
        const char *e = mg_http_form(ctx->req, "empreinte");
        rm->digest = e && *e ? e : NULL;
        rm->confirmed = rm->digest != NULL;
    }
    return 0;
}

/* What the confirmation page shows. */
typedef struct confirm_view {
    int64_t id;
    const char *name;    /* the scenario's */
    size_t action;       /* 1-based, 0: the scenario */
    const char *kind;    /* the action's French label */
    const char *commune; /* the action's commune */
    const char *digest;  /* the action's, sent back with the confirmation */
} confirm_view;

static void render_confirm(mg_buf *b, web_ctx *ctx, const confirm_view *v)
{
    web_page_begin(b, ctx, "Confirmer la suppression", "scenarios");
    mg_buf_puts(b, "<p class=\"crumbs\">");
    mg_html_link_id(b, "/scenarios/", v->id, NULL);
    mg_buf_puts(b, "← Scénario « ");
    mg_html_text(b, v->name);
    mg_buf_puts(b, " »</a></p>\n<h1>Confirmer la suppression</h1>\n<p>");
    mg_html_text(b, web_msg_fr(v->action ? WEB_MSG_CONFIRM_DELETE_ACTION
                                         : WEB_MSG_CONFIRM_DELETE_SCENARIO));
    mg_buf_puts(b, "</p>\n<dl><dt>Scénario</dt><dd>");
    mg_html_text(b, v->name);
    mg_buf_puts(b, "</dd>");
    if (v->action) {
        mg_buf_printf(b, "<dt>Action %zu</dt><dd>", v->action);
        mg_html_text(b, v->kind);
        mg_buf_puts(b, " — ");
        mg_html_text(b, v->commune);
        mg_buf_puts(b, "</dd>");
    }
    mg_buf_puts(b, "</dl>\n");
    if (v->action)
        mg_buf_printf(b, "<form method=\"post\" action=\"/scenarios/%lld/actions/%zu/supprimer\">",
                      (long long)v->id, v->action);
    else
        mg_buf_printf(b, "<form method=\"post\" action=\"/scenarios/%lld/supprimer\">",
                      (long long)v->id);
    mg_html_hidden(b, "confirmer", "oui");
    web_csrf_field(b, ctx);
    if (v->action)
        mg_html_hidden(b, "empreinte", v->digest);
    mg_buf_puts(b, v->action ? "<button type=\"submit\" class=\"danger\">Retirer définitivement</button> "
                             : "<button type=\"submit\" class=\"danger\">Supprimer définitivement</button> ");
    mg_html_link_id(b, "/scenarios/", v->id, NULL);
    mg_buf_puts(b, "Annuler</a></form>\n");
    web_page_end(b);
}

/* GET or POST /scenarios/{id}/supprimer: the confirmation page, or the
 * deletion with confirmer=oui. */
static int delete_scenario(web_ctx *ctx)
{
    removal rm;
    if (parse_removal(ctx, false, &rm))
        return 0;
    /* The scenario is read first in both cases: whether it may be deleted
     * depends on its organisation. */
    mg_diag d = {{0}};
    mg_scenario_record rec = {0};
    int rc = mg_storage_scenario_get(ctx->app->db, rm.id, &rec, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND),
                          web_msg_fr(WEB_MSG_SCENARIO_READ_FAILED));
        return 0;
    }
    mg_auth_object o = web_scenario_object(&rec, false);
    if (!web_allow_as(ctx, MG_AUTH_DELETE, &o, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND))) {
        mg_scenario_record_free(&rec);
        return 0;
    }
    if (rm.confirmed) {
        mg_scenario_record_free(&rec);
        rc = mg_storage_scenario_delete(ctx->app->db, rm.id, ctx->actor->account_id, &d);
        if (rc)
            web_storage_error(ctx->req, ctx->res, rc, &d, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND),
                              web_msg_fr(WEB_MSG_SCENARIO_DELETE_FAILED));
        else
            mg_http_redirect(ctx->res, "/scenarios");
        return 0;
    }
    confirm_view v = {.id = rm.id, .name = rec.name};
    render_confirm(&ctx->res->body, ctx, &v);
    mg_scenario_record_free(&rec);
    return ctx->res->body.failed ? MG_ELIMIT : MG_OK;
}

/* GET or POST /scenarios/{id}/actions/{n}/supprimer: the confirmation
 * page, or the removal with confirmer=oui. */
static int remove_action(web_ctx *ctx)
{
    removal rm;
    if (parse_removal(ctx, true, &rm))
        return 0;
    web_scenario w;
    if (load_path_scenario(ctx, MG_AUTH_EDIT, &w))
        return 0;
    int rc = MG_OK;
    char digest[ACTION_DIGEST_SIZE];
    if (rm.confirmed) {
        struct action_edit e = {.a = ctx->app, .remove = rm.action, .digest = rm.digest};
        rc = save_actions(ctx, &w, &e, NULL);
    } else if (rm.action > w.s.n) {
        web_fail(ctx, 404, WEB_MSG_ACTION_NOT_FOUND);
    } else if ((rc = stored_action_digest(w.rec.actions_json, rm.action, digest)) == MG_OK) {
        const mg_action *act = &w.s.actions[rm.action - 1];
        confirm_view v = {.id = rm.id, .name = w.rec.name, .action = rm.action,
                          .kind = mg_resource_label(act->kind),
                          .commune = w.p->g->t->name[act->commune], .digest = digest};
        render_confirm(&ctx->res->body, ctx, &v);
        rc = ctx->res->body.failed ? MG_ELIMIT : MG_OK;
    }
    web_scenario_free(&w);
    return rc;
}

/* --- Sharing by link ------------------------------------------------------ */

/* GET /partage/{jeton}: the scenario, read-only, to anyone with the link. */
static int shared_show(web_ctx *ctx)
{
    web_scenario w;
    if (web_scenario_load_shared(ctx, mg_http_path_param(ctx->req, "jeton"), &w))
        return 0;
    sandbox(&ctx->res->body, ctx, &w, NULL, NULL, true);
    web_scenario_free(&w);
    return ctx->res->body.failed ? MG_ELIMIT : MG_OK;
}

/* POST /scenarios/{id}/partage with partager=oui (share, or renew the
 * link) or partager=non (stop): for those who may edit the scenario. */
static int share(web_ctx *ctx)
{
    int64_t id = web_path_id(ctx, WEB_MSG_SCENARIO_NOT_FOUND);
    if (!id)
        return 0;
    mg_diag d = {{0}};
    mg_scenario_record rec = {0};
    int rc = mg_storage_scenario_get(ctx->app->db, id, &rec, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND),
                          web_msg_fr(WEB_MSG_SCENARIO_READ_FAILED));
        return 0;
    }
    mg_auth_object o = web_scenario_object(&rec, false);
    mg_scenario_record_free(&rec);
    if (!web_allow_as(ctx, MG_AUTH_EDIT, &o, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND)))
        return 0;
    const char *v = mg_http_form(ctx->req, "partager");
    bool on = v && strcmp(v, "oui") == 0;
    if (!on && !(v && strcmp(v, "non") == 0)) {
        web_fail(ctx, 400, WEB_MSG_SHARE_CHOICE);
        return 0;
    }
    rc = mg_storage_scenario_share(ctx->app->db, id, ctx->actor->account_id, on, NULL, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND),
                          web_msg_fr(WEB_MSG_SCENARIO_SAVE_FAILED));
        return 0;
    }
    char loc[64];
    snprintf(loc, sizeof loc, "/scenarios/%lld#partage", (long long)id);
    mg_http_redirect(ctx->res, loc);
    return 0;
}

/* --- Comparison ------------------------------------------------------------- */

/* Side by side: the current situation and scenarios ?a= and ?b=. */
typedef struct compare_view {
    web_scenario w[2];
    size_t n;
} compare_view;

static void compare_view_free(compare_view *v)
{
    for (size_t k = 0; k < v->n; k++)
        web_scenario_free(&v->w[k]);
    v->n = 0;
}

/* Loads ?a= and ?b= (either may be absent); non-zero once answered. */
static int compute_compare(web_ctx *ctx, compare_view *v)
{
    web_form_input in;
    web_form_read(&compare_desc, ctx->req, &in);
    const char *ids[2] = {in.raw[CMP_A], in.raw[CMP_B]};
    if (!ids[0]) {
        ids[0] = ids[1];
        ids[1] = NULL;
    }
    memset(v, 0, sizeof *v);
    for (size_t k = 0; k < 2 && ids[k]; k++) {
        if (web_scenario_load(ctx, ids[k], MG_AUTH_VIEW, &v->w[v->n])) {
            compare_view_free(v);
            return -1;
        }
        v->n++;
        if (v->n > 1 && v->w[v->n - 1].p != v->w[0].p) {
            compare_view_free(v);
            web_fail(ctx, 400, WEB_MSG_COMPARE_SAME_PROFESSION);
            return -1;
        }
    }
    if (v->n == 0) {
        web_fail(ctx, 400, WEB_MSG_COMPARE_NONE);
        return -1;
    }
    return 0;
}

static void render_compare(mg_buf *b, web_ctx *ctx, const compare_view *v)
{
    const mg_app *a = ctx->app;
    web_page_begin(b, ctx, "Comparaison de scénarios", "scenarios");
    mg_buf_puts(b, "<p class=\"crumbs\"><a href=\"/scenarios\">← Scénarios</a></p>\n<h1>Comparaison de scénarios</h1>\n");
    char ids[2][24] = {"", ""};
    for (size_t k = 0; k < v->n; k++)
        snprintf(ids[k], sizeof ids[k], "%lld", (long long)v->w[k].rec.id);
    web_baseline_note(b, v->w[0].base, NULL, "/scenarios/comparer", NULL,
                      (const char *const[]){"a", ids[0], "b", v->n > 1 ? ids[1] : NULL, NULL});
    const mg_summary *s[3] = {v->w[0].base_summary};
    const char *names[3] = {"Situation actuelle"};
    for (size_t k = 0; k < v->n; k++) {
        s[k + 1] = &v->w[k].summary;
        names[k + 1] = v->w[k].rec.name;
    }
    figures_table(b, s, names, v->n + 1, v->w[0].base);
    mg_buf_puts(b, "<div class=\"pair\">");
    for (size_t k = 0; k < v->n; k++) {
        const web_scenario *w = &v->w[k];
        mg_buf_puts(b, "<div class=\"map\"><h2>");
        mg_html_text(b, w->rec.name);
        mg_buf_puts(b, "</h2>");
        web_map(b, a, w->p, w->shown, false, w->rec.name, w->p->g->prof->threshold, -1);
        mg_buf_puts(b, "</div>");
    }
    mg_buf_puts(b, "</div>\n");
    web_page_end(b);
}

static int compare_page(web_ctx *ctx)
{
    compare_view v;
    if (compute_compare(ctx, &v))
        return 0;
    render_compare(&ctx->res->body, ctx, &v);
    compare_view_free(&v);
    return ctx->res->body.failed ? MG_ELIMIT : MG_OK;
}

/* --- Suggestions of the commune fields ------------------------------------- */

/* GET /api/communes?q=…&profession=…: the study communes that match q
 * best (web_commune_suggest), at most WEB_COMMUNE_SUGGEST_MAX, as the
 * commune fields read them back ("libelle": "Nom (code)"). An empty or
 * unreadable q gives an empty list; an unknown profession a 400. */
static int communes_suggest(web_ctx *ctx)
{
    const mg_app_profession *p = web_profession(ctx->app, ctx->req, ctx->res);
    if (!p)
        return 0;
    const mg_territory *t = p->g->t;
    const char *q = mg_http_query(ctx->req, "q");
    size_t idx[WEB_COMMUNE_SUGGEST_MAX];
    size_t n = web_commune_suggest(p->g, q, idx, WEB_COMMUNE_SUGGEST_MAX);
    json_t *list = json_array();
    for (size_t k = 0; list && k < n; k++) {
        char label[300];
        snprintf(label, sizeof label, "%s (%s)", t->name[idx[k]], t->code[idx[k]]);
        if (json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "code", t->code[idx[k]],
                                                  "nom", t->name[idx[k]], "libelle", label))) {
            json_decref(list);
            list = NULL;
        }
    }
    json_t *doc = list ? json_pack("{s:s,s:o}", "profession", p->g->prof->key, "communes", list)
                       : NULL;
    if (!doc) {
        web_fail(ctx, 500, WEB_MSG_OUT_OF_MEMORY);
        return 0;
    }
    return web_send_json(ctx->res, 200, doc);
}

const web_route web_routes_scenarios[] = {
    {"GET", "/api/communes", communes_suggest, WEB_ANYONE, 0},
    {"GET", "/scenarios", list_page, WEB_ANYONE, 0},
    {"POST", "/scenarios", create, WEB_ACCOUNT, 0},
    {"GET", "/scenarios/comparer", compare_page, WEB_ANYONE, 0},
    {"GET", "/scenarios/{id}", show, WEB_ANYONE, 0},
    {"POST", "/scenarios/{id}/actions", add_action, WEB_ANYONE, 0},
    {"POST", "/scenarios/{id}/partage", share, WEB_ANYONE, 0},
    {"GET", "/partage/{jeton}", shared_show, WEB_ANYONE, 0},
    {"GET", "/scenarios/{id}/actions/{n}/supprimer", remove_action, WEB_ANYONE, 0},
    {"POST", "/scenarios/{id}/actions/{n}/supprimer", remove_action, WEB_ANYONE, 0},
    {"GET", "/scenarios/{id}/supprimer", delete_scenario, WEB_ANYONE, 0},
    {"POST", "/scenarios/{id}/supprimer", delete_scenario, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
