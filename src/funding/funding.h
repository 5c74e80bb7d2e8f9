/**
 * @file funding.h
 * The single window for health subsidies (issue 16; docs/funding.md):
 * windows and their calls for projects, requests with the fields of the
 * CERFA 12156 form and their balanced budget, and the code lists and
 * states every part of the module shares. The instruction (routing, each
 * co-funder's part, questions, decisions, messages, committees) is in
 * instruction.h, attachments in attachments.h, what follows a grant
 * (agreement, payments, final report, reminders) in aftergrant.h, the
 * co-funders' figures and exports in outputs.h, the printed forms in
 * printed.h.
 *
 * The SQL is in src/funding/ and nowhere else (tables of migration
 * 009_funding). Every state change is one write transaction with its audit
 * entry (object type "subsidy_request", organisation the applicant, for
 * everything done to a request; "subsidy_window", "subsidy_call",
 * "subsidy_committee" for the others). Who may do what is decided by the
 * caller with mg_auth_can (MG_AUTH_OBJ_SUBSIDY_REQUEST built from
 * mg_subsidy_access). Money is integer cents (int64_t) from the form to
 * the database and back, read and written with mg_budget_parse_cents and
 * mg_budget_format_cents (contracts/budget.h). Errors follow
 * core/error.h; refused input is MG_EINVAL with every refused field named
 * in an mg_subsidy_errors (the first sentence in d too). Any thread may
 * call any function.
 */
#ifndef MG_FUNDING_FUNDING_H
#define MG_FUNDING_FUNDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"

enum {
    MG_SUBSIDY_TITLE_MAX_CHARS = 200,
    MG_SUBSIDY_TEXT_MAX_CHARS = 4000,        /* objectives, evaluation, messages, opinions */
    MG_SUBSIDY_DESCRIPTION_MAX_CHARS = 8000,
    MG_SUBSIDY_NAME_MAX_BYTES = 200 * 4,     /* an organisation's name, in bytes */
    MG_SUBSIDY_LINES_MAX = 60,               /* budget lines of one request */
    MG_SUBSIDY_FUNDERS_MAX = 12,             /* co-funders of one request */
    MG_SUBSIDY_ERRORS_MAX = 40,              /* refused fields reported at once */
    MG_SUBSIDY_PAGE_MAX = 200,               /* rows of one page of a list */
    MG_SUBSIDY_REPORT_DELAY_MONTHS = 6,      /* the final report is due this long after the end */
};

/* --- Refused input ------------------------------------------------------------------------- */

/** A refused field: the form field's name ("siret", "budget", "line_3_amount",
 * "funder_12_asked"…) and the French sentence of what was expected. */
typedef struct mg_subsidy_field_error {
    char field[48];
    char msg[256];
} mg_subsidy_field_error;

typedef struct mg_subsidy_errors {
    size_t n;
    mg_subsidy_field_error e[MG_SUBSIDY_ERRORS_MAX];
} mg_subsidy_errors;

/** Adds a refused field (ignored past MG_SUBSIDY_ERRORS_MAX); errs may be NULL. */
void mg_subsidy_errors_add(mg_subsidy_errors *errs, const char *field, const char *fmt, ...)
    MG_PRINTF(3, 4);
/** The sentence for `field`, or NULL. */
const char *mg_subsidy_errors_for(const mg_subsidy_errors *errs, const char *field);

/* --- States -------------------------------------------------------------------------------- */

/* A request's overall state; it follows from its co-funders' parts. */
typedef enum mg_subsidy_state {
    MG_SUBSIDY_DRAFT = 0,          /* brouillon */
    MG_SUBSIDY_FILED,              /* déposée */
    MG_SUBSIDY_IN_INSTRUCTION,     /* en instruction */
    MG_SUBSIDY_TO_COMPLETE,        /* à compléter */
    MG_SUBSIDY_GRANTED_FULL,       /* accordée */
    MG_SUBSIDY_GRANTED_PART,       /* accordée en partie */
    MG_SUBSIDY_REFUSED,            /* refusée */
    MG_SUBSIDY_CLOSED,             /* classée sans suite */
    MG_SUBSIDY_STATES
} mg_subsidy_state;

