package web

import (
	"net/netip"
	"net/url"
	"time"

	"github.com/gatehouse/gatehouse/web/paths"
)

// Config is what the web server needs from the command line.
type Config struct {
	// PublicURL is where browsers reach Gatehouse. The WebAuthn RP ID and allowed
	// origin come from it alone, never from Host or X-Forwarded-* headers.
	PublicURL *url.URL
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies  []netip.Prefix
	SessionIdle     time.Duration
	SessionAbsolute time.Duration
	InviteTTL       time.Duration
	Version         string
	// Metrics serves Prometheus metrics at /metrics.
	Metrics bool
}

// secure reports whether the public URL is https, which decides cookie names,
// the Secure flag and HSTS.
func (c Config) secure() bool { return c.PublicURL.Scheme == "https" }

// origin is the public URL's origin, e.g. "https://door.example.com".
func (c Config) origin() string { return c.PublicURL.Scheme + "://" + c.PublicURL.Host }

// InviteURL is the enrollment link for an invite token.
func (c Config) InviteURL(token string) string { return c.origin() + paths.Enroll(token) }
