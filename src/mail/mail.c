/*
 * The outgoing mail queue: checks of what is enqueued, the claim of a due
 * message, its sending through libcurl's SMTP, and the record of the
 * outcome. The statements below are the only SQL about mail_queue.
 */
#include "mail/mail.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/utf8.h"

/* --- The SQL ------------------------------------------------------------ */

static const char SQL_INSERT[] =
    "INSERT INTO mail_queue (created_at, to_addr, subject, body_text, status, attempts, "
    "next_attempt_at) VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?1) RETURNING id";
static const char SQL_DUE[] =
    "SELECT id, next_attempt_at, attempts, created_at, to_addr, subject, body_text "
    "FROM mail_queue WHERE status = 'pending' AND next_attempt_at <= ?1 "
    "ORDER BY next_attempt_at, id LIMIT 1";
/* The claim: it holds only if nobody moved next_attempt_at since it was read. */
static const char SQL_CLAIM[] =
    "UPDATE mail_queue SET next_attempt_at = ?1 "
    "WHERE id = ?2 AND next_attempt_at = ?3 AND status = 'pending'";
static const char SQL_SENT[] =
    "UPDATE mail_queue SET status = 'sent', sent_at = ?1, attempts = attempts + 1, "
    "last_error = NULL WHERE id = ?2";
static const char SQL_RETRY[] =
    "UPDATE mail_queue SET status = ?1, attempts = ?2, next_attempt_at = ?3, last_error = ?4 "
    "WHERE id = ?5";
static const char SQL_LIST[] =
    "SELECT id, created_at, to_addr, subject, status, attempts, next_attempt_at, last_error, "
    "sent_at FROM mail_queue ORDER BY id DESC LIMIT ?1 OFFSET ?2";
static const char SQL_COUNT[] = "SELECT count(*) FROM mail_queue";

/* --- Checks ------------------------------------------------------------- */

int mg_mail_check_address(const char *a, mg_diag *d)
{
    if (!a || !a[0])
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mail: the address is missing");
    size_t n = strlen(a);
    if (n > MG_MAIL_ADDR_MAX_BYTES)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                           "mail: the address has %zu bytes; at most %d are accepted", n,
                           MG_MAIL_ADDR_MAX_BYTES);
    size_t at = n, ats = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        /* Control characters (CR, LF, NUL-adjacent), spaces and the
         * characters that delimit an SMTP path or header are refused. */
        if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == '"' ||
            c == '\\' || c == '(' || c == ')' || c == ';' || c == ':')
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "mail: the address has a forbidden character at byte %zu", i + 1);
        if (c == '@') {
            at = i;
            ats++;
        }
    }
    if (ats != 1 || at == 0 || at == n - 1)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mail: the address must be local@domain, with one @");
    if (mg_utf8_check(a, n, NULL) != n)
        return mg_diag_set(d, MG_EUTF8, NULL, 0, 0, "mail: the address is not UTF-8");
    return 0;
}

static int check_subject(const char *s, mg_diag *d)
{
    if (!s || !s[0])
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mail: the subject is missing");
    size_t n = strlen(s);
    if (n > MG_MAIL_SUBJECT_MAX_BYTES)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                           "mail: the subject has %zu bytes; at most %d are accepted", n,
                           MG_MAIL_SUBJECT_MAX_BYTES);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "mail: the subject has a control character (byte %zu); it "
                               "must be one line", i + 1);
    }
    if (mg_utf8_check(s, n, NULL) != n)
        return mg_diag_set(d, MG_EUTF8, NULL, 0, 0, "mail: the subject is not UTF-8");
    return 0;
}

static int check_body(const char *s, mg_diag *d)
{
    if (!s)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mail: the body is missing");
    size_t n = strlen(s);
    if (n > MG_MAIL_BODY_MAX_BYTES)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                           "mail: the body has %zu bytes; at most %d are accepted", n,
                           MG_MAIL_BODY_MAX_BYTES);
    if (mg_utf8_check(s, n, NULL) != n)
        return mg_diag_set(d, MG_EUTF8, NULL, 0, 0, "mail: the body is not UTF-8");
    size_t line = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] == '\r' && s[i + 1] != '\n')
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "mail: the body has a CR without LF (byte %zu)", i + 1);
        if (i == n || s[i] == '\n') {
            line++;
            size_t len = i - start - (i > start && s[i - 1] == '\r');
            if (len > MG_MAIL_LINE_MAX_BYTES)
                return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                                   "mail: line %zu of the body has %zu bytes; at most %d are "
                                   "accepted", line, len, MG_MAIL_LINE_MAX_BYTES);
            start = i + 1;
        }
    }
    return 0;
}

