/**
 * @file store.h
 * Mobile services' rounds in the database (issue 18; docs/rounds.md,
 * tables of src/db/migrations/011_rounds.*): services, their vehicles and
 * allowed stops, plans (computed by the solver, or the current rounds the
 * user enters) with their routes and visits, publication, cancellations,
 * and the imported school holidays and target populations.
 *
 * Types here are named mg_round_… (singular, like the tables round_…);
 * the solver's flat problem is rounds.h (mg_rounds_…), the published
 * timetable timetable.h. The builder (build.h) goes from the stored
 * service to the solver's problem and back.
 *
 * Conventions, as in booking/ and funding/:
 *  - every write is one write transaction holding its audit entry
 *    (object types "round_service", "round_vehicle", "round_stop",
 *    "round_plan", "round_cancellation", "school_holidays",
 *    "target_populations"), so that several server processes keep the
 *    invariants: a plan's routes and visits are written with it or not at
 *    all; publishing is one transaction; an import replaces its table
 *    whole or changes nothing;
 *  - `by` is the account acting (0: the system, the command line);
 *  - refused input is MG_EINVAL with the refused fields named in an
 *    mg_round_errors (French sentences, for forms; the first one in d too);
 *  - MG_ENOTFOUND for an id that names nothing; other errors are the
 *    database's;
 *  - authorisation is the caller's: mg_auth_can on MG_AUTH_OBJ_ROUND_SERVICE
 *    with the service's organisation_id (auth/auth.h);
 *  - lists return a new array (free with the matching …_free), NULL and 0
 *    when empty. Any thread may call any function.
 */
#ifndef MG_ROUNDS_STORE_H
#define MG_ROUNDS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"

/* --- Field errors ------------------------------------------------------------------------ */

#define MG_ROUND_ERRORS_MAX 16

typedef struct mg_round_field_error {
    char field[48];
    char msg[256];
} mg_round_field_error;

typedef struct mg_round_errors {
    size_t n;
    mg_round_field_error e[MG_ROUND_ERRORS_MAX];
} mg_round_errors;

/** Adds a refused field (ignored past MG_ROUND_ERRORS_MAX); errs may be NULL. */
void mg_round_errors_add(mg_round_errors *errs, const char *field, const char *fmt, ...)
    MG_PRINTF(3, 4);
/** The sentence for `field`, or NULL. */
const char *mg_round_errors_for(const mg_round_errors *errs, const char *field);

/* --- Small readers for forms and the command line ----------------------------------------- */

/** "08:30", "8:30", "8h30", "8 h 30", "8h" → 510 (0..1440; "24:00" is 1440).
 * MG_EINVAL otherwise. */
int mg_round_parse_hhmm(const char *s, int *minutes) MG_WARN_UNUSED;
/** "08:30" (zero-padded) into out. */
void mg_round_format_hhmm(int minutes, char out[static 6]);
/** Weekdays as a bit set (bit 0 Monday … bit 6 Sunday) from a list separated
 * by commas or spaces of English ("mon", "tue"…) or French ("lun", "lundi",
 * "mar", "mardi"…) names, case-insensitive, or "mon-fri" style ranges.
 * MG_EINVAL for an unknown name or an empty list. */
int mg_round_parse_weekdays(const char *s, uint8_t *mask) MG_WARN_UNUSED;
/** "mon,thu" of a bit set into out. */
void mg_round_format_weekdays(uint8_t mask, char out[static 28]);

/* --- Services ------------------------------------------------------------------------------ */

#define MG_ROUND_NAME_MAX 200    /* characters of a name */
#define MG_ROUND_CONTACT_MAX 500

