/*
 * The single window's pages for the request itself (issue 16;
 * docs/funding-requests.md): /guichet (what the actor's organisations
 * have in the window), the request form laid out like the CERFA 12156
 * (draft saved as one goes, filing), the request's page with the sections
 * of the other files of the family (funding_web.h), renewals and the
 * versions kept. Pages call src/funding/ and never run SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "contracts/budget.h"
#include "directory/holidays.h"
#include "funding/aftergrant.h"
#include "funding/instruction.h"
#include "funding/funding.h"
#include "parse/parse.h"
#include "web/funding_web.h"

/* Today in Europe/Paris, "YYYY-MM-DD". */
static void paris_today(char out[static 11])
{
    int y, m, d, minute;
    if (mg_paris_civil((int64_t)time(NULL), &y, &m, &d, &minute) < 0)
        y = 1970, m = 1, d = 1;
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

static const char REQUEST_NOT_FOUND[] = "Cette demande de subvention n'existe pas.";
static const char REQUEST_READ_FAILED[] = "La demande de subvention n'a pas pu être lue.";

/* --- The request as a page sees it -------------------------------------------------------- */

mg_auth_object web_subsidy_object(const web_subsidy_view *v, int64_t funder_id)
{
    mg_auth_object o = {.type = MG_AUTH_OBJ_SUBSIDY_REQUEST,
                        .organisation_id = v->acc.applicant_id,
                        .viewers = v->acc.routed,
                        .nviewers = v->acc.nrouted,
                        .lead_id = v->acc.lead_id,
                        .funder_id = funder_id,
                        .draft = v->acc.state == MG_SUBSIDY_DRAFT};
    return o;
}

void web_subsidy_view_clear(web_subsidy_view *v)
{
    if (v)
        mg_subsidy_request_clear(&v->r);
}

static bool among(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t k = 0; k < n; k++)
        if (ids[k] == id)
            return true;
    return false;
}

bool web_subsidy_instructs(const web_subsidy_view *v, int64_t fid)
{
    return v && fid > 0 && among(v->instructs, v->ninstructs, fid);
}

bool web_subsidy_decides(const web_subsidy_view *v, int64_t fid)
{
    return v && fid > 0 && among(v->decides, v->ndecides, fid);
}

/* Whether the actor is a member of organisation `org` (whatever its role). */
static bool member_of(const web_ctx *ctx, int64_t org)
{
    for (size_t i = 0; i < ctx->actor->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++)
        if (ctx->actor->m[i].organisation_id == org)
            return true;
    return false;
}

static void set_rights(web_ctx *ctx, web_subsidy_view *v)
{
    mg_auth_object o = web_subsidy_object(v, 0);
    v->may_edit = web_can(ctx, MG_AUTH_EDIT, &o);
    v->may_route = v->acc.state != MG_SUBSIDY_DRAFT && web_can(ctx, MG_AUTH_ROUTE, &o);
    v->is_applicant_side = member_of(ctx, v->acc.applicant_id);
    v->may_internal = !v->is_applicant_side && web_can(ctx, MG_AUTH_INSTRUCT, &o);
    v->ninstructs = v->ndecides = 0;
    for (size_t k = 0; k < v->acc.nrouted; k++) {
        mg_auth_object p = web_subsidy_object(v, v->acc.routed[k]);
        if (web_can(ctx, MG_AUTH_INSTRUCT, &p))
            v->instructs[v->ninstructs++] = v->acc.routed[k];
        if (web_can(ctx, MG_AUTH_DECIDE, &p))
            v->decides[v->ndecides++] = v->acc.routed[k];
    }
}

bool web_subsidy_load(web_ctx *ctx, mg_auth_verb verb, web_subsidy_view *v)
{
    memset(v, 0, sizeof *v);
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "id"), INT64_MAX, &id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, REQUEST_NOT_FOUND);
        return false;
    }
    int64_t fid = 0;
    const char *fs = mg_http_path_param(ctx->req, "fid");
    if (fs && mg_parse_id(fs, INT64_MAX, &fid, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, REQUEST_NOT_FOUND);
        return false;
    }
    mg_diag d = {{0}};
    int rc = mg_subsidy_access_get(ctx->app->db, id, &v->acc, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, REQUEST_NOT_FOUND, REQUEST_READ_FAILED);
        return false;
    }
    /* Who may not see the request hears nothing of it, whatever the verb
     * (a draft: anyone but its applicant; mg_auth_can decides). */
    mg_auth_object seen = web_subsidy_object(v, 0);
    if (!web_allow_as(ctx, MG_AUTH_VIEW, &seen, REQUEST_NOT_FOUND))
        return false;
    if (verb != MG_AUTH_VIEW) {
        mg_auth_object o = web_subsidy_object(v, fid);
        if (!web_allow_as(ctx, verb, &o, REQUEST_NOT_FOUND))
            return false;
    }
    rc = mg_subsidy_get(ctx->app->db, id, &v->r, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, REQUEST_NOT_FOUND, REQUEST_READ_FAILED);
        return false;
    }
    set_rights(ctx, v);
    return true;
}

void web_subsidy_href(mg_buf *b, int64_t id)
{
    mg_buf_printf(b, "/guichet/demandes/%lld", (long long)id);
}

void web_subsidy_crumbs(mg_buf *b, const mg_subsidy_request *r)
{
    mg_buf_puts(b, "<p class=\"crumbs\"><a href=\"/guichet\">Guichet unique</a>");
    if (r) {
        mg_buf_puts(b, " › ");
        mg_html_link_id(b, "/guichet/demandes/", r->id, NULL);
        if (r->title[0])
            mg_html_text(b, r->title);
        else
            mg_buf_printf(b, "Demande n° %lld", (long long)r->id);
        mg_buf_puts(b, "</a>");
    }
    mg_buf_puts(b, "</p>\n");
}

/* --- The form's fields ----------------------------------------------------------------------- */

typedef enum fkind { F_TEXT, F_AREA, F_EMAIL, F_TEL, F_DATE, F_INT, F_DEC, F_CHECK, F_NATURE,
                     F_CALL } fkind;

typedef struct ffield {
    const char *name;   /* the member of mg_subsidy_request_input, and the form field's name */
    size_t offset;      /* offsetof(mg_subsidy_request_input, name) */
    const char *label;  /* French */
    fkind kind;
    bool required;      /* at filing */
    unsigned max;       /* characters */
    const char *hint;
    const char *autocomplete;
} ffield;

#define FIELD(n) #n, offsetof(mg_subsidy_request_input, n)

/* Section 1 of the CERFA: identification. */
static const ffield identity[] = {
    {FIELD(name), "Nom de l'organisme", F_TEXT, true, 200, NULL, "organization"},
    {FIELD(acronym), "Sigle", F_TEXT, false, 50, NULL, NULL},
    {FIELD(siret), "Numéro SIRET", F_TEXT, true, 20,
     "14 chiffres, espaces permis : « 732 829 320 00074 ».", NULL},
    {FIELD(rna), "Numéro RNA (associations)", F_TEXT, false, 12,
     "« W » suivi de 9 caractères, par exemple « W112001234 » ; obligatoire pour une "
     "association.", NULL},
    {FIELD(address), "Adresse du siège", F_TEXT, true, 300, NULL, "street-address"},
    {FIELD(postcode), "Code postal", F_TEXT, true, 6, NULL, "postal-code"},
    {FIELD(city), "Commune", F_TEXT, true, 100, NULL, "address-level2"},
    {FIELD(email), "Courriel", F_EMAIL, true, 254, NULL, "email"},
    {FIELD(phone), "Téléphone", F_TEL, false, 30, NULL, "tel"},
    {FIELD(representative_role), "Qualité du représentant légal", F_TEXT, true, 100,
     "Sa fonction, par exemple « Présidente de l'association ».", NULL},
    {FIELD(contact_role), "Qualité de la personne chargée du dossier", F_TEXT, false, 100,
     NULL, NULL},
};

/* Section 3: human resources. */
static const ffield people[] = {
    {FIELD(volunteers), "Nombre de bénévoles", F_INT, false, 12, NULL, NULL},
    {FIELD(employees), "Nombre de salariés", F_INT, false, 12, NULL, NULL},
    {FIELD(employees_fte), "Salariés en équivalent temps plein", F_DEC, false, 16,
     "Deux décimales au plus, par exemple « 2,5 ».", NULL},
    {FIELD(members), "Nombre d'adhérents", F_INT, false, 12, NULL, NULL},
};

/* Section 4: the project. */
static const ffield project[] = {
    {FIELD(title), "Intitulé du projet", F_TEXT, true, 200, NULL, NULL},
    {FIELD(call), "Appel à projets", F_CALL, false, 20, NULL, NULL},
    {FIELD(objectives), "Objectifs", F_AREA, true, 4000, NULL, NULL},
    {FIELD(description), "Description", F_AREA, true, 8000, NULL, NULL},
    {FIELD(target_publics), "Publics visés", F_TEXT, true, 500, NULL, NULL},
    {FIELD(communes), "Communes concernées", F_TEXT, false, 4095,
     "« communes: » suivi des codes INSEE séparés par des virgules (communes:11069,11262), "
     "ou « epci: » suivi du SIREN de l'intercommunalité.", NULL},
    {FIELD(starts_on), "Date de début", F_DATE, true, 32, "Par exemple « 01/01/2027 ».", NULL},
    {FIELD(ends_on), "Date de fin", F_DATE, true, 32, "Par exemple « 31/12/2027 ».", NULL},
    {FIELD(evaluation), "Indicateurs d'évaluation", F_AREA, true, 4000, NULL, NULL},
    {FIELD(nature), "Nature de la dépense", F_NATURE, false, 16, NULL, NULL},
    {FIELD(is_renewal), "Renouvellement d'une demande de l'an passé", F_CHECK, false, 4, NULL,
     NULL},
    {FIELD(multi_year), "Projet pluriannuel", F_CHECK, false, 4, NULL, NULL},
    {FIELD(action), "Numéro de l'action du contrat financée", F_INT, false, 20,
     "Facultatif : le numéro de l'action du contrat local de santé que le projet met en "
     "œuvre.", NULL},
};

