/**
 * @file publish.h
 * What the public gets of a mobile service's rounds besides the timetable
 * itself (timetable.h; docs/rounds-publishing.md): an iCalendar feed
 * (libical, ical.c) and a printable A4 PDF poster per commune (cairo and
 * pango through doc/doc.h, poster.c). Both are made from the plain structs
 * of timetable.h, without a database; errors follow core/error.h.
 */
#ifndef MG_ROUNDS_PUBLISH_H
#define MG_ROUNDS_PUBLISH_H

#include "core/buf.h"
#include "core/error.h"
#include "rounds/timetable.h"

/**
 * The service's stops from `from` to `to` (both included) as a VCALENDAR
 * appended to out: one VEVENT per stop (stops skipped for school holidays
 * are not events), UID "rounds-<service>-<route>-<yyyymmdd>-<stop>[-<rank>]
 * @maillage" (stable while the route, the date and the stop are),
 * SUMMARY "<service> — <place>, <commune>", LOCATION "<place>, <commune>",
 * STATUS CONFIRMED, or CANCELLED with the reason in the DESCRIPTION, times
 * in Paris time (output/ical_tz.h). stamp is the DTSTAMP (Unix seconds;
 * the caller's now, fixed in tests).
 */
int mg_rounds_ical(const mg_rounds_service *s, mg_rounds_date from, mg_rounds_date to,
                   int64_t stamp, mg_buf *out, mg_diag *d) MG_WARN_UNUSED;

/**
 * The A4 poster of the service's stops in one commune (INSEE code), for
 * `weeks` weeks (1..MG_ROUNDS_POSTER_MAX_WEEKS) from the Monday of the week
 * of `from`: where the vehicle stands, each date with its times,
 * cancellations and school holidays written out in words (readable in
 * black and white), the organisation and its contact; French. The PDF is
 * appended to out. MG_ENOTFOUND when no route of the service stops in the
 * commune. `published` is the date printed in the footer.
 */
enum { MG_ROUNDS_POSTER_MAX_WEEKS = 16 };
int mg_rounds_poster(const mg_rounds_service *s, const char *commune_code, mg_rounds_date from,
                     int weeks, mg_rounds_date published, mg_buf *out, mg_diag *d) MG_WARN_UNUSED;

#endif
