package web

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/views"
)

// page is the frame every owner page shares: its title, its place in the
// navigation and who is signed in.
func (s *Server) page(c echo.Context, title string, section views.Section) views.Page {
	a, _ := currentAuth(c)
	return views.Page{Title: title, Section: section, Owner: a.owner.Name, Admin: a.owner.Admin && !a.owner.Pending(),
		Pending: a.owner.Pending()}
}

// fresh tells a page whether the owner re-authenticated recently enough for
// the sensitive actions it offers, and until when.
func (s *Server) fresh(a auth) views.Fresh {
	if !s.isFresh(a) {
		return views.Fresh{}
	}
	return views.Fresh{OK: true, Until: a.session.ReauthAt.Add(FreshFor).Local().Format("15:04")}
}

// pathID reads the :id of the path; anything but a positive number is a 404,
// as a missing row would be.
func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}
