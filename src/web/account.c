/*
 * The pages of one's own account: "Mon compte" (identity, memberships,
 * second factor, password change, personal API tokens), second-factor
 * enrolment, and the password-reset pages reached without a session (the
 * request form and the page of the link sent by e-mail).
 *
 * Each handler reads its form (web_form_read), calls the accounts module
 * (auth/auth.h), which decides and checks everything, and draws the page.
 * A refused form is drawn again with what was typed (never a password) and
 * the message beside the field the accounts module names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse/parse.h"
#include "web/form.h"
#include "web/messages.h"
#include "web/web.h"

#define NFIELDS(a) (sizeof(a) / sizeof *(a))

/* Room for the otpauth:// URI: the account's address and the issuer,
 * percent-encoded, and the secret. */
#define TOTP_URI_MAX 1024

/* --- Forms ------------------------------------------------------------------ */

enum { PW_CURRENT, PW_NEW, PW_CONFIRM };
static const web_field password_fields[] = {
    [PW_CURRENT] = {.name = "current_password", .label = "Mot de passe actuel", .kind = WEB_FIELD_PASSWORD,
                    .required = true, .max = MG_AUTH_PASSWORD_MAX_BYTES,
                    .autocomplete = "current-password"},
    [PW_NEW] = {.name = "password", .label = "Nouveau mot de passe", .kind = WEB_FIELD_PASSWORD,
                .required = true, .max = MG_AUTH_PASSWORD_MAX_BYTES,
                .hint = "12 caractères au moins. Une phrase de quelques mots se retient mieux "
                        "qu'un mot compliqué.",
                .autocomplete = "new-password"},
    [PW_CONFIRM] = {.name = "confirmation", .label = "Nouveau mot de passe, une seconde fois",
                    .kind = WEB_FIELD_PASSWORD, .required = true,
                    .max = MG_AUTH_PASSWORD_MAX_BYTES,
                    .autocomplete = "new-password"},
};
static const web_form password_form = {"mdp", password_fields, NFIELDS(password_fields),
                                       "Changer le mot de passe", NULL};

enum { TOKEN_NAME };
static const web_field token_fields[] = {
    [TOKEN_NAME] = {.name = "name", .label = "Nom du jeton", .kind = WEB_FIELD_TEXT,
                    .required = true, .max = MG_AUTH_NAME_MAX_CHARS,
                    .hint = "Pour le reconnaître plus tard : le script ou l'outil qui "
                            "l'utilisera."},
};
static const web_form token_form = {"jeton", token_fields, NFIELDS(token_fields),
                                    "Créer un jeton", NULL};

enum { CODE_CODE };
static const web_field code_fields[] = {
    [CODE_CODE] = {.name = "code", .label = "Code à 6 chiffres affiché par l'application",
                   .kind = WEB_FIELD_TEXT, .required = true, .max = MG_AUTH_TOTP_DIGITS,
                   .autocomplete = "one-time-code"},
};
static const web_form code_form = {"totp", code_fields, NFIELDS(code_fields),
                                   "Activer la double authentification", NULL};

enum { FORGOT_EMAIL };
static const web_field forgot_fields[] = {
    [FORGOT_EMAIL] = {.name = "email", .label = "Adresse e-mail de votre compte",
                      .kind = WEB_FIELD_EMAIL, .required = true, .max = MG_AUTH_EMAIL_MAX_BYTES},
};
static const web_form forgot_form = {"oubli", forgot_fields, NFIELDS(forgot_fields),
                                     "Recevoir un lien", NULL};

