/*
 * Internal to the pages of the telehealth equipment (issue 17), one file
 * per family:
 *  - booking_public.c: the public's booking at /teleconsultation (next
 *    free slots near a commune or at a site, the form, the code,
 *    cancelling with it, the privacy notice);
 *  - booking_host.c: a site's pages under /equipements/sites/{id} (the
 *    day's list, walk-ins, arrivals and absences, maintenance blocks, the
 *    next day's reminder list, assistants and closures) and /equipements;
 *  - booking_teleconsultant.c: /teleconsultants/{id} (appointments,
 *    availability, absences, the calendar feed's secret link) and the feed
 *    /teleconsultants/flux/{token};
 *  - booking_network.c: an owner's network under /equipements/reseau/{org}
 *    (sites, devices, teleconsultants, usage charts and XLSX, the map of
 *    sites over the access map and the under-served communes far from any
 *    equipment);
 *  - api_booking.c: /api/v1/sites, /api/v1/slots, /api/v1/bookings.
 */
#ifndef MG_WEB_BOOKING_WEB_H
#define MG_WEB_BOOKING_WEB_H

#include "web/web.h"

extern const web_route web_routes_booking_public[];         /* booking_public.c */
extern const web_route web_routes_booking_host[];           /* booking_host.c */
extern const web_route web_routes_booking_teleconsultant[]; /* booking_teleconsultant.c */
extern const web_route web_routes_booking_network[];        /* booking_network.c */
extern const web_route web_routes_api_booking[];            /* api_booking.c */

/* --- Shared by booking_public.c and api_booking.c (defined in booking_public.c) --- */

#include <stdbool.h>
#include <stdint.h>
#include "booking/booking.h"
#include "core/buf.h"
#include "core/error.h"
#include "web/form.h"

/* Sites within this many minutes of a commune (the territory's travel-time
 * table, road or crow-fly estimates) are "within reach". */
#define WEB_BOOKING_REACH_MIN 30

typedef struct web_booking_near {
    int64_t site_id;
    double minutes; /* from the commune, by the travel-time table */
} web_booking_near;

/* The active sites with a device within max_minutes of commune (territory
 * index) by the travel-time table of the app's first profession, nearest
 * first (*out in request memory). */
int web_booking_sites_near(const mg_app *a, const mg_http_request *r, size_t commune,
                           int max_minutes, web_booking_near **out, size_t *n, mg_diag *d);

/* A slot's start as the forms and the API take it: "YYYY-MM-DDTHH:MM"
 * (Paris civil time) or "YYYY-MM-DDTHH:MM[:00]Z" (UTC); MG_EINVAL otherwise. */
int web_booking_parse_start(const char *s, int64_t *minute);

/* The start of a slot for a link: local time, or the UTC form for the
 * second pass of the repeated hour in October. */
void web_booking_start_param(int64_t minute, char out[static 21]);

/* The French sentences of a domain refusal (errs, else d) beside the
 * form's fields, each prefixed with its field's label; those naming no
 * field of the form go beside `fallback`. (booking_host.c) */
void web_booking_refuse_fields(web_form_input *in, const mg_booking_errors *errs,
                               const mg_diag *d, const char *fallback);

/* « Supprimer » on a listed exception (a closure, a maintenance block, an
 * absence): a form of its own posting WEB_BOOKING_DELETE_FIELD = the
 * exception's id (and the CSRF token) to `action`, the route that adds
 * them; `what` says which one to screen readers. (booking_host.c) */
#define WEB_BOOKING_DELETE_FIELD "supprimer"
void web_booking_delete_button(mg_buf *b, web_ctx *ctx, const char *action, int64_t exception_id,
                               const char *what);

/* When the POST carries WEB_BOOKING_DELETE_FIELD: removes that exception of
 * (resource, resource_id) — deleted, or ended now when begun
 * (mg_booking_exception_end) — and answers (303 to back; 404 for an id
 * that is not one of the resource's; 409 when it is already over); true
 * then. False when the field is absent (the POST adds one). The caller has
 * checked EDIT on the resource. (booking_host.c) */
bool web_booking_delete_post(web_ctx *ctx, mg_booking_resource resource, int64_t resource_id,
                             const char *back);

#endif
