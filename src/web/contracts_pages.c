/*
 * The web pages of contracts as plans (/contrats/…, docs/contracts.md):
 * the contracts one's organisations lead, signed or take part in, and the
 * creation of one; a contract with its facts, its change, its signatories,
 * its tree of axes and its actions grouped by axis, the sections of the
 * files of the same family (budget, amendments, documents, report, import:
 * contracts_web.h) and the creation of an action; an action with its
 * facts, its change, its status changes (the allowed ones only), its
 * milestones and follow-up notes, its pilot and partners with a search of
 * the directory, and the budget and indicators sections.
 *
 * Rights (auth/authz.c, MG_AUTH_OBJ_CONTRACT; web_contract_view): the
 * lead's members see the contract and, by role, change it; the members of
 * its signatories and of the organisations taking part in its actions see
 * it (and are told 403 when they try to change it); the managers and
 * contributors of an action's pilot change that action (details, status,
 * milestones, notes) but not the contract, another action, nor who takes
 * part (the lead's decision: it decides who sees the contract). Anyone
 * else gets the 404 of a contract that does not exist; an action asked
 * under another contract's path is 404 too.
 *
 * Each handler reads (web_form_read), calls the contracts module
 * (contracts/contracts.h) or the directory (directory/directory.h), and
 * draws; a refused form is drawn again, status 400, with what was typed and
 * the message beside its field; a change done redirects (303).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/contracts.h"
#include "contracts/budget.h"
#include "web/contracts_web.h"
#include "core/utf8.h"
#include "diagnosis/scope.h"
#include "directory/directory.h"
#include "storage/storage.h"
#include "parse/parse.h"
#include "web/form.h"
#include "web/web.h"

#define NFIELDS(a) (sizeof(a) / sizeof *(a))

/* Structures shown for one search of the directory on an action's page. */
#define SEARCH_SHOWN 20

static const char CONTRACT_NOT_FOUND[] = "Ce contrat n'existe pas.";
static const char ACTION_NOT_FOUND[] = "Cette action n'existe pas.";
static const char PARTICIPANT_NOT_FOUND[] = "Cette structure ne participe pas à l'action.";
static const char SIGNATORY_NOT_FOUND[] = "Cette organisation n'a pas signé le contrat.";
static const char MILESTONE_NOT_FOUND[] = "Cette étape n'existe pas.";
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
    /* A list of communes (a contract changed elsewhere) is kept as it is. */
    if (rc == MG_OK && selected && strncmp(selected, "communes:", 9) == 0)
        rc = mg_html_option(b, selected, selected, true);
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

/* --- Choices known at run time ------------------------------------------------------- */

static const web_option priority_choices[] = {
    {"1", "1 — haute"},
    {"2", "2 — normale"},
    {"3", "3 — basse"},
    {NULL, NULL},
};

static const char *priority_label(int p)
{
    return p == 1 ? "haute" : p == 3 ? "basse" : "normale";
}

/* What the action forms offer: the contract's axes and the scenarios the
 * actor sees. */
typedef struct action_choices {
    const mg_contract_axis *axes;
    size_t naxes;
    const mg_scenario_record *scenarios;
    size_t nscenarios;
    int64_t current_scenario; /* the action's, kept as a choice; 0 none */
} action_choices;

/* "1.2 Télésanté" for an axis. */
static void axis_name(char *out, size_t cap, const mg_contract_axis *x)
{
    snprintf(out, cap, "%s %s", x->number, x->title);
}

static int axis_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const action_choices *c = options_ctx;
    int rc = mg_html_option(b, "", "Hors axe", !selected || !*selected);
    for (size_t k = 0; rc == MG_OK && c && k < c->naxes; k++) {
        char id[24], name[sizeof c->axes[k].title + 24];
        snprintf(id, sizeof id, "%lld", (long long)c->axes[k].id);
        axis_name(name, sizeof name, &c->axes[k]);
        rc = mg_html_option(b, id, name, selected && strcmp(selected, id) == 0);
    }
    return rc;
}

/* The axes that may receive a sub-axis (the first level). */
static int parent_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const action_choices *c = options_ctx;
    int rc = mg_html_option(b, "", "Aucun : un axe de premier niveau", !selected || !*selected);
    for (size_t k = 0; rc == MG_OK && c && k < c->naxes; k++) {
        if (c->axes[k].level != 1)
            continue;
        char id[24], name[sizeof c->axes[k].title + 24];
        snprintf(id, sizeof id, "%lld", (long long)c->axes[k].id);
        axis_name(name, sizeof name, &c->axes[k]);
        rc = mg_html_option(b, id, name, selected && strcmp(selected, id) == 0);
    }
    return rc;
}

static int scenario_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const action_choices *c = options_ctx;
    int rc = mg_html_option(b, "", "Aucun", !selected || !*selected);
    /* The action's scenario stays a choice even when the actor does not see
     * it (a pilot editing an action the lead modelled). */
    bool listed = !selected || !*selected;
    for (size_t k = 0; c && !listed && k < c->nscenarios; k++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)c->scenarios[k].id);
        listed = strcmp(id, selected) == 0;
    }
    if (rc == MG_OK && !listed && c && c->current_scenario) {
        char id[24], label[64];
        snprintf(id, sizeof id, "%lld", (long long)c->current_scenario);
        snprintf(label, sizeof label, "Le scénario actuel (n° %lld)",
                 (long long)c->current_scenario);
        rc = mg_html_option(b, id, label, strcmp(id, selected) == 0);
    }
    for (size_t k = 0; rc == MG_OK && c && k < c->nscenarios; k++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)c->scenarios[k].id);
        rc = mg_html_option(b, id, c->scenarios[k].name ? c->scenarios[k].name : id,
                            selected && strcmp(selected, id) == 0);
    }
    return rc;
}

/* The organisations that may sign: every organisation of the accounts, by
 * name, but those that already signed. */
typedef struct org_choices {
    const mg_auth_org *orgs;
    size_t n;
    const mg_contract_participant *signed_;
    size_t nsigned;
} org_choices;

static int signatory_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const org_choices *c = options_ctx;
    int rc = mg_html_option(b, "", "Choisissez une organisation", !selected || !*selected);
    for (size_t k = 0; rc == MG_OK && c && k < c->n; k++) {
        bool already = false;
        for (size_t i = 0; i < c->nsigned; i++)
            already = already || c->signed_[i].organisation_id == c->orgs[k].id;
        if (already)
            continue;
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)c->orgs[k].id);
        rc = mg_html_option(b, id, c->orgs[k].name, selected && strcmp(selected, id) == 0);
    }
    return rc;
}

/* --- Forms ------------------------------------------------------------------------- */

#define DATE_HINT "Par exemple 31/12/2027 ou 2027-12-31 ; facultatif."

/* The creation of a contract; its change is the same form without the
 * organisation (contract_fields + 1). */
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
#define EDIT(i) ((i) - 1) /* a field of contract_form in edit_form */
static const web_form edit_form = {"modifier", contract_fields + 1, NFIELDS(contract_fields) - 1,
                                   "Enregistrer le contrat", NULL};

/* An action: its change is the same form without the status (the last
 * field), which changes through its own buttons. */
