package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
)

// What a person does to the physical lock: install it, cut its Wi-Fi, change its
// batteries, type on its keypad, press its lock button. The lock page calls these;
// the reconciler never does. They work while the lock is offline, as the lock's own
// hardware does; only its events wait until it is back.

// Keypad behaviour, as on a Lockly: three wrong codes in a row disable the keypad.
const (
	WrongBeforeSafeMode = 3
	SafeModeFor         = 5 * time.Minute
)

// Battery behaviour: each unlock costs a little, and crossing LowBattery is reported once.
const (
	UnlockDrain = 0.002 // 0.2% per unlock
	LowBattery  = 0.20
)

// Keypad outcomes.
const (
	OutcomeUnlocked = domain.EventUnlocked
	OutcomeDenied   = domain.EventDenied
	OutcomeSafeMode = domain.EventSafeMode
)

// AddLock installs a new simulated lock: online, locked, fresh batteries. timeZone is
// an IANA name; the lock enforces code windows as absolute instants, the zone is for
// showing them.
func (s *Sim) AddLock(ctx context.Context, name, timeZone string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", errors.New("sim: a lock needs a name")
	}
	if timeZone == "" {
		return "", errors.New("sim: a lock needs a time zone")
	}
	if !domain.ValidZone(timeZone) {
		return "", fmt.Errorf("sim: unknown time zone %q", timeZone)
	}
	l, err := s.store.CreateLock(ctx, LockState{
		DeviceID: newID("simlock_"),
		Name:     name,
		Online:   true,
		Battery:  1,
		Firmware: Firmware,
		Slots:    Slots,
		TimeZone: timeZone,
		Locked:   true,
	})
	if err != nil {
		return "", err
	}
	return l.DeviceID, nil
}

// SetOnline connects or disconnects the lock, with an online or offline event.
// Going offline first lands whatever was due, since it reached the lock in time;
// coming back resends what fell due while it was away. Setting the state it is
// already in does nothing.
func (s *Sim) SetOnline(ctx context.Context, deviceID string, online bool) error {
	now := s.now()
	return s.store.Update(ctx, func(t Tx) error {
		l, err := lockIn(ctx, t, deviceID)
		if err != nil || l.Online == online {
			return err
		}
		kind := domain.EventOnline
		if online {
			if err := requeue(ctx, t, deviceID, s.readyAt(now)); err != nil {
				return err
			}
		} else {
			kind = domain.EventOffline
			if err := settle(ctx, t, l, now); err != nil {
				return err
			}
		}
		if err := t.SetOnline(ctx, deviceID, online); err != nil {
			return err
		}
		if _, err := t.AppendEvent(ctx, LogEntry{DeviceID: deviceID, Kind: kind, At: now}); err != nil {
			return err
		}
		if online {
			l.Online = true
			return settle(ctx, t, l, now) // with no delay, resent changes land now
		}
		return nil
	})
}

// ReplaceBatteries puts fresh batteries in: full charge, and a later drain below
// LowBattery is reported again.
func (s *Sim) ReplaceBatteries(ctx context.Context, deviceID string) error {
	return s.store.Update(ctx, func(t Tx) error {
		if _, err := lockIn(ctx, t, deviceID); err != nil {
			return err
		}
		return t.SetBattery(ctx, deviceID, 1)
	})
}

// LockNow is the lock button on the outside: the bolt throws, with a manual
// locked event, whatever state the door was in.
func (s *Sim) LockNow(ctx context.Context, deviceID string) error {
	now := s.now()
	return s.store.Update(ctx, func(t Tx) error {
		l, err := s.wake(ctx, t, deviceID, now)
		if err != nil {
			return err
		}
		if err := t.SetKeypad(ctx, deviceID, l.WrongInARow, l.SafeModeUntil, true); err != nil {
			return err
		}
		_, err = t.AppendEvent(ctx, LogEntry{DeviceID: deviceID, Kind: domain.EventLocked,
			Method: domain.MethodManual, At: now})
		return err
	})
}

// Keypad types pin on the lock's keypad. Only a code that has landed on the lock
// (state set, not one still setting or already being removed) and whose window
// contains now opens the door. The attempt is decided and recorded in one
// transaction, so two people typing at once are counted one after the other: of
// two wrong codes after one wrong, exactly one is the third.
func (s *Sim) Keypad(ctx context.Context, deviceID, pin string) (lock.KeypadResult, error) {
	// Input a keypad cannot produce is answered, not counted: the panel is a web
	// form, and a typo there is not a wrong code at the door.
	if pin == "" || strings.Trim(pin, "0123456789") != "" {
		return lock.KeypadResult{Outcome: OutcomeDenied, Message: "The keypad only has the digits 0 to 9"}, nil
	}
	now := s.now()
	var res lock.KeypadResult
	err := s.store.Update(ctx, func(t Tx) error {
		l, err := s.wake(ctx, t, deviceID, now)
		if err != nil {
			return err
		}
		k := keypad{t: t, l: l, now: now}
		if now.Before(l.SafeModeUntil) {
			res, err = k.refuse(ctx)
			return err
		}
		codes, err := t.Codes(ctx, deviceID)
		if err != nil {
			return err
		}
		for _, c := range codes {
			// PINs on one lock never prefix each other (checkFits), so equality is
			// the whole match.
			if c.State != StateSet || c.PIN != pin {
				continue
			}
			if !inWindow(c, now) {
				res, err = k.outsideWindow(ctx, c)
				return err
			}
			res, err = k.unlock(ctx, c)
			return err
		}
		res, err = k.wrong(ctx)
		return err
	})
	if err != nil {
		return lock.KeypadResult{}, err
	}
	return res, nil
}

