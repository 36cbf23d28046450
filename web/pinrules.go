package web

import (
	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// commonPINRules are the code lengths every one of locks accepts, since an
// access puts one code on all its doors: the longest of their minimums and the
// shortest of their maximums (each door's as pinRules(l).Bounds() reads it).
// MinLen > MaxLen says the doors share no length. No locks: the zero rules.
func commonPINRules(locks []db.Lock) domain.PINRules {
	var r domain.PINRules
	for _, l := range locks {
		lo, hi := pinRules(l).Bounds()
		r.MinLen = max(r.MinLen, lo)
		if r.MaxLen == 0 || hi < r.MaxLen {
			r.MaxLen = hi
		}
	}
	return r
}