#define NELEMS(a) (sizeof(a) / sizeof *(a))

static const char **slot(mg_subsidy_request_input *in, const ffield *f)
{
    return (const char **)((char *)in + f->offset);
}

/*
 * The budget table has one row per account of the form, and on account 74
 * one row per co-funder of the window and one for the other subsidies:
 * each row is one amount, its input named after its account
 * ("amount_64", "amount_74_<co-funder id>", "amount_74"). A form is sent
 * as at most MG_HTTP_MAX_PARAMS pairs (64): the CERFA's ~30 fields and
 * 19 accounts leave room for 12 co-funders, not for a label, an account
 * and a co-funder chosen in each of many free rows. Row k (from 1) is the
 * k-th line of the input given to the store, so that its refusals
 * ("line_<k>_amount") come back beside their row.
 */
typedef struct form_row {
    const mg_subsidy_account *account;
    int64_t funder_id;             /* a co-funder's 74 row; 0 otherwise */
    const char *funder_name;
    char name[48];                 /* the input's name */
    const char *amount;            /* as typed or stored; "" empty */
    char funder_text[24];          /* funder_id as text, "" none */
} form_row;

enum { FORM_ROWS_MAX = 20 + MG_SUBSIDY_FUNDERS_MAX };

/* A form as typed or filled from a draft, with what was refused. */
typedef struct form_state {
    mg_subsidy_request_input in;    /* the fields, request memory */
    form_row rows[FORM_ROWS_MAX];
    size_t nrows;
    mg_subsidy_line_input lines[FORM_ROWS_MAX];
    mg_subsidy_errors errs;
    int64_t window_id, request_id, applicant_id;
    mg_subsidy_window window;
    mg_subsidy_org_ref *funders;    /* the window's co-funders (free()) */
    size_t nfunders;
    mg_subsidy_call *calls;         /* its calls (free()) */
    size_t ncalls;
} form_state;

static void form_state_free(form_state *f)
{
    free(f->funders);
    free(f->calls);
    f->funders = NULL;
    f->calls = NULL;
}

static char *dupr(web_ctx *ctx, const char *s)
{
    char *c = mg_http_strdup(ctx->req, s ? s : "");
    return c ? c : (char *)"";
}

static char *int_text(web_ctx *ctx, int64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "%lld", (long long)v);
    return dupr(ctx, b);
}

/* Cents as typed in a form: "1234,56", "1234". */
static char *cents_text(web_ctx *ctx, int64_t c)
{
    char b[32];
    if (c % 100)
        snprintf(b, sizeof b, "%lld,%02lld", (long long)(c / 100), (long long)(c % 100));
    else
        snprintf(b, sizeof b, "%lld", (long long)(c / 100));
    return dupr(ctx, b);
}

/* The window's co-funders and calls, for the form. */
static int read_window(web_ctx *ctx, form_state *f, mg_diag *d)
{
    int rc = mg_subsidy_window_get(ctx->app->db, f->window_id, &f->window, d);
    if (rc == 0)
        rc = mg_subsidy_window_funders(ctx->app->db, f->window_id, &f->funders, &f->nfunders, d);
    char today[11];
    paris_today(today);
    if (rc == 0)
        rc = mg_subsidy_calls(ctx->app->db, f->window_id, today, &f->calls, &f->ncalls, d);
    return rc;
}

/* The rows of the budget table for the window's co-funders (at most
 * MG_SUBSIDY_FUNDERS_MAX of them), all empty. */
static void layout_rows(form_state *f)
{
    f->nrows = 0;
    size_t na = 0;
    const mg_subsidy_account *acc = mg_subsidy_accounts(&na);
    for (size_t i = 0; i < na && f->nrows < FORM_ROWS_MAX; i++) {
        if (strcmp(acc[i].code, "74") == 0) {
            for (size_t k = 0; k < f->nfunders && k < MG_SUBSIDY_FUNDERS_MAX; k++) {
                form_row *r = &f->rows[f->nrows++];
                *r = (form_row){.account = &acc[i], .funder_id = f->funders[k].id,
                                .funder_name = f->funders[k].name, .amount = ""};
                snprintf(r->name, sizeof r->name, "amount_74_%lld",
                         (long long)f->funders[k].id);
                snprintf(r->funder_text, sizeof r->funder_text, "%lld",
                         (long long)f->funders[k].id);
            }
        }
        form_row *r = &f->rows[f->nrows++];
        *r = (form_row){.account = &acc[i], .amount = ""};
        snprintf(r->name, sizeof r->name, "amount_%s", acc[i].code);
    }
}

/* The row of a stored line: its co-funder's, or its account's (a line of
 * account 74 naming no co-funder of the window: the other subsidies). */
static int row_of_line(const form_state *f, const mg_subsidy_line *l)
{
    int plain = -1;
    for (size_t k = 0; k < f->nrows; k++) {
        const form_row *r = &f->rows[k];
        if (strcmp(r->account->code, l->account) != 0)
            continue;
        if (r->funder_id && r->funder_id == l->funder_id)
            return (int)k;
        if (!r->funder_id)
            plain = (int)k;
    }
    return plain;
}

/* The rows filled from stored lines: lines of the same row are summed
 * (a draft written through the API may have several lines per account). */
static void rows_from_lines(web_ctx *ctx, form_state *f, const mg_subsidy_line *l, size_t n)
{
    layout_rows(f);
    int64_t sum[FORM_ROWS_MAX] = {0};
    bool any[FORM_ROWS_MAX] = {0};
    for (size_t i = 0; i < n; i++) {
        int k = row_of_line(f, &l[i]);
        if (k < 0)
            continue;
        sum[k] += l[i].amount_cents;
        any[k] = true;
    }
    for (size_t k = 0; k < f->nrows; k++)
        if (any[k])
            f->rows[k].amount = cents_text(ctx, sum[k]);
}

/* The fields of a stored request as the form shows them. */
static void fields_from_request(web_ctx *ctx, form_state *f, const mg_subsidy_request *r)
{
    mg_subsidy_request_input *in = &f->in;
    in->name = dupr(ctx, r->name);
    in->acronym = dupr(ctx, r->acronym);
    in->siret = dupr(ctx, r->siret);
    in->rna = dupr(ctx, r->rna);
    in->address = dupr(ctx, r->address);
    in->postcode = dupr(ctx, r->postcode);
    in->city = dupr(ctx, r->city);
    in->email = dupr(ctx, r->email);
    in->phone = dupr(ctx, r->phone);
    in->representative_role = dupr(ctx, r->representative_role);
    in->contact_role = dupr(ctx, r->contact_role);
    in->volunteers = r->volunteers ? int_text(ctx, r->volunteers) : "";
    in->employees = r->employees ? int_text(ctx, r->employees) : "";
    in->employees_fte = r->employees_fte_hundredths
                            ? cents_text(ctx, r->employees_fte_hundredths)
                            : "";
    in->members = r->members ? int_text(ctx, r->members) : "";
    in->title = dupr(ctx, r->title);
    in->objectives = dupr(ctx, r->objectives);
    in->description = dupr(ctx, r->description);
    in->target_publics = dupr(ctx, r->target_publics);
    in->communes = dupr(ctx, r->communes);
    in->starts_on = dupr(ctx, r->starts_on);
    in->ends_on = dupr(ctx, r->ends_on);
    in->evaluation = dupr(ctx, r->evaluation);
    in->is_renewal = r->is_renewal ? "1" : "";
    in->multi_year = r->multi_year ? "1" : "";
    in->nature = dupr(ctx, r->nature);
    in->call = r->call_id ? int_text(ctx, r->call_id) : "";
    in->action = r->action_id ? int_text(ctx, r->action_id) : "";
}

/* The form as sent: every field, and the rows line_<k>_… with their side. */
static void read_posted(web_ctx *ctx, form_state *f)
{
    const ffield *groups[] = {identity, people, project};
    size_t sizes[] = {NELEMS(identity), NELEMS(people), NELEMS(project)};
    for (size_t g = 0; g < 3; g++)
        for (size_t i = 0; i < sizes[g]; i++) {
            const char *v = mg_http_form(ctx->req, groups[g][i].name);
            *slot(&f->in, &groups[g][i]) = v ? v : "";
        }
    layout_rows(f);
    for (size_t k = 0; k < f->nrows; k++) {
        const char *v = mg_http_form(ctx->req, f->rows[k].name);
        f->rows[k].amount = v ? v : "";
    }
}

