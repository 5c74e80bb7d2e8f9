-- The version of everything the next free slots depend on (issue 17;
-- src/booking/availability.c, docs/booking-setup.md): one row, bumped by a
-- trigger after every change of a table the slots are computed from, in the
-- changing transaction. A process keeps its answers of mg_booking_next_slots
-- with the version they were computed at and serves one only while the
-- version read now is the same, so a booking, a cancellation, an exception
-- or a change of the setup made by ANY process invalidates every process's
-- answers at its commit.
--
-- The tables: the sites, devices, assistants, teleconsultants, their kinds
-- and sites, the exceptions, the claims (a booking claims its units there, a
-- cancellation frees them), the bookings (their times and resources, which
-- the query reads as busy spans), and a site's structure's opening_hours and
-- commune_code (its holidays) in the directory.
--
-- The first version is random (below 2^62): two databases, or a database
-- made anew at the same address (tests do), practically never share a
-- version, so an answer of one is never taken for the other's.

CREATE TABLE booking_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO booking_version (id, version) VALUES (1, random() & 4611686018427387903);

-- SQLite has row-level triggers only: a booking bumps once per claimed unit.
CREATE TRIGGER booking_sites_version_insert AFTER INSERT ON booking_sites
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_sites_version_update AFTER UPDATE ON booking_sites
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_sites_version_delete AFTER DELETE ON booking_sites
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_devices_version_insert AFTER INSERT ON booking_devices
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_devices_version_update AFTER UPDATE ON booking_devices
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_devices_version_delete AFTER DELETE ON booking_devices
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_assistants_version_insert AFTER INSERT ON booking_assistants
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_assistants_version_update AFTER UPDATE ON booking_assistants
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_assistants_version_delete AFTER DELETE ON booking_assistants
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_teleconsultants_version_insert AFTER INSERT ON booking_teleconsultants
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_teleconsultants_version_update AFTER UPDATE ON booking_teleconsultants
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_teleconsultants_version_delete AFTER DELETE ON booking_teleconsultants
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_teleconsultant_kinds_version_insert AFTER INSERT ON booking_teleconsultant_kinds
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_teleconsultant_kinds_version_update AFTER UPDATE ON booking_teleconsultant_kinds
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_teleconsultant_kinds_version_delete AFTER DELETE ON booking_teleconsultant_kinds
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_teleconsultant_sites_version_insert AFTER INSERT ON booking_teleconsultant_sites
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_teleconsultant_sites_version_update AFTER UPDATE ON booking_teleconsultant_sites
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_teleconsultant_sites_version_delete AFTER DELETE ON booking_teleconsultant_sites
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_exceptions_version_insert AFTER INSERT ON booking_exceptions
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_exceptions_version_update AFTER UPDATE ON booking_exceptions
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_exceptions_version_delete AFTER DELETE ON booking_exceptions
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_claims_version_insert AFTER INSERT ON booking_claims
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_claims_version_update AFTER UPDATE ON booking_claims
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER booking_claims_version_delete AFTER DELETE ON booking_claims
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER bookings_version_insert AFTER INSERT ON bookings
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER bookings_version_update AFTER UPDATE OF state, starts_at, ends_at, site_id, device_id, teleconsultant_id, assistant_id ON bookings
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER bookings_version_delete AFTER DELETE ON bookings
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;

-- A site's hours are its structure's (directory): only a structure that is
-- a booking site, and only when its hours or its commune change.
CREATE TRIGGER structures_booking_version AFTER UPDATE OF opening_hours, commune_code ON structures
    WHEN (OLD.opening_hours IS NOT NEW.opening_hours OR OLD.commune_code IS NOT NEW.commune_code)
     AND EXISTS (SELECT 1 FROM booking_sites WHERE site_id = NEW.organisation_id)
BEGIN UPDATE booking_version SET version = version + 1 WHERE id = 1; END;
