/**
 * @file timetable.h
 * The public timetable of a mobile service's rounds (issue 18,
 * "Publishing"; docs/rounds-publishing.md): from a service's published
 * routes, its school holidays and its cancellations, the dated stops of a
 * range of days with their Paris local times and UTC instants. No
 * database: the caller fills the plain structs below (strings are
 * borrowed, never copied or freed, and must outlive the results, which
 * point into them). The iCalendar feed and the PDF poster built on it are
 * in publish.h.
 *
 * Dates are Paris civil dates; times of day are Paris local minutes
 * (0..1439). A route runs on one weekday of one week of the service's
 * cycle of N weeks, counted from the anchor Monday (week 0), within the
 * service's validity.
 *
 * Daylight saving time (the EU rule, directive 2000/84/EC, through
 * mg_booking_utc of booking/booking.h): a local time of the hour skipped on
 * the last Sunday of March (02:00-02:59) is read with the offset in force
 * before the change, as RFC 5545 (3.3.5) reads it, so 02:30 is the instant
 * the clocks show as 03:30; a local time of the hour repeated on the last
 * Sunday of October is its first pass (summer time), as RFC 5545 reads it
 * too. Both cases are flagged on the occurrence (MG_ROUNDS_DST_*), so a
 * page can say so.
 *
 * Errors follow core/error.h: MG_EINVAL with an English message naming the
 * field (route and visit numbered from 1) for a service that does not hold
 * together, MG_ELIMIT past the limits below, MG_ENOMEM.
 */
#ifndef MG_ROUNDS_TIMETABLE_H
#define MG_ROUNDS_TIMETABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum {
    MG_ROUNDS_CYCLE_MAX_WEEKS = 52,
    MG_ROUNDS_RANGE_MAX_DAYS = 400,        /* days of one mg_rounds_timetable call */
    MG_ROUNDS_OCCURRENCES_MAX = 100000,    /* occurrences of one call */
    MG_ROUNDS_NEXT_HORIZON_DAYS = 371,     /* how far mg_rounds_next_stops looks */
};

/** A Paris civil date. */
typedef struct mg_rounds_date {
    int year, month, day; /* month 1..12 */
} mg_rounds_date;

/** A stop of a route. */
typedef struct mg_rounds_pub_visit {
    int64_t stop_id;           /* > 0 */
    const char *stop_name;     /* the place: "Place de la Mairie" */
    const char *commune_code;  /* INSEE code: "11076" */
    const char *commune_name;  /* "Chalabre" */
    int arrival, departure;    /* Paris local minutes of the day, arrival <= departure */
} mg_rounds_pub_visit;

/** A published route: one vehicle's stops on one day of the cycle. */
typedef struct mg_rounds_pub_route {
    int64_t id;                    /* > 0, stable: part of the feed's UIDs */
    const char *vehicle;           /* "Bus jeunesse" */
    int week;                      /* 0..cycle_weeks-1 */
    int weekday;                   /* 0 Monday .. 6 Sunday */
    const mg_rounds_pub_visit *visits; /* in the order of the round, by arrival */
    size_t nvisits;
} mg_rounds_pub_route;

/** A school holiday: from its first to its last day off, both included
 * (the ministry's calendar says "fin des cours" on the Saturday before and
 * "reprise des cours" on the Monday after: the caller passes the days in
 * between). */
typedef struct mg_rounds_holiday {
    mg_rounds_date first, last;
    const char *description; /* "Vacances de la Toussaint" */
} mg_rounds_holiday;

/** A cancelled stop, or a vehicle's whole day (stop_id 0), or every
 * vehicle's (vehicle NULL). */
typedef struct mg_rounds_cancellation {
    mg_rounds_date date;
    int64_t stop_id;     /* 0: every stop of the day */
    const char *vehicle; /* NULL: every vehicle */
    const char *reason;  /* public text: "Véhicule en réparation" */
} mg_rounds_cancellation;

