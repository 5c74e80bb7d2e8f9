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
    bool is_example;           /* migration 008: demo facts the public record does not give */
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
    /* Issue 15 (migration 008). The owned strings below are "" when empty
     * and freed by mg_contract_action_clear / mg_contract_actions_free. */
    int64_t axis_id;           /* 0: outside any axis */
    char *objectives;
    char contact_role[200 * 4 + 1]; /* the pilot's contact, as a role ("chargée de mission santé") */
    char target_publics[500 * 4 + 1];
    char *target_communes;     /* a scope key (diagnosis/scope.h); "" none */
    int priority;              /* 1 high, 2 normal, 3 low */
    int64_t scenario_id;       /* the scenario that models it; 0 none */
    bool is_example;           /* demo facts the public record does not give */
    bool late;                 /* computed when read, on today in Paris: see
                                  mg_contract_action_is_late */
} mg_contract_action;

typedef struct mg_contract_action_input {
    const char *title;
    const char *description;
    const char *status;        /* a key; NULL or "": planned (at creation only: later
                                  changes go through mg_contract_action_set_status) */
    const char *starts_on;
    const char *due_on;        /* the planned end */
    /* Issue 15; NULL or "" when left empty. */
    const char *axis;          /* an axis id of the same contract, as text */
    const char *objectives;
    const char *contact_role;
    const char *target_publics;
    const char *target_communes; /* a scope key: its form is checked here, its communes by
                                    the caller (mg_scope_parse) */
    const char *priority;      /* "1", "2", "3"; NULL or "": 2 */
    const char *scenario;      /* a scenario id, as text */
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

/* === Issue 15: contracts as plans (migration 008; plan.c) ================= */

/* --- Who may see a contract ------------------------------------------------ */

/**
 * The organisations that see contract `contract_id` besides its lead: its
 * signatories and every organisation taking part in one of its actions
 * (pilot or partner), without repeats, into out[] (at most cap; *n their
 * number). The caller puts them in mg_auth_object.viewers; for an action,
 * the action's pilot goes in mg_auth_object.editors (a pilot edits its
 * actions: docs/contracts.md, "Who may do what").
 */
int mg_contract_viewers(mg_db *db, int64_t contract_id, int64_t *out, size_t cap, size_t *n,
                        mg_diag *d) MG_WARN_UNUSED;

/** The contracts that organisations orgs[0..norgs) (at most 32) signed, by
 * id, each once, into a new array *out (free()) of *n ids (0 and NULL when
 * none): one read for a list of contracts (the role column of /contrats)
 * instead of their signatories one contract at a time. */
int mg_contract_signed_by(mg_db *db, const int64_t *orgs, size_t norgs, int64_t **out, size_t *n,
                          mg_diag *d) MG_WARN_UNUSED;

/** The contracts an organisation sees without leading them (it signed them
 * or takes part in one of their actions), as mg_contract_list. */
int mg_contract_list_seen_by(mg_db *db, const int64_t *orgs, size_t norgs, mg_contract **out,
                             size_t *n, size_t *total, mg_diag *d) MG_WARN_UNUSED;

/* --- The contract itself ----------------------------------------------------- */

/** Changes a contract's kind, title, territory, period and status (the
 * statuses go forward only: draft → signed → in_force → ended, or
 * draft → in_force; MG_EINVAL on "status" otherwise). Audited "update"
 * with what changed. */
int mg_contract_update(mg_db *db, int64_t by, int64_t id, const mg_contract_input *in,
                       mg_contract_field_error *fe, mg_diag *d) MG_WARN_UNUSED;

/** Signatories: organisations that signed the contract (the lead need not
 * be listed). add: MG_EINVAL on "organisation" when it does not exist or
 * already signed; remove: MG_ENOTFOUND when it did not sign. Audited on
 * the contract ("add_signatory", "remove_signatory"). list: by name, into
 * a new array of participants (role unused) *out (free()). */
int mg_contract_signatory_add(mg_db *db, int64_t by, int64_t contract_id, int64_t org,
                              mg_contract_field_error *fe, mg_diag *d) MG_WARN_UNUSED;
int mg_contract_signatory_remove(mg_db *db, int64_t by, int64_t contract_id, int64_t org,
                                 mg_diag *d) MG_WARN_UNUSED;
int mg_contract_signatories(mg_db *db, int64_t contract_id, mg_contract_participant **out,
                            size_t *n, mg_diag *d) MG_WARN_UNUSED;

/* --- Axes ------------------------------------------------------------------- */

typedef struct mg_contract_axis {
    int64_t id;
    int64_t contract_id;
    int64_t parent_id;         /* 0: an axis; else the axis of this sub-axis */
    int level;                 /* 1 axis, 2 sub-axis */
    int position;              /* order among its siblings */
    char title[MG_CONTRACT_TITLE_MAX_CHARS * 4 + 1];
    char number[16];           /* "1", "1.2": computed from the order when read */
} mg_contract_axis;

/** Creates an axis of a contract (parent 0) or a sub-axis of axis
 * `parent` (which must be a level-1 axis of the same contract: MG_EINVAL
 * on "parent" otherwise), last among its siblings. Audited on the
 * contract ("add_axis"). */
int mg_contract_axis_create(mg_db *db, int64_t by, int64_t contract_id, int64_t parent,
                            const char *title, int64_t *id_out, mg_contract_field_error *fe,
                            mg_diag *d) MG_WARN_UNUSED;

/** The axes of a contract in tree order (each axis followed by its
 * sub-axes, by position), into a new array *out (free()). */
int mg_contract_axes(mg_db *db, int64_t contract_id, mg_contract_axis **out, size_t *n,
                     mg_diag *d) MG_WARN_UNUSED;

/* --- Actions: details, status and lateness ------------------------------------ */

/** Changes an action's title, description, period, axis, objectives,
 * contact role, target publics and communes, priority and scenario (not
 * its status: in->status is ignored). Audited "update" with what changed. */
int mg_contract_action_update(mg_db *db, int64_t by, int64_t action_id,
                              const mg_contract_action_input *in, mg_contract_field_error *fe,
                              mg_diag *d) MG_WARN_UNUSED;

/** Whether an action may go from status `from` to `to` (the table
 * action_status_transitions of migration 008, which the database also
 * enforces): planned → in_progress, abandoned; in_progress → done, paused,
 * abandoned; paused → in_progress, abandoned; done → in_progress. */
bool mg_action_status_allowed(mg_action_status from, mg_action_status to);

/** Moves an action to `to`: MG_EINVAL on "status" with « Une action … ne
 * peut pas passer à … » when the transition is not allowed. Audited
 * "set_status". */
int mg_contract_action_set_status(mg_db *db, int64_t by, int64_t action_id, mg_action_status to,
                                  mg_contract_field_error *fe, mg_diag *d) MG_WARN_UNUSED;

/** Whether an action is late on day `today` ("YYYY-MM-DD"): its planned
 * end has passed and it is neither done nor abandoned. Computed, never
 * stored. The `late` field of an action read from the store is this, or
 * one of its milestones not done is past its due date. */
bool mg_contract_action_is_late(const mg_contract_action *a, const char *today);

/** Today in Europe/Paris as "YYYY-MM-DD". */
void mg_contract_today(char out[static 11]);

/* --- Milestones and follow-up notes ------------------------------------------- */

typedef struct mg_contract_milestone {
    int64_t id;
    int64_t action_id;
    char title[MG_CONTRACT_TITLE_MAX_CHARS * 4 + 1];
    char due_on[11];           /* "" not set */
    char done_on[11];          /* "" not done */
    bool late;                 /* not done and due before today */
} mg_contract_milestone;

int mg_contract_milestone_add(mg_db *db, int64_t by, int64_t action_id, const char *title,
                              const char *due_on, int64_t *id_out, mg_contract_field_error *fe,
                              mg_diag *d) MG_WARN_UNUSED;
/** Marks milestone `id` done on `done_on` (a date; NULL or "": today), or
 * not done when done is false. Audited on the action. */
int mg_contract_milestone_set_done(mg_db *db, int64_t by, int64_t id, bool done,
                                   const char *done_on, mg_contract_field_error *fe,
                                   mg_diag *d) MG_WARN_UNUSED;
/** By due date (those without one last), into a new array (free()). */
int mg_contract_milestones(mg_db *db, int64_t action_id, mg_contract_milestone **out, size_t *n,
                           mg_diag *d) MG_WARN_UNUSED;

typedef struct mg_contract_note {
    int64_t id;
    int64_t action_id;
    char noted_on[11];
    char *body;                /* owned: mg_contract_notes_free */
    char author[MG_CONTRACT_NAME_MAX_BYTES + 1]; /* the account's name; "" none */
    char created_at[MG_DB_TIMESTAMP_SIZE];
} mg_contract_note;

int mg_contract_note_add(mg_db *db, int64_t by, int64_t action_id, const char *noted_on,
                         const char *body, int64_t *id_out, mg_contract_field_error *fe,
                         mg_diag *d) MG_WARN_UNUSED;
/** Most recent first. */
int mg_contract_notes(mg_db *db, int64_t action_id, mg_contract_note **out, size_t *n,
                      mg_diag *d) MG_WARN_UNUSED;
void mg_contract_notes_free(mg_contract_note *v, size_t n);

/* --- Amendments (avenants) -------------------------------------------------- */

typedef struct mg_contract_amendment {
    int64_t id;
    int64_t contract_id;
    int number;                /* 1, 2, … in the contract */
    char title[MG_CONTRACT_TITLE_MAX_CHARS * 4 + 1];
    char signed_on[11];        /* "" not known */
    char effective_on[11];
    char *description;         /* owned: mg_contract_amendments_free */
} mg_contract_amendment;

typedef struct mg_contract_amendment_change {
    int64_t amendment_id;
    char object_type[16];      /* "contract", "action", "budget_line" */
    int64_t object_id;
    char field[64];
    char *before, *after;      /* owned; NULL when there was none */
} mg_contract_amendment_change;

/** Records amendment number (next of the contract) with its title, dates
 * and description. Audited on the contract ("amend"). */
int mg_contract_amendment_create(mg_db *db, int64_t by, int64_t contract_id, const char *title,
                                 const char *signed_on, const char *effective_on,
                                 const char *description, int64_t *id_out,
                                 mg_contract_field_error *fe, mg_diag *d) MG_WARN_UNUSED;
/** Under amendment `amendment_id`, changes an action's start and planned
 * end (NULL keeps one), keeping the values signed before as its changes. */
int mg_contract_amend_action_dates(mg_db *db, int64_t by, int64_t amendment_id,
                                   int64_t action_id, const char *starts_on, const char *due_on,
                                   mg_contract_field_error *fe, mg_diag *d) MG_WARN_UNUSED;
int mg_contract_amendments(mg_db *db, int64_t contract_id, mg_contract_amendment **out,
                           size_t *n, mg_diag *d) MG_WARN_UNUSED;
void mg_contract_amendments_free(mg_contract_amendment *v, size_t n);
/** The changes of every amendment of a contract, by amendment then id. */
int mg_contract_amendment_changes(mg_db *db, int64_t contract_id,
                                  mg_contract_amendment_change **out, size_t *n,
                                  mg_diag *d) MG_WARN_UNUSED;
void mg_contract_amendment_changes_free(mg_contract_amendment_change *v, size_t n);

/* --- Documents -------------------------------------------------------------- */

typedef struct mg_contract_document {
    int64_t id;
    int64_t contract_id;
    int64_t action_id;         /* 0: the contract's */
    char title[MG_CONTRACT_TITLE_MAX_CHARS * 4 + 1];
    char filename[256 * 4];
    char media_type[96];       /* from the content, never from the name */
    char sha256[65];
    size_t size;
    char created_at[MG_DB_TIMESTAMP_SIZE];
} mg_contract_document;

enum { MG_CONTRACT_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024 };

/** The media type of a document read from its bytes, never from its name
 * (added by the amendments and documents work, documents.c): "%PDF-" is
 * PDF, the PNG and JPEG signatures, and a ZIP archive (read through libzip)
 * whose "mimetype" entry names an OpenDocument text or spreadsheet, or
 * whose "[Content_Types].xml" names the main part of a Word or Excel
 * document (and not both). A static string of the accepted list, or NULL
 * when the bytes are not clearly one of them. The fuzz target
 * fuzz_document_type runs it. */
const char *mg_contract_document_type(const void *data, size_t len);

/** A short French name of an accepted media type ("PDF", "Image PNG",
 * "Document Word"…); "" for any other. */
const char *mg_contract_document_type_label(const char *media_type);

/** Stores a document (PDF, PNG, JPEG, DOCX, XLSX, ODT, ODS: the type read
 * from its first bytes; MG_EINVAL on "file" otherwise or when larger than
 * MG_CONTRACT_DOCUMENT_MAX_BYTES) in the database, so that every server
 * process serves it. Audited on the contract ("add_document"). */
int mg_contract_document_add(mg_db *db, int64_t by, int64_t contract_id, int64_t action_id,
                             const char *title, const char *filename, const void *data,
                             size_t len, int64_t *id_out, mg_contract_field_error *fe,
                             mg_diag *d) MG_WARN_UNUSED;
int mg_contract_documents(mg_db *db, int64_t contract_id, mg_contract_document **out,
                          size_t *n, mg_diag *d) MG_WARN_UNUSED;
/** One document and its bytes into *data (malloc'd, *len). */
int mg_contract_document_get(mg_db *db, int64_t id, mg_contract_document *out, void **data,
                             size_t *len, mg_diag *d) MG_WARN_UNUSED;

#endif
