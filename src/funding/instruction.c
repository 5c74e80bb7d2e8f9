/*
 * The joint instruction of a subsidy request (instruction.h): each
 * co-funder's part, the lead's routing, opinions, questions and answers,
 * decisions. Every change is one write transaction holding the part's
 * change, the request's overall state recomputed (mg_subsidy_refresh_state),
 * the audit entry and the mail it causes. A part moves only along the
 * transitions of migration 009 (its trigger refuses any other), and each
 * UPDATE names the states it may start from, so that of two instructors
 * deciding at once the database lets one through and the other changes no
 * row and is told who decided.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "contracts/budget.h"
#include "core/utf8.h"
#include "funding/aftergrant.h"
#include "funding/instruction.h"
#include "funding/internal.h"
#include "mail/mail.h"

/* --- Shared pieces --------------------------------------------------------------------------- */

/* What every function needs of the request, read on the transaction's connection. */
typedef struct req_info {
    int64_t id, applicant_id, lead_id, action_id;
    bool filed;
    char title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
} req_info;

static int req_read(mg_db_conn *c, int64_t id, req_info *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT r.applicant_id, w.lead_id, COALESCE(r.action_id, 0), "
                                "r.filed_at, r.title "
                                "FROM subsidy_requests r "
                                "JOIN subsidy_windows w ON w.id = r.window_id WHERE r.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        out->id = id;
        out->applicant_id = mg_db_column_int64(q, 0);
        out->lead_id = mg_db_column_int64(q, 1);
        out->action_id = mg_db_column_int64(q, 2);
        out->filed = !mg_db_column_is_null(q, 3);
        mg_db_column_copy(q, 4, out->title, sizeof out->title);
        /* One line of the mail each: a title typed with a line break stays one line. */
        for (char *p = out->title; *p; p++)
            if (*p == '\r' || *p == '\n')
                *p = ' ';
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy request has id %lld",
                         (long long)id);
    }
    mg_db_finalize(q);
    return rc;
}

