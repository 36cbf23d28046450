package lock

import (
	"context"

	"github.com/gatehouse/gatehouse/domain"
)

// Door is the physical side of a lock that Gatehouse can work itself, as the
// simulator's: what a person does at the door. The lock page's panel calls it;
// the reconciler never does, it sees the outcome through the connector like it
// would on a real lock.
type Door interface {
	// Keypad types pin on the lock's keypad.
	Keypad(ctx context.Context, deviceID, pin string) (KeypadResult, error)
	// SetOnline connects the lock to its network or cuts it off.
	SetOnline(ctx context.Context, deviceID string, online bool) error
	ReplaceBatteries(ctx context.Context, deviceID string) error
	// LockNow is the lock button on the outside.
	LockNow(ctx context.Context, deviceID string) error
}

// KeypadResult is what a lock did with a PIN typed on its keypad.
type KeypadResult struct {
	Outcome  domain.EventKind // unlocked, denied or safe mode: the event the keypad raised
	CodeID   string           // the connector's id of the code whose PIN was typed (it opened the door only when Outcome is unlocked)
	CodeName string           // that code's name on the lock
	Message  string           // one sentence for the panel; never the PIN
}
