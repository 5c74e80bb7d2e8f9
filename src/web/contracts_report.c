/*
 * The evaluation report (bilan) of a contract and of a dispositif across
 * contracts (contracts/report.h), as a page, a PDF and an XLSX workbook:
 *
 *   GET /contrats/{id}/bilan            the page (one table per part)
 *   GET /contrats/{id}/bilan.pdf        the PDF for the steering committee
 *   GET /contrats/{id}/bilan.xlsx       sheets Actions, Budget, Indicateurs
 *   GET /contrats/dispositif?q=…        the actions matching q among the
 *       (.pdf, .xlsx)                   contracts the actor sees
 *
 * Rights: who sees a contract sees its bilan (web_contract_load with
 * MG_AUTH_VIEW: its lead's members, its signatories and participants). A
 * dispositif is searched over the contracts the actor's organisations
 * lead (mg_contract_list) or see (mg_contract_list_seen_by), each checked
 * with mg_auth_can and its viewers before it is read. The dispositif's
 * fixed paths come before the contract pages' /contrats/{id}: app.c tries
 * this file's routes first.
 *
 * The expected effect of an action modelled by a scenario is computed here
 * (the application holds the diagnoses and scenario engines) and handed to
 * the report module as its effect callback.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/indicators.h"
#include "contracts/report.h"
#include "diagnosis/scope.h"
#include "storage/storage.h"
#include "web/contracts_web.h"
#include "web/web.h"

static const char CONTRACT_NOT_FOUND[] = "Ce contrat n'existe pas.";
static const char READ_FAILED[] = "Le bilan n'a pas pu être établi.";
static const char XLSX_TYPE[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/* --- The expected effect: the report module's callback ---------------------------- */

static const mg_app_profession *profession_of(const mg_app *app, const char *key)
{
    for (size_t k = 0; k < MG_APP_PROFESSIONS; k++)
        if (app->prof[k].g && key && strcmp(app->prof[k].g->prof->key, key) == 0)
            return &app->prof[k];
    return NULL;
}

static int effect_of(void *ctx, const mg_contract *c, const mg_contract_action *a,
                     int64_t planned_cents, mg_action_effect *out, mg_diag *d)
{
    const mg_app *app = ctx;
    mg_scenario_record rec = {0};
    int rc = mg_storage_scenario_get(app->db, a->scenario_id, &rec, d);
    if (rc) {
        if (rc == MG_ENOTFOUND)
            mg_diag_clear(d);
        return rc;
    }
    const mg_app_profession *p = profession_of(app, rec.profession);
    const char *spec = a->target_communes && a->target_communes[0] ? a->target_communes
                                                                      : c->territory;
    if (!p || !p->engine || !spec[0]) {
        mg_scenario_record_free(&rec);
        return MG_ENOTFOUND;
    }
    mg_scope sc = {0};
    mg_scenario s = {0};
    json_error_t je;
    json_t *j = json_loads(rec.actions_json ? rec.actions_json : "[]", 0, &je);
    rc = j ? MG_OK : MG_ENOTFOUND;
    mg_diag quiet = {{0}};
    if (rc == MG_OK && mg_scope_parse(p->g, spec, &sc, &quiet) != MG_OK)
        rc = MG_ENOTFOUND; /* communes that are not the territory's: nothing to show */
    if (rc == MG_OK && mg_scenario_from_json(j, p->g, &s, &quiet) != MG_OK)
        rc = MG_ENOTFOUND;
    if (rc == MG_OK && sc.n == 0)
        rc = MG_ENOTFOUND;
    if (rc == MG_OK) {
        mg_indicator_engine e = {.g = p->g, .threshold = p->g->prof->threshold,
                                 .communes = sc.idx, .ncommunes = sc.n};
        rc = mg_action_effect_compute(&e, p->engine, &s, planned_cents, out, d);
    }
    mg_scenario_free(&s);
    mg_scope_free(&sc);
    json_decref(j);
    mg_scenario_record_free(&rec);
    return rc;
}

/* --- Pieces of the page -------------------------------------------------------------- */

static void euros(mg_buf *b, int64_t cents)
{
    web_contract_euros(b, cents);
}