/* An organisation's name (for a sentence), "" when it has none. */
static int org_name(mg_db_conn *c, int64_t id, char *out, size_t cap, mg_diag *d)
{
    out[0] = '\0';
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, "SELECT name FROM organisations WHERE id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        mg_db_column_copy(q, 0, out, cap);
        rc = 0;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

/* Text of at most max characters, valid UTF-8; required: not blank. 0 or
 * the field refused in errs. */
static bool text_ok(const char *s, size_t max, bool required, const char *field,
                    const char *label, mg_subsidy_errors *errs)
{
    size_t chars = 0, n = s ? strlen(s) : 0;
    if (n && mg_utf8_check(s, n, &chars) != n) {
        mg_subsidy_errors_add(errs, field, "%s : le texte n'est pas en UTF-8 valide.", label);
        return false;
    }
    bool blank = true;
    for (size_t i = 0; i < n && blank; i++)
        blank = s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n';
    if (required && blank) {
        mg_subsidy_errors_add(errs, field, "%s : à remplir.", label);
        return false;
    }
    if (chars > max) {
        mg_subsidy_errors_add(errs, field, "%s : au plus %zu caractères (%zu saisis).", label,
                              max, chars);
        return false;
    }
    return true;
}

/* Puts a notice about request r (to its applicant when org is 0, else to
 * org's managers and instructors): what happened, the request's title,
 * number and page. */
static int notice(mg_db_conn *c, const req_info *r, int64_t org, const char *subject_what,
                  const char *what, mg_diag *d)
{
    char link[512], subject[MG_MAIL_SUBJECT_MAX_BYTES + 1];
    mg_subsidy_page_link(r->id, link, sizeof link);
    snprintf(subject, sizeof subject, "Demande de subvention n° %lld : %s", (long long)r->id,
             subject_what);
    size_t cap = strlen(what) + strlen(r->title) + strlen(link) + 512;
    char *body = malloc(cap);
    if (!body)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    snprintf(body, cap,
             "Bonjour,\n"
             "\n"
             "%s\n"
             "\n"
             "Demande n° %lld :\n"
             "%s\n"
             "\n"
             "Pour la consulter, connectez-vous à maillage et ouvrez sa page :\n"
             "%s\n"
             "\n"
             "Bien cordialement,\n"
             "maillage\n",
             what, (long long)r->id, r->title[0] ? r->title : "(sans titre)", link);
    int rc = org ? mg_subsidy_notify_org(c, org, subject, body, d)
                 : mg_subsidy_notify_applicant(c, r->id, subject, body, d);
    free(body);
    return rc;
}

/* The audit entry of something done to request r. */
static int audit(mg_db_conn *c, int64_t by, const req_info *r, const char *verb,
                 const mg_audit_change *ch, size_t n, mg_diag *d)
{
    mg_audit_entry e = {.account_id = by, .organisation_id = r->applicant_id,
                        .object_type = "subsidy_request", .object_id = r->id, .verb = verb,
                        .changes = ch, .nchanges = n};
    return mg_audit_append(c, &e, NULL, d);
}

/* "funder_<id>.<what>", an audit field's name. */
static void part_field(char out[static 48], int64_t funder_id, const char *what)
{
    snprintf(out, 48, "funder_%lld.%s", (long long)funder_id, what);
}

/* --- Parts ----------------------------------------------------------------------------------- */

#define PART_COLUMNS                                                                           \
    "p.request_id, p.funder_id, o.name, p.asked_cents, p.state, p.added_by_lead, "            \
    "p.routed_at, p.opinion, p.opinion_text, p.opinion_at, COALESCE(p.granted_cents, 0), "    \
    "p.reason, COALESCE(p.decided_by, 0), p.decided_at, p.paid_cents, p.agreement_on "        \
    "FROM subsidy_request_funders p JOIN organisations o ON o.id = p.funder_id "

static void part_read(mg_db_stmt *q, mg_subsidy_part *p)
{
    memset(p, 0, sizeof *p);
    p->request_id = mg_db_column_int64(q, 0);
    p->funder_id = mg_db_column_int64(q, 1);
    mg_db_column_copy(q, 2, p->funder_name, sizeof p->funder_name);
    p->asked_cents = mg_db_column_int64(q, 3);
    if (mg_subsidy_part_state_parse(mg_db_column_text(q, 4), &p->state) != 0)
        p->state = MG_PART_ADDRESSED;
    p->added_by_lead = mg_db_column_int64(q, 5) != 0;
    mg_db_column_copy(q, 6, p->routed_at, sizeof p->routed_at);
    mg_db_column_copy(q, 7, p->opinion, sizeof p->opinion);
    mg_db_column_copy(q, 8, p->opinion_text, sizeof p->opinion_text);
    mg_db_column_copy(q, 9, p->opinion_at, sizeof p->opinion_at);
    p->granted_cents = mg_db_column_int64(q, 10);
    mg_db_column_copy(q, 11, p->reason, sizeof p->reason);
    p->decided_by = mg_db_column_int64(q, 12);
    mg_db_column_copy(q, 13, p->decided_at, sizeof p->decided_at);
    p->paid_cents = mg_db_column_int64(q, 14);
    mg_db_column_copy(q, 15, p->agreement_on, sizeof p->agreement_on);
}

/* The parts of a request on c, by co-funder name, into a new array. */
static int parts_on(mg_db_conn *c, int64_t request_id, mg_subsidy_part **out, size_t *n,
                    mg_diag *d)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, "SELECT " PART_COLUMNS
                                "WHERE p.request_id = ?1 ORDER BY o.name, p.funder_id",
                                MG_DB_PARAMS(MG_DB_INT(request_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            mg_subsidy_part *p = realloc(*out, ncap * sizeof *p);
            if (!p) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            *out = p, cap = ncap;
        }
        part_read(q, &(*out)[(*n)++]);
    }
    mg_db_finalize(q);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    return 0;
}

static int part_on(mg_db_conn *c, int64_t request_id, int64_t funder_id, mg_subsidy_part *out,
                   mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, "SELECT " PART_COLUMNS
                                "WHERE p.request_id = ?1 AND p.funder_id = ?2",
                                MG_DB_PARAMS(MG_DB_INT(request_id), MG_DB_INT(funder_id)), &q, d);
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        part_read(q, out);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                         "organisation %lld has no part in subsidy request %lld",
                         (long long)funder_id, (long long)request_id);
    }
    mg_db_finalize(q);
    return rc;
}

struct parts_tx {
    int64_t request_id, funder_id;
    mg_subsidy_part *out, one;
    size_t n;
};

static int parts_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct parts_tx *t = ctx;
    free(t->out);
    t->out = NULL;
    t->n = 0;
    if (t->funder_id)
        return part_on(c, t->request_id, t->funder_id, &t->one, d);
    return parts_on(c, t->request_id, &t->out, &t->n, d);
}

