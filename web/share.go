package web

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/views"
)

// The guest side of a share link, /s/:token. GET shows what the link is for and
// never reveals or burns it: link previewers and mail scanners fetch links. The
// reveal is a POST whose single UPDATE lets exactly one request see the code.

// guestHeaders go on every guest response, the code-bearing one above all.
func guestHeaders(c echo.Context) {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex, nofollow")
}

// shareLink resolves the URL's token, with what the guest page shows (and with
// withPIN the PIN, while the link can reveal) read in the same query. Unknown
// tokens spend the caller's guessing budget; a client out of budget is refused
// before any lookup.
func (s *Server) shareLink(c echo.Context, withPIN bool) (db.ShareLink, db.ShareDetails, error) {
	ip := c.RealIP()
	if s.limits.guesses.Blocked(ip) {
		return db.ShareLink{}, db.ShareDetails{}, errRateLimited
	}
	token := c.Param("token")
	if !shareTokenValid(token) {
		s.limits.guesses.Allow(ip)
		return db.ShareLink{}, db.ShareDetails{}, db.ErrNotFound
	}
	l, d, err := s.db.ShareByToken(c.Request().Context(), token, withPIN)
	if errors.Is(err, db.ErrNotFound) {
		s.limits.guesses.Allow(ip)
	}
	return l, d, err
}

// shareTokenLen is the length of a share token: 16 random bytes, base64url
// without padding (db.NewToken(16)).
const shareTokenLen = 22

