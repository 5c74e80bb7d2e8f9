/*
 * What follows a grant, in the pages of the single window
 * (funding/aftergrant.h): the section of the request's page with, for
 * each granted part, the amounts granted, paid and left to pay, the
 * agreement's PDF, the payments and, for who instructs the part, the form
 * recording a payment; the final report's status. The page of the final
 * report (the CERFA "compte rendu financier": the actual amount beside
 * each planned line of the budget), a form for the applicant's writers
 * and read-only for the others who see the request; a co-funder's list of
 * the reports late or due within a month.
 *
 * Rights: a payment by who instructs the part (INSTRUCT with its {fid}),
 * the report by the applicant's writers (EDIT), the late list by the
 * co-funder's members (MG_AUTH_OBJ_SUBSIDY_FUNDER, VIEW). A refused form
 * comes back, status 400, with what was typed and each sentence beside its
 * field; a success answers 303.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "directory/holidays.h"
#include "funding/aftergrant.h"
#include "funding/funding.h"
#include "funding/instruction.h"
#include "parse/parse.h"
#include "web/form.h"
#include "web/funding_web.h"
#include "web/web.h"

#define NFIELDS(a) (sizeof(a) / sizeof *(a))

static const char READ_FAILED[] = "Les versements et le compte rendu n'ont pas pu être lus.";
static const char SAVE_FAILED[] = "L'enregistrement n'a pas pu être fait.";
static const char PART_NOT_FOUND[] = "Ce cofinanceur n'a pas de part dans cette demande.";
static const char NO_REPORT[] =
    "Cette demande n'a pas de compte rendu financier : aucune de ses parts n'est accordée.";
static const char FUNDER_NOT_FOUND[] = "Cet organisme n'existe pas.";

enum {
    EXTRA_LINES = 3,               /* lines of the report outside the budget's */
    ROWS_MAX = MG_SUBSIDY_LINES_MAX + EXTRA_LINES,
    DUE_SOON_DAYS = 30,            /* the late list shows what is due within this */
};

/* --- Small pieces ------------------------------------------------------------------------- */

static void euros(mg_buf *b, int64_t cents)
{
    char s[64];
    mg_budget_format_cents(cents, s, sizeof s);
    mg_html_text(b, s);
}

