/*
 * The pages of organisations: self-registration of an applicant's
 * structure, an organisation's page (identity, members, invitation,
 * history), and the platform administrators' pages (organisations to
 * confirm, all organisations, creation; the mail queue).
 *
 * Each handler reads its form (web_form_read), calls the accounts module
 * (auth/auth.h) — which checks identifiers and decides rights through
 * mg_auth_can — and draws the page. A refused form is drawn again with
 * what was typed (never a password) and the message beside its field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/mail.h"
#include "parse/parse.h"
#include "web/form.h"
#include "web/messages.h"
#include "web/web.h"

#define NFIELDS(a) (sizeof(a) / sizeof *(a))

/* Rows of a page of the lists of organisations and of mails. */
#define LIST_PAGE_SIZE 50
/* Organisations awaiting confirmation shown at once: the oldest requests
 * are dealt with first, and a longer queue says so. */
#define PENDING_SHOWN 100

/* --- Choices known at run time: the accounts module names kinds and roles ---- */

/* The kinds a structure may register itself as: the applicants' kinds. */
static const mg_auth_org_kind registrable[] = {MG_ORG_ASSOCIATION, MG_ORG_HEALTH_CENTRE};

static int kind_option(mg_buf *b, mg_auth_org_kind k, const char *selected)
{
    const char *key = mg_auth_org_kind_key(k);
    return mg_html_option(b, key, mg_auth_org_kind_label(k), selected && strcmp(selected, key) == 0);
}

static int registrable_options(mg_buf *b, const void *ctx, const char *selected)
{
    (void)ctx;
    int rc = MG_OK;
    for (size_t k = 0; rc == MG_OK && k < NFIELDS(registrable); k++)
        rc = kind_option(b, registrable[k], selected);
    return rc;
}

static int kind_options(mg_buf *b, const void *ctx, const char *selected)
{
    (void)ctx;
    int rc = MG_OK;
    for (int k = 0; rc == MG_OK && k < MG_ORG_KINDS; k++)
        rc = kind_option(b, (mg_auth_org_kind)k, selected);
    return rc;
}

static int role_options(mg_buf *b, const void *ctx, const char *selected)
{
    (void)ctx;
    int rc = MG_OK;
    for (int r = 0; rc == MG_OK && r < MG_ROLES; r++) {
        const char *key = mg_auth_role_key((mg_auth_role)r);
        rc = mg_html_option(b, key, mg_auth_role_label((mg_auth_role)r),
                            selected && strcmp(selected, key) == 0);
    }
    return rc;
}

static bool registrable_kind(const char *key)
{
    for (size_t k = 0; key && k < NFIELDS(registrable); k++)
        if (strcmp(key, mg_auth_org_kind_key(registrable[k])) == 0)
            return true;
    return false;
}

/* --- Forms ------------------------------------------------------------------------ */

#define PASSWORD_HINT "12 caractères au moins. Une phrase de quelques mots se retient mieux " \
                      "qu'un mot compliqué."

enum { REG_NAME, REG_KIND, REG_SIRET, REG_RNA, REG_FINESS, REG_PERSON, REG_EMAIL, REG_PASSWORD,
       REG_CONFIRM };
static const web_field register_fields[] = {
    [REG_NAME] = {.name = "name", .label = "Nom de la structure", .kind = WEB_FIELD_TEXT,
                  .required = true, .max = MG_AUTH_NAME_MAX_CHARS,
                  .autocomplete = "organization"},
    [REG_KIND] = {.name = "kind", .label = "Nature de la structure", .kind = WEB_FIELD_SELECT,
                  .required = true, .options_fn = registrable_options,
                  .defval = "association"},
    [REG_SIRET] = {.name = "siret", .label = "SIRET", .kind = WEB_FIELD_TEXT, .max = 20,
                   .hint = "14 chiffres, espaces permis. Une association donne son SIRET ou son "
                           "numéro RNA ; un centre de santé, son SIRET ou son numéro FINESS."},
    [REG_RNA] = {.name = "rna", .label = "Numéro RNA (associations)", .kind = WEB_FIELD_TEXT,
                 .max = 12, .hint = "W suivi de 9 chiffres, par exemple W113000123."},
    [REG_FINESS] = {.name = "finess", .label = "Numéro FINESS (centres de santé)",
                    .kind = WEB_FIELD_TEXT, .max = 12, .hint = "9 caractères."},
    [REG_PERSON] = {.name = "display_name", .label = "Votre nom", .kind = WEB_FIELD_TEXT,
                    .required = true, .max = MG_AUTH_NAME_MAX_CHARS,
                    .autocomplete = "name"},
    [REG_EMAIL] = {.name = "email", .label = "Votre adresse e-mail", .kind = WEB_FIELD_EMAIL,
                   .required = true, .max = MG_AUTH_EMAIL_MAX_BYTES},
    [REG_PASSWORD] = {.name = "password", .label = "Mot de passe", .kind = WEB_FIELD_PASSWORD,
                      .required = true, .max = MG_AUTH_PASSWORD_MAX_BYTES,
                      .hint = PASSWORD_HINT,
                      .autocomplete = "new-password"},
    [REG_CONFIRM] = {.name = "confirmation", .label = "Mot de passe, une seconde fois",
                     .kind = WEB_FIELD_PASSWORD, .required = true,
                     .max = MG_AUTH_PASSWORD_MAX_BYTES,
                     .autocomplete = "new-password"},
};
static const web_form register_form = {"inscription", register_fields, NFIELDS(register_fields),
                                       "Envoyer la demande", NULL};