static bool blank_text(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

/* The input of the store from the form: one line per row, an empty
 * amount an empty line (skipped), so that line k is row k. */
static void build_input(form_state *f)
{
    for (size_t k = 0; k < f->nrows; k++) {
        const form_row *r = &f->rows[k];
        if (blank_text(r->amount))
            f->lines[k] = (mg_subsidy_line_input){"", "", "", ""};
        else
            f->lines[k] = (mg_subsidy_line_input){r->account->code, "", r->amount,
                                                  r->funder_text};
    }
    f->in.lines = f->lines;
    f->in.nlines = f->nrows;
}

/* --- Drawing the form --------------------------------------------------------------------- */

static void field_id(mg_buf *b, const char *name)
{
    mg_buf_puts(b, "f-");
    mg_html_attr(b, name);
}

static void call_options(mg_buf *b, const form_state *f, const char *selected)
{
    mg_html_option(b, "", "Demande spontanée (hors appel à projets)",
                   !selected || !selected[0]);
    char today[11];
    paris_today(today);
    for (size_t k = 0; k < f->ncalls; k++) {
        char id[24], label[1200];
        snprintf(id, sizeof id, "%lld", (long long)f->calls[k].id);
        bool open = strcmp(f->calls[k].deadline, today) >= 0;
        bool sel = selected && strcmp(selected, id) == 0;
        if (!open && !sel)
            continue;
        snprintf(label, sizeof label, "%s (date limite : %.2s/%.2s/%.4s)%s",
                 f->calls[k].title, f->calls[k].deadline + 8, f->calls[k].deadline + 5,
                 f->calls[k].deadline, open ? "" : " — clos");
        mg_html_option(b, id, label, sel);
    }
}

static void draw_field(mg_buf *b, const form_state *f, const ffield *fd)
{
    const char *value = *slot((mg_subsidy_request_input *)&f->in, fd);
    value = value ? value : "";
    const char *error = mg_subsidy_errors_for(&f->errs, fd->name);
    if (fd->kind == F_CHECK) {
        mg_buf_puts(b, "<div class=\"field check\"><input type=\"checkbox\" value=\"1\" id=\"");
        field_id(b, fd->name);
        mg_buf_puts(b, "\" name=\"");
        mg_html_attr(b, fd->name);
        mg_buf_puts(b, "\"");
        if (value[0] && strcmp(value, "0") != 0)
            mg_buf_puts(b, " checked");
        if (error) {
            mg_buf_puts(b, " aria-invalid=\"true\" aria-describedby=\"");
            field_id(b, fd->name);
            mg_buf_puts(b, "-erreur\"");
        }
        mg_buf_puts(b, "> <label for=\"");
        field_id(b, fd->name);
        mg_buf_puts(b, "\">");
        mg_html_text(b, fd->label);
        mg_buf_puts(b, "</label>");
    } else {
        mg_buf_puts(b, "<div class=\"field\"><label for=\"");
        field_id(b, fd->name);
        mg_buf_puts(b, "\">");
        mg_html_text(b, fd->label);
        mg_buf_puts(b, fd->required ? " <span class=\"req\">(obligatoire pour le dépôt)</span>"
                                      "</label> "
                                    : "</label> ");
        bool area = fd->kind == F_AREA;
        bool select = fd->kind == F_NATURE || fd->kind == F_CALL;
        if (area)
            mg_buf_puts(b, "<textarea rows=\"5\" id=\"");
        else
            mg_buf_puts(b, select ? "<select id=\"" : "<input id=\"");
        field_id(b, fd->name);
        mg_buf_puts(b, "\" name=\"");
        mg_html_attr(b, fd->name);
        mg_buf_puts(b, "\"");
        if (!select)
            mg_buf_printf(b, " maxlength=\"%u\"", fd->max);
        if (!area && !select) {
            switch (fd->kind) {
            case F_EMAIL: mg_buf_puts(b, " type=\"email\""); break;
            case F_TEL: mg_buf_puts(b, " type=\"tel\""); break;
                        case F_INT:
            case F_DEC: mg_buf_puts(b, " type=\"text\" inputmode=\"decimal\""); break;
            default: mg_buf_puts(b, " type=\"text\""); break;
            }
        }
        if (fd->autocomplete) {
            mg_buf_puts(b, " autocomplete=\"");
            mg_html_attr(b, fd->autocomplete);
            mg_buf_puts(b, "\"");
        }
        if (error || fd->hint) {
            mg_buf_puts(b, " aria-describedby=\"");
            field_id(b, fd->name);
            mg_buf_puts(b, error ? "-erreur\"" : "-aide\"");
        }
        if (error)
            mg_buf_puts(b, " aria-invalid=\"true\"");
        if (area) {
            mg_buf_puts(b, ">");
            mg_html_text(b, value);
            mg_buf_puts(b, "</textarea>");
        } else if (fd->kind == F_NATURE) {
            mg_buf_puts(b, ">");
            mg_html_option(b, "operation", "Fonctionnement",
                           !value[0] || strcmp(value, "operation") == 0);
            mg_html_option(b, "investment", "Investissement", strcmp(value, "investment") == 0);
            mg_buf_puts(b, "</select>");
        } else if (fd->kind == F_CALL) {
            mg_buf_puts(b, ">");
            call_options(b, f, value);
            mg_buf_puts(b, "</select>");
        } else {
            mg_buf_puts(b, " value=\"");
            mg_html_attr(b, value);
            mg_buf_puts(b, "\">");
        }
    }
    if (fd->hint && !error) {
        mg_buf_puts(b, "<p class=\"hint\" id=\"");
        field_id(b, fd->name);
        mg_buf_puts(b, "-aide\">");
        mg_html_text(b, fd->hint);
        mg_buf_puts(b, "</p>");
    }
    if (error) {
        mg_buf_puts(b, "<p class=\"field-error\" id=\"");
        field_id(b, fd->name);
        mg_buf_puts(b, "-erreur\">");
        mg_html_text(b, error);
        mg_buf_puts(b, "</p>");
    }
    mg_buf_puts(b, "</div>\n");
}

static void draw_fields(mg_buf *b, const form_state *f, const ffield *fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        draw_field(b, f, &fields[i]);
}

static void euros(mg_buf *b, int64_t cents)
{
    char s[64];
    mg_budget_format_cents(cents, s, sizeof s);
    mg_html_text(b, s);
}

/* The refusals of row k (line_<k>_…), beside its amount. */
static const char *row_error(const mg_subsidy_errors *errs, size_t k)
{
    static const char *const whats[] = {"amount", "account", "funder", "label"};
    for (size_t i = 0; i < NELEMS(whats); i++) {
        char name[48];
        snprintf(name, sizeof name, "line_%zu_%s", k, whats[i]);
        const char *e = mg_subsidy_errors_for(errs, name);
        if (e)
            return e;
    }
    return NULL;
}

/* The budget table of one side: a row per account (per co-funder on
 * account 74), its amount, then the total of what is typed. */
static void budget_table(mg_buf *b, const form_state *f, mg_subsidy_side side)
{
    bool res = side == MG_SUBSIDY_RESOURCE;
    mg_buf_puts(b, "<div class=\"scroll\"><table class=\"budget\"><caption>");
    mg_buf_puts(b, res ? "Produits (ressources) du projet" : "Charges (dépenses) du projet");
    mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Compte</th>"
                   "<th scope=\"col\">Montant (€)</th></tr></thead><tbody>\n");
    int64_t total = 0;
    for (size_t i = 0; i < f->nrows; i++) {
        const form_row *r = &f->rows[i];
        if (r->account->side != side)
            continue;
        size_t k = i + 1;
        int64_t c = 0;
        if (!blank_text(r->amount) && mg_budget_parse_cents(r->amount, &c) == 0)
            total += c;
        const char *error = row_error(&f->errs, k);
        mg_buf_puts(b, "<tr><th scope=\"row\"><label for=\"");
        field_id(b, r->name);
        mg_buf_puts(b, "\">");
        mg_html_text(b, r->account->label);
        if (r->funder_id) {
            mg_buf_puts(b, " : demandé à ");
            mg_html_text(b, r->funder_name);
        } else if (strcmp(r->account->code, "74") == 0 && f->nfunders) {
            mg_buf_puts(b, " : autres subventions");
        }
        mg_buf_puts(b, "</label></th><td><input type=\"text\" inputmode=\"decimal\" "
                       "maxlength=\"32\" id=\"");
        field_id(b, r->name);
        mg_buf_puts(b, "\" name=\"");
        mg_html_attr(b, r->name);
        mg_buf_puts(b, "\"");
        if (error) {
            mg_buf_puts(b, " aria-invalid=\"true\" aria-describedby=\"");
            field_id(b, r->name);
            mg_buf_puts(b, "-erreur\"");
        }
        mg_buf_puts(b, " value=\"");
        mg_html_attr(b, r->amount);
        mg_buf_puts(b, "\">");
        if (error) {
            mg_buf_puts(b, "<p class=\"field-error\" id=\"");
            field_id(b, r->name);
            mg_buf_puts(b, "-erreur\">");
            mg_html_text(b, error);
            mg_buf_puts(b, "</p>");
        }
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody><tfoot><tr><th scope=\"row\">");
    mg_buf_puts(b, res ? "Total des produits" : "Total des charges");
    mg_buf_puts(b, "</th><td>");
    euros(b, total);
    mg_buf_puts(b, "</td></tr></tfoot></table></div>\n");
}

/* The anchor of a refused field on the draft's form: a field's own id, a
 * budget line's row (line_<k>_… is row k of `rows`, or the k-th stored
 * line mapped to its row), the budget table. */
static void anchor_of(mg_buf *b, const char *field, const form_row *rows, size_t nrows,
                      const int *line_row, size_t nline_row)
{
    if (strncmp(field, "line_", 5) == 0) {
        int64_t k = 0;
        const char *p = field + 5;
        while (*p >= '0' && *p <= '9' && k < 100000)
            k = k * 10 + (*p++ - '0');
        int row = -1;
        if (line_row && k >= 1 && (size_t)k <= nline_row)
            row = line_row[k - 1];
        else if (!line_row && k >= 1 && (size_t)k <= nrows)
            row = (int)k - 1;
        field_id(b, row >= 0 && (size_t)row < nrows ? rows[row].name : "budget");
        return;
    }
    field_id(b, strcmp(field, "request") == 0 ? "budget" : field);
}

