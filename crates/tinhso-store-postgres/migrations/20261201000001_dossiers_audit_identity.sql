-- Dossiers (hồ sơ), their hash-chained events, daily code sequences, idempotency keys, the
-- outbox, users and API tokens, workflow definitions and the scheduler's leases.
-- Same meaning as the SQLite schema. Local (civil) date-times are `timestamp` (no time zone:
-- Asia/Ho_Chi_Minh civil time, as the domain computes it); instants are `timestamptz`.

CREATE TABLE dossiers (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code               text COLLATE "C" NOT NULL UNIQUE,   -- domain.md §5.2
    code_agency        text COLLATE "C" NOT NULL,
    code_date          date    NOT NULL,
    code_seq           integer NOT NULL CHECK (code_seq >= 1),
    receiving_agency   text COLLATE "C" NOT NULL,
    competent_agency   text COLLATE "C" NOT NULL,
    transferred_to     text COLLATE "C",
    procedure_code     text COLLATE "C" NOT NULL,
    status             smallint NOT NULL CHECK (status BETWEEN 1 AND 10),
    current_step       text,
    applicant_id       text,
    applicant_folded   text    NOT NULL,    -- tinhso_domain::text::fold(applicant name)
    received_at        timestamp NOT NULL,
    accepted_at        timestamp,
    due_at             timestamp,
    paused             boolean NOT NULL,    -- statuses 5, 6, 8 (dashboards' "paused")
    events             integer NOT NULL CHECK (events >= 1),
    due_soon_flagged   boolean NOT NULL DEFAULT false,
    late_flagged       boolean NOT NULL DEFAULT false,
    lookup_secret_hash text    NOT NULL,
    state              jsonb   NOT NULL,    -- Dossier
    applicant          jsonb   NOT NULL,    -- Applicant (personal data)
    form               jsonb   NOT NULL,    -- e-form answers
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    UNIQUE (code_agency, code_date, code_seq)
);
CREATE INDEX dossiers_receiving_queue ON dossiers (receiving_agency, status, due_at);
CREATE INDEX dossiers_competent_queue ON dossiers (competent_agency, status, due_at);
CREATE INDEX dossiers_transferred_queue ON dossiers (transferred_to, status, due_at)
    WHERE transferred_to IS NOT NULL;
CREATE INDEX dossiers_by_applicant ON dossiers (applicant_id, id) WHERE applicant_id IS NOT NULL;
CREATE INDEX dossiers_open_by_due ON dossiers (due_at) WHERE status IN (2, 4);

-- The audit trail: ONE hash chain over commit order (tinhso_store::chain). Positions are
-- assigned under the row lock of audit_head, so they follow commit order across nodes.
CREATE TABLE dossier_events (
    dossier_id  bigint  NOT NULL REFERENCES dossiers (id),
    seq         integer NOT NULL CHECK (seq >= 1),
    chain_pos   bigint  NOT NULL UNIQUE CHECK (chain_pos >= 1),
    event       jsonb,                 -- NULL for a deadline flag
    flag        text CHECK (flag IN ('due_soon', 'late')),
    state_after jsonb   NOT NULL,
    attachments jsonb   NOT NULL,
    comment     text    NOT NULL,
    recorded_at timestamptz NOT NULL,
    prev_hash   text    NOT NULL,
    hash        text    NOT NULL,
    PRIMARY KEY (dossier_id, seq),
    CHECK ((event IS NULL) <> (flag IS NULL))
);

-- Append-only: refused here, and revealed by the chain if the trigger is bypassed.
CREATE TRIGGER dossier_events_are_append_only
BEFORE UPDATE OR DELETE ON dossier_events
FOR EACH ROW EXECUTE FUNCTION tinhso_refuse_update();

CREATE TABLE audit_head (
    id        integer PRIMARY KEY CHECK (id = 1),
    chain_pos bigint NOT NULL,
    hash      text   NOT NULL
);
INSERT INTO audit_head (id, chain_pos, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE dossier_sequences (
    agency text COLLATE "C" NOT NULL,
    day    date    NOT NULL,
    last   integer NOT NULL CHECK (last >= 1),
    PRIMARY KEY (agency, day)
);

CREATE TABLE idempotency_keys (
    user_id      text    NOT NULL,
    key          text    NOT NULL,
    request_hash text    NOT NULL,
    dossier_id   bigint  NOT NULL REFERENCES dossiers (id),
    event_seq    integer NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic        text  NOT NULL,
    payload      jsonb NOT NULL,
    dossier_id   bigint REFERENCES dossiers (id),
    created_at   timestamptz NOT NULL,
    delivered_at timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL;

CREATE TABLE users (
    id         text PRIMARY KEY CHECK (id <> ''),
    name       text    NOT NULL,
    agency     text COLLATE "C",
    roles      jsonb   NOT NULL,
    created_at timestamptz NOT NULL,
    disabled   boolean NOT NULL
);

CREATE TABLE api_tokens (
    token_hash text PRIMARY KEY,
    user_id    text    NOT NULL REFERENCES users (id),
    label      text    NOT NULL,
    created_at timestamptz NOT NULL,
    revoked    boolean NOT NULL DEFAULT false
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE workflows (
    procedure_code text COLLATE "C" NOT NULL,
    version        integer NOT NULL CHECK (version >= 1),
    definition     jsonb   NOT NULL,
    recorded_at    timestamptz NOT NULL,
    PRIMARY KEY (procedure_code, version)
);

CREATE TABLE leases (
    name       text PRIMARY KEY,
    holder     text NOT NULL,
    expires_at timestamptz NOT NULL
);
