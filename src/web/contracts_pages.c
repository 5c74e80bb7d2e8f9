/*
 * The web pages of contracts and actions with their pilot and partners
 * (/contrats/…): the contracts of one's organisations and the creation of
 * one, a contract with its actions and the creation of an action, an
 * action with its pilot and partners, a search of the directory to find a
 * structure and add it, and the removal of a participant.
 *
 * Rights: a contract is MG_AUTH_OBJ_CONTRACT of its lead organisation
 * (auth/authz.c: as a scenario, by role in the lead); its actions and
 * their participants are the contract's. A contract of an organisation the
 * actor is not in answers 404 with the words of one that does not exist;
 * an action asked under another contract's path is 404 too.
 *
 * Each handler reads (web_form_read), calls the contracts module
 * (contracts/contracts.h) or the directory (directory/directory.h), and
 * draws; a refused form is drawn again, status 400, with what was typed and
 * the message beside its field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/contracts.h"
#include "contracts/budget.h"
#include "web/contracts_web.h"
#include "core/utf8.h"
#include "diagnosis/scope.h"
#include "directory/directory.h"
#include "parse/parse.h"
#include "web/form.h"
#include "web/web.h"

#define NFIELDS(a) (sizeof(a) / sizeof *(a))

/* Structures shown for one search of the directory on an action's page. */
#define SEARCH_SHOWN 20

static const char CONTRACT_NOT_FOUND[] = "Ce contrat n'existe pas.";
static const char ACTION_NOT_FOUND[] = "Cette action n'existe pas.";
static const char PARTICIPANT_NOT_FOUND[] = "Cette structure ne participe pas à l'action.";
static const char READ_FAILED[] = "Le contrat n'a pas pu être lu.";
static const char SAVE_FAILED[] = "La modification n'a pas pu être enregistrée.";

/* --- Choices ---------------------------------------------------------------------- */

static int kind_options(mg_buf *b, const void *ctx, const char *selected)
{
    (void)ctx;
    int rc = MG_OK;
    for (int k = 0; rc == MG_OK && k < MG_CONTRACT_KINDS; k++) {
        const char *key = mg_contract_kind_key((mg_contract_kind)k);
        rc = mg_html_option(b, key, mg_contract_kind_label((mg_contract_kind)k),
                            selected && strcmp(selected, key) == 0);
    }
    return rc;
}

static int contract_status_options(mg_buf *b, const void *ctx, const char *selected)
{
    (void)ctx;
    int rc = MG_OK;
    for (int k = 0; rc == MG_OK && k < MG_CONTRACT_STATUSES; k++) {
        const char *key = mg_contract_status_key((mg_contract_status)k);
        rc = mg_html_option(b, key, mg_contract_status_label((mg_contract_status)k),
                            selected && strcmp(selected, key) == 0);
    }
    return rc;
}

static int action_status_options(mg_buf *b, const void *ctx, const char *selected)
{
    (void)ctx;
    int rc = MG_OK;
    for (int k = 0; rc == MG_OK && k < MG_ACTION_STATUSES; k++) {
        const char *key = mg_action_status_key((mg_action_status)k);
        rc = mg_html_option(b, key, mg_action_status_label((mg_action_status)k),
                            selected && strcmp(selected, key) == 0);
    }
    return rc;
}

/* The organisations where the actor may create a contract. */
static int lead_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const web_ctx *ctx = options_ctx;
    const mg_auth_actor *a = ctx->actor;
    int rc = MG_OK;
    for (size_t k = 0; rc == MG_OK && k < a->nm; k++) {
        mg_auth_object o = {.type = MG_AUTH_OBJ_CONTRACT,
                            .organisation_id = a->m[k].organisation_id};
        if (!web_can(ctx, MG_AUTH_CREATE, &o))
            continue;
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)a->m[k].organisation_id);
        rc = mg_html_option(b, id, a->m[k].org_name, selected && strcmp(selected, id) == 0);
    }
    return rc;
}

static int territory_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const web_ctx *ctx = options_ctx;
    int rc = mg_html_option(b, "", "Non précisé", !selected || !*selected);
    const mg_diagnosis *g = ctx->app->prof[0].g;
    if (!g || rc)
        return rc;
    return web_epci_options(b, g, selected);
}

static const web_option role_choices[] = {
    {"partner", "Partenaire"},
    {"pilot", "Pilote"},
    {NULL, NULL},
};

/* --- Forms ------------------------------------------------------------------------- */

#define DATE_HINT "Par exemple 31/12/2027 ou 2027-12-31 ; facultatif."

