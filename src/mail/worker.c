/*
 * The delivery thread of a server: it looks at the queue every few seconds
 * and hands what is due to mg_mail_deliver_due, one message per call, so
 * that a stop is seen between two messages and never between the claim of
 * a message and the record of its outcome. Several servers on one database
 * may each run one: the claim in mg_mail_deliver_due keeps them from
 * sending a message twice.
 */
#include "mail/mail.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"

struct mg_mail_worker {
    mg_db *db;
    mg_mail_relay relay; /* its strings are the worker's copies */
    unsigned interval_s;
    FILE *log;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC: the stop */
    atomic_bool stop;
    size_t sent, failed; /* over the whole run; the thread's until it is joined */
    char last_error[sizeof(((mg_diag *)0)->msg)]; /* the last database error logged */
};

/* One line to the log, written at once so that it never mixes with the
 * access log's lines on the same stream. */
static void log_line(const mg_mail_worker *w, const char *text)
{
    if (w->log) {
        fprintf(w->log, "maillage: mail: %s\n", text);
        fflush(w->log);
    }
}

/*
 * Delivers what is due, at most MG_MAIL_WORKER_ROUND messages, stopping
 * early when the queue has nothing more due or a stop is asked. A database
 * error ends the round and is logged, unless it is the one logged last
 * round (a database down for an hour is one line, not 360).
 */
static void deliver_round(mg_mail_worker *w)
{
    size_t sent = 0, failed = 0;
    mg_diag d = {{0}};
    int rc = 0;
    for (size_t k = 0; k < MG_MAIL_WORKER_ROUND && !atomic_load(&w->stop); k++) {
        size_t s = 0, f = 0;
        rc = mg_mail_deliver_due(w->db, &w->relay, (int64_t)time(NULL), 1, &s, &f, &d);
        sent += s;
        failed += f;
        if (rc || s + f == 0)
            break;
    }
    w->sent += sent;
    w->failed += failed;
    if (rc) {
        const char *msg = d.msg[0] ? d.msg : mg_strerror(rc);
        if (strcmp(msg, w->last_error) != 0) {
            snprintf(w->last_error, sizeof w->last_error, "%s", msg);
            char line[sizeof w->last_error + 64];
            snprintf(line, sizeof line, "%s (messages stay queued; trying again every %u s)", msg,
                     w->interval_s);
            log_line(w, line);
        }
    } else if (w->last_error[0]) {
        w->last_error[0] = '\0';
        log_line(w, "the database answers again; delivery resumed");
    }
    if (failed) {
        char line[200];
        snprintf(line, sizeof line,
                 "%zu message(s) not taken by the relay %s; kept and tried again later "
                 "(the relay's answer is in mail_queue.last_error)",
                 failed, w->relay.url);
        log_line(w, line);
    }
}

static void *worker_main(void *arg)
{
    mg_mail_worker *w = arg;
    for (;;) {
        deliver_round(w);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += (time_t)w->interval_s;
        pthread_mutex_lock(&w->mu);
        int rc = 0;
        while (!atomic_load(&w->stop) && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&w->wake, &w->mu, &until);
        pthread_mutex_unlock(&w->mu);
        if (atomic_load(&w->stop))
            return NULL;
    }
}

/* Frees the worker's copies, the password wiped first. */
static void worker_free(mg_mail_worker *w)
{
    free((char *)w->relay.url);
    free((char *)w->relay.from);
    mg_mail_credentials_free((char *)w->relay.username, (char *)w->relay.password);
    free(w);
}

/* A copy of s (NULL stays NULL); false when out of memory. */
static bool copy(const char *s, const char **out)
{
    *out = s ? mg_strdup(s) : NULL;
    return !s || *out;
}

int mg_mail_worker_start(mg_mail_worker **out, mg_db *db, const mg_mail_relay *relay,
                         unsigned interval_s, FILE *log, mg_diag *d)
{
    if (!out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_mail_worker_start: NULL argument");
    *out = NULL;
    if (!db || !relay || !relay->url || !relay->from || interval_s == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mail delivery: a database, a relay URL, a sender and an interval "
                           "are needed");
    int rc = mg_mail_check_address(relay->from, d);
    if (rc)
        return rc;
    mg_mail_worker *w = mg_alloc_array(1, sizeof *w);
    if (!w)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory starting mail delivery");
    w->db = db;
    w->interval_s = interval_s;
    w->log = log;
    w->relay.timeout_s = relay->timeout_s;
    w->relay.starttls = relay->starttls;
    atomic_init(&w->stop, false);
    if (!copy(relay->url, &w->relay.url) || !copy(relay->from, &w->relay.from) ||
        !copy(relay->username, &w->relay.username) ||
        !copy(relay->username ? relay->password : NULL, &w->relay.password)) {
        worker_free(w);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory starting mail delivery");
    }
    pthread_condattr_t ca;
    bool cond_ok = pthread_condattr_init(&ca) == 0;
    if (cond_ok) {
        cond_ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
                  pthread_cond_init(&w->wake, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    if (!cond_ok || pthread_mutex_init(&w->mu, NULL) != 0) {
        if (cond_ok)
            pthread_cond_destroy(&w->wake);
        worker_free(w);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "cannot start the mail delivery thread");
    }
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->mu);
        worker_free(w);
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot start the mail delivery thread");
    }
    *out = w;
    return 0;
}

void mg_mail_worker_stop(mg_mail_worker *w, size_t *sent, size_t *failed)
{
    if (sent)
        *sent = 0;
    if (failed)
        *failed = 0;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->stop, true);
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    if (sent)
        *sent = w->sent;
    if (failed)
        *failed = w->failed;
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->mu);
    worker_free(w);
}
