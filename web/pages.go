package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/views"
)

func (s *Server) home(c echo.Context) error {
	locks, err := s.db.Locks(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.Home(views.HomePage{Page: s.page(c, "Home", views.SectionHome), NoLocks: len(locks) == 0}))
}

func (s *Server) timelinePage(c echo.Context) error {
	return render(c, http.StatusOK, views.Timeline(s.page(c, "Timeline", views.SectionTimeline)))
}