/* "15/03/2026" from "2026-03-15" (anything else as it is). */
static void french_date(mg_buf *b, const char *iso)
{
    if (iso && strlen(iso) >= 10 && iso[4] == '-' && iso[7] == '-') {
        char s[16];
        snprintf(s, sizeof s, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
        mg_html_text(b, s);
    } else {
        mg_html_text(b, iso ? iso : "");
    }
}

/* The Paris day `days` from now, ISO. */
static void paris_day(int days, char out[static 11])
{
    int y = 1970, m = 1, d = 1, minute = 0;
    if (mg_paris_civil((int64_t)time(NULL) + (int64_t)days * 86400, &y, &m, &d, &minute) < 0)
        y = 1970, m = 1, d = 1;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t day_number(const mg_date *dt)
{
    int64_t y = dt->year - (dt->month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (dt->month + (dt->month > 2 ? -3 : 9)) + 2) / 5 + dt->day - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* Whole days from ISO day a to ISO day b (b - a); 0 when unreadable. */
static int days_between(const char *a, const char *b)
{
    mg_date x, y;
    mg_parse_error why;
    char da[11], db[11];
    snprintf(da, sizeof da, "%.10s", a ? a : "");
    snprintf(db, sizeof db, "%.10s", b ? b : "");
    if (mg_parse_date(da, &x, &why) != 0 || mg_parse_date(db, &y, &why) != 0)
        return 0;
    return (int)(day_number(&y) - day_number(&x));
}

/* " jour" or " jours" after a count. */
static void days_word(mg_buf *b, int n)
{
    if (n > 1 || n < -1)
        mg_buf_puts(b, " jours");
    else
        mg_buf_puts(b, " jour");
}

static void request_path(char *out, size_t cap, int64_t id)
{
    snprintf(out, cap, "/guichet/demandes/%lld", (long long)id);
}

static void alert(mg_buf *b, const char *msg)
{
    mg_buf_puts(b, "<p class=\"error\" role=\"alert\">");
    mg_html_text(b, msg);
    mg_buf_puts(b, "</p>\n");
}

/* The report's situation in a sentence: filed, late, due. */
static void report_status(mg_buf *b, const mg_subsidy_report *r, const char *today)
{
    if (r->filed_at[0]) {
        mg_buf_puts(b, "Déposé le ");
        french_date(b, r->filed_at);
        mg_buf_puts(b, " (attendu le ");
        french_date(b, r->due_on);
        mg_buf_puts(b, ").");
        return;
    }
    int late = days_between(r->due_on, today);
    mg_buf_puts(b, "Attendu le ");
    french_date(b, r->due_on);
    if (late > 0) {
        mg_buf_printf(b, " : <strong>en retard de %d", late);
        days_word(b, late);
        mg_buf_puts(b, "</strong>.");
    } else if (late == 0) {
        mg_buf_puts(b, " : attendu aujourd'hui.");
    } else {
        mg_buf_printf(b, ", dans %d", -late);
        days_word(b, late);
        mg_buf_puts(b, " ; pas encore déposé.");
    }
}

/* --- The payment form ---------------------------------------------------------------------- */

#define AMOUNT_HINT "En euros, par exemple 12 500 ou 1 234,56."

enum { P_PAID_ON, P_AMOUNT, P_CONDITIONS };
static const web_field pay_fields[] = {
    [P_PAID_ON] = {.name = "paid_on", .label = "Date du versement", .kind = WEB_FIELD_TEXT,
                   .required = true, .max = 16, .input_type = "date",
                   .hint = "Par exemple 15/03/2026 ; pas avant la décision.",
                   .autocomplete = "off"},
    [P_AMOUNT] = {.name = "amount", .label = "Montant versé", .kind = WEB_FIELD_TEXT,
                  .required = true, .max = 40,
                  .hint = AMOUNT_HINT " Pas plus que le reste à verser.", .autocomplete = "off"},
    [P_CONDITIONS] = {.name = "conditions", .label = "Conditions remplies", .kind = WEB_FIELD_TEXT,
                      .max = 500,
                      .hint = "Ce qui justifie ce versement (convention signée, justificatifs "
                              "reçus…).",
                      .autocomplete = "off"},
};

/* The form of co-funder fid's part (its own field ids on the page). */
static void pay_form_render(mg_buf *b, web_ctx *ctx, int64_t request_id, int64_t fid,
                            const web_form_input *in)
{
    char id[48], path[128];
    snprintf(id, sizeof id, "versement-%lld", (long long)fid);
    snprintf(path, sizeof path, "/guichet/demandes/%lld/parts/%lld/paiements",
             (long long)request_id, (long long)fid);
    web_form f = {id, pay_fields, NFIELDS(pay_fields), "Enregistrer le versement", NULL};
    web_form_input cur;
    if (in) {
        cur = *in;
        cur.form = &f;
        in = &cur;
    }
    web_form_render(b, &f, in, "post", path, NULL, web_csrf(ctx));
}

static void payments_table(mg_buf *b, const mg_subsidy_payment *p, size_t n, const char *funder)
{
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Versements de ");
    mg_html_text(b, funder);
    mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Versement</th>"
                   "<th scope=\"col\">Date</th><th scope=\"col\">Montant</th>"
                   "<th scope=\"col\">Conditions remplies</th></tr></thead><tbody>\n");
    for (size_t k = 0; k < n; k++) {
        mg_buf_printf(b, "<tr><th scope=\"row\">%d", p[k].instalment);
        if (p[k].instalment == 1)
            mg_buf_puts(b, "<sup>er</sup></th><td>");
        else
            mg_buf_puts(b, "<sup>e</sup></th><td>");
        french_date(b, p[k].paid_on);
        mg_buf_puts(b, "</td><td class=\"num\">");
        euros(b, p[k].amount_cents);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, p[k].conditions);
        if (p[k].is_example)
            mg_buf_puts(b, " <span class=\"tag\">exemple</span>");
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
}

/* One granted part: its amounts, agreement, payments and form. */
static void part_block(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v,
                       const mg_subsidy_part *pt)
{
    mg_buf_printf(b, "<h3 id=\"versements-%lld\">", (long long)pt->funder_id);
    mg_html_text(b, pt->funder_name);
    mg_buf_puts(b, "</h3>\n<dl class=\"facts\"><dt>Accordé</dt><dd>");
    euros(b, pt->granted_cents);
    mg_buf_puts(b, "</dd><dt>Versé</dt><dd>");
    euros(b, pt->paid_cents);
    mg_buf_puts(b, "</dd><dt>Reste à verser</dt><dd>");
    euros(b, pt->granted_cents - pt->paid_cents);
    mg_buf_puts(b, "</dd></dl>\n<p><a href=\"");
    char path[128];
    snprintf(path, sizeof path, "/guichet/demandes/%lld/parts/%lld/convention.pdf",
             (long long)v->r.id, (long long)pt->funder_id);
    mg_html_attr(b, path);
    mg_buf_puts(b, "\">Convention de financement de ");
    mg_html_text(b, pt->funder_name);
    mg_buf_puts(b, " (PDF)</a>");
    if (pt->agreement_on[0]) {
        mg_buf_puts(b, ", produite le ");
        french_date(b, pt->agreement_on);
    }
    mg_buf_puts(b, "</p>\n");
    mg_subsidy_payment *p = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    if (mg_subsidy_payments(ctx->app->db, v->r.id, pt->funder_id, &p, &n, &d)) {
        fprintf(stderr, "aftergrant: payments of request %lld: %s\n", (long long)v->r.id, d.msg);
        alert(b, READ_FAILED);
    } else if (n == 0) {
        mg_buf_puts(b, "<p>Aucun versement enregistré.</p>\n");
    } else {
        payments_table(b, p, n, pt->funder_name);
    }
    free(p);
    if (web_subsidy_instructs(v, pt->funder_id) && pt->paid_cents < pt->granted_cents) {
        mg_buf_printf(b, "<h4 id=\"versement-titre-%lld\">Enregistrer un versement</h4>\n",
                      (long long)pt->funder_id);
        pay_form_render(b, ctx, v->r.id, pt->funder_id, NULL);
    }
}

void web_subsidy_aftergrant_section(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v)
{
    if (!b || !ctx || !v)
        return;
    mg_subsidy_part *parts = NULL;
    size_t n = 0, granted = 0;
    mg_diag d = {{0}};
    if (mg_subsidy_parts(ctx->app->db, v->r.id, &parts, &n, &d)) {
        fprintf(stderr, "aftergrant: parts of request %lld: %s\n", (long long)v->r.id, d.msg);
        alert(b, READ_FAILED);
        return;
    }
    for (size_t k = 0; k < n; k++)
        granted += parts[k].state == MG_PART_GRANTED;
    if (!granted) {
        free(parts);
        return;
    }
    mg_buf_puts(b, "<section aria-labelledby=\"versements\"><h2 id=\"versements\">"
                   "Conventions et versements</h2>\n");
    for (size_t k = 0; k < n; k++)
        if (parts[k].state == MG_PART_GRANTED)
            part_block(b, ctx, v, &parts[k]);
    free(parts);
    mg_buf_puts(b, "<h3 id=\"compte-rendu\">Compte rendu financier</h3>\n");
    mg_subsidy_report r;
    int rc = mg_subsidy_report_get(ctx->app->db, v->r.id, &r, &d);
    if (rc) {
        fprintf(stderr, "aftergrant: report of request %lld: %s\n", (long long)v->r.id, d.msg);
        alert(b, READ_FAILED);
    } else {
        char today[11];
        mg_contract_today(today);
        mg_buf_puts(b, "<p>");
        report_status(b, &r, today);
        mg_buf_puts(b, "</p>\n<p>");
        mg_html_link_id(b, "/guichet/demandes/", v->r.id, "/compte-rendu");
        mg_html_text(b, v->may_edit && !r.filed_at[0] ? "Saisir le compte rendu financier"
                                                      : "Voir le compte rendu financier");
        mg_buf_puts(b, "</a></p>\n");
        mg_subsidy_report_clear(&r);
    }
    mg_buf_puts(b, "</section>\n");
}

/* --- POST …/parts/{fid}/paiements ------------------------------------------------------------ */

static int pay_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_INSTRUCT, &v))
        return MG_OK;
    int64_t fid = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "fid"), INT64_MAX, &fid, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, PART_NOT_FOUND);
        web_subsidy_view_clear(&v);
        return MG_OK;
    }
    mg_subsidy_part pt;
    mg_diag d = {{0}};
    int rc = mg_subsidy_part_get(ctx->app->db, v.r.id, fid, &pt, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, PART_NOT_FOUND, READ_FAILED);
        web_subsidy_view_clear(&v);
        return MG_OK;
    }
    web_form f = {"versement", pay_fields, NFIELDS(pay_fields), "Enregistrer le versement", NULL};
    web_form_input in;
    web_form_read(&f, ctx->req, &in);
    char msg[sizeof d.msg] = "";
    if (in.nerrors == 0) {
        mg_subsidy_errors errs = {0};
        rc = mg_subsidy_pay(ctx->app->db, ctx->actor->account_id, v.r.id, fid, in.raw[P_PAID_ON],
                            in.raw[P_AMOUNT], in.raw[P_CONDITIONS], NULL, &errs, &d);
        if (rc == 0) {
            char to[128];
            snprintf(to, sizeof to, "/guichet/demandes/%lld#versements-%lld", (long long)v.r.id,
                     (long long)fid);
            mg_http_redirect(ctx->res, to);
            web_subsidy_view_clear(&v);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, PART_NOT_FOUND, SAVE_FAILED);
            web_subsidy_view_clear(&v);
            return MG_OK;
        }
        for (size_t k = 0; k < errs.n && k < MG_SUBSIDY_ERRORS_MAX; k++) {
            if (web_form_field(&f, errs.e[k].field) >= 0)
                web_form_refuse(&in, errs.e[k].field, errs.e[k].msg);
            else if (!msg[0])
                snprintf(msg, sizeof msg, "%s", errs.e[k].msg);
        }
        if (!errs.n)
            snprintf(msg, sizeof msg, "%s", d.msg);
    }
    ctx->res->status = 400;
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Enregistrer un versement", "guichet");
    web_subsidy_crumbs(b, &v.r);
    mg_buf_puts(b, "<h1>Enregistrer un versement</h1>\n<p>");
    char path[64];
    request_path(path, sizeof path, v.r.id);
    mg_buf_puts(b, "<a href=\"");
    mg_html_attr(b, path);
    mg_buf_puts(b, "\">");
    mg_html_text(b, v.r.title[0] ? v.r.title : "Demande sans titre");
    mg_buf_puts(b, "</a> — ");
    mg_html_text(b, pt.funder_name);
    mg_buf_puts(b, " : accordé ");
    euros(b, pt.granted_cents);
    mg_buf_puts(b, ", versé ");
    euros(b, pt.paid_cents);
    mg_buf_puts(b, ", reste à verser ");
    euros(b, pt.granted_cents - pt.paid_cents);
    mg_buf_puts(b, ".</p>\n");
    if (msg[0])
        alert(b, msg);
    pay_form_render(b, ctx, v.r.id, fid, &in);
    web_page_end(b);
    web_subsidy_view_clear(&v);
    return web_done(ctx);
}

