package web

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/internal/testkit/seamfake"
	"github.com/gatehouse/gatehouse/lock/seam"
)

// Settings → Connections against Seam's own fake (see package seamfake), through
// the real seam driver: the harness's lock side tests keys with seam.NewClient, which
// takes a nil *http.Client as a default one.

func seamForm(name, baseURL, key string) url.Values {
	return url.Values{"name": {name}, "base_url": {baseURL}, "api_key": {key}}
}

// formError is the message shown beside a form field (components.Field).
func formError(t *testing.T, body, field string) string {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(doc.Find("#" + field + "-error").Text())
}

// closedURL is a loopback address where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// storedSecrets reads connections.secret as written to disk, from a snapshot of the
// database (db.Backup) opened read-only, and returns the column and the whole file.
func (a *testApp) storedSecrets() ([][]byte, []byte) {
	a.t.Helper()
	path := filepath.Join(a.t.TempDir(), "snapshot.db")
	if err := a.db.Backup(context.Background(), path); err != nil {
		a.t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		a.t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query("SELECT secret FROM connections WHERE kind = 'seam'")
	if err != nil {
		a.t.Fatal(err)
	}
	defer rows.Close()
	var secrets [][]byte
	for rows.Next() {
		var s []byte
		if err := rows.Scan(&s); err != nil {
			a.t.Fatal(err)
		}
		secrets = append(secrets, s)
	}
	if err := rows.Err(); err != nil {
		a.t.Fatal(err)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		a.t.Fatal(err)
	}
	return secrets, file
}

func (a *testApp) connections() []db.Connection {
	a.t.Helper()
	conns, err := a.db.Connections(context.Background())
	if err != nil {
		a.t.Fatal(err)
	}
	return conns
}

func TestConnectSeamAccount(t *testing.T) {
	f := seamfake.Start(t)
	app := newTestApp(t, testOrigin)
	c, _ := app.newOwner("Ana")
	var bodies []string // every page the owner saw, checked for the key at the end
	keep := func(res response) response { bodies = append(bodies, res.Body); return res }

	res := keep(c.postForm("/settings/connections/seam", seamForm("Cabin", f.URL, seamfake.APIKey)))
	if res.Status != http.StatusOK {
		t.Fatalf("add Seam account: got %d, want 200: %s", res.Status, res.Body)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	// The fake's three locks; every device there is a "Smart Device" by "Generic".
	if found := doc.Find(`[data-testid="found-locks"] li`); found.Length() != 3 || !strings.Contains(found.First().Text(), "Smart Device") {
		t.Errorf("locks found: got %d (%q), want 3 Smart Devices", found.Length(), found.Text())
	}
	if !strings.Contains(res.Body, "Connected “Cabin”. Gatehouse found 3 locks") {
		t.Errorf("add Seam account: no confirmation naming the connection and 3 locks")
	}
	if rows := doc.Find(`[data-testid="connections"] tbody tr`); rows.Length() != 1 || !strings.Contains(rows.Text(), "Cabin") {
		t.Errorf("connections table: got %d rows (%q), want Cabin", rows.Length(), rows.Text())
	}

	conns := app.connections()
	if len(conns) != 1 || conns[0].Kind != "seam" || conns[0].Name != "Cabin" || conns[0].BaseURL != f.URL {
		t.Fatalf("stored connections: got %+v, want one seam connection Cabin at %s", conns, f.URL)
	}
	conn := conns[0]
	if key, err := app.db.ConnectionSecret(context.Background(), conn.ID); err != nil || key != seamfake.APIKey {
		t.Errorf("unsealed key: got %q, %v; want the key given", key, err)
	}
	secrets, file := app.storedSecrets()
	if len(secrets) != 1 || len(secrets[0]) == 0 {
		t.Fatalf("connections.secret: got %d values, want one sealed key", len(secrets))
	}
	if !bytes.Contains(file, []byte("Cabin")) {
		t.Fatal("the database snapshot does not show the connection's name: the scan below would prove nothing")
	}
	if bytes.Contains(secrets[0], []byte(seamfake.APIKey)) || bytes.Contains(file, []byte(seamfake.APIKey)) {
		t.Error("the API key is stored in clear in the database")
	}

	// Discovery puts the locks on the Locks page.
	app.reconcile()
	page := keep(c.get("/locks")).Body
	if n := strings.Count(page, `data-testid="lock-row"`); n != 3 || !strings.Contains(page, "Smart Device") || !strings.Contains(page, "Cabin") {
		t.Errorf("locks page: got %d lock rows, want the 3 Smart Devices of Cabin", n)
	}
	locks, err := app.db.ConnectionLocks(context.Background(), conn.ID)
	if err != nil || len(locks) != 3 {
		t.Fatalf("connection locks: got %d, %v; want 3", len(locks), err)
	}
	var front db.Lock
	for _, l := range locks {
		if l.DeviceID == seamfake.FrontDoor {
			front = l
		}
	}
	if front.ID == 0 {
		t.Fatalf("front door %s not discovered: %+v", seamfake.FrontDoor, locks)
	}

	// A live code on one of its locks keeps the connection.
	if res := keep(c.postForm(lockPath(front, "/codes"), app.codeForm(front, "Ben", "583920"))); res.Status != http.StatusOK {
		t.Fatalf("add code: got %d", res.Status)
	}
	app.reconcile()
	// The fake never reports a code "set": it stays "setting", but it is on the lock.
	if got := app.codeStatus(front, "Ben"); got != domain.StatusSetting {
		t.Fatalf("code after a pass: got %s, want setting", got)
	}
	vendor := seam.NewClient(f.URL, seamfake.APIKey, nil)
	if onFake, err := vendor.ListCodes(context.Background(), seamfake.FrontDoor); err != nil || len(onFake) != 1 {
		t.Fatalf("codes on the fake's front door: got %d, %v; want 1", len(onFake), err)
	}
	remove := "/settings/connections/" + strconv.FormatInt(conn.ID, 10) + "/delete"
	res = keep(c.postForm(remove, nil))
	if res.Status != http.StatusConflict || !strings.Contains(res.Body, "cannot be removed yet: 1 code managed by Gatehouse") {
		t.Errorf("remove with a live code: got %d, want 409 with the reason", res.Status)
	}
	if len(app.connections()) != 1 {
		t.Fatal("connection removed while a code was live on its lock")
	}

	// Revoked, and confirmed gone from the lock: now it may go.
	codes, err := app.db.LockCodes(context.Background(), front.ID)
	if err != nil || len(codes) != 1 {
		t.Fatalf("front door codes: got %d, %v; want 1", len(codes), err)
	}
	if res := keep(c.postForm(lockPath(front, "/codes/"+strconv.FormatInt(codes[0].ID, 10)+"/revoke"), nil)); res.Status != http.StatusSeeOther {
		t.Fatalf("revoke: got %d, want 303", res.Status)
	}
	app.reconcile()
	if got := app.codeStatus(front, "Ben"); got != domain.StatusRemoving {
		t.Errorf("after revoke: got %s, want removing until the lock no longer lists it", got)
	}
	res = keep(c.postForm(remove, nil))
	if res.Status != http.StatusConflict {
		t.Errorf("remove while the code is removing: got %d, want 409", res.Status)
	}
	app.reconcile()
	if got := app.codeStatus(front, "Ben"); got != domain.StatusRemoved {
		t.Fatalf("after the lock confirmed: got %s, want removed", got)
	}
	if onFake, err := vendor.ListCodes(context.Background(), seamfake.FrontDoor); err != nil || len(onFake) != 0 {
		t.Errorf("codes on the fake's front door: got %d, %v; want 0", len(onFake), err)
	}
	res = keep(c.postForm(remove, nil))
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/settings/connections?done=removed" {
		t.Fatalf("remove once the code is removed: got %d to %q, want 303 to the connections page", res.Status, res.Header.Get("Location"))
	}
	if page := keep(c.get(res.Header.Get("Location"))).Body; !strings.Contains(page, "Connection removed.") || strings.Contains(page, "Cabin") {
		t.Error("connections page after removal: want the confirmation and no Cabin")
	}
	if len(app.connections()) != 0 {
		t.Error("connection still stored after removal")
	}
	if page := keep(c.get("/locks")).Body; strings.Contains(page, `data-testid="lock-row"`) {
		t.Error("locks page still lists the removed connection's locks")
	}
	if actions := app.auditActions(); !slices.Contains(actions, db.AuditConnectionAdded) || !slices.Contains(actions, db.AuditConnectionRemoved) {
		t.Errorf("audit log: got %v, want connection added and removed", actions)
	}

	app.ts.Close() // every request has finished logging
	for i, body := range bodies {
		if strings.Contains(body, seamfake.APIKey) {
			t.Errorf("response %d shows the API key", i)
		}
	}
	if strings.Contains(app.logs.String(), seamfake.APIKey) {
		t.Error("the API key reached the log")
	}
	entries, _ := app.db.AuditLog(context.Background(), 0, 1000)
	for _, e := range entries {
		if strings.Contains(e.Detail, seamfake.APIKey) {
			t.Errorf("the API key reached the audit log: %q", e.Detail)
		}
	}
}

func TestConnectSeamRefused(t *testing.T) {
	tests := []struct {
		name    string
		baseURL func(t *testing.T) string
		key     string
		field   string // where the message is shown
		want    string
	}{
		{"key unknown to Seam", func(t *testing.T) string { return seamfake.Start(t).URL }, "seam_apikey9_doesnotexist",
			"api_key", "Seam refused this API key"},
		{"nothing listens at the address", closedURL, "seam_apikey1_unreachable",
			"api_key", "Gatehouse could not reach Seam at that address"},
		{"address is not a URL", func(*testing.T) string { return "connect getseam com" }, "seam_apikey1_badurl",
			"base_url", "Enter an address such as " + DefaultSeamURL},
		{"address is not HTTP", func(*testing.T) string { return "ftp://connect.getseam.com" }, "seam_apikey1_ftp",
			"base_url", "Enter an address such as " + DefaultSeamURL},
		{"no key", func(*testing.T) string { return DefaultSeamURL }, "",
			"api_key", "Paste the API key from your Seam workspace."},
		{"key with spaces", func(*testing.T) string { return DefaultSeamURL }, "seam apikey1 token",
			"api_key", "That does not look like a Seam API key."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.baseURL(t)
			app := newTestApp(t, testOrigin)
			c, _ := app.newOwner("Ana")
			res := c.postForm("/settings/connections/seam", seamForm("Cabin", base, tt.key))
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422", res.Status)
			}
			if got := formError(t, res.Body, tt.field); !strings.Contains(got, tt.want) {
				t.Errorf("message beside %s: got %q, want %q", tt.field, got, tt.want)
			}
			if n := len(app.connections()); n != 0 {
				t.Errorf("got %d connections stored, want none", n)
			}
			if slices.Contains(app.auditActions(), db.AuditConnectionAdded) {
				t.Error("a refused connection was audited as added")
			}
			app.ts.Close() // every request has finished logging
			if tt.key != "" && (strings.Contains(res.Body, tt.key) || strings.Contains(app.logs.String(), tt.key)) {
				t.Error("the API key was echoed in the page or the log")
			}
		})
	}
}