enum {
    ACT_TITLE, ACT_DESCRIPTION, ACT_START, ACT_DUE, ACT_AXIS, ACT_OBJECTIVES, ACT_CONTACT,
    ACT_PUBLICS, ACT_COMMUNES, ACT_PRIORITY, ACT_SCENARIO, ACT_STATUS
};
static const web_field action_fields[] = {
    [ACT_TITLE] = {.name = "title", .label = "Intitulé de l'action", .kind = WEB_FIELD_TEXT,
                   .required = true, .max = MG_CONTRACT_TITLE_MAX_CHARS, .autocomplete = "off"},
    [ACT_DESCRIPTION] = {.name = "description", .label = "Description", .kind = WEB_FIELD_TEXT,
                         .max = MG_CONTRACT_DESCRIPTION_MAX_CHARS, .autocomplete = "off"},
    [ACT_START] = {.name = "starts_on", .label = "Début", .kind = WEB_FIELD_TEXT, .max = 32,
                   .hint = DATE_HINT, .autocomplete = "off"},
    [ACT_DUE] = {.name = "due_on", .label = "Fin prévue", .kind = WEB_FIELD_TEXT, .max = 32,
                 .hint = DATE_HINT, .autocomplete = "off"},
    [ACT_AXIS] = {.name = "axis", .label = "Axe", .kind = WEB_FIELD_SELECT,
                  .options_fn = axis_options},
    [ACT_OBJECTIVES] = {.name = "objectives", .label = "Objectifs", .kind = WEB_FIELD_TEXT,
                        .max = MG_CONTRACT_DESCRIPTION_MAX_CHARS, .autocomplete = "off"},
    [ACT_CONTACT] = {.name = "contact_role", .label = "Contact chez le pilote (fonction)",
                     .kind = WEB_FIELD_TEXT, .max = 200, .autocomplete = "off",
                     .hint = "Une fonction, pas un nom : « chargée de mission santé »."},
    [ACT_PUBLICS] = {.name = "target_publics", .label = "Publics cibles",
                     .kind = WEB_FIELD_TEXT, .max = 500, .autocomplete = "off"},
    [ACT_COMMUNES] = {.name = "target_communes", .label = "Communes ciblées",
                      .kind = WEB_FIELD_TEXT, .max = MG_CONTRACT_TERRITORY_MAX_BYTES,
                      .autocomplete = "off",
                      .hint = "« communes: » suivi de codes INSEE séparés par des virgules "
                              "(communes:11069,11100), ou « epci: » suivi d'un SIREN ; "
                              "facultatif."},
    [ACT_PRIORITY] = {.name = "priority", .label = "Priorité", .kind = WEB_FIELD_SELECT,
                      .options = priority_choices, .defval = "2"},
    [ACT_SCENARIO] = {.name = "scenario", .label = "Scénario qui la modélise",
                      .kind = WEB_FIELD_SELECT, .options_fn = scenario_options},
    [ACT_STATUS] = {.name = "status", .label = "Statut", .kind = WEB_FIELD_SELECT,
                    .required = true, .options_fn = action_status_options,
                    .defval = "planned"},
};
static const web_form action_form = {"action", action_fields, NFIELDS(action_fields),
                                     "Ajouter l'action", NULL};
static const web_form action_edit_form = {"modifier-action", action_fields,
                                          NFIELDS(action_fields) - 1, "Enregistrer l'action",
                                          NULL};

enum { SIG_ORG };
static const web_field signatory_fields[] = {
    [SIG_ORG] = {.name = "organisation", .label = "Organisation signataire",
                 .kind = WEB_FIELD_SELECT, .required = true, .options_fn = signatory_options},
};
static const web_form signatory_form = {"signataire", signatory_fields,
                                        NFIELDS(signatory_fields), "Ajouter le signataire",
                                        NULL};

enum { AXIS_TITLE, AXIS_PARENT };
static const web_field axis_fields[] = {
    [AXIS_TITLE] = {.name = "title", .label = "Intitulé de l'axe", .kind = WEB_FIELD_TEXT,
                    .required = true, .max = MG_CONTRACT_TITLE_MAX_CHARS, .autocomplete = "off"},
    [AXIS_PARENT] = {.name = "parent", .label = "Sous-axe de", .kind = WEB_FIELD_SELECT,
                     .options_fn = parent_options},
};
static const web_form axis_form = {"axe", axis_fields, NFIELDS(axis_fields), "Ajouter l'axe",
                                   NULL};

enum { MS_TITLE, MS_DUE };
static const web_field milestone_fields[] = {
    [MS_TITLE] = {.name = "title", .label = "Étape", .kind = WEB_FIELD_TEXT, .required = true,
                  .max = MG_CONTRACT_TITLE_MAX_CHARS, .autocomplete = "off"},
    [MS_DUE] = {.name = "due_on", .label = "Échéance", .kind = WEB_FIELD_TEXT, .max = 32,
                .hint = DATE_HINT, .autocomplete = "off"},
};
static const web_form milestone_form = {"jalon", milestone_fields, NFIELDS(milestone_fields),
                                        "Ajouter l'étape", NULL};

enum { NOTE_ON, NOTE_BODY };
static const web_field note_fields[] = {
    [NOTE_ON] = {.name = "noted_on", .label = "Date", .kind = WEB_FIELD_TEXT, .max = 32,
                 .hint = "Par exemple 31/12/2027 ; vide : aujourd'hui.", .autocomplete = "off"},
    [NOTE_BODY] = {.name = "body", .label = "Note de suivi", .kind = WEB_FIELD_TEXT,
                   .required = true, .max = MG_CONTRACT_DESCRIPTION_MAX_CHARS,
                   .autocomplete = "off"},
};
static const web_form note_form = {"note", note_fields, NFIELDS(note_fields), "Ajouter la note",
                                   NULL};

/* A status change (buttons, one per allowed status). */
static const web_field status_fields[] = {
    {.name = "status", .label = "Nouveau statut", .kind = WEB_FIELD_SELECT, .required = true,
     .options_fn = action_status_options},
};
static const web_form status_form = {"statut", status_fields, NFIELDS(status_fields),
                                     "Changer", NULL};

/* Marking a milestone done or not (a hidden "done" of 1 or 0). */
static const web_option done_choices[] = {{"1", "réalisée"}, {"0", "à faire"}, {NULL, NULL}};
static const web_field done_fields[] = {
    {.name = "done", .label = "État", .kind = WEB_FIELD_SELECT, .required = true,
     .options = done_choices},
};
static const web_form done_form = {"fait", done_fields, NFIELDS(done_fields), "Changer", NULL};

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

/* The actor's part in a contract seen without leading it: "signataire",
 * "pilote", "partenaire", joined by commas; "" when none could be read.
 * signed_ids: the contracts the actor's organisations signed, ascending
 * (mg_contract_signed_by). */
static void seen_role(const mg_contract *c, const int64_t *signed_ids, size_t nsigned,
                      const mg_contract_role *roles, size_t nroles, char *out, size_t cap)
{
    out[0] = 0;
    size_t at = 0;
    bool signatory = false;
    for (size_t i = 0; i < nsigned && !signatory; i++)
        signatory = signed_ids[i] == c->id;
    bool pilot = false, partner = false;
    for (size_t i = 0; i < nroles; i++)
        if (roles[i].contract_id == c->id) {
            pilot = pilot || roles[i].role == MG_PARTICIPANT_PILOT;
            partner = partner || roles[i].role == MG_PARTICIPANT_PARTNER;
        }
    const char *parts[] = {signatory ? "signataire" : NULL, pilot ? "pilote" : NULL,
                           partner ? "partenaire" : NULL};
    for (size_t i = 0; i < NFIELDS(parts); i++)
        if (parts[i] && at < cap)
            at += (size_t)snprintf(out + at, cap - at, "%s%s", at ? ", " : "", parts[i]);
}

static void list_rows(mg_buf *b, web_ctx *ctx, const mg_contract *rows, size_t n, bool led,
                      const int64_t *signed_ids, size_t nsigned, const mg_contract_role *roles,
                      size_t nroles)
{
    for (size_t k = 0; k < n; k++) {
        const mg_contract *c = &rows[k];
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_link_id(b, "/contrats/", c->id, NULL);
        mg_html_text(b, c->title);
        mg_buf_puts(b, "</a>");
        if (c->is_example)
            mg_buf_puts(b, " <span class=\"tag pending\">exemple</span>");
        mg_buf_puts(b, "</th><td>");
        mg_html_text(b, mg_contract_kind_label(c->kind));
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, c->lead_name);
        mg_buf_puts(b, "</td><td>");
        if (led) {
            mg_buf_puts(b, "porteur");
        } else {
            char role[64];
            seen_role(c, signed_ids, nsigned, roles, nroles, role, sizeof role);
            mg_html_text(b, role[0] ? role : "—");
        }
        mg_buf_puts(b, "</td><td>");
        territory(b, ctx, c->territory);
        mg_buf_puts(b, "</td><td>");
        period(b, c->starts_on, c->ends_on);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, mg_contract_status_label(c->status));
        mg_buf_puts(b, "</td></tr>\n");
    }
}

