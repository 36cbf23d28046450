package lock_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/db/dbtest"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/internal/testkit"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/sim"
	"github.com/gatehouse/gatehouse/lock/wire"
)

// simDelay is how long the simulated lock takes to land a change, on the test clock.
const simDelay = 2 * time.Second

// newClock is the injected clock shared by the store, the simulator and the reconciler.
func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) }

// env is a real store, the real simulator on the same clock, and a reconciler.
type env struct {
	t     *testing.T
	ctx   context.Context
	clk   *testkit.Clock
	store *db.DB
	sim   *sim.Sim
	r     *lock.Reconciler
}

type envOption func(*lock.Options, *env)

// withWrap puts a wrapper around the simulator as the connector the reconciler sees.
func withWrap(wrap func(lock.Connector) lock.Connector) envOption {
	return func(o *lock.Options, e *env) {
		connect := o.Connect
		o.Connect = func(ctx context.Context, c db.Connection) (lock.Connector, error) {
			conn, err := connect(ctx, c)
			if err != nil {
				return nil, err
			}
			return wrap(conn), nil
		}
	}
}

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	clk := newClock()
	store := dbtest.New(t, db.WithClock(clk.Now))
	e := &env{t: t, ctx: t.Context(), clk: clk, store: store, sim: wire.NewSim(store, clk.Now, simDelay)}
	if _, err := store.SimConnection(e.ctx); err != nil {
		t.Fatal(err)
	}
	o := e.options("test-a", e.sim)
	for _, opt := range opts {
		opt(&o, e)
	}
	e.r = lock.NewReconciler(o)
	return e
}

// options builds reconciler options whose connector for the sim connection is s.
func (e *env) options(holder string, s *sim.Sim) lock.Options {
	return lock.Options{
		Store: e.store,
		Connect: func(ctx context.Context, c db.Connection) (lock.Connector, error) {
			if c.Kind != "sim" {
				return nil, errors.New("no connector for " + c.Kind)
			}
			return s, nil
		},
		Now:         e.clk.Now,
		Holder:      holder,
		DefaultZone: "UTC",
		Log:         slog.New(slog.NewTextHandler(e.t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

func (e *env) pass() {
	e.t.Helper()
	if err := e.r.Pass(e.ctx); err != nil {
		e.t.Fatalf("pass: %v", err)
	}
}

func (e *env) pull() {
	e.t.Helper()
	if err := e.r.PullEvents(e.ctx); err != nil {
		e.t.Fatalf("pull events: %v", err)
	}
}

// addLock installs a simulated lock and lets a pass discover it.
func (e *env) addLock(name string) (db.Lock, string) {
	e.t.Helper()
	dev, err := e.sim.AddLock(e.ctx, name, "Europe/Lisbon")
	if err != nil {
		e.t.Fatal(err)
	}
	e.pass()
	return e.lockByDevice(dev), dev
}

func (e *env) lockByDevice(dev string) db.Lock {
	e.t.Helper()
	locks, err := e.store.Locks(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, l := range locks {
		if l.DeviceID == dev {
			return l
		}
	}
	e.t.Fatalf("lock %s not discovered", dev)
	return db.Lock{}
}

func (e *env) lock(id int64) db.Lock {
	e.t.Helper()
	l, err := e.store.Lock(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// newCode asks for a code; zero start and end make it permanent.
func (e *env) newCode(lockID int64, label, pin string, start, end time.Time) db.AccessCode {
	e.t.Helper()
	c, err := e.store.CreateAccessCode(e.ctx, db.NewAccessCode{LockID: lockID, Label: label, PIN: pin,
		StartsAt: start, EndsAt: end, TimeZone: "Europe/Lisbon"})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) code(id int64) db.AccessCode {
	e.t.Helper()
	c, err := e.store.AccessCode(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// wantStatus checks a code's status and last error ("*" accepts any non-empty error).
func (e *env) wantStatus(id int64, status domain.CodeStatus, lastErr string) db.AccessCode {
	e.t.Helper()
	c := e.code(id)
	if c.Status != status {
		e.t.Errorf("code %d status: got %q (error %q), want %q", id, c.Status, c.LastError, status)
	}
	switch {
	case lastErr == "*" && c.LastError == "":
		e.t.Errorf("code %d last error: got none, want one", id)
	case lastErr != "*" && c.LastError != lastErr:
		e.t.Errorf("code %d last error: got %q, want %q", id, c.LastError, lastErr)
	}
	return c
}

// onLock is what the simulated lock holds in its memory (set, setting or removing),
// read straight from its state without going through the connector.
func (e *env) onLock(dev string) []db.SimCode {
	e.t.Helper()
	codes, err := e.store.SimCodes(e.ctx, dev)
	if err != nil {
		e.t.Fatal(err)
	}
	return codes
}

func (e *env) attempts(codeID int64) []db.Attempt {
	e.t.Helper()
	as, err := e.store.Attempts(e.ctx, codeID, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	return as
}

// settle lets the simulated lock land pending changes and a pass observe them.
func (e *env) settle() {
	e.t.Helper()
	e.clk.Advance(simDelay)
	e.pass()
}

// hideNative is the real simulator seen as a lock without native schedules.
type hideNative struct{ lock.Connector }

func (h hideNative) ListLocks(ctx context.Context) ([]lock.Device, error) {
	ds, err := h.Connector.ListLocks(ctx)
	for i := range ds {
		ds[i].Caps.NativeSchedules = false
	}
	return ds, err
}
