package sim

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// Store keeps what simulated locks hold in their own memory: the locks, their
// codes and their event logs. It outlives Gatehouse's restarts, the way a real
// lock's memory survives Gatehouse going down. The simulator holds the rules
// (what opens the door, when safe mode starts); a Store only keeps. Gatehouse's
// database provides one (lock/wire adapts it); nothing here knows which.
type Store interface {
	// Now is the store's clock, the simulator's when New is given none.
	Now() time.Time
	// Locks lists every simulated lock, oldest first.
	Locks(ctx context.Context) ([]LockState, error)
	// CreateLock stores a new lock; CreatedAt is set from the store's clock.
	CreateLock(ctx context.Context, l LockState) (LockState, error)
	// Events returns up to limit entries of a lock's log with Seq > afterSeq,
	// oldest first. Paging by Seq must never skip an entry.
	Events(ctx context.Context, deviceID string, afterSeq int64, limit int) ([]LogEntry, error)
	// Update runs fn in one transaction that no other Update interleaves with,
	// and commits when fn returns nil. fn's error is returned as it is.
	Update(ctx context.Context, fn func(Tx) error) error
}

// Tx is one Update's view of the locks: what it reads includes what it wrote.
type Tx interface {
	// Lock returns one lock, or an error wrapping lock.ErrNotFound.
	Lock(ctx context.Context, deviceID string) (LockState, error)
	// Codes returns a lock's codes, oldest first.
	Codes(ctx context.Context, deviceID string) ([]HeldCode, error)
	InsertCode(ctx context.Context, c HeldCode) error
	// SetCodeState and DeleteCode fail wrapping lock.ErrNotFound when the code
	// is not on that lock.
	SetCodeState(ctx context.Context, deviceID, codeID string, state CodeState, readyAt time.Time) error
	DeleteCode(ctx context.Context, deviceID, codeID string) error
	// AppendEvent adds an entry to the lock's log and returns its Seq.
	AppendEvent(ctx context.Context, e LogEntry) (int64, error)
	SetOnline(ctx context.Context, deviceID string, online bool) error
	SetBattery(ctx context.Context, deviceID string, level float64) error
	// SetKeypad keeps the keypad's memory and the bolt after an attempt: wrong
	// entries in a row, the end of safe mode (zero: none), whether it is locked.
	SetKeypad(ctx context.Context, deviceID string, wrongInARow int, safeModeUntil time.Time, locked bool) error
}

// LockState is one simulated lock as its memory holds it.
type LockState struct {
	DeviceID      string
	Name          string
	Online        bool
	Battery       float64 // 0..1
	Firmware      string
	Slots         int
	TimeZone      string
	Locked        bool
	WrongInARow   int       // wrong keypad entries since the last good one
	SafeModeUntil time.Time // zero: never in safe mode
	CreatedAt     time.Time
}

// CodeState is where a code is on its way to, on, or off the lock.
type CodeState string

const (
	StateSetting  CodeState = "setting"  // sent, not yet on the lock
	StateSet      CodeState = "set"      // on the lock; the keypad knows it
	StateRemoving CodeState = "removing" // removal sent, not yet done
)

// HeldCode is a code held by (or on its way to or off) a simulated lock. The
// store keeps its PIN secret at rest.
type HeldCode struct {
	CodeID   string
	DeviceID string
	Name     string
	PIN      string
	StartsAt time.Time // both zero: permanent
	EndsAt   time.Time
	State    CodeState
	ReadyAt  time.Time // when a pending set or removal lands
}

// LogEntry is one entry in a simulated lock's event log; Seq orders the log.
type LogEntry struct {
	Seq      int64
	DeviceID string
	Kind     domain.EventKind
	Method   domain.Method
	CodeID   string
	At       time.Time
	Detail   string // never a PIN
}
