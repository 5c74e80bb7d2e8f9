/*
 * The final report of a granted request (funding/aftergrant.h; tables
 * subsidy_reports, subsidy_report_lines and subsidy_reminders of
 * migration 009): the CERFA "compte rendu financier", the actual expenses
 * and resources in the budget's accounts, due
 * MG_SUBSIDY_REPORT_DELAY_MONTHS after the project's end; the reminders to
 * the applicant (each kind once per request, by the reminders' primary
 * key) and the late list of a co-funder or a lead.
 *
 * A report row exists once a part is granted: mg_subsidy_report_ensure in
 * the grant's transaction, and, should a grant have been recorded without
 * it, created by the report's reads, the late list and the reminders.
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

enum {
    COMMENTS_MAX_CHARS = 8000,
    LABEL_MAX_CHARS = 200,
    REMIND_BEFORE_DAYS = 30,       /* "report_soon" this many days before the due day */
    REMIND_LATE_DAYS = 30,         /* "report_late" this many days after it */
    GAP_PERCENT = 10,              /* comments required past this gap with the budget */
};

/* --- Days ---------------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* An ISO date "YYYY-MM-DD" as read by mg_parse_date; false otherwise. */
static bool iso_date(const char *s, mg_date *out)
{
    mg_parse_error why;
    return s && strlen(s) == 10 && s[4] == '-' && mg_parse_date(s, out, &why) == 0;
}

static int64_t day_number(const mg_date *dt)
{
    return days_from_civil(dt->year, dt->month, dt->day);
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* `from` plus `months` months, on the month's last day when the day does
 * not exist in it (2025-08-31 + 6 → 2026-02-28). */
static void add_months(const mg_date *from, int months, char out[static 11])
{
    int m0 = from->month - 1 + months;
    int y = from->year + m0 / 12;
    int m = m0 % 12 + 1;
    int d = from->day;
    if (d > month_days(y, m))
        d = month_days(y, m);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
}

/* --- Creating the report --------------------------------------------------------------------- */

int mg_subsidy_report_ensure(mg_db_conn *c, int64_t request_id, mg_diag *d)
{
    int64_t there = 0, granted = 0;
    int rc = mg_db_query_int(c, "SELECT count(*) FROM subsidy_reports WHERE request_id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(request_id)), &there, d);
    if (rc == 0 && !there)
        rc = mg_db_query_int(c,
                             "SELECT count(*) FROM subsidy_request_funders "
                             "WHERE request_id = ?1 AND state = 'granted'",
                             MG_DB_PARAMS(MG_DB_INT(request_id)), &granted, d);
    if (rc < 0 || there || !granted)
        return rc < 0 ? rc : 0;
    char ends[11] = "", starts[11] = "", filed[32] = "", due[11] = "";
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(c,
                            "SELECT COALESCE(ends_on, ''), COALESCE(starts_on, ''), "
                            "COALESCE(filed_at, '') FROM subsidy_requests WHERE id = ?1",
                            MG_DB_PARAMS(MG_DB_INT(request_id)), &q, d);
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        mg_db_column_copy(q, 0, ends, sizeof ends);
        mg_db_column_copy(q, 1, starts, sizeof starts);
        mg_db_column_copy(q, 2, filed, sizeof filed);
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy request has id %lld",
                         (long long)request_id);
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    /* The project's end; failing it (a filed request has one) its start,
     * then the day it was filed, then today. */
    mg_date end;
    char today[11];
    mg_subsidy_today(today);
    char filed_day[11];
    snprintf(filed_day, sizeof filed_day, "%.10s", filed);
    if (!iso_date(ends, &end) && !iso_date(starts, &end) && !iso_date(filed_day, &end) &&
        !iso_date(today, &end))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "request %lld: no date to count from",
                           (long long)request_id);
    add_months(&end, MG_SUBSIDY_REPORT_DELAY_MONTHS, due);
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    return mg_db_run(c,
                     "INSERT INTO subsidy_reports (request_id, due_on, updated_at) "
                     "VALUES (?1, ?2, ?3) ON CONFLICT (request_id) DO NOTHING",
                     MG_DB_PARAMS(MG_DB_INT(request_id), MG_DB_TEXT(due), MG_DB_TEXT(now)),
                     NULL, d);
}

