/* The planning page: where new resources help most (docs/planning.md).
 * A GET form (resources and their counts, objective, budget, minimum
 * distance, the user's own sites) and the results: the sites on the map,
 * the marginal gain of each and whom it reaches, the population lifted,
 * the cost per person lifted, the comparison with the user's sites, and a
 * button that saves the plan as a scenario. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "plan/plan.h"
#include "web/web.h"

#define PLAN_MAX_PER_KIND 50

/* Form field of each kind: the count asked for. */
static const struct {
    enum mg_resource kind;
    const char *field;
    unsigned def;
} plan_fields[] = {
    {MG_RES_CABIN, "cabine", 1},
    {MG_RES_CART, "chariot", 2},
    {MG_RES_CENTRE, "maison", 0},
    {MG_RES_MOBILE, "itinerant", 0},
    {MG_RES_GP, "medecin", 0},
};
#define PLAN_NFIELDS (sizeof plan_fields / sizeof *plan_fields)

static const char *const objective_labels[MG_PLAN_OBJECTIVE_COUNT] = {
    [MG_PLAN_DEFICIT] = "réduire le déficit sous le seuil (population × écart au seuil)",
    [MG_PLAN_LIFTED] = "faire passer le plus d'habitants au-dessus du seuil",
    [MG_PLAN_COVERAGE] = "couvrir la population sous le seuil à moins de 10 minutes",
    [MG_PLAN_PMEDIAN] = "réduire le temps d'accès au praticien le plus proche",
};

/* A non-negative number parameter: absent or empty → def; bad → -1. */
static double param_num(const mg_http_request *r, const char *name, double def, double max)
{
    const char *s = mg_http_query(r, name);
    if (!s || !*s)
        return def;
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (*end || !isfinite(v) || v < 0 || v > max)
        return -1;
    return v;
}

static void form(mg_buf *b, const mg_http_request *r, const char *prof,
                 enum mg_plan_objective obj)
{
    mg_buf_puts(b, "<section aria-labelledby=\"parametres\"><h2 id=\"parametres\">Paramètres</h2>\n"
                   "<form method=\"get\" action=\"/planification\" class=\"stack\">\n");
    mg_buf_printf(b, "<input type=\"hidden\" name=\"profession\" value=\"%s\">\n", prof);
    mg_buf_puts(b, "<fieldset><legend>Ressources à implanter (nombre)</legend>\n");
    for (size_t k = 0; k < PLAN_NFIELDS; k++) {
        const char *v = mg_http_query(r, plan_fields[k].field);
        char def[16];
        snprintf(def, sizeof def, "%u", plan_fields[k].def);
        mg_buf_printf(b, "<label for=\"%s\">%s</label> <input id=\"%s\" name=\"%s\" "
                         "inputmode=\"numeric\" size=\"4\" value=\"",
                      plan_fields[k].field, mg_resource_label(plan_fields[k].kind),
                      plan_fields[k].field, plan_fields[k].field);
        mg_html_text(b, v ? v : def);
        mg_buf_puts(b, "\">\n");
    }
    mg_buf_puts(b, "</fieldset>\n<label for=\"objectif\">Objectif</label> "
                   "<select id=\"objectif\" name=\"objectif\">");
    for (int k = 0; k < MG_PLAN_OBJECTIVE_COUNT; k++)
        mg_buf_printf(b, "<option value=\"%s\"%s>%s</option>",
                      mg_plan_objective_name((enum mg_plan_objective)k),
                      k == (int)obj ? " selected" : "", objective_labels[k]);
    mg_buf_puts(b, "</select>\n");
    static const struct {
        const char *name, *label;
    } texts[] = {{"budget", "Budget total en euros (vide : sans limite)"},
                 {"distance", "Distance minimale entre deux sites, en km (vide : aucune)"},
                 {"exclure", "Communes exclues (codes INSEE séparés par des virgules)"},
                 {"proposition", "Vos propres sites, pour comparaison (codes INSEE séparés par des "
                                 "virgules ; la première ressource demandée y est placée)"}};
    for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
        const char *v = mg_http_query(r, texts[k].name);
        mg_buf_printf(b, "<label for=\"%s\">%s</label> <input id=\"%s\" name=\"%s\" value=\"",
                      texts[k].name, texts[k].label, texts[k].name, texts[k].name);
        mg_html_text(b, v ? v : "");
        mg_buf_puts(b, "\">\n");
    }
    mg_buf_puts(b, "<button type=\"submit\" name=\"calculer\" value=\"1\">Calculer le plan</button>"
                   "</form></section>\n");
}

