/*
 * Messages kept with a subsidy request (instruction.h): public ones
 * between the applicant and the instructors, internal ones between
 * instructors only, and the questions and answers that instruction.c
 * writes. An internal message is left out by the query itself wherever
 * the applicant reads, and its words go into no mail and no audit entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/utf8.h"
#include "funding/instruction.h"
#include "funding/internal.h"

struct add_tx {
    int64_t by, author_org, request_id, id;
    mg_subsidy_message_kind kind;
    const char *body;
    mg_subsidy_errors *errs;
};

static int add_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct add_tx *t = ctx;
    t->errs->n = 0;
    t->id = 0;
    int64_t applicant = 0, lead = 0;
    mg_db_stmt *q = NULL;
    char title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1] = "";
    int rc = mg_db_prepare_with(c,
                                "SELECT r.applicant_id, w.lead_id, r.title FROM subsidy_requests r "
                                "JOIN subsidy_windows w ON w.id = r.window_id WHERE r.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(t->request_id)), &q, d);
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        applicant = mg_db_column_int64(q, 0);
        lead = mg_db_column_int64(q, 1);
        mg_db_column_copy(q, 2, title, sizeof title);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy request has id %lld",
                         (long long)t->request_id);
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    if (t->kind == MG_MESSAGE_INTERNAL && t->author_org == applicant)
        mg_subsidy_errors_add(t->errs, "internal",
                              "Une note interne est réservée aux instructeurs.");
    size_t n = strlen(t->body), chars = 0;
    bool blank = true;
    for (size_t i = 0; i < n && blank; i++)
        blank = t->body[i] == ' ' || t->body[i] == '\t' || t->body[i] == '\r' ||
                t->body[i] == '\n';
    if (mg_utf8_check(t->body, n, &chars) != n)
        mg_subsidy_errors_add(t->errs, "body", "Message : le texte n'est pas en UTF-8 valide.");
    else if (blank)
        mg_subsidy_errors_add(t->errs, "body", "Message : à remplir.");
    else if (chars > MG_SUBSIDY_TEXT_MAX_CHARS)
        mg_subsidy_errors_add(t->errs, "body", "Message : au plus %d caractères (%zu saisis).",
                              (int)MG_SUBSIDY_TEXT_MAX_CHARS, chars);
    if (t->errs->n)
        return mg_subsidy_refuse(t->errs, d);
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    const char *kind = mg_subsidy_message_kind_key(t->kind);
    rc = mg_db_query_int(c,
                         "INSERT INTO subsidy_messages (request_id, kind, author_id, "
                         "author_org_id, body, created_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_TEXT(kind),
                                      (t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL),
                                      t->author_org > 0 ? MG_DB_INT(t->author_org) : MG_DB_NULL,
                                      MG_DB_TEXT(t->body), MG_DB_TEXT(now)),
                         &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new message has no id");
    if (rc < 0)
        return rc;
    char id[24];
    mg_subsidy_int_text(id, t->id);
    /* Which message, never its words: the trail is read beside the request. */
    mg_audit_change ch[] = {{"message_id", NULL, id, false}, {"message_kind", NULL, kind, false}};
    mg_audit_entry e = {.account_id = t->by, .organisation_id = applicant,
                        .object_type = "subsidy_request", .object_id = t->request_id,
                        .verb = "message", .changes = ch, .nchanges = 2};
    if ((rc = mg_audit_append(c, &e, NULL, d)) < 0)
        return rc;
    if (t->kind != MG_MESSAGE_PUBLIC)
        return 0;
    /* A public message: the other side is told that one waits (not what it says). */
    for (char *p = title; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    char link[512], subject[MG_SUBSIDY_NAME_MAX_BYTES];
    mg_subsidy_page_link(t->request_id, link, sizeof link);
    snprintf(subject, sizeof subject, "Demande de subvention n° %lld : nouveau message",
             (long long)t->request_id);
    size_t cap = strlen(title) + strlen(link) + 512;
    char *body = malloc(cap);
    if (!body)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    snprintf(body, cap,
             "Bonjour,\n\n%s\n\nDemande n° %lld :\n%s\n\n"
             "Pour le lire, connectez-vous à maillage et ouvrez la page de la demande :\n%s\n\n"
             "Bien cordialement,\nmaillage\n",
             t->author_org == applicant
                 ? "Le demandeur a écrit un message sur sa demande de subvention."
                 : "Un instructeur a écrit un message sur votre demande de subvention.",
             (long long)t->request_id, title[0] ? title : "(sans titre)", link);
    rc = t->author_org == applicant ? mg_subsidy_notify_org(c, lead, subject, body, d)
                                    : mg_subsidy_notify_applicant(c, t->request_id, subject, body,
                                                                  d);
    free(body);
    return rc;
}

