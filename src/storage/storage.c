/*
 * The scenario store: argument checks and name normalisation, done once
 * here so that both databases refuse exactly the same input with the same
 * messages, then the SQL (the statements below are the only SQL about
 * scenarios), run through the SQL layer.
 */
#include "storage/storage.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/alloc.h"
#include "core/utf8.h"

/* The white space a person may leave around a name by accident. */
static int is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int mg_storage_scenario_name(const char *name, char **out, mg_diag *d)
{
    if (!out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_storage_scenario_name: out is NULL");
    *out = NULL;
    if (!name)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "le nom du scénario est vide");
    size_t start = 0, end = strlen(name);
    while (start < end && is_ascii_space(name[start]))
        start++;
    while (end > start && is_ascii_space(name[end - 1]))
        end--;
    if (start == end)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "le nom du scénario est vide");

    size_t chars;
    size_t bad = mg_utf8_check(name + start, end - start, &chars);
    if (bad != end - start)
        return mg_diag_set(d, MG_EUTF8, NULL, 0, 0,
                           "le nom du scénario n'est pas de l'UTF-8 valide (octet %zu)",
                           start + bad + 1);
    if (chars > MG_STORAGE_NAME_MAX_CHARS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "le nom du scénario a %zu caractères ; %u au plus sont acceptés",
                           chars, MG_STORAGE_NAME_MAX_CHARS);

    /* Control characters: C0 and DEL are single bytes; C1 (U+0080–U+009F)
     * is encoded as 0xC2 0x80..0x9F. Already known to be valid UTF-8. */
    const unsigned char *p = (const unsigned char *)name;
    for (size_t i = start; i < end; i++) {
        int c0 = p[i] < 0x20 || p[i] == 0x7F;
        int c1 = p[i] == 0xC2 && i + 1 < end && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F;
        if (c0 || c1)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "le nom du scénario contient un caractère de contrôle "
                               "(octet %zu)",
                               i + 1);
    }

    *out = mg_strndup(name + start, end - start);
    if (!*out)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory copying a scenario name");
    return 0;
}

/* Checks a text field other than the name: present, UTF-8, within max bytes
 * (0: no bound here) and non-empty when required. */
static int check_text(const char *field, const char *v, size_t max, int required, mg_diag *d)
{
    if (!v)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "scenario %s is missing", field);
    size_t n = strlen(v);
    if (required && n == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "scenario %s is empty", field);
    if (max && n > max)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "scenario %s has %zu bytes; at most %zu are accepted", field, n,
                           max);
    size_t bad = mg_utf8_check(v, n, NULL);
    if (bad != n)
        return mg_diag_set(d, MG_EUTF8, NULL, 0, 0, "scenario %s is not UTF-8 (byte %zu)",
                           field, bad + 1);
    return 0;
}

/* --- The SQL ------------------------------------------------------------ */

/* Columns of SQL_GET and SQL_LIST, in the order read_record expects. */
#define COLUMNS \
    "id, name, profession, actions_json, created_at, updated_at, organisation_id, share_token"
static const char SQL_INSERT[] =
    "INSERT INTO scenarios (name, profession, actions_json, created_at, updated_at, "
    "organisation_id) VALUES (?1, ?2, ?3, ?4, ?4, ?5) RETURNING id";
static const char SQL_UPDATE[] =
    "UPDATE scenarios SET name = ?1, profession = ?2, actions_json = ?3, updated_at = ?4 "
    "WHERE id = ?5";
static const char SQL_UPDATE_ACTIONS[] =
    "UPDATE scenarios SET actions_json = ?1, updated_at = ?2 WHERE id = ?3";
static const char SQL_GET[] = "SELECT " COLUMNS " FROM scenarios WHERE id = ?1";
static const char SQL_LIST[] =
    "SELECT " COLUMNS " FROM scenarios ORDER BY updated_at DESC, id DESC";
/* The same order, one page of it; both dialects accept LIMIT/OFFSET with
 * parameters (bound as integers). */
static const char *const SQL_LIST_PAGE[2] = {
    "SELECT " COLUMNS " FROM scenarios WHERE ",
    " ORDER BY updated_at DESC, id DESC LIMIT ?1 OFFSET ?2"};
