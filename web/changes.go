package web

import (
	"errors"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/views"
	"github.com/gatehouse/gatehouse/web/paths"
)

// Changes to owners, passkeys, API tokens and connections stay on every
// admin's home page until that admin acknowledges them, one by one or all.

// homeChanges is how many unacknowledged changes the home lists.
const homeChanges = 20

func (s *Server) changesView(c echo.Context, owner db.Owner) (views.HomeChanges, error) {
	var v views.HomeChanges
	if !owner.Admin || owner.Pending() {
		return v, nil
	}
	entries, total, err := s.db.UnacknowledgedChanges(c.Request().Context(), owner.ID, homeChanges)
	if err != nil || total == 0 {
		return v, err
	}
	v.More = total - len(entries)
	v.Through = entries[0].ID
	for _, e := range entries {
		what, ok := auditWords[e.Action]
		if !ok {
			what = e.Action
		}
		who := e.Actor
		if who == "" {
			who = "Gatehouse"
		}
		v.Items = append(v.Items, views.HomeChange{ID: e.ID, What: what, Detail: e.Detail, Who: who, When: views.When(e.At)})
	}
	return v, nil
}

func (s *Server) acknowledgeChange(c echo.Context) error {
	a, _ := currentAuth(c)
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.db.AcknowledgeChange(c.Request().Context(), a.owner.ID, id); err != nil {
		return err
	}
	return redirect(c, paths.Home())
}

var errBadThrough = errors.New("bad through")

func (s *Server) acknowledgeChanges(c echo.Context) error {
	a, _ := currentAuth(c)
	through, err := strconv.ParseInt(c.FormValue("through"), 10, 64)
	if err != nil || through <= 0 {
		return redirect(c, paths.Home()) // nothing was shown, so nothing is acknowledged
	}
	if err := s.db.AcknowledgeChanges(c.Request().Context(), a.owner.ID, through); err != nil {
		return err
	}
	return redirect(c, paths.Home())
}
