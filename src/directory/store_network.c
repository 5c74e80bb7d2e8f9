/*
 * The directory store, the network's side: merge proposals of imported
 * duplicates, changes suggested by other organisations, meetings with
 * their invitations, attendance, minutes and the contacts export.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/utf8.h"
#include "directory/check.h"
#include "directory/store_internal.h"
#include "parse/parse.h"

#define NOMEM(d) mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "annuaire : mémoire insuffisante")

/* --- Field values from text (merge proposals, suggestions) ------------------------ */

/* Sets f's member of rec from text t (NULL or "": no value); strings into set. */
static int field_from_text(const dir_field *f, void *rec, const char *t, mg_dir_set *set)
{
    char *p = (char *)rec + f->off;
    bool none = !t || !t[0];
    switch (f->type) {
    case DT_TEXT: {
        const char *copy = none ? NULL : mg_dir_strdup(set, t, SIZE_MAX);
        if (!none && !copy)
            return MG_ENOMEM;
        *(const char **)p = copy;
        return 0;
    }
    case DT_REAL: {
        double v = NAN;
        mg_parse_error why;
        if (!none && mg_parse_c_double(t, strlen(t), &v, &why) != 0)
            return MG_EINVAL;
        *(double *)p = v;
        return 0;
    }
    case DT_INT: {
        int64_t v = 0;
        mg_parse_error why;
        if (!none && mg_parse_c_int(t, strlen(t), 0, 1000000, &v, &why) != 0)
            return MG_EINVAL;
        *(int *)p = (int)v;
        return 0;
    }
    case DT_BOOL: *(bool *)p = !none && strcmp(t, "true") == 0; return 0;
    case DT_CATEGORY: {
        mg_dir_category c = MG_DIR_OTHER;
        if (!none && mg_dir_category_parse(t, &c) != 0)
            return MG_EINVAL;
        *(mg_dir_category *)p = c;
        return 0;
    }
    }
    return MG_EINVAL;
}

static int fields_from_json(const dir_field *f, size_t n, void *rec, json_t *o, mg_dir_set *set)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_t *v = json_object_get(o, f[i].key);
        if (json_is_string(v))
            rc = field_from_text(&f[i], rec, json_string_value(v), set);
    }
    return rc;
}

/* The incoming record of a merge proposal into set (its structure first). */
static int incoming_read(const char *text, int64_t match, mg_dir_set *set, mg_diag *d)
{
    json_error_t err;
    json_t *root = json_loads(text ? text : "", 0, &err);
    json_t *js = json_object_get(root, "structure");
    if (!json_is_object(js)) {
        json_decref(root);
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "annuaire : proposition de fusion illisible");
    }
    mg_dir_structure *s = mg_dir_add_structure(set);
    int rc = s ? 0 : MG_ENOMEM;
    if (rc == 0)
        rc = fields_from_json(dir_org_fields, dir_org_nfields, s, js, set);
    if (rc == 0)
        rc = fields_from_json(dir_structure_fields, dir_structure_nfields, s, js, set);
    json_t *jv = json_object_get(root, "services");
    size_t i;
    json_t *item;
    json_array_foreach(jv, i, item)
    {
        if (rc)
            break;
        mg_dir_service *v = mg_dir_add_service(set);
        rc = v ? 0 : MG_ENOMEM;
        if (rc == 0) {
            rc = fields_from_json(dir_service_fields, dir_service_nfields, v, item, set);
            v->structure_id = match;
            v->structure_source_id = s->source_id;
        }
    }
    json_decref(root);
    if (rc == MG_ENOMEM)
        return NOMEM(d);
    if (rc)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "annuaire : proposition de fusion illisible");
    return 0;
}

/* --- Merges ------------------------------------------------------------------------ */

static void merge_row(const mg_db_stmt *q, mg_dir_merge *m)
{
    memset(m, 0, sizeof *m);
    m->id = mg_db_column_int64(q, 0);
    m->structure_id = mg_db_column_int64(q, 1);
    mg_db_column_copy(q, 2, m->reason, sizeof m->reason);
    mg_db_column_copy(q, 3, m->created_at, sizeof m->created_at);
}

struct merges_tx {
    mg_dir_merge *list;
    size_t n, cap;
};

static int merges_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct merges_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                         "SELECT id, structure_id, reason, created_at FROM directory_merges "
                         "WHERE status = 'pending' ORDER BY created_at DESC, id DESC",
                         MG_DB_NO_PARAMS, &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 16;
            mg_dir_merge *a = mg_realloc_array(t->list, cap, sizeof *a);
            if (!a) {
                rc = NOMEM(d);
                break;
            }
            t->list = a;
            t->cap = cap;
        }
        merge_row(q, &t->list[t->n++]);
    }
    mg_db_finalize(q);
    return rc;
}

int mg_dir_merges(mg_db *db, mg_dir_merge **out, size_t *n, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_merges: NULL argument");
    *out = NULL;
    *n = 0;
    struct merges_tx t = {0};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, merges_body, &t, d);
    if (rc) {
        free(t.list);
        return rc;
    }
    *out = t.list;
    *n = t.n;
    return 0;
}

struct merge_get_tx {
    int64_t id;
    mg_dir_merge *m;
    mg_dir_set *into;
    size_t ns, nv;
};

