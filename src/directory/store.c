/*
 * The directory store: import of a set (one write transaction, all or
 * nothing, matching and duplicates), reads, search, the finder's query and
 * edits by the owner. Merges, suggestions and meetings are in
 * store_network.c; the plumbing in store_sql.c.
 */
#include <jansson.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/utf8.h"
#include "directory/check.h"
#include "directory/store_internal.h"
#include "parse/parse.h"

/* Past this many communes a query is refused (a département has < 1,000). */
#define MAX_COMMUNES 5000u
#define MAX_WORDS 8u
/* Up to this many communes, the finder's query asks each commune apart
 * (its names in index order, no sort of a large town's structures). */
#define FEW_COMMUNES 8u

/* --- Commune lists as SQL literals ---------------------------------------------- */

/* Appends "'c1', 'c2', …" after checking each code is [0-9A-Z]{5}: the
 * codes are written into the SQL (one statement whatever their number,
 * past the 32 parameters of the SQL layer), so nothing else may pass. */
static int commune_literals(mg_buf *b, const char *const *communes, size_t n, mg_diag *d)
{
    if (n > MAX_COMMUNES)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "Au plus %u communes par recherche.",
                           MAX_COMMUNES);
    for (size_t i = 0; i < n; i++) {
        const char *c = communes[i];
        bool ok = c && strlen(c) == 5;
        for (size_t k = 0; ok && k < 5; k++)
            ok = (c[k] >= '0' && c[k] <= '9') || (c[k] >= 'A' && c[k] <= 'Z');
        if (!ok)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "Code commune « %.*s » : 5 chiffres ou lettres majuscules attendus.",
                               c ? (int)mg_utf8_prefix(c, 20) : 0, c ? c : "");
        mg_buf_printf(b, "%s'%s'", i ? ", " : "", c);
    }
    return b->failed ? mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante") : 0;
}

/* Records of the set sorted by a pair of strings (source and id), for
 * finding the same record twice and a service's structure without
 * comparing every pair (a set may hold 50,000 structures). */
struct key {
    const char *a, *b;
    size_t idx;
};

static int key_cmp(const void *x, const void *y)
{
    const struct key *p = x, *q = y;
    int c = strcmp(p->a ? p->a : "", q->a ? q->a : "");
    if (c == 0)
        c = strcmp(p->b ? p->b : "", q->b ? q->b : "");
    return c ? c : (p->idx > q->idx) - (p->idx < q->idx);
}

/* The position in keys[0..n) of the first entry with (a, b); n when none. */
static size_t key_first(const struct key *keys, size_t n, const char *a, const char *b)
{
    struct key probe = {a, b, 0};
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(&keys[mid], &probe) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && strcmp(keys[lo].a ? keys[lo].a : "", a ? a : "") == 0 &&
        strcmp(keys[lo].b ? keys[lo].b : "", b ? b : "") == 0)
        return lo;
    return n;
}

/* --- Import ---------------------------------------------------------------------- */

struct import_tx {
    const mg_dir_set *set;
    const mg_dir_import_opts *o;
    mg_dir_report *r;
    size_t base_n;
    size_t base_counts[MG_DIR_ROW_REFUSED + 1];
    int64_t *sid;         /* stored id of each structure, 0 refused, -id duplicate of id */
    struct key *skeys;    /* structures by (source, source_id) */
    struct key *vkeys;    /* services by (source, source_id) */
    struct key *vparent;  /* services by (source, structure_source_id) */
    dir_audit_queue audit; /* appended at the end (audit.h: late in the transaction) */
    bool refused;
    char stamp[MG_DB_TIMESTAMP_SIZE];
};

static void row_set(mg_dir_report *r, mg_dir_report_row *row, mg_dir_row_status st)
{
    r->counts[row->status]--;
    row->status = st;
    r->counts[st]++;
}

static void row_message(mg_dir_report_row *row, const char *field, const char *fmt, ...)
    MG_PRINTF(3, 4);
static void row_message(mg_dir_report_row *row, const char *field, const char *fmt, ...)
{
    if (field)
        snprintf(row->field, sizeof row->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(row->message, sizeof row->message, fmt, ap);
    va_end(ap);
    mg_dir_message_clean(row->message);
}

/* The JSON of a record's fields (the incoming record of a merge proposal). */
static json_t *fields_json(const dir_field *f, size_t n, const void *rec)
{
    json_t *o = json_object();
    char buf[40];
    for (size_t i = 0; o && i < n; i++) {
        const char *t = dir_field_text(&f[i], rec, buf, sizeof buf);
        if (t)
            json_object_set_new(o, f[i].key, json_string(t));
    }
    return o;
}

/* The incoming structure k of set and the services of the set that point
 * at it (found through vparent, the services by structure). */
static char *merge_incoming(const mg_dir_set *set, size_t k, const struct key *vparent)
{
    const mg_dir_structure *s = &set->structures[k];
    json_t *root = json_object();
    json_t *js = fields_json(dir_structure_fields, dir_structure_nfields, s);
    json_t *jo = fields_json(dir_org_fields, dir_org_nfields, s);
    json_t *jv = json_array();
    if (!root || !js || !jo || !jv) {
        json_decref(root);
        json_decref(js);
        json_decref(jo);
        json_decref(jv);
        return NULL;
    }
    json_object_update(js, jo);
    json_decref(jo);
    for (size_t i = key_first(vparent, set->nservices, s->source, s->source_id);
         i < set->nservices && key_cmp(&(struct key){s->source, s->source_id, vparent[i].idx},
                                       &vparent[i]) == 0;
         i++) {
        const mg_dir_service *v = &set->services[vparent[i].idx];
        if (v->structure_id == 0)
            json_array_append_new(jv, fields_json(dir_service_fields, dir_service_nfields, v));
    }
    json_object_set_new(root, "structure", js);
    json_object_set_new(root, "services", jv);
    char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(root);
    return text;
}

/* Compares the stored record with the incoming one, field by field. */
static bool structure_same(const mg_dir_structure *a, const mg_dir_structure *b)
{
    for (size_t i = 0; i < dir_org_nfields; i++)
        if (!dir_field_equal(&dir_org_fields[i], a, b))
            return false;
    for (size_t i = 0; i < dir_structure_nfields; i++)
        if (!dir_field_equal(&dir_structure_fields[i], a, b))
            return false;
    return true;
}

static bool service_same(const mg_dir_service *a, const mg_dir_service *b)
{
    if (a->structure_id != b->structure_id)
        return false;
    for (size_t i = 0; i < dir_service_nfields; i++)
        if (!dir_field_equal(&dir_service_fields[i], a, b))
            return false;
    return true;
}

/* Another organisation than `self` holding one of s's identifiers: its
 * id into *other, the identifier's field into *field, and whether it has a
 * structure into *is_structure. 0 when none. */
static int identifier_clash(mg_db_conn *c, const mg_dir_structure *s, int64_t self,
                            int64_t *other, const char **field, bool *is_structure, mg_diag *d)
{
    static const struct {
        const char *field, *sql;
        size_t off;
    } ids[] = {
        {"siret", "SELECT id FROM organisations WHERE siret = ?1 AND id <> ?2",
         offsetof(mg_dir_structure, siret)},
        {"finess", "SELECT id FROM organisations WHERE finess = ?1 AND id <> ?2",
         offsetof(mg_dir_structure, finess)},
        {"rna", "SELECT id FROM organisations WHERE rna = ?1 AND id <> ?2",
         offsetof(mg_dir_structure, rna)},
    };
    *other = 0;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const char *v = *(const char *const *)((const char *)s + ids[i].off);
        if (!v || !v[0])
            continue;
        int rc = mg_db_query_int(c, ids[i].sql, MG_DB_PARAMS(DIR_TEXT(v), MG_DB_INT(self)), other, d);
        if (rc == MG_ENOTFOUND)
            continue;
        if (rc)
            return rc;
        *field = ids[i].field;
        int64_t one = 0;
        rc = mg_db_query_int(c, "SELECT 1 FROM structures WHERE organisation_id = ?1",
                           MG_DB_PARAMS(MG_DB_INT(*other)), &one, d);
        if (rc && rc != MG_ENOTFOUND)
            return rc;
        *is_structure = rc == 0;
        return 0;
    }
    return 0;
}

