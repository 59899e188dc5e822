-- tinhso on PostgreSQL: catalog, administrative units, agencies, working calendar.
-- Same meaning as the SQLite schema; Postgres types where they help (date, timestamptz, jsonb,
-- text[]). Code columns use COLLATE "C" so ordering is byte order on every server, whatever
-- the database's locale.

-- One immutable row per version of a procedure (domain.md section 4: a dossier is pinned to
-- the version in force when it was accepted, so a version is never rewritten).
CREATE TABLE procedure_versions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code         text COLLATE "C" NOT NULL CHECK (code <> ''),
    version      integer     NOT NULL CHECK (version >= 1),
    content_hash text        NOT NULL,
    recorded_at  timestamptz NOT NULL,
    name         text        NOT NULL,
    folded_name  text        NOT NULL,   -- tinhso_domain::text::fold(name), for LIKE
    levels       text[]      NOT NULL,   -- e.g. {commune,province}
    online_level text        NOT NULL,   -- full | partial | none
    fields       text[]      NOT NULL,   -- field (lĩnh vực) names
    record       jsonb       NOT NULL,   -- the whole Procedure
    UNIQUE (code, version)
);

CREATE FUNCTION tinhso_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME;
END
$$;

CREATE TRIGGER procedure_versions_are_immutable
BEFORE UPDATE ON procedure_versions
FOR EACH ROW EXECUTE FUNCTION tinhso_refuse_update();

-- The latest version of each code: what an import compares against, what search reads.
CREATE TABLE procedure_heads (
    code         text COLLATE "C" PRIMARY KEY,
    version      integer NOT NULL,
    content_hash text    NOT NULL,
    FOREIGN KEY (code, version) REFERENCES procedure_versions (code, version)
);

-- One row: grows by one with every import that recorded a new version, so other nodes know
-- to refresh their search index.
CREATE TABLE catalog_state (
    id       integer PRIMARY KEY CHECK (id = 1),
    revision bigint  NOT NULL
);
INSERT INTO catalog_state (id, revision) VALUES (1, 0);

-- Administrative units, one row per validity period (a code may live through the 1/7/2025
-- reform in two periods). valid_to is the last day in force, inclusive.
CREATE TABLE admin_units (
    code        text COLLATE "C" NOT NULL CHECK (code <> ''),
    kind        text NOT NULL CHECK (kind IN ('province', 'district', 'commune')),
    valid_from  date NOT NULL,
    name        text NOT NULL,
    unit_type   text NOT NULL,
    parent_code text COLLATE "C",
    valid_to    date,
    lat         double precision,
    lon         double precision,
    area_km2    double precision,
    PRIMARY KEY (code, kind, valid_from),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX admin_units_by_parent ON admin_units (parent_code, kind);

-- Old unit -> new unit links of the reform; `partial` where an old commune was split.
CREATE TABLE unit_successions (
    old_code  text COLLATE "C" NOT NULL,
    new_code  text COLLATE "C" NOT NULL,
    effective date    NOT NULL,
    partial   boolean NOT NULL,
    PRIMARY KEY (old_code, new_code, effective)
);
CREATE INDEX unit_successions_by_new ON unit_successions (new_code);

-- Agencies by e-ID (QĐ 20/2020). The whole record is jsonb; the key columns beside it serve
-- queries (by parent, unit, validity) without reading JSON.
CREATE TABLE agencies (
    eid           text COLLATE "C" PRIMARY KEY CHECK (eid <> ''),
    name          text NOT NULL,
    level         text NOT NULL,
    parent_eid    text COLLATE "C",
    unit_code     text COLLATE "C",
    valid_from    date NOT NULL,
    valid_to      date,
    successor_eid text COLLATE "C",
    record        jsonb NOT NULL,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX agencies_by_parent ON agencies (parent_eid);
CREATE INDEX agencies_by_unit ON agencies (unit_code);

-- Dated overrides of the working calendar (holidays, make-up working days), domain.md §3.
CREATE TABLE calendar_days (
    day  date PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('holiday', 'working_day')),
    name text NOT NULL
);
