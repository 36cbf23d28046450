package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/web/paths"
)

// recoverPanics turns a panic into a logged 500, never a dropped connection or a trace.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				buf := make([]byte, 4<<10)
				buf = buf[:runtime.Stack(buf, false)]
				s.log.Error("panic", slog.String("route", c.Path()), slog.Any("panic", r), slog.String("stack", string(buf)))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// logRequests writes one line per request with the route pattern, never the raw
// path: paths can carry share and invite tokens.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // writes the response now, so the status below is the real one
		}
		route := c.Path()
		if route == "" || c.Response().Status == http.StatusNotFound {
			route = "(unmatched)"
		}
		s.metrics.observe(route, c.Request().Method, c.Response().Status, time.Since(start))
		s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
			slog.String("method", c.Request().Method),
			slog.String("route", route),
			slog.Int("status", c.Response().Status),
			slog.Duration("duration", time.Since(start)),
		)
		return nil
	}
}

// securityHeaders sets a strict CSP with a per-request nonce and the other headers
// every response carries.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		nonce := db.NewToken(16)
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-"+nonce+"'; style-src 'self'; "+
			"img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "+
			"form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.cfg.secure() {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		r := c.Request()
		c.SetRequest(r.WithContext(templ.WithNonce(r.Context(), nonce)))
		return next(c)
	}
}

// crossOriginProtection refuses state-changing requests that a browser marks as
// coming from another site (Sec-Fetch-Site), or whose Origin is not ours. Safe
// methods pass: no handler changes state on GET.
func (s *Server) crossOriginProtection(next echo.HandlerFunc) echo.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	// Behind a proxy the Host header may differ from the public URL; the public
	// origin is always ours.
	if err := cop.AddTrustedOrigin(s.cfg.origin()); err != nil {
		panic(err) // the public URL was validated at start
	}
	return func(c echo.Context) error {
		if err := cop.Check(c.Request()); err != nil {
			return &appError{Status: http.StatusForbidden, Title: "Request refused",
				Message: "This request came from another site, so Gatehouse refused it. Go back to Gatehouse and try again."}
		}
		return next(c)
	}
}

// auth is who is signed in, set by loadSession.
type auth struct {
	session db.Session
	owner   db.Owner
}

const authKey = "gatehouse.auth"

// currentAuth returns the signed-in owner, if any.
func currentAuth(c echo.Context) (auth, bool) {
	a, ok := c.Get(authKey).(auth)
	return a, ok
}

// loadSession resolves the session cookie, when there is one.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(s.sessionCookieName())
		if err != nil || ck.Value == "" {
			return next(c)
		}
		ctx := c.Request().Context()
		sess, owner, err := s.db.SessionOwner(ctx, ck.Value, s.sessionLimits())
		switch {
		case errors.Is(err, db.ErrNotFound), errors.Is(err, db.ErrSessionExpired):
			s.clearSessionCookie(c)
			return next(c)
		case err != nil:
			return err
		}
		c.Set(authKey, auth{session: sess, owner: owner})
		return next(c)
	}
}

// pendingMayUse are the only routes an owner waiting for approval may use:
// the home page, which tells them they wait, and signing out.
var pendingMayUse = map[string]bool{"GET /": true, "POST /signout": true}

var errPending = &appError{Status: http.StatusForbidden, Title: "Waiting for approval",
	Message: "Your account is waiting for an admin's approval. Until an admin approves it, you can only sign out."}

// requireOwner sends visitors who are not signed in to the sign-in page, and
// keeps an owner who waits for approval to the pages that say so.
func (s *Server) requireOwner(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a, ok := currentAuth(c); ok {
			if a.owner.Pending() && !pendingMayUse[c.Request().Method+" "+c.Path()] {
				return errPending
			}
			return next(c)
		}
		if wantsJSON(c) {
			return &appError{Status: http.StatusUnauthorized, Message: "You are signed out. Sign in again."}
		}
		return redirect(c, paths.SignIn())
	}
}

var errNotAdmin = &appError{Status: http.StatusForbidden, Title: "Admins only",
	Message: "Only an admin can manage owners, connections and API tokens. Ask an admin of this Gatehouse."}

// requireAdmin guards what only admins may do: manage owners, connections and
// API tokens, and acknowledge changes to them.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a, ok := currentAuth(c); ok && a.owner.Admin && !a.owner.Pending() {
			return next(c)
		}
		return errNotAdmin
	}
}

// FreshFor is how long a passkey assertion allows sensitive actions.
const FreshFor = 5 * time.Minute

func (s *Server) isFresh(a auth) bool {
	return s.db.Now().Sub(a.session.ReauthAt) < FreshFor
}

// requireFresh guards actions that need a recent passkey assertion: adding or
// removing passkeys, inviting or removing owners.
func (s *Server) requireFresh(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a, _ := currentAuth(c)
		if s.isFresh(a) {
			return next(c)
		}
		return &appError{Status: http.StatusForbidden, Title: "Confirm it's you",
			Message: "This needs a fresh confirmation with your passkey. Use “Confirm with passkey” on the page, then try again within 5 minutes."}
	}
}
