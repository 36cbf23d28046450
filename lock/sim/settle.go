package sim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/domain"
)

// settle lands the lock's queued changes whose time has come: a code being set
// becomes set, a code being removed disappears, each with its event dated when it
// landed, not when someone looked. Callers only settle an online lock (a change
// cannot reach a lock that is offline; see requeue) and settle before appending
// anything else, so the event log stays in time order.
func settle(ctx context.Context, t Tx, l LockState, now time.Time) error {
	codes, err := t.Codes(ctx, l.DeviceID)
	if err != nil {
		return err
	}
	var due []HeldCode
	for _, c := range codes {
		if c.State != StateSet && !c.ReadyAt.After(now) {
			due = append(due, c)
		}
	}
	slices.SortFunc(due, func(a, b HeldCode) int {
		return cmpTimeThen(a.ReadyAt, b.ReadyAt, a.CodeID, b.CodeID)
	})
	for _, c := range due {
		ev := LogEntry{DeviceID: l.DeviceID, CodeID: c.CodeID, At: c.ReadyAt, Detail: c.Name}
		switch c.State {
		case StateSetting:
			ev.Kind = domain.EventCodeSet
			err = t.SetCodeState(ctx, l.DeviceID, c.CodeID, StateSet, c.ReadyAt)
		case StateRemoving:
			ev.Kind = domain.EventCodeRemoved
			err = t.DeleteCode(ctx, l.DeviceID, c.CodeID)
		default:
			return fmt.Errorf("sim: code %s in unknown state %q", c.CodeID, c.State)
		}
		if err != nil {
			return err
		}
		if _, err := t.AppendEvent(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// requeue runs when a lock comes back online: changes that fell due while it was
// offline never reached it, so they are sent again and land one delay from now.
func requeue(ctx context.Context, t Tx, deviceID string, readyAt time.Time) error {
	codes, err := t.Codes(ctx, deviceID)
	if err != nil {
		return err
	}
	for _, c := range codes {
		if c.State == StateSet || !c.ReadyAt.Before(readyAt) {
			continue
		}
		if err := t.SetCodeState(ctx, deviceID, c.CodeID, c.State, readyAt); err != nil {
			return err
		}
	}
	return nil
}

func cmpTimeThen(a, b time.Time, x, y string) int {
	if c := a.Compare(b); c != 0 {
		return c
	}
	return strings.Compare(x, y)
}
