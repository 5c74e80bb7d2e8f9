/*
 * The public's booking of the shared telehealth equipment (issue 17;
 * docs/booking-api.md, docs/privacy.md), in French, without an account:
 *   GET  /teleconsultation                  choose a commune or a site; with
 *                                           ?commune= the next free slots at the
 *                                           sites within reach, ?site= a site's;
 *                                           ?kind=gp|followup|specialist
 *   GET  /teleconsultation/reserver         the form of one slot (?site, device, tc,
 *                                           kind, start)
 *   POST /teleconsultation/reserver         books: the code, shown once
 *   GET, POST /teleconsultation/rendez-vous type the code to see the booking
 *   POST /teleconsultation/annuler          cancel with the code
 *   GET  /teleconsultation/confidentialite  the privacy notice
 *
 * Sites within reach of a commune: those whose commune the travel-time
 * table of the territory (the finder's, web/finder.c: road times when a
 * road graph is loaded, crow-fly estimates otherwise) reaches within
 * WEB_BOOKING_REACH_MIN minutes, nearest first. The forms are the site's
 * ordinary forms (CSRF token of the pre-session cookie); the code travels
 * in POST bodies only, never in a URL (access logs, history).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "booking/book.h"
#include "booking/booking.h"
#include "booking/setup.h"
#include "parse/parse.h"
#include "web/booking_web.h"
#include "web/form.h"
#include "web/web.h"

#define SLOTS_NEAR 24     /* slots shown near a commune */
#define SLOTS_PER_SITE 6  /* at most this many of one site there */
#define SLOTS_SITE 30     /* slots shown for one site */
#define SLOTS_DAYS 21     /* days looked at */
#define TYPED_MAX 200

static const char READ_FAILED[] =
    "Les créneaux n'ont pas pu être lus. Réessayez dans un instant.";
static const char SITE_NOT_FOUND[] = "Ce lieu de téléconsultation n'existe pas.";
static const char SAVE_FAILED[] =
    "Le rendez-vous n'a pas pu être enregistré. Réessayez dans un instant.";

/* --- Shared with api_booking.c ------------------------------------------------------------ */

static int cmp_near(const void *x, const void *y)
{
    const web_booking_near *a = x, *b = y;
    if (a->minutes != b->minutes)
        return a->minutes < b->minutes ? -1 : 1;
    return (a->site_id > b->site_id) - (a->site_id < b->site_id);
}

int web_booking_sites_near(const mg_app *a, const mg_http_request *r, size_t commune,
                           int max_minutes, web_booking_near **out, size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    const mg_diagnosis *g = mg_app_profession_get(a, NULL)->g;
    const mg_territory *t = g->t;
    const mg_pairs *pr = &g->pairs;
    if (commune >= t->n)
        return MG_EINVAL;
    mg_booking_site *sites = NULL;
    size_t ns = 0;
    int rc = mg_booking_site_list(a->db, 0, true, &sites, &ns, d);
    if (rc)
        return rc;
    web_booking_near *v = mg_http_alloc(r, (ns ? ns : 1) * sizeof *v);
    if (!v) {
        mg_booking_sites_free(sites, ns);
        return MG_ENOMEM;
    }
    size_t k = 0;
    for (size_t s = 0; s < ns; s++) {
        if (!sites[s].active || sites[s].ndevices == 0)
            continue;
        long ci = mg_territory_find(t, sites[s].commune_code);
        if (ci < 0)
            continue;
        double minutes = -1;
        if ((size_t)ci == commune) {
            minutes = 0;
        } else if (pr->start && commune < pr->n) {
            for (size_t p = pr->start[commune]; p < pr->start[commune + 1]; p++)
                if (pr->to[p] == (uint32_t)ci) {
                    minutes = pr->minutes[p];
                    break;
                }
        }
        if (minutes < 0 || minutes > max_minutes)
            continue;
        v[k++] = (web_booking_near){.site_id = sites[s].site_id, .minutes = minutes};
        if (k >= MG_BOOKING_SITES_MAX)
            break;
    }
    mg_booking_sites_free(sites, ns);
    if (k > 1)
        qsort(v, k, sizeof *v, cmp_near);
    *out = v;
    *n = k;
    return MG_OK;
}

/* The value of n decimal digits (checked by the caller). */
static int number(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* "YYYY-MM-DDTHH:MM" (Paris) or "YYYY-MM-DDTHH:MM[:SS]Z" (UTC, seconds 00). */
int web_booking_parse_start(const char *s, int64_t *minute)
{
    if (!s)
        return MG_EINVAL;
    size_t n = strlen(s);
    if (n == 17 || n == 20) {
        if (s[n - 1] != 'Z' && s[n - 1] != 'z')
            return MG_EINVAL;
        if (n == 20 && (s[16] != ':' || s[17] != '0' || s[18] != '0'))
            return MG_EINVAL;
        char local[17];
        memcpy(local, s, 16);
        local[16] = 0;
        /* "YYYY-MM-DDTHH:MM", every other byte a digit. */
        for (size_t i = 0; i < 16; i++) {
            bool digit = local[i] >= '0' && local[i] <= '9';
            bool sep = i == 4 || i == 7 || i == 10 || i == 13;
            if (sep ? (local[i] != (i == 10 ? 'T' : i == 13 ? ':' : '-')) : !digit)
                return MG_EINVAL;
        }
        int y = number(local, 4), mo = number(local + 5, 2), da = number(local + 8, 2),
            h = number(local + 11, 2), mi = number(local + 14, 2);
        static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || da < 1 ||
            da > mdays[mo - 1] - (mo == 2 && !leap) || h > 23 || mi > 59)
            return MG_EINVAL;
        /* Days from the epoch (civil calendar, proleptic Gregorian). */
        int yy = y - (mo <= 2);
        int era = yy / 400;
        int yoe = yy - era * 400;
        int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + da - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        int64_t days = (int64_t)era * 146097 + doe - 719468;
        *minute = days * 1440 + h * 60 + mi;
        return MG_OK;
    }
    if (n != 16)
        return MG_EINVAL;
    return mg_booking_parse_local(s, minute) == MG_OK ? MG_OK : MG_EINVAL;
}

/* The form of a start in links: local Paris time, or UTC when the local
 * time is the second of a repeated hour (the last Sunday of October). */