/* Creates the missing reports of every granted request (a grant recorded
 * without mg_subsidy_report_ensure): one read to know, one write when
 * some are missing. */
#define MISSING_SQL                                                                              \
    "SELECT DISTINCT f.request_id FROM subsidy_request_funders f WHERE f.state = 'granted' "     \
    "AND NOT EXISTS (SELECT 1 FROM subsidy_reports s WHERE s.request_id = f.request_id) "        \
    "ORDER BY f.request_id"

struct missing_tx {
    int64_t *ids;
    size_t n, cap;
    bool write;
};

static int missing_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct missing_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, MISSING_SQL, MG_DB_NO_PARAMS, &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 16;
            int64_t *p = realloc(t->ids, cap * sizeof *p);
            if (!p) {
                rc = MG_ENOMEM;
                break;
            }
            t->ids = p, t->cap = cap;
        }
        t->ids[t->n++] = mg_db_column_int64(q, 0);
    }
    mg_db_finalize(q);
    for (size_t k = 0; rc >= 0 && t->write && k < t->n; k++)
        rc = mg_subsidy_report_ensure(c, t->ids[k], d);
    return rc < 0 ? rc : 0;
}

static int ensure_missing(mg_db *db, mg_diag *d)
{
    struct missing_tx t = {0};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, missing_body, &t, d);
    if (rc == 0 && t.n) {
        t.write = true;
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, missing_body, &t, d);
    }
    free(t.ids);
    return rc;
}

/* --- Reading it --------------------------------------------------------------------------- */

void mg_subsidy_report_clear(mg_subsidy_report *r)
{
    if (!r)
        return;
    free(r->comments);
    free(r->lines);
    memset(r, 0, sizeof *r);
}

/* The report of request_id on c into out (cleared first); MG_ENOTFOUND none. */
static int report_read_on(mg_db_conn *c, int64_t request_id, mg_subsidy_report *out, mg_diag *d)
{
    mg_subsidy_report_clear(out);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT due_on, comments, total_expenses_cents, "
                                "total_resources_cents, COALESCE(filed_at, ''), "
                                "COALESCE(filed_by, 0) FROM subsidy_reports WHERE request_id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(request_id)), &q, d);
    bool found = false;
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        found = true;
        out->request_id = request_id;
        mg_db_column_copy(q, 0, out->due_on, sizeof out->due_on);
        const char *cm = mg_db_column_text(q, 1);
        out->comments = strdup(cm ? cm : "");
        if (!out->comments)
            rc = MG_ENOMEM;
        out->total_expenses_cents = mg_db_column_int64(q, 2);
        out->total_resources_cents = mg_db_column_int64(q, 3);
        mg_db_column_copy(q, 4, out->filed_at, sizeof out->filed_at);
        out->filed_by = mg_db_column_int64(q, 5);
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    if (!found)
        return MG_ENOTFOUND;
    size_t cap = 0;
    rc = mg_db_prepare_with(c,
                            "SELECT id, side, account, label, amount_cents FROM "
                            "subsidy_report_lines WHERE request_id = ?1 ORDER BY position, id",
                            MG_DB_PARAMS(MG_DB_INT(request_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (out->nlines == cap) {
            cap = cap ? cap * 2 : 16;
            mg_subsidy_line *p = realloc(out->lines, cap * sizeof *p);
            if (!p) {
                rc = MG_ENOMEM;
                break;
            }
            out->lines = p;
        }
        mg_subsidy_line *l = &out->lines[out->nlines++];
        memset(l, 0, sizeof *l);
        l->id = mg_db_column_int64(q, 0);
        if (mg_subsidy_side_parse(mg_db_column_text(q, 1), &l->side) != 0)
            l->side = MG_SUBSIDY_EXPENSE;
        mg_db_column_copy(q, 2, l->account, sizeof l->account);
        mg_db_column_copy(q, 3, l->label, sizeof l->label);
        l->amount_cents = mg_db_column_int64(q, 4);
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

struct get_tx {
    int64_t request_id;
    bool write;                    /* create it when missing */
    mg_subsidy_report *out;
};

static int get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct get_tx *t = ctx;
    int rc = t->write ? mg_subsidy_report_ensure(c, t->request_id, d) : 0;
    if (rc == 0)
        rc = report_read_on(c, t->request_id, t->out, d);
    return rc;
}

int mg_subsidy_report_get(mg_db *db, int64_t request_id, mg_subsidy_report *out, mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_report_get: bad arguments");
    memset(out, 0, sizeof *out);
    struct get_tx t = {.request_id = request_id, .out = out};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, get_body, &t, d);
    if (rc == MG_ENOTFOUND) {
        t.write = true;
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, get_body, &t, d);
    }
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                         "subsidy request %lld has no final report (no part granted)",
                         (long long)request_id);
    if (rc < 0)
        mg_subsidy_report_clear(out);
    return rc;
}

