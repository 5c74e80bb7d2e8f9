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
#include "diagnosis/scope.h"
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

/* The action form, for one profession: the kinds that apply to it, named
 * for it (scenario.h); the commune typed by name or code (form.h); the
 * numbers of the kinds offered, bounded by the scenario module's domains
 * (scenario.c), their hints giving the defaults (mg_action_defaults); the
 * page's scope carried along, so that the page comes back on it. */
enum { ACT_KIND, ACT_COMMUNE, ACT_FIRST_NUMBER };

/* The numbers of actions, in the form's order: the API's name, the label,
 * the scenario module's bounds, the kinds they apply to. */
#define KIND_BIT(k) (1u << (k))
static const struct action_param {
    const char *name, *label;
    double min, max;
    unsigned kinds;
} action_params[] = {
    {"count", NULL, -1000, 1000, KIND_BIT(MG_RES_GP) | KIND_BIT(MG_RES_CENTRE)},
    {"hours_per_week", "Heures par semaine (cabine, chariot)", 0, 168,
     KIND_BIT(MG_RES_CABIN) | KIND_BIT(MG_RES_CART)},
    {"consultations_per_hour", "Consultations par heure", 0, 20,
     KIND_BIT(MG_RES_CABIN) | KIND_BIT(MG_RES_CART) | KIND_BIT(MG_RES_MOBILE)},
    {"remote_share", "Part des consultations réalisable à distance (0 à 1)", 0, 1,
     KIND_BIT(MG_RES_CABIN) | KIND_BIT(MG_RES_CART)},
    {"weeks_per_year", "Semaines d'ouverture par an (cabine, chariot)", 0, 52,
     KIND_BIT(MG_RES_CABIN) | KIND_BIT(MG_RES_CART)},
    {"days_per_month", "Jours de passage par mois (itinérant)", 0, 31, KIND_BIT(MG_RES_MOBILE)},
    {"hours_per_day", "Heures par jour de passage (itinérant)", 0, 24, KIND_BIT(MG_RES_MOBILE)},
};
#define ACTION_NPARAMS (sizeof action_params / sizeof *action_params)
#define ACT_MAX_FIELDS (ACT_FIRST_NUMBER + ACTION_NPARAMS + 1)

/* The value of parameter `name` in action a. */
static double param_value(const mg_action *a, const char *name)
{
    if (strcmp(name, "count") == 0)
        return a->count;
    if (strcmp(name, "hours_per_week") == 0)
        return a->hours_per_week;
    if (strcmp(name, "consultations_per_hour") == 0)
        return a->consultations_per_hour;
    if (strcmp(name, "remote_share") == 0)
        return a->remote_share;
    if (strcmp(name, "weeks_per_year") == 0)
        return a->weeks_per_year;
    if (strcmp(name, "days_per_month") == 0)
        return a->days_per_month;
    return a->hours_per_day;
}

/* A default as people read it: "20", "0,7", "1 974". */
static void short_num(char *out, size_t cap, double v)
{
    bool whole = fabs(v - round(v)) < 1e-9;
    web_num(out, cap, v, whole ? 0 : 2);
    size_t n = strlen(out);
    if (!whole) {
        while (n > 0 && out[n - 1] == '0')
            out[--n] = 0;
        if (n > 0 && out[n - 1] == ',')
            out[--n] = 0;
    }
}

typedef struct action_form_desc {
    web_option kinds[MG_RES_COUNT + 1];
    web_field fields[ACT_MAX_FIELDS];
    char count_label[96];
    char hints[ACTION_NPARAMS][320];
    web_form form;
} action_form_desc;

/* Whether parameter k applies to a kind profession prof may use. */
static bool param_offered(size_t k, const mg_profession *prof)
{
    for (int r = 0; r < MG_RES_COUNT; r++)
        if ((action_params[k].kinds & KIND_BIT(r)) && mg_resource_applies((enum mg_resource)r, prof))
            return true;
    return false;
}

/* "De −1 000 à 1 000. Vide : 1 (une infirmière), 3 (maison de santé)." */
static void param_hint(char *out, size_t cap, size_t k, const mg_profession *prof)
{
    const struct action_param *ap = &action_params[k];
    char lo[32], hi[32];
    short_num(lo, sizeof lo, ap->min);
    short_num(hi, sizeof hi, ap->max);
    size_t n = (size_t)snprintf(out, cap, "De %s à %s. Vide :", lo, hi);
    bool first = true;
    for (int r = 0; r < MG_RES_COUNT && n < cap; r++) {
        enum mg_resource kind = (enum mg_resource)r;
        if (!(ap->kinds & KIND_BIT(r)) || !mg_resource_applies(kind, prof))
            continue;
        mg_action a = mg_action_defaults(kind);
        char v[32];
        short_num(v, sizeof v, param_value(&a, ap->name));
        const char *who = mg_resource_one_for(kind, prof);
        n += (size_t)snprintf(out + n, cap - n, "%s %s (%s)", first ? "" : ",", v, who);
        first = false;
    }
    if (n < cap)
        snprintf(out + n, cap - n, ".");
}

