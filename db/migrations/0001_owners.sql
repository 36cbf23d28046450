-- Owners sign in with passkeys only; there is no password column anywhere.
-- Every *_at column holds Unix seconds (UTC).

CREATE TABLE owners (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    handle      BLOB    NOT NULL UNIQUE, -- WebAuthn user handle: 32 random bytes, never shown
    created_at  INTEGER NOT NULL
);

CREATE TABLE credentials (
    id                 INTEGER PRIMARY KEY,
    owner_id           INTEGER NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    credential_id      BLOB    NOT NULL UNIQUE,
    public_key         BLOB    NOT NULL,
    attestation_type   TEXT    NOT NULL DEFAULT '',
    attestation_format TEXT    NOT NULL DEFAULT '',
    aaguid             BLOB,
    sign_count         INTEGER NOT NULL DEFAULT 0,
    transports         TEXT    NOT NULL DEFAULT '', -- comma-separated
    attachment         TEXT    NOT NULL DEFAULT '',
    flag_up            INTEGER NOT NULL DEFAULT 0,
    flag_uv            INTEGER NOT NULL DEFAULT 0,
    flag_be            INTEGER NOT NULL DEFAULT 0,
    flag_bs            INTEGER NOT NULL DEFAULT 0,
    nickname           TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    last_used_at       INTEGER
);
CREATE INDEX credentials_owner ON credentials(owner_id);

-- The cookie holds "public_id.secret"; only SHA-256(secret) is stored.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    public_id    TEXT    NOT NULL UNIQUE,
    secret_hash  BLOB    NOT NULL,
    owner_id     INTEGER NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    reauth_at    INTEGER NOT NULL, -- last passkey assertion in this session
    user_agent   TEXT    NOT NULL DEFAULT '',
    ip           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_owner ON sessions(owner_id);

-- Enrollment links: only SHA-256(token) is stored.
CREATE TABLE invites (
    id          INTEGER PRIMARY KEY,
    token_hash  BLOB    NOT NULL UNIQUE,
    name        TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES owners(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    used_by     INTEGER REFERENCES owners(id) ON DELETE SET NULL
);

-- WebAuthn ceremony state, kept server-side, consumed once with DELETE ... RETURNING.
CREATE TABLE webauthn_challenges (
    id          TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL, -- enroll, login, add, reauth
    owner_id    INTEGER REFERENCES owners(id) ON DELETE CASCADE,
    invite_id   INTEGER REFERENCES invites(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL DEFAULT '', -- display name chosen at enrollment
    data        BLOB    NOT NULL,            -- go-webauthn SessionData as JSON
    expires_at  INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    owner_id  INTEGER REFERENCES owners(id) ON DELETE SET NULL,
    actor     TEXT    NOT NULL DEFAULT '', -- the owner's name when it happened, or "system"
    action    TEXT    NOT NULL,
    ip        TEXT    NOT NULL DEFAULT '',
    detail    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at DESC, id DESC);
