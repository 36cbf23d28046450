package domain

import (
	"strings"
	"testing"
)

// FuzzCheckPIN: whatever CheckPIN accepts is digits only, within the lock's
// lengths, not weak, and clashes with no other code; GeneratePIN's output always
// passes CheckPIN.
func FuzzCheckPIN(f *testing.F) {
	for _, s := range []string{"583920", "123456", "121212", "5839201", "", "a", "٣٣٣٣٣٣", "0000000000000"} {
		f.Add(s, "583920", 6, 8)
	}
	f.Fuzz(func(t *testing.T, pin, other string, lo, hi int) {
		rules := PINRules{MinLen: lo % 16, MaxLen: hi % 16}
		others := []string{other}
		if err := CheckPIN(pin, rules, others); err == nil {
			min, max := rules.Bounds()
			switch {
			case strings.Trim(pin, "0123456789") != "":
				t.Errorf("accepted non-digits %q", pin)
			case len(pin) < min || len(pin) > max:
				t.Errorf("accepted %q outside %d..%d", pin, min, max)
			case weakness(pin) != "":
				t.Errorf("accepted weak %q", pin)
			case other != "" && (strings.HasPrefix(other, pin) || strings.HasPrefix(pin, other)):
				t.Errorf("accepted %q clashing with %q", pin, other)
			}
		}
		n := 0
		if lo > 0 {
			n = lo % 16
		}
		if got, err := GeneratePIN(n, rules, others); err == nil {
			if err := CheckPIN(got, rules, others); err != nil {
				t.Errorf("generated %q fails its own check: %v", got, err)
			}
		}
	})
}
