/*
 * Contracts as plans (contracts/contracts.h, "Issue 15"; migration 008):
 * a contract's update and signatories, its tree of axes, an action's
 * details, status transitions and lateness, its milestones and follow-up
 * notes. The checks of what people type are contracts.c's
 * (plan_internal.h); every change is one write transaction with its audit
 * entry, on the contract ("contract") or on the action ("action"), on
 * behalf of the contract's lead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "contracts/contracts.h"
#include "contracts/plan_internal.h"
#include "core/utf8.h"

#define refuse mg_ct_refuse
#define or_null mg_ct_or_null

/* "%lld" of id into buf, or "" for 0 (then stored and audited as NULL). */
static const char *id_text(char buf[static 24], int64_t id)
{
    if (id)
        snprintf(buf, 24, "%lld", (long long)id);
    else
        buf[0] = 0;
    return buf;
}

#define clear_fe mg_ct_clear_fe

/* Appends a change when before and after differ (NULL and "" alike). */
static void changed(mg_audit_change *ch, size_t *n, const char *field, const char *before,
                    const char *after)
{
    before = or_null(before);
    after = or_null(after);
    if ((!before && !after) || (before && after && strcmp(before, after) == 0))
        return;
    ch[(*n)++] = (mg_audit_change){field, before, after, false};
}

static int audit(mg_db_conn *c, int64_t by, int64_t org, const char *type, int64_t id,
                 const char *verb, const mg_audit_change *ch, size_t n, mg_diag *d)
{
    mg_audit_entry e = {.account_id = by, .organisation_id = org, .object_type = type,
                        .object_id = id, .verb = verb, .changes = ch, .nchanges = n};
    return mg_audit_append(c, &e, NULL, d);
}

/* Grows *v (of *cap elements of size sz) to hold n + 1. */
static int grow(void **v, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t cap2 = *cap ? *cap * 2 : 8;
    void *g = realloc(*v, cap2 * sz);
    if (!g)
        return MG_ENOMEM;
    *v = g;
    *cap = cap2;
    return 0;
}

/* --- The contract itself ------------------------------------------------------ */

/* The forward-only moves of a contract's status. */
static bool contract_status_allowed(mg_contract_status from, mg_contract_status to)
{
    if (from == to)
        return true;
    switch (from) {
    case MG_CONTRACT_DRAFT:
        return to == MG_CONTRACT_SIGNED || to == MG_CONTRACT_IN_FORCE;
    case MG_CONTRACT_SIGNED:
        return to == MG_CONTRACT_IN_FORCE;
    case MG_CONTRACT_IN_FORCE:
        return to == MG_CONTRACT_ENDED;
    default:
        return false;
    }
}

struct update_contract_tx {
    int64_t by, id;
    const mg_contract_input *in;
    const char *title, *territory, *starts_on, *ends_on;
    mg_contract_kind kind;
    bool keep_status;
    mg_contract_status status;
    mg_contract_field_error *fe;
};

static int update_contract_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct update_contract_tx *t = ctx;
    mg_contract old;
    int rc = mg_ct_contract_on(c, t->id, &old, d);
    if (rc < 0)
        return rc;
    mg_contract_status to = t->keep_status ? old.status : t->status;
    if (!contract_status_allowed(old.status, to))
        return refuse(t->fe, d, "status",
                      "Un contrat « %s » ne peut pas passer à « %s » : le statut avance "
                      "seulement (brouillon, signé, en vigueur, terminé).",
                      mg_contract_status_label(old.status), mg_contract_status_label(to));
    const char *kind = mg_contract_kind_key(t->kind), *status = mg_contract_status_key(to);
    mg_audit_change ch[8];
    size_t n = 0;
    changed(ch, &n, "kind", mg_contract_kind_key(old.kind), kind);
    changed(ch, &n, "title", old.title, t->title);
    changed(ch, &n, "territory", old.territory, t->territory);
    changed(ch, &n, "starts_on", old.starts_on, t->starts_on);
    changed(ch, &n, "ends_on", old.ends_on, t->ends_on);
    changed(ch, &n, "status", mg_contract_status_key(old.status), status);
    if (n == 0)
        return 0; /* nothing changed: nothing written */
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_run(c,
                   "UPDATE contracts SET kind = ?2, title = ?3, territory = ?4, starts_on = ?5, "
                   "ends_on = ?6, status = ?7, updated_at = ?8 WHERE id = ?1",
                   MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(kind), MG_DB_TEXT(t->title),
                                MG_DB_TEXT(t->territory), MG_DB_TEXT(or_null(t->starts_on)),
                                MG_DB_TEXT(or_null(t->ends_on)), MG_DB_TEXT(status),
                                MG_DB_TEXT(now)),
                   NULL, d);
    if (rc < 0)
        return rc;
    return audit(c, t->by, old.organisation_id, "contract", t->id, "update", ch, n, d);
}

