-- The first owner's invite (issue 11, item 11): a start with no owner makes
-- one only while none is pending, and `gatehouse invite --admin` made while
-- there is no owner replaces the pending one, so one link at a time can make
-- the first owner.
ALTER TABLE invites ADD COLUMN first_owner INTEGER NOT NULL DEFAULT 0;
-- Admin invites still unused while nobody has enrolled were made for the first owner.
UPDATE invites SET first_owner = 1 WHERE admin = 1 AND used_at IS NULL AND NOT EXISTS (SELECT 1 FROM owners);