enum { NEWPW_PASSWORD, NEWPW_CONFIRM, NEWPW_TOKEN };
static const web_field newpw_fields[] = {
    [NEWPW_PASSWORD] = {.name = "password", .label = "Nouveau mot de passe",
                        .kind = WEB_FIELD_PASSWORD, .required = true,
                        .max = MG_AUTH_PASSWORD_MAX_BYTES,
                        .hint = "12 caractères au moins. Une phrase de quelques mots se retient "
                                "mieux qu'un mot compliqué.",
                        .autocomplete = "new-password"},
    [NEWPW_CONFIRM] = {.name = "confirmation", .label = "Nouveau mot de passe, une seconde fois",
                       .kind = WEB_FIELD_PASSWORD, .required = true,
                       .max = MG_AUTH_PASSWORD_MAX_BYTES,
                       .autocomplete = "new-password"},
    [NEWPW_TOKEN] = {.name = "jeton", .label = "Lien", .kind = WEB_FIELD_HIDDEN,
                     .max = MG_AUTH_TOKEN_CHARS},
};
static const web_form newpw_form = {"nouveau", newpw_fields, NFIELDS(newpw_fields),
                                    "Enregistrer le mot de passe", NULL};

/* --- Shared by the handlers ---------------------------------------------------- */

/* Both passwords typed the same; refused on the confirmation otherwise. */
static bool confirmed(web_form_input *in, size_t pw, size_t confirm)
{
    if (in->error[pw][0] || in->error[confirm][0])
        return false;
    if (strcmp(in->raw[pw], in->raw[confirm]) == 0)
        return true;
    web_form_refuse(in, in->form->fields[confirm].name, web_msg_fr(WEB_MSG_PASSWORD_MISMATCH));
    return false;
}

/*
 * The means of logging in (password, second factor, new tokens) are
 * changed by a person on the site, never through an API token: a token
 * that leaked could otherwise make others that outlive its revocation.
 * (Revoking only takes access away: a token may do it.) True once refused
 * (403).
 */
static bool by_token(web_ctx *ctx)
{
    if (!ctx->bearer)
        return false;
    web_fail(ctx, 403, WEB_MSG_NOT_BY_TOKEN);
    return true;
}

/* A slow-down refusal: 429 with Retry-After. */
static void throttled(web_ctx *ctx, int64_t retry_after)
{
    ctx->res->status = 429;
    mg_http_retry_after(ctx->res, retry_after > 0 ? (unsigned)retry_after : 1u);
}

/* --- Mon compte ------------------------------------------------------------------ */

/* What the account page shows beside the account itself. */
typedef struct account_view {
    const web_form_input *password; /* a refused password change, or NULL */
    const web_form_input *token;    /* a refused token creation, or NULL */
    web_msg notice;                 /* WEB_MSG_COUNT: none */
    const char *new_secret;         /* a token just created, shown this once */
    const char *new_name;
    mg_auth_api_token *tokens;
    size_t ntokens;
} account_view;

/* The notice named by ?fait= after a redirect (a fixed list: nothing of the
 * query reaches the page). */
static web_msg done_notice(const mg_http_request *r)
{
    const char *fait = mg_http_query(r, "fait");
    if (!fait)
        return WEB_MSG_COUNT;
    if (strcmp(fait, "mot-de-passe") == 0)
        return WEB_MSG_PASSWORD_CHANGED;
    if (strcmp(fait, "jeton-revoque") == 0)
        return WEB_MSG_TOKEN_REVOKED;
    if (strcmp(fait, "double-facteur") == 0)
        return WEB_MSG_TOTP_ENABLED;
    return WEB_MSG_COUNT;
}

static void render_identity(mg_buf *b, const mg_auth_actor *a)
{
    mg_buf_puts(b, "<section aria-labelledby=\"identite\"><h2 id=\"identite\">Identité</h2>\n"
                   "<dl class=\"facts\"><dt>Adresse e-mail</dt><dd>");
    mg_html_text(b, a->email);
    mg_buf_puts(b, "</dd><dt>Nom</dt><dd>");
    mg_html_text(b, a->display_name);
    mg_buf_puts(b, "</dd></dl></section>\n");
}

