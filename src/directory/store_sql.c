/*
 * The directory store's plumbing: parameters, the field tables that give
 * each record's columns once for reading, writing, comparing and auditing,
 * and the readers and writers of rows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/utf8.h"
#include "directory/store_internal.h"
#include "parse/parse.h"

/* --- Audit ------------------------------------------------------------------- */

int dir_audit(mg_db_conn *c, int64_t by, int64_t org, const char *type, int64_t id,
              const char *verb, const mg_audit_change *ch, size_t n, mg_diag *d)
{
    mg_audit_entry e = {.account_id = by > 0 ? by : 0,
                        .organisation_id = org > 0 ? org : 0,
                        .object_type = type,
                        .object_id = id,
                        .verb = verb,
                        .changes = ch,
                        .nchanges = n};
    return mg_audit_append(c, &e, NULL, d);
}

/* --- Fields ---------------------------------------------------------------------- */

#define SF(k, t) {#k, t, offsetof(mg_dir_structure, k), false}
#define VF(k, t, p) {#k, t, offsetof(mg_dir_service, k), p}

const dir_field dir_structure_fields[] = {
    SF(source, DT_TEXT),        SF(source_id, DT_TEXT),     SF(category, DT_CATEGORY),
    SF(description, DT_TEXT),   SF(address, DT_TEXT),       SF(address_extra, DT_TEXT),
    SF(postcode, DT_TEXT),      SF(commune_code, DT_TEXT),  SF(commune_name, DT_TEXT),
    SF(lat, DT_REAL),           SF(lon, DT_REAL),           SF(phone, DT_TEXT),
    SF(email, DT_TEXT),         SF(website, DT_TEXT),       SF(accessibility_url, DT_TEXT),
    SF(source_url, DT_TEXT),    SF(opening_hours, DT_TEXT), SF(networks, DT_TEXT),
    SF(network_role, DT_TEXT),  SF(missions, DT_TEXT),      SF(publish_contact, DT_BOOL),
    SF(practitioners, DT_INT),  SF(updated_on, DT_TEXT),
};
const size_t dir_structure_nfields = sizeof dir_structure_fields / sizeof dir_structure_fields[0];

const dir_field dir_org_fields[] = {
    SF(name, DT_TEXT), SF(siret, DT_TEXT), SF(rna, DT_TEXT), SF(finess, DT_TEXT),
};
const size_t dir_org_nfields = sizeof dir_org_fields / sizeof dir_org_fields[0];

const dir_field dir_service_fields[] = {
    VF(source, DT_TEXT, false),
    VF(source_id, DT_TEXT, false),
    VF(name, DT_TEXT, false),
    VF(description, DT_TEXT, false),
    VF(type, DT_TEXT, false),
    VF(thematics, DT_TEXT, false),
    VF(publics, DT_TEXT, false),
    VF(fees, DT_TEXT, false),
    VF(reception_modes, DT_TEXT, false),
    VF(mobilisation_modes, DT_TEXT, false),
    VF(mobilisable_by, DT_TEXT, false),
    VF(zone, DT_TEXT, false),
    VF(publics_details, DT_TEXT, false),
    VF(fees_details, DT_TEXT, false),
    VF(access_conditions, DT_TEXT, false),
    VF(mobilisation_details, DT_TEXT, false),
    VF(mobilisation_url, DT_TEXT, false),
    VF(address, DT_TEXT, false),
    VF(address_extra, DT_TEXT, false),
    VF(postcode, DT_TEXT, false),
    VF(commune_code, DT_TEXT, false),
    VF(commune_name, DT_TEXT, false),
    VF(lat, DT_REAL, false),
    VF(lon, DT_REAL, false),
    VF(phone, DT_TEXT, true),
    VF(email, DT_TEXT, true),
    VF(contact_name, DT_TEXT, true),
    VF(source_url, DT_TEXT, false),
    VF(opening_hours, DT_TEXT, false),
    VF(booking_url, DT_TEXT, false),
    VF(weeks, DT_INT, false),
    VF(weekly_hours, DT_REAL, false),
    VF(updated_on, DT_TEXT, false),
};
const size_t dir_service_nfields = sizeof dir_service_fields / sizeof dir_service_fields[0];

const dir_field *dir_field_find(const dir_field *f, size_t n, const char *key)
{
    for (size_t i = 0; key && i < n; i++)
        if (strcmp(f[i].key, key) == 0)
            return &f[i];
    return NULL;
}