enum { INV_EMAIL, INV_PERSON, INV_ROLE };
static const web_field invite_fields[] = {
    [INV_EMAIL] = {.name = "email", .label = "Adresse e-mail", .kind = WEB_FIELD_EMAIL,
                   .required = true, .max = MG_AUTH_EMAIL_MAX_BYTES,
                   .autocomplete = "off"},
    [INV_PERSON] = {.name = "display_name", .label = "Nom de la personne",
                    .kind = WEB_FIELD_TEXT, .required = true, .max = MG_AUTH_NAME_MAX_CHARS,
                    .autocomplete = "off"},
    /* The least of the roles is offered first: a slip of the hand should
     * not make an administrator. */
    [INV_ROLE] = {.name = "role", .label = "Rôle", .kind = WEB_FIELD_SELECT, .required = true,
                  .options_fn = role_options, .defval = "reader"},
};
static const web_form invite_form = {"invitation", invite_fields, NFIELDS(invite_fields),
                                     "Inviter", NULL};

enum { ORG_NAME, ORG_KIND, ORG_SIRET, ORG_RNA, ORG_FINESS };
static const web_field org_fields[] = {
    [ORG_NAME] = {.name = "name", .label = "Nom", .kind = WEB_FIELD_TEXT, .required = true,
                  .max = MG_AUTH_NAME_MAX_CHARS},
    [ORG_KIND] = {.name = "kind", .label = "Nature", .kind = WEB_FIELD_SELECT, .required = true,
                  .options_fn = kind_options},
    [ORG_SIRET] = {.name = "siret", .label = "SIRET", .kind = WEB_FIELD_TEXT, .max = 20,
                   .hint = "14 chiffres, espaces permis ; facultatif."},
    [ORG_RNA] = {.name = "rna", .label = "Numéro RNA", .kind = WEB_FIELD_TEXT, .max = 12,
                 .hint = "Associations : W suivi de 9 chiffres ; facultatif."},
    [ORG_FINESS] = {.name = "finess", .label = "Numéro FINESS", .kind = WEB_FIELD_TEXT,
                    .max = 12, .hint = "Établissements sanitaires et sociaux ; facultatif."},
};
static const web_form org_form = {"organisation", org_fields, NFIELDS(org_fields),
                                  "Créer l'organisation", NULL};

/* --- Shared by the handlers ------------------------------------------------------- */

static const mg_auth_actor *actor_or_null(const web_ctx *ctx)
{
    return ctx->actor->account_id > 0 ? ctx->actor : NULL;
}

/* Reads a list page parameter; 0 after answering 404. */
static size_t page_param(web_ctx *ctx, const char *name)
{
    size_t page = 0;
    if (web_page_param(ctx->req, name, &page)) {
        web_fail(ctx, 404, WEB_MSG_PAGE_OUT_OF_RANGE);
        return 0;
    }
    return page;
}

/* What a person typed for an organisation, as the accounts module takes it. */
static mg_auth_org_input org_input(const web_form_input *in, size_t name, size_t kind,
                                   size_t siret, size_t rna, size_t finess)
{
    return (mg_auth_org_input){.name = in->raw[name], .kind = in->raw[kind],
                               .siret = in->raw[siret], .rna = in->raw[rna],
                               .finess = in->raw[finess]};
}

/* --- Self-registration ------------------------------------------------------------- */