static int list_render(web_ctx *ctx, const web_form_input *create)
{
    int64_t orgs[MG_AUTH_MEMBERSHIPS_MAX];
    size_t norgs = mg_auth_orgs_where(ctx->actor, MG_AUTH_VIEW, MG_AUTH_OBJ_CONTRACT, orgs,
                                      MG_AUTH_MEMBERSHIPS_MAX);
    mg_contract *rows = NULL, *seen = NULL;
    size_t n = 0, total = 0, nseen = 0, total_seen = 0, nroles = 0;
    mg_contract_role *roles = NULL;
    mg_diag d = {{0}};
    int rc = mg_contract_list(ctx->app->db, orgs, norgs, &rows, &n, &total, &d);
    if (rc == 0)
        rc = mg_contract_list_seen_by(ctx->app->db, orgs, norgs, &seen, &nseen, &total_seen, &d);
    /* The actor's organisations' actions, for the role column. */
    for (size_t k = 0; rc == 0 && k < norgs && nseen; k++) {
        mg_contract_role *r = NULL;
        size_t nr = 0;
        rc = mg_contract_roles_of_organisation(ctx->app->db, orgs[k], &r, &nr, &d);
        if (rc == 0 && nr) {
            mg_contract_role *grown = realloc(roles, (nroles + nr) * sizeof *roles);
            if (!grown) {
                rc = MG_ENOMEM;
            } else {
                roles = grown;
                memcpy(roles + nroles, r, nr * sizeof *r);
                nroles += nr;
            }
        }
        free(r);
    }
    if (rc) {
        free(rows);
        free(seen);
        free(roles);
        web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    /* The contracts they signed, for the same column: when they cannot be
     * read, no contract is said signed (as the role column reads). */
    int64_t *signed_ids = NULL;
    size_t nsigned = 0;
    if (nseen) {
        mg_diag ds = {{0}};
        if (mg_contract_signed_by(ctx->app->db, orgs, norgs, &signed_ids, &nsigned, &ds) != 0)
            signed_ids = NULL, nsigned = 0;
    }
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Contrats", "contrats");
    mg_buf_puts(b, "<h1>Contrats</h1>\n<p>Les contrats que portent vos organisations "
                   "(contrats pluriannuels des solidarités, contrats locaux de santé, "
                   "conventions, schémas) et ceux qu'elles ont signés ou dont elles pilotent "
                   "ou accompagnent une action, avec leurs axes et leurs actions.</p>\n");
    mg_buf_puts(b, "<section aria-labelledby=\"liste\"><h2 id=\"liste\">Vos contrats</h2>\n");
    if (n + nseen == 0) {
        mg_buf_puts(b, "<p>Aucun contrat pour le moment.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Contrats de vos organisations");
        if (total > n || total_seen > nseen)
            mg_buf_printf(b, " (les %zu premiers sur %zu)", n + nseen, total + total_seen);
        mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Intitulé</th>"
                       "<th scope=\"col\">Type</th><th scope=\"col\">Porteur</th>"
                       "<th scope=\"col\">Votre rôle</th>"
                       "<th scope=\"col\">Territoire</th><th scope=\"col\">Période</th>"
                       "<th scope=\"col\">Statut</th></tr></thead><tbody>\n");
        list_rows(b, ctx, rows, n, true, signed_ids, nsigned, roles, nroles);
        list_rows(b, ctx, seen, nseen, false, signed_ids, nsigned, roles, nroles);
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    mg_buf_puts(b, "</section>\n");
    free(rows);
    free(seen);
    free(roles);
    free(signed_ids);
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

/* A scope key typed for field `field` must name communes of the loaded
 * territory (the store checks its form only). */
static void check_scope_in_territory(web_ctx *ctx, web_form_input *in, int i, const char *field,
                                     const char *message)
{
    const mg_diagnosis *g = ctx->app->prof[0].g;
    if (in->error[i][0] || !in->given[i] || !g)
        return;
    mg_scope sc = {0};
    mg_diag sd = {{0}};
    if (mg_scope_parse(g, in->raw[i], &sc, &sd) != 0)
        web_form_refuse(in, field, message);
    mg_scope_free(&sc);
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
    check_scope_in_territory(ctx, &in, NEW_TERRITORY, "territory",
                             "Choisissez une intercommunalité du territoire dans la liste.");
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

/* --- A contract: its facts, signatories, axes and actions ------------------------------- */

/* The forms of a contract's page drawn again after a refusal (NULL: empty
 * or filled from the contract). */
typedef struct contract_forms {
    const web_form_input *edit, *signatory, *axis, *action;
} contract_forms;

/* The scenarios the actor sees, for the action forms (at most 200, most
 * recently changed first). */
static int visible_scenarios(web_ctx *ctx, mg_scenario_record **out, size_t *n, mg_diag *d)
{
    int64_t orgs[MG_AUTH_MEMBERSHIPS_MAX];
    mg_storage_scope scope;
    web_scenario_scope(ctx, orgs, &scope);
    size_t total = 0;
    return mg_storage_scenario_list_page(ctx->app->db, &scope, 0, 200, out, n, &total, d);
}

/* The axis of id among axes, or NULL. */
static const mg_contract_axis *axis_of(const mg_contract_axis *axes, size_t n, int64_t id)
{
    for (size_t k = 0; id && k < n; k++)
        if (axes[k].id == id)
            return &axes[k];
    return NULL;
}

/* The table of the actions of one axis (axis_id 0: those outside any). */
static void actions_table(mg_buf *b, const web_contract_view *v, const mg_contract_action *acts,
                          size_t n, int64_t axis_id, const char *caption)
{
    size_t count = 0;
    for (size_t k = 0; k < n; k++)
        count += acts[k].axis_id == axis_id;
    if (count == 0) {
        mg_buf_puts(b, "<p>Aucune action.</p>\n");
        return;
    }
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>");
    mg_html_text(b, caption);
    mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Action</th>"
                   "<th scope=\"col\">Statut</th><th scope=\"col\">Priorité</th>"
                   "<th scope=\"col\">Pilote</th><th scope=\"col\">Période</th>"
                   "</tr></thead><tbody>\n");
    for (size_t k = 0; k < n; k++) {
        const mg_contract_action *a = &acts[k];
        if (a->axis_id != axis_id)
            continue;
        char path[96];
        action_path(path, sizeof path, v->c.id, a->id);
        mg_buf_puts(b, "<tr><th scope=\"row\"><a href=\"");
        mg_html_href(b, path, NULL, NULL);
        mg_buf_puts(b, "\">");
        mg_html_text(b, a->title);
        mg_buf_puts(b, "</a>");
        if (a->is_example)
            mg_buf_puts(b, " <span class=\"tag pending\">exemple</span>");
        mg_buf_puts(b, "</th><td>");
        mg_html_text(b, mg_action_status_label(a->status));
        if (a->late)
            mg_buf_puts(b, " <strong class=\"tag\">en retard</strong>");
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, priority_label(a->priority));
        mg_buf_puts(b, "</td><td>");
        if (a->pilot_id)
            structure_link(b, a->pilot_id, a->pilot_name, a->pilot_in_directory);
        else
            mg_buf_puts(b, "—");
        mg_buf_puts(b, "</td><td>");
        period(b, a->starts_on, a->due_on);
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
}

/* The contract's values as the edit form shows them. */
static void edit_input_of(const mg_contract *c, web_form_input *in)
{
    memset(in, 0, sizeof *in);
    in->form = &edit_form;
    in->raw[EDIT(NEW_KIND)] = mg_contract_kind_key(c->kind);
    in->raw[EDIT(NEW_TITLE)] = c->title;
    in->raw[EDIT(NEW_TERRITORY)] = c->territory;
    in->raw[EDIT(NEW_START)] = c->starts_on;
    in->raw[EDIT(NEW_END)] = c->ends_on;
    in->raw[EDIT(NEW_STATUS)] = mg_contract_status_key(c->status);
}

static void signatories_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v,
                                const mg_contract_participant *sig, size_t nsig,
                                const org_choices *choices, const web_form_input *in)
{
    mg_buf_puts(b, "<section aria-labelledby=\"signataires\"><h2 id=\"signataires\">"
                   "Signataires</h2>\n");
    if (nsig == 0) {
        mg_buf_puts(b, "<p>Aucun signataire n'est encore indiqué (le porteur signe "
                       "sans être listé).</p>\n");
    } else {
        mg_buf_puts(b, "<table><caption>Organisations signataires</caption><thead><tr>"
                       "<th scope=\"col\">Organisation</th>");
        if (v->may_edit_contract)
            mg_buf_puts(b, "<th scope=\"col\"><span class=\"sr\">Retirer</span></th>");
        mg_buf_puts(b, "</tr></thead><tbody>\n");
        for (size_t k = 0; k < nsig; k++) {
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            structure_link(b, sig[k].organisation_id, sig[k].name, sig[k].in_directory);
            mg_buf_puts(b, "</th>");
            if (v->may_edit_contract) {
                mg_buf_printf(b, "<td><form class=\"inline\" method=\"post\" "
                                 "action=\"/contrats/%lld/signataires/%lld/retirer\">",
                              (long long)v->c.id, (long long)sig[k].organisation_id);
                web_csrf_field(b, ctx);
                mg_buf_puts(b, "<button type=\"submit\" aria-label=\"Retirer ");
                mg_html_attr(b, sig[k].name);
                mg_buf_puts(b, " des signataires\">Retirer</button></form></td>");
            }
            mg_buf_puts(b, "</tr>\n");
        }
        mg_buf_puts(b, "</tbody></table>\n");
    }
    if (v->may_edit_contract) {
        char path[64];
        snprintf(path, sizeof path, "/contrats/%lld/signataires", (long long)v->c.id);
        web_form_render(b, &signatory_form, in, "post", path, choices, web_csrf(ctx));
    }
    mg_buf_puts(b, "</section>\n");
}

static void axes_and_actions(mg_buf *b, web_ctx *ctx, const web_contract_view *v,
                             const mg_contract_axis *axes, size_t naxes,
                             const mg_contract_action *acts, size_t nacts,
                             const action_choices *choices, const web_form_input *in)
{
    mg_buf_puts(b, "<section aria-labelledby=\"axes\"><h2 id=\"axes\">Axes et actions</h2>\n");
    if (naxes == 0 && nacts == 0)
        mg_buf_puts(b, "<p>Ce contrat n'a pas encore d'axe ni d'action.</p>\n");
    for (size_t k = 0; k < naxes; k++) {
        const mg_contract_axis *x = &axes[k];
        char name[sizeof x->title + 64];
        axis_name(name, sizeof name, x);
        mg_buf_printf(b, "<h%d id=\"axe-%lld\">", x->level == 1 ? 3 : 4, (long long)x->id);
        mg_html_text(b, x->level == 1 ? "Axe " : "Sous-axe ");
        mg_html_text(b, name);
        mg_buf_printf(b, "</h%d>\n", x->level == 1 ? 3 : 4);
        char caption[sizeof name + 32];
        snprintf(caption, sizeof caption, "Actions de l'axe %s", name);
        actions_table(b, v, acts, nacts, x->id, caption);
    }
    bool outside = false;
    for (size_t k = 0; k < nacts; k++)
        outside = outside || !axis_of(axes, naxes, acts[k].axis_id);
    if (outside) {
        if (naxes)
            mg_buf_puts(b, "<h3 id=\"hors-axe\">Hors axe</h3>\n");
        actions_table(b, v, acts, nacts, 0, naxes ? "Actions hors axe" : "Actions du contrat");
    }
    if (v->may_edit_contract) {
        mg_buf_puts(b, "<h3 id=\"nouvel-axe\">Ajouter un axe ou un sous-axe</h3>\n");
        char path[64];
        snprintf(path, sizeof path, "/contrats/%lld/axes", (long long)v->c.id);
        web_form_render(b, &axis_form, in, "post", path, choices, web_csrf(ctx));
    }
    mg_buf_puts(b, "</section>\n");
}

static int contract_render(web_ctx *ctx, const web_contract_view *v, const contract_forms *f)
{
    static const contract_forms none = {0};
    if (!f)
        f = &none;
    const mg_contract *c = &v->c;
    mg_contract_action *acts = NULL;
    mg_contract_axis *axes = NULL;
    mg_contract_participant *sig = NULL;
    mg_scenario_record *scen = NULL;
    mg_auth_org *orgs = NULL;
    size_t n = 0, naxes = 0, nsig = 0, nscen = 0, norgs = 0;
    mg_diag d = {{0}};
    int rc = 0;
    if (v->dash) {
        /* Read with the contract in one transaction: borrowed, not freed here. */
        acts = v->dash->actions, n = v->dash->nactions;
        axes = v->dash->axes, naxes = v->dash->naxes;
        sig = v->dash->signatories, nsig = v->dash->nsignatories;
    } else {
        rc = mg_contract_actions(ctx->app->db, c->id, &acts, &n, &d);
        if (rc == 0)
            rc = mg_contract_axes(ctx->app->db, c->id, &axes, &naxes, &d);
        if (rc == 0)
            rc = mg_contract_signatories(ctx->app->db, c->id, &sig, &nsig, &d);
    }
    if (rc == 0 && v->may_edit_contract)
        rc = visible_scenarios(ctx, &scen, &nscen, &d);
    if (rc == 0 && v->may_edit_contract)
        rc = mg_auth_org_list(ctx->app->db, false, 0, 1000, &orgs, &norgs, NULL, &d);
    action_choices choices = {axes, naxes, scen, nscen, 0};
    org_choices signers = {orgs, norgs, sig, nsig};
    mg_buf *b = &ctx->res->body;
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, READ_FAILED);
        rc = MG_OK;
        goto out;
    }
    web_page_begin(b, ctx, c->title, "contrats");
    web_contract_crumbs(b, NULL);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, c->title);
    mg_buf_puts(b, "</h1>\n");
    const char *done = mg_http_query(ctx->req, "fait");
    if (done && strcmp(done, "1") == 0)
        mg_buf_puts(b, "<p class=\"notice\" role=\"status\">La modification a été "
                       "enregistrée.</p>\n");
    mg_buf_puts(b, "<dl class=\"facts\"><dt>Type</dt><dd>");
    mg_html_text(b, mg_contract_kind_label(c->kind));
    if (c->is_example)
        mg_buf_puts(b, " <span class=\"tag pending\">exemple</span>");
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
    if (c->is_example)
        mg_buf_puts(b, "<p class=\"muted\">Les faits marqués « exemple » ne viennent pas des "
                       "documents publics : ce sont des valeurs d'exemple.</p>\n");

    if (v->may_edit_contract) {
        mg_buf_puts(b, "<details");
        if (f->edit)
            mg_buf_puts(b, " open");
        mg_buf_puts(b, "><summary>Modifier le contrat</summary>\n");
        web_form_input cur;
        if (!f->edit)
            edit_input_of(c, &cur);
        char path[64];
        snprintf(path, sizeof path, "/contrats/%lld/modifier", (long long)c->id);
        web_form_render(b, &edit_form, f->edit ? f->edit : &cur, "post", path, ctx,
                        web_csrf(ctx));
        mg_buf_puts(b, "</details>\n");
    }
    signatories_section(b, ctx, v, sig, nsig, &signers, f->signatory);
    axes_and_actions(b, ctx, v, axes, naxes, acts, n, &choices, f->axis);

    web_contract_budget_section(b, ctx, v);
    web_contract_amendments_section(b, ctx, v);
    web_contract_documents_section(b, ctx, v);
    web_contract_report_links(b, ctx, v);
    if (v->may_edit_contract)
        web_contract_import_section(b, ctx, v);
    if (v->may_edit_contract) {
        mg_buf_puts(b, "<section aria-labelledby=\"nouvelle\"><h2 id=\"nouvelle\">Nouvelle "
                       "action</h2>\n");
        char path[96];
        snprintf(path, sizeof path, "/contrats/%lld/actions", (long long)c->id);
        web_form_render(b, &action_form, f->action, "post", path, &choices, web_csrf(ctx));
        mg_buf_puts(b, "</section>\n");
    }
    web_history(b, ctx, "contract", c->id);
    web_page_end(b);
    rc = web_done(ctx);