#define AT(rec, f, type) ((type *)((char *)(rec) + (f)->off))
#define CAT(rec, f, type) ((const type *)((const char *)(rec) + (f)->off))

/* A double in "C" form whatever the locale. */
static void format_real(double v, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.17g", v);
    for (char *p = buf; *p; p++)
        if (*p == ',')
            *p = '.';
}

const char *dir_field_text(const dir_field *f, const void *rec, char *buf, size_t cap)
{
    switch (f->type) {
    case DT_TEXT: {
        const char *s = *CAT(rec, f, const char *);
        return s && s[0] ? s : NULL;
    }
    case DT_REAL: {
        double v = *CAT(rec, f, double);
        if (isnan(v))
            return NULL;
        format_real(v, buf, cap);
        return buf;
    }
    case DT_INT:
        snprintf(buf, cap, "%d", *CAT(rec, f, int));
        return buf;
    case DT_BOOL:
        return *CAT(rec, f, bool) ? "true" : "false";
    case DT_CATEGORY:
        return mg_dir_category_key(*CAT(rec, f, mg_dir_category));
    }
    return NULL;
}

bool dir_field_equal(const dir_field *f, const void *a, const void *b)
{
    switch (f->type) {
    case DT_TEXT: {
        const char *x = *CAT(a, f, const char *), *y = *CAT(b, f, const char *);
        x = x && x[0] ? x : "";
        y = y && y[0] ? y : "";
        return strcmp(x, y) == 0;
    }
    case DT_REAL: {
        double x = *CAT(a, f, double), y = *CAT(b, f, double);
        return (isnan(x) && isnan(y)) || x == y;
    }
    case DT_INT: return *CAT(a, f, int) == *CAT(b, f, int);
    case DT_BOOL: return *CAT(a, f, bool) == *CAT(b, f, bool);
    case DT_CATEGORY: return *CAT(a, f, mg_dir_category) == *CAT(b, f, mg_dir_category);
    }
    return false;
}

/* Binds f's value of rec to parameter i. */
static int bind_field(mg_db_stmt *q, int i, const dir_field *f, const void *rec)
{
    switch (f->type) {
    case DT_TEXT: {
        const char *s = *CAT(rec, f, const char *);
        return mg_db_bind_text(q, i, s && s[0] ? s : NULL);
    }
    case DT_REAL: {
        double v = *CAT(rec, f, double);
        return isnan(v) ? mg_db_bind_null(q, i) : mg_db_bind_double(q, i, v);
    }
    case DT_INT: return mg_db_bind_int64(q, i, *CAT(rec, f, int));
    case DT_BOOL: return mg_db_bind_int64(q, i, *CAT(rec, f, bool) ? 1 : 0);
    case DT_CATEGORY: return mg_db_bind_text(q, i, mg_dir_category_key(*CAT(rec, f, mg_dir_category)));
    }
    return MG_EINVAL;
}

/* Reads column col into f's member of rec (strings into set). */
static int read_field(const mg_db_stmt *q, int col, const dir_field *f, void *rec, mg_dir_set *set)
{
    switch (f->type) {
    case DT_TEXT: {
        const char *t = mg_db_column_text(q, col);
        const char *copy = t ? mg_dir_strdup(set, t, SIZE_MAX) : NULL;
        if (t && !copy)
            return MG_ENOMEM;
        *AT(rec, f, const char *) = copy;
        return 0;
    }
    case DT_REAL:
        *AT(rec, f, double) = mg_db_column_is_null(q, col) ? NAN : mg_db_column_double(q, col);
        return 0;
    case DT_INT: *AT(rec, f, int) = (int)mg_db_column_int64(q, col); return 0;
    case DT_BOOL: *AT(rec, f, bool) = mg_db_column_int64(q, col) != 0; return 0;
    case DT_CATEGORY: {
        mg_dir_category c;
        if (mg_dir_category_parse(mg_db_column_text(q, col), &c) != 0)
            return MG_EIO;
        *AT(rec, f, mg_dir_category) = c;
        return 0;
    }
    }
    return MG_EINVAL;
}

/* --- Selects and readers -------------------------------------------------------------- */

const char *dir_structure_select = DIR_STRUCTURE_COLS DIR_STRUCTURE_FROM;
const char *dir_service_select = DIR_SERVICE_COLS DIR_SERVICE_FROM;

