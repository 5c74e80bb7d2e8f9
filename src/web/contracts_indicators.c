/*
 * The indicators of an action and its expected effect on access, on the
 * action's page (contracts/indicators.h):
 *   POST /contrats/{id}/actions/{aid}/indicateurs               a new indicator
 *   POST /contrats/{id}/actions/{aid}/indicateurs/{ind}/valeurs a typed value
 * Each indicator is shown with its definition (unit, direction, target,
 * source) and its values over time in a table (date, value, series,
 * source, comment). When the page is shown, the engine's indicators are
 * computed again on the server's diagnosis of their profession over the
 * action's target communes (else the contract's territory) — a value is
 * recorded only when its inputs are new — and the providers' indicators
 * take their module's new values. Engine values are grouped by series,
 * and the page says that values of one series (the same data, the same
 * parameters) are not a measured change.
 *
 * « Effet attendu sur l'accès »: when the action names a scenario, the
 * stored scenario is evaluated on the diagnosis of its profession over the
 * same communes: the mean APL, the inhabitants and communes below the
 * threshold before and after, the people lifted above it and the cost per
 * person lifted (the action's planned budget), then, « après
 * réalisation », the engine indicators' latest values beside what was
 * expected.
 *
 * The forms are for those who may edit the action (the contract's lead,
 * the action's pilot); a refused form comes back on a page of its own,
 * status 400, with what was typed and the message beside its field.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "contracts/indicators.h"
#include "diagnosis/scope.h"
#include "parse/parse.h"
#include "storage/storage.h"
#include "web/app.h"
#include "web/contracts_web.h"
#include "web/form.h"
#include "web/web.h"

#define NFIELDS(a) (sizeof(a) / sizeof *(a))

/* The year of the APL inputs the server's diagnoses are built on (the
 * DREES's APL 2021, as the pages' sources say). */
#define DATA_YEAR 2021

static const char ACTION_NOT_FOUND[] = "Cette action n'existe pas.";
static const char INDICATOR_NOT_FOUND[] = "Cet indicateur n'existe pas.";
static const char SAVE_FAILED[] = "La modification n'a pas pu être enregistrée.";

#define DATE_HINT "Par exemple 31/12/2027 ou 2027-12-31."

/* --- Forms ---------------------------------------------------------------------- */

static const web_option direction_options[] = {
    {"", "Selon la mesure (plus haut est mieux pour un indicateur saisi)"},
    {"up", "Plus haut est mieux"},
    {"down", "Plus bas est mieux"},
    {NULL, NULL},
};

static const web_option source_options[] = {
    {"manual", "Saisi (valeurs tapées)"},
    {"engine", "Calculé par maillage sur les communes ciblées"},
    {"provider", "Fourni par un module"},
    {NULL, NULL},
};

static const web_option profession_options[] = {
    {"", "— (indicateur calculé seulement)"},
    {"mg", "Médecins généralistes"},
    {"inf", "Infirmiers"},
    {"mk", "Masseurs-kinésithérapeutes"},
    {"sf", "Sages-femmes"},
    {"cd", "Chirurgiens-dentistes"},
    {NULL, NULL},
};

/* The measure field: the engine's measures, then the providers. */
static int measure_options(mg_buf *b, const void *ctx, const char *selected)
{
    (void)ctx;
    int rc = mg_html_option(b, "", "— (indicateur saisi)", !selected || !selected[0]);
    for (size_t k = 0; rc == 0 && mg_indicator_engine_measure_key(k); k++) {
        const char *key = mg_indicator_engine_measure_key(k);
        char label[256];
        snprintf(label, sizeof label, "Calculé : %s", mg_indicator_engine_measure_label(key));
        rc = mg_html_option(b, key, label, selected && strcmp(selected, key) == 0);
    }
    size_t n = 0;
    const mg_indicator_provider *p = mg_indicator_providers(&n);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        char label[256];
        snprintf(label, sizeof label, "Module : %s", p[k].label);
        rc = mg_html_option(b, p[k].key, label, selected && strcmp(selected, p[k].key) == 0);
    }
    return rc;
}

enum { IN_TITLE, IN_UNIT, IN_DIRECTION, IN_TARGET, IN_TARGET_ON, IN_SOURCE, IN_MEASURE,
       IN_PROFESSION };
