-- Contracts as plans (issue 15, src/contracts/, docs/contracts.md): who
-- signed, the tree of axes, the action's details, its status transitions,
-- milestones and follow-up notes, amendments (avenants) that keep what was
-- signed before, documents, budget lines in integer cents and indicators
-- with their dated values. The invariants live here, on SQLite and
-- PostgreSQL alike:
--   * axes are two levels deep (axis -> sub-axis) and a sub-axis belongs to
--     its parent's contract: (parent_id, contract_id, parent_level) refers
--     to (id, contract_id, level) of a level-1 axis;
--   * an action's axis belongs to the action's contract (a trigger here, a
--     composite FOREIGN KEY on PostgreSQL, as SQLite cannot add one to an
--     existing table);
--   * an action's status changes only along action_status_transitions
--     (a trigger on both);
--   * amounts are integer cents, never negative, paid never above
--     committed; a budget line fed by a subsidy request names it, once
--     (UNIQUE), so no grant is counted twice;
--   * an indicator's computed or provided values name how (measure) and an
--     engine value its series (data year and method parameters): a new
--     calibration or new data adds a series, never rewrites one.
-- Dates are "YYYY-MM-DD"; created_at/updated_at ISO 8601 UTC timestamps;
-- is_example marks demo facts the public record does not give.
CREATE TABLE contract_signatories (
    contract_id     INTEGER NOT NULL REFERENCES contracts (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    created_at      TEXT NOT NULL,
    PRIMARY KEY (contract_id, organisation_id)
);
CREATE INDEX contract_signatories_organisation ON contract_signatories (organisation_id);

CREATE TABLE contract_axes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id  INTEGER NOT NULL REFERENCES contracts (id),
    level        INTEGER NOT NULL CHECK (level IN (1, 2)),
    parent_id    INTEGER,
    parent_level INTEGER CHECK (parent_level IS NULL OR parent_level = 1),
    position     INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
    title        TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (id, contract_id, level),
    UNIQUE (id, contract_id),
    CHECK ((level = 1 AND parent_id IS NULL AND parent_level IS NULL) OR
           (level = 2 AND parent_id IS NOT NULL AND parent_level = 1)),
    FOREIGN KEY (parent_id, contract_id, parent_level)
        REFERENCES contract_axes (id, contract_id, level)
);
CREATE INDEX contract_axes_contract ON contract_axes (contract_id, parent_id, position);

ALTER TABLE contract_actions ADD COLUMN axis_id INTEGER REFERENCES contract_axes (id);
ALTER TABLE contract_actions ADD COLUMN objectives TEXT NOT NULL DEFAULT ''
    CHECK (length(objectives) <= 4000);
ALTER TABLE contract_actions ADD COLUMN contact_role TEXT NOT NULL DEFAULT ''
    CHECK (length(contact_role) <= 200);
ALTER TABLE contract_actions ADD COLUMN target_publics TEXT NOT NULL DEFAULT ''
    CHECK (length(target_publics) <= 500);
ALTER TABLE contract_actions ADD COLUMN target_communes TEXT NOT NULL DEFAULT ''
    CHECK (length(target_communes) <= 4095);          -- a scope key (diagnosis/scope.h), '' none
ALTER TABLE contract_actions ADD COLUMN priority INTEGER NOT NULL DEFAULT 2
    CHECK (priority IN (1, 2, 3));                    -- 1 high, 2 normal, 3 low
ALTER TABLE contract_actions ADD COLUMN scenario_id INTEGER REFERENCES scenarios (id);
ALTER TABLE contract_actions ADD COLUMN position INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0);
ALTER TABLE contract_actions ADD COLUMN is_example INTEGER NOT NULL DEFAULT 0
    CHECK (is_example IN (0, 1));
ALTER TABLE contracts ADD COLUMN is_example INTEGER NOT NULL DEFAULT 0
    CHECK (is_example IN (0, 1));
CREATE INDEX contract_actions_axis ON contract_actions (axis_id);
CREATE INDEX contract_actions_scenario ON contract_actions (scenario_id);

CREATE TRIGGER contract_actions_axis_insert BEFORE INSERT ON contract_actions
WHEN NEW.axis_id IS NOT NULL AND NOT EXISTS
    (SELECT 1 FROM contract_axes x WHERE x.id = NEW.axis_id AND x.contract_id = NEW.contract_id)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: the axis of an action belongs to its contract');
END;
CREATE TRIGGER contract_actions_axis_update BEFORE UPDATE OF axis_id, contract_id ON contract_actions
WHEN NEW.axis_id IS NOT NULL AND NOT EXISTS
    (SELECT 1 FROM contract_axes x WHERE x.id = NEW.axis_id AND x.contract_id = NEW.contract_id)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: the axis of an action belongs to its contract');
END;

-- The allowed changes of an action's status; docs/contracts.md states them.
CREATE TABLE action_status_transitions (
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    PRIMARY KEY (from_status, to_status)
);
INSERT INTO action_status_transitions (from_status, to_status) VALUES
    ('planned', 'in_progress'), ('planned', 'abandoned'),
    ('in_progress', 'done'), ('in_progress', 'paused'), ('in_progress', 'abandoned'),
    ('paused', 'in_progress'), ('paused', 'abandoned'),
    ('done', 'in_progress');
CREATE TRIGGER contract_actions_status BEFORE UPDATE OF status ON contract_actions
WHEN NEW.status <> OLD.status AND NOT EXISTS
    (SELECT 1 FROM action_status_transitions t
      WHERE t.from_status = OLD.status AND t.to_status = NEW.status)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: this change of an action''s status is not allowed');
