/**
 * @file published.h
 * A service's published rounds read from the database (store.h) into the
 * plain structs of the public timetable (timetable.h), from which the
 * page, the iCalendar feed and the poster are made (publish.h); build.h
 * holds the other direction, from the database to the solver's problem.
 *
 * The timetable's service: the service's name, organisation and contact,
 * whether it runs in school holidays, its cycle and anchor Monday; valid
 * from the anchor for ten years (a publication has no end: withdrawing it
 * ends it); the published plan's routes (route ids are round_routes ids,
 * stable while the publication is; vehicle names; visits with the stop's
 * id, place, commune code and name, arrival and departure); the school
 * holidays of the service's zone; all its cancellations.
 */
#ifndef MG_ROUNDS_PUBLISHED_H
#define MG_ROUNDS_PUBLISHED_H

#include <stdint.h>

#include "core/error.h"
#include "db/db.h"
#include "rounds/store.h"
#include "rounds/timetable.h"

typedef struct mg_round_published {
    mg_rounds_service svc;     /* points into what follows */
    mg_round_service row;      /* the stored service */
    mg_round_plan plan;        /* the published plan, with its routes */
    mg_rounds_pub_route *routes;
    mg_rounds_pub_visit *visits;
    mg_round_holiday *holiday_rows;
    mg_rounds_holiday *holidays;
    mg_round_cancellation *cancel_rows;
    mg_rounds_cancellation *cancellations;
} mg_round_published;

/**
 * Loads service_id's publication into *out (zeroed first; mg_round_published_free).
 * MG_ENOTFOUND when the service does not exist or publishes nothing.
 */
int mg_round_published_load(mg_db *db, int64_t service_id, mg_round_published *out,
                            mg_diag *d) MG_WARN_UNUSED;
void mg_round_published_free(mg_round_published *p);

/** "YYYY-MM-DD" (or "DD/MM/YYYY") to a date; MG_EINVAL when it is no day. */
int mg_round_date_parse(const char *s, mg_rounds_date *out) MG_WARN_UNUSED;

#endif