static const web_field indicator_fields[] = {
    [IN_TITLE] = {.name = "title", .label = "Intitulé", .kind = WEB_FIELD_TEXT, .required = true,
                  .max = MG_CONTRACT_TITLE_MAX_CHARS, .autocomplete = "off"},
    [IN_UNIT] = {.name = "unit", .label = "Unité", .kind = WEB_FIELD_TEXT, .max = 50,
                 .hint = "Par exemple « téléconsultations ». Vide pour un indicateur calculé "
                         "ou fourni : l'unité de sa mesure.",
                 .autocomplete = "off"},
    [IN_DIRECTION] = {.name = "direction", .label = "Sens", .kind = WEB_FIELD_SELECT,
                      .options = direction_options},
    [IN_TARGET] = {.name = "target", .label = "Cible", .kind = WEB_FIELD_TEXT, .max = 40,
                   .hint = "Un nombre, par exemple 1 200 ou 2,5. Facultatif.",
                   .autocomplete = "off"},
    [IN_TARGET_ON] = {.name = "target_on", .label = "Échéance de la cible",
                      .kind = WEB_FIELD_TEXT, .max = 32, .hint = DATE_HINT " Facultatif.",
                      .autocomplete = "off"},
    [IN_SOURCE] = {.name = "source", .label = "Source des valeurs", .kind = WEB_FIELD_SELECT,
                   .options = source_options, .defval = "manual"},
    [IN_MEASURE] = {.name = "measure", .label = "Mesure calculée ou module",
                    .kind = WEB_FIELD_SELECT, .options_fn = measure_options,
                    .hint = "Pour un indicateur calculé ou fourni seulement."},
    [IN_PROFESSION] = {.name = "profession", .label = "Profession", .kind = WEB_FIELD_SELECT,
                       .options = profession_options,
                       .hint = "Pour un indicateur calculé seulement."},
};
static const web_form indicator_form = {"indicateur", indicator_fields,
                                        NFIELDS(indicator_fields), "Ajouter l'indicateur", NULL};

enum { VA_ON, VA_VALUE, VA_NOTE, VA_COMMENT };
static const web_field value_fields[] = {
    [VA_ON] = {.name = "measured_on", .label = "Date", .kind = WEB_FIELD_TEXT, .required = true,
               .max = 32, .hint = DATE_HINT, .autocomplete = "off"},
    [VA_VALUE] = {.name = "value", .label = "Valeur", .kind = WEB_FIELD_TEXT, .required = true,
                  .max = 40, .hint = "Un nombre, par exemple 1 234,5.", .autocomplete = "off"},
    [VA_NOTE] = {.name = "source_note", .label = "Source", .kind = WEB_FIELD_TEXT, .max = 500,
                 .hint = "D'où vient la valeur (un rapport, un décompte…). Facultatif.",
                 .autocomplete = "off"},
    [VA_COMMENT] = {.name = "comment", .label = "Commentaire", .kind = WEB_FIELD_TEXT,
                    .max = 2000, .autocomplete = "off"},
};

/* A value form per indicator: its own id prefix so that ids stay unique. */
static web_form value_form(char *id, size_t cap, int64_t indicator_id)
{
    snprintf(id, cap, "valeur-%lld", (long long)indicator_id);
    return (web_form){id, value_fields, NFIELDS(value_fields), "Ajouter la valeur", NULL};
}

/* --- Pieces ----------------------------------------------------------------------- */

static void action_path(char *out, size_t cap, const web_contract_view *v, const char *suffix)
{
    snprintf(out, cap, "/contrats/%lld/actions/%lld%s", (long long)v->c.id, (long long)v->a.id,
             suffix);
}

