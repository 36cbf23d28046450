package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/access"
	"github.com/gatehouse/gatehouse/db"
)

// The API authenticates with bearer tokens only. The session cookie is ignored
// here on purpose: a browser attaches cookies to cross-site requests, so an API
// that honoured them would need CSRF defences; a token that scripts must add
// themselves cannot be ridden that way.

// apiCaller is the token a request authenticated with.
type apiCaller struct {
	token db.APIToken
}

const apiCallerKey = "gatehouse.api"

func currentAPICaller(c echo.Context) (apiCaller, bool) {
	a, ok := c.Get(apiCallerKey).(apiCaller)
	return a, ok
}

// apiAuth admits requests with a live bearer token, and only read-write tokens
// when write is set. Unknown or revoked tokens spend from the client's failure
// budget; a client out of budget is refused before any lookup.
func (s *Server) apiAuth(write bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Cache-Control", "no-store") // responses are private, and some carry share links
			ip := c.RealIP()
			if s.limits.api.Blocked(ip) {
				return &apiError{Status: http.StatusTooManyRequests, Code: codeRateLimited,
					Message: "Too many requests with bad tokens from your address. Wait a minute and try again."}
			}
			token, ok := bearerToken(c.Request())
			if !ok {
				h.Set("WWW-Authenticate", `Bearer realm="gatehouse"`)
				return &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized,
					Message: "Send an API token: Authorization: Bearer <token>. Owners create tokens in Settings → API tokens."}
			}
			t, err := s.db.APITokenByValue(c.Request().Context(), token)
			if errors.Is(err, db.ErrNotFound) {
				s.limits.api.Allow(ip)
				h.Set("WWW-Authenticate", `Bearer realm="gatehouse", error="invalid_token"`)
				return &apiError{Status: http.StatusUnauthorized, Code: codeInvalidToken,
					Message: "This API token is unknown or was revoked."}
			}
			if err != nil {
				return err
			}
			if !t.SuspendedAt.IsZero() {
				return &apiError{Status: http.StatusForbidden, Code: codeTokenSuspended,
					Message: "This API token is suspended because Gatehouse was restored from a backup. An admin can enable it again in Settings → API tokens."}
			}
			if write && !t.CanWrite() {
				h.Set("WWW-Authenticate", `Bearer realm="gatehouse", error="insufficient_scope", scope="read-write"`)
				return &apiError{Status: http.StatusForbidden, Code: codeInsufficientScope,
					Message: "This token is read-only. Create a read-write token to make changes."}
			}
			c.Set(apiCallerKey, apiCaller{token: t})
			return next(c)
		}
	}
}

// bearerToken reads "Authorization: Bearer <token>" (RFC 6750; the scheme is
// case-insensitive).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// tokenActor is this request's API token acting for the owner who made it:
// accesses it makes are created by them, and the audit log names the token,
// so owners can tell a script's changes from theirs.
func tokenActor(c echo.Context) access.Actor {
	a, _ := currentAPICaller(c)
	return access.TokenActor(a.token.CreatedBy, a.token.Name, c.RealIP())
}
