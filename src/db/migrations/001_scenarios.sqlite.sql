-- Named what-if scenarios: a list of actions (add or remove capacity at a
-- commune) for one profession, stored as a JSON array validated by the
-- application before it is written.
CREATE TABLE scenarios (
    id           INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, so an old link never shows another scenario
    name         TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    profession   TEXT NOT NULL,
    actions_json TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX scenarios_updated ON scenarios (updated_at);