out:
    if (!v->dash) {
        mg_contract_actions_free(acts, n);
        free(axes);
        free(sig);
    }
    mg_scenario_record_list_free(scen, nscen);
    free(orgs);
    return rc;
}

/* The contract's page: the contract, its viewers and all its sections show
 * read in one read transaction (mg_contract_dashboard_read), then the same
 * checks as web_contract_load; on a failure of that read other than "no
 * such contract", the reads one by one as the other pages make them. */
static int contract_page(web_ctx *ctx)
{
    int64_t id = path_id(ctx, "id", CONTRACT_NOT_FOUND);
    if (!id)
        return MG_OK;
    web_contract_view v;
    memset(&v, 0, sizeof v);
    mg_contract_dashboard *dash = malloc(sizeof *dash);
    mg_diag d = {{0}};
    int rc = dash ? mg_contract_dashboard_read(ctx->app->db, id, dash, &d) : MG_ENOMEM;
    if (rc == MG_ENOTFOUND) {
        free(dash);
        web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    if (rc) {
        free(dash);
        dash = NULL;
        if (!web_contract_load(ctx, MG_AUTH_VIEW, &v))
            return MG_OK;
    } else {
        _Static_assert((int)MG_CONTRACT_DASHBOARD_VIEWERS_MAX <= (int)WEB_CONTRACT_VIEWERS_MAX,
                       "the dashboard's viewers fit in the view");
        v.c = dash->contract;
        memcpy(v.viewers, dash->viewers, dash->nviewers * sizeof *v.viewers);
        v.nviewers = dash->nviewers;
        mg_auth_object o = web_contract_object(&v);
        if (!web_allow_as(ctx, MG_AUTH_VIEW, &o, CONTRACT_NOT_FOUND)) {
            mg_contract_dashboard_free(dash);
            free(dash);
            return MG_OK;
        }
        set_rights(ctx, &v);
        v.dash = dash;
    }
    rc = contract_render(ctx, &v, NULL);
    web_contract_view_clear(&v);
    if (dash) {
        mg_contract_dashboard_free(dash);
        free(dash);
    }
    return rc;
}

/* Back to the contract's page, at `fragment`, with a notice. */
static void redirect_contract(web_ctx *ctx, int64_t id, const char *fragment)
{
    char to[128];
    snprintf(to, sizeof to, "/contrats/%lld?fait=1#%s", (long long)id, fragment);
    mg_http_redirect(ctx->res, to);
}

static int contract_edit_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    web_form_input in;
    web_form_read(&edit_form, ctx->req, &in);
    check_scope_in_territory(ctx, &in, EDIT(NEW_TERRITORY), "territory",
                             "Choisissez une intercommunalité du territoire dans la liste.");
    if (in.nerrors == 0) {
        mg_contract_input ci = {.kind = in.raw[EDIT(NEW_KIND)],
                                .title = in.raw[EDIT(NEW_TITLE)],
                                .territory = in.raw[EDIT(NEW_TERRITORY)],
                                .starts_on = in.raw[EDIT(NEW_START)],
                                .ends_on = in.raw[EDIT(NEW_END)],
                                .status = in.raw[EDIT(NEW_STATUS)]};
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int rc = mg_contract_update(ctx->app->db, ctx->actor->account_id, v.c.id, &ci, &fe, &d);
        if (rc == 0) {
            redirect_contract(ctx, v.c.id, "signataires");
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
        refuse_contract(&in, &fe, &d, "title");
    }
    ctx->res->status = 400;
    contract_forms f = {.edit = &in};
    return contract_render(ctx, &v, &f);
}

static int signatory_add_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    web_form_input in;
    web_form_read(&signatory_form, ctx->req, &in);
    int64_t org = 0;
    if (!in.error[SIG_ORG][0] && mg_parse_id(in.raw[SIG_ORG], INT64_MAX, &org, NULL))
        web_form_refuse(&in, "organisation", "Choisissez une organisation dans la liste.");
    if (in.nerrors == 0) {
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int rc = mg_contract_signatory_add(ctx->app->db, ctx->actor->account_id, v.c.id, org,
                                           &fe, &d);
        if (rc == 0) {
            redirect_contract(ctx, v.c.id, "signataires");
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
        refuse_contract(&in, &fe, &d, "organisation");
    }
    ctx->res->status = 400;
    contract_forms f = {.signatory = &in};
    return contract_render(ctx, &v, &f);
}

static int signatory_remove_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    int64_t org = path_id(ctx, "org", SIGNATORY_NOT_FOUND);
    if (!org)
        return MG_OK;
    mg_diag d = {{0}};
    int rc = mg_contract_signatory_remove(ctx->app->db, ctx->actor->account_id, v.c.id, org, &d);
    if (rc == 0)
        redirect_contract(ctx, v.c.id, "signataires");
    else
        web_storage_error(ctx->req, ctx->res, rc, &d, SIGNATORY_NOT_FOUND, SAVE_FAILED);
    return MG_OK;
}

