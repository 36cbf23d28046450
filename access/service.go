package access

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// Service gives, moves and ends access. It is safe for concurrent use: it
// holds no state of its own beyond its dependencies.
type Service struct {
	store Store
	nudge func()           // wakes the reconciler after a change it must carry to the locks
	now   func() time.Time // the clock windows and liveness are judged by
}

// New builds the service. nudge is called after every change the locks must
// follow (a nil nudge does nothing); now is the clock, the store's own in
// production so that pages and writes agree on the time.
func New(store Store, nudge func(), now func() time.Time) *Service {
	if nudge == nil {
		nudge = func() {}
	}
	return &Service{store: store, nudge: nudge, now: now}
}

// Target is the access an action is about, with its guest and doors, as the
// caller read it. Actions judge it as read (is it live?) and the write judges
// it again as stored, so a change made meanwhile is found, not overwritten.
type Target struct {
	Access db.Access
	Guest  db.Guest
	Locks  []db.Lock
}

// Load reads an access with its guest and doors. db.ErrNotFound when there is
// no such access.
func (s *Service) Load(ctx context.Context, id int64) (Target, error) {
	a, err := s.store.Access(ctx, id)
	if err != nil {
		return Target{}, err
	}
	g, err := s.store.Guest(ctx, a.GuestID)
	if err != nil {
		return Target{Access: a}, err
	}
	locks, err := s.store.AccessLocks(ctx, a.ID)
	if err != nil {
		return Target{Access: a, Guest: g}, err
	}
	return Target{Access: a, Guest: g, Locks: locks}, nil
}
