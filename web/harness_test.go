package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/db/dbtest"
	"github.com/gatehouse/gatehouse/internal/softkey"
	"github.com/gatehouse/gatehouse/internal/testkit"
	"github.com/gatehouse/gatehouse/internal/testkit/secretscan"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/sim"
	"github.com/gatehouse/gatehouse/lock/wire"
)

const testOrigin = "http://localhost:8080"

// testApp is a Gatehouse on a real SQLite file behind a real HTTP server.
type testApp struct {
	t     *testing.T
	db    *db.DB
	srv   *Server
	ts    *httptest.Server
	clock *testkit.Clock
	logs  *testkit.SyncBuffer
	sim   *sim.Sim         // the simulated locks, on the test clock
	rec   *lock.Reconciler // driven step by step with app.reconcile()

	secrets *secretscan.Set // every secret the test's requests and responses carried
}

func newTestApp(t *testing.T, publicURL string) *testApp {
	t.Helper()
	return newTestAppOn(t, publicURL, nil)
}

// newBrowserApp is a testApp served at http://localhost:PORT, its public URL:
// a browser's passkeys need a secure context, and Chromium refuses an IP
// address as the relying party's id.
func newBrowserApp(t *testing.T) (*testApp, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	base := "http://localhost:" + port
	return newTestAppOn(t, base, ln), base
}

