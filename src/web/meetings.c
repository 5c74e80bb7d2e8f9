/*
 * The meetings of the local network (issue 14): the meetings an
 * organisation organises (list and creation), a meeting's page (details,
 * invited structures found by a directory search, attendance, minutes),
 * the minutes as a PDF and the contacts of the invited structures for an
 * invitation (/reseau/reunions…).
 *
 * A meeting belongs to the organisation that organises it: mg_auth_can on
 * MG_AUTH_OBJ_MEETING with that organisation decides (its readers see it,
 * its managers and contributors change it; another organisation's meeting
 * answers as one that does not exist). The store (directory/directory.h)
 * owns the SQL and audits every change.
 *
 * The minutes are typed in the page (the HTTP layer takes no file upload):
 * stored as UTF-8 text (text/plain) with mg_dir_meeting_minutes_set, and
 * drawn as an A4 PDF by the document module on download.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "directory/directory.h"
#include "doc/doc.h"
#include "parse/parse.h"
#include "web/form.h"
#include "web/web.h"

#define NFIELDS(a) (sizeof(a) / sizeof *(a))

/* Minutes typed in the page, in characters. */
#define MINUTES_MAX_CHARS 50000
/* Structures offered by the invitation search at once. */
#define INVITE_SEARCH_MAX 20

static const char NOT_FOUND_FR[] = "Cette réunion n'existe pas.";
static const char READ_FAILED_FR[] = "La réunion n'a pas pu être lue. Réessayez dans un instant.";
static const char SAVE_FAILED_FR[] =
    "La modification n'a pas pu être enregistrée. Réessayez dans un instant.";
static const char MINUTES_MEDIA_TYPE[] = "text/plain; charset=utf-8";

static mg_auth_object meeting_object(int64_t organisation_id)
{
    return (mg_auth_object){.type = MG_AUTH_OBJ_MEETING, .organisation_id = organisation_id};
}

static bool present(const char *s)
{
    return s && *s;
}

/* The organiser's name as the actor's membership names it ("" when the
 * actor is not a member: then it may not see the meeting anyway). */
static const char *org_name(const web_ctx *ctx, int64_t org)
{
    for (size_t k = 0; k < ctx->actor->nm && k < MG_AUTH_MEMBERSHIPS_MAX; k++)
        if (ctx->actor->m[k].organisation_id == org)
            return ctx->actor->m[k].org_name;
    return "";
}

/* "2026-12-05 14:30" as "5 décembre 2026 à 14 h 30". */
static void held_on_fr(char *out, size_t cap, const char *held_on)
{
    static const char *const months[] = {"janvier", "février", "mars",      "avril",
                                         "mai",     "juin",    "juillet",   "août",
                                         "septembre", "octobre", "novembre", "décembre"};
    /* "YYYY-MM-DD HH:MM", digit by digit. */
    static const char shape[] = "dddd-dd-dd dd:dd";
    bool ok = strlen(held_on) == sizeof shape - 1;
    for (size_t k = 0; ok && k < sizeof shape - 1; k++)
        ok = shape[k] == 'd' ? held_on[k] >= '0' && held_on[k] <= '9' : held_on[k] == shape[k];
#define DIGITS2(p) (((p)[0] - '0') * 10 + ((p)[1] - '0'))
    int y = ok ? DIGITS2(held_on) * 100 + DIGITS2(held_on + 2) : 0;
    int mo = ok ? DIGITS2(held_on + 5) : 0, d = ok ? DIGITS2(held_on + 8) : 0;
    int h = ok ? DIGITS2(held_on + 11) : 0, mi = ok ? DIGITS2(held_on + 14) : 0;
#undef DIGITS2
    if (ok && mo >= 1 && mo <= 12)
        snprintf(out, cap, "%d %s %d à %d h %02d", d, months[mo - 1], y, h, mi);
    else
        snprintf(out, cap, "%s", held_on);
}

static const char *attendance_fr(int attended)
{
    return attended > 0 ? "présente" : attended == 0 ? "absente" : "non renseignée";
}

/* --- Forms ------------------------------------------------------------------------ */

/* The organisations where the actor may organise a meeting. */
static int organiser_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const web_ctx *ctx = options_ctx;
    const mg_auth_actor *a = ctx->actor;
    int rc = MG_OK;
    for (size_t k = 0; rc == MG_OK && k < a->nm && k < MG_AUTH_MEMBERSHIPS_MAX; k++) {
        mg_auth_object o = meeting_object(a->m[k].organisation_id);
        if (!web_can(ctx, MG_AUTH_CREATE, &o))
            continue;
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)a->m[k].organisation_id);
        rc = mg_html_option(b, id, a->m[k].org_name, selected && strcmp(selected, id) == 0);
    }
    return rc;
}

