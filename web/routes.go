package web

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/gatehouse/gatehouse/static"
)

// routes is the one table of every route, grouped by who may call it.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = ipExtractor(s.cfg.TrustedProxies)
	e.HTTPErrorHandler = s.handleError

	e.Use(s.logRequests)
	e.Use(s.recoverPanics)
	e.Use(s.securityHeaders)
	e.Use(middleware.BodyLimit("64K"))
	e.Use(s.crossOriginProtection)
	e.Use(s.loadSession)

	// Public.
	e.GET("/healthz", s.healthz)
	if s.metrics != nil {
		e.GET("/metrics", s.metrics.handler())
	}
	e.GET("/static/*", echo.WrapHandler(static.Handler()))
	e.GET("/signin", s.signInPage)
	e.POST("/signin/begin", s.signInBegin)
	e.POST("/signin/finish", s.signInFinish)
	e.GET("/enroll/:token", s.enrollPage)
	e.POST("/enroll/:token/begin", s.enrollBegin)
	e.POST("/enroll/:token/finish", s.enrollFinish)

	// Guest link: no account, the token is the only key.
	e.GET("/s/:token", s.sharePage)
	e.POST("/s/:token", s.reveal)

	// Signed-in owner.
	o := guarded{e, []echo.MiddlewareFunc{s.requireOwner}}
	o.GET("/", s.home)
	o.GET("/locks", s.locksPage)
	o.POST("/locks/sim", s.addSimLock)
	o.GET("/locks/:id", s.lockPage)
	o.GET("/locks/:id/live", s.lockLive)
	o.POST("/locks/:id/settings", s.saveLockSettings)
	o.POST("/locks/:id/codes", s.addCode)
	o.POST("/locks/:id/codes/:code/revoke", s.revokeCode)
	o.POST("/locks/:id/codes/:code/retry", s.retryCode)
	o.POST("/locks/:id/unmanaged/:code/remove", s.removeUnmanaged)
	o.POST("/locks/:id/sim/keypad", s.simKeypad)
	o.POST("/locks/:id/sim/:action", s.simSwitch)
	s.guestRoutes(o)
	s.timelineRoutes(o)
	o.POST("/signout", s.signOut)
	o.POST("/reauth/begin", s.reauthBegin)
	o.POST("/reauth/finish", s.reauthFinish)

	o.GET("/settings", s.settingsRedirect)
	o.GET("/settings/passkeys", s.passkeysPage)
	o.POST("/settings/passkeys/add/begin", s.addPasskeyBegin, s.requireFresh)
	o.POST("/settings/passkeys/add/finish", s.addPasskeyFinish, s.requireFresh)
	o.POST("/settings/passkeys/:id/rename", s.renamePasskey)
	o.POST("/settings/passkeys/:id/delete", s.removePasskey, s.requireFresh)

	o.GET("/settings/owners", s.ownersPage)
	o.POST("/settings/owners/invite", s.inviteOwner, s.requireFresh)
	o.POST("/settings/owners/:id/delete", s.removeOwner, s.requireFresh)

	o.GET("/settings/connections", s.connectionsPage)
	o.POST("/settings/connections/seam", s.addSeam)
	o.POST("/settings/connections/:id/delete", s.removeConnection)

	o.GET("/settings/sessions", s.sessionsPage)
	o.POST("/settings/sessions/:id/delete", s.removeSession)
	o.POST("/settings/sessions/delete-others", s.removeOtherSessions)

	o.GET("/settings/activity", s.activityPage)

	// API token holders: the JSON API for automation.
	s.apiRoutes(e, o)
	return e
}

// guarded registers routes behind middleware. Unlike an Echo group with
// middleware, it adds no catch-all route, so unknown paths stay 404 for everyone.
type guarded struct {
	e  *echo.Echo
	mw []echo.MiddlewareFunc
}

func (g guarded) GET(path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	g.e.GET(path, h, append(g.mw, mw...)...)
}

func (g guarded) POST(path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	g.e.POST(path, h, append(g.mw, mw...)...)
}