// newTestAppOn serves the app on ln, or on a new local port when ln is nil.
func newTestAppOn(t *testing.T, publicURL string, ln net.Listener) *testApp {
	t.Helper()
	clk := testkit.NewClock(time.Now())
	store := dbtest.New(t, db.WithClock(clk.Now))
	u, _ := url.Parse(publicURL)
	logs := &testkit.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	sims := wire.NewSim(store, clk.Now, simDelay)
	kinds := wire.Kinds(store, sims, nil)
	rec := lock.NewReconciler(lock.Options{Store: store, Connect: kinds.Connect, Now: clk.Now,
		DefaultZone: "Europe/Berlin", Log: log})
	side := &wire.Side{Store: store, Rec: rec, Kinds: kinds, Zone: "Europe/Berlin"}
	srv, err := New(Config{PublicURL: u, SessionIdle: 12 * time.Hour, SessionAbsolute: 30 * 24 * time.Hour,
		InviteTTL: 24 * time.Hour}, store, side, log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	if ln != nil {
		ts.Listener.Close()
		ts.Listener = ln
	}
	ts.Start()
	app := &testApp{t: t, db: store, srv: srv, ts: ts, clock: clk, logs: logs, sim: sims, rec: rec, secrets: &secretscan.Set{}}
	// Runs after the test, before the server and database close: no secret the
	// test saw may be in the log or the audit table.
	t.Cleanup(app.checkNoSecretsLeaked)
	t.Cleanup(ts.Close)
	return app
}

// simDelay is how long a simulated lock takes to set or remove a code, on the test clock.
const simDelay = 2 * time.Second

// reconcile runs one reconciler pass and one event pull, as the timers would.
func (a *testApp) reconcile() {
	a.t.Helper()
	if err := a.rec.Pass(context.Background()); err != nil {
		a.t.Fatalf("reconcile pass: %v", err)
	}
	if err := a.rec.PullEvents(context.Background()); err != nil {
		a.t.Fatalf("pull events: %v", err)
	}
}

// settle lets the simulated locks finish pending work and reconciles twice: once
// to observe, once to act on what was observed.
func (a *testApp) settle() {
	a.t.Helper()
	a.reconcile()
	a.clock.Advance(simDelay + time.Second)
	a.reconcile()
}

// addSimLock makes a simulated lock through the same path as the Locks page.
func (a *testApp) addSimLock(name string) db.Lock {
	a.t.Helper()
	id, err := a.srv.locks.AddLock(context.Background(), "sim", name)
	if err != nil {
		a.t.Fatal(err)
	}
	l, err := a.db.Lock(context.Background(), id)
	if err != nil {
		a.t.Fatal(err)
	}
	return l
}

// client is one browser: a cookie jar, and headers a same-origin fetch would send.
type client struct {
	app  *testApp
	http *http.Client
}

func (a *testApp) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{app: a, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type response struct {
	Status int
	Header http.Header
	Body   string
}

func (c *client) do(method, path string, body io.Reader, header map[string]string) response {
	c.app.t.Helper()
	req, err := http.NewRequest(method, c.app.ts.URL+path, body)
	if err != nil {
		c.app.t.Fatal(err)
	}
	if method != http.MethodGet {
		req.Header.Set("Origin", testOrigin)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if req.Body != nil && body != nil {
		// Remember the secrets this request carries (PINs typed, passphrases).
		raw, _ := io.ReadAll(req.Body)
		c.app.secrets.FromRequest(raw)
		req.Body = io.NopCloser(bytes.NewReader(raw))
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.app.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	c.app.secrets.FromResponse(res.Header, b)
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (c *client) get(path string) response { return c.do(http.MethodGet, path, nil, nil) }

func (c *client) postForm(path string, form url.Values) response {
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

func (c *client) postJSON(path string, body any) response {
	var b []byte
	switch v := body.(type) {
	case []byte:
		b = v
	default:
		b, _ = json.Marshal(v)
	}
	return c.do(http.MethodPost, path, bytes.NewReader(b),
		map[string]string{"Content-Type": "application/json", "X-Requested-With": "fetch"})
}

// invite makes an admin enrollment token straight in the store, as
// `gatehouse invite --admin` does (see memberInvite for a member's).
func (a *testApp) invite(name string) string {
	a.t.Helper()
	token, _, err := a.db.CreateInvite(context.Background(), db.NewInvite{Name: name, TTL: 24 * time.Hour, Admin: true})
	if err != nil {
		a.t.Fatal(err)
	}
	return token
}

// enroll runs the whole enrollment ceremony with a software authenticator and
// leaves the client signed in.
func (c *client) enroll(auth *softkey.Authenticator, token, name string) {
	c.app.t.Helper()
	res := c.postJSON("/enroll/"+token+"/begin", map[string]string{"name": name})
	if res.Status != http.StatusOK {
		c.app.t.Fatalf("enroll begin: got %d %s, want 200", res.Status, res.Body)
	}
	cred, err := auth.Create([]byte(res.Body))
	if err != nil {
		c.app.t.Fatal(err)
	}
	res = c.postJSON("/enroll/"+token+"/finish", cred)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `"redirect"`) {
		c.app.t.Fatalf("enroll finish: got %d %s, want 200 with redirect", res.Status, res.Body)
	}
}

// signIn runs a discoverable login and returns the finish response.
func (c *client) signIn(auth *softkey.Authenticator) response {
	c.app.t.Helper()
	res := c.postJSON("/signin/begin", nil)
	if res.Status != http.StatusOK {
		c.app.t.Fatalf("signin begin: got %d %s, want 200", res.Status, res.Body)
	}
	assertion, err := auth.Get([]byte(res.Body))
	if err != nil {
		c.app.t.Fatal(err)
	}
	return c.postJSON("/signin/finish", assertion)
}

// newOwner enrolls an owner and returns a signed-in client and its authenticator.
func (a *testApp) newOwner(name string) (*client, *softkey.Authenticator) {
	c := a.client()
	auth := softkey.New(testOrigin)
	c.enroll(auth, a.invite(""), name)
	return c, auth
}

func (a *testApp) count(table string) int {
	a.t.Helper()
	var n int
	var err error
	switch table {
	case "owners":
		n, err = a.db.CountOwners(context.Background())
	default:
		a.t.Fatalf("count %s: unknown table", table)
	}
	if err != nil {
		a.t.Fatal(err)
	}
	return n
}

func (a *testApp) auditActions() []string {
	a.t.Helper()
	entries, err := a.db.AuditLog(context.Background(), 0, 1000)
	if err != nil {
		a.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action)
	}
	return out
}

// race runs do(0) … do(n-1) at once and counts the answers with status win;
// any answer but win or 422 (refused, nothing saved) fails the test.
func race(t *testing.T, n, win int, do func(i int) int) (won int) {
	t.Helper()
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { statuses <- do(i) })
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		switch s {
		case win:
			won++
		case http.StatusUnprocessableEntity:
		default:
			t.Errorf("status %d, want %d or 422", s, win)
		}
	}
	return won
}