enum { MT_ORG, MT_DATE, MT_TIME, MT_PLACE, MT_THEME };
static const web_field meeting_fields[] = {
    [MT_ORG] = {.name = "organisation", .label = "Organisée par", .kind = WEB_FIELD_SELECT,
                .required = true, .options_fn = organiser_options},
    [MT_DATE] = {.name = "date", .label = "Date", .kind = WEB_FIELD_TEXT, .required = true,
                 .max = 10, .hint = "Par exemple 2027-03-15 ou 15/03/2027.",
                 .input_type = "date"},
    [MT_TIME] = {.name = "heure", .label = "Heure", .kind = WEB_FIELD_TEXT, .required = true,
                 .max = 5, .hint = "Heure locale, par exemple 14:30.", .input_type = "time"},
    [MT_PLACE] = {.name = "lieu", .label = "Lieu", .kind = WEB_FIELD_TEXT, .required = true,
                  .max = 200},
    [MT_THEME] = {.name = "theme", .label = "Thème", .kind = WEB_FIELD_TEXT, .required = true,
                  .max = 200},
};
static const web_form meeting_form = {"reunion", meeting_fields, NFIELDS(meeting_fields),
                                      "Créer la réunion", NULL};

/* "HH:MM" (00:00 to 23:59): minutes of the day, or -1. */
static int parse_hhmm(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int k = 0; k < 5; k++)
        if (k != 2 && (s[k] < '0' || s[k] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    return h < 24 && m < 60 ? h * 60 + m : -1;
}

/* --- The list and the creation ------------------------------------------------------ */

static int cmp_meeting_desc(const void *x, const void *y)
{
    const mg_dir_meeting *a = x, *b = y;
    int c = strcmp(b->held_on, a->held_on);
    return c ? c : (b->id > a->id) - (b->id < a->id);
}

static void render_list(web_ctx *ctx, const web_form_input *create)
{
    mg_buf *b = &ctx->res->body;
    int64_t orgs[MG_AUTH_MEMBERSHIPS_MAX];
    size_t norgs = mg_auth_orgs_where(ctx->actor, MG_AUTH_VIEW, MG_AUTH_OBJ_MEETING, orgs,
                                      MG_AUTH_MEMBERSHIPS_MAX);
    int64_t creators[MG_AUTH_MEMBERSHIPS_MAX];
    size_t ncreators = mg_auth_orgs_where(ctx->actor, MG_AUTH_CREATE, MG_AUTH_OBJ_MEETING,
                                          creators, MG_AUTH_MEMBERSHIPS_MAX);
    mg_dir_meeting *all = NULL;
    size_t nall = 0;
    bool failed = false;
    for (size_t k = 0; k < norgs; k++) {
        mg_dir_meeting *m = NULL;
        size_t n = 0;
        mg_diag d = {{0}};
        if (mg_dir_meetings(ctx->app->db, orgs[k], &m, &n, &d)) {
            failed = true;
            continue;
        }
        mg_dir_meeting *grown = n ? realloc(all, (nall + n) * sizeof *all) : all;
        if (n && !grown) {
            free(m);
            failed = true;
            continue;
        }
        all = grown;
        if (n)
            memcpy(all + nall, m, n * sizeof *m);
        nall += n;
        free(m);
    }
    if (nall > 1)
        qsort(all, nall, sizeof *all, cmp_meeting_desc);

    web_page_begin(b, ctx, "Réunions du réseau", "reseau");
    mg_buf_puts(b, "<h1>Réunions du réseau</h1>\n<p>Les réunions d'information entre acteurs "
                   "locaux qu'organisent vos organisations : date, lieu, thème, structures "
                   "invitées, présence et compte rendu. Les structures se trouvent dans "
                   "<a href=\"/annuaire\">l'annuaire</a>.</p>\n");
    if (failed)
        mg_buf_puts(b, "<p class=\"notice\" role=\"alert\">Une partie des réunions n'a pas pu "
                       "être lue. Réessayez dans un instant.</p>\n");
    mg_buf_puts(b, "<section aria-labelledby=\"liste\"><h2 id=\"liste\">Réunions</h2>\n");
    if (nall == 0) {
        mg_buf_puts(b, norgs ? "<p>Aucune réunion pour le moment.</p>\n"
                             : "<p>Vous n'êtes membre d'aucune organisation qui puisse "
                               "consulter des réunions.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Réunions organisées par vos "
                       "organisations, des plus récentes aux plus anciennes</caption><thead><tr>"
                       "<th scope=\"col\">Date</th><th scope=\"col\">Thème</th>"
                       "<th scope=\"col\">Lieu</th><th scope=\"col\">Organisée par</th>"
                       "<th scope=\"col\">Compte rendu</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < nall; k++) {
            const mg_dir_meeting *m = &all[k];
            char when[96];
            held_on_fr(when, sizeof when, m->held_on);
            mg_buf_puts(b, "<tr><td>");
            mg_html_text(b, when);
            mg_buf_puts(b, "</td><th scope=\"row\">");
            mg_html_link_id(b, "/reseau/reunions/", m->id, NULL);
            mg_html_text(b, m->theme);
            mg_buf_puts(b, "</a></th><td>");
            mg_html_text(b, m->place);
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, org_name(ctx, m->organisation_id));
            mg_buf_puts(b, m->has_minutes ? "</td><td>oui</td></tr>\n" : "</td><td>non</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    mg_buf_puts(b, "</section>\n");
    if (ncreators) {
        mg_buf_puts(b, "<section aria-labelledby=\"creer\"><h2 id=\"creer\">Organiser une "
                       "réunion</h2>\n");
        web_form_render(b, &meeting_form, create, "post", "/reseau/reunions", ctx,
                        web_csrf(ctx));
        mg_buf_puts(b, "</section>\n");
    }
    web_page_end(b);
    free(all);
}

static int list_page(web_ctx *ctx)
{
    render_list(ctx, NULL);
    return web_done(ctx);
}

static int create_post(web_ctx *ctx)
{
    web_form_input in;
    web_form_read(&meeting_form, ctx->req, &in);
    int64_t org = 0;
    if (!in.error[MT_ORG][0]) {
        mg_auth_object o = meeting_object(0);
        if (mg_parse_id(in.raw[MT_ORG], INT64_MAX, &o.organisation_id, NULL) ||
            !web_can(ctx, MG_AUTH_CREATE, &o))
            web_form_refuse(&in, "organisation", "« Organisée par » : choisissez une de vos "
                                                 "organisations qui peut organiser une "
                                                 "réunion.");
        else
            org = o.organisation_id;
    }
    mg_date day = {0};
    mg_parse_error why = MG_PARSE_OK;
    if (!in.error[MT_DATE][0] && mg_parse_date(in.raw[MT_DATE], &day, &why)) {
        char msg[WEB_FORM_ERROR_SIZE];
        snprintf(msg, sizeof msg, "« Date » %s (attendu : 2027-03-15 ou 15/03/2027).",
                 mg_parse_error_fr(why));
        web_form_refuse(&in, "date", msg);
    }
    int minute = -1;
    if (!in.error[MT_TIME][0] && (minute = parse_hhmm(in.raw[MT_TIME])) < 0)
        web_form_refuse(&in, "heure", "« Heure » : heures et minutes sont attendues, par "
                                      "exemple 14:30.");
    if (in.nerrors == 0) {
        mg_dir_meeting m = {.organisation_id = org};
        /* Through a buffer the compiler can see is large enough: the
         * parsed date's fields are in range (mg_parse_date), which
         * -Wformat-truncation cannot know. */
        char when[48];
        snprintf(when, sizeof when, "%04d-%02d-%02d %02d:%02d", day.year, day.month, day.day,
                 minute / 60, minute % 60);
        snprintf(m.held_on, sizeof m.held_on, "%.16s", when);
        snprintf(m.place, sizeof m.place, "%s", in.raw[MT_PLACE]);
        snprintf(m.theme, sizeof m.theme, "%s", in.raw[MT_THEME]);
        const char *field = NULL;
        mg_diag d = {{0}};
        int rc = mg_dir_meeting_save(ctx->app->db, ctx->actor->account_id, &m, &field, &d);
        if (rc == MG_EINVAL) {
            const char *f = field && strcmp(field, "place") == 0   ? "lieu"
                            : field && strcmp(field, "theme") == 0 ? "theme"
                            : field && strcmp(field, "organisation_id") == 0 ? "organisation"
                                                                              : "date";
            char msg[WEB_FORM_ERROR_SIZE];
            web_sentence(msg, sizeof msg, d.msg[0] ? d.msg : "valeur refusée");
            web_form_refuse(&in, f, msg);
        } else if (rc) {
            web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR, SAVE_FAILED_FR);
            return MG_OK;
        } else {
            char to[64];
            snprintf(to, sizeof to, "/reseau/reunions/%lld", (long long)m.id);
            mg_http_redirect(ctx->res, to);
            return MG_OK;
        }
    }
    ctx->res->status = 422;
    render_list(ctx, &in);
    return web_done(ctx);
}

/* --- A meeting ---------------------------------------------------------------------- */

/* Loads meeting {id} when the actor may `verb` it; false once answered
 * (another organisation's meeting answers as one that does not exist). */
static bool load_meeting(web_ctx *ctx, mg_auth_verb verb, mg_dir_meeting *m)
{
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "id"), INT64_MAX, &id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, NOT_FOUND_FR);
        return false;
    }
    mg_diag d = {{0}};
    int rc = mg_dir_meeting_get(ctx->app->db, id, m, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR, READ_FAILED_FR);
        return false;
    }
    mg_auth_object o = meeting_object(m->organisation_id);
    return web_allow_as(ctx, verb, &o, NOT_FOUND_FR);
}

