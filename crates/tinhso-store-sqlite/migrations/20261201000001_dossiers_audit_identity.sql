-- Dossiers (hồ sơ), their hash-chained events, daily code sequences, idempotency keys, the
-- outbox, users and API tokens, workflow definitions and the scheduler's leases.
-- Local (civil) date-times are ISO text 'YYYY-MM-DDTHH:MM:SS.ffffff' (fixed width, so text order
-- is time order); instants are integer microseconds since the Unix epoch.

-- One row per dossier: the state as JSON (the source of truth) plus the columns the officers'
-- queues, the citizen's list and the register (Mẫu 07) filter on.
CREATE TABLE dossiers (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused
    code               TEXT    NOT NULL UNIQUE,            -- <e-ID>-<yyMMdd>-<seq>, domain.md §5.2
    code_agency        TEXT    NOT NULL,
    code_date          TEXT    NOT NULL,
    code_seq           INTEGER NOT NULL CHECK (code_seq >= 1),
    receiving_agency   TEXT    NOT NULL,
    competent_agency   TEXT    NOT NULL,
    transferred_to     TEXT,
    procedure_code     TEXT    NOT NULL,
    status             INTEGER NOT NULL CHECK (status BETWEEN 1 AND 10),
    current_step       TEXT,
    applicant_id       TEXT,
    applicant_folded   TEXT    NOT NULL,   -- tinhso_domain::text::fold(applicant name)
    received_at        TEXT    NOT NULL,
    accepted_at        TEXT,
    due_at             TEXT,
    paused             INTEGER NOT NULL,   -- statuses 5, 6, 8 (dashboards' "paused")
    events             INTEGER NOT NULL CHECK (events >= 1),
    due_soon_flagged   INTEGER NOT NULL DEFAULT 0,
    late_flagged       INTEGER NOT NULL DEFAULT 0,
    lookup_secret_hash TEXT    NOT NULL,
    state              TEXT    NOT NULL,   -- Dossier as JSON
    applicant          TEXT    NOT NULL,   -- Applicant as JSON (personal data)
    form               TEXT    NOT NULL,   -- e-form answers as JSON
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (code_agency, code_date, code_seq)
);
CREATE INDEX dossiers_receiving_queue ON dossiers (receiving_agency, status, due_at);
CREATE INDEX dossiers_competent_queue ON dossiers (competent_agency, status, due_at);
CREATE INDEX dossiers_transferred_queue ON dossiers (transferred_to, status, due_at)
    WHERE transferred_to IS NOT NULL;
CREATE INDEX dossiers_by_applicant ON dossiers (applicant_id, id) WHERE applicant_id IS NOT NULL;
CREATE INDEX dossiers_open_by_due ON dossiers (due_at) WHERE status IN (2, 4);

-- The audit trail: every event of every dossier, in ONE hash chain over commit order
-- (tinhso_store::chain). Append-only: the triggers refuse changes, the chain reveals them.
CREATE TABLE dossier_events (
    dossier_id  INTEGER NOT NULL REFERENCES dossiers (id),
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    chain_pos   INTEGER NOT NULL UNIQUE CHECK (chain_pos >= 1),
    event       TEXT,                  -- DossierEvent JSON; NULL for a deadline flag
    flag        TEXT CHECK (flag IN ('due_soon', 'late')),
    state_after TEXT    NOT NULL,
    attachments TEXT    NOT NULL,
    comment     TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL,
    PRIMARY KEY (dossier_id, seq),
    CHECK ((event IS NULL) <> (flag IS NULL))
);

CREATE TRIGGER dossier_events_no_update BEFORE UPDATE ON dossier_events
BEGIN
    SELECT RAISE(ABORT, 'dossier_events rows are immutable');
END;
CREATE TRIGGER dossier_events_no_delete BEFORE DELETE ON dossier_events
BEGIN
    SELECT RAISE(ABORT, 'dossier_events rows are immutable');
END;

-- The chain's head: the last position and its hash, so a cut tail is detected.
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    chain_pos INTEGER NOT NULL,
    hash      TEXT    NOT NULL
);
INSERT INTO audit_head (id, chain_pos, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The last sequence number used per agency and day (gapless: taken in the transaction that
-- inserts the dossier).
CREATE TABLE dossier_sequences (
    agency TEXT    NOT NULL,
    day    TEXT    NOT NULL,
    last   INTEGER NOT NULL CHECK (last >= 1),
    PRIMARY KEY (agency, day)
);

-- Idempotency-Key of a request, per user: a replay returns the first answer.
CREATE TABLE idempotency_keys (
    user_id      TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    dossier_id   INTEGER NOT NULL REFERENCES dossiers (id),
    event_seq    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- Messages to other systems, written with the state they describe.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    topic        TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    dossier_id   INTEGER REFERENCES dossiers (id),
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL;

CREATE TABLE users (
    id         TEXT PRIMARY KEY CHECK (id <> ''),
    name       TEXT    NOT NULL,
    agency     TEXT,
    roles      TEXT    NOT NULL,   -- JSON array of Role names
    created_at INTEGER NOT NULL,
    disabled   INTEGER NOT NULL
);

-- API tokens by their SHA-256 only.
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES users (id),
    label      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

-- Versioned workflow definitions (a dossier keeps the version it was received with).
CREATE TABLE workflows (
    procedure_code TEXT    NOT NULL,
    version        INTEGER NOT NULL CHECK (version >= 1),
    definition     TEXT    NOT NULL,
    recorded_at    INTEGER NOT NULL,
    PRIMARY KEY (procedure_code, version)
);

-- Named leases (the scheduler runs on one node at a time).
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
