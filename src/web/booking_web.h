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

#endif
