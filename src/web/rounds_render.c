/*
 * What the rounds' pages draw and the database does not enter (issue 18):
 * the public timetable's table of dated stops (rounds/timetable.h) and the
 * map of a plan's stops and routes. rounds_web.h describes each function.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "directory/holidays.h"
#include "map/map.h"
#include "rounds/timetable.h"
#include "web/rounds_web.h"
#include "web/web.h"

mg_rounds_date web_rounds_paris_date(int64_t t)
{
    int y = 1970, m = 1, d = 1, minute = 0;
    (void)mg_paris_civil(t, &y, &m, &d, &minute); /* returns the UTC offset in minutes */
    return (mg_rounds_date){y, m, d};
}

int web_rounds_weekday(mg_rounds_date d)
{
    long days = mg_rounds_days(d);
    /* 1970-01-01 was a Thursday (3 when Monday is 0). */
    long w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int64_t web_rounds_now(const mg_app *a)
{
    return a && a->finder_now ? a->finder_now : (int64_t)time(NULL);
}

/* --- The timetable ------------------------------------------------------------------------- */

static bool same_date(mg_rounds_date a, mg_rounds_date b)
{
    return a.year == b.year && a.month == b.month && a.day == b.day;
}

static void day_heading(mg_buf *b, mg_rounds_date d, int level)
{
    char text[48];
    mg_rounds_format_date_fr(d, text);
    char id[32];
    snprintf(id, sizeof id, "jour-%04d-%02d-%02d", d.year, d.month, d.day);
    mg_buf_puts(b, "<section class=\"rounds-day\" aria-labelledby=\"");
    mg_html_attr(b, id);
    mg_buf_printf(b, "\"><h%d id=\"", level);
    mg_html_attr(b, id);
    mg_buf_puts(b, "\">");
    /* The date's first letter capitalised for a heading ("mardi" → "Mardi"). */
    if (text[0] >= 'a' && text[0] <= 'z')
        text[0] = (char)(text[0] - 'a' + 'A');
    mg_html_text(b, text);
    mg_buf_printf(b, "</h%d>\n", level);
}

static void table_open(mg_buf *b, mg_rounds_date d)
{
    char text[48];
    mg_rounds_format_date_fr(d, text);
    mg_buf_puts(b, "<div class=\"scroll\"><table class=\"rounds-timetable\"><caption>Arrêts du ");
    mg_html_text(b, text);
    mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Arrivée</th><th scope=\"col\">Départ"
                   "</th><th scope=\"col\">Lieu</th><th scope=\"col\">Commune</th>"
                   "<th scope=\"col\">Véhicule</th><th scope=\"col\">Remarque</th></tr></thead>"
                   "<tbody>\n");
}

static void occurrence_row(mg_buf *b, const mg_rounds_occurrence *o)
{
    char from[12], to[12];
    mg_rounds_format_minute_fr(o->start_min, from);
    mg_rounds_format_minute_fr(o->end_min, to);
    bool off = o->cancelled || o->skipped;
    mg_buf_puts(b, off ? "<tr class=\"rounds-off\">" : "<tr>");
    const char *cells[4] = {from, to, o->visit->stop_name ? o->visit->stop_name : "",
                            o->visit->commune_name ? o->visit->commune_name : ""};
    for (int k = 0; k < 4; k++) {
        mg_buf_puts(b, k == 0 ? "<th scope=\"row\">" : "<td>");
        if (off)
            mg_buf_puts(b, "<s>");
        mg_html_text(b, cells[k]);
        if (off)
            mg_buf_puts(b, "</s>");
        mg_buf_puts(b, k == 0 ? "</th>" : "</td>");
    }
    mg_buf_puts(b, "<td>");
    mg_html_text(b, o->route && o->route->vehicle ? o->route->vehicle : "");
    mg_buf_puts(b, "</td><td>");
    if (o->cancelled) {
        mg_buf_puts(b, "<strong>Annulé</strong>");
        if (o->cancel_reason && *o->cancel_reason) {
            mg_buf_puts(b, " : ");
            mg_html_text(b, o->cancel_reason);
        }
    } else if (o->skipped) {
        mg_buf_puts(b, "<strong>Pas de passage</strong> pendant les vacances scolaires");
        if (o->holiday && o->holiday->description) {
            mg_buf_puts(b, " (");
            mg_html_text(b, o->holiday->description);
            mg_buf_puts(b, ")");
        }
    } else if (o->holiday) {
        mg_buf_puts(b, "Vacances scolaires : passage maintenu");
    }
    if (o->dst & (MG_ROUNDS_DST_START_SKIPPED | MG_ROUNDS_DST_END_SKIPPED))
        mg_buf_puts(b, " Heure d'été : l'horaire tombe dans l'heure sautée, il se lit une "
                       "heure plus tard.");
    if (o->dst & (MG_ROUNDS_DST_START_REPEATED | MG_ROUNDS_DST_END_REPEATED))
        mg_buf_puts(b, " Passage à l'heure d'hiver : l'horaire est celui du premier passage de "
                       "cette heure.");
    mg_buf_puts(b, "</td></tr>\n");
}

