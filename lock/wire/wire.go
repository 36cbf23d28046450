// Package wire connects the lock drivers to the rest of Gatehouse: it registers
// each driver's connection kind (sim, seam), keeps the simulator's memory in the
// database, and gives handlers the few lock actions they may take (nudge the
// reconciler, add a lock of a kind, test credentials, work a door).
package wire

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/seam"
	"github.com/gatehouse/gatehouse/lock/sim"
)

// The reconciler persists through the database.
var _ lock.Store = (*db.DB)(nil)

// Kinds registers the connection kinds Gatehouse knows: the simulator s (its
// locks live in store) and Seam accounts, reached with hc.
func Kinds(store *db.DB, s *sim.Sim, hc *http.Client) *lock.Kinds {
	return lock.NewKinds(
		lock.Kind{
			Name:    "sim",
			Label:   "simulated",
			Connect: func(context.Context, db.Connection) (lock.Connector, error) { return s, nil },
			Home:    store.SimConnection,
			AddLock: s.AddLock,
			Door:    s,
		},
		lock.Kind{
			Name:  "seam",
			Label: "Seam",
			Connect: func(ctx context.Context, c db.Connection) (lock.Connector, error) {
				key, err := store.ConnectionSecret(ctx, c.ID)
				if err != nil {
					return nil, err
				}
				return seam.NewClient(c.BaseURL, key, hc), nil
			},
			Test: func(ctx context.Context, baseURL, apiKey string) ([]lock.Device, error) {
				return seam.NewClient(baseURL, apiKey, hc).ListLocks(ctx)
			},
		},
	)
}

// Side implements web.LockSide.
type Side struct {
	Store *db.DB
	Rec   *lock.Reconciler
	Kinds *lock.Kinds
	Zone  string // the server's zone, for new locks
}

// Nudge asks the reconciler to run now.
func (s *Side) Nudge() { s.Rec.Nudge() }

// NudgeEvents asks the reconciler to pull events now.
func (s *Side) NudgeEvents() { s.Rec.NudgeEvents() }

// errNoSuchAction is returned when a kind cannot do what was asked of it.
var errNoSuchAction = errors.New("wire: not something this kind of connection does")

// AddLock installs a lock of a kind whose locks Gatehouse makes and records it at
// once, so the owner lands on its page instead of waiting for the next
// discovery pass.
func (s *Side) AddLock(ctx context.Context, kind, name string) (int64, error) {
	k, ok := s.Kinds.Kind(kind)
	if !ok || k.AddLock == nil || k.Home == nil {
		return 0, fmt.Errorf("add a %s lock: %w", kind, errNoSuchAction)
	}
	conn, err := k.Home(ctx)
	if err != nil {
		return 0, err
	}
	deviceID, err := k.AddLock(ctx, name, s.Zone)
	if err != nil {
		return 0, err
	}
	c, err := k.Connect(ctx, conn)
	if err != nil {
		return 0, err
	}
	devices, err := c.ListLocks(ctx)
	if err != nil {
		return 0, err
	}
	for _, d := range devices {
		if d.ID == deviceID {
			l, err := s.Store.SyncLock(ctx, conn.ID, lock.StateOf(d), s.Zone)
			return l.ID, err
		}
	}
	return 0, fmt.Errorf("wire: new %s lock %s not listed", kind, deviceID)
}

// TestConnection checks credentials for a kind before they are saved, returning
// the locks they reach.
func (s *Side) TestConnection(ctx context.Context, kind, baseURL, secret string) ([]lock.Device, error) {
	k, ok := s.Kinds.Kind(kind)
	if !ok || k.Test == nil {
		return nil, fmt.Errorf("test a %s connection: %w", kind, errNoSuchAction)
	}
	return k.Test(ctx, baseURL, secret)
}

// KindLabel names a kind in words for owners; an unknown kind by its name.
func (s *Side) KindLabel(kind string) string {
	if k, ok := s.Kinds.Kind(kind); ok {
		return k.Label
	}
	return kind
}

// Door is what a person does at the locks of a kind; nil when Gatehouse cannot
// work its doors (real locks).
func (s *Side) Door(kind string) lock.Door {
	k, _ := s.Kinds.Kind(kind)
	return k.Door
}