typedef struct mg_round_service {
    int64_t id, organisation_id;
    char organisation_name[MG_ROUND_NAME_MAX * 4 + 1];
    char name[MG_ROUND_NAME_MAX * 4 + 1];
    char territory[4096];      /* a scope key (diagnosis/scope.h): "" the whole study
                                  territory, "epci:SIREN", "communes:C1,C2,…" */
    char target_public[24];    /* "all", "early_childhood", "youth", "elderly" (population.h) */
    char profession[4];        /* "" none, else an APL profession key ("mg", "inf"…):
                                  the service gives that care; its plan is a scenario */
    int reach_min;             /* X: target people within X minutes of a stop are reached */
    int cycle_weeks;           /* 1..4: the rounds repeat every N weeks */
    int stop_min;              /* default minutes at a stop */
    double underserved_extra;  /* extra weight of an under-served commune (build.h) */
    char school_zone;          /* 'A', 'B', 'C' */
    bool runs_in_holidays;     /* runs during school holidays */
    char contact[MG_ROUND_CONTACT_MAX * 4 + 1]; /* public */
    int64_t published_plan_id; /* 0: not published */
    char anchor_monday[11];    /* "YYYY-MM-DD", the first day of week 0; "" unpublished */
    char published_at[21];
    bool is_example;
    char created_at[21], updated_at[21];
    size_t nvehicles, nstops;  /* active ones */
} mg_round_service;

typedef struct mg_round_service_input {
    int64_t organisation_id;   /* on add only */
    const char *name;
    const char *territory;     /* NULL or "": the whole study territory */
    const char *target_public; /* NULL: "all" */
    const char *profession;    /* NULL or "": none */
    int reach_min;             /* 1..120 */
    int cycle_weeks;           /* 1..4 */
    int stop_min;              /* 5..600 */
    double underserved_extra;  /* 0..10 */
    const char *school_zone;   /* "A", "B", "C" */
    bool runs_in_holidays;
    const char *contact;       /* NULL: "" */
    bool is_example;
} mg_round_service_input;

/** An input with the defaults: reach 15 min, cycle 1 week, 120 min at a
 * stop, extra 0.5, zone C, runs in holidays, public "all". */
mg_round_service_input mg_round_service_defaults(void);

/** Refused fields: "organisation_id" (no such organisation), "name", "territory"
 * (not "", "epci:" followed by 9 digits, or "communes:" and codes: the
 * communes themselves are checked by the builder against the territory
 * loaded), "target_public", "profession", "reach_min", "cycle_weeks",
 * "stop_min", "underserved_extra", "school_zone", "contact". */
int mg_round_service_add(mg_db *db, int64_t by, const mg_round_service_input *in,
                         int64_t *id_out, mg_round_errors *errs, mg_diag *d) MG_WARN_UNUSED;
/** Changes every field but the organisation. A published service whose
 * cycle changes is unpublished in the same transaction (its plan's weeks
 * would no longer mean the same). */
int mg_round_service_update(mg_db *db, int64_t by, int64_t id, const mg_round_service_input *in,
                            mg_round_errors *errs, mg_diag *d) MG_WARN_UNUSED;
int mg_round_service_get(mg_db *db, int64_t id, mg_round_service *out,
                         mg_diag *d) MG_WARN_UNUSED;
/** organisation_id > 0: that organisation's only; published_only: those with
 * a published plan (the public pages and the finder). By organisation then
 * name. */
int mg_round_service_list(mg_db *db, int64_t organisation_id, bool published_only,
                          mg_round_service **out, size_t *n, mg_diag *d) MG_WARN_UNUSED;
/** Deletes a service and everything of it (vehicles, stops, plans,
 * cancellations) in one transaction. */
int mg_round_service_delete(mg_db *db, int64_t by, int64_t id, mg_diag *d) MG_WARN_UNUSED;

/* --- Vehicles ------------------------------------------------------------------------------ */

typedef struct mg_round_vehicle {
    int64_t id, service_id;
    char name[MG_ROUND_NAME_MAX * 4 + 1];
    char base_name[MG_ROUND_NAME_MAX * 4 + 1]; /* where it starts and ends its day */
    char base_commune[6];
    double base_lat, base_lon;
    uint8_t weekdays;          /* bit 0 Monday … bit 6 Sunday */
    int day_start, day_end;    /* minutes of the day */
    int break_min;             /* 0: no break */
    int break_earliest, break_latest; /* window of the break's start */
    int max_drive;             /* minutes of driving a day; 0: no limit */
    bool active;
} mg_round_vehicle;

typedef struct mg_round_vehicle_input {
    const char *name;
    const char *base_name;
    const char *base_commune;  /* INSEE code */
    double base_lat, base_lon;
    uint8_t weekdays;
    int day_start, day_end;
    int break_min, break_earliest, break_latest;
    int max_drive;
    bool active;
} mg_round_vehicle_input;