int mg_contract_update(mg_db *db, int64_t by, int64_t id, const mg_contract_input *in,
                       mg_contract_field_error *fe, mg_diag *d)
{
    clear_fe(fe);
    if (!db || !in || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_update: bad arguments");
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no contract has id %lld", (long long)id);
    /* The create's checks, the status aside: empty keeps it. */
    mg_contract_input copy = *in;
    bool keep = !in->status || !in->status[0];
    if (keep)
        copy.status = NULL;
    int rc = mg_contract_input_check(&copy, fe, d);
    if (rc < 0)
        return rc;
    struct update_contract_tx t = {.by = by, .id = id, .in = in, .keep_status = keep, .fe = fe};
    if (!keep && mg_contract_status_parse(in->status, &t.status) != 0)
        return refuse(fe, d, "status", "Le statut choisi n'existe pas.");
    if (mg_contract_kind_parse(in->kind, &t.kind) != 0)
        return refuse(fe, d, "kind", "Le type de contrat choisi n'existe pas.");
    char *title = NULL;
    char territory[MG_CONTRACT_TERRITORY_MAX_BYTES + 1], starts_on[11], ends_on[11];
    rc = mg_ct_check_text(in->title, MG_CONTRACT_TITLE_MAX_CHARS, true, false, "title",
                          "Intitulé", &title, fe, d);
    if (rc == 0)
        rc = mg_ct_check_scope(in->territory, "territory", "Le territoire", territory, fe, d);
    if (rc == 0)
        rc = mg_ct_check_date(in->starts_on, "starts_on", "Début", starts_on, fe, d);
    if (rc == 0)
        rc = mg_ct_check_date(in->ends_on, "ends_on", "Fin", ends_on, fe, d);
    if (rc == 0) {
        t.title = title;
        t.territory = territory;
        t.starts_on = starts_on;
        t.ends_on = ends_on;
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, update_contract_body, &t, d);
    }
    free(title);
    return rc;
}

/* --- Signatories -------------------------------------------------------------------- */

struct signatory_tx {
    int64_t by, contract_id, org;
    mg_contract_field_error *fe;
};

static int signatory_add_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct signatory_tx *t = ctx;
    mg_contract k;
    int rc = mg_ct_contract_on(c, t->contract_id, &k, d);
    if (rc < 0)
        return rc;
    char name[MG_CONTRACT_NAME_MAX_BYTES + 1];
    rc = mg_ct_org_name(c, t->org, name, sizeof name, d);
    if (rc == MG_ENOTFOUND)
        return refuse(t->fe, d, "organisation", "L'organisation choisie n'existe pas.");
    if (rc < 0)
        return rc;
    int64_t one = 0;
    rc = mg_db_query_int(c,
                         "SELECT 1 FROM contract_signatories WHERE contract_id = ?1 "
                         "AND organisation_id = ?2",
                         MG_DB_PARAMS(MG_DB_INT(t->contract_id), MG_DB_INT(t->org)), &one, d);
    if (rc == 0)
        return refuse(t->fe, d, "organisation", "« %.*s » a déjà signé ce contrat.",
                      (int)mg_utf8_prefix(name, 120), name);
    if (rc != MG_ENOTFOUND)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_run(c,
                   "INSERT INTO contract_signatories (contract_id, organisation_id, created_at) "
                   "VALUES (?1, ?2, ?3)",
                   MG_DB_PARAMS(MG_DB_INT(t->contract_id), MG_DB_INT(t->org), MG_DB_TEXT(now)),
                   NULL, d);
    if (rc < 0)
        return rc;
    char org[24];
    mg_audit_change ch[] = {{"signatory.organisation_id", NULL, id_text(org, t->org), false}};
    return audit(c, t->by, k.organisation_id, "contract", t->contract_id, "add_signatory", ch, 1,
                 d);
}

int mg_contract_signatory_add(mg_db *db, int64_t by, int64_t contract_id, int64_t org,
                              mg_contract_field_error *fe, mg_diag *d)
{
    clear_fe(fe);
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_signatory_add: bad arguments");
    if (contract_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no contract has id %lld",
                           (long long)contract_id);
    if (org <= 0)
        return refuse(fe, d, "organisation", "Choisissez l'organisation signataire.");
    struct signatory_tx t = {by, contract_id, org, fe};
    return mg_db_transaction(db, MG_DB_TX_WRITE, signatory_add_body, &t, d);
}

