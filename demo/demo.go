// Package demo makes up a world of months of plausible use, so that anyone can
// see Gatehouse full and measure it: simulated locks at a few rental
// properties, guests with stays, a cleaner and a neighbour with permanent
// codes, share links sent, opened and revealed, and as many events as asked
// for. `gatehouse seed-demo` runs it.
//
// Everything but the events goes through the store's ordinary methods and the
// simulator, on a clock set back to when each thing happened, so the locks are
// real simulated locks and the codes on them are what the reconciler would
// have left (on the lock now, removed after their stay, scheduled for later).
// The events go through db.SeedEvents in bulk (World.Events streams them);
// they are judged (guest, anomaly, counts, first use) exactly as ingest would
// judge them.
package demo

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/lock/sim"
	"github.com/gatehouse/gatehouse/lock/wire"
)

// Clock is the store's and the simulator's clock while the story is made:
// pass its Now to the store (db.WithClock) that New is given.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock is a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

func (c *Clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// Options say how big the world is.
type Options struct {
	Events int    // how many events to make
	Locks  int    // how many simulated locks
	Days   int    // how many days of history
	Seed   uint64 // seed of the random choices; the same seed makes the same story
}

// Stats counts what Build made.
type Stats struct {
	Locks, Guests, Accesses int
	OnLock                  int // codes on a simulated lock now
}

// Stats counts what Build made.
func (w *World) Stats() Stats {
	return Stats{Locks: len(w.doors), Guests: w.guests, Accesses: w.accesses, OnLock: w.onLock}
}

// World builds the story (Build), then streams its events (Events).
type World struct {
	ctx   context.Context
	store *db.DB
	clk   *Clock
	sims  *sim.Sim
	rng   *rand.Rand
	o     Options
	now   time.Time
	start time.Time // the first event may happen here

	props  []*property
	doors  []*door
	byLock map[int64]*door
	story  []db.SeedEvent // events the story needs, oldest first

	guests, accesses, onLock int
	simOps                   []simOp
	people                   []person // guests made so far, some come back
}

type person struct {
	id   int64
	name string
}

// simOp is a step on a simulated lock, run in time order with the others: the
// simulator's memory moves forward like a real lock's.
type simOp struct {
	at time.Time
	fn func() error
}

// New is a world to be built into store, whose clock is clk, with now as
// the present: the history ends there and bookings go on after it.
func New(ctx context.Context, store *db.DB, clk *Clock, o Options, now time.Time) *World {
	now = now.Truncate(time.Second)
	return &World{ctx: ctx, store: store, clk: clk, sims: wire.NewSim(store, clk.Now, 0), o: o,
		rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x6761746568)), now: now, start: now.AddDate(0, 0, -o.Days)}
}

// between is a random instant in [a, b).
func (w *World) between(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(w.rng.Int64N(int64(b.Sub(a)))))
}

func (w *World) chance(p float64) bool { return w.rng.Float64() < p }

// add puts an event in the story if it falls in the history and its lock could
// report it: a lock offline now still holds what happened since.
func (w *World) add(e db.SeedEvent) {
	if d := w.byLock[e.LockID]; d != nil && !d.downAt.IsZero() && !e.At.Before(d.downAt) {
		return
	}
	if e.At.Before(w.now) && !e.At.Before(w.start) {
		w.story = append(w.story, e)
	}
}

// Build makes the locks, guests, accesses, links and codes of the story,
// each at the moment it happened, and the story's own events, kept for Events.
func (w *World) Build() error {
	if err := w.makeLocks(); err != nil {
		return err
	}
	// The studio door went offline three hours ago (the fourth property's first).
	if len(w.props) > 3 {
		d := w.props[3].doors[0]
		d.downAt = w.now.Add(-3*time.Hour - time.Duration(w.rng.IntN(1800))*time.Second)
	}
	for i, p := range w.props {
		w.schedule(p, i)
	}
	if err := w.makePermanent(); err != nil {
		return err
	}
	if err := w.makeStays(); err != nil {
		return err
	}
	w.makeLockLife()
	slices.SortStableFunc(w.simOps, func(a, b simOp) int { return a.at.Compare(b.at) })
	for _, op := range w.simOps {
		w.clk.Set(op.at)
		if err := op.fn(); err != nil {
			return err
		}
	}
	return w.finishLocks()
}
