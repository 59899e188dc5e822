-- Browser sign-in: Argon2id password hashes and sessions (only the SHA-256 of a session token).
-- Same meaning as the SQLite schema.

CREATE TABLE credentials (
    user_id       text PRIMARY KEY REFERENCES users (id),
    password_hash text        NOT NULL,   -- PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash
    updated_at    timestamptz NOT NULL
);

CREATE TABLE sessions (
    id_hash    text PRIMARY KEY,          -- SHA-256 (hex) of the cookie's token
    user_id    text        NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
