/**
 * @file booking.h
 * Booking of the shared telehealth equipment (issue 17; docs/booking.md):
 * the code lists, refused-input reports and time conventions every part of
 * the module shares. The parts, each with its own header:
 *  - slots.h: the pure computation of free intervals and slots from weekly
 *    rules, exceptions and busy intervals (no database);
 *  - setup.h: sites, devices, assistants, teleconsultants, their kinds and
 *    sites, exceptions (closures, maintenance, absences, openings), the
 *    teleconsultant's calendar feed secret; and the next free slots read
 *    from the database;
 *  - book.h: bookings (the public's and the host's walk-ins), cancellation
 *    by code, states, maintenance blocks, lists, throttling and limits;
 *  - usage.h: usage per site and device, the monthly count of assisted
 *    teleconsultations per host, their XLSX, the indicator providers;
 *  - ical.h: iCalendar feeds (libical).
 *
 * Time: an instant is a Unix MINUTE (int64_t, UTC: Unix time / 60);
 * intervals are half-open [from, to). Weekly hours are opening_hours strings
 * read in Europe/Paris civil time (directory/opening_hours.h), converted
 * with the EU summer-time rule (mg_paris_civil, directory/holidays.h, and
 * mg_booking_utc below). Bookings start and end on the 5-minute grid.
 *
 * The SQL is in src/booking/ and nowhere else (tables of migration
 * 010_booking). Every state change is one write transaction with its audit
 * entry (object types "booking_site", "booking_device", "booking_assistant",
 * "booking_teleconsultant", "booking_exception", "booking"; organisation:
 * the site for what happens at a site, the teleconsultant's organisation
 * for its availability). The audit entry of a booking never carries the
 * person's name or phone number. Who may do what is decided by the caller
 * with mg_auth_can (MG_AUTH_OBJ_BOOKING_SITE, MG_AUTH_OBJ_TELECONSULTANT,
 * MG_AUTH_OBJ_BOOKING_NETWORK; the public's booking is MG_AUTH_OBJ_PUBLIC
 * and its code is the capability). Errors follow core/error.h; refused
 * input is MG_EINVAL with the refused fields named in an mg_booking_errors
 * (the first sentence in d too). Any thread may call any function.
 */
#ifndef MG_BOOKING_BOOKING_H
#define MG_BOOKING_BOOKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "directory/opening_hours.h"

enum {
    MG_BOOKING_GRAIN_MIN = 5,          /* bookings start and end on this grid */
    MG_BOOKING_DURATION_MAX_MIN = 240, /* longest consultation */
    MG_BOOKING_HORIZON_DAYS = 62,      /* slots are offered at most this far ahead */
    MG_BOOKING_ACTIVE_MAX = 2,         /* active bookings per phone number and per address */
    MG_BOOKING_CODE_CHARS = 10,        /* Crockford base32: 50 bits of randomness */
    MG_BOOKING_CODE_SIZE = 12,         /* "ABCDE-FGHJK" and its NUL */
    MG_BOOKING_PERSON_MAX_CHARS = 100,
    MG_BOOKING_LABEL_MAX_CHARS = 200,
    MG_BOOKING_PHONE_SIZE = 21,        /* "+33612345678" and its NUL, at most 20 bytes */
    MG_BOOKING_ERRORS_MAX = 16,
    MG_BOOKING_KINDS_MAX = 3,
    MG_BOOKING_SITES_MAX = 500,        /* sites of one teleconsultant, of one slot query */
    MG_BOOKING_PAGE_MAX = 500,         /* rows of one list */
};

/* --- Refused input ------------------------------------------------------------------------- */

/** A refused field: the form field's name ("phone", "start", "availability"…)
 * and the French sentence of what was expected. */
typedef struct mg_booking_field_error {
    char field[48];
    char msg[256];
} mg_booking_field_error;

typedef struct mg_booking_errors {
    size_t n;
    mg_booking_field_error e[MG_BOOKING_ERRORS_MAX];
} mg_booking_errors;