/* A stored structure of the same folded name, address and commune. */
static int same_place(mg_db_conn *c, const mg_dir_structure *s, int64_t *other, mg_diag *d)
{
    *other = 0;
    if (!s->address || !s->address[0] || !s->commune_code || !s->commune_code[0])
        return 0;
    char key[MG_PARSE_FOLD_SIZE], addr[MG_PARSE_FOLD_SIZE], stored[MG_PARSE_FOLD_SIZE];
    dir_name_key(s->name, key, sizeof key);
    dir_name_key(s->address, addr, sizeof addr);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                         "SELECT organisation_id, address FROM structures "
                         "WHERE name_key = ?1 AND commune_code = ?2 ORDER BY organisation_id",
                         MG_DB_PARAMS(DIR_TEXT(key), DIR_TEXT(s->commune_code)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        const char *a = mg_db_column_text(q, 1);
        if (!a)
            continue;
        dir_name_key(a, stored, sizeof stored);
        if (strcmp(stored, addr) == 0) {
            *other = mg_db_column_int64(q, 0);
            rc = 0;
            break;
        }
    }
    mg_db_finalize(q);
    return rc;
}

/* What the local network keeps of a stored structure when a file updates
 * it: the files of other producers do not carry them (data·inclusion has
 * no such fields), so their absence must not erase them. The role and the
 * missions when the file has none; the owner's choice to publish its
 * contacts, always; the practitioners' count when the file says 0
 * (unknown); the category when the file says "other" (unknown). */
static void keep_local(mg_dir_structure *in, const mg_dir_structure *stored)
{
    if (!in->network_role || !in->network_role[0])
        in->network_role = stored->network_role;
    if (!in->missions || !in->missions[0])
        in->missions = stored->missions;
    in->publish_contact = stored->publish_contact;
    if (in->practitioners == 0)
        in->practitioners = stored->practitioners;
    if (in->category == MG_DIR_OTHER)
        in->category = stored->category;
}

