-- The directory of local actors (src/directory/, directory/directory.h):
-- structures and their services in the shape of the data·inclusion schema
-- v1, merge proposals of imported duplicates, changes suggested by other
-- organisations, and the meetings of the local network. docs/directory.md
-- maps each data·inclusion field to its column.
--
-- A structure IS an organisation (004_auth): its id is the organisation's
-- id, its name, SIRET, RNA and FINESS stay in `organisations`. name_key is
-- the name folded by the C code (lower case, without accents or
-- punctuation: mg_parse_fold_name) for accent-insensitive search.
-- The invariants live here: CHECKed lists, ranges and code lengths, 0/1
-- flags, UNIQUE (source, source_id), every reference a FOREIGN KEY. Lists
-- of schema codes are comma-separated text, checked against the schema's
-- lists by the C code (directory/codes.h). Dates are "YYYY-MM-DD",
-- created_at/updated_at ISO 8601 UTC timestamps.
CREATE TABLE structures (
    organisation_id   INTEGER PRIMARY KEY REFERENCES organisations (id),
    source            TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 100),
    source_id         TEXT NOT NULL CHECK (length(source_id) BETWEEN 1 AND 127),
    category          TEXT NOT NULL CHECK (category IN ('gp_practice', 'health_centre',
                                                        'pharmacy', 'cabin', 'cart', 'hospital',
                                                        'medico_social', 'social', 'town_hall',
                                                        'other')),
    name_key          TEXT NOT NULL CHECK (length(name_key) BETWEEN 1 AND 408),
    description       TEXT CHECK (length(description) <= 10000),
    address           TEXT CHECK (length(address) <= 500),
    address_extra     TEXT CHECK (length(address_extra) <= 500),
    postcode          TEXT CHECK (postcode GLOB '[0-9][0-9][0-9][0-9][0-9]'),
    commune_code      TEXT CHECK (length(commune_code) = 5 AND commune_code NOT GLOB '*[^0-9A-Z]*'),
    commune_name      TEXT CHECK (length(commune_name) <= 200),
    lat               REAL CHECK (lat BETWEEN -90 AND 90),
    lon               REAL CHECK (lon BETWEEN -180 AND 180),
    phone             TEXT CHECK (length(phone) <= 100),
    email             TEXT CHECK (length(email) BETWEEN 3 AND 254),
    website           TEXT CHECK (length(website) <= 2083),
    accessibility_url TEXT CHECK (length(accessibility_url) <= 2083),
    source_url        TEXT CHECK (length(source_url) <= 2083),
    opening_hours     TEXT CHECK (length(opening_hours) <= 4096),
    networks          TEXT CHECK (length(networks) <= 4096),
    network_role      TEXT CHECK (length(network_role) <= 10000),
    missions          TEXT CHECK (length(missions) <= 10000),
    publish_contact   INTEGER NOT NULL DEFAULT 0 CHECK (publish_contact IN (0, 1)),
    practitioners     INTEGER NOT NULL DEFAULT 0 CHECK (practitioners >= 0),
    updated_on        TEXT NOT NULL CHECK (length(updated_on) = 10),  -- date_maj
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK ((lat IS NULL) = (lon IS NULL)),
    UNIQUE (source, source_id)
);
-- The finder's query: categories in a list of communes, by name (covering).
CREATE INDEX structures_category_commune ON structures (category, commune_code, name_key);
-- Search by name and ordering by name; duplicates by name in a commune.
CREATE INDEX structures_name_key ON structures (name_key, commune_code);
CREATE INDEX structures_commune ON structures (commune_code);

