/**
 * @file directory.h
 * The directory of local actors: structures (places people go to: a GP
 * practice, a health centre, a pharmacy, a town hall hosting a
 * telemedicine cabin, a social centre) and their services, in the shape
 * of the data·inclusion schema v1 (docs/directory.md maps every field),
 * with what the local network adds: each structure's role and missions,
 * whether it publishes its contact details, the meetings of the network.
 *
 * One set of identifiers: a structure IS an organisation of the accounts
 * module (auth/auth.h). Its SIRET, RNA and FINESS live in `organisations`
 * and its id is the organisation's id; `structures` adds the place and the
 * details. An imported structure becomes a confirmed organisation without
 * members; a body that registers later is the same record.
 *
 * Three layers, each in its own file:
 *   - the records in memory (this header: mg_dir_set owns them all);
 *   - the exchange formats (directory/formats.h: data·inclusion JSON and
 *     CSV, the FINESS extraction, the annuaire santé extraction), which
 *     turn files into a set and a set into files, with a report per row;
 *   - the store (this header, store.c), which owns the SQL: import of a
 *     set in one transaction (all or nothing), reads, search, the
 *     finder's query, edits by the owner, suggestions by others, merges
 *     of duplicates, meetings.
 *
 * Strings of a record are UTF-8, NULL when absent, owned by the set they
 * belong to (mg_dir_strdup). Coordinates are WGS84 degrees, NaN when
 * unknown. Dates are "YYYY-MM-DD".
 */
#ifndef MG_DIRECTORY_DIRECTORY_H
#define MG_DIRECTORY_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"

/* --- What a structure is --------------------------------------------------- */

/** What kind of care point or actor a structure is: the finder's sections. */
typedef enum mg_dir_category {
    MG_DIR_GP_PRACTICE = 0, /* cabinet de médecine générale (one address, ≥ 1 GP) */
    MG_DIR_HEALTH_CENTRE,   /* centre de santé, maison de santé pluriprofessionnelle */
    MG_DIR_PHARMACY,
    MG_DIR_CABIN,           /* hosts a telemedicine cabin */
    MG_DIR_CART,            /* hosts an assisted-teleconsultation cart */
    MG_DIR_HOSPITAL,        /* hospital, clinic, emergency service */
    MG_DIR_MEDICO_SOCIAL,   /* EHPAD, PMI, CMP, CSAPA… */
    MG_DIR_SOCIAL,          /* CCAS, social centre, France services, association */
    MG_DIR_TOWN_HALL,
    MG_DIR_OTHER,
    MG_DIR_CATEGORY_COUNT
} mg_dir_category;

/** "gp_practice", "health_centre", … (the database's and the API's key). */
const char *mg_dir_category_key(mg_dir_category c);
/** "Cabinet de médecine générale", … (the pages' label). */
const char *mg_dir_category_label(mg_dir_category c);
/** The category keyed `key`; MG_EINVAL when unknown. */
int mg_dir_category_parse(const char *key, mg_dir_category *out) MG_WARN_UNUSED;

typedef struct mg_dir_structure {
    int64_t id;              /* the organisation's id; 0 before it is stored */
    const char *source;      /* data·inclusion `source` ("maillage", "finess", "annuaire-sante", a producer) */
    const char *source_id;   /* data·inclusion `id` within that source */
    const char *name;        /* `nom`, 1..200 characters */
    mg_dir_category category;
    const char *siret, *rna, *finess; /* identifiers (stored on the organisation) */
    const char *description;
    const char *address, *address_extra, *postcode, *commune_code, *commune_name;
    double lat, lon;
    const char *phone, *email, *website, *accessibility_url, *source_url;
    const char *opening_hours;   /* `horaires_accueil`, opening_hours syntax (checked) */
    const char *networks;        /* `reseaux_porteurs`, comma-separated schema codes */
    const char *network_role;    /* its role in the local network (free text) */
    const char *missions;        /* its missions and how it intervenes (free text) */
    bool publish_contact;        /* its phone and e-mail may go into invitation exports */
    int practitioners;           /* GPs practising at this address (annuaire santé); 0 unknown */
    const char *updated_on;      /* `date_maj` */
} mg_dir_structure;

