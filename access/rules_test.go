package access

import (
	"testing"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

func TestCommonPINRules(t *testing.T) {
	door := func(lo, hi int) db.Lock { return db.Lock{MinCodeLen: lo, MaxCodeLen: hi} }
	for _, tc := range []struct {
		name  string
		locks []db.Lock
		want  domain.PINRules
	}{
		{"no doors", nil, domain.PINRules{}},
		{"one door", []db.Lock{door(6, 8)}, domain.PINRules{MinLen: 6, MaxLen: 8}},
		{"lengths unknown", []db.Lock{door(0, 0)}, domain.PINRules{MinLen: 4, MaxLen: 12}},
		{"only a minimum", []db.Lock{door(6, 0)}, domain.PINRules{MinLen: 6, MaxLen: 12}},
		{"overlap", []db.Lock{door(4, 8), door(6, 12), door(5, 10)}, domain.PINRules{MinLen: 6, MaxLen: 8}},
		{"order does not matter", []db.Lock{door(5, 10), door(6, 12), door(4, 8)}, domain.PINRules{MinLen: 6, MaxLen: 8}},
		{"no common length", []db.Lock{door(4, 5), door(6, 8)}, domain.PINRules{MinLen: 6, MaxLen: 5}},
	} {
		if got := CommonPINRules(tc.locks); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