/* The invitation search: structures of the directory whose name has the
 * words of ?q=, each with an "Inviter" button. */
static void invite_search(mg_buf *b, web_ctx *ctx, const mg_dir_meeting *m,
                          const mg_dir_invitation *inv, size_t ninv, bool may_edit)
{
    const char *q = mg_http_query(ctx->req, "q");
    char path[64];
    snprintf(path, sizeof path, "/reseau/reunions/%lld", (long long)m->id);
    mg_buf_puts(b, "<section aria-labelledby=\"inviter\"><h2 id=\"inviter\">Inviter des "
                   "structures</h2>\n<form class=\"choice\" method=\"get\" action=\"");
    mg_html_href(b, path, NULL, "inviter");
    mg_buf_puts(b, "\" role=\"search\"><label for=\"recherche-q\">Nom de la structure</label> "
                   "<input type=\"search\" id=\"recherche-q\" name=\"q\" maxlength=\"200\"");
    if (present(q)) {
        mg_buf_puts(b, " value=\"");
        mg_html_attr(b, q);
        mg_buf_puts(b, "\"");
    }
    mg_buf_puts(b, "> <button type=\"submit\">Chercher dans l'annuaire</button></form>\n");
    if (!present(q) || !may_edit) {
        mg_buf_puts(b, "</section>\n");
        return;
    }
    mg_dir_query dq = {.text = q, .category = -1, .limit = INVITE_SEARCH_MAX};
    mg_dir_set set;
    mg_dir_set_init(&set);
    size_t total = 0;
    mg_diag d = {{0}};
    if (mg_dir_search(ctx->app->db, &dq, &set, &total, &d)) {
        mg_buf_puts(b, "<p>L'annuaire n'a pas pu être lu.</p></section>\n");
        mg_dir_set_free(&set);
        return;
    }
    if (set.nstructures == 0) {
        mg_buf_puts(b, "<p role=\"status\">Aucune structure de ce nom dans l'annuaire.</p>\n");
    } else {
        mg_buf_printf(b, "<p role=\"status\">%zu %s", total, /* lint-ok: literals of the program */
                      total > 1 ? "structures trouvées" : "structure trouvée");
        if (total > set.nstructures)
            mg_buf_printf(b, " ; les %zu premières sont listées", set.nstructures);
        mg_buf_puts(b, ".</p>\n<table><caption>Structures trouvées</caption><thead><tr>"
                       "<th scope=\"col\">Structure</th><th scope=\"col\">Commune</th>"
                       "<th scope=\"col\">Invitation</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < set.nstructures; k++) {
            const mg_dir_structure *s = &set.structures[k];
            bool invited = false;
            for (size_t j = 0; j < ninv; j++)
                if (inv[j].structure_id == s->id)
                    invited = true;
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_link_id(b, "/structure/", s->id, NULL);
            mg_html_text(b, s->name ? s->name : "");
            mg_buf_puts(b, "</a></th><td>");
            mg_html_text(b, s->commune_name ? s->commune_name : "");
            mg_buf_puts(b, "</td><td>");
            if (invited) {
                mg_buf_puts(b, "déjà invitée");
            } else {
                mg_buf_printf(b, "<form class=\"inline\" method=\"post\" "
                                 "action=\"/reseau/reunions/%lld/invitations\">",
                              (long long)m->id);
                web_csrf_field(b, ctx);
                char sid[24];
                snprintf(sid, sizeof sid, "%lld", (long long)s->id);
                mg_html_hidden(b, "structure", sid);
                mg_buf_puts(b, "<button type=\"submit\" aria-label=\"Inviter ");
                mg_html_attr(b, s->name ? s->name : "");
                mg_buf_puts(b, "\">Inviter</button></form>");
            }
            mg_buf_puts(b, "</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table>\n");
    }
    mg_buf_puts(b, "</section>\n");
    mg_dir_set_free(&set);
}

static void render_meeting(web_ctx *ctx, const mg_dir_meeting *m, const char *minutes_typed,
                           const char *minutes_error)
{
    mg_buf *b = &ctx->res->body;
    mg_auth_object o = meeting_object(m->organisation_id);
    bool may_edit = web_can(ctx, MG_AUTH_EDIT, &o);
    mg_dir_invitation *inv = NULL;
    size_t ninv = 0;
    mg_diag d = {{0}};
    bool inv_failed = mg_dir_meeting_invitations(ctx->app->db, m->id, &inv, &ninv, &d) != MG_OK;
    char *minutes = NULL, *fname = NULL, *mtype = NULL;
    size_t nminutes = 0;
    if (!minutes_typed && m->has_minutes) {
        void *data = NULL;
        mg_diag d2 = {{0}};
        if (mg_dir_meeting_minutes_get(ctx->app->db, m->id, &fname, &mtype, &data, &nminutes,
                                       &d2) == MG_OK &&
            mtype && strncmp(mtype, "text/plain", 10) == 0) {
            minutes = malloc(nminutes + 1);
            if (minutes) {
                memcpy(minutes, data, nminutes);
                minutes[nminutes] = '\0';
            }
        }
        free(data);
    }
    char title[900], when[96];
    snprintf(title, sizeof title, "Réunion — %s", m->theme);
    held_on_fr(when, sizeof when, m->held_on);
    web_page_begin(b, ctx, title, "reseau");
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, m->theme);
    mg_buf_puts(b, "</h1>\n");
    const char *fait = mg_http_query(ctx->req, "fait");
    if (fait && strcmp(fait, "invitation") == 0)
        mg_buf_puts(b, "<p class=\"notice\" role=\"status\">La structure est invitée.</p>\n");
    else if (fait && strcmp(fait, "presence") == 0)
        mg_buf_puts(b, "<p class=\"notice\" role=\"status\">La présence est enregistrée.</p>\n");
    else if (fait && strcmp(fait, "compte-rendu") == 0)
        mg_buf_puts(b, "<p class=\"notice\" role=\"status\">Le compte rendu est enregistré."
                       "</p>\n");
    mg_buf_puts(b, "<p class=\"links\"><a href=\"/reseau/reunions\">Toutes les réunions</a></p>\n"
                   "<dl class=\"facts\"><dt>Date</dt><dd><time datetime=\"");
    char iso[24];
    snprintf(iso, sizeof iso, "%.10sT%.5s", m->held_on, m->held_on + 11);
    mg_html_attr(b, iso);
    mg_buf_puts(b, "\">");
    mg_html_text(b, when);
    mg_buf_puts(b, "</time></dd><dt>Lieu</dt><dd>");
    mg_html_text(b, m->place);
    mg_buf_puts(b, "</dd><dt>Organisée par</dt><dd>");
    mg_html_text(b, org_name(ctx, m->organisation_id));
    mg_buf_puts(b, "</dd></dl>\n");

    /* Invited structures and attendance. */
    mg_buf_puts(b, "<section aria-labelledby=\"invites\"><h2 id=\"invites\">Structures invitées"
                   "</h2>\n");
    if (inv_failed) {
        mg_buf_puts(b, "<p>Les invitations n'ont pas pu être lues.</p>\n");
    } else if (ninv == 0) {
        mg_buf_puts(b, "<p>Aucune structure invitée pour le moment.</p>\n");
    } else {
        size_t present_n = 0;
        for (size_t k = 0; k < ninv; k++)
            present_n += inv[k].attended > 0;
        mg_buf_printf(b, "<p>%zu %s, %zu %s.</p>\n", ninv, /* lint-ok: literals of the program */
                      ninv > 1 ? "structures invitées" : "structure invitée", present_n,
                      present_n > 1 ? "présentes" : "présente");
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Invitations et présence</caption>"
                       "<thead><tr><th scope=\"col\">Structure</th><th scope=\"col\">Présence"
                       "</th>");
        if (may_edit)
            mg_buf_puts(b, "<th scope=\"col\">Noter la présence</th>");
        mg_buf_puts(b, "</tr></thead><tbody>\n");
        for (size_t k = 0; k < ninv; k++) {
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_link_id(b, "/structure/", inv[k].structure_id, NULL);
            mg_html_text(b, inv[k].structure_name);
            mg_buf_puts(b, "</a></th><td>");
            mg_html_text(b, attendance_fr(inv[k].attended));
            mg_buf_puts(b, "</td>");
            if (may_edit) {
                mg_buf_printf(b, "<td><form class=\"inline\" method=\"post\" "
                                 "action=\"/reseau/reunions/%lld/presence\">",
                              (long long)m->id);
                web_csrf_field(b, ctx);
                char sid[24];
                snprintf(sid, sizeof sid, "%lld", (long long)inv[k].structure_id);
                mg_html_hidden(b, "structure", sid);
                mg_buf_printf(b, "<label for=\"presence-%lld\" class=\"sr\">Présence de ",
                              (long long)inv[k].structure_id);
                mg_html_text(b, inv[k].structure_name);
                mg_buf_printf(b, "</label><select id=\"presence-%lld\" name=\"presence\">",
                              (long long)inv[k].structure_id);
                mg_html_option(b, "inconnue", "non renseignée", inv[k].attended < 0);
                mg_html_option(b, "presente", "présente", inv[k].attended > 0);
                mg_html_option(b, "absente", "absente", inv[k].attended == 0);
                mg_buf_puts(b, "</select> <button type=\"submit\">Enregistrer</button></form>"
                               "</td>");
            }
            mg_buf_puts(b, "</tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
        mg_buf_printf(b, "<p><a href=\"/reseau/reunions/%lld/contacts.csv\">Télécharger les "
                         "coordonnées des structures invitées (CSV)</a> — seules y figurent "
                         "les coordonnées que chaque structure a choisi de publier.</p>\n",
                      (long long)m->id);
    }
    mg_buf_puts(b, "</section>\n");
    if (may_edit)
        invite_search(b, ctx, m, inv, ninv, may_edit);

    /* The minutes. */
    mg_buf_puts(b, "<section aria-labelledby=\"compte-rendu\"><h2 id=\"compte-rendu\">Compte "
                   "rendu</h2>\n");
    if (m->has_minutes)
        mg_buf_printf(b, "<p><a href=\"/reseau/reunions/%lld/compte-rendu.pdf\">Télécharger le "
                         "compte rendu (PDF)</a></p>\n",
                      (long long)m->id);
    else
        mg_buf_puts(b, "<p>Pas encore de compte rendu.</p>\n");
    const char *text = minutes_typed ? minutes_typed : minutes;
    if (may_edit) {
        if (minutes_error) {
            mg_buf_puts(b, "<div class=\"error-summary\" role=\"alert\"><p>Le compte rendu n'a "
                           "pas été enregistré :</p><ul><li><a href=\"#compte-rendu-texte\">");
            mg_html_text(b, minutes_error);
            mg_buf_puts(b, "</a></li></ul></div>\n");
        }
        /* A form of its own rather than form.stack's grid: the text wants
         * the page's width. */
        mg_buf_printf(b, "<form class=\"minutes\" method=\"post\" "
                         "action=\"/reseau/reunions/%lld/compte-rendu\">",
                      (long long)m->id);
        web_csrf_field(b, ctx);
        mg_buf_puts(b, "<p><label for=\"compte-rendu-texte\">Texte du compte rendu</label></p>"
                       "<p class=\"hint\" id=\"compte-rendu-aide\">Une ligne vide sépare les "
                       "paragraphes. Le PDF reprend la date, le lieu, les structures invitées "
                       "et leur présence.</p>\n<textarea id=\"compte-rendu-texte\" name=\"texte\" "
                       "rows=\"14\" cols=\"80\" aria-describedby=\"compte-rendu-aide");
        if (minutes_error)
            mg_buf_puts(b, " compte-rendu-erreur\" aria-invalid=\"true\"");
        else
            mg_buf_puts(b, "\"");
        mg_buf_printf(b, " required maxlength=\"%d\">", MINUTES_MAX_CHARS);
        mg_html_text(b, text ? text : "");
        mg_buf_puts(b, "</textarea>\n");
        if (minutes_error) {
            mg_buf_puts(b, "<p class=\"field-error\" id=\"compte-rendu-erreur\">");
            mg_html_text(b, minutes_error);
            mg_buf_puts(b, "</p>\n");
        }
        mg_buf_puts(b, "<p><button type=\"submit\">Enregistrer le compte rendu</button></p>"
                       "</form>\n");
    }
    mg_buf_puts(b, "</section>\n");
    web_history(b, ctx, "meeting", m->id);
    web_page_end(b);
    free(inv);
    free(minutes);
    free(fname);
    free(mtype);
}

static int meeting_page(web_ctx *ctx)
{
    mg_dir_meeting m;
    if (!load_meeting(ctx, MG_AUTH_VIEW, &m))
        return MG_OK;
    render_meeting(ctx, &m, NULL, NULL);
    return web_done(ctx);
}

/* The structure id of the form's field "structure", or 0 after answering 400. */
static int64_t form_structure(web_ctx *ctx)
{
    int64_t sid = 0;
    if (mg_parse_id(mg_http_form(ctx->req, "structure"), INT64_MAX, &sid, NULL)) {
        mg_http_error(ctx->req, ctx->res, 400,
                      "« Structure » : l'identifiant d'une structure de l'annuaire est attendu.");
        return 0;
    }
    return sid;
}

static int invite_post(web_ctx *ctx)
{
    mg_dir_meeting m;
    if (!load_meeting(ctx, MG_AUTH_EDIT, &m))
        return MG_OK;
    int64_t sid = form_structure(ctx);
    if (!sid)
        return MG_OK;
    mg_diag d = {{0}};
    int rc = mg_dir_meeting_invite(ctx->app->db, ctx->actor->account_id, m.id, sid, &d);
    if (rc == MG_EINVAL || rc == MG_ENOTFOUND) {
        char msg[512];
        web_sentence(msg, sizeof msg, d.msg[0] ? d.msg : "cette structure n'est pas dans "
                                                         "l'annuaire");
        mg_http_error(ctx->req, ctx->res, rc == MG_ENOTFOUND ? 404 : 409,
                      mg_http_strdup(ctx->req, msg));
        return MG_OK;
    }
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR, SAVE_FAILED_FR);
        return MG_OK;
    }
    char to[80];
    snprintf(to, sizeof to, "/reseau/reunions/%lld?fait=invitation", (long long)m.id);
    mg_http_redirect(ctx->res, to);
    return MG_OK;
}

