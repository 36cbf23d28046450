package lock

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// The reconciler is the only code that writes to locks. What owners ask for is
// stored as desired state (db.AccessCode); each pass lists what every lock holds,
// compares, makes the calls needed to converge and records what it observed. All
// of its memory is in the database, so a restart (or another replica sharing the
// database) carries on where it stopped.
//
// Its work, by job: loop.go says when passes and event pulls run; this file is a
// pass over every connection; discover.go records the locks a connector lists;
// converge.go (with match.go and unmanaged.go) is one lock's pass under its
// lease; leases.go names lease holders and frees dead ones; codename.go is the
// marker that recognises our codes on a lock; events.go pulls events; store.go is
// what all of it needs of the database.

// Timing of the reconciler's work.
const (
	// LeaseTTL is how long a claim on a lock lasts. Work on one lock is cut off at
	// half of it (lockBudget), so a slow vendor never outlives the lease and the
	// other half absorbs clock skew between replicas.
	LeaseTTL   = 2 * time.Minute
	lockBudget = LeaseTTL / 2
	// EarlyPush is how long before its window opens a code is put on a lock that
	// enforces windows itself, so it works on time even if Gatehouse is down then.
	EarlyPush = 24 * time.Hour
	// settleAfterSet keeps a code that was just created from being created again
	// should a connector's list lag behind its create. It never delays a removal.
	settleAfterSet = time.Minute
	// writeTimeout bounds the store writes that record a call already made, which
	// run even when the pass is being cancelled.
	writeTimeout = 10 * time.Second

	maxErrText = 300 // bytes of an error message kept for owners
)

// Attempt actions recorded with db.RecordAttempt.
const (
	actionSet    = "set"
	actionRemove = "remove"
)

// authMessage is what owners see when a connector refuses its credentials.
const authMessage = "connection credentials rejected"

// Options configure a Reconciler.
type Options struct {
	Store       Store
	Connect     func(ctx context.Context, c db.Connection) (Connector, error) // built in cmd wiring (sim, seam)
	Now         func() time.Time                                              // injected clock; nil: the store's
	Interval    time.Duration                                                 // reconcile timer; default 15s
	EventEvery  time.Duration                                                 // event pull timer; default 30s
	Holder      string                                                        // lease holder id, unique per process; default host-pid-random
	DefaultZone string                                                        // zone for locks whose connector reports none; default domain.ServerZone()
	Log         *slog.Logger                                                  // nil: slog.Default()
	// Jitter spreads a retry delay (Jitter, in production); nil keeps exact delays.
	Jitter func(time.Duration) time.Duration
}

// Reconciler converges locks on the desired state in the store and pulls their
// events. Run drives it on timers; tests call Pass and PullEvents step by step.
type Reconciler struct {
	store       Store
	connect     func(ctx context.Context, c db.Connection) (Connector, error)
	now         func() time.Time
	interval    time.Duration
	eventEvery  time.Duration
	holder      string
	zone        string
	log         *slog.Logger
	jitter      func(time.Duration) time.Duration
	nudge       chan struct{}
	nudgeEvents chan struct{}
	// A lease is per holder, so one process must not run two passes at once:
	// both would hold every lease. The mutexes serialise them.
	passMu sync.Mutex
	pullMu sync.Mutex
}

// NewReconciler fills in defaults; it starts nothing.
func NewReconciler(o Options) *Reconciler {
	r := &Reconciler{
		store:       o.Store,
		connect:     o.Connect,
		now:         o.Now,
		interval:    cmp.Or(o.Interval, 15*time.Second),
		eventEvery:  cmp.Or(o.EventEvery, 30*time.Second),
		holder:      o.Holder,
		zone:        o.DefaultZone,
		log:         o.Log,
		jitter:      o.Jitter,
		nudge:       make(chan struct{}, 1),
		nudgeEvents: make(chan struct{}, 1),
	}
	if r.now == nil {
		r.now = o.Store.Now
	}
	if r.holder == "" {
		r.holder = DefaultHolder()
	}
	if !domain.ValidZone(r.zone) {
		r.zone = domain.ServerZone()
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	r.log = r.log.With(slog.String("component", "reconciler"))
	return r
}

// Pass runs discovery on every connection and reconciles every lock it may claim.
// Connector failures are recorded for owners (connection, lock and code errors)
// and do not stop the pass; the error returned is about the store or ctx.
func (r *Reconciler) Pass(ctx context.Context) error {
	r.passMu.Lock()
	defer r.passMu.Unlock()
	conns, err := r.store.Connections(ctx)
	if err != nil {
		return err
	}
	// Foreign codes and removal requests of every lock, read once: a request
	// made during the pass is seen by the next one.
	all, err := r.store.UnmanagedCodes(ctx, 0)
	if err != nil {
		return err
	}
	unmanaged := make(map[int64][]db.UnmanagedCode)
	for _, u := range all {
		unmanaged[u.LockID] = append(unmanaged[u.LockID], u)
	}
	var errs []error
	for _, c := range conns {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.passConnection(ctx, c, unmanaged); err != nil {
			errs = append(errs, fmt.Errorf("connection %d: %w", c.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (r *Reconciler) passConnection(ctx context.Context, c db.Connection, unmanaged map[int64][]db.UnmanagedCode) error {
	log := r.log.With(slog.Int64("connection_id", c.ID), slog.String("connection_kind", c.Kind))
	conn, err := r.connect(ctx, c)
	if err != nil {
		log.Warn("connect failed", slog.String("error", err.Error()))
		return r.store.MarkConnectionSync(ctx, c.ID, errText(err))
	}
	locks, err := r.discover(ctx, conn, c, log)
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range locks {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.reconcileLock(ctx, conn, l, unmanaged[l.ID], log); err != nil {
			errs = append(errs, fmt.Errorf("lock %d: %w", l.ID, err))
		}
	}
	return errors.Join(errs...)
}

// errText is an error as owners see it, bounded in length.
func errText(err error) string {
	return clip(err.Error())
}

func clip(s string) string {
	if len(s) <= maxErrText {
		return s
	}
	cut := maxErrText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
