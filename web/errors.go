package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/views"
)

// appError is an error a user may read: a status, a title and a sentence.
type appError struct {
	Status  int
	Title   string
	Message string
	Field   string // the form field the message is about, for JSON callers
}

func (e *appError) Error() string { return e.Message }

// friendly describes the statuses Echo and its middleware produce on their own.
var friendly = map[int][2]string{
	http.StatusBadRequest:            {"Bad request", "Gatehouse could not understand that request."},
	http.StatusUnauthorized:          {"Sign in needed", "Sign in to continue."},
	http.StatusForbidden:             {"Not allowed", "You are not allowed to do that."},
	http.StatusNotFound:              {"Page not found", "There is nothing at this address. Check the link, or start again from the home page."},
	http.StatusMethodNotAllowed:      {"Not allowed", "That action is not available here."},
	http.StatusRequestEntityTooLarge: {"Too large", "That request is larger than Gatehouse accepts (64 KB)."},
	http.StatusTooManyRequests:       {"Too many attempts", "Too many attempts from your address. Wait a few minutes and try again."},
}

// handleError is Echo's one error handler: typed app errors and Echo's own become
// a page, a short text for htmx, or JSON for fetch callers. Anything else is a
// logged 500 whose details never reach the user. Under /api/ every error takes
// the API's JSON shape instead (handleAPIError).
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if isAPIPath(c) {
		s.handleAPIError(err, c)
		return
	}
	var ae *appError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &he):
		ae = &appError{Status: he.Code}
	case errors.Is(err, db.ErrNotFound):
		// The one place a row the store does not have becomes a 404; handlers
		// return the store's error as it is unless they answer differently.
		ae = &appError{Status: http.StatusNotFound}
	default:
		s.log.Error("request failed", slog.String("method", c.Request().Method), slog.String("route", c.Path()), slog.Any("err", err))
		ae = &appError{Status: http.StatusInternalServerError, Title: "Something went wrong",
			Message: "Gatehouse could not finish that. Nothing you saved before was lost; try again in a moment."}
	}
	if f, ok := friendly[ae.Status]; ok {
		if ae.Title == "" {
			ae.Title = f[0]
		}
		if ae.Message == "" {
			ae.Message = f[1]
		}
	}
	if ae.Message == "" {
		ae.Title, ae.Message = "Error", http.StatusText(ae.Status)
	}
	if ae.Status == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", "60")
	}
	var werr error
	switch {
	case c.Request().Method == http.MethodHead:
		werr = c.NoContent(ae.Status)
	case wantsJSON(c):
		body := map[string]string{"error": ae.Message}
		if ae.Field != "" {
			body["field"] = ae.Field
		}
		werr = c.JSON(ae.Status, body)
	case isHTMX(c):
		werr = c.String(ae.Status, ae.Message)
	default:
		p := views.Page{Title: ae.Title}
		if a, ok := currentAuth(c); ok {
			p.Owner = a.owner.Name
		}
		werr = render(c, ae.Status, views.ErrorPage(p, ae.Status, ae.Title, ae.Message))
	}
	if werr != nil {
		s.log.Warn("writing error response", slog.Any("err", werr))
	}
}

// wantsJSON tells fetch callers (passkey.js) from page loads.
func wantsJSON(c echo.Context) bool {
	r := c.Request()
	return r.Header.Get("X-Requested-With") == "fetch" || r.Header.Get("Content-Type") == "application/json"
}

func isHTMX(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }
