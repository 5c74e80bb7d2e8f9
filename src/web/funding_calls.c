/*
 * The single window's windows, calls for projects, co-funders' pages and
 * open data (issue 16; docs/funding-calls.md):
 *   GET  /guichet/guichets                    the windows; a form to create one
 *   POST /guichet/guichets                    create a window (the actor's organisation leads)
 *   GET  /guichet/guichets/{wid}              a window: lead, co-funders, calls, requests
 *   POST /guichet/guichets/{wid}/cofinanceurs add a co-funder (the lead's managers, instructors)
 *   POST /guichet/guichets/{wid}/appels       open a call (the lead's or a co-funder's)
 *   GET  /guichet/appels                      every call, open ones first (public)
 *   GET  /guichet/appels/{cid}                a call, its budgets, a link to answer it (public)
 *   GET  /guichet/financeurs/{org}            a co-funder's figures and its requests, by page
 *   GET  /guichet/financeurs/{org}/demandes.xlsx   the same as a workbook
 *   GET  /guichet/donnees/subventions.csv     granted parts, SCDL « subventions » (public;
 *                                             ?exemples=1: the example rows too)
 *
 * Rights (auth/authz.c): a window is seen by anyone signed in
 * (MG_AUTH_OBJ_SUBSIDY_WINDOW VIEW); created by whoever may CREATE one in
 * an organisation of theirs (mg_auth_orgs_where); its co-funders are added
 * by the lead's managers and instructors (EDIT with the lead alone); calls
 * opened by the lead's or a co-funder's (EDIT with the co-funders as
 * viewers), in the name of the organisation they act for. A co-funder's
 * page and workbook are for its own members (MG_AUTH_OBJ_SUBSIDY_FUNDER
 * VIEW): anyone else gets the 404 of an organisation that does not exist.
 * Pages call src/funding/ and never run SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "contracts/budget.h"
#include "funding/funding.h"
#include "funding/internal.h"
#include "funding/outputs.h"
#include "parse/parse.h"
#include "web/form.h"
#include "web/funding_web.h"
#include "web/messages.h"
#include "web/web.h"

#define NFIELDS(a) (sizeof(a) / sizeof *(a))

static const char WINDOW_NOT_FOUND[] = "Ce guichet n'existe pas.";
static const char CALL_NOT_FOUND[] = "Cet appel à projets n'existe pas.";
static const char FUNDER_NOT_FOUND[] = "Cette organisation n'existe pas.";
static const char READ_FAILED[] = "Le guichet unique n'a pas pu être lu.";
static const char SAVE_FAILED[] = "La modification n'a pas pu être enregistrée.";
static const char EXPORT_FAILED[] = "L'export n'a pas pu être produit.";

/* Rows of a page of a list of requests. */
#define LIST_PAGE 50

/* --- Small pieces -------------------------------------------------------------------------- */

static void euros(mg_buf *b, int64_t cents)
{
    char s[64];
    mg_budget_format_cents(cents, s, sizeof s);
    mg_html_text(b, s);
}

static void euros_cell(mg_buf *b, int64_t cents)
{
    mg_buf_puts(b, "<td class=\"num\">");
    euros(b, cents);
    mg_buf_puts(b, "</td>");
}

/* "YYYY-MM-DD" as "DD/MM/YYYY"; anything else as it is. */
static void day_fr(mg_buf *b, const char *iso)
{
    char out[16];
    if (iso && strlen(iso) >= 10 && iso[4] == '-' && iso[7] == '-')
        snprintf(out, sizeof out, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
    else
        snprintf(out, sizeof out, "%.15s", iso ? iso : "");
    mg_html_text(b, out);
}

static void alert_p(mg_buf *b, const char *msg)
{
    if (!msg || !*msg)
        return;
    mg_buf_puts(b, "<p class=\"error\" role=\"alert\">");
    mg_html_text(b, msg);
    mg_buf_puts(b, "</p>\n");
}

static void crumbs(mg_buf *b)
{
    mg_buf_puts(b, "<p class=\"crumbs\"><a href=\"/guichet\">Guichet unique</a></p>\n");
}

/* A window as mg_auth_can sees it; viewers borrowed from refs. */
static mg_auth_object window_object(int64_t lead, const int64_t *funders, size_t n)
{
    mg_auth_object o = {.type = MG_AUTH_OBJ_SUBSIDY_WINDOW, .organisation_id = lead,
                        .viewers = funders, .nviewers = n};
    return o;
}

/* A window read with its co-funders. */
typedef struct window_view {
    mg_subsidy_window w;
    mg_subsidy_org_ref *funders;
    size_t nfunders;
    int64_t ids[64];   /* the co-funders' ids, for mg_auth_can */
    size_t nids;
} window_view;

static void window_view_clear(window_view *v)
{
    free(v->funders);
    v->funders = NULL;
    v->nfunders = 0;
}

/* Loads window {wid} when the actor may `verb` it (EDIT: as a co-funder
 * too when with_funders); false once answered. */
static bool window_load(web_ctx *ctx, window_view *v)
{
    memset(v, 0, sizeof *v);
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "wid"), INT64_MAX, &id, NULL) != 0) {
        mg_http_error(ctx->req, ctx->res, 404, WINDOW_NOT_FOUND);
        return false;
    }
    mg_diag d = {{0}};
    int rc = mg_subsidy_window_get(ctx->app->db, id, &v->w, &d);
    if (rc == 0)
        rc = mg_subsidy_window_funders(ctx->app->db, id, &v->funders, &v->nfunders, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, WINDOW_NOT_FOUND, READ_FAILED);
        window_view_clear(v);
        return false;
    }
    for (size_t k = 0; k < v->nfunders && v->nids < NFIELDS(v->ids); k++)
        v->ids[v->nids++] = v->funders[k].id;
    mg_auth_object o = window_object(v->w.lead_id, v->ids, v->nids);
    if (!web_allow_as(ctx, MG_AUTH_VIEW, &o, WINDOW_NOT_FOUND)) {
        window_view_clear(v);
        return false;
    }
    return true;
}

/* Whether the actor adds co-funders: the lead's managers and instructors. */
static bool may_add_funder(const web_ctx *ctx, const window_view *v)
{
    mg_auth_object o = window_object(v->w.lead_id, NULL, 0);
    return web_can(ctx, MG_AUTH_EDIT, &o);
}

/* The organisations the actor may open a call for: the lead and each
 * co-funder in which it may EDIT the window. */
static size_t call_openers(const web_ctx *ctx, const window_view *v, int64_t *out, size_t cap)
{
    size_t n = 0;
    mg_auth_object o = window_object(v->w.lead_id, NULL, 0);
    if (n < cap && web_can(ctx, MG_AUTH_EDIT, &o))
        out[n++] = v->w.lead_id;
    for (size_t k = 0; k < v->nfunders && n < cap; k++) {
        if (v->funders[k].id == v->w.lead_id)
            continue;
        o = window_object(v->funders[k].id, NULL, 0);
        if (web_can(ctx, MG_AUTH_EDIT, &o))
            out[n++] = v->funders[k].id;
    }
    return n;
}

/* The name of organisation id among the window's lead and co-funders. */
static const char *window_org_name(const window_view *v, int64_t id)
{
    if (id == v->w.lead_id)
        return v->w.lead_name;
    for (size_t k = 0; k < v->nfunders; k++)
        if (v->funders[k].id == id)
            return v->funders[k].name;
    return "";
}

/* --- The list of windows and the form that creates one ------------------------------------ */

/* The organisations where the actor may create a window, as <option>s. */
static int lead_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const web_ctx *ctx = options_ctx;
    int64_t ids[MG_AUTH_MEMBERSHIPS_MAX];
    size_t n = mg_auth_orgs_where(ctx->actor, MG_AUTH_CREATE, MG_AUTH_OBJ_SUBSIDY_WINDOW, ids,
                                  MG_AUTH_MEMBERSHIPS_MAX);
    int rc = n == 1 ? MG_OK
                    : mg_html_option(b, "", "Choisir l'organisation pilote",
                                     !selected || !*selected);
    for (size_t k = 0; rc == MG_OK && k < n; k++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)ids[k]);
        const char *name = "";
        for (size_t i = 0; i < ctx->actor->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++)
            if (ctx->actor->m[i].organisation_id == ids[k])
                name = ctx->actor->m[i].org_name;
        rc = mg_html_option(b, id, name, selected && strcmp(selected, id) == 0);
    }
    return rc;
}

static const web_option yes_no[] = {
    {"", "Non"},
    {"1", "Oui"},
    {NULL, NULL},
};

enum { W_LEAD, W_TITLE, W_TERRITORY, W_CONTRACT, W_LEAD_FUNDS };
static const web_field window_fields[] = {
    [W_LEAD] = {.name = "lead", .label = "Organisation pilote", .kind = WEB_FIELD_SELECT,
                .required = true, .options_fn = lead_options,
                .hint = "Elle reçoit les demandes et les oriente vers les cofinanceurs."},
    [W_TITLE] = {.name = "title", .label = "Intitulé", .kind = WEB_FIELD_TEXT, .required = true,
                 .max = MG_SUBSIDY_TITLE_MAX_CHARS, .autocomplete = "off"},
    [W_TERRITORY] = {.name = "territory", .label = "Territoire", .kind = WEB_FIELD_TEXT,
                     .max = 4000, .autocomplete = "off",
                     .hint = "Facultatif : « epci: » suivi du SIREN de l'intercommunalité, ou "
                             "« communes: » suivi de codes INSEE séparés par des virgules."},
    [W_CONTRACT] = {.name = "contract", .label = "N° du contrat local de santé",
                    .kind = WEB_FIELD_TEXT, .max = 20, .autocomplete = "off",
                    .hint = "Facultatif : le numéro du contrat que le guichet sert."},
    [W_LEAD_FUNDS] = {.name = "lead_funds", .label = "Le pilote est aussi cofinanceur",
                      .kind = WEB_FIELD_SELECT, .options = yes_no},
};
static const web_form window_form = {"guichet", window_fields, NFIELDS(window_fields),
                                     "Créer le guichet", NULL};

static int windows_page_draw(web_ctx *ctx, const web_form_input *in, const char *alert)
{
    mg_subsidy_window *ws = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_windows(ctx->app->db, &ws, &n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, WINDOW_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Guichets de financement", "guichet");
    crumbs(b);
    mg_buf_puts(b, "<h1>Guichets de financement</h1>\n<p>Un guichet réunit une organisation "
                   "pilote, qui reçoit les demandes de subvention et les oriente, et les "
                   "cofinanceurs qui les instruisent ensemble. Voir aussi les "
                   "<a href=\"/guichet/appels\">appels à projets</a>.</p>\n");
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucun guichet pour l'instant.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Guichets</caption><thead><tr>"
                       "<th scope=\"col\">Guichet</th><th scope=\"col\">Pilote</th>"
                       "<th scope=\"col\">Territoire</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < n; k++) {
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_link_id(b, "/guichet/guichets/", ws[k].id, NULL);
            mg_html_text(b, ws[k].title);
            mg_buf_puts(b, "</a></th><td>");
            mg_html_text(b, ws[k].lead_name);
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, ws[k].territory[0] ? ws[k].territory : "—");
            mg_buf_puts(b, "</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    free(ws);
    int64_t ids[MG_AUTH_MEMBERSHIPS_MAX];
    if (mg_auth_orgs_where(ctx->actor, MG_AUTH_CREATE, MG_AUTH_OBJ_SUBSIDY_WINDOW, ids,
                           MG_AUTH_MEMBERSHIPS_MAX) > 0) {
        mg_buf_puts(b, "<section aria-labelledby=\"nouveau-guichet\"><h2 id=\"nouveau-guichet\">"
                       "Créer un guichet</h2>\n<p>Les cofinanceurs s'ajoutent ensuite sur la page "
                       "du guichet.</p>\n");
        alert_p(b, alert);
        web_form_render(b, &window_form, in, "post", "/guichet/guichets", ctx, web_csrf(ctx));
        mg_buf_puts(b, "</section>\n");
    }
    web_page_end(b);
    return web_done(ctx);
}

static int windows_page(web_ctx *ctx)
{
    return windows_page_draw(ctx, NULL, NULL);
}

/* A refusal of the store beside its field of `in`, or as the alert. */
static void refuse_into(web_form_input *in, const mg_subsidy_errors *e, const mg_diag *d,
                        char *alert, size_t cap)
{
    bool placed = false;
    for (size_t k = 0; k < e->n && k < MG_SUBSIDY_ERRORS_MAX; k++) {
        if (web_form_field(in->form, e->e[k].field) >= 0) {
            web_form_refuse(in, e->e[k].field, e->e[k].msg);
            placed = true;
        } else if (!alert[0]) {
            snprintf(alert, cap, "%s", e->e[k].msg);
        }
    }
    if (!placed && !alert[0])
        snprintf(alert, cap, "%s", d->msg);
}

static int window_create_post(web_ctx *ctx)
{
    web_form_input in;
    web_form_read(&window_form, ctx->req, &in);
    char alert[sizeof ((mg_diag *)0)->msg] = "";
    int64_t lead = 0, contract = 0;
    if (in.raw[W_LEAD] && *in.raw[W_LEAD] &&
        mg_parse_id(in.raw[W_LEAD], INT64_MAX, &lead, NULL) != 0)
        lead = 0;
    int64_t ids[MG_AUTH_MEMBERSHIPS_MAX];
    size_t n = mg_auth_orgs_where(ctx->actor, MG_AUTH_CREATE, MG_AUTH_OBJ_SUBSIDY_WINDOW, ids,
                                  MG_AUTH_MEMBERSHIPS_MAX);
    if (n == 0) {
        /* No organisation of the actor may lead a window: web_allow answers
         * (403 for an account). */
        mg_auth_object o = {.type = MG_AUTH_OBJ_SUBSIDY_WINDOW};
        if (web_allow(ctx, MG_AUTH_CREATE, &o))
            mg_http_error(ctx->req, ctx->res, 403, "Vous ne pouvez pas créer de guichet.");
        return MG_OK;
    }
    bool allowed = false;
    for (size_t k = 0; k < n; k++)
        allowed = allowed || ids[k] == lead;
    if (in.given[W_LEAD] && !allowed)
        web_form_refuse(&in, "lead", "Choisissez une organisation où vous pouvez créer un "
                                     "guichet.");
    const char *c = in.raw[W_CONTRACT];
    if (c && *c && mg_parse_id(c, INT64_MAX, &contract, NULL) != 0)
        web_form_refuse(&in, "contract", "Le numéro du contrat est un nombre entier, par "
                                         "exemple 12.");
    if (in.nerrors == 0) {
        int64_t funders[1] = {lead};
        bool lead_funds = in.raw[W_LEAD_FUNDS] && strcmp(in.raw[W_LEAD_FUNDS], "1") == 0;
        mg_subsidy_errors e = {0};
        mg_diag d = {{0}};
        int64_t id = 0;
        int rc = mg_subsidy_window_create(ctx->app->db, ctx->actor->account_id, lead,
                                          in.raw[W_TITLE], in.raw[W_TERRITORY], contract,
                                          funders, lead_funds ? 1 : 0, false, &id, &e, &d);
        if (rc == 0) {
            char to[64];
            snprintf(to, sizeof to, "/guichet/guichets/%lld", (long long)id);
            mg_http_redirect(ctx->res, to);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, WINDOW_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
        refuse_into(&in, &e, &d, alert, sizeof alert);
    }
    ctx->res->status = 400;
    return windows_page_draw(ctx, &in, alert);
}

/* --- A window's page ------------------------------------------------------------------------ */

/* The organisations, for the co-funder's choice: every active one not yet
 * of the window, by name (read 1000 at a time, at most 20 pages). */
typedef struct org_choices {
    mg_auth_org *orgs;
    size_t n;
    const window_view *v;
} org_choices;

static org_choices orgs_read(web_ctx *ctx, const window_view *v)
{
    org_choices f = {.v = v};
    for (size_t page = 0; page < 20; page++) {
        mg_auth_org *part = NULL;
        size_t n = 0, total = 0;
        mg_diag d = {{0}};
        if (mg_auth_org_list(ctx->app->db, false, page * 1000, 1000, &part, &n, &total, &d)) {
            fprintf(stderr, "guichet: organisations: %s\n", d.msg);
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

static int funder_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const org_choices *f = options_ctx;
    int rc = mg_html_option(b, "", "Choisir le cofinanceur", !selected || !*selected);
    for (size_t k = 0; f && rc == MG_OK && k < f->n; k++) {
        if (!f->orgs[k].active)
            continue;
        bool already = false;
        for (size_t i = 0; i < f->v->nfunders; i++)
            already = already || f->v->funders[i].id == f->orgs[k].id;
        if (already)
            continue;
        char id[24], label[sizeof f->orgs[k].name + 64];
        snprintf(id, sizeof id, "%lld", (long long)f->orgs[k].id);
        snprintf(label, sizeof label, "%s (%s)", f->orgs[k].name,
                 mg_auth_org_kind_label(f->orgs[k].kind));
        rc = mg_html_option(b, id, label, selected && strcmp(selected, id) == 0);
    }
    return rc;
}

static const web_field add_funder_fields[] = {
    {.name = "funder", .label = "Cofinanceur", .kind = WEB_FIELD_SELECT, .required = true,
     .options_fn = funder_options},
};
static const web_form add_funder_form = {"cofinanceur", add_funder_fields,
                                         NFIELDS(add_funder_fields), "Ajouter le cofinanceur",
                                         NULL};

/* The form to open a call: its fixed fields, then one budget per co-funder
 * (as many as WEB_FORM_MAX_FIELDS leaves room for), built per window. */
enum { C_OPENED_BY, C_TITLE, C_THEME, C_TERRITORY, C_DESCRIPTION, C_OPENS, C_DEADLINE,
       C_FIXED };

typedef struct call_form {
    web_field fields[WEB_FORM_MAX_FIELDS];
    char names[WEB_FORM_MAX_FIELDS][48];
    char labels[WEB_FORM_MAX_FIELDS][MG_SUBSIDY_NAME_MAX_BYTES + 32];
    int64_t budget_funders[WEB_FORM_MAX_FIELDS];
    size_t nbudgets;
    web_form form;
    int64_t openers[MG_AUTH_MEMBERSHIPS_MAX + 1];
    size_t nopeners;
    const window_view *v;
} call_form;

static int opener_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const call_form *cf = options_ctx;
    int rc = MG_OK;
    for (size_t k = 0; rc == MG_OK && k < cf->nopeners; k++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)cf->openers[k]);
        bool sel = selected && *selected ? strcmp(selected, id) == 0 : k == 0;
        rc = mg_html_option(b, id, window_org_name(cf->v, cf->openers[k]), sel);
    }
    return rc;
}

#define AMOUNT_HINT "En euros, par exemple 50 000 ou 12 500,50 ; vide : pas de budget annoncé."

static void call_form_build(call_form *cf, const web_ctx *ctx, const window_view *v)
{
    memset(cf, 0, sizeof *cf);
    cf->v = v;
    cf->nopeners = call_openers(ctx, v, cf->openers, NFIELDS(cf->openers));
    web_field *f = cf->fields;
    f[C_OPENED_BY] = (web_field){.name = "opened_by", .label = "Au nom de",
                                 .kind = WEB_FIELD_SELECT, .required = true,
                                 .options_fn = opener_options};
    f[C_TITLE] = (web_field){.name = "title", .label = "Intitulé", .kind = WEB_FIELD_TEXT,
                             .required = true, .max = MG_SUBSIDY_TITLE_MAX_CHARS,
                             .autocomplete = "off"};
    f[C_THEME] = (web_field){.name = "theme", .label = "Thème", .kind = WEB_FIELD_TEXT,
                             .max = MG_SUBSIDY_TITLE_MAX_CHARS, .autocomplete = "off",
                             .hint = "Par exemple : santé mentale, prévention, accès aux soins."};
    f[C_TERRITORY] = (web_field){.name = "territory", .label = "Territoire",
                                 .kind = WEB_FIELD_TEXT, .max = 4000, .autocomplete = "off",
                                 .hint = "Facultatif : « epci: » et un SIREN, ou « communes: » "
                                         "et des codes INSEE."};
    f[C_DESCRIPTION] = (web_field){.name = "description", .label = "Description",
                                   .kind = WEB_FIELD_TEXT, .max = MG_SUBSIDY_TEXT_MAX_CHARS,
                                   .autocomplete = "off"};
    f[C_OPENS] = (web_field){.name = "opens_on", .label = "Ouverture", .kind = WEB_FIELD_TEXT,
                             .required = true, .max = 20, .input_type = "date",
                             .hint = "jj/mm/aaaa"};
    f[C_DEADLINE] = (web_field){.name = "deadline", .label = "Date limite de dépôt",
                                .kind = WEB_FIELD_TEXT, .required = true, .max = 20,
                                .input_type = "date",
                                .hint = "jj/mm/aaaa ; les demandes sont reçues jusqu'à ce jour "
                                        "inclus."};
    size_t n = C_FIXED;
    for (size_t k = 0; k < v->nfunders && n < WEB_FORM_MAX_FIELDS; k++, n++) {
        snprintf(cf->names[n], sizeof cf->names[n], "budget_%lld", (long long)v->funders[k].id);
        snprintf(cf->labels[n], sizeof cf->labels[n], "Budget de %s", v->funders[k].name);
        cf->budget_funders[cf->nbudgets++] = v->funders[k].id;
        f[n] = (web_field){.name = cf->names[n], .label = cf->labels[n], .kind = WEB_FIELD_TEXT,
                           .max = 40, .autocomplete = "off", .hint = AMOUNT_HINT};
    }
    cf->form = (web_form){"appel", cf->fields, n, "Ouvrir l'appel à projets", NULL};
}

/* A page of the window's requests (the lead's members). */
struct list_state {
    int64_t wid;
};

static void window_page_href(mg_buf *b, const void *state, size_t page)
{
    const struct list_state *s = state;
    char path[64], p[24];
    snprintf(path, sizeof path, "/guichet/guichets/%lld", (long long)s->wid);
    snprintf(p, sizeof p, "%zu", page);
    mg_html_href(b, path, (const char *[]){"page", page > 1 ? p : NULL, NULL}, "demandes");
}

static void requests_table(mg_buf *b, const mg_subsidy_row *r, size_t n, bool funder,
                           const char *caption)
{
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>");
    mg_html_text(b, caption);
    mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">N°</th><th scope=\"col\">Projet</th>"
                   "<th scope=\"col\">Demandeur</th><th scope=\"col\">État</th>"
                   "<th scope=\"col\">Demandé</th><th scope=\"col\">Accordé</th>"
                   "<th scope=\"col\">Versé</th><th scope=\"col\">Déposée le</th></tr></thead>"
                   "<tbody>\n");
    for (size_t k = 0; k < n; k++) {
        mg_buf_printf(b, "<tr><td>%lld</td><th scope=\"row\">", (long long)r[k].id);
        mg_html_link_id(b, "/guichet/demandes/", r[k].id, NULL);
        mg_html_text(b, r[k].title[0] ? r[k].title : "(sans titre)");
        mg_buf_puts(b, "</a>");
        if (r[k].is_example)
            mg_buf_puts(b, " <small>(exemple)</small>");
        mg_buf_puts(b, "</th><td>");
        mg_html_text(b, r[k].applicant_name);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, funder ? mg_subsidy_part_state_label(r[k].part_state)
                               : mg_subsidy_state_label(r[k].state));
        mg_buf_puts(b, "</td>");
        euros_cell(b, r[k].asked_cents);
        euros_cell(b, r[k].granted_cents);
        euros_cell(b, r[k].paid_cents);
        mg_buf_puts(b, "<td>");
        char day[11];
        snprintf(day, sizeof day, "%.10s", r[k].filed_at);
        day_fr(b, day);
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
}

/* What a refused form of the window's page brings back. */
typedef struct window_forms {
    const web_form_input *funder_in, *call_in;
    const char *funder_alert, *call_alert;
    const call_form *cf;
} window_forms;

static int window_page_draw(web_ctx *ctx, window_view *v, const window_forms *wf)
{
    size_t page = 1;
    if (web_page_param(ctx->req, "page", &page) != 0) {
        mg_http_error(ctx->req, ctx->res, 404, "Cette page de la liste n'existe pas.");
        return MG_OK;
    }
    char today[11];
    mg_subsidy_today(today);
    mg_subsidy_call *calls = NULL;
    size_t ncalls = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_calls(ctx->app->db, v->w.id, today, &calls, &ncalls, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, WINDOW_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    /* The lead's members see its requests. */
    mg_auth_object lead_obj = {.type = MG_AUTH_OBJ_SUBSIDY_FUNDER,
                               .organisation_id = v->w.lead_id};
    bool lead_member = web_can(ctx, MG_AUTH_VIEW, &lead_obj);
    mg_subsidy_row *rows = NULL;
    size_t nrows = 0, total = 0;
    web_pager pg = {1, 1, 0, 0};
    if (lead_member) {
        mg_subsidy_filter f = {.lead_id = v->w.lead_id, .offset = (page - 1) * LIST_PAGE,
                               .limit = LIST_PAGE};
        rc = mg_subsidy_list(ctx->app->db, &f, &rows, &nrows, &total, &d);
        if (rc == 0 && web_paginate(total, page, LIST_PAGE, &pg) != 0)
            rc = MG_ENOTFOUND;
        if (rc) {
            free(calls);
            free(rows);
            web_storage_error(ctx->req, ctx->res, rc, &d, "Cette page de la liste n'existe pas.",
                              READ_FAILED);
            return MG_OK;
        }
    } else if (page > 1) {
        free(calls);
        mg_http_error(ctx->req, ctx->res, 404, "Cette page de la liste n'existe pas.");
        return MG_OK;
    }

    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, v->w.title, "guichet");
    mg_buf_puts(b, "<p class=\"crumbs\"><a href=\"/guichet\">Guichet unique</a> › "
                   "<a href=\"/guichet/guichets\">Guichets</a></p>\n<h1>");
    mg_html_text(b, v->w.title);
    if (v->w.is_example)
        mg_buf_puts(b, " <small>(exemple)</small>");
    mg_buf_puts(b, "</h1>\n<dl><dt>Pilote</dt><dd>");
    mg_html_text(b, v->w.lead_name);
    mg_buf_puts(b, "</dd><dt>Territoire</dt><dd>");
    mg_html_text(b, v->w.territory[0] ? v->w.territory : "—");
    mg_buf_puts(b, "</dd>");
    if (v->w.contract_id) {
        mg_buf_puts(b, "<dt>Contrat</dt><dd>");
        mg_html_link_id(b, "/contrats/", v->w.contract_id, NULL);
        mg_buf_printf(b, "Contrat n° %lld</a></dd>", (long long)v->w.contract_id);
    }
    mg_buf_puts(b, "</dl>\n<p><a class=\"button\" href=\"");
    char wid[24];
    snprintf(wid, sizeof wid, "%lld", (long long)v->w.id);
    mg_html_href(b, "/guichet/demandes/nouvelle", (const char *[]){"guichet", wid, NULL}, NULL);
    mg_buf_puts(b, "\">Déposer une demande</a> · <a href=\"");
    char path[96];
    snprintf(path, sizeof path, "/guichet/guichets/%lld/commissions", (long long)v->w.id);
    mg_html_attr(b, path);
    mg_buf_puts(b, "\">Commissions du guichet</a></p>\n");

    /* Co-funders. */
    mg_buf_puts(b, "<section aria-labelledby=\"cofinanceurs\"><h2 id=\"cofinanceurs\">"
                   "Cofinanceurs</h2>\n");
    if (v->nfunders == 0) {
        mg_buf_puts(b, "<p>Aucun cofinanceur pour l'instant.</p>\n");
    } else {
        mg_buf_puts(b, "<ul>\n");
        for (size_t k = 0; k < v->nfunders; k++) {
            mg_buf_puts(b, "<li>");
            mg_html_text(b, v->funders[k].name);
            mg_auth_object fo = {.type = MG_AUTH_OBJ_SUBSIDY_FUNDER,
                                 .organisation_id = v->funders[k].id};
            if (web_can(ctx, MG_AUTH_VIEW, &fo)) {
                mg_buf_puts(b, " — ");
                mg_html_link_id(b, "/guichet/financeurs/", v->funders[k].id, NULL);
                mg_buf_puts(b, "ses demandes et ses chiffres</a>");
            }
            mg_buf_puts(b, "</li>\n");
        }
        mg_buf_puts(b, "</ul>\n");
    }
    if (may_add_funder(ctx, v)) {
        org_choices oc = orgs_read(ctx, v);
        snprintf(path, sizeof path, "/guichet/guichets/%lld/cofinanceurs", (long long)v->w.id);
        alert_p(b, wf ? wf->funder_alert : NULL);
        web_form_render(b, &add_funder_form, wf ? wf->funder_in : NULL, "post", path, &oc,
                        web_csrf(ctx));
        free(oc.orgs);
    }
    mg_buf_puts(b, "</section>\n");

    /* Calls. */
    mg_buf_puts(b, "<section aria-labelledby=\"appels\"><h2 id=\"appels\">Appels à projets</h2>\n");
    if (ncalls == 0) {
        mg_buf_puts(b, "<p>Aucun appel à projets dans ce guichet.</p>\n");
    } else {
        mg_buf_puts(b, "<ul>\n");
        for (size_t k = 0; k < ncalls; k++) {
            mg_buf_puts(b, "<li>");
            mg_html_link_id(b, "/guichet/appels/", calls[k].id, NULL);
            mg_html_text(b, calls[k].title);
            mg_buf_puts(b, "</a> — ");
            mg_html_text(b, strcmp(calls[k].deadline, today) >= 0 ? "ouvert jusqu'au "
                                                                  : "clos le ");
            day_fr(b, calls[k].deadline);
            mg_buf_puts(b, "</li>\n");
        }
        mg_buf_puts(b, "</ul>\n");
    }
    call_form own;
    const call_form *cf = wf && wf->cf ? wf->cf : NULL;
    if (!cf) {
        call_form_build(&own, ctx, v);
        cf = &own;
    }
    mg_auth_object wo = window_object(v->w.lead_id, v->ids, v->nids);
    if (cf->nopeners > 0 && web_can(ctx, MG_AUTH_EDIT, &wo)) {
        mg_buf_puts(b, "<h3>Ouvrir un appel à projets</h3>\n");
        alert_p(b, wf ? wf->call_alert : NULL);
        snprintf(path, sizeof path, "/guichet/guichets/%lld/appels", (long long)v->w.id);
        web_form_render(b, &cf->form, wf ? wf->call_in : NULL, "post", path, cf, web_csrf(ctx));
    }
    mg_buf_puts(b, "</section>\n");

    /* Requests, for the lead's members. */
    if (lead_member) {
        mg_buf_puts(b, "<section aria-labelledby=\"demandes\"><h2 id=\"demandes\">Demandes "
                       "reçues par le pilote</h2>\n");
        if (total == 0) {
            mg_buf_puts(b, "<p>Aucune demande déposée.</p>\n");
        } else {
            mg_buf_printf(b, "<p>%zu ", total);
            mg_html_text(b, total > 1 ? "demandes déposées" : "demande déposée");
            mg_buf_puts(b, " dans les guichets que pilote ");
            mg_html_text(b, v->w.lead_name);
            mg_buf_puts(b, ".</p>\n");
            requests_table(b, rows, nrows, false, "Demandes, les plus récentes d'abord");
            struct list_state st = {v->w.id};
            web_pager_nav(b, &pg, "Pages des demandes", window_page_href, &st);
        }
        mg_buf_puts(b, "</section>\n");
    }
    free(rows);
    free(calls);
    web_page_end(b);
    return web_done(ctx);
}