static void num_cell(mg_buf *b, double v, int decimals)
{
    char s[48];
    web_num(s, sizeof s, v, decimals);
    mg_buf_printf(b, "<td>%s</td>", s);
}

static void commune_link(mg_buf *b, const mg_diagnosis *g, size_t i)
{
    mg_buf_printf(b, "<a href=\"/commune/%s?profession=%s\">", g->t->code[i], g->prof->key);
    mg_html_text(b, g->t->name[i]);
    mg_buf_printf(b, "</a> (%s)", g->t->code[i]);
}

static void sites_table(mg_buf *b, const mg_diagnosis *g, const mg_plan_problem *p,
                        const mg_plan_item *items, size_t n, const mg_plan_site_explain *ex,
                        const char *caption)
{
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>");
    mg_html_text(b, caption);
    mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Rang</th><th scope=\"col\">Commune</th>"
                   "<th scope=\"col\">Ressource</th><th scope=\"col\">Gain marginal</th>"
                   "<th scope=\"col\">Communes atteintes</th><th scope=\"col\">Population atteinte</th>"
                   "<th scope=\"col\">Habitants passés au-dessus du seuil grâce à ce site</th>"
                   "<th scope=\"col\">Commune la plus aidée</th></tr></thead><tbody>\n");
    for (size_t k = 0; k < n; k++) {
        mg_buf_printf(b, "<tr><td>%zu</td><th scope=\"row\">", k + 1);
        commune_link(b, g, p->cand_commune[items[k].cand]);
        mg_buf_printf(b, "</th><td>%s</td>", mg_resource_label(p->kinds[items[k].kind].proto.kind));
        num_cell(b, ex[k].marginal, 1);
        mg_buf_printf(b, "<td>%zu</td>", ex[k].units_reached);
        num_cell(b, ex[k].population_reached, 0);
        num_cell(b, ex[k].population_lifted, 0);
        mg_buf_puts(b, "<td>");
        if (ex[k].units_reached > 0) {
            commune_link(b, g, p->unit_commune[ex[k].best_unit]);
            char s[48];
            web_num(s, sizeof s, ex[k].apl_gain_max, 3);
            mg_buf_printf(b, " : +%s", s);
        }
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
}

static void totals_table(mg_buf *b, const mg_plan_totals *t, size_t nt, const char *const *names)
{
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Effet du plan</caption><thead><tr>"
                   "<th scope=\"col\">Indicateur</th>");
    for (size_t k = 0; k < nt; k++) {
        mg_buf_puts(b, "<th scope=\"col\">");
        mg_html_text(b, names[k]);
        mg_buf_puts(b, "</th>");
    }
    mg_buf_puts(b, "</tr></thead><tbody>\n");
#define ROW(label, expr, dec)                                        \
    mg_buf_puts(b, "<tr><th scope=\"row\">" label "</th>");          \
    for (size_t k = 0; k < nt; k++)                                  \
        num_cell(b, t[k].expr, dec);                                 \
    mg_buf_puts(b, "</tr>\n");
    ROW("Gain sur l'objectif", value, 1)
    ROW("Déficit avant (population × écart au seuil)", deficit_before, 0)
    ROW("Déficit après", deficit_after, 0)
    ROW("Population sous le seuil avant", below_before, 0)
    ROW("Population sous le seuil après", below_after, 0)
    ROW("Habitants passés au-dessus du seuil", lifted, 0)
    ROW("Coût (euros)", cost, 0)
    ROW("Coût par habitant passé au-dessus du seuil (euros)", cost_per_lifted, 0)
#undef ROW
    mg_buf_puts(b, "</tbody></table></div>\n");
}