enum { NEW_ORG, NEW_KIND, NEW_TITLE, NEW_TERRITORY, NEW_START, NEW_END, NEW_STATUS };
static const web_field contract_fields[] = {
    [NEW_ORG] = {.name = "organisation", .label = "Organisation porteuse",
                 .kind = WEB_FIELD_SELECT, .required = true, .options_fn = lead_options},
    [NEW_KIND] = {.name = "kind", .label = "Type de contrat", .kind = WEB_FIELD_SELECT,
                  .required = true, .options_fn = kind_options, .defval = "cps"},
    [NEW_TITLE] = {.name = "title", .label = "Intitulé", .kind = WEB_FIELD_TEXT,
                   .required = true, .max = MG_CONTRACT_TITLE_MAX_CHARS, .autocomplete = "off"},
    [NEW_TERRITORY] = {.name = "territory", .label = "Territoire", .kind = WEB_FIELD_SELECT,
                       .options_fn = territory_options,
                       .hint = "L'intercommunalité avec laquelle le contrat est signé."},
    [NEW_START] = {.name = "starts_on", .label = "Début", .kind = WEB_FIELD_TEXT, .max = 32,
                   .hint = DATE_HINT, .autocomplete = "off"},
    [NEW_END] = {.name = "ends_on", .label = "Fin", .kind = WEB_FIELD_TEXT, .max = 32,
                 .hint = DATE_HINT, .autocomplete = "off"},
    [NEW_STATUS] = {.name = "status", .label = "Statut", .kind = WEB_FIELD_SELECT,
                    .required = true, .options_fn = contract_status_options,
                    .defval = "draft"},
};
static const web_form contract_form = {"contrat", contract_fields, NFIELDS(contract_fields),
                                       "Créer le contrat", NULL};

enum { ACT_TITLE, ACT_DESCRIPTION, ACT_STATUS, ACT_START, ACT_DUE };
static const web_field action_fields[] = {
    [ACT_TITLE] = {.name = "title", .label = "Intitulé de l'action", .kind = WEB_FIELD_TEXT,
                   .required = true, .max = MG_CONTRACT_TITLE_MAX_CHARS, .autocomplete = "off"},
    [ACT_DESCRIPTION] = {.name = "description", .label = "Description", .kind = WEB_FIELD_TEXT,
                         .max = MG_CONTRACT_DESCRIPTION_MAX_CHARS, .autocomplete = "off"},
    [ACT_STATUS] = {.name = "status", .label = "Statut", .kind = WEB_FIELD_SELECT,
                    .required = true, .options_fn = action_status_options,
                    .defval = "planned"},
    [ACT_START] = {.name = "starts_on", .label = "Début", .kind = WEB_FIELD_TEXT, .max = 32,
                   .hint = DATE_HINT, .autocomplete = "off"},
    [ACT_DUE] = {.name = "due_on", .label = "Fin prévue", .kind = WEB_FIELD_TEXT, .max = 32,
                 .hint = DATE_HINT, .autocomplete = "off"},
};
static const web_form action_form = {"action", action_fields, NFIELDS(action_fields),
                                     "Ajouter l'action", NULL};

/* The addition of a participant: drawn by hand (a button per structure
 * found), read through this description. */
enum { PART_ORG, PART_ROLE, PART_QUERY };
static const web_field participant_fields[] = {
    [PART_ORG] = {.name = "organisation", .label = "Structure", .kind = WEB_FIELD_TEXT,
                  .required = true, .max = 20},
    [PART_ROLE] = {.name = "role", .label = "Rôle", .kind = WEB_FIELD_SELECT, .required = true,
                   .options = role_choices},
    [PART_QUERY] = {.name = "q", .label = "Rechercher dans l'annuaire", .kind = WEB_FIELD_TEXT,
                    .max = 200},
};
static const web_form participant_form = {"participant", participant_fields,
                                          NFIELDS(participant_fields), "Ajouter", NULL};

/* The search of the directory on an action's page (GET, changes nothing). */
static const web_field search_fields[] = {
    {.name = "q", .label = "Rechercher dans l'annuaire", .kind = WEB_FIELD_TEXT, .max = 200,
     .hint = "Le nom d'une structure, ou quelques mots de son nom.", .autocomplete = "off"},
};
static const web_form search_form = {"recherche", search_fields, NFIELDS(search_fields),
                                     "Rechercher", "choice"};

/* --- Loading what a path names ---------------------------------------------------------- */

/* A positive id in path parameter `name`, or 0 after answering 404. */
static int64_t path_id(web_ctx *ctx, const char *name, const char *not_found)
{
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, name), INT64_MAX, &id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, not_found);
        return 0;
    }
    return id;
}

mg_auth_object web_contract_object(const web_contract_view *v)
{
    mg_auth_object o = {.type = MG_AUTH_OBJ_CONTRACT, .organisation_id = v->c.organisation_id,
                        .viewers = v->viewers, .nviewers = v->nviewers};
    if (v->has_action && v->a.pilot_id) {
        o.editors = &v->a.pilot_id;
        o.neditors = 1;
    }
    return o;
}

static mg_auth_object contract_object(const mg_contract *c)
{
    return (mg_auth_object){.type = MG_AUTH_OBJ_CONTRACT, .organisation_id = c->organisation_id};
}

void web_contract_view_clear(web_contract_view *v)
{
    if (v->has_action)
        mg_contract_action_clear(&v->a);
    v->has_action = false;
}

/* Reads the contract of the path and its viewers into v; false once
 * answered. */
static bool read_contract(web_ctx *ctx, web_contract_view *v)
{
    int64_t id = path_id(ctx, "id", CONTRACT_NOT_FOUND);
    if (!id)
        return false;
    mg_diag d = {{0}};
    int rc = mg_contract_get(ctx->app->db, id, &v->c, &d);
    if (rc == 0)
        rc = mg_contract_viewers(ctx->app->db, id, v->viewers, WEB_CONTRACT_VIEWERS_MAX,
                                 &v->nviewers, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, READ_FAILED);
        return false;
    }
    return true;
}