void web_booking_start_param(int64_t minute, char out[static 21])
{
    char local[17];
    mg_booking_format_local(minute, local);
    int64_t first = 0;
    if (mg_booking_parse_local(local, &first) == MG_OK && first == minute) {
        snprintf(out, 21, "%s", local);
        return;
    }
    char utc[21];
    mg_booking_format_utc(minute, utc);
    /* "2026-10-25T01:30:00Z" → "2026-10-25T01:30Z" */
    snprintf(out, 21, "%.16sZ", utc);
}

/* --- Drawing ------------------------------------------------------------------------------ */

static void page_top(web_ctx *ctx, const char *title)
{
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, title, NULL);
    mg_buf_puts(b, "<div class=\"finder booking-public\">\n");
}

static int page_bottom(web_ctx *ctx)
{
    mg_buf *b = &ctx->res->body;
    mg_buf_puts(b, "<p class=\"finder-note\"><a href=\"/teleconsultation\">Chercher un "
                   "créneau</a> · <a href=\"/teleconsultation/rendez-vous\">Retrouver ou annuler "
                   "un rendez-vous</a> · <a href=\"/teleconsultation/confidentialite\">Vos "
                   "données</a></p>\n</div>\n");
    web_page_end(b);
    return web_done(ctx);
}

/* The copy of s without surrounding spaces, at most TYPED_MAX bytes on a
 * character boundary (request memory); NULL stays NULL. */
static const char *typed(const mg_http_request *r, const char *s)
{
    if (!s)
        return NULL;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n > TYPED_MAX) {
        n = TYPED_MAX;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    char *c = mg_http_alloc(r, n + 1);
    if (!c)
        return NULL;
    memcpy(c, s, n);
    c[n] = 0;
    return c;
}

static void kind_select(mg_buf *b, mg_booking_kind kind)
{
    mg_buf_puts(b, "<label for=\"tc-kind\">Type de consultation</label>\n"
                   "<select id=\"tc-kind\" name=\"kind\">");
    for (int k = 0; k < MG_BOOKING_KINDS; k++)
        mg_html_option(b, mg_booking_kind_key((mg_booking_kind)k),
                       mg_booking_kind_label((mg_booking_kind)k), k == (int)kind);
    mg_buf_puts(b, "</select>\n");
}

/* The search form: a commune typed by name, postcode-free (the commune
 * search of the other pages), and the kind. */
static void search_form(mg_buf *b, const char *commune_typed, const char *error,
                        mg_booking_kind kind)
{
    mg_buf_puts(b, "<form class=\"finder-form\" method=\"get\" action=\"/teleconsultation\" "
                   "role=\"search\" aria-label=\"Chercher un créneau près de chez moi\">\n"
                   "<label for=\"tc-commune\">Votre commune</label>\n"
                   "<p class=\"finder-hint\" id=\"tc-commune-aide\">Son nom ou son code INSEE, "
                   "par exemple : Castelnaudary.</p>\n");
    if (error) {
        mg_buf_puts(b, "<p class=\"finder-error error\" id=\"tc-commune-erreur\">");
        mg_html_text(b, error);
        mg_buf_puts(b, "</p>\n");
    }
    mg_buf_puts(b, "<div class=\"finder-row\"><input type=\"text\" id=\"tc-commune\" "
                   "name=\"commune\" required maxlength=\"200\" spellcheck=\"false\" "
                   "autocomplete=\"address-level2\" ");
    mg_buf_puts(b, error ? "aria-invalid=\"true\" aria-describedby=\"tc-commune-erreur "
                           "tc-commune-aide\""
                         : "aria-describedby=\"tc-commune-aide\"");
    if (commune_typed && commune_typed[0]) {
        mg_buf_puts(b, " value=\"");
        mg_html_attr(b, commune_typed);
        mg_buf_puts(b, "\"");
    }
    mg_buf_puts(b, "></div>\n");
    kind_select(b, kind);
    mg_buf_puts(b, "<p><button type=\"submit\">Voir les créneaux</button></p>\n</form>\n");
}

static void site_address(mg_buf *b, const mg_booking_site *s)
{
    if (s->address[0]) {
        mg_html_text(b, s->address);
        mg_buf_puts(b, ", ");
    }
    mg_html_text(b, s->commune_name);
}

static void slot_href(mg_buf *b, const mg_booking_slot *sl)
{
    char site[24], device[24], tc[24], start[21];
    snprintf(site, sizeof site, "%lld", (long long)sl->site_id);
    snprintf(device, sizeof device, "%lld", (long long)sl->device_id);
    snprintf(tc, sizeof tc, "%lld", (long long)sl->teleconsultant_id);
    web_booking_start_param(sl->start, start);
    mg_html_href(b, "/teleconsultation/reserver",
                 (const char *const[]){"site", site, "device", device, "tc", tc, "kind",
                                       mg_booking_kind_key(sl->kind), "start", start, NULL},
                 NULL);
}

/* The slots of one site as a list of links. */
static void draw_site_slots(mg_buf *b, const mg_booking_slot *v, size_t n, int64_t site_id)
{
    mg_buf_puts(b, "<ul class=\"booking-slots\">\n");
    for (size_t k = 0; k < n; k++) {
        if (v[k].site_id != site_id)
            continue;
        char when[64];
        mg_booking_format_fr(v[k].start, when);
        mg_buf_puts(b, "<li><a href=\"");
        slot_href(b, &v[k]);
        mg_buf_puts(b, "\">");
        mg_html_text(b, when);
        mg_buf_puts(b, "</a></li>\n");
    }
    mg_buf_puts(b, "</ul>\n");
}

/* The site's heading and address, then its slots. minutes < 0: not said. */
static void draw_site(mg_buf *b, const mg_booking_site *s, double minutes,
                      const mg_booking_slot *v, size_t n)
{
    mg_buf_puts(b, "<li class=\"finder-item\">\n<h3>");
    mg_html_text(b, s->name);
    mg_buf_puts(b, "</h3>\n<p class=\"finder-address\">");
    site_address(b, s);
    mg_buf_puts(b, "</p>\n");
    long m = minutes >= 0 ? (long)(minutes + 0.5) : -1;
    if (m == 0)
        mg_buf_puts(b, "<p class=\"finder-time\">Dans votre commune</p>\n");
    else if (m > 0)
        mg_buf_printf(b, m > 1 ? "<p class=\"finder-time\">Environ %ld minutes en voiture</p>\n"
                               : "<p class=\"finder-time\">Environ %ld minute en voiture</p>\n",
                      m);
    mg_buf_printf(b, "<p><a href=\"/teleconsultation?site=%lld\">Tous les créneaux de ce "
                     "lieu</a></p>\n",
                  (long long)s->site_id);
    draw_site_slots(b, v, n, s->site_id);
    mg_buf_puts(b, "</li>\n");
}