int dir_read_structure(const mg_db_stmt *q, int col, mg_dir_set *set, mg_diag *d)
{
    mg_dir_structure *s = mg_dir_add_structure(set);
    if (!s)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante");
    s->id = mg_db_column_int64(q, col++);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < dir_org_nfields; i++)
        rc = read_field(q, col++, &dir_org_fields[i], s, set);
    for (size_t i = 0; rc == 0 && i < dir_structure_nfields; i++)
        rc = read_field(q, col++, &dir_structure_fields[i], s, set);
    if (rc)
        return mg_diag_set(d, rc, NULL, 0, 0, "annuaire : structure %lld illisible : %s",
                           (long long)s->id, mg_strerror(rc));
    return 0;
}

int dir_read_service(const mg_db_stmt *q, int col, mg_dir_set *set, mg_diag *d)
{
    mg_dir_service *v = mg_dir_add_service(set);
    if (!v)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante");
    v->id = mg_db_column_int64(q, col++);
    v->structure_id = mg_db_column_int64(q, col++);
    const char *t = mg_db_column_text(q, col++);
    v->structure_source_id = mg_dir_strdup(set, t, SIZE_MAX);
    int rc = t && !v->structure_source_id ? MG_ENOMEM : 0;
    for (size_t i = 0; rc == 0 && i < dir_service_nfields; i++)
        rc = read_field(q, col++, &dir_service_fields[i], v, set);
    if (rc)
        return mg_diag_set(d, rc, NULL, 0, 0, "annuaire : service %lld illisible : %s",
                           (long long)v->id, mg_strerror(rc));
    return 0;
}

int dir_read_structures(mg_db_stmt *q, mg_dir_set *set, mg_diag *d)
{
    int rc;
    while ((rc = mg_db_step(q, d)) == MG_DB_ROW)
        if ((rc = dir_read_structure(q, 0, set, d)) != 0)
            break;
    mg_db_finalize(q);
    return rc;
}

int dir_read_services(mg_db_stmt *q, mg_dir_set *set, mg_diag *d)
{
    int rc;
    while ((rc = mg_db_step(q, d)) == MG_DB_ROW)
        if ((rc = dir_read_service(q, 0, set, d)) != 0)
            break;
    mg_db_finalize(q);
    return rc;
}