typedef struct mg_dir_service {
    int64_t id;                  /* 0 before it is stored */
    int64_t structure_id;        /* the stored structure; 0 before */
    const char *source, *source_id;
    const char *structure_source_id; /* `structure_id` of the file: the structure's source_id */
    const char *name, *description, *type;
    /* Lists of schema codes, comma-separated: `thematiques`, `publics`,
     * `frais`, `modes_accueil`, `modes_mobilisation`, `mobilisable_par`,
     * `zone_eligibilite` (commune, EPCI or département codes). */
    const char *thematics, *publics, *fees, *reception_modes, *mobilisation_modes,
        *mobilisable_by, *zone;
    const char *publics_details, *fees_details, *access_conditions, *mobilisation_details,
        *mobilisation_url;       /* how to reach it */
    const char *address, *address_extra, *postcode, *commune_code, *commune_name;
    double lat, lon;
    const char *phone, *email, *contact_name, *source_url;
    const char *opening_hours;
    const char *booking_url;     /* where to book (the booking module's page, or the provider's) */
    int weeks;                   /* `nombre_semaines`, 0 unknown */
    double weekly_hours;         /* `volume_horaire_hebdomadaire`, NaN unknown */
    const char *updated_on;
} mg_dir_service;

/** Records and the memory of their strings. */
typedef struct mg_dir_set {
    mg_dir_structure *structures;
    size_t nstructures, cap_structures;
    mg_dir_service *services;
    size_t nservices, cap_services;
    struct mg_dir_pool *pool;
} mg_dir_set;

void mg_dir_set_init(mg_dir_set *s);
void mg_dir_set_free(mg_dir_set *s);
/** A new blank record (every string NULL, coordinates NaN) at the end of
 * the set; NULL when out of memory. The pointer is valid until the next add. */
mg_dir_structure *mg_dir_add_structure(mg_dir_set *s);
mg_dir_service *mg_dir_add_service(mg_dir_set *s);
/** A copy of str (n bytes, or up to its NUL when n is SIZE_MAX) owned by
 * the set; NULL for NULL or out of memory. */
const char *mg_dir_strdup(mg_dir_set *s, const char *str, size_t n);

/* --- Import reports --------------------------------------------------------- */

typedef enum mg_dir_row_status {
    MG_DIR_ROW_NEW = 0,     /* will be (was) created */
    MG_DIR_ROW_UPDATED,     /* same source and id as a stored record: its fields replaced */
    MG_DIR_ROW_UNCHANGED,   /* same as stored */
    MG_DIR_ROW_DUPLICATE,   /* same SIRET/FINESS or same name at the same address as another
                               structure: kept aside as a merge proposal, not created */
    MG_DIR_ROW_REFUSED,     /* wrong: the whole import is refused */
} mg_dir_row_status;

const char *mg_dir_row_status_key(mg_dir_row_status s); /* "new", "updated", … */

/** One row of a report: where (file line and column, or JSON record and
 * field), what, and how it ended. */
typedef struct mg_dir_report_row {
    unsigned line;           /* 1-based line of the file (JSON: line of the record) */
    unsigned column;         /* 1-based column (CSV field number or character), 0 unknown */
    char kind;               /* 's' structure, 'v' service */
    char source_id[128];
    char field[64];          /* the field at fault, "" when none */
    mg_dir_row_status status;
    int64_t match_id;        /* UPDATED/UNCHANGED: the record; DUPLICATE: the structure it matches */
    char message[256];       /* French: what was expected, what was found */
} mg_dir_report_row;

typedef struct mg_dir_report {
    mg_dir_report_row *rows;
    size_t n, cap;
    size_t counts[MG_DIR_ROW_REFUSED + 1];
} mg_dir_report;

void mg_dir_report_init(mg_dir_report *r);
void mg_dir_report_free(mg_dir_report *r);
/** Appends a row (its counts too); NULL when out of memory. */
mg_dir_report_row *mg_dir_report_add(mg_dir_report *r, mg_dir_row_status status, char kind,
                                     const char *source_id, unsigned line, unsigned column);

/* --- The store: import --------------------------------------------------------- */

/**
 * Imports the set in one write transaction: every record is checked
 * (required fields, codes, identifiers, opening_hours syntax, services
 * pointing at a structure of the set or of the store) and matched —
 * same (source, source_id) as a stored record: updated (or unchanged);
 * same SIRET or FINESS as another structure, or same normalised name,
 * address and commune: a duplicate, stored as a merge proposal; else new.
 * The report gets one row per record, in the set's order, with
 * `lines[k]` (may be NULL) the file line of structure k then service k.
 * When any row is refused (a row of the report given, e.g. by the reader,
 * included), or when `dry_run`, nothing is written and the result is
 * MG_EINVAL (refused) or 0 (dry run); every record still gets its row. `by`: the acting account,
 * 0 for the command line; the import is audited.
 */
