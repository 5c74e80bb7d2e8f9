/*
 * Joint committees of a window (instruction.h): a session on a day
 * examining filed requests of the window, with every co-funder's position
 * side by side, and the committee's outcome for each. Audit entries are of
 * object "subsidy_committee", organisation the window's lead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/utf8.h"
#include "funding/instruction.h"
#include "funding/internal.h"
#include "parse/parse.h"

/* Characters of s, or SIZE_MAX when it is not UTF-8. */
static size_t chars_of(const char *s)
{
    size_t n = s ? strlen(s) : 0, chars = 0;
    return mg_utf8_check(s ? s : "", n, &chars) == n ? chars : (size_t)-1;
}

static bool blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

struct create_tx {
    int64_t by, window_id, id;
    const char *held_on, *title;
    const int64_t *requests;
    size_t n;
    mg_subsidy_errors *errs;
};

static int create_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct create_tx *t = ctx;
    t->errs->n = 0;
    t->id = 0;
    int64_t lead = 0;
    int rc = mg_db_query_int(c, "SELECT lead_id FROM subsidy_windows WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->window_id)), &lead, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy window has id %lld",
                           (long long)t->window_id);
    if (rc < 0)
        return rc;
    mg_date day;
    mg_parse_error why;
    char held[16] = "";
    if (!t->held_on || !t->held_on[0])
        mg_subsidy_errors_add(t->errs, "held_on", "Date de la commission : à remplir.");
    else if (mg_parse_date(t->held_on, &day, &why) != 0)
        mg_subsidy_errors_add(t->errs, "held_on",
                              "Date de la commission : une date est attendue (jj/mm/aaaa).");
    else
        snprintf(held, sizeof held, "%04d-%02d-%02d", day.year % 10000, day.month % 100,
                 day.day % 100);
    held[10] = '\0';
    size_t tc = chars_of(t->title);
    if (blank(t->title))
        mg_subsidy_errors_add(t->errs, "title", "Intitulé : à remplir.");
    else if (tc > MG_SUBSIDY_TITLE_MAX_CHARS)
        mg_subsidy_errors_add(t->errs, "title", "Intitulé : au plus %d caractères.",
                              (int)MG_SUBSIDY_TITLE_MAX_CHARS);
    if (t->n == 0)
        mg_subsidy_errors_add(t->errs, "requests",
                              "Demandes examinées : choisissez au moins une demande déposée.");
    for (size_t i = 0; i < t->n; i++) {
        int64_t ok = 0;
        rc = mg_db_query_int(c,
                             "SELECT COUNT(*) FROM subsidy_requests WHERE id = ?1 "
                             "AND window_id = ?2 AND filed_at IS NOT NULL",
                             MG_DB_PARAMS(MG_DB_INT(t->requests[i]), MG_DB_INT(t->window_id)),
                             &ok, d);
        if (rc < 0)
            return rc;
        if (!ok) {
            mg_subsidy_errors_add(t->errs, "requests",
                                  "Demandes examinées : la demande n° %lld n'est pas une demande "
                                  "déposée de ce guichet.", (long long)t->requests[i]);
            break;
        }
        for (size_t k = 0; k < i; k++)
            if (t->requests[k] == t->requests[i]) {
                mg_subsidy_errors_add(t->errs, "requests",
                                      "Demandes examinées : la demande n° %lld est cochée deux "
                                      "fois.", (long long)t->requests[i]);
                return mg_subsidy_refuse(t->errs, d);
            }
    }
    if (t->errs->n)
        return mg_subsidy_refuse(t->errs, d);
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_query_int(c,
                         "INSERT INTO subsidy_committees (window_id, held_on, title, created_at) "
                         "VALUES (?1, ?2, ?3, ?4) RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->window_id), MG_DB_TEXT(held),
                                      MG_DB_TEXT(t->title), MG_DB_TEXT(now)),
                         &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new committee has no id");
    for (size_t i = 0; rc == 0 && i < t->n; i++)
        rc = mg_db_run(c,
                       "INSERT INTO subsidy_committee_items (committee_id, request_id, updated_at) "
                       "VALUES (?1, ?2, ?3)",
                       MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_INT(t->requests[i]),
                                    MG_DB_TEXT(now)),
                       NULL, d);
    if (rc < 0)
        return rc;
    char window[24], count[24];
    mg_subsidy_int_text(window, t->window_id);
    mg_subsidy_int_text(count, (int64_t)t->n);
    mg_audit_change ch[] = {{"window_id", NULL, window, false},
                            {"held_on", NULL, held, false},
                            {"title", NULL, t->title, false},
                            {"requests", NULL, count, false}};
    mg_audit_entry e = {.account_id = t->by, .organisation_id = lead,
                        .object_type = "subsidy_committee", .object_id = t->id,
                        .verb = "create", .changes = ch, .nchanges = 4};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_subsidy_committee_create(mg_db *db, int64_t by, int64_t window_id, const char *held_on,
                                const char *title, const int64_t *requests, size_t n,
                                int64_t *id_out, mg_subsidy_errors *errs, mg_diag *d)
{
    if (!db || (n && !requests))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_subsidy_committee_create: bad arguments");
    mg_subsidy_errors local = {0};
    struct create_tx t = {.by = by, .window_id = window_id, .held_on = held_on,
                          .title = title ? title : "", .requests = requests, .n = n,
                          .errs = errs ? errs : &local};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, create_body, &t, d);
    if (rc == 0 && id_out)
        *id_out = t.id;
    return rc;
}

/* --- Reads ----------------------------------------------------------------------------------- */

struct list_tx {
    int64_t id, window_id;
    mg_subsidy_committee *out;
    size_t n, cap;
};

static int list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    free(t->out);
    t->out = NULL;
    t->n = t->cap = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                t->id ? "SELECT id, window_id, held_on, title, is_example "
                                        "FROM subsidy_committees WHERE id = ?1"
                                      : "SELECT id, window_id, held_on, title, is_example "
                                        "FROM subsidy_committees WHERE window_id = ?1 "
                                        "ORDER BY held_on DESC, id DESC",
                                MG_DB_PARAMS(MG_DB_INT(t->id ? t->id : t->window_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            mg_subsidy_committee *p = realloc(t->out, cap * sizeof *p);
            if (!p) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            t->out = p, t->cap = cap;
        }
        mg_subsidy_committee *k = &t->out[t->n++];
        memset(k, 0, sizeof *k);
        k->id = mg_db_column_int64(q, 0);
        k->window_id = mg_db_column_int64(q, 1);
        mg_db_column_copy(q, 2, k->held_on, sizeof k->held_on);
        mg_db_column_copy(q, 3, k->title, sizeof k->title);
        k->is_example = mg_db_column_int64(q, 4) != 0;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_subsidy_committee_get(mg_db *db, int64_t id, mg_subsidy_committee *out, mg_diag *d)
{
    if (!db || !out || id <= 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_committee_get: bad arguments");
    struct list_tx t = {.id = id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc == 0 && t.n == 0)
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no committee has id %lld",
                         (long long)id);
    if (rc == 0)
        *out = t.out[0];
    free(t.out);
    return rc;
}

int mg_subsidy_committees(mg_db *db, int64_t window_id, mg_subsidy_committee **out, size_t *n,
                          mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_committees: bad arguments");
    struct list_tx t = {.window_id = window_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc < 0) {
        free(t.out);
        t.out = NULL;
        t.n = 0;
    }
    *out = t.out;
    *n = t.n;
    return rc;
}

/* --- Items with every co-funder's part ------------------------------------------------------- */

struct items_tx {
    int64_t committee_id;
    mg_subsidy_committee_item *out;
    size_t n;
};

void mg_subsidy_committee_items_free(mg_subsidy_committee_item *it, size_t n)
{
    for (size_t i = 0; it && i < n; i++)
        free(it[i].parts);
    free(it);
}

static int items_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct items_tx *t = ctx;
    mg_subsidy_committee_items_free(t->out, t->n);
    t->out = NULL;
    t->n = 0;
    size_t cap = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT i.request_id, r.title, o.name, r.state, i.outcome, i.note "
                                "FROM subsidy_committee_items i "
                                "JOIN subsidy_requests r ON r.id = i.request_id "
                                "JOIN organisations o ON o.id = r.applicant_id "
                                "WHERE i.committee_id = ?1 ORDER BY i.request_id",
                                MG_DB_PARAMS(MG_DB_INT(t->committee_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            mg_subsidy_committee_item *p = realloc(t->out, ncap * sizeof *p);
            if (!p) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            t->out = p, cap = ncap;
        }
        mg_subsidy_committee_item *it = &t->out[t->n++];
        memset(it, 0, sizeof *it);
        it->request_id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, it->title, sizeof it->title);
        mg_db_column_copy(q, 2, it->applicant_name, sizeof it->applicant_name);
        if (mg_subsidy_state_parse(mg_db_column_text(q, 3), &it->state) != 0)
            it->state = MG_SUBSIDY_FILED;
        mg_db_column_copy(q, 4, it->outcome, sizeof it->outcome);
        mg_db_column_copy(q, 5, it->note, sizeof it->note);
    }
    mg_db_finalize(q);
    if (rc < 0 || t->n == 0)
        return rc < 0 ? rc : 0;
    /* Every part of every item in one query, handed to its item (both in request order). */
    q = NULL;
    rc = mg_db_prepare_with(c,
                            "SELECT p.request_id, p.funder_id, o.name, p.asked_cents, p.state, "
                            "p.added_by_lead, p.routed_at, p.opinion, p.opinion_text, "
                            "p.opinion_at, COALESCE(p.granted_cents, 0), p.reason, "
                            "COALESCE(p.decided_by, 0), p.decided_at, p.paid_cents, "
                            "p.agreement_on "
                            "FROM subsidy_committee_items i "
                            "JOIN subsidy_request_funders p ON p.request_id = i.request_id "
                            "JOIN organisations o ON o.id = p.funder_id "
                            "WHERE i.committee_id = ?1 ORDER BY p.request_id, o.name, p.funder_id",
                            MG_DB_PARAMS(MG_DB_INT(t->committee_id)), &q, d);
    size_t at = 0, pcap = 0;
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        int64_t rid = mg_db_column_int64(q, 0);
        while (at < t->n && t->out[at].request_id < rid)
            at++, pcap = 0;
        if (at == t->n || t->out[at].request_id != rid)
            continue;
        mg_subsidy_committee_item *it = &t->out[at];
        if (it->nparts == pcap) {
            size_t ncap = pcap ? pcap * 2 : 4;
            mg_subsidy_part *p = realloc(it->parts, ncap * sizeof *p);
            if (!p) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            it->parts = p, pcap = ncap;
        }
        mg_subsidy_part *p = &it->parts[it->nparts++];
        memset(p, 0, sizeof *p);
        p->request_id = rid;
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
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_subsidy_committee_items(mg_db *db, int64_t committee_id, mg_subsidy_committee_item **out,
                               size_t *n, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_committee_items: bad arguments");
    struct items_tx t = {.committee_id = committee_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, items_body, &t, d);
    if (rc < 0) {
        mg_subsidy_committee_items_free(t.out, t.n);
        t.out = NULL;
        t.n = 0;
    }
    *out = t.out;
    *n = t.n;
    return rc;
}

/* --- Outcome --------------------------------------------------------------------------------- */

struct outcome_tx {
    int64_t by, committee_id, request_id;
    const char *outcome, *note;
    mg_subsidy_errors *errs;
};

static int outcome_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct outcome_tx *t = ctx;
    t->errs->n = 0;
    int64_t lead = 0;
    int rc = mg_db_query_int(c,
                             "SELECT w.lead_id FROM subsidy_committees k "
                             "JOIN subsidy_windows w ON w.id = k.window_id WHERE k.id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->committee_id)), &lead, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no committee has id %lld",
                           (long long)t->committee_id);
    if (rc < 0)
        return rc;
    char before[16] = "";
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(c,
                            "SELECT outcome FROM subsidy_committee_items "
                            "WHERE committee_id = ?1 AND request_id = ?2",
                            MG_DB_PARAMS(MG_DB_INT(t->committee_id), MG_DB_INT(t->request_id)),
                            &q, d);
    bool found = false;
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        mg_db_column_copy(q, 0, before, sizeof before);
        found = true;
        rc = 0;
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    if (!found)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                           "committee %lld does not examine subsidy request %lld",
                           (long long)t->committee_id, (long long)t->request_id);
    if (!t->outcome[0] || !mg_subsidy_outcome_label(t->outcome)[0])
        mg_subsidy_errors_add(t->errs, "outcome",
                              "Avis de la commission : choisissez « Favorable », « Favorable en "
                              "partie », « Défavorable » ou « Ajournée ».");
    size_t nc = chars_of(t->note);
    if (nc == (size_t)-1)
        mg_subsidy_errors_add(t->errs, "note", "Observations : le texte n'est pas en UTF-8 valide.");
    else if (nc > 2000)
        mg_subsidy_errors_add(t->errs, "note", "Observations : au plus 2000 caractères.");
    if (t->errs->n)
        return mg_subsidy_refuse(t->errs, d);
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_run(c,
                   "UPDATE subsidy_committee_items SET outcome = ?3, note = ?4, updated_at = ?5 "
                   "WHERE committee_id = ?1 AND request_id = ?2",
                   MG_DB_PARAMS(MG_DB_INT(t->committee_id), MG_DB_INT(t->request_id),
                                MG_DB_TEXT(t->outcome), MG_DB_TEXT(t->note), MG_DB_TEXT(now)),
                   NULL, d);
    if (rc < 0)
        return rc;
    char req[24];
    mg_subsidy_int_text(req, t->request_id);
    mg_audit_change ch[] = {{"request_id", NULL, req, false},
                            {"outcome", before[0] ? before : NULL, t->outcome, false},
                            {"note", NULL, t->note[0] ? t->note : NULL, false}};
    mg_audit_entry e = {.account_id = t->by, .organisation_id = lead,
                        .object_type = "subsidy_committee", .object_id = t->committee_id,
                        .verb = "outcome", .changes = ch, .nchanges = 3};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_subsidy_committee_outcome(mg_db *db, int64_t by, int64_t committee_id, int64_t request_id,
                                 const char *outcome, const char *note, mg_subsidy_errors *errs,
                                 mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_subsidy_committee_outcome: bad arguments");
    mg_subsidy_errors local = {0};
    struct outcome_tx t = {.by = by, .committee_id = committee_id, .request_id = request_id,
                           .outcome = outcome ? outcome : "", .note = note ? note : "",
                           .errs = errs ? errs : &local};
    return mg_db_transaction(db, MG_DB_TX_WRITE, outcome_body, &t, d);
}
