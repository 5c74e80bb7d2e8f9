/**
 * @file instruction.h
 * The joint instruction of a subsidy request (issue 16; instruction.c,
 * messages.c, committees.c; docs/funding.md): the lead routes the request
 * to the co-funders it names and may add one; each co-funder's instructor
 * gives an opinion, asks the applicant a question (its part goes "to
 * complete" until the answer), and records its own decision; messages
 * between the applicant and the instructors, and between instructors only;
 * joint committees.
 *
 * Every function is one write transaction: the part's change, the
 * request's overall state recomputed (mg_subsidy_overall_state) and
 * written, the audit entry (object "subsidy_request", organisation the
 * applicant), and the mail to the applicant (a question, a decision) put
 * in the mail queue (mail/mail.h) — all stand or none. The rights are the
 * caller's to check (auth.h: ROUTE, INSTRUCT, DECIDE).
 *
 * A decision is final and taken once: two instructors deciding at once,
 * the first stands and the second gets MG_EINVAL on "decision" with
 * « Cette demande a déjà reçu la décision de … » (the database's
 * conditional UPDATE and the transitions trigger decide, not a read
 * before the write).
 */
#ifndef MG_FUNDING_INSTRUCTION_H
#define MG_FUNDING_INSTRUCTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"
#include "funding/funding.h"

/** A co-funder's part of a request. */
typedef struct mg_subsidy_part {
    int64_t request_id;
    int64_t funder_id;
    char funder_name[MG_SUBSIDY_NAME_MAX_BYTES + 1];
    int64_t asked_cents;
    mg_subsidy_part_state state;
    bool added_by_lead;
    char routed_at[32];            /* "" not routed */
    char opinion[16];              /* "favourable", "reserved", "unfavourable", "" none */
    char opinion_text[MG_SUBSIDY_TEXT_MAX_CHARS * 4 + 1];
    char opinion_at[32];
    int64_t granted_cents;         /* 0 unless granted */
    char reason[MG_SUBSIDY_TEXT_MAX_CHARS * 4 + 1];
    int64_t decided_by;
    char decided_at[32];
    int64_t paid_cents;
    char agreement_on[11];         /* "" none */
} mg_subsidy_part;

/** The parts of a request by co-funder name, into a new array (free()). */
int mg_subsidy_parts(mg_db *db, int64_t request_id, mg_subsidy_part **out, size_t *n,
                     mg_diag *d) MG_WARN_UNUSED;
int mg_subsidy_part_get(mg_db *db, int64_t request_id, int64_t funder_id, mg_subsidy_part *out,
                        mg_diag *d) MG_WARN_UNUSED;

/** The lead routes a filed request to the co-funders `funders` (each must
 * be addressed: "funders"); their parts become "received", they are told
 * by mail. n 0: to every part still addressed. */
int mg_subsidy_route(mg_db *db, int64_t by, int64_t request_id, const int64_t *funders,
                     size_t n, mg_subsidy_errors *errs, mg_diag *d) MG_WARN_UNUSED;

/** The lead adds a co-funder the applicant did not name, with the amount
 * it is asked ("funder", "asked"); the part is routed at once. */
int mg_subsidy_add_funder(mg_db *db, int64_t by, int64_t request_id, int64_t funder_id,
                          const char *asked, mg_subsidy_errors *errs, mg_diag *d) MG_WARN_UNUSED;

/* "favourable", "reserved", "unfavourable"; « Favorable », « Réservé », « Défavorable ». */
const char *mg_subsidy_opinion_label(const char *key);

/** A co-funder's instructor gives (or changes) its opinion ("opinion",
 * "opinion_text"); a received part goes "in instruction". */
int mg_subsidy_opinion(mg_db *db, int64_t by, int64_t request_id, int64_t funder_id,
                       const char *opinion, const char *text, mg_subsidy_errors *errs,
                       mg_diag *d) MG_WARN_UNUSED;

/** A question to the applicant for co-funder `funder_id` ("body"): the
 * part goes "to complete" until answered; the applicant is told by mail. */
int mg_subsidy_question(mg_db *db, int64_t by, int64_t request_id, int64_t funder_id,
                        const char *body, int64_t *message_id, mg_subsidy_errors *errs,
                        mg_diag *d) MG_WARN_UNUSED;

/** The applicant answers question `question_id` ("body"), and may change
 * the request with it (changes non-NULL: the whole form as typed, checked
 * as at filing; a new version kept with reason "answer"). The part goes
 * back to the state it had before the question; the co-funder's
 * instructors are told by mail. */
int mg_subsidy_answer(mg_db *db, int64_t by, int64_t request_id, int64_t question_id,
                      const char *body, const mg_subsidy_request_input *changes,
                      mg_subsidy_errors *errs, mg_diag *d) MG_WARN_UNUSED;

typedef enum mg_subsidy_decision {
    MG_DECISION_GRANT = 0,         /* with an amount, not above what was asked of it */
    MG_DECISION_REFUSE,            /* with a reason */
    MG_DECISION_CLOSE,             /* classée sans suite */
} mg_subsidy_decision;

/* "grant", "refuse", "close"; « Accorder », « Refuser », « Classer sans suite ». */
const char *mg_subsidy_decision_key(mg_subsidy_decision k);
const char *mg_subsidy_decision_label(mg_subsidy_decision k);
int mg_subsidy_decision_parse(const char *key, mg_subsidy_decision *out) MG_WARN_UNUSED;