static void render_register(web_ctx *ctx, const web_form_input *in)
{
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Inscrire une structure", NULL);
    mg_buf_puts(b, "<h1>Inscrire une structure</h1>\n<p>Une association ou un centre de santé "
                   "qui veut déposer une demande sur la plateforme inscrit ici sa structure et "
                   "la personne qui la représente. Un administrateur de la plateforme vérifie "
                   "la demande puis la confirme ; en attendant, vous pouvez vous connecter, "
                   "mais pas encore agir.</p>\n"
                   "<p>Identifiants : une association donne son numéro RNA ou son SIRET ; un "
                   "centre de santé, son SIRET ou son numéro FINESS.</p>\n");
    web_form_render(b, &register_form, in, "post", "/inscription", NULL, web_csrf(ctx));
    web_page_end(b);
}

static int register_page(web_ctx *ctx)
{
    render_register(ctx, NULL);
    return web_done(ctx);
}

static int register_post(web_ctx *ctx)
{
    web_form_input in;
    web_form_read(&register_form, ctx->req, &in);
    if (!in.error[REG_KIND][0] && !registrable_kind(in.raw[REG_KIND]))
        web_form_refuse(&in, "kind", web_msg_fr(WEB_MSG_KIND_NOT_REGISTRABLE));
    if (!in.error[REG_PASSWORD][0] && !in.error[REG_CONFIRM][0] &&
        strcmp(in.raw[REG_PASSWORD], in.raw[REG_CONFIRM]) != 0)
        web_form_refuse(&in, "confirmation", web_msg_fr(WEB_MSG_PASSWORD_MISMATCH));
    if (in.nerrors) {
        ctx->res->status = 422;
        render_register(ctx, &in);
        return web_done(ctx);
    }
    mg_auth_org_input org = org_input(&in, REG_NAME, REG_KIND, REG_SIRET, REG_RNA, REG_FINESS);
    int64_t account = 0, org_id = 0;
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t retry = 0;
    int rc = mg_auth_register(ctx->app->db, &org, in.raw[REG_EMAIL], in.raw[REG_PERSON],
                              in.raw[REG_PASSWORD], web_public_base(ctx),
                              mg_http_client_address(ctx->req), (int64_t)time(NULL), &retry,
                              &account, &org_id, &fe, &d);
    if (rc == MG_ETHROTTLE) {
        /* Too many registrations from this address lately: the form as
         * typed, the wait said above it. */
        web_form_refuse(&in, "name", d.msg);
        ctx->res->status = 429;
        mg_http_retry_after(ctx->res, retry > 0 ? (unsigned)retry : 1u);
        render_register(ctx, &in);
        return web_done(ctx);
    }
    if (rc == MG_EINVAL || fe.field) {
        web_refuse_auth(&in, &fe, "name");
        ctx->res->status = 422;
        render_register(ctx, &in);
        return web_done(ctx);
    }
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_REGISTRATION_FAILED);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Demande enregistrée", NULL);
    mg_buf_puts(b, "<h1>Demande enregistrée</h1>\n<p class=\"notice\" role=\"status\">"
                   "L'inscription de « ");
    mg_html_text(b, in.raw[REG_NAME]);
    mg_buf_puts(b, " » est enregistrée et attend la confirmation d'un administrateur de la "
                   "plateforme.</p>\n<p>Vous pouvez dès maintenant "
                   "<a href=\"/connexion\">vous connecter</a> avec votre adresse e-mail et "
                   "votre mot de passe : la page « Mon compte » montre où en est la "
                   "confirmation. Tant qu'elle n'est pas confirmée, votre structure ne peut "
                   "encore rien faire sur la plateforme. Un courriel vous préviendra de la "
                   "confirmation.</p>\n");
    web_page_end(b);
    return web_done(ctx);
}

/* --- An organisation's page ------------------------------------------------------------ */

typedef struct org_view {
    mg_auth_org org;
    mg_auth_member *members;
    size_t nmembers;
    bool may_invite;
    bool may_confirm; /* pending, and the actor may confirm it */
    const web_form_input *invite; /* a refused invitation, or NULL */
} org_view;

/* The "Confirmer" button of a pending organisation (for the platform's
 * administrators, on its page and in their list). */