static int window_page(web_ctx *ctx)
{
    window_view v;
    if (!window_load(ctx, &v))
        return MG_OK;
    int rc = window_page_draw(ctx, &v, NULL);
    window_view_clear(&v);
    return rc;
}

static int add_funder_post(web_ctx *ctx)
{
    window_view v;
    if (!window_load(ctx, &v))
        return MG_OK;
    mg_auth_object o = window_object(v.w.lead_id, NULL, 0);
    if (!web_allow(ctx, MG_AUTH_EDIT, &o)) {
        window_view_clear(&v);
        return MG_OK;
    }
    web_form_input in;
    web_form_read(&add_funder_form, ctx->req, &in);
    char alert[sizeof ((mg_diag *)0)->msg] = "";
    if (in.nerrors == 0) {
        int64_t funder = 0;
        mg_diag d = {{0}};
        int rc = mg_parse_id(in.raw[0], INT64_MAX, &funder, NULL) == 0
                     ? mg_subsidy_window_add_funder(ctx->app->db, ctx->actor->account_id,
                                                    v.w.id, funder, &d)
                     : MG_EINVAL;
        if (rc == 0) {
            char to[96];
            snprintf(to, sizeof to, "/guichet/guichets/%lld#cofinanceurs", (long long)v.w.id);
            mg_http_redirect(ctx->res, to);
            window_view_clear(&v);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, WINDOW_NOT_FOUND, SAVE_FAILED);
            window_view_clear(&v);
            return MG_OK;
        }
        web_form_refuse(&in, "funder", "Choisissez le cofinanceur dans la liste.");
    }
    ctx->res->status = 400;
    window_forms wf = {.funder_in = &in, .funder_alert = alert};
    int rc = window_page_draw(ctx, &v, &wf);
    window_view_clear(&v);
    return rc;
}