int mg_subsidy_message_add(mg_db *db, int64_t by, int64_t author_org, int64_t request_id,
                           mg_subsidy_message_kind kind, const char *body, int64_t *id_out,
                           mg_subsidy_errors *errs, mg_diag *d)
{
    if (!db || (kind != MG_MESSAGE_PUBLIC && kind != MG_MESSAGE_INTERNAL))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_message_add: bad arguments");
    mg_subsidy_errors local = {0};
    struct add_tx t = {.by = by, .author_org = author_org, .request_id = request_id,
                       .kind = kind, .body = body ? body : "", .errs = errs ? errs : &local};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, add_body, &t, d);
    if (rc == 0 && id_out)
        *id_out = t.id;
    return rc;
}

struct list_tx {
    int64_t request_id;
    bool with_internal;
    mg_subsidy_message *out;
    size_t n, cap;
};

void mg_subsidy_messages_free(mg_subsidy_message *m, size_t n)
{
    for (size_t i = 0; m && i < n; i++)
        free(m[i].body);
    free(m);
}

static int list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    mg_subsidy_messages_free(t->out, t->n);
    t->out = NULL;
    t->n = t->cap = 0;
    /* The applicant's reads never receive an internal row. */
    const char *sql =
        t->with_internal
            ? "SELECT m.id, m.kind, COALESCE(m.funder_id, 0), COALESCE(m.author_id, 0), "
              "a.display_name, COALESCE(m.author_org_id, 0), o.name, m.body, "
              "COALESCE(m.answers_id, 0), m.answered_at, m.created_at "
              "FROM subsidy_messages m LEFT JOIN accounts a ON a.id = m.author_id "
              "LEFT JOIN organisations o ON o.id = m.author_org_id "
              "WHERE m.request_id = ?1 ORDER BY m.id"
            : "SELECT m.id, m.kind, COALESCE(m.funder_id, 0), COALESCE(m.author_id, 0), "
              "a.display_name, COALESCE(m.author_org_id, 0), o.name, m.body, "
              "COALESCE(m.answers_id, 0), m.answered_at, m.created_at "
              "FROM subsidy_messages m LEFT JOIN accounts a ON a.id = m.author_id "
              "LEFT JOIN organisations o ON o.id = m.author_org_id "
              "WHERE m.request_id = ?1 AND m.kind <> 'internal' ORDER BY m.id";
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, sql, MG_DB_PARAMS(MG_DB_INT(t->request_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            mg_subsidy_message *p = realloc(t->out, cap * sizeof *p);
            if (!p) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            t->out = p, t->cap = cap;
        }
        mg_subsidy_message *m = &t->out[t->n];
        memset(m, 0, sizeof *m);
        m->id = mg_db_column_int64(q, 0);
        const char *kind = mg_db_column_text(q, 1);
        m->kind = MG_MESSAGE_PUBLIC;
        for (int k = MG_MESSAGE_QUESTION; k <= MG_MESSAGE_INTERNAL; k++)
            if (kind && strcmp(kind, mg_subsidy_message_kind_key((mg_subsidy_message_kind)k)) == 0)
                m->kind = (mg_subsidy_message_kind)k;
        m->funder_id = mg_db_column_int64(q, 2);
        m->author_id = mg_db_column_int64(q, 3);
        mg_db_column_copy(q, 4, m->author_name, sizeof m->author_name);
        m->author_org_id = mg_db_column_int64(q, 5);
        mg_db_column_copy(q, 6, m->author_org_name, sizeof m->author_org_name);
        const char *body = mg_db_column_text(q, 7);
        m->body = strdup(body ? body : "");
        if (!m->body) {
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        m->answers_id = mg_db_column_int64(q, 8);
        mg_db_column_copy(q, 9, m->answered_at, sizeof m->answered_at);
        mg_db_column_copy(q, 10, m->created_at, sizeof m->created_at);
        t->n++;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_subsidy_messages(mg_db *db, int64_t request_id, bool with_internal,
                        mg_subsidy_message **out, size_t *n, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_messages: bad arguments");
    struct list_tx t = {.request_id = request_id, .with_internal = with_internal};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc < 0) {
        mg_subsidy_messages_free(t.out, t.n);
        *out = NULL;
        *n = 0;
        return rc;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}
