/*
 * Tests of the mail queue (mail/mail.h), run against SQLite and, when
 * MG_TEST_PG_URI is set, against PostgreSQL: a message enqueued in a
 * transaction that commits is queued, one in a transaction that rolls back
 * is not; refused addresses, subjects and bodies; delivery to a local SMTP
 * sink (tests/unit/smtp_sink.py, started by the test) with the headers, the
 * encoded subject and the UTF-8 body; a relay down or refusing (451) gives
 * attempts and a later next attempt, the message kept and delivered later;
 * after the maximum attempts, status failed; two handles in two threads
 * delivering at once send each message exactly once; the list; templates;
 * the relay's credentials (the file, AUTH accepted or refused), STARTTLS
 * required of a relay that does not offer it; the delivery thread (sends
 * what is queued, keeps going past a relay down, stops cleanly).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db_fixture.h"
#include "mail/mail.h"
#include "parse/parse.h"

TEST_DB_FIXTURE("mail")

static mg_db *open_ok(const char *url)
{
    return test_db_open(url, &(mg_db_options){.busy_ms = 60000});
}

/* --- The sink ----------------------------------------------------------- */

struct sink {
    pid_t pid;
    int port;
    char dir[300];
    char url[64];
};

/* Starts the sink in PARENT/NAME with one option of its own (NULL for
 * none): "--fail", or "--auth" with its value. */
static void sink_start_with(struct sink *s, const char *parent, const char *name,
                            const char *option, const char *value)
{
    snprintf(s->dir, sizeof s->dir, "%s/%s", parent, name);
    assert_int_equal(mkdir(s->dir, 0700), 0);
    int p[2];
    assert_int_equal(pipe(p), 0);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        char script[512];
        snprintf(script, sizeof script, "%s/tests/unit/smtp_sink.py", MG_SOURCE_DIR);
        execlp("python3", "python3", script, s->dir, option, value, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    assert_non_null(f);
    char line[32] = "";
    if (!fgets(line, sizeof line, f))
        fail_msg("the SMTP sink did not start");
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    int64_t port = 0;
    mg_parse_error why;
    if (mg_parse_c_int(line, strlen(line), 1, 65535, &port, &why))
        fail_msg("the SMTP sink printed \"%s\", not a port", line);
    s->port = (int)port;
    snprintf(s->url, sizeof s->url, "smtp://127.0.0.1:%d", s->port);
}

static void sink_start(struct sink *s, const char *parent, const char *name, int fail)
{
    sink_start_with(s, parent, name, fail ? "--fail" : NULL, NULL);
}

static void sink_stop(struct sink *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "msg-", 4) == 0 && strstr(e->d_name, ".eml") &&
            !strstr(e->d_name, ".tmp"))
            n++;
    closedir(d);
    return n;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* A port nobody listens on: bound, then closed. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* --- Helpers ------------------------------------------------------------ */

struct enq {
    const char *to, *subject, *body;
    int64_t id;
};

static int enqueue_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct enq *e = ctx;
    return mg_mail_enqueue(c, e->to, e->subject, e->body, &e->id, d);
}

static int64_t enqueue_ok(mg_db *db, const char *to, const char *subject, const char *body)
{
    struct enq e = {to, subject, body, 0};
    mg_diag d = {{0}};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, enqueue_body, &e, &d);
    if (rc)
        fail_msg("enqueue: %s", d.msg);
    assert_true(e.id > 0);
    return e.id;
}

/* The record of message id (the list of everything, searched). */
static mg_mail_record get(mg_db *db, int64_t id, mg_mail_record **all, size_t *n)
{
    mg_diag d = {{0}};
    assert_int_equal(mg_mail_list(db, 0, 1000, all, n, NULL, &d), 0);
    for (size_t i = 0; i < *n; i++)
        if ((*all)[i].id == id)
            return (*all)[i];
    fail_msg("message %lld not listed", (long long)id);
    return (mg_mail_record){0};
}