static int call_create_post(web_ctx *ctx)
{
    window_view v;
    if (!window_load(ctx, &v))
        return MG_OK;
    mg_auth_object o = window_object(v.w.lead_id, v.ids, v.nids);
    if (!web_allow(ctx, MG_AUTH_EDIT, &o)) {
        window_view_clear(&v);
        return MG_OK;
    }
    call_form *cf = calloc(1, sizeof *cf);
    if (!cf) {
        window_view_clear(&v);
        return MG_ENOMEM;
    }
    call_form_build(cf, ctx, &v);
    web_form_input in;
    web_form_read(&cf->form, ctx->req, &in);
    int64_t opener = 0;
    if (in.raw[C_OPENED_BY] && mg_parse_id(in.raw[C_OPENED_BY], INT64_MAX, &opener, NULL) != 0)
        opener = 0;
    bool may = false;
    for (size_t k = 0; k < cf->nopeners; k++)
        may = may || cf->openers[k] == opener;
    if (!may && in.given[C_OPENED_BY])
        web_form_refuse(&in, "opened_by", "Choisissez une organisation au nom de laquelle vous "
                                          "pouvez ouvrir un appel.");
    char alert[sizeof ((mg_diag *)0)->msg] = "";
    if (in.nerrors == 0) {
        const char *amounts[WEB_FORM_MAX_FIELDS];
        for (size_t k = 0; k < cf->nbudgets; k++)
            amounts[k] = in.raw[C_FIXED + k] ? in.raw[C_FIXED + k] : "";
        mg_subsidy_call_input ci = {.title = in.raw[C_TITLE], .theme = in.raw[C_THEME],
                                    .territory = in.raw[C_TERRITORY],
                                    .description = in.raw[C_DESCRIPTION],
                                    .opens_on = in.raw[C_OPENS], .deadline = in.raw[C_DEADLINE],
                                    .budget_funders = cf->budget_funders,
                                    .budget_amounts = amounts, .nbudgets = cf->nbudgets};
        mg_subsidy_errors e = {0};
        mg_diag d = {{0}};
        int64_t id = 0;
        int rc = mg_subsidy_call_create(ctx->app->db, ctx->actor->account_id, v.w.id, opener,
                                        &ci, false, &id, &e, &d);
        if (rc == 0) {
            char to[64];
            snprintf(to, sizeof to, "/guichet/appels/%lld", (long long)id);
            mg_http_redirect(ctx->res, to);
            free(cf);
            window_view_clear(&v);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, WINDOW_NOT_FOUND, SAVE_FAILED);
            free(cf);
            window_view_clear(&v);
            return MG_OK;
        }
        refuse_into(&in, &e, &d, alert, sizeof alert);
    }
    ctx->res->status = 400;
    window_forms wf = {.call_in = &in, .call_alert = alert, .cf = cf};
    int rc = window_page_draw(ctx, &v, &wf);
    free(cf);
    window_view_clear(&v);
    return rc;
}

/* --- Calls ---------------------------------------------------------------------------------- */

static int calls_page(web_ctx *ctx)
{
    char today[11];
    mg_subsidy_today(today);
    mg_subsidy_call *c = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_calls(ctx->app->db, 0, today, &c, &n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, CALL_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Appels à projets", "guichet");
    crumbs(b);
    mg_buf_puts(b, "<h1>Appels à projets</h1>\n<p>Les appels ouverts d'abord, la date limite "
                   "la plus proche en tête ; une demande est reçue jusqu'à la date limite "
                   "incluse.</p>\n");
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucun appel à projets pour l'instant.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Appels à projets</caption><thead>"
                       "<tr><th scope=\"col\">Appel</th><th scope=\"col\">Thème</th>"
                       "<th scope=\"col\">Ouvert par</th><th scope=\"col\">Ouverture</th>"
                       "<th scope=\"col\">Date limite</th><th scope=\"col\">État</th></tr>"
                       "</thead><tbody>\n");
        for (size_t k = 0; k < n; k++) {
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_link_id(b, "/guichet/appels/", c[k].id, NULL);
            mg_html_text(b, c[k].title);
            mg_buf_puts(b, "</a>");
            if (c[k].is_example)
                mg_buf_puts(b, " <small>(exemple)</small>");
            mg_buf_puts(b, "</th><td>");
            mg_html_text(b, c[k].theme[0] ? c[k].theme : "—");
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, c[k].opened_by_name);
            mg_buf_puts(b, "</td><td>");
            day_fr(b, c[k].opens_on);
            mg_buf_puts(b, "</td><td>");
            day_fr(b, c[k].deadline);
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, strcmp(c[k].deadline, today) >= 0 ? "Ouvert" : "Clos");
            mg_buf_puts(b, "</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    free(c);
    web_page_end(b);
    return web_done(ctx);
}

static int call_page(web_ctx *ctx)
{
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "cid"), INT64_MAX, &id, NULL) != 0) {
        mg_http_error(ctx->req, ctx->res, 404, CALL_NOT_FOUND);
        return MG_OK;
    }
    mg_subsidy_call *c = malloc(sizeof *c);
    if (!c)
        return MG_ENOMEM;
    mg_subsidy_window w;
    mg_subsidy_call_budget *bud = NULL;
    size_t nb = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_call_get(ctx->app->db, id, c, &d);
    if (rc == 0)
        rc = mg_subsidy_window_get(ctx->app->db, c->window_id, &w, &d);
    if (rc == 0)
        rc = mg_subsidy_call_budgets(ctx->app->db, id, &bud, &nb, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, CALL_NOT_FOUND, READ_FAILED);
        free(c);
        return MG_OK;
    }
    char today[11];
    mg_subsidy_today(today);
    bool open = strcmp(c->deadline, today) >= 0;
    bool opened = strcmp(c->opens_on, today) <= 0;
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, c->title, "guichet");
    mg_buf_puts(b, "<p class=\"crumbs\"><a href=\"/guichet\">Guichet unique</a> › "
                   "<a href=\"/guichet/appels\">Appels à projets</a></p>\n<h1>");
    mg_html_text(b, c->title);
    if (c->is_example)
        mg_buf_puts(b, " <small>(exemple)</small>");
    mg_buf_puts(b, "</h1>\n<p class=\"status\"><strong>");
    mg_html_text(b, !open ? "Clos" : opened ? "Ouvert" : "À venir");
    mg_buf_puts(b, "</strong> — date limite de dépôt : ");
    day_fr(b, c->deadline);
    mg_buf_puts(b, " (incluse).</p>\n<dl><dt>Guichet</dt><dd>");
    if (ctx->actor->account_id)
        mg_html_link_id(b, "/guichet/guichets/", w.id, NULL);
    mg_html_text(b, w.title);
    if (ctx->actor->account_id)
        mg_buf_puts(b, "</a>");
    mg_buf_puts(b, "</dd><dt>Ouvert par</dt><dd>");
    mg_html_text(b, c->opened_by_name);
    mg_buf_puts(b, "</dd><dt>Thème</dt><dd>");
    mg_html_text(b, c->theme[0] ? c->theme : "—");
    mg_buf_puts(b, "</dd><dt>Territoire</dt><dd>");
    mg_html_text(b, c->territory[0] ? c->territory : "—");
    mg_buf_puts(b, "</dd><dt>Ouverture</dt><dd>");
    day_fr(b, c->opens_on);
    mg_buf_puts(b, "</dd></dl>\n");
    if (c->description[0]) {
        mg_buf_puts(b, "<h2>Description</h2>\n<p class=\"prewrap\">");
        mg_html_text(b, c->description);
        mg_buf_puts(b, "</p>\n");
    }
    mg_buf_puts(b, "<h2>Budgets annoncés</h2>\n");
    if (nb == 0) {
        mg_buf_puts(b, "<p>Aucun budget annoncé.</p>\n");
    } else {
        int64_t sum = 0;
        mg_buf_puts(b, "<table><caption>Budget de chaque cofinanceur pour cet appel</caption>"
                       "<thead><tr><th scope=\"col\">Cofinanceur</th><th scope=\"col\">Budget"
                       "</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < nb; k++) {
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_text(b, bud[k].funder_name);
            mg_buf_puts(b, "</th>");
            euros_cell(b, bud[k].budget_cents);
            mg_buf_puts(b, "</tr>\n");
            sum += bud[k].budget_cents;
        }
        mg_buf_puts(b, "</tbody><tfoot><tr><th scope=\"row\">Total</th>");
        euros_cell(b, sum);
        mg_buf_puts(b, "</tr></tfoot></table>\n");
    }
    if (open) {
        char wid[24], cid[24];
        snprintf(wid, sizeof wid, "%lld", (long long)w.id);
        snprintf(cid, sizeof cid, "%lld", (long long)c->id);
        mg_buf_puts(b, "<p><a class=\"button\" href=\"");
        mg_html_href(b, "/guichet/demandes/nouvelle",
                     (const char *[]){"guichet", wid, "appel", cid, NULL}, NULL);
        mg_buf_puts(b, "\">Déposer une demande en réponse à cet appel</a></p>\n");
    } else {
        mg_buf_puts(b, "<p>Cet appel est clos : il ne reçoit plus de demandes.</p>\n");
    }
    free(bud);
    free(c);
    web_page_end(b);
    return web_done(ctx);
}