static int merge_get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct merge_get_tx *t = ctx;
    t->into->nstructures = t->ns;
    t->into->nservices = t->nv;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                         "SELECT id, structure_id, reason, created_at, incoming FROM directory_merges "
                         "WHERE id = ?1",
                         MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        merge_row(q, t->m);
        rc = incoming_read(mg_db_column_text(q, 4), t->m->structure_id, t->into, d);
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "Aucune proposition de fusion n° %lld.",
                         (long long)t->id);
    }
    mg_db_finalize(q);
    return rc;
}

int mg_dir_merge_get(mg_db *db, int64_t id, mg_dir_merge *m, mg_dir_set *into, mg_diag *d)
{
    if (!db || !m || !into)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_merge_get: NULL argument");
    struct merge_get_tx t = {id, m, into, into->nstructures, into->nservices};
    return mg_db_transaction(db, MG_DB_TX_READ, merge_get_body, &t, d);
}

struct decide_tx {
    int64_t by, id;
    bool accept;
};

/* Fills the stored record's empty fields from the incoming one, and
 * replaces the others when the incoming record is newer (date_maj). */
static void merge_fields(const dir_field *f, size_t n, void *stored, const void *in, bool newer)
{
    char buf[40];
    for (size_t i = 0; i < n; i++) {
        /* Its identity, and the owner's choice to publish its contacts. */
        if (strcmp(f[i].key, "source") == 0 || strcmp(f[i].key, "source_id") == 0 ||
            strcmp(f[i].key, "publish_contact") == 0)
            continue;
        if (!dir_field_text(&f[i], in, buf, sizeof buf))
            continue;
        bool empty = !dir_field_text(&f[i], stored, buf, sizeof buf) ||
                     (f[i].type == DT_INT && *(int *)((char *)stored + f[i].off) == 0) ||
                     (f[i].type == DT_CATEGORY &&
                      *(mg_dir_category *)((char *)stored + f[i].off) == MG_DIR_OTHER);
        if (empty || newer)
            memcpy((char *)stored + f[i].off, (const char *)in + f[i].off,
                   f[i].type == DT_TEXT     ? sizeof(const char *)
                   : f[i].type == DT_REAL   ? sizeof(double)
                   : f[i].type == DT_INT    ? sizeof(int)
                   : f[i].type == DT_BOOL   ? sizeof(bool)
                                            : sizeof(mg_dir_category));
    }
}

static int merge_accept(mg_db_conn *c, int64_t by, int64_t target, const char *incoming,
                        const char *stamp, mg_diag *d)
{
    mg_dir_set in, stored;
    mg_dir_set_init(&in);
    mg_dir_set_init(&stored);
    int rc = incoming_read(incoming, target, &in, d);
    if (rc == 0)
        rc = dir_load(c, target, false, &stored, d);
    if (rc) {
        mg_dir_set_free(&in);
        mg_dir_set_free(&stored);
        return rc;
    }
    const mg_dir_structure *inc = &in.structures[0];
    mg_dir_structure merged = stored.structures[0];
    bool newer = inc->updated_on && merged.updated_on && strcmp(inc->updated_on, merged.updated_on) > 0;
    merge_fields(dir_structure_fields, dir_structure_nfields, &merged, inc, newer);
    /* Name and identifiers: a name when newer; an identifier only where none
     * is stored and no other organisation holds it. */
    if (newer && inc->name)
        merged.name = inc->name;
    const char **ids[] = {&merged.siret, &merged.rna, &merged.finess};
    const char *const inids[] = {inc->siret, inc->rna, inc->finess};
    static const char *const sql[] = {"SELECT id FROM organisations WHERE siret = ?1",
                                      "SELECT id FROM organisations WHERE rna = ?1",
                                      "SELECT id FROM organisations WHERE finess = ?1"};
    for (size_t i = 0; rc == 0 && i < 3; i++) {
        if ((*ids[i] && (*ids[i])[0]) || !inids[i] || !inids[i][0])
            continue;
        int64_t other = 0;
        rc = mg_db_query_int(c, sql[i], MG_DB_PARAMS(DIR_TEXT(inids[i])), &other, d);
        if (rc == MG_ENOTFOUND) {
            *ids[i] = inids[i];
            rc = 0;
        }
    }
    if (rc == 0 && mg_dir_check_structure(&merged, NULL) != 0)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                         "La fusion donnerait une fiche invalide ; modifiez la fiche puis réessayez.");
    if (rc == 0)
        rc = dir_update_org(c, target, &merged, d);
    if (rc == 0)
        rc = dir_write_structure(c, target, &merged, false, stamp, d);
    if (rc == 0)
        rc = dir_audit_record(c, by, 's', target, "merge", &stored.structures[0], &merged, d);
    /* Its services, unless already stored. */
    for (size_t j = 0; rc == 0 && j < in.nservices; j++) {
        const mg_dir_service *v = &in.services[j];
        int64_t vid = 0;
        rc = mg_db_query_int(c, "SELECT id FROM services WHERE source = ?1 AND source_id = ?2",
                           MG_DB_PARAMS(DIR_TEXT(v->source), DIR_TEXT(v->source_id)), &vid, d);
        if (rc == 0)
            continue;
        if (rc != MG_ENOTFOUND)
            break;
        vid = 0;
        rc = dir_write_service(c, &vid, target, v, stamp, d);
        if (rc == 0)
            rc = dir_audit_record(c, by, 'v', vid, "merge", NULL, v, d);
    }
    mg_dir_set_free(&in);
    mg_dir_set_free(&stored);
    return rc;
}