static const char *const SQL_COUNT[2] = {"SELECT COUNT(*) FROM scenarios WHERE ", ""};
static const char SQL_SHARE[] = "UPDATE scenarios SET share_token = ?1 WHERE id = ?2";
static const char SQL_BY_SHARE[] = "SELECT " COLUMNS " FROM scenarios WHERE share_token = ?1";
static const char SQL_DELETE[] = "DELETE FROM scenarios WHERE id = ?1";

static char *column_dup(const mg_db_stmt *q, int col)
{
    const char *t = mg_db_column_text(q, col);
    return t ? mg_strdup(t) : NULL;
}

/* Fills *r from the current row of SQL_GET or SQL_LIST. */
static int read_record(const mg_db_stmt *q, mg_scenario_record *r, mg_diag *d)
{
    r->id = mg_db_column_int64(q, 0);
    r->name = column_dup(q, 1);
    r->profession = column_dup(q, 2);
    r->actions_json = column_dup(q, 3);
    r->created_at = column_dup(q, 4);
    r->updated_at = column_dup(q, 5);
    r->organisation_id = mg_db_column_is_null(q, 6) ? 0 : mg_db_column_int64(q, 6);
    r->share_token = mg_db_column_is_null(q, 7) ? NULL : column_dup(q, 7);
    if ((!mg_db_column_is_null(q, 7) && !r->share_token) || !r->name || !r->profession || !r->actions_json || !r->created_at || !r->updated_at) {
        mg_scenario_record_free(r);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory reading scenarios");
    }
    return 0;
}

/* Binds the parameters of one statement; all-or-nothing for readability. */
static int bind_texts(mg_db_stmt *q, const char *const *v, int n)
{
    for (int i = 0; i < n; i++)
        if (mg_db_bind_text(q, i + 1, v[i]))
            return MG_ENOMEM;
    return 0;
}

static int not_found(int64_t id, mg_diag *d)
{
    return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no scenario has id %lld", (long long)id);
}

static int get_on(mg_db_conn *c, int64_t id, mg_scenario_record *out, mg_diag *d);

/*
 * Records a change of scenario id in the audit trail, in the transaction of
 * the change (audit/audit.h): the fields whose value differs between
 * `before` (NULL for a creation) and `after` (NULL for a deletion), by
 * account `by` on behalf of the scenario's organisation.
 */
static int audit_scenario(mg_db_conn *c, int64_t id, int64_t by, const char *verb,
                          const mg_scenario_record *before, const mg_scenario_record *after,
                          mg_diag *d)
{
    int64_t org = after ? after->organisation_id : before ? before->organisation_id : 0;
    static const char *const names[] = {"name", "profession", "actions_json"};
    const char *b[3] = {NULL, NULL, NULL}, *a[3] = {NULL, NULL, NULL};
    if (before)
        b[0] = before->name, b[1] = before->profession, b[2] = before->actions_json;
    if (after)
        a[0] = after->name, a[1] = after->profession, a[2] = after->actions_json;
    mg_audit_change ch[3];
    size_t n = 0;
    for (size_t k = 0; k < 3; k++) {
        bool same = b[k] && a[k] && strcmp(b[k], a[k]) == 0;
        if (!same && (b[k] || a[k]))
            ch[n++] = (mg_audit_change){names[k], b[k], a[k], false};
    }
    if (n == 0)
        return 0; /* saved as it was: nothing changed, nothing to record */
    mg_audit_entry e = {.account_id = by, .organisation_id = org, .object_type = "scenario",
                        .object_id = id, .verb = verb, .changes = ch, .nchanges = n};
    return mg_audit_append(c, &e, NULL, d);
}

struct save_tx {
    const mg_scenario_record *in; /* name already normalised */
    const char *stamp;
    int64_t by;
    int64_t id;
};