/* --- Saving and filing it ------------------------------------------------------------------ */

/* A line as checked. */
typedef struct line_ok {
    const mg_subsidy_account *acc;
    const char *label;
    int64_t cents;
    size_t pos;                    /* its index among the lines typed */
} line_ok;

struct save_tx {
    int64_t by, request_id;
    const line_ok *lines;
    size_t n;
    const char *comments;
    bool file;
    int64_t expenses, resources;
    mg_subsidy_errors *errs;
};

/* True when actual differs from planned by more than GAP_PERCENT %. */
static bool gap(int64_t actual, int64_t planned)
{
    int64_t diff = actual > planned ? actual - planned : planned - actual;
    if (planned <= 0)
        return diff > 0;
    /* diff / planned > 10 %, in integers (amounts stay below 10^14). */
    return diff * 100 > planned * GAP_PERCENT;
}

static int save_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct save_tx *t = ctx;
    t->errs->n = 0;
    int rc = mg_subsidy_report_ensure(c, t->request_id, d);
    mg_subsidy_report before = {0};
    if (rc == 0)
        rc = report_read_on(c, t->request_id, &before, d);
    if (rc == MG_ENOTFOUND) {
        mg_subsidy_errors_add(t->errs, "report",
                              "Aucune part de cette demande n'est accordée : il n'y a pas de "
                              "compte rendu à déposer.");
        return mg_subsidy_refuse(t->errs, d);
    }
    if (rc < 0) {
        mg_subsidy_report_clear(&before);
        return rc;
    }
    bool filed = before.filed_at[0] != 0;
    char filed_on[11];
    snprintf(filed_on, sizeof filed_on, "%.10s", before.filed_at);
    char old_exp[24], old_res[24];
    mg_subsidy_int_text(old_exp, before.total_expenses_cents);
    mg_subsidy_int_text(old_res, before.total_resources_cents);
    mg_subsidy_report_clear(&before);
    if (filed) {
        mg_subsidy_errors_add(t->errs, "report",
                              "Le compte rendu a déjà été déposé le %s : il ne se modifie plus.",
                              filed_on);
        return mg_subsidy_refuse(t->errs, d);
    }
    int64_t planned_exp = 0, planned_res = 0, applicant = 0;
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(c,
                            "SELECT total_expenses_cents, total_resources_cents, applicant_id "
                            "FROM subsidy_requests WHERE id = ?1",
                            MG_DB_PARAMS(MG_DB_INT(t->request_id)), &q, d);
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        planned_exp = mg_db_column_int64(q, 0);
        planned_res = mg_db_column_int64(q, 1);
        applicant = mg_db_column_int64(q, 2);
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    if (t->file && !t->comments[0] &&
        (gap(t->expenses, planned_exp) || gap(t->resources, planned_res))) {
        char pe[64], ae[64], pr[64], ar[64];
        mg_budget_format_cents(planned_exp, pe, sizeof pe);
        mg_budget_format_cents(t->expenses, ae, sizeof ae);
        mg_budget_format_cents(planned_res, pr, sizeof pr);
        mg_budget_format_cents(t->resources, ar, sizeof ar);
        mg_subsidy_errors_add(t->errs, "comments",
                              "Les réalisations s'écartent de plus de %d %% du budget prévu "
                              "(charges %s pour %s prévus, produits %s pour %s prévus) : "
                              "expliquez les écarts en commentaire.",
                              (int)GAP_PERCENT, ae, pe, ar, pr);
        return mg_subsidy_refuse(t->errs, d);
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_run(c, "DELETE FROM subsidy_report_lines WHERE request_id = ?1",
                   MG_DB_PARAMS(MG_DB_INT(t->request_id)), NULL, d);
    for (size_t k = 0; rc == 0 && k < t->n; k++)
        rc = mg_db_run(c,
                       "INSERT INTO subsidy_report_lines (request_id, side, account, label, "
                       "amount_cents, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                       MG_DB_PARAMS(MG_DB_INT(t->request_id),
                                    MG_DB_TEXT(mg_subsidy_side_key(t->lines[k].acc->side)),
                                    MG_DB_TEXT(t->lines[k].acc->code),
                                    MG_DB_TEXT(t->lines[k].label), MG_DB_INT(t->lines[k].cents),
                                    MG_DB_INT((int64_t)t->lines[k].pos)),
                       NULL, d);
    if (rc == 0)
        rc = mg_db_run(c,
                       "UPDATE subsidy_reports SET comments = ?2, total_expenses_cents = ?3, "
                       "total_resources_cents = ?4, updated_at = ?5, "
                       "filed_at = CASE WHEN ?6 = 1 THEN ?5 ELSE filed_at END, "
                       "filed_by = CASE WHEN ?6 = 1 THEN ?7 ELSE filed_by END "
                       "WHERE request_id = ?1 AND filed_at IS NULL",
                       MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_TEXT(t->comments),
                                    MG_DB_INT(t->expenses), MG_DB_INT(t->resources),
                                    MG_DB_TEXT(now), MG_DB_INT(t->file ? 1 : 0),
                                    t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL),
                       NULL, d);
    if (rc < 0)
        return rc;
    char exp[24], res[24], nlines[24];
    mg_subsidy_int_text(exp, t->expenses);
    mg_subsidy_int_text(res, t->resources);
    mg_subsidy_int_text(nlines, (int64_t)t->n);
    mg_audit_change ch[5] = {
        {.field = "report.total_expenses_cents", .before = old_exp, .after = exp},
        {.field = "report.total_resources_cents", .before = old_res, .after = res},
        {.field = "report.lines", .after = nlines},
        {.field = "report.comments", .after = t->comments},
    };
    size_t nch = 4;
    if (t->file)
        ch[nch++] = (mg_audit_change){.field = "report.filed_at", .after = now};
    mg_audit_entry e = {.account_id = t->by, .organisation_id = applicant,
                        .object_type = "subsidy_request", .object_id = t->request_id,
                        .verb = t->file ? "file_report" : "save_report", .changes = ch,
                        .nchanges = nch};
    if ((rc = mg_audit_append(c, &e, NULL, d)) < 0 || !t->file)
        return rc;
    /* The co-funders that granted a part are told. */
    int64_t funders[MG_SUBSIDY_FUNDERS_MAX];
    size_t nf = 0;
    char title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1] = "";
    rc = mg_db_prepare_with(c,
                            "SELECT f.funder_id, r.title FROM subsidy_request_funders f "
                            "JOIN subsidy_requests r ON r.id = f.request_id "
                            "WHERE f.request_id = ?1 AND f.state = 'granted' ORDER BY f.funder_id",
                            MG_DB_PARAMS(MG_DB_INT(t->request_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (nf < MG_SUBSIDY_FUNDERS_MAX)
            funders[nf++] = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, title, sizeof title);
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    char body[2048];
    snprintf(body, sizeof body,
             "Bonjour,\n\nLe compte rendu financier de la demande de subvention « %s » "
             "(n° %lld) vient d'être déposé au guichet unique.\n",
             title, (long long)t->request_id);
    for (size_t k = 0; rc == 0 && k < nf; k++)
        rc = mg_subsidy_notify_org(c, funders[k], "Compte rendu financier déposé", body, d);
    return rc;
}

/* Checks the text of comments: UTF-8, within bounds. */
static void check_text(const char *s, size_t max, const char *field, const char *what,
                       mg_subsidy_errors *errs)
{
    size_t chars = 0, len = strlen(s);
    if (mg_utf8_check(s, len, &chars) != len)
        mg_subsidy_errors_add(errs, field, "%s n'est pas un texte lisible.", what);
    else if (chars > max)
        mg_subsidy_errors_add(errs, field, "%s tient en %zu caractères au plus.", what, max);
}

static bool blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

/* Checks lines[0..nlines) and comments; the lines kept (every field
 * empty: skipped) into ok (may be NULL), their number in *n, the totals. */
static int check_report(const mg_subsidy_line_input *lines, size_t nlines, const char *comments,
                        line_ok *ok, size_t *n, int64_t *expenses, int64_t *resources,
                        mg_subsidy_errors *errs)
{
    *n = 0;
    *expenses = *resources = 0;
    if (nlines > MG_SUBSIDY_LINES_MAX * 2) {
        mg_subsidy_errors_add(errs, "lines", "Le compte rendu compte %d lignes au plus.",
                              (int)MG_SUBSIDY_LINES_MAX * 2);
        return MG_EINVAL;
    }
    for (size_t k = 0; lines && k < nlines; k++) {
        const mg_subsidy_line_input *in = &lines[k];
        if (blank(in->account) && blank(in->label) && blank(in->amount))
            continue;
        char field[48];
        const mg_subsidy_account *acc = in->account ? mg_subsidy_account_find(in->account) : NULL;
        if (!acc) {
            snprintf(field, sizeof field, "line_%zu_account", k + 1);
            mg_subsidy_errors_add(errs, field,
                                  "Ligne %zu : choisissez un compte du budget (60 à 68, 86, "
                                  "70 à 79, 87).",
                                  k + 1);
        }
        const char *label = in->label ? in->label : "";
        snprintf(field, sizeof field, "line_%zu_label", k + 1);
        check_text(label, LABEL_MAX_CHARS, field, "Le libellé", errs);
        int64_t cents = 0;
        snprintf(field, sizeof field, "line_%zu_amount", k + 1);
        if (blank(in->amount))
            mg_subsidy_errors_add(errs, field, "Ligne %zu : le montant réalisé est obligatoire.",
                                  k + 1);
        else if (mg_budget_parse_cents(in->amount, &cents) != 0)
            mg_subsidy_errors_add(errs, field,
                                  "Ligne %zu : le montant doit être un montant en euros, par "
                                  "exemple 1 234,56.",
                                  k + 1);
        if (acc) {
            if (ok)
                ok[*n] = (line_ok){.acc = acc, .label = label, .cents = cents, .pos = k};
            (*n)++;
            if (acc->side == MG_SUBSIDY_EXPENSE)
                *expenses += cents;
            else
                *resources += cents;
        }
    }
    check_text(comments ? comments : "", COMMENTS_MAX_CHARS, "comments", "Le commentaire", errs);
    return errs->n ? MG_EINVAL : 0;
}

int mg_subsidy_report_check(const mg_subsidy_line_input *lines, size_t nlines,
                            const char *comments, int64_t *expenses, int64_t *resources,
                            size_t *kept, mg_subsidy_errors *errs, mg_diag *d)
{
    mg_subsidy_errors local = {0};
    if (!errs)
        errs = &local;
    errs->n = 0;
    int64_t e = 0, r = 0;
    size_t n = 0;
    int rc = check_report(lines, nlines, comments, NULL, &n, &e, &r, errs);
    if (expenses)
        *expenses = e;
    if (resources)
        *resources = r;
    if (kept)
        *kept = n;
    return rc ? mg_subsidy_refuse(errs, d) : 0;
}

int mg_subsidy_report_save(mg_db *db, int64_t by, int64_t request_id,
                           const mg_subsidy_line_input *lines, size_t nlines,
                           const char *comments, bool file, mg_subsidy_errors *errs,
                           mg_diag *d)
{
    mg_subsidy_errors local = {0};
    if (!errs)
        errs = &local;
    errs->n = 0;
    if (!db || by < 0 || (nlines && !lines))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_report_save: bad arguments");
    size_t cap = nlines < MG_SUBSIDY_LINES_MAX * 2 ? nlines : MG_SUBSIDY_LINES_MAX * 2;
    line_ok *ok = cap ? calloc(cap, sizeof *ok) : NULL;
    if (cap && !ok)
        return MG_ENOMEM;
    size_t n = 0;
    int64_t expenses = 0, resources = 0;
    const char *cm = comments ? comments : "";
    if (check_report(lines, nlines, cm, ok, &n, &expenses, &resources, errs)) {
        free(ok);
        return mg_subsidy_refuse(errs, d);
    }
    struct save_tx t = {.by = by, .request_id = request_id, .lines = ok, .n = n,
                        .comments = blank(cm) ? "" : cm, .file = file, .expenses = expenses,
                        .resources = resources, .errs = errs};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, save_body, &t, d);
    free(ok);
    return rc;
}

