-- PostgreSQL spelling of 012_booking_version.sqlite.sql, which says what
-- and why: statement-level triggers (a booking's claims bump once), TRUNCATE
-- included; a structure's row-level trigger with a WHEN on its hours.

CREATE TABLE booking_version (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO booking_version (id, version) VALUES (1, floor(random() * 4611686018427387903)::BIGINT);

CREATE FUNCTION booking_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE booking_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER booking_sites_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON booking_sites
    FOR EACH STATEMENT EXECUTE FUNCTION booking_version_bump();
CREATE TRIGGER booking_devices_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON booking_devices
    FOR EACH STATEMENT EXECUTE FUNCTION booking_version_bump();
CREATE TRIGGER booking_assistants_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON booking_assistants
    FOR EACH STATEMENT EXECUTE FUNCTION booking_version_bump();
CREATE TRIGGER booking_teleconsultants_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON booking_teleconsultants
    FOR EACH STATEMENT EXECUTE FUNCTION booking_version_bump();
CREATE TRIGGER booking_teleconsultant_kinds_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON booking_teleconsultant_kinds
    FOR EACH STATEMENT EXECUTE FUNCTION booking_version_bump();
CREATE TRIGGER booking_teleconsultant_sites_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON booking_teleconsultant_sites
    FOR EACH STATEMENT EXECUTE FUNCTION booking_version_bump();
CREATE TRIGGER booking_exceptions_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON booking_exceptions
    FOR EACH STATEMENT EXECUTE FUNCTION booking_version_bump();
CREATE TRIGGER booking_claims_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON booking_claims
    FOR EACH STATEMENT EXECUTE FUNCTION booking_version_bump();
CREATE TRIGGER bookings_version AFTER INSERT OR UPDATE OF state, starts_at, ends_at, site_id, device_id, teleconsultant_id, assistant_id OR DELETE OR TRUNCATE ON bookings
    FOR EACH STATEMENT EXECUTE FUNCTION booking_version_bump();

CREATE FUNCTION structures_booking_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM booking_sites WHERE site_id = NEW.organisation_id) THEN
        UPDATE booking_version SET version = version + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER structures_booking_version AFTER UPDATE OF opening_hours, commune_code ON structures
    FOR EACH ROW WHEN (OLD.opening_hours IS DISTINCT FROM NEW.opening_hours
                       OR OLD.commune_code IS DISTINCT FROM NEW.commune_code)
    EXECUTE FUNCTION structures_booking_version();