static int import_structure(mg_db_conn *c, struct import_tx *t, size_t k, mg_diag *d)
{
    const mg_dir_structure *s = &t->set->structures[k];
    unsigned line = t->o && t->o->structure_lines ? t->o->structure_lines[k] : 0;
    mg_dir_report_row *row = mg_dir_report_add(t->r, MG_DIR_ROW_NEW, 's', s->source_id, line, 0);
    if (!row)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante");
    t->sid[k] = 0;
    if (mg_dir_check_structure(s, row) != 0) {
        row_set(t->r, row, MG_DIR_ROW_REFUSED);
        t->refused = true;
        return 0;
    }
    /* The same record twice in one set. */
    size_t first = key_first(t->skeys, t->set->nstructures, s->source, s->source_id);
    if (first < t->set->nstructures && t->skeys[first].idx < k) {
        row_set(t->r, row, MG_DIR_ROW_REFUSED);
        row_message(row, "source_id", "La structure « %.*s » apparaît deux fois dans le fichier.",
                    (int)mg_utf8_prefix(s->source_id, 80), s->source_id);
        t->refused = true;
        return 0;
    }
    int64_t id = 0;
    int rc = mg_db_query_int(c, "SELECT organisation_id FROM structures WHERE source = ?1 AND source_id = ?2",
                           MG_DB_PARAMS(DIR_TEXT(s->source), DIR_TEXT(s->source_id)), &id, d);
    if (rc && rc != MG_ENOTFOUND)
        return rc;
    int64_t other = 0;
    const char *field = NULL;
    bool other_structure = false;
    rc = identifier_clash(c, s, id, &other, &field, &other_structure, d);
    if (rc)
        return rc;
    int64_t by = t->o ? t->o->by : 0;
    if (id) {
        /* Known record: updated or unchanged. */
        row->match_id = id;
        if (other) {
            row_set(t->r, row, MG_DIR_ROW_REFUSED);
            row_message(row, field, "Le numéro %s est déjà celui d'une autre organisation (n° %lld).",
                        field, (long long)other);
            t->refused = true;
            return 0;
        }
        mg_dir_set stored;
        mg_dir_set_init(&stored);
        rc = dir_load(c, id, false, &stored, d);
        mg_dir_structure in = *s;
        if (rc == 0)
            keep_local(&in, &stored.structures[0]);
        if (rc == 0 && structure_same(&stored.structures[0], &in)) {
            row_set(t->r, row, MG_DIR_ROW_UNCHANGED);
        } else if (rc == 0) {
            row_set(t->r, row, MG_DIR_ROW_UPDATED);
            rc = dir_update_org(c, id, &in, d);
            if (rc == 0)
                rc = dir_write_structure(c, id, &in, false, t->stamp, d);
            if (rc == 0)
                rc = dir_audit_queue_record(&t->audit, by, 's', id, "import_update", &stored.structures[0], &in, d);
        }
        mg_dir_set_free(&stored);
        t->sid[k] = id;
        return rc;
    }
    const char *reason = NULL;
    if (other && other_structure) {
        reason = field;
    } else if (!other) {
        rc = same_place(c, s, &other, d);
        if (rc)
            return rc;
        if (other)
            reason = "nom et adresse";
    }
    if (reason) {
        row_set(t->r, row, MG_DIR_ROW_DUPLICATE);
        row->match_id = other;
        row_message(row, strcmp(reason, "nom et adresse") ? reason : "name",
                    "Doublon de la structure n° %lld (même %s) : proposé à la fusion.",
                    (long long)other, strcmp(reason, "nom et adresse") == 0 ? "nom à la même adresse"
                                                                            : reason);
        char *incoming = merge_incoming(t->set, k, t->vparent);
        if (!incoming)
            return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante");
        int64_t mid = 0;
        rc = mg_db_query_int(c,
                           "INSERT INTO directory_merges (structure_id, reason, incoming, status, "
                           "created_at) VALUES (?1, ?2, ?3, 'pending', ?4) RETURNING id",
                           MG_DB_PARAMS(MG_DB_INT(other), DIR_TEXT(reason), DIR_TEXT(incoming),
                                   DIR_TEXT(t->stamp)),
                           &mid, d);
        free(incoming);
        if (rc == 0) {
            mg_audit_change ch[] = {{"reason", NULL, reason, false},
                                    {"source", NULL, s->source, false},
                                    {"source_id", NULL, s->source_id, false}};
            rc = dir_audit_queue_add(&t->audit, by, other, "directory_merge", mid, "propose", ch, 3, d);
        }
        t->sid[k] = -other;
        return rc;
    }
    if (other) {
        /* A registered organisation without a structure: this is its entry. */
        id = other;
        row_message(row, NULL, "Rattachée à l'organisation inscrite n° %lld (même %s).",
                    (long long)other, field);
        rc = dir_write_structure(c, id, s, true, t->stamp, d);
        if (rc == 0)
            rc = dir_audit_queue_record(&t->audit, by, 's', id, "import", NULL, s, d);
    } else {
        rc = dir_insert_org(c, s, t->stamp, &id, d);
        if (rc == 0)
            rc = dir_write_structure(c, id, s, true, t->stamp, d);
        if (rc == 0)
            rc = dir_audit_queue_record(&t->audit, by, 's', id, "import", NULL, s, d);
    }
    row->match_id = id;
    t->sid[k] = id;
    return rc;
}

static int import_service(mg_db_conn *c, struct import_tx *t, size_t j, mg_diag *d)
{
    const mg_dir_service *v = &t->set->services[j];
    unsigned line = t->o && t->o->service_lines ? t->o->service_lines[j] : 0;
    mg_dir_report_row *row = mg_dir_report_add(t->r, MG_DIR_ROW_NEW, 'v', v->source_id, line, 0);
    if (!row)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante");
    if (mg_dir_check_service(v, row) != 0) {
        row_set(t->r, row, MG_DIR_ROW_REFUSED);
        t->refused = true;
        return 0;
    }
    size_t first = key_first(t->vkeys, t->set->nservices, v->source, v->source_id);
    if (first < t->set->nservices && t->vkeys[first].idx < j) {
        row_set(t->r, row, MG_DIR_ROW_REFUSED);
        row_message(row, "source_id", "Le service « %.*s » apparaît deux fois dans le fichier.",
                    (int)mg_utf8_prefix(v->source_id, 80), v->source_id);
        t->refused = true;
        return 0;
    }
    /* Its structure: given by id, else of the set, else of the store. */
    int64_t sid = v->structure_id;
    int rc = 0;
    if (sid > 0) {
        int64_t one;
        rc = mg_db_query_int(c, "SELECT 1 FROM structures WHERE organisation_id = ?1",
                           MG_DB_PARAMS(MG_DB_INT(sid)), &one, d);
        if (rc == MG_ENOTFOUND) {
            row_set(t->r, row, MG_DIR_ROW_REFUSED);
            row_message(row, "structure_id", "Aucune structure n° %lld dans l'annuaire.",
                        (long long)sid);
            t->refused = true;
            return 0;
        }
        if (rc)
            return rc;
    } else {
        size_t at = key_first(t->skeys, t->set->nstructures, v->source, v->structure_source_id);
        bool found = at < t->set->nstructures;
        if (found)
            sid = t->sid[t->skeys[at].idx];
        if (found && sid == 0) {
            row_set(t->r, row, MG_DIR_ROW_REFUSED);
            row_message(row, "structure_source_id", "Sa structure « %.*s » est refusée.",
                        (int)mg_utf8_prefix(v->structure_source_id, 80), v->structure_source_id);
            t->refused = true;
            return 0;
        }
        if (found && sid < 0) {
            /* Kept in its structure's merge proposal. */
            row_set(t->r, row, MG_DIR_ROW_DUPLICATE);
            row->match_id = -sid;
            row_message(row, NULL, "Service d'une structure en doublon : joint à la proposition de fusion.");
            return 0;
        }
        if (!found) {
            rc = mg_db_query_int(c,
                               "SELECT organisation_id FROM structures WHERE source = ?1 AND source_id = ?2",
                               MG_DB_PARAMS(DIR_TEXT(v->source), DIR_TEXT(v->structure_source_id)), &sid,
                               d);
            if (rc == MG_ENOTFOUND) {
                row_set(t->r, row, MG_DIR_ROW_REFUSED);
                row_message(row, "structure_source_id",
                            "Champ « structure_id » : aucune structure « %.*s » de la source « %.*s » "
                            "dans le fichier ni dans l'annuaire.",
                            (int)mg_utf8_prefix(v->structure_source_id, 60), v->structure_source_id,
                            (int)mg_utf8_prefix(v->source, 40), v->source);
                t->refused = true;
                return 0;
            }
            if (rc)
                return rc;
        }
    }
    int64_t id = 0;
    rc = mg_db_query_int(c, "SELECT id FROM services WHERE source = ?1 AND source_id = ?2",
                       MG_DB_PARAMS(DIR_TEXT(v->source), DIR_TEXT(v->source_id)), &id, d);
    if (rc && rc != MG_ENOTFOUND)
        return rc;
    int64_t by = t->o ? t->o->by : 0;
    mg_dir_service incoming = *v;
    incoming.structure_id = sid;
    if (id) {
        row->match_id = id;
        mg_dir_set stored;
        mg_dir_set_init(&stored);
        char sql[1200];
        snprintf(sql, sizeof sql, "SELECT %s WHERE v.id = ?1", dir_service_select);
        mg_db_stmt *q = NULL;
        rc = mg_db_prepare_with(c, sql, MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
        if (rc == 0)
            rc = dir_read_services(q, &stored, d);
        if (rc == 0 && stored.nservices == 1 && service_same(&stored.services[0], &incoming)) {
            row_set(t->r, row, MG_DIR_ROW_UNCHANGED);
        } else if (rc == 0 && stored.nservices == 1) {
            row_set(t->r, row, MG_DIR_ROW_UPDATED);
            rc = dir_write_service(c, &id, sid, &incoming, t->stamp, d);
            if (rc == 0)
                rc = dir_audit_queue_record(&t->audit, by, 'v', id, "import_update", &stored.services[0],
                                      &incoming, d);
        }
        mg_dir_set_free(&stored);
        return rc;
    }
    rc = dir_write_service(c, &id, sid, &incoming, t->stamp, d);
    if (rc == 0)
        rc = dir_audit_queue_record(&t->audit, by, 'v', id, "import", NULL, &incoming, d);
    row->match_id = id;
    return rc;
}

/* A positive code of ours: roll back a dry run. */
#define DRY_RUN_DONE 1

static int import_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct import_tx *t = ctx;
    t->r->n = t->base_n;
    memcpy(t->r->counts, t->base_counts, sizeof t->base_counts);
    t->refused = false;
    dir_audit_queue_reset(&t->audit);
    int rc = mg_db_timestamp(t->stamp, d);
    for (size_t k = 0; rc == 0 && k < t->set->nstructures; k++)
        rc = import_structure(c, t, k, d);
    for (size_t j = 0; rc == 0 && j < t->set->nservices; j++)
        rc = import_service(c, t, j, d);
    if (rc)
        return rc;
    /* Rows the reader refused before (formats.h) refuse the import too. */
    if (t->refused || t->base_counts[MG_DIR_ROW_REFUSED])
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "Import refusé : %zu ligne(s) en erreur, rien n'a été enregistré.",
                           t->r->counts[MG_DIR_ROW_REFUSED]);
    if (t->o && t->o->dry_run)
        return DRY_RUN_DONE;
    return dir_audit_flush(c, &t->audit, d);
}

