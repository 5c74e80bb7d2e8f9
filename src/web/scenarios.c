/* The scenario sandbox: list, create, add and remove actions, results
 * (new map, difference map, every figure before and after), comparison. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "web/web.h"

static void scenario_links(mg_buf *b, int64_t id)
{
    mg_buf_printf(b, "<p class=\"downloads\">Exporter : "
                     "<a href=\"/api/v1/scenarios/%lld\">JSON</a> · "
                     "<a href=\"/telecharger/communes.csv?scenario=%lld\">tableau CSV</a> · "
                     "<a href=\"/telecharger/communes.geojson?scenario=%lld\">GeoJSON</a> · "
                     "<a href=\"/carte.svg?scenario=%lld\">carte SVG</a> · "
                     "<a href=\"/carte.png?scenario=%lld\">carte PNG</a> · "
                     "<a href=\"/carte.svg?scenario=%lld&amp;ecart=1\">carte des écarts SVG</a></p>\n",
                  (long long)id, (long long)id, (long long)id, (long long)id, (long long)id,
                  (long long)id);
}

static int list_page(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    mg_scenario_record *list = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int src = mg_storage_scenario_list(a->db, &list, &n, &d);
    if (src) {
        web_storage_error(r, res, src, &d, "", "La liste des scénarios n'a pas pu être lue.");
        return 0;
    }
    mg_buf *b = &res->body;
    web_page_begin(b, a, "Scénarios", "scenarios");
    mg_buf_puts(b, "<h1>Scénarios</h1>\n<p>Un scénario ajoute ou retire des capacités de soins dans des "
                   "communes (un médecin part, une maison de santé ouvre, une cabine de télémédecine, un "
                   "chariot de téléconsultation, une consultation itinérante) et montre aussitôt la nouvelle "
                   "carte d'accessibilité.</p>\n");
    mg_buf_puts(b, "<section aria-labelledby=\"nouveau\"><h2 id=\"nouveau\">Nouveau scénario</h2>\n"
                   "<form method=\"post\" action=\"/scenarios\" class=\"stack\">\n"
                   "<label for=\"nom\">Nom du scénario</label> <input id=\"nom\" name=\"nom\" required maxlength=\"200\">\n"
                   "<label for=\"profession\">Profession</label> <select id=\"profession\" name=\"profession\">"
                   "<option value=\"mg\">Médecins généralistes</option><option value=\"inf\">Infirmiers</option>"
                   "<option value=\"mk\">Masseurs-kinésithérapeutes</option><option value=\"sf\">Sages-femmes</option>"
                   "<option value=\"cd\">Chirurgiens-dentistes</option></select>\n"
                   "<button type=\"submit\">Créer</button></form></section>\n");
    mg_buf_puts(b, "<section aria-labelledby=\"liste\"><h2 id=\"liste\">Scénarios enregistrés</h2>\n");
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucun scénario pour l'instant.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Scénarios enregistrés</caption>"
                       "<thead><tr><th scope=\"col\">Nom</th><th scope=\"col\">Profession</th>"
                       "<th scope=\"col\">Modifié le</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < n; k++) {
            mg_buf_printf(b, "<tr><th scope=\"row\"><a href=\"/scenarios/%lld\">", (long long)list[k].id);
            mg_html_text(b, list[k].name);
            mg_buf_puts(b, "</a></th><td>");
            mg_html_text(b, list[k].profession);
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, list[k].updated_at);
            mg_buf_puts(b, "</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n<h3>Comparer deux scénarios</h3>\n"
                       "<form method=\"get\" action=\"/scenarios/comparer\" class=\"stack\">");
        const char *const which[2] = {"a", "b"};
        for (size_t w = 0; w < 2; w++) {
            mg_buf_printf(b, "<label for=\"cmp-%s\">Scénario %s</label> <select id=\"cmp-%s\" name=\"%s\">",
                          which[w], w ? "B" : "A", which[w], which[w]);
            for (size_t k = 0; k < n; k++) {
                mg_buf_printf(b, "<option value=\"%lld\"%s>", (long long)list[k].id,
                              k == w ? " selected" : "");
                mg_html_text(b, list[k].name);
                mg_buf_puts(b, "</option>");
            }
            mg_buf_puts(b, "</select>\n");
        }
        mg_buf_puts(b, "<button type=\"submit\">Comparer</button></form>\n");
    }
    mg_buf_puts(b, "</section>\n");
    web_page_end(b);
    mg_scenario_record_list_free(list, n);
    return b->failed ? MG_ELIMIT : MG_OK;
}

static int create(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    const char *name = mg_http_form(r, "nom");
    const char *prof = mg_http_form(r, "profession");
    if (!name || !*name) {
        mg_http_error(r, res, 400, "Donnez un nom au scénario.");
        return 0;
    }
    if (!mg_app_profession_get(a, prof)) {
        mg_http_error(r, res, 400, "Profession inconnue : choisissez mg, inf, mk, sf ou cd.");
        return 0;
    }
    return web_scenario_create(a, r, res, name, prof, "[]");
}

int web_scenario_create(const mg_app *a, const mg_http_request *r, mg_http_response *res,
                        const char *name, const char *prof, const char *actions_json)
{
    mg_scenario_record rec = {.name = (char *)name, .profession = (char *)prof,
                              .actions_json = (char *)actions_json};
    int64_t id;
    mg_diag d = {{0}};
    int rc = actions_json ? mg_storage_scenario_save(a->db, &rec, &id, &d) : MG_ENOMEM;
    if (rc == MG_EINVAL) {
        mg_http_error(r, res, 400, d.msg[0] ? d.msg : "Nom de scénario invalide.");
        return 0;
    }
    if (rc) {
        web_storage_error(r, res, rc, &d, "", "Le scénario n'a pas pu être enregistré.");
        return 0;
    }
    char loc[64];
    snprintf(loc, sizeof loc, "/scenarios/%lld", (long long)id);
    mg_http_redirect(res, loc);
    return 0;
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
        mg_buf_printf(b, "<td>%s</td>", s);
    }
    if (n >= 2) {
        char s[32];
        web_num(s, sizeof s, v[n - 1] - v[0], decimals);
        mg_buf_printf(b, "<td>%s%s</td>", v[n - 1] - v[0] > 0 ? "+" : "", s);
    }
    mg_buf_puts(b, "</tr>\n");
}

static void figures_table(mg_buf *b, const mg_summary *const *s, const char *const *names, size_t n)
{
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Chiffres clés</caption><thead><tr><th scope=\"col\">Indicateur</th>");
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

static void action_form(mg_buf *b, const mg_app_profession *p, int64_t id)
{
    const mg_diagnosis *g = p->g;
    mg_buf_printf(b, "<section aria-labelledby=\"ajout\"><h2 id=\"ajout\">Ajouter une action</h2>\n"
                     "<form method=\"post\" action=\"/scenarios/%lld/actions\" class=\"stack\">\n"
                     "<label for=\"kind\">Action</label> <select id=\"kind\" name=\"kind\">",
                  (long long)id);
    for (int k = 0; k < MG_RES_COUNT; k++)
        mg_buf_printf(b, "<option value=\"%s\">%s</option>", mg_resource_name((enum mg_resource)k),
                      mg_resource_label((enum mg_resource)k));
    mg_buf_puts(b, "</select>\n<label for=\"commune\">Commune</label> <select id=\"commune\" name=\"commune\">");
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        mg_buf_printf(b, "<option value=\"%s\">", g->t->code[i]);
        mg_html_text(b, g->t->name[i]);
        mg_buf_printf(b, " (%s)</option>", g->t->code[i]);
    }
    mg_buf_puts(b, "</select>\n<fieldset><legend>Paramètres (laisser vide pour les valeurs par défaut)</legend>\n"
                   "<label for=\"count\">Nombre de praticiens (négatif : départs)</label> <input id=\"count\" name=\"count\" inputmode=\"decimal\">\n"
                   "<label for=\"hours_per_week\">Heures par semaine (cabine, chariot)</label> <input id=\"hours_per_week\" name=\"hours_per_week\" inputmode=\"decimal\">\n"
                   "<label for=\"consultations_per_hour\">Consultations par heure</label> <input id=\"consultations_per_hour\" name=\"consultations_per_hour\" inputmode=\"decimal\">\n"
                   "<label for=\"remote_share\">Part réalisable à distance (0 à 1)</label> <input id=\"remote_share\" name=\"remote_share\" inputmode=\"decimal\">\n"
                   "<label for=\"days_per_month\">Jours de passage par mois (itinérant)</label> <input id=\"days_per_month\" name=\"days_per_month\" inputmode=\"decimal\">\n"
                   "<label for=\"hours_per_day\">Heures par jour de passage</label> <input id=\"hours_per_day\" name=\"hours_per_day\" inputmode=\"decimal\">\n"
                   "</fieldset><button type=\"submit\">Ajouter et recalculer</button></form></section>\n");
}

/* Actions table with their capacity and a remove button each. */
static void actions_table(mg_buf *b, const web_scenario *w, int64_t id)
{
    const mg_diagnosis *g = w->p->g;
    mg_buf_puts(b, "<section aria-labelledby=\"actions\"><h2 id=\"actions\">Actions</h2>\n");
    if (w->s.n == 0) {
        mg_buf_puts(b, "<p>Aucune action : ajoutez-en une ci-dessous.</p></section>\n");
        return;
    }
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Actions du scénario</caption><thead><tr>"
                   "<th scope=\"col\">Action</th><th scope=\"col\">Commune</th>"
                   "<th scope=\"col\">Capacité ajoutée</th><th scope=\"col\"><span class=\"sr\">Retirer</span></th></tr></thead><tbody>\n");
    for (size_t k = 0; k < w->s.n; k++) {
        const mg_action *act = &w->s.actions[k];
        double cap = 0;
        mg_diag d = {{0}};
        if (mg_action_capacity(act, g, &cap, &d))
            cap = NAN;
        char c[32];
        web_num(c, sizeof c, cap, 0);
        mg_buf_printf(b, "<tr><td>%s</td><td>", mg_resource_label(act->kind));
        mg_html_text(b, g->t->name[act->commune]);
        mg_buf_printf(b, "</td><td>%s <span class=\"unit\">%s</span></td><td><form method=\"post\" "
                         "action=\"/scenarios/%lld/actions/%zu/supprimer\"><button type=\"submit\" "
                         "aria-label=\"Retirer l'action %zu\">Retirer</button></form></td></tr>\n",
                      c, strcmp(g->prof->key, "mg") == 0 ? "actes/an" : "ETP", (long long)id, k + 1,
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
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        double dlt = w->apl[i] - g->apl[i];
        if (fabs(dlt) > 1e-9)
            c[m++] = (change){i, dlt};
    }
    qsort(c, m, sizeof *c, cmp_change);
    mg_buf_printf(b, "<section aria-labelledby=\"changes\"><h2 id=\"changes\">Communes touchées (%zu)</h2>\n", m);
    if (m) {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Communes dont l'APL change</caption><thead><tr>"
                       "<th scope=\"col\">Commune</th><th scope=\"col\">Population</th><th scope=\"col\">APL avant</th>"
                       "<th scope=\"col\">APL après</th><th scope=\"col\">Écart</th></tr></thead><tbody>\n");
        for (size_t q = 0; q < m && q < 200; q++) {
            size_t i = c[q].i;
            char pop[32], before[32], after[32], dl[32];
            web_num(pop, sizeof pop, g->t->population[i], 0);
            web_num(before, sizeof before, g->apl[i], 2);
            web_num(after, sizeof after, w->apl[i], 2);
            web_num(dl, sizeof dl, c[q].delta, 3);
            mg_buf_printf(b, "<tr><th scope=\"row\"><a href=\"/commune/%s?profession=%s\">", g->t->code[i],
                          g->prof->key);
            mg_html_text(b, g->t->name[i]);
            mg_buf_printf(b, "</a></th><td>%s</td><td>%s</td><td>%s</td><td>%s%s</td></tr>\n", pop, before,
                          after, c[q].delta > 0 ? "+" : "", dl);
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    mg_buf_puts(b, "</section>\n");
    free(c);
}

static void sandbox(mg_buf *b, const mg_app *a, const web_scenario *w, const char *error)
{
    const mg_app_profession *p = w->p;
    const mg_diagnosis *g = p->g;
    int64_t id = w->rec.id;
    char title[300];
    snprintf(title, sizeof title, "Scénario « %s »", w->rec.name);
    web_page_begin(b, a, title, "scenarios");
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
    actions_table(b, w, id);
    action_form(b, p, id);
    mg_buf_puts(b, "<section aria-labelledby=\"resultats\"><h2 id=\"resultats\">Résultats</h2>\n");
    const mg_summary *s[2] = {&p->summary, &w->summary};
    const char *names[2] = {"Situation actuelle", "Avec le scénario"};
    figures_table(b, s, names, 2);
    scenario_links(b, id);
    mg_buf_puts(b, "<div class=\"pair\"><div class=\"map\"><h3>APL avec le scénario</h3>");
    web_map(b, a, p, w->apl, false, "APL avec le scénario", g->prof->threshold, -1);
    mg_buf_puts(b, "</div><div class=\"map\"><h3>Écart à la situation actuelle</h3>");
    double *diff = mg_alloc_array(g->t->n, sizeof *diff);
    if (diff) {
        for (size_t i = 0; i < g->t->n; i++)
            diff[i] = w->apl[i] - g->apl[i];
        web_map(b, a, p, diff, true, "Écart d'APL dû au scénario", NAN, -1);
        free(diff);
    }
    mg_buf_puts(b, "</div></div></section>\n");
    changes_table(b, w);
    mg_buf_printf(b, "<form method=\"post\" action=\"/scenarios/%lld/supprimer\"><button type=\"submit\" "
                     "class=\"danger\">Supprimer ce scénario</button></form>\n",
                  (long long)id);
    web_page_end(b);
}

static int show(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    web_scenario w;
    if (web_scenario_load(a, mg_http_path_param(r, "id"), r, res, &w))
        return 0;
    sandbox(&res->body, a, &w, NULL);
    web_scenario_free(&w);
    return res->body.failed ? MG_ELIMIT : MG_OK;
}

/* Reads an optional numeric form field into the action object. */
static int form_number(const mg_http_request *r, const char *name, json_t *o, char *err, size_t cap)
{
    const char *v = mg_http_form(r, name);
    if (!v || !*v)
        return 0;
    char *end, tmp[64];
    snprintf(tmp, sizeof tmp, "%s", v);
    for (char *c = tmp; *c; c++)
        if (*c == ',')
            *c = '.';
    double x = strtod(tmp, &end);
    while (*end == ' ')
        end++;
    if (end == tmp || *end || !isfinite(x)) {
        snprintf(err, cap, "Le champ « %s » doit être un nombre.", name);
        return -1;
    }
    json_object_set_new(o, name, json_real(x));
    return 0;
}

/*
 * One change to a scenario's actions, applied by mg_storage_scenario_edit
 * inside the store's transaction to the actions as they are then, so that
 * two people adding actions at once both keep theirs.
 */
struct action_edit {
    const mg_app *a;
    json_t *add;   /* the action to append, or NULL */
    size_t remove; /* the 1-based action to remove, or 0 */
    bool no_such_action;
};

static int apply_action_edit(const mg_scenario_record *cur, void *ctx, char **out, mg_diag *d)
{
    struct action_edit *e = ctx;
    e->no_such_action = false;
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
        if (e->remove > json_array_size(actions)) {
            e->no_such_action = true;
            rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "Cette action n'existe pas.");
        } else {
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
 * evaluate shows the sandbox again with the message and status 400. */
static int save_actions(const mg_app *a, const mg_http_request *r, mg_http_response *res,
                        web_scenario *w, struct action_edit *e)
{
    mg_diag d = {{0}};
    int rc = mg_storage_scenario_edit(a->db, w->rec.id, apply_action_edit, e, &d);
    if (rc == MG_EINVAL) {
        res->status = 400;
        sandbox(&res->body, a, w, d.msg);
        return 0;
    }
    if (rc) {
        web_storage_error(r, res, rc, &d,
                          e->no_such_action ? "Cette action n'existe pas."
                                            : "Ce scénario n'existe pas.",
                          "Le scénario n'a pas pu être enregistré.");
        return 0;
    }
    char loc[64];
    snprintf(loc, sizeof loc, "/scenarios/%lld", (long long)w->rec.id);
    mg_http_redirect(res, loc);
    return 0;
}

static int add_action(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    web_scenario w;
    if (web_scenario_load(a, mg_http_path_param(r, "id"), r, res, &w))
        return 0;
    const char *kind = mg_http_form(r, "kind"), *commune = mg_http_form(r, "commune");
    json_t *o = json_pack("{s:s,s:s}", "kind", kind ? kind : "", "commune", commune ? commune : "");
    char err[160] = "";
    static const char *const fields[] = {"count", "hours_per_week", "consultations_per_hour",
                                         "remote_share", "days_per_month", "hours_per_day"};
    for (size_t k = 0; o && k < sizeof fields / sizeof *fields && !err[0]; k++)
        form_number(r, fields[k], o, err, sizeof err);
    int rc = MG_OK;
    if (!o) {
        rc = MG_ENOMEM;
    } else if (err[0]) {
        res->status = 400;
        sandbox(&res->body, a, &w, err);
    } else {
        struct action_edit e = {.a = a, .add = o};
        rc = save_actions(a, r, res, &w, &e);
    }
    json_decref(o);
    web_scenario_free(&w);
    return rc;
}

static int remove_action(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    web_scenario w;
    if (web_scenario_load(a, mg_http_path_param(r, "id"), r, res, &w))
        return 0;
    const char *ns = mg_http_path_param(r, "n");
    char *end;
    long n = strtol(ns ? ns : "", &end, 10);
    int rc = MG_OK;
    if (!ns || !*ns || *end || n < 1) {
        mg_http_error(r, res, 404, "Cette action n'existe pas.");
    } else {
        struct action_edit e = {.a = a, .remove = (size_t)n};
        rc = save_actions(a, r, res, &w, &e);
    }
    web_scenario_free(&w);
    return rc;
}

static int delete_scenario(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    const char *id = mg_http_path_param(r, "id");
    char *end;
    long long v = strtoll(id ? id : "", &end, 10);
    mg_diag d = {{0}};
    int rc = !id || *end || v <= 0 ? MG_ENOTFOUND : mg_storage_scenario_delete(a->db, (int64_t)v, &d);
    if (rc) {
        web_storage_error(r, res, rc, &d, "Ce scénario n'existe pas.",
                          "Le scénario n'a pas pu être supprimé.");
        return 0;
    }
    mg_http_redirect(res, "/scenarios");
    return 0;
}

/* Side by side: the current situation and scenarios ?a= and ?b=. */
static int compare_page(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    const char *ids[3] = {mg_http_query(r, "a"), mg_http_query(r, "b"), NULL};
    if (!ids[0] && ids[1]) {
        ids[0] = ids[1];
        ids[1] = NULL;
    }
    web_scenario w[3];
    memset(w, 0, sizeof w);
    size_t n = 0;
    for (size_t k = 0; k < 3 && ids[k]; k++) {
        if (web_scenario_load(a, ids[k], r, res, &w[n])) {
            for (size_t m = 0; m < n; m++)
                web_scenario_free(&w[m]);
            return 0;
        }
        if (n > 0 && w[n].p != w[0].p) {
            for (size_t m = 0; m <= n; m++)
                web_scenario_free(&w[m]);
            mg_http_error(r, res, 400, "Seuls des scénarios de la même profession se comparent.");
            return 0;
        }
        n++;
    }
    if (n == 0) {
        mg_http_error(r, res, 400, "Choisissez au moins un scénario à comparer (paramètres a et b).");
        return 0;
    }
    mg_buf *b = &res->body;
    web_page_begin(b, a, "Comparaison de scénarios", "scenarios");
    mg_buf_puts(b, "<p class=\"crumbs\"><a href=\"/scenarios\">← Scénarios</a></p>\n<h1>Comparaison de scénarios</h1>\n");
    const mg_summary *s[4] = {&w[0].p->summary};
    const char *names[4] = {"Situation actuelle"};
    for (size_t k = 0; k < n; k++) {
        s[k + 1] = &w[k].summary;
        names[k + 1] = w[k].rec.name;
    }
    figures_table(b, s, names, n + 1);
    mg_buf_puts(b, "<div class=\"pair\">");
    for (size_t k = 0; k < n; k++) {
        mg_buf_puts(b, "<div class=\"map\"><h2>");
        mg_html_text(b, w[k].rec.name);
        mg_buf_puts(b, "</h2>");
        web_map(b, a, w[k].p, w[k].apl, false, w[k].rec.name, w[k].p->g->prof->threshold, -1);
        mg_buf_puts(b, "</div>");
    }
    mg_buf_puts(b, "</div>\n");
    web_page_end(b);
    for (size_t k = 0; k < n; k++)
        web_scenario_free(&w[k]);
    return b->failed ? MG_ELIMIT : MG_OK;
}

const web_route web_routes_scenarios[] = {
    {"GET", "/scenarios", list_page, WEB_ANYONE},
    {"POST", "/scenarios", create, WEB_ANYONE},
    {"GET", "/scenarios/comparer", compare_page, WEB_ANYONE},
    {"GET", "/scenarios/{id}", show, WEB_ANYONE},
    {"POST", "/scenarios/{id}/actions", add_action, WEB_ANYONE},
    {"POST", "/scenarios/{id}/actions/{n}/supprimer", remove_action, WEB_ANYONE},
    {"POST", "/scenarios/{id}/supprimer", delete_scenario, WEB_ANYONE},
    {NULL, NULL, NULL, WEB_ANYONE},
};
