/*
 * The public's side of mobile services' rounds (issue 18; docs/rounds-web.md,
 * docs/rounds-api.md), no account needed:
 *   GET /tournees                                 the published services
 *   GET /tournees/{id}                            the timetable, this week and the next
 *   GET /tournees/{id}/affiche/{commune}.pdf      the A4 poster of a commune's stops
 *   GET /tournees/{id}/calendrier.ics             the iCalendar feed
 *   GET /api/v1/rounds/published                  the published services (JSON)
 *   GET /api/v1/rounds/published/{id}/timetable   the dated stops of a range (JSON)
 * and the finder's section of next stops (web_rounds_finder_section).
 *
 * Only a published service is shown (its published plan, the school
 * holidays of its zone, its cancellations, read by rounds/published.h);
 * any other id is the 404 of a service without a published timetable.
 * Times are Paris civil time (rounds/timetable.h reads the DST changes).
 * The pages read through rounds/store.h and never run SQL.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse/parse.h"
#include "rounds/publish.h"
#include "rounds/published.h"
#include "rounds/store.h"
#include "rounds/timetable.h"
#include "web/rounds_web.h"
#include "web/web.h"

static const char PUBLIC_NOT_FOUND[] = "Ce service itinérant n'a pas d'horaires publiés.";
static const char PUBLIC_READ_FAILED[] =
    "Les horaires n'ont pas pu être lus. Réessayez dans un instant.";

/* The finder's reach, minutes by the territory's travel-time table. */
#define FINDER_REACH_MIN 30
#define FINDER_SHOWN 6
/* The feed's range around today. */
#define FEED_PAST_DAYS 14
#define FEED_NEXT_DAYS 120
#define POSTER_WEEKS 4

/* --- A published service (rounds/published.h) ------------------------------------------- */

typedef mg_round_published pub_service;

static void pub_free(pub_service *p)
{
    mg_round_published_free(p);
}

static int pub_load(mg_db *db, int64_t id, pub_service *p, mg_diag *d)
{
    return mg_round_published_load(db, id, p, d);
}

static bool iso_date(const char *s, mg_rounds_date *out)
{
    return s && mg_round_date_parse(s, out) == MG_OK;
}

/* The service {id} of the path, published; false once answered. */
static bool pub_request(web_ctx *ctx, pub_service *p)
{
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "id"), INT64_MAX, &id, NULL) != 0) {
        mg_http_error(ctx->req, ctx->res, 404, PUBLIC_NOT_FOUND);
        return false;
    }
    mg_diag d = {{0}};
    int rc = pub_load(ctx->app->db, id, p, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, PUBLIC_NOT_FOUND, PUBLIC_READ_FAILED);
        return false;
    }
    return true;
}

/* Monday of the week of `day`. */
static mg_rounds_date monday_of(mg_rounds_date day)
{
    return mg_rounds_date_of(mg_rounds_days(day) - web_rounds_weekday(day));
}

/* --- Pages ------------------------------------------------------------------------------------ */

static int public_list(web_ctx *ctx)
{
    mg_round_service *v = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_round_service_list(ctx->app->db, 0, true, &v, &n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NULL, PUBLIC_READ_FAILED);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Services itinérants", "ou-me-soigner");
    mg_buf_puts(b, "<h1>Services itinérants</h1>\n<p>Les véhicules qui viennent près de chez "
                   "vous : consultations de la PMI, bus d'information jeunesse, consultations "
                   "mobiles. Chaque service publie ses arrêts, cette semaine et la semaine "
                   "prochaine, une affiche par commune et un calendrier à ajouter à votre "
                   "agenda.</p>\n");
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucun service itinérant n'a publié ses horaires.</p>\n");
    } else {
        mg_buf_puts(b, "<ul class=\"rounds-services\">\n");
        for (size_t k = 0; k < n; k++) {
            mg_buf_puts(b, "<li>");
            mg_html_link_id(b, "/tournees/", v[k].id, NULL);
            mg_html_text(b, v[k].name);
            mg_buf_puts(b, "</a> — ");
            mg_html_text(b, v[k].organisation_name);
            mg_buf_puts(b, "</li>\n");
        }
        mg_buf_puts(b, "</ul>\n");
    }
    free(v);
    web_page_end(b);
    return web_done(ctx);
}

