-- Booking of the shared telehealth equipment (issue 17; src/booking/,
-- docs/booking.md): the sites that host a cabin or a cart (directory
-- structures), their devices and assistants, the teleconsultants with the
-- sites they serve and their consultation kinds, exceptions to everyone's
-- weekly hours, and the bookings.
--
-- Instants are Unix MINUTES (UTC, the Unix time divided by 60), intervals
-- are [starts_at, ends_at). Weekly hours are OpenStreetMap opening_hours
-- strings read in Europe/Paris civil time (directory/opening_hours.h): a
-- site's are its structure's `opening_hours`, a device's its own or its
-- site's, a teleconsultant's and an assistant's their `availability`.
-- Slots are computed from these rules at each request and never stored.
--
-- The invariants live here:
--  * no double booking of a device, a teleconsultant or an assistant:
--    every booking that is not cancelled claims each 5-minute unit it
--    covers of each of them in booking_claims, whose primary key refuses a
--    second claim, under any concurrency and from any number of server
--    processes; bookings start and end on the 5-minute grid (CHECKs), so
--    two bookings that overlap always share a unit;
--  * a cancelled booking frees its units at once (trigger);
--  * at most two active bookings per phone number and per address: an
--    active booking holds one of the two tokens of each key in
--    booking_holds (primary key), released by the trigger when it stops
--    being active;
--  * a booking's state changes only along booking_state_transitions.
-- No health data: a booking holds a name or initials and a phone number,
-- never why the person consults; both and the code are removed three months
-- after the slot (mg_booking_purge; docs/privacy.md). The code is kept in
-- clear until then because it is handed over to the teleconsultant, who
-- finds the appointment by it in the provider's own system; lookups by the
-- public go through its hash.