/* Sets the edit rights of v once its contract (and action) are read. */
static void set_rights(web_ctx *ctx, web_contract_view *v)
{
    mg_auth_object lead = {.type = MG_AUTH_OBJ_CONTRACT, .organisation_id = v->c.organisation_id};
    v->may_edit_contract = web_can(ctx, MG_AUTH_EDIT, &lead);
    mg_auth_object o = web_contract_object(v);
    v->may_edit_action = v->has_action && web_can(ctx, MG_AUTH_EDIT, &o);
}

bool web_contract_load(web_ctx *ctx, mg_auth_verb verb, web_contract_view *v)
{
    memset(v, 0, sizeof *v);
    if (!read_contract(ctx, v))
        return false;
    /* Editing the contract itself is its lead's; seeing it is also its
     * signatories' and participants' (who are told 403, not 404, when they
     * try to change it). */
    mg_auth_object o = web_contract_object(v);
    if (!web_allow_as(ctx, verb, &o, CONTRACT_NOT_FOUND))
        return false;
    set_rights(ctx, v);
    return true;
}

bool web_contract_action_load(web_ctx *ctx, mg_auth_verb verb, web_contract_view *v)
{
    memset(v, 0, sizeof *v);
    if (!read_contract(ctx, v))
        return false;
    /* Who may not see the contract hears of no action of it either. */
    mg_auth_object seen = web_contract_object(v);
    if (!web_allow_as(ctx, MG_AUTH_VIEW, &seen, CONTRACT_NOT_FOUND))
        return false;
    int64_t aid = path_id(ctx, "aid", ACTION_NOT_FOUND);
    if (!aid)
        return false;
    mg_diag d = {{0}};
    int rc = mg_contract_action_get(ctx->app->db, aid, &v->a, &d);
    if (rc == 0 && v->a.contract_id != v->c.id) {
        mg_contract_action_clear(&v->a);
        rc = MG_ENOTFOUND;
    }
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND, READ_FAILED);
        return false;
    }
    v->has_action = true;
    mg_auth_object o = web_contract_object(v);
    if (verb != MG_AUTH_VIEW && !web_allow_as(ctx, verb, &o, ACTION_NOT_FOUND)) {
        web_contract_view_clear(v);
        return false;
    }
    set_rights(ctx, v);
    return true;
}

/* Loads the contract of the path when the actor may `verb` it; false once
 * answered. */
static bool load_contract(web_ctx *ctx, mg_auth_verb verb, mg_contract *out)
{
    web_contract_view v;
    if (!web_contract_load(ctx, verb, &v))
        return false;
    *out = v.c;
    return true;
}

/* The contract and the action of the path (the action must be the
 * contract's); false once answered. out_action is cleared by the caller. */
static bool load_action(web_ctx *ctx, mg_auth_verb verb, mg_contract *c, mg_contract_action *a)
{
    web_contract_view v;
    memset(a, 0, sizeof *a);
    if (!web_contract_action_load(ctx, verb, &v))
        return false;
    *c = v.c;
    *a = v.a; /* the action's owned strings move to the caller */
    return true;
}

/* --- Pieces of pages ------------------------------------------------------------------- */

static void contract_path(char *out, size_t cap, int64_t id)
{
    snprintf(out, cap, "/contrats/%lld", (long long)id);
}

static void action_path(char *out, size_t cap, int64_t cid, int64_t aid)
{
    snprintf(out, cap, "/contrats/%lld/actions/%lld", (long long)cid, (long long)aid);
}

/* "du 01/01/2024 au 31/12/2027", "à partir du …", "jusqu'au …", or "—". */
static void period(mg_buf *b, const char *from, const char *to)
{
    char f[16] = "", t[16] = "";
    if (from[0] && strlen(from) == 10)
        snprintf(f, sizeof f, "%.2s/%.2s/%.4s", from + 8, from + 5, from);
    if (to[0] && strlen(to) == 10)
        snprintf(t, sizeof t, "%.2s/%.2s/%.4s", to + 8, to + 5, to);
    if (f[0] && t[0]) {
        mg_buf_puts(b, "du ");
        mg_html_text(b, f);
        mg_buf_puts(b, " au ");
        mg_html_text(b, t);
    } else if (f[0]) {
        mg_buf_puts(b, "à partir du ");
        mg_html_text(b, f);
    } else if (t[0]) {
        mg_buf_puts(b, "jusqu'au ");
        mg_html_text(b, t);
    } else {
        mg_buf_puts(b, "—");
    }
}

/* The territory of a contract: the scope's French name linked to its
 * figures, or the key as stored when the territory loaded does not know
 * it. */
