package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/views"
)

// The simulated lock's panel: what a person does at the door. These handlers act
// on the simulator's own state (the "physical" lock), not through a connector;
// the reconciler then sees the result like it would on a real lock.

// simLock loads the URL's lock with its door, and refuses locks whose door
// Gatehouse cannot work (real locks).
func (s *Server) simLock(c echo.Context) (db.Lock, lock.Door, error) {
	l, err := s.lockFromPath(c)
	if err != nil {
		return l, nil, err
	}
	door := s.locks.Door(l.ConnectionKind)
	if door == nil {
		return l, nil, echo.ErrNotFound
	}
	return l, door, nil
}

func (s *Server) simKeypad(c echo.Context) error {
	l, door, err := s.simLock(c)
	if err != nil {
		return err
	}
	pin := strings.TrimSpace(c.FormValue("pin"))
	res, err := door.Keypad(c.Request().Context(), l.DeviceID, pin)
	if err != nil {
		return err
	}
	s.locks.NudgeEvents()
	return s.keypadPanel(c, l, l.Online, s.ownLabel(c, res.Message, res.CodeName), res.Outcome)
}

// ownLabel shows a code by the label the owner gave it rather than by the name
// Gatehouse wrote on the lock, which carries its "· gh-12" marker.
func (s *Server) ownLabel(c echo.Context, msg, nameOnLock string) string {
	id, ok := lock.ParseMarker(nameOnLock)
	if !ok {
		return msg
	}
	k, err := s.db.AccessCode(c.Request().Context(), id)
	if err != nil {
		return msg
	}
	return strings.ReplaceAll(msg, nameOnLock, k.Label+"'s code")
}

func (s *Server) simSwitch(c echo.Context) error {
	l, door, err := s.simLock(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	online, msg := l.Online, ""
	switch c.Param("action") {
	case "offline":
		err, online, msg = door.SetOnline(ctx, l.DeviceID, false), false, "The lock is offline: Gatehouse cannot reach it, but its keypad still works."
	case "online":
		err, online, msg = door.SetOnline(ctx, l.DeviceID, true), true, "The lock is back online."
	case "battery":
		err, msg = door.ReplaceBatteries(ctx, l.DeviceID), "New batteries fitted."
	case "lock":
		err, msg = door.LockNow(ctx, l.DeviceID), "Door locked."
	default:
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	s.locks.Nudge()
	s.locks.NudgeEvents()
	return s.keypadPanel(c, l, online, msg, "")
}

// keypadPanel answers htmx with the panel, and plain forms with the whole page.
func (s *Server) keypadPanel(c echo.Context, l db.Lock, online bool, msg string, outcome domain.EventKind) error {
	k := views.KeypadPanel{LockID: l.ID, Online: online, Message: msg, Outcome: outcome}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.Keypad(k))
	}
	p, err := s.lockView(c, l)
	if err != nil {
		return err
	}
	p.Keypad = k
	return render(c, http.StatusOK, views.Lock(p))
}
