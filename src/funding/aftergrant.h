/**
 * @file aftergrant.h
 * What follows a grant (issue 16; payments.c, finalreport.c; docs/funding.md):
 * payments in one or several instalments, the final report due
 * MG_SUBSIDY_REPORT_DELAY_MONTHS after the project's end (the CERFA
 * "compte rendu financier": actual expenses and resources against the
 * budget), reminders to the applicant and the late list for the
 * instructors, and the indicators fed to the contract's action.
 *
 * A payment adds to its part's paid_cents in the same transaction (the
 * database refuses more than granted) and, when the request finances a
 * contract action, updates the action's fed budget line
 * (mg_budget_feed_in): the contract's dashboard reads the window's money.
 */
#ifndef MG_FUNDING_AFTERGRANT_H
#define MG_FUNDING_AFTERGRANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"
#include "funding/funding.h"

typedef struct mg_subsidy_payment {
    int64_t id;
    int64_t request_id, funder_id;
    char funder_name[MG_SUBSIDY_NAME_MAX_BYTES + 1];
    char paid_on[11];
    int64_t amount_cents;
    char conditions[500 * 4 + 1];
    int instalment;                /* 1, 2… in date order */
    bool is_example;
} mg_subsidy_payment;

/** Records a payment of co-funder `funder_id`'s grant ("paid_on",
 * "amount": above zero and not above what is left to pay, "conditions").
 * The part must be granted. */
int mg_subsidy_pay(mg_db *db, int64_t by, int64_t request_id, int64_t funder_id,
                   const char *paid_on, const char *amount, const char *conditions,
                   int64_t *id_out, mg_subsidy_errors *errs, mg_diag *d) MG_WARN_UNUSED;
/** The checks mg_subsidy_pay makes of what was typed, without the
 * database: 0 with the day as "YYYY-MM-DD" in `day` and the amount in
 * *cents, or MG_EINVAL with each refused field in errs ("paid_on": a date,
 * as mg_parse_date reads it; "amount": above zero, as
 * mg_budget_parse_cents reads it; "conditions": at most 500 characters of
 * UTF-8). What fuzz_subsidy_report runs. (Added by the after-grant work.) */
int mg_subsidy_payment_check(const char *paid_on, const char *amount, const char *conditions,
                             char day[static 11], int64_t *cents, mg_subsidy_errors *errs,
                             mg_diag *d) MG_WARN_UNUSED;

/** Payments of a request (funder_id 0: every co-funder), by date, into a
 * new array (free()). */
int mg_subsidy_payments(mg_db *db, int64_t request_id, int64_t funder_id,
                        mg_subsidy_payment **out, size_t *n, mg_diag *d) MG_WARN_UNUSED;

/** Records that the agreement of a part was produced on `on` ("YYYY-MM-DD"). */
int mg_subsidy_agreement_mark(mg_db *db, int64_t by, int64_t request_id, int64_t funder_id,
                              const char *on, mg_diag *d) MG_WARN_UNUSED;

/* --- The final report ------------------------------------------------------------------------ */

typedef struct mg_subsidy_report {
    int64_t request_id;
    char due_on[11];
    char *comments;                /* owned: mg_subsidy_report_clear */
    int64_t total_expenses_cents, total_resources_cents;
    char filed_at[32];             /* "" not filed */
    int64_t filed_by;
    mg_subsidy_line *lines;        /* actual amounts, in the budget's accounts (owned) */
    size_t nlines;
} mg_subsidy_report;

void mg_subsidy_report_clear(mg_subsidy_report *r);

/** The report of a granted request (created, not filed, when the first
 * grant is recorded, due six months after ends_on); MG_ENOTFOUND none. */
int mg_subsidy_report_get(mg_db *db, int64_t request_id, mg_subsidy_report *out,
                          mg_diag *d) MG_WARN_UNUSED;

/** Files (or saves, file false) the report: actual lines as typed (the
 * budget's accounts; "line_<k>_amount"…), "comments" (required when an
 * actual total differs from the budget by more than 10 %). */
