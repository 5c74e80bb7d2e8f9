-- The single window for health subsidies (issue 16, src/funding/,
-- docs/funding.md): windows run by a lead organisation (the CLS
-- coordinator) with their co-funders, calls for projects, requests with the
-- fields of the CERFA 12156 form and their balanced budget, attachments
-- stored once by content hash, each addressed co-funder's part (its own
-- state, opinion, decision, amount, payments), questions and messages,
-- versions of what the applicant filed, joint committees, the final report
-- (compte rendu financier) and its reminders. The invariants live here, on
-- SQLite and PostgreSQL alike:
--   * amounts are integer cents, never negative; what a co-funder grants is
--     never above what was asked of it, what it pays never above what it
--     granted;
--   * a co-funder's state changes only along subsidy_funder_transitions (a
--     trigger on both), and a decision, once taken, is final: of two
--     instructors deciding at once, the second finds the part decided;
--   * a budget line naming a co-funder is a resource of account 74, and one
--     co-funder is named once per request;
--   * an attachment's bytes are stored once per SHA-256, whoever sends them.
-- Dates are "YYYY-MM-DD" (Europe/Paris days); created_at/updated_at ISO
-- 8601 UTC timestamps; is_example marks demo facts the public record does
-- not give.

-- A single window: the lead organisation that receives the requests and
-- routes them, the co-funders that take part, and the contract (a CLS) it
-- serves, if any.
CREATE TABLE subsidy_windows (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id     INTEGER NOT NULL REFERENCES organisations (id),
    title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    territory   TEXT NOT NULL DEFAULT '' CHECK (length(territory) <= 4095), -- scope key, '' none
    contract_id INTEGER REFERENCES contracts (id),
    is_example  INTEGER NOT NULL DEFAULT 0 CHECK (is_example IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX subsidy_windows_lead ON subsidy_windows (lead_id);

CREATE TABLE subsidy_window_funders (
    window_id  INTEGER NOT NULL REFERENCES subsidy_windows (id),
    funder_id  INTEGER NOT NULL REFERENCES organisations (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (window_id, funder_id)
);
CREATE INDEX subsidy_window_funders_funder ON subsidy_window_funders (funder_id);

-- A call for projects: opened by the lead or a co-funder of the window;
-- requests are filed until the deadline (inclusive, Paris day), never after.
CREATE TABLE subsidy_calls (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    window_id   INTEGER NOT NULL REFERENCES subsidy_windows (id),
    opened_by   INTEGER NOT NULL REFERENCES organisations (id),
    title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    theme       TEXT NOT NULL DEFAULT '' CHECK (length(theme) <= 200),
    territory   TEXT NOT NULL DEFAULT '' CHECK (length(territory) <= 4095),
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    opens_on    TEXT NOT NULL CHECK (length(opens_on) = 10),
    deadline    TEXT NOT NULL CHECK (length(deadline) = 10),
    is_example  INTEGER NOT NULL DEFAULT 0 CHECK (is_example IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    CHECK (deadline >= opens_on)
);
CREATE INDEX subsidy_calls_window ON subsidy_calls (window_id, deadline);

-- The budget each co-funder puts into a call.
CREATE TABLE subsidy_call_budgets (
    call_id      INTEGER NOT NULL REFERENCES subsidy_calls (id),
    funder_id    INTEGER NOT NULL REFERENCES organisations (id),
    budget_cents INTEGER NOT NULL CHECK (budget_cents BETWEEN 0 AND 100000000000000),
    PRIMARY KEY (call_id, funder_id)
);

-- A request: the CERFA 12156 fields, as the applicant typed them (checked
-- when filed), and its overall state, which follows from its co-funders'
-- parts by the table of docs/funding.md (mg_subsidy_overall_state), written
-- in the same transaction as every change of a part.
CREATE TABLE subsidy_requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    window_id       INTEGER NOT NULL REFERENCES subsidy_windows (id),
    applicant_id    INTEGER NOT NULL REFERENCES organisations (id),
    call_id         INTEGER REFERENCES subsidy_calls (id),           -- NULL: spontaneous
    action_id       INTEGER REFERENCES contract_actions (id),        -- the action it finances
    renewal_of      INTEGER REFERENCES subsidy_requests (id),        -- last year's request
    state           TEXT NOT NULL DEFAULT 'draft'
                        CHECK (state IN ('draft', 'filed', 'in_instruction', 'to_complete',
                                         'granted_full', 'granted_part', 'refused', 'closed')),
    -- 1. Identity of the applicant (as filed; the organisation's identifiers checked)
    name            TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    acronym         TEXT NOT NULL DEFAULT '' CHECK (length(acronym) <= 50),
    siret           TEXT NOT NULL DEFAULT '' CHECK (length(siret) IN (0, 14)),
    rna             TEXT NOT NULL DEFAULT '' CHECK (length(rna) IN (0, 10)),
    address         TEXT NOT NULL DEFAULT '' CHECK (length(address) <= 300),
    postcode        TEXT NOT NULL DEFAULT '' CHECK (length(postcode) IN (0, 5)),
    city            TEXT NOT NULL DEFAULT '' CHECK (length(city) <= 100),
    email           TEXT NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    phone           TEXT NOT NULL DEFAULT '' CHECK (length(phone) <= 30),
    representative_role TEXT NOT NULL DEFAULT '' CHECK (length(representative_role) <= 100),
    contact_role    TEXT NOT NULL DEFAULT '' CHECK (length(contact_role) <= 100),
    -- 3. Human resources
    volunteers      INTEGER NOT NULL DEFAULT 0 CHECK (volunteers BETWEEN 0 AND 10000000),
    employees       INTEGER NOT NULL DEFAULT 0 CHECK (employees BETWEEN 0 AND 10000000),
    employees_fte_hundredths INTEGER NOT NULL DEFAULT 0
                        CHECK (employees_fte_hundredths BETWEEN 0 AND 1000000000),
    members         INTEGER NOT NULL DEFAULT 0 CHECK (members BETWEEN 0 AND 100000000),
    -- 4. The project
    title           TEXT NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    objectives      TEXT NOT NULL DEFAULT '' CHECK (length(objectives) <= 4000),
    description     TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 8000),
    target_publics  TEXT NOT NULL DEFAULT '' CHECK (length(target_publics) <= 500),
    communes        TEXT NOT NULL DEFAULT '' CHECK (length(communes) <= 4095), -- scope key
    starts_on       TEXT CHECK (starts_on IS NULL OR length(starts_on) = 10),
    ends_on         TEXT CHECK (ends_on IS NULL OR length(ends_on) = 10),
    evaluation      TEXT NOT NULL DEFAULT '' CHECK (length(evaluation) <= 4000),
    is_renewal      INTEGER NOT NULL DEFAULT 0 CHECK (is_renewal IN (0, 1)),
    multi_year      INTEGER NOT NULL DEFAULT 0 CHECK (multi_year IN (0, 1)),
    nature          TEXT NOT NULL DEFAULT 'operation' CHECK (nature IN ('operation', 'investment')),
    -- 5. The budget's totals, kept with its lines (subsidy_budget_lines)
    total_expenses_cents  INTEGER NOT NULL DEFAULT 0
                        CHECK (total_expenses_cents BETWEEN 0 AND 100000000000000),
    total_resources_cents INTEGER NOT NULL DEFAULT 0
                        CHECK (total_resources_cents BETWEEN 0 AND 100000000000000),
    version         INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0), -- last kept version
    created_by      INTEGER REFERENCES accounts (id),
    filed_by        INTEGER REFERENCES accounts (id),
    filed_at        TEXT,
    is_example      INTEGER NOT NULL DEFAULT 0 CHECK (is_example IN (0, 1)),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK ((state = 'draft') = (filed_at IS NULL)),
    CHECK (state = 'draft' OR total_expenses_cents = total_resources_cents),
    CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX subsidy_requests_applicant ON subsidy_requests (applicant_id, id);
CREATE INDEX subsidy_requests_window ON subsidy_requests (window_id, state, id);
CREATE INDEX subsidy_requests_call ON subsidy_requests (call_id);
CREATE INDEX subsidy_requests_action ON subsidy_requests (action_id);

-- The budget of the project in the form's account lines: expenses 60–68
-- and 86 (in-kind, used), resources 70–79 and 87 (in-kind, received); a
-- resource of account 74 (subventions) may name a co-funder of the window:
-- that line is the amount asked of it.
CREATE TABLE subsidy_budget_lines (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id   INTEGER NOT NULL REFERENCES subsidy_requests (id),
    side         TEXT NOT NULL CHECK (side IN ('expense', 'resource')),
    account      TEXT NOT NULL CHECK (account IN ('60', '61', '62', '63', '64', '65', '66', '67',
                                                  '68', '86', '70', '73', '74', '75', '76', '77',
                                                  '78', '79', '87')),
    label        TEXT NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    amount_cents INTEGER NOT NULL CHECK (amount_cents BETWEEN 0 AND 100000000000000),
    funder_id    INTEGER REFERENCES organisations (id),
    position     INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
    CHECK ((side = 'expense') = (account IN ('60', '61', '62', '63', '64', '65', '66', '67',
                                             '68', '86'))),
    CHECK (funder_id IS NULL OR (side = 'resource' AND account = '74')),
    UNIQUE (request_id, funder_id)
);
CREATE INDEX subsidy_budget_lines_request ON subsidy_budget_lines (request_id, side, position);

-- The allowed changes of a co-funder's state; docs/funding.md states them.
-- addressed: filed, waiting for the lead to route it; received: routed, to
-- instruct; to_complete: a question waits for the applicant's answer.
CREATE TABLE subsidy_funder_transitions (
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    PRIMARY KEY (from_state, to_state)
);
INSERT INTO subsidy_funder_transitions (from_state, to_state) VALUES
    ('addressed', 'received'), ('addressed', 'closed'),
    ('received', 'in_instruction'), ('received', 'to_complete'),
    ('received', 'granted'), ('received', 'refused'), ('received', 'closed'),
    ('in_instruction', 'to_complete'),
    ('in_instruction', 'granted'), ('in_instruction', 'refused'), ('in_instruction', 'closed'),
    ('to_complete', 'received'), ('to_complete', 'in_instruction'), ('to_complete', 'closed');

-- A co-funder's part of a request.
CREATE TABLE subsidy_request_funders (
    request_id     INTEGER NOT NULL REFERENCES subsidy_requests (id),
    funder_id      INTEGER NOT NULL REFERENCES organisations (id),
    asked_cents    INTEGER NOT NULL CHECK (asked_cents BETWEEN 0 AND 100000000000000),
    state          TEXT NOT NULL DEFAULT 'addressed'
                       CHECK (state IN ('addressed', 'received', 'in_instruction', 'to_complete',
                                        'granted', 'refused', 'closed')),
    state_before_question TEXT CHECK (state_before_question IS NULL OR
                                      state_before_question IN ('received', 'in_instruction')),
    added_by_lead  INTEGER NOT NULL DEFAULT 0 CHECK (added_by_lead IN (0, 1)),
    routed_at      TEXT,
    routed_by      INTEGER REFERENCES accounts (id),
    opinion        TEXT CHECK (opinion IS NULL OR
                               opinion IN ('favourable', 'reserved', 'unfavourable')),
    opinion_text   TEXT NOT NULL DEFAULT '' CHECK (length(opinion_text) <= 4000),
    opinion_by     INTEGER REFERENCES accounts (id),
    opinion_at     TEXT,
    granted_cents  INTEGER CHECK (granted_cents IS NULL OR
                                  (granted_cents > 0 AND granted_cents <= asked_cents)),
    reason         TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 4000),
    decided_by     INTEGER REFERENCES accounts (id),
    decided_at     TEXT,
    paid_cents     INTEGER NOT NULL DEFAULT 0
                       CHECK (paid_cents >= 0 AND paid_cents <= COALESCE(granted_cents, 0)),
    agreement_on   TEXT CHECK (agreement_on IS NULL OR length(agreement_on) = 10),
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (request_id, funder_id),
    CHECK ((state = 'granted') = (granted_cents IS NOT NULL)),
    CHECK ((state IN ('granted', 'refused', 'closed')) = (decided_at IS NOT NULL)),
    CHECK (state <> 'refused' OR length(reason) > 0),
    CHECK ((state = 'to_complete') = (state_before_question IS NOT NULL)),
    CHECK (state = 'addressed' OR routed_at IS NOT NULL OR state = 'closed')
);
CREATE INDEX subsidy_request_funders_funder ON subsidy_request_funders (funder_id, state, request_id);

CREATE TRIGGER subsidy_request_funders_state BEFORE UPDATE OF state ON subsidy_request_funders
    FOR EACH ROW WHEN NEW.state <> OLD.state AND NOT EXISTS
        (SELECT 1 FROM subsidy_funder_transitions t
          WHERE t.from_state = OLD.state AND t.to_state = NEW.state)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: this change of a co-funder''s state is not allowed');
END;

-- Payments of a grant, in one or several instalments; the part's
-- paid_cents is their sum, kept in the same transaction (and checked not
-- above the grant by the part's CHECK).
CREATE TABLE subsidy_payments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id   INTEGER NOT NULL,
    funder_id    INTEGER NOT NULL,
    paid_on      TEXT NOT NULL CHECK (length(paid_on) = 10),
    amount_cents INTEGER NOT NULL CHECK (amount_cents BETWEEN 1 AND 100000000000000),
    conditions   TEXT NOT NULL DEFAULT '' CHECK (length(conditions) <= 500),
    created_by   INTEGER REFERENCES accounts (id),
    is_example   INTEGER NOT NULL DEFAULT 0 CHECK (is_example IN (0, 1)),
    created_at   TEXT NOT NULL,
    FOREIGN KEY (request_id, funder_id) REFERENCES subsidy_request_funders (request_id, funder_id)
);
CREATE INDEX subsidy_payments_request ON subsidy_payments (request_id, funder_id, paid_on);

-- Messages kept with the request. question: an instructor's, for its
-- co-funder (the part goes to "to complete" until answered); answer: the
-- applicant's, to a question; message: between the applicant and the
-- instructors; internal: between instructors (lead and co-funders) only,
-- never shown to the applicant.
CREATE TABLE subsidy_messages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id     INTEGER NOT NULL REFERENCES subsidy_requests (id),
    funder_id      INTEGER REFERENCES organisations (id),
    kind           TEXT NOT NULL CHECK (kind IN ('question', 'answer', 'message', 'internal')),
    author_id      INTEGER REFERENCES accounts (id),
    author_org_id  INTEGER REFERENCES organisations (id),
    body           TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    answers_id     INTEGER REFERENCES subsidy_messages (id),
    answered_at    TEXT,
    created_at     TEXT NOT NULL,
    CHECK (kind <> 'question' OR funder_id IS NOT NULL),
    CHECK ((kind = 'answer') = (answers_id IS NOT NULL)),
    CHECK (answered_at IS NULL OR kind = 'question')
);
CREATE INDEX subsidy_messages_request ON subsidy_messages (request_id, id);

-- What the applicant filed, and each later change (an answer that changes
-- the request), as a JSON snapshot of the form (docs/funding.md).
CREATE TABLE subsidy_request_versions (
    request_id INTEGER NOT NULL REFERENCES subsidy_requests (id),
    version    INTEGER NOT NULL CHECK (version >= 1),
    reason     TEXT NOT NULL CHECK (reason IN ('filed', 'answer', 'change')),
    data_json  TEXT NOT NULL,
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (request_id, version)
);

-- Attachment bytes, once per content: two requests sending the same
-- statutes share one row.
CREATE TABLE subsidy_blobs (
    sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    media_type TEXT NOT NULL CHECK (media_type IN ('application/pdf', 'image/png', 'image/jpeg',
                    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
                    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
                    'application/vnd.oasis.opendocument.text',
                    'application/vnd.oasis.opendocument.spreadsheet')),
    size       INTEGER NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    data       BLOB NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE subsidy_attachments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER NOT NULL REFERENCES subsidy_requests (id),
    kind       TEXT NOT NULL CHECK (kind IN ('statutes', 'accounts', 'bank_details', 'attestation',
                                             'report', 'other')),
    filename   TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    sha256     TEXT NOT NULL REFERENCES subsidy_blobs (sha256),
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL
);
CREATE INDEX subsidy_attachments_request ON subsidy_attachments (request_id, kind);

-- The final report (CERFA compte rendu financier): due six months after the
-- project's end; its lines are the actual expenses and resources in the
-- budget's accounts.
CREATE TABLE subsidy_reports (
    request_id INTEGER PRIMARY KEY REFERENCES subsidy_requests (id),
    due_on     TEXT NOT NULL CHECK (length(due_on) = 10),
    comments   TEXT NOT NULL DEFAULT '' CHECK (length(comments) <= 8000),
    total_expenses_cents  INTEGER NOT NULL DEFAULT 0 CHECK (total_expenses_cents >= 0),
    total_resources_cents INTEGER NOT NULL DEFAULT 0 CHECK (total_resources_cents >= 0),
    filed_by   INTEGER REFERENCES accounts (id),
    filed_at   TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX subsidy_reports_due ON subsidy_reports (filed_at, due_on);

CREATE TABLE subsidy_report_lines (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id   INTEGER NOT NULL REFERENCES subsidy_reports (request_id),
    side         TEXT NOT NULL CHECK (side IN ('expense', 'resource')),
    account      TEXT NOT NULL CHECK (account IN ('60', '61', '62', '63', '64', '65', '66', '67',
                                                  '68', '86', '70', '73', '74', '75', '76', '77',
                                                  '78', '79', '87')),
    label        TEXT NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    amount_cents INTEGER NOT NULL CHECK (amount_cents BETWEEN 0 AND 100000000000000),
    position     INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
    CHECK ((side = 'expense') = (account IN ('60', '61', '62', '63', '64', '65', '66', '67',
                                             '68', '86')))
);
CREATE INDEX subsidy_report_lines_request ON subsidy_report_lines (request_id, side, position);

-- Reminders sent about a request, once each (the primary key).
CREATE TABLE subsidy_reminders (
    request_id INTEGER NOT NULL REFERENCES subsidy_requests (id),
    kind       TEXT NOT NULL CHECK (kind IN ('report_soon', 'report_due', 'report_late')),
    sent_at    TEXT NOT NULL,
    PRIMARY KEY (request_id, kind)
);

-- A joint committee of a window: the requests of its session and the
-- committee's outcome for each.
CREATE TABLE subsidy_committees (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    window_id  INTEGER NOT NULL REFERENCES subsidy_windows (id),
    held_on    TEXT NOT NULL CHECK (length(held_on) = 10),
    title      TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    is_example INTEGER NOT NULL DEFAULT 0 CHECK (is_example IN (0, 1)),
    created_at TEXT NOT NULL
);
CREATE INDEX subsidy_committees_window ON subsidy_committees (window_id, held_on);

CREATE TABLE subsidy_committee_items (
    committee_id INTEGER NOT NULL REFERENCES subsidy_committees (id),
    request_id   INTEGER NOT NULL REFERENCES subsidy_requests (id),
    outcome      TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'approved', 'approved_part',
                                                             'refused', 'postponed')),
    note         TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (committee_id, request_id)
);
CREATE INDEX subsidy_committee_items_request ON subsidy_committee_items (request_id);

