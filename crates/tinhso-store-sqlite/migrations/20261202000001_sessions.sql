-- Browser sign-in: Argon2id password hashes and sessions (only the SHA-256 of a session token).
-- Instants are integer microseconds since the Unix epoch, as elsewhere.

CREATE TABLE credentials (
    user_id       TEXT PRIMARY KEY REFERENCES users (id),
    password_hash TEXT    NOT NULL,   -- PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash
    updated_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,      -- SHA-256 (hex) of the cookie's token
    user_id    TEXT    NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