void dir_name_key(const char *name, char *out, size_t cap)
{
    char in[MG_PARSE_NAME_MAX + 1];
    char folded[MG_PARSE_FOLD_SIZE];
    size_t n = name ? mg_utf8_prefix(name, MG_PARSE_NAME_MAX) : 0;
    memcpy(in, name ? name : "", n);
    in[n] = '\0';
    mg_parse_error why;
    size_t len = 0;
    if (mg_parse_fold_name(in, folded, &len, &why) != 0 || len == 0) {
        /* Nothing foldable (punctuation only): keep the name lower-cased. */
        snprintf(folded, sizeof folded, "%s", in[0] ? in : "?");
        for (char *p = folded; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    }
    size_t m = mg_utf8_prefix(folded, cap - 1);
    memcpy(out, folded, m);
    out[m] = '\0';
}

/* --- Writers ---------------------------------------------------------------------- */

const char *dir_org_kind(mg_dir_category c)
{
    switch (c) {
    case MG_DIR_HEALTH_CENTRE: return "health_centre";
    case MG_DIR_PHARMACY: return "pharmacy";
    case MG_DIR_HOSPITAL: return "hospital";
    case MG_DIR_TOWN_HALL: return "commune";
    default: return "other";
    }
}

int dir_insert_org(mg_db_conn *c, const mg_dir_structure *s, const char *stamp, int64_t *id,
                   mg_diag *d)
{
    int rc = mg_db_query_int(
        c,
        "INSERT INTO organisations (name, kind, siret, rna, finess, active, operator, "
        "created_at, confirmed_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, 0, ?6, ?6) RETURNING id",
        MG_DB_PARAMS(DIR_TEXT(s->name), DIR_TEXT(dir_org_kind(s->category)), DIR_TEXT(s->siret),
                DIR_TEXT(s->rna), DIR_TEXT(s->finess), DIR_TEXT(stamp)),
        id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "annuaire : l'organisation créée n'a pas d'id");
    return rc;
}

int dir_update_org(mg_db_conn *c, int64_t id, const mg_dir_structure *s, mg_diag *d)
{
    return mg_db_run(c,
                    "UPDATE organisations SET name = ?2, siret = ?3, rna = ?4, finess = ?5 "
                    "WHERE id = ?1",
                    MG_DB_PARAMS(MG_DB_INT(id), DIR_TEXT(s->name), DIR_TEXT(s->siret), DIR_TEXT(s->rna),
                            DIR_TEXT(s->finess)),
                    NULL, d);
}

/* A non-text field's value as an SQL literal (numbers in "C" form, NULL
 * for NaN, the category's key quoted: keys are fixed ASCII words). */
static void literal(const dir_field *f, const void *rec, char *buf, size_t cap)
{
    if (f->type == DT_CATEGORY) {
        snprintf(buf, cap, "'%s'", mg_dir_category_key(*CAT(rec, f, mg_dir_category)));
        return;
    }
    const char *t = dir_field_text(f, rec, buf, cap);
    if (!t)
        snprintf(buf, cap, "NULL");
    else if (f->type == DT_BOOL)
        snprintf(buf, cap, "%d", *CAT(rec, f, bool) ? 1 : 0);
}

/* Builds "INSERT INTO t (fixed…, f…) VALUES (?1…)" or "UPDATE t SET f = ?k …
 * WHERE key = ?1", where the nfixed first parameters are the caller's and
 * the text fields of rec follow in order; other fields are written as
 * literals (the SQL layer takes at most 32 parameters). */
static int build_write(mg_buf *b, const char *table, const char *key, const char *const *fixed,
                       size_t nfixed, const dir_field *f, size_t n, const void *rec, bool insert,
                       bool returning)
{
    char lit[64];
    size_t at = nfixed;
    if (insert) {
        mg_buf_printf(b, "INSERT INTO %s (", table);
        for (size_t i = 0; i < nfixed; i++)
            mg_buf_printf(b, "%s%s", i ? ", " : "", fixed[i]);
        for (size_t i = 0; i < n; i++)
            mg_buf_printf(b, ", %s", f[i].key);
        mg_buf_puts(b, ") VALUES (");
        for (size_t i = 0; i < nfixed; i++)
            mg_buf_printf(b, "%s?%zu", i ? ", " : "", i + 1);
        for (size_t i = 0; i < n; i++) {
            if (f[i].type == DT_TEXT) {
                mg_buf_printf(b, ", ?%zu", ++at);
            } else {
                literal(&f[i], rec, lit, sizeof lit);
                mg_buf_printf(b, ", %s", lit);
            }
        }
        mg_buf_puts(b, returning ? ") RETURNING id" : ")");
    } else {
        mg_buf_printf(b, "UPDATE %s SET ", table);
        /* fixed[0] is the key (?1); the others are set. */
        for (size_t i = 1; i < nfixed; i++)
            mg_buf_printf(b, "%s%s = ?%zu", i > 1 ? ", " : "", fixed[i], i + 1);
        for (size_t i = 0; i < n; i++) {
            if (f[i].type == DT_TEXT) {
                mg_buf_printf(b, ", %s = ?%zu", f[i].key, ++at);
            } else {
                literal(&f[i], rec, lit, sizeof lit);
                mg_buf_printf(b, ", %s = %s", f[i].key, lit);
            }
        }
        mg_buf_printf(b, " WHERE %s = ?1", key);
    }
    return b->failed ? MG_ENOMEM : 0;
}

/* Binds the text fields of rec from parameter *at on. */
static int bind_texts(mg_db_stmt *q, int *at, const dir_field *f, size_t n, const void *rec)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (f[i].type == DT_TEXT)
            rc = bind_field(q, (*at)++, &f[i], rec);
    return rc;
}

int dir_write_structure(mg_db_conn *c, int64_t id, const mg_dir_structure *s, bool insert,
                        const char *stamp, mg_diag *d)
{
    char key[MG_PARSE_FOLD_SIZE];
    dir_name_key(s->name, key, sizeof key);
    static const char *const ins[] = {"organisation_id", "name_key", "created_at", "updated_at"};
    static const char *const upd[] = {"organisation_id", "name_key", "updated_at"};
    mg_buf b;
    mg_buf_init(&b, 1u << 16);
    int rc = build_write(&b, "structures", "organisation_id", insert ? ins : upd, insert ? 4 : 3,
                         dir_structure_fields, dir_structure_nfields, s, insert, false);
    mg_db_stmt *q = NULL;
    if (rc == 0)
        rc = mg_db_prepare(c, b.data, &q, d);
    mg_buf_free(&b);
    int at = 1;
    if (rc == 0)
        rc = mg_db_bind_int64(q, at++, id);
    if (rc == 0)
        rc = mg_db_bind_text(q, at++, key);
    if (rc == 0 && insert)
        rc = mg_db_bind_text(q, at++, stamp);
    if (rc == 0)
        rc = mg_db_bind_text(q, at++, stamp);
    if (rc == 0)
        rc = bind_texts(q, &at, dir_structure_fields, dir_structure_nfields, s);
    if (rc == 0)
        rc = mg_db_step(q, d);
    mg_db_finalize(q);
    if (rc == MG_ENOMEM)
        return mg_diag_set(d, rc, NULL, 0, 0, "annuaire : mémoire insuffisante");
    return rc;
}