int mg_dir_import(mg_db *db, const mg_dir_set *set, const mg_dir_import_opts *o,
                  mg_dir_report *report, mg_diag *d)
{
    if (!db || !set || !report)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_import: NULL argument");
    struct import_tx t = {.set = set, .o = o, .r = report, .base_n = report->n};
    memcpy(t.base_counts, report->counts, sizeof t.base_counts);
    size_t ns = set->nstructures, nv = set->nservices;
    t.sid = calloc(ns ? ns : 1, sizeof *t.sid);
    t.skeys = mg_alloc_array(ns ? ns : 1, sizeof *t.skeys);
    t.vkeys = mg_alloc_array(nv ? nv : 1, sizeof *t.vkeys);
    t.vparent = mg_alloc_array(nv ? nv : 1, sizeof *t.vparent);
    int rc = 0;
    if (!t.sid || !t.skeys || !t.vkeys || !t.vparent) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante");
    } else {
        for (size_t k = 0; k < ns; k++)
            t.skeys[k] = (struct key){set->structures[k].source, set->structures[k].source_id, k};
        for (size_t j = 0; j < nv; j++) {
            const mg_dir_service *v = &set->services[j];
            t.vkeys[j] = (struct key){v->source, v->source_id, j};
            t.vparent[j] = (struct key){v->source, v->structure_source_id, j};
        }
        qsort(t.skeys, ns, sizeof *t.skeys, key_cmp);
        qsort(t.vkeys, nv, sizeof *t.vkeys, key_cmp);
        qsort(t.vparent, nv, sizeof *t.vparent, key_cmp);
        dir_audit_queue_init(&t.audit);
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, import_body, &t, d);
        dir_audit_queue_free(&t.audit);
    }
    free(t.sid);
    free(t.skeys);
    free(t.vkeys);
    free(t.vparent);
    return rc == DRY_RUN_DONE ? 0 : rc;
}

/* --- Reads ------------------------------------------------------------------------ */

struct get_tx {
    int64_t id;
    mg_dir_set *into;
    size_t ns, nv;
};

static void set_truncate(mg_dir_set *s, size_t ns, size_t nv)
{
    s->nstructures = ns;
    s->nservices = nv;
}

static int get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct get_tx *t = ctx;
    set_truncate(t->into, t->ns, t->nv);
    return dir_load(c, t->id, true, t->into, d);
}

int mg_dir_get(mg_db *db, int64_t id, mg_dir_set *into, mg_diag *d)
{
    if (!db || !into)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_get: NULL argument");
    struct get_tx t = {id, into, into->nstructures, into->nservices};
    return mg_db_transaction(db, MG_DB_TX_READ, get_body, &t, d);
}

static int all_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct get_tx *t = ctx;
    set_truncate(t->into, t->ns, t->nv);
    char sql[1200];
    snprintf(sql, sizeof sql, "SELECT %s ORDER BY s.organisation_id", dir_structure_select);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, sql, MG_DB_NO_PARAMS, &q, d);
    if (rc == 0)
        rc = dir_read_structures(q, t->into, d);
    if (rc == 0) {
        snprintf(sql, sizeof sql, "SELECT %s ORDER BY v.id", dir_service_select);
        rc = mg_db_prepare_with(c, sql, MG_DB_NO_PARAMS, &q, d);
    }
    if (rc == 0)
        rc = dir_read_services(q, t->into, d);
    return rc;
}