/* "YYYY-MM-DD" as "DD/MM/YYYY". */
static void fr_date(mg_buf *b, const char *iso)
{
    char fr[16];
    if (iso && strlen(iso) == 10) {
        snprintf(fr, sizeof fr, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
        mg_html_text(b, fr);
    } else {
        mg_buf_puts(b, "—");
    }
}

/* How many decimals a value of indicator x is written with. */
static int decimals_of(const mg_indicator *x, double v)
{
    if (x->source == MG_INDICATOR_ENGINE)
        return strcmp(x->measure, "apl_mean") == 0 ? 2 : 0;
    if (x->source == MG_INDICATOR_PROVIDER)
        return v == floor(v) ? 0 : 2;
    double a = fabs(v);
    return v == floor(v) ? 0 : a >= 100 ? 1 : a >= 1 ? 2 : 3;
}

static void number(mg_buf *b, double v, int decimals)
{
    char s[64];
    if (!isfinite(v)) {
        mg_buf_puts(b, "—");
        return;
    }
    web_num(s, sizeof s, v, decimals);
    mg_html_text(b, s);
}

/* The profession of a key, or NULL. */
static const mg_app_profession *profession_of(web_ctx *ctx, const char *key)
{
    return key && key[0] ? mg_app_profession_get(ctx->app, key) : NULL;
}

/* The action's target communes (else the contract's territory) on g. */
static int target_scope(const web_contract_view *v, const mg_diagnosis *g, mg_scope *s,
                        mg_diag *d)
{
    const char *spec = v->a.target_communes && v->a.target_communes[0] ? v->a.target_communes
                                                                        : v->c.territory;
    return mg_scope_parse(g, spec, s, d);
}

/* The engine of profession p over scope s. */
static mg_indicator_engine engine_of(const mg_app_profession *p, const mg_scope *s)
{
    return (mg_indicator_engine){.g = p->g, .data_year = DATA_YEAR,
                                 .threshold = p->g->prof->threshold, .communes = s->idx,
                                 .ncommunes = s->n};
}

/* Computes the engine indicators again and takes the providers' new
 * values: what the page then reads. Failures are logged, the page shows
 * what is stored. */
static void refresh(web_ctx *ctx, const web_contract_view *v, const mg_indicator *x, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        mg_diag d = {{0}};
        int rc = 0;
        if (x[k].source == MG_INDICATOR_ENGINE) {
            const mg_app_profession *p = profession_of(ctx, x[k].profession);
            if (!p)
                continue;
            mg_scope s;
            rc = target_scope(v, p->g, &s, &d);
            if (rc == 0) {
                mg_indicator_engine e = engine_of(p, &s);
                bool added = false;
                /* Computed by the system for whoever looks: account 0. */
                rc = mg_indicator_engine_refresh(ctx->app->db, 0, x[k].id, &e, &added, &d);
                mg_scope_free(&s);
            }
        } else if (x[k].source == MG_INDICATOR_PROVIDER) {
            rc = mg_indicator_provider_refresh(ctx->app->db, 0, x[k].id, &d);
        }
        if (rc)
            fprintf(stderr, "indicator %lld: %s\n", (long long)x[k].id, d.msg);
    }
}

/* Where an indicator's values come from, in words. */
static void source_text(mg_buf *b, const mg_indicator *x)
{
    if (x->source == MG_INDICATOR_ENGINE) {
        const mg_profession *p = mg_profession_lookup(x->profession);
        mg_buf_puts(b, "Calculé par maillage : ");
        mg_html_text(b, mg_indicator_engine_measure_label(x->measure));
        mg_buf_puts(b, " (");
        mg_html_text(b, p ? p->label : x->profession);
        mg_buf_puts(b, ")");
    } else if (x->source == MG_INDICATOR_PROVIDER) {
        const mg_indicator_provider *p = mg_indicator_provider_find(x->measure);
        mg_buf_puts(b, "Fourni par un module : ");
        mg_html_text(b, p ? p->label : x->measure);
    } else {
        mg_buf_puts(b, "Saisi");
    }
}

/* One value's row. */
static void value_row(mg_buf *b, const mg_indicator *x, const mg_indicator_value *val)
{
    mg_buf_puts(b, "<tr><th scope=\"row\">");
    fr_date(b, val->measured_on);
    mg_buf_puts(b, "</th><td class=\"num\">");
    number(b, val->value, decimals_of(x, val->value));
    mg_buf_puts(b, "</td><td>");
    mg_html_text(b, val->series[0] ? val->series : "—");
    mg_buf_puts(b, "</td><td>");
    mg_html_text(b, val->source_note[0] ? val->source_note : "—");
    mg_buf_puts(b, "</td><td>");
    mg_html_text(b, val->comment && val->comment[0] ? val->comment : "—");
    mg_buf_puts(b, "</td></tr>\n");
}

static void table_head(mg_buf *b, const char *caption, const char *series)
{
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>");
    mg_html_text(b, caption);
    if (series) {
        mg_buf_puts(b, " — série « ");
        mg_html_text(b, series);
        mg_buf_puts(b, " »");
    }
    mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Date</th>"
                   "<th scope=\"col\">Valeur</th><th scope=\"col\">Série</th>"
                   "<th scope=\"col\">Source</th><th scope=\"col\">Commentaire</th>"
                   "</tr></thead><tbody>\n");
}

/* The values of an indicator: engine values one table per series (in the
 * order their series began), others in one table by date. */