/* The summary of what was refused, each linked to its field. */
static void error_summary(mg_buf *b, const mg_subsidy_errors *errs, int64_t request_id,
                          bool other_page, const form_row *rows, size_t nrows,
                          const int *line_row, size_t nline_row)
{
    if (!errs->n)
        return;
    mg_buf_puts(b, "<div class=\"error-summary\" role=\"alert\" id=\"erreurs\"><p>");
    mg_html_text(b, other_page ? "La demande ne peut pas être déposée : corrigez ou complétez "
                                 "ces points."
                               : "Le formulaire contient des erreurs : corrigez les champs "
                                 "signalés.");
    mg_buf_puts(b, "</p><ul>");
    for (size_t i = 0; i < errs->n && i < MG_SUBSIDY_ERRORS_MAX; i++) {
        const char *field = errs->e[i].field;
        mg_buf_puts(b, "<li><a href=\"");
        if (strncmp(field, "attachment_", 11) == 0) {
            mg_buf_puts(b, "#pieces");
        } else if (other_page && strcmp(field, "request") != 0) {
            mg_buf_printf(b, "/guichet/demandes/%lld/modifier#", (long long)request_id);
            anchor_of(b, field, rows, nrows, line_row, nline_row);
        } else {
            mg_buf_puts(b, "#");
            anchor_of(b, field, rows, nrows, line_row, nline_row);
        }
        mg_buf_puts(b, "\">");
        mg_html_text(b, errs->e[i].msg);
        mg_buf_puts(b, "</a></li>");
    }
    mg_buf_puts(b, "</ul></div>\n");
}

/* The applicant organisations the actor may file for. */
static size_t creatable_orgs(web_ctx *ctx, int64_t out[static MG_AUTH_MEMBERSHIPS_MAX])
{
    return mg_auth_orgs_where(ctx->actor, MG_AUTH_CREATE, MG_AUTH_OBJ_SUBSIDY_REQUEST, out,
                              MG_AUTH_MEMBERSHIPS_MAX);
}

static const char *membership_name(web_ctx *ctx, int64_t org)
{
    for (size_t i = 0; i < ctx->actor->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++)
        if (ctx->actor->m[i].organisation_id == org)
            return ctx->actor->m[i].org_name;
    return "";
}

/* The whole form: the sections of the CERFA 12156. */
static void draw_form(mg_buf *b, web_ctx *ctx, const form_state *f)
{
    char action[96];
    if (f->request_id)
        snprintf(action, sizeof action, "/guichet/demandes/%lld/modifier",
                 (long long)f->request_id);
    else
        snprintf(action, sizeof action, "/guichet/demandes");
    error_summary(b, &f->errs, f->request_id, false, f->rows, f->nrows, NULL, 0);
    mg_buf_puts(b, "<form class=\"stack cerfa\" method=\"post\" action=\"");
    mg_html_attr(b, action);
    mg_buf_puts(b, "\">\n");
    web_csrf_field(b, ctx);
    if (!f->request_id) {
        char w[24];
        snprintf(w, sizeof w, "%lld", (long long)f->window_id);
        mg_html_hidden(b, "guichet", w);
        int64_t orgs[MG_AUTH_MEMBERSHIPS_MAX];
        size_t n = creatable_orgs(ctx, orgs);
        const char *error = mg_subsidy_errors_for(&f->errs, "applicant");
        mg_buf_puts(b, "<div class=\"field\"><label for=\"f-applicant\">Organisme demandeur "
                       "<span class=\"req\">(obligatoire)</span></label> <select "
                       "id=\"f-applicant\" name=\"applicant\" required");
        if (error)
            mg_buf_puts(b, " aria-invalid=\"true\" aria-describedby=\"f-applicant-erreur\"");
        mg_buf_puts(b, ">");
        for (size_t i = 0; i < n; i++) {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)orgs[i]);
            mg_html_option(b, id, membership_name(ctx, orgs[i]), orgs[i] == f->applicant_id);
        }
        mg_buf_puts(b, "</select>");
        if (error) {
            mg_buf_puts(b, "<p class=\"field-error\" id=\"f-applicant-erreur\">");
            mg_html_text(b, error);
            mg_buf_puts(b, "</p>");
        }
        mg_buf_puts(b, "</div>\n");
    }
    mg_buf_puts(b, "<fieldset><legend><h2>1. Identification de l'organisme</h2></legend>\n");
    draw_fields(b, f, identity, NELEMS(identity));
    mg_buf_puts(b, "</fieldset>\n<fieldset><legend><h2>3. Moyens humains</h2></legend>\n");
    draw_fields(b, f, people, NELEMS(people));
    mg_buf_puts(b, "</fieldset>\n<fieldset><legend><h2>4. Le projet</h2></legend>\n");
    draw_fields(b, f, project, NELEMS(project));
    mg_buf_puts(b, "</fieldset>\n<fieldset id=\"f-budget\"><legend><h2>5. Budget du "
                   "projet</h2></legend>\n<p>Le budget doit être équilibré : le total des "
                   "charges égale celui des produits, et les contributions volontaires en "
                   "nature (compte 86) égalent celles reçues (compte 87). Le montant demandé "
                   "à chaque cofinanceur s'inscrit sur sa ligne du compte 74. "
                   "Les montants sont en euros, par exemple « 12 500 » ou « 1 234,56 ».</p>\n");
    const char *be = mg_subsidy_errors_for(&f->errs, "budget");
    if (be) {
        for (size_t i = 0; i < f->errs.n; i++)
            if (strcmp(f->errs.e[i].field, "budget") == 0) {
                mg_buf_puts(b, "<p class=\"field-error\">");
                mg_html_text(b, f->errs.e[i].msg);
                mg_buf_puts(b, "</p>\n");
            }
    }
    budget_table(b, f, MG_SUBSIDY_EXPENSE);
    budget_table(b, f, MG_SUBSIDY_RESOURCE);
    mg_buf_puts(b, "</fieldset>\n<button type=\"submit\">Enregistrer le brouillon</button>"
                   "</form>\n");
}

/* --- The request's fields, read-only ---------------------------------------------------------- */

static void dl_text(mg_buf *b, const char *label, const char *value)
{
    mg_buf_puts(b, "<dt>");
    mg_html_text(b, label);
    mg_buf_puts(b, "</dt><dd>");
    mg_html_text(b, value && value[0] ? value : "—");
    mg_buf_puts(b, "</dd>\n");
}

static void dl_int(mg_buf *b, const char *label, int64_t v)
{
    mg_buf_puts(b, "<dt>");
    mg_html_text(b, label);
    mg_buf_printf(b, "</dt><dd>%lld</dd>\n", (long long)v);
}

static void dl_date(mg_buf *b, const char *label, const char *iso)
{
    char fr[16] = "";
    if (iso && strlen(iso) == 10)
        snprintf(fr, sizeof fr, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
    dl_text(b, label, fr);
}

/* Text with its line breaks kept. */
static void dl_long(mg_buf *b, const char *label, const char *value)
{
    mg_buf_puts(b, "<dt>");
    mg_html_text(b, label);
    mg_buf_puts(b, "</dt><dd class=\"long\">");
    mg_html_text(b, value && value[0] ? value : "—");
    mg_buf_puts(b, "</dd>\n");
}

static void lines_table(mg_buf *b, const mg_subsidy_line *l, size_t n, mg_subsidy_side side)
{
    bool res = side == MG_SUBSIDY_RESOURCE;
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>");
    mg_buf_puts(b, res ? "Produits" : "Charges");
    mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Compte</th><th scope=\"col\">"
                   "Libellé</th>");
    if (res)
        mg_buf_puts(b, "<th scope=\"col\">Cofinanceur</th>");
    mg_buf_puts(b, "<th scope=\"col\" class=\"num\">Montant</th></tr></thead><tbody>\n");
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (l[i].side != side)
            continue;
        const mg_subsidy_account *a = mg_subsidy_account_find(l[i].account);
        mg_buf_puts(b, "<tr><td>");
        mg_html_text(b, a ? a->label : l[i].account);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, l[i].label);
        mg_buf_puts(b, "</td>");
        if (res) {
            mg_buf_puts(b, "<td>");
            mg_html_text(b, l[i].funder_id ? l[i].funder_name : "");
            mg_buf_puts(b, "</td>");
        }
        mg_buf_puts(b, "<td class=\"num\">");
        euros(b, l[i].amount_cents);
        mg_buf_puts(b, "</td></tr>\n");
        total += l[i].amount_cents;
    }
    mg_buf_printf(b, "</tbody><tfoot><tr><th scope=\"row\" colspan=\"%d\">Total</th>"
                     "<td class=\"num\">", res ? 3 : 2);
    euros(b, total);
    mg_buf_puts(b, "</td></tr></tfoot></table></div>\n");
}

