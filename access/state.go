package access

import (
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// State is where an access stands at a moment.
type State int

const (
	Active    State = iota // its window is open
	Upcoming               // its window opens later
	Permanent              // it has no window
	Ended                  // its window closed
	Revoked                // an owner ended it
	Replaced               // a rotation replaced it with a new code
)

// StateOf says where a stands at now.
func StateOf(a db.Access, now time.Time) State {
	switch {
	case !a.RevokedAt.IsZero() && a.RotatedTo != 0:
		return Replaced
	case !a.RevokedAt.IsZero():
		return Revoked
	case a.Permanent():
		return Permanent
	case !a.EndsAt.IsZero() && !now.Before(a.EndsAt):
		return Ended
	case !a.StartsAt.IsZero() && now.Before(a.StartsAt):
		return Upcoming
	}
	return Active
}

// Live reports whether an access in this state can still open its doors, now
// or later: only a live access takes a new link, a rotation or new dates.
func (st State) Live() bool { return st == Active || st == Upcoming || st == Permanent }

func (s *Service) live(a db.Access) bool { return StateOf(a, s.now()).Live() }