/* --- A co-funder's page --------------------------------------------------------------------- */

/* Loads organisation {org} when the actor sees its figures; false once
 * answered (404 for another organisation's, as for none). */
static bool funder_load(web_ctx *ctx, mg_auth_org *org)
{
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "org"), INT64_MAX, &id, NULL) != 0) {
        mg_http_error(ctx->req, ctx->res, 404, FUNDER_NOT_FOUND);
        return false;
    }
    mg_auth_object o = {.type = MG_AUTH_OBJ_SUBSIDY_FUNDER, .organisation_id = id};
    /* Decided before reading: a stranger learns nothing of which ids exist. */
    if (!web_allow_as(ctx, MG_AUTH_VIEW, &o, FUNDER_NOT_FOUND))
        return false;
    mg_diag d = {{0}};
    int rc = mg_auth_org_get(ctx->app->db, id, org, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, FUNDER_NOT_FOUND, READ_FAILED);
        return false;
    }
    return true;
}

static void figures_table(mg_buf *b, const char *caption, const char *first,
                          const mg_subsidy_group *g, size_t n, const mg_subsidy_amounts *all)
{
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>");
    mg_html_text(b, caption);
    mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">");
    mg_html_text(b, first);
    mg_buf_puts(b, "</th><th scope=\"col\">Demandes</th><th scope=\"col\">Demandé</th>"
                   "<th scope=\"col\">Accordé</th><th scope=\"col\">Versé</th></tr></thead>"
                   "<tbody>\n");
    for (size_t k = 0; k < n; k++) {
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_text(b, g[k].label);
        mg_buf_printf(b, "</th><td class=\"num\">%lld</td>", (long long)g[k].a.requests);
        euros_cell(b, g[k].a.asked);
        euros_cell(b, g[k].a.granted);
        euros_cell(b, g[k].a.paid);
        mg_buf_puts(b, "</tr>\n");
    }
    mg_buf_printf(b, "</tbody><tfoot><tr><th scope=\"row\">Total</th><td class=\"num\">%lld</td>",
                  (long long)all->requests);
    euros_cell(b, all->asked);
    euros_cell(b, all->granted);
    euros_cell(b, all->paid);
    mg_buf_puts(b, "</tr></tfoot></table></div>\n");
}

struct funder_state {
    int64_t org;
    const char *etat;
};

static void funder_page_href(mg_buf *b, const void *state, size_t page)
{
    const struct funder_state *s = state;
    char path[64], p[24];
    snprintf(path, sizeof path, "/guichet/financeurs/%lld", (long long)s->org);
    snprintf(p, sizeof p, "%zu", page);
    mg_html_href(b, path,
                 (const char *[]){"etat", s->etat && *s->etat ? s->etat : NULL, "page",
                                  page > 1 ? p : NULL, NULL},
                 "demandes");
}