static int signatory_remove_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct signatory_tx *t = ctx;
    mg_contract k;
    int rc = mg_ct_contract_on(c, t->contract_id, &k, d);
    if (rc < 0)
        return rc;
    int64_t changes = 0;
    rc = mg_db_run(c,
                   "DELETE FROM contract_signatories WHERE contract_id = ?1 "
                   "AND organisation_id = ?2",
                   MG_DB_PARAMS(MG_DB_INT(t->contract_id), MG_DB_INT(t->org)), &changes, d);
    if (rc < 0)
        return rc;
    if (changes == 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                           "organisation %lld did not sign contract %lld", (long long)t->org,
                           (long long)t->contract_id);
    char org[24];
    mg_audit_change ch[] = {{"signatory.organisation_id", id_text(org, t->org), NULL, false}};
    return audit(c, t->by, k.organisation_id, "contract", t->contract_id, "remove_signatory", ch,
                 1, d);
}

int mg_contract_signatory_remove(mg_db *db, int64_t by, int64_t contract_id, int64_t org,
                                 mg_diag *d)
{
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_contract_signatory_remove: bad arguments");
    if (contract_id <= 0 || org <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no such signatory");
    struct signatory_tx t = {by, contract_id, org, NULL};
    return mg_db_transaction(db, MG_DB_TX_WRITE, signatory_remove_body, &t, d);
}

struct signatories_tx {
    int64_t contract_id;
    mg_contract_participant *out;
    size_t n, cap;
};

static int signatories_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct signatories_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT s.organisation_id, o.name, o.kind, s.created_at, "
                                "CASE WHEN EXISTS (SELECT 1 FROM structures x "
                                "WHERE x.organisation_id = s.organisation_id) THEN 1 ELSE 0 END "
                                "FROM contract_signatories s "
                                "JOIN organisations o ON o.id = s.organisation_id "
                                "WHERE s.contract_id = ?1 ORDER BY o.name, o.id",
                                MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if ((rc = grow((void **)&t->out, &t->cap, t->n, sizeof *t->out)) < 0)
            break;
        mg_contract_participant *p = &t->out[t->n++];
        memset(p, 0, sizeof *p);
        p->organisation_id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, p->name, sizeof p->name);
        mg_db_column_copy(q, 2, p->kind, sizeof p->kind);
        mg_db_column_copy(q, 3, p->created_at, sizeof p->created_at);
        p->in_directory = mg_db_column_int64(q, 4) != 0;
        p->role = MG_PARTICIPANT_PARTNER;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_ct_signatories_on(mg_db_conn *c, int64_t contract_id, mg_contract_participant **out, size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    struct signatories_tx t = {.contract_id = contract_id};
    int rc = signatories_body(c, &t, d);
    if (rc < 0 || t.n == 0) {
        free(t.out);
        return rc;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}

int mg_contract_signatories(mg_db *db, int64_t contract_id, mg_contract_participant **out,
                            size_t *n, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_signatories: bad arguments");
    *out = NULL;
    *n = 0;
    struct signatories_tx t = {.contract_id = contract_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, signatories_body, &t, d);
    if (rc < 0 || t.n == 0) {
        free(t.out);
        return rc;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}

/* --- Axes ----------------------------------------------------------------------------- */

struct axis_tx {
    int64_t by, contract_id, parent;
    const char *title;
    mg_contract_field_error *fe;
    int64_t id;
};

static int axis_create_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct axis_tx *t = ctx;
    t->id = 0;
    mg_contract k;
    int rc = mg_ct_contract_on(c, t->contract_id, &k, d);
    if (rc < 0)
        return rc;
    if (t->parent) {
        mg_db_stmt *q = NULL;
        int64_t contract = 0, level = 0;
        rc = mg_db_prepare_with(c, "SELECT contract_id, level FROM contract_axes WHERE id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(t->parent)), &q, d);
        if (rc == 0)
            rc = mg_db_step(q, d);
        if (rc == MG_DB_ROW) {
            contract = mg_db_column_int64(q, 0);
            level = mg_db_column_int64(q, 1);
            rc = 0;
        } else if (rc == MG_DB_DONE) {
            rc = 0;
        }
        mg_db_finalize(q);
        if (rc < 0)
            return rc;
        if (contract != t->contract_id)
            return refuse(t->fe, d, "parent",
                          "L'axe parent choisi n'est pas un axe de ce contrat.");
        if (level != 1)
            return refuse(t->fe, d, "parent",
                          "Un sous-axe ne peut pas recevoir de sous-axe : choisissez un axe "
                          "de premier niveau.");
    }
    int64_t position = 0;
    rc = mg_db_query_int(c,
                         "SELECT coalesce(max(position) + 1, 0) FROM contract_axes "
                         "WHERE contract_id = ?1 AND coalesce(parent_id, 0) = ?2",
                         MG_DB_PARAMS(MG_DB_INT(t->contract_id), MG_DB_INT(t->parent)), &position,
                         d);
    if (rc == MG_ENOTFOUND)
        rc = 0, position = 0;
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_query_int(c,
                         "INSERT INTO contract_axes (contract_id, level, parent_id, parent_level, "
                         "position, title, created_at, updated_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->contract_id), MG_DB_INT(t->parent ? 2 : 1),
                                      t->parent ? MG_DB_INT(t->parent) : MG_DB_NULL,
                                      t->parent ? MG_DB_INT(1) : MG_DB_NULL,
                                      MG_DB_INT(position), MG_DB_TEXT(t->title), MG_DB_TEXT(now)),
                         &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new axis has no id");
    if (rc < 0)
        return rc;
    char axis[24], parent[24];
    mg_audit_change ch[] = {
        {"axis.id", NULL, id_text(axis, t->id), false},
        {"axis.parent_id", NULL, or_null(id_text(parent, t->parent)), false},
        {"axis.title", NULL, t->title, false},
    };
    return audit(c, t->by, k.organisation_id, "contract", t->contract_id, "add_axis", ch, 3, d);
}

int mg_contract_axis_create(mg_db *db, int64_t by, int64_t contract_id, int64_t parent,
                            const char *title, int64_t *id_out, mg_contract_field_error *fe,
                            mg_diag *d)
{
    clear_fe(fe);
    if (id_out)
        *id_out = 0;
    if (!db || by < 0 || parent < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_axis_create: bad arguments");
    if (contract_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no contract has id %lld",
                           (long long)contract_id);
    char *t_title = NULL;
    int rc = mg_ct_check_text(title, MG_CONTRACT_TITLE_MAX_CHARS, true, false, "title",
                              "Intitulé de l'axe", &t_title, fe, d);
    if (rc < 0)
        return rc;
    struct axis_tx t = {by, contract_id, parent, t_title, fe, 0};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, axis_create_body, &t, d);
    free(t_title);
    if (rc == 0 && id_out)
        *id_out = t.id;
    return rc;
}

struct axes_tx {
    int64_t contract_id;
    mg_contract_axis *out;
    size_t n, cap;
};

static int axes_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct axes_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    /* Tree order: a sub-axis sorts under its parent (its parent's position
     * and id), after it (level). */
    int rc = mg_db_prepare_with(c,
                                "SELECT x.id, x.contract_id, coalesce(x.parent_id, 0), x.level, "
                                "x.position, x.title FROM contract_axes x "
                                "LEFT JOIN contract_axes p ON p.id = x.parent_id "
                                "WHERE x.contract_id = ?1 "
                                "ORDER BY coalesce(p.position, x.position), "
                                "coalesce(p.id, x.id), x.level, x.position, x.id",
                                MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &q, d);
    int top = 0, sub = 0;
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if ((rc = grow((void **)&t->out, &t->cap, t->n, sizeof *t->out)) < 0)
            break;
        mg_contract_axis *x = &t->out[t->n++];
        memset(x, 0, sizeof *x);
        x->id = mg_db_column_int64(q, 0);
        x->contract_id = mg_db_column_int64(q, 1);
        x->parent_id = mg_db_column_int64(q, 2);
        x->level = (int)mg_db_column_int64(q, 3);
        x->position = (int)mg_db_column_int64(q, 4);
        mg_db_column_copy(q, 5, x->title, sizeof x->title);
        if (x->level == 1) {
            top++;
            sub = 0;
            snprintf(x->number, sizeof x->number, "%d", top % 100000);
        } else {
            sub++;
            snprintf(x->number, sizeof x->number, "%d.%d", top % 100000, sub % 100000);
        }
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_ct_axes_on(mg_db_conn *c, int64_t contract_id, mg_contract_axis **out, size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    struct axes_tx t = {.contract_id = contract_id};
    int rc = axes_body(c, &t, d);
    if (rc < 0 || t.n == 0) {
        free(t.out);
        return rc;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}

int mg_contract_axes(mg_db *db, int64_t contract_id, mg_contract_axis **out, size_t *n,
                     mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_axes: bad arguments");
    *out = NULL;
    *n = 0;
    struct axes_tx t = {.contract_id = contract_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, axes_body, &t, d);
    if (rc < 0 || t.n == 0) {
        free(t.out);
        return rc;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}

/* --- Actions: details ------------------------------------------------------------------- */

/* The lead of the contract of an action read. */
static int lead_of(mg_db_conn *c, const mg_contract_action *a, int64_t *lead, mg_diag *d)
{
    return mg_db_query_int(c, "SELECT organisation_id FROM contracts WHERE id = ?1",
                           MG_DB_PARAMS(MG_DB_INT(a->contract_id)), lead, d);
}

struct action_update_tx {
    int64_t by, id;
    const mg_ct_action_checked *k;
    mg_contract_field_error *fe;
};

static int action_update_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct action_update_tx *t = ctx;
    const mg_ct_action_checked *k = t->k;
    mg_contract_action old = {0};
    int rc = mg_ct_action_on(c, t->id, &old, d);
    int64_t lead = 0;
    if (rc == 0)
        rc = lead_of(c, &old, &lead, d);
    if (rc == 0)
        rc = mg_ct_action_refs(c, old.contract_id, k, t->fe, d);
    if (rc < 0) {
        mg_contract_action_clear(&old);
        return rc;
    }
    char a0[24], a1[24], s0[24], s1[24], p0[4], p1[4];
    snprintf(p0, sizeof p0, "%d", old.priority);
    snprintf(p1, sizeof p1, "%d", k->priority);
    mg_audit_change ch[16];
    size_t n = 0;
    changed(ch, &n, "title", old.title, k->title);
    changed(ch, &n, "description", old.description, k->description);
    changed(ch, &n, "starts_on", old.starts_on, k->starts_on);
    changed(ch, &n, "due_on", old.due_on, k->due_on);
    changed(ch, &n, "axis_id", id_text(a0, old.axis_id), id_text(a1, k->axis_id));
    changed(ch, &n, "objectives", old.objectives, k->objectives);
    changed(ch, &n, "contact_role", old.contact_role, k->contact_role);
    changed(ch, &n, "target_publics", old.target_publics, k->target_publics);
    changed(ch, &n, "target_communes", old.target_communes, k->target_communes);
    changed(ch, &n, "priority", p0, p1);
    changed(ch, &n, "scenario_id", id_text(s0, old.scenario_id), id_text(s1, k->scenario_id));
    if (n == 0) {
        mg_contract_action_clear(&old);
        return 0;
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    rc = mg_db_timestamp(now, d);
    if (rc == 0)
        rc = mg_db_run(c,
                       "UPDATE contract_actions SET title = ?2, description = ?3, starts_on = ?4, "
                       "due_on = ?5, axis_id = ?6, objectives = ?7, contact_role = ?8, "
                       "target_publics = ?9, target_communes = ?10, priority = ?11, "
                       "scenario_id = ?12, updated_at = ?13 WHERE id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(k->title),
                                    MG_DB_TEXT(k->description), MG_DB_TEXT(or_null(k->starts_on)),
                                    MG_DB_TEXT(or_null(k->due_on)),
                                    k->axis_id ? MG_DB_INT(k->axis_id) : MG_DB_NULL,
                                    MG_DB_TEXT(k->objectives), MG_DB_TEXT(k->contact_role),
                                    MG_DB_TEXT(k->target_publics), MG_DB_TEXT(k->target_communes),
                                    MG_DB_INT(k->priority),
                                    k->scenario_id ? MG_DB_INT(k->scenario_id) : MG_DB_NULL,
                                    MG_DB_TEXT(now)),
                       NULL, d);
    if (rc == 0)
        rc = audit(c, t->by, lead, "action", t->id, "update", ch, n, d);
    mg_contract_action_clear(&old);
    return rc;
}

int mg_contract_action_update(mg_db *db, int64_t by, int64_t action_id,
                              const mg_contract_action_input *in, mg_contract_field_error *fe,
                              mg_diag *d)
{
    clear_fe(fe);
    if (!db || !in || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_action_update: bad arguments");
    if (action_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no action has id %lld",
                           (long long)action_id);
    mg_contract_action_input copy = *in;
    copy.status = NULL; /* changed by mg_contract_action_set_status only */
    mg_ct_action_checked k;
    int rc = mg_ct_action_check(&copy, &k, fe, d);
    if (rc < 0)
        return rc;
    struct action_update_tx t = {by, action_id, &k, fe};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, action_update_body, &t, d);
    mg_ct_action_checked_free(&k);
    return rc;
}

/* --- Actions: status and lateness ---------------------------------------------------------- */

bool mg_action_status_allowed(mg_action_status from, mg_action_status to)
{
    /* The rows of action_status_transitions (migration 008). */
    static const bool allowed[MG_ACTION_STATUSES][MG_ACTION_STATUSES] = {
        [MG_ACTION_PLANNED] = {[MG_ACTION_IN_PROGRESS] = true, [MG_ACTION_ABANDONED] = true},
        [MG_ACTION_IN_PROGRESS] = {[MG_ACTION_DONE] = true, [MG_ACTION_PAUSED] = true,
                                   [MG_ACTION_ABANDONED] = true},
        [MG_ACTION_PAUSED] = {[MG_ACTION_IN_PROGRESS] = true, [MG_ACTION_ABANDONED] = true},
        [MG_ACTION_DONE] = {[MG_ACTION_IN_PROGRESS] = true},
    };
    if ((int)from < 0 || from >= MG_ACTION_STATUSES || (int)to < 0 || to >= MG_ACTION_STATUSES)
        return false;
    return allowed[from][to];
}

struct status_tx {
    int64_t by, id;
    mg_action_status to;
    mg_contract_field_error *fe;
};

/* "« En cours »" and "« En pause »"… of the statuses allowed after from. */
static void allowed_list(mg_action_status from, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = 0;
    for (int s = 0; s < MG_ACTION_STATUSES; s++)
        if (mg_action_status_allowed(from, (mg_action_status)s) && at < cap)
            at += (size_t)snprintf(out + at, cap - at, "%s« %s »", at ? ", " : "",
                                   mg_action_status_label((mg_action_status)s));
}

static int status_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct status_tx *t = ctx;
    mg_contract_action old = {0};
    int rc = mg_ct_action_on(c, t->id, &old, d);
    int64_t lead = 0;
    if (rc == 0)
        rc = lead_of(c, &old, &lead, d);
    mg_action_status from = old.status;
    mg_contract_action_clear(&old);
    if (rc < 0)
        return rc;
    if (!mg_action_status_allowed(from, t->to)) {
        char next[160];
        allowed_list(from, next, sizeof next);
        if (from == t->to)
            return refuse(t->fe, d, "status", "L'action est déjà « %s ».",
                          mg_action_status_label(from));
        return refuse(t->fe, d, "status",
                      "Une action « %s » ne peut pas passer à « %s »%s%s.",
                      mg_action_status_label(from), mg_action_status_label(t->to),
                      next[0] ? " ; elle peut passer à " : "", next);
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_run(c, "UPDATE contract_actions SET status = ?2, updated_at = ?3 WHERE id = ?1",
                   MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(mg_action_status_key(t->to)),
                                MG_DB_TEXT(now)),
                   NULL, d);
    if (rc < 0)
        return rc;
    mg_audit_change ch[] = {
        {"status", mg_action_status_key(from), mg_action_status_key(t->to), false}};
    return audit(c, t->by, lead, "action", t->id, "set_status", ch, 1, d);
}

int mg_contract_action_set_status(mg_db *db, int64_t by, int64_t action_id, mg_action_status to,
                                  mg_contract_field_error *fe, mg_diag *d)
{
    clear_fe(fe);
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_contract_action_set_status: bad arguments");
    if ((int)to < 0 || to >= MG_ACTION_STATUSES)
        return refuse(fe, d, "status", "Le statut choisi n'existe pas.");
    if (action_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no action has id %lld",
                           (long long)action_id);
    struct status_tx t = {by, action_id, to, fe};
    return mg_db_transaction(db, MG_DB_TX_WRITE, status_body, &t, d);
}

bool mg_contract_action_is_late(const mg_contract_action *a, const char *today)
{
    if (!a || !today || !today[0])
        return false;
    if (a->status == MG_ACTION_DONE || a->status == MG_ACTION_ABANDONED)
        return false;
    return a->due_on[0] && strcmp(a->due_on, today) < 0;
}

/* --- Milestones --------------------------------------------------------------------------- */

struct milestone_tx {
    int64_t by, action_id, id;
    const char *title, *due_on, *done_on;
    bool done;
};

static int milestone_add_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct milestone_tx *t = ctx;
    t->id = 0;
    mg_contract_action a = {0};
    int rc = mg_ct_action_on(c, t->action_id, &a, d);
    int64_t lead = 0;
    if (rc == 0)
        rc = lead_of(c, &a, &lead, d);
    mg_contract_action_clear(&a);
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_query_int(c,
                         "INSERT INTO action_milestones (action_id, title, due_on, created_at, "
                         "updated_at) VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->action_id), MG_DB_TEXT(t->title),
                                      MG_DB_TEXT(or_null(t->due_on)), MG_DB_TEXT(now)),
                         &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new milestone has no id");
    if (rc < 0)
        return rc;
    char id[24];
    mg_audit_change ch[] = {
        {"milestone.id", NULL, id_text(id, t->id), false},
        {"milestone.title", NULL, t->title, false},
        {"milestone.due_on", NULL, or_null(t->due_on), false},
    };
    return audit(c, t->by, lead, "action", t->action_id, "add_milestone", ch, 3, d);
}

int mg_contract_milestone_add(mg_db *db, int64_t by, int64_t action_id, const char *title,
                              const char *due_on, int64_t *id_out, mg_contract_field_error *fe,
                              mg_diag *d)
{
    clear_fe(fe);
    if (id_out)
        *id_out = 0;
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_milestone_add: bad arguments");
    if (action_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no action has id %lld",
                           (long long)action_id);
    char *t_title = NULL, due[11];
    int rc = mg_ct_check_text(title, MG_CONTRACT_TITLE_MAX_CHARS, true, false, "title",
                              "Intitulé de l'étape", &t_title, fe, d);
    if (rc == 0)
        rc = mg_ct_check_date(due_on, "due_on", "Échéance", due, fe, d);
    if (rc == 0) {
        struct milestone_tx t = {.by = by, .action_id = action_id, .title = t_title,
                                 .due_on = due};
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, milestone_add_body, &t, d);
        if (rc == 0 && id_out)
            *id_out = t.id;
    }
    free(t_title);
    return rc;
}

