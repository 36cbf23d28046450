package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/db"
)

// 100 wrong passphrases at once: each is counted before it is hashed, so
// argon2 runs at most MaxPassphraseTries times, and the link locks once, with
// one "locked" audit line. The right passphrase afterwards is refused too.
func TestPassphraseStormLocksOnce(t *testing.T) {
	app, _, token, a := shareApp(t, func(f url.Values) { f.Set("passphrase", "blue heron") })
	hashesBefore := app.db.PassphraseHashes()
	race(t, 100, http.StatusUnprocessableEntity, func(int) int {
		res := app.client().postForm("/s/"+token, url.Values{"passphrase": {"red heron"}})
		if res.Status == http.StatusGone {
			return http.StatusUnprocessableEntity // locked: refused, nothing revealed
		}
		return res.Status
	})
	if got := app.db.PassphraseHashes() - hashesBefore; got > db.MaxPassphraseTries {
		t.Errorf("argon2 runs for 100 wrong guesses: got %d, want at most %d", got, db.MaxPassphraseTries)
	}
	entries, err := app.db.AuditLog(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	locked, wrong := 0, 0
	for _, e := range entries {
		switch {
		case e.Action == db.AuditLinkPassphrase && strings.Contains(e.Detail, "locked"):
			locked++
		case e.Action == db.AuditLinkPassphrase:
			wrong++
		}
	}
	if locked != 1 {
		t.Errorf(`"locked" audit lines: got %d, want exactly 1`, locked)
	}
	if wrong > db.MaxPassphraseTries-1 {
		t.Errorf("wrong-passphrase audit lines: got %d, want at most %d", wrong, db.MaxPassphraseTries-1)
	}
	hashes := app.db.PassphraseHashes()
	if res := app.client().postForm("/s/"+token, url.Values{"passphrase": {"blue heron"}}); res.Status != http.StatusGone || strings.Contains(res.Body, app.pin(a.ID)) {
		t.Errorf("right passphrase on the locked link: got %d, want 410 without the code", res.Status)
	}
	if got := app.db.PassphraseHashes() - hashes; got != 0 {
		t.Errorf("argon2 runs for a guess at a locked link: got %d, want 0", got)
	}
}