static int attendance_post(web_ctx *ctx)
{
    mg_dir_meeting m;
    if (!load_meeting(ctx, MG_AUTH_EDIT, &m))
        return MG_OK;
    int64_t sid = form_structure(ctx);
    if (!sid)
        return MG_OK;
    const char *p = mg_http_form(ctx->req, "presence");
    int attended = p && strcmp(p, "presente") == 0  ? 1
                   : p && strcmp(p, "absente") == 0 ? 0
                   : p && strcmp(p, "inconnue") == 0 ? -1
                                                     : -2;
    if (attended == -2) {
        mg_http_error(ctx->req, ctx->res, 400,
                      "« Présence » : « presente », « absente » ou « inconnue » est attendu.");
        return MG_OK;
    }
    mg_diag d = {{0}};
    int rc = mg_dir_meeting_attendance(ctx->app->db, ctx->actor->account_id, m.id, sid, attended,
                                       &d);
    if (rc == MG_EINVAL || rc == MG_ENOTFOUND) {
        mg_http_error(ctx->req, ctx->res, rc == MG_ENOTFOUND ? 404 : 409,
                      "Cette structure n'est pas invitée à la réunion.");
        return MG_OK;
    }
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR, SAVE_FAILED_FR);
        return MG_OK;
    }
    char to[80];
    snprintf(to, sizeof to, "/reseau/reunions/%lld?fait=presence", (long long)m.id);
    mg_http_redirect(ctx->res, to);
    return MG_OK;
}