static void values_tables(mg_buf *b, const mg_indicator *x, const mg_indicator_value *val,
                          size_t n)
{
    char caption[1024];
    snprintf(caption, sizeof caption, "Valeurs de « %s »", x->title);
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucune valeur pour l'instant.</p>\n");
        return;
    }
    if (x->source != MG_INDICATOR_ENGINE) {
        table_head(b, caption, NULL);
        for (size_t k = 0; k < n; k++)
            value_row(b, x, &val[k]);
        mg_buf_puts(b, "</tbody></table></div>\n");
        return;
    }
    size_t nseries = 0;
    for (size_t k = 0; k < n; k++) {
        bool first = true;
        for (size_t j = 0; j < k; j++)
            if (strcmp(val[j].series, val[k].series) == 0)
                first = false;
        if (!first)
            continue;
        nseries++;
        table_head(b, caption, val[k].series);
        for (size_t j = k; j < n; j++)
            if (strcmp(val[j].series, val[k].series) == 0)
                value_row(b, x, &val[j]);
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    mg_buf_printf(b, "<p class=\"hint\">%zu ", nseries);
    mg_buf_puts(b, nseries > 1 ? "séries. " : "série. ");
    mg_buf_puts(b, "Les valeurs calculées à partir des mêmes entrées (par exemple « données "
                   "2021 », avec le même paramétrage du modèle et le même seuil) ne mesurent "
                   "pas un changement de l'accès : maillage les recalcule sans rien observer de "
                   "nouveau et ne les enregistre qu'une fois. Une nouvelle série commence "
                   "quand les données, le modèle, le seuil ou les communes changent ; l'écart "
                   "entre deux séries tient à ce changement et n'est pas, à lui seul, un effet "
                   "de l'action.</p>\n");
}

static void value_form_render(mg_buf *b, web_ctx *ctx, const web_contract_view *v,
                              const mg_indicator *x, const web_form_input *in)
{
    char id[48], path[160], suffix[96];
    web_form f = value_form(id, sizeof id, x->id);
    snprintf(suffix, sizeof suffix, "/indicateurs/%lld/valeurs", (long long)x->id);
    action_path(path, sizeof path, v, suffix);
    mg_buf_puts(b, "<h4 id=\"");
    mg_html_attr(b, id);
    mg_buf_puts(b, "-titre\">Ajouter une valeur</h4>\n");
    web_form_render(b, in && in->form ? in->form : &f, in, "post", path, NULL, web_csrf(ctx));
}

/* One indicator: definition, values, its value form. */
static void indicator_render(mg_buf *b, web_ctx *ctx, const web_contract_view *v,
                             const mg_indicator *x)
{
    mg_buf_printf(b, "<article class=\"indicator\" id=\"indicateur-%lld\"><h3>",
                  (long long)x->id);
    mg_html_text(b, x->title);
    mg_buf_puts(b, "</h3>\n<dl class=\"facts\"><dt>Unité</dt><dd>");
    mg_html_text(b, x->unit[0] ? x->unit : "—");
    mg_buf_puts(b, "</dd><dt>Sens</dt><dd>");
    mg_buf_puts(b, x->higher_is_better ? "Plus haut est mieux" : "Plus bas est mieux");
    mg_buf_puts(b, "</dd><dt>Cible</dt><dd>");
    if (isnan(x->target)) {
        mg_buf_puts(b, "Aucune");
    } else {
        number(b, x->target, decimals_of(x, x->target));
        if (x->target_on[0]) {
            mg_buf_puts(b, " au ");
            fr_date(b, x->target_on);
        }
    }
    mg_buf_puts(b, "</dd><dt>Source</dt><dd>");
    source_text(b, x);
    mg_buf_puts(b, "</dd></dl>\n");
    mg_indicator_value *val = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    if (mg_indicator_values(ctx->app->db, x->id, &val, &n, &d) != 0) {
        fprintf(stderr, "values of indicator %lld: %s\n", (long long)x->id, d.msg);
        mg_buf_puts(b, "<p>Les valeurs n'ont pas pu être lues.</p>\n");
    } else {
        values_tables(b, x, val, n);
    }
    mg_indicator_values_free(val, n);
    if (x->source == MG_INDICATOR_ENGINE && !profession_of(ctx, x->profession))
        mg_buf_puts(b, "<p>Ce serveur n'a pas chargé le diagnostic de cette profession : "
                       "aucune valeur n'est calculée.</p>\n");
    if (v->may_edit_action && x->source == MG_INDICATOR_MANUAL)
        value_form_render(b, ctx, v, x, NULL);
    mg_buf_puts(b, "</article>\n");
}

