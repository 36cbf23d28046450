-- Locks, their connections, the codes Gatehouse wants on them (desired state), what
-- the reconciler observed, and the events pulled from them. Times are Unix seconds (UTC).

-- A source of locks: the built-in simulator, or a Seam account.
CREATE TABLE connections (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('sim', 'seam')),
    name          TEXT    NOT NULL,
    base_url      TEXT    NOT NULL DEFAULT '',
    secret        BLOB,                         -- API key, sealed with AES-GCM (db/seal.go)
    created_at    INTEGER NOT NULL,
    last_sync_at  INTEGER,
    last_error    TEXT    NOT NULL DEFAULT ''   -- why the last discovery failed, for owners
);

CREATE TABLE locks (
    id                INTEGER PRIMARY KEY,
    connection_id     INTEGER NOT NULL REFERENCES connections(id),
    device_id         TEXT    NOT NULL,            -- the connector's id
    name              TEXT    NOT NULL,
    manufacturer      TEXT    NOT NULL DEFAULT '',
    model             TEXT    NOT NULL DEFAULT '',
    online            INTEGER NOT NULL DEFAULT 1,
    offline_since     INTEGER,
    locked            INTEGER,                     -- NULL: unknown
    battery           REAL,                        -- 0..1; NULL: unknown
    firmware          TEXT    NOT NULL DEFAULT '',
    time_zone         TEXT    NOT NULL,            -- IANA name; windows are shown in it
    instructions      TEXT    NOT NULL DEFAULT '', -- shown to guests after they reveal a code
    native_schedules  INTEGER NOT NULL DEFAULT 0,
    slots             INTEGER NOT NULL DEFAULT 0,  -- 0: unknown
    min_code_len      INTEGER NOT NULL DEFAULT 0,
    max_code_len      INTEGER NOT NULL DEFAULT 0,
    last_sync_at      INTEGER,                     -- last successful reconcile
    last_error        TEXT    NOT NULL DEFAULT '',
    event_cursor      TEXT    NOT NULL DEFAULT '',
    events_pulled_at  INTEGER,
    lease_holder      TEXT,                        -- the reconciler working on this lock
    lease_until       INTEGER,
    created_at        INTEGER NOT NULL,
    removed_at        INTEGER,                     -- no longer reported by its connection
    UNIQUE (connection_id, device_id)
);

-- Desired state: a code that should be on a lock during a window (both NULL:
-- permanent) until revoked. status is what the reconciler last observed.
CREATE TABLE access_codes (
    id               INTEGER PRIMARY KEY,
    lock_id          INTEGER NOT NULL REFERENCES locks(id),
    label            TEXT    NOT NULL,
    pin_sealed       BLOB    NOT NULL,             -- AES-GCM under the key file, never plain
    pin_len          INTEGER NOT NULL,
    starts_at        INTEGER,
    ends_at          INTEGER,
    time_zone        TEXT    NOT NULL,             -- the lock's zone when the window was chosen
    revoked_at       INTEGER,
    status           TEXT    NOT NULL DEFAULT 'scheduled'
                     CHECK (status IN ('scheduled', 'setting', 'on_lock', 'removing', 'removed', 'failed')),
    status_at        INTEGER NOT NULL,
    last_error       TEXT    NOT NULL DEFAULT '',
    device_code_id   TEXT    NOT NULL DEFAULT '',  -- the connector's id once set
    attempts         INTEGER NOT NULL DEFAULT 0,   -- consecutive failures, for backoff
    next_attempt_at  INTEGER,
    set_at           INTEGER,                      -- first confirmed on the lock
    removed_at       INTEGER,                      -- confirmed gone
    first_used_at    INTEGER,
    last_used_at     INTEGER,
    created_at       INTEGER NOT NULL
);
CREATE INDEX access_codes_lock ON access_codes(lock_id, status);

-- Every call the reconciler made, with its outcome.
CREATE TABLE code_attempts (
    id        INTEGER PRIMARY KEY,
    code_id   INTEGER NOT NULL REFERENCES access_codes(id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,
    action    TEXT    NOT NULL,  -- set, remove
    ok        INTEGER NOT NULL,
    error     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX code_attempts_code ON code_attempts(code_id, id DESC);

-- Codes found on a lock that Gatehouse did not put there.
CREATE TABLE unmanaged_codes (
    id                    INTEGER PRIMARY KEY,
    lock_id               INTEGER NOT NULL REFERENCES locks(id),
    device_code_id        TEXT    NOT NULL,
    name                  TEXT    NOT NULL DEFAULT '',
    first_seen_at         INTEGER NOT NULL,
    last_seen_at          INTEGER NOT NULL,
    removal_requested_at  INTEGER,
    last_error            TEXT    NOT NULL DEFAULT '',
    UNIQUE (lock_id, device_code_id)
);

-- Events pulled from locks, normalised, de-duplicated by the lock's own event id.
CREATE TABLE events (
    id               INTEGER PRIMARY KEY,
    lock_id          INTEGER NOT NULL REFERENCES locks(id),
    device_event_id  TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    method           TEXT    NOT NULL DEFAULT '',
    code_id          INTEGER REFERENCES access_codes(id),  -- matched code, when known
    occurred_at      INTEGER NOT NULL,
    detail           TEXT    NOT NULL DEFAULT '',
    UNIQUE (lock_id, device_event_id)
);
CREATE INDEX events_time ON events(occurred_at DESC, id DESC);
CREATE INDEX events_lock_time ON events(lock_id, occurred_at DESC, id DESC);
CREATE INDEX events_code_time ON events(code_id, occurred_at DESC, id DESC) WHERE code_id IS NOT NULL;

-- The simulator's own state: what a simulated lock holds in its memory.
CREATE TABLE sim_locks (
    device_id        TEXT    PRIMARY KEY,
    name             TEXT    NOT NULL,
    online           INTEGER NOT NULL DEFAULT 1,
    battery          REAL    NOT NULL DEFAULT 1.0,
    firmware         TEXT    NOT NULL,
    slots            INTEGER NOT NULL,
    time_zone        TEXT    NOT NULL,
    locked           INTEGER NOT NULL DEFAULT 1,
    wrong_in_a_row   INTEGER NOT NULL DEFAULT 0,
    safe_mode_until  INTEGER,
    created_at       INTEGER NOT NULL
);

CREATE TABLE sim_codes (
    code_id        TEXT    PRIMARY KEY,
    device_id      TEXT    NOT NULL REFERENCES sim_locks(device_id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    pin_sealed     BLOB    NOT NULL,
    starts_at      INTEGER,
    ends_at        INTEGER,
    state          TEXT    NOT NULL CHECK (state IN ('setting', 'set', 'removing')),
    ready_at       INTEGER NOT NULL,  -- when a pending set or removal completes
    created_at     INTEGER NOT NULL
);

CREATE TABLE sim_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id  TEXT    NOT NULL REFERENCES sim_locks(device_id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    method     TEXT    NOT NULL DEFAULT '',
    code_id    TEXT    NOT NULL DEFAULT '',
    at         INTEGER NOT NULL,
    detail     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sim_events_device ON sim_events(device_id, seq);
-- The simulator lists a device's codes on every reconcile pass.
CREATE INDEX sim_codes_device ON sim_codes(device_id, created_at, code_id);