typedef struct mg_dir_import_opts {
    int64_t by;
    bool dry_run;
    const unsigned *structure_lines; /* file line of each structure, or NULL */
    const unsigned *service_lines;
} mg_dir_import_opts;

int mg_dir_import(mg_db *db, const mg_dir_set *set, const mg_dir_import_opts *o,
                  mg_dir_report *report, mg_diag *d) MG_WARN_UNUSED;

/** A merge proposal: an imported record set aside as a duplicate of a
 * stored structure. */
typedef struct mg_dir_merge {
    int64_t id;
    int64_t structure_id;     /* the stored structure it matches */
    char reason[64];          /* "siret", "finess", "nom et adresse" */
    char created_at[32];
} mg_dir_merge;

/** Pending merge proposals (newest first). out is malloc'd. */
int mg_dir_merges(mg_db *db, mg_dir_merge **out, size_t *n, mg_diag *d) MG_WARN_UNUSED;
/** The incoming record of proposal id, into `into` (its first structure). */
int mg_dir_merge_get(mg_db *db, int64_t id, mg_dir_merge *m, mg_dir_set *into,
                     mg_diag *d) MG_WARN_UNUSED;
/** Accepts (fields of the incoming record fill the stored structure's empty
 * fields and replace the others when newer by date_maj) or dismisses the
 * proposal. MG_ENOTFOUND when it is not pending. Audited. */
int mg_dir_merge_decide(mg_db *db, int64_t by, int64_t id, bool accept, mg_diag *d) MG_WARN_UNUSED;

/* --- The store: reads ----------------------------------------------------------- */

/** Structure id and its services into `into` (the structure first of
 * into's structures, its services after). MG_ENOTFOUND when none. */
int mg_dir_get(mg_db *db, int64_t id, mg_dir_set *into, mg_diag *d) MG_WARN_UNUSED;

/** Every structure and service (export), ordered by id. */
int mg_dir_all(mg_db *db, mg_dir_set *into, mg_diag *d) MG_WARN_UNUSED;

/** A search of the directory pages and the API. Empty fields do not filter. */
typedef struct mg_dir_query {
    const char *text;           /* words of the name (case and accent insensitive) */
    int category;               /* an mg_dir_category, or -1 */
    const char *thematic;       /* a service of the structure has this thematique code */
    const char *const *communes; /* commune codes (a commune, an EPCI's communes) */
    size_t ncommunes;
    size_t offset, limit;       /* limit 0: 50; at most 500 */
} mg_dir_query;

/** Matching structures (without services) into `into`, ordered by name;
 * *total the number of matches without offset and limit. */
int mg_dir_search(mg_db *db, const mg_dir_query *q, mg_dir_set *into, size_t *total,
                  mg_diag *d) MG_WARN_UNUSED;

/** Matching services (with their structure_id) into `into`, same filters. */
int mg_dir_search_services(mg_db *db, const mg_dir_query *q, mg_dir_set *into, size_t *total,
                           mg_diag *d) MG_WARN_UNUSED;

/**
 * The finder's query: structures of `category` in the given communes
 * (codes), at most `limit`, into `into`, with their services that have a
 * booking_url or opening hours (the finder shows them). Uses the
 * (category, commune_code) index: one statement per call.
 * The structures come in the order of their commune in `communes`, then by
 * name, and `limit` keeps the first ones in that order (the finder lists
 * communes nearest first and asks for what it still needs).
 */
int mg_dir_in_communes(mg_db *db, mg_dir_category category, const char *const *communes,
                       size_t ncommunes, size_t limit, mg_dir_set *into,
                       mg_diag *d) MG_WARN_UNUSED;

/**
 * The same for several categories in one statement (a whole finder page):
 * at most `limit` structures of each category, grouped by category in the
 * order given, each group nearest commune first (the communes' order in
 * the list, the caller's nearest first), then by name; services after
 * each structure as above. Communes are INSEE codes [0-9A-Z]{5} (MG_EINVAL
 * otherwise), at most 5,000; categories distinct.
 */
int mg_dir_in_communes_many(mg_db *db, const mg_dir_category *categories, size_t ncategories,
                            const char *const *communes, size_t ncommunes, size_t limit,
                            mg_dir_set *into, mg_diag *d) MG_WARN_UNUSED;

/* --- The store: edits ------------------------------------------------------------ */