/* A co-funder's part of a request. */
typedef enum mg_subsidy_part_state {
    MG_PART_ADDRESSED = 0,         /* adressée : filed, waiting for the lead to route it */
    MG_PART_RECEIVED,              /* reçue : routed, to instruct */
    MG_PART_IN_INSTRUCTION,        /* en instruction */
    MG_PART_TO_COMPLETE,           /* à compléter : a question waits for an answer */
    MG_PART_GRANTED,               /* accordée, with an amount */
    MG_PART_REFUSED,               /* refusée, with a reason */
    MG_PART_CLOSED,                /* classée sans suite */
    MG_PART_STATES
} mg_subsidy_part_state;

/* Stored keys ("draft", "filed", "in_instruction", "to_complete",
 * "granted_full", "granted_part", "refused", "closed"; "addressed",
 * "received", "in_instruction", "to_complete", "granted", "refused",
 * "closed") and French labels. Out of range: "". Parsers: MG_ENOTFOUND. */
const char *mg_subsidy_state_key(mg_subsidy_state s);
const char *mg_subsidy_state_label(mg_subsidy_state s);
int mg_subsidy_state_parse(const char *key, mg_subsidy_state *out) MG_WARN_UNUSED;
const char *mg_subsidy_part_state_key(mg_subsidy_part_state s);
const char *mg_subsidy_part_state_label(mg_subsidy_part_state s);
int mg_subsidy_part_state_parse(const char *key, mg_subsidy_part_state *out) MG_WARN_UNUSED;
/** Granted, refused or closed: final. */
bool mg_subsidy_part_decided(mg_subsidy_part_state s);

/** One co-funder's part as the overall state reads it. */
typedef struct mg_subsidy_part_brief {
    mg_subsidy_part_state state;
    int64_t asked_cents, granted_cents;
} mg_subsidy_part_brief;

/**
 * The overall state of a request from its parts: the table of
 * docs/funding.md ("The request's state"), in this order —
 *  1. not filed: draft;
 *  2. any part to complete: to complete;
 *  3. every part decided: granted in full when every part is granted its
 *     whole amount asked; granted in part when at least one part is
 *     granted; refused when none is granted and one at least is refused;
 *     closed when all are closed;
 *  4. any part in instruction or decided: in instruction;
 *  5. otherwise (every part addressed or received, or none): filed.
 * Pure (state.c); test_funding_state checks it case by case.
 */
mg_subsidy_state mg_subsidy_overall_state(bool filed, const mg_subsidy_part_brief *parts,
                                          size_t n);

/* --- The CERFA 12156 budget ---------------------------------------------------------------- */

typedef enum mg_subsidy_side {
    MG_SUBSIDY_EXPENSE = 0,        /* charges */
    MG_SUBSIDY_RESOURCE,           /* produits */
    MG_SUBSIDY_SIDES
} mg_subsidy_side;

/* "expense", "resource"; « Charges », « Produits ». */
const char *mg_subsidy_side_key(mg_subsidy_side s);
const char *mg_subsidy_side_label(mg_subsidy_side s);
int mg_subsidy_side_parse(const char *key, mg_subsidy_side *out) MG_WARN_UNUSED;

/** An account line of the form's budget: expenses 60–68 and 86 (in-kind,
 * used), resources 70–79 and 87 (in-kind, received). Account 74
 * (subventions d'exploitation) carries the amount asked of each co-funder;
 * 86 and 87 must be equal. */
typedef struct mg_subsidy_account {
    const char *code;              /* "60" … "87" */
    mg_subsidy_side side;
    const char *label;             /* « 60 – Achats »… */
    bool in_kind;                  /* 86, 87 */
} mg_subsidy_account;

/** The form's accounts in its order; *n their number. */
const mg_subsidy_account *mg_subsidy_accounts(size_t *n);
/** The account of `code`, or NULL. */
const mg_subsidy_account *mg_subsidy_account_find(const char *code);

