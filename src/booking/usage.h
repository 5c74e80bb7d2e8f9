/**
 * @file usage.h
 * How the equipment is used (issue 17; docs/booking-usage.md), for the
 * network's owner (a Département): per site and device, per ISO week or
 * per month, the hours open, the hours booked (not cancelled) and their
 * ratio, bookings, no-shows and cancellations; the monthly count of
 * assisted teleconsultations per host (what a pharmacy declares for its
 * fees: bookings done on an assisted device); their XLSX; and the
 * indicator providers "booking.hours" and "booking.done" fed to the
 * contract actions' indicators (contracts/indicators.h). Counts are made
 * by the database (GROUP BY); open hours from the rules (slots.h).
 */
#ifndef MG_BOOKING_USAGE_H
#define MG_BOOKING_USAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "booking/booking.h"
#include "contracts/indicators.h"
#include "core/error.h"
#include "db/db.h"

typedef enum mg_booking_period {
    MG_BOOKING_WEEK = 0, /* ISO week, "2026-W05" */
    MG_BOOKING_MONTH,    /* "2026-03" */
} mg_booking_period;

typedef struct mg_booking_usage_row {
    int64_t site_id, device_id;
    char site_name[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    char device_name[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    char period[9];             /* "2026-W05" or "2026-03" */
    double open_hours;          /* the device's open hours (site ∩ device rules, exceptions) */
    double booked_hours;        /* bookings not cancelled */
    double rate;                /* booked / open; NaN when never open */
    int64_t bookings, done, no_shows, cancelled, walk_ins;
} mg_booking_usage_row;

/**
 * Usage of the network of owner_id (0: every network) over the Paris days
 * [from_day, to_day] ("YYYY-MM-DD"), per device and period; site_id > 0
 * restricts to one site. *out new array (free()), by site, device, period.
 */
int mg_booking_usage(mg_db *db, int64_t owner_id, int64_t site_id, const char *from_day,
                     const char *to_day, mg_booking_period period, mg_booking_usage_row **out,
                     size_t *n, mg_diag *d) MG_WARN_UNUSED;

typedef struct mg_booking_assisted_row {
    int64_t site_id;
    char site_name[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    char month[8];              /* "2026-03" */
    int64_t count;              /* assisted teleconsultations done */
} mg_booking_assisted_row;

/** The monthly count of assisted teleconsultations per host over a year. */
int mg_booking_assisted_monthly(mg_db *db, int64_t owner_id, int year,
                                mg_booking_assisted_row **out, size_t *n,
                                mg_diag *d) MG_WARN_UNUSED;

/** Both tables as an XLSX workbook (libxlsxwriter) into a new buffer
 * (*out, free()). */
int mg_booking_usage_xlsx(mg_db *db, int64_t owner_id, const char *from_day, const char *to_day,
                          mg_booking_period period, unsigned char **out, size_t *n,
                          mg_diag *d) MG_WARN_UNUSED;

/** The indicator providers of this module (registered by contracts/indicators.c). */
extern const mg_indicator_provider mg_booking_provider_hours;
extern const mg_indicator_provider mg_booking_provider_done;

/**
 * Their values for an action: per month that is over (Paris time), from
 * the month of the first booking in the action's scope, dated the month's
 * last day — the hours booked (not cancelled), or the consultations done
 * (state done), at the sites of the scope: the sites in the action's target
 * communes (its contract's territory when it names none) given as
 * "communes:C1,C2,…"; for an EPCI or no communes, the sites of the network
 * run by the contract's lead and the sites taking part in the action
 * (docs/booking-usage.md). No point when the scope has no booking.
 */
int mg_booking_hours_values(mg_db *db, int64_t action_id, mg_indicator_point **out, size_t *n,
                            mg_diag *d);
int mg_booking_done_values(mg_db *db, int64_t action_id, mg_indicator_point **out, size_t *n,
                           mg_diag *d);

/* The providers as constant initialisers, for the static table of
 * contracts/indicators.c (an extern object cannot initialise it). */
#define MG_BOOKING_PROVIDER_HOURS                                                          \
    {"booking.hours", "Heures de téléconsultation réservées par mois (sites de l'action)", \
     "heures", mg_booking_hours_values}
#define MG_BOOKING_PROVIDER_DONE                                                          \
    {"booking.done", "Téléconsultations réalisées par mois (sites de l'action)",         \
     "consultations", mg_booking_done_values}

#endif