static int axis_create_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    web_form_input in;
    web_form_read(&axis_form, ctx->req, &in);
    int64_t parent = 0;
    if (!in.error[AXIS_PARENT][0] && in.given[AXIS_PARENT] &&
        mg_parse_id(in.raw[AXIS_PARENT], INT64_MAX, &parent, NULL))
        web_form_refuse(&in, "parent", "Choisissez l'axe parent dans la liste.");
    if (in.nerrors == 0) {
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int64_t id = 0;
        int rc = mg_contract_axis_create(ctx->app->db, ctx->actor->account_id, v.c.id, parent,
                                         in.raw[AXIS_TITLE], &id, &fe, &d);
        if (rc == 0) {
            char frag[40];
            snprintf(frag, sizeof frag, "axe-%lld", (long long)id);
            redirect_contract(ctx, v.c.id, frag);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
        refuse_contract(&in, &fe, &d, "title");
    }
    ctx->res->status = 400;
    contract_forms f = {.axis = &in};
    return contract_render(ctx, &v, &f);
}

/* The checks only a page can make of an action's form: its communes are
 * the territory's, its scenario one the actor sees. */
static void check_action_form(web_ctx *ctx, web_form_input *in, int64_t current_scenario)
{
    check_scope_in_territory(ctx, in, ACT_COMMUNES, "target_communes",
                             "Les communes ciblées doivent être des communes du territoire : "
                             "« communes: » suivi de codes INSEE séparés par des virgules, ou "
                             "« epci: » suivi du SIREN d'une intercommunalité.");
    if (in->error[ACT_SCENARIO][0] || !in->given[ACT_SCENARIO])
        return;
    int64_t id = 0;
    mg_scenario_record r = {0};
    mg_diag d = {{0}};
    if (mg_parse_id(in->raw[ACT_SCENARIO], INT64_MAX, &id, NULL) == 0 && id &&
        id == current_scenario)
        return; /* kept as it was */
    bool seen = id && mg_storage_scenario_get(ctx->app->db, id, &r, &d) == 0;
    if (seen) {
        mg_auth_object o = {.type = MG_AUTH_OBJ_SCENARIO, .organisation_id = r.organisation_id};
        seen = web_can(ctx, MG_AUTH_VIEW, &o);
    }
    mg_scenario_record_free(&r);
    if (!seen)
        web_form_refuse(in, "scenario", "Choisissez un scénario de la liste.");
}

static mg_contract_action_input action_input_of(const web_form_input *in, bool with_status)
{
    return (mg_contract_action_input){
        .title = in->raw[ACT_TITLE],
        .description = in->raw[ACT_DESCRIPTION],
        .status = with_status ? in->raw[ACT_STATUS] : NULL,
        .starts_on = in->raw[ACT_START],
        .due_on = in->raw[ACT_DUE],
        .axis = in->raw[ACT_AXIS],
        .objectives = in->raw[ACT_OBJECTIVES],
        .contact_role = in->raw[ACT_CONTACT],
        .target_publics = in->raw[ACT_PUBLICS],
        .target_communes = in->raw[ACT_COMMUNES],
        .priority = in->raw[ACT_PRIORITY],
        .scenario = in->raw[ACT_SCENARIO],
    };
}