static int save_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct save_tx *t = ctx;
    int update = t->in->id > 0;
    mg_scenario_record before = {0};
    /* The values replaced, for the audit trail (MG_ENOTFOUND when absent). */
    int rc = update ? get_on(c, t->in->id, &before, d) : 0;
    mg_db_stmt *q = NULL;
    if (rc == 0)
        rc = mg_db_prepare(c, update ? SQL_UPDATE : SQL_INSERT, &q, d);
    const char *v[] = {t->in->name, t->in->profession, t->in->actions_json, t->stamp};
    if (rc == 0)
        rc = bind_texts(q, v, 4);
    if (rc == 0 && update)
        rc = mg_db_bind_int64(q, 5, t->in->id);
    else if (rc == 0 && t->in->organisation_id > 0)
        rc = mg_db_bind_int64(q, 5, t->in->organisation_id);
    else if (rc == 0)
        rc = mg_db_bind_null(q, 5);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW && !update) {
        t->id = mg_db_column_int64(q, 0);
        rc = mg_db_step(q, d); /* to DONE, so that the insert is complete */
    }
    if (rc == MG_DB_DONE) {
        rc = 0;
        if (update && mg_db_changes(q) == 0)
            rc = not_found(t->in->id, d);
        else if (update)
            t->id = t->in->id;
    } else if (rc < 0 && mg_db_reason_of(c) == MG_DB_REASON_UNIQUE) {
        mg_diag_clear(d);
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "un scénario nommé « %s » existe déjà",
                         t->in->name);
    } else if (rc > 0) {
        rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "saving a scenario returned an extra row");
    }
    mg_db_finalize(q);
    if (rc == 0) {
        /* An update keeps the stored owner, whatever the record says. */
        mg_scenario_record after = *t->in;
        if (update)
            after.organisation_id = before.organisation_id;
        rc = audit_scenario(c, t->id, t->by, update ? "update" : "create",
                            update ? &before : NULL, &after, d);
    }
    mg_scenario_record_free(&before);
    return rc;
}

int mg_storage_scenario_save(mg_db *db, const mg_scenario_record *in, int64_t by,
                             int64_t *id_out, mg_diag *d)
{
    if (!db || !in || !id_out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_storage_scenario_save: NULL database, record or id_out");
    *id_out = 0;
    if (in->id < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "scenario id %lld is negative",
                           (long long)in->id);
    int rc = check_text("profession", in->profession, MG_STORAGE_PROFESSION_MAX_BYTES, 1, d);
    if (rc == 0)
        rc = check_text("actions_json", in->actions_json, 0, 1, d);
    if (rc)
        return rc;

    char *name = NULL;
    rc = mg_storage_scenario_name(in->name, &name, d);
    if (rc)
        return rc;
    char stamp[MG_DB_TIMESTAMP_SIZE];
    rc = mg_db_timestamp(stamp, d);
    /* The database sees the stored form of the name; the caller's record is
     * left as it was. */
    mg_scenario_record norm = *in;
    norm.name = name;
    struct save_tx t = {.in = &norm, .stamp = stamp, .by = by};
    if (rc == 0)
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, save_body, &t, d);
    if (rc == 0)
        *id_out = t.id;
    free(name);
    return rc;
}

/* Reads scenario id into *out on connection c. */
static int get_on(mg_db_conn *c, int64_t id, mg_scenario_record *out, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare(c, SQL_GET, &q, d);
    if (rc == 0)
        rc = mg_db_bind_int64(q, 1, id);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW)
        rc = read_record(q, out, d);
    else if (rc == MG_DB_DONE)
        rc = not_found(id, d);
    mg_db_finalize(q);
    return rc;
}

struct get_tx {
    int64_t id;
    mg_scenario_record *out;
};

static int get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct get_tx *t = ctx;
    mg_scenario_record_free(t->out);
    return get_on(c, t->id, t->out, d);
}

int mg_storage_scenario_get(mg_db *db, int64_t id, mg_scenario_record *out, mg_diag *d)
{
    if (!out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_storage_scenario_get: out is NULL");
    memset(out, 0, sizeof *out);
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_storage_scenario_get: no database");
    if (id <= 0)
        return not_found(id, d);
    struct get_tx t = {id, out};
    return mg_db_transaction(db, MG_DB_TX_READ, get_body, &t, d);
}

struct list_tx {
    int paged;             /* 0: every scenario (SQL_LIST) */
    const mg_storage_scope *scope; /* paged: NULL for all */
    int64_t offset, limit; /* paged: the window */
    mg_scenario_record *list;
    size_t n, cap;
    int64_t total; /* paged: COUNT(*), in the same transaction */
};

/* Appends the current row of q to t->list. */
static int list_append(struct list_tx *t, const mg_db_stmt *q, mg_diag *d)
{
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 16;
        mg_scenario_record *grown = mg_realloc_array(t->list, ncap, sizeof *grown);
        if (!grown)
            return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory listing scenarios");
        t->list = grown;
        t->cap = ncap;
    }
    memset(&t->list[t->n], 0, sizeof t->list[t->n]);
    int rc = read_record(q, &t->list[t->n], d);
    if (rc == 0)
        t->n++;
    return rc;
}

