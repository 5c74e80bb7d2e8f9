/**
 * @file ical.h
 * iCalendar feeds (RFC 5545, written with libical; issue 17): a
 * teleconsultant's appointments, subscribed to by their calendar client
 * through a secret link (setup.h, mg_booking_feed_token_new). Times are
 * written with TZID=Europe/Paris and a VTIMEZONE carrying the EU rule, so
 * an appointment on the day summer time starts or ends is where it is.
 * An event holds the site, the device, the time, the consultation kind
 * and the booking's code; the person's name and phone number only where
 * the site shares the phone number with teleconsultants (PLATFORM.md).
 */
#ifndef MG_BOOKING_ICAL_H
#define MG_BOOKING_ICAL_H

#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "db/db.h"

/** The bookings (not cancelled) of the teleconsultant that start in
 * [from, to) (Unix minutes) as a VCALENDAR appended to out. */
int mg_booking_ical_teleconsultant(mg_db *db, int64_t teleconsultant_id, int64_t from, int64_t to,
                                   mg_buf *out, mg_diag *d) MG_WARN_UNUSED;

#endif
