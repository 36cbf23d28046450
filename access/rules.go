package access

import (
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// PINRules are the code lengths a lock accepts, as stored with it.
func PINRules(l db.Lock) domain.PINRules {
	return domain.PINRules{MinLen: l.MinCodeLen, MaxLen: l.MaxCodeLen}
}

// CommonPINRules are the code lengths every one of locks accepts, since an
// access puts one code on all its doors: the longest of their minimums and the
// shortest of their maximums (each door's as PINRules(l).Bounds() reads it).
// MinLen > MaxLen says the doors share no length. No locks: the zero rules.
func CommonPINRules(locks []db.Lock) domain.PINRules {
	var r domain.PINRules
	for _, l := range locks {
		lo, hi := PINRules(l).Bounds()
		r.MinLen = max(r.MinLen, lo)
		if r.MaxLen == 0 || hi < r.MaxLen {
			r.MaxLen = hi
		}
	}
	return r
}

// DoorNames lists locks by name, as pages and audit lines name them:
// "Front door, Garage".
func DoorNames(locks []db.Lock) string {
	names := make([]string, 0, len(locks))
	for _, l := range locks {
		names = append(names, l.Name)
	}
	return strings.Join(names, ", ")
}

// lockZones lists the distinct zones of locks, in order of first appearance.
func lockZones(locks []db.Lock) []string {
	var out []string
	for _, l := range locks {
		if !slices.Contains(out, l.TimeZone) {
			out = append(out, l.TimeZone)
		}
	}
	return out
}