/* --- Enqueue ------------------------------------------------------------ */

int mg_mail_enqueue(mg_db_conn *c, const char *to, const char *subject, const char *body,
                    int64_t *id_out, mg_diag *d)
{
    if (id_out)
        *id_out = 0;
    if (!c)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_mail_enqueue: NULL connection");
    int rc = mg_mail_check_address(to, d);
    if (rc == 0)
        rc = check_subject(subject, d);
    if (rc == 0)
        rc = check_body(body, d);
    if (rc)
        return rc;
    mg_db_stmt *s = NULL;
    rc = mg_db_prepare(c, SQL_INSERT, &s, d);
    if (rc == 0)
        rc = mg_db_bind_int64(s, 1, (int64_t)time(NULL));
    if (rc == 0)
        rc = mg_db_bind_text(s, 2, to);
    if (rc == 0)
        rc = mg_db_bind_text(s, 3, subject);
    if (rc == 0)
        rc = mg_db_bind_text(s, 4, body);
    if (rc == 0) {
        rc = mg_db_step(s, d);
        if (rc == MG_DB_ROW) {
            if (id_out)
                *id_out = mg_db_column_int64(s, 0);
            rc = 0;
        } else if (rc == MG_DB_DONE) {
            rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "mail: the insert returned no id");
        }
    }
    mg_db_finalize(s);
    return rc;
}

/* --- The message -------------------------------------------------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void put_base64(mg_buf *b, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char q[4] = {B64[(v >> 18) & 63], B64[(v >> 12) & 63],
                     i + 1 < n ? B64[(v >> 6) & 63] : '=', i + 2 < n ? B64[v & 63] : '='};
        mg_buf_append(b, q, 4);
    }
}

/* The Subject header's value: as it is when printable ASCII, else RFC 2047
 * encoded-words of at most 45 bytes each (60 base64 characters, 72 with
 * "=?UTF-8?B?" and "?=", under the 75 allowed), cut between characters
 * and folded onto continuation lines. */
static void put_subject(mg_buf *b, const char *s)
{
    int ascii = 1;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p >= 0x80)
            ascii = 0;
    if (ascii) {
        mg_buf_puts(b, s);
        return;
    }
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t end = i + 45 < n ? i + 45 : n;
        while (end < n && ((unsigned char)s[end] & 0xC0) == 0x80)
            end--; /* never split a character */
        if (i > 0)
            mg_buf_puts(b, "\r\n ");
        mg_buf_puts(b, "=?UTF-8?B?");
        put_base64(b, (const unsigned char *)s + i, end - i);
        mg_buf_puts(b, "?=");
        i = end;
    }
}

/* RFC 5322 date in English whatever the locale: "Mon, 02 Jan 2006 15:04:05 +0000". */
static void put_date(mg_buf *b, int64_t t)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        memset(&tm, 0, sizeof tm);
    mg_buf_printf(b, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7],
                  tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
}

struct message {
    int64_t id, next_attempt_at, created_at;
    int attempts;
    char *to, *subject, *body;
};

static void message_free(struct message *m)
{
    free(m->to);
    free(m->subject);
    free(m->body);
    memset(m, 0, sizeof *m);
}

/* The whole message, headers and body with CRLF line ends, into b. */
static int build_message(mg_buf *b, const struct message *m, const char *from, int64_t now)
{
    const char *at = strrchr(from, '@');
    mg_buf_puts(b, "Date: ");
    put_date(b, now);
    mg_buf_printf(b, "\r\nFrom: %s\r\nTo: %s\r\nSubject: ", from, m->to);
    put_subject(b, m->subject);
    /* The id and creation time make the Message-ID unique per message, and
     * the same at every attempt, so that a resent copy can be recognised. */
    mg_buf_printf(b, "\r\nMessage-ID: <maillage.%" PRId64 ".%" PRId64 "@%s>\r\n", m->id,
                  m->created_at, at ? at + 1 : "localhost");
    mg_buf_puts(b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                   "Content-Transfer-Encoding: 8bit\r\n\r\n");
    for (const char *p = m->body; *p; p++) {
        if (*p == '\n' && (p == m->body || p[-1] != '\r'))
            mg_buf_append(b, "\r", 1);
        mg_buf_append(b, p, 1);
    }
    if (b->len < 2 || memcmp(b->data + b->len - 2, "\r\n", 2) != 0)
        mg_buf_puts(b, "\r\n");
    return b->failed ? MG_ENOMEM : 0;
}