static void render_memberships(mg_buf *b, const mg_auth_actor *a)
{
    mg_buf_puts(b, "<section aria-labelledby=\"organisations\"><h2 id=\"organisations\">"
                   "Organisations</h2>\n");
    if (a->nm == 0) {
        mg_buf_puts(b, "<p>Votre compte n'appartient à aucune organisation.</p></section>\n");
        return;
    }
    mg_buf_puts(b, "<table><caption>Vos organisations et vos rôles</caption><thead><tr>"
                   "<th scope=\"col\">Organisation</th><th scope=\"col\">Rôle</th>"
                   "<th scope=\"col\">État</th></tr></thead><tbody>\n");
    bool pending = false;
    for (size_t k = 0; k < a->nm; k++) {
        const mg_auth_membership *m = &a->m[k];
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_link_id(b, "/organisations/", m->organisation_id, NULL);
        mg_html_text(b, m->org_name);
        mg_buf_puts(b, "</a></th><td>");
        mg_html_text(b, mg_auth_role_label(m->role));
        mg_buf_puts(b, m->org_active ? "</td><td>confirmée</td></tr>\n"
                                     : "</td><td><strong>en attente de confirmation</strong>"
                                       "</td></tr>\n");
        pending |= !m->org_active;
    }
    mg_buf_puts(b, "</tbody></table>\n");
    if (pending)
        mg_buf_puts(b, "<p>Une organisation en attente de confirmation ne permet encore "
                       "aucune action : un administrateur de la plateforme doit d'abord la "
                       "confirmer. Vous recevrez un courriel à ce moment.</p>\n");
    mg_buf_puts(b, "</section>\n");
}

static void render_second_factor(mg_buf *b, const mg_auth_actor *a)
{
    mg_buf_puts(b, "<section aria-labelledby=\"double-facteur\"><h2 id=\"double-facteur\">"
                   "Double authentification</h2>\n");
    if (a->totp_enabled)
        mg_buf_puts(b, "<p>La double authentification est <strong>activée</strong> : un code "
                       "de votre application d'authentification vous est demandé à chaque "
                       "connexion.</p>\n");
    else
        mg_buf_puts(b, "<p>La double authentification n'est pas activée. Elle protège votre "
                       "compte même si votre mot de passe est dérobé.</p>\n"
                       "<p><a href=\"/compte/double-facteur\">Activer la double "
                       "authentification</a></p>\n");
    mg_buf_puts(b, "</section>\n");
}

static void render_password(mg_buf *b, web_ctx *ctx, const account_view *v)
{
    mg_buf_puts(b, "<section aria-labelledby=\"mot-de-passe\"><h2 id=\"mot-de-passe\">"
                   "Mot de passe</h2>\n<p>Changer de mot de passe ferme vos autres sessions "
                   "(sur d'autres navigateurs ou appareils).</p>\n");
    web_form_render(b, &password_form, v->password, "post", "/compte/mot-de-passe", NULL,
                    web_csrf(ctx));
    mg_buf_puts(b, "</section>\n");
}

static void render_token_row(mg_buf *b, web_ctx *ctx, const mg_auth_api_token *t)
{
    mg_buf_puts(b, "<tr><th scope=\"row\">");
    mg_html_text(b, t->name);
    mg_buf_puts(b, "</th><td>");
    web_time_utc(b, t->created_at, "");
    mg_buf_puts(b, "</td><td>");
    web_time_utc(b, t->last_used_at, "jamais");
    mg_buf_puts(b, "</td><td>");
    if (t->revoked) {
        mg_buf_puts(b, "révoqué");
    } else {
        mg_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"/compte/jetons/");
        mg_buf_printf(b, "%lld", (long long)t->id);
        mg_buf_puts(b, "/revoquer\">");
        web_csrf_field(b, ctx);
        mg_buf_puts(b, "<button type=\"submit\" class=\"danger\" aria-label=\"Révoquer le jeton ");
        mg_html_attr(b, t->name);
        mg_buf_puts(b, "\">Révoquer</button></form>");
    }
    mg_buf_puts(b, "</td></tr>\n");
}