/** Co-funder `funder_id`'s decision ("decision", "amount", "reason"),
 * year and nature of the budget line it feeds taken from the request. A
 * grant on a request that finances a contract action feeds that action's
 * budget line in the same transaction (contracts/budget.h,
 * mg_budget_feed_in). The applicant is told by mail. */
int mg_subsidy_decide(mg_db *db, int64_t by, int64_t request_id, int64_t funder_id,
                      mg_subsidy_decision decision, const char *amount, const char *reason,
                      mg_subsidy_errors *errs, mg_diag *d) MG_WARN_UNUSED;

/* --- Messages (messages.c) ------------------------------------------------------------------ */

typedef enum mg_subsidy_message_kind {
    MG_MESSAGE_QUESTION = 0,       /* an instructor's question for its part */
    MG_MESSAGE_ANSWER,             /* the applicant's answer to a question */
    MG_MESSAGE_PUBLIC,             /* between the applicant and the instructors */
    MG_MESSAGE_INTERNAL,           /* between instructors (lead, co-funders) only */
} mg_subsidy_message_kind;

/* "question", "answer", "message", "internal". */
const char *mg_subsidy_message_kind_key(mg_subsidy_message_kind k);

typedef struct mg_subsidy_message {
    int64_t id;
    mg_subsidy_message_kind kind;
    int64_t funder_id;             /* questions: the part; else 0 */
    int64_t author_id;
    char author_name[MG_SUBSIDY_NAME_MAX_BYTES + 1]; /* the account's display name */
    int64_t author_org_id;
    char author_org_name[MG_SUBSIDY_NAME_MAX_BYTES + 1];
    char *body;                    /* owned */
    int64_t answers_id;
    char answered_at[32];
    char created_at[32];
} mg_subsidy_message;

/** Writes a message ("body") of kind PUBLIC (from the applicant or an
 * instructor) or INTERNAL (instructors only) in the name of `author_org`. */
int mg_subsidy_message_add(mg_db *db, int64_t by, int64_t author_org, int64_t request_id,
                           mg_subsidy_message_kind kind, const char *body, int64_t *id_out,
                           mg_subsidy_errors *errs, mg_diag *d) MG_WARN_UNUSED;

/** The messages of a request, oldest first, into a new array
 * (mg_subsidy_messages_free). with_internal false: the internal ones are
 * left out by the query itself (what the applicant's pages and API use). */
int mg_subsidy_messages(mg_db *db, int64_t request_id, bool with_internal,
                        mg_subsidy_message **out, size_t *n, mg_diag *d) MG_WARN_UNUSED;
void mg_subsidy_messages_free(mg_subsidy_message *m, size_t n);

/* --- Joint committees (committees.c) --------------------------------------------------------- */

typedef struct mg_subsidy_committee {
    int64_t id;
    int64_t window_id;
    char held_on[11];
    char title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
    bool is_example;
} mg_subsidy_committee;

/* "", "approved", "approved_part", "refused", "postponed"; « À examiner »,
 * « Favorable », « Favorable en partie », « Défavorable », « Ajournée ». */
const char *mg_subsidy_outcome_label(const char *key);

/** A committee of `window_id` on `held_on` ("held_on", "title") examining
 * `requests` (each of the window and filed: "requests"). */
int mg_subsidy_committee_create(mg_db *db, int64_t by, int64_t window_id, const char *held_on,
                                const char *title, const int64_t *requests, size_t n,
                                int64_t *id_out, mg_subsidy_errors *errs,
                                mg_diag *d) MG_WARN_UNUSED;
int mg_subsidy_committee_get(mg_db *db, int64_t id, mg_subsidy_committee *out,
                             mg_diag *d) MG_WARN_UNUSED;
int mg_subsidy_committees(mg_db *db, int64_t window_id, mg_subsidy_committee **out, size_t *n,
                          mg_diag *d) MG_WARN_UNUSED;

/** One request of a committee with every co-funder's position side by side. */
typedef struct mg_subsidy_committee_item {
    int64_t request_id;
    char title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
    char applicant_name[MG_SUBSIDY_NAME_MAX_BYTES + 1];
    mg_subsidy_state state;
    char outcome[16];
    char note[2000 * 4 + 1];
    mg_subsidy_part *parts;        /* owned */
    size_t nparts;
} mg_subsidy_committee_item;

int mg_subsidy_committee_items(mg_db *db, int64_t committee_id, mg_subsidy_committee_item **out,
                               size_t *n, mg_diag *d) MG_WARN_UNUSED;
void mg_subsidy_committee_items_free(mg_subsidy_committee_item *it, size_t n);

/** Records the committee's outcome for one of its requests ("outcome", "note"). */
int mg_subsidy_committee_outcome(mg_db *db, int64_t by, int64_t committee_id, int64_t request_id,
                                 const char *outcome, const char *note, mg_subsidy_errors *errs,
                                 mg_diag *d) MG_WARN_UNUSED;

/* --- Links in mail (notices.c) ---------------------------------------------------------------- */

/** The site's address for the links of the single window's mail
 * ("https://maillage.example.fr", no trailing '/'; set once at start-up by
 * whoever knows it, e.g. the web server's --public-url). Not set, or not
 * an http(s) address: links are the page's path alone. */
void mg_subsidy_set_public_url(const char *url);

/** The link to request `request_id`'s page: base + "/guichet/demandes/N". */
void mg_subsidy_page_link(int64_t request_id, char *out, size_t cap);

#endif