/* The kind of ?kind= (absent: general practice); false once answered 400. */
static bool read_kind(web_ctx *ctx, const char *s, mg_booking_kind *kind)
{
    *kind = MG_BOOKING_GP;
    if (!s || !s[0])
        return true;
    if (mg_booking_kind_parse(s, kind) == MG_OK)
        return true;
    mg_http_error(ctx->req, ctx->res, 400,
                  "Type de consultation inconnu : attendu gp, followup ou specialist.");
    return false;
}

/* The slots of a query, or an answered storage error (false). */
static bool read_slots(web_ctx *ctx, const mg_booking_slot_query *q, mg_booking_slot **v,
                       size_t *n)
{
    mg_diag d = {{0}};
    int rc = mg_booking_next_slots(ctx->app->db, q, v, n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, READ_FAILED, READ_FAILED);
        return false;
    }
    return true;
}

/* GET /teleconsultation?site=ID */
static int site_page(web_ctx *ctx, const char *site_s, mg_booking_kind kind)
{
    int64_t id = 0;
    if (mg_parse_id(site_s, INT64_MAX, &id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, SITE_NOT_FOUND);
        return MG_OK;
    }
    mg_booking_site s;
    memset(&s, 0, sizeof s);
    mg_diag d = {{0}};
    int rc = mg_booking_site_get(ctx->app->db, id, &s, &d);
    if (rc == MG_OK && !s.active)
        rc = MG_ENOTFOUND;
    if (rc) {
        mg_booking_site_clear(&s);
        web_storage_error(ctx->req, ctx->res, rc, &d, SITE_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    mg_booking_slot_query q = {.site_ids = &id, .nsites = 1, .kind = kind,
                               .from = mg_booking_now() + 1, .days = SLOTS_DAYS,
                               .limit = SLOTS_SITE};
    mg_booking_slot *v = NULL;
    size_t n = 0;
    if (!read_slots(ctx, &q, &v, &n)) {
        mg_booking_site_clear(&s);
        return MG_OK;
    }
    char title[300];
    snprintf(title, sizeof title, "Téléconsultation : %.200s", s.name);
    page_top(ctx, title);
    mg_buf *b = &ctx->res->body;
    mg_buf_puts(b, "<h1>Téléconsultation à ");
    mg_html_text(b, s.name);
    mg_buf_puts(b, "</h1>\n<p class=\"finder-address\">");
    site_address(b, &s);
    mg_buf_puts(b, "</p>\n<form class=\"finder-form\" method=\"get\" "
                   "action=\"/teleconsultation\">\n");
    mg_buf_printf(b, "<input type=\"hidden\" name=\"site\" value=\"%lld\">\n",
                  (long long)id);
    kind_select(b, kind);
    mg_buf_puts(b, "<p><button type=\"submit\">Voir les créneaux</button></p>\n</form>\n");
    mg_buf_puts(b, "<h2>Prochains créneaux libres</h2>\n");
    if (n)
        draw_site_slots(b, v, n, id);
    else
        mg_buf_printf(b, "<p>Aucun créneau libre dans les %d prochains jours pour ce type de "
                         "consultation.</p>\n",
                      SLOTS_DAYS);
    free(v);
    mg_booking_site_clear(&s);
    return page_bottom(ctx);
}

/* GET /teleconsultation?commune=… (name or code) */
static int commune_page(web_ctx *ctx, const char *commune_typed, mg_booking_kind kind)
{
    const mg_diagnosis *g = mg_app_profession_get(ctx->app, NULL)->g;
    long idx = -1;
    char msg[WEB_FORM_ERROR_SIZE], sentence[WEB_FORM_ERROR_SIZE];
    if (web_commune_resolve(g, commune_typed, &idx, msg, sizeof msg) != MG_OK) {
        web_sentence(sentence, sizeof sentence, msg);
        ctx->res->status = 400;
        page_top(ctx, "Erreur : téléconsultation près de chez moi");
        mg_buf_puts(&ctx->res->body, "<h1>Prendre rendez-vous en téléconsultation</h1>\n");
        search_form(&ctx->res->body, commune_typed, sentence, kind);
        return page_bottom(ctx);
    }
    web_booking_near *near = NULL;
    size_t nn = 0;
    mg_diag d = {{0}};
    int rc = web_booking_sites_near(ctx->app, ctx->req, (size_t)idx, WEB_BOOKING_REACH_MIN,
                                    &near, &nn, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, READ_FAILED, READ_FAILED);
        return MG_OK;
    }
    int64_t *ids = mg_http_alloc(ctx->req, (nn ? nn : 1) * sizeof *ids);
    if (!ids)
        return MG_ENOMEM;
    for (size_t k = 0; k < nn; k++)
        ids[k] = near[k].site_id;
    mg_booking_slot *v = NULL;
    size_t n = 0;
    if (nn) {
        mg_booking_slot_query q = {.site_ids = ids, .nsites = nn, .kind = kind,
                                   .from = mg_booking_now() + 1, .days = SLOTS_DAYS,
                                   .limit = SLOTS_NEAR, .per_site = SLOTS_PER_SITE};
        if (!read_slots(ctx, &q, &v, &n))
            return MG_OK;
    }
    const char *name = g->t->name[idx];
    char title[300];
    snprintf(title, sizeof title, "Téléconsultation près de %.200s", name);
    page_top(ctx, title);
    mg_buf *b = &ctx->res->body;
    mg_buf_puts(b, "<h1>Prendre rendez-vous en téléconsultation</h1>\n");
    search_form(b, name, NULL, kind);
    mg_buf_puts(b, "<h2 id=\"tc-resultats\">Près de ");
    mg_html_text(b, name);
    mg_buf_printf(b, "</h2>\n<p class=\"finder-note\">Lieux équipés à moins de %d minutes en "
                     "voiture (estimation), créneaux des %d prochains jours : ",
                  WEB_BOOKING_REACH_MIN, SLOTS_DAYS);
    mg_html_text(b, mg_booking_kind_label(kind));
    mg_buf_puts(b, ".</p>\n");
    size_t shown = 0;
    mg_buf_puts(b, "<ol class=\"finder-list\">\n");
    for (size_t k = 0; k < nn; k++) {
        bool any = false;
        for (size_t j = 0; j < n && !any; j++)
            any = v[j].site_id == near[k].site_id;
        if (!any)
            continue;
        mg_booking_site s;
        memset(&s, 0, sizeof s);
        if (mg_booking_site_get(ctx->app->db, near[k].site_id, &s, &d) == MG_OK) {
            draw_site(b, &s, near[k].minutes, v, n);
            shown++;
        }
        mg_booking_site_clear(&s);
    }
    mg_buf_puts(b, "</ol>\n");
    if (!shown)
        mg_buf_puts(b, nn ? "<p>Aucun créneau libre près de chez vous pour ce type de "
                            "consultation dans les prochaines semaines.</p>\n"
                          : "<p>Aucun lieu équipé pour la téléconsultation près de chez vous. "
                            "Voyez aussi <a href=\"/ou-me-soigner\">Où me soigner ?</a></p>\n");
    free(v);
    return page_bottom(ctx);
}

/* GET /teleconsultation: the search, and the list of every site. */
static int home_page(web_ctx *ctx, mg_booking_kind kind)
{
    mg_booking_site *sites = NULL;
    size_t ns = 0;
    mg_diag d = {{0}};
    int rc = mg_booking_site_list(ctx->app->db, 0, true, &sites, &ns, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, READ_FAILED, READ_FAILED);
        return MG_OK;
    }
    page_top(ctx, "Prendre rendez-vous en téléconsultation");
    mg_buf *b = &ctx->res->body;
    mg_buf_puts(b, "<h1>Prendre rendez-vous en téléconsultation</h1>\n"
                   "<p class=\"finder-intro\">Une cabine ou un chariot de téléconsultation, dans "
                   "une mairie, une pharmacie ou un centre de santé près de chez vous : un "
                   "médecin vous consulte à distance. Sans compte ; il vous faut seulement un "
                   "numéro de téléphone. Ne dites pas ici pourquoi vous consultez : le médecin "
                   "vous le demandera.</p>\n");
    search_form(b, NULL, NULL, kind);
    mg_buf_puts(b, "<h2>Ou choisissez un lieu</h2>\n");
    size_t shown = 0;
    mg_buf_puts(b, "<ul class=\"booking-sites\">\n");
    for (size_t k = 0; k < ns; k++) {
        if (!sites[k].active || !sites[k].ndevices)
            continue;
        mg_buf_printf(b, "<li><a href=\"/teleconsultation?site=%lld\">",
                      (long long)sites[k].site_id);
        mg_html_text(b, sites[k].name);
        mg_buf_puts(b, "</a> — ");
        mg_html_text(b, sites[k].commune_name);
        mg_buf_puts(b, "</li>\n");
        shown++;
    }
    mg_buf_puts(b, "</ul>\n");
    if (!shown)
        mg_buf_puts(b, "<p>Aucun lieu n'est encore ouvert à la réservation.</p>\n");
    mg_booking_sites_free(sites, ns);
    return page_bottom(ctx);
}