int mg_subsidy_parts(mg_db *db, int64_t request_id, mg_subsidy_part **out, size_t *n,
                     mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_parts: bad arguments");
    struct parts_tx t = {.request_id = request_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, parts_body, &t, d);
    if (rc < 0) {
        free(t.out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}

int mg_subsidy_part_get(mg_db *db, int64_t request_id, int64_t funder_id, mg_subsidy_part *out,
                        mg_diag *d)
{
    if (!db || !out || funder_id <= 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_part_get: bad arguments");
    struct parts_tx t = {.request_id = request_id, .funder_id = funder_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, parts_body, &t, d);
    if (rc == 0)
        *out = t.one;
    return rc;
}

/* The sentence telling why part p cannot take a decision or an opinion now. */
static void part_not_open(const mg_subsidy_part *p, char *out, size_t cap)
{
    switch (p->state) {
    case MG_PART_ADDRESSED:
        snprintf(out, cap, "La demande n'a pas encore été orientée vers %s.", p->funder_name);
        break;
    case MG_PART_TO_COMPLETE:
        snprintf(out, cap, "La part de %s attend la réponse du demandeur à une question.",
                 p->funder_name);
        break;
    default:
        snprintf(out, cap, "Cette demande a déjà reçu la décision de %s (%s).", p->funder_name,
                 mg_subsidy_part_state_label(p->state));
        break;
    }
}

/* --- Routing --------------------------------------------------------------------------------- */

struct route_tx {
    int64_t by, request_id, funder_id;
    const int64_t *funders;
    size_t n;
    const char *asked;
    mg_subsidy_errors *errs;
};

static int route_one(mg_db_conn *c, struct route_tx *t, const req_info *r, int64_t funder,
                     const char *now, mg_diag *d)
{
    int64_t changed = 0;
    int rc = mg_db_run(c,
                       "UPDATE subsidy_request_funders SET state = 'received', routed_at = ?3, "
                       "routed_by = ?4, updated_at = ?3 "
                       "WHERE request_id = ?1 AND funder_id = ?2 AND state = 'addressed'",
                       MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(funder), MG_DB_TEXT(now),
                                    (t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL)),
                       &changed, d);
    if (rc < 0)
        return rc;
    if (changed == 0) {
        char name[MG_SUBSIDY_NAME_MAX_BYTES + 1];
        if ((rc = org_name(c, funder, name, sizeof name, d)) < 0)
            return rc;
        mg_subsidy_errors_add(t->errs, "funders",
                              "%s n'est pas un cofinanceur de cette demande en attente "
                              "d'orientation.", name[0] ? name : "Cet organisme");
        return MG_EINVAL;
    }
    char field[48];
    part_field(field, funder, "state");
    mg_audit_change ch[] = {{field, "addressed", "received", false}};
    if ((rc = audit(c, t->by, r, "route", ch, 1, d)) < 0)
        return rc;
    return notice(c, r, funder, "à instruire",
                  "Une demande de subvention vous est adressée par le guichet unique : elle "
                  "est à instruire.", d);
}

static int route_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct route_tx *t = ctx;
    if (t->errs)
        t->errs->n = 0;
    req_info r;
    int rc = req_read(c, t->request_id, &r, d);
    if (rc < 0)
        return rc;
    if (!r.filed) {
        mg_subsidy_errors_add(t->errs, "funders", "La demande n'est pas encore déposée.");
        return mg_subsidy_refuse(t->errs, d);
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    int64_t all[MG_SUBSIDY_FUNDERS_MAX];
    const int64_t *list = t->funders;
    size_t n = t->n;
    if (n == 0) {
        mg_db_stmt *q = NULL;
        rc = mg_db_prepare_with(c,
                                "SELECT funder_id FROM subsidy_request_funders "
                                "WHERE request_id = ?1 AND state = 'addressed' ORDER BY funder_id",
                                MG_DB_PARAMS(MG_DB_INT(t->request_id)), &q, d);
        while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
            rc = 0;
            if (n < MG_SUBSIDY_FUNDERS_MAX)
                all[n++] = mg_db_column_int64(q, 0);
        }
        mg_db_finalize(q);
        if (rc < 0)
            return rc;
        if (n == 0) {
            mg_subsidy_errors_add(t->errs, "funders",
                                  "Aucun cofinanceur de cette demande n'attend d'être orienté.");
            return mg_subsidy_refuse(t->errs, d);
        }
        list = all;
    }
    for (size_t i = 0; i < n; i++) {
        rc = route_one(c, t, &r, list[i], now, d);
        if (rc == MG_EINVAL && t->errs && t->errs->n)
            return mg_subsidy_refuse(t->errs, d);
        if (rc < 0)
            return rc;
    }
    return mg_subsidy_refresh_state(c, t->request_id, NULL, d);
}

int mg_subsidy_route(mg_db *db, int64_t by, int64_t request_id, const int64_t *funders,
                     size_t n, mg_subsidy_errors *errs, mg_diag *d)
{
    if (!db || (n && !funders) || n > MG_SUBSIDY_FUNDERS_MAX)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_route: bad arguments");
    mg_subsidy_errors local = {0};
    struct route_tx t = {.by = by, .request_id = request_id, .funders = funders, .n = n,
                         .errs = errs ? errs : &local};
    return mg_db_transaction(db, MG_DB_TX_WRITE, route_body, &t, d);
}

static int add_funder_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct route_tx *t = ctx;
    t->errs->n = 0;
    req_info r;
    int rc = req_read(c, t->request_id, &r, d);
    if (rc < 0)
        return rc;
    if (!r.filed)
        mg_subsidy_errors_add(t->errs, "funder", "La demande n'est pas encore déposée.");
    char name[MG_SUBSIDY_NAME_MAX_BYTES + 1] = "";
    if ((rc = org_name(c, t->funder_id, name, sizeof name, d)) < 0)
        return rc;
    int64_t count = 0, exists = 0;
    if (!name[0]) {
        mg_subsidy_errors_add(t->errs, "funder", "Choisissez un organisme de la liste.");
    } else if (t->funder_id == r.applicant_id) {
        mg_subsidy_errors_add(t->errs, "funder",
                              "Le demandeur ne peut pas être son propre cofinanceur.");
    } else {
        rc = mg_db_query_int(c,
                             "SELECT COUNT(*) FROM subsidy_request_funders WHERE request_id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->request_id)), &count, d);
        if (rc == 0)
            rc = mg_db_query_int(c,
                                 "SELECT COUNT(*) FROM subsidy_request_funders "
                                 "WHERE request_id = ?1 AND funder_id = ?2",
                                 MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(t->funder_id)),
                                 &exists, d);
        if (rc < 0)
            return rc;
        if (exists)
            mg_subsidy_errors_add(t->errs, "funder",
                                  "%s figure déjà parmi les cofinanceurs de cette demande.", name);
        else if (count >= MG_SUBSIDY_FUNDERS_MAX)
            mg_subsidy_errors_add(t->errs, "funder",
                                  "Une demande a au plus %d cofinanceurs.",
                                  (int)MG_SUBSIDY_FUNDERS_MAX);
    }
    int64_t asked = 0;
    if (!t->asked || !t->asked[0])
        mg_subsidy_errors_add(t->errs, "asked", "Montant demandé : à remplir.");
    else if (mg_budget_parse_cents(t->asked, &asked) != 0)
        mg_subsidy_errors_add(t->errs, "asked",
                              "Montant demandé : un montant en euros est attendu "
                              "(par exemple « 12 500 » ou « 12 500,50 »).");
    else if (asked <= 0)
        mg_subsidy_errors_add(t->errs, "asked", "Montant demandé : plus de 0 € est attendu.");
    if (t->errs->n)
        return mg_subsidy_refuse(t->errs, d);
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_run(c,
                   "INSERT INTO subsidy_request_funders (request_id, funder_id, asked_cents, "
                   "state, added_by_lead, routed_at, routed_by, updated_at) "
                   "VALUES (?1, ?2, ?3, 'received', 1, ?4, ?5, ?4)",
                   MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(t->funder_id),
                                MG_DB_INT(asked), MG_DB_TEXT(now), (t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL)),
                   NULL, d);
    if (rc < 0)
        return rc;
    char f_state[48], f_asked[48], f_lead[48], asked_text[24];
    part_field(f_state, t->funder_id, "state");
    part_field(f_asked, t->funder_id, "asked_cents");
    part_field(f_lead, t->funder_id, "added_by_lead");
    mg_subsidy_int_text(asked_text, asked);
    mg_audit_change ch[] = {{f_state, NULL, "received", false},
                            {f_asked, NULL, asked_text, false},
                            {f_lead, NULL, "1", false}};
    if ((rc = audit(c, t->by, &r, "add_funder", ch, 3, d)) < 0)
        return rc;
    if ((rc = notice(c, &r, t->funder_id, "à instruire",
                     "Le guichet unique vous associe au financement d'une demande de "
                     "subvention : elle est à instruire.", d)) < 0)
        return rc;
    return mg_subsidy_refresh_state(c, t->request_id, NULL, d);
}