static int decide_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct decide_tx *t = ctx;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                         "SELECT structure_id, incoming FROM directory_merges "
                         "WHERE id = ?1 AND status = 'pending'",
                         MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_DONE) {
        mg_db_finalize(q);
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                           "Aucune proposition de fusion n° %lld en attente.", (long long)t->id);
    }
    if (rc != MG_DB_ROW) {
        mg_db_finalize(q);
        return rc;
    }
    int64_t target = mg_db_column_int64(q, 0);
    char *incoming = mg_strdup(mg_db_column_text(q, 1) ? mg_db_column_text(q, 1) : "");
    mg_db_finalize(q);
    if (!incoming)
        return NOMEM(d);
    char stamp[MG_DB_TIMESTAMP_SIZE];
    rc = mg_db_timestamp(stamp, d);
    if (rc == 0 && t->accept)
        rc = merge_accept(c, t->by, target, incoming, stamp, d);
    free(incoming);
    const char *status = t->accept ? "accepted" : "dismissed";
    if (rc == 0)
        rc = mg_db_run(c,
                      "UPDATE directory_merges SET status = ?2, decided_at = ?3, decided_by = ?4 "
                      "WHERE id = ?1",
                      MG_DB_PARAMS(MG_DB_INT(t->id), DIR_TEXT(status), DIR_TEXT(stamp),
                              t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL),
                      NULL, d);
    if (rc == 0) {
        mg_audit_change ch[] = {{"status", "pending", status, false}};
        rc = dir_audit(c, t->by, target, "directory_merge", t->id, t->accept ? "accept" : "dismiss",
                       ch, 1, d);
    }
    return rc;
}

int mg_dir_merge_decide(mg_db *db, int64_t by, int64_t id, bool accept, mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_merge_decide: NULL argument");
    struct decide_tx t = {by, id, accept};
    return mg_db_transaction(db, MG_DB_TX_WRITE, decide_body, &t, d);
}

/* --- Suggestions -------------------------------------------------------------------- */

static bool suggestion_field(const char *field)
{
    for (size_t i = 0; field && mg_dir_suggestion_fields[i]; i++)
        if (strcmp(mg_dir_suggestion_fields[i], field) == 0)
            return true;
    return false;
}

/* The field's descriptor among the organisation's and the structure's. */
static const dir_field *structure_field(const char *key)
{
    const dir_field *f = dir_field_find(dir_org_fields, dir_org_nfields, key);
    return f ? f : dir_field_find(dir_structure_fields, dir_structure_nfields, key);
}

/* Structure id with `field` set to `value`, checked, into set (first). */
static int apply_value(mg_db_conn *c, int64_t id, const char *field, const char *value,
                       mg_dir_set *set, mg_diag *d)
{
    int rc = dir_load(c, id, false, set, d);
    if (rc)
        return rc;
    mg_dir_structure *s = &set->structures[set->nstructures - 1];
    rc = field_from_text(structure_field(field), s, value, set);
    if (rc == MG_ENOMEM)
        return NOMEM(d);
    mg_dir_report_row row;
    memset(&row, 0, sizeof row);
    if (rc || mg_dir_check_structure(s, &row) != 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%s",
                           row.message[0] ? row.message : "Valeur refusée.");
    return 0;
}

struct suggest_tx {
    int64_t by_account, by_organisation, structure_id;
    const char *field, *value;
    int64_t id;
};

static int suggest_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct suggest_tx *t = ctx;
    int64_t one = 0;
    int rc0 = mg_db_query_int(c, "SELECT 1 FROM organisations WHERE id = ?1",
                            MG_DB_PARAMS(MG_DB_INT(t->by_organisation)), &one, d);
    if (rc0 == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "Aucune organisation n° %lld.",
                           (long long)t->by_organisation);
    if (rc0)
        return rc0;
    mg_dir_set probe;
    mg_dir_set_init(&probe);
    int rc = apply_value(c, t->structure_id, t->field, t->value, &probe, d);
    mg_dir_set_free(&probe);
    char stamp[MG_DB_TIMESTAMP_SIZE];
    if (rc == 0)
        rc = mg_db_timestamp(stamp, d);
    if (rc == 0)
        rc = mg_db_query_int(c,
                           "INSERT INTO directory_suggestions (structure_id, by_organisation, "
                           "by_account, field, value, status, created_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6) RETURNING id",
                           MG_DB_PARAMS(MG_DB_INT(t->structure_id), MG_DB_INT(t->by_organisation),
                                   t->by_account > 0 ? MG_DB_INT(t->by_account) : MG_DB_NULL,
                                   DIR_TEXT(t->field), DIR_TEXT(t->value ? t->value : ""),
                                   DIR_TEXT(stamp)),
                           &t->id, d);
    if (rc == 0) {
        char sid[32];
        snprintf(sid, sizeof sid, "%lld", (long long)t->structure_id);
        mg_audit_change ch[] = {{"field", NULL, t->field, false},
                                {"structure_id", NULL, sid, false},
                                {"value", NULL, t->value && t->value[0] ? t->value : NULL, false}};
        rc = dir_audit(c, t->by_account, t->by_organisation, "directory_suggestion", t->id,
                       "create", ch, 3, d);
    }
    return rc;
}

