/**
 * @file setup.h
 * The equipment network as its owner (a Département), its hosts and its
 * teleconsultants set it up (issue 17; docs/booking.md): sites, devices,
 * assistants, teleconsultants with their kinds and sites, exceptions to
 * weekly hours; and the next free slots, read from the database and
 * computed by slots.h.
 *
 * Weekly hours and availabilities are opening_hours strings, checked by
 * mg_opening_hours_parse (a refusal names the field and the position).
 * Writes are write transactions with their audit entry (booking.h).
 */
#ifndef MG_BOOKING_SETUP_H
#define MG_BOOKING_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "booking/booking.h"
#include "core/error.h"
#include "db/db.h"

/* --- Sites ----------------------------------------------------------------------------------- */

/** A site: a directory structure hosting equipment, with what it asks. */
typedef struct mg_booking_site {
    int64_t site_id;  /* the structure's (and organisation's) id */
    int64_t owner_id; /* the organisation running the equipment network */
    char name[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1]; /* the structure's name */
    char category[32];                             /* the structure's category key */
    char commune_code[6];
    char commune_name[201 * 4];
    char address[501 * 4];
    double lat, lon;            /* NaN when the structure has no point */
    char *opening_hours;        /* the structure's, NULL when none (then never open); malloc */
    mg_booking_ask ask;
    bool share_phone;           /* teleconsultants see the phone number */
    bool active;
    bool is_example;
    size_t ndevices;            /* active devices */
} mg_booking_site;

void mg_booking_site_clear(mg_booking_site *s); /* frees opening_hours */
void mg_booking_sites_free(mg_booking_site *v, size_t n);

typedef struct mg_booking_site_input {
    int64_t site_id;  /* a structure of the directory */
    int64_t owner_id;
    const char *ask;  /* "name" or "initials"; NULL: initials */
    bool share_phone;
    bool active;
    bool is_example;
} mg_booking_site_input;

/** Registers a structure as a site, or changes its settings (owner kept
 * when the site exists). Refused: "site_id" (no such structure), "ask". */
int mg_booking_site_put(mg_db *db, int64_t by, const mg_booking_site_input *in,
                        mg_booking_errors *errs, mg_diag *d) MG_WARN_UNUSED;
int mg_booking_site_get(mg_db *db, int64_t site_id, mg_booking_site *out,
                        mg_diag *d) MG_WARN_UNUSED; /* MG_ENOTFOUND */
/** Sites by commune and name: owner_id > 0 restricts to one network;
 * active_only; *out new array (mg_booking_sites_free). */
int mg_booking_site_list(mg_db *db, int64_t owner_id, bool active_only, mg_booking_site **out,
                         size_t *n, mg_diag *d) MG_WARN_UNUSED;

/* --- Devices --------------------------------------------------------------------------------- */