-- A request has one part per co-funder, and each granted part feeds its own
-- budget line of the action it finances: the fed line is unique per
-- (request, co-funder), no longer per request as 008 had it. SQLite cannot
-- drop a column's UNIQUE, so the table is rebuilt with the same columns in
-- the same order (nothing refers to budget_lines).
CREATE TABLE budget_lines_009 (
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
    subsidy_request_id INTEGER,
    amendment_id       INTEGER REFERENCES contract_amendments (id), -- added by; NULL: as signed
    replaced_by        INTEGER REFERENCES contract_amendments (id), -- NULL: current
    is_example         INTEGER NOT NULL DEFAULT 0 CHECK (is_example IN (0, 1)),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    CHECK (paid_cents <= committed_cents),
    CHECK ((source = 'subsidy') = (subsidy_request_id IS NOT NULL)),
    UNIQUE (subsidy_request_id, funder_id)
);
INSERT INTO budget_lines_009 SELECT id, action_id, funder_id, year, nature, planned_cents,
    committed_cents, paid_cents, source, subsidy_request_id, amendment_id, replaced_by,
    is_example, created_at, updated_at FROM budget_lines;
DROP TABLE budget_lines;
ALTER TABLE budget_lines_009 RENAME TO budget_lines;
CREATE INDEX budget_lines_action ON budget_lines (action_id, year);
CREATE INDEX budget_lines_funder ON budget_lines (funder_id, year);
