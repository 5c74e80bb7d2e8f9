/*
 * The French messages of the auth module: password reset, invitation (with
 * a link, or to an existing account), registration acknowledged,
 * organisation confirmed. Plain text filled by mg_mail_render and queued
 * in the caller's transaction, so that a message exists only if the
 * change that causes it commits.
 */
#include <stdio.h>
#include <stdlib.h>

#include "auth/internal.h"
#include "mail/mail.h"

static const char RESET_SUBJECT[] = "Choisir un nouveau mot de passe sur maillage";
static const char RESET_BODY[] =
    "Bonjour {{nom}},\n"
    "\n"
    "Une demande de nouveau mot de passe a été faite pour votre compte maillage\n"
    "({{adresse}}).\n"
    "\n"
    "Pour choisir votre nouveau mot de passe, ouvrez ce lien dans votre navigateur :\n"
    "{{lien}}\n"
    "\n"
    "Ce lien est valable 1 heure et ne sert qu'une fois. Si vous n'avez rien\n"
    "demandé, ignorez ce message : votre mot de passe actuel reste valable.\n"
    "\n"
    "Bien cordialement,\n"
    "maillage\n";

static const char INVITATION_SUBJECT[] = "Invitation à rejoindre maillage";
static const char INVITATION_BODY[] =
    "Bonjour {{nom}},\n"
    "\n"
    "Vous êtes invité(e) à rejoindre l'organisation « {{organisation}} »\n"
    "sur maillage, avec le rôle « {{role}} ».\n"
    "\n"
    "Pour activer votre compte, choisissez votre mot de passe en ouvrant ce lien :\n"
    "{{lien}}\n"
    "\n"
    "Ce lien est valable 7 jours et ne sert qu'une fois. Si vous ne connaissez pas\n"
    "cette organisation, ignorez ce message.\n"
    "\n"
    "Bien cordialement,\n"
    "maillage\n";

static const char ADDED_SUBJECT[] = "Vous avez rejoint une organisation sur maillage";
static const char ADDED_BODY[] =
    "Bonjour {{nom}},\n"
    "\n"
    "Vous avez été ajouté(e) à l'organisation « {{organisation}} »\n"
    "sur maillage, avec le rôle « {{role}} ».\n"
    "\n"
    "Vous n'avez rien d'autre à faire : connectez-vous comme d'habitude pour y\n"
    "accéder :\n"
    "{{site}}\n"
    "\n"
    "Bien cordialement,\n"
    "maillage\n";

static const char REGISTERED_SUBJECT[] = "Votre inscription sur maillage est enregistrée";
static const char REGISTERED_BODY[] =
    "Bonjour {{nom}},\n"
    "\n"
    "Nous avons bien reçu l'inscription de « {{organisation}} » sur maillage.\n"
    "\n"
    "Un administrateur de la plateforme va la vérifier, et vous recevrez un message\n"
    "dès qu'elle sera confirmée. D'ici là, vous pouvez vous connecter, mais pas\n"
    "encore agir au nom de votre organisation :\n"
    "{{site}}\n"
    "\n"
    "Bien cordialement,\n"
    "maillage\n";

static const char CONFIRMED_SUBJECT[] = "Votre organisation est confirmée sur maillage";
static const char CONFIRMED_BODY[] =
    "Bonjour {{nom}},\n"
    "\n"
    "L'organisation « {{organisation}} » est désormais confirmée sur maillage :\n"
    "ses membres peuvent y travailler.\n"
    "\n"
    "Connectez-vous pour commencer :\n"
    "{{site}}\n"
    "\n"
    "Bien cordialement,\n"
    "maillage\n";

/* Fills tmpl with keys[i] → values[i] and queues it to `to`. */
static int send(mg_db_conn *c, const char *to, const char *subject, const char *tmpl,
                const char *const *keys, const char *const *values, size_t n, mg_diag *d)
{
    char *body = NULL;
    int rc = mg_mail_render(tmpl, keys, values, n, &body, d);
    if (rc == 0)
        rc = mg_mail_enqueue(c, to, subject, body, NULL, d);
    free(body);
    return rc;
}

/* A one-time link: the site, the page that sets a password, the token. */
static void link_of(const char *public_url, const char *token, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s?jeton=%s", public_url, AUTH_PATH_NEW_PASSWORD, token);
}

enum { LINK_MAX = AUTH_PUBLIC_URL_MAX_BYTES + 64 + MG_AUTH_TOKEN_CHARS };

int auth_mail_reset(mg_db_conn *c, const char *to, const char *display_name,
                    const char *public_url, const char *token, mg_diag *d)
{
    char link[LINK_MAX];
    link_of(public_url, token, link, sizeof link);
    const char *keys[] = {"nom", "adresse", "lien"};
    const char *values[] = {display_name, to, link};
    return send(c, to, RESET_SUBJECT, RESET_BODY, keys, values, 3, d);
}

int auth_mail_invitation(mg_db_conn *c, const char *to, const char *display_name,
                         const char *org_name, mg_auth_role role, const char *public_url,
                         const char *token, mg_diag *d)
{
    char link[LINK_MAX];
    link_of(public_url, token, link, sizeof link);
    const char *keys[] = {"nom", "organisation", "role", "lien"};
    const char *values[] = {display_name, org_name, mg_auth_role_label(role), link};
    return send(c, to, INVITATION_SUBJECT, INVITATION_BODY, keys, values, 4, d);
}

int auth_mail_added(mg_db_conn *c, const char *to, const char *display_name,
                    const char *org_name, mg_auth_role role, const char *public_url,
                    mg_diag *d)
{
    char site[LINK_MAX];
    snprintf(site, sizeof site, "%s%s", public_url, AUTH_PATH_LOGIN);
    const char *keys[] = {"nom", "organisation", "role", "site"};
    const char *values[] = {display_name, org_name, mg_auth_role_label(role), site};
    return send(c, to, ADDED_SUBJECT, ADDED_BODY, keys, values, 4, d);
}

int auth_mail_registered(mg_db_conn *c, const char *to, const char *display_name,
                         const char *org_name, const char *public_url, mg_diag *d)
{
    char site[LINK_MAX];
    snprintf(site, sizeof site, "%s%s", public_url, AUTH_PATH_LOGIN);
    const char *keys[] = {"nom", "organisation", "site"};
    const char *values[] = {display_name, org_name, site};
    return send(c, to, REGISTERED_SUBJECT, REGISTERED_BODY, keys, values, 3, d);
}

int auth_mail_confirmed(mg_db_conn *c, const char *to, const char *display_name,
                        const char *org_name, const char *public_url, mg_diag *d)
{
    char site[LINK_MAX];
    snprintf(site, sizeof site, "%s%s", public_url, AUTH_PATH_LOGIN);
    const char *keys[] = {"nom", "organisation", "site"};
    const char *values[] = {display_name, org_name, site};
    return send(c, to, CONFIRMED_SUBJECT, CONFIRMED_BODY, keys, values, 3, d);
}
