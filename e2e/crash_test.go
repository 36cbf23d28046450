package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/internal/softkey"
	"github.com/gatehouse/gatehouse/internal/testkit"
	"github.com/gatehouse/gatehouse/internal/testkit/binary"
	"github.com/gatehouse/gatehouse/internal/testkit/secretscan"
	"github.com/gatehouse/gatehouse/lock"
)

// These tests run the real binary as a child process (binary.Server), as an
// owner would run it, and drive it over HTTP only: crash_test.go kills it with
// SIGKILL mid-write, faults_test.go takes its locks and their cloud away. The
// helpers below are shared by both.

// queryInt reads one integer (a COUNT, an id) from d; a failed query fails
// the test rather than reading as 0.
func queryInt(t *testing.T, d *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := d.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s %v: %v", q, args, err)
	}
	return n
}

// ---- an owner and their booking system, over HTTP ----

// procOwner is a signed-in owner's browser (cookie jar, same-origin headers)
// and a read-write API token made in Settings. Both clients record the
// secrets they send and are answered into the server's secret set.
type procOwner struct {
	t       *testing.T
	base    string
	browser *http.Client
	passkey *softkey.Authenticator
	token   string
	api     *http.Client
	secrets *secretscan.Set
}

// newProcOwner enrolls an owner through a fresh invite with a software
// passkey, confirms the passkey again and creates a read-write API token.
func newProcOwner(t *testing.T, s *binary.Server) *procOwner {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	o := &procOwner{t: t, base: s.Base, passkey: softkey.New(s.Base), secrets: s.Secrets,
		browser: s.Secrets.Wrap(&http.Client{Jar: jar, Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}),
		api: s.Secrets.Wrap(&http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}})}
	invite := strings.TrimPrefix(s.Invite(), s.Base)
	options := o.mustJSON(invite+"/begin", []byte(`{"name":"Ana"}`))
	cred, err := o.passkey.Create(options)
	if err != nil {
		t.Fatal(err)
	}
	o.mustJSON(invite+"/finish", cred)
	assertion, err := o.passkey.Get(o.mustJSON("/reauth/begin", nil))
	if err != nil {
		t.Fatal(err)
	}
	o.mustJSON("/reauth/finish", assertion)
	status, page, err := o.post("/settings/api-tokens", url.Values{"name": {"Booking"}, "scope": {"read-write"}})
	m := regexp.MustCompile(`<code id="new-api-token-text">(gh_[A-Za-z0-9_-]{43})</code>`).FindStringSubmatch(page)
	if err != nil || status != http.StatusOK || m == nil {
		t.Fatalf("create API token: %d %v, no token in the page", status, err)
	}
	o.token = m[1]
	return o
}

// browserRequest sends a request from the owner's browser on the dashboard.
func (o *procOwner) browserRequest(method, path, contentType string, body []byte) (int, string, http.Header, error) {
	req, err := http.NewRequest(method, o.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, "", nil, err
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Origin", o.base)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if contentType == "application/json" {
		req.Header.Set("X-Requested-With", "fetch")
	}
	res, err := o.browser.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header, err
}

func (o *procOwner) mustJSON(path string, body []byte) []byte {
	o.t.Helper()
	status, b, _, err := o.browserRequest(http.MethodPost, path, "application/json", body)
	if err != nil || status != http.StatusOK {
		o.t.Fatalf("POST %s: %d %v %.300s", path, status, err, b)
	}
	return []byte(b)
}

// post sends a form from the dashboard.
func (o *procOwner) post(path string, form url.Values) (int, string, error) {
	status, body, _, err := o.browserRequest(http.MethodPost, path, "application/x-www-form-urlencoded", []byte(form.Encode()))
	return status, body, err
}

func (o *procOwner) get(path string) (int, string, error) {
	status, body, _, err := o.browserRequest(http.MethodGet, path, "", nil)
	return status, body, err
}