/* Why typed minutes are refused (French), or NULL when they are fine:
 * UTF-8, at most MINUTES_MAX_CHARS characters, no control character but
 * line ends and tabs. */
static const char *minutes_refusal(const char *text)
{
    if (!present(text))
        return "« Texte du compte rendu » est obligatoire.";
    size_t n = strlen(text), chars = 0;
    if (mg_utf8_check(text, n, &chars) != n)
        return "« Texte du compte rendu » : le texte n'est pas en UTF-8 valide.";
    if (chars > MINUTES_MAX_CHARS)
        return "« Texte du compte rendu » : 50 000 caractères au plus.";
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7F)
            return "« Texte du compte rendu » : caractère de contrôle non accepté.";
    return NULL;
}

static int minutes_post(web_ctx *ctx)
{
    mg_dir_meeting m;
    if (!load_meeting(ctx, MG_AUTH_EDIT, &m))
        return MG_OK;
    const char *text = mg_http_form(ctx->req, "texte");
    const char *why = minutes_refusal(text);
    if (why) {
        ctx->res->status = 422;
        render_meeting(ctx, &m, text ? text : "", why);
        return web_done(ctx);
    }
    /* Line ends as "\n" only. */
    size_t n = strlen(text);
    char *clean = mg_http_alloc(ctx->req, n + 1);
    if (!clean) {
        web_fail(ctx, 500, WEB_MSG_OUT_OF_MEMORY);
        return MG_OK;
    }
    size_t o = 0;
    for (size_t k = 0; k < n; k++) {
        if (text[k] == '\r') {
            clean[o++] = '\n';
            if (text[k + 1] == '\n')
                k++;
        } else {
            clean[o++] = text[k];
        }
    }
    clean[o] = '\0';
    char fname[64];
    snprintf(fname, sizeof fname, "compte-rendu-%lld.txt", (long long)m.id);
    mg_diag d = {{0}};
    int rc = mg_dir_meeting_minutes_set(ctx->app->db, ctx->actor->account_id, m.id, fname,
                                        MINUTES_MEDIA_TYPE, clean, o, &d);
    if (rc == MG_EINVAL) {
        char msg[512];
        web_sentence(msg, sizeof msg, d.msg[0] ? d.msg : "compte rendu refusé");
        ctx->res->status = 422;
        render_meeting(ctx, &m, text, mg_http_strdup(ctx->req, msg));
        return web_done(ctx);
    }
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR, SAVE_FAILED_FR);
        return MG_OK;
    }
    char to[80];
    snprintf(to, sizeof to, "/reseau/reunions/%lld?fait=compte-rendu", (long long)m.id);
    mg_http_redirect(ctx->res, to);
    return MG_OK;
}