/** Refused: "name" (empty, too long, or another vehicle's of the service),
 * "base_name", "base_commune", "base_point", "weekdays", "day_start",
 * "day_end", "break_min", "break_window", "max_drive". */
int mg_round_vehicle_add(mg_db *db, int64_t by, int64_t service_id,
                         const mg_round_vehicle_input *in, int64_t *id_out,
                         mg_round_errors *errs, mg_diag *d) MG_WARN_UNUSED;
int mg_round_vehicle_update(mg_db *db, int64_t by, int64_t id, const mg_round_vehicle_input *in,
                            mg_round_errors *errs, mg_diag *d) MG_WARN_UNUSED;
int mg_round_vehicle_get(mg_db *db, int64_t id, mg_round_vehicle *out,
                         mg_diag *d) MG_WARN_UNUSED;
/** A service's vehicles by name; active_only leaves the others out. */
int mg_round_vehicle_list(mg_db *db, int64_t service_id, bool active_only,
                          mg_round_vehicle **out, size_t *n, mg_diag *d) MG_WARN_UNUSED;

/* --- Stops --------------------------------------------------------------------------------- */

typedef enum mg_round_stop_source {
    MG_ROUND_STOP_CHEF_LIEU = 0, /* a commune's chef-lieu point */
    MG_ROUND_STOP_FILE,          /* a place of a stops file (stops_file.h) */
    MG_ROUND_STOP_DIRECTORY,     /* a directory structure (town hall, social centre…) */
    MG_ROUND_STOP_MANUAL,        /* typed in a form */
    MG_ROUND_STOP_SOURCES
} mg_round_stop_source;

/** "chef_lieu", "file", "directory", "manual". */
const char *mg_round_stop_source_key(mg_round_stop_source s);

typedef struct mg_round_stop {
    int64_t id, service_id;
    char name[MG_ROUND_NAME_MAX * 4 + 1];
    char commune_code[6];
    char commune_name[MG_ROUND_NAME_MAX * 4 + 1];
    double lat, lon;
    int minutes;               /* 0: the service's stop_min */
    mg_round_stop_source source;
    int64_t structure_id;      /* 0: none */
    bool active;
} mg_round_stop;

typedef struct mg_round_stop_input {
    const char *name;
    const char *commune_code;
    const char *commune_name;  /* NULL: "" */
    double lat, lon;
    int minutes;               /* 0: the service's default, else 5..600 */
    mg_round_stop_source source;
    int64_t structure_id;      /* 0: none */
    bool active;
} mg_round_stop_input;

/** Refused: "name", "commune_code", "point", "minutes", "structure_id". */
int mg_round_stop_add(mg_db *db, int64_t by, int64_t service_id, const mg_round_stop_input *in,
                      int64_t *id_out, mg_round_errors *errs, mg_diag *d) MG_WARN_UNUSED;
int mg_round_stop_update(mg_db *db, int64_t by, int64_t id, const mg_round_stop_input *in,
                         mg_round_errors *errs, mg_diag *d) MG_WARN_UNUSED;
int mg_round_stop_get(mg_db *db, int64_t id, mg_round_stop *out, mg_diag *d) MG_WARN_UNUSED;
/** A service's stops by commune code then name. */
int mg_round_stop_list(mg_db *db, int64_t service_id, bool active_only, mg_round_stop **out,
                       size_t *n, mg_diag *d) MG_WARN_UNUSED;

/**
 * Puts n stops at once, in one transaction: a stop whose commune and name
 * the service already has is updated (and made active), the others are
 * added; with `replace`, the service's other stops are deactivated (never
 * deleted: plans refer to them). One refused row refuses all, nothing
 * written: MG_EINVAL, d naming the row (from 1) and the field.
 * *added, *updated (may be NULL) count them.
 */
int mg_round_stops_put(mg_db *db, int64_t by, int64_t service_id, const mg_round_stop_input *v,
                       size_t n, bool replace, size_t *added, size_t *updated,
                       mg_diag *d) MG_WARN_UNUSED;

/**
 * The directory's structures of the given categories (directory.h keys:
 * "town_hall", "social"…) located in the given communes (INSEE codes) and
 * with a point, as stop inputs (source directory, minutes 0, active).
 * Strings of *out point into *arena (free both). No write.
 */