/* --- SMTP through libcurl ----------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct reader {
    const char *p;
    size_t left;
};

static size_t read_cb(char *out, size_t size, size_t nitems, void *ctx)
{
    struct reader *r = ctx;
    size_t n = size * nitems;
    if (n > r->left)
        n = r->left;
    memcpy(out, r->p, n);
    r->p += n;
    r->left -= n;
    return n;
}

/* Sends one message; 0, or -1 with libcurl's words in err. */
static int smtp_send(const mg_mail_relay *relay, const struct message *m, const char *data,
                     size_t len, char err[CURL_ERROR_SIZE])
{
    err[0] = '\0';
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        snprintf(err, CURL_ERROR_SIZE, "libcurl cannot be initialised");
        return -1;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(err, CURL_ERROR_SIZE, "libcurl: out of memory");
        return -1;
    }
    char from[MG_MAIL_ADDR_MAX_BYTES + 3], to[MG_MAIL_ADDR_MAX_BYTES + 3];
    snprintf(from, sizeof from, "<%s>", relay->from);
    snprintf(to, sizeof to, "<%s>", m->to);
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    struct reader r = {data, len};
    long timeout = relay->timeout_s ? (long)relay->timeout_s : 30;
    CURLcode rc = rcpt ? CURLE_OK : CURLE_OUT_OF_MEMORY;
    if (rc == CURLE_OK) {
        curl_easy_setopt(h, CURLOPT_URL, relay->url);
        curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
        curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(h, CURLOPT_READDATA, &r);
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 10 ? timeout : 10L);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM */
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
        /* Only SMTP: a relay URL must never make this fetch something else. */
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        if (relay->username) {
            curl_easy_setopt(h, CURLOPT_USERNAME, relay->username);
            curl_easy_setopt(h, CURLOPT_PASSWORD, relay->password ? relay->password : "");
        }
        /* All or nothing: a relay that does not offer STARTTLS (or a
         * man in the middle removing it) makes the send fail rather than
         * go out, credentials included, in clear. */
        if (relay->starttls)
            curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
        rc = curl_easy_perform(h);
    }
    if (rc != CURLE_OK && !err[0])
        snprintf(err, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    return rc == CURLE_OK ? 0 : -1;
}

/* --- Claim and record --------------------------------------------------- */

static char *dup_col(const mg_db_stmt *s, int col)
{
    const char *t = mg_db_column_text(s, col);
    return t ? mg_strdup(t) : NULL;
}

struct claim_tx {
    int64_t now, lease_until;
    struct message m; /* filled when one is claimed (m.id > 0) */
};

/* Reads the first due message and moves its next_attempt_at to the end of
 * the lease on the condition that it is unchanged; loops when another
 * process got there first. */
static int claim_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct claim_tx *t = ctx;
    message_free(&t->m);
    mg_db_stmt *q = NULL, *u = NULL;
    int rc = mg_db_prepare(c, SQL_DUE, &q, d);
    if (rc == 0)
        rc = mg_db_prepare(c, SQL_CLAIM, &u, d);
    if (rc == 0)
        rc = mg_db_bind_int64(q, 1, t->now);
    while (rc == 0) {
        mg_db_reset(q);
        rc = mg_db_step(q, d);
        if (rc != MG_DB_ROW)
            break; /* MG_DB_DONE (0): nothing due */
        struct message m = {
            .id = mg_db_column_int64(q, 0),
            .next_attempt_at = mg_db_column_int64(q, 1),
            .attempts = (int)mg_db_column_int64(q, 2),
            .created_at = mg_db_column_int64(q, 3),
            .to = dup_col(q, 4),
            .subject = dup_col(q, 5),
            .body = dup_col(q, 6),
        };
        if (!m.to || !m.subject || !m.body) {
            message_free(&m);
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory reading the mail queue");
            break;
        }
        mg_db_reset(u);
        rc = mg_db_bind_int64(u, 1, t->lease_until);
        if (rc == 0)
            rc = mg_db_bind_int64(u, 2, m.id);
        if (rc == 0)
            rc = mg_db_bind_int64(u, 3, m.next_attempt_at);
        if (rc == 0)
            rc = mg_db_step(u, d);
        if (rc == MG_DB_DONE && mg_db_changes(u) == 1) {
            t->m = m;
            break;
        }
        message_free(&m);
    }
    mg_db_finalize(q);
    mg_db_finalize(u);
    return rc < 0 ? rc : 0;
}

