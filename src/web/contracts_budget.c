/*
 * The budget pages of contracts (contracts/budget.h): the section of an
 * action's page with its lines, the action's total and the form to add a
 * line; the section of a contract's page with its totals by funder, year
 * and axis; the pages to change a typed line, and the routes that add,
 * change and delete lines; and a funder's page, what an organisation
 * finances across contracts (/organisations/{id}/financements).
 *
 * Rights: a line is changed by whoever may edit its action (the lead's
 * managers and contributors, and those of the action's pilot:
 * web_contract_action_load with MG_AUTH_EDIT). A fed line (from a granted
 * subsidy request) or a line an amendment replaced is refused by the
 * store, on "line"; the pages offer no form for them. The funder's page is
 * for the members of that organisation (as its own page): they see every
 * line that names it as funder, with a link to each contract they may open.
 *
 * Amounts are typed and shown as French euros and kept as integer cents;
 * every total comes from the store (summed by the database). A refused
 * form is drawn again, status 400, with what was typed and the sentence
 * beside its field; a success answers 303 to the action's page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "parse/parse.h"
#include "web/contracts_web.h"
#include "web/form.h"
#include "web/messages.h"
#include "web/web.h"

#define NFIELDS(a) (sizeof(a) / sizeof *(a))

static const char LINE_NOT_FOUND[] = "Cette ligne budgétaire n'existe pas.";
static const char ACTION_NOT_FOUND[] = "Cette action n'existe pas.";
static const char READ_FAILED[] = "Le budget n'a pas pu être lu.";
static const char SAVE_FAILED[] = "La modification n'a pas pu être enregistrée.";

/* --- The form of a line ------------------------------------------------------------- */

/* The organisations a funder is chosen among, by name. */
typedef struct funder_choices {
    mg_auth_org *orgs;
    size_t n;
} funder_choices;

static int funder_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const funder_choices *f = options_ctx;
    int rc = mg_html_option(b, "", "Choisir le financeur", !selected || !*selected);
    for (size_t k = 0; f && rc == MG_OK && k < f->n; k++) {
        if (!f->orgs[k].active)
            continue;
        char id[24], label[sizeof f->orgs[k].name + 64];
        snprintf(id, sizeof id, "%lld", (long long)f->orgs[k].id);
        snprintf(label, sizeof label, "%s (%s)", f->orgs[k].name,
                 mg_auth_org_kind_label(f->orgs[k].kind));
        rc = mg_html_option(b, id, label, selected && strcmp(selected, id) == 0);
    }
    return rc;
}

static const web_option nature_choices[] = {
    {"investment", "Investissement"},
    {"operation", "Fonctionnement"},
    {NULL, NULL},
};

#define AMOUNT_HINT "En euros, par exemple 12 500 ou 1 234,56."

enum { F_FUNDER, F_YEAR, F_NATURE, F_PLANNED, F_COMMITTED, F_PAID };
static const web_field line_fields[] = {
    [F_FUNDER] = {.name = "funder", .label = "Financeur", .kind = WEB_FIELD_SELECT,
                  .required = true, .options_fn = funder_options},
    [F_YEAR] = {.name = "year", .label = "Année", .kind = WEB_FIELD_TEXT, .required = true,
                .max = 16, .hint = "Par exemple 2025.", .autocomplete = "off"},
    [F_NATURE] = {.name = "nature", .label = "Nature", .kind = WEB_FIELD_SELECT,
                  .required = true, .options = nature_choices, .defval = "operation"},
    [F_PLANNED] = {.name = "planned", .label = "Prévu", .kind = WEB_FIELD_TEXT,
                   .required = true, .max = 40, .hint = AMOUNT_HINT, .autocomplete = "off"},
    [F_COMMITTED] = {.name = "committed", .label = "Engagé", .kind = WEB_FIELD_TEXT, .max = 40,
                     .hint = AMOUNT_HINT " Vide : rien d'engagé.", .autocomplete = "off"},
    [F_PAID] = {.name = "paid", .label = "Payé", .kind = WEB_FIELD_TEXT, .max = 40,
                .hint = AMOUNT_HINT " Vide : rien de payé ; jamais plus que l'engagé.",
                .autocomplete = "off"},
};
static const web_form add_form = {"ligne", line_fields, NFIELDS(line_fields),
                                  "Ajouter la ligne", NULL};
