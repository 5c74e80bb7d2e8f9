/*
 * Payments of a grant (funding/aftergrant.h; table subsidy_payments of
 * migration 009): each payment adds to its part's paid_cents in the same
 * write transaction (the part's CHECK refuses more than granted, whatever
 * runs at the same time), re-feeds the contract action's budget line
 * (mg_budget_feed_in), appends its audit entry and tells the applicant.
 * Also the day an agreement was produced, and what the window granted and
 * paid for an action, for the contract's indicators.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "contracts/budget.h"
#include "core/utf8.h"
#include "funding/aftergrant.h"
#include "funding/internal.h"
#include "parse/parse.h"

enum { CONDITIONS_MAX_CHARS = 500 };

/* --- The line a part feeds --------------------------------------------------------------- */

/* The year of "YYYY-…", or 0. */
static int year_of(const char *s)
{
    int64_t y = 0;
    if (!s || strlen(s) < 4 || mg_parse_c_int(s, 4, 2000, 2100, &y, NULL) != 0)
        return 0;
    return (int)y;
}

int mg_subsidy_feed_part(mg_db_conn *c, int64_t by, int64_t request_id, int64_t funder_id,
                         mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT COALESCE(r.action_id, 0), COALESCE(r.starts_on, ''), "
                                "COALESCE(r.filed_at, ''), r.nature, f.state, "
                                "COALESCE(f.granted_cents, 0), f.paid_cents "
                                "FROM subsidy_requests r JOIN subsidy_request_funders f "
                                "ON f.request_id = r.id WHERE r.id = ?1 AND f.funder_id = ?2",
                                MG_DB_PARAMS(MG_DB_INT(request_id), MG_DB_INT(funder_id)), &q, d);
    int64_t action = 0, granted = 0, paid = 0;
    int year = 0;
    bool is_granted = false;
    mg_budget_nature nature = MG_BUDGET_OPERATION;
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        action = mg_db_column_int64(q, 0);
        year = year_of(mg_db_column_text(q, 1));
        if (!year)
            year = year_of(mg_db_column_text(q, 2));
        if (mg_budget_nature_parse(mg_db_column_text(q, 3), &nature) != 0)
            nature = MG_BUDGET_OPERATION;
        const char *st = mg_db_column_text(q, 4);
        is_granted = st && strcmp(st, "granted") == 0;
        granted = mg_db_column_int64(q, 5);
        paid = mg_db_column_int64(q, 6);
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "request %lld has no part of funder %lld",
                         (long long)request_id, (long long)funder_id);
    }
    mg_db_finalize(q);
    if (rc < 0 || action <= 0 || !is_granted)
        return rc < 0 ? rc : 0;
    if (!year) {
        char today[11];
        mg_subsidy_today(today);
        year = year_of(today);
    }
    return mg_budget_feed_in(c, by, action, request_id, funder_id, year, nature, granted, paid,
                             d);
}

/* --- A payment ---------------------------------------------------------------------------- */

struct pay_tx {
    int64_t by, request_id, funder_id;
    const char *paid_on;           /* ISO */
    int64_t amount;
    const char *conditions;
    mg_subsidy_errors *errs;
    int64_t id;
};

/* The part as the payment needs it. */
typedef struct part_row {
    bool granted;
    int64_t granted_cents, paid_cents, applicant_id;
    char decided_on[11];
    char funder_name[MG_SUBSIDY_NAME_MAX_BYTES + 1];
    char title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
} part_row;

static int part_read(mg_db_conn *c, int64_t request_id, int64_t funder_id, part_row *p,
                     mg_diag *d)
{
    memset(p, 0, sizeof *p);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT f.state, COALESCE(f.granted_cents, 0), f.paid_cents, "
                                "COALESCE(f.decided_at, ''), r.applicant_id, o.name, r.title "
                                "FROM subsidy_request_funders f "
                                "JOIN subsidy_requests r ON r.id = f.request_id "
                                "JOIN organisations o ON o.id = f.funder_id "
                                "WHERE f.request_id = ?1 AND f.funder_id = ?2",
                                MG_DB_PARAMS(MG_DB_INT(request_id), MG_DB_INT(funder_id)), &q, d);
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        const char *st = mg_db_column_text(q, 0);
        p->granted = st && strcmp(st, "granted") == 0;
        p->granted_cents = mg_db_column_int64(q, 1);
        p->paid_cents = mg_db_column_int64(q, 2);
        char at[32];
        mg_db_column_copy(q, 3, at, sizeof at);
        snprintf(p->decided_on, sizeof p->decided_on, "%.10s", at);
        p->applicant_id = mg_db_column_int64(q, 4);
        mg_db_column_copy(q, 5, p->funder_name, sizeof p->funder_name);
        mg_db_column_copy(q, 6, p->title, sizeof p->title);
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                         "subsidy request %lld has no part of co-funder %lld",
                         (long long)request_id, (long long)funder_id);
    }
    mg_db_finalize(q);
    return rc;
}

