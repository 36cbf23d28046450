package db

// laterMigrationUndo takes a database from the newest schema back to schema 9
// (door codes bound to their rows), newest first, for tests that migrate an
// older schema again. A migration that adds a table, column or trigger adds
// its undo here.
var laterMigrationUndo = []string{
	// 0013_audit_changes_index
	"DROP INDEX audit_log_action",
	// 0012_restore_marks
	"DROP TABLE restores", "DROP TRIGGER share_links_paused",
	"ALTER TABLE api_tokens DROP COLUMN suspended_at", "ALTER TABLE share_links DROP COLUMN paused_at",
	// 0011_first_owner_invite
	"ALTER TABLE invites DROP COLUMN first_owner",
	// 0010_roles
	"DROP TABLE change_acks", "ALTER TABLE owners DROP COLUMN admin", "ALTER TABLE owners DROP COLUMN approved_at",
	"ALTER TABLE invites DROP COLUMN admin", "ALTER TABLE invites DROP COLUMN approved",
}

// LaterMigrationUndo is laterMigrationUndo for the db_test package's tests.
var LaterMigrationUndo = laterMigrationUndo