static int funder_page(web_ctx *ctx)
{
    mg_auth_org org;
    if (!funder_load(ctx, &org))
        return MG_OK;
    const char *etat = mg_http_query(ctx->req, "etat");
    mg_subsidy_part_state ps;
    if (etat && *etat && mg_subsidy_part_state_parse(etat, &ps) != 0) {
        mg_http_error(ctx->req, ctx->res, 400,
                      "Le filtre « état » n'est pas un état connu d'une part de demande.");
        return MG_OK;
    }
    size_t page = 1;
    if (web_page_param(ctx->req, "page", &page) != 0) {
        mg_http_error(ctx->req, ctx->res, 404, "Cette page de la liste n'existe pas.");
        return MG_OK;
    }
    mg_subsidy_funder_figures fig;
    mg_subsidy_row *rows = NULL;
    size_t nrows = 0, total = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_funder_figures_get(ctx->app->db, org.id, &fig, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, FUNDER_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    /* How many: the figures' count, of the state asked or of all. */
    total = (size_t)fig.all.requests;
    if (etat && *etat) {
        total = 0;
        for (size_t k = 0; k < fig.nstate; k++)
            if (fig.by_state[k].key == (int64_t)ps)
                total = (size_t)fig.by_state[k].a.requests;
    }
    web_pager pg;
    if (web_paginate(total, page, LIST_PAGE, &pg) != 0)
        rc = MG_ENOTFOUND;
    else
        rc = mg_subsidy_funder_page(ctx->app->db, org.id, etat, (page - 1) * LIST_PAGE,
                                    LIST_PAGE, &rows, &nrows, &d);
    if (rc) {
        mg_subsidy_funder_figures_clear(&fig);
        free(rows);
        web_storage_error(ctx->req, ctx->res, rc, &d, "Cette page de la liste n'existe pas.",
                          READ_FAILED);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    char title[sizeof org.name + 48];
    snprintf(title, sizeof title, "Demandes de subvention — %s", org.name);
    web_page_begin(b, ctx, title, "guichet");
    crumbs(b);
    mg_buf_puts(b, "<h1>Demandes de subvention orientées vers ");
    mg_html_text(b, org.name);
    mg_buf_puts(b, "</h1>\n<p>Ce que le pilote a orienté vers l'organisation ; chaque montant est "
                   "celui de sa part : demandé, accordé, versé.</p>\n<p><a href=\"");
    char path[96];
    snprintf(path, sizeof path, "/guichet/financeurs/%lld/demandes.xlsx", (long long)org.id);
    mg_html_attr(b, path);
    mg_buf_puts(b, "\">Télécharger ses demandes (tableur XLSX)</a> · <a href=\"");
    snprintf(path, sizeof path, "/guichet/financeurs/%lld/comptes-rendus", (long long)org.id);
    mg_html_attr(b, path);
    mg_buf_puts(b, "\">Comptes rendus financiers attendus</a></p>\n");

    mg_buf_puts(b, "<section aria-labelledby=\"chiffres\"><h2 id=\"chiffres\">Chiffres</h2>\n");
    if (fig.all.requests == 0) {
        mg_buf_puts(b, "<p>Aucune demande n'a encore été orientée vers cette organisation.</p>\n");
    } else {
        figures_table(b, "Par état de la part", "État", fig.by_state, fig.nstate, &fig.all);
        figures_table(b, "Par année de début du projet", "Année", fig.by_year, fig.nyear,
                      &fig.all);
        figures_table(b, "Par action du contrat", "Action", fig.by_action, fig.naction,
                      &fig.all);
        figures_table(b, "Demandeurs financés", "Demandeur", fig.by_applicant, fig.napplicant,
                      &fig.all);
    }
    mg_buf_puts(b, "</section>\n<section aria-labelledby=\"demandes\"><h2 id=\"demandes\">"
                   "Demandes</h2>\n<form method=\"get\" action=\"");
    snprintf(path, sizeof path, "/guichet/financeurs/%lld", (long long)org.id);
    mg_html_attr(b, path);
    mg_buf_puts(b, "#demandes\" class=\"choice\"><label for=\"etat\">État de la part</label> "
                   "<select id=\"etat\" name=\"etat\">");
    mg_html_option(b, "", "Tous", !etat || !*etat);
    for (int s = 0; s < MG_PART_STATES; s++) {
        const char *key = mg_subsidy_part_state_key((mg_subsidy_part_state)s);
        mg_html_option(b, key, mg_subsidy_part_state_label((mg_subsidy_part_state)s),
                       etat && strcmp(etat, key) == 0);
    }
    mg_buf_puts(b, "</select> <button type=\"submit\">Filtrer</button></form>\n");
    if (total == 0) {
        mg_buf_puts(b, "<p>Aucune demande.</p>\n");
    } else {
        mg_buf_printf(b, "<p>%zu ", total);
        mg_html_text(b, total > 1 ? "demandes." : "demande.");
        mg_buf_puts(b, "</p>\n");
        requests_table(b, rows, nrows, true, "Demandes, les plus récentes d'abord");
        struct funder_state st = {org.id, etat};
        web_pager_nav(b, &pg, "Pages des demandes", funder_page_href, &st);
    }
    mg_buf_puts(b, "</section>\n");
    mg_subsidy_funder_figures_clear(&fig);
    free(rows);
    web_page_end(b);
    return web_done(ctx);
}

/* The TMPDIR the workbook is written in, /tmp otherwise. */
static const char *tmp_dir(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

static int funder_xlsx(web_ctx *ctx)
{
    mg_auth_org org;
    if (!funder_load(ctx, &org))
        return MG_OK;
    char path[512];
    snprintf(path, sizeof path, "%s/maillage-guichet-XXXXXX", tmp_dir());
    int fd = mkstemp(path);
    mg_diag d = {{0}};
    int rc = fd < 0 ? mg_diag_set(&d, MG_EIO, path, 0, 0, "cannot make a temporary file") : 0;
    if (fd >= 0)
        close(fd);
    if (rc == 0)
        rc = mg_subsidy_funder_xlsx(ctx->app->db, org.id, path, &d);
    FILE *f = rc == 0 ? fopen(path, "rb") : NULL;
    if (rc == 0 && !f)
        rc = mg_diag_set(&d, MG_EIO, path, 0, 0, "cannot read the workbook back");
    if (f) {
        char buf[65536];
        size_t n;
        while (rc == 0 && (n = fread(buf, 1, sizeof buf, f)) > 0)
            rc = mg_buf_append(&ctx->res->body, buf, n); /* lint-ok: XLSX bytes, not HTML */
        if (rc == 0 && ferror(f))
            rc = mg_diag_set(&d, MG_EIO, path, 0, 0, "cannot read the workbook back");
        fclose(f);
    }
    if (fd >= 0)
        unlink(path);
    if (rc) {
        mg_buf_reset(&ctx->res->body);
        web_storage_error(ctx->req, ctx->res, rc, &d, FUNDER_NOT_FOUND, EXPORT_FAILED);
        return MG_OK;
    }
    ctx->res->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    snprintf(ctx->res->disposition, sizeof ctx->res->disposition,
             "attachment; filename=\"demandes-cofinanceur-%lld.xlsx\"", (long long)org.id);
    return MG_OK;
}

/* --- Open data ------------------------------------------------------------------------------ */

static int open_data_csv(web_ctx *ctx)
{
    char *data = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&data, &len);
    if (!out)
        return MG_ENOMEM;
    /* ?exemples=1 asks for the demo's example rows too. */
    const char *ex = mg_http_query(ctx->req, "exemples");
    bool examples = ex && strcmp(ex, "1") == 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_open_data(ctx->app->db, out, examples, &d);
    if (fclose(out) != 0 && rc == 0)
        rc = mg_diag_set(&d, MG_ENOMEM, NULL, 0, 0, "cannot write the open-data file");
    if (rc == 0)
        rc = mg_buf_append(&ctx->res->body, data, len); /* lint-ok: a CSV body, not HTML */
    free(data);
    if (rc) {
        mg_buf_reset(&ctx->res->body);
        web_storage_error(ctx->req, ctx->res, rc, &d, EXPORT_FAILED, EXPORT_FAILED);
        return MG_OK;
    }
    ctx->res->content_type = "text/csv; charset=utf-8";
    snprintf(ctx->res->disposition, sizeof ctx->res->disposition,
             "attachment; filename=\"subventions-accordees.csv\"");
    ctx->res->compressible = true;
    return MG_OK;
}

const web_route web_routes_funding_calls[] = {
    {"GET", "/guichet/guichets", windows_page, WEB_ACCOUNT, 0},
    {"POST", "/guichet/guichets", window_create_post, WEB_ACCOUNT, 0},
    {"GET", "/guichet/guichets/{wid}", window_page, WEB_ACCOUNT, 0},
    {"POST", "/guichet/guichets/{wid}/cofinanceurs", add_funder_post, WEB_ACCOUNT, 0},
    {"POST", "/guichet/guichets/{wid}/appels", call_create_post, WEB_ACCOUNT, 0},
    {"GET", "/guichet/appels", calls_page, WEB_ANYONE, 0},
    {"GET", "/guichet/appels/{cid}", call_page, WEB_ANYONE, 0},
    {"GET", "/guichet/financeurs/{org}", funder_page, WEB_ACCOUNT, 0},
    {"GET", "/guichet/financeurs/{org}/demandes.xlsx", funder_xlsx, WEB_ACCOUNT, 0},
    {"GET", "/guichet/donnees/subventions.csv", open_data_csv, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