int dir_write_service(mg_db_conn *c, int64_t *id, int64_t structure_id, const mg_dir_service *v,
                      const char *stamp, mg_diag *d)
{
    bool insert = *id == 0;
    static const char *const ins[] = {"structure_id", "created_at", "updated_at"};
    static const char *const upd[] = {"id", "structure_id", "updated_at"};
    mg_buf b;
    mg_buf_init(&b, 1u << 16);
    int rc = build_write(&b, "services", "id", insert ? ins : upd, 3, dir_service_fields,
                         dir_service_nfields, v, insert, insert);
    mg_db_stmt *q = NULL;
    if (rc == 0)
        rc = mg_db_prepare(c, b.data, &q, d);
    mg_buf_free(&b);
    int at = 1;
    if (rc == 0 && !insert)
        rc = mg_db_bind_int64(q, at++, *id);
    if (rc == 0)
        rc = mg_db_bind_int64(q, at++, structure_id);
    if (rc == 0 && insert)
        rc = mg_db_bind_text(q, at++, stamp);
    if (rc == 0)
        rc = mg_db_bind_text(q, at++, stamp);
    if (rc == 0)
        rc = bind_texts(q, &at, dir_service_fields, dir_service_nfields, v);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW && insert)
        *id = mg_db_column_int64(q, 0);
    while (rc == MG_DB_ROW)
        rc = mg_db_step(q, d);
    mg_db_finalize(q);
    if (rc == MG_ENOMEM)
        return mg_diag_set(d, rc, NULL, 0, 0, "annuaire : mémoire insuffisante");
    if (rc == 0 && insert && *id == 0)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "annuaire : le service créé n'a pas d'id");
    return rc;
}

int dir_load(mg_db_conn *c, int64_t id, bool with_services, mg_dir_set *set, mg_diag *d)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT %s WHERE s.organisation_id = ?1", dir_structure_select);
    mg_db_stmt *q = NULL;
    size_t before = set->nstructures;
    int rc = mg_db_prepare_with(c, sql, MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
    if (rc == 0)
        rc = dir_read_structures(q, set, d);
    if (rc == 0 && set->nstructures == before)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                           "Aucune structure de l'annuaire ne porte le numéro %lld.",
                           (long long)id);
    if (rc == 0 && with_services) {
        snprintf(sql, sizeof sql, "SELECT %s WHERE v.structure_id = ?1 ORDER BY v.id",
                 dir_service_select);
        rc = mg_db_prepare_with(c, sql, MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
        if (rc == 0)
            rc = dir_read_services(q, set, d);
    }
    return rc;
}

/* The changed fields of a record into ch[0..64) (values in bufs or the
 * records' own strings); their number. */
static size_t record_changes(char kind, const void *before, const void *after,
                             mg_audit_change ch[64], char bufs[64][2][40])
{
    const dir_field *groups[2];
    size_t counts[2];
    size_t ngroups;
    if (kind == 's') {
        groups[0] = dir_org_fields;
        counts[0] = dir_org_nfields;
        groups[1] = dir_structure_fields;
        counts[1] = dir_structure_nfields;
        ngroups = 2;
    } else {
        groups[0] = dir_service_fields;
        counts[0] = dir_service_nfields;
        ngroups = 1;
    }
    size_t n = 0;
    for (size_t g = 0; g < ngroups; g++)
        for (size_t i = 0; i < counts[g] && n < 64; i++) {
            const dir_field *f = &groups[g][i];
            const char *a = dir_field_text(f, after, bufs[n][1], sizeof bufs[n][1]);
            const char *bv = before ? dir_field_text(f, before, bufs[n][0], sizeof bufs[n][0]) : NULL;
            if (before ? dir_field_equal(f, before, after) : a == NULL)
                continue;
            ch[n] = (mg_audit_change){f->key, bv, a, f->personal};
            n++;
        }
    return n;
}