/* --- Downloads ------------------------------------------------------------------------ */

/* The minutes' PDF: the meeting's facts, the invited structures with
 * their attendance, then the text, a paragraph per block of lines. */
static int minutes_draw(mg_doc *doc, const web_ctx *ctx, const mg_dir_meeting *m,
                        const mg_dir_invitation *inv, size_t ninv, char *text, mg_diag *d)
{
    char buf[2048], when[96];
    held_on_fr(when, sizeof when, m->held_on);
    int rc = mg_doc_heading(doc, 1, m->theme, d);
    if (rc == MG_OK) {
        snprintf(buf, sizeof buf, "Réunion du %s — %s. Organisée par %s.", when, m->place,
                 org_name(ctx, m->organisation_id));
        rc = mg_doc_paragraph(doc, MG_DOC_STRONG, buf, d);
    }
    if (rc == MG_OK) {
        snprintf(buf, sizeof buf, "Structures invitées (%zu)", ninv);
        rc = mg_doc_heading(doc, 2, buf, d);
    }
    if (rc == MG_OK && ninv) {
        const char **cells = calloc(2 * ninv, sizeof *cells);
        if (!cells)
            return MG_ENOMEM;
        for (size_t k = 0; k < ninv; k++) {
            cells[2 * k] = inv[k].structure_name;
            cells[2 * k + 1] = attendance_fr(inv[k].attended);
        }
        static const mg_doc_column cols[] = {{"Structure", 4, MG_DOC_LEFT},
                                             {"Présence", 1.5, MG_DOC_LEFT}};
        rc = mg_doc_table(doc, cols, 2, cells, ninv, d);
        free(cells);
    } else if (rc == MG_OK) {
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, "Aucune structure invitée.", d);
    }
    if (rc == MG_OK)
        rc = mg_doc_heading(doc, 2, "Compte rendu", d);
    /* Paragraphs: blocks separated by an empty line; single line ends kept
     * as spaces. */
    char *p = text;
    while (rc == MG_OK && p && *p) {
        while (*p == '\n')
            p++;
        if (!*p)
            break;
        char *end = strstr(p, "\n\n");
        if (end)
            *end = '\0';
        for (char *q = p; *q; q++)
            if (*q == '\n')
                *q = ' ';
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, p, d);
        p = end ? end + 2 : NULL;
    }
    return rc;
}