/* The request's content as filed (or as the draft holds it). */
static void request_content(mg_buf *b, const mg_subsidy_request *r, const mg_subsidy_line *l,
                            size_t n)
{
    mg_buf_puts(b, "<section aria-labelledby=\"contenu-demande\">"
                   "<h2 id=\"contenu-demande\">Contenu de la "
                   "demande</h2>\n<h3>1. Identification de l'organisme</h3>\n<dl>");
    dl_text(b, "Nom de l'organisme", r->name);
    dl_text(b, "Sigle", r->acronym);
    dl_text(b, "Numéro SIRET", r->siret);
    dl_text(b, "Numéro RNA", r->rna);
    dl_text(b, "Adresse du siège", r->address);
    dl_text(b, "Code postal", r->postcode);
    dl_text(b, "Commune", r->city);
    dl_text(b, "Courriel", r->email);
    dl_text(b, "Téléphone", r->phone);
    dl_text(b, "Qualité du représentant légal", r->representative_role);
    dl_text(b, "Qualité de la personne chargée du dossier", r->contact_role);
    mg_buf_puts(b, "</dl>\n<h3>3. Moyens humains</h3>\n<dl>");
    dl_int(b, "Bénévoles", r->volunteers);
    dl_int(b, "Salariés", r->employees);
    char fte[32];
    web_num(fte, sizeof fte, (double)r->employees_fte_hundredths / 100.0, 2);
    dl_text(b, "Salariés en équivalent temps plein", fte);
    dl_int(b, "Adhérents", r->members);
    mg_buf_puts(b, "</dl>\n<h3>4. Le projet</h3>\n<dl>");
    dl_text(b, "Intitulé", r->title);
    dl_long(b, "Objectifs", r->objectives);
    dl_long(b, "Description", r->description);
    dl_text(b, "Publics visés", r->target_publics);
    dl_text(b, "Communes concernées", r->communes);
    dl_date(b, "Date de début", r->starts_on);
    dl_date(b, "Date de fin", r->ends_on);
    dl_long(b, "Indicateurs d'évaluation", r->evaluation);
    dl_text(b, "Nature", strcmp(r->nature, "investment") == 0 ? "Investissement"
                                                              : "Fonctionnement");
    dl_text(b, "Première demande ou renouvellement",
            r->is_renewal ? "Renouvellement" : "Première demande");
    dl_text(b, "Durée", r->multi_year ? "Pluriannuelle" : "Annuelle");
    mg_buf_puts(b, "</dl>\n<h3>5. Budget du projet</h3>\n");
    lines_table(b, l, n, MG_SUBSIDY_EXPENSE);
    lines_table(b, l, n, MG_SUBSIDY_RESOURCE);
    mg_buf_puts(b, "</section>\n");
}

/* --- Pages ------------------------------------------------------------------------------------ */

static const char WINDOW_NOT_FOUND[] = "Ce guichet n'existe pas.";
static const char SAVE_FAILED[] = "La demande n'a pas pu être enregistrée.";
static const char VERSION_NOT_FOUND[] = "Cette version de la demande n'existe pas.";
static const char NOT_A_DRAFT[] = "Cette demande est déposée : elle ne se modifie plus comme un "
                                  "brouillon (un cofinanceur peut vous demander de la compléter).";

static void request_path(char *out, size_t cap, int64_t id, const char *suffix)
{
    snprintf(out, cap, "/guichet/demandes/%lld%s", (long long)id, suffix);
}

/* The page of the form: a new request (f->request_id 0) or a draft. */
static int form_page(web_ctx *ctx, form_state *f, const mg_subsidy_request *r)
{
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, r ? "Modifier le brouillon" : "Nouvelle demande de subvention",
                   "guichet");
    web_subsidy_crumbs(b, r);
    mg_buf_puts(b, r ? "<h1>Modifier le brouillon</h1>\n"
                     : "<h1>Nouvelle demande de subvention</h1>\n");
    mg_buf_puts(b, "<p>Guichet : ");
    mg_html_text(b, f->window.title);
    mg_buf_puts(b, " (coordonné par ");
    mg_html_text(b, f->window.lead_name);
    mg_buf_puts(b, "). Le formulaire reprend la demande de subvention CERFA n° 12156 ; le "
                   "brouillon s'enregistre incomplet et se dépose une fois complet, avec ses "
                   "pièces, pour tous les cofinanceurs à la fois.</p>\n");
    draw_form(b, ctx, f);
    web_page_end(b);
    return web_done(ctx);
}

/* GET /guichet/demandes/nouvelle?guichet=W[&appel=C] */
static int new_page(web_ctx *ctx)
{
    form_state *f = mg_http_alloc(ctx->req, sizeof *f);
    if (!f)
        return MG_ENOMEM;
    memset(f, 0, sizeof *f);
    if (mg_parse_id(mg_http_query(ctx->req, "guichet"), INT64_MAX, &f->window_id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, WINDOW_NOT_FOUND);
        return MG_OK;
    }
    int64_t orgs[MG_AUTH_MEMBERSHIPS_MAX];
    size_t n = creatable_orgs(ctx, orgs);
    if (n == 0) {
        mg_http_error(ctx->req, ctx->res, 403,
                      "Aucune de vos organisations ne peut déposer de demande de subvention "
                      "avec votre rôle.");
        return MG_OK;
    }
    mg_diag d = {{0}};
    int rc = read_window(ctx, f, &d);
    if (rc) {
        form_state_free(f);
        web_storage_error(ctx->req, ctx->res, rc, &d, WINDOW_NOT_FOUND, REQUEST_READ_FAILED);
        return MG_OK;
    }
    /* Prefilled with what the first organisation has on record. */
    f->applicant_id = orgs[0];
    mg_auth_org org;
    if (mg_auth_org_get(ctx->app->db, orgs[0], &org, &d) == 0) {
        f->in.name = dupr(ctx, org.name);
        f->in.siret = dupr(ctx, org.siret);
        f->in.rna = dupr(ctx, org.rna);
    }
    const char *call = mg_http_query(ctx->req, "appel");
    int64_t cid = 0;
    if (call && mg_parse_id(call, INT64_MAX, &cid, NULL) == 0)
        f->in.call = dupr(ctx, call);
    rows_from_lines(ctx, f, NULL, 0);
    rc = form_page(ctx, f, NULL);
    form_state_free(f);
    return rc;
}

/* POST /guichet/demandes: a new draft. */
static int create_post(web_ctx *ctx)
{
    form_state *f = mg_http_alloc(ctx->req, sizeof *f);
    if (!f)
        return MG_ENOMEM;
    memset(f, 0, sizeof *f);
    if (mg_parse_id(mg_http_form(ctx->req, "guichet"), INT64_MAX, &f->window_id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, WINDOW_NOT_FOUND);
        return MG_OK;
    }
    mg_diag d = {{0}};
    int rc = read_window(ctx, f, &d);
    if (rc) {
        form_state_free(f);
        web_storage_error(ctx->req, ctx->res, rc, &d, WINDOW_NOT_FOUND, REQUEST_READ_FAILED);
        return MG_OK;
    }
    read_posted(ctx, f);
    build_input(f);
    mg_auth_object o = {.type = MG_AUTH_OBJ_SUBSIDY_REQUEST};
    bool may = mg_parse_id(mg_http_form(ctx->req, "applicant"), INT64_MAX, &o.organisation_id,
                           NULL) == 0 &&
               web_can(ctx, MG_AUTH_CREATE, &o);
    f->applicant_id = o.organisation_id;
    if (!may) {
        /* What else is wrong is said at once. */
        mg_diag dc = {{0}};
        if (mg_subsidy_input_check(&f->in, false, NULL, &f->errs, &dc) == MG_ENOMEM)
            f->errs.n = 0;
        mg_subsidy_errors_add(&f->errs, "applicant",
                              "Choisissez une de vos organisations où votre rôle permet de "
                              "déposer une demande.");
    } else {
        int64_t id = 0;
        rc = mg_subsidy_draft_save(ctx->app->db, ctx->actor->account_id, f->window_id,
                                   o.organisation_id, 0, &f->in, &id, &f->errs, &d);
        if (rc == 0) {
            form_state_free(f);
            char to[64];
            request_path(to, sizeof to, id, "");
            mg_http_redirect(ctx->res, to);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            form_state_free(f);
            web_storage_error(ctx->req, ctx->res, rc, &d, WINDOW_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
    }
    ctx->res->status = 400;
    rc = form_page(ctx, f, NULL);
    form_state_free(f);
    return rc;
}

/* The versions kept, as links. */
static void versions_list(mg_buf *b, const web_subsidy_view *v, web_ctx *ctx)
{
    if (v->r.version <= 0)
        return;
    mg_subsidy_version *vs = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    if (mg_subsidy_versions(ctx->app->db, v->r.id, &vs, &n, &d) != 0 || n == 0) {
        mg_subsidy_versions_free(vs, n);
        return;
    }
    mg_buf_puts(b, "<section aria-labelledby=\"versions\"><h2 id=\"versions\">Versions "
                   "déposées</h2>\n<ul>");
    for (size_t i = 0; i < n; i++) {
        char path[96];
        snprintf(path, sizeof path, "/guichet/demandes/%lld/versions/", (long long)v->r.id);
        mg_buf_puts(b, "<li>");
        mg_html_link_id(b, path, vs[i].version, NULL);
        mg_buf_printf(b, "Version %d</a> — ", vs[i].version);
        mg_html_text(b, strcmp(vs[i].reason, "filed") == 0    ? "dépôt"
                        : strcmp(vs[i].reason, "answer") == 0 ? "réponse à une question"
                                                              : "modification");
        mg_buf_puts(b, ", ");
        web_time_utc(b, vs[i].created_at, "");
        mg_buf_puts(b, "</li>");
    }
    mg_buf_puts(b, "</ul></section>\n");
    mg_subsidy_versions_free(vs, n);
}

/* The request's page; errs: why a filing was refused (NULL none). */
static int request_render(web_ctx *ctx, web_subsidy_view *v, const mg_subsidy_errors *errs)
{
    mg_subsidy_line *lines = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_lines(ctx->app->db, v->r.id, &lines, &n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, REQUEST_NOT_FOUND, REQUEST_READ_FAILED);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    char title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 64];
    if (v->r.title[0])
        snprintf(title, sizeof title, "%s", v->r.title);
    else
        snprintf(title, sizeof title, "Demande n° %lld", (long long)v->r.id);
    web_page_begin(b, ctx, title, "guichet");
    web_subsidy_crumbs(b, &v->r);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, title);
    mg_buf_puts(b, "</h1>\n<p class=\"state\">Demande n° ");
    mg_buf_printf(b, "%lld de ", (long long)v->r.id);
    mg_html_text(b, v->r.applicant_name);
    mg_buf_puts(b, " — état : <strong>");
    mg_html_text(b, mg_subsidy_state_label(v->r.state));
    mg_buf_puts(b, "</strong>");
    if (v->r.filed_at[0]) {
        mg_buf_puts(b, ", déposée le ");
        web_time_utc(b, v->r.filed_at, "");
    }
    if (v->r.is_example)
        mg_buf_puts(b, " (exemple)");
    mg_buf_puts(b, ".</p>\n");
    if (errs) {
        /* Each refused line linked to its row of the draft's form. */
        form_state *f = mg_http_alloc(ctx->req, sizeof *f);
        int *line_row = n ? mg_http_alloc(ctx->req, n * sizeof *line_row) : NULL;
        if (f) {
            memset(f, 0, sizeof *f);
            mg_diag dw = {{0}};
            if (mg_subsidy_window_funders(ctx->app->db, v->r.window_id, &f->funders,
                                          &f->nfunders, &dw) != 0)
                f->nfunders = 0;
            layout_rows(f);
            for (size_t i = 0; line_row && i < n; i++)
                line_row[i] = row_of_line(f, &lines[i]);
            error_summary(b, errs, v->r.id, true, f->rows, f->nrows, line_row,
                          line_row ? n : 0);
            form_state_free(f);
        } else {
            error_summary(b, errs, v->r.id, true, NULL, 0, NULL, 0);
        }
    }
    char path[96];
    if (v->may_edit && v->r.state == MG_SUBSIDY_DRAFT) {
        mg_buf_puts(b, "<div class=\"actions\"><p>");
        mg_html_link_id(b, "/guichet/demandes/", v->r.id, "/modifier");
        mg_buf_puts(b, "Modifier le brouillon</a></p>\n<form method=\"post\" action=\"");
        request_path(path, sizeof path, v->r.id, "/deposer");
        mg_html_attr(b, path);
        mg_buf_puts(b, "\">");
        web_csrf_field(b, ctx);
        mg_buf_puts(b, "<button type=\"submit\">Déposer la demande auprès des "
                       "cofinanceurs</button></form></div>\n");
    } else if (v->may_edit) {
        mg_buf_puts(b, "<form class=\"actions\" method=\"post\" action=\"");
        request_path(path, sizeof path, v->r.id, "/renouveler");
        mg_html_attr(b, path);
        mg_buf_puts(b, "\">");
        web_csrf_field(b, ctx);
        mg_buf_puts(b, "<button type=\"submit\">Préparer le renouvellement pour l'année "
                       "suivante</button></form>\n");
    }
    request_content(b, &v->r, lines, n);
    free(lines);
    versions_list(b, v, ctx);
    web_subsidy_parts_section(b, ctx, v);
    web_subsidy_attachments_section(b, ctx, v);
    web_subsidy_aftergrant_section(b, ctx, v);
    web_subsidy_messages_section(b, ctx, v);
    web_subsidy_history_section(b, ctx, v);
    web_page_end(b);
    return web_done(ctx);
}

