// Package wire connects the lock drivers to the rest of Gatehouse: it builds the
// connector for each stored connection, and gives handlers the few lock actions
// they may take (nudge the reconciler, add or press a simulated lock, test a key).
package wire

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/seam"
	"github.com/gatehouse/gatehouse/lock/sim"
)

// Connect returns the factory the reconciler uses to reach each connection.
func Connect(store *db.DB, s *sim.Sim, hc *http.Client) func(context.Context, db.Connection) (lock.Connector, error) {
	return func(ctx context.Context, c db.Connection) (lock.Connector, error) {
		switch c.Kind {
		case "sim":
			return s, nil
		case "seam":
			key, err := store.ConnectionSecret(ctx, c.ID)
			if err != nil {
				return nil, err
			}
			return seam.NewClient(c.BaseURL, key, hc), nil
		}
		return nil, fmt.Errorf("wire: unknown connection kind %q", c.Kind)
	}
}

// Side implements web.LockSide.
type Side struct {
	Store *db.DB
	Rec   *lock.Reconciler
	Sims  *sim.Sim
	HTTP  *http.Client
	Zone  string // the server's zone, for new simulated locks
}

// Nudge asks the reconciler to run now.
func (s *Side) Nudge() { s.Rec.Nudge() }

// NudgeEvents asks the reconciler to pull events now.
func (s *Side) NudgeEvents() { s.Rec.NudgeEvents() }

// Sim is the simulated locks' physical side.
func (s *Side) Sim() *sim.Sim { return s.Sims }

// AddSimLock creates a simulated lock and records it at once, so the owner lands
// on its page instead of waiting for the next discovery pass.
func (s *Side) AddSimLock(ctx context.Context, name string) (int64, error) {
	conn, err := s.Store.SimConnection(ctx)
	if err != nil {
		return 0, err
	}
	deviceID, err := s.Sims.AddLock(ctx, name, s.Zone)
	if err != nil {
		return 0, err
	}
	devices, err := s.Sims.ListLocks(ctx)
	if err != nil {
		return 0, err
	}
	for _, d := range devices {
		if d.ID == deviceID {
			l, err := s.Store.SyncLock(ctx, conn.ID, lock.StateOf(d), s.Zone)
			return l.ID, err
		}
	}
	return 0, fmt.Errorf("wire: new simulated lock %s not listed", deviceID)
}

// TestSeam checks an API key by listing the locks it can see.
func (s *Side) TestSeam(ctx context.Context, baseURL, apiKey string) ([]lock.Device, error) {
	return seam.NewClient(baseURL, apiKey, s.HTTP).ListLocks(ctx)
}