CREATE TABLE booking_sites (
    site_id     INTEGER PRIMARY KEY REFERENCES structures (organisation_id),
    owner_id    INTEGER NOT NULL REFERENCES organisations (id), -- runs the equipment network
    ask         TEXT NOT NULL DEFAULT 'initials' CHECK (ask IN ('name', 'initials')),
    share_phone INTEGER NOT NULL DEFAULT 0 CHECK (share_phone IN (0, 1)),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    is_example  INTEGER NOT NULL DEFAULT 0 CHECK (is_example IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX booking_sites_owner ON booking_sites (owner_id);

CREATE TABLE booking_devices (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id       INTEGER NOT NULL REFERENCES booking_sites (site_id),
    kind          TEXT NOT NULL CHECK (kind IN ('cabin', 'cart')),
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    instruments   TEXT NOT NULL DEFAULT '' CHECK (length(instruments) <= 1000), -- codes, comma-separated
    opening_hours TEXT CHECK (length(opening_hours) BETWEEN 1 AND 4096),         -- NULL: the site's
    assisted      INTEGER NOT NULL DEFAULT 0 CHECK (assisted IN (0, 1)), -- needs an assistant present
    step_min      INTEGER NOT NULL DEFAULT 0 CHECK (step_min = 0 OR (step_min BETWEEN 5 AND 240 AND step_min % 5 = 0)),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX booking_devices_site ON booking_devices (site_id);

CREATE TABLE booking_assistants (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id      INTEGER NOT NULL REFERENCES booking_sites (site_id),
    label        TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 200), -- a function, "Pharmacien"
    availability TEXT NOT NULL CHECK (length(availability) BETWEEN 1 AND 4096),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX booking_assistants_site ON booking_assistants (site_id);

CREATE TABLE booking_teleconsultants (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id), -- the doctor's organisation
    owner_id        INTEGER NOT NULL REFERENCES organisations (id), -- the network that registered it
    label           TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    availability    TEXT NOT NULL CHECK (length(availability) BETWEEN 1 AND 4096),
    feed_hash       TEXT UNIQUE CHECK (feed_hash IS NULL OR length(feed_hash) = 64), -- iCalendar feed secret, SHA-256 hex
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX booking_teleconsultants_org ON booking_teleconsultants (organisation_id);
CREATE INDEX booking_teleconsultants_owner ON booking_teleconsultants (owner_id);

CREATE TABLE booking_teleconsultant_kinds (
    teleconsultant_id INTEGER NOT NULL REFERENCES booking_teleconsultants (id),
    kind              TEXT NOT NULL CHECK (kind IN ('gp', 'followup', 'specialist')),
    duration_min      INTEGER NOT NULL CHECK (duration_min BETWEEN 5 AND 240 AND duration_min % 5 = 0),
    PRIMARY KEY (teleconsultant_id, kind)
);

CREATE TABLE booking_teleconsultant_sites (
    teleconsultant_id INTEGER NOT NULL REFERENCES booking_teleconsultants (id),
    site_id           INTEGER NOT NULL REFERENCES booking_sites (site_id),
    PRIMARY KEY (teleconsultant_id, site_id)
);
CREATE INDEX booking_teleconsultant_sites_site ON booking_teleconsultant_sites (site_id);

-- Closures (a site's closed day, a device's maintenance, a teleconsultant's
-- or an assistant's absence: is_open 0) and exceptional openings (is_open 1)
-- over the weekly hours: open = (hours ∪ openings) − closures.
CREATE TABLE booking_exceptions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    resource    TEXT NOT NULL CHECK (resource IN ('site', 'device', 'teleconsultant', 'assistant')),
    resource_id INTEGER NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    is_open     INTEGER NOT NULL DEFAULT 0 CHECK (is_open IN (0, 1)),
    reason      TEXT NOT NULL CHECK (reason IN ('closure', 'maintenance', 'absence', 'opening')),
    label       TEXT NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    created_by  INTEGER REFERENCES accounts (id),
    created_at  TEXT NOT NULL,
    CHECK (ends_at > starts_at AND ends_at - starts_at <= 527040), -- a year at most
    CHECK ((is_open = 1) = (reason = 'opening'))
);
CREATE INDEX booking_exceptions_resource ON booking_exceptions (resource, resource_id, ends_at);

CREATE TABLE booking_state_transitions (
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    PRIMARY KEY (from_state, to_state)
);
INSERT INTO booking_state_transitions (from_state, to_state) VALUES
    ('booked', 'arrived'), ('booked', 'cancelled'), ('booked', 'no_show'),
    ('arrived', 'done'), ('arrived', 'booked'), ('no_show', 'arrived'), ('no_show', 'booked');

CREATE TABLE bookings (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash         TEXT NOT NULL UNIQUE CHECK (length(code_hash) = 64), -- SHA-256 hex of the code
    code              TEXT UNIQUE CHECK (code IS NULL OR length(code) = 10), -- handed over; NULL once purged
    site_id           INTEGER NOT NULL REFERENCES booking_sites (site_id),
    device_id         INTEGER NOT NULL REFERENCES booking_devices (id),
    teleconsultant_id INTEGER NOT NULL REFERENCES booking_teleconsultants (id),
    assistant_id      INTEGER REFERENCES booking_assistants (id),
    kind              TEXT NOT NULL CHECK (kind IN ('gp', 'followup', 'specialist')),
    starts_at         INTEGER NOT NULL CHECK (starts_at % 5 = 0),
    ends_at           INTEGER NOT NULL CHECK (ends_at % 5 = 0),
    state             TEXT NOT NULL DEFAULT 'booked'
                      CHECK (state IN ('booked', 'arrived', 'done', 'cancelled', 'no_show')),
    person            TEXT CHECK (length(person) BETWEEN 1 AND 100), -- a name or initials
    phone             TEXT CHECK (length(phone) BETWEEN 4 AND 20),   -- "+33612345678"
    walk_in           INTEGER NOT NULL DEFAULT 0 CHECK (walk_in IN (0, 1)),
    booked_by         INTEGER REFERENCES accounts (id), -- the host's account; NULL: the public
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    cancelled_at      TEXT,
    purged_at         TEXT, -- the person, phone and code removed (docs/privacy.md)
    CHECK (ends_at > starts_at AND ends_at - starts_at <= 240),
    CHECK ((person IS NULL) = (phone IS NULL)),
    CHECK (person IS NOT NULL OR purged_at IS NOT NULL)
);
CREATE INDEX bookings_site_time ON bookings (site_id, starts_at);
CREATE INDEX bookings_device_time ON bookings (device_id, starts_at);
CREATE INDEX bookings_teleconsultant_time ON bookings (teleconsultant_id, starts_at);

-- One row per 5-minute unit (unit = minute / 5) of each resource a booking
-- that is not cancelled occupies.
CREATE TABLE booking_claims (
    resource    TEXT NOT NULL CHECK (resource IN ('device', 'teleconsultant', 'assistant')),
    resource_id INTEGER NOT NULL,
    unit        INTEGER NOT NULL,
    booking_id  INTEGER NOT NULL REFERENCES bookings (id),
    PRIMARY KEY (resource, resource_id, unit)
);
CREATE INDEX booking_claims_booking ON booking_claims (booking_id);

-- The two tokens of a phone number or an address (key: SHA-256 hex of
-- "phone:+33…" or "addr:…") that active bookings hold; a hold whose
-- booking has ended (ends_at, Unix minutes) is deleted before counting.
CREATE TABLE booking_holds (
    hold_key   TEXT NOT NULL CHECK (length(hold_key) = 64),
    token      INTEGER NOT NULL CHECK (token IN (1, 2)),
    booking_id INTEGER NOT NULL REFERENCES bookings (id),
    ends_at    INTEGER NOT NULL,
    PRIMARY KEY (hold_key, token)
);
CREATE INDEX booking_holds_booking ON booking_holds (booking_id);

-- Booking and cancellation attempts of the public, per key (SHA-256 hex of
-- the address or the phone number) and Unix second, for throttling.
CREATE TABLE booking_attempts (
    attempt_key TEXT NOT NULL CHECK (length(attempt_key) = 64),
    at          INTEGER NOT NULL
);
CREATE INDEX booking_attempts_key ON booking_attempts (attempt_key, at);

CREATE TRIGGER bookings_state_checked BEFORE UPDATE OF state ON bookings
WHEN NEW.state <> OLD.state AND NOT EXISTS (
    SELECT 1 FROM booking_state_transitions WHERE from_state = OLD.state AND to_state = NEW.state)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: this change of a booking''s state is not allowed');
END;

CREATE TRIGGER bookings_cancel_frees AFTER UPDATE OF state ON bookings
WHEN NEW.state = 'cancelled'
BEGIN
    DELETE FROM booking_claims WHERE booking_id = NEW.id;
END;

CREATE TRIGGER bookings_inactive_releases AFTER UPDATE OF state ON bookings
WHEN NEW.state <> 'booked'
BEGIN
    DELETE FROM booking_holds WHERE booking_id = NEW.id;
END;
