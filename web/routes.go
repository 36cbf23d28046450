package web

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/gatehouse/gatehouse/static"
)

// routes is the one table of every route, grouped by who may call it: public,
// guest link, signed-in owner, API token (read, write). Nothing registers a route
// anywhere else (routes_test.go checks).
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

	// Public: anyone may call these.
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
	e.GET("/api/v1/openapi.json", s.openAPIDocument) // the API's description holds no data

	// Guest link: no account, the token is the only key.
	e.GET("/s/:token", s.sharePage)
	e.POST("/s/:token", s.reveal)

	// Signed-in owner.
	o := guarded{e, []echo.MiddlewareFunc{s.requireOwner}}
	o.GET("/", s.home)
	o.POST("/signout", s.signOut)
	o.POST("/reauth/begin", s.reauthBegin)
	o.POST("/reauth/finish", s.reauthFinish)

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

	o.GET("/guests", s.guestsPage)
	o.GET("/guests/:id", s.guestPage)
	o.POST("/guests/:id", s.saveGuest)
	o.GET("/access/new", s.accessNewPage)
	o.POST("/access", s.createAccess)
	o.GET("/access/:id/created", s.linkCreated)
	o.POST("/access/:id/link", s.newLink)
	o.POST("/access/:id/revoke", s.revokeAccess)
	o.POST("/access/:id/rotate", s.rotateAccess)
	o.POST("/access/:id/window", s.changeWindow)
	o.POST("/access/:id/code", s.showCode)

	o.GET("/timeline", s.timelinePage)
	o.GET("/timeline/more", s.timelineMore)
	o.GET("/timeline/new", s.timelineNew)
	o.GET("/timeline/pictures", s.timelinePictures)
	o.GET("/timeline.csv", s.timelineCSV)

	o.GET("/settings", s.settingsRedirect)
	o.GET("/settings/passkeys", s.passkeysPage)
	o.POST("/settings/passkeys/add/begin", s.addPasskeyBegin, s.requireFresh)
	o.POST("/settings/passkeys/add/finish", s.addPasskeyFinish, s.requireFresh)
	o.POST("/settings/passkeys/:id/rename", s.renamePasskey)
	o.POST("/settings/passkeys/:id/delete", s.removePasskey, s.requireFresh)

	// Admins only: owners, connections and API tokens, and the home page's
	// changes to them.
	adm := guarded{e, []echo.MiddlewareFunc{s.requireOwner, s.requireAdmin}}
	adm.GET("/settings/owners", s.ownersPage)
	adm.POST("/settings/owners/invite", s.inviteOwner, s.requireFresh)
	adm.POST("/settings/owners/:id/delete", s.removeOwner, s.requireFresh)
	adm.POST("/settings/owners/:id/approve", s.approveOwner, s.requireFresh)
	adm.POST("/settings/owners/:id/role", s.setOwnerRole, s.requireFresh)
	adm.POST("/changes/:id/ack", s.acknowledgeChange)
	adm.POST("/changes/ack", s.acknowledgeChanges)
	adm.POST("/links/:id/resume", s.resumeLink, s.requireFresh)

	adm.GET("/settings/connections", s.connectionsPage)
	adm.POST("/settings/connections/seam", s.addSeam)
	adm.POST("/settings/connections/:id/delete", s.removeConnection)

	o.GET("/settings/sessions", s.sessionsPage)
	o.POST("/settings/sessions/:id/delete", s.removeSession)
	o.POST("/settings/sessions/delete-others", s.removeOtherSessions)

	o.GET("/settings/activity", s.activityPage)

	adm.GET("/settings/api-tokens", s.apiTokensPage)
	adm.POST("/settings/api-tokens", s.createAPIToken, s.requireFresh)
	adm.POST("/settings/api-tokens/:id/revoke", s.revokeAPIToken)
	adm.POST("/settings/api-tokens/:id/enable", s.enableAPIToken, s.requireFresh)

	// API token, read: any token may read. The API answers bearer tokens only
	// (api_auth.go): the session cookie does not authenticate it, so there is
	// nothing for a cross-site request to ride. Every API error is
	// {"error":{"code":"...","message":"..."}} (api_errors.go).
	read := guarded{e, []echo.MiddlewareFunc{s.apiAuth(false), apiJSONOnly}}
	read.GET("/api/v1/locks", s.apiLocks)
	read.GET("/api/v1/codes", s.apiCodes)
	read.GET("/api/v1/codes/:id", s.apiCode)
	read.GET("/api/v1/events", s.apiEvents)

	// API token, write: read-write tokens may change access.
	write := guarded{e, []echo.MiddlewareFunc{s.apiAuth(true), apiJSONOnly}}
	write.POST("/api/v1/accesses", s.apiCreateAccess)
	write.POST("/api/v1/accesses/:id/revoke", s.apiRevokeAccess)
	write.POST("/api/v1/accesses/:id/rotate", s.apiRotateAccess)
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
