-- A code's sealed PIN is bound to its own row: its AES-GCM additional data is
-- "pin/<code id>" instead of "pin" (seal.go, pinPurpose), so a sealed PIN moved
-- to another code no longer opens. Re-sealing needs the key file, which SQL has
-- not: the Go step resealPINs (db/migrate_pins.go) does it in this migration's
-- transaction. This statement changes nothing; it gives the migration a body.
UPDATE code_id_floor SET next = next WHERE 0;
