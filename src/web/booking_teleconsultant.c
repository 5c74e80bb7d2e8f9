/*
 * A teleconsultant's own page (issue 17; docs/booking-host.md) at
 * /teleconsultants/{id}: the appointments to come (site, device, time,
 * consultation kind, the booking's reference; the person and the phone
 * number only where the site shares the phone with teleconsultants — and
 * nothing else), the weekly availability, the absences, and the secret
 * link of the calendar feed; the feed itself at /teleconsultants/agenda.ics
 * ?jeton=TOKEN (iCalendar, booking/ical.h; in the query, whose values the
 * access log leaves out, not in the path), public, the token being the
 * capability.
 *
 * Rights (MG_AUTH_OBJ_TELECONSULTANT, organisation the teleconsultant's):
 * the page VIEW, its forms EDIT. A refused form comes back, status 400,
 * with what was typed and each sentence beside its field. The feed's
 * secret is shown once, on the answer of the POST that makes it: only its
 * hash is kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "booking/book.h"
#include "booking/booking.h"
#include "booking/ical.h"
#include "booking/setup.h"
#include "parse/parse.h"
#include "web/booking_web.h"
#include "web/form.h"
#include "web/web.h"

#define NFIELDS(a) (sizeof(a) / sizeof *(a))

static const char TC_NOT_FOUND[] = "Ce téléconsultant n'existe pas.";
static const char FEED_NOT_FOUND[] = "Ce lien d'agenda n'existe pas ou a été remplacé.";
static const char READ_FAILED[] = "Les rendez-vous n'ont pas pu être lus.";
static const char SAVE_FAILED[] = "L'enregistrement n'a pas pu être fait.";
static const char FEED_FAILED[] = "L'agenda n'a pas pu être produit.";

enum {
    FEED_TOKEN_CHARS = 43,  /* mg_booking_feed_token_new's URL-safe secret */
    FEED_PAST_DAYS = 31,    /* the feed carries this month past … */
    SITES_CACHE = 64,       /* sites whose phone sharing is remembered for one page */
    PAGE_PATH = 128,
};

/* --- Small pieces ---------------------------------------------------------------------------- */

static void put_when(mg_buf *b, int64_t minute)
{
    char s[64];
    mg_booking_format_fr(minute, s);
    mg_html_text(b, s);
}

static void put_hm(mg_buf *b, int64_t minute)
{
    mg_oh_instant t = mg_booking_local(minute);
    mg_buf_printf(b, "%d\u00a0h\u00a0%02d", t.minute / 60, t.minute % 60);
}

static void next_day_start(int64_t minute, int64_t *out)
{
    mg_oh_instant t = mg_booking_local(minute + 26 * 60);
    *out = mg_booking_day_start(t.year, t.month, t.day);
}

static void alert(mg_buf *b, const char *msg)
{
    mg_buf_puts(b, "<p class=\"error\" role=\"alert\">");
    mg_html_text(b, msg);
    mg_buf_puts(b, "</p>\n");
}

static void put_phone(mg_buf *b, const char *e164)
{
    char shown[32], kept[64];
    mg_booking_phone_display(e164, shown);
    size_t n = 0; /* no-break spaces: a number on one line */
    for (const char *p = shown; *p && n + 3 < sizeof kept; p++) {
        if (*p == ' ') {
            kept[n++] = '\xc2';
            kept[n++] = '\xa0';
        } else {
            kept[n++] = *p;
        }
    }
    kept[n] = 0;
    mg_buf_puts(b, "<a href=\"tel:");
    mg_html_attr(b, e164);
    mg_buf_puts(b, "\">");
    mg_html_text(b, kept);
    mg_buf_puts(b, "</a>");
}

static void tc_path(char out[static PAGE_PATH], int64_t id, const char *suffix)
{
    snprintf(out, PAGE_PATH, "/teleconsultants/%lld%s", (long long)id, suffix ? suffix : "");
}