/* Whether the clocks change on date d in Paris (the last Sundays of March
 * and October): the UTC offset at noon differs from the one at noon the
 * day before. */
static int clock_change(mg_rounds_date d)
{
    if (d.month != 3 && d.month != 10)
        return 0;
    if (web_rounds_weekday(d) != 6 || d.day + 7 <= 31)
        return 0;
    return d.month == 3 ? 1 : -1;
}

int web_rounds_timetable_html(mg_buf *b, const mg_rounds_service *s, mg_rounds_date from,
                              mg_rounds_date to, int heading_level, mg_diag *d)
{
    mg_rounds_occurrence *occ = NULL;
    size_t n = 0;
    int rc = mg_rounds_timetable(s, from, to, MG_ROUNDS_KEEP_SKIPPED, &occ, &n, d);
    if (rc)
        return rc;
    int level = heading_level == 2 ? 2 : 3;
    if (n == 0)
        mg_buf_puts(b, "<p>Aucun arrêt prévu sur cette période.</p>\n");
    for (size_t k = 0; k < n;) {
        mg_rounds_date day = occ[k].date;
        day_heading(b, day, level);
        table_open(b, day);
        size_t j = k;
        while (j < n && same_date(occ[j].date, day))
            occurrence_row(b, &occ[j++]);
        mg_buf_puts(b, "</tbody></table></div></section>\n");
        k = j;
    }
    free(occ);

    /* The school holidays and the clock changes of the range. */
    long first = mg_rounds_days(from), last = mg_rounds_days(to);
    bool any = false;
    for (size_t h = 0; h < s->nholidays; h++) {
        const mg_rounds_holiday *hol = &s->holidays[h];
        if (mg_rounds_days(hol->last) < first || mg_rounds_days(hol->first) > last)
            continue;
        if (!any)
            mg_buf_puts(b, "<div class=\"rounds-notes\"><p>Vacances scolaires de la "
                           "période :</p><ul>");
        any = true;
        char a[48], z[48];
        mg_rounds_format_date_fr(hol->first, a);
        mg_rounds_format_date_fr(hol->last, z);
        mg_buf_puts(b, "<li>");
        mg_html_text(b, hol->description && *hol->description ? hol->description
                                                              : "Vacances scolaires");
        mg_buf_puts(b, " : du ");
        mg_html_text(b, a);
        mg_buf_puts(b, " au ");
        mg_html_text(b, z);
        mg_buf_puts(b, s->runs_in_school_holidays ? " (le service passe quand même)"
                                                  : " (pas de passage)");
        mg_buf_puts(b, "</li>");
    }
    if (any)
        mg_buf_puts(b, "</ul></div>\n");
    for (long day = first; day <= last; day++) {
        mg_rounds_date dd = mg_rounds_date_of(day);
        int c = clock_change(dd);
        if (!c)
            continue;
        char text[48];
        mg_rounds_format_date_fr(dd, text);
        mg_buf_puts(b, "<p class=\"note\">Changement d'heure le ");
        mg_html_text(b, text);
        mg_buf_puts(b, c > 0 ? " : passage à l'heure d'été, les horaires sont à l'heure de Paris."
                             : " : passage à l'heure d'hiver, les horaires sont à l'heure de "
                               "Paris.");
        mg_buf_puts(b, "</p>\n");
    }
    return MG_OK;
}

/* --- The map of stops and routes ------------------------------------------------------------ */

/* Okabe and Ito's colours (distinct for the colour-blind), each route
 * with a dash pattern of its own as well. */
static const char *const line_colours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                           "#E69F00", "#56B4E9", "#000000"};
static const char *const line_dashes[] = {"", "8 4", "2 3", "10 3 2 3"};
#define NCOLOURS (sizeof line_colours / sizeof *line_colours)
#define NDASHES (sizeof line_dashes / sizeof *line_dashes)

/* The Lambert-93 point of p (its own, else its commune's); false when none. */
static bool project_point(const mg_territory *t, const web_rounds_point *p, double *x, double *y)
{
    double lon = p->lon, lat = p->lat;
    if (!(isfinite(lon) && isfinite(lat)) && p->commune >= 0 && (size_t)p->commune < t->n) {
        lon = t->lon[p->commune];
        lat = t->lat[p->commune];
    }
    if (!(isfinite(lon) && isfinite(lat)))
        return false;
    mg_diag d = {{0}};
    return mg_map_project(lon, lat, x, y, &d) == MG_OK && isfinite(*x) && isfinite(*y);
}