static void territory(mg_buf *b, web_ctx *ctx, const char *key)
{
    if (!key[0]) {
        mg_buf_puts(b, "non précisé");
        return;
    }
    mg_scope sc = {0};
    mg_diag d = {{0}};
    const mg_diagnosis *g = ctx->app->prof[0].g;
    if (g && mg_scope_parse(g, key, &sc, &d) == 0) {
        mg_buf_puts(b, "<a href=\"");
        mg_html_href(b, "/territoire", (const char *const[]){"perimetre", key, NULL}, NULL);
        mg_buf_puts(b, "\">");
        mg_html_text(b, sc.label);
        mg_buf_puts(b, "</a>");
        mg_scope_free(&sc);
        return;
    }
    mg_html_text(b, key);
}

/* A participant's name, linked to its structure page when it is a
 * structure of the directory (an organisation that is not has no public
 * page to link to). */
static void structure_link(mg_buf *b, int64_t id, const char *name, bool in_directory)
{
    if (!in_directory) {
        mg_html_text(b, name);
        return;
    }
    mg_html_link_id(b, "/structure/", id, NULL);
    mg_html_text(b, name);
    mg_buf_puts(b, "</a>");
}

void web_contract_crumbs(mg_buf *b, const mg_contract *c)
{
    mg_buf_puts(b, "<p class=\"crumbs\"><a href=\"/contrats\">Contrats</a>");
    if (c) {
        mg_buf_puts(b, " › ");
        mg_html_link_id(b, "/contrats/", c->id, NULL);
        mg_html_text(b, c->title);
        mg_buf_puts(b, "</a>");
    }
    mg_buf_puts(b, "</p>\n");
}

/* --- The list of contracts and the creation of one ------------------------------------- */

static int list_render(web_ctx *ctx, const web_form_input *create)
{
    int64_t orgs[MG_AUTH_MEMBERSHIPS_MAX];
    size_t norgs = mg_auth_orgs_where(ctx->actor, MG_AUTH_VIEW, MG_AUTH_OBJ_CONTRACT, orgs,
                                      MG_AUTH_MEMBERSHIPS_MAX);
    mg_contract *rows = NULL;
    size_t n = 0, total = 0;
    mg_diag d = {{0}};
    int rc = mg_contract_list(ctx->app->db, orgs, norgs, &rows, &n, &total, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Contrats", "contrats");
    mg_buf_puts(b, "<h1>Contrats</h1>\n<p>Les contrats que portent vos organisations "
                   "(contrats pluriannuels des solidarités, contrats locaux de santé, "
                   "conventions, schémas) et leurs actions, avec le pilote et les partenaires "
                   "de chacune.</p>\n");
    mg_buf_puts(b, "<section aria-labelledby=\"liste\"><h2 id=\"liste\">Vos contrats</h2>\n");
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucun contrat pour le moment.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Contrats de vos organisations");
        if (total > n)
            mg_buf_printf(b, " (les %zu premiers sur %zu)", n, total);
        mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Intitulé</th>"
                       "<th scope=\"col\">Type</th><th scope=\"col\">Porteur</th>"
                       "<th scope=\"col\">Territoire</th><th scope=\"col\">Période</th>"
                       "<th scope=\"col\">Statut</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < n; k++) {
            const mg_contract *c = &rows[k];
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_link_id(b, "/contrats/", c->id, NULL);
            mg_html_text(b, c->title);
            mg_buf_puts(b, "</a></th><td>");
            mg_html_text(b, mg_contract_kind_label(c->kind));
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, c->lead_name);
            mg_buf_puts(b, "</td><td>");
            territory(b, ctx, c->territory);
            mg_buf_puts(b, "</td><td>");
            period(b, c->starts_on, c->ends_on);
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, mg_contract_status_label(c->status));
            mg_buf_puts(b, "</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    mg_buf_puts(b, "</section>\n");
    free(rows);
    int64_t creatable[1];
    if (mg_auth_orgs_where(ctx->actor, MG_AUTH_CREATE, MG_AUTH_OBJ_CONTRACT, creatable, 1)) {
        mg_buf_puts(b, "<section aria-labelledby=\"nouveau\"><h2 id=\"nouveau\">Nouveau "
                       "contrat</h2>\n");
        web_form_render(b, &contract_form, create, "post", "/contrats", ctx, web_csrf(ctx));
        mg_buf_puts(b, "</section>\n");
    }
    web_page_end(b);
    return web_done(ctx);
}

static int list_page(web_ctx *ctx)
{
    return list_render(ctx, NULL);
}

/* A refusal of the contracts module beside the field it names (or
 * `fallback` when the form has no such field). */
static void refuse_contract(web_form_input *in, const mg_contract_field_error *fe,
                            const mg_diag *d, const char *fallback)
{
    const char *field =
        fe->field && web_form_field(in->form, fe->field) >= 0 ? fe->field : fallback;
    web_form_refuse(in, field, fe->msg[0] ? fe->msg : d->msg);
}