/* --- The teleconsultant and its rights -------------------------------------------------------- */

typedef struct tc_view {
    mg_booking_teleconsultant t;
    bool may_edit;
} tc_view;

/* Teleconsultant {id} when the actor may `verb` it; false once answered. */
static bool tc_load(web_ctx *ctx, mg_auth_verb verb, tc_view *v)
{
    memset(v, 0, sizeof *v);
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "id"), INT64_MAX, &id, NULL) != 0 || id <= 0) {
        mg_http_error(ctx->req, ctx->res, 404, TC_NOT_FOUND);
        return false;
    }
    mg_diag d = {{0}};
    int rc = mg_booking_teleconsultant_get(ctx->app->db, id, &v->t, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, TC_NOT_FOUND, READ_FAILED);
        return false;
    }
    /* The network that registered it knows it (it lists and changes it on
     * its pages), as a site's owner knows the site: its members are
     * refused (403), not told it does not exist (404, docs/security.md). */
    const int64_t owner = v->t.owner_id;
    mg_auth_object o = {.type = MG_AUTH_OBJ_TELECONSULTANT,
                        .organisation_id = v->t.organisation_id,
                        .viewers = &owner,
                        .nviewers = 1};
    if (!web_allow_as(ctx, verb, &o, TC_NOT_FOUND)) {
        mg_booking_teleconsultant_clear(&v->t);
        return false;
    }
    v->may_edit = web_can(ctx, MG_AUTH_EDIT, &o);
    return true;
}

static void crumbs(mg_buf *b, const tc_view *v, const char *here)
{
    mg_buf_puts(b, "<nav aria-label=\"Fil d'Ariane\"><a href=\"/equipements\">Équipements</a> › ");
    if (here) {
        mg_html_link_id(b, "/teleconsultants/", v->t.id, NULL);
        mg_html_text(b, v->t.label);
        mg_buf_puts(b, "</a> › ");
        mg_html_text(b, here);
    } else {
        mg_html_text(b, v->t.label);
    }
    mg_buf_puts(b, "</nav>\n");
}

/* --- Forms ----------------------------------------------------------------------------------- */

enum { AV_AVAILABILITY };
static const web_field availability_fields[] = {
    [AV_AVAILABILITY] = {.name = "availability", .label = "Disponibilités de la semaine",
                         .kind = WEB_FIELD_TEXT, .required = true, .max = 4096,
                         .hint = "Au format opening_hours, par exemple "
                                 "Mo-Fr 09:00-12:00; We 14:00-18:00.",
                         .autocomplete = "off"},
};

enum { AB_FROM, AB_TO, AB_LABEL };
static const web_field absence_fields[] = {
    [AB_FROM] = {.name = "from", .label = "Premier jour d'absence", .kind = WEB_FIELD_TEXT,
                 .required = true, .max = 24, .input_type = "date",
                 .hint = "Par exemple 24/12/2026.",
                 .autocomplete = "off"},
    [AB_TO] = {.name = "to", .label = "Dernier jour d'absence", .kind = WEB_FIELD_TEXT,
               .required = true, .max = 24, .input_type = "date",
               .hint = "Compris dans l'absence : vous êtes de retour le lendemain.",
               .autocomplete = "off"},
    [AB_LABEL] = {.name = "label", .label = "Motif", .kind = WEB_FIELD_TEXT,
                  .max = MG_BOOKING_LABEL_MAX_CHARS,
                  .hint = "Par exemple « Congés » ; facultatif.", .autocomplete = "off"},
};