static void render_tokens(mg_buf *b, web_ctx *ctx, const account_view *v)
{
    mg_buf_puts(b, "<section aria-labelledby=\"jetons\"><h2 id=\"jetons\">Jetons d'accès à "
                   "l'API</h2>\n<p>Un jeton permet à un programme d'utiliser l'API "
                   "(<a href=\"/api\">liste des services</a>) en votre nom, avec vos droits. "
                   "Il s'envoie dans l'en-tête <code>Authorization: Bearer mgt_…</code>. "
                   "Révoquez-le dès qu'il ne sert plus.</p>\n");
    if (v->new_secret) {
        mg_buf_puts(b, "<div class=\"secret\" role=\"status\"><p>Le jeton « ");
        mg_html_text(b, v->new_name);
        mg_buf_puts(b, " » est créé. Copiez-le maintenant : <strong>il ne sera plus jamais "
                       "affiché</strong>.</p>\n<p><code>");
        mg_html_text(b, v->new_secret);
        mg_buf_puts(b, "</code></p></div>\n");
    }
    if (v->ntokens == 0) {
        mg_buf_puts(b, "<p>Aucun jeton pour l'instant.</p>\n");
    } else {
        mg_buf_puts(b, "<table><caption>Vos jetons</caption><thead><tr>"
                       "<th scope=\"col\">Nom</th><th scope=\"col\">Créé le</th>"
                       "<th scope=\"col\">Dernière utilisation</th><th scope=\"col\">État"
                       "</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < v->ntokens; k++)
            render_token_row(b, ctx, &v->tokens[k]);
        mg_buf_puts(b, "</tbody></table>\n");
    }
    mg_buf_puts(b, "<h3>Nouveau jeton</h3>\n");
    web_form_render(b, &token_form, v->token, "post", "/compte/jetons", NULL, web_csrf(ctx));
    mg_buf_puts(b, "</section>\n");
}

static void render_account(web_ctx *ctx, const account_view *v)
{
    mg_buf *b = &ctx->res->body;
    const mg_auth_actor *a = ctx->actor;
    web_page_begin(b, ctx, "Mon compte", NULL);
    mg_buf_puts(b, "<h1>Mon compte</h1>\n");
    if (ctx->enrol_required)
        mg_buf_puts(b, "<div class=\"must\" role=\"alert\"><h2>Activez d'abord la double "
                       "authentification</h2>\n<p>Votre rôle demande un second facteur : "
                       "tant qu'il n'est pas activé, les autres pages de la plateforme vous "
                       "restent fermées.</p>\n<p><a href=\"/compte/double-facteur\">Activer la "
                       "double authentification</a></p></div>\n");
    if (v->notice != WEB_MSG_COUNT)
        web_notice(b, v->notice);
    render_identity(b, a);
    render_memberships(b, a);
    render_second_factor(b, a);
    /* Until enrolled, the password and token forms would only lead back to
     * enrolment (their routes are closed to such a session): not shown. */
    if (!ctx->enrol_required) {
        render_password(b, ctx, v);
        render_tokens(b, ctx, v);
    }
    web_page_end(b);
}

/* Reads the account's tokens into v and draws the page; answers a storage
 * failure itself. */
static int show_account(web_ctx *ctx, account_view *v)
{
    if (!ctx->enrol_required) {
        mg_diag d = {{0}};
        int rc = mg_auth_api_token_list(ctx->app->db, ctx->actor->account_id, &v->tokens,
                                        &v->ntokens, &d);
        if (rc) {
            web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_TOKEN_LIST_FAILED);
            return MG_OK;
        }
    }
    render_account(ctx, v);
    free(v->tokens);
    v->tokens = NULL;
    return web_done(ctx);
}

static int account_page(web_ctx *ctx)
{
    account_view v = {.notice = done_notice(ctx->req)};
    return show_account(ctx, &v);
}

static int password_post(web_ctx *ctx)
{
    if (by_token(ctx))
        return MG_OK;
    web_form_input in;
    web_form_read(&password_form, ctx->req, &in);
    if (!confirmed(&in, PW_NEW, PW_CONFIRM) || in.nerrors) {
        ctx->res->status = 422;
        return show_account(ctx, &(account_view){.password = &in, .notice = WEB_MSG_COUNT});
    }
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int rc = mg_auth_password_change(ctx->app->db, ctx->actor->account_id, in.raw[PW_CURRENT],
                                     in.raw[PW_NEW], ctx->session, &fe, &d);
    if (rc == MG_EAUTH || rc == MG_EINVAL || fe.field) {
        if (rc == MG_EAUTH && !fe.msg[0])
            web_form_refuse(&in, "current_password", web_msg_fr(WEB_MSG_CURRENT_PASSWORD_WRONG));
        else
            web_refuse_auth(&in, &fe, rc == MG_EAUTH ? "current_password" : "password");
        ctx->res->status = 422;
        return show_account(ctx, &(account_view){.password = &in, .notice = WEB_MSG_COUNT});
    }
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_ACCOUNT_FAILED);
        return MG_OK;
    }
    mg_http_redirect(ctx->res, "/compte?fait=mot-de-passe");
    return MG_OK;
}

