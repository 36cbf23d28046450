package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
)

// sessionCookieName uses the __Host- prefix over https, which pins the cookie to
// this host, path / and Secure.
func (s *Server) sessionCookieName() string {
	if s.cfg.secure() {
		return "__Host-gatehouse"
	}
	return "gatehouse"
}

func (s *Server) ceremonyCookieName() string {
	if s.cfg.secure() {
		return "__Host-gatehouse-ceremony"
	}
	return "gatehouse-ceremony"
}

func (s *Server) sessionLimits() db.SessionLimits {
	return db.SessionLimits{Idle: s.cfg.SessionIdle, Absolute: s.cfg.SessionAbsolute}
}

func (s *Server) setCookie(c echo.Context, name, value string, maxAge time.Duration, sameSite http.SameSite) {
	c.SetCookie(&http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: s.cfg.secure(), SameSite: sameSite,
	})
}

func (s *Server) setSessionCookie(c echo.Context, value string) {
	s.setCookie(c, s.sessionCookieName(), value, s.cfg.SessionAbsolute, http.SameSiteLaxMode)
}

func (s *Server) clearSessionCookie(c echo.Context) {
	s.setCookie(c, s.sessionCookieName(), "", -time.Second, http.SameSiteLaxMode)
}