/* The action's planned budget: the planned amounts of its current lines. */
static int64_t planned_cents(web_ctx *ctx, const web_contract_view *v)
{
    mg_budget_line *lines = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int64_t sum = 0;
    if (mg_budget_lines(ctx->app->db, v->c.id, v->a.id, false, &lines, &n, &d) != 0) {
        fprintf(stderr, "budget of action %lld: %s\n", (long long)v->a.id, d.msg);
        return 0;
    }
    for (size_t k = 0; k < n; k++)
        sum += lines[k].a.planned;
    free(lines);
    return sum;
}

/* The expectation of an engine measure in the effect: before, after. */
static bool expected_of(const mg_action_effect *ef, const char *measure, double *before,
                        double *after)
{
    if (strcmp(measure, "apl_mean") == 0)
        *before = ef->mean_before, *after = ef->mean_after;
    else if (strcmp(measure, "below_population") == 0)
        *before = ef->below_before, *after = ef->below_after;
    else if (strcmp(measure, "below_communes") == 0)
        *before = (double)ef->communes_below_before, *after = (double)ef->communes_below_after;
    else
        return false;
    return true;
}

/* « Après réalisation »: each engine indicator of the scenario's
 * profession, what was expected and its latest value. */
static void after_done(mg_buf *b, web_ctx *ctx, const web_contract_view *v,
                       const mg_action_effect *ef, const char *profession,
                       const mg_indicator *x, size_t n)
{
    mg_buf_puts(b, "<h4 id=\"apres-realisation\">Après réalisation</h4>\n");
    if (v->a.status != MG_ACTION_DONE)
        mg_buf_puts(b, "<p>L'action n'est pas encore réalisée : les valeurs ci-dessous sont "
                       "celles d'avant sa réalisation.</p>\n");
    size_t shown = 0;
    for (size_t k = 0; k < n; k++) {
        double before = NAN, after = NAN;
        if (x[k].source != MG_INDICATOR_ENGINE || strcmp(x[k].profession, profession) != 0 ||
            !expected_of(ef, x[k].measure, &before, &after))
            continue;
        if (shown++ == 0)
            mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Indicateurs calculés et effet "
                           "attendu</caption><thead><tr><th scope=\"col\">Indicateur</th>"
                           "<th scope=\"col\">Avant (attendu)</th>"
                           "<th scope=\"col\">Après (attendu)</th>"
                           "<th scope=\"col\">Dernière valeur</th>"
                           "<th scope=\"col\">Date</th><th scope=\"col\">Série</th>"
                           "</tr></thead><tbody>\n");
        mg_indicator_value *val = NULL;
        size_t nv = 0;
        mg_diag d = {{0}};
        if (mg_indicator_values(ctx->app->db, x[k].id, &val, &nv, &d) != 0)
            nv = 0;
        /* The latest: the last by date (values come by date then series). */
        const mg_indicator_value *last = nv ? &val[nv - 1] : NULL;
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_text(b, x[k].title);
        mg_buf_puts(b, "</th><td class=\"num\">");
        number(b, before, decimals_of(&x[k], before));
        mg_buf_puts(b, "</td><td class=\"num\">");
        number(b, after, decimals_of(&x[k], after));
        mg_buf_puts(b, "</td><td class=\"num\">");
        number(b, last ? last->value : NAN, last ? decimals_of(&x[k], last->value) : 0);
        mg_buf_puts(b, "</td><td>");
        fr_date(b, last ? last->measured_on : NULL);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, last && last->series[0] ? last->series : "—");
        mg_buf_puts(b, "</td></tr>\n");
        mg_indicator_values_free(val, nv);
    }
    if (shown)
        mg_buf_puts(b, "</tbody></table></div>\n<p class=\"hint\">Tant que les données restent "
                       "celles de 2021, la dernière valeur calculée reste celle d'avant "
                       "l'action : seules de nouvelles données (une nouvelle série) "
                       "montreront un changement mesuré.</p>\n");
    else
        mg_buf_puts(b, "<p>Aucun indicateur calculé pour cette profession : ajoutez-en un "
                       "(source « Calculé par maillage ») pour suivre l'accès après la "
                       "réalisation.</p>\n");
}