typedef struct mg_booking_device {
    int64_t id, site_id;
    mg_booking_device_kind kind;
    char name[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    char instruments[1001];     /* codes, comma-separated ("stethoscope,otoscope,…") */
    char *opening_hours;        /* NULL: the site's; malloc */
    bool assisted;
    int step_min;               /* 0: the consultation's duration */
    bool active;
} mg_booking_device;

void mg_booking_device_clear(mg_booking_device *v);
void mg_booking_devices_free(mg_booking_device *v, size_t n);

typedef struct mg_booking_device_input {
    int64_t site_id;
    const char *kind;           /* "cabin", "cart" */
    const char *name;
    const char *instruments;    /* NULL or "" none */
    const char *opening_hours;  /* NULL or "": the site's */
    bool assisted;
    int step_min;
    bool active;
} mg_booking_device_input;

/** The instrument codes a device may carry and their French labels. */
const char *const *mg_booking_instruments(size_t *n);
const char *mg_booking_instrument_label(const char *code); /* NULL: unknown */

/** Refused fields: "site_id", "kind", "name", "instruments", "opening_hours", "step_min". */
int mg_booking_device_add(mg_db *db, int64_t by, const mg_booking_device_input *in,
                          int64_t *id_out, mg_booking_errors *errs, mg_diag *d) MG_WARN_UNUSED;
/** Changes a device (its site stays). */
int mg_booking_device_update(mg_db *db, int64_t by, int64_t id, const mg_booking_device_input *in,
                             mg_booking_errors *errs, mg_diag *d) MG_WARN_UNUSED;
int mg_booking_device_get(mg_db *db, int64_t id, mg_booking_device *out,
                          mg_diag *d) MG_WARN_UNUSED;
/** site_id 0: every site. */
int mg_booking_device_list(mg_db *db, int64_t site_id, mg_booking_device **out, size_t *n,
                           mg_diag *d) MG_WARN_UNUSED;

/* --- Assistants ------------------------------------------------------------------------------ */

typedef struct mg_booking_assistant {
    int64_t id, site_id;
    char label[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    char *availability;         /* malloc */
    bool active;
} mg_booking_assistant;

void mg_booking_assistants_free(mg_booking_assistant *v, size_t n);

/** Refused: "label", "availability". id 0 adds (*id_out), else changes. */
int mg_booking_assistant_put(mg_db *db, int64_t by, int64_t id, int64_t site_id,
                             const char *label, const char *availability, bool active,
                             int64_t *id_out, mg_booking_errors *errs, mg_diag *d) MG_WARN_UNUSED;
int mg_booking_assistant_list(mg_db *db, int64_t site_id, mg_booking_assistant **out, size_t *n,
                              mg_diag *d) MG_WARN_UNUSED;

/* --- Teleconsultants ------------------------------------------------------------------------- */

typedef struct mg_booking_tc_kind {
    mg_booking_kind kind;
    int duration_min;
} mg_booking_tc_kind;

typedef struct mg_booking_teleconsultant {
    int64_t id, organisation_id, owner_id;
    char label[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    char org_name[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    char *availability;         /* malloc */
    mg_booking_tc_kind kinds[MG_BOOKING_KINDS_MAX];
    size_t nkinds;
    int64_t *site_ids;          /* malloc */
    size_t nsites;
    bool has_feed;              /* a calendar feed secret is set */
    bool active;
} mg_booking_teleconsultant;

void mg_booking_teleconsultant_clear(mg_booking_teleconsultant *t);
void mg_booking_teleconsultants_free(mg_booking_teleconsultant *v, size_t n);

typedef struct mg_booking_teleconsultant_input {
    int64_t organisation_id;    /* on add only */
    int64_t owner_id;           /* on add only */
    const char *label;
    const char *availability;
    mg_booking_tc_kind kinds[MG_BOOKING_KINDS_MAX];
    size_t nkinds;              /* at least one */
    const int64_t *site_ids;    /* sites of owner_id's network */
    size_t nsites;
    bool active;
} mg_booking_teleconsultant_input;

/** Refused: "organisation_id", "label", "availability", "kinds",
 * "duration_<kind>", "sites". */
int mg_booking_teleconsultant_add(mg_db *db, int64_t by, const mg_booking_teleconsultant_input *in,
                                  int64_t *id_out, mg_booking_errors *errs,
                                  mg_diag *d) MG_WARN_UNUSED;
/** Changes label, availability, kinds, sites and active (organisation and owner stay). */
int mg_booking_teleconsultant_update(mg_db *db, int64_t by, int64_t id,
                                     const mg_booking_teleconsultant_input *in,
                                     mg_booking_errors *errs, mg_diag *d) MG_WARN_UNUSED;
/** Changes the weekly availability only (the teleconsultant's own page). */
int mg_booking_teleconsultant_set_availability(mg_db *db, int64_t by, int64_t id,
                                               const char *availability, mg_booking_errors *errs,
                                               mg_diag *d) MG_WARN_UNUSED;
int mg_booking_teleconsultant_get(mg_db *db, int64_t id, mg_booking_teleconsultant *out,
                                  mg_diag *d) MG_WARN_UNUSED;
/** organisation_id > 0: that organisation's; owner_id > 0: that network's;
 * site_id > 0: those serving that site. 0 leaves a filter out. */
int mg_booking_teleconsultant_list(mg_db *db, int64_t organisation_id, int64_t owner_id,
                                   int64_t site_id, mg_booking_teleconsultant **out, size_t *n,
                                   mg_diag *d) MG_WARN_UNUSED;

/** A new secret for the teleconsultant's iCalendar feed (the old one stops
 * working): 43 URL-safe characters into token (shown once; only its hash
 * is kept). */
int mg_booking_feed_token_new(mg_db *db, int64_t by, int64_t teleconsultant_id,
                              char token[static 44], mg_diag *d) MG_WARN_UNUSED;
/** The teleconsultant of a feed secret: MG_ENOTFOUND for an unknown one. */
int mg_booking_feed_lookup(mg_db *db, const char *token, int64_t *teleconsultant_id,
                           mg_diag *d) MG_WARN_UNUSED;

/* --- Exceptions -------------------------------------------------------------------------------- */

typedef struct mg_booking_exception {
    int64_t id;
    mg_booking_resource resource;
    int64_t resource_id;
    int64_t from, to;           /* Unix minutes */
    mg_booking_reason reason;   /* MG_BOOKING_OPENING: open, else closed */
    char label[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
} mg_booking_exception;

/** Refused: "from", "to" (to ≤ from, more than a year), "reason" (opening
 * on… any resource is fine; maintenance only on a device), "label". A
 * device's maintenance is better made by mg_booking_block (book.h), which
 * lists the bookings it hits. */
int mg_booking_exception_add(mg_db *db, int64_t by, const mg_booking_exception *in,
                             int64_t *id_out, mg_booking_errors *errs, mg_diag *d) MG_WARN_UNUSED;
int mg_booking_exception_delete(mg_db *db, int64_t by, int64_t id, mg_diag *d) MG_WARN_UNUSED;
/** What mg_booking_exception_end did. */
enum { MG_BOOKING_EXCEPTION_DELETED = 1, MG_BOOKING_EXCEPTION_ENDED = 2 };
/**
 * Removes exception id of resource_id (the pages' « Supprimer »): deleted
 * when it starts at or after `now` (a Unix minute), ended at `now` when it
 * has begun (its past stays, as the usage figures counted it); its time is
 * free again at once. One audit entry ("delete", or "update" of ends_at).
 * *outcome (may be NULL): MG_BOOKING_EXCEPTION_DELETED or _ENDED.
 * MG_ENOTFOUND when no exception has that id for that resource; MG_EINVAL
 * when it is already over.
 */
int mg_booking_exception_end(mg_db *db, int64_t by, mg_booking_resource resource,
                             int64_t resource_id, int64_t id, int64_t now, int *outcome,
                             mg_diag *d) MG_WARN_UNUSED;
/** Exceptions of a resource that end after `from`, by start. */
int mg_booking_exception_list(mg_db *db, mg_booking_resource resource, int64_t resource_id,
                              int64_t from, mg_booking_exception **out, size_t *n,
                              mg_diag *d) MG_WARN_UNUSED;
int mg_booking_exception_get(mg_db *db, int64_t id, mg_booking_exception *out,
                             mg_diag *d) MG_WARN_UNUSED;

/* --- The same writes on a caller's transaction ------------------------------------------------ */

/*
 * The writes above, run on connection c inside the caller's open write
 * transaction (mg_db_transaction(db, MG_DB_TX_WRITE, …)): same checks,
 * refusals and audit entries, which commit or roll back with everything
 * else the caller writes (`maillage booking import` writes a whole file
 * this way). The functions above are these, each in its own transaction.
 * A refusal returns MG_EINVAL without rolling back: the caller's body
 * returns it and mg_db_transaction rolls the whole transaction back.
 */
int mg_booking_site_put_on(mg_db_conn *c, int64_t by, const mg_booking_site_input *in,
                           mg_booking_errors *errs, mg_diag *d) MG_WARN_UNUSED;
int mg_booking_device_add_on(mg_db_conn *c, int64_t by, const mg_booking_device_input *in,
                             int64_t *id_out, mg_booking_errors *errs, mg_diag *d) MG_WARN_UNUSED;
int mg_booking_device_update_on(mg_db_conn *c, int64_t by, int64_t id,
                                const mg_booking_device_input *in, mg_booking_errors *errs,
                                mg_diag *d) MG_WARN_UNUSED;
int mg_booking_assistant_put_on(mg_db_conn *c, int64_t by, int64_t id, int64_t site_id,
                                const char *label, const char *availability, bool active,
                                int64_t *id_out, mg_booking_errors *errs,
                                mg_diag *d) MG_WARN_UNUSED;
int mg_booking_teleconsultant_add_on(mg_db_conn *c, int64_t by,
                                     const mg_booking_teleconsultant_input *in, int64_t *id_out,
                                     mg_booking_errors *errs, mg_diag *d) MG_WARN_UNUSED;
int mg_booking_teleconsultant_update_on(mg_db_conn *c, int64_t by, int64_t id,
                                        const mg_booking_teleconsultant_input *in,
                                        mg_booking_errors *errs, mg_diag *d) MG_WARN_UNUSED;
/** The lists above read on c (they see what the caller's transaction wrote). */
int mg_booking_device_list_on(mg_db_conn *c, int64_t site_id, mg_booking_device **out, size_t *n,
                              mg_diag *d) MG_WARN_UNUSED;
int mg_booking_assistant_list_on(mg_db_conn *c, int64_t site_id, mg_booking_assistant **out,
                                 size_t *n, mg_diag *d) MG_WARN_UNUSED;
int mg_booking_teleconsultant_list_on(mg_db_conn *c, int64_t organisation_id, int64_t owner_id,
                                      int64_t site_id, mg_booking_teleconsultant **out, size_t *n,
                                      mg_diag *d) MG_WARN_UNUSED;

/* --- The next free slots (availability.c) -------------------------------------------------- */

/** A free slot: where, with what, with whom, when. */
typedef struct mg_booking_slot {
    int64_t start, end;         /* Unix minutes */
    int64_t site_id, device_id, teleconsultant_id;
    int64_t assistant_id;       /* 0: the device is not assisted */
    mg_booking_kind kind;
} mg_booking_slot;

typedef struct mg_booking_slot_query {
    const int64_t *site_ids;    /* the sites within reach; NULL: every active site */
    size_t nsites;
    mg_booking_kind kind;
    int64_t from;               /* Unix minute; slots start at or after it */
    int days;                   /* 1..MG_BOOKING_HORIZON_DAYS */
    size_t limit;               /* slots at most (1..MG_BOOKING_PAGE_MAX), earliest first */
    size_t per_site;            /* at most this many per site (0: no limit) */
    int64_t device_id;          /* 0: any */
    int64_t teleconsultant_id;  /* 0: any */
} mg_booking_slot_query;

/**
 * The earliest free slots of q, across its sites, earliest first; at equal
 * start by site, device, teleconsultant. One slot per (start, site): the
 * device, teleconsultant and assistant offered are the first free in id
 * order. Reads rules, exceptions and the claims of bookings in one read
 * transaction. *out new array (free()).
 */
int mg_booking_next_slots(mg_db *db, const mg_booking_slot_query *q, mg_booking_slot **out,
                          size_t *n, mg_diag *d) MG_WARN_UNUSED;

/**
 * Whether [start, start + the teleconsultant's duration for kind) is free
 * for the device, the teleconsultant and (when the device is assisted) an
 * assistant, on an open site, reading on connection c (the booking's
 * write transaction). *slot filled (assistant chosen, end set) when free.
 * Returns 1 free, 0 not free (the reason in French in why, at most 255
 * bytes), or an MG_E… code.
 */
int mg_booking_slot_check_on(mg_db_conn *c, int64_t site_id, int64_t device_id,
                             int64_t teleconsultant_id, mg_booking_kind kind, int64_t start,
                             mg_booking_slot *slot, char why[static 256],
                             mg_diag *d) MG_WARN_UNUSED;

#endif