static void action_form_init(action_form_desc *f, const mg_diagnosis *g, const char *scope_key)
{
    const mg_profession *prof = g->prof;
    size_t nk = 0;
    for (int k = 0; k < MG_RES_COUNT; k++)
        if (mg_resource_applies((enum mg_resource)k, prof))
            f->kinds[nk++] = (web_option){mg_resource_name((enum mg_resource)k),
                                          mg_resource_label_for((enum mg_resource)k, prof)};
    f->kinds[nk] = (web_option){NULL, NULL};
    const char *many = mg_profession_many(prof);
    bool vowel = strchr("aeiouhé", many[0]) != NULL || strncmp(many, "é", strlen("é")) == 0;
    snprintf(f->count_label, sizeof f->count_label, "Nombre %s%s (négatif : départs)",
             vowel ? "d'" : "de ", many);
    size_t n = 0;
    f->fields[n++] = (web_field){.name = "kind", .label = "Action", .kind = WEB_FIELD_SELECT,
                                 .required = true, .options = f->kinds};
    f->fields[n++] = (web_field){.name = "commune", .label = "Commune",
                                 .kind = WEB_FIELD_COMMUNE, .required = true, .communes = g};
    for (size_t k = 0; k < ACTION_NPARAMS; k++) {
        if (!param_offered(k, prof))
            continue;
        param_hint(f->hints[k], sizeof f->hints[k], k, prof);
        f->fields[n++] = (web_field){.name = action_params[k].name,
                                     .label = action_params[k].label ? action_params[k].label
                                                                     : f->count_label,
                                     .kind = WEB_FIELD_NUMBER, .min = action_params[k].min,
                                     .max = action_params[k].max, .hint = f->hints[k]};
    }
    f->fields[n++] = (web_field){.name = "perimetre", .label = "Périmètre",
                                 .kind = WEB_FIELD_HIDDEN, .max = sizeof(((mg_scope *)0)->key),
                                 .defval = scope_key ? scope_key : ""};
    f->form = (web_form){"action", f->fields, n, "Ajouter et recalculer", NULL};
}

/* --- Rendering pieces ------------------------------------------------------- */

/* What a scenario's page shows of its scope (?perimetre=): the scope, and
 * for the scope and the whole territory, before and after, the communes
 * below the profession's threshold and their inhabitants — counted as the
 * territory page counts them (pages.c, "Communes sous le seuil": a study
 * commune whose value on the page's baseline is below the threshold) —
 * and the scope's key figures. */
typedef struct scope_view {
    mg_scope scope;           /* MG_SCOPE_ALL: the whole territory */
    bool scoped;              /* a part of the territory */
    mg_summary before, after; /* over the scope, when scoped */
    size_t below[2][2];       /* [scope, territory][before, after]: communes below */
    double inhabitants[2][2]; /* the same in inhabitants */
} scope_view;

static void scope_view_free(scope_view *v)
{
    mg_scope_free(&v->scope);
    mg_summary_free(&v->before);
    mg_summary_free(&v->after);
    *v = (scope_view){0};
}

/* Communes among idx[0..n) whose value is below thr, and their
 * inhabitants (t->population). A NaN value is not below. */
static void count_below(const mg_territory *t, const size_t *idx, size_t n, const double *value,
                        double thr, size_t *communes, double *inhabitants)
{
    *communes = 0;
    *inhabitants = 0;
    for (size_t k = 0; k < n; k++)
        if (value[idx[k]] < thr) {
            (*communes)++;
            *inhabitants += t->population[idx[k]];
        }
}

/* Reads ?perimetre= for scenario w and computes what its page shows of it;
 * non-zero once answered (400 for a refused scope, 500). */
static int scope_view_compute(web_ctx *ctx, const web_scenario *w, scope_view *v)
{
    *v = (scope_view){0};
    const mg_diagnosis *g = w->p->g;
    if (!web_scope(ctx, w->p, &v->scope))
        return -1;
    v->scoped = v->scope.kind != MG_SCOPE_ALL;
    double thr = g->prof->threshold;
    const double *values[2] = {w->before, w->shown};
    for (int s = 0; s < 2; s++) {
        count_below(g->t, v->scope.idx, v->scope.n, values[s], thr, &v->below[0][s],
                    &v->inhabitants[0][s]);
        count_below(g->t, g->study, g->study_n, values[s], thr, &v->below[1][s],
                    &v->inhabitants[1][s]);
    }
    if (!v->scoped)
        return 0;
    mg_diag d = {{0}};
    if (mg_scope_summary(g, &v->scope, w->before, NULL, thr, &v->before, &d) ||
        mg_scope_summary(g, &v->scope, w->shown, NULL, thr, &v->after, &d)) {
        fprintf(stderr, "scenario %lld: scope figures: %s\n", (long long)w->rec.id, d.msg);
        scope_view_free(v);
        web_fail(ctx, 500, WEB_MSG_SERVER_ERROR);
        return -1;
    }
    return 0;
}

/* The scope's key, for links: NULL for the whole territory (left out). */
static const char *scope_param(const scope_view *v)
{
    return v && v->scoped ? v->scope.key : NULL;
}

/* A scenario's downloads, the same through its id or its share link. */
static const struct {
    const char *path, *label, *ecart;
} EXPORT_LINKS[] = {{"/telecharger/communes.xlsx", "classeur XLSX", NULL},
                    {"/telecharger/communes.csv", "tableau CSV", NULL},
                    {"/telecharger/communes-fr.csv", "CSV pour tableur français", NULL},
                    {"/telecharger/communes.geojson", "GeoJSON", NULL},
                    {"/carte.svg", "carte SVG", NULL},
                    {"/carte.png", "carte PNG", NULL},
                    {"/carte.svg", "carte des écarts SVG", "1"}};

/* The download links, " · "-separated (a separator before the first too
 * when `after` says something precedes them), the scenario named by
 * key=value ("scenario"/id or "partage"/token), on `base`, for the scope
 * (NULL: the whole territory). */
static void export_links(mg_buf *b, const char *key, const char *value, enum mg_baseline base,
                         const char *scope, bool after)
{
    for (size_t k = 0; k < sizeof EXPORT_LINKS / sizeof *EXPORT_LINKS; k++) {
        mg_buf_puts(b, k || after ? " · <a href=\"" : "<a href=\"");
        mg_html_href(b, EXPORT_LINKS[k].path,
                     (const char *const[]){key, value, "base", web_baseline_param(base),
                                           "perimetre", scope, "ecart", EXPORT_LINKS[k].ecart,
                                           NULL},
                     NULL);
        mg_buf_puts(b, "\">");
        mg_html_text(b, EXPORT_LINKS[k].label);
        mg_buf_puts(b, "</a>");
    }
}

