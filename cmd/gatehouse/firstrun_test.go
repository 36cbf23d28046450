package main

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

var firstRunLink = regexp.MustCompile(`http://localhost:8080/enroll/([A-Za-z0-9_-]{43})`)

// Issue 11, item 11: a start with no owner prints a first-owner invite only
// while none is pending; later starts say one is pending and how to make a
// new one, and `gatehouse invite --admin` replaces the pending one.
func TestFirstRunInviteOnlyWhileNonePending(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	u, _ := url.Parse("http://localhost:8080")
	c := config{DB: filepath.Join(dir, "g.db"), KeyFile: filepath.Join(dir, "g.key"), PublicURL: u, InviteTTL: 24 * time.Hour}
	store, err := openStore(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	start := func() string {
		t.Helper()
		var out bytes.Buffer
		if err := firstRunInvite(ctx, store, c, &out); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	first := start()
	m := firstRunLink.FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("first start printed %q, want an enrollment link", first)
	}
	second := start()
	if firstRunLink.MatchString(second) {
		t.Errorf("second start printed a link again: %q, want none while one is pending", second)
	}
	for _, want := range []string{"pending", "gatehouse invite --admin"} {
		if !strings.Contains(second, want) {
			t.Errorf("second start printed %q, want it to mention %q", second, want)
		}
	}
	if _, err := store.InviteByToken(ctx, m[1]); err != nil {
		t.Errorf("the first link after a second start: %v, want still valid", err)
	}
	store.Close()

	var out bytes.Buffer
	if err := run(ctx, []string{"invite", "--admin", "--db", c.DB, "--key-file", c.KeyFile}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	n := firstRunLink.FindStringSubmatch(out.String())
	if n == nil {
		t.Fatalf("invite --admin printed %q, want a link", out.String())
	}
	store, err = openStore(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.InviteByToken(ctx, m[1]); !errors.Is(err, db.ErrInviteExpired) {
		t.Errorf("the first-run link after invite --admin: got %v, want it replaced (expired)", err)
	}
	if _, err := store.InviteByToken(ctx, n[1]); err != nil {
		t.Errorf("the new link: %v, want valid", err)
	}
	// After the pending invite was replaced, a start still prints no link.
	if third := start(); firstRunLink.MatchString(third) {
		t.Errorf("start after invite --admin printed a link: %q, want none", third)
	}
}
