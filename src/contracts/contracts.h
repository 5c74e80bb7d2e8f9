/**
 * @file contracts.h
 * Contracts and their actions, and the organisations taking part in each
 * action as pilot or partner: the first core of the contracts module
 * (issue 15 adds axes, status transitions, milestones, budgets,
 * indicators and amendments on these tables; docs/contracts.md). A
 * contract belongs to its lead organisation (organisation_id): who may
 * see or change it is decided by the caller with mg_auth_can on
 * MG_AUTH_OBJ_CONTRACT with that organisation. A participant is an
 * organisation; a directory structure is one (directory/directory.h).
 *
 * The SQL is in contracts.c and nowhere else (tables of migration
 * 007_contracts). The invariants are the database's: kinds, statuses and
 * roles are CHECKed lists, an organisation appears once per action, an
 * action has at most one pilot (a partial unique index), every reference
 * is a foreign key. The functions check what people type first, so that
 * a refusal names the field in French; a concurrent change that slips
 * past those checks still meets the constraint.
 *
 * Every state change is one write transaction on a pooled connection and
 * is appended to the audit trail in that transaction (object types
 * "contract" and "action"; the participants' changes are entries of their
 * action). Errors follow core/error.h; refused input is MG_EINVAL with
 * the field and a French sentence in an mg_contract_field_error (and the
 * sentence in d too). Any thread may call any function.
 */
#ifndef MG_CONTRACTS_CONTRACTS_H
#define MG_CONTRACTS_CONTRACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"

enum {
    MG_CONTRACT_TITLE_MAX_CHARS = 200,      /* a contract's or an action's title */
    MG_CONTRACT_DESCRIPTION_MAX_CHARS = 4000, /* an action's description */
    MG_CONTRACT_TERRITORY_MAX_BYTES = 4095, /* a scope key (diagnosis/scope.h) */
    MG_CONTRACT_NAME_MAX_BYTES = 200 * 4,   /* an organisation's name, in bytes */
    MG_CONTRACT_LIST_MAX = 1000,            /* rows of one list */
};

/* --- Code lists ------------------------------------------------------------- */

typedef enum mg_contract_kind {
    MG_CONTRACT_CPS = 0,       /* contrat pluriannuel des solidarités */
    MG_CONTRACT_CLS,           /* contrat local de santé */
    MG_CONTRACT_CONVENTION,
    MG_CONTRACT_SCHEMA,        /* schéma (départemental…) */
    MG_CONTRACT_OTHER,
    MG_CONTRACT_KINDS
} mg_contract_kind;

typedef enum mg_contract_status {
    MG_CONTRACT_DRAFT = 0,
    MG_CONTRACT_SIGNED,
    MG_CONTRACT_IN_FORCE,
    MG_CONTRACT_ENDED,
    MG_CONTRACT_STATUSES
} mg_contract_status;

/* The statuses of an action, the final list of issue 15 ("late" is
 * computed from the dates, never stored). The transitions between them
 * are issue 15's; an action is created in any of them. */
typedef enum mg_action_status {
    MG_ACTION_PLANNED = 0,     /* à venir */
    MG_ACTION_IN_PROGRESS,
    MG_ACTION_DONE,
    MG_ACTION_PAUSED,
    MG_ACTION_ABANDONED,
    MG_ACTION_STATUSES
} mg_action_status;

typedef enum mg_participant_role {
    MG_PARTICIPANT_PILOT = 0,
    MG_PARTICIPANT_PARTNER,
    MG_PARTICIPANT_ROLES
} mg_participant_role;

/* Stored keys ("cps", "cls", "convention", "schema", "other"; "draft",
 * "signed", "in_force", "ended"; "planned", "in_progress", "done",
 * "paused", "abandoned"; "pilot", "partner") and French labels ("Contrat
 * pluriannuel des solidarités", "Contrat local de santé", "Convention",
 * "Schéma", "Autre"; "Brouillon", "Signé", "En vigueur", "Terminé"; "À
 * venir", "En cours", "Réalisée", "En pause", "Abandonnée"; "Pilote",
 * "Partenaire"). An out-of-range value gives "". The parsers return
 * MG_ENOTFOUND for a key that names nothing. */