/* GET /guichet/demandes/{id} */
static int request_page(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    int rc = request_render(ctx, &v, NULL);
    web_subsidy_view_clear(&v);
    return rc;
}

/* The draft's form state from what it holds. */
static int draft_state(web_ctx *ctx, const web_subsidy_view *v, form_state *f, mg_diag *d)
{
    memset(f, 0, sizeof *f);
    f->window_id = v->r.window_id;
    f->request_id = v->r.id;
    f->applicant_id = v->r.applicant_id;
    int rc = read_window(ctx, f, d);
    return rc;
}

/* GET /guichet/demandes/{id}/modifier */
static int edit_page(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    if (v.r.state != MG_SUBSIDY_DRAFT) {
        web_subsidy_view_clear(&v);
        mg_http_error(ctx->req, ctx->res, 409, NOT_A_DRAFT);
        return MG_OK;
    }
    form_state *f = mg_http_alloc(ctx->req, sizeof *f);
    mg_diag d = {{0}};
    mg_subsidy_line *lines = NULL;
    size_t n = 0;
    int rc = f ? draft_state(ctx, &v, f, &d) : MG_ENOMEM;
    if (rc == 0)
        rc = mg_subsidy_lines(ctx->app->db, v.r.id, &lines, &n, &d);
    if (rc) {
        if (f)
            form_state_free(f);
        web_subsidy_view_clear(&v);
        web_storage_error(ctx->req, ctx->res, rc, &d, REQUEST_NOT_FOUND, REQUEST_READ_FAILED);
        return MG_OK;
    }
    fields_from_request(ctx, f, &v.r);
    rows_from_lines(ctx, f, lines, n);
    free(lines);
    rc = form_page(ctx, f, &v.r);
    form_state_free(f);
    web_subsidy_view_clear(&v);
    return rc;
}

/* POST /guichet/demandes/{id}/modifier: the draft saved (still a draft). */
static int edit_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    if (v.r.state != MG_SUBSIDY_DRAFT) {
        web_subsidy_view_clear(&v);
        mg_http_error(ctx->req, ctx->res, 409, NOT_A_DRAFT);
        return MG_OK;
    }
    form_state *f = mg_http_alloc(ctx->req, sizeof *f);
    mg_diag d = {{0}};
    int rc = f ? draft_state(ctx, &v, f, &d) : MG_ENOMEM;
    if (rc) {
        if (f)
            form_state_free(f);
        web_subsidy_view_clear(&v);
        web_storage_error(ctx->req, ctx->res, rc, &d, REQUEST_NOT_FOUND, REQUEST_READ_FAILED);
        return MG_OK;
    }
    read_posted(ctx, f);
    build_input(f);
    int64_t id = 0;
    rc = mg_subsidy_draft_save(ctx->app->db, ctx->actor->account_id, 0, 0, v.r.id, &f->in, &id,
                               &f->errs, &d);
    if (rc == 0) {
        char to[64];
        request_path(to, sizeof to, v.r.id, "");
        mg_http_redirect(ctx->res, to);
    } else if (rc == MG_EINVAL && mg_subsidy_errors_for(&f->errs, "request")) {
        mg_http_error(ctx->req, ctx->res, 409, NOT_A_DRAFT);
    } else if (rc == MG_EINVAL) {
        ctx->res->status = 400;
        rc = form_page(ctx, f, &v.r);
        form_state_free(f);
        web_subsidy_view_clear(&v);
        return rc;
    } else {
        web_storage_error(ctx->req, ctx->res, rc, &d, REQUEST_NOT_FOUND, SAVE_FAILED);
    }
    form_state_free(f);
    web_subsidy_view_clear(&v);
    return MG_OK;
}

/* POST /guichet/demandes/{id}/deposer */
static int file_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    mg_subsidy_errors *errs = mg_http_alloc(ctx->req, sizeof *errs);
    if (!errs) {
        web_subsidy_view_clear(&v);
        return MG_ENOMEM;
    }
    memset(errs, 0, sizeof *errs);
    mg_diag d = {{0}};
    int rc = mg_subsidy_file(ctx->app->db, ctx->actor->account_id, v.r.id, errs, &d);
    if (rc == 0) {
        char to[64];
        request_path(to, sizeof to, v.r.id, "");
        mg_http_redirect(ctx->res, to);
    } else if (rc == MG_EINVAL) {
        ctx->res->status = mg_subsidy_errors_for(errs, "request") ? 409 : 400;
        rc = request_render(ctx, &v, errs);
        web_subsidy_view_clear(&v);
        return rc;
    } else {
        web_storage_error(ctx->req, ctx->res, rc, &d, REQUEST_NOT_FOUND, SAVE_FAILED);
    }
    web_subsidy_view_clear(&v);
    return MG_OK;
}

/* POST /guichet/demandes/{id}/renouveler: a new draft prefilled. */
static int renew_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    int64_t nid = 0;
    mg_diag d = {{0}};
    int rc = v.r.state == MG_SUBSIDY_DRAFT
                 ? MG_EINVAL
                 : mg_subsidy_renew(ctx->app->db, ctx->actor->account_id, v.r.id, &nid, &d);
    if (rc == 0) {
        char to[80];
        request_path(to, sizeof to, nid, "/modifier");
        mg_http_redirect(ctx->res, to);
    } else if (rc == MG_EINVAL) {
        mg_http_error(ctx->req, ctx->res, 409,
                      "Un brouillon ne se renouvelle pas : déposez-le d'abord.");
    } else {
        web_storage_error(ctx->req, ctx->res, rc, &d, REQUEST_NOT_FOUND, SAVE_FAILED);
    }
    web_subsidy_view_clear(&v);
    return MG_OK;
}

/* A version's JSON snapshot read back into a request and its lines;
 * false when it is not one. */