static const web_form edit_form = {"ligne", line_fields, NFIELDS(line_fields),
                                   "Enregistrer la ligne", NULL};

/* The organisations, by name, for the funder's choice: all of them, read
 * a page of 1000 at a time (at most 20 pages); an empty list when they
 * cannot be read (the form then offers only its empty choice). */
static funder_choices funders_read(web_ctx *ctx)
{
    funder_choices f = {0};
    for (size_t page = 0; page < 20; page++) {
        mg_auth_org *part = NULL;
        size_t n = 0, total = 0;
        mg_diag d = {{0}};
        if (mg_auth_org_list(ctx->app->db, false, page * 1000, 1000, &part, &n, &total, &d)) {
            fprintf(stderr, "budget: organisations: %s\n", d.msg);
            break;
        }
        mg_auth_org *all = n ? realloc(f.orgs, (f.n + n) * sizeof *all) : f.orgs;
        if (n && !all) {
            free(part);
            break;
        }
        if (n)
            memcpy(all + f.n, part, n * sizeof *all);
        f.orgs = all;
        f.n += n;
        free(part);
        if (n < 1000 || f.n >= total)
            break;
    }
    return f;
}

/* What was typed, as the store reads it. */
static mg_budget_line_input line_input(const web_form_input *in)
{
    int64_t funder = 0;
    if (in->raw[F_FUNDER] && mg_parse_id(in->raw[F_FUNDER], INT64_MAX, &funder, NULL) != 0)
        funder = 0;
    return (mg_budget_line_input){.funder_id = funder, .year = in->raw[F_YEAR],
                                  .nature = in->raw[F_NATURE], .planned = in->raw[F_PLANNED],
                                  .committed = in->raw[F_COMMITTED], .paid = in->raw[F_PAID]};
}

/* --- Paths and small pieces -------------------------------------------------------------- */

static void action_path(char *out, size_t cap, const web_contract_view *v)
{
    snprintf(out, cap, "/contrats/%lld/actions/%lld", (long long)v->c.id, (long long)v->a.id);
}

static void redirect_budget(web_ctx *ctx, const web_contract_view *v)
{
    char to[128];
    snprintf(to, sizeof to, "/contrats/%lld/actions/%lld#budget", (long long)v->c.id,
             (long long)v->a.id);
    mg_http_redirect(ctx->res, to);
}

static void euros_cell(mg_buf *b, int64_t cents)
{
    mg_buf_puts(b, "<td class=\"num\">");
    web_contract_euros(b, cents);
    mg_buf_puts(b, "</td>");
}

static void amounts_cells(mg_buf *b, const mg_budget_amounts *a)
{
    euros_cell(b, a->planned);
    euros_cell(b, a->committed);
    euros_cell(b, a->paid);
}

static void amount_heads(mg_buf *b)
{
    mg_buf_puts(b, "<th scope=\"col\">Prévu</th><th scope=\"col\">Engagé</th>"
                   "<th scope=\"col\">Payé</th>");
}

/* The budget could not be read: said where the section goes (the page is
 * already under way). */
static void read_failed(mg_buf *b)
{
    mg_buf_puts(b, "<p role=\"alert\">");
    mg_html_text(b, READ_FAILED);
    mg_buf_puts(b, "</p>\n");
}

/* The line `lid` of the path, which must be of the action of v: 0 and *out,
 * or non-zero once answered (404). */
static int path_line(web_ctx *ctx, const web_contract_view *v, mg_budget_line *out)
{
    int64_t lid = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "lid"), INT64_MAX, &lid, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, LINE_NOT_FOUND);
        return -1;
    }
    mg_diag d = {{0}};
    int rc = mg_budget_line_get(ctx->app->db, lid, out, &d);
    if (rc == 0 && out->action_id != v->a.id)
        rc = MG_ENOTFOUND;
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, LINE_NOT_FOUND, READ_FAILED);
        return -1;
    }
    return 0;
}