/* A figure row of the effect table. */
static void effect_row(mg_buf *b, const char *label, double before, double after, int decimals)
{
    mg_buf_puts(b, "<tr><th scope=\"row\">");
    mg_html_text(b, label);
    mg_buf_puts(b, "</th><td class=\"num\">");
    number(b, before, decimals);
    mg_buf_puts(b, "</td><td class=\"num\">");
    number(b, after, decimals);
    mg_buf_puts(b, "</td></tr>\n");
}

/* « Effet attendu sur l'accès ». */
static void effect_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v,
                           const mg_indicator *x, size_t n)
{
    mg_buf_puts(b, "<h3 id=\"effet-attendu\">Effet attendu sur l'accès</h3>\n");
    if (v->a.scenario_id <= 0) {
        mg_buf_puts(b, "<p>Aucun scénario ne modélise cette action : choisissez-en un dans "
                       "la fiche de l'action pour voir son effet attendu.</p>\n");
        return;
    }
    mg_scenario_record rec = {0};
    mg_scenario sc = {0};
    mg_scope s = {0};
    bool scoped = false;
    mg_diag d = {{0}};
    int rc = mg_storage_scenario_get(ctx->app->db, v->a.scenario_id, &rec, &d);
    if (rc) {
        fprintf(stderr, "scenario %lld: %s\n", (long long)v->a.scenario_id, d.msg);
        mg_buf_puts(b, "<p>Le scénario de l'action n'a pas pu être lu.</p>\n");
        return;
    }
    const mg_app_profession *p = profession_of(ctx, rec.profession ? rec.profession : "mg");
    mg_buf_puts(b, "<p>Scénario : <a href=\"");
    char path[64];
    snprintf(path, sizeof path, "/scenarios/%lld", (long long)rec.id);
    mg_html_href(b, path, NULL, NULL);
    mg_buf_puts(b, "\">");
    mg_html_text(b, rec.name ? rec.name : "");
    mg_buf_puts(b, "</a>");
    if (p) {
        mg_buf_puts(b, " (");
        mg_html_text(b, p->g->prof->label);
        mg_buf_puts(b, ")");
    }
    mg_buf_puts(b, ".</p>\n");
    if (!p) {
        mg_buf_puts(b, "<p>Ce serveur n'a pas chargé le diagnostic de la profession du "
                       "scénario.</p>\n");
        goto done;
    }
    json_error_t jerr;
    json_t *actions = json_loads(rec.actions_json ? rec.actions_json : "[]", 0, &jerr);
    rc = actions ? mg_scenario_from_json(actions, p->g, &sc, &d) : MG_EPARSE;
    json_decref(actions);
    if (rc) {
        mg_buf_puts(b, "<p>Le scénario n'a pas pu être lu : ");
        mg_html_text(b, actions ? d.msg : jerr.text);
        mg_buf_puts(b, "</p>\n");
        goto done;
    }
    if ((rc = target_scope(v, p->g, &s, &d)) != 0) {
        mg_buf_puts(b, "<p>Les communes ciblées ne sont pas celles du territoire d'étude : ");
        mg_html_text(b, d.msg);
        mg_buf_puts(b, "</p>\n");
        goto done;
    }
    scoped = true;
    mg_indicator_engine e = engine_of(p, &s);
    int64_t cost = planned_cents(ctx, v);
    mg_action_effect ef;
    if ((rc = mg_action_effect_compute(&e, p->engine, &sc, cost, &ef, &d)) != 0) {
        mg_buf_puts(b, "<p>L'effet n'a pas pu être calculé : ");
        mg_html_text(b, d.msg);
        mg_buf_puts(b, "</p>\n");
        goto done;
    }
    char thr[32] = "";
    if (isfinite(e.threshold))
        web_num(thr, sizeof thr, e.threshold, 1);
    mg_buf_puts(b, "<p>Sur ");
    mg_html_text(b, s.label);
    mg_buf_printf(b, " (%zu ", ef.ncommunes);
    mg_buf_puts(b, ef.ncommunes > 1 ? "communes, " : "commune, ");
    number(b, ef.population, 0);
    mg_buf_puts(b, " habitants), données 2021 : l'APL calculée par maillage (celle des "
                   "indicateurs calculés), avec toutes les communes voisines.</p>\n");
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Effet attendu du scénario sur les "
                   "communes ciblées</caption><thead><tr><th scope=\"col\">Mesure</th>"
                   "<th scope=\"col\">Avant</th><th scope=\"col\">Après</th>"
                   "</tr></thead><tbody>\n");
    char label[160];
    snprintf(label, sizeof label, "APL moyenne (pondérée), %s", p->g->prof->unit);
    effect_row(b, label, ef.mean_before, ef.mean_after, 2);
    if (thr[0]) {
        snprintf(label, sizeof label, "Habitants sous le seuil de %s", thr);
        effect_row(b, label, ef.below_before, ef.below_after, 0);
        snprintf(label, sizeof label, "Communes sous le seuil de %s", thr);
        effect_row(b, label, (double)ef.communes_below_before, (double)ef.communes_below_after,
                   0);
    }
    mg_buf_puts(b, "</tbody></table></div>\n<dl class=\"facts\">");
    if (thr[0]) {
        mg_buf_puts(b, "<dt>Personnes passées au-dessus du seuil</dt><dd>");
        number(b, ef.lifted, 0);
        if (ef.lifted < 0)
            mg_buf_puts(b, " (davantage d'habitants sous le seuil après)");
        mg_buf_puts(b, "</dd>");
    }
    mg_buf_puts(b, "<dt>Coût prévu de l'action</dt><dd>");
    if (cost > 0)
        web_contract_euros(b, cost);
    else
        mg_buf_puts(b, "Non connu (aucune ligne budgétaire prévue)");
    mg_buf_puts(b, "</dd><dt>Coût par personne passée au-dessus du seuil</dt><dd>");
    if (isfinite(ef.cost_per_person)) {
        number(b, ef.cost_per_person, ef.cost_per_person < 100 ? 2 : 0);
        mg_buf_puts(b, " €");
    } else {
        mg_buf_puts(b, "—");
    }
    mg_buf_puts(b, "</dd></dl>\n<p class=\"hint\">Coût par personne = budget prévu de l'action "
                   "÷ (habitants sous le seuil avant − habitants sous le seuil après). Un effet "
                   "attendu est un calcul du modèle, pas une mesure.</p>\n");
    after_done(b, ctx, v, &ef, p->g->prof->key, x, n);