static bool version_read(const char *json, mg_subsidy_request *r, mg_subsidy_line **lines,
                         size_t *n)
{
    json_error_t je;
    json_t *o = json_loads(json, 0, &je);
    if (!json_is_object(o)) {
        json_decref(o);
        return false;
    }
#define S(f)                                                                                   \
    snprintf(r->f, sizeof r->f, "%s",                                                          \
             json_string_value(json_object_get(o, #f)) ? json_string_value(json_object_get(o, #f)) \
                                                       : "")
#define I(f) r->f = json_integer_value(json_object_get(o, #f))
    S(name);
    S(acronym);
    S(siret);
    S(rna);
    S(address);
    S(postcode);
    S(city);
    S(email);
    S(phone);
    S(representative_role);
    S(contact_role);
    I(volunteers);
    I(employees);
    I(employees_fte_hundredths);
    I(members);
    S(title);
    S(target_publics);
    S(communes);
    S(starts_on);
    S(ends_on);
    S(nature);
#undef S
#undef I
    const char *t;
    t = json_string_value(json_object_get(o, "objectives"));
    r->objectives = strdup(t ? t : "");
    t = json_string_value(json_object_get(o, "description"));
    r->description = strdup(t ? t : "");
    t = json_string_value(json_object_get(o, "evaluation"));
    r->evaluation = strdup(t ? t : "");
    r->is_renewal = json_is_true(json_object_get(o, "is_renewal"));
    r->multi_year = json_is_true(json_object_get(o, "multi_year"));
    json_t *lv = json_object_get(o, "lines");
    size_t cnt = json_array_size(lv);
    *lines = cnt ? calloc(cnt, sizeof **lines) : NULL;
    *n = *lines ? cnt : 0;
    for (size_t i = 0; i < *n; i++) {
        json_t *l = json_array_get(lv, i);
        mg_subsidy_line *x = &(*lines)[i];
        if (mg_subsidy_side_parse(json_string_value(json_object_get(l, "side")), &x->side))
            x->side = MG_SUBSIDY_EXPENSE;
        t = json_string_value(json_object_get(l, "account"));
        snprintf(x->account, sizeof x->account, "%s", t ? t : "");
        t = json_string_value(json_object_get(l, "label"));
        snprintf(x->label, sizeof x->label, "%s", t ? t : "");
        x->amount_cents = json_integer_value(json_object_get(l, "amount_cents"));
        x->funder_id = json_integer_value(json_object_get(l, "funder_id"));
        t = json_string_value(json_object_get(l, "funder_name"));
        snprintf(x->funder_name, sizeof x->funder_name, "%s", t ? t : "");
    }
    json_decref(o);
    return r->objectives && r->description && r->evaluation;
}

/* GET /guichet/demandes/{id}/versions/{n} */
static int version_page(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    int64_t num = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "n"), 1000000, &num, NULL)) {
        web_subsidy_view_clear(&v);
        mg_http_error(ctx->req, ctx->res, 404, VERSION_NOT_FOUND);
        return MG_OK;
    }
    mg_subsidy_version *vs = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_versions(ctx->app->db, v.r.id, &vs, &n, &d);
    if (rc) {
        web_subsidy_view_clear(&v);
        web_storage_error(ctx->req, ctx->res, rc, &d, REQUEST_NOT_FOUND, REQUEST_READ_FAILED);
        return MG_OK;
    }
    const mg_subsidy_version *found = NULL;
    for (size_t i = 0; i < n; i++)
        if (vs[i].version == num)
            found = &vs[i];
    mg_subsidy_request snap;
    memset(&snap, 0, sizeof snap);
    mg_subsidy_line *lines = NULL;
    size_t nl = 0;
    if (!found || !version_read(found->data_json, &snap, &lines, &nl)) {
        mg_subsidy_request_clear(&snap);
        free(lines);
        mg_subsidy_versions_free(vs, n);
        web_subsidy_view_clear(&v);
        mg_http_error(ctx->req, ctx->res, 404, VERSION_NOT_FOUND);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    char title[64];
    snprintf(title, sizeof title, "Version %d de la demande", found->version);
    web_page_begin(b, ctx, title, "guichet");
    web_subsidy_crumbs(b, &v.r);
    mg_buf_printf(b, "<h1>Version %d de la demande</h1>\n<p>", found->version);
    mg_html_text(b, strcmp(found->reason, "filed") == 0    ? "Telle que déposée"
                    : strcmp(found->reason, "answer") == 0 ? "Telle que modifiée en réponse "
                                                             "à une question"
                                                           : "Telle que modifiée");
    mg_buf_puts(b, ", le ");
    web_time_utc(b, found->created_at, "");
    mg_buf_puts(b, ". ");
    mg_html_link_id(b, "/guichet/demandes/", v.r.id, NULL);
    mg_buf_puts(b, "Retour à la demande</a></p>\n");
    request_content(b, &snap, lines, nl);
    web_page_end(b);
    mg_subsidy_request_clear(&snap);
    free(lines);
    mg_subsidy_versions_free(vs, n);
    web_subsidy_view_clear(&v);
    return web_done(ctx);
}

/* --- /guichet: what the actor's organisations have in the window ------------------------------ */