/* GET /teleconsultation */
static int search_page(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    mg_booking_kind kind;
    if (!read_kind(ctx, mg_http_query(r, "kind"), &kind))
        return MG_OK;
    const char *site = typed(r, mg_http_query(r, "site"));
    const char *commune = typed(r, mg_http_query(r, "commune"));
    if (site && site[0])
        return site_page(ctx, site, kind);
    if (commune && commune[0])
        return commune_page(ctx, commune, kind);
    return home_page(ctx, kind);
}

/* --- The booking form --------------------------------------------------------------------- */

/* What the form carries: the slot, and what was typed. */
typedef struct slot_form {
    int64_t site_id, device_id, tc_id, start;
    mg_booking_kind kind;
    const char *raw[5]; /* site, device, tc, kind, start as sent */
    const char *person, *phone;
    bool accepted;
} slot_form;

/* Reads the slot's fields (query for GET, form for POST); false when one
 * is missing or malformed (then a 400 page has been answered). */
static bool read_slot(web_ctx *ctx, bool post, slot_form *f)
{
    const mg_http_request *r = ctx->req;
    const char *(*get)(const mg_http_request *, const char *) = post ? mg_http_form : mg_http_query;
    static const char *const keys[5] = {"site", "device", "tc", "kind", "start"};
    memset(f, 0, sizeof *f);
    for (int k = 0; k < 5; k++)
        f->raw[k] = typed(r, get(r, keys[k]));
    f->person = typed(r, get(r, "person"));
    f->phone = typed(r, get(r, "phone"));
    const char *acc = get(r, "accord");
    f->accepted = acc && acc[0];
    bool ok = f->raw[0] && mg_parse_id(f->raw[0], INT64_MAX, &f->site_id, NULL) == 0 &&
              f->raw[1] && mg_parse_id(f->raw[1], INT64_MAX, &f->device_id, NULL) == 0 &&
              f->raw[2] && mg_parse_id(f->raw[2], INT64_MAX, &f->tc_id, NULL) == 0 &&
              f->raw[3] && mg_booking_kind_parse(f->raw[3], &f->kind) == MG_OK &&
              web_booking_parse_start(f->raw[4], &f->start) == MG_OK;
    if (!ok)
        mg_http_error(r, ctx->res, 400,
                      "Ce créneau est mal désigné. Choisissez-le de nouveau dans la liste des "
                      "créneaux libres.");
    return ok;
}

