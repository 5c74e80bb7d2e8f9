/*
 * Internal to the pages of mobile services' rounds (issue 18;
 * docs/rounds-web.md, docs/rounds-api.md), one file per family:
 *  - rounds_pages.c: the service's organisation under /tournees/services
 *    (services, vehicles and crews, allowed stops, target public, the plan
 *    and its result, the current rounds, publication and cancellations);
 *  - rounds_public.c: the public's /tournees (published services, the
 *    timetable of this week and the next, the poster per commune, the
 *    iCalendar feed) and the finder's section of next stops;
 *  - rounds_render.c: what both draw (the timetable's table, the map of
 *    stops and routes), free of the database;
 *  - api_rounds.c: /api/v1/rounds….
 */
#ifndef MG_WEB_ROUNDS_WEB_H
#define MG_WEB_ROUNDS_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "rounds/store.h"
#include "web/web.h"

/* What needs timetable.h's types below is declared only where that
 * header was included first, so that this one does not pull the public
 * timetable into the solver's files (rounds_plan.c). */

extern const web_route web_routes_rounds[];        /* rounds_pages.c */
extern const web_route web_routes_rounds_public[]; /* rounds_public.c */
extern const web_route web_routes_api_rounds[];    /* api_rounds.c */

/* --- The service and its forms (rounds_pages.c) -------------------------------------------- */

extern const char WEB_ROUNDS_NOT_FOUND[];   /* "Ce service itinérant n'existe pas." */
extern const char WEB_ROUNDS_READ_FAILED[];
extern const char WEB_ROUNDS_SAVE_FAILED[];

/* A service as the pages load it. */
typedef struct web_rounds_svc {
    mg_round_service svc;
    char path[64]; /* "/tournees/services/ID" */
} web_rounds_svc;

mg_auth_object web_rounds_object(int64_t org);

/* Loads service {id} of the path when the actor may `verb` it; false once
 * answered (the same 404 for an unknown id and another organisation's). */
bool web_rounds_load(web_ctx *ctx, mg_auth_verb verb, web_rounds_svc *s);
bool web_rounds_may_edit(const web_ctx *ctx, const web_rounds_svc *s);
void web_rounds_crumbs(mg_buf *b, const web_rounds_svc *s, const char *here);
const char *web_rounds_weekday_fr(int d); /* "lundi" … "dimanche" */

/* What a form shows: what was typed (a refused form) or the stored values. */
typedef struct web_rounds_fs {
    const mg_http_request *typed; /* the refused request, NULL otherwise */
    const mg_round_errors *errs;
} web_rounds_fs;

const char *web_rounds_typed_or(const web_rounds_fs *fs, const char *name, const char *stored);
void web_rounds_error_summary(mg_buf *b, const char *form, const web_rounds_fs *fs);
void web_rounds_input(mg_buf *b, const char *form, const char *type, const char *name,
                      const char *label, const char *value, const char *hint,
                      const web_rounds_fs *fs, bool required);
void web_rounds_select_open(mg_buf *b, const char *form, const char *name, const char *label,
                            const char *hint, const web_rounds_fs *fs);
void web_rounds_select_close(mg_buf *b, const char *form, const char *name, const char *hint,
                             const web_rounds_fs *fs);
void web_rounds_check(mg_buf *b, const char *form, const char *name, const char *label,
                      bool checked);
void web_rounds_form_open(mg_buf *b, web_ctx *ctx, const char *action, const char *id,
                          bool multipart);
void web_rounds_form_close(mg_buf *b, const char *submit);
bool web_rounds_form_flag(const mg_http_request *r, const char *name);
/* A whole number typed in `field` ("" gives def), min..max, or the field refused. */
int web_rounds_minutes_field(const mg_http_request *r, const char *field, const char *label,
                             int def, int min, int max, mg_round_errors *errs);
/* A time of day typed in `field` ("8:30", "17h"; "" gives def), or the field refused. */
int web_rounds_time_field(const mg_http_request *r, const char *field, const char *label,
                          int def, mg_round_errors *errs);

/* The service's page again, 400, with the refused form `form` showing fs. */
int web_rounds_service_redraw(web_ctx *ctx, const web_rounds_svc *s, const char *form,
                              const web_rounds_fs *fs);
/* After a write: to the page's `fragment` (303), the storage error, or the
 * refused form (errs, else d's message beside main_field). */
int web_rounds_after_write(web_ctx *ctx, const web_rounds_svc *s, int rc, const mg_diag *d,
                           const char *form, mg_round_errors *errs, const char *main_field,
                           const char *fragment);
