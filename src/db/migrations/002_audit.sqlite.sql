-- The audit trail (src/audit/, docs/audit.md): one entry per state change,
-- appended in the transaction of the change, hash-chained in commit order.
--
-- audit_head is the single point where a position in the chain is given:
-- one row, updated (UPDATE … RETURNING) by every append, which holds its
-- lock until the appending transaction ends. On SQLite every write
-- transaction is already serialised by BEGIN IMMEDIATE.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL CHECK (seq >= 0),           -- position of the last entry; 0: none yet
    hash TEXT NOT NULL CHECK (length(hash) = 64)       -- its hash, lowercase hex; zeros: none yet
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_entries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    seq             INTEGER NOT NULL UNIQUE CHECK (seq >= 1),      -- position in the chain: 1, 2, 3… without gaps
    created_at      TEXT NOT NULL CHECK (length(created_at) = 24), -- 2024-05-01T12:34:56.789Z
    account_id      INTEGER CHECK (account_id > 0),                -- NULL: no account (the system)
    organisation_id INTEGER CHECK (organisation_id > 0),           -- NULL: no organisation
    object_type     TEXT NOT NULL CHECK (length(object_type) BETWEEN 1 AND 64),
    object_id       INTEGER NOT NULL CHECK (object_id > 0),
    verb            TEXT NOT NULL CHECK (length(verb) BETWEEN 1 AND 64),
    changes_json    TEXT NOT NULL,                                 -- JSON array, see docs/audit.md
    prev_hash       TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash            TEXT NOT NULL CHECK (length(hash) = 64)
);
CREATE INDEX audit_entries_object ON audit_entries (object_type, object_id, seq);

-- Entries are never changed or removed by the application: these triggers
-- stop a mistake (a stray UPDATE or DELETE), not the owner of the file,
-- which is what `maillage audit verify` is for.
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit_entries is append-only');
END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit_entries is append-only');
END;