static size_t queued(mg_db *db)
{
    mg_mail_record *r = NULL;
    size_t n = 0, total = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_mail_list(db, 0, 0, &r, &n, &total, &d), 0);
    mg_mail_records_free(r, n);
    return total;
}

/* --- Tests -------------------------------------------------------------- */

static void test_enqueue_commit_and_rollback(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    enqueue_ok(db, "a@example.org", "Invitation", "Bonjour");
    assert_int_equal(queued(db), 1);

    mg_db_conn *c = NULL;
    mg_diag d = {{0}};
    int64_t id = 0;
    assert_int_equal(mg_db_acquire(db, &c, &d), 0);
    assert_int_equal(mg_db_begin(c, MG_DB_TX_WRITE, &d), 0);
    assert_int_equal(mg_mail_enqueue(c, "b@example.org", "Autre", "Texte", &id, &d), 0);
    assert_true(id > 0);
    mg_db_rollback(c);
    mg_db_release(c);
    assert_int_equal(queued(db), 1);
    mg_db_close(db);
}

static void test_refused(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    mg_db_conn *c = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_db_acquire(db, &c, &d), 0);
    char longaddr[300];
    memset(longaddr, 'a', sizeof longaddr);
    memcpy(longaddr + 250, "@b.fr", 6); /* 255 bytes */
    char longline[1100];
    memset(longline, 'x', sizeof longline);
    longline[sizeof longline - 1] = '\0';
    const struct {
        const char *to, *subject, *body;
        int rc;
    } cases[] = {
        {"nobody.example.org", "S", "B", MG_EINVAL},
        {"a@b@example.org", "S", "B", MG_EINVAL},
        {"@example.org", "S", "B", MG_EINVAL},
        {"a@", "S", "B", MG_EINVAL},
        {"a b@example.org", "S", "B", MG_EINVAL},
        {"a@example.org\r\nBcc: x@evil.org", "S", "B", MG_EINVAL},
        {"a@example.org>\r\nRCPT TO:<x@evil.org", "S", "B", MG_EINVAL},
        {"a@example.org", "Sujet\r\nBcc: x@evil.org", "B", MG_EINVAL},
        {"a@example.org", "Sujet\nX: y", "B", MG_EINVAL},
        {"a@example.org", "", "B", MG_EINVAL},
        {"a@example.org", "S", "a\rb", MG_EINVAL},
        {"a@example.org", "S\xff", "B", MG_EUTF8},
        {longaddr, "S", "B", MG_ELIMIT},
        {"a@example.org", "S", longline, MG_ELIMIT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mg_diag_clear(&d);
        int64_t id = -1;
        int rc = mg_mail_enqueue(c, cases[i].to, cases[i].subject, cases[i].body, &id, &d);
        if (rc != cases[i].rc)
            fail_msg("case %zu: %d (%s), expected %d", i, rc, d.msg, cases[i].rc);
        assert_int_equal(id, 0);
    }
    mg_db_release(c);
    assert_int_equal(queued(db), 0);
    mg_db_close(db);
}