int mg_subsidy_add_funder(mg_db *db, int64_t by, int64_t request_id, int64_t funder_id,
                          const char *asked, mg_subsidy_errors *errs, mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_add_funder: bad arguments");
    mg_subsidy_errors local = {0};
    struct route_tx t = {.by = by, .request_id = request_id, .funder_id = funder_id,
                         .asked = asked, .errs = errs ? errs : &local};
    return mg_db_transaction(db, MG_DB_TX_WRITE, add_funder_body, &t, d);
}

/* --- Opinions -------------------------------------------------------------------------------- */

struct part_tx {
    int64_t by, request_id, funder_id, question_id;
    const char *key, *text, *amount;
    mg_subsidy_decision decision;
    const mg_subsidy_request_input *changes;
    int64_t message_id;
    mg_subsidy_errors *errs;
};

static int opinion_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct part_tx *t = ctx;
    t->errs->n = 0;
    req_info r;
    mg_subsidy_part p;
    int rc = req_read(c, t->request_id, &r, d);
    if (rc == 0)
        rc = part_on(c, t->request_id, t->funder_id, &p, d);
    if (rc < 0)
        return rc;
    if (!mg_subsidy_opinion_label(t->key)[0])
        mg_subsidy_errors_add(t->errs, "opinion",
                              "Avis : choisissez « Favorable », « Réservé » ou « Défavorable ».");
    text_ok(t->text, MG_SUBSIDY_TEXT_MAX_CHARS, false, "opinion_text", "Motivation de l'avis",
            t->errs);
    if (t->errs->n)
        return mg_subsidy_refuse(t->errs, d);
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    /* A received part goes in instruction; one waiting for an answer goes
     * back in instruction (not merely received) once answered. */
    int64_t changed = 0;
    rc = mg_db_run(c,
                   "UPDATE subsidy_request_funders SET opinion = ?3, opinion_text = ?4, "
                   "opinion_by = ?5, opinion_at = ?6, updated_at = ?6, "
                   "state = CASE WHEN state = 'received' THEN 'in_instruction' ELSE state END, "
                   "state_before_question = CASE WHEN state = 'to_complete' "
                   "THEN 'in_instruction' ELSE state_before_question END "
                   "WHERE request_id = ?1 AND funder_id = ?2 "
                   "AND state IN ('received', 'in_instruction', 'to_complete')",
                   MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(t->funder_id),
                                MG_DB_TEXT(t->key), MG_DB_TEXT(t->text ? t->text : ""),
                                (t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL), MG_DB_TEXT(now)),
                   &changed, d);
    if (rc < 0)
        return rc;
    if (changed == 0) {
        char why[1024];
        if ((rc = part_on(c, t->request_id, t->funder_id, &p, d)) < 0)
            return rc;
        part_not_open(&p, why, sizeof why);
        mg_subsidy_errors_add(t->errs, "opinion", "%s", why);
        return mg_subsidy_refuse(t->errs, d);
    }
    char f_state[48], f_opinion[48], f_text[48];
    part_field(f_state, t->funder_id, "state");
    part_field(f_opinion, t->funder_id, "opinion");
    part_field(f_text, t->funder_id, "opinion_text");
    const char *before = mg_subsidy_part_state_key(p.state);
    const char *after = p.state == MG_PART_RECEIVED ? "in_instruction" : before;
    mg_audit_change ch[] = {{f_state, before, after, false},
                            {f_opinion, p.opinion[0] ? p.opinion : NULL, t->key, false},
                            /* the instructors' words stay off the trail the applicant reads */
                            {f_text, NULL, NULL, true}};
    if ((rc = audit(c, t->by, &r, "opinion", ch, 3, d)) < 0)
        return rc;
    return mg_subsidy_refresh_state(c, t->request_id, NULL, d);
}