// wake loads the lock for a physical action and, when it is online, lands its due
// changes first, so a code that has just arrived already works at the keypad.
func (s *Sim) wake(ctx context.Context, t Tx, deviceID string, now time.Time) (LockState, error) {
	l, err := lockIn(ctx, t, deviceID)
	if err != nil || !l.Online {
		return l, err
	}
	return l, settle(ctx, t, l, now)
}

// keypad is one attempt at the keypad, inside its transaction.
type keypad struct {
	t   Tx
	l   LockState
	now time.Time
}

func (k keypad) event(ctx context.Context, kind domain.EventKind, codeID, detail string) error {
	_, err := k.t.AppendEvent(ctx, LogEntry{DeviceID: k.l.DeviceID, Kind: kind, Method: domain.MethodKeypad,
		CodeID: codeID, At: k.now, Detail: detail})
	return err
}

// refuse is any attempt during safe mode: not judged, not counted.
func (k keypad) refuse(ctx context.Context) (lock.KeypadResult, error) {
	if err := k.event(ctx, domain.EventDenied, "", "safe mode"); err != nil {
		return lock.KeypadResult{}, err
	}
	return lock.KeypadResult{Outcome: OutcomeSafeMode, Message: k.safeModeMessage(k.l.SafeModeUntil)}, nil
}

// outsideWindow is a real code used too early or too late. It does not count
// towards safe mode: the PIN is right, only the time is wrong.
func (k keypad) outsideWindow(ctx context.Context, c HeldCode) (lock.KeypadResult, error) {
	if err := k.event(ctx, domain.EventDenied, c.CodeID, "code outside its schedule"); err != nil {
		return lock.KeypadResult{}, err
	}
	return lock.KeypadResult{Outcome: OutcomeDenied, CodeID: c.CodeID, CodeName: c.Name,
		Message: quote(c.Name) + " does not work at this time (outside its schedule)"}, nil
}

// unlock opens the door with c: the wrong count starts over and the battery pays
// for the motor, reporting once when it drops below LowBattery.
func (k keypad) unlock(ctx context.Context, c HeldCode) (lock.KeypadResult, error) {
	if err := k.t.SetKeypad(ctx, k.l.DeviceID, 0, k.l.SafeModeUntil, false); err != nil {
		return lock.KeypadResult{}, err
	}
	if err := k.event(ctx, domain.EventUnlocked, c.CodeID, ""); err != nil {
		return lock.KeypadResult{}, err
	}
	// Rounded so that repeated drains do not accumulate float error, and a lock at
	// exactly 20% is not yet low.
	battery := max(0, math.Round((k.l.Battery-UnlockDrain)*1e4)/1e4)
	if err := k.t.SetBattery(ctx, k.l.DeviceID, battery); err != nil {
		return lock.KeypadResult{}, err
	}
	if k.l.Battery >= LowBattery && battery < LowBattery {
		_, err := k.t.AppendEvent(ctx, LogEntry{DeviceID: k.l.DeviceID, Kind: domain.EventBatteryLow, At: k.now,
			Detail: fmt.Sprintf("battery at %.0f%%", battery*100)})
		if err != nil {
			return lock.KeypadResult{}, err
		}
	}
	return lock.KeypadResult{Outcome: OutcomeUnlocked, CodeID: c.CodeID, CodeName: c.Name,
		Message: "Unlocked with " + quote(c.Name)}, nil
}

// wrong is a PIN the keypad does not know. The third in a row starts safe mode and
// the count starts over for when it ends.
func (k keypad) wrong(ctx context.Context) (lock.KeypadResult, error) {
	n := k.l.WrongInARow + 1
	if err := k.event(ctx, domain.EventDenied, "", "wrong code"); err != nil {
		return lock.KeypadResult{}, err
	}
	if n < WrongBeforeSafeMode {
		if err := k.t.SetKeypad(ctx, k.l.DeviceID, n, k.l.SafeModeUntil, k.l.Locked); err != nil {
			return lock.KeypadResult{}, err
		}
		return lock.KeypadResult{Outcome: OutcomeDenied,
			Message: fmt.Sprintf("Wrong code (%d of %d before safe mode)", n, WrongBeforeSafeMode)}, nil
	}
	until := k.now.Add(SafeModeFor)
	if err := k.t.SetKeypad(ctx, k.l.DeviceID, 0, until, k.l.Locked); err != nil {
		return lock.KeypadResult{}, err
	}
	_, err := k.t.AppendEvent(ctx, LogEntry{DeviceID: k.l.DeviceID, Kind: domain.EventSafeMode,
		Method: domain.MethodKeypad, At: k.now,
		Detail: fmt.Sprintf("%d wrong codes in a row; keypad disabled for %d minutes", n, int(SafeModeFor/time.Minute))})
	if err != nil {
		return lock.KeypadResult{}, err
	}
	return lock.KeypadResult{Outcome: OutcomeSafeMode, Message: k.safeModeMessage(until)}, nil
}

// safeModeMessage tells the person at the door until when, in the lock's own zone.
func (k keypad) safeModeMessage(until time.Time) string {
	return "Safe mode: the keypad is disabled until " + until.In(domain.ZoneOf(k.l.TimeZone)).Format("15:04")
}

// inWindow reports whether c may open the door at now; a missing bound is open.
func inWindow(c HeldCode, now time.Time) bool {
	return (c.StartsAt.IsZero() || !now.Before(c.StartsAt)) && (c.EndsAt.IsZero() || now.Before(c.EndsAt))
}

func quote(name string) string {
	if name == "" {
		return "an unnamed code"
	}
	return "“" + name + "”"
}