done:
    if (scoped)
        mg_scope_free(&s);
    mg_scenario_free(&sc);
    mg_scenario_record_free(&rec);
}

static void indicator_form_render(mg_buf *b, web_ctx *ctx, const web_contract_view *v,
                                  const web_form_input *in)
{
    char path[128];
    action_path(path, sizeof path, v, "/indicateurs");
    mg_buf_puts(b, "<h3 id=\"nouvel-indicateur\">Nouvel indicateur</h3>\n");
    web_form_render(b, &indicator_form, in, "post", path, NULL, web_csrf(ctx));
}

void web_action_indicators_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v)
{
    if (!v->has_action)
        return;
    mg_buf_puts(b, "<section aria-labelledby=\"indicateurs\">"
                   "<h2 id=\"indicateurs\">Indicateurs</h2>\n");
    mg_indicator *x = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_indicators(ctx->app->db, v->c.id, v->a.id, &x, &n, &d);
    if (rc == 0) {
        refresh(ctx, v, x, n);
        if (n == 0)
            mg_buf_puts(b, "<p>Aucun indicateur ne suit cette action.</p>\n");
        for (size_t k = 0; k < n; k++)
            indicator_render(b, ctx, v, &x[k]);
    } else {
        fprintf(stderr, "indicators of action %lld: %s\n", (long long)v->a.id, d.msg);
        mg_buf_puts(b, "<p>Les indicateurs n'ont pas pu être lus.</p>\n");
    }
    if (v->may_edit_action)
        indicator_form_render(b, ctx, v, NULL);
    effect_section(b, ctx, v, x, n);
    free(x);
    mg_buf_puts(b, "</section>\n");
}

/* --- Handlers ---------------------------------------------------------------------- */

/* A refusal of the store beside the field it names (or `fallback`). */
static void refuse(web_form_input *in, const mg_contract_field_error *fe, const mg_diag *d,
                   const char *fallback)
{
    const char *field =
        fe->field && web_form_field(in->form, fe->field) >= 0 ? fe->field : fallback;
    web_form_refuse(in, field, fe->msg[0] ? fe->msg : d->msg);
}

