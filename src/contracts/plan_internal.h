/*
 * Internal to the contracts module (contracts.c, plan.c, and the other
 * files of src/contracts/): the checks of what people type and the reads
 * they share. Not a public header: nothing outside src/contracts/
 * includes it.
 */
#ifndef MG_CONTRACTS_PLAN_INTERNAL_H
#define MG_CONTRACTS_PLAN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "contracts/contracts.h"

/* Refuses field `field` with a French sentence: into *fe (may be NULL)
 * and d. Returns MG_EINVAL. */
int mg_ct_refuse(mg_contract_field_error *fe, mg_diag *d, const char *field, const char *fmt, ...)
    MG_PRINTF(4, 5);

/* Clears *fe (may be NULL) before a check: no field refused yet. */
static inline void mg_ct_clear_fe(mg_contract_field_error *fe)
{
    if (fe)
        fe->field = NULL, fe->msg[0] = 0;
}

/* A text field checked (UTF-8, at most max characters, no control
 * characters but line breaks and tabs when multiline) and its trimmed copy
 * in *out (malloc'd; "" when empty and not required). */
int mg_ct_check_text(const char *s, size_t max, bool required, bool multiline, const char *field,
                     const char *label, char **out, mg_contract_field_error *fe, mg_diag *d);

/* A date as typed, "" or NULL for none, into out "YYYY-MM-DD" ("" none). */
int mg_ct_check_date(const char *s, const char *field, const char *label, char out[static 11],
                     mg_contract_field_error *fe, mg_diag *d);

/* The form of a scope key ("" none, "epci:SIREN", "communes:CODE,…"),
 * refused on `field` with `label` ("Le territoire", "Les communes
 * ciblées"). */
int mg_ct_check_scope(const char *s, const char *field, const char *label,
                      char out[static MG_CONTRACT_TERRITORY_MAX_BYTES + 1],
                      mg_contract_field_error *fe, mg_diag *d);

/* NULL for "", else s. */
const char *mg_ct_or_null(const char *s);

/* The name of organisation id into name; MG_ENOTFOUND. */
int mg_ct_org_name(mg_db_conn *c, int64_t id, char *name, size_t cap, mg_diag *d);

/* Contract id (MG_ENOTFOUND) and action id (MG_ENOTFOUND; its strings
 * owned by out) read on an open transaction. */
int mg_ct_contract_on(mg_db_conn *c, int64_t id, mg_contract *out, mg_diag *d);
int mg_ct_action_on(mg_db_conn *c, int64_t id, mg_contract_action *out, mg_diag *d);

/* The checks of an action's input shared by create and update: what is
 * stored. Owned strings freed by mg_ct_action_checked_free. */
typedef struct mg_ct_action_checked {
    mg_action_status status;
    char *title, *description, *objectives, *contact_role, *target_publics; /* malloc'd */
    char target_communes[MG_CONTRACT_TERRITORY_MAX_BYTES + 1];
    char starts_on[11], due_on[11];
    int64_t axis_id, scenario_id; /* 0: none */
    int priority;
} mg_ct_action_checked;

int mg_ct_action_check(const mg_contract_action_input *in, mg_ct_action_checked *out,
                       mg_contract_field_error *fe, mg_diag *d);
void mg_ct_action_checked_free(mg_ct_action_checked *k);

/* The references of a checked action verified on an open transaction: its
 * axis is one of contract_id's, its scenario exists (MG_EINVAL on "axis"
 * or "scenario"). */
int mg_ct_action_refs(mg_db_conn *c, int64_t contract_id, const mg_ct_action_checked *k,
                      mg_contract_field_error *fe, mg_diag *d);

/* The reads of a contract's page on an open transaction (the dashboard,
 * dashboard.c, makes them in one): each as the public function of the same
 * name without "_on" (mg_contract_actions, mg_contract_viewers,
 * mg_contract_signatories, mg_contract_axes, mg_contract_amendments,
 * mg_contract_amendment_changes, mg_contract_documents), with *out and *n
 * zeroed first and nothing left to free on failure. */
int mg_ct_actions_on(mg_db_conn *c, int64_t contract_id, mg_contract_action **out, size_t *n,
                     mg_diag *d);
int mg_ct_viewers_on(mg_db_conn *c, int64_t contract_id, int64_t *out, size_t cap, size_t *n,
                     mg_diag *d);
int mg_ct_signatories_on(mg_db_conn *c, int64_t contract_id, mg_contract_participant **out,
                         size_t *n, mg_diag *d);
int mg_ct_axes_on(mg_db_conn *c, int64_t contract_id, mg_contract_axis **out, size_t *n,
                  mg_diag *d);
int mg_ct_amendments_on(mg_db_conn *c, int64_t contract_id, mg_contract_amendment **out,
                        size_t *n, mg_diag *d);
int mg_ct_amendment_changes_on(mg_db_conn *c, int64_t contract_id,
                               mg_contract_amendment_change **out, size_t *n, mg_diag *d);
int mg_ct_documents_on(mg_db_conn *c, int64_t contract_id, mg_contract_document **out,
                       size_t *n, mg_diag *d);

#endif