int mg_dir_suggest(mg_db *db, int64_t by_account, int64_t by_organisation, int64_t structure_id,
                   const char *field, const char *value, int64_t *id, mg_diag *d)
{
    if (id)
        *id = 0;
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_suggest: NULL argument");
    if (!suggestion_field(field))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "Ce champ ne peut pas faire l'objet d'une suggestion.");
    if (by_organisation <= 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "Une suggestion vient d'une organisation.");
    size_t chars = 0, len = value ? strlen(value) : 0;
    if (value && mg_utf8_check(value, len, &chars) != len)
        return mg_diag_set(d, MG_EUTF8, NULL, 0, 0, "La valeur n'est pas de l'UTF-8 valide.");
    if (chars > 2000)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "La valeur proposée dépasse 2 000 caractères (%zu).", chars);
    struct suggest_tx t = {by_account, by_organisation, structure_id, field, value, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, suggest_body, &t, d);
    if (rc == 0 && id)
        *id = t.id;
    return rc;
}

struct suggestions_tx {
    int64_t structure_id;
    mg_dir_suggestion *list;
    size_t n, cap;
};

static int suggestions_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct suggestions_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(
        c,
        "SELECT g.id, g.structure_id, g.by_organisation, g.by_account, g.field, g.value, g.status, "
        "g.created_at, o.name FROM directory_suggestions g JOIN organisations o ON o.id = "
        "g.by_organisation WHERE g.structure_id = ?1 "
        "ORDER BY CASE g.status WHEN 'pending' THEN 0 ELSE 1 END, g.created_at DESC, g.id DESC",
        MG_DB_PARAMS(MG_DB_INT(t->structure_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            mg_dir_suggestion *a = mg_realloc_array(t->list, cap, sizeof *a);
            if (!a) {
                rc = NOMEM(d);
                break;
            }
            t->list = a;
            t->cap = cap;
        }
        mg_dir_suggestion *s = &t->list[t->n++];
        memset(s, 0, sizeof *s);
        s->id = mg_db_column_int64(q, 0);
        s->structure_id = mg_db_column_int64(q, 1);
        s->by_organisation = mg_db_column_int64(q, 2);
        s->by_account = mg_db_column_int64(q, 3);
        mg_db_column_copy(q, 4, s->field, sizeof s->field);
        mg_db_column_copy(q, 5, s->value, sizeof s->value);
        mg_db_column_copy(q, 6, s->status, sizeof s->status);
        mg_db_column_copy(q, 7, s->created_at, sizeof s->created_at);
        mg_db_column_copy(q, 8, s->by_organisation_name, sizeof s->by_organisation_name);
    }
    mg_db_finalize(q);
    return rc;
}

int mg_dir_suggestions(mg_db *db, int64_t structure_id, mg_dir_suggestion **out, size_t *n,
                       mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_suggestions: NULL argument");
    *out = NULL;
    *n = 0;
    struct suggestions_tx t = {structure_id, NULL, 0, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, suggestions_body, &t, d);
    if (rc) {
        free(t.list);
        return rc;
    }
    *out = t.list;
    *n = t.n;
    return 0;
}

struct sdecide_tx {
    int64_t by, structure_id, id;
    bool accept;
};

static int sdecide_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct sdecide_tx *t = ctx;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                         "SELECT field, value FROM directory_suggestions WHERE id = ?1 AND "
                         "structure_id = ?2 AND status = 'pending'",
                         MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_INT(t->structure_id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc != MG_DB_ROW) {
        mg_db_finalize(q);
        if (rc == MG_DB_DONE)
            return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                               "Aucune suggestion n° %lld en attente pour cette structure.",
                               (long long)t->id);
        return rc;
    }
    char field[64];
    mg_db_column_copy(q, 0, field, sizeof field);
    char *value = mg_strdup(mg_db_column_text(q, 1) ? mg_db_column_text(q, 1) : "");
    mg_db_finalize(q);
    if (!value)
        return NOMEM(d);
    char stamp[MG_DB_TIMESTAMP_SIZE];
    rc = mg_db_timestamp(stamp, d);
    if (rc == 0 && t->accept) {
        mg_dir_set before, after;
        mg_dir_set_init(&before);
        mg_dir_set_init(&after);
        rc = dir_load(c, t->structure_id, false, &before, d);
        if (rc == 0)
            rc = apply_value(c, t->structure_id, field, value, &after, d);
        if (rc == 0) {
            mg_dir_structure *s = &after.structures[0];
            s->updated_on = mg_dir_strdup(&after, stamp, 10);
            rc = dir_update_org(c, t->structure_id, s, d);
            if (rc == 0)
                rc = dir_write_structure(c, t->structure_id, s, false, stamp, d);
            if (rc == 0)
                rc = dir_audit_record(c, t->by, 's', t->structure_id, "suggestion_accept",
                                      &before.structures[0], s, d);
        }
        mg_dir_set_free(&before);
        mg_dir_set_free(&after);
    }
    free(value);
    const char *status = t->accept ? "accepted" : "rejected";
    if (rc == 0)
        rc = mg_db_run(c,
                      "UPDATE directory_suggestions SET status = ?2, decided_at = ?3 WHERE id = ?1",
                      MG_DB_PARAMS(MG_DB_INT(t->id), DIR_TEXT(status), DIR_TEXT(stamp)), NULL, d);
    if (rc == 0) {
        mg_audit_change ch[] = {{"status", "pending", status, false}};
        rc = dir_audit(c, t->by, t->structure_id, "directory_suggestion", t->id,
                       t->accept ? "accept" : "reject", ch, 1, d);
    }
    return rc;
}