static void test_deliver(void **state)
{
    struct fixture *f = *state;
    struct sink s;
    sink_start(&s, f->dir, "sink", 0);
    mg_db *db = open_ok(f->url);
    const char *subject = "Invitation à rejoindre maillage — Agence régionale de santé";
    int64_t id = enqueue_ok(db, "marie.dupont@example.fr", subject,
                            "Bonjour Marie,\n\nVous êtes invitée.\n.\n.point en tête\n");
    mg_mail_relay relay = {.url = s.url, .from = "ne-pas-repondre@maillage.example", .timeout_s = 10};
    size_t sent = 9, failed = 9;
    mg_diag d = {{0}};
    int64_t now = (int64_t)time(NULL);
    int rc = mg_mail_deliver_due(db, &relay, now, 10, &sent, &failed, &d);
    if (rc)
        fail_msg("deliver: %s", d.msg);
    assert_int_equal(sent, 1);
    assert_int_equal(failed, 0);
    assert_int_equal(count_files(s.dir), 1);
    char path[400];
    snprintf(path, sizeof path, "%s/msg-1.eml", s.dir);
    const char *m = read_all(path);
    assert_non_null(strstr(m, "\r\nFrom: ne-pas-repondre@maillage.example\r\n"));
    assert_non_null(strstr(m, "\r\nTo: marie.dupont@example.fr\r\n"));
    assert_non_null(strstr(m, "\r\nSubject: =?UTF-8?B?"));
    assert_non_null(strstr(m, "\r\nMIME-Version: 1.0\r\n"));
    assert_non_null(strstr(m, "Content-Type: text/plain; charset=UTF-8\r\n"));
    assert_non_null(strstr(m, "Content-Transfer-Encoding: 8bit\r\n"));
    assert_non_null(strstr(m, "Message-ID: <maillage."));
    assert_true(strncmp(m, "Date: ", 6) == 0);
    assert_non_null(strstr(m, "\r\n\r\nBonjour Marie,\r\n\r\nVous êtes invitée.\r\n.\r\n.point en tête\r\n"));
    /* No raw UTF-8 in the headers; each encoded-word within 75 characters. */
    const char *end = strstr(m, "\r\n\r\n");
    for (const char *p = m; p < end; p++)
        assert_true((unsigned char)*p < 0x80);
    const char *w = strstr(m, "=?UTF-8?B?");
    while (w && w < end) {
        const char *q = strstr(w + 10, "?=");
        assert_true(q - w + 2 <= 75);
        w = strstr(q, "=?UTF-8?B?");
    }
    /* Nothing due any more. */
    assert_int_equal(mg_mail_deliver_due(db, &relay, now + 86400, 10, &sent, &failed, &d), 0);
    assert_int_equal(sent, 0);

    mg_mail_record *all = NULL;
    size_t n = 0;
    mg_mail_record r = get(db, id, &all, &n);
    assert_string_equal(r.status, "sent");
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.sent_at, now);
    assert_null(r.last_error);
    assert_string_equal(r.subject, subject);
    mg_mail_records_free(all, n);
    mg_db_close(db);
    sink_stop(&s);
}

static void test_relay_down_then_up(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    int64_t id = enqueue_ok(db, "a@example.org", "Réinitialisation", "Lien : …");
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", closed_port());
    mg_mail_relay relay = {.url = url, .from = "noreply@example.org", .timeout_s = 5};
    size_t sent = 9, failed = 9;
    mg_diag d = {{0}};
    int64_t now = (int64_t)time(NULL) + 1;
    assert_int_equal(mg_mail_deliver_due(db, &relay, now, 10, &sent, &failed, &d), 0);
    assert_int_equal(sent, 0);
    assert_int_equal(failed, 1);
    mg_mail_record *all = NULL;
    size_t n = 0;
    mg_mail_record r = get(db, id, &all, &n);
    assert_string_equal(r.status, "pending");
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.next_attempt_at, now + 60);
    assert_non_null(r.last_error);
    mg_mail_records_free(all, n);

    /* Not due before its next attempt. */
    assert_int_equal(mg_mail_deliver_due(db, &relay, now + 59, 10, &sent, &failed, &d), 0);
    assert_int_equal(failed, 0);

    /* A relay that answers 451: a second failure, twice the wait. */
    struct sink bad;
    sink_start(&bad, f->dir, "bad", 1);
    relay.url = bad.url;
    assert_int_equal(mg_mail_deliver_due(db, &relay, now + 60, 10, &sent, &failed, &d), 0);
    assert_int_equal(failed, 1);
    r = get(db, id, &all, &n);
    assert_int_equal(r.attempts, 2);
    assert_int_equal(r.next_attempt_at, now + 60 + 120);
    if (!strstr(r.last_error, "451"))
        fail_msg("last_error: %s", r.last_error);
    mg_mail_records_free(all, n);
    sink_stop(&bad);
    assert_int_equal(count_files(bad.dir), 0);

    /* The relay is back. */
    struct sink s;
    sink_start(&s, f->dir, "sink", 0);
    relay.url = s.url;
    assert_int_equal(mg_mail_deliver_due(db, &relay, now + 180, 10, &sent, &failed, &d), 0);
    assert_int_equal(sent, 1);
    assert_int_equal(count_files(s.dir), 1);
    r = get(db, id, &all, &n);
    assert_string_equal(r.status, "sent");
    assert_int_equal(r.attempts, 3);
    assert_null(r.last_error);
    mg_mail_records_free(all, n);
    sink_stop(&s);
    mg_db_close(db);
}