static int minutes_pdf(web_ctx *ctx)
{
    mg_dir_meeting m;
    if (!load_meeting(ctx, MG_AUTH_VIEW, &m))
        return MG_OK;
    char *fname = NULL, *mtype = NULL;
    void *data = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_dir_meeting_minutes_get(ctx->app->db, m.id, &fname, &mtype, &data, &n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d,
                          "Cette réunion n'a pas encore de compte rendu.", READ_FAILED_FR);
        return MG_OK;
    }
    char disposition[96];
    snprintf(disposition, sizeof disposition,
             "attachment; filename=\"compte-rendu-reunion-%lld.pdf\"", (long long)m.id);
    if (mtype && strcmp(mtype, "application/pdf") == 0) {
        /* A PDF stored as such (by another client of the store): as it is. */
        mg_buf_append(&ctx->res->body, data, n); /* lint-ok: the stored PDF, not HTML */
    } else {
        mg_dir_invitation *inv = NULL;
        size_t ninv = 0;
        char *text = malloc(n + 1);
        mg_doc *doc = NULL;
        if (!text)
            rc = MG_ENOMEM;
        else {
            memcpy(text, data, n);
            text[n] = '\0';
        }
        if (rc == MG_OK)
            rc = mg_dir_meeting_invitations(ctx->app->db, m.id, &inv, &ninv, &d);
        char title[900];
        snprintf(title, sizeof title, "Compte rendu — %s", m.theme);
        if (rc == MG_OK)
            rc = mg_doc_new(&doc,
                            &(mg_doc_info){title, "Réunion du réseau local — maillage",
                                           "Compte rendu de réunion"},
                            &d);
        if (rc == MG_OK)
            rc = minutes_draw(doc, ctx, &m, inv, ninv, text, &d);
        if (rc == MG_OK)
            rc = mg_doc_finish(doc, &ctx->res->body, &d);
        mg_doc_free(doc);
        free(inv);
        free(text);
    }
    free(fname);
    free(mtype);
    free(data);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR,
                          "Le compte rendu n'a pas pu être mis en page.");
        return MG_OK;
    }
    ctx->res->content_type = "application/pdf";
    snprintf(ctx->res->disposition, sizeof ctx->res->disposition, "%s", disposition);
    return web_done(ctx);
}

