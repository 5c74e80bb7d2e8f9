/**
 * @file opening_hours.h
 * OpenStreetMap `opening_hours` strings (the syntax the data·inclusion
 * schema uses for a service's hours): parsed once into a compiled value,
 * then asked whether the place is open at an instant, when that next
 * changes, and for a French sentence saying the hours.
 *
 * The supported subset (docs/opening_hours.md has it in full): rules
 * separated by `;` (a later rule replaces what earlier ones said about the
 * days it selects), `,` (an additional rule, which only adds) and `||` (a
 * fallback, used where the rules before it say closed); in each rule, in
 * this order and each optional: months and dates (`Jan-Mar`, `Dec 25`,
 * `Dec 24-Jan 02`, optionally followed by `:`), weekdays and public holidays
 * (`Mo-Fr`, `Mo,We,Fr`, `Fr-Mo`, `Su,PH`), time ranges (`08:00-12:00,14:00-18:00`,
 * past midnight as `22:00-02:00` or `22:00-26:00`, up to `48:00`), a state
 * (`open`, `off`, `closed`, `unknown`) and a comment in double quotes; or
 * `24/7`. Everything else (week numbers, years, `SH`, nth weekdays, sun
 * events, open ends `+`, lower-case or `8:00` spellings, `off` with times,
 * a rule of times alone after `;`, ranges past midnight together with a
 * `||` fallback: the last ones because the reference reads them its own
 * way) is refused with a French message naming the character position and
 * what was expected: never read as something else.
 *
 * Time: every instant is LOCAL CIVIL TIME (Europe/Paris for the directory),
 * given by the caller as a date and a minute of the day; this module knows
 * no time zones and no summer time. Public holidays (`PH`) are the French
 * ones of directory/holidays.h.
 *
 * Ownership: mg_opening_hours_parse allocates the value (one block);
 * mg_opening_hours_free releases it. Comments handed out point into it.
 */
#ifndef MG_DIRECTORY_OPENING_HOURS_H
#define MG_DIRECTORY_OPENING_HOURS_H

#include <stddef.h>
#include <time.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/limits.h"

/* Bounds (core/limits.h): MG_OH_MAX_BYTES of text, MG_OH_MAX_RULES rules,
 * MG_OH_MAX_TIMES time ranges and MG_OH_MAX_DATES date ranges a rule. */

typedef struct mg_opening_hours mg_opening_hours;

/** What a place is at an instant. */
typedef enum mg_oh_state {
    MG_OH_CLOSED = 0,
    MG_OH_OPEN = 1,
    MG_OH_UNKNOWN = 2, /* a rule says neither (`unknown`, or a bare comment such as "sur rendez-vous") */
} mg_oh_state;

/** A local civil instant: a date and the minute of that day (0..1439). */
typedef struct mg_oh_instant {
    int year, month, day; /* month 1..12 */
    int minute;
} mg_oh_instant;

/**
 * Parses s[0..len) into *out. holiday_flags are mg_holidays_fr's
 * (MG_HOLIDAYS_ALSACE_MOSELLE for a place in Bas-Rhin, Haut-Rhin or
 * Moselle). Returns 0, MG_EPARSE with a French message in d (position and
 * what was expected), MG_ELIMIT (too long, too many rules or ranges),
 * MG_EUTF8 or MG_ENOMEM; *out is NULL on failure.
 */
int mg_opening_hours_parse(const char *s, size_t len, unsigned holiday_flags,
                           mg_opening_hours **out, mg_diag *d) MG_WARN_UNUSED;

/** Releases a parsed value. NULL is accepted. */
void mg_opening_hours_free(mg_opening_hours *oh);

/**
 * The state at a local instant (an mg_oh_state), and the comment of the
 * rule that decided it into *comment (NULL accepted; NULL when none; the
 * holiday's French name when a `PH` rule without a comment decided).
 * MG_EINVAL for an invalid date or minute, or a year out of 1583..9998.
 */
int mg_opening_hours_state(const mg_opening_hours *oh, mg_oh_instant at, const char **comment);

/** The same from a broken-down local time (tm_year, tm_mon, tm_mday, tm_hour, tm_min). */
int mg_opening_hours_state_tm(const mg_opening_hours *oh, const struct tm *local,
                              const char **comment);

/**
 * The first instant after `from` (strictly) where the state differs from
 * what it is at `from` (it opens, closes or becomes unknown), looking at
 * most max_days (1..366) days ahead (a change exactly max_days days later is
 * not reported). A change of comment alone is not a
 * change, as for the reference implementation. Returns 1 with *next set, 0 when nothing changes within the
 * horizon, MG_EINVAL for bad arguments.
 */
int mg_opening_hours_next_change(const mg_opening_hours *oh, mg_oh_instant from, int max_days,
                                 mg_oh_instant *next);

/**
 * Appends the hours in French to b, for the finder pages, e.g. "du lundi
 * au vendredi, de 8 h à 12 h et de 14 h à 18 h ; fermé les jours fériés".
 * Returns 0 or the buffer's error.
 */
int mg_opening_hours_describe(const mg_opening_hours *oh, mg_buf *b);

/**
 * Appends the canonical OSM spelling of the parsed value to b (parsing it
 * again gives the same answers at every instant). Returns 0 or the
 * buffer's error.
 */
int mg_opening_hours_format(const mg_opening_hours *oh, mg_buf *b);

#endif