typedef struct mg_subsidy_line {
    int64_t id;
    mg_subsidy_side side;
    char account[3];
    char label[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
    int64_t amount_cents;
    int64_t funder_id;             /* account 74 naming a co-funder; 0 none */
    char funder_name[MG_SUBSIDY_NAME_MAX_BYTES + 1];
} mg_subsidy_line;

/** A budget line as typed; NULL or "" when empty. funder: an organisation
 * id as text ("" none). A line with every field empty is skipped. */
typedef struct mg_subsidy_line_input {
    const char *account, *label, *amount, *funder;
} mg_subsidy_line_input;

/** The budget's sums as the filing checks them. */
typedef struct mg_subsidy_budget_totals {
    int64_t expenses, resources;   /* everything, in-kind included */
    int64_t in_kind_expenses, in_kind_resources; /* 86, 87 */
    int64_t asked;                 /* account 74 lines naming a co-funder */
} mg_subsidy_budget_totals;

/* --- Windows and calls for projects -------------------------------------------------------- */

typedef struct mg_subsidy_window {
    int64_t id;
    int64_t lead_id;
    char lead_name[MG_SUBSIDY_NAME_MAX_BYTES + 1];
    char title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
    char territory[4096];          /* scope key, "" none */
    int64_t contract_id;           /* the CLS it serves; 0 none */
    bool is_example;
} mg_subsidy_window;

typedef struct mg_subsidy_org_ref {
    int64_t id;
    char name[MG_SUBSIDY_NAME_MAX_BYTES + 1];
} mg_subsidy_org_ref;

/** Creates a window led by `lead_id` with its co-funders. Fields: "title",
 * "territory", "contract", "funders". */
int mg_subsidy_window_create(mg_db *db, int64_t by, int64_t lead_id, const char *title,
                             const char *territory, int64_t contract_id,
                             const int64_t *funders, size_t nfunders, bool is_example,
                             int64_t *id_out, mg_subsidy_errors *errs,
                             mg_diag *d) MG_WARN_UNUSED;
int mg_subsidy_window_get(mg_db *db, int64_t id, mg_subsidy_window *out,
                          mg_diag *d) MG_WARN_UNUSED;
/** Its co-funders by name, into a new array (free()). */
int mg_subsidy_window_funders(mg_db *db, int64_t window_id, mg_subsidy_org_ref **out, size_t *n,
                              mg_diag *d) MG_WARN_UNUSED;
/** Adds a co-funder to the window (idempotent). */
int mg_subsidy_window_add_funder(mg_db *db, int64_t by, int64_t window_id, int64_t funder_id,
                                 mg_diag *d) MG_WARN_UNUSED;
/** Every window, by title, into a new array (free()). */
int mg_subsidy_windows(mg_db *db, mg_subsidy_window **out, size_t *n, mg_diag *d) MG_WARN_UNUSED;

typedef struct mg_subsidy_call {
    int64_t id;
    int64_t window_id;
    int64_t opened_by;
    char opened_by_name[MG_SUBSIDY_NAME_MAX_BYTES + 1];
    char title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
    char theme[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
    char territory[4096];
    char description[MG_SUBSIDY_TEXT_MAX_CHARS * 4 + 1];
    char opens_on[11], deadline[11];
    bool is_example;
} mg_subsidy_call;

typedef struct mg_subsidy_call_budget {
    int64_t funder_id;
    char funder_name[MG_SUBSIDY_NAME_MAX_BYTES + 1];
    int64_t budget_cents;
} mg_subsidy_call_budget;

/** What a person types to open a call; budgets: one amount per co-funder
 * of the window (funder ids and their amounts as typed). Fields: "title",
 * "theme", "territory", "description", "opens_on", "deadline" (not before
 * opens_on), "budget_<funder id>". */
typedef struct mg_subsidy_call_input {
    const char *title, *theme, *territory, *description, *opens_on, *deadline;
    const int64_t *budget_funders;
    const char *const *budget_amounts;
    size_t nbudgets;
} mg_subsidy_call_input;

/** Opens a call of `window_id` in the name of `opened_by` (its lead or a
 * co-funder: the caller checked the right). */
int mg_subsidy_call_create(mg_db *db, int64_t by, int64_t window_id, int64_t opened_by,
                           const mg_subsidy_call_input *in, bool is_example, int64_t *id_out,
                           mg_subsidy_errors *errs, mg_diag *d) MG_WARN_UNUSED;
/** The checks mg_subsidy_call_create makes of what was typed before the
 * database (texts, territory, dates, amounts; not whether the budgets name
 * co-funders of the window): 0, or MG_EINVAL with every refused field in
 * errs (may be NULL). (windows.c; fuzz/fuzz_subsidy_call.c) */
int mg_subsidy_call_input_check(const mg_subsidy_call_input *in, mg_subsidy_errors *errs,
                                mg_diag *d) MG_WARN_UNUSED;
int mg_subsidy_call_get(mg_db *db, int64_t id, mg_subsidy_call *out, mg_diag *d) MG_WARN_UNUSED;
int mg_subsidy_call_budgets(mg_db *db, int64_t call_id, mg_subsidy_call_budget **out, size_t *n,
                            mg_diag *d) MG_WARN_UNUSED;
/** Calls of a window (window_id 0: all), open ones first (deadline on or
 * after `today`, "YYYY-MM-DD" Paris), into a new array (free()). */
int mg_subsidy_calls(mg_db *db, int64_t window_id, const char *today, mg_subsidy_call **out,
                     size_t *n, mg_diag *d) MG_WARN_UNUSED;

/* --- Requests ------------------------------------------------------------------------------ */

/** A request as stored. Dates "YYYY-MM-DD" or "". */
typedef struct mg_subsidy_request {
    int64_t id;
    int64_t window_id;
    int64_t lead_id;               /* the window's lead */
    int64_t applicant_id;
    char applicant_name[MG_SUBSIDY_NAME_MAX_BYTES + 1]; /* the organisation's name */
    int64_t call_id;               /* 0: spontaneous */
    int64_t action_id;             /* the contract action it finances; 0 none */
    int64_t renewal_of;            /* 0 none */
    mg_subsidy_state state;
    /* 1. Identity, as filed */
    char name[MG_SUBSIDY_NAME_MAX_BYTES + 1];
    char acronym[50 * 4 + 1];
    char siret[15], rna[11];
    char address[300 * 4 + 1];
    char postcode[6];
    char city[100 * 4 + 1];
    char email[255];
    char phone[31];
    char representative_role[100 * 4 + 1];
    char contact_role[100 * 4 + 1];
    /* 3. Human resources */
    int64_t volunteers, employees, employees_fte_hundredths, members;
    /* 4. The project */
    char title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
    char *objectives, *description, *evaluation; /* owned: mg_subsidy_request_clear */
    char target_publics[500 * 4 + 1];
    char communes[4096];           /* scope key (diagnosis/scope.h), "" none */
    char starts_on[11], ends_on[11];
    bool is_renewal, multi_year;
    char nature[16];               /* "operation" or "investment" (the budget line it feeds) */
    /* 5. Budget totals (lines: mg_subsidy_lines) */
    int64_t total_expenses_cents, total_resources_cents;
    int version;
    int64_t created_by, filed_by;
    char filed_at[32];             /* "" draft */
    char created_at[32], updated_at[32];
    bool is_example;
} mg_subsidy_request;

void mg_subsidy_request_clear(mg_subsidy_request *r);

/** What a person types into the form; NULL or "" when empty. Checkboxes:
 * "1", "on" or "true" for checked. Ids as text ("" none). */
typedef struct mg_subsidy_request_input {
    const char *name, *acronym, *siret, *rna, *address, *postcode, *city, *email, *phone;
    const char *representative_role, *contact_role;
    const char *volunteers, *employees, *employees_fte, *members; /* fte: a French decimal */
    const char *title, *objectives, *description, *target_publics, *communes;
    const char *starts_on, *ends_on, *evaluation;
    const char *is_renewal, *multi_year, *nature;
    const char *call, *action;
    const mg_subsidy_line_input *lines;
    size_t nlines;
} mg_subsidy_request_input;

/**
 * Saves a draft: creates it (request_id 0, for `applicant_id` in window
 * `window_id`; *id_out the new id) or replaces what a draft holds. What is
 * filled must be well formed (a date a date, an amount an amount, a SIRET
 * 14 digits…: each refused field named, nothing saved); what is missing
 * may stay missing until filing. MG_EINVAL on "request" for a request no
 * longer a draft.
 */
int mg_subsidy_draft_save(mg_db *db, int64_t by, int64_t window_id, int64_t applicant_id,
                          int64_t request_id, const mg_subsidy_request_input *in,
                          int64_t *id_out, mg_subsidy_errors *errs, mg_diag *d) MG_WARN_UNUSED;

/**
 * Files a draft: every required field present and valid (SIRET by its
 * Luhn key, RNA "W" and 9 digits), the budget balanced (expenses =
 * resources, 86 = 87), at least one co-funder asked an amount above
 * zero, the amount asked in all not above the budget, the call still
 * open on today's Paris date, the required attachments there
 * (attachments.h). Refused: every wrong or missing field in errs, nothing
 * changed. Filed: state "filed", one part per co-funder named in the
 * budget (state "addressed"), version 1 kept, the lead told by mail.
 */
int mg_subsidy_file(mg_db *db, int64_t by, int64_t request_id, mg_subsidy_errors *errs,
                    mg_diag *d) MG_WARN_UNUSED;

/** Checks an input as the filing would (complete = true) or as a draft
 * (complete = false), without the database; totals may be NULL. */
int mg_subsidy_input_check(const mg_subsidy_request_input *in, bool complete,
                           mg_subsidy_budget_totals *totals, mg_subsidy_errors *errs,
                           mg_diag *d) MG_WARN_UNUSED;

int mg_subsidy_get(mg_db *db, int64_t id, mg_subsidy_request *out, mg_diag *d) MG_WARN_UNUSED;
/** The budget lines of a request, expenses then resources, in the form's
 * order, into a new array (free()). */
int mg_subsidy_lines(mg_db *db, int64_t request_id, mg_subsidy_line **out, size_t *n,
                     mg_diag *d) MG_WARN_UNUSED;

/** A new draft for the same applicant and window, prefilled from request
 * `from` (its fields, budget lines and co-funders; is_renewal set,
 * renewal_of `from`, dates moved one year on). */
int mg_subsidy_renew(mg_db *db, int64_t by, int64_t from, int64_t *id_out,
                     mg_diag *d) MG_WARN_UNUSED;

/** Who knows a request, for mg_auth_can: the applicant, the window's lead,
 * the co-funders it was routed to (viewers) and all it names (addressed). */
typedef struct mg_subsidy_access {
    int64_t request_id, applicant_id, lead_id, window_id;
    mg_subsidy_state state;
    int64_t routed[MG_SUBSIDY_FUNDERS_MAX];
    size_t nrouted;
    int64_t addressed[MG_SUBSIDY_FUNDERS_MAX];
    size_t naddressed;
} mg_subsidy_access;

int mg_subsidy_access_get(mg_db *db, int64_t request_id, mg_subsidy_access *out,
                          mg_diag *d) MG_WARN_UNUSED;

/** A version kept of what the applicant filed or changed: a JSON
 * snapshot of the form (docs/funding.md). */
typedef struct mg_subsidy_version {
    int version;
    char reason[16];               /* "filed", "answer", "change" */
    int64_t created_by;
    char created_at[32];
    char *data_json;               /* owned */
} mg_subsidy_version;

int mg_subsidy_versions(mg_db *db, int64_t request_id, mg_subsidy_version **out, size_t *n,
                        mg_diag *d) MG_WARN_UNUSED;
void mg_subsidy_versions_free(mg_subsidy_version *v, size_t n);

/* --- Lists --------------------------------------------------------------------------------- */

/** Whose requests: exactly one of applicant_id, lead_id (every request of
 * the windows it leads), funder_id (the requests routed to it) is set.
 * state: a request state key (applicant, lead) or a part state key
 * (funder); "" all. year: the project's start year, 0 all. Drafts are
 * listed to their applicant only. */
typedef struct mg_subsidy_filter {
    int64_t applicant_id, lead_id, funder_id;
    const char *state;
    int year;
    size_t offset, limit;          /* limit at most MG_SUBSIDY_PAGE_MAX */
} mg_subsidy_filter;

/** One row of a list. For a funder's list: its part's state and amounts. */
typedef struct mg_subsidy_row {
    int64_t id;
    char title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
    int64_t applicant_id;
    char applicant_name[MG_SUBSIDY_NAME_MAX_BYTES + 1];
    mg_subsidy_state state;
    mg_subsidy_part_state part_state; /* funder lists only */
    int64_t asked_cents, granted_cents, paid_cents; /* the funder's part, or all parts */
    char filed_at[32];
    char starts_on[11];
    bool is_example;
} mg_subsidy_row;

/** A page of a list, newest first (id descending), into a new array
 * (free()); *total the rows of the whole list. */
int mg_subsidy_list(mg_db *db, const mg_subsidy_filter *f, mg_subsidy_row **out, size_t *n,
                    size_t *total, mg_diag *d) MG_WARN_UNUSED;

#endif