static int public_page(web_ctx *ctx)
{
    pub_service p;
    if (!pub_request(ctx, &p))
        return MG_OK;
    mg_rounds_date today = web_rounds_paris_date(web_rounds_now(ctx->app));
    mg_rounds_date from = monday_of(today);
    mg_rounds_date to = mg_rounds_date_of(mg_rounds_days(from) + 13);
    mg_buf *b = &ctx->res->body;
    char title[sizeof p.row.name + 32];
    snprintf(title, sizeof title, "%s — horaires", p.row.name);
    web_page_begin(b, ctx, title, "ou-me-soigner");
    mg_buf_puts(b, "<nav aria-label=\"Fil d'Ariane\" class=\"crumbs\"><a href=\"/tournees\">"
                   "Services itinérants</a></nav>\n<h1>");
    mg_html_text(b, p.row.name);
    mg_buf_puts(b, "</h1>\n<p>");
    mg_html_text(b, p.row.organisation_name);
    if (p.row.contact[0]) {
        mg_buf_puts(b, " — contact : ");
        mg_html_text(b, p.row.contact);
    }
    mg_buf_puts(b, "</p>\n<p>Horaires à l'heure de Paris. ");
    mg_buf_puts(b, p.row.runs_in_holidays
                       ? "Le service passe pendant les vacances scolaires."
                       : "Le service ne passe pas pendant les vacances scolaires.");
    mg_buf_puts(b, "</p>\n<section aria-labelledby=\"horaires\"><h2 id=\"horaires\">Cette "
                   "semaine et la semaine prochaine</h2>\n");
    mg_diag d = {{0}};
    if (web_rounds_timetable_html(b, &p.svc, from, to, 3, &d) != MG_OK)
        mg_buf_puts(b, "<p>Les horaires n'ont pas pu être calculés.</p>\n");
    mg_buf_puts(b, "</section>\n");

    /* The communes served: a poster each. */
    mg_buf_puts(b, "<section aria-labelledby=\"affiches\"><h2 id=\"affiches\">Affiches et "
                   "calendrier</h2>\n<ul>");
    const char *seen[512];
    size_t nseen = 0;
    for (size_t r = 0; r < p.svc.nroutes; r++)
        for (size_t k = 0; k < p.svc.routes[r].nvisits; k++) {
            const mg_rounds_pub_visit *v = &p.svc.routes[r].visits[k];
            bool dup = false;
            for (size_t j = 0; j < nseen && !dup; j++)
                dup = strcmp(seen[j], v->commune_code) == 0;
            if (dup || nseen == sizeof seen / sizeof *seen)
                continue;
            seen[nseen++] = v->commune_code;
            char href[96];
            snprintf(href, sizeof href, "/tournees/%lld/affiche/", (long long)p.row.id);
            mg_buf_puts(b, "<li><a href=\"");
            mg_html_attr(b, href);
            mg_html_url_arg(b, v->commune_code);
            mg_buf_puts(b, ".pdf\">Affiche pour ");
            mg_html_text(b, v->commune_name);
            mg_buf_puts(b, " (PDF)</a></li>");
        }
    char ics[96];
    snprintf(ics, sizeof ics, "/tournees/%lld/calendrier.ics", (long long)p.row.id);
    mg_buf_puts(b, "<li><a href=\"");
    mg_html_attr(b, ics);
    mg_buf_puts(b, "\">Calendrier à ajouter à votre agenda (iCalendar)</a></li></ul>\n"
                   "</section>\n");
    web_page_end(b);
    pub_free(&p);
    return web_done(ctx);
}

static int public_poster(web_ctx *ctx)
{
    pub_service p;
    if (!pub_request(ctx, &p))
        return MG_OK;
    const char *code = mg_http_path_param(ctx->req, "commune");
    char c[MG_PARSE_COMMUNE_SIZE];
    if (!code || mg_parse_commune(code, c, NULL) != 0) {
        pub_free(&p);
        mg_http_error(ctx->req, ctx->res, 404, "Ce service ne s'arrête pas dans cette commune.");
        return MG_OK;
    }
    mg_rounds_date today = web_rounds_paris_date(web_rounds_now(ctx->app));
    mg_diag d = {{0}};
    int rc = mg_rounds_poster(&p.svc, c, today, POSTER_WEEKS, today, &ctx->res->body, &d);
    if (rc == MG_ENOTFOUND) {
        mg_buf_reset(&ctx->res->body);
        mg_http_error(ctx->req, ctx->res, 404, "Ce service ne s'arrête pas dans cette commune.");
    } else if (rc) {
        mg_buf_reset(&ctx->res->body);
        web_storage_error(ctx->req, ctx->res, rc, &d, NULL, "L'affiche n'a pas pu être produite.");
    } else {
        ctx->res->content_type = "application/pdf";
        snprintf(ctx->res->disposition, sizeof ctx->res->disposition,
                 "inline; filename=\"affiche-%lld-%s.pdf\"", (long long)p.row.id, c);
    }
    pub_free(&p);
    return MG_OK;
}