static int create_post(web_ctx *ctx)
{
    web_form_input in;
    web_form_read(&contract_form, ctx->req, &in);
    int64_t lead = 0;
    if (!in.error[NEW_ORG][0]) {
        mg_auth_object o = {.type = MG_AUTH_OBJ_CONTRACT};
        if (mg_parse_id(in.raw[NEW_ORG], INT64_MAX, &o.organisation_id, NULL) ||
            !web_can(ctx, MG_AUTH_CREATE, &o))
            web_form_refuse(&in, "organisation",
                            "Choisissez une de vos organisations où votre rôle permet de "
                            "créer un contrat.");
        else
            lead = o.organisation_id;
    }
    /* The territory must be one of the loaded territory (the store checks
     * its form only). */
    const mg_diagnosis *g = ctx->app->prof[0].g;
    if (!in.error[NEW_TERRITORY][0] && in.given[NEW_TERRITORY] && g) {
        mg_scope sc = {0};
        mg_diag sd = {{0}};
        if (mg_scope_parse(g, in.raw[NEW_TERRITORY], &sc, &sd) != 0)
            web_form_refuse(&in, "territory",
                            "Choisissez une intercommunalité du territoire dans la liste.");
        mg_scope_free(&sc);
    }
    if (in.nerrors == 0) {
        mg_contract_input ci = {.kind = in.raw[NEW_KIND], .title = in.raw[NEW_TITLE],
                                .territory = in.raw[NEW_TERRITORY],
                                .starts_on = in.raw[NEW_START], .ends_on = in.raw[NEW_END],
                                .status = in.raw[NEW_STATUS]};
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int64_t id = 0;
        int rc = mg_contract_create(ctx->app->db, ctx->actor->account_id, lead, &ci, &id, &fe, &d);
        if (rc == 0) {
            char to[64];
            contract_path(to, sizeof to, id);
            mg_http_redirect(ctx->res, to);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
        refuse_contract(&in, &fe, &d, "title");
    }
    ctx->res->status = 400;
    return list_render(ctx, &in);
}

/* --- A contract and its actions --------------------------------------------------------- */

static int contract_render(web_ctx *ctx, const mg_contract *c, const web_form_input *add)
{
    mg_contract_action *acts = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_contract_actions(ctx->app->db, c->id, &acts, &n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    mg_auth_object o = contract_object(c);
    bool may_edit = web_can(ctx, MG_AUTH_EDIT, &o);
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, c->title, "contrats");
    web_contract_crumbs(b, NULL);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, c->title);
    mg_buf_puts(b, "</h1>\n<dl class=\"facts\"><dt>Type</dt><dd>");
    mg_html_text(b, mg_contract_kind_label(c->kind));
    mg_buf_puts(b, "</dd><dt>Porteur</dt><dd>");
    mg_html_link_id(b, "/organisations/", c->organisation_id, NULL);
    mg_html_text(b, c->lead_name);
    mg_buf_puts(b, "</a></dd><dt>Territoire</dt><dd>");
    territory(b, ctx, c->territory);
    mg_buf_puts(b, "</dd><dt>Période</dt><dd>");
    period(b, c->starts_on, c->ends_on);
    mg_buf_puts(b, "</dd><dt>Statut</dt><dd>");
    mg_html_text(b, mg_contract_status_label(c->status));
    mg_buf_puts(b, "</dd></dl>\n");

    mg_buf_puts(b, "<section aria-labelledby=\"actions\"><h2 id=\"actions\">Actions</h2>\n");
    if (n == 0) {
        mg_buf_puts(b, "<p>Ce contrat n'a pas encore d'action.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Actions du contrat</caption>"
                       "<thead><tr><th scope=\"col\">Action</th><th scope=\"col\">Statut</th>"
                       "<th scope=\"col\">Pilote</th><th scope=\"col\">Partenaires</th>"
                       "<th scope=\"col\">Période</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < n; k++) {
            const mg_contract_action *a = &acts[k];
            char path[96];
            action_path(path, sizeof path, c->id, a->id);
            mg_buf_puts(b, "<tr><th scope=\"row\"><a href=\"");
            mg_html_href(b, path, NULL, NULL);
            mg_buf_puts(b, "\">");
            mg_html_text(b, a->title);
            mg_buf_puts(b, "</a></th><td>");
            mg_html_text(b, mg_action_status_label(a->status));
            mg_buf_puts(b, "</td><td>");
            if (a->pilot_id)
                structure_link(b, a->pilot_id, a->pilot_name, a->pilot_in_directory);
            else
                mg_buf_puts(b, "—");
            mg_buf_printf(b, "</td><td>%zu</td><td>", a->partners);
            period(b, a->starts_on, a->due_on);
            mg_buf_puts(b, "</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    mg_buf_puts(b, "</section>\n");
    mg_contract_actions_free(acts, n);
    /* TODO(plan): contract_render takes the web_contract_view. */
    web_contract_view view = {.c = *c, .may_edit_contract = may_edit};
    web_contract_budget_section(b, ctx, &view);
    web_contract_report_links(b, ctx, &view);
    if (may_edit)
        web_contract_import_section(b, ctx, &view);
    if (may_edit) {
        mg_buf_puts(b, "<section aria-labelledby=\"nouvelle\"><h2 id=\"nouvelle\">Nouvelle "
                       "action</h2>\n");
        char path[96];
        snprintf(path, sizeof path, "/contrats/%lld/actions", (long long)c->id);
        web_form_render(b, &action_form, add, "post", path, NULL, web_csrf(ctx));
        mg_buf_puts(b, "</section>\n");
    }
    web_history(b, ctx, "contract", c->id);
    web_page_end(b);
    return web_done(ctx);
}

static int contract_page(web_ctx *ctx)
{
    mg_contract c;
    if (!load_contract(ctx, MG_AUTH_VIEW, &c))
        return MG_OK;
    return contract_render(ctx, &c, NULL);
}

static int action_create_post(web_ctx *ctx)
{
    mg_contract c;
    if (!load_contract(ctx, MG_AUTH_EDIT, &c))
        return MG_OK;
    web_form_input in;
    web_form_read(&action_form, ctx->req, &in);
    if (in.nerrors == 0) {
        mg_contract_action_input ai = {.title = in.raw[ACT_TITLE],
                                       .description = in.raw[ACT_DESCRIPTION],
                                       .status = in.raw[ACT_STATUS],
                                       .starts_on = in.raw[ACT_START], .due_on = in.raw[ACT_DUE]};
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int64_t id = 0;
        int rc = mg_contract_action_create(ctx->app->db, ctx->actor->account_id, c.id, &ai, &id,
                                           &fe, &d);
        if (rc == 0) {
            char to[96];
            action_path(to, sizeof to, c.id, id);
            mg_http_redirect(ctx->res, to);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
        refuse_contract(&in, &fe, &d, "title");
    }
    ctx->res->status = 400;
    return contract_render(ctx, &c, &in);
}

/* --- An action, its pilot and partners ----------------------------------------------------- */

typedef struct action_view {
    mg_contract c;
    mg_contract_action a;
    const char *query;     /* the directory search typed, or NULL */
    const char *refusal;   /* why an addition was refused, or NULL */
    const char *done;      /* what was just done ("ajout", "retrait"), or NULL */
} action_view;

static void render_participants(mg_buf *b, web_ctx *ctx, const action_view *v, bool may_edit,
                                const mg_contract_participant *p, size_t n)
{
    mg_buf_puts(b, "<section aria-labelledby=\"participants\"><h2 id=\"participants\">Pilote "
                   "et partenaires</h2>\n");
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucune structure n'est encore associée à cette action.</p>\n");
        mg_buf_puts(b, "</section>\n");
        return;
    }
    mg_buf_puts(b, "<table><caption>Structures associées à l'action</caption><thead><tr>"
                   "<th scope=\"col\">Structure</th><th scope=\"col\">Rôle</th>");
    if (may_edit)
        mg_buf_puts(b, "<th scope=\"col\"><span class=\"sr\">Retirer</span></th>");
    mg_buf_puts(b, "</tr></thead><tbody>\n");
    char base[96];
    action_path(base, sizeof base, v->c.id, v->a.id);
    for (size_t k = 0; k < n; k++) {
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        structure_link(b, p[k].organisation_id, p[k].name, p[k].in_directory);
        mg_buf_puts(b, "</th><td>");
        mg_html_text(b, mg_participant_role_label(p[k].role));
        mg_buf_puts(b, "</td>");
        if (may_edit) {
            mg_buf_puts(b, "<td><form class=\"inline\" method=\"post\" action=\"");
            mg_html_attr(b, base);
            mg_buf_printf(b, "/participants/%lld/retirer\">", (long long)p[k].organisation_id);
            web_csrf_field(b, ctx);
            mg_buf_puts(b, "<button type=\"submit\" aria-label=\"Retirer ");
            mg_html_attr(b, p[k].name);
            mg_buf_puts(b, " de l'action\">Retirer</button></form></td>");
        }
        mg_buf_puts(b, "</tr>\n");
    }
    mg_buf_puts(b, "</tbody></table>\n</section>\n");
}

/* The search of the directory and, for each structure found, its buttons
 * "comme partenaire" and "comme pilote". Returns non-zero once answered
 * (the directory could not be read). */
static int render_search(mg_buf *b, web_ctx *ctx, const action_view *v,
                         const mg_contract_participant *p, size_t n)
{
    char base[96];
    action_path(base, sizeof base, v->c.id, v->a.id);
    mg_buf_puts(b, "<section aria-labelledby=\"ajouter\"><h2 id=\"ajouter\">Ajouter une "
                   "structure de l'annuaire</h2>\n");
    if (v->refusal) {
        mg_buf_puts(b, "<div class=\"error-summary\" role=\"alert\"><p>");
        mg_html_text(b, v->refusal);
        mg_buf_puts(b, "</p></div>\n");
    }
    web_form_input sin;
    memset(&sin, 0, sizeof sin);
    sin.form = &search_form;
    sin.raw[0] = v->query;
    char action[112];
    snprintf(action, sizeof action, "%s#ajouter", base);
    web_form_render(b, &search_form, v->query ? &sin : NULL, "get", action, NULL, NULL);
    if (!v->query || !v->query[0]) {
        mg_buf_puts(b, "</section>\n");
        return 0;
    }
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_query q = {.text = v->query, .category = -1, .limit = SEARCH_SHOWN};
    size_t total = 0;
    mg_diag d = {{0}};
    int rc = mg_dir_search(ctx->app->db, &q, &set, &total, &d);
    if (rc == MG_EINVAL) {
        /* What was typed cannot be searched: said, not a failure. */
        mg_buf_puts(b, "<p role=\"status\">");
        mg_html_text(b, d.msg[0] ? d.msg : "Cette recherche n'est pas possible.");
        mg_buf_puts(b, "</p></section>\n");
        mg_dir_set_free(&set);
        return 0;
    }
    if (rc) {
        mg_dir_set_free(&set);
        mg_buf_reset(b);
        web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND,
                          "L'annuaire n'a pas pu être lu.");
        return -1;
    }
    mg_buf_puts(b, "<p role=\"status\">");
    if (total == 0)
        mg_buf_puts(b, "Aucune structure de l'annuaire ne correspond à « ");
    else if (total > set.nstructures)
        mg_buf_printf(b, "%zu structures correspondent ; les %zu premières pour « ", total,
                      set.nstructures);
    else
        mg_buf_printf(b, total > 1 ? "%zu structures pour « " : "%zu structure pour « ", total);
    mg_html_text(b, v->query);
    mg_buf_puts(b, " ».</p>\n");
    if (set.nstructures) {
        mg_buf_puts(b, "<table><caption>Structures trouvées</caption><thead><tr>"
                       "<th scope=\"col\">Structure</th><th scope=\"col\">Catégorie</th>"
                       "<th scope=\"col\">Commune</th><th scope=\"col\">Ajouter</th>"
                       "</tr></thead><tbody>\n");
        for (size_t k = 0; k < set.nstructures; k++) {
            const mg_dir_structure *s = &set.structures[k];
            bool already = false;
            for (size_t i = 0; i < n; i++)
                already = already || p[i].organisation_id == s->id;
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            structure_link(b, s->id, s->name ? s->name : "", true);
            mg_buf_puts(b, "</th><td>");
            mg_html_text(b, mg_dir_category_label(s->category));
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, s->commune_name ? s->commune_name : "");
            mg_buf_puts(b, "</td><td>");
            if (already) {
                mg_buf_puts(b, "déjà associée");
            } else {
                mg_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"");
                mg_html_attr(b, base);
                mg_buf_puts(b, "/participants\">");
                web_csrf_field(b, ctx);
                char id[24];
                snprintf(id, sizeof id, "%lld", (long long)s->id);
                mg_html_hidden(b, "organisation", id);
                mg_html_hidden(b, "q", v->query);
                static const struct {
                    const char *role, *label;
                } buttons[] = {{"partner", "partenaire"}, {"pilot", "pilote"}};
                for (size_t r = 0; r < NFIELDS(buttons); r++) {
                    mg_buf_puts(b, "<button type=\"submit\" name=\"role\" value=\"");
                    mg_html_attr(b, buttons[r].role);
                    mg_buf_puts(b, "\" aria-label=\"Ajouter ");
                    mg_html_attr(b, s->name ? s->name : "");
                    mg_buf_puts(b, " comme ");
                    mg_html_attr(b, buttons[r].label);
                    mg_buf_puts(b, "\">Comme ");
                    mg_html_text(b, buttons[r].label);
                    mg_buf_puts(b, "</button> ");
                }
                mg_buf_puts(b, "</form>");
            }
            mg_buf_puts(b, "</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table>\n");
    }
    mg_buf_puts(b, "</section>\n");
    mg_dir_set_free(&set);
    return 0;
}

static int action_render(web_ctx *ctx, action_view *v)
{
    mg_contract_participant *p = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_contract_participants(ctx->app->db, v->a.id, &p, &n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    mg_auth_object o = contract_object(&v->c);
    bool may_edit = web_can(ctx, MG_AUTH_EDIT, &o);
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, v->a.title, "contrats");
    web_contract_crumbs(b, &v->c);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, v->a.title);
    mg_buf_puts(b, "</h1>\n");
    if (v->done) {
        mg_buf_puts(b, "<p class=\"notice\" role=\"status\">");
        mg_html_text(b, strcmp(v->done, "ajout") == 0 ? "La structure a été ajoutée à l'action."
                                                      : "La structure a été retirée de l'action.");
        mg_buf_puts(b, "</p>\n");
    }
    mg_buf_puts(b, "<dl class=\"facts\"><dt>Contrat</dt><dd>");
    mg_html_link_id(b, "/contrats/", v->c.id, NULL);
    mg_html_text(b, v->c.title);
    mg_buf_puts(b, "</a></dd><dt>Statut</dt><dd>");
    mg_html_text(b, mg_action_status_label(v->a.status));
    mg_buf_puts(b, "</dd><dt>Période</dt><dd>");
    period(b, v->a.starts_on, v->a.due_on);
    mg_buf_puts(b, "</dd>");
    if (v->a.description && v->a.description[0]) {
        mg_buf_puts(b, "<dt>Description</dt><dd>");
        mg_html_text(b, v->a.description);
        mg_buf_puts(b, "</dd>");
    }
    mg_buf_puts(b, "</dl>\n");
    render_participants(b, ctx, v, may_edit, p, n);
    if (may_edit && render_search(b, ctx, v, p, n)) {
        free(p);
        return MG_OK;
    }
    free(p);
    /* TODO(plan): action_view holds the web_contract_view. */
    web_contract_view view = {.c = v->c, .a = v->a, .has_action = true,
                              .may_edit_contract = may_edit, .may_edit_action = may_edit};
    web_action_budget_section(b, ctx, &view);
    web_action_indicators_section(b, ctx, &view);
    web_history(b, ctx, "action", v->a.id);
    web_page_end(b);
    return web_done(ctx);
}