struct outcome_tx {
    const struct message *m;
    int64_t now;
    const char *error; /* NULL: sent */
};

static int64_t backoff_s(int attempts)
{
    int64_t s = MG_MAIL_BACKOFF_FIRST_S;
    for (int i = 1; i < attempts && s < MG_MAIL_BACKOFF_MAX_S; i++)
        s *= 2;
    return s < MG_MAIL_BACKOFF_MAX_S ? s : MG_MAIL_BACKOFF_MAX_S;
}

static int outcome_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct outcome_tx *t = ctx;
    mg_db_stmt *s = NULL;
    int rc;
    if (!t->error) {
        rc = mg_db_prepare(c, SQL_SENT, &s, d);
        if (rc == 0)
            rc = mg_db_bind_int64(s, 1, t->now);
        if (rc == 0)
            rc = mg_db_bind_int64(s, 2, t->m->id);
    } else {
        int attempts = t->m->attempts + 1;
        int given_up = attempts >= MG_MAIL_MAX_ATTEMPTS;
        rc = mg_db_prepare(c, SQL_RETRY, &s, d);
        if (rc == 0)
            rc = mg_db_bind_text(s, 1, given_up ? "failed" : "pending");
        if (rc == 0)
            rc = mg_db_bind_int64(s, 2, attempts);
        if (rc == 0)
            rc = mg_db_bind_int64(s, 3, t->now + backoff_s(attempts));
        if (rc == 0)
            rc = mg_db_bind_text(s, 4, t->error);
        if (rc == 0)
            rc = mg_db_bind_int64(s, 5, t->m->id);
    }
    if (rc == 0)
        rc = mg_db_step(s, d);
    mg_db_finalize(s);
    return rc;
}

/* libcurl's words may be in any encoding; the column wants UTF-8. */
static void ascii_only(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80 || (unsigned char)*s < 0x20)
            *s = '?';
}

int mg_mail_deliver_due(mg_db *db, const mg_mail_relay *relay, int64_t now_unix, size_t max,
                        size_t *sent, size_t *failed, mg_diag *d)
{
    if (sent)
        *sent = 0;
    if (failed)
        *failed = 0;
    if (!db || !relay || !relay->url || !relay->from)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_mail_deliver_due: NULL argument");
    int rc = mg_mail_check_address(relay->from, d);
    if (rc)
        return rc;
    unsigned timeout = relay->timeout_s ? relay->timeout_s : 30;
    /* The lease outlasts the longest send by a margin, so that a message
     * being sent is never claimed again meanwhile. */
    int64_t lease = 2 * (int64_t)timeout + 60;
    for (size_t k = 0; k < max; k++) {
        struct claim_tx ct = {.now = now_unix, .lease_until = now_unix + lease};
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, claim_body, &ct, d);
        if (rc || ct.m.id == 0) {
            message_free(&ct.m);
            break;
        }
        mg_buf msg;
        mg_buf_init(&msg, 2 * MG_MAIL_BODY_MAX_BYTES + 4096);
        char err[CURL_ERROR_SIZE];
        int ok;
        if (build_message(&msg, &ct.m, relay->from, now_unix) != 0) {
            snprintf(err, sizeof err, "the message cannot be built (out of memory)");
            ok = 0;
        } else {
            ok = smtp_send(relay, &ct.m, msg.data, msg.len, err) == 0;
        }
        mg_buf_free(&msg);
        ascii_only(err);
        struct outcome_tx ot = {.m = &ct.m, .now = now_unix, .error = ok ? NULL : err};
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, outcome_body, &ot, d);
        message_free(&ct.m);
        if (rc)
            break;
        if (ok && sent)
            (*sent)++;
        if (!ok && failed)
            (*failed)++;
    }
    return rc;
}

/* --- List --------------------------------------------------------------- */

struct list_tx {
    size_t offset, limit;
    mg_mail_record *r;
    size_t n, total;
};

void mg_mail_records_free(mg_mail_record *r, size_t n)
{
    if (!r)
        return;
    for (size_t i = 0; i < n; i++) {
        free(r[i].to);
        free(r[i].subject);
        free(r[i].status);
        free(r[i].last_error);
    }
    free(r);
}

