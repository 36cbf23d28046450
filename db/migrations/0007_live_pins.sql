-- A new code is checked against every live code's PIN on its locks (no equal
-- code, no prefix either way). That read went through access_codes_lock and
-- then looked up each row in the table for pin_sealed: one random page read per
-- live code, on the single writer. This partial index holds exactly the live
-- codes' sealed PINs by lock, so the read never touches the table; removed
-- codes, most of a lock's history, are not in it at all. Its WHERE must match
-- livePINs' query word for word for SQLite to use it.
CREATE INDEX IF NOT EXISTS access_codes_live_pins ON access_codes(lock_id, pin_sealed) WHERE status != 'removed';

-- A share link made in the dashboard is shown to its owner once, on a GET
-- after a redirect, so that reloading never repeats the POST. Between the two,
-- the token waits here, sealed with the key that seals PINs (bound to session
-- and access), for the session that made it; the first GET deletes it, and it
-- expires within minutes. Signing out deletes it with the session.
CREATE TABLE IF NOT EXISTS link_handoffs (
    session_id    INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    access_id     INTEGER NOT NULL REFERENCES accesses(id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL, -- created, link, rotated: what the page says was done
    token_sealed  BLOB    NOT NULL,
    expires_at    INTEGER NOT NULL,
    PRIMARY KEY (session_id, access_id)
) WITHOUT ROWID;
