package lock

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// Store is what the reconciler needs of the database: the desired state it
// converges on, where it records what it saw and did, and the leases that keep
// two reconcilers off one lock. *db.DB satisfies it (asserted in lock/wire);
// another store engine would implement the same methods. The shapes are db's
// rows: the reconciler persists through them.
type Store interface {
	Now() time.Time

	// Connections and their locks (discover.go).
	Connections(ctx context.Context) ([]db.Connection, error)
	ConnectionLocks(ctx context.Context, connectionID int64) ([]db.Lock, error)
	MarkConnectionSync(ctx context.Context, id int64, errMsg string) error
	SyncLock(ctx context.Context, connectionID int64, s db.DeviceState, defaultTZ string) (db.Lock, error)
	MarkLocksGone(ctx context.Context, connectionID int64, present []string) error
	ResumeLockAttempts(ctx context.Context, lockID int64) error

	// Leases (leases.go, converge.go).
	ClaimLock(ctx context.Context, id int64, holder string, ttl time.Duration) (bool, error)
	ReleaseLock(ctx context.Context, id int64, holder string) error
	FinishLock(ctx context.Context, id int64, holder, errMsg string) error
	ReleaseLeases(ctx context.Context, dead func(holder string) bool) (int, error)

	// Our codes (converge.go, match.go).
	CodesToReconcile(ctx context.Context, lockID int64) ([]db.AccessCode, error)
	CodePIN(ctx context.Context, id int64) (string, error)
	ObserveCode(ctx context.Context, id int64, o db.CodeObservation) error
	RecordAttempt(ctx context.Context, codeID int64, action string, callErr string, next time.Time) error

	// Codes on the lock that are not ours (unmanaged.go).
	UnmanagedCodes(ctx context.Context, lockID int64) ([]db.UnmanagedCode, error)
	SyncUnmanaged(ctx context.Context, lockID int64, seen []db.SeenCode) error
	MarkUnmanagedError(ctx context.Context, id int64, msg string) error

	// Events (events.go).
	IngestEvents(ctx context.Context, lockID int64, events []db.NewEvent, cursor string) (int, error)
}