static void availability_render(mg_buf *b, web_ctx *ctx, const tc_view *v,
                                const web_form_input *in)
{
    web_form f = {"disponibilites", availability_fields, NFIELDS(availability_fields),
                  "Enregistrer les disponibilités", NULL};
    web_form_input cur;
    if (in) {
        cur = *in;
        cur.form = &f;
    } else {
        memset(&cur, 0, sizeof cur);
        cur.form = &f;
        cur.raw[AV_AVAILABILITY] = v->t.availability;
    }
    char path[PAGE_PATH];
    tc_path(path, v->t.id, "/disponibilites");
    web_form_render(b, &f, &cur, "post", path, NULL, web_csrf(ctx));
}

static void absence_render(mg_buf *b, web_ctx *ctx, const tc_view *v, const web_form_input *in)
{
    web_form f = {"absence", absence_fields, NFIELDS(absence_fields), "Enregistrer l'absence",
                  NULL};
    web_form_input cur;
    if (in) {
        cur = *in;
        cur.form = &f;
        in = &cur;
    }
    char path[PAGE_PATH];
    tc_path(path, v->t.id, "/absences");
    web_form_render(b, &f, in, "post", path, NULL, web_csrf(ctx));
}

/* --- GET /teleconsultants/{id} --------------------------------------------------------------- */

/* Whether sites share the phone number with teleconsultants, read once
 * per site for a page. */
typedef struct share_cache {
    int64_t site[SITES_CACHE];
    bool share[SITES_CACHE];
    size_t n;
} share_cache;

static bool site_shares(web_ctx *ctx, share_cache *c, int64_t site_id)
{
    for (size_t k = 0; k < c->n; k++)
        if (c->site[k] == site_id)
            return c->share[k];
    mg_booking_site s;
    mg_diag d = {{0}};
    bool share = false;
    if (mg_booking_site_get(ctx->app->db, site_id, &s, &d) == 0) {
        share = s.share_phone;
        mg_booking_site_clear(&s);
    }
    if (c->n < SITES_CACHE) {
        c->site[c->n] = site_id;
        c->share[c->n++] = share;
    }
    return share;
}

static void appointments(mg_buf *b, web_ctx *ctx, const tc_view *v, int64_t now)
{
    mg_buf_puts(b, "<section aria-labelledby=\"rendez-vous\"><h2 id=\"rendez-vous\">Vos "
                   "rendez-vous à venir</h2>\n");
    int64_t to = now;
    for (int k = 0; k <= MG_BOOKING_HORIZON_DAYS; k++)
        next_day_start(to, &to);
    mg_booking_filter f = {.teleconsultant_id = v->t.id,
                           .from = now - MG_BOOKING_DURATION_MAX_MIN,
                           .to = to,
                           .with_phone = false,
                           .phone_if_shared = true,
                           .limit = MG_BOOKING_PAGE_MAX};
    mg_booking *bk = NULL;
    size_t n = 0, total = 0, shown = 0;
    mg_diag d = {{0}};
    if (mg_booking_list(ctx->app->db, &f, &bk, &n, &total, &d) != 0) {
        fprintf(stderr, "booking_teleconsultant: appointments of %lld: %s\n",
                (long long)v->t.id, d.msg);
        alert(b, READ_FAILED);
        mg_buf_puts(b, "</section>\n");
        return;
    }
    share_cache sc = {.n = 0};
    for (size_t k = 0; k < n; k++) {
        const mg_booking *x = &bk[k];
        if (x->end <= now || x->state == MG_BOOKING_CANCELLED)
            continue;
        if (!shown++)
            mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Rendez-vous à venir</caption>"
                           "<thead><tr><th scope=\"col\">Date et heure</th>"
                           "<th scope=\"col\">Site</th><th scope=\"col\">Appareil</th>"
                           "<th scope=\"col\">Consultation</th><th scope=\"col\">Code</th>"
                           "<th scope=\"col\">Personne</th><th scope=\"col\">Téléphone</th>"
                           "</tr></thead><tbody>\n");
        mg_buf_printf(b, "<tr id=\"rdv-%lld\"><th scope=\"row\">", (long long)x->id);
        put_when(b, x->start);
        mg_buf_puts(b, " – ");
        put_hm(b, x->end);
        mg_buf_puts(b, "</th><td>");
        mg_html_text(b, x->site_name);
        if (x->commune_name[0]) {
            mg_buf_puts(b, " (");
            mg_html_text(b, x->commune_name);
            mg_buf_puts(b, ")");
        }
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, x->device_name);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, mg_booking_kind_label(x->kind));
        /* The code the person was given: the teleconsultant finds the
         * appointment by it in the provider's own system. */
        if (x->code[0]) {
            mg_buf_puts(b, "</td><td><code>");
            mg_html_text(b, x->code);
            mg_buf_puts(b, "</code></td><td>");
        } else {
            mg_buf_printf(b, "</td><td>Réservation n° %lld</td><td>", (long long)x->id);
        }
        /* The person and the phone only where the site chose to share
         * them with teleconsultants (the phone is "" otherwise already). */
        bool share = site_shares(ctx, &sc, x->site_id);
        if (share)
            mg_html_text(b, x->person);
        else
            mg_buf_puts(b, "non communiqué");
        mg_buf_puts(b, "</td><td>");
        if (share && x->phone[0])
            put_phone(b, x->phone);
        else
            mg_buf_puts(b, "non communiqué");
        mg_buf_puts(b, "</td></tr>\n");
    }
    if (shown)
        mg_buf_puts(b, "</tbody></table></div>\n<p>Le numéro de réservation est celui de "
                       "votre agenda et de la liste du site. Le nom et le téléphone de la "
                       "personne ne sont indiqués que par les sites qui choisissent de les "
                       "partager avec les téléconsultants.</p>\n");
    else
        mg_buf_puts(b, "<p>Aucun rendez-vous à venir.</p>\n");
    if (total > n)
        mg_buf_printf(b, "<p>Seuls les %zu premiers rendez-vous sont listés.</p>\n", n);
    free(bk);
    mg_buf_puts(b, "</section>\n");
}