/* --- Late and due reports -------------------------------------------------------------------- */

struct late_tx {
    int64_t funder_id;
    const char *until;
    int64_t today;                 /* day number */
    mg_subsidy_late *out;
    size_t n, cap;
};

static int late_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct late_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(
        c,
        "SELECT r.id, r.title, o.name, s.due_on FROM subsidy_reports s "
        "JOIN subsidy_requests r ON r.id = s.request_id "
        "JOIN organisations o ON o.id = r.applicant_id "
        "WHERE s.filed_at IS NULL AND s.due_on < ?2 AND ("
        "EXISTS (SELECT 1 FROM subsidy_request_funders f WHERE f.request_id = r.id "
        "AND f.funder_id = ?1 AND f.routed_at IS NOT NULL) OR "
        "EXISTS (SELECT 1 FROM subsidy_windows w WHERE w.id = r.window_id AND w.lead_id = ?1)) "
        "ORDER BY s.due_on, r.id",
        MG_DB_PARAMS(MG_DB_INT(t->funder_id), MG_DB_TEXT(t->until)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 16;
            mg_subsidy_late *p = realloc(t->out, cap * sizeof *p);
            if (!p) {
                rc = MG_ENOMEM;
                break;
            }
            t->out = p, t->cap = cap;
        }
        mg_subsidy_late *l = &t->out[t->n++];
        memset(l, 0, sizeof *l);
        l->request_id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, l->title, sizeof l->title);
        mg_db_column_copy(q, 2, l->applicant_name, sizeof l->applicant_name);
        mg_db_column_copy(q, 3, l->due_on, sizeof l->due_on);
        mg_date due;
        l->days_late = iso_date(l->due_on, &due) ? (int)(t->today - day_number(&due)) : 0;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_subsidy_reports_late(mg_db *db, int64_t funder_id, const char *today, const char *until,
                            mg_subsidy_late **out, size_t *n, mg_diag *d)
{
    mg_date td, ud;
    if (!db || !out || !n || funder_id <= 0 || !iso_date(today, &td) || !iso_date(until, &ud))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_reports_late: bad arguments");
    *out = NULL;
    *n = 0;
    int rc = ensure_missing(db, d);
    if (rc < 0)
        return rc;
    struct late_tx t = {.funder_id = funder_id, .until = until, .today = day_number(&td)};
    rc = mg_db_transaction(db, MG_DB_TX_READ, late_body, &t, d);
    if (rc < 0 || t.n == 0) {
        free(t.out);
        return rc < 0 ? rc : 0;
    }
    /* Most late first: by due day, then id (the query's order). */
    *out = t.out;
    *n = t.n;
    return 0;
}