static void date_fr(mg_buf *b, const char *iso)
{
    char fr[16] = "";
    if (iso && strlen(iso) >= 10)
        snprintf(fr, sizeof fr, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
    mg_html_text(b, fr);
}

/* What the applicant has to do about a request, as a sentence with a link. */
static void due_of(mg_buf *b, web_ctx *ctx, const mg_subsidy_row *row,
                   const mg_subsidy_part *parts, size_t nparts, const char *today)
{
    mg_buf_puts(b, "<p class=\"due\">");
    if (row->state == MG_SUBSIDY_DRAFT) {
        mg_buf_puts(b, "À faire : ");
        mg_html_link_id(b, "/guichet/demandes/", row->id, "/modifier");
        mg_buf_puts(b, "compléter le brouillon</a>, joindre les pièces et le déposer.</p>\n");
        return;
    }
    bool question = false;
    for (size_t i = 0; i < nparts; i++)
        if (parts[i].state == MG_PART_TO_COMPLETE)
            question = true;
    if (question) {
        mg_buf_puts(b, "À faire : ");
        mg_html_link_id(b, "/guichet/demandes/", row->id, NULL);
        mg_buf_puts(b, "répondre à la question d'un cofinanceur</a>.</p>\n");
        return;
    }
    if (row->state == MG_SUBSIDY_GRANTED_FULL || row->state == MG_SUBSIDY_GRANTED_PART) {
        mg_subsidy_report rep;
        memset(&rep, 0, sizeof rep);
        mg_diag d = {{0}};
        if (mg_subsidy_report_get(ctx->app->db, row->id, &rep, &d) == 0) {
            bool filed = rep.filed_at[0] != 0;
            if (!filed) {
                bool late = strcmp(rep.due_on, today) < 0;
                mg_buf_puts(b, late ? "En retard : " : "À faire : ");
                mg_html_link_id(b, "/guichet/demandes/", row->id, "/compte-rendu");
                mg_buf_puts(b, "déposer le compte rendu financier</a>");
                mg_buf_puts(b, late ? ", attendu depuis le " : " avant le ");
                date_fr(b, rep.due_on);
                mg_buf_puts(b, ".</p>\n");
                mg_subsidy_report_clear(&rep);
                return;
            }
            mg_subsidy_report_clear(&rep);
            mg_buf_puts(b, "Compte rendu financier déposé.</p>\n");
            return;
        }
    }
    mg_buf_puts(b, "Rien à faire pour le moment.</p>\n");
}

/* One request of the applicant: each co-funder's position side by side. */
static void applicant_request(mg_buf *b, web_ctx *ctx, const mg_subsidy_row *row,
                              const char *today)
{
    mg_subsidy_part *parts = NULL;
    size_t np = 0;
    mg_subsidy_line *lines = NULL;
    size_t nl = 0;
    mg_diag d = {{0}};
    bool draft = row->state == MG_SUBSIDY_DRAFT;
    int rc = draft ? mg_subsidy_lines(ctx->app->db, row->id, &lines, &nl, &d)
                   : mg_subsidy_parts(ctx->app->db, row->id, &parts, &np, &d);
    mg_buf_printf(b, "<section class=\"request\" aria-labelledby=\"demande-%lld\">"
                     "<h3 id=\"demande-%lld\">",
                  (long long)row->id, (long long)row->id);
    mg_html_link_id(b, "/guichet/demandes/", row->id, NULL);
    if (row->title[0])
        mg_html_text(b, row->title);
    else
        mg_buf_printf(b, "Demande n° %lld", (long long)row->id);
    mg_buf_puts(b, "</a></h3>\n<p>");
    mg_html_text(b, row->applicant_name);
    mg_buf_puts(b, " — ");
    mg_html_text(b, mg_subsidy_state_label(row->state));
    if (row->is_example)
        mg_buf_puts(b, " (exemple)");
    mg_buf_puts(b, "</p>\n");
    if (rc == 0 && (np || nl)) {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Position de chaque cofinanceur"
                       "</caption><thead><tr><th scope=\"col\">Cofinanceur</th>"
                       "<th scope=\"col\">État</th><th scope=\"col\" class=\"num\">Demandé</th>"
                       "<th scope=\"col\" class=\"num\">Accordé</th>"
                       "<th scope=\"col\" class=\"num\">Versé</th></tr></thead><tbody>\n");
        for (size_t i = 0; i < np; i++) {
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_text(b, parts[i].funder_name);
            mg_buf_puts(b, "</th><td>");
            mg_html_text(b, mg_subsidy_part_state_label(parts[i].state));
            mg_buf_puts(b, "</td><td class=\"num\">");
            euros(b, parts[i].asked_cents);
            mg_buf_puts(b, "</td><td class=\"num\">");
            euros(b, parts[i].granted_cents);
            mg_buf_puts(b, "</td><td class=\"num\">");
            euros(b, parts[i].paid_cents);
            mg_buf_puts(b, "</td></tr>\n");
        }
        for (size_t i = 0; i < nl; i++) {
            if (!lines[i].funder_id)
                continue;
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_text(b, lines[i].funder_name);
            mg_buf_puts(b, "</th><td>Pas encore déposée</td><td class=\"num\">");
            euros(b, lines[i].amount_cents);
            mg_buf_puts(b, "</td><td class=\"num\">—</td><td class=\"num\">—</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    due_of(b, ctx, row, parts, np, today);
    mg_buf_puts(b, "</section>\n");
    free(parts);
    free(lines);
}

/* The organisations of the actor in which it sees requests as lead or as a
 * routed co-funder (the roles of can_subsidy_request). */
static size_t orgs_as(const web_ctx *ctx, bool lead, int64_t out[static MG_AUTH_MEMBERSHIPS_MAX])
{
    size_t n = 0;
    for (size_t i = 0; i < ctx->actor->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++) {
        int64_t org = ctx->actor->m[i].organisation_id;
        mg_auth_object o = {.type = MG_AUTH_OBJ_SUBSIDY_REQUEST};
        if (lead)
            o.lead_id = org;
        else
            o.viewers = &org, o.nviewers = 1;
        if (web_can(ctx, MG_AUTH_VIEW, &o))
            out[n++] = org;
    }
    return n;
}

static bool in_list(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* A short list of requests (a lead's, a co-funder's). */
static void rows_table(mg_buf *b, const char *caption, const mg_subsidy_row *rows, size_t n,
                       size_t total, bool funder)
{
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>");
    mg_html_text(b, caption);
    if (total > n)
        mg_buf_printf(b, " (les %zu plus récentes sur %zu)", n, total);
    mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Demande</th>"
                   "<th scope=\"col\">Demandeur</th><th scope=\"col\">État</th>"
                   "<th scope=\"col\" class=\"num\">Demandé</th>"
                   "<th scope=\"col\" class=\"num\">Accordé</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < n; i++) {
        mg_buf_puts(b, "<tr><td>");
        mg_html_link_id(b, "/guichet/demandes/", rows[i].id, NULL);
        if (rows[i].title[0])
            mg_html_text(b, rows[i].title);
        else
            mg_buf_printf(b, "Demande n° %lld", (long long)rows[i].id);
        mg_buf_puts(b, "</a></td><td>");
        mg_html_text(b, rows[i].applicant_name);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, funder ? mg_subsidy_part_state_label(rows[i].part_state)
                               : mg_subsidy_state_label(rows[i].state));
        mg_buf_puts(b, "</td><td class=\"num\">");
        euros(b, rows[i].asked_cents);
        mg_buf_puts(b, "</td><td class=\"num\">");
        euros(b, rows[i].granted_cents);
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
}

/* GET /guichet */
static int home_page(web_ctx *ctx)
{
    mg_subsidy_window *windows = NULL;
    size_t nw = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_windows(ctx->app->db, &windows, &nw, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, WINDOW_NOT_FOUND, REQUEST_READ_FAILED);
        return MG_OK;
    }
    char today[11];
    paris_today(today);
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Guichet unique des subventions", "guichet");
    mg_buf_puts(b, "<h1>Guichet unique des subventions de santé</h1>\n<p>Une demande, "
                   "tous les cofinanceurs : la demande de subvention (CERFA n° 12156) se dépose "
                   "une fois au guichet, qui l'oriente vers chaque cofinanceur ; chacun "
                   "l'instruit et décide de sa part.</p>\n");

    /* As applicant. */
    int64_t app[MG_AUTH_MEMBERSHIPS_MAX], creat[MG_AUTH_MEMBERSHIPS_MAX];
    size_t napp = mg_auth_orgs_where(ctx->actor, MG_AUTH_VIEW, MG_AUTH_OBJ_SUBSIDY_REQUEST, app,
                                     MG_AUTH_MEMBERSHIPS_MAX);
    size_t ncreat = creatable_orgs(ctx, creat);
    if (napp || ncreat) {
        mg_buf_puts(b, "<section aria-labelledby=\"demandeur\"><h2 id=\"demandeur\">Vos "
                       "demandes</h2>\n");
        if (ncreat && nw) {
            mg_buf_puts(b, "<ul class=\"new-request\">");
            for (size_t w = 0; w < nw; w++) {
                char wid[24];
                snprintf(wid, sizeof wid, "%lld", (long long)windows[w].id);
                mg_buf_puts(b, "<li><a href=\"");
                mg_html_href(b, "/guichet/demandes/nouvelle",
                             (const char *[]){"guichet", wid, NULL}, NULL);
                mg_buf_puts(b, "\">Nouvelle demande au guichet « ");
                mg_html_text(b, windows[w].title);
                mg_buf_puts(b, " »</a></li>");
            }
            mg_buf_puts(b, "</ul>\n");
        }
        size_t shown = 0;
        for (size_t k = 0; k < napp; k++) {
            mg_subsidy_filter f = {.applicant_id = app[k], .limit = 50};
            mg_subsidy_row *rows = NULL;
            size_t n = 0, total = 0;
            if (mg_subsidy_list(ctx->app->db, &f, &rows, &n, &total, &d) != 0)
                continue;
            for (size_t i = 0; i < n; i++)
                applicant_request(b, ctx, &rows[i], today);
            if (total > n)
                mg_buf_printf(b, "<p>Les %zu demandes les plus récentes sur %zu.</p>\n", n,
                              total);
            shown += n;
            free(rows);
        }
        if (!shown)
            mg_buf_puts(b, "<p>Aucune demande pour le moment.</p>\n");
        mg_buf_puts(b, "</section>\n");
    }

    /* As lead. */
    int64_t leads[MG_AUTH_MEMBERSHIPS_MAX];
    size_t nlead = orgs_as(ctx, true, leads);
    bool any_lead = false;
    for (size_t w = 0; w < nw; w++)
        any_lead |= in_list(leads, nlead, windows[w].lead_id);
    if (any_lead) {
        mg_buf_puts(b, "<section aria-labelledby=\"coordination\"><h2 id=\"coordination\">"
                       "Les guichets que vous coordonnez</h2>\n<ul>");
        for (size_t w = 0; w < nw; w++) {
            if (!in_list(leads, nlead, windows[w].lead_id))
                continue;
            mg_buf_puts(b, "<li>");
            mg_html_link_id(b, "/guichet/guichets/", windows[w].id, NULL);
            mg_html_text(b, windows[w].title);
            mg_buf_puts(b, "</a> (");
            mg_html_text(b, windows[w].lead_name);
            mg_buf_puts(b, ")</li>");
        }
        mg_buf_puts(b, "</ul>\n");
        for (size_t k = 0; k < nlead; k++) {
            mg_subsidy_filter f = {.lead_id = leads[k], .limit = 20};
            mg_subsidy_row *rows = NULL;
            size_t n = 0, total = 0;
            if (mg_subsidy_list(ctx->app->db, &f, &rows, &n, &total, &d) == 0 && n)
                rows_table(b, "Demandes déposées à orienter et à suivre", rows, n, total,
                           false);
            free(rows);
        }
        mg_buf_puts(b, "</section>\n");
    }

    /* As co-funder: the organisations that are co-funders of a window. */
    int64_t funders[MG_AUTH_MEMBERSHIPS_MAX];
    size_t nf = orgs_as(ctx, false, funders), ncofund = 0;
    int64_t cofund[MG_AUTH_MEMBERSHIPS_MAX];
    for (size_t w = 0; w < nw && ncofund < nf; w++) {
        mg_subsidy_org_ref *refs = NULL;
        size_t nr = 0;
        if (mg_subsidy_window_funders(ctx->app->db, windows[w].id, &refs, &nr, &d) != 0)
            continue;
        for (size_t i = 0; i < nr; i++)
            if (in_list(funders, nf, refs[i].id) && !in_list(cofund, ncofund, refs[i].id))
                cofund[ncofund++] = refs[i].id;
        free(refs);
    }
    if (ncofund) {
        mg_buf_puts(b, "<section aria-labelledby=\"cofinanceur\"><h2 id=\"cofinanceur\">"
                       "Les demandes que vous cofinancez</h2>\n<ul>");
        for (size_t k = 0; k < ncofund; k++) {
            mg_buf_puts(b, "<li>");
            mg_html_link_id(b, "/guichet/financeurs/", cofund[k], NULL);
            mg_buf_puts(b, "Demandes, chiffres et exports de ");
            mg_html_text(b, membership_name(ctx, cofund[k]));
            mg_buf_puts(b, "</a></li>");
        }
        mg_buf_puts(b, "</ul>\n");
        for (size_t k = 0; k < ncofund; k++) {
            mg_subsidy_filter f = {.funder_id = cofund[k], .limit = 20};
            mg_subsidy_row *rows = NULL;
            size_t n = 0, total = 0;
            if (mg_subsidy_list(ctx->app->db, &f, &rows, &n, &total, &d) == 0 && n) {
                char cap[MG_AUTH_NAME_MAX_CHARS * 4 + 64];
                snprintf(cap, sizeof cap, "Demandes orientées vers %s",
                         membership_name(ctx, cofund[k]));
                rows_table(b, cap, rows, n, total, true);
            }
            free(rows);
        }
        mg_buf_puts(b, "</section>\n");
    }
    if (!napp && !ncreat && !any_lead && !ncofund)
        mg_buf_puts(b, "<p>Vos organisations n'ont pas de demande au guichet. Une association "
                       "ou une structure de santé y dépose ses demandes ; la coordination du "
                       "contrat local de santé et les cofinanceurs les y instruisent.</p>\n");
    mg_buf_puts(b, "<p><a href=\"/guichet/appels\">Les appels à projets ouverts</a></p>\n");
    free(windows);
    web_page_end(b);
    return web_done(ctx);
}

const web_route web_routes_funding[] = {
    {"GET", "/guichet", home_page, WEB_ACCOUNT, 0},
    {"GET", "/guichet/demandes/nouvelle", new_page, WEB_ACCOUNT, 0},
    {"POST", "/guichet/demandes", create_post, WEB_ACCOUNT, 0},
    {"GET", "/guichet/demandes/{id}", request_page, WEB_ANYONE, 0},
    {"GET", "/guichet/demandes/{id}/modifier", edit_page, WEB_ANYONE, 0},
    {"POST", "/guichet/demandes/{id}/modifier", edit_post, WEB_ANYONE, 0},
    {"POST", "/guichet/demandes/{id}/deposer", file_post, WEB_ANYONE, 0},
    {"POST", "/guichet/demandes/{id}/renouveler", renew_post, WEB_ANYONE, 0},
    {"GET", "/guichet/demandes/{id}/versions/{n}", version_page, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
