-- The timeline. Each event carries who it was (the guest behind its code) and why it
-- stands out (its anomaly), both decided when it is stored, so that every timeline
-- filter is one index range read newest first, never a scan or a sort. Per-lock
-- counts in quarter-hour buckets draw the 30-day grid without counting events.

-- A copy of accesses.guest_id for the matched code (which never changes access);
-- NULL when the code carries no access or no code matched. No REFERENCES: it is
-- derived, and a foreign-key probe per stored event would slow ingest for nothing.
ALTER TABLE events ADD COLUMN guest_id INTEGER;

-- Why the event stands out, '' when it does not: denied_burst (3 or more denied
-- on the lock within 5 minutes), safe_mode, tamper, outside_window (a code used or
-- tried outside its window), revoked_used (a revoked code still opened the door:
-- the lock did not remove it), and for Gatehouse's own alert events offline_long
-- and code_unused.
ALTER TABLE events ADD COLUMN anomaly TEXT NOT NULL DEFAULT '';

UPDATE events SET guest_id = (SELECT a.guest_id FROM access_codes c JOIN accesses a ON a.id = c.access_id
	WHERE c.id = events.code_id) WHERE code_id IS NOT NULL;

UPDATE events SET anomaly = kind WHERE kind IN ('safe_mode', 'tamper');
UPDATE events SET anomaly = 'revoked_used' WHERE kind = 'unlocked' AND anomaly = '' AND EXISTS (
	SELECT 1 FROM access_codes c WHERE c.id = events.code_id AND c.revoked_at IS NOT NULL AND events.occurred_at >= c.revoked_at);
UPDATE events SET anomaly = 'outside_window' WHERE kind IN ('unlocked', 'denied') AND anomaly = '' AND EXISTS (
	SELECT 1 FROM access_codes c WHERE c.id = events.code_id AND (events.occurred_at < c.starts_at OR events.occurred_at >= c.ends_at));

-- Filters by kind, with a lock or alone (then one range per lock, merged: a
-- second full index on kind would cost every stored event another B-tree
-- insert); also finds a lock's denied events for the burst rule.
CREATE INDEX events_lock_kind_time ON events(lock_id, kind, occurred_at DESC, id DESC);
-- Filter by guest; events without a guest are left out of the index.
CREATE INDEX events_guest_time ON events(guest_id, occurred_at DESC, id DESC) WHERE guest_id IS NOT NULL;
-- "Anomalies only", across locks or at one: small, they hold only anomalies.
CREATE INDEX events_anomaly_time ON events(occurred_at DESC, id DESC) WHERE anomaly != '';
CREATE INDEX events_anomaly_lock_time ON events(lock_id, occurred_at DESC, id DESC) WHERE anomaly != '';

-- A denied event is part of a burst when some denied event s at most 5 minutes
-- before it starts a 5-minute window holding 3 or more denied events.
UPDATE events SET anomaly = 'denied_burst' WHERE kind = 'denied' AND anomaly = '' AND EXISTS (
	SELECT 1 FROM events s WHERE s.lock_id = events.lock_id AND s.kind = 'denied'
		AND s.occurred_at BETWEEN events.occurred_at - 300 AND events.occurred_at
		AND (SELECT count(*) FROM events x WHERE x.lock_id = s.lock_id AND x.kind = 'denied'
			AND x.occurred_at BETWEEN s.occurred_at AND s.occurred_at + 300) >= 3);

-- Events per lock and quarter hour (occurred_at / 900, UTC). Every zone's offset
-- from UTC is a whole number of quarter hours, so a day in any lock's zone is a
-- range of buckets. Kept by the same transaction that stores the events.
CREATE TABLE event_counts (
	lock_id  INTEGER NOT NULL,
	bucket   INTEGER NOT NULL,
	total    INTEGER NOT NULL,
	denied   INTEGER NOT NULL,
	PRIMARY KEY (lock_id, bucket)
) WITHOUT ROWID;
INSERT INTO event_counts (lock_id, bucket, total, denied)
	SELECT lock_id, occurred_at / 900, count(*), sum(kind = 'denied') FROM events GROUP BY lock_id, occurred_at / 900;

-- Hourly sums of event_counts, kept by triggers on it whoever writes it: a day
-- in a zone a whole number of hours from UTC (most zones) is 24 rows here
-- instead of 96 there.
CREATE TABLE event_counts_hourly (
	lock_id  INTEGER NOT NULL,
	hour     INTEGER NOT NULL,  -- occurred_at / 3600 = bucket / 4
	total    INTEGER NOT NULL,
	denied   INTEGER NOT NULL,
	PRIMARY KEY (lock_id, hour)
) WITHOUT ROWID;
INSERT INTO event_counts_hourly (lock_id, hour, total, denied)
	SELECT lock_id, bucket / 4, sum(total), sum(denied) FROM event_counts GROUP BY lock_id, bucket / 4;
CREATE TRIGGER event_counts_hourly_add AFTER INSERT ON event_counts BEGIN
	INSERT INTO event_counts_hourly (lock_id, hour, total, denied) VALUES (new.lock_id, new.bucket / 4, new.total, new.denied)
		ON CONFLICT (lock_id, hour) DO UPDATE SET total = total + excluded.total, denied = denied + excluded.denied;
END;
CREATE TRIGGER event_counts_hourly_change AFTER UPDATE ON event_counts BEGIN
	UPDATE event_counts_hourly SET total = total + new.total - old.total, denied = denied + new.denied - old.denied
		WHERE lock_id = new.lock_id AND hour = new.bucket / 4;
END;
CREATE TRIGGER event_counts_hourly_remove AFTER DELETE ON event_counts BEGIN
	UPDATE event_counts_hourly SET total = total - old.total, denied = denied - old.denied
		WHERE lock_id = old.lock_id AND hour = old.bucket / 4;
	DELETE FROM event_counts_hourly WHERE lock_id = old.lock_id AND hour = old.bucket / 4 AND total <= 0;
END;

-- Whoever deletes events (retention, removing a connection) keeps the counts
-- right without knowing of them. Buckets left at zero are harmless.
CREATE TRIGGER events_uncount AFTER DELETE ON events BEGIN
	UPDATE event_counts SET total = total - 1, denied = denied - (old.kind = 'denied')
		WHERE lock_id = old.lock_id AND bucket = old.occurred_at / 900;
END;
CREATE TRIGGER locks_uncount AFTER DELETE ON locks BEGIN
	DELETE FROM event_counts WHERE lock_id = old.id;
	DELETE FROM event_counts_hourly WHERE lock_id = old.id;
END;

-- The "revealed but not used" check looks at accesses whose window opened lately.
CREATE INDEX accesses_opened ON accesses(COALESCE(starts_at, created_at)) WHERE revoked_at IS NULL;