static int milestone_done_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct milestone_tx *t = ctx;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT m.action_id, m.done_on, c.organisation_id "
                                "FROM action_milestones m "
                                "JOIN contract_actions a ON a.id = m.action_id "
                                "JOIN contracts c ON c.id = a.contract_id WHERE m.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    char before[11] = "";
    int64_t lead = 0;
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        t->action_id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, before, sizeof before);
        lead = mg_db_column_int64(q, 2);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no milestone has id %lld",
                         (long long)t->id);
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    const char *after = t->done ? t->done_on : "";
    if (strcmp(before, after) == 0)
        return 0;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_run(c, "UPDATE action_milestones SET done_on = ?2, updated_at = ?3 WHERE id = ?1",
                   MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(or_null(after)), MG_DB_TEXT(now)),
                   NULL, d);
    if (rc < 0)
        return rc;
    char id[24];
    mg_audit_change ch[] = {
        {"milestone.id", id_text(id, t->id), id, false},
        {"milestone.done_on", or_null(before), or_null(after), false},
    };
    return audit(c, t->by, lead, "action", t->action_id,
                 t->done ? "milestone_done" : "milestone_undone", ch, 2, d);
}

int mg_contract_milestone_set_done(mg_db *db, int64_t by, int64_t id, bool done,
                                   const char *done_on, mg_contract_field_error *fe, mg_diag *d)
{
    clear_fe(fe);
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_contract_milestone_set_done: bad arguments");
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no milestone has id %lld",
                           (long long)id);
    char on[11] = "";
    if (done) {
        int rc = mg_ct_check_date(done_on, "done_on", "Réalisée le", on, fe, d);
        if (rc < 0)
            return rc;
        if (!on[0])
            mg_contract_today(on);
    }
    struct milestone_tx t = {.by = by, .id = id, .done = done, .done_on = on};
    return mg_db_transaction(db, MG_DB_TX_WRITE, milestone_done_body, &t, d);
}

