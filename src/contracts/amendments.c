/*
 * Amendments (avenants) of a contract (contracts/contracts.h, "Amendments"):
 * an amendment is numbered 1, 2, … within its contract and takes effect on
 * a date; what it changes is written in amendment_changes with the value
 * it replaced, so that what was signed before stays readable (tables
 * contract_amendments and amendment_changes of migration 008). An action's
 * dates change here; a budget line is replaced by mg_budget_line_amend
 * (budget.c), which records its change in the same table.
 *
 * Every change is one write transaction with its audit entry: "amend" on
 * the contract, on behalf of its lead.
 */
#include "contracts/contracts.h"
#include "contracts/plan_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"

/* --- Creating an amendment -------------------------------------------------- */

struct create_tx {
    int64_t by, contract_id;
    const char *title, *signed_on, *effective_on, *description;
    int64_t id;
    int number;
};

static int create_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct create_tx *t = ctx;
    t->id = 0;
    mg_contract k;
    int rc = mg_ct_contract_on(c, t->contract_id, &k, d);
    if (rc < 0)
        return rc;
    int64_t number = 0;
    rc = mg_db_query_int(c,
                         "SELECT COALESCE(MAX(number), 0) + 1 FROM contract_amendments "
                         "WHERE contract_id = ?1",
                         MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &number, d);
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_query_int(c,
                         "INSERT INTO contract_amendments (contract_id, number, title, signed_on, "
                         "effective_on, description, created_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->contract_id), MG_DB_INT(number),
                                      MG_DB_TEXT(t->title), MG_DB_TEXT(mg_ct_or_null(t->signed_on)),
                                      MG_DB_TEXT(t->effective_on), MG_DB_TEXT(t->description),
                                      MG_DB_TEXT(now)),
                         &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new amendment has no id");
    if (rc < 0)
        return rc;
    t->number = (int)number;
    char id[24], num[24];
    snprintf(id, sizeof id, "%lld", (long long)t->id);
    snprintf(num, sizeof num, "%lld", (long long)number);
    mg_audit_change ch[] = {
        {"amendment_id", NULL, id, false},
        {"amendment.number", NULL, num, false},
        {"amendment.title", NULL, t->title, false},
        {"amendment.signed_on", NULL, mg_ct_or_null(t->signed_on), false},
        {"amendment.effective_on", NULL, t->effective_on, false},
        {"amendment.description", NULL, mg_ct_or_null(t->description), false},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = k.organisation_id,
                        .object_type = "contract", .object_id = t->contract_id, .verb = "amend",
                        .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_contract_amendment_create(mg_db *db, int64_t by, int64_t contract_id, const char *title,
                                 const char *signed_on, const char *effective_on,
                                 const char *description, int64_t *id_out,
                                 mg_contract_field_error *fe, mg_diag *d)
{
    if (fe)
        fe->field = NULL, fe->msg[0] = 0;
    if (id_out)
        *id_out = 0;
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_amendment_create: bad arguments");
    if (contract_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no contract has id %lld",
                           (long long)contract_id);
    char *t = NULL, *desc = NULL;
    char signed_d[11], effective_d[11];
    int rc = mg_ct_check_text(title, MG_CONTRACT_TITLE_MAX_CHARS, true, false, "title",
                              "Intitulé de l'avenant", &t, fe, d);
    if (rc == 0)
        rc = mg_ct_check_date(signed_on, "signed_on", "Signé le", signed_d, fe, d);
    if (rc == 0)
        rc = mg_ct_check_date(effective_on, "effective_on", "En vigueur le", effective_d, fe, d);
    if (rc == 0 && !effective_d[0])
        rc = mg_ct_refuse(fe, d, "effective_on",
                          "Le champ « En vigueur le » est obligatoire : indiquez la date à partir "
                          "de laquelle l'avenant s'applique.");
    if (rc == 0)
        rc = mg_ct_check_text(description, MG_CONTRACT_DESCRIPTION_MAX_CHARS, false, true,
                              "description", "Description", &desc, fe, d);
    if (rc == 0) {
        struct create_tx x = {.by = by, .contract_id = contract_id, .title = t,
                              .signed_on = signed_d, .effective_on = effective_d,
                              .description = desc};
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, create_body, &x, d);
        if (rc == 0 && id_out)
            *id_out = x.id;
    }
    free(t);
    free(desc);
    return rc;
}

/* --- Changing an action's dates ---------------------------------------------- */

/* The contract of amendment id (MG_ENOTFOUND). */
static int amendment_contract(mg_db_conn *c, int64_t id, int64_t *contract_id, mg_diag *d)
{
    int rc = mg_db_query_int(c, "SELECT contract_id FROM contract_amendments WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(id)), contract_id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no amendment has id %lld", (long long)id);
    return rc;
}

