// Package lock is how Gatehouse talks to locks: the Connector interface that every
// driver (sim, seam, ...) implements, the shapes they exchange, and the classification
// of their errors; the registry of connection kinds (kinds.go) and what a person
// does at a door Gatehouse can work (door.go); and the reconciler, the only code
// that calls a connector (reconciler.go lists its files).
package lock

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// Capabilities says what a lock accepts, so codes can be generated and checked before
// a call that the lock would reject anyway.
type Capabilities struct {
	NativeSchedules bool // the lock enforces a code's window itself
	Slots           int  // how many codes the lock holds; 0 when unknown
	MinCodeLen      int  // 0 when unknown
	MaxCodeLen      int  // 0 when unknown
	DigitsOnly      bool
	// Rules the vendor documents beyond length, in words, e.g. "no_zeros".
	Rules []string
}

// Device is a lock as its connector reports it.
type Device struct {
	ID           string // the connector's own id for the lock
	Name         string
	Manufacturer string
	Model        string
	Online       bool
	Locked       *bool    // nil when unknown
	Battery      *float64 // 0..1; nil when unknown
	Firmware     string
	TimeZone     string // IANA name; empty when unknown
	Caps         Capabilities
}

// CodeSpec is what Gatehouse asks a lock to hold.
type CodeSpec struct {
	Name   string
	PIN    string
	Window domain.Window
}

// CodeStatus is the connector's view of a code on a lock, as it reports it: a
// different thing from domain.CodeStatus, which is what Gatehouse stores of its
// own codes. The reconciler turns the one into the other.
type CodeStatus string

const (
	CodeSetting  CodeStatus = "setting"  // on its way to the lock
	CodeSet      CodeStatus = "set"      // confirmed on the lock
	CodeRemoving CodeStatus = "removing" // on its way off the lock
	CodeUnset    CodeStatus = "unset"    // scheduled, not yet on the lock
	CodeUnknown  CodeStatus = "unknown"
)

// Code is a code as the connector reports it.
type Code struct {
	ID       string // the connector's own id for the code
	DeviceID string
	Name     string
	PIN      string // empty when the connector does not disclose it
	Window   domain.Window
	Status   CodeStatus
	Errors   []string // vendor error messages that keep the code from working
	Warnings []string
}

// Event is one thing that happened at a lock, normalised.
type Event struct {
	ID       string // the connector's own event id, used for de-duplication
	DeviceID string
	Kind     domain.EventKind
	Method   domain.Method
	CodeID   string // the connector's code id when the event names one
	At       time.Time
	Detail   string // short vendor detail, never a PIN
}

// Connector is one account or source of locks. Every method takes a context and
// returns errors of type *Error so callers can tell transient from permanent.
type Connector interface {
	ListLocks(ctx context.Context) ([]Device, error)
	SetCode(ctx context.Context, deviceID string, spec CodeSpec) (Code, error)
	RemoveCode(ctx context.Context, deviceID, codeID string) error
	ListCodes(ctx context.Context, deviceID string) ([]Code, error)
	// Events returns events after cursor (empty: from the connector's chosen start),
	// oldest first, and the cursor to pass next time.
	Events(ctx context.Context, deviceID, cursor string) ([]Event, string, error)
}