static void test_gives_up(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    int64_t id = enqueue_ok(db, "a@example.org", "S", "B");
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", closed_port());
    mg_mail_relay relay = {.url = url, .from = "noreply@example.org", .timeout_s = 5};
    mg_diag d = {{0}};
    int64_t now = (int64_t)time(NULL) + 1, waits = 0;
    mg_mail_record *all = NULL;
    size_t n = 0, sent, failed;
    for (int i = 1; i <= MG_MAIL_MAX_ATTEMPTS; i++) {
        assert_int_equal(mg_mail_deliver_due(db, &relay, now, 10, &sent, &failed, &d), 0);
        assert_int_equal(failed, 1);
        mg_mail_record r = get(db, id, &all, &n);
        assert_int_equal(r.attempts, i);
        assert_string_equal(r.status, i < MG_MAIL_MAX_ATTEMPTS ? "pending" : "failed");
        int64_t wait = r.next_attempt_at - now;
        assert_true(wait >= 60 && wait <= MG_MAIL_BACKOFF_MAX_S);
        assert_true(wait >= waits);
        waits = wait;
        now = r.next_attempt_at;
        mg_mail_records_free(all, n);
    }
    assert_int_equal(waits, MG_MAIL_BACKOFF_MAX_S);
    /* Failed messages are kept and never tried again. */
    assert_int_equal(mg_mail_deliver_due(db, &relay, now + 999999, 10, &sent, &failed, &d), 0);
    assert_int_equal(failed, 0);
    assert_int_equal(queued(db), 1);
    mg_db_close(db);
}

struct worker {
    mg_db *db;
    const mg_mail_relay *relay;
    int64_t now;
    size_t sent, failed;
    int rc;
    char msg[1024];
};

static void *deliver_thread(void *arg)
{
    struct worker *w = arg;
    mg_diag d = {{0}};
    /* One message per call, as a delivery loop would, so that the two
     * workers interleave. */
    for (;;) {
        size_t s = 0, f = 0;
        w->rc = mg_mail_deliver_due(w->db, w->relay, w->now, 1, &s, &f, &d);
        w->sent += s;
        w->failed += f;
        if (w->rc || s + f == 0)
            break;
    }
    snprintf(w->msg, sizeof w->msg, "%s", d.msg);
    return NULL;
}

