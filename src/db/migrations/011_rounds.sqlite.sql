-- Rounds of mobile services (issue 18; src/rounds/, docs/rounds.md): a
-- service of an organisation (a PMI, a youth bus, a mobile GP
-- consultation), its vehicles and their crews' days, the places where a
-- vehicle may stop, the plans (computed by the solver, or the current
-- rounds entered by the user for comparison) with their routes and
-- visits, the published plan, cancellations; and two imported reference
-- tables: the ministry's school holidays and INSEE's target populations.
--
-- Times of day are Paris local minutes 0..1440; dates are TEXT
-- 'YYYY-MM-DD' (Paris civil dates); timestamps TEXT as elsewhere.
--
-- The invariants live here:
--  * a service publishes one of ITS OWN plans (composite foreign key
--    (published_plan_id, id) → round_plans (id, service_id)), with its
--    anchor Monday, both or neither;
--  * a plan holds at most one route per vehicle, week and weekday, a route
--    visits a stop at most once, positions are dense from 0 only by the
--    store (a route's visits are written with it in one transaction);
--  * every time within the day, a visit arrives before it departs, a
--    route leaves before it is back, a week within the plan's cycle;
--  * a plan that is published cannot be deleted (the foreign key).

CREATE TABLE round_services (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id   INTEGER NOT NULL REFERENCES organisations (id), -- owns the service
    name              TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    territory         TEXT NOT NULL DEFAULT '' CHECK (length(territory) <= 4095), -- a scope key, '' the whole study territory
    target_public     TEXT NOT NULL DEFAULT 'all'
                      CHECK (target_public IN ('all', 'early_childhood', 'youth', 'elderly')),
    profession        TEXT CHECK (profession IS NULL OR profession IN ('mg', 'inf', 'mk', 'sf', 'cd')),
                      -- an APL profession whose care the service gives (a mobile GP: 'mg'): its rounds are a scenario
    reach_min         INTEGER NOT NULL DEFAULT 15 CHECK (reach_min BETWEEN 1 AND 120),
    cycle_weeks       INTEGER NOT NULL DEFAULT 1 CHECK (cycle_weeks BETWEEN 1 AND 4),
    stop_min          INTEGER NOT NULL DEFAULT 120 CHECK (stop_min BETWEEN 5 AND 600), -- default minutes at a stop
    underserved_extra REAL NOT NULL DEFAULT 0.5 CHECK (underserved_extra BETWEEN 0 AND 10),
    school_zone       TEXT NOT NULL DEFAULT 'C' CHECK (school_zone IN ('A', 'B', 'C')),
    runs_in_holidays  INTEGER NOT NULL DEFAULT 1 CHECK (runs_in_holidays IN (0, 1)),
    contact           TEXT NOT NULL DEFAULT '' CHECK (length(contact) <= 500), -- public
    published_plan_id INTEGER,
    anchor_monday     TEXT CHECK (anchor_monday IS NULL OR length(anchor_monday) = 10),
    published_at      TEXT,
    published_by      INTEGER REFERENCES accounts (id),
    is_example        INTEGER NOT NULL DEFAULT 0 CHECK (is_example IN (0, 1)),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK ((published_plan_id IS NULL) = (anchor_monday IS NULL)),
    CHECK ((published_plan_id IS NULL) = (published_at IS NULL)),
    FOREIGN KEY (published_plan_id, id) REFERENCES round_plans (id, service_id)
);
CREATE INDEX round_services_organisation ON round_services (organisation_id, name);

CREATE TABLE round_vehicles (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id     INTEGER NOT NULL REFERENCES round_services (id),
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    base_name      TEXT NOT NULL CHECK (length(base_name) BETWEEN 1 AND 200),
    base_commune   TEXT NOT NULL CHECK (length(base_commune) = 5 AND base_commune NOT GLOB '*[^0-9A-Z]*'),
    base_lat       REAL NOT NULL CHECK (base_lat BETWEEN -90 AND 90),
    base_lon       REAL NOT NULL CHECK (base_lon BETWEEN -180 AND 180),
    weekdays       INTEGER NOT NULL CHECK (weekdays BETWEEN 1 AND 127), -- bit d: 0 Monday … 6 Sunday
    day_start      INTEGER NOT NULL CHECK (day_start BETWEEN 0 AND 1440),
    day_end        INTEGER NOT NULL CHECK (day_end BETWEEN 0 AND 1440),
    break_min      INTEGER NOT NULL DEFAULT 0 CHECK (break_min BETWEEN 0 AND 240),
    break_earliest INTEGER NOT NULL DEFAULT 0 CHECK (break_earliest BETWEEN 0 AND 1440),
    break_latest   INTEGER NOT NULL DEFAULT 0 CHECK (break_latest BETWEEN 0 AND 1440),
    max_drive      INTEGER NOT NULL DEFAULT 0 CHECK (max_drive BETWEEN 0 AND 1440), -- 0: no limit
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CHECK (day_start < day_end),
    CHECK (break_min = 0 OR (break_earliest <= break_latest
                             AND break_earliest >= day_start AND break_latest + break_min <= day_end)),
    UNIQUE (service_id, name)
);

-- Where a vehicle may stand: a commune's chef-lieu (source 'chef_lieu'), a
-- place of a file ('file'), a directory structure ('directory') or typed
-- ('manual').
CREATE TABLE round_stops (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id   INTEGER NOT NULL REFERENCES round_services (id),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    commune_code TEXT NOT NULL CHECK (length(commune_code) = 5 AND commune_code NOT GLOB '*[^0-9A-Z]*'),
    commune_name TEXT NOT NULL DEFAULT '' CHECK (length(commune_name) <= 200),
    lat          REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon          REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    minutes      INTEGER CHECK (minutes IS NULL OR minutes BETWEEN 5 AND 600), -- NULL: the service's stop_min
    source       TEXT NOT NULL CHECK (source IN ('chef_lieu', 'file', 'directory', 'manual')),
    structure_id INTEGER REFERENCES structures (organisation_id),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (service_id, commune_code, name)
);
CREATE INDEX round_stops_commune ON round_stops (commune_code);

CREATE TABLE round_plans (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id  INTEGER NOT NULL REFERENCES round_services (id),
    kind        TEXT NOT NULL CHECK (kind IN ('computed', 'current')),
    method      TEXT NOT NULL CHECK (method IN ('heuristic', 'exact', 'entered')),
    label       TEXT NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    cycle_weeks INTEGER NOT NULL CHECK (cycle_weeks BETWEEN 1 AND 4),
    value       REAL NOT NULL CHECK (value >= 0),          -- the objective's gain
    bound       REAL CHECK (bound IS NULL OR bound >= 0),  -- an upper bound on it, when known
    seconds     REAL NOT NULL DEFAULT 0 CHECK (seconds >= 0),
    covered     REAL NOT NULL DEFAULT 0 CHECK (covered >= 0), -- target people within reach of a served stop
    target      REAL NOT NULL DEFAULT 0 CHECK (target >= 0),  -- target people of the territory
    all_inhabitants INTEGER NOT NULL DEFAULT 0 CHECK (all_inhabitants IN (0, 1)), -- no population file: all inhabitants
    created_by  INTEGER REFERENCES accounts (id),
    created_at  TEXT NOT NULL,
    CHECK ((kind = 'current') = (method = 'entered')),
    UNIQUE (id, service_id)
);
CREATE INDEX round_plans_service ON round_plans (service_id, created_at);

CREATE TABLE round_routes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id     INTEGER NOT NULL REFERENCES round_plans (id),
    vehicle_id  INTEGER NOT NULL REFERENCES round_vehicles (id),
    week        INTEGER NOT NULL CHECK (week BETWEEN 0 AND 3),
    weekday     INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    leave_min   INTEGER NOT NULL CHECK (leave_min BETWEEN 0 AND 1440),
    back_min    INTEGER NOT NULL CHECK (back_min BETWEEN 0 AND 1440),
    break_after INTEGER NOT NULL DEFAULT -1 CHECK (break_after >= -1 AND break_after < 64), -- visit position; -1 none
    break_start INTEGER CHECK (break_start IS NULL OR break_start BETWEEN 0 AND 1440),
    drive_min   INTEGER NOT NULL CHECK (drive_min BETWEEN 0 AND 1440),
    CHECK (leave_min <= back_min),
    CHECK ((break_after = -1) = (break_start IS NULL)),
    UNIQUE (plan_id, vehicle_id, week, weekday)
);