static void render_confirm_button(mg_buf *b, web_ctx *ctx, const mg_auth_org *o)
{
    mg_buf_puts(b, " <form class=\"inline\" method=\"post\" action=\"/admin/organisations/");
    mg_buf_printf(b, "%lld", (long long)o->id);
    mg_buf_puts(b, "/confirmer\">");
    web_csrf_field(b, ctx);
    mg_buf_puts(b, "<button type=\"submit\" aria-label=\"Confirmer ");
    mg_html_attr(b, o->name);
    mg_buf_puts(b, "\">Confirmer</button></form>");
}

static void render_identifiers(mg_buf *b, const mg_auth_org *o)
{
    const struct {
        const char *label;
        const char *value;
    } ids[] = {{"SIRET", o->siret}, {"RNA", o->rna}, {"FINESS", o->finess}};
    for (size_t k = 0; k < NFIELDS(ids); k++) {
        if (!ids[k].value[0])
            continue;
        mg_buf_puts(b, "<dt>");
        mg_html_text(b, ids[k].label);
        mg_buf_puts(b, "</dt><dd>");
        mg_html_text(b, ids[k].value);
        mg_buf_puts(b, "</dd>");
    }
}

/* Members: those who may invite see addresses and who has not come yet;
 * others see names and roles. */
static void render_members(mg_buf *b, const org_view *v)
{
    mg_buf_puts(b, "<section aria-labelledby=\"membres\"><h2 id=\"membres\">Membres</h2>\n");
    if (v->nmembers == 0) {
        mg_buf_puts(b, "<p>Aucun membre.</p></section>\n");
        return;
    }
    mg_buf_puts(b, "<table><caption>Membres de l'organisation</caption><thead><tr>"
                   "<th scope=\"col\">Nom</th>");
    if (v->may_invite)
        mg_buf_puts(b, "<th scope=\"col\">Adresse e-mail</th>");
    mg_buf_puts(b, "<th scope=\"col\">Rôle</th></tr></thead><tbody>\n");
    bool invited = false;
    for (size_t k = 0; k < v->nmembers; k++) {
        const mg_auth_member *m = &v->members[k];
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_text(b, m->display_name);
        if (v->may_invite && !m->has_password) {
            mg_buf_puts(b, " <span class=\"tag pending\">invité</span>");
            invited = true;
        }
        mg_buf_puts(b, "</th>");
        if (v->may_invite) {
            mg_buf_puts(b, "<td>");
            mg_html_text(b, m->email);
            mg_buf_puts(b, "</td>");
        }
        mg_buf_puts(b, "<td>");
        mg_html_text(b, mg_auth_role_label(m->role));
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table>\n");
    if (invited)
        mg_buf_puts(b, "<p class=\"note\">« invité » : la personne n'a pas encore choisi son "
                       "mot de passe avec le lien reçu.</p>\n");
    mg_buf_puts(b, "</section>\n");
}

static void render_org(web_ctx *ctx, const org_view *v)
{
    mg_buf *b = &ctx->res->body;
    const mg_auth_org *o = &v->org;
    web_page_begin(b, ctx, o->name, NULL);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, o->name);
    mg_buf_puts(b, "</h1>\n");
    const char *fait = mg_http_query(ctx->req, "fait");
    if (fait && strcmp(fait, "invitation") == 0)
        web_notice(b, WEB_MSG_INVITATION_SENT);
    mg_buf_puts(b, "<dl class=\"facts\"><dt>Nature</dt><dd>");
    mg_html_text(b, mg_auth_org_kind_label(o->kind));
    mg_buf_puts(b, "</dd>");
    render_identifiers(b, o);
    mg_buf_puts(b, "<dt>État</dt><dd>");
    mg_buf_puts(b, o->active ? "confirmée"
                             : "<strong>en attente de confirmation</strong> par un "
                               "administrateur de la plateforme");
    if (o->operator_)
        mg_buf_puts(b, " — organisation qui exploite la plateforme");
    if (v->may_confirm)
        render_confirm_button(b, ctx, o);
    mg_buf_puts(b, "</dd><dt>Créée le</dt><dd>");
    web_time_utc(b, o->created_at, "—");
    mg_buf_puts(b, "</dd></dl>\n");
    render_members(b, v);
    if (v->may_invite) {
        mg_buf_puts(b, "<section aria-labelledby=\"inviter\"><h2 id=\"inviter\">Inviter une "
                       "personne</h2>\n<p>La personne reçoit un courriel avec un lien, valable "
                       "sept jours, pour choisir son mot de passe. Si elle a déjà un compte, "
                       "elle est ajoutée à l'organisation et prévenue.</p>\n");
        char action[64];
        snprintf(action, sizeof action, "/organisations/%lld/invitations", (long long)o->id);
        web_form_render(b, &invite_form, v->invite, "post", action, NULL, web_csrf(ctx));
        mg_buf_puts(b, "</section>\n");
    }
    web_history(b, ctx, "organisation", o->id);
    web_page_end(b);
}