struct milestones_tx {
    int64_t action_id;
    mg_contract_milestone *out;
    size_t n, cap;
};

static int milestones_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct milestones_tx *t = ctx;
    t->n = 0;
    char today[11];
    mg_contract_today(today);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT id, action_id, title, due_on, done_on "
                                "FROM action_milestones WHERE action_id = ?1 "
                                "ORDER BY CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, id",
                                MG_DB_PARAMS(MG_DB_INT(t->action_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if ((rc = grow((void **)&t->out, &t->cap, t->n, sizeof *t->out)) < 0)
            break;
        mg_contract_milestone *m = &t->out[t->n++];
        memset(m, 0, sizeof *m);
        m->id = mg_db_column_int64(q, 0);
        m->action_id = mg_db_column_int64(q, 1);
        mg_db_column_copy(q, 2, m->title, sizeof m->title);
        mg_db_column_copy(q, 3, m->due_on, sizeof m->due_on);
        mg_db_column_copy(q, 4, m->done_on, sizeof m->done_on);
        m->late = !m->done_on[0] && m->due_on[0] && strcmp(m->due_on, today) < 0;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_contract_milestones(mg_db *db, int64_t action_id, mg_contract_milestone **out, size_t *n,
                           mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_milestones: bad arguments");
    *out = NULL;
    *n = 0;
    struct milestones_tx t = {.action_id = action_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, milestones_body, &t, d);
    if (rc < 0 || t.n == 0) {
        free(t.out);
        return rc;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}

/* --- Follow-up notes ------------------------------------------------------------------------ */

struct note_tx {
    int64_t by, action_id, id;
    const char *noted_on, *body;
};

static int note_add_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct note_tx *t = ctx;
    t->id = 0;
    mg_contract_action a = {0};
    int rc = mg_ct_action_on(c, t->action_id, &a, d);
    int64_t lead = 0;
    if (rc == 0)
        rc = lead_of(c, &a, &lead, d);
    mg_contract_action_clear(&a);
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_query_int(c,
                         "INSERT INTO action_notes (action_id, noted_on, body, account_id, "
                         "created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->action_id), MG_DB_TEXT(t->noted_on),
                                      MG_DB_TEXT(t->body),
                                      t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL, MG_DB_TEXT(now)),
                         &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new note has no id");
    if (rc < 0)
        return rc;
    char id[24];
    mg_audit_change ch[] = {
        {"note.id", NULL, id_text(id, t->id), false},
        {"note.noted_on", NULL, t->noted_on, false},
        {"note.body", NULL, t->body, false},
    };
    return audit(c, t->by, lead, "action", t->action_id, "add_note", ch, 3, d);
}

int mg_contract_note_add(mg_db *db, int64_t by, int64_t action_id, const char *noted_on,
                         const char *body, int64_t *id_out, mg_contract_field_error *fe,
                         mg_diag *d)
{
    clear_fe(fe);
    if (id_out)
        *id_out = 0;
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_note_add: bad arguments");
    if (action_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no action has id %lld",
                           (long long)action_id);
    char on[11], *text = NULL;
    int rc = mg_ct_check_date(noted_on, "noted_on", "Date", on, fe, d);
    if (rc == 0)
        rc = mg_ct_check_text(body, MG_CONTRACT_DESCRIPTION_MAX_CHARS, true, true, "body",
                              "Note", &text, fe, d);
    if (rc == 0) {
        if (!on[0])
            mg_contract_today(on);
        struct note_tx t = {.by = by, .action_id = action_id, .noted_on = on, .body = text};
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, note_add_body, &t, d);
        if (rc == 0 && id_out)
            *id_out = t.id;
    }
    free(text);
    return rc;
}

void mg_contract_notes_free(mg_contract_note *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i].body);
    free(v);
}

