package web

import (
	"context"

	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/sim"
)

// LockSide is what handlers may ask of the lock side. Handlers never program a
// lock: they write desired state through db and nudge the reconciler, which is
// the only code that calls connectors.
type LockSide interface {
	// Nudge asks the reconciler to run now; NudgeEvents asks for an event pull.
	Nudge()
	NudgeEvents()
	// AddSimLock creates a simulated lock and records it, returning its lock id.
	AddSimLock(ctx context.Context, name string) (int64, error)
	// Sim is the simulated locks' physical side: keypad and switches.
	Sim() *sim.Sim
	// TestSeam checks an API key against Seam before it is saved, returning the
	// locks it can see.
	TestSeam(ctx context.Context, baseURL, apiKey string) ([]lock.Device, error)
}