/* The absences to come and, for who may edit, the form (ab: as typed
 * and refused). */
static void absences(mg_buf *b, web_ctx *ctx, const tc_view *v, int64_t now,
                     const web_form_input *ab)
{
    mg_buf_puts(b, "<section aria-labelledby=\"absences\"><h2 id=\"absences\">Absences</h2>\n"
                   "<p>Aucun rendez-vous ne vous est proposé pendant une absence ; ceux déjà "
                   "pris restent : prévenez les sites concernés.</p>\n");
    mg_booking_exception *e = NULL;
    size_t n = 0, shown = 0;
    mg_diag d = {{0}};
    if (mg_booking_exception_list(ctx->app->db, MG_BOOKING_RES_TELECONSULTANT, v->t.id, now, &e,
                                  &n, &d) != 0) {
        fprintf(stderr, "booking_teleconsultant: absences of %lld: %s\n", (long long)v->t.id,
                d.msg);
        alert(b, READ_FAILED);
    } else {
        for (size_t k = 0; k < n; k++) {
            if (e[k].reason == MG_BOOKING_OPENING)
                continue;
            mg_buf_puts(b, shown++ ? "<li" : "<ul><li");
            mg_buf_printf(b, " id=\"absence-%lld\">Du ", (long long)e[k].id);
            put_when(b, e[k].from);
            mg_buf_puts(b, " au ");
            put_when(b, e[k].to);
            if (e[k].label[0]) {
                mg_buf_puts(b, " : ");
                mg_html_text(b, e[k].label);
            }
            if (v->may_edit) {
                char path[PAGE_PATH], what[192], a[64], z[64];
                tc_path(path, v->t.id, "/absences");
                mg_booking_format_fr(e[k].from, a);
                mg_booking_format_fr(e[k].to, z);
                snprintf(what, sizeof what, "Absence du %s au %s", a, z);
                mg_buf_puts(b, " ");
                web_booking_delete_button(b, ctx, path, e[k].id, what);
            }
            mg_buf_puts(b, "</li>");
        }
        mg_buf_puts(b, shown ? "</ul>\n" : "<p>Aucune absence à venir.</p>\n");
    }
    free(e);
    if (v->may_edit) {
        mg_buf_puts(b, "<h3 id=\"absence-ajout\">Déclarer une absence</h3>\n");
        absence_render(b, ctx, v, ab);
    }
    mg_buf_puts(b, "</section>\n");
}