int mg_dir_suggestion_decide(mg_db *db, int64_t by, int64_t structure_id, int64_t id, bool accept,
                             mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_suggestion_decide: NULL argument");
    struct sdecide_tx t = {by, structure_id, id, accept};
    return mg_db_transaction(db, MG_DB_TX_WRITE, sdecide_body, &t, d);
}

/* --- Meetings ----------------------------------------------------------------------- */

#define MEETING_COLS                                                                     \
    "m.id, m.organisation_id, m.held_on, m.place, m.theme, m.created_at, "               \
    "(SELECT count(*) FROM meeting_minutes n WHERE n.meeting_id = m.id)"

static void meeting_row(const mg_db_stmt *q, mg_dir_meeting *m)
{
    memset(m, 0, sizeof *m);
    m->id = mg_db_column_int64(q, 0);
    m->organisation_id = mg_db_column_int64(q, 1);
    mg_db_column_copy(q, 2, m->held_on, sizeof m->held_on);
    mg_db_column_copy(q, 3, m->place, sizeof m->place);
    mg_db_column_copy(q, 4, m->theme, sizeof m->theme);
    mg_db_column_copy(q, 5, m->created_at, sizeof m->created_at);
    m->has_minutes = mg_db_column_int64(q, 6) > 0;
}

static int meeting_load(mg_db_conn *c, int64_t id, mg_dir_meeting *m, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, "SELECT " MEETING_COLS " FROM meetings m WHERE m.id = ?1",
                         MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        meeting_row(q, m);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "Aucune réunion n° %lld.", (long long)id);
    }
    mg_db_finalize(q);
    return rc;
}

/* "YYYY-MM-DD HH:MM", a real day and time. */
static bool held_on_ok(const char *s)
{
    if (strlen(s) != 16 || s[10] != ' ' || s[13] != ':')
        return false;
    char day[11];
    memcpy(day, s, 10);
    day[10] = '\0';
    mg_date dt;
    mg_parse_error why;
    if (day[4] != '-' || day[7] != '-' || mg_parse_date(day, &dt, &why) != 0)
        return false;
    for (int i = 11; i < 16; i++)
        if (i != 13 && (s[i] < '0' || s[i] > '9'))
            return false;
    int h = (s[11] - '0') * 10 + (s[12] - '0'), mi = (s[14] - '0') * 10 + (s[15] - '0');
    return h < 24 && mi < 60;
}

static int text_ok(const char *s, size_t max)
{
    size_t chars = 0, len = strlen(s);
    if (mg_utf8_check(s, len, &chars) != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20)
            return 0;
    return chars >= 1 && chars <= max;
}

struct msave_tx {
    int64_t by;
    mg_dir_meeting *m;
    bool create;
};

static int msave_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct msave_tx *t = ctx;
    mg_dir_meeting *m = t->m;
    char stamp[MG_DB_TIMESTAMP_SIZE];
    int rc = mg_db_timestamp(stamp, d);
    if (rc)
        return rc;
    if (t->create) {
        m->id = 0;
        int64_t one = 0;
        rc = mg_db_query_int(c, "SELECT 1 FROM organisations WHERE id = ?1",
                           MG_DB_PARAMS(MG_DB_INT(m->organisation_id)), &one, d);
        if (rc == MG_ENOTFOUND)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "Aucune organisation n° %lld.",
                               (long long)m->organisation_id);
        if (rc)
            return rc;
        rc = mg_db_query_int(c,
                           "INSERT INTO meetings (organisation_id, held_on, place, theme, created_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                           MG_DB_PARAMS(MG_DB_INT(m->organisation_id), DIR_TEXT(m->held_on),
                                   DIR_TEXT(m->place), DIR_TEXT(m->theme), DIR_TEXT(stamp)),
                           &m->id, d);
        if (rc == 0) {
            mg_audit_change ch[] = {{"held_on", NULL, m->held_on, false},
                                    {"place", NULL, m->place, false},
                                    {"theme", NULL, m->theme, false}};
            rc = dir_audit(c, t->by, m->organisation_id, "meeting", m->id, "create", ch, 3, d);
        }
        return rc;
    }
    mg_dir_meeting was;
    rc = meeting_load(c, m->id, &was, d);
    if (rc == 0)
        rc = mg_db_run(c, "UPDATE meetings SET held_on = ?2, place = ?3, theme = ?4 WHERE id = ?1",
                      MG_DB_PARAMS(MG_DB_INT(m->id), DIR_TEXT(m->held_on), DIR_TEXT(m->place),
                              DIR_TEXT(m->theme)),
                      NULL, d);
    if (rc == 0) {
        mg_audit_change ch[3];
        size_t n = 0;
        if (strcmp(was.held_on, m->held_on))
            ch[n++] = (mg_audit_change){"held_on", was.held_on, m->held_on, false};
        if (strcmp(was.place, m->place))
            ch[n++] = (mg_audit_change){"place", was.place, m->place, false};
        if (strcmp(was.theme, m->theme))
            ch[n++] = (mg_audit_change){"theme", was.theme, m->theme, false};
        if (n)
            rc = dir_audit(c, t->by, was.organisation_id, "meeting", m->id, "update", ch, n, d);
        m->organisation_id = was.organisation_id;
        memcpy(m->created_at, was.created_at, sizeof m->created_at);
        m->has_minutes = was.has_minutes;
    }
    return rc;
}