static int list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    mg_mail_records_free(t->r, t->n);
    t->r = NULL;
    t->n = t->total = 0;
    mg_db_stmt *s = NULL;
    int rc = mg_db_prepare(c, SQL_COUNT, &s, d);
    if (rc == 0 && (rc = mg_db_step(s, d)) == MG_DB_ROW) {
        t->total = (size_t)mg_db_column_int64(s, 0);
        rc = 0;
    }
    mg_db_finalize(s);
    s = NULL;
    if (rc)
        return rc < 0 ? rc : mg_diag_set(d, MG_EIO, NULL, 0, 0, "mail: count returned no row");
    if (t->limit == 0)
        return 0;
    t->r = mg_alloc_array(t->limit, sizeof *t->r);
    if (!t->r)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory listing the mail queue");
    rc = mg_db_prepare(c, SQL_LIST, &s, d);
    if (rc == 0)
        rc = mg_db_bind_int64(s, 1, (int64_t)t->limit);
    if (rc == 0)
        rc = mg_db_bind_int64(s, 2, (int64_t)t->offset);
    while (rc == 0 && t->n < t->limit) {
        rc = mg_db_step(s, d);
        if (rc != MG_DB_ROW)
            break;
        rc = 0;
        mg_mail_record *r = &t->r[t->n++];
        memset(r, 0, sizeof *r);
        r->id = mg_db_column_int64(s, 0);
        r->created_at = mg_db_column_int64(s, 1);
        r->to = dup_col(s, 2);
        r->subject = dup_col(s, 3);
        r->status = dup_col(s, 4);
        r->attempts = (int)mg_db_column_int64(s, 5);
        r->next_attempt_at = mg_db_column_int64(s, 6);
        r->last_error = dup_col(s, 7);
        r->sent_at = mg_db_column_int64(s, 8);
        if (!r->to || !r->subject || !r->status ||
            (!r->last_error && !mg_db_column_is_null(s, 7)))
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory listing the mail queue");
    }
    mg_db_finalize(s);
    return rc < 0 ? rc : 0;
}

int mg_mail_list(mg_db *db, size_t offset, size_t limit, mg_mail_record **out, size_t *n,
                 size_t *total, mg_diag *d)
{
    if (out)
        *out = NULL;
    if (n)
        *n = 0;
    if (total)
        *total = 0;
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_mail_list: NULL argument");
    if (limit > 1000 || offset > INT64_MAX)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                           "mail: at most 1000 messages are listed at once");
    struct list_tx t = {.offset = offset, .limit = limit};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc) {
        mg_mail_records_free(t.r, t.n);
        return rc;
    }
    *out = t.r;
    *n = t.n;
    if (total)
        *total = t.total;
    return 0;
}

/* --- Templates ---------------------------------------------------------- */

int mg_mail_render(const char *tmpl, const char *const *keys, const char *const *values,
                   size_t n, char **out, mg_diag *d)
{
    if (out)
        *out = NULL;
    if (!tmpl || !out || (n && (!keys || !values)))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_mail_render: NULL argument");
    mg_buf b;
    mg_buf_init(&b, MG_MAIL_BODY_MAX_BYTES);
    const char *p = tmpl;
    for (;;) {
        const char *open = strstr(p, "{{");
        if (!open) {
            mg_buf_puts(&b, p);
            break;
        }
        mg_buf_append(&b, p, (size_t)(open - p));
        const char *close = strstr(open + 2, "}}");
        if (!close) {
            mg_buf_free(&b);
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "mail template: {{ at byte %zu is not closed",
                               (size_t)(open - tmpl) + 1);
        }
        size_t klen = (size_t)(close - open - 2);
        size_t i;
        for (i = 0; i < n; i++)
            if (keys[i] && strlen(keys[i]) == klen && memcmp(keys[i], open + 2, klen) == 0)
                break;
        if (i == n || !values[i]) {
            mg_buf_free(&b);
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "mail template: {{%.*s}} has no value", (int)(klen < 64 ? klen : 64),
                               open + 2);
        }
        mg_buf_puts(&b, values[i]);
        p = close + 2;
    }
    if (b.failed) {
        mg_buf_free(&b);
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                           "mail template: the text exceeds %d bytes", MG_MAIL_BODY_MAX_BYTES);
    }
    if (!b.data)
        mg_buf_append(&b, "", 0);
    *out = mg_buf_take(&b, NULL);
    return *out ? 0 : mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory for a mail");
}