static int contacts_csv(web_ctx *ctx)
{
    mg_dir_meeting m;
    if (!load_meeting(ctx, MG_AUTH_VIEW, &m))
        return MG_OK;
    char *csv = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_dir_meeting_contacts_csv(ctx->app->db, m.id, &csv, &n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR, READ_FAILED_FR);
        return MG_OK;
    }
    mg_buf_append(&ctx->res->body, csv, n); /* lint-ok: a CSV download, not HTML */
    free(csv);
    ctx->res->content_type = "text/csv; charset=utf-8";
    snprintf(ctx->res->disposition, sizeof ctx->res->disposition,
             "attachment; filename=\"contacts-reunion-%lld.csv\"", (long long)m.id);
    return web_done(ctx);
}

const web_route web_routes_meetings[] = {
    {"GET", "/reseau/reunions", list_page, WEB_ACCOUNT, 0},
    {"POST", "/reseau/reunions", create_post, WEB_ACCOUNT, 0},
    {"GET", "/reseau/reunions/{id}", meeting_page, WEB_ACCOUNT, 0},
    {"POST", "/reseau/reunions/{id}/invitations", invite_post, WEB_ACCOUNT, 0},
    {"POST", "/reseau/reunions/{id}/presence", attendance_post, WEB_ACCOUNT, 0},
    {"POST", "/reseau/reunions/{id}/compte-rendu", minutes_post, WEB_ACCOUNT, 0},
    {"GET", "/reseau/reunions/{id}/compte-rendu.pdf", minutes_pdf, WEB_ACCOUNT, 0},
    {"GET", "/reseau/reunions/{id}/contacts.csv", contacts_csv, WEB_ACCOUNT, 0},
    {NULL, NULL, NULL, 0, 0},
};