static int token_create(web_ctx *ctx)
{
    if (by_token(ctx))
        return MG_OK;
    web_form_input in;
    if (web_form_read(&token_form, ctx->req, &in)) {
        ctx->res->status = 422;
        return show_account(ctx, &(account_view){.token = &in, .notice = WEB_MSG_COUNT});
    }
    char secret[MG_AUTH_API_TOKEN_CHARS + 1];
    int64_t id = 0;
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int rc = mg_auth_api_token_create(ctx->app->db, ctx->actor->account_id, in.raw[TOKEN_NAME],
                                      secret, &id, &fe, &d);
    if (rc == MG_EINVAL || fe.field) {
        web_refuse_auth(&in, &fe, "name");
        ctx->res->status = 422;
        return show_account(ctx, &(account_view){.token = &in, .notice = WEB_MSG_COUNT});
    }
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_ACCOUNT_FAILED);
        return MG_OK;
    }
    /* Drawn here rather than redirected: the secret exists only in this
     * response (the database keeps its hash), so it is shown this once. */
    return show_account(ctx, &(account_view){.new_secret = secret, .new_name = in.raw[TOKEN_NAME],
                                             .notice = WEB_MSG_COUNT});
}

static int token_revoke(web_ctx *ctx)
{
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "id"), INT64_MAX, &id, NULL)) {
        web_fail(ctx, 404, WEB_MSG_TOKEN_NOT_FOUND);
        return MG_OK;
    }
    mg_diag d = {{0}};
    int rc = mg_auth_api_token_revoke(ctx->app->db, ctx->actor->account_id, id, &d);
    if (rc) {
        /* Another account's token is "not found", as one that never was. */
        web_fail_storage(ctx, rc, &d, WEB_MSG_TOKEN_NOT_FOUND, WEB_MSG_ACCOUNT_FAILED);
        return MG_OK;
    }
    mg_http_redirect(ctx->res, "/compte?fait=jeton-revoque");
    return MG_OK;
}

/* --- Second factor ------------------------------------------------------------------ */

static void render_totp_intro(mg_buf *b, web_ctx *ctx)
{
    web_page_begin(b, ctx, "Double authentification", NULL);
    mg_buf_puts(b, "<h1>Double authentification</h1>\n");
    if (ctx->enrol_required)
        mg_buf_puts(b, "<p class=\"must\" role=\"alert\">Votre rôle demande un second "
                       "facteur : activez-le pour accéder à la plateforme.</p>\n");
}

/* The button that begins enrolment (a new secret is made: a POST). */
static void render_begin_button(mg_buf *b, web_ctx *ctx, const char *label)
{
    mg_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"/compte/double-facteur/debut\">");
    web_csrf_field(b, ctx);
    mg_buf_puts(b, "<button type=\"submit\">");
    mg_html_text(b, label);
    mg_buf_puts(b, "</button></form>\n");
}

static int totp_page(web_ctx *ctx)
{
    mg_buf *b = &ctx->res->body;
    render_totp_intro(b, ctx);
    if (ctx->actor->totp_enabled) {
        mg_buf_puts(b, "<p>La double authentification est <strong>activée</strong> sur votre "
                       "compte.</p>\n<p><a href=\"/compte\">Retour à mon compte</a></p>\n");
        web_page_end(b);
        return web_done(ctx);
    }
    mg_buf_puts(b, "<p>À chaque connexion, en plus de votre mot de passe, un code à 6 chiffres "
                   "vous sera demandé. Ce code est donné par une application d'authentification "
                   "installée sur votre téléphone (FreeOTP, Aegis, Google Authenticator, "
                   "Microsoft Authenticator…) et change toutes les 30 secondes.</p>\n"
                   "<ol><li>Installez une de ces applications si vous n'en avez pas.</li>"
                   "<li>Cliquez sur « Commencer » : une clé secrète s'affiche.</li>"
                   "<li>Saisissez cette clé dans l'application, puis le code qu'elle "
                   "affiche.</li></ol>\n");
    render_begin_button(b, ctx, "Commencer");
    web_page_end(b);
    return web_done(ctx);
}

