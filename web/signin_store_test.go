package web

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/softkey"
)

// A passkey's sign count is saved with the new session or not at all: a
// sign-in whose session cannot be stored leaves the count as it was, so the
// passkey's next honest use is not refused as a clone (issue 11, item 13).
func TestSignCountSavedWithTheSession(t *testing.T) {
	app := newTestApp(t, testOrigin)
	_, auth := app.newOwner("Ana")
	before := storedSignCount(t, app)

	raw, err := sql.Open("sqlite", "file:"+app.db.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	exec := func(q string) {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TRIGGER refuse_sessions BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`)
	c := app.client()
	if res := c.signIn(auth); res.Status != http.StatusInternalServerError {
		t.Fatalf("sign-in with sessions refused: got %d %s, want 500", res.Status, res.Body)
	}
	if got := storedSignCount(t, app); got != before {
		t.Errorf("sign count after a sign-in that made no session: got %d, want %d (unchanged)", got, before)
	}
	exec(`DROP TRIGGER refuse_sessions`)
	if res := c.signIn(auth); res.Status != http.StatusOK {
		t.Fatalf("sign-in: got %d %s, want 200", res.Status, res.Body)
	}
	if got := storedSignCount(t, app); got <= before {
		t.Errorf("sign count after a sign-in: got %d, want above %d", got, before)
	}
}

func storedSignCount(t *testing.T, app *testApp) uint32 {
	t.Helper()
	owners, err := app.db.Owners(context.Background())
	if err != nil || len(owners) == 0 {
		t.Fatalf("owners: %v", err)
	}
	creds, err := app.db.Credentials(context.Background(), owners[0].ID)
	if err != nil || len(creds) != 1 {
		t.Fatalf("credentials: got %d (%v), want 1", len(creds), err)
	}
	return creds[0].SignCount
}

// Enrolling a passkey whose credential id is already stored is refused with a
// readable 409, not a 500 (issue 11, item 13).
func TestDuplicateCredentialAtEnrollment(t *testing.T) {
	app := newTestApp(t, testOrigin)
	_, auth := app.newOwner("Ana")
	crafted := softkey.New(testOrigin)
	crafted.NewID = auth.Credentials()[0]
	c := app.client()
	token := app.invite("")
	res := c.postJSON("/enroll/"+token+"/begin", map[string]string{"name": "Mallory"})
	if res.Status != http.StatusOK {
		t.Fatalf("enroll begin: got %d %s, want 200", res.Status, res.Body)
	}
	cred, err := crafted.Create([]byte(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	res = c.postJSON("/enroll/"+token+"/finish", cred)
	if res.Status != http.StatusConflict || !strings.Contains(res.Body, "already registered") {
		t.Errorf("enroll with a known credential id: got %d %s, want 409 saying it is already registered", res.Status, res.Body)
	}
	if n := app.count("owners"); n != 1 {
		t.Errorf("owners: got %d, want 1", n)
	}
}