static int public_feed(web_ctx *ctx)
{
    pub_service p;
    if (!pub_request(ctx, &p))
        return MG_OK;
    int64_t now = web_rounds_now(ctx->app);
    mg_rounds_date today = web_rounds_paris_date(now);
    mg_rounds_date from = mg_rounds_date_of(mg_rounds_days(today) - FEED_PAST_DAYS);
    mg_rounds_date to = mg_rounds_date_of(mg_rounds_days(today) + FEED_NEXT_DAYS);
    mg_diag d = {{0}};
    int rc = mg_rounds_ical(&p.svc, from, to, now, &ctx->res->body, &d);
    if (rc) {
        mg_buf_reset(&ctx->res->body);
        web_storage_error(ctx->req, ctx->res, rc, &d, NULL,
                          "Le calendrier n'a pas pu être produit.");
    } else {
        ctx->res->content_type = "text/calendar; charset=utf-8";
        snprintf(ctx->res->disposition, sizeof ctx->res->disposition,
                 "inline; filename=\"tournees-%lld.ics\"", (long long)p.row.id);
        snprintf(ctx->res->cache, sizeof ctx->res->cache, "public, max-age=900");
    }
    pub_free(&p);
    return MG_OK;
}

/* --- The finder's section ---------------------------------------------------------------------- */

typedef struct next_stop {
    mg_rounds_occurrence o;
    const pub_service *p;
    double minutes; /* from the commune asked */
} next_stop;

static int cmp_next(const void *x, const void *y)
{
    const next_stop *a = x, *b = y;
    if (a->o.start_utc != b->o.start_utc)
        return a->o.start_utc < b->o.start_utc ? -1 : 1;
    return a->minutes < b->minutes ? -1 : a->minutes > b->minutes;
}