int mg_dir_all(mg_db *db, mg_dir_set *into, mg_diag *d)
{
    if (!db || !into)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_all: NULL argument");
    struct get_tx t = {0, into, into->nstructures, into->nservices};
    return mg_db_transaction(db, MG_DB_TX_READ, all_body, &t, d);
}

/* --- Search ----------------------------------------------------------------------- */

struct search_tx {
    const mg_dir_query *q;
    bool services;
    mg_dir_set *into;
    size_t ns, nv;
    size_t total;
    char where[1 << 16];  /* overflow refused at build */
    char words[MAX_WORDS][MG_PARSE_FOLD_SIZE + 2];
    size_t nwords;
};

/* The WHERE clause: ?1..?nwords the words, ?(nwords+1) the thematic. */
static int build_where(struct search_tx *t, mg_diag *d)
{
    const mg_dir_query *q = t->q;
    mg_buf b;
    mg_buf_init(&b, sizeof t->where - 1);
    mg_buf_puts(&b, " WHERE 1 = 1");
    t->nwords = 0;
    if (q->text && q->text[0]) {
        char folded[MG_PARSE_FOLD_SIZE];
        dir_name_key(q->text, folded, sizeof folded);
        char *save = NULL;
        for (char *w = strtok_r(folded, " ", &save); w && t->nwords < MAX_WORDS;
             w = strtok_r(NULL, " ", &save)) {
            if (strpbrk(w, "%_\\"))
                continue; /* LIKE's own characters: never a word of a folded name */
            snprintf(t->words[t->nwords], sizeof t->words[0], "%%%s%%", w);
            t->nwords++;
            mg_buf_printf(&b, " AND s.name_key LIKE ?%zu", t->nwords);
        }
    }
    if (q->category >= 0) {
        if (q->category >= MG_DIR_CATEGORY_COUNT) {
            mg_buf_free(&b);
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "Catégorie de structure inconnue.");
        }
        mg_buf_printf(&b, " AND s.category = '%s'", mg_dir_category_key((mg_dir_category)q->category));
    }
    if (q->thematic && q->thematic[0]) {
        if (t->services)
            mg_buf_printf(&b, " AND (',' || v.thematics || ',') LIKE ?%zu", t->nwords + 1);
        else
            mg_buf_printf(&b,
                          " AND EXISTS (SELECT 1 FROM services t WHERE t.structure_id = "
                          "s.organisation_id AND (',' || t.thematics || ',') LIKE ?%zu)",
                          t->nwords + 1);
    }
    if (q->ncommunes) {
        mg_buf_puts(&b, t->services ? " AND coalesce(v.commune_code, s.commune_code) IN ("
                                    : " AND s.commune_code IN (");
        int rc = commune_literals(&b, q->communes, q->ncommunes, d);
        if (rc) {
            mg_buf_free(&b);
            return rc;
        }
        mg_buf_puts(&b, ")");
    }
    if (b.failed) {
        mg_buf_free(&b);
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0, "Recherche trop longue.");
    }
    memcpy(t->where, b.data, b.len + 1);
    mg_buf_free(&b);
    return 0;
}

static int bind_search(const struct search_tx *t, mg_db_stmt *q)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < t->nwords; i++)
        rc = mg_db_bind_text(q, (int)i + 1, t->words[i]);
    if (rc == 0 && t->q->thematic && t->q->thematic[0]) {
        char pat[300];
        snprintf(pat, sizeof pat, "%%,%s,%%", t->q->thematic);
        rc = mg_db_bind_text(q, (int)t->nwords + 1, pat);
    }
    return rc;
}

static int search_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct search_tx *t = ctx;
    set_truncate(t->into, t->ns, t->nv);
    t->total = 0;
    size_t limit = t->q->limit ? t->q->limit : 50;
    if (limit > 500)
        limit = 500;
    const char *from = t->services ? dir_service_select : dir_structure_select;
    mg_buf b;
    mg_buf_init(&b, 1u << 17);
    if (t->services)
        mg_buf_printf(&b, "SELECT count(*) FROM services v JOIN structures s ON s.organisation_id = "
                          "v.structure_id%s", t->where);
    else
        mg_buf_printf(&b, "SELECT count(*) FROM structures s%s", t->where);
    mg_db_stmt *q = NULL;
    int rc = b.failed ? MG_ENOMEM : mg_db_prepare(c, b.data, &q, d);
    if (rc == 0)
        rc = bind_search(t, q);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        t->total = (size_t)mg_db_column_int64(q, 0);
        rc = 0;
    }
    mg_db_finalize(q);
    mg_buf_reset(&b);
    if (rc == 0 && t->total > t->q->offset) {
        if (t->services)
            mg_buf_printf(&b, "SELECT %s JOIN organisations o ON o.id = s.organisation_id%s "
                              "ORDER BY s.name_key, o.name, v.name, v.id LIMIT %zu OFFSET %zu",
                          from, t->where, limit, t->q->offset);
        else
            mg_buf_printf(&b, "SELECT %s%s ORDER BY s.name_key, s.organisation_id LIMIT %zu OFFSET %zu",
                          from, t->where, limit, t->q->offset);
        rc = b.failed ? MG_ENOMEM : mg_db_prepare(c, b.data, &q, d);
        if (rc == 0)
            rc = bind_search(t, q);
        if (rc == 0)
            rc = t->services ? dir_read_services(q, t->into, d) : dir_read_structures(q, t->into, d);
        else
            mg_db_finalize(q);
    }
    mg_buf_free(&b);
    if (rc == MG_ENOMEM)
        return mg_diag_set(d, rc, NULL, 0, 0, "annuaire : mémoire insuffisante");
    return rc;
}

