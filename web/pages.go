package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/views"
)

func (s *Server) home(c echo.Context) error {
	has, err := s.db.HasLocks(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.Home(views.HomePage{Page: s.page(c, "Home", views.SectionHome), NoLocks: !has}))
}

func (s *Server) timelinePage(c echo.Context) error {
	return render(c, http.StatusOK, views.Timeline(s.page(c, "Timeline", views.SectionTimeline)))
}