int mg_round_stops_from_directory(mg_db *db, const char *const *categories, size_t ncategories,
                                  const char *const *communes, size_t ncommunes,
                                  mg_round_stop_input **out, size_t *n, char **arena,
                                  mg_diag *d) MG_WARN_UNUSED;

/* --- Plans --------------------------------------------------------------------------------- */

typedef struct mg_round_plan_visit {
    int64_t stop_id;
    int arrive, depart;        /* minutes of the day, arrive < depart */
    /* Filled by mg_round_plan_get (ignored by mg_round_plan_save): */
    char stop_name[MG_ROUND_NAME_MAX * 4 + 1];
    char commune_code[6];
    char commune_name[MG_ROUND_NAME_MAX * 4 + 1];
    double lat, lon;
} mg_round_plan_visit;

typedef struct mg_round_plan_route {
    int64_t id;                /* filled by get */
    int64_t vehicle_id;
    int week;                  /* 0..cycle_weeks-1 */
    int weekday;               /* 0 Monday … 6 Sunday */
    int leave, back;           /* leaves and is back at the base */
    int break_after;           /* position of the visit after which the break starts; -1 none */
    int break_start;
    int drive;                 /* minutes of driving */
    size_t n;
    mg_round_plan_visit *visits; /* in the order of the round */
    char vehicle_name[MG_ROUND_NAME_MAX * 4 + 1]; /* filled by get */
} mg_round_plan_route;

typedef enum mg_round_plan_kind {
    MG_ROUND_PLAN_COMPUTED = 0, /* by the solver */
    MG_ROUND_PLAN_CURRENT,      /* the rounds run today, entered by the user */
} mg_round_plan_kind;

typedef struct mg_round_plan {
    int64_t id, service_id;
    mg_round_plan_kind kind;
    char method[12];           /* "heuristic", "exact", "entered" */
    char label[MG_ROUND_NAME_MAX * 4 + 1];
    int cycle_weeks;
    double value;              /* the objective's gain (rounds.h) */
    double bound;              /* an upper bound on it; NaN: none known */
    double seconds;            /* solving time */
    double covered;            /* target people within reach of a served stop */
    double target;             /* target people of the service's territory */
    bool all_inhabitants;      /* no population file: the target was all inhabitants */
    int64_t created_by;        /* 0: the system */
    char created_at[21];
    bool published;            /* the service's published plan */
    size_t nroutes;
    mg_round_plan_route *routes; /* by vehicle, week, weekday; NULL from list */
} mg_round_plan;

void mg_round_plan_clear(mg_round_plan *p); /* frees routes and visits */
void mg_round_plans_free(mg_round_plan *v, size_t n);

/**
 * Saves a plan with its routes and visits in one transaction (plan's
 * id, published, created_* and the routes' names are ignored). Refused
 * (MG_EINVAL, d naming the route and visit from 1): a vehicle or stop of
 * another service, a week outside the cycle, a weekday outside 0..6, two
 * routes of one vehicle on the same week and weekday, a stop twice in a
 * route, a time outside 0..1440, a visit that does not arrive before it
 * departs or arrives before the previous one departs, leave after the
 * first arrival or back before the last departure. Empty routes are not
 * stored.
 */
int mg_round_plan_save(mg_db *db, int64_t by, const mg_round_plan *p, int64_t *id_out,
                       mg_diag *d) MG_WARN_UNUSED;
/** A plan with its routes and visits. */
int mg_round_plan_get(mg_db *db, int64_t id, mg_round_plan *out, mg_diag *d) MG_WARN_UNUSED;
/** A service's plans, newest first, without their routes. */
int mg_round_plan_list(mg_db *db, int64_t service_id, mg_round_plan **out, size_t *n,
                       mg_diag *d) MG_WARN_UNUSED;
/** Deletes a plan that is not published (MG_EINVAL when it is). */
int mg_round_plan_delete(mg_db *db, int64_t by, int64_t id, mg_diag *d) MG_WARN_UNUSED;

/* --- Publication --------------------------------------------------------------------------- */