static int search(mg_db *db, const mg_dir_query *q, bool services, mg_dir_set *into,
                  size_t *total, mg_diag *d)
{
    if (total)
        *total = 0;
    if (!db || !q || !into)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_search: NULL argument");
    if (q->thematic && q->thematic[0] && strlen(q->thematic) > 250)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "Thématique inconnue.");
    struct search_tx *t = calloc(1, sizeof *t);
    if (!t)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante");
    t->q = q;
    t->services = services;
    t->into = into;
    t->ns = into->nstructures;
    t->nv = into->nservices;
    int rc = build_where(t, d);
    if (rc == 0)
        rc = mg_db_transaction(db, MG_DB_TX_READ, search_body, t, d);
    if (rc == 0 && total)
        *total = t->total;
    free(t);
    return rc;
}

int mg_dir_search(mg_db *db, const mg_dir_query *q, mg_dir_set *into, size_t *total, mg_diag *d)
{
    return search(db, q, false, into, total, d);
}

int mg_dir_search_services(mg_db *db, const mg_dir_query *q, mg_dir_set *into, size_t *total,
                           mg_diag *d)
{
    return search(db, q, true, into, total, d);
}

/* --- The finder's query ------------------------------------------------------------- */

struct in_communes_tx {
    const char *sql;
    mg_dir_set *into;
    size_t ns, nv;
};

/* Columns of the joined row: the structure's, then the service's. */
static int in_communes_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct in_communes_tx *t = ctx;
    set_truncate(t->into, t->ns, t->nv);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare(c, t->sql, &q, d);
    int64_t last = 0;
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        int64_t id = mg_db_column_int64(q, 0);
        if (id != last) {
            rc = dir_read_structure(q, 0, t->into, d);
            last = id;
        }
        if (rc == 0 && !mg_db_column_is_null(q, DIR_STRUCTURE_NCOLS))
            rc = dir_read_service(q, DIR_STRUCTURE_NCOLS, t->into, d);
    }
    mg_db_finalize(q);
    return rc;
}

struct ranked {
    const char *code;
    size_t pos;
};

static int by_code_then_rank(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

int mg_dir_in_communes_many(mg_db *db, const mg_dir_category *categories, size_t ncategories,
                            const char *const *communes, size_t ncommunes, size_t limit,
                            mg_dir_set *into, mg_diag *d)
{
    if (!db || !into || (ncommunes && !communes) || (ncategories && !categories))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_in_communes: NULL argument");
    if (ncategories > MG_DIR_CATEGORY_COUNT)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "Trop de catégories.");
    for (size_t k = 0; k < ncategories; k++) {
        if ((unsigned)categories[k] >= MG_DIR_CATEGORY_COUNT)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "Catégorie de structure inconnue.");
        for (size_t j = 0; j < k; j++)
            if (categories[j] == categories[k])
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "Catégorie répétée.");
    }
    if (ncommunes == 0 || limit == 0 || ncategories == 0)
        return 0;
    if (limit > 500)
        limit = 500;
    /* One statement: the structures of the categories in the communes (the
     * (category, commune_code, name_key) index covers the choice), nearest
     * commune first as the caller lists them, then by name, at most `limit`
     * of each category; then their rows and the services the finder shows.
     * Commune codes and category keys are checked words, written as literals. */
    mg_buf b;
    mg_buf_init(&b, 16u << 20);
    int rc = commune_literals(&b, communes, ncommunes, d); /* checks them */
    if (rc) {
        mg_buf_free(&b);
        return rc;
    }
    mg_buf_reset(&b);
    /* A commune listed twice keeps its first rank (a structure once). */
    bool *repeat = calloc(ncommunes, sizeof *repeat);
    struct ranked *order = mg_alloc_array(ncommunes, sizeof *order);
    if (!repeat || !order) {
        free(repeat);
        free(order);
        mg_buf_free(&b);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante");
    }
    for (size_t i = 0; i < ncommunes; i++)
        order[i] = (struct ranked){communes[i], i};
    qsort(order, ncommunes, sizeof *order, by_code_then_rank);
    size_t unique = ncommunes ? 1 : 0;
    for (size_t i = 1; i < ncommunes; i++) {
        if (strcmp(order[i].code, order[i - 1].code) == 0)
            repeat[order[i].pos] = true;
        else
            unique++;
    }
    free(order);
    if (unique <= FEW_COMMUNES) {
        /* Few communes (the person's own, its next neighbours): per
         * category and commune the index gives the names in order, so
         * each LIMIT stops at its first rows, however many structures a
         * large town has; then per category the first `limit` of those. */
        mg_buf_puts(&b, "WITH picked AS (");
        for (size_t k = 0; k < ncategories; k++) {
            mg_buf_printf(&b, "%sSELECT * FROM (SELECT * FROM (", k ? " UNION ALL " : "");
            bool first = true;
            for (size_t i = 0; i < ncommunes; i++) {
                if (repeat[i])
                    continue;
                mg_buf_printf(&b,
                              "%sSELECT * FROM (SELECT organisation_id, name_key, %zu AS cat, "
                              "%zu AS pos FROM structures WHERE category = '%s' AND "
                              "commune_code = '%.5s' ORDER BY name_key, organisation_id "
                              "LIMIT %zu) a%zu_%zu",
                              first ? "" : " UNION ALL ", k, i,
                              mg_dir_category_key(categories[k]), communes[i], limit, k, i);
                first = false;
            }
            mg_buf_printf(&b, ") u%zu ORDER BY pos, name_key, organisation_id LIMIT %zu) c%zu", k,
                          limit, k);
        }
    } else {
        /* Many communes: joined once as a list with their rank, one index
         * seek per commune and category, the candidates sorted. */
        mg_buf_puts(&b, "WITH wanted (code, pos) AS (VALUES ");
        bool first = true;
        for (size_t i = 0; i < ncommunes; i++)
            if (!repeat[i]) {
                mg_buf_printf(&b, "%s('%.5s', %zu)", first ? "" : ", ", communes[i], i);
                first = false;
            }
        mg_buf_puts(&b, "), picked AS (");
        for (size_t k = 0; k < ncategories; k++)
            mg_buf_printf(&b,
                          "%sSELECT * FROM (SELECT s.organisation_id, s.name_key, %zu AS cat, "
                          "w.pos FROM wanted w JOIN structures s ON s.category = '%s' AND "
                          "s.commune_code = w.code ORDER BY w.pos, s.name_key, s.organisation_id "
                          "LIMIT %zu) c%zu",
                          k ? " UNION ALL " : "", k, mg_dir_category_key(categories[k]), limit,
                          k);
    }
    free(repeat);
    mg_buf_puts(&b, ") ");
    mg_buf_puts(&b, "SELECT " DIR_STRUCTURE_COLS ", " DIR_SERVICE_COLS
                    " FROM picked p JOIN structures s ON s.organisation_id = p.organisation_id "
                    "JOIN organisations o ON o.id = s.organisation_id "
                    "LEFT JOIN services v ON v.structure_id = s.organisation_id "
                    "AND (v.booking_url IS NOT NULL OR v.opening_hours IS NOT NULL) "
                    "ORDER BY p.cat, p.pos, p.name_key, p.organisation_id, v.id");
    if (b.failed) {
        mg_buf_free(&b);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante");
    }
    /* One statement is consistent by itself: no transaction around it
     * (BEGIN and COMMIT would be two more round trips on PostgreSQL). */
    struct in_communes_tx t = {b.data, into, into->nstructures, into->nservices};
    mg_db_conn *c = NULL;
    rc = mg_db_acquire(db, &c, d);
    if (rc == 0)
        rc = in_communes_body(c, &t, d);
    mg_db_release(c);
    mg_buf_free(&b);
    if (rc)
        set_truncate(into, t.ns, t.nv);
    return rc;
}

