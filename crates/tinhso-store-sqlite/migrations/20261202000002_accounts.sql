-- Citizen accounts (how they sign in, e-ID level per NĐ 69/2024), sign-in throttling, password
-- resets (by token hash) and notifications (the dev mailbox shows them).
-- Instants are integer microseconds since the Unix epoch, as elsewhere.

-- Only the level and the moment of verification are kept: never the personal ID number, the
-- date of birth or the name as verified (Luật 91/2025: no more personal data than needed).
CREATE TABLE citizen_accounts (
    user_id     TEXT PRIMARY KEY REFERENCES users (id),
    phone       TEXT UNIQUE,               -- 0xxxxxxxxx
    email       TEXT UNIQUE,               -- lower case
    eid_level   INTEGER NOT NULL CHECK (eid_level IN (1, 2)),
    verified_at INTEGER,
    created_at  INTEGER NOT NULL,
    CHECK (phone IS NOT NULL OR email IS NOT NULL),
    CHECK ((eid_level = 1) = (verified_at IS NULL))
);

-- Failed sign-ins per key (SHA-256 of 'account:…' or 'ip:…'), shared by every node.
CREATE TABLE login_attempts (
    key             TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL CHECK (failures >= 1),
    last_failure_at INTEGER NOT NULL
);

-- One-time password reset tokens, by their SHA-256 only.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);

-- Messages to a person (SMS or e-mail), written with what they announce; a sender delivers
-- them, the development mailbox (/dev/hop-thu) shows them.
CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      TEXT REFERENCES users (id),
    channel      TEXT    NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient    TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX notifications_pending ON notifications (id) WHERE delivered_at IS NULL;
