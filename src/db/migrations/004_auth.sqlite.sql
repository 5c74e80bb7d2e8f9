-- Organisations, accounts, roles, sessions, personal API tokens, one-time
-- links and the slow-down of failed log-ins (src/auth/, auth/auth.h). The
-- invariants live here: kinds and roles are CHECKed lists, identifiers and
-- e-mail addresses UNIQUE, every reference a FOREIGN KEY. Secrets (session,
-- token, link) are stored only as the lowercase hex of their BLAKE2b-256
-- hash. Times of sessions, links, tokens and failures are Unix seconds,
-- given by the caller; created_at of organisations and accounts is an ISO
-- 8601 UTC timestamp as scenarios have.
CREATE TABLE organisations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind         TEXT NOT NULL CHECK (kind IN ('departement', 'epci', 'commune', 'ars', 'cpam',
                                               'region', 'prefecture', 'association',
                                               'health_centre', 'pharmacy', 'hospital', 'urps',
                                               'other')),
    siret        TEXT UNIQUE CHECK (length(siret) = 14),  -- NULL when none
    rna          TEXT UNIQUE CHECK (length(rna) = 10),
    finess       TEXT UNIQUE CHECK (length(finess) = 9),
    active       INTEGER NOT NULL CHECK (active IN (0, 1)),   -- confirmed: its members may act
    operator     INTEGER NOT NULL DEFAULT 0 CHECK (operator IN (0, 1)),
    created_at   TEXT NOT NULL,
    confirmed_at TEXT,
    CHECK ((active = 1) = (confirmed_at IS NOT NULL))
);
CREATE INDEX organisations_pending ON organisations (active, name);

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    email               TEXT NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),  -- lower-cased
    display_name        TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    password_hash       TEXT,            -- Argon2id string; NULL until set through a link
    totp_secret         TEXT CHECK (length(totp_secret) = 32),          -- base32; NULL: no TOTP
    totp_pending_secret TEXT CHECK (length(totp_pending_secret) = 32),  -- enrolment begun
    totp_last_step      INTEGER NOT NULL DEFAULT 0 CHECK (totp_last_step >= 0), -- used codes
    created_at          TEXT NOT NULL
);

CREATE TABLE memberships (
    account_id      INTEGER NOT NULL REFERENCES accounts (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    role            TEXT NOT NULL CHECK (role IN ('administrator', 'manager', 'instructor',
                                                  'contributor', 'reader', 'host',
                                                  'teleconsultant', 'applicant')),
    created_at      TEXT NOT NULL,
    PRIMARY KEY (account_id, organisation_id)
);
CREATE INDEX memberships_organisation ON memberships (organisation_id);

-- A session ends when unused MG_AUTH_SESSION_IDLE_S after last_used_at, or
-- MG_AUTH_SESSION_MAX_S after created_at, whichever comes first.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL CHECK (last_used_at >= created_at),
    totp_pending INTEGER NOT NULL CHECK (totp_pending IN (0, 1)), -- the code is still awaited
    address      TEXT NOT NULL CHECK (length(address) <= 128)      -- where it was opened from
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_last_used ON sessions (last_used_at); -- removal of idle sessions

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    token_hash   TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);

-- A link is used once: UPDATE … SET used_at WHERE used_at IS NULL AND
-- expires_at > now, which changes one row or none.
CREATE TABLE auth_links (
    token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
    kind       TEXT NOT NULL CHECK (kind IN ('reset', 'invitation')),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL CHECK (expires_at > created_at),
    used_at    INTEGER
);
CREATE INDEX auth_links_account ON auth_links (account_id);

-- Failed attempts per key ("login:EMAIL|ADDRESS", "addr:ADDRESS",
-- "totp:ACCOUNT|ADDRESS", "reset:ADDRESS"), forgotten a day after the last.
CREATE TABLE auth_failures (
    key             TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 512),
    failures        INTEGER NOT NULL CHECK (failures >= 1),
    last_failure_at INTEGER NOT NULL
);
CREATE INDEX auth_failures_last ON auth_failures (last_failure_at);