/* --- The action's section ------------------------------------------------------------------- */

static void lines_table(mg_buf *b, web_ctx *ctx, const web_contract_view *v,
                        const mg_budget_line *l, size_t n, const mg_budget_amounts *total)
{
    char base[96];
    action_path(base, sizeof base, v);
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Lignes budgétaires de l'action"
                   "</caption><thead><tr><th scope=\"col\">Financeur</th>"
                   "<th scope=\"col\">Année</th><th scope=\"col\">Nature</th>");
    amount_heads(b);
    mg_buf_puts(b, "<th scope=\"col\">Origine</th>");
    if (v->may_edit_action)
        mg_buf_puts(b, "<th scope=\"col\"><span class=\"sr\">Modifier ou supprimer</span></th>");
    mg_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t k = 0; k < n; k++) {
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_text(b, l[k].funder_name);
        mg_buf_printf(b, "</th><td>%d</td><td>", l[k].year);
        mg_html_text(b, mg_budget_nature_label(l[k].nature));
        mg_buf_puts(b, "</td>");
        amounts_cells(b, &l[k].a);
        mg_buf_puts(b, "<td>");
        if (l[k].fed)
            mg_buf_puts(b, "<span class=\"tag\">ligne issue d'une demande de subvention</span>");
        else if (l[k].amendment_id)
            mg_buf_puts(b, "Avenant");
        else
            mg_buf_puts(b, "Saisie");
        if (l[k].is_example)
            mg_buf_puts(b, " <span class=\"tag\">exemple</span>");
        mg_buf_puts(b, "</td>");
        if (v->may_edit_action) {
            mg_buf_puts(b, "<td>");
            if (!l[k].fed) {
                char path[160];
                snprintf(path, sizeof path, "%s/budget/%lld", base, (long long)l[k].id);
                mg_buf_puts(b, "<a href=\"");
                mg_html_attr(b, path);
                mg_buf_puts(b, "\" aria-label=\"Modifier la ligne de ");
                mg_html_attr(b, l[k].funder_name);
                mg_buf_printf(b, " pour %d\">Modifier</a>", l[k].year);
                if (!l[k].amendment_id) {
                    mg_buf_puts(b, " <form class=\"inline\" method=\"post\" action=\"");
                    mg_html_attr(b, path);
                    mg_buf_puts(b, "/supprimer\">");
                    web_csrf_field(b, ctx);
                    mg_buf_puts(b, "<button type=\"submit\" aria-label=\"Supprimer la ligne de ");
                    mg_html_attr(b, l[k].funder_name);
                    mg_buf_printf(b, " pour %d\">Supprimer</button></form>", l[k].year);
                }
            }
            mg_buf_puts(b, "</td>");
        }
        mg_buf_puts(b, "</tr>\n");
    }
    mg_buf_puts(b, "</tbody><tfoot><tr><th scope=\"row\" colspan=\"3\">Total de l'action</th>");
    amounts_cells(b, total);
    mg_buf_puts(b, v->may_edit_action ? "<td></td><td></td>" : "<td></td>");
    mg_buf_puts(b, "</tr></tfoot></table></div>\n");
}

/* The form adding a line (in: what was typed, NULL for an empty form). */
static void add_form_render(mg_buf *b, web_ctx *ctx, const web_contract_view *v,
                            const web_form_input *in)
{
    char path[128];
    action_path(path, sizeof path, v);
    strncat(path, "/budget", sizeof path - strlen(path) - 1);
    funder_choices f = funders_read(ctx);
    web_form_render(b, &add_form, in, "post", path, &f, web_csrf(ctx));
    free(f.orgs);
}