static int action_create_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    web_form_input in;
    web_form_read(&action_form, ctx->req, &in);
    check_action_form(ctx, &in, 0);
    if (in.nerrors == 0) {
        mg_contract_action_input ai = action_input_of(&in, true);
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int64_t id = 0;
        int rc = mg_contract_action_create(ctx->app->db, ctx->actor->account_id, v.c.id, &ai, &id,
                                           &fe, &d);
        if (rc == 0) {
            char to[96];
            action_path(to, sizeof to, v.c.id, id);
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
    contract_forms f = {.action = &in};
    return contract_render(ctx, &v, &f);
}

/* --- An action: facts, status, milestones, notes, pilot and partners --------------------- */

typedef struct action_view {
    web_contract_view *v;
    const char *query;     /* the directory search typed, or NULL */
    const char *refusal;   /* why an addition of a participant was refused, or NULL */
    const char *done;      /* what was just done ("ajout", "retrait", "1"), or NULL */
    const char *status_refusal; /* why a status change was refused, or NULL */
    const web_form_input *edit, *milestone, *note; /* refused forms, or NULL */
} action_view;

static void render_participants(mg_buf *b, web_ctx *ctx, const action_view *av, bool may_edit,
                                const mg_contract_participant *p, size_t n)
{
    const web_contract_view *v = av->v;
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
static int render_search(mg_buf *b, web_ctx *ctx, const action_view *av,
                         const mg_contract_participant *p, size_t n)
{
    const web_contract_view *v = av->v;
    char base[96];
    action_path(base, sizeof base, v->c.id, v->a.id);
    mg_buf_puts(b, "<section aria-labelledby=\"ajouter\"><h2 id=\"ajouter\">Ajouter une "
                   "structure de l'annuaire</h2>\n");
    if (av->refusal) {
        mg_buf_puts(b, "<div class=\"error-summary\" role=\"alert\"><p>");
        mg_html_text(b, av->refusal);
        mg_buf_puts(b, "</p></div>\n");
    }
    web_form_input sin;
    memset(&sin, 0, sizeof sin);
    sin.form = &search_form;
    sin.raw[0] = av->query;
    char action[112];
    snprintf(action, sizeof action, "%s#ajouter", base);
    web_form_render(b, &search_form, av->query ? &sin : NULL, "get", action, NULL, NULL);
    if (!av->query || !av->query[0]) {
        mg_buf_puts(b, "</section>\n");
        return 0;
    }
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_query q = {.text = av->query, .category = -1, .limit = SEARCH_SHOWN};
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
    mg_html_text(b, av->query);
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
                mg_html_hidden(b, "q", av->query);
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

/* "31/12/2027" of "2027-12-31". */
static void day(mg_buf *b, const char *iso)
{
    if (strlen(iso) != 10) {
        mg_html_text(b, iso);
        return;
    }
    char f[16];
    snprintf(f, sizeof f, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
    mg_html_text(b, f);
}

/* The action's values as its edit form shows them. */
static void action_input_from(const mg_contract_action *a, web_form_input *in, char axis[24],
                              char priority[4], char scenario[24])
{
    memset(in, 0, sizeof *in);
    in->form = &action_edit_form;
    snprintf(axis, 24, "%lld", (long long)a->axis_id);
    snprintf(priority, 4, "%d", a->priority);
    snprintf(scenario, 24, "%lld", (long long)a->scenario_id);
    in->raw[ACT_TITLE] = a->title;
    in->raw[ACT_DESCRIPTION] = a->description;
    in->raw[ACT_START] = a->starts_on;
    in->raw[ACT_DUE] = a->due_on;
    in->raw[ACT_AXIS] = a->axis_id ? axis : "";
    in->raw[ACT_OBJECTIVES] = a->objectives;
    in->raw[ACT_CONTACT] = a->contact_role;
    in->raw[ACT_PUBLICS] = a->target_publics;
    in->raw[ACT_COMMUNES] = a->target_communes;
    in->raw[ACT_PRIORITY] = priority;
    in->raw[ACT_SCENARIO] = a->scenario_id ? scenario : "";
}

static void facts(mg_buf *b, web_ctx *ctx, const web_contract_view *v,
                  const mg_contract_axis *axes, size_t naxes)
{
    const mg_contract_action *a = &v->a;
    mg_buf_puts(b, "<dl class=\"facts\"><dt>Contrat</dt><dd>");
    mg_html_link_id(b, "/contrats/", v->c.id, NULL);
    mg_html_text(b, v->c.title);
    mg_buf_puts(b, "</a></dd><dt>Axe</dt><dd>");
    const mg_contract_axis *x = axis_of(axes, naxes, a->axis_id);
    if (x) {
        char name[sizeof x->title + 24];
        axis_name(name, sizeof name, x);
        mg_buf_printf(b, "<a href=\"/contrats/%lld#axe-%lld\">", (long long)v->c.id,
                      (long long)x->id);
        mg_html_text(b, name);
        mg_buf_puts(b, "</a>");
    } else {
        mg_buf_puts(b, "hors axe");
    }
    mg_buf_puts(b, "</dd><dt>Statut</dt><dd>");
    mg_html_text(b, mg_action_status_label(a->status));
    if (a->late)
        mg_buf_puts(b, " <strong class=\"tag\">en retard</strong>");
    mg_buf_puts(b, "</dd><dt>Priorité</dt><dd>");
    mg_html_text(b, priority_label(a->priority));
    mg_buf_puts(b, "</dd><dt>Période</dt><dd>");
    period(b, a->starts_on, a->due_on);
    mg_buf_puts(b, "</dd><dt>Pilote</dt><dd>");
    if (a->pilot_id)
        structure_link(b, a->pilot_id, a->pilot_name, a->pilot_in_directory);
    else
        mg_buf_puts(b, "pas encore désigné");
    mg_buf_puts(b, "</dd>");
    static const struct {
        const char *label;
        size_t offset;
        bool owned;
    } texts[] = {
        {"Contact chez le pilote", offsetof(mg_contract_action, contact_role), false},
        {"Description", offsetof(mg_contract_action, description), true},
        {"Objectifs", offsetof(mg_contract_action, objectives), true},
        {"Publics cibles", offsetof(mg_contract_action, target_publics), false},
    };
    for (size_t k = 0; k < NFIELDS(texts); k++) {
        const char *s = texts[k].owned
                            ? *(char *const *)((const char *)a + texts[k].offset)
                            : (const char *)a + texts[k].offset;
        if (!s || !s[0])
            continue;
        mg_buf_puts(b, "<dt>");
        mg_html_text(b, texts[k].label);
        mg_buf_puts(b, "</dt><dd>");
        mg_html_text(b, s);
        mg_buf_puts(b, "</dd>");
    }
    if (a->target_communes && a->target_communes[0]) {
        mg_buf_puts(b, "<dt>Communes ciblées</dt><dd>");
        territory(b, ctx, a->target_communes);
        mg_buf_puts(b, "</dd>");
    }
    if (a->scenario_id) {
        mg_buf_puts(b, "<dt>Scénario</dt><dd>");
        mg_scenario_record r = {0};
        mg_diag d = {{0}};
        bool seen = mg_storage_scenario_get(ctx->app->db, a->scenario_id, &r, &d) == 0;
        if (seen) {
            mg_auth_object o = {.type = MG_AUTH_OBJ_SCENARIO,
                                .organisation_id = r.organisation_id};
            seen = web_can(ctx, MG_AUTH_VIEW, &o);
        }
        if (seen) {
            mg_html_link_id(b, "/scenarios/", a->scenario_id, NULL);
            mg_html_text(b, r.name ? r.name : "");
            mg_buf_puts(b, "</a>");
        } else {
            mg_buf_printf(b, "scénario n<sup>o</sup> %lld (d'une autre organisation)",
                          (long long)a->scenario_id);
        }
        mg_scenario_record_free(&r);
        mg_buf_puts(b, "</dd>");
    }
    mg_buf_puts(b, "</dl>\n");
    if (a->is_example)
        mg_buf_puts(b, "<p class=\"muted\"><span class=\"tag pending\">exemple</span> "
                       "Certains faits de cette action ne viennent pas des documents publics : "
                       "ce sont des valeurs d'exemple.</p>\n");
}

static void status_section(mg_buf *b, web_ctx *ctx, const action_view *av)
{
    const web_contract_view *v = av->v;
    mg_buf_puts(b, "<section aria-labelledby=\"statut\"><h2 id=\"statut\">Statut</h2>\n");
    if (av->status_refusal) {
        mg_buf_puts(b, "<div class=\"error-summary\" role=\"alert\"><p>");
        mg_html_text(b, av->status_refusal);
        mg_buf_puts(b, "</p></div>\n");
    }
    mg_buf_puts(b, "<p>L'action est « ");
    mg_html_text(b, mg_action_status_label(v->a.status));
    mg_buf_puts(b, " ».");
    if (v->a.late)
        mg_buf_puts(b, " Elle est en retard : sa fin prévue ou une de ses étapes est passée.");
    mg_buf_puts(b, "</p>\n");
    bool any = false;
    for (int s = 0; s < MG_ACTION_STATUSES; s++)
        any = any || mg_action_status_allowed(v->a.status, (mg_action_status)s);
    if (v->may_edit_action && any) {
        mg_buf_printf(b, "<form class=\"inline\" method=\"post\" "
                         "action=\"/contrats/%lld/actions/%lld/statut\">",
                      (long long)v->c.id, (long long)v->a.id);
        web_csrf_field(b, ctx);
        for (int s = 0; s < MG_ACTION_STATUSES; s++) {
            if (!mg_action_status_allowed(v->a.status, (mg_action_status)s))
                continue;
            mg_buf_puts(b, "<button type=\"submit\" name=\"status\" value=\"");
            mg_html_attr(b, mg_action_status_key((mg_action_status)s));
            mg_buf_puts(b, "\">Passer à « ");
            mg_html_text(b, mg_action_status_label((mg_action_status)s));
            mg_buf_puts(b, " »</button> ");
        }
        mg_buf_puts(b, "</form>\n");
    }
    mg_buf_puts(b, "</section>\n");
}

static void milestones_section(mg_buf *b, web_ctx *ctx, const action_view *av,
                               const mg_contract_milestone *ms, size_t n)
{
    const web_contract_view *v = av->v;
    mg_buf_puts(b, "<section aria-labelledby=\"etapes\"><h2 id=\"etapes\">Étapes</h2>\n");
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucune étape n'est encore prévue.</p>\n");
    } else {
        mg_buf_puts(b, "<table><caption>Étapes de l'action</caption><thead><tr>"
                       "<th scope=\"col\">Étape</th><th scope=\"col\">Échéance</th>"
                       "<th scope=\"col\">État</th>");
        if (v->may_edit_action)
            mg_buf_puts(b, "<th scope=\"col\"><span class=\"sr\">Changer l'état</span></th>");
        mg_buf_puts(b, "</tr></thead><tbody>\n");
        for (size_t k = 0; k < n; k++) {
            const mg_contract_milestone *m = &ms[k];
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_text(b, m->title);
            mg_buf_puts(b, "</th><td>");
            if (m->due_on[0])
                day(b, m->due_on);
            else
                mg_buf_puts(b, "—");
            mg_buf_puts(b, "</td><td>");
            if (m->done_on[0]) {
                mg_buf_puts(b, "réalisée le ");
                day(b, m->done_on);
            } else if (m->late) {
                mg_buf_puts(b, "<strong class=\"tag\">en retard</strong>");
            } else {
                mg_buf_puts(b, "à faire");
            }
            mg_buf_puts(b, "</td>");
            if (v->may_edit_action) {
                mg_buf_printf(b, "<td><form class=\"inline\" method=\"post\" "
                                 "action=\"/contrats/%lld/actions/%lld/etapes/%lld/fait\">",
                              (long long)v->c.id, (long long)v->a.id, (long long)m->id);
                web_csrf_field(b, ctx);
                mg_html_hidden(b, "done", m->done_on[0] ? "0" : "1");
                mg_buf_puts(b, "<button type=\"submit\" aria-label=\"");
                mg_html_attr(b, m->done_on[0] ? "Marquer à faire : " : "Marquer réalisée : ");
                mg_html_attr(b, m->title);
                mg_buf_puts(b, "\">");
                mg_html_text(b, m->done_on[0] ? "Marquer à faire" : "Marquer réalisée");
                mg_buf_puts(b, "</button></form></td>");
            }
            mg_buf_puts(b, "</tr>\n");
        }
        mg_buf_puts(b, "</tbody></table>\n");
    }
    if (v->may_edit_action) {
        char path[112];
        snprintf(path, sizeof path, "/contrats/%lld/actions/%lld/etapes", (long long)v->c.id,
                 (long long)v->a.id);
        web_form_render(b, &milestone_form, av->milestone, "post", path, NULL, web_csrf(ctx));
    }
    mg_buf_puts(b, "</section>\n");
}

static void notes_section(mg_buf *b, web_ctx *ctx, const action_view *av,
                          const mg_contract_note *notes, size_t n)
{
    const web_contract_view *v = av->v;
    mg_buf_puts(b, "<section aria-labelledby=\"suivi\"><h2 id=\"suivi\">Notes de suivi</h2>\n");
    if (v->may_edit_action) {
        char path[112];
        snprintf(path, sizeof path, "/contrats/%lld/actions/%lld/notes", (long long)v->c.id,
                 (long long)v->a.id);
        web_form_render(b, &note_form, av->note, "post", path, NULL, web_csrf(ctx));
    }
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucune note de suivi.</p>\n");
    } else {
        mg_buf_puts(b, "<ol class=\"history\">\n");
        for (size_t k = 0; k < n; k++) {
            mg_buf_puts(b, "<li><p><strong>");
            day(b, notes[k].noted_on);
            mg_buf_puts(b, "</strong>");
            if (notes[k].author[0]) {
                mg_buf_puts(b, " — ");
                mg_html_text(b, notes[k].author);
            }
            mg_buf_puts(b, "</p><p>");
            mg_html_text(b, notes[k].body);
            mg_buf_puts(b, "</p></li>\n");
        }
        mg_buf_puts(b, "</ol>\n");
    }
    mg_buf_puts(b, "</section>\n");
}

static int action_render(web_ctx *ctx, action_view *av)
{
    web_contract_view *v = av->v;
    mg_contract_participant *p = NULL;
    mg_contract_axis *axes = NULL;
    mg_contract_milestone *ms = NULL;
    mg_contract_note *notes = NULL;
    mg_scenario_record *scen = NULL;
    size_t n = 0, naxes = 0, nms = 0, nnotes = 0, nscen = 0;
    mg_diag d = {{0}};
    int rc = mg_contract_participants(ctx->app->db, v->a.id, &p, &n, &d);
    if (rc == 0)
        rc = mg_contract_axes(ctx->app->db, v->c.id, &axes, &naxes, &d);
    if (rc == 0)
        rc = mg_contract_milestones(ctx->app->db, v->a.id, &ms, &nms, &d);
    if (rc == 0)
        rc = mg_contract_notes(ctx->app->db, v->a.id, &notes, &nnotes, &d);
    if (rc == 0 && v->may_edit_action)
        rc = visible_scenarios(ctx, &scen, &nscen, &d);
    action_choices choices = {axes, naxes, scen, nscen, v->a.scenario_id};
    mg_buf *b = &ctx->res->body;
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND, READ_FAILED);
        rc = MG_OK;
        goto out;
    }
    web_page_begin(b, ctx, v->a.title, "contrats");
    web_contract_crumbs(b, &v->c);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, v->a.title);
    mg_buf_puts(b, "</h1>\n");
    if (av->done) {
        mg_buf_puts(b, "<p class=\"notice\" role=\"status\">");
        const char *said = "La modification a été enregistrée.";
        if (strcmp(av->done, "ajout") == 0)
            said = "La structure a été ajoutée à l'action.";
        else if (strcmp(av->done, "retrait") == 0)
            said = "La structure a été retirée de l'action.";
        mg_html_text(b, said);
        mg_buf_puts(b, "</p>\n");
    }
    facts(b, ctx, v, axes, naxes);
    if (v->may_edit_action) {
        mg_buf_puts(b, "<details");
        if (av->edit)
            mg_buf_puts(b, " open");
        mg_buf_puts(b, "><summary>Modifier l'action</summary>\n");
        web_form_input cur;
        char axis[24], priority[4], scenario[24];
        if (!av->edit)
            action_input_from(&v->a, &cur, axis, priority, scenario);
        char path[112];
        snprintf(path, sizeof path, "/contrats/%lld/actions/%lld/modifier", (long long)v->c.id,
                 (long long)v->a.id);
        web_form_render(b, &action_edit_form, av->edit ? av->edit : &cur, "post", path, &choices,
                        web_csrf(ctx));
        mg_buf_puts(b, "</details>\n");
    }
    status_section(b, ctx, av);
    milestones_section(b, ctx, av, ms, nms);
    notes_section(b, ctx, av, notes, nnotes);
    render_participants(b, ctx, av, v->may_edit_contract, p, n);
    if (v->may_edit_contract && render_search(b, ctx, av, p, n)) {
        rc = MG_OK;
        goto out;
    }
    web_action_budget_section(b, ctx, v);
    web_action_indicators_section(b, ctx, v);
    web_history(b, ctx, "action", v->a.id);
    web_page_end(b);
    rc = web_done(ctx);