int mg_dir_meeting_save(mg_db *db, int64_t by, mg_dir_meeting *m, const char **field, mg_diag *d)
{
    if (field)
        *field = NULL;
    if (!db || !m)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_meeting_save: NULL argument");
    const char *bad = NULL;
    const char *msg = NULL;
    m->held_on[sizeof m->held_on - 1] = '\0';
    m->place[sizeof m->place - 1] = '\0';
    m->theme[sizeof m->theme - 1] = '\0';
    if (!held_on_ok(m->held_on)) {
        bad = "held_on";
        msg = "Date et heure de la réunion : attendu AAAA-MM-JJ HH:MM (un jour réel).";
    } else if (!text_ok(m->place, 200)) {
        bad = "place";
        msg = "Lieu de la réunion : de 1 à 200 caractères, sur une ligne.";
    } else if (!text_ok(m->theme, 200)) {
        bad = "theme";
        msg = "Thème de la réunion : de 1 à 200 caractères, sur une ligne.";
    } else if (m->id == 0 && m->organisation_id <= 0) {
        bad = "organisation_id";
        msg = "Une réunion est organisée par une organisation.";
    }
    if (bad) {
        if (field)
            *field = bad;
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%s", msg);
    }
    struct msave_tx t = {by, m, m->id == 0};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, msave_body, &t, d);
    if (rc && t.create)
        m->id = 0;
    return rc;
}

struct mget_tx {
    int64_t id;
    mg_dir_meeting *out;
};

static int mget_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct mget_tx *t = ctx;
    return meeting_load(c, t->id, t->out, d);
}

int mg_dir_meeting_get(mg_db *db, int64_t id, mg_dir_meeting *out, mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_meeting_get: NULL argument");
    struct mget_tx t = {id, out};
    return mg_db_transaction(db, MG_DB_TX_READ, mget_body, &t, d);
}

struct mlist_tx {
    int64_t org;
    mg_dir_meeting *list;
    size_t n, cap;
};

static int mlist_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct mlist_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                         "SELECT " MEETING_COLS " FROM meetings m WHERE ?1 = 0 OR m.organisation_id = ?1 "
                         "ORDER BY m.held_on DESC, m.id DESC",
                         MG_DB_PARAMS(MG_DB_INT(t->org)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            mg_dir_meeting *a = mg_realloc_array(t->list, cap, sizeof *a);
            if (!a) {
                rc = NOMEM(d);
                break;
            }
            t->list = a;
            t->cap = cap;
        }
        meeting_row(q, &t->list[t->n++]);
    }
    mg_db_finalize(q);
    return rc;
}

int mg_dir_meetings(mg_db *db, int64_t organisation_id, mg_dir_meeting **out, size_t *n,
                    mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_meetings: NULL argument");
    *out = NULL;
    *n = 0;
    struct mlist_tx t = {organisation_id, NULL, 0, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, mlist_body, &t, d);
    if (rc) {
        free(t.list);
        return rc;
    }
    *out = t.list;
    *n = t.n;
    return 0;
}

struct invite_tx {
    int64_t by, meeting, structure;
    int attended; /* -2: invite */
};

static int invite_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct invite_tx *t = ctx;
    mg_dir_meeting m;
    int rc = meeting_load(c, t->meeting, &m, d);
    if (rc)
        return rc;
    int64_t one = 0;
    rc = mg_db_query_int(c, "SELECT 1 FROM structures WHERE organisation_id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(t->structure)), &one, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "Aucune structure n° %lld dans l'annuaire.",
                           (long long)t->structure);
    if (rc)
        return rc;
    char sid[32];
    snprintf(sid, sizeof sid, "%lld", (long long)t->structure);
    if (t->attended == -2) {
        rc = mg_db_query_int(c,
                           "SELECT 1 FROM meeting_invitations WHERE meeting_id = ?1 AND structure_id = ?2",
                           MG_DB_PARAMS(MG_DB_INT(t->meeting), MG_DB_INT(t->structure)), &one, d);
        if (rc == 0)
            return 0; /* already invited */
        if (rc != MG_ENOTFOUND)
            return rc;
        char stamp[MG_DB_TIMESTAMP_SIZE];
        rc = mg_db_timestamp(stamp, d);
        if (rc == 0)
            rc = mg_db_run(c,
                          "INSERT INTO meeting_invitations (meeting_id, structure_id, attended, "
                          "created_at) VALUES (?1, ?2, NULL, ?3)",
                          MG_DB_PARAMS(MG_DB_INT(t->meeting), MG_DB_INT(t->structure), DIR_TEXT(stamp)), NULL,
                          d);
        if (rc == 0) {
            mg_audit_change ch[] = {{"structure_id", NULL, sid, false}};
            rc = dir_audit(c, t->by, m.organisation_id, "meeting", t->meeting, "invite", ch, 1, d);
        }
        return rc;
    }
    int64_t changed = 0;
    rc = mg_db_run(c,
                  "UPDATE meeting_invitations SET attended = ?3 WHERE meeting_id = ?1 AND "
                  "structure_id = ?2",
                  MG_DB_PARAMS(MG_DB_INT(t->meeting), MG_DB_INT(t->structure),
                          t->attended < 0 ? MG_DB_NULL : MG_DB_INT(t->attended)),
                  &changed, d);
    if (rc == 0 && changed == 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                           "Cette structure n'est pas invitée à la réunion n° %lld.",
                           (long long)t->meeting);
    if (rc == 0) {
        char field[48];
        snprintf(field, sizeof field, "attended.%lld", (long long)t->structure);
        mg_audit_change ch[] = {
            {field, NULL, t->attended < 0 ? NULL : t->attended ? "present" : "absent", false}};
        rc = dir_audit(c, t->by, m.organisation_id, "meeting", t->meeting, "attendance", ch, 1, d);
    }
    return rc;
}

