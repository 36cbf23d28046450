package web

import "github.com/labstack/echo/v4"

// apiRoutes registers the JSON API under /api/v1 and its settings page.
//
// The API answers bearer tokens only (api_auth.go): the session cookie does not
// authenticate it, so there is nothing for a cross-site request to ride. Every
// API error is {"error":{"code":"...","message":"..."}} (api_errors.go).
func (s *Server) apiRoutes(e *echo.Echo, o guarded) {
	// Signed-in owners manage tokens in Settings.
	o.GET("/settings/api-tokens", s.apiTokensPage)
	o.POST("/settings/api-tokens", s.createAPIToken, s.requireFresh)
	o.POST("/settings/api-tokens/:id/revoke", s.revokeAPIToken)

	// The description of the API is public: it holds no data.
	e.GET("/api/v1/openapi.json", s.openAPIDocument)

	// Any token may read.
	read := guarded{e, []echo.MiddlewareFunc{s.apiAuth(false), apiJSONOnly}}
	read.GET("/api/v1/locks", s.apiLocks)
	read.GET("/api/v1/codes", s.apiCodes)
	read.GET("/api/v1/codes/:id", s.apiCode)
	read.GET("/api/v1/events", s.apiEvents)

	// Read-write tokens may change access.
	write := guarded{e, []echo.MiddlewareFunc{s.apiAuth(true), apiJSONOnly}}
	write.POST("/api/v1/accesses", s.apiCreateAccess)
	write.POST("/api/v1/accesses/:id/revoke", s.apiRevokeAccess)
	write.POST("/api/v1/accesses/:id/rotate", s.apiRotateAccess)
}
