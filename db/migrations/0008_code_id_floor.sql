-- A code carries its id on the lock, in its name ("Ana · gh-105"), and the
-- reconciler recognises its codes by it. After a restore, the codes made after
-- the backup are gone from the database but may still be on the locks; new codes
-- must never take their ids, or a stale code could be taken for a new one on a
-- lock that does not disclose its PINs. New codes take the larger of the next
-- id and this floor, which `gatehouse restore` raises above any id the lost codes
-- can have had (db/restore.go).
CREATE TABLE IF NOT EXISTS code_id_floor (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    next INTEGER NOT NULL
);
INSERT OR IGNORE INTO code_id_floor (id, next) VALUES (1, 0);