// shareTokenValid reports whether token is one Gatehouse could have made: 22
// base64url characters that decode, strictly (no stray bits in the last
// character), to 16 bytes. Anything else is not looked up.
func shareTokenValid(token string) bool {
	if len(token) != shareTokenLen {
		return false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	return err == nil && len(raw) == 16
}

func (s *Server) linkGone(c echo.Context, err error) error {
	if errors.Is(err, errRateLimited) {
		return err
	}
	status := http.StatusGone
	if errors.Is(err, db.ErrNotFound) {
		status = http.StatusNotFound
	} else if err != nil && !errors.Is(err, db.ErrLinkGone) && !errors.Is(err, db.ErrLinkLocked) {
		return err
	}
	return render(c, status, views.LinkGone())
}

func (s *Server) sharePage(c echo.Context) error {
	guestHeaders(c)
	l, d, err := s.shareLink(c, false)
	if err != nil {
		return s.linkGone(c, err)
	}
	if l.Paused(s.db.Now()) {
		return render(c, http.StatusOK, views.LinkPaused(firstName(d.GuestName)))
	}
	if !l.Usable(s.db.Now()) {
		return s.linkGone(c, db.ErrLinkGone)
	}
	p := shareView(l, d, c.Param("token"))
	if device := linkDevice(c.Request().UserAgent()); device != "link preview" && l.FirstOpenedAt.IsZero() {
		// The receipt and its audit line are one write.
		if err := s.db.MarkLinkOpened(c.Request().Context(), l.ID, device, db.AuditEntry{Action: db.AuditLinkOpened,
			IP: c.RealIP(), Detail: "link of " + p.FirstName + ", on " + device}); err != nil {
			return err
		}
	}
	return render(c, http.StatusOK, views.Share(p))
}

// shareView is what the guest sees: doors, window in the lock's zone, whether
// a passphrase is needed, and the PIN when d carries it.
func shareView(l db.ShareLink, d db.ShareDetails, token string) views.SharePage {
	a := d.Access
	p := views.SharePage{Token: token, FirstName: firstName(d.GuestName), NeedPassphrase: l.HasPassphrase,
		Window: guestWindow(a.StartsAt, a.EndsAt, domain.ZoneOf(a.TimeZone), a.TimeZone), PIN: d.PIN}
	for _, door := range d.Doors {
		p.Doors = append(p.Doors, views.ShareDoor{Name: door.Name, Instructions: door.Instructions})
	}
	return p
}

func (s *Server) reveal(c echo.Context) error {
	guestHeaders(c)
	// What the guest will see, the PIN too, is read with the link, before the
	// claim, so that the claim and its audit line are one transaction, and one
	// commit, of their own: the code is shown only once both are durable. A
	// request that loses the claim drops what it read.
	l, d, err := s.shareLink(c, true)
	if err != nil {
		s.metrics.reveal(revealOutcome(err))
		return s.linkGone(c, err)
	}
	if l.Paused(s.db.Now()) {
		s.metrics.reveal("gone")
		return render(c, http.StatusConflict, views.LinkPaused(firstName(d.GuestName)))
	}
	// A link seen spent stays spent (revealed, revoked, locked and expired
	// never go back), so the losers of a reveal storm and late clicks are
	// answered from this read, without a write or a passphrase check.
	if !l.Usable(s.db.Now()) {
		if !l.LockedAt.IsZero() {
			err = db.ErrLinkLocked
		}
		s.metrics.reveal(revealOutcome(err))
		return s.linkGone(c, db.ErrLinkGone)
	}
	ctx := c.Request().Context()
	token := c.Param("token")
	pin := d.PIN
	d.PIN = "" // the page carries the code only once the claim has committed
	p := shareView(l, d, token)
	if l.HasPassphrase {
		// The locked line is written by the guess that locks the link, once.
		err := s.db.CheckPassphrase(ctx, l.ID, c.FormValue("passphrase"), auditLine(c, db.Owner{}, db.AuditLinkPassphrase,
			"share link locked after too many wrong passphrases"))
		var wrong *db.ErrWrongPassphrase
		switch {
		case errors.As(err, &wrong):
			s.metrics.reveal("wrong_passphrase")
			s.audit(c, db.Owner{}, db.AuditLinkPassphrase, "a wrong passphrase on a share link")
			p.PassphraseError = "That passphrase is not right. " + plural(wrong.Left, "try is", "tries are") + " left before this link locks."
			return render(c, http.StatusUnprocessableEntity, views.Share(p))
		case errors.Is(err, db.ErrLinkLocked):
			s.metrics.reveal("locked")
			return s.linkGone(c, err)
		case err != nil:
			return err
		}
	}
	if pin == "" {
		return errors.New("web: reveal: no PIN read for a usable link")
	}
	_, err = s.db.ClaimReveal(ctx, token, db.AuditEntry{Action: db.AuditLinkRevealed, IP: c.RealIP(),
		Detail: "code revealed to " + p.FirstName})
	if err != nil {
		s.metrics.reveal(revealOutcome(err))
		return s.linkGone(c, err)
	}
	s.metrics.reveal("revealed")
	p.PIN = pin
	return render(c, http.StatusOK, views.Revealed(p))
}

// revealOutcome names a failed reveal for the metrics.
func revealOutcome(err error) string {
	switch {
	case errors.Is(err, errRateLimited):
		return "rate_limited"
	case errors.Is(err, db.ErrLinkLocked):
		return "locked"
	}
	return "gone"
}

// guestWindow spells out a window for a guest, in the lock's zone, zone named.
func guestWindow(start, end time.Time, loc *time.Location, zone string) string {
	const layout = "Mon 2 Jan 15:04"
	switch {
	case start.IsZero() && end.IsZero():
		return "with no end date"
	case start.IsZero():
		return "until " + end.In(loc).Format(layout) + " (" + zone + " time)"
	}
	return "from " + start.In(loc).Format(layout) + " until " + end.In(loc).Format(layout) + " (" + zone + " time)"
}

// previewAgents are fetchers that load links to draw previews; they must never
// count as the guest opening the link.
var previewAgents = []string{"slackbot", "slack-imgproxy", "facebookexternalhit", "whatsapp", "telegrambot", "twitterbot",
	"discordbot", "linkedinbot", "skypeuripreview", "teams", "googlebot", "bingbot", "applebot", "embedly", "pinterest",
	"iframely", "outlook", "microsoft office", "mattermost", "signal", "bot", "crawler", "spider", "preview", "curl", "wget"}

// linkDevice is a coarse summary of who opened a link, for the owner's receipt.
func linkDevice(ua string) string {
	l := strings.ToLower(ua)
	for _, p := range previewAgents {
		if strings.Contains(l, p) {
			return "link preview"
		}
	}
	switch {
	case strings.Contains(ua, "iPhone"):
		return "iPhone"
	case strings.Contains(ua, "iPad"):
		return "iPad"
	case strings.Contains(ua, "Android"):
		return "Android phone"
	case strings.Contains(ua, "Macintosh"):
		return "Mac"
	case strings.Contains(ua, "Windows"):
		return "Windows computer"
	case strings.Contains(ua, "Linux"):
		return "Linux computer"
	}
	return "unknown device"
}