/*
 * The WHERE condition of a scope, with the organisations as parameters
 * ?first, ?first+1, …, into out: "1 = 1" for all, "0 = 1" for an empty
 * scope. The SQL is made here from numbers of parameters only; no value is
 * ever written into it.
 */
static void scope_where(const mg_storage_scope *sc, size_t first, char *out, size_t cap)
{
    if (!sc) {
        snprintf(out, cap, "1 = 1");
        return;
    }
    size_t len = 0;
    out[0] = '\0';
    if (sc->norgs) {
        len += (size_t)snprintf(out + len, cap - len, "organisation_id IN (");
        for (size_t k = 0; k < sc->norgs && len < cap; k++)
            len += (size_t)snprintf(out + len, cap - len, "%s?%zu", k ? ", " : "", k + first);
        if (len < cap)
            len += (size_t)snprintf(out + len, cap - len, ")");
    }
    if (sc->unowned && len < cap)
        len += (size_t)snprintf(out + len, cap - len, "%sorganisation_id IS NULL",
                                sc->norgs ? " OR " : "");
    if (!sc->norgs && !sc->unowned)
        snprintf(out, cap, "0 = 1");
}

/* Binds the organisations of a scope from parameter ?first on. */
static int scope_bind(mg_db_stmt *q, const mg_storage_scope *sc, int first)
{
    for (size_t k = 0; sc && k < sc->norgs; k++)
        if (mg_db_bind_int64(q, (int)k + first, sc->orgs[k]))
            return MG_ENOMEM;
    return 0;
}

/* A statement made of tmpl[0], the scope's condition and tmpl[1]. */
static int scope_sql(const char *const tmpl[2], const mg_storage_scope *sc, size_t first,
                     char *out, size_t cap, mg_diag *d)
{
    char where[MG_STORAGE_SCOPE_MAX * 8 + 64];
    scope_where(sc, first, where, sizeof where);
    int w = snprintf(out, cap, "%s(%s)%s", tmpl[0], where, tmpl[1]);
    if (w < 0 || (size_t)w >= cap)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0, "scenario list query too long");
    return 0;
}

/* COUNT(*) of the scenarios in scope into t->total. */
static int count_on(mg_db_conn *c, struct list_tx *t, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    char sql[MG_STORAGE_SCOPE_MAX * 8 + 512];
    /* COUNT has no LIMIT and OFFSET: its organisations are ?1, ?2… */
    int rc = scope_sql(SQL_COUNT, t->scope, 1, sql, sizeof sql, d);
    if (rc == 0)
        rc = mg_db_prepare(c, sql, &q, d);
    if (rc == 0 && scope_bind(q, t->scope, 1))
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory counting scenarios");
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        t->total = mg_db_column_int64(q, 0);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "counting scenarios returned no row");
    }
    mg_db_finalize(q);
    return rc;
}

static int list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    /* A retried transaction starts again from nothing. */
    mg_scenario_record_list_free(t->list, t->n);
    t->list = NULL;
    t->n = t->cap = 0;
    t->total = 0;
    int rc = t->paged ? count_on(c, t, d) : 0;
    mg_db_stmt *q = NULL;
    char sql[MG_STORAGE_SCOPE_MAX * 8 + 512];
    if (rc == 0 && t->paged)
        rc = scope_sql(SQL_LIST_PAGE, t->scope, 3, sql, sizeof sql, d);
    if (rc == 0)
        rc = mg_db_prepare(c, t->paged ? sql : SQL_LIST, &q, d);
    if (rc == 0 && t->paged &&
        (mg_db_bind_int64(q, 1, t->limit) || mg_db_bind_int64(q, 2, t->offset) ||
         scope_bind(q, t->scope, 3)))
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory listing scenarios");
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW)
        rc = list_append(t, q, d);
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