static void feed_section(mg_buf *b, web_ctx *ctx, const tc_view *v)
{
    mg_buf_puts(b, "<section aria-labelledby=\"agenda\"><h2 id=\"agenda\">Agenda</h2>\n<p>Vos "
                   "rendez-vous dans votre logiciel d'agenda (iCalendar) : abonnez-vous à "
                   "votre lien secret. Quiconque connaît ce lien voit vos rendez-vous ; ne "
                   "le partagez pas.</p>\n");
    if (v->t.has_feed)
        mg_buf_puts(b, "<p>Un lien d'agenda existe déjà. En créer un nouveau désactive "
                       "l'ancien.</p>\n");
    if (v->may_edit) {
        char path[PAGE_PATH];
        tc_path(path, v->t.id, "/flux");
        mg_buf_puts(b, "<form method=\"post\" action=\"");
        mg_html_attr(b, path);
        mg_buf_puts(b, "\">");
        web_csrf_field(b, ctx);
        mg_buf_puts(b, v->t.has_feed
                           ? "<button type=\"submit\">Remplacer le lien d'agenda</button>"
                           : "<button type=\"submit\">Créer le lien d'agenda</button>");
        mg_buf_puts(b, "</form>\n");
    }
    mg_buf_puts(b, "</section>\n");
}

/* The page; av, ab: a refused availability or absence form as typed. */
static int tc_page(web_ctx *ctx, const tc_view *v, const web_form_input *av,
                   const web_form_input *ab)
{
    int64_t now = mg_booking_now();
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, v->t.label, "equipements");
    crumbs(b, v, NULL);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, v->t.label);
    mg_buf_puts(b, "</h1>\n");
    if (v->t.org_name[0]) {
        mg_buf_puts(b, "<p>");
        mg_html_text(b, v->t.org_name);
        if (!v->t.active)
            mg_buf_puts(b, " — <span class=\"tag pending\">inactif</span> : aucun rendez-vous "
                           "ne vous est plus proposé.");
        mg_buf_puts(b, "</p>\n");
    }
    if (av || ab)
        alert(b, "Le formulaire n'a pas été enregistré : corrigez les champs signalés.");
    appointments(b, ctx, v, now);
    mg_buf_puts(b, "<section aria-labelledby=\"disponibilites\"><h2 id=\"disponibilites\">"
                   "Disponibilités</h2>\n<p>Les créneaux ne vous sont proposés que pendant "
                   "vos disponibilités de la semaine, hors absences.</p>\n");
    if (v->may_edit) {
        availability_render(b, ctx, v, av);
    } else {
        mg_buf_puts(b, "<p><code>");
        mg_html_text(b, v->t.availability);
        mg_buf_puts(b, "</code></p>\n");
    }
    mg_buf_puts(b, "</section>\n");
    absences(b, ctx, v, now, ab);
    feed_section(b, ctx, v);
    web_page_end(b);
    return web_done(ctx);
}

