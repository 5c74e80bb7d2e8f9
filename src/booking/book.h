/**
 * @file book.h
 * Bookings (issue 17; docs/booking.md): the public books a free slot
 * without an account and gets a confirmation code, cancels with it; the
 * host books walk-ins, marks arrivals and absences, blocks a device for
 * maintenance; everyone reads the bookings they may see.
 *
 * No double booking is the database's doing: a booking claims each
 * 5-minute unit of its device, teleconsultant and assistant in
 * booking_claims (primary key), in the same write transaction that checks
 * the slot against the rules (mg_booking_slot_check_on) and inserts it; a
 * concurrent booking of any of these units fails on the key and is told
 * the slot is gone. Cancelling frees the units at once (trigger). At most
 * MG_BOOKING_ACTIVE_MAX active bookings per phone number and per address
 * (booking_holds). Public booking and cancelling attempts are throttled per
 * address and per phone number (booking_attempts).
 */
#ifndef MG_BOOKING_BOOK_H
#define MG_BOOKING_BOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "booking/booking.h"
#include "core/error.h"
#include "db/db.h"

enum {
    MG_BOOKING_ATTEMPTS_PER_WINDOW = 10,  /* public attempts per key … */
    MG_BOOKING_ATTEMPT_WINDOW_S = 600,    /* … per this many seconds */
};

/** What is booked, by whom, from where. */
typedef struct mg_booking_input {
    int64_t site_id, device_id, teleconsultant_id;
    mg_booking_kind kind;
    int64_t start;              /* Unix minute */
    const char *person;         /* a name or initials, as the site asks */
    const char *phone;          /* as typed; normalised */
    bool walk_in;               /* booked by the host for someone at the desk */
    const char *address;        /* the client's network address (public bookings; NULL for a
                                   walk-in): limits and throttling */
    int64_t now_s;              /* Unix seconds: the clock (tests set it) */
} mg_booking_input;

typedef struct mg_booking_result {
    int64_t id;
    char code[MG_BOOKING_CODE_SIZE]; /* "ABCDE-FGHJK": shown once, only its hash is kept */
    int64_t start, end;
    int64_t assistant_id;
    bool gone;                  /* refused because someone else took the slot */
    int retry_after;            /* MG_ETHROTTLE: seconds to wait */
} mg_booking_result;

/**
 * Books. by: the host's account for a walk-in, 0 for the public. Refused
 * (MG_EINVAL, errs): "person", "phone", "start" (in the past, beyond the
 * horizon, not a slot of the rules, or gone: res->gone), "kind",
 * "device_id", "teleconsultant_id"; the limit of active bookings
 * ("phone": « Ce numéro a déjà deux rendez-vous à venir », "address"); a
 * throttled attempt is MG_ETHROTTLE (auth.h) with res->retry_after.
 */
int mg_booking_book(mg_db *db, int64_t by, const mg_booking_input *in, mg_booking_result *res,
                    mg_booking_errors *errs, mg_diag *d) MG_WARN_UNUSED;

/** A booking as its readers see it. */
typedef struct mg_booking {
    int64_t id, site_id, device_id, teleconsultant_id, assistant_id;
    mg_booking_kind kind;
    int64_t start, end;
    mg_booking_state state;
    char person[MG_BOOKING_PERSON_MAX_CHARS * 4 + 1]; /* "" once purged */
    char phone[MG_BOOKING_PHONE_SIZE]; /* "" when the reader may not see it, or purged */
    char code[MG_BOOKING_CODE_SIZE];   /* "ABCDE-FGHJK", handed over to the teleconsultant;
                                          "" once purged */
    bool walk_in;
    char site_name[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    char device_name[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    char teleconsultant_label[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    char commune_name[201 * 4];
    char created_at[21];
} mg_booking;

/** The public's view of its booking by code (the code is the capability):
 * MG_ENOTFOUND for an unknown code (throttled as a failed attempt). */
int mg_booking_find_code(mg_db *db, const char *code, const char *address, int64_t now_s,
                         mg_booking *out, int *retry_after, mg_diag *d) MG_WARN_UNUSED;

/** Cancels by code (the public): MG_ENOTFOUND (unknown code), MG_EINVAL
 * (not booked any more, or already begun), MG_ETHROTTLE. */
int mg_booking_cancel_code(mg_db *db, const char *code, const char *address, int64_t now_s,
                           mg_booking *out, int *retry_after, mg_diag *d) MG_WARN_UNUSED;

/** Changes a booking's state (the host: arrived, no-show, done, cancelled;
 * the transitions of migration 010). MG_ENOTFOUND, MG_EINVAL (a transition
 * not allowed, with the French sentence). */
int mg_booking_set_state(mg_db *db, int64_t by, int64_t id, mg_booking_state to,
                         mg_diag *d) MG_WARN_UNUSED;

int mg_booking_get(mg_db *db, int64_t id, mg_booking *out, mg_diag *d) MG_WARN_UNUSED;

typedef struct mg_booking_filter {
    int64_t site_id;            /* 0: any */
    int64_t device_id;          /* 0: any */
    int64_t teleconsultant_id;  /* 0: any */
    int64_t owner_id;           /* 0: any; else the network's sites */
    int64_t from, to;           /* Unix minutes; bookings that start in [from, to) */
    bool with_cancelled;
    bool with_phone;            /* false: phone left "" (the teleconsultant's view of a site
                                   that does not share it is decided per row: see below) */
    bool phone_if_shared;       /* with_phone false: show it where the site shares it */
    size_t offset, limit;       /* limit ≤ MG_BOOKING_PAGE_MAX */
} mg_booking_filter;

/** Bookings of f by start; *out new array (free()); *total may be NULL. */
int mg_booking_list(mg_db *db, const mg_booking_filter *f, mg_booking **out, size_t *n,
                    size_t *total, mg_diag *d) MG_WARN_UNUSED;

/**
 * Blocks a device for maintenance over [from, to) (an exception of reason
 * maintenance) and lists the bookings it hits, still booked, with their
 * phone numbers, for the host to tell their people (*affected new array,
 * free()). The bookings are not cancelled by the block: the host cancels
 * each once the person is told. Refused: "from", "to", "label".
 */
int mg_booking_block(mg_db *db, int64_t by, int64_t device_id, int64_t from, int64_t to,
                     const char *label, int64_t *exception_id, mg_booking **affected,
                     size_t *naffected, mg_booking_errors *errs, mg_diag *d) MG_WARN_UNUSED;

/** Personal fields are kept this long after a booking's end (docs/privacy.md). */
enum { MG_BOOKING_KEEP_DAYS = 92 };

/**
 * Removes the person, the phone number and the code of every booking that
 * ended more than MG_BOOKING_KEEP_DAYS days before now_min (Unix minute),
 * keeping what the usage figures need (site, device, teleconsultant,
 * kind, times, state, walk-in); deletes lapsed holds and attempts older
 * than the throttling window. One audit entry per booking purged (verb
 * "purge", no values). *purged (may be NULL): the bookings purged. For
 * cron: `maillage booking purge`.
 */
int mg_booking_purge(mg_db *db, int64_t now_min, int64_t *purged, mg_diag *d) MG_WARN_UNUSED;

#endif