const char *mg_contract_kind_key(mg_contract_kind k);
const char *mg_contract_kind_label(mg_contract_kind k);
int mg_contract_kind_parse(const char *key, mg_contract_kind *out) MG_WARN_UNUSED;
const char *mg_contract_status_key(mg_contract_status s);
const char *mg_contract_status_label(mg_contract_status s);
int mg_contract_status_parse(const char *key, mg_contract_status *out) MG_WARN_UNUSED;
const char *mg_action_status_key(mg_action_status s);
const char *mg_action_status_label(mg_action_status s);
int mg_action_status_parse(const char *key, mg_action_status *out) MG_WARN_UNUSED;
const char *mg_participant_role_key(mg_participant_role r);
const char *mg_participant_role_label(mg_participant_role r);
int mg_participant_role_parse(const char *key, mg_participant_role *out) MG_WARN_UNUSED;

/** A refused field: its name (the form field: "kind", "title", "territory",
 * "starts_on", "ends_on", "status", "description", "due_on",
 * "organisation", "role") and the French sentence of what was expected. */
typedef struct mg_contract_field_error {
    const char *field;
    char msg[256];
} mg_contract_field_error;

/* --- Contracts ------------------------------------------------------------ */

typedef struct mg_contract {
    int64_t id;
    int64_t organisation_id;   /* the lead, owner of the contract */
    char lead_name[MG_CONTRACT_NAME_MAX_BYTES + 1];
    mg_contract_kind kind;
    mg_contract_status status;
    char title[MG_CONTRACT_TITLE_MAX_CHARS * 4 + 1];
    char territory[MG_CONTRACT_TERRITORY_MAX_BYTES + 1]; /* scope key; "" none */
    char starts_on[11], ends_on[11]; /* "YYYY-MM-DD"; "" not known */
    char created_at[MG_DB_TIMESTAMP_SIZE];
    char updated_at[MG_DB_TIMESTAMP_SIZE];
} mg_contract;

/** What a person types to create a contract; NULL or "" when left empty.
 * kind and status are keys (status NULL or "": draft); dates as
 * mg_parse_date reads them ("2026-01-31" or "31/01/2026"); the territory a
 * scope key ("epci:SIREN" or "communes:CODE,…") of which only the form is
 * checked here: whether it names communes of the territory is the
 * caller's check (mg_scope_parse), as the store does not know the
 * territory. */
typedef struct mg_contract_input {
    const char *kind;
    const char *title;
    const char *territory;
    const char *starts_on;
    const char *ends_on;
    const char *status;
} mg_contract_input;

/**
 * Creates a contract led by organisation `lead` (which must exist:
 * MG_EINVAL on "organisation" otherwise), by account `by` (0: the command
 * line). The title is trimmed of outer white space. *id_out (may be NULL)
 * receives its id. Refused input: MG_EINVAL with *fe (may be NULL).
 */
int mg_contract_create(mg_db *db, int64_t by, int64_t lead, const mg_contract_input *in,
                       int64_t *id_out, mg_contract_field_error *fe, mg_diag *d) MG_WARN_UNUSED;

/** The checks mg_contract_create makes of what was typed, without the
 * database (the lead aside): 0, or MG_EINVAL with *fe. What the fuzz
 * target fuzz_contract_input runs. */
int mg_contract_input_check(const mg_contract_input *in, mg_contract_field_error *fe,
                            mg_diag *d) MG_WARN_UNUSED;

/** Contract id into *out; MG_ENOTFOUND when there is none. */
int mg_contract_get(mg_db *db, int64_t id, mg_contract *out, mg_diag *d) MG_WARN_UNUSED;

/**
 * The contracts led by any of the norgs organisations `orgs`, by title
 * (then id), at most MG_CONTRACT_LIST_MAX, into a new array *out (free())
 * of *n contracts; *total (may be NULL) counts them all.
 */
int mg_contract_list(mg_db *db, const int64_t *orgs, size_t norgs, mg_contract **out, size_t *n,
                     size_t *total, mg_diag *d) MG_WARN_UNUSED;

/* --- Actions -------------------------------------------------------------- */

typedef struct mg_contract_action {
    int64_t id;
    int64_t contract_id;
    char title[MG_CONTRACT_TITLE_MAX_CHARS * 4 + 1];
    char *description;         /* "" when none; owned: mg_contract_actions_free */
    mg_action_status status;
    char starts_on[11], due_on[11]; /* "YYYY-MM-DD"; "" not known */
    int64_t pilot_id;          /* 0: no pilot yet */
    char pilot_name[MG_CONTRACT_NAME_MAX_BYTES + 1];
    bool pilot_in_directory;   /* the pilot is a structure of the directory (has its page) */
    size_t partners;           /* number of partners */
    char created_at[MG_DB_TIMESTAMP_SIZE];
    char updated_at[MG_DB_TIMESTAMP_SIZE];
} mg_contract_action;

