/*
 * Internal to src/funding/: what its files share inside a transaction.
 * Owners: common.c (the lead's: code lists, errors, the state table and
 * its refresh), requests.c (reads on a connection, versions, saving a
 * form), notices.c (mail to the applicant and to instructors).
 */
#ifndef MG_FUNDING_INTERNAL_H
#define MG_FUNDING_INTERNAL_H

#include <stdint.h>

#include "funding/funding.h"

/* Recomputes request `request_id`'s overall state from its parts
 * (mg_subsidy_overall_state) and writes it; *out (may be NULL) the state.
 * Every function that changes a part calls it in the same transaction.
 * (common.c) */
int mg_subsidy_refresh_state(mg_db_conn *c, int64_t request_id, mg_subsidy_state *out,
                             mg_diag *d) MG_WARN_UNUSED;

/* Today's date in Europe/Paris, "YYYY-MM-DD". (common.c) */
void mg_subsidy_today(char out[static 11]);

/* Cents as decimal text for the audit trail ("123456"). (common.c) */
void mg_subsidy_int_text(char out[static 24], int64_t v);

/* Refused input: sets d to MG_EINVAL with the first refused field's
 * sentence and returns MG_EINVAL. (common.c) */
int mg_subsidy_refuse(const mg_subsidy_errors *errs, mg_diag *d);

/* A request read on the transaction's connection. (requests.c) */
int mg_subsidy_get_on(mg_db_conn *c, int64_t id, mg_subsidy_request *out,
                      mg_diag *d) MG_WARN_UNUSED;

/* Keeps the request's current form as version N+1 with `reason`
 * ("filed", "answer", "change"): a JSON snapshot of its fields and budget
 * lines. (requests.c) */
int mg_subsidy_version_add(mg_db_conn *c, int64_t by, int64_t request_id, const char *reason,
                           mg_diag *d) MG_WARN_UNUSED;

/* Replaces a filed request's fields and budget lines by `in`, checked as
 * at filing (an answer that changes the request); the parts' asked
 * amounts follow the budget's account 74 lines. (requests.c) */
int mg_subsidy_replace_on(mg_db_conn *c, int64_t by, int64_t request_id,
                          const mg_subsidy_request_input *in, mg_subsidy_errors *errs,
                          mg_diag *d) MG_WARN_UNUSED;

/* Puts a mail to the applicant of request `request_id` in the queue (to
 * the request's e-mail and its filer's account), in the transaction.
 * (notices.c) */
int mg_subsidy_notify_applicant(mg_db_conn *c, int64_t request_id, const char *subject,
                                const char *body, mg_diag *d) MG_WARN_UNUSED;

/* The same to the managers and instructors of organisation `org_id`. (notices.c) */
int mg_subsidy_notify_org(mg_db_conn *c, int64_t org_id, const char *subject, const char *body,
                          mg_diag *d) MG_WARN_UNUSED;

#endif