/* The secret as it is typed into an app: groups of 4 characters. */
static void grouped(char *out, size_t cap, const char *secret)
{
    size_t o = 0;
    for (size_t i = 0; secret[i] && o + 2 < cap; i++) {
        if (i && i % 4 == 0)
            out[o++] = ' ';
        out[o++] = secret[i];
    }
    out[o] = '\0';
}

static void render_enrolment(web_ctx *ctx, const char *secret, const char *uri,
                             const web_form_input *in)
{
    mg_buf *b = &ctx->res->body;
    render_totp_intro(b, ctx);
    if (secret) {
        char groups[MG_AUTH_TOTP_SECRET_CHARS + MG_AUTH_TOTP_SECRET_CHARS / 4 + 1];
        grouped(groups, sizeof groups, secret);
        mg_buf_puts(b, "<p>Dans votre application d'authentification, ajoutez un compte en "
                       "saisissant cette clé à la main (type « basé sur le temps », 6 "
                       "chiffres, 30 secondes) :</p>\n<p class=\"key\"><code>");
        mg_html_text(b, groups);
        mg_buf_puts(b, "</code></p>\n<p>Les espaces ne comptent pas. Une application qui lit "
                       "les adresses <code>otpauth://</code> (gestionnaire de mots de passe) "
                       "peut aussi prendre celle-ci :</p>\n<p><code class=\"uri\">");
        mg_html_text(b, uri);
        mg_buf_puts(b, "</code></p>\n<p>Gardez cette clé pour vous : elle ne sera plus "
                       "affichée.</p>\n<p>Saisissez ensuite le code que l'application "
                       "affiche :</p>\n");
    } else {
        mg_buf_puts(b, "<p>Saisissez le code affiché par l'application pour la clé que vous "
                       "venez d'y enregistrer. Si vous n'avez pas pu enregistrer la clé, "
                       "recommencez avec une nouvelle clé.</p>\n");
    }
    web_form_render(b, &code_form, in, "post", "/compte/double-facteur", NULL, web_csrf(ctx));
    if (!secret)
        render_begin_button(b, ctx, "Recommencer avec une nouvelle clé");
    web_page_end(b);
}

static int totp_begin(web_ctx *ctx)
{
    if (by_token(ctx))
        return MG_OK;
    if (ctx->actor->totp_enabled) {
        web_fail(ctx, 409, WEB_MSG_TOTP_ALREADY);
        return MG_OK;
    }
    char secret[MG_AUTH_TOTP_SECRET_CHARS + 1];
    char uri[TOTP_URI_MAX];
    mg_diag d = {{0}};
    int rc = mg_auth_totp_begin(ctx->app->db, ctx->actor->account_id, secret, uri, sizeof uri, &d);
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_ACCOUNT_FAILED);
        return MG_OK;
    }
    render_enrolment(ctx, secret, uri, NULL);
    return web_done(ctx);
}

static int totp_confirm(web_ctx *ctx)
{
    if (by_token(ctx))
        return MG_OK;
    if (ctx->actor->totp_enabled) {
        web_fail(ctx, 409, WEB_MSG_TOTP_ALREADY);
        return MG_OK;
    }
    web_form_input in;
    if (web_form_read(&code_form, ctx->req, &in)) {
        ctx->res->status = 422;
        render_enrolment(ctx, NULL, NULL, &in);
        return web_done(ctx);
    }
    mg_diag d = {{0}};
    int rc = mg_auth_totp_confirm(ctx->app->db, ctx->actor->account_id, in.raw[CODE_CODE],
                                  (int64_t)time(NULL), &d);
    /* MG_EINVAL: no enrolment begun, or a code that is not 6 digits: to the
     * person, a code that does not work either way. */
    if (rc == MG_EAUTH || rc == MG_EINVAL) {
        web_form_refuse(&in, "code", web_msg_fr(WEB_MSG_TOTP_CODE_WRONG));
        ctx->res->status = 422;
        render_enrolment(ctx, NULL, NULL, &in);
        return web_done(ctx);
    }
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_ACCOUNT_FAILED);
        return MG_OK;
    }
    mg_http_redirect(ctx->res, "/compte?fait=double-facteur");
    return MG_OK;
}

