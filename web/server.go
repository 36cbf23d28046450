// Package web is Gatehouse's HTTP side: routes, middleware and one file of handlers
// per area. Handlers read and write through Store (store.go); they never call a lock.
package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/access"
	"github.com/gatehouse/gatehouse/db"
)

// Server holds the dependencies every handler needs.
type Server struct {
	cfg     Config
	db      Store
	wa      *webauthn.WebAuthn
	log     *slog.Logger
	limits  *limits
	locks   LockSide
	access  *access.Service // gives, moves and ends access, for the pages and the API alike
	metrics *metrics        // nil unless Config.Metrics
	echo    *echo.Echo
}

// New builds the server and its routes.
func New(cfg Config, store Store, locks LockSide, log *slog.Logger) (*Server, error) {
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          cfg.PublicURL.Hostname(),
		RPDisplayName: "Gatehouse",
		RPOrigins:     []string{cfg.origin()},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification:   protocol.VerificationRequired,
		},
		AttestationPreference: protocol.PreferNoAttestation,
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: db.ChallengeTTL, TimeoutUVD: db.ChallengeTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: db.ChallengeTTL, TimeoutUVD: db.ChallengeTTL},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("web: webauthn: %w", err)
	}
	s := &Server{cfg: cfg, db: store, wa: wa, log: log, limits: newLimits(), locks: locks}
	// The service nudges through the lock side as it is when a change is made.
	s.access = access.New(store, func() { s.locks.Nudge() }, store.Now)
	if cfg.Metrics {
		s.metrics = newMetrics(store, log)
	}
	s.echo = s.routes()
	return s, nil
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// HTTPServer wraps the handler with timeouts, so slow or idle clients cannot hold
// connections forever.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}