/* The exports of a scenario seen through its share link: the token in
 * place of the id (the JSON of the API needs an account). */
static void shared_links(mg_buf *b, const char *token, enum mg_baseline base, const char *scope)
{
    mg_buf_puts(b, "<p class=\"downloads\">Exporter : ");
    export_links(b, "partage", token, base, scope, false);
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

/* The exports of a scenario, on the baseline and scope of its page. */
static void scenario_links(mg_buf *b, int64_t id, enum mg_baseline base, const char *scope)
{
    char sid[24], api[48];
    snprintf(sid, sizeof sid, "%lld", (long long)id);
    snprintf(api, sizeof api, "/api/v1/scenarios/%lld", (long long)id);
    mg_buf_puts(b, "<p class=\"downloads\">Exporter : <a href=\"");
    mg_html_href(b, api, (const char *const[]){"base", web_baseline_param(base), NULL}, NULL);
    mg_buf_puts(b, "\">JSON</a>");
    export_links(b, "scenario", sid, base, scope, true);
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

/* A figure as a table cell: a number, or "non défini" where the figure
 * has no value (an inequality ratio whose first decile is 0…). */
static void figure_cell(mg_buf *b, double v, int decimals, bool signed_change)
{
    char s[32];
    if (!isfinite(v)) {
        mg_buf_puts(b, "<td>non défini</td>");
        return;
    }
    web_num(s, sizeof s, v, decimals);
    mg_buf_puts(b, signed_change && v > 0 ? "<td>+" : "<td>");
    mg_html_text(b, s);
    mg_buf_puts(b, "</td>");
}

/* Figures before → after. */
static void compare_row(mg_buf *b, const char *label, const double *v, size_t n, int decimals)
{
    mg_buf_puts(b, "<tr><th scope=\"row\">");
    mg_html_text(b, label);
    mg_buf_puts(b, "</th>");
    for (size_t k = 0; k < n; k++)
        figure_cell(b, v[k], decimals, false);
    if (n >= 2)
        figure_cell(b, v[n - 1] - v[0], decimals, true);
    mg_buf_puts(b, "</tr>\n");
}

/*
 * The key figures of n states (s[k], with below[k] communes below the
 * threshold) of one area (`area`: the scope's label or the territory's),
 * on baseline `base`, for profession prof. Each figure names its
 * population: the mean is weighted by the standardised population (the
 * APL's own weight), the counts below the threshold are inhabitants. A
 * profession without a threshold says so in words.
 */
static void figures_table(mg_buf *b, const char *area, const mg_summary *const *s,
                          const size_t *below, const char *const *names, size_t n,
                          enum mg_baseline base, const mg_profession *prof)
{
    /* The caption says which values the figures are computed on. */
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Chiffres clés — ");
    mg_html_text(b, area);
    mg_buf_puts(b, " (");
    mg_html_text(b, mg_baseline_label_fr(base));
    mg_buf_puts(b, ", en ");
    mg_html_text(b, prof->unit);
    mg_buf_puts(b, ")</caption><thead><tr><th scope=\"col\">Indicateur</th>");
    for (size_t k = 0; k < n; k++) {
        mg_buf_puts(b, "<th scope=\"col\">");
        mg_html_text(b, names[k]);
        mg_buf_puts(b, "</th>");
    }
    mg_buf_puts(b, "<th scope=\"col\">Variation</th></tr></thead><tbody>\n");
    double v[4] = {0}; /* n <= 4 values set by each row */
#define ROW(label, expr, dec)                 \
    for (size_t k = 0; k < n; k++)            \
        v[k] = (expr);                        \
    compare_row(b, label, v, n, dec);
    ROW("APL moyenne (pondérée par la population standardisée)", s[k]->territory.mean, 3)
    if (isfinite(prof->threshold)) {
        char lbl[96], z[32];
        web_num(z, sizeof z, prof->threshold, 1);
        snprintf(lbl, sizeof lbl, "Communes sous le seuil (%s)", z);
        ROW(lbl, (double)below[k], 0)
        ROW("Habitants des communes sous le seuil", s[k]->territory.below_population, 0)
        ROW("Part des habitants sous le seuil (%)", s[k]->territory.below_share * 100, 2)
        ROW("Écart moyen au seuil (FGT1)", s[k]->territory.fgt1, 4)
    } else {
        mg_buf_printf(b, "<tr><th scope=\"row\">Seuil de sous-dotation</th><td colspan=\"%zu\">",
                      n + 1);
        mg_buf_puts(b, "Aucun seuil n'est défini pour les ");
        mg_html_text(b, mg_profession_many(prof));
        mg_buf_puts(b, " : la DREES n'en publie pas, il n'y a donc ni communes ni habitants "
                       "« sous le seuil ».</td></tr>\n");
    }
    ROW("Indice de Gini", s[k]->territory.gini, 4)
    ROW("Indice de Theil", s[k]->territory.theil, 4)
    if (s[0]->nepci > 1) {
        ROW("Theil entre EPCI", s[k]->theil_between, 4)
    }
    ROW("Rapport D9/D1", s[k]->territory.d9d1, 3)
    ROW("Rapport de Palma", s[k]->territory.palma, 3)
#undef ROW
    mg_buf_puts(b, "</tbody></table></div>\n");
}

/* "22 communes", "1 commune", "0 commune". */
static void communes_count(mg_buf *b, size_t n)
{
    mg_buf_printf(b, "%zu ", n);
    mg_buf_puts(b, n > 1 ? "communes" : "commune");
}

/* "passe de 22 à 14 communes sous le seuil" (or "reste à 22 …"), with
 * `full` false "de 22 à 14" (after a first area that named the threshold),
 * then the inhabitants of those communes. */
static void below_change(mg_buf *b, const size_t below[2], const double inhabitants[2], bool full)
{
    if (below[0] == below[1]) {
        mg_buf_puts(b, "reste à ");
        communes_count(b, below[1]);
    } else {
        mg_buf_puts(b, full ? "passe de " : "de ");
        mg_buf_printf(b, "%zu à ", below[0]);
        communes_count(b, below[1]);
    }
    if (full)
        mg_buf_puts(b, " sous le seuil");
    char h0[32], h1[32];
    web_num(h0, sizeof h0, inhabitants[0], 0);
    web_num(h1, sizeof h1, inhabitants[1], 0);
    mg_buf_puts(b, " (habitants de ces communes : ");
    mg_html_text(b, h0);
    mg_buf_puts(b, " → ");
    mg_html_text(b, h1);
    mg_buf_puts(b, ")");
}

/* The results in one sentence: the scope's communes below the threshold
 * before and after, then the whole territory's ("CC … passe de 22 à 14
 * communes sous le seuil ; tout le territoire de 190 à 182"), with their
 * inhabitants. Without a threshold, the sentence says there is none. */
static void results_sentence(mg_buf *b, const mg_app *a, const mg_diagnosis *g,
                             const scope_view *v)
{
    double thr = g->prof->threshold;
    mg_buf_puts(b, "<p class=\"results\" id=\"bilan\">");
    if (!isfinite(thr)) {
        mg_buf_puts(b, "Aucun seuil de sous-dotation n'est défini pour les ");
        mg_html_text(b, mg_profession_many(g->prof));
        mg_buf_puts(b, " (la DREES n'en publie pas) : le scénario se lit à l'APL moyenne et aux "
                       "communes dont l'APL change.</p>\n");
        return;
    }
    mg_buf_puts(b, "<strong>");
    mg_html_text(b, v->scoped ? v->scope.label : a->territory_name);
    mg_buf_puts(b, "</strong> ");
    below_change(b, v->below[v->scoped ? 0 : 1], v->inhabitants[v->scoped ? 0 : 1], true);
    if (v->scoped) {
        mg_buf_puts(b, " ; tout le territoire (");
        mg_html_text(b, a->territory_name);
        mg_buf_puts(b, ") ");
        below_change(b, v->below[1], v->inhabitants[1], false);
    }
    char z[32];
    web_num(z, sizeof z, thr, 1);
    mg_buf_puts(b, ". Sous le seuil : une APL inférieure à ");
    mg_html_text(b, z);
    mg_buf_puts(b, ", comptée comme sur la page du territoire.</p>\n");
}

/* An EPCI of the scope form, with its name to sort on (handlers run in
 * several threads: the comparison needs no global). */
typedef struct epci_choice {
    int32_t e;
    const char *name;
} epci_choice;

/* The EPCI with study communes, by name: the scope form's choices. */
typedef struct scope_choices {
    const mg_diagnosis *g;
    const mg_scope *current;
    epci_choice *epci;
    size_t n;
    const char *whole; /* the whole territory's label */
} scope_choices;

static int cmp_epci_name(const void *x, const void *y)
{
    const epci_choice *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->e > b->e) - (a->e < b->e);
}

static int scope_options(mg_buf *b, const void *ctx, const char *selected)
{
    (void)selected;
    const scope_choices *c = ctx;
    const mg_territory *t = c->g->t;
    char label[300];
    snprintf(label, sizeof label, "Tout le territoire (%s)", c->whole);
    int rc = mg_html_option(b, "", label, c->current->kind == MG_SCOPE_ALL);
    if (rc == MG_OK && c->current->kind == MG_SCOPE_COMMUNES)
        rc = mg_html_option(b, c->current->key, c->current->label, true);
    for (size_t k = 0; rc == MG_OK && k < c->n; k++) {
        char key[32];
        snprintf(key, sizeof key, "epci:%s", t->epci_code[c->epci[k].e]);
        rc = mg_html_option(b, key, c->epci[k].name,
                            c->current->kind == MG_SCOPE_EPCI && c->current->epci == c->epci[k].e);
    }
    return rc;
}

/* The choice of scope: a GET form back to the page (`path`), the
 * baseline kept. Its field: perimetre (""; "epci:SIREN"; the current
 * "communes:…" list). */
static void scope_form(mg_buf *b, const mg_app *a, const mg_diagnosis *g, const scope_view *v,
                       const char *path, enum mg_baseline base)
{
    const mg_territory *t = g->t;
    scope_choices c = {.g = g, .current = &v->scope, .whole = a->territory_name};
    c.epci = mg_alloc_array(t->nepci ? t->nepci : 1, sizeof *c.epci);
    uint8_t *seen = mg_alloc_array(t->nepci ? t->nepci : 1, 1);
    if (!c.epci || !seen) {
        free(c.epci);
        free(seen);
        b->failed = 1;
        return;
    }
    memset(seen, 0, t->nepci ? t->nepci : 1);
    for (size_t k = 0; k < g->study_n; k++) {
        int32_t e = t->epci ? t->epci[g->study[k]] : -1;
        if (e >= 0 && (size_t)e < t->nepci && !seen[e]) {
            seen[e] = 1;
            c.epci[c.n++] = (epci_choice){e, t->epci_name[e] ? t->epci_name[e] : ""};
        }
    }
    qsort(c.epci, c.n, sizeof *c.epci, cmp_epci_name);
    const web_field fields[] = {
        {.name = "perimetre", .label = "Périmètre", .kind = WEB_FIELD_SELECT,
         .options_fn = scope_options,
         .hint = "Les chiffres, la carte et les communes touchées portent sur ce périmètre ; "
                 "les valeurs sont toujours calculées avec toutes les communes voisines."},
        {.name = "base", .label = "Base", .kind = WEB_FIELD_HIDDEN,
         .defval = web_baseline_param(base)},
    };
    const web_form f = {"choix", fields, 2, "Afficher", "choice"};
    web_form_render(b, &f, NULL, "get", path, &c, NULL);
    free(c.epci);
    free(seen);
}

static void action_form(mg_buf *b, web_ctx *ctx, const mg_app_profession *p, int64_t id,
                        const action_form_desc *f, const web_form_input *in)
{
    char action[64];
    snprintf(action, sizeof action, "/scenarios/%lld/actions", (long long)id);
    mg_buf_puts(b, "<section aria-labelledby=\"ajout\"><h2 id=\"ajout\">Ajouter une action</h2>\n"
                   "<p>Les paramètres laissés vides prennent les valeurs par défaut de "
                   "l'action, rappelées sous chaque champ et dans le tableau ci-dessous.</p>\n");
    if (strcmp(p->g->prof->key, "mg") != 0) {
        mg_buf_puts(b, "<p class=\"note\">Les cabines de télémédecine, chariots de "
                       "téléconsultation et consultations itinérantes ne concernent que les "
                       "médecins généralistes : ils ne sont pas proposés pour les ");
        mg_html_text(b, mg_profession_many(p->g->prof));
        mg_buf_puts(b, ".</p>\n");
    }
    web_form_render(b, &f->form, in, "post", action, NULL, web_csrf(ctx));
    mg_buf_puts(b, "</section>\n");
}

/* The defaults of each kind offered for profession prof, and the capacity
 * they give: "20 h par semaine × 3 consultations par heure × 47 semaines ×
 * 0,7 à distance = 1 974 actes par an". */
static void defaults_table(mg_buf *b, const mg_diagnosis *g)
{
    const mg_profession *prof = g->prof;
    bool gp = strcmp(prof->key, "mg") == 0;
    mg_buf_puts(b, "<div class=\"scroll\"><table id=\"defauts\"><caption>Valeurs par défaut des "
                   "actions</caption><thead><tr><th scope=\"col\">Action</th>"
                   "<th scope=\"col\">Paramètres par défaut</th><th scope=\"col\">Capacité "
                   "ajoutée</th></tr></thead><tbody>\n");
    for (int r = 0; r < MG_RES_COUNT; r++) {
        enum mg_resource kind = (enum mg_resource)r;
        if (!mg_resource_applies(kind, prof))
            continue;
        mg_action a = mg_action_defaults(kind);
        char p1[32], p2[32], p3[32], p4[32], cap[32], line[400];
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_text(b, mg_resource_label_for(kind, prof));
        mg_buf_puts(b, "</th><td>");
        if (kind == MG_RES_GP || kind == MG_RES_CENTRE) {
            short_num(p1, sizeof p1, a.count);
            snprintf(line, sizeof line, "%s", kind == MG_RES_GP ? mg_resource_one_for(kind, prof)
                                                                : "");
            if (kind == MG_RES_CENTRE)
                snprintf(line, sizeof line, "%s %s", p1, mg_profession_many(prof));
            mg_html_text(b, line);
            mg_buf_puts(b, "</td><td>");
            char ph[32];
            short_num(ph, sizeof ph, prof->supply_per_head);
            if (gp)
                snprintf(line, sizeof line, "%s × l'activité d'un médecin de la commune selon le "
                                            "modèle (%s actes par an pour un médecin d'activité "
                                            "moyenne)", p1, ph);
            else
                snprintf(line, sizeof line, "%s × l'activité d'un praticien de la commune selon "
                                            "le modèle, en ETP", p1);
            mg_html_text(b, line);
            mg_buf_puts(b, "</td></tr>\n");
            continue;
        }
        double c = NAN;
        mg_diag d = {{0}};
        if (mg_action_capacity(&a, g, &c, &d))
            c = NAN;
        web_num(cap, sizeof cap, c, 0); /* acts a year, as the actions table writes them */
        if (kind == MG_RES_MOBILE) {
            short_num(p1, sizeof p1, a.days_per_month);
            short_num(p2, sizeof p2, a.hours_per_day);
            short_num(p3, sizeof p3, a.consultations_per_hour);
            snprintf(line, sizeof line, "%s jours par mois × 12 mois × %s heures par jour × %s "
                                        "consultations par heure", p1, p2, p3);
        } else {
            short_num(p1, sizeof p1, a.hours_per_week);
            short_num(p2, sizeof p2, a.consultations_per_hour);
            short_num(p3, sizeof p3, a.weeks_per_year);
            short_num(p4, sizeof p4, a.remote_share);
            snprintf(line, sizeof line, "%s heures par semaine × %s consultations par heure × %s "
                                        "semaines par an × %s (part à distance)", p1, p2, p3, p4);
        }
        mg_html_text(b, line);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, cap);
        mg_buf_puts(b, " <span class=\"unit\">actes par an</span></td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
}

/* What an action's numbers are, in words: "3 infirmières", "20 h par
 * semaine × 3 consultations par heure × 47 semaines × 0,7 à distance". */
static void action_params_text(char *out, size_t cap, const mg_action *a,
                               const mg_profession *prof)
{
    char p1[32], p2[32], p3[32], p4[32];
    switch (a->kind) {
    case MG_RES_GP:
    case MG_RES_CENTRE: {
        /* "1 infirmière", "3 infirmières": the noun without its article. */
        const char *one = mg_resource_one_for(MG_RES_GP, prof), *sp = strchr(one, ' ');
        short_num(p1, sizeof p1, a->count);
        snprintf(out, cap, "%s %s", p1,
                 fabs(a->count) < 2 ? (sp ? sp + 1 : one) : mg_profession_many(prof));
        return;
    }
    case MG_RES_CABIN:
    case MG_RES_CART:
        short_num(p1, sizeof p1, a->hours_per_week);
        short_num(p2, sizeof p2, a->consultations_per_hour);
        short_num(p3, sizeof p3, a->weeks_per_year);
        short_num(p4, sizeof p4, a->remote_share);
        snprintf(out, cap, "%s h par semaine × %s consultations par heure × %s semaines × %s à "
                           "distance", p1, p2, p3, p4);
        return;
    case MG_RES_MOBILE:
        short_num(p1, sizeof p1, a->days_per_month);
        short_num(p2, sizeof p2, a->hours_per_day);
        short_num(p3, sizeof p3, a->consultations_per_hour);
        snprintf(out, cap, "%s jours par mois × %s h × %s consultations par heure", p1, p2, p3);
        return;
    case MG_RES_COUNT:
        break;
    }
    snprintf(out, cap, "?");
}

/* Actions table with their parameters, capacity and a remove button each
 * (the removal's confirmation keeps the page's scope). */
static void actions_table(mg_buf *b, web_ctx *ctx, const web_scenario *w, int64_t id,
                          bool can_edit, const char *scope)
{
    const mg_diagnosis *g = w->p->g;
    bool gp = strcmp(g->prof->key, "mg") == 0; /* the unit of capacity */
    mg_buf_puts(b, "<section aria-labelledby=\"actions\"><h2 id=\"actions\">Actions</h2>\n");
    if (w->s.n == 0) {
        mg_buf_puts(b, can_edit ? "<p>Aucune action : ajoutez-en une ci-dessous.</p>\n"
                                : "<p>Aucune action.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Actions du scénario</caption><thead><tr>"
                       "<th scope=\"col\">Action</th><th scope=\"col\">Commune</th>"
                       "<th scope=\"col\">Paramètres</th><th scope=\"col\">Capacité ajoutée</th>");
        mg_buf_puts(b, can_edit ? "<th scope=\"col\"><span class=\"sr\">Retirer</span></th></tr></thead><tbody>\n"
                                : "</tr></thead><tbody>\n");
    }
    for (size_t k = 0; k < w->s.n; k++) {
        const mg_action *act = &w->s.actions[k];
        double cap = 0;
        mg_diag d = {{0}};
        if (mg_action_capacity(act, g, &cap, &d))
            cap = NAN;
        char c[32], params[300];
        web_num(c, sizeof c, cap, gp ? 0 : 2);
        action_params_text(params, sizeof params, act, g->prof);
        mg_buf_puts(b, "<tr><td>");
        mg_html_text(b, mg_resource_label_for(act->kind, g->prof));
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, g->t->name[act->commune]);
        mg_buf_puts(b, " (");
        mg_html_text(b, g->t->code[act->commune]);
        mg_buf_puts(b, ")</td><td>");
        mg_html_text(b, params);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, c);
        mg_buf_puts(b, gp ? " <span class=\"unit\">actes par an</span>"
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
        if (scope)
            mg_html_hidden(b, "perimetre", scope);
        mg_buf_printf(b, "<button type=\"submit\" "
                         "aria-label=\"Retirer l'action %zu\">Retirer</button></form></td></tr>\n",
                      k + 1);
    }
    if (w->s.n)
        mg_buf_puts(b, "</tbody></table></div>\n");
    defaults_table(b, g);
    mg_buf_puts(b, "</section>\n");
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

/* The communes of the scope whose APL changes, largest change first. */
static void changes_table(mg_buf *b, const web_scenario *w, const scope_view *v)
{
    const mg_diagnosis *g = w->p->g;
    const size_t *idx = v->scope.idx;
    size_t n = v->scope.n;
    change *c = mg_alloc_array(n ? n : 1, sizeof *c);
    if (!c)
        return;
    size_t m = 0;
    /* A commune is touched when the model's APL changes; the columns show
     * the values on the page's baseline. */
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        double dlt = w->apl[i] - g->apl[i];
        if (fabs(dlt) > 1e-9)
            c[m++] = (change){i, dlt};
    }
    qsort(c, m, sizeof *c, cmp_change);
    mg_buf_printf(b, "<section aria-labelledby=\"changes\"><h2 id=\"changes\">Communes touchées (%zu)</h2>\n", m);
    if (v->scoped) {
        mg_buf_puts(b, "<p>Communes du périmètre « ");
        mg_html_text(b, v->scope.label);
        mg_buf_puts(b, " » seulement.</p>\n");
    }
    if (m) {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Communes dont l'APL change (");
        mg_html_text(b, mg_baseline_label_fr(w->base));
        mg_buf_puts(b, ")</caption><thead><tr>"
                       "<th scope=\"col\">Commune</th><th scope=\"col\">Habitants</th><th scope=\"col\">APL avant</th>"
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

/* A map of the scenario's values, framed on the scope (the other communes
 * greyed) when there is one, its actions' communes marked and named. */
static void scenario_map(mg_buf *b, const mg_app *a, const web_scenario *w, const scope_view *v,
                         const double *values, bool diverging, const char *title)
{
    const mg_diagnosis *g = w->p->g;
    double threshold = diverging ? NAN : g->prof->threshold;
    mg_map_style style = mg_map_style_for(values, g->study, g->study_n, threshold, diverging);
    size_t ns = 0;
    mg_map_site *sites = w->s.n ? mg_alloc_array(w->s.n, sizeof *sites) : NULL;
    for (size_t k = 0; sites && k < w->s.n && ns < MG_MAP_MAX_SITES; k++) {
        const mg_action *act = &w->s.actions[k];
        bool dup = false;
        for (size_t q = 0; q < ns && !dup; q++)
            dup = sites[q].commune == (long)act->commune && sites[q].kind == (unsigned)act->kind;
        if (!dup)
            sites[ns++] = (mg_map_site){.commune = (long)act->commune,
                                        .label = g->t->name[act->commune],
                                        .kind = (unsigned)act->kind,
                                        .kind_label = mg_resource_label_for(act->kind, g->prof)};
    }
    char suffix[WEB_MAP_SUFFIX];
    mg_map_options opt = web_map_options(w->p, title, threshold, diverging, suffix);
    opt.focus = v->scoped ? v->scope.mark : NULL;
    opt.focus_label = v->scope.label;
    opt.sites = sites;
    opt.nsites = ns;
    (void)web_map_inline(b, a, g->t, values, &style, &opt); /* a failed buffer says so */
    free(sites);
}

/*
 * The scenario's page. `in`: the action form as typed when it was refused
 * (NULL: an empty form); `error`: a message that concerns the whole
 * scenario (its actions no longer evaluate), NULL for none; `v`: the
 * scope the page shows (scope_view_compute).
 */
static void sandbox(mg_buf *b, web_ctx *ctx, const web_scenario *w, const web_form_input *in,
                    const char *error, bool by_link, const scope_view *v)
{
    mg_auth_object o = web_scenario_object(&w->rec, false);
    bool can_edit = !by_link && web_can(ctx, MG_AUTH_EDIT, &o);
    bool can_delete = !by_link && web_can(ctx, MG_AUTH_DELETE, &o);
    const mg_app *a = ctx->app;
    const mg_app_profession *p = w->p;
    const mg_diagnosis *g = p->g;
    int64_t id = w->rec.id;
    const char *scope = scope_param(v);
    action_form_desc f;
    action_form_init(&f, g, scope);
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
    actions_table(b, ctx, w, id, can_edit, scope);
    /* `in` was read with a description made by action_form_init too: the
     * same fields at the same places. */
    if (can_edit)
        action_form(b, ctx, p, id, &f, in);
    mg_buf_puts(b, "<section aria-labelledby=\"resultats\"><h2 id=\"resultats\">Résultats</h2>\n");
    char path[64 + 2 * MG_AUTH_TOKEN_CHARS];
    if (by_link)
        snprintf(path, sizeof path, "/partage/%s", w->rec.share_token);
    else
        snprintf(path, sizeof path, "/scenarios/%lld", (long long)id);
    scope_form(b, a, g, v, path, w->base);
    web_baseline_note(b, w->base, &w->counts, path, NULL,
                      (const char *const[]){"perimetre", scope, NULL});
    results_sentence(b, a, g, v);
    const char *names[2] = {"Situation actuelle", "Avec le scénario"};
    if (v->scoped) {
        const mg_summary *ss[2] = {&v->before, &v->after};
        figures_table(b, v->scope.label, ss, v->below[0], names, 2, w->base, g->prof);
    }
    const mg_summary *s[2] = {w->base_summary, &w->summary};
    char whole[200];
    snprintf(whole, sizeof whole, "%s%s", v->scoped ? "tout le territoire, " : "",
             a->territory_name);
    figures_table(b, whole, s, v->below[1], names, 2, w->base, g->prof);
    if (by_link)
        shared_links(b, w->rec.share_token, w->base, scope);
    else
        scenario_links(b, id, w->base, scope);
    const char *map_title = w->base == MG_BASELINE_OFFICIAL
                                ? "APL officielle + effet du scénario (modèle)"
                                : "APL avec le scénario";
    mg_buf_puts(b, "<div class=\"pair\"><div class=\"map\"><h3>");
    mg_html_text(b, map_title);
    mg_buf_puts(b, "</h3>");
    scenario_map(b, a, w, v, w->shown, false, map_title);
    mg_buf_puts(b, "</div><div class=\"map\"><h3>Écart à la situation actuelle</h3>");
    double *diff = mg_alloc_array(g->t->n, sizeof *diff);
    if (diff) {
        for (size_t i = 0; i < g->t->n; i++)
            diff[i] = w->shown[i] - w->before[i];
        scenario_map(b, a, w, v, diff, true, "Écart d'APL dû au scénario");
        free(diff);
    }
    mg_buf_puts(b, "</div></div></section>\n");
    changes_table(b, w, v);
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

/* To the scenario's page, on scope `scope` ("perimetre", NULL: the whole
 * territory). */
static void redirect_to_scenario(mg_http_response *res, int64_t id, const char *scope)
{
    char path[64];
    snprintf(path, sizeof path, "/scenarios/%lld", (long long)id);
    mg_buf loc;
    mg_buf_init(&loc, 16384);
    /* Written as an attribute value: '&' would be "&amp;", and the only
     * pair is the scope, whose characters are escaped by the URL encoding. */
    int rc = mg_html_href(&loc, path, (const char *const[]){"perimetre", scope, NULL}, NULL);
    mg_http_redirect(res, rc == MG_OK && loc.data ? loc.data : path);
    mg_buf_free(&loc);
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
            redirect_to_scenario(ctx->res, id, NULL);
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
    scope_view v;
    if (scope_view_compute(ctx, &w, &v) == 0) {
        sandbox(&ctx->res->body, ctx, &w, NULL, NULL, false, &v);
        scope_view_free(&v);
    }
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
                        const web_form_input *in, const scope_view *v)
{
    mg_diag d = {{0}};
    int rc = mg_storage_scenario_edit(ctx->app->db, w->rec.id, ctx->actor->account_id,
                                      apply_action_edit, e, &d);
    if (rc == MG_EINVAL && e->changed) {
        /* The scenario as it was read for this request, with the reason. */
        ctx->res->status = 409;
        sandbox(&ctx->res->body, ctx, w, NULL, web_msg_fr(WEB_MSG_ACTION_CHANGED), false, v);
        return ctx->res->body.failed ? MG_ELIMIT : MG_OK;
    }
    if (rc == MG_EINVAL) {
        ctx->res->status = 400;
        sandbox(&ctx->res->body, ctx, w, in, d.msg, false, v);
        return ctx->res->body.failed ? MG_ELIMIT : MG_OK;
    }
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d,
                          web_msg_fr(e->no_such_action ? WEB_MSG_ACTION_NOT_FOUND
                                                       : WEB_MSG_SCENARIO_NOT_FOUND),
                          web_msg_fr(WEB_MSG_SCENARIO_SAVE_FAILED));
        return 0;
    }
    redirect_to_scenario(ctx->res, w->rec.id, scope_param(v));
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
    for (size_t k = ACT_FIRST_NUMBER; o && k < f->form.nfields; k++)
        if (f->fields[k].kind == WEB_FIELD_NUMBER && in->given[k] &&
            json_object_set_new(o, f->fields[k].name, json_real(in->num[k]))) {
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
    /* The scope the page was on, carried by the form (perimetre). */
    scope_view v;
    if (scope_view_compute(ctx, &w, &v)) {
        web_scenario_free(&w);
        return 0;
    }
    action_form_desc f;
    action_form_init(&f, w.p->g, scope_param(&v));
    web_form_input in;
    const char *code = NULL;
    int rc = MG_OK;
    if (parse_action(ctx, w.p, &f, &in, &code)) {
        ctx->res->status = 400;
        sandbox(&ctx->res->body, ctx, &w, &in, NULL, false, &v);
        rc = ctx->res->body.failed ? MG_ELIMIT : MG_OK;
    } else {
        json_t *o = action_json(&f, &in, code);
        struct action_edit e = {.a = ctx->app, .add = o};
        rc = o ? save_actions(ctx, &w, &e, &in, &v) : MG_ENOMEM;
        json_decref(o);
    }
    scope_view_free(&v);
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
    const char *scope;   /* the scope of the page it came from, or NULL */
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
    if (v->scope)
        mg_html_hidden(b, "perimetre", v->scope);
    mg_buf_puts(b, v->action ? "<button type=\"submit\" class=\"danger\">Retirer définitivement</button> "
                             : "<button type=\"submit\" class=\"danger\">Supprimer définitivement</button> ");
    char path[64];
    snprintf(path, sizeof path, "/scenarios/%lld", (long long)v->id);
    mg_buf_puts(b, "<a href=\"");
    mg_html_href(b, path, (const char *const[]){"perimetre", v->scope, NULL}, NULL);
    mg_buf_puts(b, "\">Annuler</a></form>\n");
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
    /* The scope of the page the removal started from, carried along. */
    scope_view sv;
    if (scope_view_compute(ctx, &w, &sv)) {
        web_scenario_free(&w);
        return 0;
    }
    int rc = MG_OK;
    char digest[ACTION_DIGEST_SIZE];
    if (rm.confirmed) {
        struct action_edit e = {.a = ctx->app, .remove = rm.action, .digest = rm.digest};
        rc = save_actions(ctx, &w, &e, NULL, &sv);
    } else if (rm.action > w.s.n) {
        web_fail(ctx, 404, WEB_MSG_ACTION_NOT_FOUND);
    } else if ((rc = stored_action_digest(w.rec.actions_json, rm.action, digest)) == MG_OK) {
        const mg_action *act = &w.s.actions[rm.action - 1];
        confirm_view v = {.id = rm.id, .name = w.rec.name, .action = rm.action,
                          .kind = mg_resource_label_for(act->kind, w.p->g->prof),
                          .commune = w.p->g->t->name[act->commune], .digest = digest,
                          .scope = scope_param(&sv)};
        render_confirm(&ctx->res->body, ctx, &v);
        rc = ctx->res->body.failed ? MG_ELIMIT : MG_OK;
    }
    scope_view_free(&sv);
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
    scope_view v;
    if (scope_view_compute(ctx, &w, &v) == 0) {
        sandbox(&ctx->res->body, ctx, &w, NULL, NULL, true, &v);
        scope_view_free(&v);
    }
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

/* Side by side: the current situation and scenarios ?a= and ?b=, on the
 * scope ?perimetre= (each scenario's scope view: the same scope). */
typedef struct compare_view {
    web_scenario w[2];
    scope_view sv[2];
    size_t n;
} compare_view;

static void compare_view_free(compare_view *v)
{
    for (size_t k = 0; k < v->n; k++) {
        scope_view_free(&v->sv[k]);
        web_scenario_free(&v->w[k]);
    }
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
        if (scope_view_compute(ctx, &v->w[v->n], &v->sv[v->n])) {
            web_scenario_free(&v->w[v->n]);
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
    const char *scope = scope_param(&v->sv[0]);
    web_baseline_note(b, v->w[0].base, NULL, "/scenarios/comparer", NULL,
                      (const char *const[]){"a", ids[0], "b", v->n > 1 ? ids[1] : NULL,
                                            "perimetre", scope, NULL});
    const mg_summary *s[3] = {v->w[0].base_summary};
    const char *names[3] = {"Situation actuelle"};
    for (size_t k = 0; k < v->n; k++) {
        s[k + 1] = &v->w[k].summary;
        names[k + 1] = v->w[k].rec.name;
    }
    /* The communes below the threshold of each state, as the scenario page
     * and the territory page count them: on the scope, then everywhere. */
    const mg_diagnosis *g = v->w[0].p->g;
    if (v->sv[0].scoped) {
        const mg_summary *ss[3] = {&v->sv[0].before};
        size_t below[3] = {v->sv[0].below[0][0]};
        for (size_t k = 0; k < v->n; k++) {
            ss[k + 1] = &v->sv[k].after;
            below[k + 1] = v->sv[k].below[0][1];
        }
        figures_table(b, v->sv[0].scope.label, ss, below, names, v->n + 1, v->w[0].base,
                      g->prof);
    }
    size_t below[3] = {v->sv[0].below[1][0]};
    for (size_t k = 0; k < v->n; k++)
        below[k + 1] = v->sv[k].below[1][1];
    char whole[200];
    snprintf(whole, sizeof whole, "%s%s", v->sv[0].scoped ? "tout le territoire, " : "",
             a->territory_name);
    figures_table(b, whole, s, below, names, v->n + 1, v->w[0].base, g->prof);
    mg_buf_puts(b, "<div class=\"pair\">");
    for (size_t k = 0; k < v->n; k++) {
        const web_scenario *w = &v->w[k];
        mg_buf_puts(b, "<div class=\"map\"><h2>");
        mg_html_text(b, w->rec.name);
        mg_buf_puts(b, "</h2>");
        scenario_map(b, a, w, &v->sv[k], w->shown, false, w->rec.name);
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