void web_action_budget_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v)
{
    if (!v || !v->has_action)
        return;
    mg_buf_puts(b, "<section aria-labelledby=\"budget\"><h2 id=\"budget\">Budget</h2>\n");
    mg_budget_line *l = NULL;
    size_t n = 0, nt = 0;
    mg_budget_total *t = NULL;
    mg_diag d = {{0}};
    int rc = mg_budget_lines(ctx->app->db, v->c.id, v->a.id, false, &l, &n, &d);
    if (rc == 0)
        rc = mg_budget_totals(ctx->app->db, v->c.id, MG_BUDGET_BY_ACTION, &t, &nt, NULL, &d);
    if (rc) {
        fprintf(stderr, "budget: action %lld: %s\n", (long long)v->a.id, d.msg);
        read_failed(b);
    } else if (n == 0) {
        mg_buf_puts(b, "<p>Aucune ligne budgétaire pour cette action.</p>\n");
    } else {
        mg_budget_amounts total = {0};
        for (size_t k = 0; k < nt; k++)
            if (t[k].key == v->a.id)
                total = t[k].a;
        lines_table(b, ctx, v, l, n, &total);
        mg_buf_puts(b, "<p class=\"hint\">Une ligne issue d'une demande de subvention accordée "
                       "(guichet unique) ne se modifie pas ici : elle suit la demande, pour "
                       "qu'aucun montant ne soit compté deux fois.</p>\n");
    }
    free(l);
    free(t);
    if (v->may_edit_action) {
        mg_buf_puts(b, "<h3 id=\"budget-ajout\">Ajouter une ligne</h3>\n");
        add_form_render(b, ctx, v, NULL);
    }
    mg_buf_puts(b, "</section>\n");
}

/* --- The contract's section --------------------------------------------------------------- */

/* A table of totals `t` (n rows) under `caption`, its first column `head`. */
static void totals_table(mg_buf *b, web_ctx *ctx, mg_budget_group g, const mg_budget_total *t,
                         size_t n, const char *caption, const char *head)
{
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>");
    mg_html_text(b, caption);
    mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">");
    mg_html_text(b, head);
    mg_buf_puts(b, "</th>");
    amount_heads(b);
    mg_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t k = 0; k < n; k++) {
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_auth_object org = {.type = MG_AUTH_OBJ_ORGANISATION, .organisation_id = t[k].key};
        bool link = g == MG_BUDGET_BY_FUNDER && web_can(ctx, MG_AUTH_VIEW, &org);
        if (link)
            mg_html_link_id(b, "/organisations/", t[k].key, "/financements");
        mg_html_text(b, t[k].label);
        if (link)
            mg_buf_puts(b, "</a>");
        mg_buf_puts(b, "</th>");
        amounts_cells(b, &t[k].a);
        mg_buf_puts(b, "</tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
}

void web_contract_budget_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v)
{
    if (!v)
        return;
    mg_buf_puts(b, "<section aria-labelledby=\"budget-contrat\"><h2 id=\"budget-contrat\">"
                   "Budget</h2>\n");
    static const struct {
        mg_budget_group g;
        const char *caption, *head;
    } groups[] = {
        {MG_BUDGET_BY_FUNDER, "Budget du contrat par financeur", "Financeur"},
        {MG_BUDGET_BY_YEAR, "Budget du contrat par année", "Année"},
        {MG_BUDGET_BY_AXIS, "Budget du contrat par axe", "Axe"},
    };
    enum { NGROUPS = sizeof groups / sizeof groups[0] };
    mg_budget_total *t[NGROUPS] = {NULL};
    size_t n[NGROUPS] = {0};
    mg_budget_amounts all = {0};
    mg_diag d = {{0}};
    int rc = 0;
    _Static_assert(NGROUPS == sizeof v->dash->totals / sizeof v->dash->totals[0],
                   "the dashboard reads the same groups");
    if (v->dash) {
        /* Read with the contract's page in one transaction (by funder,
         * year, axis, as groups): borrowed, not freed here. */
        for (size_t i = 0; i < NGROUPS; i++)
            t[i] = v->dash->totals[i], n[i] = v->dash->ntotals[i];
        all = v->dash->total;
    }
    for (size_t i = 0; !v->dash && rc == 0 && i < NGROUPS; i++)
        rc = mg_budget_totals(ctx->app->db, v->c.id, groups[i].g, &t[i], &n[i],
                              i == 0 ? &all : NULL, &d);
    if (rc) {
        fprintf(stderr, "budget: contract %lld: %s\n", (long long)v->c.id, d.msg);
        read_failed(b);
    } else if (n[0] == 0) {
        mg_buf_puts(b, "<p>Aucune ligne budgétaire dans ce contrat : les lignes s'ajoutent sur "
                       "la page de chaque action.</p>\n");
    } else {
        mg_buf_puts(b, "<dl class=\"facts\"><dt>Total prévu</dt><dd>");
        web_contract_euros(b, all.planned);
        mg_buf_puts(b, "</dd><dt>Total engagé</dt><dd>");
        web_contract_euros(b, all.committed);
        mg_buf_puts(b, "</dd><dt>Total payé</dt><dd>");
        web_contract_euros(b, all.paid);
        mg_buf_puts(b, "</dd></dl>\n");
        for (size_t i = 0; i < NGROUPS; i++)
            totals_table(b, ctx, groups[i].g, t[i], n[i], groups[i].caption, groups[i].head);
        mg_buf_puts(b, "<p class=\"hint\">Lignes en vigueur : une ligne remplacée par un "
                       "avenant n'est plus comptée, celle qui la remplace l'est.</p>\n");
    }
    for (size_t i = 0; !v->dash && i < NGROUPS; i++)
        free(t[i]);
    mg_buf_puts(b, "</section>\n");
}