static void amounts_cells(mg_buf *b, const mg_budget_amounts *a)
{
    mg_buf_puts(b, "<td class=\"num\">");
    euros(b, a->planned);
    mg_buf_puts(b, "</td><td class=\"num\">");
    euros(b, a->committed);
    mg_buf_puts(b, "</td><td class=\"num\">");
    euros(b, a->paid);
    mg_buf_puts(b, "</td>");
}

static void amount_heads(mg_buf *b)
{
    mg_buf_puts(b, "<th scope=\"col\">Prévu</th><th scope=\"col\">Engagé</th>"
                   "<th scope=\"col\">Payé</th>");
}

static void totals_table(mg_buf *b, const char *id, const char *heading, const char *first,
                         const mg_bilan_total *t, size_t n, const mg_budget_amounts *all)
{
    mg_buf_puts(b, "<section aria-labelledby=\"");
    mg_html_attr(b, id);
    mg_buf_puts(b, "\"><h2 id=\"");
    mg_html_attr(b, id);
    mg_buf_puts(b, "\">");
    mg_html_text(b, heading);
    mg_buf_puts(b, "</h2>\n");
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucune ligne de budget.</p></section>\n");
        return;
    }
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>");
    mg_html_text(b, heading);
    mg_buf_puts(b, " (en euros)</caption><thead><tr><th scope=\"col\">");
    mg_html_text(b, first);
    mg_buf_puts(b, "</th>");
    amount_heads(b);
    mg_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t k = 0; k < n; k++) {
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_text(b, t[k].label[0] ? t[k].label : "(sans axe)");
        mg_buf_puts(b, "</th>");
        amounts_cells(b, &t[k].a);
        mg_buf_puts(b, "</tr>\n");
    }
    mg_buf_puts(b, "</tbody><tfoot><tr><th scope=\"row\">Total</th>");
    amounts_cells(b, all);
    mg_buf_puts(b, "</tr></tfoot></table></div></section>\n");
}

