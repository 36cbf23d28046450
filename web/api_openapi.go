package web

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPI describes the API as OpenAPI 3.1. It is written by hand next to the
// handlers; TestOpenAPIDocument keeps the two in step.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) openAPIDocument(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, "application/json", openAPI)
}