/* The form of a slot, with what was typed and the refused fields. */
static void draw_form(web_ctx *ctx, const slot_form *f, const mg_booking_site *s,
                      const mg_booking_errors *errs)
{
    mg_buf *b = &ctx->res->body;
    const char *perr = mg_booking_errors_for(errs, "person");
    const char *terr = mg_booking_errors_for(errs, "phone");
    const char *aerr = mg_booking_errors_for(errs, "accord");
    if (!terr)
        terr = mg_booking_errors_for(errs, "address");
    if (errs && errs->n) {
        mg_buf_puts(b, "<div class=\"error\" role=\"alert\"><p>Le rendez-vous n'est pas "
                       "enregistré :</p><ul>");
        for (size_t k = 0; k < errs->n && k < MG_BOOKING_ERRORS_MAX; k++) {
            const char *fld = errs->e[k].field;
            bool is_person = strcmp(fld, "person") == 0, is_accord = strcmp(fld, "accord") == 0;
            if (is_person)
                mg_buf_puts(b, "<li><a href=\"#tc-person\">");
            else if (is_accord)
                mg_buf_puts(b, "<li><a href=\"#tc-accord\">");
            else
                mg_buf_puts(b, "<li><a href=\"#tc-phone\">");
            mg_html_text(b, errs->e[k].msg);
            mg_buf_puts(b, "</a></li>");
        }
        mg_buf_puts(b, "</ul></div>\n");
    }
    bool name = s->ask == MG_BOOKING_ASK_NAME;
    mg_buf_puts(b, "<form class=\"finder-form booking-form\" method=\"post\" "
                   "action=\"/teleconsultation/reserver\">\n");
    web_csrf_field(b, ctx);
    static const char *const keys[5] = {"site", "device", "tc", "kind", "start"};
    for (int k = 0; k < 5; k++)
        mg_html_hidden(b, keys[k], f->raw[k] ? f->raw[k] : "");
    /* Person. */
    mg_buf_puts(b, name ? "<p><label for=\"tc-person\">Votre nom</label><br>\n"
                        : "<p><label for=\"tc-person\">Vos initiales</label><br>\n");
    mg_buf_puts(b, name ? "<span class=\"finder-hint\" id=\"tc-person-aide\">Le lieu d'accueil "
                          "vous reçoit sous ce nom.</span>\n"
                        : "<span class=\"finder-hint\" id=\"tc-person-aide\">Par exemple : A. B. "
                          "Le lieu d'accueil vous reçoit sous ces initiales.</span>\n");
    if (perr) {
        mg_buf_puts(b, "<br><span class=\"error\" id=\"tc-person-erreur\">");
        mg_html_text(b, perr);
        mg_buf_puts(b, "</span>");
    }
    mg_buf_printf(b, "<br><input type=\"text\" id=\"tc-person\" name=\"person\" required "
                     "maxlength=\"%d\" ",
                  MG_BOOKING_PERSON_MAX_CHARS);
    mg_buf_puts(b, name ? "autocomplete=\"name\" " : "autocomplete=\"off\" ");
    mg_buf_puts(b, perr ? "aria-invalid=\"true\" aria-describedby=\"tc-person-erreur "
                          "tc-person-aide\""
                        : "aria-describedby=\"tc-person-aide\"");
    mg_buf_puts(b, " value=\"");
    mg_html_attr(b, f->person ? f->person : "");
    mg_buf_puts(b, "\"></p>\n");
    /* Phone. */
    mg_buf_puts(b, "<p><label for=\"tc-phone\">Votre numéro de téléphone</label><br>\n"
                   "<span class=\"finder-hint\" id=\"tc-phone-aide\">Pour vous prévenir si le "
                   "rendez-vous ne peut pas avoir lieu. Par exemple : 06 12 34 56 78.</span>\n");
    if (terr) {
        mg_buf_puts(b, "<br><span class=\"error\" id=\"tc-phone-erreur\">");
        mg_html_text(b, terr);
        mg_buf_puts(b, "</span>");
    }
    mg_buf_puts(b, "<br><input type=\"tel\" id=\"tc-phone\" name=\"phone\" required "
                   "maxlength=\"30\" autocomplete=\"tel\" ");
    mg_buf_puts(b, terr ? "aria-invalid=\"true\" aria-describedby=\"tc-phone-erreur "
                          "tc-phone-aide\""
                        : "aria-describedby=\"tc-phone-aide\"");
    mg_buf_puts(b, " value=\"");
    mg_html_attr(b, f->phone ? f->phone : "");
    mg_buf_puts(b, "\"></p>\n");
    /* The notice. */
    if (aerr) {
        mg_buf_puts(b, "<p class=\"error\" id=\"tc-accord-erreur\">");
        mg_html_text(b, aerr);
        mg_buf_puts(b, "</p>\n");
    }
    mg_buf_puts(b, "<p><input type=\"checkbox\" id=\"tc-accord\" name=\"accord\" value=\"1\" "
                   "required");
    if (aerr)
        mg_buf_puts(b, " aria-invalid=\"true\" aria-describedby=\"tc-accord-erreur\"");
    if (f->accepted)
        mg_buf_puts(b, " checked");
    mg_buf_puts(b, "> <label for=\"tc-accord\">J'ai lu <a href=\"/teleconsultation/"
                   "confidentialite\">comment mes données sont utilisées</a> : mon nom ou mes "
                   "initiales et mon numéro sont transmis au lieu d'accueil pour me "
                   "recevoir.</label></p>\n"
                   "<p><button type=\"submit\">Réserver ce créneau</button></p>\n</form>\n");
}

/* The slot's summary: where, when, what. */
static void draw_slot(mg_buf *b, const mg_booking_site *s, int64_t start, mg_booking_kind kind)
{
    char when[64];
    mg_booking_format_fr(start, when);
    mg_buf_puts(b, "<dl class=\"booking-summary\"><dt>Quand</dt><dd>");
    mg_html_text(b, when);
    mg_buf_puts(b, "</dd><dt>Où</dt><dd>");
    mg_html_text(b, s->name);
    mg_buf_puts(b, "<br>");
    site_address(b, s);
    mg_buf_puts(b, "</dd><dt>Consultation</dt><dd>");
    mg_html_text(b, mg_booking_kind_label(kind));
    mg_buf_puts(b, "</dd></dl>\n");
}

/* The site of a form, or an answered 404 (false). */
static bool form_site(web_ctx *ctx, int64_t id, mg_booking_site *s)
{
    memset(s, 0, sizeof *s);
    mg_diag d = {{0}};
    int rc = mg_booking_site_get(ctx->app->db, id, s, &d);
    if (rc == MG_OK && !s->active)
        rc = MG_ENOTFOUND;
    if (rc) {
        mg_booking_site_clear(s);
        web_storage_error(ctx->req, ctx->res, rc, &d, SITE_NOT_FOUND, READ_FAILED);
        return false;
    }
    return true;
}

static int gone_page(web_ctx *ctx, const slot_form *f, const mg_booking_site *s);

