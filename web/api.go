package web

import "github.com/labstack/echo/v4"

// apiRoutes registers the JSON API under /api/v1 and its settings page.
func (s *Server) apiRoutes(e *echo.Echo, o guarded) {
}
