/*
 * Internal to the directory's store (store*.c): the columns of each record
 * as a table of fields, statements with their parameters bound in one
 * call, and readers of rows into sets.
 */
#ifndef MG_DIRECTORY_STORE_INTERNAL_H
#define MG_DIRECTORY_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "directory/directory.h"

/* --- Parameters ------------------------------------------------------------ */

/* Parameters are db.h's (MG_DB_PARAMS…); a text of the directory binds NULL
 * when empty, as the records keep absent fields. */
static inline mg_db_param dir_text_param(const char *v)
{
    return MG_DB_TEXT(v && v[0] ? v : NULL);
}
#define DIR_TEXT(v) dir_text_param(v)
/* An audit entry on c. */
int dir_audit(mg_db_conn *c, int64_t by, int64_t org, const char *type, int64_t id,
              const char *verb, const mg_audit_change *ch, size_t n, mg_diag *d);

/* --- Fields ------------------------------------------------------------------ */

typedef enum dir_type { DT_TEXT, DT_REAL, DT_INT, DT_BOOL, DT_CATEGORY } dir_type;

typedef struct dir_field {
    const char *key;  /* the member, the column and the audit field */
    dir_type type;
    size_t off;       /* in mg_dir_structure or mg_dir_service */
    bool personal;    /* audited as changed, without values */
} dir_field;

/* Columns of `structures` (besides organisation_id, name_key, created_at,
 * updated_at) and of the organisation (name, siret, rna, finess). */
extern const dir_field dir_structure_fields[];
extern const size_t dir_structure_nfields;
extern const dir_field dir_org_fields[];
extern const size_t dir_org_nfields;
/* Columns of `services` besides id, structure_id, created_at, updated_at. */
extern const dir_field dir_service_fields[];
extern const size_t dir_service_nfields;

/* The field keyed `key` among fields[0..n); NULL when none. */
const dir_field *dir_field_find(const dir_field *f, size_t n, const char *key);

/* A field's value as text (numbers written "C" style, NaN and NULL as
 * NULL) into buf; the text (buf or the record's own string) or NULL. */
const char *dir_field_text(const dir_field *f, const void *rec, char *buf, size_t cap);
/* True when the field has the same value in a and b (NULL and "" alike). */
bool dir_field_equal(const dir_field *f, const void *a, const void *b);

/* SELECT lists, in the order dir_read_* read them (28 and 36 columns). */
#define DIR_STRUCTURE_NCOLS 28
#define DIR_STRUCTURE_COLS                                                                 \
    "s.organisation_id, o.name, o.siret, o.rna, o.finess, s.source, s.source_id, s.category, " \
    "s.description, s.address, s.address_extra, s.postcode, s.commune_code, s.commune_name, " \
    "s.lat, s.lon, s.phone, s.email, s.website, s.accessibility_url, s.source_url, "       \
    "s.opening_hours, s.networks, s.network_role, s.missions, s.publish_contact, "         \
    "s.practitioners, s.updated_on"
#define DIR_STRUCTURE_FROM " FROM structures s JOIN organisations o ON o.id = s.organisation_id"
#define DIR_SERVICE_COLS                                                                   \
    "v.id, v.structure_id, s.source_id, v.source, v.source_id, v.name, v.description, v.type, " \
    "v.thematics, v.publics, v.fees, v.reception_modes, v.mobilisation_modes, "            \
    "v.mobilisable_by, v.zone, v.publics_details, v.fees_details, v.access_conditions, "   \
    "v.mobilisation_details, v.mobilisation_url, v.address, v.address_extra, v.postcode, " \
    "v.commune_code, v.commune_name, v.lat, v.lon, v.phone, v.email, v.contact_name, "     \
    "v.source_url, v.opening_hours, v.booking_url, v.weeks, v.weekly_hours, v.updated_on"
#define DIR_SERVICE_FROM " FROM services v JOIN structures s ON s.organisation_id = v.structure_id"
extern const char *dir_structure_select;  /* "s.organisation_id, o.name, … FROM structures s JOIN organisations o …" */
extern const char *dir_service_select;    /* "v.id, v.structure_id, s.source_id, … FROM services v JOIN structures s …" */

/* Appends the current row to set (strings copied into it). */
int dir_read_structure(const mg_db_stmt *q, int col, mg_dir_set *set, mg_diag *d);
int dir_read_service(const mg_db_stmt *q, int col, mg_dir_set *set, mg_diag *d);

/* Reads every row of a prepared SELECT of dir_structure_select /
 * dir_service_select into set; finalises q. */
int dir_read_structures(mg_db_stmt *q, mg_dir_set *set, mg_diag *d);
int dir_read_services(mg_db_stmt *q, mg_dir_set *set, mg_diag *d);

/* name_key of a name (mg_parse_fold_name of its first 200 bytes). */
void dir_name_key(const char *name, char *out, size_t cap);

/* Writes the structure's own row (insert when `insert`, else update) for
 * organisation id; and the organisation's fields. */
int dir_write_structure(mg_db_conn *c, int64_t id, const mg_dir_structure *s, bool insert,
                        const char *stamp, mg_diag *d);
int dir_update_org(mg_db_conn *c, int64_t id, const mg_dir_structure *s, mg_diag *d);
/* A new confirmed organisation for s; *id its id. */
int dir_insert_org(mg_db_conn *c, const mg_dir_structure *s, const char *stamp, int64_t *id,
                   mg_diag *d);
/* Inserts (*id 0) or updates service *id, attached to structure_id. */
int dir_write_service(mg_db_conn *c, int64_t *id, int64_t structure_id, const mg_dir_service *v,
                      const char *stamp, mg_diag *d);

/* The stored structure id (with its services when with_services) into set. */
int dir_load(mg_db_conn *c, int64_t id, bool with_services, mg_dir_set *set, mg_diag *d);

/* Audits the creation (before NULL) or the change of a record: the fields
 * that differ. kind 's' or 'v'. */
int dir_audit_record(mg_db_conn *c, int64_t by, char kind, int64_t id, const char *verb,
                     const void *before, const void *after, mg_diag *d);

/* Audit entries kept in memory until the end of a long transaction (an
 * import): the audit chain's head is locked from the first append to the
 * commit, so appending them last keeps other audited writes waiting only
 * for the appends themselves (audit.h). */
typedef struct dir_audit_queue {
    struct dir_pending *items;
    size_t n, cap;
    mg_dir_set pool; /* the strings of the entries */
} dir_audit_queue;

void dir_audit_queue_init(dir_audit_queue *q);
void dir_audit_queue_reset(dir_audit_queue *q);
void dir_audit_queue_free(dir_audit_queue *q);
int dir_audit_queue_add(dir_audit_queue *q, int64_t by, int64_t org, const char *type,
                        int64_t id, const char *verb, const mg_audit_change *ch, size_t n,
                        mg_diag *d);
/* As dir_audit_record, into the queue. */
int dir_audit_queue_record(dir_audit_queue *q, int64_t by, char kind, int64_t id,
                           const char *verb, const void *before, const void *after, mg_diag *d);
/* Appends the queued entries on c, in order. */
int dir_audit_flush(mg_db_conn *c, dir_audit_queue *q, mg_diag *d);

/* The kind of organisation a category makes ("health_centre", "other"…). */
const char *dir_org_kind(mg_dir_category c);

#endif