/* The drawing of the routes: the territory's study communes as grey dots,
 * each route a polyline, each stop a disc, each base a square. */
static int routes_svg(mg_buf *b, const mg_territory *t, const size_t *study, size_t nstudy,
                      const web_rounds_point *pts, size_t npts, const web_rounds_line *lines,
                      size_t nlines, const char *title)
{
    double *px = calloc(npts ? npts : 1, sizeof *px), *py = calloc(npts ? npts : 1, sizeof *py);
    double *cx = calloc(nstudy ? nstudy : 1, sizeof *cx);
    double *cy = calloc(nstudy ? nstudy : 1, sizeof *cy);
    bool *ok = calloc(npts ? npts : 1, sizeof *ok), *cok = calloc(nstudy ? nstudy : 1, 1);
    int rc = MG_ENOMEM;
    if (!px || !py || !cx || !cy || !ok || !cok)
        goto out;
    double minx = INFINITY, maxx = -INFINITY, miny = INFINITY, maxy = -INFINITY;
    for (size_t k = 0; k < nstudy; k++) {
        web_rounds_point c = {.lon = NAN, .lat = NAN, .commune = (long)study[k]};
        cok[k] = project_point(t, &c, &cx[k], &cy[k]);
        if (cok[k]) {
            minx = fmin(minx, cx[k]), maxx = fmax(maxx, cx[k]);
            miny = fmin(miny, cy[k]), maxy = fmax(maxy, cy[k]);
        }
    }
    for (size_t k = 0; k < npts; k++) {
        ok[k] = project_point(t, &pts[k], &px[k], &py[k]);
        if (ok[k]) {
            minx = fmin(minx, px[k]), maxx = fmax(maxx, px[k]);
            miny = fmin(miny, py[k]), maxy = fmax(maxy, py[k]);
        }
    }
    rc = MG_EINVAL;
    if (!(maxx >= minx && maxy >= miny))
        goto out;
    const double W = 800, margin = 24;
    double dx = fmax(maxx - minx, 1000), dy = fmax(maxy - miny, 1000);
    double scale = (W - 2 * margin) / dx;
    if (dy * scale > 1.2 * W)
        scale = 1.2 * W / dy;
    double H = dy * scale + 2 * margin;
#define PX(x) (((x) - minx) * scale + margin)
#define PY(y) ((maxy - (y)) * scale + margin)
    mg_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"rounds-routes\" "
                     "viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" role=\"img\" "
                     "aria-labelledby=\"tournees-trace-titre tournees-trace-desc\">",
                  W, H);
    mg_buf_puts(b, "<title id=\"tournees-trace-titre\">");
    mg_html_text(b, title ? title : "Tracé des tournées");
    mg_buf_puts(b, "</title><desc id=\"tournees-trace-desc\">");
    if (nlines == 0)
        mg_buf_puts(b, "Aucune tournée.");
    for (size_t r = 0; r < nlines; r++) {
        mg_html_text(b, lines[r].label ? lines[r].label : "Tournée");
        mg_buf_puts(b, " : ");
        for (size_t k = 0; k < lines[r].n; k++) {
            if (k)
                mg_buf_puts(b, ", ");
            uint32_t p = lines[r].points[k];
            mg_html_text(b, p < npts && pts[p].label ? pts[p].label : "?");
        }
        mg_buf_puts(b, ". ");
    }
    mg_buf_puts(b, "</desc>\n<g fill=\"#bbbbbb\">");
    for (size_t k = 0; k < nstudy; k++)
        if (cok[k])
            mg_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.5\"/>", PX(cx[k]), PY(cy[k]));
    mg_buf_puts(b, "</g>\n");
    for (size_t r = 0; r < nlines; r++) {
        mg_buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"3\" " /* lint-ok: constant colours */
                         "stroke-linejoin=\"round\" stroke-dasharray=\"%s\" points=\"",
                      line_colours[r % NCOLOURS], line_dashes[(r / NCOLOURS) % NDASHES]);
        for (size_t k = 0; k < lines[r].n; k++) {
            uint32_t p = lines[r].points[k];
            if (p < npts && ok[p])
                mg_buf_printf(b, "%.1f,%.1f ", PX(px[p]), PY(py[p]));
        }
        mg_buf_puts(b, "\"/>\n");
    }
    for (size_t k = 0; k < npts; k++) {
        if (!ok[k])
            continue;
        mg_buf_puts(b, "<g>");
        if (pts[k].base)
            mg_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
                             "fill=\"#222222\" stroke=\"#ffffff\"/>",
                          PX(px[k]) - 5, PY(py[k]) - 5);
        else
            mg_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#ffffff\" "
                             "stroke=\"#222222\" stroke-width=\"2\"/>",
                          PX(px[k]), PY(py[k]));
        mg_buf_puts(b, "<title>");
        mg_html_text(b, pts[k].base ? "Base : " : "Arrêt : ");
        mg_html_text(b, pts[k].label ? pts[k].label : "");
        mg_buf_printf(b, "</title><text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#222222\">",
                      PX(px[k]) + 7, PY(py[k]) - 6);
        mg_html_text(b, pts[k].label ? pts[k].label : "");
        mg_buf_puts(b, "</text></g>\n");
    }
