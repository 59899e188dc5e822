-- Citizen accounts (how they sign in, e-ID level per NĐ 69/2024), sign-in throttling, password
-- resets (by token hash) and notifications (the dev mailbox shows them).

-- Only the level and the moment of verification are kept: never the personal ID number, the
-- date of birth or the name as verified (Luật 91/2025: no more personal data than needed).
CREATE TABLE citizen_accounts (
    user_id     text PRIMARY KEY REFERENCES users (id),
    phone       text COLLATE "C" UNIQUE,   -- 0xxxxxxxxx
    email       text COLLATE "C" UNIQUE,   -- lower case
    eid_level   smallint    NOT NULL CHECK (eid_level IN (1, 2)),
    verified_at timestamptz,
    created_at  timestamptz NOT NULL,
    CHECK (phone IS NOT NULL OR email IS NOT NULL),
    CHECK ((eid_level = 1) = (verified_at IS NULL))
);

-- Failed sign-ins per key (SHA-256 of 'account:…' or 'ip:…'), shared by every node.
CREATE TABLE login_attempts (
    key             text PRIMARY KEY,
    failures        integer     NOT NULL CHECK (failures >= 1),
    last_failure_at timestamptz NOT NULL
);

-- One-time password reset tokens, by their SHA-256 only.
CREATE TABLE password_resets (
    token_hash text PRIMARY KEY,
    user_id    text        NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);

-- Messages to a person (SMS or e-mail), written with what they announce; a sender delivers
-- them, the development mailbox (/dev/hop-thu) shows them.
CREATE TABLE notifications (
    id           bigserial PRIMARY KEY,
    user_id      text REFERENCES users (id),
    channel      text        NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient    text        NOT NULL,
    subject      text        NOT NULL,
    body         text        NOT NULL,
    created_at   timestamptz NOT NULL,
    delivered_at timestamptz
);
CREATE INDEX notifications_pending ON notifications (id) WHERE delivered_at IS NULL;