void web_rounds_finder_section(mg_buf *b, web_ctx *ctx, size_t commune)
{
    const mg_app *a = ctx->app;
    const mg_diagnosis *g = a->prof[0].g;
    const mg_territory *t = g->t;
    mg_round_service *list = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    if (mg_round_service_list(a->db, 0, true, &list, &n, &d) != 0 || n == 0) {
        free(list);
        return;
    }
    /* Minutes from the commune to each commune within reach (itself 0). */
    double *reach = malloc((t->n ? t->n : 1) * sizeof *reach);
    pub_service *pubs = calloc(n, sizeof *pubs);
    next_stop *found = NULL;
    size_t nfound = 0, cap = 0;
    if (!reach || !pubs)
        goto out;
    for (size_t i = 0; i < t->n; i++)
        reach[i] = INFINITY;
    if (commune < t->n)
        reach[commune] = 0;
    if (commune < g->pairs.n)
        for (size_t j = g->pairs.start[commune]; j < g->pairs.start[commune + 1]; j++)
            if (g->pairs.minutes[j] <= FINDER_REACH_MIN &&
                g->pairs.minutes[j] < reach[g->pairs.to[j]])
                reach[g->pairs.to[j]] = g->pairs.minutes[j];
    int64_t now = web_rounds_now(a);
    for (size_t k = 0; k < n; k++) {
        if (pub_load(a->db, list[k].id, &pubs[k], &d) != 0) {
            memset(&pubs[k], 0, sizeof pubs[k]);
            continue;
        }
        const mg_rounds_service *s = &pubs[k].svc;
        /* Each commune of the service within reach, once. */
        for (size_t r = 0; r < s->nroutes; r++)
            for (size_t v = 0; v < s->routes[r].nvisits; v++) {
                const char *code = s->routes[r].visits[v].commune_code;
                bool before = false;
                for (size_t r2 = 0; r2 <= r && !before; r2++)
                    for (size_t v2 = 0; v2 < s->routes[r2].nvisits && !before; v2++) {
                        if (r2 == r && v2 == v)
                            break;
                        before = strcmp(s->routes[r2].visits[v2].commune_code, code) == 0;
                    }
                long c = mg_territory_find_current(t, code);
                if (before || c < 0 || !isfinite(reach[c]))
                    continue;
                mg_rounds_occurrence occ[FINDER_SHOWN];
                int m = mg_rounds_next_stops(s, code, now, occ, FINDER_SHOWN, &d);
                for (int q = 0; q < m; q++) {
                    if (nfound == cap) {
                        size_t ncap = cap ? 2 * cap : 16;
                        next_stop *grown = realloc(found, ncap * sizeof *grown);
                        if (!grown)
                            goto out;
                        found = grown;
                        cap = ncap;
                    }
                    found[nfound++] = (next_stop){.o = occ[q], .p = &pubs[k],
                                                  .minutes = reach[c]};
                }
            }
    }
    if (nfound == 0)
        goto out;
    qsort(found, nfound, sizeof *found, cmp_next);
    mg_buf_puts(b, "<section class=\"finder-section\" aria-labelledby=\"tournees\">\n<h2 "
                   "id=\"tournees\">Prochains passages des services itinérants</h2>\n<p>Les "
                   "arrêts à moins de 30 minutes de ");
    mg_html_text(b, t->name[commune]);
    mg_buf_puts(b, ", à l'heure de Paris.</p>\n<ol class=\"finder-list\">\n");
    for (size_t k = 0; k < nfound && k < FINDER_SHOWN; k++) {
        const next_stop *x = &found[k];
        char date[48], from[12], to[12], mins[16];
        mg_rounds_format_date_fr(x->o.date, date);
        mg_rounds_format_minute_fr(x->o.start_min, from);
        mg_rounds_format_minute_fr(x->o.end_min, to);
        mg_buf_puts(b, "<li><p><strong>");
        mg_html_text(b, x->o.visit->stop_name);
        mg_buf_puts(b, "</strong>, ");
        mg_html_text(b, x->o.visit->commune_name);
        mg_buf_puts(b, " : le ");
        mg_html_text(b, date);
        mg_buf_puts(b, " de ");
        mg_html_text(b, from);
        mg_buf_puts(b, " à ");
        mg_html_text(b, to);
        mg_buf_puts(b, "</p><p>");
        mg_html_link_id(b, "/tournees/", x->p->row.id, NULL);
        mg_html_text(b, x->p->row.name);
        mg_buf_puts(b, "</a>");
        if (x->minutes > 0) {
            snprintf(mins, sizeof mins, "%ld", lround(x->minutes));
            mg_buf_puts(b, " — à ");
            mg_html_text(b, mins);
            mg_buf_puts(b, " minutes en voiture");
        }
        mg_buf_puts(b, "</p></li>\n");
    }
    mg_buf_puts(b, "</ol>\n</section>\n");
out:
    for (size_t k = 0; pubs && k < n; k++)
        pub_free(&pubs[k]);
    free(pubs);
    free(found);
    free(reach);
    free(list);
}

/* --- The public API ------------------------------------------------------------------------- */

static json_t *date_json(mg_rounds_date d)
{
    char s[11];
    snprintf(s, sizeof s, "%04d-%02d-%02d", d.year, d.month, d.day);
    return json_string(s);
}

static json_t *hhmm_json(int minute)
{
    char s[16];
    snprintf(s, sizeof s, "%02d:%02d", minute / 60, minute % 60);
    return json_string(s);
}

static json_t *utc_json(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char s[24];
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(s);
}

static int api_published(web_ctx *ctx)
{
    mg_round_service *v = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_round_service_list(ctx->app->db, 0, true, &v, &n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NULL, PUBLIC_READ_FAILED);
        return MG_OK;
    }
    json_t *arr = json_array();
    for (size_t k = 0; arr && k < n; k++)
        json_array_append_new(
            arr, json_pack("{s:I,s:s,s:s,s:s,s:s,s:i,s:b}", "id", (json_int_t)v[k].id, "name",
                           v[k].name, "organisation", v[k].organisation_name, "contact",
                           v[k].contact, "anchor_monday", v[k].anchor_monday, "cycle_weeks",
                           v[k].cycle_weeks, "runs_in_school_holidays", v[k].runs_in_holidays));
    free(v);
    return web_send_json(ctx->res, 200, json_pack("{s:I,s:o}", "total", (json_int_t)n,
                                                  "services", arr));
}

