package sim

import (
	"fmt"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
)

// checkSpec checks what the lock checks before looking at its other codes. The
// messages name the rule broken and never the PIN.
func checkSpec(spec lock.CodeSpec) error {
	for _, r := range spec.PIN {
		if r < '0' || r > '9' {
			return rejected("a PIN may only hold the digits 0 to 9")
		}
	}
	if n := len(spec.PIN); n < MinCodeLen || n > MaxCodeLen {
		return rejected(fmt.Sprintf("a PIN must be %d to %d digits long, this one has %d", MinCodeLen, MaxCodeLen, n))
	}
	w := spec.Window
	if !w.Start.IsZero() && !w.End.IsZero() && !w.End.After(w.Start) {
		return rejected("the code's window ends before it starts")
	}
	return nil
}

// checkFits checks a PIN against the codes the lock holds or is about to hold or
// let go of: all of them occupy a slot and sit in the keypad's memory until their
// removal lands. A PIN that starts with another (or that another starts with) is
// refused because the keypad would open on the shorter one as soon as it is typed.
func checkFits(pin string, codes []HeldCode, slots int) error {
	for _, c := range codes {
		switch {
		case c.PIN == pin:
			return duplicate("another code on the lock has the same PIN")
		case domain.PINsClash(c.PIN, pin):
			return duplicate("this PIN and another code's PIN start the same way, so the shorter one would open the door first")
		}
	}
	if len(codes) >= slots {
		return &lock.Error{Kind: lock.Permanent, Vendor: vendor, Code: "slots_full",
			Message: fmt.Sprintf("all %d code slots on the lock are in use", slots)}
	}
	return nil
}

func rejected(msg string) error {
	return &lock.Error{Kind: lock.Permanent, Vendor: vendor, Code: "code_rejected", Message: msg}
}

func duplicate(msg string) error {
	return &lock.Error{Kind: lock.Permanent, Vendor: vendor, Code: "duplicate_code", Message: msg}
}
