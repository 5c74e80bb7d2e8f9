/**
 * @file ical_tz.h
 * What every iCalendar feed of maillage writes about Paris time (libical):
 * the VTIMEZONE of Europe/Paris with the EU rule, and DTSTART/DTEND
 * properties of an instant as a Paris local time with TZID=Europe/Paris,
 * or in UTC in October's repeated hour. Shared by the booking feed
 * (booking/ical.c) and the mobile services' rounds feed (rounds/ical.c).
 *
 * Why UTC in the repeated hour (02:00-02:59 twice on the last Sunday of
 * October), in both its passes: RFC 5545 (3.3.5) reads a local time that
 * occurs twice as its first occurrence, but clients differ (Python's
 * icalendar reads it as the second), and a UTC time leaves none of them a
 * choice. An instant is never in March's skipped hour, so that hour needs
 * nothing: an instant just after the change reads 03:xx.
 */
#ifndef MG_OUTPUT_ICAL_TZ_H
#define MG_OUTPUT_ICAL_TZ_H

#include <stdint.h>

#include <libical/ical.h>

#define MG_ICAL_PARIS_TZID "Europe/Paris"

/** A new VTIMEZONE component for Europe/Paris (the EU rule since 1996,
 * as every calendar client knows it); NULL when out of memory. The caller
 * owns it (icalcomponent_free, or adds it to a calendar). */
icalcomponent *mg_ical_paris_vtimezone(void);

/** The VTIMEZONE's text (CRLF lines), static. */
const char *mg_ical_paris_vtimezone_text(void);

/**
 * A date-time property made by `make` (icalproperty_new_dtstart,
 * icalproperty_new_dtend…) for the Unix time t (seconds, whole minutes
 * expected): the Paris local time with TZID=Europe/Paris, or UTC ("…Z")
 * when t falls in October's repeated hour. NULL when out of memory.
 */
icalproperty *mg_ical_paris_time(icalproperty *(*make)(struct icaltimetype), int64_t t);

#endif