/* A page of its own for a refused form, status 400. */
static void refused_page_begin(mg_buf *b, web_ctx *ctx, const web_contract_view *v,
                               const char *heading)
{
    ctx->res->status = 400;
    char title[1024];
    snprintf(title, sizeof title, "%s — %s", heading, v->a.title);
    web_page_begin(b, ctx, title, "contrats");
    web_contract_crumbs(b, &v->c);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, heading);
    mg_buf_puts(b, "</h1>\n<p>Action : <a href=\"");
    char path[96];
    action_path(path, sizeof path, v, "");
    mg_html_href(b, path, NULL, NULL);
    mg_buf_puts(b, "\">");
    mg_html_text(b, v->a.title);
    mg_buf_puts(b, "</a></p>\n");
}

static void back_to(web_ctx *ctx, const web_contract_view *v, const char *fragment)
{
    char to[160];
    snprintf(to, sizeof to, "/contrats/%lld/actions/%lld#%s", (long long)v->c.id,
             (long long)v->a.id, fragment);
    mg_http_redirect(ctx->res, to);
}

/* POST /contrats/{id}/actions/{aid}/indicateurs */
static int indicator_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_action_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    web_form_input in;
    web_form_read(&indicator_form, ctx->req, &in);
    int rc = MG_OK;
    if (in.nerrors == 0) {
        mg_indicator_input ii = {.title = in.raw[IN_TITLE], .unit = in.raw[IN_UNIT],
                                 .direction = in.raw[IN_DIRECTION], .target = in.raw[IN_TARGET],
                                 .target_on = in.raw[IN_TARGET_ON], .source = in.raw[IN_SOURCE],
                                 .measure = in.raw[IN_MEASURE],
                                 .profession = in.raw[IN_PROFESSION]};
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int64_t id = 0;
        rc = mg_indicator_create(ctx->app->db, ctx->actor->account_id, v.a.id, &ii, &id, &fe,
                                 &d);
        if (rc == 0) {
            char fragment[48];
            snprintf(fragment, sizeof fragment, "indicateur-%lld", (long long)id);
            back_to(ctx, &v, fragment);
            goto done;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND, SAVE_FAILED);
            rc = MG_OK;
            goto done;
        }
        refuse(&in, &fe, &d, "title");
    }
    mg_buf *b = &ctx->res->body;
    refused_page_begin(b, ctx, &v, "Nouvel indicateur");
    indicator_form_render(b, ctx, &v, &in);
    web_page_end(b);
    rc = web_done(ctx);
done:
    web_contract_view_clear(&v);
    return rc;
}

/* POST /contrats/{id}/actions/{aid}/indicateurs/{ind}/valeurs */
static int value_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_action_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    int rc = MG_OK;
    int64_t ind = 0;
    mg_indicator x;
    mg_diag d = {{0}};
    if (mg_parse_id(mg_http_path_param(ctx->req, "ind"), INT64_MAX, &ind, NULL) != 0 ||
        mg_indicator_get(ctx->app->db, ind, &x, &d) != 0 || x.action_id != v.a.id) {
        mg_http_error(ctx->req, ctx->res, 404, INDICATOR_NOT_FOUND);
        goto done;
    }
    char id[48];
    web_form f = value_form(id, sizeof id, x.id);
    web_form_input in;
    web_form_read(&f, ctx->req, &in);
    if (in.nerrors == 0) {
        mg_contract_field_error fe = {0};
        int64_t vid = 0;
        rc = mg_indicator_value_add(ctx->app->db, ctx->actor->account_id, x.id, in.raw[VA_ON],
                                    in.raw[VA_VALUE], in.raw[VA_NOTE], in.raw[VA_COMMENT], &vid,
                                    &fe, &d);
        if (rc == 0) {
            char fragment[48];
            snprintf(fragment, sizeof fragment, "indicateur-%lld", (long long)x.id);
            back_to(ctx, &v, fragment);
            goto done;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, INDICATOR_NOT_FOUND, SAVE_FAILED);
            rc = MG_OK;
            goto done;
        }
        refuse(&in, &fe, &d, "value");
    }
    {
        mg_buf *b = &ctx->res->body;
        char heading[1024];
        snprintf(heading, sizeof heading, "Nouvelle valeur de « %s »", x.title);
        refused_page_begin(b, ctx, &v, heading);
        value_form_render(b, ctx, &v, &x, &in);
        web_page_end(b);
        rc = web_done(ctx);
    }
done:
    web_contract_view_clear(&v);
    return rc;
}

const web_route web_routes_contract_indicators[] = {
    {"POST", "/contrats/{id}/actions/{aid}/indicateurs", indicator_post, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/actions/{aid}/indicateurs/{ind}/valeurs", value_post, WEB_ANYONE,
     0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