/* GET /api/v1/rounds/published/{id}/timetable?from=YYYY-MM-DD&to=YYYY-MM-DD
 * (default: this week and the next). */
static int api_timetable(web_ctx *ctx)
{
    mg_rounds_date today = web_rounds_paris_date(web_rounds_now(ctx->app));
    mg_rounds_date from = monday_of(today);
    mg_rounds_date to = mg_rounds_date_of(mg_rounds_days(from) + 13);
    const char *qf = mg_http_query(ctx->req, "from"), *qt = mg_http_query(ctx->req, "to");
    if (qf && *qf && !iso_date(qf, &from)) {
        mg_http_error(ctx->req, ctx->res, 400, "« from » : une date AAAA-MM-JJ.");
        return MG_OK;
    }
    if (qt && *qt && !iso_date(qt, &to)) {
        mg_http_error(ctx->req, ctx->res, 400, "« to » : une date AAAA-MM-JJ.");
        return MG_OK;
    }
    long span = mg_rounds_days(to) - mg_rounds_days(from);
    if (span < 0 || span >= MG_ROUNDS_RANGE_MAX_DAYS) {
        mg_http_error(ctx->req, ctx->res, 400,
                      "« to » : au plus 400 jours après « from », et pas avant.");
        return MG_OK;
    }
    pub_service p;
    if (!pub_request(ctx, &p))
        return MG_OK;
    mg_rounds_occurrence *occ = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_rounds_timetable(&p.svc, from, to, MG_ROUNDS_KEEP_SKIPPED, &occ, &n, &d);
    if (rc) {
        pub_free(&p);
        web_storage_error(ctx->req, ctx->res, rc, &d, NULL, PUBLIC_READ_FAILED);
        return MG_OK;
    }
    json_t *stops = json_array();
    for (size_t k = 0; stops && k < n; k++) {
        const mg_rounds_occurrence *o = &occ[k];
        json_t *j = json_pack(
            "{s:o,s:i,s:o,s:o,s:o,s:o,s:I,s:s,s:s,s:s,s:s,s:b,s:b}", "date", date_json(o->date),
            "weekday", o->weekday, "arrival", hhmm_json(o->start_min), "departure",
            hhmm_json(o->end_min), "arrival_utc", utc_json(o->start_utc), "departure_utc",
            utc_json(o->end_utc), "stop_id", (json_int_t)o->visit->stop_id, "stop",
            o->visit->stop_name ? o->visit->stop_name : "", "commune_code",
            o->visit->commune_code ? o->visit->commune_code : "", "commune",
            o->visit->commune_name ? o->visit->commune_name : "", "vehicle",
            o->route->vehicle ? o->route->vehicle : "", "cancelled", o->cancelled,
            "skipped_for_holidays", o->skipped);
        if (j && o->cancelled)
            json_object_set_new(j, "cancel_reason", json_string(o->cancel_reason ? o->cancel_reason
                                                                                 : ""));
        if (j && o->holiday && o->holiday->description)
            json_object_set_new(j, "school_holiday", json_string(o->holiday->description));
        json_array_append_new(stops, j);
    }
    free(occ);
    json_t *doc = json_pack("{s:I,s:s,s:o,s:o,s:s,s:o}", "service_id", (json_int_t)p.row.id,
                            "name", p.row.name, "from", date_json(from), "to", date_json(to),
                            "time_zone", "Europe/Paris", "stops", stops);
    pub_free(&p);
    return web_send_json(ctx->res, 200, doc);
}

const web_route web_routes_rounds_public[] = {
    {"GET", "/tournees", public_list, WEB_ANYONE, 0},
    {"GET", "/tournees/{id}", public_page, WEB_ANYONE, 0},
    {"GET", "/tournees/{id}/affiche/{commune}.pdf", public_poster, WEB_ANYONE, 0},
    {"GET", "/tournees/{id}/calendrier.ics", public_feed, WEB_ANYONE, 0},
    {"GET", "/api/v1/rounds/published", api_published, WEB_ANYONE, 0},
    {"GET", "/api/v1/rounds/published/{id}/timetable", api_timetable, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