/* --- Forgotten password ------------------------------------------------------------- */

static void render_forgot(web_ctx *ctx, const web_form_input *in, const char *message)
{
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Mot de passe oublié", NULL);
    mg_buf_puts(b, "<h1>Mot de passe oublié</h1>\n");
    if (message) {
        mg_buf_puts(b, "<p class=\"error\" role=\"alert\">");
        mg_html_text(b, message);
        mg_buf_puts(b, "</p>\n");
    }
    mg_buf_puts(b, "<p>Donnez l'adresse e-mail de votre compte : vous recevrez un lien pour "
                   "choisir un nouveau mot de passe.</p>\n");
    web_form_render(b, &forgot_form, in, "post", "/mot-de-passe/oubli", NULL, web_csrf(ctx));
    mg_buf_puts(b, "<p><a href=\"/connexion\">Retour à la connexion</a></p>\n");
    web_page_end(b);
}

static int forgot_page(web_ctx *ctx)
{
    render_forgot(ctx, NULL, NULL);
    return web_done(ctx);
}

static int forgot_post(web_ctx *ctx)
{
    web_form_input in;
    if (web_form_read(&forgot_form, ctx->req, &in)) {
        ctx->res->status = 422;
        render_forgot(ctx, &in, NULL);
        return web_done(ctx);
    }
    int64_t retry = 0;
    mg_diag d = {{0}};
    int rc = mg_auth_reset_request(ctx->app->db, in.raw[FORGOT_EMAIL], web_public_base(ctx),
                                   mg_http_client_address(ctx->req), (int64_t)time(NULL), &retry,
                                   &d);
    if (rc == MG_ETHROTTLE) {
        throttled(ctx, retry);
        render_forgot(ctx, &in, web_msg_fr(WEB_MSG_RESET_THROTTLED));
        return web_done(ctx);
    }
    if (rc == MG_EINVAL) {
        /* An address that cannot be one says nothing about who has an account. */
        web_form_refuse(&in, "email", web_msg_fr(WEB_MSG_EMAIL_INVALID));
        ctx->res->status = 422;
        render_forgot(ctx, &in, NULL);
        return web_done(ctx);
    }
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_ACCOUNT_FAILED);
        return MG_OK;
    }
    /* The same page whether the address has an account or not. */
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Mot de passe oublié", NULL);
    mg_buf_puts(b, "<h1>Mot de passe oublié</h1>\n");
    web_notice(b, WEB_MSG_RESET_SENT);
    mg_buf_puts(b, "<p>Pensez à regarder dans les courriels indésirables. "
                   "<a href=\"/connexion\">Retour à la connexion</a></p>\n");
    web_page_end(b);
    return web_done(ctx);
}

/* --- The page of a reset or invitation link --------------------------------------- */

/* A link unknown, used or expired: 410, and the way to ask for another. */
static int link_gone(web_ctx *ctx)
{
    mg_buf *b = &ctx->res->body;
    ctx->res->status = 410;
    web_page_begin(b, ctx, "Lien plus valable", NULL);
    mg_buf_puts(b, "<h1>Lien plus valable</h1>\n<p class=\"error\" role=\"alert\">");
    mg_html_text(b, web_msg_fr(WEB_MSG_LINK_INVALID));
    mg_buf_puts(b, "</p>\n<p>Un lien de réinitialisation sert une fois et pendant une heure ; "
                   "une invitation, une fois et pendant sept jours.</p>\n"
                   "<p><a href=\"/mot-de-passe/oubli\">Recevoir un nouveau lien</a> · "
                   "<a href=\"/connexion\">Se connecter</a></p>\n");
    web_page_end(b);
    return web_done(ctx);
}