/* One change kept in amendment_changes. */
static int keep_change(mg_db_conn *c, int64_t amendment_id, const char *type, int64_t object_id,
                       const char *field, const char *before, const char *after, mg_diag *d)
{
    return mg_db_run(c,
                     "INSERT INTO amendment_changes (amendment_id, object_type, object_id, "
                     "field, value_before, value_after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                     MG_DB_PARAMS(MG_DB_INT(amendment_id), MG_DB_TEXT(type), MG_DB_INT(object_id),
                                  MG_DB_TEXT(field), MG_DB_TEXT(mg_ct_or_null(before)),
                                  MG_DB_TEXT(mg_ct_or_null(after))),
                     NULL, d);
}

struct dates_tx {
    int64_t by, amendment_id, action_id;
    const char *starts_on, *due_on; /* "" keeps */
    mg_contract_field_error *fe;
};

static int dates_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct dates_tx *t = ctx;
    int64_t contract_id = 0;
    int rc = amendment_contract(c, t->amendment_id, &contract_id, d);
    if (rc < 0)
        return rc;
    mg_contract_action a;
    memset(&a, 0, sizeof a);
    rc = mg_ct_action_on(c, t->action_id, &a, d);
    if (rc == MG_ENOTFOUND)
        return mg_ct_refuse(t->fe, d, "action", "Cette action n'existe pas.");
    if (rc < 0)
        return rc;
    char before_start[11], before_due[11];
    memcpy(before_start, a.starts_on, sizeof before_start);
    memcpy(before_due, a.due_on, sizeof before_due);
    int64_t action_contract = a.contract_id;
    char title[sizeof a.title];
    memcpy(title, a.title, sizeof title);
    mg_contract_action_clear(&a);
    if (action_contract != contract_id)
        return mg_ct_refuse(t->fe, d, "action",
                            "Cette action n'appartient pas au contrat de l'avenant.");
    const char *start = t->starts_on[0] ? t->starts_on : before_start;
    const char *due = t->due_on[0] ? t->due_on : before_due;
    if (start[0] && due[0] && strcmp(due, start) < 0)
        return mg_ct_refuse(t->fe, d, t->due_on[0] ? "due_on" : "starts_on",
                            "La fin prévue de l'action (%s) précéderait son début (%s).", due,
                            start);
    bool start_changed = strcmp(start, before_start) != 0;
    bool due_changed = strcmp(due, before_due) != 0;
    if (!start_changed && !due_changed)
        return mg_ct_refuse(t->fe, d, t->due_on[0] ? "due_on" : "starts_on",
                            "Les dates indiquées sont déjà celles de l'action « %s » : "
                            "l'avenant ne changerait rien.",
                            title);
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_run(c,
                   "UPDATE contract_actions SET starts_on = ?2, due_on = ?3, updated_at = ?4 "
                   "WHERE id = ?1",
                   MG_DB_PARAMS(MG_DB_INT(t->action_id), MG_DB_TEXT(mg_ct_or_null(start)),
                                MG_DB_TEXT(mg_ct_or_null(due)), MG_DB_TEXT(now)),
                   NULL, d);
    if (rc == 0 && start_changed)
        rc = keep_change(c, t->amendment_id, "action", t->action_id, "starts_on", before_start,
                         start, d);
    if (rc == 0 && due_changed)
        rc = keep_change(c, t->amendment_id, "action", t->action_id, "due_on", before_due, due,
                         d);
    if (rc < 0)
        return rc;
    mg_contract k;
    if ((rc = mg_ct_contract_on(c, contract_id, &k, d)) < 0)
        return rc;
    char am[24], act[24];
    snprintf(am, sizeof am, "%lld", (long long)t->amendment_id);
    snprintf(act, sizeof act, "%lld", (long long)t->action_id);
    mg_audit_change ch[4] = {
        {"amendment_id", NULL, am, false},
        {"action_id", NULL, act, false},
    };
    size_t n = 2;
    if (start_changed)
        ch[n++] = (mg_audit_change){"action.starts_on", mg_ct_or_null(before_start),
                                    mg_ct_or_null(start), false};
    if (due_changed)
        ch[n++] = (mg_audit_change){"action.due_on", mg_ct_or_null(before_due),
                                    mg_ct_or_null(due), false};
    mg_audit_entry e = {.account_id = t->by, .organisation_id = k.organisation_id,
                        .object_type = "contract", .object_id = contract_id, .verb = "amend",
                        .changes = ch, .nchanges = n};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_contract_amend_action_dates(mg_db *db, int64_t by, int64_t amendment_id,
                                   int64_t action_id, const char *starts_on, const char *due_on,
                                   mg_contract_field_error *fe, mg_diag *d)
{
    if (fe)
        fe->field = NULL, fe->msg[0] = 0;
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_contract_amend_action_dates: bad arguments");
    if (amendment_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no amendment has id %lld",
                           (long long)amendment_id);
    if (action_id <= 0)
        return mg_ct_refuse(fe, d, "action", "Choisissez l'action dont l'avenant change les dates.");
    char start[11], due[11];
    int rc = mg_ct_check_date(starts_on, "starts_on", "Nouveau début", start, fe, d);
    if (rc == 0)
        rc = mg_ct_check_date(due_on, "due_on", "Nouvelle fin prévue", due, fe, d);
    if (rc < 0)
        return rc;
    if (!start[0] && !due[0])
        return mg_ct_refuse(fe, d, "due_on",
                            "Indiquez le nouveau début ou la nouvelle fin prévue de l'action.");
    struct dates_tx t = {.by = by, .amendment_id = amendment_id, .action_id = action_id,
                         .starts_on = start, .due_on = due, .fe = fe};
    return mg_db_transaction(db, MG_DB_TX_WRITE, dates_body, &t, d);
}