int mg_dir_in_communes(mg_db *db, mg_dir_category category, const char *const *communes,
                       size_t ncommunes, size_t limit, mg_dir_set *into, mg_diag *d)
{
    return mg_dir_in_communes_many(db, &category, 1, communes, ncommunes, limit, into, d);
}

/* --- Edits ---------------------------------------------------------------------- */

struct save_tx {
    int64_t by;
    mg_dir_structure s;        /* with its defaults */
    mg_dir_service *services;  /* the services to write, with their defaults */
    size_t nservices;
    const char **field;
    int64_t id;
    bool generated;            /* s.source_id is idtext, made by a run of the body */
    char idtext[32];
    char ids[3][16];           /* identifiers kept from a registered organisation */
    char stamp[MG_DB_TIMESTAMP_SIZE];
};

/* A static copy of a field key for *field (the tables' own strings). */
static const char *static_key(const char *key)
{
    const dir_field *f = dir_field_find(dir_structure_fields, dir_structure_nfields, key);
    if (!f)
        f = dir_field_find(dir_org_fields, dir_org_nfields, key);
    if (!f)
        f = dir_field_find(dir_service_fields, dir_service_nfields, key);
    if (f)
        return f->key;
    static const char *const others[] = {"name", "category", "structure_id", "structure_source_id",
                                         "services"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (strcmp(others[i], key) == 0)
            return others[i];
    return NULL;
}

static int save_fail(struct save_tx *t, const char *key, mg_diag *d, const char *fmt, ...)
    MG_PRINTF(4, 5);
static int save_fail(struct save_tx *t, const char *key, mg_diag *d, const char *fmt, ...)
{
    if (t->field)
        *t->field = key ? static_key(key) : NULL;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%s", msg);
}

/* The registered organisation's identifiers where the form gives none. */
static int keep_identifiers(mg_db_conn *c, int64_t id, struct save_tx *t, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, "SELECT siret, rna, finess FROM organisations WHERE id = ?1",
                         MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        const char **mine[] = {&t->s.siret, &t->s.rna, &t->s.finess};
        char *keep[] = {t->ids[0], t->ids[1], t->ids[2]};
        for (int i = 0; i < 3; i++) {
            const char *v = mg_db_column_text(q, i);
            if ((!*mine[i] || !(*mine[i])[0]) && v) {
                snprintf(keep[i], sizeof t->ids[0], "%s", v);
                *mine[i] = keep[i];
            }
        }
        rc = 0;
    }
    mg_db_finalize(q);
    return rc;
}

