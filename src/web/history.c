/*
 * The history section of an object's page (web.h, web_history): the
 * entries of the audit trail (audit/audit.h) about the object, newest
 * first, a page at a time (?historique=N), each with when, who, what was
 * done and the fields changed with their values before and after.
 *
 * The section is drawn inside a page whose handler has already decided
 * that the actor may see the object; what the section decides itself is
 * whose e-mail address it may show (mg_auth_can on the account).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/utf8.h"
#include "parse/parse.h"
#include "web/messages.h"
#include "web/web.h"

/* Entries on one page of the history. */
#define HISTORY_PAGE_SIZE 20
/* A value longer than this (in bytes) is cut, at a character boundary:
 * the history says what changed; the object's page shows it whole. */
#define VALUE_SHOWN_BYTES 240

/* The verbs of the audit trail in French; an unknown one is shown as stored. */
static const struct {
    const char *key;
    const char *fr;
} verbs[] = {
    {"create", "Création"},
    {"update", "Modification"},
    {"delete", "Suppression"},
    {"confirm", "Confirmation"},
    {"invite", "Invitation"},
    {"register", "Inscription"},
    {"revoke", "Révocation"},
    {"share", "Partage par lien"},
    {"unshare", "Fin du partage par lien"},
    {"approve", "Approbation"},
    {"reject", "Refus"},
    {"password_change", "Changement du mot de passe"},
    {"password_set", "Choix du mot de passe par un lien"},
    {"totp_begin", "Début de l'activation de la double authentification"},
    {"totp_enable", "Activation de la double authentification"},
    {"accept", "Acceptation"},
    {"dismiss", "Rejet de la proposition"},
    {"attendance", "Présence"},
    {"minutes", "Compte rendu"},
    {"add_participant", "Ajout d'un participant"},
    {"remove_participant", "Retrait d'un participant"},
    /* The single window (issue 16). */
    {"file", "Dépôt"},
    {"renew", "Renouvellement"},
    {"attach", "Ajout d'une pièce"},
    {"detach", "Retrait d'une pièce"},
    {"route", "Orientation vers les cofinanceurs"},
    {"add_funder", "Ajout d'un cofinanceur"},
    {"opinion", "Avis"},
    {"question", "Question au demandeur"},
    {"answer", "Réponse du demandeur"},
    {"decide", "Décision"},
    {"message", "Message"},
    {"outcome", "Avis de la commission"},
    {"pay", "Versement"},
    {"agreement", "Convention"},
    {"save_report", "Compte rendu enregistré"},
    {"file_report", "Compte rendu déposé"},
    {"remind", "Relance"},
    {"feed", "Ligne alimentée par une subvention"},
};

static const char *verb_fr(const char *verb)
{
    for (size_t k = 0; k < sizeof verbs / sizeof *verbs; k++)
        if (verb && strcmp(verb, verbs[k].key) == 0)
            return verbs[k].fr;
    return verb ? verb : "";
}

/* "2026-12-05T14:03:07.123Z" as "5 décembre 2026 à 14 h 03 UTC" (the
 * trail keeps UTC; saying so is simpler than guessing the reader's zone).
 * Anything else is shown as it is. */
static void put_when(mg_buf *b, const char *iso)
{
    static const char *const months[12] = {"janvier", "février", "mars",      "avril",
                                           "mai",     "juin",    "juillet",   "août",
                                           "septembre", "octobre", "novembre", "décembre"};
    int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0;
    bool ok = strlen(iso) >= 16 && iso[4] == '-' && iso[7] == '-' && iso[10] == 'T' &&
              iso[13] == ':' && !mg_parse_c_int(iso, 4, 1, 9999, &y, NULL) &&
              !mg_parse_c_int(iso + 5, 2, 1, 12, &mo, NULL) &&
              !mg_parse_c_int(iso + 8, 2, 1, 31, &d, NULL) &&
              !mg_parse_c_int(iso + 11, 2, 0, 23, &h, NULL) &&
              !mg_parse_c_int(iso + 14, 2, 0, 59, &mi, NULL);
    mg_buf_puts(b, "<time datetime=\"");
    mg_html_attr(b, iso);
    mg_buf_puts(b, "\">");
    if (ok)
        mg_html_printf(b, "%d%s %s %d à %d h %02d UTC", (int)d, d == 1 ? "er" : "",
                       months[mo - 1], (int)y, (int)h, (int)mi);
    else
        mg_html_text(b, iso);
    mg_buf_puts(b, "</time>");
}