/**
 * Creates (s->id == 0: a new confirmed organisation of kind derived from
 * the category, source "maillage") or replaces the fields of structure
 * s->id, and its services given (services of `set` whose structure_id is
 * s->id, or all the set's services for a new one). Checked as an import;
 * refused input is MG_EINVAL with *field (may be NULL) naming the form
 * field and a French sentence in d. Audited with before/after values.
 * s->id of a registered organisation that has no structure yet makes its
 * first entry (source "maillage"; the organisation's SIRET, RNA and FINESS
 * kept where s gives none); s->id naming no organisation: MG_ENOTFOUND.
 */
int mg_dir_save(mg_db *db, int64_t by, const mg_dir_set *set, int64_t *id, const char **field,
                mg_diag *d) MG_WARN_UNUSED;

/** A change suggested by an organisation that does not own the structure. */
typedef struct mg_dir_suggestion {
    int64_t id, structure_id, by_organisation, by_account;
    char field[64];          /* a structure field key: "phone", "opening_hours", … */
    char value[2048];
    char status[16];         /* "pending", "accepted", "rejected" */
    char created_at[32];
    char by_organisation_name[201 * 4];
} mg_dir_suggestion;

/** The field keys a suggestion may name, NULL-terminated. */
extern const char *const mg_dir_suggestion_fields[];

int mg_dir_suggest(mg_db *db, int64_t by_account, int64_t by_organisation, int64_t structure_id,
                   const char *field, const char *value, int64_t *id,
                   mg_diag *d) MG_WARN_UNUSED;
/** Suggestions for structure_id (pending first, then newest). out malloc'd. */
int mg_dir_suggestions(mg_db *db, int64_t structure_id, mg_dir_suggestion **out, size_t *n,
                       mg_diag *d) MG_WARN_UNUSED;
/** The owner accepts (the field takes the value) or rejects it. Audited. */
int mg_dir_suggestion_decide(mg_db *db, int64_t by, int64_t structure_id, int64_t id, bool accept,
                             mg_diag *d) MG_WARN_UNUSED;

/* --- Meetings of the network ----------------------------------------------------- */

typedef struct mg_dir_meeting {
    int64_t id;
    int64_t organisation_id;   /* who organises it (owner) */
    char held_on[17];          /* "YYYY-MM-DD HH:MM" local time */
    char place[201 * 4];
    char theme[201 * 4];
    char created_at[32];
    bool has_minutes;          /* a minutes document is attached */
} mg_dir_meeting;

typedef struct mg_dir_invitation {
    int64_t structure_id;
    char structure_name[201 * 4];
    int attended;              /* -1 not yet known, 0 absent, 1 present */
} mg_dir_invitation;

int mg_dir_meeting_save(mg_db *db, int64_t by, mg_dir_meeting *m, const char **field,
                        mg_diag *d) MG_WARN_UNUSED; /* m->id 0: creates, sets m->id */
int mg_dir_meeting_get(mg_db *db, int64_t id, mg_dir_meeting *out, mg_diag *d) MG_WARN_UNUSED;
/** Meetings organised by organisation_id (0: all), newest first. out malloc'd. */
int mg_dir_meetings(mg_db *db, int64_t organisation_id, mg_dir_meeting **out, size_t *n,
                    mg_diag *d) MG_WARN_UNUSED;
int mg_dir_meeting_invite(mg_db *db, int64_t by, int64_t meeting_id, int64_t structure_id,
                          mg_diag *d) MG_WARN_UNUSED;
int mg_dir_meeting_attendance(mg_db *db, int64_t by, int64_t meeting_id, int64_t structure_id,
                              int attended, mg_diag *d) MG_WARN_UNUSED;
int mg_dir_meeting_invitations(mg_db *db, int64_t meeting_id, mg_dir_invitation **out, size_t *n,
                               mg_diag *d) MG_WARN_UNUSED;
/** The minutes: a PDF or office document (type checked by content by the
 * caller), stored in the database. */
int mg_dir_meeting_minutes_set(mg_db *db, int64_t by, int64_t meeting_id, const char *filename,
                               const char *media_type, const void *data, size_t n,
                               mg_diag *d) MG_WARN_UNUSED;
int mg_dir_meeting_minutes_get(mg_db *db, int64_t meeting_id, char **filename, char **media_type,
                               void **data, size_t *n, mg_diag *d) MG_WARN_UNUSED;

/**
 * The contacts of a meeting's invited structures for an invitation, as CSV
 * (`,`-separated, UTF-8): name, address, postcode, commune, and the phone
 * and e-mail only of structures that chose to publish them.
 */
int mg_dir_meeting_contacts_csv(mg_db *db, int64_t meeting_id, char **csv, size_t *n,
                                mg_diag *d) MG_WARN_UNUSED;

#endif