int mg_storage_scenario_list(mg_db *db, mg_scenario_record **out, size_t *n, mg_diag *d)
{
    if (!out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_storage_scenario_list: out or n is NULL");
    *out = NULL;
    *n = 0;
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_storage_scenario_list: no database");
    struct list_tx t = {0};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc || t.n == 0) {
        mg_scenario_record_list_free(t.list, t.n);
        return rc;
    }
    *out = t.list;
    *n = t.n;
    return 0;
}

int mg_storage_scenario_list_page(mg_db *db, const mg_storage_scope *scope, size_t offset,
                                  size_t limit, mg_scenario_record **out, size_t *n,
                                  size_t *total, mg_diag *d)
{
    if (!out || !n || !total)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_storage_scenario_list_page: out, n or total is NULL");
    *out = NULL;
    *n = 0;
    *total = 0;
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_storage_scenario_list_page: no database");
    if (limit < 1 || limit > MG_STORAGE_PAGE_MAX)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_storage_scenario_list_page: limit %zu is not in 1..%u", limit,
                           MG_STORAGE_PAGE_MAX);
    if ((uintmax_t)offset > (uintmax_t)INT64_MAX)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_storage_scenario_list_page: offset %zu is too large", offset);
    if (scope && scope->norgs > MG_STORAGE_SCOPE_MAX)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_storage_scenario_list_page: more than %u organisations",
                           MG_STORAGE_SCOPE_MAX);
    struct list_tx t = {.paged = 1, .scope = scope, .offset = (int64_t)offset,
                        .limit = (int64_t)limit};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc == 0 && t.total < 0)
        rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "counting scenarios gave %lld",
                         (long long)t.total);
    if (rc || t.n == 0) {
        mg_scenario_record_list_free(t.list, t.n);
        t.list = NULL;
        t.n = 0;
    }
    if (rc)
        return rc;
    *out = t.list;
    *n = t.n;
    *total = (size_t)t.total;
    return 0;
}

struct edit_tx {
    int64_t id;
    int64_t by;
    mg_scenario_edit_fn fn;
    void *ctx;
    const char *stamp;
};

static int edit_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct edit_tx *t = ctx;
    mg_scenario_record cur = {0};
    int rc = get_on(c, t->id, &cur, d);
    char *actions = NULL;
    if (rc == 0)
        rc = t->fn(&cur, t->ctx, &actions, d);
    if (rc == 0)
        rc = check_text("actions_json", actions, 0, 1, d);
    mg_db_stmt *q = NULL;
    if (rc == 0)
        rc = mg_db_prepare(c, SQL_UPDATE_ACTIONS, &q, d);
    const char *v[] = {actions, t->stamp};
    if (rc == 0)
        rc = bind_texts(q, v, 2);
    if (rc == 0)
        rc = mg_db_bind_int64(q, 3, t->id);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_DONE)
        rc = mg_db_changes(q) == 1 ? 0 : not_found(t->id, d);
    mg_db_finalize(q);
    if (rc == 0) {
        mg_scenario_record after = cur;
        after.actions_json = actions;
        rc = audit_scenario(c, t->id, t->by, "update", &cur, &after, d);
    }
    free(actions);
    mg_scenario_record_free(&cur);
    return rc;
}

int mg_storage_scenario_edit(mg_db *db, int64_t id, int64_t by, mg_scenario_edit_fn fn,
                             void *ctx, mg_diag *d)
{
    if (!db || !fn)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_storage_scenario_edit: no database or function");
    if (id <= 0)
        return not_found(id, d);
    char stamp[MG_DB_TIMESTAMP_SIZE];
    int rc = mg_db_timestamp(stamp, d);
    struct edit_tx t = {id, by, fn, ctx, stamp};
    return rc ? rc : mg_db_transaction(db, MG_DB_TX_WRITE, edit_body, &t, d);
}

struct delete_tx {
    int64_t id, by;
};

static int delete_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    const struct delete_tx *t = ctx;
    int64_t id = t->id;
    mg_scenario_record before = {0};
    int rc = get_on(c, id, &before, d); /* what is deleted, for the audit trail */
    mg_db_stmt *q = NULL;
    if (rc == 0)
        rc = mg_db_prepare(c, SQL_DELETE, &q, d);
    if (rc == 0)
        rc = mg_db_bind_int64(q, 1, id);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_DONE)
        rc = mg_db_changes(q) ? 0 : not_found(id, d);
    mg_db_finalize(q);
    if (rc == 0)
        rc = audit_scenario(c, id, t->by, "delete", &before, NULL, d);
    mg_scenario_record_free(&before);
    return rc;
}