/* Parses the proposal (study communes only); French message on error. */
static int parse_proposal(const char *s, const mg_diagnosis *g, const mg_plan_problem *p,
                          mg_plan_item **out, size_t *nout, mg_diag *d)
{
    *out = NULL;
    *nout = 0;
    size_t cap = 1;
    for (const char *q = s; *q; q++)
        cap += *q == ',';
    if (cap > 100)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "au plus 100 sites proposés");
    mg_plan_item *items = mg_alloc_array(cap, sizeof *items);
    if (!items)
        return MG_ENOMEM;
    size_t n = 0;
    while (*s) {
        size_t len = strcspn(s, ",");
        char code[16];
        while (len > 0 && *s == ' ')
            s++, len--;
        if (len == 0 || len >= sizeof code) {
            free(items);
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "sites proposés : donnez des codes INSEE séparés par des virgules");
        }
        memcpy(code, s, len);
        code[len] = '\0';
        for (size_t k = len; k > 0 && code[k - 1] == ' '; k--)
            code[k - 1] = '\0';
        long i = mg_territory_find(g->t, code);
        size_t c = 0;
        while (i >= 0 && c < p->ncand && p->cand_commune[c] != (size_t)i)
            c++;
        if (i < 0 || c == p->ncand) {
            free(items);
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "sites proposés : la commune « %s » %s", code,
                               i < 0 ? "est inconnue" : "n'est pas une commune candidate du territoire");
        }
        items[n++] = (mg_plan_item){(uint32_t)c, 0};
        s += len;
        if (*s == ',')
            s++;
    }
    *out = items;
    *nout = n;
    return MG_OK;
}

/* The save form: the plan's actions as JSON in a hidden field. */
static void save_form(mg_buf *b, const mg_diagnosis *g, const mg_plan_problem *p,
                      const mg_plan_solution *s)
{
    mg_scenario sc = {.n = s->n, .actions = mg_alloc_array(s->n ? s->n : 1, sizeof(mg_action))};
    if (!sc.actions)
        return;
    for (size_t k = 0; k < s->n; k++) {
        sc.actions[k] = p->kinds[s->items[k].kind].proto;
        sc.actions[k].commune = p->cand_commune[s->items[k].cand];
    }
    json_t *j = mg_scenario_to_json(&sc, g);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    mg_scenario_free(&sc);
    if (!text)
        return;
    mg_buf_puts(b, "<section aria-labelledby=\"enregistrer\"><h2 id=\"enregistrer\">Enregistrer le plan "
                   "comme scénario</h2>\n<form method=\"post\" action=\"/planification/enregistrer\" "
                   "class=\"stack\">\n<label for=\"nom\">Nom du scénario</label> "
                   "<input id=\"nom\" name=\"nom\" required maxlength=\"200\" value=\"Plan recommandé\">\n");
    mg_buf_printf(b, "<input type=\"hidden\" name=\"profession\" value=\"%s\">\n"
                     "<input type=\"hidden\" name=\"actions\" value=\"",
                  g->prof->key);
    mg_html_text(b, text);
    mg_buf_puts(b, "\">\n<button type=\"submit\">Enregistrer</button></form></section>\n");
    free(text);
}