/* --- The final report's page ----------------------------------------------------------------- */

/* What the report form shows: for each row (the budget's lines, then
 * EXTRA_LINES free ones) the account, label and actual amount, as typed or
 * as saved; the refusals by field. */
typedef struct report_form {
    size_t nbudget, nrows;
    const mg_subsidy_line *budget;     /* borrowed */
    char account[ROWS_MAX][3];
    char label[ROWS_MAX][MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
    char amount[ROWS_MAX][64];
    const char *comments;
    const mg_subsidy_errors *errs;
} report_form;

/* A field's refusal beside it: aria-describedby id and message. */
static void field_error(mg_buf *b, const report_form *f, const char *field, const char *id)
{
    const char *msg = mg_subsidy_errors_for(f->errs, field);
    if (!msg)
        return;
    mg_buf_puts(b, "<span class=\"field-error\" id=\"");
    mg_html_attr(b, id);
    mg_buf_puts(b, "-erreur\">");
    mg_html_text(b, msg);
    mg_buf_puts(b, "</span>");
}

static void input_attrs(mg_buf *b, const report_form *f, const char *field, const char *id)
{
    mg_buf_puts(b, " id=\"");
    mg_html_attr(b, id);
    mg_buf_puts(b, "\" name=\"");
    mg_html_attr(b, field);
    mg_buf_puts(b, "\"");
    if (mg_subsidy_errors_for(f->errs, field)) {
        mg_buf_puts(b, " aria-invalid=\"true\" aria-describedby=\"");
        mg_html_attr(b, id);
        mg_buf_puts(b, "-erreur\"");
    }
}

static const char *account_label(const char *code)
{
    const mg_subsidy_account *a = mg_subsidy_account_find(code);
    return a ? a->label : code;
}

static void report_form_render(mg_buf *b, web_ctx *ctx, int64_t request_id, const report_form *f)
{
    if (f->errs && f->errs->n) {
        mg_buf_puts(b, "<div class=\"error\" role=\"alert\"><p>Le compte rendu n'a pas été "
                       "enregistré :</p><ul>");
        for (size_t k = 0; k < f->errs->n && k < MG_SUBSIDY_ERRORS_MAX; k++) {
            mg_buf_puts(b, "<li>");
            mg_html_text(b, f->errs->e[k].msg);
            mg_buf_puts(b, "</li>");
        }
        mg_buf_puts(b, "</ul></div>\n");
    }
    mg_buf_puts(b, "<form method=\"post\" action=\"");
    char path[96];
    snprintf(path, sizeof path, "/guichet/demandes/%lld/compte-rendu", (long long)request_id);
    mg_html_attr(b, path);
    mg_buf_puts(b, "\">");
    web_csrf_field(b, ctx);
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Réalisé par rapport au budget "
                   "prévisionnel</caption><thead><tr><th scope=\"col\">Compte</th>"
                   "<th scope=\"col\">Libellé</th><th scope=\"col\">Prévu</th>"
                   "<th scope=\"col\">Réalisé</th></tr></thead><tbody>\n");
    size_t naccounts = 0;
    const mg_subsidy_account *accounts = mg_subsidy_accounts(&naccounts);
    for (size_t k = 0; k < f->nrows; k++) {
        char field[48], id[48];
        bool from_budget = k < f->nbudget;
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        if (from_budget) {
            mg_html_text(b, account_label(f->account[k]));
            snprintf(field, sizeof field, "line_%zu_account", k + 1);
            mg_html_hidden(b, field, f->account[k]);
            snprintf(field, sizeof field, "line_%zu_label", k + 1);
            mg_html_hidden(b, field, f->label[k]);
        } else {
            snprintf(field, sizeof field, "line_%zu_account", k + 1);
            snprintf(id, sizeof id, "cr-ligne-%zu-compte", k + 1);
            mg_buf_puts(b, "<label class=\"sr\" for=\"");
            mg_html_attr(b, id);
            mg_buf_printf(b, "\">Compte de la ligne supplémentaire %zu</label><select", k + 1);
            input_attrs(b, f, field, id);
            mg_buf_puts(b, ">");
            mg_html_option(b, "", "Autre compte…", !f->account[k][0]);
            for (size_t a = 0; a < naccounts; a++)
                mg_html_option(b, accounts[a].code, accounts[a].label,
                               strcmp(accounts[a].code, f->account[k]) == 0);
            mg_buf_puts(b, "</select>");
            field_error(b, f, field, id);
        }
        mg_buf_puts(b, "</th><td>");
        if (from_budget) {
            mg_html_text(b, f->label[k]);
            /* An amount asked of a co-funder: which one. */
            if (f->budget[k].funder_name[0] &&
                strcmp(f->budget[k].funder_name, f->label[k]) != 0) {
                mg_buf_puts(b, " (");
                mg_html_text(b, f->budget[k].funder_name);
                mg_buf_puts(b, ")");
            }
        } else {
            snprintf(field, sizeof field, "line_%zu_label", k + 1);
            snprintf(id, sizeof id, "cr-ligne-%zu-libelle", k + 1);
            mg_buf_puts(b, "<label class=\"sr\" for=\"");
            mg_html_attr(b, id);
            mg_buf_printf(b, "\">Libellé de la ligne supplémentaire %zu</label>"
                             "<input type=\"text\" maxlength=\"200\" autocomplete=\"off\"",
                          k + 1);
            input_attrs(b, f, field, id);
            mg_buf_puts(b, " value=\"");
            mg_html_attr(b, f->label[k]);
            mg_buf_puts(b, "\">");
            field_error(b, f, field, id);
        }
        mg_buf_puts(b, "</td><td class=\"num\">");
        if (from_budget)
            euros(b, f->budget[k].amount_cents);
        mg_buf_puts(b, "</td><td>");
        snprintf(field, sizeof field, "line_%zu_amount", k + 1);
        snprintf(id, sizeof id, "cr-ligne-%zu-montant", k + 1);
        mg_buf_puts(b, "<label class=\"sr\" for=\"");
        mg_html_attr(b, id);
        mg_buf_puts(b, "\">Réalisé : ");
        if (from_budget) {
            mg_html_text(b, account_label(f->account[k]));
            if (f->label[k][0]) {
                mg_buf_puts(b, ", ");
                mg_html_text(b, f->label[k]);
            }
        } else {
            mg_buf_printf(b, "ligne supplémentaire %zu", k + 1);
        }
        mg_buf_puts(b, "</label><input type=\"text\" inputmode=\"decimal\" autocomplete=\"off\" "
                       "size=\"12\"");
        input_attrs(b, f, field, id);
        mg_buf_puts(b, " value=\"");
        mg_html_attr(b, f->amount[k]);
        mg_buf_puts(b, "\">");
        field_error(b, f, field, id);
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n<p class=\"hint\">Montants en euros, par exemple "
                   "12 500 ou 1 234,56 ; une ligne laissée vide n'est pas comptée.</p>\n"
                   "<p><label for=\"cr-comments\">Commentaires</label>"
                   "<span class=\"hint\" id=\"cr-comments-aide\">Obligatoires pour déposer un "
                   "compte rendu dont le total des charges ou des produits s'écarte de plus de "
                   "10 % du budget prévu : expliquez les écarts.</span>"
                   "<textarea rows=\"6\" maxlength=\"8000\"");
    input_attrs(b, f, "comments", "cr-comments");
    if (!mg_subsidy_errors_for(f->errs, "comments"))
        mg_buf_puts(b, " aria-describedby=\"cr-comments-aide\"");
    mg_buf_puts(b, ">");
    mg_html_text(b, f->comments ? f->comments : "");
    mg_buf_puts(b, "</textarea>");
    field_error(b, f, "comments", "cr-comments");
    mg_buf_puts(b, "</p>\n<p><button type=\"submit\" name=\"action\" value=\"save\">Enregistrer"
                   "</button> <button type=\"submit\" name=\"action\" value=\"file\">Déposer le "
                   "compte rendu</button></p>\n</form>\n");
}