CREATE TABLE services (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    structure_id         INTEGER NOT NULL REFERENCES structures (organisation_id),
    source               TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 100),
    source_id            TEXT NOT NULL CHECK (length(source_id) BETWEEN 1 AND 127),
    name                 TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description          TEXT CHECK (length(description) <= 10000),
    type                 TEXT CHECK (length(type) <= 64),
    thematics            TEXT CHECK (length(thematics) <= 8192),
    publics              TEXT CHECK (length(publics) <= 4096),
    fees                 TEXT CHECK (length(fees) <= 256),
    reception_modes      TEXT CHECK (length(reception_modes) <= 256),
    mobilisation_modes   TEXT CHECK (length(mobilisation_modes) <= 256),
    mobilisable_by       TEXT CHECK (length(mobilisable_by) <= 256),
    zone                 TEXT CHECK (length(zone) <= 8192),
    publics_details      TEXT CHECK (length(publics_details) <= 10000),
    fees_details         TEXT CHECK (length(fees_details) <= 10000),
    access_conditions    TEXT CHECK (length(access_conditions) <= 10000),
    mobilisation_details TEXT CHECK (length(mobilisation_details) <= 10000),
    mobilisation_url     TEXT CHECK (length(mobilisation_url) <= 2083),
    address              TEXT CHECK (length(address) <= 500),
    address_extra        TEXT CHECK (length(address_extra) <= 500),
    postcode             TEXT CHECK (postcode GLOB '[0-9][0-9][0-9][0-9][0-9]'),
    commune_code         TEXT CHECK (length(commune_code) = 5 AND commune_code NOT GLOB '*[^0-9A-Z]*'),
    commune_name         TEXT CHECK (length(commune_name) <= 200),
    lat                  REAL CHECK (lat BETWEEN -90 AND 90),
    lon                  REAL CHECK (lon BETWEEN -180 AND 180),
    phone                TEXT CHECK (length(phone) <= 100),
    email                TEXT CHECK (length(email) BETWEEN 3 AND 254),
    contact_name         TEXT CHECK (length(contact_name) <= 200),
    source_url           TEXT CHECK (length(source_url) <= 2083),
    opening_hours        TEXT CHECK (length(opening_hours) <= 4096),
    booking_url          TEXT CHECK (length(booking_url) <= 2083),
    weeks                INTEGER NOT NULL DEFAULT 0 CHECK (weeks BETWEEN 0 AND 53),
    weekly_hours         REAL CHECK (weekly_hours BETWEEN 0 AND 168),
    updated_on           TEXT NOT NULL CHECK (length(updated_on) = 10),
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    CHECK ((lat IS NULL) = (lon IS NULL)),
    UNIQUE (source, source_id)
);
CREATE INDEX services_structure ON services (structure_id);

-- An imported structure set aside as a duplicate of a stored one: the
-- incoming record (and its services) as JSON, until someone decides.
CREATE TABLE directory_merges (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    structure_id INTEGER NOT NULL REFERENCES structures (organisation_id),
    reason       TEXT NOT NULL CHECK (reason IN ('siret', 'finess', 'nom et adresse')),
    incoming     TEXT NOT NULL CHECK (length(incoming) BETWEEN 2 AND 1000000),
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'accepted', 'dismissed')),
    created_at   TEXT NOT NULL,
    decided_at   TEXT,
    decided_by   INTEGER REFERENCES accounts (id),
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX directory_merges_status ON directory_merges (status, created_at);

-- A change of one field proposed by an organisation that does not own the
-- structure; the owner accepts (the field takes the value) or rejects it.
CREATE TABLE directory_suggestions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    structure_id    INTEGER NOT NULL REFERENCES structures (organisation_id),
    by_organisation INTEGER NOT NULL REFERENCES organisations (id),
    by_account      INTEGER REFERENCES accounts (id),
    field           TEXT NOT NULL CHECK (field IN ('name', 'description', 'address',
                                                  'address_extra', 'postcode', 'commune_code',
                                                  'commune_name', 'phone', 'email', 'website',
                                                  'accessibility_url', 'opening_hours',
                                                  'network_role', 'missions')),
    value           TEXT NOT NULL CHECK (length(value) <= 2000),
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'accepted', 'rejected')),
    created_at      TEXT NOT NULL,
    decided_at      TEXT,
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX directory_suggestions_structure ON directory_suggestions (structure_id, status);

-- Meetings of the network, organised by an organisation; held_on is local
-- time "YYYY-MM-DD HH:MM".
CREATE TABLE meetings (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    held_on         TEXT NOT NULL CHECK (length(held_on) = 16),
    place           TEXT NOT NULL CHECK (length(place) BETWEEN 1 AND 200),
    theme           TEXT NOT NULL CHECK (length(theme) BETWEEN 1 AND 200),
    created_at      TEXT NOT NULL
);
CREATE INDEX meetings_organisation ON meetings (organisation_id, held_on);

-- Invited structures and their attendance (NULL: not yet known).
CREATE TABLE meeting_invitations (
    meeting_id   INTEGER NOT NULL REFERENCES meetings (id),
    structure_id INTEGER NOT NULL REFERENCES structures (organisation_id),
    attended     INTEGER CHECK (attended IN (0, 1)),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (meeting_id, structure_id)
);
CREATE INDEX meeting_invitations_structure ON meeting_invitations (structure_id);

-- The minutes of a meeting: one document, its bytes in the database.
CREATE TABLE meeting_minutes (
    meeting_id INTEGER PRIMARY KEY REFERENCES meetings (id),
    filename   TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    media_type TEXT NOT NULL CHECK (length(media_type) BETWEEN 3 AND 127),
    size       INTEGER NOT NULL CHECK (size BETWEEN 1 AND 20971520),
    data       BLOB NOT NULL,
    created_at TEXT NOT NULL
);
