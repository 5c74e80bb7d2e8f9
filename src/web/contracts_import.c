/*
 * Importing an action plan from a spreadsheet into a contract
 * (contracts/import.h; the layout in docs/contracts.md, "Importing a
 * plan"): the section of the contract's page with the upload form, the
 * POST that imports (or only checks) the file, and the template CSV.
 *
 * The form is multipart/form-data (http/http.h: mg_http_upload for the
 * file, mg_http_form for the CSRF token and the dry-run box). Rights: who
 * may edit the contract (web_contract_load with MG_AUTH_EDIT). A refused
 * file answers 400 with the report of every refused row (line, column,
 * message) and the form again; nothing was written. A dry run answers 200
 * with the report; an import answers 303 to the contract, whose section
 * then says what was created (?importe=axes-actions-participants-lines).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/import.h"
#include "web/contracts_web.h"
#include "web/web.h"

static const char CONTRACT_NOT_FOUND[] = "Ce contrat n'existe pas.";
static const char IMPORT_FAILED[] = "L'import n'a pas pu être enregistré.";

/* The upload form; `dry` keeps the dry-run box as it was sent (a file
 * input cannot be given back: the person chooses the file again). */
static void import_form(mg_buf *b, web_ctx *ctx, const web_contract_view *v, bool dry)
{
    mg_buf_printf(b,
                  "<form method=\"post\" action=\"/contrats/%lld/import\" "
                  "enctype=\"multipart/form-data\">\n",
                  (long long)v->c.id);
    web_csrf_field(b, ctx);
    mg_buf_puts(b,
                "<p><label for=\"import-fichier\">Fichier du plan (XLSX ou CSV, 10 Mio au "
                "plus)</label>\n<input type=\"file\" id=\"import-fichier\" name=\"fichier\" "
                "required accept=\".xlsx,.csv,text/csv,application/"
                "vnd.openxmlformats-officedocument.spreadsheetml.sheet\" "
                "aria-describedby=\"import-aide\"></p>\n"
                "<p><input type=\"checkbox\" id=\"import-essai\" name=\"essai\" value=\"1\"");
    if (dry)
        mg_buf_puts(b, " checked");
    mg_buf_puts(b, ">\n<label for=\"import-essai\">Vérifier seulement, sans rien enregistrer"
                   "</label></p>\n<p><button type=\"submit\">Importer le plan</button></p>\n"
                   "</form>\n");
}

/* What the layout expects, for the section and the refusal page. */
static void layout_help(mg_buf *b)
{
    mg_buf_puts(
        b,
        "<p id=\"import-aide\">Une ligne par ligne budgétaire ; les lignes qui nomment le même "
        "axe, sous-axe et action décrivent une seule action (laissez vides ou identiques ses "
        "autres colonnes sur les lignes répétées). Tout est importé, ou rien : chaque ligne "
        "refusée est signalée avec sa colonne. <a href=\"/contrats/modele-import.csv\" "
        "download>Télécharger le modèle CSV</a>.</p>\n"
        "<details><summary>Colonnes attendues</summary>\n<ul>\n"
        "<li><code>axe</code>, <code>sous_axe</code> : titres (créés s'ils manquent au "
        "contrat)</li>\n"
        "<li><code>action</code> (obligatoire), <code>description</code>, "
        "<code>objectifs</code>, <code>publics</code></li>\n"
        "<li><code>pilote</code>, <code>partenaires</code> (séparés par « | ») : organisations "
        "déjà connues, par leur nom ou leur SIRET ; <code>contact</code> : la fonction de la "
        "personne à joindre chez le pilote, sans nom</li>\n"
        "<li><code>statut</code> (à venir, en cours, réalisée, en pause, abandonnée), "
        "<code>debut</code>, <code>fin</code> (JJ/MM/AAAA), <code>priorite</code> (1 à 3), "
        "<code>communes</code> (epci:SIREN ou communes:CODE,…)</li>\n"
        "<li><code>financeur</code>, <code>annee</code>, <code>nature</code> (investissement "
        "ou fonctionnement), <code>prevu</code>, <code>engage</code>, <code>verse</code> "
        "(en euros)</li>\n"
        "<li><code>exemple</code> (oui ou non) : des faits donnés pour l'exemple</li>\n"
        "</ul>\n<p>Les en-têtes se lisent sans tenir compte des majuscules ni des accents, "
        "dans n'importe quel ordre ; une colonne inconnue est refusée.</p>\n</details>\n");
}