static int page(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    const mg_app_profession *ap = web_profession(a, r, res);
    if (!ap)
        return 0;
    const mg_diagnosis *g = ap->g;
    const char *objs = mg_http_query(r, "objectif");
    enum mg_plan_objective obj = objs ? mg_plan_objective_parse(objs) : MG_PLAN_DEFICIT;
    if (obj == MG_PLAN_OBJECTIVE_COUNT) {
        mg_http_error(r, res, 400, "Objectif inconnu : deficit, lifted, coverage ou pmedian.");
        return 0;
    }
    mg_buf *b = &res->body;
    web_page_begin(b, a, "Planification", "planification");
    mg_buf_puts(b, "<h1>Planification</h1>\n<p>Où une cabine de télémédecine, un chariot de "
                   "téléconsultation, une maison de santé, une consultation itinérante ou un médecin "
                   "de plus aident le plus, et de combien ils changent l'accessibilité. Le calcul choisit "
                   "les sites un à un (glouton paresseux) puis les échange tant que cela améliore "
                   "l'objectif ; voir la <a href=\"/methode\">méthode</a>.</p>\n");
    form(b, r, g->prof->key, obj);
    if (!mg_http_query(r, "calculer") && !objs) {
        web_page_end(b);
        return b->failed ? MG_ELIMIT : MG_OK;
    }

    mg_diag d = {{0}};
    int rc = MG_OK;
    mg_plan_problem s = {.objective = obj, .threshold = g->prof->threshold, .coverage_minutes = 10,
                         .budget = INFINITY};
    if (!isfinite(s.threshold))
        s.threshold = 0; /* the check below explains that a threshold is needed */
    for (size_t k = 0; k < PLAN_NFIELDS && rc == MG_OK; k++) {
        double v = param_num(r, plan_fields[k].field, plan_fields[k].def, PLAN_MAX_PER_KIND);
        if (v < 0 || v != floor(v)) {
            rc = mg_diag_set(&d, MG_EINVAL, NULL, 0, 0,
                             "%s : donnez un nombre entier de 0 à %d",
                             mg_resource_label(plan_fields[k].kind), PLAN_MAX_PER_KIND);
            break;
        }
        if (v == 0)
            continue;
        mg_plan_kind *q = &s.kinds[s.nkinds];
        if ((rc = mg_plan_kind_init(q, plan_fields[k].kind, g, &d)))
            break;
        q->max_count = (size_t)v;
        s.nkinds++;
    }
    double budget = param_num(r, "budget", INFINITY, 1e12);
    double dist = param_num(r, "distance", 0, 500);
    if (!rc && budget < 0)
        rc = mg_diag_set(&d, MG_EINVAL, NULL, 0, 0, "budget : donnez un montant positif en euros");
    if (!rc && dist < 0)
        rc = mg_diag_set(&d, MG_EINVAL, NULL, 0, 0, "distance minimale : donnez un nombre de km de 0 à 500");
    s.budget = budget;
    s.min_km = dist;
    if (!rc && s.nkinds == 0)
        rc = mg_diag_set(&d, MG_EINVAL, NULL, 0, 0, "aucune ressource à implanter : donnez au moins un nombre");
    if (!rc && (rc = mg_plan_problem_check(&s, &d))) {
        /* The engine's messages are in English, for the command line;
         * these are the ones a person can meet here. */
        mg_diag fr = {{0}};
        if (strstr(d.msg, "infeasible budget"))
            mg_diag_set(&fr, rc, NULL, 0, 0, "budget insuffisant : il ne paie aucun site");
        else if (strstr(d.msg, "threshold"))
            mg_diag_set(&fr, rc, NULL, 0, 0,
                        "cet objectif demande un seuil de sous-dotation, qui n'est publié que pour les médecins généralistes");
        else
            mg_diag_set(&fr, rc, NULL, 0, 0, "paramètres invalides");
        d = fr;
    }
    mg_plan_problem p = {0};
    mg_plan_solution sol = {0};
    mg_plan_item *prop = NULL;
    size_t nprop = 0;
    mg_plan_site_explain *ex = NULL, *pex = NULL;
    double *after_units = NULL, *after = NULL;
    mg_plan_candidates cand = {.rule = "all", .exclude = mg_http_query(r, "exclure")};
    if (cand.exclude && !*cand.exclude)
        cand.exclude = NULL;
    if (!rc && (rc = mg_plan_problem_build(&p, g, ap->engine, &cand, &s, &d))) {
        mg_diag fr = {{0}};
        const char *q = strstr(d.msg, "unknown commune ");
        if (q)
            mg_diag_set(&fr, rc, NULL, 0, 0, "communes exclues : commune %s inconnue", q + 16);
        else
            mg_diag_set(&fr, rc, NULL, 0, 0, "aucune commune candidate");
        d = fr;
    }
    const char *ps = mg_http_query(r, "proposition");
    if (!rc && ps && *ps)
        rc = parse_proposal(ps, g, &p, &prop, &nprop, &d);
    mg_plan_greedy_opts go = {.lazy = true, .interchange = true};
    if (!rc)
        rc = mg_plan_greedy(&p, &go, &sol, &d);
    if (rc) {
        mg_buf_puts(b, "<div class=\"error\" role=\"alert\"><p>");
        mg_html_text(b, d.msg[0] ? d.msg : "Le plan n'a pas pu être calculé.");
        mg_buf_puts(b, "</p></div>\n");
        res->status = rc == MG_ENOMEM ? 500 : 400;
        goto done;
    }
    ex = mg_alloc_array(sol.n ? sol.n : 1, sizeof *ex);
    pex = mg_alloc_array(nprop ? nprop : 1, sizeof *pex);
    after_units = mg_alloc_array(p.n ? p.n : 1, sizeof *after_units);
    after = mg_alloc_array(g->t->n, sizeof *after);
    mg_plan_totals tot[2];
    if (!ex || !pex || !after_units || !after ||
        mg_plan_explain(&p, sol.items, sol.n, &tot[0], ex, after_units) ||
        (prop && mg_plan_explain(&p, prop, nprop, &tot[1], pex, NULL))) {
        mg_http_error(r, res, 500, "Mémoire insuffisante.");
        goto done;
    }
    memcpy(after, g->apl, g->t->n * sizeof *after);
    for (size_t u = 0; u < p.n; u++)
        after[p.unit_commune[u]] = after_units[u];

    mg_buf_puts(b, "<section aria-labelledby=\"resultats\"><h2 id=\"resultats\">Plan recommandé</h2>\n");
    if (sol.n == 0) {
        mg_buf_puts(b, "<p>Aucun site n'améliore l'objectif avec ces paramètres.</p>\n");
    } else {
        char ms[32];
        web_num(ms, sizeof ms, sol.seconds * 1e3, 1);
        mg_buf_printf(b, "<p>%zu site%s choisi%s parmi %zu communes candidates en %s ms.</p>\n", sol.n,
                      sol.n > 1 ? "s" : "", sol.n > 1 ? "s" : "", p.ncand, ms);
        sites_table(b, g, &p, sol.items, sol.n, ex, "Sites recommandés");
    }
    const char *names[2] = {"Plan recommandé", "Vos sites"};
    totals_table(b, tot, prop ? 2 : 1, names);
    if (prop)
        sites_table(b, g, &p, prop, nprop, pex, "Vos sites");
    mg_buf_puts(b, "<h3>Carte de l'accessibilité après le plan</h3>\n<p>Sites recommandés : ");
    for (size_t k = 0; k < sol.n; k++) {
        if (k)
            mg_buf_puts(b, ", ");
        commune_link(b, g, p.cand_commune[sol.items[k].cand]);
    }
    mg_buf_puts(b, sol.n ? " (entourés sur la carte).</p>\n" : "aucun.</p>\n");
    mg_buf_puts(b, "<figure class=\"map\">");
    /* The map outlines the chosen sites, given by their rank among the
     * study communes. */
    long *hl = mg_alloc_array(sol.n + 1, sizeof *hl);
    size_t nhl = 0;
    for (size_t q = 0; hl && q < sol.n; q++)
        for (size_t k = 0; k < g->study_n; k++)
            if (g->study[k] == p.cand_commune[sol.items[q].cand]) {
                hl[nhl++] = (long)k;
                break;
            }
    web_map_sites(b, a, ap, after, false, "APL après le plan", g->prof->threshold, hl, nhl);
    free(hl);
    mg_buf_puts(b, "</figure>\n</section>\n");
    if (sol.n)
        save_form(b, g, &p, &sol);
done:
    web_page_end(b);
    free(ex);
    free(pex);
    free(after_units);
    free(after);
    free(prop);
    mg_plan_solution_free(&sol);
    mg_plan_problem_free(&p);
    return b->failed ? MG_ELIMIT : MG_OK;
}

/* Saves the plan's actions as a new scenario and shows it. */
static int save(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    const mg_app *a = ctx->app;
    const char *name = mg_http_form(r, "nom"), *prof = mg_http_form(r, "profession");
    const char *actions = mg_http_form(r, "actions");
    const mg_app_profession *ap = mg_app_profession_get(a, prof);
    if (!name || !*name || !ap || !actions) {
        mg_http_error(r, res, 400, "Il faut un nom, une profession et les actions du plan.");
        return 0;
    }
    json_error_t err;
    json_t *j = json_loads(actions, 0, &err);
    mg_scenario sc;
    mg_diag d = {{0}};
    if (!j || mg_scenario_from_json(j, ap->g, &sc, &d)) {
        json_decref(j);
        mg_http_error(r, res, 400, d.msg[0] ? d.msg : "Actions du plan illisibles.");
        return 0;
    }
    mg_scenario_free(&sc);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    int rc = web_scenario_create(a, r, res, name, prof, text);
    free(text);
    return rc;
}

const web_route web_routes_plan[] = {
    {"GET", "/planification", page, WEB_ANYONE},
    {"POST", "/planification/enregistrer", save, WEB_ANYONE},
    {NULL, NULL, NULL, WEB_ANYONE},
};