/* Loads the organisation of the path and checks the actor may `verb` it;
 * false once answered (404 for an id that names none, or web_allow's
 * refusal). */
static bool load_org(web_ctx *ctx, mg_auth_verb verb, mg_auth_org *out)
{
    int64_t id = web_path_id(ctx, WEB_MSG_ORGANISATION_NOT_FOUND);
    if (!id)
        return false;
    mg_diag d = {{0}};
    int rc = mg_auth_org_get(ctx->app->db, id, out, &d);
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_ORGANISATION_NOT_FOUND, WEB_MSG_ORGANISATION_READ_FAILED);
        return false;
    }
    /* Another organisation answers with the words of one that does not
     * exist: an id tried tells nothing. */
    mg_auth_object o = {.type = MG_AUTH_OBJ_ORGANISATION, .organisation_id = id};
    return web_allow_as(ctx, verb, &o, web_msg_fr(WEB_MSG_ORGANISATION_NOT_FOUND));
}

/* Reads the members and draws the page of v->org. */
static int show_org(web_ctx *ctx, org_view *v)
{
    mg_auth_object o = {.type = MG_AUTH_OBJ_ORGANISATION, .organisation_id = v->org.id};
    /* Asked without answering: the form is only drawn for those it serves. */
    v->may_invite = mg_auth_can(actor_or_null(ctx), MG_AUTH_INVITE, &o) == MG_AUTH_ALLOW;
    v->may_confirm = !v->org.active &&
                     mg_auth_can(actor_or_null(ctx), MG_AUTH_CONFIRM, &o) == MG_AUTH_ALLOW;
    mg_diag d = {{0}};
    int rc = mg_auth_members(ctx->app->db, v->org.id, &v->members, &v->nmembers, &d);
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_ORGANISATION_NOT_FOUND, WEB_MSG_ORGANISATION_READ_FAILED);
        return MG_OK;
    }
    render_org(ctx, v);
    free(v->members);
    v->members = NULL;
    return web_done(ctx);
}

static int org_page(web_ctx *ctx)
{
    org_view v = {0};
    if (!load_org(ctx, MG_AUTH_VIEW, &v.org))
        return MG_OK;
    return show_org(ctx, &v);
}

static int invite_post(web_ctx *ctx)
{
    org_view v = {0};
    if (!load_org(ctx, MG_AUTH_INVITE, &v.org))
        return MG_OK;
    web_form_input in;
    web_form_read(&invite_form, ctx->req, &in);
    mg_auth_role role = MG_ROLE_READER;
    if (!in.error[INV_ROLE][0] && mg_auth_role_parse(in.raw[INV_ROLE], &role))
        web_form_refuse(&in, "role", web_msg_fr(WEB_MSG_ROLE_UNKNOWN));
    if (in.nerrors) {
        ctx->res->status = 422;
        v.invite = &in;
        return show_org(ctx, &v);
    }
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int rc = mg_auth_invite(ctx->app->db, ctx->actor->account_id, v.org.id, in.raw[INV_EMAIL],
                            in.raw[INV_PERSON], role, web_public_base(ctx), (int64_t)time(NULL),
                            &fe, &d);
    if (rc == MG_EINVAL || fe.field) {
        web_refuse_auth(&in, &fe, "email");
        ctx->res->status = 422;
        v.invite = &in;
        return show_org(ctx, &v);
    }
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_ORGANISATION_NOT_FOUND, WEB_MSG_ORGANISATION_SAVE_FAILED);
        return MG_OK;
    }
    char to[96];
    snprintf(to, sizeof to, "/organisations/%lld?fait=invitation", (long long)v.org.id);
    mg_http_redirect(ctx->res, to);
    return MG_OK;
}

/* --- Platform administration: organisations ----------------------------------------- */

typedef struct admin_view {
    size_t page;
    mg_auth_org *pending;
    size_t npending, pending_total;
    mg_auth_org *rows;
    size_t nrows, total;
    web_pager pg;
    const web_form_input *create; /* a refused creation, or NULL */
} admin_view;