/* --- The pages of one line ------------------------------------------------------------------ */

/* A page with the form of a line: a new one (line NULL) or line `l`;
 * `in` what was typed (NULL: the line's values), `alert` a refusal that
 * belongs to no field. */
static int line_page(web_ctx *ctx, const web_contract_view *v, const mg_budget_line *l,
                     const web_form_input *in, const char *alert)
{
    mg_buf *b = &ctx->res->body;
    const char *title = l ? "Modifier une ligne budgétaire" : "Ajouter une ligne budgétaire";
    web_page_begin(b, ctx, title, "contrats");
    web_contract_crumbs(b, &v->c);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, title);
    mg_buf_puts(b, "</h1>\n<p>Action : ");
    char base[96];
    action_path(base, sizeof base, v);
    mg_buf_puts(b, "<a href=\"");
    mg_html_attr(b, base);
    mg_buf_puts(b, "#budget\">");
    mg_html_text(b, v->a.title);
    mg_buf_puts(b, "</a></p>\n");
    if (alert && *alert) {
        mg_buf_puts(b, "<p class=\"error\" role=\"alert\">");
        mg_html_text(b, alert);
        mg_buf_puts(b, "</p>\n");
    }
    if (!l) {
        add_form_render(b, ctx, v, in);
    } else if (l->fed || l->replaced_by) {
        mg_buf_puts(b, "<p>");
        mg_html_text(b, l->fed ? "Cette ligne vient d'une demande de subvention accordée "
                                 "(guichet unique) : elle ne se modifie que par cette demande."
                               : "Cette ligne a été remplacée par un avenant : elle reste telle "
                                 "que signée.");
        mg_buf_puts(b, "</p>\n");
    } else {
        web_form_input cur;
        char funder[24], year[16], planned[64], committed[64], paid[64];
        if (!in) {
            memset(&cur, 0, sizeof cur);
            cur.form = &edit_form;
            snprintf(funder, sizeof funder, "%lld", (long long)l->funder_id);
            snprintf(year, sizeof year, "%d", l->year);
            mg_budget_format_cents(l->a.planned, planned, sizeof planned);
            mg_budget_format_cents(l->a.committed, committed, sizeof committed);
            mg_budget_format_cents(l->a.paid, paid, sizeof paid);
            cur.raw[F_FUNDER] = funder;
            cur.raw[F_YEAR] = year;
            cur.raw[F_NATURE] = mg_budget_nature_key(l->nature);
            cur.raw[F_PLANNED] = planned;
            cur.raw[F_COMMITTED] = committed;
            cur.raw[F_PAID] = paid;
            in = &cur;
        }
        char path[160];
        snprintf(path, sizeof path, "%s/budget/%lld", base, (long long)l->id);
        funder_choices f = funders_read(ctx);
        web_form_render(b, &edit_form, in, "post", path, &f, web_csrf(ctx));
        free(f.orgs);
    }
    web_page_end(b);
    return web_done(ctx);
}