/* The study communes of the service's territory as marks (t->n, free), or
 * NULL with d's message. */
uint8_t *web_rounds_territory_marks(web_ctx *ctx, const mg_round_service *svc, mg_diag *d);

/* --- Plans (rounds_plan.c) ---------------------------------------------------------------- */

extern const web_route web_routes_rounds_plans[]; /* rounds_plan.c */

/* Computes a plan of service svc (the heuristic within `seconds`, 1..30,
 * or with `exact` CBC's optimum up to 16 stops, the heuristic when CBC
 * gives none; the LP bound for the gap) and saves it as *id. MG_EINVAL
 * with errs naming "seconds", "exact" or "label"; the store's errors. */
int web_rounds_compute(web_ctx *ctx, const mg_round_service *svc, int seconds, bool exact,
                       const char *label, int64_t *id, mg_round_errors *errs, mg_diag *d);

/* The plan page's section of its effect: for a GP or nurse service, the
 * plan as a scenario and its effect on the APL; for others, the target
 * people covered stop by stop. */
void web_rounds_apl_effect(mg_buf *b, web_ctx *ctx, const web_rounds_svc *s,
                           const mg_round_plan *p);

/* The service page's section of the current rounds: a form per vehicle and
 * working day of the cycle (the stops in order). fs: a refused one. */
void web_rounds_current_section(mg_buf *b, web_ctx *ctx, const web_rounds_svc *s,
                                const mg_round_vehicle *vehicles, size_t nvehicles,
                                const mg_round_stop *stops, size_t nstops, bool edit,
                                const web_rounds_fs *fs);

/* --- api_rounds.c ----------------------------------------------------------------------------- */

/* Stops one POST /api/v1/rounds/services/{id}/stops takes. */
#define MG_ROUNDS_STOPS_API_MAX 2000

/* A plan as the API gives it (routes and visits when `routes`). */
struct json_t;
struct json_t *web_rounds_plan_json(const mg_round_plan *p, bool routes);

/* --- rounds_render.c ------------------------------------------------------------------------ */

/* "Now" for the pages: the app's finder_now when set (tests), else the clock. */
int64_t web_rounds_now(const mg_app *a);

#ifdef MG_ROUNDS_TIMETABLE_H
/* The Paris civil date of Unix time t, and its weekday (0 Monday). */
mg_rounds_date web_rounds_paris_date(int64_t t);
int web_rounds_weekday(mg_rounds_date d);

/* The timetable of service s from `from` to `to` (both included) as HTML:
 * one <section> per day that has stops (a <h3> with the French date, a
 * table of arrival, departure, place, commune and vehicle, a cancelled
 * stop struck through with its public reason, a stop skipped for a school
 * holiday marked so), then the school holidays of the range, and the
 * days when the clocks change. heading_level 2 or 3 for the days' titles
 * (3 under a page's <h2>). Returns MG_OK, or the timetable's error (its
 * English message in d; the page shows a French sentence). */
int web_rounds_timetable_html(mg_buf *b, const mg_rounds_service *s, mg_rounds_date from,
                              mg_rounds_date to, int heading_level, mg_diag *d);
#endif

/* A point of the map of routes: a stop, or a base. */
typedef struct web_rounds_point {
    double lon, lat; /* WGS84; NaN: the commune's point */
    long commune;    /* index in the territory, -1 when none */
    const char *label;
    bool base;
} web_rounds_point;

/* A route drawn on the map: indices into the points, in order (the base
 * first and last when known). */
typedef struct web_rounds_line {
    const uint32_t *points;
    size_t n;
    const char *label; /* "Véhicule 1, mardi" */
} web_rounds_line;

/* The map of a plan: the access map of profession p (the request's
 * baseline) with the stops marked, then a drawing of the routes' lines
 * between the stops over the territory's communes (an inline SVG of its
 * own, role="img", its <desc> listing each route's stops in order) and its
 * legend. Writes a French sentence instead of a map that cannot be drawn. */
void web_rounds_map(mg_buf *b, web_ctx *ctx, const web_rounds_point *pts, size_t npts,
                    const web_rounds_line *lines, size_t nlines, const char *title);

/* The finder's section (finder.c): the next stops of the published
 * services within `reach_minutes` of study commune i, drawn only when
 * there are some. Never fails the page: a store error draws nothing. */
void web_rounds_finder_section(mg_buf *b, web_ctx *ctx, size_t commune);

#endif