/* The e-mail addresses of the accounts named on one page, read once each. */
typedef struct who_cache {
    int64_t id[HISTORY_PAGE_SIZE];
    char email[HISTORY_PAGE_SIZE][MG_AUTH_EMAIL_MAX_BYTES + 1]; /* "" when unreadable */
    size_t n;
    mg_auth_actor *scratch; /* one actor, loaded in turn */
} who_cache;

static const char *cached_email(web_ctx *ctx, who_cache *c, int64_t account_id)
{
    for (size_t k = 0; k < c->n; k++)
        if (c->id[k] == account_id)
            return c->email[k];
    if (c->n == HISTORY_PAGE_SIZE)
        return "";
    if (!c->scratch && !(c->scratch = malloc(sizeof *c->scratch)))
        return "";
    mg_diag d = {{0}};
    size_t k = c->n++;
    c->id[k] = account_id;
    c->email[k][0] = '\0';
    if (mg_auth_actor_load(ctx->app->db, account_id, c->scratch, &d) == MG_OK)
        memcpy(c->email[k], c->scratch->email, sizeof c->email[k]);
    return c->email[k];
}

/* Who made the change: the account's address to those who may see the
 * account, a description to others. */
static void put_who(mg_buf *b, web_ctx *ctx, who_cache *c, const mg_audit_record *r)
{
    if (r->account_id == 0) {
        mg_buf_puts(b, "l'exploitant (ligne de commande)");
        return;
    }
    mg_auth_object o = {.type = MG_AUTH_OBJ_ACCOUNT, .organisation_id = r->organisation_id,
                        .account_id = r->account_id};
    const mg_auth_actor *a = ctx->actor->account_id > 0 ? ctx->actor : NULL;
    const char *email =
        mg_auth_can(a, MG_AUTH_VIEW, &o) == MG_AUTH_ALLOW ? cached_email(ctx, c, r->account_id) : "";
    if (email[0])
        mg_html_text(b, email);
    else
        mg_buf_puts(b, r->organisation_id ? "un membre de l'organisation" : "un compte de la plateforme");
}

/* A value before or after: "—" for none, cut past VALUE_SHOWN_BYTES. */
static void put_value(mg_buf *b, const char *v)
{
    if (!v) {
        mg_buf_puts(b, "<span class=\"muted\">—</span>");
        return;
    }
    size_t n = strlen(v);
    if (n <= VALUE_SHOWN_BYTES) {
        mg_html_text(b, v);
        return;
    }
    size_t keep = mg_utf8_prefix(v, VALUE_SHOWN_BYTES);
    mg_html_printf(b, "%.*s…", (int)keep, v);
    mg_buf_printf(b, " <span class=\"note\">(%zu octets en tout)</span>", n);
}

