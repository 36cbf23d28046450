-- The home page asks for the codes whose window opens within two days. With
-- (lock_id, status) alone, every scheduled code of every lock was read and
-- filtered, tens of thousands once a host books months ahead; with the window's
-- start in the index the read stops at the horizon. COALESCE: a permanent code
-- (no start) sorts first, as "opens now".
DROP INDEX IF EXISTS access_codes_lock;
CREATE INDEX access_codes_lock ON access_codes(lock_id, status, COALESCE(starts_at, 0));

-- A guest page lists its access's doors in lock order; with lock_id in the
-- index SQLite reads them in that order instead of sorting them every time.
DROP INDEX IF EXISTS access_codes_access;
CREATE INDEX access_codes_access ON access_codes(access_id, lock_id);

-- share_version counts the changes to anything a guest's page shows: the link
-- (but not its reveal or first opening, which this process records itself, see
-- db/sharecache.go), the access, the guest's name, the doors and the code. The
-- guest page and the reveal read their link from a cache that is valid while
-- this number stands still; triggers keep it true whatever wrote the change.
CREATE TABLE IF NOT EXISTS share_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v  INTEGER NOT NULL
);
INSERT OR IGNORE INTO share_version (id, v) VALUES (1, 0);

CREATE TRIGGER IF NOT EXISTS share_links_changed AFTER UPDATE OF access_id, token_hash, passphrase_hash, passphrase_salt,
    failed_attempts, locked_at, created_at, expires_at, revoked_at ON share_links
BEGIN UPDATE share_version SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS share_links_deleted AFTER DELETE ON share_links
BEGIN UPDATE share_version SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS accesses_changed AFTER UPDATE ON accesses
BEGIN UPDATE share_version SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS accesses_deleted AFTER DELETE ON accesses
BEGIN UPDATE share_version SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS guests_renamed AFTER UPDATE OF name ON guests
BEGIN UPDATE share_version SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS guests_deleted AFTER DELETE ON guests
BEGIN UPDATE share_version SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS access_codes_added AFTER INSERT ON access_codes
BEGIN UPDATE share_version SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS access_codes_changed AFTER UPDATE OF access_id, lock_id, pin_sealed ON access_codes
BEGIN UPDATE share_version SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS access_codes_deleted AFTER DELETE ON access_codes
BEGIN UPDATE share_version SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS locks_changed AFTER UPDATE OF name, instructions ON locks
BEGIN UPDATE share_version SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS locks_deleted AFTER DELETE ON locks
BEGIN UPDATE share_version SET v = v + 1; END;