static void admin_view_free(admin_view *v)
{
    free(v->pending);
    free(v->rows);
    v->pending = v->rows = NULL;
}

/* Reads the pending organisations and page v->page of all of them;
 * non-zero once answered. */
static int compute_admin(web_ctx *ctx, admin_view *v)
{
    mg_diag d = {{0}};
    int rc = mg_auth_org_list(ctx->app->db, true, 0, PENDING_SHOWN, &v->pending, &v->npending,
                              &v->pending_total, &d);
    if (rc == MG_OK)
        rc = mg_auth_org_list(ctx->app->db, false, (v->page - 1) * LIST_PAGE_SIZE,
                              LIST_PAGE_SIZE, &v->rows, &v->nrows, &v->total, &d);
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_ORGANISATION_LIST_FAILED);
        return -1;
    }
    if (web_paginate(v->total, v->page, LIST_PAGE_SIZE, &v->pg)) {
        web_fail(ctx, 404, WEB_MSG_PAGE_OUT_OF_RANGE);
        return -1;
    }
    return 0;
}

static void org_href(mg_buf *b, const void *state, size_t page)
{
    (void)state;
    char s[24];
    snprintf(s, sizeof s, "%zu", page);
    mg_html_href(b, "/admin/organisations", (const char *const[]){"page", s, NULL}, "toutes");
}

static void render_org_cells(mg_buf *b, const mg_auth_org *o)
{
    mg_buf_puts(b, "<tr><th scope=\"row\">");
    mg_html_link_id(b, "/organisations/", o->id, NULL);
    mg_html_text(b, o->name);
    mg_buf_puts(b, "</a></th><td>");
    mg_html_text(b, mg_auth_org_kind_label(o->kind));
    mg_buf_puts(b, "</td><td>");
    const char *ids[] = {o->siret, o->rna, o->finess};
    const char *names[] = {"SIRET ", "RNA ", "FINESS "};
    bool any = false;
    for (size_t k = 0; k < NFIELDS(ids); k++) {
        if (!ids[k][0])
            continue;
        if (any)
            mg_buf_puts(b, "<br>");
        mg_html_text(b, names[k]);
        mg_html_text(b, ids[k]);
        any = true;
    }
    mg_buf_puts(b, "</td><td>");
    web_time_utc(b, o->created_at, "—");
    mg_buf_puts(b, "</td>");
}