static int pay_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct pay_tx *t = ctx;
    t->id = 0;
    t->errs->n = 0;
    part_row p;
    int rc = part_read(c, t->request_id, t->funder_id, &p, d);
    if (rc < 0)
        return rc;
    if (!p.granted) {
        mg_subsidy_errors_add(t->errs, "amount",
                              "Cette part n'est pas accordée : aucun versement ne peut être "
                              "enregistré.");
        return mg_subsidy_refuse(t->errs, d);
    }
    if (p.decided_on[0] && strcmp(t->paid_on, p.decided_on) < 0) {
        mg_subsidy_errors_add(t->errs, "paid_on",
                              "La date du versement ne peut pas précéder la décision (%s).",
                              p.decided_on);
        return mg_subsidy_refuse(t->errs, d);
    }
    int64_t left = p.granted_cents - p.paid_cents;
    if (t->amount > left) {
        char txt[64];
        mg_budget_format_cents(left, txt, sizeof txt);
        mg_subsidy_errors_add(t->errs, "amount", "Le montant dépasse le reste à verser (%s).",
                              txt);
        return mg_subsidy_refuse(t->errs, d);
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_query_int(c,
                         "INSERT INTO subsidy_payments (request_id, funder_id, paid_on, "
                         "amount_cents, conditions, created_by, created_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(t->funder_id),
                                      MG_DB_TEXT(t->paid_on), MG_DB_INT(t->amount),
                                      MG_DB_TEXT(t->conditions),
                                      t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL, MG_DB_TEXT(now)),
                         &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new payment has no id");
    if (rc < 0)
        return rc;
    /* The database keeps paid within the grant, whatever ran meanwhile. */
    int64_t changed = 0;
    rc = mg_db_run(c,
                   "UPDATE subsidy_request_funders SET paid_cents = paid_cents + ?3, "
                   "updated_at = ?4 WHERE request_id = ?1 AND funder_id = ?2 "
                   "AND state = 'granted' AND paid_cents + ?3 <= granted_cents",
                   MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(t->funder_id),
                                MG_DB_INT(t->amount), MG_DB_TEXT(now)),
                   &changed, d);
    if (rc < 0)
        return rc;
    if (changed != 1) {
        mg_subsidy_errors_add(t->errs, "amount", "Le montant dépasse le reste à verser.");
        return mg_subsidy_refuse(t->errs, d);
    }
    if ((rc = mg_subsidy_feed_part(c, t->by, t->request_id, t->funder_id, d)) < 0)
        return rc;
    char funder[24], amount[24], before[24], after[24];
    mg_subsidy_int_text(funder, t->funder_id);
    mg_subsidy_int_text(amount, t->amount);
    mg_subsidy_int_text(before, p.paid_cents);
    mg_subsidy_int_text(after, p.paid_cents + t->amount);
    const mg_audit_change ch[] = {
        {.field = "funder", .after = funder},
        {.field = "paid_on", .after = t->paid_on},
        {.field = "amount_cents", .after = amount},
        {.field = "conditions", .after = t->conditions},
        {.field = "paid_cents", .before = before, .after = after},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = p.applicant_id,
                        .object_type = "subsidy_request", .object_id = t->request_id,
                        .verb = "pay", .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
    if ((rc = mg_audit_append(c, &e, NULL, d)) < 0)
        return rc;
    char money[64], left_txt[64], body[2048];
    mg_budget_format_cents(t->amount, money, sizeof money);
    mg_budget_format_cents(left - t->amount, left_txt, sizeof left_txt);
    snprintf(body, sizeof body,
             "Bonjour,\n\n%s a enregistré un versement de %s le %s pour la demande de "
             "subvention « %s ».\nReste à verser par ce financeur : %s.\n\n"
             "Le détail est sur la page de la demande, au guichet unique.\n",
             p.funder_name, money, t->paid_on, p.title, left_txt);
    return mg_subsidy_notify_applicant(c, t->request_id, "Versement de votre subvention", body,
                                       d);
}

/* The date as typed, ISO in out; false when it is not a date. */
static bool date_iso(const char *s, char out[static 11])
{
    mg_date dt;
    mg_parse_error why;
    if (!s || mg_parse_date(s, &dt, &why) != 0)
        return false;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)dt.year % 10000u, (unsigned)dt.month % 100u,
             (unsigned)dt.day % 100u);
    return true;
}