/* --- Reminders --------------------------------------------------------------------------------- */

typedef struct due_row {
    int64_t request_id;
    char due_on[11];
} due_row;

struct due_tx {
    due_row *rows;
    size_t n, cap;
};

static int due_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct due_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT request_id, due_on FROM subsidy_reports "
                                "WHERE filed_at IS NULL ORDER BY due_on, request_id",
                                MG_DB_NO_PARAMS, &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 16;
            due_row *p = realloc(t->rows, cap * sizeof *p);
            if (!p) {
                rc = MG_ENOMEM;
                break;
            }
            t->rows = p, t->cap = cap;
        }
        t->rows[t->n].request_id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, t->rows[t->n].due_on, sizeof t->rows[t->n].due_on);
        t->n++;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

struct remind_tx {
    int64_t request_id;
    const char *kind, *due_on;
    int days;                      /* to the due day (soon) or since it (late) */
    bool sent;
};

static int remind_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct remind_tx *t = ctx;
    t->sent = false;
    char now[MG_DB_TIMESTAMP_SIZE];
    int rc = mg_db_timestamp(now, d);
    if (rc < 0)
        return rc;
    /* Still not filed, and this kind never sent: the primary key decides. */
    int64_t open = 0, inserted = 0;
    rc = mg_db_query_int(c,
                         "SELECT count(*) FROM subsidy_reports WHERE request_id = ?1 "
                         "AND filed_at IS NULL",
                         MG_DB_PARAMS(MG_DB_INT(t->request_id)), &open, d);
    if (rc < 0 || !open)
        return rc < 0 ? rc : 0;
    rc = mg_db_run(c,
                   "INSERT INTO subsidy_reminders (request_id, kind, sent_at) VALUES (?1, ?2, ?3) "
                   "ON CONFLICT (request_id, kind) DO NOTHING",
                   MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_TEXT(t->kind), MG_DB_TEXT(now)),
                   &inserted, d);
    if (rc < 0 || inserted != 1)
        return rc < 0 ? rc : 0;
    int64_t applicant = 0;
    char title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1] = "";
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(c, "SELECT applicant_id, title FROM subsidy_requests WHERE id = ?1",
                            MG_DB_PARAMS(MG_DB_INT(t->request_id)), &q, d);
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        applicant = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, title, sizeof title);
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    const mg_audit_change ch[] = {
        {.field = "reminder", .after = t->kind},
        {.field = "report.due_on", .after = t->due_on},
    };
    mg_audit_entry e = {.account_id = 0, .organisation_id = applicant,
                        .object_type = "subsidy_request", .object_id = t->request_id,
                        .verb = "remind", .changes = ch, .nchanges = 2};
    if ((rc = mg_audit_append(c, &e, NULL, d)) < 0)
        return rc;
    char body[2048];
    const char *subject;
    if (strcmp(t->kind, "report_soon") == 0) {
        subject = "Compte rendu financier à déposer bientôt";
        snprintf(body, sizeof body,
                 "Bonjour,\n\nLe compte rendu financier de votre projet « %s » est attendu "
                 "le %s, dans %d jours. Vous pouvez le saisir dès maintenant sur la page de la "
                 "demande, au guichet unique.\n",
                 title, t->due_on, t->days);
    } else if (strcmp(t->kind, "report_due") == 0) {
        subject = "Compte rendu financier attendu";
        snprintf(body, sizeof body,
                 "Bonjour,\n\nLe compte rendu financier de votre projet « %s » était attendu "
                 "le %s. Merci de le déposer sur la page de la demande, au guichet unique.\n",
                 title, t->due_on);
    } else {
        subject = "Compte rendu financier en retard";
        snprintf(body, sizeof body,
                 "Bonjour,\n\nLe compte rendu financier de votre projet « %s », attendu le %s, "
                 "n'a toujours pas été déposé (%d jours de retard). Les financeurs en sont "
                 "informés. Merci de le déposer au plus vite sur la page de la demande, au "
                 "guichet unique.\n",
                 title, t->due_on, t->days);
    }
    rc = mg_subsidy_notify_applicant(c, t->request_id, subject, body, d);
    if (rc == 0)
        t->sent = true;
    return rc;
}