int mg_subsidy_opinion(mg_db *db, int64_t by, int64_t request_id, int64_t funder_id,
                       const char *opinion, const char *text, mg_subsidy_errors *errs,
                       mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_opinion: bad arguments");
    mg_subsidy_errors local = {0};
    struct part_tx t = {.by = by, .request_id = request_id, .funder_id = funder_id,
                        .key = opinion ? opinion : "", .text = text,
                        .errs = errs ? errs : &local};
    return mg_db_transaction(db, MG_DB_TX_WRITE, opinion_body, &t, d);
}

/* --- Questions and answers ------------------------------------------------------------------- */

static int question_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct part_tx *t = ctx;
    t->errs->n = 0;
    t->message_id = 0;
    req_info r;
    mg_subsidy_part p;
    int rc = req_read(c, t->request_id, &r, d);
    if (rc == 0)
        rc = part_on(c, t->request_id, t->funder_id, &p, d);
    if (rc < 0)
        return rc;
    if (!text_ok(t->text, MG_SUBSIDY_TEXT_MAX_CHARS, true, "body", "Question", t->errs))
        return mg_subsidy_refuse(t->errs, d);
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    /* received or in instruction: to complete, remembering where it was;
     * already to complete (another question open): it stays so. */
    int64_t changed = 0;
    rc = mg_db_run(c,
                   "UPDATE subsidy_request_funders SET "
                   "state_before_question = CASE WHEN state = 'to_complete' "
                   "THEN state_before_question ELSE state END, "
                   "state = 'to_complete', updated_at = ?3 "
                   "WHERE request_id = ?1 AND funder_id = ?2 "
                   "AND state IN ('received', 'in_instruction', 'to_complete')",
                   MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(t->funder_id),
                                MG_DB_TEXT(now)),
                   &changed, d);
    if (rc < 0)
        return rc;
    if (changed == 0) {
        char why[1024];
        if ((rc = part_on(c, t->request_id, t->funder_id, &p, d)) < 0)
            return rc;
        part_not_open(&p, why, sizeof why);
        mg_subsidy_errors_add(t->errs, "body", "%s", why);
        return mg_subsidy_refuse(t->errs, d);
    }
    rc = mg_db_query_int(c,
                         "INSERT INTO subsidy_messages (request_id, funder_id, kind, author_id, "
                         "author_org_id, body, created_at) "
                         "VALUES (?1, ?2, 'question', ?3, ?2, ?4, ?5) RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(t->funder_id),
                                      (t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL), MG_DB_TEXT(t->text), MG_DB_TEXT(now)),
                         &t->message_id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new question has no id");
    if (rc < 0)
        return rc;
    char f_state[48], f_q[48], qid[24];
    part_field(f_state, t->funder_id, "state");
    part_field(f_q, t->funder_id, "question_id");
    mg_subsidy_int_text(qid, t->message_id);
    mg_audit_change ch[] = {{f_state, mg_subsidy_part_state_key(p.state), "to_complete", false},
                            {f_q, NULL, qid, false}};
    if ((rc = audit(c, t->by, &r, "question", ch, 2, d)) < 0)
        return rc;
    char what[MG_SUBSIDY_NAME_MAX_BYTES + 256];
    snprintf(what, sizeof what,
             "%s vous pose une question sur votre demande de subvention. Elle reste à compléter "
             "jusqu'à votre réponse, que vous donnez sur la page de la demande.",
             p.funder_name);
    if ((rc = notice(c, &r, 0, "une question vous est posée", what, d)) < 0)
        return rc;
    return mg_subsidy_refresh_state(c, t->request_id, NULL, d);
}