/* The notice of an import just made: ?importe=A-B-C-D (axes, actions,
 * participants, budget lines), numbers only. */
/* "3 actions", "1 action": a count and its noun (with its plural "s"s
 * for n > 1: `one` and `many` are the two spellings). */
static void count_of(mg_buf *b, size_t n, const char *one, const char *many)
{
    mg_buf_printf(b, "%zu ", n);
    mg_html_text(b, n > 1 ? many : one);
}

/* What a plan of these counts creates, in words. */
static void created_counts(mg_buf *b, size_t actions, size_t axes, size_t participants,
                           size_t lines)
{
    count_of(b, actions, "action", "actions");
    mg_buf_puts(b, ", ");
    count_of(b, axes, "axe ou sous-axe", "axes ou sous-axes");
    mg_buf_puts(b, ", ");
    count_of(b, participants, "pilote et partenaire", "pilotes et partenaires");
    mg_buf_puts(b, ", ");
    count_of(b, lines, "ligne budgétaire", "lignes budgétaires");
}

/* The notice after an import: ?importe=AXES-ACTIONS-PARTICIPANTS-LINES. */
static void import_notice(mg_buf *b, web_ctx *ctx)
{
    const char *q = mg_http_query(ctx->req, "importe");
    int64_t n[4];
    size_t k = 0;
    for (const char *p = q; p && k < 4; k++) {
        const char *dash = strchr(p, '-');
        size_t len = dash ? (size_t)(dash - p) : strlen(p);
        if (mg_parse_c_int(p, len, 0, 1000000, &n[k], NULL) != 0 || (k < 3) != (dash != NULL))
            return;
        p = dash ? dash + 1 : NULL;
    }
    if (k != 4)
        return;
    mg_buf_puts(b, "<p class=\"notice\" role=\"status\">Plan importé : ");
    created_counts(b, (size_t)n[1], (size_t)n[0], (size_t)n[2], (size_t)n[3]);
    mg_buf_puts(b, " créés.</p>\n");
}

void web_contract_import_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v)
{
    if (!v || !v->may_edit_contract)
        return;
    mg_buf_puts(b, "<section aria-labelledby=\"import\"><h2 id=\"import\">Importer un plan "
                   "d'actions (XLSX ou CSV)</h2>\n");
    import_notice(b, ctx);
    layout_help(b);
    import_form(b, ctx, v, false);
    mg_buf_puts(b, "</section>\n");
}

static void report_table(mg_buf *b, const mg_import_report *rep)
{
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>");
    mg_html_text(b, rep->refused ? "Lignes refusées et lignes du plan" : "Lignes du plan");
    mg_buf_puts(b, " (");
    mg_html_text(b, rep->file);
    mg_buf_puts(b, ")</caption><thead><tr><th scope=\"col\">Ligne</th><th scope=\"col\">"
                   "Colonne</th><th scope=\"col\">État</th><th scope=\"col\">Message</th>"
                   "</tr></thead><tbody>\n");
    for (size_t i = 0; i < rep->n; i++) {
        const mg_import_row *r = &rep->rows[i];
        if (r->line)
            mg_buf_printf(b, "<tr><td>%lu</td><td>", r->line);
        else
            mg_buf_puts(b, "<tr><td>fichier</td><td>");
        mg_html_text(b, r->column);
        if (r->field[0]) {
            mg_buf_puts(b, r->column[0] ? " (" : "(");
            mg_html_text(b, r->field);
            mg_buf_puts(b, ")");
        }
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, mg_import_status_label(rep, r->status));
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, r->message);
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
}