typedef struct mg_rounds_service {
    int64_t id;                 /* > 0, part of the feed's UIDs */
    const char *name;           /* "PMI itinérante du Pays de Sault" */
    const char *organisation;   /* "Département de l'Aude" */
    const char *contact;        /* "04 68 11 22 33" or a sentence */
    bool runs_in_school_holidays;
    int cycle_weeks;            /* 1..MG_ROUNDS_CYCLE_MAX_WEEKS */
    mg_rounds_date anchor;      /* a Monday: the first day of week 0 */
    mg_rounds_date valid_from, valid_to; /* both included */
    const mg_rounds_pub_route *routes;
    size_t nroutes;
    const mg_rounds_holiday *holidays;
    size_t nholidays;
    const mg_rounds_cancellation *cancellations;
    size_t ncancellations;
} mg_rounds_service;

/** Flags of an occurrence's DST reading (see the top). */
enum {
    MG_ROUNDS_DST_START_SKIPPED = 1u,  /* arrival in March's skipped hour */
    MG_ROUNDS_DST_START_REPEATED = 2u, /* arrival in October's repeated hour: first pass */
    MG_ROUNDS_DST_END_SKIPPED = 4u,
    MG_ROUNDS_DST_END_REPEATED = 8u,
};

/** A dated stop. Pointers borrow from the service. */
typedef struct mg_rounds_occurrence {
    mg_rounds_date date;
    int weekday;                  /* 0 Monday .. 6 Sunday */
    int start_min, end_min;       /* the published local minutes (arrival, departure) */
    int64_t start_utc, end_utc;   /* Unix seconds */
    unsigned dst;                 /* MG_ROUNDS_DST_* */
    const mg_rounds_pub_route *route;
    const mg_rounds_pub_visit *visit;
    int visit_rank;               /* 1 for the first time the stop appears in the route, 2… */
    bool cancelled;
    const char *cancel_reason;    /* "" when none given */
    const mg_rounds_holiday *holiday; /* the school holiday the date is in, or NULL */
    bool skipped;                 /* in a holiday and the service does not run then */
} mg_rounds_occurrence;

/** Flags of mg_rounds_timetable. */
enum {
    MG_ROUNDS_KEEP_SKIPPED = 1u, /* list the stops skipped for school holidays too */
};

/**
 * The dated stops of the service from `from` to `to` (both included,
 * at most MG_ROUNDS_RANGE_MAX_DAYS days), ordered by start instant, then
 * route id, then rank in the route. Cancelled stops are listed (marked);
 * stops on a school holiday of a service that does not run then are left
 * out unless MG_ROUNDS_KEEP_SKIPPED. *out is a new array (free) of *n
 * elements, NULL when none; both are set to NULL/0 on error.
 */
int mg_rounds_timetable(const mg_rounds_service *s, mg_rounds_date from, mg_rounds_date to,
                        unsigned flags, mg_rounds_occurrence **out, size_t *n,
                        mg_diag *d) MG_WARN_UNUSED;

/**
 * The public finder's next stops in a commune (INSEE code) after Unix time
 * t (seconds): up to max stops that are neither skipped nor cancelled and
 * whose departure is after t (a stop under way counts), in order, looked
 * for over MG_ROUNDS_NEXT_HORIZON_DAYS days. Returns the count written to
 * out (0 when none), or a negative MG_E… code.
 */
int mg_rounds_next_stops(const mg_rounds_service *s, const char *commune_code, int64_t t,
                         mg_rounds_occurrence *out, size_t max, mg_diag *d) MG_WARN_UNUSED;

/** Checks the service holds together (what mg_rounds_timetable checks). */
int mg_rounds_service_check(const mg_rounds_service *s, mg_diag *d) MG_WARN_UNUSED;

/** Days since 1970-01-01 of a date (no checks), and back. */
long mg_rounds_days(mg_rounds_date date);
mg_rounds_date mg_rounds_date_of(long days);

/** French, for pages: "mardi 3 novembre 2026" and "9 h 30"; "1er" for the first. */
void mg_rounds_format_date_fr(mg_rounds_date date, char out[static 48]);
void mg_rounds_format_minute_fr(int minute, char out[static 12]);

#endif