int mg_subsidy_question(mg_db *db, int64_t by, int64_t request_id, int64_t funder_id,
                        const char *body, int64_t *message_id, mg_subsidy_errors *errs,
                        mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_question: bad arguments");
    mg_subsidy_errors local = {0};
    struct part_tx t = {.by = by, .request_id = request_id, .funder_id = funder_id,
                        .text = body, .errs = errs ? errs : &local};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, question_body, &t, d);
    if (rc == 0 && message_id)
        *message_id = t.message_id;
    return rc;
}

static int answer_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct part_tx *t = ctx;
    t->errs->n = 0;
    t->message_id = 0;
    req_info r;
    int rc = req_read(c, t->request_id, &r, d);
    if (rc < 0)
        return rc;
    /* The question: of this request, a question, still open. */
    int64_t funder = 0;
    bool open = false;
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(c,
                            "SELECT COALESCE(funder_id, 0), answered_at FROM subsidy_messages "
                            "WHERE id = ?1 AND request_id = ?2 AND kind = 'question'",
                            MG_DB_PARAMS(MG_DB_INT(t->question_id), MG_DB_INT(t->request_id)),
                            &q, d);
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        funder = mg_db_column_int64(q, 0);
        open = mg_db_column_is_null(q, 1);
        rc = 0;
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    if (!funder)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                           "subsidy request %lld has no question %lld", (long long)t->request_id,
                           (long long)t->question_id);
    if (!open)
        mg_subsidy_errors_add(t->errs, "body", "Cette question a déjà reçu une réponse.");
    else
        text_ok(t->text, MG_SUBSIDY_TEXT_MAX_CHARS, true, "body", "Réponse", t->errs);
    if (t->errs->n)
        return mg_subsidy_refuse(t->errs, d);
    if (t->changes) {
        rc = mg_subsidy_replace_on(c, t->by, t->request_id, t->changes, t->errs, d);
        if (rc == 0)
            rc = mg_subsidy_version_add(c, t->by, t->request_id, "answer", d);
        if (rc < 0)
            return rc;
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    /* Answered once: the condition on answered_at settles two answers at once. */
    int64_t changed = 0;
    rc = mg_db_run(c,
                   "UPDATE subsidy_messages SET answered_at = ?2 "
                   "WHERE id = ?1 AND answered_at IS NULL",
                   MG_DB_PARAMS(MG_DB_INT(t->question_id), MG_DB_TEXT(now)), &changed, d);
    if (rc < 0)
        return rc;
    if (changed == 0) {
        mg_subsidy_errors_add(t->errs, "body", "Cette question a déjà reçu une réponse.");
        return mg_subsidy_refuse(t->errs, d);
    }
    rc = mg_db_query_int(c,
                         "INSERT INTO subsidy_messages (request_id, funder_id, kind, author_id, "
                         "author_org_id, body, answers_id, created_at) "
                         "VALUES (?1, ?2, 'answer', ?3, ?4, ?5, ?6, ?7) RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(funder),
                                      (t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL), MG_DB_INT(r.applicant_id),
                                      MG_DB_TEXT(t->text), MG_DB_INT(t->question_id),
                                      MG_DB_TEXT(now)),
                         &t->message_id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new answer has no id");
    if (rc < 0)
        return rc;
    /* Back to where it was once no other question of this co-funder waits. */
    mg_subsidy_part p;
    if ((rc = part_on(c, t->request_id, funder, &p, d)) < 0)
        return rc;
    int64_t still_open = 0;
    rc = mg_db_query_int(c,
                         "SELECT COUNT(*) FROM subsidy_messages WHERE request_id = ?1 "
                         "AND funder_id = ?2 AND kind = 'question' AND answered_at IS NULL",
                         MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(funder)), &still_open,
                         d);
    if (rc < 0)
        return rc;
    const char *before = mg_subsidy_part_state_key(p.state), *after = before;
    if (p.state == MG_PART_TO_COMPLETE && still_open == 0) {
        rc = mg_db_run(c,
                       "UPDATE subsidy_request_funders SET state = state_before_question, "
                       "state_before_question = NULL, updated_at = ?3 "
                       "WHERE request_id = ?1 AND funder_id = ?2 AND state = 'to_complete'",
                       MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(funder),
                                    MG_DB_TEXT(now)),
                       NULL, d);
        if (rc < 0)
            return rc;
        mg_subsidy_part now_p;
        if ((rc = part_on(c, t->request_id, funder, &now_p, d)) < 0)
            return rc;
        after = mg_subsidy_part_state_key(now_p.state);
    }
    char f_state[48], f_q[48], f_changed[48], qid[24];
    part_field(f_state, funder, "state");
    part_field(f_q, funder, "answered_question_id");
    snprintf(f_changed, sizeof f_changed, "request_changed");
    mg_subsidy_int_text(qid, t->question_id);
    mg_audit_change ch[] = {{f_state, before, after, false},
                            {f_q, NULL, qid, false},
                            {f_changed, NULL, t->changes ? "1" : "0", false}};
    if ((rc = audit(c, t->by, &r, "answer", ch, 3, d)) < 0)
        return rc;
    if ((rc = notice(c, &r, funder, "réponse du demandeur",
                     t->changes ? "Le demandeur a répondu à votre question et modifié sa demande "
                                  "(une nouvelle version est conservée)."
                                : "Le demandeur a répondu à votre question.",
                     d)) < 0)
        return rc;
    return mg_subsidy_refresh_state(c, t->request_id, NULL, d);
}