static int form_page(web_ctx *ctx, const slot_form *f, const mg_booking_site *s,
                     const mg_booking_errors *errs)
{
    page_top(ctx, errs && errs->n ? "Erreur : réserver un créneau de téléconsultation"
                                  : "Réserver un créneau de téléconsultation");
    mg_buf *b = &ctx->res->body;
    mg_buf_puts(b, "<h1>Réserver ce créneau</h1>\n");
    draw_slot(b, s, f->start, f->kind);
    draw_form(ctx, f, s, errs);
    return page_bottom(ctx);
}

/* GET /teleconsultation/reserver */
static int book_form(web_ctx *ctx)
{
    slot_form f;
    if (!read_slot(ctx, false, &f))
        return MG_OK;
    mg_booking_site s;
    if (!form_site(ctx, f.site_id, &s))
        return MG_OK;
    /* Still free? (The booking decides in the end; this spares a form.) */
    mg_booking_slot_query q = {.site_ids = &f.site_id, .nsites = 1, .kind = f.kind,
                               .from = f.start, .days = 1, .limit = 1,
                               .device_id = f.device_id, .teleconsultant_id = f.tc_id};
    mg_booking_slot *v = NULL;
    size_t n = 0;
    if (!read_slots(ctx, &q, &v, &n)) {
        mg_booking_site_clear(&s);
        return MG_OK;
    }
    bool free_now = n == 1 && v[0].start == f.start && f.start > mg_booking_now();
    free(v);
    int rc = free_now ? form_page(ctx, &f, &s, NULL) : gone_page(ctx, &f, &s);
    mg_booking_site_clear(&s);
    return rc;
}

/* The slot is gone: say so, with the site's next free slots. */
static int gone_page(web_ctx *ctx, const slot_form *f, const mg_booking_site *s)
{
    mg_booking_slot_query q = {.site_ids = &f->site_id, .nsites = 1, .kind = f->kind,
                               .from = mg_booking_now() + 1, .days = SLOTS_DAYS,
                               .limit = 10};
    mg_booking_slot *v = NULL;
    size_t n = 0;
    if (!read_slots(ctx, &q, &v, &n))
        return MG_OK;
    ctx->res->status = 409;
    page_top(ctx, "Ce créneau n'est plus libre");
    mg_buf *b = &ctx->res->body;
    mg_buf_puts(b, "<h1>Ce créneau n'est plus libre</h1>\n<p role=\"alert\">Quelqu'un vient de "
                   "le réserver, ou il n'est plus proposé. Rien n'a été enregistré pour vous. "
                   "Choisissez un autre créneau :</p>\n<h2>");
    mg_html_text(b, s->name);
    mg_buf_puts(b, " : prochains créneaux libres</h2>\n");
    if (n)
        draw_site_slots(b, v, n, f->site_id);
    else
        mg_buf_puts(b, "<p>Aucun autre créneau libre dans les prochaines semaines.</p>\n");
    free(v);
    return page_bottom(ctx);
}

/* POST /teleconsultation/reserver */
static int book_post(web_ctx *ctx)
{
    slot_form f;
    if (!read_slot(ctx, true, &f))
        return MG_OK;
    mg_booking_site s;
    if (!form_site(ctx, f.site_id, &s))
        return MG_OK;
    mg_booking_errors errs = {0};
    if (!f.accepted) {
        mg_booking_errors_add(&errs, "accord", "Cochez la case pour dire que vous avez lu "
                                               "comment vos données sont utilisées.");
        ctx->res->status = 400;
        int rc = form_page(ctx, &f, &s, &errs);
        mg_booking_site_clear(&s);
        return rc;
    }
    mg_booking_input in = {.site_id = f.site_id, .device_id = f.device_id,
                           .teleconsultant_id = f.tc_id, .kind = f.kind, .start = f.start,
                           .person = f.person ? f.person : "", .phone = f.phone ? f.phone : "",
                           .address = mg_http_client_address(ctx->req),
                           .now_s = (int64_t)time(NULL)};
    mg_booking_result res;
    memset(&res, 0, sizeof res);
    mg_diag d = {{0}};
    int rc = mg_booking_book(ctx->app->db, 0, &in, &res, &errs, &d);
    if (rc == MG_EINVAL && res.gone) {
        rc = gone_page(ctx, &f, &s);
    } else if (rc == MG_EINVAL) {
        if (!errs.n)
            mg_booking_errors_add(&errs, "start", "%s", d.msg[0] ? d.msg : "Saisie refusée.");
        ctx->res->status = 400;
        rc = form_page(ctx, &f, &s, &errs);
    } else if (rc == MG_ETHROTTLE) {
        ctx->res->status = 429;
        mg_http_retry_after(ctx->res, res.retry_after > 0 ? (unsigned)res.retry_after : 60);
        page_top(ctx, "Trop de tentatives");
        mg_buf_printf(&ctx->res->body, "<h1>Trop de tentatives</h1>\n<p role=\"alert\">Trop de "
                                       "réservations ont été tentées depuis votre connexion ou "
                                       "pour ce numéro. Réessayez dans %d minutes.</p>\n",
                      (res.retry_after + 59) / 60 > 0 ? (res.retry_after + 59) / 60 : 1);
        rc = page_bottom(ctx);
    } else if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, SITE_NOT_FOUND, SAVE_FAILED);
        rc = MG_OK;
    } else {
        snprintf(ctx->res->cache, sizeof ctx->res->cache, "private, no-store");
        page_top(ctx, "Rendez-vous réservé");
        mg_buf *b = &ctx->res->body;
        mg_buf_puts(b, "<h1>Rendez-vous réservé</h1>\n<p role=\"status\">Votre créneau est "
                       "réservé. Notez votre code de rendez-vous : il n'est affiché "
                       "qu'une fois.</p>\n<p class=\"booking-code\">Code : <strong>");
        mg_html_text(b, res.code);
        mg_buf_puts(b, "</strong></p>\n");
        draw_slot(b, &s, res.start, f.kind);
        mg_buf_puts(b, "<h2>Le jour venu</h2>\n<p>Présentez-vous à l'accueil quelques minutes "
                       "avant l'heure, avec votre carte Vitale, et donnez votre code. Le "
                       "médecin vérifiera votre identité pendant la consultation.</p>\n"
                       "<h2>Annuler</h2>\n<p>Si vous ne pouvez pas venir, annulez pour libérer "
                       "le créneau : <a href=\"/teleconsultation/rendez-vous\">retrouver mon "
                       "rendez-vous</a> avec ce code, ou appelez le lieu d'accueil.</p>\n");
        rc = page_bottom(ctx);
    }
    mg_booking_site_clear(&s);
    return rc;
}

