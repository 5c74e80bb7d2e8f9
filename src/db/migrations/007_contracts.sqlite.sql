-- Contracts, their actions and the organisations taking part in each
-- action (src/contracts/, contracts/contracts.h): the first core of issue
-- 15, enough for the network of issue 14 (which structures pilot or
-- partner which action). The invariants live here: kinds and statuses are
-- CHECKed lists, every reference a FOREIGN KEY to organisations or to the
-- table above, an organisation appears once per action (the primary key of
-- action_participants) and an action has at most one pilot (a partial
-- unique index). Dates are "YYYY-MM-DD" (NULL when not known yet) and the
-- end never precedes the start; created_at and updated_at are ISO 8601
-- UTC timestamps as elsewhere.
--
-- What issue 15 adds extends these tables without rewriting them: axes
-- (a table of their own, and an axis_id column on actions), signatories,
-- documents, amendments, milestones, budget lines and indicators (tables
-- referring to contracts or actions), the status transitions (checked by
-- the module; the list of statuses is already the final one).
CREATE TABLE contracts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id), -- the lead: it owns the contract
    kind            TEXT NOT NULL CHECK (kind IN ('cps', 'cls', 'convention', 'schema', 'other')),
    title           TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    territory       TEXT NOT NULL DEFAULT '' CHECK (length(territory) <= 4095), -- a scope key, '' none
    starts_on       TEXT CHECK (starts_on IS NULL OR length(starts_on) = 10),
    ends_on         TEXT CHECK (ends_on IS NULL OR length(ends_on) = 10),
    status          TEXT NOT NULL DEFAULT 'draft'
                         CHECK (status IN ('draft', 'signed', 'in_force', 'ended')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK (starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX contracts_organisation ON contracts (organisation_id, title);

CREATE TABLE contract_actions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id INTEGER NOT NULL REFERENCES contracts (id),
    title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    status      TEXT NOT NULL DEFAULT 'planned'
                     CHECK (status IN ('planned', 'in_progress', 'done', 'paused', 'abandoned')),
    starts_on   TEXT CHECK (starts_on IS NULL OR length(starts_on) = 10),
    due_on      TEXT CHECK (due_on IS NULL OR length(due_on) = 10),      -- planned end
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    CHECK (starts_on IS NULL OR due_on IS NULL OR due_on >= starts_on)
);
CREATE INDEX contract_actions_contract ON contract_actions (contract_id, title);

-- A directory structure is an organisation (directory/directory.h): the
-- participants are organisations.
CREATE TABLE action_participants (
    action_id       INTEGER NOT NULL REFERENCES contract_actions (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    role            TEXT NOT NULL CHECK (role IN ('pilot', 'partner')),
    created_at      TEXT NOT NULL,
    PRIMARY KEY (action_id, organisation_id)
);
-- At most one pilot per action.
CREATE UNIQUE INDEX action_participants_pilot ON action_participants (action_id)
    WHERE role = 'pilot';
-- The contracts and actions an organisation takes part in (its page).
CREATE INDEX action_participants_organisation ON action_participants (organisation_id);