int mg_subsidy_report_save(mg_db *db, int64_t by, int64_t request_id,
                           const mg_subsidy_line_input *lines, size_t nlines,
                           const char *comments, bool file, mg_subsidy_errors *errs,
                           mg_diag *d) MG_WARN_UNUSED;

/** The checks mg_subsidy_report_save makes of the lines and comments,
 * without the database: 0 with the lines kept (a line with every field
 * empty is skipped) in *kept and their sums by side, or MG_EINVAL with
 * each refused field ("lines": more than 120; "line_<k>_account",
 * "line_<k>_label", "line_<k>_amount", k from 1 in the order given;
 * "comments"). The 10 % rule needs the request: it is the save's. What
 * fuzz_subsidy_report runs. (Added by the after-grant work.) */
int mg_subsidy_report_check(const mg_subsidy_line_input *lines, size_t nlines,
                            const char *comments, int64_t *expenses, int64_t *resources,
                            size_t *kept, mg_subsidy_errors *errs, mg_diag *d) MG_WARN_UNUSED;

/** A report due and not filed. */
typedef struct mg_subsidy_late {
    int64_t request_id;
    char title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
    char applicant_name[MG_SUBSIDY_NAME_MAX_BYTES + 1];
    char due_on[11];
    int days_late;                 /* > 0 late; <= 0 due in -days_late days */
} mg_subsidy_late;

/** Reports not filed of requests routed to `funder_id` (or of the windows
 * led by it), due before `until` ("YYYY-MM-DD"), most late first, into a
 * new array (free()). */
int mg_subsidy_reports_late(mg_db *db, int64_t funder_id, const char *today, const char *until,
                            mg_subsidy_late **out, size_t *n, mg_diag *d) MG_WARN_UNUSED;

/** Sends the reminders due on `today` ("YYYY-MM-DD" Paris): one month
 * before the report is due, on the day, and once late; each once (table
 * subsidy_reminders), put in the mail queue with its audit entry. *sent
 * the number queued. */
int mg_subsidy_remind(mg_db *db, const char *today, size_t *sent, mg_diag *d) MG_WARN_UNUSED;

/* --- Shared with the instruction (added by the after-grant work) ----------------------------- */

/** Inside the caller's write transaction: feeds the contract action's
 * budget line of co-funder `funder_id`'s part of request `request_id`
 * from the part as stored (planned = committed = granted, paid) with
 * mg_budget_feed_in. The line's year is the project's start year
 * (starts_on), else the year it was filed (filed_at), else this year; its
 * nature the request's. Nothing when the request finances no action or
 * the part is not granted. mg_subsidy_pay calls it for each payment,
 * mg_subsidy_decide may call it for a grant, so both agree on the line. */
int mg_subsidy_feed_part(mg_db_conn *c, int64_t by, int64_t request_id, int64_t funder_id,
                         mg_diag *d) MG_WARN_UNUSED;

/** Inside the caller's write transaction: creates the (unfiled) final
 * report of request `request_id` when one of its parts is granted and it
 * has none yet, due on ends_on + MG_SUBSIDY_REPORT_DELAY_MONTHS (the
 * month's last day when that day does not exist: 2025-08-31 gives
 * 2026-02-28). Nothing when it exists or no part is granted. For
 * mg_subsidy_decide's grant; the report's reads create it too. */
int mg_subsidy_report_ensure(mg_db_conn *c, int64_t request_id, mg_diag *d) MG_WARN_UNUSED;

/** A day's sum. */
typedef struct mg_subsidy_dated_amount {
    char on[11];                   /* "YYYY-MM-DD" */
    int64_t cents;
} mg_subsidy_dated_amount;

/** What the single window granted (paid false: by the day of each
 * decision) or paid (paid true: by payment date) for the requests that
 * finance contract action `action_id`, one row per day, by date, into a
 * new array (free()). For the indicators "subsidy.granted" and
 * "subsidy.paid" (contracts/indicators.c). */
int mg_subsidy_action_amounts(mg_db *db, int64_t action_id, bool paid,
                              mg_subsidy_dated_amount **out, size_t *n,
                              mg_diag *d) MG_WARN_UNUSED;

#endif
