-- Scenarios belong to an organisation (organisations of 004_auth) and may
-- be shared read-only by a link. A name is unique within its organisation,
-- no longer across the whole database. Scenarios saved before accounts
-- existed keep no organisation (NULL): only the platform's administrators
-- see them, and may give them to an organisation.
--
-- SQLite cannot change a table's UNIQUE constraint in place: the table is
-- made again and its rows copied, ids kept, and the AUTOINCREMENT counter
-- carried over so that an id once given is never given again.
CREATE TABLE scenarios_owned (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER REFERENCES organisations (id),
    name            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    profession      TEXT NOT NULL,
    actions_json    TEXT NOT NULL,
    share_token     TEXT UNIQUE CHECK (share_token IS NULL OR length(share_token) = 43),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
INSERT INTO scenarios_owned (id, name, profession, actions_json, created_at, updated_at)
    SELECT id, name, profession, actions_json, created_at, updated_at FROM scenarios;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'scenarios_owned', seq FROM sqlite_sequence WHERE name = 'scenarios'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'scenarios_owned');
UPDATE sqlite_sequence
   SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'scenarios')
 WHERE name = 'scenarios_owned'
   AND (SELECT seq FROM sqlite_sequence WHERE name = 'scenarios') > seq;
DROP TABLE scenarios;
ALTER TABLE scenarios_owned RENAME TO scenarios;
CREATE INDEX scenarios_updated ON scenarios (updated_at);
CREATE INDEX scenarios_organisation ON scenarios (organisation_id, updated_at);
-- A name is unique within its organisation, and among the scenarios without
-- one (coalesce: a plain UNIQUE would let NULLs repeat a name).
CREATE UNIQUE INDEX scenarios_organisation_name ON scenarios (coalesce(organisation_id, 0), name);