static void render_new_password(web_ctx *ctx, const web_form_input *in)
{
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Choisir un mot de passe", NULL);
    mg_buf_puts(b, "<h1>Choisir un mot de passe</h1>\n");
    web_form_render(b, &newpw_form, in, "post", "/mot-de-passe/nouveau", NULL, web_csrf(ctx));
    web_page_end(b);
}

/* Whether the link's token may be asked about: present and of the length
 * tokens have (anything else is no link of ours). */
static bool token_shaped(const char *t)
{
    return t && strlen(t) == MG_AUTH_TOKEN_CHARS;
}

static int new_password_page(web_ctx *ctx)
{
    const char *token = mg_http_query(ctx->req, "jeton");
    if (!token_shaped(token))
        return link_gone(ctx);
    mg_diag d = {{0}};
    int rc = mg_auth_link_check(ctx->app->db, token, (int64_t)time(NULL), &d);
    if (rc == MG_EAUTH || rc == MG_EINVAL || rc == MG_ENOTFOUND)
        return link_gone(ctx);
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_ACCOUNT_FAILED);
        return MG_OK;
    }
    web_form_input in = {.form = &newpw_form};
    in.raw[NEWPW_TOKEN] = token;
    render_new_password(ctx, &in);
    return web_done(ctx);
}

static int new_password_post(web_ctx *ctx)
{
    web_form_input in;
    web_form_read(&newpw_form, ctx->req, &in);
    if (!token_shaped(in.raw[NEWPW_TOKEN]))
        return link_gone(ctx);
    if (!confirmed(&in, NEWPW_PASSWORD, NEWPW_CONFIRM) || in.nerrors) {
        ctx->res->status = 422;
        render_new_password(ctx, &in);
        return web_done(ctx);
    }
    int64_t account = 0;
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int rc = mg_auth_link_use(ctx->app->db, in.raw[NEWPW_TOKEN], in.raw[NEWPW_PASSWORD],
                              (int64_t)time(NULL), &account, &fe, &d);
    if (rc == MG_EAUTH || rc == MG_ENOTFOUND)
        return link_gone(ctx);
    if (rc == MG_EINVAL || fe.field) {
        web_refuse_auth(&in, &fe, "password");
        ctx->res->status = 422;
        render_new_password(ctx, &in);
        return web_done(ctx);
    }
    if (rc) {
        web_fail_storage(ctx, rc, &d, WEB_MSG_NOT_FOUND, WEB_MSG_ACCOUNT_FAILED);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Mot de passe enregistré", NULL);
    mg_buf_puts(b, "<h1>Mot de passe enregistré</h1>\n<p class=\"notice\" role=\"status\">"
                   "Votre mot de passe est enregistré. Les sessions ouvertes avec l'ancien "
                   "sont fermées.</p>\n<p><a href=\"/connexion\">Se connecter</a></p>\n");
    web_page_end(b);
    return web_done(ctx);
}

const web_route web_routes_account[] = {
    {"GET", "/compte", account_page, WEB_ACCOUNT, WEB_F_ENROL},
    {"POST", "/compte/mot-de-passe", password_post, WEB_ACCOUNT, 0},
    {"GET", "/compte/double-facteur", totp_page, WEB_ACCOUNT, WEB_F_ENROL},
    {"POST", "/compte/double-facteur/debut", totp_begin, WEB_ACCOUNT, WEB_F_ENROL},
    {"POST", "/compte/double-facteur", totp_confirm, WEB_ACCOUNT, WEB_F_ENROL},
    {"POST", "/compte/jetons", token_create, WEB_ACCOUNT, 0},
    {"POST", "/compte/jetons/{id}/revoquer", token_revoke, WEB_ACCOUNT, 0},
    {"GET", "/mot-de-passe/oubli", forgot_page, WEB_ANYONE, 0},
    {"POST", "/mot-de-passe/oubli", forgot_post, WEB_ANYONE, 0},
    {"GET", "/mot-de-passe/nouveau", new_password_page, WEB_ANYONE, 0},
    {"POST", "/mot-de-passe/nouveau", new_password_post, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