static int page_get(web_ctx *ctx)
{
    tc_view v;
    if (!tc_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    int rc = tc_page(ctx, &v, NULL, NULL);
    mg_booking_teleconsultant_clear(&v.t);
    return rc;
}

/* --- POST /teleconsultants/{id}/disponibilites ---------------------------------------------- */

static int availability_post(web_ctx *ctx)
{
    tc_view v;
    if (!tc_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    web_form f = {"disponibilites", availability_fields, NFIELDS(availability_fields),
                  "Enregistrer les disponibilités", NULL};
    web_form_input in;
    web_form_read(&f, ctx->req, &in);
    mg_diag d = {{0}};
    int rc = MG_OK;
    if (in.nerrors == 0) {
        mg_booking_errors errs = {0};
        rc = mg_booking_teleconsultant_set_availability(ctx->app->db, ctx->actor->account_id,
                                                        v.t.id, in.raw[AV_AVAILABILITY], &errs,
                                                        &d);
        if (rc == 0) {
            char path[PAGE_PATH];
            tc_path(path, v.t.id, "#disponibilites");
            mg_http_redirect(ctx->res, path);
            mg_booking_teleconsultant_clear(&v.t);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, TC_NOT_FOUND, SAVE_FAILED);
            mg_booking_teleconsultant_clear(&v.t);
            return MG_OK;
        }
        web_booking_refuse_fields(&in, &errs, &d, "availability");
    }
    ctx->res->status = 400;
    rc = tc_page(ctx, &v, &in, NULL);
    mg_booking_teleconsultant_clear(&v.t);
    return rc;
}

/* --- POST /teleconsultants/{id}/absences ---------------------------------------------------- */

static int absence_post(web_ctx *ctx)
{
    tc_view v;
    if (!tc_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    char back[PAGE_PATH];
    tc_path(back, v.t.id, "#absences");
    if (web_booking_delete_post(ctx, MG_BOOKING_RES_TELECONSULTANT, v.t.id, back)) {
        mg_booking_teleconsultant_clear(&v.t);
        return MG_OK;
    }
    web_form f = {"absence", absence_fields, NFIELDS(absence_fields), "Enregistrer l'absence",
                  NULL};
    web_form_input in;
    web_form_read(&f, ctx->req, &in);
    int64_t from = 0, to = 0;
    if (in.given[AB_FROM] && !in.error[AB_FROM][0] && mg_booking_parse_typed(in.raw[AB_FROM], false, &from))
        web_form_refuse(&in, "from", "Une date qui existe est attendue, par exemple 24/12/2026.");
    if (in.given[AB_TO] && !in.error[AB_TO][0] && mg_booking_parse_typed(in.raw[AB_TO], true, &to))
        web_form_refuse(&in, "to", "Une date qui existe est attendue, par exemple 31/12/2026.");
    mg_diag d = {{0}};
    int rc = MG_OK;
    if (in.nerrors == 0) {
        mg_booking_exception e = {.resource = MG_BOOKING_RES_TELECONSULTANT,
                                  .resource_id = v.t.id,
                                  .from = from,
                                  .to = to,
                                  .reason = MG_BOOKING_ABSENCE};
        snprintf(e.label, sizeof e.label, "%s", in.raw[AB_LABEL] ? in.raw[AB_LABEL] : "");
        mg_booking_errors errs = {0};
        int64_t eid = 0;
        rc = mg_booking_exception_add(ctx->app->db, ctx->actor->account_id, &e, &eid, &errs,
                                      &d);
        if (rc == 0) {
            char path[PAGE_PATH], suffix[48];
            snprintf(suffix, sizeof suffix, "#absence-%lld", (long long)eid);
            tc_path(path, v.t.id, suffix);
            mg_http_redirect(ctx->res, path);
            mg_booking_teleconsultant_clear(&v.t);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, TC_NOT_FOUND, SAVE_FAILED);
            mg_booking_teleconsultant_clear(&v.t);
            return MG_OK;
        }
        web_booking_refuse_fields(&in, &errs, &d, "from");
    }
    ctx->res->status = 400;
    rc = tc_page(ctx, &v, NULL, &in);
    mg_booking_teleconsultant_clear(&v.t);
    return rc;
}

/* --- POST /teleconsultants/{id}/flux --------------------------------------------------------- */

static int feed_post(web_ctx *ctx)
{
    tc_view v;
    if (!tc_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    char token[FEED_TOKEN_CHARS + 1];
    mg_diag d = {{0}};
    int rc = mg_booking_feed_token_new(ctx->app->db, ctx->actor->account_id, v.t.id, token, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, TC_NOT_FOUND, SAVE_FAILED);
        mg_booking_teleconsultant_clear(&v.t);
        return MG_OK;
    }
    /* Shown once: the answer of this POST, never stored or cached. */
    const char *base = web_public_base(ctx);
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Lien d'agenda", "equipements");
    crumbs(b, &v, "Lien d'agenda");
    mg_buf_puts(b, "<h1>Votre lien d'agenda</h1>\n<p>Copiez ce lien dans votre logiciel "
                   "d'agenda (« s'abonner à un calendrier » ou « ajouter un agenda par URL »). "
                   "<strong>Il n'est affiché qu'une fois</strong> : s'il se perd, créez-en un "
                   "nouveau, qui remplace celui-ci.</p>\n<p><label for=\"lien-agenda\">Lien "
                   "d'agenda</label><br><input id=\"lien-agenda\" type=\"text\" readonly "
                   "size=\"80\" value=\"");
    mg_html_attr(b, base);
    mg_buf_puts(b, "/teleconsultants/agenda.ics?jeton=");
    mg_html_attr(b, token);
    mg_buf_puts(b, "\"></p>\n<p>");
    mg_html_link_id(b, "/teleconsultants/", v.t.id, NULL);
    mg_buf_puts(b, "Revenir à vos rendez-vous</a></p>\n");
    web_page_end(b);
    memset(token, 0, sizeof token);
    mg_booking_teleconsultant_clear(&v.t);
    return web_done(ctx);
}

/* --- GET /teleconsultants/agenda.ics?jeton=TOKEN ---------------------------------------------- */

static bool token_shape(const char *t)
{
    size_t n = 0;
    for (; t && t[n]; n++) {
        char c = t[n];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok || n >= FEED_TOKEN_CHARS)
            return false;
    }
    return n == FEED_TOKEN_CHARS;
}