/** Adds a refused field (ignored past MG_BOOKING_ERRORS_MAX); errs may be NULL. */
void mg_booking_errors_add(mg_booking_errors *errs, const char *field, const char *fmt, ...)
    MG_PRINTF(3, 4);
/** The sentence for `field`, or NULL. */
const char *mg_booking_errors_for(const mg_booking_errors *errs, const char *field);
/** Sets d to MG_EINVAL with the first refused field's sentence; returns MG_EINVAL. */
int mg_booking_refuse(const mg_booking_errors *errs, mg_diag *d);

/* --- Code lists (stored keys and French labels) --------------------------------------------- */

typedef enum mg_booking_state {
    MG_BOOKING_BOOKED = 0, /* réservé */
    MG_BOOKING_ARRIVED,    /* arrivé */
    MG_BOOKING_DONE,       /* terminé */
    MG_BOOKING_CANCELLED,  /* annulé */
    MG_BOOKING_NO_SHOW,    /* absent */
    MG_BOOKING_STATES
} mg_booking_state;

typedef enum mg_booking_device_kind {
    MG_BOOKING_CABIN = 0, /* cabine de téléconsultation */
    MG_BOOKING_CART,      /* chariot de téléconsultation assistée */
    MG_BOOKING_DEVICE_KINDS
} mg_booking_device_kind;

/** The consultation kinds a teleconsultant offers. */
typedef enum mg_booking_kind {
    MG_BOOKING_GP = 0,     /* consultation de médecine générale */
    MG_BOOKING_FOLLOWUP,   /* consultation de suivi */
    MG_BOOKING_SPECIALIST, /* consultation spécialisée */
    MG_BOOKING_KINDS
} mg_booking_kind;

/** What a site asks of the person booking besides the phone number. */
typedef enum mg_booking_ask {
    MG_BOOKING_ASK_INITIALS = 0,
    MG_BOOKING_ASK_NAME,
} mg_booking_ask;

/** The resources an exception applies to. */
typedef enum mg_booking_resource {
    MG_BOOKING_RES_SITE = 0,
    MG_BOOKING_RES_DEVICE,
    MG_BOOKING_RES_TELECONSULTANT,
    MG_BOOKING_RES_ASSISTANT,
    MG_BOOKING_RESOURCES
} mg_booking_resource;

/** Why an exception: closure (site), maintenance (device), absence
 * (teleconsultant, assistant): closed; opening: exceptionally open. */
typedef enum mg_booking_reason {
    MG_BOOKING_CLOSURE = 0,
    MG_BOOKING_MAINTENANCE,
    MG_BOOKING_ABSENCE,
    MG_BOOKING_OPENING,
    MG_BOOKING_REASONS
} mg_booking_reason;

/* Each list: the stored key, the French label, and the key's parse
 * (MG_ENOTFOUND for an unknown key). Out of range: "". */
const char *mg_booking_state_key(mg_booking_state s);
const char *mg_booking_state_label(mg_booking_state s);
int mg_booking_state_parse(const char *key, mg_booking_state *out) MG_WARN_UNUSED;
const char *mg_booking_device_kind_key(mg_booking_device_kind k);
const char *mg_booking_device_kind_label(mg_booking_device_kind k);
int mg_booking_device_kind_parse(const char *key, mg_booking_device_kind *out) MG_WARN_UNUSED;
const char *mg_booking_kind_key(mg_booking_kind k);
const char *mg_booking_kind_label(mg_booking_kind k);
int mg_booking_kind_parse(const char *key, mg_booking_kind *out) MG_WARN_UNUSED;
const char *mg_booking_ask_key(mg_booking_ask a);
int mg_booking_ask_parse(const char *key, mg_booking_ask *out) MG_WARN_UNUSED;
const char *mg_booking_resource_key(mg_booking_resource r);
int mg_booking_resource_parse(const char *key, mg_booking_resource *out) MG_WARN_UNUSED;
const char *mg_booking_reason_key(mg_booking_reason r);
const char *mg_booking_reason_label(mg_booking_reason r);
int mg_booking_reason_parse(const char *key, mg_booking_reason *out) MG_WARN_UNUSED;