static void render_pending(mg_buf *b, web_ctx *ctx, const admin_view *v)
{
    mg_buf_puts(b, "<section aria-labelledby=\"attente\"><h2 id=\"attente\">En attente de "
                   "confirmation</h2>\n");
    if (v->pending_total == 0) {
        mg_buf_puts(b, "<p>Aucune organisation n'attend de confirmation.</p></section>\n");
        return;
    }
    mg_buf_printf(b, "<p>%zu ", v->pending_total);
    mg_buf_puts(b, v->pending_total > 1 ? "organisations attendent" : "organisation attend");
    mg_buf_puts(b, " une confirmation. Vérifiez leurs identifiants (annuaire des entreprises, "
                   "répertoire des associations, FINESS) avant de confirmer.</p>\n");
    if (v->pending_total > v->npending)
        mg_buf_printf(b, "<p>Les %zu premières sont affichées ; les suivantes paraîtront une "
                         "fois celles-ci confirmées.</p>\n",
                      v->npending);
    mg_buf_puts(b, "<table><caption>Organisations en attente</caption><thead><tr>"
                   "<th scope=\"col\">Nom</th><th scope=\"col\">Nature</th>"
                   "<th scope=\"col\">Identifiants</th><th scope=\"col\">Demandée le</th>"
                   "<th scope=\"col\">Action</th></tr></thead><tbody>\n");
    for (size_t k = 0; k < v->npending; k++) {
        const mg_auth_org *o = &v->pending[k];
        render_org_cells(b, o);
        mg_buf_puts(b, "<td>");
        render_confirm_button(b, ctx, o);
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></section>\n");
}

static void render_all(mg_buf *b, const admin_view *v)
{
    mg_buf_puts(b, "<section aria-labelledby=\"toutes\"><h2 id=\"toutes\">Toutes les "
                   "organisations</h2>\n");
    if (v->total == 0) {
        mg_buf_puts(b, "<p>Aucune organisation.</p></section>\n");
        return;
    }
    mg_buf_printf(b, "<p>%zu ", v->total);
    mg_buf_puts(b, v->total > 1 ? "organisations.</p>\n" : "organisation.</p>\n");
    mg_buf_puts(b, "<table><caption>Organisations</caption><thead><tr>"
                   "<th scope=\"col\">Nom</th><th scope=\"col\">Nature</th>"
                   "<th scope=\"col\">Identifiants</th><th scope=\"col\">Créée le</th>"
                   "<th scope=\"col\">État</th></tr></thead><tbody>\n");
    for (size_t k = 0; k < v->nrows; k++) {
        render_org_cells(b, &v->rows[k]);
        mg_buf_puts(b, v->rows[k].active ? "<td>confirmée</td></tr>\n"
                                         : "<td>en attente</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table>\n");
    web_pager_nav(b, &v->pg, "Pagination des organisations", org_href, NULL);
    mg_buf_puts(b, "</section>\n");
}

static void render_admin(web_ctx *ctx, const admin_view *v)
{
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Organisations", NULL);
    mg_buf_puts(b, "<h1>Organisations</h1>\n<p><a href=\"/admin/courriels\">File des "
                   "courriels</a></p>\n");
    const char *fait = mg_http_query(ctx->req, "fait");
    if (fait && strcmp(fait, "confirmee") == 0)
        web_notice(b, WEB_MSG_ORGANISATION_CONFIRMED);
    render_pending(b, ctx, v);
    render_all(b, v);
    mg_buf_puts(b, "<section aria-labelledby=\"creer\"><h2 id=\"creer\">Créer une "
                   "organisation</h2>\n<p>Une organisation créée ici est confirmée aussitôt. "
                   "Invitez ensuite ses membres depuis sa page.</p>\n");
    web_form_render(b, &org_form, v->create, "post", "/admin/organisations", NULL, web_csrf(ctx));
    mg_buf_puts(b, "</section>\n");
    web_page_end(b);
}

/* Computes and draws page `page` of the administration of organisations. */
static int show_admin(web_ctx *ctx, size_t page, const web_form_input *create)
{
    admin_view v = {.page = page, .create = create};
    if (compute_admin(ctx, &v) == 0)
        render_admin(ctx, &v);
    admin_view_free(&v);
    return web_done(ctx);
}

static int admin_page(web_ctx *ctx)
{
    size_t page = page_param(ctx, "page");
    if (!page)
        return MG_OK;
    return show_admin(ctx, page, NULL);
}

static int admin_create(web_ctx *ctx)
{
    mg_auth_object o = {.type = MG_AUTH_OBJ_ORGANISATION};
    if (!web_allow(ctx, MG_AUTH_CREATE, &o))
        return MG_OK;
    web_form_input in;
    if (web_form_read(&org_form, ctx->req, &in)) {
        ctx->res->status = 422;
        return show_admin(ctx, 1, &in);
    }
    mg_auth_org_input org = org_input(&in, ORG_NAME, ORG_KIND, ORG_SIRET, ORG_RNA, ORG_FINESS);
    int64_t id = 0;
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int rc = mg_auth_org_add(ctx->app->db, ctx->actor->account_id, &org, true, false, &id, &fe,
                             &d);
    if (rc == MG_EINVAL || fe.field) {
        web_refuse_auth(&in, &fe, "name");
        ctx->res->status = 422;
        return show_admin(ctx, 1, &in);
    }
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_ORGANISATION_SAVE_FAILED);
        return MG_OK;
    }
    char to[64];
    snprintf(to, sizeof to, "/organisations/%lld", (long long)id);
    mg_http_redirect(ctx->res, to);
    return MG_OK;
}

static int admin_confirm(web_ctx *ctx)
{
    int64_t id = web_path_id(ctx, WEB_MSG_ORGANISATION_NOT_FOUND);
    if (!id)
        return MG_OK;
    mg_auth_object o = {.type = MG_AUTH_OBJ_ORGANISATION, .organisation_id = id};
    if (!web_allow(ctx, MG_AUTH_CONFIRM, &o))
        return MG_OK;
    mg_diag d = {{0}};
    int rc = mg_auth_org_confirm(ctx->app->db, ctx->actor->account_id, id, web_public_base(ctx),
                                 &d);
    if (rc == MG_EINVAL) {
        web_fail(ctx, 409, WEB_MSG_ORGANISATION_ALREADY_ACTIVE);
        return MG_OK;
    }
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_ORGANISATION_NOT_FOUND, WEB_MSG_ORGANISATION_SAVE_FAILED);
        return MG_OK;
    }
    mg_http_redirect(ctx->res, "/admin/organisations?fait=confirmee");
    return MG_OK;
}