static int feed_get(web_ctx *ctx)
{
    const char *token = mg_http_param(ctx->req, "jeton");
    if (!token_shape(token)) {
        mg_http_error(ctx->req, ctx->res, 404, FEED_NOT_FOUND);
        return MG_OK;
    }
    int64_t tc = 0;
    mg_diag d = {{0}};
    int rc = mg_booking_feed_lookup(ctx->app->db, token, &tc, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, FEED_NOT_FOUND, FEED_FAILED);
        return MG_OK;
    }
    int64_t now = mg_booking_now(), from = now - (int64_t)FEED_PAST_DAYS * 24 * 60, to = now;
    for (int k = 0; k <= MG_BOOKING_HORIZON_DAYS; k++)
        next_day_start(to, &to);
    mg_buf_reset(&ctx->res->body);
    rc = mg_booking_ical_teleconsultant(ctx->app->db, tc, from, to, &ctx->res->body, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, FEED_NOT_FOUND, FEED_FAILED);
        return MG_OK;
    }
    ctx->res->content_type = "text/calendar; charset=utf-8";
    snprintf(ctx->res->disposition, sizeof ctx->res->disposition,
             "inline; filename=\"rendez-vous.ics\"");
    return MG_OK;
}

const web_route web_routes_booking_teleconsultant[] = {
    {"GET", "/teleconsultants/agenda.ics", feed_get, WEB_ANYONE, 0},
    {"GET", "/teleconsultants/{id}", page_get, WEB_ANYONE, 0},
    {"POST", "/teleconsultants/{id}/disponibilites", availability_post, WEB_ANYONE, 0},
    {"POST", "/teleconsultants/{id}/absences", absence_post, WEB_ANYONE, 0},
    {"POST", "/teleconsultants/{id}/flux", feed_post, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
