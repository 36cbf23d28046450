-- Roles (issue 11, item 7). An admin manages owners, connections and API
-- tokens; a member runs the locks and guests. An owner enrolled from an invite
-- that was not approved in advance waits (approved_at NULL) for an admin.
ALTER TABLE owners ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE owners ADD COLUMN approved_at INTEGER;
-- Owners so far had full power: they become admins.
UPDATE owners SET admin = 1, approved_at = created_at;

-- admin: the owner it enrolls is an admin (`gatehouse invite --admin`, the
-- first-run invite, or an admin's choice in the dashboard). approved: the
-- owner can act at once (an admin invite, or one an admin made in the
-- dashboard right after confirming with a passkey).
ALTER TABLE invites ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invites ADD COLUMN approved INTEGER NOT NULL DEFAULT 0;
-- Unused invites so far carried full power: with no owner yet they are the
-- first owner's; otherwise the owner they enroll waits for approval.
UPDATE invites SET admin = 1, approved = 1 WHERE used_at IS NULL AND NOT EXISTS (SELECT 1 FROM owners);

-- Changes to owners, passkeys, API tokens and connections (audit lines) stay
-- on each admin's home page until that admin acknowledges them.
CREATE TABLE change_acks (
    owner_id  INTEGER NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    audit_id  INTEGER NOT NULL REFERENCES audit_log(id) ON DELETE CASCADE,
    PRIMARY KEY (owner_id, audit_id)
) WITHOUT ROWID;
