package web

import (
	"context"

	"github.com/gatehouse/gatehouse/lock"
)

// LockSide is what handlers may ask of the lock side. Handlers never program a
// lock: they write desired state through db and nudge the reconciler, which is
// the only code that calls connectors. A connection kind is named by the string
// stored with the connection ("sim", "seam"); no driver is named here.
type LockSide interface {
	// Nudge asks the reconciler to run now; NudgeEvents asks for an event pull.
	Nudge()
	NudgeEvents()
	// AddLock makes a lock of a kind whose locks Gatehouse makes itself (the
	// simulator) and records it, returning its lock id.
	AddLock(ctx context.Context, kind, name string) (int64, error)
	// TestConnection checks credentials for a kind before they are saved,
	// returning the locks they reach.
	TestConnection(ctx context.Context, kind, baseURL, secret string) ([]lock.Device, error)
	// KindLabel names a kind in words for owners ("simulated", "Seam").
	KindLabel(kind string) string
	// Door is what a person does at the locks of a kind (the simulator's panel);
	// nil when Gatehouse cannot work that kind's doors.
	Door(kind string) lock.Door
}