/* --- Reading them --------------------------------------------------------------- */

void mg_contract_amendments_free(mg_contract_amendment *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].description);
    free(v);
}

void mg_contract_amendment_changes_free(mg_contract_amendment_change *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].before);
        free(v[i].after);
    }
    free(v);
}

/* A growing array of rows of `size` bytes. */
static int grow(void **arr, size_t *cap, size_t n, size_t size, mg_diag *d)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 8;
    void *p = realloc(*arr, nc * size);
    if (!p)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    memset((char *)p + *cap * size, 0, (nc - *cap) * size);
    *arr = p;
    *cap = nc;
    return 0;
}

static char *dup_or_null(const mg_db_stmt *q, int col)
{
    if (mg_db_column_is_null(q, col))
        return NULL;
    const char *s = mg_db_column_text(q, col);
    return strdup(s ? s : "");
}

struct list_tx {
    int64_t contract_id;
    mg_contract_amendment *a;
    mg_contract_amendment_change *ch;
    size_t n, cap;
};

static int amendments_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT id, contract_id, number, title, signed_on, effective_on, "
                                "description FROM contract_amendments WHERE contract_id = ?1 "
                                "ORDER BY number",
                                MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = grow((void **)&t->a, &t->cap, t->n, sizeof *t->a, d);
        if (rc < 0)
            break;
        mg_contract_amendment *x = &t->a[t->n];
        x->id = mg_db_column_int64(q, 0);
        x->contract_id = mg_db_column_int64(q, 1);
        x->number = (int)mg_db_column_int64(q, 2);
        mg_db_column_copy(q, 3, x->title, sizeof x->title);
        mg_db_column_copy(q, 4, x->signed_on, sizeof x->signed_on);
        mg_db_column_copy(q, 5, x->effective_on, sizeof x->effective_on);
        const char *desc = mg_db_column_text(q, 6);
        x->description = strdup(desc ? desc : "");
        if (!x->description) {
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        t->n++;
        rc = 0;
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

int mg_ct_amendments_on(mg_db_conn *c, int64_t contract_id, mg_contract_amendment **out,
                        size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    struct list_tx t = {.contract_id = contract_id};
    int rc = amendments_body(c, &t, d);
    if (rc < 0) {
        mg_contract_amendments_free(t.a, t.n);
        return rc;
    }
    *out = t.a;
    *n = t.n;
    return 0;
}

int mg_contract_amendments(mg_db *db, int64_t contract_id, mg_contract_amendment **out,
                           size_t *n, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_amendments: bad arguments");
    *out = NULL;
    *n = 0;
    struct list_tx t = {.contract_id = contract_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, amendments_body, &t, d);
    if (rc < 0) {
        mg_contract_amendments_free(t.a, t.n);
        return rc;
    }
    *out = t.a;
    *n = t.n;
    return 0;
}

static int changes_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT ch.amendment_id, ch.object_type, ch.object_id, ch.field, "
                                "ch.value_before, ch.value_after FROM amendment_changes ch "
                                "JOIN contract_amendments a ON a.id = ch.amendment_id "
                                "WHERE a.contract_id = ?1 ORDER BY a.number, ch.id",
                                MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = grow((void **)&t->ch, &t->cap, t->n, sizeof *t->ch, d);
        if (rc < 0)
            break;
        mg_contract_amendment_change *x = &t->ch[t->n];
        x->amendment_id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, x->object_type, sizeof x->object_type);
        x->object_id = mg_db_column_int64(q, 2);
        mg_db_column_copy(q, 3, x->field, sizeof x->field);
        x->before = dup_or_null(q, 4);
        x->after = dup_or_null(q, 5);
        t->n++;
        if ((!x->before && !mg_db_column_is_null(q, 4)) ||
            (!x->after && !mg_db_column_is_null(q, 5))) {
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        rc = 0;
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

int mg_ct_amendment_changes_on(mg_db_conn *c, int64_t contract_id,
                               mg_contract_amendment_change **out, size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    struct list_tx t = {.contract_id = contract_id};
    int rc = changes_body(c, &t, d);
    if (rc < 0) {
        mg_contract_amendment_changes_free(t.ch, t.n);
        return rc;
    }
    *out = t.ch;
    *n = t.n;
    return 0;
}

int mg_contract_amendment_changes(mg_db *db, int64_t contract_id,
                                  mg_contract_amendment_change **out, size_t *n, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_contract_amendment_changes: bad arguments");
    *out = NULL;
    *n = 0;
    struct list_tx t = {.contract_id = contract_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, changes_body, &t, d);
    if (rc < 0) {
        mg_contract_amendment_changes_free(t.ch, t.n);
        return rc;
    }
    *out = t.ch;
    *n = t.n;
    return 0;
}