// addSimLock presses "Add a simulated lock" (the API has no lock creation).
func (o *procOwner) addSimLock() int64 {
	o.t.Helper()
	status, body, h, err := o.browserRequest(http.MethodPost, "/locks/sim", "application/x-www-form-urlencoded", nil)
	loc, _, _ := strings.Cut(h.Get("Location"), "?")
	id, perr := strconv.ParseInt(strings.TrimPrefix(loc, "/locks/"), 10, 64)
	if err != nil || status != http.StatusSeeOther || perr != nil {
		o.t.Fatalf("add a simulated lock: %d %v %q %.200s", status, err, loc, body)
	}
	return id
}

// apiCall sends a JSON request with the bearer token, as a booking system does.
func (o *procOwner) apiCall(method, path string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, o.base+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+o.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := o.api.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// procAccess is what the API answered a new access with.
type procAccess struct {
	ID    int64
	Token string // of its share link
	Codes []int64
}

// giveAccess gives access to lockID from an hour ago for two days; ok is false
// when the answer was not a 201 (or never came).
func (o *procOwner) giveAccess(name string, lockID int64, now time.Time) (procAccess, bool) {
	status, b, err := o.apiCall(http.MethodPost, "/api/v1/accesses", map[string]any{
		"guest": map[string]string{"name": name}, "lock_ids": []int64{lockID},
		"starts_at": now.Add(-time.Hour).UTC().Format(time.RFC3339), "ends_at": now.Add(48 * time.Hour).UTC().Format(time.RFC3339)})
	if err != nil || status != http.StatusCreated {
		return procAccess{}, false
	}
	var res struct {
		Access struct {
			ID    int64 `json:"id"`
			Codes []struct {
				ID int64 `json:"id"`
			} `json:"codes"`
		} `json:"access"`
		ShareURL string `json:"share_url"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		o.t.Errorf("POST /api/v1/accesses: 201 with %v", err)
		return procAccess{}, false
	}
	a := procAccess{ID: res.Access.ID, Token: strings.TrimPrefix(res.ShareURL, o.base+"/s/")}
	for _, c := range res.Access.Codes {
		a.Codes = append(a.Codes, c.ID)
	}
	return a, true
}

var revealedPIN = regexp.MustCompile(`data-testid="pin"[^>]*>(\d+)<`)

// reveal is the guest's "Reveal code" button. It returns the status and the
// PIN shown, if any; status 0 when no answer came.
func reveal(client *http.Client, base, token string) (int, string) {
	req, _ := http.NewRequest(http.MethodPost, base+"/s/"+token, strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := client.Do(req)
	if err != nil {
		return 0, ""
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, ""
	}
	if m := revealedPIN.FindSubmatch(b); m != nil {
		return res.StatusCode, string(m[1])
	}
	return res.StatusCode, ""
}

// ---- the crash test ----

// crashLedger is what the clients saw acknowledged (2xx), to be checked
// against the database after the crashes.
type crashLedger struct {
	mu       sync.Mutex
	created  map[int64]procAccess // access id -> what the create answered
	revoked  map[int64]bool       // revoke answered 2xx
	shown    map[string]int       // share token -> 200s with the code, over the whole run
	revealed map[string]bool      // token whose reveal was answered 200
	keypad   map[int64]int        // lock id -> keypad presses answered 2xx
	tokens   []string             // every token made, for replayed reveals
	pending  map[int64]bool       // created, revoke not yet acknowledged
}

func (l *crashLedger) add(f func()) { l.mu.Lock(); defer l.mu.Unlock(); f() }

// TestCrashSafety runs the binary under concurrent writes (accesses created
// through the API, links revealed, codes typed at simulated keypads, accesses
// revoked), kills it with SIGKILL at 20 random moments and restarts it on the
// same database each time. It checks that the database is intact after every
// crash, that every write that was acknowledged is there, that no link ever
// showed its code twice, and that the reconciler resumes and converges.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds and kills the binary 20 times (~40 s); skipped with -short")
	}
	const (
		kills   = 20
		clients = 12
		locks   = 6
	)
	start := time.Now()
	// Debug, the most the server logs: the log is scanned for every code and
	// token the clients saw (binary.Server's cleanup).
	s := binary.NewServer(t, "--reconcile-every", "1s", "--events-every", "1s", "--sim-delay", "100ms", "--log-level", "debug")
	s.Invite() // creates the database
	s.Start()
	owner := newProcOwner(t, s)
	var lockIDs []int64
	for range locks {
		lockIDs = append(lockIDs, owner.addSimLock())
	}
	t.Logf("set up in %v (build included)", time.Since(start).Round(time.Millisecond))

	rng := rand.New(rand.NewPCG(20261125, 6)) // seeded: the same kill moments every run
	led := &crashLedger{created: map[int64]procAccess{}, revoked: map[int64]bool{}, shown: map[string]int{},
		revealed: map[string]bool{}, keypad: map[int64]int{}, pending: map[int64]bool{}}
	check := s.OpenDB()

	for life := range kills {
		ctx, stopClients := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for c := range clients {
			seed := rng.Uint64()
			wg.Go(func() { crashClient(ctx, owner, led, lockIDs, c, seed) })
		}
		// Let the writes run, then kill the process mid-flight.
		// Not synchronisation: a seeded random moment, so kills land mid-write.
		time.Sleep(time.Duration(150+rng.IntN(1050)) * time.Millisecond)
		s.Kill()
		stopClients()
		wg.Wait()
		if got := integrityCheck(t, check); got != "ok" {
			t.Fatalf("after kill %d: integrity_check: %s", life+1, got)
		}
		s.Start()
	}
	t.Logf("%d kills in %v: %d accesses, %d reveals acknowledged, %d keypad presses",
		kills, time.Since(start).Round(time.Millisecond), len(led.created), len(led.revealed), sum(led.keypad))
	if len(led.created) < kills || len(led.revealed) < kills {
		t.Fatalf("too little was acknowledged to test anything: %d accesses, %d reveals", len(led.created), len(led.revealed))
	}

	// After the last restart: revoke what the clients left live (as they would
	// on their next turn), then give a few fresh accesses that must reach the
	// locks.
	for id := range led.pending {
		if status, _, err := owner.apiCall(http.MethodPost, fmt.Sprintf("/api/v1/accesses/%d/revoke", id), nil); err != nil || status != http.StatusOK {
			t.Fatalf("revoke access %d after the crashes: %d %v", id, status, err)
		}
		led.revoked[id] = true
	}
	for i, l := range lockIDs {
		a, ok := owner.giveAccess(fmt.Sprintf("After %d", i), l, time.Now())
		if !ok {
			t.Fatalf("give access after the crashes: refused")
		}
		led.created[a.ID] = a
	}

	// Every acknowledged write is there.
	for id, a := range led.created {
		var revokedAt sql.NullInt64
		if err := check.QueryRow("SELECT revoked_at FROM accesses WHERE id = ?", id).Scan(&revokedAt); err != nil {
			t.Errorf("access %d was acknowledged (201), then lost: %v", id, err)
			continue
		}
		if led.revoked[id] && !revokedAt.Valid {
			t.Errorf("access %d: its revoke was acknowledged, then lost", id)
		}
		for _, code := range a.Codes {
			if n := queryInt(t, check, "SELECT COUNT(*) FROM access_codes WHERE id = ? AND access_id = ?", code, id); n != 1 {
				t.Errorf("access %d: code %d acknowledged, then lost", id, code)
			}
		}
	}
	for tok := range led.revealed {
		var revealedAt sql.NullInt64
		err := check.QueryRow("SELECT revealed_at FROM share_links WHERE token_hash = ?", db.HashToken(tok)).Scan(&revealedAt)
		if err != nil || !revealedAt.Valid {
			t.Errorf("a link showed its code (200), yet is not revealed in the database: %v", err)
		}
	}
	// No link ever showed its code twice, over all lives and replays.
	for _, n := range led.shown {
		if n > 1 {
			t.Errorf("a link showed its code %d times, want at most once", n)
		}
	}
	auditRevealed := queryInt(t, check, "SELECT COUNT(*) FROM audit_log WHERE action = ?", db.AuditLinkRevealed)
	linksRevealed := queryInt(t, check, "SELECT COUNT(*) FROM share_links WHERE revealed_at IS NOT NULL")
	if auditRevealed != linksRevealed {
		t.Errorf("audit: %d reveal lines for %d revealed links, want one each", auditRevealed, linksRevealed)
	}

	// The reconciler resumes and converges: every code reaches the status its
	// access asks for, each live code is on its lock exactly once, nothing
	// revoked is left behind, and every keypad press was ingested.
	var last string
	testkit.PollUntilReport(t, 60*time.Second, "convergence after the last restart", func() bool {
		last = crashConverged(t, check, led, lockIDs)
		return last == ""
	}, func() string {
		rows, err := check.Query("SELECT id, COALESCE(lease_holder, ''), COALESCE(lease_until, 0) FROM locks")
		if err != nil {
			t.Fatalf("not converged (%s); reading the locks' leases: %v", last, err)
		}
		for rows.Next() {
			var id, until int64
			var holder string
			if err := rows.Scan(&id, &holder, &until); err != nil {
				t.Fatalf("not converged (%s); reading a lock's lease: %v", last, err)
			}
			t.Logf("lock %d: lease %q until %v", id, holder, time.Unix(until, 0).Sub(time.Now()).Round(time.Second))
		}
		closeRows(t, rows, "the locks' leases")
		return "not converged: " + last
	})
	if strings.Contains(s.Log.String(), "panic") {
		t.Errorf("the server log has a panic")
	}
	t.Logf("converged; whole test %v", time.Since(start).Round(time.Millisecond))
}

func sum(m map[int64]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func integrityCheck(t *testing.T, d *sql.DB) string {
	t.Helper()
	var res string
	if err := d.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		return err.Error()
	}
	return res
}

// crashClient is one booking system and its guests: it gives access, reveals
// the link twice at once (one must lose), types the code at the door, revokes
// the access, and replays old links (they must never show a code again). It
// goes on through the crashes until ctx ends, counting only acknowledged
// writes.
func crashClient(ctx context.Context, o *procOwner, led *crashLedger, lockIDs []int64, n int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	guest := o.secrets.Client(5 * time.Second)
	pause := func() {
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
	for i := 0; ctx.Err() == nil; i++ {
		// Finish what an earlier crash interrupted.
		var pending []int64
		led.add(func() {
			for id := range led.pending {
				pending = append(pending, id)
			}
		})
		for _, id := range pending {
			if status, _, err := o.apiCall(http.MethodPost, fmt.Sprintf("/api/v1/accesses/%d/revoke", id), nil); err == nil && status == http.StatusOK {
				led.add(func() { led.revoked[id] = true; delete(led.pending, id) })
			}
		}
		lockID := lockIDs[rng.IntN(len(lockIDs))]
		a, ok := o.giveAccess(fmt.Sprintf("Guest %d-%d", n, i), lockID, time.Now())
		if !ok {
			pause()
			continue
		}
		led.add(func() { led.created[a.ID], led.pending[a.ID] = a, true; led.tokens = append(led.tokens, a.Token) })

		// Two reveals at once, then a replay of an old link.
		var wg sync.WaitGroup
		pins := make([]string, 2)
		for k := range 2 {
			wg.Go(func() {
				status, pin := reveal(guest, o.base, a.Token)
				if status == http.StatusOK && pin != "" {
					pins[k] = pin
					led.add(func() { led.shown[a.Token]++; led.revealed[a.Token] = true })
				}
			})
		}
		wg.Wait()
		var old string
		led.add(func() { old = led.tokens[rng.IntN(len(led.tokens))] })
		if status, pin := reveal(guest, o.base, old); status == http.StatusOK && pin != "" {
			led.add(func() { led.shown[old]++; led.revealed[old] = true })
		}

		// The guest types the code at the door (it may not be on the lock yet).
		if pin := pins[0] + pins[1]; pin != "" {
			status, _, err := o.post(fmt.Sprintf("/locks/%d/sim/keypad", lockID), url.Values{"pin": {pin}})
			if err == nil && status == http.StatusOK {
				led.add(func() { led.keypad[lockID]++ })
			}
		}
		if status, _, err := o.apiCall(http.MethodPost, fmt.Sprintf("/api/v1/accesses/%d/revoke", a.ID), nil); err == nil && status == http.StatusOK {
			led.add(func() { led.revoked[a.ID] = true; delete(led.pending, a.ID) })
		}
	}
}

// crashConverged says what is not yet converged, or "" once everything is.
// A query that fails fails the test: it is not "not converged yet".
func crashConverged(t *testing.T, d *sql.DB, led *crashLedger, lockIDs []int64) string {
	t.Helper()
	rows, err := d.Query(`SELECT c.id, c.status, c.lock_id, a.revoked_at IS NOT NULL FROM access_codes c
		JOIN accesses a ON a.id = c.access_id`)
	if err != nil {
		t.Fatalf("converged? read the codes: %v", err)
	}
	type code struct {
		status  domain.CodeStatus
		lock    int64
		revoked bool
	}
	codes := map[int64]code{}
	for rows.Next() {
		var id int64
		var c code
		if err := rows.Scan(&id, &c.status, &c.lock, &c.revoked); err != nil {
			t.Fatalf("converged? read a code: %v", err)
		}
		codes[id] = c
	}
	closeRows(t, rows, "the codes")
	for id, c := range codes {
		want := domain.StatusOnLock
		if c.revoked {
			want = domain.StatusRemoved
		}
		if c.status != want {
			return fmt.Sprintf("code %d is %s, want %s", id, c.status, want)
		}
	}
	// What the simulated locks hold: each live code once, set; nothing else.
	onLock := map[int64]int{}
	rows, err = d.Query(`SELECT s.name, s.state FROM sim_codes s`)
	if err != nil {
		t.Fatalf("converged? read the simulated locks' codes: %v", err)
	}
	var notConverged string
	for rows.Next() && notConverged == "" {
		var name, state string
		if err := rows.Scan(&name, &state); err != nil {
			t.Fatalf("converged? read a simulated lock's code: %v", err)
		}
		id, ok := lock.ParseMarker(name)
		switch {
		case !ok:
			notConverged = fmt.Sprintf("a code not made by Gatehouse is on a lock: %q", name)
		case state != db.SimSet:
			notConverged = fmt.Sprintf("code %d is %s on its lock", id, state)
		default:
			onLock[id]++
		}
	}
	closeRows(t, rows, "the simulated locks' codes")
	if notConverged != "" {
		return notConverged
	}
	for id, c := range codes {
		want := 1
		if c.revoked {
			want = 0
		}
		if onLock[id] != want {
			return fmt.Sprintf("code %d (revoked %v) is on its lock %d times, want %d", id, c.revoked, onLock[id], want)
		}
	}
	for id := range onLock {
		if _, ok := codes[id]; !ok {
			return fmt.Sprintf("the lock holds code %d, which Gatehouse does not know", id)
		}
	}
	// Every keypad press the server acknowledged is a simulated event, and
	// every simulated event was pulled into the timeline.
	for _, l := range lockIDs {
		var device string
		if err := d.QueryRow("SELECT device_id FROM locks WHERE id = ?", l).Scan(&device); err != nil {
			t.Fatalf("converged? lock %d's device: %v", l, err)
		}
		simEvents := queryInt(t, d, "SELECT COUNT(*) FROM sim_events WHERE device_id = ?", device)
		pressed := queryInt(t, d, "SELECT COUNT(*) FROM sim_events WHERE device_id = ? AND method = 'keypad'", device)
		ingested := queryInt(t, d, "SELECT COUNT(*) FROM events WHERE lock_id = ?", l)
		led.mu.Lock()
		acked := led.keypad[l]
		led.mu.Unlock()
		if pressed < int64(acked) {
			return fmt.Sprintf("lock %d: %d keypad presses acknowledged, %d recorded", l, acked, pressed)
		}
		if ingested < simEvents {
			return fmt.Sprintf("lock %d: %d of %d events ingested", l, ingested, simEvents)
		}
	}
	return ""
}

// closeRows checks that reading rows ended cleanly (rows.Err) and closes them.
func closeRows(t *testing.T, rows *sql.Rows, what string) {
	t.Helper()
	if err := rows.Err(); err != nil {
		t.Fatalf("read %s: %v", what, err)
	}
	if err := rows.Close(); err != nil {
		t.Fatalf("close the rows of %s: %v", what, err)
	}
}
