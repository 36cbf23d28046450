-- The home page asks for the codes whose window opens within two days. With
-- (lock_id, status) alone, every scheduled code of every lock was read and
-- filtered, tens of thousands once a host books months ahead; with the window's
-- start in the index the read stops at the horizon. COALESCE: a permanent code
-- (no start) sorts first, as "opens now".
DROP INDEX access_codes_lock;
CREATE INDEX access_codes_lock ON access_codes(lock_id, status, COALESCE(starts_at, 0));