END;

CREATE TABLE action_milestones (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    action_id  INTEGER NOT NULL REFERENCES contract_actions (id),
    title      TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    due_on     TEXT CHECK (due_on IS NULL OR length(due_on) = 10),
    done_on    TEXT CHECK (done_on IS NULL OR length(done_on) = 10),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX action_milestones_action ON action_milestones (action_id, due_on);

CREATE TABLE action_notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    action_id  INTEGER NOT NULL REFERENCES contract_actions (id),
    noted_on   TEXT NOT NULL CHECK (length(noted_on) = 10),
    body       TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    account_id INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL
);
CREATE INDEX action_notes_action ON action_notes (action_id, noted_on);

CREATE TABLE contract_amendments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id  INTEGER NOT NULL REFERENCES contracts (id),
    number       INTEGER NOT NULL CHECK (number >= 1),
    title        TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    signed_on    TEXT CHECK (signed_on IS NULL OR length(signed_on) = 10),
    effective_on TEXT NOT NULL CHECK (length(effective_on) = 10),
    description  TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    created_at   TEXT NOT NULL,
    UNIQUE (contract_id, number)
);

-- What an amendment changed, with the value signed before: the contract's
-- or an action's dates, a budget line replaced by another.
CREATE TABLE amendment_changes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    amendment_id INTEGER NOT NULL REFERENCES contract_amendments (id),
    object_type  TEXT NOT NULL CHECK (object_type IN ('contract', 'action', 'budget_line')),
    object_id    INTEGER NOT NULL CHECK (object_id > 0),
    field        TEXT NOT NULL CHECK (length(field) BETWEEN 1 AND 64),
    value_before TEXT,
    value_after  TEXT
);
CREATE INDEX amendment_changes_amendment ON amendment_changes (amendment_id);

CREATE TABLE contract_documents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id INTEGER NOT NULL REFERENCES contracts (id),
    action_id   INTEGER REFERENCES contract_actions (id),
    title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    filename    TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    media_type  TEXT NOT NULL CHECK (media_type IN ('application/pdf', 'image/png', 'image/jpeg',
                    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
                    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
                    'application/vnd.oasis.opendocument.text',
                    'application/vnd.oasis.opendocument.spreadsheet')),
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    size        INTEGER NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    data        BLOB NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX contract_documents_contract ON contract_documents (contract_id, action_id);

CREATE TABLE budget_lines (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    action_id          INTEGER NOT NULL REFERENCES contract_actions (id),
    funder_id          INTEGER NOT NULL REFERENCES organisations (id),
    year               INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    nature             TEXT NOT NULL CHECK (nature IN ('investment', 'operation')),
    planned_cents      INTEGER NOT NULL CHECK (planned_cents BETWEEN 0 AND 100000000000000),
    committed_cents    INTEGER NOT NULL DEFAULT 0
                            CHECK (committed_cents BETWEEN 0 AND 100000000000000),
    paid_cents         INTEGER NOT NULL DEFAULT 0 CHECK (paid_cents >= 0),
    source             TEXT NOT NULL DEFAULT 'typed' CHECK (source IN ('typed', 'subsidy')),
    subsidy_request_id INTEGER UNIQUE,
    amendment_id       INTEGER REFERENCES contract_amendments (id), -- added by; NULL: as signed
    replaced_by        INTEGER REFERENCES contract_amendments (id), -- NULL: current
    is_example         INTEGER NOT NULL DEFAULT 0 CHECK (is_example IN (0, 1)),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    CHECK (paid_cents <= committed_cents),
    CHECK ((source = 'subsidy') = (subsidy_request_id IS NOT NULL))
);
CREATE INDEX budget_lines_action ON budget_lines (action_id, year);
CREATE INDEX budget_lines_funder ON budget_lines (funder_id, year);

CREATE TABLE indicators (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    action_id  INTEGER NOT NULL REFERENCES contract_actions (id),
    title      TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    unit       TEXT NOT NULL DEFAULT '' CHECK (length(unit) <= 50),
    higher_is_better INTEGER NOT NULL DEFAULT 1 CHECK (higher_is_better IN (0, 1)),
    target     REAL,
    target_on  TEXT CHECK (target_on IS NULL OR length(target_on) = 10),
    source     TEXT NOT NULL CHECK (source IN ('manual', 'engine', 'provider')),
    measure    TEXT NOT NULL DEFAULT '' CHECK (length(measure) <= 64),
    profession TEXT NOT NULL DEFAULT '' CHECK (length(profession) <= 32),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((source = 'manual') = (measure = '')),
    CHECK ((source = 'engine') = (profession <> ''))
);
CREATE INDEX indicators_action ON indicators (action_id);

CREATE TABLE indicator_values (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    indicator_id INTEGER NOT NULL REFERENCES indicators (id),
    measured_on  TEXT NOT NULL CHECK (length(measured_on) = 10),
    value        REAL NOT NULL,
    series       TEXT NOT NULL DEFAULT '' CHECK (length(series) <= 200), -- engine: data year and parameters
    data_year    INTEGER CHECK (data_year IS NULL OR data_year BETWEEN 1990 AND 2100),
    params_json  TEXT NOT NULL DEFAULT '' CHECK (length(params_json) <= 4000),
    source_note  TEXT NOT NULL DEFAULT '' CHECK (length(source_note) <= 500),
    comment      TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    account_id   INTEGER REFERENCES accounts (id),
    created_at   TEXT NOT NULL,
    UNIQUE (indicator_id, series, measured_on)
);