CREATE TABLE round_visits (
    route_id   INTEGER NOT NULL REFERENCES round_routes (id),
    position   INTEGER NOT NULL CHECK (position BETWEEN 0 AND 63),
    stop_id    INTEGER NOT NULL REFERENCES round_stops (id),
    arrive_min INTEGER NOT NULL CHECK (arrive_min BETWEEN 0 AND 1440),
    depart_min INTEGER NOT NULL CHECK (depart_min BETWEEN 0 AND 1440),
    CHECK (arrive_min < depart_min),
    PRIMARY KEY (route_id, position),
    UNIQUE (route_id, stop_id)
);
CREATE INDEX round_visits_stop ON round_visits (stop_id);

-- A stop (stop_id) or a whole day (NULL) of one vehicle (vehicle_id) or of
-- every vehicle (NULL) is cancelled on a date; the reason is public.
CREATE TABLE round_cancellations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id INTEGER NOT NULL REFERENCES round_services (id),
    on_date    TEXT NOT NULL CHECK (length(on_date) = 10),
    vehicle_id INTEGER REFERENCES round_vehicles (id),
    stop_id    INTEGER REFERENCES round_stops (id),
    reason     TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 200),
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL
);
CREATE INDEX round_cancellations_service ON round_cancellations (service_id, on_date);

-- The ministry's school calendar ("Calendrier scolaire", data.education.gouv.fr):
-- the days off from first_day to last_day, both included. An import
-- replaces the whole table in one transaction.
CREATE TABLE school_holidays (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    zone        TEXT NOT NULL CHECK (length(zone) BETWEEN 1 AND 40),   -- "A", "B", "C", "Corse", …
    academie    TEXT NOT NULL DEFAULT '' CHECK (length(academie) <= 100),
    description TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 200),
    school_year TEXT NOT NULL CHECK (length(school_year) BETWEEN 1 AND 20), -- "2025-2026"
    first_day   TEXT NOT NULL CHECK (length(first_day) = 10),
    last_day    TEXT NOT NULL CHECK (length(last_day) = 10),
    imported_at TEXT NOT NULL,
    CHECK (last_day >= first_day)
);
CREATE INDEX school_holidays_zone ON school_holidays (zone, first_day);

-- INSEE's population by age per commune (population.h): one column per
-- target public. An import replaces the whole table in one transaction.
CREATE TABLE target_populations (
    commune_code    TEXT NOT NULL CHECK (length(commune_code) = 5 AND commune_code NOT GLOB '*[^0-9A-Z]*'),
    year            INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 2100),
    all_count       REAL NOT NULL CHECK (all_count >= 0),
    early_childhood REAL NOT NULL CHECK (early_childhood >= 0),
    youth           REAL NOT NULL CHECK (youth >= 0),
    elderly         REAL NOT NULL CHECK (elderly >= 0),
    imported_at     TEXT NOT NULL,
    PRIMARY KEY (commune_code, year)
);