/* --- Looking up and cancelling with the code ------------------------------------------------ */

static void code_form(web_ctx *ctx, const char *code_typed, const char *error)
{
    mg_buf *b = &ctx->res->body;
    mg_buf_puts(b, "<form class=\"finder-form\" method=\"post\" "
                   "action=\"/teleconsultation/rendez-vous\">\n");
    web_csrf_field(b, ctx);
    mg_buf_puts(b, "<label for=\"tc-code\">Votre code de rendez-vous</label>\n"
                   "<p class=\"finder-hint\" id=\"tc-code-aide\">Dix lettres et chiffres, par "
                   "exemple ABCDE-FGHJK.</p>\n");
    if (error) {
        mg_buf_puts(b, "<p class=\"finder-error error\" id=\"tc-code-erreur\">");
        mg_html_text(b, error);
        mg_buf_puts(b, "</p>\n");
    }
    mg_buf_puts(b, "<div class=\"finder-row\"><input type=\"text\" id=\"tc-code\" name=\"code\" "
                   "required maxlength=\"40\" autocomplete=\"off\" spellcheck=\"false\" ");
    mg_buf_puts(b, error ? "aria-invalid=\"true\" aria-describedby=\"tc-code-erreur "
                           "tc-code-aide\""
                         : "aria-describedby=\"tc-code-aide\"");
    mg_buf_puts(b, " value=\"");
    mg_html_attr(b, code_typed ? code_typed : "");
    mg_buf_puts(b, "\">\n<button type=\"submit\">Voir</button></div>\n</form>\n");
}

/* GET /teleconsultation/rendez-vous */
static int lookup_page(web_ctx *ctx)
{
    page_top(ctx, "Retrouver un rendez-vous de téléconsultation");
    mg_buf_puts(&ctx->res->body, "<h1>Retrouver ou annuler un rendez-vous</h1>\n");
    code_form(ctx, NULL, NULL);
    return page_bottom(ctx);
}

static void draw_booking(mg_buf *b, const mg_booking *bk)
{
    char when[64];
    mg_booking_format_fr(bk->start, when);
    mg_buf_puts(b, "<dl class=\"booking-summary\"><dt>Quand</dt><dd>");
    mg_html_text(b, when);
    mg_buf_puts(b, "</dd><dt>Où</dt><dd>");
    mg_html_text(b, bk->site_name);
    mg_buf_puts(b, ", ");
    mg_html_text(b, bk->commune_name);
    mg_buf_puts(b, "</dd><dt>Consultation</dt><dd>");
    mg_html_text(b, mg_booking_kind_label(bk->kind));
    mg_buf_puts(b, "</dd><dt>État</dt><dd>");
    mg_html_text(b, mg_booking_state_label(bk->state));
    mg_buf_puts(b, "</dd></dl>\n");
}

/* A failed lookup or cancel by code: the form again, or 429. */
static int code_refused(web_ctx *ctx, int rc, int retry, const mg_diag *d, const char *code,
                        const char *title)
{
    if (rc == MG_ETHROTTLE) {
        ctx->res->status = 429;
        mg_http_retry_after(ctx->res, retry > 0 ? (unsigned)retry : 60);
        page_top(ctx, "Trop de tentatives");
        mg_buf_printf(&ctx->res->body, "<h1>Trop de tentatives</h1>\n<p role=\"alert\">Trop de "
                                       "codes ont été essayés depuis votre connexion. Réessayez "
                                       "dans %d minutes.</p>\n",
                      (retry + 59) / 60 > 0 ? (retry + 59) / 60 : 1);
        return page_bottom(ctx);
    }
    if (rc != MG_ENOTFOUND && rc != MG_EINVAL) {
        web_storage_error(ctx->req, ctx->res, rc, d, READ_FAILED, READ_FAILED);
        return MG_OK;
    }
    ctx->res->status = rc == MG_ENOTFOUND ? 404 : 409;
    page_top(ctx, title);
    mg_buf_puts(&ctx->res->body, "<h1>Retrouver ou annuler un rendez-vous</h1>\n");
    code_form(ctx, code, rc == MG_ENOTFOUND
                             ? "Aucun rendez-vous n'a ce code. Vérifiez-le : il est affiché à la "
                               "réservation."
                         : d && d->msg[0] ? d->msg
                                          : "Ce rendez-vous ne peut plus être annulé.");
    return page_bottom(ctx);
}

/* POST /teleconsultation/rendez-vous */
static int lookup_post(web_ctx *ctx)
{
    const char *code = typed(ctx->req, mg_http_form(ctx->req, "code"));
    char canon[MG_BOOKING_CODE_CHARS + 1];
    if (!code || mg_booking_code_normalise(code, canon) != MG_OK) {
        ctx->res->status = 400;
        page_top(ctx, "Erreur : retrouver un rendez-vous de téléconsultation");
        mg_buf_puts(&ctx->res->body, "<h1>Retrouver ou annuler un rendez-vous</h1>\n");
        code_form(ctx, code, "Ce code n'a pas la bonne forme : dix lettres et chiffres, par "
                             "exemple ABCDE-FGHJK.");
        return page_bottom(ctx);
    }
    mg_booking bk;
    memset(&bk, 0, sizeof bk);
    int retry = 0;
    mg_diag d = {{0}};
    int rc = mg_booking_find_code(ctx->app->db, code, mg_http_client_address(ctx->req),
                                  (int64_t)time(NULL), &bk, &retry, &d);
    if (rc)
        return code_refused(ctx, rc, retry, &d, code,
                            "Erreur : retrouver un rendez-vous de téléconsultation");
    snprintf(ctx->res->cache, sizeof ctx->res->cache, "private, no-store");
    page_top(ctx, "Votre rendez-vous de téléconsultation");
    mg_buf *b = &ctx->res->body;
    mg_buf_puts(b, "<h1>Votre rendez-vous</h1>\n");
    draw_booking(b, &bk);
    if (bk.state == MG_BOOKING_BOOKED && bk.start > mg_booking_now()) {
        mg_buf_puts(b, "<form method=\"post\" action=\"/teleconsultation/annuler\">\n");
        web_csrf_field(b, ctx);
        mg_html_hidden(b, "code", code);
        mg_buf_puts(b, "<p><button type=\"submit\">Annuler ce rendez-vous</button></p>\n"
                       "</form>\n");
    }
    return page_bottom(ctx);
}

