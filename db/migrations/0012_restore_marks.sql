-- What a restore ends (issue 11, item 10): an older backup must not bring back
-- burned links, revoked API tokens or removed owners' sessions. Restore signs
-- every session out, suspends API tokens until an admin enables each again,
-- and pauses links that were unrevealed in the backup until an admin resumes
-- or reissues them.
ALTER TABLE api_tokens ADD COLUMN suspended_at INTEGER;
ALTER TABLE share_links ADD COLUMN paused_at INTEGER;
-- A paused or resumed link changes what its guest page shows.
CREATE TRIGGER IF NOT EXISTS share_links_paused AFTER UPDATE OF paused_at ON share_links
BEGIN UPDATE share_version SET v = v + 1; END;

CREATE TABLE restores (
    id           INTEGER PRIMARY KEY,
    restored_at  INTEGER NOT NULL,
    backup_at    INTEGER NOT NULL -- the newest activity recorded in the backup
);