static int save_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct save_tx *t = ctx;
    mg_dir_structure *s = &t->s;
    if (t->generated) {
        s->source_id = NULL;
        t->generated = false;
    }
    int64_t id = s->id;
    int64_t other = 0;
    const char *field = NULL;
    bool other_structure = false;
    int rc = identifier_clash(c, s, id, &other, &field, &other_structure, d);
    if (rc)
        return rc;
    if (other)
        return save_fail(t, field, d, "Le numéro %s est déjà celui d'une autre organisation (n° %lld).",
                         field, (long long)other);
    /* A registered organisation without a structure yet: its first entry. */
    bool first_entry = false;
    if (id) {
        int64_t one = 0;
        rc = mg_db_query_int(c, "SELECT 1 FROM structures WHERE organisation_id = ?1",
                           MG_DB_PARAMS(MG_DB_INT(id)), &one, d);
        if (rc == MG_ENOTFOUND) {
            rc = mg_db_query_int(c, "SELECT 1 FROM organisations WHERE id = ?1", MG_DB_PARAMS(MG_DB_INT(id)),
                               &one, d);
            if (rc == MG_ENOTFOUND)
                return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                                   "Aucune organisation ne porte le numéro %lld.", (long long)id);
            first_entry = true;
        }
        if (rc)
            return rc;
    }
    if (id == 0 || first_entry) {
        if (first_entry) {
            rc = keep_identifiers(c, id, t, d);
            if (rc == 0)
                rc = dir_update_org(c, id, s, d);
        } else
            rc = dir_insert_org(c, s, t->stamp, &id, d);
        if (rc)
            return rc;
        if (!s->source)
            s->source = "maillage";
        if (!s->source_id) {
            snprintf(t->idtext, sizeof t->idtext, "%lld", (long long)id);
            s->source_id = t->idtext;
            t->generated = true;
        }
        int64_t taken = 0;
        rc = mg_db_query_int(c, "SELECT organisation_id FROM structures WHERE source = ?1 AND source_id = ?2",
                           MG_DB_PARAMS(DIR_TEXT(s->source), DIR_TEXT(s->source_id)), &taken, d);
        if (rc == 0)
            return save_fail(t, "source_id", d, "L'identifiant « %.*s » est déjà pris dans la source « %.*s ».",
                             (int)mg_utf8_prefix(s->source_id, 80), s->source_id,
                             (int)mg_utf8_prefix(s->source, 40), s->source);
        if (rc != MG_ENOTFOUND)
            return rc;
        rc = dir_write_structure(c, id, s, true, t->stamp, d);
        if (rc == 0)
            rc = dir_audit_record(c, t->by, 's', id, "create", NULL, s, d);
    } else {
        mg_dir_set stored;
        mg_dir_set_init(&stored);
        rc = dir_load(c, id, false, &stored, d);
        if (rc == 0)
            rc = dir_update_org(c, id, s, d);
        if (rc == 0)
            rc = dir_write_structure(c, id, s, false, t->stamp, d);
        if (rc == 0)
            rc = dir_audit_record(c, t->by, 's', id, "update", &stored.structures[0], s, d);
        mg_dir_set_free(&stored);
    }
    for (size_t i = 0; rc == 0 && i < t->nservices; i++) {
        mg_dir_service v = t->services[i];
        v.structure_id = id;
        if (!v.structure_source_id)
            v.structure_source_id = s->source_id;
        int64_t vid = v.id;
        char vtext[48];
        if (vid > 0) {
            mg_dir_set stored;
            mg_dir_set_init(&stored);
            char sql[1200];
            snprintf(sql, sizeof sql, "SELECT %s WHERE v.id = ?1 AND v.structure_id = ?2",
                     dir_service_select);
            mg_db_stmt *q = NULL;
            rc = mg_db_prepare_with(c, sql, MG_DB_PARAMS(MG_DB_INT(vid), MG_DB_INT(id)), &q, d);
            if (rc == 0)
                rc = dir_read_services(q, &stored, d);
            if (rc == 0 && stored.nservices == 0)
                rc = save_fail(t, "services", d, "Le service n° %lld n'est pas un service de cette structure.",
                               (long long)vid);
            if (rc == 0) {
                if (!v.source)
                    v.source = stored.services[0].source;
                if (!v.source_id)
                    v.source_id = stored.services[0].source_id;
                rc = dir_write_service(c, &vid, id, &v, t->stamp, d);
            }
            if (rc == 0)
                rc = dir_audit_record(c, t->by, 'v', vid, "update", &stored.services[0], &v, d);
            mg_dir_set_free(&stored);
        } else {
            if (!v.source_id) {
                int64_t next = 0;
                rc = mg_db_query_int(c, "SELECT coalesce(max(id), 0) + 1 FROM services", MG_DB_NO_PARAMS,
                                   &next, d);
                snprintf(vtext, sizeof vtext, "service-%lld", (long long)next);
                v.source_id = vtext;
            }
            vid = 0;
            if (rc == 0)
                rc = dir_write_service(c, &vid, id, &v, t->stamp, d);
            if (rc == 0)
                rc = dir_audit_record(c, t->by, 'v', vid, "create", NULL, &v, d);
        }
    }
    t->id = id;
    return rc;
}

int mg_dir_save(mg_db *db, int64_t by, const mg_dir_set *set, int64_t *id, const char **field,
                mg_diag *d)
{
    if (field)
        *field = NULL;
    if (id)
        *id = 0;
    if (!db || !set || set->nstructures == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_save: no structure");
    struct save_tx t = {.by = by, .s = set->structures[0], .field = field};
    mg_dir_structure *s = &t.s;
    char stamp[MG_DB_TIMESTAMP_SIZE];
    int rc = mg_db_timestamp(stamp, d);
    if (rc)
        return rc;
    char today[11];
    snprintf(today, sizeof today, "%.10s", stamp);
    if (!s->updated_on || !s->updated_on[0])
        s->updated_on = today;
    if (!s->source || !s->source[0])
        s->source = s->id ? NULL : "maillage";
    /* An edit keeps the stored source and identifier unless given. */
    mg_dir_set stored;
    mg_dir_set_init(&stored);
    if (s->id && (!s->source || !s->source_id || !s->source_id[0])) {
        mg_diag quiet = {{0}};
        rc = mg_dir_get(db, s->id, &stored, &quiet);
        if (rc && rc != MG_ENOTFOUND) {
            mg_dir_set_free(&stored);
            return mg_diag_set(d, rc, NULL, 0, 0, "%s", quiet.msg);
        }
        if (rc == 0) {
            if (!s->source)
                s->source = stored.structures[0].source;
            if (!s->source_id || !s->source_id[0])
                s->source_id = stored.structures[0].source_id;
        }
        rc = 0; /* not a structure yet: the body makes its first entry */
    }
    mg_dir_report_row row;
    memset(&row, 0, sizeof row);
    mg_dir_structure checked = *s;
    if (!checked.source)
        checked.source = "maillage";
    if (!checked.source_id || !checked.source_id[0])
        checked.source_id = "nouvelle";
    rc = mg_dir_check_structure(&checked, &row);
    if (rc) {
        mg_dir_set_free(&stored);
        return save_fail(&t, row.field, d, "%s", row.message);
    }
    if (!s->source_id || !s->source_id[0])
        s->source_id = NULL;
    t.services = calloc(set->nservices ? set->nservices : 1, sizeof *t.services);
    if (!t.services) {
        mg_dir_set_free(&stored);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante");
    }
    for (size_t i = 0; i < set->nservices; i++) {
        const mg_dir_service *v = &set->services[i];
        if (s->id && v->structure_id != s->id)
            continue;
        mg_dir_service w = *v;
        if (!w.source || !w.source[0])
            w.source = v->id ? NULL : "maillage";
        if (!w.updated_on || !w.updated_on[0])
            w.updated_on = today;
        mg_dir_service c = w;
        if (!c.source)
            c.source = "maillage";
        if (!c.source_id || !c.source_id[0])
            c.source_id = "nouveau";
        c.structure_id = s->id ? s->id : 1;
        memset(&row, 0, sizeof row);
        if (mg_dir_check_service(&c, &row) != 0) {
            free(t.services);
            mg_dir_set_free(&stored);
            return save_fail(&t, row.field, d, "Service « %.*s » : %s",
                             w.name ? (int)mg_utf8_prefix(w.name, 80) : 0, w.name ? w.name : "",
                             row.message);
        }
        if (w.source_id && !w.source_id[0])
            w.source_id = NULL;
        t.services[t.nservices++] = w;
    }
    memcpy(t.stamp, stamp, sizeof stamp);
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, save_body, &t, d);
    free(t.services);
    mg_dir_set_free(&stored);
    if (rc == 0 && id)
        *id = t.id;
    return rc;
}
