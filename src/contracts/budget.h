/**
 * @file budget.h
 * The budget lines of a contract's actions and their totals (issue 15;
 * budget.c; table budget_lines of migration 008). Amounts are integer
 * cents (int64_t) from the form to the database and back: never a double.
 * A line is typed in, or fed by a granted subsidy request of the single
 * window (issue 16: mg_budget_feed); a fed line is read-only here, and the
 * (request, co-funder) part it comes from is UNIQUE in the table (migration
 * 009), so no grant is counted twice. An amendment (contracts.h) replaces a line by a new one from its
 * effective date: totals count current lines (replaced_by NULL) unless
 * asked "as signed" (lines that no amendment added).
 *
 * Who may change lines is the caller's decision (the action's edit right:
 * contracts.h, mg_contract_viewers). Every change is one write transaction
 * with its audit entry (object type "budget_line", organisation the
 * contract's lead). Errors follow core/error.h; refused input is MG_EINVAL
 * with an mg_contract_field_error naming the form field.
 */
#ifndef MG_CONTRACTS_BUDGET_H
#define MG_CONTRACTS_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "contracts/contracts.h"
#include "core/error.h"
#include "db/db.h"

typedef enum mg_budget_nature {
    MG_BUDGET_INVESTMENT = 0,
    MG_BUDGET_OPERATION,
    MG_BUDGET_NATURES
} mg_budget_nature;

/* "investment", "operation"; « Investissement », « Fonctionnement ». */
const char *mg_budget_nature_key(mg_budget_nature n);
const char *mg_budget_nature_label(mg_budget_nature n);
int mg_budget_nature_parse(const char *key, mg_budget_nature *out) MG_WARN_UNUSED;

/**
 * Reads an amount in euros as people type it ("1 234,56", "1234.5",
 * "250 000", "250000 €", a narrow no-break space as thousands separator)
 * into cents; at most two decimals, not negative, at most 10^12 €. 0 or
 * MG_EINVAL. Writes cents as French euros ("1 234,56 €", no-break spaces;
 * whole euros without decimals: "250 000 €") into out.
 */
int mg_budget_parse_cents(const char *s, int64_t *cents) MG_WARN_UNUSED;
void mg_budget_format_cents(int64_t cents, char *out, size_t cap);

typedef struct mg_budget_amounts {
    int64_t planned, committed, paid;
} mg_budget_amounts;

typedef struct mg_budget_line {
    int64_t id;
    int64_t action_id;
    int64_t contract_id;
    int64_t axis_id;           /* the action's axis; 0 none */
    int64_t funder_id;
    char funder_name[MG_CONTRACT_NAME_MAX_BYTES + 1];
    int year;
    mg_budget_nature nature;
    mg_budget_amounts a;
    bool fed;                  /* fed by a subsidy request: read-only here */
    int64_t subsidy_request_id;
    int64_t amendment_id;      /* the amendment that added it; 0: as signed */
    int64_t replaced_by;       /* the amendment that replaced it; 0: current */
    bool is_example;
} mg_budget_line;

/** What a person types; NULL or "" when empty. Amounts as
 * mg_budget_parse_cents reads them (committed and paid: 0 when empty). */
typedef struct mg_budget_line_input {
    int64_t funder_id;         /* an organisation */
    const char *year;
    const char *nature;        /* a key */
    const char *planned, *committed, *paid;
} mg_budget_line_input;

/** Fields: "funder", "year" (2000–2100), "nature", "planned", "committed",
 * "paid" (paid above committed refused on "paid"). */
int mg_budget_line_input_check(const mg_budget_line_input *in, mg_contract_field_error *fe,
                               mg_diag *d) MG_WARN_UNUSED;
int mg_budget_line_create(mg_db *db, int64_t by, int64_t action_id,
                          const mg_budget_line_input *in, int64_t *id_out,
                          mg_contract_field_error *fe, mg_diag *d) MG_WARN_UNUSED;
/** Changes a typed line (MG_EINVAL on "line" with « Cette ligne vient d'une
 * demande de subvention… » for a fed one). */
int mg_budget_line_update(mg_db *db, int64_t by, int64_t line_id, const mg_budget_line_input *in,
                          mg_contract_field_error *fe, mg_diag *d) MG_WARN_UNUSED;
int mg_budget_line_delete(mg_db *db, int64_t by, int64_t line_id, mg_contract_field_error *fe,
                          mg_diag *d) MG_WARN_UNUSED;
int mg_budget_line_get(mg_db *db, int64_t line_id, mg_budget_line *out, mg_diag *d) MG_WARN_UNUSED;

/** Under amendment `amendment_id` (of the line's contract), replaces a
 * typed line by a new one with `in`: the old line stays, marked replaced,
 * as signed before; the change is kept in amendment_changes. */
int mg_budget_line_amend(mg_db *db, int64_t by, int64_t amendment_id, int64_t line_id,
                         const mg_budget_line_input *in, int64_t *new_id,
                         mg_contract_field_error *fe, mg_diag *d) MG_WARN_UNUSED;