/**
 * Publishes plan_id as the service's rounds from anchor_monday
 * ("YYYY-MM-DD", a Monday: the first day of week 0 of the cycle), in one
 * transaction: the plan must be the service's (MG_EINVAL otherwise, and
 * the database's foreign key refuses it anyway), the anchor a Monday.
 * Replaces a previous publication.
 */
int mg_round_publish(mg_db *db, int64_t by, int64_t service_id, int64_t plan_id,
                     const char *anchor_monday, mg_diag *d) MG_WARN_UNUSED;
/** Withdraws the publication (nothing when none). */
int mg_round_unpublish(mg_db *db, int64_t by, int64_t service_id, mg_diag *d) MG_WARN_UNUSED;

/* --- Cancellations ------------------------------------------------------------------------- */

typedef struct mg_round_cancellation {
    int64_t id, service_id;
    char on_date[11];          /* "YYYY-MM-DD" */
    int64_t vehicle_id;        /* 0: every vehicle */
    int64_t stop_id;           /* 0: the whole day */
    char reason[MG_ROUND_NAME_MAX * 4 + 1]; /* public */
    char vehicle_name[MG_ROUND_NAME_MAX * 4 + 1]; /* "" when every vehicle */
    char stop_name[MG_ROUND_NAME_MAX * 4 + 1];    /* "" when the whole day */
} mg_round_cancellation;

/** Refused: "on_date" (not a valid date), "vehicle_id", "stop_id" (not the
 * service's), "reason". */
int mg_round_cancellation_add(mg_db *db, int64_t by, int64_t service_id, const char *on_date,
                              int64_t vehicle_id, int64_t stop_id, const char *reason,
                              int64_t *id_out, mg_round_errors *errs, mg_diag *d) MG_WARN_UNUSED;
int mg_round_cancellation_delete(mg_db *db, int64_t by, int64_t id, mg_diag *d) MG_WARN_UNUSED;
/** A service's cancellations with from <= on_date <= to (either may be NULL), by date. */
int mg_round_cancellation_list(mg_db *db, int64_t service_id, const char *from, const char *to,
                               mg_round_cancellation **out, size_t *n,
                               mg_diag *d) MG_WARN_UNUSED;

/* --- School holidays ----------------------------------------------------------------------- */

typedef struct mg_round_holiday {
    char zone[41];
    char academie[101 * 4];
    char description[201 * 4];
    char school_year[21];
    char first_day[11], last_day[11]; /* days off, both included */
} mg_round_holiday;

/**
 * Replaces the school holidays by the ministry's calendar file at path
 * (read by school.h), in one transaction; a file that does not read
 * changes nothing. Rows for teachers only are left out; "Zone A" is
 * stored as "A" (other zones as written). *n_out (may be NULL): rows
 * stored.
 */
int mg_round_holidays_import(mg_db *db, int64_t by, const char *path, size_t *n_out,
                             mg_diag *d) MG_WARN_UNUSED;
/** Holidays of a zone ("A", "B", "C") that end on or after from and start on
 * or before to (either NULL: unbounded), by first day; duplicates of one
 * period across académies of the zone are listed once. */
int mg_round_holidays_list(mg_db *db, const char *zone, const char *from, const char *to,
                           mg_round_holiday **out, size_t *n, mg_diag *d) MG_WARN_UNUSED;

/* --- Target populations -------------------------------------------------------------------- */

struct mg_territory;
struct mg_report;
struct mg_rounds_population;

/**
 * Replaces the target populations by INSEE's population-by-age file at
 * path (read by population.h against territory t; rows whose code maps to
 * no commune are reported in rep, which may be NULL), in one transaction;
 * a file that does not read changes nothing. *n_out (may be NULL):
 * communes stored (those the file has a row for).
 */
int mg_round_population_import(mg_db *db, int64_t by, const struct mg_territory *t,
                               const char *path, struct mg_report *rep, size_t *n_out,
                               mg_diag *d) MG_WARN_UNUSED;
/**
 * The stored target populations as population.h's struct for territory t
 * (communes without a row NaN and not present). *has (may be NULL) false
 * when the table is empty: then *out is left zeroed and the builder falls
 * back to all inhabitants.
 */
int mg_round_population_load(mg_db *db, const struct mg_territory *t,
                             struct mg_rounds_population *out, bool *has,
                             mg_diag *d) MG_WARN_UNUSED;

#endif