typedef struct mg_contract_action_input {
    const char *title;
    const char *description;
    const char *status;        /* a key; NULL or "": planned */
    const char *starts_on;
    const char *due_on;        /* the planned end */
} mg_contract_action_input;

/** Creates an action of contract `contract_id` (MG_ENOTFOUND when there
 * is none), audited on behalf of its lead. */
int mg_contract_action_create(mg_db *db, int64_t by, int64_t contract_id,
                              const mg_contract_action_input *in, int64_t *id_out,
                              mg_contract_field_error *fe, mg_diag *d) MG_WARN_UNUSED;

/** The checks mg_contract_action_create makes of what was typed, without
 * the database: 0, or MG_EINVAL with *fe. */
int mg_contract_action_input_check(const mg_contract_action_input *in,
                                   mg_contract_field_error *fe, mg_diag *d) MG_WARN_UNUSED;

/** Action id into *out (its description then owned by out: free it with
 * mg_contract_action_clear); MG_ENOTFOUND. */
int mg_contract_action_get(mg_db *db, int64_t id, mg_contract_action *out,
                           mg_diag *d) MG_WARN_UNUSED;
void mg_contract_action_clear(mg_contract_action *a);

/** The actions of a contract, by title then id, with their pilot and the
 * number of their partners, into a new array (mg_contract_actions_free). */
int mg_contract_actions(mg_db *db, int64_t contract_id, mg_contract_action **out, size_t *n,
                        mg_diag *d) MG_WARN_UNUSED;
void mg_contract_actions_free(mg_contract_action *a, size_t n);

/* --- Participants ---------------------------------------------------------- */

typedef struct mg_contract_participant {
    int64_t organisation_id;
    char name[MG_CONTRACT_NAME_MAX_BYTES + 1];
    char kind[16];             /* the organisation's kind key (auth/auth.h) */
    bool in_directory;         /* a structure of the directory (has its page), not only an
                                  organisation of the accounts (a Département, an ARS…) */
    mg_participant_role role;
    char created_at[MG_DB_TIMESTAMP_SIZE];
} mg_contract_participant;

/** The participants of action `action_id`, the pilot first, then the
 * partners by name, into a new array *out (free()). */
int mg_contract_participants(mg_db *db, int64_t action_id, mg_contract_participant **out,
                             size_t *n, mg_diag *d) MG_WARN_UNUSED;

/**
 * Adds organisation `org` to action `action_id` with `role`. MG_ENOTFOUND
 * when the action does not exist; MG_EINVAL with *fe when the
 * organisation does not exist ("organisation"), already takes part in the
 * action ("organisation": « … participe déjà à cette action »), or when a
 * pilot is asked for an action that has one ("role": « l'action a déjà un
 * pilote : … »). Audited on the action ("add_participant").
 */
int mg_contract_participant_add(mg_db *db, int64_t by, int64_t action_id, int64_t org,
                                mg_participant_role role, mg_contract_field_error *fe,
                                mg_diag *d) MG_WARN_UNUSED;

/** Removes organisation `org` from action `action_id` (MG_ENOTFOUND when
 * it does not take part). Audited on the action ("remove_participant"). */
int mg_contract_participant_remove(mg_db *db, int64_t by, int64_t action_id, int64_t org,
                                   mg_diag *d) MG_WARN_UNUSED;

/* --- An organisation's part in contracts ------------------------------------ */

/** One action an organisation takes part in, with its contract. */
typedef struct mg_contract_role {
    int64_t contract_id;
    char contract_title[MG_CONTRACT_TITLE_MAX_CHARS * 4 + 1];
    mg_contract_kind contract_kind;
    mg_contract_status contract_status;
    int64_t lead_id;           /* the contract's lead: ask mg_auth_can before showing it */
    char lead_name[MG_CONTRACT_NAME_MAX_BYTES + 1];
    int64_t action_id;
    char action_title[MG_CONTRACT_TITLE_MAX_CHARS * 4 + 1];
    mg_action_status action_status;
    mg_participant_role role;  /* the organisation's role in the action */
} mg_contract_role;

/**
 * The actions where organisation `org_id` is pilot or partner, by
 * contract title, then action title, at most MG_CONTRACT_LIST_MAX, into a
 * new array *out (free()) of *n rows (0 and NULL when none). Each row
 * names the contract's lead: which rows a viewer may see is the caller's
 * decision (mg_auth_can, MG_AUTH_OBJ_CONTRACT, organisation_id = lead_id).
 */
int mg_contract_roles_of_organisation(mg_db *db, int64_t org_id, mg_contract_role **out,
                                      size_t *n, mg_diag *d) MG_WARN_UNUSED;

#endif