/* On behalf of the structure: its own id, or the service's structure. */
static int64_t record_org(char kind, int64_t id, const void *after)
{
    return kind == 's' ? id : ((const mg_dir_service *)after)->structure_id;
}

int dir_audit_record(mg_db_conn *c, int64_t by, char kind, int64_t id, const char *verb,
                     const void *before, const void *after, mg_diag *d)
{
    mg_audit_change ch[64];
    char bufs[64][2][40];
    size_t n = record_changes(kind, before, after, ch, bufs);
    if (n == 0 && before)
        return 0;
    return dir_audit(c, by, record_org(kind, id, after), kind == 's' ? "structure" : "service",
                     id, verb, ch, n, d);
}

/* --- Audit entries kept until the end of a long transaction --------------------- */

struct dir_pending {
    int64_t by, org, id;
    const char *type, *verb; /* static strings */
    mg_audit_change *ch;     /* into the queue's pool */
    size_t n;
};

void dir_audit_queue_init(dir_audit_queue *q)
{
    memset(q, 0, sizeof *q);
    mg_dir_set_init(&q->pool);
}

void dir_audit_queue_reset(dir_audit_queue *q)
{
    for (size_t i = 0; i < q->n; i++)
        free(q->items[i].ch);
    q->n = 0;
    mg_dir_set_free(&q->pool);
    mg_dir_set_init(&q->pool);
}

void dir_audit_queue_free(dir_audit_queue *q)
{
    dir_audit_queue_reset(q);
    free(q->items);
    memset(q, 0, sizeof *q);
}

int dir_audit_queue_add(dir_audit_queue *q, int64_t by, int64_t org, const char *type,
                        int64_t id, const char *verb, const mg_audit_change *ch, size_t n,
                        mg_diag *d)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        struct dir_pending *a = mg_realloc_array(q->items, cap, sizeof *a);
        if (!a)
            return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante");
        q->items = a;
        q->cap = cap;
    }
    mg_audit_change *copy = mg_alloc_array(n ? n : 1, sizeof *copy);
    if (!copy)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante");
    for (size_t i = 0; i < n; i++) {
        copy[i] = ch[i];
        copy[i].field = mg_dir_strdup(&q->pool, ch[i].field, SIZE_MAX);
        copy[i].before = ch[i].before ? mg_dir_strdup(&q->pool, ch[i].before, SIZE_MAX) : NULL;
        copy[i].after = ch[i].after ? mg_dir_strdup(&q->pool, ch[i].after, SIZE_MAX) : NULL;
        if (!copy[i].field || (ch[i].before && !copy[i].before) || (ch[i].after && !copy[i].after)) {
            free(copy);
            return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante");
        }
    }
    q->items[q->n++] = (struct dir_pending){by, org, id, type, verb, copy, n};
    return 0;
}

int dir_audit_queue_record(dir_audit_queue *q, int64_t by, char kind, int64_t id,
                           const char *verb, const void *before, const void *after, mg_diag *d)
{
    mg_audit_change ch[64];
    char bufs[64][2][40];
    size_t n = record_changes(kind, before, after, ch, bufs);
    if (n == 0 && before)
        return 0;
    return dir_audit_queue_add(q, by, record_org(kind, id, after),
                               kind == 's' ? "structure" : "service", id, verb, ch, n, d);
}

/* The queue as one batch append: the audit chain's head moves once per
 * import, not twice per record (mg_audit_append_many). */
int dir_audit_flush(mg_db_conn *c, dir_audit_queue *q, mg_diag *d)
{
    if (q->n == 0)
        return 0;
    mg_audit_entry *e = mg_alloc_array(q->n, sizeof *e);
    if (!e)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante");
    for (size_t i = 0; i < q->n; i++) {
        const struct dir_pending *p = &q->items[i];
        e[i] = (mg_audit_entry){.account_id = p->by > 0 ? p->by : 0,
                                .organisation_id = p->org > 0 ? p->org : 0,
                                .object_type = p->type,
                                .object_id = p->id,
                                .verb = p->verb,
                                .changes = p->ch,
                                .nchanges = p->n};
    }
    int rc = mg_audit_append_many(c, e, q->n, NULL, d);
    free(e);
    return rc;
}