int mg_subsidy_payment_check(const char *paid_on, const char *amount, const char *conditions,
                             char day[static 11], int64_t *cents, mg_subsidy_errors *errs,
                             mg_diag *d)
{
    mg_subsidy_errors local = {0};
    if (!errs)
        errs = &local;
    errs->n = 0;
    day[0] = 0;
    int64_t c = 0;
    if (!paid_on || !*paid_on)
        mg_subsidy_errors_add(errs, "paid_on", "La date du versement est obligatoire.");
    else if (!date_iso(paid_on, day))
        mg_subsidy_errors_add(errs, "paid_on",
                              "La date du versement doit être une date, par exemple "
                              "15/03/2026.");
    if (!amount || !*amount)
        mg_subsidy_errors_add(errs, "amount", "Le montant versé est obligatoire.");
    else if (mg_budget_parse_cents(amount, &c) != 0)
        mg_subsidy_errors_add(errs, "amount",
                              "Le montant doit être un montant en euros, par exemple 1 234,56.");
    else if (c <= 0)
        mg_subsidy_errors_add(errs, "amount", "Le montant versé doit être supérieur à zéro.");
    const char *cond = conditions ? conditions : "";
    size_t chars = 0;
    if (mg_utf8_check(cond, strlen(cond), &chars) != strlen(cond))
        mg_subsidy_errors_add(errs, "conditions", "Les conditions ne sont pas un texte lisible.");
    else if (chars > CONDITIONS_MAX_CHARS)
        mg_subsidy_errors_add(errs, "conditions",
                              "Les conditions tiennent en %d caractères au plus.",
                              (int)CONDITIONS_MAX_CHARS);
    if (cents)
        *cents = c;
    if (errs->n) {
        day[0] = 0;
        return mg_subsidy_refuse(errs, d);
    }
    return 0;
}

int mg_subsidy_pay(mg_db *db, int64_t by, int64_t request_id, int64_t funder_id,
                   const char *paid_on, const char *amount, const char *conditions,
                   int64_t *id_out, mg_subsidy_errors *errs, mg_diag *d)
{
    mg_subsidy_errors local = {0};
    if (!errs)
        errs = &local;
    errs->n = 0;
    if (id_out)
        *id_out = 0;
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_pay: bad arguments");
    if (request_id <= 0 || funder_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no such part of a subsidy request");
    char day[11] = "";
    int64_t cents = 0;
    int rc = mg_subsidy_payment_check(paid_on, amount, conditions, day, &cents, errs, d);
    if (rc < 0)
        return rc;
    struct pay_tx t = {.by = by, .request_id = request_id, .funder_id = funder_id,
                       .paid_on = day, .amount = cents, .conditions = conditions ? conditions : "",
                       .errs = errs};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, pay_body, &t, d);
    if (rc == 0 && id_out)
        *id_out = t.id;
    return rc;
}

/* --- Lists -------------------------------------------------------------------------------- */

struct list_tx {
    int64_t request_id, funder_id;
    mg_subsidy_payment *out;
    size_t n, cap;
};

static int payments_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT p.id, p.funder_id, o.name, p.paid_on, p.amount_cents, "
                                "p.conditions, p.is_example FROM subsidy_payments p "
                                "JOIN organisations o ON o.id = p.funder_id "
                                "WHERE p.request_id = ?1 AND (?2 = 0 OR p.funder_id = ?2) "
                                "ORDER BY p.paid_on, p.id",
                                MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(t->funder_id)),
                                &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            mg_subsidy_payment *p = realloc(t->out, cap * sizeof *p);
            if (!p) {
                rc = MG_ENOMEM;
                break;
            }
            t->out = p, t->cap = cap;
        }
        mg_subsidy_payment *p = &t->out[t->n++];
        memset(p, 0, sizeof *p);
        p->id = mg_db_column_int64(q, 0);
        p->request_id = t->request_id;
        p->funder_id = mg_db_column_int64(q, 1);
        mg_db_column_copy(q, 2, p->funder_name, sizeof p->funder_name);
        mg_db_column_copy(q, 3, p->paid_on, sizeof p->paid_on);
        p->amount_cents = mg_db_column_int64(q, 4);
        mg_db_column_copy(q, 5, p->conditions, sizeof p->conditions);
        p->is_example = mg_db_column_int64(q, 6) != 0;
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    /* Instalments numbered per co-funder in date order. */
    for (size_t k = 0; k < t->n; k++) {
        int nth = 1;
        for (size_t j = 0; j < k; j++)
            if (t->out[j].funder_id == t->out[k].funder_id)
                nth++;
        t->out[k].instalment = nth;
    }
    return 0;
}

