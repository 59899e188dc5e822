-- tinhso on SQLite: catalog, administrative units, agencies, working calendar.
-- Dates are ISO 'YYYY-MM-DD' text (they sort and compare as dates); instants are integer
-- microseconds since the Unix epoch, UTC. Keep the meaning identical to the Postgres schema.

-- One immutable row per version of a procedure (domain.md section 4: a dossier is pinned to
-- the version in force when it was accepted, so a version is never rewritten).
CREATE TABLE procedure_versions (
    id           INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL CHECK (code <> ''),
    version      INTEGER NOT NULL CHECK (version >= 1),
    content_hash TEXT    NOT NULL,
    recorded_at  INTEGER NOT NULL,            -- microseconds since 1970-01-01T00:00:00Z
    name         TEXT    NOT NULL,
    folded_name  TEXT    NOT NULL,            -- tinhso_domain::text::fold(name), for LIKE
    levels       TEXT    NOT NULL,            -- JSON array, e.g. ["commune","province"]
    online_level TEXT    NOT NULL,            -- full | partial | none
    fields       TEXT    NOT NULL,            -- JSON array of field (lĩnh vực) names
    record       TEXT    NOT NULL,            -- the whole Procedure as JSON
    UNIQUE (code, version)
);

CREATE TRIGGER procedure_versions_are_immutable
BEFORE UPDATE ON procedure_versions
BEGIN
    SELECT RAISE(ABORT, 'procedure versions are immutable');
END;

-- The latest version of each code: what an import compares against, what search reads.
CREATE TABLE procedure_heads (
    code         TEXT    PRIMARY KEY,
    version      INTEGER NOT NULL,
    content_hash TEXT    NOT NULL,
    FOREIGN KEY (code, version) REFERENCES procedure_versions (code, version)
) WITHOUT ROWID;

-- One row: grows by one with every import that recorded a new version, so other nodes know
-- to refresh their search index.
CREATE TABLE catalog_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
);
INSERT INTO catalog_state (id, revision) VALUES (1, 0);

-- Administrative units, one row per validity period (a code may live through the 1/7/2025
-- reform in two periods). valid_to is the last day in force, inclusive.
CREATE TABLE admin_units (
    code        TEXT NOT NULL CHECK (code <> ''),
    kind        TEXT NOT NULL CHECK (kind IN ('province', 'district', 'commune')),
    valid_from  TEXT NOT NULL CHECK (valid_from = date(valid_from)),
    name        TEXT NOT NULL,
    unit_type   TEXT NOT NULL,
    parent_code TEXT,
    valid_to    TEXT CHECK (valid_to IS NULL OR valid_to = date(valid_to)),
    lat         REAL,
    lon         REAL,
    area_km2    REAL,
    PRIMARY KEY (code, kind, valid_from),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
) WITHOUT ROWID;
CREATE INDEX admin_units_by_parent ON admin_units (parent_code, kind);

-- Old unit -> new unit links of the reform; `partial` where an old commune was split.
CREATE TABLE unit_successions (
    old_code  TEXT    NOT NULL,
    new_code  TEXT    NOT NULL,
    effective TEXT    NOT NULL CHECK (effective = date(effective)),
    partial   INTEGER NOT NULL CHECK (partial IN (0, 1)),
    PRIMARY KEY (old_code, new_code, effective)
) WITHOUT ROWID;
CREATE INDEX unit_successions_by_new ON unit_successions (new_code);

-- Agencies by e-ID (QĐ 20/2020). The whole record is JSON; the key columns beside it serve
-- queries (by parent, unit, validity) without parsing JSON.
CREATE TABLE agencies (
    eid           TEXT PRIMARY KEY CHECK (eid <> ''),
    name          TEXT NOT NULL,
    level         TEXT NOT NULL,
    parent_eid    TEXT,
    unit_code     TEXT,
    valid_from    TEXT NOT NULL CHECK (valid_from = date(valid_from)),
    valid_to      TEXT CHECK (valid_to IS NULL OR valid_to = date(valid_to)),
    successor_eid TEXT,
    record        TEXT NOT NULL,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
) WITHOUT ROWID;
CREATE INDEX agencies_by_parent ON agencies (parent_eid);
CREATE INDEX agencies_by_unit ON agencies (unit_code);

-- Dated overrides of the working calendar (holidays, make-up working days), domain.md §3.
CREATE TABLE calendar_days (
    day  TEXT PRIMARY KEY CHECK (day = date(day)),
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'working_day')),
    name TEXT NOT NULL
) WITHOUT ROWID;