out:
    free(p);
    free(axes);
    free(ms);
    mg_contract_notes_free(notes, nnotes);
    mg_scenario_record_list_free(scen, nscen);
    return rc;
}

static int action_page(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_action_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    action_view av = {.v = &v};
    av.query = mg_http_query(ctx->req, "q");
    av.done = mg_http_query(ctx->req, "fait");
    if (av.done && strcmp(av.done, "ajout") != 0 && strcmp(av.done, "retrait") != 0 &&
        strcmp(av.done, "1") != 0)
        av.done = NULL;
    /* A search longer than the field's bound is cut, never refused. */
    char q[201 * 4];
    if (av.query && strlen(av.query) >= sizeof q) {
        snprintf(q, sizeof q, "%.*s", (int)mg_utf8_prefix(av.query, sizeof q - 1), av.query);
        av.query = q;
    }
    int rc = action_render(ctx, &av);
    web_contract_view_clear(&v);
    return rc;
}

/* Back to the action's page at `fragment`, with a notice. */
static void redirect_to_action(web_ctx *ctx, const web_contract_view *v, const char *fragment)
{
    char to[160];
    snprintf(to, sizeof to, "/contrats/%lld/actions/%lld?fait=1#%s", (long long)v->c.id,
             (long long)v->a.id, fragment);
    mg_http_redirect(ctx->res, to);
}

/* Draws the action's page again, 400, with what av holds. */
static int action_refused(web_ctx *ctx, action_view *av)
{
    ctx->res->status = 400;
    int rc = action_render(ctx, av);
    web_contract_view_clear(av->v);
    return rc;
}