int mg_subsidy_payments(mg_db *db, int64_t request_id, int64_t funder_id,
                        mg_subsidy_payment **out, size_t *n, mg_diag *d)
{
    if (!db || !out || !n || funder_id < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_payments: bad arguments");
    *out = NULL;
    *n = 0;
    struct list_tx t = {.request_id = request_id, .funder_id = funder_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, payments_body, &t, d);
    if (rc < 0 || t.n == 0) {
        free(t.out);
        return rc < 0 ? rc : 0;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}

/* --- The agreement ------------------------------------------------------------------------ */

struct agreement_tx {
    int64_t by, request_id, funder_id;
    const char *on;
};

static int agreement_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct agreement_tx *t = ctx;
    part_row p;
    int rc = part_read(c, t->request_id, t->funder_id, &p, d);
    if (rc < 0)
        return rc;
    if (!p.granted)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "agreement : cette part n'est pas accordée, il n'y a pas de "
                           "convention.");
    char before[11] = "";
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(c,
                            "SELECT COALESCE(agreement_on, '') FROM subsidy_request_funders "
                            "WHERE request_id = ?1 AND funder_id = ?2",
                            MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(t->funder_id)), &q,
                            d);
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        mg_db_column_copy(q, 0, before, sizeof before);
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    if (strcmp(before, t->on) == 0)
        return 0;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_run(c,
                   "UPDATE subsidy_request_funders SET agreement_on = ?3, updated_at = ?4 "
                   "WHERE request_id = ?1 AND funder_id = ?2",
                   MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(t->funder_id),
                                MG_DB_TEXT(t->on), MG_DB_TEXT(now)),
                   NULL, d);
    if (rc < 0)
        return rc;
    char funder[24];
    mg_subsidy_int_text(funder, t->funder_id);
    const mg_audit_change ch[] = {
        {.field = "funder", .after = funder},
        {.field = "agreement_on", .before = before[0] ? before : NULL, .after = t->on},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = p.applicant_id,
                        .object_type = "subsidy_request", .object_id = t->request_id,
                        .verb = "agreement", .changes = ch, .nchanges = 2};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_subsidy_agreement_mark(mg_db *db, int64_t by, int64_t request_id, int64_t funder_id,
                              const char *on, mg_diag *d)
{
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_agreement_mark: bad arguments");
    char day[11];
    if (!date_iso(on, day))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "agreement_on : la date de la convention doit être une date.");
    struct agreement_tx t = {.by = by, .request_id = request_id, .funder_id = funder_id,
                             .on = day};
    return mg_db_transaction(db, MG_DB_TX_WRITE, agreement_body, &t, d);
}

/* --- What an action received ---------------------------------------------------------------- */

struct amounts_tx {
    int64_t action_id;
    bool paid;
    mg_subsidy_dated_amount *out;
    size_t n, cap;
};

static int amounts_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct amounts_tx *t = ctx;
    t->n = 0;
    /* Granted: by the day of the decision (decided_at's date); paid: by
     * the payment's date. Summed as BIGINT on both databases. */
    const char *sql =
        t->paid ? "SELECT p.paid_on, CAST(SUM(p.amount_cents) AS BIGINT) "
                  "FROM subsidy_payments p JOIN subsidy_requests r ON r.id = p.request_id "
                  "WHERE r.action_id = ?1 GROUP BY p.paid_on ORDER BY p.paid_on"
                : "SELECT substr(f.decided_at, 1, 10), CAST(SUM(f.granted_cents) AS BIGINT) "
                  "FROM subsidy_request_funders f JOIN subsidy_requests r ON r.id = f.request_id "
                  "WHERE r.action_id = ?1 AND f.state = 'granted' "
                  "GROUP BY substr(f.decided_at, 1, 10) ORDER BY substr(f.decided_at, 1, 10)";
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, sql, MG_DB_PARAMS(MG_DB_INT(t->action_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            mg_subsidy_dated_amount *p = realloc(t->out, cap * sizeof *p);
            if (!p) {
                rc = MG_ENOMEM;
                break;
            }
            t->out = p, t->cap = cap;
        }
        mg_subsidy_dated_amount *a = &t->out[t->n++];
        mg_db_column_copy(q, 0, a->on, sizeof a->on);
        a->cents = mg_db_column_int64(q, 1);
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_subsidy_action_amounts(mg_db *db, int64_t action_id, bool paid,
                              mg_subsidy_dated_amount **out, size_t *n, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_action_amounts: bad arguments");
    *out = NULL;
    *n = 0;
    struct amounts_tx t = {.action_id = action_id, .paid = paid};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, amounts_body, &t, d);
    if (rc < 0 || t.n == 0) {
        free(t.out);
        return rc < 0 ? rc : 0;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}