/* --- Time: Unix minutes and Europe/Paris civil time (time.c) -------------------------------- */

/** The current Unix minute. */
int64_t mg_booking_now(void);

/** The Paris civil time of a Unix minute. */
mg_oh_instant mg_booking_local(int64_t minute);

/**
 * The Unix minutes at which Paris civil time reads `local`: 1 (the usual
 * case, *first set), 2 (the repeated hour of the last Sunday of October:
 * *first the summer-time one, *second the winter-time one), 0 (the hour
 * skipped on the last Sunday of March: neither is set). second may be
 * NULL. MG_EINVAL for an invalid date or minute.
 */
int mg_booking_utc(mg_oh_instant local, int64_t *first, int64_t *second);

/** The first Unix minute of a Paris civil day (its 00:00; never skipped). */
int64_t mg_booking_day_start(int year, int month, int day);

/** "2026-03-29T10:30" (Paris civil time, minutes), for forms and the API's
 * local times; and its parse (a skipped local time is MG_EINVAL; a
 * repeated one reads as the first, summer-time, instant). */
void mg_booking_format_local(int64_t minute, char out[static 17]);
int mg_booking_parse_local(const char *s, int64_t *minute) MG_WARN_UNUSED;

/**
 * A local date-time as people type it in a form: "2026-03-29T10:30" (the
 * browser's datetime-local, ":00" seconds accepted), "2026-03-29 10:30",
 * "29/03/2026 10:30", "29/03/2026 10h30", "29/03/2026 10 h". A date alone
 * is its day's 00:00, or with end_of_day the next day's (a last day is
 * included). Returns 0, or MG_EINVAL (unreadable, a year out of
 * 1971..9000, or an hour that does not exist that day) leaving *out alone.
 */
int mg_booking_parse_typed(const char *typed, bool end_of_day, int64_t *out) MG_WARN_UNUSED;

/** "2026-03-29T08:30:00Z" (UTC), for the API. */
void mg_booking_format_utc(int64_t minute, char out[static 21]);

/** French: "dimanche 29 mars 2026 à 10 h 30" (Paris civil time). */
void mg_booking_format_fr(int64_t minute, char out[static 64]);

/* --- Phone numbers and codes (common.c) ------------------------------------------------------ */

/**
 * Normalises a French phone number as typed ("06 12 34 56 78",
 * "06.12.34.56.78", "+33 6 12 34 56 78", "0033612345678") into E.164
 * ("+33612345678"); other international numbers "+<8 to 15 digits>" are
 * kept as digits. MG_EINVAL with a French sentence in d otherwise.
 */
int mg_booking_phone_normalise(const char *in, char out[static MG_BOOKING_PHONE_SIZE],
                               mg_diag *d) MG_WARN_UNUSED;

/** "06 12 34 56 78" for a French number, the E.164 text otherwise. */
void mg_booking_phone_display(const char *e164, char out[static 32]);

/**
 * Normalises a confirmation code as typed (case, spaces, dashes, and the
 * Crockford confusables O→0, I/L→1 forgiven) into its canonical 10
 * characters; MG_EINVAL when it cannot be one.
 */
int mg_booking_code_normalise(const char *in, char out[static MG_BOOKING_CODE_CHARS + 1])
    MG_WARN_UNUSED;

/** A new random code (libsodium), "ABCDE-FGHJK" (grouped for reading). */
int mg_booking_code_new(char out[static MG_BOOKING_CODE_SIZE], mg_diag *d) MG_WARN_UNUSED;

/** SHA-256 hex of a canonical code (as stored in bookings.code_hash). */
void mg_booking_code_hash(const char canonical[static MG_BOOKING_CODE_CHARS + 1],
                          char out[static 65]);

#endif