/**
 * The line fed by co-funder `funder_id`'s part of subsidy request
 * `request_id` (issue 16), created or updated: year, nature, planned =
 * committed = granted, paid. The only way a fed line changes.
 * mg_budget_feed_in does the same inside the caller's write transaction
 * (the single window feeds the line in the transaction that records the
 * grant or the payment, so both stand or neither).
 */
int mg_budget_feed(mg_db *db, int64_t by, int64_t action_id, int64_t request_id,
                   int64_t funder_id, int year, mg_budget_nature nature, int64_t granted_cents,
                   int64_t paid_cents, mg_diag *d) MG_WARN_UNUSED;
int mg_budget_feed_in(mg_db_conn *c, int64_t by, int64_t action_id, int64_t request_id,
                      int64_t funder_id, int year, mg_budget_nature nature, int64_t granted_cents,
                      int64_t paid_cents, mg_diag *d) MG_WARN_UNUSED;

/** The current lines of an action (or, action_id 0, of contract
 * `contract_id`), by year, funder name, id, into a new array (free()).
 * as_signed: the lines no amendment added, replaced or not. */
int mg_budget_lines(mg_db *db, int64_t contract_id, int64_t action_id, bool as_signed,
                    mg_budget_line **out, size_t *n, mg_diag *d) MG_WARN_UNUSED;

typedef enum mg_budget_group {
    MG_BUDGET_BY_FUNDER = 0,   /* key: funder id */
    MG_BUDGET_BY_YEAR,         /* key: the year */
    MG_BUDGET_BY_AXIS,         /* key: the level-1 axis of the action's axis; 0 none */
    MG_BUDGET_BY_ACTION,       /* key: action id */
    MG_BUDGET_BY_NATURE,       /* key: mg_budget_nature */
    MG_BUDGET_GROUPS
} mg_budget_group;

typedef struct mg_budget_total {
    int64_t key;
    char label[MG_CONTRACT_TITLE_MAX_CHARS * 4 + 1]; /* funder's name, year, axis title… */
    mg_budget_amounts a;
} mg_budget_total;

/** Totals of a contract's current lines grouped by `group`, by label
 * (years ascending), into a new array (free()); *all (may be NULL) the
 * contract's total. Summed by the database (SUM … GROUP BY). */
int mg_budget_totals(mg_db *db, int64_t contract_id, mg_budget_group group,
                     mg_budget_total **out, size_t *n, mg_budget_amounts *all,
                     mg_diag *d) MG_WARN_UNUSED;

/** What funder `funder_id` has across every contract: one row per
 * contract (key: contract id, label: its title), into a new array
 * (free()); *all its total. */
int mg_budget_of_funder(mg_db *db, int64_t funder_id, mg_budget_total **out, size_t *n,
                        mg_budget_amounts *all, mg_diag *d) MG_WARN_UNUSED;

/* --- The contract's dashboard (dashboard.c) ------------------------------------------------ */

enum { MG_CONTRACT_DASHBOARD_VIEWERS_MAX = 256 };

/** What the page of a contract shows, read in one read transaction. */
typedef struct mg_contract_dashboard {
    mg_contract contract;
    int64_t viewers[MG_CONTRACT_DASHBOARD_VIEWERS_MAX]; /* mg_contract_viewers */
    size_t nviewers;
    mg_contract_action *actions;             /* mg_contract_actions */
    size_t nactions;
    mg_contract_axis *axes;                  /* mg_contract_axes */
    size_t naxes;
    mg_contract_participant *signatories;    /* mg_contract_signatories */
    size_t nsignatories;
    mg_budget_total *totals[3];              /* mg_budget_totals by funder, year, axis */
    size_t ntotals[3];
    mg_budget_amounts total;                 /* the contract's total */
    mg_contract_amendment *amendments;       /* mg_contract_amendments */
    size_t namendments;
    mg_contract_amendment_change *changes;   /* mg_contract_amendment_changes */
    size_t nchanges;
    mg_budget_line *amended_lines;           /* the lines an amendment added or replaced, */
    size_t namended_lines;                   /* by id, as mg_budget_line_get reads them */
    mg_contract_document *documents;         /* mg_contract_documents */
    size_t ndocuments;
} mg_contract_dashboard;

/** Contract contract_id with everything its page shows (the fields above,
 * each as the function named beside it returns it; totals[i] grouped by
 * MG_BUDGET_BY_FUNDER, _YEAR, _AXIS in turn), read in one read transaction
 * of 9 statements (10 when its amendments changed something); MG_ENOTFOUND
 * when no contract has that id. Freed by
 * mg_contract_dashboard_free (also after a failure). */
int mg_contract_dashboard_read(mg_db *db, int64_t contract_id, mg_contract_dashboard *out,
                               mg_diag *d) MG_WARN_UNUSED;
void mg_contract_dashboard_free(mg_contract_dashboard *x);

#endif