int mg_subsidy_answer(mg_db *db, int64_t by, int64_t request_id, int64_t question_id,
                      const char *body, const mg_subsidy_request_input *changes,
                      mg_subsidy_errors *errs, mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_answer: bad arguments");
    mg_subsidy_errors local = {0};
    struct part_tx t = {.by = by, .request_id = request_id, .question_id = question_id,
                        .text = body, .changes = changes, .errs = errs ? errs : &local};
    return mg_db_transaction(db, MG_DB_TX_WRITE, answer_body, &t, d);
}

/* --- Decisions ------------------------------------------------------------------------------- */

static int decide_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct part_tx *t = ctx;
    t->errs->n = 0;
    req_info r;
    mg_subsidy_part p;
    int rc = req_read(c, t->request_id, &r, d);
    if (rc == 0)
        rc = part_on(c, t->request_id, t->funder_id, &p, d);
    if (rc < 0)
        return rc;
    int64_t granted = 0;
    const char *state = "";
    char asked_text[64];
    switch (t->decision) {
    case MG_DECISION_GRANT:
        state = "granted";
        mg_budget_format_cents(p.asked_cents, asked_text, sizeof asked_text);
        if (!t->amount || !t->amount[0])
            mg_subsidy_errors_add(t->errs, "amount", "Montant accordé : à remplir.");
        else if (mg_budget_parse_cents(t->amount, &granted) != 0)
            mg_subsidy_errors_add(t->errs, "amount",
                                  "Montant accordé : un montant en euros est attendu "
                                  "(par exemple « 12 500 » ou « 12 500,50 »).");
        else if (granted <= 0)
            mg_subsidy_errors_add(t->errs, "amount", "Montant accordé : plus de 0 € est attendu.");
        else if (granted > p.asked_cents)
            mg_subsidy_errors_add(t->errs, "amount",
                                  "Montant accordé : au plus le montant demandé à %s (%s).",
                                  p.funder_name, asked_text);
        text_ok(t->text, MG_SUBSIDY_TEXT_MAX_CHARS, false, "reason", "Motif", t->errs);
        break;
    case MG_DECISION_REFUSE:
        state = "refused";
        text_ok(t->text, MG_SUBSIDY_TEXT_MAX_CHARS, true, "reason", "Motif du refus", t->errs);
        break;
    case MG_DECISION_CLOSE:
        state = "closed";
        text_ok(t->text, MG_SUBSIDY_TEXT_MAX_CHARS, false, "reason", "Motif", t->errs);
        break;
    default:
        mg_subsidy_errors_add(t->errs, "decision",
                              "Décision : choisissez « Accorder », « Refuser » ou « Classer sans "
                              "suite ».");
        break;
    }
    if (t->errs->n)
        return mg_subsidy_refuse(t->errs, d);
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    /* The database decides who was first: a part leaves these states once.
     * Closing also ends a wait for an answer that never came. */
    int64_t changed = 0;
    rc = mg_db_run(c,
                   t->decision == MG_DECISION_CLOSE
                       ? "UPDATE subsidy_request_funders SET state = ?3, granted_cents = ?7, "
                         "reason = ?4, decided_by = ?5, decided_at = ?6, updated_at = ?6, "
                         "state_before_question = NULL "
                         "WHERE request_id = ?1 AND funder_id = ?2 "
                         "AND state IN ('received', 'in_instruction', 'to_complete')"
                       : "UPDATE subsidy_request_funders SET state = ?3, granted_cents = ?7, "
                         "reason = ?4, decided_by = ?5, decided_at = ?6, updated_at = ?6 "
                         "WHERE request_id = ?1 AND funder_id = ?2 "
                         "AND state IN ('received', 'in_instruction')",
                   MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(t->funder_id),
                                MG_DB_TEXT(state), MG_DB_TEXT(t->text ? t->text : ""),
                                (t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL), MG_DB_TEXT(now),
                                granted ? MG_DB_INT(granted) : MG_DB_NULL),
                   &changed, d);
    if (rc < 0)
        return rc;
    if (changed == 0) {
        char why[1024];
        if ((rc = part_on(c, t->request_id, t->funder_id, &p, d)) < 0)
            return rc;
        part_not_open(&p, why, sizeof why);
        mg_subsidy_errors_add(t->errs, "decision", "%s", why);
        return mg_subsidy_refuse(t->errs, d);
    }
    /* A grant feeds the action's budget line by the rule payments follow
     * too (aftergrant.h), and opens the final report it calls for. */
    if (granted && ((rc = mg_subsidy_feed_part(c, t->by, t->request_id, t->funder_id, d)) < 0 ||
                    (rc = mg_subsidy_report_ensure(c, t->request_id, d)) < 0))
        return rc;
    char f_state[48], f_granted[48], f_reason[48], g[24];
    part_field(f_state, t->funder_id, "state");
    part_field(f_granted, t->funder_id, "granted_cents");
    part_field(f_reason, t->funder_id, "reason");
    mg_subsidy_int_text(g, granted);
    mg_audit_change ch[] = {{f_state, mg_subsidy_part_state_key(p.state), state, false},
                            {f_granted, NULL, granted ? g : NULL, false},
                            {f_reason, NULL, t->text && t->text[0] ? t->text : NULL, false}};
    if ((rc = audit(c, t->by, &r, "decide", ch, 3, d)) < 0)
        return rc;
    char what[MG_SUBSIDY_NAME_MAX_BYTES + 256], amount[64];
    mg_budget_format_cents(granted, amount, sizeof amount);
    if (t->decision == MG_DECISION_GRANT)
        snprintf(what, sizeof what, "%s vous accorde %s sur les %s demandés.", p.funder_name,
                 amount, asked_text);
    else if (t->decision == MG_DECISION_REFUSE)
        snprintf(what, sizeof what,
                 "%s a refusé sa part de la demande ; le motif est indiqué sur sa page.",
                 p.funder_name);
    else
        snprintf(what, sizeof what, "%s a classé sans suite sa part de la demande.",
                 p.funder_name);
    if ((rc = notice(c, &r, 0, "décision d'un cofinanceur", what, d)) < 0)
        return rc;
    return mg_subsidy_refresh_state(c, t->request_id, NULL, d);
}

int mg_subsidy_decide(mg_db *db, int64_t by, int64_t request_id, int64_t funder_id,
                      mg_subsidy_decision decision, const char *amount, const char *reason,
                      mg_subsidy_errors *errs, mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_decide: bad arguments");
    mg_subsidy_errors local = {0};
    struct part_tx t = {.by = by, .request_id = request_id, .funder_id = funder_id,
                        .decision = decision, .amount = amount, .text = reason,
                        .errs = errs ? errs : &local};
    return mg_db_transaction(db, MG_DB_TX_WRITE, decide_body, &t, d);
}