/* A refusal of the store beside its field, or as the page's alert (*alert)
 * for one that names no field of the form ("line"). */
static void refuse_into(web_form_input *in, const mg_contract_field_error *fe, const mg_diag *d,
                        char *alert, size_t cap)
{
    const char *msg = fe->msg[0] ? fe->msg : d->msg;
    if (fe->field && web_form_field(in->form, fe->field) >= 0)
        web_form_refuse(in, fe->field, msg);
    else
        snprintf(alert, cap, "%s", msg);
}

static int line_add_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_action_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    web_form_input in;
    web_form_read(&add_form, ctx->req, &in);
    char alert[sizeof ((mg_diag *)0)->msg] = "";
    if (in.nerrors == 0) {
        mg_budget_line_input li = line_input(&in);
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int rc = mg_budget_line_create(ctx->app->db, ctx->actor->account_id, v.a.id, &li, NULL,
                                       &fe, &d);
        if (rc == 0) {
            redirect_budget(ctx, &v);
            web_contract_view_clear(&v);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND, SAVE_FAILED);
            web_contract_view_clear(&v);
            return MG_OK;
        }
        refuse_into(&in, &fe, &d, alert, sizeof alert);
    }
    ctx->res->status = 400;
    int rc = line_page(ctx, &v, NULL, &in, alert);
    web_contract_view_clear(&v);
    return rc;
}

static int line_edit_page(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_action_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    mg_budget_line l;
    int rc = MG_OK;
    if (path_line(ctx, &v, &l) == 0)
        rc = line_page(ctx, &v, &l, NULL, NULL);
    web_contract_view_clear(&v);
    return rc;
}

static int line_update_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_action_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    mg_budget_line l;
    if (path_line(ctx, &v, &l) != 0) {
        web_contract_view_clear(&v);
        return MG_OK;
    }
    web_form_input in;
    web_form_read(&edit_form, ctx->req, &in);
    char alert[sizeof ((mg_diag *)0)->msg] = "";
    if (in.nerrors == 0) {
        mg_budget_line_input li = line_input(&in);
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int rc = mg_budget_line_update(ctx->app->db, ctx->actor->account_id, l.id, &li, &fe, &d);
        if (rc == 0) {
            redirect_budget(ctx, &v);
            web_contract_view_clear(&v);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, LINE_NOT_FOUND, SAVE_FAILED);
            web_contract_view_clear(&v);
            return MG_OK;
        }
        refuse_into(&in, &fe, &d, alert, sizeof alert);
    }
    ctx->res->status = 400;
    /* A line the store refuses to change as a whole (fed, replaced) is
     * drawn with the form gone and the reason given. */
    int rc = line_page(ctx, &v, &l, &in, alert);
    web_contract_view_clear(&v);
    return rc;
}

static int line_delete_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_action_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    mg_budget_line l;
    if (path_line(ctx, &v, &l) != 0) {
        web_contract_view_clear(&v);
        return MG_OK;
    }
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int rc = mg_budget_line_delete(ctx->app->db, ctx->actor->account_id, l.id, &fe, &d);
    if (rc == 0)
        redirect_budget(ctx, &v);
    else if (rc == MG_EINVAL)
        mg_http_error(ctx->req, ctx->res, 400, fe.msg[0] ? fe.msg : d.msg);
    else
        web_storage_error(ctx->req, ctx->res, rc, &d, LINE_NOT_FOUND, SAVE_FAILED);
    web_contract_view_clear(&v);
    return MG_OK;
}

/* --- A funder's page ------------------------------------------------------------------------ */

/* Whether the actor may open contract `id` (its lead, signatories,
 * participants: as web_contract_load would decide). */