/* POST /teleconsultation/annuler */
static int cancel_post(web_ctx *ctx)
{
    const char *code = typed(ctx->req, mg_http_form(ctx->req, "code"));
    char canon[MG_BOOKING_CODE_CHARS + 1];
    if (!code || mg_booking_code_normalise(code, canon) != MG_OK) {
        ctx->res->status = 400;
        page_top(ctx, "Erreur : annuler un rendez-vous de téléconsultation");
        mg_buf_puts(&ctx->res->body, "<h1>Retrouver ou annuler un rendez-vous</h1>\n");
        code_form(ctx, code, "Ce code n'a pas la bonne forme : dix lettres et chiffres, par "
                             "exemple ABCDE-FGHJK.");
        return page_bottom(ctx);
    }
    mg_booking bk;
    memset(&bk, 0, sizeof bk);
    int retry = 0;
    mg_diag d = {{0}};
    int rc = mg_booking_cancel_code(ctx->app->db, code, mg_http_client_address(ctx->req),
                                    (int64_t)time(NULL), &bk, &retry, &d);
    if (rc)
        return code_refused(ctx, rc, retry, &d, code,
                            "Erreur : annuler un rendez-vous de téléconsultation");
    page_top(ctx, "Rendez-vous annulé");
    mg_buf *b = &ctx->res->body;
    mg_buf_puts(b, "<h1>Rendez-vous annulé</h1>\n<p role=\"status\">Votre rendez-vous est "
                   "annulé ; le créneau est de nouveau libre pour quelqu'un d'autre.</p>\n");
    draw_booking(b, &bk);
    mg_buf_printf(b, "<p><a href=\"/teleconsultation?site=%lld\">Choisir un autre créneau dans "
                     "ce lieu</a></p>\n",
                  (long long)bk.site_id);
    return page_bottom(ctx);
}

/* --- The privacy notice --------------------------------------------------------------------- */

/* GET /teleconsultation/confidentialite: docs/privacy.md in French, in short. */
static int privacy_page(web_ctx *ctx)
{
    page_top(ctx, "Vos données : rendez-vous de téléconsultation");
    mg_buf_puts(
        &ctx->res->body,
        "<h1>Vos données</h1>\n"
        "<h2>Ce que fait ce service</h2>\n"
        "<p>Il réserve un lieu, un équipement (cabine ou chariot de téléconsultation) et le "
        "temps d'un médecin. La consultation elle-même, la vérification de votre identité, "
        "votre dossier médical, l'ordonnance et la facturation se font dans le système du "
        "service de téléconsultation, hébergé chez un hébergeur certifié pour les données de "
        "santé ; ce site n'en reçoit rien.</p>\n"
        "<h2>Ce qui est gardé</h2>\n"
        "<ul><li>vos initiales ou votre nom, selon ce que demande le lieu d'accueil ;</li>"
        "<li>votre numéro de téléphone ;</li>"
        "<li>le lieu, l'équipement, le médecin, l'heure et le type de consultation (médecine "
        "générale, suivi ou spécialisée, sans la spécialité) ;</li>"
        "<li>l'état du rendez-vous (réservé, arrivé, terminé, annulé, absent) ;</li>"
        "<li>une empreinte de votre code, jamais le code lui-même ; des empreintes de votre "
        "numéro et de votre adresse réseau, pour limiter les abus.</li></ul>\n"
        "<p><strong>Jamais</strong> : le motif de la consultation, vos symptômes, un "
        "diagnostic, votre numéro de sécurité sociale.</p>\n"
        "<h2>Pourquoi et sur quelle base</h2>\n"
        "<p>Pour que le lieu d'accueil sache qui il reçoit et puisse vous prévenir si le "
        "rendez-vous ne peut pas avoir lieu. Base légale : mission d'intérêt public de la "
        "collectivité qui prête l'équipement (article 6.1.e du RGPD). La case à cocher du "
        "formulaire dit que vous avez lu cette page ; ce n'est pas un consentement "
        "au sens du RGPD.</p>\n"
        "<h2>Combien de temps</h2>\n"
        "<p>Votre nom ou vos initiales et votre numéro sont gardés jusqu'à trois mois après "
        "le rendez-vous, puis effacés ; le rendez-vous reste, anonyme, pour les statistiques "
        "d'usage.</p>\n"
        "<h2>Qui voit quoi</h2>\n"
        "<ul><li>le lieu d'accueil : vos initiales ou votre nom et votre numéro ;</li>"
        "<li>le médecin : vos initiales ou votre nom ; votre numéro seulement si le lieu a "
        "choisi de le partager ;</li>"
        "<li>la collectivité propriétaire des équipements : des nombres seulement (heures "
        "réservées, absences, annulations), jamais de nom ni de numéro ;</li>"
        "<li>personne d'autre : votre rendez-vous ne se consulte qu'avec son code.</li></ul>\n"
        "<h2>Vos droits</h2>\n"
        "<p>Voir votre rendez-vous ou l'annuler : <a href=\"/teleconsultation/rendez-vous\">avec "
        "votre code</a>. Pour le reste (accès, effacement, opposition), adressez-vous au lieu "
        "d'accueil ou au délégué à la protection des données de la collectivité ; vous pouvez "
        "aussi saisir la CNIL.</p>\n");
    return page_bottom(ctx);
}

const web_route web_routes_booking_public[] = {
    {"GET", "/teleconsultation", search_page, WEB_ANYONE, 0},
    {"GET", "/teleconsultation/reserver", book_form, WEB_ANYONE, 0},
    {"POST", "/teleconsultation/reserver", book_post, WEB_ANYONE, 0},
    {"GET", "/teleconsultation/rendez-vous", lookup_page, WEB_ANYONE, 0},
    {"POST", "/teleconsultation/rendez-vous", lookup_post, WEB_ANYONE, 0},
    {"POST", "/teleconsultation/annuler", cancel_post, WEB_ANYONE, 0},
    {"GET", "/teleconsultation/confidentialite", privacy_page, WEB_ANYONE, 0},
    {NULL, NULL, NULL, 0, 0},
};