static int action_page(web_ctx *ctx)
{
    action_view v = {0};
    if (!load_action(ctx, MG_AUTH_VIEW, &v.c, &v.a))
        return MG_OK;
    v.query = mg_http_query(ctx->req, "q");
    v.done = mg_http_query(ctx->req, "fait");
    if (v.done && strcmp(v.done, "ajout") != 0 && strcmp(v.done, "retrait") != 0)
        v.done = NULL;
    /* A search longer than the field's bound is cut, never refused. */
    char q[201 * 4];
    if (v.query && strlen(v.query) >= sizeof q) {
        snprintf(q, sizeof q, "%.*s", (int)mg_utf8_prefix(v.query, sizeof q - 1), v.query);
        v.query = q;
    }
    int rc = action_render(ctx, &v);
    mg_contract_action_clear(&v.a);
    return rc;
}

/* Back to the action's page, the search kept (when it fits in a
 * Location header), with a notice. */
static void redirect_action(web_ctx *ctx, const action_view *v, bool added)
{
    char path[96];
    action_path(path, sizeof path, v->c.id, v->a.id);
    mg_buf to;
    mg_buf_init(&to, 500);
    mg_buf_printf(&to, "/contrats/%lld/actions/%lld", (long long)v->c.id, (long long)v->a.id);
    mg_buf_puts(&to, added ? "?fait=ajout" : "?fait=retrait");
    if (v->query && v->query[0]) {
        mg_buf_puts(&to, "&q=");
        mg_html_url_arg(&to, v->query);
    }
    mg_buf_puts(&to, "#participants");
    mg_http_redirect(ctx->res, !to.failed && to.data ? to.data : path);
    mg_buf_free(&to);
}