static void test_two_processes(void **state)
{
    struct fixture *f = *state;
    enum { N = 30 };
    struct sink s;
    sink_start(&s, f->dir, "sink", 0);
    mg_db *db1 = open_ok(f->url), *db2 = open_ok(f->url);
    for (int i = 0; i < N; i++) {
        char to[64];
        snprintf(to, sizeof to, "agent%d@example.fr", i);
        enqueue_ok(db1, to, "Message", "Corps");
    }
    mg_mail_relay relay = {.url = s.url, .from = "noreply@example.org", .timeout_s = 10};
    int64_t now = (int64_t)time(NULL);
    struct worker w1 = {.db = db1, .relay = &relay, .now = now};
    struct worker w2 = {.db = db2, .relay = &relay, .now = now};
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, deliver_thread, &w1), 0);
    assert_int_equal(pthread_create(&t2, NULL, deliver_thread, &w2), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    if (w1.rc || w2.rc)
        fail_msg("deliver: %s / %s", w1.msg, w2.msg);
    assert_int_equal(w1.failed + w2.failed, 0);
    assert_int_equal(w1.sent + w2.sent, N);
    assert_int_equal(count_files(s.dir), N);
    mg_mail_record *all = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_mail_list(db1, 0, 1000, &all, &n, NULL, &d), 0);
    assert_int_equal(n, N);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(all[i].status, "sent");
        assert_int_equal(all[i].attempts, 1);
    }
    mg_mail_records_free(all, n);
    printf("two handles: %zu and %zu messages sent\n", w1.sent, w2.sent);
    mg_db_close(db1);
    mg_db_close(db2);
    sink_stop(&s);
}

static void test_list_pages(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_ok(f->url);
    int64_t ids[5];
    for (int i = 0; i < 5; i++)
        ids[i] = enqueue_ok(db, "a@example.org", "S", "B");
    mg_mail_record *r = NULL;
    size_t n = 0, total = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_mail_list(db, 1, 2, &r, &n, &total, &d), 0);
    assert_int_equal(total, 5);
    assert_int_equal(n, 2);
    assert_int_equal(r[0].id, ids[3]);
    assert_int_equal(r[1].id, ids[2]);
    assert_string_equal(r[0].status, "pending");
    assert_int_equal(r[0].sent_at, 0);
    mg_mail_records_free(r, n);
    assert_int_equal(mg_mail_list(db, 0, 1001, &r, &n, &total, &d), MG_ELIMIT);
    mg_db_close(db);
}

static void test_render(void **state)
{
    (void)state;
    const char *keys[] = {"nom", "lien"};
    const char *values[] = {"Marie", "https://maillage.example/i/abc"};
    char *out = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_mail_render("Bonjour {{nom}},\nSuivez {{lien}} ({{nom}}).", keys,
                                    values, 2, &out, &d), 0);
    assert_string_equal(out, "Bonjour Marie,\nSuivez https://maillage.example/i/abc (Marie).");
    free(out);
    assert_int_equal(mg_mail_render("", keys, values, 2, &out, &d), 0);
    assert_string_equal(out, "");
    free(out);
    assert_int_equal(mg_mail_render("{{inconnu}}", keys, values, 2, &out, &d), MG_EINVAL);
    assert_null(out);
    assert_int_equal(mg_mail_render("{{nom", keys, values, 2, &out, &d), MG_EINVAL);
}

