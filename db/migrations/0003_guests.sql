-- Guests, the access each is given (one window, one code on one or more locks),
-- and the one-time share links that reveal the code. Times are Unix seconds (UTC).

CREATE TABLE guests (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',  -- how to reach them
    created_at  INTEGER NOT NULL
);
CREATE INDEX guests_name ON guests(name COLLATE NOCASE);

-- An access: a guest may open these locks (its access_codes, one per lock, all
-- with the same PIN) during this window. Both ends NULL: permanent.
CREATE TABLE accesses (
    id           INTEGER PRIMARY KEY,
    guest_id     INTEGER NOT NULL REFERENCES guests(id),
    starts_at    INTEGER,
    ends_at      INTEGER,
    time_zone    TEXT    NOT NULL,
    created_by   INTEGER REFERENCES owners(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    rotated_to   INTEGER REFERENCES accesses(id)  -- the access that replaced this one
);
CREATE INDEX accesses_guest ON accesses(guest_id, id DESC);

ALTER TABLE access_codes ADD COLUMN access_id INTEGER REFERENCES accesses(id);
CREATE INDEX access_codes_access ON access_codes(access_id);

-- A one-time link that reveals an access's code. Only SHA-256(token) is stored.
-- GET never changes revealed_at; the reveal POST flips it in one statement.
CREATE TABLE share_links (
    id                INTEGER PRIMARY KEY,
    access_id         INTEGER NOT NULL REFERENCES accesses(id),
    token_hash        BLOB    NOT NULL UNIQUE,
    passphrase_hash   BLOB,                       -- argon2id; NULL: no passphrase
    passphrase_salt   BLOB,
    failed_attempts   INTEGER NOT NULL DEFAULT 0,
    locked_at         INTEGER,                    -- after too many wrong passphrases
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    first_opened_at   INTEGER,                    -- first GET of the page
    opened_device     TEXT    NOT NULL DEFAULT '',-- coarse: "iPhone", "Android phone", "link preview"
    revealed_at       INTEGER,
    revoked_at        INTEGER
);
CREATE INDEX share_links_access ON share_links(access_id, id DESC);
