/**
 * @file slots.h
 * Free intervals and slots, computed from the rules and never stored
 * (issue 17; docs/booking-slots.md): a slot is the meeting of a site that
 * is open, a device that is free, a teleconsultant who is available and,
 * for an assisted device, an assistant who is present, for the length of a
 * consultation.
 *
 * Pure functions of their arguments: no database, no clock. Instants are
 * Unix minutes (booking.h); weekly hours are compiled opening_hours values
 * evaluated in Europe/Paris civil time minute by minute semantics: a Unix
 * minute t is open under `hours` when mg_opening_hours_state at
 * mg_booking_local(t) is MG_OH_OPEN (UNKNOWN counts as closed). So on the
 * last Sunday of March the skipped hour has no minutes at all, and on the
 * last Sunday of October the repeated hour is open twice when its local
 * times are.
 *
 * A calendar: open = (hours ∪ openings) − closures; free = open − busy.
 * A slot of `duration` minutes for a step `step` starts at a Unix minute t
 * whose LOCAL minute of the day is a multiple of step (so a 20-minute step
 * gives 09:00, 09:20, … in Paris time, twice in the repeated hour), when
 * every minute of [t, t + duration) is free in every calendar it needs.
 * tests/unit/test_booking_slots.c checks this definition against a
 * minute-by-minute brute force on random schedules.
 */
#ifndef MG_BOOKING_SLOTS_H
#define MG_BOOKING_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "booking/booking.h"
#include "directory/opening_hours.h"

/** A half-open interval [from, to) of Unix minutes. */
typedef struct mg_span {
    int64_t from, to;
} mg_span;

/** A growable list of spans; normalised lists are sorted, disjoint and
 * not adjacent (touching spans are merged). Zero-initialise, then
 * mg_spans_free. */
typedef struct mg_spans {
    mg_span *v;
    size_t n, cap;
} mg_spans;

void mg_spans_free(mg_spans *s);
void mg_spans_clear(mg_spans *s); /* n = 0, memory kept */
int mg_spans_push(mg_spans *s, int64_t from, int64_t to) MG_WARN_UNUSED; /* ignores empty spans */
/** Sorts and merges in place. */
void mg_spans_normalise(mg_spans *s);
/** out = a ∩ b; a, b normalised; out normalised (must not alias a or b). */
int mg_spans_intersect(const mg_spans *a, const mg_spans *b, mg_spans *out) MG_WARN_UNUSED;
/** out = a − b; a, b normalised; out normalised (must not alias a or b). */
int mg_spans_subtract(const mg_spans *a, const mg_spans *b, mg_spans *out) MG_WARN_UNUSED;
/** out = a ∪ b, normalised (must not alias a or b). */
int mg_spans_union(const mg_spans *a, const mg_spans *b, mg_spans *out) MG_WARN_UNUSED;
/** True when [from, to) lies inside one span of normalised s. */
bool mg_spans_cover(const mg_spans *s, int64_t from, int64_t to);

/**
 * Appends to out (then normalises it) the minutes of [from, to) that
 * `hours` says are open (see above; NULL hours: never open). Walks the
 * rules by their changes (mg_opening_hours_next_change), not minute by
 * minute. from < to, to - from at most MG_BOOKING_HORIZON_DAYS + 2 days.
 */
int mg_spans_from_hours(const mg_opening_hours *hours, int64_t from, int64_t to,
                        mg_spans *out) MG_WARN_UNUSED;

/** The rules of one resource: its weekly hours, then exceptions. */
typedef struct mg_booking_calendar {
    const mg_opening_hours *hours; /* NULL: only `openings` are open */
    const mg_span *openings;       /* exceptionally open */
    size_t nopenings;
    const mg_span *closures;       /* closed whatever else says */
    size_t nclosures;
    const mg_span *busy;           /* taken by bookings */
    size_t nbusy;
} mg_booking_calendar;

/** out = ((hours ∪ openings) − closures − busy) ∩ [from, to), normalised. */
int mg_booking_calendar_free(const mg_booking_calendar *c, int64_t from, int64_t to,
                             mg_spans *out) MG_WARN_UNUSED;

/**
 * Calls fn(start, ctx) for each slot start of `duration` minutes on the
 * local `step` grid (both multiples of MG_BOOKING_GRAIN_MIN, 5..240) that
 * lies inside one span of normalised `free`, in time order, from `from`
 * on; stops early when fn returns non-zero (that value is returned).
 * Returns 0 when all were visited.
 */
int mg_booking_slot_starts(const mg_spans *free, int64_t from, int duration, int step,
                           int (*fn)(int64_t start, void *ctx), void *ctx);

#endif
