package main

import (
	"bytes"
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
)

// Issue 11, item 10: `restore` says what it will end before it acts.
func TestRestorePrintsWhatItEndsBeforeActing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	u, _ := url.Parse("http://localhost:8080")
	c := config{DB: filepath.Join(dir, "g.db"), KeyFile: filepath.Join(dir, "g.key"), PublicURL: u, InviteTTL: time.Hour}
	store, err := openStore(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	_, inv, err := store.CreateInvite(ctx, db.NewInvite{TTL: time.Hour, Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	o, err := store.EnrollOwner(ctx, inv.ID, "Ana", db.NewOwnerHandle(), db.Credential{CredentialID: []byte("c"), PublicKey: []byte("k"), Nickname: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.CreateSession(ctx, o.ID, "test", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.CreateAPIToken(ctx, "script", db.ScopeRead, o.ID); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := store.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	store.Close()

	var out bytes.Buffer
	if err := run(ctx, []string{"restore", "--db", c.DB, "--key-file", c.KeyFile, backup}, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("restore: %v (%s)", err, out.String())
	}
	got := out.String()
	plan := strings.Index(got, "1 session")
	done := strings.Index(got, "restored "+backup)
	for _, want := range []string{"signs out", "1 session", "suspends", "1 API token", "pauses", "0 share links", "backup of"} {
		if !strings.Contains(got, want) {
			t.Errorf("restore printed %q, want it to say %q", got, want)
		}
	}
	if plan < 0 || done < 0 || plan > done {
		t.Errorf("restore printed %q, want what it ends said before it says it restored", got)
	}
}