static void put_entry(mg_buf *b, web_ctx *ctx, who_cache *c, const mg_audit_record *r)
{
    mg_buf_puts(b, "<li><p>");
    put_when(b, r->created_at);
    mg_buf_puts(b, " — <strong>");
    mg_html_text(b, verb_fr(r->verb));
    mg_buf_puts(b, "</strong> par ");
    put_who(b, ctx, c, r);
    mg_buf_puts(b, "</p>\n");
    if (r->nchanges == 0) {
        mg_buf_puts(b, "</li>\n");
        return;
    }
    mg_buf_puts(b, "<table class=\"changes\"><thead><tr><th scope=\"col\">Champ</th>"
                   "<th scope=\"col\">Avant</th><th scope=\"col\">Après</th></tr></thead>"
                   "<tbody>\n");
    for (size_t k = 0; k < r->nchanges; k++) {
        const mg_audit_change *ch = &r->changes[k];
        mg_buf_puts(b, "<tr><th scope=\"row\"><code>");
        mg_html_text(b, ch->field);
        mg_buf_puts(b, "</code></th>");
        if (ch->personal) {
            /* A personal field is recorded as changed, never with its values. */
            mg_buf_puts(b, "<td colspan=\"2\">modifié</td></tr>\n");
            continue;
        }
        mg_buf_puts(b, "<td>");
        put_value(b, ch->before);
        mg_buf_puts(b, "</td><td>");
        put_value(b, ch->after);
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></li>\n");
}

/* The href of page `page` of the history: a reference made of a query
 * alone keeps the page's own path (RFC 3986, 5.2.2), whatever the object's
 * page is, and drops the rest of its query (a notice of a past action). */
static void history_href(mg_buf *b, const void *state, size_t page)
{
    (void)state;
    mg_buf_printf(b, "?historique=%zu#historique", page);
}

/* A sentence in place of the list (a page that is not, a read that failed). */
static void history_message(mg_buf *b, web_msg m)
{
    mg_buf_puts(b, "<p class=\"error\">");
    mg_html_text(b, web_msg_fr(m));
    mg_buf_puts(b, "</p>\n</section>\n");
}

void web_history(mg_buf *b, web_ctx *ctx, const char *object_type, int64_t object_id)
{
    mg_buf_puts(b, "<section aria-labelledby=\"historique\"><h2 id=\"historique\">Historique"
                   "</h2>\n");
    size_t page = 0;
    if (web_page_param(ctx->req, "historique", &page)) {
        /* The page around is drawn already: it stays, with the list's 404. */
        ctx->res->status = 404;
        history_message(b, WEB_MSG_HISTORY_PAGE);
        return;
    }
    mg_audit_record *recs = NULL;
    size_t n = 0, total = 0;
    mg_diag d = {{0}};
    /* An organisation's history includes its memberships (invitations,
     * roles given), which are recorded under the account's id. */
    const char *members = strcmp(object_type, "organisation") == 0 ? "membership" : NULL;
    int rc = mg_audit_history_with(ctx->app->db, object_type, object_id, members,
                                   (page - 1) * HISTORY_PAGE_SIZE, HISTORY_PAGE_SIZE, &recs, &n,
                                   &total, &d);
    if (rc) {
        /* The rest of the page is worth having: the section says the
         * history could not be read, and the operator's log says why. */
        snprintf(ctx->res->log_detail, sizeof ctx->res->log_detail, "history: %.1000s",
                 d.msg[0] ? d.msg : mg_strerror(rc));
        history_message(b, WEB_MSG_HISTORY_FAILED);
        return;
    }
    web_pager pg;
    if (web_paginate(total, page, HISTORY_PAGE_SIZE, &pg)) {
        mg_audit_records_free(recs, n);
        ctx->res->status = 404;
        history_message(b, WEB_MSG_HISTORY_PAGE);
        return;
    }
    if (total == 0) {
        mg_buf_puts(b, "<p>Aucune modification enregistrée.</p>\n</section>\n");
        mg_audit_records_free(recs, n);
        return;
    }
    mg_buf_puts(b, "<p class=\"note\">Les heures sont données en temps universel (UTC). Les "
                   "données personnelles (adresses, noms de personnes) sont notées "
                   "« modifié », sans leur valeur.</p>\n<ol class=\"history\">\n");
    who_cache cache = {.n = 0};
    for (size_t k = 0; k < n; k++)
        put_entry(b, ctx, &cache, &recs[k]);
    mg_buf_puts(b, "</ol>\n");
    free(cache.scratch);
    mg_audit_records_free(recs, n);
    web_pager_nav(b, &pg, "Pagination de l'historique", history_href, NULL);
    mg_buf_puts(b, "</section>\n");
}