/* Writes text to DIR/name with the given mode and returns the path. */
static const char *write_mode(const char *dir, const char *name, const char *text, mode_t mode)
{
    static char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static void test_credentials_file(void **state)
{
    struct fixture *f = *state;
    char *user = NULL, *password = NULL;
    mg_diag d = {{0}};
    const char *p = write_mode(f->dir, "ok", "relais@example.fr:mot:de passe\r\nignored\n", 0600);
    assert_int_equal(mg_mail_read_credentials(p, &user, &password, &d), 0);
    assert_string_equal(user, "relais@example.fr");
    assert_string_equal(password, "mot:de passe");
    mg_mail_credentials_free(user, password);
    p = write_mode(f->dir, "group", "u:p", 0640);
    assert_int_equal(mg_mail_read_credentials(p, &user, &password, &d), 0);
    assert_string_equal(password, "p");
    mg_mail_credentials_free(user, password);

    static const struct {
        const char *name, *text;
        mode_t mode;
        int rc;
        const char *words;
    } refused[] = {
        {"world", "u:p\n", 0644, MG_EINVAL, "other users may read or change"},
        {"world-writable", "u:p\n", 0602, MG_EINVAL, "chmod 600"},
        {"nocolon", "user-only\n", 0600, MG_EINVAL, "expected user:password"},
        {"nouser", ":p\n", 0600, MG_EINVAL, "expected user:password"},
        {"empty", "", 0600, MG_EINVAL, "expected user:password"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        p = write_mode(f->dir, refused[i].name, refused[i].text, refused[i].mode);
        mg_diag_clear(&d);
        int rc = mg_mail_read_credentials(p, &user, &password, &d);
        if (rc != refused[i].rc || !strstr(d.msg, refused[i].words) || !strstr(d.msg, p))
            fail_msg("%s: %d \"%s\"", refused[i].name, rc, d.msg);
        assert_null(user);
        assert_null(password);
    }
    char longline[1100];
    memset(longline, 'x', sizeof longline);
    longline[0] = 'u';
    longline[1] = ':';
    longline[sizeof longline - 1] = '\0';
    p = write_mode(f->dir, "long", longline, 0600);
    mg_diag_clear(&d);
    assert_int_equal(mg_mail_read_credentials(p, &user, &password, &d), MG_ELIMIT);
    mg_diag_clear(&d);
    char missing[400];
    snprintf(missing, sizeof missing, "%s/none", f->dir);
    assert_int_equal(mg_mail_read_credentials(missing, &user, &password, &d), MG_ENOTFOUND);
    mg_diag_clear(&d);
    assert_int_equal(mg_mail_read_credentials(f->dir, &user, &password, &d), MG_EINVAL);
    assert_non_null(strstr(d.msg, "not a regular file"));
}

/* The status, attempts and last error of message id. */
static void expect_record(mg_db *db, int64_t id, const char *status, int attempts,
                          const char *error_part)
{
    mg_mail_record *all = NULL;
    size_t n = 0;
    mg_mail_record r = get(db, id, &all, &n);
    assert_string_equal(r.status, status);
    assert_int_equal(r.attempts, attempts);
    if (error_part) {
        if (!r.last_error || !strstr(r.last_error, error_part))
            fail_msg("last_error \"%s\", expected \"%s\" in it",
                     r.last_error ? r.last_error : "(null)", error_part);
    }
    mg_mail_records_free(all, n);
}

static void test_relay_login(void **state)
{
    struct fixture *f = *state;
    struct sink s;
    sink_start_with(&s, f->dir, "sink", "--auth", "relais@example.fr:mot:de passe");
    mg_db *db = open_ok(f->url);
    int64_t now = (int64_t)time(NULL);
    mg_mail_relay relay = {.url = s.url, .from = "noreply@example.org", .timeout_s = 10};
    size_t sent, failed;
    mg_diag d = {{0}};

    /* Without credentials the relay refuses the sender (530). */
    int64_t id = enqueue_ok(db, "a@example.org", "S", "B");
    assert_int_equal(mg_mail_deliver_due(db, &relay, now, 10, &sent, &failed, &d), 0);
    assert_int_equal(failed, 1);
    expect_record(db, id, "pending", 1, "530");
    /* Wrong ones: refused at AUTH. */
    relay.username = "relais@example.fr";
    relay.password = "faux";
    assert_int_equal(mg_mail_deliver_due(db, &relay, now + 60, 10, &sent, &failed, &d), 0);
    assert_int_equal(failed, 1);
    expect_record(db, id, "pending", 2, NULL);
    /* The right ones. */
    relay.password = "mot:de passe";
    assert_int_equal(mg_mail_deliver_due(db, &relay, now + 180, 10, &sent, &failed, &d), 0);
    assert_int_equal(sent, 1);
    expect_record(db, id, "sent", 3, NULL);
    assert_int_equal(count_files(s.dir), 1);

    /* STARTTLS required of a relay that does not offer it: nothing goes
     * out in clear, the message waits. */
    id = enqueue_ok(db, "b@example.org", "S", "B");
    relay.starttls = true;
    assert_int_equal(mg_mail_deliver_due(db, &relay, now + 180, 10, &sent, &failed, &d), 0);
    assert_int_equal(sent, 0);
    assert_int_equal(failed, 1);
    expect_record(db, id, "pending", 1, NULL);
    assert_int_equal(count_files(s.dir), 1);
    mg_db_close(db);
    sink_stop(&s);
}

/* Waits up to ms for the queue to hold `want` sent messages. */
static bool wait_sent(mg_db *db, size_t want, int ms)
{
    for (int t = 0; t <= ms; t += 50) {
        mg_mail_record *all = NULL;
        size_t n = 0, nsent = 0;
        mg_diag d = {{0}};
        assert_int_equal(mg_mail_list(db, 0, 1000, &all, &n, NULL, &d), 0);
        for (size_t i = 0; i < n; i++)
            nsent += strcmp(all[i].status, "sent") == 0;
        mg_mail_records_free(all, n);
        if (nsent >= want)
            return true;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void test_worker(void **state)
{
    struct fixture *f = *state;
    struct sink s;
    sink_start(&s, f->dir, "sink", 0);
    mg_db *db = open_ok(f->url);
    for (int i = 0; i < 3; i++)
        enqueue_ok(db, "a@example.org", "Au démarrage", "B");
    mg_mail_relay relay = {.url = s.url, .from = "noreply@example.org", .timeout_s = 10};
    mg_mail_worker *w = NULL;
    mg_diag d = {{0}};
    char logpath[400];
    snprintf(logpath, sizeof logpath, "%s/worker.log", f->dir);
    FILE *log = fopen(logpath, "w+");
    assert_non_null(log);
    /* A long interval: the first round runs at once, the next ones only if
     * the stop below did not wake the thread. */
    assert_int_equal(mg_mail_worker_start(&w, db, &relay, 3600, log, &d), 0);
    assert_true(wait_sent(db, 3, 5000));
    assert_int_equal(count_files(s.dir), 3);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t sent = 0, failed = 9;
    mg_mail_worker_stop(w, &sent, &failed);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 2);
    assert_int_equal(sent, 3);
    assert_int_equal(failed, 0);

    /* A relay down: the round's failure is logged, the message kept with
     * its attempt, and the thread stops cleanly all the same. */
    sink_stop(&s);
    int64_t id = enqueue_ok(db, "b@example.org", "S", "B");
    assert_int_equal(mg_mail_worker_start(&w, db, &relay, 1, log, &d), 0);
    for (int t = 0; t < 100; t++) {
        mg_mail_record *all = NULL;
        size_t n = 0;
        mg_mail_record r = get(db, id, &all, &n);
        int attempts = r.attempts;
        mg_mail_records_free(all, n);
        if (attempts)
            break;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    mg_mail_worker_stop(w, &sent, &failed);
    assert_int_equal(failed, 1);
    expect_record(db, id, "pending", 1, NULL);
    fflush(log);
    const char *text = read_all(logpath);
    assert_non_null(strstr(text, "maillage: mail: 1 message(s) not taken by the relay smtp://"));

    /* What start refuses. */
    mg_mail_relay bad = {.url = s.url, .from = "not an address"};
    mg_diag_clear(&d);
    assert_int_equal(mg_mail_worker_start(&w, db, &bad, 10, NULL, &d), MG_EINVAL);
    assert_null(w);
    assert_int_equal(mg_mail_worker_start(&w, db, &relay, 0, NULL, &d), MG_EINVAL);
    mg_mail_worker_stop(NULL, NULL, NULL);
    fclose(log);
    mg_db_close(db);
}

#define TESTS(X)                              \
    X(test_enqueue_commit_and_rollback)       \
    X(test_refused)                           \
    X(test_deliver)                           \
    X(test_relay_down_then_up)                \
    X(test_gives_up)                          \
    X(test_two_processes)                     \
    X(test_list_pages)                        \
    X(test_render)                            \
    X(test_credentials_file)                  \
    X(test_relay_login)                       \
    X(test_worker)

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {TESTS(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {TESTS(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