static bool may_open_contract(web_ctx *ctx, int64_t id)
{
    web_contract_view *v = calloc(1, sizeof *v);
    if (!v)
        return false;
    mg_diag d = {{0}};
    bool ok = mg_contract_get(ctx->app->db, id, &v->c, &d) == 0 &&
              mg_contract_viewers(ctx->app->db, id, v->viewers, WEB_CONTRACT_VIEWERS_MAX,
                                  &v->nviewers, &d) == 0;
    if (ok) {
        mg_auth_object o = web_contract_object(v);
        ok = web_can(ctx, MG_AUTH_VIEW, &o);
    }
    free(v);
    return ok;
}

static int funder_page(web_ctx *ctx)
{
    int64_t id = web_path_id(ctx, WEB_MSG_ORGANISATION_NOT_FOUND);
    if (!id)
        return MG_OK;
    mg_auth_org org;
    mg_diag d = {{0}};
    int rc = mg_auth_org_get(ctx->app->db, id, &org, &d);
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_ORGANISATION_NOT_FOUND,
                         WEB_MSG_ORGANISATION_READ_FAILED);
        return MG_OK;
    }
    /* As the organisation's own page: another organisation's answers with
     * the words of one that does not exist. */
    mg_auth_object o = {.type = MG_AUTH_OBJ_ORGANISATION, .organisation_id = id};
    if (!web_allow_as(ctx, MG_AUTH_VIEW, &o, web_msg_fr(WEB_MSG_ORGANISATION_NOT_FOUND)))
        return MG_OK;
    mg_budget_total *t = NULL;
    size_t n = 0;
    mg_budget_amounts all = {0};
    rc = mg_budget_of_funder(ctx->app->db, id, &t, &n, &all, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, web_msg_fr(WEB_MSG_ORGANISATION_NOT_FOUND),
                          READ_FAILED);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    char title[sizeof org.name + 32];
    snprintf(title, sizeof title, "Financements — %s", org.name);
    web_page_begin(b, ctx, title, "contrats");
    mg_buf_puts(b, "<p class=\"crumbs\">");
    mg_html_link_id(b, "/organisations/", id, NULL);
    mg_html_text(b, org.name);
    mg_buf_puts(b, "</a></p>\n<h1>Financements de ");
    mg_html_text(b, org.name);
    mg_buf_puts(b, "</h1>\n<p>Ce que l'organisation finance dans l'ensemble des contrats, "
                   "d'après les lignes budgétaires en vigueur qui la nomment comme financeur "
                   "(y compris celles issues de demandes de subvention accordées).</p>\n");
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucune ligne budgétaire ne nomme cette organisation.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Financements par contrat"
                       "</caption><thead><tr><th scope=\"col\">Contrat</th>");
        amount_heads(b);
        mg_buf_puts(b, "</tr></thead><tbody>\n");
        for (size_t k = 0; k < n; k++) {
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            bool link = may_open_contract(ctx, t[k].key);
            if (link)
                mg_html_link_id(b, "/contrats/", t[k].key, NULL);
            mg_html_text(b, t[k].label);
            if (link)
                mg_buf_puts(b, "</a>");
            mg_buf_puts(b, "</th>");
            amounts_cells(b, &t[k].a);
            mg_buf_puts(b, "</tr>\n");
        }
        mg_buf_puts(b, "</tbody><tfoot><tr><th scope=\"row\">Total</th>");
        amounts_cells(b, &all);
        mg_buf_puts(b, "</tr></tfoot></table></div>\n");
    }
    free(t);
    web_page_end(b);
    return web_done(ctx);
}

const web_route web_routes_contract_budget[] = {
    {"POST", "/contrats/{id}/actions/{aid}/budget", line_add_post, WEB_ANYONE, 0},
    {"GET", "/contrats/{id}/actions/{aid}/budget/{lid}", line_edit_page, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/actions/{aid}/budget/{lid}", line_update_post, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/actions/{aid}/budget/{lid}/supprimer", line_delete_post, WEB_ANYONE,
     0},
    {"GET", "/organisations/{id}/financements", funder_page, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