/* The page of a refused import or of a dry run. */
static int report_page(web_ctx *ctx, const web_contract_view *v, const mg_import_report *rep,
                       const char *alert)
{
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Importer un plan d'actions", "contrats");
    web_contract_crumbs(b, &v->c);
    mg_buf_puts(b, "<h1>Importer un plan d'actions (XLSX ou CSV)</h1>\n");
    if (alert) {
        mg_buf_puts(b, "<p class=\"error\" role=\"alert\">");
        mg_html_text(b, alert);
        mg_buf_puts(b, "</p>\n");
    } else if (rep && rep->refused) {
        mg_buf_puts(b, "<p class=\"error\" role=\"alert\">Le plan n'a pas été importé : ");
        count_of(b, rep->refused, "ligne refusée", "lignes refusées");
        mg_buf_puts(b, ". Rien n'a été enregistré ; corrigez le fichier et envoyez-le de "
                       "nouveau.</p>\n");
    } else if (rep) {
        mg_buf_puts(b, "<p class=\"notice\" role=\"status\">Vérification faite, rien n'a été "
                       "enregistré : le fichier créerait ");
        created_counts(b, rep->actions, rep->axes, rep->participants, rep->budget_lines);
        mg_buf_puts(b, ".</p>\n");
    }
    if (rep && rep->n)
        report_table(b, rep);
    mg_buf_puts(b, "<h2>Envoyer un fichier</h2>\n");
    layout_help(b);
    const char *essai = mg_http_form(ctx->req, "essai");
    import_form(b, ctx, v, essai && *essai);
    mg_buf_printf(b, "<p><a href=\"/contrats/%lld\">Retour au contrat</a></p>\n",
                  (long long)v->c.id);
    web_page_end(b);
    return web_done(ctx);
}

static int import_post(web_ctx *ctx)
{
    web_contract_view *v = calloc(1, sizeof *v);
    if (!v)
        return MG_ENOMEM;
    if (!web_contract_load(ctx, MG_AUTH_EDIT, v)) {
        free(v);
        return MG_OK;
    }
    const char *data = NULL, *fname = NULL;
    size_t len = 0;
    int rc = mg_http_upload(ctx->req, "fichier", &data, &len, &fname);
    if (rc == MG_ENOMEM) {
        web_contract_view_clear(v);
        free(v);
        return rc;
    }
    if (rc != 0 || len == 0) {
        ctx->res->status = 400;
        rc = report_page(ctx, v, NULL,
                         rc == 0 && fname && *fname
                             ? "Le fichier envoyé est vide."
                             : "Choisissez le fichier du plan (XLSX ou CSV) à importer.");
        web_contract_view_clear(v);
        free(v);
        return rc;
    }
    const char *essai = mg_http_form(ctx->req, "essai");
    bool dry = essai && *essai;
    mg_import_report rep;
    mg_import_report_init(&rep, fname && *fname ? fname : "plan");
    mg_contract_import *im = NULL;
    mg_diag d = {{0}};
    rc = mg_contract_import_read(rep.file, data, len, &im, &rep, &d);
    if (im && (rc == 0 || rc == MG_EINVAL))
        rc = mg_contract_import_apply(ctx->app->db, ctx->actor->account_id, v->c.id, im, dry,
                                      &rep, &d);
    mg_contract_import_free(im);
    if (rc == 0 && !dry) {
        char path[160];
        snprintf(path, sizeof path, "/contrats/%lld?importe=%zu-%zu-%zu-%zu#import",
                 (long long)v->c.id, rep.axes, rep.actions, rep.participants, rep.budget_lines);
        mg_http_redirect(ctx->res, path);
    } else if (rc == 0 || rc == MG_EINVAL || rc == MG_EPARSE || rc == MG_EUTF8 ||
               rc == MG_ELIMIT) {
        ctx->res->status = rc == 0 ? 200 : 400;
        rc = report_page(ctx, v, &rep, NULL);
    } else {
        web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, IMPORT_FAILED);
        rc = MG_OK;
    }
    mg_import_report_free(&rep);
    web_contract_view_clear(v);
    free(v);
    return rc;
}

/* The template: the layout's header and two example rows. */
static int template_csv(web_ctx *ctx)
{
    mg_http_response *res = ctx->res;
    const char *t = mg_contract_import_template_csv();
    if (mg_buf_append(&res->body, t, strlen(t)) != 0) /* lint-ok: a CSV body, not HTML */
        return MG_ENOMEM;
    res->content_type = "text/csv; charset=utf-8";
    snprintf(res->disposition, sizeof res->disposition,
             "attachment; filename=\"modele-plan-actions.csv\"");
    res->compressible = true;
    return MG_OK;
}

const web_route web_routes_contract_import[] = {
    {"GET", "/contrats/modele-import.csv", template_csv, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/import", import_post, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