int mg_subsidy_remind(mg_db *db, const char *today, size_t *sent, mg_diag *d)
{
    mg_date td;
    if (sent)
        *sent = 0;
    if (!db || !iso_date(today, &td))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_subsidy_remind: the day must be \"YYYY-MM-DD\"");
    int rc = ensure_missing(db, d);
    if (rc < 0)
        return rc;
    struct due_tx t = {0};
    rc = mg_db_transaction(db, MG_DB_TX_READ, due_body, &t, d);
    int64_t day = day_number(&td);
    size_t count = 0;
    for (size_t k = 0; rc == 0 && k < t.n; k++) {
        mg_date due;
        if (!iso_date(t.rows[k].due_on, &due))
            continue;
        int64_t delta = day - day_number(&due); /* > 0: late */
        /* The one reminder of the period the day falls in: a day missed
         * does not send the earlier kinds late. */
        const char *kind = delta >= REMIND_LATE_DAYS ? "report_late"
                           : delta >= 0              ? "report_due"
                           : delta >= -REMIND_BEFORE_DAYS ? "report_soon"
                                                          : NULL;
        if (!kind)
            continue;
        struct remind_tx r = {.request_id = t.rows[k].request_id, .kind = kind,
                              .due_on = t.rows[k].due_on,
                              .days = (int)(delta < 0 ? -delta : delta)};
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, remind_body, &r, d);
        if (rc == 0 && r.sent)
            count++;
    }
    free(t.rows);
    if (sent)
        *sent = count;
    return rc;
}
