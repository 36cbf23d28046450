package web

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// validName checks a display name or nickname: required, at most 60 characters.
func validName(v, what string) (string, string) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return v, "Enter " + what + "."
	case utf8.RuneCountInString(v) > 60:
		return v, "Keep " + what + " to 60 characters or fewer."
	case !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return v, "Use letters, numbers and punctuation only."
	}
	return v, ""
}

var errBadJSON = &appError{Status: http.StatusBadRequest, Message: "Gatehouse could not read that request."}

// bindJSON reads a small JSON body into v.
func bindJSON(c echo.Context, v any) error {
	if err := (&echo.DefaultBinder{}).BindBody(c, v); err != nil {
		// The binder wraps what the body limit returns, mid-read, in its own 400.
		if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return errBadJSON
	}
	return nil
}
