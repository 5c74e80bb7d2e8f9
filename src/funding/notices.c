/*
 * Mail of the single window: what is put in the mail queue (mail/mail.h)
 * inside the caller's write transaction, so that a notice exists if and
 * only if the change it tells of commits. To the applicant: the request's
 * e-mail field and the account that filed it (once when they are the
 * same); to an organisation: its managers and instructors. Subjects and
 * bodies are the caller's (French, naming the request's title, number and
 * page: mg_subsidy_page_link); an internal message's content never goes
 * into a mail.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "funding/instruction.h"
#include "funding/internal.h"
#include "mail/mail.h"

/* --- The link to a request's page ----------------------------------------------------------- */

static pthread_mutex_t base_lock = PTHREAD_MUTEX_INITIALIZER;
static char base_url[256];

void mg_subsidy_set_public_url(const char *url)
{
    pthread_mutex_lock(&base_lock);
    size_t len = url ? strlen(url) : 0;
    while (len && url[len - 1] == '/')
        len--;
    if (len >= sizeof base_url || (len && strncmp(url, "http://", 7) != 0 &&
                                   strncmp(url, "https://", 8) != 0))
        len = 0; /* not a site's address: links stay paths */
    if (len)
        memcpy(base_url, url, len);
    base_url[len] = '\0';
    pthread_mutex_unlock(&base_lock);
}

void mg_subsidy_page_link(int64_t request_id, char *out, size_t cap)
{
    pthread_mutex_lock(&base_lock);
    snprintf(out, cap, "%s/guichet/demandes/%lld", base_url, (long long)request_id);
    pthread_mutex_unlock(&base_lock);
}

/* --- Recipients ----------------------------------------------------------------------------- */

enum { RECIPIENTS_MAX = 64 };

typedef struct recipients {
    size_t n;
    char to[RECIPIENTS_MAX][MG_MAIL_ADDR_MAX_BYTES + 1];
} recipients;

/* Adds an address unless empty, malformed (a request's e-mail field is
 * only checked at filing; a bad one must not stop a decision) or already
 * there (addresses compare without case). */
static void recipients_add(recipients *r, const char *addr)
{
    if (!addr || !addr[0] || r->n == RECIPIENTS_MAX || mg_mail_check_address(addr, NULL) != 0)
        return;
    for (size_t i = 0; i < r->n; i++)
        if (strcasecmp(r->to[i], addr) == 0)
            return;
    snprintf(r->to[r->n++], sizeof r->to[0], "%s", addr);
}

/* Reads column 0 of every row of sql into r. */
static int recipients_query(mg_db_conn *c, recipients *r, const char *sql, const mg_db_param *p,
                            size_t np, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, sql, p, np, &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        recipients_add(r, mg_db_column_text(q, 0));
        rc = 0;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

static int send_all(mg_db_conn *c, const recipients *r, const char *subject, const char *body,
                    mg_diag *d)
{
    for (size_t i = 0; i < r->n; i++) {
        int rc = mg_mail_enqueue(c, r->to[i], subject, body, NULL, d);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int mg_subsidy_notify_applicant(mg_db_conn *c, int64_t request_id, const char *subject,
                                const char *body, mg_diag *d)
{
    recipients r = {0};
    int rc = recipients_query(c, &r,
                              "SELECT email FROM subsidy_requests WHERE id = ?1",
                              MG_DB_PARAMS(MG_DB_INT(request_id)), d);
    if (rc == 0)
        rc = recipients_query(c, &r,
                              "SELECT a.email FROM subsidy_requests r "
                              "JOIN accounts a ON a.id = COALESCE(r.filed_by, r.created_by) "
                              "WHERE r.id = ?1",
                              MG_DB_PARAMS(MG_DB_INT(request_id)), d);
    return rc < 0 ? rc : send_all(c, &r, subject, body, d);
}

int mg_subsidy_notify_org(mg_db_conn *c, int64_t org_id, const char *subject, const char *body,
                          mg_diag *d)
{
    recipients r = {0};
    int rc = recipients_query(c, &r,
                              "SELECT DISTINCT a.email FROM memberships m "
                              "JOIN accounts a ON a.id = m.account_id "
                              "WHERE m.organisation_id = ?1 "
                              "AND m.role IN ('manager', 'instructor') ORDER BY a.email",
                              MG_DB_PARAMS(MG_DB_INT(org_id)), d);
    return rc < 0 ? rc : send_all(c, &r, subject, body, d);
}