/* --- Platform administration: the mail queue ----------------------------------------- */

static void mail_href(mg_buf *b, const void *state, size_t page)
{
    (void)state;
    char s[24];
    snprintf(s, sizeof s, "%zu", page);
    mg_html_href(b, "/admin/courriels", (const char *const[]){"page", s, NULL}, NULL);
}

static const char *mail_status_fr(const char *status)
{
    if (status && strcmp(status, "pending") == 0)
        return "en attente";
    if (status && strcmp(status, "sent") == 0)
        return "envoyé";
    if (status && strcmp(status, "failed") == 0)
        return "échec";
    return status ? status : "";
}

static void render_mail_row(mg_buf *b, const mg_mail_record *m)
{
    mg_buf_puts(b, "<tr><td>");
    web_time_unix(b, m->created_at);
    mg_buf_puts(b, "</td><td>");
    mg_html_text(b, m->to);
    mg_buf_puts(b, "</td><td>");
    mg_html_text(b, m->subject);
    mg_buf_puts(b, "</td><td>");
    mg_html_text(b, mail_status_fr(m->status));
    if (m->sent_at) {
        mg_buf_puts(b, " le ");
        web_time_unix(b, m->sent_at);
    }
    mg_buf_printf(b, "</td><td>%d</td><td>", m->attempts);
    mg_html_text(b, m->last_error ? m->last_error : "");
    mg_buf_puts(b, "</td></tr>\n");
}

static int mail_page(web_ctx *ctx)
{
    size_t page = page_param(ctx, "page");
    if (!page)
        return MG_OK;
    mg_mail_record *rows = NULL;
    size_t n = 0, total = 0;
    mg_diag d = {{0}};
    int rc = mg_mail_list(ctx->app->db, (page - 1) * LIST_PAGE_SIZE, LIST_PAGE_SIZE, &rows, &n,
                          &total, &d);
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_MAIL_LIST_FAILED);
        return MG_OK;
    }
    web_pager pg;
    if (web_paginate(total, page, LIST_PAGE_SIZE, &pg)) {
        mg_mail_records_free(rows, n);
        web_fail(ctx, 404, WEB_MSG_PAGE_OUT_OF_RANGE);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "File des courriels", NULL);
    mg_buf_puts(b, "<h1>File des courriels</h1>\n<p><a href=\"/admin/organisations\">"
                   "Organisations</a></p>\n<p>Les messages partent dans l'ordre où ils ont été "
                   "mis en file ; un envoi refusé est réessayé plus tard, dix fois au plus.</p>\n");
    if (total == 0) {
        mg_buf_puts(b, "<p>Aucun courriel.</p>\n");
    } else {
        mg_buf_printf(b, "<p>%zu ", total);
        mg_buf_puts(b, total > 1 ? "courriels, du plus récent au plus ancien.</p>\n"
                                 : "courriel.</p>\n");
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Courriels</caption><thead><tr>"
                       "<th scope=\"col\">Mis en file le</th><th scope=\"col\">Destinataire</th>"
                       "<th scope=\"col\">Objet</th><th scope=\"col\">État</th>"
                       "<th scope=\"col\">Essais</th><th scope=\"col\">Dernière erreur</th>"
                       "</tr></thead><tbody>\n");
        for (size_t k = 0; k < n; k++)
            render_mail_row(b, &rows[k]);
        mg_buf_puts(b, "</tbody></table></div>\n");
        web_pager_nav(b, &pg, "Pagination des courriels", mail_href, NULL);
    }
    web_page_end(b);
    mg_mail_records_free(rows, n);
    return web_done(ctx);
}

const web_route web_routes_organisations[] = {
    {"GET", "/inscription", register_page, WEB_ANYONE, 0},
    {"POST", "/inscription", register_post, WEB_ANYONE, 0},
    {"GET", "/organisations/{id}", org_page, WEB_ANYONE, 0},
    {"POST", "/organisations/{id}/invitations", invite_post, WEB_ACCOUNT, 0},
    {"GET", "/admin/organisations", admin_page, WEB_PLATFORM, 0},
    {"POST", "/admin/organisations", admin_create, WEB_PLATFORM, 0},
    {"POST", "/admin/organisations/{id}/confirmer", admin_confirm, WEB_PLATFORM, 0},
    {"GET", "/admin/courriels", mail_page, WEB_PLATFORM, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