static void date_fr(mg_buf *b, const char *iso)
{
    if (iso && strlen(iso) == 10) {
        char s[16];
        snprintf(s, sizeof s, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
        mg_html_text(b, s);
    } else
        mg_buf_puts(b, "—");
}

static void number(mg_buf *b, double v, int decimals)
{
    char s[64];
    mg_bilan_number(v, decimals, s, sizeof s);
    mg_html_text(b, s);
}

static void action_block(mg_buf *b, const mg_bilan *r, const mg_bilan_action *x, size_t k)
{
    mg_buf_printf(b, "<section aria-labelledby=\"action-%zu\" class=\"bilan-action\">"
                     "<h3 id=\"action-%zu\">", k, k);
    mg_html_text(b, x->a.title);
    if (x->a.is_example)
        mg_buf_puts(b, " <em>(exemple)</em>");
    mg_buf_puts(b, "</h3>\n<dl class=\"facts\">");
    if (r->dispositif) {
        mg_buf_puts(b, "<dt>Contrat</dt><dd>");
        mg_html_link_id(b, "/contrats/", x->contract_id, NULL);
        mg_html_text(b, x->contract_title);
        mg_buf_puts(b, "</a></dd>");
    }
    if (x->axis[0]) {
        mg_buf_puts(b, "<dt>Axe</dt><dd>");
        mg_html_text(b, x->axis);
        mg_buf_puts(b, "</dd>");
    }
    mg_buf_puts(b, "<dt>Statut</dt><dd>");
    mg_html_text(b, mg_action_status_label(x->a.status));
    if (x->a.late)
        mg_buf_puts(b, " (en retard)");
    mg_buf_puts(b, "</dd><dt>Période</dt><dd>");
    date_fr(b, x->a.starts_on);
    mg_buf_puts(b, " – ");
    date_fr(b, x->a.due_on);
    mg_buf_printf(b, "</dd><dt>Jalons réalisés</dt><dd>%zu sur %zu</dd>", x->milestones_done,
                  x->milestones);
    if (x->a.pilot_name[0]) {
        mg_buf_puts(b, "<dt>Pilote</dt><dd>");
        mg_html_text(b, x->a.pilot_name);
        mg_buf_puts(b, "</dd>");
    }
    if (x->a.objectives && x->a.objectives[0]) {
        mg_buf_puts(b, "<dt>Objectifs</dt><dd>");
        mg_html_text(b, x->a.objectives);
        mg_buf_puts(b, "</dd>");
    }
    mg_buf_puts(b, "</dl>\n");
    if (x->has_effect) {
        const mg_action_effect *e = &x->effect;
        mg_buf_printf(b, "<table><caption>Effet attendu sur l'accès (scénario, %zu communes "
                         "ciblées)</caption><thead><tr><td></td><th scope=\"col\">Avant</th>"
                         "<th scope=\"col\">Après</th></tr></thead><tbody>",
                      e->ncommunes);
        mg_buf_puts(b, "<tr><th scope=\"row\">APL moyenne</th><td class=\"num\">");
        number(b, e->mean_before, 2);
        mg_buf_puts(b, "</td><td class=\"num\">");
        number(b, e->mean_after, 2);
        mg_buf_puts(b, "</td></tr><tr><th scope=\"row\">Habitants sous le seuil</th>"
                       "<td class=\"num\">");
        number(b, e->below_before, 0);
        mg_buf_puts(b, "</td><td class=\"num\">");
        number(b, e->below_after, 0);
        mg_buf_puts(b, "</td></tr></tbody></table>\n<p>Habitants au-dessus du seuil grâce à "
                       "l'action : ");
        number(b, e->lifted, 0);
        if (e->cost_per_person == e->cost_per_person) {
            mg_buf_puts(b, " ; coût par habitant : ");
            number(b, e->cost_per_person, 0);
            mg_buf_puts(b, " €");
        }
        mg_buf_puts(b, ".</p>\n");
    }
    if (x->nfunders == 0) {
        mg_buf_puts(b, "<p>Aucune ligne de budget.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Budget de l'action par "
                       "financeur (en euros)</caption><thead><tr><th scope=\"col\">Financeur"
                       "</th>");
        amount_heads(b);
        mg_buf_puts(b, "</tr></thead><tbody>\n");
        for (size_t f = 0; f < x->nfunders; f++) {
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_text(b, x->funders[f].name);
            if (x->funders[f].is_example)
                mg_buf_puts(b, " <em>(exemple)</em>");
            mg_buf_puts(b, "</th>");
            amounts_cells(b, &x->funders[f].a);
            mg_buf_puts(b, "</tr>\n");
        }
        mg_buf_puts(b, "</tbody><tfoot><tr><th scope=\"row\">Total de l'action</th>");
        amounts_cells(b, &x->budget);
        mg_buf_puts(b, "</tr></tfoot></table></div>\n");
    }
    if (x->nindicators) {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Indicateurs de l'action</caption>"
                       "<thead><tr><th scope=\"col\">Indicateur</th><th scope=\"col\">Source"
                       "</th><th scope=\"col\">Première valeur</th><th scope=\"col\">Dernière "
                       "valeur</th><th scope=\"col\">Évolution</th><th scope=\"col\">Cible</th>"
                       "<th scope=\"col\">Sens</th><th scope=\"col\">Cible atteinte</th></tr>"
                       "</thead><tbody>\n");
        for (size_t i = 0; i < x->nindicators; i++) {
            const mg_bilan_indicator *ri = &x->indicators[i];
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_text(b, ri->ind.title);
            if (ri->ind.unit[0]) {
                mg_buf_puts(b, " (");
                mg_html_text(b, ri->ind.unit);
                mg_buf_puts(b, ")");
            }
            mg_buf_puts(b, "</th><td>");
            mg_html_text(b, mg_indicator_source_label(ri->ind.source));
            mg_buf_puts(b, "</td><td class=\"num\">");
            if (ri->has_values) {
                number(b, ri->first, 3);
                mg_buf_puts(b, " (");
                date_fr(b, ri->first_on);
                mg_buf_puts(b, ")</td><td class=\"num\">");
                number(b, ri->last, 3);
                mg_buf_puts(b, " (");
                date_fr(b, ri->last_on);
                mg_buf_puts(b, ")");
            } else {
                mg_buf_puts(b, "—</td><td class=\"num\">—");
            }
            mg_buf_puts(b, "</td><td class=\"num\">");
            if (ri->measured_change) {
                if (ri->change > 0)
                    mg_buf_puts(b, "+");
                else if (ri->change < 0)
                    mg_buf_puts(b, "−");
                number(b, ri->change < 0 ? -ri->change : ri->change, 3);
            } else if (ri->nvalues >= 2) {
                mg_buf_puts(b, "pas une évolution mesurée (mêmes données)");
            } else {
                mg_buf_puts(b, "—");
            }
            mg_buf_puts(b, "</td><td class=\"num\">");
            number(b, ri->ind.target, 3);
            mg_buf_puts(b, "</td><td>");
            mg_buf_puts(b, ri->ind.higher_is_better ? "plus haut, mieux" : "plus bas, mieux");
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, ri->met == 1 ? "oui" : ri->met == 0 ? "non" : "—");
            mg_buf_puts(b, "</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    mg_buf_puts(b, "</section>\n");
}

/* The body of a report page: figures, totals, the actions' table and one
 * block per action. `self` is the page's path (for the download links)
 * and `query_arg` its "?q=…" (may be "") */
static void report_body(mg_buf *b, const mg_bilan *r, const char *self, const char *q)
{
    const char *kv[] = {"q", q, NULL};
    mg_buf_puts(b, "<p class=\"downloads\">Télécharger : <a href=\"");
    char path[160];
    snprintf(path, sizeof path, "%s.pdf", self);
    mg_html_href(b, path, q ? kv : NULL, NULL);
    mg_buf_puts(b, "\">Bilan PDF</a> · <a href=\"");
    snprintf(path, sizeof path, "%s.xlsx", self);
    mg_html_href(b, path, q ? kv : NULL, NULL);
    mg_buf_puts(b, "\">Bilan XLSX</a></p>\n");

    mg_buf_printf(b, "<dl class=\"facts\"><dt>Actions</dt><dd>%zu</dd><dt>Réalisées</dt>"
                     "<dd>%zu</dd><dt>En cours</dt><dd>%zu</dd><dt>En retard</dt><dd>%zu</dd>"
                     "<dt>Budget prévu</dt><dd>",
                  r->nactions, r->by_status[MG_ACTION_DONE], r->by_status[MG_ACTION_IN_PROGRESS],
                  r->late);
    euros(b, r->total.planned);
    mg_buf_puts(b, "</dd><dt>Engagé</dt><dd>");
    euros(b, r->total.committed);
    mg_buf_puts(b, "</dd><dt>Payé</dt><dd>");
    euros(b, r->total.paid);
    mg_buf_puts(b, "</dd></dl>\n");
    mg_buf_puts(b, "<p class=\"note\">Budget : les lignes en cours (un avenant remplace une "
                   "ligne sans l'effacer). Indicateurs : première et dernière valeur par date ; "
                   "deux valeurs calculées par maillage à partir des mêmes données ne sont pas "
                   "une évolution mesurée.");
    if (r->example)
        mg_buf_puts(b, " Les montants, dates ou faits marqués « (exemple) » ne sont pas donnés "
                       "par les documents publics.");
    mg_buf_puts(b, "</p>\n");

    totals_table(b, "par-financeur", "Budget par financeur", "Financeur", r->by_funder,
                 r->nby_funder, &r->total);
    totals_table(b, "par-annee", "Budget par année", "Année", r->by_year, r->nby_year, &r->total);
    totals_table(b, "par-groupe", r->dispositif ? "Budget par contrat" : "Budget par axe",
                 r->dispositif ? "Contrat" : "Axe", r->by_group, r->nby_group, &r->total);

    mg_buf_puts(b, "<section aria-labelledby=\"actions\"><h2 id=\"actions\">Actions</h2>\n");
    if (r->nactions == 0) {
        mg_buf_puts(b, r->dispositif ? "<p>Aucune action ne correspond à la recherche.</p>\n"
                                     : "<p>Ce contrat n'a pas encore d'action.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Ce qui était prévu, ce qui a "
                       "été fait, ce que cela a coûté</caption><thead><tr>");
        mg_buf_puts(b, r->dispositif ? "<th scope=\"col\">Contrat</th>" : "");
        mg_buf_puts(b, "<th scope=\"col\">Action</th><th scope=\"col\">Statut</th>"
                       "<th scope=\"col\">Jalons réalisés</th>");
        amount_heads(b);
        mg_buf_puts(b, "</tr></thead><tbody>\n");
        for (size_t k = 0; k < r->nactions; k++) {
            const mg_bilan_action *x = &r->actions[k];
            mg_buf_puts(b, "<tr>");
            if (r->dispositif) {
                mg_buf_puts(b, "<td>");
                mg_html_text(b, x->contract_title);
                mg_buf_puts(b, "</td>");
            }
            mg_buf_printf(b, "<th scope=\"row\"><a href=\"#action-%zu\">", k);
            mg_html_text(b, x->a.title);
            mg_buf_puts(b, "</a></th><td>");
            mg_html_text(b, mg_action_status_label(x->a.status));
            if (x->a.late)
                mg_buf_puts(b, " (en retard)");
            mg_buf_printf(b, "</td><td class=\"num\">%zu / %zu</td>", x->milestones_done,
                          x->milestones);
            amounts_cells(b, &x->budget);
            mg_buf_puts(b, "</tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
        for (size_t k = 0; k < r->nactions; k++)
            action_block(b, r, &r->actions[k], k);
    }
    mg_buf_puts(b, "</section>\n");
}

/* --- A contract's bilan ------------------------------------------------------------- */

void web_contract_report_links(mg_buf *b, web_ctx *ctx, const web_contract_view *v)
{
    (void)ctx;
    char path[96];
    mg_buf_puts(b, "<section aria-labelledby=\"bilan\"><h2 id=\"bilan\">Bilan d'évaluation</h2>"
                   "\n<p>Pour chaque action : ce qui était prévu, ce qui a été fait, ce que cela "
                   "a coûté et ce qu'ont fait ses indicateurs.</p>\n<ul><li><a href=\"");
    snprintf(path, sizeof path, "/contrats/%lld/bilan", (long long)v->c.id);
    mg_html_href(b, path, NULL, NULL);
    mg_buf_puts(b, "\">Bilan</a></li><li><a href=\"");
    snprintf(path, sizeof path, "/contrats/%lld/bilan.pdf", (long long)v->c.id);
    mg_html_href(b, path, NULL, NULL);
    mg_buf_puts(b, "\">Bilan PDF</a></li><li><a href=\"");
    snprintf(path, sizeof path, "/contrats/%lld/bilan.xlsx", (long long)v->c.id);
    mg_html_href(b, path, NULL, NULL);
    mg_buf_puts(b, "\">Bilan XLSX</a></li><li><a href=\"/contrats/dispositif\">Bilan "
                   "d'un dispositif sur plusieurs contrats</a></li></ul></section>\n");
}

enum report_format { FORMAT_PAGE, FORMAT_PDF, FORMAT_XLSX };

/* Writes a built report in `fmt` as the answer; the filename's stem for
 * the downloads. */
static int answer(web_ctx *ctx, const mg_bilan *r, enum report_format fmt, const char *stem)
{
    mg_diag d = {{0}};
    int rc = fmt == FORMAT_PDF ? mg_bilan_pdf(r, &ctx->res->body, &d)
                               : mg_bilan_xlsx(r, &ctx->res->body, &d);
    if (rc) {
        mg_buf_reset(&ctx->res->body);
        if (d.msg[0])
            snprintf(ctx->res->log_detail, sizeof ctx->res->log_detail, "bilan: %.900s", d.msg);
        web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    ctx->res->content_type = fmt == FORMAT_PDF ? "application/pdf" : XLSX_TYPE;
    snprintf(ctx->res->disposition, sizeof ctx->res->disposition,
             "attachment; filename=\"%s.%s\"", stem, fmt == FORMAT_PDF ? "pdf" : "xlsx");
    return MG_OK;
}

static int contract_report(web_ctx *ctx, enum report_format fmt)
{
    web_contract_view v;
    if (!web_contract_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    mg_bilan r;
    mg_diag d = {{0}};
    int rc = mg_bilan_contract(ctx->app->db, v.c.id, effect_of, (void *)ctx->app, &r, &d);
    if (rc) {
        web_contract_view_clear(&v);
        web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    if (fmt != FORMAT_PAGE) {
        char stem[64];
        snprintf(stem, sizeof stem, "bilan-contrat-%lld", (long long)v.c.id);
        rc = answer(ctx, &r, fmt, stem);
    } else {
        mg_buf *b = &ctx->res->body;
        char title[1024], self[64];
        mg_bilan_title(&r, title, sizeof title);
        web_page_begin(b, ctx, title, "contrats");
        web_contract_crumbs(b, &v.c);
        mg_buf_puts(b, "<h1>");
        mg_html_text(b, title);
        if (v.c.is_example)
            mg_buf_puts(b, " <em>(exemple)</em>");
        mg_buf_puts(b, "</h1>\n<p>");
        mg_html_text(b, mg_contract_kind_label(v.c.kind));
        mg_buf_puts(b, " porté par ");
        mg_html_text(b, v.c.lead_name);
        mg_buf_puts(b, " · ");
        mg_html_text(b, mg_contract_status_label(v.c.status));
        mg_buf_puts(b, " · période ");
        date_fr(b, v.c.starts_on);
        mg_buf_puts(b, " – ");
        date_fr(b, v.c.ends_on);
        mg_buf_puts(b, "</p>\n");
        snprintf(self, sizeof self, "/contrats/%lld/bilan", (long long)v.c.id);
        report_body(b, &r, self, NULL);
        web_page_end(b);
        rc = web_done(ctx);
    }
    mg_bilan_free(&r);
    web_contract_view_clear(&v);
    return rc;
}

static int contract_page(web_ctx *ctx)
{
    return contract_report(ctx, FORMAT_PAGE);
}

static int contract_pdf(web_ctx *ctx)
{
    return contract_report(ctx, FORMAT_PDF);
}

static int contract_xlsx(web_ctx *ctx)
{
    return contract_report(ctx, FORMAT_XLSX);
}

/* --- A dispositif across contracts ----------------------------------------------- */

/* The ids of the contracts the actor sees (led by or shown to its
 * organisations, each checked with its viewers), into a new array. */
static int visible_contracts(web_ctx *ctx, int64_t **ids_out, size_t *n_out, mg_diag *d)
{
    *ids_out = NULL;
    *n_out = 0;
    int64_t orgs[MG_AUTH_MEMBERSHIPS_MAX];
    size_t norgs = mg_auth_orgs_where(ctx->actor, MG_AUTH_VIEW, MG_AUTH_OBJ_CONTRACT, orgs,
                                      MG_AUTH_MEMBERSHIPS_MAX);
    if (norgs == 0)
        return MG_OK;
    mg_contract *led = NULL, *seen = NULL;
    size_t nled = 0, nseen = 0;
    int rc = mg_contract_list(ctx->app->db, orgs, norgs, &led, &nled, NULL, d);
    if (rc == MG_OK)
        rc = mg_contract_list_seen_by(ctx->app->db, orgs, norgs, &seen, &nseen, NULL, d);
    int64_t *ids = NULL;
    size_t n = 0;
    if (rc == MG_OK && nled + nseen) {
        ids = malloc((nled + nseen) * sizeof *ids);
        if (!ids)
            rc = MG_ENOMEM;
    }
    for (size_t k = 0; rc == MG_OK && k < nled + nseen && n < MG_BILAN_CONTRACTS_MAX; k++) {
        const mg_contract *c = k < nled ? &led[k] : &seen[k - nled];
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = ids[j] == c->id;
        if (dup)
            continue;
        web_contract_view v = {.c = *c};
        rc = mg_contract_viewers(ctx->app->db, c->id, v.viewers, WEB_CONTRACT_VIEWERS_MAX,
                                 &v.nviewers, d);
        if (rc == MG_ENOTFOUND) {
            rc = MG_OK;
            continue;
        }
        mg_auth_object o = web_contract_object(&v);
        if (rc == MG_OK && web_can(ctx, MG_AUTH_VIEW, &o))
            ids[n++] = c->id;
    }
    free(led);
    free(seen);
    if (rc) {
        free(ids);
        return rc;
    }
    *ids_out = ids;
    *n_out = n;
    return MG_OK;
}

static void dispositif_form(mg_buf *b, const char *q, const char *error)
{
    mg_buf_puts(b, "<form method=\"get\" action=\"/contrats/dispositif\" "
                   "class=\"search\"><p><label for=\"q\">Actions dont l'intitulé ou la "
                   "description contient</label> <input type=\"search\" id=\"q\" name=\"q\" "
                   "maxlength=\"100\" required value=\"");
    mg_html_attr(b, q ? q : "");
    mg_buf_puts(b, "\"");
    if (error)
        mg_buf_puts(b, " aria-invalid=\"true\" aria-describedby=\"q-error\"");
    mg_buf_puts(b, "> <button type=\"submit\">Établir le bilan</button></p>\n");
    if (error) {
        mg_buf_puts(b, "<p class=\"error\" id=\"q-error\">");
        mg_html_text(b, error);
        mg_buf_puts(b, "</p>\n");
    }
    mg_buf_puts(b, "</form>\n");
}

static int dispositif_report(web_ctx *ctx, enum report_format fmt)
{
    const char *q = mg_http_query(ctx->req, "q");
    mg_diag d = {{0}};
    int rc = MG_OK;
    bool asked = q && q[0];
    if (asked || fmt != FORMAT_PAGE)
        rc = mg_bilan_query_check(q, &d);
    if (rc) {
        ctx->res->status = 400;
        if (fmt != FORMAT_PAGE) {
            mg_http_error(ctx->req, ctx->res, 400, d.msg);
            return MG_OK;
        }
    }
    mg_bilan r = {0};
    bool built = false;
    if (rc == MG_OK && asked) {
        int64_t *ids = NULL;
        size_t n = 0;
        int rc2 = visible_contracts(ctx, &ids, &n, &d);
        if (rc2 == MG_OK)
            rc2 = mg_bilan_dispositif(ctx->app->db, ids, n, q, effect_of, (void *)ctx->app, &r,
                                      &d);
        free(ids);
        if (rc2) {
            web_storage_error(ctx->req, ctx->res, rc2, &d, CONTRACT_NOT_FOUND, READ_FAILED);
            return MG_OK;
        }
        built = true;
    }
    if (fmt != FORMAT_PAGE) {
        rc = answer(ctx, &r, fmt, "bilan-dispositif");
        mg_bilan_free(&r);
        return rc;
    }
    mg_buf *b = &ctx->res->body;
    char title[1024];
    if (built)
        mg_bilan_title(&r, title, sizeof title);
    else
        snprintf(title, sizeof title, "Bilan d'un dispositif");
    web_page_begin(b, ctx, title, "contrats");
    web_contract_crumbs(b, NULL);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, title);
    mg_buf_puts(b, "</h1>\n<p>Le bilan des actions d'un même dispositif (la télémédecine, "
                   "l'aller-vers…) dans tous les contrats que vous voyez : ce qui était prévu, "
                   "ce qui a été fait, ce que cela a coûté, ce qu'ont fait les indicateurs.</p>\n");
    dispositif_form(b, q, rc ? d.msg : NULL);
    if (built) {
        char line[256];
        snprintf(line, sizeof line, "%zu action%s dans %zu contrat%s, sur %zu contrat%s consulté%s.",
                 r.nactions, r.nactions > 1 ? "s" : "", r.ncontracts, r.ncontracts > 1 ? "s" : "",
                 r.searched, r.searched > 1 ? "s" : "", r.searched > 1 ? "s" : "");
        mg_buf_puts(b, "<p>");
        mg_html_text(b, line);
        mg_buf_puts(b, "</p>\n");
        report_body(b, &r, "/contrats/dispositif", q);
    }
    web_page_end(b);
    mg_bilan_free(&r);
    return web_done(ctx);
}

static int dispositif_page(web_ctx *ctx)
{
    return dispositif_report(ctx, FORMAT_PAGE);
}

static int dispositif_pdf(web_ctx *ctx)
{
    return dispositif_report(ctx, FORMAT_PDF);
}

static int dispositif_xlsx(web_ctx *ctx)
{
    return dispositif_report(ctx, FORMAT_XLSX);
}

const web_route web_routes_contract_report[] = {
    /* the fixed paths first: "dispositif" is not an id (and app.c tries this
     * table before the contract pages' /contrats/{id}) */
    {"GET", "/contrats/dispositif", dispositif_page, WEB_ACCOUNT, 0},
    {"GET", "/contrats/dispositif.pdf", dispositif_pdf, WEB_ACCOUNT, 0},
    {"GET", "/contrats/dispositif.xlsx", dispositif_xlsx, WEB_ACCOUNT, 0},
    {"GET", "/contrats/{id}/bilan", contract_page, WEB_ANYONE, 0},
    {"GET", "/contrats/{id}/bilan.pdf", contract_pdf, WEB_ANYONE, 0},
    {"GET", "/contrats/{id}/bilan.xlsx", contract_xlsx, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