static int action_edit_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_action_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    web_form_input in;
    web_form_read(&action_edit_form, ctx->req, &in);
    check_action_form(ctx, &in, v.a.scenario_id);
    if (in.nerrors == 0) {
        mg_contract_action_input ai = action_input_of(&in, false);
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int rc = mg_contract_action_update(ctx->app->db, ctx->actor->account_id, v.a.id, &ai,
                                           &fe, &d);
        if (rc == 0) {
            redirect_to_action(ctx, &v, "statut");
            web_contract_view_clear(&v);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_contract_view_clear(&v);
            web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
        refuse_contract(&in, &fe, &d, "title");
    }
    action_view av = {.v = &v, .edit = &in};
    return action_refused(ctx, &av);
}

static int status_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_action_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    web_form_input in;
    web_form_read(&status_form, ctx->req, &in);
    char refusal[sizeof ((mg_diag *)0)->msg] = "";
    mg_action_status to = MG_ACTION_PLANNED;
    if (in.nerrors || mg_action_status_parse(in.raw[0], &to) != 0) {
        snprintf(refusal, sizeof refusal, "Choisissez un des statuts proposés.");
    } else {
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int rc = mg_contract_action_set_status(ctx->app->db, ctx->actor->account_id, v.a.id, to,
                                               &fe, &d);
        if (rc == 0) {
            redirect_to_action(ctx, &v, "statut");
            web_contract_view_clear(&v);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_contract_view_clear(&v);
            web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
        snprintf(refusal, sizeof refusal, "%s", fe.msg[0] ? fe.msg : d.msg);
    }
    action_view av = {.v = &v, .status_refusal = refusal};
    return action_refused(ctx, &av);
}

static int milestone_add_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_action_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    web_form_input in;
    web_form_read(&milestone_form, ctx->req, &in);
    if (in.nerrors == 0) {
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int64_t id = 0;
        int rc = mg_contract_milestone_add(ctx->app->db, ctx->actor->account_id, v.a.id,
                                           in.raw[MS_TITLE], in.raw[MS_DUE], &id, &fe, &d);
        if (rc == 0) {
            redirect_to_action(ctx, &v, "etapes");
            web_contract_view_clear(&v);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_contract_view_clear(&v);
            web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
        refuse_contract(&in, &fe, &d, "title");
    }
    action_view av = {.v = &v, .milestone = &in};
    return action_refused(ctx, &av);
}

static int milestone_done_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_action_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    int64_t mid = path_id(ctx, "mid", MILESTONE_NOT_FOUND);
    if (!mid) {
        web_contract_view_clear(&v);
        return MG_OK;
    }
    /* The milestone must be this action's. */
    mg_contract_milestone *ms = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_contract_milestones(ctx->app->db, v.a.id, &ms, &n, &d);
    bool ours = false;
    for (size_t k = 0; rc == 0 && k < n; k++)
        ours = ours || ms[k].id == mid;
    free(ms);
    if (rc == 0 && !ours)
        rc = MG_ENOTFOUND;
    web_form_input in;
    web_form_read(&done_form, ctx->req, &in);
    if (rc == 0 && in.nerrors) {
        action_view av = {.v = &v, .status_refusal = in.error[0]};
        return action_refused(ctx, &av);
    }
    mg_contract_field_error fe = {0};
    if (rc == 0)
        rc = mg_contract_milestone_set_done(ctx->app->db, ctx->actor->account_id, mid,
                                            strcmp(in.raw[0], "1") == 0, NULL, &fe, &d);
    if (rc == 0)
        redirect_to_action(ctx, &v, "etapes");
    else
        web_storage_error(ctx->req, ctx->res, rc, &d, MILESTONE_NOT_FOUND, SAVE_FAILED);
    web_contract_view_clear(&v);
    return MG_OK;
}

static int note_add_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_action_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    web_form_input in;
    web_form_read(&note_form, ctx->req, &in);
    if (in.nerrors == 0) {
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int64_t id = 0;
        int rc = mg_contract_note_add(ctx->app->db, ctx->actor->account_id, v.a.id,
                                      in.raw[NOTE_ON], in.raw[NOTE_BODY], &id, &fe, &d);
        if (rc == 0) {
            redirect_to_action(ctx, &v, "suivi");
            web_contract_view_clear(&v);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_contract_view_clear(&v);
            web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
        refuse_contract(&in, &fe, &d, "body");
    }
    action_view av = {.v = &v, .note = &in};
    return action_refused(ctx, &av);
}

/* Back to the action's page, the search kept (when it fits in a
 * Location header), with a notice. */
static void redirect_action(web_ctx *ctx, const action_view *av, bool added)
{
    const web_contract_view *v = av->v;
    char path[96];
    action_path(path, sizeof path, v->c.id, v->a.id);
    mg_buf to;
    mg_buf_init(&to, 500);
    mg_buf_printf(&to, "/contrats/%lld/actions/%lld", (long long)v->c.id, (long long)v->a.id);
    mg_buf_puts(&to, added ? "?fait=ajout" : "?fait=retrait");
    if (av->query && av->query[0]) {
        mg_buf_puts(&to, "&q=");
        mg_html_url_arg(&to, av->query);
    }
    mg_buf_puts(&to, "#participants");
    mg_http_redirect(ctx->res, !to.failed && to.data ? to.data : path);
    mg_buf_free(&to);
}

/* The participants are the lead's to change: a pilot edits its action, not
 * who takes part in it (which decides who sees the contract). */
static bool load_for_participants(web_ctx *ctx, web_contract_view *v)
{
    if (!web_contract_action_load(ctx, MG_AUTH_VIEW, v))
        return false;
    mg_auth_object lead = {.type = MG_AUTH_OBJ_CONTRACT, .organisation_id = v->c.organisation_id,
                           .viewers = v->viewers, .nviewers = v->nviewers};
    if (!web_allow_as(ctx, MG_AUTH_EDIT, &lead, ACTION_NOT_FOUND)) {
        web_contract_view_clear(v);
        return false;
    }
    return true;
}

static int participant_add_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!load_for_participants(ctx, &v))
        return MG_OK;
    action_view av = {.v = &v};
    web_form_input in;
    web_form_read(&participant_form, ctx->req, &in);
    av.query = in.raw[PART_QUERY] && !in.error[PART_QUERY][0] ? in.raw[PART_QUERY] : NULL;
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
            redirect_action(ctx, &av, true);
            web_contract_view_clear(&v);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_contract_view_clear(&v);
            web_storage_error(ctx->req, ctx->res, rc, &d, ACTION_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
        snprintf(refusal, sizeof refusal, "%s", fe.msg[0] ? fe.msg : d.msg);
    } else {
        for (size_t i = 0; i < NFIELDS(participant_fields) && !refusal[0]; i++)
            if (in.error[i][0])
                snprintf(refusal, sizeof refusal, "%s", in.error[i]);
    }
    av.refusal = refusal;
    return action_refused(ctx, &av);
}

static int participant_remove_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!load_for_participants(ctx, &v))
        return MG_OK;
    action_view av = {.v = &v};
    int64_t org = path_id(ctx, "org", PARTICIPANT_NOT_FOUND);
    if (!org) {
        web_contract_view_clear(&v);
        return MG_OK;
    }
    mg_diag d = {{0}};
    int rc = mg_contract_participant_remove(ctx->app->db, ctx->actor->account_id, v.a.id, org,
                                            &d);
    if (rc == 0)
        redirect_action(ctx, &av, false);
    else
        web_storage_error(ctx->req, ctx->res, rc, &d, PARTICIPANT_NOT_FOUND, SAVE_FAILED);
    web_contract_view_clear(&v);
    return MG_OK;
}

const web_route web_routes_contracts[] = {
    {"GET", "/contrats", list_page, WEB_ACCOUNT, 0},
    {"POST", "/contrats", create_post, WEB_ACCOUNT, 0},
    {"GET", "/contrats/{id}", contract_page, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/modifier", contract_edit_post, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/signataires", signatory_add_post, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/signataires/{org}/retirer", signatory_remove_post, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/axes", axis_create_post, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/actions", action_create_post, WEB_ANYONE, 0},
    {"GET", "/contrats/{id}/actions/{aid}", action_page, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/actions/{aid}/modifier", action_edit_post, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/actions/{aid}/statut", status_post, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/actions/{aid}/etapes", milestone_add_post, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/actions/{aid}/etapes/{mid}/fait", milestone_done_post, WEB_ANYONE,
     0},
    {"POST", "/contrats/{id}/actions/{aid}/notes", note_add_post, WEB_ANYONE, 0},
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
