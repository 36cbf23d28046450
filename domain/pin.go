package domain

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// PINRules are what a lock accepts; zero lengths fall back to 4..12 digits.
type PINRules struct {
	MinLen, MaxLen int
}

// Bounds returns the lengths the rules allow.
func (r PINRules) Bounds() (int, int) {
	lo, hi := r.MinLen, r.MaxLen
	if lo <= 0 {
		lo = 4
	}
	if hi <= 0 || hi < lo {
		hi = max(lo, 12)
	}
	return lo, hi
}

// PINError says why a PIN is refused, in words an owner can act on.
type PINError struct{ Reason string }

func (e *PINError) Error() string { return e.Reason }

// CheckPIN refuses PINs a lock would reject and PINs that are easy to guess or
// clash with codes already on the lock (others).
func CheckPIN(pin string, r PINRules, others []string) error {
	lo, hi := r.Bounds()
	switch {
	case pin == "":
		return &PINError{"Enter a code, or leave it to Gatehouse to generate one."}
	case strings.Trim(pin, "0123456789") != "":
		return &PINError{"Use digits only."}
	case len(pin) < lo || len(pin) > hi:
		if lo == hi {
			return &PINError{fmt.Sprintf("This lock takes codes of exactly %d digits.", lo)}
		}
		return &PINError{fmt.Sprintf("This lock takes codes of %d to %d digits.", lo, hi)}
	}
	if reason := weakness(pin); reason != "" {
		return &PINError{reason}
	}
	for _, o := range others {
		switch {
		case o == pin:
			return &PINError{"This code is already on the lock for someone else."}
		case PINsClash(o, pin):
			return &PINError{"This code starts with another code on the lock (or the other way round), so the keypad would open on the shorter one."}
		}
	}
	return nil
}

// PINsClash reports whether two PINs cannot share a keypad: they are the same,
// or one starts with the other, and a keypad accepts the shorter one as soon as
// it is typed.
func PINsClash(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }

// weakness names a guessable pattern in pin, or returns "".
func weakness(pin string) string {
	if strings.Count(pin, pin[:1]) == len(pin) {
		return "A code of one repeated digit is too easy to guess."
	}
	up, down := true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		up = up && (d == 1 || d == -9)     // 7890 counts as a run
		down = down && (d == -1 || d == 9) // so does 1098
	}
	if up || down {
		return "A run of consecutive digits (like 123456) is too easy to guess."
	}
	// A repeated unit: 121212, 123123, 12341234, 4545.
	for unit := 2; unit <= len(pin)/2; unit++ {
		if len(pin)%unit == 0 && strings.Repeat(pin[:unit], len(pin)/unit) == pin {
			return "A repeated pattern (like 121212 or 123123) is too easy to guess."
		}
	}
	return ""
}

// ErrNoPIN is returned when no acceptable PIN could be generated, which only
// happens when a lock is nearly full of codes.
var ErrNoPIN = errors.New("no acceptable code could be generated for this lock")

// GeneratePIN returns a random PIN of length n (or the rules' minimum when n is 0)
// from crypto/rand that passes CheckPIN against others.
func GeneratePIN(n int, r PINRules, others []string) (string, error) {
	lo, hi := r.Bounds()
	if n == 0 {
		n = lo
	}
	if n < lo || n > hi {
		return "", &PINError{fmt.Sprintf("This lock takes codes of %d to %d digits.", lo, hi)}
	}
	ten := big.NewInt(10)
	b := make([]byte, n)
	for range 1000 {
		for i := range b {
			d, err := rand.Int(rand.Reader, ten)
			if err != nil {
				return "", err
			}
			b[i] = byte('0' + d.Int64())
		}
		if CheckPIN(string(b), r, others) == nil {
			return string(b), nil
		}
	}
	return "", ErrNoPIN
}
