/*
 * Internal to src/booking/: what its files share inside a transaction.
 * Owner: the "setup" part (setup.c, availability.c); any file of the
 * module may include it.
 */
#ifndef MG_BOOKING_INTERNAL_H
#define MG_BOOKING_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"
#include "booking/booking.h"
#include "booking/slots.h"
#include "db/db.h"
#include "directory/opening_hours.h"

/* One audit entry (booking.h: object types "booking_site", …) on c, in the
 * caller's write transaction. org: the site for what happens at a site,
 * the teleconsultant's organisation for its availability. (setup.c) */
int mg_booking_audit(mg_db_conn *c, int64_t by, int64_t org, const char *object_type,
                     int64_t object_id, const char *verb, const mg_audit_change *changes,
                     size_t nchanges, mg_diag *d) MG_WARN_UNUSED;

/* The public-holiday flags of directory/holidays.h for a site's commune
 * (Alsace-Moselle's two extra days for 57, 67, 68); 0 for NULL. (availability.c) */
unsigned mg_booking_holiday_flags(const char *commune_code);

/* Compiles an opening_hours string; NULL or "" gives *out NULL (never
 * open). A parse error is MG_EPARSE with its French diagnostic (the
 * position) in d. (availability.c) */
int mg_booking_hours_compile(const char *text, unsigned holiday_flags, mg_opening_hours **out,
                             mg_diag *d) MG_WARN_UNUSED;

/* The rules of one resource over a window: its compiled weekly hours (the
 * caller's, not owned), its exceptions and its busy spans: a device's or a
 * teleconsultant's bookings that are not cancelled, an assistant's claims
 * in booking_claims (each claimed 5-minute unit u is [5u, 5u + 5)); the two
 * agree by construction (availability.c says why each). */
typedef struct mg_booking_rules {
    const mg_opening_hours *hours;
    mg_spans openings, closures, busy;
} mg_booking_rules;

void mg_booking_rules_free(mg_booking_rules *r); /* frees the spans, not hours */

/* out = free minutes of r over [from, to) (mg_booking_calendar_free). */
int mg_booking_rules_spans(const mg_booking_rules *r, int64_t from, int64_t to,
                           mg_spans *out) MG_WARN_UNUSED;

/* The per-process cache of mg_booking_next_slots' answers (availability.c,
 * "The cache of answers"): its counts since the last clear. */
typedef struct mg_booking_slots_cache_stats {
    uint64_t hits;   /* answers served from the cache */
    uint64_t later;  /* of the hits, those for a later from than computed */
    uint64_t misses; /* answers computed (stale ones included) */
    uint64_t stale;  /* of the misses, those whose key was kept but whose
                        version or age no longer held */
} mg_booking_slots_cache_stats;

/* Empties the cache, its counts first copied into *stats (may be NULL). */
void mg_booking_slots_cache_clear(mg_booking_slots_cache_stats *stats);

/* The cache's clock in seconds (tests); NULL: CLOCK_MONOTONIC. */
void mg_booking_slots_cache_clock(int64_t (*now)(void));

#endif
