-- The outgoing mail queue (src/mail/, docs/mail.md): a message is inserted
-- in the transaction of the change that causes it, then sent over SMTP by
-- mg_mail_deliver_due, retried with back-off, and kept once sent or failed.
-- Times are Unix seconds (UTC).
CREATE TABLE mail_queue (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at      INTEGER NOT NULL CHECK (created_at >= 0),
    to_addr         TEXT NOT NULL CHECK (length(to_addr) BETWEEN 3 AND 254),
    subject         TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 250),
    body_text       TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL CHECK (next_attempt_at >= 0), -- also the end of a claim's lease
    last_error      TEXT,                                          -- libcurl's words for the last failure
    sent_at         INTEGER CHECK (sent_at >= 0),
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX mail_queue_due ON mail_queue (status, next_attempt_at);
