/**
 * @file mail.h
 * Outgoing mail: a queue in the database (table mail_queue, migration
 * 003_mail) and its delivery over SMTP to a configured relay through
 * libcurl. A message is enqueued inside the caller's write transaction, so
 * it exists if and only if the change that causes it commits; it is then
 * sent by mg_mail_deliver_due, retried with back-off while the relay is
 * down or refuses it, and kept (never deleted) once sent or given up.
 * See docs/mail.md.
 *
 * Delivery is at least once: a message whose sending succeeded but whose
 * "sent" mark could not be written (the database lost at that moment) is
 * sent again once its claim lapses. Two processes delivering at once never
 * both send a message while its claim holds.
 */
#ifndef MG_MAIL_MAIL_H
#define MG_MAIL_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "db/db.h"

enum {
    MG_MAIL_ADDR_MAX_BYTES = 254,     /* RFC 5321 path limit */
    MG_MAIL_SUBJECT_MAX_BYTES = 250,
    MG_MAIL_BODY_MAX_BYTES = 65536,
    MG_MAIL_LINE_MAX_BYTES = 998,     /* RFC 5322, a body line without its CRLF */
    MG_MAIL_MAX_ATTEMPTS = 10,        /* then status 'failed' */
    MG_MAIL_BACKOFF_FIRST_S = 60,     /* after the 1st failure; doubled after each */
    MG_MAIL_BACKOFF_MAX_S = 6 * 3600,
};

/**
 * Queues a message on c, inside the caller's write transaction (which is
 * not checked: outside one, the insert is a transaction of its own). `to` is one address (one @, no spaces or control
 * characters, at most 254 bytes); `subject` one line of UTF-8 (no CR or
 * LF: no header can be injected); `body` UTF-8 text, lines separated by LF
 * or CRLF, each at most 998 bytes. *id_out (may be NULL) receives the id.
 * Errors: MG_EINVAL (bad address, subject, body), MG_ELIMIT (too long),
 * MG_EUTF8, or the database's.
 */
int mg_mail_enqueue(mg_db_conn *c, const char *to, const char *subject, const char *body,
                    int64_t *id_out, mg_diag *d) MG_WARN_UNUSED;

/** Checks an address as mg_mail_enqueue does: 0 or MG_EINVAL / MG_ELIMIT. */
int mg_mail_check_address(const char *addr, mg_diag *d) MG_WARN_UNUSED;

/** Where messages go out. */
typedef struct mg_mail_relay {
    const char *url;      /* smtp://host:port (smtps:// for TLS on connect) */
    const char *from;     /* the sender address, envelope and From: */
    unsigned timeout_s;   /* the longest a message may take; 0: 30 */
    const char *username; /* SMTP AUTH, NULL for none (then password is ignored) */
    const char *password;
    bool starttls;        /* smtp:// must upgrade with STARTTLS, or nothing is sent */
} mg_mail_relay;

/**
 * Reads the relay's credentials from `path`: "user:password" on its first
 * line (the password may hold ':'; the line end, LF or CRLF, is not part of
 * it). The file must be a regular file that other users cannot read or
 * write (mode 0600 or 0640, say): credentials never travel on a command
 * line, where `ps` shows them. *user and *password are new strings; free
 * them with mg_mail_credentials_free, which wipes them. MG_ENOTFOUND /
 * MG_EIO (cannot open or read), MG_EINVAL (others may read it, not a
 * regular file, no ':' or an empty user), MG_ELIMIT (a line over 1024
 * bytes), MG_ENOMEM; the message names the file.
 */
int mg_mail_read_credentials(const char *path, char **user, char **password,
                             mg_diag *d) MG_WARN_UNUSED;

/** Wipes and frees what mg_mail_read_credentials returned (NULLs ignored). */
void mg_mail_credentials_free(char *user, char *password);

/**
 * Sends at most `max` messages that are pending and due at `now_unix`, one
 * at a time: each is claimed in a write transaction of its own (its
 * next_attempt_at moved past the send's timeout, on the condition that
 * nobody moved it first), sent, then marked sent, or on failure given its
 * next attempt (1 min × 2^(attempts-1), at most 6 h) and libcurl's error
 * in last_error, or status 'failed' after MG_MAIL_MAX_ATTEMPTS. *sent and
 * *failed (may be NULL) count this call's successes and failed attempts.
 * A relay failure is not an error of this call: it returns 0; errors are
 * the database's (the message then stays claimed until its lease ends).
 */
int mg_mail_deliver_due(mg_db *db, const mg_mail_relay *relay, int64_t now_unix, size_t max,
                        size_t *sent, size_t *failed, mg_diag *d) MG_WARN_UNUSED;

/**
 * A delivery thread: it calls mg_mail_deliver_due every `interval_s`
 * seconds (and at once when started), up to MG_MAIL_WORKER_ROUND messages a
 * round, until stopped. Errors of the database are written to `log` (one
 * line each, the same error not repeated round after round) and the thread
 * keeps going; a round whose messages the relay did not take says so in
 * one line, libcurl's words being in each message's last_error.
 */
typedef struct mg_mail_worker mg_mail_worker;

enum { MG_MAIL_WORKER_ROUND = 50 };

/**
 * Starts the thread on `db` (borrowed: it must outlive the worker) and a
 * copy of `relay` (its strings are copied; the password is wiped at stop).
 * `log` (borrowed; NULL for none) receives the thread's lines. MG_EINVAL
 * (no URL, a bad sender address, interval 0), MG_ENOMEM, MG_EIO (the
 * thread cannot start).
 */
int mg_mail_worker_start(mg_mail_worker **out, mg_db *db, const mg_mail_relay *relay,
                         unsigned interval_s, FILE *log, mg_diag *d) MG_WARN_UNUSED;

/**
 * Stops the thread and frees the worker (NULL ignored). It returns once
 * the message being sent, if any, has been sent and recorded, so a clean
 * stop never leaves a message claimed; this waits at most the relay's
 * timeout. Counts of the whole run go to *sent and *failed (may be NULL).
 */
void mg_mail_worker_stop(mg_mail_worker *w, size_t *sent, size_t *failed);

/** One message as listed. Strings belong to the record. */
typedef struct mg_mail_record {
    int64_t id;
    int64_t created_at;
    char *to;
    char *subject;
    char *status;          /* "pending", "sent" or "failed" */
    int attempts;
    int64_t next_attempt_at;
    char *last_error;      /* NULL when none */
    int64_t sent_at;       /* 0 when not sent */
} mg_mail_record;

/**
 * The messages, newest first, from `offset`, at most `limit` (≤ 1000), in a
 * new array *out of *n records (free with mg_mail_records_free), and
 * *total (may be NULL) the number of messages in the queue.
 */
int mg_mail_list(mg_db *db, size_t offset, size_t limit, mg_mail_record **out, size_t *n,
                 size_t *total, mg_diag *d) MG_WARN_UNUSED;

void mg_mail_records_free(mg_mail_record *r, size_t n);

/**
 * Fills a template: each {{key}} is replaced by the value of that key
 * (keys[i] → values[i]); an unknown {{key}} or an unclosed {{ is MG_EINVAL.
 * Values are inserted as they are (the message is plain text). *out is new
 * (free it). For the French texts of invitations, resets….
 */
int mg_mail_render(const char *tmpl, const char *const *keys, const char *const *values,
                   size_t n, char **out, mg_diag *d) MG_WARN_UNUSED;

#endif