int mg_storage_scenario_delete(mg_db *db, int64_t id, int64_t by, mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_storage_scenario_delete: no database");
    if (id <= 0)
        return not_found(id, d);
    struct delete_tx t = {id, by};
    return mg_db_transaction(db, MG_DB_TX_WRITE, delete_body, &t, d);
}

struct share_tx {
    int64_t id, by;
    const char *token; /* NULL: stop sharing */
};

static int share_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    const struct share_tx *t = ctx;
    mg_scenario_record before = {0};
    int rc = get_on(c, t->id, &before, d);
    mg_db_stmt *q = NULL;
    if (rc == 0)
        rc = mg_db_prepare(c, SQL_SHARE, &q, d);
    if (rc == 0 && (t->token ? mg_db_bind_text(q, 1, t->token) : mg_db_bind_null(q, 1)))
        rc = MG_ENOMEM;
    if (rc == 0)
        rc = mg_db_bind_int64(q, 2, t->id);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_DONE)
        rc = mg_db_changes(q) ? 0 : not_found(t->id, d);
    mg_db_finalize(q);
    if (rc == 0) {
        /* The token is a capability: the trail says it changed, not what it is. */
        mg_audit_change ch = {"share_token", NULL, NULL, true};
        mg_audit_entry e = {.account_id = t->by, .organisation_id = before.organisation_id,
                            .object_type = "scenario", .object_id = t->id,
                            .verb = t->token ? "share" : "unshare", .changes = &ch,
                            .nchanges = 1};
        rc = mg_audit_append(c, &e, NULL, d);
    }
    mg_scenario_record_free(&before);
    return rc;
}

/* A share token: 32 random bytes in base64url, as the accounts' tokens. */
static void share_token_new(char out[static MG_STORAGE_SHARE_CHARS + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, MG_STORAGE_SHARE_CHARS + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int mg_storage_scenario_share(mg_db *db, int64_t id, int64_t by, bool share, char *token_out,
                              mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_storage_scenario_share: no database");
    if (id <= 0)
        return not_found(id, d);
    if (sodium_init() < 0)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "libsodium could not start");
    char token[MG_STORAGE_SHARE_CHARS + 1];
    if (share)
        share_token_new(token);
    struct share_tx t = {id, by, share ? token : NULL};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, share_body, &t, d);
    if (rc == 0 && share && token_out)
        memcpy(token_out, token, sizeof token);
    return rc;
}

struct by_share_tx {
    const char *token;
    mg_scenario_record *out;
};

static int by_share_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct by_share_tx *t = ctx;
    mg_scenario_record_free(t->out);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare(c, SQL_BY_SHARE, &q, d);
    if (rc == 0 && mg_db_bind_text(q, 1, t->token))
        rc = MG_ENOMEM;
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW)
        rc = read_record(q, t->out, d);
    else if (rc == MG_DB_DONE)
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no scenario is shared with this link");
    mg_db_finalize(q);
    return rc;
}

int mg_storage_scenario_by_share(mg_db *db, const char *token, mg_scenario_record *out,
                                 mg_diag *d)
{
    memset(out, 0, sizeof *out);
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_storage_scenario_by_share: no database");
    /* Only a token as the store makes them is looked up. */
    if (!token || strlen(token) != MG_STORAGE_SHARE_CHARS ||
        strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
            MG_STORAGE_SHARE_CHARS)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no scenario is shared with this link");
    struct by_share_tx t = {token, out};
    return mg_db_transaction(db, MG_DB_TX_READ, by_share_body, &t, d);
}

void mg_scenario_record_free(mg_scenario_record *r)
{
    if (!r)
        return;
    free(r->name);
    free(r->profession);
    free(r->actions_json);
    free(r->created_at);
    free(r->updated_at);
    free(r->share_token);
    memset(r, 0, sizeof *r);
}

void mg_scenario_record_list_free(mg_scenario_record *list, size_t n)
{
    if (!list)
        return;
    for (size_t i = 0; i < n; i++)
        mg_scenario_record_free(&list[i]);
    free(list);
}