int mg_dir_meeting_invite(mg_db *db, int64_t by, int64_t meeting_id, int64_t structure_id,
                          mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_meeting_invite: NULL argument");
    struct invite_tx t = {by, meeting_id, structure_id, -2};
    return mg_db_transaction(db, MG_DB_TX_WRITE, invite_body, &t, d);
}

int mg_dir_meeting_attendance(mg_db *db, int64_t by, int64_t meeting_id, int64_t structure_id,
                              int attended, mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_meeting_attendance: NULL argument");
    if (attended < -1 || attended > 1)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "Présence : -1 (inconnue), 0 (absente) ou 1 (présente).");
    struct invite_tx t = {by, meeting_id, structure_id, attended};
    return mg_db_transaction(db, MG_DB_TX_WRITE, invite_body, &t, d);
}

struct inv_tx {
    int64_t meeting;
    mg_dir_invitation *list;
    size_t n, cap;
};

static int inv_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct inv_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                         "SELECT i.structure_id, o.name, i.attended FROM meeting_invitations i "
                         "JOIN organisations o ON o.id = i.structure_id WHERE i.meeting_id = ?1 "
                         "ORDER BY o.name, i.structure_id",
                         MG_DB_PARAMS(MG_DB_INT(t->meeting)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 16;
            mg_dir_invitation *a = mg_realloc_array(t->list, cap, sizeof *a);
            if (!a) {
                rc = NOMEM(d);
                break;
            }
            t->list = a;
            t->cap = cap;
        }
        mg_dir_invitation *v = &t->list[t->n++];
        memset(v, 0, sizeof *v);
        v->structure_id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, v->structure_name, sizeof v->structure_name);
        v->attended = mg_db_column_is_null(q, 2) ? -1 : (int)mg_db_column_int64(q, 2);
    }
    mg_db_finalize(q);
    return rc;
}

int mg_dir_meeting_invitations(mg_db *db, int64_t meeting_id, mg_dir_invitation **out, size_t *n,
                               mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_meeting_invitations: NULL argument");
    *out = NULL;
    *n = 0;
    struct inv_tx t = {meeting_id, NULL, 0, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, inv_body, &t, d);
    if (rc) {
        free(t.list);
        return rc;
    }
    *out = t.list;
    *n = t.n;
    return 0;
}

/* --- Minutes ------------------------------------------------------------------------- */

#define MINUTES_MAX (20u * 1024u * 1024u)

struct minutes_tx {
    int64_t by, meeting;
    const char *filename, *media_type;
    const void *data;
    size_t n;
    /* get */
    char *out_name, *out_type;
    void *out_data;
    size_t out_n;
};

static int minutes_set_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct minutes_tx *t = ctx;
    mg_dir_meeting m;
    int rc = meeting_load(c, t->meeting, &m, d);
    char stamp[MG_DB_TIMESTAMP_SIZE];
    if (rc == 0)
        rc = mg_db_timestamp(stamp, d);
    if (rc == 0)
        rc = mg_db_run(c, "DELETE FROM meeting_minutes WHERE meeting_id = ?1",
                      MG_DB_PARAMS(MG_DB_INT(t->meeting)), NULL, d);
    if (rc == 0)
        rc = mg_db_run(c,
                      "INSERT INTO meeting_minutes (meeting_id, filename, media_type, size, data, "
                      "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                      MG_DB_PARAMS(MG_DB_INT(t->meeting), DIR_TEXT(t->filename), DIR_TEXT(t->media_type),
                              MG_DB_INT((int64_t)t->n), MG_DB_BLOB(t->data, t->n), DIR_TEXT(stamp)),
                      NULL, d);
    if (rc == 0) {
        char size[32];
        snprintf(size, sizeof size, "%zu", t->n);
        /* Typed minutes are kept in the trail with the other values: the
         * history then shows what each version said (when within what an
         * audit value may hold; longer ones are recorded by size). */
        char *text = NULL;
        if (strncmp(t->media_type, "text/", 5) == 0 && t->n <= MG_AUDIT_VALUE_MAX_BYTES &&
            mg_utf8_check(t->data, t->n, NULL) == t->n &&
            !memchr(t->data, '\0', t->n) && (text = malloc(t->n + 1)) != NULL) {
            memcpy(text, t->data, t->n);
            text[t->n] = '\0';
        }
        mg_audit_change ch[] = {{"filename", NULL, t->filename, false},
                                {"media_type", NULL, t->media_type, false},
                                {"size", NULL, size, false},
                                {"text", NULL, text, false}};
        rc = dir_audit(c, t->by, m.organisation_id, "meeting", t->meeting, "minutes", ch,
                       text ? 4 : 3, d);
        free(text);
    }
    return rc;
}