/* Read-only: each saved line, and the totals against the budget's. */
static void report_table(mg_buf *b, const mg_subsidy_report *r, const mg_subsidy_request *q)
{
    if (r->nlines == 0) {
        mg_buf_puts(b, "<p>Aucune ligne saisie pour l'instant.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Charges et produits réalisés"
                       "</caption><thead><tr><th scope=\"col\">Compte</th>"
                       "<th scope=\"col\">Libellé</th><th scope=\"col\">Réalisé</th></tr>"
                       "</thead><tbody>\n");
        for (size_t k = 0; k < r->nlines; k++) {
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_text(b, account_label(r->lines[k].account));
            mg_buf_puts(b, "</th><td>");
            mg_html_text(b, r->lines[k].label);
            mg_buf_puts(b, "</td><td class=\"num\">");
            euros(b, r->lines[k].amount_cents);
            mg_buf_puts(b, "</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    mg_buf_puts(b, "<dl class=\"facts\"><dt>Charges réalisées</dt><dd>");
    euros(b, r->total_expenses_cents);
    mg_buf_puts(b, " (prévu ");
    euros(b, q->total_expenses_cents);
    mg_buf_puts(b, ")</dd><dt>Produits réalisés</dt><dd>");
    euros(b, r->total_resources_cents);
    mg_buf_puts(b, " (prévu ");
    euros(b, q->total_resources_cents);
    mg_buf_puts(b, ")</dd></dl>\n");
    if (r->comments && r->comments[0]) {
        mg_buf_puts(b, "<h2>Commentaires</h2>\n<p class=\"pre\">");
        mg_html_text(b, r->comments);
        mg_buf_puts(b, "</p>\n");
    }
}

/* The form's rows from the budget and the saved report: a saved line
 * goes back beside the budget line of the same account and label, the
 * others into the free rows. */
static void report_form_fill(report_form *f, const mg_subsidy_line *budget, size_t nbudget,
                             const mg_subsidy_report *r)
{
    memset(f, 0, sizeof *f);
    f->budget = budget;
    f->nbudget = nbudget < MG_SUBSIDY_LINES_MAX ? nbudget : MG_SUBSIDY_LINES_MAX;
    f->nrows = f->nbudget + EXTRA_LINES;
    for (size_t k = 0; k < f->nbudget; k++) {
        snprintf(f->account[k], sizeof f->account[k], "%s", budget[k].account);
        snprintf(f->label[k], sizeof f->label[k], "%s",
                 budget[k].label[0] ? budget[k].label : budget[k].funder_name);
    }
    bool used[MG_SUBSIDY_LINES_MAX * 2] = {false};
    size_t nsaved = r && r->nlines < MG_SUBSIDY_LINES_MAX * 2 ? r->nlines
                    : r                                       ? MG_SUBSIDY_LINES_MAX * 2
                                                              : 0;
    for (size_t k = 0; k < f->nbudget; k++)
        for (size_t j = 0; j < nsaved; j++)
            if (!used[j] && strcmp(r->lines[j].account, f->account[k]) == 0 &&
                strcmp(r->lines[j].label, f->label[k]) == 0) {
                used[j] = true;
                mg_budget_format_cents(r->lines[j].amount_cents, f->amount[k],
                                       sizeof f->amount[k]);
                break;
            }
    size_t extra = f->nbudget;
    for (size_t j = 0; j < nsaved && extra < f->nrows; j++) {
        if (used[j])
            continue;
        snprintf(f->account[extra], sizeof f->account[extra], "%s", r->lines[j].account);
        snprintf(f->label[extra], sizeof f->label[extra], "%s", r->lines[j].label);
        mg_budget_format_cents(r->lines[j].amount_cents, f->amount[extra],
                               sizeof f->amount[extra]);
        extra++;
    }
    f->comments = r ? r->comments : "";
}

/* The page; f: the form as typed (NULL: as saved). */
static int report_page(web_ctx *ctx, const web_subsidy_view *v, const mg_subsidy_report *r,
                       const mg_subsidy_line *budget, size_t nbudget, const report_form *typed)
{
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Compte rendu financier", "guichet");
    web_subsidy_crumbs(b, &v->r);
    mg_buf_puts(b, "<h1>Compte rendu financier</h1>\n<p>Demande : ");
    char path[64];
    request_path(path, sizeof path, v->r.id);
    mg_buf_puts(b, "<a href=\"");
    mg_html_attr(b, path);
    mg_buf_puts(b, "\">");
    mg_html_text(b, v->r.title[0] ? v->r.title : "Demande sans titre");
    mg_buf_puts(b, "</a>, ");
    mg_html_text(b, v->r.applicant_name);
    mg_buf_puts(b, ".</p>\n<p>");
    char today[11];
    mg_contract_today(today);
    report_status(b, r, today);
    mg_buf_puts(b, "</p>\n");
    if (v->may_edit && !r->filed_at[0]) {
        mg_buf_puts(b, "<p>Indiquez pour chaque ligne du budget prévisionnel le montant "
                       "réellement dépensé ou reçu. « Enregistrer » garde la saisie sans la "
                       "transmettre ; « Déposer le compte rendu » la transmet aux financeurs, "
                       "et elle ne se modifie plus ensuite.</p>\n");
        report_form *f = NULL;
        if (!typed) {
            f = malloc(sizeof *f);
            if (!f)
                return MG_ENOMEM;
            report_form_fill(f, budget, nbudget, r);
            typed = f;
        }
        report_form_render(b, ctx, v->r.id, typed);
        free(f);
    } else {
        report_table(b, r, &v->r);
    }
    web_page_end(b);
    return web_done(ctx);
}

/* The report of v's request and its budget lines; false once answered. */
static bool report_load(web_ctx *ctx, const web_subsidy_view *v, mg_subsidy_report *r,
                        mg_subsidy_line **budget, size_t *nbudget)
{
    mg_diag d = {{0}};
    int rc = mg_subsidy_report_get(ctx->app->db, v->r.id, r, &d);
    if (rc == 0)
        rc = mg_subsidy_lines(ctx->app->db, v->r.id, budget, nbudget, &d);
    if (rc) {
        mg_subsidy_report_clear(r);
        web_storage_error(ctx->req, ctx->res, rc, &d, NO_REPORT, READ_FAILED);
        return false;
    }
    return true;
}

static int report_get(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    mg_subsidy_report r = {0};
    mg_subsidy_line *budget = NULL;
    size_t nbudget = 0;
    int rc = MG_OK;
    if (report_load(ctx, &v, &r, &budget, &nbudget))
        rc = report_page(ctx, &v, &r, budget, nbudget, NULL);
    mg_subsidy_report_clear(&r);
    free(budget);
    web_subsidy_view_clear(&v);
    return rc;
}

static int report_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    mg_subsidy_report r = {0};
    mg_subsidy_line *budget = NULL;
    size_t nbudget = 0;
    if (!report_load(ctx, &v, &r, &budget, &nbudget)) {
        web_subsidy_view_clear(&v);
        return MG_OK;
    }
    report_form *f = calloc(1, sizeof *f);
    mg_subsidy_line_input *in = calloc(ROWS_MAX, sizeof *in);
    int rc = MG_OK;
    if (!f || !in) {
        rc = MG_ENOMEM;
        goto done;
    }
    report_form_fill(f, budget, nbudget, NULL);
    /* What was typed, row by row; a budget row left empty is not a line. */
    for (size_t k = 0; k < f->nrows; k++) {
        char field[48];
        const char *amount, *account, *label;
        snprintf(field, sizeof field, "line_%zu_amount", k + 1);
        amount = mg_http_form(ctx->req, field);
        snprintf(field, sizeof field, "line_%zu_account", k + 1);
        account = mg_http_form(ctx->req, field);
        snprintf(field, sizeof field, "line_%zu_label", k + 1);
        label = mg_http_form(ctx->req, field);
        if (k < f->nbudget) {
            /* The budget's account and label, whatever came back. */
            account = f->account[k];
            label = f->label[k];
        } else {
            snprintf(f->account[k], sizeof f->account[k], "%s", account ? account : "");
            snprintf(f->label[k], sizeof f->label[k], "%s", label ? label : "");
            if (account && strlen(account) >= sizeof f->account[k])
                account = "?"; /* refused as no account, not cut into one */
        }
        snprintf(f->amount[k], sizeof f->amount[k], "%s", amount ? amount : "");
        bool empty = !amount || !*amount;
        if (k < f->nbudget && empty)
            in[k] = (mg_subsidy_line_input){0};
        else
            in[k] = (mg_subsidy_line_input){.account = account, .label = label,
                                            .amount = amount};
    }
    const char *comments = mg_http_form(ctx->req, "comments");
    f->comments = comments ? comments : "";
    const char *action = mg_http_form(ctx->req, "action");
    bool file = action && strcmp(action, "file") == 0;
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    rc = mg_subsidy_report_save(ctx->app->db, ctx->actor->account_id, v.r.id, in, f->nrows,
                                f->comments, file, &errs, &d);
    if (rc == 0) {
        char to[96];
        snprintf(to, sizeof to, "/guichet/demandes/%lld/compte-rendu", (long long)v.r.id);
        mg_http_redirect(ctx->res, to);
    } else if (rc == MG_EINVAL) {
        if (!errs.n)
            mg_subsidy_errors_add(&errs, "report", "%s", d.msg);
        f->errs = &errs;
        ctx->res->status = 400;
        rc = report_page(ctx, &v, &r, budget, nbudget, f);
    } else {
        web_storage_error(ctx->req, ctx->res, rc, &d, NO_REPORT, SAVE_FAILED);
        rc = MG_OK;
    }
done:
    free(in);
    free(f);
    mg_subsidy_report_clear(&r);
    free(budget);
    web_subsidy_view_clear(&v);
    return rc;
}

/* --- GET /guichet/financeurs/{org}/comptes-rendus ------------------------------------------- */

static int late_page(web_ctx *ctx)
{
    int64_t org = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "org"), INT64_MAX, &org, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, FUNDER_NOT_FOUND);
        return MG_OK;
    }
    mg_auth_object o = {.type = MG_AUTH_OBJ_SUBSIDY_FUNDER, .organisation_id = org};
    if (!web_allow_as(ctx, MG_AUTH_VIEW, &o, FUNDER_NOT_FOUND))
        return MG_OK;
    mg_auth_org who;
    mg_diag d = {{0}};
    int rc = mg_auth_org_get(ctx->app->db, org, &who, &d);
    char today[11], until[11];
    paris_day(0, today);
    paris_day(DUE_SOON_DAYS + 1, until);
    mg_subsidy_late *l = NULL;
    size_t n = 0;
    if (rc == 0)
        rc = mg_subsidy_reports_late(ctx->app->db, org, today, until, &l, &n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, FUNDER_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Comptes rendus financiers attendus", "guichet");
    mg_buf_puts(b, "<nav aria-label=\"Fil d'Ariane\"><a href=\"/guichet\">Guichet unique</a> › ");
    mg_html_link_id(b, "/guichet/financeurs/", org, NULL);
    mg_html_text(b, who.name);
    mg_buf_puts(b, "</a></nav>\n<h1>Comptes rendus financiers attendus</h1>\n<p>");
    mg_html_text(b, who.name);
    mg_buf_printf(b, " : les comptes rendus non déposés des demandes qui lui sont adressées, "
                     "en retard ou attendus dans les %d jours.</p>\n",
                  (int)DUE_SOON_DAYS);
    size_t late = 0;
    for (size_t k = 0; k < n; k++)
        late += l[k].days_late > 0;
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucun compte rendu en retard ni attendu dans le mois.</p>\n");
    } else {
        mg_buf_printf(b, "<p>En retard : %zu ; attendus dans le mois : %zu.</p>\n", late,
                      n - late);
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Comptes rendus en retard et "
                       "attendus</caption><thead><tr><th scope=\"col\">Demande</th>"
                       "<th scope=\"col\">Porteur</th><th scope=\"col\">Attendu le</th>"
                       "<th scope=\"col\">Situation</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < n; k++) {
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_link_id(b, "/guichet/demandes/", l[k].request_id, "/compte-rendu");
            mg_html_text(b, l[k].title[0] ? l[k].title : "Demande sans titre");
            mg_buf_puts(b, "</a></th><td>");
            mg_html_text(b, l[k].applicant_name);
            mg_buf_puts(b, "</td><td>");
            french_date(b, l[k].due_on);
            mg_buf_puts(b, "</td><td>");
            int dl = l[k].days_late;
            if (dl > 0) {
                mg_buf_printf(b, "<strong>En retard de %d", dl);
                days_word(b, dl);
                mg_buf_puts(b, "</strong>");
            } else if (dl == 0) {
                mg_buf_puts(b, "Attendu aujourd'hui");
            } else {
                mg_buf_printf(b, "Attendu dans %d", -dl);
                days_word(b, dl);
            }
            mg_buf_puts(b, "</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    free(l);
    web_page_end(b);
    return web_done(ctx);
}

const web_route web_routes_funding_aftergrant[] = {
    {"POST", "/guichet/demandes/{id}/parts/{fid}/paiements", pay_post, WEB_ANYONE, 0},
    {"GET", "/guichet/demandes/{id}/compte-rendu", report_get, WEB_ANYONE, 0},
    {"POST", "/guichet/demandes/{id}/compte-rendu", report_post, WEB_ANYONE, 0},
    {"GET", "/guichet/financeurs/{org}/comptes-rendus", late_page, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
