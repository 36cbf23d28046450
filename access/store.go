package access

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// Store is what the service reads and writes: only the database calls it
// makes. Every write takes its audit lines, so a change and its line commit in
// one transaction. *db.DB satisfies it (store_test.go asserts so).
type Store interface {
	Guest(ctx context.Context, id int64) (db.Guest, error)
	Lock(ctx context.Context, id int64) (db.Lock, error)
	Access(ctx context.Context, id int64) (db.Access, error)
	AccessLocks(ctx context.Context, accessID int64) ([]db.Lock, error)
	AccessCodes(ctx context.Context, accessID int64) ([]db.AccessCode, error)
	LivePINs(ctx context.Context, lockID int64) ([]string, error)

	CreateAccess(ctx context.Context, n db.NewAccess) (db.Access, string, error)
	RotateAccess(ctx context.Context, id int64, pin string, link db.LinkOptions, audit ...db.AuditEntry) (db.Access, string, error)
	ReissueLink(ctx context.Context, accessID int64, o db.LinkOptions, audit ...db.AuditEntry) (string, db.ShareLink, error)
	ChangeWindow(ctx context.Context, id int64, start, end time.Time, audit ...db.AuditEntry) error
	RevokeAccess(ctx context.Context, id int64, audit ...db.AuditEntry) error

	CreateAccessCode(ctx context.Context, n db.NewAccessCode, audit ...db.AuditEntry) (db.AccessCode, error)
	RevokeAccessCode(ctx context.Context, id int64, audit ...db.AuditEntry) (db.AccessCode, error)
	RetryAccessCode(ctx context.Context, id int64, audit ...db.AuditEntry) error
}