#undef PX
#undef PY
    mg_buf_puts(b, "</svg>\n");
    rc = MG_OK;
out:
    free(px);
    free(py);
    free(cx);
    free(cy);
    free(ok);
    free(cok);
    return rc;
}

void web_rounds_map(mg_buf *b, web_ctx *ctx, const web_rounds_point *pts, size_t npts,
                    const web_rounds_line *lines, size_t nlines, const char *title)
{
    const mg_app *a = ctx->app;
    const mg_app_profession *p = mg_app_profession_get(a, "mg");
    if (!p)
        p = &a->prof[0];
    const mg_diagnosis *g = p->g;
    const mg_territory *t = g->t;
    enum mg_baseline base = a->baseline;
    const double *values = mg_app_baseline_values(p, base);

    /* The access map with the stops and bases marked. */
    mg_map_site *marks = calloc(npts ? npts : 1, sizeof *marks);
    size_t nmarks = 0;
    for (size_t k = 0; marks && k < npts && nmarks < MG_MAP_MAX_SITES; k++) {
        mg_map_site m = {.commune = -1,
                         .label = pts[k].label,
                         .kind = pts[k].base ? 1 : 0,
                         .kind_label = pts[k].base ? "Base du véhicule" : "Arrêt de la tournée"};
        web_rounds_point own = pts[k];
        own.commune = -1;
        if (project_point(t, &own, &m.x, &m.y))
            marks[nmarks++] = m;
        else if (pts[k].commune >= 0 && (size_t)pts[k].commune < t->n) {
            m.commune = pts[k].commune;
            marks[nmarks++] = m;
        }
    }
    mg_map_style style = mg_map_style_for(values, g->study, g->study_n, g->prof->threshold, false);
    char suffix[WEB_MAP_SUFFIX], mtitle[300];
    snprintf(mtitle, sizeof mtitle, "%s — arrêts sur la carte de l'accès aux %s",
             title ? title : "Tournées", g->prof->label);
    mg_map_options opt = web_map_options(p, mtitle, g->prof->threshold, false, suffix);
    opt.legend_title = base == MG_BASELINE_OFFICIAL ? "APL officielle (DREES)" : "APL (modèle)";
    opt.epci_borders = true;
    opt.scale_bar = true;
    opt.sites = marks;
    opt.nsites = marks ? nmarks : 0;
    mg_buf_puts(b, "<figure class=\"map\">");
    if (!marks || web_map_inline(b, a, t, values, &style, &opt) != MG_OK)
        mg_buf_puts(b, "<p>La carte n'a pas pu être dessinée.</p>");
    mg_buf_puts(b, "</figure>\n");
    free(marks);

    /* The routes' lines. */
    mg_buf_puts(b, "<figure class=\"rounds-lines\">");
    char ltitle[300];
    snprintf(ltitle, sizeof ltitle, "%s — tracé des tournées", title ? title : "Tournées");
    if (routes_svg(b, t, g->study, g->study_n, pts, npts, lines, nlines, ltitle) != MG_OK)
        mg_buf_puts(b, "<p>Le tracé des tournées n'a pas pu être dessiné.</p>");
    mg_buf_puts(b, "<figcaption>Tracé des tournées, à vol d'oiseau entre les arrêts (le trajet "
                   "réel suit les routes). Carré : base du véhicule ; rond : arrêt.");
    if (nlines) {
        mg_buf_puts(b, "<ul class=\"rounds-legend\">");
        for (size_t r = 0; r < nlines; r++) {
            mg_buf_printf(b, "<li><svg width=\"36\" height=\"10\" aria-hidden=\"true\"><line " /* lint-ok: constant colours */
                             "x1=\"0\" y1=\"5\" x2=\"36\" y2=\"5\" stroke=\"%s\" "
                             "stroke-width=\"3\" stroke-dasharray=\"%s\"/></svg> ",
                          line_colours[r % NCOLOURS], line_dashes[(r / NCOLOURS) % NDASHES]);
            mg_html_text(b, lines[r].label ? lines[r].label : "Tournée");
            mg_buf_puts(b, "</li>");
        }
        mg_buf_puts(b, "</ul>");
    }
    mg_buf_puts(b, "</figcaption></figure>\n");
}
