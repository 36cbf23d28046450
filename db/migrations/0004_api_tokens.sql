-- Bearer tokens for the JSON API (/api/v1). The token is shown once when made;
-- only SHA-256(token) is stored. A token acts for the owner who made it: when that
-- owner is removed, created_by becomes NULL and the token stops working.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    token_hash    BLOB    NOT NULL UNIQUE,
    scope         TEXT    NOT NULL CHECK (scope IN ('read', 'read-write')),
    created_by    INTEGER REFERENCES owners(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,             -- written at most once a minute
    revoked_at    INTEGER
);