int mg_dir_meeting_minutes_set(mg_db *db, int64_t by, int64_t meeting_id, const char *filename,
                               const char *media_type, const void *data, size_t n, mg_diag *d)
{
    if (!db || !filename || !media_type || (!data && n))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_meeting_minutes_set: NULL argument");
    if (!text_ok(filename, 255) || strchr(filename, '/') || strchr(filename, '\\'))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "Nom du fichier du compte rendu : de 1 à 255 caractères, sans « / ».");
    size_t tl = strlen(media_type);
    if (tl < 3 || tl > 127 || !strchr(media_type, '/') || !text_ok(media_type, 127))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "Type de document inconnu.");
    if (n == 0 || n > MINUTES_MAX)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "Le compte rendu doit peser entre 1 octet et 20 Mio (%zu octets).", n);
    struct minutes_tx t = {.by = by, .meeting = meeting_id, .filename = filename,
                           .media_type = media_type, .data = data, .n = n};
    return mg_db_transaction(db, MG_DB_TX_WRITE, minutes_set_body, &t, d);
}

static int minutes_get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct minutes_tx *t = ctx;
    free(t->out_name);
    free(t->out_type);
    free(t->out_data);
    t->out_name = t->out_type = NULL;
    t->out_data = NULL;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                         "SELECT filename, media_type, data FROM meeting_minutes WHERE meeting_id = ?1",
                         MG_DB_PARAMS(MG_DB_INT(t->meeting)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        size_t n = 0;
        const void *b = mg_db_column_blob(q, 2, &n);
        t->out_name = mg_strdup(mg_db_column_text(q, 0) ? mg_db_column_text(q, 0) : "");
        t->out_type = mg_strdup(mg_db_column_text(q, 1) ? mg_db_column_text(q, 1) : "");
        t->out_data = malloc(n ? n : 1);
        if (!t->out_name || !t->out_type || !t->out_data)
            rc = NOMEM(d);
        else {
            if (n)
                memcpy(t->out_data, b, n);
            t->out_n = n;
            rc = 0;
        }
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "La réunion n° %lld n'a pas de compte rendu.",
                         (long long)t->meeting);
    }
    mg_db_finalize(q);
    return rc;
}

int mg_dir_meeting_minutes_get(mg_db *db, int64_t meeting_id, char **filename, char **media_type,
                               void **data, size_t *n, mg_diag *d)
{
    if (!db || !filename || !media_type || !data || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_meeting_minutes_get: NULL argument");
    *filename = *media_type = NULL;
    *data = NULL;
    *n = 0;
    struct minutes_tx t = {.meeting = meeting_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, minutes_get_body, &t, d);
    if (rc) {
        free(t.out_name);
        free(t.out_type);
        free(t.out_data);
        return rc;
    }
    *filename = t.out_name;
    *media_type = t.out_type;
    *data = t.out_data;
    *n = t.out_n;
    return 0;
}

/* --- Contacts for an invitation ----------------------------------------------------------- */

/* One CSV field, always quoted (quotes doubled), after a comma unless first. */
static void csv_put(mg_buf *b, const char *s, bool first)
{
    if (!first)
        mg_buf_puts(b, ",");
    mg_buf_puts(b, "\"");
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '"')
            mg_buf_puts(b, "\"\"");
        else
            mg_buf_append(b, p, 1);
    }
    mg_buf_puts(b, "\"");
}

struct csv_tx {
    int64_t meeting;
    mg_buf *b;
};

static int csv_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct csv_tx *t = ctx;
    mg_buf_reset(t->b);
    mg_dir_meeting m;
    int rc = meeting_load(c, t->meeting, &m, d);
    if (rc)
        return rc;
    mg_buf_puts(t->b, "nom,adresse,complement_adresse,code_postal,commune,telephone,courriel\r\n");
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(c,
                     "SELECT o.name, s.address, s.address_extra, s.postcode, s.commune_name, "
                     "s.publish_contact, s.phone, s.email FROM meeting_invitations i "
                     "JOIN structures s ON s.organisation_id = i.structure_id "
                     "JOIN organisations o ON o.id = s.organisation_id WHERE i.meeting_id = ?1 "
                     "ORDER BY o.name, s.organisation_id",
                     MG_DB_PARAMS(MG_DB_INT(t->meeting)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        bool publish = mg_db_column_int64(q, 5) == 1;
        for (int col = 0; col < 5; col++)
            csv_put(t->b, mg_db_column_text(q, col), col == 0);
        csv_put(t->b, publish ? mg_db_column_text(q, 6) : NULL, false);
        csv_put(t->b, publish ? mg_db_column_text(q, 7) : NULL, false);
        mg_buf_puts(t->b, "\r\n");
    }
    mg_db_finalize(q);
    if (rc == 0 && t->b->failed)
        rc = NOMEM(d);
    return rc;
}

int mg_dir_meeting_contacts_csv(mg_db *db, int64_t meeting_id, char **csv, size_t *n, mg_diag *d)
{
    if (!db || !csv || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_dir_meeting_contacts_csv: NULL argument");
    *csv = NULL;
    *n = 0;
    mg_buf b;
    mg_buf_init(&b, 64u * 1024u * 1024u);
    struct csv_tx t = {meeting_id, &b};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, csv_body, &t, d);
    if (rc) {
        mg_buf_free(&b);
        return rc;
    }
    if (b.len == 0)
        mg_buf_puts(&b, "");
    *csv = mg_buf_take(&b, n);
    return *csv ? 0 : NOMEM(d);
}