struct notes_tx {
    int64_t action_id;
    mg_contract_note *out;
    size_t n, cap;
};

static int notes_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct notes_tx *t = ctx;
    for (size_t i = 0; i < t->n; i++)
        free(t->out[i].body);
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT n.id, n.action_id, n.noted_on, n.body, "
                                "coalesce(ac.display_name, ''), n.created_at "
                                "FROM action_notes n LEFT JOIN accounts ac ON ac.id = n.account_id "
                                "WHERE n.action_id = ?1 ORDER BY n.noted_on DESC, n.id DESC",
                                MG_DB_PARAMS(MG_DB_INT(t->action_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if ((rc = grow((void **)&t->out, &t->cap, t->n, sizeof *t->out)) < 0)
            break;
        mg_contract_note *m = &t->out[t->n];
        memset(m, 0, sizeof *m);
        m->id = mg_db_column_int64(q, 0);
        m->action_id = mg_db_column_int64(q, 1);
        mg_db_column_copy(q, 2, m->noted_on, sizeof m->noted_on);
        const char *body = mg_db_column_text(q, 3);
        m->body = strdup(body ? body : "");
        if (!m->body) {
            rc = MG_ENOMEM;
            break;
        }
        mg_db_column_copy(q, 4, m->author, sizeof m->author);
        mg_db_column_copy(q, 5, m->created_at, sizeof m->created_at);
        t->n++;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_contract_notes(mg_db *db, int64_t action_id, mg_contract_note **out, size_t *n,
                      mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_notes: bad arguments");
    *out = NULL;
    *n = 0;
    struct notes_tx t = {.action_id = action_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, notes_body, &t, d);
    if (rc < 0 || t.n == 0) {
        mg_contract_notes_free(t.out, t.n);
        return rc;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}
