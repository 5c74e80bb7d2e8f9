-- Scenarios belong to an organisation and may be shared read-only by a
-- link (PostgreSQL spelling of 005_scenario_owner.sqlite.sql, which says
-- why; here the table is changed in place).
ALTER TABLE scenarios ADD COLUMN organisation_id BIGINT REFERENCES organisations (id);
ALTER TABLE scenarios ADD COLUMN share_token TEXT UNIQUE
    CHECK (share_token IS NULL OR char_length(share_token) = 43);
ALTER TABLE scenarios DROP CONSTRAINT scenarios_name_key;
CREATE UNIQUE INDEX scenarios_organisation_name ON scenarios (coalesce(organisation_id, 0), name);
CREATE INDEX scenarios_organisation ON scenarios (organisation_id, updated_at);