static int participant_add_post(web_ctx *ctx)
{
    action_view v = {0};
    if (!load_action(ctx, MG_AUTH_EDIT, &v.c, &v.a))
        return MG_OK;
    web_form_input in;
    web_form_read(&participant_form, ctx->req, &in);
    v.query = in.raw[PART_QUERY] && !in.error[PART_QUERY][0] ? in.raw[PART_QUERY] : NULL;
    int64_t org = 0;
    mg_participant_role role = MG_PARTICIPANT_PARTNER;
    if (!in.error[PART_ORG][0] && mg_parse_id(in.raw[PART_ORG], INT64_MAX, &org, NULL))
        web_form_refuse(&in, "organisation", "Choisissez une structure de l'annuaire.");
    if (!in.error[PART_ROLE][0] && mg_participant_role_parse(in.raw[PART_ROLE], &role))
        web_form_refuse(&in, "role", "Choisissez le rôle : pilote ou partenaire.");
    char refusal[sizeof ((mg_diag *)0)->msg] = "";
    if (in.nerrors == 0) {
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int rc = mg_contract_participant_add(ctx->app->db, ctx->actor->account_id, v.a.id, org,
                                             role, &fe, &d);
        if (rc == 0) {
            redirect_action(ctx, &v, true);
            mg_contract_action_clear(&v.a);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            mg_contract_action_clear(&v.a);
            web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
        snprintf(refusal, sizeof refusal, "%s", fe.msg[0] ? fe.msg : d.msg);
    } else {
        for (size_t i = 0; i < NFIELDS(participant_fields) && !refusal[0]; i++)
            if (in.error[i][0])
                snprintf(refusal, sizeof refusal, "%s", in.error[i]);
    }
    v.refusal = refusal;
    ctx->res->status = 400;
    int rc = action_render(ctx, &v);
    mg_contract_action_clear(&v.a);
    return rc;
}

static int participant_remove_post(web_ctx *ctx)
{
    action_view v = {0};
    if (!load_action(ctx, MG_AUTH_EDIT, &v.c, &v.a))
        return MG_OK;
    int64_t org = path_id(ctx, "org", PARTICIPANT_NOT_FOUND);
    if (!org) {
        mg_contract_action_clear(&v.a);
        return MG_OK;
    }
    mg_diag d = {{0}};
    int rc = mg_contract_participant_remove(ctx->app->db, ctx->actor->account_id, v.a.id, org,
                                            &d);
    if (rc == 0)
        redirect_action(ctx, &v, false);
    else
        web_storage_error(ctx->req, ctx->res, rc, &d, PARTICIPANT_NOT_FOUND, SAVE_FAILED);
    mg_contract_action_clear(&v.a);
    return MG_OK;
}

const web_route web_routes_contracts[] = {
    {"GET", "/contrats", list_page, WEB_ACCOUNT, 0},
    {"POST", "/contrats", create_post, WEB_ACCOUNT, 0},
    {"GET", "/contrats/{id}", contract_page, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/actions", action_create_post, WEB_ANYONE, 0},
    {"GET", "/contrats/{id}/actions/{aid}", action_page, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/actions/{aid}/participants", participant_add_post, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/actions/{aid}/participants/{org}/retirer", participant_remove_post,
     WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};

void web_contract_euros(mg_buf *b, int64_t cents)
{
    char s[64];
    mg_budget_format_cents(cents, s, sizeof s);
    mg_html_text(b, s);
}
